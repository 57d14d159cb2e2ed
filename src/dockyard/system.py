"""System services: disk usage, prune, and the store checker (``system check [--repair]``)."""

from __future__ import annotations

import os
import shutil
import time

from ._record import Record, field
from .container.model import Container, running
from .engine import Engine
from .image.store import ImageRecord


class CheckReport(Record):
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
            if pid.isdigit() and running(int(pid)):
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
    # cgroups left by containers whose processes are all gone (e.g. a monitor killed mid-exit).
    # Only empty ones: /dockyard/ is shared by every store root on the host, so a cgroup with
    # processes may belong to another root's running container.
    for path in _empty_container_cgroups():
        rep.garbage.append(f"empty cgroup {path}")
        if repair:
            try:
                os.rmdir(path)
            except OSError:
                pass
    # network plumbing (veths, NAT rules, addresses) of containers that are gone
    if repair:
        from .container import netsetup
        rep.garbage += [f"network: {line}" for line in netsetup.cleanup(st.root)]
        rep.repaired = list(rep.garbage)
    return rep


class ImageUsage(Record, frozen=True):
    record: ImageRecord
    shared: int          # bytes in layers other images use too
    unique: int          # bytes in layers only this image uses
    containers: int


class ContainerUsage(Record, frozen=True):
    container: Container
    size_rw: int         # its writable layer
    logs: int            # its json-file logs, rotated files included


class DiskUsage(Record, frozen=True):
    images: list[ImageUsage]
    containers: list[ContainerUsage]
    layers_size: int     # every extracted layer counted once, however many images share it
    active_layers_size: int  # layers of images that containers use
    volumes: tuple[int, int, int, int] = (0, 0, 0, 0)  # count, in use, bytes, reclaimable bytes
    build_cache: tuple[int, int] = (0, 0)  # entries, bytes only the build cache keeps (all reclaimable)

    @property
    def active_images(self) -> int:
        return sum(1 for i in self.images if i.containers)


def disk_usage(engine: Engine) -> DiskUsage:
    """``system df``: shared layers are counted once; each container's writable layer and logs."""
    from .container.logs import total_size
    db = engine.store.db
    lsize = {r["chain_id"]: int(r["size"]) for r in db.query("SELECT chain_id, size FROM layers")}
    chains: dict[str, list[str]] = {}
    for r in db.query("SELECT image_id, chain_id FROM image_layers ORDER BY image_id, idx"):
        chains.setdefault(r["image_id"], []).append(r["chain_id"])
    users: dict[str, int] = {}
    for cs in chains.values():
        for ch in cs:
            users[ch] = users.get(ch, 0) + 1
    containers = engine.containers.list_containers()
    images = []
    for rec in engine.images.list_images():
        cs = chains.get(rec.id, [])
        images.append(ImageUsage(rec, sum(lsize.get(ch, 0) for ch in cs if users[ch] > 1),
                                 sum(lsize.get(ch, 0) for ch in cs if users[ch] == 1),
                                 sum(c.image_id == rec.id for c in containers)))
    cusage = [ContainerUsage(c, engine.containers.size_rw(c), total_size(engine.containers.log_path(c.id)))
              for c in containers]
    active = {ch for c in containers for ch in chains.get(c.image_id, [])}
    from .build.cache import BuildCache
    from .volume import glue
    return DiskUsage(images, cusage, sum(lsize.values()), sum(lsize.get(ch, 0) for ch in active),
                     glue.usage(engine.root), BuildCache(engine.store).size())


class PruneReport(Record):
    containers: list[str] = field(default_factory=list)
    networks: list[str] = field(default_factory=list)
    volumes: list[str] = field(default_factory=list)
    images: list[tuple[str, str]] = field(default_factory=list)   # ("Untagged"|"Deleted", what)
    build_cache_entries: int = 0
    reclaimed: int = 0


def prune(engine: Engine, *, all_images: bool = False, volumes: bool = False) -> PruneReport:
    """``docker system prune``: stopped containers, unused networks, (anonymous) volumes with
    ``volumes``, dangling (``all_images``: unused) images, the build cache, then any garbage."""
    from .build.cache import BuildCache
    from .snapshot.lookup import disk_usage
    before = disk_usage(engine.root)
    rep = PruneReport()
    rep.containers = engine.containers.prune()
    with engine.networks() as nets:
        rep.networks = nets.prune()
    if volumes:
        with engine.volumes() as vols:
            rep.volumes, _ = vols.prune()
    rep.images = engine.images.prune(all_unused=all_images)
    rep.build_cache_entries, _ = BuildCache(engine.store).prune()
    check(engine, repair=True, verify_blobs=False)
    rep.reclaimed = max(0, before - disk_usage(engine.root))
    return rep


def _empty_container_cgroups(base: str = "/sys/fs/cgroup") -> list[str]:
    out = []
    parents = [os.path.join(base, "dockyard")] + [os.path.join(base, c, "dockyard") for c in _listdir(base)]
    for parent in parents:
        for name in _listdir(parent):
            path = os.path.join(parent, name)
            procs = os.path.join(path, "cgroup.procs")
            if not os.path.isfile(procs):
                continue
            try:
                with open(procs) as f:
                    if f.read().strip():
                        continue
                subdirs = [d for d in os.listdir(path) if os.path.isdir(os.path.join(path, d))]
            except OSError:
                continue
            # not one a container start is about to join (created, not yet entered)
            if not subdirs and os.stat(path).st_mtime < time.time() - 60:
                out.append(path)
    return out


def _listdir(path: str) -> list[str]:
    try:
        return sorted(os.listdir(path))
    except OSError:
        return []
