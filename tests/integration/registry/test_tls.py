"""HTTPS registries: verified against a CA, refused when untrusted, and `insecure_registries`."""

from __future__ import annotations

import datetime
import ipaddress
import subprocess
from pathlib import Path

import pytest
from memimage import check_image, make_image
from regfixtures import Registry, _start, _stop

from dockyard.errors import Unavailable
from dockyard.registry import open_image, push_image
from dockyard.registry._transport import Transport

HOST_IP = "127.0.0.2"  # not in the loopback names that get plain HTTP, still on this machine


def _self_signed(tmp: Path) -> tuple[Path, Path]:
    pytest.importorskip("cryptography")
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, HOST_IP)])
    now = datetime.datetime.now(datetime.UTC)
    cert = (x509.CertificateBuilder().subject_name(name).issuer_name(name).public_key(key.public_key())
            .serial_number(x509.random_serial_number()).not_valid_before(now - datetime.timedelta(days=1))
            .not_valid_after(now + datetime.timedelta(days=1))
            .add_extension(x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address(HOST_IP))]),
                           critical=False)
            .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
            .sign(key, hashes.SHA256()))
    crt, pem = tmp / "server.crt", tmp / "server.key"
    crt.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    pem.write_bytes(key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                      serialization.NoEncryption()))
    return crt, pem


def _start_on(tmp: Path, tls: tuple[Path, Path] | None) -> Registry:
    if subprocess.run(["python3", "-c", f"import socket; socket.socket().bind(('{HOST_IP}', 0))"]).returncode:
        pytest.skip(f"cannot bind {HOST_IP}")
    extra: dict[str, object] = {"_addr_host": HOST_IP}
    if tls:
        extra["_tls"] = {"certificate": str(tls[0]), "key": str(tls[1])}
    return _start(tmp, None, extra)


@pytest.fixture
def tls_registry(tmp_path: Path):
    crt, key = _self_signed(tmp_path)
    reg = _start_on(tmp_path, (crt, key))
    try:
        yield reg, crt
    finally:
        _stop(reg)


def test_https_untrusted_refused_then_trusted(tls_registry, tmp_path: Path) -> None:
    reg, crt = tls_registry
    img, _ = make_image(random_sizes=[100])
    with pytest.raises(Unavailable, match="CERTIFICATE_VERIFY_FAILED|certificate verify failed"):
        push_image(img, f"{reg.host}/a:1")
    certs = tmp_path / "certs.d" / reg.host
    certs.mkdir(parents=True)
    (certs / "ca.crt").write_bytes(crt.read_bytes())
    t = Transport(reg.host, certs_dirs=(str(tmp_path / "certs.d"),))
    assert t.base.startswith("https://")
    push_image(img, f"{reg.host}/a:1", transport=t)
    with open_image(f"{reg.host}/a:1", transport=t) as pulled:
        check_image(pulled)
    t.close()
    # insecure: HTTPS without verification
    with open_image(f"{reg.host}/a:1", insecure_registries=[reg.host]) as pulled:
        assert pulled.transport.base.startswith("https://")
        check_image(pulled)


def test_insecure_plain_http(tmp_path: Path) -> None:
    reg = _start_on(tmp_path, None)
    try:
        img, _ = make_image(random_sizes=[100])
        with pytest.raises(Unavailable):
            push_image(img, f"{reg.host}/a:1")  # HTTPS to a plain HTTP server
        push_image(img, f"{reg.host}/a:1", insecure_registries=[reg.host])
        with open_image(f"{reg.host}/a:1", insecure_registries=[reg.host]) as pulled:
            assert pulled.transport.base.startswith("http://")
            check_image(pulled)
    finally:
        _stop(reg)
