"""Tars -> directories, safely: OCI layers into an empty layer directory, and plain tars into an
existing tree (``docker cp``).

Both read the stream in a single pass (gzip / zstd / plain, detected by magic bytes) and refuse,
with ``InvalidArgument`` naming the entry, anything that could write outside the destination or
that a layer may not carry: absolute names, ``..`` escaping the root, entries whose parent is a
symlink (including one created earlier in the same tar), hardlinks to anything but an earlier
regular-file entry, relative symlinks climbing above the root, device nodes, NUL in names,
truncated or corrupt archives.  After a refusal the destination holds a partial, unusable tree:
the caller extracts into a staging directory and deletes it on error.

``apply_layer`` (empty destination) trusts its own bookkeeping: every path it creates is recorded
in a dict (path -> kind), so parents are checked without a syscall and never followed.
``extract_plain`` (existing tree, possibly a running container's) trusts nothing on disk: it walks
each parent with ``openat(O_NOFOLLOW | O_DIRECTORY)`` from the destination's file descriptor and
creates entries relative to the parent's descriptor, so a symlink already in the tree (or swapped
in concurrently) is refused, never followed.
"""

from __future__ import annotations

import errno
import os
import stat
from dataclasses import dataclass
from typing import BinaryIO, Literal

from ..errors import DockyardError, FailedPrecondition, InvalidArgument
from ._entries import check_symlink_target, clean_name, xattrs_of
from ._tarreader import Member, TarReader
from .compression import Algo, HashingReader, open_decompressed_reader

WHITEOUT_PREFIX = ".wh."
OPAQUE_WHITEOUT = ".wh..wh..opq"
OPAQUE_XATTR = "trusted.overlay.opaque"
_CHUNK = 1 << 20

_DIR, _FILE, _LINK, _OTHER = "d", "f", "l", "o"


@dataclass(frozen=True)
class ApplyResult:
    """``diff_id``/``size``: sha256 and length of the uncompressed tar; ``digest``/
    ``compressed_size``: of the bytes read from the stream; ``unpacked_size``: bytes of file
    content written."""

    diff_id: str
    size: int
    digest: str
    compressed_size: int
    unpacked_size: int
    entries: int


@dataclass(frozen=True)
class _Meta:
    mode: int
    uid: int
    gid: int
    mtime_ns: int
    xattrs: dict[str, bytes]


_MAX_ID = 2**32 - 2  # (uid_t)-1 means "unchanged" to chown
_MAX_NS = 2**63 - 1


def _meta(m: Member) -> _Meta:
    if not (0 <= m.uid <= _MAX_ID and 0 <= m.gid <= _MAX_ID):
        raise InvalidArgument(f"tar entry {m.name!r}: uid/gid out of range ({m.uid}:{m.gid})")
    try:
        mtime_ns = int(m.mtime * 1_000_000_000)
    except (OverflowError, ValueError) as err:  # inf / nan from a PAX record
        raise InvalidArgument(f"tar entry {m.name!r}: invalid mtime") from err
    mtime_ns = max(-_MAX_NS, min(mtime_ns, _MAX_NS))
    return _Meta(mode=m.mode & 0o7777, uid=m.uid, gid=m.gid, mtime_ns=mtime_ns, xattrs=xattrs_of(m.name, m.pax))


def _copy_data(tr: TarReader, m: Member, fd: int) -> int:
    written = 0
    for buf in tr.data(m):
        view = memoryview(buf)
        while view:
            n = os.write(fd, view)
            view = view[n:]
        written += len(buf)
    return written


def _set_xattrs(target: int | str, xattrs: dict[str, bytes], *, tolerant: bool) -> None:
    """Set ``xattrs``; like docker, a filesystem that does not support one (ENOTSUP) or refuses
    it (EPERM: trusted.* without CAP_SYS_ADMIN) is tolerated, other failures are not."""
    for name, value in xattrs.items():
        try:
            if isinstance(target, int):
                os.setxattr(target, name, value)
            else:
                os.setxattr(target, name, value, follow_symlinks=False)
        except OSError as err:
            if not tolerant and err.errno not in (errno.ENOTSUP, errno.EPERM):
                raise FailedPrecondition(f"cannot set xattr {name} on {target}: {err}") from err


class _Run:
    """Shared plumbing: hash the compressed bytes, decompress, hash the tar, iterate members."""

    def __init__(self, stream: BinaryIO, compression: Algo | Literal["auto"]) -> None:
        self.outer = HashingReader(stream)
        self.inner = HashingReader(open_decompressed_reader(self.outer, compression))  # type: ignore[arg-type]
        self.reader = TarReader(self.inner)  # type: ignore[arg-type]

    def finish(self, unpacked: int, entries: int) -> ApplyResult:
        self.inner.drain()
        self.outer.drain()
        return ApplyResult(diff_id=self.inner.digest, size=self.inner.size, digest=self.outer.digest,
                           compressed_size=self.outer.size, unpacked_size=unpacked, entries=entries)


class _LayerExtractor:
    def __init__(self, dest: str) -> None:
        self.root = os.path.abspath(dest)
        self.kinds: dict[str, str] = {"": _DIR}  # every path created so far -> its kind
        self.children: dict[str, set[str]] = {}  # directory -> paths recorded directly in it
        self.dirs: dict[str, _Meta] = {}
        self.chown = os.geteuid() == 0
        self.unpacked = 0

    def path(self, rel: str) -> str:
        return self.root + "/" + rel if rel else self.root

    def ensure_parent(self, parent: str, entry: str) -> None:
        """Make sure ``parent`` is a directory this extraction created (creating missing ones,
        mode 0755, as docker does); a symlink or non-directory on the way is refused."""
        if self.kinds.get(parent) == _DIR:  # fast path: its ancestors were checked when it was made
            return
        missing: list[str] = []
        cur = parent
        while True:
            kind = self.kinds.get(cur)
            if kind == _DIR:
                break
            if kind == _LINK:
                raise InvalidArgument(f"tar entry {entry!r}: parent {cur!r} is a symlink")
            if kind is not None:
                raise InvalidArgument(f"tar entry {entry!r}: parent {cur!r} is not a directory")
            missing.append(cur)
            cur = cur.rpartition("/")[0]
        for rel in reversed(missing):
            os.mkdir(self.path(rel), 0o755)
            self.record(rel, _DIR)

    def record(self, rel: str, kind: str) -> None:
        if rel not in self.kinds:
            self.children.setdefault(rel.rpartition("/")[0], set()).add(rel)
        self.kinds[rel] = kind

    def remove(self, rel: str) -> None:
        """Remove ``rel`` and everything under it, from disk and from the bookkeeping; the cost
        is the size of that subtree (a hostile tar cannot make replacements quadratic)."""
        order = [rel]
        i = 0
        while i < len(order):
            order.extend(self.children.pop(order[i], ()))
            i += 1
        for r in reversed(order):
            kind = self.kinds.pop(r)
            self.dirs.pop(r, None)
            if kind == _DIR:
                os.rmdir(self.path(r))
            else:
                os.unlink(self.path(r))
        siblings = self.children.get(rel.rpartition("/")[0])
        if siblings is not None:
            siblings.discard(rel)

    def add(self, tr: TarReader, m: Member) -> None:
        rel = clean_name(m.name)
        if not rel:
            if not m.isdir():
                raise InvalidArgument(f"tar entry {m.name!r}: the root must be a directory")
            self.dirs[""] = _meta(m)
            return
        parent, _, base = rel.rpartition("/")
        self.ensure_parent(parent, m.name)
        if base.startswith(WHITEOUT_PREFIX):
            self.whiteout(m, parent, base)
            return
        if m.ischr() or m.isblk():
            raise InvalidArgument(f"tar entry {m.name!r}: device nodes are not allowed in layers")
        existing = self.kinds.get(rel)
        if existing is not None:
            if existing == _DIR and m.isdir():
                self.dirs[rel] = _meta(m)
                return
            self.remove(rel)
        path = self.path(rel)
        if m.isdir():
            os.mkdir(path, 0o700)
            self.record(rel, _DIR)
            self.dirs[rel] = _meta(m)
        elif m.isreg():
            self.regular(tr, m, path)
            self.record(rel, _FILE)
        elif m.issym():
            check_symlink_target(rel, m.linkname)
            os.symlink(m.linkname, path)
            self.record(rel, _LINK)
            meta = _meta(m)
            if self.chown:
                os.chown(path, meta.uid, meta.gid, follow_symlinks=False)
            _set_xattrs(path, meta.xattrs, tolerant=True)
            os.utime(path, ns=(meta.mtime_ns, meta.mtime_ns), follow_symlinks=False)
        elif m.islnk():
            target = clean_name(m.linkname, "hardlink target")
            if self.kinds.get(target) != _FILE:
                raise InvalidArgument(
                    f"tar entry {m.name!r}: hardlink target {m.linkname!r} is not an earlier regular file")
            os.link(self.path(target), path, follow_symlinks=False)
            self.record(rel, _FILE)
        elif m.isfifo():
            meta = _meta(m)
            os.mkfifo(path, 0o600)
            self.record(rel, _OTHER)
            self.finish_node(path, meta)
        else:
            raise InvalidArgument(f"tar entry {m.name!r}: unsupported entry type {m.type!r}")

    def finish_node(self, path: str, meta: _Meta) -> None:
        if self.chown:
            os.chown(path, meta.uid, meta.gid, follow_symlinks=False)
        _set_xattrs(path, meta.xattrs, tolerant=False)
        os.chmod(path, meta.mode)
        os.utime(path, ns=(meta.mtime_ns, meta.mtime_ns), follow_symlinks=False)

    def regular(self, tr: TarReader, m: Member, path: str) -> None:
        meta = _meta(m)
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW | os.O_CLOEXEC, 0o600)
        try:
            if m.size:
                self.unpacked += _copy_data(tr, m, fd)
            if self.chown:
                os.fchown(fd, meta.uid, meta.gid)  # before caps and mode: chown clears both
            _set_xattrs(fd, meta.xattrs, tolerant=False)
            os.fchmod(fd, meta.mode)
            os.utime(fd, ns=(meta.mtime_ns, meta.mtime_ns))
        finally:
            os.close(fd)

    def whiteout(self, m: Member, parent: str, base: str) -> None:
        if base == OPAQUE_WHITEOUT:
            os.setxattr(self.path(parent), OPAQUE_XATTR, b"y")
            return
        if base.startswith(WHITEOUT_PREFIX * 2):
            return  # aufs metadata (.wh..wh.plnk, .wh..wh.aufs): meaningless here, as in docker
        name = base[len(WHITEOUT_PREFIX):]
        if name in ("", ".", ".."):
            raise InvalidArgument(f"tar entry {m.name!r}: invalid whiteout")
        rel = parent + "/" + name if parent else name
        if rel in self.kinds:
            self.remove(rel)
        path = self.path(rel)
        os.mknod(path, stat.S_IFCHR | 0o600, os.makedev(0, 0))
        self.record(rel, _OTHER)
        if self.chown:
            os.chown(path, m.uid, m.gid, follow_symlinks=False)

    def finish(self) -> None:
        """Directory metadata last (deepest first), so writing children did not disturb it."""
        for rel in sorted(self.dirs, key=lambda r: r.count("/") + (1 if r else 0), reverse=True):
            meta = self.dirs[rel]
            self.finish_node(self.path(rel), meta)


def apply_layer(stream: BinaryIO, dest: str, *, compression: Algo | Literal["auto"] = "auto") -> ApplyResult:
    """Extract the OCI layer tar read from ``stream`` into the empty directory ``dest`` (created if
    missing), converting whiteouts to overlayfs form: ``.wh.x`` -> a 0/0 character device ``x``,
    ``.wh..wh..opq`` -> ``trusted.overlay.opaque=y`` on its directory.

    Modes (setuid, sticky), owners (when running as root), mtimes, symlinks, hardlinks, fifos and
    xattrs (``security.capability`` included, overlayfs' own skipped) are preserved.  Raises
    ``InvalidArgument`` for unsafe or corrupt input (see the module docstring) and
    ``FailedPrecondition`` for filesystem failures; ``dest`` is then unusable and must be deleted.
    """
    os.makedirs(dest, exist_ok=True)
    if os.listdir(dest):
        raise InvalidArgument(f"apply_layer: destination {dest!r} is not empty")
    run = _Run(stream, compression)
    ex = _LayerExtractor(dest)
    entries = 0
    try:
        for m in run.reader:
            ex.add(run.reader, m)
            entries += 1
        result = run.finish(ex.unpacked, entries)
        ex.finish()
    except DockyardError:
        raise
    except OSError as err:
        raise FailedPrecondition(f"applying layer into {dest}: {err}") from err
    return result


# --- plain extraction into an existing tree (docker cp) ---------------------------------------

_O_DIR = os.O_RDONLY | os.O_DIRECTORY | os.O_NOFOLLOW | os.O_CLOEXEC


class _PlainExtractor:
    def __init__(self, dest: str, preserve_owner: bool) -> None:
        self.root_fd = os.open(dest, os.O_RDONLY | os.O_DIRECTORY | os.O_CLOEXEC)
        self.fds: dict[str, int] = {}  # directory -> descriptor, reached without following links
        self.temp: list[int] = []
        self.files: set[str] = set()
        self.dirs: dict[str, _Meta] = {}
        self.chown = preserve_owner and os.geteuid() == 0
        self.unpacked = 0

    _CACHE = 256

    def release(self) -> None:
        """Close the descriptors opened for one entry that the cache did not keep."""
        for fd in self.temp:
            os.close(fd)
        self.temp.clear()
        if len(self.fds) >= self._CACHE:
            for fd in self.fds.values():
                os.close(fd)
            self.fds.clear()

    def close(self) -> None:
        self.release()
        for fd in self.fds.values():
            os.close(fd)
        self.fds.clear()
        os.close(self.root_fd)

    def dir_fd(self, rel: str, entry: str, create: bool = True) -> int:
        """A descriptor of directory ``rel``, reached component by component from ``dest`` with
        O_NOFOLLOW, so no symlink is ever followed (valid until ``release()``)."""
        base = rel
        while base and base not in self.fds:
            base = base.rpartition("/")[0]
        cur = self.fds[base] if base else self.root_fd
        if base == rel:
            return cur
        done = base
        for name in rel[len(base):].lstrip("/").split("/"):
            done = done + "/" + name if done else name
            try:
                fd = os.open(name, _O_DIR, dir_fd=cur)
            except FileNotFoundError:
                if not create:
                    raise
                os.mkdir(name, 0o755, dir_fd=cur)
                fd = os.open(name, _O_DIR, dir_fd=cur)
            except OSError as err:  # ELOOP (a symlink) or ENOTDIR
                raise InvalidArgument(
                    f"tar entry {entry!r}: {done!r} in the destination is a symlink or not a directory"
                ) from err
            if len(self.fds) < self._CACHE:
                self.fds[done] = fd
            else:
                self.temp.append(fd)
            cur = fd
        return cur

    def add(self, tr: TarReader, m: Member) -> None:
        rel = clean_name(m.name)
        if not rel:
            if not m.isdir():
                raise InvalidArgument(f"tar entry {m.name!r}: the root must be a directory")
            return  # the destination's own metadata is left alone
        if m.ischr() or m.isblk():
            raise InvalidArgument(f"tar entry {m.name!r}: device nodes are not allowed")
        parent, _, base = rel.rpartition("/")
        pfd = self.dir_fd(parent, m.name)
        try:
            st: os.stat_result | None = os.stat(base, dir_fd=pfd, follow_symlinks=False)
        except FileNotFoundError:
            st = None
        if st is not None:
            if stat.S_ISDIR(st.st_mode):
                if not m.isdir():
                    raise InvalidArgument(f"tar entry {m.name!r}: cannot overwrite a directory with a "
                                          "non-directory")
            elif m.isdir():
                raise InvalidArgument(f"tar entry {m.name!r}: cannot overwrite a non-directory with a "
                                      "directory")
            else:
                os.unlink(base, dir_fd=pfd)
                self.files.discard(rel)
        meta = _meta(m)
        if m.isdir():
            if st is None:
                os.mkdir(base, 0o700, dir_fd=pfd)
            self.dirs[rel] = meta
        elif m.isreg():
            fd = os.open(base, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW | os.O_CLOEXEC, 0o600,
                         dir_fd=pfd)
            try:
                if m.size:
                    self.unpacked += _copy_data(tr, m, fd)
                self.apply_fd(fd, meta)
            finally:
                os.close(fd)
            self.files.add(rel)
        elif m.issym():
            check_symlink_target(rel, m.linkname)
            os.symlink(m.linkname, base, dir_fd=pfd)
            if self.chown:
                os.chown(base, meta.uid, meta.gid, dir_fd=pfd, follow_symlinks=False)
            os.utime(base, ns=(meta.mtime_ns, meta.mtime_ns), dir_fd=pfd, follow_symlinks=False)
        elif m.islnk():
            target = clean_name(m.linkname, "hardlink target")
            if target not in self.files:
                raise InvalidArgument(
                    f"tar entry {m.name!r}: hardlink target {m.linkname!r} is not an earlier regular file")
            tparent, _, tbase = target.rpartition("/")
            tfd = self.dir_fd(tparent, m.name, create=False)
            os.link(tbase, base, src_dir_fd=tfd, dst_dir_fd=pfd, follow_symlinks=False)
            self.files.add(rel)
        elif m.isfifo():
            os.mkfifo(base, 0o600, dir_fd=pfd)
            fd = os.open(base, os.O_PATH | os.O_NOFOLLOW | os.O_CLOEXEC, dir_fd=pfd)
            try:
                if not stat.S_ISFIFO(os.fstat(fd).st_mode):
                    raise FailedPrecondition(f"{rel}: replaced while extracting")
                proc = f"/proc/self/fd/{fd}"  # O_PATH: act on this inode, never on a swapped-in link
                if self.chown:
                    os.chown(proc, meta.uid, meta.gid)
                os.chmod(proc, meta.mode)
                os.utime(proc, ns=(meta.mtime_ns, meta.mtime_ns))
            finally:
                os.close(fd)
        else:
            raise InvalidArgument(f"tar entry {m.name!r}: unsupported entry type {m.type!r}")

    def apply_fd(self, fd: int, meta: _Meta) -> None:
        if self.chown:
            os.fchown(fd, meta.uid, meta.gid)
        _set_xattrs(fd, meta.xattrs, tolerant=False)
        os.fchmod(fd, meta.mode)
        os.utime(fd, ns=(meta.mtime_ns, meta.mtime_ns))

    def finish(self) -> None:
        for rel in sorted(self.dirs, key=lambda r: r.count("/"), reverse=True):
            self.apply_fd(self.dir_fd(rel, rel, create=False), self.dirs[rel])
            self.release()


def extract_plain(stream: BinaryIO, dest: str, *, preserve_owner: bool = True) -> ApplyResult:
    """Extract a plain tar (``docker cp``) into the existing directory ``dest``, overwriting files.

    No whiteout conversion.  Same refusals as ``apply_layer``, plus: a symlink already in the
    tree where the archive needs a directory is refused (never followed; parents are opened with
    ``O_NOFOLLOW | O_DIRECTORY`` relative to ``dest``'s descriptor), as is replacing a directory
    by a non-directory or the reverse.  ``dest`` itself is trusted (resolve it beforehand).
    Owners are kept when running as root and ``preserve_owner``.
    """
    run = _Run(stream, "auto")
    ex = _PlainExtractor(dest, preserve_owner)
    entries = 0
    try:
        for m in run.reader:
            ex.add(run.reader, m)
            ex.release()
            entries += 1
        result = run.finish(ex.unpacked, entries)
        ex.finish()
    except DockyardError:
        raise
    except OSError as err:
        raise FailedPrecondition(f"extracting into {dest}: {err}") from err
    finally:
        ex.close()
    return result
