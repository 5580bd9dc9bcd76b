"""PrometheusClient and metric gates against a real Prometheus scraping a real app.

One Prometheus (Debian's binary, 1 s scrape) scrapes ``tests/_support/metrics_app.py`` for the
whole module. The tests flip the app to failing or slow and wait - by polling, never by
fixed sleeps - until the gates see the change.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable, Iterator
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest

from mosaic_sdk.errors import BadRequestError, UnprocessableEntityError
from mosaic_sdk.observability import (
    SLO,
    AsyncPrometheusClient,
    BurnRateWindow,
    ErrorRatio,
    LatencyQuantile,
    PrometheusClient,
    PromQL,
    QueryResult,
    ScrapeMetricsSource,
    Severity,
)
from mosaic_sdk.release import (
    HealthCheck,
    MetricGate,
    NoDataPolicy,
    PostDeployValidation,
    SmokeTest,
    ValidationContext,
    ValidationReport,
    Verdict,
    VersionMatch,
)
from mosaic_sdk.values import ImageReference
from tests._support.metrics_app import MetricsApp
from tests._support.prometheus_server import PrometheusServer

pytestmark = pytest.mark.integration

DIGEST = "sha256:" + "ab" * 32
IMAGE = ImageReference.parse(f"registry.example/team/web@{DIGEST}")
WINDOW = "5s"  # five scrapes at 1 s


@pytest.fixture(scope="module")
def app() -> Iterator[MetricsApp]:
    with MetricsApp(digest=DIGEST, version="1.4.0-rc.1") as running:
        running.start_traffic(per_second=50)
        yield running


@pytest.fixture(scope="module")
def prometheus(app: MetricsApp, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    workdir: Path = tmp_path_factory.mktemp("prometheus")
    with PrometheusServer(workdir, {"web": app.host}) as server:
        yield server.url


@pytest.fixture
def prom(prometheus: str) -> Iterator[PrometheusClient]:
    with PrometheusClient(prometheus, timeout=10) as client:
        yield client


@pytest.fixture(autouse=True)
def healthy_app(app: MetricsApp) -> Iterator[None]:
    app.fail_ratio, app.delay, app.healthy = 0.0, 0.0, True
    yield
    app.fail_ratio, app.delay, app.healthy = 0.0, 0.0, True


def wait_for(predicate: Callable[[], bool], *, timeout: float = 30.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return
        time.sleep(0.5)
    raise AssertionError(f"condition not met within {timeout}s")


def context(app: MetricsApp) -> ValidationContext:
    return ValidationContext(image=IMAGE, version="1.4.0-rc.1", base_url=app.url, slot="blue")


def test_ready_and_instant_query_parse_string_values(prom: PrometheusClient) -> None:
    assert prom.ready()
    wait_for(lambda: prom.value('up{job="web"}') == 1.0)
    result = prom.query('up{job="web"}')
    assert result.result_type == "vector"
    assert result.samples[0].label("job") == "web"
    assert isinstance(result.samples[0].value, float)
    scalar = prom.query("scalar(vector(2.5))")
    assert scalar.result_type == "scalar"
    assert scalar.first_value() == 2.5


def test_query_range_returns_a_matrix(prom: PrometheusClient) -> None:
    def last_five_seconds() -> QueryResult:
        end = datetime.now(timezone.utc)
        return prom.query_range(
            'up{job="web"}', start=end - timedelta(seconds=5), end=end, step=timedelta(seconds=1)
        )

    wait_for(lambda: sum(len(s.points) for s in last_five_seconds().series) >= 3)
    result = last_five_seconds()
    assert result.result_type == "matrix"
    assert dict(result.series[0].labels)["job"] == "web"
    assert len(result.series[0].points) >= 3
    assert all(v == 1.0 for v in result.series[0].values())


def test_error_shapes_are_mapped(prom: PrometheusClient) -> None:
    with pytest.raises(BadRequestError) as bad:
        prom.query("sum(rate(http_requests_total[5m]")
    assert bad.value.status_code == 400
    assert "bad_data" in str(bad.value)
    assert "fix the PromQL syntax" in str(bad.value)
    # Many-to-many matching: both sides have two series per match group.
    wait_for(lambda: prom.value('count(http_requests_total{job="web"})') is not None)
    many = (
        'label_replace(up, "x", "1", "", "") + on(job) '
        '(label_replace(up, "y", "a", "", "") or label_replace(up, "y", "b", "", ""))'
    )
    with pytest.raises(UnprocessableEntityError) as execution:
        prom.query(many)
    assert execution.value.status_code == 422
    assert "execution" in str(execution.value)


def test_empty_and_nan_results_are_no_data(prom: PrometheusClient) -> None:
    assert prom.query('up{job="nope"}').is_empty
    assert prom.value('up{job="nope"}') is None
    assert prom.value("vector(0) / vector(0)") is None  # NaN is no data, never a number
    reading = prom.evaluate(ErrorRatio(window=WINDOW, selector={"job": "nope"}))
    assert reading.value is None
    assert not reading.has_data


@pytest.mark.parametrize(
    ("policy", "expected"),
    [
        (NoDataPolicy.FAIL, Verdict.FAILED),
        (NoDataPolicy.INCONCLUSIVE, Verdict.INCONCLUSIVE),
        (NoDataPolicy.PASS, Verdict.PASSED),
    ],
)
def test_no_data_follows_the_explicit_policy(
    prom: PrometheusClient, app: MetricsApp, policy: NoDataPolicy, expected: Verdict
) -> None:
    gate = MetricGate.error_ratio(
        prom, max_ratio=0.05, window=WINDOW, selector={"job": "missing"}, on_no_data=policy
    )
    result = gate.run(context(app))
    assert result.verdict is expected
    assert "no data" in result.summary
    assert f"on_no_data={policy.value}" in result.summary


def test_error_gate_sees_the_app_start_failing(prom: PrometheusClient, app: MetricsApp) -> None:
    gate = MetricGate.error_ratio(
        prom, max_ratio=0.05, window=WINDOW, selector={"job": "web"}, on_no_data="fail"
    )
    wait_for(lambda: gate.run(context(app)).verdict is Verdict.PASSED)
    app.fail_ratio = 0.5
    wait_for(lambda: gate.run(context(app)).verdict is Verdict.FAILED)
    result = gate.run(context(app))
    assert "violates <= 0.05" in result.summary
    assert result.evidence_dict()["query"].startswith("(sum(rate(http_requests_total{")
    ratio = prom.error_ratio(WINDOW, selector={"job": "web"})
    assert ratio is not None
    assert ratio > 0.05
    app.fail_ratio = 0.0
    wait_for(lambda: gate.run(context(app)).verdict is Verdict.PASSED)


def test_latency_gate_sees_the_app_slow_down(prom: PrometheusClient, app: MetricsApp) -> None:
    gate = MetricGate.latency(
        prom,
        quantile=0.95,
        max_seconds=0.1,
        window=WINDOW,
        selector={"job": "web"},
        on_no_data=NoDataPolicy.FAIL,
    )
    wait_for(lambda: gate.run(context(app)).verdict is Verdict.PASSED)
    app.delay = 0.3
    wait_for(lambda: gate.run(context(app)).verdict is Verdict.FAILED)
    p95 = prom.latency_quantile(0.95, WINDOW, selector={"job": "web"})
    assert p95 is not None
    assert p95 > 0.1


def test_selector_placeholders_follow_the_context(prom: PrometheusClient, app: MetricsApp) -> None:
    # One gate serves both slots: "{slot}" is expanded from the validation context.
    gate = MetricGate(
        ErrorRatio(window=WINDOW, selector={"job": "{slot}"}), source=prom, max=1, on_no_data="fail"
    )
    wait_for(lambda: prom.value('up{job="web"}') == 1.0)
    as_web = ValidationContext(image=IMAGE, slot="web")
    assert gate.run(as_web).verdict is Verdict.PASSED
    result = gate.run(context(app))  # the slot is "blue": no such job, no data, fail
    assert result.verdict is Verdict.FAILED
    assert 'job="blue"' in result.evidence_dict()["query"]


def test_full_validation_report_against_the_real_stack(
    prom: PrometheusClient, app: MetricsApp
) -> None:
    validation = PostDeployValidation(
        [
            HealthCheck("{base_url}/health", deadline=5, interval=0.2),
            SmokeTest("api answers", steps=["/api"]),
            VersionMatch("{base_url}/version", from_target=False),
            MetricGate.error_ratio(
                prom, max_ratio=0.05, window=WINDOW, selector={"job": "web"}, on_no_data="fail"
            ),
            MetricGate.latency(
                prom, max_seconds=0.25, window=WINDOW, selector={"job": "web"}, on_no_data="fail"
            ),
        ]
    )
    wait_for(lambda: validation.run(context(app)).ok)
    app.fail_ratio = 0.5
    reports: list[ValidationReport] = []

    def error_gate_failed() -> bool:
        reports.append(validation.run(context(app)))
        return any(r.kind == "metric" and "error ratio" in r.name for r in reports[-1].failures())

    wait_for(error_gate_failed)
    report = reports[-1]
    assert report.failed
    markdown = report.to_markdown()
    assert "FAILED" in markdown
    assert "sum(rate(http_requests_total" in markdown


def test_burn_rates_fire_on_a_failing_app(prom: PrometheusClient, app: MetricsApp) -> None:
    # Workbook shape (long window, short window = long / 6 here), scaled down to seconds.
    slo = SLO(0.99, window="1h", alerts=[BurnRateWindow(long="30s", short="5s", burn_rate=10)])
    assert slo.required_windows() == (timedelta(seconds=5), timedelta(seconds=30))
    wait_for(lambda: not prom.burn_rates(slo, selector={"job": "web"}).firing, timeout=45)
    app.fail_ratio = 0.5
    wait_for(lambda: prom.burn_rates(slo, selector={"job": "web"}).firing, timeout=45)
    evaluation = prom.burn_rates(slo, selector={"job": "web"})
    assert evaluation.severity is Severity.PAGE
    assert evaluation.results[0].short_burn_rate > 10
    assert evaluation.results[0].long_burn_rate > 10


def test_scrape_source_agrees_with_prometheus(prom: PrometheusClient, app: MetricsApp) -> None:
    source = ScrapeMetricsSource({"web": f"{app.url}/metrics"})
    with source:
        source.scrape()
        time.sleep(2)
        scraped = source.evaluate(LatencyQuantile(0.5, window="1m", selector={"job": "web"}))
    assert scraped.value is not None
    assert scraped.value <= 0.01  # healthy: sub-10 ms answers
    real = prom.latency_quantile(0.5, "30s", selector={"job": "web"})
    assert real is not None
    assert real <= 0.01


def test_async_client_twin(prometheus: str, prom: PrometheusClient) -> None:
    wait_for(lambda: prom.value('up{job="web"}') == 1.0)

    async def main() -> tuple[bool, float | None, float | None]:
        async with AsyncPrometheusClient(prometheus) as client:
            with pytest.raises(BadRequestError):
                await client.query("up{")
            reading = await client.evaluate(PromQL('up{job="web"}'))
            return await client.ready(), await client.value('up{job="web"}'), reading.value

    assert asyncio.run(main()) == (True, 1.0, 1.0)


def test_a_gate_promql_syntax_error_is_refused_before_release_deploys(
    prom: PrometheusClient, tmp_path: Path
) -> None:
    from mosaic_sdk.errors import ConfigurationError
    from mosaic_sdk.release import PostDeployValidation, release
    from tests._support.release_fakes import World

    world = World(tmp_path)
    image = world.to_testing("good1")
    gate = MetricGate("sum(rate(http_requests_total[5m]) <= 1", source=prom, max=1.0,
                      on_no_data="fail")  # fmt: skip
    with pytest.raises(ConfigurationError, match="cannot parse its PromQL"):
        release(image, validation=PostDeployValidation([gate]), promotion=world.promotion,
                slots=world.slots)  # fmt: skip
    assert world.promotion.current("blue") is None  # nothing deployed
    assert world.slots["blue"].running().digest is None
