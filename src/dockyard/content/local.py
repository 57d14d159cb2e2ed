"""The local content store: ``blobs/sha256/<hex>`` with writes staged under ``ingest/``.

A blob becomes visible only through ``BlobWriter.commit``: it checks the size and digest of what
was written against what the caller expected, and only then renames the staged file into
``blobs/sha256/<hex>``.  A rename is atomic, so a reader never sees half a blob, whatever is
killed when.  Anything left in ``ingest/`` by a killed process is garbage: never read as content,
removed by ``gc_ingest``.
"""

from __future__ import annotations

import os
import time

from .. import digest as _digest
from .._record import Record
from ..errors import BlobNotFound, DigestMismatch, FailedPrecondition

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Iterator
    from typing import BinaryIO


class BlobInfo(Record, frozen=True):
    digest: str
    size: int


class BlobWriter:
    """Write a blob; ``commit`` verifies and publishes it, ``abort`` (or an exception) drops it."""

    def __init__(self, store: LocalContentStore, expected: str | None, expected_size: int | None) -> None:
        self._store = store
        self.expected = _digest.validate(expected) if expected else None
        self.expected_size = expected_size
        import hashlib
        self._hash = hashlib.sha256()
        self.size = 0
        self.path = os.path.join(store.ingest_dir, f"{os.getpid()}-{time.monotonic_ns():x}-{id(self):x}")
        self._f: BinaryIO | None = open(self.path, "xb")  # noqa: SIM115
        self.digest: str | None = None

    def write(self, data: bytes | memoryview) -> int:
        assert self._f is not None, "writer closed"
        self._hash.update(data)
        self.size += len(data)
        return self._f.write(data)

    def commit(self, expected: str | None = None, expected_size: int | None = None) -> str:
        expected = expected or self.expected
        expected_size = expected_size if expected_size is not None else self.expected_size
        assert self._f is not None, "writer closed"
        self._f.close()
        self._f = None
        actual = "sha256:" + self._hash.hexdigest()
        try:
            if expected_size is not None and self.size != expected_size:
                raise FailedPrecondition(
                    f"unexpected blob size for {expected or actual}: expected {expected_size}, got {self.size}")
            if expected and expected != actual:
                raise DigestMismatch(expected, actual)
            final = self._store.path(actual)
            if os.path.exists(final):
                os.unlink(self.path)
            else:
                os.rename(self.path, final)
        except BaseException:
            self.abort()
            raise
        self.digest = actual
        return actual

    def abort(self) -> None:
        if self._f is not None:
            self._f.close()
            self._f = None
        try:
            os.unlink(self.path)
        except FileNotFoundError:
            pass

    def __enter__(self) -> BlobWriter:
        return self

    def __exit__(self, exc_type: object, exc: object, tb: object) -> None:
        if self._f is not None:  # not committed
            self.abort()


class LocalContentStore:
    def __init__(self, root: str) -> None:
        self.root = root
        self.blob_dir = os.path.join(root, "blobs", "sha256")
        self.ingest_dir = os.path.join(root, "ingest")
        os.makedirs(self.blob_dir, exist_ok=True)
        os.makedirs(self.ingest_dir, exist_ok=True)

    def path(self, digest: str) -> str:
        return os.path.join(self.blob_dir, _digest.hex_of(digest))

    def exists(self, digest: str) -> bool:
        return os.path.exists(self.path(digest))

    def info(self, digest: str) -> BlobInfo:
        try:
            return BlobInfo(digest, os.stat(self.path(digest)).st_size)
        except FileNotFoundError:
            raise BlobNotFound(digest) from None

    def open(self, digest: str) -> BinaryIO:
        try:
            return open(self.path(digest), "rb")  # noqa: SIM115
        except FileNotFoundError:
            raise BlobNotFound(digest) from None

    def read_bytes(self, digest: str) -> bytes:
        with self.open(digest) as f:
            return f.read()

    def writer(self, expected: str | None = None, expected_size: int | None = None) -> BlobWriter:
        return BlobWriter(self, expected, expected_size)

    def put_bytes(self, data: bytes, expected: str | None = None) -> str:
        actual = _digest.of_bytes(data)
        if expected and expected != actual:
            raise DigestMismatch(expected, actual)
        if self.exists(actual):
            return actual
        with self.writer() as w:
            w.write(data)
            return w.commit(actual, len(data))

    def delete(self, digest: str) -> None:
        try:
            os.unlink(self.path(digest))
        except FileNotFoundError:
            pass

    def walk(self) -> Iterator[str]:
        for name in os.listdir(self.blob_dir):
            if _digest.is_hex(name):
                yield "sha256:" + name

    def verify(self, digest: str) -> None:
        """Re-hash a stored blob; raise DigestMismatch if it is corrupt."""
        with self.open(digest) as f:
            actual, _ = _digest.of_file(f)
        if actual != digest:
            raise DigestMismatch(digest, actual, "stored blob")

    def stale_ingests(self) -> list[str]:
        """Ingest files whose writer process is gone."""
        out = []
        for name in os.listdir(self.ingest_dir):
            pid = name.split("-", 1)[0]
            if not (pid.isdigit() and _alive(int(pid))):
                out.append(os.path.join(self.ingest_dir, name))
        return out


def _alive(pid: int) -> bool:
    """A process that exists and is not a zombie (a zombie writes nothing more)."""
    try:
        with open(f"/proc/{pid}/stat", "rb") as f:
            data = f.read()
    except OSError:
        return False
    return data[data.rindex(b")") + 2:][:1] != b"Z"
