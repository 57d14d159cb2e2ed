"""``NativeRuntime``: runs an OCI bundle with namespaces, mounts, cgroups, caps and seccomp in Python.

Process tree of ``start`` (the caller P is a child subreaper)::

    P ──fork──> A: join cgroup, unshare(NEWPID) ──fork──> B (pid 1): init steps, execve
    A reports B's host pid and exits at once; B is reparented to P, which reaps it.

With ``on_created``, B stops after its namespaces step, writes ``created`` on the report pipe and
waits for a go byte on a second pipe; P calls ``on_created(pid of B)`` (e.g. to plumb the network
namespace), then writes the go byte.  If the hook raises, P closes the go pipe (B gives up), kills
and reaps B, removes the cgroup and raises ``ContainerStartError`` (125).
"""

from __future__ import annotations

import contextlib
import json
import os
import socket
from collections.abc import Callable, Sequence
from typing import Any

from ... import linux
from ..._trace import mark
from ...errors import ContainerStartError, InvalidArgument, NotFound
from ...mount import Mount
from .. import cgroups, seccomp
from ..protocols import Started, Stats, Stdio
from . import init
from . import process as proc
from .rootfs import InitContext, open_pty

_EXEC_NAMESPACES = (("ipc", "ipc"), ("uts", "uts"), ("net", "network"), ("pid", "pid"),
                    ("cgroup", "cgroup"), ("mnt", "mount"))


def load_spec(bundle: str) -> dict[str, Any]:
    try:
        with open(os.path.join(bundle, "config.json"), "rb") as f:
            spec: dict[str, Any] = json.load(f)
    except FileNotFoundError as err:
        raise NotFound(f"bundle {bundle}: config.json not found") from err
    except ValueError as err:
        raise InvalidArgument(f"bundle {bundle}: invalid config.json: {err}") from err
    return spec


class _Reports:
    """What A and B write on the report pipe: ``pid N`` (A), ``created`` (B, only with a hook),
    ``err {json}`` (either); EOF once B has exec'd (the pipe is CLOEXEC) or both exited."""

    def __init__(self, fd: int) -> None:
        self.fd = fd
        self.pid: int | None = None
        self.created = False
        self.error: dict[str, Any] | None = None
        self.eof = False
        self.closed = False
        self._buf = b""

    def _feed(self, data: bytes) -> None:
        self._buf += data
        *lines, self._buf = self._buf.split(b"\n")
        for raw in lines:
            line = raw.decode(errors="replace")
            if line.startswith("pid "):
                self.pid = int(line[4:])
            elif line == "created":
                self.created = True
            elif line.startswith("err ") and self.error is None:
                self.error = json.loads(line[4:])

    def read_until_created(self) -> None:
        """Read until B's pid is known and B reported ``created``, or an error, or EOF."""
        while not self.eof and self.error is None and not (self.created and self.pid is not None):
            self._read_once()

    def read_to_end(self) -> None:
        while not self.eof:
            self._read_once()
        self.close()

    def close(self) -> None:
        if not self.closed:
            self.closed = True
            os.close(self.fd)

    def _read_once(self) -> None:
        data = os.read(self.fd, 65536)
        if data:
            self._feed(data)
        else:
            self.eof = True


def _read_reports(fd: int) -> tuple[int | None, dict[str, Any] | None]:
    rep = _Reports(fd)
    rep.read_to_end()
    return rep.pid, rep.error


def _raise_start_error(error: dict[str, Any]) -> None:
    code = int(error.get("code", 125))
    if code in (126, 127):
        raise ContainerStartError(error["msg"], code)
    raise ContainerStartError(f"failed to set up container: {error['step']}: {error['msg']}", 125)


def _recv_console(sock: socket.socket) -> int:
    _, fds, _, _ = socket.recv_fds(sock, 16, 1)
    if not fds:
        raise ContainerStartError("failed to set up container: console: no pty received", 125)
    return fds[0]


def _fork_child(body_a: Any, w: int) -> int:
    """Fork A, which runs ``body_a()`` (returns the pid of B) and exits."""
    pid = os.fork()
    if pid == 0:
        step = "fork"
        try:
            pid_b = body_a()
            os.write(w, f"pid {pid_b}\n".encode())
        except BaseException as err:  # noqa: BLE001
            init.report(w, step, err)
            os._exit(1)
        os._exit(0)
    return pid


def _call_hook(on_created: Callable[[int], None], pid: int) -> None:
    """Run the caller's hook; any failure becomes a ContainerStartError (125) with its message."""
    try:
        on_created(pid)
    except ContainerStartError:
        raise
    except BaseException as err:
        raise ContainerStartError(f"failed to set up container: on_created: {err}", 125) from err


class NativeRuntime:
    """The default runtime: no external binary; see the module docstring for the process tree."""

    name = "native"

    def start(self, container_id: str, bundle: str, rootfs: Sequence[Mount], stdio: Stdio,
              on_created: Callable[[int], None] | None = None) -> Started:
        bundle = os.path.abspath(bundle)
        spec = load_spec(bundle)
        root = (spec.get("root") or {}).get("path") or "rootfs"
        root = root if root.startswith("/") else os.path.join(bundle, root)
        lin = spec.get("linux") or {}
        cg = cgroups.for_spec(spec, container_id)
        mark("runtime: spec loaded")
        cgroups.create(cg, lin.get("resources") or {})
        mark("runtime: cgroups created")
        terminal = bool((spec.get("process") or {}).get("terminal"))
        pid_ns = next((ns for ns in lin.get("namespaces") or [] if ns.get("type") == "pid"), None)
        pid_b: int | None = None
        pid_a: int | None = None
        reports: _Reports | None = None
        go_r = go_w = -1
        try:
            r, w = os.pipe2(os.O_CLOEXEC)
            if on_created is not None:
                go_r, go_w = os.pipe2(os.O_CLOEXEC)
            parent_sock, child_sock = socket.socketpair(socket.AF_UNIX, socket.SOCK_STREAM)\
                if terminal else (None, None)
            ctx = InitContext(spec=spec, rootfs=root, rootfs_mounts=tuple(rootfs), bundle=bundle,
                              stdio=stdio, errfd=w, console_sock=child_sock,
                              go_fd=go_r if on_created is not None else None)

            def body_a() -> int:
                mark("A: forked")
                os.close(r)
                if go_w >= 0:
                    os.close(go_w)
                if parent_sock is not None:
                    parent_sock.close()
                cgroups.join(cg, os.getpid())
                mark("A: cgroups joined")
                if pid_ns is not None:
                    init.join_namespaces([pid_ns], skip=())
                pid = os.fork()
                if pid == 0:
                    init.run(ctx)
                return pid

            pid_a = _fork_child(body_a, w)
            os.close(w)
            if go_r >= 0:
                os.close(go_r)
                go_r = -1
            if child_sock is not None:
                child_sock.close()
            reports = _Reports(r)
            if on_created is not None:
                reports.read_until_created()
                pid_b = reports.pid
                if reports.error is None and reports.created and pid_b is not None:
                    mark("runtime: created")
                    _call_hook(on_created, pid_b)
                    mark("runtime: hook done")
                    os.write(go_w, b"g")
                os.close(go_w)
                go_w = -1
            reports.read_to_end()
            mark("runtime: exec reported")
            pid_b, error = reports.pid, reports.error
            os.waitpid(pid_a, 0)
            pid_a = None
            if error is not None:
                if pid_b is not None:
                    with contextlib.suppress(ChildProcessError):
                        os.waitpid(pid_b, 0)
                    pid_b = None
                _raise_start_error(error)
            if pid_b is None:
                raise ContainerStartError("failed to set up container: init exited without a report")
            console = _recv_console(parent_sock) if parent_sock is not None else None
            if parent_sock is not None:
                parent_sock.close()
            return Started(pid=pid_b, console=console)
        except BaseException:
            for fd in (go_r, go_w):
                if fd >= 0:
                    with contextlib.suppress(OSError):
                        os.close(fd)
            if reports is not None and not reports.closed:
                reports.close()
            if pid_b is not None:
                with contextlib.suppress(OSError):
                    os.kill(pid_b, 9)
            if pid_a is not None:
                with contextlib.suppress(ChildProcessError):
                    os.waitpid(pid_a, 0)
            if pid_b is not None:
                with contextlib.suppress(OSError):
                    os.kill(pid_b, 9)
                    os.waitpid(pid_b, 0)
            cgroups.remove(cg)
            raise

    def exec(self, container_id: str, bundle: str, init_pid: int, process: dict[str, Any],
             stdio: Stdio) -> Started:
        spec = load_spec(os.path.abspath(bundle))
        cg = cgroups.for_spec(spec, container_id)
        ns_fds: list[tuple[int, int]] = []
        try:
            for file, kind in _EXEC_NAMESPACES:
                try:
                    fd = os.open(f"/proc/{init_pid}/ns/{file}", os.O_RDONLY | os.O_CLOEXEC)
                except FileNotFoundError as err:
                    raise ContainerStartError(f"container {container_id} is not running", 125) from err
                ns_fds.append((fd, linux.NAMESPACE_FLAGS[kind]))
            return self._exec(cg, spec, ns_fds, process, stdio)
        finally:
            for fd, _ in ns_fds:
                os.close(fd)

    def _exec(self, cg: cgroups.Cgroup, spec: dict[str, Any], ns_fds: list[tuple[int, int]],
              process: dict[str, Any], stdio: Stdio) -> Started:
        terminal = bool(process.get("terminal"))
        profile = (spec.get("linux") or {}).get("seccomp")
        seccomp_filter = seccomp.BpfFilter(seccomp.cached_bpf(profile)) if profile else None  # before the mnt ns switch
        r, w = os.pipe2(os.O_CLOEXEC)
        parent_sock, child_sock = socket.socketpair(socket.AF_UNIX, socket.SOCK_STREAM) \
            if terminal else (None, None)

        def body_b() -> None:
            step = "console"
            try:
                os.setsid()
                slave = None
                if child_sock is not None:
                    master, slave, _ = open_pty("/dev/pts/ptmx")
                    proc.send_fd(child_sock, master)
                    os.close(master)
                    child_sock.close()
                step = "stdio"
                if slave is not None:
                    proc.set_terminal(slave, w)
                else:
                    proc.set_stdio(stdio.stdin, stdio.stdout, stdio.stderr, w)
                step = "rlimits"
                proc.set_rlimits(process)
                step = "user and capabilities"
                proc.set_user_and_caps(process)
                step = "no_new_privs and seccomp"
                proc.set_security(process, seccomp_filter)
                step = "chdir"
                proc.chdir(process)
                step = "exec"
                proc.reset_signals()
                proc.execute(process)
            except BaseException as err:  # noqa: BLE001
                init.report(w, step, err)
            finally:
                os._exit(1)

        def body_a() -> int:
            os.close(r)
            if parent_sock is not None:
                parent_sock.close()
            mark("exec A: forked")
            cgroups.join(cg, os.getpid())
            mark("exec A: cgroup joined")
            for fd, flag in ns_fds:
                linux.setns(fd, flag)
            mark("exec A: namespaces joined")
            pid = os.fork()
            if pid == 0:
                body_b()
            return pid

        pid_a = _fork_child(body_a, w)
        os.close(w)
        if child_sock is not None:
            child_sock.close()
        try:
            pid_b, error = _read_reports(r)
            os.waitpid(pid_a, 0)
            if error is not None:
                if pid_b is not None:
                    with contextlib.suppress(ChildProcessError):
                        os.waitpid(pid_b, 0)
                _raise_start_error(error)
            if pid_b is None:
                raise ContainerStartError("failed to set up process: exited without a report")
            console = _recv_console(parent_sock) if parent_sock is not None else None
            return Started(pid=pid_b, console=console)
        finally:
            if parent_sock is not None:
                parent_sock.close()

    def pause(self, container_id: str, bundle: str) -> None:
        cgroups.freeze(cgroups.for_spec(load_spec(bundle), container_id))

    def resume(self, container_id: str, bundle: str) -> None:
        cgroups.thaw(cgroups.for_spec(load_spec(bundle), container_id))

    def oom_killed(self, container_id: str, bundle: str) -> bool:
        return cgroups.oom_killed(cgroups.for_spec(load_spec(bundle), container_id))

    def stats(self, container_id: str, bundle: str) -> Stats:
        return cgroups.stats(cgroups.for_spec(load_spec(bundle), container_id))

    def delete(self, container_id: str, bundle: str) -> None:
        try:
            spec = load_spec(bundle)
        except NotFound:
            return
        cgroups.remove(cgroups.for_spec(spec, container_id))
