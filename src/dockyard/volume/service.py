"""The volume service: ``volume create|ls|inspect|rm|prune`` and what containers need of volumes.

A volume is a directory ``<root>/volumes/<name>/_data`` plus a ``vol_volumes`` row (driver
``local``, the only one).  *Named* volumes are created by ``volume create`` or on first use by
``-v NAME:/path``; *anonymous* ones (random 64-hex names) for ``-v /path`` and the image's
``VOLUME`` paths.  A volume is *in use* while a container (running or not) references it, either
through its ``host_config["Mounts"]`` or through a ``vol_refs`` row; in-use volumes cannot be
removed.  ``prune`` removes unused anonymous volumes (``all_``: every unused one).

Scenario::

    vols = VolumeService(root, conn)
    v = vols.create("data", labels={"env": "test"})       # AlreadyExists-free: returns the existing one
    vols.inspect("data")["Mountpoint"]                     # <root>/volumes/data/_data
    vols.remove("data")                                     # VolumeInUse while a container uses it
"""

from __future__ import annotations

import builtins
import os
import re
import secrets
import shutil
import sqlite3
from datetime import UTC, datetime

from ..errors import InvalidArgument
from . import store
from .errors import VolumeInUse, VolumeNotFound
from .store import Volume

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Sequence
    from typing import Any

NAME_RE = re.compile(r"^[a-zA-Z0-9][a-zA-Z0-9_.-]+$")
ANONYMOUS_LABEL = "com.docker.volume.anonymous"


def _now() -> str:
    return datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def check_name(name: str) -> str:
    if not NAME_RE.match(name):
        raise InvalidArgument(
            f'create {name}: "{name}" includes invalid characters for a local volume name, only '
            '"[a-zA-Z0-9][a-zA-Z0-9_.-]" are allowed. If you intended to pass a host directory, use '
            "absolute path")
    return name


class VolumeService:
    def __init__(self, root: str, conn: sqlite3.Connection) -> None:
        self.root = root
        self.conn = conn
        store.ensure_schema(conn)

    def data_dir(self, name: str) -> str:
        return os.path.join(self.root, "volumes", name, "_data")

    # --- create / get --------------------------------------------------------------------------

    def create(self, name: str | None = None, *, driver: str = "local", labels: dict[str, str] | None = None,
               options: dict[str, str] | None = None, anonymous: bool = False) -> Volume:
        """``volume create``: a new volume, or the existing one of that name (as docker does)."""
        if driver != "local":
            raise InvalidArgument(f'create {name or ""}: error looking up volume plugin {driver}: plugin '
                                  f'"{driver}" not found')
        if options:
            raise InvalidArgument(f"create {name or ''}: driver options are not supported by dockyard's "
                                  f"local driver: {', '.join(sorted(options))}")
        if name is None:
            name = secrets.token_hex(32)
            anonymous = True
        check_name(name)
        existing = store.get(self.conn, name)
        if existing is not None:
            return existing
        labels = dict(labels or {})
        if anonymous:
            labels.setdefault(ANONYMOUS_LABEL, "")
        vol = Volume(name=name, driver="local", labels=labels, options={}, created=_now(),
                     anonymous=anonymous, copied=False)
        os.makedirs(self.data_dir(name), mode=0o755, exist_ok=True)
        with store.tx(self.conn) as c:
            if store.get(c, name) is not None:
                return vol
            store.insert(c, vol)
        return vol

    def get(self, name: str) -> Volume:
        vol = store.get(self.conn, name)
        if vol is None:
            raise VolumeNotFound(name)
        return vol

    def list(self) -> builtins.list[Volume]:
        return store.all_volumes(self.conn)

    # --- usage ---------------------------------------------------------------------------------

    def users(self) -> dict[str, builtins.list[str]]:
        """volume name -> ids of the containers that reference it."""
        out: dict[str, set[str]] = {}
        mounts = store.container_mounts(self.conn)
        for cid, ms in (mounts or {}).items():
            for m in ms:
                if m.get("Type") == "volume" and m.get("Source"):
                    out.setdefault(str(m["Source"]), set()).add(cid)
        for ref in store.all_refs(self.conn):
            if mounts is None or ref.container_id in mounts:
                out.setdefault(ref.volume, set()).add(ref.container_id)
        return {k: sorted(v) for k, v in out.items()}

    def size(self, name: str) -> int:
        from ..snapshot.lookup import disk_usage
        return disk_usage(self.data_dir(name))

    # --- queries -------------------------------------------------------------------------------

    def inspect(self, name: str) -> dict[str, Any]:
        """Docker's ``volume inspect`` object."""
        v = self.get(name)
        return {"CreatedAt": v.created, "Driver": v.driver, "Labels": dict(v.labels) or None,
                "Mountpoint": self.data_dir(v.name), "Name": v.name, "Options": dict(v.options) or None,
                "Scope": "local"}

    def filter(self, filters: builtins.list[tuple[str, str]]) -> builtins.list[Volume]:
        """``volume ls --filter``: dangling=true|false, name=SUBSTRING, label=KEY[=VALUE], driver=."""
        vols = self.list()
        used = self.users() if any(k == "dangling" for k, _ in filters) else {}
        by_key: dict[str, builtins.list[str]] = {}
        for k, v in filters:
            if k not in ("dangling", "name", "label", "driver"):
                raise InvalidArgument(f"invalid filter '{k}'")
            by_key.setdefault(k, []).append(v)
        out = []
        for vol in vols:
            if "dangling" in by_key:
                want = by_key["dangling"][-1].lower()
                if want not in ("true", "false", "1", "0"):
                    raise InvalidArgument(f"invalid filter 'dangling={want}'")
                if (vol.name not in used) != (want in ("true", "1")):
                    continue
            if "name" in by_key and not any(n in vol.name for n in by_key["name"]):
                continue
            if "driver" in by_key and vol.driver not in by_key["driver"]:
                continue
            if "label" in by_key and not all(_label_matches(vol.labels, lab) for lab in by_key["label"]):
                continue
            out.append(vol)
        return out

    # --- remove --------------------------------------------------------------------------------

    def remove(self, name: str, *, force: bool = False) -> None:
        """``volume rm``: refuses a volume in use (also with ``force``, as docker does); ``force``
        ignores a missing volume."""
        vol = store.get(self.conn, name)
        if vol is None:
            if force:
                return
            raise VolumeNotFound(name)
        users = self.users().get(name)
        if users:
            raise VolumeInUse(name, users)
        with store.tx(self.conn) as c:
            store.delete(c, name)
        shutil.rmtree(os.path.join(self.root, "volumes", name), ignore_errors=True)

    def prune(self, *, all_: bool = False,
              labels: Sequence[str] = ()) -> tuple[builtins.list[str], int]:
        """``volume prune``: unused anonymous volumes (``all_``: every unused volume).
        Returns the removed names and the bytes reclaimed."""
        used = self.users()
        removed: list[str] = []
        reclaimed = 0
        for vol in self.list():
            if vol.name in used or not (all_ or vol.anonymous):
                continue
            if labels and not all(_label_matches(vol.labels, lab) for lab in labels):
                continue
            size = self.size(vol.name)
            try:
                self.remove(vol.name)
            except VolumeInUse:
                continue
            removed.append(vol.name)
            reclaimed += size
        return removed, reclaimed


def _label_matches(labels: dict[str, str], spec: str) -> bool:
    key, sep, value = spec.partition("=")
    return key in labels and (not sep or labels[key] == value)
