"""VolumeService on a real SQLite database in a temporary directory."""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterator
from pathlib import Path

import pytest

from dockyard.errors import InvalidArgument
from dockyard.volume import VolumeInUse, VolumeNotFound, VolumeService, glue


@pytest.fixture
def vols(tmp_path: Path) -> Iterator[VolumeService]:
    conn = sqlite3.connect(tmp_path / "dockyard.db", isolation_level=None)
    try:
        yield VolumeService(str(tmp_path), conn)
    finally:
        conn.close()


def _add_container(vols: VolumeService, cid: str, mounts: list[dict[str, object]]) -> None:
    vols.conn.execute("CREATE TABLE IF NOT EXISTS containers (id TEXT PRIMARY KEY, name TEXT, host_config TEXT)")
    vols.conn.execute("INSERT INTO containers VALUES (?,?,?)", (cid, cid[:6], json.dumps({"Mounts": mounts})))


def test_create_inspect_ls(vols: VolumeService, tmp_path: Path) -> None:
    v = vols.create("data", labels={"env": "test"})
    again = vols.create("data")
    assert again == v
    info = vols.inspect("data")
    assert info["Mountpoint"] == str(tmp_path / "volumes" / "data" / "_data")
    assert (info["Driver"], info["Scope"], info["Labels"], info["Name"]) == ("local", "local", {"env": "test"}, "data")
    assert (tmp_path / "volumes" / "data" / "_data").is_dir()
    anon = vols.create()
    assert len(anon.name) == 64 and anon.anonymous
    assert [x.name for x in vols.filter([("label", "env=test")])] == ["data"]
    assert [x.name for x in vols.filter([("name", "dat")])] == ["data"]
    assert len(vols.filter([("dangling", "true")])) == 2
    with pytest.raises(InvalidArgument):
        vols.filter([("bogus", "1")])
    with pytest.raises(InvalidArgument, match="invalid characters"):
        vols.create("no/slash")
    with pytest.raises(VolumeNotFound, match="no such volume"):
        vols.inspect("nope")


def test_rm_in_use_and_prune(vols: VolumeService) -> None:
    vols.create("keep")
    vols.create("used")
    anon = vols.create()
    cid = "c" * 64
    _add_container(vols, cid, [{"Type": "volume", "Source": "used", "Target": "/u"}])
    with pytest.raises(VolumeInUse, match=rf"remove used: volume is in use - \[{cid}\]"):
        vols.remove("used")
    with pytest.raises(VolumeInUse):
        vols.remove("used", force=True)
    vols.remove("missing", force=True)
    with pytest.raises(VolumeNotFound):
        vols.remove("missing")
    assert [v.name for v in vols.filter([("dangling", "false")])] == ["used"]
    removed, _ = vols.prune()
    assert removed == [anon.name]
    removed, _ = vols.prune(all_=True)
    assert removed == ["keep"]
    assert [v.name for v in vols.list()] == ["used"]


def test_glue_usage_and_release(tmp_path: Path, vols: VolumeService) -> None:
    cid = "d" * 64
    hc = {"Binds": ["named:/n", "/anon"]}
    mounts = glue.validate(hc, {})
    _add_container(vols, cid, mounts)
    specs = glue.mounts_for(str(tmp_path), cid, {**hc, "Mounts": mounts}, [])
    assert [m["destination"] for m in specs] == ["/n", "/anon"]
    anon_name = mounts[1]["Source"]
    (tmp_path / "volumes" / "named" / "_data" / "f").write_bytes(b"x" * 10)
    count, active, size, reclaimable = glue.usage(str(tmp_path))
    assert (count, active, size, reclaimable) == (2, 2, 10, 0)
    shown = glue.inspect_mounts(str(tmp_path), cid, {**hc, "Mounts": mounts})
    assert shown[0]["Name"] == "named" and shown[1]["Name"] == anon_name and shown[0]["RW"]
    glue.release(str(tmp_path), cid, remove_anonymous=True)
    assert [v.name for v in vols.list()] == ["named"]
    glue.release(str(tmp_path), cid, remove_anonymous=True)  # idempotent
