"""End to end below the container service: a real container (native and runc) whose network is
plumbed by ``netsetup.attach`` from the runtime's ``on_created`` hook serves a page on a published
port; after release nothing of it is left (veth, DNAT rule, allocation)."""

from __future__ import annotations

import json
import os
import signal
import time
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from netglue_helpers import free_port, http_get, our_links

from dockyard import linux
from dockyard.container import netsetup
from dockyard.mount import Mount
from dockyard.network import nat
from dockyard.runtime.protocols import Runtime, Stdio
from dockyard.runtime.registry import get_runtime
from dockyard.runtime.spec import SpecOptions, build_spec
from dockyard.volume import glue

pytestmark = pytest.mark.privileged


@pytest.fixture(scope="module", autouse=True)
def _subreaper() -> None:
    if os.geteuid() != 0 or not os.path.exists("/bin/busybox"):
        pytest.skip("needs root and /bin/busybox")
    linux.prctl(linux.PR_SET_CHILD_SUBREAPER, 1)


@pytest.fixture(params=["native", "runc"])
def runtime(request: pytest.FixtureRequest) -> Runtime:
    if request.param == "runc" and not any(os.path.exists(p) for p in ("/usr/sbin/runc", "/usr/bin/runc")):
        pytest.skip("runc not installed")
    return get_runtime(request.param)


@pytest.fixture
def started() -> Iterator[list[tuple[Runtime, str, str, int]]]:
    live: list[tuple[Runtime, str, str, int]] = []
    try:
        yield live
    finally:
        for rt, name, bundle, pid in live:
            try:
                os.kill(pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
            try:
                os.waitpid(pid, 0)
            except ChildProcessError:
                pass
            rt.delete(name, bundle)


def test_published_port_through_on_created(netroot: tuple[Path, dict[str, object]], runtime: Runtime,
                                           busybox_rootfs: Path, tmp_path: Path,
                                           started: list[tuple[Runtime, str, str, int]]) -> None:
    root, cfg = netroot
    www = tmp_path / "www"
    www.mkdir()
    (www / "index.html").write_text("hello from web1\n")
    cid = uuid.uuid4().hex * 2
    hp = free_port()
    hc: dict[str, object] = {"NetworkMode": "default", "PortBindingsRaw": [f"127.0.0.1:{hp}:3000"],
                             "Binds": [f"{www}:/www:ro"]}
    hc["PortBindings"] = netsetup.validate(hc, {})
    hc["Mounts"] = glue.validate(hc, {})
    plan = netsetup.prepare(str(root), cid, "web1", {"Hostname": "web1"}, hc)
    cdir = root / "containers" / cid
    extra = [{"destination": f"/etc/{n}", "type": "bind", "source": str(cdir / n), "options": ["rbind", "rprivate"]}
             for n in ("hosts", "resolv.conf")]
    extra += glue.mounts_for(str(root), cid, hc, [str(busybox_rootfs)])
    bundle = tmp_path / "bundle"
    for d in ("upper", "work", "rootfs"):
        (bundle / d).mkdir(parents=True)
    name = f"dockyard-test-{cid[:10]}"
    spec = build_spec(SpecOptions(args=["httpd", "-f", "-p", "3000", "-h", "/www"], env=["PATH=/bin"],
                                  hostname="web1", cgroups_path=f"/{name}", extra_mounts=tuple(extra),
                                  network_namespace=plan.netns), rootfs=str(bundle / "rootfs"))
    (bundle / "config.json").write_text(json.dumps(spec))
    rootfs = [Mount("overlay", "overlay", (f"lowerdir={busybox_rootfs}", f"upperdir={bundle / 'upper'}",
                                           f"workdir={bundle / 'work'}"))]
    assert plan.needs_attach
    devnull = os.open(os.devnull, os.O_WRONLY)
    try:
        s = runtime.start(name, str(bundle), rootfs, Stdio(None, devnull, devnull),
                          on_created=lambda pid: netsetup.attach(str(root), cid, pid))
    finally:
        os.close(devnull)
    started.append((runtime, name, str(bundle), s.pid))
    ip = netsetup.settings(str(root), cid)["IPAddress"]
    assert f"{ip}\tweb1" in (cdir / "hosts").read_text()
    body = b""
    for _ in range(100):                 # httpd needs a moment to listen
        try:
            body = http_get("127.0.0.1", hp)
            break
        except OSError:
            time.sleep(0.02)
    assert b"hello from web1" in body
    assert b"hello from web1" in http_get(ip, 3000)
    os.kill(s.pid, signal.SIGKILL)
    os.waitpid(s.pid, 0)
    started.clear()
    runtime.delete(name, str(bundle))
    netsetup.release(str(root), cid)
    netsetup.forget(str(root), cid)
    assert not [n for n in our_links(cfg) if n.startswith(str(cfg["veth_prefix"]))]
    assert nat.chain_rules("nat", str(cfg["chain"])) == []
