"""Write an archive file atomically: readers see the old file or the complete new one, never a
partial one, and a failed write leaves nothing behind."""

from __future__ import annotations

import os
import tempfile
from collections.abc import Callable
from typing import BinaryIO


def write_file_atomically(path: str, write: Callable[[BinaryIO], None], *, mode: int = 0o644,
                          durable: bool = True) -> None:
    """Call ``write`` on a temporary file next to ``path``, fsync it (unless not ``durable``: files
    staged for a later commit) and rename it over ``path``; on any failure remove the temporary
    file (an existing ``path`` is left untouched).  The temporary file is private (0600) until
    it gets ``mode``."""
    directory = os.path.dirname(os.path.abspath(path))
    fd, tmp = tempfile.mkstemp(prefix=f".{os.path.basename(path)}.", suffix=".tmp", dir=directory)
    try:
        with os.fdopen(fd, "wb") as f:
            write(f)
            f.flush()
            if durable:
                os.fsync(f.fileno())
        umask = os.umask(0)
        os.umask(umask)
        os.chmod(tmp, mode & ~umask)
        os.replace(tmp, path)
    except BaseException:
        try:
            os.unlink(tmp)
        except FileNotFoundError:
            pass
        raise


__all__ = ["write_file_atomically"]
