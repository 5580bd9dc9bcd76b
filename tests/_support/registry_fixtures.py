"""pytest fixtures for real-registry tests, imported by the conftest of each test folder
that needs them (``from tests._support.registry_fixtures import *``)."""

from __future__ import annotations

import itertools
import random
from collections.abc import Iterator

import pytest

from mosaic_sdk.registry import RegistryClient
from tests._support.servers import RegistryServer, TokenServer

__all__ = [
    "basic_registry_server",
    "registry",
    "registry_server",
    "repo",
    "rng",
    "token_registry_server",
]

_counter = itertools.count()


@pytest.fixture(scope="session")
def registry_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RegistryServer]:
    """Debian ``docker-registry`` 2.8 on a free 127.0.0.1 port, deletion enabled,
    filesystem storage in a temp dir; stopped at the end of the session."""
    server = RegistryServer(tmp_path_factory.mktemp("registry")).start()
    yield server
    server.stop()


@pytest.fixture(scope="module")
def basic_registry_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RegistryServer]:
    """A registry with htpasswd Basic auth (user ``alice``)."""
    server = RegistryServer(tmp_path_factory.mktemp("basic-registry"), auth="htpasswd").start()
    yield server
    server.stop()


@pytest.fixture(scope="module")
def token_registry_server(
    tmp_path_factory: pytest.TempPathFactory,
) -> Iterator[tuple[RegistryServer, TokenServer]]:
    """A registry with ``auth: token`` and the local token server that signs its tokens."""
    tokens = TokenServer(tmp_path_factory.mktemp("token-server")).start()
    server = RegistryServer(tmp_path_factory.mktemp("token-registry"), auth=tokens).start()
    yield server, tokens
    server.stop()
    tokens.stop()


@pytest.fixture
def registry(registry_server: RegistryServer) -> Iterator[RegistryClient]:
    """An anonymous SDK client of the session registry."""
    with RegistryClient(registry_server.url) as client:
        yield client


@pytest.fixture
def repo(request: pytest.FixtureRequest) -> str:
    """A repository name no other test uses."""
    name = "".join(c if c.isalnum() else "-" for c in request.node.name.lower()).strip("-")
    return f"t{next(_counter)}/{name[:60].strip('-')}"


@pytest.fixture
def rng(request: pytest.FixtureRequest) -> random.Random:
    """A random generator seeded by the test name (reproducible images)."""
    return random.Random(request.node.nodeid)
