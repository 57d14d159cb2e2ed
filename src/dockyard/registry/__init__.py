"""Registry client: images in OCI-distribution registries as Image sources and sinks."""

from __future__ import annotations

from ._auth import Credentials
from .client import RegistryImage, connect, list_tags, open_image, push_image
from .config import login, logout
from .errors import RegistryError

__all__ = [
    "Credentials",
    "RegistryError",
    "RegistryImage",
    "connect",
    "list_tags",
    "login",
    "logout",
    "open_image",
    "push_image",
]
