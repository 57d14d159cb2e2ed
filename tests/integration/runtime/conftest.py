"""Fixtures for runtime tests: the test process plays the monitor (child subreaper)."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest
from runtime_harness import RUNTIMES, Factory, leftover_cgroups, privileged_reason

from dockyard import linux
from dockyard.runtime.protocols import Runtime
from dockyard.runtime.registry import get_runtime


@pytest.fixture(scope="session", autouse=True)
def _subreaper() -> None:
    reason = privileged_reason()
    if reason:
        pytest.skip(reason)
    linux.prctl(linux.PR_SET_CHILD_SUBREAPER, 1)


@pytest.fixture(params=RUNTIMES)
def runtime(request: pytest.FixtureRequest) -> Runtime:
    name: str = request.param
    if name == "runc" and not os.path.exists("/usr/sbin/runc") and not os.path.exists("/usr/bin/runc"):
        pytest.skip("runc not installed")
    return get_runtime(name)


@pytest.fixture
def make_bundle(busybox_rootfs: Path, tmp_path: Path, runtime: Runtime) -> Iterator[Factory]:
    f = Factory(tmp_path, busybox_rootfs)
    try:
        yield f
    finally:
        for b in f.bundles:
            for pid in b.started:
                try:
                    os.kill(pid, 9)
                except ProcessLookupError:
                    pass
            runtime.delete(b.id, str(b.path))
            for pid in b.started:
                try:
                    os.waitpid(pid, 0)
                except ChildProcessError:
                    pass
    assert not leftover_cgroups()


