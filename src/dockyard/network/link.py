"""Links: bridges on the host (pyroute2, off the per-container path) and veth endpoints into
container namespaces (the small ``_rtnl`` client).

Every function raises ``NetworkSetupError`` with the kernel's reason, and is idempotent where its
name says ensure/delete/detach.
"""

from __future__ import annotations

import os
from _socket import if_nametoindex

from .errors import NetworkSetupError

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Callable, Iterator
    from typing import Any

ENODEV, ENOENT, EEXIST = 19, 2, 17


def _netlink_error() -> type[Exception]:
    """pyroute2's NetlinkError, imported on first use (pyroute2 costs ~0.3 s to import, which
    verbs such as ``network ls`` should not pay)."""
    from pyroute2.netlink.exceptions import NetlinkError  # type: ignore[import-untyped]

    err: type[Exception] = NetlinkError
    return err


def _code(err: Exception) -> int:
    code = getattr(err, "code", 0)
    return code if isinstance(code, int) else 0


def _ipr(netns: str = "") -> Any:
    from contextlib import contextmanager

    from pyroute2 import IPRoute  # type: ignore[import-untyped]

    from .nsutil import netlink_socket_in

    @contextmanager
    def opened() -> Iterator[Any]:
        ipr = IPRoute(use_socket=netlink_socket_in(netns)) if netns else IPRoute()
        try:
            yield ipr
        finally:
            ipr.close()

    return opened()


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
                    if _code(err) != EEXIST:
                        raise
                idx = _index(ipr, name)
                assert idx is not None
            have = {(a.get_attr("IFA_ADDRESS"), a["prefixlen"]) for a in ipr.get_addr(index=idx, family=2)}
            if (gateway, prefixlen) not in have:
                try:
                    ipr.addr("add", index=idx, address=gateway, prefixlen=prefixlen)
                except NetlinkError as err:
                    if _code(err) != EEXIST:
                        raise
            ipr.link("set", index=idx, state="up")
    except NetlinkError as err:
        raise NetworkSetupError(f"cannot set up bridge {name}: {err}") from err
    _sysctl(f"/proc/sys/net/ipv4/conf/{name}/route_localnet", "1")


def delete_link(name: str) -> None:
    """Delete a link (bridge or veth) if it exists (for a veth, its peer goes too) and wait for
    the kernel to finish (for a veth ~15-20 ms, mostly an RCU barrier; see ``delete_veths``)."""
    from ._rtnl import Rtnl, del_link

    try:
        with Rtnl() as r:
            r.batch([del_link(name=name)], ignore=(ENODEV, ENOENT))
    except OSError as err:
        raise NetworkSetupError(f"cannot delete link {name}: {err.strerror or err}") from err


_deleting: list[str] = []   # veths this process started deleting, until their sysfs entry is gone


def delete_veths(names: list[str], wait: float = 1.0) -> None:
    """Delete veths (their peers go too) and return once they are gone from the host (link
    index and /sys/class/net), without waiting for the kernel's RCU barrier."""
    start_deleting_veths(names)(wait)
    wait_deleted(wait)


def start_deleting_veths(names: list[str]) -> Callable[[float], None]:
    """Start deleting veths; returns ``wait(timeout)``, which returns once none of ``names`` is in
    the kernel's link index any more (``if_nametoindex`` fails, netlink dumps omit them), or the
    deletion failed, or ``timeout`` seconds passed.  Their /sys/class/net entries follow ~1 ms
    later: ``wait_deleted`` waits for those.

    The kernel unlists a link within ~0.5 ms of RTM_DELLINK, removes its sysfs entry after an
    expedited RCU grace period, then spends 15-20 ms in ``rcu_barrier`` before the request
    returns: on the path of every container exit that would be most of the network's cost.  So a
    thread (``_thread``: no ``threading`` import) sends the requests, in one datagram, and
    finishes on its own; the caller can do other work meanwhile and then ``wait``.  A process
    that exits before the thread is done only exits once the kernel is done.  A link that could
    not be deleted stays on its bridge, where ``cleanup_stale`` finds it."""
    import time

    if not names:
        return lambda timeout: None
    from _thread import start_new_thread

    from ._rtnl import Rtnl, del_link

    r = Rtnl()
    requests = [del_link(name=n) for n in names]
    finished: list[bool] = []
    _deleting.extend(names)

    def run() -> None:
        try:
            r.batch(requests, ignore=(ENODEV, ENOENT))
        except OSError:
            for n in names:  # nothing to wait for
                if n in _deleting:
                    _deleting.remove(n)
        finally:
            r.close()
            finished.append(True)

    start_new_thread(run, ())

    def wait(timeout: float) -> None:
        deadline = time.monotonic() + timeout
        for name in names:
            while not finished and _host_index(name) is not None and time.monotonic() < deadline:
                time.sleep(0.0001)

    return wait


def wait_deleted(timeout: float = 1.0) -> None:
    """Wait until the veths this process started deleting are gone from /sys/class/net too."""
    import time

    deadline = time.monotonic() + timeout
    while _deleting:
        try:
            name = _deleting[-1]
        except IndexError:  # the deleting thread dropped it meanwhile (its delete failed)
            break
        path = f"/sys/class/net/{name}"
        while os.path.exists(path) and time.monotonic() < deadline:
            time.sleep(0.0001)
        try:
            _deleting.remove(name)
        except ValueError:
            pass


def bridge_ports(bridge: str) -> list[str]:
    try:
        return sorted(os.listdir(f"/sys/class/net/{bridge}/brif"))
    except FileNotFoundError:
        return []


def _host_index(name: str) -> int | None:
    try:
        return int(if_nametoindex(name))
    except OSError:
        return None


def add_endpoint(*, bridge: str, veth: str, netns: str, ifname: str, ip: str, prefixlen: int, mac: str,
                 gateway: str | None, loopback: bool = True) -> None:
    """Create the veth pair ``veth`` (host, enslaved to ``bridge``) / ``ifname`` (created directly
    inside ``netns``), give the inner end ``ip/prefixlen`` and ``mac``, bring both up, and add a
    default route via ``gateway`` unless it is None or the namespace already has one; bring
    ``lo`` up too unless ``loopback`` is false (the runtimes do that themselves).

    This runs for every container start: three netlink round trips on the small ``_rtnl`` client
    (the pair created, enslaved and the host end up in one request; then in the namespace
    the inner index; then address, link up and route together), no pyroute2."""
    from ._rtnl import Rtnl, get_link, link_index, new_address, new_default_route, new_veth
    from ._rtnl import set_link as set_link_req
    from .nsutil import netlink_socket_in

    br = _host_index(bridge)
    if br is None:
        raise NetworkSetupError(f"bridge {bridge} does not exist")
    try:
        fd = os.open(netns, os.O_RDONLY | os.O_CLOEXEC)
    except OSError as err:
        raise NetworkSetupError(f"cannot open network namespace {netns}: {err.strerror or err}") from err
    created = False
    try:
        with Rtnl() as host:
            host.batch([new_veth(veth, ifname, peer_netns_fd=fd, peer_mac=mac, master=br, up=True)])
            created = True
            with Rtnl(netlink_socket_in(netns)) as ns:
                first = [set_link_req(1, up=True)] if loopback else []
                inner = link_index(ns.batch([*first, get_link(ifname)])[-1])
                second = [new_address(inner, ip, prefixlen), set_link_req(inner, up=True)]
                if gateway:
                    second.append(new_default_route(gateway))
                ns.batch(second, ignore=(EEXIST,) if gateway else ())
    except BaseException as err:
        if created:
            try:
                delete_link(veth)
            except NetworkSetupError:
                pass
        if isinstance(err, OSError) and not isinstance(err, NetworkSetupError):
            raise NetworkSetupError(f"cannot create endpoint {veth} -> {ifname} ({ip}): "
                                    f"{err.strerror or err}") from err
        raise
    finally:
        os.close(fd)


def remove_inner(netns: str, ifname: str) -> None:
    """Delete ``ifname`` inside ``netns`` (which removes its host-side peer too)."""
    from ._rtnl import Rtnl, del_link
    from .nsutil import netlink_socket_in

    try:
        with Rtnl(netlink_socket_in(netns)) as ns:
            ns.batch([del_link(name=ifname)])
    except OSError:
        pass
