"""A minimal rtnetlink client for the per-container fast path (stdlib only).

Why not pyroute2 here: pyroute2 0.9 takes 130-300 ms to import on these machines (it is built on
asyncio and loads its whole API), more than the entire budget of ``dockyard run``.  A container's
endpoint needs only a handful of fixed requests (create a veth pair with its peer in the
container's namespace, enslave and raise the host end, address and raise the inner end, add a
default route, delete a link), so they are encoded here directly: each is one ``sendto`` and
one ``recv`` of the kernel's acknowledgement.  pyroute2 remains the library for everything else
(bridges, queries, ``network`` verbs), where its import cost is paid once, off the hot path.

Message layout (linux/netlink.h, linux/rtnetlink.h): ``nlmsghdr`` (len, type, flags, seq, pid),
then the family header (``ifinfomsg`` / ``ifaddrmsg`` / ``rtmsg``), then ``rtattr`` TLVs padded
to 4 bytes.  Errors come back as ``NLMSG_ERROR`` carrying a negative errno.
"""

from __future__ import annotations

import os
import socket
import struct

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


def _attr(kind: int, data: bytes) -> bytes:
    raw = struct.pack("=HH", 4 + len(data), kind) + data
    return raw + b"\0" * (-len(raw) % 4)


def _ifinfo(index: int = 0, flags: int = 0, change: int = 0) -> bytes:
    return struct.pack("=BxHiII", socket.AF_UNSPEC, 0, index, flags, change)


def _mac(mac: str) -> bytes:
    return bytes(int(b, 16) for b in mac.split(":"))


class Rtnl:
    """One rtnetlink socket (the caller's namespace, or ``sock`` made inside another one)."""

    def __init__(self, sock: socket.socket | None = None) -> None:
        self.sock = sock or socket.socket(socket.AF_NETLINK, socket.SOCK_DGRAM, NETLINK_ROUTE)
        self.seq = 0

    def close(self) -> None:
        self.sock.close()

    def __enter__(self) -> Rtnl:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def request(self, kind: int, flags: int, body: bytes) -> bytes:
        """Send one request; return the first reply message's payload (b"" for a bare ACK)."""
        self.seq += 1
        msg = struct.pack("=IHHII", 16 + len(body), kind, flags | NLM_F_REQUEST | NLM_F_ACK, self.seq, 0) + body
        self.sock.sendto(msg, (0, 0))
        payload = b""
        while True:
            data = self.sock.recv(65536)
            off = 0
            while off + 16 <= len(data):
                length, mtype, _flags, seq, _pid = struct.unpack_from("=IHHII", data, off)
                if length < 16:
                    raise OSError("malformed netlink reply")
                if seq == self.seq:
                    if mtype == NLMSG_ERROR:
                        (err,) = struct.unpack_from("=i", data, off + 16)
                        if err:
                            raise OSError(-err, os.strerror(-err))
                        return payload
                    payload = payload or data[off + 16:off + length]
                off += (length + 3) & ~3

    # --- links ---------------------------------------------------------------------------

    def add_veth(self, host: str, peer: str, *, peer_netns_fd: int, peer_mac: str) -> None:
        """A veth pair: ``host`` here, ``peer`` created directly inside the namespace of the fd."""
        peer_msg = _ifinfo() + _attr(IFLA_IFNAME, peer.encode() + b"\0") + \
            _attr(IFLA_NET_NS_FD, struct.pack("=I", peer_netns_fd)) + _attr(IFLA_ADDRESS, _mac(peer_mac))
        info = _attr(IFLA_INFO_KIND, b"veth\0") + _attr(IFLA_INFO_DATA, _attr(VETH_INFO_PEER, peer_msg))
        body = _ifinfo() + _attr(IFLA_IFNAME, host.encode() + b"\0") + _attr(IFLA_LINKINFO, info)
        self.request(RTM_NEWLINK, NLM_F_CREATE | NLM_F_EXCL, body)

    def set_link(self, index: int, *, up: bool | None = None, master: int | None = None) -> None:
        flags = change = 0
        if up is not None:
            flags, change = (IFF_UP if up else 0), IFF_UP
        body = _ifinfo(index, flags, change)
        if master is not None:
            body += _attr(IFLA_MASTER, struct.pack("=I", master))
        self.request(RTM_NEWLINK, 0, body)

    def delete_link(self, index: int) -> None:
        self.request(RTM_DELLINK, 0, _ifinfo(index))

    def index_of(self, name: str) -> int:
        """Index of the link ``name`` in this socket's namespace (OSError ENODEV if absent)."""
        reply = self.request(RTM_GETLINK, 0, _ifinfo() + _attr(IFLA_IFNAME, name.encode() + b"\0"))
        if len(reply) < 16:
            raise OSError(19, f"no reply for link {name}")
        (index,) = struct.unpack_from("=i", reply, 4)
        return int(index)

    # --- addresses and routes ------------------------------------------------------------

    def add_address(self, index: int, ip: str, prefixlen: int) -> None:
        addr = socket.inet_aton(ip)
        body = struct.pack("=BBBBI", socket.AF_INET, prefixlen, 0, 0, index) + \
            _attr(IFA_LOCAL, addr) + _attr(IFA_ADDRESS, addr)
        self.request(RTM_NEWADDR, NLM_F_CREATE | NLM_F_EXCL, body)

    def add_default_route(self, gateway: str) -> None:
        body = struct.pack("=BBBBBBBBI", socket.AF_INET, 0, 0, 0, RT_TABLE_MAIN, RTPROT_BOOT, RT_SCOPE_UNIVERSE,
                           RTN_UNICAST, 0) + _attr(RTA_GATEWAY, socket.inet_aton(gateway))
        self.request(RTM_NEWROUTE, NLM_F_CREATE | NLM_F_EXCL, body)
