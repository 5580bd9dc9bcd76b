"""Vercel Rolling Releases (issue #16): the client calls, the fake's state machine and
the traffic splitter built on them.

Every request is checked against the published spec (``../shared/specs``) where the path
is in it; ``rolling-release/config`` PATCH (no body documented) and ``/start`` (CLI only)
are exempt with their sources named in ``tests/_support/provider_specs.py``.
``tests/_support/fake_vercel.py`` cites the CLI source of each server behaviour.
"""

from __future__ import annotations

import asyncio
import json
from typing import Any

import httpx
import pytest

from mosaic_sdk.errors import (
    BadRequestError,
    ConfigurationError,
    InvalidValueError,
    TrafficSplitMismatchError,
)
from mosaic_sdk.providers import AsyncTrafficSplitter, DeploymentStatus, TrafficSplitter
from mosaic_sdk.providers.vercel import (
    AsyncVercelClient,
    AsyncVercelRollingReleaseTarget,
    VercelClient,
    VercelDeploymentTarget,
    VercelRollingReleaseTarget,
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
from tests._support.provider_specs import Exempting

OLD_ID = "dpl_0000000000000000000000000001"
A_ID = "dpl_0000000000000000000000000002"
IMAGE_A = ImageReference.parse(f"ghcr.io/acme/web@{DIGEST_A}")
STABLE = Digest.parse(DIGEST_OLD)
CANDIDATE = Digest.parse(DIGEST_A)


@pytest.fixture
def fake() -> FakeVercel:
    return FakeVercel()


@pytest.fixture
def transport(fake: FakeVercel) -> Exempting:
    return Exempting("vercel", mock_transport(fake))


@pytest.fixture
def client(transport: Exempting) -> VercelClient:
    clock = FakeClock()
    return VercelClient(TOKEN, team_id=TEAM_ID, transport=transport, sleep=clock.sleep, clock=clock)


@pytest.fixture
def splitter(client: VercelClient) -> VercelRollingReleaseTarget:
    client.configure_rolling_release(PROJECT_ID, [10, 25, 50])
    return VercelRollingReleaseTarget(client, PROJECT_ID)


def _bodies(transport: Exempting, suffix: str) -> list[Any]:
    return [
        json.loads(r.content) if r.content else None
        for r in transport.sent
        if r.url.path.endswith(suffix)
    ]


def _changes(transport: Exempting) -> list[str]:
    return [f"{r.method} {r.url.path}" for r in transport.sent if r.method != "GET"]


# -- client calls and the fake's state machine -----------------------------------------------


def test_configure_sends_the_cli_body_and_reads_the_stages_back(
    client: VercelClient, transport: Exempting
) -> None:
    config = client.configure_rolling_release(PROJECT_ID, [10, 50])
    assert config is not None
    assert config.percentages == (10, 50, 100)
    assert config.manual
    assert _bodies(transport, "/rolling-release/config")[0] == {
        "enabled": True,
        "advancementType": "manual-approval",
        "stages": [{"targetPercentage": 10}, {"targetPercentage": 50}, {"targetPercentage": 100}],
    }
    transport.assert_clean()


def test_automatic_stages_carry_their_duration(client: VercelClient, transport: Exempting) -> None:
    config = client.configure_rolling_release(
        PROJECT_ID, [5, 100], advancement_type="automatic", duration=15
    )
    assert config is not None
    assert not config.manual
    assert config.stages[0].duration == 15
    assert _bodies(transport, "/rolling-release/config")[0]["stages"] == [
        {"targetPercentage": 5, "duration": 15},
        {"targetPercentage": 100},
    ]


@pytest.mark.parametrize(
    ("stages", "kwargs", "words"),
    [
        ([], {}, "at least one stage"),
        ([0, 50], {}, "from 1 to 99"),
        ([50, 10], {}, "ascending"),
        ([10, 10], {}, "ascending"),
        ([10], {"advancement_type": "automatic"}, "duration"),
        ([10], {"duration": 5}, "manual-approval stages take no duration"),
        ([10], {"advancement_type": "linear"}, "advancement type"),
    ],
)
def test_a_malformed_config_is_refused_before_any_request(
    client: VercelClient,
    transport: Exempting,
    stages: list[int],
    kwargs: dict[str, Any],
    words: str,
) -> None:
    with pytest.raises(InvalidValueError, match=words):
        client.configure_rolling_release(PROJECT_ID, stages, **kwargs)
    assert transport.sent == []


def test_disable_turns_the_config_off(client: VercelClient) -> None:
    client.configure_rolling_release(PROJECT_ID, [10])
    client.disable_rolling_release(PROJECT_ID)
    assert client.get_rolling_release_config(PROJECT_ID) is None


def test_promote_starts_a_release_at_the_first_stage_and_approve_moves_one_forward(
    client: VercelClient, fake: FakeVercel, transport: Exempting
) -> None:
    client.configure_rolling_release(PROJECT_ID, [10, 25])
    client.promote(PROJECT_ID, A_ID)
    release = client.get_rolling_release(PROJECT_ID)
    assert release is not None
    assert (release.state, release.active_stage_index, release.active_percentage) == (
        "ACTIVE",
        0,
        10.0,
    )
    assert (release.canary_deployment_id, release.current_deployment_id) == (A_ID, OLD_ID)
    assert release.advancement_type == "manual-approval"
    assert fake.production_id == OLD_ID  # the rest of the traffic stays on production
    moved = client.approve_rolling_release_stage(PROJECT_ID, A_ID, 1)
    assert moved is not None
    assert moved.active_percentage == 25.0
    assert _bodies(transport, "/approve-stage") == [
        {"nextStageIndex": 1, "canaryDeploymentId": A_ID}
    ]
    transport.assert_clean()


def test_approving_the_final_stage_completes_the_release(
    client: VercelClient, fake: FakeVercel
) -> None:
    client.configure_rolling_release(PROJECT_ID, [10])
    client.promote(PROJECT_ID, A_ID)
    done = client.approve_rolling_release_stage(PROJECT_ID, A_ID, 1)
    assert done is not None
    assert done.state == "COMPLETE"
    assert fake.production_id == A_ID


def test_the_fake_refuses_a_skipped_stage_or_a_wrong_canary(client: VercelClient) -> None:
    client.configure_rolling_release(PROJECT_ID, [10, 25, 50])
    client.promote(PROJECT_ID, A_ID)
    with pytest.raises(BadRequestError, match="nextStageIndex must be 1"):
        client.approve_rolling_release_stage(PROJECT_ID, A_ID, 2)
    with pytest.raises(BadRequestError, match="not the active canary"):
        client.complete_rolling_release(PROJECT_ID, OLD_ID)


def test_complete_and_abort_end_the_release(client: VercelClient, fake: FakeVercel) -> None:
    client.configure_rolling_release(PROJECT_ID, [10])
    client.promote(PROJECT_ID, A_ID)
    completed = client.complete_rolling_release(PROJECT_ID, A_ID)
    assert completed is not None
    assert completed.state == "COMPLETE"
    assert fake.production_id == A_ID
    client.promote(PROJECT_ID, "dpl_0000000000000000000000000003")
    client.rollback(PROJECT_ID, A_ID)
    aborted = client.get_rolling_release(PROJECT_ID)
    assert aborted is not None
    assert aborted.state == "ABORTED"
    assert fake.production_id == A_ID


def test_start_follows_the_cli(client: VercelClient, transport: Exempting) -> None:
    client.configure_rolling_release(PROJECT_ID, [10])
    client.start_rolling_release(PROJECT_ID, A_ID)
    release = client.get_rolling_release(PROJECT_ID)
    assert release is not None
    assert release.canary_deployment_id == A_ID
    assert _bodies(transport, "/rolling-release/start") == [{"canaryDeploymentId": A_ID}]
    assert "POST ^/v1/projects/[^/]+/rolling-release/start$" in transport.exempted


def test_approve_is_not_retried(fake: FakeVercel) -> None:
    # A repeated approval could skip a stage, so a 503 is raised, not retried.
    calls: list[str] = []

    def handler(request: httpx.Request) -> httpx.Response:
        calls.append(request.url.path)
        if request.url.path.endswith("/approve-stage"):
            return httpx.Response(503, json={"error": {"code": "x", "message": "down"}})
        return mock_transport(fake).handle_request(request)

    clock = FakeClock()
    client = VercelClient(
        TOKEN,
        team_id=TEAM_ID,
        transport=httpx.MockTransport(handler),
        sleep=clock.sleep,
        clock=clock,
    )
    client.configure_rolling_release(PROJECT_ID, [10, 50])
    client.promote(PROJECT_ID, A_ID)
    with pytest.raises(Exception, match="down"):
        client.approve_rolling_release_stage(PROJECT_ID, A_ID, 1)
    assert sum(p.endswith("/approve-stage") for p in calls) == 1


# -- the traffic splitter -------------------------------------------------------------------


def test_the_splitter_is_a_traffic_splitter_and_the_plain_target_is_not(
    client: VercelClient,
) -> None:
    rolling = VercelRollingReleaseTarget(client, PROJECT_ID)
    plain = VercelDeploymentTarget(client, PROJECT_ID)
    assert rolling.supports_traffic_split
    assert isinstance(rolling, TrafficSplitter)
    assert not plain.supports_traffic_split
    assert not isinstance(plain, TrafficSplitter)


def test_deploy_without_rolling_releases_is_refused_before_the_promote(
    client: VercelClient, transport: Exempting, fake: FakeVercel
) -> None:
    target = VercelRollingReleaseTarget(client, PROJECT_ID)
    with pytest.raises(ConfigurationError) as caught:
        target.deploy(IMAGE_A)
    message = str(caught.value)
    assert "no rolling releases configured" in message
    assert "configure_rolling_release" in message
    assert "vercel rolling-release configure" in message
    assert _changes(transport) == []
    assert fake.production_id == OLD_ID


def test_a_timer_driven_config_is_refused(client: VercelClient, transport: Exempting) -> None:
    client.configure_rolling_release(PROJECT_ID, [10], advancement_type="automatic", duration=5)
    target = VercelRollingReleaseTarget(client, PROJECT_ID)
    with pytest.raises(ConfigurationError, match="on a timer"):
        target.deploy(IMAGE_A)
    assert _changes(transport) == ["PATCH /v1/projects/" + PROJECT_ID + "/rolling-release/config"]


def test_set_traffic_walks_the_stages_and_completes(
    splitter: VercelRollingReleaseTarget, fake: FakeVercel, transport: Exempting
) -> None:
    deployment = splitter.deploy(IMAGE_A)
    assert deployment.status is DeploymentStatus.SUCCEEDED
    assert splitter.running().digest == STABLE  # the stable release keeps serving
    splitter.set_traffic({STABLE: 90, CANDIDATE: 10})  # already the first stage
    assert _bodies(transport, "/approve-stage") == []
    splitter.set_traffic({STABLE: 50, CANDIDATE: 50})  # two approvals, in order
    assert [b["nextStageIndex"] for b in _bodies(transport, "/approve-stage")] == [1, 2]
    assert fake.rolling_release is not None
    assert fake.rolling_release["activeStage"]["targetPercentage"] == 50
    splitter.set_traffic({CANDIDATE: 100})
    assert _bodies(transport, "/rolling-release/complete") == [{"canaryDeploymentId": A_ID}]
    assert splitter.running().digest == CANDIDATE
    transport.assert_clean()


def test_stable_100_aborts_through_instant_rollback(
    splitter: VercelRollingReleaseTarget, fake: FakeVercel, transport: Exempting
) -> None:
    splitter.deploy(IMAGE_A)
    splitter.set_traffic({STABLE: 75, CANDIDATE: 25})
    splitter.set_traffic({STABLE: 100, CANDIDATE: 0})
    assert f"POST /v1/projects/{PROJECT_ID}/rollback/{OLD_ID}" in _changes(transport)
    assert fake.rolling_release is not None
    assert fake.rolling_release["state"] == "ABORTED"
    assert splitter.running().digest == STABLE
    splitter.set_traffic({STABLE: 100})  # nothing in flight: production already serves it
    assert sum("/rollback/" in c for c in _changes(transport)) == 1


@pytest.mark.parametrize("weight", [5, 20, 75, 99])
def test_a_weight_that_is_not_a_stage_names_the_stages_and_changes_nothing(
    splitter: VercelRollingReleaseTarget, fake: FakeVercel, transport: Exempting, weight: int
) -> None:
    splitter.deploy(IMAGE_A)
    before = _changes(transport)
    with pytest.raises(InvalidValueError) as caught:
        splitter.set_traffic({STABLE: 100 - weight, CANDIDATE: weight})
    message = str(caught.value)
    assert str(weight) in message
    assert "[10, 25, 50]" in message
    assert "configure_rolling_release" in message
    assert _changes(transport) == before
    assert fake.rolling_release is not None
    assert fake.rolling_release["activeStage"]["targetPercentage"] == 10


def test_stages_only_advance(splitter: VercelRollingReleaseTarget, transport: Exempting) -> None:
    splitter.deploy(IMAGE_A)
    splitter.set_traffic({STABLE: 50, CANDIDATE: 50})
    before = _changes(transport)
    with pytest.raises(InvalidValueError, match="only advance"):
        splitter.set_traffic({STABLE: 90, CANDIDATE: 10})
    assert _changes(transport) == before


def test_a_digest_outside_the_release_is_refused(splitter: VercelRollingReleaseTarget) -> None:
    splitter.deploy(IMAGE_A)
    with pytest.raises(InvalidValueError, match="not in the rolling release"):
        splitter.set_traffic({STABLE: 90, Digest.parse(DIGEST_B): 10})
    with pytest.raises(InvalidValueError, match="add up to 110"):
        splitter.set_traffic({STABLE: 100, CANDIDATE: 10})


def test_a_split_without_a_release_in_flight_is_refused(
    splitter: VercelRollingReleaseTarget,
) -> None:
    with pytest.raises(InvalidValueError, match="deploy the candidate first"):
        splitter.set_traffic({STABLE: 90, CANDIDATE: 10})


def test_a_stage_that_did_not_move_is_a_mismatch_not_a_pass(
    splitter: VercelRollingReleaseTarget, fake: FakeVercel, monkeypatch: pytest.MonkeyPatch
) -> None:
    splitter.deploy(IMAGE_A)
    # Another writer (or a lost approval): the server answers 200 but the stage stays.
    monkeypatch.setattr(fake, "_move_to", lambda index: None)
    with pytest.raises(TrafficSplitMismatchError) as caught:
        splitter.set_traffic({STABLE: 75, CANDIDATE: 25})
    assert caught.value.expected == {"canary": 25}
    assert caught.value.actual == {"canary": 10}


def test_a_release_aborted_behind_the_splitter_is_a_mismatch(
    splitter: VercelRollingReleaseTarget, client: VercelClient, fake: FakeVercel
) -> None:
    splitter.deploy(IMAGE_A)
    real_approve = fake._approve_rr

    def abort_then_approve(request: Any, project_id: str) -> Any:
        answer = real_approve(request, project_id)
        fake._finish("ABORTED", OLD_ID)  # someone rolled back in the dashboard
        return answer

    fake._approve_rr = abort_then_approve  # type: ignore[method-assign]
    with pytest.raises(TrafficSplitMismatchError, match="ABORTED"):
        splitter.set_traffic({STABLE: 75, CANDIDATE: 25})


def test_the_async_splitter_walks_the_same_stages(fake: FakeVercel) -> None:
    transport = Exempting("vercel", mock_transport(fake))

    async def main() -> None:
        clock = FakeClock()

        async def sleep(seconds: float) -> None:
            clock.sleep(seconds)

        async with AsyncVercelClient(
            TOKEN, team_id=TEAM_ID, transport=transport, sleep=sleep, clock=clock
        ) as client:
            await client.configure_rolling_release(PROJECT_ID, [10, 25, 50])
            target = AsyncVercelRollingReleaseTarget(client, PROJECT_ID)
            assert isinstance(target, AsyncTrafficSplitter)
            assert (await target.deploy(IMAGE_A)).succeeded
            await target.set_traffic({STABLE: 75, CANDIDATE: 25})
            await target.set_traffic({CANDIDATE: 100})
            assert (await target.running()).digest == CANDIDATE

    asyncio.run(main())
    assert [b["nextStageIndex"] for b in _bodies(transport, "/approve-stage")] == [1]
    transport.assert_clean()
