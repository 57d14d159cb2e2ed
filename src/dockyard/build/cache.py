"""The build cache: step key -> the image state after the step (config + layer chain).

Stored in the store's SQLite database (table ``build_cache``, created by :func:`ensure_schema`), so
it survives restarts and is shared by every build on the store.  A row is only a pointer: a hit is
used only when every layer of its chain still exists (``image prune``/``rmi`` may remove layers no
image uses); otherwise it is a miss.  ``builder prune`` deletes the rows, the layers only the
cache used, the cache mounts and the kept filesystems of failed steps.
"""

from __future__ import annotations

import json
import os
import sqlite3
import time
from dataclasses import dataclass
from typing import Any

from ..metadata.db import Database
from ..snapshot.layers import LayerRecord, LayerStore
from ..store import Store

_SCHEMA = """
CREATE TABLE IF NOT EXISTS build_cache (
    key TEXT PRIMARY KEY,             -- sha256 of parent key + instruction + inputs
    parent TEXT NOT NULL,
    description TEXT NOT NULL,        -- the step, for --progress and prune output
    inputs TEXT NOT NULL,             -- JSON: {name: digest} of what the step read
    config TEXT NOT NULL,             -- JSON: the image config after the step
    chain TEXT NOT NULL,              -- JSON: chain ids of the layers after the step
    created REAL NOT NULL,
    last_used REAL NOT NULL
);
CREATE INDEX IF NOT EXISTS build_cache_parent ON build_cache(parent);
CREATE TABLE IF NOT EXISTS build_file_digests (
    path TEXT PRIMARY KEY,            -- absolute path of a context file
    ino INTEGER NOT NULL,
    size INTEGER NOT NULL,
    mtime_ns INTEGER NOT NULL,
    ctime_ns INTEGER NOT NULL,        -- changes with content, mode and owner changes
    digest TEXT NOT NULL
);
"""


def ensure_schema(conn: sqlite3.Connection) -> None:
    from ..metadata.db import apply_schema
    apply_schema(conn, _SCHEMA)


def build_dir(store: Store, *parts: str) -> str:
    """``<root>/buildcache/...``: cache mounts, RUN bundles, kept failed steps."""
    return os.path.join(store.root, "buildcache", *parts)


@dataclass(frozen=True)
class CacheEntry:
    key: str
    config: dict[str, Any]
    layers: list[LayerRecord]


class BuildCache:
    def __init__(self, store: Store) -> None:
        self.store = store
        self.db: Database = store.db
        ensure_schema(self.db.conn)
        self.layers = LayerStore(store)

    def get(self, key: str) -> CacheEntry | None:
        row = self.db.one("SELECT config, chain FROM build_cache WHERE key=?", (key,))
        if row is None:
            return None
        recs = self.layers.chain_records(json.loads(row["chain"]))
        if recs is None:
            return None
        with self.db.tx() as c:
            c.execute("UPDATE build_cache SET last_used=? WHERE key=?", (time.time(), key))
        return CacheEntry(key, json.loads(row["config"]), recs)

    def put(self, key: str, parent: str, description: str, inputs: dict[str, str],
            config: dict[str, Any], layers: list[LayerRecord]) -> None:
        now = time.time()
        with self.db.tx() as c:
            c.execute("INSERT OR REPLACE INTO build_cache VALUES (?,?,?,?,?,?,?,?)",
                      (key, parent, description, json.dumps(inputs, sort_keys=True),
                       json.dumps(config, sort_keys=True), json.dumps([r.chain_id for r in layers]),
                       now, now))

    def previous_inputs(self, parent: str, description: str) -> dict[str, str] | None:
        """The inputs of the latest cached step with the same parent and instruction (for
        explaining a miss), else None."""
        row = self.db.one("SELECT inputs FROM build_cache WHERE parent=? AND description=? "
                          "ORDER BY last_used DESC LIMIT 1", (parent, description))
        return None if row is None else dict(json.loads(row["inputs"]))

    def previous_result(self, parent: str, description: str) -> tuple[dict[str, str], list[str]] | None:
        """(inputs, chain ids) of the latest cached step with this parent and instruction."""
        row = self.db.one("SELECT inputs, chain FROM build_cache WHERE parent=? AND description=? "
                          "ORDER BY last_used DESC LIMIT 1", (parent, description))
        return None if row is None else (dict(json.loads(row["inputs"])), list(json.loads(row["chain"])))

    def has_parent(self, parent: str) -> bool:
        return self.db.one("SELECT 1 FROM build_cache WHERE parent=? LIMIT 1", (parent,)) is not None

    # --- context file digests, keyed by stat (git's index trick) ------------------------------

    def file_digests(self, root: str) -> dict[str, tuple[int, int, int, int, str]]:
        """Known digests of files under ``root``: rel path -> (ino, size, mtime_ns, ctime_ns, digest)."""
        prefix = root.rstrip("/") + "/"
        rows = self.db.query("SELECT * FROM build_file_digests WHERE path >= ? AND path < ?",
                             (prefix, prefix[:-1] + "0"))
        return {r["path"][len(prefix):]: (r["ino"], r["size"], r["mtime_ns"], r["ctime_ns"], r["digest"])
                for r in rows}

    def save_file_digests(self, root: str, fresh: dict[str, tuple[int, int, int, int, str]]) -> None:
        """Remember digests of files that have not changed for 2 s (timestamps are coarse: a file
        written twice within one tick must not be trusted by its stat)."""
        limit = time.time_ns() - 2_000_000_000
        prefix = root.rstrip("/") + "/"
        rows = [(prefix + rel, *v) for rel, v in fresh.items() if v[2] < limit and v[3] < limit]
        if not rows:
            return
        with self.db.tx() as c:
            c.executemany("INSERT OR REPLACE INTO build_file_digests VALUES (?,?,?,?,?,?)", rows)

    def cached_chains(self) -> set[str]:
        out: set[str] = set()
        for r in self.db.query("SELECT chain FROM build_cache"):
            out.update(json.loads(r["chain"]))
        return out

    def size(self) -> tuple[int, int]:
        """(entries, bytes): bytes of layers only the cache uses, cache mounts, kept failures."""
        used = self.layers.referenced(build_cache=False)
        total = 0
        for chain in self.cached_chains() - used:
            rec = self.layers.find(chain)
            if rec is not None:
                total += rec.size
        from ..snapshot.lookup import disk_usage
        for sub in ("mounts", "failed"):
            d = build_dir(self.store, sub)
            if os.path.isdir(d):
                total += disk_usage(d)
        row = self.db.one("SELECT COUNT(*) AS n FROM build_cache")
        return (int(row["n"]) if row else 0), total

    def prune(self) -> tuple[int, int]:
        """Delete every entry and what only the cache kept; returns (entries, bytes reclaimed)."""
        entries, size = self.size()
        with self.db.tx() as c:
            c.execute("DELETE FROM build_cache")
            c.execute("DELETE FROM build_file_digests")
        self.layers.remove_unreferenced()
        for sub in ("mounts", "failed", "run"):
            d = build_dir(self.store, sub)
            if os.path.isdir(d):
                for name in os.listdir(d):
                    if sub == "run" and _alive(name):
                        continue
                    path = os.path.join(d, name)
                    self.store.remove_tree(path) if os.path.isdir(path) else os.unlink(path)
        return entries, size


def _alive(name: str) -> bool:
    pid = name.split("-")[0]
    from ..container.model import running
    return pid.isdigit() and running(int(pid))


__all__ = ["BuildCache", "CacheEntry", "build_dir", "ensure_schema"]
