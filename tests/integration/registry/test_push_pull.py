from __future__ import annotations

import io
import json
import os
import shutil
import subprocess
from pathlib import Path

import pytest
from memimage import check_image, make_image, sha

from dockyard import oci
from dockyard.content.local import LocalContentStore
from dockyard.errors import DigestMismatch, FailedPrecondition, NotFound, Unauthenticated
from dockyard.registry import Credentials, list_tags, login, logout, open_image, push_image
from dockyard.registry.config import get_credentials
from dockyard.registry.manifest import BlobImage, PlatformNotFound


def _store_all(img: BlobImage, store: LocalContentStore) -> None:
    """What a sink does: stage every blob through BlobWriter (verifies digest and size)."""
    for layer in img.layers():
        with store.writer(layer.digest, layer.size) as w, layer.compressed() as f:
            while chunk := f.read(1 << 20):
                w.write(chunk)
            w.commit()


def test_push_then_pull_round_trip(registry, tmp_path: Path) -> None:
    img, _ = make_image(random_sizes=[5000, 300_000, 10])
    seen: list[tuple[str, str]] = []
    digest = push_image(img, f"{registry.host}/app:v1", status=lambda d, s: seen.append((d, s)))
    assert digest == img.digest()
    assert sorted(s for _, s in seen) == ["pushed"] * 3
    with open_image(f"{registry.host}/app:v1") as pulled:
        assert pulled.raw_manifest() == img.raw_manifest()
        assert pulled.config_digest() == img.config_digest()
        check_image(pulled)
        _store_all(pulled, LocalContentStore(str(tmp_path / "cs")))
    events: dict[str, tuple[int, int]] = {}
    with open_image(f"{registry.host}/app@{digest}",
                    progress=lambda d, n, t: events.update({d: (n, t)})) as by_digest:
        check_image(by_digest)
    assert events == {la.digest: (la.size, la.size) for la in img.layers()}
    # second push: everything already there
    seen.clear()
    push_image(img, f"{registry.host}/app:v2", status=lambda d, s: seen.append((d, s)))
    assert [s for _, s in seen] == ["exists"] * 3
    assert sorted(list_tags(f"{registry.host}/app")) == ["v1", "v2"]


def test_prefetch_parallel(registry, tmp_path: Path) -> None:
    img, _ = make_image(random_sizes=[100_000, 200_000, 300_000])
    push_image(img, f"{registry.host}/pre:1")
    store = LocalContentStore(str(tmp_path / "cs"))
    with open_image(f"{registry.host}/pre:1") as pulled:
        pulled.prefetch(store, jobs=3)
        assert set(store.walk()) == {la.digest for la in img.layers()}
        hits = registry.log_text().count("GET /v2/pre/blobs/")
        check_image(pulled)  # reads the local copies
        assert registry.log_text().count("GET /v2/pre/blobs/") == hits


def test_chunked_upload_and_progress(registry) -> None:
    img, _ = make_image(random_sizes=[3 << 20])
    events: list[tuple[str, int, int]] = []
    push_image(img, f"{registry.host}/big:1", progress=lambda d, n, t: events.append((d, n, t)),
               monolithic_limit=1 << 20, chunk_size=1 << 20)
    layer = img.layers()[0]
    mine = [e for e in events if e[0] == layer.digest]
    assert len(mine) >= 3 and mine[-1] == (layer.digest, layer.size, layer.size)
    with open_image(f"{registry.host}/big:1") as pulled:
        check_image(pulled)


def test_cross_repository_mount(registry) -> None:
    img, _ = make_image(random_sizes=[4000, 5000])
    push_image(img, f"{registry.host}/one:1")
    seen: list[str] = []
    with open_image(f"{registry.host}/one:1") as src:
        push_image(src, f"{registry.host}/two:1", status=lambda d, s: seen.append(s))
    assert seen == ["mounted", "mounted"]
    assert "mount=" in registry.log_text()
    with open_image(f"{registry.host}/two:1") as pulled:
        check_image(pulled)


def test_pull_index_selects_platform(registry) -> None:
    amd, _ = make_image(random_sizes=[100])
    arm, _ = make_image(random_sizes=[200])
    push_image(amd, f"{registry.host}/multi:amd")
    push_image(arm, f"{registry.host}/multi:arm")
    index = {"schemaVersion": 2, "mediaType": oci.OCI_INDEX, "manifests": [
        oci.descriptor(arm.media_type(), arm.digest(), len(arm.raw_manifest()),
                       platform={"os": "linux", "architecture": "arm64", "variant": "v8"}),
        oci.descriptor(amd.media_type(), amd.digest(), len(amd.raw_manifest()),
                       platform={"os": "linux", "architecture": "amd64"}),
    ]}
    raw = json.dumps(index).encode()
    import httpx
    r = httpx.put(f"http://{registry.host}/v2/multi/manifests/latest", content=raw,
                  headers={"Content-Type": oci.OCI_INDEX})
    assert r.status_code == 201, r.text
    with open_image(f"{registry.host}/multi") as img:
        assert img.digest() == amd.digest() and img.repo_digest == sha(raw)
    with open_image(f"{registry.host}/multi", platform="linux/arm64") as img:
        assert img.digest() == arm.digest()
    with pytest.raises(PlatformNotFound):
        open_image(f"{registry.host}/multi", platform="linux/s390x")


def test_not_found(registry) -> None:
    with pytest.raises(NotFound, match=f"manifest for {registry.host}/nothing:here not found: "):
        open_image(f"{registry.host}/nothing:here")
    img, _ = make_image(random_sizes=[10])
    push_image(img, f"{registry.host}/something:1")
    with pytest.raises(NotFound, match="manifest unknown"):
        open_image(f"{registry.host}/something:2")


def test_pull_skopeo_pushed_image(registry, tmp_path: Path) -> None:
    if not shutil.which("skopeo"):
        pytest.skip("needs skopeo")
    from dockyard.archive.oci_layout import write_layout
    img, _ = make_image(random_sizes=[1234, 4321], oci_types=True)
    write_layout(str(tmp_path / "layout"), [(img, ["t1"])])
    subprocess.run(["skopeo", "copy", "--dest-tls-verify=false", f"oci:{tmp_path / 'layout'}:t1",
                    f"docker://{registry.host}/fromskopeo:1"], check=True, capture_output=True)
    with open_image(f"{registry.host}/fromskopeo:1") as pulled:
        check_image(pulled)
        assert pulled.config_digest() == img.config_digest()


def _blob_file(registry, digest: str) -> Path:
    hexd = digest.split(":")[1]
    return (registry.root / "docker/registry/v2/blobs/sha256" / hexd[:2] / hexd / "data")


def test_tampered_blob_is_refused(registry, tmp_path: Path) -> None:
    img, _ = make_image(random_sizes=[3000])
    push_image(img, f"{registry.host}/bad:1")
    layer = img.layers()[0]
    path = _blob_file(registry, layer.digest)
    data = bytearray(path.read_bytes())
    data[100] ^= 0xFF
    path.write_bytes(bytes(data))
    store = LocalContentStore(str(tmp_path / "cs"))
    with open_image(f"{registry.host}/bad:1") as pulled, pytest.raises(DigestMismatch):
        _store_all(pulled, store)
    assert list(store.walk()) == [] and os.listdir(store.ingest_dir) == []
    # truncated
    path.write_bytes(bytes(data[:1000]))
    with open_image(f"{registry.host}/bad:1") as pulled, pytest.raises(FailedPrecondition):
        _store_all(pulled, store)
    assert list(store.walk()) == []


def test_push_refuses_layer_with_wrong_content(registry) -> None:
    img, blobs = make_image(random_sizes=[3000])
    layer = img.layers()[0]
    blobs[layer.digest] = blobs[layer.digest][:-1] + bytes([blobs[layer.digest][-1] ^ 1])
    with pytest.raises(DigestMismatch):
        push_image(img, f"{registry.host}/bad:1")
    import httpx
    assert httpx.head(f"http://{registry.host}/v2/bad/blobs/{layer.digest}").status_code == 404


def test_basic_auth(basic_registry, tmp_path: Path) -> None:
    img, _ = make_image(random_sizes=[100])
    with pytest.raises(Unauthenticated):
        push_image(img, f"{basic_registry.host}/a:1", auth="anonymous")
    with pytest.raises(Unauthenticated, match="pull access denied for"):
        open_image(f"{basic_registry.host}/a:1", auth="anonymous")
    cfg = str(tmp_path / "docker" / "config.json")
    with pytest.raises(Unauthenticated):
        login(basic_registry.host, "user", "wrong", config_path=cfg)
    assert not os.path.exists(cfg)
    login(basic_registry.host, "user", "pass", config_path=cfg)
    assert os.stat(cfg).st_mode & 0o777 == 0o600
    assert get_credentials(basic_registry.host, config_path=cfg) == Credentials("user", "pass")
    push_image(img, f"{basic_registry.host}/a:1", config_path=cfg)
    with open_image(f"{basic_registry.host}/a:1", config_path=cfg) as pulled:
        check_image(pulled)
    assert logout(basic_registry.host, config_path=cfg)
    assert get_credentials(basic_registry.host, config_path=cfg) is None


def test_token_auth(token_registry) -> None:
    reg, issuer = token_registry
    img, _ = make_image(random_sizes=[100, 200])
    creds = Credentials("user", "pass")
    with pytest.raises(Unauthenticated):
        push_image(img, f"{reg.host}/a:1", auth=Credentials("user", "nope"))
    push_image(img, f"{reg.host}/a:1", auth=creds)
    n_tokens = len(issuer.requests)
    # anonymous pull: the issuer grants pull to everyone
    with open_image(f"{reg.host}/a:1", auth="anonymous") as pulled:
        check_image(pulled)
    assert any(r["subject"] == "" for r in issuer.requests[n_tokens:])
    # cross-repo mount with a token covering both repositories
    seen: list[str] = []
    with open_image(f"{reg.host}/a:1", auth=creds) as src:
        push_image(src, f"{reg.host}/b:1", auth=creds, status=lambda d, s: seen.append(s))
    assert seen == ["mounted", "mounted"]
    assert any("repository:a:pull" in r["scopes"] and "repository:b:pull,push" in r["scopes"]
               for r in issuer.requests)


def test_manifest_by_digest_is_verified(registry) -> None:
    img, _ = make_image(random_sizes=[10])
    push_image(img, f"{registry.host}/d:1")
    # ask for a digest the registry does not have: NotFound, never another manifest
    with pytest.raises(NotFound):
        open_image(f"{registry.host}/d@sha256:" + "0" * 64)
    _ = io
