"""Negative cases a real registry will not produce, served by a tiny fake HTTP server."""

from __future__ import annotations

import hashlib
import http.server
import json
import socket
import threading
from collections.abc import Iterator

import pytest

from dockyard import oci
from dockyard.errors import DigestMismatch, DockyardError, InvalidArgument, Unavailable
from dockyard.registry import open_image


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


GOOD_CONFIG = json.dumps({"architecture": "amd64", "os": "linux",
                          "rootfs": {"type": "layers", "diff_ids": []}}).encode()


def _sha(b: bytes) -> str:
    return "sha256:" + hashlib.sha256(b).hexdigest()


RESUMABLE = bytes(range(256)) * 4

GOOD_MANIFEST = json.dumps({
    "schemaVersion": 2, "mediaType": oci.OCI_MANIFEST,
    "config": oci.descriptor(oci.OCI_CONFIG, _sha(GOOD_CONFIG), len(GOOD_CONFIG)), "layers": [],
}).encode()


class Fake:
    def __init__(self) -> None:
        self.hits: dict[str, int] = {}
        self.routes: dict[str, tuple[int, bytes, dict[str, str]]] = {}
        fake = self

        class Handler(http.server.BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args: object) -> None:
                pass

            def do_GET(self) -> None:  # noqa: N802
                fake.hits[self.path] = fake.hits.get(self.path, 0) + 1
                if self.path == "/v2/flaky/manifests/latest" and fake.hits[self.path] <= 2:
                    self._send(503, b"", {})
                    return
                if self.path.startswith("/v2/resume/blobs/"):
                    rng = self.headers.get("Range")
                    if rng is None:
                        self.send_response(200)
                        self.send_header("Content-Length", str(len(RESUMABLE)))
                        self.end_headers()
                        self.wfile.write(RESUMABLE[:300])
                        self.wfile.flush()
                        self.close_connection = True
                        return
                    start = int(rng.split("=")[1].rstrip("-"))
                    self._send(206, RESUMABLE[start:],
                               {"Content-Range": f"bytes {start}-{len(RESUMABLE) - 1}/{len(RESUMABLE)}"})
                    return
                if self.path == "/v2/cut/blobs/sha256:" + "b" * 64:
                    self.send_response(200)
                    self.send_header("Content-Length", "1000")
                    self.end_headers()
                    self.wfile.write(b"x" * 500)
                    self.wfile.flush()
                    self.close_connection = True
                    return
                missing = (404, b'{"errors":[{"code":"MANIFEST_UNKNOWN","message":"manifest unknown"}]}', {})
                status, body, headers = fake.routes.get(self.path, missing)
                self._send(status, body, headers)

            def _send(self, status: int, body: bytes, headers: dict[str, str]) -> None:
                self.send_response(status)
                for k, v in headers.items():
                    self.send_header(k, v)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

        self.port = free_port()
        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", self.port), Handler)
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()
        self.host = f"127.0.0.1:{self.port}"

    def manifest(self, repo: str, ref: str, body: bytes, ctype: str = oci.OCI_MANIFEST) -> None:
        self.routes[f"/v2/{repo}/manifests/{ref}"] = (200, body, {"Content-Type": ctype})


@pytest.fixture
def fake() -> Iterator[Fake]:
    f = Fake()
    try:
        yield f
    finally:
        f.server.shutdown()
        f.server.server_close()


def test_manifest_not_json(fake: Fake) -> None:
    fake.manifest("a", "latest", b"<html>oops</html>")
    with pytest.raises(InvalidArgument, match="not valid JSON"):
        open_image(f"{fake.host}/a")


def test_unknown_media_types(fake: Fake) -> None:
    fake.manifest("a", "latest", json.dumps({"schemaVersion": 2, "mediaType": "application/x-evil"}).encode())
    with pytest.raises(InvalidArgument, match="unknown media type"):
        open_image(f"{fake.host}/a")
    m = json.loads(GOOD_MANIFEST)
    m["layers"] = [oci.descriptor("application/x-weird-layer", "sha256:" + "a" * 64, 3)]
    fake.manifest("b", "latest", json.dumps(m).encode())
    with pytest.raises(InvalidArgument, match="unknown media type"):
        open_image(f"{fake.host}/b")
    fake.manifest("c", "latest", json.dumps({"schemaVersion": 1, "fsLayers": []}).encode())
    with pytest.raises(InvalidArgument, match="schemaVersion"):
        open_image(f"{fake.host}/c")


def test_manifest_too_large(fake: Fake) -> None:
    fake.manifest("a", "latest", b" " * (5 << 20))
    with pytest.raises(InvalidArgument, match="larger than"):
        open_image(f"{fake.host}/a")


def test_manifest_digest_checked(fake: Fake) -> None:
    other = GOOD_MANIFEST + b" "
    fake.manifest("a", _sha(GOOD_MANIFEST), other)
    with pytest.raises(DigestMismatch):
        open_image(f"{fake.host}/a@{_sha(GOOD_MANIFEST)}")
    fake.routes["/v2/b/manifests/latest"] = (200, other, {"Content-Type": oci.OCI_MANIFEST,
                                                          "Docker-Content-Digest": _sha(GOOD_MANIFEST)})
    with pytest.raises(DigestMismatch):
        open_image(f"{fake.host}/b")


def test_config_digest_checked(fake: Fake) -> None:
    fake.manifest("a", "latest", GOOD_MANIFEST)
    fake.routes[f"/v2/a/blobs/{_sha(GOOD_CONFIG)}"] = (200, GOOD_CONFIG.replace(b"amd64", b"arm64"), {})
    with open_image(f"{fake.host}/a") as img, pytest.raises(DigestMismatch):
        img.raw_config()


def test_retries_5xx(fake: Fake) -> None:
    fake.manifest("flaky", "latest", GOOD_MANIFEST)
    with open_image(f"{fake.host}/flaky") as img:
        assert img.digest() == _sha(GOOD_MANIFEST)
    assert fake.hits["/v2/flaky/manifests/latest"] == 3


def test_truncated_download(fake: Fake) -> None:
    m = json.loads(GOOD_MANIFEST)
    m["layers"] = [oci.descriptor(oci.OCI_LAYER_GZIP, "sha256:" + "b" * 64, 1000)]
    config = json.loads(GOOD_CONFIG)
    config["rootfs"]["diff_ids"] = ["sha256:" + "c" * 64]
    raw_config = json.dumps(config).encode()
    m["config"] = oci.descriptor(oci.OCI_CONFIG, _sha(raw_config), len(raw_config))
    fake.manifest("cut", "latest", json.dumps(m).encode())
    fake.routes[f"/v2/cut/blobs/{_sha(raw_config)}"] = (200, raw_config, {})
    with open_image(f"{fake.host}/cut") as img:
        layer = img.layers()[0]
        with pytest.raises(DockyardError) as err, layer.compressed() as f:
            f.read()
        assert isinstance(err.value, Unavailable | DigestMismatch) or "truncated" in str(err.value)


def test_interrupted_download_resumes_with_range(fake: Fake) -> None:
    from dockyard.registry.client import connect
    from dockyard.registry.manifest import verified

    t = connect(fake.host)
    with verified(t.stream(f"/v2/resume/blobs/{_sha(RESUMABLE)}", scopes=()), _sha(RESUMABLE),
                  len(RESUMABLE)) as f:
        assert f.read() == RESUMABLE
    t.close()
    assert fake.hits[f"/v2/resume/blobs/{_sha(RESUMABLE)}"] == 2
