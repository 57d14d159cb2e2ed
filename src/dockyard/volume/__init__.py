"""Volumes: named and anonymous ``local`` volumes, bind mounts and tmpfs for containers.

``VolumeService(root, conn)`` serves the ``volume`` verbs; ``glue`` has what the container
lifecycle calls (validate at create, mounts_for at write_spec, inspect_mounts, release at rm,
usage for system df); ``spec`` parses ``-v``/``--mount``/``--tmpfs``/``--volumes-from``.
"""

from __future__ import annotations

from .errors import InvalidVolumeSpec, VolumeInUse, VolumeNotFound
from .service import VolumeService
from .store import Volume, ensure_schema

__all__ = ["InvalidVolumeSpec", "Volume", "VolumeInUse", "VolumeNotFound", "VolumeService", "ensure_schema"]
