"""The contract between the engine (its per-container monitor) and a runtime backend.

A runtime runs an OCI *bundle*: a directory holding ``config.json`` (OCI runtime spec 1.x) whose
``root.path`` names the directory that will be the container's root.  The engine does not mount that
directory in the host's mount namespace; instead it passes the rootfs mounts (an overlay) to
``start``, and the runtime performs them in the container's private mount namespace (native) or in a
private namespace it runs runc from (oci).  So no mount is ever left behind on the host, whatever
gets killed.

Processes: ``start`` and ``exec`` must be called from a process that has made itself a child
subreaper (``prctl(PR_SET_CHILD_SUBREAPER)``).  The pid they return is (or becomes, once any
intermediate process exits) a child of the caller, which reaps it with ``os.waitpid`` and learns its
exit status that way.  Killing is ``os.kill(pid, sig)`` (a pidfd where available).

Scenario (what the monitor does for ``dockyard run``)::

    rt = get_runtime("native")
    started = rt.start(cid, bundle, rootfs=[Mount("overlay", "overlay", (...))], stdio=Stdio(0, w, w),
                       on_created=lambda pid: netsetup.attach(root, cid, pid))
    # started.pid runs the user program; started.console is the pty master when process.terminal
    _, status = os.waitpid(started.pid, 0)
    oom = rt.oom_killed(cid, bundle)
    rt.delete(cid, bundle)     # cgroups and anything else start() created
"""

from __future__ import annotations

from .._record import Record

TYPE_CHECKING = False  # no typing at run time: the monitor and ``exec`` import this module
if TYPE_CHECKING:
    from collections.abc import Callable, Sequence
    from typing import Any, Protocol

    from ..mount import Mount
else:
    Protocol = object


class Stdio(Record, frozen=True):
    """File descriptors the container process gets as 0, 1, 2 (ignored when process.terminal)."""

    stdin: int | None
    stdout: int
    stderr: int


class Started(Record, frozen=True):
    pid: int                   # host pid of the process, reap it with os.waitpid
    console: int | None = None  # pty master fd when the process has a terminal


class Stats(Record, frozen=True):
    memory_usage: int          # bytes
    memory_limit: int          # bytes, 0 when unlimited
    cpu_usage_ns: int          # total CPU time consumed
    pids: int                  # number of tasks


class Runtime(Protocol):
    name: str

    def start(self, container_id: str, bundle: str, rootfs: Sequence[Mount], stdio: Stdio,
              on_created: Callable[[int], None] | None = None) -> Started:
        """Create the container from ``bundle/config.json`` and exec its process.

        ``on_created(host pid of the container's init)`` is called once the container's namespaces
        exist and before the user program is exec'd (runc: between ``create`` and ``start``): the
        place to plumb its network namespace.  The native runtime calls it while the init goes on
        with its mounts, so the hook may rely on the namespaces only (not on the container's
        filesystem); the user program starts once the hook has returned.  If it raises, the
        container is killed and cleaned up and ``ContainerStartError`` (125) is raised with the
        hook's message; if the init fails meanwhile, that error is raised instead.

        Returns once the user program has been exec'd.  On failure raises
        ``errors.ContainerStartError`` with exit_code 127 (executable not found), 126 (found but
        cannot be executed, e.g. permission denied or a directory) or 125 (anything else), and
        leaves nothing behind (no process, cgroup or mount).
        """
        ...

    def exec(self, container_id: str, bundle: str, init_pid: int, process: dict[str, Any],
             stdio: Stdio) -> Started:
        """Run one more process (an OCI ``process`` object) inside the running container whose init
        is ``init_pid``: same namespaces, cgroup, rootfs, its own user/env/cwd/caps.  Same errors
        as ``start``."""
        ...

    def pause(self, container_id: str, bundle: str) -> None: ...

    def resume(self, container_id: str, bundle: str) -> None: ...

    def oom_killed(self, container_id: str, bundle: str) -> bool:
        """True when the kernel OOM-killed a process of this container (read before delete)."""
        ...

    def stats(self, container_id: str, bundle: str) -> Stats: ...

    def delete(self, container_id: str, bundle: str) -> None:
        """Release what ``start`` created once every process has exited.  Idempotent."""
        ...
