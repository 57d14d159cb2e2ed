"""Volume glue with real containers (NativeRuntime): ro binds fail with EROFS, an empty named
volume gets the image's data on first mount (whiteouts honoured) and keeps what containers write,
tmpfs mounts, and a volume in use cannot be removed."""

from __future__ import annotations

import json
import os
import threading
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from dockyard import linux
from dockyard.metadata.db import Database
from dockyard.mount import Mount
from dockyard.runtime.native import NativeRuntime
from dockyard.runtime.protocols import Stdio
from dockyard.runtime.spec import SpecOptions, build_spec
from dockyard.volume import VolumeInUse, glue
from dockyard.volume.service import VolumeService

pytestmark = pytest.mark.privileged


@pytest.fixture(scope="module", autouse=True)
def _subreaper() -> None:
    if os.geteuid() != 0 or not os.path.exists("/bin/busybox"):
        pytest.skip("needs root and /bin/busybox")
    linux.prctl(linux.PR_SET_CHILD_SUBREAPER, 1)


@pytest.fixture
def image_layers(tmp_path: Path, busybox_rootfs: Path) -> list[str]:
    """Two layers over busybox: /srv/data/{keep,gone,sub/f} below, a whiteout of ``gone`` and a
    new file above."""
    low, top = tmp_path / "layer1", tmp_path / "layer2"
    (low / "srv" / "data" / "sub").mkdir(parents=True)
    (low / "srv" / "data" / "keep").write_text("from the image\n")
    (low / "srv" / "data" / "gone").write_text("deleted in layer2\n")
    (low / "srv" / "data" / "sub" / "f").write_text("nested\n")
    os.chown(low / "srv" / "data" / "keep", 1000, 1000)
    (top / "srv" / "data").mkdir(parents=True)
    os.mknod(top / "srv" / "data" / "gone", 0o600 | 0o020000, os.makedev(0, 0))
    (top / "srv" / "data" / "added").write_text("layer2\n")
    return [str(top), str(low), str(busybox_rootfs)]


class Runner:
    def __init__(self, base: Path, layers: list[str]) -> None:
        self.base = base
        self.layers = layers
        self.rt = NativeRuntime()
        self.live: list[tuple[str, str]] = []

    def run(self, cid: str, args: list[str], mounts: list[dict[str, Any]]) -> tuple[int, str]:
        bundle = self.base / f"bundle-{uuid.uuid4().hex[:8]}"
        for d in ("upper", "work", "rootfs"):
            (bundle / d).mkdir(parents=True)
        name = f"dockyard-test-{uuid.uuid4().hex[:10]}"
        spec = build_spec(SpecOptions(args=args, env=["PATH=/bin"], cgroups_path=f"/{name}",
                                      extra_mounts=tuple(mounts)), rootfs=str(bundle / "rootfs"))
        (bundle / "config.json").write_text(json.dumps(spec))
        rootfs = [Mount("overlay", "overlay", (f"lowerdir={':'.join(self.layers)}",
                                               f"upperdir={bundle / 'upper'}", f"workdir={bundle / 'work'}"))]
        self.live.append((name, str(bundle)))
        r, w = os.pipe()
        try:
            started = self.rt.start(name, str(bundle), rootfs, Stdio(None, w, w))
        finally:
            os.close(w)
        out: list[bytes] = []
        t = threading.Thread(target=lambda: out.append(os.fdopen(r, "rb").read()))
        t.start()
        _, status = os.waitpid(started.pid, 0)
        t.join()
        self.rt.delete(name, str(bundle))
        return os.waitstatus_to_exitcode(status), out[0].decode()

    def cleanup(self) -> None:
        for name, bundle in self.live:
            self.rt.delete(name, bundle)


@pytest.fixture
def runner(tmp_path: Path, image_layers: list[str]) -> Iterator[Runner]:
    r = Runner(tmp_path, image_layers)
    try:
        yield r
    finally:
        r.cleanup()


def _create(db: Database, cid: str, name: str, hc: dict[str, Any]) -> None:
    with db.tx() as c:
        c.execute("INSERT INTO containers (id, name, image_id, image_ref, created, runtime, config, host_config,"
                  " status) VALUES (?,?,?,?,?,?,?,?,?)",
                  (cid, name, "img", "img", "now", "native", "{}", json.dumps(hc), "created"))


def test_volumes_in_real_containers(tmp_path: Path, runner: Runner, image_layers: list[str]) -> None:
    root = tmp_path / "root"
    root.mkdir()
    db = Database(str(root / "dockyard.db"))
    hostdir = tmp_path / "hostdir"
    hostdir.mkdir()
    (hostdir / "seen").write_text("host file\n")
    hc: dict[str, Any] = {"Binds": ["data:/srv/data", f"{hostdir}:/ro:ro"], "Tmpfs": {"/scratch": "size=1m"}}
    hc["Mounts"] = glue.validate(hc, {"/var/cache": {}})
    cid1 = "1" * 64
    _create(db, cid1, "first", hc)
    mounts = glue.mounts_for(str(root), cid1, hc, image_layers)
    script = ("ls /srv/data; cat /srv/data/keep; stat -c %u /srv/data/keep; cat /ro/seen; "
              "echo new > /srv/data/written; touch /ro/x 2>&1; grep ' /scratch ' /proc/mounts | cut -d' ' -f3; "
              "echo cached > /var/cache/c")
    code, out = runner.run(cid1, ["sh", "-c", script], mounts)
    assert code == 0, out
    lines = out.splitlines()
    assert lines[:4] == ["added", "keep", "sub", "from the image"]
    assert lines[4] == "1000" and lines[5] == "host file"
    assert "Read-only file system" in lines[6]
    assert lines[7] == "tmpfs"
    assert not (hostdir / "x").exists()
    data = root / "volumes" / "data" / "_data"
    assert (data / "written").read_text() == "new\n" and (data / "sub" / "f").read_text() == "nested\n"

    # a second container: the volume keeps its data and is not re-seeded; --volumes-from works
    cid2 = "2" * 64
    hc2: dict[str, Any] = {"VolumesFrom": ["first:ro"]}
    hc2["Mounts"] = glue.validate(hc2, {})
    _create(db, cid2, "second", hc2)
    (data / "keep").unlink()
    mounts2 = glue.mounts_for(str(root), cid2, hc2, image_layers)
    code, out = runner.run(cid2, ["sh", "-c", "ls /srv/data; cat /var/cache/c; touch /srv/data/y 2>&1"], mounts2)
    assert code != 0 or "Read-only" in out
    assert out.splitlines()[:4] == ["added", "sub", "written", "cached"]
    assert "Read-only file system" in out

    conn = db.conn
    vols = VolumeService(str(root), conn)
    with pytest.raises(VolumeInUse, match="volume is in use"):
        vols.remove("data")
    anon = hc["Mounts"][-1]["Source"]
    assert glue.usage(str(root))[:2] == (2, 2)
    shown = glue.inspect_mounts(str(root), cid2, hc2)
    assert {m["Destination"]: m["RW"] for m in shown} == {"/srv/data": False, "/ro": False, "/var/cache": False}

    for cid in (cid2, cid1):
        glue.release(str(root), cid, remove_anonymous=True)
        with db.tx() as c:
            c.execute("DELETE FROM containers WHERE id=?", (cid,))
    assert [v.name for v in vols.list()] == ["data"]
    assert not (root / "volumes" / anon).exists()
    vols.remove("data")
    db.close()
