"""The ``on_created`` hook: called with the init's pid once its namespaces exist, while the init
goes on with its mounts; the user program is exec'd only once the hook is done.  A failing hook
aborts the start and leaves nothing behind; an init failing while the hook runs is reported."""

from __future__ import annotations

import os
import secrets
import subprocess
import time

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


def test_hook_runs_while_the_init_mounts(make_bundle: Factory, runtime: Runtime) -> None:
    """The init does not wait for the hook to build its filesystem: while the hook still runs,
    the rootfs (and /proc in it) get mounted in the container's mount namespace."""
    if runtime.name != "native":
        pytest.skip("runc's create does the whole setup before its hook point")
    seen: dict[str, object] = {}

    def mount_points(pid: str) -> set[str]:
        with open(f"/proc/{pid}/mountinfo") as f:
            return {line.split()[4] for line in f}

    def hook(pid: int) -> None:
        # the init's mount namespace starts as a copy of ours: it differs once the init has
        # mounted its rootfs (or already pivoted into it)
        host = mount_points("self")
        deadline = time.monotonic() + 10
        mounted = False
        while not mounted and time.monotonic() < deadline:
            mounted = mount_points(str(pid)) != host
            if not mounted:
                time.sleep(0.001)
        seen["mounted"] = mounted
        seen["exe"] = os.readlink(f"/proc/{pid}/exe")

    res = run(_with_hook(runtime, hook), make_bundle(["true"]))
    assert res.code == 0, res.err
    assert seen["mounted"] is True
    assert not str(seen["exe"]).endswith("busybox")   # still waiting for the hook


def test_init_failure_during_the_hook_is_reported(make_bundle: Factory, runtime: Runtime) -> None:
    calls: list[int] = []

    def hook(pid: int) -> None:
        calls.append(pid)
        time.sleep(0.2)  # the init fails meanwhile

    b = make_bundle(["sh", "-c", "echo should-not-run"],
                    extra_mounts=({"destination": "/x", "type": "bind", "source": "/nonexistent-dyt",
                                   "options": ["rbind"]},))
    with pytest.raises(ContainerStartError) as exc:
        run(_with_hook(runtime, hook), b)
    assert exc.value.exit_code == 125
    assert "/nonexistent-dyt" in str(exc.value) or "no such file" in str(exc.value).lower()
    if runtime.name == "native":
        assert calls and "mounts" in str(exc.value)
        assert not os.path.exists(f"/proc/{calls[0]}")
    runtime.delete(b.id, str(b.path))
    assert not leftover_cgroups()


def test_no_hook_still_fast_path(make_bundle: Factory, runtime: Runtime) -> None:
    assert run(runtime, make_bundle(["true"])).code == 0
