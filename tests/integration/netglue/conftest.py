"""Fixtures for the netglue tests (container/netsetup, volume glue, network/volume CLI verbs)."""

from __future__ import annotations

import subprocess
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from netglue_helpers import cleanup_network, inner_pid, kill_group, privileged_reason, start_netns, write_net_config


@pytest.fixture
def netroot(tmp_path: Path) -> Iterator[tuple[Path, dict[str, object]]]:
    """A dockyard root whose network.json names only test bridges/chains/subnets; torn down after."""
    reason = privileged_reason()
    if reason:
        pytest.skip(reason)
    root = tmp_path / "root"
    cfg = write_net_config(root)
    try:
        yield root, cfg
    finally:
        cleanup_network(root, cfg)


@pytest.fixture
def netns() -> Iterator[Callable[[], int]]:
    """Processes in fresh network namespaces: returns their pid; all killed after the test."""
    procs: list[subprocess.Popen[bytes]] = []

    def make() -> int:
        p = start_netns()
        procs.append(p)
        return inner_pid(p)

    try:
        yield make
    finally:
        for p in procs:
            kill_group(p)


@pytest.fixture
def processes() -> Iterator[list[subprocess.Popen[bytes]]]:
    procs: list[subprocess.Popen[bytes]] = []
    try:
        yield procs
    finally:
        for p in procs:
            p.kill()
            p.wait()
