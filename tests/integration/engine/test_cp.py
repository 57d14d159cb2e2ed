"""docker cp's rules, both directions, on running and stopped containers."""

from __future__ import annotations

import io
import subprocess
import tarfile
from pathlib import Path

from .conftest import DOCKYARD, DY


def test_cp_host_to_container_rules(dy: DY, tmp_path: Path) -> None:
    (tmp_path / "d").mkdir()
    (tmp_path / "d" / "a.txt").write_text("A")
    (tmp_path / "d" / "sub").mkdir()
    (tmp_path / "d" / "sub" / "b.txt").write_text("B")
    (tmp_path / "f.txt").write_text("F")
    dy("run", "-d", "--name", "cpr", "busybox", "sleep", "60")
    dy("cp", str(tmp_path / "d"), "cpr:/tmp")            # dir into existing dir -> /tmp/d
    assert dy.out("exec", "cpr", "cat", "/tmp/d/sub/b.txt") == "B"
    dy("cp", str(tmp_path / "d") + "/.", "cpr:/tmp/contents")   # missing dest: created with the contents
    assert dy.out("exec", "cpr", "cat", "/tmp/contents/a.txt") == "A"
    dy("cp", str(tmp_path / "f.txt"), "cpr:/tmp/renamed.txt")  # file to a new name
    assert dy.out("exec", "cpr", "cat", "/tmp/renamed.txt") == "F"
    p = dy("cp", str(tmp_path / "f.txt"), "cpr:/nodir/", check=False)  # trailing slash: must exist
    assert p.returncode != 0 and len(p.stderr.strip().splitlines()) == 1
    p = dy("cp", str(tmp_path / "missing"), "cpr:/tmp", check=False)
    assert p.returncode != 0 and "Traceback" not in p.stderr
    # a tar on stdin is extracted into the destination directory
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w") as t:
        data = b"from-stdin"
        ti = tarfile.TarInfo("stdin.txt")
        ti.size = len(data)
        t.addfile(ti, io.BytesIO(data))
    p = subprocess.run([*DOCKYARD, "--root", dy.root, "cp", "-", "cpr:/tmp"], input=buf.getvalue(),
                       capture_output=True)
    assert p.returncode == 0, p.stderr
    assert dy.out("exec", "cpr", "cat", "/tmp/stdin.txt") == "from-stdin"


def test_cp_container_to_host_rules(dy: DY, tmp_path: Path) -> None:
    dy("run", "--name", "cps", "busybox", "sh", "-c", "mkdir -p /data/x && echo 1 > /data/x/one && ln -s /etc/passwd /data/link")
    dy("cp", "cps:/data", str(tmp_path))                  # stopped container; dir into existing dir
    assert (tmp_path / "data" / "x" / "one").read_text() == "1\n"
    assert (tmp_path / "data" / "link").is_symlink()      # links are copied, not followed
    assert str((tmp_path / "data" / "link").readlink()) == "/etc/passwd"
    dy("cp", "cps:/data/x/one", str(tmp_path / "copy-of-one"))
    assert (tmp_path / "copy-of-one").read_text() == "1\n"
    p = subprocess.run([*DOCKYARD, "--root", dy.root, "cp", "cps:/data/x", "-"], capture_output=True)
    names = tarfile.open(fileobj=io.BytesIO(p.stdout)).getnames()
    assert "x/one" in names
    p = dy("cp", "cps:/no/such", str(tmp_path), check=False)
    assert p.returncode != 0 and "Could not find the file" in p.stderr


def test_export_of_running_container_has_no_proc_or_sys(dy: DY) -> None:
    dy("run", "-d", "--name", "exr", "busybox", "sh", "-c", "echo x > /marker; sleep 60")
    dy("exec", "exr", "sh", "-c", "while [ ! -f /marker ]; do sleep 0.05; done")
    p = subprocess.run([*DOCKYARD, "--root", dy.root, "export", "exr"], capture_output=True)
    assert p.returncode == 0
    names = set(tarfile.open(fileobj=io.BytesIO(p.stdout)).getnames())
    assert "marker" in names or "./marker" in names
    assert not any(n.startswith(("proc/", "./proc/", "sys/", "./sys/")) for n in names)
