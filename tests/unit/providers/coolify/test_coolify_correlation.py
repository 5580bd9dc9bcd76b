"""Every request of a Coolify deploy carries the correlation id (issue #15).

The fake records the headers of each request it gets through its ``MockTransport``; a
whole deploy (PATCH the image, ``POST /deploy``, polls of the deployment, the target's
status and ``running`` look-ups) runs inside ``correlation_id(...)``, sync and async.
"""

from __future__ import annotations

import asyncio

from mosaic_sdk.observability import correlation_id
from mosaic_sdk.providers import DeploymentStatus
from mosaic_sdk.providers.coolify import (
    AsyncCoolifyClient,
    AsyncCoolifyDeploymentTarget,
    CoolifyClient,
    CoolifyDeploymentTarget,
)
from mosaic_sdk.values import ImageReference
from tests._support.coolify_fake import TOKEN, FakeCoolify

BASE = "https://coolify.example.com"
APP = "app0000000000000000000001"
IMAGE = ImageReference.parse("ghcr.io/acme/web@sha256:" + "c" * 64)
CID = "coolify-deploy-15"


def _fake() -> FakeCoolify:
    fake = FakeCoolify()
    fake.add_application(APP, _tags=["web"])
    return fake


def _assert_every_request_carries(fake: FakeCoolify, cid: str) -> None:
    assert len(fake.requests) >= 4, fake.requests  # PATCH, POST /deploy, polls, ...
    missing = [
        (method, url)
        for method, url, headers, _ in fake.requests
        if headers.get("x-correlation-id") != cid
    ]
    assert not missing, f"requests without X-Correlation-ID={cid}: {missing}"


def test_every_request_of_a_sync_deploy_carries_the_correlation_id() -> None:
    fake = _fake()
    with CoolifyClient(
        BASE, token=TOKEN, transport=fake.transport(), rate_limit=None, sleep=lambda s: None
    ) as client:
        target = CoolifyDeploymentTarget(client, APP, poll_interval=0.01)
        with correlation_id(CID):
            deployment = target.deploy(IMAGE)
            target.status()
            target.running()
    assert deployment.status is DeploymentStatus.SUCCEEDED
    _assert_every_request_carries(fake, CID)


def test_every_request_of_an_async_deploy_carries_the_correlation_id() -> None:
    fake = _fake()

    async def no_sleep(seconds: float) -> None:
        return None

    async def main() -> DeploymentStatus:
        async with AsyncCoolifyClient(
            BASE, token=TOKEN, transport=fake.transport(), rate_limit=None, sleep=no_sleep
        ) as client:
            target = AsyncCoolifyDeploymentTarget(client, APP, poll_interval=0.01)
            with correlation_id(CID):
                deployment = await target.deploy(IMAGE)
                await target.status()
                await target.running()
            return deployment.status

    assert asyncio.run(main()) is DeploymentStatus.SUCCEEDED
    _assert_every_request_carries(fake, CID)
