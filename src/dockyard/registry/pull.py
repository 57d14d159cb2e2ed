"""Pull into the local store with every layer streamed, verified and extracted at once.

Each missing layer is downloaded by its own worker straight into the layer store's ingest path:
the HTTP stream is teed into the content store (digest and size verified at commit) and into the
extractor (diff_id verified), so there is no second pass over the blob.  Layers are independent
directories named by chain id, and chain ids follow from the config's diff_ids, so the workers
need not wait for each other.  Each worker has its own database connection (SQLite transactions
from several threads must not share one).  Finally ``ImageStore.write_image`` finds every layer in
place and only records the image and its names.

With ``processes=True`` each worker is a forked process rather than a thread: the work per byte
(hashing twice, inflating, parsing the tar, writing files) is partly Python holding the GIL, so
threads share one core for it; processes do not.  A worker dies with its parent (PR_SET_PDEATHSIG)
and reports its byte count through shared memory, which a thread of the parent turns into
progress callbacks.  The default when more than one layer is fetched: on a quiet 2-core machine
it pulls ~13% faster (149 vs 131 MB/s for 200 MB in 4 layers); ``DOCKYARD_PULL_PROCESSES=0``
turns it off.  A killed pull's workers die with it (PDEATHSIG); their ingest files count as stale
as soon as they are zombies.

Crash safety is the layer store's: blobs appear only after verification, layer directories only
after a complete extraction, rows only after both; a killed pull leaves only garbage.
"""

from __future__ import annotations

import io
import multiprocessing
import os
import signal
import threading
from collections.abc import Callable, Sequence
from concurrent.futures import ProcessPoolExecutor, ThreadPoolExecutor
from typing import Any, BinaryIO, cast

from .. import digest as _digest
from ..errors import InvalidArgument
from ..image.protocols import Layer
from ..store import Store
from . import _auth
from ._transport import Transport
from .client import RegistryImage

LayerDone = Callable[[str], None]
"""on_layer(digest): called when a layer is stored and extracted."""
Progress = Callable[[str, int, int], None]
"""progress(digest, bytes_done, bytes_total) while a layer downloads."""

_counters: Any = None  # multiprocessing.Array of byte counts, one slot per layer (set in workers)


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


class _SharedCounting(io.RawIOBase):
    def __init__(self, raw: BinaryIO, slot: int) -> None:
        super().__init__()
        self._raw, self._slot = raw, slot

    def readable(self) -> bool:
        return True

    def readinto(self, b: Any) -> int:
        view = memoryview(b)
        data = self._raw.read(len(view))
        view[: len(data)] = data
        _counters[self._slot] += len(data)
        return len(data)

    def close(self) -> None:
        if not self.closed:
            self._raw.close()
            super().close()


def _worker_init(counters: Any) -> None:
    global _counters
    _counters = counters
    try:
        from ..linux._syscalls import prctl
        prctl(1, signal.SIGKILL)  # PR_SET_PDEATHSIG: never outlive the pull
    except Exception:  # noqa: BLE001 - best effort
        pass
    signal.signal(signal.SIGINT, signal.SIG_DFL)


def _worker_ingest(root: str, registry: str, base: str, credentials: _auth.Credentials | None, repository: str,
                   descriptor: dict[str, Any], parent: str, diff_id: str, slot: int) -> None:
    from ..snapshot.layers import LayerStore

    t = Transport(registry, credentials=credentials, insecure=base.startswith("http://"))
    t.base = base
    t._base_checked = True  # the parent already chose between https and http
    own = Store(root)
    try:
        digest = str(descriptor["digest"])
        raw = t.stream(f"/v2/{repository}/blobs/{digest}", scopes=(_auth.repository_scope(repository, "pull"),),
                       what=f"{registry}/{repository}@{digest}")
        with io.BufferedReader(_SharedCounting(raw, slot), 1 << 20) as stream:
            LayerStore(own).ingest(parent, cast(BinaryIO, stream), media_type=str(descriptor["mediaType"]),
                                   expected_digest=digest, expected_size=int(descriptor["size"]),
                                   expected_diff_id=diff_id)
    finally:
        own.close()
        t.close()


def _ingest_in_processes(store: Store, img: RegistryImage, todo: list[tuple[Layer, str, str]], jobs: int,
                         on_layer: LayerDone | None, progress: Progress | None) -> None:
    ctx = multiprocessing.get_context("fork")
    counters = ctx.Array("q", len(todo), lock=False)
    done = threading.Event()

    def report() -> None:
        while not done.wait(0.1):
            if progress is not None:
                for i, (layer, _, _) in enumerate(todo):
                    progress(layer.digest, min(int(counters[i]), layer.size), layer.size)

    reporter = threading.Thread(target=report, daemon=True)
    t = img.transport
    try:
        with ProcessPoolExecutor(max_workers=max(1, min(jobs, len(todo))), mp_context=ctx,
                                 initializer=_worker_init, initargs=(counters,)) as pool:
            futures = {}
            for i, (layer, parent, diff_id) in enumerate(todo):
                desc = {"digest": layer.digest, "size": layer.size, "mediaType": layer.media_type}
                futures[pool.submit(_worker_ingest, store.root, t.registry, t.base, t.credentials,
                                    img.ref.repository, desc, parent, diff_id, i)] = layer
            reporter.start()  # after the forks: no thread of ours is copied into a worker
            for fut in futures:
                fut.result()
                if progress is not None:
                    layer = futures[fut]
                    progress(layer.digest, layer.size, layer.size)
                if on_layer is not None:
                    on_layer(futures[fut].digest)
    finally:
        done.set()
        if reporter.is_alive():
            reporter.join()


def pull_to_store(store: Store, img: RegistryImage, tags: Sequence[str] = (), *, repo_digest: str | None = None,
                  jobs: int = 4, on_layer: LayerDone | None = None, processes: bool | None = None,
                  progress: Progress | None = None) -> str:
    """Store ``img`` (layers in parallel, see the module doc) and tag it; returns the image id.
    ``progress`` is only used by process workers (thread workers report through the image's own
    progress callback)."""
    from ..image.store import ImageStore
    from ..snapshot.layers import LayerStore

    todo = missing_layers(store, img)
    if processes is None:  # default: process workers when there is more than one layer to fetch
        processes = len(todo) > 1 and os.environ.get("DOCKYARD_PULL_PROCESSES", "1") != "0"
    if processes and todo and len({layer.digest for layer, _, _ in todo}) == len(todo):
        store.db.close()  # no SQLite connection across fork; reopened on next use
        _ingest_in_processes(store, img, todo, jobs, on_layer, progress)
        todo = []

    def fetch(item: tuple[Layer, str, str]) -> None:
        layer, parent, diff_id = item
        own = Store(store.root)
        try:
            with img.unverified_blob(layer) as stream:  # the ingest's BlobWriter verifies
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
