"""docker cp and docker export."""

from __future__ import annotations

import os
import sys

from ...errors import InvalidArgument
from ..flags import Parsed
from ..main import Context


def _split(arg: str) -> tuple[str | None, str]:
    if arg.startswith("/") or arg.startswith(".") or arg == "-":
        return None, arg
    name, sep, path = arg.partition(":")
    if sep and name and "/" not in name:
        return name, path
    return None, arg


def cmd_export(ctx: Context, p: Parsed) -> int:
    from ...container.fs import export
    svc = ctx.engine.containers
    if p.output:
        tmp = p.output + ".tmp"
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o644)
        try:
            export(svc, p.args[0], fd)
        except BaseException:
            os.close(fd)
            os.unlink(tmp)
            raise
        os.close(fd)
        os.replace(tmp, p.output)
        return 0
    if os.isatty(1):
        raise InvalidArgument("cowardly refusing to save to a terminal. Use the -o flag or redirect")
    sys.stdout.flush()
    export(svc, p.args[0], 1)
    return 0


def cmd_cp(ctx: Context, p: Parsed) -> int:
    from ...container import fs
    svc = ctx.engine.containers
    (sc, spath), (dc, dpath) = _split(p.args[0]), _split(p.args[1])
    if sc and dc:
        raise InvalidArgument("copying between containers is not supported")
    if not sc and not dc:
        raise InvalidArgument("must specify at least one container source")
    if sc:  # container -> host
        if dpath == "-":
            sys.stdout.flush()
            fs.copy_from(svc, sc, spath, 1)
        else:
            fs.copy_out(svc, sc, spath, dpath, archive=p.archive)
        return 0
    assert dc is not None
    if spath == "-":
        fs.copy_to(svc, dc, dpath, 0)
    else:
        fs.copy_in(svc, dc, spath, dpath)
    return 0
