"""Timeline tracing for performance work: ``DOCKYARD_TRACE=/path`` appends one line per mark
("<monotonic seconds> <pid> <label>") from every dockyard process; a no-op otherwise."""

from __future__ import annotations

import os
import time

_PATH = os.environ.get("DOCKYARD_TRACE")


def mark(label: str) -> None:
    if _PATH:
        with open(_PATH, "a") as f:
            f.write(f"{time.monotonic():.6f} {os.getpid()} {label}\n")
