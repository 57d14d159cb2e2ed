"""Helpers for the sharing tests: run the dockyard CLI in a private root, and the reference engines
(dockerd, podman, skopeo) each confined to a temporary directory."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

PRIVILEGED_REASON: str | None = None
if os.geteuid() != 0:
    PRIVILEGED_REASON = "needs root (namespaces, overlayfs, cgroups)"
elif not os.path.exists("/bin/busybox"):
    PRIVILEGED_REASON = "needs a static busybox at /bin/busybox (apt install busybox-static)"


def dy(root: str, *args: str, check: bool = True, timeout: float = 300,
       **kw: object) -> subprocess.CompletedProcess[str]:
    env = dict(os.environ, DOCKER_CONFIG=os.path.join(root, "docker-config"))
    p = subprocess.run([sys.executable, "-m", "dockyard.cli.main", "--root", root, *args], capture_output=True,
                       text=True, env=env, timeout=timeout, **kw)  # type: ignore[call-overload]
    if check:
        assert p.returncode == 0, f"dockyard {' '.join(args)}: {p.stdout}{p.stderr}"
    return p


def cleanup_root(root: str) -> None:
    p = dy(root, "ps", "-aq", check=False)
    if p.stdout.split():
        dy(root, "rm", "-f", *p.stdout.split(), check=False)
    cfg_path = os.path.join(root, "network.json")
    if os.path.exists(cfg_path):  # this root's own bridge, veths and chains
        import json
        import sys
        from pathlib import Path
        sys.path.insert(0, os.path.normpath(os.path.join(os.path.dirname(os.path.abspath(__file__)), "..",
                                                         "netglue")))
        from netglue_helpers import cleanup_network
        with open(cfg_path) as f:
            cleanup_network(Path(root), json.load(f))
    shutil.rmtree(root, ignore_errors=True)


def _umount_below(path: str) -> None:
    """Unmount everything mounted at or below ``path`` (deepest first)."""
    real = os.path.realpath(path)
    with open("/proc/self/mountinfo") as f:
        points = [line.split()[4] for line in f]
    for mp in sorted((m for m in points if m == real or m.startswith(real + "/")), key=len, reverse=True):
        subprocess.run(["umount", "-l", mp], capture_output=True)


# --- dockerd ----------------------------------------------------------------------------------


@dataclass
class Dockerd:
    dir: Path
    proc: subprocess.Popen[bytes]

    @property
    def host(self) -> str:
        return f"unix://{self.dir}/docker.sock"

    def run(self, *args: str, check: bool = True, timeout: float = 300) -> subprocess.CompletedProcess[str]:
        p = subprocess.run(["docker", "-H", self.host, *args], capture_output=True, text=True, timeout=timeout)
        if check:
            assert p.returncode == 0, f"docker {' '.join(args)}: {p.stdout}{p.stderr}"
        return p

    def log(self) -> str:
        return (self.dir / "dockerd.log").read_text(errors="replace")


def dockerd_reason() -> str | None:
    if PRIVILEGED_REASON:
        return PRIVILEGED_REASON
    if not shutil.which("dockerd"):
        return "needs dockerd (apt install docker.io)"
    if not shutil.which("docker"):
        return "needs the docker CLI (apt install docker.io)"
    return None


def start_dockerd(base: Path) -> Dockerd:
    """A private dockerd: own data/exec root and socket, no iptables, no bridge."""
    d = base / "dockerd"
    d.mkdir()
    log = open(d / "dockerd.log", "wb")  # noqa: SIM115
    proc = subprocess.Popen(
        ["dockerd", "--data-root", str(d / "data"), "--exec-root", str(d / "exec"), "--pidfile",
         str(d / "dockerd.pid"), "-H", f"unix://{d}/docker.sock", "--iptables=false", "--ip-masq=false",
         "--bridge=none"], stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
        start_new_session=True)
    log.close()
    dk = Dockerd(d, proc)
    deadline = time.monotonic() + 60
    while True:
        if dk.run("version", check=False, timeout=10).returncode == 0:
            return dk
        if proc.poll() is not None or time.monotonic() > deadline:
            text = dk.log()
            stop_dockerd(dk)
            raise RuntimeError("dockerd did not start:\n" + text[-3000:])
        time.sleep(0.2)


def stop_dockerd(dk: Dockerd) -> None:
    if dk.proc.poll() is None:
        ids = dk.run("ps", "-aq", check=False, timeout=30).stdout.split()
        if ids:
            dk.run("rm", "-f", *ids, check=False, timeout=60)
        dk.proc.terminate()
        try:
            dk.proc.wait(30)
        except subprocess.TimeoutExpired:
            os.killpg(dk.proc.pid, 9)
            dk.proc.wait()
    # the containerd dockerd started lives in the same session; make sure it is gone
    try:
        os.killpg(dk.proc.pid, 15)
        time.sleep(0.2)
        os.killpg(dk.proc.pid, 9)
    except ProcessLookupError:
        pass
    _umount_below(str(dk.dir))
    shutil.rmtree(dk.dir, ignore_errors=True)


# --- podman -----------------------------------------------------------------------------------


@dataclass
class Podman:
    dir: Path
    env: dict[str, str]

    def run(self, *args: str, check: bool = True, timeout: float = 300) -> subprocess.CompletedProcess[str]:
        p = subprocess.run(["podman", *args], capture_output=True, text=True, env=self.env, timeout=timeout)
        if check:
            assert p.returncode == 0, f"podman {' '.join(args)}: {p.stdout}{p.stderr}"
        return p


def podman_reason() -> str | None:
    if PRIVILEGED_REASON:
        return PRIVILEGED_REASON
    if not shutil.which("podman"):
        return "needs podman (apt install podman)"
    if not shutil.which("runc"):
        return "needs runc (apt install runc)"
    return None


def make_podman(insecure: list[str]) -> Podman:
    """podman with private storage and config: runc, no default ulimits (no CAP_SYS_RESOURCE here),
    the given registries allowed over plain HTTP.  A short directory under /tmp: conmon's socket
    paths under the run root must stay below the 108-byte limit of a unix socket address."""
    d = Path(tempfile.mkdtemp(prefix="pm-", dir="/tmp"))
    (d / "containers.conf").write_text('[containers]\ndefault_ulimits = []\n[engine]\nruntime = "runc"\n')
    (d / "storage.conf").write_text(f'[storage]\ndriver = "overlay"\ngraphroot = "{d}/graph"\n'
                                    f'runroot = "{d}/run"\n')
    regs = "".join(f'[[registry]]\nlocation = "{h}"\ninsecure = true\n' for h in insecure)
    (d / "registries.conf").write_text("unqualified-search-registries = []\n" + regs)
    env = dict(os.environ, CONTAINERS_CONF=str(d / "containers.conf"),
               CONTAINERS_STORAGE_CONF=str(d / "storage.conf"),
               CONTAINERS_REGISTRIES_CONF=str(d / "registries.conf"), TMPDIR=str(d))
    return Podman(d, env)


def remove_podman(pm: Podman) -> None:
    pm.run("rm", "-af", check=False, timeout=120)
    pm.run("system", "reset", "--force", check=False, timeout=120)
    _umount_below(str(pm.dir))
    shutil.rmtree(pm.dir, ignore_errors=True)
