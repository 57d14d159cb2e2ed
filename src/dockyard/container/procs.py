"""What runs inside a container (``top``): processes read from /proc, in its pid namespace."""

from __future__ import annotations

import os

from .._record import Record


class ProcessInfo(Record, frozen=True):
    pid: int              # host pid
    ppid: int
    uid: int
    start: float          # epoch seconds
    cpu_seconds: int      # user + system time
    command: str          # the command line, or [comm] for kernel-style names


def _boot_time() -> float:
    with open("/proc/stat") as f:
        for line in f:
            if line.startswith("btime"):
                return float(line.split()[1])
    return 0.0


def process_info(pids: list[int]) -> list[ProcessInfo]:
    """Details of ``pids``; processes that exit meanwhile are skipped."""
    hz = os.sysconf("SC_CLK_TCK")
    boot = _boot_time()
    out = []
    for pid in pids:
        try:
            with open(f"/proc/{pid}/stat", "rb") as f:
                data = f.read()
            with open(f"/proc/{pid}/cmdline", "rb") as f:
                cmdline = f.read().replace(b"\0", b" ").decode(errors="replace").strip()
            uid = os.stat(f"/proc/{pid}").st_uid
        except OSError:
            continue
        fields = data[data.rindex(b")") + 2:].split()
        comm = data.split(b"(", 1)[1].rsplit(b")", 1)[0].decode(errors="replace")
        out.append(ProcessInfo(pid=pid, ppid=int(fields[1]), uid=uid, start=boot + int(fields[19]) / hz,
                               cpu_seconds=(int(fields[11]) + int(fields[12])) // hz,
                               command=cmdline or f"[{comm}]"))
    return out
