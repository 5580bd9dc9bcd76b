"""PortainerDeploymentTarget: pin, update, watch the containers (fake behind MockTransport)."""

from __future__ import annotations

import asyncio

import pytest

from mosaic_sdk.errors import ConfigurationError, InvalidValueError, UnsupportedOperationError
from mosaic_sdk.providers import (
    AsyncDeploymentTarget,
    DeploymentStatus,
    DeploymentTarget,
    TargetState,
)
from mosaic_sdk.providers.portainer import (
    AsyncPortainerClient,
    AsyncPortainerDeploymentTarget,
    PortainerClient,
    PortainerDeploymentTarget,
)
from mosaic_sdk.values import Digest, ImageReference
from tests._support.fake_http import FakeClock, mock_transport
from tests._support.fake_portainer import (
    API_KEY,
    COMPOSE,
    DIGEST_A,
    DIGEST_B,
    DIGEST_OLD,
    FakePortainer,
)

URL = "https://portainer.example.com"
IMAGE_A = ImageReference.parse(f"ghcr.io/acme/web@{DIGEST_A}")


@pytest.fixture
def fake() -> FakePortainer:
    return FakePortainer()


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
def client(fake: FakePortainer, clock: FakeClock) -> PortainerClient:
    return PortainerClient(
        URL, api_key=API_KEY, transport=mock_transport(fake), sleep=clock.sleep, clock=clock
    )


def _target(client: PortainerClient, **kwargs: object) -> PortainerDeploymentTarget:
    return PortainerDeploymentTarget(client, 7, 1, "web", **kwargs)  # type: ignore[arg-type]


def test_is_a_deployment_target(client: PortainerClient) -> None:
    target = _target(client)
    assert isinstance(target, DeploymentTarget)
    assert target.name == "portainer:1/stacks/7#web"
    assert not target.supports_traffic_split


def test_deploy_pins_only_the_image_and_keeps_the_environment(
    client: PortainerClient, fake: FakePortainer
) -> None:
    deployment = _target(client).deploy(IMAGE_A)
    assert deployment.status is DeploymentStatus.SUCCEEDED, deployment.detail
    assert deployment.id.startswith("stack-7@")
    assert fake.files[7] == COMPOSE.replace(DIGEST_OLD, DIGEST_A)
    assert "# shop stack, managed by mosaic" in fake.files[7]
    put = next(r for r in fake.requests if r.method == "PUT")
    body = put.json()
    assert body["pullImage"] is True
    assert body["env"] == [
        {"name": "APP_MODE", "value": "production"},
        {"name": "DB_PASSWORD", "value": "hunter2-not-real"},
    ]
    assert put.arg("endpointId") == "1"


def test_deploy_waits_for_the_health_check(
    client: PortainerClient, fake: FakePortainer, clock: FakeClock
) -> None:
    fake.health_plan = ["starting", "starting", "healthy"]
    deployment = _target(client, poll_interval=3.0).deploy(IMAGE_A)
    assert deployment.succeeded, deployment.detail
    assert clock.sleeps == [3.0, 3.0]
    assert "1 healthy" in deployment.detail


def test_unhealthy_rollout_is_returned_failed(client: PortainerClient, fake: FakePortainer) -> None:
    fake.health_plan = ["starting", "unhealthy"]
    deployment = _target(client).deploy(IMAGE_A)
    assert deployment.status is DeploymentStatus.FAILED
    assert "health check failing" in deployment.detail


def test_health_timeout_fails_the_deployment(
    client: PortainerClient, fake: FakePortainer, clock: FakeClock
) -> None:
    fake.health_plan = ["starting"]
    deployment = _target(client, health_timeout=10.0, poll_interval=4.0).deploy(IMAGE_A)
    assert deployment.status is DeploymentStatus.FAILED
    assert "not healthy within 10s" in deployment.detail
    assert sum(clock.sleeps) == pytest.approx(10.0)


def test_not_waiting_returns_right_after_the_update(
    client: PortainerClient, fake: FakePortainer
) -> None:
    deployment = _target(client, health_timeout=None).deploy(IMAGE_A)
    assert deployment.succeeded
    assert not any("containers" in r.path for r in fake.requests)


def test_failed_compose_deploy_is_a_failed_deployment(
    client: PortainerClient, fake: FakePortainer
) -> None:
    fake.fail_next_update = "Failed to deploy a stack: manifest unknown"
    deployment = _target(client).deploy(IMAGE_A)
    assert deployment.status is DeploymentStatus.FAILED
    assert "manifest unknown" in deployment.detail
    assert fake.files[7] == COMPOSE  # Portainer kept the previous file


def test_unpinned_image_is_refused_before_any_request(
    client: PortainerClient, fake: FakePortainer
) -> None:
    with pytest.raises(InvalidValueError, match="sha256"):
        _target(client).deploy(ImageReference.parse("ghcr.io/acme/web:v1.0.0"))
    assert fake.requests == []


def test_unknown_service_changes_nothing(client: PortainerClient, fake: FakePortainer) -> None:
    target = PortainerDeploymentTarget(client, 7, 1, "api")
    with pytest.raises(ConfigurationError, match="no service 'api'"):
        target.deploy(IMAGE_A)
    assert not any(r.method == "PUT" for r in fake.requests)


def test_git_stack_is_refused(client: PortainerClient, fake: FakePortainer) -> None:
    target = PortainerDeploymentTarget(client, 9, 1, "docs")
    with pytest.raises(UnsupportedOperationError, match="redeploy_git"):
        target.deploy(IMAGE_A)
    assert fake.stacks[9]["GitConfig"] is not None


def test_target_on_the_wrong_environment(client: PortainerClient) -> None:
    with pytest.raises(InvalidValueError, match="endpoint_id=1"):
        PortainerDeploymentTarget(client, 7, 2, "web").running()


@pytest.mark.parametrize(
    ("args", "match"),
    [
        ((0, 1, "web"), "stack id"),
        ((7, 1, ""), "service name"),
    ],
)
def test_constructor_validates(
    client: PortainerClient, args: tuple[int, int, str], match: str
) -> None:
    with pytest.raises(InvalidValueError, match=match):
        PortainerDeploymentTarget(client, *args)


def test_running_reads_the_container(client: PortainerClient) -> None:
    target = _target(client)
    running = target.running()
    assert running.digest == Digest.parse(DIGEST_OLD)
    assert running.version == "0.9.0"
    target.deploy(ImageReference.parse(f"ghcr.io/acme/web:v2.3.4@{DIGEST_B}"))
    running = target.running()
    assert running.digest == Digest.parse(DIGEST_B)
    assert running.version == "2.3.4"
    assert running.image == ImageReference.parse(f"ghcr.io/acme/web:v2.3.4@{DIGEST_B}")


def test_running_asks_the_engine_for_a_tag_only_image(
    client: PortainerClient, fake: FakePortainer
) -> None:
    running = PortainerDeploymentTarget(client, 7, 1, "worker").running()
    assert running.digest == Digest.parse(DIGEST_B)
    assert running.image == ImageReference.parse("ghcr.io/acme/worker:v1.0.0")
    assert "/docker/images/" in fake.requests[-1].path


def test_status_folds_container_states(client: PortainerClient, fake: FakePortainer) -> None:
    target = _target(client)
    assert target.status().state is TargetState.HEALTHY
    web = next(c for c in fake.containers if c["Labels"]["com.docker.compose.service"] == "web")
    web["_health"] = ["unhealthy"]
    assert target.status().state is TargetState.DEGRADED
    web["State"] = "exited"
    assert target.status().state is TargetState.FAILED
    web["State"] = "restarting"
    assert target.status().state is TargetState.DEPLOYING
    fake.containers.remove(web)
    status = target.status()
    assert status.state is TargetState.FAILED
    assert "no container" in status.detail


def test_async_twin(fake: FakePortainer, clock: FakeClock) -> None:
    fake.health_plan = ["starting", "healthy"]

    async def main() -> None:
        async with AsyncPortainerClient(
            URL, api_key=API_KEY, transport=mock_transport(fake), sleep=clock.asleep, clock=clock
        ) as client:
            target = AsyncPortainerDeploymentTarget(client, 7, 1, "web", poll_interval=1.0)
            assert isinstance(target, AsyncDeploymentTarget)
            deployment = await target.deploy(IMAGE_A)
            assert deployment.succeeded, deployment.detail
            assert (await target.running()).digest == Digest.parse(DIGEST_A)
            assert (await target.status()).healthy

    asyncio.run(main())
    assert clock.sleeps == [1.0]
