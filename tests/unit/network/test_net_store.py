from __future__ import annotations

import sqlite3
from pathlib import Path

from dockyard.network import store
from dockyard.network.model import Endpoint, Network, PortBinding


def _conn(tmp_path: Path) -> sqlite3.Connection:
    conn = sqlite3.connect(tmp_path / "dockyard.db", isolation_level=None)
    conn.execute("PRAGMA journal_mode=WAL")
    store.ensure_schema(conn)
    store.ensure_schema(conn)  # idempotent
    return conn


def test_round_trip(tmp_path: Path) -> None:
    conn = _conn(tmp_path)
    net = Network(id="ab" * 32, name="n1", driver="bridge", bridge="dyt-x", subnet="10.5.0.0/24",
                  gateway="10.5.0.1", internal=True, labels={"a": "b"}, options={}, created="now")
    with store.tx(conn) as c:
        store.insert_network(c, net)
        store.put_sandbox(c, "c1", "web", "bridge", {"name": "web"}, 1.0)
        store.put_link(c, "c1", net.id, ("w",), "")
        store.insert_endpoint(c, Endpoint(id="e1", network_id=net.id, container_id="c1", ip="10.5.0.2",
                                          prefixlen=24, gateway="10.5.0.1", mac="m", ifname="eth0",
                                          veth="v", aliases=("w",)))
        store.insert_port(c, "c1", "10.5.0.2", PortBinding(80, "tcp", "", 8080))
    assert store.find_networks(conn, "n1") == [net]
    assert store.find_networks(conn, "abab") == [net]
    assert store.find_networks(conn, "zz") == []
    ep = store.endpoints_of(conn, "c1")[0]
    assert (ep.ip, ep.prefixlen, ep.gateway, ep.aliases) == ("10.5.0.2", 24, "10.5.0.1", ("w",))
    assert store.taken_ips(conn, net.id) == ["10.5.0.2"]
    assert store.ports_of(conn, "c1")[0].binding == PortBinding(80, "tcp", "", 8080)
    assert store.links_of(conn, "c1")[0].aliases == ("w",)
    sb = store.get_sandbox(conn, "c1")
    assert sb is not None and sb.name == "web"


def test_rollback_on_error(tmp_path: Path) -> None:
    conn = _conn(tmp_path)
    try:
        with store.tx(conn) as c:
            store.put_sandbox(c, "c1", "web", "bridge", {}, 1.0)
            raise RuntimeError("boom")
    except RuntimeError:
        pass
    assert store.get_sandbox(conn, "c1") is None
