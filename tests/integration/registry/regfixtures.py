"""Real CNCF Distribution registries on 127.0.0.1 (plain, htpasswd, token auth) for these tests."""

from __future__ import annotations

import base64
import datetime
import http.server
import importlib.util
import json
import os
import shutil
import socket
import subprocess
import sys
import threading
import time
import urllib.parse
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest

REGISTRY_BIN = "/usr/bin/docker-registry"

_spec = importlib.util.spec_from_file_location(
    "memimage", Path(__file__).parents[2] / "unit" / "archive" / "memimage.py")
assert _spec and _spec.loader
memimage = importlib.util.module_from_spec(_spec)
sys.modules["memimage"] = memimage
_spec.loader.exec_module(memimage)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@dataclass
class Registry:
    host: str  # 127.0.0.1:PORT
    root: Path
    log: Path
    proc: subprocess.Popen[bytes]
    users: dict[str, str] = field(default_factory=dict)

    def log_text(self) -> str:
        return self.log.read_text(errors="replace")


def _start(tmp: Path, auth: dict[str, object] | None, extra: dict[str, object] | None = None) -> Registry:
    if not os.path.exists(REGISTRY_BIN):
        pytest.skip("needs docker-registry (apt install docker-registry)")
    extra = extra or {}
    addr_host = str(extra.get("_addr_host", "127.0.0.1"))
    port = free_port()
    storage = tmp / "storage"
    storage.mkdir()
    config: dict[str, object] = {
        "version": 0.1,
        "log": {"level": "debug", "formatter": "text", "accesslog": {"disabled": False}},
        "storage": {"filesystem": {"rootdirectory": str(storage)}, "delete": {"enabled": True},
                    "maintenance": {"uploadpurging": {"enabled": False}}},
        "http": {"addr": f"{addr_host}:{port}", "secret": "test-secret"},
    }
    if "_tls" in extra:
        config["http"]["tls"] = extra["_tls"]  # type: ignore[index]
    if auth:
        config["auth"] = auth
    cfg = tmp / "config.yml"
    cfg.write_text(json.dumps(config))  # JSON is YAML
    log = tmp / "registry.log"
    with open(log, "wb") as logf:
        proc = subprocess.Popen([REGISTRY_BIN, "serve", str(cfg)], stdout=logf, stderr=subprocess.STDOUT)
    reg = Registry(f"{addr_host}:{port}", storage, log, proc)
    scheme = "https" if "_tls" in extra else "http"
    import ssl
    insecure_ctx = ssl.create_default_context()
    insecure_ctx.check_hostname = False
    insecure_ctx.verify_mode = ssl.CERT_NONE
    deadline = time.monotonic() + 15
    while True:
        try:
            urllib.request.urlopen(f"{scheme}://{reg.host}/v2/", timeout=1, context=insecure_ctx)
            break
        except urllib.error.HTTPError:
            break  # 401: up, wants auth
        except OSError:
            if proc.poll() is not None or time.monotonic() > deadline:
                _stop(reg)
                raise RuntimeError("registry did not start:\n" + log.read_text()) from None
            time.sleep(0.05)
    return reg


def _stop(reg: Registry) -> None:
    if reg.proc.poll() is None:
        reg.proc.terminate()
        try:
            reg.proc.wait(5)
        except subprocess.TimeoutExpired:
            reg.proc.kill()
            reg.proc.wait()
    shutil.rmtree(reg.root, ignore_errors=True)


@pytest.fixture
def registry(tmp_path: Path) -> Iterator[Registry]:
    reg = _start(tmp_path, None)
    try:
        yield reg
    finally:
        _stop(reg)


@pytest.fixture
def basic_registry(tmp_path: Path) -> Iterator[Registry]:
    if not shutil.which("htpasswd"):
        pytest.skip("needs htpasswd (apt install apache2-utils)")
    line = subprocess.run(["htpasswd", "-Bbn", "user", "pass"], capture_output=True, text=True,
                          check=True).stdout.strip()
    (tmp_path / "htpasswd").write_text(line + "\n")
    reg = _start(tmp_path, {"htpasswd": {"realm": "basic-realm", "path": str(tmp_path / "htpasswd")}})
    reg.users = {"user": "pass"}
    try:
        yield reg
    finally:
        _stop(reg)


# --- a tiny token issuer -----------------------------------------------------------------------


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


class TokenIssuer:
    def __init__(self, tmp: Path, users: dict[str, str]) -> None:
        crypto = pytest.importorskip("cryptography")
        del crypto
        from cryptography import x509
        from cryptography.hazmat.primitives import hashes, serialization
        from cryptography.hazmat.primitives.asymmetric import padding, rsa
        from cryptography.x509.oid import NameOID

        self.users = users
        self.requests: list[dict[str, object]] = []
        self.key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "dockyard test token issuer")])
        now = datetime.datetime.now(datetime.UTC)
        self.cert = (x509.CertificateBuilder().subject_name(name).issuer_name(name)
                     .public_key(self.key.public_key()).serial_number(x509.random_serial_number())
                     .not_valid_before(now - datetime.timedelta(days=1))
                     .not_valid_after(now + datetime.timedelta(days=1))
                     .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
                     .sign(self.key, hashes.SHA256()))
        self.cert_path = tmp / "token-cert.pem"
        self.cert_path.write_bytes(self.cert.public_bytes(serialization.Encoding.PEM))
        self._der = self.cert.public_bytes(serialization.Encoding.DER)
        self._sign = lambda data: self.key.sign(data, padding.PKCS1v15(), hashes.SHA256())
        self.port = free_port()
        issuer = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def log_message(self, *args: object) -> None:
                pass

            def do_GET(self) -> None:  # noqa: N802
                issuer.handle(self)

        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", self.port), Handler)
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    @property
    def realm(self) -> str:
        return f"http://127.0.0.1:{self.port}/token"

    def token(self, subject: str, access: list[dict[str, object]], service: str) -> str:
        header = {"alg": "RS256", "typ": "JWT", "x5c": [base64.b64encode(self._der).decode()]}
        now = int(time.time())
        claims = {"iss": "dockyard-test-issuer", "sub": subject, "aud": service, "exp": now + 300,
                  "nbf": now - 10, "iat": now, "jti": os.urandom(8).hex(), "access": access}
        signing_input = _b64(json.dumps(header).encode()) + "." + _b64(json.dumps(claims).encode())
        return signing_input + "." + _b64(self._sign(signing_input.encode()))

    def handle(self, req: http.server.BaseHTTPRequestHandler) -> None:
        q = urllib.parse.parse_qs(urllib.parse.urlparse(req.path).query)
        subject = ""
        auth = req.headers.get("Authorization", "")
        if auth.startswith("Basic "):
            user, _, pw = base64.b64decode(auth[6:]).decode().partition(":")
            if self.users.get(user) != pw:
                req.send_response(401)
                req.end_headers()
                return
            subject = user
        access = []
        for scope in q.get("scope", []):
            typ, _, rest = scope.partition(":")
            name, _, actions = rest.rpartition(":")
            granted = [a for a in actions.split(",") if a == "pull" or subject]
            access.append({"type": typ, "name": name, "actions": granted})
        self.requests.append({"subject": subject, "scopes": q.get("scope", []), "service": q.get("service")})
        body = json.dumps({"token": self.token(subject, access, q.get("service", [""])[0]),
                           "expires_in": 300}).encode()
        req.send_response(200)
        req.send_header("Content-Type", "application/json")
        req.send_header("Content-Length", str(len(body)))
        req.end_headers()
        req.wfile.write(body)

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def token_registry(tmp_path: Path) -> Iterator[tuple[Registry, TokenIssuer]]:
    issuer = TokenIssuer(tmp_path, {"user": "pass"})
    try:
        reg = _start(tmp_path, {"token": {"realm": issuer.realm, "service": "dockyard-test",
                                          "issuer": "dockyard-test-issuer",
                                          "rootcertbundle": str(issuer.cert_path)}})
        reg.users = {"user": "pass"}
        try:
            yield reg, issuer
        finally:
            _stop(reg)
    finally:
        issuer.close()
