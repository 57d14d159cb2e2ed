"""What every container start and exit runs (netsetup.prepare/attach/release/forget) imports no
heavy module: no ipaddress, socket, threading, typing, json, sqlite3's dbapi2 (datetime), and not
the NetworkService or pyroute2.  attach needs a namespace (integration tests); prepare, release
and forget of the default bridge and of --network none run here on a scratch root."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

HEAVY = ("ipaddress", "socket", "threading", "typing", "json", "re", "enum", "contextlib", "datetime",
         "sqlite3", "sqlite3.dbapi2", "pyroute2", "subprocess", "dockyard.network.service",
         "dockyard.network.nat")


def test_prepare_release_forget_import_nothing_heavy(tmp_path: Path) -> None:
    root = tmp_path / "root"
    root.mkdir()
    (root / "network.json").write_text('{"default_bridge": "dyu0", "veth_prefix": "dyuv", "chain": "DYU"}')
    first = (
        "from dockyard.container import netsetup\n"
        f"netsetup.prepare({str(root)!r}, 'a' * 64, 'first', {{}}, {{}})\n"   # creates tables and builtins
        f"netsetup.forget({str(root)!r}, 'a' * 64)\n"
    )
    subprocess.run([sys.executable, "-c", first], check=True)
    code = (
        "import sys\n"
        "from dockyard.container import netsetup\n"
        f"root = {str(root)!r}\n"
        "plan = netsetup.prepare(root, 'b' * 64, 'web', {'Hostname': 'h'}, {'NetworkMode': 'default'})\n"
        "assert plan == netsetup.NetPlan(None, True), plan\n"
        "netsetup.prepare(root, 'c' * 64, 'lonely', {}, {'NetworkMode': 'none'})\n"
        "netsetup.release(root, 'b' * 64)\n"
        "for cid in ('b' * 64, 'c' * 64):\n"
        "    netsetup.forget(root, cid)\n"
        "print(' '.join(sorted(sys.modules)), file=sys.stderr)\n"
    )
    p = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    loaded = set(p.stderr.split())
    assert "dockyard.network.fastpath" in loaded
    assert [m for m in HEAVY if m in loaded] == []
    hosts = (root / "containers" / ("b" * 64) / "hosts").read_text()
    assert "\th\n" in hosts and hosts.startswith("127.0.0.1\tlocalhost\n")
