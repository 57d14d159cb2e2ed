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
