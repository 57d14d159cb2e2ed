"""Sources and sinks composed with the local image store: registry -> store -> registry / archive."""

from __future__ import annotations

import io
import os
from pathlib import Path

import pytest
from memimage import check_image, make_image

from dockyard.archive import docker_archive, oci_layout
from dockyard.registry import open_image, push_image

pytestmark = pytest.mark.privileged


@pytest.fixture
def images(tmp_path: Path):
    if os.geteuid() != 0:
        pytest.skip("needs root (layer extraction)")
    from dockyard.image.store import ImageStore
    from dockyard.store import Store

    store = Store(str(tmp_path / "root"))
    try:
        yield ImageStore(store)
    finally:
        store.close()


def test_registry_to_store_to_registry_and_archives(registry, images, tmp_path: Path) -> None:
    img, _ = make_image([{"etc/hello": b"hello\n", "bin/tool": os.urandom(20000)}, {"etc/hello": b"bye\n"}])
    push_image(img, f"{registry.host}/app:1")
    with open_image(f"{registry.host}/app:1") as pulled:
        image_id = images.write_image(pulled, [f"{registry.host}/app:1"],
                                      repo_digest=f"{pulled.ref.name}@{pulled.repo_digest}")
    assert image_id == img.config_digest()
    local = images.open(f"{registry.host}/app:1")
    check_image(local)
    assert push_image(local, f"{registry.host}/copy:1") == img.digest()
    seen: list[str] = []
    push_image(local, f"{registry.host}/copy2:1", mount_from=[f"{registry.host}/app"],
               status=lambda d, s: seen.append(s))
    assert seen == ["mounted", "mounted"]

    buf = io.BytesIO()
    docker_archive.save([(local, ["app:saved"])], buf)
    [(loaded, tags)] = docker_archive.load(io.BufferedReader(io.BytesIO(buf.getvalue())))
    assert tags == ["app:saved"]
    assert images.write_image(loaded, tags) == image_id
    assert images.resolve("app:saved") == image_id

    oci_layout.write_layout(str(tmp_path / "layout"), [(local, ["v1"])])
    assert images.write_image(oci_layout.open_image(str(tmp_path / "layout"), "v1"), ["app:oci"]) == image_id
