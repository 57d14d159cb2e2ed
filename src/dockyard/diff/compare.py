"""Directories -> tars and change lists: the writable layer of a container as an OCI layer,
``docker diff`` output, and plain tars of a tree for ``export`` / ``cp``.

The overlay upperdir is read as overlayfs writes it (mounted with ``redirect_dir=off`` and
``metacopy=off``, which dockyard's snapshotter uses): a 0/0 character device is a whiteout and a
directory with the xattr ``trusted.overlay.opaque=y`` (or ``user.overlay.opaque`` for
``userxattr`` mounts) is opaque.  Lower layers are directories in the same overlay form, listed
top-most first, as in overlay's ``lowerdir=``.
"""

from __future__ import annotations

import os
import stat
from dataclasses import dataclass
from typing import BinaryIO

from .compression import Algo, HashingWriter, open_compressed_writer
from .tarwriter import REGTYPE, Header, TarWriter, TreeEntry, iter_tree, walk_sorted

WHITEOUT_PREFIX = ".wh."
OPAQUE_WHITEOUT = ".wh..wh..opq"
_OPAQUE_XATTRS = ("trusted.overlay.opaque", "user.overlay.opaque")


@dataclass(frozen=True)
class LayerInfo:
    """What was written: ``diff_id``/``size`` of the tar; ``digest``/``compressed_size`` of the
    bytes written to ``out`` (the same as the tar's when ``compression="none"``)."""

    diff_id: str
    size: int
    digest: str
    compressed_size: int
    entries: int


def is_whiteout(st: os.stat_result) -> bool:
    """An overlayfs whiteout: a character device with device number 0/0."""
    return stat.S_ISCHR(st.st_mode) and st.st_rdev == 0


def is_opaque(path: str) -> bool:
    for name in _OPAQUE_XATTRS:
        try:
            if os.getxattr(path, name, follow_symlinks=False) == b"y":
                return True
        except OSError:
            continue
    return False


class _LayerSink:
    """out <- [compressor] <- tar hasher <- TarWriter, all in one pass."""

    def __init__(self, out: BinaryIO, compression: Algo, level: int | None, clamp_mtime: int | None,
                 owner: tuple[int, int] | None = None):
        self.outer = HashingWriter(out)
        self.comp = open_compressed_writer(self.outer, compression, level)  # type: ignore[arg-type]
        self.inner = HashingWriter(self.comp)
        self.tar = TarWriter(self.inner, clamp_mtime=clamp_mtime, owner=owner)  # type: ignore[arg-type]

    def finish(self) -> LayerInfo:
        self.tar.close()
        self.comp.close()
        return LayerInfo(diff_id=self.inner.digest, size=self.inner.size, digest=self.outer.digest,
                         compressed_size=self.outer.size, entries=self.tar.entries)


def _sort_key(name: str) -> bytes:
    return os.fsencode(name.rstrip("/"))


def write_layer_from_upper(upper: str, out: BinaryIO, *, clamp_mtime: int | None = None,
                           compression: Algo = "none", level: int | None = None) -> LayerInfo:
    """Write the overlay upperdir ``upper`` to ``out`` as an OCI layer tar (deterministic).

    Whiteouts become empty ``.wh.<name>`` files; an opaque directory is written as the directory
    plus a ``<dir>/.wh..wh..opq`` entry.  ``compression`` compresses on the fly; the result carries
    both the tar's diff_id and the digest of the bytes written.
    """
    items: list[tuple[bytes, str, TreeEntry, str]] = []  # (sort key, arcname, entry, kind)
    for e in walk_sorted(upper):
        if not e.rel:
            continue
        if is_whiteout(e.st):
            head, _, base = e.rel.rpartition("/")
            name = (head + "/" if head else "") + WHITEOUT_PREFIX + base
            items.append((_sort_key(name), name, e, "whiteout"))
            continue
        items.append((_sort_key(e.rel), e.rel, e, "path"))
        if stat.S_ISDIR(e.st.st_mode) and is_opaque(e.path):
            name = e.rel + "/" + OPAQUE_WHITEOUT
            items.append((_sort_key(name), name, e, "opaque"))
    items.sort(key=lambda i: i[0])
    sink = _LayerSink(out, compression, level, clamp_mtime)
    tw = sink.tar
    for _, name, e, kind in items:
        if kind == "path":
            tw.add_path(name, e.path, e.st)
        else:
            tw.add_header(Header(name=name, type=REGTYPE, mode=0o600 if kind == "whiteout" else 0o644,
                                 uid=e.st.st_uid, gid=e.st.st_gid, mtime=tw.mtime(e.st.st_mtime)))
    return sink.finish()


def write_tar_of_tree(root: str, out: BinaryIO, *, prefix: str = "", clamp_mtime: int | None = None,
                      compression: Algo = "none", level: int | None = None,
                      owner: tuple[int, int] | None = None) -> LayerInfo:
    """Write the tree at ``root`` as a tar (for ``export`` and ``cp``), deterministic, symlinks
    stored as links and never followed, no whiteout interpretation.

    Entries are named ``<prefix>/<relative path>``; with a prefix the root itself is written as
    ``<prefix>/``.  If ``root`` is not a directory, a single entry named ``prefix`` (or the base
    name of ``root``) is written.  ``owner`` = (uid, gid) replaces every entry's owner
    (``COPY --chown``); ``clamp_mtime`` is SOURCE_DATE_EPOCH.
    """
    sink = _LayerSink(out, compression, level, clamp_mtime, owner)
    st = os.lstat(root)
    if not stat.S_ISDIR(st.st_mode):
        sink.tar.add_path(prefix.strip("/") or os.path.basename(root), root, st)
        return sink.finish()
    for name, e in iter_tree(root, prefix):
        sink.tar.add_path(name, e.path, e.st)
    return sink.finish()


def _lower_state(rel: str, lowers: list[str]) -> bool:
    """Whether ``rel`` exists in the union of ``lowers`` (top-most first, overlay form)."""
    parts = rel.split("/")
    for lower in lowers:
        cur = lower
        stop = False  # an opaque directory or whiteout on the way hides the layers below
        for i, part in enumerate(parts):
            cur = os.path.join(cur, part)
            try:
                st = os.lstat(cur)
            except FileNotFoundError:
                break
            except NotADirectoryError:
                stop = True  # a non-directory hides everything below it in deeper layers
                break
            if is_whiteout(st):
                return False
            if i == len(parts) - 1:
                return True
            if not stat.S_ISDIR(st.st_mode):
                stop = True
                break
            if is_opaque(cur):
                stop = True
        if stop:
            return False
    return False


def changes(upper: str, lowers: list[str]) -> list[tuple[str, str]]:
    """``docker diff``: ("A" | "C" | "D", "/path") for every path in ``upper``, sorted by path.

    A whiteout is "D"; a path that also exists in the lowers (``lowers`` top-most first) is "C",
    including the directories that were copied up because something inside them changed;
    everything else is "A".
    """
    out: list[tuple[str, str]] = []
    added_dirs: set[str] = set()
    for e in walk_sorted(upper):
        if not e.rel:
            continue
        parent = e.rel.rpartition("/")[0]
        if is_whiteout(e.st):
            out.append(("D", "/" + e.rel))
            continue
        if parent in added_dirs or not _lower_state(e.rel, lowers):
            out.append(("A", "/" + e.rel))
            if stat.S_ISDIR(e.st.st_mode):
                added_dirs.add(e.rel)
        else:
            out.append(("C", "/" + e.rel))
    out.sort(key=lambda c: os.fsencode(c[1]))
    return out
