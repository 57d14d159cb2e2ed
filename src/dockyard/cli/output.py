"""Shared output helpers for the commands: tables, templates, JSON, times and sizes."""

from __future__ import annotations

import sys
import time

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any


def _days_from_civil(y: int, m: int, d: int) -> int:
    """Days since 1970-01-01 of a proleptic Gregorian date (Howard Hinnant's algorithm)."""
    y -= m <= 2
    era = (y if y >= 0 else y - 399) // 400
    yoe = y - era * 400
    doy = (153 * (m + (-3 if m > 2 else 9)) + 2) // 5 + d - 1
    doe = yoe * 365 + yoe // 4 - yoe // 100 + doy
    return era * 146097 + doe - 719468


def parse_time(ts: str) -> float:
    """RFC 3339 UTC ("2026-11-27T13:19:35.123456789Z", as dockyard records times) -> epoch seconds."""
    if len(ts) < 19 or ts[4] != "-" or ts[10] != "T":
        return 0.0
    try:
        secs = (_days_from_civil(int(ts[0:4]), int(ts[5:7]), int(ts[8:10])) * 86400
                + int(ts[11:13]) * 3600 + int(ts[14:16]) * 60 + int(ts[17:19]))
    except ValueError:
        return 0.0
    frac = 0.0
    if len(ts) > 19 and ts[19] == ".":
        digits = ""
        for ch in ts[20:]:
            if not ch.isdigit():
                break
            digits += ch
        frac = float("0." + digits) if digits else 0.0
    return secs + frac


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
    import json
    sys.stdout.write(json.dumps(objs, indent=4) + "\n")
