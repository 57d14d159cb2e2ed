"""Steps that turn the current process into the OCI ``process`` (shared by start and exec)."""

from __future__ import annotations

import _signal  # type: ignore[import-not-found]  # the C module: "signal" would import enum
import errno
import os
import stat

from ... import linux

TYPE_CHECKING = False  # lean imports: this runs in every container init and exec (see runtime.py)
if TYPE_CHECKING:
    import socket
    from typing import Any

    from .. import seccomp


class ExecFailure(Exception):
    """The program cannot be run: message in docker's words, exit code 126 or 127."""

    def __init__(self, message: str, exit_code: int) -> None:
        super().__init__(message)
        self.exit_code = exit_code


def set_stdio(stdin: int | None, stdout: int, stderr: int, keep: tuple[int, ...]) -> None:
    """Put the stdio fds on 0, 1, 2 (stdin: /dev/null when None) and close every other fd but
    those in ``keep`` (which must already be CLOEXEC)."""
    if stdin is None:
        stdin = os.open("/dev/null", os.O_RDONLY)
    fds = [os.dup(fd) for fd in (stdin, stdout, stderr)]
    for i, fd in enumerate(fds):
        os.dup2(fd, i, inheritable=True)
    close_fds(keep)


def close_fds(keep: tuple[int, ...]) -> None:
    """Close every fd above 2 except those in ``keep``."""
    low = 3
    for fd in sorted(fd for fd in keep if fd >= 3):
        if fd > low:
            os.closerange(low, fd)
        low = fd + 1
    os.closerange(low, 1 << 20)


def set_terminal(slave: int, keep: tuple[int, ...]) -> None:
    """Make ``slave`` the controlling terminal and fds 0-2 (the caller has called setsid)."""
    import fcntl
    import termios
    fcntl.ioctl(slave, termios.TIOCSCTTY, 0)
    for i in range(3):
        os.dup2(slave, i, inheritable=True)
    close_fds(keep)


def send_fd(sock: socket.socket, fd: int) -> None:
    import socket
    socket.send_fds(sock, [b"c"], [fd])


def set_rlimits(process: dict[str, Any]) -> None:
    """Apply process.rlimits; a hard limit above ours is clamped (no CAP_SYS_RESOURCE needed)."""
    rlimits = process.get("rlimits")
    if not rlimits:
        return
    import resource
    for rl in rlimits:
        res = getattr(resource, rl["type"], None)
        if res is None:
            raise OSError(errno.EINVAL, f"unknown rlimit {rl['type']}")
        soft, hard = rl["soft"], rl["hard"]
        try:
            resource.setrlimit(res, (soft, hard))
        except (ValueError, PermissionError):
            _, cur_hard = resource.getrlimit(res)
            if cur_hard != resource.RLIM_INFINITY:
                hard = min(hard, cur_hard)
                soft = min(soft, hard)
            resource.setrlimit(res, (soft, hard))


def _mask(names: list[str] | None) -> int:
    out = 0
    for name in names or []:
        try:
            out |= 1 << linux.cap_number(name)
        except ValueError:
            pass
    return out


def set_user_and_caps(process: dict[str, Any]) -> None:
    """runc's order: drop the bounding set, keep caps across setuid, switch user, capset, ambient."""
    caps = process.get("capabilities") or {}
    bounding = _mask(caps.get("bounding"))
    for cap in range(linux.CAP_LAST_CAP + 1):
        if not bounding & (1 << cap):
            try:
                linux.prctl(linux.PR_CAPBSET_DROP, cap)
            except OSError as err:
                if err.errno != errno.EINVAL:
                    raise
    _, have, _ = linux.capget()
    user = process.get("user") or {}
    linux.prctl(linux.PR_SET_KEEPCAPS, 1)
    os.setgroups(list(user.get("additionalGids") or []))
    gid, uid = int(user.get("gid", 0)), int(user.get("uid", 0))
    os.setresgid(gid, gid, gid)
    os.setresuid(uid, uid, uid)
    linux.prctl(linux.PR_SET_KEEPCAPS, 0)
    linux.capset(_mask(caps.get("effective")) & have, _mask(caps.get("permitted")) & have,
                 _mask(caps.get("inheritable")) & have)
    ambient = _mask(caps.get("ambient"))
    linux.prctl(linux.PR_CAP_AMBIENT, linux.PR_CAP_AMBIENT_CLEAR_ALL)
    for cap in range(linux.CAP_LAST_CAP + 1):
        if ambient & (1 << cap):
            linux.prctl(linux.PR_CAP_AMBIENT, linux.PR_CAP_AMBIENT_RAISE, cap)


def set_security(process: dict[str, Any], seccomp_filter: seccomp.Filter | seccomp.BpfFilter | None) -> None:
    """no_new_privs, then the seccomp filter (compiled earlier, while libseccomp was reachable)."""
    if process.get("noNewPrivileges"):
        linux.prctl(linux.PR_SET_NO_NEW_PRIVS, 1)
    if seccomp_filter is not None:
        seccomp_filter.load()


def chdir(process: dict[str, Any]) -> None:
    os.chdir(process.get("cwd") or "/")


def env_of(process: dict[str, Any]) -> dict[str, str]:
    env: dict[str, str] = {}
    for item in process.get("env") or []:
        key, _, value = item.partition("=")
        env[key] = value
    return env


def look_path(name: str, env: dict[str, str]) -> str:
    """Go's exec.LookPath inside the container (the messages are the ones docker shows)."""
    def check(path: str) -> None:
        st = os.stat(path)
        if stat.S_ISDIR(st.st_mode) or not st.st_mode & 0o111:
            raise PermissionError(errno.EACCES, "permission denied")

    if "/" in name:
        try:
            check(name)
        except FileNotFoundError as err:
            raise ExecFailure(f'exec: "{name}": stat {name}: no such file or directory', 127) from err
        except PermissionError as err:
            raise ExecFailure(f'exec: "{name}": permission denied', 126) from err
        except OSError as err:
            raise ExecFailure(f'exec: "{name}": {err.strerror}', 126) from err
        return name
    for d in env.get("PATH", "").split(":"):
        path = os.path.join(d or ".", name)
        try:
            check(path)
        except OSError:
            continue
        return path
    raise ExecFailure(f'exec: "{name}": executable file not found in $PATH', 127)


def reset_signals() -> None:
    for sig in (_signal.SIGPIPE, _signal.SIGXFSZ, _signal.SIGINT, _signal.SIGTERM, _signal.SIGCHLD,
                _signal.SIGALRM, _signal.SIGHUP, _signal.SIGUSR1, _signal.SIGUSR2, _signal.SIGQUIT):
        try:
            _signal.signal(sig, _signal.SIG_DFL)
        except (OSError, ValueError):
            pass
    _signal.pthread_sigmask(_signal.SIG_SETMASK, [])


def home_of(uid: int) -> str:
    """The user's home from the container's /etc/passwd ("/" when unknown), as runc sets HOME."""
    try:
        with open("/etc/passwd") as f:
            for line in f:
                parts = line.rstrip("\n").split(":")
                if len(parts) >= 7 and parts[2] == str(uid):
                    return parts[5] or "/"
    except OSError:
        pass
    return "/"


def execute(process: dict[str, Any]) -> None:
    args = list(process.get("args") or [])
    if not args:
        raise ExecFailure("no command specified", 125)
    env = env_of(process)
    if "HOME" not in env:
        env["HOME"] = home_of(os.getuid())
    path = look_path(args[0], env)
    try:
        os.execve(path, args, env)
    except PermissionError as err:
        raise ExecFailure(f'exec: "{args[0]}": permission denied', 126) from err
    except IsADirectoryError as err:
        raise ExecFailure(f'exec: "{args[0]}": is a directory', 126) from err
    except FileNotFoundError as err:
        raise ExecFailure(f'exec: "{args[0]}": no such file or directory', 127) from err
    except OSError as err:
        raise ExecFailure(f'exec: "{args[0]}": {err.strerror}', 126) from err
