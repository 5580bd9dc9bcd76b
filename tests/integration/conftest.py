"""Fixtures for integration tests against real local servers."""

from tests._support.registry_fixtures import (  # noqa: F401 - fixtures are registered by import
    basic_registry_server,
    registry,
    registry_server,
    repo,
    rng,
    token_registry_server,
)
