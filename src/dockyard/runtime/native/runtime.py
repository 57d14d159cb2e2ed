"""``NativeRuntime``: runs an OCI bundle with namespaces, mounts, cgroups, caps and seccomp in Python.

Process tree of ``start`` (the caller P is a child subreaper)::

    P: unshare(NEWPID) ──fork──> B (pid 1 of the new pid namespace): init steps, execve
       setns() back at once (only the namespace of P's future children had changed)

B is P's child from the start: no intermediate process.  B's first step moves it into the
container's cgroup (``cgroups.join_self``: on v1, "0" into each hierarchy's ``tasks`` file, which
spares the RCU grace period a ``cgroup.procs`` write waits for), so everything it then creates
(namespaces, mounts) is charged to the container.

With ``on_created``, B writes ``created`` on the report pipe once its namespaces exist and goes
on with its steps (mounts, pivot_root, stdio, ...) while P calls ``on_created(pid of B)`` (e.g. to
plumb the network namespace: it needs nothing but the namespaces), then writes a go byte on a
second pipe; B waits for it just before it drops privileges and execs the user program.  If the
hook raises, P closes the go pipe (B gives up), kills and reaps B, removes the cgroup and raises
``ContainerStartError`` (125).  If B fails while the hook runs, its error is the one raised.

``exec`` is the same shape: P points its children's pid namespace at the container's, forks B,
and B joins the cgroup (while the host's /sys/fs/cgroup is still in reach) and the other
namespaces, then sets the process up and execs.

Errors of B reach P as ``err {json}`` lines on the report pipe (the first one wins); EOF without
one means B has exec'd (the pipe is CLOEXEC).  B is a fork of the caller, a big Python process,
and pays a page copy for every object it touches first: it disables the garbage collector at once
(a collection touches them all), and P prepares what it can before the fork (seccomp filter,
cgroup directories).

This module is on the path of every ``run`` and ``exec``: it imports no typing, json, socket or
contextlib at module level (see the import policy in the project notes).
"""

from __future__ import annotations

import os

from ... import linux
from ..._trace import mark
from ...errors import ContainerStartError, InvalidArgument, NotFound
from .. import cgroups
from ..protocols import Started, Stats, Stdio
from . import init
from .rootfs import InitContext

TYPE_CHECKING = False
if TYPE_CHECKING:
    import socket
    from collections.abc import Callable, Sequence
    from typing import Any

    from ...mount import Mount

# (file under /proc/<pid>/ns, OCI type) joined by an exec'd process, in this order; pid is joined
# by P for its child, mnt comes last (the others are opened beforehand, from the host)
_EXEC_NAMESPACES = (("ipc", "ipc"), ("uts", "uts"), ("net", "network"), ("cgroup", "cgroup"),
                    ("mnt", "mount"))


def load_spec(bundle: str) -> dict[str, Any]:
    from ...jsonfast import loads
    try:
        with open(os.path.join(bundle, "config.json"), "rb") as f:
            spec: dict[str, Any] = loads(f.read())
    except FileNotFoundError as err:
        raise NotFound(f"bundle {bundle}: config.json not found") from err
    except ValueError as err:
        raise InvalidArgument(f"bundle {bundle}: invalid config.json: {err}") from err
    return spec


class _Reports:
    """What B writes on the report pipe: ``created`` (only with a hook), ``err {json}`` (the first
    one is kept); EOF once B has exec'd or exited."""

    def __init__(self, fd: int) -> None:
        self.fd = fd
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
            if line == "created":
                self.created = True
            elif line.startswith("err ") and self.error is None:
                from ...jsonfast import loads
                self.error = loads(line[4:])

    def read_until_created(self) -> None:
        """Read until B reported ``created``, or an error, or EOF."""
        while not self.eof and self.error is None and not self.created:
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


def _raise_start_error(error: dict[str, Any]) -> None:
    code = int(error.get("code", 125))
    if code in (126, 127):
        raise ContainerStartError(error["msg"], code)
    raise ContainerStartError(f"failed to set up container: {error['step']}: {error['msg']}", 125)


def _socketpair() -> tuple[socket.socket, socket.socket]:
    import socket
    return socket.socketpair(socket.AF_UNIX, socket.SOCK_STREAM)


def _recv_console(sock: socket.socket) -> int:
    import socket
    _, fds, _, _ = socket.recv_fds(sock, 16, 1)
    if not fds:
        raise ContainerStartError("failed to set up container: console: no pty received", 125)
    return fds[0]


def _close(*fds: int) -> None:
    for fd in fds:
        if fd >= 0:
            try:
                os.close(fd)
            except OSError:
                pass


def _fork_in_pid_ns(enter: Callable[[], None] | None) -> int:
    """``os.fork()`` with the child in another pid namespace: ``enter()`` points this thread's
    ``pid_for_children`` at it (unshare or setns), the fork creates the child there, and the
    parent goes back to its own at once.  No intermediate process."""
    if enter is None:
        return os.fork()
    saved = os.open("/proc/thread-self/ns/pid_for_children", os.O_RDONLY | os.O_CLOEXEC)
    pid = -1
    try:
        enter()
        pid = os.fork()
    finally:
        if pid != 0:  # the parent, or nothing was forked
            linux.setns(saved, linux.CLONE_NEWPID)
        os.close(saved)
    return pid


def _reap(pid: int, kill: bool = False) -> None:
    if kill:
        try:
            os.kill(pid, 9)
        except OSError:
            pass
    try:
        os.waitpid(pid, 0)
    except ChildProcessError:
        pass


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
        cg_dirs = cg.dirs()
        mark("runtime: spec loaded")
        cgroups.create(cg, lin.get("resources") or {}, cg_dirs)
        mark("runtime: cgroups created")
        terminal = bool((spec.get("process") or {}).get("terminal"))
        pid_ns = next((ns for ns in lin.get("namespaces") or [] if ns.get("type") == "pid"), None)
        pid_b = -1
        r = w = go_r = go_w = -1
        reports: _Reports | None = None
        parent_sock = child_sock = None
        try:
            r, w = os.pipe2(os.O_CLOEXEC)
            if on_created is not None:
                go_r, go_w = os.pipe2(os.O_CLOEXEC)
            if terminal:
                parent_sock, child_sock = _socketpair()
            try:  # in P, not in the fork: a fresh fork pays a page copy for every object it touches
                seccomp_filter = init.prepare_seccomp(spec)
            except Exception as err:  # noqa: BLE001 - reported like the init's own steps
                _raise_start_error(init.error_info("prepare seccomp", err))
            ctx = InitContext(spec=spec, rootfs=root, rootfs_mounts=tuple(rootfs), bundle=bundle,
                              stdio=stdio, errfd=w, console_sock=child_sock,
                              seccomp_filter=seccomp_filter, go_fd=go_r if go_r >= 0 else None,
                              cgroup_dirs=tuple(cg_dirs), cgroup_v2=cg.v2)
            enter = None if pid_ns is None else (lambda: init.join_namespaces([pid_ns], skip=()))
            pid_b = _fork_in_pid_ns(enter)
            if pid_b == 0:
                try:
                    _close(r, go_w)
                    if parent_sock is not None:
                        parent_sock.close()
                finally:
                    init.run(ctx)  # never returns
            mark("runtime: forked")
            _close(w, go_r)
            w = go_r = -1
            if child_sock is not None:
                child_sock.close()
                child_sock = None
            reports = _Reports(r)
            if on_created is not None:
                reports.read_until_created()
                if reports.error is None and reports.created:
                    mark("runtime: created")
                    try:
                        _call_hook(on_created, pid_b)
                    except ContainerStartError:
                        # B went on meanwhile: if it failed on its own, that is the error to show
                        _reap(pid_b, kill=True)
                        pid_b = -1
                        reports.read_to_end()
                        if reports.error is not None and reports.error.get("step") != "wait for on_created":
                            _raise_start_error(reports.error)
                        raise
                    mark("runtime: hook done")
                    try:
                        os.write(go_w, b"g")
                    except BrokenPipeError:
                        pass  # B has given up: its error is on the report pipe
                _close(go_w)
                go_w = -1
            reports.read_to_end()
            mark("runtime: exec reported")
            if reports.error is not None:
                _reap(pid_b)  # it exits once it has reported
                pid_b = -1
                _raise_start_error(reports.error)
            console = _recv_console(parent_sock) if parent_sock is not None else None
            if parent_sock is not None:
                parent_sock.close()
            return Started(pid=pid_b, console=console)
        except BaseException:
            _close(w, go_r, go_w)
            if reports is not None:
                reports.close()
            else:
                _close(r)
            for sock in (parent_sock, child_sock):
                if sock is not None:
                    sock.close()
            if pid_b > 0:
                _reap(pid_b, kill=True)
            cgroups.remove(cg)
            raise

    def exec(self, container_id: str, bundle: str, init_pid: int, process: dict[str, Any],
             stdio: Stdio) -> Started:
        mark("exec: runtime.exec")
        spec = load_spec(os.path.abspath(bundle))
        cg = cgroups.for_spec(spec, container_id)
        ns_fds: list[tuple[int, int]] = []
        try:
            for file, kind in (("pid", "pid"), *_EXEC_NAMESPACES):
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
        try:
            seccomp_filter = init.prepare_seccomp(spec)
        except Exception as err:  # noqa: BLE001
            _raise_start_error(init.error_info("prepare seccomp", err))
        (pid_fd, _), *other_ns = ns_fds
        cg_dirs = cg.dirs()
        r, w = os.pipe2(os.O_CLOEXEC)
        parent_sock, child_sock = _socketpair() if terminal else (None, None)

        def body_b() -> None:
            step = "init"
            try:
                import gc
                gc.disable()
                os.close(r)
                if parent_sock is not None:
                    parent_sock.close()
                from . import process as proc
                init.preload(process)
                step = "cgroup"  # while the host's /sys/fs/cgroup is in reach
                cgroups.join_self(cg_dirs, cg.v2)
                step = "namespaces"
                for fd, flag in other_ns:
                    linux.setns(fd, flag)
                step = "console"
                os.setsid()
                slave = None
                if child_sock is not None:
                    from .rootfs import open_pty
                    master, slave, _ = open_pty("/dev/pts/ptmx")
                    proc.send_fd(child_sock, master)
                    os.close(master)
                    child_sock.close()
                step = "stdio"
                if slave is not None:
                    proc.set_terminal(slave, (w,))
                else:
                    proc.set_stdio(stdio.stdin, stdio.stdout, stdio.stderr, (w,))
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

        pid_b = -1
        reports: _Reports | None = None
        try:
            pid_b = _fork_in_pid_ns(lambda: linux.setns(pid_fd, linux.CLONE_NEWPID))
            if pid_b == 0:
                body_b()  # never returns
            mark("exec: forked")
            _close(w)
            w = -1
            if child_sock is not None:
                child_sock.close()
                child_sock = None
            reports = _Reports(r)
            reports.read_to_end()
            mark("exec: exec reported")
            if reports.error is not None:
                _reap(pid_b)  # it exits once it has reported
                pid_b = -1
                _raise_start_error(reports.error)
            console = _recv_console(parent_sock) if parent_sock is not None else None
            return Started(pid=pid_b, console=console)
        except BaseException:
            if pid_b > 0:
                _reap(pid_b, kill=True)
            raise
        finally:
            if reports is not None:
                reports.close()
            else:
                _close(r)
            _close(w)
            for sock in (parent_sock, child_sock):
                if sock is not None:
                    sock.close()

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
