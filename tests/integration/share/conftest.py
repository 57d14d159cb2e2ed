"""Fixtures of the sharing tests: a private dockyard root, registries (from ../registry), a private
dockerd, a private podman.  Everything they start is stopped and removed, even when a test fails."""

from __future__ import annotations

import os
import sys
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest

sys.path.insert(0, os.path.normpath(os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "registry")))
sys.path.insert(0, os.path.dirname(__file__))
sys.path.insert(0, os.path.normpath(os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "netglue")))

from netglue_helpers import write_net_config  # noqa: E402
from regfixtures import registry  # noqa: E402,F401
from sharehelp import (  # noqa: E402
    Dockerd,
    Podman,
    cleanup_root,
    dockerd_reason,
    make_podman,
    podman_reason,
    remove_podman,
    start_dockerd,
    stop_dockerd,
)


@pytest.fixture
def dyroot() -> Iterator[str]:
    root = tempfile.mkdtemp(prefix="dockyard-share-")
    write_net_config(Path(root))  # containers run here use this test's own bridge names
    try:
        yield root
    finally:
        cleanup_root(root)  # removes its containers, then its network.json names, then the root


@pytest.fixture(scope="session")
def dockerd(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Dockerd]:
    reason = dockerd_reason()
    if reason:
        pytest.skip(reason)
    dk = start_dockerd(tmp_path_factory.mktemp("engines"))
    try:
        yield dk
    finally:
        stop_dockerd(dk)


@pytest.fixture
def podman(registry: object) -> Iterator[Podman]:  # noqa: F811
    reason = podman_reason()
    if reason:
        pytest.skip(reason)
    pm = make_podman([registry.host])  # type: ignore[attr-defined]
    try:
        yield pm
    finally:
        remove_podman(pm)
