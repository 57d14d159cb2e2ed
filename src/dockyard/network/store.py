"""Network state in the engine's SQLite database (``<root>/dockyard.db``, WAL): tables ``net_*``.

* ``net_networks``   one row per network (the builtins bridge/host/none included)
* ``net_sandboxes``  one row per container known to the network service: its options (JSON)
                     and, once attached, the pid/start time or netns it was plumbed into
* ``net_links``      the networks a container should be on (kept across restarts, until forget)
* ``net_endpoints``  the live attachments: IP allocation (UNIQUE per network), MAC, veth
* ``net_ports``      published ports (PRIMARY KEY proto, host_ip, host_port)

Every change is a ``BEGIN IMMEDIATE`` transaction (``tx``).  The connection must be in autocommit
mode (``isolation_level=None``), as the engine's ``metadata.db.Database`` opens it.
"""

from __future__ import annotations

from .._record import Record
from ..jsonfast import dumps, loads
from ..metadata.db import tx as tx  # re-exported: this module's callers use store.tx
from .model import Endpoint, Network, PortBinding

TYPE_CHECKING = False
if TYPE_CHECKING:
    import sqlite3
else:  # the C module: the sqlite3 package's dbapi2 imports datetime and collections (~2-3 ms)
    import _sqlite3 as sqlite3

_SCHEMA = """
CREATE TABLE IF NOT EXISTS net_networks (
    id TEXT PRIMARY KEY,
    name TEXT NOT NULL UNIQUE,
    driver TEXT NOT NULL,
    bridge TEXT NOT NULL DEFAULT '',
    subnet TEXT NOT NULL DEFAULT '',
    gateway TEXT NOT NULL DEFAULT '',
    internal INTEGER NOT NULL DEFAULT 0,
    labels TEXT NOT NULL DEFAULT '{}',
    options TEXT NOT NULL DEFAULT '{}',
    created TEXT NOT NULL,
    builtin INTEGER NOT NULL DEFAULT 0
);
CREATE TABLE IF NOT EXISTS net_sandboxes (
    container_id TEXT PRIMARY KEY,
    name TEXT NOT NULL,
    mode TEXT NOT NULL,
    options TEXT NOT NULL,
    pid INTEGER NOT NULL DEFAULT 0,
    pid_start INTEGER NOT NULL DEFAULT 0,
    netns TEXT NOT NULL DEFAULT '',
    netns_ino INTEGER NOT NULL DEFAULT 0,
    prepared REAL NOT NULL
);
CREATE TABLE IF NOT EXISTS net_links (
    container_id TEXT NOT NULL,
    network_id TEXT NOT NULL REFERENCES net_networks(id),
    aliases TEXT NOT NULL DEFAULT '[]',
    ip TEXT NOT NULL DEFAULT '',
    seq INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (container_id, network_id)
);
CREATE TABLE IF NOT EXISTS net_endpoints (
    id TEXT PRIMARY KEY,
    network_id TEXT NOT NULL REFERENCES net_networks(id),
    container_id TEXT NOT NULL,
    ip TEXT NOT NULL,
    mac TEXT NOT NULL,
    ifname TEXT NOT NULL,
    veth TEXT NOT NULL,
    aliases TEXT NOT NULL DEFAULT '[]',
    UNIQUE (network_id, ip),
    UNIQUE (network_id, container_id)
);
CREATE INDEX IF NOT EXISTS net_endpoints_container ON net_endpoints(container_id);
CREATE TABLE IF NOT EXISTS net_ports (
    proto TEXT NOT NULL,
    host_ip TEXT NOT NULL,
    host_port INTEGER NOT NULL,
    container_id TEXT NOT NULL,
    container_ip TEXT NOT NULL,
    container_port INTEGER NOT NULL,
    PRIMARY KEY (proto, host_ip, host_port)
);
CREATE INDEX IF NOT EXISTS net_ports_container ON net_ports(container_id);
"""


_OBJECTS = ("net_networks", "net_sandboxes", "net_links", "net_endpoints", "net_endpoints_container",
            "net_ports", "net_ports_container")


def ensure_schema(conn: sqlite3.Connection) -> None:
    """Create the ``net_*`` tables if missing (idempotent).  One read of ``sqlite_master`` when
    they are all there (every call but the first on a root); else one write transaction."""
    have = conn.execute(f"SELECT count(*) FROM sqlite_master WHERE name IN ({','.join('?' * len(_OBJECTS))})",
                        _OBJECTS).fetchone()[0]
    if have != len(_OBJECTS):
        from ..metadata.db import apply_schema
        apply_schema(conn, _SCHEMA)


def _rows(conn: sqlite3.Connection, sql: str, args: tuple[object, ...] = ()) -> list[sqlite3.Row]:
    cur = conn.cursor()
    cur.row_factory = sqlite3.Row
    return cur.execute(sql, args).fetchall()


# --- networks ----------------------------------------------------------------------------------

def _network(r: sqlite3.Row) -> Network:
    return Network(id=r["id"], name=r["name"], driver=r["driver"], bridge=r["bridge"], subnet=r["subnet"],
                   gateway=r["gateway"], internal=bool(r["internal"]), labels=loads(r["labels"]),
                   options=loads(r["options"]), created=r["created"], builtin=bool(r["builtin"]))


def insert_network(conn: sqlite3.Connection, n: Network) -> None:
    conn.execute(
        "INSERT INTO net_networks (id, name, driver, bridge, subnet, gateway, internal, labels, options,"
        " created, builtin) VALUES (?,?,?,?,?,?,?,?,?,?,?)",
        (n.id, n.name, n.driver, n.bridge, n.subnet, n.gateway, int(n.internal), dumps(n.labels),
         dumps(n.options), n.created, int(n.builtin)))


def delete_network(conn: sqlite3.Connection, network_id: str) -> None:
    conn.execute("DELETE FROM net_links WHERE network_id=?", (network_id,))
    conn.execute("DELETE FROM net_networks WHERE id=?", (network_id,))


def list_networks(conn: sqlite3.Connection) -> list[Network]:
    return [_network(r) for r in _rows(conn, "SELECT * FROM net_networks ORDER BY created, name")]


def get_network(conn: sqlite3.Connection, network_id: str) -> Network | None:
    rows = _rows(conn, "SELECT * FROM net_networks WHERE id=?", (network_id,))
    return _network(rows[0]) if rows else None


def find_networks(conn: sqlite3.Connection, ref: str) -> list[Network]:
    """Exact name, exact id, then id prefix (docker's lookup order)."""
    for sql, arg in (("name=?", ref), ("id=?", ref)):
        rows = _rows(conn, f"SELECT * FROM net_networks WHERE {sql}", (arg,))
        if rows:
            return [_network(r) for r in rows]
    if not ref:
        return []
    return [_network(r) for r in _rows(conn, "SELECT * FROM net_networks WHERE id LIKE ?", (ref + "%",))]


# --- sandboxes ---------------------------------------------------------------------------------

class Sandbox(Record, frozen=True):
    container_id: str
    name: str
    mode: str
    options: dict[str, object]
    pid: int
    pid_start: int
    netns: str
    netns_ino: int
    prepared: float


def _sandbox(r: sqlite3.Row) -> Sandbox:
    return Sandbox(container_id=r["container_id"], name=r["name"], mode=r["mode"],
                   options=loads(r["options"]), pid=r["pid"], pid_start=r["pid_start"],
                   netns=r["netns"], netns_ino=r["netns_ino"], prepared=r["prepared"])


def put_sandbox(conn: sqlite3.Connection, container_id: str, name: str, mode: str,
                options: dict[str, object], prepared: float) -> None:
    conn.execute(
        "INSERT INTO net_sandboxes (container_id, name, mode, options, prepared) VALUES (?,?,?,?,?)"
        " ON CONFLICT(container_id) DO UPDATE SET name=excluded.name, mode=excluded.mode,"
        " options=excluded.options, prepared=excluded.prepared, pid=0, pid_start=0, netns='', netns_ino=0",
        (container_id, name, mode, dumps(options), prepared))


def set_sandbox_netns(conn: sqlite3.Connection, container_id: str, pid: int, pid_start: int, netns: str,
                      netns_ino: int) -> None:
    conn.execute("UPDATE net_sandboxes SET pid=?, pid_start=?, netns=?, netns_ino=? WHERE container_id=?",
                 (pid, pid_start, netns, netns_ino, container_id))


def get_sandbox(conn: sqlite3.Connection, container_id: str) -> Sandbox | None:
    rows = _rows(conn, "SELECT * FROM net_sandboxes WHERE container_id=?", (container_id,))
    return _sandbox(rows[0]) if rows else None


def list_sandboxes(conn: sqlite3.Connection) -> list[Sandbox]:
    return [_sandbox(r) for r in _rows(conn, "SELECT * FROM net_sandboxes")]


def delete_sandbox(conn: sqlite3.Connection, container_id: str) -> None:
    conn.execute("DELETE FROM net_sandboxes WHERE container_id=?", (container_id,))
    conn.execute("DELETE FROM net_links WHERE container_id=?", (container_id,))


# --- links (desired connections) ---------------------------------------------------------------

class Link(Record, frozen=True):
    container_id: str
    network_id: str
    aliases: tuple[str, ...]
    ip: str
    seq: int


def put_link(conn: sqlite3.Connection, container_id: str, network_id: str, aliases: tuple[str, ...],
             ip: str, *, first: bool = False) -> None:
    """Record (or update) a wish to be on a network; ``first`` makes it the primary one (eth0)."""
    lo, hi = conn.execute("SELECT COALESCE(MIN(seq), 0), COALESCE(MAX(seq), -1) FROM net_links"
                          " WHERE container_id=? AND network_id<>?", (container_id, network_id)).fetchone()
    seq = lo - 1 if first else hi + 1
    conn.execute(
        "INSERT INTO net_links (container_id, network_id, aliases, ip, seq) VALUES (?,?,?,?,?)"
        " ON CONFLICT(container_id, network_id) DO UPDATE SET aliases=excluded.aliases, ip=excluded.ip"
        + (", seq=excluded.seq" if first else ""),
        (container_id, network_id, dumps(list(aliases)), ip, seq))


def links_of(conn: sqlite3.Connection, container_id: str) -> list[Link]:
    rows = _rows(conn, "SELECT * FROM net_links WHERE container_id=? ORDER BY seq", (container_id,))
    return [Link(r["container_id"], r["network_id"], tuple(loads(r["aliases"])), r["ip"], r["seq"])
            for r in rows]


def delete_link(conn: sqlite3.Connection, container_id: str, network_id: str) -> None:
    conn.execute("DELETE FROM net_links WHERE container_id=? AND network_id=?", (container_id, network_id))


def delete_links(conn: sqlite3.Connection, container_id: str) -> None:
    conn.execute("DELETE FROM net_links WHERE container_id=?", (container_id,))


# --- endpoints ---------------------------------------------------------------------------------

def _endpoint(r: sqlite3.Row) -> Endpoint:
    return Endpoint(id=r["id"], network_id=r["network_id"], container_id=r["container_id"], ip=r["ip"],
                    prefixlen=int(r["subnet"].split("/")[1]) if r["subnet"] else 0, gateway=r["gateway"],
                    mac=r["mac"], ifname=r["ifname"], veth=r["veth"], aliases=tuple(loads(r["aliases"])))


_EP_SELECT = ("SELECT e.*, n.subnet AS subnet, n.gateway AS gateway FROM net_endpoints e"
              " JOIN net_networks n ON n.id = e.network_id")


def insert_endpoint(conn: sqlite3.Connection, ep: Endpoint) -> None:
    conn.execute(
        "INSERT INTO net_endpoints (id, network_id, container_id, ip, mac, ifname, veth, aliases)"
        " VALUES (?,?,?,?,?,?,?,?)",
        (ep.id, ep.network_id, ep.container_id, ep.ip, ep.mac, ep.ifname, ep.veth,
         dumps(list(ep.aliases))))


def endpoints_of(conn: sqlite3.Connection, container_id: str) -> list[Endpoint]:
    return [_endpoint(r) for r in _rows(conn, _EP_SELECT + " WHERE e.container_id=? ORDER BY e.ifname",
                                        (container_id,))]


def endpoints_on(conn: sqlite3.Connection, network_id: str) -> list[Endpoint]:
    return [_endpoint(r) for r in _rows(conn, _EP_SELECT + " WHERE e.network_id=?", (network_id,))]


def all_endpoints(conn: sqlite3.Connection) -> list[Endpoint]:
    return [_endpoint(r) for r in _rows(conn, _EP_SELECT)]


def taken_ips(conn: sqlite3.Connection, network_id: str) -> list[str]:
    return [r[0] for r in conn.execute("SELECT ip FROM net_endpoints WHERE network_id=?", (network_id,))]


def delete_endpoint(conn: sqlite3.Connection, endpoint_id: str) -> None:
    conn.execute("DELETE FROM net_endpoints WHERE id=?", (endpoint_id,))


# --- ports -------------------------------------------------------------------------------------

class PortRow(Record, frozen=True):
    container_id: str
    container_ip: str
    binding: PortBinding


def ports_all(conn: sqlite3.Connection) -> list[PortRow]:
    return [PortRow(r["container_id"], r["container_ip"],
                    PortBinding(r["container_port"], r["proto"], r["host_ip"], r["host_port"]))
            for r in _rows(conn, "SELECT * FROM net_ports ORDER BY host_port")]


def ports_of(conn: sqlite3.Connection, container_id: str) -> list[PortRow]:
    return [PortRow(r["container_id"], r["container_ip"],
                    PortBinding(r["container_port"], r["proto"], r["host_ip"], r["host_port"]))
            for r in _rows(conn, "SELECT * FROM net_ports WHERE container_id=? ORDER BY host_port",
                           (container_id,))]


def insert_port(conn: sqlite3.Connection, container_id: str, container_ip: str, b: PortBinding) -> None:
    conn.execute(
        "INSERT INTO net_ports (proto, host_ip, host_port, container_id, container_ip, container_port)"
        " VALUES (?,?,?,?,?,?)",
        (b.proto, b.host_ip, b.host_port, container_id, container_ip, b.container_port))


def delete_ports(conn: sqlite3.Connection, container_id: str) -> None:
    conn.execute("DELETE FROM net_ports WHERE container_id=?", (container_id,))
