"""release() is safe to repeat: a retried job is a no-op, a broken rollback is a result,
bad configuration is refused before anything deploys, and the idle slot never takes the
slot that holds the previous production release while the other is empty."""

from __future__ import annotations

from pathlib import Path

import pytest

from mosaic_sdk.errors import ConfigurationError
from mosaic_sdk.observability import MetricQuery, MetricReading
from mosaic_sdk.providers import ComposeFileTarget, Deployment, DeploymentStatus
from mosaic_sdk.release import (
    AutoRollback,
    Canary,
    HealthCheck,
    MetricGate,
    PostDeployValidation,
    ReleaseEvidence,
    ReleaseOutcome,
    ReleaseResult,
    SmokeTest,
    Verdict,
    release,
)
from mosaic_sdk.values import ImageReference
from tests._support.release_fakes import Scripted, SplitTarget, World


class Ratios:
    """A MetricsSource returning one scripted error ratio."""

    source_name = "scripted ratios"

    def __init__(self, value: float) -> None:
        self.value = value

    def evaluate(self, query: MetricQuery) -> MetricReading:
        return MetricReading(query=query.promql, value=self.value, series=(((), self.value),))


URLS = {"blue": "http://blue.test", "green": "http://green.test"}


@pytest.fixture
def world(tmp_path: Path) -> World:
    (tmp_path / "app").mkdir()
    (tmp_path / "repo").mkdir()
    return World(tmp_path / "app")


def bg(world: World, image: ImageReference, verdict: Verdict, **kwargs: object) -> ReleaseResult:
    return release(
        image,
        validation=PostDeployValidation([Scripted(verdict)]),
        promotion=world.promotion,
        slots=kwargs.pop("slots", world.slots),  # type: ignore[arg-type]
        base_url=URLS,
        **kwargs,  # type: ignore[arg-type]
    )


def test_a_retried_release_of_the_live_digest_is_a_noop(world: World, tmp_path: Path) -> None:
    bg(world, world.to_testing("good1"), Verdict.PASSED)  # prod -> blue
    second = world.to_testing("good2")
    bg(world, second, Verdict.PASSED)  # prod -> green, blue keeps good1
    evidence = ReleaseEvidence(tmp_path / "repo", issue=14, short_name="web")
    again = bg(world, second, Verdict.PASSED, evidence=evidence)  # the retried CI job
    assert again.noop
    assert again.released
    assert again.outcome is ReleaseOutcome.RELEASED
    assert "already live, nothing to do" in again.summary()
    assert again.active_slot == "green"
    assert again.promotions == ()
    assert again.evidence is None
    # blue still holds the previous release, so switching back stays possible
    assert world.registry.resolve("team/web", "blue") == world.good1.digest
    assert world.slots["blue"].running().digest == world.good1.digest
    assert not (tmp_path / "repo" / "docs").exists()


def test_a_retried_canary_of_the_stable_digest_is_a_noop(world: World) -> None:
    stable = world.image("good1")
    target = SplitTarget(stable)
    result = release(
        stable,
        validation=PostDeployValidation([Scripted(Verdict.PASSED)]),
        strategy=Canary(
            gates=[MetricGate.error_ratio(Ratios(0.0), max_ratio=0.05, on_no_data="fail")],
            auto_rollback=AutoRollback(),
        ),
        target=target,
    )
    assert result.noop
    assert result.released
    assert target.calls == []


class BreaksOnRollback:
    """A slot target whose second deploy (the rollback's redeploy) fails."""

    def __init__(self, inner: ComposeFileTarget) -> None:
        self.inner = inner
        self.name = inner.name
        self.deploys = 0

    def deploy(self, image: ImageReference) -> Deployment:
        self.deploys += 1
        if self.deploys == 1:
            return self.inner.deploy(image)
        return Deployment(
            "d-rollback", self.name, image, DeploymentStatus.FAILED, detail="disk full"
        )

    def __getattr__(self, name: str) -> object:
        return getattr(self.inner, name)


def test_a_rollback_that_cannot_proceed_is_a_failed_result_with_evidence(
    world: World, tmp_path: Path
) -> None:
    bg(world, world.to_testing("good1"), Verdict.PASSED)  # prod -> blue
    bg(world, world.to_testing("good2"), Verdict.PASSED)  # prod -> green, blue keeps good1
    slots = {"blue": BreaksOnRollback(world.slots["blue"]), "green": world.slots["green"]}
    evidence = ReleaseEvidence(tmp_path / "repo", issue=14, short_name="web")
    result = bg(world, world.to_testing("bad"), Verdict.FAILED, slots=slots, evidence=evidence)
    assert isinstance(result, ReleaseResult)
    assert result.outcome is ReleaseOutcome.FAILED
    assert result.error is not None
    assert "ended failed: disk full" in result.error
    failed = next(s for s in result.steps if s.name == "roll back slot blue")
    assert failed.status == "failed"
    assert "prod stays on green" in failed.detail
    assert world.registry.resolve("team/web", "prod") == world.good2.digest  # never switched
    assert result.evidence is not None
    assert "**BLOCKED**" in (tmp_path / "repo" / "docs" / "TASKS.md").read_text()
    assert "rollback failed" in evidence.scratchpad_path.read_text()


@pytest.mark.parametrize(
    ("check", "base_url"),
    [
        (HealthCheck("{base_url}/health"), ""),
        (HealthCheck("{base_url}/health"), {"blue": "http://blue.test"}),
        (SmokeTest("smoke", steps=["/api/cart"]), ""),
    ],
    ids=["no-base-url", "one-slot-missing", "relative-smoke-path"],
)
def test_a_missing_base_url_is_refused_before_anything_deploys(
    world: World, tmp_path: Path, check: object, base_url: object
) -> None:
    image = world.to_testing("good1")
    evidence = ReleaseEvidence(tmp_path / "repo", issue=14, short_name="web")
    with pytest.raises(ConfigurationError, match="needs a base URL") as caught:
        release(
            image,
            validation=PostDeployValidation([check]),  # type: ignore[list-item]
            promotion=world.promotion,
            slots=world.slots,
            base_url=base_url,  # type: ignore[arg-type]
            evidence=evidence,
        )
    assert "Nothing was deployed" in str(caught.value)
    assert world.promotion.current("blue") is None
    assert world.slots["blue"].running().digest is None
    assert not (tmp_path / "repo" / "docs").exists()  # no BLOCKED entry


def test_the_idle_slot_is_never_the_one_holding_the_previous_prod_release(world: World) -> None:
    good1, good2 = world.to_testing("good1"), world.to_testing("good2")
    world.promotion.deploy_to_idle_slot(good1.digest, force=True)  # blue = good1
    world.promotion.switch("blue")  # prod = blue = good1
    world.promotion.promote(good2.digest, to="prod", force=True)  # a hotfix straight to prod
    state = world.promotion.slots()
    assert (state.active, state.blue, state.green) == (None, good1.digest, None)
    assert state.idle == "green"
    record = world.promotion.deploy_to_idle_slot(good2.digest, force=True)
    assert record.tag == "green"
    assert world.registry.resolve("team/web", "blue") == good1.digest
