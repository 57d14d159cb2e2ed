"""Docker's ``config.json`` credentials (``$DOCKER_CONFIG/config.json`` or ``~/.docker/config.json``).

``auths`` holds base64 ``user:password`` per server; ``credHelpers`` (per server) and ``credsStore``
(default) name a ``docker-credential-<name>`` program that is used instead when it is installed.
The file is written atomically with mode 0600, keeping every key we do not know.
"""

from __future__ import annotations

import base64
import json
import os
import shutil
import subprocess
from collections.abc import Iterable
from typing import Any, BinaryIO

from ..errors import InvalidArgument
from ._auth import Credentials

DOCKER_IO_KEY = "https://index.docker.io/v1/"


def default_path() -> str:
    base = os.environ.get("DOCKER_CONFIG") or os.path.join(os.path.expanduser("~"), ".docker")
    return os.path.join(base, "config.json")


def server_key(server: str) -> str:
    """The key docker uses in ``auths`` for a registry host (docker.io has a legacy URL)."""
    host = _host(server)
    if host in ("docker.io", "index.docker.io", "registry-1.docker.io"):
        return DOCKER_IO_KEY
    return host


def _host(server: str) -> str:
    s = server.strip()
    for prefix in ("https://", "http://"):
        if s.startswith(prefix):
            s = s[len(prefix):]
    return s.split("/", 1)[0]


def load(path: str | None = None) -> dict[str, Any]:
    path = path or default_path()
    try:
        with open(path, "rb") as f:
            doc = json.load(f)
    except FileNotFoundError:
        return {}
    except ValueError as err:
        raise InvalidArgument(f"{path}: invalid JSON: {err}") from None
    if not isinstance(doc, dict):
        raise InvalidArgument(f"{path}: not a JSON object")
    return doc


def save(doc: dict[str, Any], path: str | None = None) -> None:
    path = path or default_path()
    directory = os.path.dirname(path) or "."
    os.makedirs(directory, mode=0o700, exist_ok=True)
    from ..archive.atomic import write_file_atomically
    data = (json.dumps(doc, indent="\t") + "\n").encode()

    def write(f: BinaryIO) -> None:
        f.write(data)

    write_file_atomically(path, write, mode=0o600)  # mkstemp's 0600 from the first byte


def _helper_for(doc: dict[str, Any], key: str) -> str | None:
    helpers = doc.get("credHelpers")
    name = None
    if isinstance(helpers, dict):
        name = helpers.get(key) or helpers.get(_host(key))
    name = name or doc.get("credsStore")
    if not isinstance(name, str) or not name:
        return None
    program = shutil.which(f"docker-credential-{name}")
    return program


def _run_helper(program: str, verb: str, data: str) -> str:
    proc = subprocess.run([program, verb], input=data, capture_output=True, text=True, timeout=30)
    if proc.returncode != 0:
        out = (proc.stdout + proc.stderr).strip()
        if verb == "get" and "credentials not found" in out.lower():
            return ""
        raise InvalidArgument(f"{os.path.basename(program)} {verb}: {out or 'failed'}")
    return proc.stdout


def _matching_keys(auths: dict[str, Any], key: str) -> Iterable[str]:
    for k in auths:
        if server_key(k) == key:
            yield k


def get_credentials(server: str, *, config_path: str | None = None) -> Credentials | None:
    """Credentials stored for ``server`` (a registry host), or None (anonymous)."""
    doc = load(config_path)
    key = server_key(server)
    helper = _helper_for(doc, key)
    if helper:
        out = _run_helper(helper, "get", key)
        if out.strip():
            try:
                answer = json.loads(out)
                return Credentials(str(answer["Username"]), str(answer["Secret"]))
            except (ValueError, KeyError, TypeError):
                raise InvalidArgument(f"{os.path.basename(helper)} get: invalid answer") from None
    auths = doc.get("auths")
    if not isinstance(auths, dict):
        return None
    for k in _matching_keys(auths, key):
        entry = auths[k]
        if not isinstance(entry, dict):
            continue
        if entry.get("username") and entry.get("password"):
            return Credentials(str(entry["username"]), str(entry["password"]))
        encoded = entry.get("auth")
        if isinstance(encoded, str) and encoded:
            try:
                user, _, password = base64.b64decode(encoded).decode().partition(":")
            except (ValueError, UnicodeDecodeError):
                raise InvalidArgument(f"invalid auth entry for {k} in the docker config") from None
            return Credentials(user, password)
    return None


def store_credentials(server: str, creds: Credentials, *, config_path: str | None = None) -> None:
    doc = load(config_path)
    key = server_key(server)
    auths = doc.setdefault("auths", {})
    if not isinstance(auths, dict):
        raise InvalidArgument("invalid 'auths' in the docker config")
    helper = _helper_for(doc, key)
    if helper:
        _run_helper(helper, "store", json.dumps({"ServerURL": key, "Username": creds.username,
                                                  "Secret": creds.password}))
        auths[key] = {}
    else:
        token = base64.b64encode(f"{creds.username}:{creds.password}".encode()).decode()
        auths[key] = {"auth": token}
    save(doc, config_path)


def erase_credentials(server: str, *, config_path: str | None = None) -> bool:
    """Forget ``server``'s credentials; return whether any were stored (docker says "Not logged in")."""
    doc = load(config_path)
    key = server_key(server)
    helper = _helper_for(doc, key)
    found = False
    if helper:
        try:
            _run_helper(helper, "erase", key)
            found = True
        except InvalidArgument:
            pass
    auths = doc.get("auths")
    if isinstance(auths, dict):
        for k in list(_matching_keys(auths, key)):
            del auths[k]
            found = True
    if found:
        save(doc, config_path)
    return found


def login(server: str, username: str, password: str, *, config_path: str | None = None,
          insecure_registries: Iterable[str] = ()) -> None:
    """Check the credentials against ``server``'s ``/v2/`` and store them.  Raises
    RegistryUnauthenticated (nothing stored) when the registry refuses them."""
    from ._transport import Transport

    host = _host(server) or "docker.io"
    if host == "index.docker.io":
        host = "docker.io"
    creds = Credentials(username, password)
    with Transport(host, credentials=creds, insecure=host in set(insecure_registries)) as t:
        t.request("GET", "/v2/", scopes=(), what=f"login to {host}")
        if t.tokens.challenge(host) is None:
            # the registry let us in without asking: docker would store them anyway
            pass
    store_credentials(host, creds, config_path=config_path)


def logout(server: str, *, config_path: str | None = None) -> bool:
    return erase_credentials(_host(server) or "docker.io", config_path=config_path)
