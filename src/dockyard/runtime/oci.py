"""``OciRuntime``: runs bundles with runc (or any runc-compatible binary), argument lists only.

The rootfs mounts are performed by a helper child in a private mount namespace, which then execs
``runc create``: runc and the container inherit that namespace, so nothing is mounted on the host.
When ``runc create`` exits, the container init is reparented to the caller (a child subreaper).
"""

from __future__ import annotations

import contextlib
import json
import os
import select
import shutil
import socket
import subprocess
import tempfile
from collections.abc import Callable, Sequence
from typing import Any

from .. import linux
from ..errors import ContainerStartError, FailedPrecondition, NotFound
from ..mount import Mount
from . import cgroups
from .native import mountopts
from .native.process import reset_signals
from .native.runtime import load_spec
from .protocols import Started, Stats, Stdio

DEFAULT_ROOT = "/run/dockyard-runc"
_PREFIXES = ("runc create failed: ", "runc exec failed: ", "runc run failed: ",
             "unable to start container process: ", "exec failed: ")


def _exit_code_for(message: str) -> int:
    if "executable file not found" in message or "no such file or directory" in message:
        return 127 if message.startswith("exec: ") else 125
    if "permission denied" in message or "is a directory" in message:
        return 126 if message.startswith("exec: ") else 125
    return 125


def _clean_message(message: str) -> str:
    changed = True
    while changed:
        changed = False
        for p in _PREFIXES:
            if message.startswith(p):
                message = message[len(p):]
                changed = True
    return message


def _last_error(log_path: str, stderr: str = "") -> str:
    msg = ""
    with contextlib.suppress(OSError), open(log_path) as f:
        for line in f:
            with contextlib.suppress(ValueError):
                rec = json.loads(line)
                if rec.get("level") in ("error", "fatal") and rec.get("msg"):
                    msg = rec["msg"]
    return msg or stderr.strip() or "runtime failed"


def _start_error(log_path: str, stderr: str = "") -> ContainerStartError:
    msg = _clean_message(_last_error(log_path, stderr))
    code = _exit_code_for(msg)
    return ContainerStartError(msg if code != 125 else f"failed to set up container: {msg}", code)


def _await_console(listener: socket.socket, pid: int) -> int | None:
    """The pty master runc sends on the console socket, or None when ``pid`` exits first."""
    pidfd = os.pidfd_open(pid)
    try:
        ready, _, _ = select.select([listener.fileno(), pidfd], [], [])
        if listener.fileno() not in ready:
            return None
        conn, _ = listener.accept()
        with conn:
            _, fds, _, _ = socket.recv_fds(conn, 4096, 1)
        return fds[0] if fds else None
    finally:
        os.close(pidfd)


class OciRuntime:
    """Runs bundles with ``binary`` (a name on PATH or a path), state under ``root``."""

    def __init__(self, binary: str = "runc", root: str = DEFAULT_ROOT) -> None:
        path = binary if "/" in binary else shutil.which(binary)
        if path is None or not os.access(path, os.X_OK):
            raise NotFound(f"runtime binary {binary!r} not found")
        self.binary = path
        self.root = root
        self.name = os.path.basename(binary)

    def _cmd(self, *args: str, log: str | None = None) -> list[str]:
        cmd = [self.binary, "--root", self.root]
        if log:
            cmd += ["--log", log, "--log-format", "json"]
        return cmd + list(args)

    def _run(self, *args: str) -> None:
        res = subprocess.run(self._cmd(*args), stdin=subprocess.DEVNULL, capture_output=True, text=True)
        if res.returncode != 0:
            raise FailedPrecondition(f"{self.name} {args[0]}: {res.stderr.strip()}")

    def start(self, container_id: str, bundle: str, rootfs: Sequence[Mount], stdio: Stdio,
              on_created: Callable[[int], None] | None = None) -> Started:
        bundle = os.path.abspath(bundle)
        spec = load_spec(bundle)
        root = (spec.get("root") or {}).get("path") or "rootfs"
        root = root if root.startswith("/") else os.path.join(bundle, root)
        terminal = bool((spec.get("process") or {}).get("terminal"))
        os.makedirs(self.root, mode=0o700, exist_ok=True)
        tmp = tempfile.mkdtemp(prefix="dockyard-oci-")
        log, pidfile, sock_path = (os.path.join(tmp, n) for n in ("log.json", "pid", "console.sock"))
        listener: socket.socket | None = None
        try:
            if terminal:
                listener = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
                listener.bind(sock_path)
                listener.listen(1)
            args = ["create", "--bundle", bundle, "--pid-file", pidfile]
            if terminal:
                args += ["--console-socket", sock_path]
            cmd = self._cmd(*args, container_id, log=log)
            helper = self._spawn_create(cmd, root, rootfs, stdio, listener)
            console = _await_console(listener, helper) if listener is not None else None
            _, status = os.waitpid(helper, 0)
            if os.waitstatus_to_exitcode(status) != 0:
                if console is not None:
                    os.close(console)
                self._force_delete(container_id, spec)
                raise _start_error(log)
            with open(pidfile) as f:
                pid = int(f.read().strip())
            if on_created is not None:
                self._call_hook(on_created, pid, container_id, spec, console)
            res = subprocess.run(self._cmd("start", container_id, log=log), stdin=subprocess.DEVNULL,
                                 capture_output=True, text=True)
            if res.returncode != 0:
                if console is not None:
                    os.close(console)
                self._force_delete(container_id, spec)
                with contextlib.suppress(ChildProcessError):
                    os.waitpid(pid, 0)
                raise _start_error(log, res.stderr)
            return Started(pid=pid, console=console)
        finally:
            if listener is not None:
                listener.close()
            shutil.rmtree(tmp, ignore_errors=True)

    def _call_hook(self, on_created: Callable[[int], None], pid: int, container_id: str,
                   spec: dict[str, Any], console: int | None) -> None:
        """``on_created`` between ``runc create`` and ``runc start``; on failure the created
        container is deleted and reaped, and a ContainerStartError (125) raised."""
        try:
            on_created(pid)
        except BaseException as err:
            if console is not None:
                os.close(console)
            self._force_delete(container_id, spec)
            with contextlib.suppress(ChildProcessError):
                os.waitpid(pid, 0)
            if isinstance(err, ContainerStartError):
                raise
            raise ContainerStartError(f"failed to set up container: on_created: {err}", 125) from err

    def _spawn_create(self, cmd: list[str], root: str, rootfs: Sequence[Mount], stdio: Stdio,
                      listener: socket.socket | None) -> int:
        pid = os.fork()
        if pid != 0:
            return pid
        try:  # the helper: private mount namespace, rootfs mounted, then exec runc create
            if listener is not None:
                listener.close()
            linux.unshare(linux.CLONE_NEWNS)
            linux.mount(None, "/", None, linux.MS_REC | linux.MS_PRIVATE)
            for m in rootfs:
                opts = mountopts.parse(m.options)
                linux.mount(m.source, root, m.type, opts.flags, opts.data)
            stdin = stdio.stdin if stdio.stdin is not None else os.open("/dev/null", os.O_RDONLY)
            fds = [os.dup(fd) for fd in (stdin, stdio.stdout, stdio.stderr)]
            for i, fd in enumerate(fds):
                os.dup2(fd, i, inheritable=True)
            os.closerange(3, 1 << 20)
            reset_signals()
            os.execv(cmd[0], cmd)
        except BaseException as err:  # noqa: BLE001 - forked child
            with contextlib.suppress(OSError):
                os.write(2, f"dockyard: runc helper: {err}\n".encode())
        finally:
            os._exit(125)

    def _force_delete(self, container_id: str, spec: dict[str, Any]) -> None:
        subprocess.run(self._cmd("delete", "--force", container_id), stdin=subprocess.DEVNULL,
                       capture_output=True)
        with contextlib.suppress(FailedPrecondition):
            cgroups.remove(cgroups.for_spec(spec, container_id))

    def exec(self, container_id: str, bundle: str, init_pid: int, process: dict[str, Any],
             stdio: Stdio) -> Started:
        terminal = bool(process.get("terminal"))
        tmp = tempfile.mkdtemp(prefix="dockyard-oci-")
        log, pidfile, sock_path, proc_path = (os.path.join(tmp, n) for n in
                                              ("log.json", "pid", "console.sock", "process.json"))
        listener: socket.socket | None = None
        try:
            with open(proc_path, "w") as f:
                json.dump(process, f)
            args = ["exec", "--detach", "--pid-file", pidfile, "--process", proc_path]
            if terminal:
                listener = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
                listener.bind(sock_path)
                listener.listen(1)
                args += ["--console-socket", sock_path]
            p = subprocess.Popen(self._cmd(*args, container_id, log=log),
                                 stdin=stdio.stdin if stdio.stdin is not None else subprocess.DEVNULL,
                                 stdout=stdio.stdout, stderr=stdio.stderr)
            console = _await_console(listener, p.pid) if listener is not None else None
            if p.wait() != 0:
                if console is not None:
                    os.close(console)
                raise _start_error(log)
            with open(pidfile) as f:
                return Started(pid=int(f.read().strip()), console=console)
        finally:
            if listener is not None:
                listener.close()
            shutil.rmtree(tmp, ignore_errors=True)

    def pause(self, container_id: str, bundle: str) -> None:
        self._run("pause", container_id)

    def resume(self, container_id: str, bundle: str) -> None:
        self._run("resume", container_id)

    def oom_killed(self, container_id: str, bundle: str) -> bool:
        return cgroups.oom_killed(cgroups.for_spec(load_spec(bundle), container_id))

    def stats(self, container_id: str, bundle: str) -> Stats:
        return cgroups.stats(cgroups.for_spec(load_spec(bundle), container_id))

    def delete(self, container_id: str, bundle: str) -> None:
        subprocess.run(self._cmd("delete", "--force", container_id), stdin=subprocess.DEVNULL,
                       capture_output=True)
        with contextlib.suppress(NotFound):
            cgroups.remove(cgroups.for_spec(load_spec(bundle), container_id))
