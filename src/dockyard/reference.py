"""Image references with Docker's grammar and normalisation.

``busybox`` == ``docker.io/library/busybox:latest``;
``[registry[:port]/]path[:tag][@sha256:hex]``.  The first path component is a registry when it
contains a ``.`` or ``:``, or is ``localhost``.
"""

from __future__ import annotations

from ._lazyre import lazy_re
from ._record import Record
from .errors import InvalidReference

DEFAULT_REGISTRY = "docker.io"
DEFAULT_TAG = "latest"

_ALNUM = frozenset("abcdefghijklmnopqrstuvwxyz0123456789")
_DOMAIN_RE = lazy_re(
    r"^(?:[a-zA-Z0-9](?:[a-zA-Z0-9-]*[a-zA-Z0-9])?)(?:\.(?:[a-zA-Z0-9](?:[a-zA-Z0-9-]*[a-zA-Z0-9])?))*"
    r"(?::[0-9]+)?$|^\[[0-9a-fA-F:]+\](?::[0-9]+)?$"
)
_DIGEST_RE = lazy_re(r"^[a-z0-9]+(?:[.+_-][a-z0-9]+)*:[a-fA-F0-9]{32,}$")


class Reference(Record, frozen=True):
    """A parsed, normalised image reference."""

    registry: str
    repository: str  # e.g. "library/busybox"
    tag: str | None = None
    digest: str | None = None

    @property
    def name(self) -> str:
        """Fully qualified name without tag or digest: docker.io/library/busybox."""
        return f"{self.registry}/{self.repository}"

    @property
    def familiar_name(self) -> str:
        """The short name docker shows: busybox, user/app, localhost:5000/app."""
        if self.registry == DEFAULT_REGISTRY:
            if self.repository.startswith("library/") and self.repository.count("/") == 1:
                return self.repository[len("library/"):]
            return self.repository
        return self.name

    def __str__(self) -> str:
        s = self.name
        if self.tag:
            s += ":" + self.tag
        if self.digest:
            s += "@" + self.digest
        return s

    @property
    def familiar(self) -> str:
        s = self.familiar_name
        if self.tag:
            s += ":" + self.tag
        if self.digest:
            s += "@" + self.digest
        return s

    def with_tag(self, tag: str) -> Reference:
        return Reference(self.registry, self.repository, tag, None)

    def with_digest(self, digest: str) -> Reference:
        return Reference(self.registry, self.repository, None, digest)


def _valid_component(c: str) -> bool:
    """``[a-z0-9]+(?:(?:[._]|__|[-]+)[a-z0-9]+)*`` (distribution's path component), without re:
    every command that names an image parses a reference, and ``re`` costs ~8 ms to import."""
    i, n = 0, len(c)
    while True:
        j = i
        while j < n and c[j] in _ALNUM:
            j += 1
        if j == i:
            return False
        if j == n:
            return True
        k = j
        while k < n and c[k] not in _ALNUM:
            k += 1
        sep = c[j:k]
        if k == n or not (sep in (".", "_", "__") or sep == "-" * len(sep)):
            return False
        i = k


def _valid_path(path: str) -> bool:
    return all(_valid_component(c) for c in path.split("/"))


def _valid_tag(tag: str) -> bool:
    """``[\\w][\\w.-]{0,127}``"""
    return 0 < len(tag) <= 128 and (tag[0].isalnum() or tag[0] == "_") and \
        all(ch.isalnum() or ch in "_.-" for ch in tag)


def parse(ref: str, *, default_tag: bool = True) -> Reference:
    """Parse and normalise ``ref``; add ``:latest`` when it has neither tag nor digest."""
    if not ref or ref != ref.strip() or len(ref) > 512:
        raise InvalidReference(ref)
    rest = ref
    digest = None
    if "@" in rest:
        rest, digest = rest.split("@", 1)
        if not _DIGEST_RE.match(digest):
            raise InvalidReference(ref)
    tag = None
    slash = rest.rfind("/")
    colon = rest.rfind(":")
    if colon > slash:
        rest, tag = rest[:colon], rest[colon + 1:]
        if not _valid_tag(tag):
            raise InvalidReference(ref)
    if not rest:
        raise InvalidReference(ref)
    first, sep, remainder = rest.partition("/")
    if sep and ("." in first or ":" in first or first == "localhost" or first != first.lower()):
        if not _DOMAIN_RE.match(first):
            raise InvalidReference(ref)
        registry, path = first, remainder
    else:
        registry, path = DEFAULT_REGISTRY, rest
    if registry in ("index.docker.io", "registry-1.docker.io"):
        registry = DEFAULT_REGISTRY
    if path != path.lower():
        raise InvalidReference(ref, "invalid reference format: repository name must be lowercase")
    if not _valid_path(path):
        raise InvalidReference(ref)
    if registry == DEFAULT_REGISTRY and "/" not in path:
        path = "library/" + path
    if tag is None and digest is None and default_tag:
        tag = DEFAULT_TAG
    return Reference(registry, path, tag, digest)


def is_reference_like(value: str) -> bool:
    try:
        parse(value)
    except InvalidReference:
        return False
    return True
