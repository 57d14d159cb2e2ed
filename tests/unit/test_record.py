from __future__ import annotations

import pytest

from dockyard._record import Record, field


class Point(Record, frozen=True):
    x: int
    y: int = 0
    tags: list[str] = field(default_factory=list)


class Pair(Record, frozen=True):
    a: int
    b: int


class Box(Record):
    size: int = 1


def test_constructor_defaults_and_factories() -> None:
    p = Point(1)
    assert (p.x, p.y, p.tags) == (1, 0, [])
    assert Point(1).tags is not Point(1).tags
    assert Point(1, y=2) == Point(x=1, y=2, tags=[])
    assert repr(Point(3, 4)) == "Point(x=3, y=4, tags=[])"


def test_errors_like_dataclasses() -> None:
    with pytest.raises(TypeError):
        Point()  # type: ignore[call-arg]
    with pytest.raises(TypeError):
        Point(1, z=3)  # type: ignore[call-arg]
    with pytest.raises(TypeError):
        Point(1, 2, [], 4)  # type: ignore[call-arg]
    with pytest.raises(AttributeError):
        Point(1).x = 2  # type: ignore[misc]


def test_mutable_and_hash() -> None:
    b = Box()
    b.size = 5
    assert b.size == 5 and Box(5) == b
    with pytest.raises(TypeError):
        hash(b)
    assert {Pair(1, 2): 1}[Pair(1, 2)] == 1
