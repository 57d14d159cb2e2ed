"""Issue 5's claims through the CLI: published ports, user networks, --network none, volumes,
and nothing left behind."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import time
import urllib.request

from .conftest import DY


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _get(url: str, timeout: float = 30) -> str:
    deadline = time.time() + timeout
    while True:
        try:
            with urllib.request.urlopen(url, timeout=2) as r:
                return str(r.read().decode())
        except OSError:
            if time.time() > deadline:
                raise
            time.sleep(0.1)


def _net_cfg(dy: DY) -> dict[str, str]:
    with open(os.path.join(dy.root, "network.json")) as f:
        return dict(json.load(f))


def _serve(page: str) -> list[str]:
    return ["sh", "-c", f"mkdir -p /www && echo {page} > /www/index.html && exec httpd -f -p 3000 -h /www"]


def test_published_ports_serve_two_containers_independently(dy: DY) -> None:
    p1, p2 = _free_port(), _free_port()
    dy("run", "-d", "--name", "web1", "-p", f"127.0.0.1:{p1}:3000", "busybox", *_serve("one"))
    dy("run", "-d", "--name", "web2", "-p", f"127.0.0.1:{p2}:3000", "busybox", *_serve("two"))
    assert _get(f"http://127.0.0.1:{p1}/") == "one\n"
    assert _get(f"http://127.0.0.1:{p2}/") == "two\n"
    assert f"127.0.0.1:{p1}->3000/tcp" in dy.out("ps", "--filter", "name=web1", "--format", "{{.Ports}}")
    assert dy.out("port", "web2") == f"3000/tcp -> 127.0.0.1:{p2}"
    # a busy host port fails before the container starts, and leaves nothing running
    p = dy("run", "-d", "--name", "web3", "-p", f"127.0.0.1:{p1}:3000", "busybox", "sleep", "60", check=False)
    assert p.returncode == 125 and "already allocated" in p.stderr
    assert dy.out("inspect", "-f", "{{.State.Status}}", "web3") == "created"
    # stopping releases the port: it can be used again
    dy("stop", "-t", "0", "web1")
    dy("start", "web3")
    dy("rm", "-f", "web3")


def test_user_network_name_resolution_and_none(dy: DY) -> None:
    dy("network", "create", "appnet")
    dy("run", "-d", "--name", "db1", "--network", "appnet", "--network-alias", "database", "busybox", *_serve("db"))
    out = dy.out("run", "--rm", "--network", "appnet", "busybox", "sh", "-c",
                 "printf 'GET / HTTP/1.0\\r\\n\\r\\n' | nc db1 3000 | tail -1; "
                 "printf 'GET / HTTP/1.0\\r\\n\\r\\n' | nc database 3000 | tail -1")
    assert out.split() == ["db", "db"]
    links = dy.out("run", "--rm", "--network", "none", "busybox", "sh", "-c", "ls /sys/class/net")
    assert links.split() == ["lo"]
    p = dy("network", "rm", "appnet", check=False)
    assert p.returncode != 0 and "active endpoints" in p.stderr
    dy("rm", "-f", "db1")
    dy("network", "rm", "appnet")


def test_named_volume_outlives_its_container(dy: DY) -> None:
    dy("volume", "create", "appdata")
    dy("run", "--rm", "-v", "appdata:/data", "busybox", "sh", "-c", "echo kept > /data/file")
    assert dy.out("run", "--rm", "-v", "appdata:/data:ro", "busybox", "cat", "/data/file") == "kept"
    p = dy("run", "--rm", "-v", "appdata:/data:ro", "busybox", "sh", "-c", "echo x > /data/other", check=False)
    assert p.returncode != 0 and "Read-only file system" in p.stderr
    dy("run", "-d", "--name", "holder", "-v", "appdata:/data", "busybox", "sleep", "60")
    p = dy("volume", "rm", "appdata", check=False)
    assert p.returncode != 0 and "in use" in p.stderr
    dy("rm", "-f", "holder")
    dy("volume", "rm", "appdata")
    assert "appdata" not in dy.out("volume", "ls", "-q").split()


def test_nothing_left_after_rm_f(dy: DY) -> None:
    cfg = _net_cfg(dy)
    port = _free_port()
    for i in range(3):
        dy("run", "-d", "--name", f"tmp{i}", "-p", f"127.0.0.1:{port if i == 0 else _free_port()}:3000",
           "busybox", *_serve(str(i)))
    ids = dy.out("ps", "-q", "--no-trunc").split()
    dy("rm", "-f", *ids)
    veths = [n for n in os.listdir("/sys/class/net") if n.startswith(cfg["veth_prefix"])]
    assert veths == []
    bridge = cfg["default_bridge"]
    if os.path.exists(f"/sys/class/net/{bridge}/brif"):
        assert os.listdir(f"/sys/class/net/{bridge}/brif") == []
    rules = subprocess.run(["iptables", "-t", "nat", "-S"], capture_output=True, text=True).stdout
    assert "dy:ctr:" not in rules
    assert dy("system", "check").returncode == 0


def test_killed_monitor_does_not_leave_a_ghost_port(dy: DY) -> None:
    import signal
    port = _free_port()
    dy("run", "-d", "--name", "ghost", "-p", f"127.0.0.1:{port}:3000", "busybox", *_serve("g"))
    assert _get(f"http://127.0.0.1:{port}/") == "g\n"
    pid = int(dy.out("inspect", "-f", "{{.State.Pid}}", "ghost"))
    with open(f"/proc/{pid}/stat") as f:
        monitor = int(f.read().rsplit(")", 1)[1].split()[1])
    os.kill(monitor, signal.SIGKILL)   # dockyard's own process dies ...
    os.kill(pid, signal.SIGKILL)       # ... and then the container
    deadline = time.time() + 5
    while time.time() < deadline and os.path.exists(f"/proc/{pid}"):
        with open(f"/proc/{pid}/stat") as f:
            if f.read().rsplit(")", 1)[1].split()[0] == "Z":
                break  # reparented to a subreaper that does not reap (e.g. this pytest process)
        time.sleep(0.05)
    assert dy.out("inspect", "-f", "{{.State.Status}}", "ghost") == "exited"
    rules = subprocess.run(["iptables", "-t", "nat", "-S"], capture_output=True, text=True).stdout
    assert f"--dport {port} " not in rules
    # the port is free again for a new container
    dy("run", "-d", "--name", "ghost2", "-p", f"127.0.0.1:{port}:3000", "busybox", *_serve("h"))
    assert _get(f"http://127.0.0.1:{port}/") == "h\n"
