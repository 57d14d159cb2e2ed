"""The metadata database: ``dockyard.db`` (SQLite in WAL mode).

Every change is one transaction (``with db.tx() as c:``), so a killed process leaves either the old
or the new state.  Schema changes bump ``SCHEMA_VERSION`` and add statements; nothing else reads the
tables directly but the engine services.
"""

from __future__ import annotations

import os

TYPE_CHECKING = False
if TYPE_CHECKING:
    import sqlite3
    from typing import Any
else:
    # the C module itself: the sqlite3 package's dbapi2 imports datetime and collections for its
    # (deprecated) date adapters, ~2 ms of every command; dockyard stores text, not dates
    import _sqlite3 as sqlite3

SCHEMA_VERSION = 1

_SCHEMA = """
CREATE TABLE IF NOT EXISTS images (
    id TEXT PRIMARY KEY,              -- config digest: the image id
    manifest_digest TEXT NOT NULL,
    manifest_media_type TEXT NOT NULL,
    created TEXT NOT NULL,            -- from the config
    added TEXT NOT NULL,              -- when it entered this store
    size INTEGER NOT NULL,            -- unpacked size of all layers
    parent TEXT NOT NULL DEFAULT ''
);
CREATE TABLE IF NOT EXISTS image_layers (
    image_id TEXT NOT NULL REFERENCES images(id) ON DELETE CASCADE,
    idx INTEGER NOT NULL,
    chain_id TEXT NOT NULL,
    PRIMARY KEY (image_id, idx)
);
CREATE INDEX IF NOT EXISTS image_layers_chain ON image_layers(chain_id);
CREATE TABLE IF NOT EXISTS tags (
    name TEXT PRIMARY KEY,            -- normalised reference: docker.io/library/busybox:latest
    image_id TEXT NOT NULL REFERENCES images(id)
);
CREATE INDEX IF NOT EXISTS tags_image ON tags(image_id);
CREATE TABLE IF NOT EXISTS repo_digests (
    name TEXT NOT NULL,               -- docker.io/library/busybox@sha256:...
    image_id TEXT NOT NULL REFERENCES images(id) ON DELETE CASCADE,
    PRIMARY KEY (name, image_id)
);
CREATE TABLE IF NOT EXISTS layers (
    chain_id TEXT PRIMARY KEY,
    parent TEXT NOT NULL DEFAULT '',
    diff_id TEXT NOT NULL,
    blob_digest TEXT NOT NULL,
    blob_size INTEGER NOT NULL,
    media_type TEXT NOT NULL,
    dir TEXT NOT NULL UNIQUE,         -- directory name under layers/
    size INTEGER NOT NULL             -- unpacked bytes
);
CREATE TABLE IF NOT EXISTS containers (
    id TEXT PRIMARY KEY,
    name TEXT NOT NULL UNIQUE,
    image_id TEXT NOT NULL,
    image_ref TEXT NOT NULL,
    created TEXT NOT NULL,
    runtime TEXT NOT NULL,
    config TEXT NOT NULL,             -- JSON: docker's Config
    host_config TEXT NOT NULL,        -- JSON: docker's HostConfig
    labels TEXT NOT NULL DEFAULT '{}',
    status TEXT NOT NULL,             -- created running paused restarting exited removing dead
    pid INTEGER NOT NULL DEFAULT 0,
    pid_start INTEGER NOT NULL DEFAULT 0,
    monitor_pid INTEGER NOT NULL DEFAULT 0,
    exit_code INTEGER NOT NULL DEFAULT 0,
    oom_killed INTEGER NOT NULL DEFAULT 0,
    error TEXT NOT NULL DEFAULT '',
    started_at TEXT NOT NULL DEFAULT '',
    finished_at TEXT NOT NULL DEFAULT '',
    restart_count INTEGER NOT NULL DEFAULT 0,
    manual_stop INTEGER NOT NULL DEFAULT 0
);
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
"""


class tx:  # noqa: N801 - used like a function: ``with tx(conn) as c:``
    """A write transaction on an autocommit connection (BEGIN IMMEDIATE: writers queue instead of
    failing late); rolled back on any exception.  Every store in dockyard writes through this.
    (A class, not ``contextlib.contextmanager``: contextlib costs ~4 ms to import.)"""

    __slots__ = ("conn",)

    def __init__(self, conn: sqlite3.Connection) -> None:
        self.conn = conn

    def __enter__(self) -> sqlite3.Connection:
        self.conn.execute("BEGIN IMMEDIATE")
        return self.conn

    def __exit__(self, exc_type: object, exc: object, tb: object) -> None:
        self.conn.execute("ROLLBACK" if exc_type is not None else "COMMIT")


def apply_schema(conn: sqlite3.Connection, schema: str) -> None:
    """Run ``schema``'s ``;``-separated ``CREATE ... IF NOT EXISTS`` statements in one transaction."""
    with tx(conn) as c:
        for stmt in schema.split(";"):
            if stmt.strip():
                c.execute(stmt)


class Database:
    def __init__(self, path: str) -> None:
        self.path = path
        self._conn: sqlite3.Connection | None = None
        new = not os.path.exists(path)
        c = self.conn
        if new or c.execute("PRAGMA journal_mode").fetchone()[0] != "wal":
            c.execute("PRAGMA journal_mode=WAL")
        version = c.execute("PRAGMA user_version").fetchone()[0]
        if version < SCHEMA_VERSION:
            with self.tx() as t:
                for stmt in _SCHEMA.split(";"):
                    if stmt.strip():
                        t.execute(stmt)
                t.execute(f"PRAGMA user_version={SCHEMA_VERSION}")

    @property
    def conn(self) -> sqlite3.Connection:
        """The connection, opened on first use (and again after ``close``, e.g. around a fork:
        SQLite connections must never cross a fork)."""
        if self._conn is None:
            self._conn = sqlite3.connect(self.path, timeout=30, isolation_level=None, check_same_thread=False)
            self._conn.row_factory = sqlite3.Row
            self._conn.execute("PRAGMA busy_timeout=30000")
            self._conn.execute("PRAGMA foreign_keys=ON")
            self._conn.execute("PRAGMA synchronous=NORMAL")
        return self._conn

    def tx(self) -> Any:
        """A write transaction on this database's connection (see the module's ``tx``)."""
        return tx(self.conn)

    def query(self, sql: str, args: tuple[object, ...] = ()) -> list[sqlite3.Row]:
        return self.conn.execute(sql, args).fetchall()

    def one(self, sql: str, args: tuple[object, ...] = ()) -> sqlite3.Row | None:
        row: sqlite3.Row | None = self.conn.execute(sql, args).fetchone()
        return row

    def close(self) -> None:
        if self._conn is not None:
            self._conn.close()
            self._conn = None
