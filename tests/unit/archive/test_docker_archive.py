from __future__ import annotations

import gzip
import io
import json
import os
import shutil
import subprocess
import tarfile
import threading
from pathlib import Path

import pytest
from memimage import check_image, layer_tar, make_image, sha

from dockyard.archive import docker_archive, oci_layout
from dockyard.archive._files import UnsafeArchive
from dockyard.content.local import LocalContentStore
from dockyard.errors import DigestMismatch, InvalidArgument

needs_skopeo = pytest.mark.skipif(not shutil.which("skopeo"), reason="needs skopeo")


def _two_images_sharing_a_layer():
    base = {"etc/base": b"base layer" * 100}
    img1, _ = make_image([base, {"app1": os.urandom(5000)}])
    img2, _ = make_image([base, {"app2": os.urandom(7000)}], oci_types=False, cmd=["app2"])
    return img1, img2


def test_save_load_round_trip(tmp_path: Path) -> None:
    img1, img2 = _two_images_sharing_a_layer()
    out = tmp_path / "images.tar"
    with open(out, "wb") as f:
        docker_archive.save([(img1, ["app:1", "app:latest"]), (img2, ["example.com/x/y:2"])], f)
    with tarfile.open(out) as tf:
        names = tf.getnames()
        manifest = json.load(tf.extractfile("manifest.json"))
        repositories = json.load(tf.extractfile("repositories"))
    shared = "blobs/sha256/" + img1.layers()[0].digest.split(":")[1]
    assert names.count(shared) == 1
    assert {"oci-layout", "index.json", "manifest.json", "repositories"} <= set(names)
    assert manifest[0]["RepoTags"] == ["app:1", "app:latest"]
    assert manifest[0]["Config"] == img1.config_digest().split(":")[1] + ".json"
    assert manifest[1]["RepoTags"] == ["example.com/x/y:2"]
    assert set(repositories) == {"app", "example.com/x/y"}
    loaded = docker_archive.load(str(out))
    assert [tags for _, tags in loaded] == [["app:1", "app:latest"], ["example.com/x/y:2"]]
    for (img, _), orig in zip(loaded, [img1, img2], strict=True):
        assert img.digest() == orig.digest()  # the manifest survives: same image, same digest
        check_image(img)
    # oci-layout view of the same archive
    by_oci = oci_layout.load(str(out))
    assert {n for _, names in by_oci for n in names} == {
        "docker.io/library/app:1", "docker.io/library/app:latest", "example.com/x/y:2"}


def test_load_from_non_seekable_stream(tmp_path: Path) -> None:
    img1, _ = _two_images_sharing_a_layer()
    buf = io.BytesIO()
    docker_archive.save([(img1, ["app:1"])], buf)
    r, w = os.pipe()

    def feed() -> None:
        with os.fdopen(w, "wb") as f:
            f.write(buf.getvalue())

    t = threading.Thread(target=feed)
    t.start()
    with os.fdopen(r, "rb") as stream:
        loaded = docker_archive.load(stream)
    t.join()
    check_image(loaded[0][0])
    # gzip-compressed archives load too (docker load accepts them)
    loaded = docker_archive.load(io.BufferedReader(io.BytesIO(gzip.compress(buf.getvalue()))))
    assert loaded[0][0].digest() == img1.digest()


def _add(tf: tarfile.TarFile, name: str, data: bytes | None = None, link: str | None = None) -> None:
    info = tarfile.TarInfo(name)
    if link is not None:
        info.type = tarfile.SYMTYPE
        info.linkname = link
        tf.addfile(info)
    else:
        assert data is not None
        info.size = len(data)
        tf.addfile(info, io.BytesIO(data))


def _legacy_archive(path: Path, *, escape: bool = False) -> tuple[bytes, bytes]:
    """The pre-25 docker save format: <id>/layer.tar (uncompressed), <hex>.json, shared layer by symlink."""
    tar1 = layer_tar({"a": b"one"})
    tar2 = layer_tar({"b": b"two"})
    cfg1 = json.dumps({"architecture": "amd64", "os": "linux",
                       "rootfs": {"type": "layers", "diff_ids": [sha(tar1)]}}).encode()
    cfg2 = json.dumps({"architecture": "amd64", "os": "linux",
                       "rootfs": {"type": "layers", "diff_ids": [sha(tar1), sha(tar2)]}}).encode()
    h1, h2 = sha(cfg1)[7:], sha(cfg2)[7:]
    with tarfile.open(path, "w") as tf:
        _add(tf, "aaaa/layer.tar", tar1)
        _add(tf, "cccc/layer.tar", link="../aaaa/layer.tar" if not escape else "../../etc/passwd")
        _add(tf, "bbbb/layer.tar", tar2)
        _add(tf, f"{h1}.json", cfg1)
        _add(tf, f"{h2}.json", cfg2)
        _add(tf, "manifest.json", json.dumps([
            {"Config": f"{h1}.json", "RepoTags": ["one:latest"], "Layers": ["aaaa/layer.tar"]},
            {"Config": f"{h2}.json", "RepoTags": None, "Layers": ["cccc/layer.tar", "bbbb/layer.tar"]},
        ]).encode())
    return tar1, tar2


def test_load_legacy_format_with_symlinked_layers(tmp_path: Path) -> None:
    tar1, tar2 = _legacy_archive(tmp_path / "old.tar")
    loaded = docker_archive.load(str(tmp_path / "old.tar"))
    assert [tags for _, tags in loaded] == [["one:latest"], []]
    for img, _ in loaded:
        check_image(img)
    assert [la.digest for la in loaded[1][0].layers()] == [sha(tar1), sha(tar2)]


def test_refuses_path_traversal(tmp_path: Path) -> None:
    _legacy_archive(tmp_path / "evil.tar", escape=True)
    with pytest.raises(UnsafeArchive):
        docker_archive.load(str(tmp_path / "evil.tar"))
    with tarfile.open(tmp_path / "evil2.tar", "w") as tf:
        _add(tf, "../outside", b"x")
        _add(tf, "manifest.json", b"[]")
    with pytest.raises(UnsafeArchive):
        docker_archive.load(str(tmp_path / "evil2.tar"))


def test_tampered_layer_is_refused(tmp_path: Path) -> None:
    img1, _ = _two_images_sharing_a_layer()
    buf = io.BytesIO()
    docker_archive.save([(img1, ["app:1"])], buf)
    data = bytearray(buf.getvalue())
    layer = img1.layers()[1]
    blob = img1._opener({"digest": layer.digest}).read()  # noqa: SLF001
    at = bytes(data).index(blob)
    data[at + 50] ^= 0xFF
    (loaded_img, _), = docker_archive.load(io.BufferedReader(io.BytesIO(bytes(data))))
    store = LocalContentStore(str(tmp_path / "cs"))
    with pytest.raises(DigestMismatch):
        for la in loaded_img.layers():
            with store.writer(la.digest, la.size) as w, la.compressed() as f:
                while chunk := f.read(65536):
                    w.write(chunk)
                w.commit()
    assert layer.digest not in set(store.walk())


def test_refuses_invalid_manifests(tmp_path: Path) -> None:
    img1, _ = _two_images_sharing_a_layer()
    layout = tmp_path / "layout"
    oci_layout.write_layout(str(layout), [(img1, ["t"])])
    index = json.loads((layout / "index.json").read_text())
    mdig = index["manifests"][0]["digest"]
    mpath = layout / "blobs/sha256" / mdig[7:]
    good = mpath.read_bytes()
    for bad in (b"{not json", json.dumps({"schemaVersion": 2, "mediaType": "application/x-unknown"}).encode(),
                good.replace(b"diff.tar.gzip", b"diff.tar.weird")):
        mpath.write_bytes(bad)
        index["manifests"][0]["digest"], index["manifests"][0]["size"] = sha(bad), len(bad)
        (layout / "index.json").write_text(json.dumps(index))
        os.rename(mpath, layout / "blobs/sha256" / sha(bad)[7:])
        mpath = layout / "blobs/sha256" / sha(bad)[7:]
        with pytest.raises(InvalidArgument):
            oci_layout.load(str(layout))
    # a manifest whose bytes do not match the index's digest
    mpath.write_bytes(good)
    with pytest.raises(DigestMismatch):
        oci_layout.load(str(layout))


def test_refuses_huge_config(tmp_path: Path) -> None:
    with tarfile.open(tmp_path / "big.tar", "w") as tf:
        _add(tf, "c.json", b" " * (5 << 20))
        _add(tf, "manifest.json", json.dumps([{"Config": "c.json", "Layers": []}]).encode())
    with pytest.raises(InvalidArgument):
        docker_archive.load(str(tmp_path / "big.tar"))


@needs_skopeo
def test_load_skopeo_archives(tmp_path: Path) -> None:
    img, _ = make_image(random_sizes=[3000, 4000], oci_types=True)
    oci_layout.write_layout(str(tmp_path / "layout"), [(img, ["t1"])])
    src = f"oci:{tmp_path / 'layout'}:t1"
    for kind in ("docker-archive", "oci-archive"):
        dest = tmp_path / f"{kind}.tar"
        subprocess.run(["skopeo", "copy", src, f"{kind}:{dest}:example.com/app:v1"],
                       check=True, capture_output=True)
        loaded = docker_archive.load(str(dest))
        assert len(loaded) == 1
        got, tags = loaded[0]
        check_image(got)
        assert got.config_digest() == img.config_digest()
        assert tags and tags[0].endswith("app:v1"), tags


@needs_skopeo
def test_skopeo_reads_our_save(tmp_path: Path) -> None:
    img1, img2 = _two_images_sharing_a_layer()
    out = tmp_path / "images.tar"
    with open(out, "wb") as f:
        docker_archive.save([(img1, ["app:1"]), (img2, ["app:2"])], f)
    for ref, img in (("app:1", img1), ("app:2", img2)):
        r = subprocess.run(["skopeo", "inspect", "--raw", f"docker-archive:{out}:{ref}"],
                           check=True, capture_output=True)
        assert json.loads(r.stdout)["config"]["digest"] == img.config_digest()
        subprocess.run(["skopeo", "copy", f"docker-archive:{out}:{ref}", f"oci:{tmp_path / 'l'}:{ref[4:]}"],
                       check=True, capture_output=True)
    loaded = oci_layout.load(str(tmp_path / "l"))
    for got, _ in loaded:
        check_image(got)
