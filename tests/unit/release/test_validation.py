"""PostDeployValidation, its report and the four built-in checks (no network: mock
transports, fake targets, fake metric sources, injected clocks)."""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterator
from typing import Any

import httpx
import pytest

from mosaic_sdk.errors import (
    APIConnectionError,
    ConfigurationError,
    InvalidValueError,
    ValidationFailedError,
)
from mosaic_sdk.observability import (
    ErrorRatio,
    MetricQuery,
    MetricReading,
    PromQL,
    register_secret,
)
from mosaic_sdk.providers import (
    Deployment,
    DeploymentStatus,
    RunningRelease,
    TargetState,
    TargetStatus,
)
from mosaic_sdk.release import (
    CheckResult,
    HealthCheck,
    MetricGate,
    NoDataPolicy,
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
OTHER = Digest.parse("sha256:" + "2" * 64)
IMAGE = ImageReference.parse(f"registry.example/team/web@{DIGEST}")
BASE = "http://web.test"


class FakeClock:
    """Monotonic time that only moves when the code under test sleeps."""

    def __init__(self) -> None:
        self.now = 0.0
        self.sleeps: list[float] = []

    def __call__(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        self.now += seconds


class FakeTarget:
    """A DeploymentTarget that reports a fixed running release."""

    supports_traffic_split = False

    def __init__(self, digest: Digest | None, version: str | None = None) -> None:
        self.name = "fake:web"
        self.release = RunningRelease(digest=digest, version=version)

    def deploy(self, image: ImageReference) -> Deployment:
        return Deployment("1", self.name, image, DeploymentStatus.SUCCEEDED)

    def running(self) -> RunningRelease:
        return self.release

    def status(self) -> TargetStatus:
        return TargetStatus(TargetState.HEALTHY)


class FakeSource:
    """A MetricsSource answering a scripted sequence of values (None = no data)."""

    source_name = "fake metrics"

    def __init__(self, *values: float | Exception | None) -> None:
        self.values: Iterator[float | Exception | None] = iter(values)
        self.queries: list[str] = []

    def evaluate(self, query: MetricQuery) -> MetricReading:
        self.queries.append(query.promql)
        value = next(self.values)
        if isinstance(value, Exception):
            raise value
        series = () if value is None else (((), value),)
        return MetricReading(query=query.promql, value=value, series=series, detail="scripted")


def transport(answer: Callable[[httpx.Request], httpx.Response]) -> httpx.MockTransport:
    return httpx.MockTransport(answer)


def ctx(**overrides: Any) -> ValidationContext:
    values: dict[str, Any] = {"image": IMAGE, "version": "1.4.0", "base_url": BASE, "slot": "blue"}
    values.update(overrides)
    return ValidationContext(**values)


# -- context and verdicts --------------------------------------------------------------


def test_worst_verdict_wins() -> None:
    assert Verdict.worst([]) is Verdict.PASSED
    assert Verdict.worst([Verdict.PASSED, Verdict.INCONCLUSIVE]) is Verdict.INCONCLUSIVE
    assert Verdict.worst([Verdict.INCONCLUSIVE, Verdict.FAILED, Verdict.PASSED]) is Verdict.FAILED


def test_context_needs_a_pinned_image() -> None:
    with pytest.raises(InvalidValueError, match="not pinned by digest"):
        ValidationContext(image=ImageReference.parse("registry.example/team/web:v1.4.0"))


def test_context_expands_only_known_placeholders() -> None:
    context = ctx(environment="prod")
    text = 'sum(rate(x{job="web-{slot}"}[5m])) at {base_url}/{environment} {unknown}'
    assert context.expand(text) == (
        'sum(rate(x{job="web-blue"}[5m])) at http://web.test/prod {unknown}'
    )
    assert context.where == "prod / slot blue"


# -- the runner and the report ---------------------------------------------------------


class Exploding:
    name = "explodes"
    kind = "custom"

    def run(self, context: ValidationContext) -> CheckResult:
        raise RuntimeError("kaboom")


class Fixed:
    def __init__(self, name: str, verdict: Verdict) -> None:
        self.name = name
        self.verdict = verdict
        self.ran = False

    def run(self, context: ValidationContext) -> CheckResult:
        self.ran = True
        return CheckResult(self.name, "custom", self.verdict, f"{self.name} | said so")


def test_validation_needs_checks() -> None:
    with pytest.raises(ConfigurationError, match="at least one check"):
        PostDeployValidation([])
    with pytest.raises(ConfigurationError, match="is not a check"):
        PostDeployValidation(["not a check"])  # type: ignore[list-item]


def test_a_check_that_raises_is_a_failed_check_with_evidence() -> None:
    report = PostDeployValidation([Exploding(), Fixed("ok", Verdict.PASSED)]).run(ctx())
    assert report.verdict is Verdict.FAILED
    failed = report.failures()[0]
    assert failed.name == "explodes"
    assert failed.evidence_dict()["error"] == "RuntimeError: kaboom"
    assert report.results[1].ok


def test_stop_on_failure_skips_the_rest_as_inconclusive() -> None:
    later = Fixed("later", Verdict.PASSED)
    validation = PostDeployValidation([Fixed("first", Verdict.FAILED), later], stop_on_failure=True)
    report = validation.run(ctx())
    assert not later.ran
    assert report.results[1].kind == "skipped"
    assert report.results[1].verdict is Verdict.INCONCLUSIVE


def sample_report() -> ValidationReport:
    checks = [
        Fixed("health", Verdict.PASSED),
        Fixed("gate", Verdict.INCONCLUSIVE),
        Fixed("<script>", Verdict.FAILED),
    ]
    return PostDeployValidation(checks, name="pre-switch").run(ctx(environment="prod"))


def test_report_renders_markdown_json_html_and_text() -> None:
    report = sample_report()
    assert report.verdict is Verdict.FAILED
    assert [r.name for r in report.failures()] == ["<script>", "gate"]
    assert report.headline() == "pre-switch failed: <script>: <script> | said so (+1 more)"
    markdown = report.to_markdown()
    assert markdown.startswith("### pre-switch: FAILED\n")
    assert f"- Release: `{IMAGE}` (version `1.4.0`)" in markdown
    assert "| health | custom | ✔ passed | health \\| said so |" in markdown
    data = json.loads(report.to_json())
    assert data["schema"] == "mosaic.validation-report/v1"
    assert data["verdict"] == "failed"
    assert [r["verdict"] for r in data["results"]] == ["passed", "inconclusive", "failed"]
    page = report._repr_html_()
    assert "<script>" not in page
    assert "&lt;script&gt;" in page
    assert report._repr_markdown_() == markdown
    assert str(report).splitlines()[0].startswith("pre-switch: FAILED")


def test_a_saved_report_reads_back_as_it_was_written() -> None:
    report = sample_report()
    again = ValidationReport.from_json(report.to_json())
    assert again.to_dict() == report.to_dict()
    assert again.verdict is Verdict.FAILED
    assert again.headline() == report.headline()
    assert again.results[0].evidence == report.results[0].evidence
    assert ValidationReport.from_dict(json.loads(report.to_json(indent=None))) == again


def _broken(change: Callable[[dict[str, Any]], None]) -> dict[str, Any]:
    data: dict[str, Any] = json.loads(sample_report().to_json())
    change(data)
    return data


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (lambda d: d.update(schema="other/v1"), "is not a validation report schema"),
        (lambda d: d.pop("name"), "field 'name' is missing"),
        (lambda d: d.update(started_at="yesterday"), "field 'started_at' is not an ISO 8601"),
        (lambda d: d.update(finished_at="2026-01-01T00:00:00"), "has no time zone"),
        (lambda d: d.update(duration_seconds=True), "field 'duration_seconds'"),
        (lambda d: d.update(version=3), "field 'version' is mistyped"),
        (lambda d: d.update(verdict="passed"), "its checks say failed"),
        (lambda d: d["results"][0].update(verdict="ok"), "not passed, inconclusive or failed"),
        (lambda d: d["results"][1].update(evidence=[["only-a-key"]]), "[key, value] pairs"),
        (lambda d: d["results"][2].update(attempts="3"), "field 'attempts'"),
        (lambda d: d["results"].append("a string"), "a check result is a JSON object"),
    ],
)
def test_a_damaged_report_names_the_field(
    change: Callable[[dict[str, Any]], None], message: str
) -> None:
    with pytest.raises(InvalidValueError, match=re.escape(message)) as caught:
        ValidationReport.from_dict(_broken(change))
    assert "mosaic validate --json" in str(caught.value)


def test_a_report_that_is_not_json_or_not_an_object_is_refused() -> None:
    with pytest.raises(InvalidValueError, match="is not JSON"):
        ValidationReport.from_json("{not json")
    with pytest.raises(InvalidValueError, match="is a JSON object"):
        ValidationReport.from_json("[1, 2]")


def test_raise_for_verdict_carries_the_report() -> None:
    report = sample_report()
    with pytest.raises(ValidationFailedError) as caught:
        report.raise_for_verdict()
    assert caught.value.report is report
    inconclusive = PostDeployValidation([Fixed("gate", Verdict.INCONCLUSIVE)]).run(ctx())
    assert inconclusive.raise_for_verdict(allow_inconclusive=True) is inconclusive
    with pytest.raises(ValidationFailedError):
        inconclusive.raise_for_verdict()


def test_evidence_is_redacted() -> None:
    register_secret("hunter2-very-secret")
    result = CheckResult(
        "c", "custom", Verdict.PASSED, "ok", evidence={"body": "pw=hunter2-very-secret"}
    )
    assert "hunter2" not in json.dumps(result.to_dict())


# -- HealthCheck -----------------------------------------------------------------------


def test_health_check_retries_until_healthy() -> None:
    answers = iter([503, 503, 200])
    clock = FakeClock()
    check = HealthCheck(
        "{base_url}/health",
        deadline=10,
        interval=1,
        transport=transport(lambda r: httpx.Response(next(answers), text="ok")),
        sleep=clock.sleep,
        clock=clock,
    )
    result = check.run(ctx())
    assert result.verdict is Verdict.PASSED
    assert result.attempts == 3
    assert result.evidence_dict()["url"] == "http://web.test/health"
    assert clock.sleeps == [1, 1]


def test_health_check_fails_at_the_deadline_with_the_last_problem() -> None:
    clock = FakeClock()
    check = HealthCheck(
        "http://web.test/health",
        body_contains="ok",
        deadline=3,
        interval=1,
        transport=transport(lambda r: httpx.Response(200, text="degraded")),
        sleep=clock.sleep,
        clock=clock,
    )
    result = check.run(ctx())
    assert result.verdict is Verdict.FAILED
    assert "not healthy within 3s: body does not contain 'ok'" in result.summary
    assert result.attempts == 4  # at 0, 1, 2 and 3 seconds
    assert result.duration_seconds == 3


def test_health_check_reports_an_unreachable_service() -> None:
    def refuse(request: httpx.Request) -> httpx.Response:
        raise httpx.ConnectError("connection refused", request=request)

    clock = FakeClock()
    check = HealthCheck(
        "http://web.test/health", deadline=0, transport=transport(refuse), clock=clock
    )
    result = check.run(ctx())
    assert result.verdict is Verdict.FAILED
    assert "unreachable" in result.summary
    assert result.attempts == 1


# -- SmokeTest -------------------------------------------------------------------------


def test_smoke_steps_run_in_order_and_stop_at_the_first_failure() -> None:
    seen: list[str] = []

    def answer(request: httpx.Request) -> httpx.Response:
        seen.append(f"{request.method} {request.url.path}")
        if request.url.path == "/orders":
            return httpx.Response(500, text="boom")
        return httpx.Response(200, text="hello")

    smoke = SmokeTest(
        "checkout",
        steps=["/", SmokeStep("/orders", method="POST", json={"n": 1}), "/never"],
        transport=transport(answer),
    )
    result = smoke.run(ctx())
    assert seen == ["GET /", "POST /orders"]
    assert result.verdict is Verdict.FAILED
    assert "answered 500, expected 200" in result.summary
    assert result.evidence_dict()["step 2 body"] == "boom"


def test_smoke_steps_pass_and_check_bodies() -> None:
    smoke = SmokeTest(
        "home",
        steps=[SmokeStep("http://web.test/", body_contains="hello")],
        transport=transport(lambda r: httpx.Response(200, text="hello world")),
    )
    assert smoke.run(ctx()).verdict is Verdict.PASSED


def test_smoke_callables() -> None:
    assert (
        SmokeTest("ok", func=lambda c: f"checked {c.slot}").run(ctx()).evidence_dict()["result"]
        == "checked blue"
    )
    assert SmokeTest("no", func=lambda c: False).run(ctx()).verdict is Verdict.FAILED

    def broken(context: ValidationContext) -> None:
        raise AssertionError("cart total is 0")

    result = SmokeTest("broken", func=broken).run(ctx())
    assert result.verdict is Verdict.FAILED
    assert "cart total is 0" in result.summary


def test_smoke_test_needs_exactly_one_kind_of_body() -> None:
    with pytest.raises(ConfigurationError, match="exactly one"):
        SmokeTest("neither")
    with pytest.raises(ConfigurationError, match="exactly one"):
        SmokeTest("both", steps=["/"], func=lambda c: None)


# -- VersionMatch ----------------------------------------------------------------------


def version_endpoint(digest: str, version: str) -> httpx.MockTransport:
    return transport(lambda r: httpx.Response(200, json={"digest": digest, "version": version}))


def test_version_match_passes_when_target_and_endpoint_agree() -> None:
    check = VersionMatch("{base_url}/version", transport=version_endpoint(str(DIGEST), "1.4.0"))
    result = check.run(ctx(target=FakeTarget(DIGEST, "1.4.0")))
    assert result.verdict is Verdict.PASSED
    assert result.evidence_dict()["endpoint"] == "http://web.test/version"


@pytest.mark.parametrize(
    ("target", "endpoint", "fragment"),
    [
        (FakeTarget(OTHER), version_endpoint(str(DIGEST), "1.4.0"), "not the candidate"),
        (FakeTarget(DIGEST), version_endpoint(str(OTHER), "1.4.0"), "not the candidate"),
        (FakeTarget(DIGEST), version_endpoint(str(DIGEST), "1.3.9"), "expected '1.4.0'"),
        (
            FakeTarget(DIGEST),
            transport(lambda r: httpx.Response(200, text="v1")),
            "not JSON",
        ),
        (FakeTarget(DIGEST), transport(lambda r: httpx.Response(404)), "answered 404"),
    ],
)
def test_version_match_fails_on_any_mismatch(
    target: FakeTarget, endpoint: httpx.MockTransport, fragment: str
) -> None:
    result = VersionMatch("{base_url}/version", transport=endpoint).run(ctx(target=target))
    assert result.verdict is Verdict.FAILED
    assert fragment in result.summary


def test_version_match_is_inconclusive_when_nothing_can_tell() -> None:
    result = VersionMatch().run(ctx(target=FakeTarget(None)))
    assert result.verdict is Verdict.INCONCLUSIVE
    assert "does not report a digest" in result.summary
    assert VersionMatch().run(ctx()).verdict is Verdict.INCONCLUSIVE  # no target at all


def test_version_match_waits_for_a_rollout_within_its_deadline() -> None:
    answers = iter([str(OTHER), str(OTHER), str(DIGEST)])
    clock = FakeClock()
    check = VersionMatch(
        "{base_url}/version",
        from_target=False,
        deadline=5,
        interval=1,
        transport=transport(lambda r: httpx.Response(200, json={"digest": next(answers)})),
        sleep=clock.sleep,
        clock=clock,
    )
    result = check.run(ctx())
    assert result.verdict is Verdict.PASSED
    assert result.attempts == 3


def test_version_match_needs_a_source() -> None:
    with pytest.raises(ConfigurationError, match="nothing to compare"):
        VersionMatch(from_target=False)


# -- MetricGate ------------------------------------------------------------------------


def test_metric_gate_has_no_default_no_data_policy() -> None:
    with pytest.raises(TypeError, match="on_no_data"):
        MetricGate(ErrorRatio(), source=FakeSource(), max=0.01)  # type: ignore[call-arg]


@pytest.mark.parametrize(
    ("policy", "verdict"),
    [("fail", Verdict.FAILED), ("inconclusive", Verdict.INCONCLUSIVE), ("pass", Verdict.PASSED)],
)
def test_no_data_follows_the_policy_and_says_so(policy: str, verdict: Verdict) -> None:
    gate = MetricGate(ErrorRatio(), source=FakeSource(None), max=0.01, on_no_data=policy)
    result = gate.run(ctx())
    assert result.verdict is verdict
    assert f"no data (scripted); on_no_data={policy}" in result.summary
    assert result.evidence_dict()["on_no_data"] == policy


def test_thresholds_in_both_directions() -> None:
    over = MetricGate("x", source=FakeSource(0.2), max=0.1, on_no_data=NoDataPolicy.FAIL)
    result = over.run(ctx())
    assert result.verdict is Verdict.FAILED
    assert "0.2 violates <= 0.1" in result.summary
    under = MetricGate("x", source=FakeSource(0.98), min=0.99, on_no_data="fail")
    result = under.run(ctx())
    assert result.verdict is Verdict.FAILED
    assert "violates >= 0.99" in result.summary
    fine = MetricGate("x", source=FakeSource(0.995), min=0.99, on_no_data="fail")
    assert fine.run(ctx()).verdict is Verdict.PASSED


def test_every_series_must_satisfy_the_threshold() -> None:
    class TwoSeries(FakeSource):
        def evaluate(self, query: MetricQuery) -> MetricReading:
            return MetricReading(
                query=query.promql,
                value=0.01,
                series=(((("job", "a"),), 0.01), ((("job", "b"),), 0.5)),
            )

    result = MetricGate("x", source=TwoSeries(), max=0.05, on_no_data="fail").run(ctx())
    assert result.verdict is Verdict.FAILED
    assert "0.01, 0.5 violates" in result.summary


def test_failure_limit_measurements_and_interval() -> None:
    clock = FakeClock()
    source = FakeSource(0.5, 0.01, 0.02)
    gate = MetricGate(
        PromQL('ratio{job="web-{slot}"}'),
        source=source,
        max=0.05,
        on_no_data="fail",
        measurements=3,
        interval=2,
        initial_delay=5,
        failure_limit=1,
        sleep=clock.sleep,
    )
    result = gate.run(ctx())
    assert clock.sleeps == [5, 2, 2]
    assert result.verdict is Verdict.PASSED
    assert "1 of 3 measurement(s) failed, within the limit of 1" in result.summary
    assert source.queries == ['ratio{job="web-blue"}'] * 3
    strict = MetricGate("x", source=FakeSource(0.5, 0.5, 0.01), max=0.05, on_no_data="fail",
                        measurements=3, failure_limit=1)  # fmt: skip
    assert strict.run(ctx()).verdict is Verdict.FAILED


def test_a_measurement_error_is_a_failed_measurement() -> None:
    source = FakeSource(APIConnectionError("cannot connect", provider="prometheus"))
    result = MetricGate("x", source=source, max=1, on_no_data="pass").run(ctx())
    assert result.verdict is Verdict.FAILED
    assert "could not measure: prometheus: cannot connect" in result.summary


@pytest.mark.parametrize(
    ("kwargs", "error"),
    [
        ({"max": 1, "min": 0}, ConfigurationError),
        ({}, ConfigurationError),
        ({"max": 1, "measurements": 0}, InvalidValueError),
        ({"max": float("nan")}, InvalidValueError),
        ({"max": 1, "on_no_data": "skip"}, InvalidValueError),
    ],
)
def test_metric_gate_configuration_errors(kwargs: dict[str, Any], error: type[Exception]) -> None:
    options: dict[str, Any] = {"on_no_data": "fail", **kwargs}
    with pytest.raises(error):
        MetricGate("x", source=FakeSource(), **options)


def test_metric_gate_refuses_something_that_is_not_a_source() -> None:
    with pytest.raises(ConfigurationError, match="not a metrics source"):
        MetricGate("x", source=object(), max=1, on_no_data="fail")  # type: ignore[arg-type]


def test_a_gate_waits_for_data_within_its_data_deadline() -> None:
    clock = FakeClock()
    source = FakeSource(None, None, 0.01)
    gate = MetricGate(
        ErrorRatio(), source=source, max=0.05, on_no_data="fail", data_deadline=5,
        data_retry=1, sleep=clock.sleep, clock=clock,
    )  # fmt: skip
    result = gate.run(ctx())
    assert result.verdict is Verdict.PASSED
    assert "(data after 2s)" in result.summary
    assert clock.sleeps == [1, 1]


def test_no_data_past_the_data_deadline_follows_the_policy() -> None:
    clock = FakeClock()
    source = FakeSource(*([None] * 10))
    gate = MetricGate(
        ErrorRatio(), source=source, max=0.05, on_no_data="fail", data_deadline=3,
        data_retry=1, sleep=clock.sleep, clock=clock,
    )  # fmt: skip
    result = gate.run(ctx())
    assert result.verdict is Verdict.FAILED
    assert "on_no_data=fail" in result.summary
    assert len(source.queries) == 4  # at 0, 1, 2 and 3 seconds
