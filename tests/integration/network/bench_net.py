"""Benchmark (run as root: ``.venv/bin/python tests/integration/network/bench_net.py``).

Prints the time network setup adds per container (prepare + attach, and release) and the
throughput of a ~100 MB HTTP download through a published port on 127.0.0.1 versus straight
to the container's address.  Uses its own bridge/chain/subnet names (prefix ``dyb``)."""

from __future__ import annotations

import os
import signal
import socket
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(__file__))

from dyt_helpers import spawn_in_netns, wait_port  # noqa: E402

from dockyard.network.model import AttachOptions, NetConfig  # noqa: E402
from dockyard.network.ports import parse_publish  # noqa: E402
from dockyard.network.service import NetworkService  # noqa: E402


def start_netns() -> tuple[subprocess.Popen[bytes], int]:
    p = subprocess.Popen(["unshare", "--net", "--fork", "--kill-child", "/bin/busybox", "sleep", "600"],
                         start_new_session=True)
    while True:
        try:
            kids = open(f"/proc/{p.pid}/task/{p.pid}/children").read().split()  # noqa: SIM115
        except FileNotFoundError:
            kids = []
        if kids and os.readlink(f"/proc/{kids[0]}/ns/net") != os.readlink("/proc/self/ns/net"):
            return p, int(kids[0])
        time.sleep(0.005)


def download(host: str, port: int) -> tuple[int, float]:
    t0 = time.perf_counter()
    total = 0
    buf = bytearray(1 << 20)
    with socket.create_connection((host, port)) as s:
        s.sendall(b"GET /blob HTTP/1.0\r\n\r\n")
        while True:
            n = s.recv_into(buf)
            if not n:
                break
            total += n
    return total, time.perf_counter() - t0


def main() -> None:
    tmp = tempfile.mkdtemp(prefix="dyb")
    cfg = NetConfig(default_bridge="dyb0", default_subnet="10.216.0.0/24", bridge_prefix="dyb",
                    veth_prefix="dybv", chain="DYB", enable_forwarding=False)
    conn = sqlite3.connect(os.path.join(tmp, "dockyard.db"), isolation_level=None)
    conn.execute("PRAGMA journal_mode=WAL")
    svc = NetworkService(tmp, conn, cfg)
    procs: list[subprocess.Popen[bytes]] = []
    try:
        warm, warm_pid = start_netns()
        procs.append(warm)
        svc.setup("0" * 64, AttachOptions(name="warm"), warm_pid)  # bridge + base rules exist
        setup, setup_port, release = [], [], []
        for i in range(20):
            p, pid = start_netns()
            procs.append(p)
            cid = f"{i + 1:064x}"
            ports = tuple(parse_publish(f"{20000 + i}:80")) if i % 2 else ()
            t0 = time.perf_counter()
            svc.prepare(cid, AttachOptions(name=f"c{i}", ports=ports))
            svc.attach(cid, pid)
            (setup_port if ports else setup).append(time.perf_counter() - t0)
            t0 = time.perf_counter()
            svc.release(cid)
            release.append(time.perf_counter() - t0)
        ms = lambda xs: f"median {statistics.median(xs) * 1000:.1f} ms, max {max(xs) * 1000:.1f} ms"  # noqa: E731
        print(f"setup (prepare+attach), no ports: {ms(setup)}")
        print(f"setup (prepare+attach), 1 port:   {ms(setup_port)}")
        print(f"release:                          {ms(release)}")

        www = os.path.join(tmp, "www")
        os.makedirs(www)
        with open(os.path.join(www, "blob"), "wb") as f:
            f.write(os.urandom(1 << 20) * 100)
        p, pid = start_netns()
        procs.append(p)
        web = AttachOptions(name="web", ports=tuple(parse_publish("127.0.0.1:28080:80")))
        cn = svc.setup("f" * 64, web, pid)
        procs.append(spawn_in_netns(pid, "/bin/busybox", "httpd", "-f", "-p", "80", "-h", www))
        wait_port(pid, 80)
        for label, host, port in (("published 127.0.0.1:28080", "127.0.0.1", 28080),
                                  ("direct to container ip", cn.ip, 80)):
            best = 0.0
            for _ in range(3):
                n, dt = download(host, port)
                best = max(best, n / dt / 1e6)
            print(f"throughput {label}: {best:.0f} MB/s ({n / 1e6:.0f} MB)")
    finally:
        for p in procs:
            try:
                os.killpg(p.pid, signal.SIGKILL)
            except ProcessLookupError:
                p.kill()
            p.wait()
        svc.remove_all()
        subprocess.run(["rm", "-rf", tmp], check=False)


if __name__ == "__main__":
    main()
