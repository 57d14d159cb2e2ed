"""Checks shared by the extractors: names, link targets, entry types, xattrs, tar reading."""

from __future__ import annotations

import base64
import posixpath
import tarfile
from collections.abc import Iterator
from typing import BinaryIO

from ..errors import InvalidArgument

_SKIP_XATTR_PREFIXES = ("trusted.overlay.", "user.overlay.")


def clean_name(raw: str, what: str = "entry") -> str:
    """The normalised relative path of a tar entry name ("" is the root), or InvalidArgument."""
    if "\0" in raw:
        raise InvalidArgument(f"tar {what} {raw!r}: name contains NUL")
    if raw.startswith("/"):
        raise InvalidArgument(f"tar {what} {raw!r}: absolute path")
    name = posixpath.normpath(raw) if raw else "."
    if name == ".":
        return ""
    if name == ".." or name.startswith("../"):
        raise InvalidArgument(f"tar {what} {raw!r}: path escapes the root")
    return name


def check_symlink_target(name: str, target: str) -> None:
    """Refuse a relative symlink target that climbs above the root, resolved lexically from the
    link's directory.  Absolute targets are fine: they resolve inside the container."""
    if "\0" in target:
        raise InvalidArgument(f"tar entry {name!r}: link target contains NUL")
    if not target:
        raise InvalidArgument(f"tar entry {name!r}: empty symlink target")
    if target.startswith("/"):
        return
    resolved = posixpath.normpath(posixpath.join(posixpath.dirname(name), target))
    if resolved == ".." or resolved.startswith("../"):
        raise InvalidArgument(f"tar entry {name!r}: symlink target {target!r} escapes the root")


def xattrs_of(member: tarfile.TarInfo) -> dict[str, bytes]:
    """xattrs recorded in PAX headers (SCHILY.xattr.* and LIBARCHIVE.xattr.*), minus overlayfs'
    own (a layer must not carry overlay metadata: whiteouts come as .wh. files)."""
    out: dict[str, bytes] = {}
    for key, value in member.pax_headers.items():
        if key.startswith("SCHILY.xattr."):
            name = key[len("SCHILY.xattr."):]
            data = value.encode("utf-8", "surrogateescape")
        elif key.startswith("LIBARCHIVE.xattr."):
            name = key[len("LIBARCHIVE.xattr."):]
            try:
                data = base64.b64decode(value + "=" * (-len(value) % 4))
            except ValueError as err:
                raise InvalidArgument(f"tar entry {member.name!r}: bad xattr {name!r}") from err
        else:
            continue
        if not name or "\0" in name:
            raise InvalidArgument(f"tar entry {member.name!r}: bad xattr name {name!r}")
        if name.startswith(_SKIP_XATTR_PREFIXES):
            continue
        out[name] = data
    return out


class TailWindow:
    """Wraps the uncompressed stream tarfile reads, keeping the bytes tarfile read last, so the
    end-of-archive marker can be checked after tarfile stops (tarfile treats a truncated or
    corrupt header after the first one as the end of the archive)."""

    _KEEP = 1 << 16

    def __init__(self, raw: BinaryIO) -> None:
        self._raw = raw
        self._buf = bytearray()
        self._start = 0  # absolute offset of _buf[0]

    def read(self, size: int = -1) -> bytes:
        data = self._raw.read(size)
        self._buf += data
        if len(self._buf) > 2 * self._KEEP:
            drop = len(self._buf) - self._KEEP
            del self._buf[:drop]
            self._start += drop
        return data

    def bytes_at(self, offset: int, n: int) -> bytes:
        """Up to ``n`` bytes at absolute ``offset`` (reading more from the stream if needed)."""
        while self._start + len(self._buf) < offset + n:
            if not self.read(1 << 16):
                break
        if offset < self._start:
            raise InvalidArgument("corrupt tar archive: cannot verify its end")
        rel = offset - self._start
        return bytes(self._buf[rel: rel + n])


def iter_members(stream: BinaryIO) -> tuple[tarfile.TarFile, Iterator[tarfile.TarInfo], TailWindow]:
    """Open ``stream`` (uncompressed tar) in single-pass mode."""
    window = TailWindow(stream)
    try:
        tf = tarfile.open(  # noqa: SIM115 - closed with the stream by the caller
            fileobj=window, mode="r|", errors="surrogateescape")  # type: ignore[call-overload]
    except tarfile.TarError as err:
        raise InvalidArgument(f"invalid tar archive: {err}") from err
    return tf, _safe_iter(tf), window


def _safe_iter(tf: tarfile.TarFile) -> Iterator[tarfile.TarInfo]:
    it = iter(tf)
    while True:
        try:
            m = next(it)
        except StopIteration:
            return
        except (tarfile.TarError, EOFError) as err:
            raise InvalidArgument(f"invalid tar archive: {err}") from err
        yield m


def check_end(tf: tarfile.TarFile, window: TailWindow) -> None:
    """After iteration: the archive must end with a zero block where tarfile stopped."""
    end = window.bytes_at(tf.offset, 512)
    if len(end) < 512:
        raise InvalidArgument(f"truncated tar archive (no end-of-archive marker at offset {tf.offset})")
    if end.count(0) != 512:
        raise InvalidArgument(f"corrupt tar header at offset {tf.offset}")
