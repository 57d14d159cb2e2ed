"""Checks shared by the extractors: names, link targets, xattrs."""

from __future__ import annotations

import base64
import posixpath

from ..errors import InvalidArgument

_SKIP_XATTR_PREFIXES = ("trusted.overlay.", "user.overlay.")


def clean_name(raw: str, what: str = "entry") -> str:
    """The normalised relative path of a tar entry name ("" is the root), or InvalidArgument."""
    if "\0" in raw:
        raise InvalidArgument(f"tar {what} {raw!r}: name contains NUL")
    if raw.startswith("/"):
        raise InvalidArgument(f"tar {what} {raw!r}: absolute path")
    name = posixpath.normpath(raw) if raw else "."
    if name == ".":
        return ""
    if name == ".." or name.startswith("../"):
        raise InvalidArgument(f"tar {what} {raw!r}: path escapes the root")
    return name


def check_symlink_target(name: str, target: str) -> None:
    """Refuse a relative symlink target that climbs above the root, resolved lexically from the
    link's directory.  Absolute targets are fine: they resolve inside the container."""
    if "\0" in target:
        raise InvalidArgument(f"tar entry {name!r}: link target contains NUL")
    if not target:
        raise InvalidArgument(f"tar entry {name!r}: empty symlink target")
    if target.startswith("/"):
        return
    resolved = posixpath.normpath(posixpath.join(posixpath.dirname(name), target))
    if resolved == ".." or resolved.startswith("../"):
        raise InvalidArgument(f"tar entry {name!r}: symlink target {target!r} escapes the root")


def xattrs_of(name: str, pax: dict[str, bytes]) -> dict[str, bytes]:
    """xattrs recorded in PAX headers (SCHILY.xattr.* and LIBARCHIVE.xattr.*), minus overlayfs'
    own (a layer must not carry overlay metadata: whiteouts come as .wh. files)."""
    out: dict[str, bytes] = {}
    for key, value in pax.items():
        if key.startswith("SCHILY.xattr."):
            attr = key[len("SCHILY.xattr."):]
            data = value
        elif key.startswith("LIBARCHIVE.xattr."):
            attr = key[len("LIBARCHIVE.xattr."):]
            try:
                data = base64.b64decode(value + b"=" * (-len(value) % 4), validate=True)
            except ValueError as err:
                raise InvalidArgument(f"tar entry {name!r}: bad xattr {attr!r}") from err
        else:
            continue
        if not attr or "\0" in attr:
            raise InvalidArgument(f"tar entry {name!r}: bad xattr name {attr!r}")
        if attr.startswith(_SKIP_XATTR_PREFIXES):
            continue
        out[attr] = data
    return out
