"""system df, system prune, system check, version, info."""

from __future__ import annotations

import json
import os
import platform
from typing import Any

from ..flags import Parsed
from ..main import VERSION, Context
from ..output import render, since, size


def cmd_version(ctx: Context, p: Parsed) -> int:
    info = {"Client": {"Version": VERSION, "ApiVersion": "1.41", "Os": "linux", "Arch": "amd64",
                       "GoVersion": "python" + platform.python_version()},
            "Server": {"Version": VERSION, "ApiVersion": "1.41", "Os": "linux", "Arch": "amd64",
                       "KernelVersion": platform.release()}}
    if p.format:
        from ..output import render_inspect
        render_inspect([info], p.format)
        return 0
    print(f"dockyard version {VERSION}\n  Python:  {platform.python_version()}\n  Kernel:  {platform.release()}")
    return 0


def cmd_info(ctx: Context, p: Parsed) -> int:
    e = ctx.engine
    cs = e.containers.list_containers()
    info = {
        "Containers": len(cs), "ContainersRunning": sum(c.status == "running" for c in cs),
        "ContainersPaused": sum(c.status == "paused" for c in cs),
        "ContainersStopped": sum(c.status not in ("running", "paused") for c in cs),
        "Images": len(e.images.list_images()), "Driver": "overlay2", "DockerRootDir": e.root,
        "KernelVersion": platform.release(), "OperatingSystem": "Linux", "NCPU": os.cpu_count(),
        "ServerVersion": VERSION, "CgroupVersion": "2" if os.path.exists("/sys/fs/cgroup/cgroup.controllers") else "1",
        "Runtimes": {"native": {}, "runc": {"path": "runc"}}, "DefaultRuntime": "native",
    }
    if p.format:
        from ..output import render_inspect
        render_inspect([info], p.format)
        return 0
    for k, v in info.items():
        print(f" {k}: {json.dumps(v) if isinstance(v, dict) else v}")
    return 0


def cmd_check(ctx: Context, p: Parsed) -> int:
    from ...system import check
    rep = check(ctx.engine, repair=p.repair)
    for line in rep.problems:
        print(f"problem: {line}")
    for line in rep.garbage:
        print(f"{'removed' if p.repair else 'garbage'}: {line}")
    if rep.clean:
        print("store is consistent" + (f" ({len(rep.garbage)} reclaimable item(s))" if rep.garbage and not p.repair
                                       else ""))
        return 0
    return 1


def _df_data(ctx: Context) -> dict[str, Any]:
    from ...system import du
    e = ctx.engine
    images = e.images.list_images()
    layer_rows = e.store.db.query("SELECT chain_id, size FROM layers")
    lsize = {r["chain_id"]: r["size"] for r in layer_rows}
    usage: dict[str, int] = {}
    img_chains: dict[str, list[str]] = {}
    for rec in images:
        chains = [r["chain_id"] for r in e.store.db.query(
            "SELECT chain_id FROM image_layers WHERE image_id=? ORDER BY idx", (rec.id,))]
        img_chains[rec.id] = chains
        for ch in chains:
            usage[ch] = usage.get(ch, 0) + 1
    cs = e.containers.list_containers()
    used_images = {c.image_id for c in cs}
    rows_images = []
    for rec in images:
        chains = img_chains[rec.id]
        shared = sum(lsize.get(ch, 0) for ch in chains if usage[ch] > 1)
        unique = sum(lsize.get(ch, 0) for ch in chains if usage[ch] == 1)
        rows_images.append({"rec": rec, "shared": shared, "unique": unique,
                            "containers": sum(c.image_id == rec.id for c in cs)})
    rows_containers = []
    for c in cs:
        rw = e.containers.size_rw(c)
        logs = du_logs(e, c.id)
        rows_containers.append({"c": c, "rw": rw, "logs": logs})
    total_layers = sum(lsize.values())
    return {"images": rows_images, "containers": rows_containers, "total_layers": total_layers,
            "used_images": used_images, "lsize": lsize, "img_chains": img_chains, "usage": usage, "du": du}


def du_logs(e: object, cid: str) -> int:
    from ...container.logs import total_size
    return total_size(e.containers.log_path(cid))  # type: ignore[attr-defined]


def cmd_df(ctx: Context, p: Parsed) -> int:
    d = _df_data(ctx)
    images = d["images"]
    containers = d["containers"]
    total_layers: int = d["total_layers"]  # type: ignore[assignment]
    used_images = d["used_images"]
    lsize: dict[str, int] = d["lsize"]  # type: ignore[assignment]
    img_chains: dict[str, list[str]] = d["img_chains"]  # type: ignore[assignment]
    active_layers = {ch for iid in used_images for ch in img_chains.get(iid, [])}  # type: ignore[union-attr]
    reclaim_img = total_layers - sum(lsize.get(ch, 0) for ch in active_layers)
    c_total = sum(r["rw"] + r["logs"] for r in containers)  # type: ignore[union-attr]
    c_reclaim = sum(r["rw"] + r["logs"] for r in containers if not r["c"].running)  # type: ignore[union-attr]
    rows = [
        {"Type": "Images", "TotalCount": str(len(images)), "Active": str(len(used_images)),  # type: ignore[arg-type]
         "Size": size(total_layers), "Reclaimable": _pct(reclaim_img, total_layers)},
        {"Type": "Containers", "TotalCount": str(len(containers)),  # type: ignore[arg-type]
         "Active": str(sum(r["c"].running for r in containers)),  # type: ignore[union-attr]
         "Size": size(c_total), "Reclaimable": _pct(c_reclaim, c_total)},
        {"Type": "Local Volumes", "TotalCount": "0", "Active": "0", "Size": "0B", "Reclaimable": "0B"},
        {"Type": "Build Cache", "TotalCount": "0", "Active": "0", "Size": "0B", "Reclaimable": "0B"},
    ]
    if not p.verbose:
        render(p.format, rows, "table {{.Type}}\t{{.TotalCount}}\t{{.Active}}\t{{.Size}}\t{{.Reclaimable}}",
               {"Type": "TYPE", "TotalCount": "TOTAL", "Active": "ACTIVE", "Size": "SIZE",
                "Reclaimable": "RECLAIMABLE"})
        return 0
    print("Images space usage:\n")
    irows = []
    for r in images:  # type: ignore[union-attr]
        rec = r["rec"]
        repo, tag = ("<none>", "<none>")
        if rec.tags:
            repo, _, tag = rec.tags[0].rpartition(":")
        irows.append({"Repository": repo, "Tag": tag, "ID": rec.id[7:19], "Created": since(rec.created) + " ago",
                      "Size": size(rec.size), "SharedSize": size(r["shared"]), "UniqueSize": size(r["unique"]),
                      "Containers": str(r["containers"])})
    render(None, irows, "table {{.Repository}}\t{{.Tag}}\t{{.ID}}\t{{.Created}}\t{{.Size}}\t{{.SharedSize}}\t"
           "{{.UniqueSize}}\t{{.Containers}}",
           {"Repository": "REPOSITORY", "Tag": "TAG", "ID": "IMAGE ID", "Created": "CREATED", "Size": "SIZE",
            "SharedSize": "SHARED SIZE", "UniqueSize": "UNIQUE SIZE", "Containers": "CONTAINERS"})
    print("\nContainers space usage:\n")
    crows = []
    for r in containers:  # type: ignore[union-attr]
        c = r["c"]
        crows.append({"ID": c.id[:12], "Image": c.image_ref, "Command": " ".join(
            (c.config.get("Entrypoint") or []) + (c.config.get("Cmd") or []))[:20], "LocalVolumes": "0",
            "Size": size(r["rw"]), "Logs": size(r["logs"]), "Created": since(c.created) + " ago",
            "Status": c.status, "Names": c.name})
    render(None, crows, "table {{.ID}}\t{{.Image}}\t{{.Command}}\t{{.LocalVolumes}}\t{{.Size}}\t{{.Logs}}\t"
           "{{.Created}}\t{{.Status}}\t{{.Names}}",
           {"ID": "CONTAINER ID", "Image": "IMAGE", "Command": "COMMAND", "LocalVolumes": "LOCAL VOLUMES",
            "Size": "SIZE", "Logs": "LOGS", "Created": "CREATED", "Status": "STATUS", "Names": "NAMES"})
    print("\nLocal Volumes space usage:\n\nVOLUME NAME   LINKS     SIZE\n\nBuild cache usage: 0B\n")
    return 0


def _pct(part: int, total: int) -> str:
    if total <= 0:
        return size(part)
    return f"{size(part)} ({int(part * 100 / total)}%)"


def cmd_prune(ctx: Context, p: Parsed) -> int:
    removed = ctx.engine.containers.prune()
    imgs = ctx.engine.images.prune(all_unused=p.all)
    from ...system import check
    check(ctx.engine, repair=True, verify_blobs=False)
    if removed:
        print("Deleted Containers:")
        print("\n".join(removed) + "\n")
    if imgs:
        print("Deleted Images:")
        print("\n".join(f"{k.lower()}: {v}" for k, v in imgs) + "\n")
    print("Total reclaimed space: 0B")
    return 0
