"""Copy what an image has at a path into an empty volume (docker's first-mount behaviour), reading
the image's layer directories directly (topmost first) the way overlayfs would merge them:
the topmost entry wins, a whiteout (char device 0/0) hides lower entries, an opaque directory
(``trusted.overlay.opaque=y``) hides the lower directories' contents.  Owners, modes, times,
symlinks and hard-linked files inside the copied tree are kept."""

from __future__ import annotations

import os
import shutil
import stat


def _is_whiteout(st: os.stat_result) -> bool:
    return stat.S_ISCHR(st.st_mode) and st.st_rdev == 0


def _is_opaque(path: str) -> bool:
    try:
        return os.getxattr(path, "trusted.overlay.opaque", follow_symlinks=False) == b"y"
    except OSError:
        return False


def _lstat(path: str) -> os.stat_result | None:
    try:
        return os.lstat(path)
    except (FileNotFoundError, NotADirectoryError):
        return None


def _layers_of(lowerdirs: list[str], rel: str) -> list[str]:
    """The directories ``<layer>/rel`` that make up the merged directory at ``rel`` (top first);
    empty when ``rel`` is absent or not a directory in the merged view."""
    parts = [p for p in rel.split("/") if p]
    out: list[str] = []
    for layer in lowerdirs:
        cur = layer
        present = True
        stop = False                    # this layer hides the path in the layers below
        for part in parts:
            cur = os.path.join(cur, part)
            st = _lstat(cur)
            if st is None:
                present = False
                break
            if _is_whiteout(st) or not stat.S_ISDIR(st.st_mode):
                present, stop = False, True
                break
            if _is_opaque(cur):
                stop = True
        if present:
            out.append(cur)
        if stop:
            break
    return out


def copy_image_path(lowerdirs: list[str], path: str, dest: str) -> bool:
    """Copy the merged directory at ``path`` into the existing directory ``dest``; returns False
    when the image has no directory there (nothing copied)."""
    layers = _layers_of(lowerdirs, path.strip("/"))
    if not layers:
        return False
    links: dict[tuple[int, int], str] = {}
    _copy_dir(layers, dest, links)
    top = os.lstat(layers[0])
    os.chown(dest, top.st_uid, top.st_gid)
    os.chmod(dest, stat.S_IMODE(top.st_mode))
    return True


def _copy_dir(layers: list[str], dest: str, links: dict[tuple[int, int], str]) -> None:
    names: dict[str, int] = {}
    for i, d in enumerate(layers):
        for name in os.listdir(d):
            names.setdefault(name, i)
    for name in sorted(names):
        i = names[name]
        src = os.path.join(layers[i], name)
        st = os.lstat(src)
        if _is_whiteout(st):
            continue
        out = os.path.join(dest, name)
        if stat.S_ISDIR(st.st_mode):
            sub = [src]
            if not _is_opaque(src):
                for lower in layers[i + 1:]:
                    lst = _lstat(os.path.join(lower, name))
                    if lst is None:
                        continue
                    if not stat.S_ISDIR(lst.st_mode):
                        break
                    sub.append(os.path.join(lower, name))
                    if _is_opaque(os.path.join(lower, name)):
                        break
            os.mkdir(out)
            _copy_dir(sub, out, links)
            os.chown(out, st.st_uid, st.st_gid)
            os.chmod(out, stat.S_IMODE(st.st_mode))
            os.utime(out, ns=(st.st_atime_ns, st.st_mtime_ns))
            continue
        key = (st.st_dev, st.st_ino)
        if st.st_nlink > 1 and key in links:
            os.link(links[key], out)
            continue
        if stat.S_ISLNK(st.st_mode):
            os.symlink(os.readlink(src), out)
        elif stat.S_ISREG(st.st_mode):
            shutil.copyfile(src, out, follow_symlinks=False)
            os.chmod(out, stat.S_IMODE(st.st_mode))
        elif stat.S_ISFIFO(st.st_mode):
            os.mkfifo(out, stat.S_IMODE(st.st_mode))
        else:
            os.mknod(out, st.st_mode, st.st_rdev)
        os.lchown(out, st.st_uid, st.st_gid)
        if not stat.S_ISLNK(st.st_mode):
            os.utime(out, ns=(st.st_atime_ns, st.st_mtime_ns))
        if st.st_nlink > 1:
            links[key] = out
