"""Rollback: where the previous digest comes from, verification, repeat safety, evidence."""

from __future__ import annotations

from pathlib import Path

import pytest

from mosaic_sdk.errors import ConfigurationError, RollbackError
from mosaic_sdk.providers import ComposeFileTarget, RunningRelease
from mosaic_sdk.release import ReleaseEvidence, Rollback
from mosaic_sdk.values import ImageReference
from tests._support.release_fakes import NAME, World


@pytest.fixture
def world(tmp_path: Path) -> World:
    return World(tmp_path)


def deploy_two(world: World) -> tuple[ImageReference, ImageReference, ComposeFileTarget]:
    """blue runs good1, then bad (both through the registry pointer and the file)."""
    good = world.to_testing("good1")
    bad = world.image("bad")
    blue = world.slots["blue"]
    world.promotion.promote(good.digest, to="blue")
    blue.deploy(good)
    world.promotion.promote(bad.digest, to="testing")
    return good, bad, blue


def test_rollback_from_the_promotion_record_restores_pointer_and_target(world: World) -> None:
    good, bad, blue = deploy_two(world)
    record = world.promotion.promote(bad.digest, to="blue")
    blue.deploy(bad)
    rollback = Rollback(blue, failed=bad, record=record, promotion=world.promotion)
    plan = rollback.plan()
    assert plan.source == "promotion record"
    assert plan.restore == good  # the history entry carries the tag, so the version survives
    assert plan.version == "v1.0.0-rc.1"
    assert "move pointer blue back" in str(plan)
    result = rollback.execute(reason="error ratio too high")
    assert not result.noop
    assert result.running == good.digest
    assert blue.running().digest == good.digest
    assert world.registry.resolve("team/web", "blue") == good.digest
    assert result.pointer_record is not None
    assert result.pointer_record.forced
    assert result.steps[-1] == f"verified {blue.name} runs sha256:{world.good1.digest.short}"


def test_rollback_is_safe_to_repeat(world: World) -> None:
    good, bad, blue = deploy_two(world)
    record = world.promotion.promote(bad.digest, to="blue")
    blue.deploy(bad)
    first = Rollback(blue, failed=bad, record=record, promotion=world.promotion).execute()
    history_len = len(blue.history())
    again = Rollback(blue, failed=bad, record=record, promotion=world.promotion).execute()
    assert not first.noop
    assert again.noop
    assert again.deployment is None
    assert "nothing to roll back (repeat)" in again.message
    assert len(blue.history()) == history_len
    # From the target's history alone, a repeat also finds the same digest.
    third = Rollback(blue, failed=bad).execute()
    assert third.noop
    assert third.plan.restore_digest == good.digest


def test_rollback_from_the_target_history(world: World) -> None:
    good, bad, blue = deploy_two(world)
    blue.deploy(bad)
    plan = Rollback(blue, failed=bad.digest).plan()  # a bare digest: the name comes from the file
    assert plan.source == "target history"
    assert plan.restore_digest == good.digest
    assert plan.pointer is None


def test_nothing_to_roll_back_to(world: World) -> None:
    bad = world.image("bad")
    green = world.slots["green"]
    green.deploy(bad)
    with pytest.raises(RollbackError, match=r"nothing to roll .* back to") as caught:
        Rollback(green, failed=bad).plan()
    assert "pass to=<the last good digest>" in str(caught.value)


def test_explicit_target_digest_and_refusing_the_failed_one(world: World) -> None:
    good, bad, blue = deploy_two(world)
    blue.deploy(bad)
    plan = Rollback(blue, failed=bad, to=good.digest).plan()
    assert (plan.source, plan.restore.name) == ("explicit", NAME)
    with pytest.raises(RollbackError, match="is the failed digest itself"):
        Rollback(blue, failed=bad, to=bad.digest).plan()


def test_a_record_for_another_digest_is_refused(world: World) -> None:
    good, bad, blue = deploy_two(world)
    record = world.promotion.promote(good.digest, to="green", force=True)
    with pytest.raises(ConfigurationError, match="not to the failed"):
        Rollback(blue, failed=bad, record=record)


class Stuck(ComposeFileTarget):
    """A target whose running release never changes (a deploy that did not take)."""

    def running(self) -> RunningRelease:
        return RunningRelease()


def test_verification_failure_says_what_completed(world: World, tmp_path: Path) -> None:
    good, bad, blue = deploy_two(world)
    blue.deploy(bad)
    stuck = Stuck(world.compose, "web-blue")
    with pytest.raises(RollbackError) as caught:
        Rollback(stuck, failed=bad, to=good).execute()
    assert "reports None after the rollback" in str(caught.value)
    assert caught.value.completed_steps[0].startswith("redeployed")


def test_rollback_records_evidence(world: World, tmp_path: Path) -> None:
    _good, bad, blue = deploy_two(world)
    record = world.promotion.promote(bad.digest, to="blue")
    blue.deploy(bad)
    evidence = ReleaseEvidence(tmp_path, issue=5, short_name="web-release")
    result = Rollback(blue, failed=bad, record=record, promotion=world.promotion).execute(
        reason="p95 latency 0.8 s > 0.3 s",
        evidence=evidence,
        deployment="team/web prod",
        release="v1.2.0-rc.1",
        next_step="profile the slow query",
    )
    assert result.evidence is not None
    tasks = (tmp_path / "docs" / "TASKS.md").read_text()
    assert "**BLOCKED** `team/web prod`: v1.2.0-rc.1" in tasks
    assert "Next: profile the slow query." in tasks
    pad = evidence.scratchpad_path.read_text()
    assert "moved pointer blue back to" in pad
    assert f"rolled back to v1.0.0-rc.1 sha256:{world.good1.digest.short} (verified)" in pad
    assert "v1.2.0-rc.1 blocked on `team/web prod`" in (tmp_path / "CHANGELOG.md").read_text()
