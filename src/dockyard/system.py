"""System services: disk usage, prune, and the store checker (``system check [--repair]``)."""

from __future__ import annotations

import os
import shutil
from dataclasses import dataclass, field

from .engine import Engine


@dataclass
class CheckReport:
    problems: list[str] = field(default_factory=list)     # inconsistencies
    garbage: list[str] = field(default_factory=list)      # unreferenced leftovers (safe to delete)
    repaired: list[str] = field(default_factory=list)

    @property
    def clean(self) -> bool:
        return not self.problems


def check(engine: Engine, *, repair: bool = False, verify_blobs: bool = True) -> CheckReport:
    st = engine.store
    db = st.db
    rep = CheckReport()
    content = st.content
    # blobs
    blobs = set(content.walk())
    if verify_blobs:
        for d in sorted(blobs):
            try:
                content.verify(d)
            except Exception as e:  # noqa: BLE001
                rep.problems.append(f"blob {d}: {e}")
    for path in content.stale_ingests():
        rep.garbage.append(f"stale ingest {path}")
        if repair:
            os.unlink(path)
    # layers
    layer_rows = db.query("SELECT * FROM layers")
    layer_dirs = {r["dir"] for r in layer_rows}
    for r in layer_rows:
        if not os.path.isdir(os.path.join(st.layers_dir, r["dir"], "diff")):
            rep.problems.append(f"layer {r['chain_id']}: directory layers/{r['dir']} missing")
        if r["blob_digest"] not in blobs:
            rep.problems.append(f"layer {r['chain_id']}: blob {r['blob_digest']} missing")
    for name in os.listdir(st.layers_dir):
        if name == "empty" or name in layer_dirs:
            continue
        path = os.path.join(st.layers_dir, name)
        if name.startswith(".staging-"):
            pid = name.split("-")[1]
            if pid.isdigit() and os.path.exists(f"/proc/{pid}"):
                continue
        rep.garbage.append(f"unreferenced layer directory layers/{name}")
        if repair:
            shutil.rmtree(path, ignore_errors=True)
    # images
    chains = {r["chain_id"] for r in layer_rows}
    for r in db.query("SELECT * FROM images"):
        for d in (r["id"], r["manifest_digest"]):
            if d not in blobs:
                rep.problems.append(f"image {r['id'][7:19]}: blob {d} missing")
        for lr in db.query("SELECT chain_id FROM image_layers WHERE image_id=?", (r["id"],)):
            if lr["chain_id"] not in chains:
                rep.problems.append(f"image {r['id'][7:19]}: layer {lr['chain_id']} missing")
    for r in db.query("SELECT name, image_id FROM tags WHERE image_id NOT IN (SELECT id FROM images)"):
        rep.problems.append(f"tag {r['name']} points to missing image {r['image_id']}")
    # containers
    rows = db.query("SELECT id, image_id, status FROM containers")
    ids = {r["id"] for r in rows}
    image_ids = {r["id"] for r in db.query("SELECT id FROM images")}
    for r in rows:
        d = st.container_dir(r["id"])
        for sub in ("upper", "work", "rootfs"):
            if not os.path.isdir(os.path.join(d, sub)):
                rep.problems.append(f"container {r['id'][:12]}: {sub}/ missing")
        if r["image_id"] not in image_ids:
            rep.problems.append(f"container {r['id'][:12]}: image {r['image_id'][7:19]} missing")
    engine.containers.list_containers()  # reconciles records whose processes died with their monitor
    for name in os.listdir(st.containers_dir):
        if name in ids:
            continue
        rep.garbage.append(f"unreferenced container directory containers/{name}")
        if repair:
            shutil.rmtree(os.path.join(st.containers_dir, name), ignore_errors=True)
    trash = os.path.join(st.root, "trash")
    for name in os.listdir(trash):
        rep.garbage.append(f"trash/{name}")
        if repair:
            shutil.rmtree(os.path.join(trash, name), ignore_errors=True)
    # mounts under the root (dockyard never leaves any: runtimes mount in private namespaces)
    try:
        with open("/proc/self/mountinfo") as f:
            for line in f:
                mp = line.split()[4]
                if mp.startswith(st.root + "/"):
                    rep.problems.append(f"mount left behind: {mp}")
                    if repair:
                        import subprocess
                        subprocess.run(["umount", "-l", mp], check=False)
    except OSError:
        pass
    # blobs nobody references
    used = set(image_ids) | {r["manifest_digest"] for r in db.query("SELECT manifest_digest FROM images")}
    used |= {r["blob_digest"] for r in layer_rows}
    for d in sorted(blobs - used):
        rep.garbage.append(f"unreferenced blob {d}")
        if repair:
            content.delete(d)
    if repair:
        rep.repaired = list(rep.garbage)
    return rep


def du(path: str) -> int:
    total = 0
    for dirpath, _dirs, files in os.walk(path):
        for n in files:
            try:
                total += os.lstat(os.path.join(dirpath, n)).st_size
            except OSError:
                pass
    return total
