"""Run options -> OCI runtime spec (``config.json``): a pure function, modelled on what Docker puts
in the spec (moby ``oci/defaults.go`` and ``daemon/oci_linux.go``).

    spec = build_spec(SpecOptions(args=["sh"], env=["PATH=/bin"], hostname="abc"), rootfs="rootfs")

``resolve_user`` turns docker's ``-u`` value into ids, reading the image's /etc/passwd and /etc/group
through a callback (so it works on a directory, a layer or a tar alike).
"""

from __future__ import annotations

from .._record import Record, field
from ..errors import InvalidArgument
from ..linux._constants import CAPABILITIES
from . import seccomp

TYPE_CHECKING = False  # no typing at run time: ``run`` builds the spec on its hot path
if TYPE_CHECKING:
    from collections.abc import Callable
    from typing import Any

OCI_VERSION = "1.0.2"
INIT_BINARY = "/usr/bin/tini-static"
INIT_PATH = "/sbin/docker-init"

DEFAULT_CAPABILITIES: tuple[str, ...] = (
    "CAP_CHOWN", "CAP_DAC_OVERRIDE", "CAP_FSETID", "CAP_FOWNER", "CAP_MKNOD", "CAP_NET_RAW",
    "CAP_SETGID", "CAP_SETUID", "CAP_SETFCAP", "CAP_SETPCAP", "CAP_NET_BIND_SERVICE",
    "CAP_SYS_CHROOT", "CAP_KILL", "CAP_AUDIT_WRITE",
)

MASKED_PATHS: tuple[str, ...] = (
    "/proc/asound", "/proc/acpi", "/proc/kcore", "/proc/keys", "/proc/latency_stats",
    "/proc/timer_list", "/proc/timer_stats", "/proc/sched_debug", "/proc/scsi", "/sys/firmware",
    "/sys/devices/virtual/powercap",
)
READONLY_PATHS: tuple[str, ...] = (
    "/proc/bus", "/proc/fs", "/proc/irq", "/proc/sys", "/proc/sysrq-trigger",
)

# (path, type, major, minor)
DEFAULT_DEVICES: tuple[tuple[str, str, int, int], ...] = (
    ("/dev/null", "c", 1, 3), ("/dev/zero", "c", 1, 5), ("/dev/full", "c", 1, 7),
    ("/dev/random", "c", 1, 8), ("/dev/urandom", "c", 1, 9), ("/dev/tty", "c", 5, 0),
)

# device cgroup allow-list (type, major, minor, access); -1 is "*"
_ALLOWED_DEVICES: tuple[tuple[str, int, int, str], ...] = (
    ("c", -1, -1, "m"), ("b", -1, -1, "m"),
    ("c", 1, 3, "rwm"), ("c", 1, 8, "rwm"), ("c", 1, 7, "rwm"), ("c", 5, 0, "rwm"),
    ("c", 1, 5, "rwm"), ("c", 1, 9, "rwm"), ("c", 136, -1, "rwm"), ("c", 5, 2, "rwm"),
    ("c", 10, 200, "rwm"),
)

SHM_SIZE = 64 * 1024 * 1024
CPU_PERIOD = 100_000


class SpecOptions(Record, frozen=True):
    args: list[str]
    env: list[str]
    cwd: str = "/"
    uid: int = 0
    gid: int = 0
    additional_gids: tuple[int, ...] = ()
    hostname: str = ""
    tty: bool = False
    console_size: tuple[int, int] | None = None  # (height, width) of the attached terminal
    read_only: bool = False
    memory: int | None = None
    memory_swap: int | None = None
    cpus: float | None = None
    pids_limit: int | None = None
    init: bool = False
    cap_add: tuple[str, ...] = ()
    cap_drop: tuple[str, ...] = ()
    privileged: bool = False
    rlimits: tuple[tuple[str, int, int], ...] = ()
    extra_mounts: tuple[dict[str, Any], ...] = ()
    network_namespace: str | None = None
    cgroups_path: str = ""
    annotations: dict[str, str] = field(default_factory=dict)


def _norm_cap(name: str) -> str:
    key = name.upper()
    return key if key.startswith("CAP_") else "CAP_" + key


def capabilities(cap_add: tuple[str, ...], cap_drop: tuple[str, ...], privileged: bool) -> list[str]:
    """Docker's TweakCapabilities: defaults, minus drops, plus adds; ``ALL`` works in both."""
    if privileged:
        return list(CAPABILITIES)
    adds = [_norm_cap(c) for c in cap_add]
    drops = [_norm_cap(c) for c in cap_drop]
    for cap in adds + drops:
        if cap != "CAP_ALL" and cap not in CAPABILITIES:
            raise InvalidArgument(f"unknown capability: {cap!r}")
    if "CAP_ALL" in adds:
        base = list(CAPABILITIES)
    elif "CAP_ALL" in drops:
        base = []
    else:
        base = list(DEFAULT_CAPABILITIES)
    base = [c for c in base if c not in drops or c in adds]
    for cap in adds:
        if cap != "CAP_ALL" and cap not in base:
            base.append(cap)
    return base


def _default_mounts(privileged: bool) -> list[dict[str, Any]]:
    sys_opts = ["nosuid", "noexec", "nodev"] + ([] if privileged else ["ro"])
    cg_opts = (["rw"] if privileged else ["ro"]) + ["nosuid", "noexec", "nodev"]
    return [
        {"destination": "/proc", "type": "proc", "source": "proc", "options": ["nosuid", "noexec", "nodev"]},
        {"destination": "/dev", "type": "tmpfs", "source": "tmpfs",
         "options": ["nosuid", "strictatime", "mode=755", "size=65536k"]},
        {"destination": "/dev/pts", "type": "devpts", "source": "devpts",
         "options": ["nosuid", "noexec", "newinstance", "ptmxmode=0666", "mode=0620", "gid=5"]},
        {"destination": "/sys", "type": "sysfs", "source": "sysfs", "options": sys_opts},
        {"destination": "/sys/fs/cgroup", "type": "cgroup", "source": "cgroup", "options": cg_opts},
        {"destination": "/dev/mqueue", "type": "mqueue", "source": "mqueue",
         "options": ["nosuid", "noexec", "nodev"]},
        {"destination": "/dev/shm", "type": "tmpfs", "source": "shm",
         "options": ["nosuid", "noexec", "nodev", "mode=1777", f"size={SHM_SIZE}"]},
    ]


def _resources(opts: SpecOptions) -> dict[str, Any]:
    res: dict[str, Any] = {}
    if opts.privileged:
        res["devices"] = [{"allow": True, "access": "rwm"}]
    else:
        res["devices"] = [{"allow": False, "access": "rwm"}] + [
            {"allow": True, "type": t, **({"major": ma} if ma >= 0 else {}),
             **({"minor": mi} if mi >= 0 else {}), "access": acc}
            for t, ma, mi, acc in _ALLOWED_DEVICES
        ]
    if opts.memory is not None:
        mem: dict[str, Any] = {"limit": opts.memory}
        if opts.memory_swap is None:
            mem["swap"] = 2 * opts.memory
        elif opts.memory_swap != 0:
            mem["swap"] = opts.memory_swap
        res["memory"] = mem
    if opts.cpus is not None:
        if opts.cpus <= 0:
            raise InvalidArgument("Range of CPUs is from 0.01 to the number of CPUs available")
        res["cpu"] = {"quota": int(opts.cpus * CPU_PERIOD), "period": CPU_PERIOD}
    if opts.pids_limit is not None and opts.pids_limit > 0:
        res["pids"] = {"limit": opts.pids_limit}
    return res


def build_spec(opts: SpecOptions, *, rootfs: str) -> dict[str, Any]:
    """The OCI runtime spec for ``opts``; ``rootfs`` becomes ``root.path``."""
    if not opts.args:
        raise InvalidArgument("no command specified")
    caps = capabilities(opts.cap_add, opts.cap_drop, opts.privileged)
    args = list(opts.args)
    mounts = _default_mounts(opts.privileged)
    if opts.init:
        args = [INIT_PATH, "--", *args]
        mounts.append({"destination": INIT_PATH, "type": "bind", "source": INIT_BINARY,
                       "options": ["rbind", "ro"]})
    mounts.extend(dict(m) for m in opts.extra_mounts)

    process: dict[str, Any] = {
        "terminal": opts.tty,
        **({"consoleSize": {"height": opts.console_size[0], "width": opts.console_size[1]}}
           if opts.tty and opts.console_size else {}),
        "user": {"uid": opts.uid, "gid": opts.gid,
                 **({"additionalGids": list(opts.additional_gids)} if opts.additional_gids else {})},
        "args": args,
        "env": list(opts.env),
        "cwd": opts.cwd or "/",
        "capabilities": {
            "bounding": list(caps),
            "effective": list(caps) if opts.uid == 0 else [],
            "permitted": list(caps) if opts.uid == 0 else [],
        },
        "noNewPrivileges": True,
    }
    if opts.rlimits:
        process["rlimits"] = [{"type": t, "soft": s, "hard": h} for t, s, h in opts.rlimits]

    namespaces: list[dict[str, str]] = [{"type": "pid"}, {"type": "ipc"}, {"type": "uts"},
                                        {"type": "mount"}]
    if opts.network_namespace is None:
        namespaces.append({"type": "network"})
    elif opts.network_namespace != "host":
        namespaces.append({"type": "network", "path": opts.network_namespace})
    namespaces.append({"type": "cgroup"})

    linux: dict[str, Any] = {
        "resources": _resources(opts),
        "namespaces": namespaces,
        "devices": [{"path": p, "type": t, "major": ma, "minor": mi, "fileMode": 0o666, "uid": 0, "gid": 0}
                    for p, t, ma, mi in DEFAULT_DEVICES],
    }
    if opts.cgroups_path:
        linux["cgroupsPath"] = opts.cgroups_path
    if not opts.privileged:
        linux["maskedPaths"] = list(MASKED_PATHS)
        linux["readonlyPaths"] = list(READONLY_PATHS)
        linux["seccomp"] = seccomp.default_profile(caps)

    spec: dict[str, Any] = {
        "ociVersion": OCI_VERSION,
        "process": process,
        "root": {"path": rootfs, "readonly": opts.read_only},
        "hostname": opts.hostname,
        "mounts": mounts,
        "linux": linux,
    }
    if opts.annotations:
        spec["annotations"] = dict(opts.annotations)
    return spec


# --- users -----------------------------------------------------------------------------------------


def _parse_db(data: bytes | None, min_fields: int) -> list[list[str]]:
    if not data:
        return []
    rows = []
    for line in data.decode(errors="replace").splitlines():
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        parts = line.split(":")
        if len(parts) >= min_fields:
            rows.append(parts)
    return rows


def resolve_user(user: str, read_file: Callable[[str], bytes | None]) -> tuple[int, int, tuple[int, ...]]:
    """docker's ``-u`` -> (uid, gid, supplementary gids), with runc's GetExecUser rules.

    ``read_file("/etc/passwd")`` returns the file's bytes in the rootfs, or None when absent.
    """
    user_part, _, group_part = (user or "").partition(":")
    passwd = _parse_db(read_file("/etc/passwd"), 7)
    uid, gid, name = 0, 0, ""
    if user_part == "":
        user_part = "0" if not group_part else ""
    if user_part:
        entry = None
        for row in passwd:
            if row[0] == user_part or (user_part.isdigit() and row[2] == user_part):
                entry = row
                break
        if entry is not None:
            name = entry[0]
            uid, gid = int(entry[2]), int(entry[3])
        elif user_part.isdigit():
            uid = int(user_part)
        else:
            raise InvalidArgument(f"unable to find user {user_part}: no matching entries in passwd file")
    groups = _parse_db(read_file("/etc/group"), 3) if (group_part or name) else []
    sgids: list[int] = []
    if group_part:
        found = None
        for row in groups:
            if row[0] == group_part or (group_part.isdigit() and row[2] == group_part):
                found = int(row[2])
                break
        if found is not None:
            gid = found
        elif group_part.isdigit():
            gid = int(group_part)
        else:
            raise InvalidArgument(f"unable to find group {group_part}: no matching entries in group file")
    elif name:
        for row in groups:
            members = [m.strip() for m in row[3].split(",")] if len(row) > 3 else []
            if name in members and row[2].isdigit():
                g = int(row[2])
                if g not in sgids:
                    sgids.append(g)
    return uid, gid, tuple(sgids)
