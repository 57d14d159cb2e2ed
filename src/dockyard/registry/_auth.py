"""Registry authentication as pure functions and a small cache (sans-IO: the transport does I/O).

Flow: a request gets 401 with ``WWW-Authenticate``; ``parse_challenges`` reads it.  For ``Basic``
the transport resends with ``basic_header(credentials)``.  For ``Bearer`` it builds the token URL
with ``token_request`` (realm?service=&scope=..., Basic credentials when known, anonymous
otherwise), GETs it, reads the answer with ``parse_token_response`` and stores it in
``TokenCache`` under (registry, scopes); later requests for the same scopes reuse it until it
expires or the registry answers 401 again.
"""

from __future__ import annotations

import base64
import json
import re
import threading
import time
from dataclasses import dataclass, field
from urllib.parse import urlencode

from .errors import RegistryUnauthenticated


@dataclass(frozen=True)
class Credentials:
    username: str
    password: str


@dataclass(frozen=True)
class Challenge:
    scheme: str  # lower case: "basic" or "bearer"
    params: dict[str, str] = field(default_factory=dict)

    @property
    def scopes(self) -> tuple[str, ...]:
        return tuple(self.params["scope"].split(" ")) if self.params.get("scope") else ()


_PARAM_RE = re.compile(r'\s*([A-Za-z0-9_.-]+)\s*=\s*(?:"((?:[^"\\]|\\.)*)"|([^\s,"]*))\s*(,|$)')


def parse_challenges(header: str) -> list[Challenge]:
    """Parse a ``WWW-Authenticate`` value (one or more challenges) into Challenges."""
    out: list[Challenge] = []
    pos = 0
    header = header.strip()
    while pos < len(header):
        m = re.compile(r"\s*,?\s*([A-Za-z][A-Za-z0-9_-]*)\s*").match(header, pos)
        if not m:
            break
        scheme = m.group(1).lower()
        pos = m.end()
        params: dict[str, str] = {}
        while pos < len(header):
            pm = _PARAM_RE.match(header, pos)
            if not pm:
                break
            value = pm.group(2) if pm.group(2) is not None else pm.group(3)
            params[pm.group(1).lower()] = re.sub(r"\\(.)", r"\1", value)
            pos = pm.end()
        out.append(Challenge(scheme, params))
    return out


def basic_header(creds: Credentials) -> str:
    return "Basic " + base64.b64encode(f"{creds.username}:{creds.password}".encode()).decode()


def repository_scope(repository: str, actions: str) -> str:
    return f"repository:{repository}:{actions}"


@dataclass(frozen=True)
class TokenRequest:
    url: str
    authorization: str | None


def token_request(challenge: Challenge, scopes: tuple[str, ...], creds: Credentials | None) -> TokenRequest:
    realm = challenge.params.get("realm")
    if not realm:
        raise RegistryUnauthenticated("registry sent a Bearer challenge without a realm")
    query: list[tuple[str, str]] = []
    if challenge.params.get("service"):
        query.append(("service", challenge.params["service"]))
    for s in merge_scopes(scopes, challenge.scopes):
        query.append(("scope", s))
    sep = "&" if "?" in realm else "?"
    url = realm + (sep + urlencode(query) if query else "")
    return TokenRequest(url, basic_header(creds) if creds else None)


def merge_scopes(*groups: tuple[str, ...]) -> tuple[str, ...]:
    """Union of scopes, merging actions on the same resource ("repository:x:pull" + ":push")."""
    actions: dict[str, list[str]] = {}
    for group in groups:
        for s in group:
            resource, _, acts = s.rpartition(":")
            if not resource:
                resource, acts = s, ""
            have = actions.setdefault(resource, [])
            for a in acts.split(","):
                if a and a not in have:
                    have.append(a)
    return tuple(sorted(f"{r}:{','.join(sorted(a))}" if a else r for r, a in actions.items()))


@dataclass(frozen=True)
class Token:
    value: str
    expires_at: float


def parse_token_response(body: bytes, now: float | None = None) -> Token:
    try:
        doc = json.loads(body)
    except ValueError:
        raise RegistryUnauthenticated("token server answered with invalid JSON") from None
    if not isinstance(doc, dict):
        raise RegistryUnauthenticated("token server answered with invalid JSON")
    value = doc.get("token") or doc.get("access_token")
    if not isinstance(value, str) or not value:
        raise RegistryUnauthenticated("token server answered without a token")
    expires_in = doc.get("expires_in")
    if not isinstance(expires_in, int | float) or expires_in <= 0:
        expires_in = 60  # the distribution spec's default
    return Token(value, (time.time() if now is None else now) + float(expires_in))


class TokenCache:
    """Bearer tokens per (registry, scopes); also remembers each registry's last challenge."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._tokens: dict[tuple[str, tuple[str, ...]], Token] = {}
        self._challenges: dict[str, Challenge] = {}

    def get(self, registry: str, scopes: tuple[str, ...], now: float | None = None) -> str | None:
        with self._lock:
            tok = self._tokens.get((registry, scopes))
        if tok is None or tok.expires_at - 10 < (time.time() if now is None else now):
            return None
        return tok.value

    def put(self, registry: str, scopes: tuple[str, ...], token: Token) -> None:
        with self._lock:
            self._tokens[(registry, scopes)] = token

    def invalidate(self, registry: str, scopes: tuple[str, ...]) -> None:
        with self._lock:
            self._tokens.pop((registry, scopes), None)

    def challenge(self, registry: str) -> Challenge | None:
        with self._lock:
            return self._challenges.get(registry)

    def set_challenge(self, registry: str, challenge: Challenge) -> None:
        with self._lock:
            self._challenges[registry] = challenge


def pick_challenge(challenges: list[Challenge]) -> Challenge:
    """Prefer Bearer over Basic; raise if the registry offers neither."""
    for scheme in ("bearer", "basic"):
        for c in challenges:
            if c.scheme == scheme:
                return c
    raise RegistryUnauthenticated("registry asked for an unsupported authentication scheme")
