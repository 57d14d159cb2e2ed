"""docker cp and docker export."""

from __future__ import annotations

import os
import shutil
import sys
import tarfile
import tempfile

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
            return 0
        with tempfile.TemporaryFile() as tmp:
            fs.copy_from(svc, sc, spath, tmp.fileno())
            tmp.seek(0)
            src_is_dir_contents = spath.endswith("/.")
            dest = dpath
            if os.path.isdir(dest):
                target_dir = dest
            else:
                if dest.endswith("/"):
                    raise InvalidArgument(f"destination directory {dest} does not exist")
                parent = os.path.dirname(os.path.abspath(dest)) or "."
                if not os.path.isdir(parent):
                    raise InvalidArgument(f"no such directory: {parent}")
                target_dir = None
            from ...diff.apply import extract_plain
            with tarfile.open(fileobj=tmp, mode="r:") as tar:
                members = tar.getmembers()
            tmp.seek(0)
            if True:
                if target_dir is not None or src_is_dir_contents:
                    out_dir = target_dir or dest
                    os.makedirs(out_dir, exist_ok=True)
                    extract_plain(tmp, os.path.realpath(out_dir), preserve_owner=p.archive)  # type: ignore[arg-type]
                else:
                    # rename the top entry to the destination name
                    top = members[0].name.split("/")[0] if members else ""
                    staging = tempfile.mkdtemp(dir=os.path.dirname(os.path.abspath(dest)) or ".")
                    try:
                        extract_plain(tmp, staging, preserve_owner=p.archive)  # type: ignore[arg-type]
                        src = os.path.join(staging, top)
                        if os.path.isdir(dest) and not os.path.islink(dest):
                            shutil.rmtree(dest)
                        os.replace(src, dest)
                    finally:
                        shutil.rmtree(staging, ignore_errors=True)
        return 0
    # host -> container
    assert dc is not None
    if spath == "-":
        fs.copy_to(svc, dc, dpath, 0)
        return 0
    if not os.path.lexists(spath):
        raise InvalidArgument(f"could not find the file {spath}: no such file or directory")
    kind = fs.stat_in(svc, dc, dpath)
    src_dir = os.path.isdir(spath) and not os.path.islink(spath)
    if kind == "dir":
        dest_dir, name = dpath, ("" if spath.endswith("/.") else os.path.basename(os.path.normpath(spath)))
    elif kind == "file":
        if src_dir:
            raise InvalidArgument("cannot copy a directory to a file")
        dest_dir, name = os.path.dirname(os.path.normpath(dpath)) or "/", os.path.basename(os.path.normpath(dpath))
    elif kind == "missing":
        if dpath.endswith("/") and not src_dir:
            raise InvalidArgument(f"destination directory {dpath} does not exist")
        dest_dir, name = os.path.dirname(os.path.normpath(dpath)) or "/", os.path.basename(os.path.normpath(dpath))
    else:
        raise InvalidArgument(f"no such directory: {os.path.dirname(dpath)}")
    buf = tempfile.TemporaryFile()  # noqa: SIM115
    with tarfile.open(fileobj=buf, mode="w:", format=tarfile.PAX_FORMAT) as tar:
        if spath.endswith("/.") and src_dir and kind == "dir":  # the contents, into the directory
            for entry in sorted(os.listdir(spath)):
                tar.add(os.path.join(spath, entry), arcname=entry)
        elif spath.endswith("/.") and src_dir:  # the contents, into a new directory named like dest
            tar.add(spath, arcname=name)
        else:
            tar.add(spath, arcname=name or os.path.basename(os.path.normpath(spath)))
    buf.seek(0)
    fs.copy_to(svc, dc, dest_dir, buf.fileno())
    buf.close()
    return 0
