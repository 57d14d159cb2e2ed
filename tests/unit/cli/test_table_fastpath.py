"""The plain-column fast path of format_rows must print exactly what the template engine prints."""

from __future__ import annotations

import pytest

from dockyard.cli.format.table import format_rows

ROWS = [
    {"ID": "abc123", "Image": "busybox", "Status": "Up 2 seconds", "Names": "web1", "N": 3},
    {"ID": "def4567890", "Image": "my-web-app:1.0", "Status": "Exited (0) 1 minute ago", "Names": "x", "N": 10},
]
HEADERS = {"ID": "CONTAINER ID", "Image": "IMAGE", "Status": "STATUS", "Names": "NAMES"}


@pytest.mark.parametrize("fmt", [
    "table {{.ID}}\t{{.Image}}\t{{.Status}}\t{{.Names}}",
    "table {{.ID}}\\t{{.Names}}",
    "table {{.Names}}",
    "table {{.ID}}\t{{.N}}",
])
@pytest.mark.parametrize("rows", [ROWS, ROWS[:1], []])
def test_fast_path_matches_template_engine(fmt: str, rows: list[dict[str, object]]) -> None:
    fast = format_rows(fmt, rows, "table {{.ID}}", headers=HEADERS)
    slow = format_rows(fmt + "{{/* force the template engine */}}", rows, "table {{.ID}}", headers=HEADERS)
    assert fast == slow
