"""container/netsetup: validate -> prepare -> attach (in a namespace we created) -> release/forget."""

from __future__ import annotations

import socket
import subprocess
from collections.abc import Callable
from pathlib import Path

import pytest
from netglue_helpers import (
    free_port,
    http_get,
    in_netns,
    kill_pid_and_wait,
    our_indexed_links,
    our_links,
    wait_listen,
)

from dockyard.container import netsetup
from dockyard.errors import InvalidArgument, NotFound
from dockyard.network import nat
from dockyard.network.errors import PortAllocated

pytestmark = pytest.mark.privileged

CID = "a" * 64
CID2 = "b" * 64


def test_validate_shapes_and_errors() -> None:
    hc = {"PortBindingsRaw": ["127.0.0.1:8080:3000", "9000-9001:90-91/udp", "53"]}
    assert netsetup.validate(hc, {}) == {
        "3000/tcp": [{"HostIp": "127.0.0.1", "HostPort": "8080"}],
        "90/udp": [{"HostIp": "", "HostPort": "9000"}],
        "91/udp": [{"HostIp": "", "HostPort": "9001"}],
        "53/tcp": [{"HostIp": "", "HostPort": ""}],
    }
    for bad, message in (("abc", "invalid containerPort: abc"), ("1:2:3:4", "invalid IP address: 1:2"),
                         ("80/sctp", "invalid proto: sctp"), ("70000", "invalid containerPort: 70000"),
                         ("x:80", "invalid hostPort: x"), ("1.2.3:80:80", "invalid IP address: 1.2.3"),
                         ("1-3:80-81", "invalid ranges specified for container and host Ports: 80-81 and 1-3")):
        with pytest.raises(InvalidArgument) as exc:
            netsetup.validate({"PortBindingsRaw": [bad]}, {})
        assert str(exc.value) == message
    with pytest.raises(InvalidArgument):
        netsetup.validate({"PublishAllPorts": True}, {"x/tcp": {}})
    with pytest.raises(InvalidArgument):
        netsetup.validate({"PortBindingsRaw": ["80"], "NetworkMode": "none"}, {})


def _hc(*publish: str, **kw: object) -> dict[str, object]:
    hc: dict[str, object] = {"NetworkMode": "default", "PortBindingsRaw": list(publish)}
    hc.update(kw)
    hc["PortBindings"] = netsetup.validate(hc, {})
    return hc


def test_prepare_attach_serve_release(netroot: tuple[Path, dict[str, object]],
                                      netns: Callable[[], int], tmp_path: Path,
                                      processes: list[subprocess.Popen[bytes]]) -> None:
    root, cfg = netroot
    www = tmp_path / "www"
    www.mkdir()
    (www / "index.html").write_text("hello from netsetup\n")
    hp = free_port()
    config = {"Hostname": "web1host", "ExposedPorts": {"3000/tcp": {}}}
    hc = _hc(f"127.0.0.1:{hp}:3000", ExtraHosts=["db.example:10.1.2.3"], Dns=["10.9.9.9"])
    plan = netsetup.prepare(str(root), CID, "web1", config, hc)
    assert plan == netsetup.NetPlan(None, True)
    cdir = root / "containers" / CID
    assert "10.1.2.3\tdb.example" in (cdir / "hosts").read_text()
    assert (cdir / "resolv.conf").read_text().startswith("nameserver 10.9.9.9\n")

    pid = netns()
    netsetup.attach(str(root), CID, pid)
    s = netsetup.settings(str(root), CID)
    ip = s["IPAddress"]
    assert ip.startswith("10.215.") and s["Networks"]["bridge"]["IPAddress"] == ip
    assert s["Ports"] == {"3000/tcp": [{"HostIp": "127.0.0.1", "HostPort": str(hp)}]}
    assert s["SandboxKey"] == f"/proc/{pid}/ns/net"
    assert f"{ip}\tweb1host" in (cdir / "hosts").read_text()
    assert f"inet {ip}/24" in in_netns(pid, "ip", "-4", "addr", "show", "eth0").stdout
    assert netsetup.ports_column(str(root), CID) == f"127.0.0.1:{hp}->3000/tcp"
    assert netsetup.port_lines(str(root), CID) == [f"3000/tcp -> 127.0.0.1:{hp}"]
    assert netsetup.port_lines(str(root), CID, "3000") == [f"127.0.0.1:{hp}"]
    with pytest.raises(NotFound):
        netsetup.port_lines(str(root), CID, "80/udp")

    processes.append(subprocess.Popen(
        ["nsenter", f"--net=/proc/{pid}/ns/net", "/bin/busybox", "httpd", "-f", "-p", "3000", "-h", str(www)],
        start_new_session=True))
    wait_listen(pid, 3000)
    assert b"hello from netsetup" in http_get("127.0.0.1", hp)

    # the port is taken: a second container cannot have it, and nothing of it is left behind
    with pytest.raises(PortAllocated, match="port is already allocated"):
        netsetup.prepare(str(root), CID2, "web2", {}, _hc(f"127.0.0.1:{hp}:3000"))

    netsetup.release(str(root), CID)
    netsetup.release(str(root), CID)            # idempotent
    assert not [n for n in our_indexed_links(cfg) if n.startswith(str(cfg["veth_prefix"]))]
    assert nat.chain_rules("nat", str(cfg["chain"])) == []
    assert netsetup.settings(str(root), CID)["IPAddress"] == ""
    with pytest.raises(OSError):
        http_get("127.0.0.1", hp, timeout=1)
    # released: the port can be allocated again
    netsetup.prepare(str(root), CID2, "web2", {}, _hc(f"127.0.0.1:{hp}:3000"))
    netsetup.forget(str(root), CID2)
    netsetup.forget(str(root), CID)
    assert not [n for n in our_links(cfg) if n.startswith(str(cfg["veth_prefix"]))]   # sysfs too
    assert netsetup.settings(str(root), CID)["Networks"] == {}


def test_release_without_prepare_and_busy_host_port(netroot: tuple[Path, dict[str, object]]) -> None:
    root, _ = netroot
    netsetup.release(str(root), CID)
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        s.listen(1)
        hp = s.getsockname()[1]
        with pytest.raises(PortAllocated, match=f"127.0.0.1:{hp} failed: port is already allocated"):
            netsetup.prepare(str(root), CID, "busy", {}, _hc(f"127.0.0.1:{hp}:80"))
    assert netsetup.ports_column(str(root), CID) == ""


def test_none_and_host_modes(netroot: tuple[Path, dict[str, object]], netns: Callable[[], int]) -> None:
    root, _ = netroot
    plan = netsetup.prepare(str(root), CID, "lonely", {}, {"NetworkMode": "none"})
    assert plan == netsetup.NetPlan(None, True)
    pid = netns()
    netsetup.attach(str(root), CID, pid)
    assert "eth0" not in in_netns(pid, "ip", "link").stdout
    assert netsetup.settings(str(root), CID)["Networks"]["none"]["IPAddress"] == ""
    netsetup.release(str(root), CID)
    plan = netsetup.prepare(str(root), CID2, "onhost", {}, {"NetworkMode": "host", "ExtraHosts": ["x:1.2.3.4"]})
    assert plan == netsetup.NetPlan("host", False)
    assert "1.2.3.4\tx" in (root / "containers" / CID2 / "hosts").read_text()
    netsetup.forget(str(root), CID)
    netsetup.forget(str(root), CID2)


def test_user_network_names_resolve(netroot: tuple[Path, dict[str, object]], netns: Callable[[], int]) -> None:
    root, _ = netroot
    with netsetup.service(str(root)) as svc:
        svc.create("dygnet")
    hc = {"NetworkMode": "dygnet", "NetworkAliases": ["db"]}
    netsetup.prepare(str(root), CID, "one", {}, hc)
    netsetup.attach(str(root), CID, netns())
    netsetup.prepare(str(root), CID2, "two", {}, {"NetworkMode": "dygnet"})
    pid2 = netns()
    netsetup.attach(str(root), CID2, pid2)
    ip1 = netsetup.settings(str(root), CID)["Networks"]["dygnet"]["IPAddress"]
    hosts2 = (root / "containers" / CID2 / "hosts").read_text()
    assert f"{ip1}\tone db" in hosts2
    assert in_netns(pid2, "/bin/busybox", "ping", "-c1", "-W2", ip1).returncode == 0
    for cid in (CID, CID2):
        netsetup.forget(str(root), cid)


def test_cleanup_after_a_crash(netroot: tuple[Path, dict[str, object]], netns: Callable[[], int]) -> None:
    """The process died and nobody called release (dockyard was killed): repair frees it all."""
    root, cfg = netroot
    hp = free_port()
    netsetup.prepare(str(root), CID, "ghost", {}, _hc(f"127.0.0.1:{hp}:80"))
    pid = netns()
    netsetup.attach(str(root), CID, pid)
    assert nat.chain_rules("nat", str(cfg["chain"]))
    kill_pid_and_wait(pid)
    lines = netsetup.cleanup(str(root))
    assert f"released network of container {CID}" in lines
    assert nat.chain_rules("nat", str(cfg["chain"])) == []
    assert not [n for n in our_links(cfg) if n.startswith(str(cfg["veth_prefix"]))]
    netsetup.prepare(str(root), CID2, "again", {}, _hc(f"127.0.0.1:{hp}:80"))   # the port is free again
    netsetup.forget(str(root), CID2)
    netsetup.forget(str(root), CID)


def test_restart_cycle(netroot: tuple[Path, dict[str, object]], netns: Callable[[], int]) -> None:
    """What a restart policy does: release after the exit, prepare and attach into the new init."""
    root, cfg = netroot
    hp = free_port()
    hc = _hc(f"127.0.0.1:{hp}:80")
    for _ in range(2):
        netsetup.prepare(str(root), CID, "again", {}, hc)
        pid = netns()
        netsetup.attach(str(root), CID, pid)
        assert "eth0" in in_netns(pid, "ip", "link").stdout
        assert netsetup.port_lines(str(root), CID) == [f"80/tcp -> 127.0.0.1:{hp}"]
        assert len(nat.chain_rules("nat", str(cfg["chain"]))) == 1
        kill_pid_and_wait(pid)
        netsetup.release(str(root), CID)
        assert not [n for n in our_indexed_links(cfg) if n.startswith(str(cfg["veth_prefix"]))]
    netsetup.prepare(str(root), CID, "again", {}, hc)     # prepare twice without a release in between
    netsetup.prepare(str(root), CID, "again", {}, hc)
    netsetup.forget(str(root), CID)
    assert nat.chain_rules("nat", str(cfg["chain"])) == []
    assert not [n for n in our_links(cfg) if n.startswith(str(cfg["veth_prefix"]))]
