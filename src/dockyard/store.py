"""The on-disk store: one root directory (default /var/lib/dockyard).

::

    blobs/sha256/<hex>      content store (compressed layers, configs, manifests)
    ingest/                 blob writes in progress (never read as content)
    layers/<dir>/diff       each layer extracted once; overlay lowerdirs
    layers/.staging-*       extractions in progress (garbage if their process died)
    containers/<id>/        upper/ work/ rootfs/ config.json hostname hosts resolv.conf logs
    trash/                  directories being deleted
    dockyard.db             SQLite metadata
"""

from __future__ import annotations

import os

TYPE_CHECKING = False
if TYPE_CHECKING:
    from functools import cached_property

    from .content.local import LocalContentStore
    from .metadata.db import Database
else:
    from ._record import cached_property

DEFAULT_ROOT = "/var/lib/dockyard"


def rmtree(path: str) -> None:
    """``shutil.rmtree(path, ignore_errors=True)`` without importing shutil (~12 ms with bz2, lzma and
    fnmatch: paid by every ``run --rm``).  Symlinks are removed, never followed."""
    try:
        with os.scandir(path) as it:
            entries = list(it)
    except FileNotFoundError:
        return
    except NotADirectoryError:
        entries = []
    except OSError:
        entries = []
    for e in entries:
        try:
            if e.is_dir(follow_symlinks=False):
                rmtree(e.path)
            else:
                os.unlink(e.path)
        except OSError:
            pass
    try:
        os.rmdir(path)
    except NotADirectoryError:
        try:
            os.unlink(path)
        except OSError:
            pass
    except OSError:
        pass


def default_root() -> str:
    return os.environ.get("DOCKYARD_ROOT") or DEFAULT_ROOT


class Store:
    def __init__(self, root: str | None = None) -> None:
        self.root = os.path.abspath(root or default_root())
        for d in ("layers", "containers", "trash"):
            os.makedirs(os.path.join(self.root, d), exist_ok=True)

    @cached_property
    def db(self) -> Database:
        from .metadata.db import Database  # sqlite3 loads a shared library: only when used
        return Database(os.path.join(self.root, "dockyard.db"))

    @cached_property
    def content(self) -> LocalContentStore:
        from .content.local import LocalContentStore
        return LocalContentStore(self.root)

    @property
    def layers_dir(self) -> str:
        return os.path.join(self.root, "layers")

    @property
    def containers_dir(self) -> str:
        return os.path.join(self.root, "containers")

    def container_dir(self, container_id: str) -> str:
        return os.path.join(self.root, "containers", container_id)

    def remove_tree(self, path: str) -> None:
        """Delete a directory so that a crash midway leaves only garbage under trash/."""
        tmp = self.move_to_trash(path)
        if tmp:
            rmtree(tmp)

    def move_to_trash(self, path: str) -> str | None:
        """Atomically move ``path`` under trash/ (``system check --repair`` deletes leftovers there);
        returns the new path, None if there was nothing."""
        if not os.path.lexists(path):
            return None
        tmp = os.path.join(self.root, "trash", f"{os.path.basename(path)}-{os.getpid()}-{id(path):x}")
        os.rename(path, tmp)
        return tmp

    def close(self) -> None:
        if "db" in self.__dict__:
            self.db.close()
