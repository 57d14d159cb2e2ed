"""Read and write the files of an archive: a directory or a tar (spooled when not seekable).

Readers refuse names that escape the archive (absolute paths, ``..``, links pointing outside) with
one clear error; tar member contents are read with ``os.pread`` on one descriptor, so images that
share an archive can be read from several threads.
"""

from __future__ import annotations

import gzip
import hashlib
import io
import lzma
import os
import posixpath
import shutil
import tarfile
import tempfile
from collections.abc import Callable
from typing import Any, BinaryIO, Protocol, cast

from ..errors import DigestMismatch, FailedPrecondition, InvalidArgument, NotFound
from ..registry.manifest import verified


class UnsafeArchive(InvalidArgument):
    def __init__(self, name: str, reason: str = "path traversal") -> None:
        super().__init__(f"refusing archive member {name!r}: {reason}")
        self.name = name


class ArchiveReader(Protocol):
    def exists(self, name: str) -> bool: ...

    def size(self, name: str) -> int: ...

    def open(self, name: str) -> BinaryIO: ...


def clean_name(name: str) -> str:
    """Normalise a member name; raise UnsafeArchive for absolute paths and ``..``."""
    if name.startswith("/") or "\\" in name:
        raise UnsafeArchive(name)
    parts = [p for p in name.split("/") if p not in ("", ".")]
    if any(p == ".." for p in parts):
        raise UnsafeArchive(name)
    return "/".join(parts)


def read_limited(reader: ArchiveReader, name: str, limit: int) -> bytes:
    if reader.size(name) > limit:
        raise InvalidArgument(f"archive member {name!r} is larger than {limit} bytes")
    with reader.open(name) as f:
        return f.read(limit)


# --- directory ----------------------------------------------------------------------------------


class DirReader:
    def __init__(self, root: str) -> None:
        self.root = os.path.realpath(root)

    def _path(self, name: str) -> str:
        path = os.path.realpath(os.path.join(self.root, clean_name(name)))
        if path != self.root and not path.startswith(self.root + os.sep):
            raise UnsafeArchive(name, "link escapes the layout")
        return path

    def exists(self, name: str) -> bool:
        return os.path.isfile(self._path(name))

    def size(self, name: str) -> int:
        try:
            return os.stat(self._path(name)).st_size
        except FileNotFoundError:
            raise NotFound(f"{self.root}: missing {name}") from None

    def open(self, name: str) -> BinaryIO:
        try:
            return open(self._path(name), "rb")  # noqa: SIM115
        except FileNotFoundError:
            raise NotFound(f"{self.root}: missing {name}") from None


# --- tar ------------------------------------------------------------------------------------------


class _Section(io.RawIOBase):
    def __init__(self, fd: int, offset: int, size: int) -> None:
        super().__init__()
        self._fd, self._pos, self._end = fd, offset, offset + size

    def readable(self) -> bool:
        return True

    def readinto(self, b: Any) -> int:
        view = memoryview(b)
        n = min(len(view), self._end - self._pos)
        if n <= 0:
            return 0
        data = os.pread(self._fd, n, self._pos)
        if not data:
            raise FailedPrecondition("archive truncated")
        view[: len(data)] = data
        self._pos += len(data)
        return len(data)


class TarReader:
    """Members of a tar file, by cleaned name; symlinks and hard links resolved inside the tar."""

    def __init__(self, f: BinaryIO) -> None:
        self._file = f  # kept open for the lifetime of every image read from it
        self._fd = f.fileno()
        self._members: dict[str, tarfile.TarInfo] = {}
        try:
            with tarfile.open(fileobj=f, mode="r:") as tf:
                for m in tf:
                    self._members[clean_name(m.name)] = m
        except tarfile.TarError as err:
            raise InvalidArgument(f"invalid tar archive: {err}") from None
        for name, m in self._members.items():
            if m.issym() or m.islnk():
                try:
                    self._resolve(name)
                except NotFound:
                    pass  # dangling: harmless unless something reads it
            elif not (m.isfile() or m.isdir()):
                raise UnsafeArchive(name, "not a regular file or directory")
            elif m.issparse():
                raise UnsafeArchive(name, "sparse member")

    @classmethod
    def from_stream(cls, stream: BinaryIO | str) -> TarReader:
        """Open a path or a stream; copy a non-seekable (or compressed) stream to a temp file."""
        if isinstance(stream, str):
            stream = open(stream, "rb")  # noqa: SIM115
        head = _peek(stream)
        if head[:2] == b"\x1f\x8b":
            return cls(_spool(cast(BinaryIO, gzip.GzipFile(fileobj=stream, mode="rb"))))
        if head[:6] == b"\xfd7zXZ\x00":
            return cls(_spool(cast(BinaryIO, lzma.LZMAFile(stream))))
        if _is_real_file(stream):
            return cls(stream)
        return cls(_spool(stream))

    def names(self) -> list[str]:
        return list(self._members)

    def _resolve(self, name: str, depth: int = 0) -> tarfile.TarInfo:
        if depth > 16:
            raise UnsafeArchive(name, "too many levels of links")
        m = self._members.get(name)
        if m is None:
            raise NotFound(f"archive has no member {name!r}")
        if m.issym():
            target = posixpath.normpath(posixpath.join(posixpath.dirname(name), m.linkname))
            if m.linkname.startswith("/") or target.startswith(".."):
                raise UnsafeArchive(name, f"link to {m.linkname!r} escapes the archive")
            return self._resolve(clean_name(target), depth + 1)
        if m.islnk():
            return self._resolve(clean_name(m.linkname), depth + 1)
        return m

    def exists(self, name: str) -> bool:
        try:
            return self._resolve(clean_name(name)).isfile()
        except NotFound:
            return False

    def size(self, name: str) -> int:
        return int(self._resolve(clean_name(name)).size)

    def open(self, name: str) -> BinaryIO:
        m = self._resolve(clean_name(name))
        if not m.isfile():
            raise InvalidArgument(f"archive member {name!r} is not a file")
        return cast(BinaryIO, io.BufferedReader(_Section(self._fd, m.offset_data, m.size), 1 << 20))


def _peek(stream: BinaryIO) -> bytes:
    if hasattr(stream, "peek"):
        return bytes(stream.peek(6)[:6])
    if stream.seekable():
        pos = stream.tell()
        head = stream.read(6)
        stream.seek(pos)
        return head
    raise InvalidArgument("cannot read the archive: stream is neither peekable nor seekable")


def _is_real_file(stream: BinaryIO) -> bool:
    try:
        return stream.seekable() and os.path.isfile(f"/proc/self/fd/{stream.fileno()}") and stream.tell() == 0
    except (OSError, ValueError, io.UnsupportedOperation):
        return False


def _spool(stream: BinaryIO) -> BinaryIO:
    tmp = tempfile.TemporaryFile()  # noqa: SIM115 - lives as long as the images read from it
    try:
        shutil.copyfileobj(stream, tmp, 1 << 20)
    except (OSError, EOFError, lzma.LZMAError) as err:
        tmp.close()
        raise InvalidArgument(f"cannot read the archive: {err}") from None
    tmp.seek(0)
    return cast(BinaryIO, tmp)


# --- writers --------------------------------------------------------------------------------------


class ArchiveWriter(Protocol):
    def add_bytes(self, name: str, data: bytes) -> None: ...

    def add_blob(self, name: str, digest: str, size: int, opener: Callable[[], BinaryIO]) -> None:
        """Add a blob from a stream, verifying its digest and size (nothing bad is left behind
        in a directory; a tar being written is spoiled and the caller discards it)."""
        ...

    def has(self, name: str) -> bool: ...


class TarWriter:
    def __init__(self, out: BinaryIO) -> None:
        self._tar = tarfile.open(fileobj=out, mode="w|", format=tarfile.PAX_FORMAT)  # noqa: SIM115
        self._names: set[str] = set()
        self._dirs: set[str] = set()

    def has(self, name: str) -> bool:
        return name in self._names

    def _info(self, name: str, size: int) -> tarfile.TarInfo:
        parent = posixpath.dirname(name)
        missing = []
        while parent and parent not in self._dirs:
            missing.append(parent)
            parent = posixpath.dirname(parent)
        for d in reversed(missing):
            dinfo = tarfile.TarInfo(d)
            dinfo.type = tarfile.DIRTYPE
            dinfo.mode = 0o755
            self._tar.addfile(dinfo)
            self._dirs.add(d)
        info = tarfile.TarInfo(name)
        info.size = size
        info.mode = 0o644
        self._names.add(name)
        return info

    def add_bytes(self, name: str, data: bytes) -> None:
        if name in self._names:
            return
        self._tar.addfile(self._info(name, len(data)), io.BytesIO(data))

    def add_blob(self, name: str, digest: str, size: int, opener: Callable[[], BinaryIO]) -> None:
        if name in self._names:
            return
        with verified(opener(), digest, size) as f:
            self._tar.addfile(self._info(name, size), f)
            if f.read(1):
                raise FailedPrecondition(f"blob {digest}: more than the expected {size} bytes")

    def close(self) -> None:
        self._tar.close()


class DirWriter:
    def __init__(self, root: str) -> None:
        self.root = root
        os.makedirs(root, exist_ok=True)

    def _path(self, name: str) -> str:
        return os.path.join(self.root, clean_name(name))

    def has(self, name: str) -> bool:
        return os.path.exists(self._path(name))

    def _write(self, name: str, fill: Callable[[BinaryIO], None]) -> None:
        from .atomic import write_file_atomically
        path = self._path(name)
        os.makedirs(os.path.dirname(path), exist_ok=True)
        write_file_atomically(path, fill, durable=False)  # staged: the layout is committed as a whole

    def add_bytes(self, name: str, data: bytes) -> None:
        def fill(f: BinaryIO) -> None:
            f.write(data)

        self._write(name, fill)

    def add_blob(self, name: str, digest: str, size: int, opener: Callable[[], BinaryIO]) -> None:
        if self.has(name):
            return

        def fill(out: BinaryIO) -> None:
            h = hashlib.sha256()
            n = 0
            with opener() as f:
                while chunk := f.read(1 << 20):
                    h.update(chunk)
                    n += len(chunk)
                    out.write(chunk)
            if n != size:
                raise FailedPrecondition(f"blob {digest}: expected {size} bytes, got {n}")
            if "sha256:" + h.hexdigest() != digest:
                raise DigestMismatch(digest, "sha256:" + h.hexdigest(), "blob")

        self._write(name, fill)
