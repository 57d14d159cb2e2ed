"""IP address management: pure functions over subnets and the set of addresses already taken.

The allocations themselves are rows of ``net_endpoints`` (UNIQUE(network_id, ip)), written in the
same transaction that picks the address, so two containers starting at once never share one.

``allocate``, ``mac_for_ip`` and ``prefixlen`` (every container start) work on integers: the
``ipaddress`` module costs ~6 ms to import here, for what is a few shifts and masks.  Parsing
(``ip_to_int``) is as strict as ``ipaddress.IPv4Address``: four decimal octets, 0-255, no
leading zeros, no spaces.  The functions for ``network create`` use ``ipaddress``, imported when
called.
"""

from __future__ import annotations

from ..errors import InvalidArgument

TYPE_CHECKING = False
if TYPE_CHECKING:
    import ipaddress
    from collections.abc import Iterable


def ip_to_int(text: str) -> int:
    """``"10.1.2.3"`` -> ``0x0a010203``; ValueError for anything ``IPv4Address`` would refuse."""
    parts = text.split(".")
    if len(parts) != 4:
        raise ValueError(f"expected 4 octets in {text!r}")
    value = 0
    for p in parts:
        if not p or len(p) > 3 or not (p.isascii() and p.isdigit()) or (len(p) > 1 and p[0] == "0"):
            raise ValueError(f"invalid octet {p!r} in {text!r}")
        octet = int(p)
        if octet > 255:
            raise ValueError(f"octet {octet} (> 255) not permitted in {text!r}")
        value = value << 8 | octet
    return value


def int_to_ip(value: int) -> str:
    return f"{value >> 24 & 255}.{value >> 16 & 255}.{value >> 8 & 255}.{value & 255}"


def is_ipv4(text: str) -> bool:
    try:
        ip_to_int(text)
    except ValueError:
        return False
    return True


def parse_cidr(text: str) -> tuple[int, int]:
    """``"10.1.0.0/16"`` (as stored: already validated, strict) -> (network as int, prefix length)."""
    addr, _, plen = text.partition("/")
    prefixlen = int(plen) if plen else 32
    if not 0 <= prefixlen <= 32:
        raise ValueError(f"invalid prefix length in {text!r}")
    return ip_to_int(addr), prefixlen


def netmask(prefixlen: int) -> int:
    return (0xFFFFFFFF << (32 - prefixlen)) & 0xFFFFFFFF


def parse_subnet(subnet: str) -> ipaddress.IPv4Network:
    import ipaddress

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
    import ipaddress

    try:
        gw = ipaddress.IPv4Address(gateway)
    except ValueError as err:
        raise InvalidArgument(f"invalid gateway {gateway!r}") from err
    if gw not in net or gw in (net.network_address, net.broadcast_address):
        raise InvalidArgument(f"no matching subnet for gateway {gateway}")
    return str(gw)


def prefixlen(subnet: str) -> int:
    """``"10.1.0.0/16"`` -> 16."""
    return parse_cidr(subnet)[1]


def allocate(subnet: str, gateway: str, taken: Iterable[str], requested: str = "",
             network_name: str = "") -> str:
    """The requested address (checked), or the lowest free host address that is not the gateway."""
    try:
        net, plen = parse_cidr(subnet.strip())
    except ValueError as err:
        raise InvalidArgument(f"invalid subnet {subnet!r}: {err}") from err
    size = 1 << (32 - plen)
    if net & (size - 1) or plen > 30:
        raise InvalidArgument(f"invalid subnet {subnet!r}")
    bcast = net + size - 1
    used = {ip_to_int(a) for a in taken if a}
    if gateway:
        used.add(ip_to_int(gateway))
    if requested:
        try:
            want = ip_to_int(requested)
        except ValueError as err:
            raise InvalidArgument(f"invalid IPv4 address: {requested}") from err
        if not net < want < bcast:
            raise InvalidArgument(f"no configured subnet contains IP address {requested}")
        if want in used:
            from .errors import AddressInUse
            raise AddressInUse(requested, network_name or subnet)
        return requested
    for host in range(net + 1, bcast):
        if host not in used:
            return int_to_ip(host)
    from .errors import AddressPoolExhausted
    raise AddressPoolExhausted(network_name or subnet)


def mac_for_ip(ip: str) -> str:
    """Docker's scheme: 02:42 followed by the four bytes of the IPv4 address."""
    value = ip_to_int(ip)
    return "02:42:" + ":".join(f"{value >> shift & 255:02x}" for shift in (24, 16, 8, 0))


def pick_subnet(pools: Iterable[tuple[str, int]], in_use: Iterable[str]) -> str:
    """The first subnet of the pools that overlaps nothing in ``in_use`` (networks and host routes)."""
    import ipaddress

    busy = [ipaddress.ip_network(s, strict=False) for s in in_use if s]
    for base, size in pools:
        for candidate in ipaddress.ip_network(base).subnets(new_prefix=size):
            if not any(candidate.overlaps(b) for b in busy):
                return str(candidate)
    from .errors import AddressPoolExhausted
    raise AddressPoolExhausted("the default address pools")


def host_routes(path: str = "/proc/net/route") -> list[str]:
    """Destinations of the host's IPv4 routes (default route excluded), as CIDR strings."""
    import ipaddress

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
