"""Fixtures for build tests: a private store root per test (bootstrapped busybox) and a context dir."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest

DOCKYARD = [sys.executable, "-m", "dockyard.cli.main"]


def _reason() -> str | None:
    if os.geteuid() != 0:
        return "needs root (namespaces, overlayfs, cgroups)"
    if not os.path.exists("/bin/busybox"):
        return "needs /bin/busybox (apt install busybox-static)"
    with open("/proc/filesystems") as f:
        if "overlay" not in f.read():
            return "needs overlayfs"
    return None


REASON = _reason()


class DY:
    def __init__(self, root: str) -> None:
        self.root = root

    def __call__(self, *args: str, input: bytes | None = None, check: bool = True, timeout: float = 120,
                 env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
        full_env = dict(os.environ)
        full_env.pop("SOURCE_DATE_EPOCH", None)
        full_env.update(env or {})
        p = subprocess.run([*DOCKYARD, "--root", self.root, *args], input=input.decode() if input else None,
                           capture_output=True, text=True, timeout=timeout, env=full_env)
        if check and p.returncode != 0:
            raise AssertionError(f"dockyard {' '.join(args)} -> {p.returncode}\n{p.stdout}\n{p.stderr}")
        return p

    def out(self, *args: str) -> str:
        return self(*args).stdout.strip()

    def build(self, ctx: Path, *args: str, env: dict[str, str] | None = None,
              check: bool = True) -> subprocess.CompletedProcess[str]:
        return self("build", "--progress", "plain", *args, str(ctx), env=env, check=check)

    def cleanup(self) -> None:
        p = self("ps", "-aq", "--no-trunc", check=False)
        ids = p.stdout.split()
        if ids:
            self("rm", "-f", *ids, check=False)


sys.path.insert(0, str(Path(__file__).parents[1] / "netglue"))
from netglue_helpers import cleanup_network, write_net_config  # noqa: E402


@pytest.fixture
def dy() -> Iterator[DY]:
    if REASON:
        pytest.skip(REASON)
    root = tempfile.mkdtemp(prefix="dockyard-build-test-")
    net = write_net_config(Path(root))  # RUN steps use the default bridge: this test's own names
    d = DY(root)
    try:
        d("bootstrap", "busybox")
        yield d
    finally:
        d.cleanup()
        cleanup_network(Path(root), net)
        shutil.rmtree(root, ignore_errors=True)


@pytest.fixture
def ctx(tmp_path: Path) -> Path:
    d = tmp_path / "ctx"
    d.mkdir()
    return d


def write(ctx: Path, files: dict[str, str]) -> None:
    for name, text in files.items():
        p = ctx / name
        p.parent.mkdir(parents=True, exist_ok=True)
        p.write_text(text)


def image_id(dy: DY, ref: str) -> str:
    return dy.out("image", "inspect", "-f", "{{.Id}}", ref)


def steps(output: str) -> dict[int, list[str]]:
    """``#N ...`` lines of --progress plain, grouped by step number."""
    out: dict[int, list[str]] = {}
    for line in output.splitlines():
        if line.startswith("#") and " " in line:
            num, _, rest = line[1:].partition(" ")
            if num.isdigit():
                out.setdefault(int(num), []).append(rest)
    return out
