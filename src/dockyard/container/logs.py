"""Container logs in Docker's json-file format, rotated by size (on by default).

One JSON object per line: {"log":"text\\n","stream":"stdout","time":"2026-11-27T13:19:35.123456789Z"}.
Files: <id>-json.log, then <id>-json.log.1 ... .N-1 (older), like docker's max-size/max-file.
"""

from __future__ import annotations

import os
import time
from _json import encode_basestring as _json_str  # the C encoder: json would drag in re

TYPE_CHECKING = False
if TYPE_CHECKING:
    pass

DEFAULT_MAX_SIZE = 20 * 1024 * 1024
DEFAULT_MAX_FILE = 5
MAX_LINE = 16 * 1024


def timestamp(t: float | None = None) -> str:
    t = time.time() if t is None else t
    return time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(t)) + f".{int((t % 1) * 1e9):09d}Z"


class LogWriter:
    def __init__(self, path: str, max_size: int = DEFAULT_MAX_SIZE, max_file: int = DEFAULT_MAX_FILE) -> None:
        self.path = path
        self.max_size = max_size
        self.max_file = max(1, max_file)
        self._f = open(path, "ab", buffering=0)  # noqa: SIM115
        self._size = self._f.tell()
        self._partial: dict[str, bytes] = {}

    def write(self, stream: str, data: bytes) -> None:
        """Log one read of the container's ``stream``: a record per line (a line longer than
        MAX_LINE is cut, as docker cuts at 16 KiB), the unfinished last line kept for the next
        call.  The lines of one read share a timestamp and go out in one write() (a record and a
        syscall per line made a chatty container log at ~1 MB/s)."""
        partial = self._partial.pop(stream, None)
        buf = partial + data if partial else data
        lines = []
        start, n = 0, len(buf)
        while start < n:
            nl = buf.find(b"\n", start, start + MAX_LINE)
            if nl >= 0:
                end = nl + 1
            elif n - start >= MAX_LINE:
                end = start + MAX_LINE
            else:
                break
            lines.append(buf[start:end])
            start = end
        if start < n:
            self._partial[stream] = buf[start:]
        if lines:
            self._emit(stream, lines)

    def flush_partial(self) -> None:
        for stream, buf in list(self._partial.items()):
            if buf:
                self._emit(stream, [buf])
        self._partial.clear()

    def _emit(self, stream: str, lines: list[bytes]) -> None:
        tail = f',"stream":"{stream}","time":"{timestamp()}"}}\n'
        out: list[bytes] = []
        size = self._size
        for line in lines:
            rec = ('{"log":' + _json_str(line.decode("utf-8", "replace")) + tail).encode()
            if self.max_size > 0 and size + len(rec) > self.max_size and size > 0:
                self._write(out)
                out = []
                self._rotate()
                size = 0
            out.append(rec)
            size += len(rec)
        self._write(out)
        self._size = size

    def _write(self, records: list[bytes]) -> None:
        if records:
            data = memoryview(b"".join(records))
            while data:
                data = data[self._f.write(data):]

    def _rotate(self) -> None:
        self._f.close()
        if self.max_file <= 1:
            os.truncate(self.path, 0)
        else:
            for i in range(self.max_file - 1, 0, -1):
                src = self.path if i == 1 else f"{self.path}.{i - 1}"
                if os.path.exists(src):
                    os.replace(src, f"{self.path}.{i}")
        self._f = open(self.path, "ab", buffering=0)  # noqa: SIM115
        self._size = 0

    def close(self) -> None:
        self.flush_partial()
        self._f.close()


class LogEntry:
    """One log record (a plain class: the lean monitor must not pay for dataclasses)."""

    __slots__ = ("stream", "time", "text")

    def __init__(self, stream: str, time: str, text: str) -> None:
        self.stream = stream
        self.time = time
        self.text = text


def log_options(data: bytes) -> tuple[int, int]:
    """Parse the "max_size max_file" file the monitor leaves for its lean successor."""
    size, files = data.split()
    return int(size), int(files)


def log_files(path: str) -> list[str]:
    """Oldest first."""
    files = []
    i = 1
    while os.path.exists(f"{path}.{i}"):
        files.append(f"{path}.{i}")
        i += 1
    files.reverse()
    if os.path.exists(path):
        files.append(path)
    return files


def parse_line(line: bytes) -> LogEntry | None:
    try:
        import json
        obj = json.loads(line)
        return LogEntry(obj.get("stream", "stdout"), obj.get("time", ""), obj.get("log", ""))
    except (ValueError, AttributeError):
        return None


def read_entries(path: str) -> list[LogEntry]:
    """Every record of the container's log files, oldest first.  Read again when a rotation
    moves a file away meanwhile (a record is then neither lost nor repeated)."""
    import time
    entries: list[LogEntry] = []
    for _ in range(20):
        entries = []
        try:
            for fname in log_files(path):
                with open(fname, "rb") as f:
                    for line in f:
                        e = parse_line(line)
                        if e is not None:
                            entries.append(e)
            return entries
        except FileNotFoundError:
            time.sleep(0.005)
    return entries


def total_size(path: str) -> int:
    return sum(os.path.getsize(f) for f in log_files(path))
