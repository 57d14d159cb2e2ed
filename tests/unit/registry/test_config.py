from __future__ import annotations

import base64
import json
import os
import stat
from pathlib import Path

import pytest

from dockyard.registry import config
from dockyard.registry._auth import Credentials


def test_store_get_erase(tmp_path: Path) -> None:
    path = str(tmp_path / "d" / "config.json")
    (tmp_path / "d").mkdir()
    Path(path).write_text(json.dumps({"psFormat": "x", "auths": {}}))
    config.store_credentials("localhost:5000", Credentials("u", "p:w"), config_path=path)
    config.store_credentials("docker.io", Credentials("hub", "pw"), config_path=path)
    doc = json.loads(Path(path).read_text())
    assert doc["psFormat"] == "x"
    assert base64.b64decode(doc["auths"]["localhost:5000"]["auth"]) == b"u:p:w"
    assert "https://index.docker.io/v1/" in doc["auths"]
    assert stat.S_IMODE(os.stat(path).st_mode) == 0o600
    assert config.get_credentials("localhost:5000", config_path=path) == Credentials("u", "p:w")
    assert config.get_credentials("index.docker.io", config_path=path) == Credentials("hub", "pw")
    assert config.get_credentials("other", config_path=path) is None
    assert config.erase_credentials("localhost:5000", config_path=path)
    assert not config.erase_credentials("localhost:5000", config_path=path)
    assert config.get_credentials("localhost:5000", config_path=path) is None


def test_url_keys_and_missing_file(tmp_path: Path) -> None:
    path = tmp_path / "config.json"
    assert config.get_credentials("x", config_path=str(path)) is None
    entry = {"username": "a", "password": "b"}
    path.write_text(json.dumps({"auths": {"https://reg.example:443/v2/": entry}}))
    assert config.get_credentials("reg.example:443", config_path=str(path)) == Credentials("a", "b")


def test_credential_helper(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    bindir = tmp_path / "bin"
    bindir.mkdir()
    store = tmp_path / "helper-store.json"
    helper = bindir / "docker-credential-fake"
    helper.write_text(f"""#!/usr/bin/python3
import json, sys
path = {str(store)!r}
try:
    db = json.load(open(path))
except FileNotFoundError:
    db = {{}}
verb = sys.argv[1]
data = sys.stdin.read().strip()
if verb == "get":
    if data not in db:
        print("credentials not found in native keychain"); sys.exit(1)
    print(json.dumps({{"ServerURL": data, "Username": db[data][0], "Secret": db[data][1]}}))
elif verb == "store":
    d = json.loads(data); db[d["ServerURL"]] = [d["Username"], d["Secret"]]
    json.dump(db, open(path, "w"))
elif verb == "erase":
    db.pop(data, None); json.dump(db, open(path, "w"))
""")
    helper.chmod(0o755)
    monkeypatch.setenv("PATH", f"{bindir}:{os.environ['PATH']}")
    path = str(tmp_path / "config.json")
    Path(path).write_text(json.dumps({"credsStore": "fake"}))
    assert config.get_credentials("reg:1", config_path=path) is None
    config.store_credentials("reg:1", Credentials("u", "secret"), config_path=path)
    assert "secret" not in Path(path).read_text()
    assert json.loads(store.read_text()) == {"reg:1": ["u", "secret"]}
    assert config.get_credentials("reg:1", config_path=path) == Credentials("u", "secret")
    # credHelpers wins over auths for its server; a missing helper falls back to auths
    Path(path).write_text(json.dumps({"credHelpers": {"reg:1": "fake", "reg:2": "absent"},
                                      "auths": {"reg:2": {"auth": base64.b64encode(b"x:y").decode()}}}))
    assert config.get_credentials("reg:1", config_path=path) == Credentials("u", "secret")
    assert config.get_credentials("reg:2", config_path=path) == Credentials("x", "y")
    assert config.erase_credentials("reg:1", config_path=path)
    assert json.loads(store.read_text()) == {}
