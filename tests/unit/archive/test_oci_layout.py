from __future__ import annotations

import io
import json
from pathlib import Path

import pytest
from memimage import check_image, make_image

from dockyard.archive import oci_layout
from dockyard.errors import DigestMismatch, ImageNotFound


def test_layout_dir_round_trip_and_merge(tmp_path: Path) -> None:
    a, _ = make_image(random_sizes=[100], oci_types=True)
    b, _ = make_image(random_sizes=[200], oci_types=True)
    path = str(tmp_path / "layout")
    oci_layout.write_layout(path, [(a, ["one", "registry.example/app:2"])])
    oci_layout.write_layout(path, [(b, ["one"])])  # "one" moves to b
    images = oci_layout.load(path)
    names = {n: img.digest() for img, ns in images for n in ns}
    assert names == {"one": b.digest(), "registry.example/app:2": a.digest()}
    check_image(oci_layout.open_image(path, "one"))
    with pytest.raises(ImageNotFound):
        oci_layout.open_image(path, "nope")
    assert json.loads((tmp_path / "layout" / "oci-layout").read_text())["imageLayoutVersion"] == "1.0.0"


def test_oci_archive_round_trip(tmp_path: Path) -> None:
    a, _ = make_image(random_sizes=[100, 5000], oci_types=True)
    buf = io.BytesIO()
    oci_layout.write_archive(buf, [(a, ["v1"])])
    img = oci_layout.open_image(io.BufferedReader(io.BytesIO(buf.getvalue())), "v1")
    assert img.digest() == a.digest()
    check_image(img)


def test_sink_refuses_bad_blob_and_leaves_nothing(tmp_path: Path) -> None:
    a, blobs = make_image(random_sizes=[1000], oci_types=True)
    layer = a.layers()[0]
    blobs[layer.digest] = bytes([blobs[layer.digest][0] ^ 1]) + blobs[layer.digest][1:]
    path = tmp_path / "layout"
    with pytest.raises(DigestMismatch):
        oci_layout.write_layout(str(path), [(a, ["x"])])
    assert not (path / "blobs/sha256" / layer.digest[7:]).exists()
    assert not (path / "index.json").exists()
    assert [p.name for p in (path / "blobs/sha256").iterdir()] == []


def test_multi_platform_layout(tmp_path: Path) -> None:
    from dockyard import oci
    from dockyard.archive._files import DirWriter

    amd, _ = make_image(random_sizes=[100], oci_types=True)
    arm, _ = make_image(random_sizes=[200], oci_types=True)
    path = str(tmp_path / "layout")
    oci_layout.write_layout(path, [(amd, []), (arm, [])])
    index = {"schemaVersion": 2, "mediaType": oci.OCI_INDEX, "manifests": [
        oci.descriptor(oci.OCI_MANIFEST, arm.digest(), len(arm.raw_manifest()),
                       platform={"os": "linux", "architecture": "arm64"}),
        oci.descriptor(oci.OCI_MANIFEST, amd.digest(), len(amd.raw_manifest()),
                       platform={"os": "linux", "architecture": "amd64"})]}
    raw = json.dumps(index).encode()
    w = DirWriter(path)
    w.add_bytes(oci_layout.blob_name(oci_layout._digest.of_bytes(raw)), raw)
    top = {"schemaVersion": 2, "manifests": [
        oci.descriptor(oci.OCI_INDEX, oci_layout._digest.of_bytes(raw), len(raw),
                       annotations={oci_layout.REF_NAME: "multi"})]}
    w.add_bytes("index.json", json.dumps(top).encode())
    assert oci_layout.open_image(path, "multi").digest() == amd.digest()
    assert oci_layout.open_image(path, "multi", platform="linux/arm64").digest() == arm.digest()


def test_uncompressed_oci_layers_like_docker_25(tmp_path: Path) -> None:
    from dockyard.archive import docker_archive

    img, _ = make_image(random_sizes=[1000, 2000], oci_types=True, compress=False)
    buf = io.BytesIO()
    docker_archive.save([(img, ["plain:1"])], buf)
    [(loaded, tags)] = docker_archive.load(io.BufferedReader(io.BytesIO(buf.getvalue())))
    assert tags == ["plain:1"] and loaded.digest() == img.digest()
    assert [la.digest for la in loaded.layers()] == [la.diff_id for la in loaded.layers()]
    check_image(loaded)
