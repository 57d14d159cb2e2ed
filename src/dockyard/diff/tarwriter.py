"""A deterministic tar writer: same tree, same bytes.

Rules (what makes two writes of one tree byte-identical):

- entries are written in the order the caller gives; ``walk_sorted`` yields a tree sorted by path
  (byte order of the path without its trailing slash, so a directory precedes its contents);
- ustar headers, with PAX extended headers only when needed (long or non-ASCII names and link
  targets, numbers too big for octal fields, xattrs as ``SCHILY.xattr.<name>``), PAX records in a
  fixed order (xattrs sorted by name), the PAX header itself always named ``././@PaxHeader`` with
  zero mode/owner/mtime;
- uid/gid kept as numbers, uname/gname empty; no atime/ctime; mtime in whole seconds, clamped to
  ``clamp_mtime`` (SOURCE_DATE_EPOCH) when given;
- regular files with several links become one file entry plus hardlink entries, detected by
  (st_dev, st_ino), the first in write order holding the data;
- the archive ends with two zero blocks and no further padding (like Go's archive/tar).
"""

from __future__ import annotations

import os
import stat
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import BinaryIO

from ..errors import FailedPrecondition, InvalidArgument

BLOCK = 512
REGTYPE = b"0"
LNKTYPE = b"1"
SYMTYPE = b"2"
CHRTYPE = b"3"
BLKTYPE = b"4"
DIRTYPE = b"5"
FIFOTYPE = b"6"

_ZERO_BLOCK = bytes(BLOCK)
_MAX_OCTAL_8 = 8**7
_MAX_OCTAL_12 = 8**11


def default_xattr_filter(name: str) -> bool:
    """Keep every xattr except overlayfs' own metadata and the host's SELinux labels."""
    return not (
        name.startswith("trusted.overlay.") or name.startswith("user.overlay.") or name == "security.selinux"
    )


@dataclass
class Header:
    """One tar entry's header.  ``name`` is the archive path (directories end with "/")."""

    name: str
    type: bytes
    mode: int = 0o644
    uid: int = 0
    gid: int = 0
    size: int = 0
    mtime: int = 0
    linkname: str = ""
    devmajor: int = 0
    devminor: int = 0
    xattrs: dict[str, bytes] = field(default_factory=dict)


def _octal(value: int, width: int) -> bytes:
    return b"%0*o\0" % (width - 1, value)


def _field(data: bytes, width: int) -> bytes:
    return data[:width].ljust(width, b"\0")


def _pax_record(key: str, value: bytes) -> bytes:
    body = b" " + key.encode() + b"=" + value + b"\n"
    n = len(body) + 1
    while len(str(n)) + len(body) != n:
        n = len(str(n)) + len(body)
    return str(n).encode() + body


def _ustar(name: bytes, h: Header, typeflag: bytes, linkname: bytes, size: int, mtime: int,
           uid: int, gid: int) -> bytes:
    buf = b"".join((
        _field(name, 100),
        _octal(h.mode & 0o7777, 8),
        _octal(uid, 8),
        _octal(gid, 8),
        _octal(size, 12),
        _octal(mtime, 12),
        b" " * 8,
        typeflag,
        _field(linkname, 100),
        b"ustar\x0000",
        bytes(32),
        bytes(32),
        _octal(h.devmajor, 8),
        _octal(h.devminor, 8),
        bytes(155),
        bytes(12),
    ))
    chksum = b"%06o\0 " % sum(buf)
    return buf[:148] + chksum + buf[156:]


def encode_header(h: Header) -> bytes:
    """The bytes of ``h``: an optional PAX header (plus its records) and the ustar header."""
    name = os.fsencode(h.name)
    linkname = os.fsencode(h.linkname)
    if b"\0" in name or b"\0" in linkname:
        raise InvalidArgument(f"tar entry name contains NUL: {h.name!r}")
    records: list[bytes] = []
    if len(name) > 100 or not name.isascii():
        records.append(_pax_record("path", name))
        name = name[:100]
    if len(linkname) > 100 or not linkname.isascii():
        records.append(_pax_record("linkpath", linkname))
        linkname = linkname[:100]
    uid, gid, size, mtime = h.uid, h.gid, h.size, h.mtime
    if not 0 <= uid < _MAX_OCTAL_8:
        records.append(_pax_record("uid", str(uid).encode()))
        uid = 0
    if not 0 <= gid < _MAX_OCTAL_8:
        records.append(_pax_record("gid", str(gid).encode()))
        gid = 0
    if not 0 <= size < _MAX_OCTAL_12:
        records.append(_pax_record("size", str(size).encode()))
        size = 0
    if not 0 <= mtime < _MAX_OCTAL_12:
        records.append(_pax_record("mtime", str(mtime).encode()))
        mtime = 0
    for key in sorted(h.xattrs):
        records.append(_pax_record("SCHILY.xattr." + key, h.xattrs[key]))
    main = _ustar(name, h, h.type, linkname, size, mtime, uid, gid)
    if not records:
        return main
    data = b"".join(records)
    pax = _ustar(b"././@PaxHeader", Header(name="", type=b"x", mode=0), b"x", b"", len(data), 0, 0, 0)
    return pax + data + _padding(len(data)) + main


def _padding(size: int) -> bytes:
    rem = size % BLOCK
    return bytes(BLOCK - rem) if rem else b""


def read_xattrs(path: str, keep: Callable[[str], bool] = default_xattr_filter) -> dict[str, bytes]:
    """The xattrs of ``path`` (not following a symlink) that ``keep`` accepts."""
    try:
        names = os.listxattr(path, follow_symlinks=False)
    except OSError:
        return {}
    out: dict[str, bytes] = {}
    for name in names:
        if keep(name):
            try:
                out[name] = os.getxattr(path, name, follow_symlinks=False)
            except OSError:
                continue
    return out


@dataclass(frozen=True)
class TreeEntry:
    """A path found by ``walk_sorted``: ``rel`` relative to the root ("" is the root itself)."""

    rel: str
    path: str
    st: os.stat_result


def walk_sorted(root: str) -> list[TreeEntry]:
    """Every path under ``root`` (root itself first, as rel ""), never following symlinks,
    sorted by the bytes of the relative path."""
    entries = [TreeEntry("", root, os.lstat(root))]
    stack = [("", root)]
    while stack:
        rel, path = stack.pop()
        with os.scandir(path) as it:
            for de in it:
                r = de.name if not rel else rel + "/" + de.name
                st = de.stat(follow_symlinks=False)
                entries.append(TreeEntry(r, de.path, st))
                if stat.S_ISDIR(st.st_mode):
                    stack.append((r, de.path))
    entries.sort(key=lambda e: os.fsencode(e.rel))
    return entries


class TarWriter:
    """Writes tar entries to ``out`` (which it never closes); ``close()`` writes the end marker."""

    def __init__(self, out: BinaryIO, *, clamp_mtime: int | None = None,
                 xattr_filter: Callable[[str], bool] = default_xattr_filter,
                 owner: tuple[int, int] | None = None) -> None:
        self._out = out
        self.clamp_mtime = clamp_mtime
        self.owner = owner  # (uid, gid) forced on every path entry (COPY --chown)
        self.xattr_filter = xattr_filter
        self._inodes: dict[tuple[int, int], str] = {}
        self.size = 0
        self.entries = 0

    def _write(self, data: bytes) -> None:
        self._out.write(data)
        self.size += len(data)

    def mtime(self, st_mtime: float) -> int:
        t = int(st_mtime)
        if self.clamp_mtime is not None and t > self.clamp_mtime:
            t = self.clamp_mtime
        return t

    def add_header(self, h: Header, data: bytes = b"") -> None:
        """Write one entry whose content (``h.size`` bytes) is ``data``."""
        if len(data) != h.size:
            raise InvalidArgument(f"tar entry {h.name!r}: {len(data)} bytes for size {h.size}")
        self._write(encode_header(h))
        if data:
            self._write(data)
            self._write(_padding(len(data)))
        self.entries += 1

    def header_for(self, arcname: str, path: str, st: os.stat_result) -> Header:
        """The header describing ``path`` (with stat ``st``) under ``arcname``; no content."""
        mode = st.st_mode
        uid, gid = self.owner if self.owner is not None else (st.st_uid, st.st_gid)
        h = Header(name=arcname, type=REGTYPE, mode=stat.S_IMODE(mode), uid=uid, gid=gid,
                   mtime=self.mtime(st.st_mtime))
        if stat.S_ISREG(mode):
            h.size = st.st_size
        elif stat.S_ISDIR(mode):
            h.type = DIRTYPE
            if not h.name.endswith("/"):
                h.name += "/"
        elif stat.S_ISLNK(mode):
            h.type = SYMTYPE
            h.linkname = os.fsdecode(os.readlink(path))
        elif stat.S_ISFIFO(mode):
            h.type = FIFOTYPE
        elif stat.S_ISCHR(mode) or stat.S_ISBLK(mode):
            h.type = CHRTYPE if stat.S_ISCHR(mode) else BLKTYPE
            h.devmajor, h.devminor = os.major(st.st_rdev), os.minor(st.st_rdev)
        else:
            raise InvalidArgument(f"cannot archive {path!r}: unsupported file type (socket?)")
        h.xattrs = read_xattrs(path, self.xattr_filter)
        return h

    def add_path(self, arcname: str, path: str, st: os.stat_result | None = None) -> None:
        """Write the file at ``path`` (never following a symlink) as ``arcname``."""
        if st is None:
            st = os.lstat(path)
        if stat.S_ISSOCK(st.st_mode):
            return  # sockets cannot be archived; docker skips them too
        h = self.header_for(arcname, path, st)
        if h.type == REGTYPE and st.st_nlink > 1:
            key = (st.st_dev, st.st_ino)
            first = self._inodes.get(key)
            if first is not None:
                h.type, h.linkname, h.size = LNKTYPE, first, 0
                self.add_header(h)
                return
            self._inodes[key] = arcname
        if h.type != REGTYPE or h.size == 0:
            self.add_header(h)
            return
        self._write(encode_header(h))
        self._copy(path, h.size)
        self.entries += 1

    def _copy(self, path: str, size: int) -> None:
        fd = os.open(path, os.O_RDONLY | os.O_NOFOLLOW | os.O_CLOEXEC)
        try:
            left = size
            while left:
                chunk = os.read(fd, min(left, 1 << 20))
                if not chunk:
                    raise FailedPrecondition(f"{path}: file shrank while it was archived")
                self._write(chunk)
                left -= len(chunk)
        finally:
            os.close(fd)
        self._write(_padding(size))

    def close(self) -> None:
        self._write(_ZERO_BLOCK * 2)


def iter_tree(root: str, prefix: str = "") -> Iterator[tuple[str, TreeEntry]]:
    """(arcname, entry) for every path of ``walk_sorted(root)``; the root itself is named
    ``prefix`` and skipped when ``prefix`` is empty."""
    prefix = prefix.strip("/")
    for e in walk_sorted(root):
        if not e.rel:
            if prefix:
                yield prefix, e
            continue
        yield (prefix + "/" + e.rel if prefix else e.rel), e
