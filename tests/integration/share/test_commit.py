"""commit -> run, and export -> import -> run: the container's changes survive as image layers."""

from __future__ import annotations

import json
import os
import tarfile

import pytest
from sharehelp import PRIVILEGED_REASON, dy

pytestmark = [pytest.mark.privileged,
              pytest.mark.skipif(PRIVILEGED_REASON is not None, reason=PRIVILEGED_REASON or "")]


def test_commit_then_run_shows_changes_and_deletions(dyroot: str) -> None:
    dy(dyroot, "bootstrap", "busybox")
    dy(dyroot, "run", "--name", "c1", "busybox", "sh", "-c",
       "echo hello > /greeting && rm /etc/passwd && rm -r /home && mkdir -p /var/app && touch /var/app/x")
    out = dy(dyroot, "commit", "-m", "my change", "-a", "Tester <t@example.com>", "-c", "ENV FOO=bar",
             "-c", 'CMD ["cat", "/greeting"]', "c1", "committed:1").stdout.strip()
    assert out.startswith("sha256:") and len(out) == 71
    assert dy(dyroot, "run", "--rm", "committed:1").stdout == "hello\n"
    check = dy(dyroot, "run", "--rm", "committed:1", "sh", "-c",
               "echo $FOO; ls /var/app; test -e /etc/passwd || echo nopasswd; test -e /home || echo nohome")
    assert check.stdout.split() == ["bar", "x", "nopasswd", "nohome"]
    info = json.loads(dy(dyroot, "image", "inspect", "committed:1").stdout)[0]
    assert info["Author"] == "Tester <t@example.com>"
    assert info["Comment"] == "my change"
    assert info["Config"]["Cmd"] == ["cat", "/greeting"]
    assert not any(e.startswith("HOSTNAME=") for e in info["Config"]["Env"])
    base = json.loads(dy(dyroot, "image", "inspect", "busybox").stdout)[0]
    assert info["RootFS"]["Layers"][:-1] == base["RootFS"]["Layers"]
    assert len(info["RootFS"]["Layers"]) == len(base["RootFS"]["Layers"]) + 1
    assert "my change" in dy(dyroot, "history", "committed:1").stdout
    # the committed image saves, and its top layer holds the changes only (no init mountpoints)
    archive = os.path.join(dyroot, "c.tar")
    dy(dyroot, "save", "-o", archive, "committed:1")
    with tarfile.open(archive) as outer:
        manifest = json.load(outer.extractfile("manifest.json"))  # type: ignore[arg-type]
        top = outer.extractfile(manifest[0]["Layers"][-1])
        assert top is not None
        with tarfile.open(fileobj=top, mode="r:*") as layer:
            names = sorted(m.name.rstrip("/") for m in layer.getmembers())
    assert names == sorted(["etc", "etc/.wh.passwd", ".wh.home", "greeting", "var", "var/app", "var/app/x"])
    assert "etc/hosts" not in names and "etc/resolv.conf" not in names
    assert dy(dyroot, "system", "check").returncode == 0


def test_commit_running_container_pauses_and_resumes(dyroot: str) -> None:
    dy(dyroot, "bootstrap", "busybox")
    dy(dyroot, "run", "-d", "--name", "live", "busybox", "sh", "-c", "echo up > /state; sleep 300")
    try:
        for _ in range(100):
            if dy(dyroot, "exec", "live", "cat", "/state", check=False).stdout == "up\n":
                break
        image_id = dy(dyroot, "commit", "live").stdout.strip()
        assert dy(dyroot, "inspect", "-f", "{{.State.Status}}", "live").stdout.strip() == "running"
        assert dy(dyroot, "run", "--rm", image_id, "cat", "/state").stdout == "up\n"
        # an image without a name is dangling
        assert image_id[7:19] in dy(dyroot, "images", "-q", "--no-trunc").stdout
        # without changes no layer is added, only a history entry
        dy(dyroot, "run", "--name", "idle", "busybox", "true")
        idle = dy(dyroot, "commit", "idle", "idle:1").stdout.strip()
        layers = dy(dyroot, "image", "inspect", "-f", "{{len .RootFS.Layers}}", idle).stdout.strip()
        base = dy(dyroot, "image", "inspect", "-f", "{{len .RootFS.Layers}}", "busybox").stdout.strip()
        assert layers == base
    finally:
        dy(dyroot, "rm", "-f", "live", check=False)


def test_commit_refuses_bad_change_and_missing_container(dyroot: str) -> None:
    dy(dyroot, "bootstrap", "busybox")
    dy(dyroot, "create", "--name", "cc", "busybox")
    before = dy(dyroot, "images", "-q").stdout
    p = dy(dyroot, "commit", "-c", "RUN echo no", "cc", "x:1", check=False)
    assert p.returncode == 125 and "not a valid change command" in p.stderr
    p = dy(dyroot, "commit", "nosuch", check=False)
    assert p.returncode != 0 and "nosuch" in p.stderr
    assert dy(dyroot, "images", "-q").stdout == before


def test_export_import_round_trip(dyroot: str) -> None:
    dy(dyroot, "bootstrap", "busybox")
    dy(dyroot, "run", "--name", "src", "busybox", "sh", "-c", "echo exported > /data && rm /bin/vi")
    tar_path = os.path.join(dyroot, "fs.tar")
    dy(dyroot, "export", "-o", tar_path, "src")
    with tarfile.open(tar_path) as t:
        names = set(t.getnames())
    assert "data" in names or "./data" in names
    out = dy(dyroot, "import", "-c", 'CMD ["cat", "/data"]', "-m", "from export", tar_path, "flat:1")
    assert out.stdout.strip().startswith("sha256:")
    assert dy(dyroot, "run", "--rm", "flat:1").stdout == "exported\n"
    assert dy(dyroot, "run", "--rm", "flat:1", "sh", "-c", "test -e /bin/vi || echo novi").stdout == "novi\n"
    assert dy(dyroot, "image", "inspect", "-f", "{{len .RootFS.Layers}}", "flat:1").stdout.strip() == "1"
    # through stdin too
    with open(tar_path, "rb") as f:
        dy(dyroot, "import", "-", "flat:2", stdin=f)
    assert dy(dyroot, "run", "--rm", "flat:2", "cat", "/data").stdout == "exported\n"
