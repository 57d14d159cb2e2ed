"""``-v``, ``--mount``, ``--tmpfs`` and ``--volumes-from``: pure parsing into normalised mounts.

A normalised mount is a plain dict (stored in the container's ``host_config["Mounts"]``)::

    {"Type": "bind" | "volume" | "tmpfs",
     "Source": host path (bind), volume name (volume; a fresh 64-hex name for anonymous ones), "" (tmpfs),
     "Target": absolute path in the container,
     "ReadOnly": bool, "Options": [tmpfs mount options | bind propagation], "NoCopy": bool,
     "Anonymous": bool, "CreateSource": bool (``-v /host:/ctr`` creates a missing host directory)}

Anonymous volumes get their names here, at create time, so ``inspect``, ``--volumes-from`` and
restarts all see the same volume.
"""

from __future__ import annotations

import os
import posixpath
import secrets

from .errors import InvalidVolumeSpec
from .service import NAME_RE

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Iterable, Mapping
    from typing import Any

PROPAGATIONS = ("shared", "rshared", "slave", "rslave", "private", "rprivate")
_V_MODES = {"ro", "rw", "z", "Z", "nocopy", *PROPAGATIONS}
TMPFS_DEFAULTS = ("nosuid", "nodev", "noexec")
_TMPFS_FLAGS = {"ro", "rw", "exec", "noexec", "suid", "nosuid", "dev", "nodev", "atime", "noatime",
                "diratime", "nodiratime", "relatime", "norelatime", "strictatime", "nostrictatime",
                "sync", "async", "dirsync", "mand", "nomand"}
_TMPFS_DATA = ("size", "mode", "uid", "gid", "nr_inodes", "nr_blocks", "huge", "mpol")


def _mount(kind: str, source: str, target: str, *, read_only: bool = False, options: Iterable[str] = (),
           no_copy: bool = False, anonymous: bool = False, create_source: bool = False) -> dict[str, Any]:
    return {"Type": kind, "Source": source, "Target": target, "ReadOnly": read_only, "Options": list(options),
            "NoCopy": no_copy, "Anonymous": anonymous, "CreateSource": create_source}


def _target(path: str, spec: str) -> str:
    if not path.startswith("/"):
        raise InvalidVolumeSpec(f"invalid mount config: invalid mount path: '{path}' mount path must be "
                                f"absolute (in {spec!r})")
    clean = posixpath.normpath(path)
    if clean == "/":
        raise InvalidVolumeSpec(f"invalid specification: destination can't be '/' (in {spec!r})")
    return clean


def parse_volume(spec: str) -> dict[str, Any]:
    """One ``-v`` value: ``/ctr``, ``NAME:/ctr[:MODE]`` or ``/host:/ctr[:MODE]``."""
    parts = spec.split(":")
    if not spec or len(parts) > 3 or any(p == "" for p in parts):
        raise InvalidVolumeSpec(f"invalid volume specification: '{spec}'")
    if len(parts) == 1:
        return _mount("volume", secrets.token_hex(32), _target(parts[0], spec), anonymous=True)
    source, target = parts[0], _target(parts[1], spec)
    modes = parts[2].split(",") if len(parts) == 3 else []
    for m in modes:
        if m not in _V_MODES:
            raise InvalidVolumeSpec(f"invalid mode: {m}")
    if "ro" in modes and "rw" in modes:
        raise InvalidVolumeSpec(f"invalid mode: {parts[2]}")
    read_only = "ro" in modes
    props = [m for m in modes if m in PROPAGATIONS]
    if len(props) > 1:
        raise InvalidVolumeSpec(f"invalid mode: {parts[2]}")
    if source.startswith("/"):
        if "nocopy" in modes:
            raise InvalidVolumeSpec(f"invalid mode: {parts[2]} (nocopy applies to volumes only)")
        return _mount("bind", posixpath.normpath(source), target, read_only=read_only,
                      options=props or ["rprivate"], create_source=True)
    if props:
        raise InvalidVolumeSpec(f"invalid mode: {parts[2]} (propagation applies to bind mounts only)")
    if not NAME_RE.match(source):
        raise InvalidVolumeSpec(
            f'create {source}: "{source}" includes invalid characters for a local volume name, only '
            '"[a-zA-Z0-9][a-zA-Z0-9_.-]" are allowed. If you intended to pass a host directory, use '
            "absolute path")
    return _mount("volume", source, target, read_only=read_only, no_copy="nocopy" in modes)


def _bool(value: str, spec: str, key: str) -> bool:
    v = value.lower()
    if v in ("", "1", "true"):
        return True
    if v in ("0", "false"):
        return False
    raise InvalidVolumeSpec(f'invalid argument "{spec}" for "--mount" flag: invalid value for {key}: {value}')


def parse_mount(spec: str) -> dict[str, Any]:
    """One ``--mount`` value: ``type=bind|volume|tmpfs,src=,dst=,readonly,...``."""
    def bad(reason: str) -> InvalidVolumeSpec:
        return InvalidVolumeSpec(f'invalid argument "{spec}" for "--mount" flag: {reason}')

    fields: dict[str, str] = {}
    flags: set[str] = set()
    for item in spec.split(","):
        key, sep, value = item.partition("=")
        key = key.strip().lower()
        if not key:
            raise bad("empty field")
        if not sep:
            flags.add(key)
            continue
        fields[key] = value
    kind = fields.get("type", "volume")
    if kind not in ("bind", "volume", "tmpfs"):
        raise bad(f"invalid type {kind!r}: only bind, volume and tmpfs are supported")
    known = {"type", "source", "src", "destination", "dst", "target", "readonly", "ro", "bind-propagation",
             "volume-nocopy", "volume-label", "volume-driver", "volume-opt", "tmpfs-size", "tmpfs-mode",
             "consistency", "bind-recursive"}
    for k in set(fields) | flags:
        if k not in known:
            raise bad(f"unexpected key '{k}'")
    source = fields.get("source", fields.get("src", ""))
    target_text = fields.get("target", fields.get("destination", fields.get("dst", "")))
    if not target_text:
        raise InvalidVolumeSpec(f'invalid mount config for type "{kind}": field Target must not be empty')
    target = _target(target_text, spec)
    ro_key = "readonly" if ("readonly" in fields or "readonly" in flags) else "ro"
    read_only = _bool(fields.get(ro_key, ""), spec, ro_key) if (ro_key in fields or ro_key in flags) else False
    if kind == "bind":
        if not source:
            raise InvalidVolumeSpec('invalid mount config for type "bind": field Source must not be empty')
        if not source.startswith("/"):
            raise InvalidVolumeSpec(f'invalid mount config for type "bind": invalid mount path: '
                                    f"'{source}' mount path must be absolute")
        if not os.path.exists(source):
            raise InvalidVolumeSpec(f'invalid mount config for type "bind": bind source path does not '
                                    f"exist: {source}")
        prop = fields.get("bind-propagation", "rprivate")
        if prop not in PROPAGATIONS:
            raise bad(f"invalid propagation mode {prop!r}")
        return _mount("bind", posixpath.normpath(source), target, read_only=read_only, options=[prop])
    if kind == "tmpfs":
        if source:
            raise InvalidVolumeSpec('invalid mount config for type "tmpfs": field Source must not be specified')
        opts: list[str] = []
        if "tmpfs-size" in fields:
            opts.append(f"size={_size(fields['tmpfs-size'], spec)}")
        if "tmpfs-mode" in fields:
            opts.append(f"mode={_mode(fields['tmpfs-mode'], spec)}")
        return _mount("tmpfs", "", target, read_only=read_only, options=opts)
    if any(k.startswith("volume-") and k not in ("volume-nocopy", "volume-label") for k in fields):
        raise bad("volume drivers and driver options are not supported by dockyard's local driver")
    no_copy = _bool(fields.get("volume-nocopy", ""), spec, "volume-nocopy") \
        if ("volume-nocopy" in fields or "volume-nocopy" in flags) else False
    if source and not NAME_RE.match(source):
        raise bad(f"invalid volume name {source!r}")
    if not source:
        return _mount("volume", secrets.token_hex(32), target, read_only=read_only, no_copy=no_copy,
                      anonymous=True)
    return _mount("volume", source, target, read_only=read_only, no_copy=no_copy)


def _size(text: str, spec: str) -> str:
    from ..units import parse_bytes
    try:
        return str(parse_bytes(text))
    except Exception as err:
        raise InvalidVolumeSpec(f"invalid size {text!r} in {spec!r}") from err


def _mode(text: str, spec: str) -> str:
    try:
        mode = int(text, 8)
    except ValueError as err:
        raise InvalidVolumeSpec(f"invalid tmpfs mode {text!r} in {spec!r}") from err
    if not 0 <= mode <= 0o7777:
        raise InvalidVolumeSpec(f"invalid tmpfs mode {text!r} in {spec!r}")
    return f"{mode:o}"


def parse_tmpfs(target: str, options: str) -> dict[str, Any]:
    """``--tmpfs /path[:opts]`` (``host_config["Tmpfs"]`` is {path: opts})."""
    spec = f"{target}:{options}" if options else target
    opts: list[str] = []
    read_only = False
    for opt in (o.strip() for o in options.split(",") if o.strip()):
        key, sep, value = opt.partition("=")
        if not sep:
            if opt not in _TMPFS_FLAGS:
                raise InvalidVolumeSpec(f"invalid tmpfs option {opt!r} in {spec!r}")
            if opt in ("ro", "rw"):
                read_only = opt == "ro"
            else:
                opts.append(opt)
        elif key == "size":
            opts.append(f"size={value}" if value.endswith("%") else f"size={_size(value, spec)}")
        elif key == "mode":
            opts.append(f"mode={_mode(value, spec)}")
        elif key in _TMPFS_DATA:
            opts.append(opt)
        else:
            raise InvalidVolumeSpec(f"invalid tmpfs option {opt!r} in {spec!r}")
    return _mount("tmpfs", "", _target(target, spec), read_only=read_only, options=opts)


def parse_volumes_from(spec: str) -> tuple[str, str]:
    """``--volumes-from NAME[:ro|rw]`` -> (container reference, mode "" | "ro" | "rw")."""
    name, _, mode = spec.partition(":")
    if not name or mode not in ("", "ro", "rw"):
        raise InvalidVolumeSpec(f"invalid --volumes-from specification: '{spec}' (NAME[:ro|rw])")
    return name, mode


def normalise(host_config: Mapping[str, Any], image_volumes: Mapping[str, Any] | None) -> list[dict[str, Any]]:
    """Every mount of a container, in the order given, duplicate targets refused, the image's
    ``VOLUME`` paths not covered by an explicit mount added as anonymous volumes."""
    out: list[dict[str, Any]] = []
    for spec in host_config.get("Binds") or []:
        out.append(parse_volume(spec))
    for spec in host_config.get("MountsRaw") or []:
        out.append(parse_mount(spec))
    for target, opts in (host_config.get("Tmpfs") or {}).items():
        out.append(parse_tmpfs(target, opts or ""))
    for spec in host_config.get("VolumesFrom") or []:
        parse_volumes_from(spec)
    seen: set[str] = set()
    for m in out:
        if m["Target"] in seen:
            raise InvalidVolumeSpec(f"Duplicate mount point: {m['Target']}")
        seen.add(m["Target"])
    for path in sorted(image_volumes or {}):
        target = _target(path, path) if path.startswith("/") else None
        if target is None or target in seen:
            continue
        seen.add(target)
        out.append(_mount("volume", secrets.token_hex(32), target, anonymous=True))
    return out
