"""``get_runtime(name)``: "native" (default), "runc", or a path to a runc-compatible binary."""

from __future__ import annotations

from .protocols import Runtime


def get_runtime(name: str = "native") -> Runtime:
    if name in ("", "native"):
        from .native import NativeRuntime
        return NativeRuntime()
    from .oci import OciRuntime
    return OciRuntime(binary=name)
