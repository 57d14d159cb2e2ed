"""``docker save`` / ``docker load`` archives as an Image sink (``save``) and source (``load``).

``save`` writes what Docker 25+ writes: an OCI layout (``oci-layout``, ``index.json``,
``blobs/sha256/...``) plus the legacy ``manifest.json`` and ``repositories`` that every
``docker load`` reads, in one tar, blobs shared by all images.  Layers are stored exactly as the
image distributes them (usually gzip), so manifests and digests survive the round trip; legacy
``docker load`` decompresses them.  ``<config hex>.json`` is written too, for old readers.

``load`` reads that, the older format (``<id>/layer.tar``, ``<config hex>.json``, symlinked shared
layers), podman's docker-archive, and OCI archives (skopeo / podman ``oci-archive``).  The images
are lazy: they read from the tar (a non-seekable stream is spooled to a temporary file first).
"""

from __future__ import annotations

import json
from typing import Any, BinaryIO

from .. import digest as _digest
from .. import oci
from ..errors import DigestMismatch, InvalidArgument
from ..image.protocols import Image
from ..reference import parse as parse_reference
from ..registry.manifest import DOCKER_LAYER_TAR, MAX_MANIFEST_SIZE, BlobImage, InvalidManifest
from . import oci_layout
from ._files import ArchiveReader, TarReader, TarWriter, clean_name, read_limited

MANIFEST_JSON = "manifest.json"


# --- save ---------------------------------------------------------------------------------------


def _familiar(tag: str) -> str:
    ref = parse_reference(tag)
    return f"{ref.familiar_name}:{ref.tag or 'latest'}"


def save(images: list[tuple[Image, list[str]]], out: BinaryIO) -> None:
    """Write ``images`` (each with its tags, e.g. ``["busybox:latest"]``) as one archive.
    A blob whose digest or size is wrong raises before the archive is complete: write to a
    temporary file and rename it on success."""
    writer = TarWriter(out)
    entries: list[dict[str, Any]] = []
    legacy: list[dict[str, Any]] = []
    repositories: dict[str, dict[str, str]] = {}
    for img, tags in images:
        familiar = [_familiar(t) for t in tags]
        desc = oci_layout.write_blobs(writer, img)
        config_hex = _digest.hex_of(img.config_digest())
        writer.add_bytes(f"{config_hex}.json", img.raw_config())
        layers = img.layers()
        legacy.append({
            "Config": f"{config_hex}.json",
            "RepoTags": familiar or None,
            "Layers": [oci_layout.blob_name(la.digest) for la in layers],
        })
        if not tags:
            entries.append(desc)
        for tag in tags:
            ref = parse_reference(tag)
            entries.append(dict(desc, annotations={oci_layout.CONTAINERD_NAME: str(ref),
                                                   oci_layout.REF_NAME: ref.tag or "latest"}))
            if layers:
                repositories.setdefault(ref.familiar_name, {})[ref.tag or "latest"] = (
                    _digest.hex_of(layers[-1].digest))
    writer.add_bytes(oci_layout.LAYOUT_FILE, oci_layout.LAYOUT_VERSION)
    writer.add_bytes("index.json", oci_layout.index_bytes(entries))
    writer.add_bytes(MANIFEST_JSON, json.dumps(legacy, separators=(",", ":")).encode())
    if repositories:
        writer.add_bytes("repositories", json.dumps(repositories, separators=(",", ":")).encode())
    writer.close()


# --- load ---------------------------------------------------------------------------------------


def _oci_manifests_by_config(reader: ArchiveReader) -> dict[str, BlobImage]:
    """Images the archive's OCI index names, by config digest (empty if none or unreadable)."""
    if not (reader.exists("index.json") and reader.exists(oci_layout.LAYOUT_FILE)):
        return {}
    out: dict[str, BlobImage] = {}
    for img, _ in oci_layout.read_images(reader):
        if all(reader.exists(oci_layout.blob_name(la["digest"])) for la in img.manifest()["layers"]):
            out.setdefault(img.config_digest(), img)
    return out


def _layer_descriptor(reader: ArchiveReader, path: str, diff_id: str) -> dict[str, Any]:
    size = reader.size(path)
    with reader.open(path) as f:
        head = f.read(4)
    parts = clean_name(path).split("/")
    if head[:2] == b"\x1f\x8b":
        media_type = oci.DOCKER_LAYER_GZIP
    elif head == b"\x28\xb5\x2f\xfd":
        media_type = oci.OCI_LAYER_ZSTD
    else:
        media_type = DOCKER_LAYER_TAR
    if len(parts) == 3 and parts[:2] == ["blobs", "sha256"] and _digest.is_hex(parts[2]):
        digest = "sha256:" + parts[2]
    elif media_type == DOCKER_LAYER_TAR:
        digest = diff_id  # an uncompressed layer's digest is its diff_id; verified when read
    else:
        with reader.open(path) as f:
            digest, _ = _digest.of_file(f)
    return oci.descriptor(media_type, digest, size)


def _legacy_image(reader: ArchiveReader, entry: Any, by_config: dict[str, BlobImage]) -> BlobImage:
    if not isinstance(entry, dict) or not isinstance(entry.get("Config"), str) \
            or not isinstance(entry.get("Layers"), list):
        raise InvalidArgument("invalid manifest.json entry")
    config_path = clean_name(entry["Config"])
    raw_config = read_limited(reader, config_path, MAX_MANIFEST_SIZE)
    config_digest = _digest.of_bytes(raw_config)
    stem = config_path.rsplit("/", 1)[-1].removesuffix(".json")
    if _digest.is_hex(stem) and "sha256:" + stem != config_digest:
        raise DigestMismatch("sha256:" + stem, config_digest, "config")
    if config_digest in by_config:
        return by_config[config_digest]
    try:
        config = json.loads(raw_config)
        diff_ids = config["rootfs"]["diff_ids"]
    except (ValueError, KeyError, TypeError):
        raise InvalidManifest("no rootfs.diff_ids", "image config") from None
    layer_paths = [clean_name(str(p)) for p in entry["Layers"]]
    if not isinstance(diff_ids, list) or len(diff_ids) != len(layer_paths):
        raise InvalidManifest("rootfs.diff_ids does not match manifest.json's Layers", "image config")
    for p in layer_paths:
        if not reader.exists(p):
            raise InvalidArgument(f"archive has no layer {p!r}")
    paths: dict[str, str] = {config_digest: config_path}

    def build_manifest() -> bytes:
        layers = []
        for path, diff_id in zip(layer_paths, diff_ids, strict=True):
            desc = _layer_descriptor(reader, path, str(diff_id))
            paths[desc["digest"]] = path
            layers.append(desc)
        manifest = {"schemaVersion": 2, "mediaType": oci.DOCKER_MANIFEST,
                    "config": oci.descriptor(oci.DOCKER_CONFIG, config_digest, len(raw_config)),
                    "layers": layers}
        return json.dumps(manifest, indent=3).encode()

    def open_blob(desc: dict[str, Any]) -> BinaryIO:
        if desc["digest"] not in paths:
            build_manifest()
        return reader.open(paths[desc["digest"]])

    return BlobImage(build_manifest, open_blob, media_type=oci.DOCKER_MANIFEST)


def load_reader(reader: ArchiveReader) -> list[tuple[BlobImage, list[str]]]:
    if reader.exists(MANIFEST_JSON):
        try:
            entries = json.loads(read_limited(reader, MANIFEST_JSON, MAX_MANIFEST_SIZE))
        except ValueError as err:
            raise InvalidArgument(f"invalid manifest.json: {err}") from None
        if not isinstance(entries, list):
            raise InvalidArgument("invalid manifest.json: not a list")
        by_config = _oci_manifests_by_config(reader)
        out = []
        for entry in entries:
            img = _legacy_image(reader, entry, by_config)
            tags = [str(t) for t in (entry.get("RepoTags") or []) if isinstance(t, str)]
            out.append((img, tags))
        return out
    if reader.exists("index.json"):
        return oci_layout.read_images(reader)
    raise InvalidArgument("not an image archive: it has neither manifest.json nor index.json")


def load(stream: BinaryIO | str) -> list[tuple[BlobImage, list[str]]]:
    """Images (lazy, reading from the archive) and their tags, from a path or a stream."""
    return load_reader(TarReader.from_stream(stream))

