"""Glue between the container lifecycle and volumes; each function opens its own connection.

Where the container service calls them::

    create:      host_config["Mounts"] = glue.validate(host_config, img_cfg.get("Volumes") or {})
                 # reads Binds (-v), MountsRaw (--mount values), Tmpfs ({path: opts}), VolumesFrom
    write_spec:  extra_mounts += glue.mounts_for(root, cid, host_config, image_lowerdirs)
    inspect:     "Mounts": glue.inspect_mounts(root, cid, host_config)
    rm [-v]:     glue.release(root, cid, remove_anonymous=volumes)
    system df:   count, active, size, reclaimable = glue.usage(root)
"""

from __future__ import annotations

import json
import os
import shutil
import sqlite3
from contextlib import contextmanager

from ..errors import ContainerNotFound
from . import store
from .copyup import copy_image_path
from .service import VolumeService
from .spec import normalise, parse_volumes_from

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Iterator, Mapping
    from typing import Any


@contextmanager
def open_service(root: str) -> Iterator[VolumeService]:
    """A ``VolumeService`` on a fresh autocommit connection to ``<root>/dockyard.db``."""
    os.makedirs(root, exist_ok=True)
    conn = sqlite3.connect(os.path.join(root, "dockyard.db"), timeout=30, isolation_level=None,
                           check_same_thread=False)
    try:
        conn.execute("PRAGMA busy_timeout=30000")
        if conn.execute("PRAGMA journal_mode").fetchone()[0] != "wal":
            conn.execute("PRAGMA journal_mode=WAL")
        conn.execute("PRAGMA synchronous=NORMAL")
        yield VolumeService(root, conn)
    finally:
        conn.close()


def validate(host_config: dict[str, Any], image_volumes: dict[str, Any]) -> list[dict[str, Any]]:
    """In ``create``: parse every mount flag into the normalised ``Mounts`` list (see ``spec``);
    one-line ``InvalidVolumeSpec`` (an InvalidArgument) for a bad value.  Nothing is created."""
    return normalise(host_config, image_volumes)


def _mounts_of(host_config: Mapping[str, Any]) -> list[dict[str, Any]]:
    mounts = host_config.get("Mounts")
    return list(mounts) if mounts is not None else normalise(host_config, {})


def _container(conn: sqlite3.Connection, ref: str) -> tuple[str, dict[str, Any]]:
    try:
        row = conn.execute("SELECT id, host_config FROM containers WHERE id=? OR name=?", (ref, ref)).fetchone()
        if row is None:
            rows = conn.execute("SELECT id, host_config FROM containers WHERE id LIKE ?", (ref + "%",)).fetchall()
            row = rows[0] if len(rows) == 1 else None
    except sqlite3.OperationalError:
        row = None
    if row is None:
        raise ContainerNotFound(ref)
    return row[0], json.loads(row[1]) or {}


def _effective(conn: sqlite3.Connection, host_config: Mapping[str, Any]) -> list[dict[str, Any]]:
    """The container's own mounts plus those of ``--volumes-from`` containers (own ones win)."""
    own = _mounts_of(host_config)
    targets = {m["Target"] for m in own}
    inherited: list[dict[str, Any]] = []
    for spec in host_config.get("VolumesFrom") or []:
        ref, mode = parse_volumes_from(spec)
        _, other_hc = _container(conn, ref)
        for m in _mounts_of(other_hc):
            if m["Type"] == "tmpfs" or m["Target"] in targets:
                continue
            targets.add(m["Target"])
            m = dict(m)
            if mode:
                m["ReadOnly"] = mode == "ro"
            inherited.append(m)
    return own + inherited


def _is_empty(path: str) -> bool:
    with os.scandir(path) as it:
        return next(it, None) is None


def mounts_for(root: str, cid: str, host_config: dict[str, Any], image_lowerdirs: list[str]) -> list[dict[str, Any]]:
    """In ``write_spec``: OCI ``mounts`` entries for every bind, volume and tmpfs mount (parents
    before children).  Volumes are created on first use; an empty volume gets a copy of what the
    image (and the container's own layer) has at its target unless ``nocopy``.  Records which
    volumes the container uses (``vol_refs``)."""
    upper = os.path.join(root, "containers", cid, "upper")
    layers = ([upper] if os.path.isdir(upper) else []) + list(image_lowerdirs)
    out: list[dict[str, Any]] = []
    with open_service(root) as vols:
        mounts = _effective(vols.conn, host_config)
        used: list[tuple[str, str]] = []
        for m in mounts:
            target, ro = m["Target"], bool(m.get("ReadOnly"))
            if m["Type"] == "tmpfs":
                opts = ["nosuid", "nodev", "noexec", *m.get("Options", [])]
                out.append({"destination": target, "type": "tmpfs", "source": "tmpfs",
                            "options": opts + (["ro"] if ro else [])})
                continue
            if m["Type"] == "bind":
                source = m["Source"]
                if m.get("CreateSource") and not os.path.exists(source):
                    os.makedirs(source, mode=0o755, exist_ok=True)
                props = [o for o in m.get("Options", []) if o] or ["rprivate"]
                out.append({"destination": target, "type": "bind", "source": source,
                            "options": ["rbind", *props] + (["ro"] if ro else [])})
                continue
            vol = vols.create(m["Source"], anonymous=bool(m.get("Anonymous")))
            data = vols.data_dir(vol.name)
            os.makedirs(data, exist_ok=True)
            if not m.get("NoCopy") and _is_empty(data) and copy_image_path(layers, target, data):
                with store.tx(vols.conn) as c:
                    store.set_copied(c, vol.name)
            used.append((target, vol.name))
            out.append({"destination": target, "type": "bind", "source": data,
                        "options": ["rbind", "rprivate"] + (["ro"] if ro else [])})
        with store.tx(vols.conn) as c:
            store.delete_refs(c, cid)
            for target, name in used:
                store.put_ref(c, cid, target, name)
    out.sort(key=lambda e: len([p for p in e["destination"].split("/") if p]))
    return out


def inspect_mounts(root: str, cid: str, host_config: dict[str, Any]) -> list[dict[str, Any]]:
    """Docker's ``Mounts`` array of ``inspect``."""
    out: list[dict[str, Any]] = []
    with open_service(root) as vols:
        try:
            mounts = _effective(vols.conn, host_config)
        except ContainerNotFound:
            mounts = _mounts_of(host_config)
        for m in mounts:
            ro = bool(m.get("ReadOnly"))
            if m["Type"] == "bind":
                props = [o for o in m.get("Options", []) if o]
                out.append({"Type": "bind", "Source": m["Source"], "Destination": m["Target"],
                            "Mode": "ro" if ro else "", "RW": not ro,
                            "Propagation": props[0] if props else "rprivate"})
            elif m["Type"] == "volume":
                out.append({"Type": "volume", "Name": m["Source"], "Source": vols.data_dir(m["Source"]),
                            "Destination": m["Target"], "Driver": "local", "Mode": "ro" if ro else "z",
                            "RW": not ro, "Propagation": ""})
            else:
                out.append({"Type": "tmpfs", "Source": "", "Destination": m["Target"], "Mode": "",
                            "RW": not ro, "Propagation": ""})
    return out


def release(root: str, cid: str, remove_anonymous: bool) -> None:
    """On ``rm``: forget which volumes the container used; with ``remove_anonymous`` (``rm -v``)
    remove its anonymous volumes that no other container uses.  Idempotent."""
    with open_service(root) as vols:
        mine = [r.volume for r in store.refs_of(vols.conn, cid)]
        try:
            _, hc = _container(vols.conn, cid)
            mine += [m["Source"] for m in _mounts_of(hc) if m["Type"] == "volume"]
        except ContainerNotFound:
            pass
        with store.tx(vols.conn) as c:
            store.delete_refs(c, cid)
        if not remove_anonymous:
            return
        users = vols.users()
        for name in dict.fromkeys(mine):
            v = store.get(vols.conn, name)
            if v is None or not v.anonymous:
                continue
            if [u for u in users.get(name, []) if u != cid]:
                continue
            with store.tx(vols.conn) as c:
                store.delete(c, name)
            shutil.rmtree(os.path.join(root, "volumes", name), ignore_errors=True)


def usage(root: str) -> tuple[int, int, int, int]:
    """For ``system df``: (volumes, in use, total bytes, bytes of the unused ones)."""
    with open_service(root) as vols:
        users = vols.users()
        total = active = size = reclaimable = 0
        for v in vols.list():
            n = vols.size(v.name)
            total += 1
            size += n
            if users.get(v.name):
                active += 1
            else:
                reclaimable += n
    return total, active, size, reclaimable
