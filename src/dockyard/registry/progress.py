"""Transfer progress as docker shows it, without I/O: a board of per-layer states.

The pull and push code report events (``set_status``, ``set_progress``) from any thread; a front
end asks for ``lines()`` (the whole board, docker's TTY view: one line per layer, a bar while bytes
move) or subscribes to status changes (docker's non-TTY view: one line per change, no bars).

    board = Board(on_change=lambda line: print(line))
    board.set_status("sha256:ab...", "Pulling fs layer")
    board.set_progress("sha256:ab...", "Downloading", 1_200_000, 45_600_000)
    board.lines()  # ["ab12cd34ef56: Downloading [=>        ]    1.2MB/45.6MB"]
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass

from ..units import human_size

BAR_WIDTH = 50
PROGRESS_STATES = frozenset({"Downloading", "Extracting", "Pushing"})
"""States shown with a bar on a TTY; without a TTY only their first occurrence is not printed."""


def short_id(digest: str) -> str:
    return digest.split(":", 1)[-1][:12]


def bar(done: int, total: int) -> str:
    """docker's progress text (jsonmessage): ``[=====>      ]   12.3MB/45.6MB``; the bar holds 50
    steps of 2%; without a total only the byte count."""
    if total <= 0:
        return f"{human_size(done, 4):>8}"
    pct = min(int(done / total * 100) // 2, BAR_WIDTH)
    current, whole = human_size(done, 4), human_size(total, 4)
    numbers = f"{current:>8}" if current == whole else f"{current:>8}/{whole}"
    return f"[{'=' * pct}>{' ' * (BAR_WIDTH - pct)}] {numbers}"


@dataclass
class Row:
    id: str
    status: str
    done: int = 0
    total: int = 0

    def line(self) -> str:
        if self.status in PROGRESS_STATES and (self.done or self.total):
            return f"{self.id}: {self.status} {bar(self.done, self.total)}"
        return f"{self.id}: {self.status}"


class Board:
    """Thread-safe per-layer state; rows keep the order in which layers were first mentioned."""

    def __init__(self, on_change: Callable[[str], None] | None = None) -> None:
        self._rows: dict[str, Row] = {}
        self._lock = threading.Lock()
        self._on_change = on_change
        self.version = 0

    def set_status(self, digest: str, status: str) -> None:
        self.set_progress(digest, status, 0, 0)

    def set_progress(self, digest: str, status: str, done: int, total: int) -> None:
        key = short_id(digest)
        with self._lock:
            row = self._rows.get(key)
            changed = row is None or row.status != status
            if row is None:
                row = self._rows[key] = Row(key, status)
            row.status, row.done, row.total = status, done, total
            self.version += 1
        if changed and self._on_change is not None and status not in PROGRESS_STATES:
            self._on_change(row.line())

    def status_of(self, digest: str) -> str | None:
        with self._lock:
            row = self._rows.get(short_id(digest))
            return row.status if row else None

    def lines(self) -> list[str]:
        with self._lock:
            return [r.line() for r in self._rows.values()]


__all__ = ["BAR_WIDTH", "Board", "Row", "bar", "short_id"]
