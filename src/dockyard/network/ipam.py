"""IP address management: pure functions over subnets and the set of addresses already taken.

The allocations themselves are rows of ``net_endpoints`` (UNIQUE(network_id, ip)), written in the
same transaction that picks the address, so two containers starting at once never share one.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Iterable

from ..errors import InvalidArgument
from .errors import AddressInUse, AddressPoolExhausted


def parse_subnet(subnet: str) -> ipaddress.IPv4Network:
    try:
        loose = ipaddress.ip_network(subnet.strip(), strict=False)
    except ValueError as err:
        raise InvalidArgument(f"invalid subnet {subnet!r}: {err}") from err
    if not isinstance(loose, ipaddress.IPv4Network):
        raise InvalidArgument(f"invalid subnet {subnet!r}: only IPv4 is supported")
    if ipaddress.ip_interface(subnet.strip()).ip != loose.network_address:
        raise InvalidArgument(f"invalid subnet {subnet}: it should be {loose}")
    if loose.prefixlen > 30:
        raise InvalidArgument(f"invalid subnet {subnet}: too small (at most /30)")
    return loose


def default_gateway(net: ipaddress.IPv4Network) -> str:
    return str(net.network_address + 1)


def check_gateway(net: ipaddress.IPv4Network, gateway: str) -> str:
    try:
        gw = ipaddress.IPv4Address(gateway)
    except ValueError as err:
        raise InvalidArgument(f"invalid gateway {gateway!r}") from err
    if gw not in net or gw in (net.network_address, net.broadcast_address):
        raise InvalidArgument(f"no matching subnet for gateway {gateway}")
    return str(gw)


def allocate(subnet: str, gateway: str, taken: Iterable[str], requested: str = "",
             network_name: str = "") -> str:
    """The requested address (checked), or the lowest free host address that is not the gateway."""
    net = parse_subnet(subnet)
    used = {ipaddress.IPv4Address(a) for a in taken if a}
    used.add(ipaddress.IPv4Address(gateway))
    if requested:
        try:
            want = ipaddress.IPv4Address(requested)
        except ValueError as err:
            raise InvalidArgument(f"invalid IPv4 address: {requested}") from err
        if want not in net or want in (net.network_address, net.broadcast_address):
            raise InvalidArgument(f"no configured subnet contains IP address {requested}")
        if want in used:
            raise AddressInUse(requested, network_name or subnet)
        return str(want)
    for host in net.hosts():
        if host not in used:
            return str(host)
    raise AddressPoolExhausted(network_name or subnet)


def mac_for_ip(ip: str) -> str:
    """Docker's scheme: 02:42 followed by the four bytes of the IPv4 address."""
    raw = ipaddress.IPv4Address(ip).packed
    return "02:42:" + ":".join(f"{b:02x}" for b in raw)


def pick_subnet(pools: Iterable[tuple[str, int]], in_use: Iterable[str]) -> str:
    """The first subnet of the pools that overlaps nothing in ``in_use`` (networks and host routes)."""
    busy = [ipaddress.ip_network(s, strict=False) for s in in_use if s]
    for base, size in pools:
        for candidate in ipaddress.ip_network(base).subnets(new_prefix=size):
            if not any(candidate.overlaps(b) for b in busy):
                return str(candidate)
    raise AddressPoolExhausted("the default address pools")


def host_routes(path: str = "/proc/net/route") -> list[str]:
    """Destinations of the host's IPv4 routes (default route excluded), as CIDR strings."""
    out: list[str] = []
    try:
        with open(path) as f:
            lines = f.read().splitlines()[1:]
    except OSError:
        return out
    for line in lines:
        parts = line.split()
        if len(parts) < 8:
            continue
        dest = ipaddress.IPv4Address(int(parts[1], 16).to_bytes(4, "little"))
        mask = ipaddress.IPv4Address(int(parts[7], 16).to_bytes(4, "little"))
        if int(mask) == 0:
            continue
        out.append(str(ipaddress.IPv4Network(f"{dest}/{mask}", strict=False)))
    return out
