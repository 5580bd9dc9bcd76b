"""The Coolify client and target against the fake, in situations where the real server
(coollabsio/coolify @379abb25, v4.3.11) behaves differently from what the published spec
suggests. Each test names the server behaviour it relies on; the fake cites the source.
"""

from __future__ import annotations

import json
from collections.abc import Iterator

import pytest

from mosaic_sdk.providers import DeploymentStatus
from mosaic_sdk.providers.coolify import CoolifyClient, CoolifyDeploymentTarget
from mosaic_sdk.values import ImageReference
from tests._support.coolify_fake import TOKEN, FakeCoolify
from tests._support.spec import assert_transport_clean, checking_transport

BASE = "https://coolify.example.com"
APP = "app0000000000000000000001"
IMAGE_A = ImageReference.parse("ghcr.io/acme/web@sha256:" + "a" * 64)
IMAGE_B = ImageReference.parse("ghcr.io/acme/web@sha256:" + "b" * 64)


@pytest.fixture
def fake() -> FakeCoolify:
    fake = FakeCoolify()
    fake.add_application(APP, _tags=["web"])
    return fake


@pytest.fixture
def client(fake: FakeCoolify) -> Iterator[CoolifyClient]:
    transport = checking_transport("coolify", fake.transport())
    with CoolifyClient(
        BASE, token=TOKEN, transport=transport, rate_limit=None, sleep=lambda s: None
    ) as client:
        yield client
    assert_transport_clean(transport)


def _ran(fake: FakeCoolify, deployment_id: str) -> str | None:
    image: str | None = fake.deployments[deployment_id]["_image"]
    return image


# -- 1. the duplicate guard ignores the image ------------------------------------------------


def test_a_new_digest_deployed_while_another_deployment_runs_is_really_deployed(
    client: CoolifyClient, fake: FakeCoolify
) -> None:
    first = client.deploy_image(APP, IMAGE_A)
    assert first.deployment_uuid is not None
    assert client.get_deployment(first.deployment_uuid).status.value == "in_progress"
    target = CoolifyDeploymentTarget(client, APP, poll_interval=0.01)

    deployment = target.deploy(IMAGE_B)

    assert deployment.status is DeploymentStatus.SUCCEEDED
    assert deployment.id != first.deployment_uuid
    assert _ran(fake, deployment.id) == f"ghcr.io/acme/web@sha256:{'b' * 64}"
    assert target.running().digest == IMAGE_B.digest


def test_deploy_image_and_wait_never_follows_an_older_deployment(
    client: CoolifyClient, fake: FakeCoolify
) -> None:
    first = client.deploy_image(APP, IMAGE_A)
    assert first.deployment_uuid is not None
    client.get_deployment(first.deployment_uuid)  # in progress with image A

    done = client.deploy_image_and_wait(APP, IMAGE_B, poll_interval=0.01)

    assert done.deployment_uuid != first.deployment_uuid
    assert _ran(fake, done.deployment_uuid) == f"ghcr.io/acme/web@sha256:{'b' * 64}"
    assert done.deployed_image == IMAGE_B


def test_running_reports_what_runs_not_what_is_configured(
    client: CoolifyClient, fake: FakeCoolify
) -> None:
    target = CoolifyDeploymentTarget(client, APP, poll_interval=0.01)
    target.deploy(IMAGE_A)
    client.set_image(APP, IMAGE_B)  # configured, never deployed

    running = target.running()

    assert running.digest == IMAGE_A.digest
    assert running.image == IMAGE_A


def test_running_says_so_when_the_token_cannot_see_deployment_logs(
    client: CoolifyClient, fake: FakeCoolify
) -> None:
    target = CoolifyDeploymentTarget(client, APP, poll_interval=0.01)
    target.deploy(IMAGE_A)
    fake.can_read_sensitive = False

    running = target.running()

    assert running.digest is None
    assert running.image is None
    assert "read:sensitive" in running.detail


def test_running_before_any_deployment_reports_nothing(client: CoolifyClient) -> None:
    running = CoolifyDeploymentTarget(client, APP).running()
    assert running.digest is None
    assert "no finished deployment" in running.detail


# -- 2. application env upserts reset omitted flags on the server ----------------------------


def test_set_env_keeps_the_flags_of_an_existing_application_variable(
    client: CoolifyClient, fake: FakeCoolify
) -> None:
    client.set_env(APP, "TLS_KEY", "-----BEGIN $KEY-----", is_literal=True, is_multiline=True)
    client.set_env(APP, "API_SECRET", "s3cret-value", is_shown_once=True)

    client.set_env(APP, "TLS_KEY", "-----BEGIN $NEW-----")
    client.upsert_envs(APP, {"API_SECRET": "n3w-secret-value"})

    flags = {e.key: (e.is_literal, e.is_multiline, e.is_shown_once) for e in client.list_envs(APP)}
    assert flags["TLS_KEY"] == (True, True, False)
    assert flags["API_SECRET"] == (False, False, True)


def test_explicit_flags_still_win(client: CoolifyClient) -> None:
    client.set_env(APP, "MODE", "a", is_literal=True)
    written = client.set_env(APP, "MODE", "b", is_literal=False)
    assert written.is_literal is False


def test_service_variables_keep_their_flags_without_a_read(
    client: CoolifyClient, fake: FakeCoolify
) -> None:
    fake.add_service("svc0000000000000000000001", "services:\n  web:\n    image: nginx\n")
    client.set_env("svc0000000000000000000001", "K", "v", resource="services", is_literal=True)
    before = len(fake.requests)
    client.set_env("svc0000000000000000000001", "K", "w", resource="services")
    assert [r[0] for r in fake.requests[before:]] == ["PATCH"]
    [env] = client.list_envs("svc0000000000000000000001", resource="services")
    assert env.is_literal is True


@pytest.mark.parametrize("key", ["MY-KEY", "1ABC", "A$B", "naïve"])
def test_env_keys_coolify_rejects_are_refused_client_side(
    client: CoolifyClient, fake: FakeCoolify, key: str
) -> None:
    from mosaic_sdk.errors import InvalidValueError

    before = len(fake.requests)
    with pytest.raises(InvalidValueError, match="letter or underscore"):
        client.set_env(APP, key, "x")
    assert len(fake.requests) == before


# -- 4. the compose file is hidden from tokens without sensitive read ------------------------

SERVICE = "svc0000000000000000000001"
COMPOSE = "services:\n  web:\n    image: nginx:1.27\n  cache:\n    image: redis:7.4\n"


def test_get_service_compose_says_when_the_token_cannot_see_it(
    client: CoolifyClient, fake: FakeCoolify
) -> None:
    from mosaic_sdk.errors import PermissionDeniedError

    fake.add_service(SERVICE, COMPOSE)
    fake.can_read_sensitive = False
    with pytest.raises(PermissionDeniedError, match="read:sensitive") as info:
        client.get_service_compose(SERVICE)
    assert "team admin" in str(info.value)


def test_get_service_compose_reads_it_with_sensitive_read(
    client: CoolifyClient, fake: FakeCoolify
) -> None:
    fake.add_service(SERVICE, COMPOSE)
    assert "redis:7.4" in client.get_service_compose(SERVICE)


# -- 6. PATCH /services saves the compose before the urls are checked ------------------------


def test_rejected_urls_say_the_compose_was_saved(client: CoolifyClient, fake: FakeCoolify) -> None:
    from mosaic_sdk.providers.coolify import ComposeSavedUrlsRejectedError

    fake.add_service(SERVICE, COMPOSE)
    new = COMPOSE.replace("nginx:1.27", "nginx:1.28")
    with pytest.raises(ComposeSavedUrlsRejectedError) as info:
        client.update_service_compose(SERVICE, new, urls={"nope": "https://a.example.com"})
    assert "compose saved, urls rejected" in str(info.value)
    assert "Service container with 'nope' not found." in str(info.value)
    assert info.value.status_code == 422
    assert "nginx:1.28" in client.get_service_compose(SERVICE)


def test_conflicting_urls_say_the_compose_was_saved(
    client: CoolifyClient, fake: FakeCoolify
) -> None:
    from mosaic_sdk.providers.coolify import ComposeSavedUrlsRejectedError

    fake.add_service(SERVICE, COMPOSE)
    fake.taken_domains.add("https://shop.example.com")
    with pytest.raises(ComposeSavedUrlsRejectedError, match="force_domain_override") as info:
        client.update_service_compose(SERVICE, COMPOSE, urls={"web": "https://shop.example.com"})
    assert info.value.status_code == 409


# -- 11. list-valued 422 errors, 401 advice ---------------------------------------------------


def test_list_valued_422_errors_appear_in_the_message(
    client: CoolifyClient, fake: FakeCoolify
) -> None:
    from mosaic_sdk.errors import UnprocessableEntityError

    fake.add_service(SERVICE, COMPOSE)
    with pytest.raises(UnprocessableEntityError, match="Service container with 'nope' not found"):
        client.set_service_urls(SERVICE, {"nope": "https://a.example.com"})


def test_a_401_says_how_to_fix_the_token(fake: FakeCoolify) -> None:
    from mosaic_sdk.errors import AuthenticationError

    bad = CoolifyClient(BASE, token="9|wrong-token-value", transport=fake.transport())
    with bad, pytest.raises(AuthenticationError) as info:
        bad.list_projects()
    message = str(info.value)
    assert "Unauthenticated." in message
    assert "/security/api-tokens" in message
    assert "COOLIFY_TOKEN" in message


# -- 5. deploy by tag: details[] does not line up with message[] ----------------------------


def test_deploy_by_tag_pairs_each_message_with_its_resource(
    client: CoolifyClient, fake: FakeCoolify
) -> None:
    other = "app0000000000000000000002"
    locked = "app0000000000000000000003"
    fake.add_application(locked, name="locked", _tags=["web"], _unauthorized=True)
    fake.add_application(other, name="api", _tags=["web"])
    fake.add_service(SERVICE, COMPOSE, name="shop", _tags=["web"])
    fake.tags.add("empty")
    busy = client.deploy(APP)[0]  # APP now has a deployment queued: the tag deploy skips it

    results = client.deploy(tag=["empty", "web"])

    by_resource = {r.resource_uuid: r for r in results if r.resource_uuid}
    assert set(by_resource) == {APP, other}
    assert not by_resource[APP].queued
    assert by_resource[APP].deployment_uuid is None  # the never-stored uuid is dropped
    assert "already queued" in by_resource[APP].message
    assert by_resource[other].queued
    assert by_resource[other].deployment_uuid in fake.deployments
    assert by_resource[other].message == "Application api deployment queued."
    assert busy.deployment_uuid != by_resource[other].deployment_uuid
    rest = sorted(r.message for r in results if r.resource_uuid is None)
    assert rest == [
        "No resources found for tag empty.",
        "Service shop started. It could take a while, be patient.",
        "Unauthorized to deploy this application.",
    ]
    assert [r.queued for r in results if r.message.startswith(("No", "Unauth"))] == [
        False,
        False,
    ]


# -- 3. docker_compose_domains is replaced as a whole -----------------------------------------

GIT_APP = "cmp0000000000000000000001"
GIT_COMPOSE = "services:\n  web:\n    image: x\n  api:\n    image: y\n  worker:\n    image: z\n"


def _git_app(fake: FakeCoolify) -> None:
    fake.add_application(
        GIT_APP,
        build_pack="dockercompose",
        docker_compose_raw=GIT_COMPOSE,
        docker_compose_domains=json.dumps(
            {"web": {"domain": "https://www.example.com", "redirect": "www"}}
        ),
    )


def test_set_compose_domains_keeps_the_other_containers_domains(
    client: CoolifyClient, fake: FakeCoolify
) -> None:
    _git_app(fake)
    app = client.set_compose_domains(GIT_APP, {"api": "https://api.example.com"})
    stored = json.loads(fake.applications[GIT_APP]["docker_compose_domains"])
    assert stored == {
        "web": {"domain": "https://www.example.com", "redirect": "www"},
        "api": {"domain": "https://api.example.com"},
    }
    assert app.compose_domains == {
        "web": "https://www.example.com",
        "api": "https://api.example.com",
    }


def test_set_compose_domains_refuses_names_that_are_not_services(
    client: CoolifyClient, fake: FakeCoolify
) -> None:
    from mosaic_sdk.errors import InvalidValueError

    _git_app(fake)
    before = len(fake.requests)
    with pytest.raises(InvalidValueError, match="not a service of the compose file"):
        client.set_compose_domains(GIT_APP, {"db": "https://db.example.com"})
    assert [r[0] for r in fake.requests[before:]] == ["GET"]


def test_set_compose_domains_reports_names_dropped_when_the_compose_is_hidden(
    client: CoolifyClient, fake: FakeCoolify
) -> None:
    from mosaic_sdk.errors import InvalidValueError

    _git_app(fake)
    fake.can_read_sensitive = False
    with pytest.raises(InvalidValueError, match="dropped"):
        client.set_compose_domains(
            GIT_APP, {"api": "https://api.example.com", "db": "https://db.example.com"}
        )
    stored = json.loads(fake.applications[GIT_APP]["docker_compose_domains"])
    assert set(stored) == {"web", "api"}


# -- 11. create_service takes the environment by name or uuid ---------------------------------


@pytest.mark.parametrize(
    "environment",
    [{"environment_name": "production"}, {"environment_uuid": "env00000000000000000001"}],
)
def test_create_service_takes_the_environment_by_name_or_uuid(
    client: CoolifyClient, fake: FakeCoolify, environment: dict[str, str]
) -> None:
    result = client.create_service(
        project_uuid="proj0000000000000000001",
        server_uuid="srv0000000000000000001",
        compose=COMPOSE,
        **environment,
    )
    assert result.uuid in fake.services
    sent = json.loads(fake.requests[-1][3])
    assert sent["environment_name"] == "production"
    assert sent["environment_uuid"] == "env00000000000000000001"


def test_create_service_needs_some_environment(client: CoolifyClient) -> None:
    from mosaic_sdk.errors import InvalidValueError

    with pytest.raises(InvalidValueError, match="name or uuid"):
        client.create_service(
            project_uuid="proj0000000000000000001",
            server_uuid="srv0000000000000000001",
            compose=COMPOSE,
        )


# -- deployment logs, cancel, native rollback ----------------------------------------------


def test_a_failed_deploy_carries_its_last_log_lines(
    client: CoolifyClient, fake: FakeCoolify
) -> None:
    fake.progression = ("queued", "in_progress", "failed")
    deployment = CoolifyDeploymentTarget(client, APP, poll_interval=0.01).deploy(IMAGE_A)
    assert deployment.status is DeploymentStatus.FAILED
    assert "Healthcheck failed" in deployment.detail
    logs = client.get_deployment_logs(deployment.id)
    assert logs[0].output.startswith("Starting deployment of ghcr.io/acme/web@sha256:")


def test_deployment_logs_hidden_from_the_token_raise(
    client: CoolifyClient, fake: FakeCoolify
) -> None:
    from mosaic_sdk.providers.coolify import SensitiveDataHiddenError

    [result] = client.deploy(APP)
    assert result.deployment_uuid is not None
    fake.can_read_sensitive = False
    with pytest.raises(SensitiveDataHiddenError, match="read:sensitive"):
        client.get_deployment_logs(result.deployment_uuid)


def test_a_timed_out_wait_can_cancel_the_deployment(
    client: CoolifyClient, fake: FakeCoolify
) -> None:
    from mosaic_sdk.errors import DeploymentTimeoutError

    fake.progression = ("queued", "in_progress")  # never finishes
    [result] = client.deploy(APP)
    assert result.deployment_uuid is not None
    clock = iter(range(0, 10_000, 5))
    client.clock = lambda: float(next(clock))
    with pytest.raises(DeploymentTimeoutError, match="cancelled") as info:
        client.wait_for_deployment(result.deployment_uuid, timeout=20, cancel_on_timeout=True)
    assert "Starting deployment" in str(info.value)  # the last log lines
    assert fake.deployments[result.deployment_uuid]["status"] == "cancelled-by-user"


def test_cancel_deployment(client: CoolifyClient, fake: FakeCoolify) -> None:
    from mosaic_sdk.errors import BadRequestError

    [result] = client.deploy(APP)
    assert result.deployment_uuid is not None
    cancelled = client.cancel_deployment(result.deployment_uuid)
    assert cancelled.status.value == "cancelled-by-user"
    with pytest.raises(BadRequestError, match="cannot be cancelled"):
        client.cancel_deployment(result.deployment_uuid)


def test_native_rollback_for_an_application_coolify_builds(
    client: CoolifyClient, fake: FakeCoolify
) -> None:
    built = "bld0000000000000000000001"
    fake.add_application(
        built,
        build_pack="nixpacks",
        _images=[("0a1b2c3", "2026-08-20"), ("9f8e7d6", "2026-08-21")],
        _current="9f8e7d6",
    )
    images = client.rollback_images(built)
    assert images.current == "9f8e7d6"
    assert [(i.tag, i.is_current) for i in images.images] == [("0a1b2c3", False), ("9f8e7d6", True)]
    result = client.rollback(built, "0a1b2c3")
    assert result.queued
    assert result.deployment_uuid is not None
    assert fake.deployments[result.deployment_uuid]["commit"] == "0a1b2c3"
    assert fake.deployments[result.deployment_uuid]["rollback"] is True


def test_native_rollback_refuses_a_docker_image_application(
    client: CoolifyClient, fake: FakeCoolify
) -> None:
    from mosaic_sdk.errors import UnsupportedOperationError

    with pytest.raises(UnsupportedOperationError, match="deploy_image_and_wait"):
        client.rollback(APP, "v1.0.0")
    assert not any("/rollback" in r[1] and r[0] == "POST" for r in fake.requests)


def test_the_async_target_deploys_a_new_digest_and_reports_what_runs(fake: FakeCoolify) -> None:
    import asyncio

    from mosaic_sdk.providers.coolify import AsyncCoolifyClient, AsyncCoolifyDeploymentTarget

    async def no_sleep(seconds: float) -> None:
        return None

    async def main() -> None:
        async with AsyncCoolifyClient(
            BASE, token=TOKEN, transport=fake.transport(), rate_limit=None, sleep=no_sleep
        ) as client:
            first = await client.deploy_image(APP, IMAGE_A)
            assert first.deployment_uuid is not None
            await client.get_deployment(first.deployment_uuid)  # in progress with A
            target = AsyncCoolifyDeploymentTarget(client, APP, poll_interval=0.01)
            deployment = await target.deploy(IMAGE_B)
            assert deployment.id != first.deployment_uuid
            assert (await target.running()).digest == IMAGE_B.digest
            fake.can_read_sensitive = False
            assert "read:sensitive" in (await target.running()).detail

    asyncio.run(main())
