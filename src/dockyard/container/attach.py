"""The client side of ``dockyard attach``: relay between this process's stdio and a running
container's monitor, over the monitor's ``attach.sock`` (wire format: container/monitor.py).

One poll loop, non-blocking socket: stdin is read only while the monitor takes it, the output
is written as it comes.  The detach keys (a tty's ctrl-p ctrl-q by default) end the relay
without touching the container.
"""

from __future__ import annotations

import os
import select

DEFAULT_DETACH_KEYS = b"\x10\x11"  # ctrl-p ctrl-q
_TIOCGWINSZ = 0x5413


class Detached(Exception):
    """The detach key sequence was read (docker's message, exit 1)."""

    def __init__(self) -> None:
        super().__init__("read escape sequence")


def parse_detach_keys(spec: str) -> bytes:
    """docker's ``--detach-keys``: comma-separated single characters or ``ctrl-<c>`` with
    <c> one of a-z @ [ \\ ] ^ _."""
    from ..errors import InvalidArgument
    out = bytearray()
    for key in spec.split(","):
        if len(key) == 1:
            out.append(ord(key))
            continue
        k = key.lower()
        if not k.startswith("ctrl-") or len(k) != 6:
            raise InvalidArgument(f"Invalid detach keys ({spec}) provided")
        c = k[5]
        if "a" <= c <= "z":
            out.append(ord(c) - ord("a") + 1)
        elif c in "@[\\]^_":
            out.append({"@": 0, "[": 27, "\\": 28, "]": 29, "^": 30, "_": 31}[c])
        else:
            raise InvalidArgument(f"Invalid detach keys ({spec}) provided")
    if not out:
        raise InvalidArgument(f"Invalid detach keys ({spec}) provided")
    return bytes(out)


def connect(sock_path: str) -> int:
    """A connected, non-blocking descriptor on the monitor's socket (OSError if nobody listens).
    Through /proc/self/fd: the path may be longer than a socket address allows."""
    import _socket
    d = os.open(os.path.dirname(sock_path), os.O_PATH | os.O_DIRECTORY | os.O_CLOEXEC)
    s = _socket.socket(_socket.AF_UNIX, _socket.SOCK_STREAM | _socket.SOCK_CLOEXEC)
    try:
        s.connect(f"/proc/self/fd/{d}/{os.path.basename(sock_path)}")
    except OSError:
        s.close()
        raise
    finally:
        os.close(d)
    fd: int = s.detach()
    os.set_blocking(fd, False)
    return fd


def _frame(kind: int, data: bytes) -> bytes:
    return bytes((kind, 0, 0, 0)) + len(data).to_bytes(4, "big") + data


class _Escape:
    """Holds back a possible start of the detach sequence; raises Detached when it is complete."""

    def __init__(self, keys: bytes) -> None:
        self.keys = keys
        self.held = 0  # how many bytes of keys the input ended with

    def filter(self, data: bytes) -> bytes:
        if not self.keys:
            return data
        out = bytearray()
        for b in data:
            if b == self.keys[self.held]:
                self.held += 1
                if self.held == len(self.keys):
                    raise Detached()
                continue
            if self.held:  # not the sequence after all: what was held goes through
                out += self.keys[:self.held]
                self.held = 0
                if b == self.keys[0]:
                    self.held = 1
                    continue
            out.append(b)
        return bytes(out)


class Relay:
    """Copy the container's output to fds 1/2 and (with ``stdin``) fd 0 to the container."""

    def __init__(self, sock: int, *, stdin: bool, detach_keys: bytes) -> None:
        self.sock = sock
        self.stdin = stdin
        self.escape = _Escape(detach_keys)
        self.outbuf = bytearray()  # to the monitor
        self.inbuf = bytearray()  # from the monitor: the start of an incomplete frame
        self.exit_code: int | None = None
        self.writable = {1: True, 2: True}

    def send(self, kind: int, data: bytes) -> None:
        """Queue a frame for the monitor; written at once if nothing waits before it."""
        was_empty = not self.outbuf
        self.outbuf += _frame(kind, data)
        if was_empty:
            self._flush()

    def send_winsize(self, fd: int = 1) -> None:
        import fcntl
        try:
            ws = fcntl.ioctl(fd, _TIOCGWINSZ, b"\0" * 8)
        except OSError:
            return
        self.send(1, bytes(ws))

    def _flush(self) -> None:
        try:
            n = os.write(self.sock, self.outbuf)
        except BlockingIOError:
            return
        except OSError:  # the monitor is gone: its EOF ends the relay
            self.outbuf.clear()
            return
        del self.outbuf[:n]

    def _out(self, fd: int, data: bytes) -> None:
        if not self.writable[fd]:
            return
        view = memoryview(data)
        try:
            while view:
                try:
                    view = view[os.write(fd, view):]
                except BlockingIOError:
                    select.select([], [fd], [])
        except OSError:  # e.g. the reader of our stdout is gone
            self.writable[fd] = False

    def _take(self, data: bytes) -> None:
        buf = self.inbuf
        buf += data
        while len(buf) >= 8:
            n = int.from_bytes(buf[4:8], "big")
            if len(buf) < 8 + n:
                break
            kind, payload = buf[0], bytes(buf[8:8 + n])
            del buf[:8 + n]
            if kind == 1:
                self._out(1, payload)
            elif kind == 2:
                self._out(2, payload)
            elif kind == 3:
                try:
                    self.exit_code = int(payload)
                except ValueError:
                    pass

    def run(self) -> int | None:
        """Relay until the monitor closes the connection: the container's exit code, or None if
        the monitor ended without sending one.  Raises Detached on the detach keys."""
        poller = select.poll()
        stdin_open = self.stdin
        registered_stdin = False
        while True:
            poller.register(self.sock, select.POLLIN | (select.POLLOUT if self.outbuf else 0))
            want_stdin = stdin_open and len(self.outbuf) < (1 << 16)
            if want_stdin != registered_stdin:
                if want_stdin:
                    poller.register(0, select.POLLIN)
                else:
                    poller.unregister(0)
                registered_stdin = want_stdin
            for fd, ev in poller.poll():
                if fd == 0:
                    try:
                        data = os.read(0, 65536)
                    except OSError:
                        data = b""
                    if not data:  # our stdin ended: the container's stays open (docker)
                        stdin_open = False
                        continue
                    data = self.escape.filter(data)
                    if data:
                        self.send(0, data)
                    continue
                if ev & select.POLLOUT and self.outbuf:
                    self._flush()
                if ev & (select.POLLIN | select.POLLHUP | select.POLLERR):
                    try:
                        data = os.read(self.sock, 65536)
                    except BlockingIOError:
                        continue
                    except OSError:
                        data = b""
                    if not data:
                        return self.exit_code
                    self._take(data)
