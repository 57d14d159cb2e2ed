"""Layer compression: gzip / zstd / none, auto-detected by magic bytes when reading.

The fastest available implementation is used: ``isal`` (igzip) for gzip when importable, else the
standard ``gzip`` module (zlib); ``zstandard`` for zstd (zstd is refused without it).

gzip output is deterministic: header mtime 0, no file name, OS byte 255.  Output bytes depend on
the implementation (isal and zlib compress differently), so a reproducible build must run with the
same one; the diff_id (uncompressed digest) never depends on it.

Also here: ``HashingReader`` and ``HashingWriter``, pass-through streams that count bytes and take
their sha256 on the way, so that a layer's digest and diff_id come out of a single pass.
"""

from __future__ import annotations

import gzip
import hashlib
import io
from typing import Any, BinaryIO, Literal, cast

from ..errors import DockyardError, InvalidArgument, NotImplemented_

Algo = Literal["gzip", "zstd", "none"]

_READ_SIZE = 1 << 20
GZIP_MAGIC = b"\x1f\x8b"
ZSTD_MAGIC = b"\x28\xb5\x2f\xfd"

try:  # pragma: no cover - depends on the environment
    from isal import igzip as _igzip
    from isal import isal_zlib as _zlib_impl

    _GzipFile: Any = _igzip.GzipFile
    GZIP_IMPL = "isal"
except ImportError:  # pragma: no cover
    import zlib as _zlib_impl  # type: ignore[no-redef]

    _GzipFile = gzip.GzipFile
    GZIP_IMPL = "zlib"

try:  # pragma: no cover
    import zstandard as _zstd

    ZSTD_IMPL: str | None = "zstandard"
except ImportError:  # pragma: no cover
    _zstd = None  # type: ignore[assignment]
    ZSTD_IMPL = None


def detect(head: bytes) -> Algo:
    """The compression of a stream that starts with ``head`` (at least 4 bytes when available)."""
    if head.startswith(GZIP_MAGIC):
        return "gzip"
    if head.startswith(ZSTD_MAGIC):
        return "zstd"
    return "none"


class HashingReader(io.RawIOBase):
    """Reads from ``raw``, counting the bytes and hashing them (sha256) as they pass."""

    def __init__(self, raw: BinaryIO) -> None:
        self._raw = raw
        self._hash = hashlib.sha256()
        self.size = 0

    def readable(self) -> bool:
        return True

    def read(self, size: int | None = -1) -> bytes:
        data = self._raw.read(-1 if size is None else size)
        if data:
            self._hash.update(data)
            self.size += len(data)
        return data

    def readinto(self, buf: Any) -> int:
        data = self.read(len(buf))
        buf[: len(data)] = data
        return len(data)

    def drain(self, chunk: int = 1 << 20) -> None:
        """Read (and hash) everything left."""
        while self.read(chunk):
            pass

    @property
    def digest(self) -> str:
        return "sha256:" + self._hash.hexdigest()


class HashingWriter(io.RawIOBase):
    """Writes to ``raw`` (never closing it), counting and hashing the bytes written."""

    def __init__(self, raw: BinaryIO) -> None:
        self._raw = raw
        self._hash = hashlib.sha256()
        self.size = 0

    def writable(self) -> bool:
        return True

    def write(self, data: Any) -> int:
        n = len(data)
        self._raw.write(data)
        self._hash.update(data)
        self.size += n
        return n

    def close(self) -> None:  # keep the underlying stream open
        super().close()

    @property
    def digest(self) -> str:
        return "sha256:" + self._hash.hexdigest()


class _PrefixedReader(io.RawIOBase):
    """Gives back ``head`` (already read for sniffing), then the rest of ``raw``."""

    def __init__(self, head: bytes, raw: BinaryIO) -> None:
        self._head = head
        self._raw = raw

    def readable(self) -> bool:
        return True

    def read(self, size: int | None = -1) -> bytes:
        if self._head:
            if size is None or size < 0:
                data, self._head = self._head + self._raw.read(), b""
                return data
            data, self._head = self._head[:size], self._head[size:]
            return data
        return self._raw.read(-1 if size is None else size)

    def readinto(self, buf: Any) -> int:
        data = self.read(len(buf))
        buf[: len(data)] = data
        return len(data)


class _ErrorMappingReader(io.RawIOBase):
    """Turns decompressor failures (truncation, corruption) into InvalidArgument."""

    def __init__(self, inner: Any, algo: str) -> None:
        self._inner = inner
        self._algo = algo

    def readable(self) -> bool:
        return True

    def read(self, size: int | None = -1) -> bytes:
        try:
            return cast(bytes, self._inner.read(-1 if size is None else size))
        except DockyardError:
            raise
        except Exception as err:  # zstandard.ZstdError and isal errors have their own classes
            raise InvalidArgument(f"invalid {self._algo} stream: {err}") from err

    def readinto(self, buf: Any) -> int:
        try:
            return cast(int, self._inner.readinto(buf))
        except DockyardError:
            raise
        except Exception as err:
            raise InvalidArgument(f"invalid {self._algo} stream: {err}") from err

    def close(self) -> None:
        self._inner.close()
        super().close()


class _GzipReader(io.RawIOBase):
    """Decompresses concatenated gzip members (CRC and length checked by the library), output
    bounded per call; a member cut short raises.  Zero padding after the last member is allowed,
    as gzip(1) allows it."""

    def __init__(self, src: io.RawIOBase) -> None:
        self._src = src
        self._dobj: Any = None
        self._tail = b""

    def readable(self) -> bool:
        return True

    def readinto(self, buf: Any) -> int:
        n = len(buf)
        while True:
            if not self._tail:
                self._tail = self._src.read(1 << 18) or b""
                if not self._tail:
                    if self._dobj is not None:
                        raise InvalidArgument("truncated gzip stream")
                    return 0
            if self._dobj is None:
                if not self._tail.strip(b"\0"):
                    self._tail = b""
                    continue
                self._dobj = _zlib_impl.decompressobj(wbits=31)
            out = self._dobj.decompress(self._tail, n)
            if self._dobj.eof:
                self._tail = self._dobj.unused_data
                self._dobj = None
            else:
                self._tail = self._dobj.unconsumed_tail
            if out:
                buf[: len(out)] = out
                return len(out)

    def read(self, size: int | None = -1) -> bytes:
        if size is None or size < 0:
            return self.readall()
        buf = bytearray(size)
        n = self.readinto(buf)
        return bytes(buf[:n])


class _ZstdReader(io.RawIOBase):
    """Decompresses concatenated zstd frames; a frame cut short raises (the library's own
    stream_reader silently returns EOF on a truncated frame)."""

    def __init__(self, src: io.RawIOBase) -> None:
        assert _zstd is not None
        self._src = src
        self._dctx = _zstd.ZstdDecompressor()
        self._dobj: Any = None
        self._buf = bytearray()
        self._eof = False
        self._pending = b""
        self._pos = 0

    def readable(self) -> bool:
        return True

    def _fill(self) -> None:
        # Feed at most 4 KiB of compressed input at a time: zstd can expand a block ~40,000-fold,
        # so this bounds the memory a hostile stream can make one call allocate (~170 MB).
        if self._pos >= len(self._pending):
            self._pending = self._src.read(1 << 18) or b""
            self._pos = 0
            if not self._pending:
                if self._dobj is not None:
                    raise InvalidArgument("truncated zstd stream")
                self._eof = True
                return
        data = self._pending[self._pos: self._pos + 4096]
        self._pos += len(data)
        while data:
            if self._dobj is None:
                self._dobj = self._dctx.decompressobj()
            self._buf += self._dobj.decompress(data)
            if self._dobj.eof:
                data = self._dobj.unused_data
                self._dobj = None
            else:
                data = b""

    def read(self, size: int | None = -1) -> bytes:
        want = -1 if size is None else size
        while not self._eof and (want < 0 or len(self._buf) < want):
            self._fill()
        if want < 0 or want >= len(self._buf):
            out = bytes(self._buf)
            self._buf.clear()
        else:
            out = bytes(self._buf[:want])
            del self._buf[:want]
        return out

    def readinto(self, buf: Any) -> int:
        data = self.read(len(buf))
        buf[: len(data)] = data
        return len(data)


def _read_head(stream: BinaryIO, n: int = 4) -> bytes:
    head = b""
    while len(head) < n:
        chunk = stream.read(n - len(head))
        if not chunk:
            break
        head += chunk
    return head


def open_decompressed_reader(stream: BinaryIO, algo: Algo | Literal["auto"] = "auto") -> BinaryIO:
    """A reader of the uncompressed bytes of ``stream`` (gzip, zstd or plain; auto by magic).

    Truncated or corrupt compressed data raises ``InvalidArgument`` when it is read.  Closing the
    reader does not close ``stream``.
    """
    head = _read_head(stream)
    if algo == "auto":
        algo = detect(head)
    src = _PrefixedReader(head, stream)
    if algo == "none":
        return cast(BinaryIO, src)
    if algo == "gzip":
        gz = _ErrorMappingReader(_GzipReader(src), "gzip")
        return cast(BinaryIO, io.BufferedReader(gz, _READ_SIZE))  # big reads: far fewer calls
    if algo == "zstd":
        if _zstd is None:
            raise NotImplemented_("zstd layers need the 'zstandard' package")
        zst = _ErrorMappingReader(_ZstdReader(src), "zstd")
        return cast(BinaryIO, io.BufferedReader(zst, _READ_SIZE))
    raise InvalidArgument(f"unknown compression: {algo!r}")


class _BlockWriter(io.RawIOBase):
    """Feeds the compressor fixed-size blocks, so the output depends only on the data and not on
    how the caller split its writes (isal's deflate output does depend on it)."""

    BLOCK = 1 << 24  # 16 MiB: isal emits one deflate block per feed; small ones inflate 3x slower

    def __init__(self) -> None:
        self._pending = bytearray()

    def writable(self) -> bool:
        return True

    def _feed(self, data: bytes | memoryview) -> None:
        raise NotImplementedError

    def _end(self) -> None:
        raise NotImplementedError

    def write(self, data: Any) -> int:
        n = len(data)
        self._pending += data
        if len(self._pending) >= self.BLOCK:
            whole = len(self._pending) - len(self._pending) % self.BLOCK
            view = memoryview(self._pending)
            for i in range(0, whole, self.BLOCK):
                self._feed(view[i:i + self.BLOCK])
            view.release()
            del self._pending[:whole]
        return n

    def close(self) -> None:
        if not self.closed:
            if self._pending:
                self._feed(bytes(self._pending))
                self._pending.clear()
            self._end()
        super().close()


class _GzipWriter(_BlockWriter):
    def __init__(self, out: BinaryIO, level: int | None) -> None:
        super().__init__()
        kwargs: dict[str, Any] = {"fileobj": out, "mode": "wb", "mtime": 0, "filename": ""}
        if level is not None:
            kwargs["compresslevel"] = level
        elif GZIP_IMPL == "zlib":
            kwargs["compresslevel"] = 6  # gzip module defaults to 9: slow for little gain
        self._gz = _GzipFile(**kwargs)

    def _feed(self, data: bytes | memoryview) -> None:
        self._gz.write(data)

    def _end(self) -> None:
        self._gz.close()  # writes the trailer; does not close the fileobj


class _ZstdWriter(_BlockWriter):
    def __init__(self, out: BinaryIO, level: int | None) -> None:
        super().__init__()
        assert _zstd is not None
        cctx = _zstd.ZstdCompressor(level=3 if level is None else level)
        self._w = cctx.stream_writer(out, closefd=False)

    def _feed(self, data: bytes | memoryview) -> None:
        self._w.write(data)

    def _end(self) -> None:
        self._w.close()  # type: ignore[no-untyped-call]  # ends the frame, keeps ``out`` open


class _PlainWriter(io.RawIOBase):
    def __init__(self, out: BinaryIO) -> None:
        self._out = out

    def writable(self) -> bool:
        return True

    def write(self, data: Any) -> int:
        self._out.write(data)
        return len(data)


def open_compressed_writer(out: BinaryIO, algo: Algo = "gzip", level: int | None = None) -> BinaryIO:
    """A writer that compresses into ``out``; ``close()`` it to finish the stream (``out`` stays open).

    ``level``: gzip 0-3 with isal (default 2) or 1-9 with zlib (default 6); zstd 1-22 (default 3).
    """
    if algo == "gzip":
        return cast(BinaryIO, _GzipWriter(out, level))
    if algo == "zstd":
        if _zstd is None:
            raise NotImplemented_("zstd compression needs the 'zstandard' package")
        return cast(BinaryIO, _ZstdWriter(out, level))
    if algo == "none":
        return cast(BinaryIO, _PlainWriter(out))
    raise InvalidArgument(f"unknown compression: {algo!r}")
