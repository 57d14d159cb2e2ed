"""Build cache rows and LayerStore.add_from_dir on a real store in a temp directory (no root needed)."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest

from dockyard.build.cache import BuildCache, build_dir
from dockyard.snapshot.layers import LayerStore
from dockyard.store import Store


@pytest.fixture
def store(tmp_path: Path) -> Iterator[Store]:
    s = Store(str(tmp_path / "root"))
    yield s
    s.close()


def _upper(store: Store, name: str, files: dict[str, str], mtime: float) -> str:
    d = os.path.join(store.root, "buildcache", "run", name, "upper")
    for rel, text in files.items():
        p = os.path.join(d, rel)
        os.makedirs(os.path.dirname(p), exist_ok=True)
        with open(p, "w") as f:
            f.write(text)
        os.utime(p, (mtime, mtime))
    for dirpath, _, _ in os.walk(d):
        os.utime(dirpath, (mtime, mtime))
    return d


def test_add_from_dir_moves_the_directory_and_is_deterministic(store: Store) -> None:
    ls = LayerStore(store)
    a = _upper(store, "a", {"app/x.txt": "x", "y": "y"}, 1_000_000)
    rec = ls.add_from_dir("", a, clamp_mtime=500_000)
    assert not os.path.exists(a)
    diff = ls.diff_dir(rec)
    assert Path(diff, "app", "x.txt").read_text() == "x"
    assert store.content.exists(rec.blob_digest)
    assert rec.size == 2
    # same content, other mtimes (clamped to the same epoch): the same layer, the new dir discarded
    b = _upper(store, "b", {"app/x.txt": "x", "y": "y"}, 2_000_000)
    again = ls.add_from_dir("", b, clamp_mtime=500_000)
    assert again.chain_id == rec.chain_id and again.dir == rec.dir
    assert not os.path.exists(b)
    # on top of a parent: a different chain id
    c = _upper(store, "c", {"z": "z"}, 1_000_000)
    child = ls.add_from_dir(rec.chain_id, c)
    assert child.parent == rec.chain_id
    assert ls.lowerdirs([rec.chain_id, child.chain_id]) == [ls.diff_dir(child), ls.diff_dir(rec)]


def test_cache_put_get_explain_and_prune(store: Store) -> None:
    ls = LayerStore(store)
    rec = ls.add_from_dir("", _upper(store, "a", {"f": "1"}, 1_000_000))
    cache = BuildCache(store)
    cfg = {"config": {"Env": ["A=1"]}, "rootfs": {"type": "layers", "diff_ids": [rec.diff_id]}}
    cache.put("sha256:k1", "sha256:p", '{"op": "COPY"}', {"file:f": "d1"}, cfg, [rec])
    hit = cache.get("sha256:k1")
    assert hit is not None and hit.config == cfg and [r.chain_id for r in hit.layers] == [rec.chain_id]
    assert cache.get("sha256:other") is None
    assert cache.previous_inputs("sha256:p", '{"op": "COPY"}') == {"file:f": "d1"}
    assert cache.has_parent("sha256:p") and not cache.has_parent("sha256:q")
    # survives a restart of the store
    store.close()
    again = BuildCache(Store(store.root))
    assert again.get("sha256:k1") is not None
    os.makedirs(build_dir(store, "mounts", "m1"))
    with open(os.path.join(build_dir(store, "mounts", "m1"), "data"), "w") as f:
        f.write("12345")
    entries, size = again.size()
    assert entries == 1 and size == rec.size + 5  # the layer is only the cache's, plus the mount
    assert again.prune() == (1, rec.size + 5)
    assert again.get("sha256:k1") is None
    assert ls.find(rec.chain_id) is None  # no image used it
    assert os.listdir(build_dir(store, "mounts")) == []


def test_cache_hit_needs_every_layer(store: Store) -> None:
    ls = LayerStore(store)
    rec = ls.add_from_dir("", _upper(store, "a", {"f": "1"}, 1_000_000))
    cache = BuildCache(store)
    cache.put("sha256:k", "", "d", {}, {}, [rec])
    ls.remove_unreferenced()
    assert cache.get("sha256:k") is None


def test_file_digests_roundtrip_skips_recent_files(store: Store, tmp_path: Path) -> None:
    cache = BuildCache(store)
    old = 1_000_000_000_000_000_000
    now = __import__("time").time_ns()
    cache.save_file_digests("/ctx", {"a": (1, 2, old, old, "da"), "new": (3, 4, now, now, "dn")})
    assert cache.file_digests("/ctx") == {"a": (1, 2, old, old, "da")}
    assert cache.file_digests("/ctx2") == {}
    cache.prune()
    assert cache.file_digests("/ctx") == {}
