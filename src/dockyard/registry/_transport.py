"""HTTP to one registry: scheme choice, authentication (driving ``_auth``), retries with backoff on
connection errors, 429 and 5xx, and registry error bodies turned into ``RegistryError``s.
"""

from __future__ import annotations

import glob
import io
import os
import ssl
import time
from collections.abc import Callable, Iterator
from typing import Any, BinaryIO, cast

import httpx

from . import _auth
from .errors import RegistryUnauthenticated, RegistryUnavailable, from_response

USER_AGENT = "dockyard/0.1"
_LOOPBACK = ("localhost", "127.0.0.1", "[::1]", "::1")
_RETRY_STATUS = frozenset({429, 500, 502, 503, 504})
CERTS_DIRS = ("/etc/dockyard/certs.d", "/etc/docker/certs.d")


def ssl_context(registry: str, certs_dirs: tuple[str, ...] = CERTS_DIRS) -> ssl.SSLContext:
    """The system CA bundle plus any ``<certs dir>/<registry>/*.crt`` (docker's per-registry CAs)."""
    ctx = ssl.create_default_context()
    for base in certs_dirs:
        for ca in sorted(glob.glob(os.path.join(base, registry, "*.crt"))):
            ctx.load_verify_locations(cafile=ca)
    return ctx


def api_host(registry: str) -> str:
    """The host the v2 API lives on (docker.io's is registry-1.docker.io)."""
    return "registry-1.docker.io" if registry in ("docker.io", "index.docker.io") else registry


def is_loopback(registry: str) -> bool:
    host = registry.rsplit(":", 1)[0] if not registry.endswith("]") else registry
    if registry.startswith("["):
        host = registry[: registry.index("]") + 1]
    return host in _LOOPBACK


class Transport:
    """Authenticated requests to one registry.  Thread-safe (httpx.Client is; tokens are locked)."""

    def __init__(self, registry: str, *, credentials: _auth.Credentials | None = None,
                 insecure: bool = False, tokens: _auth.TokenCache | None = None, retries: int = 4,
                 backoff: float = 0.25, timeout: float = 60.0, client: httpx.Client | None = None,
                 certs_dirs: tuple[str, ...] = CERTS_DIRS) -> None:
        self.registry = registry
        self.credentials = credentials
        self.tokens = tokens or _auth.TokenCache()
        self.retries = retries
        self.backoff = backoff
        host = api_host(registry)
        if is_loopback(registry) or insecure:
            self.base = f"http://{host}"
        else:
            self.base = f"https://{host}"
        self._insecure_https_fallback = insecure and not is_loopback(registry)
        self._base_checked = not self._insecure_https_fallback
        self.client = client or httpx.Client(
            follow_redirects=True, verify=False if insecure else ssl_context(registry, certs_dirs),
            timeout=httpx.Timeout(timeout, connect=10.0),
            headers={"User-Agent": USER_AGENT},
            limits=httpx.Limits(max_connections=32, max_keepalive_connections=16),
        )

    def close(self) -> None:
        self.client.close()

    def __enter__(self) -> Transport:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def url(self, path: str) -> str:
        if path.startswith(("http://", "https://")):
            return path
        return self.base + path

    def _choose_base(self) -> None:
        """For an insecure non-loopback registry try HTTPS (unverified) first, like docker."""
        if self._base_checked:
            return
        https = self.base.replace("http://", "https://", 1)
        try:
            self.client.get(https + "/v2/", timeout=5.0)
            self.base = https
        except httpx.TransportError:
            pass
        self._base_checked = True

    # --- authentication -----------------------------------------------------------------------

    def _authorization(self, scopes: tuple[str, ...], refresh: bool) -> str | None:
        challenge = self.tokens.challenge(self.registry)
        if challenge is None:
            return None
        if challenge.scheme == "basic":
            return _auth.basic_header(self.credentials) if self.credentials else None
        if refresh:
            self.tokens.invalidate(self.registry, scopes)
        token = self.tokens.get(self.registry, scopes)
        if token is None:
            token_obj = self._fetch_token(challenge, scopes)
            self.tokens.put(self.registry, scopes, token_obj)
            token = token_obj.value
        return "Bearer " + token

    def _fetch_token(self, challenge: _auth.Challenge, scopes: tuple[str, ...]) -> _auth.Token:
        req = _auth.token_request(challenge, scopes, self.credentials)
        headers = {"Authorization": req.authorization} if req.authorization else {}
        resp = self._send_with_retries("GET", req.url, headers, None, stream=False)
        if resp.status_code in (401, 403):
            raise RegistryUnauthenticated(
                f"{self.registry}: authentication failed"
                + ("" if self.credentials else " (no credentials; try `dockyard login`)"),
                status=resp.status_code)
        if resp.status_code != 200:
            raise from_response(resp.status_code, resp.content, f"token server {challenge.params['realm']}")
        return _auth.parse_token_response(resp.content)

    # --- requests -----------------------------------------------------------------------------

    def _send_with_retries(self, method: str, url: str, headers: dict[str, str],
                           content: bytes | None, *, stream: bool) -> httpx.Response:
        attempt = 0
        while True:
            try:
                req = self.client.build_request(method, url, headers=headers, content=content)
                resp = self.client.send(req, stream=stream)
            except httpx.TransportError as err:
                if _is_tls_error(err):
                    raise RegistryUnavailable(
                        f"{self.registry}: {method} {url}: TLS failed: {err}",
                        hint=f"if {self.registry} is a plain-HTTP or self-signed registry, list it in "
                             "insecure registries, or put its CA in /etc/docker/certs.d/"
                             f"{self.registry}/ca.crt") from err
                if attempt >= self.retries:
                    raise RegistryUnavailable(f"{self.registry}: {method} {url}: {err}") from err
            else:
                if resp.status_code not in _RETRY_STATUS or attempt >= self.retries:
                    return resp
                resp.close()
                delay = _retry_after(resp)
                if delay is not None:
                    time.sleep(min(delay, 10.0))
                    attempt += 1
                    continue
            time.sleep(self.backoff * (2 ** attempt))
            attempt += 1

    def request(self, method: str, path: str, *, scopes: tuple[str, ...],
                headers: dict[str, str] | None = None, content: bytes | None = None, stream: bool = False,
                params: dict[str, str] | None = None,
                expect: tuple[int, ...] = (200,), what: str | None = None) -> httpx.Response:
        """Send with authentication; raise a RegistryError unless the status is in ``expect``."""
        self._choose_base()
        url = self.url(path)
        if params:
            url = str(httpx.URL(url).copy_merge_params(params))
        hdrs = dict(headers or {})
        refreshed = False
        while True:
            auth = self._authorization(scopes, refresh=refreshed)
            if auth:
                hdrs["Authorization"] = auth
            resp = self._send_with_retries(method, url, hdrs, content, stream=stream)
            if resp.status_code == 401 and not refreshed:
                header = resp.headers.get("WWW-Authenticate", "")
                resp.close()
                challenges = _auth.parse_challenges(header)
                if challenges:
                    challenge = _auth.pick_challenge(challenges)
                    self.tokens.set_challenge(self.registry, challenge)
                    if challenge.scheme == "basic" and self.credentials is None:
                        raise RegistryUnauthenticated(
                            f"{self.registry}: authentication required "
                            f"(try `dockyard login {self.registry}`)",
                            status=401)
                    refreshed = True
                    continue
            if resp.status_code in expect:
                return resp
            body = resp.read() if stream else resp.content
            resp.close()
            raise from_response(resp.status_code, body, what or f"{method} {url}")

    def stream(self, path: str, *, scopes: tuple[str, ...], headers: dict[str, str] | None = None,
               what: str | None = None) -> BinaryIO:
        """GET ``path`` (following redirects) as a file object; transport errors become
        RegistryUnavailable (a truncated download fails, never ends early silently)."""
        resp = self.request("GET", path, scopes=scopes, headers=headers, stream=True, what=what)

        def reopen(offset: int) -> httpx.Response:
            hdrs = dict(headers or {}, Range=f"bytes={offset}-")
            return self.request("GET", path, scopes=scopes, headers=hdrs, stream=True, what=what,
                                expect=(200, 206))

        reader = _ResponseReader(resp, what or path, reopen, self.retries, self.backoff)
        return cast(BinaryIO, io.BufferedReader(reader, 1 << 20))


def _is_tls_error(err: BaseException) -> bool:
    seen: BaseException | None = err
    for _ in range(8):
        if seen is None:
            return False
        if isinstance(seen, ssl.SSLError):
            return True
        seen = seen.__cause__ or seen.__context__
    return False


def _retry_after(resp: httpx.Response) -> float | None:
    value = resp.headers.get("Retry-After")
    if value and value.isdigit():
        return float(value)
    return None


class _ResponseReader(io.RawIOBase):
    """A streamed response as a raw file; an interrupted download resumes with a Range request
    (up to ``retries`` times) when the body is not content-encoded."""

    def __init__(self, resp: httpx.Response, what: str,
                 reopen: Callable[[int], httpx.Response] | None = None, retries: int = 0,
                 backoff: float = 0.25) -> None:
        super().__init__()
        self._resp = resp
        self._what = what
        self._reopen = reopen
        self._retries = retries
        self._backoff = backoff
        self._it: Iterator[bytes] = resp.iter_bytes()
        self._buf = b""
        self._offset = 0  # bytes received so far

    def _resume(self, err: httpx.HTTPError) -> None:
        if self._reopen is None or self._retries <= 0 or self._resp.headers.get("Content-Encoding"):
            raise RegistryUnavailable(f"{self._what}: download interrupted: {err}") from err
        self._retries -= 1
        self._resp.close()
        time.sleep(self._backoff)
        resp = self._reopen(self._offset)
        skip = 0
        if resp.status_code == 200:
            skip = self._offset  # server ignored Range: read past what we have
        elif not resp.headers.get("Content-Range", "").startswith(f"bytes {self._offset}-"):
            resp.close()
            raise RegistryUnavailable(f"{self._what}: download interrupted and cannot resume: {err}") from err
        self._resp = resp
        self._it = resp.iter_bytes()
        while skip:
            chunk = next(self._it, b"")
            if not chunk:
                break
            if len(chunk) > skip:
                self._buf = chunk[skip:]
                self._offset += len(self._buf)
                return
            skip -= len(chunk)

    def readable(self) -> bool:
        return True

    def readinto(self, b: Any) -> int:
        view = memoryview(b)
        while not self._buf:
            try:
                self._buf = next(self._it)
                self._offset += len(self._buf)
            except StopIteration:
                return 0
            except httpx.HTTPError as err:
                self._resume(err)
        n = min(len(view), len(self._buf))
        view[:n] = self._buf[:n]
        self._buf = self._buf[n:]
        return n

    def close(self) -> None:
        if not self.closed:
            self._resp.close()
            super().close()
