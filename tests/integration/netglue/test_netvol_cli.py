"""The network, volume and port verbs through ``python -m dockyard.cli.main --root <tmp>``."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from netglue_helpers import free_port

from dockyard.container import netsetup
from dockyard.metadata.db import Database

pytestmark = pytest.mark.privileged


def dy(root: Path, *args: str, stdin: str = "") -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PYTHONPATH": str(Path(__file__).resolve().parents[3] / "src")}
    return subprocess.run([sys.executable, "-m", "dockyard.cli.main", "--root", str(root), *args], input=stdin,
                          capture_output=True, text=True, timeout=60, env=env, check=False)


def ok(root: Path, *args: str, stdin: str = "") -> str:
    res = dy(root, *args, stdin=stdin)
    assert res.returncode == 0, (args, res.stdout, res.stderr)
    return res.stdout


def _container(root: Path, cid: str, name: str, host_config: dict[str, object]) -> None:
    db = Database(str(root / "dockyard.db"))
    with db.tx() as c:
        c.execute("INSERT INTO containers (id, name, image_id, image_ref, created, runtime, config, host_config,"
                  " status) VALUES (?,?,?,?,?,?,?,?,?)",
                  (cid, name, "img", "img", "2026-01-01T00:00:00Z", "native",
                   json.dumps({"ExposedPorts": {"3000/tcp": {}}}), json.dumps(host_config), "created"))
    db.close()


def test_volume_verbs(tmp_path: Path) -> None:
    root = tmp_path / "root"
    assert ok(root, "volume", "create", "--label", "team=a", "vol1") == "vol1\n"
    anon = ok(root, "volume", "create").strip()
    assert len(anon) == 64
    out = ok(root, "volume", "ls")
    assert out.splitlines()[0].split() == ["DRIVER", "VOLUME", "NAME"]
    assert {ln.split()[1] for ln in out.splitlines()[1:]} == {"vol1", anon}
    assert ok(root, "volume", "ls", "-q", "--filter", "label=team=a") == "vol1\n"
    assert ok(root, "volume", "ls", "--format", "{{.Name}} {{.Driver}}", "-f", "name=vol") == "vol1 local\n"
    info = json.loads(ok(root, "volume", "inspect", "vol1"))[0]
    assert info["Mountpoint"] == str(root / "volumes" / "vol1" / "_data") and info["Labels"] == {"team": "a"}
    assert ok(root, "volume", "inspect", "-f", "{{.Scope}}", "vol1") == "local\n"
    res = dy(root, "volume", "inspect", "nope")
    assert res.returncode == 1 and "no such volume" in res.stderr

    cid = "e" * 64
    _container(root, cid, "user", {"Mounts": [{"Type": "volume", "Source": "vol1", "Target": "/v"}]})
    res = dy(root, "volume", "rm", "vol1")
    assert res.returncode == 1 and f"volume is in use - [{cid}]" in res.stderr
    out = ok(root, "volume", "prune", "-f")
    assert out.startswith(f"Deleted Volumes:\n{anon}\n") and "Total reclaimed space" in out
    assert ok(root, "volume", "prune", stdin="n\n").startswith("WARNING!")
    assert ok(root, "volume", "ls", "-q") == "vol1\n"


def test_network_and_port_verbs(netroot: tuple[Path, dict[str, object]]) -> None:
    root, cfg = netroot
    subnet = str(cfg["pools"][0][0]).rsplit(".", 1)[0] + ".64/28"  # type: ignore[index]
    net_id = ok(root, "network", "create", "--subnet", subnet, "--label", "x=1", "dygcli").strip()
    assert len(net_id) == 64
    lines = ok(root, "network", "ls").splitlines()
    assert lines[0].split() == ["NETWORK", "ID", "NAME", "DRIVER", "SCOPE"]
    assert {ln.split()[1] for ln in lines[1:]} == {"bridge", "host", "none", "dygcli"}
    assert ok(root, "network", "ls", "-q", "--filter", "type=custom") == net_id[:12] + "\n"
    info = json.loads(ok(root, "network", "inspect", "dygcli"))[0]
    assert info["IPAM"]["Config"] == [{"Subnet": subnet, "Gateway": subnet.rsplit(".", 1)[0] + ".65"}]
    assert ok(root, "network", "inspect", "-f", "{{.Driver}}", "dygcli") == "bridge\n"
    res = dy(root, "network", "create", "dygcli")
    assert res.returncode != 0 and "already exists" in res.stderr

    cid = "f" * 64
    hp = free_port()
    hc: dict[str, object] = {"NetworkMode": "default", "PortBindingsRaw": [f"127.0.0.1:{hp}:3000"]}
    hc["PortBindings"] = netsetup.validate(hc, {})
    _container(root, cid, "web1", hc)
    ok(root, "network", "connect", "--alias", "w", "dygcli", "web1")
    assert ok(root, "network", "ls", "-q", "--filter", "dangling=true") == ""
    ok(root, "network", "disconnect", "dygcli", "web1")
    assert ok(root, "network", "ls", "-q", "--filter", "dangling=true") == net_id[:12] + "\n"
    netsetup.prepare(str(root), cid, "web1", {}, hc)
    try:
        assert ok(root, "port", "web1") == f"3000/tcp -> 127.0.0.1:{hp}\n"
        assert ok(root, "port", "web1", "3000/tcp") == f"127.0.0.1:{hp}\n"
        res = dy(root, "port", "web1", "81")
        assert res.returncode != 0 and "No public port '81/tcp' published for web1" in res.stderr
    finally:
        netsetup.forget(str(root), cid)
    assert ok(root, "network", "rm", "dygcli") == "dygcli\n"
    ok(root, "network", "create", "dygcli2")
    assert ok(root, "network", "prune", "-f") == "Deleted Networks:\ndygcli2\n"
    res = dy(root, "network", "rm", "bridge")
    assert res.returncode == 1 and "pre-defined network" in res.stderr
