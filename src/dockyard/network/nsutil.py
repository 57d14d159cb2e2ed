"""Network namespaces: naming them by pid or path, liveness, and netlink sockets inside them.

A netlink socket belongs to the namespace it was created in, so the calling thread ``setns``-es
into the target namespace, creates the socket and ``setns``-es back (network namespaces are per
thread; no helper thread, no fork, unlike pyroute2's own ``netns=``).
"""

from __future__ import annotations

import os

from .._record import Record

TYPE_CHECKING = False
if TYPE_CHECKING:
    from _socket import socket

CLONE_NEWNET = 0x40000000
NETLINK_ROUTE = 0


class NetnsRef(Record, frozen=True):
    """Where a container's network namespace is: a pid (``/proc/<pid>/ns/net``) or a bind-mounted
    nsfs file.  ``pid_start`` (clock ticks since boot) tells a reused pid apart."""

    path: str
    pid: int = 0
    pid_start: int = 0
    ino: int = 0


def pid_start_time(pid: int) -> int:
    """Field 22 of /proc/<pid>/stat; raises ProcessLookupError when the process is gone or a
    zombie (its namespaces are already released)."""
    try:
        with open(f"/proc/{pid}/stat") as f:
            text = f.read()
    except FileNotFoundError as err:
        raise ProcessLookupError(pid) from err
    fields = text.rpartition(")")[2].split()
    if fields[0] in ("Z", "X"):
        raise ProcessLookupError(pid)
    return int(fields[19])


def resolve(target: int | str) -> NetnsRef:
    """A pid or a path -> NetnsRef (with the namespace inode, to recognise it later)."""
    if isinstance(target, int):
        path = f"/proc/{target}/ns/net"
        start = pid_start_time(target)
        return NetnsRef(path=path, pid=target, pid_start=start, ino=os.stat(path).st_ino)
    parts = target.split("/")
    if len(parts) == 5 and parts[1] == "proc" and parts[2].isdigit() and parts[3:] == ["ns", "net"]:
        return resolve(int(parts[2]))
    return NetnsRef(path=target, ino=os.stat(target).st_ino)


def alive(ref: NetnsRef) -> bool:
    """Is the namespace recorded in ``ref`` still the one at its path (process still running)?"""
    if ref.pid:
        try:
            return pid_start_time(ref.pid) == ref.pid_start
        except (ProcessLookupError, OSError):
            return False
    try:
        return os.stat(ref.path).st_ino == ref.ino and ref.ino != 0
    except OSError:
        return False


def netlink_socket_in(path: str) -> socket:
    """An rtnetlink socket (``_socket.socket``) living in the network namespace at ``path``."""
    from ..linux._syscalls import setns  # ctypes: already loaded where the runtime runs
    from ._rtnl import open_socket

    target = os.open(path, os.O_RDONLY | os.O_CLOEXEC)
    try:
        home = os.open("/proc/thread-self/ns/net", os.O_RDONLY | os.O_CLOEXEC)
        try:
            setns(target, CLONE_NEWNET)
            try:
                return open_socket()
            finally:
                try:
                    setns(home, CLONE_NEWNET)
                except OSError as err:  # never seen; carrying on in the container's netns would be worse
                    os.write(2, f"dockyard: cannot return to the host network namespace: {err}\n".encode())
                    os._exit(70)
        finally:
            os.close(home)
    finally:
        os.close(target)
