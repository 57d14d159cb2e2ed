"""Volume errors: domain subclasses of ``dockyard.errors`` classes, carrying the identifiers."""

from __future__ import annotations

from ..errors import Conflict, InvalidArgument, NotFound


class VolumeNotFound(NotFound):
    def __init__(self, name: str) -> None:
        super().__init__(f"get {name}: no such volume")
        self.name = name


class VolumeInUse(Conflict):
    """Docker's message for ``volume rm`` of a volume some container references."""

    def __init__(self, name: str, containers: list[str]) -> None:
        super().__init__(f"remove {name}: volume is in use - [{', '.join(containers)}]")
        self.name = name
        self.containers = containers


class InvalidVolumeSpec(InvalidArgument):
    """A bad ``-v`` / ``--mount`` / ``--tmpfs`` / ``--volumes-from`` value (one line, docker's words)."""
