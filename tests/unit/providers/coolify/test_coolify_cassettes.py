"""Response handling against vcrpy cassettes shaped like the real Coolify v4 API.

The cassettes in ``tests/cassettes/coolify`` were written by hand from the published
spec (v4.3.10) and ``research/providers.md`` section 1 (no live instance was recorded):
full ``Application`` objects with fields the spec does not list, ``/version`` as plain
text, ``POST /deploy`` in both answer shapes, the duplicate guard, a deployment going
``queued`` -> ``in_progress`` -> ``finished``, ``X-RateLimit-*`` headers, Laravel's
throttle 429 and the deploy-queue-full 429. They replay with ``record_mode="none"`` and
match on the request body too, so the exact JSON the client sends (canonical base64
included) is part of the check. ``Authorization`` is filtered should anyone re-record;
:func:`test_no_cassette_holds_a_secret` scans every cassette of the repository.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
import vcr
import yaml

from mosaic_sdk._http import RetryPolicy
from mosaic_sdk.errors import AuthenticationError, UnprocessableEntityError
from mosaic_sdk.providers import DeploymentStatus, TargetState
from mosaic_sdk.providers.coolify import (
    CoolifyClient,
    CoolifyDeploymentStatus,
    CoolifyDeploymentTarget,
    DeploymentNotQueuedError,
)
from mosaic_sdk.values import ImageReference
from tests._spec import assert_transport_clean, checking_transport

CASSETTES = Path(__file__).resolve().parents[3] / "cassettes"
BASE = "https://coolify.example.com"
# A placeholder: the cassettes hold no credential, this never leaves the test process.
TOKEN = "1|cassette-placeholder-not-a-token"
APP = "m0k4s8w0c8g4o8sc0kcsw8k0"
SERVICE = "x8cgg0k4wk0wsc4gk8ws0wk4"
SUB_APP = "s4o4k0ck8kg4w8cgwo0s0gkw"
DIGEST_HEX = "3f1c1b2a5d7e9f8a6b4c2d0e1f3a5b7c9d8e6f4a2b0c1d3e5f7a9b8c6d4e2f0a"
IMAGE = ImageReference.parse(f"ghcr.io/acme/shop@sha256:{DIGEST_HEX}")
COMPOSE = f"""\
services:
  web:
    image: ghcr.io/acme/shop@sha256:{DIGEST_HEX}
    environment:
      - SERVICE_URL_WEB_8080
      - MODE=production
  cache:
    image: redis:7.4
"""

REPLAY = vcr.VCR(
    cassette_library_dir=str(CASSETTES / "coolify"),
    record_mode="none",
    match_on=["method", "scheme", "host", "port", "path", "query", "body"],
    filter_headers=["authorization"],
)


class Clock:
    """Monotonic time that moves only when the client sleeps (and records the sleeps)."""

    def __init__(self) -> None:
        self.now = 0.0
        self.sleeps: list[float] = []

    def __call__(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        self.now += seconds


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def sleeps(clock: Clock) -> list[float]:
    return clock.sleeps


@pytest.fixture
def client(clock: Clock) -> Iterator[CoolifyClient]:
    transport = checking_transport("coolify", httpx.HTTPTransport())
    with CoolifyClient(
        BASE,
        TOKEN,
        transport=transport,
        rate_limit=None,
        retry=RetryPolicy(sleep=clock.sleep),
        sleep=clock.sleep,
        clock=clock,
    ) as client:
        yield client
    assert_transport_clean(transport)


def test_reads_every_resource_kind(client: CoolifyClient) -> None:
    with REPLAY.use_cassette("read_resources.yaml") as cassette:
        assert client.version() == "4.3.10"
        [project] = client.list_projects()
        environment = client.get_environment(project.uuid, "production")
        [app] = client.list_applications()
        [summary] = client.list_services()
        service = client.get_service(SERVICE)
    assert cassette.all_played
    assert (project.name, environment.name) == ("shop", "production")
    assert environment.uuid == "k8o0gw4s0cw8wsk4g4oo8w0c"
    assert app.build_pack == "dockerimage"
    assert str(app.image) == "ghcr.io/acme/shop:v1.4.0"
    assert app.status.is_healthy
    assert summary.applications == ()  # the list endpoint does not embed containers
    assert [a.name for a in service.applications] == ["web", "cache"]
    assert service.docker_compose_raw is not None
    assert "SERVICE_URL_WEB_8080" in service.docker_compose_raw  # plain YAML, not base64


def test_deploy_by_digest_through_the_target(client: CoolifyClient, sleeps: list[float]) -> None:
    target = CoolifyDeploymentTarget(client, APP, poll_interval=2.0)
    with REPLAY.use_cassette("deploy_by_digest.yaml") as cassette:
        deployment = target.deploy(IMAGE)
        running = target.running()
        status = target.status()
    assert cassette.all_played
    assert deployment.status is DeploymentStatus.SUCCEEDED
    assert deployment.id == "w8ok8w0c4o4kws8gkw0go4gs"
    assert deployment.started_at is not None
    assert deployment.finished_at is not None
    assert (deployment.finished_at - deployment.started_at).total_seconds() == 40
    assert running.digest == IMAGE.digest
    assert status.state is TargetState.HEALTHY
    assert sleeps == [2.0, 2.0]  # queued, in_progress, then finished


def test_deploy_by_tag_answer_shape(client: CoolifyClient) -> None:
    with REPLAY.use_cassette("deploy_by_tag.yaml"):
        first, second = client.deploy(tag="storefront")
    assert first.queued
    assert first.deployment_uuid == "w8ok8w0c4o4kws8gkw0go4gs"
    assert not second.queued
    assert second.deployment_uuid is None  # Coolify's ghost uuid is dropped


def test_env_bulk_upsert_and_list(client: CoolifyClient) -> None:
    with REPLAY.use_cassette("envs.yaml") as cassette:
        written = client.upsert_envs(APP, {"APP_MODE": "production", "LOG_LEVEL": "info"})
        listed = client.list_envs(APP)
    assert cassette.all_played
    assert [e.key for e in written] == ["APP_MODE", "LOG_LEVEL"]
    assert [(e.key, e.is_preview) for e in listed] == [
        ("APP_MODE", False),
        ("LOG_LEVEL", False),
        ("APP_MODE", True),
    ]


def test_compose_service_round_trip_and_container_url(client: CoolifyClient) -> None:
    with REPLAY.use_cassette("compose_service.yaml") as cassette:
        current = client.get_service_compose(SERVICE)
        result = client.update_service_compose(SERVICE, COMPOSE)
        client.restart_service(SERVICE)
        web = client.set_service_application_url(SERVICE, SUB_APP, "https://shop.example.com:8080")
    assert cassette.all_played  # the PATCH body matched: canonical base64 of COMPOSE
    assert yaml.safe_load(current)["services"]["cache"]["image"] == "redis:7.4"
    assert result.domains == ("https://web-x8cgg0k4.example.com:8080",)
    assert web.fqdn == "https://shop.example.com:8080"


def test_error_shapes(client: CoolifyClient, sleeps: list[float]) -> None:
    with REPLAY.use_cassette("errors.yaml") as cassette:
        with pytest.raises(AuthenticationError, match="Unauthenticated"):
            client.list_projects()
        with pytest.raises(UnprocessableEntityError, match="docker_compose_raw: The docker"):
            client.update_service_compose(SERVICE, COMPOSE)
        with pytest.raises(DeploymentNotQueuedError):
            client.wait_for_deployment(
                "q4c0ko0w8sc8w4o4cswgs8kk", not_found_grace=0.5, poll_interval=1.0
            )
        assert client.get_application(APP).uuid == APP  # after a throttle 429
        [queued] = client.deploy(APP)  # after a deploy-queue-full 429
    assert cassette.all_played
    assert queued.deployment_uuid == "w8ok8w0c4o4kws8gkw0go4gs"
    assert 2.0 in sleeps  # throttle Retry-After
    assert 60.0 in sleeps  # queue-full Retry-After


def test_wait_reports_the_coolify_statuses_in_order(client: CoolifyClient) -> None:
    with REPLAY.use_cassette("deploy_by_digest.yaml", allow_playback_repeats=False):
        result = client.deploy_image(APP, IMAGE)
        assert result.deployment_uuid is not None
        seen = [client.get_deployment(result.deployment_uuid).status for _ in range(3)]
    assert seen == [
        CoolifyDeploymentStatus.QUEUED,
        CoolifyDeploymentStatus.IN_PROGRESS,
        CoolifyDeploymentStatus.FINISHED,
    ]


# -- hygiene -------------------------------------------------------------------------------

_SECRET_PATTERNS = [
    re.compile(r"(?i)^\s*(authorization|x-api-key|x-vault-token|cookie|set-cookie):"),
    re.compile(r"(?i)bearer\s+[a-z0-9|._-]{8,}"),
    re.compile(r"\b\d+\|[A-Za-z0-9]{20,}\b"),  # Sanctum token: <id>|<40 chars>
    re.compile(r"ptr_[A-Za-z0-9+/=]{8,}"),
    re.compile(r"\bhvs\.[A-Za-z0-9_-]{20,}"),  # Vault service token
    # Secret-named JSON fields with a value, except the "cassette-..." placeholders the
    # Vault cassettes store on purpose (tests/_secret_guard.py) and scrubbed values.
    re.compile(
        r'"(password|repositoryPassword|token|secret|client_token|http_basic_auth_password)"'
        r'\s*:\s*"(?!cassette-|REDACTED"|\*\*\*")[^"]+'
    ),
    re.compile(r"(?i)placeholder-not-a-token"),
]


def _all_cassettes() -> list[Path]:
    return sorted(CASSETTES.rglob("*.yaml"))


def test_the_coolify_cassettes_are_there() -> None:
    names = {p.name for p in _all_cassettes() if p.parent.name == "coolify"}
    assert {"deploy_by_digest.yaml", "errors.yaml", "compose_service.yaml"} <= names


@pytest.mark.parametrize("path", _all_cassettes(), ids=lambda p: f"{p.parent.name}/{p.name}")
def test_no_cassette_holds_a_secret(path: Path) -> None:
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        for pattern in _SECRET_PATTERNS:
            assert not pattern.search(line), (
                f"{path.parent.name}/{path.name}:{number} looks like a secret: {line.strip()[:80]}"
            )


@pytest.mark.parametrize(
    "leak",
    [
        "      Authorization:\n      - Bearer 1|abcdefghijklmnopqrstuvwxyz0123456789",
        '      string: \'{"token": "s3cr3t"}\'',
        "      - 12|AbCdEfGhIjKlMnOpQrStUvWxYz",
    ],
)
def test_the_secret_scan_would_catch_a_leak(leak: str) -> None:
    assert any(p.search(line) for p in _SECRET_PATTERNS for line in leak.splitlines())
