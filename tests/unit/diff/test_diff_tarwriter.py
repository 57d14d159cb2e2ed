"""Deterministic tar writing, tree tars, compression."""

from __future__ import annotations

import gzip
import hashlib
import io
import os
import tarfile
from pathlib import Path

import pytest

from dockyard.diff import apply_layer, open_compressed_writer, open_decompressed_reader, write_tar_of_tree
from dockyard.diff.compression import detect
from dockyard.diff.tarwriter import DIRTYPE, Header, TarWriter
from dockyard.errors import InvalidArgument


def make_tree(root: Path, order: list[str]) -> None:
    """The same tree whatever ``order`` (creation order of the top-level files)."""
    (root / "dir/sub").mkdir(parents=True)
    for name in order:
        (root / name).write_bytes(name.encode() * 100)
    (root / "dir/sub/deep").write_text("deep")
    os.link(root / order[0], root / "dir/hard")
    os.symlink("../" + order[0], root / "dir/link")
    os.mkfifo(root / "dir/fifo")
    os.setxattr(root / "dir/sub/deep", "user.k", b"v\x00\xff")
    os.chmod(root / "dir", 0o2775)
    for dirpath, dirnames, filenames in os.walk(root):
        for n in dirnames + filenames:
            os.utime(os.path.join(dirpath, n), (1_700_000_000, 1_700_000_000), follow_symlinks=False)


def members(data: bytes) -> list[tarfile.TarInfo]:
    with tarfile.open(fileobj=io.BytesIO(data)) as tf:
        return tf.getmembers()


def tar_bytes(root: Path, **kw: object) -> bytes:
    buf = io.BytesIO()
    write_tar_of_tree(str(root), buf, **kw)  # type: ignore[arg-type]
    return buf.getvalue()


def test_same_tree_same_bytes(tmp_path: Path) -> None:
    make_tree(tmp_path / "a", ["x", "b", "m"])
    make_tree(tmp_path / "b", ["m", "x", "b"])
    ta, tb = tar_bytes(tmp_path / "a"), tar_bytes(tmp_path / "b")
    # the hardlink's first name differs (x vs m), so compare two writes of each and the listing
    assert ta == tar_bytes(tmp_path / "a")
    names = [m.name for m in members(ta)]
    assert names == sorted(names, key=lambda n: n.rstrip("/").encode())
    assert names == [m.name for m in members(tb)]
    make_tree(tmp_path / "c", ["x", "m", "b"])
    assert tar_bytes(tmp_path / "c") == ta  # same first-name for the hardlink: identical


def test_entries(tmp_path: Path) -> None:
    make_tree(tmp_path / "t", ["x", "b"])
    tf = members(tar_bytes(tmp_path / "t"))
    by = {m.name: m for m in tf}
    assert by["dir"].isdir() and by["dir"].mode == 0o2775
    assert by["dir/hard"].isreg() and by["dir/hard"].size == 100  # "dir/hard" sorts before "x"
    assert by["x"].islnk() and by["x"].linkname == "dir/hard"
    assert by["dir/link"].issym() and by["dir/link"].linkname == "../x"
    assert by["dir/fifo"].isfifo()
    deep = by["dir/sub/deep"]
    assert deep.pax_headers["SCHILY.xattr.user.k"].encode("utf-8", "surrogateescape") == b"v\x00\xff"
    for m in tf:
        assert m.uname == "" and m.gname == "" and "atime" not in m.pax_headers


def test_prefix_and_single_file(tmp_path: Path) -> None:
    make_tree(tmp_path / "t", ["x"])
    names = [m.name for m in members(tar_bytes(tmp_path / "t", prefix="t"))]
    assert names[0] == "t" and all(n.startswith("t/") for n in names[1:])
    single = members(tar_bytes(tmp_path / "t/x"))
    assert [m.name for m in single] == ["x"]


def test_clamp_mtime(tmp_path: Path) -> None:
    make_tree(tmp_path / "t", ["x"])
    os.utime(tmp_path / "t/x", (1_000, 1_000))
    tf = members(tar_bytes(tmp_path / "t", clamp_mtime=1_600_000_000))
    mt = {m.name: m.mtime for m in tf}
    assert mt["x"] == 1_000  # older than the epoch: kept
    assert mt["dir/sub/deep"] == 1_600_000_000


def test_owner_override(tmp_path: Path) -> None:
    make_tree(tmp_path / "t", ["x"])
    assert {(m.uid, m.gid) for m in members(tar_bytes(tmp_path / "t", owner=(1000, 50)))} == {(1000, 50)}


def test_roundtrip_through_apply(tmp_path: Path) -> None:
    make_tree(tmp_path / "t", ["x", "y"])
    data = tar_bytes(tmp_path / "t")
    res = apply_layer(io.BytesIO(data), str(tmp_path / "out"))
    assert res.diff_id == "sha256:" + hashlib.sha256(data).hexdigest()
    assert tar_bytes(tmp_path / "out") == data  # extract + rewrite is a fixed point


def test_pax_fields(tmp_path: Path) -> None:
    buf = io.BytesIO()
    tw = TarWriter(buf)
    long = "d/" + "n" * 150
    tw.add_header(Header(name=long, type=b"0", size=3, uid=10_000_000, gid=5, mtime=2**40), b"abc")
    tw.add_header(Header(name="l", type=b"2", linkname="t" * 200))
    tw.add_header(Header(name="\u00e9/", type=DIRTYPE))
    tw.close()
    assert len(buf.getvalue()) % 512 == 0
    with tarfile.open(fileobj=io.BytesIO(buf.getvalue())) as tf:
        a, b, c = tf.getmembers()
        assert tf.extractfile(a).read() == b"abc"  # type: ignore[union-attr]
    assert (a.name, a.uid, a.gid, a.mtime, a.size) == (long, 10_000_000, 5, 2**40, 3)
    assert b.linkname == "t" * 200 and c.name == "\u00e9"
    with pytest.raises(InvalidArgument):
        TarWriter(io.BytesIO()).add_header(Header(name="a\x00b", type=b"0"))


@pytest.mark.parametrize("algo", ["gzip", "zstd", "none"])
def test_compression_roundtrip(algo: str) -> None:
    data = os.urandom(300_000) + b"\x00" * 1_000_000
    out = io.BytesIO()
    w = open_compressed_writer(out, algo)  # type: ignore[arg-type]
    for i in range(0, len(data), 65536):
        w.write(data[i:i + 65536])
    w.close()
    assert not out.closed
    blob = out.getvalue()
    assert detect(blob[:4]) == algo
    assert open_decompressed_reader(io.BytesIO(blob)).read() == data
    out2 = io.BytesIO()
    w = open_compressed_writer(out2, algo)  # type: ignore[arg-type]
    for i in range(0, len(data), 1000):
        w.write(data[i:i + 1000])
    w.close()
    assert out2.getvalue() == blob  # deterministic


def test_gzip_header_deterministic() -> None:
    class Named(io.BytesIO):
        name = "/some/file.tar"

    out = Named()
    w = open_compressed_writer(out, "gzip")
    w.write(b"hello")
    w.close()
    blob = out.getvalue()
    assert blob[3] & 0x08 == 0  # no FNAME
    assert blob[4:8] == b"\x00\x00\x00\x00"  # mtime 0
    assert gzip.decompress(blob) == b"hello"


def test_multi_member_gzip_and_zstd_frames() -> None:
    blob = gzip.compress(b"one", mtime=0) + gzip.compress(b"two", mtime=0)
    assert open_decompressed_reader(io.BytesIO(blob)).read() == b"onetwo"
    zstandard = pytest.importorskip("zstandard")
    c = zstandard.ZstdCompressor()
    assert open_decompressed_reader(io.BytesIO(c.compress(b"a") + c.compress(b"b"))).read() == b"ab"


def test_corrupt_gzip() -> None:
    blob = bytearray(gzip.compress(os.urandom(10_000), mtime=0))
    blob[100] ^= 0xFF
    with pytest.raises(InvalidArgument):
        open_decompressed_reader(io.BytesIO(bytes(blob))).read()
