"""SIGKILL at any moment during import, run, rm and rmi leaves a store `system check` finds clean."""

from __future__ import annotations

import io
import os
import signal
import subprocess
import tarfile
import time

import pytest

from .conftest import DOCKYARD, DY


def _big_tar(n: int = 3000) -> bytes:
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w") as t:
        for i in range(n):
            data = os.urandom(2048)
            ti = tarfile.TarInfo(f"d{i % 30}/f{i}")
            ti.size = len(data)
            t.addfile(ti, io.BytesIO(data))
    return buf.getvalue()


def _kill_after(args: list[str], delay: float, stdin: bytes | None = None) -> None:
    p = subprocess.Popen(args, stdin=subprocess.PIPE if stdin else subprocess.DEVNULL,
                         stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    if stdin:
        try:
            p.stdin.write(stdin)  # type: ignore[union-attr]
            p.stdin.close()  # type: ignore[union-attr]
        except BrokenPipeError:
            pass
    time.sleep(delay)
    p.send_signal(signal.SIGKILL)
    p.wait()


def _assert_clean(dy: DY) -> None:
    p = dy("system", "check", check=False)
    assert p.returncode == 0, p.stdout + p.stderr
    assert "problem" not in p.stdout


@pytest.mark.parametrize("delay", [0.05, 0.15, 0.3, 0.6])
def test_sigkill_during_import(fresh_root: DY, delay: float) -> None:
    data = _big_tar()
    _kill_after([*DOCKYARD, "--root", fresh_root.root, "import", "-", "big:1"], delay, data)
    _assert_clean(fresh_root)
    fresh_root("import", "-", "big:2", input=None, check=False)


@pytest.mark.parametrize("delay", [0.02, 0.08, 0.2])
def test_sigkill_during_run_rm_rmi(fresh_root: DY, delay: float) -> None:
    dy = fresh_root
    _kill_after([*DOCKYARD, "--root", dy.root, "run", "--name", "k", "busybox", "sh", "-c", "sleep 0.3"], delay)
    _assert_clean(dy)
    dy("rm", "-f", "k", check=False)
    dy("run", "-d", "--name", "k2", "busybox", "sleep", "30")
    _kill_after([*DOCKYARD, "--root", dy.root, "rm", "-f", "k2"], delay)
    _assert_clean(dy)
    dy("rm", "-f", "k2", check=False)
    dy("tag", "busybox", "other:1")
    _kill_after([*DOCKYARD, "--root", dy.root, "rmi", "-f", "other:1", "busybox"], delay)
    _assert_clean(dy)
