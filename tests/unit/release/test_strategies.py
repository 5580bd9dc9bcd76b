"""release() with BlueGreen and Canary over InMemoryRegistry, ComposeFileTarget slots and
an in-memory traffic splitter."""

from __future__ import annotations

from pathlib import Path

import pytest

from mosaic_sdk.errors import ConfigurationError, UnsupportedOperationError, ValidationFailedError
from mosaic_sdk.observability import MetricQuery, MetricReading
from mosaic_sdk.release import (
    AutoRollback,
    BlueGreen,
    Canary,
    MetricGate,
    PostDeployValidation,
    ReleaseEvidence,
    ReleaseOutcome,
    ReleaseResult,
    Verdict,
    release,
)
from mosaic_sdk.values import ImageReference
from tests._support.release_fakes import Scripted, SplitTarget, World


@pytest.fixture
def world(tmp_path: Path) -> World:
    return World(tmp_path)


def passing() -> PostDeployValidation:
    return PostDeployValidation([Scripted(Verdict.PASSED)])


def blue_green(
    world: World,
    image: ImageReference,
    validation: PostDeployValidation,
    **kwargs: object,
) -> ReleaseResult:
    return release(
        image,
        validation=validation,
        promotion=world.promotion,
        slots=world.slots,
        base_url={"blue": "http://blue.test", "green": "http://green.test"},
        **kwargs,  # type: ignore[arg-type]
    )


# -- blue/green ------------------------------------------------------------------------


def test_first_release_goes_to_blue_and_switches_prod(world: World) -> None:
    image = world.to_testing("good1")
    check = Scripted(Verdict.PASSED)
    result = blue_green(world, image, PostDeployValidation([check]))
    assert result.outcome is ReleaseOutcome.RELEASED
    assert result.strategy == "blue-green"
    assert result.active_slot == "blue"
    assert world.registry.resolve("team/web", "prod") == image.digest
    assert world.slots["blue"].running().digest == image.digest
    context = check.contexts[0]
    assert (context.slot, context.base_url, context.target) == (
        "blue",
        "http://blue.test",
        world.slots["blue"],
    )
    assert [s.name for s in result.steps] == [
        "read slots",
        "point slot blue at the candidate",
        "deploy to slot blue",
        "validate the idle slot",
        "switch prod to blue",
    ]
    assert result.version == "v1.0.0-rc.1"
    assert result.raise_for_outcome() is result


def test_second_release_uses_the_other_slot_and_keeps_the_previous(world: World) -> None:
    blue_green(world, world.to_testing("good1"), passing())
    second = world.to_testing("good2")
    result = blue_green(world, second, passing())
    assert result.active_slot == "green"
    assert world.registry.resolve("team/web", "prod") == second.digest
    assert world.registry.resolve("team/web", "blue") == world.good1.digest
    assert world.slots["blue"].running().digest == world.good1.digest
    assert "blue keeps sha256:" in result.steps[-1].detail


def test_failed_validation_never_switches_and_rolls_the_slot_back(
    world: World, tmp_path: Path
) -> None:
    blue_green(world, world.to_testing("good1"), passing())  # prod -> blue
    blue_green(world, world.to_testing("good2"), passing())  # prod -> green, blue keeps good1
    bad = world.to_testing("bad")
    evidence = ReleaseEvidence(tmp_path, issue=5, short_name="web")
    result = blue_green(
        world,
        bad,
        PostDeployValidation([Scripted(Verdict.FAILED, name="error ratio")]),
        evidence=evidence,
    )
    assert result.outcome is ReleaseOutcome.ROLLED_BACK
    assert result.active_slot == "green"
    assert world.registry.resolve("team/web", "prod") == world.good2.digest  # never switched
    assert world.registry.resolve("team/web", "blue") == world.good1.digest  # restored
    assert world.slots["blue"].running().digest == world.good1.digest  # restored and verified
    assert result.rollback is not None
    assert result.rollback.plan.source == "promotion record"
    statuses = {s.name: s.status for s in result.steps}
    assert statuses["validate the idle slot"] == "failed"
    assert statuses["switch prod to blue"] == "skipped"
    assert statuses["roll back slot blue"] == "done"
    assert result.evidence is not None
    assert [p.name for p in result.evidence.paths] == ["TASKS.md", "5-web.md", "CHANGELOG.md"]
    tasks = (tmp_path / "docs" / "TASKS.md").read_text()
    assert "**BLOCKED** `team/web prod`: v1.2.0-rc.1" in tasks
    with pytest.raises(ValidationFailedError, match="rolled_back") as caught:
        result.raise_for_outcome()
    assert caught.value.report is result.report


def test_failed_first_release_is_rejected_with_prod_untouched(world: World, tmp_path: Path) -> None:
    bad = world.to_testing("bad")
    evidence = ReleaseEvidence(tmp_path, issue=5, short_name="web")
    result = blue_green(
        world, bad, PostDeployValidation([Scripted(Verdict.FAILED)]), evidence=evidence
    )
    assert result.outcome is ReleaseOutcome.REJECTED
    assert world.promotion.current("prod") is None
    assert result.rollback is None
    skipped = next(s for s in result.steps if s.name == "roll back slot blue")
    assert skipped.status == "skipped"
    assert "held no release before" in skipped.detail
    assert "did not switch prod" in evidence.scratchpad_path.read_text()


def test_inconclusive_validation_holds(world: World, tmp_path: Path) -> None:
    blue_green(world, world.to_testing("good1"), passing())
    result = blue_green(
        world,
        world.to_testing("good2"),
        PostDeployValidation([Scripted(Verdict.INCONCLUSIVE)]),
        evidence=ReleaseEvidence(tmp_path, issue=5, short_name="web"),
    )
    assert result.outcome is ReleaseOutcome.HELD
    assert world.registry.resolve("team/web", "prod") == world.good1.digest
    assert world.registry.resolve("team/web", "green") == world.good2.digest  # left for a human
    assert "switch prod to green by hand" in (tmp_path / "docs" / "TASKS.md").read_text()


def test_failed_post_switch_validation_switches_back(world: World) -> None:
    blue_green(world, world.to_testing("good1"), passing())
    strategy = BlueGreen(post_switch=PostDeployValidation([Scripted(Verdict.FAILED)]))
    result = blue_green(world, world.to_testing("good2"), passing(), strategy=strategy)
    assert result.outcome is ReleaseOutcome.ROLLED_BACK
    assert result.active_slot == "blue"
    assert world.registry.resolve("team/web", "prod") == world.good1.digest
    assert [r.tag for r in result.promotions] == ["green", "prod", "prod"]


def test_blue_green_says_what_is_missing(world: World) -> None:
    image = world.to_testing("good1")
    with pytest.raises(ConfigurationError, match=r"promotion=Promotion.*missing: green"):
        release(image, validation=passing(), slots={"blue": world.slots["blue"]})


def test_release_refuses_an_unpinned_image(world: World) -> None:
    with pytest.raises(Exception, match="not pinned by digest"):
        release(
            ImageReference.parse("registry.example/team/web:v1.0.0"),
            validation=passing(),
            promotion=world.promotion,
            slots=world.slots,
        )


def test_result_renders(world: World) -> None:
    result = blue_green(world, world.to_testing("good1"), passing())
    text = str(result)
    assert text.splitlines()[0] == "blue-green release of v1.0.0-rc.1: released (prod -> blue)"
    assert "  5. ✔ switch prod to blue: team/web:prod ->" in text
    assert result.to_markdown().startswith("### blue-green release of v1.0.0-rc.1: released")
    assert "<ol>" in result._repr_html_()


# -- canary ----------------------------------------------------------------------------


class Ratios:
    """A MetricsSource returning scripted error ratios."""

    source_name = "scripted ratios"

    def __init__(self, *values: float) -> None:
        self.values = list(values)

    def evaluate(self, query: MetricQuery) -> MetricReading:
        value = self.values.pop(0) if len(self.values) > 1 else self.values[0]
        return MetricReading(query=query.promql, value=value, series=(((), value),))


def gate(*values: float) -> MetricGate:
    return MetricGate.error_ratio(Ratios(*values), max_ratio=0.05, on_no_data="fail")


@pytest.mark.parametrize(
    ("kwargs", "missing"),
    [
        ({}, ["metric gates", "an auto-rollback trigger"]),
        ({"auto_rollback": AutoRollback()}, ["metric gates"]),
        ({"gates": "G"}, ["an auto-rollback trigger"]),
    ],
)
def test_canary_without_gates_or_trigger_says_what_is_missing(
    kwargs: dict[str, object], missing: list[str]
) -> None:
    if kwargs.get("gates") == "G":
        kwargs["gates"] = [gate(0.0)]
    with pytest.raises(ConfigurationError) as caught:
        Canary(**kwargs)  # type: ignore[arg-type]
    message = str(caught.value)
    for item in missing:
        assert item in message
    if len(missing) == 1:
        other = {"metric gates", "an auto-rollback trigger"} - set(missing)
        assert other.pop() not in message


def test_canary_refuses_a_target_that_cannot_split_traffic(world: World) -> None:
    canary = Canary(gates=[gate(0.0)], auto_rollback=AutoRollback())
    with pytest.raises(UnsupportedOperationError) as caught:
        release(
            world.to_testing("good1"),
            validation=passing(),
            strategy=canary,
            target=world.slots["blue"],
        )
    message = str(caught.value)
    assert "cannot split traffic" in message
    assert "workaround: release with BlueGreen()" in message


def test_canary_steps_traffic_and_promotes(world: World) -> None:
    stable = world.image("good1")
    target = SplitTarget(stable)
    candidate = world.to_testing("good2")
    canary = Canary(gates=[gate(0.0)], auto_rollback=AutoRollback(), steps=(10, 50))
    result = release(
        candidate, validation=passing(), strategy=canary, target=target, promotion=world.promotion
    )
    assert result.outcome is ReleaseOutcome.RELEASED
    assert result.traffic == (10, 50, 100)
    s, c = stable.digest, candidate.digest
    assert target.calls == [{s: 90, c: 10}, {s: 50, c: 50}, {c: 100}]
    assert len(result.reports) == 3
    assert all(r.ok for r in result.reports)
    assert world.registry.resolve("team/web", "prod") == candidate.digest


def test_canary_rolls_back_automatically_when_a_gate_fails(world: World, tmp_path: Path) -> None:
    stable = world.image("good1")
    target = SplitTarget(stable)
    candidate = world.image("bad")
    canary = Canary(gates=[gate(0.01, 0.30)], auto_rollback=AutoRollback(), steps=(10, 25, 50))
    result = release(
        candidate,
        validation=passing(),
        strategy=canary,
        target=target,
        evidence=ReleaseEvidence(tmp_path, issue=5, short_name="web"),
    )
    assert result.outcome is ReleaseOutcome.ROLLED_BACK
    assert result.traffic == (10, 25)
    assert target.calls[-1] == {stable.digest: 100}
    assert target.running().digest == stable.digest
    assert result.rollback is not None
    assert "0.3 violates <= 0.05" in result.reports[-1].headline()
    assert "mesh:web" in (tmp_path / "docs" / "TASKS.md").read_text()


def test_inconclusive_canary_holds_when_the_trigger_allows(world: World) -> None:
    target = SplitTarget(world.image("good1"))
    candidate = world.image("good2")
    canary = Canary(
        gates=[gate(0.0)], auto_rollback=AutoRollback(on_inconclusive=False), steps=(10, 50)
    )
    validation = PostDeployValidation([Scripted(Verdict.INCONCLUSIVE)])
    result = release(candidate, validation=validation, strategy=canary, target=target)
    assert result.outcome is ReleaseOutcome.HELD
    assert result.traffic == (10,)
    assert target.weights == {world.good1.digest: 90, candidate.digest: 10}  # left for a human
    assert result.rollback is None


def test_auto_rollback_must_trigger_on_something() -> None:
    with pytest.raises(ConfigurationError, match="never triggers"):
        AutoRollback(on_failed=False, on_inconclusive=False)


# -- the evidence steps every ending records ------------------------------------------------


def _evidence_steps(result: ReleaseResult) -> list[tuple[str, str]]:
    return [(s.name, s.status) for s in result.steps if s.name.startswith("record ")]


def test_each_blue_green_ending_records_its_evidence_once(world: World, tmp_path: Path) -> None:
    def evidence() -> ReleaseEvidence:
        return ReleaseEvidence(tmp_path, issue=5, short_name="web")

    rejected = blue_green(
        world, world.to_testing("bad"), PostDeployValidation([Scripted(Verdict.FAILED)]),
        evidence=evidence(),
    )  # fmt: skip
    released = blue_green(world, world.to_testing("good1"), passing(), evidence=evidence())
    held = blue_green(
        world, world.to_testing("good2"), PostDeployValidation([Scripted(Verdict.INCONCLUSIVE)]),
        evidence=evidence(),
    )  # fmt: skip
    strategy = BlueGreen(post_switch=PostDeployValidation([Scripted(Verdict.FAILED)]))
    switched_back = blue_green(
        world, world.to_testing("good2"), passing(), strategy=strategy, evidence=evidence()
    )
    rolled_back = blue_green(
        world, world.to_testing("bad"), PostDeployValidation([Scripted(Verdict.FAILED)]),
        evidence=evidence(),
    )  # fmt: skip
    outcomes = [r.outcome for r in (rejected, released, held, switched_back, rolled_back)]
    assert outcomes == [
        ReleaseOutcome.REJECTED, ReleaseOutcome.RELEASED, ReleaseOutcome.HELD,
        ReleaseOutcome.ROLLED_BACK, ReleaseOutcome.ROLLED_BACK,
    ]  # fmt: skip
    assert _evidence_steps(released) == [("record release notes", "done")]
    assert released.steps[-1].name == "record release notes"
    assert released.steps[-1].detail == "TASKS.md, 5-web.md, CHANGELOG.md"
    for failed in (rejected, held, switched_back, rolled_back):
        assert _evidence_steps(failed) == [("record evidence", "done")], failed
        assert failed.steps[-1].name == "record evidence", failed
        assert failed.evidence is not None
    assert [s.name for s in rolled_back.steps][-2:] == ["roll back slot blue", "record evidence"]
    assert "CHANGELOG.md" in released.steps[-1].detail


def test_each_canary_ending_records_its_evidence_once(world: World, tmp_path: Path) -> None:
    def run(candidate: str, validation: PostDeployValidation, **options: object) -> ReleaseResult:
        canary = Canary(gates=[gate(0.0)], steps=(10, 50), **options)  # type: ignore[arg-type]
        return release(
            world.image(candidate), validation=validation, strategy=canary,
            target=SplitTarget(world.image("good1")),
            evidence=ReleaseEvidence(tmp_path, issue=5, short_name="web"),
        )  # fmt: skip

    released = run("good2", passing(), auto_rollback=AutoRollback())
    held = run(
        "good2", PostDeployValidation([Scripted(Verdict.INCONCLUSIVE)]),
        auto_rollback=AutoRollback(on_inconclusive=False),
    )  # fmt: skip
    assert released.outcome is ReleaseOutcome.RELEASED
    assert held.outcome is ReleaseOutcome.HELD
    assert _evidence_steps(released) == [("record release notes", "done")]
    assert released.steps[-1].name == "record release notes"
    assert released.evidence is not None
    assert _evidence_steps(held) == [("record evidence", "done")]
    assert held.steps[-1].name == "record evidence"
    assert held.evidence is not None
