"""The Image protocol: every source (local store, registry, docker-archive, OCI layout) offers it,
every sink (local store, registry push, save) consumes it, so a transfer is "open a source, write to
a sink".  Accessors are lazy: nothing is fetched or decompressed until asked for.

Vocabulary: a layer's ``digest`` is the hash of its (usually compressed) blob as distributed;
its ``diff_id`` is the hash of the uncompressed tar (what the config's rootfs.diff_ids lists).
Raw and parsed forms come in pairs: ``raw_manifest()``/``manifest()``, ``raw_config()``/``config()``;
digests are always taken over the raw bytes.
"""

from __future__ import annotations

from typing import Protocol

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Sequence
    from typing import Any, BinaryIO


class Layer(Protocol):
    @property
    def digest(self) -> str: ...

    @property
    def diff_id(self) -> str: ...

    @property
    def size(self) -> int:
        """Size of the compressed blob in bytes."""
        ...

    @property
    def media_type(self) -> str: ...

    def compressed(self) -> BinaryIO:
        """The blob exactly as its digest names it."""
        ...

    def uncompressed(self) -> BinaryIO:
        """The layer tar."""
        ...


class Image(Protocol):
    def raw_manifest(self) -> bytes: ...

    def manifest(self) -> dict[str, Any]: ...

    def media_type(self) -> str: ...

    def digest(self) -> str:
        """Digest of the raw manifest."""
        ...

    def raw_config(self) -> bytes: ...

    def config(self) -> dict[str, Any]: ...

    def config_digest(self) -> str:
        """The image ID docker shows."""
        ...

    def layers(self) -> Sequence[Layer]: ...
