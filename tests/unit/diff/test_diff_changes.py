"""changes() and write_layer_from_upper() on hand-made upper/lower directories."""

from __future__ import annotations

import io
import os
import tarfile
from pathlib import Path

import pytest

from dockyard.diff import changes, write_layer_from_upper

pytestmark = pytest.mark.skipif(os.geteuid() != 0, reason="needs root (mknod whiteouts, trusted.* xattrs)")


def whiteout(path: Path) -> None:
    os.mknod(path, 0o20000 | 0o600, os.makedev(0, 0))


def opaque(path: Path) -> None:
    os.setxattr(path, "trusted.overlay.opaque", b"y")


@pytest.fixture
def layers(tmp_path: Path) -> tuple[Path, Path, Path]:
    low1, low2, upper = tmp_path / "low1", tmp_path / "low2", tmp_path / "upper"
    for d in ("a/b", "gone", "opq/inner", "file-dir"):
        (low1 / d).mkdir(parents=True)
    (low1 / "a/b/c").write_text("c")
    (low1 / "gone/x").write_text("x")
    (low1 / "opq/inner/y").write_text("y")
    (low2 / "opq").mkdir(parents=True)
    opaque(low2 / "opq")  # hides low1's opq/inner
    whiteout(low2 / "gone")  # hides low1's gone/
    (low2 / "file-dir").write_text("now a file")  # hides low1's file-dir/ contents
    upper.mkdir()
    return low1, low2, upper


def test_changes_respects_lower_whiteouts(layers: tuple[Path, Path, Path]) -> None:
    low1, low2, upper = layers
    (upper / "a/b").mkdir(parents=True)
    (upper / "a/b/c").write_text("changed")
    (upper / "gone").mkdir()
    (upper / "gone/x").write_text("re-added")
    (upper / "opq/inner").mkdir(parents=True)
    (upper / "file-dir").mkdir()
    whiteout(upper / "a/b/d")
    assert changes(str(upper), [str(low2), str(low1)]) == [
        ("C", "/a"),
        ("C", "/a/b"),
        ("C", "/a/b/c"),
        ("D", "/a/b/d"),
        ("C", "/file-dir"),
        ("A", "/gone"),
        ("A", "/gone/x"),
        ("C", "/opq"),
        ("A", "/opq/inner"),
    ]


def test_layer_from_upper_entries(layers: tuple[Path, Path, Path]) -> None:
    _, _, upper = layers
    (upper / "d").mkdir()
    opaque(upper / "d")
    (upper / "d/f").write_text("f")
    whiteout(upper / "w")
    os.setxattr(upper / "d/f", "trusted.overlay.origin", b"junk")  # overlay's own: dropped
    os.setxattr(upper / "d/f", "user.keep", b"1")
    out = io.BytesIO()
    info = write_layer_from_upper(str(upper), out, clamp_mtime=0)
    out.seek(0)
    with tarfile.open(fileobj=out) as tf:
        members = tf.getmembers()
    assert [m.name for m in members] == [".wh.w", "d", "d/.wh..wh..opq", "d/f"]
    assert all(m.mtime == 0 for m in members)
    f = members[3]
    assert "SCHILY.xattr.user.keep" in f.pax_headers
    assert not any("overlay" in k for m in members for k in m.pax_headers)
    assert info.size == len(out.getvalue()) and info.diff_id == info.digest
