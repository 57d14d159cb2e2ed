from __future__ import annotations

import socket
from collections.abc import Iterator
from pathlib import Path

import pytest
from dyt_helpers import spawn_in_netns, wait_port

from dockyard.network import nat
from dockyard.network.errors import PortAllocated
from dockyard.network.model import AttachOptions
from dockyard.network.ports import parse_publish
from dockyard.network.service import NetworkService

pytestmark = pytest.mark.privileged


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def http_get(host: str, port: int, path: str = "/index.html") -> bytes:
    with socket.create_connection((host, port), timeout=5) as s:
        s.sendall(f"GET {path} HTTP/1.0\r\nHost: x\r\n\r\n".encode())
        chunks = []
        while True:
            data = s.recv(65536)
            if not data:
                break
            chunks.append(data)
    return b"".join(chunks)


@pytest.fixture
def webroot(tmp_path: Path) -> Path:
    d = tmp_path / "www"
    d.mkdir()
    (d / "index.html").write_text("hello from the container\n")
    return d


@pytest.fixture
def processes() -> Iterator[list]:  # type: ignore[type-arg]
    procs: list = []  # type: ignore[type-arg]
    yield procs
    for p in procs:
        p.kill()
        p.wait()


def test_published_port_reachable_from_host(service: NetworkService, netns, webroot: Path,  # type: ignore[no-untyped-def]
                                            processes) -> None:
    pid = netns()
    hp = free_port()
    cid = "5" * 64
    service.prepare(cid, AttachOptions(name="web", ports=tuple(parse_publish(f"{hp}:3000"))))
    cn = service.attach(cid, pid)
    processes.append(spawn_in_netns(pid, "/bin/busybox", "httpd", "-f", "-p", "3000", "-h", str(webroot)))
    wait_port(pid, 3000)
    assert b"hello from the container" in http_get("127.0.0.1", hp)
    # the host's own address on a network the test created (the bridge's gateway)
    assert b"hello from the container" in http_get(cn.gateway, hp)
    assert cn.ports[0].host_port == hp
    service.release(cid)
    assert nat.chain_rules("nat", service.config.chain) == []
    with pytest.raises(OSError):
        http_get("127.0.0.1", hp)


def test_random_host_port_and_loopback_only(service: NetworkService, netns, webroot: Path,  # type: ignore[no-untyped-def]
                                            processes) -> None:
    pid = netns()
    cid = "6" * 64
    service.prepare(cid, AttachOptions(name="web", ports=tuple(parse_publish("127.0.0.1::3000"))))
    cn = service.attach(cid, pid)
    hp = cn.ports[0].host_port
    assert hp > 0 and cn.ports[0].host_ip == "127.0.0.1"
    processes.append(spawn_in_netns(pid, "/bin/busybox", "httpd", "-f", "-p", "3000", "-h", str(webroot)))
    wait_port(pid, 3000)
    assert b"hello" in http_get("127.0.0.1", hp)
    with pytest.raises(OSError):
        http_get(cn.gateway, hp)  # bound to 127.0.0.1 only: not DNATed on other addresses


def test_busy_port_fails_before_start(service: NetworkService, netns) -> None:  # type: ignore[no-untyped-def]
    with socket.socket() as busy:
        busy.bind(("0.0.0.0", 0))
        busy.listen()
        hp = busy.getsockname()[1]
        with pytest.raises(PortAllocated, match=f"Bind for 0.0.0.0:{hp} failed: port is already allocated"):
            service.prepare("7" * 64, AttachOptions(name="x", ports=tuple(parse_publish(f"{hp}:80"))))
    assert service.inspect("bridge")["Containers"] == {}
    # taken by another container
    hp2 = free_port()
    service.prepare("8" * 64, AttachOptions(name="first", ports=tuple(parse_publish(f"{hp2}:80"))))
    second = AttachOptions(name="second", ports=tuple(parse_publish(f"127.0.0.1:{hp2}:80")))
    with pytest.raises(PortAllocated, match=f"Bind for 127.0.0.1:{hp2} failed"):
        service.prepare("9" * 64, second)
    assert [c["Name"] for c in service.inspect("bridge")["Containers"].values()] == ["first"]
    service.release("8" * 64)
    service.prepare("9" * 64, second)
