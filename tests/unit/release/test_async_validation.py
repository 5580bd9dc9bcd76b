"""AsyncPostDeployValidation is PostDeployValidation's twin: same arguments, same report,
and an awaited run that stops where it is cancelled."""

from __future__ import annotations

import asyncio
import inspect
import time
from collections.abc import Callable
from datetime import datetime, timezone
from typing import Any

import httpx
import pytest

import mosaic_sdk
from mosaic_sdk.observability import MetricQuery, MetricReading
from mosaic_sdk.providers import (
    Deployment,
    DeploymentStatus,
    RunningRelease,
    TargetState,
    TargetStatus,
)
from mosaic_sdk.release import (
    AsyncPostDeployValidation,
    CheckResult,
    HealthCheck,
    MetricGate,
    PostDeployValidation,
    SmokeStep,
    SmokeTest,
    ValidationContext,
    ValidationReport,
    Verdict,
    VersionMatch,
)
from mosaic_sdk.values import Digest, ImageReference

DIGEST = Digest.parse("sha256:" + "1" * 64)
IMAGE = ImageReference.parse(f"registry.example/team/web@{DIGEST}")
BASE = "http://web.test"
T0 = datetime(2025, 3, 1, 12, 0, tzinfo=timezone.utc)


def _public_methods(cls: type) -> list[str]:
    return sorted(
        name
        for klass in cls.__mro__
        if klass.__module__.startswith("mosaic_sdk")
        for name, value in vars(klass).items()
        if callable(value) and not name.startswith("_")
    )


class Target:
    name = "fake:web"
    supports_traffic_split = False

    def deploy(self, image: ImageReference) -> Deployment:
        return Deployment("1", self.name, image, DeploymentStatus.SUCCEEDED)

    def running(self) -> RunningRelease:
        return RunningRelease(digest=DIGEST, version="1.4.0")

    def status(self) -> TargetStatus:
        return TargetStatus(TargetState.HEALTHY)


class Source:
    """A blocking metrics source: 0.002, then no data, then 0.5."""

    source_name = "fake metrics"

    def __init__(self) -> None:
        self.values = iter((0.002, None, 0.5, 0.002, None, 0.5))

    def evaluate(self, query: MetricQuery) -> MetricReading:
        value = next(self.values)
        series = () if value is None else (((), value),)
        return MetricReading(query=query.promql, value=value, series=series, detail="scripted")


class Custom:
    """A check of a team's own, with only a blocking ``run``."""

    name = "custom"
    kind = "custom"

    def __init__(self) -> None:
        self.ran = 0

    def run(self, context: ValidationContext) -> CheckResult:
        self.ran += 1
        return CheckResult(self.name, self.kind, Verdict.PASSED, f"{context.slot} ok")


class Exploding:
    name = "explodes"
    kind = "custom"

    def run(self, context: ValidationContext) -> CheckResult:
        raise RuntimeError("kaboom")


def _app(request: httpx.Request) -> httpx.Response:
    if request.url.path == "/health":
        return httpx.Response(200, text="ok")
    if request.url.path == "/version":
        return httpx.Response(200, json={"digest": str(DIGEST), "version": "1.4.0"})
    if request.url.path == "/broken":
        return httpx.Response(500, text="boom")
    return httpx.Response(200, text="hello world")


def _checks() -> list[Any]:
    mock = httpx.MockTransport(_app)
    no_sleep: Callable[[float], None] = lambda _: None  # noqa: E731
    return [
        HealthCheck("{base_url}/health", transport=mock, sleep=no_sleep),
        SmokeTest("steps", steps=["/", SmokeStep("/", body_contains="hello")], transport=mock),
        SmokeTest("broken", steps=["/broken"], transport=mock),
        SmokeTest("func", func=lambda context: f"slot {context.slot}"),
        VersionMatch(url="{base_url}/version", transport=mock),
        MetricGate(
            "errors",
            source=Source(),
            max=0.01,
            on_no_data="inconclusive",
            measurements=3,
            failure_limit=1,
            sleep=no_sleep,
        ),
        Custom(),
        Exploding(),
    ]


def _comparable(report: ValidationReport) -> dict[str, Any]:
    data = report.to_dict()
    data.pop("duration_seconds")
    for result in data["results"]:
        result.pop("duration_seconds")
        result.pop("started_at")
        result["evidence"] = [
            [k, v.split(" in ")[0] if k.startswith("step ") else v] for k, v in result["evidence"]
        ]
    return data


def _run_both(**options: Any) -> tuple[ValidationReport, ValidationReport]:
    where = {"base_url": BASE, "slot": "blue", "version": "1.4.0", "target": Target()}
    sync = PostDeployValidation(_checks(), clock=lambda: T0, **options).run(IMAGE, **where)
    validation = AsyncPostDeployValidation(_checks(), clock=lambda: T0, **options)
    return sync, asyncio.run(validation.run(IMAGE, **where))


def test_async_validation_is_exported_from_both_packages() -> None:
    assert (
        mosaic_sdk.AsyncPostDeployValidation
        is mosaic_sdk.release.AsyncPostDeployValidation
        is AsyncPostDeployValidation
    )
    assert "AsyncPostDeployValidation" in mosaic_sdk.__all__
    assert "AsyncPostDeployValidation" in mosaic_sdk.release.__all__


def test_every_public_method_mirrors_the_sync_twin() -> None:
    names = _public_methods(AsyncPostDeployValidation)
    assert names == ["run", "with_checks"]
    assert sorted(set(_public_methods(PostDeployValidation)) - {"arun"}) == names
    for name in ["__init__", *names]:
        sync = getattr(PostDeployValidation, name)
        asynchronous = getattr(AsyncPostDeployValidation, name)
        assert inspect.iscoroutinefunction(asynchronous) == (name == "run"), name
        assert not inspect.iscoroutinefunction(sync), name
        assert str(inspect.signature(sync)) == str(inspect.signature(asynchronous)).replace(
            "AsyncPostDeployValidation", "PostDeployValidation"
        ), name


@pytest.mark.parametrize("check", _checks()[:6], ids=lambda c: type(c).__name__)
def test_every_built_in_check_has_both_twins(check: Any) -> None:
    assert inspect.iscoroutinefunction(check.arun)
    assert not inspect.iscoroutinefunction(check.run)
    assert str(inspect.signature(check.run)) == str(inspect.signature(check.arun))


def test_the_same_checks_give_the_same_report_through_both_twins() -> None:
    sync, asynchronous = _run_both()
    assert _comparable(sync) == _comparable(asynchronous)
    verdicts = [r.verdict for r in asynchronous.results]
    assert verdicts == [
        Verdict.PASSED,
        Verdict.PASSED,
        Verdict.FAILED,
        Verdict.PASSED,
        Verdict.PASSED,
        Verdict.INCONCLUSIVE,
        Verdict.PASSED,
        Verdict.FAILED,
    ]
    assert asynchronous.results[-1].evidence_dict()["error"] == "RuntimeError: kaboom"
    assert asynchronous.results[3].evidence_dict()["result"] == "slot blue"


def test_stop_on_failure_skips_the_same_checks_in_both_twins() -> None:
    sync, asynchronous = _run_both(stop_on_failure=True)
    assert _comparable(sync) == _comparable(asynchronous)
    assert [r.kind for r in asynchronous.results][3:] == ["skipped"] * 5


def test_with_checks_returns_the_same_twin() -> None:
    validation = AsyncPostDeployValidation([Custom()], name="pre-switch", stop_on_failure=True)
    more = validation.with_checks(Custom())
    assert isinstance(more, AsyncPostDeployValidation)
    assert (more.name, more.stop_on_failure, len(more.checks)) == ("pre-switch", True, 2)
    assert repr(more) == "AsyncPostDeployValidation([custom, custom])"


def test_the_deprecated_arun_warns_and_gives_the_same_report() -> None:
    sync, _ = _run_both()
    validation = PostDeployValidation(_checks(), clock=lambda: T0)
    with pytest.warns(DeprecationWarning, match="AsyncPostDeployValidation"):
        report = asyncio.run(
            validation.arun(IMAGE, base_url=BASE, slot="blue", version="1.4.0", target=Target())
        )
    assert _comparable(report) == _comparable(sync)


class Waiting:
    """An asynchronous check that waits until cancelled."""

    name = "waits"
    kind = "custom"

    def __init__(self) -> None:
        self.started = asyncio.Event()

    def run(self, context: ValidationContext) -> CheckResult:
        raise AssertionError("the asynchronous twin awaits arun")

    async def arun(self, context: ValidationContext) -> CheckResult:
        self.started.set()
        await asyncio.sleep(60)
        raise AssertionError("not cancelled")


def test_cancelling_stops_between_checks_and_runs_no_later_check() -> None:
    async def scenario() -> tuple[Custom, Custom]:
        before, after = Custom(), Custom()
        waiting = Waiting()
        validation = AsyncPostDeployValidation([before, waiting, after])
        task = asyncio.create_task(validation.run(IMAGE))
        await waiting.started.wait()
        task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await task
        return before, after

    before, after = asyncio.run(scenario())
    assert (before.ran, after.ran) == (1, 0)


def test_cancelling_a_polling_health_check_stops_it_at_its_pause() -> None:
    requests: list[str] = []

    def unhealthy(request: httpx.Request) -> httpx.Response:
        requests.append(str(request.url))
        return httpx.Response(503, text="starting")

    async def scenario() -> float:
        health = HealthCheck(
            "{base_url}/health", deadline=60, interval=30, transport=httpx.MockTransport(unhealthy)
        )
        after = Custom()
        task = asyncio.create_task(
            AsyncPostDeployValidation([health, after]).run(IMAGE, base_url=BASE)
        )
        while not requests:
            await asyncio.sleep(0.01)
        begin = time.monotonic()
        task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await task
        assert after.ran == 0
        return time.monotonic() - begin

    assert asyncio.run(scenario()) < 1.0
    assert requests == [f"{BASE}/health"]
