"""Reading and writing a container's filesystem (cp, export) safely.

Work happens in a forked child that enters the container's root with chroot: through
``/proc/<pid>/root`` for a running container, or, for a stopped one, after mounting its overlay
in a private mount namespace of its own (the mount disappears with the child, whatever happens).
Inside the chroot, absolute symlinks resolve within the container, never to the host.
"""

from __future__ import annotations

import os

from ..errors import DockyardError, InvalidArgument, NotFound
from .model import Container, alive
from .service import ContainerService

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Callable


def run_in_rootfs(svc: ContainerService, c: Container, fn: Callable[[], None], *, write: bool = False) -> None:
    """Run ``fn`` in a child chrooted into the container's filesystem; re-raise its error.

    Everything ``fn`` imports must be imported before (the chroot hides dockyard's own files)."""
    from .. import linux  # noqa: F401
    from ..diff import apply, compare  # noqa: F401
    r, w = os.pipe()
    svc.db.close()  # SQLite connections must not cross fork()
    pid = os.fork()
    if pid == 0:
        code = 0
        try:
            os.close(r)
            running = c.status in ("running", "paused") and alive(c.pid, c.pid_start)
            if write and running:  # changes must land in the live container
                root = f"/proc/{c.pid}/root"
            else:
                from .. import linux
                linux.unshare(linux.CLONE_NEWNS)
                linux.mount(None, "/", None, linux.MS_REC | linux.MS_PRIVATE)
                root = os.path.join(svc.bundle_dir(c.id), "rootfs")
                m = svc.rootfs_mounts(c)[0]
                opts = list(m.options)
                if not write:  # a read-only view: the writable layer becomes the top lower layer
                    d = svc.bundle_dir(c.id)
                    lowers = next(o for o in opts if o.startswith("lowerdir="))[len("lowerdir="):]
                    opts = [f"lowerdir={d}/upper:{lowers}"]
                linux.mount(m.source, root, m.type, linux.MS_RDONLY if not write else 0, ",".join(opts))
            os.chroot(root)
            os.chdir("/")
            fn()
        except BaseException as e:  # noqa: BLE001
            cls = "notfound" if isinstance(e, (FileNotFoundError, NotFound)) else "error"
            msg = str(e) if isinstance(e, DockyardError) else (
                f"{e.strerror}: {e.filename}" if isinstance(e, OSError) and e.strerror else str(e))
            os.write(w, f"{cls} {msg}".encode()[:4000])
            code = 1
        finally:
            os._exit(code)
    os.close(w)
    with os.fdopen(r, "rb") as f:
        err = f.read().decode(errors="replace")
    os.waitpid(pid, 0)
    if err:
        kind, _, msg = err.partition(" ")
        if kind == "notfound":
            raise NotFound(msg)
        raise InvalidArgument(msg)


def export(svc: ContainerService, ref: str, out_fd: int) -> None:
    c = svc.get(ref)

    def body() -> None:
        from ..diff.compare import write_tar_of_tree
        with os.fdopen(os.dup(out_fd), "wb") as out:
            write_tar_of_tree("/", out)

    run_in_rootfs(svc, c, body)


def copy_from(svc: ContainerService, ref: str, path: str, out_fd: int) -> None:
    """Write a tar of ``path`` in the container (docker cp CONTAINER:path -)."""
    c = svc.get(ref)

    def body() -> None:
        from ..diff.compare import write_tar_of_tree
        p = os.path.normpath("/" + path)
        src = p
        if path.endswith("/.") or path.endswith("/./"):
            prefix = ""
        else:
            prefix = os.path.basename(p) or "/"
        os.lstat(src)  # FileNotFoundError -> "Could not find the file"
        with os.fdopen(os.dup(out_fd), "wb") as out:
            write_tar_of_tree(src, out, prefix="" if prefix == "/" else prefix)

    try:
        run_in_rootfs(svc, c, body)
    except NotFound:
        raise NotFound(f"Could not find the file {path} in container {ref}") from None


def copy_to(svc: ContainerService, ref: str, dest: str, in_fd: int) -> None:
    """Extract a tar read from ``in_fd`` into directory ``dest`` in the container."""
    c = svc.get(ref)

    def body() -> None:
        from ..diff.apply import extract_plain
        d = os.path.normpath("/" + dest)
        if not os.path.isdir(d):
            raise InvalidArgument(f"destination directory {dest} does not exist or is not a directory")
        with os.fdopen(os.dup(in_fd), "rb") as src:
            extract_plain(src, d)

    run_in_rootfs(svc, c, body, write=True)


def stat_in(svc: ContainerService, ref: str, path: str) -> str:
    """'dir', 'file' or 'missing' for ``path`` inside the container (for docker cp's rules)."""
    c = svc.get(ref)
    r, w = os.pipe()

    def body() -> None:
        p = os.path.normpath("/" + path)
        kind = "dir" if os.path.isdir(p) else ("file" if os.path.lexists(p) else "missing")
        if kind == "missing" and not os.path.isdir(os.path.dirname(p)):
            kind = "noparent"
        os.write(w, kind.encode())

    run_in_rootfs(svc, c, body)
    os.close(w)
    with os.fdopen(r) as f:
        return f.read()


def copy_out(svc: ContainerService, ref: str, src: str, dest: str, *, archive: bool = False) -> None:
    """``docker cp CONTAINER:SRC DEST`` with docker's rules: into an existing directory DEST the
    entry keeps its name; otherwise it is created as DEST (``SRC/.`` copies a directory's
    contents); a DEST ending in ``/`` must exist.  Links are copied, never followed."""
    import shutil
    import tarfile
    import tempfile

    from ..diff.apply import extract_plain
    into_dir = os.path.isdir(dest)
    if not into_dir:
        if dest.endswith("/"):
            raise InvalidArgument(f"destination directory {dest} does not exist")
        parent = os.path.dirname(os.path.abspath(dest)) or "."
        if not os.path.isdir(parent):
            raise InvalidArgument(f"no such directory: {parent}")
    with tempfile.TemporaryFile() as tmp:
        copy_from(svc, ref, src, tmp.fileno())
        tmp.seek(0)
        if into_dir or src.endswith("/."):
            os.makedirs(dest, exist_ok=True)
            extract_plain(tmp, os.path.realpath(dest), preserve_owner=archive)  # type: ignore[arg-type]
            return
        with tarfile.open(fileobj=tmp, mode="r:") as tar:
            top = next((m.name.split("/")[0] for m in tar), "")
        tmp.seek(0)
        staging = tempfile.mkdtemp(dir=os.path.dirname(os.path.abspath(dest)) or ".")
        try:
            extract_plain(tmp, staging, preserve_owner=archive)  # type: ignore[arg-type]
            if os.path.isdir(dest) and not os.path.islink(dest):
                shutil.rmtree(dest)
            os.replace(os.path.join(staging, top), dest)
        finally:
            shutil.rmtree(staging, ignore_errors=True)


def copy_in(svc: ContainerService, ref: str, src: str, dest: str) -> None:
    """``docker cp SRC CONTAINER:DEST`` with docker's rules (see ``copy_out``); the host tree is
    sent as a tar (links stored, not followed) and extracted inside the container's root."""
    import tempfile

    from ..diff.compare import write_tar_of_tree
    if not os.path.lexists(src):
        raise InvalidArgument(f"could not find the file {src}: no such file or directory")
    kind = stat_in(svc, ref, dest)
    src_dir = os.path.isdir(src) and not os.path.islink(src)
    contents = src.endswith("/.") and src_dir
    base = os.path.basename(os.path.normpath(src))
    if kind == "dir":
        dest_dir, name = dest, ("" if contents else base)
    elif kind == "file":
        if src_dir:
            raise InvalidArgument("cannot copy a directory to a file")
        dest_dir, name = os.path.dirname(os.path.normpath(dest)) or "/", os.path.basename(os.path.normpath(dest))
    elif kind == "missing":
        if dest.endswith("/") and not src_dir:
            raise InvalidArgument(f"destination directory {dest} does not exist")
        dest_dir, name = os.path.dirname(os.path.normpath(dest)) or "/", os.path.basename(os.path.normpath(dest))
    else:
        raise InvalidArgument(f"no such directory: {os.path.dirname(dest)}")
    with tempfile.TemporaryFile() as buf:
        write_tar_of_tree(os.path.normpath(src), buf, prefix=name)
        buf.seek(0)
        copy_to(svc, ref, dest_dir, buf.fileno())
