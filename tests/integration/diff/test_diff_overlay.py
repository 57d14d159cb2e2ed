"""Whiteouts through a real overlayfs mount: layer tar -> lowerdir -> changes in the merged view
-> upperdir -> layer tar -> applied again gives the same merged view."""

from __future__ import annotations

import io
import os
import stat
import subprocess
import tarfile
from collections.abc import Iterator
from pathlib import Path

import pytest

from dockyard.diff import apply_layer, changes, write_layer_from_upper, write_tar_of_tree


def _reason() -> str | None:
    if os.geteuid() != 0:
        return "needs root (overlayfs, mknod, trusted.* xattrs)"
    with open("/proc/filesystems") as f:
        if "overlay" not in f.read():
            return "needs overlayfs"
    return None


pytestmark = [pytest.mark.privileged, pytest.mark.skipif(_reason() is not None, reason=_reason() or "")]

OVERLAY_OPTS = "redirect_dir=off,metacopy=off,index=off"


class Overlays:
    """Mounts overlays and unmounts every one of them at teardown, even after a failure."""

    def __init__(self) -> None:
        self.mounted: list[Path] = []

    def mount(self, lowers: list[Path], upper: Path, work: Path, merged: Path) -> Path:
        for d in (upper, work, merged):
            d.mkdir(parents=True, exist_ok=True)
        opts = f"lowerdir={':'.join(map(str, lowers))},upperdir={upper},workdir={work},{OVERLAY_OPTS}"
        subprocess.run(["mount", "-t", "overlay", "overlay", "-o", opts, str(merged)], check=True)
        self.mounted.append(merged)
        return merged

    def umount(self, merged: Path) -> None:
        subprocess.run(["umount", str(merged)], check=True)
        self.mounted.remove(merged)

    def cleanup(self) -> None:
        for m in reversed(self.mounted):
            subprocess.run(["umount", "-l", str(m)], check=False)
        self.mounted.clear()


@pytest.fixture
def overlays() -> Iterator[Overlays]:
    o = Overlays()
    try:
        yield o
    finally:
        o.cleanup()


def tar_of(entries: list[tuple[str, bytes | None]]) -> bytes:
    """(name, data) pairs: data None is a directory."""
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w", format=tarfile.PAX_FORMAT) as tf:
        for name, data in entries:
            ti = tarfile.TarInfo(name)
            ti.mtime = 1_600_000_000
            if data is None:
                ti.type, ti.mode = tarfile.DIRTYPE, 0o755
                tf.addfile(ti)
            else:
                ti.size = len(data)
                tf.addfile(ti, io.BytesIO(data))
    return buf.getvalue()


def view(root: Path) -> dict[str, tuple[str, bytes]]:
    """The visible tree: path -> (kind, content)."""
    out: dict[str, tuple[str, bytes]] = {}
    for dirpath, dirnames, filenames in os.walk(root):
        for n in dirnames + filenames:
            p = os.path.join(dirpath, n)
            rel = os.path.relpath(p, root)
            st = os.lstat(p)
            if stat.S_ISDIR(st.st_mode):
                out[rel] = ("d", b"")
            elif stat.S_ISLNK(st.st_mode):
                out[rel] = ("l", os.readlink(p).encode())
            else:
                out[rel] = ("f", Path(p).read_bytes())
    return out


BASE = [("etc/", None), ("etc/passwd", b"root\n"), ("etc/group", b"root\n"), ("etc/hosts", b"127.0.0.1\n"),
        ("opt/", None), ("opt/a/", None), ("opt/a/x", b"x"), ("opt/a/y", b"y"),
        ("srv/", None), ("srv/old1", b"1"), ("srv/old2", b"2"), ("data/keep", b"k")]
SECOND = [("etc/", None), ("etc/.wh.group", b""), ("srv/", None), ("srv/.wh..wh..opq", b""),
          ("srv/fresh", b"f")]


def test_whiteout_round_trip(tmp_path: Path, overlays: Overlays) -> None:
    l1, l2 = tmp_path / "l1", tmp_path / "l2"
    apply_layer(io.BytesIO(tar_of(BASE)), str(l1))
    apply_layer(io.BytesIO(tar_of(SECOND)), str(l2))
    merged = overlays.mount([l2, l1], tmp_path / "upper", tmp_path / "work", tmp_path / "merged")

    # the lower whiteouts are honoured by the kernel
    assert not (merged / "etc/group").exists()
    assert sorted(os.listdir(merged / "srv")) == ["fresh"]

    # a container's changes
    (merged / "etc/hosts").unlink()
    (merged / "etc/passwd").write_bytes(b"root\napp\n")
    (merged / "new/dir").mkdir(parents=True)
    (merged / "new/dir/file").write_bytes(b"n")
    subprocess.run(["rm", "-rf", str(merged / "opt/a")], check=True)
    (merged / "opt/a").mkdir()  # over a deleted lower dir: overlay makes it opaque
    (merged / "opt/a/z").write_bytes(b"z")
    (merged / "data/keep").unlink()
    (merged / "data").rmdir()
    os.symlink("/etc/passwd", merged / "etc/pw")
    before = view(merged)

    upper = tmp_path / "upper"
    assert changes(str(upper), [str(l2), str(l1)]) == [
        ("D", "/data"),
        ("C", "/etc"),
        ("D", "/etc/hosts"),
        ("C", "/etc/passwd"),
        ("A", "/etc/pw"),
        ("A", "/new"),
        ("A", "/new/dir"),
        ("A", "/new/dir/file"),
        ("C", "/opt"),
        ("C", "/opt/a"),
        ("A", "/opt/a/z"),
    ]

    out = io.BytesIO()
    info = write_layer_from_upper(str(upper), out, compression="gzip")
    overlays.umount(merged)
    out.seek(0)
    with tarfile.open(fileobj=out, mode="r:gz") as tf:
        names = [m.name for m in tf]
    assert names == [".wh.data", "etc", "etc/.wh.hosts", "etc/passwd", "etc/pw", "new", "new/dir",
                     "new/dir/file", "opt", "opt/a", "opt/a/.wh..wh..opq", "opt/a/z"]

    # the produced layer, applied and stacked, reproduces the container's view
    out.seek(0)
    l3 = tmp_path / "l3"
    res = apply_layer(out, str(l3))
    assert res.diff_id == info.diff_id and res.digest == info.digest
    merged2 = overlays.mount([l3, l2, l1], tmp_path / "upper2", tmp_path / "work2", tmp_path / "merged2")
    assert view(merged2) == before

    # determinism: writing the same upper again gives the same bytes
    again = io.BytesIO()
    assert write_layer_from_upper(str(upper), again, compression="gzip") == info
    assert again.getvalue() == out.getvalue()


def test_rootfs_fixed_point(tmp_path: Path, busybox_rootfs: Path) -> None:
    """busybox rootfs -> tar -> apply -> tar: identical bytes (modes, links, owners survive)."""
    first = io.BytesIO()
    info = write_tar_of_tree(str(busybox_rootfs), first)
    first.seek(0)
    res = apply_layer(first, str(tmp_path / "layer"))
    assert res.diff_id == info.diff_id
    second = io.BytesIO()
    write_tar_of_tree(str(tmp_path / "layer"), second)
    assert second.getvalue() == first.getvalue()
    assert os.readlink(tmp_path / "layer/bin/sh") == "busybox"
    out = subprocess.run(["chroot", str(tmp_path / "layer"), "/bin/sh", "-c", "echo ok"],
                         capture_output=True, text=True, check=True)
    assert out.stdout == "ok\n"


@pytest.mark.parametrize("fmt", ["gnu", "pax", "ustar"])
def test_gnu_tar_interop(tmp_path: Path, busybox_rootfs: Path, fmt: str) -> None:
    """A layer made by GNU tar (any format, gzip) applies to the same tree."""
    src = tmp_path / "src"
    subprocess.run(["cp", "-a", str(busybox_rootfs), str(src)], check=True)
    (src / "home/app" / ("d" * 70)).mkdir(parents=True)
    (src / "home/app" / ("d" * 70) / ("n" * 70)).write_text("long name")  # > 100 bytes in all
    os.link(src / "etc/passwd", src / "etc/passwd-hard")
    os.setxattr(src / "etc/group", "user.note", b"hi")
    os.utime(src / "home/app", (1_500_000_000, 1_500_000_000))
    layer = tmp_path / "layer.tar.gz"
    cmd = ["tar", "-C", str(src), f"--format={fmt}", "--numeric-owner", "-czf", str(layer), "."]
    if fmt == "pax":
        cmd.insert(1, "--xattrs")
    subprocess.run(cmd, check=True)
    with open(layer, "rb") as f:
        apply_layer(f, str(tmp_path / "out"))
    expected, got = io.BytesIO(), io.BytesIO()
    keep_xattrs = fmt == "pax"
    write_tar_of_tree(str(src), expected)
    write_tar_of_tree(str(tmp_path / "out"), got)
    if keep_xattrs:
        assert got.getvalue() == expected.getvalue()
    else:
        assert view(tmp_path / "out") == view(src)
    assert os.stat(tmp_path / "out/etc/passwd-hard").st_ino == os.stat(tmp_path / "out/etc/passwd").st_ino
    assert os.stat(tmp_path / "out/home/app").st_mtime == 1_500_000_000
