#!/usr/bin/env python3
"""Core engine benchmarks: prints a table, side by side with docker/podman when they are usable.

    .venv/bin/python benchmarks/bench_core.py [--runs 20] [--ps 100] [--idle 10]

Measures: `run --rm busybox true` latency, `exec true` into a running container, `ps -a` with N
containers, and memory kept per idle detached container (RSS and PSS of everything dockyard keeps
running for it: its monitor).  Uses a private store root; removes everything it creates.
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
DY_BIN = os.path.join(os.path.dirname(HERE), ".venv", "bin", "dockyard")


class Failed(Exception):
    pass


def timed(cmd: list[str], runs: int) -> float:
    """Median wall time of ``cmd``; raises Failed when it does not succeed (a fast failure is no
    figure)."""
    p = subprocess.run(cmd, capture_output=True, text=True, check=False)
    if p.returncode != 0:
        raise Failed((p.stderr or p.stdout).strip().splitlines()[-1:][0][:60] if (p.stderr or p.stdout) else "failed")
    samples = []
    for _ in range(runs):
        t = time.perf_counter()
        subprocess.run(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=False)
        samples.append(time.perf_counter() - t)
    return statistics.median(samples)


def mem_of(pid: int) -> tuple[int, int]:
    rss = pss = 0
    try:
        with open(f"/proc/{pid}/smaps_rollup") as f:
            for line in f:
                if line.startswith("Rss:"):
                    rss = int(line.split()[1])
                elif line.startswith("Pss:"):
                    pss = int(line.split()[1])
    except OSError:
        pass
    return rss, pss


def bench_engine(name: str, base: list[str], image: str, args: argparse.Namespace) -> dict[str, str]:
    out: dict[str, str] = {}

    def ms(label: str, cmd: list[str]) -> None:
        try:
            out[label] = f"{timed(cmd, args.runs) * 1000:.0f} ms"
        except Failed as e:
            out[label] = f"failed: {e}"

    run = lambda *a: subprocess.run([*base, *a], capture_output=True, text=True)  # noqa: E731
    ms("run --rm true", [*base, "run", "--rm", image, "true"])
    ms("run --rm --network none true", [*base, "run", "--rm", "--network", "none", image, "true"])
    out["published port download"] = published_port_throughput(base, image, args.mb)
    cid = run("run", "-d", image, "sleep", "600").stdout.strip()
    ms("exec true", [*base, "exec", cid, "true"])
    run("rm", "-f", cid)
    ids = []
    for _ in range(args.ps):
        ids.append(run("create", image, "true").stdout.strip())
    ms(f"ps -a ({args.ps})", [*base, "ps", "-a"])
    run("rm", "-f", *ids)
    running = [run("run", "-d", image, "sleep", "600").stdout.strip() for _ in range(args.rm)]
    t = time.perf_counter()
    run("rm", "-f", *running)
    out[f"rm -f {args.rm} running"] = f"{time.perf_counter() - t:.2f} s"
    if name == "dockyard":
        idle = [run("run", "-d", image, "sleep", "600").stdout.strip() for _ in range(args.idle)]
        time.sleep(0.5)
        rss = pss = 0
        for cid in idle:
            mpid = int(run("inspect", "-f", "{{.State.Pid}}", cid).stdout.strip() or 0)
            # the monitor is the parent of the container's init
            with open(f"/proc/{mpid}/stat") as f:
                ppid = int(f.read().rsplit(")", 1)[1].split()[1])
            r, p = mem_of(ppid)
            rss += r
            pss += p
        out["idle container memory"] = f"RSS {rss / len(idle) / 1024:.1f} MiB, PSS {pss / len(idle) / 1024:.1f} MiB"
        run("rm", "-f", *idle)
    else:
        out["idle container memory"] = "see PLATFORM.md (shim/conmon RSS)"
    return out


def published_port_throughput(base: list[str], image: str, mb: int) -> str:
    """MB/s of an HTTP download of an ``mb`` MB file from busybox httpd through 127.0.0.1:PORT."""
    import socket
    import urllib.request
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    script = f"mkdir -p /www && head -c {mb}000000 /dev/zero > /www/big && exec httpd -f -p 3000 -h /www"
    p = subprocess.run([*base, "run", "-d", "-p", f"127.0.0.1:{port}:3000", image, "sh", "-c", script],
                       capture_output=True, text=True)
    cid = p.stdout.strip()
    if p.returncode != 0:
        return "failed: " + p.stderr.strip()[:60]
    try:
        best = 0.0
        deadline = time.time() + 30
        while time.time() < deadline:
            try:
                for _ in range(3):
                    t = time.perf_counter()
                    with urllib.request.urlopen(f"http://127.0.0.1:{port}/big", timeout=30) as r:
                        n = 0
                        while chunk := r.read(1 << 20):
                            n += len(chunk)
                    if n == mb * 1000000:
                        best = max(best, n / (time.perf_counter() - t) / 1e6)
                break
            except OSError:
                time.sleep(0.2)
        return f"{best:.0f} MB/s" if best else "no answer"
    finally:
        subprocess.run([*base, "rm", "-f", cid], capture_output=True)


def usable(binary: str) -> bool:
    if shutil.which(binary) is None:
        return False
    return subprocess.run([binary, "info"], capture_output=True).returncode == 0


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--runs", type=int, default=20)
    ap.add_argument("--ps", type=int, default=100)
    ap.add_argument("--idle", type=int, default=10)
    ap.add_argument("--rm", type=int, default=50, help="running containers removed by one rm -f")
    ap.add_argument("--mb", type=int, default=200, help="size of the published-port download")
    args = ap.parse_args()
    root = tempfile.mkdtemp(prefix="dockyard-bench-")
    results: dict[str, dict[str, str]] = {}
    try:
        base = [DY_BIN if os.path.exists(DY_BIN) else "dockyard", "--root", root]
        subprocess.run([sys.executable, "-m", "compileall", "-q", "-f", os.path.join(os.path.dirname(HERE), "src")],
                       capture_output=True)
        subprocess.run([*base, "bootstrap", "busybox"], capture_output=True, check=True)
        results["dockyard"] = bench_engine("dockyard", base, "busybox", args)
        # podman on these machines needs runc (crun refuses hybrid cgroups) and no default ulimits
        # (no CAP_SYS_RESOURCE): see PLATFORM.md
        conf = os.path.join(root, "containers.conf")
        with open(conf, "w") as f:
            f.write("[containers]\ndefault_ulimits = []\n")
        os.environ["CONTAINERS_CONF"] = conf
        for eng, cmd in (("docker", ["docker"]), ("podman", ["podman", "--runtime", "runc"])):
            if usable(eng):
                if subprocess.run([*cmd, "image", "inspect", "busybox"], capture_output=True).returncode != 0:
                    data = subprocess.run([*base, "export", subprocess.run(
                        [*base, "create", "busybox", "true"], capture_output=True, text=True).stdout.strip()],
                        capture_output=True).stdout
                    subprocess.run([*cmd, "import", "-c", 'CMD ["sh"]', "-", "busybox:latest"], input=data,
                                   capture_output=True)
                results[eng] = bench_engine(eng, cmd, "busybox", args)
    finally:
        subprocess.run(["pkill", "-f", "--", root], check=False)
        shutil.rmtree(root, ignore_errors=True)
    rows = list(next(iter(results.values())).keys())
    engines = list(results)
    w = max(len(r) for r in rows) + 2
    print("".ljust(w) + "".join(e.ljust(34) for e in engines))
    for r in rows:
        print(r.ljust(w) + "".join(results[e].get(r, "").ljust(34) for e in engines))
    return 0


if __name__ == "__main__":
    sys.exit(main())
