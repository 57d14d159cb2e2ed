"""Glue between the container lifecycle and the network service (``dockyard.network``).

Each function opens its own SQLite connection to ``<root>/dockyard.db`` (the monitor is a separate
process: a connection never crosses a fork) and closes it before returning.  ``prepare``,
``attach``, ``release`` and ``forget`` run on every container start and exit: they use
``network.fastpath`` (C modules and the small network modules only: no ipaddress, socket, json,
typing or threading) and load ``NetworkService`` only for user-defined networks,
``container:<id>`` mode and neighbours' hosts files.  Where the container service calls them::

    create:   host_config["PortBindings"] = netsetup.validate(host_config, config["ExposedPorts"] or {})
    start:    plan = netsetup.prepare(root, cid, name, config, host_config)   # before forking the monitor
              # plan.netns -> SpecOptions.network_namespace ("host", "/proc/<pid>/ns/net" or None)
              # <root>/containers/<cid>/hosts and resolv.conf are (re)written: bind-mount them
    monitor:  runtime.start(..., on_created=(lambda pid: netsetup.attach(root, cid, pid))
                                 if plan.needs_attach else None)
              netsetup.release(root, cid)                 # after the container exited (and on start failure)
              # restart policy: call prepare(...) again before the next runtime.start
    rm:       netsetup.forget(root, cid)
    repair:   netsetup.cleanup(root) -> lines                 # system check --repair
    inspect:  NetworkSettings = netsetup.settings(root, cid)
    ps:       PORTS column = netsetup.ports_column(root, cid)
    port:     netsetup.port_lines(root, cid, "3000/tcp" or None)

Host-side names (bridge, veth prefix, iptables chain, default subnet) come from ``NetConfig``;
an optional ``<root>/network.json`` object overrides its fields (tests use their own ``dyt*``
names and subnets that way; ``pools`` is a list of ``[cidr, prefixlen]``).

``host_config`` keys read: ``NetworkMode`` ("default" = "bridge"), ``PortBindings``,
``PublishAllPorts``, ``ExtraHosts``, ``Dns``, ``DnsSearch``, ``DnsOptions``, ``NetworkAliases``
(list of str, ``--network-alias``), ``IPv4Address`` (str, ``--ip``), ``PortBindingsRaw`` (the raw
``-p`` values, read by ``validate`` only).  ``config`` keys: ``Hostname``, ``Domainname``,
``ExposedPorts``.
"""

from __future__ import annotations

import os

from .._record import Record, fields
from ..errors import ContainerNotFound, ContainerNotRunning, InvalidArgument, NotFound
from ..network import fastpath
from ..network import store as netstore
from ..network.model import AttachOptions, NetConfig

TYPE_CHECKING = False
if TYPE_CHECKING:
    import sqlite3
    from typing import Any

    from ..network.model import PortBinding
    from ..network.service import NetworkService
else:  # the C module: the sqlite3 package's dbapi2 imports datetime and collections (~2-3 ms)
    import _sqlite3 as sqlite3

CONFIG_FILE = "network.json"


class NetPlan(Record, frozen=True):
    """What ``start`` needs to know: ``netns`` for the spec (None: a new namespace; "host";
    or a path to join) and whether the monitor must call ``attach`` from ``on_created``."""

    netns: str | None
    needs_attach: bool


def load_config(root: str) -> NetConfig:
    """``NetConfig`` with the fields of ``<root>/network.json`` (if present) applied."""
    from ..jsonfast import loads

    try:
        with open(os.path.join(root, CONFIG_FILE), "rb") as f:
            data = loads(f.read())
    except FileNotFoundError:
        return NetConfig()
    except ValueError as err:
        raise InvalidArgument(f"{os.path.join(root, CONFIG_FILE)}: invalid JSON: {err}") from err
    known = set(fields(NetConfig))
    unknown = sorted(set(data) - known)
    if unknown:
        raise InvalidArgument(f"{os.path.join(root, CONFIG_FILE)}: unknown keys {', '.join(unknown)}")
    if "pools" in data:
        data["pools"] = tuple((str(c), int(p)) for c, p in data["pools"])
    return NetConfig(**data)


def _open(root: str) -> sqlite3.Connection:
    if not os.path.isdir(root):
        os.makedirs(root, exist_ok=True)
    # timeout= is SQLite's busy timeout (30 s): writers queue behind each other
    path = os.path.join(root, "dockyard.db")
    conn = sqlite3.connect(path, timeout=30, isolation_level=None, check_same_thread=False)
    try:
        # a -wal file exists only in WAL mode (the engine's database is always in it)
        if not os.path.exists(path + "-wal") and conn.execute("PRAGMA journal_mode").fetchone()[0] != "wal":
            conn.execute("PRAGMA journal_mode=WAL")
        conn.execute("PRAGMA synchronous=NORMAL")
    except BaseException:
        conn.close()
        raise
    return conn


class _Connection:
    """``with connect(root) as conn``: the connection, closed on exit (no contextlib import)."""

    def __init__(self, root: str) -> None:
        self.root = root
        self.conn: sqlite3.Connection | None = None

    def __enter__(self) -> sqlite3.Connection:
        self.conn = _open(self.root)
        return self.conn

    def __exit__(self, *exc: object) -> None:
        if self.conn is not None:
            self.conn.close()
            self.conn = None


class _Service(_Connection):
    def __enter__(self) -> NetworkService:  # type: ignore[override]
        from ..network.service import NetworkService
        conn = super().__enter__()
        try:
            return NetworkService(self.root, conn, load_config(self.root))
        except BaseException:
            self.__exit__()
            raise


def connect(root: str) -> _Connection:
    """A fresh autocommit connection to ``<root>/dockyard.db``: ``with connect(root) as conn``
    (closed on exit)."""
    return _Connection(root)


def service(root: str) -> _Service:
    """A ``NetworkService`` on its own connection (for the CLI verbs and the functions below):
    ``with service(root) as svc``."""
    return _Service(root)


def _refresh_hosts(root: str, conn: sqlite3.Connection, config: NetConfig, container_ids: set[str]) -> None:
    """Neighbours on user-defined networks: their hosts files (the service's job)."""
    if container_ids:
        from ..network.service import NetworkService
        NetworkService(root, conn, config).refresh_hosts(container_ids)


# --- create -------------------------------------------------------------------------------------

def _binding_json(b: PortBinding) -> dict[str, str]:
    return {"HostIp": b.host_ip, "HostPort": str(b.host_port) if b.host_port else ""}


def validate(host_config: dict[str, Any], exposed: dict[str, Any]) -> dict[str, list[dict[str, str]]]:
    """``-p`` values (``host_config["PortBindingsRaw"]``) -> docker's ``PortBindings`` shape; ``-P``
    checks the image's ``ExposedPorts`` keys (they are published at start, as docker does).
    Raises InvalidArgument (``InvalidPortSpec``) for a bad value."""
    from ..network import ports as portspec
    out: dict[str, list[dict[str, str]]] = {}
    for b in portspec.parse_publish_all(host_config.get("PortBindingsRaw") or []):
        out.setdefault(b.key(), []).append(_binding_json(b))
    if host_config.get("PublishAllPorts"):
        portspec.publish_exposed(exposed or {})
    mode = host_config.get("NetworkMode") or "default"
    if out and (mode in ("host", "none") or mode.startswith("container:")):
        if mode == "host":
            return {}  # docker: published ports are discarded in host mode
        raise InvalidArgument("conflicting options: port publishing and the container type network mode")
    return out


def _bindings(config: dict[str, Any], host_config: dict[str, Any]) -> list[PortBinding]:
    if not host_config.get("PortBindings") and not host_config.get("PublishAllPorts"):
        return []
    from ..network import ports as portspec
    explicit: list[PortBinding] = []
    for key, hosts in (host_config.get("PortBindings") or {}).items():
        port_text, _, proto = key.partition("/")
        for h in hosts or [{}]:
            host_ip = (h or {}).get("HostIp") or ""
            host_port = (h or {}).get("HostPort") or ""
            explicit.extend(portspec.parse_publish(
                f"{host_ip + ':' if host_ip else ''}{host_port}:{port_text}/{proto or 'tcp'}"
                if host_ip or host_port else f"{port_text}/{proto or 'tcp'}"))
    automatic = portspec.publish_exposed(config.get("ExposedPorts") or {}) \
        if host_config.get("PublishAllPorts") else []
    return portspec.merge(explicit, automatic)


# --- start --------------------------------------------------------------------------------------

def _container_row(conn: sqlite3.Connection, ref: str) -> sqlite3.Row:
    cur = conn.cursor()
    cur.row_factory = sqlite3.Row
    row = cur.execute("SELECT id, name, pid, status, config FROM containers WHERE id=? OR name=?",
                      (ref, ref)).fetchone()
    if row is None and ref:
        rows = cur.execute("SELECT id, name, pid, status, config FROM containers WHERE id LIKE ?",
                           (ref + "%",)).fetchall()
        row = rows[0] if len(rows) == 1 else None
    if row is None:
        raise ContainerNotFound(ref)
    result: sqlite3.Row = row
    return result


def _mode(host_config: dict[str, Any]) -> str:
    mode = host_config.get("NetworkMode") or "default"
    return "bridge" if mode == "default" else mode


def prepare(root: str, cid: str, name: str, config: dict[str, Any], host_config: dict[str, Any]) -> NetPlan:
    """Allocate the container's addresses and host ports (``PortAllocated``: "port is already
    allocated", before anything starts) and write ``<root>/containers/<cid>/hosts`` and
    ``resolv.conf``.  A restart (prepare again without release) first frees the old allocations."""
    from .._trace import mark
    mark("net: prepare")
    mode = _mode(host_config)
    join_path = ""
    netns = ""
    with connect(root) as conn:
        cfg = load_config(root)
        network = mode
        if mode.startswith("container:"):
            target = _container_row(conn, mode.partition(":")[2])
            if target["status"] not in ("running", "paused") or not target["pid"]:
                raise ContainerNotRunning(
                    target["id"], f"cannot join network of a non running container: {target['id']}")
            network = f"container:{target['id']}"
            join_path = f"/proc/{target['pid']}/ns/net"
        opts = AttachOptions(
            name=name, network=network, hostname=config.get("Hostname") or cid[:12],
            domainname=config.get("Domainname") or "",
            aliases=tuple(host_config.get("NetworkAliases") or ()),
            ip=host_config.get("IPv4Address") or "",
            dns=tuple(host_config.get("Dns") or ()), dns_search=tuple(host_config.get("DnsSearch") or ()),
            dns_options=tuple(host_config.get("DnsOptions") or ()),
            extra_hosts=tuple(host_config.get("ExtraHosts") or ()),
            ports=tuple(_bindings(config, host_config)) if mode not in ("host", "none") else ())
        try:
            handled = fastpath.prepare(conn, cfg, root, cid, opts)
        except sqlite3.OperationalError as err:
            if "no such table" not in str(err):
                raise
            handled = False  # a new root: the service creates the tables and builtin networks
        if not handled:
            from ..network.etcfiles import write_in_place
            from ..network.service import NetworkService
            cn = NetworkService(root, conn, cfg).prepare(cid, opts)
            os.makedirs(os.path.dirname(cn.hosts_path), exist_ok=True)
            write_in_place(cn.hosts_path, cn.hosts)
            write_in_place(cn.resolv_conf_path, cn.resolv_conf)
            netns = cn.netns
    mark("net: prepared")
    if mode == "host":
        return NetPlan("host", False)
    if mode.startswith("container:"):
        return NetPlan(netns or join_path, False)
    return NetPlan(None, True)


def attach(root: str, cid: str, pid: int) -> None:
    """From the monitor's ``on_created``: veths into the init's netns, addresses, routes, DNAT
    (``lo`` is the runtime's: both runtimes raise it).  On failure everything of this container
    is released and the error raised."""
    from .._trace import mark
    mark("net: attach")
    with connect(root) as conn:
        cfg = load_config(root)
        fastpath.attach(conn, cfg, cid, pid, loopback=False,
                        on_error=lambda: _refresh_hosts(root, conn, cfg, fastpath.release(conn, cid)))


def release(root: str, cid: str) -> None:
    """After the container exited: veths, DNAT rules, addresses and ports freed.  Idempotent; also
    fine when ``prepare`` was never called.  The veths are out of the kernel's link index when
    this returns; /sys/class/net lists them ~1 ms longer (``forget`` waits for that)."""
    from .._trace import mark
    mark("net: release")
    with connect(root) as conn:
        try:
            # veths out of the kernel's link index; their sysfs entries follow within ~1 ms (forget
            # waits for them): that millisecond is not spent before the monitor reports the exit
            others = fastpath.release(conn, cid, settle=False)
        except sqlite3.OperationalError as err:
            if "no such table" not in str(err):
                raise
            return  # no net_* tables: nothing was ever prepared on this root
        if others:
            _refresh_hosts(root, conn, load_config(root), others)


def forget(root: str, cid: str) -> None:
    """On ``rm``: release, then drop everything the network service knows about the container."""
    with connect(root) as conn:
        try:
            others = fastpath.forget(conn, cid)
        except sqlite3.OperationalError as err:
            if "no such table" not in str(err):
                raise
            return
        if others:
            _refresh_hosts(root, conn, load_config(root), others)


def cleanup(root: str) -> list[str]:
    """``system check --repair``: release the network of containers whose process is gone and
    remove veths, DNAT rules and bridges no record owns; a line per thing removed."""
    with service(root) as svc:
        return svc.cleanup_stale()


# --- queries ------------------------------------------------------------------------------------

def _exposed(conn: sqlite3.Connection, cid: str) -> list[str]:
    from ..jsonfast import loads
    try:
        row = _container_row(conn, cid)
    except (ContainerNotFound, sqlite3.OperationalError):
        return []
    return sorted((loads(row["config"]) or {}).get("ExposedPorts") or {}, key=_port_key)


def _port_key(key: str) -> tuple[int, str]:
    port, _, proto = key.partition("/")
    return (int(port) if port.isdigit() else 0, proto)


def _live_ports(conn: sqlite3.Connection, cid: str) -> list[PortBinding]:
    return sorted((r.binding for r in netstore.ports_of(conn, cid)),
                  key=lambda b: (b.container_port, b.proto, b.host_ip, b.host_port))


def _ports_json(svc: NetworkService, cid: str) -> dict[str, list[dict[str, str]] | None]:
    out: dict[str, list[dict[str, str]] | None] = {k: None for k in _exposed(svc.conn, cid)}
    for b in _live_ports(svc.conn, cid):
        lst = out.get(b.key()) or []
        lst.append({"HostIp": b.host_ip or "0.0.0.0", "HostPort": str(b.host_port)})
        out[b.key()] = lst
    return dict(sorted(out.items(), key=lambda kv: _port_key(kv[0])))


def settings(root: str, cid: str) -> dict[str, Any]:
    """Docker's ``NetworkSettings`` for ``inspect``."""
    with service(root) as svc:
        sb = netstore.get_sandbox(svc.conn, cid)
        eps = {e.network_id: e for e in netstore.endpoints_of(svc.conn, cid)}
        networks: dict[str, Any] = {}
        if sb is not None and sb.mode in ("host", "none"):
            n = svc.get(sb.mode)
            networks[n.name] = _endpoint_json(n.id, None, ())
        for lk in netstore.links_of(svc.conn, cid):
            n = svc.get(lk.network_id)
            networks[n.name] = _endpoint_json(n.id, eps.get(n.id), lk.aliases)
        primary = next(iter(eps.values()), None) if eps else None
        if primary is not None:
            first = netstore.links_of(svc.conn, cid)
            primary = eps.get(first[0].network_id, primary) if first else primary
        default_bridge = svc.get("bridge")
        on_default = primary is not None and primary.network_id == default_bridge.id
        return {
            "Bridge": "", "SandboxID": cid if sb is not None and sb.netns else "",
            "SandboxKey": sb.netns if sb is not None else "",
            "HairpinMode": False, "LinkLocalIPv6Address": "", "LinkLocalIPv6PrefixLen": 0,
            "Ports": _ports_json(svc, cid),
            "SecondaryIPAddresses": None, "SecondaryIPv6Addresses": None,
            "EndpointID": primary.id if on_default and primary else "",
            "Gateway": primary.gateway if on_default and primary else "",
            "GlobalIPv6Address": "", "GlobalIPv6PrefixLen": 0,
            "IPAddress": primary.ip if on_default and primary else "",
            "IPPrefixLen": primary.prefixlen if on_default and primary else 0,
            "IPv6Gateway": "",
            "MacAddress": primary.mac if on_default and primary else "",
            "Networks": networks,
        }


def _endpoint_json(network_id: str, ep: Any, aliases: tuple[str, ...]) -> dict[str, Any]:
    return {
        "IPAMConfig": None, "Links": None, "Aliases": list(aliases) or None,
        "MacAddress": ep.mac if ep else "", "NetworkID": network_id,
        "EndpointID": ep.id if ep else "", "Gateway": ep.gateway if ep else "",
        "IPAddress": ep.ip if ep else "", "IPPrefixLen": ep.prefixlen if ep else 0,
        "IPv6Gateway": "", "GlobalIPv6Address": "", "GlobalIPv6PrefixLen": 0, "DriverOpts": None,
        "DNSNames": None,
    }


def ports_column(root: str, cid: str) -> str:
    """``ps``'s PORTS text: ``127.0.0.1:8080->3000/tcp, 53/udp`` (exposed but unpublished ports
    bare, as docker shows them for a running container); "" for a stopped one."""
    with connect(root) as conn:
        netstore.ensure_schema(conn)
        live = _live_ports(conn, cid)
        published = {b.key() for b in live}
        parts = [f"{b.host_ip or '0.0.0.0'}:{b.host_port}->{b.key()}" for b in live]
        sb = netstore.get_sandbox(conn, cid)
        if sb is not None and sb.netns:       # running: docker lists unpublished exposed ports too
            parts += [k for k in _exposed(conn, cid) if k not in published]
    return ", ".join(parts)


def port_lines(root: str, cid: str, private: str | None = None) -> list[str]:
    """``docker port``: ``3000/tcp -> 127.0.0.1:8080`` lines, or with ``private`` ("3000" or
    "3000/tcp") just ``127.0.0.1:8080``.  NotFound when that port is not published."""
    with connect(root) as conn:
        netstore.ensure_schema(conn)
        live = _live_ports(conn, cid)
    if private is None:
        from ..network.ports import format_binding
        return [format_binding(b) for b in live]
    port, _, proto = private.partition("/")
    key = f"{port}/{proto or 'tcp'}"
    hits = [f"{b.host_ip or '0.0.0.0'}:{b.host_port}" for b in live if b.key() == key]
    if not hits:
        raise NotFound(f"No public port '{key}' published for {cid}")
    return hits
