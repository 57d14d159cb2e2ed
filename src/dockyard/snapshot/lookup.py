"""Looking into stacks of layer directories without mounting them."""

from __future__ import annotations

import os
import stat


def read_merged_file(dirs: list[str], path: str) -> bytes | None:
    """The file at ``path`` as an overlay of ``dirs`` (top first) would show it: the topmost entry
    wins, an overlay whiteout (char device 0/0) hides lower ones; None when absent or not a file."""
    rel = path.lstrip("/")
    for d in dirs:
        p = os.path.join(d, rel)
        try:
            st = os.lstat(p)
        except (FileNotFoundError, NotADirectoryError):
            continue
        if stat.S_ISREG(st.st_mode):
            with open(p, "rb") as f:
                return f.read()
        return None  # a whiteout, a directory or a link: not a readable file here
    return None


def disk_usage(path: str) -> int:
    """Bytes used by the entries under ``path`` (hard links counted once, directories not counted)."""
    total = 0
    seen: set[tuple[int, int]] = set()
    for dirpath, dirnames, filenames in os.walk(path):
        for n in filenames + [d for d in dirnames if os.path.islink(os.path.join(dirpath, d))]:
            try:
                st = os.lstat(os.path.join(dirpath, n))
            except OSError:
                continue
            key = (st.st_dev, st.st_ino)
            if key in seen:
                continue
            seen.add(key)
            total += st.st_size
    return total
