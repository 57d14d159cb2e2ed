"""`import dockyard` offers what the CLI does: the README's example and the facades."""

from __future__ import annotations

from pathlib import Path

import dockyard

from .conftest import DY


def test_library_build_run_save_load_networks_volumes(fresh_root: DY, tmp_path: Path) -> None:
    engine = dockyard.Engine(fresh_root.root)
    try:
        ctx = tmp_path / "ctx"
        ctx.mkdir()
        (ctx / "Dockerfile").write_text("FROM busybox\nRUN echo built > /built\nCMD [\"cat\", \"/built\"]\n")
        image_id = engine.build(str(ctx), tags=["lib:1"])
        assert engine.images.resolve("lib:1") == image_id
        c = engine.containers.create(dockyard.CreateOptions(image="lib:1", network="none"))
        engine.containers.start(c.id)
        assert engine.containers.wait(c.id) == 0
        engine.containers.remove(c.id)
        archive = str(tmp_path / "lib.tar")
        engine.save(["lib:1"], archive)
        engine.images.remove("lib:1")
        assert engine.load(archive) == [image_id]
        with engine.volumes() as vols:
            vols.create("libvol")
            assert "libvol" in [v.name for v in vols.list()]
        with engine.networks() as nets:
            assert "bridge" in [n.name for n in nets.list()]
    finally:
        engine.close()


def test_library_attached_start_leaves_no_zombie(dy: DY) -> None:
    """wait_exit returns at the monitor's 'done' while it still tidies up; the engine collects it
    later instead of leaving a zombie in a long-lived program."""
    import os
    import time
    engine = dockyard.Engine(dy.root)
    try:
        c = engine.containers.create(dockyard.CreateOptions(image="busybox", cmd=["true"], network="none"))
        handle = engine.containers.start(c.id, attach=True)
        assert handle.wait_exit() == 0
        deadline = time.monotonic() + 5
        state = "?"
        while time.monotonic() < deadline:
            engine.containers.get(c.id)  # any later call collects finished monitors
            try:
                with open(f"/proc/{handle.monitor_pid}/stat") as f:
                    state = f.read().rsplit(")", 1)[1].split()[0]
            except FileNotFoundError:
                state = "gone"
                break
            time.sleep(0.05)
        assert state == "gone"
        engine.containers.remove(c.id)
    finally:
        engine.close()
