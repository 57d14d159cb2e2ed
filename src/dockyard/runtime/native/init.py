"""The container init: a flat, ordered list of named steps run in the forked child (crun style).

Failures go to the parent over a CLOEXEC pipe as one line ``err {"step", "msg", "code"}``;
a successful execve closes the pipe, which the parent reads as success.
"""

from __future__ import annotations

import errno
import fcntl
import json
import os
import socket
import struct
from collections.abc import Callable
from typing import Any

from ... import linux
from .. import seccomp
from . import process as proc
from . import rootfs
from .rootfs import InitContext

SIOCGIFFLAGS = 0x8913
SIOCSIFFLAGS = 0x8914
IFF_UP = 0x1


def report(fd: int, step: str, err: BaseException) -> None:
    """Write a failure line for the parent (best effort: the child exits right after)."""
    if isinstance(err, proc.ExecFailure):
        code, msg = err.exit_code, str(err)
    elif isinstance(err, OSError):
        code = 125
        msg = f"{err.strerror or err}" + (f": {err.filename}" if err.filename else "")
    else:
        code, msg = 125, f"{type(err).__name__}: {err}"
    line = "err " + json.dumps({"step": step, "msg": msg[:3000], "code": code}) + "\n"
    try:
        os.write(fd, line.encode())
    except OSError:
        pass


def _spec_process(ctx: InitContext) -> dict[str, Any]:
    return ctx.spec.get("process") or {}


def _linux(ctx: InitContext) -> dict[str, Any]:
    return ctx.spec.get("linux") or {}


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
    join_namespaces(_linux(ctx).get("namespaces") or [])


def step_wait_created(ctx: InitContext) -> None:
    """With an ``on_created`` hook: tell the parent the namespaces exist (``created``), then block
    until it writes the go byte (an EOF means the parent gave up: stop here)."""
    if ctx.go_fd is None:
        return
    os.write(ctx.errfd, b"created\n")
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
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
        req = fcntl.ioctl(s.fileno(), SIOCGIFFLAGS, struct.pack("16sH22x", b"lo", 0))
        flags = struct.unpack("16sH22x", req)[1]
        fcntl.ioctl(s.fileno(), SIOCSIFFLAGS, struct.pack("16sH22x", b"lo", flags | IFF_UP))


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
    if ctx.console_slave is not None:
        proc.set_terminal(ctx.console_slave, ctx.errfd)
    elif ctx.stdio is not None:
        proc.set_stdio(ctx.stdio.stdin, ctx.stdio.stdout, ctx.stdio.stderr, ctx.errfd)


def step_rlimits(ctx: InitContext) -> None:
    proc.set_rlimits(_spec_process(ctx))


def step_user(ctx: InitContext) -> None:
    proc.set_user_and_caps(_spec_process(ctx))


def step_prepare_seccomp(ctx: InitContext) -> None:
    profile = _linux(ctx).get("seccomp")
    ctx.seccomp_filter = seccomp.BpfFilter(seccomp.cached_bpf(profile)) if profile else None


def step_security(ctx: InitContext) -> None:
    proc.set_security(_spec_process(ctx), ctx.seccomp_filter)


def step_chdir(ctx: InitContext) -> None:
    proc.chdir(_spec_process(ctx))


def step_exec(ctx: InitContext) -> None:
    proc.reset_signals()
    proc.execute(_spec_process(ctx))


Step = Callable[[InitContext], None]

STEPS: tuple[tuple[str, Step], ...] = (
    ("read host cgroups", step_host_cgroups),
    ("prepare seccomp", step_prepare_seccomp),
    ("namespaces", step_namespaces),
    ("wait for on_created", step_wait_created),
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
    ("user and capabilities", step_user),
    ("no_new_privs and seccomp", step_security),
    ("chdir", step_chdir),
    ("exec", step_exec),
)


def run(ctx: InitContext, steps: tuple[tuple[str, Step], ...] = STEPS) -> None:
    """Run the steps; on failure report and exit.  Never returns (the last step execs)."""
    current = "init"
    try:
        from ..._trace import mark
        for current, fn in steps:  # noqa: B007 - ``current`` names the failing step
            mark(f"init: {current}")
            fn(ctx)
        raise OSError(errno.EINVAL, "exec step returned")
    except BaseException as err:  # noqa: BLE001 - forked child: report everything
        report(ctx.errfd, current, err)
    finally:
        os._exit(1)
