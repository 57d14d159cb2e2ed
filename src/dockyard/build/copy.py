"""COPY / ADD: files from the context or another stage's filesystem, written straight into a
staging directory that then becomes a layer (no container involved).

Docker's rules: a relative destination is under WORKDIR; a destination ending in ``/``, several
sources or a wildcard make it a directory; a directory source copies its *contents*; a single file
onto an existing directory goes inside it.  Files keep their mode and mtime; owners become 0:0 from
the context (kept from another stage) unless ``--chown``; ``--chmod`` sets every copied entry's mode.
Parent directories that already exist below are recreated with their metadata (overlay merges
them); new ones are 0755.
"""

from __future__ import annotations

import os
import shutil
import stat
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

from ..diff.compare import is_opaque, is_whiteout

COPY_THREADS = 8


@dataclass(frozen=True)
class Item:
    """One thing to write: ``src`` (a path, or None for inline ``data``) at ``dest`` (absolute)."""

    dest: str
    src: str | None
    st: os.stat_result | None
    data: bytes | None = None


def merged_lstat(lowers: list[str], path: str) -> os.stat_result | None:
    """``path`` as an overlay of ``lowers`` (top first) shows it, approximately: the topmost entry
    wins, a whiteout hides it, an opaque parent or a non-directory parent stops the search."""
    rel = path.strip("/")
    if not rel:
        return os.lstat(lowers[0]) if lowers else None
    parts = rel.split("/")
    for lower in lowers:
        cur = lower
        blocked = False
        for i, part in enumerate(parts):
            cur = os.path.join(cur, part)
            try:
                st = os.lstat(cur)
            except (FileNotFoundError, NotADirectoryError):
                break
            if is_whiteout(st):
                return None
            if i == len(parts) - 1:
                return st
            if not stat.S_ISDIR(st.st_mode):
                return None
            if is_opaque(cur):
                blocked = True
        if blocked:
            return None
    return None


def parse_chmod(text: str) -> int:
    from ..errors import InvalidArgument
    try:
        mode = int(text, 8)
    except ValueError:
        raise InvalidArgument(f"invalid chmod parameter: {text!r} (use an octal mode such as 0755)") from None
    if not 0 <= mode <= 0o7777:
        raise InvalidArgument(f"invalid chmod parameter: {text!r}")
    return mode


def ensure_parents(staging: str, lowers: list[str], path: str, *, owner: tuple[int, int],
                   mtime: float) -> None:
    """Create the parents of ``path`` (absolute in the image) in ``staging``."""
    parts = path.strip("/").split("/")[:-1]
    cur = ""
    for part in parts:
        cur = f"{cur}/{part}"
        target = staging + cur
        if os.path.lexists(target):
            continue
        below = merged_lstat(lowers, cur)
        if below is not None and stat.S_ISDIR(below.st_mode):
            os.mkdir(target)
            os.chmod(target, stat.S_IMODE(below.st_mode))
            os.lchown(target, below.st_uid, below.st_gid)
            os.utime(target, ns=(below.st_mtime_ns, below.st_mtime_ns))
        else:
            os.mkdir(target)
            os.chmod(target, 0o755)
            os.lchown(target, *owner)
            os.utime(target, (mtime, mtime))


#: (item, mode, uid, gid) -> a file of an earlier layer with exactly that content and metadata
Reuse = Callable[[Item, int, int, int], "str | None"]


def write_items(staging: str, lowers: list[str], items: list[Item], *, owner: tuple[int, int] | None,
                chmod: int | None, dir_mtime: float, reuse: Reuse | None = None) -> None:
    """Write ``items`` into ``staging``; ``owner`` None keeps each source's owner.

    ``reuse`` may name an identical file in an earlier (immutable) layer: it is hard-linked instead
    of copied, which on most disks is much cheaper than creating a new inode.
    """
    dirs: list[tuple[str, os.stat_result | None]] = []
    files: list[tuple[str, str, int, int, int, int, str | None]] = []
    ready: set[str] = set()  # directories known to exist in staging
    for it in items:
        target = staging + it.dest
        parent = it.dest.rstrip("/").rpartition("/")[0]
        if parent not in ready:
            ensure_parents(staging, lowers, it.dest, owner=owner or (0, 0), mtime=dir_mtime)
            ready.add(parent)
        st = it.st
        uid, gid = owner if owner is not None else ((st.st_uid, st.st_gid) if st else (0, 0))
        if it.data is not None:
            _replace(target)
            with open(target, "wb") as f:
                f.write(it.data)
            os.chmod(target, chmod if chmod is not None else 0o644)
            os.lchown(target, uid, gid)
            os.utime(target, (dir_mtime, dir_mtime))
            continue
        assert st is not None and it.src is not None
        mode = stat.S_IMODE(st.st_mode) if chmod is None else chmod
        if stat.S_ISDIR(st.st_mode):
            if os.path.lexists(target) and not os.path.isdir(target):
                _replace(target)
            if not os.path.isdir(target):
                os.mkdir(target)
            os.chmod(target, mode)
            os.lchown(target, uid, gid)
            dirs.append((target, st))
            ready.add(it.dest.rstrip("/"))
        elif stat.S_ISREG(st.st_mode):
            _replace(target)
            files.append((it.src, target, mode, uid, gid, st.st_mtime_ns,
                          reuse(it, mode, uid, gid) if reuse is not None else None))
        elif stat.S_ISLNK(st.st_mode):
            _replace(target)
            os.symlink(os.readlink(it.src), target)
            os.lchown(target, uid, gid)
            os.utime(target, ns=(st.st_mtime_ns, st.st_mtime_ns), follow_symlinks=False)
        # sockets, fifos and devices in a context are skipped, as docker does for sockets
    if len(files) > 32:
        # creating inodes is latency-bound on many disks: overlap it
        with ThreadPoolExecutor(COPY_THREADS) as pool:
            for _ in pool.map(lambda job: _copy_file(*job), files):
                pass
    else:
        for job in files:
            _copy_file(*job)
    for target, dst in reversed(dirs):
        if dst is not None:
            os.utime(target, ns=(dst.st_mtime_ns, dst.st_mtime_ns))


def _copy_file(src: str, target: str, mode: int, uid: int, gid: int, mtime_ns: int,
               link_from: str | None = None) -> None:
    if link_from is not None:
        try:
            os.link(link_from, target)
            return
        except OSError:
            pass
    shutil.copyfile(src, target, follow_symlinks=False)
    os.chmod(target, mode)
    os.lchown(target, uid, gid)
    os.utime(target, ns=(mtime_ns, mtime_ns))


def _replace(target: str) -> None:
    if os.path.isdir(target) and not os.path.islink(target):
        shutil.rmtree(target)
    elif os.path.lexists(target):
        os.unlink(target)


def plan_items(root: str, matched: list[str], dest: str, *, dest_is_dir: bool,
               walk: Callable[[str], list[str]], stat_of: Callable[[str], os.stat_result],
               alias: dict[str, str] | None = None) -> list[Item]:
    """Items for sources ``matched`` (paths relative to ``root``; "" = the root itself).

    ``alias`` maps a source that was reached through a symlink to the link's path, whose name
    the copy takes."""
    items: list[Item] = []
    for rel in matched:
        st = stat_of(rel)
        src = os.path.join(root, rel) if rel else root
        if stat.S_ISDIR(st.st_mode):
            base = dest.rstrip("/") or "/"
            for sub in walk(rel):
                inner = sub[len(rel):].lstrip("/") if rel else sub
                path = base if not inner else (base.rstrip("/") + "/" + inner)
                if path == "/":
                    continue
                items.append(Item(path, os.path.join(root, sub) if sub else root, stat_of(sub)))
        else:
            name = os.path.basename((alias or {}).get(rel, rel))
            path = (dest.rstrip("/") + "/" + name) if dest_is_dir else dest
            items.append(Item(path, src, st))
    return items


def tree_walker(root: str) -> tuple[Callable[[str], list[str]], Callable[[str], os.stat_result]]:
    """walk/stat callbacks over a plain directory (another stage's filesystem)."""

    def walk(rel: str) -> list[str]:
        out = [rel]
        base = os.path.join(root, rel) if rel else root
        for dirpath, dirnames, filenames in os.walk(base):
            dirnames.sort()
            r = os.path.relpath(dirpath, root)
            r = "" if r == "." else r
            for n in sorted(dirnames + filenames):
                out.append(f"{r}/{n}" if r else n)
        return sorted(set(out))

    def stat_of(rel: str) -> os.stat_result:
        return os.lstat(os.path.join(root, rel) if rel else root)

    return walk, stat_of
