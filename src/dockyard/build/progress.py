"""Build progress as a stream of events.  The engine never prints: the CLI renders these.

One step (``#N``) goes through ``StepStarted`` then ``StepCached`` or (``StepLog``...) ``StepDone``,
or ``StepError`` when it fails.  ``reason`` of a started step says why the cache missed.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass


@dataclass(frozen=True)
class StepStarted:
    number: int          # #N, over the whole build
    name: str            # "[stage 1/3] RUN make" or "[build 2/4] COPY . ."
    reason: str = ""     # why the cache missed ("" when the step is cached)


@dataclass(frozen=True)
class StepCached:
    number: int


@dataclass(frozen=True)
class StepLog:
    number: int
    line: str


@dataclass(frozen=True)
class StepDone:
    number: int
    seconds: float


@dataclass(frozen=True)
class StepError:
    number: int
    seconds: float
    message: str


@dataclass(frozen=True)
class BuildMessage:
    """A line about the build as a whole (context transfer, image written, tags)."""

    text: str


Event = StepStarted | StepCached | StepLog | StepDone | StepError | BuildMessage
Listener = Callable[[Event], None]


def ignore(_: Event) -> None:
    """The default listener: drops every event."""
