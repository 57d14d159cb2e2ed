from __future__ import annotations

import os
import subprocess
from pathlib import Path

import pytest
from dyt_helpers import in_netns

from dockyard.network import link
from dockyard.network.model import AttachOptions
from dockyard.network.service import NetworkService

pytestmark = pytest.mark.privileged


def test_default_bridge_endpoint(service: NetworkService, netns) -> None:  # type: ignore[no-untyped-def]
    pid = netns()
    cid = "a" * 64
    service.prepare(cid, AttachOptions(name="one", hostname="h1"))
    cn = service.attach(cid, pid)
    bridge = service.config.default_bridge
    assert cn.ip.startswith(service.config.default_subnet.rsplit(".", 2)[0])
    assert cn.gateway == service.get("bridge").gateway
    assert cn.mac.startswith("02:42:")
    out = in_netns(pid, "ip", "-o", "-4", "addr", "show", "dev", "eth0").stdout
    assert f"{cn.ip}/24" in out
    assert cn.mac in in_netns(pid, "ip", "link", "show", "eth0").stdout
    assert f"default via {cn.gateway} dev eth0" in in_netns(pid, "ip", "route").stdout
    assert in_netns(pid, "/bin/busybox", "ping", "-c1", "-W2", cn.gateway).returncode == 0
    assert link.bridge_ports(bridge) == [cn.endpoints[0].veth]
    assert f"{cn.ip}\th1\n" in Path(cn.hosts_path).read_text()
    assert Path(cn.resolv_conf_path).read_text() == "nameserver 10.213.255.53\nsearch test.invalid\n"


def test_none_and_host_modes(service: NetworkService, netns) -> None:  # type: ignore[no-untyped-def]
    pid = netns()
    cn = service.prepare("b" * 64, AttachOptions(name="nonet", network="none"))
    service.attach("b" * 64, pid)
    assert cn.endpoints == () and cn.mode == "none"
    assert "eth0" not in in_netns(pid, "ip", "-o", "link").stdout
    opts = AttachOptions(name="hostnet", network="host", extra_hosts=("x:1.2.3.4",))
    host = service.prepare("c" * 64, opts)
    assert host.host and host.hosts.endswith("1.2.3.4\tx\n")
    assert "nameserver 127.0.0.53" in host.resolv_conf


def test_container_mode_returns_netns(service: NetworkService, netns) -> None:  # type: ignore[no-untyped-def]
    pid = netns()
    service.setup("d" * 64, AttachOptions(name="base"), pid)
    joined = service.prepare("e" * 64, AttachOptions(name="side", network="container:" + "d" * 64))
    assert joined.netns == f"/proc/{pid}/ns/net"
    assert joined.mode == "container" and Path(joined.hosts_path).read_text() == joined.hosts


def _hosts_lookup(pid: int, hosts_path: str, name: str) -> subprocess.CompletedProcess[str]:
    """Ping ``name`` from inside the netns with ``hosts_path`` bind-mounted on /etc/hosts in a
    private mount namespace (what the runtime's bind mount gives a container)."""
    script = f"mount --bind {hosts_path} /etc/hosts && /bin/busybox ping -c1 -W2 {name}"
    return in_netns(pid, "unshare", "--mount", "--propagation", "private", "/bin/sh", "-c", script)


def test_user_network_peers_reach_and_resolve(service: NetworkService, netns) -> None:  # type: ignore[no-untyped-def]
    net = service.create("dyt-app", subnet="10.215.7.0/24")
    p1, p2 = netns(), netns()
    a = service.setup("1" * 64, AttachOptions(name="web", network="dyt-app", aliases=("www",)), p1)
    b = service.setup("2" * 64, AttachOptions(name="db", network="dyt-app", ip="10.215.7.50"), p2)
    assert a.ip == "10.215.7.2" and b.ip == "10.215.7.50"
    assert in_netns(p1, "/bin/busybox", "ping", "-c1", "-W2", b.ip).returncode == 0
    inode = os.stat(a.hosts_path).st_ino
    hosts_a = Path(a.hosts_path).read_text()
    assert f"10.215.7.50\tdb {'2' * 12}\n" in hosts_a
    assert f"10.215.7.2\t{'2' * 12} db" not in hosts_a
    assert "www" in Path(b.hosts_path).read_text()
    r = _hosts_lookup(p1, a.hosts_path, "db")
    assert r.returncode == 0, r.stderr + r.stdout
    assert "10.215.7.50" in r.stdout
    r = _hosts_lookup(p2, b.hosts_path, "www")
    assert r.returncode == 0, r.stderr + r.stdout
    # a third container joins: the first container's file (same inode) learns about it
    p3 = netns()
    c = service.setup("3" * 64, AttachOptions(name="cache", network=net.id), p3)
    assert os.stat(a.hosts_path).st_ino == inode
    assert f"{c.ip}\tcache" in Path(a.hosts_path).read_text()
    service.release("3" * 64)
    assert "cache" not in Path(a.hosts_path).read_text()
    info = service.inspect("dyt-app")
    assert set(info["Containers"]) == {"1" * 64, "2" * 64}
    assert info["Containers"]["2" * 64]["IPv4Address"] == "10.215.7.50/24"
    assert info["IPAM"]["Config"] == [{"Subnet": "10.215.7.0/24", "Gateway": "10.215.7.1"}]


def test_connect_disconnect_running(service: NetworkService, netns) -> None:  # type: ignore[no-untyped-def]
    service.create("dyt-extra", subnet="10.215.8.0/24", internal=True)
    pid = netns()
    service.setup("4" * 64, AttachOptions(name="multi"), pid)
    service.connect("dyt-extra", "4" * 64, aliases=("m2",))
    out = in_netns(pid, "ip", "-o", "-4", "addr").stdout
    assert "eth1" in out and "10.215.8.2/24" in out
    cn = service.container_network("4" * 64)
    assert [e.ifname for e in cn.endpoints] == ["eth0", "eth1"]
    assert in_netns(pid, "ip", "route").stdout.count("default") == 1
    service.disconnect("dyt-extra", "4" * 64)
    assert "eth1" not in in_netns(pid, "ip", "-o", "link").stdout
    assert service.inspect("dyt-extra")["Containers"] == {}


def test_internal_network_by_netns_path(service: NetworkService, netns, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    service.create("dyt-int", subnet="10.215.9.0/24", internal=True)
    pid = netns()
    pinned = tmp_path / "netns"
    pinned.touch()
    subprocess.run(["mount", "--bind", f"/proc/{pid}/ns/net", str(pinned)], check=True)
    try:
        opts = AttachOptions(name="iso", network="dyt-int", dns=("10.215.9.53",))
        cn = service.setup("7" * 64, opts, str(pinned))
        assert cn.ip == "10.215.9.2" and cn.netns == str(pinned)
        assert "default" not in in_netns(pid, "ip", "route").stdout
        assert in_netns(pid, "/bin/busybox", "ping", "-c1", "-W2", "10.215.9.1").returncode == 0
        assert Path(cn.resolv_conf_path).read_text().startswith("nameserver 10.215.9.53\n")
        service.release("7" * 64)
        assert service.inspect("dyt-int")["Containers"] == {}
    finally:
        subprocess.run(["umount", str(pinned)], check=False)
