"""Retention's async twin against Debian's docker-registry 2.8: ``aplan``/``aapply`` make
the same plan and result as ``plan``/``apply``, and the correlation id reaches every
request of a plan and an apply, from the thread pool and from the tasks alike (before
#15, 11 of 12 requests of a plan went without it)."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Iterator
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest

from mosaic_sdk import AsyncRegistryClient, RetentionPolicy
from mosaic_sdk.observability import CORRELATION_ID_HEADER, correlation_id
from mosaic_sdk.registry import BlobCache, RegistryClient
from mosaic_sdk.testing import push_image
from tests._support.header_proxy import HeaderRewritingProxy
from tests._support.servers import RegistryServer

pytestmark = pytest.mark.integration

NOW = datetime.now(timezone.utc)


@pytest.fixture
def proxy(registry_server: RegistryServer) -> Iterator[HeaderRewritingProxy]:
    server = HeaderRewritingProxy(registry_server.url).start()
    try:
        yield server
    finally:
        server.stop()


def _seed(client: RegistryClient, repo: str) -> None:
    """Old sha tags (deleted), a fresh one, a release and prod: 12+ requests to plan."""
    for n in range(6):
        push_image(
            client,
            repo,
            f"sha-{n:07x}",
            created=NOW - timedelta(days=40),
            created_in="config",
            seed=f"{repo}{n}",
        )
    push_image(client, repo, "sha-fffffff", created=NOW, created_in="config", seed=f"{repo}new")
    push_image(client, repo, "v1.0.0", "prod", created=NOW - timedelta(days=90), seed=f"{repo}rel")


def _ids(proxy: HeaderRewritingProxy) -> list[str | None]:
    return [
        {k.lower(): v for k, v in headers.items()}.get(CORRELATION_ID_HEADER.lower())
        for _, _, headers in proxy.requests
    ]


def test_the_correlation_id_reaches_every_request_of_a_sync_plan_and_apply(
    registry_server: RegistryServer, proxy: HeaderRewritingProxy, tmp_path: Path
) -> None:
    repo = f"corr/sync-{uuid.uuid4().hex[:6]}"
    with RegistryClient(registry_server.url) as direct:
        _seed(direct, repo)
    with RegistryClient(proxy.url) as client, correlation_id("ret-sync-1"):
        plan = RetentionPolicy().plan(client, repo, cache=BlobCache(tmp_path / "c"))
        result = plan.apply(client)
    assert len(plan.deletions) == 6
    assert len(result.deleted) == 6
    ids = _ids(proxy)
    assert len(ids) > 12
    assert ids == ["ret-sync-1"] * len(ids)


def test_aplan_and_aapply_match_the_sync_twin_and_carry_the_correlation_id(
    registry_server: RegistryServer, proxy: HeaderRewritingProxy, tmp_path: Path
) -> None:
    repo = f"corr/async-{uuid.uuid4().hex[:6]}"
    with RegistryClient(registry_server.url) as direct:
        _seed(direct, repo)
        expected = RetentionPolicy().plan(direct, repo, now=NOW)

    async def main() -> tuple[object, object, object]:
        async with AsyncRegistryClient(proxy.url) as client:
            with correlation_id("ret-async-1"):
                cache = BlobCache(tmp_path / "c")
                plan = await RetentionPolicy().aplan(client, repo, now=NOW, cache=cache)
                again = await RetentionPolicy().aplan(client, repo, now=NOW, cache=cache)
                result = await plan.aapply(client)
        return plan, again, result

    plan, again, result = asyncio.run(main())
    assert plan == expected
    assert plan.reads == expected.reads  # type: ignore[attr-defined]
    assert again.reads.configs == 0  # type: ignore[attr-defined]
    assert again.reads.configs_cached == 7  # type: ignore[attr-defined]
    assert [o.status for o in result.outcomes] == ["deleted"] * 6  # type: ignore[attr-defined]
    ids = _ids(proxy)
    assert len(ids) > 12
    assert ids == ["ret-async-1"] * len(ids)
    with RegistryClient(registry_server.url) as direct:
        assert direct.list_tags(repo) == ["prod", "sha-fffffff", "v1.0.0"]
