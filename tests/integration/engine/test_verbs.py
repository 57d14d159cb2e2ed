"""More docker verbs and flags, end to end through the CLI."""

from __future__ import annotations

import json
import os
import subprocess
import time

import pytest

from .conftest import DOCKYARD, DY


def test_init_runs_a_reaper_as_pid_1(dy: DY) -> None:
    if not os.path.exists("/usr/bin/tini-static") and not os.path.exists("/usr/bin/tini"):
        pytest.skip("tini is not installed (apt-get install tini)")
    out = dy.out("run", "--rm", "--init", "busybox", "sh", "-c", "cat /proc/1/cmdline | tr '\\0' ' '; echo; echo $$")
    first, pid = out.splitlines()
    assert first.startswith("/sbin/docker-init -- sh")
    assert pid != "1"
    assert dy("run", "--rm", "--init", "busybox", "sh", "-c", "exit 5", check=False).returncode == 5


def test_exec_with_tty_and_env_workdir_user(dy: DY) -> None:
    dy("run", "-d", "--name", "ex", "busybox", "sleep", "60")
    assert dy.out("exec", "-t", "ex", "tty").startswith("/dev/pts/")
    assert "not a tty" in dy("exec", "ex", "tty", check=False).stdout
    assert dy.out("exec", "-e", "A=b", "-w", "/tmp", "ex", "sh", "-c", "echo $A $(pwd)") == "b /tmp"
    assert dy.out("exec", "-u", "nobody", "ex", "id", "-u") == "65534"
    assert dy("exec", "ex", "nope", check=False).returncode == 127
    dy("exec", "-d", "ex", "sh", "-c", "echo hi > /tmp/d")
    deadline = time.time() + 5
    while time.time() < deadline and dy("exec", "ex", "cat", "/tmp/d", check=False).returncode:
        time.sleep(0.05)
    assert dy.out("exec", "ex", "cat", "/tmp/d") == "hi"
    dy("stop", "-t", "0", "ex")
    p = dy("exec", "ex", "true", check=False)
    assert p.returncode != 0 and "is not running" in p.stderr


def test_logs_follow_since_and_timestamps(dy: DY) -> None:
    dy("run", "-d", "--name", "lf", "busybox", "sh", "-c", "for i in 1 2 3; do echo n$i; sleep 0.3; done")
    p = dy("logs", "-f", "lf", timeout=20)
    assert p.stdout.split() == ["n1", "n2", "n3"]
    assert dy.out("logs", "--since", "1h", "lf").split() == ["n1", "n2", "n3"]
    assert dy.out("logs", "--until", "2000-01-01T00:00:00Z", "lf") == ""
    assert dy.out("logs", "--tail", "0", "lf") == ""


def test_ps_flags(dy: DY) -> None:
    a = dy.out("run", "-d", "--name", "p1", "-l", "tier=web", "busybox", "sleep", "60")
    b = dy.out("create", "--name", "p2", "busybox", "true")
    assert dy.out("ps", "-q") == a[:12]
    assert dy.out("ps", "-aq", "--no-trunc").split() == [b, a]
    assert dy.out("ps", "-lq") == b[:12]
    assert dy.out("ps", "-n", "1", "-q") == b[:12]
    assert dy.out("ps", "-aq", "--filter", "label=tier=web") == a[:12]
    assert dy.out("ps", "-aq", "--filter", "status=created") == b[:12]
    assert dy.out("ps", "-aq", "--filter", "ancestor=busybox").split() == [b[:12], a[:12]]
    rows = [json.loads(line) for line in dy.out("ps", "-a", "--format", "json").splitlines()]
    assert {r["Names"] for r in rows} == {"p1", "p2"} and rows[0]["State"] == "created"
    assert "SIZE" in dy.out("ps", "-s").splitlines()[0]
    assert dy.out("ps", "--format", "table {{.Names}}\t{{.Status}}").splitlines()[0].split()[:2] == ["NAMES", "STATUS"]
    p = dy("ps", "--filter", "bogus=1", check=False)
    assert p.returncode == 125 and "invalid filter" in p.stderr


def test_restart_always_and_stop_prevents_restart(dy: DY) -> None:
    dy("run", "-d", "--name", "ra", "--restart", "always", "busybox", "sh", "-c", "sleep 0.2; exit 1")
    deadline = time.time() + 15
    while time.time() < deadline:
        if int(dy.out("inspect", "-f", "{{.RestartCount}}", "ra")) >= 2:
            break
        time.sleep(0.1)
    assert int(dy.out("inspect", "-f", "{{.RestartCount}}", "ra")) >= 2
    dy("stop", "-t", "1", "ra")
    assert dy.out("inspect", "-f", "{{.State.Status}}", "ra") == "exited"
    count = dy.out("inspect", "-f", "{{.RestartCount}}", "ra")
    time.sleep(1)
    assert dy.out("inspect", "-f", "{{.State.Status}} {{.RestartCount}}", "ra") == f"exited {count}"


def test_rename_conflicts_and_prune(dy: DY) -> None:
    dy("create", "--name", "r1", "busybox", "true")
    dy("create", "--name", "r2", "busybox", "true")
    p = dy("rename", "r1", "r2", check=False)
    assert p.returncode != 0 and "already in use" in p.stderr
    p = dy("create", "--name", "r1", "busybox", "true", check=False)
    assert p.returncode == 125 and "already in use" in p.stderr
    dy("run", "-d", "--name", "alive", "busybox", "sleep", "60")
    out = dy.out("container", "prune", "-f")
    assert "Deleted Containers" in out
    assert dy.out("ps", "-a", "--format", "{{.Names}}") == "alive"
    p = dy("rm", "alive", check=False)
    assert p.returncode != 0 and "stop the container before removing or force remove" in p.stderr


def test_export_import_round_trip_and_history(dy: DY, tmp_path: object) -> None:
    dy("run", "--name", "mk", "busybox", "sh", "-c", "echo data > /made-here; rm /bin/vi")
    tar = os.path.join(str(tmp_path), "fs.tar")
    dy("export", "-o", tar, "mk")
    image_id = dy.out("import", "-c", "ENV FOO=bar", "-c", "CMD [\"cat\", \"/made-here\"]", "-m", "round trip",
                      tar, "rt:1")
    assert image_id.startswith("sha256:")
    assert dy.out("run", "--rm", "rt:1") == "data"
    assert dy.out("run", "--rm", "rt:1", "sh", "-c", "echo $FOO; ls /bin/vi 2>&1 || true").splitlines()[0] == "bar"
    assert "No such file" in dy.out("run", "--rm", "rt:1", "sh", "-c", "ls /bin/vi 2>&1 || true")
    hist = dy.out("history", "--format", "{{.Comment}}", "rt:1")
    assert hist == "round trip"
    assert dy.out("history", "-q", "rt:1") == image_id[7:19]
    p = dy("import", "/no/such/file.tar", check=False)
    assert p.returncode == 125 and len(p.stderr.strip().splitlines()) == 1
    p = dy("import", "-c", "BOGUS x", tar, check=False)
    assert p.returncode == 125 and "not a valid change command" in p.stderr


def test_images_filters_and_rmi_in_use(dy: DY) -> None:
    dy("tag", "busybox", "filt:1")
    assert "filt" in dy.out("images", "--filter", "reference=filt*", "--format", "{{.Repository}}")
    assert dy.out("images", "-q", "filt") == dy.out("images", "-q", "busybox")
    dy("run", "-d", "--name", "user1", "filt:1", "sleep", "60")
    image_id = dy.out("image", "inspect", "-f", "{{.Id}}", "filt:1")
    p = dy("rmi", image_id, check=False)
    assert p.returncode != 0 and "running container" in p.stderr
    assert dy.out("rmi", "filt:1") == "Untagged: filt:1"
    assert dy.out("images", "--filter", "dangling=true", "-q") == ""


def test_unknown_runtime_and_bad_flags_change_nothing(dy: DY) -> None:
    for args in (["run", "--runtime", "nonexistent", "busybox", "true"],
                 ["run", "-m", "lots", "busybox", "true"],
                 ["run", "--restart", "sometimes", "busybox", "true"],
                 ["run", "--cpus", "99", "busybox", "true"],
                 ["run", "--stop-signal", "SIGNOPE", "busybox", "true"],
                 ["run", "-w", "relative", "busybox", "true"],
                 ["run", "--name", "bad name!", "busybox", "true"]):
        p = dy(*args, check=False)
        assert p.returncode == 125, args
        assert len(p.stderr.strip().splitlines()) == 1 and "Traceback" not in p.stderr, (args, p.stderr)
    assert dy.out("ps", "-aq") == ""


def test_detached_container_survives_the_cli(dy: DY) -> None:
    p = subprocess.Popen([*DOCKYARD, "--root", dy.root, "run", "-d", "--name", "survivor", "busybox", "sleep", "60"],
                         stdout=subprocess.PIPE, text=True)
    out, _ = p.communicate(timeout=30)
    assert p.returncode == 0 and len(out.strip()) == 64
    assert dy.out("inspect", "-f", "{{.State.Running}}", "survivor") == "true"


def test_run_interactive_tty(dy: DY) -> None:
    import fcntl
    import pty
    import select
    import struct
    import termios
    pid, fd = pty.fork()
    if pid == 0:
        os.execv(DOCKYARD[0], [*DOCKYARD, "--root", dy.root, "run", "--rm", "-it", "busybox", "sh"])
    fcntl.ioctl(fd, termios.TIOCSWINSZ, struct.pack("HHHH", 33, 111, 0, 0))
    out = b""

    def read_for(seconds: float) -> None:
        nonlocal out
        end = time.time() + seconds
        while time.time() < end:
            r, _, _ = select.select([fd], [], [], 0.1)
            if r:
                try:
                    out += os.read(fd, 4096)
                except OSError:
                    return

    read_for(1.5)
    os.write(fd, b"tty; stty size; echo $((6*7))\r")
    read_for(1.5)
    os.write(fd, b"exit 3\r")
    read_for(1.5)
    _, status = os.waitpid(pid, 0)
    os.close(fd)
    text = out.decode(errors="replace")
    assert "/dev/pts/0" in text and "33 111" in text and "42" in text
    assert os.WEXITSTATUS(status) == 3


def test_system_prune_removes_what_nothing_uses(fresh_root: DY, tmp_path: object) -> None:
    dy = fresh_root
    ctx = os.path.join(str(tmp_path), "ctx")
    os.makedirs(ctx)
    with open(os.path.join(ctx, "Dockerfile"), "w") as f:
        f.write("FROM busybox\nRUN echo x > /x\n")
    dy("build", "-q", "-t", "pruneme:1", ctx)
    dy("build", "-q", "-t", "pruneme:1", ctx, "--no-cache")  # the first image is now dangling
    dy("create", "--name", "stopped1", "busybox", "true")
    dy("run", "-d", "--name", "keeper", "busybox", "sleep", "60")
    dy("network", "create", "unusednet")
    dy("volume", "create", "anonymous-ish")
    out = dy.out("system", "prune", "-f", "--volumes")
    assert "Deleted Containers:" in out and "Deleted Networks:" in out and "unusednet" in out
    assert "Deleted Images:" in out and "Total reclaimed space:" in out
    assert dy.out("ps", "-a", "--format", "{{.Names}}") == "keeper"
    assert "unusednet" not in dy.out("network", "ls", "--format", "{{.Name}}")
    assert dy.out("images", "--filter", "dangling=true", "-q") == ""
    assert dy("system", "check").returncode == 0


def test_image_prune_keeps_the_build_cache(fresh_root: DY, tmp_path: object) -> None:
    dy = fresh_root
    ctx = os.path.join(str(tmp_path), "ctx")
    os.makedirs(ctx)
    with open(os.path.join(ctx, "Dockerfile"), "w") as f:
        f.write("FROM busybox\nRUN echo cached > /c\n")
    first = dy.out("build", "-q", "-t", "kept:1", ctx)
    dy("rmi", "kept:1")                 # deletes the image; its layers stay for the cache
    dy("image", "prune", "-f")
    out = dy("build", "--progress", "plain", "-t", "kept:1", ctx).stderr + dy.out("images", "-q")
    assert "CACHED" in out
    assert dy.out("image", "inspect", "-f", "{{.Id}}", "kept:1") == first
    dy("builder", "prune", "-f")
    assert dy("system", "check").returncode == 0


def test_images_filters_before_since_label(dy: DY) -> None:
    dy("run", "--name", "lbl", "busybox", "true")
    newer = dy.out("commit", "-c", "LABEL tier=web", "lbl", "labelled:1")
    dy("rm", "lbl")
    try:
        def repos(*args: str) -> list[str]:
            return dy.out("images", *args, "--format", "{{.Repository}}:{{.Tag}}").split()
        assert repos("--filter", "label=tier=web") == ["labelled:1"]
        assert repos("--filter", "label=tier") == ["labelled:1"]
        assert repos("--filter", "label=tier=db") == []
        assert "labelled:1" in repos("--filter", "since=busybox") and "busybox:latest" not in repos(
            "--filter", "since=busybox")
        assert repos("--filter", "before=labelled:1", "--filter", "reference=busy*") == ["busybox:latest"]
        p = dy("images", "--filter", "before=nosuchimage", check=False)
        assert p.returncode != 0 and len(p.stderr.strip().splitlines()) == 1
    finally:
        dy("rmi", newer, check=False)


def test_failed_run_leaves_no_monitor_behind(dy: DY) -> None:
    """run forks its monitor before it looks at the image: a bad image must send it away."""
    p = dy("run", "--rm", "no-such-image-here", "true", check=False)
    assert p.returncode == 125 and "Unable to find image" in p.stderr
    time.sleep(0.2)
    leftovers = []
    for pid in os.listdir("/proc"):
        if pid.isdigit():
            try:
                with open(f"/proc/{pid}/cmdline", "rb") as f:
                    cmdline = f.read()
                if dy.root.encode() in cmdline and b"no-such-image-here" in cmdline:
                    leftovers.append(pid)  # the monitor is a fork of the CLI: same command line
            except OSError:
                pass
    assert leftovers == []


def _cgroups(prefix: str) -> list[str]:
    base = "/sys/fs/cgroup/pids/dockyard"
    return [d for d in os.listdir(base) if d.startswith(prefix)] if os.path.isdir(base) else []


@pytest.mark.parametrize("runtime", ["native", "runc"])
def test_run_rm_leaves_nothing_behind(dy: DY, runtime: str) -> None:
    """--rm: the CLI returns once the container is gone; the monitor then removes the cgroups and
    the moved directory on its own.  Nothing may stay: no record, no cgroup, no trash."""
    if runtime == "runc" and not os.path.exists("/usr/sbin/runc") and not os.path.exists("/usr/bin/runc"):
        pytest.skip("runc is not installed (apt-get install runc)")
    p = dy("run", "--rm", "--runtime", runtime, "--name", f"gone-{runtime}", "busybox", "sh", "-c",
           "hostname; exit 7", check=False)
    short_id = p.stdout.strip()  # the hostname is the id's first 12 characters
    assert p.returncode == 7 and len(short_id) == 12
    assert dy.out("ps", "-aq", "--filter", f"name=gone-{runtime}") == ""
    deadline = time.monotonic() + 5
    while (_cgroups(short_id) or os.listdir(os.path.join(dy.root, "trash"))) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert _cgroups(short_id) == []
    assert os.listdir(os.path.join(dy.root, "trash")) == []
    # a container that cannot start is removed as completely (its monitor exits right after)
    p = dy("run", "--rm", "--runtime", runtime, "busybox", "no-such-command", check=False)
    assert p.returncode == 127
    assert os.listdir(os.path.join(dy.root, "trash")) == [] and dy.out("ps", "-aq") == ""


def test_network_modes_hostname_and_missing_target(dy: DY) -> None:
    # docker: --network host keeps the host's name; a container: target must exist at create
    assert dy.out("run", "--rm", "--network", "host", "busybox", "hostname") == os.uname().nodename
    before = dy.out("ps", "-aq")
    for verb in ("create", "run"):
        p = dy(verb, "--rm", "--network", "container:no-such-one", "busybox", "true", check=False)
        assert p.returncode == 125 and "No such container: no-such-one" in p.stderr
        assert len(p.stderr.strip().splitlines()) == 1
    assert dy.out("ps", "-aq") == before


def test_stop_kill_rm_of_a_running_rm_container_succeed(dy: DY) -> None:
    """Its monitor removes a --rm container the moment it exits: stop, kill and rm -f must not
    then report "No such container" (docker's succeed)."""
    for verb in (["stop", "-t", "0"], ["kill"], ["rm", "-f"]):
        cid = dy.out("run", "-d", "--rm", "busybox", "sleep", "100")
        p = dy(*verb, cid, check=False)
        assert p.returncode == 0 and p.stderr == "", (verb, p.stderr)
    deadline = time.monotonic() + 5
    while dy.out("ps", "-aq") and time.monotonic() < deadline:
        time.sleep(0.05)
    assert dy.out("ps", "-aq") == ""


def test_rm_f_of_a_restarting_container(dy: DY) -> None:
    """A restarting container has no process (pid 0): rm -f must not signal pid 0, i.e. its own
    process group (run in a session of its own here, so a regression cannot kill the tests)."""
    dy("run", "-d", "--name", "flappy", "--restart", "always", "busybox", "false")
    deadline = time.monotonic() + 10
    while dy.out("inspect", "-f", "{{.State.Status}}", "flappy") != "restarting" and time.monotonic() < deadline:
        time.sleep(0.02)
    p = subprocess.run([*DOCKYARD, "--root", dy.root, "rm", "-f", "flappy"], capture_output=True, text=True,
                       start_new_session=True, timeout=60)
    assert (p.returncode, p.stdout.strip()) == (0, "flappy"), p.stderr
    assert dy.out("ps", "-aq", "--filter", "name=flappy") == ""


def test_logs_follow_survives_rotation(dy: DY) -> None:
    """logs -f across many rotations: it follows the new file each time (it used to stop at the
    first rename), in order, without repeating a line, until the container ends."""
    dy("run", "-d", "--name", "rotor", "--log-opt", "max-size=20k", "--log-opt", "max-file=5", "busybox", "sh",
       "-c", "sleep 1; for r in 1 2 3 4 5 6 7 8; do seq $((r*1000)) $((r*1000+999)); sleep 0.2; done; echo END")
    p = dy("logs", "-f", "rotor", timeout=120)
    lines = p.stdout.split()
    assert lines[-1] == "END"
    numbers = [int(x) for x in lines[:-1]]
    assert numbers == sorted(set(numbers)) and numbers[-1] == 8999
    for _ in range(10):  # plain logs while nothing rotates: what the kept files hold, in order
        q = dy("logs", "rotor")
        assert q.returncode == 0 and q.stdout.split()[-1] == "END"


@pytest.mark.parametrize("runtime", ["native", "runc"])
def test_run_it_has_the_terminal_size_from_the_start(dy: DY, runtime: str) -> None:
    """The first thing a -it program sees is the caller's window size (process.consoleSize),
    not 0x0 until the monitor copies it (busybox `stty size` failed then)."""
    import fcntl
    import pty
    import struct
    import termios
    if runtime == "runc" and not os.path.exists("/usr/sbin/runc") and not os.path.exists("/usr/bin/runc"):
        pytest.skip("runc is not installed (apt-get install runc)")
    pid, fd = pty.fork()
    if pid == 0:
        os.execv(DOCKYARD[0], [*DOCKYARD, "--root", dy.root, "run", "-it", "--rm", "--runtime", runtime, "busybox",
                               "stty", "size"])
    fcntl.ioctl(fd, termios.TIOCSWINSZ, struct.pack("HHHH", 33, 111, 0, 0))
    out = b""
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            chunk = os.read(fd, 4096)
        except OSError:
            break
        if not chunk:
            break
        out += chunk
    os.close(fd)
    _, status = os.waitpid(pid, 0)
    assert os.waitstatus_to_exitcode(status) == 0 and out.split() == [b"33", b"111"], out
