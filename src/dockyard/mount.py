"""Mount descriptions: the lingua franca between snapshots and runtimes.

A snapshotter returns ``Mount`` values and mounts nothing; a runtime (or a helper running in a
private mount namespace) performs them.  Options are the strings ``mount -o`` takes.
"""

from __future__ import annotations

from ._record import Record


class Mount(Record, frozen=True):
    type: str
    source: str
    options: tuple[str, ...] = ()

    def to_oci(self, destination: str) -> dict[str, object]:
        return {"destination": destination, "type": self.type, "source": self.source,
                "options": list(self.options)}
