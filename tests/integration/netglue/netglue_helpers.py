"""Helpers for the netglue tests: a dockyard root whose network uses test-only names (``dyt*``),
namespaces held by ``unshare --net`` processes, and cleanup of everything with those names."""

from __future__ import annotations

import json
import os
import secrets
import shlex
import signal
import socket
import subprocess
import time
from pathlib import Path

BUSYBOX = "/bin/busybox"


def privileged_reason() -> str | None:
    if os.geteuid() != 0:
        return "needs root (network namespaces, bridges, iptables)"
    if not os.path.exists(BUSYBOX):
        return "needs /bin/busybox"
    return None


def write_net_config(root: Path) -> dict[str, object]:
    """``<root>/network.json`` with names, chain and subnets of this test only."""
    tag = secrets.token_hex(2)
    third = 100 + int(tag, 16) % 100
    resolv = root / "host-resolv.conf"
    root.mkdir(parents=True, exist_ok=True)
    resolv.write_text("nameserver 127.0.0.53\nnameserver 10.215.255.53\nsearch test.invalid\n")
    cfg: dict[str, object] = {
        "default_bridge": f"dyg0{tag}", "default_subnet": f"10.215.{third}.0/24",
        "bridge_prefix": f"dyg{tag}", "veth_prefix": f"dygv{tag}", "chain": f"DYG{tag.upper()}",
        "pools": [[f"10.216.{third}.0/24", 28]], "enable_forwarding": False,
        "host_resolv_conf": str(resolv), "host_hosts": str(resolv)}
    (root / "network.json").write_text(json.dumps(cfg))
    return cfg


def cleanup_network(root: Path, cfg: dict[str, object]) -> None:
    """Remove every bridge, veth, chain and rule that carries this test's names."""
    from dockyard.container import netsetup
    from dockyard.network import nat
    errors: list[BaseException] = []
    try:
        with netsetup.service(str(root)) as svc:
            svc.remove_all()
    except BaseException as err:  # noqa: BLE001 - still remove links and chains below
        errors.append(err)
    prefixes = tuple(str(cfg[k]) for k in ("default_bridge", "bridge_prefix", "veth_prefix"))
    for name in os.listdir("/sys/class/net"):
        if name.startswith(prefixes):
            subprocess.run(["ip", "link", "del", name], capture_output=True, check=False)
    chain = str(cfg["chain"])
    nat.remove_base(chain)
    for table in ("nat", "filter"):
        for ln in nat.save(table):
            if chain in ln or any(p in ln for p in prefixes):
                subprocess.run(["iptables", "-t", table, *shlex.split("-D" + ln[2:])], capture_output=True,
                               check=False)
    if errors:
        raise errors[0]


def our_links(cfg: dict[str, object]) -> list[str]:
    prefixes = tuple(str(cfg[k]) for k in ("bridge_prefix", "veth_prefix"))
    return [n for n in os.listdir("/sys/class/net") if n.startswith(prefixes)]


def our_indexed_links(cfg: dict[str, object]) -> list[str]:
    """Like ``our_links``, from the kernel's link index (netlink, what ``ip link`` shows): a veth
    that ``netsetup.release`` deleted leaves it first; its /sys/class/net entry follows ~1 ms
    later (``netsetup.forget`` waits for that)."""
    prefixes = tuple(str(cfg[k]) for k in ("bridge_prefix", "veth_prefix"))
    return [name for _, name in socket.if_nameindex() if name.startswith(prefixes)]


def start_netns() -> subprocess.Popen[bytes]:
    """``unshare --net --fork busybox sleep``: the caller kills the group (start_new_session)."""
    return subprocess.Popen(["unshare", "--net", "--fork", "--kill-child", BUSYBOX, "sleep", "600"],
                            start_new_session=True)


def inner_pid(p: subprocess.Popen[bytes]) -> int:
    deadline = time.monotonic() + 5
    while time.monotonic() < deadline:
        try:
            with open(f"/proc/{p.pid}/task/{p.pid}/children") as f:
                kids = f.read().split()
        except FileNotFoundError:
            kids = []
        if kids:
            pid = int(kids[0])
            if os.readlink(f"/proc/{pid}/ns/net") != os.readlink("/proc/self/ns/net"):
                return pid
        time.sleep(0.01)
    raise RuntimeError("unshare did not start")


def kill_group(p: subprocess.Popen[bytes]) -> None:
    try:
        os.killpg(p.pid, signal.SIGKILL)
    except ProcessLookupError:
        pass
    p.wait()


def in_netns(pid: int, *argv: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(["nsenter", f"--net=/proc/{pid}/ns/net", *argv], capture_output=True, text=True,
                          timeout=10, check=False)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def http_get(host: str, port: int, path: str = "/index.html", timeout: float = 5) -> bytes:
    with socket.create_connection((host, port), timeout=timeout) as s:
        s.sendall(f"GET {path} HTTP/1.0\r\nHost: x\r\n\r\n".encode())
        chunks = []
        while True:
            data = s.recv(65536)
            if not data:
                break
            chunks.append(data)
    return b"".join(chunks)


def wait_listen(pid: int, port: int, timeout: float = 5) -> None:
    deadline = time.monotonic() + timeout
    hexport = f":{port:04X}"
    while time.monotonic() < deadline:
        out = in_netns(pid, "cat", "/proc/net/tcp", "/proc/net/tcp6").stdout
        for line in out.splitlines()[1:]:
            f = line.split()
            if len(f) > 3 and f[1].endswith(hexport) and f[3] == "0A":
                return
        time.sleep(0.02)
    raise TimeoutError(f"nothing listens on port {port}")


def kill_pid_and_wait(pid: int, timeout: float = 5) -> None:
    """SIGKILL a namespace holder started by ``start_netns`` and wait until it is gone or a zombie."""
    os.kill(pid, signal.SIGKILL)
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            with open(f"/proc/{pid}/stat") as f:
                if f.read().rpartition(")")[2].split()[0] in ("Z", "X"):
                    return
        except FileNotFoundError:
            return
        time.sleep(0.01)
