"""-v / --mount / --tmpfs / --volumes-from parsing (pure)."""

from __future__ import annotations

from pathlib import Path

import pytest

from dockyard.errors import InvalidArgument
from dockyard.volume.spec import normalise, parse_mount, parse_tmpfs, parse_volume


def test_volume_forms() -> None:
    anon = parse_volume("/data")
    assert anon["Type"] == "volume" and anon["Anonymous"] and len(anon["Source"]) == 64
    named = parse_volume("mydata:/var/lib/x:ro")
    assert (named["Type"], named["Source"], named["Target"], named["ReadOnly"]) == \
        ("volume", "mydata", "/var/lib/x", True)
    bind = parse_volume("/host/dir/:/ctr:rw,rslave")
    assert (bind["Type"], bind["Source"], bind["Target"], bind["ReadOnly"], bind["Options"]) == \
        ("bind", "/host/dir", "/ctr", False, ["rslave"])
    assert parse_volume("v1:/x:nocopy")["NoCopy"]


@pytest.mark.parametrize(("spec", "message"), [
    ("a:b:c:d", "invalid volume specification: 'a:b:c:d'"),
    ("relative", "mount path must be absolute"),
    ("v:/", "destination can't be '/'"),
    ("/h:/c:bogus", "invalid mode: bogus"),
    ("/h:/c:ro,rw", "invalid mode"),
    ("bad name:/c", "includes invalid characters for a local volume name"),
    ("", "invalid volume specification"),
])
def test_volume_errors(spec: str, message: str) -> None:
    with pytest.raises(InvalidArgument, match=message.replace("(", r"\(")):
        parse_volume(spec)


def test_mount_forms(tmp_path: Path) -> None:
    m = parse_mount(f"type=bind,src={tmp_path},dst=/app,readonly")
    assert (m["Type"], m["Source"], m["Target"], m["ReadOnly"]) == ("bind", str(tmp_path), "/app", True)
    v = parse_mount("type=volume,source=cache,target=/cache,volume-nocopy")
    assert (v["Source"], v["NoCopy"], v["ReadOnly"]) == ("cache", True, False)
    assert parse_mount("target=/anon")["Anonymous"]
    t = parse_mount("type=tmpfs,dst=/run,tmpfs-size=1m,tmpfs-mode=1770")
    assert t["Options"] == ["size=1048576", "mode=1770"]


@pytest.mark.parametrize(("spec", "message"), [
    ("type=bind,src=/definitely/not/here,dst=/x", "bind source path does not exist: /definitely/not/here"),
    ("type=bind,dst=/x", "field Source must not be empty"),
    ("type=volume,src=v", "field Target must not be empty"),
    ("type=tmpfs,src=x,dst=/x", "field Source must not be specified"),
    ("type=nfs,dst=/x", "invalid type"),
    ("type=volume,dst=/x,bogus=1", "unexpected key 'bogus'"),
])
def test_mount_errors(spec: str, message: str) -> None:
    with pytest.raises(InvalidArgument, match=message):
        parse_mount(spec)


def test_tmpfs() -> None:
    t = parse_tmpfs("/run", "size=64m,mode=1777,exec")
    assert t["Options"] == ["size=67108864", "mode=1777", "exec"]
    assert parse_tmpfs("/ro", "ro")["ReadOnly"]
    with pytest.raises(InvalidArgument, match="invalid tmpfs option"):
        parse_tmpfs("/x", "bogus=1")


def test_normalise_duplicates_and_image_volumes() -> None:
    hc = {"Binds": ["data:/data", "/tmp:/hosttmp:ro"], "Tmpfs": {"/run": ""}, "VolumesFrom": ["other:ro"]}
    ms = normalise(hc, {"/data": {}, "/var/log": {}})
    assert [m["Target"] for m in ms] == ["/data", "/hosttmp", "/run", "/var/log"]
    assert ms[-1]["Anonymous"]
    with pytest.raises(InvalidArgument, match="Duplicate mount point: /data"):
        normalise({"Binds": ["aa:/data"], "Tmpfs": {"/data": ""}}, {})
    with pytest.raises(InvalidArgument, match="volumes-from"):
        normalise({"VolumesFrom": ["x:rx"]}, {})
