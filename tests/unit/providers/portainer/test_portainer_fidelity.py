"""Behaviours of the real Portainer servers (CE 2.23, the 2.36-era and the newest CE) that
the client and target must handle, against ``tests/_support/fake_portainer.py`` (which cites the
source of each behaviour). Issue #12 items 7, 8 and 11 (Portainer part), webhooks,
stack create/start/stop, the constructor shape."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest

from mosaic_sdk.errors import (
    AuthenticationError,
    ConfigurationError,
    DeploymentTimeoutError,
    InvalidValueError,
    NotFoundError,
    ServerError,
)
from mosaic_sdk.providers import DeploymentStatus, TargetState
from mosaic_sdk.providers.portainer import (
    AsyncPortainerClient,
    AsyncPortainerDeploymentTarget,
    AsyncPortainerWebhookClient,
    PortainerClient,
    PortainerDeploymentTarget,
    PortainerWebhookClient,
    StackStatus,
    StackType,
)
from mosaic_sdk.values import Digest, ImageReference
from tests._support.fake_http import FakeClock, mock_transport
from tests._support.fake_portainer import (
    API_KEY,
    COMPOSE,
    DIGEST_A,
    DIGEST_OLD,
    GIT_WEBHOOK_ID,
    SWARM_ID,
    WEBHOOK_ID,
    FakePortainer,
)

URL = "https://portainer.example.com"
IMAGE_A = ImageReference.parse(f"ghcr.io/acme/web@{DIGEST_A}")


def _client(fake: FakePortainer, clock: FakeClock | None = None) -> PortainerClient:
    clock = clock or FakeClock()
    return PortainerClient(
        URL, api_key=API_KEY, transport=mock_transport(fake), sleep=clock.sleep, clock=clock
    )


def _puts(fake: FakePortainer, stack_id: int) -> list[Any]:
    return [r for r in fake.requests if r.method == "PUT" and r.path == f"/api/stacks/{stack_id}"]


# -- item 7: swarm stacks -------------------------------------------------------------------


def test_swarm_target_deploys_and_waits_for_the_tasks() -> None:
    fake = FakePortainer()
    fake.task_plan = ["preparing", "starting", "running"]
    clock = FakeClock()
    target = PortainerDeploymentTarget(_client(fake, clock), 11, 1, "web", poll_interval=1.0)
    assert target.status().state is TargetState.HEALTHY
    deployment = target.deploy(IMAGE_A)
    assert deployment.status is DeploymentStatus.SUCCEEDED, deployment.detail
    assert "2/2 tasks of 'queue_web' running" in deployment.detail
    assert fake.files[11].count(DIGEST_A) == 1
    running = target.running()
    assert running.digest == Digest.parse(DIGEST_A)
    assert running.version == "1.0.0"
    status = target.status()
    assert status.state is TargetState.HEALTHY, status.detail


def test_swarm_target_reports_a_failing_task_with_its_error() -> None:
    fake = FakePortainer()
    fake.task_plan = ["starting", "failed"]
    target = PortainerDeploymentTarget(_client(fake), 11, 1, "web")
    deployment = target.deploy(IMAGE_A)
    assert deployment.status is DeploymentStatus.FAILED
    assert "unhealthy container" in deployment.detail


def test_swarm_stack_containers_match_the_namespaced_service() -> None:
    fake = FakePortainer()
    containers = _client(fake).stack_containers(1, "queue", swarm=True)
    assert {c.service for c in containers} == {"queue_web"}
    assert all(c.stack_service("queue") == "web" for c in containers)


# -- item 8: the asynchronous PUT of newer CE, and the webhook ---------------------------------


def test_async_update_waits_for_the_background_deploy() -> None:
    fake = FakePortainer(generation="async")
    stack = _client(fake).update_stack(7, COMPOSE.replace("v1.0.0", "v1.0.1"))
    assert stack.status is StackStatus.ACTIVE
    assert fake.stacks[7]["Status"] == 1
    assert any("v1.0.1" in c["Image"] for c in fake.containers)


def test_async_update_failure_is_a_server_error_with_portainers_message() -> None:
    fake = FakePortainer(generation="async")
    fake.fail_next_update = "failed to deploy a stack: manifest unknown"
    with pytest.raises(ServerError, match="manifest unknown"):
        _client(fake).update_stack(7, COMPOSE.replace("v1.0.0", "v9"))
    assert fake.files[7] == COMPOSE  # Portainer rolled the file back


def test_async_update_that_never_settles_times_out() -> None:
    fake = FakePortainer(generation="async")
    fake.deploy_polls = 10_000
    with pytest.raises(DeploymentTimeoutError, match="still deploying"):
        _client(fake).update_stack(7, deploy_timeout=30.0)


def test_async_target_deploy_succeeds_and_reports_failures() -> None:
    fake = FakePortainer(generation="async")
    target = PortainerDeploymentTarget(_client(fake), 7, 1, "web")
    assert target.deploy(IMAGE_A).status is DeploymentStatus.SUCCEEDED
    fake.fail_next_update = "failed to deploy a stack: pull access denied"
    failed = target.deploy(ImageReference.parse(f"ghcr.io/acme/web@{DIGEST_OLD}"))
    assert failed.status is DeploymentStatus.FAILED
    assert "pull access denied" in failed.detail


def test_async_target_without_health_wait_still_waits_for_the_deploy() -> None:
    fake = FakePortainer(generation="async")
    fake.fail_next_update = "failed to deploy a stack: pull access denied"
    target = PortainerDeploymentTarget(_client(fake), 7, 1, "web", health_timeout=None)
    deployment = target.deploy(IMAGE_A)
    assert deployment.status is DeploymentStatus.FAILED
    assert "pull access denied" in deployment.detail


def test_a_deploy_already_in_progress_is_waited_for_then_done() -> None:
    fake = FakePortainer(generation="async")
    client = _client(fake)
    client.update_stack(7, wait=False)  # someone else's deploy is still running
    assert fake.stacks[7]["Status"] == 3
    deployment = PortainerDeploymentTarget(client, 7, 1, "web").deploy(IMAGE_A)
    assert deployment.status is DeploymentStatus.SUCCEEDED, deployment.detail
    assert DIGEST_A in fake.files[7]


def test_409_from_a_racing_deploy_is_retried_after_it_settles() -> None:
    fake = FakePortainer(generation="async")
    original = fake._get_stack
    raced: list[bool] = []

    def racing(request: Any, stack_id: str) -> Any:
        answer = original(request, stack_id)
        if not raced and stack_id == "7":
            raced.append(True)
            fake.stacks[7]["Status"] = 3  # another deploy starts right after our read
            fake._pending[7] = (1, fake.files[7], None)
        return answer

    fake._get_stack = racing  # type: ignore[method-assign]
    deployment = PortainerDeploymentTarget(_client(fake), 7, 1, "web").deploy(IMAGE_A)
    assert deployment.status is DeploymentStatus.SUCCEEDED, deployment.detail
    assert len(_puts(fake, 7)) == 2


@pytest.mark.parametrize("generation", ["2.23", "2.36", "async"])
def test_updates_send_the_existing_webhook(generation: str) -> None:
    fake = FakePortainer(generation=generation)
    fake.stacks[7]["AutoUpdate"] = {"Webhook": WEBHOOK_ID, "Interval": "", "JobID": ""}
    client = _client(fake)
    assert client.get_stack(7).webhook == WEBHOOK_ID
    client.update_stack(7, env={"A": "1"})
    PortainerDeploymentTarget(client, 7, 1, "web").deploy(IMAGE_A)
    puts = _puts(fake, 7)
    assert puts[0].json()["webhook"] == WEBHOOK_ID
    if generation == "2.36":
        # The 2.36-era CE keeps it only because it is sent back every time.
        assert all(put.json()["webhook"] == WEBHOOK_ID for put in puts)
        assert fake.stacks[7]["AutoUpdate"]["Webhook"] == WEBHOOK_ID
    else:
        # CE 2.23 and the newest CE drop AutoUpdate on every file update, whatever is sent.
        assert fake.stacks[7]["AutoUpdate"] is None


def test_update_stack_can_set_or_remove_the_webhook() -> None:
    fake = FakePortainer(generation="2.36")
    client = _client(fake)
    assert client.update_stack(7, webhook=WEBHOOK_ID).webhook == WEBHOOK_ID
    assert client.update_stack(7, webhook="").webhook == ""
    with pytest.raises(InvalidValueError, match="UUID"):
        client.update_stack(7, webhook="not-a-uuid")


# -- item 11: a 401 says how to fix the credential ----------------------------------------------


@pytest.mark.parametrize("key", ["ptr_wrong-key-123456", None])
def test_401_names_the_header_and_where_to_create_a_token(key: str | None) -> None:
    fake = FakePortainer()
    if key is None:
        fake.api_key = "ptr_another-key-0000"
        key = API_KEY
    client = PortainerClient(URL, api_key=key, transport=mock_transport(fake))
    with pytest.raises(AuthenticationError) as info:
        client.get_stack(7)
    message = str(info.value)
    assert "Invalid JWT token" in message
    assert "X-API-Key" in message
    assert "My account > Access tokens" in message
    assert "PORTAINER_API_KEY" in message
    assert key not in message


# -- webhooks ----------------------------------------------------------------------------------


def test_stack_webhook_redeploys_without_an_api_key() -> None:
    fake = FakePortainer()
    before = fake.stacks[9]["UpdateDate"]
    with PortainerWebhookClient(URL, transport=mock_transport(fake)) as hooks:
        assert hooks.trigger_stack_webhook(GIT_WEBHOOK_ID) is None
    request = fake.requests[-1]
    assert (request.method, request.path) == ("POST", f"/api/stacks/webhooks/{GIT_WEBHOOK_ID}")
    assert "x-api-key" not in request.headers
    assert fake.stacks[9]["UpdateDate"] > before


def test_stack_webhook_errors() -> None:
    fake = FakePortainer()
    hooks = PortainerWebhookClient(URL, transport=mock_transport(fake))
    with pytest.raises(NotFoundError, match="by webhook ID"):
        hooks.trigger_stack_webhook(WEBHOOK_ID)
    with pytest.raises(InvalidValueError, match="UUID"):
        hooks.trigger_stack_webhook("../stacks/7")
    assert len(fake.requests) == 1


def test_webhook_url_from_the_portainer_ui() -> None:
    fake = FakePortainer()
    hooks = PortainerWebhookClient(URL, transport=mock_transport(fake))
    hooks.trigger_stack_webhook(f"{URL}/api/stacks/webhooks/{GIT_WEBHOOK_ID}")
    assert fake.requests[-1].path == f"/api/stacks/webhooks/{GIT_WEBHOOK_ID}"
    with pytest.raises(InvalidValueError, match="another Portainer"):
        hooks.trigger_stack_webhook(
            f"https://evil.example.com/api/stacks/webhooks/{GIT_WEBHOOK_ID}"
        )


def test_async_webhook_client() -> None:
    fake = FakePortainer()

    async def main() -> None:
        async with AsyncPortainerWebhookClient(URL, transport=mock_transport(fake)) as hooks:
            await hooks.trigger_stack_webhook(GIT_WEBHOOK_ID)

    asyncio.run(main())
    assert fake.requests[-1].path.endswith(GIT_WEBHOOK_ID)


# -- create / start / stop ----------------------------------------------------------------------


@pytest.mark.parametrize("generation", ["2.23", "async"])
def test_create_a_compose_stack(generation: str) -> None:
    fake = FakePortainer(generation=generation)
    stack = _client(fake).create_stack(
        "api", "services:\n  api:\n    image: nginx:1.27\n", endpoint_id=1, env={"A": "1"}
    )
    assert (stack.name, stack.type, stack.status) == ("api", StackType.COMPOSE, StackStatus.ACTIVE)
    request = next(r for r in fake.requests if r.method == "POST")
    assert request.path == "/api/stacks/create/standalone/string"
    assert request.arg("endpointId") == "1"
    assert request.json() == {
        "name": "api",
        "stackFileContent": "services:\n  api:\n    image: nginx:1.27\n",
        "env": [{"name": "A", "value": "1"}],
    }


def test_create_a_swarm_stack_reads_the_swarm_id() -> None:
    fake = FakePortainer()
    stack = _client(fake).create_stack(
        "jobs", "services:\n  j:\n    image: busybox\n", endpoint_id=1, swarm=True
    )
    assert stack.type is StackType.SWARM
    body = next(r for r in fake.requests if r.method == "POST").json()
    assert body["swarmID"] == SWARM_ID


def test_create_refuses_names_portainer_would_rewrite() -> None:
    fake = FakePortainer()
    with pytest.raises(InvalidValueError, match="'myapi'"):
        _client(fake).create_stack("My API", "services: {}\n", endpoint_id=1)
    assert fake.requests == []


def test_stop_and_start_a_stack() -> None:
    fake = FakePortainer()
    client = _client(fake)
    assert client.stop_stack(7).status is StackStatus.INACTIVE
    assert client.stack_containers(1, "shop") == []
    assert client.stop_stack(7).status is StackStatus.INACTIVE  # already stopped: no-op
    started = client.start_stack(7)
    assert started.status is StackStatus.ACTIVE
    assert {c.service for c in client.stack_containers(1, "shop")} == {"web", "worker"}
    posts = [r for r in fake.requests if r.method == "POST"]
    assert [p.path for p in posts] == ["/api/stacks/7/stop", "/api/stacks/7/start"]
    assert all(p.arg("endpointId") == "1" for p in posts)


# -- constructor shape ---------------------------------------------------------------------------


def test_api_key_is_keyword_only_and_a_url_is_refused() -> None:
    with pytest.raises(TypeError):
        PortainerClient(URL, API_KEY)  # type: ignore[misc]
    with pytest.raises(InvalidValueError, match="URL"):
        PortainerClient(URL, api_key="https://portainer.example.com")
    with pytest.raises(InvalidValueError, match="PORTAINER_API_KEY"):
        PortainerClient(URL, api_key="  ")


def test_from_env(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("PORTAINER_URL", raising=False)
    monkeypatch.delenv("PORTAINER_API_KEY", raising=False)
    with pytest.raises(ConfigurationError, match="PORTAINER_URL"):
        PortainerClient.from_env()
    monkeypatch.setenv("PORTAINER_URL", URL)
    monkeypatch.setenv("PORTAINER_API_KEY", API_KEY)
    client = PortainerClient.from_env(timeout=5.0)
    assert client.base_url == URL + "/api"
    client.close()
    assert AsyncPortainerClient.from_env().base_url == URL + "/api"
    assert PortainerWebhookClient.from_env().base_url == URL + "/api"
    assert AsyncPortainerWebhookClient.from_env().base_url == URL + "/api"


def test_async_twins_support_the_new_operations() -> None:
    fake = FakePortainer(generation="async")
    clock = FakeClock()

    async def main() -> None:
        async with AsyncPortainerClient(
            URL, api_key=API_KEY, transport=mock_transport(fake), sleep=clock.asleep, clock=clock
        ) as client:
            await client.stop_stack(7)
            await client.start_stack(7)
            stack = await client.create_stack("api", "services: {a: {image: x}}\n", endpoint_id=1)
            assert stack.status is StackStatus.ACTIVE
            target = AsyncPortainerDeploymentTarget(client, 11, 1, "web")
            deployment = await target.deploy(IMAGE_A)
            assert deployment.status is DeploymentStatus.SUCCEEDED, deployment.detail

    asyncio.run(main())
