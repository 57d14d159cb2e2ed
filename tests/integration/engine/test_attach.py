"""dockyard attach: to a running container's monitor, through <container dir>/attach.sock."""

from __future__ import annotations

import os
import select
import stat
import subprocess
import time

from .conftest import DOCKYARD, DY

TICKER = ("echo first; while [ ! -e /stop ]; do echo tick; echo tock >&2; sleep 0.1; done; echo bye; exit 7")


class Attached:
    """A running ``dockyard attach`` whose output is read as it comes."""

    def __init__(self, dy: DY, *args: str, stdin: bool = False) -> None:
        self.p = subprocess.Popen([*DOCKYARD, "--root", dy.root, "attach", *args],
                                  stdin=subprocess.PIPE if stdin else subprocess.DEVNULL,
                                  stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        assert self.p.stdout is not None and self.p.stderr is not None
        self.out = b""
        self.err = b""

    def read_until(self, needle: bytes, limit: float = 30) -> None:
        """Read stdout until ``needle`` was seen (the limit only guards against a hang)."""
        assert self.p.stdout is not None
        end = time.monotonic() + limit
        while needle not in self.out:
            assert time.monotonic() < end, f"never saw {needle!r}: {self.out!r}"
            r, _, _ = select.select([self.p.stdout], [], [], 0.5)
            if r:
                chunk = os.read(self.p.stdout.fileno(), 65536)
                assert chunk, f"attach ended before {needle!r}: {self.out!r}"
                self.out += chunk

    def finish(self) -> int:
        if self.p.stdin is not None and self.p.stdin.closed:
            self.p.stdin = None
        out, err = self.p.communicate(timeout=60)
        self.out += out
        self.err += err
        return self.p.returncode


def _sock(dy: DY, name: str) -> str:
    cid = dy.out("inspect", "-f", "{{.Id}}", name)
    return os.path.join(dy.root, "containers", cid, "attach.sock")


def test_attach_streams_new_output_and_exits_with_the_code(dy: DY) -> None:
    dy("run", "-d", "--name", "ticker", "busybox", "sh", "-c", TICKER)
    while "first" not in dy("logs", "ticker").stdout:
        time.sleep(0.05)
    sock = _sock(dy, "ticker")
    assert stat.S_ISSOCK(os.stat(sock).st_mode) and stat.S_IMODE(os.stat(sock).st_mode) == 0o600
    a = Attached(dy, "ticker")
    a.read_until(b"tick\n")
    dy("exec", "ticker", "touch", "/stop")
    assert a.finish() == 7
    assert b"first" not in a.out  # from now on: no replay of the log
    assert a.out.endswith(b"bye\n") and a.err.replace(b"tock\n", b"") == b""
    # the log kept being written while attached: it has everything the client saw, and more
    logs = dy("logs", "ticker")
    assert logs.stdout.startswith("first\n") and logs.stdout.endswith("bye\n")
    assert logs.stdout.count("tick") >= a.out.count(b"tick") > 0
    assert logs.stderr.count("tock") >= a.err.count(b"tock")
    assert dy.out("inspect", "-f", "{{.State.Status}} {{.State.ExitCode}}", "ticker") == "exited 7"
    assert not os.path.exists(sock)  # removed with the stop


def test_two_clients_both_see_the_output(dy: DY) -> None:
    dy("run", "-d", "--name", "fanout", "busybox", "sh", "-c", TICKER)
    a, b = Attached(dy, "fanout"), Attached(dy, "fanout")
    a.read_until(b"tick\n")
    b.read_until(b"tick\n")
    dy("exec", "fanout", "touch", "/stop")
    assert a.finish() == 7 and b.finish() == 7
    assert a.out.endswith(b"bye\n") and b.out.endswith(b"bye\n")


def test_stdin_reaches_an_interactive_container(dy: DY) -> None:
    dy("run", "-d", "-i", "--name", "echoer", "busybox", "cat")
    a = Attached(dy, "echoer", stdin=True)
    assert a.p.stdin is not None
    a.p.stdin.write(b"hello through attach\n")
    a.p.stdin.flush()
    a.read_until(b"hello through attach\n")
    a.p.stdin.close()  # our stdin ends; the container's stays open (docker)
    assert dy.out("inspect", "-f", "{{.State.Running}}", "echoer") == "true"
    dy("kill", "echoer")
    assert a.finish() == 137 == int(dy.out("inspect", "-f", "{{.State.ExitCode}}", "echoer"))
    assert "hello through attach" in dy("logs", "echoer").stdout
    # --no-stdin: nothing of ours reaches it
    dy("start", "echoer")
    b = Attached(dy, "--no-stdin", "echoer", stdin=True)
    assert b.p.stdin is not None
    b.p.stdin.write(b"not for the container\n")
    b.p.stdin.close()
    dy("stop", "-t", "1", "echoer")
    b.finish()
    assert "not for the container" not in dy("logs", "echoer").stdout


def test_sig_proxy_forwards_sigint(dy: DY) -> None:
    dy("run", "-d", "--name", "trapper", "busybox", "sh", "-c",
       "trap 'echo caught; exit 3' INT; echo ready; while :; do sleep 0.1; done")
    a = Attached(dy, "trapper")
    # a line through the attach, once it is connected (attach shows only output from then on):
    # repeated until the client has seen one, however long the client took to start
    for _ in range(60):
        dy("exec", "trapper", "sh", "-c", "echo attached > /proc/1/fd/1")
        try:
            a.read_until(b"attached\n", limit=0.5)
            break
        except AssertionError:
            continue
    a.read_until(b"attached\n")
    a.p.send_signal(2)
    assert a.finish() == 3
    assert b"caught" in a.out


def test_attach_errors_are_one_line_and_exit_1(dy: DY) -> None:
    p = dy("attach", "no-such-container", check=False)
    assert p.returncode == 1 and p.stderr == "dockyard: No such container: no-such-container\n"
    dy("create", "--name", "created", "busybox", "true")
    dy("run", "--name", "exited", "busybox", "true")
    for name in ("created", "exited"):
        p = dy("attach", name, check=False)
        assert p.returncode == 1 and p.stdout == ""
        assert p.stderr == "dockyard: You cannot attach to a stopped container, start it first\n"
    dy("run", "-d", "--name", "paused", "busybox", "sleep", "60")
    dy("pause", "paused")
    p = dy("attach", "paused", check=False)
    assert p.returncode == 1 and p.stderr == "dockyard: You cannot attach to a paused container, unpause it first\n"
    dy("unpause", "paused")
    p = dy("attach", "--detach-keys", "ctrl-", "paused", check=False)
    assert p.returncode == 1 and p.stderr.count("\n") == 1 and "detach keys" in p.stderr


def test_a_stale_socket_does_not_break_a_restart(dy: DY) -> None:
    dy("create", "--name", "stale", "busybox", "sh", "-c", TICKER)
    sock = _sock(dy, "stale")
    with open(sock, "w") as f:  # what a monitor killed with SIGKILL would leave
        f.write("stale")
    dy("start", "stale")
    assert stat.S_ISSOCK(os.stat(sock).st_mode)
    a = Attached(dy, "stale")
    a.read_until(b"tick\n")
    dy("exec", "stale", "touch", "/stop")
    assert a.finish() == 7
    assert not os.path.exists(sock)


def test_tty_attach_detach_keys(dy: DY) -> None:
    import pty
    dy("run", "-dit", "--name", "shell", "busybox", "sh")
    pid, fd = pty.fork()
    if pid == 0:
        os.execv(DOCKYARD[0], [*DOCKYARD, "--root", dy.root, "attach", "--detach-keys", "ctrl-a,x", "shell"])
    out = b""

    def read_until(needle: bytes, again: bytes = b"") -> None:
        nonlocal out
        end = time.monotonic() + 30
        while needle not in out and time.monotonic() < end:
            r, _, _ = select.select([fd], [], [], 0.5)
            if r:
                try:
                    out += os.read(fd, 4096)
                except OSError:
                    return
            elif again:  # quiet for a while: type it (again)
                os.write(fd, again)

    # typed until it comes back: what is typed before the terminal is made raw is flushed
    read_until(b"42", again=b"echo $((6*7))\r")
    os.write(fd, b"\x01x")
    read_until(b"read escape sequence")
    _, status = os.waitpid(pid, 0)
    os.close(fd)
    assert b"42" in out and b"read escape sequence" in out
    assert os.WEXITSTATUS(status) == 1  # docker's code for a detach
    assert dy.out("inspect", "-f", "{{.State.Running}}", "shell") == "true"  # detached, not stopped


def test_detach_keys_are_data_without_a_tty(dy: DY) -> None:
    """docker reads the detach sequence only from a tty: a -i container without -t gets the bytes."""
    dy("run", "-d", "-i", "--name", "catnotty", "busybox", "cat")
    a = Attached(dy, "catnotty", stdin=True)
    assert a.p.stdin is not None
    a.p.stdin.write(b"a\x10\x11b\n")
    a.p.stdin.flush()
    a.read_until(b"a\x10\x11b\n")
    dy("kill", "catnotty")
    assert a.finish() == 137 and b"read escape sequence" not in a.err


def test_a_broken_client_is_dropped_and_others_are_served(dy: DY) -> None:
    """A client announcing a huge frame (or a kind we do not know) is dropped: its data is not
    buffered, the monitor does not spin, and other clients and the log go on."""
    import socket
    dy("run", "-d", "-i", "--name", "robust", "busybox", "sh", "-c", TICKER)
    sock_path = _sock(dy, "robust")
    bad = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    dirfd = os.open(os.path.dirname(sock_path), os.O_RDONLY)  # paths in test roots are long
    try:
        bad.connect(f"/proc/self/fd/{dirfd}/attach.sock")
    finally:
        os.close(dirfd)
    bad.sendall(b"\x00\x00\x00\x00\xff\xff\xff\xf0" + b"x" * 65536)
    bad.settimeout(1)
    closed = False
    deadline = time.monotonic() + 10
    while not closed and time.monotonic() < deadline:
        try:
            closed = bad.recv(65536) == b""  # output until the monitor closes us
        except OSError:
            closed = True
    bad.close()
    assert closed
    a = Attached(dy, "robust")
    a.read_until(b"tick\n")
    dy("exec", "robust", "touch", "/stop")
    assert a.finish() == 7
