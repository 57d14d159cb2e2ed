"""go-units and timetypes equivalents."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import pytest

from dockyard.units import (
    bytes_size,
    human_duration,
    human_size,
    parse_bytes,
    parse_duration,
    parse_duration_ns,
    parse_human_size,
    parse_timestamp,
)
from dockyard.errors import InvalidArgument


@pytest.mark.parametrize(
    ("n", "want"),
    [
        (0, "0B"),
        (1, "1B"),
        (999, "999B"),
        (1000, "1kB"),
        (1234, "1.23kB"),
        (999_999, "1e+03kB"),  # go-units really prints this (%.3g)
        (4_270_000, "4.27MB"),
        (1_000_000_000, "1GB"),
        (123_456_789_012, "123GB"),
        (2**70, "1.18ZB"),
    ],
)
def test_human_size(n: int, want: str) -> None:
    assert human_size(n) == want


def test_human_size_precision_4() -> None:
    assert human_size(4_272_345, 4) == "4.272MB"


@pytest.mark.parametrize(
    ("n", "want"),
    [
        (0, "0B"),
        (1023, "1023B"),
        (1024, "1KiB"),
        (1536, "1.5KiB"),
        (int(1.5 * 2**30), "1.5GiB"),
        (4_270_000, "4.072MiB"),
    ],
)
def test_bytes_size(n: int, want: str) -> None:
    assert bytes_size(n) == want


@pytest.mark.parametrize(
    ("secs", "want"),
    [
        (-5, "Less than a second"),
        (0.9, "Less than a second"),
        (1, "1 second"),
        (59, "59 seconds"),
        (60, "About a minute"),
        (119, "About a minute"),
        (120, "2 minutes"),
        (3599, "59 minutes"),
        (3600, "About an hour"),
        (5399, "About an hour"),
        (5400, "2 hours"),  # hours are rounded
        (47 * 3600, "47 hours"),
        (48 * 3600 - 1800, "2 days"),
        (13 * 86400, "13 days"),
        (14 * 86400, "2 weeks"),
        (59 * 86400, "8 weeks"),
        (60 * 86400, "2 months"),
        (729 * 86400, "24 months"),
        (730 * 86400, "2 years"),
        (5 * 365 * 86400, "5 years"),
    ],
)
def test_human_duration(secs: float, want: str) -> None:
    assert human_duration(secs) == want


@pytest.mark.parametrize(
    ("text", "want"),
    [
        ("100", 100),
        ("512m", 512 * 2**20),
        ("512M", 512 * 2**20),
        ("1g", 2**30),
        ("1.5GiB", int(1.5 * 2**30)),
        ("10 MB", 10 * 2**20),
        ("1kb", 1024),
        ("1KiB", 1024),
        ("32b", 32),
        ("1t", 2**40),
        ("1p", 2**50),
        ("0.5k", 512),
    ],
)
def test_parse_bytes(text: str, want: int) -> None:
    assert parse_bytes(text) == want


@pytest.mark.parametrize(
    ("text", "msg"),
    [
        ("abc", "invalid size: 'abc'"),
        ("", "invalid size: ''"),
        ("-1", "invalid size: '-1'"),
        ("1x", "invalid suffix: 'x'"),
        ("1mbb", "invalid suffix: 'mbb'"),
        ("1bb", "invalid suffix: 'bb'"),
        ("1mx", "invalid suffix: 'mx'"),
        ("1.2.3m", "invalid size: '1.2.3m'"),
    ],
)
def test_parse_bytes_invalid(text: str, msg: str) -> None:
    with pytest.raises(InvalidArgument) as exc:
        parse_bytes(text)
    assert str(exc.value) == msg


def test_parse_human_size_is_decimal() -> None:
    assert parse_human_size("10MB") == 10_000_000
    assert parse_human_size("1k") == 1000


@pytest.mark.parametrize(
    ("text", "secs"),
    [
        ("1h30m", 5400.0),
        ("10s", 10.0),
        ("500ms", 0.5),
        ("1.5h", 5400.0),
        ("-2m", -120.0),
        ("+3s", 3.0),
        ("0", 0.0),
        (".5s", 0.5),
        ("1us", 1e-6),
        ("1\u00b5s", 1e-6),
        ("2h45m30.5s", 9930.5),
    ],
)
def test_parse_duration(text: str, secs: float) -> None:
    assert parse_duration(text) == pytest.approx(secs)


def test_parse_duration_ns_exact() -> None:
    assert parse_duration_ns("1.000000001s") == 1_000_000_001
    assert parse_duration_ns("300ns") == 300


@pytest.mark.parametrize(
    ("text", "msg"),
    [
        ("", 'time: invalid duration ""'),
        ("10", 'time: missing unit in duration "10"'),
        ("1d", 'time: unknown unit "d" in duration "1d"'),
        ("1h1", 'time: missing unit in duration "1h1"'),
        ("s", 'time: invalid duration "s"'),
    ],
)
def test_parse_duration_invalid(text: str, msg: str) -> None:
    with pytest.raises(InvalidArgument) as exc:
        parse_duration(text)
    assert str(exc.value) == msg


NOW = datetime(2024, 5, 6, 12, 0, 0, tzinfo=UTC)


@pytest.mark.parametrize(
    ("text", "want"),
    [
        ("10m", NOW.timestamp() - 600),
        ("1h30m", NOW.timestamp() - 5400),
        ("-10s", NOW.timestamp() + 10),
        ("2024-05-06T10:00:00Z", datetime(2024, 5, 6, 10, tzinfo=UTC).timestamp()),
        ("2024-05-06T10:00:00.5Z", datetime(2024, 5, 6, 10, tzinfo=UTC).timestamp() + 0.5),
        (
            "2024-05-06T10:00:00.123456789+02:00",
            datetime(2024, 5, 6, 8, tzinfo=UTC).timestamp() + 0.123456789,
        ),
        ("2024-05-06T10:00Z", datetime(2024, 5, 6, 10, tzinfo=UTC).timestamp()),
        ("2024-05-06T10", datetime(2024, 5, 6, 10, tzinfo=UTC).timestamp()),  # NOW's zone
        ("2024-05-06", datetime(2024, 5, 6, tzinfo=UTC).timestamp()),
        ("1700000000", 1700000000.0),
        ("1700000000.5", 1700000000.5),
        ("0", 0.0),
    ],
)
def test_parse_timestamp(text: str, want: float) -> None:
    assert parse_timestamp(text, NOW) == pytest.approx(want, abs=1e-6)


def test_parse_timestamp_uses_the_zone_of_now() -> None:
    now = datetime(2024, 5, 6, 12, tzinfo=timezone(timedelta(hours=3)))
    assert parse_timestamp("2024-05-06T10:00:00", now) == datetime(2024, 5, 6, 7, tzinfo=UTC).timestamp()


@pytest.mark.parametrize("text", ["yesterday", "2024-13-01T00:00:00Z", "12:00", "1.2.3"])
def test_parse_timestamp_invalid(text: str) -> None:
    with pytest.raises(InvalidArgument):
        parse_timestamp(text, NOW)
