"""CoolifyClient and AsyncCoolifyClient against the stateful fake, through MockTransport.

Every request also passes the spec checker (when the specs folder is present).
"""

from __future__ import annotations

import asyncio
import base64
import json
from collections.abc import Iterator

import httpx
import pytest
import yaml

from mosaic_sdk._http import RateLimit, RetryPolicy
from mosaic_sdk.errors import (
    APIResponseValidationError,
    AuthenticationError,
    ConfigurationError,
    DeploymentTimeoutError,
    ForbiddenTagError,
    InvalidValueError,
    NotFoundError,
    RateLimitError,
    ServerError,
    UnprocessableEntityError,
    UnsupportedOperationError,
)
from mosaic_sdk.providers.coolify import (
    AsyncCoolifyClient,
    CoolifyClient,
    CoolifyDeploymentStatus,
    DeploymentNotQueuedError,
    EnvVarInput,
    rate_limit_key,
)
from mosaic_sdk.values import ImageReference
from tests._support.coolify_fake import QUEUE_FULL, TOKEN, FakeCoolify
from tests._support.spec import assert_transport_clean, async_checking_transport, checking_transport

BASE = "https://coolify.example.com"
APP = "app0000000000000000000001"
DIGEST = "sha256:" + "c" * 64
IMAGE = ImageReference.parse(f"ghcr.io/acme/web@{DIGEST}")
COMPOSE = """\
services:
  web:
    image: nginx:1.27
    environment:
      SERVICE_URL_WEB_80: ""
      MODE: production
  db:
    image: postgres:16
"""


class FakeClock:
    """A monotonic clock that only moves when the code under test sleeps."""

    def __init__(self) -> None:
        self.now = 1000.0
        self.sleeps: list[float] = []

    def __call__(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        self.now += seconds


@pytest.fixture
def fake() -> FakeCoolify:
    fake = FakeCoolify()
    fake.add_application(APP, _tags=["web"])
    return fake


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
def client(fake: FakeCoolify, clock: FakeClock) -> Iterator[CoolifyClient]:
    transport = checking_transport("coolify", fake.transport())
    with CoolifyClient(
        BASE, token=TOKEN, transport=transport, rate_limit=None, sleep=clock.sleep, clock=clock
    ) as client:
        yield client
    assert_transport_clean(transport)


# -- configuration, headers, secrets -----------------------------------------------------


@pytest.mark.parametrize(
    "url",
    [BASE, BASE + "/", BASE + "/api", BASE + "/api/v1", BASE + "/api/v1/"],
)
def test_base_url_is_normalised_to_api_v1(url: str) -> None:
    client = CoolifyClient(url, token=TOKEN, rate_limit=None)
    assert client.base_url == BASE + "/api/v1"
    client.close()


@pytest.mark.parametrize("url", ["coolify.example.com", "ftp://x", ""])
def test_base_url_without_scheme_is_refused(url: str) -> None:
    with pytest.raises(ConfigurationError, match="scheme"):
        CoolifyClient(url, token=TOKEN)


@pytest.mark.parametrize("url", ["https://[::1", "https://host:port", "https://cool ify.example"])
def test_malformed_base_url_is_a_configuration_error(url: str) -> None:
    with pytest.raises(ConfigurationError, match="Coolify base URL"):
        CoolifyClient(url, token=TOKEN)


@pytest.mark.parametrize("token", ["", "  ", "1|abc def", "1|abc\nBearer 2|xyz", None, 42])
def test_bad_tokens_are_refused_without_echoing_them(token: object) -> None:
    with pytest.raises(InvalidValueError) as info:
        CoolifyClient(BASE, token=token)  # type: ignore[arg-type]
    if isinstance(token, str) and token.strip():
        assert token.strip() not in str(info.value)
    assert "COOLIFY_TOKEN" in str(info.value)


@pytest.mark.parametrize("cls", [CoolifyClient, AsyncCoolifyClient])
def test_a_url_where_the_token_belongs_is_refused(cls: type[CoolifyClient]) -> None:
    with pytest.raises(InvalidValueError, match="looks like a URL"):
        cls(BASE, token="https://coolify.example.com")


@pytest.mark.parametrize("cls", [CoolifyClient, AsyncCoolifyClient])
def test_only_the_base_url_is_positional(cls: type[CoolifyClient]) -> None:
    with pytest.raises(TypeError):
        cls(BASE, TOKEN)  # type: ignore[misc]


def test_every_request_sends_bearer_and_accept_json(
    client: CoolifyClient, fake: FakeCoolify
) -> None:
    client.list_projects()
    client.get_application(APP)
    client.set_env(APP, "MODE", "blue")  # reads the current flags first
    client.deploy(APP)
    assert len(fake.requests) == 5
    for _, _, headers, _ in fake.requests:
        assert headers["accept"] == "application/json"
        assert headers["authorization"] == f"Bearer {TOKEN}"


def test_token_never_shows_in_repr_or_errors(fake: FakeCoolify) -> None:
    other = FakeCoolify(token="9|another-token-the-server-expects")
    with CoolifyClient(BASE, token=TOKEN, transport=other.transport(), rate_limit=None) as client:
        assert TOKEN not in repr(client)
        with pytest.raises(AuthenticationError) as info:
            client.list_projects()
    assert TOKEN not in str(info.value)
    assert TOKEN not in repr(info.value)
    assert "Unauthenticated" in str(info.value)


def test_from_env_reads_url_and_token(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("COOLIFY_URL", BASE)
    monkeypatch.setenv("COOLIFY_TOKEN", TOKEN)
    with CoolifyClient.from_env(rate_limit=None) as client:
        assert client.base_url == BASE + "/api/v1"


def test_from_env_names_the_missing_variable(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("COOLIFY_URL", BASE)
    monkeypatch.delenv("COOLIFY_TOKEN", raising=False)
    with pytest.raises(ConfigurationError, match="COOLIFY_TOKEN"):
        CoolifyClient.from_env()


def test_default_rate_limit_is_shared_per_instance_and_token() -> None:
    token = "5|rate-limit-sharing-token"
    first = CoolifyClient(BASE, token=token)
    second = CoolifyClient(BASE + "/api/v1", token=token)
    third = CoolifyClient(BASE, token="5|a-different-token-entirely")
    try:
        assert first.rate_limit is not None
        assert first.rate_limit is second.rate_limit
        assert first.rate_limit is not third.rate_limit
        # 200 per minute, booked over a window 5% longer to absorb latency differences.
        assert first.rate_limit.max_requests == 200
        assert first.rate_limit.per_seconds == pytest.approx(63.0)
        assert token not in rate_limit_key(BASE, token)
        assert rate_limit_key(BASE, token).startswith("coolify:")
    finally:
        for c in (first, second, third):
            c.close()


def test_rate_limit_can_be_overridden_or_disabled() -> None:
    mine = RateLimit(10, 1.0)
    with CoolifyClient(BASE, token=TOKEN, rate_limit=mine) as client:
        assert client.rate_limit is mine
    with CoolifyClient(BASE, token=TOKEN, rate_limit=None) as client:
        assert client.rate_limit is None


# -- listing and reading -----------------------------------------------------------------


def test_list_and_get(client: CoolifyClient, fake: FakeCoolify) -> None:
    fake.add_service("svc0000000000000000000001", COMPOSE)
    assert [p.name for p in client.list_projects()] == ["demo"]
    apps = client.list_applications()
    assert [a.uuid for a in apps] == [APP]
    assert client.list_applications(tag="web")[0].uuid == APP
    assert client.list_applications(tag="none") == []
    app = client.get_application(APP)
    assert app.build_pack == "dockerimage"
    assert app.status.is_healthy
    assert str(app.image) == "ghcr.io/acme/web:v1.0.0"
    assert app.domains == ("https://web.example.com",)
    services = client.list_services()
    assert [s.uuid for s in services] == ["svc0000000000000000000001"]
    service = client.get_service("svc0000000000000000000001")
    assert [a.name for a in service.applications] == ["web", "db"]
    assert client.service_status("svc0000000000000000000001").raw == "running:healthy"
    assert client.application_status(APP).state == "running"
    subs = client.list_service_applications("svc0000000000000000000001")
    assert {s.name for s in subs} == {"web", "db"}
    env = client.get_environment("proj0000000000000000001", "production")
    assert env.uuid == "env00000000000000000001"


def test_missing_application_is_not_found(client: CoolifyClient) -> None:
    with pytest.raises(NotFoundError) as info:
        client.get_application("nope")
    assert "Application not found" in str(info.value)


@pytest.mark.parametrize("uuid", ["", "a/b", " x", 3])
def test_bad_uuids_are_refused_before_any_request(
    client: CoolifyClient, fake: FakeCoolify, uuid: object
) -> None:
    with pytest.raises(InvalidValueError):
        client.get_application(uuid)  # type: ignore[arg-type]
    assert fake.requests == []


# -- environment variables -----------------------------------------------------------------


def test_set_env_upserts_through_the_bulk_endpoint(
    client: CoolifyClient, fake: FakeCoolify
) -> None:
    created = client.set_env(APP, "MODE", "blue", is_literal=True)
    updated = client.set_env(APP, "MODE", "green")
    assert created.uuid == updated.uuid
    assert updated.value == "green"
    assert "green" not in repr(updated)  # values stay out of reprs
    methods = [(m, u.split("/api/v1")[1]) for m, u, _, _ in fake.requests]
    # The current flags are read first: Coolify resets omitted ones on applications.
    assert (
        methods
        == [
            ("GET", f"/applications/{APP}/envs"),
            ("PATCH", f"/applications/{APP}/envs/bulk"),
        ]
        * 2
    )
    first_body = json.loads(fake.requests[1][3])
    assert first_body == {"data": [{"key": "MODE", "value": "blue", "is_literal": True}]}
    second_body = json.loads(fake.requests[3][3])
    assert second_body["data"][0]["is_literal"] is True


def test_upsert_envs_many_in_one_call(client: CoolifyClient, fake: FakeCoolify) -> None:
    written = client.upsert_envs(APP, {"A": "1", "B": "2"})
    assert [e.key for e in written] == ["A", "B"]
    client.upsert_envs(APP, [EnvVarInput("A", "3", is_shown_once=True)])
    listed = {e.key: e.value for e in client.list_envs(APP)}
    assert listed == {"A": None, "B": "2"}  # a shown-once value is never sent back
    assert len(fake.requests) == 5  # GET + PATCH, GET + PATCH, GET


def test_service_envs_use_the_service_routes(client: CoolifyClient, fake: FakeCoolify) -> None:
    fake.add_service("svc0000000000000000000001", COMPOSE)
    client.upsert_envs("svc0000000000000000000001", {"A": "1"}, resource="services")
    assert fake.requests[-1][1].endswith("/services/svc0000000000000000000001/envs/bulk")


@pytest.mark.parametrize(
    ("envs", "match"),
    [
        ({}, "no variables"),
        ([EnvVarInput("A", "1"), EnvVarInput("A", "2")], "more than once"),
    ],
)
def test_bad_env_batches_are_refused(
    client: CoolifyClient, envs: object, match: str, fake: FakeCoolify
) -> None:
    with pytest.raises(InvalidValueError, match=match):
        client.upsert_envs(APP, envs)  # type: ignore[arg-type]
    assert fake.requests == []


@pytest.mark.parametrize("key", ["", "HAS SPACE", " LEAD"])
def test_env_names_coolify_would_rewrite_are_refused(key: str) -> None:
    with pytest.raises(InvalidValueError):
        EnvVarInput(key, "x")


# -- deploying -----------------------------------------------------------------------------


def test_deploy_by_uuid(client: CoolifyClient, fake: FakeCoolify) -> None:
    [result] = client.deploy(APP, force=True)
    assert result.queued
    assert result.followable
    assert result.resource_uuid == APP
    assert fake.requests[-1][0] == "POST"
    assert "uuid=" + APP in fake.requests[-1][1]
    assert "force=true" in fake.requests[-1][1]


def test_deploy_by_tag_reads_the_other_answer_shape(
    client: CoolifyClient, fake: FakeCoolify
) -> None:
    [result] = client.deploy(tag="web")
    assert result.resource_uuid == APP
    assert result.deployment_uuid in fake.deployments
    assert "queued" in result.message


def test_deploy_needs_exactly_one_of_uuid_or_tag(client: CoolifyClient, fake: FakeCoolify) -> None:
    with pytest.raises(InvalidValueError, match="exactly one"):
        client.deploy()
    with pytest.raises(InvalidValueError, match="exactly one"):
        client.deploy(APP, tag="web")
    assert fake.requests == []


def test_duplicate_deploy_is_reported_not_queued(client: CoolifyClient, fake: FakeCoolify) -> None:
    first = client.deploy(APP)[0]
    second = client.deploy(APP)[0]
    assert first.queued
    assert not second.queued
    assert second.deployment_uuid is None  # the ghost uuid Coolify returned is dropped
    assert not second.followable
    assert "already queued" in second.message


def test_deploying_a_service_gives_nothing_to_follow(
    client: CoolifyClient, fake: FakeCoolify
) -> None:
    fake.add_service("svc0000000000000000000001", COMPOSE)
    [result] = client.deploy("svc0000000000000000000001")
    assert result.queued
    assert result.deployment_uuid is None


def test_deploy_image_pins_the_digest_the_coolify_way(
    client: CoolifyClient, fake: FakeCoolify
) -> None:
    result = client.deploy_image(APP, IMAGE)
    patch = next(r for r in fake.requests if r[0] == "PATCH")
    assert json.loads(patch[3]) == {
        "docker_registry_image_name": "ghcr.io/acme/web@sha256",
        "docker_registry_image_tag": "c" * 64,
    }
    assert result.followable
    assert client.get_application(APP).image == IMAGE


@pytest.mark.parametrize(
    ("reference", "error"),
    [
        ("ghcr.io/acme/web:latest", ForbiddenTagError),
        ("ghcr.io/acme/web:v1.2.3", InvalidValueError),
    ],
)
def test_deploy_image_refuses_unpinned_images_before_any_request(
    client: CoolifyClient, fake: FakeCoolify, reference: str, error: type[Exception]
) -> None:
    with pytest.raises(error):
        client.deploy_image(APP, ImageReference.parse(reference))
    assert fake.requests == []


def test_deploy_image_on_a_git_application_is_unsupported(
    client: CoolifyClient, fake: FakeCoolify
) -> None:
    fake.add_application("git0000000000000000000001", build_pack="nixpacks")
    with pytest.raises(UnsupportedOperationError) as info:
        client.deploy_image("git0000000000000000000001", IMAGE)
    assert "dockerimage" in info.value.workaround
    assert [r[0] for r in fake.requests] == ["GET"]


def test_wait_follows_queued_in_progress_finished(
    client: CoolifyClient, fake: FakeCoolify, clock: FakeClock
) -> None:
    [result] = client.deploy(APP)
    assert result.deployment_uuid is not None
    done = client.wait_for_deployment(result.deployment_uuid, poll_interval=2.0)
    assert done.status is CoolifyDeploymentStatus.FINISHED
    assert done.is_terminal
    assert clock.sleeps == [2.0]  # in_progress once, then finished
    assert client.application_status(APP).is_healthy


def test_wait_returns_a_failed_deployment(
    fake: FakeCoolify, clock: FakeClock, client: CoolifyClient
) -> None:
    fake.progression = ("queued", "in_progress", "in_progress", "failed")
    [result] = client.deploy(APP)
    assert result.deployment_uuid is not None
    done = client.wait_for_deployment(result.deployment_uuid, poll_interval=1.0)
    assert done.status is CoolifyDeploymentStatus.FAILED
    assert clock.sleeps == [1.0, 1.0]


def test_wait_times_out_with_a_typed_error(
    fake: FakeCoolify, clock: FakeClock, client: CoolifyClient
) -> None:
    fake.progression = ("queued",) + ("in_progress",) * 100
    [result] = client.deploy(APP)
    assert result.deployment_uuid is not None
    with pytest.raises(DeploymentTimeoutError) as info:
        client.wait_for_deployment(result.deployment_uuid, timeout=10.0, poll_interval=3.0)
    assert info.value.deployment_id == result.deployment_uuid
    assert info.value.last_status == "in_progress"
    assert sum(clock.sleeps) == pytest.approx(10.0)


def test_a_just_returned_uuid_that_stays_404_was_not_queued(
    client: CoolifyClient, clock: FakeClock
) -> None:
    with pytest.raises(DeploymentNotQueuedError) as info:
        client.wait_for_deployment(
            "ghost0000000000000000001", not_found_grace=6.0, poll_interval=2.0
        )
    assert isinstance(info.value, NotFoundError)
    assert info.value.deployment_uuid == "ghost0000000000000000001"
    assert "list_application_deployments" in str(info.value)
    assert sum(clock.sleeps) == pytest.approx(6.0)


def test_404_then_found_is_followed(
    client: CoolifyClient, fake: FakeCoolify, clock: FakeClock
) -> None:
    fake.hide_new_deployments = 2
    [result] = client.deploy(APP)
    assert result.deployment_uuid is not None
    done = client.wait_for_deployment(result.deployment_uuid, poll_interval=1.0)
    assert done.status is CoolifyDeploymentStatus.FINISHED
    statuses = [r[1].rsplit("/", 1)[1] for r in fake.requests if "/deployments/" in r[1]]
    assert len(statuses) == 4  # 404, 404, in_progress, finished


def test_deploy_image_is_forced_past_the_duplicate_guard(
    client: CoolifyClient, fake: FakeCoolify
) -> None:
    client.set_image(APP, IMAGE)
    first = client.deploy(APP)[0]  # queued, not followed yet
    done = client.deploy_image_and_wait(APP, IMAGE, poll_interval=0.5)
    assert done.deployment_uuid != first.deployment_uuid  # its own deployment
    assert done.status is CoolifyDeploymentStatus.FINISHED
    deploys = [r[1] for r in fake.requests if "/deploy?" in r[1]]
    assert "force=true" in deploys[-1]


def test_queue_full_429_is_waited_out_with_retry_after(fake: FakeCoolify) -> None:
    fake.queue_full_answers = 1
    sleeps: list[float] = []
    policy = RetryPolicy(sleep=sleeps.append)
    with CoolifyClient(
        BASE, token=TOKEN, transport=fake.transport(), rate_limit=None, retry=policy
    ) as client:
        [result] = client.deploy(APP)
    assert result.queued
    assert sleeps == [60.0]
    assert [r[0] for r in fake.requests] == ["POST", "POST"]


def test_queue_full_beyond_the_retry_cap_raises_rate_limit_error(fake: FakeCoolify) -> None:
    fake.queue_full_answers = 1
    fake.queue_full_retry_after = "600"
    policy = RetryPolicy(sleep=lambda s: None)
    with (
        CoolifyClient(
            BASE, token=TOKEN, transport=fake.transport(), rate_limit=None, retry=policy
        ) as client,
        pytest.raises(RateLimitError) as info,
    ):
        client.deploy(APP)
    assert info.value.retry_after == 600.0
    assert QUEUE_FULL.split(".")[0] in str(info.value)


def test_deploy_is_not_repeated_after_a_server_error(fake: FakeCoolify) -> None:
    fake.fail_next = [500]
    policy = RetryPolicy(sleep=lambda s: None)
    with (
        CoolifyClient(
            BASE, token=TOKEN, transport=fake.transport(), rate_limit=None, retry=policy
        ) as client,
        pytest.raises(ServerError),
    ):
        client.deploy(APP)
    assert len(fake.requests) == 1
    assert fake.deployments == {}


def test_reads_are_retried_after_a_server_error(fake: FakeCoolify) -> None:
    fake.fail_next = [502, 503]
    policy = RetryPolicy(sleep=lambda s: None)
    with CoolifyClient(
        BASE, token=TOKEN, transport=fake.transport(), rate_limit=None, retry=policy
    ) as client:
        assert client.get_application(APP).uuid == APP
    assert len(fake.requests) == 3


# -- compose services -------------------------------------------------------------------------


def test_create_service_sends_canonical_base64_with_list_style_env(
    client: CoolifyClient, fake: FakeCoolify
) -> None:
    result = client.create_service(
        project_uuid="proj0000000000000000001",
        server_uuid="srv0000000000000000001",
        environment_name="production",
        environment_uuid="env00000000000000000001",
        compose=COMPOSE,
        name="web",
        urls={"web": "https://web.example.com"},
    )
    body = json.loads(fake.requests[-1][3])
    raw = body["docker_compose_raw"]
    assert "\n" not in raw
    decoded = base64.b64decode(raw, validate=True).decode()
    assert base64.b64encode(decoded.encode()).decode() == raw
    web_env = yaml.safe_load(decoded)["services"]["web"]["environment"]
    assert web_env == ["SERVICE_URL_WEB_80", "MODE=production"]
    assert result.domains == ("https://web.example.com",)
    assert body["urls"] == [{"name": "web", "url": "https://web.example.com"}]


def test_service_compose_round_trip_reads_plain_yaml(
    client: CoolifyClient, fake: FakeCoolify
) -> None:
    fake.add_service("svc0000000000000000000001", COMPOSE)
    new = COMPOSE.replace("nginx:1.27", "nginx:1.28")
    client.update_service_compose("svc0000000000000000000001", new)
    text = client.get_service_compose("svc0000000000000000000001")
    assert yaml.safe_load(text)["services"]["web"]["image"] == "nginx:1.28"
    message = client.restart_service("svc0000000000000000000001")
    assert "restart" in message.lower()
    assert "latest=true" in fake.requests[-1][1]


def test_invalid_compose_is_refused_before_any_request(
    client: CoolifyClient, fake: FakeCoolify
) -> None:
    with pytest.raises(InvalidValueError, match="services"):
        client.update_service_compose("svc0000000000000000000001", "just: text\n")
    with pytest.raises(InvalidValueError, match="YAML"):
        client.update_service_compose("svc0000000000000000000001", "services: [unclosed\n")
    assert fake.requests == []


def test_set_service_application_url_uses_the_sub_application_endpoint(
    client: CoolifyClient, fake: FakeCoolify
) -> None:
    service = fake.add_service("svc0000000000000000000001", COMPOSE)
    web = service["applications"][0]["uuid"]
    updated = client.set_service_application_url(
        "svc0000000000000000000001", web, ["https://a.example.com", "https://b.example.com:3000"]
    )
    assert updated.fqdn == "https://a.example.com,https://b.example.com:3000"
    patch = next(r for r in fake.requests if r[0] == "PATCH")
    assert patch[1].endswith(f"/services/svc0000000000000000000001/applications/{web}")
    assert json.loads(patch[3]) == {"url": updated.fqdn}


def test_set_service_application_url_falls_back_to_service_urls_before_4_2(
    fake: FakeCoolify, clock: FakeClock
) -> None:
    fake.version = "4.1.3"
    service = fake.add_service("svc0000000000000000000001", COMPOSE)
    web = service["applications"][0]["uuid"]
    transport = checking_transport("coolify", fake.transport())
    with CoolifyClient(BASE, token=TOKEN, transport=transport, rate_limit=None) as client:
        updated = client.set_service_application_url(
            "svc0000000000000000000001", web, "https://a.example.com"
        )
    assert updated.fqdn == "https://a.example.com"
    patch = next(r for r in fake.requests if r[0] == "PATCH")
    assert patch[1].endswith("/services/svc0000000000000000000001")
    assert json.loads(patch[3]) == {"urls": [{"name": "web", "url": "https://a.example.com"}]}
    assert_transport_clean(transport)


@pytest.mark.parametrize("version", ["4.0.0-beta.460", "v4.0.0-beta.420.6"])
def test_domains_on_old_servers_raise_unsupported_with_a_workaround(
    fake: FakeCoolify, version: str
) -> None:
    fake.version = version
    fake.add_service("svc0000000000000000000001", COMPOSE)
    with CoolifyClient(BASE, token=TOKEN, transport=fake.transport(), rate_limit=None) as client:
        with pytest.raises(UnsupportedOperationError) as info:
            client.set_service_application_url(
                "svc0000000000000000000001", "x-web", "https://a.example.com"
            )
        assert "Coolify UI" in info.value.workaround
        with pytest.raises(UnsupportedOperationError):
            client.set_service_urls("svc0000000000000000000001", {"web": "https://a.example.com"})
    assert [r[0] for r in fake.requests] == ["GET"]  # only GET /version, fetched once


def test_set_service_urls(client: CoolifyClient, fake: FakeCoolify) -> None:
    fake.add_service("svc0000000000000000000001", COMPOSE)
    result = client.set_service_urls(
        "svc0000000000000000000001", {"web": "https://w.example.com"}, force_domain_override=True
    )
    assert result.domains == ("https://w.example.com",)
    body = json.loads(fake.requests[-1][3])
    assert body == {
        "urls": [{"name": "web", "url": "https://w.example.com"}],
        "force_domain_override": True,
    }


def test_urls_without_scheme_are_refused(client: CoolifyClient) -> None:
    with pytest.raises(InvalidValueError, match=r"https://a\.example\.com"):
        client.set_service_urls("svc0000000000000000000001", {"web": "a.example.com"})


def test_application_domains_by_build_pack(client: CoolifyClient, fake: FakeCoolify) -> None:
    fake.add_application(
        "cmp0000000000000000000001", build_pack="dockercompose", docker_compose_raw=COMPOSE
    )
    app = client.set_application_domains(APP, "https://new.example.com")
    assert app.fqdn == "https://new.example.com"
    with pytest.raises(UnsupportedOperationError) as info:
        client.set_application_domains("cmp0000000000000000000001", "https://x.example.com")
    assert "set_compose_domains" in info.value.workaround
    client.set_compose_domains("cmp0000000000000000000001", {"web": "https://x.example.com"})
    body = json.loads(fake.requests[-2][3])
    assert body == {"docker_compose_domains": [{"name": "web", "domain": "https://x.example.com"}]}
    with pytest.raises(UnsupportedOperationError, match="compose"):
        client.set_compose_domains(APP, {"web": "https://x.example.com"})


# -- error mapping --------------------------------------------------------------------------------


def test_validation_errors_name_the_field(fake: FakeCoolify) -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        return httpx.Response(
            422,
            json={
                "message": "Validation failed.",
                "errors": {
                    "docker_compose_raw": "The docker_compose_raw should be base64 encoded."
                },
            },
        )

    with (
        CoolifyClient(
            BASE, token=TOKEN, transport=httpx.MockTransport(handler), rate_limit=None
        ) as client,
        pytest.raises(UnprocessableEntityError) as info,
    ):
        client.update_service_compose("svc0000000000000000000001", COMPOSE)
    assert "docker_compose_raw: The docker_compose_raw should be base64 encoded." in str(info.value)


def test_a_malformed_answer_is_a_response_validation_error() -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        return httpx.Response(200, json=[{"name": "no uuid here"}])

    with (
        CoolifyClient(
            BASE, token=TOKEN, transport=httpx.MockTransport(handler), rate_limit=None
        ) as client,
        pytest.raises(APIResponseValidationError, match="'uuid' is missing"),
    ):
        client.list_projects()


# -- the async twin ------------------------------------------------------------------------------


def test_async_client_deploys_and_waits(fake: FakeCoolify) -> None:
    sleeps: list[float] = []

    async def fake_sleep(seconds: float) -> None:
        sleeps.append(seconds)

    async def scenario() -> None:
        transport = async_checking_transport("coolify", fake.transport())
        async with AsyncCoolifyClient(
            BASE, token=TOKEN, transport=transport, rate_limit=None, sleep=fake_sleep
        ) as client:
            assert (await client.version()) == "4.3.10"
            assert [p.name for p in await client.list_projects()] == ["demo"]
            await client.set_env(APP, "MODE", "x")
            done = await client.deploy_image_and_wait(APP, IMAGE, poll_interval=1.5)
            assert done.status is CoolifyDeploymentStatus.FINISHED
            assert (await client.get_application(APP)).image == IMAGE
        assert_transport_clean(transport)

    asyncio.run(scenario())
    assert sleeps == [1.5]
