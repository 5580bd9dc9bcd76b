"""Portainer and Vercel clients over real HTTP, against the fakes served on 127.0.0.1.

Where behaviour matters (a deployment that progresses through states, a 429 carrying
its reset time, Portainer replacing the env list) the clients run through real sockets,
real timeouts and the real retry loop, and every request is checked against the spec.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Iterator

import httpx
import pytest

from mosaic_sdk._http import RetryPolicy
from mosaic_sdk.errors import RateLimitError
from mosaic_sdk.providers import DeploymentStatus
from mosaic_sdk.providers.portainer import PortainerClient, PortainerDeploymentTarget
from mosaic_sdk.providers.vercel import AsyncVercelClient, ReadyState, VercelClient
from mosaic_sdk.values import Digest, ImageReference
from tests._support.fake_http import serve
from tests._support.fake_portainer import API_KEY, DIGEST_A, FakePortainer
from tests._support.fake_vercel import TEAM_ID, TOKEN, FakeVercel
from tests._support.provider_specs import Exempting


@pytest.fixture
def vercel_fake() -> Iterator[tuple[FakeVercel, str]]:
    fake = FakeVercel()
    with serve(fake) as url:
        yield fake, url


@pytest.fixture
def portainer_fake() -> Iterator[tuple[FakePortainer, str]]:
    fake = FakePortainer()
    with serve(fake) as url:
        yield fake, url


def test_vercel_deployment_progresses_to_ready(vercel_fake: tuple[FakeVercel, str]) -> None:
    fake, url = vercel_fake
    transport = Exempting("vercel", httpx.HTTPTransport())
    with VercelClient(TOKEN, team_id=TEAM_ID, base_url=url, transport=transport) as client:
        created = client.create_deployment("shop", redeploy_of="dpl_1", meta={"k": "v"})
        assert created.ready_state is ReadyState.QUEUED
        ready = client.wait_for_deployment(created.id, poll_interval=0.01, timeout=10)
    assert ready.ready_state is ReadyState.READY
    states = [r.path for r in fake.requests if r.method == "GET"]
    assert len(states) == 2  # BUILDING, then READY
    transport.assert_clean()


def test_vercel_failed_build_over_http(vercel_fake: tuple[FakeVercel, str]) -> None:
    fake, url = vercel_fake
    fake.build_steps = ["INITIALIZING", "BUILDING", "ERROR"]

    async def main() -> ReadyState:
        async with AsyncVercelClient(TOKEN, team_id=TEAM_ID, base_url=url) as client:
            created = await client.create_deployment("shop", redeploy_of="dpl_1")
            done = await client.wait_for_deployment(created.id, poll_interval=0.01, timeout=10)
            return done.ready_state

    assert asyncio.run(main()) is ReadyState.ERROR


def test_vercel_429_waits_for_the_reset_then_succeeds(vercel_fake: tuple[FakeVercel, str]) -> None:
    fake, url = vercel_fake
    fake.rate_limited_requests = 2
    fake.rate_limit_reset_in = 0.4
    waits: list[float] = []

    def sleep(seconds: float) -> None:
        waits.append(seconds)
        time.sleep(seconds)

    with VercelClient(
        TOKEN,
        team_id=TEAM_ID,
        base_url=url,
        retry=RetryPolicy(max_retries=3, sleep=sleep, retry_after_jitter=0.0),
    ) as client:
        project = client.get_project("shop")
    assert project.name == "shop"
    assert len(fake.requests) == 3
    assert len(waits) == 2
    # The wait comes from Retry-After (whole seconds, as the CLI reads it), not from a
    # generic backoff; the CLI's random skew is switched off here.
    assert all(0.0 < w <= 1.0 for w in waits)


def test_vercel_429_beyond_the_cap_raises(vercel_fake: tuple[FakeVercel, str]) -> None:
    fake, url = vercel_fake
    fake.rate_limited_requests = 1
    fake.rate_limit_reset_in = 3600
    with (
        VercelClient(TOKEN, team_id=TEAM_ID, base_url=url) as client,
        pytest.raises(RateLimitError) as info,
    ):
        client.get_project("shop")
    assert info.value.retry_after is not None
    assert info.value.retry_after > 3500
    assert len(fake.requests) == 1


def test_portainer_env_merge_survives_replacement(
    portainer_fake: tuple[FakePortainer, str],
) -> None:
    _fake, url = portainer_fake
    transport = Exempting("portainer", httpx.HTTPTransport())
    with PortainerClient(url, api_key=API_KEY, transport=transport) as client:
        client.update_stack(7, env={"FEATURE_X": "on"})
        client.update_stack(7, env={"APP_MODE": "maintenance"})
        stack = client.get_stack(7)
    # The server replaced the list twice; nothing the caller did not name was lost.
    assert [(v.name, v.value) for v in stack.env] == [
        ("APP_MODE", "maintenance"),
        ("DB_PASSWORD", "hunter2-not-real"),
        ("FEATURE_X", "on"),
    ]
    transport.assert_clean()


def test_portainer_target_over_http(portainer_fake: tuple[FakePortainer, str]) -> None:
    fake, url = portainer_fake
    fake.health_plan = ["starting", "healthy"]
    transport = Exempting("portainer", httpx.HTTPTransport())
    with PortainerClient(url, api_key=API_KEY, transport=transport) as client:
        target = PortainerDeploymentTarget(client, 7, 1, "web", poll_interval=0.01)
        deployment = target.deploy(ImageReference.parse(f"ghcr.io/acme/web@{DIGEST_A}"))
        running = target.running()
    assert deployment.status is DeploymentStatus.SUCCEEDED, deployment.detail
    assert running.digest == Digest.parse(DIGEST_A)
    assert running.version == "1.0.0"
    transport.assert_clean()
