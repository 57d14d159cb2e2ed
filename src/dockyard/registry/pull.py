"""Pull into the local store with every layer streamed, verified and extracted at once.

Each missing layer is downloaded by its own worker straight into the layer store's ingest path:
the HTTP stream is teed into the content store (digest and size verified at commit) and into the
extractor (diff_id verified), so there is no second pass over the blob.  Layers are independent
directories named by chain id, and chain ids follow from the config's diff_ids, so the workers
need not wait for each other.  Each worker has its own database connection (SQLite transactions
from several threads must not share one).  Finally ``ImageStore.write_image`` finds every layer in
place and only records the image and its names.

Crash safety is the layer store's: blobs appear only after verification, layer directories only
after a complete extraction, rows only after both; a killed pull leaves only garbage.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor

from .. import digest as _digest
from ..errors import InvalidArgument
from ..image.protocols import Layer
from ..store import Store
from .client import RegistryImage

LayerDone = Callable[[str], None]
"""on_layer(digest): called when a layer is stored and extracted."""


def missing_layers(store: Store, img: RegistryImage) -> list[tuple[Layer, str, str]]:
    """(layer, parent chain id, diff_id) for each layer of ``img`` not yet extracted locally."""
    from ..snapshot.layers import LayerStore

    diff_ids = [str(d) for d in (img.config().get("rootfs") or {}).get("diff_ids") or []]
    layers = img.layers()
    if len(layers) != len(diff_ids):
        raise InvalidArgument(f"image has {len(layers)} layers but its config lists {len(diff_ids)} diff_ids")
    chains = _digest.chain_ids(diff_ids) if diff_ids else []
    ls = LayerStore(store)
    out: list[tuple[Layer, str, str]] = []
    for i, (layer, diff_id, chain) in enumerate(zip(layers, diff_ids, chains, strict=True)):
        found = ls.find(chain)
        if found is not None and os.path.isdir(ls.diff_dir(found)):
            continue
        out.append((layer, chains[i - 1] if i else "", diff_id))
    return out


def pull_to_store(store: Store, img: RegistryImage, tags: Sequence[str] = (), *, repo_digest: str | None = None,
                  jobs: int = 4, on_layer: LayerDone | None = None) -> str:
    """Store ``img`` (layers in parallel, see the module doc) and tag it; returns the image id."""
    from ..image.store import ImageStore
    from ..snapshot.layers import LayerStore

    todo = missing_layers(store, img)

    def fetch(item: tuple[Layer, str, str]) -> None:
        layer, parent, diff_id = item
        own = Store(store.root)
        try:
            with layer.compressed() as stream:
                LayerStore(own).ingest(parent, stream, media_type=layer.media_type, expected_digest=layer.digest,
                                       expected_size=layer.size, expected_diff_id=diff_id)
        finally:
            own.close()
        if on_layer is not None:
            on_layer(layer.digest)

    if todo:
        first: list[tuple[Layer, str, str]] = []
        rest: list[tuple[Layer, str, str]] = []
        seen: set[str] = set()
        for item in todo:
            (rest if item[0].digest in seen else first).append(item)
            seen.add(item[0].digest)
        with ThreadPoolExecutor(max_workers=max(1, min(jobs, len(first)))) as pool:
            for _ in pool.map(fetch, first):
                pass
        for item in rest:  # the same blob twice in one image: extracted again on its own chain
            fetch(item)
    img.prefetch(store.content, jobs=1)  # every blob is local now: later reads use the local copies
    return ImageStore(store).write_image(img, list(tags), repo_digest=repo_digest)


__all__ = ["missing_layers", "pull_to_store"]
