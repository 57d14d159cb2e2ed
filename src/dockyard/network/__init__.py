"""Container networking: bridge networks, veth endpoints, IPAM, hosts/resolv.conf, published ports.

Entry point: ``NetworkService(root, conn)`` (see ``service`` for the lifecycle) and
``cleanup_stale(root, conn)``; ``ports.parse_publish`` / ``ports.publish_exposed`` parse ``-p``/``-P``.
"""

from __future__ import annotations

from .errors import (
    AddressInUse,
    AddressPoolExhausted,
    EndpointExists,
    InvalidPortSpec,
    NetworkExists,
    NetworkInUse,
    NetworkNotFound,
    NetworkSetupError,
    NotConnected,
    PortAllocated,
)
from .model import AttachOptions, ContainerNetwork, Endpoint, NetConfig, Network, PortBinding
from .ports import format_binding, merge, parse_publish, parse_publish_all, publish_exposed
from .service import NetworkService, cleanup_stale
from .store import ensure_schema

__all__ = [
    "AddressInUse",
    "AddressPoolExhausted",
    "AttachOptions",
    "ContainerNetwork",
    "Endpoint",
    "EndpointExists",
    "InvalidPortSpec",
    "NetConfig",
    "Network",
    "NetworkExists",
    "NetworkInUse",
    "NetworkNotFound",
    "NetworkService",
    "NetworkSetupError",
    "NotConnected",
    "PortAllocated",
    "PortBinding",
    "cleanup_stale",
    "ensure_schema",
    "format_binding",
    "merge",
    "parse_publish",
    "parse_publish_all",
    "publish_exposed",
]
