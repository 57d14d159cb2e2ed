from __future__ import annotations

import pytest

from dockyard.errors import InvalidArgument
from dockyard.network import ipam
from dockyard.network.errors import AddressInUse, AddressPoolExhausted, InvalidPortSpec
from dockyard.network.model import PortBinding
from dockyard.network.ports import format_binding, merge, parse_publish, publish_exposed


@pytest.mark.parametrize(("spec", "expected"), [
    ("80", [PortBinding(80)]),
    ("8080:80", [PortBinding(80, "tcp", "", 8080)]),
    ("127.0.0.1:8080:80/udp", [PortBinding(80, "udp", "127.0.0.1", 8080)]),
    ("127.0.0.1::80", [PortBinding(80, "tcp", "127.0.0.1", 0)]),
    ("0.0.0.0:81:80", [PortBinding(80, "tcp", "", 81)]),
    ("8000-8002:80-82", [PortBinding(80, "tcp", "", 8000), PortBinding(81, "tcp", "", 8001),
                         PortBinding(82, "tcp", "", 8002)]),
    ("90-91/TCP", [PortBinding(90), PortBinding(91)]),
])
def test_parse_publish(spec: str, expected: list[PortBinding]) -> None:
    assert parse_publish(spec) == expected


@pytest.mark.parametrize("spec", ["", "abc", "0", "70000", "1:2:3:4", "80/sctp", "8000-8001:80",
                                  "x.y:80:80", "90-80", "8080:"])
def test_parse_publish_invalid(spec: str) -> None:
    with pytest.raises(InvalidPortSpec):
        parse_publish(spec)


def test_publish_exposed_and_merge() -> None:
    auto = publish_exposed(["80/tcp", "53/udp", "7000-7001"])
    assert auto == [PortBinding(80), PortBinding(53, "udp"), PortBinding(7000), PortBinding(7001)]
    merged = merge(parse_publish("8080:80"), auto)
    assert merged[0] == PortBinding(80, "tcp", "", 8080)
    assert len(merged) == 4
    assert format_binding(merged[0]) == "80/tcp -> 0.0.0.0:8080"


def test_allocate_lowest_free_skips_gateway() -> None:
    assert ipam.allocate("10.1.0.0/24", "10.1.0.1", []) == "10.1.0.2"
    assert ipam.allocate("10.1.0.0/24", "10.1.0.1", ["10.1.0.2", "10.1.0.3"]) == "10.1.0.4"
    assert ipam.allocate("10.1.0.0/24", "10.1.0.1", ["10.1.0.2"], requested="10.1.0.9") == "10.1.0.9"


def test_allocate_errors() -> None:
    with pytest.raises(AddressInUse):
        ipam.allocate("10.1.0.0/24", "10.1.0.1", ["10.1.0.5"], requested="10.1.0.5")
    with pytest.raises(InvalidArgument):
        ipam.allocate("10.1.0.0/24", "10.1.0.1", [], requested="10.2.0.5")
    with pytest.raises(AddressPoolExhausted):
        ipam.allocate("10.1.0.0/30", "10.1.0.1", ["10.1.0.2"])


def test_subnets_and_gateways() -> None:
    assert str(ipam.parse_subnet("10.9.0.0/16")) == "10.9.0.0/16"
    with pytest.raises(InvalidArgument, match="it should be 10.9.0.0/16"):
        ipam.parse_subnet("10.9.1.0/16")
    with pytest.raises(InvalidArgument):
        ipam.parse_subnet("fd00::/64")
    with pytest.raises(InvalidArgument):
        ipam.check_gateway(ipam.parse_subnet("10.9.0.0/16"), "10.8.0.1")
    assert ipam.check_gateway(ipam.parse_subnet("10.9.0.0/16"), "10.9.0.254") == "10.9.0.254"


def test_pick_subnet_skips_overlaps() -> None:
    pools = (("10.200.0.0/16", 24),)
    assert ipam.pick_subnet(pools, []) == "10.200.0.0/24"
    assert ipam.pick_subnet(pools, ["10.200.0.0/23", "10.200.3.0/24"]) == "10.200.2.0/24"
    with pytest.raises(AddressPoolExhausted):
        ipam.pick_subnet(pools, ["10.0.0.0/8"])


def test_mac_like_docker() -> None:
    assert ipam.mac_for_ip("172.17.0.2") == "02:42:ac:11:00:02"


def test_host_routes_parses_proc(tmp_path) -> None:  # type: ignore[no-untyped-def]
    f = tmp_path / "route"
    f.write_text(
        "Iface\tDestination\tGateway \tFlags\tRefCnt\tUse\tMetric\tMask\t\tMTU\tWindow\tIRTT\n"
        "eth0\t00000000\t0100000A\t0003\t0\t0\t0\t00000000\t0\t0\t0\n"
        "eth0\t0000000A\t00000000\t0001\t0\t0\t0\t00FFFFFF\t0\t0\t0\n"
    )
    assert ipam.host_routes(str(f)) == ["10.0.0.0/24"]
