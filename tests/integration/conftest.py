"""Fixtures for integration tests against real local servers."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests._support.redis_server import RedisServer, redis_fixture
from tests._support.registry_fixtures import (  # noqa: F401 - fixtures are registered by import
    basic_registry_server,
    registry,
    registry_server,
    repo,
    rng,
    token_registry_server,
)


@pytest.fixture(scope="module")
def redis_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RedisServer]:
    """Debian's redis-server with a password, on a free loopback port."""
    yield from redis_fixture(tmp_path_factory)
