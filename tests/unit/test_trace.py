"""DOCKYARD_TRACE marks must never land in another file, whatever closes the trace descriptor."""

from __future__ import annotations

import importlib
import os
from pathlib import Path

import pytest


def test_marks_survive_forks_and_never_hit_a_reused_fd(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    trace = tmp_path / "trace.txt"
    monkeypatch.setenv("DOCKYARD_TRACE", str(trace))
    from dockyard import _trace
    t = importlib.reload(_trace)
    t.mark("parent one")
    pid = os.fork()
    if pid == 0:
        try:
            t.mark("child")
            os.close(t._fd)                            # something tidies the child's fds ...
            victim = os.open(str(tmp_path / "victim"), os.O_WRONLY | os.O_CREAT)  # ... and reuses the number
            t.mark("after close")                      # must not write into victim, nor reopen by path
            os.close(victim)
        finally:
            os._exit(0)
    os.waitpid(pid, 0)
    t.mark("parent two")
    labels = [line.split(" ", 2)[2] for line in trace.read_text().splitlines()]
    assert labels == ["parent one", "child", "parent two"]
    assert (tmp_path / "victim").read_bytes() == b""
    monkeypatch.delenv("DOCKYARD_TRACE")
    importlib.reload(_trace)
