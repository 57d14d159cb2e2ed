"""The engine: one object giving every service over one store.  The CLI and the API server are
thin front ends over it; Python programs use it directly (``dockyard.Engine()``)."""

from __future__ import annotations

from functools import cached_property
from typing import TYPE_CHECKING

from .store import Store

if TYPE_CHECKING:
    from .container.service import ContainerService
    from .image.store import ImageStore


class Engine:
    def __init__(self, root: str | None = None) -> None:
        self.store = Store(root)

    @property
    def root(self) -> str:
        return self.store.root

    @cached_property
    def images(self) -> ImageStore:
        from .image.store import ImageStore
        return ImageStore(self.store)

    @cached_property
    def containers(self) -> ContainerService:
        from .container.service import ContainerService
        return ContainerService(self.store)

    def close(self) -> None:
        self.store.close()
