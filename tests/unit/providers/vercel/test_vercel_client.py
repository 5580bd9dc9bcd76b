"""VercelClient and AsyncVercelClient against the in-process fake (MockTransport).

Every test using the ``vercel`` fixture runs once per twin.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from typing import Any

import httpx
import pytest

from mosaic_sdk._http import HTTPResponse, RetryPolicy
from mosaic_sdk.errors import (
    APIStatusError,
    BadRequestError,
    ConfigurationError,
    DeploymentTimeoutError,
    InvalidValueError,
    NotFoundError,
    PermissionDeniedError,
    RateLimitError,
)
from mosaic_sdk.providers.vercel import (
    AsyncVercelClient,
    GitSource,
    ReadyState,
    VercelClient,
    VercelEnvVar,
    rate_limit_wait,
)
from tests._support.fake_http import FakeClock, mock_transport
from tests._support.fake_vercel import DIGEST_A, PROJECT_ID, TEAM_ID, TOKEN, FakeVercel


class Twin:
    retry_sleeps: list[float]

    def __init__(self, mode: str, **kwargs: Any) -> None:
        self.mode = mode
        cls = VercelClient if mode == "sync" else AsyncVercelClient
        self.client: Any = cls(TOKEN, team_id=TEAM_ID, **kwargs)

    def __getattr__(self, name: str) -> Callable[..., Any]:
        method = getattr(self.client, name)
        if self.mode == "sync":
            return method  # type: ignore[no-any-return]
        return lambda *a, **k: asyncio.run(method(*a, **k))


@pytest.fixture
def fake() -> FakeVercel:
    return FakeVercel()


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture(params=["sync", "async"])
def vercel(request: pytest.FixtureRequest, fake: FakeVercel, clock: FakeClock) -> Twin:
    retry_sleeps: list[float] = []

    async def async_retry_sleep(seconds: float) -> None:
        retry_sleeps.append(seconds)

    twin = Twin(
        request.param,
        transport=mock_transport(fake),
        sleep=clock.sleep if request.param == "sync" else clock.asleep,
        clock=clock,
        retry=RetryPolicy(sleep=retry_sleeps.append, async_sleep=async_retry_sleep),
    )
    twin.retry_sleeps = retry_sleeps
    return twin


# -- auth and scope --------------------------------------------------------------------------


def test_bearer_token_and_team_scope_on_every_call(vercel: Twin, fake: FakeVercel) -> None:
    vercel.get_project(PROJECT_ID)
    vercel.list_deployments(PROJECT_ID)
    vercel.promote(PROJECT_ID, "dpl_0000000000000000000000000002")
    vercel.list_env("shop")
    assert len(fake.requests) == 4
    for request in fake.requests:
        assert request.headers["authorization"] == f"Bearer {TOKEN}"
        assert request.arg("teamId") == TEAM_ID


def test_personal_account_sends_no_team(clock: FakeClock) -> None:
    fake = FakeVercel(team_id=None)
    client = VercelClient(TOKEN, transport=mock_transport(fake))
    client.get_project("shop")
    assert "teamId" not in fake.requests[-1].query


def test_wrong_team_is_permission_denied(fake: FakeVercel) -> None:
    client = VercelClient(TOKEN, team_id="team_other", transport=mock_transport(fake))
    with pytest.raises(PermissionDeniedError, match="HTTP 403 forbidden"):
        client.get_project("shop")


def test_configuration_and_repr() -> None:
    with pytest.raises(InvalidValueError, match="is empty"):
        VercelClient("")
    with pytest.raises(ConfigurationError, match="team id"):
        VercelClient(TOKEN, team_id=" ")
    with pytest.raises(ConfigurationError, match="not a team id"):
        VercelClient(TOKEN, team_id=5)  # type: ignore[arg-type]
    with pytest.raises(InvalidValueError, match="white space") as info:
        VercelClient(TOKEN[:10] + " " + TOKEN[10:])
    assert TOKEN[10:] not in str(info.value)
    with pytest.raises(ConfigurationError, match="scheme"):
        VercelClient(TOKEN, base_url="api.vercel.com")
    client = VercelClient(TOKEN, team_id=TEAM_ID)
    assert TOKEN not in repr(client)
    assert client.base_url == "https://api.vercel.com"
    client.close()


# -- deployments -----------------------------------------------------------------------------


def test_create_deployment_body(vercel: Twin, fake: FakeVercel) -> None:
    deployment = vercel.create_deployment(
        "shop",
        project=PROJECT_ID,
        target="production",
        git_source=GitSource.github("acme", "shop", "main", "c" * 40),
        meta={"imageDigest": DIGEST_A, "version": "1.0.0"},
        force_new=True,
    )
    request = fake.requests[-1]
    assert request.path == "/v13/deployments"
    assert request.arg("forceNew") == "1"
    assert request.json() == {
        "name": "shop",
        "project": PROJECT_ID,
        "target": "production",
        "gitSource": {
            "type": "github",
            "org": "acme",
            "repo": "shop",
            "ref": "main",
            "sha": "c" * 40,
        },
        "meta": {"imageDigest": DIGEST_A, "version": "1.0.0"},
    }
    assert deployment.ready_state is ReadyState.QUEUED
    assert deployment.meta["imageDigest"] == DIGEST_A


def test_create_from_files_and_redeploy(vercel: Twin, fake: FakeVercel) -> None:
    vercel.create_deployment("shop", files={"index.html": "<h1>hi</h1>", "logo.png": b"\x89PNG"})
    files = fake.requests[-1].json()["files"]
    assert files == [
        {"file": "index.html", "data": "<h1>hi</h1>", "encoding": "utf-8"},
        {"file": "logo.png", "data": "iVBORw==", "encoding": "base64"},
    ]
    vercel.create_deployment("shop", redeploy_of="dpl_1", with_latest_commit=True)
    body = fake.requests[-1].json()
    assert body["deploymentId"] == "dpl_1"
    assert body["withLatestCommit"] is True


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        ({}, "exactly one source"),
        ({"redeploy_of": "dpl_1", "files": {"a": "b"}}, "exactly one source"),
        ({"redeploy_of": "dpl_1", "meta": {"k": 1}}, "strings"),
        ({"redeploy_of": "dpl_1", "meta": {str(i): "v" for i in range(101)}}, "at most 100"),
        ({"files": {"/etc/passwd": "x"}}, "relative"),
    ],
)
def test_create_rejects_bad_input_before_io(
    vercel: Twin, fake: FakeVercel, kwargs: dict[str, Any], match: str
) -> None:
    with pytest.raises(InvalidValueError, match=match):
        vercel.create_deployment("shop", **kwargs)
    assert fake.requests == []


def test_get_by_id_or_url(vercel: Twin) -> None:
    by_id = vercel.get_deployment("dpl_0000000000000000000000000001")
    by_url = vercel.get_deployment(by_id.url)
    assert by_url.id == by_id.id
    with pytest.raises(NotFoundError, match="HTTP 404 not_found: Deployment not found"):
        vercel.get_deployment("dpl_missing")


def test_wait_follows_queued_building_ready(
    vercel: Twin, fake: FakeVercel, clock: FakeClock
) -> None:
    created = vercel.create_deployment("shop", redeploy_of="dpl_1")
    ready = vercel.wait_for_deployment(created.id, poll_interval=2.0)
    assert ready.ready_state is ReadyState.READY
    assert clock.sleeps == [2.0]
    states = [r.path for r in fake.requests if r.method == "GET"]
    assert len(states) == 2


def test_wait_returns_a_failed_build(vercel: Twin, fake: FakeVercel) -> None:
    fake.build_steps = ["BUILDING", "ERROR"]
    created = vercel.create_deployment("shop", redeploy_of="dpl_1")
    failed = vercel.wait_for_deployment(created.id)
    assert failed.ready_state is ReadyState.ERROR
    assert failed.error_code == "BUILD_FAILED"
    assert "npm run build" in (failed.error_message or "")


def test_wait_times_out(vercel: Twin, fake: FakeVercel, clock: FakeClock) -> None:
    fake.build_steps = ["BUILDING"] * 50
    created = vercel.create_deployment("shop", redeploy_of="dpl_1")
    with pytest.raises(DeploymentTimeoutError, match="still BUILDING after 12s") as info:
        vercel.wait_for_deployment(created.id, timeout=12, poll_interval=5)
    assert (info.value.deployment_id, info.value.last_status) == (created.id, "BUILDING")
    assert sum(clock.sleeps) == pytest.approx(12.0)


def test_list_deployments_and_pages(vercel: Twin, fake: FakeVercel) -> None:
    page = vercel.list_deployments(PROJECT_ID, target="production", state=ReadyState.READY, limit=2)
    request = fake.requests[-1]
    assert request.path == "/v6/deployments"
    assert {k: v[0] for k, v in request.query.items()} == {
        "projectId": PROJECT_ID,
        "target": "production",
        "state": "READY",
        "limit": "2",
        "teamId": TEAM_ID,
    }
    assert len(page.deployments) == 2
    assert page.next_until is not None
    rest = vercel.list_deployments(PROJECT_ID, target="production", until=page.next_until)
    assert [d.meta["version"] for d in rest.deployments] == ["0.9.0"]
    assert rest.next_until is None
    with pytest.raises(InvalidValueError, match="limit"):
        vercel.list_deployments(limit=0)


def test_promote_and_rollback(vercel: Twin, fake: FakeVercel) -> None:
    target_id = "dpl_0000000000000000000000000003"
    assert vercel.promote(PROJECT_ID, target_id) is None
    assert fake.requests[-1].path == f"/v10/projects/{PROJECT_ID}/promote/{target_id}"
    vercel.get_project(PROJECT_ID)  # the promotion lands asynchronously
    assert vercel.get_project(PROJECT_ID).production.id == target_id
    vercel.rollback(PROJECT_ID, "dpl_0000000000000000000000000001", description="bad release")
    assert fake.requests[-1].arg("description") == "bad release"
    assert vercel.get_project(PROJECT_ID).production.id == "dpl_0000000000000000000000000001"


def test_aliases(vercel: Twin) -> None:
    dep = "dpl_0000000000000000000000000002"
    first = vercel.assign_alias(dep, "shop.example.com")
    assert first.alias == "shop.example.com"
    assert first.old_deployment_id is None
    moved = vercel.assign_alias("dpl_0000000000000000000000000003", "shop.example.com")
    assert moved.old_deployment_id == dep
    assert [a.alias for a in vercel.list_aliases("dpl_0000000000000000000000000003")] == [
        "shop.example.com"
    ]
    assert vercel.list_aliases(dep) == []


def test_alias_on_a_building_deployment_is_a_bad_request(vercel: Twin) -> None:
    created = vercel.create_deployment("shop", redeploy_of="dpl_1")
    with pytest.raises(BadRequestError, match="deployment_not_ready"):
        vercel.assign_alias(created.id, "shop.example.com")


# -- environment variables -----------------------------------------------------------------


def test_upsert_one_and_many(vercel: Twin, fake: FakeVercel) -> None:
    [one] = vercel.upsert_env("shop", VercelEnvVar("API_URL", "https://api.example.com"))
    request = fake.requests[-1]
    assert request.arg("upsert") == "true"
    assert isinstance(request.json(), dict)
    assert one.key == "API_URL"
    many = vercel.upsert_env(
        "shop",
        [
            VercelEnvVar("A", "1", target=("preview",)),
            VercelEnvVar("B", "2", target=("production",)),
        ],
    )
    assert isinstance(fake.requests[-1].json(), list)
    assert [v.key for v in many] == ["A", "B"]
    assert sorted(v.key for v in vercel.list_env("shop")) == ["A", "API_URL", "B"]


def test_201_with_failed_items_is_an_error(vercel: Twin, fake: FakeVercel) -> None:
    fake.reject_env_keys = {"DB_URL"}
    with pytest.raises(APIStatusError) as info:
        vercel.upsert_env(
            "shop",
            [VercelEnvVar("OK", "1"), VercelEnvVar("DB_URL", "postgres://u:pw-123456@db/x")],
        )
    error = info.value
    assert error.status_code == 201
    assert "DB_URL: ENV_CONFLICT" in str(error)
    assert "pw-123456" not in str(error)
    assert [e["key"] for e in fake.envs] == ["OK"]


def test_upsert_rejects_duplicates_and_empty(vercel: Twin, fake: FakeVercel) -> None:
    with pytest.raises(InvalidValueError, match="twice"):
        vercel.upsert_env("shop", [VercelEnvVar("A", "1"), VercelEnvVar("A", "2")])
    with pytest.raises(InvalidValueError, match="at least one"):
        vercel.upsert_env("shop", [])
    assert fake.requests == []


# -- rate limits -----------------------------------------------------------------------------


def test_429_waits_until_the_reset_then_succeeds(vercel: Twin, fake: FakeVercel) -> None:
    fake.rate_limited_requests = 1
    fake.rate_limit_reset_in = 3.0
    assert vercel.get_project("shop").name == "shop"
    [waited] = vercel.retry_sleeps
    assert 3.0 <= waited <= 3.0 + 30.0  # Retry-After plus the CLI's random skew
    assert len(fake.requests) == 2


def test_429_beyond_the_cap_raises_with_retry_after(vercel: Twin, fake: FakeVercel) -> None:
    fake.rate_limited_requests = 5
    fake.rate_limit_reset_in = 600.0
    with pytest.raises(RateLimitError) as info:
        vercel.get_project("shop")
    assert info.value.retry_after is not None
    assert 590 < info.value.retry_after <= 600
    assert "rate_limited" in str(info.value)
    assert len(fake.requests) == 1
    assert vercel.retry_sleeps == []


def _response(body: Any, headers: dict[str, str] | None = None) -> HTTPResponse:
    raw = httpx.Response(429, json=body, headers=headers or {})
    return HTTPResponse(
        status_code=429, headers=raw.headers, content=raw.content, url="u", method="GET"
    )


@pytest.mark.parametrize(
    ("body", "headers", "expected"),
    [
        (
            {"error": {"code": "rate_limited", "limit": {"reset": 1010, "resetMs": 1012500}}},
            {},
            12.5,
        ),
        ({"error": {"code": "rate_limited", "limit": {"reset": 1010, "total": 5}}}, {}, 10.0),
        ({"status": 429, "code": "too_many_requests", "retryAfter": {"value": 7}}, {}, 7.0),
        ({"status": 429, "code": "too_many_requests", "limit": {"reset": 1004}}, {}, 4.0),
        ({"error": {"code": "rate_limited"}}, {"X-RateLimit-Reset": "1030"}, 30.0),
        ({"error": {"code": "rate_limited", "limit": {"reset": 900}}}, {}, 0.0),
        ({"error": {"code": "rate_limited"}}, {}, None),
    ],
)
def test_rate_limit_wait_shapes(body: Any, headers: dict[str, str], expected: float | None) -> None:
    assert rate_limit_wait(_response(body, headers), now=1000.0) == expected


def test_rate_limit_wait_uses_wall_time() -> None:
    reset = time.time() + 20
    wait = rate_limit_wait(_response({"error": {"limit": {"reset": int(reset)}}}))
    assert wait is not None
    assert 15 < wait <= 20


def test_error_message_of_non_json_bodies() -> None:
    transport = httpx.MockTransport(lambda r: httpx.Response(502, text="Bad gateway"))
    client = VercelClient(TOKEN, transport=transport, retry=RetryPolicy.none())
    with pytest.raises(APIStatusError, match="HTTP 502: Bad gateway"):
        client.get_project("shop")
