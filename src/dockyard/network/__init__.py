"""Container networking: bridge networks, veth endpoints, IPAM, hosts/resolv.conf, published ports.

Entry point: ``NetworkService(root, conn)`` (see ``service`` for the lifecycle) and
``cleanup_stale(root, conn)``; ``ports.parse_publish`` / ``ports.publish_exposed`` parse ``-p``/``-P``.

The names below are imported on first use (module ``__getattr__``), so ``dockyard.network.ports``
can be used (``docker create -p``) without loading the service, netlink and iptables modules.
"""

from __future__ import annotations

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any

_WHERE = {
    "AddressInUse": "errors", "AddressPoolExhausted": "errors", "EndpointExists": "errors",
    "InvalidPortSpec": "errors", "NetworkExists": "errors", "NetworkInUse": "errors",
    "NetworkNotFound": "errors", "NetworkSetupError": "errors", "NotConnected": "errors",
    "PortAllocated": "errors",
    "AttachOptions": "model", "ContainerNetwork": "model", "Endpoint": "model", "NetConfig": "model",
    "Network": "model", "PortBinding": "model",
    "format_binding": "ports", "merge": "ports", "parse_publish": "ports", "parse_publish_all": "ports",
    "publish_exposed": "ports",
    "NetworkService": "service", "cleanup_stale": "service",
    "ensure_schema": "store",
}

__all__ = sorted(_WHERE)


def __getattr__(name: str) -> Any:
    module = _WHERE.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(__import__(f"{__name__}.{module}", fromlist=[name]), name)
    globals()[name] = value
    return value
