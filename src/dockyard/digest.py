"""Content digests: ``sha256:<64 hex>`` strings, validated once at the boundary."""

from __future__ import annotations

from .errors import InvalidArgument

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import BinaryIO

_HEX = frozenset("0123456789abcdef")


def validate(digest: str) -> str:
    """Return ``digest`` if it is a well-formed sha256 digest, else raise InvalidArgument."""
    if not is_digest(digest):
        raise InvalidArgument(f"invalid digest: {digest!r}")
    return digest


def is_digest(value: str) -> bool:
    """``sha256:`` and 64 lowercase hex digits (checked by hand: no ``re`` on the hot path)."""
    return value.startswith("sha256:") and is_hex(value[7:])


def is_hex(value: str) -> bool:
    return len(value) == 64 and _HEX.issuperset(value)


def hex_of(digest: str) -> str:
    return validate(digest)[len("sha256:"):]


def of_bytes(data: bytes) -> str:
    import hashlib
    return "sha256:" + hashlib.sha256(data).hexdigest()


def of_file(f: BinaryIO, chunk: int = 1 << 20) -> tuple[str, int]:
    """Digest and size of everything left to read in ``f``."""
    import hashlib
    h = hashlib.sha256()
    size = 0
    while True:
        buf = f.read(chunk)
        if not buf:
            break
        h.update(buf)
        size += len(buf)
    return "sha256:" + h.hexdigest(), size


def chain_ids(diff_ids: list[str]) -> list[str]:
    """OCI ChainIDs: chain[0] = diff[0]; chain[n] = sha256(chain[n-1] + " " + diff[n])."""
    out: list[str] = []
    for d in diff_ids:
        out.append(d if not out else of_bytes(f"{out[-1]} {d}".encode()))
    return out
