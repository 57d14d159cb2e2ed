"""Image building: the Dockerfile front end (``dockerfile/``), the planner, the build cache and the
executor.

    from dockyard.build import BuildContext, BuildOptions, Builder
    ctx = BuildContext.from_dir("app/")                    # .dockerignore applied
    opts = BuildOptions(context=ctx, dockerfile=open("app/Dockerfile").read(), tags=["app:1"])
    result = Builder(engine.store, opts, listener=print).build()   # result.image_id

``listener`` receives :mod:`dockyard.build.progress` events (nothing here prints).  RUN steps run
build containers through the runtime: the calling process becomes a child subreaper.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from .cache import BuildCache
    from .context import BuildContext
    from .errors import BuildError, BuildInputError, StepFailed
    from .executor import Builder, BuildOptions, BuildResult

__all__ = ["BuildCache", "BuildContext", "BuildError", "BuildInputError", "BuildOptions", "BuildResult",
           "Builder", "StepFailed"]

_WHERE = {"BuildCache": "cache", "BuildContext": "context", "BuildError": "errors",
          "BuildInputError": "errors", "StepFailed": "errors", "Builder": "executor",
          "BuildOptions": "steps", "BuildResult": "steps"}


def __getattr__(name: str) -> Any:
    module = _WHERE.get(name)
    if module is None:
        raise AttributeError(name)
    from importlib import import_module
    return getattr(import_module(f"{__name__}.{module}"), name)
