"""inspect, container inspect, image inspect."""

from __future__ import annotations

from ...errors import DockyardError, NotFound
from ..flags import Parsed
from ..main import Context
from ..output import render_inspect

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any


def _inspect(ctx: Context, p: Parsed, kinds: tuple[str, ...]) -> int:
    from ... import inspect_json as _i
    objs: list[Any] = []
    code = 0
    for ref in p.args:
        obj = None
        for kind in kinds:
            try:
                if kind == "container":
                    c = ctx.engine.containers.get(ref)
                    obj = _i.container_json(ctx.engine, c, size=bool(getattr(p, "size", False)))
                else:
                    obj = _i.image_json(ctx.engine, ref)
                break
            except NotFound:
                continue
        if obj is None:
            ctx.err(f"dockyard: No such object: {ref}" if len(kinds) > 1 else
                    f"dockyard: No such {kinds[0]}: {ref}")
            code = 1
            continue
        objs.append(obj)
    try:
        render_inspect(objs, p.format)
    except DockyardError:
        raise
    return code


def cmd_inspect(ctx: Context, p: Parsed) -> int:
    t = getattr(p, "type", None)
    kinds = ("container", "image") if not t else (t,)
    return _inspect(ctx, p, kinds)


def cmd_container_inspect(ctx: Context, p: Parsed) -> int:
    return _inspect(ctx, p, ("container",))


def cmd_image_inspect(ctx: Context, p: Parsed) -> int:
    return _inspect(ctx, p, ("image",))
