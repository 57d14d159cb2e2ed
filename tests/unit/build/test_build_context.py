"""Build context: .dockerignore matching (moby patternmatcher rules), source matching, hashing."""

from __future__ import annotations

import io
import os
import tarfile
from pathlib import Path

import pytest

from dockyard.build.context import (
    BuildContext,
    extract_context_tar,
    is_excluded,
    is_tar_stream_head,
    parse_dockerignore,
)


@pytest.mark.parametrize("patterns,path,excluded", [
    ("node_modules", "node_modules", True),
    ("node_modules", "node_modules/a/b.js", True),
    ("node_modules", "src/node_modules", False),
    ("*.log", "a.log", True),
    ("*.log", "sub/a.log", False),
    ("**/*.log", "sub/deep/a.log", True),
    ("**/*.log", "a.log", True),
    ("*.log\n!keep.log", "keep.log", False),
    ("*.log\n!keep.log", "other.log", True),
    ("docs/**\n!docs/README.md", "docs/README.md", False),
    ("docs/**\n!docs/README.md", "docs/x/y", True),
    ("# comment\n\n/abs", "abs", True),
    ("a?c", "abc", True),
    ("a?c", "abbc", False),
    ("[ab]x", "bx", True),
    ("dir/", "dir/file", True),
    ("./tmp", "tmp/x", True),
    ("*", "anything", True),
    ("!nothing", "x", False),
])
def test_dockerignore_rules(patterns: str, path: str, excluded: bool) -> None:
    assert is_excluded(path, parse_dockerignore(patterns)) is excluded


def _tree(root: Path, files: dict[str, str]) -> None:
    for name, text in files.items():
        p = root / name
        p.parent.mkdir(parents=True, exist_ok=True)
        p.write_text(text)


def test_context_lists_only_included_entries_and_descends_for_exceptions(tmp_path: Path) -> None:
    _tree(tmp_path, {".dockerignore": "build\n!build/keep\n", "build/drop": "x", "build/keep": "k",
                     "src/a.py": "a"})
    ctx = BuildContext.from_dir(str(tmp_path))
    assert "build/drop" not in ctx.entries
    assert "build/keep" in ctx.entries
    assert ctx.walk("src") == ["src", "src/a.py"]
    assert "src/a.py" in ctx.walk("")


def test_match_paths_and_globs(tmp_path: Path) -> None:
    _tree(tmp_path, {"package.json": "{}", "package-lock.json": "{}", "sub/x.json": "{}", "app.js": ""})
    ctx = BuildContext.from_dir(str(tmp_path))
    assert ctx.match("package*.json") == ["package-lock.json", "package.json"]
    assert ctx.match("./app.js") == ["app.js"]
    assert ctx.match("/app.js") == ["app.js"]
    assert ctx.match(".") == [""]
    assert ctx.match("*/x.json") == ["sub/x.json"]
    assert ctx.match("missing") == []


def test_digest_depends_on_content_and_mode_not_mtime(tmp_path: Path) -> None:
    _tree(tmp_path, {"f": "one"})
    d1 = BuildContext.from_dir(str(tmp_path)).digest("f")
    os.utime(tmp_path / "f", (1, 1))
    assert BuildContext.from_dir(str(tmp_path)).digest("f") == d1
    os.chmod(tmp_path / "f", 0o755)
    d2 = BuildContext.from_dir(str(tmp_path)).digest("f")
    assert d2 != d1
    (tmp_path / "f").write_text("two")
    assert BuildContext.from_dir(str(tmp_path)).digest("f") not in (d1, d2)


def test_missing_context_dir_is_a_clear_error(tmp_path: Path) -> None:
    from dockyard.errors import InvalidArgument
    with pytest.raises(InvalidArgument, match="unable to prepare context"):
        BuildContext.from_dir(str(tmp_path / "nope"))


def test_stdin_detection_and_tar_context(tmp_path: Path) -> None:
    assert not is_tar_stream_head(b"FROM busybox\n")
    assert is_tar_stream_head(b"\x1f\x8b\x08\x00")
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w") as tf:
        data = b"FROM busybox\n"
        info = tarfile.TarInfo("Dockerfile")
        info.size = len(data)
        tf.addfile(info, io.BytesIO(data))
    raw = buf.getvalue()
    assert is_tar_stream_head(raw[:512])
    dest = tmp_path / "ctx"
    extract_context_tar(io.BytesIO(raw), str(dest))
    assert (dest / "Dockerfile").read_text() == "FROM busybox\n"


def test_known_digests_are_trusted_only_for_an_identical_stat(tmp_path: Path) -> None:
    _tree(tmp_path, {"f": "one"})
    ctx = BuildContext.from_dir(str(tmp_path))
    real = ctx.digest("f")
    assert ctx.fresh["f"][4] == real
    st = os.lstat(tmp_path / "f")
    known = {"f": (st.st_ino, st.st_size, st.st_mtime_ns, st.st_ctime_ns, "remembered")}
    again = BuildContext.from_dir(str(tmp_path))
    again.known = known
    assert again.digest("f") == "remembered" and "f" not in again.fresh
    (tmp_path / "f").write_text("two")  # new mtime/ctime: hashed again
    changed = BuildContext.from_dir(str(tmp_path))
    changed.known = known
    assert changed.digest("f") not in ("remembered", real)
