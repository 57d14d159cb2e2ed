"""apply_layer on well-formed layers: metadata, links, whiteouts, digests."""

from __future__ import annotations

import gzip
import hashlib
import io
import os
import stat
import tarfile
from pathlib import Path

import pytest

from dockyard.diff import apply_layer
from dockyard.diff.compression import open_compressed_writer

ROOT = os.geteuid() == 0
needs_root = pytest.mark.skipif(not ROOT, reason="needs root (chown, mknod, trusted.* xattrs)")

# security.capability v2 for cap_net_bind_service (bit 10), effective flag set
CAP_NET_BIND = bytes.fromhex("01000002" "00040000" "00000000" "00000000" "00000000")


def add(tf: tarfile.TarFile, name: str, typ: bytes = tarfile.REGTYPE, data: bytes = b"", *, mode: int = 0o644,
        uid: int = 0, gid: int = 0, mtime: float = 1_500_000_000, linkname: str = "",
        xattrs: dict[str, bytes] | None = None) -> None:
    ti = tarfile.TarInfo(name)
    ti.type = typ
    ti.size = len(data) if typ == tarfile.REGTYPE else 0
    ti.mode, ti.uid, ti.gid, ti.mtime, ti.linkname = mode, uid, gid, mtime, linkname
    if xattrs:
        ti.pax_headers = {"SCHILY.xattr." + k: v.decode("utf-8", "surrogateescape")
                          for k, v in xattrs.items()}
    tf.addfile(ti, io.BytesIO(data) if data else None)


def layer(build) -> bytes:  # type: ignore[no-untyped-def]
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w", format=tarfile.PAX_FORMAT) as tf:
        build(tf)
    return buf.getvalue()


def test_metadata_preserved(tmp_path: Path) -> None:
    def build(tf: tarfile.TarFile) -> None:
        add(tf, "./", tarfile.DIRTYPE, mode=0o755, mtime=1_000)
        add(tf, "bin/", tarfile.DIRTYPE, mode=0o755, mtime=2_000)
        add(tf, "bin/su", data=b"suid", mode=0o4755, uid=0, gid=0, mtime=3_000)
        add(tf, "tmp/", tarfile.DIRTYPE, mode=0o1777, mtime=4_000)
        add(tf, "home/app/", tarfile.DIRTYPE, mode=0o700, uid=1000, gid=1000, mtime=5_000)
        add(tf, "home/app/f", data=b"abc", mode=0o640, uid=1000, gid=1000, mtime=6_000.5)
        add(tf, "home/app/l", tarfile.SYMTYPE, linkname="f", uid=1000, gid=1000, mtime=7_000)
        add(tf, "home/app/h", tarfile.LNKTYPE, linkname="home/app/f")
        add(tf, "run/fifo", tarfile.FIFOTYPE, mode=0o620, mtime=8_000)
        add(tf, "bin/ping", data=b"ping", mode=0o755, xattrs={"security.capability": CAP_NET_BIND,
                                                            "user.note": b"\x00\xff binary"})

    dest = tmp_path / "layer"
    res = apply_layer(io.BytesIO(layer(build)), str(dest))
    assert res.entries == 10 and res.unpacked_size == 4 + 3 + 4
    st = os.lstat(dest / "bin/su")
    assert stat.S_IMODE(st.st_mode) == 0o4755 and st.st_mtime == 3_000
    assert stat.S_IMODE(os.lstat(dest / "tmp").st_mode) == 0o1777
    assert os.lstat(dest / "tmp").st_mtime == 4_000
    assert os.lstat(dest / "bin").st_mtime == 2_000  # dirs' mtimes are set after their children
    assert os.lstat(dest).st_mtime == 1_000
    assert os.lstat(dest / "home/app/f").st_mtime_ns == 6_000_500_000_000
    assert os.readlink(dest / "home/app/l") == "f"
    assert os.lstat(dest / "home/app/l").st_mtime == 7_000
    assert os.lstat(dest / "home/app/h").st_ino == os.lstat(dest / "home/app/f").st_ino
    assert stat.S_ISFIFO(os.lstat(dest / "run/fifo").st_mode)
    assert stat.S_IMODE(os.lstat(dest / "run/fifo").st_mode) == 0o620
    assert stat.S_IMODE(os.lstat(dest / "run").st_mode) == 0o755  # implicit parent
    assert os.getxattr(dest / "bin/ping", "user.note") == b"\x00\xff binary"
    if ROOT:
        assert os.getxattr(dest / "bin/ping", "security.capability") == CAP_NET_BIND
        for p in ("home/app", "home/app/f", "home/app/l"):
            st = os.lstat(dest / p)
            assert (st.st_uid, st.st_gid) == (1000, 1000), p


def test_digests(tmp_path: Path) -> None:
    def build(tf: tarfile.TarFile) -> None:
        add(tf, "a", data=os.urandom(100_000))
        add(tf, "b", data=b"b")

    tar = layer(build)
    diff_id = "sha256:" + hashlib.sha256(tar).hexdigest()
    res = apply_layer(io.BytesIO(tar), str(tmp_path / "plain"))
    assert (res.diff_id, res.size, res.digest, res.compressed_size) == (diff_id, len(tar), diff_id, len(tar))
    gz = gzip.compress(tar, mtime=0)
    res = apply_layer(io.BytesIO(gz), str(tmp_path / "gz"))
    assert res.diff_id == diff_id and res.size == len(tar)
    assert res.digest == "sha256:" + hashlib.sha256(gz).hexdigest() and res.compressed_size == len(gz)
    zbuf = io.BytesIO()
    w = open_compressed_writer(zbuf, "zstd")
    w.write(tar[:1000])
    w.write(tar[1000:])
    w.close()
    res = apply_layer(io.BytesIO(zbuf.getvalue()), str(tmp_path / "zst"))
    assert res.diff_id == diff_id and res.digest == "sha256:" + hashlib.sha256(zbuf.getvalue()).hexdigest()
    assert (tmp_path / "zst/b").read_bytes() == b"b"


def test_later_entries_replace_earlier(tmp_path: Path) -> None:
    def build(tf: tarfile.TarFile) -> None:
        add(tf, "x/", tarfile.DIRTYPE)
        add(tf, "x/inner", data=b"1")
        add(tf, "x/sub/deeper/f", data=b"2")
        add(tf, "x/sub/h", tarfile.LNKTYPE, linkname="x/inner")
        add(tf, "x/sub/l", tarfile.SYMTYPE, linkname="/")
        add(tf, "x", data=b"file for a moment")
        add(tf, "x/", tarfile.DIRTYPE)
        add(tf, "x/sub/again", data=b"3")
        add(tf, "x", data=b"now a file")
        add(tf, "f", data=b"old")
        add(tf, "f", data=b"new")
        add(tf, "d/", tarfile.DIRTYPE, mode=0o700)
        add(tf, "d/keep", data=b"k")
        add(tf, "d/", tarfile.DIRTYPE, mode=0o750)

    dest = tmp_path / "l"
    apply_layer(io.BytesIO(layer(build)), str(dest))
    assert (dest / "x").read_bytes() == b"now a file"
    assert (dest / "f").read_bytes() == b"new"
    assert (dest / "d/keep").read_bytes() == b"k"
    assert stat.S_IMODE(os.lstat(dest / "d").st_mode) == 0o750


def test_long_and_non_ascii_names(tmp_path: Path) -> None:
    long = "/".join([f"segment{i:02d}" for i in range(20)]) + "/file"

    def build(tf: tarfile.TarFile) -> None:
        add(tf, long, data=b"deep")
        add(tf, "caf\u00e9", data=b"utf8")
        add(tf, "raw\udcff", data=b"latin1 byte")

    dest = tmp_path / "l"
    apply_layer(io.BytesIO(layer(build)), str(dest))
    assert (dest / long).read_bytes() == b"deep"
    assert (dest / "caf\u00e9").read_bytes() == b"utf8"
    assert os.path.exists(os.path.join(os.fsencode(dest), b"raw\xff"))


@needs_root
def test_whiteouts_converted(tmp_path: Path) -> None:
    def build(tf: tarfile.TarFile) -> None:
        add(tf, "etc/", tarfile.DIRTYPE)
        add(tf, "etc/.wh.passwd")
        add(tf, "opt/", tarfile.DIRTYPE)
        add(tf, "opt/.wh..wh..opq")
        add(tf, "opt/new", data=b"n")
        add(tf, ".wh..wh.plnk")  # aufs metadata: ignored

    dest = tmp_path / "l"
    apply_layer(io.BytesIO(layer(build)), str(dest))
    st = os.lstat(dest / "etc/passwd")
    assert stat.S_ISCHR(st.st_mode) and st.st_rdev == 0
    assert not (dest / "etc/.wh.passwd").exists()
    assert os.getxattr(dest / "opt", "trusted.overlay.opaque") == b"y"
    assert not (dest / "opt/.wh..wh..opq").exists()
    assert sorted(os.listdir(dest)) == ["etc", "opt"]


@pytest.mark.parametrize("fmt", [tarfile.GNU_FORMAT, tarfile.USTAR_FORMAT, tarfile.PAX_FORMAT])
def test_tar_formats(tmp_path: Path, fmt: int) -> None:
    long = "d/" + "x" * 90 + "/" + "y" * 90  # > 100: GNU longname, ustar prefix, PAX path
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w", format=fmt) as tf:
        ti = tarfile.TarInfo(long)
        ti.size, ti.uid, ti.mtime, ti.mode = 3, 1234, 1_234_567_890, 0o600
        tf.addfile(ti, io.BytesIO(b"abc"))
        li = tarfile.TarInfo("link")
        li.type, li.linkname = tarfile.SYMTYPE, "/" + "t" * 99 if fmt == tarfile.USTAR_FORMAT else "t" * 300
        tf.addfile(li)
        if fmt == tarfile.GNU_FORMAT:
            big = tarfile.TarInfo("big-uid")
            big.uid = 2**22  # base-256 number field
            tf.addfile(big)
    dest = tmp_path / "l"
    apply_layer(io.BytesIO(buf.getvalue()), str(dest))
    assert (dest / long).read_bytes() == b"abc"
    assert os.lstat(dest / long).st_mtime == 1_234_567_890
    assert os.readlink(dest / "link") == li.linkname
    if fmt == tarfile.GNU_FORMAT and ROOT:
        assert os.lstat(dest / "big-uid").st_uid == 2**22


def test_global_pax_and_old_style_dir(tmp_path: Path) -> None:
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w", format=tarfile.PAX_FORMAT,
                      pax_headers={"comment": "global"}) as tf:
        ti = tarfile.TarInfo("olddir/")
        ti.type = tarfile.AREGTYPE
        tf.addfile(ti)
        fi = tarfile.TarInfo("olddir/f")
        fi.size = 1
        tf.addfile(fi, io.BytesIO(b"1"))
    dest = tmp_path / "l"
    apply_layer(io.BytesIO(buf.getvalue()), str(dest))
    assert (dest / "olddir/f").read_bytes() == b"1"
