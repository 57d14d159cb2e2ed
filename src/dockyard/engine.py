"""The engine: one object giving every service over one store.  The CLI and the API server are
thin front ends over it; Python programs use it directly (``dockyard.Engine()``)."""

from __future__ import annotations

from .store import Store

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Sequence
    from contextlib import AbstractContextManager
    from functools import cached_property
    from typing import Any

    from .container.service import ContainerService
    from .image.store import ImageStore
else:
    from ._record import cached_property


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

    # --- images from and to elsewhere --------------------------------------------------------

    def pull(self, ref: str, *, platform: str | None = None) -> str:
        """``docker pull``: every blob verified, layers extracted in parallel; returns the image id."""
        from . import reference
        from .registry.client import open_image
        from .registry.pull import pull_to_store
        parsed = reference.parse(ref)
        with open_image(parsed, platform=platform) as img:
            return pull_to_store(self.store, img, [str(parsed)] if parsed.tag else [],
                                 repo_digest=f"{img.ref.name}@{img.repo_digest}")

    def push(self, ref: str) -> str:
        """``docker push``: returns the manifest digest."""
        from .registry.client import push_image
        return push_image(self.images.open(ref), ref)

    def save(self, refs: Sequence[str], path: str) -> None:
        """``docker save -o path``: docker-archive + OCI layout in one tar, written atomically."""
        from . import reference
        from .archive.atomic import write_file_atomically
        from .archive.docker_archive import save
        items: list[tuple[Any, list[str]]] = [(self.images.open(r), [str(reference.parse(r))]) for r in refs]
        write_file_atomically(path, lambda f: save(items, f))

    def load(self, path: str) -> list[str]:
        """``docker load -i path``: returns the ids of the images loaded."""
        from .archive.docker_archive import load
        return [self.images.write_image(img, [t for t in tags if ":" in t or "/" in t]) for img, tags in load(path)]

    def build(self, context_dir: str, *, tags: Sequence[str] = (), dockerfile: str = "Dockerfile",
              build_args: dict[str, str] | None = None, target: str | None = None, no_cache: bool = False,
              listener: Any = None) -> str:
        """``docker build``: returns the image id (``listener`` receives progress events)."""
        import os

        from .build import BuildContext, Builder, BuildOptions
        with open(os.path.join(context_dir, dockerfile)) as f:
            text = f.read()
        opts = BuildOptions(context=BuildContext.from_dir(context_dir), dockerfile=text, tags=list(tags),
                            build_args=dict(build_args or {}), target=target, no_cache=no_cache)
        return str(Builder(self.store, opts, listener=listener or (lambda _event: None)).build().image_id)

    # --- networks and volumes (each on its own database connection) ----------------------

    def networks(self) -> AbstractContextManager[Any]:
        """``with engine.networks() as net: net.create("appnet")`` (``network.NetworkService``)."""
        from .container import netsetup
        return netsetup.service(self.root)

    def volumes(self) -> AbstractContextManager[Any]:
        """``with engine.volumes() as vols: vols.create("data")`` (``volume.VolumeService``)."""
        from .volume import glue
        return glue.open_service(self.root)

    def close(self) -> None:
        self.store.close()
