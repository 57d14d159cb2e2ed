from __future__ import annotations

import os
import socket

import pytest
from dyt_helpers import kill_netns

from dockyard.errors import InvalidArgument, PermissionDenied
from dockyard.network import link, nat, store
from dockyard.network.errors import NetworkExists, NetworkInUse, NetworkNotFound, NotConnected
from dockyard.network.model import AttachOptions
from dockyard.network.ports import parse_publish
from dockyard.network.service import NetworkService, cleanup_stale

pytestmark = pytest.mark.privileged


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _assert_nothing_left(service: NetworkService, cid: str, veths: list[str]) -> None:
    for v in veths:
        assert not link.link_exists(v)
    for n in service.list():
        if n.bridge:
            assert [p for p in link.bridge_ports(n.bridge) if p in veths] == []
    assert [r for r in nat.chain_rules("nat", service.config.chain) if cid in r] == []
    assert store.endpoints_of(service.conn, cid) == []
    assert store.ports_of(service.conn, cid) == []


def test_release_leaves_nothing(service: NetworkService, netns) -> None:  # type: ignore[no-untyped-def]
    pid = netns()
    cid = "f" * 64
    service.prepare(cid, AttachOptions(name="web", ports=tuple(parse_publish(f"{_free_port()}:80"))))
    cn = service.attach(cid, pid)
    veths = [e.veth for e in cn.endpoints]
    assert link.link_exists(veths[0])
    assert len([r for r in nat.chain_rules("nat", service.config.chain) if cid in r]) == 1
    service.release(cid)
    _assert_nothing_left(service, cid, veths)
    service.release(cid)  # idempotent


def test_cleanup_stale_after_kill(service: NetworkService, netns) -> None:  # type: ignore[no-untyped-def]
    pid, other = netns(), netns()
    cid, keep = "e" * 64, "d" * 64
    hp = _free_port()
    service.prepare(cid, AttachOptions(name="dead", ports=tuple(parse_publish(f"{hp}:80"))))
    cn = service.attach(cid, pid)
    service.setup(keep, AttachOptions(name="alive"), other)
    kill_netns(pid)  # the container dies and dockyard never hears of it
    done = cleanup_stale(service.root, service.conn, service.config)
    assert any(cid in line for line in done)
    _assert_nothing_left(service, cid, [e.veth for e in cn.endpoints])
    assert len(store.endpoints_of(service.conn, keep)) == 1  # the live one is untouched
    # the port is free again
    service.prepare("c" * 64, AttachOptions(name="again", ports=tuple(parse_publish(f"{hp}:80"))))


def test_cleanup_removes_orphan_rules_and_bridges(service: NetworkService) -> None:
    cfg = service.config
    orphan_bridge = cfg.bridge_prefix + "deadbeef"
    link.ensure_bridge(orphan_bridge, "10.215.99.1", 24)
    nat.ensure(nat.port_rules(cfg.chain, "9" * 64, "10.215.99.2", parse_publish("31999:80")), chain=cfg.chain)
    done = service.cleanup_stale()
    assert not link.link_exists(orphan_bridge)
    assert nat.chain_rules("nat", cfg.chain) == []
    assert len(done) == 2


def test_network_crud(service: NetworkService) -> None:
    n = service.create("dyt-one", subnet="10.215.20.0/24", gateway="10.215.20.254", labels={"k": "v"})
    assert n.bridge.startswith(service.config.bridge_prefix) and len(n.bridge) <= 15
    assert os.path.isdir(f"/sys/class/net/{n.bridge}/bridge")
    with pytest.raises(NetworkExists):
        service.create("dyt-one")
    with pytest.raises(InvalidArgument, match="overlaps"):
        service.create("dyt-two", subnet="10.215.20.128/25")
    auto = service.create("dyt-auto")
    assert auto.subnet.startswith("10.214.")
    info = service.inspect(n.id[:10])
    assert info["Name"] == "dyt-one" and info["Scope"] == "local" and info["Driver"] == "bridge"
    assert info["Labels"] == {"k": "v"} and info["IPAM"]["Config"][0]["Gateway"] == "10.215.20.254"
    assert {x.name for x in service.list()} >= {"bridge", "host", "none", "dyt-one", "dyt-auto"}
    with pytest.raises(PermissionDenied):
        service.remove("bridge")
    with pytest.raises(NetworkNotFound):
        service.get("dyt-nope")
    service.remove("dyt-one")
    assert not link.link_exists(n.bridge)
    assert service.prune() == ["dyt-auto"]
    assert not link.link_exists(auto.bridge)


def test_rm_refused_while_connected(service: NetworkService, netns) -> None:  # type: ignore[no-untyped-def]
    service.create("dyt-busy", subnet="10.215.21.0/24")
    service.setup("b" * 64, AttachOptions(name="user", network="dyt-busy"), netns())
    with pytest.raises(NetworkInUse, match="has active endpoints"):
        service.remove("dyt-busy")
    assert service.prune() == []
    with pytest.raises(NotConnected):
        service.disconnect("bridge", "b" * 64)
    service.release("b" * 64)
    service.forget("b" * 64)
    service.remove("dyt-busy")


def test_connect_stopped_container_applies_at_start(service: NetworkService, netns) -> None:  # type: ignore[no-untyped-def]
    service.create("dyt-later", subnet="10.215.22.0/24")
    cid = "a1" * 32
    service.connect("dyt-later", cid, name="late", aliases=("l8",), ip="10.215.22.9")
    cn = service.setup(cid, AttachOptions(name="late"), netns())
    assert [(e.ifname, e.ip) for e in cn.endpoints][1] == ("eth1", "10.215.22.9")
