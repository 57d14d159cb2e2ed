"""recompress: new digests and media types, same config and diff_ids, docker -> OCI for zstd,
nothing left behind, a layer whose content is not its diff_id refused (no privileges needed)."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest
from memimage import make_image  # provided by ../registry/regfixtures (loaded by conftest)

from dockyard import oci
from dockyard.diff.compression import open_decompressed_reader
from dockyard.errors import DigestMismatch, InvalidArgument
from dockyard.registry.manifest import BlobImage
from dockyard.registry.recompress import compression_of, recompress


def _tars(img: object) -> list[bytes]:
    out = []
    for layer in img.layers():  # type: ignore[attr-defined]
        with layer.compressed() as f:
            out.append(open_decompressed_reader(f).read())
    return out


def test_zstd_from_docker_gzip(tmp_path: Path) -> None:
    img, _ = make_image(random_sizes=[5000, 300000])
    assert img.media_type() == oci.DOCKER_MANIFEST
    with recompress(img, "zstd", tmpdir=str(tmp_path)) as z:
        m = json.loads(z.raw_manifest())
        assert m["mediaType"] == oci.OCI_MANIFEST == z.media_type()
        assert m["config"]["mediaType"] == oci.OCI_CONFIG
        assert m["config"]["digest"] == img.config_digest() == z.config_digest()
        assert [la["mediaType"] for la in m["layers"]] == [oci.OCI_LAYER_ZSTD] * 2
        assert {la.digest for la in z.layers()}.isdisjoint({la.digest for la in img.layers()})
        assert [la.diff_id for la in z.layers()] == [la.diff_id for la in img.layers()]
        for la in z.layers():
            with la.compressed() as f:
                data = f.read()
            assert data[:4] == b"\x28\xb5\x2f\xfd" and len(data) == la.size
        assert _tars(z) == _tars(img)
        assert z.digest() != img.digest()
    assert os.listdir(tmp_path) == []


def test_gzip_keeps_docker_types_and_skips_same_format(tmp_path: Path) -> None:
    img, _ = make_image(random_sizes=[1000])
    with recompress(img, "gzip", tmpdir=str(tmp_path)) as g:
        assert g.raw_manifest() == json.dumps(json.loads(img.raw_manifest()), separators=(",", ":")).encode()
        assert [la.digest for la in g.layers()] == [la.digest for la in img.layers()]
    plain, _ = make_image(random_sizes=[1000], compress=False, oci_types=True)
    with recompress(plain, "gzip", tmpdir=str(tmp_path)) as g:
        assert [la.media_type for la in g.layers()] == [oci.OCI_LAYER_GZIP]
        assert g.media_type() == oci.OCI_MANIFEST
        assert _tars(g) == _tars(plain)
    assert compression_of(oci.DOCKER_LAYER_GZIP) == "gzip" and compression_of(oci.OCI_LAYER) == "none"


def test_wrong_diff_id_refused_and_cleaned(tmp_path: Path) -> None:
    img, blobs = make_image(random_sizes=[1000, 2000])
    config = json.loads(img.raw_config())
    config["rootfs"]["diff_ids"][1] = "sha256:" + "0" * 64
    raw_config = json.dumps(config).encode()
    manifest = json.loads(img.raw_manifest())
    from dockyard import digest as _digest
    manifest["config"] = dict(manifest["config"], digest=_digest.of_bytes(raw_config), size=len(raw_config))
    blobs[_digest.of_bytes(raw_config)] = raw_config

    import io
    bad = BlobImage(json.dumps(manifest).encode(), lambda d: io.BytesIO(blobs[d["digest"]]))
    with pytest.raises(DigestMismatch):
        recompress(bad, "zstd", tmpdir=str(tmp_path))
    assert os.listdir(tmp_path) == []
    with pytest.raises(InvalidArgument):
        recompress(img, "brotli", tmpdir=str(tmp_path))
