"""volume create|ls|inspect|rm|prune."""

from __future__ import annotations

from ...errors import DockyardError, InvalidArgument
from ..flags import Parsed
from ..main import Context
from ..output import render, render_inspect, size

VOL_TABLE = "table {{.Driver}}\t{{.Name}}"
VOL_HEADERS = {"Driver": "DRIVER", "Name": "VOLUME NAME", "Scope": "SCOPE", "Mountpoint": "MOUNTPOINT",
               "Labels": "LABELS", "CreatedAt": "CREATED AT"}


def _root(ctx: Context) -> str:
    from ...store import default_root
    return ctx.root or default_root()


def _kv(items: list[str] | None) -> dict[str, str]:
    out: dict[str, str] = {}
    for it in items or []:
        k, _, v = it.partition("=")
        out[k] = v
    return out


def cmd_create(ctx: Context, p: Parsed) -> int:
    from ...volume.glue import open_service
    name = p.args[0] if p.args else (p.name or None)
    if p.args and p.name and p.name != p.args[0]:
        raise InvalidArgument("conflicting options: either specify --name or provide positional arg, not both")
    with open_service(_root(ctx)) as vols:
        v = vols.create(name, driver=p.driver or "local", labels=_kv(p.label), options=_kv(p.opt))
    print(v.name)
    return 0


def _filters(items: list[str] | None) -> list[tuple[str, str]]:
    out = []
    for f in items or []:
        k, eq, v = f.partition("=")
        if not eq:
            raise InvalidArgument(f"invalid filter '{f}'")
        out.append((k, v))
    return out


def cmd_ls(ctx: Context, p: Parsed) -> int:
    from ...volume.glue import open_service
    with open_service(_root(ctx)) as vols:
        found = vols.filter(_filters(p.filter))
        rows = [{"Driver": v.driver, "Name": v.name, "Scope": "local", "Mountpoint": vols.data_dir(v.name),
                 "Labels": ",".join(f"{k}={val}" for k, val in v.labels.items()), "CreatedAt": v.created}
                for v in found]
    render("{{.Name}}" if p.quiet else p.format, rows, VOL_TABLE, VOL_HEADERS)
    return 0


def cmd_inspect(ctx: Context, p: Parsed) -> int:
    from ...volume.glue import open_service
    objs = []
    code = 0
    with open_service(_root(ctx)) as vols:
        for name in p.args:
            try:
                objs.append(vols.inspect(name))
            except DockyardError as e:
                ctx.err(f"dockyard: {e}")
                code = 1
    render_inspect(objs, p.format)
    return code


def cmd_rm(ctx: Context, p: Parsed) -> int:
    from ...volume.glue import open_service
    code = 0
    with open_service(_root(ctx)) as vols:
        for name in p.args:
            try:
                vols.remove(name, force=bool(p.force))
                print(name)
            except DockyardError as e:
                ctx.err(f"dockyard: {e}")
                code = 1
    return code


def cmd_prune(ctx: Context, p: Parsed) -> int:
    from ...volume.glue import open_service
    from .network import confirm
    labels = []
    for f in p.filter or []:
        k, eq, v = f.partition("=")
        if k != "label" or not eq:
            raise InvalidArgument(f"invalid filter '{f}'")
        labels.append(v)
    what = "all local volumes" if p.all else "anonymous local volumes"
    if not confirm(ctx, p.force, f"This will remove {what} not used by at least one container."):
        return 0
    with open_service(_root(ctx)) as vols:
        removed, reclaimed = vols.prune(all_=bool(p.all), labels=labels)
    if removed:
        print("Deleted Volumes:")
        for name in removed:
            print(name)
        print()
    print(f"Total reclaimed space: {size(reclaimed)}")
    return 0
