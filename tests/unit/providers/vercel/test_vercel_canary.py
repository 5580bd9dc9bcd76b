"""Canary and AsyncCanary through Vercel Rolling Releases (issue #16), on the fake Vercel.

The canary's steps are the project's stages (10, 25, 50, then 100): the promote starts the
rolling release at 10 %, each later step approves the next stage, 100 completes it, and a
failing gate aborts it with an instant rollback to the stable deployment.
"""

from __future__ import annotations

import asyncio

import pytest

from mosaic_sdk.observability import MetricQuery, MetricReading
from mosaic_sdk.providers.vercel import (
    AsyncVercelClient,
    AsyncVercelRollingReleaseTarget,
    VercelClient,
    VercelRollingReleaseTarget,
)
from mosaic_sdk.release import (
    AsyncCanary,
    AsyncPostDeployValidation,
    AutoRollback,
    Canary,
    CheckResult,
    MetricGate,
    PostDeployValidation,
    ReleaseOutcome,
    ValidationContext,
    Verdict,
    arelease,
    release,
)
from mosaic_sdk.values import ImageReference
from tests._support.fake_http import FakeClock, mock_transport
from tests._support.fake_vercel import DIGEST_A, PROJECT_ID, TEAM_ID, TOKEN, FakeVercel
from tests._support.provider_specs import Exempting
from tests._support.release_fakes import Scripted

OLD_ID = "dpl_0000000000000000000000000001"
A_ID = "dpl_0000000000000000000000000002"
CANDIDATE = ImageReference.parse(f"ghcr.io/acme/web:v1.0.0@{DIGEST_A}")


class AsyncPassing(Scripted):
    """A check that passes, awaited by the asynchronous validation."""

    def __init__(self) -> None:
        super().__init__(Verdict.PASSED)

    async def arun(self, context: ValidationContext) -> CheckResult:
        return self.run(context)


class Ratios:
    """A metrics source returning one scripted error ratio per evaluation, recording the
    canary's share of traffic on the fake at each one."""

    source_name = "scripted ratios"

    def __init__(self, fake: FakeVercel, *values: float) -> None:
        self.fake = fake
        self.values = list(values)
        self.shares: list[int] = []

    def evaluate(self, query: MetricQuery) -> MetricReading:
        release = self.fake.rolling_release
        if release is not None and release["state"] == "ACTIVE":
            self.shares.append(int(release["activeStage"]["targetPercentage"]))
        else:
            self.shares.append(100)
        value = self.values.pop(0) if len(self.values) > 1 else self.values[0]
        return MetricReading(query=query.promql, value=value, series=(((), value),))


def _client(fake: FakeVercel, transport: Exempting) -> VercelClient:
    clock = FakeClock()
    client = VercelClient(
        TOKEN, team_id=TEAM_ID, transport=transport, sleep=clock.sleep, clock=clock
    )
    client.configure_rolling_release(PROJECT_ID, [10, 25, 50])
    return client


def _changes(transport: Exempting) -> list[str]:
    return [
        f"{r.method} {r.url.path.rsplit('/', 1)[-1]}" for r in transport.sent if r.method == "POST"
    ]


@pytest.mark.parametrize(
    ("ratios", "outcome", "traffic", "production"),
    [
        ((0.0,), ReleaseOutcome.RELEASED, (10, 25, 50, 100), A_ID),
        ((0.0, 0.30), ReleaseOutcome.ROLLED_BACK, (10, 25), OLD_ID),
    ],
    ids=["promoted", "rolled-back"],
)
def test_a_canary_through_the_vercel_splitter(
    ratios: tuple[float, ...],
    outcome: ReleaseOutcome,
    traffic: tuple[int, ...],
    production: str,
) -> None:
    fake = FakeVercel()
    transport = Exempting("vercel", mock_transport(fake))
    target = VercelRollingReleaseTarget(_client(fake, transport), PROJECT_ID)
    source = Ratios(fake, *ratios)
    gate = MetricGate.error_ratio(source, max_ratio=0.05, on_no_data="fail")
    result = release(
        CANDIDATE,
        validation=PostDeployValidation([Scripted(Verdict.PASSED)]),
        strategy=Canary(gates=[gate], auto_rollback=AutoRollback()),
        target=target,
    )
    assert result.outcome is outcome, result
    assert result.traffic == traffic
    assert source.shares == list(traffic)  # each gate saw Vercel at the share it judged
    assert fake.production_id == production
    assert fake.rolling_release is not None
    if outcome is ReleaseOutcome.RELEASED:
        assert fake.rolling_release["state"] == "COMPLETE"
        assert _changes(transport) == [
            f"POST {A_ID}",  # the promote starts the release at 10 %
            "POST approve-stage",
            "POST approve-stage",
            "POST complete",
        ]
    else:
        assert fake.rolling_release["state"] == "ABORTED"
        assert result.rollback is not None
        assert _changes(transport) == [f"POST {A_ID}", "POST approve-stage", f"POST {OLD_ID}"]
    transport.assert_clean()


@pytest.mark.parametrize("bad", [False, True], ids=["promoted", "rolled-back"])
def test_an_async_canary_through_the_vercel_splitter(bad: bool) -> None:
    fake = FakeVercel()
    transport = Exempting("vercel", mock_transport(fake))
    source = Ratios(fake, 0.30 if bad else 0.0)

    async def main() -> ReleaseOutcome:
        clock = FakeClock()

        async def sleep(seconds: float) -> None:
            clock.sleep(seconds)

        async with AsyncVercelClient(
            TOKEN, team_id=TEAM_ID, transport=transport, sleep=sleep, clock=clock
        ) as client:
            await client.configure_rolling_release(PROJECT_ID, [10, 25, 50])
            gate = MetricGate.error_ratio(source, max_ratio=0.05, on_no_data="fail")
            result = await arelease(
                CANDIDATE,
                validation=AsyncPostDeployValidation([AsyncPassing()]),
                strategy=AsyncCanary(gates=[gate], auto_rollback=AutoRollback()),
                target=AsyncVercelRollingReleaseTarget(client, PROJECT_ID),
            )
            return result.outcome

    outcome = asyncio.run(main())
    assert outcome is (ReleaseOutcome.ROLLED_BACK if bad else ReleaseOutcome.RELEASED)
    assert source.shares == ([10] if bad else [10, 25, 50, 100])
    assert fake.production_id == (OLD_ID if bad else A_ID)
    transport.assert_clean()


def test_canary_steps_that_are_not_stages_stop_before_traffic_moves_further() -> None:
    fake = FakeVercel()
    transport = Exempting("vercel", mock_transport(fake))
    target = VercelRollingReleaseTarget(_client(fake, transport), PROJECT_ID)
    gate = MetricGate.error_ratio(Ratios(fake, 0.0), max_ratio=0.05, on_no_data="fail")
    with pytest.raises(Exception, match=r"only \[10, 25, 50\]"):
        release(
            CANDIDATE,
            validation=PostDeployValidation([Scripted(Verdict.PASSED)]),
            strategy=Canary(gates=[gate], auto_rollback=AutoRollback(), steps=(10, 30)),
            target=target,
        )
    assert fake.rolling_release is not None
    assert fake.rolling_release["activeStage"]["targetPercentage"] == 10
