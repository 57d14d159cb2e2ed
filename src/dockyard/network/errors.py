"""Network errors: domain subclasses of ``dockyard.errors`` classes, carrying the identifiers."""

from __future__ import annotations

from ..errors import AlreadyExists, Conflict, FailedPrecondition, InvalidArgument, NotFound


class NetworkNotFound(NotFound):
    def __init__(self, ref: str) -> None:
        super().__init__(f"network {ref} not found")
        self.ref = ref


class NetworkExists(AlreadyExists):
    def __init__(self, name: str) -> None:
        super().__init__(f"network with name {name} already exists")
        self.name = name


class NetworkInUse(Conflict):
    """Docker's message for ``network rm`` while containers are connected."""

    def __init__(self, name: str, network_id: str, containers: list[str]) -> None:
        super().__init__(
            f"error while removing network: network {name} id {network_id} has active endpoints"
            + (f" ({', '.join(containers)})" if containers else "")
        )
        self.name = name
        self.network_id = network_id
        self.containers = containers


class PortAllocated(Conflict):
    """A published host port is taken (by another container or by a host process)."""

    def __init__(self, host_ip: str, host_port: int, proto: str = "tcp") -> None:
        super().__init__(f"Bind for {host_ip}:{host_port} failed: port is already allocated")
        self.host_ip = host_ip
        self.host_port = host_port
        self.proto = proto


class AddressInUse(Conflict):
    def __init__(self, ip: str, network: str) -> None:
        super().__init__(f"Address already in use: {ip} on network {network}")
        self.ip = ip
        self.network = network


class AddressPoolExhausted(FailedPrecondition):
    def __init__(self, what: str) -> None:
        super().__init__(f"no available IPv4 addresses on {what}")
        self.what = what


class InvalidPortSpec(InvalidArgument):
    """A bad ``-p`` value; ``message`` is docker's (go-connections ``nat.ParsePortSpec``)."""

    def __init__(self, spec: str, message: str = "") -> None:
        super().__init__(message or f"invalid port specification: {spec!r}")
        self.spec = spec


class EndpointExists(AlreadyExists):
    def __init__(self, container: str, network: str) -> None:
        super().__init__(f"endpoint with name {container} already exists in network {network}")
        self.container = container
        self.network = network


class NotConnected(NotFound):
    def __init__(self, container: str, network: str) -> None:
        super().__init__(f"container {container} is not connected to network {network}")
        self.container = container
        self.network = network


class NetworkSetupError(FailedPrecondition):
    """The kernel refused a step of the network setup (netlink or iptables)."""
