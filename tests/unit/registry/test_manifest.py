from __future__ import annotations

import gzip
import io
import json

import pytest

from dockyard import oci
from dockyard.errors import DigestMismatch, FailedPrecondition, InvalidArgument
from dockyard.registry import manifest as m

D = "sha256:" + "a" * 64


def _index(*platforms: dict[str, str]) -> dict:
    return {"schemaVersion": 2, "mediaType": oci.OCI_INDEX, "manifests": [
        oci.descriptor(oci.OCI_MANIFEST, "sha256:" + str(i) * 64, 10, platform=p)
        for i, p in enumerate(platforms)]}


def test_parse_accepts_manifests_and_indexes() -> None:
    doc = {"schemaVersion": 2, "config": oci.descriptor(oci.OCI_CONFIG, D, 1),
           "layers": [oci.descriptor(oci.OCI_LAYER_GZIP, D, 2)]}
    assert m.parse(json.dumps(doc).encode())[0] == oci.OCI_MANIFEST  # no mediaType: OCI by shape
    assert m.parse(json.dumps(doc).encode(), oci.DOCKER_MANIFEST)[0] == oci.DOCKER_MANIFEST
    mt, _ = m.parse(json.dumps(_index({"os": "linux", "architecture": "amd64"})).encode())
    assert mt == oci.OCI_INDEX


@pytest.mark.parametrize("raw, match", [
    (b"\xff\xfe", "not valid JSON"),
    (b"[]", "not a JSON object"),
    (b'{"schemaVersion": 1}', "schemaVersion"),
    (b'{"schemaVersion": 2, "mediaType": "text/html"}', "unknown media type"),
    (b'{"schemaVersion": 2, "mediaType": "' + oci.OCI_MANIFEST.encode() + b'"}', "config"),
    (json.dumps({"schemaVersion": 2, "config": oci.descriptor(oci.OCI_CONFIG, "sha256:xyz", 1),
                 "layers": []}).encode(), "invalid digest"),
    (json.dumps({"schemaVersion": 2, "config": oci.descriptor(oci.OCI_CONFIG, D, -1),
                 "layers": []}).encode(), "invalid size"),
    (json.dumps({"schemaVersion": 2, "config": oci.descriptor("application/x-helm", D, 1),
                 "layers": []}).encode(), "unknown media type"),
    (b" " * (m.MAX_MANIFEST_SIZE + 1), "larger than"),
])
def test_parse_refuses(raw: bytes, match: str) -> None:
    with pytest.raises(InvalidArgument, match=match):
        m.parse(raw)


def test_select_platform() -> None:
    idx = _index({"os": "linux", "architecture": "arm", "variant": "v6"},
                 {"os": "linux", "architecture": "arm", "variant": "v7"},
                 {"os": "linux", "architecture": "amd64"},
                 {"os": "unknown", "architecture": "unknown"},
                 {"os": "linux", "architecture": "arm64"})
    assert m.select_platform(idx)["digest"] == "sha256:" + "2" * 64
    assert m.select_platform(idx, "linux/arm")["digest"] == "sha256:" + "1" * 64
    assert m.select_platform(idx, "linux/arm/v6")["digest"] == "sha256:" + "0" * 64
    assert m.select_platform(idx, "linux/arm64/v8")["digest"] == "sha256:" + "4" * 64
    with pytest.raises(m.PlatformNotFound, match="linux/ppc64le"):
        m.select_platform(idx, "linux/ppc64le")
    with pytest.raises(InvalidArgument):
        m.select_platform(idx, "linux")


def test_verified_reader() -> None:
    data = b"hello world" * 1000
    good = "sha256:" + __import__("hashlib").sha256(data).hexdigest()
    assert m.verified(io.BytesIO(data), good, len(data)).read() == data
    with pytest.raises(DigestMismatch):
        m.verified(io.BytesIO(data[:-1] + b"X"), good, len(data)).read()
    with pytest.raises(FailedPrecondition, match="truncated"):
        m.verified(io.BytesIO(data[:-1]), good, len(data)).read()
    with pytest.raises(FailedPrecondition, match="more than"):
        m.verified(io.BytesIO(data + b"!"), good, len(data)).read()


def test_decompress() -> None:
    assert m.decompress(io.BytesIO(gzip.compress(b"tar bytes"))).read() == b"tar bytes"  # type: ignore[arg-type]
    assert m.decompress(io.BytesIO(b"plain tar")).read() == b"plain tar"  # type: ignore[arg-type]
    src = io.BytesIO(gzip.compress(b"x"))
    m.decompress(src).close()  # type: ignore[arg-type]
    assert src.closed
