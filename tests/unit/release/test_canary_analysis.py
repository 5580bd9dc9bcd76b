"""A canary's per-step analysis without servers: Argo's knobs (count, interval, failure
limit, consecutive errors, inconclusive policy), the baseline comparison and its
insufficient-data verdict, the failure policies and the pause/resume/abort round trip."""

from __future__ import annotations

import asyncio
import json
import re
from collections.abc import Callable, Mapping
from pathlib import Path

import pytest

from mosaic_sdk.errors import ConfigurationError, InvalidValueError, MosaicError
from mosaic_sdk.observability import MetricQuery, MetricReading
from mosaic_sdk.release import (
    Analysis,
    AsyncCanary,
    AsyncPostDeployValidation,
    AutoRollback,
    BaselineGate,
    Canary,
    CanaryState,
    CheckResult,
    FailurePolicy,
    MetricGate,
    PostDeployValidation,
    ReleaseOutcome,
    ValidationContext,
    Verdict,
    arelease,
    release,
)
from mosaic_sdk.values import Digest, ImageReference
from tests._support.async_fakes import AsyncTargetView
from tests._support.release_fakes import Scripted, SplitTarget, World

STABLE_VERSION = "v1.0.0-rc.1"
CANARY_VERSION = "v1.1.0-rc.1"


class _Answer:
    def __init__(self, value: float | None) -> None:
        self.value = value

    def first_value(self) -> float | None:
        return self.value


class FakePrometheus:
    """Answers a BaselineGate's PromQL from ``side(version, key, n)``, where ``n``
    numbers the measurements (all queries of one measurement share its instant ``at``);
    a raised MosaicError is a query that could not be evaluated. Any version but the
    stable one is the candidate's."""

    base_url = "http://prometheus.test"
    source_name = "fake prometheus"

    def __init__(self, side: Callable[[bool, str, int], float | None]) -> None:
        self.side = side
        self.n = 0
        self.queries: list[tuple[str, float]] = []

    def query(self, expr: str, *, at: float | None = None) -> _Answer:
        assert at is not None
        if not self.queries or self.queries[-1][1] != at:
            self.n += 1
        self.queries.append((expr, at))
        match = re.search(r'version="([^"]*)"', expr)
        assert match is not None, expr
        candidate = match.group(1) != STABLE_VERSION
        key = (
            "errors"
            if "code=~" in expr
            else ("value" if "histogram_quantile" in expr else "samples")
        )
        return _Answer(self.side(candidate, key, self.n))


def ratios(canary: float, stable: float = 0.0, requests: float = 1000.0) -> FakePrometheus:
    def side(candidate: bool, key: str, n: int) -> float | None:
        ratio = canary if candidate else stable
        return requests if key == "samples" else ratio * requests

    return FakePrometheus(side)


def scripted(kinds: str) -> FakePrometheus:
    """One letter per measurement: ``p`` pass, ``f`` fail (50 % errors), ``i`` too few
    requests, ``e`` query error; the last letter repeats."""

    def side(candidate: bool, key: str, n: int) -> float | None:
        kind = kinds[min(n, len(kinds)) - 1]
        if kind == "e":
            raise MosaicError("prometheus unreachable")
        requests = 10.0 if kind == "i" else 1000.0
        if key == "samples":
            return requests
        return requests * (0.5 if kind == "f" and candidate else 0.0)

    return FakePrometheus(side)


class Sleeps:
    def __init__(self) -> None:
        self.calls: list[float] = []

    def __call__(self, seconds: float) -> None:
        self.calls.append(seconds)


def _canary(source: FakePrometheus, sleeps: Sleeps | None = None, **options: object) -> Canary:
    gate_options = {k: options.pop(k) for k in list(options) if k in ("on_failure", "min_samples")}
    gate = BaselineGate.error_ratio(source, window="30s", **gate_options)  # type: ignore[arg-type]
    return Canary(
        gates=[gate], auto_rollback=AutoRollback(), steps=(10, 50), sleep=sleeps or Sleeps(),
        **options,  # type: ignore[arg-type]
    )  # fmt: skip


def _run(world: World, canary: Canary, which: str = "good2") -> tuple[object, SplitTarget]:
    target = SplitTarget(world.image("good1"))
    result = release(
        world.image(which),
        validation=PostDeployValidation([Scripted(Verdict.PASSED)]),
        strategy=canary,
        target=target,
    )
    return result, target


class AsyncScripted(Scripted):
    """Scripted, awaited."""

    async def arun(self, context: ValidationContext) -> CheckResult:
        await asyncio.sleep(0)
        return self.run(context)


@pytest.fixture
def world(tmp_path: Path) -> World:
    return World(tmp_path)


class AsyncSplitTarget(AsyncTargetView):
    """SplitTarget with its traffic split awaited."""

    supports_traffic_split = True

    async def set_traffic(self, weights: Mapping[Digest, int]) -> None:
        await asyncio.sleep(0)
        self.inner.set_traffic(weights)  # type: ignore[attr-defined]


# -- the baseline comparison ----------------------------------------------------------------


def test_the_baseline_queries_select_each_release_by_its_version_label() -> None:
    gate = BaselineGate.error_ratio(ratios(0.0), window="2m", selector={"job": "web"})
    queries = gate.queries("v2", "abc")
    assert queries["samples"] == 'sum(increase(http_requests_total{job="web",version="v2"}[2m]))'
    assert 'code=~"5.."' in queries["errors"]
    assert queries["errors"].endswith("or vector(0)")  # no errors is 0, not no data
    by_digest = BaselineGate.latency(ratios(0.0), value="{digest}").queries("v2", "abc")
    assert 'version="abc"' in by_digest["value"]
    assert by_digest["value"].startswith("histogram_quantile(0.95, sum by (le)")


@pytest.mark.parametrize(
    ("canary", "stable", "verdict"),
    [
        ({"samples": 1000, "errors": 30}, {"samples": 9000, "errors": 180}, "passed"),  # 3 vs 2 %
        ({"samples": 1000, "errors": 40}, {"samples": 9000, "errors": 180}, "failed"),  # 4 vs 2 %
        ({"samples": 49, "errors": 0}, {"samples": 9000, "errors": 0}, "inconclusive"),
        ({"samples": 1000, "errors": 0}, {"samples": None, "errors": 0}, "inconclusive"),
        ({"samples": 50, "errors": 0}, {"samples": 50, "errors": 0}, "passed"),
    ],
)
def test_the_error_ratio_is_judged_against_the_stable_release(
    canary: dict[str, float | None], stable: dict[str, float | None], verdict: str
) -> None:
    gate = BaselineGate.error_ratio(ratios(0.0), max_increase=0.015)
    kind, sentence = gate.judge(canary, stable)
    assert kind.value == verdict, sentence
    if verdict == "inconclusive":
        assert sentence.startswith("insufficient data")
        assert "needs 50 each" in sentence


def test_a_bad_stable_release_does_not_fail_an_equally_bad_candidate() -> None:
    # A fixed 5 % threshold would fail both; the baseline comparison sees no regression.
    gate = BaselineGate.error_ratio(ratios(0.0), max_increase=0.01)
    kind, _ = gate.judge({"samples": 1000, "errors": 100}, {"samples": 1000, "errors": 95})
    assert kind.value == "passed"


@pytest.mark.parametrize(
    ("canary", "stable", "verdict"),
    [
        (0.30, 0.10, "failed"),
        (0.14, 0.10, "passed"),
        (0.012, 0.004, "passed"),
        (None, 0.1, "inconclusive"),
    ],
)
def test_latency_fails_only_when_slower_by_the_ratio_and_the_delta(
    canary: float | None, stable: float, verdict: str
) -> None:
    gate = BaselineGate.latency(ratios(0.0), max_ratio=1.5, min_delta=0.05)
    kind, _ = gate.judge({"samples": 500, "value": canary}, {"samples": 500, "value": stable})
    assert kind.value == verdict


def test_both_sides_are_measured_at_one_instant(world: World) -> None:
    source = ratios(0.0)
    result, _ = _run(world, _canary(source))
    assert result.outcome is ReleaseOutcome.RELEASED  # type: ignore[attr-defined]
    # 4 queries per measurement (errors and samples, candidate and stable), one `at` each.
    per_measurement = [source.queries[i : i + 4] for i in range(0, len(source.queries), 4)]
    assert len(per_measurement) == 3  # 10 %, 50 %, 100 %
    for group in per_measurement:
        assert len({at for _, at in group}) == 1
        assert {CANARY_VERSION, STABLE_VERSION} == {
            re.search(r'version="([^"]*)"', e).group(1)  # type: ignore[union-attr]
            for e, _ in group
        }


def test_a_bad_candidate_is_caught_by_the_baseline_and_rolled_back(world: World) -> None:
    result, target = _run(world, _canary(ratios(0.5, 0.0)), which="bad")
    assert result.outcome is ReleaseOutcome.ROLLED_BACK  # type: ignore[attr-defined]
    assert result.traffic == (10,)  # type: ignore[attr-defined]
    assert target.calls[-1] == {world.good1.digest: 100}
    assert "candidate 50.00% vs stable 0.00% errors" in result.reports[-1].headline()  # type: ignore[attr-defined]
    timing = result.timing  # type: ignore[attr-defined]
    assert timing is not None
    assert timing.seconds_to_detect is not None
    assert timing.seconds_to_rollback is not None
    assert timing.seconds_to_rollback >= timing.seconds_to_detect


def test_insufficient_data_is_never_a_pass(world: World) -> None:
    canary = _canary(ratios(0.0, requests=20), analysis=Analysis(on_inconclusive="hold"))
    result, target = _run(world, canary)
    assert result.outcome is ReleaseOutcome.HELD  # type: ignore[attr-defined]
    assert result.traffic == (10,)  # type: ignore[attr-defined]
    assert "insufficient data" in result.reports[-1].headline()  # type: ignore[attr-defined]
    assert target.weights[world.image("good2").digest] == 10  # held, not promoted


# -- Argo's knobs ---------------------------------------------------------------------------------


def test_count_and_interval_space_the_measurements(world: World) -> None:
    sleeps = Sleeps()
    source = scripted("p")
    canary = _canary(source, sleeps, analysis=Analysis(count=3, interval=7, initial_delay=2))
    result, _ = _run(world, canary)
    assert result.outcome is ReleaseOutcome.RELEASED  # type: ignore[attr-defined]
    assert source.n == 9  # 3 steps x 3 measurements
    assert sleeps.calls == [2, 7, 7] * 3


def test_failures_within_the_limit_pass_and_one_more_fails(world: World) -> None:
    within = _canary(scripted("fpp"), analysis=Analysis(count=3, failure_limit=1))
    assert _run(world, within)[0].outcome is ReleaseOutcome.RELEASED  # type: ignore[attr-defined]
    source = scripted("fpf")
    over = _canary(source, analysis=Analysis(count=3, failure_limit=1))
    result, _ = _run(world, over)
    assert result.outcome is ReleaseOutcome.ROLLED_BACK  # type: ignore[attr-defined]
    assert "failed (2) > failure_limit (1)" in result.reports[-1].headline()  # type: ignore[attr-defined]


def test_a_gate_is_decided_as_soon_as_it_fails(world: World) -> None:
    source = scripted("f")
    result, _ = _run(world, _canary(source, analysis=Analysis(count=10, interval=60)))
    assert result.outcome is ReleaseOutcome.ROLLED_BACK  # type: ignore[attr-defined]
    assert source.n == 1  # not the nine other measurements


def test_query_errors_count_toward_the_error_limit_and_never_pass(world: World) -> None:
    source = scripted("eee")
    canary = _canary(source, analysis=Analysis(count=5, consecutive_error_limit=2))
    result, _ = _run(world, canary)
    assert result.outcome is ReleaseOutcome.ROLLED_BACK  # type: ignore[attr-defined]
    assert source.n == 3  # the third error in a row exceeds the limit of 2
    headline = result.reports[-1].headline()  # type: ignore[attr-defined]
    assert "3 measurements in a row could not be taken" in headline


def test_errors_under_the_limit_with_no_pass_are_inconclusive(world: World) -> None:
    canary = _canary(
        scripted("ee"),
        analysis=Analysis(count=2, consecutive_error_limit=4, on_inconclusive="hold"),
    )
    result, _ = _run(world, canary)
    assert result.outcome is ReleaseOutcome.HELD  # type: ignore[attr-defined]
    assert "no measurement passed" in result.reports[-1].headline()  # type: ignore[attr-defined]


def test_errors_between_passes_are_tolerated(world: World) -> None:
    canary = _canary(scripted("epep"), analysis=Analysis(count=4, consecutive_error_limit=1))
    assert _run(world, canary)[0].outcome is ReleaseOutcome.RELEASED  # type: ignore[attr-defined]


def test_inconclusive_limit(world: World) -> None:
    tolerant = _canary(
        scripted("ip"), analysis=Analysis(count=2, inconclusive_limit=1, on_inconclusive="hold")
    )
    assert _run(world, tolerant)[0].outcome is ReleaseOutcome.RELEASED  # type: ignore[attr-defined]
    strict = _canary(scripted("ip"), analysis=Analysis(count=2, on_inconclusive="hold"))
    assert _run(world, strict)[0].outcome is ReleaseOutcome.HELD  # type: ignore[attr-defined]


@pytest.mark.parametrize(
    ("policy", "trigger", "outcome"),
    [
        (None, AutoRollback(), ReleaseOutcome.ROLLED_BACK),
        (None, AutoRollback(on_inconclusive=False), ReleaseOutcome.HELD),
        ("rollback", AutoRollback(on_inconclusive=False), ReleaseOutcome.ROLLED_BACK),
        ("hold", AutoRollback(), ReleaseOutcome.HELD),
    ],
)
def test_the_inconclusive_policy_is_explicit(
    world: World, policy: str | None, trigger: AutoRollback, outcome: ReleaseOutcome
) -> None:
    gate = BaselineGate.error_ratio(scripted("i"))
    canary = Canary(
        gates=[gate], auto_rollback=trigger, analysis=Analysis(on_inconclusive=policy),
        sleep=Sleeps(),
    )  # fmt: skip
    assert _run(world, canary)[0].outcome is outcome  # type: ignore[attr-defined]


def test_metric_gates_run_under_the_analysis_too(world: World) -> None:
    class Broken:
        source_name = "broken"

        def evaluate(self, query: MetricQuery) -> MetricReading:
            raise MosaicError("connection refused")

    gate = MetricGate.error_ratio(Broken(), max_ratio=0.05, on_no_data="fail")  # type: ignore[arg-type]
    canary = Canary(
        gates=[gate], auto_rollback=AutoRollback(),
        analysis=Analysis(count=3, consecutive_error_limit=1), sleep=Sleeps(),
    )  # fmt: skip
    result, _ = _run(world, canary)
    assert result.outcome is ReleaseOutcome.ROLLED_BACK  # type: ignore[attr-defined]
    assert "could not be taken" in result.reports[-1].headline()  # type: ignore[attr-defined]


@pytest.mark.parametrize(
    "options",
    [{"count": 0}, {"interval": -1}, {"failure_limit": 1.5}, {"on_inconclusive": "maybe"}],
)
def test_bad_knobs_are_refused(options: dict[str, object]) -> None:
    with pytest.raises(InvalidValueError):
        Analysis(**options)  # type: ignore[arg-type]


def test_flaggers_formula_at_the_same_settings() -> None:
    assert Analysis(interval=60, failure_limit=4).flagger_seconds == 300  # threshold 5


# -- failure policies, pause, resume, abort ---------------------------------------------------


def test_a_pause_policy_needs_a_state_file() -> None:
    with pytest.raises(ConfigurationError, match="state_file="):
        _canary(ratios(0.0), on_failure="pause")


def test_hold_keeps_the_weight(world: World) -> None:
    result, target = _run(world, _canary(ratios(0.5), on_failure="hold"), which="bad")
    assert result.outcome is ReleaseOutcome.HELD  # type: ignore[attr-defined]
    assert target.weights == {world.good1.digest: 90, world.image("bad").digest: 10}


def test_the_most_severe_policy_of_the_failed_gates_applies(world: World) -> None:
    hold = BaselineGate.error_ratio(ratios(0.5), on_failure="hold", name="a")
    rollback = BaselineGate.error_ratio(ratios(0.5), name="b")
    canary = Canary(gates=[hold, rollback], auto_rollback=AutoRollback(), sleep=Sleeps())
    assert _run(world, canary, "bad")[0].outcome is ReleaseOutcome.ROLLED_BACK  # type: ignore[attr-defined]


def test_pause_writes_state_that_resume_continues(world: World, tmp_path: Path) -> None:
    state_file = tmp_path / "state" / "canary.json"
    source = scripted("fp")  # bad at 10 %, then good: a human judged the blip harmless
    gate = BaselineGate.error_ratio(source, on_failure="pause")
    canary = Canary(gates=[gate], auto_rollback=AutoRollback(), steps=(10, 25, 50),
                    state_file=state_file, sleep=Sleeps())  # fmt: skip
    target = SplitTarget(world.image("good1"))
    candidate = world.to_testing("good2")
    paused = release(
        candidate,
        validation=PostDeployValidation([Scripted(Verdict.PASSED)]),
        strategy=canary,
        target=target,
    )
    assert paused.outcome is ReleaseOutcome.PAUSED
    assert paused.state_file == state_file
    assert target.weights == {world.good1.digest: 90, candidate.digest: 10}
    data = json.loads(state_file.read_text())
    assert data["status"] == "paused"
    assert data["reached"] == [10]
    assert data["remaining"] == [25, 50, 100]
    assert data["gates"][0]["type"] == "baseline"
    assert data["source"] == "http://prometheus.test"
    assert "resume or abort" in paused.summary()

    resumed = canary.resume(state_file, target=target, promotion=world.promotion)
    assert resumed.outcome is ReleaseOutcome.RELEASED
    assert resumed.traffic == (10, 25, 50, 100)
    assert target.calls[-1] == {candidate.digest: 100}
    assert CanaryState.load(state_file).status == "resumed"
    assert world.registry.resolve("team/web", "prod") == candidate.digest
    with pytest.raises(ConfigurationError, match="resumed already"):
        canary.abort(state_file, target=target)


def test_abort_sends_everything_back_to_the_stable_release(world: World, tmp_path: Path) -> None:
    state_file = tmp_path / "canary.json"
    canary = _canary(ratios(0.5), on_failure="pause", state_file=state_file)
    target = SplitTarget(world.image("good1"))
    bad = world.image("bad")
    paused = release(
        bad,
        validation=PostDeployValidation([Scripted(Verdict.PASSED)]),
        strategy=canary,
        target=target,
    )
    assert paused.outcome is ReleaseOutcome.PAUSED
    aborted = canary.abort(state_file, target=target)
    assert aborted.outcome is ReleaseOutcome.ROLLED_BACK
    assert target.calls[-1] == {world.good1.digest: 100}
    assert aborted.rollback is not None
    assert CanaryState.load(state_file).status == "aborted"
    with pytest.raises(ConfigurationError, match="aborted already"):
        canary.resume(state_file, target=target)


def test_resume_refuses_a_target_changed_by_hand(world: World, tmp_path: Path) -> None:
    state_file = tmp_path / "canary.json"
    canary = _canary(ratios(0.5), on_failure="pause", state_file=state_file)
    target = SplitTarget(world.image("good1"))
    release(
        world.image("bad"),
        validation=PostDeployValidation([Scripted(Verdict.PASSED)]),
        strategy=canary,
        target=target,
    )
    other = SplitTarget(world.image("good2"))
    with pytest.raises(ConfigurationError, match="changed by hand"):
        canary.resume(state_file, target=other)


def test_a_damaged_state_file_is_a_typed_error(tmp_path: Path) -> None:
    path = tmp_path / "s.json"
    path.write_text('{"kind": "mosaic-canary"}')
    with pytest.raises(ConfigurationError, match="damaged"):
        CanaryState.load(path)
    path.write_text("[]")
    with pytest.raises(ConfigurationError, match="not a paused canary"):
        CanaryState.load(path)
    with pytest.raises(ConfigurationError, match="no canary state file"):
        CanaryState.load(tmp_path / "missing.json")


def test_the_async_twin_pauses_and_resumes(world: World, tmp_path: Path) -> None:
    state_file = tmp_path / "canary.json"

    async def no_sleep(seconds: float) -> None:
        return None

    gate = BaselineGate.error_ratio(scripted("fp"), on_failure="pause")
    canary = AsyncCanary(gates=[gate], auto_rollback=AutoRollback(), steps=(10, 50),
                         state_file=state_file, sleep=no_sleep)  # fmt: skip
    target = AsyncSplitTarget(SplitTarget(world.image("good1")))

    async def main() -> tuple[ReleaseOutcome, ReleaseOutcome]:
        validation = AsyncPostDeployValidation([AsyncScripted(Verdict.PASSED)])
        paused = await arelease(
            world.image("good2"), validation=validation, strategy=canary, target=target
        )
        resumed = await canary.resume(state_file, target=target)
        return paused.outcome, resumed.outcome

    assert asyncio.run(main()) == (ReleaseOutcome.PAUSED, ReleaseOutcome.RELEASED)


def test_failure_policy_names() -> None:
    assert FailurePolicy("pause") is FailurePolicy.PAUSE
    with pytest.raises(InvalidValueError, match="failure policy"):
        MetricGate.error_ratio(ratios(0.0), max_ratio=0.1, on_no_data="fail", on_failure="x")  # type: ignore[arg-type]


def test_an_image_reference_round_trips_through_the_state(tmp_path: Path) -> None:
    image = ImageReference.parse("ghcr.io/acme/web:v1@sha256:" + "a" * 64)
    state = CanaryState(
        image=str(image), version="v1", stable="sha256:" + "b" * 64, stable_version="v0",
        reached=(10,), remaining=(50, 100), reason="r",
    )  # fmt: skip
    loaded = CanaryState.load(state.save(tmp_path / "x.json"))
    assert loaded.to_dict() == state.to_dict()
    assert ImageReference.parse(loaded.image) == image
