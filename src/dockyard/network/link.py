"""Links through rtnetlink (pyroute2): bridges on the host, veth pairs into container namespaces.

Every function opens its own netlink socket and closes it, raises ``NetworkSetupError`` with the
kernel's reason, and is idempotent where its name says ensure/delete.
"""

from __future__ import annotations

import errno
import os
import socket
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from .errors import NetworkSetupError
from .nsutil import netlink_socket_in


def _netlink_error() -> type[Exception]:
    """pyroute2's NetlinkError, imported on first use (pyroute2 costs ~0.3 s to import, which
    verbs such as ``network ls`` should not pay)."""
    from pyroute2.netlink.exceptions import NetlinkError  # type: ignore[import-untyped]

    err: type[Exception] = NetlinkError
    return err


def _code(err: Exception) -> int:
    code = getattr(err, "code", 0)
    return code if isinstance(code, int) else 0


@contextmanager
def _ipr(netns: str = "") -> Iterator[Any]:
    from pyroute2 import IPRoute  # type: ignore[import-untyped]

    ipr = IPRoute(use_socket=netlink_socket_in(netns)) if netns else IPRoute()
    try:
        yield ipr
    finally:
        ipr.close()


def _index(ipr: Any, name: str) -> int | None:
    found = ipr.link_lookup(ifname=name)
    return int(found[0]) if found else None


def link_exists(name: str) -> bool:
    return os.path.exists(f"/sys/class/net/{name}")


def _sysctl(path: str, value: str) -> None:
    try:
        with open(path, "w") as f:
            f.write(value)
    except OSError as err:
        raise NetworkSetupError(f"cannot set {path} to {value}: {err.strerror}") from err


def ensure_bridge(name: str, gateway: str, prefixlen: int) -> None:
    """The bridge exists, is up, has ``gateway/prefixlen`` and ``route_localnet=1`` (so that DNAT
    of connections to 127.0.0.1 can be routed onto it)."""
    NetlinkError = _netlink_error()  # noqa: N806
    try:
        with _ipr() as ipr:
            idx = _index(ipr, name)
            if idx is None:
                try:
                    ipr.link("add", ifname=name, kind="bridge")
                except NetlinkError as err:
                    if _code(err) != errno.EEXIST:
                        raise
                idx = _index(ipr, name)
                assert idx is not None
            have = {(a.get_attr("IFA_ADDRESS"), a["prefixlen"]) for a in ipr.get_addr(index=idx, family=2)}
            if (gateway, prefixlen) not in have:
                try:
                    ipr.addr("add", index=idx, address=gateway, prefixlen=prefixlen)
                except NetlinkError as err:
                    if _code(err) != errno.EEXIST:
                        raise
            ipr.link("set", index=idx, state="up")
    except NetlinkError as err:
        raise NetworkSetupError(f"cannot set up bridge {name}: {err}") from err
    _sysctl(f"/proc/sys/net/ipv4/conf/{name}/route_localnet", "1")


def delete_link(name: str) -> None:
    """Delete a link (bridge or veth) if it exists."""
    from ._rtnl import Rtnl

    idx = _host_index(name)
    if idx is None:
        return
    try:
        with Rtnl() as r:
            r.delete_link(idx)
    except OSError as err:
        if err.errno not in (errno.ENODEV, errno.ENOENT):
            raise NetworkSetupError(f"cannot delete link {name}: {err.strerror or err}") from err


def bridge_ports(bridge: str) -> list[str]:
    try:
        return sorted(os.listdir(f"/sys/class/net/{bridge}/brif"))
    except FileNotFoundError:
        return []


def _host_index(name: str) -> int | None:
    try:
        return socket.if_nametoindex(name)
    except OSError:
        return None


def add_endpoint(*, bridge: str, veth: str, netns: str, ifname: str, ip: str, prefixlen: int, mac: str,
                 gateway: str | None) -> None:
    """Create the veth pair ``veth`` (host, enslaved to ``bridge``) / ``ifname`` (created directly
    inside ``netns``), give the inner end ``ip/prefixlen`` and ``mac``, bring both up, and add a
    default route via ``gateway`` unless it is None or the namespace already has one.

    This runs for every container start, so it uses the small stdlib client in ``_rtnl`` (seven
    requests, no pyroute2 import); host-side indexes come from ``if_nametoindex`` and ``lo`` is
    index 1 in every namespace."""
    from ._rtnl import Rtnl

    br = _host_index(bridge)
    if br is None:
        raise NetworkSetupError(f"bridge {bridge} does not exist")
    fd = os.open(netns, os.O_RDONLY | os.O_CLOEXEC)
    try:
        with Rtnl() as host:
            host.add_veth(veth, ifname, peer_netns_fd=fd, peer_mac=mac)
            try:
                idx = _host_index(veth)
                assert idx is not None
                host.set_link(idx, master=br, up=True)
                with Rtnl(netlink_socket_in(netns)) as ns:
                    ns.set_link(1, up=True)
                    inner = ns.index_of(ifname)
                    ns.add_address(inner, ip, prefixlen)
                    ns.set_link(inner, up=True)
                    if gateway:
                        try:
                            ns.add_default_route(gateway)
                        except FileExistsError:
                            pass
            except BaseException:
                try:
                    idx = _host_index(veth)
                    if idx is not None:
                        host.delete_link(idx)
                except OSError:
                    pass
                raise
    except OSError as err:
        raise NetworkSetupError(f"cannot create endpoint {veth} -> {ifname} ({ip}): {err.strerror or err}") from err
    finally:
        os.close(fd)


def remove_inner(netns: str, ifname: str) -> None:
    """Delete ``ifname`` inside ``netns`` (which removes its host-side peer too)."""
    from ._rtnl import Rtnl

    try:
        with Rtnl(netlink_socket_in(netns)) as ns:
            ns.delete_link(ns.index_of(ifname))
    except OSError:
        pass
