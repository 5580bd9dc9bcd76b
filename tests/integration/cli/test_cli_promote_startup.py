"""``mosaic promote`` against a real docker-registry imports only what it runs: no
asyncio, no hvac or YAML library, no asynchronous twin, no other command's package
(benchmarks/promotion_vs_skopeo.py measures what that is worth)."""

from __future__ import annotations

import os

import pytest

from mosaic_sdk.registry import RegistryClient
from mosaic_sdk.testing import push_image
from tests._support.cli_helpers import (
    NOW,
    PROMOTE_NEVER_IMPORTS,
    loaded_under,
    modules_loaded_by,
)
from tests._support.servers import RegistryServer

pytestmark = pytest.mark.integration


def test_promote_over_http_loads_no_event_loop_and_no_other_command(
    registry_server: RegistryServer, registry: RegistryClient, repo: str
) -> None:
    digest = push_image(registry, repo, "v1.0.0", created=NOW).digest
    env = {**os.environ, "MOSAIC_ACTOR": "ci"}
    argv = ["promote", str(digest), "--to", "prod", "--force"]
    argv += ["--registry", registry_server.url, "--repository", repo]

    loaded = modules_loaded_by(argv, env=env)

    assert registry.resolve(repo, "prod") == digest  # the command really promoted
    assert {"httpx", "mosaic_sdk.registry._sync.client"} <= set(loaded)
    assert loaded_under(loaded, PROMOTE_NEVER_IMPORTS) == []
