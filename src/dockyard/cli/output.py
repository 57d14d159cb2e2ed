"""Shared output helpers for the commands: tables, templates, JSON, times and sizes."""

from __future__ import annotations

import json
import sys
import time
from datetime import datetime
from typing import Any


def parse_time(ts: str) -> float:
    """RFC 3339 with up to nanoseconds -> epoch seconds."""
    if not ts:
        return 0.0
    s = ts.rstrip("Z")
    frac = 0.0
    if "." in s:
        s, f = s.split(".", 1)
        digits = "".join(ch for ch in f if ch.isdigit())
        frac = float("0." + digits) if digits else 0.0
    try:
        dt = datetime.strptime(s[:19], "%Y-%m-%dT%H:%M:%S")
    except ValueError:
        return 0.0
    import calendar
    return calendar.timegm(dt.timetuple()) + frac


def since(ts: str) -> str:
    from ..units import human_duration
    return human_duration(max(0.0, time.time() - parse_time(ts)))


def size(n: int | float) -> str:
    from ..units import human_size
    return human_size(n)


def render(fmt: str | None, rows: list[dict[str, Any]], default_table: str, headers: dict[str, str]) -> None:
    from .format.table import format_rows
    out = format_rows(fmt, rows, default_table, headers=headers)
    if out:
        sys.stdout.write(out if out.endswith("\n") else out + "\n")


def render_inspect(objs: list[Any], fmt: str | None) -> None:
    if fmt:
        from .format.gotemplate import compile as compile_template
        tpl = compile_template(fmt)
        sys.stdout.write("".join(tpl.render(o) + "\n" for o in objs))
        return
    sys.stdout.write(json.dumps(objs, indent=4) + "\n")
