"""Steps that build the container's filesystem view (run in the container's mount namespace).

Each function is one named step of ``init.STEPS``; they run in the order of that list.
"""

from __future__ import annotations

import os
import stat

from ... import linux
from ..._record import Record, field
from . import mountopts
from .paths import secure_join

TYPE_CHECKING = False  # lean imports: see runtime.py
if TYPE_CHECKING:
    import socket
    from typing import Any

    from ...mount import Mount
    from .. import seccomp
    from ..protocols import Stdio

_PRESERVED = linux.MS_NOSUID | linux.MS_NODEV | linux.MS_NOEXEC
TIOCGPTN = 0x80045430
TIOCSPTLCK = 0x40045431
TIOCGPTPEER = 0x5441
TIOCSWINSZ = 0x5414


class HostCgroup(Record):
    """One cgroup hierarchy as the host sees it: mount point and this process's path in it."""

    mountpoint: str
    fstype: str
    path: str


class InitContext(Record):
    spec: dict[str, Any]
    rootfs: str                    # absolute host path of root.path
    rootfs_mounts: tuple[Mount, ...]
    bundle: str
    host_cgroups: list[HostCgroup] = field(default_factory=list)
    console_master: int | None = None
    console_slave: int | None = None
    stdio: Stdio | None = None
    errfd: int = -1
    console_sock: socket.socket | None = None
    seccomp_filter: seccomp.Filter | seccomp.BpfFilter | None = None
    go_fd: int | None = None       # on_created: one byte on it = the hook is done (EOF: give up)
    cgroup_dirs: tuple[str, ...] = ()  # the container's cgroup (``Cgroup.dirs()``), joined first
    cgroup_v2: bool = False


def _mnt_flags(path: str) -> int:
    st = os.statvfs(path)
    return int(st.f_flag) & (_PRESERVED | linux.MS_RDONLY)


def _remount_bind(path: str, flags: int) -> None:
    linux.mount(None, path, None, linux.MS_BIND | linux.MS_REMOUNT | flags | (_mnt_flags(path) & _PRESERVED))


def read_host_cgroups() -> list[HostCgroup]:
    """Cgroup hierarchies mounted under /sys/fs/cgroup and this process's path in each."""
    mine: dict[str, str] = {}
    with open("/proc/self/cgroup") as f:
        for line in f:
            _, ctrls, path = line.rstrip("\n").split(":", 2)
            mine[ctrls] = path
    out: list[HostCgroup] = []
    with open("/proc/self/mountinfo") as f:
        for line in f:
            parts = line.split()
            sep = parts.index("-")
            fstype, mountpoint, root = parts[sep + 1], parts[4], parts[3]
            if fstype not in ("cgroup", "cgroup2") or not mountpoint.startswith("/sys/fs/cgroup"):
                continue
            if fstype == "cgroup2":
                key = ""
            else:
                opts = parts[sep + 3].split(",")
                names = [o for o in opts if o not in ("rw", "ro", "nosuid", "nodev", "noexec",
                                                      "relatime", "clone_children", "xattr")
                         and not o.startswith("release_agent=")]
                key = ",".join(names)
            mypath = mine.get(key)
            if mypath is None:
                continue
            rel = os.path.relpath(mypath, root) if root != "/" else mypath.lstrip("/")
            out.append(HostCgroup(mountpoint, fstype, rel))
    return out


def mount_rootfs(ctx: InitContext) -> None:
    """Make / private, then mount the rootfs mounts onto root.path (a bind when there are none)."""
    linux.mount(None, "/", None, linux.MS_REC | linux.MS_PRIVATE)
    if not ctx.rootfs_mounts:
        linux.mount(ctx.rootfs, ctx.rootfs, None, linux.MS_BIND | linux.MS_REC)
        return
    for m in ctx.rootfs_mounts:
        opts = mountopts.parse(m.options)
        linux.mount(m.source, ctx.rootfs, m.type, opts.flags & ~linux.MS_RDONLY if opts.is_bind
                    else opts.flags, opts.data)
        if opts.is_bind and opts.flags & linux.MS_RDONLY:
            _remount_bind(ctx.rootfs, linux.MS_RDONLY)


def _make_mountpoint(path: str, is_dir: bool) -> None:
    if os.path.lexists(path):
        return
    if is_dir:
        os.makedirs(path, exist_ok=True)
    else:
        os.makedirs(os.path.dirname(path), exist_ok=True)
        os.close(os.open(path, os.O_CREAT | os.O_WRONLY | os.O_CLOEXEC, 0o755))


def _mount_cgroup(ctx: InitContext, dest: str, opts: mountopts.MountOptions) -> None:
    ro = opts.flags & linux.MS_RDONLY
    base = opts.flags & (_PRESERVED)
    v2_only = len(ctx.host_cgroups) == 1 and ctx.host_cgroups[0].mountpoint == "/sys/fs/cgroup"
    if v2_only:
        linux.mount("cgroup2", dest, "cgroup2", opts.flags)
        return
    linux.mount("tmpfs", dest, "tmpfs", base, "mode=755")  # stays rw, as with runc
    for hc in ctx.host_cgroups:
        if hc.fstype == "cgroup2":  # hybrid host: runc shows only the v1 hierarchies
            continue
        name = os.path.relpath(hc.mountpoint, "/sys/fs/cgroup")
        target = os.path.join(dest, name)
        try:  # dest is the fresh tmpfs: no makedirs (and its stat calls) needed
            os.mkdir(target)
        except FileExistsError:
            if not os.path.isdir(target):
                raise
        linux.mount(os.path.join(hc.mountpoint, hc.path), target, None, linux.MS_BIND | linux.MS_REC)
        _remount_bind(target, base | ro)
        if "," in name:
            for alias in name.split(","):
                link = os.path.join(dest, alias)
                if not os.path.lexists(link):
                    os.symlink(name, link)


def mount_spec_mounts(ctx: InitContext) -> None:
    """The spec's ``mounts`` in order, each destination resolved inside the rootfs."""
    for m in ctx.spec.get("mounts") or []:
        dest = secure_join(ctx.rootfs, m["destination"])
        opts = mountopts.parse(m.get("options") or [])
        mtype = m.get("type") or ""
        source = m.get("source") or ""
        if opts.is_bind or mtype == "bind":
            if not source.startswith("/"):
                source = os.path.join(ctx.bundle, source)
            _make_mountpoint(dest, os.path.isdir(source))
            flags = opts.flags | linux.MS_BIND
            linux.mount(source, dest, None, flags & (linux.MS_BIND | linux.MS_REC))
            rest = flags & ~(linux.MS_BIND | linux.MS_REC | linux.MS_REMOUNT)
            if rest:
                _remount_bind(dest, rest)
        elif mtype == "cgroup":
            _make_mountpoint(dest, True)
            _mount_cgroup(ctx, dest, opts)
        else:
            _make_mountpoint(dest, True)
            linux.mount(source or mtype, dest, mtype, opts.flags, opts.data)
        for p in opts.propagation:
            linux.mount(None, dest, None, p)


def create_devices(ctx: InitContext) -> None:
    """mknod each ``linux.devices`` entry; bind-mount the host node when mknod is refused."""
    old = os.umask(0)
    parents: set[str] = set()  # directories made (or found) already: most devices share /dev
    try:
        for dev in (ctx.spec.get("linux") or {}).get("devices") or []:
            path = secure_join(ctx.rootfs, dev["path"])
            parent = os.path.dirname(path)
            if parent not in parents:
                os.makedirs(parent, exist_ok=True)
                parents.add(parent)
            kind = stat.S_IFBLK if dev.get("type") == "b" else stat.S_IFCHR
            mode = dev.get("fileMode", 0o666) & 0o7777
            try:
                os.unlink(path)
            except FileNotFoundError:
                pass
            try:
                os.mknod(path, kind | mode, os.makedev(dev["major"], dev["minor"]))
                os.chown(path, dev.get("uid", 0), dev.get("gid", 0))
            except PermissionError:
                os.close(os.open(path, os.O_CREAT | os.O_WRONLY | os.O_CLOEXEC, 0o666))
                linux.mount(dev["path"], path, None, linux.MS_BIND)
    finally:
        os.umask(old)


def dev_symlinks(ctx: InitContext) -> None:
    dev = secure_join(ctx.rootfs, "/dev")
    links = [("/proc/self/fd", "fd"), ("/proc/self/fd/0", "stdin"), ("/proc/self/fd/1", "stdout"),
             ("/proc/self/fd/2", "stderr")]
    if os.path.exists("/proc/kcore"):
        links.append(("/proc/kcore", "core"))
    for target, name in links:
        path = os.path.join(dev, name)
        if not os.path.lexists(path):
            os.symlink(target, path)
    ptmx = os.path.join(dev, "ptmx")
    if os.path.lexists(ptmx):
        os.unlink(ptmx)
    os.symlink("pts/ptmx", ptmx)


def setup_console(ctx: InitContext) -> None:
    """When process.terminal: a pty from the container's devpts; its slave becomes /dev/console."""
    if not (ctx.spec.get("process") or {}).get("terminal"):
        return
    master, slave, name = open_pty(secure_join(ctx.rootfs, "/dev/pts/ptmx"))
    ctx.console_master, ctx.console_slave = master, slave
    size = (ctx.spec.get("process") or {}).get("consoleSize")
    if size:  # the size is right before the program starts (the monitor only follows changes)
        import fcntl
        import struct
        fcntl.ioctl(slave, TIOCSWINSZ, struct.pack("HHHH", int(size.get("height", 0)), int(size.get("width", 0)),
                                                   0, 0))
    console = secure_join(ctx.rootfs, "/dev/console")
    _make_mountpoint(console, False)
    linux.mount(os.path.join(secure_join(ctx.rootfs, "/dev/pts"), name), console, None, linux.MS_BIND)


def open_pty(ptmx: str) -> tuple[int, int, str]:
    """(master, slave, slave's number as a string) from the devpts instance of ``ptmx``."""
    import fcntl
    import struct
    master = os.open(ptmx, os.O_RDWR | os.O_NOCTTY | os.O_CLOEXEC)
    fcntl.ioctl(master, TIOCSPTLCK, struct.pack("i", 0))
    num = struct.unpack("I", fcntl.ioctl(master, TIOCGPTN, struct.pack("I", 0)))[0]
    slave = fcntl.ioctl(master, TIOCGPTPEER, os.O_RDWR | os.O_NOCTTY)
    return master, slave, str(num)


def pivot_root(ctx: InitContext) -> None:
    old = os.open("/", os.O_DIRECTORY | os.O_RDONLY | os.O_CLOEXEC)
    new = os.open(ctx.rootfs, os.O_DIRECTORY | os.O_RDONLY | os.O_CLOEXEC)
    try:
        os.fchdir(new)
        linux.pivot_root(".", ".")
        os.fchdir(old)
        linux.mount(None, ".", None, linux.MS_SLAVE | linux.MS_REC)
        linux.umount2(".", linux.MNT_DETACH)
        os.chdir("/")
    finally:
        os.close(old)
        os.close(new)


def readonly_root(ctx: InitContext) -> None:
    if (ctx.spec.get("root") or {}).get("readonly"):
        _remount_bind("/", linux.MS_RDONLY)


def readonly_paths(ctx: InitContext) -> None:
    for p in (ctx.spec.get("linux") or {}).get("readonlyPaths") or []:
        if not os.path.exists(p):
            continue
        linux.mount(p, p, None, linux.MS_BIND | linux.MS_REC)
        _remount_bind(p, linux.MS_RDONLY | linux.MS_REC)


def masked_paths(ctx: InitContext) -> None:
    for p in (ctx.spec.get("linux") or {}).get("maskedPaths") or []:
        if not os.path.lexists(p):
            continue
        if os.path.isdir(p):
            linux.mount("tmpfs", p, "tmpfs", linux.MS_RDONLY)
        else:
            linux.mount("/dev/null", p, None, linux.MS_BIND)


def create_cwd(ctx: InitContext) -> None:
    cwd = (ctx.spec.get("process") or {}).get("cwd") or "/"
    path = secure_join(ctx.rootfs, cwd)
    if not os.path.exists(path):
        os.makedirs(path, 0o755, exist_ok=True)
