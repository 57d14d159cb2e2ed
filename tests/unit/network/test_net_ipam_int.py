"""ipam's integer IPv4 helpers (the per-container path does not import ipaddress): as strict as
``ipaddress.IPv4Address`` and giving the same answers."""

from __future__ import annotations

import ipaddress

import pytest

from dockyard.network import ipam

VALID = ["0.0.0.0", "10.1.2.3", "172.17.0.2", "192.168.255.255", "255.255.255.255", "1.0.0.1"]
INVALID = ["", "1.2.3", "1.2.3.4.5", "256.1.1.1", "01.2.3.4", "1.2.3.04", " 1.2.3.4", "1.2.3.4 ", "1..3.4",
           "a.b.c.d", "1.2.3.-4", "1.2.3.4/24", "١.2.3.4", "+1.2.3.4", "1.2.3.1000", "::1"]


@pytest.mark.parametrize("text", VALID)
def test_ip_to_int_matches_ipaddress(text: str) -> None:
    assert ipam.ip_to_int(text) == int(ipaddress.IPv4Address(text))
    assert ipam.int_to_ip(ipam.ip_to_int(text)) == str(ipaddress.IPv4Address(text))
    assert ipam.is_ipv4(text)


@pytest.mark.parametrize("text", INVALID)
def test_ip_to_int_is_as_strict_as_ipaddress(text: str) -> None:
    with pytest.raises(ValueError):
        ipaddress.IPv4Address(text)
    with pytest.raises(ValueError):
        ipam.ip_to_int(text)
    assert not ipam.is_ipv4(text)


def test_cidr_prefixlen_and_netmask() -> None:
    assert ipam.parse_cidr("10.1.0.0/16") == (0x0A010000, 16)
    assert ipam.prefixlen("172.30.0.0/16") == 16
    assert ipam.netmask(24) == int(ipaddress.IPv4Network("0.0.0.0/24").netmask)
    with pytest.raises(ValueError):
        ipam.parse_cidr("10.1.0.0/33")


def test_allocate_large_subnet_and_mac() -> None:
    taken = [f"10.8.0.{i}" for i in range(2, 255)] + ["10.8.1.0"]
    assert ipam.allocate("10.8.0.0/16", "10.8.0.1", taken) == "10.8.0.255"
    assert ipam.allocate("10.8.0.0/16", "10.8.0.1", [], requested="10.8.200.7") == "10.8.200.7"
    assert ipam.mac_for_ip("10.8.200.7") == "02:42:0a:08:c8:07"
