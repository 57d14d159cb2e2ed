"""network create|ls|inspect|rm|prune|connect|disconnect, and port."""

from __future__ import annotations

import sys

from ...errors import DockyardError, InvalidArgument, NotFound
from ..flags import Parsed
from ..main import Context
from ..output import render, render_inspect

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any

NET_TABLE = "table {{.ID}}\t{{.Name}}\t{{.Driver}}\t{{.Scope}}"
NET_HEADERS = {"ID": "NETWORK ID", "Name": "NAME", "Driver": "DRIVER", "Scope": "SCOPE",
               "IPv6": "IPV6", "Internal": "INTERNAL", "Labels": "LABELS", "CreatedAt": "CREATED AT"}


def _root(ctx: Context) -> str:
    from ...store import default_root
    return ctx.root or default_root()


def _labels(items: list[str] | None) -> dict[str, str]:
    out: dict[str, str] = {}
    for it in items or []:
        k, _, v = it.partition("=")
        out[k] = v
    return out


def _one(values: list[str] | None, flag: str) -> str:
    vals = list(values or [])
    if len(vals) > 1:
        raise InvalidArgument(f"dockyard supports one --{flag} per network (IPv4 only)")
    return vals[0] if vals else ""


def cmd_create(ctx: Context, p: Parsed) -> int:
    from ...container.netsetup import service
    with service(_root(ctx)) as svc:
        n = svc.create(p.args[0], driver=p.driver or "bridge", subnet=_one(p.subnet, "subnet"),
                       gateway=_one(p.gateway, "gateway"), internal=bool(p.internal),
                       labels=_labels(p.label), options=_labels(p.opt))
    print(n.id)
    return 0


def _filters(items: list[str] | None) -> list[tuple[str, str]]:
    out = []
    for f in items or []:
        k, eq, v = f.partition("=")
        if not eq or k not in ("name", "id", "driver", "label", "type", "dangling"):
            raise InvalidArgument(f"invalid filter '{f}'")
        out.append((k, v))
    return out


def _matches(n: Any, used: set[str], filters: list[tuple[str, str]]) -> bool:
    by: dict[str, list[str]] = {}
    for k, v in filters:
        by.setdefault(k, []).append(v)
    if "name" in by and not any(v in n.name for v in by["name"]):
        return False
    if "id" in by and not any(n.id.startswith(v) for v in by["id"]):
        return False
    if "driver" in by and n.driver not in by["driver"]:
        return False
    if "type" in by:
        kinds = {"custom": not n.builtin, "builtin": n.builtin}
        for v in by["type"]:
            if v not in kinds:
                raise InvalidArgument(f"invalid filter: 'type'='{v}'")
        if not any(kinds[v] for v in by["type"]):
            return False
    if "label" in by:
        for spec in by["label"]:
            k, eq, v = spec.partition("=")
            if k not in n.labels or (eq and n.labels[k] != v):
                return False
    if "dangling" in by:
        want = by["dangling"][-1].lower() in ("true", "1")
        if (n.id not in used and not n.builtin) != want:
            return False
    return True


def cmd_ls(ctx: Context, p: Parsed) -> int:
    from ...container.netsetup import service
    filters = _filters(p.filter)
    with service(_root(ctx)) as svc:
        nets = svc.list()
        used = {r[0] for r in svc.conn.execute(
            "SELECT network_id FROM net_endpoints UNION SELECT network_id FROM net_links")}
    nets = sorted((n for n in nets if _matches(n, used, filters)), key=lambda n: n.name)
    rows = [{"ID": n.id if p.no_trunc else n.id[:12], "Name": n.name, "Driver": n.driver, "Scope": "local",
             "IPv6": "false", "Internal": "true" if n.internal else "false",
             "Labels": ",".join(f"{k}={v}" for k, v in n.labels.items()), "CreatedAt": n.created} for n in nets]
    render("{{.ID}}" if p.quiet else p.format, rows, NET_TABLE, NET_HEADERS)
    return 0


def cmd_inspect(ctx: Context, p: Parsed) -> int:
    from ...container.netsetup import service
    objs = []
    code = 0
    with service(_root(ctx)) as svc:
        for ref in p.args:
            try:
                objs.append(svc.inspect(ref))
            except DockyardError as e:
                ctx.err(f"dockyard: {e}")
                code = 1
    render_inspect(objs, p.format)
    return code


def cmd_rm(ctx: Context, p: Parsed) -> int:
    from ...container.netsetup import service
    code = 0
    with service(_root(ctx)) as svc:
        for ref in p.args:
            try:
                svc.remove(ref)
                print(ref)
            except DockyardError as e:
                ctx.err(f"dockyard: {e}")
                code = 1
    return code


def confirm(ctx: Context, force: bool, warning: str) -> bool:
    """Docker's prune prompt: ``-f`` skips it; anything but y/Y cancels."""
    if force:
        return True
    sys.stdout.write(f"WARNING! {warning}\nAre you sure you want to continue? [y/N] ")
    sys.stdout.flush()
    answer = sys.stdin.readline().strip().lower()
    return answer in ("y", "yes")


def cmd_prune(ctx: Context, p: Parsed) -> int:
    from ...container.netsetup import service
    if not confirm(ctx, p.force, "This will remove all custom networks not used by at least one container."):
        return 0
    with service(_root(ctx)) as svc:
        removed = svc.prune()
    if removed:
        print("Deleted Networks:")
        for name in removed:
            print(name)
    return 0


def cmd_connect(ctx: Context, p: Parsed) -> int:
    from ...container.netsetup import service
    c = ctx.engine.containers.get(p.args[1])
    with service(_root(ctx)) as svc:
        svc.connect(p.args[0], c.id, name=c.name, aliases=tuple(p.alias or ()), ip=p.ip or "")
    return 0


def cmd_disconnect(ctx: Context, p: Parsed) -> int:
    from ...container.netsetup import service
    c = ctx.engine.containers.get(p.args[1])
    with service(_root(ctx)) as svc:
        svc.disconnect(p.args[0], c.id, force=bool(p.force))
    return 0


def cmd_port(ctx: Context, p: Parsed) -> int:
    from ...container.netsetup import port_lines
    c = ctx.engine.containers.get(p.args[0])
    private = p.args[1] if len(p.args) > 1 else None
    try:
        lines = port_lines(_root(ctx), c.id, private)
    except NotFound as e:
        port, _, proto = (private or "").partition("/")
        raise NotFound(f"No public port '{port}/{proto or 'tcp'}' published for {c.name}") from e
    for line in lines:
        print(line)
    return 0
