"""The network service: networks (create/ls/inspect/rm/prune/connect/disconnect) and the network
side of a container's life.

Vocabulary: a *network* is a Linux bridge plus a subnet; a *sandbox* is what the service knows
about one container (its options, and once attached, the namespace it was plumbed into); an
*endpoint* is one live attachment of a sandbox to a network (IP, MAC, veth pair); a *link* is a
wish to be on a network that survives restarts (``connect`` on a stopped container).

Scenario (what the container service does)::

    net = NetworkService(root, conn)
    cn = net.prepare(cid, AttachOptions(name="web", network="mynet", ports=(...)))
    # IPs are allocated, host ports checked free (PortAllocated otherwise), and
    # <root>/containers/<cid>/hosts and resolv.conf are written: bind-mount them, then start.
    # cn.netns is set for container:<id> mode (join it); cn.host for host mode.
    net.attach(cid, pid)           # pid of the container's init (or a netns path): veth, eth0, route, DNAT
    ...                            # container runs
    net.release(cid)               # on stop: veths, DNAT rules, IPs and ports freed
    net.forget(cid)                # on rm: the sandbox and its links go too

``cleanup_stale`` (``system check --repair``) releases sandboxes whose process is gone and removes
rules, veths and bridges that no record owns, so a killed dockyard leaves no ghosts.
"""

from __future__ import annotations

import builtins
import os
import time

from .._record import fields, replace
from ..errors import InvalidArgument, PermissionDenied
from . import etcfiles, fastpath, ipam, link, nat, store
from .errors import (
    EndpointExists,
    NetworkExists,
    NetworkInUse,
    NotConnected,
)
from .fastpath import now as _now
from .fastpath import options_json as _options_to_json
from .model import AttachOptions, ContainerNetwork, Endpoint, NetConfig, Network, PortBinding
from .nsutil import NetnsRef, alive

TYPE_CHECKING = False
if TYPE_CHECKING:
    import sqlite3
    from collections.abc import Iterable, Sequence
    from typing import Any

BUILTIN = ("bridge", "host", "none")
STALE_GRACE_SECONDS = 60.0


def _options_from_json(data: dict[str, Any]) -> AttachOptions:
    known = set(fields(AttachOptions))
    kw = {k: v for k, v in data.items() if k in known}
    for k in ("aliases", "dns", "dns_search", "dns_options", "extra_hosts"):
        kw[k] = tuple(kw.get(k, ()))
    kw["ports"] = tuple(PortBinding(**p) for p in kw.get("ports", ()))
    return AttachOptions(**kw)


def _mode_of(network: str) -> str:
    if network in ("none", "host"):
        return network
    if network.startswith("container:"):
        return "container"
    return "bridge"


class NetworkService:
    def __init__(self, root: str, conn: sqlite3.Connection, config: NetConfig | None = None) -> None:
        self.root = root
        self.conn = conn
        self.config = config or NetConfig()
        fastpath.ensure_ready(conn, self.config)

    # --- networks ------------------------------------------------------------------------------

    def _ensure_builtins(self) -> None:
        fastpath.ensure_ready(self.conn, self.config)

    def create(self, name: str, *, driver: str = "bridge", subnet: str = "", gateway: str = "",
               internal: bool = False, labels: dict[str, str] | None = None,
               options: dict[str, str] | None = None) -> Network:
        """``network create``: a user-defined bridge network; its bridge is created now."""
        if driver != "bridge":
            raise InvalidArgument(f"plugin \"{driver}\" not found: only the bridge driver is supported")
        if not name or "/" in name or name.strip() != name:
            raise InvalidArgument(f"invalid network name {name!r}")
        if name in BUILTIN:
            raise NetworkExists(name)
        net_id = os.urandom(32).hex()
        bridge = (options or {}).get("com.docker.network.bridge.name") or \
            self.config.bridge_prefix + net_id[: 15 - len(self.config.bridge_prefix)]
        with store.tx(self.conn) as c:
            if any(n.name == name for n in store.find_networks(c, name)):
                raise NetworkExists(name)
            existing = store.list_networks(c)
            if subnet:
                import ipaddress

                parsed = ipam.parse_subnet(subnet)
                for other in existing:
                    if other.subnet and parsed.overlaps(ipaddress.ip_network(other.subnet)):
                        raise InvalidArgument(f"Pool overlaps with other one on this address space "
                                              f"(network {other.name}: {other.subnet})")
            else:
                parsed = ipam.parse_subnet(ipam.pick_subnet(
                    self.config.pools, [n.subnet for n in existing] + ipam.host_routes()))
            gw = ipam.check_gateway(parsed, gateway) if gateway else ipam.default_gateway(parsed)
            network = Network(id=net_id, name=name, driver="bridge", bridge=bridge, subnet=str(parsed),
                              gateway=gw, internal=internal, labels=dict(labels or {}),
                              options=dict(options or {}), created=_now())
            store.insert_network(c, network)
        try:
            self._ensure_bridge(network)
        except BaseException:
            with store.tx(self.conn) as c:
                store.delete_network(c, network.id)
            self._remove_bridge(network)
            raise
        return network

    def get(self, ref: str) -> Network:
        return fastpath.network(self.conn, ref)

    def list(self) -> builtins.list[Network]:
        return store.list_networks(self.conn)

    def inspect(self, ref: str) -> dict[str, Any]:
        """Docker's ``network inspect`` JSON object for one network."""
        n = self.get(ref)
        containers: dict[str, Any] = {}
        names = {s.container_id: s.name for s in store.list_sandboxes(self.conn)}
        for ep in store.endpoints_on(self.conn, n.id):
            containers[ep.container_id] = {
                "Name": names.get(ep.container_id, ""), "EndpointID": ep.id, "MacAddress": ep.mac,
                "IPv4Address": f"{ep.ip}/{ep.prefixlen}", "IPv6Address": ""}
        config = [{"Subnet": n.subnet, "Gateway": n.gateway}] if n.subnet else []
        return {
            "Name": n.name, "Id": n.id, "Created": n.created, "Scope": "local", "Driver": n.driver,
            "EnableIPv6": False, "IPAM": {"Driver": "default", "Options": None, "Config": config},
            "Internal": n.internal, "Attachable": False, "Ingress": False,
            "ConfigFrom": {"Network": ""}, "ConfigOnly": False, "Containers": containers,
            "Options": dict(n.options), "Labels": dict(n.labels),
        }

    def remove(self, ref: str) -> None:
        """``network rm``: refuses builtins and networks with active endpoints."""
        n = self.get(ref)
        if n.builtin:
            raise PermissionDenied(f"{n.name} is a pre-defined network and cannot be removed")
        with store.tx(self.conn) as c:
            eps = store.endpoints_on(c, n.id)
            if eps:
                names = {s.container_id: s.name for s in store.list_sandboxes(c)}
                users = sorted(names.get(e.container_id, e.container_id) for e in eps)
                raise NetworkInUse(n.name, n.id, users)
            store.delete_network(c, n.id)
        self._remove_bridge(n)

    def prune(self) -> builtins.list[str]:
        """``network prune``: remove user networks that no container uses or wants; their names."""
        removed = []
        for n in self.list():
            if n.builtin:
                continue
            used = self.conn.execute(
                "SELECT 1 FROM net_endpoints WHERE network_id=?"
                " UNION SELECT 1 FROM net_links WHERE network_id=?",
                (n.id, n.id)).fetchone()
            if used is None:
                try:
                    self.remove(n.id)
                except NetworkInUse:
                    continue
                removed.append(n.name)
        return removed

    def _ensure_bridge(self, n: Network) -> None:
        fastpath.ensure_bridge(self.config, n)

    def _remove_bridge(self, n: Network) -> None:
        link.delete_link(n.bridge)
        nat.delete_owned(f"dy:net:{n.bridge}")

    # --- containers ----------------------------------------------------------------------------

    def _container_dir(self, container_id: str) -> str:
        return os.path.join(self.root, "containers", container_id)

    def prepare(self, container_id: str, opts: AttachOptions) -> ContainerNetwork:
        """Allocate addresses and host ports, write hosts/resolv.conf; nothing in the kernel yet.

        Raises ``PortAllocated`` when a host port is taken (by a container or a host process),
        ``NetworkNotFound``, ``AddressInUse``, ``InvalidArgument``; then nothing has changed."""
        mode = _mode_of(opts.network)
        if mode == "container":
            return self._prepare_joined(container_id, opts)
        primary: Network | None = self.get(opts.network) if mode == "bridge" else None
        fastpath.check_options(opts, on_default_bridge=primary is not None and not primary.user_defined)
        if store.endpoints_of(self.conn, container_id) or store.ports_of(self.conn, container_id):
            self.release(container_id)  # a restart without a stop in between
        with store.tx(self.conn) as c:
            store.put_sandbox(c, container_id, opts.name, mode, _options_to_json(opts), time.time())
            if primary is not None:
                store.put_link(c, container_id, primary.id, opts.aliases, opts.ip, first=True)
                endpoints = self._allocate(c, container_id)
                self._allocate_ports(c, container_id, endpoints[0].ip, opts.ports)
        self.refresh_hosts(self._neighbours(container_id) | {container_id})
        return self.container_network(container_id)

    def _prepare_joined(self, container_id: str, opts: AttachOptions) -> ContainerNetwork:
        target_id = opts.network.partition(":")[2]
        target = store.get_sandbox(self.conn, target_id)
        if target is None or not target.netns or not alive(self._ref(target)):
            raise InvalidArgument(f"cannot join network of a non running container: {target_id}")
        with store.tx(self.conn) as c:
            store.put_sandbox(c, container_id, opts.name, "container", _options_to_json(opts), time.time())
        base = self.container_network(target_id)
        d = self._container_dir(container_id)
        os.makedirs(d, exist_ok=True)
        hosts_path, resolv_path = os.path.join(d, "hosts"), os.path.join(d, "resolv.conf")
        etcfiles.write_in_place(hosts_path, base.hosts)
        etcfiles.write_in_place(resolv_path, base.resolv_conf)
        return replace(base, container_id=container_id, mode="container", netns=base.netns,
                                   hosts_path=hosts_path, resolv_conf_path=resolv_path, endpoints=(),
                                   ports=())

    @staticmethod
    def _ref(sb: store.Sandbox) -> NetnsRef:
        return NetnsRef(path=sb.netns, pid=sb.pid, pid_start=sb.pid_start, ino=sb.netns_ino)

    def _allocate(self, c: sqlite3.Connection, container_id: str) -> builtins.list[Endpoint]:
        """Endpoints for every link of the container that has none yet (inside a transaction)."""
        have = {e.network_id: e for e in store.endpoints_of(c, container_id)}
        used_ifnames = {e.ifname for e in have.values()}
        out = []
        for lk in store.links_of(c, container_id):
            if lk.network_id in have:
                out.append(have[lk.network_id])
                continue
            out.append(fastpath.new_endpoint(c, self.config, container_id, self.get(lk.network_id), lk.ip,
                                             lk.aliases, used_ifnames))
        return out

    def _allocate_ports(self, c: sqlite3.Connection, container_id: str, container_ip: str,
                        wanted: Sequence[PortBinding]) -> builtins.list[PortBinding]:
        return fastpath.allocate_ports(c, container_id, container_ip, wanted)

    def attach(self, container_id: str, netns: int | str) -> ContainerNetwork:
        """Plumb the prepared endpoints into the namespace of ``netns`` (a pid or an nsfs path):
        veth pairs, addresses, default route, DNAT rules.  On failure everything of this
        container is released (as by ``release``) and the error is raised."""
        fastpath.attach(self.conn, self.config, container_id, netns,
                        on_error=lambda: self.release(container_id))
        return self.container_network(container_id)

    def _plumb(self, ep: Endpoint, netns: str, route_done: bool) -> bool:
        return fastpath.plumb(self.config, self.get(ep.network_id), ep, netns, route_done)

    def setup(self, container_id: str, opts: AttachOptions, netns: int | str) -> ContainerNetwork:
        """``prepare`` then ``attach`` (for a namespace that already exists)."""
        self.prepare(container_id, opts)
        return self.attach(container_id, netns)

    def release(self, container_id: str) -> None:
        """Undo ``attach`` and free the allocations of ``prepare``: veths, DNAT rules, IPs, ports.
        Idempotent; the sandbox and its links stay (for a restart) until ``forget``."""
        self.refresh_hosts(fastpath.release(self.conn, container_id))

    def forget(self, container_id: str) -> None:
        """``rm``: release, then drop the sandbox and its links."""
        self.refresh_hosts(fastpath.forget(self.conn, container_id))

    def connect(self, network: str, container_id: str, *, name: str = "", aliases: Sequence[str] = (),
                ip: str = "") -> None:
        """``network connect``: record the link; when the container is attached, plumb it now."""
        n = self.get(network)
        if n.driver != "bridge":
            raise InvalidArgument("container cannot be disconnected from host network or connected to "
                                  "host network" if n.driver == "host" else
                                  f"container cannot be connected to network {n.name}")
        if (aliases or ip) and not n.user_defined:
            raise InvalidArgument("network-scoped alias and user specified IP address are supported only "
                                  "for containers in user defined networks")
        sb = store.get_sandbox(self.conn, container_id)
        if sb is not None and sb.mode != "bridge":
            raise InvalidArgument("container sharing network namespace with another container or host "
                                  "cannot be connected to any other network")
        if sb is None and not name:
            raise InvalidArgument("connect: the container's name is needed before its first start")
        attached = sb is not None and bool(sb.netns) and alive(self._ref(sb))
        with store.tx(self.conn) as c:
            if any(lk.network_id == n.id for lk in store.links_of(c, container_id)):
                raise EndpointExists(sb.name if sb else name, n.name)
            if sb is None:
                store.put_sandbox(c, container_id, name, "bridge", _options_to_json(AttachOptions(name=name)),
                                  time.time())
            store.put_link(c, container_id, n.id, tuple(aliases), ip)
            new = [e for e in self._allocate(c, container_id) if e.network_id == n.id] if attached else []
        if attached and sb is not None:
            try:
                for ep in new:
                    others = [e for e in store.endpoints_of(self.conn, container_id) if e.id != ep.id]
                    self._plumb(ep, sb.netns, bool(others))
            except BaseException:
                self.disconnect(n.id, container_id, force=True)
                raise
        self.refresh_hosts(self._neighbours(container_id) | {container_id})

    def disconnect(self, network: str, container_id: str, *, force: bool = False) -> None:
        """``network disconnect``: remove the link and, if live, the endpoint and its veth."""
        n = self.get(network)
        eps = [e for e in store.endpoints_of(self.conn, container_id) if e.network_id == n.id]
        linked = any(lk.network_id == n.id for lk in store.links_of(self.conn, container_id))
        if not eps and not linked and not force:
            raise NotConnected(container_id, n.name)
        neighbours = self._neighbours(container_id)
        for ep in eps:
            link.delete_link(ep.veth)
        with store.tx(self.conn) as c:
            for ep in eps:
                store.delete_endpoint(c, ep.id)
            store.delete_link(c, container_id, n.id)
        self.refresh_hosts(neighbours | {container_id})

    # --- what the container sees ---------------------------------------------------------------

    def container_network(self, container_id: str) -> ContainerNetwork:
        sb = store.get_sandbox(self.conn, container_id)
        if sb is None:
            raise NotConnected(container_id, "(not prepared)")
        opts = _options_from_json(sb.options)
        d = self._container_dir(container_id)
        hosts_path, resolv_path = os.path.join(d, "hosts"), os.path.join(d, "resolv.conf")
        if sb.mode == "container":
            target = opts.network.partition(":")[2]
            tsb = store.get_sandbox(self.conn, target)
            base = self.container_network(target) if tsb is not None else None
            return ContainerNetwork(
                container_id=container_id, mode="container", hostname=base.hostname if base else "",
                hosts=base.hosts if base else "", resolv_conf=base.resolv_conf if base else "",
                hosts_path=hosts_path, resolv_conf_path=resolv_path, netns=base.netns if base else "")
        cfg = self.config
        if sb.mode == "host":
            from _socket import gethostname

            hostname = opts.hostname or gethostname()
            hosts = etcfiles.host_mode_hosts(cfg.host_hosts, opts.extra_hosts)
            resolv = etcfiles.resolv_conf_content(cfg.host_resolv_conf, dns=opts.dns, search=opts.dns_search,
                                                  options=opts.dns_options, keep_localhost=True)
            return ContainerNetwork(container_id=container_id, mode="host", hostname=hostname, hosts=hosts,
                                    resolv_conf=resolv, hosts_path=hosts_path, resolv_conf_path=resolv_path,
                                    host=True)
        hostname = opts.hostname or container_id[:12]
        eps = store.endpoints_of(self.conn, container_id)
        hosts = self._hosts_for(container_id, sb.name, hostname, opts, eps)
        resolv = etcfiles.resolv_conf_content(cfg.host_resolv_conf, dns=opts.dns, search=opts.dns_search,
                                              options=opts.dns_options)
        ports = tuple(r.binding for r in store.ports_of(self.conn, container_id))
        netns = sb.netns if sb.netns else ""
        return ContainerNetwork(container_id=container_id, mode=sb.mode, hostname=hostname, hosts=hosts,
                                resolv_conf=resolv, hosts_path=hosts_path, resolv_conf_path=resolv_path,
                                endpoints=tuple(eps), ports=ports, netns=netns)

    def _hosts_for(self, container_id: str, name: str, hostname: str, opts: AttachOptions,
                   eps: Sequence[Endpoint]) -> str:
        fqdn = f"{hostname}.{opts.domainname}" if opts.domainname else ""
        own: list[tuple[str, Sequence[str]]] = []
        peers: list[tuple[str, Sequence[str]]] = []
        names = {s.container_id: s.name for s in store.list_sandboxes(self.conn)}
        for ep in eps:
            n = self.get(ep.network_id)
            if not n.user_defined:
                own.append((ep.ip, [fqdn, hostname]))
                continue
            own.append((ep.ip, [fqdn, hostname, name, *ep.aliases]))
            for other in store.endpoints_on(self.conn, n.id):
                if other.container_id != container_id:
                    peers.append((other.ip, [names.get(other.container_id, ""), *other.aliases,
                                             other.container_id[:12]]))
        return etcfiles.hosts_content(own=own, peers=peers, extra_hosts=opts.extra_hosts)

    def _neighbours(self, container_id: str) -> set[str]:
        """Containers sharing a user-defined network with ``container_id``."""
        return fastpath.neighbours(self.conn, container_id)

    def refresh_hosts(self, container_ids: Iterable[str]) -> None:
        """Rewrite the hosts files of these containers (in place: their bind mounts follow)."""
        for cid in container_ids:
            sb = store.get_sandbox(self.conn, cid)
            if sb is None or sb.mode == "host":
                continue
            cn = self.container_network(cid)
            if sb.mode == "container":
                path = cn.hosts_path
                if os.path.exists(path):
                    etcfiles.write_in_place(path, cn.hosts)
                continue
            os.makedirs(os.path.dirname(cn.hosts_path), exist_ok=True)
            etcfiles.write_in_place(cn.hosts_path, cn.hosts)
            if not os.path.exists(cn.resolv_conf_path):
                etcfiles.write_in_place(cn.resolv_conf_path, cn.resolv_conf)

    # --- repair --------------------------------------------------------------------------------

    def cleanup_stale(self) -> builtins.list[str]:
        """Release sandboxes whose container is gone; delete DNAT rules, veths and bridges that no
        record owns.  Returns a line per thing removed (for ``system check --repair``)."""
        done: list[str] = []
        now = time.time()
        live: set[str] = set()
        for sb in store.list_sandboxes(self.conn):
            if sb.netns:
                if alive(self._ref(sb)):
                    live.add(sb.container_id)
                    continue
            elif now - sb.prepared < STALE_GRACE_SECONDS:
                live.add(sb.container_id)
                continue
            if store.endpoints_of(self.conn, sb.container_id) or store.ports_of(self.conn, sb.container_id) \
                    or sb.netns:
                self.release(sb.container_id)
                done.append(f"released network of container {sb.container_id}")
        known = {s.container_id for s in store.list_sandboxes(self.conn)}
        with store.tx(self.conn) as c:
            for ep in store.all_endpoints(c):
                if ep.container_id not in known:
                    store.delete_endpoint(c, ep.id)
                    done.append(f"removed endpoint {ep.id[:12]} of unknown container {ep.container_id}")
            for row in store.ports_all(c):
                if row.container_id not in known:
                    store.delete_ports(c, row.container_id)
        for table, lines in nat.owned("dy:ctr:", tables=("nat",)).items():
            stale = [ln for ln in lines if _rule_owner(ln) not in live]
            if stale:
                nat.restore({table: ["-D" + ln[2:] for ln in stale]})
                done.extend(f"removed rule: {ln}" for ln in stale)
        networks = self.list()
        veths = {e.veth for e in store.all_endpoints(self.conn)}
        for n in networks:
            for port in link.bridge_ports(n.bridge) if n.bridge else []:
                if port.startswith(self.config.veth_prefix) and port not in veths:
                    link.delete_link(port)
                    done.append(f"removed veth {port}")
        bridges = {n.bridge for n in networks}
        try:
            host_links = os.listdir("/sys/class/net")
        except OSError:
            host_links = []
        for name in host_links:
            if name.startswith(self.config.bridge_prefix) and name not in bridges and \
                    os.path.isdir(f"/sys/class/net/{name}/bridge"):
                link.delete_link(name)
                nat.delete_owned(f"dy:net:{name}")
                done.append(f"removed bridge {name}")
        return done

    def remove_all(self) -> None:
        """Tear down every bridge and rule of this service (uninstall; tests).  Keeps the records."""
        for sb in store.list_sandboxes(self.conn):
            self.release(sb.container_id)
        for n in self.list():
            if n.bridge:
                self._remove_bridge(n)
        nat.remove_base(self.config.chain)


def _rule_owner(line: str) -> str:
    marker = "dy:ctr:"
    i = line.find(marker)
    return line[i + len(marker):].split()[0].strip('"') if i >= 0 else ""


def cleanup_stale(root: str, conn: sqlite3.Connection, config: NetConfig | None = None) -> list[str]:
    """``system check --repair``: see ``NetworkService.cleanup_stale``."""
    return NetworkService(root, conn, config).cleanup_stale()
