"""The guide's claims, on real containers: images are shared read-only layers, each container has
its own writable layer, and the whole lifecycle works."""

from __future__ import annotations

import json

from .conftest import DY


def test_two_containers_have_private_writable_layers(dy: DY) -> None:
    a = dy.out("run", "-d", "--name", "ca", "busybox", "sh", "-c", "echo A > /data-a; sleep 60")
    b = dy.out("run", "-d", "--name", "cb", "busybox", "sh", "-c", "echo B > /data-b; sleep 60")
    dy("exec", "ca", "sh", "-c", "while [ ! -f /data-a ]; do sleep 0.05; done")
    dy("exec", "cb", "sh", "-c", "while [ ! -f /data-b ]; do sleep 0.05; done")
    assert dy.out("exec", "ca", "cat", "/data-a") == "A"
    assert dy("exec", "ca", "cat", "/data-b", check=False).returncode != 0
    assert dy("exec", "cb", "cat", "/data-a", check=False).returncode != 0
    # the image is unchanged: a new container sees neither file
    p = dy("run", "--rm", "busybox", "sh", "-c", "ls /data-a /data-b", check=False)
    assert p.returncode != 0
    assert "A /data-a" in dy.out("diff", "ca").splitlines()
    assert "A /data-b" not in dy.out("diff", "ca")
    assert "A /data-b" in dy.out("diff", "cb").splitlines()
    assert a != b


def test_system_df_counts_shared_layers_once(fresh_root: DY, tmp_path: object) -> None:
    import os

    from dockyard.units import human_size
    dy = fresh_root
    tar = os.path.join(str(tmp_path), "rootfs.tar")
    cid = dy.out("create", "busybox", "true")
    dy("export", "-o", tar, cid)
    dy("rm", cid)
    # two more images from the same tarball: different configs, one shared layer
    dy("import", "-c", "CMD [\"sh\"]", tar, "one:1")
    dy("import", "-c", "CMD [\"true\"]", tar, "two:1")
    assert dy.out("image", "inspect", "-f", "{{.Id}}", "one:1") != dy.out("image", "inspect", "-f", "{{.Id}}", "two:1")
    dy("run", "-d", "--name", "s1", "one:1", "sleep", "60")
    dy("run", "-d", "--name", "s2", "two:1", "sleep", "60")
    dy("exec", "s1", "sh", "-c", "head -c 300000 /dev/zero > /blob")
    rows = {r["Type"]: r for r in (json.loads(line) for line in dy.out("system", "df", "--format", "json").splitlines())}
    layer = int(dy.out("image", "inspect", "-f", "{{.Size}}", "one:1"))
    bb = int(dy.out("image", "inspect", "-f", "{{.Size}}", "busybox"))
    assert rows["Images"]["TotalCount"] == "3" and rows["Images"]["Active"] == "2"
    # busybox's layer + the shared imported layer once, not once per image or container
    assert rows["Images"]["Size"] == human_size(bb + layer)
    assert rows["Containers"]["TotalCount"] == "2"
    verbose = dy.out("system", "df", "-v")
    one = next(line for line in verbose.splitlines() if line.startswith("one "))
    assert human_size(layer) in one.split()  # shared size
    assert "0B" in one.split()  # unique size
    s1 = next(line for line in verbose.splitlines() if line.rstrip().endswith(" s1"))
    assert human_size(300000) in s1.split()


def test_stop_start_keeps_writable_layer_and_rm_deletes_it(dy: DY) -> None:
    cid = dy.out("run", "-d", "--name", "keep", "busybox", "sh", "-c", "echo x >> /counter; sleep 60")
    dy("exec", "keep", "sh", "-c", "while [ ! -f /counter ]; do sleep 0.05; done")
    dy("stop", "-t", "0", "keep")
    assert dy.out("inspect", "--format", "{{.State.Status}}", "keep") == "exited"
    dy("start", "keep")
    dy("exec", "keep", "sh", "-c", "while [ $(wc -l < /counter) -lt 2 ]; do sleep 0.05; done")
    assert dy.out("exec", "keep", "cat", "/counter") == "x\nx"
    from pathlib import Path
    cdir = Path(dy.root) / "containers" / cid
    assert (cdir / "upper" / "counter").exists()
    dy("rm", "-f", "keep")
    assert not cdir.exists()
    assert dy("inspect", "keep", check=False).returncode != 0


def test_lifecycle_states_and_inspect_shape(dy: DY) -> None:
    cid = dy.out("create", "--name", "life", "-e", "FOO=bar", "-l", "app=x", "busybox", "sleep", "60")
    info = json.loads(dy.out("inspect", "life"))[0]
    assert info["Id"] == cid and info["Name"] == "/life"
    assert info["State"]["Status"] == "created"
    assert info["Path"] == "sleep" and info["Args"] == ["60"]
    assert "FOO=bar" in info["Config"]["Env"] and info["Config"]["Labels"]["app"] == "x"
    dy("start", "life")
    assert dy.out("inspect", "-f", "{{.State.Running}}", "life") == "true"
    dy("pause", "life")
    assert dy.out("inspect", "-f", "{{.State.Status}} {{.State.Paused}}", "life") == "paused true"
    dy("unpause", "life")
    assert dy.out("inspect", "-f", "{{.State.Status}}", "life") == "running"
    dy("restart", "-t", "0", "life")
    assert dy.out("inspect", "-f", "{{.State.Status}}", "life") == "running"
    dy("kill", "life")
    assert dy.out("inspect", "-f", "{{.State.Status}} {{.State.ExitCode}}", "life") == "exited 137"
    dy("rename", "life", "life2")
    assert dy.out("ps", "-a", "--filter", "name=life2", "--format", "{{.Names}}") == "life2"
    assert dy.out("ps", "-aq", "--filter", "status=exited", "--filter", "name=life2") == cid[:12]


def test_exit_codes_like_docker(dy: DY) -> None:
    assert dy("run", "--rm", "busybox", "sh", "-c", "exit 7", check=False).returncode == 7
    p = dy("run", "--rm", "busybox", "no-such-command", check=False)
    assert p.returncode == 127 and "executable file not found" in p.stderr
    assert len(p.stderr.strip().splitlines()) == 1
    p = dy("run", "--rm", "busybox", "/etc", check=False)
    assert p.returncode == 126
    p = dy("run", "--rm", "no-such-image", check=False)
    assert p.returncode == 125 and len(p.stderr.strip().splitlines()) == 1 and "Traceback" not in p.stderr
    p = dy("run", "--bogus-flag", "busybox", check=False)
    assert p.returncode == 125 and "unknown flag" in p.stderr and len(p.stderr.strip().splitlines()) == 1
    p = dy("inspect", "no-such-container", check=False)
    assert p.returncode == 1 and "Traceback" not in p.stderr
    assert dy.out("ps", "-aq") == ""  # nothing was left by the failures


def test_logs_json_file_and_rotation(dy: DY) -> None:
    dy("run", "--name", "logger", "--log-opt", "max-size=2k", "--log-opt", "max-file=2", "busybox", "sh", "-c",
       "i=0; while [ $i -lt 200 ]; do echo line-$i; i=$((i+1)); done; echo err-end >&2")
    p = dy("logs", "--tail", "2", "logger")
    assert p.stdout.splitlines() == ["line-199"] and p.stderr == "err-end\n"
    from pathlib import Path
    cid = dy.out("inspect", "-f", "{{.Id}}", "logger")
    log = Path(dy.root) / "containers" / cid / f"{cid}-json.log"
    assert log.stat().st_size <= 2048
    assert Path(str(log) + ".1").exists() and not Path(str(log) + ".2").exists()
    rec = json.loads(log.read_text().splitlines()[0])
    assert set(rec) == {"log", "stream", "time"} and rec["log"].endswith("\n")
    p = dy("logs", "-t", "--tail", "1", "logger")
    assert p.stderr.startswith("20") and p.stderr.endswith(" err-end\n")


def test_foreground_output_and_stdin(dy: DY) -> None:
    p = dy("run", "--rm", "-i", "busybox", "sh", "-c", "cat; echo err >&2", input=b"from-stdin\n")
    assert p.stdout == "from-stdin\n" and p.stderr == "err\n"


def test_restart_policy_on_failure(dy: DY) -> None:
    dy("run", "-d", "--name", "flaky", "--restart", "on-failure:2", "busybox", "sh", "-c", "exit 3")
    assert dy.out("wait", "flaky") == "3"
    import time
    deadline = time.time() + 15
    while time.time() < deadline:
        info = json.loads(dy.out("inspect", "flaky"))[0]
        if info["State"]["Status"] == "exited" and info["RestartCount"] == 2:
            break
        time.sleep(0.2)
    assert info["RestartCount"] == 2 and info["State"]["ExitCode"] == 3


def test_memory_limit_oom_killed(dy: DY) -> None:
    p = dy("run", "--name", "oom", "-m", "16m", "--memory-swap", "16m", "busybox", "sh", "-c",
           "x=$(head -c 64000000 /dev/zero | tr '\\0' a); echo survived", check=False)
    assert p.returncode == 137
    assert dy.out("inspect", "-f", "{{.State.OOMKilled}}", "oom") == "true"


def test_top_and_stats(dy: DY) -> None:
    dy("run", "-d", "--name", "topme", "busybox", "sleep", "60")
    out = dy.out("top", "topme")
    assert "sleep 60" in out and out.splitlines()[0].split()[:3] == ["UID", "PID", "PPID"]
    st = dy.out("stats", "--no-stream", "--format", "{{.Name}} {{.PIDs}}", "topme")
    assert st == "topme 1"


def test_cp_both_directions(dy: DY, tmp_path: object) -> None:
    from pathlib import Path
    tmp = Path(str(tmp_path))
    (tmp / "f.txt").write_text("hello")
    dy("create", "--name", "cpt", "busybox", "true")
    dy("cp", str(tmp / "f.txt"), "cpt:/tmp/")
    dy("cp", "cpt:/tmp/f.txt", str(tmp / "back.txt"))
    assert (tmp / "back.txt").read_text() == "hello"
    dy("start", "cpt")
    assert "A /tmp/f.txt" in dy.out("diff", "cpt")


def test_runc_runtime_runs_the_same_container(dy: DY) -> None:
    import shutil
    if shutil.which("runc") is None:
        import pytest
        pytest.skip("runc not installed")
    p = dy("run", "--rm", "--runtime", "runc", "--hostname", "h1", "busybox", "sh", "-c",
           "hostname; echo $$", check=False)
    assert p.returncode == 0, p.stderr
    assert p.stdout.split() == ["h1", "1"]


def test_images_tag_rmi_shared_layers(dy: DY) -> None:
    dy("tag", "busybox", "mybox:1")
    dy("tag", "busybox", "mybox:2")
    assert "mybox" in dy.out("images", "--format", "{{.Repository}}:{{.Tag}}")
    assert dy.out("rmi", "mybox:1") == "Untagged: mybox:1"
    dy("run", "--name", "user", "busybox", "true")
    p = dy("rmi", "busybox", check=False)
    # busybox and mybox:2 share the image: removing a name only untags it
    assert p.returncode == 0 and "Untagged: busybox:latest" in p.stdout
    dy("tag", "mybox:2", "busybox:latest")
    dy("rmi", "mybox:2")
    assert dy("run", "--rm", "busybox", "true", check=False).returncode == 0


def test_detached_monitor_is_lean_and_still_records_everything(dy: DY) -> None:
    dy("run", "-d", "--name", "lean", "busybox", "sh", "-c", "echo started; exec sleep 100")
    pid = int(dy.out("inspect", "-f", "{{.State.Pid}}", "lean"))
    with open(f"/proc/{pid}/stat") as f:
        monitor = int(f.read().rsplit(")", 1)[1].split()[1])
    with open(f"/proc/{monitor}/cmdline", "rb") as f:
        assert b"resume_main" in f.read()
    with open(f"/proc/{monitor}/maps") as f:
        maps = f.read()
    assert "_sqlite3" not in maps  # the database is only opened again when the container exits
    dy("kill", "-s", "TERM", "lean")  # sh as PID 1 ignores TERM: nothing happens
    assert dy.out("inspect", "-f", "{{.State.Status}}", "lean") == "running"
    dy("kill", "lean")
    assert dy.out("inspect", "-f", "{{.State.Status}} {{.State.ExitCode}}", "lean") == "exited 137"
    assert dy.out("logs", "lean") == "started"
