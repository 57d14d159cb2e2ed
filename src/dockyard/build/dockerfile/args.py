"""Build arguments: the predefined platform ARGs, proxy ARGs and the global (pre-FROM) ARG scope.

How an executor uses this (BuildKit semantics):

1. ``scope = global_args(dockerfile, build_args, platform=...)`` gives the variables FROM lines
   may use: the predefined platform ARGs plus every ARG declared before the first FROM (its
   ``--build-arg`` value, else its default expanded in order).
2. Expand each stage's ``base``/``platform`` with ``Expander.expand_word(word, scope)``.
3. Inside a stage, ``ARG X`` without a default takes ``scope["X"]`` when present, and
   ``--build-arg X=...`` overrides any default.  Build args that are never declared are not
   visible to expansion; the proxy ARGs (:data:`PROXY_ARGS`) are still passed to RUN's
   environment without being declared (and do not end up in the image).
"""

from __future__ import annotations

import platform as _platform
from collections.abc import Mapping

from dockyard.errors import InvalidArgument

from .instructions import Dockerfile
from .shell import Expander

__all__ = ["PROXY_ARGS", "Platform", "default_platform", "global_args", "predefined_args"]

PROXY_ARGS = (
    "HTTP_PROXY", "http_proxy", "HTTPS_PROXY", "https_proxy", "FTP_PROXY", "ftp_proxy",
    "NO_PROXY", "no_proxy", "ALL_PROXY", "all_proxy",
)

_ARCH = {"x86_64": "amd64", "amd64": "amd64", "aarch64": "arm64", "arm64": "arm64",
         "armv7l": "arm", "armv6l": "arm", "i386": "386", "i686": "386", "ppc64le": "ppc64le",
         "s390x": "s390x", "riscv64": "riscv64"}


class Platform(tuple[str, str, str]):
    """``os/arch[/variant]`` as a (os, architecture, variant) triple."""

    @classmethod
    def parse(cls, text: str) -> Platform:
        parts = text.split("/")
        if not 2 <= len(parts) <= 3 or not all(parts):
            raise InvalidArgument(f'"{text}": unknown operating system or architecture: invalid argument')
        os_, arch = parts[0].lower(), parts[1].lower()
        variant = parts[2].lower() if len(parts) == 3 else ""
        arch = _ARCH.get(arch, arch)
        return cls((os_, arch, variant))

    @property
    def os(self) -> str:
        return self[0]

    @property
    def architecture(self) -> str:
        return self[1]

    @property
    def variant(self) -> str:
        return self[2]

    def __str__(self) -> str:
        return "/".join(p for p in self if p)


def default_platform() -> Platform:
    """The platform of this machine (BuildKit's ``platforms.DefaultSpec``)."""
    machine = _platform.machine()
    arch = _ARCH.get(machine, machine.lower())
    variant = "v7" if machine == "armv7l" else "v6" if machine == "armv6l" else ""
    return Platform(("linux", arch, variant))


def predefined_args(
    platform: str | None = None, *, build_platform: str | None = None, target: str | None = None
) -> dict[str, str]:
    """BuildKit's automatic ARGs: TARGET* for ``platform``, BUILD* for ``build_platform``.

    Both default to this machine.  ``target`` is the target stage name (TARGETSTAGE).
    """
    bp = Platform.parse(build_platform) if build_platform else default_platform()
    tp = Platform.parse(platform) if platform else bp
    return {
        "BUILDPLATFORM": str(bp),
        "BUILDOS": bp.os,
        "BUILDOSVERSION": "",
        "BUILDARCH": bp.architecture,
        "BUILDVARIANT": bp.variant,
        "TARGETPLATFORM": str(tp),
        "TARGETOS": tp.os,
        "TARGETOSVERSION": "",
        "TARGETARCH": tp.architecture,
        "TARGETVARIANT": tp.variant,
        "TARGETSTAGE": target or "default",
    }


def global_args(
    dockerfile: Dockerfile,
    build_args: Mapping[str, str] | None = None,
    *,
    platform: str | None = None,
    build_platform: str | None = None,
    target: str | None = None,
) -> dict[str, str]:
    """The scope FROM lines are expanded in (BuildKit ``defaultArgs`` + ``buildMetaArgs``)."""
    build_args = dict(build_args or {})
    if target is None and dockerfile.stages:
        target = dockerfile.stages[-1].name
    scope = predefined_args(platform, build_platform=build_platform, target=target)
    for key in scope:
        if key in build_args:
            scope[key] = build_args[key]
    expander = Expander(dockerfile.escape)
    for arg in dockerfile.global_args:
        for d in arg.args:
            if d.key in build_args:
                scope[d.key] = build_args[d.key]
            elif d.default is not None:
                scope[d.key] = expander.expand_word(d.default, scope)
    return scope
