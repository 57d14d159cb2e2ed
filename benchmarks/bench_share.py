#!/usr/bin/env python3
"""Push and pull throughput of a ~200 MB, 4-layer image against a loopback docker-registry,
side by side with docker (a private dockerd) and podman when they are usable.  Prints a table.

    .venv/bin/python benchmarks/bench_share.py [--mb 200] [--runs 1] [--no-docker] [--no-podman]

The image: busybox (dockyard bootstrap) plus three layers of random data, ~``--mb`` MB in all.
Every engine gets the same image (dockyard save -> docker load / podman load) and pushes it to a
fresh registry (nothing already there), then removes it locally and pulls it back (download,
verify, extract).  Throughput is the image's compressed size over the wall time of the command.  An extra row
times dockyard pulling what docker pushed (docker re-compresses layers with Go's gzip; incompressible
data then inflates much faster than the isal-compressed blobs dockyard stores).
Everything created (registries, dockerd, podman storage, stores) is removed at the end.
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
from collections.abc import Callable
from pathlib import Path

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
sys.path.insert(0, str(REPO / "tests" / "integration" / "registry"))
sys.path.insert(0, str(REPO / "tests" / "integration" / "share"))

import regfixtures  # noqa: E402
import sharehelp  # noqa: E402

DY = [str(REPO / ".venv" / "bin" / "python"), "-m", "dockyard.cli.main"]


def sh(cmd: list[str], **kw: object) -> subprocess.CompletedProcess[str]:
    p = subprocess.run(cmd, capture_output=True, text=True, **kw)  # type: ignore[call-overload]
    if p.returncode != 0:
        raise RuntimeError(f"{' '.join(cmd)} failed: {p.stdout}{p.stderr}")
    return p


def timed(fn: Callable[..., object], *args: object) -> float:
    t = time.perf_counter()
    fn(*args)
    return time.perf_counter() - t


def build_image(root: str, mb: int) -> tuple[str, int]:
    """busybox + 3 random layers of ~mb/3 MB each; returns (tag, compressed size in bytes)."""
    dy = lambda *a: sh([*DY, "--root", root, *a])  # noqa: E731
    dy("bootstrap", "busybox")
    base = "busybox"
    per = mb * 1000000 // 3
    for i in range(3):
        dy("run", "--name", f"l{i}", base, "sh", "-c", f"head -c {per} /dev/urandom > /data{i}")
        base = f"bench:{i}"
        dy("commit", f"l{i}", base)
        dy("rm", f"l{i}")
    dy("tag", base, "bench:final")
    from dockyard.engine import Engine
    engine = Engine(root)
    try:
        total = sum(layer.size for layer in engine.images.open("bench:final").layers())
    finally:
        engine.close()
    return "bench:final", total


class Registries:
    """A fresh registry per push, all stopped and removed at the end."""

    def __init__(self, base: Path) -> None:
        self.base = base
        self.started: list[regfixtures.Registry] = []

    def new(self) -> str:
        d = self.base / f"reg{len(self.started)}"
        d.mkdir()
        reg = regfixtures._start(d, None)
        self.started.append(reg)
        return reg.host

    def close(self) -> None:
        for reg in self.started:
            regfixtures._stop(reg)


def bench_dockyard(work: Path, src_root: str, tag: str, regs: Registries, runs: int) -> tuple[list[float], list[float]]:
    push, pull = [], []
    for _ in range(runs):
        host = regs.new()
        ref = f"{host}/bench/dockyard:1"
        sh([*DY, "--root", src_root, "tag", tag, ref])
        push.append(timed(sh, [*DY, "--root", src_root, "push", ref]))
        sh([*DY, "--root", src_root, "rmi", ref])
        root = tempfile.mkdtemp(prefix="bench-pull-", dir=work)
        pull.append(timed(sh, [*DY, "--root", root, "pull", ref]))
        shutil.rmtree(root, ignore_errors=True)
    return push, pull


def bench_docker(work: Path, archive: str, regs: Registries, runs: int,
                 dy_pull: list[float]) -> tuple[list[float], list[float]]:
    """docker push and pull; ``dy_pull`` gets dockyard's pull times of docker's pushes (same
    registry content, compressed by docker)."""
    dk = sharehelp.start_dockerd(work)
    try:
        push, pull = [], []
        for _ in range(runs):
            dk.run("load", "-i", archive)
            host = regs.new()
            ref = f"{host}/bench/docker:1"
            dk.run("tag", "bench:final", ref)
            push.append(timed(dk.run, "push", ref))
            root = tempfile.mkdtemp(prefix="bench-pull-", dir=work)
            dy_pull.append(timed(sh, [*DY, "--root", root, "pull", ref]))
            shutil.rmtree(root, ignore_errors=True)
            dk.run("rmi", "-f", ref, "bench:final", "bench:2", "bench:1", "bench:0", "busybox:latest", check=False)
            dk.run("image", "prune", "-af", check=False)
            pull.append(timed(dk.run, "pull", ref))
            dk.run("rmi", "-f", ref, check=False)
        return push, pull
    finally:
        sharehelp.stop_dockerd(dk)


def bench_podman(archive: str, regs: Registries, runs: int) -> tuple[list[float], list[float]]:
    hosts = [regs.new() for _ in range(runs)]
    pm = sharehelp.make_podman(hosts)
    try:
        push, pull = [], []
        for host in hosts:
            pm.run("load", "-i", archive)
            ref = f"{host}/bench/podman:1"
            push.append(timed(pm.run, "push", "bench:final", ref))
            pm.run("rmi", "-af", check=False)
            pull.append(timed(pm.run, "pull", ref))
            pm.run("rmi", "-af", check=False)
        return push, pull
    finally:
        sharehelp.remove_podman(pm)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--mb", type=int, default=200)
    ap.add_argument("--runs", type=int, default=1)
    ap.add_argument("--no-docker", action="store_true")
    ap.add_argument("--no-podman", action="store_true")
    args = ap.parse_args()
    if os.geteuid() != 0:
        sys.exit("bench_share needs root")
    work = Path(tempfile.mkdtemp(prefix="bench-share-"))
    regs = Registries(work)
    rows: list[tuple[str, str, str]] = []
    try:
        src_root = str(work / "dockyard")
        os.makedirs(src_root)
        tag, size = build_image(src_root, args.mb)
        mb = size / 1e6
        print(f"image: {mb:.0f} MB compressed, 4 layers", flush=True)

        def row(name: str, push: list[float], pull: list[float]) -> None:
            p, q = statistics.median(push), statistics.median(pull)
            rows.append((name, f"{mb / p:.0f} MB/s ({p:.2f}s)", f"{mb / q:.0f} MB/s ({q:.2f}s)"))
            print(f"  {name}: push {rows[-1][1]}, pull {rows[-1][2]}", flush=True)

        row("dockyard", *bench_dockyard(work, src_root, tag, regs, args.runs))
        archive = str(work / "bench.tar")
        sh([*DY, "--root", src_root, "save", "-o", archive, tag])
        if args.no_docker or sharehelp.dockerd_reason():
            rows.append(("docker", "n/a", sharehelp.dockerd_reason() or "skipped"))
        else:
            dy_pull: list[float] = []
            row("docker", *bench_docker(work, archive, regs, args.runs, dy_pull))
            q = statistics.median(dy_pull)
            rows.append(("dockyard pulling docker's push", "", f"{mb / q:.0f} MB/s ({q:.2f}s)"))
        if args.no_podman or sharehelp.podman_reason():
            rows.append(("podman", "n/a", sharehelp.podman_reason() or "skipped"))
        else:
            row("podman", *bench_podman(archive, regs, args.runs))
    finally:
        regs.close()
        sharehelp.cleanup_root(str(work / "dockyard"))
        shutil.rmtree(work, ignore_errors=True)
    w = max(len(r[1]) for r in rows) + 2
    n = max(len(r[0]) for r in rows) + 2
    print(f"\n{'engine':<{n}}{'push':<{w}}{'pull':<{w}}")
    for name, push, pull in rows:
        print(f"{name:<{n}}{push:<{w}}{pull:<{w}}")


if __name__ == "__main__":
    main()
