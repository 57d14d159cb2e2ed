"""Registry errors: each carries the registry's error codes (OCI distribution spec) and maps onto the
dockyard class the CLI and the API server already know::

    RegistryError                       .status, .codes, .detail, .temporary
    ├── RegistryNotFound        (NotFound)          MANIFEST_UNKNOWN, BLOB_UNKNOWN, NAME_UNKNOWN, 404
    ├── RegistryUnauthenticated (Unauthenticated)   UNAUTHORIZED, 401
    ├── RegistryDenied          (PermissionDenied)  DENIED, 403
    ├── RegistryInvalid         (InvalidArgument)   other 4xx, malformed answers
    └── RegistryUnavailable     (Unavailable)       TOOMANYREQUESTS, 429, 5xx, connection errors
"""

from __future__ import annotations

import json
from typing import Any

from ..errors import (
    DockyardError,
    InvalidArgument,
    NotFound,
    PermissionDenied,
    Unauthenticated,
    Unavailable,
)


class RegistryError(DockyardError):
    """Base of errors reported by (or about) a registry."""

    temporary = False

    def __init__(self, message: str, *, status: int | None = None, codes: tuple[str, ...] = (),
                 detail: Any = None, hint: str | None = None, reason: str | None = None) -> None:
        super().__init__(message, hint=hint)
        self.reason = reason or message  # the registry's own words, without our context
        self.status = status
        self.codes = codes
        self.detail = detail


class RegistryNotFound(RegistryError, NotFound):
    pass


class RegistryUnauthenticated(RegistryError, Unauthenticated):
    pass


class RegistryDenied(RegistryError, PermissionDenied):
    pass


class RegistryInvalid(RegistryError, InvalidArgument):
    pass


class RegistryUnavailable(RegistryError, Unavailable):
    temporary = True


_BY_CODE: dict[str, type[RegistryError]] = {
    "MANIFEST_UNKNOWN": RegistryNotFound,
    "BLOB_UNKNOWN": RegistryNotFound,
    "NAME_UNKNOWN": RegistryNotFound,
    "BLOB_UPLOAD_UNKNOWN": RegistryNotFound,
    "UNAUTHORIZED": RegistryUnauthenticated,
    "DENIED": RegistryDenied,
    "TOOMANYREQUESTS": RegistryUnavailable,
    "UNAVAILABLE": RegistryUnavailable,
}


def _class_for(status: int, codes: tuple[str, ...]) -> type[RegistryError]:
    if status == 401:
        return RegistryUnauthenticated
    if status == 403:
        return RegistryDenied
    if status == 429 or status >= 500:
        return RegistryUnavailable
    for code in codes:
        if code in _BY_CODE:
            return _BY_CODE[code]
    if status == 404:
        return RegistryNotFound
    return RegistryInvalid


def from_response(status: int, body: bytes, what: str) -> RegistryError:
    """Build the error for a failed registry answer (``what`` names the request, e.g. a URL)."""
    codes: list[str] = []
    messages: list[str] = []
    detail: Any = None
    try:
        doc = json.loads(body[:65536]) if body else None
    except ValueError:
        doc = None
    if isinstance(doc, dict) and isinstance(doc.get("errors"), list):
        for err in doc["errors"]:
            if not isinstance(err, dict):
                continue
            code = str(err.get("code", "")).upper()
            if code:
                codes.append(code)
            msg = err.get("message") or code.lower().replace("_", " ")
            if msg:
                messages.append(str(msg))
            if detail is None:
                detail = err.get("detail")
    text = "; ".join(messages) if messages else f"HTTP {status}"
    cls = _class_for(status, tuple(codes))
    return cls(f"{what}: {text}", status=status, codes=tuple(codes), detail=detail, reason=text)
