"""Fixtures for the Vault tests against a real OpenBao dev server (tests/_support/openbao.py).

``bao`` is the session's shared server: KV v2 ``secret-dev``/``-staging``/``-prod``, KV v1
``secret-legacy`` and AppRole. Tests on it use their own service names, so they never
see each other's secrets. ``fresh_bao`` starts a server of a test's own (about half a
second) for whatever would disturb others: sealing, quotas, disabled mounts, KV v1
environment mounts.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from tests._support.openbao import OpenBaoServer


@pytest.fixture(scope="session")
def bao(tmp_path_factory: pytest.TempPathFactory) -> Iterator[OpenBaoServer]:
    server = OpenBaoServer(tmp_path_factory.mktemp("openbao"))
    with server:
        yield server


@pytest.fixture
def fresh_bao(tmp_path: Path) -> Iterator[Callable[..., OpenBaoServer]]:
    started: list[OpenBaoServer] = []

    def start(**kwargs: Any) -> OpenBaoServer:
        server = OpenBaoServer(tmp_path / f"bao{len(started)}", **kwargs).start()
        started.append(server)
        return server

    yield start
    for server in started:
        server.stop()
