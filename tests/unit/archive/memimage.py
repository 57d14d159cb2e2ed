"""Build small images in memory for tests: real gzip'd tar layers, a config, a manifest."""

from __future__ import annotations

import gzip
import hashlib
import io
import json
import os
import tarfile
from typing import Any

from dockyard import oci
from dockyard.registry.manifest import BlobImage


def sha(data: bytes) -> str:
    return "sha256:" + hashlib.sha256(data).hexdigest()


def layer_tar(files: dict[str, bytes]) -> bytes:
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w", format=tarfile.PAX_FORMAT) as tf:
        for name, data in sorted(files.items()):
            info = tarfile.TarInfo(name)
            info.size = len(data)
            info.mode = 0o644
            tf.addfile(info, io.BytesIO(data))
    return buf.getvalue()


def make_image(layers: list[dict[str, bytes]] | None = None, *, oci_types: bool = False,
               random_sizes: list[int] | None = None, compress: bool = True,
               cmd: list[str] | None = None) -> tuple[BlobImage, dict[str, bytes]]:
    """An image and its blobs (digest -> bytes).  ``random_sizes`` makes one random file per layer."""
    if layers is None:
        layers = [{f"file{i}": os.urandom(n)} for i, n in enumerate(random_sizes or [1000, 2000])]
    blobs: dict[str, bytes] = {}
    descs: list[dict[str, Any]] = []
    diff_ids: list[str] = []
    for files in layers:
        tar = layer_tar(files)
        blob = gzip.compress(tar, compresslevel=1, mtime=0) if compress else tar
        if oci_types:
            mt = oci.OCI_LAYER_GZIP if compress else oci.OCI_LAYER
        else:
            mt = oci.DOCKER_LAYER_GZIP if compress else "application/vnd.docker.image.rootfs.diff.tar"
        blobs[sha(blob)] = blob
        descs.append(oci.descriptor(mt, sha(blob), len(blob)))
        diff_ids.append(sha(tar))
    config = {
        "architecture": "amd64", "os": "linux",
        "config": {"Cmd": cmd or ["/bin/sh"], "Env": ["PATH=/bin"]},
        "rootfs": {"type": "layers", "diff_ids": diff_ids},
        "history": [{"created_by": "test"} for _ in diff_ids],
    }
    raw_config = oci.canonical_json(config)
    blobs[sha(raw_config)] = raw_config
    manifest = {
        "schemaVersion": 2,
        "mediaType": oci.OCI_MANIFEST if oci_types else oci.DOCKER_MANIFEST,
        "config": oci.descriptor(oci.OCI_CONFIG if oci_types else oci.DOCKER_CONFIG,
                                 sha(raw_config), len(raw_config)),
        "layers": descs,
    }
    raw_manifest = json.dumps(manifest, indent=3).encode()
    return BlobImage(raw_manifest, lambda d: io.BytesIO(blobs[d["digest"]])), blobs


def check_image(img: Any) -> None:
    """validate-style invariants: every layer's digest/size/diff_id, config digest, manifest digest."""
    raw = img.raw_manifest()
    assert img.digest() == sha(raw)
    assert sha(img.raw_config()) == img.config_digest() == img.manifest()["config"]["digest"]
    diff_ids = img.config()["rootfs"]["diff_ids"]
    layers = img.layers()
    assert [la.diff_id for la in layers] == diff_ids
    for la in layers:
        with la.compressed() as f:
            data = f.read()
        assert sha(data) == la.digest and len(data) == la.size
        with la.uncompressed() as f:
            assert sha(f.read()) == la.diff_id
