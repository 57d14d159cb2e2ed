"""Container cgroups, v1 (one directory per controller) or v2 (one unified directory).

The layout matches runc's cgroupfs driver, so both backends find the same files:
v1 ``/sys/fs/cgroup/<controller>/<cgroupsPath>``, v2 ``/sys/fs/cgroup/<cgroupsPath>``.  On a
"hybrid" host (v1 controllers plus a v2 mount at /sys/fs/cgroup/unified) v1 is used.
"""

from __future__ import annotations

import errno
import os
import time

from .._record import Record
from ..errors import FailedPrecondition
from .protocols import Stats

TYPE_CHECKING = False  # no typing, contextlib or signal: this module is on the run and exec paths
if TYPE_CHECKING:
    from typing import Any

_SIGKILL = 9

ROOT = "/sys/fs/cgroup"
V1_CONTROLLERS: tuple[str, ...] = ("memory", "cpu", "cpuacct", "pids", "freezer", "devices", "blkio")
_UNLIMITED_V1 = 1 << 62


class Cgroup(Record, frozen=True):
    """A container's cgroup: ``path`` is the OCI cgroupsPath (absolute, e.g. ``/dockyard/<id>``)."""

    path: str
    v2: bool

    def dirs(self) -> list[str]:
        """Every directory of this cgroup (one per v1 hierarchy, deduplicated; one for v2)."""
        rel = self.path.strip("/")
        if self.v2:
            return [os.path.join(ROOT, rel)]
        seen: dict[str, str] = {}
        for ctrl in V1_CONTROLLERS:
            base = os.path.join(ROOT, ctrl)
            if not os.path.isdir(base):
                continue
            seen.setdefault(os.path.realpath(base), os.path.join(base, rel))
        return list(seen.values())

    def all_dirs(self) -> list[str]:
        """Directories of this path in every hierarchy (runc also uses cpuset, systemd, ...)."""
        if self.v2:
            return self.dirs()
        rel = self.path.strip("/")
        out = self.dirs()
        try:
            names = sorted(os.listdir(ROOT))
        except OSError:
            return out
        for name in names:
            d = os.path.join(ROOT, name, rel)
            if d not in out and not os.path.islink(os.path.join(ROOT, name)) and os.path.isdir(d):
                out.append(d)
        return out

    def controller_dir(self, controller: str) -> str:
        rel = self.path.strip("/")
        return os.path.join(ROOT, rel) if self.v2 else os.path.join(ROOT, controller, rel)


def is_v2_host() -> bool:
    return os.path.exists(os.path.join(ROOT, "cgroup.controllers"))


def for_spec(spec: dict[str, Any], container_id: str) -> Cgroup:
    path = (spec.get("linux") or {}).get("cgroupsPath") or f"/dockyard/{container_id}"
    if ":" in path and not path.startswith("/"):
        raise FailedPrecondition(f"systemd cgroup paths are not supported: {path}")
    return Cgroup(path if path.startswith("/") else "/" + path, is_v2_host())


def _write(path: str, value: str) -> None:
    fd = os.open(path, os.O_WRONLY | os.O_CLOEXEC)
    try:
        os.write(fd, value.encode())
    finally:
        os.close(fd)


def _read(path: str) -> str:
    with open(path) as f:
        return f.read()


def _device_rule(dev: dict[str, Any]) -> str:
    major = dev.get("major")
    minor = dev.get("minor")
    return (f"{dev.get('type', 'a')} {'*' if major is None or major < 0 else major}:"
            f"{'*' if minor is None or minor < 0 else minor} {dev.get('access', 'rwm')}")


def _apply_v1(cg: Cgroup, res: dict[str, Any]) -> None:
    mem = res.get("memory") or {}
    mdir = cg.controller_dir("memory")
    if mem.get("limit") is not None:
        _write(os.path.join(mdir, "memory.limit_in_bytes"), str(mem["limit"]))
    if mem.get("swap") is not None and os.path.exists(os.path.join(mdir, "memory.memsw.limit_in_bytes")):
        _write(os.path.join(mdir, "memory.memsw.limit_in_bytes"), str(mem["swap"]))
    cpu = res.get("cpu") or {}
    cdir = cg.controller_dir("cpu")
    if cpu.get("period"):
        _write(os.path.join(cdir, "cpu.cfs_period_us"), str(cpu["period"]))
    if cpu.get("quota"):
        _write(os.path.join(cdir, "cpu.cfs_quota_us"), str(cpu["quota"]))
    if cpu.get("shares"):
        _write(os.path.join(cdir, "cpu.shares"), str(cpu["shares"]))
    pids = res.get("pids") or {}
    if pids.get("limit") is not None and pids["limit"] > 0:
        _write(os.path.join(cg.controller_dir("pids"), "pids.max"), str(pids["limit"]))
    ddir = cg.controller_dir("devices")
    if res.get("devices") and os.path.isdir(ddir):
        fds: dict[str, int] = {}  # one descriptor per file: the kernel takes one rule per write
        try:
            for dev in res["devices"]:
                name = "devices.allow" if dev.get("allow") else "devices.deny"
                if name not in fds:
                    fds[name] = os.open(os.path.join(ddir, name), os.O_WRONLY | os.O_CLOEXEC)
                os.write(fds[name], _device_rule(dev).encode())
        finally:
            for fd in fds.values():
                os.close(fd)


def _apply_v2(cg: Cgroup, res: dict[str, Any]) -> None:
    d = cg.dirs()[0]
    mem = res.get("memory") or {}
    if mem.get("limit") is not None:
        _write(os.path.join(d, "memory.max"), str(mem["limit"]))
        swap = mem.get("swap")
        if swap is not None and os.path.exists(os.path.join(d, "memory.swap.max")):
            value = "max" if swap < 0 else str(max(swap - mem["limit"], 0))
            _write(os.path.join(d, "memory.swap.max"), value)
    cpu = res.get("cpu") or {}
    if cpu.get("quota"):
        _write(os.path.join(d, "cpu.max"), f"{cpu['quota']} {cpu.get('period') or 100000}")
    pids = res.get("pids") or {}
    if pids.get("limit") is not None and pids["limit"] > 0:
        _write(os.path.join(d, "pids.max"), str(pids["limit"]))


def _enable_v2_controllers(cg: Cgroup) -> None:
    parts = cg.path.strip("/").split("/")
    cur = ROOT
    for part in parts:
        avail = _read(os.path.join(cur, "cgroup.controllers")).split()
        wanted = [c for c in ("cpu", "memory", "pids", "io") if c in avail]
        try:
            _write(os.path.join(cur, "cgroup.subtree_control"), " ".join("+" + c for c in wanted))
        except OSError:
            pass
        cur = os.path.join(cur, part)
        os.makedirs(cur, exist_ok=True)


def create(cg: Cgroup, resources: dict[str, Any], dirs: list[str] | None = None) -> None:
    """Make the directories (``dirs``: ``cg.dirs()`` when the caller has it) and apply
    ``linux.resources``; on failure remove what was made."""
    try:
        if cg.v2:
            _enable_v2_controllers(cg)
            _apply_v2(cg, resources)
        else:
            for d in cg.dirs() if dirs is None else dirs:
                os.makedirs(d, exist_ok=True)
            _apply_v1(cg, resources)
    except OSError as err:
        remove(cg)
        raise FailedPrecondition(f"cgroup {cg.path}: {err.strerror or err}") from err


def join(cg: Cgroup, pid: int) -> None:
    for d in cg.dirs():
        _write(os.path.join(d, "cgroup.procs"), str(pid))


def join_self(dirs: list[str] | tuple[str, ...], v2: bool) -> None:
    """Move the calling process, which must be single-threaded (a fresh fork), into the cgroup
    directories ``dirs`` (``Cgroup.dirs()``).

    On v1 this writes 0 (the writer itself) to each hierarchy's ``tasks`` file: the kernel moves
    a single thread that is ``current`` without taking the global cgroup threadgroup rwsem for
    writing, whose first writer waits for an RCU grace period (5-20 ms here; a ``cgroup.procs``
    write pays it, runc too).  For a single-threaded process the result is the same as
    ``cgroup.procs``.  v2 has no such move for a domain cgroup: ``cgroup.procs`` it is."""
    name = "cgroup.procs" if v2 else "tasks"
    for d in dirs:
        _write(os.path.join(d, name), "0")


def procs(cg: Cgroup) -> list[int]:
    for d in cg.dirs():
        try:
            return [int(x) for x in _read(os.path.join(d, "cgroup.procs")).split()]
        except FileNotFoundError:
            continue
    return []


def _set_frozen(cg: Cgroup, frozen: bool) -> None:
    if cg.v2:
        d = cg.dirs()[0]
        _write(os.path.join(d, "cgroup.freeze"), "1" if frozen else "0")
        want = f"frozen {1 if frozen else 0}"
        for _ in range(2000):
            if want in _read(os.path.join(d, "cgroup.events")):
                return
            time.sleep(0.001)
        raise FailedPrecondition(f"cgroup {cg.path}: timed out waiting for freeze={frozen}")
    path = os.path.join(cg.controller_dir("freezer"), "freezer.state")
    want_state = "FROZEN" if frozen else "THAWED"
    for _ in range(2000):
        _write(path, want_state)
        if _read(path).strip() == want_state:
            return
        time.sleep(0.001)
    raise FailedPrecondition(f"cgroup {cg.path}: timed out waiting for {want_state}")


def freeze(cg: Cgroup) -> None:
    _set_frozen(cg, True)


def thaw(cg: Cgroup) -> None:
    _set_frozen(cg, False)


def oom_killed(cg: Cgroup) -> bool:
    try:
        if cg.v2:
            text = _read(os.path.join(cg.dirs()[0], "memory.events"))
        else:
            text = _read(os.path.join(cg.controller_dir("memory"), "memory.oom_control"))
    except FileNotFoundError:
        return False
    for line in text.splitlines():
        key, _, val = line.partition(" ")
        if key == "oom_kill" and int(val) > 0:
            return True
    return False


def _read_int(path: str, default: int = 0) -> int:
    try:
        text = _read(path).strip()
    except OSError:
        return default
    if text == "max":
        return 0
    return int(text.split()[0]) if text else default


def stats(cg: Cgroup) -> Stats:
    if cg.v2:
        d = cg.dirs()[0]
        cpu = 0
        try:
            for line in _read(os.path.join(d, "cpu.stat")).splitlines():
                if line.startswith("usage_usec "):
                    cpu = int(line.split()[1]) * 1000
        except OSError:
            pass
        return Stats(memory_usage=_read_int(os.path.join(d, "memory.current")),
                     memory_limit=_read_int(os.path.join(d, "memory.max")),
                     cpu_usage_ns=cpu, pids=_read_int(os.path.join(d, "pids.current")))
    mdir = cg.controller_dir("memory")
    limit = _read_int(os.path.join(mdir, "memory.limit_in_bytes"))
    return Stats(memory_usage=_read_int(os.path.join(mdir, "memory.usage_in_bytes")),
                 memory_limit=0 if limit >= _UNLIMITED_V1 else limit,
                 cpu_usage_ns=_read_int(os.path.join(cg.controller_dir("cpuacct"), "cpuacct.usage")),
                 pids=_read_int(os.path.join(cg.controller_dir("pids"), "pids.current")))


def kill_all(cg: Cgroup, sig: int = _SIGKILL) -> None:
    for pid in procs(cg):
        try:
            os.kill(pid, sig)
        except ProcessLookupError:
            pass


def remove(cg: Cgroup, timeout: float = 5.0) -> None:
    """Kill whatever is left in the cgroup, then remove its directories.  Idempotent."""
    dirs = [d for d in cg.all_dirs() if os.path.isdir(d)]
    if not dirs:
        return
    deadline = time.monotonic() + timeout
    while True:
        kill_all(cg)
        state = os.path.join(cg.controller_dir("freezer"), "freezer.state")
        try:
            if not cg.v2 and _read(state).strip() != "THAWED":
                _write(state, "THAWED")
        except OSError:
            pass
        try:
            if cg.v2:
                _write(os.path.join(dirs[0], "cgroup.freeze"), "0")
        except OSError:
            pass
        busy = False
        for d in dirs:
            try:
                os.rmdir(d)
            except FileNotFoundError:
                pass
            except OSError as err:
                if err.errno != errno.EBUSY:
                    raise
                busy = True
        if not busy:
            return
        if time.monotonic() > deadline:
            raise FailedPrecondition(f"cgroup {cg.path} still busy after {timeout}s")
        time.sleep(0.002)
