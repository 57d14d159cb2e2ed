"""RUN: one build container through the runtime, on an overlay of the parent layers + a fresh upper.

The caller is made a child subreaper (the runtime contract); the container's output streams to
the progress listener line by line; its upper directory becomes the step's layer on success and is
kept under ``<root>/buildcache/failed/`` on failure.  Read-only views of other stages (COPY --from,
RUN --mount from=) are overlay mounts that are always unmounted afterwards.
"""

from __future__ import annotations

import collections
import contextlib
import json
import os
import secrets
import shutil
import stat
import tempfile
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

from ..diff.compare import is_opaque
from ..errors import ContainerStartError
from ..mount import Mount
from ..store import Store
from .cache import build_dir
from .copy import merged_lstat

TAIL_LINES = 20
_subreaper_set = False


def _ensure_subreaper() -> None:
    global _subreaper_set
    if not _subreaper_set:
        from ..linux import prctl
        prctl(36, 1)  # PR_SET_CHILD_SUBREAPER
        _subreaper_set = True


@dataclass
class RunRequest:
    args: list[str]
    env: list[str]
    cwd: str
    uid: int
    gid: int
    groups: tuple[int, ...]
    network: str                       # "bridge" (the default network), "none" or "host"
    lowers: list[str]                  # top first
    extra_mounts: list[dict[str, Any]] = field(default_factory=list)
    runtime: str = "native"


@dataclass
class RunResult:
    exit_code: int
    tail: list[str]
    upper: str        # the upper directory (a layer on success)
    workspace: str    # the bundle directory holding it


def new_workspace(store: Store) -> str:
    d = build_dir(store, "run", f"{os.getpid()}-{secrets.token_hex(6)}")
    for sub in ("upper", "work", "rootfs"):
        os.makedirs(os.path.join(d, sub))
    return d


def run_container(store: Store, req: RunRequest, on_line: Callable[[str], None]) -> RunResult:
    """Run ``req`` to completion; never raises for a non-zero exit (see ``exit_code``)."""

    ws = new_workspace(store)
    try:
        return _run_in(store, ws, req, on_line)
    except BaseException:
        discard_workspace(store, ws)
        raise


def _run_in(store: Store, ws: str, req: RunRequest, on_line: Callable[[str], None]) -> RunResult:
    cid = "build-" + os.path.basename(ws)
    upper = os.path.join(ws, "upper")
    extra = list(req.extra_mounts)
    on_created: Callable[[int], None] | None = None
    if req.network == "bridge":
        # a build container on the default bridge, like a `run` one: addresses and hosts files from
        # the network service, the veth plumbed before the command runs, all released afterwards
        from ..container import netsetup
        root = store.root
        netsetup.prepare(root, cid, cid, {"Hostname": "buildkitsandbox"}, {"NetworkMode": "bridge"})
        netdir = os.path.join(root, "containers", cid)
        extra = [{"destination": "/etc/resolv.conf", "type": "bind", "source": f"{netdir}/resolv.conf",
                  "options": ["rbind", "rprivate", "ro"]},
                 {"destination": "/etc/hosts", "type": "bind", "source": f"{netdir}/hosts",
                  "options": ["rbind", "rprivate", "ro"]}] + extra

        def attach(pid: int) -> None:
            netsetup.attach(root, cid, pid)
        on_created = attach
    try:
        return _run_with(store, ws, req, on_line, cid, upper, extra, on_created)
    finally:
        if req.network == "bridge":
            from ..container import netsetup
            netsetup.release(store.root, cid)
            netsetup.forget(store.root, cid)
            shutil.rmtree(os.path.join(store.root, "containers", cid), ignore_errors=True)


def _run_with(store: Store, ws: str, req: RunRequest, on_line: Callable[[str], None], cid: str, upper: str,
              extra: list[dict[str, Any]], on_created: Callable[[int], None] | None) -> RunResult:
    from ..runtime.protocols import Stdio
    from ..runtime.registry import get_runtime
    from ..runtime.spec import SpecOptions, build_spec

    opts = SpecOptions(
        args=req.args, env=req.env, cwd=req.cwd or "/", uid=req.uid, gid=req.gid,
        additional_gids=req.groups, hostname="buildkitsandbox",
        extra_mounts=tuple(extra),
        network_namespace="host" if req.network == "host" else None,
        cgroups_path=f"/dockyard/{cid}",
    )
    spec = build_spec(opts, rootfs=os.path.join(ws, "rootfs"))
    with open(os.path.join(ws, "config.json"), "w") as f:
        json.dump(spec, f)
    lowers = req.lowers
    mount_opts = (f"lowerdir={':'.join(lowers)}", f"upperdir={upper}", f"workdir={ws}/work")
    _check_mount_data(",".join(mount_opts), len(lowers))
    rootfs = [Mount("overlay", "overlay", mount_opts)]
    rt = get_runtime(req.runtime)
    _ensure_subreaper()
    tail: collections.deque[str] = collections.deque(maxlen=TAIL_LINES)
    r, w = os.pipe()
    devnull = os.open(os.devnull, os.O_RDONLY)
    pid = None
    try:
        try:
            started = rt.start(cid, ws, rootfs, Stdio(devnull, w, w), on_created=on_created)
        except ContainerStartError as err:  # e.g. the command is not found: a failed step
            on_line(str(err))
            return RunResult(err.exit_code, [str(err)], upper, ws)
        finally:
            os.close(w)
            os.close(devnull)
        pid = started.pid
        buf = b""
        while True:
            chunk = os.read(r, 65536)
            if not chunk:
                break
            buf += chunk
            *lines, buf = buf.split(b"\n")
            for raw in lines:
                line = raw.decode(errors="replace").rstrip("\r")
                tail.append(line)
                on_line(line)
        if buf:
            line = buf.decode(errors="replace")
            tail.append(line)
            on_line(line)
        _, status = os.waitpid(pid, 0)
        pid = None
        code = os.waitstatus_to_exitcode(status)
        if code < 0:
            code = 128 - code
    except BaseException:
        if pid is not None:
            with contextlib.suppress(OSError):
                os.kill(pid, 9)
            with contextlib.suppress(ChildProcessError):
                os.waitpid(pid, 0)
        raise
    finally:
        os.close(r)
        with contextlib.suppress(Exception):
            rt.delete(cid, ws)
    return RunResult(code, list(tail), upper, ws)


def remove_mountpoints(upper: str, lowers: list[str], targets: list[str]) -> None:
    """Drop the empty files/directories the runtime created in ``upper`` as mount targets (and
    their new empty parents), so that mounts never show up in the layer."""
    for target in sorted(set(targets), key=lambda t: -t.count("/")):
        path = target.rstrip("/")
        while path and path != "/":
            p = upper + path
            try:
                st = os.lstat(p)
            except FileNotFoundError:
                path = os.path.dirname(path)
                continue
            below = merged_lstat(lowers, path)
            if below is not None:
                # a directory overlayfs only copied up to hold the mount point: drop it too
                if (stat.S_ISDIR(st.st_mode) and stat.S_ISDIR(below.st_mode) and not os.listdir(p)
                        and not is_opaque(p) and (st.st_mode, st.st_uid, st.st_gid)
                        == (below.st_mode, below.st_uid, below.st_gid)):
                    os.rmdir(p)
                    path = os.path.dirname(path)
                    continue
                break
            if stat.S_ISDIR(st.st_mode):
                if os.listdir(p):
                    break
                os.rmdir(p)
            elif stat.S_ISREG(st.st_mode) and st.st_size == 0:
                os.unlink(p)
            else:
                break
            path = os.path.dirname(path)


def keep_failed(store: Store, result: RunResult, name: str) -> str:
    """Move a failed step's upper directory to ``buildcache/failed/<name>``; returns that path."""
    dest_root = build_dir(store, "failed")
    os.makedirs(dest_root, exist_ok=True)
    dest = os.path.join(dest_root, name)
    if os.path.lexists(dest):
        store.remove_tree(dest)
    os.rename(result.upper, dest)
    discard_workspace(store, result.workspace)
    return dest


def discard_workspace(store: Store, ws: str) -> None:
    if os.path.isdir(ws):
        store.remove_tree(ws)


@contextlib.contextmanager
def merged_view(store: Store, lowers: list[str]) -> Iterator[str]:
    """A read-only directory showing the overlay of ``lowers`` (top first); unmounted on exit."""
    if len(lowers) == 1:
        yield lowers[0]
        return
    from ..linux import MNT_DETACH, MS_RDONLY, mount, umount2
    base = build_dir(store, "run")
    os.makedirs(base, exist_ok=True)
    d = tempfile.mkdtemp(prefix=f"{os.getpid()}-view-", dir=base)
    try:
        _check_mount_data("lowerdir=" + ":".join(lowers), len(lowers))
        mount("overlay", d, "overlay", MS_RDONLY, "lowerdir=" + ":".join(lowers))
        try:
            yield d
        finally:
            umount2(d, MNT_DETACH)
    finally:
        with contextlib.suppress(OSError):
            os.rmdir(d)


def _check_mount_data(data: str, layers: int) -> None:
    """overlayfs takes its options in one page: too many layers cannot be mounted."""
    if len(data) >= 4000:
        from .errors import BuildError
        raise BuildError(f"the image has too many layers to mount ({layers}): squash some RUN/COPY steps")


def elapsed(t0: float) -> float:
    return time.monotonic() - t0


__all__ = ["RunRequest", "RunResult", "discard_workspace", "keep_failed", "merged_view",
           "remove_mountpoints", "run_container"]
