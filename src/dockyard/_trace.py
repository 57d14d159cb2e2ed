"""Timeline tracing for performance work: ``DOCKYARD_TRACE=/path`` appends one line per mark
("<monotonic seconds> <pid> <label>") from every dockyard process; a no-op otherwise.

The file is opened once per process (close-on-exec) and kept open, so marks made after a
container's pivot_root still land in the host's file, not in the container.  Before each write
the descriptor is checked to still be that file (a fork's fd cleanup may have closed it and the
number may now belong to something else, e.g. the database)."""

from __future__ import annotations

import os
import time

_PATH = os.environ.get("DOCKYARD_TRACE")
_fd = -1
_id: tuple[int, int, int] = (0, 0, 0)  # (pid, st_dev, st_ino)
_quiet_pid = 0                          # a process whose file was closed under it: no more marks


def mark(label: str) -> None:
    global _fd, _id, _quiet_pid
    if not _PATH or os.getpid() == _quiet_pid:
        return
    line = f"{time.monotonic():.6f} {os.getpid()} {label}\n".encode()
    pid = os.getpid()
    if _fd >= 0:
        try:
            st = os.fstat(_fd)
            ok = (st.st_dev, st.st_ino) == _id[1:]
        except OSError:
            ok = False
        if not ok:
            _fd = -1
            if pid == _id[0]:
                # this process closed it (e.g. a container init tidying its fds): stay quiet from
                # now on, reopening by path could create the file inside the container
                _quiet_pid = pid
                return
        elif pid != _id[0]:
            _fd = -1  # a fork: open our own
    if _fd < 0:
        try:
            _fd = os.open(_PATH, os.O_WRONLY | os.O_APPEND | os.O_CREAT | os.O_CLOEXEC, 0o644)
            st = os.fstat(_fd)
        except OSError:
            _fd = -1
            return
        _id = (pid, st.st_dev, st.st_ino)
    try:
        os.write(_fd, line)
    except OSError:
        _fd = -1
