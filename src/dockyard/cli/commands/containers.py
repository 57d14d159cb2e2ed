"""Container verbs: run, create, start, stop, kill, restart, pause, rm, ps, logs, exec, wait, ..."""

from __future__ import annotations

import os
import sys
import time

from ...errors import InvalidArgument
from ..flags import Parsed
from ..main import Context
from ..output import render, since, size

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any


def _env_files(paths: list[str]) -> list[str]:
    out = []
    for p in paths:
        try:
            with open(p) as f:
                for line in f:
                    line = line.rstrip("\n")
                    if line.strip() and not line.lstrip().startswith("#"):
                        out.append(line)
        except OSError as e:
            raise InvalidArgument(f"open {p}: {e.strerror.lower() if e.strerror else e}") from None
    return out


def _kv(items: list[str]) -> dict[str, str]:
    out = {}
    for it in items:
        k, _, v = it.partition("=")
        out[k] = v
    return out


def _ulimits(items: list[str]) -> list[dict[str, Any]]:
    out = []
    for it in items:
        name, _, val = it.partition("=")
        soft, _, hard = val.partition(":")
        try:
            s = int(soft)
            h = int(hard) if hard else s
        except ValueError:
            raise InvalidArgument(f"invalid ulimit argument: {it}") from None
        out.append({"Name": name, "Soft": s, "Hard": h})
    return out


def create_options(p: Parsed) -> Any:
    from ...container.model import CreateOptions
    args = list(p.args)
    image, cmd = args[0], args[1:]
    entrypoint = None
    if p.entrypoint is not None:
        entrypoint = [p.entrypoint] if p.entrypoint else []
    if p.memory or p.memory_swap:
        from ...units import parse_bytes
    memory = parse_bytes(p.memory) if p.memory else 0
    swap = 0
    if p.memory_swap:
        swap = -1 if p.memory_swap == "-1" else parse_bytes(p.memory_swap)
    if memory and 0 < memory < 6 * 1024 * 1024:
        raise InvalidArgument("Minimum memory limit allowed is 6MB")
    nano = 0
    if p.cpus:
        try:
            nano = int(round(float(p.cpus) * 1e9))
        except ValueError:
            raise InvalidArgument(f'invalid argument "{p.cpus}" for "--cpus" flag') from None
        ncpu = os.cpu_count() or 1
        if nano <= 0 or nano > ncpu * 1_000_000_000:
            raise InvalidArgument(f"range of CPUs is from 0.01 to {ncpu}.00, as there are only {ncpu} CPUs "
                                  "available")
    env = _env_files(p.env_file) + list(p.env)
    attach = list(getattr(p, "attach", None) or [])
    detach = bool(getattr(p, "detach", False))
    return CreateOptions(
        image=image, cmd=cmd or None, entrypoint=entrypoint, name=p.name, env=env, workdir=p.workdir,
        user=p.user, hostname=p.hostname, labels=_kv(p.label), tty=p.tty, open_stdin=p.interactive,
        read_only=p.read_only, memory=memory, memory_swap=swap, nano_cpus=nano, pids_limit=p.pids_limit,
        init=p.init, restart=p.restart or "no", stop_signal=p.stop_signal, stop_timeout=p.stop_timeout,
        runtime=p.runtime or os.environ.get("DOCKYARD_RUNTIME") or "native", auto_remove=p.rm,
        cap_add=list(p.cap_add), cap_drop=list(p.cap_drop), privileged=p.privileged,
        ulimits=_ulimits(p.ulimit), log_opts=_kv(p.log_opt), network=p.network or p.net or "default",
        publish=list(p.publish), publish_all=p.publish_all, expose=list(p.expose), volumes=list(p.volume),
        mounts=list(p.mount), tmpfs=list(p.tmpfs), volumes_from=list(p.volumes_from),
        add_hosts=list(p.add_host), dns=list(p.dns), ip=p.ip, aliases=list(p.network_alias),
        attach_stdin=(p.interactive and not detach) or "stdin" in [a.lower() for a in attach],
        attach_stdout=not detach, attach_stderr=not detach,
    )


def _ensure_image(ctx: Context, image: str, policy: str, quiet: bool) -> None:
    """docker's --pull missing|always|never before create/run.  With DOCKYARD_OFFLINE=1 (set by the
    test suite) a missing Docker Hub image is an error instead of a pull attempt."""
    from ... import reference
    from ...errors import ImageNotFound
    if policy not in ("missing", "always", "never"):
        raise InvalidArgument(f'invalid pull option: "{policy}": must be one of "always", "missing" or "never"')
    if policy == "missing" and ctx.engine.images.exists(image):
        return
    ref = reference.parse(image)
    offline = os.environ.get("DOCKYARD_OFFLINE") == "1" and ref.registry == reference.DEFAULT_REGISTRY
    if policy == "never" or offline:
        if policy == "always" or not ctx.engine.images.exists(image):
            raise ImageNotFound(image, f"Unable to find image '{ref.familiar}' locally")
        return
    from .share import ensure_image, pull
    if policy == "always":
        pull(ctx.engine, image, quiet=quiet, out=sys.stderr)
    else:
        ensure_image(ctx.engine, image, quiet=quiet)


def cmd_create(ctx: Context, p: Parsed) -> int:
    opts = create_options(p)
    _ensure_image(ctx, opts.image, p.pull or "missing", p.quiet)
    c = ctx.engine.containers.create(opts)
    print(c.id)
    return 0


class _RawTerminal:
    def __init__(self, enabled: bool) -> None:
        self.enabled = enabled and os.isatty(0)
        self.saved: Any = None

    def __enter__(self) -> _RawTerminal:
        if self.enabled:
            import termios
            import tty
            self.saved = termios.tcgetattr(0)
            tty.setraw(0)
        return self

    def __exit__(self, *exc: object) -> None:
        if self.saved is not None:
            import termios
            termios.tcsetattr(0, termios.TCSADRAIN, self.saved)


def _proxy_signals(pid: int) -> None:
    """--sig-proxy: the signals a user sends the CLI go to the container's process (no tty)."""
    import _signal as signal  # type: ignore[import-not-found]  # the C module: signal imports enum

    def forward(signum: int, _frame: Any) -> None:
        try:
            os.kill(pid, signum)
        except OSError:
            pass
    for s in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP, signal.SIGQUIT, signal.SIGUSR1, signal.SIGUSR2):
        signal.signal(s, forward)


def _attached(ctx: Context, cid: str, stdin: bool, tty: bool, sig_proxy: bool = True, monitor: Any = None,
              remove_on_failure: bool = False) -> int:
    import _signal as signal  # type: ignore[import-not-found]  # the C module: signal imports enum
    svc = ctx.engine.containers
    try:
        handle = svc.start(cid, attach=True, stdin=stdin, monitor=monitor)
    except BaseException:
        _remove_quietly(svc, cid, remove_on_failure)
        raise
    if sig_proxy and not tty:
        _proxy_signals(handle.pid)
    if tty and stdin and os.isatty(0):
        def resized(_signum: int, _frame: Any) -> None:
            try:
                os.kill(handle.monitor_pid, signal.SIGWINCH)
            except OSError:
                pass
        signal.signal(signal.SIGWINCH, resized)
    with _RawTerminal(tty and stdin):
        return handle.wait_exit()


def cmd_run(ctx: Context, p: Parsed) -> int:
    from ...errors import ImageNotFound
    opts = create_options(p)
    if p.detach and p.rm and opts.restart not in ("no", ""):
        raise InvalidArgument("conflicting options: cannot specify both --restart and --rm")
    if not p.detach:
        sys.stdout.flush()  # the monitor inherits stdout: nothing buffered may be written twice
    # the monitor is forked first, before this process imports the container service or opens
    # the database: it gets ready on the other CPU while this process creates the container
    from ...container.monitor import fork_monitor
    monitor = fork_monitor(ctx.store_root, attach=not p.detach, stdin=opts.open_stdin)
    try:
        svc = ctx.engine.containers
        _ensure_image(ctx, opts.image, p.pull or "missing", p.quiet)
        try:
            c = svc.create(opts)
        except ImageNotFound:
            raise ImageNotFound(opts.image, f"Unable to find image '{opts.image}' locally") from None
    except BaseException:
        monitor.cancel()
        raise
    if p.detach:
        try:
            svc.start(c.id, monitor=monitor)
        except BaseException:
            _remove_quietly(svc, c.id, opts.auto_remove)
            raise
        print(c.id)
        return 0
    sys.stdout.flush()
    return _attached(ctx, c.id, opts.open_stdin, opts.tty, p.sig_proxy, monitor=monitor,
                     remove_on_failure=opts.auto_remove)


def _remove_quietly(svc: Any, cid: str, wanted: bool) -> None:
    """--rm: a container that could not be started is removed too, as docker does."""
    if wanted:
        try:
            svc.remove(cid, force=True)
        except Exception:  # noqa: BLE001
            pass


def cmd_start(ctx: Context, p: Parsed) -> int:
    svc = ctx.engine.containers
    if p.attach or p.interactive:
        if len(p.args) > 1:
            raise InvalidArgument("you cannot start and attach multiple containers at once")
        c = svc.get(p.args[0])
        return _attached(ctx, c.id, p.interactive and bool(c.config.get("OpenStdin")), bool(c.config.get("Tty")))
    failed = 0
    for ref in p.args:
        try:
            svc.start(ref)
            print(ref)
        except Exception as e:
            from ...errors import DockyardError
            if not isinstance(e, DockyardError):
                raise
            ctx.err(f"dockyard: {e}")
            failed = e.exit_code
    return failed


def _each(ctx: Context, refs: list[str], fn: Any) -> int:
    from ...errors import DockyardError
    code = 0
    for ref in refs:
        try:
            fn(ref)
            print(ref)
        except DockyardError as e:
            ctx.err(f"dockyard: {e}")
            code = 1
    return code


def cmd_stop(ctx: Context, p: Parsed) -> int:
    return _each(ctx, p.args, lambda r: ctx.engine.containers.stop(r, p.time, p.signal))


def cmd_restart(ctx: Context, p: Parsed) -> int:
    return _each(ctx, p.args, lambda r: ctx.engine.containers.restart(r, p.time))


def cmd_kill(ctx: Context, p: Parsed) -> int:
    return _each(ctx, p.args, lambda r: ctx.engine.containers.kill(r, p.signal))


def cmd_pause(ctx: Context, p: Parsed) -> int:
    return _each(ctx, p.args, ctx.engine.containers.pause)


def cmd_unpause(ctx: Context, p: Parsed) -> int:
    return _each(ctx, p.args, ctx.engine.containers.unpause)


def cmd_rm(ctx: Context, p: Parsed) -> int:
    if p.force and len(p.args) > 1:
        ctx.engine.containers.kill_for_removal(p.args)
    return _each(ctx, p.args, lambda r: ctx.engine.containers.remove(r, force=p.force, volumes=p.volumes))


def cmd_rename(ctx: Context, p: Parsed) -> int:
    ctx.engine.containers.rename(p.args[0], p.args[1])
    return 0


def cmd_wait(ctx: Context, p: Parsed) -> int:
    from ...errors import DockyardError
    code = 0
    for ref in p.args:
        try:
            print(ctx.engine.containers.wait(ref), flush=True)
        except DockyardError as e:
            ctx.err(f"dockyard: {e}")
            code = 1
    return code


def cmd_prune(ctx: Context, p: Parsed) -> int:
    from ...snapshot.lookup import disk_usage
    before = disk_usage(ctx.engine.root)
    removed = ctx.engine.containers.prune()
    if removed:
        print("Deleted Containers:")
        for r in removed:
            print(r)
        print()
    from ..output import size as _size
    print(f"Total reclaimed space: {_size(max(0, before - disk_usage(ctx.engine.root)))}")
    return 0


# --- ps ---------------------------------------------------------------------------------------

PS_TABLE = "table {{.ID}}\t{{.Image}}\t{{.Command}}\t{{.CreatedAt}}\t{{.Status}}\t{{.Ports}}\t{{.Names}}"
PS_HEADERS = {"ID": "CONTAINER ID", "Image": "IMAGE", "Command": "COMMAND", "CreatedAt": "CREATED",
              "RunningFor": "CREATED", "Status": "STATUS", "Ports": "PORTS", "Names": "NAMES", "Size": "SIZE",
              "Labels": "LABELS", "Mounts": "MOUNTS", "Networks": "NETWORKS", "State": "STATE",
              "LocalVolumes": "LOCAL VOLUMES"}


def status_text(c: Any) -> str:
    from ...units import human_duration
    from ..output import parse_time
    now = time.time()
    if c.status == "running":
        return f"Up {human_duration(now - parse_time(c.started_at))}"
    if c.status == "paused":
        return f"Up {human_duration(now - parse_time(c.started_at))} (Paused)"
    if c.status == "restarting":
        return f"Restarting ({c.exit_code}) {human_duration(now - parse_time(c.finished_at))} ago"
    if c.status == "exited":
        return f"Exited ({c.exit_code}) {human_duration(now - parse_time(c.finished_at))} ago"
    if c.status == "created":
        return "Created"
    if c.status == "removing":
        return "Removal In Progress"
    return "Dead"


def _match_filters(c: Any, filters: list[tuple[str, str]], images: Any) -> bool:
    for key, val in filters:
        if key == "status":
            if c.status != val:
                return False
        elif key == "name":
            import re
            if not re.search(val, c.name):
                return False
        elif key == "id":
            if not c.id.startswith(val):
                return False
        elif key == "label":
            k, eq, v = val.partition("=")
            labels = c.config.get("Labels") or {}
            if k not in labels or (eq and labels[k] != v):
                return False
        elif key == "ancestor":
            try:
                if images.resolve(val) != c.image_id:
                    return False
            except Exception:  # noqa: BLE001
                return False
        elif key == "exited" and (c.status != "exited" or str(c.exit_code) != val):
            return False
    return True


def _parse_filters(items: list[str], allowed: tuple[str, ...]) -> list[tuple[str, str]]:
    out = []
    for f in items:
        k, eq, v = f.partition("=")
        if not eq or k not in allowed:
            raise InvalidArgument(f"invalid filter '{f}'")
        if k == "status" and v not in ("created", "restarting", "running", "removing", "paused", "exited",
                                        "dead"):
            raise InvalidArgument(f"invalid filter 'status={v}'")
        out.append((k, v))
    return out


def _command(c: Any, no_trunc: bool) -> str:
    args = list(c.config.get("Entrypoint") or []) + list(c.config.get("Cmd") or [])
    s = " ".join(args) if no_trunc else " ".join(args)
    if not no_trunc and len(s) > 20:
        s = s[:19] + "…"
    return f'"{s}"'


def cmd_ps(ctx: Context, p: Parsed) -> int:
    svc = ctx.engine.containers
    filters = _parse_filters(p.filter, ("status", "name", "id", "label", "ancestor", "exited"))
    cs = svc.list_containers()
    if not (p.all or p.latest or p.last > 0 or any(k == "status" for k, _ in filters)):
        cs = [c for c in cs if c.status in ("running", "paused", "restarting")]
    if p.latest:
        cs = cs[:1]
    elif p.last > 0:
        cs = cs[: p.last]
    images = ctx.engine.images if any(k == "ancestor" for k, _ in filters) else None
    cs = [c for c in cs if _match_filters(c, filters, images)]
    if p.quiet and not p.format:
        for c in cs:
            print(c.id if p.no_trunc else c.id[:12])
        return 0
    rows = []
    for c in cs:
        row = {
            "ID": c.id if p.no_trunc else c.id[:12], "Image": c.image_ref, "Command": _command(c, p.no_trunc),
            "CreatedAt": since(c.created) + " ago", "RunningFor": since(c.created) + " ago",
            "Status": status_text(c), "State": c.status, "Ports": _ports(ctx, c), "Names": c.name,
            "Labels": ",".join(f"{k}={v}" for k, v in (c.config.get("Labels") or {}).items()),
            "Mounts": "", "Networks": "", "LocalVolumes": "0", "Size": "",
        }
        if p.size:
            row["Size"] = f"{size(svc.size_rw(c))} (virtual {size(_image_size(ctx, c.image_id))})"
        rows.append(row)
    fmt = p.format
    table = PS_TABLE + ("\t{{.Size}}" if p.size else "")
    if p.quiet:
        fmt = "{{.ID}}"
    render(fmt, rows, table, PS_HEADERS)
    return 0


def _ports(ctx: Context, c: Any) -> str:
    """ps's PORTS: only containers that publish or expose ports cost a lookup."""
    if c.status not in ("running", "paused") or not (c.host_config.get("PortBindings")
                                                      or c.host_config.get("PublishAllPorts")):
        return ""
    from ...container import netsetup
    return netsetup.ports_column(ctx.engine.root, c.id)


def _image_size(ctx: Context, image_id: str) -> int:
    try:
        return int(ctx.engine.images.record(image_id).size)
    except Exception:  # noqa: BLE001
        return 0


# --- logs -------------------------------------------------------------------------------------

def cmd_logs(ctx: Context, p: Parsed) -> int:
    from ...container.logs import parse_line, read_entries
    from ...units import parse_timestamp
    from ..output import parse_time
    svc = ctx.engine.containers
    c = svc.get(p.args[0])
    path = svc.log_path(c.id)
    time.time()
    since_t = parse_timestamp(p.since) if p.since else None
    until_t = parse_timestamp(p.until) if p.until else None
    tail = -1
    if p.tail not in ("all", "", None):
        try:
            tail = int(p.tail)
        except ValueError:
            raise InvalidArgument(f"invalid value for tail: {p.tail}") from None
    out, err = sys.stdout.buffer, sys.stderr.buffer

    def emit(e: Any) -> None:
        t = parse_time(e.time)
        if since_t is not None and t < since_t:
            return
        if until_t is not None and t > until_t:
            return
        text = e.text
        if p.timestamps:
            text = f"{e.time} {text}"
        target = err if e.stream == "stderr" else out
        target.write(text.encode())
        target.flush()

    entries: list[Any] = read_entries(path)
    if tail >= 0:
        entries = entries[len(entries) - tail:] if tail else []
    for e in entries:
        emit(e)
    if not p.follow:
        return 0
    # follow: new lines of the current file until the container stops; the writer rotates by
    # renaming the file away and starting a new one, seen here as the name's inode changing
    f = _open_retrying(path)
    if f is None:
        return 0
    f.seek(0, os.SEEK_END)
    pos = f.tell()
    idle = 0
    while True:
        line = f.readline()
        if line and line.endswith(b"\n"):
            e = parse_line(line)
            if e is not None:
                emit(e)
            pos = f.tell()
            continue
        f.seek(pos)  # at the end of what was written (a partial record is read again later)
        try:
            rotated = os.stat(path).st_ino != os.fstat(f.fileno()).st_ino
        except FileNotFoundError:
            rotated = False  # between the rename and the new file: look again
        if rotated:  # everything written to the old file before it moved has been read above
            new = _open_retrying(path)
            if new is not None:
                f.close()
                f, pos = new, 0
                continue
        idle += 1
        if idle % 5 == 0:
            try:
                if not svc.get(c.id).running:
                    rest = f.read()
                    for ln in rest.splitlines(keepends=True):
                        e = parse_line(ln)
                        if e is not None:
                            emit(e)
                    return 0
            except Exception:  # noqa: BLE001
                return 0
        time.sleep(0.1)


def _open_retrying(path: str, tries: int = 20) -> Any:
    """Open the current log file; during a rotation its name is missing for a moment."""
    for _ in range(tries):
        try:
            return open(path, "rb")  # noqa: SIM115
        except FileNotFoundError:
            time.sleep(0.005)
    return None


# --- exec -------------------------------------------------------------------------------------

def cmd_exec(ctx: Context, p: Parsed) -> int:
    import ctypes

    from ...runtime.protocols import Stdio
    svc = ctx.engine.containers
    env = _env_files(p.env_file) + list(p.env)
    c, proc = svc.exec_process(p.args[0], p.args[1:], env=env, workdir=p.workdir, user=p.user,
                               tty=p.tty, privileged=p.privileged)
    libc = ctypes.CDLL(None, use_errno=True)
    libc.prctl(36, 1, 0, 0, 0)  # PR_SET_CHILD_SUBREAPER: the exec'd process becomes our child
    runtime = svc.runtime_for(c)
    devnull = os.open(os.devnull, os.O_RDWR)
    if p.detach:
        stdio = Stdio(devnull, devnull, devnull)
    else:
        stdio = Stdio(0 if p.interactive else devnull, 1, 2)
    sys.stdout.flush()
    started = runtime.exec(c.id, svc.bundle_dir(c.id), c.pid, proc, stdio)
    os.close(devnull)
    if p.detach:
        return 0
    if started.console is not None:
        return _relay_console(started.pid, started.console, p.interactive)
    return _wait_pid(started.pid)


def _wait_pid(pid: int) -> int:
    while True:
        try:
            _, st = os.waitpid(pid, 0)
            break
        except InterruptedError:
            continue
        except ChildProcessError:
            return 0
    if os.WIFEXITED(st):
        return os.WEXITSTATUS(st)
    return 128 + os.WTERMSIG(st) if os.WIFSIGNALED(st) else 255


def _relay_console(pid: int, master: int, interactive: bool) -> int:
    import select
    with _RawTerminal(interactive):
        fds = [master] + ([0] if interactive else [])
        while True:
            r, _, _ = select.select(fds, [], [], 0.2)
            if master in r:
                try:
                    data = os.read(master, 65536)
                except OSError:
                    data = b""
                if not data:
                    break
                os.write(1, data)
            if 0 in r:
                data = os.read(0, 65536)
                if not data:
                    fds.remove(0)
                else:
                    os.write(master, data)
    os.close(master)
    return _wait_pid(pid)


# --- top / diff / stats -----------------------------------------------------------------------

def cmd_top(ctx: Context, p: Parsed) -> int:
    import pwd

    from ...container.procs import process_info
    rows = []
    for proc in process_info(ctx.engine.containers.top(p.args[0])):
        try:
            user = pwd.getpwuid(proc.uid).pw_name
        except KeyError:
            user = str(proc.uid)
        rows.append([user, str(proc.pid), str(proc.ppid), "0", time.strftime("%H:%M", time.localtime(proc.start)),
                     "?", time.strftime("%H:%M:%S", time.gmtime(proc.cpu_seconds)), proc.command])
    header = ["UID", "PID", "PPID", "C", "STIME", "TTY", "TIME", "CMD"]
    widths = [max(len(r[i]) for r in rows + [header]) for i in range(len(header))]
    for r in [header] + rows:
        print("   ".join(v.ljust(widths[i]) if i < len(header) - 1 else v for i, v in enumerate(r)))
    return 0


def cmd_diff(ctx: Context, p: Parsed) -> int:
    for kind, path in ctx.engine.containers.diff(p.args[0]):
        print(f"{kind} {path}")
    return 0


STATS_TABLE = ("table {{.ID}}\t{{.Name}}\t{{.CPUPerc}}\t{{.MemUsage}}\t{{.MemPerc}}\t{{.NetIO}}\t{{.BlockIO}}"
               "\t{{.PIDs}}")
STATS_HEADERS = {"ID": "CONTAINER ID", "Container": "CONTAINER", "Name": "NAME", "CPUPerc": "CPU %",
                 "MemUsage": "MEM USAGE / LIMIT", "MemPerc": "MEM %", "NetIO": "NET I/O", "BlockIO": "BLOCK I/O",
                 "PIDs": "PIDS"}


def cmd_stats(ctx: Context, p: Parsed) -> int:
    from ...units import bytes_size
    svc = ctx.engine.containers
    cs = [svc.get(r) for r in p.args] if p.args else [c for c in svc.list_containers() if c.running or p.all]

    def sample() -> dict[str, Any]:
        out = {}
        for c in cs:
            if c.status not in ("running", "paused"):
                continue
            try:
                out[c.id] = (svc.runtime_for(c).stats(c.id, svc.bundle_dir(c.id)), time.monotonic())
            except Exception:  # noqa: BLE001
                continue
        return out

    first = sample()
    time.sleep(0.5 if first else 0)
    second = sample()
    total_mem = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES")
    rows = []
    for c in cs:
        if c.id in second and c.id in first:
            (s1, t1), (s2, t2) = first[c.id], second[c.id]
            cpu = (s2.cpu_usage_ns - s1.cpu_usage_ns) / max(1e-9, (t2 - t1) * 1e9) * 100
            limit = s2.memory_limit or total_mem
            rows.append({"ID": c.id[:12] if not p.no_trunc else c.id, "Container": c.id[:12], "Name": c.name,
                         "CPUPerc": f"{cpu:.2f}%", "MemUsage": f"{bytes_size(s2.memory_usage)} / {bytes_size(limit)}",
                         "MemPerc": f"{s2.memory_usage / limit * 100:.2f}%", "NetIO": "0B / 0B",
                         "BlockIO": "0B / 0B", "PIDs": str(s2.pids)})
        else:
            rows.append({"ID": c.id[:12], "Container": c.id[:12], "Name": c.name, "CPUPerc": "0.00%",
                         "MemUsage": "0B / 0B", "MemPerc": "0.00%", "NetIO": "0B / 0B", "BlockIO": "0B / 0B",
                         "PIDs": "0"})
    render(p.format, rows, STATS_TABLE, STATS_HEADERS)
    return 0


# --- attach -----------------------------------------------------------------------------------

def cmd_attach(ctx: Context, p: Parsed) -> int:
    """docker attach: the output of a running container from now on, stdin to it (-i), signals
    proxied (no tty), ctrl-p ctrl-q detaches (tty); the container's exit code."""
    from ...container.attach import DEFAULT_DETACH_KEYS, Detached, Relay, parse_detach_keys
    from ...errors import DockyardError
    svc = ctx.engine.containers
    try:
        keys = parse_detach_keys(p.detach_keys) if p.detach_keys else DEFAULT_DETACH_KEYS
        c = svc.get(p.args[0])
        tty = bool(c.config.get("Tty"))
        if tty and not p.no_stdin and c.status == "running" and not os.isatty(0):
            raise InvalidArgument("the input device is not a TTY")
        c, sock = svc.attach_socket(c.id)
    except DockyardError as e:  # docker attach fails with 1, whatever the reason
        ctx.err(f"dockyard: {e}")
        return 1
    stdin = bool(c.config.get("OpenStdin")) and not p.no_stdin
    ctx.close()  # nothing to keep open for the duration: the database is read again at the end
    # docker reads the detach keys only from a tty's input; a pipe's bytes all go to the container
    relay = Relay(sock, stdin=stdin, detach_keys=keys if tty else b"")
    _attach_signals(relay, c, tty, stdin, p.sig_proxy)
    try:
        with _RawTerminal(tty and stdin):
            code = relay.run()
    except Detached as e:
        ctx.err(str(e))
        return 1
    finally:
        os.close(sock)
    if code is None:  # the monitor ended without a word: dropped (too slow a reader), or it died
        c = svc.get(c.id)
        if c.running:
            ctx.err("dockyard: attach: the container's monitor dropped this client (its output was not read "
                    "fast enough)")
            return 1
        code = c.exit_code
    return code


def _attach_signals(relay: Any, c: Any, tty: bool, stdin: bool, sig_proxy: bool) -> None:
    import _signal as signal  # type: ignore[import-not-found]  # the C module: signal imports enum
    if sig_proxy and not tty:
        _proxy_signals(c.pid)
    if tty and os.isatty(1):
        relay.send_winsize(1)
        signal.signal(signal.SIGWINCH, lambda *_: relay.send_winsize(1))
