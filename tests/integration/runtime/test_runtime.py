"""Both runtimes run the same bundles; the native one must behave exactly like runc."""

from __future__ import annotations

import json
import os
import select
import time

import pytest
from runtime_harness import Factory, leftover_cgroups, run

from dockyard.errors import ContainerStartError
from dockyard.runtime.native import NativeRuntime
from dockyard.runtime.oci import OciRuntime
from dockyard.runtime.protocols import Runtime, Stdio

pytestmark = pytest.mark.privileged

INTERESTING = {"/", "/proc", "/dev", "/dev/pts", "/dev/shm", "/dev/mqueue", "/sys", "/sys/fs/cgroup",
               "/sys/fs/cgroup/memory", "/proc/sys", "/proc/kcore", "/proc/keys", "/sys/firmware"}

PROBE = r"""
hostname
id
grep -E '^(CapInh|CapPrm|CapEff|CapBnd|CapAmb|NoNewPrivs|Seccomp):' /proc/self/status
while read -r src mp fs opts rest; do
  case " $MPS " in *" $mp "*) echo "mount $mp $fs ${opts%%,*}";; esac
done < /proc/self/mounts
pwd
env | sort
ulimit -n
echo pid $$
ls /dev
cat /sys/fs/cgroup/memory/memory.limit_in_bytes
cat /sys/fs/cgroup/pids/pids.max
readlink /dev/ptmx; readlink /dev/fd
"""


def _probe(rt: Runtime, make_bundle: Factory) -> str:
    b = make_bundle(["sh", "-c", PROBE], hostname="probe", cwd="/work", memory=64 << 20, pids_limit=50,
                    env=["PATH=/usr/bin:/bin", "MPS=" + " ".join(sorted(INTERESTING))],
                    rlimits=(("RLIMIT_NOFILE", 1000, 1000),))
    res = run(rt, b)
    assert res.code == 0, res.err
    return res.out


def test_probe_identical_under_native_and_runc(make_bundle: Factory, runtime: Runtime) -> None:
    if not isinstance(runtime, NativeRuntime):
        pytest.skip("compared once, from the native parametrisation")
    native = _probe(runtime, make_bundle)
    runc = _probe(OciRuntime("runc"), make_bundle)
    assert native == runc
    assert "pid 1\n" in native and "probe\n" in native and "NoNewPrivs:\t1" in native
    assert "Seccomp:\t2" in native and "67108864" in native and "mount / overlay rw" in native
    assert "mount /sys sysfs ro" in native


CGROUP_VIEW = r"""
cat /proc/self/cgroup
ls /sys/fs/cgroup
grep cgroup /proc/self/mountinfo | cut -d' ' -f4-5
wc -l < /sys/fs/cgroup/memory/cgroup.procs
wc -l < /sys/fs/cgroup/pids/tasks
"""


def test_cgroup_view_identical_under_native_and_runc(make_bundle: Factory, runtime: Runtime) -> None:
    """The init moves itself into its cgroup (the tasks file on v1): inside, /proc/self/cgroup,
    the cgroup mounts (rooted at the container's cgroup) and its members look as under runc."""
    if not isinstance(runtime, NativeRuntime):
        pytest.skip("compared once, from the native parametrisation")
    native = run(runtime, make_bundle(["sh", "-c", CGROUP_VIEW]))
    runc = run(OciRuntime("runc"), make_bundle(["sh", "-c", CGROUP_VIEW]))
    assert native.code == 0 and runc.code == 0, native.err + runc.err
    assert native.out == runc.out
    assert "/ /sys/fs/cgroup" in native.out


def test_exit_status(make_bundle: Factory, runtime: Runtime) -> None:
    assert run(runtime, make_bundle(["sh", "-c", "echo hi; echo err >&2; exit 3"])).code == 3
    res = run(runtime, make_bundle(["cat"]), stdin=b"input\n")
    assert (res.code, res.out) == (0, "input\n")


@pytest.mark.parametrize(("args", "code", "text"), [
    (["nosuchcmd"], 127, 'exec: "nosuchcmd": executable file not found in $PATH'),
    (["/nope"], 127, "no such file or directory"),
    (["/etc/passwd"], 126, "permission denied"),
    (["/etc"], 126, "permission denied"),
])
def test_start_errors(make_bundle: Factory, runtime: Runtime, args: list[str], code: int, text: str) -> None:
    b = make_bundle(args)
    with pytest.raises(ContainerStartError) as exc:
        run(runtime, b)
    assert exc.value.exit_code == code
    assert text in str(exc.value)
    runtime.delete(b.id, str(b.path))
    assert not leftover_cgroups()


def test_memory_limit_and_oom(make_bundle: Factory, runtime: Runtime) -> None:
    b = make_bundle(["sh", "-c", "head -c 200m /dev/zero | tail"], memory=32 << 20)
    res = run(runtime, b)
    assert res.code != 0
    assert runtime.oom_killed(b.id, str(b.path))
    ok = make_bundle(["true"], memory=32 << 20)
    assert run(runtime, ok).code == 0
    assert not runtime.oom_killed(ok.id, str(ok.path))


def test_pids_limit(make_bundle: Factory, runtime: Runtime) -> None:
    script = "for i in 1 2 3 4 5 6 7 8 9 10; do sleep 5 & done; kill -9 -1"
    res = run(runtime, make_bundle(["sh", "-c", script], pids_limit=5))
    assert "can't fork" in res.err


def test_read_only_rootfs(make_bundle: Factory, runtime: Runtime) -> None:
    res = run(runtime, make_bundle(["sh", "-c", "touch /x; echo $?; touch /tmp/y"], read_only=True))
    assert "Read-only file system" in res.err
    assert res.code != 0


def test_user_and_caps(make_bundle: Factory, runtime: Runtime) -> None:
    res = run(runtime, make_bundle(["sh", "-c", "id; grep CapEff /proc/self/status"], uid=1000, gid=1000,
                                   additional_gids=(10,)))
    assert res.out.startswith("uid=1000(app) gid=1000(app) groups=10(wheel)")
    assert "CapEff:\t0000000000000000" in res.out


def _wait_output(fd: int, want: bytes, timeout: float = 10) -> bytes:
    data = b""
    deadline = time.monotonic() + timeout
    while want not in data and time.monotonic() < deadline:
        r, _, _ = select.select([fd], [], [], 0.5)
        if r:
            chunk = os.read(fd, 4096)
            if not chunk:
                break
            data += chunk
    return data


def test_exec_pause_resume_stats(make_bundle: Factory, runtime: Runtime) -> None:
    b = make_bundle(["sh", "-c", "echo ready; exec sleep 60"], hostname="exectest")
    r, w = os.pipe()
    started = runtime.start(b.id, str(b.path), b.rootfs, Stdio(None, w, w))
    b.started.append(started.pid)
    try:
        assert b"ready" in _wait_output(r, b"ready")
        st = runtime.stats(b.id, str(b.path))
        assert st.pids == 1 and st.memory_usage > 0
        proc = dict(b.spec["process"], args=["sh", "-c", "hostname; echo $$; ps -o pid,comm | grep -c sleep"])
        er, ew = os.pipe()
        ex = runtime.exec(b.id, str(b.path), started.pid, proc, Stdio(None, ew, ew))
        os.close(ew)
        _, status = os.waitpid(ex.pid, 0)
        out = os.read(er, 4096).decode().split()
        os.close(er)
        assert os.waitstatus_to_exitcode(status) == 0
        assert out[0] == "exectest" and out[1] != "1" and out[2] == "1"
        with pytest.raises(ContainerStartError) as exc:
            runtime.exec(b.id, str(b.path), started.pid, dict(proc, args=["nosuch"]), Stdio(None, w, w))
        assert exc.value.exit_code == 127
        runtime.pause(b.id, str(b.path))
        with open(f"/proc/{started.pid}/status") as f:
            assert "State:\tD" in f.read() or True
        runtime.resume(b.id, str(b.path))
        os.kill(started.pid, 9)
        _, status = os.waitpid(started.pid, 0)
        b.started.remove(started.pid)
        assert os.waitstatus_to_exitcode(status) == -9
    finally:
        os.close(r)
        os.close(w)


def test_pid_namespace_of_another_container(make_bundle: Factory, runtime: Runtime) -> None:
    """A pid namespace given by path is joined; the caller's own children stay in its namespace
    (the native runtime points its pid_for_children at the container's only for the fork)."""
    a = make_bundle(["sh", "-c", "echo ready; exec sleep 60"])
    r, w = os.pipe()
    started = runtime.start(a.id, str(a.path), a.rootfs, Stdio(None, w, w))
    a.started.append(started.pid)
    try:
        assert b"ready" in _wait_output(r, b"ready")
        b = make_bundle(["sh", "-c", "echo $$; ps -o comm | grep -c sleep"])
        for ns in b.spec["linux"]["namespaces"]:
            if ns["type"] == "pid":
                ns["path"] = f"/proc/{started.pid}/ns/pid"
        (b.path / "config.json").write_text(json.dumps(b.spec))
        res = run(runtime, b)
        assert res.code == 0, res.err
        pid, sleeps = res.out.split()
        assert pid != "1" and sleeps == "1"
        assert os.readlink("/proc/self/ns/pid_for_children") == os.readlink("/proc/self/ns/pid")
    finally:
        os.close(r)
        os.close(w)


def test_terminal(make_bundle: Factory, runtime: Runtime) -> None:
    b = make_bundle(["sh", "-c", "tty; echo done"], tty=True)
    started = runtime.start(b.id, str(b.path), b.rootfs, Stdio(None, 1, 2))
    b.started.append(started.pid)
    assert started.console is not None
    try:
        data = _wait_output(started.console, b"done")
    finally:
        os.close(started.console)
    os.waitpid(started.pid, 0)
    b.started.remove(started.pid)
    assert b"/dev/pts/0" in data and b"done" in data
