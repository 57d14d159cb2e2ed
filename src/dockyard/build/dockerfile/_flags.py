"""Small value parsers shared by instructions: ``--flag`` words, durations, sizes, RUN mounts."""

from __future__ import annotations

import csv
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Literal

from dockyard.errors import InvalidArgument

from ._suggest import with_suggestion

FlagKind = Literal["bool", "string", "strings"]
FlagValue = bool | str | tuple[str, ...]


def parse_flags(words: tuple[str, ...], spec: Mapping[str, FlagKind]) -> dict[str, FlagValue]:
    """BuildKit ``BFlags.Parse``: only flags that were given appear in the result."""
    out: dict[str, FlagValue] = {}
    for word in words:
        if word == "--":
            break
        if not word.startswith("--"):
            raise InvalidArgument(f"arg should start with -- : {word}")
        flag_name, has_value, value = word.partition("=")
        name = flag_name[2:]
        kind = spec.get(name)
        if kind is None:
            raise InvalidArgument(
                with_suggestion(f"unknown flag: {flag_name}", name, spec, case_sensitive=True)
            )
        if name in out and kind != "strings":
            raise InvalidArgument(f"duplicate flag specified: {flag_name}")
        if kind == "bool":
            if has_value and value == "":
                raise InvalidArgument(f"missing a value on flag: {flag_name}")
            low = value.lower()
            if low not in ("true", "false", ""):
                raise InvalidArgument(f"expecting boolean value for flag {flag_name}, not: {value}")
            out[name] = low != "false"
        elif kind == "string":
            if not has_value:
                raise InvalidArgument(f"missing a value on flag: {flag_name}")
            out[name] = value
        else:
            if not has_value:
                raise InvalidArgument(f"missing a value on flag: {flag_name}")
            prev = out.get(name, ())
            assert isinstance(prev, tuple)
            out[name] = (*prev, value)
    return out


_DURATION_UNITS = {"ns": 1, "us": 1_000, "µs": 1_000, "μs": 1_000, "ms": 1_000_000, "s": 10**9,
                   "m": 60 * 10**9, "h": 3600 * 10**9}
_DURATION_PART = re.compile(r"(\d*)(?:\.(\d*))?(ns|us|µs|μs|ms|s|m|h)")


def parse_duration(text: str) -> int:
    """Go's ``time.ParseDuration``, in nanoseconds."""
    s = text
    sign = 1
    if s[:1] in ("+", "-"):
        sign = -1 if s[0] == "-" else 1
        s = s[1:]
    if s == "0":
        return 0
    if not s:
        raise InvalidArgument(f'time: invalid duration "{text}"')
    total = 0
    pos = 0
    while pos < len(s):
        m = _DURATION_PART.match(s, pos)
        if not m or (m.group(1) == "" and not m.group(2)):
            raise InvalidArgument(f'time: invalid duration "{text}"')
        whole, frac, unit = m.group(1) or "0", m.group(2) or "", m.group(3)
        scale = _DURATION_UNITS[unit]
        total += int(whole) * scale
        if frac:
            total += int(frac) * scale // 10 ** len(frac)
        pos = m.end()
    return sign * total


_SIZE = re.compile(r"^(\d+(?:\.\d+)*) ?([kKmMgGtTpP])?[iI]?[bB]?$")
_SIZE_UNITS = {"": 1, "k": 1024, "m": 1024**2, "g": 1024**3, "t": 1024**4, "p": 1024**5}


def parse_ram_size(text: str) -> int:
    """docker/go-units ``RAMInBytes`` (binary units, ``64m`` == 64 MiB)."""
    m = _SIZE.match(text)
    if not m:
        raise InvalidArgument(f"invalid size: '{text}'")
    return int(float(m.group(1)) * _SIZE_UNITS[(m.group(2) or "").lower()])


# --- RUN --mount -------------------------------------------------------------------------------

MOUNT_TYPES = ("bind", "cache", "tmpfs", "secret", "ssh")
SHARING_MODES = ("shared", "private", "locked")


@dataclass(frozen=True)
class Mount:
    """One ``RUN --mount=...``.  Unset optional fields are None (BuildKit's nil pointers)."""

    type: str = "bind"
    target: str = ""
    source: str = ""
    from_: str = ""
    id: str = ""
    sharing: str = ""
    readonly: bool = True
    required: bool = False
    size_limit: int = 0
    mode: int | None = None
    uid: int | None = None
    gid: int | None = None
    env: str | None = None


class MountFromVariable(InvalidArgument):
    """``--mount from=$X``: rejected at parse time, before any expansion (as BuildKit)."""


def _parse_bool(key: str, value: str) -> bool:
    low = value.lower()
    if low in ("1", "t", "true"):
        return True
    if low in ("0", "f", "false"):
        return False
    raise InvalidArgument(f"invalid value for {key}: {value}")


def _parse_uint(value: str, base: int, what: str) -> int:
    try:
        n = int(value, base)
    except ValueError:
        raise InvalidArgument(f"invalid value {value} for {what}") from None
    if n < 0 or n >= 2**32:
        raise InvalidArgument(f"invalid value {value} for {what}")
    return n


def parse_mount(spec: str, expand: Callable[[str], str] | None = None) -> Mount:
    """Parse the value of one ``--mount`` flag (CSV ``key=value`` fields), expanding each value.

    ``expand`` is the stage's word expander; None keeps values as written (parse time).
    """
    try:
        fields = next(csv.reader([spec], strict=True), [])
    except csv.Error as err:
        raise InvalidArgument(f"failed to parse csv mounts: {err}") from None
    m: dict[str, object] = {"type": "bind"}
    ro_auto = True
    for fld in fields:
        key, has_value, value = fld.partition("=")
        key = key.lower()
        kind = str(m["type"])
        if not has_value:
            if key in ("readonly", "ro"):
                m["readonly"], ro_auto = True, False
            elif key in ("readwrite", "rw"):
                m["readonly"], ro_auto = False, False
            elif key == "required" and kind in ("secret", "ssh"):
                m["required"] = True
            elif key == "required":
                raise InvalidArgument(f"unexpected key '{key}' for mount type '{kind}'")
            else:
                raise InvalidArgument(f"invalid field '{fld}' must be a key=value pair")
            continue
        if expand is not None:
            value = expand(value)
        elif key == "from" and "$" in value[:-1]:
            raise MountFromVariable(
                f"'{key}' doesn't support variable expansion, define alias stage instead"
            )
        if key == "type":
            if value.lower() not in MOUNT_TYPES:
                raise InvalidArgument(f'unsupported mount type "{value}"')
            m["type"] = value.lower()
        elif key == "from":
            m["from_"] = value
        elif key in ("source", "src"):
            m["source"] = value
        elif key in ("target", "dst", "destination"):
            m["target"] = value
        elif key in ("readonly", "ro"):
            m["readonly"], ro_auto = _parse_bool(key, value), False
        elif key in ("readwrite", "rw"):
            m["readonly"], ro_auto = not _parse_bool(key, value), False
        elif key == "required":
            if kind not in ("secret", "ssh"):
                raise InvalidArgument(f"unexpected key '{key}' for mount type '{kind}'")
            m["required"] = _parse_bool(key, value)
        elif key == "size":
            if kind != "tmpfs":
                raise InvalidArgument(f"unexpected key '{key}' for mount type '{kind}'")
            try:
                m["size_limit"] = parse_ram_size(value)
            except InvalidArgument:
                raise InvalidArgument(f"invalid value for {key}: {value}") from None
        elif key == "id":
            m["id"] = value
        elif key == "sharing":
            if value.lower() not in SHARING_MODES:
                raise InvalidArgument(f'unsupported sharing value "{value}"')
            m["sharing"] = value.lower()
        elif key == "mode":
            m["mode"] = _parse_uint(value, 8, "mode")
        elif key in ("uid", "gid"):
            m[key] = _parse_uint(value, 10, key)
        elif key == "env":
            m["env"] = value
        else:
            raise InvalidArgument(f"unexpected key '{key}' in '{fld}'")
    mount = Mount(**m)  # type: ignore[arg-type]
    if mount.type not in ("secret", "ssh", "cache"):
        for attr in ("mode", "uid", "gid"):
            if getattr(mount, attr) is not None:
                raise InvalidArgument(f'{attr} not allowed for "{mount.type}" type mounts')
    if ro_auto:
        mount = _replace_ro(mount, mount.type not in ("cache", "tmpfs"))
    if mount.type == "secret":
        if mount.from_:
            raise InvalidArgument("secret mount should not have a from")
        if mount.sharing:
            raise InvalidArgument("secret mount should not define sharing")
        if not (mount.source or mount.target or mount.id):
            raise InvalidArgument("invalid secret mount. one of source, target required")
        if mount.source and mount.id:
            raise InvalidArgument("both source and id can't be set")
    if mount.sharing and mount.type != "cache":
        raise InvalidArgument(f"invalid cache sharing set for {mount.type} mount")
    return mount


def _replace_ro(mount: Mount, readonly: bool) -> Mount:
    from dataclasses import replace

    return replace(mount, readonly=readonly)
