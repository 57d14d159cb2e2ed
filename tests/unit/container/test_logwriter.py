"""The json-file writer: docker's records, lines cut at 16 KiB, partial lines carried over, rotation."""

from __future__ import annotations

import json
from pathlib import Path

from dockyard.container.logs import MAX_LINE, LogWriter, read_entries


def _records(path: Path) -> list[dict[str, str]]:
    return [json.loads(line) for line in path.read_bytes().splitlines()]


def test_lines_partials_and_long_lines(tmp_path: Path) -> None:
    log = tmp_path / "c-json.log"
    w = LogWriter(str(log), max_size=-1)
    w.write("stdout", b"one\ntw")
    w.write("stderr", b"err\n")
    w.write("stdout", b"o\n" + b"x" * (MAX_LINE + 5) + b"\n\xff\xfe\n" + b"tail")
    w.close()
    recs = _records(log)
    assert [(r["stream"], r["log"]) for r in recs] == [
        ("stdout", "one\n"), ("stderr", "err\n"), ("stdout", "two\n"), ("stdout", "x" * MAX_LINE),
        ("stdout", "xxxxx\n"), ("stdout", "\ufffd\ufffd\n"), ("stdout", "tail")]
    assert all(r["time"].endswith("Z") and len(r["time"]) == 30 for r in recs)
    assert [e.text for e in read_entries(str(log))][0] == "one\n"


def test_many_lines_in_one_chunk_rotate(tmp_path: Path) -> None:
    log = tmp_path / "c-json.log"
    w = LogWriter(str(log), max_size=4096, max_file=3)
    w.write("stdout", b"".join(b"line-%05d\n" % i for i in range(2000)))
    w.close()
    files = [log.with_name(log.name + ".2"), log.with_name(log.name + ".1"), log]
    assert all(f.exists() and f.stat().st_size <= 4096 for f in files)
    texts = [r["log"] for f in files for r in _records(f)]
    assert texts[-1] == "line-01999\n" and texts == [f"line-{i:05d}\n" for i in range(2000 - len(texts), 2000)]
