"""arelease() with AsyncBlueGreen and AsyncCanary: the twins of release(), BlueGreen and
Canary, run inside one event loop without stalling it, and cancelled at a step boundary."""

from __future__ import annotations

import asyncio
import json
import re
import time
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

import pytest

import mosaic_sdk
from mosaic_sdk.errors import ConfigurationError, InvalidValueError
from mosaic_sdk.observability import MetricQuery, MetricReading
from mosaic_sdk.providers import (
    AsyncComposeFileTarget,
    Deployment,
    RunningRelease,
    TargetStatus,
)
from mosaic_sdk.release import (
    AsyncBlueGreen,
    AsyncCanary,
    AsyncPostDeployValidation,
    AsyncPromotion,
    AutoRollback,
    BlueGreen,
    Canary,
    CheckResult,
    MetricGate,
    PostDeployValidation,
    ReleaseEvidence,
    ReleaseOutcome,
    ReleaseResult,
    ReleaseStep,
    ValidationContext,
    Verdict,
    arelease,
    release,
)
from mosaic_sdk.testing import InMemoryRegistry
from mosaic_sdk.values import Digest, ImageReference
from tests._support.async_fakes import AsyncRegistryView, AsyncTargetView
from tests._support.release_fakes import REPO, Scripted, SplitTarget, World

URLS = {"blue": "http://blue.test", "green": "http://green.test"}
_DEPLOYMENT_ID = re.compile(r"\b(\d{8}T\d{6}Z)-[0-9a-f]{8}\b")


class AsyncScripted(Scripted):
    """Scripted's asynchronous twin: the validation awaits its ``arun``."""

    async def arun(self, context: ValidationContext) -> CheckResult:
        await asyncio.sleep(0)
        return self.run(context)


class AsyncWorld:
    """World's twin: the same registry data behind AsyncRegistryView, an AsyncPromotion and
    AsyncComposeFileTarget slots on a compose file of its own."""

    def __init__(self, root: Path) -> None:
        root.mkdir(parents=True, exist_ok=True)
        self.sync = World(root)
        self.registry: InMemoryRegistry = self.sync.registry
        self.promotion = AsyncPromotion(AsyncRegistryView(self.registry), REPO, actor="test")
        self.slots = {
            slot: AsyncComposeFileTarget(self.sync.compose, f"web-{slot}")
            for slot in ("blue", "green")
        }

    async def to_testing(self, which: str) -> ImageReference:
        image = self.sync.image(which)
        assert image.digest is not None
        await self.promotion.promote(image.digest, to="testing")
        return image


def _world(root: Path) -> World:
    root.mkdir(parents=True, exist_ok=True)
    return World(root)


def _plain(result: ReleaseResult, world: World, root: Path | None = None) -> object:
    """A result as comparable data: its JSON form without times, random ids and the
    evidence folder ``root``, each of ``world``'s images named instead of its digest (the
    two worlds push images of their own)."""
    data = result.to_dict()
    for step in data["steps"]:
        step.pop("at")
    data.pop("reports")
    data.pop("timing")  # wall-clock seconds: each twin measures its own
    text = json.dumps(data, sort_keys=True, default=str)
    text = re.sub(r'"(at|created|started_at|finished_at|recorded_at)": "[^"]*"', r'"\1": "-"', text)
    if root is not None:
        text = text.replace(str(root), "<root>")
    text = text.replace(str(world.compose.parent), "<world>")
    for which in ("good1", "good2", "bad"):
        digest = world.image(which).digest
        assert digest is not None
        text = text.replace(digest.encoded, which).replace(digest.short, which)
    return _DEPLOYMENT_ID.sub("<id>", text)


def test_the_async_release_names_are_exported_from_both_packages() -> None:
    for name in ("AsyncBlueGreen", "AsyncCanary", "AsyncReleaseRequest", "arelease"):
        assert getattr(mosaic_sdk, name) is getattr(mosaic_sdk.release, name)
        assert name in mosaic_sdk.__all__
        assert name in mosaic_sdk.release.__all__
    assert mosaic_sdk.arelease is arelease
    assert mosaic_sdk.release.release is release


def _signature(func: Callable[..., Any]) -> list[tuple[str, str]]:
    import inspect

    return [(p.name, str(p.kind)) for p in inspect.signature(func).parameters.values()]


def test_each_twin_takes_the_same_arguments() -> None:
    assert _signature(arelease) == _signature(release)
    assert _signature(AsyncBlueGreen) == _signature(BlueGreen)
    assert _signature(AsyncCanary) == _signature(Canary)


# -- the same releases through both twins ---------------------------------------------


async def _async_history(world: AsyncWorld, tmp_path: Path) -> list[ReleaseResult]:
    (tmp_path / "async").mkdir()
    evidence = ReleaseEvidence(tmp_path / "async", issue=5, short_name="web")
    results = []
    for which, verdict in (("good1", Verdict.PASSED), ("good2", Verdict.PASSED)):
        results.append(
            await arelease(
                await world.to_testing(which),
                validation=AsyncPostDeployValidation([AsyncScripted(verdict)]),
                promotion=world.promotion,
                slots=world.slots,
                base_url=URLS,
                evidence=evidence,
            )
        )
    results.append(
        await arelease(
            await world.to_testing("bad"),
            validation=AsyncPostDeployValidation([AsyncScripted(Verdict.FAILED)]),
            promotion=world.promotion,
            slots=world.slots,
            base_url=URLS,
            evidence=evidence,
        )
    )
    return results


def _sync_history(world: World, tmp_path: Path) -> list[ReleaseResult]:
    (tmp_path / "sync").mkdir()
    evidence = ReleaseEvidence(tmp_path / "sync", issue=5, short_name="web")
    results = []
    for which, verdict in (("good1", Verdict.PASSED), ("good2", Verdict.PASSED)):
        results.append(
            release(
                world.to_testing(which),
                validation=PostDeployValidation([Scripted(verdict)]),
                promotion=world.promotion,
                slots=world.slots,
                base_url=URLS,
                evidence=evidence,
            )
        )
    results.append(
        release(
            world.to_testing("bad"),
            validation=PostDeployValidation([Scripted(Verdict.FAILED)]),
            promotion=world.promotion,
            slots=world.slots,
            base_url=URLS,
            evidence=evidence,
        )
    )
    return results


def test_blue_green_twins_give_the_same_results_and_leave_the_same_state(
    tmp_path: Path,
) -> None:
    sync_world = _world(tmp_path / "s")
    async_world = AsyncWorld(tmp_path / "a")
    expected = _sync_history(sync_world, tmp_path)
    got = asyncio.run(_async_history(async_world, tmp_path))
    assert [r.outcome for r in got] == [
        ReleaseOutcome.RELEASED,
        ReleaseOutcome.RELEASED,
        ReleaseOutcome.ROLLED_BACK,
    ]
    mine = [_plain(r, async_world.sync, tmp_path / "async") for r in got]
    assert mine == [_plain(r, sync_world, tmp_path / "sync") for r in expected]
    for tag in ("prod", "blue", "green", "testing"):
        names = [
            which
            for world in (async_world.sync, sync_world)
            for which in ("good1", "good2", "bad")
            if world.registry.resolve(REPO, tag) == world.image(which).digest
        ]
        assert len(names) == 2, (tag, names)
        assert names[0] == names[1], (tag, names)
    compose = async_world.sync.compose.read_text()
    for which in ("good1", "good2", "bad"):
        mine_digest, their_digest = (
            async_world.sync.image(which).digest,
            sync_world.image(which).digest,
        )
        assert mine_digest is not None
        assert their_digest is not None
        compose = compose.replace(mine_digest.encoded, their_digest.encoded)
    assert compose == sync_world.compose.read_text()
    for name in ("docs/TASKS.md", "CHANGELOG.md"):
        mine = (tmp_path / "async" / name).read_text()
        theirs = (tmp_path / "sync" / name).read_text()
        assert mine.count("team/web prod") == theirs.count("team/web prod") > 0


class _Gate:
    """A metrics source for MetricGate: an error ratio per call, from a list."""

    source_name = "script"

    def __init__(self, *values: float) -> None:
        self.values = list(values)

    def evaluate(self, query: MetricQuery) -> MetricReading:
        value = self.values.pop(0) if len(self.values) > 1 else self.values[0]
        return MetricReading(query=query.promql, value=value, series=(((), value),))


def _gate(*values: float) -> MetricGate:
    return MetricGate.error_ratio(_Gate(*values), max_ratio=0.05, on_no_data="fail")


class AsyncSplitTarget(AsyncTargetView):
    """SplitTarget's asynchronous twin (traffic split awaited)."""

    supports_traffic_split = True

    async def set_traffic(self, weights: Mapping[Digest, int]) -> None:
        await asyncio.sleep(0)
        self.inner.set_traffic(weights)  # type: ignore[attr-defined]


@pytest.mark.parametrize("errors", [(0.0,), (0.01, 0.30)], ids=["passes", "fails at 25%"])
def test_canary_twins_step_and_roll_back_alike(tmp_path: Path, errors: tuple[float, ...]) -> None:
    sync_world, async_world = _world(tmp_path / "s"), AsyncWorld(tmp_path / "a")
    candidate = sync_world.to_testing("good2")
    async_candidate = asyncio.run(async_world.to_testing("good2"))
    sync_target = SplitTarget(sync_world.image("good1"))
    inner = SplitTarget(async_world.sync.image("good1"))
    expected = release(
        candidate,
        validation=PostDeployValidation([Scripted(Verdict.PASSED)]),
        strategy=Canary(gates=[_gate(*errors)], auto_rollback=AutoRollback(), steps=(10, 25)),
        target=sync_target,
        promotion=sync_world.promotion,
    )
    got = asyncio.run(
        arelease(
            async_candidate,
            validation=AsyncPostDeployValidation([AsyncScripted(Verdict.PASSED)]),
            strategy=AsyncCanary(
                gates=[_gate(*errors)], auto_rollback=AutoRollback(), steps=(10, 25)
            ),
            target=AsyncSplitTarget(inner),
            promotion=async_world.promotion,
        )
    )
    assert _plain(got, async_world.sync) == _plain(expected, sync_world)
    assert [sorted(c.values()) for c in inner.calls] == [
        sorted(c.values()) for c in sync_target.calls
    ]
    assert got.traffic == ((10, 25, 100) if errors == (0.0,) else (10, 25))
    assert got.outcome is (
        ReleaseOutcome.RELEASED if errors == (0.0,) else ReleaseOutcome.ROLLED_BACK
    )


def test_the_canary_awaits_its_pause(tmp_path: Path) -> None:
    world = AsyncWorld(tmp_path)
    slept: list[float] = []

    async def sleep(seconds: float) -> None:
        slept.append(seconds)
        await asyncio.sleep(0)

    canary = AsyncCanary(
        gates=[_gate(0.0)], auto_rollback=AutoRollback(), steps=(50,), pause=30, sleep=sleep
    )
    result = asyncio.run(
        arelease(
            world.sync.image("good2"),
            validation=AsyncPostDeployValidation([AsyncScripted(Verdict.PASSED)]),
            strategy=canary,
            target=AsyncSplitTarget(SplitTarget(world.sync.image("good1"))),
        )
    )
    assert result.released
    assert slept == [30.0, 30.0]


# -- the twins refuse each other's collaborators -------------------------------------


def test_arelease_refuses_synchronous_collaborators(tmp_path: Path) -> None:
    world = AsyncWorld(tmp_path)
    image = world.sync.image("good1")
    validation = AsyncPostDeployValidation([AsyncScripted(Verdict.PASSED)])
    cases: list[dict[str, Any]] = [
        {"strategy": BlueGreen()},
        {"validation": PostDeployValidation([Scripted(Verdict.PASSED)])},
        {"promotion": world.sync.promotion},
        {"slots": world.sync.slots},
    ]
    for case in cases:
        kwargs: dict[str, Any] = {
            "validation": validation,
            "promotion": world.promotion,
            "slots": world.slots,
            "base_url": URLS,
            **case,
        }
        with pytest.raises(InvalidValueError) as caught:
            asyncio.run(arelease(image, **kwargs))
        message = str(caught.value)
        assert "arelease()" in message or "AsyncPromotion" in message, message
    assert world.registry.list_tags(REPO) == ["v1.0.0-rc.1", "v1.1.0-rc.1", "v1.2.0-rc.1"]


def test_release_refuses_asynchronous_collaborators(tmp_path: Path) -> None:
    world = AsyncWorld(tmp_path)
    image = world.sync.image("good1")
    with pytest.raises(
        InvalidValueError, match=r"use BlueGreen\(\) or Canary\(\.\.\.\) with release"
    ):
        release(
            image,
            validation=PostDeployValidation([Scripted(Verdict.PASSED)]),
            strategy=AsyncBlueGreen(),  # type: ignore[arg-type]
            promotion=world.sync.promotion,
            slots=world.sync.slots,
            base_url=URLS,
        )
    with pytest.raises(InvalidValueError, match="to release to"):
        release(
            image,
            validation=PostDeployValidation([Scripted(Verdict.PASSED)]),
            promotion=world.sync.promotion,
            slots=world.slots,  # type: ignore[arg-type]
            base_url=URLS,
        )


def test_arelease_keeps_the_configuration_checks(tmp_path: Path) -> None:
    world = AsyncWorld(tmp_path)
    with pytest.raises(ConfigurationError, match="needs promotion=AsyncPromotion"):
        asyncio.run(
            arelease(
                world.sync.image("good1"),
                validation=AsyncPostDeployValidation([AsyncScripted(Verdict.PASSED)]),
            )
        )


# -- one event loop, never stalled -------------------------------------------------------


class StallDetector:
    """Measures how late a 5 ms timer fires while it runs: the loop's worst stall."""

    def __init__(self, period: float = 0.005) -> None:
        self.period = period
        self.worst = 0.0
        self.ticks = 0
        self._task: asyncio.Task[None] | None = None

    async def _watch(self) -> None:
        loop = asyncio.get_running_loop()
        while True:
            before = loop.time()
            await asyncio.sleep(self.period)
            self.worst = max(self.worst, loop.time() - before - self.period)
            self.ticks += 1

    async def __aenter__(self) -> StallDetector:
        self._task = asyncio.ensure_future(self._watch())
        await asyncio.sleep(0)
        return self

    async def __aexit__(self, *exc: object) -> None:
        assert self._task is not None
        self._task.cancel()
        await asyncio.gather(self._task, return_exceptions=True)


class BlockingTarget(AsyncTargetView):
    """An 'asynchronous' target whose deploy blocks the loop (what the detector catches)."""

    async def deploy(self, image: ImageReference) -> Deployment:
        time.sleep(0.12)
        return await super().deploy(image)


def test_the_stall_detector_sees_a_blocked_loop(tmp_path: Path) -> None:
    world = AsyncWorld(tmp_path)
    world.slots["blue"] = BlockingTarget(world.sync.slots["blue"])  # type: ignore[assignment]

    async def main() -> float:
        image = await world.to_testing("good1")
        async with StallDetector() as detector:
            await arelease(
                image,
                validation=AsyncPostDeployValidation([AsyncScripted(Verdict.PASSED)]),
                promotion=world.promotion,
                slots=world.slots,
                base_url=URLS,
            )
        return detector.worst

    assert asyncio.run(main()) > 0.1


def calm_run(scenario: Callable[[], tuple[StallDetector, Any]], attempts: int = 2) -> Any:
    """Run ``scenario`` until its worst stall is under 50 ms, at most ``attempts`` times.

    A stall the SDK causes (blocking work on the loop) comes back on every run; a late
    timer because the machine was busy elsewhere does not. The worst stall of each run is
    in the failure message."""
    worst: list[float] = []
    for _ in range(attempts):
        detector, outcome = scenario()
        assert detector.ticks > 0
        worst.append(detector.worst)
        if detector.worst < 0.05:
            return outcome
    raise AssertionError(f"the loop stalled on every run: {[f'{w * 1000:.0f} ms' for w in worst]}")


def test_a_whole_blue_green_release_never_stalls_the_loop_50_ms(tmp_path: Path) -> None:
    def scenario() -> tuple[StallDetector, list[ReleaseResult]]:
        root = tmp_path / f"run{len(list(tmp_path.iterdir()))}"
        world = AsyncWorld(root / "world")
        (root / "repo").mkdir()
        evidence = ReleaseEvidence(root / "repo", issue=15, short_name="web")

        async def main() -> tuple[StallDetector, list[ReleaseResult]]:
            results = []
            async with StallDetector() as detector:
                for which, verdict in (
                    ("good1", Verdict.PASSED),
                    ("good2", Verdict.PASSED),
                    ("bad", Verdict.FAILED),
                ):
                    results.append(
                        await arelease(
                            await world.to_testing(which),
                            validation=AsyncPostDeployValidation([AsyncScripted(verdict)]),
                            promotion=world.promotion,
                            slots=world.slots,
                            base_url=URLS,
                            evidence=evidence,
                        )
                    )
            return detector, results

        detector, results = asyncio.run(main())
        assert "BLOCKED" in (root / "repo" / "docs" / "TASKS.md").read_text()
        return detector, results

    results = calm_run(scenario)
    assert [r.outcome for r in results] == [
        ReleaseOutcome.RELEASED,
        ReleaseOutcome.RELEASED,
        ReleaseOutcome.ROLLED_BACK,
    ]


# -- cancellation stops at a step boundary ---------------------------------------------


class GatedTarget(AsyncTargetView):
    """A target whose deploy waits for the test to let it finish."""

    def __init__(self, inner: object) -> None:
        super().__init__(inner)
        self.started = asyncio.Event()
        self.release = asyncio.Event()
        self.finished = False

    async def deploy(self, image: ImageReference) -> Deployment:
        self.started.set()
        await self.release.wait()
        deployment = await super().deploy(image)
        self.finished = True
        return deployment

    async def running(self) -> RunningRelease:
        return await super().running()

    async def status(self) -> TargetStatus:
        return await super().status()


async def _start_release(
    world: AsyncWorld, check: AsyncScripted, seen: list[ReleaseStep]
) -> tuple[asyncio.Task[ReleaseResult], GatedTarget]:
    image = await world.to_testing("good1")
    gated = GatedTarget(world.sync.slots["blue"])
    world.slots["blue"] = gated  # type: ignore[assignment]
    task = asyncio.ensure_future(
        arelease(
            image,
            validation=AsyncPostDeployValidation([check]),
            promotion=world.promotion,
            slots=world.slots,
            base_url=URLS,
            on_step=seen.append,
        )
    )
    await asyncio.wait_for(gated.started.wait(), 5)
    return task, gated


def test_cancelling_the_release_finishes_the_step_and_stops_at_its_boundary(
    tmp_path: Path,
) -> None:
    world = AsyncWorld(tmp_path)
    check = AsyncScripted(Verdict.PASSED)
    seen: list[ReleaseStep] = []

    async def main() -> tuple[asyncio.Task[ReleaseResult], BaseException, GatedTarget]:
        task, gated = await _start_release(world, check, seen)
        task.cancel()
        await asyncio.sleep(0.01)
        assert not task.done()  # the deploy in progress is allowed to finish
        gated.release.set()
        try:
            await task
        except asyncio.CancelledError as exc:
            return task, exc, gated
        raise AssertionError("the release was not cancelled")

    task, exc, gated = asyncio.run(main())
    assert task.cancelled()
    assert type(exc) is asyncio.CancelledError  # an ordinary cancellation
    assert gated.finished
    assert [s.name for s in seen] == [
        "read slots",
        "point slot blue at the candidate",
        "deploy to slot blue",
    ]
    message = str(exc)
    assert "cancelled at a step boundary after 3 step(s)" in message
    assert "3. ✔ deploy to slot blue" in message
    assert check.contexts == []  # validation never started
    with pytest.raises(Exception, match="prod"):
        world.registry.resolve(REPO, "prod")  # prod was never switched
    assert world.registry.resolve(REPO, "blue") == world.sync.image("good1").digest


def test_a_second_cancellation_interrupts_the_step_in_progress(tmp_path: Path) -> None:
    world = AsyncWorld(tmp_path)
    seen: list[ReleaseStep] = []

    async def main() -> tuple[BaseException, GatedTarget]:
        task, gated = await _start_release(world, AsyncScripted(Verdict.PASSED), seen)
        task.cancel()
        await asyncio.sleep(0.01)
        task.cancel()
        try:
            await asyncio.wait_for(task, 5)
        except asyncio.CancelledError as exc:
            return exc, gated
        raise AssertionError("the release was not cancelled")

    exc, gated = asyncio.run(main())
    assert not gated.finished
    assert [s.name for s in seen] == ["read slots", "point slot blue at the candidate"]
    assert "after 2 step(s)" in str(exc)


def test_a_timeout_around_the_release_is_a_timeout(tmp_path: Path) -> None:
    world = AsyncWorld(tmp_path)
    seen: list[ReleaseStep] = []

    async def main() -> None:
        image = await world.to_testing("good1")
        gated = GatedTarget(world.sync.slots["blue"])
        world.slots["blue"] = gated  # type: ignore[assignment]
        asyncio.get_running_loop().call_later(0.2, gated.release.set)
        await asyncio.wait_for(
            arelease(
                image,
                validation=AsyncPostDeployValidation([AsyncScripted(Verdict.PASSED)]),
                promotion=world.promotion,
                slots=world.slots,
                base_url=URLS,
                on_step=seen.append,
            ),
            0.05,
        )

    with pytest.raises(asyncio.TimeoutError):
        asyncio.run(main())
    assert seen[-1].name == "deploy to slot blue"


def test_on_step_sees_every_step_of_the_synchronous_twin_too(tmp_path: Path) -> None:
    world = World(tmp_path)
    seen: list[ReleaseStep] = []
    result = release(
        world.to_testing("good1"),
        validation=PostDeployValidation([Scripted(Verdict.PASSED)]),
        promotion=world.promotion,
        slots=world.slots,
        base_url=URLS,
        on_step=seen.append,
    )
    assert seen == list(result.steps)


def test_a_failing_on_step_callback_does_not_stop_the_release(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    world = World(tmp_path)

    def broken(step: ReleaseStep) -> None:
        raise RuntimeError("display gone")

    result = release(
        world.to_testing("good1"),
        validation=PostDeployValidation([Scripted(Verdict.PASSED)]),
        promotion=world.promotion,
        slots=world.slots,
        base_url=URLS,
        on_step=broken,
    )
    assert result.released
    assert world.registry.resolve(REPO, "prod") == world.image("good1").digest
    warnings = [r.getMessage() for r in caplog.records if r.name == "mosaic_sdk.release"]
    assert len(warnings) == len(result.steps)
    assert "RuntimeError" in warnings[0]
