"""copy_image_path reads layer directories as overlayfs would merge them (needs root for the
whiteout device nodes and trusted.* xattrs)."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from dockyard.volume.copyup import copy_image_path

pytestmark = pytest.mark.privileged


@pytest.fixture(autouse=True)
def _root() -> None:
    if os.geteuid() != 0:
        pytest.skip("needs root")


def _whiteout(path: Path) -> None:
    os.mknod(path, 0o600 | 0o020000, os.makedev(0, 0))


def test_merge_rules(tmp_path: Path) -> None:
    l1, l2, l3 = (tmp_path / n for n in ("l1", "l2", "l3"))   # l3 is the top layer
    (l1 / "d" / "old" / "deep").mkdir(parents=True)
    (l1 / "d" / "old" / "deep" / "x").write_text("hidden by opaque\n")
    (l1 / "d" / "same").write_text("lower\n")
    (l1 / "d" / "gone").write_text("whited out\n")
    (l1 / "d" / "hl1").write_text("linked\n")
    os.link(l1 / "d" / "hl1", l1 / "d" / "hl2")
    (l2 / "d" / "old").mkdir(parents=True)
    os.setxattr(l2 / "d" / "old", "trusted.overlay.opaque", b"y")
    (l2 / "d" / "old" / "fresh").write_text("in opaque dir\n")
    (l2 / "d" / "same").write_text("upper wins\n")
    (l3 / "d").mkdir(parents=True)
    _whiteout(l3 / "d" / "gone")
    os.symlink("same", l3 / "d" / "link")
    dest = tmp_path / "vol"
    dest.mkdir()
    assert copy_image_path([str(l3), str(l2), str(l1)], "/d", str(dest))
    assert sorted(os.listdir(dest)) == ["hl1", "hl2", "link", "old", "same"]
    assert os.listdir(dest / "old") == ["fresh"]
    assert (dest / "same").read_text() == "upper wins\n"
    assert os.readlink(dest / "link") == "same"
    assert os.stat(dest / "hl1").st_ino == os.stat(dest / "hl2").st_ino


def test_absent_or_hidden_paths(tmp_path: Path) -> None:
    low, top = tmp_path / "low", tmp_path / "top"
    (low / "a" / "b").mkdir(parents=True)
    (low / "a" / "b" / "f").write_text("x")
    top.mkdir()
    _whiteout(top / "a")
    dest = tmp_path / "vol"
    dest.mkdir()
    assert not copy_image_path([str(top), str(low)], "/a/b", str(dest))
    assert not copy_image_path([str(low)], "/nope", str(dest))
    (tmp_path / "file").mkdir()
    (tmp_path / "file" / "a").write_text("a file, not a dir")
    assert not copy_image_path([str(tmp_path / "file"), str(low)], "/a/b", str(dest))
    assert os.listdir(dest) == []
