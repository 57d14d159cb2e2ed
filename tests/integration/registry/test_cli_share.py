"""The CLI's sharing verbs end to end: push -> registry -> rmi -> pull -> run; save -> load; login."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest

pytestmark = pytest.mark.skipif(os.geteuid() != 0 or not os.path.exists("/bin/busybox"),
                                reason="needs root and /bin/busybox")


sys.path.insert(0, str(Path(__file__).parents[1] / "netglue"))
from netglue_helpers import cleanup_network, write_net_config  # noqa: E402


@pytest.fixture
def dyroot() -> Iterator[str]:
    root = tempfile.mkdtemp(prefix="dockyard-test-")
    net = write_net_config(Path(root))
    yield root
    cleanup_network(Path(root), net)
    p = subprocess.run([sys.executable, "-m", "dockyard.cli.main", "--root", root, "ps", "-aq"],
                       capture_output=True, text=True)
    if p.stdout.split():
        subprocess.run([sys.executable, "-m", "dockyard.cli.main", "--root", root, "rm", "-f", *p.stdout.split()],
                       capture_output=True)
    shutil.rmtree(root, ignore_errors=True)


def _dy(root: str, *args: str, check: bool = True, **kw: object) -> subprocess.CompletedProcess[str]:
    env = dict(os.environ, DOCKER_CONFIG=os.path.join(root, "docker-config"))
    p = subprocess.run([sys.executable, "-m", "dockyard.cli.main", "--root", root, *args], capture_output=True,
                       text=True, env=env, **kw)  # type: ignore[call-overload]
    if check:
        assert p.returncode == 0, p.stdout + p.stderr
    return p


def test_push_rmi_pull_run(registry: object, dyroot: str) -> None:
    host = registry.host  # type: ignore[attr-defined]
    _dy(dyroot, "bootstrap", "busybox")
    ref = f"{host}/tests/bb:1"
    _dy(dyroot, "tag", "busybox", ref)
    out = _dy(dyroot, "push", ref).stdout
    assert "digest: sha256:" in out
    image_id = _dy(dyroot, "image", "inspect", "-f", "{{.Id}}", ref).stdout.strip()
    _dy(dyroot, "rmi", ref)
    _dy(dyroot, "rmi", "busybox")
    assert _dy(dyroot, "images", "-q").stdout.strip() == ""
    _dy(dyroot, "pull", ref)
    assert _dy(dyroot, "image", "inspect", "-f", "{{.Id}}", ref).stdout.strip() == image_id
    assert _dy(dyroot, "image", "inspect", "-f", "{{len .RepoDigests}}", ref).stdout.strip() == "1"
    assert _dy(dyroot, "run", "--rm", ref, "echo", "pulled").stdout == "pulled\n"
    assert _dy(dyroot, "system", "check").returncode == 0


def test_save_load_round_trip(dyroot: str, tmp_path: object) -> None:
    _dy(dyroot, "bootstrap", "busybox")
    image_id = _dy(dyroot, "image", "inspect", "-f", "{{.Id}}", "busybox").stdout.strip()
    archive = os.path.join(str(tmp_path), "bb.tar")
    _dy(dyroot, "save", "-o", archive, "busybox")
    _dy(dyroot, "rmi", "busybox")
    out = _dy(dyroot, "load", "-i", archive).stdout
    assert "busybox" in out
    assert _dy(dyroot, "image", "inspect", "-f", "{{.Id}}", "busybox").stdout.strip() == image_id
    assert _dy(dyroot, "run", "--rm", "busybox", "echo", "loaded").stdout == "loaded\n"
    bad = os.path.join(str(tmp_path), "bad.tar")
    with open(bad, "wb") as f:
        f.write(b"not a tar at all" * 100)
    p = _dy(dyroot, "load", "-i", bad, check=False)
    assert p.returncode != 0 and len(p.stderr.strip().splitlines()) == 1


def test_run_pulls_a_missing_image(registry: object, dyroot: str) -> None:
    host = registry.host  # type: ignore[attr-defined]
    _dy(dyroot, "bootstrap", "busybox")
    ref = f"{host}/tests/auto:1"
    _dy(dyroot, "tag", "busybox", ref)
    _dy(dyroot, "push", ref)
    _dy(dyroot, "rmi", ref)
    p = _dy(dyroot, "run", "--rm", ref, "echo", "auto-pulled")
    assert p.stdout == "auto-pulled\n"
    assert "Unable to find image" in p.stderr
    p = _dy(dyroot, "run", "--rm", "--pull", "never", f"{host}/tests/none:1", "true", check=False)
    assert p.returncode == 125 and "Unable to find image" in p.stderr


def test_cli_zstd_push_and_save_round_trip(registry: object, dyroot: str, tmp_path: object) -> None:
    host = registry.host  # type: ignore[attr-defined]
    _dy(dyroot, "bootstrap", "busybox")
    ref = f"{host}/tests/zst:1"
    _dy(dyroot, "tag", "busybox", ref)
    _dy(dyroot, "push", "--compression", "zstd", ref)
    _dy(dyroot, "rmi", ref)
    _dy(dyroot, "pull", ref)
    assert _dy(dyroot, "run", "--rm", ref, "echo", "zstd-ok").stdout == "zstd-ok\n"
    archive = os.path.join(str(tmp_path), "z.tar")
    _dy(dyroot, "save", "--compression", "zstd", "--format", "oci-archive", "-o", archive, "busybox")
    _dy(dyroot, "rmi", "-f", "busybox")
    _dy(dyroot, "load", "-i", archive)
    assert _dy(dyroot, "run", "--rm", "busybox", "echo", "loaded-zstd").stdout == "loaded-zstd\n"
