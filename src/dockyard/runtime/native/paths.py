"""Resolve a container path inside a rootfs without ever leaving it (securejoin-style)."""

from __future__ import annotations

import os
import stat

_MAX_LINKS = 255


def secure_join(root: str, unsafe: str) -> str:
    """Host path of ``unsafe`` (a path inside the container) under ``root``.

    Symlinks are resolved component by component as if ``root`` were ``/``; ``..`` never climbs
    above ``root``.  Components that do not exist are appended as they are.
    """
    root = os.path.abspath(root)
    todo = [p for p in unsafe.split("/") if p]
    todo.reverse()
    done: list[str] = []
    links = 0
    while todo:
        part = todo.pop()
        if part == ".":
            continue
        if part == "..":
            if done:
                done.pop()
            continue
        candidate = os.path.join(root, *done, part)
        try:
            st = os.lstat(candidate)
        except FileNotFoundError:
            done.append(part)
            continue
        if not stat.S_ISLNK(st.st_mode):
            done.append(part)
            continue
        links += 1
        if links > _MAX_LINKS:
            raise OSError(40, "too many levels of symbolic links", unsafe)
        target = os.readlink(candidate)
        if target.startswith("/"):
            done = []
        new = [p for p in target.split("/") if p]
        todo.extend(reversed(new))
    return os.path.join(root, *done)
