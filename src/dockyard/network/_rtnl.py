"""A minimal rtnetlink client for the per-container fast path (C modules only: ``_socket``, ``_struct``).

Why not pyroute2 here: pyroute2 0.9 takes 130-300 ms to import on these machines (it is built on
asyncio and loads its whole API), more than the entire budget of ``dockyard run``; even the
``socket`` wrapper module costs ~3 ms, so the raw ``_socket`` type is used.  A container's endpoint
needs only a handful of fixed requests (create a veth pair with its peer in the container's
namespace, address and route inside, detach or delete a link), so they are encoded here directly.
Several requests go out in one ``sendto`` (``batch``): the kernel runs them in order and acks
each one.  pyroute2 remains the library for everything else (bridges, queries, ``network`` verbs),
where its import cost is paid once, off the hot path.

Message layout (linux/netlink.h, linux/rtnetlink.h): ``nlmsghdr`` (len, type, flags, seq, pid),
then the family header (``ifinfomsg`` / ``ifaddrmsg`` / ``rtmsg``), then ``rtattr`` TLVs padded
to 4 bytes.  Errors come back as ``NLMSG_ERROR`` carrying a negative errno.
"""

from __future__ import annotations

import os
from _socket import AF_INET, AF_NETLINK, AF_UNSPEC, SOCK_DGRAM, inet_aton
from _socket import socket as _raw_socket
from _struct import pack, unpack_from

NETLINK_ROUTE = 0
NLMSG_ERROR = 2
NLM_F_REQUEST, NLM_F_ACK, NLM_F_EXCL, NLM_F_CREATE = 0x1, 0x4, 0x200, 0x400
RTM_NEWLINK, RTM_DELLINK, RTM_GETLINK, RTM_NEWADDR, RTM_NEWROUTE = 16, 17, 18, 20, 24
IFLA_ADDRESS, IFLA_IFNAME, IFLA_MASTER, IFLA_LINKINFO, IFLA_NET_NS_FD = 1, 3, 10, 18, 28
IFLA_INFO_KIND, IFLA_INFO_DATA, VETH_INFO_PEER = 1, 2, 1
IFA_ADDRESS, IFA_LOCAL = 1, 2
RTA_DST, RTA_GATEWAY = 1, 5
IFF_UP = 0x1
RT_TABLE_MAIN, RTPROT_BOOT, RT_SCOPE_UNIVERSE, RTN_UNICAST = 254, 3, 0, 1

Request = tuple[int, int, bytes]   # (message type, extra flags, body after nlmsghdr)


def open_socket() -> _raw_socket:
    """An rtnetlink socket in the calling thread's network namespace (close-on-exec)."""
    return _raw_socket(AF_NETLINK, SOCK_DGRAM, NETLINK_ROUTE)


def _attr(kind: int, data: bytes) -> bytes:
    raw = pack("=HH", 4 + len(data), kind) + data
    return raw + b"\0" * (-len(raw) % 4)


def _name(name: str) -> bytes:
    return _attr(IFLA_IFNAME, name.encode() + b"\0")


def _ifinfo(index: int = 0, flags: int = 0, change: int = 0) -> bytes:
    return pack("=BxHiII", AF_UNSPEC, 0, index, flags, change)


def _mac(mac: str) -> bytes:
    return bytes(int(b, 16) for b in mac.split(":"))


# --- requests ------------------------------------------------------------------------------------

def new_veth(host: str, peer: str, *, peer_netns_fd: int, peer_mac: str = "", master: int = 0,
             up: bool = False) -> Request:
    """A veth pair: ``host`` here (enslaved to ``master`` and up, if asked), ``peer`` created
    directly inside the namespace of ``peer_netns_fd``: one request instead of create, move,
    enslave and raise.  The peer cannot be raised in the same request (the kernel answers
    ENOTCONN: its other end is not registered yet when the flags are applied)."""
    peer_msg = _ifinfo() + _name(peer) + _attr(IFLA_NET_NS_FD, pack("=I", peer_netns_fd))
    if peer_mac:
        peer_msg += _attr(IFLA_ADDRESS, _mac(peer_mac))
    info = _attr(IFLA_INFO_KIND, b"veth\0") + _attr(IFLA_INFO_DATA, _attr(VETH_INFO_PEER, peer_msg))
    body = _ifinfo(0, IFF_UP if up else 0, IFF_UP if up else 0) + _name(host) + _attr(IFLA_LINKINFO, info)
    if master:
        body += _attr(IFLA_MASTER, pack("=I", master))
    return RTM_NEWLINK, NLM_F_CREATE | NLM_F_EXCL, body


def set_link(index: int = 0, *, name: str = "", up: bool | None = None, master: int | None = None) -> Request:
    """Change a link found by ``index`` or, with index 0, by ``name`` (ENODEV when absent);
    ``master=0`` detaches it from its bridge."""
    flags = change = 0
    if up is not None:
        flags, change = (IFF_UP if up else 0), IFF_UP
    body = _ifinfo(index, flags, change)
    if name and not index:
        body += _name(name)
    if master is not None:
        body += _attr(IFLA_MASTER, pack("=I", master))
    return RTM_NEWLINK, 0, body


def del_link(index: int = 0, *, name: str = "") -> Request:
    return RTM_DELLINK, 0, _ifinfo(index) + (_name(name) if name and not index else b"")


def get_link(name: str) -> Request:
    return RTM_GETLINK, 0, _ifinfo() + _name(name)


def new_address(index: int, ip: str, prefixlen: int) -> Request:
    addr = inet_aton(ip)
    body = pack("=BBBBI", AF_INET, prefixlen, 0, 0, index) + _attr(IFA_LOCAL, addr) + _attr(IFA_ADDRESS, addr)
    return RTM_NEWADDR, NLM_F_CREATE | NLM_F_EXCL, body


def new_default_route(gateway: str) -> Request:
    body = pack("=BBBBBBBBI", AF_INET, 0, 0, 0, RT_TABLE_MAIN, RTPROT_BOOT, RT_SCOPE_UNIVERSE, RTN_UNICAST, 0) + \
        _attr(RTA_GATEWAY, inet_aton(gateway))
    return RTM_NEWROUTE, NLM_F_CREATE | NLM_F_EXCL, body


def link_index(reply: bytes) -> int:
    """The ifindex in a RTM_NEWLINK reply (to ``get_link``)."""
    if len(reply) < 16:
        raise OSError(19, "no link in the netlink reply")
    return int(unpack_from("=i", reply, 4)[0])


class NetlinkError(OSError):
    """A request of a batch failed: ``index`` is its position (``errno``/``strerror`` as usual)."""

    index: int = 0


class Rtnl:
    """One rtnetlink socket (the caller's namespace, or ``sock`` made inside another one)."""

    def __init__(self, sock: _raw_socket | None = None) -> None:
        self.sock = sock if sock is not None else open_socket()
        self.seq = 0

    def close(self) -> None:
        self.sock.close()

    def __enter__(self) -> Rtnl:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def batch(self, requests: list[Request], *, ignore: tuple[int, ...] = ()) -> list[bytes]:
        """Send the requests in one datagram and wait for every acknowledgement; returns each
        one's first reply payload (b"" for a bare ACK).  Raises ``NetlinkError`` (an OSError
        whose errno is the kernel's) for the first request that failed with an errno not in
        ``ignore``; the kernel still ran the ones after it."""
        first = self.seq + 1
        chunks = []
        for kind, flags, body in requests:
            self.seq += 1
            chunks.append(pack("=IHHII", 16 + len(body), kind, flags | NLM_F_REQUEST | NLM_F_ACK, self.seq, 0))
            chunks.append(body)
        self.sock.sendto(b"".join(chunks), (0, 0))
        payloads = [b""] * len(requests)
        errors = [0] * len(requests)
        pending = len(requests)
        while pending:
            data = self.sock.recv(65536)
            off = 0
            while off + 16 <= len(data):
                length, mtype, _flags, seq, _pid = unpack_from("=IHHII", data, off)
                if length < 16:
                    raise OSError("malformed netlink reply")
                i = seq - first
                if 0 <= i < len(requests):
                    if mtype == NLMSG_ERROR:
                        errors[i] = -int(unpack_from("=i", data, off + 16)[0])
                        pending -= 1
                    elif not payloads[i]:
                        payloads[i] = data[off + 16:off + length]
                off += (length + 3) & ~3
        for i, err in enumerate(errors):
            if err and err not in ignore:
                exc = NetlinkError(err, os.strerror(err))
                exc.index = i
                raise exc
        return payloads

    def request(self, kind: int, flags: int, body: bytes) -> bytes:
        """One request; its first reply payload (b"" for a bare ACK)."""
        return self.batch([(kind, flags, body)])[0]
