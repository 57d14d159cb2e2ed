"""Fixtures for network tests: a NetworkService on its own bridges/chains/subnets (prefix ``dyt``)
and network namespaces held by ``unshare --net`` processes the tests start themselves."""

from __future__ import annotations

import os
import secrets
import shlex
import shutil
import signal
import sqlite3
import subprocess
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from dockyard.network import nat
from dockyard.network.model import NetConfig
from dockyard.network.service import NetworkService

BUSYBOX = "/bin/busybox"


def privileged_reason() -> str | None:
    if os.geteuid() != 0:
        return "needs root (network namespaces, bridges, iptables)"
    if not os.path.exists(BUSYBOX):
        return "needs /bin/busybox"
    for tool in ("unshare", "nsenter", "iptables-save", "iptables-restore"):
        if shutil.which(tool) is None and not os.path.exists(f"/usr/sbin/{tool}"):
            return f"needs {tool}"
    return None


def _our_links(prefixes: tuple[str, ...]) -> list[str]:
    return [n for n in os.listdir("/sys/class/net") if n.startswith(prefixes)]


@pytest.fixture
def net_config(tmp_path: Path) -> NetConfig:
    tag = secrets.token_hex(2)
    resolv = tmp_path / "host-resolv.conf"
    resolv.write_text("nameserver 127.0.0.53\nnameserver 10.213.255.53\nsearch test.invalid\n")
    third = 100 + int(tag, 16) % 100
    return NetConfig(default_bridge=f"dyt0{tag}", default_subnet=f"10.213.{third}.0/24",
                     bridge_prefix=f"dyt{tag}", veth_prefix=f"dytv{tag}", chain=f"DYT{tag.upper()}",
                     pools=((f"10.214.{third}.0/24", 28),), enable_forwarding=False,
                     host_resolv_conf=str(resolv), host_hosts=str(resolv))


@pytest.fixture
def service(tmp_path: Path, net_config: NetConfig) -> Iterator[NetworkService]:
    reason = privileged_reason()
    if reason:
        pytest.skip(reason)
    conn = sqlite3.connect(tmp_path / "dockyard.db", isolation_level=None, check_same_thread=False)
    conn.execute("PRAGMA journal_mode=WAL")
    svc = NetworkService(str(tmp_path / "root"), conn, net_config)
    prefixes = (net_config.default_bridge, net_config.bridge_prefix, net_config.veth_prefix)
    try:
        yield svc
    finally:
        errors: list[BaseException] = []
        try:
            svc.remove_all()
        except BaseException as err:  # still remove links and chains below
            errors.append(err)
        for name in _our_links(prefixes):
            subprocess.run(["ip", "link", "del", name], capture_output=True, check=False)
        nat.remove_base(net_config.chain)
        for table in ("nat", "filter"):
            for ln in nat.save(table):
                if net_config.chain in ln or any(p in ln for p in prefixes):
                    argv = ["iptables", "-t", table, *shlex.split("-D" + ln[2:])]
                    subprocess.run(argv, capture_output=True, check=False)
        conn.close()
        if errors:
            raise errors[0]


NetnsFactory = Callable[[], int]


@pytest.fixture
def netns() -> Iterator[NetnsFactory]:
    """Start ``unshare --net --fork busybox sleep``; returns the inner pid (its netns is fresh)."""
    procs: list[subprocess.Popen[bytes]] = []

    def make() -> int:
        p = subprocess.Popen(["unshare", "--net", "--fork", "--kill-child", BUSYBOX, "sleep", "600"],
                             start_new_session=True)
        procs.append(p)
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

    try:
        yield make
    finally:
        for p in procs:
            try:
                os.killpg(p.pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
            p.wait()
