"""Every request of a Portainer deploy carries the caller's correlation id.

The fake Portainer is served on loopback behind the pass-through proxy of
``tests/_support/header_proxy.py``; the fake records the headers of every request that
reached it through the proxy. The deploy polls (health ``starting`` then ``healthy``) so
the requests sent after a sleep are covered too, for both twins.
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterator

import pytest

from mosaic_sdk.observability import correlation_id
from mosaic_sdk.providers.portainer import (
    AsyncPortainerClient,
    AsyncPortainerDeploymentTarget,
    PortainerClient,
    PortainerDeploymentTarget,
)
from mosaic_sdk.values import ImageReference
from tests._support.fake_http import FakeClock, serve
from tests._support.fake_portainer import API_KEY, DIGEST_A, FakePortainer
from tests._support.header_proxy import HeaderRewritingProxy

IMAGE_A = ImageReference.parse(f"ghcr.io/acme/web@{DIGEST_A}")
CID = "portainer-deploy-42"


@pytest.fixture
def fake() -> FakePortainer:
    fake = FakePortainer()
    fake.health_plan = ["starting", "healthy"]
    return fake


@pytest.fixture
def url(fake: FakePortainer) -> Iterator[str]:
    with serve(fake) as upstream:
        proxy = HeaderRewritingProxy(upstream, "http://127.0.0.1:9").start()
        try:
            yield proxy.url
        finally:
            proxy.stop()


def _assert_every_request_carries_the_id(fake: FakePortainer) -> None:
    methods = [request.method for request in fake.requests]
    assert "PUT" in methods, methods
    assert methods.count("GET") >= 4, methods
    seen = [(r.method, r.path, r.headers.get("x-correlation-id")) for r in fake.requests]
    assert all(cid == CID for _, _, cid in seen), seen


def test_every_request_of_a_sync_deploy_carries_the_correlation_id(
    fake: FakePortainer, url: str
) -> None:
    clock = FakeClock()
    with PortainerClient(url, api_key=API_KEY, sleep=clock.sleep, clock=clock) as client:
        target = PortainerDeploymentTarget(client, 7, 1, "web", poll_interval=1.0)
        with correlation_id(CID):
            deployment = target.deploy(IMAGE_A)
            target.running()
            target.status()
    assert deployment.succeeded, deployment.detail
    assert clock.sleeps == [1.0]
    _assert_every_request_carries_the_id(fake)


def test_every_request_of_an_async_deploy_carries_the_correlation_id(
    fake: FakePortainer, url: str
) -> None:
    clock = FakeClock()

    async def main() -> bool:
        async with AsyncPortainerClient(
            url, api_key=API_KEY, sleep=clock.asleep, clock=clock
        ) as client:
            target = AsyncPortainerDeploymentTarget(client, 7, 1, "web", poll_interval=1.0)
            with correlation_id(CID):
                # In a task of its own: the id must follow the context into it.
                deployment = await asyncio.create_task(target.deploy(IMAGE_A))
                await target.running()
                await target.status()
            return deployment.succeeded

    assert asyncio.run(main())
    assert clock.sleeps == [1.0]
    _assert_every_request_carries_the_id(fake)
