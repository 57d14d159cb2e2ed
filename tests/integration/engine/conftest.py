"""Fixtures for end-to-end tests of the dockyard CLI on a private store root."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest

DOCKYARD = [sys.executable, "-m", "dockyard.cli.main"]

sys.path.insert(0, str(Path(__file__).parents[1] / "netglue"))
from netglue_helpers import cleanup_network, write_net_config  # noqa: E402

# Every store these tests make names its own bridge, veths, iptables chain and subnets
# (<root>/network.json), so nothing on the host is touched and everything is removed afterwards.


def _reason() -> str | None:
    if os.geteuid() != 0:
        return "needs root (namespaces, overlayfs, cgroups)"
    if not os.path.exists("/bin/busybox"):
        return "needs /bin/busybox (apt install busybox-static)"
    return None


REASON = _reason()


class DY:
    def __init__(self, root: str) -> None:
        self.root = root

    def __call__(self, *args: str, input: bytes | None = None, check: bool = True, timeout: float = 60
                 ) -> subprocess.CompletedProcess[str]:
        p = subprocess.run([*DOCKYARD, "--root", self.root, *args], input=input.decode() if input else None,
                           capture_output=True, text=True, timeout=timeout)
        if check and p.returncode != 0:
            raise AssertionError(f"dockyard {' '.join(args)} -> {p.returncode}\n{p.stdout}\n{p.stderr}")
        return p

    def out(self, *args: str) -> str:
        return self(*args).stdout.strip()

    def cleanup(self) -> None:
        p = self("ps", "-aq", "--no-trunc", check=False)
        ids = p.stdout.split()
        if ids:
            self("rm", "-f", *ids, check=False)


def _processes_of(root: str) -> list[int]:
    pids = []
    for name in os.listdir("/proc"):
        if name.isdigit() and int(name) != os.getpid():
            try:
                with open(f"/proc/{name}/cmdline", "rb") as f:
                    if root.encode() in f.read():
                        pids.append(int(name))
            except OSError:
                pass
    return pids


def wait_for_monitors(root: str, timeout: float = 10.0) -> None:
    """After ``rm -f`` of everything: let the monitors finish tidying up (a monitor, lean ones
    included, still writes to the store for a moment after a container is gone; deleting the
    root under it would let it create the root again), then kill whatever is still there."""
    import signal
    import time
    deadline = time.monotonic() + timeout
    while _processes_of(root) and time.monotonic() < deadline:
        time.sleep(0.05)
    for pid in _processes_of(root):
        try:
            os.kill(pid, signal.SIGKILL)
        except OSError:
            pass


@pytest.fixture(scope="session")
def store_root() -> Iterator[str]:
    if REASON:
        pytest.skip(REASON)
    root = tempfile.mkdtemp(prefix="dockyard-test-")
    net = write_net_config(Path(root))
    dy = DY(root)
    try:
        dy("bootstrap", "busybox")
        yield root
    finally:
        dy.cleanup()
        wait_for_monitors(root)
        cleanup_network(Path(root), net)
        shutil.rmtree(root, ignore_errors=True)


@pytest.fixture
def dy(store_root: str) -> Iterator[DY]:
    d = DY(store_root)
    yield d
    d.cleanup()


@pytest.fixture
def fresh_root() -> Iterator[DY]:
    if REASON:
        pytest.skip(REASON)
    root = tempfile.mkdtemp(prefix="dockyard-test-")
    net = write_net_config(Path(root))
    d = DY(root)
    try:
        d("bootstrap", "busybox")
        yield d
    finally:
        d.cleanup()
        wait_for_monitors(root)
        cleanup_network(Path(root), net)
        shutil.rmtree(root, ignore_errors=True)


def upper_dir(root: str, cid: str) -> Path:
    return Path(root) / "containers" / cid / "upper"
