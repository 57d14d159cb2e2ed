"""Registry fixtures (real docker-registry processes); the code lives in regfixtures.py."""

from regfixtures import basic_registry, registry, token_registry  # noqa: F401
