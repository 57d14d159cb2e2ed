"""Re-compress an image's layers (``push --compression zstd``, ``save --compression``), as podman's
``--compression-format`` does: every layer not already in the wanted format is decompressed
(checked against its diff_id), compressed again and spooled to a temporary file; the manifest is
rewritten with the new digests, sizes and media types.  The config, hence the image id, is
unchanged.  zstd layers need an OCI manifest, so a Docker manifest becomes an OCI one.

    with recompress(img, "zstd") as z:
        push_image(z, "registry.example/app:1")
"""

from __future__ import annotations

import json
import os
import shutil
import tempfile
from concurrent.futures import ThreadPoolExecutor
from typing import Any, BinaryIO, Literal

from .. import digest as _digest
from .. import oci
from ..diff.compression import HashingReader, HashingWriter, open_compressed_writer, open_decompressed_reader
from ..errors import DigestMismatch, InvalidArgument
from ..image.protocols import Image, Layer

Target = Literal["gzip", "zstd"]

_NONDIST = ("foreign", "nondistributable")
_TO_OCI = {oci.DOCKER_LAYER_GZIP: oci.OCI_LAYER_GZIP, "application/vnd.docker.image.rootfs.diff.tar": oci.OCI_LAYER}


def compression_of(media_type: str) -> str:
    """"gzip", "zstd" or "none" for a layer media type."""
    if media_type.endswith("+zstd") or media_type.endswith(".zstd"):
        return "zstd"
    if media_type.endswith("+gzip") or media_type.endswith(".gzip"):
        return "gzip"
    return "none"


class SpooledLayer:
    """A re-compressed layer, its blob in a temporary file."""

    def __init__(self, path: str, digest: str, size: int, diff_id: str, media_type: str) -> None:
        self.path = path
        self.digest = digest
        self.size = size
        self.diff_id = diff_id
        self.media_type = media_type

    def compressed(self) -> BinaryIO:
        return open(self.path, "rb")

    def uncompressed(self) -> BinaryIO:
        return open_decompressed_reader(self.compressed())


class RecompressedImage:
    """An Image: ``base``'s config and its layers re-compressed to ``target``.  ``close()`` (or the
    ``with`` block) removes the temporary files."""

    def __init__(self, base: Image, target: Target, *, tmpdir: str | None = None, jobs: int = 4,
                 level: int | None = None) -> None:
        if target not in ("gzip", "zstd"):
            raise InvalidArgument(f"invalid compression {target!r}: use gzip or zstd")
        self._base = base
        self.target = target
        self._level = level
        self._dir = tempfile.mkdtemp(prefix=".recompress-", dir=tmpdir)
        try:
            base_layers = list(base.layers())
            with ThreadPoolExecutor(max_workers=max(1, jobs)) as pool:
                self._layers: list[Layer] = list(pool.map(self._convert, enumerate(base_layers)))
            self._raw_manifest = self._manifest_bytes()
        except BaseException:
            shutil.rmtree(self._dir, ignore_errors=True)
            raise

    def _convert(self, item: tuple[int, Layer]) -> Layer:
        index, layer = item
        if any(word in layer.media_type for word in _NONDIST) or compression_of(layer.media_type) == self.target:
            return layer
        path = os.path.join(self._dir, f"layer-{index}")
        with open(path, "wb") as f, layer.compressed() as blob:
            plain = HashingReader(open_decompressed_reader(blob))
            outer = HashingWriter(f)  # type: ignore[arg-type]
            comp = open_compressed_writer(outer, self.target, self._level)  # type: ignore[arg-type]
            while chunk := plain.read(1 << 20):
                comp.write(chunk)
            comp.close()
        if plain.digest != layer.diff_id:
            raise DigestMismatch(layer.diff_id, plain.digest, "layer diff_id")
        media_type = oci.OCI_LAYER_ZSTD if self.target == "zstd" else (
            oci.DOCKER_LAYER_GZIP if self._base.media_type() == oci.DOCKER_MANIFEST else oci.OCI_LAYER_GZIP)
        return SpooledLayer(path, outer.digest, outer.size, layer.diff_id, media_type)

    def _manifest_bytes(self) -> bytes:
        old = self._base.manifest()
        as_oci = self._base.media_type() != oci.DOCKER_MANIFEST or self.target == "zstd"
        old_layers = old.get("layers") or []
        layers = []
        for desc, layer in zip(old_layers, self._layers, strict=True):
            new = dict(desc)
            if isinstance(layer, SpooledLayer):
                new.pop("urls", None)
            new.update(mediaType=layer.media_type, digest=layer.digest, size=layer.size)
            if as_oci:
                new["mediaType"] = _TO_OCI.get(new["mediaType"], new["mediaType"])
            layers.append(new)
        manifest: dict[str, Any] = dict(old)
        manifest["layers"] = layers
        if as_oci:
            manifest["mediaType"] = oci.OCI_MANIFEST
            config = dict(old["config"])
            if config.get("mediaType") == oci.DOCKER_CONFIG:
                config["mediaType"] = oci.OCI_CONFIG
            manifest["config"] = config
        return json.dumps(manifest, separators=(",", ":")).encode()

    # --- the Image protocol ---------------------------------------------------------------

    def raw_manifest(self) -> bytes:
        return self._raw_manifest

    def manifest(self) -> dict[str, Any]:
        doc: dict[str, Any] = json.loads(self._raw_manifest)
        return doc

    def media_type(self) -> str:
        return str(self.manifest()["mediaType"])

    def digest(self) -> str:
        return _digest.of_bytes(self._raw_manifest)

    def raw_config(self) -> bytes:
        return self._base.raw_config()

    def config(self) -> dict[str, Any]:
        return self._base.config()

    def config_digest(self) -> str:
        return self._base.config_digest()

    def layers(self) -> list[Layer]:
        return list(self._layers)

    def close(self) -> None:
        shutil.rmtree(self._dir, ignore_errors=True)

    def __enter__(self) -> RecompressedImage:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def recompress(img: Image, target: str, *, tmpdir: str | None = None, jobs: int = 4,
               level: int | None = None) -> RecompressedImage:
    """``img`` with every layer compressed as ``target`` ("gzip" or "zstd"); see the module doc."""
    if target not in ("gzip", "zstd"):
        raise InvalidArgument(f"invalid compression {target!r}: use gzip or zstd")
    return RecompressedImage(img, target, tmpdir=tmpdir, jobs=jobs, level=level)  # type: ignore[arg-type]


__all__ = ["RecompressedImage", "SpooledLayer", "compression_of", "recompress"]
