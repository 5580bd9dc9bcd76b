"""VercelDeploymentTarget: digest -> deployment (meta) -> promote -> production serves it."""

from __future__ import annotations

import asyncio

import pytest

from mosaic_sdk.errors import InvalidValueError, UnsupportedOperationError
from mosaic_sdk.providers import (
    AsyncDeploymentTarget,
    DeploymentStatus,
    DeploymentTarget,
    TargetState,
)
from mosaic_sdk.providers.vercel import (
    AsyncVercelClient,
    AsyncVercelDeploymentTarget,
    VercelClient,
    VercelDeploymentTarget,
)
from mosaic_sdk.values import Digest, ImageReference
from tests._support.fake_http import FakeClock, mock_transport
from tests._support.fake_vercel import (
    DIGEST_A,
    DIGEST_B,
    DIGEST_OLD,
    PROJECT_ID,
    TEAM_ID,
    TOKEN,
    FakeVercel,
)

IMAGE_A = ImageReference.parse(f"ghcr.io/acme/web@{DIGEST_A}")


@pytest.fixture
def fake() -> FakeVercel:
    return FakeVercel()


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
def client(fake: FakeVercel, clock: FakeClock) -> VercelClient:
    return VercelClient(
        TOKEN, team_id=TEAM_ID, transport=mock_transport(fake), sleep=clock.sleep, clock=clock
    )


def test_shape(client: VercelClient) -> None:
    target = VercelDeploymentTarget(client, PROJECT_ID)
    assert isinstance(target, DeploymentTarget)
    assert target.name == f"vercel:{PROJECT_ID}"


def test_deploy_promotes_the_deployment_carrying_the_digest(
    client: VercelClient, fake: FakeVercel, clock: FakeClock
) -> None:
    fake.promote_delay = 2
    target = VercelDeploymentTarget(client, PROJECT_ID, poll_interval=4.0)
    deployment = target.deploy(IMAGE_A)
    assert deployment.status is DeploymentStatus.SUCCEEDED, deployment.detail
    assert deployment.id == "dpl_0000000000000000000000000002"
    assert fake.production_id == deployment.id
    assert clock.sleeps == [4.0, 4.0]
    listing = next(r for r in fake.requests if r.path == "/v6/deployments")
    assert listing.arg("target") == "production"
    assert listing.arg("state") == "READY"


def test_deploy_searches_older_pages(client: VercelClient, fake: FakeVercel) -> None:
    for _ in range(120):  # push the digest's deployment off the first page
        fake._add("READY", "production", {"imageDigest": "sha256:" + "e" * 64}, "STAGED")
    target = VercelDeploymentTarget(client, PROJECT_ID, search_limit=200)
    assert target.deploy(IMAGE_A).succeeded
    assert sum(1 for r in fake.requests if r.path == "/v6/deployments") == 2


def test_redeploying_what_already_serves_is_a_no_op(client: VercelClient, fake: FakeVercel) -> None:
    target = VercelDeploymentTarget(client, PROJECT_ID)
    deployment = target.deploy(ImageReference.parse(f"ghcr.io/acme/web@{DIGEST_OLD}"))
    assert deployment.succeeded
    assert "already serves production" in deployment.detail
    assert not any("promote" in r.path for r in fake.requests)


def test_a_digest_without_deployment_names_the_workaround(
    client: VercelClient, fake: FakeVercel
) -> None:
    target = VercelDeploymentTarget(client, PROJECT_ID)
    unknown = ImageReference.parse("ghcr.io/acme/web@sha256:" + "9" * 64)
    with pytest.raises(UnsupportedOperationError) as info:
        target.deploy(unknown)
    message = str(info.value)
    assert "cannot run image" in message
    assert "--meta imageDigest=sha256:9999" in message
    assert info.value.workaround.startswith("build the Vercel deployment")
    assert not any("promote" in r.path for r in fake.requests)


def test_a_promotion_that_never_lands_fails(
    client: VercelClient, fake: FakeVercel, clock: FakeClock
) -> None:
    fake.promote_delay = 10_000
    target = VercelDeploymentTarget(client, PROJECT_ID, promote_timeout=20, poll_interval=5)
    deployment = target.deploy(IMAGE_A)
    assert deployment.status is DeploymentStatus.FAILED
    assert "did not land within 20s" in deployment.detail
    assert sum(clock.sleeps) == pytest.approx(20.0)


def test_unpinned_image_is_refused_before_any_request(
    client: VercelClient, fake: FakeVercel
) -> None:
    with pytest.raises(InvalidValueError, match="sha256"):
        VercelDeploymentTarget(client, PROJECT_ID).deploy(
            ImageReference.parse("ghcr.io/acme/web:v1.0.0")
        )
    assert fake.requests == []


def test_running_reads_production_meta(client: VercelClient, fake: FakeVercel) -> None:
    target = VercelDeploymentTarget(client, PROJECT_ID)
    running = target.running()
    assert running.digest == Digest.parse(DIGEST_OLD)
    assert running.version == "0.9.0"
    assert running.image is None
    fake.deployments["dpl_0000000000000000000000000003"]["meta"]["image"] = (
        f"ghcr.io/acme/web:v2.3.4@{DIGEST_B}"
    )
    target.deploy(ImageReference.parse(f"ghcr.io/acme/web@{DIGEST_B}"))
    running = target.running()
    assert running.digest == Digest.parse(DIGEST_B)
    assert running.image == ImageReference.parse(f"ghcr.io/acme/web:v2.3.4@{DIGEST_B}")


def test_running_after_an_instant_rollback(client: VercelClient) -> None:
    target = VercelDeploymentTarget(client, PROJECT_ID)
    target.deploy(IMAGE_A)
    client.rollback(PROJECT_ID, "dpl_0000000000000000000000000001")
    assert target.running().digest == Digest.parse(DIGEST_OLD)


def test_running_without_meta_is_empty_fields(client: VercelClient, fake: FakeVercel) -> None:
    fake.production_id = "dpl_0000000000000000000000000004"  # a preview without digest meta
    running = VercelDeploymentTarget(client, PROJECT_ID).running()
    assert (running.digest, running.version, running.image) == (None, None, None)


def test_status(client: VercelClient, fake: FakeVercel) -> None:
    target = VercelDeploymentTarget(client, PROJECT_ID)
    status = target.status()
    assert status.state is TargetState.HEALTHY
    assert "READY (PROMOTED)" in status.detail
    production = fake.deployments[fake.production_id or ""]
    production["readyState"] = "BUILDING"
    assert target.status().state is TargetState.DEPLOYING
    production["readyState"] = "ERROR"
    assert target.status().state is TargetState.FAILED
    fake.production_id = None
    assert target.status().state is TargetState.FAILED


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        ({"project_id": ""}, "project id"),
        ({"project_id": PROJECT_ID, "digest_meta_key": ""}, "meta key"),
        ({"project_id": PROJECT_ID, "search_limit": 0}, "search_limit"),
        ({"project_id": PROJECT_ID, "poll_interval": 0}, "positive"),
    ],
)
def test_constructor_validates(client: VercelClient, kwargs: dict[str, object], match: str) -> None:
    with pytest.raises(InvalidValueError, match=match):
        VercelDeploymentTarget(client, **kwargs)  # type: ignore[arg-type]


def test_async_twin(fake: FakeVercel, clock: FakeClock) -> None:
    async def main() -> None:
        async with AsyncVercelClient(
            TOKEN, team_id=TEAM_ID, transport=mock_transport(fake), sleep=clock.asleep, clock=clock
        ) as client:
            target = AsyncVercelDeploymentTarget(client, PROJECT_ID, poll_interval=1.0)
            assert isinstance(target, AsyncDeploymentTarget)
            deployment = await target.deploy(IMAGE_A)
            assert deployment.succeeded
            assert (await target.running()).digest == Digest.parse(DIGEST_A)
            assert (await target.status()).healthy

    asyncio.run(main())
    assert clock.sleeps == [1.0]
