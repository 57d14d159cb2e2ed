"""Helpers for runtime tests: bundles on an overlay of the busybox rootfs, run-and-collect."""

from __future__ import annotations

import glob
import json
import os
import threading
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from dockyard.mount import Mount
from dockyard.runtime.protocols import Runtime, Started, Stdio
from dockyard.runtime.spec import SpecOptions, build_spec


def privileged_reason() -> str | None:
    if os.geteuid() != 0:
        return "needs root"
    if not os.path.exists("/bin/busybox"):
        return "needs /bin/busybox"
    return None


RUNTIMES = ["native", "runc"]


@dataclass
class Bundle:
    id: str
    path: Path
    rootfs: list[Mount]
    spec: dict[str, Any]
    started: list[int] = field(default_factory=list)


@dataclass
class Result:
    code: int
    out: str
    err: str


def leftover_cgroups() -> list[str]:
    return glob.glob("/sys/fs/cgroup/*/dockyard-test*") + glob.glob("/sys/fs/cgroup/dockyard-test*")


class Factory:
    def __init__(self, base: Path, lower: Path) -> None:
        self.base = base
        self.lower = lower
        self.bundles: list[Bundle] = []

    def __call__(self, args: list[str], **kw: Any) -> Bundle:
        cid = f"dockyard-test-{uuid.uuid4().hex[:10]}"
        path = self.base / cid
        for d in ("upper", "work", "rootfs"):
            (path / d).mkdir(parents=True)
        env = kw.pop("env", ["PATH=/usr/sbin:/usr/bin:/sbin:/bin", "HOME=/root"])
        kw.setdefault("hostname", cid[:12])
        opts = SpecOptions(args=args, env=env, cgroups_path=f"/{cid}", **kw)
        spec = build_spec(opts, rootfs=str(path / "rootfs"))
        (path / "config.json").write_text(json.dumps(spec))
        mounts = [Mount("overlay", "overlay", (f"lowerdir={self.lower}", f"upperdir={path / 'upper'}",
                                                f"workdir={path / 'work'}"))]
        b = Bundle(cid, path, mounts, spec)
        self.bundles.append(b)
        return b


def _drain(fd: int, sink: list[bytes]) -> None:
    with os.fdopen(fd, "rb") as f:
        sink.append(f.read())


def run(rt: Runtime, b: Bundle, stdin: bytes | None = None) -> Result:
    """Start the container, collect its output, reap it, delete it."""
    out_r, out_w = os.pipe()
    err_r, err_w = os.pipe()
    in_r = None
    if stdin is not None:
        in_r, in_w = os.pipe()
        os.write(in_w, stdin)
        os.close(in_w)
    try:
        started: Started = rt.start(b.id, str(b.path), b.rootfs, Stdio(in_r, out_w, err_w))
    finally:
        os.close(out_w)
        os.close(err_w)
        if in_r is not None:
            os.close(in_r)
    b.started.append(started.pid)
    outs: list[bytes] = []
    errs: list[bytes] = []
    threads = [threading.Thread(target=_drain, args=(out_r, outs)),
               threading.Thread(target=_drain, args=(err_r, errs))]
    for t in threads:
        t.start()
    _, status = os.waitpid(started.pid, 0)
    b.started.remove(started.pid)
    for t in threads:
        t.join()
    return Result(os.waitstatus_to_exitcode(status), outs[0].decode(), errs[0].decode())
