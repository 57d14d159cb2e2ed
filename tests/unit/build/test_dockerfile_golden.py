"""Golden files: ``tests/golden/dockerfile/<case>/{Dockerfile,expected.json}`` (parse + expansion +
lint) and ``tests/golden/dockerfile-invalid/<case>/{Dockerfile,expected_error.txt}``.

A case may hold ``build_args.json`` (``{"NAME": "value"}``) and ``target.txt``.
Regenerate after an intended change with ``DOCKYARD_UPDATE_GOLDEN=1 pytest tests/unit/build``
and review the diff.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

import pytest

from dockyard.build.dockerfile.check import check_dockerfile
from dockyard.build.dockerfile.instructions import parse_dockerfile
from dockyard.errors import DockerfileSyntaxError

GOLDEN = Path(__file__).resolve().parents[2] / "golden"
VALID = sorted(p for p in (GOLDEN / "dockerfile").iterdir() if p.is_dir())
INVALID = sorted(p for p in (GOLDEN / "dockerfile-invalid").iterdir() if p.is_dir())
UPDATE = os.environ.get("DOCKYARD_UPDATE_GOLDEN") == "1"
# The expansion scope depends on the machine for BUILDPLATFORM & co; pin it.
PLATFORM = "linux/amd64"


def _options(case: Path) -> dict[str, Any]:
    opts: dict[str, Any] = {"platform": PLATFORM}
    if (case / "build_args.json").exists():
        opts["build_args"] = json.loads((case / "build_args.json").read_text())
    if (case / "target.txt").exists():
        opts["target"] = (case / "target.txt").read_text().strip()
    return opts


def _actual(case: Path) -> dict[str, Any]:
    result = check_dockerfile((case / "Dockerfile").read_text(), **_options(case))
    return {
        "instructions": result.instructions_json,
        "expanded": result.expanded,
        "warnings": [w.to_json() for w in result.warnings],
        "errors": result.errors,
    }


def test_there_are_golden_cases() -> None:
    assert len(VALID) >= 10 and len(INVALID) >= 10


@pytest.mark.parametrize("case", VALID, ids=lambda p: p.name)
def test_golden(case: Path) -> None:
    actual = _actual(case)
    expected_file = case / "expected.json"
    if UPDATE or not expected_file.exists():
        expected_file.write_text(json.dumps(actual, indent=2, ensure_ascii=False) + "\n")
    assert actual == json.loads(expected_file.read_text())


@pytest.mark.parametrize("case", INVALID, ids=lambda p: p.name)
def test_golden_invalid(case: Path) -> None:
    text = (case / "Dockerfile").read_text()
    result = check_dockerfile(text, **_options(case))
    assert result.errors, "expected an error"
    actual = result.errors[0]
    expected_file = case / "expected_error.txt"
    if UPDATE or not expected_file.exists():
        expected_file.write_text(actual + "\n")
    assert actual == expected_file.read_text().rstrip("\n")
    if not (case / "build_args.json").exists() and not (case / "target.txt").exists():
        # a plain syntax error is raised by parse_dockerfile too, with the same message
        try:
            parse_dockerfile(text)
        except DockerfileSyntaxError as err:
            assert str(err) == actual
