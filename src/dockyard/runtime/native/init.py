"""The container init: a flat, ordered list of named steps run in the forked child (crun style).

Failures go to the parent over a CLOEXEC pipe as one line ``err {"step", "msg", "code"}``;
a successful execve closes the pipe, which the parent reads as success.

The init moves itself into the container's cgroup first (``cgroups.join_self``).  With an
``on_created`` hook it reports ``created`` once its namespaces exist and goes on while the parent
runs the hook; ``wait for on_created`` (a byte on ``go_fd``) comes just before privileges are
dropped and the user program is exec'd.
"""

from __future__ import annotations

import errno
import os

from ... import linux
from .. import seccomp
from . import process as proc
from . import rootfs
from .rootfs import InitContext

TYPE_CHECKING = False  # lean imports: see runtime.py
if TYPE_CHECKING:
    from collections.abc import Callable
    from typing import Any

SIOCGIFFLAGS = 0x8913
SIOCSIFFLAGS = 0x8914
IFF_UP = 0x1


def error_info(step: str, err: BaseException) -> dict[str, Any]:
    """What the parent learns of a failure: ``{"step", "msg", "code"}``."""
    if isinstance(err, proc.ExecFailure):
        code, msg = err.exit_code, str(err)
    elif isinstance(err, OSError):
        code = 125
        msg = f"{err.strerror or err}" + (f": {err.filename}" if err.filename else "")
    else:
        code, msg = 125, f"{type(err).__name__}: {err}"
    return {"step": step, "msg": msg[:3000], "code": code}


def report(fd: int, step: str, err: BaseException) -> None:
    """Write a failure line for the parent (best effort: the child exits right after)."""
    from ...jsonfast import dumps
    line = "err " + dumps(error_info(step, err)) + "\n"
    try:
        os.write(fd, line.encode())
    except OSError:
        pass


def preload(process: dict[str, Any]) -> None:
    """Import now what the later steps import lazily: once the init has pivoted (or an exec'd
    process has joined the container's mount namespace) the host's module files are out of reach.
    Built-in modules (fcntl, _socket, _signal, gc, ...) need nothing."""
    import struct  # noqa: F401 - loopback and pty ioctls

    from ... import jsonfast  # noqa: F401 - report()
    from ...linux import _syscalls  # noqa: F401 - ctypes and libc, behind linux.<syscall>
    if process.get("rlimits"):
        import resource  # noqa: F401
    if process.get("terminal"):
        import socket  # noqa: F401
        import termios  # noqa: F401


def _spec_process(ctx: InitContext) -> dict[str, Any]:
    return ctx.spec.get("process") or {}


def _linux(ctx: InitContext) -> dict[str, Any]:
    return ctx.spec.get("linux") or {}


def step_cgroup(ctx: InitContext) -> None:
    from .. import cgroups
    cgroups.join_self(ctx.cgroup_dirs, ctx.cgroup_v2)


def step_host_cgroups(ctx: InitContext) -> None:
    ctx.host_cgroups = rootfs.read_host_cgroups()


def join_namespaces(namespaces: list[dict[str, Any]], skip: tuple[str, ...] = ("pid",)) -> None:
    """unshare the namespaces without a path, setns into those with one."""
    flags = 0
    for ns in namespaces:
        kind = ns.get("type", "")
        if kind in skip:
            continue
        flag = linux.NAMESPACE_FLAGS.get(kind)
        if flag is None or kind == "user":
            raise OSError(errno.EINVAL, f"unsupported namespace {kind!r}")
        if ns.get("path"):
            fd = os.open(ns["path"], os.O_RDONLY | os.O_CLOEXEC)
            try:
                linux.setns(fd, flag)
            finally:
                os.close(fd)
        else:
            flags |= flag
    if flags:
        linux.unshare(flags)


def step_namespaces(ctx: InitContext) -> None:
    """Every namespace but pid: the parent forked us into that one."""
    join_namespaces(_linux(ctx).get("namespaces") or [])


def step_report_created(ctx: InitContext) -> None:
    """With an ``on_created`` hook: tell the parent the namespaces exist, and carry on."""
    if ctx.go_fd is not None:
        os.write(ctx.errfd, b"created\n")


def step_wait_created(ctx: InitContext) -> None:
    """With an ``on_created`` hook: block until the parent writes the go byte, i.e. the hook is
    done (an EOF means the parent gave up: stop here)."""
    if ctx.go_fd is None:
        return
    go = os.read(ctx.go_fd, 1)
    os.close(ctx.go_fd)
    ctx.go_fd = None
    if go != b"g":
        raise OSError(errno.ECANCELED, "the runtime cancelled the start")


def step_hostname(ctx: InitContext) -> None:
    name = ctx.spec.get("hostname")
    if name and any(ns.get("type") == "uts" for ns in _linux(ctx).get("namespaces") or []):
        linux.sethostname(name)


def step_loopback(ctx: InitContext) -> None:
    if not any(ns.get("type") == "network" and not ns.get("path")
               for ns in _linux(ctx).get("namespaces") or []):
        return
    import _socket
    import fcntl
    import struct
    s = _socket.socket(_socket.AF_INET, _socket.SOCK_DGRAM)
    try:
        req = fcntl.ioctl(s.fileno(), SIOCGIFFLAGS, struct.pack("16sH22x", b"lo", 0))
        flags = struct.unpack("16sH22x", req)[1]
        fcntl.ioctl(s.fileno(), SIOCSIFFLAGS, struct.pack("16sH22x", b"lo", flags | IFF_UP))
    finally:
        s.close()


def step_send_console(ctx: InitContext) -> None:
    if ctx.console_master is None or ctx.console_sock is None:
        return
    proc.send_fd(ctx.console_sock, ctx.console_master)
    os.close(ctx.console_master)
    ctx.console_sock.close()
    ctx.console_master = None
    ctx.console_sock = None


def step_stdio(ctx: InitContext) -> None:
    os.setsid()
    keep = (ctx.errfd,) if ctx.go_fd is None else (ctx.errfd, ctx.go_fd)
    if ctx.console_slave is not None:
        proc.set_terminal(ctx.console_slave, keep)
    elif ctx.stdio is not None:
        proc.set_stdio(ctx.stdio.stdin, ctx.stdio.stdout, ctx.stdio.stderr, keep)


def step_rlimits(ctx: InitContext) -> None:
    proc.set_rlimits(_spec_process(ctx))


def step_user(ctx: InitContext) -> None:
    proc.set_user_and_caps(_spec_process(ctx))


def prepare_seccomp(spec: dict[str, Any]) -> seccomp.BpfFilter | None:
    """The spec's filter, compiled (or read from the cache) while the host's files are in reach."""
    profile = (spec.get("linux") or {}).get("seccomp")
    return seccomp.BpfFilter(seccomp.cached_bpf(profile)) if profile else None


def step_prepare_seccomp(ctx: InitContext) -> None:
    if ctx.seccomp_filter is None:  # the runtime prepares it before forking the init
        ctx.seccomp_filter = prepare_seccomp(ctx.spec)


def step_security(ctx: InitContext) -> None:
    proc.set_security(_spec_process(ctx), ctx.seccomp_filter)


def step_chdir(ctx: InitContext) -> None:
    proc.chdir(_spec_process(ctx))


def step_exec(ctx: InitContext) -> None:
    proc.reset_signals()
    proc.execute(_spec_process(ctx))


if TYPE_CHECKING:
    Step = Callable[[InitContext], None]

STEPS: tuple[tuple[str, Step], ...] = (
    ("cgroup", step_cgroup),
    ("read host cgroups", step_host_cgroups),  # before the cgroup namespace hides the host paths
    ("namespaces", step_namespaces),
    ("report created", step_report_created),
    ("prepare seccomp", step_prepare_seccomp),
    ("mount rootfs", rootfs.mount_rootfs),
    ("mounts", rootfs.mount_spec_mounts),
    ("devices", rootfs.create_devices),
    ("dev symlinks", rootfs.dev_symlinks),
    ("console", rootfs.setup_console),
    ("create cwd", rootfs.create_cwd),
    ("pivot_root", rootfs.pivot_root),
    ("readonly rootfs", rootfs.readonly_root),
    ("readonly paths", rootfs.readonly_paths),
    ("masked paths", rootfs.masked_paths),
    ("hostname", step_hostname),
    ("loopback", step_loopback),
    ("send console", step_send_console),
    ("stdio", step_stdio),
    ("rlimits", step_rlimits),
    ("wait for on_created", step_wait_created),
    ("user and capabilities", step_user),
    ("no_new_privs and seccomp", step_security),
    ("chdir", step_chdir),
    ("exec", step_exec),
)


def run(ctx: InitContext, steps: tuple[tuple[str, Step], ...] = STEPS) -> None:
    """Run the steps; on failure report and exit.  Never returns (the last step execs)."""
    current = "init"
    try:
        import gc
        gc.disable()  # a collection would touch (copy) every object this fork shares with its parent
        from ..._trace import mark
        preload(_spec_process(ctx))
        for current, fn in steps:  # noqa: B007 - ``current`` names the failing step
            mark(f"init: {current}")
            fn(ctx)
        raise OSError(errno.EINVAL, "exec step returned")
    except BaseException as err:  # noqa: BLE001 - forked child: report everything
        report(ctx.errfd, current, err)
    finally:
        os._exit(1)
