"""A strict, single-pass tar reader (ustar, PAX, GNU long names; no sparse files).

About five times faster per entry than ``tarfile`` in stream mode, and stricter: a checksum
mismatch, a short read anywhere or a missing end-of-archive block raises ``InvalidArgument``
(``tarfile`` silently treats a bad header after the first one as the end of the archive).
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import BinaryIO

from ..errors import InvalidArgument

BLOCK = 512
_READ = 1 << 20
_REGULAR = (b"0", b"\0", b"7")
_KNOWN = (*_REGULAR, b"1", b"2", b"3", b"4", b"5", b"6")


@dataclass
class Member:
    name: str
    type: bytes
    mode: int = 0
    uid: int = 0
    gid: int = 0
    size: int = 0
    mtime: float = 0.0
    linkname: str = ""
    devmajor: int = 0
    devminor: int = 0
    pax: dict[str, bytes] = field(default_factory=dict)

    def isreg(self) -> bool:
        return self.type in _REGULAR

    def isdir(self) -> bool:
        return self.type == b"5"

    def issym(self) -> bool:
        return self.type == b"2"

    def islnk(self) -> bool:
        return self.type == b"1"

    def isfifo(self) -> bool:
        return self.type == b"6"

    def ischr(self) -> bool:
        return self.type == b"3"

    def isblk(self) -> bool:
        return self.type == b"4"


def _decode(raw: bytes) -> str:
    return raw.decode("utf-8", "surrogateescape")


def _nts(field_: bytes) -> bytes:
    end = field_.find(b"\0")
    return field_ if end < 0 else field_[:end]


def _number(field_: bytes, what: str) -> int:
    if field_ and field_[0] & 0x80:  # GNU base-256
        value = int.from_bytes(field_[1:], "big")
        if field_[0] == 0xFF:
            value -= 1 << (8 * (len(field_) - 1))
        return value
    text = _nts(field_).strip(b" \0")
    if not text:
        return 0
    try:
        return int(text, 8)
    except ValueError as err:
        raise InvalidArgument(f"corrupt tar header: bad {what} field {field_!r}") from err


def _parse_pax(data: bytes) -> dict[str, bytes]:
    out: dict[str, bytes] = {}
    pos = 0
    while pos < len(data):
        if data[pos] == 0:  # some writers pad the record area with NULs
            break
        sp = data.find(b" ", pos)
        try:
            length = int(data[pos:sp])
        except ValueError as err:
            raise InvalidArgument("corrupt PAX header") from err
        record = data[sp + 1: pos + length]
        if sp < 0 or length <= 0 or pos + length > len(data) or not record.endswith(b"\n"):
            raise InvalidArgument("corrupt PAX header")
        key, eq, value = record[:-1].partition(b"=")
        if not eq:
            raise InvalidArgument("corrupt PAX header")
        out[_decode(key)] = value
        pos += length
    return out


class TarReader:
    """Iterate members with ``for m in reader``; read a member's data with ``reader.data(m)``
    before asking for the next member (unread data is skipped)."""

    def __init__(self, stream: BinaryIO) -> None:
        self._stream = stream
        self._buf = b""
        self._pos = 0
        self._left = 0  # data bytes of the current member not yet consumed
        self._pad = 0
        self.offset = 0  # bytes of archive consumed

    def _need(self, n: int) -> bytes:
        """Exactly ``n`` bytes, or InvalidArgument if the stream ends first."""
        avail = len(self._buf) - self._pos
        if avail >= n:
            out = self._buf[self._pos: self._pos + n]
            self._pos += n
            self.offset += n
            return out
        parts = [self._buf[self._pos:]]
        got = avail
        while got < n:
            chunk = self._stream.read(max(_READ, n - got))
            if not chunk:
                raise InvalidArgument(f"truncated tar archive at offset {self.offset + got}")
            parts.append(chunk)
            got += len(chunk)
        joined = b"".join(parts)
        self._buf, self._pos = joined, n
        self.offset += n
        return joined[:n]

    def _chunk(self, n: int) -> bytes:
        """Up to ``n`` (> 0) bytes, as much as is buffered."""
        if self._pos >= len(self._buf):
            self._buf = self._stream.read(_READ)
            self._pos = 0
            if not self._buf:
                raise InvalidArgument(f"truncated tar archive at offset {self.offset}")
        take = min(n, len(self._buf) - self._pos)
        out = self._buf[self._pos: self._pos + take]
        self._pos += take
        self.offset += take
        return out

    def data(self, m: Member) -> Iterator[bytes]:
        """The data of ``m`` (the member just yielded), in chunks."""
        while self._left:
            chunk = self._chunk(self._left)
            self._left -= len(chunk)
            yield chunk

    def _skip_rest(self) -> None:
        rest = self._left + self._pad
        while rest:
            rest -= len(self._chunk(rest))
        self._left = self._pad = 0

    def _header(self) -> bytes | None:
        block = self._need(BLOCK)
        if block.count(0) == BLOCK:
            return None
        chksum = _number(block[148:156], "checksum")
        unsigned = sum(block[:148]) + 256 + sum(block[156:])
        if chksum != unsigned:
            signed = sum((b - 256 if b > 127 else b) for b in block[:148] + b" " * 8 + block[156:])
            if chksum != signed:
                raise InvalidArgument(f"corrupt tar header at offset {self.offset - BLOCK}")
        return block

    def __iter__(self) -> Iterator[Member]:
        pax: dict[str, bytes] = {}
        global_pax: dict[str, bytes] = {}
        longname: bytes | None = None
        longlink: bytes | None = None
        while True:
            self._skip_rest()
            block = self._header()
            if block is None:
                return
            typeflag = block[156:157]
            size = _number(block[124:136], "size")
            if size < 0:
                raise InvalidArgument(f"corrupt tar header at offset {self.offset - BLOCK}: negative size")
            if typeflag in (b"x", b"g", b"L", b"K"):
                if size > 64 << 20:
                    raise InvalidArgument(f"tar extended header too large ({size} bytes)")
                payload = self._need(size)
                self._need(-size % BLOCK)
                if typeflag == b"x":
                    pax.update(_parse_pax(payload))
                elif typeflag == b"g":
                    global_pax.update(_parse_pax(payload))
                elif typeflag == b"L":
                    longname = _nts(payload)
                else:
                    longlink = _nts(payload)
                continue
            m = self._member(block, typeflag, size, {**global_pax, **pax}, longname, longlink)
            pax, longname, longlink = {}, None, None
            # only regular files have a data area (links, dirs, devices: none, whatever "size" says)
            self._left = m.size if m.isreg() else 0
            self._pad = -self._left % BLOCK
            yield m

    def _member(self, block: bytes, typeflag: bytes, size: int, pax: dict[str, bytes],
                longname: bytes | None, longlink: bytes | None) -> Member:
        name = _nts(block[0:100])
        if block[257:263] == b"ustar\0":
            prefix = _nts(block[345:500])
            if prefix:
                name = prefix + b"/" + name
        if longname is not None:
            name = longname
        linkname = _nts(block[157:257]) if longlink is None else longlink
        if typeflag not in _KNOWN:
            shown = _decode(pax.get("path", name))
            raise InvalidArgument(f"tar entry {shown!r}: unsupported entry type {typeflag!r}")
        m = Member(
            name=_decode(name), type=typeflag, mode=_number(block[100:108], "mode"),
            uid=_number(block[108:116], "uid"), gid=_number(block[116:124], "gid"), size=size,
            mtime=float(_number(block[136:148], "mtime")), linkname=_decode(linkname),
            devmajor=_number(block[329:337], "devmajor"), devminor=_number(block[337:345], "devminor"),
            pax=pax,
        )
        if typeflag == b"\0" and m.name.endswith("/"):
            m.type = b"5"  # old-style directory
        try:
            if "path" in pax:
                m.name = _decode(pax["path"])
            if "linkpath" in pax:
                m.linkname = _decode(pax["linkpath"])
            if "size" in pax:
                m.size = int(pax["size"])
            if "uid" in pax:
                m.uid = int(pax["uid"])
            if "gid" in pax:
                m.gid = int(pax["gid"])
            if "mtime" in pax:
                m.mtime = float(pax["mtime"])
        except ValueError as err:
            raise InvalidArgument(f"tar entry {m.name!r}: bad PAX number") from err
        if any(k.startswith("GNU.sparse.") for k in pax) or m.size < 0:
            raise InvalidArgument(f"tar entry {m.name!r}: sparse or invalid entries are not supported")
        return m
