"""Values of the network service: networks, endpoints, port bindings, options and results."""

from __future__ import annotations

from .._record import Record

DEFAULT_POOLS: tuple[tuple[str, int], ...] = (
    ("172.18.0.0/15", 16),
    ("172.20.0.0/14", 16),
    ("172.24.0.0/14", 16),
    ("192.168.0.0/16", 20),
)


class NetConfig(Record, frozen=True):
    """Host-side names and policies; tests use their own prefixes so they never touch the host's."""

    default_bridge: str = "dockyard0"
    default_subnet: str = "172.30.0.0/16"
    default_gateway: str = ""           # empty: first host address of the subnet
    bridge_prefix: str = "dy-"          # user networks: bridge_prefix + id[:15 - len(prefix)]
    veth_prefix: str = "veth"           # host side of each endpoint: veth_prefix + hex
    chain: str = "DOCKYARD"             # iptables chains: CHAIN (nat), CHAIN-POSTROUTING, CHAIN-FORWARD
    pools: tuple[tuple[str, int], ...] = DEFAULT_POOLS
    enable_forwarding: bool = True      # set net.ipv4.ip_forward=1 (needed for outbound traffic)
    host_resolv_conf: str = "/etc/resolv.conf"
    host_hosts: str = "/etc/hosts"


class Network(Record, frozen=True):
    id: str
    name: str
    driver: str                     # bridge | host | null
    bridge: str                     # Linux bridge name, "" for host/null
    subnet: str                     # "172.30.0.0/16", "" for host/null
    gateway: str                    # "172.30.0.1"
    internal: bool
    labels: dict[str, str]
    options: dict[str, str]
    created: str                    # RFC 3339
    builtin: bool = False           # bridge, host, none: cannot be removed

    @property
    def user_defined(self) -> bool:
        return self.driver == "bridge" and not self.builtin


class PortBinding(Record, frozen=True):
    """One published port; host_port 0 means "pick a free one"."""

    container_port: int
    proto: str = "tcp"
    host_ip: str = ""               # "" means every address (0.0.0.0)
    host_port: int = 0

    def key(self) -> str:
        return f"{self.container_port}/{self.proto}"


class Endpoint(Record, frozen=True):
    id: str
    network_id: str
    container_id: str
    ip: str
    prefixlen: int
    gateway: str
    mac: str
    ifname: str                     # inside the container: eth0, eth1, ...
    veth: str                       # host side
    aliases: tuple[str, ...] = ()


class AttachOptions(Record, frozen=True):
    """What ``docker run`` says about networking; ``network`` is bridge | none | host |
    container:<id> | a user network's name or id."""

    name: str
    network: str = "bridge"
    hostname: str = ""
    domainname: str = ""
    aliases: tuple[str, ...] = ()
    ip: str = ""
    dns: tuple[str, ...] = ()
    dns_search: tuple[str, ...] = ()
    dns_options: tuple[str, ...] = ()
    extra_hosts: tuple[str, ...] = ()   # "name:ip" (docker's --add-host)
    ports: tuple[PortBinding, ...] = ()


class ContainerNetwork(Record, frozen=True):
    """What the container needs. ``netns`` is set for container:<id> mode (join that namespace);
    ``host`` is true for host mode (stay in the host's namespace)."""

    container_id: str
    mode: str                                   # bridge | none | host | container
    hostname: str
    hosts: str                                  # /etc/hosts content
    resolv_conf: str                            # /etc/resolv.conf content
    hosts_path: str                             # <root>/containers/<id>/hosts (kept up to date)
    resolv_conf_path: str
    endpoints: tuple[Endpoint, ...] = ()
    ports: tuple[PortBinding, ...] = ()          # host ports resolved (never 0)
    netns: str = ""
    host: bool = False

    @property
    def ip(self) -> str:
        return self.endpoints[0].ip if self.endpoints else ""

    @property
    def gateway(self) -> str:
        return self.endpoints[0].gateway if self.endpoints else ""

    @property
    def mac(self) -> str:
        return self.endpoints[0].mac if self.endpoints else ""
