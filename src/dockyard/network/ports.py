"""``-p``/``--publish`` and ``-P``/``--publish-all``: pure parsing into ``PortBinding`` values.

Grammar (docker's): ``[IP:][HOSTPORT:]CONTAINERPORT[/PROTO]`` where each port may be a range
``A-B``; a host range must have the same length as the container range.  ``IP::PORT`` and a bare
``PORT`` leave the host port to be chosen (``host_port == 0``).
"""

from __future__ import annotations

from .errors import InvalidPortSpec
from .ipam import is_ipv4
from .model import PortBinding

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Iterable

PROTOCOLS = ("tcp", "udp")


def _port_range(text: str, spec: str, what: str = "containerPort") -> tuple[int, int]:
    lo_text, sep, hi_text = text.partition("-")
    bad = InvalidPortSpec(spec, f"invalid {what}: {text}")
    if not lo_text.isdigit() or (sep and not hi_text.isdigit()):
        raise bad
    lo = int(lo_text)
    hi = int(hi_text) if sep else lo
    if not (1 <= lo <= 65535 and 1 <= hi <= 65535) or hi < lo:
        raise bad
    return lo, hi


def parse_publish(spec: str) -> list[PortBinding]:
    """One ``-p`` value -> one binding per container port."""
    text = spec.strip()
    rest, slash, proto = text.rpartition("/")
    if not slash:
        rest, proto = text, "tcp"
    if proto.lower() not in PROTOCOLS:
        raise InvalidPortSpec(spec, f"invalid proto: {proto}")
    proto = proto.lower()
    parts = rest.split(":")
    if len(parts) == 1:
        host_ip, host_text, cont_text = "", "", parts[0]
    elif len(parts) == 2:
        host_ip, host_text, cont_text = "", parts[0], parts[1]
    elif len(parts) == 3:
        host_ip, host_text, cont_text = parts
    else:
        raise InvalidPortSpec(spec, f"invalid IP address: {':'.join(parts[:-2])}")
    if host_ip:
        if not is_ipv4(host_ip):
            raise InvalidPortSpec(spec, f"invalid IP address: {host_ip}")
        if host_ip == "0.0.0.0":
            host_ip = ""
    if not cont_text:
        raise InvalidPortSpec(spec, f"no port specified: {spec}<empty>")
    c_lo, c_hi = _port_range(cont_text, spec)
    count = c_hi - c_lo + 1
    if host_text:
        h_lo, h_hi = _port_range(host_text, spec, "hostPort")
        if h_hi - h_lo + 1 != count:
            raise InvalidPortSpec(spec, f"invalid ranges specified for container and host Ports: {cont_text} "
                                        f"and {host_text}")
        hosts = list(range(h_lo, h_hi + 1))
    else:
        hosts = [0] * count
    return [PortBinding(container_port=c, proto=proto, host_ip=host_ip, host_port=h)
            for c, h in zip(range(c_lo, c_hi + 1), hosts, strict=True)]


def parse_publish_all(specs: Iterable[str]) -> list[PortBinding]:
    out: list[PortBinding] = []
    for spec in specs:
        out.extend(parse_publish(spec))
    return out


def publish_exposed(exposed: Iterable[str], host_ip: str = "") -> list[PortBinding]:
    """``-P``: every ``ExposedPorts`` key of the image config ("80/tcp", "53/udp", "8000-8002")
    to a host port chosen at start."""
    out: list[PortBinding] = []
    for key in exposed:
        port_text, slash, proto = key.partition("/")
        proto = (proto if slash else "tcp").lower()
        if proto not in PROTOCOLS:
            raise InvalidPortSpec(key, f"invalid proto: {proto}")
        lo, hi = _port_range(port_text, key)
        out.extend(PortBinding(container_port=p, proto=proto, host_ip=host_ip) for p in range(lo, hi + 1))
    return out


def merge(explicit: Iterable[PortBinding], automatic: Iterable[PortBinding]) -> list[PortBinding]:
    """``-p`` and ``-P`` together: an explicit binding wins for its container port/proto."""
    result = list(explicit)
    have = {b.key() for b in result}
    result.extend(b for b in automatic if b.key() not in have)
    return result


def format_binding(b: PortBinding) -> str:
    """``docker port`` style: ``80/tcp -> 0.0.0.0:8080``."""
    return f"{b.container_port}/{b.proto} -> {b.host_ip or '0.0.0.0'}:{b.host_port}"
