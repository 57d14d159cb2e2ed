"""The network side of every container start and exit: prepare, attach, release and forget on
one SQLite connection, for ``container/netsetup`` (the CLI before forking the monitor, and the
monitor around the container's life).

These run on every ``dockyard run``, so this module and what it imports at load time use C
modules and the small network modules only: no ``ipaddress`` (``ipam``'s integer math), no
``socket`` (``_socket``), no ``threading``, ``typing``, ``json`` or pyroute2 (needed only to
create a missing bridge).  ``NetworkService`` is built on these functions, and covers what they
hand back: ``prepare`` returns False for what it leaves to the service (``container:<id>`` mode,
user-defined networks, containers with extra links), ``release``/``forget`` return the
neighbours whose hosts files the service must rewrite (containers sharing a user-defined network
with the one that left).

Kernel work per container (see ``link.add_endpoint``): one request creates the veth pair with
its peer already in the container's namespace, enslaved and up on the host side; two more, from
a socket in that namespace, find the peer and set its address, raise it and add the default
route.  Release deletes the veth from a background thread and returns once the kernel unlisted
it (``link.delete_veths``: the kernel's RCU barrier after that is 15-20 ms).
"""

from __future__ import annotations

import os
import sys
import time

from .._record import asdict
from ..errors import InvalidArgument
from . import etcfiles, ipam, store
from .model import Endpoint, Network

if "dockyard.runtime.native.runtime" in sys.modules:
    # a process that runs containers (the monitor, which imports the runtime before netsetup):
    # load the plumbing now, not in the on_created hook; the CLI's prepare never needs it
    from . import _rtnl, link, nsutil  # noqa: F401

TYPE_CHECKING = False
if TYPE_CHECKING:
    import sqlite3
    from collections.abc import Callable, Sequence
    from typing import Any

    from .model import AttachOptions, NetConfig, PortBinding
else:
    import _sqlite3 as sqlite3


def now() -> str:
    """RFC 3339 UTC timestamp (``created`` of networks)."""
    from datetime import UTC, datetime

    return datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def options_json(opts: AttachOptions) -> dict[str, Any]:
    out: dict[str, Any] = asdict(opts)
    return out


# --- schema and builtin networks -----------------------------------------------------------------

def ensure_ready(conn: sqlite3.Connection, config: NetConfig) -> None:
    """The ``net_*`` tables and the builtin networks exist (two reads when they do)."""
    store.ensure_schema(conn)
    if conn.execute("SELECT 1 FROM net_networks WHERE name='bridge'").fetchone() is None:
        _create_builtins(conn, config)


def _create_builtins(conn: sqlite3.Connection, config: NetConfig) -> None:
    net = ipam.parse_subnet(config.default_subnet)
    gw = (ipam.check_gateway(net, config.default_gateway) if config.default_gateway
          else ipam.default_gateway(net))
    created = now()
    with store.tx(conn) as c:
        if store.find_networks(c, "bridge"):
            return
        store.insert_network(c, Network(
            id=os.urandom(32).hex(), name="bridge", driver="bridge", bridge=config.default_bridge,
            subnet=str(net), gateway=gw, internal=False, labels={}, created=created, builtin=True,
            options={"com.docker.network.bridge.name": config.default_bridge,
                     "com.docker.network.bridge.default_bridge": "true"}))
        for name, driver in (("host", "host"), ("none", "null")):
            store.insert_network(c, Network(
                id=os.urandom(32).hex(), name=name, driver=driver, bridge="", subnet="", gateway="",
                internal=False, labels={}, options={}, created=created, builtin=True))


def network(conn: sqlite3.Connection, ref: str) -> Network:
    """Docker's lookup (name, id, id prefix); NetworkNotFound / InvalidArgument (ambiguous)."""
    found = store.find_networks(conn, ref)
    if len(found) != 1:
        if len(found) > 1:
            raise InvalidArgument(f"network {ref} is ambiguous ({len(found)} matches found on id prefix)")
        from .errors import NetworkNotFound
        raise NetworkNotFound(ref)
    return found[0]


# --- allocation ----------------------------------------------------------------------------------

def new_endpoint(c: sqlite3.Connection, config: NetConfig, container_id: str, n: Network, ip: str,
                 aliases: tuple[str, ...], used_ifnames: set[str]) -> Endpoint:
    """Allocate an address on ``n`` (``ip`` if given) and record the endpoint (in a transaction)."""
    addr = ipam.allocate(n.subnet, n.gateway, store.taken_ips(c, n.id), ip, n.name)
    i = 0
    while f"eth{i}" in used_ifnames:
        i += 1
    used_ifnames.add(f"eth{i}")
    veth = config.veth_prefix + os.urandom(4).hex()[: 15 - len(config.veth_prefix)]
    ep = Endpoint(id=os.urandom(32).hex(), network_id=n.id, container_id=container_id, ip=addr,
                  prefixlen=ipam.prefixlen(n.subnet), gateway=n.gateway, mac=ipam.mac_for_ip(addr),
                  ifname=f"eth{i}", veth=veth, aliases=aliases)
    store.insert_endpoint(c, ep)
    return ep


def conflicts(a: PortBinding, b: PortBinding) -> bool:
    return a.proto == b.proto and a.host_port == b.host_port and \
        (not a.host_ip or not b.host_ip or a.host_ip == b.host_ip)


def _try_bind(b: PortBinding, port: int) -> int:
    from _socket import AF_INET, SO_REUSEADDR, SOCK_DGRAM, SOCK_STREAM, SOL_SOCKET
    from _socket import socket as raw_socket

    s = raw_socket(AF_INET, SOCK_STREAM if b.proto == "tcp" else SOCK_DGRAM)
    try:
        s.setsockopt(SOL_SOCKET, SO_REUSEADDR, 1)
        s.bind((b.host_ip or "0.0.0.0", port))
        return int(s.getsockname()[1])
    finally:
        s.close()


def _check_host_bind(b: PortBinding) -> None:
    try:
        _try_bind(b, b.host_port)
    except OSError as err:
        if err.errno in (98, 13):  # EADDRINUSE, EACCES
            from .errors import PortAllocated
            raise PortAllocated(b.host_ip or "0.0.0.0", b.host_port, b.proto) from err
        raise InvalidArgument(f"cannot bind {b.host_ip or '0.0.0.0'}:{b.host_port}: {err.strerror}") from err


def _pick_port(taken: Sequence[store.PortRow], b: PortBinding) -> PortBinding:
    from .._record import replace

    for _ in range(200):
        chosen = replace(b, host_port=_try_bind(b, 0))
        if not any(conflicts(r.binding, chosen) for r in taken):
            return chosen
    from .errors import PortAllocated
    raise PortAllocated(b.host_ip or "0.0.0.0", 0, b.proto)


def allocate_ports(c: sqlite3.Connection, container_id: str, container_ip: str,
                   wanted: Sequence[PortBinding]) -> list[PortBinding]:
    """Check (or pick) each host port, free among containers and bindable on the host, and
    record it (in a transaction).  PortAllocated when one is taken."""
    if not wanted:
        return []
    taken = store.ports_all(c)
    out: list[PortBinding] = []
    for b in wanted:
        if b.host_port:
            for row in taken:
                if conflicts(row.binding, b):
                    from .errors import PortAllocated
                    raise PortAllocated(b.host_ip or "0.0.0.0", b.host_port, b.proto)
            _check_host_bind(b)
            chosen = b
        else:
            chosen = _pick_port(taken, b)
        store.insert_port(c, container_id, container_ip, chosen)
        taken.append(store.PortRow(container_id, container_ip, chosen))
        out.append(chosen)
    return out


# --- prepare -------------------------------------------------------------------------------------

def check_options(opts: AttachOptions, *, on_default_bridge: bool) -> None:
    """docker's refusals before anything is allocated: aliases and a fixed IP only on user
    networks, ``--add-host`` values well formed."""
    if on_default_bridge:
        if opts.aliases:
            raise InvalidArgument("network-scoped alias is supported only for containers in user "
                                  "defined networks")
        if opts.ip:
            raise InvalidArgument("user specified IP address is supported on user defined networks only")
    for spec in opts.extra_hosts:
        etcfiles.parse_extra_host(spec)


def prepare(conn: sqlite3.Connection, config: NetConfig, root: str, container_id: str,
            opts: AttachOptions) -> bool:
    """``NetworkService.prepare`` for ``none``, ``host`` and the default bridge, when the container
    has no link to another network: allocate, then write ``<root>/containers/<id>/hosts`` and
    ``resolv.conf``.  False (nothing done) for anything else: the service's case."""
    primary: Network | None = None
    if opts.network in ("none", "host"):
        mode = opts.network
    elif opts.network.startswith("container:"):
        return False
    else:
        found = store.find_networks(conn, opts.network)
        if len(found) != 1 or found[0].driver != "bridge" or not found[0].builtin:
            return False
        mode, primary = "bridge", found[0]
    check_options(opts, on_default_bridge=primary is not None)
    other_links, allocated = conn.execute(
        "SELECT (SELECT count(*) FROM net_links WHERE container_id=?1 AND network_id<>?2),"
        " EXISTS(SELECT 1 FROM net_endpoints WHERE container_id=?1)"
        " OR EXISTS(SELECT 1 FROM net_ports WHERE container_id=?1)",
        (container_id, primary.id if primary is not None else "")).fetchone()
    if other_links:
        return False
    if allocated:
        release(conn, container_id)  # a restart without a stop in between
    eps: list[Endpoint] = []
    with store.tx(conn) as c:
        store.put_sandbox(c, container_id, opts.name, mode, options_json(opts), time.time())
        if primary is not None:
            # the only link: what put_link(first=True) computes (seq -1), without its query
            c.execute("INSERT INTO net_links (container_id, network_id, aliases, ip, seq) VALUES (?,?,'[]','',-1)"
                      " ON CONFLICT(container_id, network_id) DO UPDATE SET aliases='[]', ip='', seq=-1",
                      (container_id, primary.id))
            eps.append(new_endpoint(c, config, container_id, primary, "", (), set()))
            allocate_ports(c, container_id, eps[0].ip, opts.ports)
    d = os.path.join(root, "containers", container_id)
    os.makedirs(d, exist_ok=True)
    if mode == "host":
        hosts = etcfiles.host_mode_hosts(config.host_hosts, opts.extra_hosts)
    else:
        hostname = opts.hostname or container_id[:12]
        fqdn = f"{hostname}.{opts.domainname}" if opts.domainname else ""
        hosts = etcfiles.hosts_content(own=[(ep.ip, [fqdn, hostname]) for ep in eps],
                                       extra_hosts=opts.extra_hosts)
    resolv = etcfiles.resolv_conf_content(config.host_resolv_conf, dns=opts.dns, search=opts.dns_search,
                                          options=opts.dns_options, keep_localhost=mode == "host")
    etcfiles.write_in_place(os.path.join(d, "hosts"), hosts)
    etcfiles.write_in_place(os.path.join(d, "resolv.conf"), resolv)
    return True


# --- attach --------------------------------------------------------------------------------------

def ensure_bridge(config: NetConfig, n: Network) -> None:
    """The network's bridge, address and iptables rules (once: skipped while the bridge exists)."""
    if os.path.exists(f"/sys/class/net/{n.bridge}"):
        return
    from . import link, nat

    link.ensure_bridge(n.bridge, n.gateway, ipam.prefixlen(n.subnet))
    if config.enable_forwarding and not n.internal:
        nat.enable_forwarding()
    nat.ensure(nat.network_rules(config.chain, n.bridge, n.subnet, n.internal), chain=config.chain)


def plumb(config: NetConfig, n: Network, ep: Endpoint, netns: str, route_done: bool, *,
          loopback: bool = True) -> bool:
    """One endpoint into ``netns``; the default route goes with the first non-internal one.
    Returns whether the namespace has its default route now."""
    from .link import add_endpoint

    ensure_bridge(config, n)
    gateway = None if (n.internal or route_done) else n.gateway
    add_endpoint(bridge=n.bridge, veth=ep.veth, netns=netns, ifname=ep.ifname, ip=ep.ip,
                      prefixlen=ep.prefixlen, mac=ep.mac, gateway=gateway, loopback=loopback)
    return route_done or gateway is not None


def attach(conn: sqlite3.Connection, config: NetConfig, container_id: str, netns: int | str, *,
           loopback: bool = True, on_error: Callable[[], object] | None = None) -> str:
    """``NetworkService.attach`` without the result: plumb the prepared endpoints into the
    namespace of ``netns`` (a pid or an nsfs path) and add the DNAT rules of its ports; ``lo``
    is raised too unless ``loopback`` is false (the runtimes raise it themselves).  On failure
    ``on_error`` (default: ``release``) runs and the error is raised.  Returns the sandbox mode."""
    from .._trace import mark
    from .nsutil import resolve

    try:
        row = conn.execute("SELECT mode FROM net_sandboxes WHERE container_id=?", (container_id,)).fetchone()
    except sqlite3.OperationalError:  # no net_* tables: nothing was ever prepared here
        row = None
    if row is None:
        from .errors import NotConnected
        raise NotConnected(container_id, "(not prepared)")
    mode: str = row[0]
    if mode in ("host", "container"):
        return mode
    ref = resolve(netns)
    if mode == "none":
        with store.tx(conn) as c:
            store.set_sandbox_netns(c, container_id, ref.pid, ref.pid_start, ref.path, ref.ino)
        return mode
    try:
        with store.tx(conn) as c:
            store.set_sandbox_netns(c, container_id, ref.pid, ref.pid_start, ref.path, ref.ino)
        mark("net: netns recorded")
        route_done = False
        for i, ep in enumerate(store.endpoints_of(conn, container_id)):
            n = store.get_network(conn, ep.network_id)
            if n is None:
                from .errors import NetworkNotFound
                raise NetworkNotFound(ep.network_id)
            route_done = plumb(config, n, ep, ref.path, route_done, loopback=loopback and i == 0)
        mark("net: plumbed")
        if conn.execute("SELECT 1 FROM net_ports WHERE container_id=? LIMIT 1", (container_id,)).fetchone():
            from . import nat
            from .errors import NetworkSetupError

            rows = store.ports_of(conn, container_id)
            rules = nat.port_rules(config.chain, container_id, rows[0].container_ip, [r.binding for r in rows])
            try:
                nat.add(rules)
            except NetworkSetupError:
                nat.ensure(rules, chain=config.chain)
    except BaseException:
        if on_error is not None:
            on_error()
        else:
            release(conn, container_id)
        raise
    return mode


# --- release -------------------------------------------------------------------------------------

def neighbours(conn: sqlite3.Connection, container_id: str) -> set[str]:
    """Containers sharing a user-defined network with ``container_id`` (their hosts files name it)."""
    rows = conn.execute(
        "SELECT DISTINCT o.container_id FROM net_endpoints e JOIN net_networks n ON n.id = e.network_id"
        " JOIN net_endpoints o ON o.network_id = e.network_id"
        " WHERE e.container_id=? AND n.driver='bridge' AND n.builtin=0 AND o.container_id<>?",
        (container_id, container_id)).fetchall()
    return {r[0] for r in rows}


def release(conn: sqlite3.Connection, container_id: str, *, settle: bool = True) -> set[str]:
    """Undo ``attach`` and free the allocations of ``prepare``: veths, DNAT rules, IPs, ports.
    Idempotent (a read when there is nothing to do).  Returns the neighbours whose hosts files
    must be rewritten (the caller's job: ``NetworkService.refresh_hosts``).

    The veths are out of the kernel's link index when this returns; with ``settle`` their
    /sys/class/net entries are gone too (~1 ms more; without it ``forget`` or
    ``link.wait_deleted`` in the same process waits for them)."""
    eps = store.endpoints_of(conn, container_id)
    has_ports = conn.execute("SELECT 1 FROM net_ports WHERE container_id=? LIMIT 1",
                             (container_id,)).fetchone() is not None
    if not eps and not has_ports:
        row = conn.execute("SELECT netns FROM net_sandboxes WHERE container_id=?", (container_id,)).fetchone()
        if row is None or not row[0]:
            return set()
    wait = None
    if eps:
        from .link import start_deleting_veths

        wait = start_deleting_veths([ep.veth for ep in eps])  # the kernel works while the rows go
    if has_ports:
        from . import nat

        nat.delete_owned(f"dy:ctr:{container_id}", tables=("nat",))
    others = neighbours(conn, container_id) if eps else set()
    with store.tx(conn) as c:
        c.execute("DELETE FROM net_endpoints WHERE container_id=?", (container_id,))
        store.delete_ports(c, container_id)
        store.set_sandbox_netns(c, container_id, 0, 0, "", 0)
    if wait is not None:
        wait(1.0)
        if settle:
            from .link import wait_deleted

            wait_deleted(1.0)
    return others


def forget(conn: sqlite3.Connection, container_id: str) -> set[str]:
    """``rm``: release, then drop the sandbox and its links.  Returns the neighbours (see
    ``release``).  Veths this process deleted (also by unsettled releases) are gone from
    /sys/class/net when this returns."""
    others = release(conn, container_id, settle=False)
    known = conn.execute("SELECT 1 FROM net_sandboxes WHERE container_id=? UNION ALL"
                         " SELECT 1 FROM net_links WHERE container_id=? LIMIT 1",
                         (container_id, container_id)).fetchone()
    if known is not None:
        with store.tx(conn) as c:
            store.delete_sandbox(c, container_id)
    link = sys.modules.get(f"{__package__}.link")
    if link is not None:  # only a process that deleted veths has any to wait for
        link.wait_deleted(1.0)
    return others
