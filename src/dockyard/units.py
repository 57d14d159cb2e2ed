"""Human-readable sizes, durations and timestamps, as docker's ``go-units`` and ``timetypes`` do them.

Output side (what ``docker ps`` / ``docker images`` print):

* ``human_duration(3600)`` -> ``"About an hour"`` (``units.HumanDuration``; ``CreatedSince`` is that
  plus ``" ago"``, ``Status`` is ``"Up " + ...``).
* ``human_size(4270000)`` -> ``"4.27MB"`` (``units.HumanSizeWithPrecision(size, 3)``, decimal).
* ``bytes_size(1.5 * 2**30)`` -> ``"1.5GiB"`` (``units.BytesSize``, binary).

Input side (what flags accept):

* ``parse_bytes("512m")`` -> 536870912 (``units.RAMInBytes``: ``-m``, ``--memory``, ``--shm-size``).
* ``parse_human_size("10MB")`` -> 10000000 (``units.FromHumanSize``, decimal).
* ``parse_duration("1h30m")`` -> 5400.0 seconds (``time.ParseDuration``).
* ``parse_timestamp("10m", now)`` -> Unix seconds (``timetypes.GetTimestamp``: ``logs --since``).
"""

from __future__ import annotations

import math

from dockyard._lazyre import lazy_re
from dockyard.errors import InvalidArgument

TYPE_CHECKING = False
if TYPE_CHECKING:
    from datetime import datetime, tzinfo
    from typing import Final

__all__ = [
    "bytes_size",
    "human_duration",
    "human_size",
    "parse_bytes",
    "parse_duration",
    "parse_duration_ns",
    "parse_human_size",
    "parse_timestamp",
]

_DECIMAL_ABBRS: Final = ("B", "kB", "MB", "GB", "TB", "PB", "EB", "ZB", "YB")
_BINARY_ABBRS: Final = ("B", "KiB", "MiB", "GiB", "TiB", "PiB", "EiB", "ZiB", "YiB")


# --- sizes -------------------------------------------------------------------------------------


def _size_and_unit(size: float, base: float, abbrs: tuple[str, ...]) -> tuple[float, str]:
    i = 0
    while size >= base and i < len(abbrs) - 1:
        size /= base
        i += 1
    return size, abbrs[i]


def _go_g(x: float, precision: int) -> str:
    """Go's ``%.Ng``; Python's ``%g`` agrees except for Go's spelling of infinities."""
    if math.isinf(x):
        return "+Inf" if x > 0 else "-Inf"
    if math.isnan(x):
        return "NaN"
    return f"{x:.{precision}g}"


def human_size(size: float, precision: int = 3) -> str:
    """Decimal size with ``precision`` significant digits: 0 -> "0B", 1234 -> "1.23kB", 4270000 -> "4.27MB".

    docker prints image and container sizes with precision 3; go-units' ``HumanSize`` uses 4.
    """
    value, unit = _size_and_unit(float(size), 1000.0, _DECIMAL_ABBRS)
    return _go_g(value, precision) + unit


def bytes_size(size: float) -> str:
    """Binary size with 4 significant digits: 1536 -> "1.5KiB", 1.5 * 2**30 -> "1.5GiB"."""
    value, unit = _size_and_unit(float(size), 1024.0, _BINARY_ABBRS)
    return _go_g(value, 4) + unit


_BINARY_MAP: Final = {"k": 1 << 10, "m": 1 << 20, "g": 1 << 30, "t": 1 << 40, "p": 1 << 50}
_DECIMAL_MAP: Final = {"k": 10**3, "m": 10**6, "g": 10**9, "t": 10**12, "p": 10**15}
_FLOAT_RE: Final = lazy_re(r"[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?")


def _parse_size(text: str, units: dict[str, int]) -> int:
    # go-units: the number ends at the last digit, dot or space; the rest is the unit suffix.
    sep = max(text.rfind(c) for c in "0123456789. ")
    if sep < 0:
        raise InvalidArgument(f"invalid size: '{text}'")
    if text[sep] == " ":
        num, sfx = text[:sep], text[sep + 1 :]
    else:
        num, sfx = text[: sep + 1], text[sep + 1 :]
    if not _FLOAT_RE.fullmatch(num):
        raise InvalidArgument(f"invalid size: '{text}'")
    size = float(num)
    if size < 0:
        raise InvalidArgument(f"invalid size: '{text}'")
    if not sfx:
        return int(size)
    if len(sfx) > 3:
        raise InvalidArgument(f"invalid suffix: '{sfx}'")
    sfx = sfx.lower()
    if sfx[0] == "b":
        if len(sfx) > 1:
            raise InvalidArgument(f"invalid suffix: '{sfx}'")
        return int(size)
    mul = units.get(sfx[0])
    if mul is None or (len(sfx) == 2 and sfx[1] != "b") or (len(sfx) == 3 and sfx[1:] != "ib"):
        raise InvalidArgument(f"invalid suffix: '{sfx}'")
    return int(size * mul)


def parse_bytes(text: str) -> int:
    """``units.RAMInBytes``: "512m", "1g", "1.5GiB", "10 MB", "100" -> bytes (k/m/g/t/p are powers of 1024).

    Units are case-insensitive with an optional "b" or "ib"; raises InvalidArgument
    ("invalid size: '...'" or "invalid suffix: '...'") otherwise.
    """
    return _parse_size(text, _BINARY_MAP)


def parse_human_size(text: str) -> int:
    """``units.FromHumanSize``: like parse_bytes but k/m/g/t/p are powers of 1000."""
    return _parse_size(text, _DECIMAL_MAP)


# --- durations ---------------------------------------------------------------------------------


def human_duration(seconds: float) -> str:
    """``units.HumanDuration``: "Less than a second", "About a minute", "3 hours", "2 weeks", ..."""
    secs = int(seconds)
    if secs < 1:
        return "Less than a second"
    if secs == 1:
        return "1 second"
    if secs < 60:
        return f"{secs} seconds"
    minutes = int(seconds / 60)
    if minutes == 1:
        return "About a minute"
    if minutes < 60:
        return f"{minutes} minutes"
    hours = int(math.floor(seconds / 3600 + 0.5))  # time.Duration.Round(time.Hour), half away from zero
    if hours == 1:
        return "About an hour"
    if hours < 48:
        return f"{hours} hours"
    if hours < 24 * 7 * 2:
        return f"{hours // 24} days"
    if hours < 24 * 30 * 2:
        return f"{hours // 24 // 7} weeks"
    if hours < 24 * 365 * 2:
        return f"{hours // 24 // 30} months"
    return f"{int(seconds / 3600) // 24 // 365} years"


_UNIT_NS: Final = {
    "ns": 1,
    "us": 1_000,
    "\u00b5s": 1_000,  # micro sign
    "\u03bcs": 1_000,  # Greek mu
    "ms": 1_000_000,
    "s": 1_000_000_000,
    "m": 60_000_000_000,
    "h": 3_600_000_000_000,
}
_DUR_PART_RE: Final = lazy_re(r"(\d*)(?:\.(\d*))?([^\d.]*)")


def parse_duration_ns(text: str) -> int:
    """``time.ParseDuration`` in nanoseconds: "1h30m", "10s", "500ms", "1.5h", "-2m", "0"."""
    orig = text
    quoted = f'"{orig}"'
    neg = False
    if text[:1] in "+-" and text:
        neg = text[0] == "-"
        text = text[1:]
    if text == "0":
        return 0
    if not text:
        raise InvalidArgument(f"time: invalid duration {quoted}")
    total = 0
    pos = 0
    while pos < len(text):
        m = _DUR_PART_RE.match(text, pos)
        assert m is not None  # every group is optional
        whole, frac, unit = m.groups()
        if not whole and not frac:
            raise InvalidArgument(f"time: invalid duration {quoted}")
        if not unit:
            raise InvalidArgument(f"time: missing unit in duration {quoted}")
        mul = _UNIT_NS.get(unit)
        if mul is None:
            raise InvalidArgument(f'time: unknown unit "{unit}" in duration {quoted}')
        value = int(whole or "0") * mul
        if frac:
            value += int(frac) * mul // 10 ** len(frac)
        total += value
        if total > (1 << 63) - 1:
            raise InvalidArgument(f"time: invalid duration {quoted}")
        pos = m.end()
    return -total if neg else total


def parse_duration(text: str) -> float:
    """``time.ParseDuration`` in (float) seconds; raises InvalidArgument like Go's errors."""
    return parse_duration_ns(text) / 1e9


# --- timestamps --------------------------------------------------------------------------------

_TS_RE: Final = lazy_re(
    r"(\d{4})-(\d{2})-(\d{2})"
    r"(?:T(\d{2})(?::(\d{2})(?::(\d{2})(?:\.(\d{1,9}))?)?)?)?"
    r"(Z|z|[+-]\d{2}:\d{2})?"
)
_UNIX_RE: Final = lazy_re(r"\d+(?:\.\d+)?")


def _local_zone(now: datetime) -> tzinfo:
    """The zone of ``now``; a naive ``now`` is local time, as Python's datetime treats it."""
    from datetime import UTC
    zone = now.tzinfo if now.tzinfo is not None else now.astimezone().tzinfo
    return zone if zone is not None else UTC


def parse_timestamp(text: str, now: datetime | None = None) -> float:
    from datetime import UTC, datetime, timedelta, timezone  # only --since/--until need them
    """``timetypes.GetTimestamp`` as Unix seconds, for ``logs --since/--until`` and ``events``.

    Accepts a Go duration meaning ``now`` minus it ("10m", "1h30m"), RFC 3339 with or without
    seconds, fraction and zone ("2024-01-02", "2024-01-02T15:04", "2024-01-02T15:04:05.123Z",
    "2024-01-02T15:04:05+02:00"; no zone means ``now``'s zone, the local one if ``now`` is
    naive or None), or Unix seconds with an optional fraction ("1700000000.5").
    """
    if now is None:
        now = datetime.now(UTC)
    if text != "0":
        try:
            d = parse_duration_ns(text)
        except InvalidArgument:
            pass
        else:
            return math.floor(
                now.timestamp() - d / 1e9
            )  # Go: reference.Add(-d).Unix() truncates to whole seconds
    m = _TS_RE.fullmatch(text)
    if m:
        year, month, day, hh, mm, ss, frac, zone = m.groups()
        tz: tzinfo
        if zone is None:
            tz = _local_zone(now)
        elif zone in ("Z", "z"):
            tz = UTC
        else:
            sign = -1 if zone[0] == "-" else 1
            tz = timezone(sign * timedelta(hours=int(zone[1:3]), minutes=int(zone[4:6])))
        try:
            dt = datetime(
                int(year), int(month), int(day), int(hh or 0), int(mm or 0), int(ss or 0), tzinfo=tz
            )
        except ValueError as err:
            raise InvalidArgument(f'parsing time "{text}": {err}') from None
        nanos = int((frac or "0").ljust(9, "0"))
        return int(dt.timestamp()) + nanos / 1e9
    if "-" not in text and _UNIX_RE.fullmatch(text):
        return float(text)
    if "-" in text:
        raise InvalidArgument(f'parsing time "{text}": cannot parse as RFC 3339')
    raise InvalidArgument(f'failed to parse value as time or duration: "{text}"')
