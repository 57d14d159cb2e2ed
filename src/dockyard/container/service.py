"""Container orchestration: create, start (through a monitor), stop, kill, rm, and queries.

The engine's container service.  It prints nothing; the CLI and the API server format its results.
"""

from __future__ import annotations

import _signal  # type: ignore[import-not-found]  # the C module: "signal" imports enum
import os
import time

from .. import jsonfast
from .._record import Record
from ..errors import (
    Conflict,
    ContainerNotFound,
    ContainerNotRunning,
    ContainerStartError,
    InvalidArgument,
    NameInUse,
)
from ..mount import Mount
from ..store import Store
from .model import (
    RUNNING_STATES,
    Container,
    CreateOptions,
    alive,
    new_id,
    now_rfc3339,
    parse_restart,
    random_name,
    running,
    validate_name,
)

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Sequence
    from typing import Any

    from .monitor import MonitorProcess

DEFAULT_PATH = "PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"
DEFAULT_STOP_TIMEOUT = 10
INIT_PATHS = ("/etc/hosts", "/etc/hostname", "/etc/resolv.conf", "/sbin/docker-init", "/dev/console")


def parse_log_opts(opts: dict[str, str]) -> tuple[int, int]:
    from .logs import DEFAULT_MAX_FILE, DEFAULT_MAX_SIZE
    size = DEFAULT_MAX_SIZE
    files = DEFAULT_MAX_FILE
    if "max-size" in opts:
        from ..units import parse_bytes
        v = opts["max-size"]
        size = -1 if v == "-1" else parse_bytes(v)
    if "max-file" in opts:
        try:
            files = int(opts["max-file"])
        except ValueError:
            raise InvalidArgument(f"invalid value for max-file: {opts['max-file']}") from None
        if files < 1:
            raise InvalidArgument("max-file cannot be less than 1")
    return size, files


def signal_number(sig: str | int | None, default: int = _signal.SIGTERM) -> int:
    if sig is None or sig == "":
        return default
    if isinstance(sig, int):
        return sig
    s = sig.upper()
    if s.isdigit():
        n = int(s)
        if not 0 < n < 65:
            raise InvalidArgument(f"Invalid signal: {sig}")
        return n
    if not s.startswith("SIG"):
        s = "SIG" + s
    try:
        return int(getattr(_signal, s))
    except AttributeError:
        raise InvalidArgument(f"Invalid signal: {sig}") from None


class StartHandle(Record):
    """A started container: the monitor's pid and the pipe on which it reports the exit."""

    container_id: str
    pid: int
    monitor_pid: int
    status_fd: int | None

    def wait_exit(self) -> int:
        """Block until the container exited and the monitor recorded it (and removed the container
        for --rm): the monitor's ``done`` line, or EOF if it died.  Returns the exit code.

        The monitor may still be tidying up (closing its database: a WAL checkpoint) when this
        returns; it is reaped later, not waited for."""
        from .monitor import decode_status
        code = 0
        assert self.status_fd is not None
        buf = b""
        done = False
        fd, self.status_fd = self.status_fd, None
        try:
            while not done:
                chunk = os.read(fd, 4096)
                if not chunk:
                    break
                buf += chunk
                done = b"\ndone\n" in b"\n" + buf
        finally:
            os.close(fd)
        for line in buf.decode(errors="replace").splitlines():
            kind, num, _ = decode_status(line)
            if kind in ("exit", "err"):
                code = num
        _reap(self.monitor_pid)
        return code

    def close(self) -> None:
        if self.status_fd is not None:
            os.close(self.status_fd)
            self.status_fd = None


_UNREAPED: list[int] = []  # pidfds of monitors still finishing their cleanup (see StartHandle.wait_exit)


def _reap(pid: int | None = None) -> None:
    """Collect finished monitors (ours are children of the process that started them) without
    blocking; one still finishing its cleanup is remembered (by pidfd: a pid could be reused
    once someone else reaps it) and collected on a later call."""
    if pid:
        try:
            _UNREAPED.append(os.pidfd_open(pid))
        except OSError:
            pass  # already reaped
    still = []
    for fd in _UNREAPED:
        try:
            pending = os.waitid(os.P_PIDFD, fd, os.WEXITED | os.WNOHANG) is None
        except ChildProcessError:
            pending = False  # reaped elsewhere
        if pending:
            still.append(fd)
        else:
            os.close(fd)
    _UNREAPED[:] = still


class ContainerService:
    def __init__(self, store: Store) -> None:
        self.store = store
        self.db = store.db
        self._pending_trash: dict[str, str] = {}

    # --- lookup ---------------------------------------------------------------------------

    def get(self, ref: str) -> Container:
        if _UNREAPED:
            _reap()
        ref = ref.lstrip("/") if ref.startswith("/") else ref
        row = self.db.one("SELECT * FROM containers WHERE id=? OR name=?", (ref, ref))
        if row is None and ref and all(ch in "0123456789abcdef" for ch in ref):
            rows = self.db.query("SELECT * FROM containers WHERE id LIKE ?", (ref + "%",))
            if len(rows) > 1:
                raise InvalidArgument(f"multiple IDs found with provided prefix: {ref}")
            row = rows[0] if rows else None
        if row is None:
            raise ContainerNotFound(ref)
        return self._reconcile(Container.from_row(row))

    def list_containers(self) -> list[Container]:
        rows = self.db.query("SELECT * FROM containers ORDER BY created DESC")
        return [self._reconcile(Container.from_row(r)) for r in rows]

    def _reconcile(self, c: Container) -> Container:
        """A running record whose process and monitor are both gone (killed host-side): exited."""
        if c.status in RUNNING_STATES and not alive(c.pid, c.pid_start):
            if c.monitor_pid and running(c.monitor_pid):
                return c  # the monitor is recording the exit (or restarting the container) right now
            # nobody is left to clean up after this container: release what its monitor would have
            # (cgroups, veths, published ports), so no port stays allocated to a dead container
            try:
                self.runtime_for(c).delete(c.id, self.bundle_dir(c.id))
            except Exception:  # noqa: BLE001
                pass
            from . import netsetup
            try:
                netsetup.release(self.store.root, c.id)
            except Exception:  # noqa: BLE001
                pass
            return self.record_exit(c.id, 255 if not c.exit_code else c.exit_code, False,
                                    error="monitor exited unexpectedly")
        return c

    def bundle_dir(self, cid: str) -> str:
        return self.store.container_dir(cid)

    def log_path(self, cid: str) -> str:
        return os.path.join(self.store.container_dir(cid), f"{cid}-json.log")

    def runtime_for(self, c: Container) -> Any:
        from ..runtime.registry import get_runtime
        return get_runtime(c.runtime)

    def rootfs_mounts(self, c: Container) -> list[Mount]:
        from ..image.store import ImageStore
        lowers = ImageStore(self.store).lowerdirs(c.image_id)
        d = self.store.container_dir(c.id)
        opts = (f"lowerdir={':'.join(lowers)}", f"upperdir={d}/upper", f"workdir={d}/work")
        if sum(len(o) + 1 for o in opts) > 4000:
            raise InvalidArgument(f"image has too many layers to mount ({len(lowers)})")
        return [Mount("overlay", "overlay", opts)]

    # --- create ---------------------------------------------------------------------------

    def create(self, opts: CreateOptions) -> Container:
        from ..image.store import ImageStore
        images = ImageStore(self.store)
        image_id = images.resolve(opts.image)
        img_cfg = images.open(image_id).config().get("config") or {}
        name = validate_name(opts.name) if opts.name else None
        policy, retries = parse_restart(opts.restart)
        if opts.auto_remove and policy != "no":
            raise InvalidArgument("can't create 'AutoRemove' container with restart policy")
        if opts.runtime not in ("native", "runc") and not os.path.isabs(opts.runtime):
            from ..runtime.registry import get_runtime
            get_runtime(opts.runtime)  # raises a one-line error for unknown runtimes
        log_opts = dict(opts.log_opts)
        parse_log_opts(log_opts)
        if opts.stop_signal:
            signal_number(opts.stop_signal)
        cid = new_id()
        hostname = opts.hostname or cid[:12]
        entrypoint = img_cfg.get("Entrypoint") if opts.entrypoint is None else (
            [e for e in opts.entrypoint if e] or None)
        if opts.cmd:
            cmd: list[str] | None = opts.cmd
        elif opts.entrypoint is not None:
            cmd = None  # docker: --entrypoint resets the image's CMD
        else:
            cmd = img_cfg.get("Cmd")
        if not (entrypoint or cmd):
            raise InvalidArgument("no command specified")
        env = list(img_cfg.get("Env") or [])
        if not any(e.startswith("PATH=") for e in env):
            env.insert(0, DEFAULT_PATH)
        for e in opts.env:
            key = e.split("=", 1)[0]
            if not key:
                raise InvalidArgument(f"invalid environment variable: {e}")
            if "=" not in e:
                val = os.environ.get(key)
                if val is None:
                    continue
                e = f"{key}={val}"
            env = [x for x in env if x.split("=", 1)[0] != key] + [e]
        if opts.tty and not any(e.startswith("TERM=") for e in env):
            env.append("TERM=xterm")
        env = [f"HOSTNAME={hostname}"] + [e for e in env if not e.startswith("HOSTNAME=")]
        labels = dict(img_cfg.get("Labels") or {})
        labels.update(opts.labels)
        workdir = opts.workdir if opts.workdir is not None else (img_cfg.get("WorkingDir") or "")
        if workdir and not workdir.startswith("/"):
            raise InvalidArgument(f"the working directory '{workdir}' is invalid, it needs to be an absolute path")
        exposed = dict(img_cfg.get("ExposedPorts") or {})
        for p in opts.expose:
            port, _, proto = p.partition("/")
            exposed[f"{port}/{proto or 'tcp'}"] = {}
        config = {
            "Hostname": hostname, "Domainname": "", "User": opts.user if opts.user is not None else (
                img_cfg.get("User") or ""),
            "AttachStdin": opts.attach_stdin, "AttachStdout": opts.attach_stdout,
            "AttachStderr": opts.attach_stderr, "ExposedPorts": exposed or None, "Tty": opts.tty,
            "OpenStdin": opts.open_stdin, "StdinOnce": opts.open_stdin and opts.attach_stdin,
            "Env": env, "Cmd": cmd, "Image": opts.image, "Volumes": img_cfg.get("Volumes"),
            "WorkingDir": workdir, "Entrypoint": entrypoint, "OnBuild": None, "Labels": labels,
        }
        if opts.stop_signal or img_cfg.get("StopSignal"):
            config["StopSignal"] = opts.stop_signal or img_cfg.get("StopSignal")
        if opts.stop_timeout is not None:
            config["StopTimeout"] = opts.stop_timeout
        host_config: dict[str, Any] = {
            "Binds": opts.volumes or None,
            "ContainerIDFile": "",
            "LogConfig": {"Type": "json-file", "Config": log_opts},
            "NetworkMode": opts.network or "default",
            "PortBindings": {},
            "RestartPolicy": {"Name": policy, "MaximumRetryCount": retries},
            "AutoRemove": opts.auto_remove,
            "Runtime": opts.runtime,
            "CapAdd": opts.cap_add or None,
            "CapDrop": opts.cap_drop or None,
            "Init": opts.init or None,
            "Privileged": opts.privileged,
            "ReadonlyRootfs": opts.read_only,
            "Memory": opts.memory,
            "MemorySwap": opts.memory_swap,
            "NanoCpus": opts.nano_cpus,
            "PidsLimit": opts.pids_limit,
            "Ulimits": opts.ulimits or None,
            "ExtraHosts": opts.add_hosts or None,
            "Dns": opts.dns or [],
            "Tmpfs": {t.split(":", 1)[0]: (t.split(":", 1)[1] if ":" in t else "") for t in opts.tmpfs} or None,
            "VolumesFrom": opts.volumes_from or None,
            "PublishAllPorts": opts.publish_all,
            "NetworkAliases": opts.aliases or None,
            "IPv4Address": opts.ip or "",
        }
        mode = opts.network or "default"
        if mode.startswith("container:"):  # docker refuses a missing (or its own) target at create
            target = mode.partition(":")[2]
            if not target:
                raise InvalidArgument("invalid network mode: container: needs a container name or id")
            self.get(target)
        elif mode == "host" and not opts.hostname:  # docker: the host's name with the host's network
            hostname = os.uname().nodename
            config["Hostname"] = hostname
            env = [f"HOSTNAME={hostname}"] + [e for e in env if not e.startswith("HOSTNAME=")]
            config["Env"] = env
        if opts.publish or opts.publish_all:
            from . import netsetup
            host_config["PortBindingsRaw"] = list(opts.publish)
            host_config["PortBindings"] = netsetup.validate(host_config, exposed)
            del host_config["PortBindingsRaw"]
            for port in host_config["PortBindings"]:  # docker: a published port is an exposed port
                exposed.setdefault(port, {})
            config["ExposedPorts"] = exposed or None
        if opts.volumes or opts.mounts or opts.tmpfs or opts.volumes_from or img_cfg.get("Volumes"):
            from ..volume import glue as volumes
            host_config["MountsRaw"] = list(opts.mounts)
            host_config["Mounts"] = volumes.validate(host_config, img_cfg.get("Volumes") or {})
            del host_config["MountsRaw"]
        d = self.store.container_dir(cid)
        staging = d + ".creating"
        os.makedirs(os.path.join(staging, "upper"))
        os.makedirs(os.path.join(staging, "work"))
        os.makedirs(os.path.join(staging, "rootfs"))
        with open(os.path.join(staging, "hostname"), "w") as f:
            f.write(hostname + "\n")
        with open(os.path.join(staging, "hosts"), "w") as f:
            f.write(_hosts_file(hostname, opts.add_hosts))
        with open(os.path.join(staging, "resolv.conf"), "w") as f:
            f.write(_resolv_conf(opts.dns))
        os.rename(staging, d)
        created = now_rfc3339()
        try:
            with self.db.tx() as c:
                for _ in range(20):
                    n = name or random_name()
                    row = c.execute("SELECT id FROM containers WHERE name=?", (n,)).fetchone()
                    if row is None:
                        break
                    if name:
                        raise NameInUse(name, row["id"])
                c.execute(
                    "INSERT INTO containers (id, name, image_id, image_ref, created, runtime, config, host_config,"
                    " labels, status) VALUES (?,?,?,?,?,?,?,?,?,?)",
                    (cid, n, image_id, opts.image, created, opts.runtime, jsonfast.dumps(config, compact=False),
                     jsonfast.dumps(host_config, compact=False), jsonfast.dumps(labels, compact=False), "created"))
        except BaseException:
            self.store.remove_tree(d)
            raise
        return self.get(cid)

    # --- spec -----------------------------------------------------------------------------

    def read_rootfs_file(self, c: Container, path: str) -> bytes | None:
        """A file as the container sees it: its writable layer over its image's layers."""
        from ..image.store import ImageStore
        from ..snapshot.lookup import read_merged_file
        upper = os.path.join(self.store.container_dir(c.id), "upper")
        return read_merged_file([upper, *ImageStore(self.store).lowerdirs(c.image_id)], path)

    def prepare_start(self, c: Container, console_size: tuple[int, int] | None = None
                      ) -> tuple[dict[str, Any], bool]:
        """Before each (re)start: allocate the network (a busy host port fails here, before anything
        runs) and write the bundle's config.json.  Returns the spec and whether the monitor must
        plumb the network from the runtime's ``on_created`` hook."""
        from . import netsetup
        plan = netsetup.prepare(self.store.root, c.id, c.name, c.config, c.host_config)
        # --network none: the runtime's fresh namespace (with lo) is all there is to it, so no
        # on_created hook (it only recorded the namespace, which nothing reads for "none")
        needs_attach = plan.needs_attach and (c.host_config.get("NetworkMode") or "default") != "none"
        try:
            return self.write_spec(c, netns=plan.netns, console_size=console_size), needs_attach
        except BaseException:
            netsetup.release(self.store.root, c.id)
            raise

    def write_spec(self, c: Container, *, netns: str | None = None, console_size: tuple[int, int] | None = None
                   ) -> dict[str, Any]:
        from ..runtime.spec import SpecOptions, build_spec, resolve_user
        cfg, hc = c.config, c.host_config
        uid, gid, groups = resolve_user(cfg.get("User") or "", lambda p: self.read_rootfs_file(c, p))
        d = self.store.container_dir(c.id)
        args = list(cfg.get("Entrypoint") or []) + list(cfg.get("Cmd") or [])
        mem = int(hc.get("Memory") or 0)
        swap = int(hc.get("MemorySwap") or 0)
        rlimits = []
        for u in hc.get("Ulimits") or []:
            rlimits.append((f"RLIMIT_{u['Name'].upper()}", int(u["Soft"]), int(u["Hard"])))
        extra = [
            {"destination": "/etc/resolv.conf", "type": "bind", "source": f"{d}/resolv.conf",
             "options": ["rbind", "rprivate"]},
            {"destination": "/etc/hostname", "type": "bind", "source": f"{d}/hostname",
             "options": ["rbind", "rprivate"]},
            {"destination": "/etc/hosts", "type": "bind", "source": f"{d}/hosts", "options": ["rbind", "rprivate"]},
        ]
        if hc.get("Mounts") or hc.get("VolumesFrom"):  # user mounts first: one on /etc must not hide ours
            from ..image.store import ImageStore
            from ..volume import glue as volumes
            extra = volumes.mounts_for(self.store.root, c.id, hc, ImageStore(self.store).lowerdirs(c.image_id)) + extra
        opts = SpecOptions(
            args=args, env=list(cfg.get("Env") or []), cwd=cfg.get("WorkingDir") or "/", uid=uid, gid=gid,
            additional_gids=groups, hostname=cfg.get("Hostname") or c.id[:12], tty=bool(cfg.get("Tty")),
            console_size=console_size,
            read_only=bool(hc.get("ReadonlyRootfs")), memory=mem or None,
            memory_swap=(swap if swap else None), cpus=(hc.get("NanoCpus") or 0) / 1e9 or None,
            pids_limit=hc.get("PidsLimit") if (hc.get("PidsLimit") or 0) > 0 else None,
            init=bool(hc.get("Init")), cap_add=tuple(hc.get("CapAdd") or ()),
            cap_drop=tuple(hc.get("CapDrop") or ()), privileged=bool(hc.get("Privileged")),
            rlimits=tuple(rlimits), extra_mounts=tuple(extra), network_namespace=netns,
            cgroups_path=f"/dockyard/{c.id}",
        )
        spec = build_spec(opts, rootfs=os.path.join(d, "rootfs"))
        tmp = os.path.join(d, "config.json.tmp")
        with open(tmp, "w") as f:
            f.write(jsonfast.dumps(spec))
        os.replace(tmp, os.path.join(d, "config.json"))
        return spec

    # --- lifecycle ------------------------------------------------------------------------

    def fork_monitor(self, *, attach: bool = False, stdin: bool = False) -> MonitorProcess:
        """Fork the monitor of a container about to be created and started, before this process
        touches the database; hand it to ``start(..., monitor=)`` (or ``cancel()`` it).

        Why ahead of time: the monitor then imports the runtime and opens its own database
        connection on the other CPU while this process creates the container; and this process
        can close its connection after the start without paying the WAL checkpoint that the last
        connection to close does (an SQLite connection must never cross a fork, so forking
        later means closing first).  ``attach``/``stdin`` as for ``start``."""
        from .monitor import fork_monitor
        _reap()
        self.store.close()
        return fork_monitor(self.store.root, attach=attach, stdin=stdin)

    def start(self, ref: str, *, attach: bool = False, stdin: bool = False,
              monitor: MonitorProcess | None = None) -> StartHandle:
        """Start the container under a new monitor (or the one from ``fork_monitor``).  With
        ``attach`` the container's output goes to this process's stdout/stderr (and stdin to it
        with ``stdin``); wait_exit() gives the code."""
        from .._trace import mark
        mark("start: begin")
        try:
            c = self.get(ref)
            if c.status == "paused":
                raise Conflict("cannot start a paused container, try unpause instead")
            if c.status in ("running", "restarting"):
                if monitor is not None:
                    monitor.cancel()
                return StartHandle(c.id, c.pid, c.monitor_pid, None)
            if c.status in ("removing", "dead"):
                raise Conflict(f"container {c.id[:12]} is marked for removal and cannot be started")
            _, needs_attach = self.prepare_start(c, _terminal_size() if attach and c.config.get("Tty") else None)
            with self.db.tx() as t:
                t.execute("UPDATE containers SET manual_stop=0, error='' WHERE id=?", (c.id,))
        except BaseException:
            if monitor is not None:
                monitor.cancel()
            raise
        mark("start: spec written")
        if monitor is None:
            self.runtime_for(c)  # import the runtime now: the monitor is a fork and would import it per start
            from . import logs  # noqa: F401
            _reap()
            self.db.close()  # an SQLite connection must not cross fork(); reopened on next use
            from .monitor import fork_monitor
            monitor = fork_monitor(self.store.root, attach=attach, stdin=stdin, preforked=False)
        pid, r = monitor.pid, monitor.status_r
        try:
            monitor.go(c.id, needs_attach)
        except OSError:
            pass  # the monitor died (EPIPE): its status pipe gives EOF below, an error is raised
        from .monitor import decode_status, read_line
        kind, num, msg = decode_status(read_line(r).decode(errors="replace"))
        if kind != "ok":
            os.close(r)
            try:
                os.waitpid(pid, 0)
            except ChildProcessError:
                pass
            from . import netsetup
            netsetup.release(self.store.root, c.id)
            raise ContainerStartError(msg or "the container's monitor died before starting it",
                                      num if kind == "err" else 125)
        mark("start: ok received")
        # The monitor holds its own connection now, so closing ours costs no checkpoint; the
        # caller only waits from here on (reopened on next use).
        self.db.close()
        handle = StartHandle(c.id, num, pid, r)
        if not attach:
            handle.close()
        return handle

    def record_start(self, cid: str, pid: int, pid_start: int, monitor_pid: int, restarts: int) -> None:
        with self.db.tx() as t:
            t.execute("UPDATE containers SET status='running', pid=?, pid_start=?, monitor_pid=?, exit_code=0,"
                      " oom_killed=0, error='', started_at=?, finished_at='', restart_count=? WHERE id=?",
                      (pid, pid_start, monitor_pid, now_rfc3339(), restarts, cid))

    def record_exit(self, cid: str, code: int, oom: bool, error: str = "") -> Container:
        with self.db.tx() as t:
            t.execute("UPDATE containers SET status='exited', pid=0, pid_start=0, exit_code=?, oom_killed=?,"
                      " error=?, finished_at=? WHERE id=? AND status NOT IN ('removing','dead')",
                      (code, int(oom), error, now_rfc3339(), cid))
        row = self.db.one("SELECT * FROM containers WHERE id=?", (cid,))
        if row is None:
            raise ContainerNotFound(cid)
        return Container.from_row(row)

    def record_restarting(self, cid: str, restarts: int) -> None:
        with self.db.tx() as t:
            t.execute("UPDATE containers SET status='restarting', restart_count=? WHERE id=? AND status='exited'",
                      (restarts, cid))

    def _set_manual_stop(self, cid: str) -> None:
        with self.db.tx() as t:
            t.execute("UPDATE containers SET manual_stop=1 WHERE id=?", (cid,))

    def _wait_gone(self, c: Container, timeout: float | None) -> bool:
        """Wait until the container's process has exited (True) or the timeout passed (False)."""
        if not alive(c.pid, c.pid_start):
            return True
        import select
        try:
            fd = os.pidfd_open(c.pid)
        except ProcessLookupError:
            return True
        try:
            if not alive(c.pid, c.pid_start):
                return True
            r, _, _ = select.select([fd], [], [], timeout)
            return bool(r)
        finally:
            os.close(fd)

    def _wait_monitor(self, c: Container, timeout: float = 10.0) -> None:
        """Wait until the monitor recorded the exit (or is gone)."""
        deadline = time.monotonic() + timeout
        if c.monitor_pid:
            import select
            try:
                fd = os.pidfd_open(c.monitor_pid)
            except (ProcessLookupError, OSError):
                fd = -1
            if fd >= 0:
                try:
                    while time.monotonic() < deadline:
                        row = self.db.one("SELECT status FROM containers WHERE id=?", (c.id,))
                        if row is None or row["status"] not in RUNNING_STATES:
                            return
                        r, _, _ = select.select([fd], [], [], 0.05)
                        if r:
                            break
                finally:
                    os.close(fd)
        try:
            self.get(c.id)  # reconcile if the monitor is gone
        except ContainerNotFound:
            pass  # --rm: the monitor has removed it already

    def _latest(self, c: Container) -> Container:
        """The container's record now; a --rm container its monitor just removed: the last one seen."""
        try:
            return self.get(c.id)
        except ContainerNotFound:
            from .._record import replace
            return replace(c, status="exited", pid=0, pid_start=0)

    def stop(self, ref: str, timeout: int | None = None, sig: str | None = None) -> Container:
        c = self.get(ref)
        if not c.running:
            return c
        self._set_manual_stop(c.id)
        if c.status == "restarting" or not alive(c.pid, c.pid_start):
            self._wait_monitor(c)
            return self._latest(c)
        signum = signal_number(sig or c.config.get("StopSignal"))
        if timeout is None:
            timeout = c.config.get("StopTimeout")
            if timeout is None:
                timeout = DEFAULT_STOP_TIMEOUT
        was_paused = c.status == "paused"
        try:
            os.kill(c.pid, signum)
        except ProcessLookupError:
            pass
        if was_paused:
            try:
                self.runtime_for(c).resume(c.id, self.bundle_dir(c.id))
            except Exception:  # noqa: BLE001
                pass
        if timeout < 0 or not self._wait_gone(c, float(timeout) if timeout >= 0 else None):
            self._kill_now(c)
            self._wait_gone(c, 10.0)
        self._wait_monitor(c)
        return self._latest(c)

    def _kill_now(self, c: Container) -> None:
        # never a bare os.kill(pid): pid 0 (a restarting container) would be our own process
        # group, and a recorded pid may have been reused by an unrelated process
        if alive(c.pid, c.pid_start):
            try:
                os.kill(c.pid, _signal.SIGKILL)
            except ProcessLookupError:
                pass
        if c.status == "paused":
            try:
                self.runtime_for(c).resume(c.id, self.bundle_dir(c.id))
            except Exception:  # noqa: BLE001
                pass

    def kill(self, ref: str, sig: str | None = "KILL") -> Container:
        c = self.get(ref)
        if not c.running or c.status == "restarting":
            raise ContainerNotRunning(c.id, f"cannot kill container: {ref}: container {c.id} is not running")
        signum = signal_number(sig, _signal.SIGKILL)
        if signum == _signal.SIGKILL:
            self._set_manual_stop(c.id)
        if alive(c.pid, c.pid_start):
            os.kill(c.pid, signum)
        if signum == _signal.SIGKILL:
            self._wait_gone(c, 10.0)
            self._wait_monitor(c)
        return self._latest(c)

    def restart(self, ref: str, timeout: int | None = None) -> Container:
        c = self.stop(ref, timeout)
        self.start(c.id)
        return self.get(c.id)

    def pause(self, ref: str) -> None:
        c = self.get(ref)
        if c.status == "paused":
            raise Conflict(f"Container {c.id} is already paused")
        if c.status != "running":
            raise ContainerNotRunning(c.id)
        self.runtime_for(c).pause(c.id, self.bundle_dir(c.id))
        with self.db.tx() as t:
            t.execute("UPDATE containers SET status='paused' WHERE id=? AND status='running'", (c.id,))

    def unpause(self, ref: str) -> None:
        c = self.get(ref)
        if c.status != "paused":
            raise Conflict(f"Container {c.id} is not paused")
        self.runtime_for(c).resume(c.id, self.bundle_dir(c.id))
        with self.db.tx() as t:
            t.execute("UPDATE containers SET status='running' WHERE id=? AND status='paused'", (c.id,))

    def kill_for_removal(self, refs: Sequence[str]) -> None:
        """``rm -f`` of many: SIGKILL every running one first, so they all die in parallel and
        each ``remove`` after this only waits for what is already over.  Unknown refs are left to
        ``remove`` to report."""
        for ref in refs:
            try:
                c = self.get(ref)
            except ContainerNotFound:
                continue
            if c.running:
                self._set_manual_stop(c.id)
                self._kill_now(c)

    def remove(self, ref: str, *, force: bool = False, volumes: bool = False, from_monitor: bool = False) -> str:
        volumes_too = volumes or (from_monitor and bool(self._auto_remove(ref)))
        try:
            c = self.get(ref)
        except ContainerNotFound:
            if from_monitor:
                return ref
            raise
        if c.running and not from_monitor:
            if not force:
                raise Conflict(
                    f"cannot remove container \"/{c.name}\": container is {c.status}: stop the container "
                    "before removing or force remove")
            self._set_manual_stop(c.id)
            self._kill_now(c)
            self._wait_gone(c, 10.0)
            self._wait_monitor(c)
        if not from_monitor:  # the monitor has just deleted the runtime state and released the network
            try:
                self.runtime_for(c).delete(c.id, self.bundle_dir(c.id))
            except Exception:  # noqa: BLE001
                pass
        from . import netsetup
        netsetup.forget(self.store.root, c.id)  # release (idempotent), then the sandbox record
        if c.host_config.get("Mounts") or c.host_config.get("VolumesFrom"):
            from ..volume import glue as volume_glue
            volume_glue.release(self.store.root, c.id, remove_anonymous=volumes_too)
        with self.db.tx() as t:
            t.execute("DELETE FROM containers WHERE id=?", (c.id,))
        if from_monitor:  # moved out of sight now, deleted once the waiting CLI has its answer
            moved = self.store.move_to_trash(self.store.container_dir(c.id))
            if moved:
                self._pending_trash[c.id] = moved
        else:
            self.store.remove_tree(self.store.container_dir(c.id))
        return c.id

    def moved_bundle(self, cid: str) -> str:
        """The container's directory: where ``remove(..., from_monitor=True)`` moved it, if it did
        (the runtime's state there, e.g. config.json with the cgroup path, is still needed)."""
        return self._pending_trash.get(cid) or self.bundle_dir(cid)

    def finish_removals(self) -> None:
        """Delete the directories ``remove(..., from_monitor=True)`` moved to trash/."""
        from ..store import rmtree
        while self._pending_trash:
            rmtree(self._pending_trash.popitem()[1])

    def _auto_remove(self, ref: str) -> bool:
        row = self.db.one("SELECT host_config FROM containers WHERE id=?", (ref,))
        return bool(row and jsonfast.loads(row["host_config"]).get("AutoRemove"))

    def rename(self, ref: str, new_name: str) -> None:
        c = self.get(ref)
        new_name = validate_name(new_name)
        with self.db.tx() as t:
            row = t.execute("SELECT id FROM containers WHERE name=?", (new_name,)).fetchone()
            if row is not None:
                raise NameInUse(new_name, row["id"])
            t.execute("UPDATE containers SET name=? WHERE id=?", (new_name, c.id))

    def wait(self, ref: str) -> int:
        c = self.get(ref)
        while c.running:
            if c.status != "restarting":
                self._wait_gone(c, None)
            self._wait_monitor(c, 30.0)
            c = self.get(c.id)
            if c.status == "restarting":
                time.sleep(0.05)
                continue
            break
        return c.exit_code

    def prune(self) -> list[str]:
        out = []
        for c in self.list_containers():
            if c.status in ("created", "exited", "dead"):
                out.append(self.remove(c.id))
        return out

    # --- exec -----------------------------------------------------------------------------

    def exec_process(self, ref: str, cmd: Sequence[str], *, env: Sequence[str] = (), workdir: str | None = None,
                     user: str | None = None, tty: bool = False, privileged: bool = False) -> tuple[Container,
                                                                                                  dict[str, Any]]:
        from ..runtime.spec import resolve_user
        c = self.get(ref)
        if c.status == "paused":
            raise Conflict(f"Container {c.id} is paused, unpause the container before exec")
        if c.status != "running" or not alive(c.pid, c.pid_start):
            raise ContainerNotRunning(c.id)
        with open(os.path.join(self.bundle_dir(c.id), "config.json")) as f:
            spec = jsonfast.load(f)
        proc = dict(spec["process"])
        proc["args"] = list(cmd)
        proc["terminal"] = tty
        envl = list(proc.get("env") or [])
        for e in env:
            k = e.split("=", 1)[0]
            envl = [x for x in envl if x.split("=", 1)[0] != k] + [e]
        proc["env"] = envl
        if workdir:
            proc["cwd"] = workdir
        if user is not None:
            uid, gid, groups = resolve_user(user, lambda p: self.read_rootfs_file(c, p))
            proc["user"] = {"uid": uid, "gid": gid, **({"additionalGids": list(groups)} if groups else {})}
            caps = proc.get("capabilities") or {}
            if uid != 0:
                proc["capabilities"] = {**caps, "effective": [], "permitted": []}
        return c, proc

    # --- attach ---------------------------------------------------------------------------

    def attach_socket(self, ref: str) -> tuple[Container, int]:
        """Connect to the monitor of a running container (``attach.sock``, see container/monitor.py):
        the container and a connected non-blocking descriptor.  docker's errors for a container
        that is not running; the socket of one that is exiting right now may be gone already,
        of one restarting not made yet: then wait a little for it."""
        from .attach import connect
        from .monitor import ATTACH_SOCK
        c = self.get(ref)
        deadline = time.monotonic() + 5.0
        while True:
            if c.status == "paused":
                raise Conflict("You cannot attach to a paused container, unpause it first")
            if c.status == "restarting" and time.monotonic() >= deadline:
                raise Conflict("You cannot attach to a restarting container, wait until it is running")
            if c.status not in ("running", "restarting"):
                raise Conflict("You cannot attach to a stopped container, start it first")
            if c.status == "running":
                try:
                    return c, connect(os.path.join(self.bundle_dir(c.id), ATTACH_SOCK))
                except (FileNotFoundError, ConnectionRefusedError):
                    if time.monotonic() >= deadline:  # e.g. started by a dockyard without attach
                        raise Conflict(f"cannot attach to container {c.id[:12]}: its monitor does not accept "
                                       "attach (restart the container)") from None
            time.sleep(0.02)
            c = self.get(c.id)

    # --- queries --------------------------------------------------------------------------

    def top(self, ref: str) -> list[int]:
        """Host pids of every process in the container (same pid namespace as its init)."""
        c = self.get(ref)
        if c.status not in ("running", "paused"):
            raise ContainerNotRunning(c.id, f"container {c.id} is not running")
        try:
            ns = os.readlink(f"/proc/{c.pid}/ns/pid")
        except OSError:
            raise ContainerNotRunning(c.id) from None
        pids = []
        for name in os.listdir("/proc"):
            if name.isdigit():
                try:
                    if os.readlink(f"/proc/{name}/ns/pid") == ns:
                        pids.append(int(name))
                except OSError:
                    continue
        return sorted(pids)

    def diff(self, ref: str) -> list[tuple[str, str]]:
        from ..diff.compare import changes
        from ..image.store import ImageStore
        c = self.get(ref)
        upper = os.path.join(self.store.container_dir(c.id), "upper")
        out = changes(upper, ImageStore(self.store).lowerdirs(c.image_id))
        # like docker's init layer: the mountpoints dockyard itself creates are not the container's changes
        hidden = {p for p in INIT_PATHS if self._init_only(upper, p)}
        out = [(k, p) for k, p in out if p not in hidden]
        parents = {os.path.dirname(p) for p in hidden}
        return [(k, p) for k, p in out if not (k == "C" and p in parents and not any(
            q.startswith(p + "/") for _, q in out))]

    def _init_only(self, upper: str, path: str) -> bool:
        """True when ``path`` in the upper dir is an empty mountpoint file created for a bind mount."""
        try:
            st = os.lstat(os.path.join(upper, path.lstrip("/")))
        except OSError:
            return False
        return st.st_size == 0

    def size_rw(self, c: Container) -> int:
        from ..snapshot.lookup import disk_usage
        return disk_usage(os.path.join(self.store.container_dir(c.id), "upper"))


def _hosts_file(hostname: str, add_hosts: Sequence[str], ip: str | None = None) -> str:
    lines = ["127.0.0.1\tlocalhost", "::1\tlocalhost ip6-localhost ip6-loopback", "fe00::0\tip6-localnet",
             "ff00::0\tip6-mcastprefix", "ff02::1\tip6-allnodes", "ff02::2\tip6-allrouters"]
    for h in add_hosts:
        name, sep, addr = h.partition(":")
        if not sep or not name or not addr:
            raise InvalidArgument(f"invalid argument \"{h}\" for \"--add-host\" flag: bad format for add-host")
        lines.append(f"{addr}\t{name}")
    if ip:
        lines.append(f"{ip}\t{hostname}")
    return "\n".join(lines) + "\n"


def _resolv_conf(dns: Sequence[str]) -> str:
    if dns:
        return "".join(f"nameserver {d}\n" for d in dns)
    try:
        with open("/etc/resolv.conf") as f:
            host = f.read()
    except OSError:
        host = ""
    out = []
    for line in host.splitlines():
        parts = line.split()
        if parts and parts[0] == "nameserver" and len(parts) > 1 and (
                parts[1].startswith("127.") or parts[1] == "::1"):
            continue
        out.append(line)
    text = "\n".join(out).strip()
    if "nameserver" not in text:
        text += "\nnameserver 8.8.8.8\nnameserver 8.8.4.4"
    return text.strip() + "\n"


def _terminal_size() -> tuple[int, int] | None:
    """(rows, columns) of this process's terminal, for a tty container it attaches to."""
    for fd in (0, 1, 2):
        try:
            size = os.get_terminal_size(fd)
        except OSError:
            continue
        if size.lines and size.columns:
            return size.lines, size.columns
    return None
