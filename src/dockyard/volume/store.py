"""Volume state in the engine's SQLite database (``<root>/dockyard.db``): tables ``vol_*``.

* ``vol_volumes``  one row per volume: name, driver (always ``local``), labels and options
                   (JSON), created (RFC 3339), anonymous (1 for image VOLUMEs and ``-v /path``),
                   copied (1 once image data was copied in, or the volume was first used)
* ``vol_refs``     which container mounts which volume at which destination (recorded when its
                   spec is written; anonymous volume names stay stable across restarts this way)

The connection must be in autocommit mode (``isolation_level=None``); changes use ``tx``.
"""

from __future__ import annotations

import json
import sqlite3

from .._record import Record
from ..metadata.db import apply_schema
from ..metadata.db import tx as tx  # re-exported: this module's callers use store.tx

_SCHEMA = """
CREATE TABLE IF NOT EXISTS vol_volumes (
    name TEXT PRIMARY KEY,
    driver TEXT NOT NULL DEFAULT 'local',
    labels TEXT NOT NULL DEFAULT '{}',
    options TEXT NOT NULL DEFAULT '{}',
    created TEXT NOT NULL,
    anonymous INTEGER NOT NULL DEFAULT 0,
    copied INTEGER NOT NULL DEFAULT 0
);
CREATE TABLE IF NOT EXISTS vol_refs (
    container_id TEXT NOT NULL,
    destination TEXT NOT NULL,
    volume TEXT NOT NULL,
    PRIMARY KEY (container_id, destination)
);
CREATE INDEX IF NOT EXISTS vol_refs_volume ON vol_refs(volume);
"""


class Volume(Record, frozen=True):
    name: str
    driver: str
    labels: dict[str, str]
    options: dict[str, str]
    created: str
    anonymous: bool
    copied: bool


class Ref(Record, frozen=True):
    container_id: str
    destination: str
    volume: str


def ensure_schema(conn: sqlite3.Connection) -> None:
    """Create the ``vol_*`` tables if missing (idempotent, one transaction)."""
    apply_schema(conn, _SCHEMA)


def _volume(r: tuple[str, str, str, str, str, int, int]) -> Volume:
    return Volume(name=r[0], driver=r[1], labels=json.loads(r[2]), options=json.loads(r[3]), created=r[4],
                  anonymous=bool(r[5]), copied=bool(r[6]))


_COLS = "name, driver, labels, options, created, anonymous, copied"


def insert(conn: sqlite3.Connection, v: Volume) -> None:
    conn.execute(f"INSERT INTO vol_volumes ({_COLS}) VALUES (?,?,?,?,?,?,?)",
                 (v.name, v.driver, json.dumps(v.labels), json.dumps(v.options), v.created, int(v.anonymous),
                  int(v.copied)))


def get(conn: sqlite3.Connection, name: str) -> Volume | None:
    row = conn.execute(f"SELECT {_COLS} FROM vol_volumes WHERE name=?", (name,)).fetchone()
    return _volume(tuple(row)) if row is not None else None  # type: ignore[arg-type]


def all_volumes(conn: sqlite3.Connection) -> list[Volume]:
    return [_volume(tuple(r)) for r in  # type: ignore[arg-type]
            conn.execute(f"SELECT {_COLS} FROM vol_volumes ORDER BY name")]


def delete(conn: sqlite3.Connection, name: str) -> None:
    conn.execute("DELETE FROM vol_volumes WHERE name=?", (name,))
    conn.execute("DELETE FROM vol_refs WHERE volume=?", (name,))


def set_copied(conn: sqlite3.Connection, name: str) -> None:
    conn.execute("UPDATE vol_volumes SET copied=1 WHERE name=?", (name,))


def put_ref(conn: sqlite3.Connection, container_id: str, destination: str, volume: str) -> None:
    conn.execute("INSERT INTO vol_refs (container_id, destination, volume) VALUES (?,?,?)"
                 " ON CONFLICT(container_id, destination) DO UPDATE SET volume=excluded.volume",
                 (container_id, destination, volume))


def refs_of(conn: sqlite3.Connection, container_id: str) -> list[Ref]:
    return [Ref(*r) for r in conn.execute(
        "SELECT container_id, destination, volume FROM vol_refs WHERE container_id=? ORDER BY destination",
        (container_id,))]


def all_refs(conn: sqlite3.Connection) -> list[Ref]:
    return [Ref(*r) for r in conn.execute("SELECT container_id, destination, volume FROM vol_refs")]


def delete_refs(conn: sqlite3.Connection, container_id: str) -> None:
    conn.execute("DELETE FROM vol_refs WHERE container_id=?", (container_id,))


def container_mounts(conn: sqlite3.Connection) -> dict[str, list[dict[str, object]]] | None:
    """``host_config["Mounts"]`` of every container in the engine's ``containers`` table (None
    when that table does not exist, e.g. a volume-only database)."""
    try:
        rows = conn.execute("SELECT id, host_config FROM containers").fetchall()
    except sqlite3.OperationalError:
        return None
    out: dict[str, list[dict[str, object]]] = {}
    for cid, hc_text in rows:
        try:
            hc = json.loads(hc_text) or {}
        except ValueError:
            continue
        out[cid] = list(hc.get("Mounts") or [])
    return out
