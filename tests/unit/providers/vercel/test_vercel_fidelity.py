"""Behaviours of the real Vercel server (issue #12), against the faithful fake.

Each test names the server behaviour it depends on; ``tests/_support/fake_vercel.py`` cites the
CLI or SDK source of each one.
"""

from __future__ import annotations

import asyncio
import logging
import random
from typing import Any

import httpx
import pytest

from mosaic_sdk._http import RetryPolicy
from mosaic_sdk.errors import (
    APIStatusError,
    AuthenticationError,
    InvalidValueError,
    NotFoundError,
    PermissionDeniedError,
)
from mosaic_sdk.providers import DeploymentStatus
from mosaic_sdk.providers.vercel import (
    AsyncVercelClient,
    AsyncVercelDeploymentTarget,
    ProtectionBypass,
    ReadyState,
    VercelClient,
    VercelDeploymentTarget,
    VercelEnvVar,
)
from mosaic_sdk.values import ImageReference
from tests._support.fake_http import FakeClock, mock_transport
from tests._support.fake_vercel import BUILD_LOG, DIGEST_A, PROJECT_ID, TEAM_ID, TOKEN, FakeVercel

IMAGE_A = ImageReference.parse(f"ghcr.io/acme/web@{DIGEST_A}")
OLD_ID = "dpl_0000000000000000000000000001"
A_ID = "dpl_0000000000000000000000000002"
BYPASS = "bypass-secret-0123456789abcdefABCDEF"


@pytest.fixture
def fake() -> FakeVercel:
    return FakeVercel()


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


def _client(fake: FakeVercel, clock: FakeClock, **kwargs: Any) -> VercelClient:
    kwargs.setdefault("retry", RetryPolicy(sleep=lambda s: None))
    return VercelClient(
        TOKEN,
        team_id=TEAM_ID,
        transport=mock_transport(fake),
        sleep=clock.sleep,
        clock=clock,
        **kwargs,
    )


def _target(fake: FakeVercel, clock: FakeClock, **kwargs: Any) -> VercelDeploymentTarget:
    kwargs.setdefault("poll_interval", 5)
    return VercelDeploymentTarget(_client(fake, clock), PROJECT_ID, **kwargs)


# -- 9. promote: lastAliasRequest.jobStatus and rolling releases --------------------------------


def test_a_failed_promote_ends_at_once_with_the_failed_aliases(
    fake: FakeVercel, clock: FakeClock
) -> None:
    fake.promote_outcome = "failed"
    fake.failed_aliases = ["shop.example.com", "www.shop.example.com"]
    deployment = _target(fake, clock, promote_timeout=300).deploy(IMAGE_A)
    assert deployment.status is DeploymentStatus.FAILED
    assert "failed" in deployment.detail
    assert "shop.example.com, www.shop.example.com" in deployment.detail
    assert sum(clock.sleeps) <= 10  # not the whole promote_timeout
    listed = [r for r in fake.requests if r.path.endswith("/promote/aliases")]
    assert [r.arg("failedOnly") for r in listed] == ["true"]


def test_a_skipped_promote_ends_at_once(fake: FakeVercel, clock: FakeClock) -> None:
    fake.promote_outcome = "skipped"
    deployment = _target(fake, clock, promote_timeout=300).deploy(IMAGE_A)
    assert deployment.status is DeploymentStatus.FAILED
    assert "skipped" in deployment.detail
    assert OLD_ID in deployment.detail  # production still serves the old deployment
    assert sum(clock.sleeps) <= 10


def test_an_active_rolling_release_is_progress_not_failure(
    fake: FakeVercel, clock: FakeClock
) -> None:
    fake.rolling_release_stages = [10, 50, 100]
    deployment = _target(fake, clock, promote_timeout=60).deploy(IMAGE_A)
    assert deployment.status is DeploymentStatus.SUCCEEDED
    assert "rolling release" in deployment.detail
    assert "10%" in deployment.detail
    assert any(r.path.endswith("/rolling-release") for r in fake.requests)


def test_a_promote_queued_behind_a_rolling_release_is_reported_queued(
    fake: FakeVercel, clock: FakeClock
) -> None:
    fake.rolling_release_stages = [10, 100]
    client = _client(fake, clock)
    client.promote(PROJECT_ID, "dpl_0000000000000000000000000003")  # starts a release
    deployment = VercelDeploymentTarget(client, PROJECT_ID).deploy(IMAGE_A)
    assert deployment.status is DeploymentStatus.QUEUED
    assert "queued" in deployment.detail


def test_the_wait_ignores_an_older_job_of_another_deployment(
    fake: FakeVercel, clock: FakeClock
) -> None:
    fake.last_alias_request = {
        "fromDeploymentId": "dpl_x",
        "toDeploymentId": OLD_ID,
        "jobStatus": "failed",
        "requestedAt": 1,
        "type": "promote",
    }
    deployment = _target(fake, clock).deploy(IMAGE_A)
    assert deployment.succeeded, deployment.detail


def test_wait_for_promotion_on_the_client(fake: FakeVercel, clock: FakeClock) -> None:
    fake.promote_outcome = "failed"
    client = _client(fake, clock)
    client.promote(PROJECT_ID, A_ID)
    outcome = client.wait_for_promotion(PROJECT_ID, A_ID, timeout=60, poll_interval=1)
    assert not outcome.ok
    assert [a.alias for a in outcome.failed_aliases] == ["shop.example.com"]


# -- 10. aliases: 409 already assigned, cert_missing ----------------------------------------------


def test_an_alias_already_on_that_deployment_is_success(fake: FakeVercel, clock: FakeClock) -> None:
    client = _client(fake, clock)
    first = client.assign_alias(A_ID, "shop.example.com")
    again = client.assign_alias(A_ID, "shop.example.com")
    assert (again.uid, again.alias) == (first.uid, "shop.example.com")


def test_cert_missing_issues_a_certificate_and_retries(fake: FakeVercel, clock: FakeClock) -> None:
    fake.uncertified = {"shop.example.com"}
    assigned = _client(fake, clock).assign_alias(A_ID, "shop.example.com")
    assert assigned.alias == "shop.example.com"
    assert fake.certs == [["shop.example.com"]]


def test_cert_missing_after_issuing_is_a_typed_error(fake: FakeVercel, clock: FakeClock) -> None:
    fake.uncertified = {"shop.example.com"}
    client = _client(fake, clock)
    with pytest.raises(APIStatusError, match="certificate") as info:
        client.assign_alias(A_ID, "shop.example.com", issue_cert=False)
    assert "cert_missing" in str(info.value)
    assert fake.certs == []


# -- 11. error shapes, 429 jitter, credential advice -----------------------------------------------


def test_the_err_body_shape_is_read(fake: FakeVercel, clock: FakeClock) -> None:
    fake.err_shape = True
    with pytest.raises(NotFoundError, match="HTTP 404 not_found: Deployment not found"):
        _client(fake, clock).get_deployment("dpl_missing")


def test_429_retries_add_random_skew(
    fake: FakeVercel, clock: FakeClock, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(random, "uniform", lambda low, high: high / 2)
    fake.rate_limited_requests = 1
    fake.rate_limit_reset_in = 3.0
    waits: list[float] = []
    client = VercelClient(TOKEN, team_id=TEAM_ID, transport=mock_transport(fake))
    client._http.retry = RetryPolicy(sleep=waits.append, retry_after_jitter=30.0)
    assert client.get_project("shop").name == "shop"
    assert waits == [pytest.approx(3.0 + 15.0)]


def test_the_default_policy_adds_the_cli_skew() -> None:
    client = VercelClient(TOKEN)
    assert client._http.retry.retry_after_jitter == 30.0
    assert client._http.retry.max_retry_after == 60.0
    mine = VercelClient(TOKEN, retry=RetryPolicy(max_retries=5))
    assert mine._http.retry.retry_after_jitter == 30.0
    assert mine._http.retry.max_retries == 5


def test_an_invalid_token_says_how_to_fix_it(fake: FakeVercel, clock: FakeClock) -> None:
    fake.token = "vcp_another0token0value0000000000000"
    with pytest.raises(PermissionDeniedError) as info:
        _client(fake, clock).get_project("shop")
    message = str(info.value)
    assert "VERCEL_TOKEN" in message
    assert "https://vercel.com/account/tokens" in message
    assert TOKEN not in message


def test_a_wrong_team_says_how_to_fix_the_scope(fake: FakeVercel, clock: FakeClock) -> None:
    client = VercelClient(TOKEN, team_id="team_other", transport=mock_transport(fake))
    with pytest.raises(PermissionDeniedError) as info:
        client.get_project("shop")
    assert "team_other" in str(info.value)
    assert "VERCEL_TEAM_ID" in str(info.value)


def test_every_401_says_how_to_fix_the_credential() -> None:
    body = {"error": {"code": "unauthorized", "message": "Unauthorized"}}
    transport = httpx.MockTransport(lambda r: httpx.Response(401, json=body))
    client = VercelClient(TOKEN, transport=transport, retry=RetryPolicy.none())
    with pytest.raises(AuthenticationError) as info:
        client.get_project("shop")
    assert "VERCEL_TOKEN" in str(info.value)
    assert "https://vercel.com/account/tokens" in str(info.value)
    assert "team" in str(info.value)


# -- constructor shape ----------------------------------------------------------------------


def test_everything_after_the_token_is_keyword_only() -> None:
    with pytest.raises(TypeError):
        VercelClient(TOKEN, TEAM_ID)  # type: ignore[misc]
    with pytest.raises(TypeError):
        AsyncVercelClient(TOKEN, TEAM_ID)  # type: ignore[misc]


def test_a_url_where_the_token_belongs_is_refused() -> None:
    with pytest.raises(InvalidValueError, match="looks like a URL") as info:
        VercelClient("https://api.vercel.com")
    assert "VERCEL_TOKEN" in str(info.value)


def test_from_env(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("VERCEL_TOKEN", TOKEN)
    monkeypatch.delenv("VERCEL_TEAM_ID", raising=False)
    monkeypatch.setenv("VERCEL_ORG_ID", "team_fromorg")
    with VercelClient.from_env() as client:
        assert client.team_id == "team_fromorg"
    monkeypatch.setenv("VERCEL_TEAM_ID", TEAM_ID)
    client = AsyncVercelClient.from_env(base_url="https://api.vercel.com")
    assert client.team_id == TEAM_ID
    asyncio.run(client.aclose())
    monkeypatch.delenv("VERCEL_TOKEN")
    with pytest.raises(Exception, match="VERCEL_TOKEN"):
        VercelClient.from_env()


# -- what users reach for next --------------------------------------------------------------------


def test_a_failed_build_carries_its_last_build_lines(fake: FakeVercel, clock: FakeClock) -> None:
    fake.build_steps = ["BUILDING", "ERROR"]
    client = _client(fake, clock)
    created = client.create_deployment("shop", redeploy_of=A_ID)
    failed = client.wait_for_deployment(created.id, poll_interval=1)
    assert failed.ready_state is ReadyState.ERROR
    assert failed.build_log == tuple(BUILD_LOG)
    events = [r for r in fake.requests if r.path.endswith("/events")]
    assert [(r.arg("direction"), r.arg("limit")) for r in events] == [("backward", "20")]
    lines = client.build_events(created.id, limit=2)
    assert [e.text for e in lines] == BUILD_LOG[-2:]


def test_cancel_a_building_deployment(fake: FakeVercel, clock: FakeClock) -> None:
    fake.build_steps = ["BUILDING"] * 5
    client = _client(fake, clock)
    created = client.create_deployment("shop", redeploy_of=A_ID)
    canceled = client.cancel_deployment(created.id)
    assert canceled.ready_state is ReadyState.CANCELED
    assert fake.requests[-1].method == "PATCH"
    assert client.get_deployment(created.id).ready_state is ReadyState.CANCELED


def test_env_edit_delete_and_pages(fake: FakeVercel, clock: FakeClock) -> None:
    client = _client(fake, clock)
    client.upsert_env("shop", [VercelEnvVar(f"K{n}", "v") for n in range(5)])
    fake.env_page_size = 2
    listed = client.list_env("shop")
    assert sorted(v.key for v in listed) == ["K0", "K1", "K2", "K3", "K4"]
    assert len([r for r in fake.requests if r.method == "GET"]) == 3
    k1 = next(v for v in listed if v.key == "K1")
    edited = client.edit_env("shop", k1.id, value="new-secret-value-000", target=("preview",))
    assert edited.target == ("preview",)
    assert fake.requests[-1].json() == {"value": "new-secret-value-000", "target": ["preview"]}
    removed = client.delete_env("shop", k1.id)
    assert removed.key == "K1"
    assert "K1" not in {e["key"] for e in fake.envs}
    with pytest.raises(InvalidValueError):
        client.edit_env("shop", k1.id)


def test_all_deployment_pages_are_followed(fake: FakeVercel, clock: FakeClock) -> None:
    found = _client(fake, clock).list_all_deployments(PROJECT_ID, target="production", limit=1)
    assert [d.meta["version"] for d in found] == ["2.3.4", "1.0.0", "0.9.0"]


def test_health_checks_pass_deployment_protection(
    fake: FakeVercel, clock: FakeClock, caplog: pytest.LogCaptureFixture
) -> None:
    fake.protection_secret = BYPASS
    caplog.set_level(logging.DEBUG)
    target = _target(
        fake,
        clock,
        health_path="/api/health",
        protection_bypass=ProtectionBypass(BYPASS),
        health_transport=mock_transport(fake),
    )
    deployment = target.deploy(IMAGE_A)
    assert deployment.succeeded, deployment.detail
    probes = [r for r in fake.requests if r.path == "/api/health"]
    assert probes
    assert probes[-1].headers["x-vercel-protection-bypass"] == BYPASS
    assert "authorization" not in probes[-1].headers  # the API token stays with the API
    assert target.status().healthy
    assert BYPASS not in caplog.text
    assert BYPASS not in repr(target)


def test_a_protected_deployment_without_the_bypass_fails_with_the_fix(
    fake: FakeVercel, clock: FakeClock
) -> None:
    fake.protection_secret = BYPASS
    target = _target(
        fake,
        clock,
        health_path="/api/health",
        health_timeout=10,
        health_transport=mock_transport(fake),
    )
    deployment = target.deploy(IMAGE_A)
    assert deployment.status is DeploymentStatus.FAILED
    assert "401" in deployment.detail
    assert "protection_bypass" in deployment.detail


def test_async_target_reads_the_job_status_too(fake: FakeVercel, clock: FakeClock) -> None:
    fake.promote_outcome = "failed"

    async def main() -> DeploymentStatus:
        async with AsyncVercelClient(
            TOKEN, team_id=TEAM_ID, transport=mock_transport(fake), sleep=clock.asleep, clock=clock
        ) as client:
            target = AsyncVercelDeploymentTarget(client, PROJECT_ID, promote_timeout=300)
            return (await target.deploy(IMAGE_A)).status

    assert asyncio.run(main()) is DeploymentStatus.FAILED
    assert sum(clock.sleeps) <= 10


def test_async_target_probes_with_the_bypass(fake: FakeVercel, clock: FakeClock) -> None:
    fake.protection_secret = BYPASS

    async def main() -> tuple[DeploymentStatus, bool]:
        async with AsyncVercelClient(
            TOKEN, team_id=TEAM_ID, transport=mock_transport(fake), sleep=clock.asleep, clock=clock
        ) as client:
            target = AsyncVercelDeploymentTarget(
                client,
                PROJECT_ID,
                health_path="/api/health",
                protection_bypass=ProtectionBypass(BYPASS),
                health_transport=mock_transport(fake),
            )
            deployment = await target.deploy(IMAGE_A)
            return deployment.status, (await target.status()).healthy

    assert asyncio.run(main()) == (DeploymentStatus.SUCCEEDED, True)
    probes = [r for r in fake.requests if r.path == "/api/health"]
    assert probes
    assert all(r.headers["x-vercel-protection-bypass"] == BYPASS for r in probes)
    assert all("authorization" not in r.headers for r in probes)
