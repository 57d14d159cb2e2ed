"""Helpers for network tests: run commands inside a test network namespace."""

from __future__ import annotations

import os
import signal
import subprocess
import time


def kill_netns(pid: int) -> None:
    """Kill the process holding a test netns (its unshare parent follows via --kill-child)."""
    os.kill(pid, signal.SIGKILL)
    deadline = time.monotonic() + 5
    while os.path.exists(f"/proc/{pid}/stat") and time.monotonic() < deadline:
        try:
            with open(f"/proc/{pid}/stat") as f:
                if f.read().rpartition(")")[2].split()[0] == "Z":
                    break
        except FileNotFoundError:
            break
        time.sleep(0.01)


def in_netns(pid: int, *argv: str, timeout: float = 10) -> subprocess.CompletedProcess[str]:
    return subprocess.run(["nsenter", f"--net=/proc/{pid}/ns/net", *argv], capture_output=True, text=True,
                          timeout=timeout, check=False)


def spawn_in_netns(pid: int, *argv: str) -> subprocess.Popen[bytes]:
    return subprocess.Popen(["nsenter", f"--net=/proc/{pid}/ns/net", *argv], start_new_session=True,
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


def wait_port(pid: int, port: int, timeout: float = 5) -> None:
    """Wait until something listens on ``port`` inside the netns of ``pid``."""
    deadline = time.monotonic() + timeout
    hexport = f":{port:04X}"
    while time.monotonic() < deadline:
        argv = ["nsenter", f"--net=/proc/{pid}/ns/net", "cat", "/proc/net/tcp", "/proc/net/tcp6"]
        out = subprocess.run(argv, capture_output=True, text=True, check=False).stdout
        if any(line.split()[1].endswith(hexport) and line.split()[3] == "0A"
               for line in out.splitlines() if len(line.split()) > 3 and ":" in line.split()[1]):
            return
        time.sleep(0.02)
    raise TimeoutError(f"nothing listens on port {port}")
