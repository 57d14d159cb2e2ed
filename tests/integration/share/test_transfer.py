"""Pull and push as the CLI shows them (progress, -a, -q, "up to date"), zstd re-compression for
push and save, missing images pulled on demand, atomic save, and an interrupted pull."""

from __future__ import annotations

import json
import os
import pty
import select
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

import pytest
from sharehelp import PRIVILEGED_REASON, cleanup_root, dy

from dockyard.engine import Engine
from dockyard.errors import InvalidArgument

pytestmark = [pytest.mark.privileged,
              pytest.mark.skipif(PRIVILEGED_REASON is not None, reason=PRIVILEGED_REASON or "")]


def _image_with_data(root: str, ref: str, mbytes: int = 3) -> str:
    """busybox plus one layer holding ``mbytes`` MB of random data in /data; returns the image id."""
    dy(root, "bootstrap", "busybox")
    dy(root, "run", "--name", "maker", "busybox", "sh", "-c",
       f"head -c {mbytes * 1000000} /dev/urandom > /data && echo ok > /ok")
    image_id = dy(root, "commit", "-c", 'CMD ["cat", "/ok"]', "maker", ref).stdout.strip()
    dy(root, "rm", "maker")
    return image_id


def _manifest(host: str, repo: str, tag: str) -> dict[str, object]:
    req = urllib.request.Request(f"http://{host}/v2/{repo}/manifests/{tag}", headers={"Accept": ", ".join([
        "application/vnd.oci.image.manifest.v1+json", "application/vnd.docker.distribution.manifest.v2+json"])})
    with urllib.request.urlopen(req, timeout=10) as resp:
        doc: dict[str, object] = json.load(resp)
        return doc


def _fresh_root() -> str:
    from pathlib import Path

    from netglue_helpers import write_net_config
    root = tempfile.mkdtemp(prefix="dockyard-share-")
    write_net_config(Path(root))  # containers here use this test's own bridge names
    return root


def test_pull_status_lines_then_up_to_date(registry: object, dyroot: str) -> None:
    host = registry.host  # type: ignore[attr-defined]
    ref = f"{host}/share/data:1"
    image_id = _image_with_data(dyroot, ref)
    push = dy(dyroot, "push", ref).stdout
    assert "Preparing" in push and "Pushed" in push and "1: digest: sha256:" in push
    assert "Layer already exists" in dy(dyroot, "push", ref).stdout
    assert dy(dyroot, "push", "-q", ref).stdout.strip() == ref
    other = _fresh_root()
    try:
        out = dy(other, "pull", ref).stdout.splitlines()
        assert out[0] == f"1: Pulling from {host}/share/data"
        layer_lines = [line for line in out if ": " in line and len(line.split(":")[0]) == 12]
        assert any(line.endswith("Pulling fs layer") for line in layer_lines)
        assert any(line.endswith("Download complete") for line in layer_lines)
        assert sum(line.endswith("Pull complete") for line in layer_lines) == 2
        assert not any("[" in line for line in out)  # no bars without a TTY
        assert out[-2] == f"Status: Downloaded newer image for {ref}" and out[-1] == ref
        assert dy(other, "image", "inspect", "-f", "{{.Id}}", ref).stdout.strip() == image_id
        again = dy(other, "pull", ref).stdout
        assert f"Status: Image is up to date for {ref}" in again and "Pull complete" not in again
        assert dy(other, "pull", "-q", ref).stdout.strip() == ref
        assert dy(other, "run", "--rm", ref).stdout == "ok\n"
        # a second image on the same base: the base layer is reported as already there
        dy(dyroot, "tag", "busybox", f"{host}/share/base:1")
        dy(dyroot, "push", f"{host}/share/base:1")
        dy(other, "rmi", ref)
        dy(other, "pull", f"{host}/share/base:1")
        out2 = dy(other, "pull", ref).stdout
        assert "Already exists" in out2 and "Pull complete" in out2
    finally:
        cleanup_root(other)


def test_pull_progress_on_a_tty(registry: object, dyroot: str) -> None:
    host = registry.host  # type: ignore[attr-defined]
    ref = f"{host}/share/tty:1"
    _image_with_data(dyroot, ref, 8)
    dy(dyroot, "push", ref)
    other = _fresh_root()
    master, slave = pty.openpty()
    try:
        proc = subprocess.Popen([sys.executable, "-m", "dockyard.cli.main", "--root", other, "pull", ref],
                                stdout=slave, stderr=subprocess.PIPE)
        os.close(slave)
        slave = -1
        chunks = []
        while True:
            r, _, _ = select.select([master], [], [], 60)
            if not r:
                break
            try:
                data = os.read(master, 65536)
            except OSError:
                break
            if not data:
                break
            chunks.append(data)
        assert proc.wait(60) == 0, proc.stderr.read() if proc.stderr else ""
        if proc.stderr:
            proc.stderr.close()
        text = b"".join(chunks).decode()
        assert "\x1b[2K" in text and "\x1b[2A" in text  # lines redrawn in place
        assert "Pull complete" in text and f"Status: Downloaded newer image for {ref}" in text
    finally:
        os.close(master)
        if slave >= 0:
            os.close(slave)
        cleanup_root(other)


def test_all_tags_push_and_pull(registry: object, dyroot: str) -> None:
    host = registry.host  # type: ignore[attr-defined]
    repo = f"{host}/share/many"
    _image_with_data(dyroot, f"{repo}:a", 1)
    dy(dyroot, "tag", "busybox", f"{repo}:b")
    dy(dyroot, "tag", "busybox", f"{host}/share/unrelated:c")
    p = dy(dyroot, "push", "-a", f"{repo}:a", check=False)
    assert p.returncode == 125 and "tag can't be used with --all-tags/-a" in p.stderr
    out = dy(dyroot, "push", "-a", repo).stdout
    assert "a: digest:" in out and "b: digest:" in out and "unrelated" not in out
    with urllib.request.urlopen(f"http://{host}/v2/share/many/tags/list", timeout=10) as resp:
        assert sorted(json.load(resp)["tags"]) == ["a", "b"]
    other = _fresh_root()
    try:
        out = dy(other, "pull", "-a", repo).stdout
        assert "a: Pulling from" in out and "b: Pulling from" in out
        tags = dy(other, "images", "--format", "{{.Repository}}:{{.Tag}}").stdout.split()
        assert sorted(tags) == [f"{repo}:a", f"{repo}:b"]
        assert dy(other, "run", "--rm", f"{repo}:a").stdout == "ok\n"
    finally:
        cleanup_root(other)


def test_zstd_push_pulls_back_and_runs(registry: object, dyroot: str) -> None:
    from dockyard.registry.client import push_image
    from dockyard.registry.recompress import recompress

    host = registry.host  # type: ignore[attr-defined]
    ref = f"{host}/share/zstd:1"
    image_id = _image_with_data(dyroot, ref, 2)
    engine = Engine(dyroot)
    try:
        img = engine.images.open(ref)
        with recompress(img, "zstd", tmpdir=dyroot) as z:
            assert z.config_digest() == image_id
            digest = push_image(z, ref)
            assert digest == z.digest() != img.digest()
        assert not [n for n in os.listdir(dyroot) if n.startswith(".recompress-")]
    finally:
        engine.close()
    manifest = _manifest(host, "share/zstd", "1")
    assert manifest["mediaType"] == "application/vnd.oci.image.manifest.v1+json"
    assert {la["mediaType"] for la in manifest["layers"]} == {  # type: ignore[attr-defined]
        "application/vnd.oci.image.layer.v1.tar+zstd"}
    other = _fresh_root()
    try:
        dy(other, "pull", ref)
        assert dy(other, "image", "inspect", "-f", "{{.Id}}", ref).stdout.strip() == image_id
        assert dy(other, "run", "--rm", ref).stdout == "ok\n"
        assert dy(other, "run", "--rm", ref, "wc", "-c", "/data").stdout.split()[0] == "2000000"
        assert dy(other, "system", "check").returncode == 0
    finally:
        cleanup_root(other)


def test_zstd_save_loads_and_runs(dyroot: str, tmp_path: Path) -> None:
    from dockyard.archive.docker_archive import save
    from dockyard.registry.recompress import recompress

    image_id = _image_with_data(dyroot, "zs:1", 1)
    archive = tmp_path / "zstd.tar"
    engine = Engine(dyroot)
    try:
        with recompress(engine.images.open("zs:1"), "zstd") as z, open(archive, "wb") as f:
            save([(z, ["zs:1"])], f)
    finally:
        engine.close()
    other = _fresh_root()
    try:
        assert "Loaded image: zs:1" in dy(other, "load", "-i", str(archive)).stdout
        assert dy(other, "image", "inspect", "-f", "{{.Id}}", "zs:1").stdout.strip() == image_id
        assert dy(other, "run", "--rm", "zs:1").stdout == "ok\n"
    finally:
        cleanup_root(other)


def test_pull_with_process_workers(registry: object, dyroot: str) -> None:
    from dockyard.registry.client import open_image
    from dockyard.registry.pull import pull_to_store

    host = registry.host  # type: ignore[attr-defined]
    ref = f"{host}/share/procs:1"
    image_id = _image_with_data(dyroot, ref, 2)
    dy(dyroot, "push", ref)
    other = _fresh_root()
    engine = Engine(other)
    seen: list[str] = []
    progress: list[tuple[str, int, int]] = []
    try:
        with open_image(ref) as img:
            got = pull_to_store(engine.store, img, [ref], repo_digest=f"{ref.split(':1')[0]}@{img.digest()}",
                                processes=True, on_layer=seen.append,
                                progress=lambda d, n, t: progress.append((d, n, t)))
            assert sorted(seen) == sorted(la.digest for la in img.layers())
        assert got == image_id
        assert progress and all(n <= t for _, n, t in progress)
    finally:
        engine.close()
    try:
        assert dy(other, "run", "--rm", ref).stdout == "ok\n"
        assert dy(other, "system", "check").stdout.strip() == "store is consistent"
    finally:
        cleanup_root(other)


def test_ensure_image_pulls_only_when_missing(registry: object, dyroot: str,
                                              capsys: pytest.CaptureFixture[str]) -> None:
    from dockyard.cli.commands.share import ensure_image

    host = registry.host  # type: ignore[attr-defined]
    ref = f"{host}/share/ensure:1"
    image_id = _image_with_data(dyroot, ref, 1)
    dy(dyroot, "push", ref)
    other = _fresh_root()
    engine = Engine(other)
    try:
        assert ensure_image(engine, ref) == image_id
        err = capsys.readouterr().err
        assert f"Unable to find image '{ref}' locally" in err and "Pull complete" in err
        assert ensure_image(engine, ref, quiet=True) == image_id
        assert capsys.readouterr().err == ""
        assert ensure_image(engine, image_id) == image_id
    finally:
        engine.close()
        cleanup_root(other)
    # run of a missing image pulls it first (progress on stderr; -q silences it)
    third = _fresh_root()
    try:
        p = dy(third, "run", "--rm", ref)
        assert p.stdout == "ok\n" and f"Unable to find image '{ref}' locally" in p.stderr
        assert "Status: Downloaded newer image" in p.stderr
        dy(third, "rmi", ref)
        p = dy(third, "run", "--rm", "-q", ref)
        assert p.stdout == "ok\n" and p.stderr == ""
    finally:
        cleanup_root(third)


def test_save_to_file_is_atomic(dyroot: str, tmp_path: Path) -> None:
    dy(dyroot, "bootstrap", "busybox")
    target = tmp_path / "out.tar"
    target.write_bytes(b"previous content")
    # damage a layer blob: save must fail, leave the old file alone and no temporary file behind
    engine = Engine(dyroot)
    try:
        layer = engine.images.open("busybox").layers()[0]
        path = engine.store.content.path(layer.digest)
    finally:
        engine.close()
    data = Path(path).read_bytes()
    os.chmod(path, 0o644)
    Path(path).write_bytes(data[: len(data) // 2])
    try:
        p = dy(dyroot, "save", "-o", str(target), "busybox", check=False)
        assert p.returncode != 0
        assert target.read_bytes() == b"previous content"
        assert sorted(os.listdir(tmp_path)) == ["out.tar"]
    finally:
        Path(path).write_bytes(data)
    dy(dyroot, "save", "-o", str(target), "busybox")
    assert sorted(os.listdir(tmp_path)) == ["out.tar"] and target.stat().st_size > 1000000


def _partial_ingest(root: str) -> bool:
    ingest = os.path.join(root, "ingest")
    try:
        return any(os.path.getsize(os.path.join(ingest, n)) > 1000000 for n in os.listdir(ingest))
    except OSError:
        return False


def test_killed_pull_leaves_nothing_visible(registry: object, dyroot: str) -> None:
    host = registry.host  # type: ignore[attr-defined]
    ref = f"{host}/share/kill:1"
    _image_with_data(dyroot, ref, 60)
    dy(dyroot, "push", ref)
    other = _fresh_root()
    try:
        killed_mid_download = False
        for _ in range(5):
            proc = subprocess.Popen([sys.executable, "-m", "dockyard.cli.main", "--root", other, "pull", ref],
                                    stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
            deadline = time.monotonic() + 60
            while proc.poll() is None and time.monotonic() < deadline and not _partial_ingest(other):
                time.sleep(0.005)
            proc.kill()
            proc.wait()
            if _partial_ingest(other):
                killed_mid_download = True
                break
            dy(other, "rmi", ref, check=False)
        assert killed_mid_download, "the pull always finished before it could be killed"
        assert dy(other, "images", "-q").stdout.strip() == ""
        check = dy(other, "system", "check")
        assert "store is consistent" in check.stdout and "stale ingest" in check.stdout
        dy(other, "system", "check", "--repair")
        # and a new pull completes and runs
        dy(other, "pull", ref)
        assert dy(other, "run", "--rm", ref).stdout == "ok\n"
        assert dy(other, "system", "check").stdout.strip() == "store is consistent"
    finally:
        cleanup_root(other)


@pytest.mark.parametrize("damage", ["flip", "longer", "shorter"])
def test_pull_of_damaged_blob_stores_nothing(registry: object, dyroot: str, damage: str) -> None:
    host = registry.host  # type: ignore[attr-defined]
    ref = f"{host}/share/bad:1"
    _image_with_data(dyroot, ref, 1)
    dy(dyroot, "push", ref)
    layer = _manifest(host, "share/bad", "1")["layers"][-1]  # type: ignore[index]
    hexd = layer["digest"].split(":")[1]
    data_path = Path(registry.root) / "docker/registry/v2/blobs/sha256" / hexd[:2] / hexd / "data"  # type: ignore[attr-defined]
    data = data_path.read_bytes()
    if damage == "flip":
        data = data[:1000] + bytes([data[1000] ^ 1]) + data[1001:]
    elif damage == "longer":
        data = data + b"x" * 100
    else:
        data = data[:-100]
    data_path.write_bytes(data)
    other = _fresh_root()
    try:
        p = dy(other, "pull", ref, check=False)
        assert p.returncode != 0 and p.stderr.strip()
        assert dy(other, "images", "-q").stdout.strip() == ""
        check = dy(other, "system", "check")
        assert "store is consistent" in check.stdout
        engine = Engine(other)
        try:
            assert not engine.store.content.exists(layer["digest"])
        finally:
            engine.close()
    finally:
        cleanup_root(other)


def test_cli_handlers_with_compression_and_format(registry: object, dyroot: str, tmp_path: Path,
                                                  capsys: pytest.CaptureFixture[str]) -> None:
    """push --compression / save --compression --format through the handlers (the flags are
    declared in cli/verbs.py; the handlers read them with opts.get)."""
    from dockyard.cli.commands.share import cmd_push, cmd_save
    from dockyard.cli.flags import Parsed
    from dockyard.cli.main import Context

    host = registry.host  # type: ignore[attr-defined]
    ref = f"{host}/share/cli-zstd:1"
    image_id = _image_with_data(dyroot, ref, 1)
    ctx = Context(dyroot, "info")
    try:
        assert cmd_push(ctx, Parsed({"quiet": False, "all_tags": False, "compression": "zstd"}, [ref])) == 0
        assert "digest: sha256:" in capsys.readouterr().out
        archive = tmp_path / "oci.tar"
        opts = {"output": str(archive), "compression": "zstd", "format": "oci-archive"}
        assert cmd_save(ctx, Parsed(opts, [ref])) == 0
        with pytest.raises(InvalidArgument):
            cmd_save(ctx, Parsed(dict(opts, compression="lz4"), [ref]))
    finally:
        ctx.engine.close()
    assert {la["mediaType"] for la in _manifest(host, "share/cli-zstd", "1")["layers"]} == {  # type: ignore[attr-defined]
        "application/vnd.oci.image.layer.v1.tar+zstd"}
    other = _fresh_root()
    try:
        dy(other, "load", "-i", str(archive))
        assert dy(other, "image", "inspect", "-f", "{{.Id}}", ref).stdout.strip() == image_id
        dy(other, "rmi", ref)
        dy(other, "pull", ref)
        assert dy(other, "run", "--rm", ref).stdout == "ok\n"
    finally:
        cleanup_root(other)
