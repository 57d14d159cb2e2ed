"""Layers extracted once and shared: ``layers/<dir>/diff`` keyed by chain id.

Import a layer: the compressed blob streams through a tee into the content store (verified on
commit) and into the extractor, which writes a staging directory; then the staging directory is
renamed into place and the row inserted, in that order.  A crash leaves at worst an unreferenced
directory (garbage, removed by ``system check --repair`` and prune), never a row without data.
"""

from __future__ import annotations

import os

from .. import digest as _digest
from .._record import Record
from ..errors import DigestMismatch, LayerNotFound
from ..store import Store


def _rmtree(path: str, ignore_errors: bool = False) -> None:
    if ignore_errors:
        from ..store import rmtree
        rmtree(path)
        return
    import shutil  # ~12 ms to import (bz2, lzma, fnmatch)
    shutil.rmtree(path)

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import BinaryIO


class LayerRecord(Record, frozen=True):
    chain_id: str
    parent: str
    diff_id: str
    blob_digest: str
    blob_size: int
    media_type: str
    dir: str
    size: int


class _Tee:
    """Reads from ``src`` and hands every chunk to ``sink`` as well."""

    def __init__(self, src: BinaryIO, sink: object) -> None:
        self._src = src
        self._sink = sink

    def read(self, n: int = -1) -> bytes:
        data = self._src.read(n)
        if data:
            self._sink.write(data)  # type: ignore[attr-defined]
        return data

    def readinto(self, b: bytearray | memoryview) -> int:
        data = self.read(len(b))
        b[: len(data)] = data
        return len(data)

    def drain(self) -> None:
        while self.read(1 << 20):
            pass


class LayerStore:
    def __init__(self, store: Store) -> None:
        self.store = store
        self.db = store.db
        self.root = store.layers_dir
        self.empty_dir = os.path.join(self.root, "empty")
        os.makedirs(self.empty_dir, exist_ok=True)

    def get(self, chain_id: str) -> LayerRecord:
        row = self.db.one("SELECT * FROM layers WHERE chain_id=?", (chain_id,))
        if row is None:
            raise LayerNotFound(chain_id)
        return LayerRecord(**dict(row))

    def find(self, chain_id: str) -> LayerRecord | None:
        row = self.db.one("SELECT * FROM layers WHERE chain_id=?", (chain_id,))
        return LayerRecord(**dict(row)) if row else None

    def diff_dir(self, rec: LayerRecord | str) -> str:
        name = rec.dir if isinstance(rec, LayerRecord) else rec
        return os.path.join(self.root, name, "diff")

    def lowerdirs(self, chain_ids: list[str]) -> list[str]:
        """Overlay lowerdir list for an image's chain, top layer first."""
        if not chain_ids:
            return [self.empty_dir]
        q = ",".join("?" * len(chain_ids))
        rows = {r["chain_id"]: r["dir"] for r in self.db.query(
            f"SELECT chain_id, dir FROM layers WHERE chain_id IN ({q})", tuple(chain_ids))}
        out = []
        for c in reversed(chain_ids):
            if c not in rows:
                raise LayerNotFound(c)
            out.append(os.path.join(self.root, rows[c], "diff"))
        return out

    def _staging(self) -> str:
        path = os.path.join(self.root, f".staging-{os.getpid()}-{os.urandom(4).hex()}")
        os.makedirs(os.path.join(path, "diff"))
        return path

    def ingest(self, parent_chain: str, compressed: BinaryIO, *, media_type: str,
               expected_digest: str | None = None, expected_size: int | None = None,
               expected_diff_id: str | None = None) -> LayerRecord:
        """Store and extract one layer blob on top of ``parent_chain`` ('' for the base layer)."""
        from ..diff.apply import apply_layer

        if expected_diff_id:
            chain = _digest.chain_ids([parent_chain, expected_diff_id])[1] if parent_chain else expected_diff_id
            found = self.find(chain)
            if found and os.path.isdir(self.diff_dir(found)):
                if not self.store.content.exists(found.blob_digest):
                    self._store_blob_only(compressed, expected_digest, expected_size)
                return found
        staging = self._staging()
        try:
            with self.store.content.writer(expected_digest, expected_size) as w:
                tee = _Tee(compressed, w)
                result = apply_layer(tee, os.path.join(staging, "diff"))  # type: ignore[arg-type]
                tee.drain()
                blob_digest = w.commit()
            diff_id = result.diff_id
            if expected_diff_id and diff_id != expected_diff_id:
                raise DigestMismatch(expected_diff_id, diff_id, "layer diff_id")
            chain = _digest.chain_ids([parent_chain, diff_id])[1] if parent_chain else diff_id
            found = self.find(chain)
            if found and os.path.isdir(self.diff_dir(found)):
                _rmtree(staging, ignore_errors=True)
                return found
            name = os.urandom(6).hex()
            final = os.path.join(self.root, name)
            os.rename(staging, final)
        except BaseException:
            _rmtree(staging, ignore_errors=True)
            raise
        rec = LayerRecord(chain, parent_chain, diff_id, blob_digest, w.size, media_type, name,
                          int(result.unpacked_size))
        with self.db.tx() as c:
            if found:  # row without a directory (repaired): replace
                c.execute("DELETE FROM layers WHERE chain_id=?", (chain,))
            c.execute("INSERT INTO layers VALUES (?,?,?,?,?,?,?,?)",
                      (rec.chain_id, rec.parent, rec.diff_id, rec.blob_digest, rec.blob_size,
                       rec.media_type, rec.dir, rec.size))
        return rec

    def create_from_tar(self, parent_chain: str, stream: BinaryIO) -> LayerRecord:
        """Store a (possibly compressed) layer tar: compress it to gzip for the blob, extract it."""
        from ..diff.apply import apply_layer
        from ..diff.compression import open_compressed_writer, open_decompressed_reader

        plain = open_decompressed_reader(stream)
        staging = self._staging()
        try:
            with self.store.content.writer() as w:
                gz = open_compressed_writer(w, "gzip")  # type: ignore[arg-type]
                tee = _Tee(plain, gz)
                result = apply_layer(tee, os.path.join(staging, "diff"), compression="none")  # type: ignore[arg-type]
                tee.drain()
                gz.close()
                blob_digest = w.commit()
            diff_id = result.diff_id
            chain = _digest.chain_ids([parent_chain, diff_id])[1] if parent_chain else diff_id
            found = self.find(chain)
            if found and os.path.isdir(self.diff_dir(found)):
                _rmtree(staging, ignore_errors=True)
                return found
            name = os.urandom(6).hex()
            os.rename(staging, os.path.join(self.root, name))
        except BaseException:
            _rmtree(staging, ignore_errors=True)
            raise
        from .. import oci
        rec = LayerRecord(chain, parent_chain, diff_id, blob_digest, w.size, oci.OCI_LAYER_GZIP, name,
                          int(result.unpacked_size))
        with self.db.tx() as c:
            c.execute("DELETE FROM layers WHERE chain_id=?", (chain,))
            c.execute("INSERT INTO layers VALUES (?,?,?,?,?,?,?,?)",
                      (rec.chain_id, rec.parent, rec.diff_id, rec.blob_digest, rec.blob_size,
                       rec.media_type, rec.dir, rec.size))
        return rec

    def _store_blob_only(self, compressed: BinaryIO, expected: str | None, size: int | None) -> None:
        with self.store.content.writer(expected, size) as w:
            while chunk := compressed.read(1 << 20):
                w.write(chunk)
            w.commit()

    def referenced(self, *, build_cache: bool = True) -> set[str]:
        """Chain ids something still needs: images, and (unless ``build_cache`` is False) the build
        cache's results, so that ``image prune`` keeps the cache like docker; ``builder prune``
        drops those rows first."""
        rows = self.db.query("SELECT DISTINCT chain_id FROM image_layers")
        used = {r["chain_id"] for r in rows}
        if build_cache:
            import json
            import sqlite3
            try:
                for r in self.db.query("SELECT chain FROM build_cache"):
                    used.update(json.loads(r["chain"]))
            except sqlite3.OperationalError:  # no build has run in this store yet
                pass
        return used

    def remove_unreferenced(self) -> list[LayerRecord]:
        """Delete layers no image uses (their blobs too, unless another layer shares them)."""
        removed = []
        used = self.referenced()
        for row in self.db.query("SELECT * FROM layers"):
            rec = LayerRecord(**dict(row))
            if rec.chain_id in used:
                continue
            with self.db.tx() as c:
                c.execute("DELETE FROM layers WHERE chain_id=?", (rec.chain_id,))
                shared = c.execute("SELECT 1 FROM layers WHERE blob_digest=?", (rec.blob_digest,)).fetchone()
            self.store.remove_tree(os.path.join(self.root, rec.dir))
            if not shared:
                self.store.content.delete(rec.blob_digest)
            removed.append(rec)
        return removed

    # --- build: a directory that is already a layer in our on-disk (overlay) form ---------------

    def add_from_dir(self, parent_chain: str, upper_dir: str, *, clamp_mtime: int | None = None,
                     strip_overlay_xattrs: bool = False) -> LayerRecord:
        """Make ``upper_dir`` (an overlay upperdir or a staged COPY tree) a layer on ``parent_chain``.

        The directory is already in the extracted form (overlay whiteouts), so it is not
        re-extracted: its gzip blob is written with ``write_layer_from_upper`` (deterministic,
        ``clamp_mtime`` = SOURCE_DATE_EPOCH) and the directory itself is renamed into
        ``layers/<dir>/diff``.  ``upper_dir`` must be on the store's filesystem; it is consumed
        (moved, or deleted when an identical layer already exists).
        """
        from .. import oci
        from ..diff.compare import write_layer_from_upper
        from .lookup import disk_usage

        if strip_overlay_xattrs:
            _strip_overlay_xattrs(upper_dir)
        with self.store.content.writer() as w:
            info = write_layer_from_upper(upper_dir, w, clamp_mtime=clamp_mtime,  # type: ignore[arg-type]
                                          compression="gzip")
            blob_digest = w.commit()
        diff_id = info.diff_id
        chain = _digest.chain_ids([parent_chain, diff_id])[1] if parent_chain else diff_id
        found = self.find(chain)
        if found and os.path.isdir(self.diff_dir(found)):
            self.store.remove_tree(upper_dir)
            return found
        name = os.urandom(6).hex()
        final = os.path.join(self.root, name)
        os.makedirs(final)
        try:
            os.rename(upper_dir, os.path.join(final, "diff"))
        except BaseException:
            _rmtree(final, ignore_errors=True)
            raise
        rec = LayerRecord(chain, parent_chain, diff_id, blob_digest, info.compressed_size,
                          oci.OCI_LAYER_GZIP, name, disk_usage(os.path.join(final, "diff")))
        with self.db.tx() as c:
            c.execute("DELETE FROM layers WHERE chain_id=?", (chain,))
            c.execute("INSERT INTO layers VALUES (?,?,?,?,?,?,?,?)",
                      (rec.chain_id, rec.parent, rec.diff_id, rec.blob_digest, rec.blob_size,
                       rec.media_type, rec.dir, rec.size))
        return rec

    def chain_records(self, chain_ids: list[str]) -> list[LayerRecord] | None:
        """The records of ``chain_ids`` when every one exists with its directory, else None."""
        out = []
        for c in chain_ids:
            rec = self.find(c)
            if rec is None or not os.path.isdir(self.diff_dir(rec)):
                return None
            out.append(rec)
        return out


def _strip_overlay_xattrs(root: str) -> None:
    """Drop overlayfs bookkeeping xattrs (origin, impure, ...) but keep opaque markers."""
    keep = ("trusted.overlay.opaque", "user.overlay.opaque")
    for dirpath, dirnames, filenames in os.walk(root):
        for n in [None, *dirnames, *filenames]:
            p = dirpath if n is None else os.path.join(dirpath, n)
            try:
                names = os.listxattr(p, follow_symlinks=False)
            except OSError:
                continue
            for x in names:
                if x.startswith(("trusted.overlay.", "user.overlay.")) and x not in keep:
                    try:
                        os.removexattr(p, x, follow_symlinks=False)
                    except OSError:
                        pass
