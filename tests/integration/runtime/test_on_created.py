"""The ``on_created`` hook: called with the init's pid once its namespaces exist, before the user
program is exec'd; a failing hook aborts the start and leaves nothing behind."""

from __future__ import annotations

import os
import secrets
import subprocess

import pytest
from runtime_harness import Factory, leftover_cgroups, run

from dockyard.errors import ContainerStartError
from dockyard.runtime.protocols import Runtime, Stdio

pytestmark = pytest.mark.privileged


def _with_hook(rt: Runtime, hook: object) -> Runtime:
    """A runtime whose ``start`` passes ``hook`` (so the harness's ``run`` can be reused)."""
    class Hooked:
        name = rt.name

        def start(self, cid: str, bundle: str, rootfs: object, stdio: Stdio) -> object:
            return rt.start(cid, bundle, rootfs, stdio, on_created=hook)  # type: ignore[arg-type]

        def __getattr__(self, attr: str) -> object:
            return getattr(rt, attr)
    return Hooked()  # type: ignore[return-value]


def test_hook_runs_in_created_state(make_bundle: Factory, runtime: Runtime) -> None:
    seen: dict[str, str] = {}
    name = "dytd" + secrets.token_hex(3)

    def hook(pid: int) -> None:
        seen["netns"] = os.readlink(f"/proc/{pid}/ns/net")
        seen["exe"] = os.readlink(f"/proc/{pid}/exe")
        # a link created from the host in the container's netns is there when the program runs
        subprocess.run(["ip", "link", "add", name + "h", "type", "veth", "peer", "name", name,
                        "netns", str(pid)], check=True)

    b = make_bundle(["sh", "-c", "ls /sys/class/net"])
    try:
        res = run(_with_hook(runtime, hook), b)
    finally:
        subprocess.run(["ip", "link", "del", name + "h"], capture_output=True, check=False)
    assert res.code == 0, res.err
    assert seen["netns"] != os.readlink("/proc/self/ns/net")
    assert not seen["exe"].endswith("busybox")      # the user program was not exec'd yet
    assert name in res.out.split()
    assert name + "h" not in os.listdir("/sys/class/net")


def test_failing_hook_aborts_and_cleans_up(make_bundle: Factory, runtime: Runtime) -> None:
    pids: list[int] = []

    def hook(pid: int) -> None:
        pids.append(pid)
        raise RuntimeError("no network for you")

    b = make_bundle(["sh", "-c", "echo should-not-run"])
    with pytest.raises(ContainerStartError) as exc:
        run(_with_hook(runtime, hook), b)
    assert exc.value.exit_code == 125
    assert "no network for you" in str(exc.value)
    assert pids and not os.path.exists(f"/proc/{pids[0]}")
    runtime.delete(b.id, str(b.path))
    assert not leftover_cgroups()


def test_no_hook_still_fast_path(make_bundle: Factory, runtime: Runtime) -> None:
    assert run(runtime, make_bundle(["true"])).code == 0
