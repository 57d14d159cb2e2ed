"""system df, system prune, system check, version, info."""

from __future__ import annotations

import json
import os
import platform

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


def cmd_df(ctx: Context, p: Parsed) -> int:
    from ...system import disk_usage
    du = disk_usage(ctx.engine)
    c_total = sum(u.size_rw + u.logs for u in du.containers)
    c_reclaim = sum(u.size_rw + u.logs for u in du.containers if not u.container.running)
    rows = [
        {"Type": "Images", "TotalCount": str(len(du.images)), "Active": str(du.active_images),
         "Size": size(du.layers_size), "Reclaimable": _pct(du.layers_size - du.active_layers_size, du.layers_size)},
        {"Type": "Containers", "TotalCount": str(len(du.containers)),
         "Active": str(sum(u.container.running for u in du.containers)),
         "Size": size(c_total), "Reclaimable": _pct(c_reclaim, c_total)},
        {"Type": "Local Volumes", "TotalCount": str(du.volumes[0]), "Active": str(du.volumes[1]),
         "Size": size(du.volumes[2]), "Reclaimable": _pct(du.volumes[3], du.volumes[2])},
        {"Type": "Build Cache", "TotalCount": str(du.build_cache[0]), "Active": "0",
         "Size": size(du.build_cache[1]), "Reclaimable": size(du.build_cache[1])},
    ]
    if not p.verbose:
        render(p.format, rows, "table {{.Type}}\t{{.TotalCount}}\t{{.Active}}\t{{.Size}}\t{{.Reclaimable}}",
               {"Type": "TYPE", "TotalCount": "TOTAL", "Active": "ACTIVE", "Size": "SIZE",
                "Reclaimable": "RECLAIMABLE"})
        return 0
    print("Images space usage:\n")
    irows = []
    for iu in du.images:
        rec = iu.record
        repo, tag = ("<none>", "<none>")
        if rec.tags:
            repo, _, tag = rec.tags[0].rpartition(":")
        irows.append({"Repository": repo, "Tag": tag, "ID": rec.id[7:19], "Created": since(rec.created) + " ago",
                      "Size": size(rec.size), "SharedSize": size(iu.shared), "UniqueSize": size(iu.unique),
                      "Containers": str(iu.containers)})
    render(None, irows, "table {{.Repository}}\t{{.Tag}}\t{{.ID}}\t{{.Created}}\t{{.Size}}\t{{.SharedSize}}\t"
           "{{.UniqueSize}}\t{{.Containers}}",
           {"Repository": "REPOSITORY", "Tag": "TAG", "ID": "IMAGE ID", "Created": "CREATED", "Size": "SIZE",
            "SharedSize": "SHARED SIZE", "UniqueSize": "UNIQUE SIZE", "Containers": "CONTAINERS"})
    print("\nContainers space usage:\n")
    crows = []
    for cu in du.containers:
        c = cu.container
        crows.append({"ID": c.id[:12], "Image": c.image_ref, "Command": " ".join(
            (c.config.get("Entrypoint") or []) + (c.config.get("Cmd") or []))[:20], "LocalVolumes": "0",
            "Size": size(cu.size_rw), "Logs": size(cu.logs), "Created": since(c.created) + " ago",
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
    from ...system import prune
    rep = prune(ctx.engine, all_images=p.all, volumes=p.volumes)
    for title, items in (("Deleted Containers:", rep.containers), ("Deleted Networks:", rep.networks),
                         ("Deleted Volumes:", rep.volumes),
                         ("Deleted Images:", [f"{k.lower()}: {v}" for k, v in rep.images])):
        if items:
            print(title)
            print("\n".join(items) + "\n")
    if rep.build_cache_entries:
        print(f"Deleted build cache objects: {rep.build_cache_entries}\n")
    print(f"Total reclaimed space: {size(rep.reclaimed)}")
    return 0
