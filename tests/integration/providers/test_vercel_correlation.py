"""Every request of a Vercel deploy carries the correlation id, in both twins.

The fake Vercel API is served on 127.0.0.1 behind the pass-through proxy of
``tests/_support/header_proxy.py``, so the headers checked are the ones that crossed
two real sockets; the health probes of the deploy go to the fake's deployment hosts
through a mock transport. The fake records every request it answers.
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterator

import pytest

from mosaic_sdk.observability import correlation_id
from mosaic_sdk.providers import DeploymentStatus
from mosaic_sdk.providers.vercel import (
    AsyncVercelClient,
    AsyncVercelDeploymentTarget,
    VercelClient,
    VercelDeploymentTarget,
)
from mosaic_sdk.values import ImageReference
from tests._support.fake_http import FakeClock, mock_transport, serve
from tests._support.fake_vercel import DIGEST_A, PROJECT_ID, TEAM_ID, TOKEN, FakeVercel
from tests._support.header_proxy import HeaderRewritingProxy

IMAGE_A = ImageReference.parse(f"ghcr.io/acme/web@{DIGEST_A}")
HEADER = "x-correlation-id"


@pytest.fixture
def fake() -> FakeVercel:
    fake = FakeVercel()
    fake.promote_delay = 2  # a few polls of the promote job, so the wait sleeps too
    return fake


@pytest.fixture
def api(fake: FakeVercel) -> Iterator[str]:
    with serve(fake) as upstream:
        proxy = HeaderRewritingProxy(upstream, "http://127.0.0.1:9").start()
        try:
            yield proxy.url
        finally:
            proxy.stop()


def _check(fake: FakeVercel, cid: str) -> None:
    paths = [(r.method, r.path) for r in fake.requests]
    assert ("POST", f"/v10/projects/{PROJECT_ID}/promote/dpl_0000000000000000000000000002") in paths
    assert any(r.path == "/api/health" for r in fake.requests)  # the probe is counted too
    missing = [(r.method, r.path) for r in fake.requests if r.headers.get(HEADER) != cid]
    assert not missing, f"requests without {cid!r}: {missing}"


def test_sync_deploy_sends_the_correlation_id_on_every_request(fake: FakeVercel, api: str) -> None:
    clock = FakeClock()
    with VercelClient(TOKEN, team_id=TEAM_ID, base_url=api, sleep=clock.sleep, clock=clock) as c:
        target = VercelDeploymentTarget(
            c, PROJECT_ID, health_path="/api/health", health_transport=mock_transport(fake)
        )
        with correlation_id("deploy-vercel-sync"):
            deployment = target.deploy(IMAGE_A)
    assert deployment.status is DeploymentStatus.SUCCEEDED, deployment.detail
    assert clock.sleeps  # the promotion wait polled
    _check(fake, "deploy-vercel-sync")


def test_async_deploy_sends_the_correlation_id_on_every_request(fake: FakeVercel, api: str) -> None:
    clock = FakeClock()

    async def main() -> DeploymentStatus:
        async with AsyncVercelClient(
            TOKEN, team_id=TEAM_ID, base_url=api, sleep=clock.asleep, clock=clock
        ) as client:
            target = AsyncVercelDeploymentTarget(
                client,
                PROJECT_ID,
                health_path="/api/health",
                health_transport=mock_transport(fake),
            )
            return (await target.deploy(IMAGE_A)).status

    with correlation_id("deploy-vercel-async"):
        status = asyncio.run(main())  # the task copies the caller's context
    assert status is DeploymentStatus.SUCCEEDED
    assert clock.sleeps
    _check(fake, "deploy-vercel-async")


def test_concurrent_tasks_keep_their_own_correlation_ids(fake: FakeVercel, api: str) -> None:
    async def read(client: AsyncVercelClient, cid: str) -> None:
        with correlation_id(cid):
            await client.get_project(PROJECT_ID)
            await client.list_env("shop")

    async def main() -> None:
        async with AsyncVercelClient(TOKEN, team_id=TEAM_ID, base_url=api) as client:
            await asyncio.gather(*(read(client, f"task-{n}") for n in range(4)))

    asyncio.run(main())
    assert len(fake.requests) == 8
    ids = [r.headers.get(HEADER) for r in fake.requests]
    assert sorted(ids) == sorted(f"task-{n}" for n in range(4) for _ in range(2))
