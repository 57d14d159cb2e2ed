"""Image verbs: images, history, tag, rmi, image prune, import, bootstrap."""

from __future__ import annotations

import sys

from ... import reference as _ref
from ...errors import DockyardError, InvalidArgument
from ..flags import Parsed
from ..main import Context
from ..output import render, since, size

IMAGES_TABLE = "table {{.Repository}}\t{{.Tag}}\t{{.ID}}\t{{.CreatedSince}}\t{{.Size}}"
IMAGES_HEADERS = {"Repository": "REPOSITORY", "Tag": "TAG", "ID": "IMAGE ID", "CreatedSince": "CREATED",
                  "CreatedAt": "CREATED AT", "Size": "SIZE", "Digest": "DIGEST", "Containers": "CONTAINERS",
                  "VirtualSize": "VIRTUAL SIZE", "SharedSize": "SHARED SIZE", "UniqueSize": "UNIQUE SIZE"}


def _split_tag(familiar: str) -> tuple[str, str]:
    name, _, tag = familiar.rpartition(":")
    if "/" in tag or not name:
        return familiar, "<none>"
    return name, tag


def cmd_images(ctx: Context, p: Parsed) -> int:
    filters = []
    for f in p.filter:
        k, eq, v = f.partition("=")
        if not eq:
            raise InvalidArgument(f"invalid filter '{f}'")
        filters.append((k, v))
    rows = []
    for rec, names in ctx.engine.images.listing(filters, p.args[0] if p.args else None):
        for n in names:
            repo, tag = (n[: -len(":<none>")], "<none>") if n.endswith(":<none>") else _split_tag(n)
            digest = "<none>"
            for d in rec.repo_digests:
                if d.split("@")[0] == repo:
                    digest = d.split("@")[1]
            rows.append({
                "Repository": repo, "Tag": tag, "ID": rec.id if p.no_trunc else rec.id[7:19],
                "CreatedSince": since(rec.created) + " ago", "CreatedAt": rec.created,
                "Size": size(rec.size), "Digest": digest, "Containers": "N/A", "VirtualSize": size(rec.size),
                "SharedSize": "N/A", "UniqueSize": "N/A",
            })
    if p.quiet:
        seen = []
        for r in rows:
            if r["ID"] not in seen:
                seen.append(r["ID"])
        print("\n".join(seen)) if seen else None
        return 0
    table = IMAGES_TABLE.replace("{{.ID}}", "{{.Digest}}\t{{.ID}}") if p.digests else IMAGES_TABLE
    render(p.format, rows, table, IMAGES_HEADERS)
    return 0


HISTORY_TABLE = "table {{.ID}}\t{{.CreatedSince}}\t{{.CreatedBy}}\t{{.Size}}\t{{.Comment}}"
HISTORY_HEADERS = {"ID": "IMAGE", "CreatedSince": "CREATED", "CreatedAt": "CREATED AT", "CreatedBy": "CREATED BY",
                   "Size": "SIZE", "Comment": "COMMENT"}


def cmd_history(ctx: Context, p: Parsed) -> int:
    image_id, entries = ctx.engine.images.history(p.args[0])
    rows = []
    for i, h in enumerate(entries):
        created_by = h.created_by
        if not p.no_trunc and len(created_by) > 45:
            created_by = created_by[:44] + "…"
        rows.append({
            "ID": (image_id if p.no_trunc else image_id[7:19]) if i == 0 else "<missing>",
            "CreatedSince": (since(h.created) + " ago") if p.human else h.created,
            "CreatedAt": h.created, "CreatedBy": created_by,
            "Size": size(h.size) if p.human else str(h.size), "Comment": h.comment,
        })
    if p.quiet:
        for r in rows:
            print(r["ID"])
        return 0
    render(p.format, rows, HISTORY_TABLE, HISTORY_HEADERS)
    return 0


def cmd_tag(ctx: Context, p: Parsed) -> int:
    ctx.engine.images.tag(p.args[0], p.args[1])
    return 0


def cmd_rmi(ctx: Context, p: Parsed) -> int:
    code = 0
    for ref in p.args:
        try:
            for kind, what in ctx.engine.images.remove(ref, force=p.force, prune=not p.no_prune):
                print(f"{kind}: {what}")
        except DockyardError as e:
            ctx.err(f"dockyard: {e}")
            code = 1
    return code


def cmd_prune(ctx: Context, p: Parsed) -> int:
    from ...snapshot.lookup import disk_usage
    before = disk_usage(ctx.engine.root)
    out = ctx.engine.images.prune(all_unused=p.all)
    if out:
        print("Deleted Images:")
        for kind, what in out:
            print(f"{kind.lower()}: {what}")
        print()
    from ..output import size as _size
    print(f"Total reclaimed space: {_size(max(0, before - disk_usage(ctx.engine.root)))}")
    return 0


def cmd_import(ctx: Context, p: Parsed) -> int:
    from ...image.importer import apply_changes, import_tarball
    src = p.args[0]
    tags = [p.args[1]] if len(p.args) > 1 else []
    for t in tags:
        _ref.parse(t)
    apply_changes({}, p.change)
    if src.startswith(("http://", "https://")):
        raise InvalidArgument(f"importing from a URL is not supported without network access: {src}")
    if src == "-":
        image_id = import_tarball(ctx.engine.images, sys.stdin.buffer, tags=tags, changes=p.change,
                                  message=p.message or "", source="-")
    else:
        try:
            f = open(src, "rb")  # noqa: SIM115
        except OSError as e:
            raise InvalidArgument(f"open {src}: {(e.strerror or str(e)).lower()}") from None
        with f:
            image_id = import_tarball(ctx.engine.images, f, tags=tags, changes=p.change,
                                      message=p.message or "", source=src)
    print(image_id)
    return 0


def cmd_bootstrap(ctx: Context, p: Parsed) -> int:
    from ...image.importer import bootstrap_busybox, bootstrap_debian
    kind = p.args[0]
    tag = p.args[1] if len(p.args) > 1 else None
    if kind == "busybox":
        image_id = bootstrap_busybox(ctx.engine.images, tag or "busybox:latest")
    elif kind == "debian":
        image_id = bootstrap_debian(ctx.engine.images, tag or f"debian:{p.suite}", suite=p.suite,
                                    mirror=p.mirror)
    else:
        raise InvalidArgument(f"unknown base image '{kind}': choose busybox or debian")
    print(image_id)
    return 0

