"""Image references: docker's grammar, checked by hand (no re on the hot path): same answers as the
distribution regular expressions."""

from __future__ import annotations

import random
import re

import pytest

from dockyard import digest, reference
from dockyard.errors import InvalidReference

_COMPONENT = r"[a-z0-9]+(?:(?:[._]|__|[-]+)[a-z0-9]+)*"
_PATH_RE = re.compile(rf"^{_COMPONENT}(?:/{_COMPONENT})*$")
_TAG_RE = re.compile(r"^[\w][\w.-]{0,127}$")


def test_path_and_tag_checks_match_the_regular_expressions() -> None:
    rng = random.Random(3)
    for _ in range(50000):
        path = "".join(rng.choice("ab09._-/Aé") for _ in range(rng.randint(0, 9)))
        assert reference._valid_path(path) == bool(_PATH_RE.match(path)), path
        tag = "".join(rng.choice("aZ9_.-é:\u0663") for _ in range(rng.randint(0, 6)))
        assert reference._valid_tag(tag) == bool(_TAG_RE.match(tag)), tag
    for tag in ("a" * 128, "a" * 129):
        assert reference._valid_tag(tag) == bool(_TAG_RE.match(tag))


@pytest.mark.parametrize("ref,expected", [
    ("busybox", "docker.io/library/busybox:latest"),
    ("user/app:1.0", "docker.io/user/app:1.0"),
    ("localhost:5000/a/b-c__d:v1", "localhost:5000/a/b-c__d:v1"),
    ("my-web-app:1.0", "docker.io/library/my-web-app:1.0"),
    ("a--b.c_d", "docker.io/library/a--b.c_d:latest"),
])
def test_parse(ref: str, expected: str) -> None:
    assert str(reference.parse(ref)) == expected


@pytest.mark.parametrize("ref", ["", "Busybox", "a..b", "a___b", "-a", "a-", "a:", "a:-x", "a/", "/a", "a b",
                                 "busybox\n", "a:" + "x" * 129])
def test_invalid(ref: str) -> None:
    with pytest.raises(InvalidReference):
        reference.parse(ref)


def test_digests() -> None:
    good = "sha256:" + "0123456789abcdef" * 4
    assert digest.is_digest(good)
    for bad in (good.upper(), good[:-1], good + "0", good + "\n", "sha512:" + "0" * 64, "sha256:" + "g" * 64):
        assert not digest.is_digest(bad)
