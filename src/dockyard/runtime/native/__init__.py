"""The native runtime: runs OCI bundles in Python (namespaces, mounts, cgroups, caps, seccomp)."""

from .runtime import NativeRuntime

__all__ = ["NativeRuntime"]
