"""OCI image layouts (a directory, or a tar of one: skopeo's ``oci:`` / ``oci-archive:``) as an
Image source (``load``, ``open_image``) and sink (``write_layout``, ``write_archive``).

Names: an index entry's ``io.containerd.image.name`` (a full reference, what docker writes) or else
its ``org.opencontainers.image.ref.name`` (often only a tag, what skopeo writes).  On writing, a
name that looks like a reference (contains ``:`` or ``/``) gets both annotations; a bare word
becomes ``org.opencontainers.image.ref.name`` only.
"""

from __future__ import annotations

import json
import os
from typing import Any, BinaryIO

from .. import digest as _digest
from .. import oci
from ..errors import DigestMismatch, ImageNotFound, InvalidArgument
from ..image.protocols import Image
from ..reference import parse as parse_reference
from ..registry.manifest import (
    MAX_MANIFEST_SIZE,
    BlobImage,
    BlobOpener,
    InvalidManifest,
    parse,
    select_platform,
)
from ._files import ArchiveReader, ArchiveWriter, DirReader, DirWriter, TarReader, TarWriter, read_limited

LAYOUT_FILE = "oci-layout"
LAYOUT_VERSION = b'{"imageLayoutVersion":"1.0.0"}'
REF_NAME = "org.opencontainers.image.ref.name"
CONTAINERD_NAME = "io.containerd.image.name"


def blob_name(digest: str) -> str:
    return "blobs/sha256/" + _digest.hex_of(digest)


# --- reading ------------------------------------------------------------------------------------


def _read_blob(reader: ArchiveReader, desc: dict[str, Any], what: str) -> bytes:
    if desc["size"] > MAX_MANIFEST_SIZE:
        raise InvalidManifest(f"larger than {MAX_MANIFEST_SIZE} bytes", what)
    data = read_limited(reader, blob_name(desc["digest"]), MAX_MANIFEST_SIZE)
    actual = _digest.of_bytes(data)
    if actual != desc["digest"]:
        raise DigestMismatch(desc["digest"], actual, what)
    if len(data) != desc["size"]:
        raise InvalidManifest(f"size {len(data)} differs from its descriptor's {desc['size']}", what)
    return data


def opener_for(reader: ArchiveReader) -> BlobOpener:
    def open_blob(desc: dict[str, Any]) -> BinaryIO:
        return reader.open(blob_name(desc["digest"]))

    return open_blob


def image_for(reader: ArchiveReader, desc: dict[str, Any], platform: str | None = None,
              depth: int = 0) -> BlobImage:
    """The image a descriptor names (an index is resolved to ``platform``)."""
    if depth > 3:
        raise InvalidManifest("indexes nested too deeply")
    raw = _read_blob(reader, desc, "manifest")
    media_type, doc = parse(raw, desc.get("mediaType"))
    if media_type in oci.INDEX_TYPES:
        return image_for(reader, select_platform(doc, platform), platform, depth + 1)
    return BlobImage(raw, opener_for(reader), media_type=media_type)


def read_index(reader: ArchiveReader) -> dict[str, Any]:
    if not reader.exists(LAYOUT_FILE):
        raise InvalidArgument("not an OCI layout: no oci-layout file")
    try:
        version = json.loads(read_limited(reader, LAYOUT_FILE, 4096)).get("imageLayoutVersion")
    except (ValueError, AttributeError):
        raise InvalidArgument("not an OCI layout: invalid oci-layout file") from None
    if not isinstance(version, str) or not version.startswith("1."):
        raise InvalidArgument(f"unsupported OCI layout version {version!r}")
    media_type, doc = parse(read_limited(reader, "index.json", MAX_MANIFEST_SIZE), oci.OCI_INDEX)
    if media_type not in oci.INDEX_TYPES:
        raise InvalidManifest("index.json is not an index")
    return doc


def name_of(desc: dict[str, Any]) -> str | None:
    ann = desc.get("annotations")
    if not isinstance(ann, dict):
        return None
    name = ann.get(CONTAINERD_NAME) or ann.get(REF_NAME)
    return str(name) if name else None


def read_images(reader: ArchiveReader, *, platform: str | None = None) -> list[tuple[BlobImage, list[str]]]:
    """Every image an OCI layout's index.json lists, each with its names, in index order."""
    index = read_index(reader)
    order: list[str] = []
    by_digest: dict[str, tuple[dict[str, Any], list[str]]] = {}
    for desc in index["manifests"]:
        entry = by_digest.setdefault(desc["digest"], (desc, []))
        if desc["digest"] not in order:
            order.append(desc["digest"])
        name = name_of(desc)
        if name and name not in entry[1]:
            entry[1].append(name)
    return [(image_for(reader, by_digest[d][0], platform), by_digest[d][1]) for d in order]


def _reader(source: str | BinaryIO) -> ArchiveReader:
    if isinstance(source, str) and os.path.isdir(source):
        return DirReader(source)
    return TarReader.from_stream(source)


def load(source: str | BinaryIO, *, platform: str | None = None) -> list[tuple[BlobImage, list[str]]]:
    """Images of a layout directory, an OCI archive file, or an archive stream (spooled)."""
    return read_images(_reader(source), platform=platform)


def open_image(source: str | BinaryIO, name: str | None = None, *, platform: str | None = None) -> BlobImage:
    """One image of a layout: the one called ``name``, or the only one."""
    images = load(source, platform=platform)
    if name is None:
        if len(images) != 1:
            raise InvalidArgument(f"the layout holds {len(images)} images: name one")
        return images[0][0]
    for img, names in images:
        if name in names:
            return img
    raise ImageNotFound(name)


# --- writing ------------------------------------------------------------------------------------


def annotations_for(name: str) -> dict[str, str]:
    if ":" in name or "/" in name:
        ref = parse_reference(name)
        return {CONTAINERD_NAME: str(ref), REF_NAME: ref.tag or ref.digest or "latest"}
    return {REF_NAME: name}


def write_blobs(writer: ArchiveWriter, img: Image) -> dict[str, Any]:
    """Write an image's layers, config and manifest as blobs; return its manifest descriptor."""
    raw_manifest = img.raw_manifest()
    for layer in img.layers():
        writer.add_blob(blob_name(layer.digest), layer.digest, layer.size, layer.compressed)
    raw_config = img.raw_config()
    config_digest = _digest.of_bytes(raw_config)
    if config_digest != img.config_digest():
        raise DigestMismatch(img.config_digest(), config_digest, "config")
    writer.add_bytes(blob_name(config_digest), raw_config)
    manifest_digest = _digest.of_bytes(raw_manifest)
    writer.add_bytes(blob_name(manifest_digest), raw_manifest)
    return oci.descriptor(img.media_type(), manifest_digest, len(raw_manifest))


def index_entries(writer: ArchiveWriter, images: list[tuple[Image, list[str]]]) -> list[dict[str, Any]]:
    entries: list[dict[str, Any]] = []
    for img, names in images:
        desc = write_blobs(writer, img)
        if not names:
            entries.append(desc)
        for name in names:
            entries.append(dict(desc, annotations=annotations_for(name)))
    return entries


def index_bytes(entries: list[dict[str, Any]]) -> bytes:
    return json.dumps({"schemaVersion": 2, "mediaType": oci.OCI_INDEX, "manifests": entries},
                      separators=(",", ":")).encode()


def write_layout(path: str, images: list[tuple[Image, list[str]]]) -> None:
    """Add images to the layout directory ``path`` (created if needed); a name already in its
    index moves to the new image.  index.json is replaced atomically, after every blob is in place."""
    writer = DirWriter(path)
    old: list[dict[str, Any]] = []
    if os.path.exists(os.path.join(path, "index.json")):
        old = read_index(DirReader(path))["manifests"]
    new = index_entries(writer, images)
    new_names = {name_of(d) for d in new} - {None}
    new_digests = {d["digest"] for d in new}
    kept = [d for d in old
            if name_of(d) not in new_names and not (name_of(d) is None and d["digest"] in new_digests)]
    writer.add_bytes(LAYOUT_FILE, LAYOUT_VERSION)
    writer.add_bytes("index.json", index_bytes(kept + new))


def write_archive(out: BinaryIO, images: list[tuple[Image, list[str]]]) -> None:
    """Write an OCI archive (a tar of a layout, what ``skopeo copy ... oci-archive:`` makes)."""
    writer = TarWriter(out)
    entries = index_entries(writer, images)
    writer.add_bytes(LAYOUT_FILE, LAYOUT_VERSION)
    writer.add_bytes("index.json", index_bytes(entries))
    writer.close()
