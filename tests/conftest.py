"""Shared fixtures.  Privileged tests skip with a reason when not root / no overlayfs."""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pytest

BUSYBOX = "/bin/busybox"

# Tests never reach the internet: a missing Docker Hub image must not turn into a pull attempt.
os.environ["DOCKYARD_OFFLINE"] = "1"


def _privileged_reason() -> str | None:
    if os.geteuid() != 0:
        return "needs root (namespaces, overlayfs, cgroups)"
    try:
        with open("/proc/filesystems") as f:
            if "overlay" not in f.read():
                return "needs overlayfs"
    except OSError:
        return "cannot read /proc/filesystems"
    if not os.path.exists(BUSYBOX):
        return "needs a static busybox at /bin/busybox (apt install busybox-static)"
    return None


PRIVILEGED_REASON = _privileged_reason()
privileged = pytest.mark.skipif(PRIVILEGED_REASON is not None, reason=PRIVILEGED_REASON or "")


def make_busybox_rootfs(dest: Path) -> Path:
    """A minimal rootfs: static busybox, one symlink per applet, /etc/passwd and /etc/group."""
    (dest / "bin").mkdir(parents=True, exist_ok=True)
    shutil.copy2(BUSYBOX, dest / "bin" / "busybox")
    applets = subprocess.run([BUSYBOX, "--list"], capture_output=True, text=True, check=True).stdout.split()
    for name in applets:
        if name == "busybox":
            continue
        link = dest / "bin" / name
        if not link.exists():
            os.symlink("busybox", link)
    for d in ("etc", "tmp", "root", "home", "var", "proc", "sys", "dev", "usr/bin", "sbin"):
        (dest / d).mkdir(parents=True, exist_ok=True)
    os.chmod(dest / "tmp", 0o1777)
    (dest / "etc" / "passwd").write_text(
        "root:x:0:0:root:/root:/bin/sh\n"
        "daemon:x:1:1:daemon:/usr/sbin:/bin/false\n"
        "nobody:x:65534:65534:nobody:/nonexistent:/bin/false\n"
        "app:x:1000:1000:app:/home/app:/bin/sh\n"
    )
    (dest / "etc" / "group").write_text(
        "root:x:0:\ndaemon:x:1:\ntty:x:5:\nwheel:x:10:app\nnogroup:x:65534:\napp:x:1000:\n"
    )
    return dest


@pytest.fixture(scope="session")
def busybox_rootfs(tmp_path_factory: pytest.TempPathFactory) -> Path:
    if not os.path.exists(BUSYBOX):
        pytest.skip("needs /bin/busybox (apt install busybox-static)")
    return make_busybox_rootfs(tmp_path_factory.mktemp("busybox-rootfs"))
