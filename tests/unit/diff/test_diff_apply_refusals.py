"""Malicious and broken layer tars: every refusal rule of apply_layer / extract_plain."""

from __future__ import annotations

import gzip
import io
import os
import subprocess
import tarfile
from pathlib import Path

import pytest

from dockyard.diff import apply_layer, extract_plain
from dockyard.errors import InvalidArgument

Spec = tuple  # (name, type, extra dict)


def make_tar(*entries: tuple[str, bytes, dict[str, object]]) -> bytes:
    """entries: (name, tarfile type, attrs); attrs may hold data, linkname, pax_headers, mode."""
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w", format=tarfile.PAX_FORMAT) as tf:
        for name, typ, attrs in entries:
            ti = tarfile.TarInfo(name)
            ti.type = typ
            data = attrs.get("data", b"")
            assert isinstance(data, bytes)
            ti.size = len(data) if typ == tarfile.REGTYPE else 0
            ti.linkname = str(attrs.get("linkname", ""))
            ti.mode = int(attrs.get("mode", 0o755 if typ == tarfile.DIRTYPE else 0o644))  # type: ignore[call-overload]
            ti.mtime = 1_600_000_000
            ti.devmajor = 1
            ti.devminor = 3
            if "pax" in attrs:
                ti.pax_headers = dict(attrs["pax"])  # type: ignore[call-overload]
            tf.addfile(ti, io.BytesIO(data) if ti.size else None)
    return buf.getvalue()


def F(name: str, data: bytes = b"x") -> tuple[str, bytes, dict[str, object]]:
    return (name, tarfile.REGTYPE, {"data": data})


def D(name: str) -> tuple[str, bytes, dict[str, object]]:
    return (name, tarfile.DIRTYPE, {})


def L(name: str, target: str) -> tuple[str, bytes, dict[str, object]]:
    return (name, tarfile.SYMTYPE, {"linkname": target})


def H(name: str, target: str) -> tuple[str, bytes, dict[str, object]]:
    return (name, tarfile.LNKTYPE, {"linkname": target})


@pytest.fixture
def sandbox(tmp_path: Path) -> tuple[Path, Path]:
    """dest (empty) and a sibling directory that must stay empty whatever the tar says."""
    dest = tmp_path / "root" / "dest"
    outside = tmp_path / "root" / "outside"
    dest.mkdir(parents=True)
    outside.mkdir()
    return dest, outside


def assert_refused(data: bytes, sandbox: tuple[Path, Path], match: str) -> None:
    dest, outside = sandbox
    with pytest.raises(InvalidArgument, match=match) as info:
        apply_layer(io.BytesIO(data), str(dest))
    assert "\n" not in str(info.value)
    assert list(outside.iterdir()) == []


CASES = {
    "absolute": ([F("/etc/passwd")], "absolute"),
    "dotdot": ([F("../outside/x")], "escapes the root"),
    "dotdot-inner": ([D("a/"), F("a/../../outside/x")], "escapes the root"),
    "parent-symlink": ([L("a", "../outside"), F("a/x")], "escapes the root|symlink"),
    "parent-abs-symlink": ([L("a", "/"), F("a/x")], "parent 'a' is a symlink"),
    "dir-replaced-by-link": ([D("a/"), F("a/ok"), L("a", "/tmp"), F("a/evil")], "parent 'a' is a symlink"),
    "nested-parent-symlink": ([D("a/"), L("a/b", "/etc"), F("a/b/c/d")], "parent 'a/b' is a symlink"),
    "parent-is-file": ([F("a"), F("a/b")], "not a directory"),
    "hardlink-outside": ([H("h", "../outside/x")], "escapes the root"),
    "hardlink-absolute": ([H("h", "/etc/passwd")], "absolute"),
    "hardlink-later": ([H("h", "b"), F("b")], "not an earlier regular file"),
    "hardlink-to-dir": ([D("d/"), H("h", "d")], "not an earlier regular file"),
    "hardlink-to-symlink": ([L("s", "/etc/passwd"), H("h", "s")], "not an earlier regular file"),
    "hardlink-through-link": ([D("d/"), F("d/f"), L("e", "d"), H("h", "e/f")], "not an earlier regular"),
    "symlink-climbs": ([D("a/"), L("a/l", "../../outside")], "escapes the root"),
    "symlink-climbs-top": ([L("l", "..")], "escapes the root"),
    "chardev": ([("dev/null", tarfile.CHRTYPE, {})], "device"),
    "blockdev": ([("sda", tarfile.BLKTYPE, {})], "device"),
    "nul-in-name": ([("x", tarfile.REGTYPE, {"pax": {"path": "a\x00b"}, "data": b"1"})], "NUL"),
    "nul-in-link": ([("x", tarfile.SYMTYPE, {"pax": {"linkpath": "a\x00b"}})], "NUL"),
    "bad-whiteout": ([D("a/"), F("a/.wh..")], "escapes|invalid whiteout"),
    "root-not-dir": ([F("./")], "root"),
}


@pytest.mark.parametrize("case", sorted(CASES))
def test_refused(case: str, sandbox: tuple[Path, Path]) -> None:
    entries, match = CASES[case]
    assert_refused(make_tar(*entries), sandbox, match)


def test_symlink_targets_allowed(tmp_path: Path) -> None:
    data = make_tar(D("a/"), L("a/up", "../b"), L("a/abs", "/etc/passwd"), L("a/dot", "."), F("b"))
    apply_layer(io.BytesIO(data), str(tmp_path / "d"))
    assert os.readlink(tmp_path / "d/a/up") == "../b"
    assert os.readlink(tmp_path / "d/a/abs") == "/etc/passwd"


def test_truncated_data(sandbox: tuple[Path, Path]) -> None:
    data = make_tar(F("a", b"y" * 5000))
    assert_refused(data[:512 + 1000], sandbox, "truncated|unexpected end")


def test_truncated_at_header_boundary(sandbox: tuple[Path, Path]) -> None:
    data = make_tar(F("a", b"y" * 512), F("b", b"z"))
    assert_refused(data[:1024], sandbox, "truncated")


def test_truncated_mid_header(sandbox: tuple[Path, Path]) -> None:
    data = make_tar(F("a", b"y" * 512), F("b", b"z"))
    assert_refused(data[:1024 + 100], sandbox, "truncated|corrupt")


def test_corrupt_second_header(sandbox: tuple[Path, Path]) -> None:
    data = bytearray(make_tar(F("a", b"y" * 512), F("b", b"z")))
    data[1024 + 10] ^= 0xFF  # breaks b's checksum: tarfile alone would stop silently here
    assert_refused(bytes(data), sandbox, "corrupt")


def test_garbage(sandbox: tuple[Path, Path]) -> None:
    assert_refused(b"this is not a tar" * 100, sandbox, "corrupt tar header")
    assert_refused(b"", sandbox, "truncated")


def test_uid_out_of_range(sandbox: tuple[Path, Path]) -> None:
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w", format=tarfile.GNU_FORMAT) as tf:
        ti = tarfile.TarInfo("f")
        ti.uid = 2**33
        tf.addfile(ti)
    assert_refused(buf.getvalue(), sandbox, "out of range")


def test_deep_path(tmp_path: Path) -> None:
    deep = "/".join(["a"] * 1500) + "/f"  # implicit parents, no recursion limit
    try:
        apply_layer(io.BytesIO(make_tar(F(deep))), str(tmp_path / "d"))
    finally:  # too deep for shutil.rmtree's recursion (and so for pytest's own cleanup)
        subprocess.run(["rm", "-rf", str(tmp_path / "d")], check=True)


def test_sparse_refused(sandbox: tuple[Path, Path]) -> None:
    assert_refused(make_tar(("s", tarfile.REGTYPE, {"pax": {"GNU.sparse.major": "1"}, "data": b"x"})),
                   sandbox, "sparse")
    data = bytearray(make_tar(F("a")))
    data[156:157] = b"S"  # GNU sparse type; fix the checksum so only the type is wrong
    data[148:156] = b" " * 8
    data[148:156] = b"%06o\0 " % sum(data[:512])
    assert_refused(bytes(data), sandbox, "unsupported entry type")


def test_truncated_gzip(sandbox: tuple[Path, Path]) -> None:
    gz = gzip.compress(make_tar(F("a", os.urandom(50_000))), mtime=0)
    assert_refused(gz[: len(gz) // 2], sandbox, "gzip|truncated")


def test_truncated_zstd(sandbox: tuple[Path, Path]) -> None:
    zstandard = pytest.importorskip("zstandard")
    zs = zstandard.ZstdCompressor().compress(make_tar(F("a", os.urandom(50_000))))
    assert_refused(zs[: len(zs) // 2], sandbox, "zstd|truncated")


def test_dest_must_be_empty(tmp_path: Path) -> None:
    (tmp_path / "x").write_text("")
    with pytest.raises(InvalidArgument, match="not empty"):
        apply_layer(io.BytesIO(make_tar(F("a"))), str(tmp_path))


# --- extract_plain ------------------------------------------------------------------------------


def test_plain_refuses_existing_symlink_parent(tmp_path: Path) -> None:
    dest = tmp_path / "ctr"
    outside = tmp_path / "host"
    dest.mkdir()
    outside.mkdir()
    os.symlink(str(outside), dest / "etc")  # planted by a malicious container
    with pytest.raises(InvalidArgument, match="symlink"):
        extract_plain(io.BytesIO(make_tar(F("etc/passwd", b"owned"))), str(dest))
    assert list(outside.iterdir()) == []


def test_plain_refuses_existing_symlink_as_final_dir(tmp_path: Path) -> None:
    dest = tmp_path / "ctr"
    outside = tmp_path / "host"
    dest.mkdir()
    outside.mkdir()
    os.symlink(str(outside), dest / "d")
    with pytest.raises(InvalidArgument):
        extract_plain(io.BytesIO(make_tar(D("d/"), F("d/x"))), str(dest))
    assert list(outside.iterdir()) == []


def test_plain_overwrites_symlink_file_without_following(tmp_path: Path) -> None:
    dest = tmp_path / "ctr"
    dest.mkdir()
    victim = tmp_path / "victim"
    victim.write_text("keep")
    os.symlink(str(victim), dest / "f")
    extract_plain(io.BytesIO(make_tar(F("f", b"new"))), str(dest))
    assert victim.read_text() == "keep"
    assert (dest / "f").read_bytes() == b"new" and not (dest / "f").is_symlink()


@pytest.mark.parametrize("case", ["absolute", "dotdot", "dir-replaced-by-link", "hardlink-outside",
                                  "symlink-climbs", "chardev", "nul-in-name"])
def test_plain_refusals(case: str, sandbox: tuple[Path, Path]) -> None:
    dest, outside = sandbox
    entries, _ = CASES[case]
    with pytest.raises(InvalidArgument):
        extract_plain(io.BytesIO(make_tar(*entries)), str(dest))
    assert list(outside.iterdir()) == []


def test_plain_overwrite_and_merge(tmp_path: Path) -> None:
    dest = tmp_path / "ctr"
    (dest / "d").mkdir(parents=True)
    (dest / "d" / "old").write_text("old")
    (dest / "d" / "f").write_text("before")
    extract_plain(io.BytesIO(make_tar(D("d/"), F("d/f", b"after"), F("d/new", b"n"), H("d/h", "d/new"))),
                  str(dest))
    assert (dest / "d/old").read_text() == "old"
    assert (dest / "d/f").read_bytes() == b"after"
    assert os.stat(dest / "d/h").st_ino == os.stat(dest / "d/new").st_ino
    with pytest.raises(InvalidArgument, match="overwrite a directory"):
        extract_plain(io.BytesIO(make_tar(F("d"))), str(dest))


def test_plain_many_dirs_and_deep_path(tmp_path: Path) -> None:
    dest = tmp_path / "ctr"
    dest.mkdir()
    entries = [F("first", b"1")]
    entries += [F(f"d{i}/sub/f", b"x") for i in range(600)]  # more dirs than the fd cache holds
    entries += [H("d599/sub/h", "first"), F("/".join(["a"] * 1200) + "/f")]
    try:
        extract_plain(io.BytesIO(make_tar(*entries)), str(dest))
        assert (dest / "d0/sub/f").read_bytes() == b"x"
        assert os.stat(dest / "d599/sub/h").st_ino == os.stat(dest / "first").st_ino
        assert len(os.listdir("/proc/self/fd")) < 50  # every descriptor was closed
    finally:
        subprocess.run(["rm", "-rf", str(dest)], check=True)
