"""Manifests shared by every remote or archived image source: parse and validate manifests and
indexes, pick a platform, verify blob streams, and ``BlobImage``, a lazy Image over any function
that opens a blob by descriptor (a registry, an OCI layout, a docker-archive tar).

Nothing here does network or file I/O itself; the ``BlobOpener`` passed in does.
"""

from __future__ import annotations

import hashlib
import io
import json
import threading
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, BinaryIO, cast

from .. import digest as _digest
from .. import oci
from ..errors import DigestMismatch, FailedPrecondition, InvalidArgument, NotFound

MAX_MANIFEST_SIZE = 4 << 20
"""Manifests, indexes and configs larger than this are refused (docker uses 4 MiB too)."""

CONFIG_TYPES = frozenset({oci.OCI_CONFIG, oci.DOCKER_CONFIG})
DOCKER_LAYER_TAR = "application/vnd.docker.image.rootfs.diff.tar"
LAYER_TYPES = oci.LAYER_TYPES | {DOCKER_LAYER_TAR}
ACCEPT = ", ".join([oci.OCI_INDEX, oci.DOCKER_MANIFEST_LIST, oci.OCI_MANIFEST, oci.DOCKER_MANIFEST])
HOST_PLATFORM = "linux/amd64"


class InvalidManifest(InvalidArgument):
    def __init__(self, reason: str, what: str = "manifest") -> None:
        super().__init__(f"invalid {what}: {reason}")
        self.reason = reason


class PlatformNotFound(NotFound):
    def __init__(self, platform: str) -> None:
        super().__init__(f"no matching manifest for {platform} in the manifest list entries")
        self.platform = platform


# --- parsing ----------------------------------------------------------------------------------


def _descriptor(d: Any, what: str, media_types: frozenset[str] | None) -> dict[str, Any]:
    if not isinstance(d, dict):
        raise InvalidManifest(f"{what} is not an object")
    dg, size, mt = d.get("digest"), d.get("size"), d.get("mediaType")
    if not isinstance(dg, str) or not _digest.is_digest(dg):
        raise InvalidManifest(f"{what} has an invalid digest {dg!r}")
    if not isinstance(size, int) or isinstance(size, bool) or size < 0:
        raise InvalidManifest(f"{what} has an invalid size {size!r}")
    if not isinstance(mt, str):
        raise InvalidManifest(f"{what} has no mediaType")
    if media_types is not None and mt not in media_types:
        raise InvalidManifest(f"{what} has unknown media type {mt!r}")
    return d


def parse(raw: bytes, content_type: str | None = None) -> tuple[str, dict[str, Any]]:
    """Validate a manifest or index; return (media type, document).  Raises InvalidManifest."""
    if len(raw) > MAX_MANIFEST_SIZE:
        raise InvalidManifest(f"larger than {MAX_MANIFEST_SIZE} bytes")
    try:
        doc = json.loads(raw)
    except (ValueError, UnicodeDecodeError) as err:
        raise InvalidManifest(f"not valid JSON ({err})") from None
    if not isinstance(doc, dict):
        raise InvalidManifest("not a JSON object")
    if doc.get("schemaVersion") != 2:
        raise InvalidManifest(f"unsupported schemaVersion {doc.get('schemaVersion')!r}")
    mt = doc.get("mediaType")
    if mt is None:
        ct = (content_type or "").split(";")[0].strip()
        if ct in oci.MANIFEST_TYPES | oci.INDEX_TYPES:
            mt = ct
        else:
            mt = oci.OCI_INDEX if "manifests" in doc else oci.OCI_MANIFEST
    if mt in oci.INDEX_TYPES:
        if not isinstance(doc.get("manifests"), list):
            raise InvalidManifest("index without a manifests list")
        for i, d in enumerate(doc["manifests"]):
            _descriptor(d, f"manifests[{i}]", None)
    elif mt in oci.MANIFEST_TYPES:
        _descriptor(doc.get("config"), "config", CONFIG_TYPES)
        if not isinstance(doc.get("layers"), list):
            raise InvalidManifest("manifest without a layers list")
        for i, d in enumerate(doc["layers"]):
            _descriptor(d, f"layers[{i}]", LAYER_TYPES)
    else:
        raise InvalidManifest(f"unknown media type {mt!r}")
    return str(mt), doc


def parse_platform(platform: str) -> tuple[str, str, str | None]:
    parts = platform.split("/")
    if len(parts) not in (2, 3) or not all(parts):
        raise InvalidArgument(f"invalid platform {platform!r}: expected os/arch[/variant]")
    return parts[0], parts[1], parts[2] if len(parts) == 3 else None


def select_platform(index: dict[str, Any], platform: str | None = None) -> dict[str, Any]:
    """The index entry for ``platform`` (default linux/amd64)."""
    want = platform or HOST_PLATFORM
    os_, arch, variant = parse_platform(want)
    candidates = []
    for d in index["manifests"]:
        p = d.get("platform")
        if d.get("mediaType") not in oci.MANIFEST_TYPES | oci.INDEX_TYPES or not isinstance(p, dict):
            continue
        if p.get("os") != os_ or p.get("architecture") != arch:
            continue
        if variant is not None and p.get("variant", "v8" if arch == "arm64" else None) != variant:
            continue
        candidates.append(d)
    if not candidates:
        raise PlatformNotFound(want)
    # without a requested variant prefer the newest one listed (docker prefers v8 on arm64, v7 on arm)
    best: dict[str, Any] = sorted(candidates, key=lambda d: str(d["platform"].get("variant", "")),
                                  reverse=True)[0]
    return best


# --- verified streams -------------------------------------------------------------------------


class VerifiedReader(io.RawIOBase):
    """Pass a stream through; at EOF check its size and digest (raise, never return short data
    silently).  ``size`` None skips the size check."""

    def __init__(self, raw: BinaryIO, digest: str, size: int | None, what: str = "blob") -> None:
        super().__init__()
        self._raw = raw
        self._digest = digest
        self._size = size
        self._what = what
        self._hash = hashlib.sha256()
        self._count = 0
        self._checked = False

    def readable(self) -> bool:
        return True

    def readinto(self, b: Any) -> int:
        view = memoryview(b)
        data = self._raw.read(len(view))
        n = len(data)
        if n == 0:
            self._check()
            return 0
        self._hash.update(data)
        self._count += n
        if self._size is not None and self._count > self._size:
            raise FailedPrecondition(
                f"{self._what} {self._digest}: more than the expected {self._size} bytes")
        view[:n] = data
        return n

    def _check(self) -> None:
        if self._checked:
            return
        self._checked = True
        if self._size is not None and self._count != self._size:
            raise FailedPrecondition(
                f"{self._what} {self._digest} truncated: expected {self._size} bytes, got {self._count}")
        actual = "sha256:" + self._hash.hexdigest()
        if actual != self._digest:
            raise DigestMismatch(self._digest, actual, self._what)

    def close(self) -> None:
        if not self.closed:
            try:
                self._raw.close()
            finally:
                super().close()


def verified(raw: BinaryIO, digest: str, size: int | None, what: str = "blob") -> BinaryIO:
    return cast(BinaryIO, io.BufferedReader(VerifiedReader(raw, digest, size, what), 1 << 20))


def read_limited(f: BinaryIO, limit: int, what: str) -> bytes:
    data = f.read(limit + 1)
    if len(data) > limit:
        raise InvalidManifest(f"larger than {limit} bytes", what)
    return data


class _Closing(io.RawIOBase):
    """Read ``inner``; closing closes ``inner`` and ``outer`` (the compressed source)."""

    def __init__(self, inner: BinaryIO, outer: BinaryIO) -> None:
        super().__init__()
        self._inner, self._outer = inner, outer

    def readable(self) -> bool:
        return True

    def readinto(self, b: Any) -> int:
        view = memoryview(b)
        data = self._inner.read(len(view))
        view[: len(data)] = data
        return len(data)

    def close(self) -> None:
        if not self.closed:
            try:
                self._inner.close()
            finally:
                self._outer.close()
                super().close()


def decompress(stream: BinaryIO) -> BinaryIO:
    """The uncompressed tar of a layer blob (gzip, zstd or plain tar, detected by magic bytes);
    closing it closes ``stream``."""
    from ..diff.compression import open_decompressed_reader

    try:
        inner = open_decompressed_reader(stream)
    except BaseException:
        stream.close()
        raise
    return cast(BinaryIO, io.BufferedReader(_Closing(inner, stream), 1 << 20))


# --- a lazy image over a blob opener -----------------------------------------------------------


BlobOpener = Callable[[dict[str, Any]], BinaryIO]
"""Open the blob a descriptor names (unverified; BlobImage verifies)."""


@dataclass(frozen=True)
class BlobSource:
    """Where a layer came from: lets a push to the same registry mount it instead of uploading."""

    registry: str
    repository: str


class BlobLayer:
    def __init__(self, descriptor: dict[str, Any], diff_id: str, opener: BlobOpener,
                 source: BlobSource | None = None) -> None:
        self.descriptor = descriptor
        self._diff_id = diff_id
        self._opener = opener
        self.source = source

    @property
    def digest(self) -> str:
        return str(self.descriptor["digest"])

    @property
    def diff_id(self) -> str:
        return self._diff_id

    @property
    def size(self) -> int:
        return int(self.descriptor["size"])

    @property
    def media_type(self) -> str:
        return str(self.descriptor["mediaType"])

    def compressed(self) -> BinaryIO:
        return verified(self._opener(self.descriptor), self.digest, self.size, "layer")

    def uncompressed(self) -> BinaryIO:
        return verified(decompress(self.compressed()), self.diff_id, None, "layer diff_id")

    def __repr__(self) -> str:
        return f"BlobLayer({self.digest})"


class BlobImage:
    """An Image whose manifest is known and whose blobs come from ``opener``.

    ``raw_manifest`` may be a callable (computed on first use).  The config is fetched on first use
    and its digest and size verified; so is every layer stream, at EOF.
    """

    def __init__(self, raw_manifest: bytes | Callable[[], bytes], opener: BlobOpener, *,
                 media_type: str | None = None, source: BlobSource | None = None) -> None:
        self._raw_manifest = raw_manifest
        self._opener = opener
        self._media_type_hint = media_type
        self.source = source
        self._lock = threading.Lock()
        self._parsed: tuple[str, dict[str, Any]] | None = None
        self._raw_config: bytes | None = None

    def raw_manifest(self) -> bytes:
        with self._lock:
            if callable(self._raw_manifest):
                self._raw_manifest = self._raw_manifest()
            return self._raw_manifest

    def _parse(self) -> tuple[str, dict[str, Any]]:
        if self._parsed is None:
            mt, doc = parse(self.raw_manifest(), self._media_type_hint)
            if mt not in oci.MANIFEST_TYPES:
                raise InvalidManifest(f"expected an image manifest, got {mt}")
            self._parsed = mt, doc
        return self._parsed

    def manifest(self) -> dict[str, Any]:
        return self._parse()[1]

    def media_type(self) -> str:
        return self._parse()[0]

    def digest(self) -> str:
        return _digest.of_bytes(self.raw_manifest())

    def config_digest(self) -> str:
        return str(self.manifest()["config"]["digest"])

    def raw_config(self) -> bytes:
        if self._raw_config is None:
            desc = self.manifest()["config"]
            if desc["size"] > MAX_MANIFEST_SIZE:
                raise InvalidManifest(f"larger than {MAX_MANIFEST_SIZE} bytes", "image config")
            with verified(self._opener(desc), desc["digest"], desc["size"], "config") as f:
                data = f.read()
            self._raw_config = data
        return self._raw_config

    def config(self) -> dict[str, Any]:
        try:
            doc = json.loads(self.raw_config())
        except ValueError as err:
            raise InvalidManifest(f"not valid JSON ({err})", "image config") from None
        if not isinstance(doc, dict):
            raise InvalidManifest("not a JSON object", "image config")
        return doc

    def layers(self) -> list[BlobLayer]:
        descs = self.manifest()["layers"]
        rootfs = self.config().get("rootfs")
        diff_ids = rootfs.get("diff_ids") if isinstance(rootfs, dict) else None
        if not isinstance(diff_ids, list) or len(diff_ids) != len(descs):
            raise InvalidManifest("rootfs.diff_ids does not match the manifest's layers", "image config")
        for d in diff_ids:
            if not isinstance(d, str) or not _digest.is_digest(d):
                raise InvalidManifest(f"invalid diff_id {d!r}", "image config")
        pairs = zip(descs, diff_ids, strict=True)
        return [BlobLayer(desc, diff_id, self._opener, self.source) for desc, diff_id in pairs]

    def __repr__(self) -> str:
        return f"BlobImage({self.digest()})"
