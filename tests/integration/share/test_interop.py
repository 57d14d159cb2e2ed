"""Interop with the reference engines: docker save/load both ways, and registry round trips with
skopeo and podman in both directions.  Each test skips with the reason when a binary is missing."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest
import regfixtures
from sharehelp import PRIVILEGED_REASON, Dockerd, Podman, dy

pytestmark = [pytest.mark.privileged,
              pytest.mark.skipif(PRIVILEGED_REASON is not None, reason=PRIVILEGED_REASON or "")]


def _skopeo() -> str:
    path = shutil.which("skopeo")
    if path is None:
        pytest.skip("needs skopeo (apt install skopeo)")
    return path


def _commit_in_dockyard(root: str, tag: str, text: str) -> None:
    dy(root, "bootstrap", "busybox")
    dy(root, "run", "--name", "maker", "busybox", "sh", "-c", f"echo {text} > /made && rm /bin/vi")
    dy(root, "commit", "-c", 'CMD ["cat", "/made"]', "maker", tag)


def test_docker_save_loads_into_dockyard(dockerd: Dockerd, dyroot: str, busybox_rootfs: Path,
                                         tmp_path: Path) -> None:
    tar_proc = subprocess.Popen(["tar", "-C", str(busybox_rootfs), "-c", "."], stdout=subprocess.PIPE)
    p = subprocess.run(["docker", "-H", dockerd.host, "import", "-c", 'CMD ["sh"]', "-", "dkbase:1"],
                       stdin=tar_proc.stdout, capture_output=True, text=True)
    tar_proc.wait()
    assert p.returncode == 0, p.stderr
    try:
        dockerd.run("run", "--name", "dkc", "--network", "none", "dkbase:1", "sh", "-c",
                    "echo from-docker > /d && rm /bin/vi")
        dockerd.run("commit", "-c", 'CMD ["cat", "/d"]', "dkc", "dkimg:1")
        archive = tmp_path / "docker.tar"
        dockerd.run("save", "-o", str(archive), "dkimg:1", "dkbase:1")
        out = dy(dyroot, "load", "-i", str(archive)).stdout
        assert "dkimg:1" in out and "dkbase:1" in out
        assert dy(dyroot, "run", "--rm", "dkimg:1").stdout == "from-docker\n"
        assert dy(dyroot, "run", "--rm", "dkimg:1", "sh", "-c", "test -e /bin/vi || echo gone").stdout == "gone\n"
        docker_id = dockerd.run("image", "inspect", "-f", "{{.Id}}", "dkimg:1").stdout.strip()
        assert dy(dyroot, "image", "inspect", "-f", "{{.Id}}", "dkimg:1").stdout.strip() == docker_id
    finally:
        dockerd.run("rm", "-f", "dkc", check=False)
        dockerd.run("rmi", "-f", "dkimg:1", "dkbase:1", check=False)


def test_dockyard_save_loads_into_docker(dockerd: Dockerd, dyroot: str, tmp_path: Path) -> None:
    _commit_in_dockyard(dyroot, "dyimg:1", "from-dockyard")
    archive = tmp_path / "dockyard.tar"
    dy(dyroot, "save", "-o", str(archive), "dyimg:1", "busybox")
    try:
        out = dockerd.run("load", "-i", str(archive)).stdout
        assert "dyimg:1" in out and "busybox:latest" in out
        run = dockerd.run("run", "--rm", "--network", "none", "dyimg:1")
        assert run.stdout == "from-dockyard\n"
        gone = dockerd.run("run", "--rm", "--network", "none", "dyimg:1", "sh", "-c", "test -e /bin/vi || echo gone")
        assert gone.stdout == "gone\n"
        dy_id = dy(dyroot, "image", "inspect", "-f", "{{.Id}}", "dyimg:1").stdout.strip()
        assert dockerd.run("image", "inspect", "-f", "{{.Id}}", "dyimg:1").stdout.strip() == dy_id
    finally:
        dockerd.run("rmi", "-f", "dyimg:1", "busybox:latest", check=False)


def test_dockyard_push_pulled_by_skopeo_and_podman(registry: object, podman: Podman, dyroot: str,
                                                   tmp_path: Path) -> None:
    skopeo = _skopeo()
    host = registry.host  # type: ignore[attr-defined]
    ref = f"{host}/interop/dy:1"
    _commit_in_dockyard(dyroot, ref, "pushed-by-dockyard")
    dy(dyroot, "push", ref)
    # podman pulls and runs it
    podman.run("pull", ref)
    assert podman.run("run", "--rm", "--runtime", "runc", "--network", "none", ref).stdout == "pushed-by-dockyard\n"
    # skopeo copies it (verifying every blob) into an OCI archive that podman loads and runs
    archive = tmp_path / "skopeo-oci.tar"
    p = subprocess.run([skopeo, "copy", "--src-tls-verify=false", f"docker://{ref}",
                        f"oci-archive:{archive}:skopeo/dy:1"], capture_output=True, text=True)
    assert p.returncode == 0, p.stderr
    podman.run("rmi", "-f", ref)
    podman.run("load", "-i", str(archive))
    names = podman.run("images", "--format", "{{.Repository}}:{{.Tag}}").stdout
    name = next(n for n in names.split() if "skopeo/dy" in n)
    out = podman.run("run", "--rm", "--runtime", "runc", "--network", "none", name, "cat", "/made").stdout
    assert out == "pushed-by-dockyard\n"


def test_podman_and_skopeo_push_pulled_by_dockyard(registry: object, podman: Podman, dyroot: str,
                                                   busybox_rootfs: Path, tmp_path: Path) -> None:
    skopeo = _skopeo()
    host = registry.host  # type: ignore[attr-defined]
    tar_proc = subprocess.Popen(["tar", "-C", str(busybox_rootfs), "-c", "."], stdout=subprocess.PIPE)
    p = subprocess.run(["podman", "import", "--change", 'CMD ["sh"]', "-", "pmbase:1"], stdin=tar_proc.stdout,
                       capture_output=True, text=True, env=podman.env)
    tar_proc.wait()
    assert p.returncode == 0, p.stderr
    podman.run("run", "--name", "pmc", "--runtime", "runc", "--network", "none", "pmbase:1", "sh", "-c",
               "echo from-podman > /p && rm /bin/vi")
    podman.run("commit", "--change", 'CMD ["cat", "/p"]', "pmc", "pmimg:1")
    pushed = f"{host}/interop/pm:1"
    podman.run("push", "pmimg:1", pushed)
    dy(dyroot, "pull", pushed)
    assert dy(dyroot, "run", "--rm", pushed).stdout == "from-podman\n"
    assert dy(dyroot, "run", "--rm", pushed, "sh", "-c", "test -e /bin/vi || echo gone").stdout == "gone\n"
    # skopeo copies it to a second registry with zstd layers (a registry that has the gzip blobs
    # would make skopeo reuse them); dockyard pulls and runs that too
    (tmp_path / "second").mkdir()
    second = regfixtures._start(tmp_path / "second", None)
    try:
        zref = f"{second.host}/interop/skopeo-zstd:1"
        p = subprocess.run([skopeo, "copy", "--src-tls-verify=false", "--dest-tls-verify=false",
                            "--dest-compress-format", "zstd", "--format", "oci", f"docker://{pushed}",
                            f"docker://{zref}"], capture_output=True, text=True)
        assert p.returncode == 0, p.stderr
        raw = subprocess.run([skopeo, "inspect", "--raw", "--tls-verify=false", f"docker://{zref}"],
                             capture_output=True, text=True, check=True).stdout
        assert "tar+zstd" in raw and "tar+gzip" not in raw
        dy(dyroot, "pull", zref)
        assert dy(dyroot, "run", "--rm", zref).stdout == "from-podman\n"
    finally:
        regfixtures._stop(second)
    assert dy(dyroot, "system", "check").returncode == 0



def test_registry_round_trips_with_docker(registry: object, dockerd: Dockerd, dyroot: str) -> None:
    host = registry.host  # type: ignore[attr-defined]
    ref = f"{host}/interop/dy-for-docker:1"
    _commit_in_dockyard(dyroot, ref, "dockyard-to-docker")
    dy(dyroot, "push", ref)
    back = f"{host}/interop/docker-pushed:1"
    try:
        dockerd.run("pull", ref)
        assert dockerd.run("run", "--rm", "--network", "none", ref).stdout == "dockyard-to-docker\n"
        dockerd.run("run", "--name", "dkc2", "--network", "none", ref, "sh", "-c", "echo docker-was-here > /made")
        dockerd.run("commit", "-c", "CMD [\"cat\", \"/made\"]", "dkc2", back)
        dockerd.run("push", back)
        dy(dyroot, "pull", back)
        assert dy(dyroot, "run", "--rm", back).stdout == "docker-was-here\n"
        assert dy(dyroot, "run", "--rm", back, "sh", "-c", "test -e /bin/vi || echo gone").stdout == "gone\n"
    finally:
        dockerd.run("rm", "-f", "dkc2", check=False)
        dockerd.run("rmi", "-f", ref, back, check=False)


def test_dockyard_zstd_push_pulled_by_podman(registry: object, podman: Podman, dyroot: str) -> None:
    from dockyard.engine import Engine
    from dockyard.registry.client import push_image
    from dockyard.registry.recompress import recompress

    host = registry.host  # type: ignore[attr-defined]
    ref = f"{host}/interop/dy-zstd:1"
    _commit_in_dockyard(dyroot, ref, "zstd-from-dockyard")
    engine = Engine(dyroot)
    try:
        with recompress(engine.images.open(ref), "zstd") as z:
            push_image(z, ref)
    finally:
        engine.close()
    podman.run("pull", ref)
    out = podman.run("run", "--rm", "--runtime", "runc", "--network", "none", ref).stdout
    assert out == "zstd-from-dockyard\n"
