"""``docker commit``: a container's writable layer becomes a new layer on top of its image.

The overlay upperdir is written as an OCI layer (whiteouts for deletions, opaque directories
marked), leaving out the empty mountpoint files dockyard itself creates for its bind mounts
(``/etc/hosts``, ``/etc/hostname``, ``/etc/resolv.conf``: docker keeps those in an "init layer"
that is never committed) and the directories that were copied up only to hold them.  The tar is
spooled to a temporary file, then stored and extracted like any other layer; the image gets the
container's config (``--change`` applied) and a history entry with the comment.

    image_id = commit_container(engine, "web", CommitOptions(tags=["app:2"], message="fix"))
"""

from __future__ import annotations

import copy
import os
import stat
import tempfile
from dataclasses import dataclass, field

from ..diff.compare import OPAQUE_WHITEOUT, WHITEOUT_PREFIX, is_opaque, is_whiteout
from ..diff.tarwriter import REGTYPE, Header, TarWriter, TreeEntry, walk_sorted
from .importer import apply_changes
from .store import now_rfc3339

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Sequence
    from typing import Any, BinaryIO

    from ..container.model import Container
    from ..engine import Engine

INIT_MOUNTPOINTS = ("etc/hosts", "etc/hostname", "etc/resolv.conf", "dev/console", "sbin/docker-init")
"""Files dockyard bind-mounts over; in the upperdir they are empty placeholders, not changes."""

CONFIG_KEYS = ("User", "ExposedPorts", "Env", "Cmd", "Entrypoint", "Volumes", "WorkingDir", "Labels",
               "OnBuild", "StopSignal", "Healthcheck", "Shell", "ArgsEscaped")
"""The container config keys an image config carries (docker's image ``config`` section)."""


@dataclass(frozen=True)
class CommitOptions:
    tags: Sequence[str] = ()
    message: str = ""
    author: str = ""
    changes: Sequence[str] = ()
    pause: bool = True


@dataclass
class CommitResult:
    image_id: str
    diff_id: str
    entries: int
    tags: list[str] = field(default_factory=list)


def _placeholders(upper: str) -> set[str]:
    """Relative paths of init mountpoints that are empty regular files in ``upper``."""
    out = set()
    for rel in INIT_MOUNTPOINTS:
        try:
            st = os.lstat(os.path.join(upper, rel))
        except OSError:
            continue
        if stat.S_ISREG(st.st_mode) and st.st_size == 0:
            out.add(rel)
    return out


def write_upper_layer(upper: str, out: BinaryIO, *, exclude: set[str] | frozenset[str] = frozenset()) -> int:
    """Write ``upper`` as an uncompressed OCI layer tar to ``out``, without the paths in ``exclude``
    (relative, no leading slash) and without directories that only held excluded paths.
    Returns the number of entries written."""
    entries = [e for e in walk_sorted(upper) if e.rel and e.rel not in exclude]
    has_child: set[str] = set()
    for e in entries:
        head = e.rel.rpartition("/")[0]
        while head and head not in has_child:
            has_child.add(head)
            head = head.rpartition("/")[0]
    excluded_parents = {p.rpartition("/")[0] for p in exclude}
    items: list[tuple[bytes, str, TreeEntry, str]] = []
    for e in entries:
        if (e.rel in excluded_parents and e.rel not in has_child and stat.S_ISDIR(e.st.st_mode)
                and not is_opaque(e.path)):
            continue
        if is_whiteout(e.st):
            head, _, base = e.rel.rpartition("/")
            name = (head + "/" if head else "") + WHITEOUT_PREFIX + base
            items.append((os.fsencode(name), name, e, "whiteout"))
            continue
        items.append((os.fsencode(e.rel), e.rel, e, "path"))
        if stat.S_ISDIR(e.st.st_mode) and is_opaque(e.path):
            name = e.rel + "/" + OPAQUE_WHITEOUT
            items.append((os.fsencode(name), name, e, "opaque"))
    items.sort(key=lambda i: i[0])
    tw = TarWriter(out)
    for _, name, e, kind in items:
        if kind == "path":
            tw.add_path(name, e.path, e.st)
        else:
            tw.add_header(Header(name=name, type=REGTYPE, mode=0o600 if kind == "whiteout" else 0o644,
                                 uid=e.st.st_uid, gid=e.st.st_gid, mtime=tw.mtime(e.st.st_mtime)))
    tw.close()
    return len(items)


def image_config_for(container: Container, base: dict[str, Any], opts: CommitOptions,
                     diff_id: str | None) -> dict[str, Any]:
    """The new image's config: the base image's, with the container's settings and one more layer."""
    cfg = container.config
    hostname = cfg.get("Hostname") or ""
    section: dict[str, Any] = {}
    for key in CONFIG_KEYS:
        value = cfg.get(key)
        if value is None:
            value = (base.get("config") or {}).get(key)
        if value not in (None, "", [], {}):
            section[key] = value
    section["Env"] = [e for e in section.get("Env") or [] if e != f"HOSTNAME={hostname}"]
    section = apply_changes(section, opts.changes)
    created = now_rfc3339()
    new = copy.deepcopy(base)
    for key in ("container", "container_config", "docker_version", "parent", "id"):
        new.pop(key, None)
    new["created"] = created
    new["config"] = section
    if opts.author:
        new["author"] = opts.author
    else:
        new.pop("author", None)
    history: dict[str, Any] = {"created": created, "created_by": " ".join(cfg.get("Cmd") or [])}
    if opts.author:
        history["author"] = opts.author
    if opts.message:
        history["comment"] = opts.message
    rootfs = dict(new.get("rootfs") or {"type": "layers"})
    diff_ids = list(rootfs.get("diff_ids") or [])
    if diff_id is None:
        history["empty_layer"] = True
    else:
        diff_ids.append(diff_id)
    rootfs["type"] = "layers"
    rootfs["diff_ids"] = diff_ids
    new["rootfs"] = rootfs
    new["history"] = list(new.get("history") or []) + [history]
    new.setdefault("architecture", "amd64")
    new.setdefault("os", "linux")
    return new


def commit_container(engine: Engine, ref: str, opts: CommitOptions = CommitOptions()) -> CommitResult:
    """Create an image from container ``ref``'s changes; pause it meanwhile if ``opts.pause`` and
    it is running.  Raises ContainerNotFound, InvalidArgument (bad ``--change``), and what the
    layer store raises; on error nothing new is visible."""
    from ..errors import InvalidArgument
    from ..reference import parse as parse_reference

    for t in opts.tags:
        if parse_reference(t).digest:
            raise InvalidArgument(f"refusing to create a tag with a digest reference: {t}")
    apply_changes({}, opts.changes)  # validate before any work
    svc = engine.containers
    c = svc.get(ref)
    paused = False
    if opts.pause and c.status == "running":
        svc.pause(c.id)
        paused = True
    try:
        return _commit(engine, c, opts)
    finally:
        if paused:
            svc.unpause(c.id)


def _commit(engine: Engine, c: Container, opts: CommitOptions) -> CommitResult:
    images = engine.images
    base = images.open(c.image_id)
    base_config = base.config()
    upper = os.path.join(engine.store.container_dir(c.id), "upper")
    layer_recs = [images.layers.get(ch) for ch in base.chain_ids]
    with tempfile.TemporaryFile(dir=engine.store.root, prefix=".commit-") as spool:
        entries = write_upper_layer(upper, spool, exclude=_placeholders(upper))  # type: ignore[arg-type]
        diff_id: str | None = None
        if entries:
            spool.seek(0)
            parent = base.chain_ids[-1] if base.chain_ids else ""
            rec = images.layers.create_from_tar(parent, spool)  # type: ignore[arg-type]
            layer_recs.append(rec)
            diff_id = rec.diff_id
    config = image_config_for(c, base_config, opts, diff_id)
    image_id = images.put_image(config, layer_recs, list(opts.tags))
    return CommitResult(image_id, diff_id or "", entries, list(opts.tags))


__all__ = ["CommitOptions", "CommitResult", "commit_container", "image_config_for", "write_upper_layer"]
