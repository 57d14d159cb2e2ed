"""The per-container monitor.

``dockyard start``/``run`` fork one monitor per container; it does not need the CLI to stay alive.
It makes itself a session leader and a child subreaper, asks the runtime to start the container,
then is the parent that reaps it: it pumps the container's output into the json-file log (and to
an attached CLI's own stdout/stderr, which it inherited), records the exit code, OOM kill and
times in the database, applies the restart policy, and removes the container for ``--rm``.

Why one monitor per container rather than one shared supervisor: no daemon to start or to lose
(a supervisor's death would orphan every container at once), a crash affects one container,
and the process is the natural reaper of its container (a shared supervisor could only reap
containers it forked itself, i.e. it would be a daemon).  Its cost is measured in benchmarks/.

The CLI learns what happened through a pipe: ``ok <pid>`` once the process runs (or
``err <code> <message>``), then ``exit <code>`` when it ends, then EOF once cleanup is done.

``dockyard attach``: while the container runs, the monitor listens on ``attach.sock`` in the
container's directory (mode 0600, made before ``ok`` is reported, removed when the container
stops).  It copies the output to every connected client as it pumps it to the log, and the
clients' input to the container's stdin pipe or pty.  The wire format, both ways, is a frame of
8 header bytes ``kind 0 0 0 <length: 4 bytes big-endian>`` then the payload.  Monitor to client:
kind 1 stdout, 2 stderr (a tty's output is all kind 1), 3 the exit code in ASCII once it is
recorded, then EOF.  Client to monitor: kind 0 stdin data, 1 a ``struct winsize`` for the pty.
Clients never slow the container: every write is non-blocking and a client that falls
``_CLIENT_LIMIT`` bytes behind (or errs) is dropped; input the container does not read stops
the reading of the clients' input once ``_STDIN_LIMIT`` bytes wait.
"""

from __future__ import annotations

import _signal as signal  # type: ignore[import-not-found]  # the C module: "signal" would import enum (1 MiB per monitor)
import errno
import os
import select
import time

from .._trace import mark

TYPE_CHECKING = False  # no typing import: this module runs in the lean per-container monitor

if TYPE_CHECKING:
    from typing import Any

    from ..store import Store


class MonitorProcess:
    """A forked monitor waiting for its container (see ``ContainerService.fork_monitor``)."""

    def __init__(self, pid: int, go_w: int, status_r: int) -> None:
        self.pid = pid
        self.go_w: int | None = go_w
        self.status_r = status_r

    def go(self, cid: str, needs_attach: bool) -> None:
        """Tell the monitor which container to start; its status comes on ``status_r``."""
        assert self.go_w is not None
        try:
            os.write(self.go_w, f"go {cid} {int(needs_attach)}\n".encode())
        finally:
            os.close(self.go_w)
            self.go_w = None

    def cancel(self) -> None:
        """Nothing to start after all: the monitor exits (EOF on its go pipe) and is reaped."""
        if self.go_w is not None:
            os.close(self.go_w)
            self.go_w = None
            os.close(self.status_r)
            try:
                os.waitpid(self.pid, 0)
            except ChildProcessError:
                pass


def fork_monitor(root: str, *, attach: bool = False, stdin: bool = False, preforked: bool = True) -> MonitorProcess:
    """Fork a monitor: it keeps this process's stdin/stdout/stderr when attached, closes every
    other descriptor, and waits for ``go <cid> <needs_attach>`` on its go pipe."""
    r, w = os.pipe()
    go_r, go_w = os.pipe()
    pid = os.fork()
    if pid == 0:  # the monitor
        try:
            os.close(r)
            os.close(go_w)
            devnull = os.open(os.devnull, os.O_RDWR)
            a_in = os.dup(0) if (attach and stdin) else None
            a_out = os.dup(1) if attach else None
            a_err = os.dup(2) if attach else None
            for fd in (0, 1, 2):
                os.dup2(devnull, fd)
            os.close(devnull)
            keep = {w, go_r} | {x for x in (a_in, a_out, a_err) if x is not None}
            for fd in _open_fds():
                if fd > 2 and fd not in keep:
                    try:
                        os.close(fd)
                    except OSError:
                        pass
            mark("monitor: forked")  # after the descriptor cleanup, which would close the trace file
            run_monitor(root, go_r, w, a_in, a_out, a_err, preforked=preforked)
        finally:
            os._exit(125)
    os.close(w)
    os.close(go_r)
    return MonitorProcess(pid, go_w, r)


def _open_fds() -> list[int]:
    try:
        return [int(x) for x in os.listdir("/proc/self/fd")]
    except OSError:
        return list(range(3, 256))


def _write_status(fd: int | None, line: str) -> None:
    if fd is None:
        return
    try:
        os.write(fd, line.encode() + b"\n")
    except OSError:
        pass


def _prctl_subreaper() -> None:
    import ctypes
    libc = ctypes.CDLL(None, use_errno=True)
    libc.prctl(36, 1, 0, 0, 0)  # PR_SET_CHILD_SUBREAPER


def _set_nonblock(fd: int) -> None:
    os.set_blocking(fd, False)


def read_line(fd: int, chunk: int = 1) -> bytes:
    """One line from a pipe (up to EOF).  ``chunk=1`` reads no further than the newline, for a
    pipe that carries more afterwards (the status pipe)."""
    buf = b""
    while not buf.endswith(b"\n"):
        data = os.read(fd, chunk)
        if not data:
            break
        buf += data
    return buf


def _read_go(fd: int) -> tuple[str, bool] | None:
    """``go <cid> <needs_attach>`` from the starting process; None at EOF (nothing to start)."""
    buf = read_line(fd, 256)  # the starting process writes nothing after it
    os.close(fd)
    parts = buf.decode(errors="replace").split()
    if len(parts) != 3 or parts[0] != "go":
        return None
    return parts[1], parts[2] == "1"


def run_monitor(root: str, go_fd: int, status_w: int | None, attach_in: int | None, attach_out: int | None,
                attach_err: int | None, *, preforked: bool = False) -> None:
    """Body of the monitor process (never returns to the caller's code path).  It learns its
    container from the go pipe; forked ahead of time (``preforked``) it first imports the native
    runtime and opens its database connection, in parallel with the caller's create."""
    code = 0
    store: Store | None = None
    try:
        os.setsid()
    except OSError:
        pass
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGHUP, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, signal.SIG_DFL)
    signal.signal(signal.SIGPIPE, signal.SIG_IGN)
    try:
        _prctl_subreaper()
        from ..store import Store
        store = Store(root)
        if preforked:  # what every start needs, while the caller creates the container
            from ..image import store as _images  # noqa: F401
            from ..linux import _syscalls  # noqa: F401  # ctypes, for the network hook's setns
            from ..runtime import protocols as _protocols  # noqa: F401
            from ..runtime.native import runtime as _native  # noqa: F401
            from . import logs, netsetup, service  # noqa: F401
            store.db.one("SELECT 1")
            mark("monitor: ready")
        go = _read_go(go_fd)
        if go is None:
            return  # finally: close the database, exit 125 (nobody waits for the code)
        cid, needs_attach = go
        mark("monitor: go")
        code = _supervise(store, cid, status_w, attach_in, attach_out, attach_err, needs_attach=needs_attach)
    except BaseException as e:  # noqa: BLE001 - report anything to the CLI, never a traceback
        from ..errors import DockyardError
        ec = e.exit_code if isinstance(e, DockyardError) else 125
        _write_status(status_w, f"err {ec} {str(e) or type(e).__name__}".replace("\n", " "))
        code = ec
    finally:
        _close_quietly(store)
        os._exit(code & 0xFF)


def _close_quietly(store: Store | None) -> None:
    """Close the database cleanly before leaving through os._exit: the last connection to close
    checkpoints the WAL, so the next command does not have to recover it."""
    if store is None:
        return
    try:
        store.close()
    except Exception:  # noqa: BLE001
        pass


class _Resume:
    """What a monitor re-exec'd into a lean interpreter needs to carry on supervising a run."""

    def __init__(self, pid: int, console: int | None, out_r: int | None, err_r: int | None,
                 stdin_w: int | None, restarts: int, started: float, listen: int | None = None) -> None:
        self.pid = pid
        self.console = console
        self.out_r = out_r
        self.err_r = err_r
        self.stdin_w = stdin_w
        self.restarts = restarts
        self.started = started
        self.listen = listen

    def argv(self) -> list[str]:
        return [str(x if x is not None else -1) for x in (self.pid, self.console, self.out_r, self.err_r,
                                                             self.stdin_w, self.restarts, self.listen)
                ] + [repr(self.started)]

    @classmethod
    def from_argv(cls, a: list[str]) -> _Resume:
        n = [int(x) for x in a[:7]]
        opt = [None if x < 0 else x for x in n]
        return cls(n[0], opt[1], opt[2], opt[3], opt[4], n[5], float(a[7]), opt[6])


def _exec_lean(root: str, cid: str, r: _Resume) -> None:
    """Replace this (fork of the CLI, tens of MiB) by a fresh interpreter that only pumps output.

    The container stays our child across execve; the pipes are passed as inherited descriptors.
    Heavy modules (sqlite3, the runtime) are imported again only when the container exits."""
    import sys

    import dockyard
    for fd in (r.console, r.out_r, r.err_r, r.stdin_w, r.listen):
        if fd is not None:
            os.set_inheritable(fd, True)
    env = {k: v for k, v in os.environ.items() if not k.startswith("PYTHON")}
    # -S skips site (and its .pth files): hand over the parent's whole import path instead, so the
    # modules needed once the container exits (pyroute2, ...) are found
    paths = [os.path.dirname(os.path.dirname(os.path.abspath(dockyard.__file__)))] + [p for p in sys.path if p]
    env["PYTHONPATH"] = os.pathsep.join(dict.fromkeys(paths))
    code = "from dockyard.container.monitor import resume_main; resume_main()"
    os.execve(sys.executable, [sys.executable, "-S", "-c", code, root, cid, *r.argv()], env)


def resume_main() -> None:
    """Entry point of a lean monitor (see _exec_lean)."""
    import sys
    root, cid = sys.argv[1], sys.argv[2]
    r = _Resume.from_argv(sys.argv[3:])
    code = 0
    store: Store | None = None
    try:
        from .logs import LogWriter, log_options
        with open(os.path.join(root, "containers", cid, "logopts"), "rb") as f:
            max_size, max_file = log_options(f.read())
        bundle = os.path.join(root, "containers", cid)
        log = LogWriter(os.path.join(bundle, f"{cid}-json.log"), max_size, max_file)
        att = None
        if r.listen is not None:
            os.set_inheritable(r.listen, False)
            att = _Attach(r.listen, os.path.join(bundle, ATTACH_SOCK), r.stdin_w if r.stdin_w is not None
                          else r.console)
        exit_code = _pump(r.pid, r.console, r.out_r, r.err_r, log, None, None, None, att)
        if r.stdin_w is not None:
            os.close(r.stdin_w)
        log.close()
        from ..store import Store
        store = Store(root)
        code = _supervise(store, cid, None, None, None, None, after_exit=(exit_code, r.restarts, r.started),
                          att=att)
    finally:
        _close_quietly(store)
        os._exit(code & 0xFF)


def _supervise(store: Store, cid: str, status_w: int | None, attach_in: int | None,
               attach_out: int | None, attach_err: int | None,
               after_exit: tuple[int, int, float] | None = None, needs_attach: bool = False,
               att: _Attach | None = None) -> int:
    from ..errors import ContainerStartError
    from ..runtime.protocols import Stdio
    from .logs import LogWriter
    from .service import ContainerService, parse_log_opts

    svc = ContainerService(store)
    c = svc.get(cid)
    runtime = svc.runtime_for(c)
    bundle = svc.bundle_dir(c.id)
    tty = bool(c.config.get("Tty"))
    open_stdin = bool(c.config.get("OpenStdin"))
    max_size, max_file = parse_log_opts(c.host_config.get("LogConfig", {}).get("Config") or {})
    auto_remove = bool(c.host_config.get("AutoRemove"))
    policy = c.host_config.get("RestartPolicy") or {"Name": "no", "MaximumRetryCount": 0}
    detached = attach_out is None and attach_err is None and attach_in is None
    lean = detached and os.environ.get("DOCKYARD_LEAN_MONITOR", "1") != "0"
    first = after_exit is None
    log = None
    exit_code = 0
    while True:
        if after_exit is not None:
            exit_code, restarts, t0 = after_exit
            after_exit = None
        else:
            restarts = c.restart_count
            # --- stdio for this run ---
            keep: list[int] = []
            stdin_fd: int | None = None
            stdin_pipe_w: int | None = None
            if open_stdin and attach_in is not None and not tty:
                stdin_fd = attach_in
            elif open_stdin and not tty:
                r, stdin_pipe_w = os.pipe()
                stdin_fd = r
                keep.append(r)
            out_r = err_r = None
            if tty:
                stdio = Stdio(None, 1, 2)
            else:
                out_r, out_w = os.pipe()
                err_r, err_w = os.pipe()
                stdio = Stdio(stdin_fd, out_w, err_w)
                keep += [out_w, err_w]
            mark("monitor: runtime.start")
            from . import netsetup
            on_created = (lambda pid, _root=store.root: netsetup.attach(_root, cid, pid)) if needs_attach else None
            try:
                started = runtime.start(c.id, bundle, svc.rootfs_mounts(c), stdio, on_created=on_created)
            except ContainerStartError as e:
                netsetup.release(store.root, cid)
                for fd in keep + [x for x in (out_r, err_r, stdin_pipe_w) if x is not None]:
                    os.close(fd)
                svc.record_exit(c.id, e.exit_code, False, error=str(e))
                if first:
                    _write_status(status_w, f"err {e.exit_code} {e}".replace("\n", " "))
                    if c.host_config.get("AutoRemove"):
                        svc.remove(c.id, force=True, from_monitor=True)
                        svc.finish_removals()
                    return e.exit_code
                exit_code = e.exit_code
                break
            mark("monitor: started")
            for fd in keep:
                os.close(fd)
            # made after the start (the container must not inherit it), before "ok": an attach
            # right after `run -d` returns finds it
            listen_fd = _attach_listen(bundle)
            from .model import proc_start_time
            svc.record_start(c.id, started.pid, proc_start_time(started.pid), os.getpid(), restarts)
            t0 = time.time()
            if first:
                _write_status(status_w, f"ok {started.pid}")
            first = False
            if lean:
                with open(os.path.join(bundle, "logopts.tmp"), "w") as f:
                    f.write(f"{max_size} {max_file}")
                os.replace(os.path.join(bundle, "logopts.tmp"), os.path.join(bundle, "logopts"))
                if status_w is not None:
                    os.close(status_w)
                store.close()
                _exec_lean(store.root, c.id, _Resume(started.pid, started.console, out_r, err_r, stdin_pipe_w,
                                                     restarts, t0, listen_fd))
            if log is None:
                log = LogWriter(svc.log_path(c.id), max_size, max_file)
            if listen_fd is not None:
                att = _Attach(listen_fd, os.path.join(bundle, ATTACH_SOCK),
                              stdin_pipe_w if stdin_pipe_w is not None else started.console)
            exit_code = _pump(started.pid, started.console, out_r, err_r, log,
                              attach_in if (tty and open_stdin) else None, attach_out, attach_err, att)
            if stdin_pipe_w is not None:
                os.close(stdin_pipe_w)
        mark("monitor: exited")
        oom = False
        try:
            oom = runtime.oom_killed(c.id, bundle)
        except Exception:  # noqa: BLE001
            pass
        mark("monitor: oom checked")
        if not auto_remove:
            # before the exit is recorded: from then on a new start may reuse this cgroup path,
            # and removing the cgroup kills whatever is in it.  (--rm: the record goes away, and
            # nothing can start in this cgroup again: removed after the CLI has its answer.)
            _delete_runtime_state(runtime, c.id, bundle)
        from . import netsetup
        try:
            netsetup.release(store.root, cid)
        except Exception:  # noqa: BLE001
            pass
        mark("monitor: network released")
        if oom and exit_code == 0:
            exit_code = 137
        c = svc.record_exit(c.id, exit_code, oom)
        if att is not None:  # its clients return now, the exit recorded
            try:
                att.finish(exit_code)
            except Exception:  # noqa: BLE001 - attach is never worth the exit path
                pass
            att = None
        name = policy.get("Name") or "no"
        max_retry = int(policy.get("MaximumRetryCount") or 0)
        restart = False
        if not c.manual_stop:
            if name in ("always", "unless-stopped"):
                restart = True
            elif name == "on-failure" and exit_code != 0:
                restart = max_retry == 0 or restarts < max_retry
        if not restart:
            break
        if auto_remove:
            _delete_runtime_state(runtime, c.id, bundle)
        if time.time() - t0 > 10:
            restarts_backoff = 0
        else:
            restarts_backoff = min(restarts, 9)
        restarts += 1
        svc.record_restarting(c.id, restarts)
        deadline = time.monotonic() + 0.1 * (2 ** restarts_backoff)
        while time.monotonic() < deadline:
            time.sleep(0.05)
            c = svc.get(c.id)
            if c.manual_stop:
                svc.record_exit(c.id, exit_code, oom)
                break
        if c.manual_stop:
            break
        c = svc.get(c.id)
        try:
            _, needs_attach = svc.prepare_start(c)
        except Exception as e:  # noqa: BLE001 - e.g. the host port was taken meanwhile
            svc.record_exit(c.id, exit_code, False, error=str(e))
            break
    if log is not None:
        log.close()
    mark("monitor: recorded")
    _write_status(status_w, f"exit {exit_code}")
    c = svc.get(c.id)
    if c.host_config.get("AutoRemove"):
        svc.remove(c.id, force=True, from_monitor=True)  # its directory only moved to trash/ yet
    mark("monitor: removed")
    # An attached CLI returns now: the container is recorded (or gone, with --rm), its addresses
    # and ports are free.  What is left is invisible to users: the empty cgroups, deleting the
    # moved directory, and closing the database (a WAL checkpoint).
    _write_status(status_w, "done")
    if auto_remove:
        _delete_runtime_state(runtime, c.id, svc.moved_bundle(c.id))
    svc.finish_removals()
    mark("monitor: tidied")
    return 0


def _delete_runtime_state(runtime: object, cid: str, bundle: str) -> None:
    try:
        runtime.delete(cid, bundle)  # type: ignore[attr-defined]
    except Exception:  # noqa: BLE001
        pass


def _pump(pid: int, console: int | None, out_r: int | None, err_r: int | None, log: object,
          stdin_src: int | None, attach_out: int | None, attach_err: int | None, att: _Attach | None = None
          ) -> int:
    """Copy output to the log, attached fds and attach clients until the process exits and its
    output ends.  The attach socket stops listening then; its clients get the exit code from
    ``att.finish`` once the exit is recorded."""
    streams: dict[int, str] = {}
    if console is not None:
        streams[console] = "stdout"
    if out_r is not None:
        streams[out_r] = "stdout"
    if err_r is not None:
        streams[err_r] = "stderr"
    for fd in streams:
        _set_nonblock(fd)
    targets = {"stdout": attach_out, "stderr": attach_err if attach_err is not None else attach_out}
    pidfd = os.pidfd_open(pid)
    status: int | None = None
    exited_at = 0.0
    poller = select.poll()
    for fd in streams:
        poller.register(fd, select.POLLIN | select.POLLHUP | select.POLLERR)
    poller.register(pidfd, select.POLLIN)
    if att is not None:
        att.start(poller, console)
    if stdin_src is not None and console is not None:
        poller.register(stdin_src, select.POLLIN | select.POLLHUP)
        # the attached CLI's terminal size follows into the container's pty (the CLI forwards
        # SIGWINCH to us when its window changes)
        _copy_winsize(stdin_src, console)
        signal.signal(signal.SIGWINCH, lambda *_: _copy_winsize(stdin_src, console))
    while streams or status is None:
        timeout = None if status is None else max(0, int((exited_at + 0.5 - time.monotonic()) * 1000))
        if status is not None and timeout == 0:
            break  # grandchildren holding the pipes: stop waiting for them
        for fd, ev in poller.poll(timeout):
            if att is not None:
                try:
                    if att.handle(fd, ev):
                        continue
                except Exception:  # noqa: BLE001 - never let attach clients cost the container its monitor
                    att.abandon()
                    att = None
            if fd == pidfd:
                _, st = os.waitpid(pid, 0)
                status = st
                exited_at = time.monotonic()
                poller.unregister(pidfd)
                continue
            if fd == stdin_src:
                try:
                    data = os.read(fd, 65536)
                except OSError:
                    data = b""
                if not data:
                    poller.unregister(fd)
                    stdin_src = None
                elif console is not None:
                    try:
                        os.write(console, data)
                    except OSError:
                        pass
                continue
            if fd not in streams:  # an attach client dropped earlier in this batch of events
                continue
            try:
                data = os.read(fd, 65536)
            except BlockingIOError:
                continue
            except OSError as e:
                data = b"" if e.errno in (errno.EIO, errno.EBADF) else b""
            if not data:
                poller.unregister(fd)
                name = streams.pop(fd)
                if fd != console:
                    os.close(fd)
                del name
                continue
            stream = streams[fd]
            log.write(stream, data)  # type: ignore[attr-defined]
            if att is not None and att.out:
                try:
                    att.send(1 if stream == "stdout" else 2, data)
                except Exception:  # noqa: BLE001
                    att.abandon()
                    att = None
            target = targets[stream]
            if target is not None:
                try:
                    _write_all(target, data)
                except OSError:
                    targets[stream] = None
    os.close(pidfd)
    if att is not None:
        att.stop_listening()
    for fd in list(streams):
        if fd != console:
            os.close(fd)
    if console is not None:
        try:
            os.close(console)
        except OSError:
            pass
    # reap anything else reparented to us (exec'd or orphaned processes)
    while True:
        try:
            p, _ = os.waitpid(-1, os.WNOHANG)
        except ChildProcessError:
            break
        if p == 0:
            break
    assert status is not None
    if os.WIFEXITED(status):
        return os.WEXITSTATUS(status)
    if os.WIFSIGNALED(status):
        return 128 + os.WTERMSIG(status)
    return 255


ATTACH_SOCK = "attach.sock"
_CLIENT_LIMIT = 4 << 20  # output a client may lag behind before it is dropped
_MAX_CLIENTS = 64  # more are refused (accepted and closed at once)
_MAX_FRAME = 1 << 20  # a client frame announcing more is a broken client: dropped
_STDIN_LIMIT = 1 << 16  # input waiting for the container before clients are no longer read
_TIOCSWINSZ = 0x5414


def _attach_listen(bundle: str) -> int | None:
    """Listen on ``<bundle>/attach.sock`` (mode 0600; a stale one is replaced); None if that
    fails (the container runs, only not attachable).  Bound through /proc/self/fd: the path may
    be longer than a socket address allows (108 bytes)."""
    import _socket  # the C module: "socket" imports enum, selectors, ...
    try:
        d = os.open(bundle, os.O_PATH | os.O_DIRECTORY | os.O_CLOEXEC)
    except OSError:
        return None
    s = None
    try:
        path = f"/proc/self/fd/{d}/{ATTACH_SOCK}"
        try:
            os.unlink(path)
        except FileNotFoundError:
            pass
        s = _socket.socket(_socket.AF_UNIX, _socket.SOCK_STREAM | _socket.SOCK_NONBLOCK | _socket.SOCK_CLOEXEC)
        old = os.umask(0o177)
        try:
            s.bind(path)
        finally:
            os.umask(old)
        s.listen(16)
        fd: int = s.detach()
        return fd
    except OSError:
        if s is not None:
            s.close()
        return None
    finally:
        os.close(d)


def _frame(kind: int, data: bytes) -> bytes:
    return bytes((kind, 0, 0, 0)) + len(data).to_bytes(4, "big") + data


class _Attach:
    """The ``dockyard attach`` clients of a running container (see the module docstring).

    Part of the monitor's single poll loop: no thread, the C ``_socket`` module only (the lean
    monitor's RSS is measured), every client descriptor non-blocking."""

    def __init__(self, listen_fd: int, path: str, stdin_dst: int | None) -> None:
        self.sock: Any = None  # a _socket.socket on listen_fd, made by the first accept (an idle monitor
        # does not load the module: its RSS is measured)
        self.listen_fd: int | None = listen_fd
        self.path = path
        self.stdin_dst = stdin_dst  # the container's stdin pipe, or its pty (may be None)
        self.out: dict[int, bytearray] = {}  # client -> output it has not taken yet
        self.inbuf: dict[int, bytearray] = {}  # client -> the start of an incomplete frame
        self.pending = bytearray()  # client input the container has not read yet
        self.poller: select.poll | None = None
        self.console_mask = 0  # when stdin_dst is the pty: the pump's mask for it
        self.paused = False  # not accepting for now (out of descriptors)

    def start(self, poller: select.poll, console: int | None) -> None:
        self.poller = poller
        assert self.listen_fd is not None
        poller.register(self.listen_fd, select.POLLIN)
        if self.stdin_dst is not None:
            os.set_blocking(self.stdin_dst, False)
            if self.stdin_dst == console:
                self.console_mask = select.POLLIN | select.POLLHUP | select.POLLERR

    def _mask(self, fd: int) -> int:
        m = select.POLLOUT if self.out[fd] else 0
        if len(self.pending) < _STDIN_LIMIT:
            m |= select.POLLIN
        return m

    def _remask(self) -> None:
        assert self.poller is not None
        for fd in self.out:
            self.poller.modify(fd, self._mask(fd))

    def handle(self, fd: int, ev: int) -> bool:
        """One poll event: True if it was ours (False: the pump reads it)."""
        if fd == self.listen_fd:
            self._accept()
            return True
        if fd in self.out:
            if ev & select.POLLOUT:
                self._flush(fd)
            if fd in self.out and ev & (select.POLLIN | select.POLLHUP | select.POLLERR):
                self._read(fd)
            return True
        if fd == self.stdin_dst:
            if not self.console_mask:  # the stdin pipe: room, or its reader is gone
                self._feed()
                return True
            if ev & select.POLLOUT:
                self._feed()
            return not ev & (select.POLLIN | select.POLLHUP | select.POLLERR)  # the pty's output: the pump's
        return False

    def _accept(self) -> None:
        assert self.poller is not None
        if self.sock is None:
            import _socket
            self.sock = _socket.socket(fileno=self.listen_fd)
        while True:
            try:
                fd, _ = self.sock._accept()  # accept4(SOCK_CLOEXEC), a bare fd
            except BlockingIOError:
                return
            except OSError:  # EMFILE and the like: the connection stays queued, the socket readable
                self._pause_accepting()
                return
            if len(self.out) >= _MAX_CLIENTS:
                os.close(fd)
                continue
            os.set_blocking(fd, False)
            self.out[fd] = bytearray()
            self.inbuf[fd] = bytearray()
            self.poller.register(fd, self._mask(fd))

    def _pause_accepting(self) -> None:
        """Out of descriptors: stop polling the listening socket (it would stay readable: a busy
        loop) until a client leaves."""
        if self.poller is not None and self.listen_fd is not None and not self.paused:
            try:
                self.poller.unregister(self.listen_fd)
                self.paused = True
            except (KeyError, OSError):
                pass

    def drop(self, fd: int) -> None:
        if self.poller is not None:
            try:
                self.poller.unregister(fd)
            except (KeyError, OSError):
                pass
        del self.out[fd]
        del self.inbuf[fd]
        os.close(fd)
        if self.paused and self.poller is not None and self.listen_fd is not None:
            self.paused = False
            self.poller.register(self.listen_fd, select.POLLIN)

    def send(self, kind: int, data: bytes) -> None:
        """Output to every client, never blocking: what a client cannot take now waits (up to
        _CLIENT_LIMIT bytes, else the client is dropped)."""
        frame = _frame(kind, data)
        for fd, buf in list(self.out.items()):
            if buf:
                buf += frame
                if len(buf) > _CLIENT_LIMIT:
                    self.drop(fd)
                continue
            try:
                n = os.write(fd, frame)
            except BlockingIOError:
                n = 0
            except OSError:
                self.drop(fd)
                continue
            if n < len(frame):
                buf += frame[n:]
                if self.poller is not None:
                    self.poller.modify(fd, self._mask(fd))

    def _flush(self, fd: int) -> None:
        buf = self.out[fd]
        try:
            n = os.write(fd, buf)
        except BlockingIOError:
            return
        except OSError:
            self.drop(fd)
            return
        del buf[:n]
        if not buf and self.poller is not None:
            self.poller.modify(fd, self._mask(fd))

    def _read(self, fd: int) -> None:
        try:
            data = os.read(fd, 65536)
        except BlockingIOError:
            return
        except OSError:
            data = b""
        if not data:
            self.drop(fd)
            return
        buf = self.inbuf[fd]
        buf += data
        while len(buf) >= 8:
            n = int.from_bytes(buf[4:8], "big")
            if n > _MAX_FRAME or buf[0] not in (0, 1):
                self.drop(fd)  # not our client's framing: its memory is not ours to give
                return
            if len(buf) < 8 + n:
                break
            kind, payload = buf[0], bytes(buf[8:8 + n])
            del buf[:8 + n]
            if kind == 0 and self.stdin_dst is not None:
                self.pending += payload
            elif kind == 1 and self.stdin_dst is not None and len(payload) == 8:
                import fcntl
                try:
                    fcntl.ioctl(self.stdin_dst, _TIOCSWINSZ, payload)
                except OSError:
                    pass  # not a pty
        if self.pending:
            self._feed()

    def _feed(self) -> None:
        """Client input into the container's stdin as far as it takes it now."""
        assert self.poller is not None
        if self.stdin_dst is None:
            self.pending.clear()
            return
        try:
            n = os.write(self.stdin_dst, self.pending)
        except BlockingIOError:
            n = 0
        except OSError:  # nobody reads the container's stdin any more
            self.pending.clear()
            n = 0
        del self.pending[:n]
        try:  # wait for room only while there is input left (the pty is also the pump's)
            if self.console_mask:
                self.poller.modify(self.stdin_dst, self.console_mask | (select.POLLOUT if self.pending else 0))
            elif self.pending:
                self.poller.register(self.stdin_dst, select.POLLOUT)
            else:
                self.poller.unregister(self.stdin_dst)
        except (KeyError, OSError):
            pass
        self._remask()

    def stop_listening(self) -> None:
        """The container exited: no new clients; the socket file goes."""
        if self.listen_fd is not None:
            if self.poller is not None:
                try:
                    self.poller.unregister(self.listen_fd)
                except (KeyError, OSError):
                    pass
            if self.sock is not None:
                self.sock.close()
            else:
                os.close(self.listen_fd)
            self.listen_fd = None
            self.paused = False
            try:
                os.unlink(self.path)
            except OSError:
                pass
        if self.poller is not None and self.stdin_dst is not None and self.pending:
            try:  # no more waiting for room in the container's stdin
                if self.console_mask:
                    self.poller.modify(self.stdin_dst, self.console_mask)
                else:
                    self.poller.unregister(self.stdin_dst)
            except (KeyError, OSError):
                pass
        self.pending.clear()
        self.stdin_dst = None
        self.poller = None

    def abandon(self) -> None:
        """Something went wrong: no attach for this run any more (the container goes on).  The
        clients are dropped first, while the poller is known: a closed descriptor left registered
        would make every poll return POLLNVAL at once (a busy loop)."""
        for fd in list(self.out):
            try:
                self.drop(fd)
            except OSError:
                pass
        self.stop_listening()

    def finish(self, code: int) -> None:
        """The exit is recorded: each client gets its code (after what output it can still take;
        the container is gone, so waiting a little for slow clients blocks nothing but this
        monitor's tidying, and for half a second at most)."""
        self.stop_listening()
        frame = _frame(3, str(code).encode())
        deadline = time.monotonic() + 0.5
        for fd, buf in list(self.out.items()):
            buf += frame
            try:
                _write_until(fd, bytes(buf), deadline)
            except OSError:
                pass
            self.drop(fd)


def _write_until(fd: int, data: bytes, deadline: float) -> None:
    """Write what a client takes until the ``deadline`` (one that does not read loses the rest)."""
    view = memoryview(data)
    while view:
        try:
            n = os.write(fd, view)
        except BlockingIOError:
            left = deadline - time.monotonic()
            if left <= 0:
                return
            _wait_writable(fd, left)
            continue
        view = view[n:]


def _copy_winsize(src: int, dst: int) -> None:
    import fcntl
    import termios
    try:
        fcntl.ioctl(dst, termios.TIOCSWINSZ, fcntl.ioctl(src, termios.TIOCGWINSZ, b"\0" * 8))
    except OSError:
        pass


def _write_all(fd: int, data: bytes) -> None:
    view = memoryview(data)
    while view:
        try:
            n = os.write(fd, view)
        except BlockingIOError:
            _wait_writable(fd, 1.0)
            continue
        view = view[n:]


def _wait_writable(fd: int, timeout: float) -> None:
    """poll, not select: select cannot take a descriptor >= 1024 (a monitor may have many clients)."""
    p = select.poll()
    p.register(fd, select.POLLOUT)
    p.poll(int(timeout * 1000))


def decode_status(line: str) -> tuple[str, int, str]:
    kind, _, rest = line.strip().partition(" ")
    num, _, msg = rest.partition(" ")
    try:
        return kind, int(num), msg
    except ValueError:
        return kind, 125, rest


__all__ = ["MonitorProcess", "decode_status", "fork_monitor", "resume_main", "run_monitor"]
