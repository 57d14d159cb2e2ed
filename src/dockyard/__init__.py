"""dockyard: a Docker-compatible container engine, as a library.

    import dockyard
    engine = dockyard.Engine("/var/lib/dockyard")
    engine.images.resolve("busybox")
"""

from __future__ import annotations

TYPE_CHECKING = False  # not typing.TYPE_CHECKING: importing typing costs every process (monitors too)

__version__ = "0.1.0"
__all__ = ["Engine", "CreateOptions", "DockyardError", "__version__"]

if TYPE_CHECKING:
    from typing import Any

    from .container.model import CreateOptions
    from .engine import Engine
    from .errors import DockyardError


def __getattr__(name: str) -> Any:
    if name == "Engine":
        from .engine import Engine
        return Engine
    if name == "CreateOptions":
        from .container.model import CreateOptions
        return CreateOptions
    if name == "DockyardError":
        from .errors import DockyardError
        return DockyardError
    raise AttributeError(name)
