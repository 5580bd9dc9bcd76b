"""Metric query values, histogram_quantile, the exposition parser and ScrapeMetricsSource."""

from __future__ import annotations

import math
from collections.abc import Callable

import httpx
import pytest
from prometheus_client import CollectorRegistry, Counter, Histogram, generate_latest

from mosaic_sdk._http import HTTPClient, RetryPolicy
from mosaic_sdk.errors import (
    APIConnectionError,
    APIResponseValidationError,
    InvalidValueError,
    UnsupportedOperationError,
)
from mosaic_sdk.observability import (
    ErrorRatio,
    LatencyQuantile,
    MetricQuery,
    PromQL,
    ScrapeMetricsSource,
    histogram_quantile,
    parse_exposition,
)

# -- query values -----------------------------------------------------------------------


def test_error_ratio_renders_promql_with_escaped_selector() -> None:
    query = ErrorRatio(window="30s", selector={"job": 'we"b', "env": "prod"})
    assert query.promql == (
        '(sum(rate(http_requests_total{env="prod",job="we\\"b",code=~"5.."}[30s])) or vector(0))'
        ' / sum(rate(http_requests_total{env="prod",job="we\\"b"}[30s]))'
    )
    assert query.describe() == "error ratio (code=~5..) over 30s"
    assert isinstance(query, MetricQuery)


def test_error_ratio_matches_like_promql_regexes_fully_anchored() -> None:
    query = ErrorRatio(error_pattern="5..")
    assert query.is_error({"code": "503"})
    assert not query.is_error({"code": "1503"})
    assert not query.is_error({})


def test_latency_quantile_renders_histogram_quantile() -> None:
    query = LatencyQuantile(0.99, window="1m", selector={"job": "web"})
    assert query.promql == (
        "histogram_quantile(0.99, sum by (le) "
        '(rate(http_request_duration_seconds_bucket{job="web"}[1m])))'
    )
    assert query.describe() == "p99 latency over 1m"


@pytest.mark.parametrize(
    ("build", "fragment"),
    [
        (lambda: ErrorRatio(window="5 minutes"), "Prometheus duration"),
        (lambda: ErrorRatio(metric="9bad"), "metric name"),
        (lambda: ErrorRatio(selector={"bad-label": "x"}), "label name"),
        (lambda: ErrorRatio(error_pattern="("), "regular expression"),
        (lambda: LatencyQuantile(95), "quantile"),
        (lambda: PromQL("  "), "PromQL"),
    ],
)
def test_bad_query_values_name_the_value_and_fix(
    build: Callable[[], object], fragment: str
) -> None:
    with pytest.raises(InvalidValueError, match=fragment):
        build()


# -- histogram_quantile (Prometheus' bucketQuantile) ------------------------------------

BUCKETS = {0.1: 50.0, 0.5: 90.0, math.inf: 100.0}


@pytest.mark.parametrize(
    ("q", "expected"),
    [
        (0.5, 0.1),  # exactly at the first boundary
        (0.25, 0.05),  # interpolated from 0 inside the first bucket
        (0.7, 0.3),  # halfway through the second bucket
        (0.99, 0.5),  # in the +Inf bucket: the largest finite bound
        (-0.1, -math.inf),
        (1.1, math.inf),
    ],
)
def test_histogram_quantile_matches_prometheus(q: float, expected: float) -> None:
    assert histogram_quantile(q, BUCKETS) == pytest.approx(expected)


def test_histogram_quantile_no_data_and_malformed_buckets_are_nan() -> None:
    assert math.isnan(histogram_quantile(0.5, {0.1: 0.0, math.inf: 0.0}))
    assert math.isnan(histogram_quantile(0.5, {0.1: 5.0, 0.5: 10.0}))  # no +Inf bucket
    assert math.isnan(histogram_quantile(0.5, {}))
    # A count that goes down (a scrape race) is raised to stay monotonic.
    racy = [(0.1, 10.0), (0.5, 8.0), (1.0, 20.0), (math.inf, 20.0)]
    assert histogram_quantile(0.6, racy) == pytest.approx(0.6)


# -- exposition parser -------------------------------------------------------------------

PAGE = """\
# HELP http_requests_total Requests.
# TYPE http_requests_total counter
http_requests_total{code="200",path="/a\\"b\\\\c"} 10
http_requests_total{code="500"} 2 1700000000000
lat_bucket{le="+Inf"} 7
gauge NaN
up 1
"""


def test_parse_exposition_reads_labels_escapes_and_special_values() -> None:
    samples = parse_exposition(PAGE)
    assert [s.name for s in samples] == [
        "http_requests_total",
        "http_requests_total",
        "lat_bucket",
        "gauge",
        "up",
    ]
    assert samples[0].label("path") == 'a"b\\c'.replace("a", "/a")
    assert samples[1].value == 2.0
    assert samples[2].label("le") == "+Inf"
    assert math.isnan(samples[3].value)
    assert samples[4].labels == ()


def test_parse_exposition_reads_prometheus_client_output() -> None:
    registry = CollectorRegistry()
    counter = Counter("jobs", "Jobs.", ["code"], registry=registry)
    histogram = Histogram("lat_seconds", "Latency.", buckets=(0.1, 1.0), registry=registry)
    counter.labels(code="500").inc(3)
    histogram.observe(0.05)
    histogram.observe(0.5)
    samples = parse_exposition(generate_latest(registry).decode())
    by_name = {(s.name, s.labels): s.value for s in samples}
    assert by_name[("jobs_total", (("code", "500"),))] == 3.0
    assert by_name[("lat_seconds_bucket", (("le", "0.1"),))] == 1.0
    assert by_name[("lat_seconds_bucket", (("le", "+Inf"),))] == 2.0


@pytest.mark.parametrize("line", ["up", 'x{a="1} 3', "x{a=1} 2", "x one"])
def test_parse_exposition_refuses_malformed_lines(line: str) -> None:
    with pytest.raises(APIResponseValidationError, match="metrics line"):
        parse_exposition(line)


# -- ScrapeMetricsSource -----------------------------------------------------------------


class Pages:
    """Serves a settable /metrics page per host and counts fetches."""

    def __init__(self) -> None:
        self.text: dict[str, str] = {}
        self.down: set[str] = set()

    def handler(self, request: httpx.Request) -> httpx.Response:
        host = request.url.host
        if host in self.down:
            raise httpx.ConnectError("refused", request=request)
        return httpx.Response(200, text=self.text[host])


def counters(ok: int, failed: int, *, fast: int | None = None) -> str:
    fast = ok + failed if fast is None else fast
    total = ok + failed
    return (
        f'http_requests_total{{code="200"}} {ok}\n'
        f'http_requests_total{{code="500"}} {failed}\n'
        f'http_request_duration_seconds_bucket{{le="0.1"}} {fast}\n'
        f'http_request_duration_seconds_bucket{{le="1.0"}} {total}\n'
        f'http_request_duration_seconds_bucket{{le="+Inf"}} {total}\n'
    )


def source_for(
    pages: Pages, targets: str | dict[str, str], clock: list[float]
) -> ScrapeMetricsSource:
    http = HTTPClient(
        provider="metrics",
        retry=RetryPolicy(max_retries=0),
        transport=httpx.MockTransport(pages.handler),
    )
    return ScrapeMetricsSource(targets, http=http, clock=lambda: clock[0])


def test_scrape_source_computes_ratio_and_quantile_from_increases() -> None:
    pages, clock = Pages(), [0.0]
    pages.text["a"] = counters(100, 0)
    source = source_for(pages, "http://a/metrics", clock)
    source.scrape()
    clock[0] = 10.0
    pages.text["a"] = counters(190, 10, fast=150)  # +100 requests, 10 failed, 50 slow
    ratio = source.evaluate(ErrorRatio(window="1m"))
    assert ratio.value == pytest.approx(0.1)
    assert "10 of 100 requests failed" in ratio.detail
    # 50 of 100 new requests were under 0.1 s: the median sits at the boundary.
    median = source.evaluate(LatencyQuantile(0.5, window="1m"))
    assert median.value == pytest.approx(0.1)


def test_scrape_source_without_a_baseline_or_traffic_has_no_data() -> None:
    pages, clock = Pages(), [0.0]
    pages.text["a"] = counters(5, 0)
    source = source_for(pages, "http://a/metrics", clock)
    first = source.evaluate(ErrorRatio(window="1m"))
    assert first.value is None
    assert "no earlier scrape" in first.detail
    clock[0] = 5.0
    idle = source.evaluate(ErrorRatio(window="1m"))  # same counters: 0/0
    assert idle.value is None
    assert "0/0" in idle.detail
    assert source.evaluate(LatencyQuantile(window="1m")).value is None


def test_scrape_source_ignores_scrapes_older_than_the_window_and_handles_resets() -> None:
    pages, clock = Pages(), [0.0]
    pages.text["a"] = counters(1000, 1000)
    source = source_for(pages, "http://a/metrics", clock)
    source.scrape()  # t=0: half failed, but it falls out of the 30s window
    clock[0] = 40.0
    pages.text["a"] = counters(10, 0)  # the process restarted: counters reset
    source.scrape()
    clock[0] = 50.0
    pages.text["a"] = counters(30, 0)
    reading = source.evaluate(ErrorRatio(window="30s"))
    assert reading.value == 0.0
    assert "0 of 20 requests failed" in reading.detail


def test_scrape_source_labels_jobs_and_survives_a_down_page() -> None:
    pages, clock = Pages(), [0.0]
    pages.text["blue"] = counters(0, 0)
    pages.text["green"] = counters(0, 0)
    source = source_for(
        pages, {"web-blue": "http://blue/metrics", "web-green": "http://green/metrics"}, clock
    )
    samples = source.scrape()
    assert {s.label("job") for s in samples} == {"web-blue", "web-green"}
    assert {s.label("instance") for s in samples} == {"blue", "green"}
    clock[0] = 5.0
    pages.text["green"] = counters(50, 50)
    pages.text["blue"] = counters(100, 0)
    green = source.evaluate(ErrorRatio(window="1m", selector={"job": "web-green"}))
    blue = source.evaluate(ErrorRatio(window="1m", selector={"job": "web-blue"}))
    assert (green.value, blue.value) == (0.5, 0.0)
    pages.down.add("green")
    source.scrape()
    assert list(source.last_errors) == ["web-green"]
    pages.down.add("blue")
    with pytest.raises(APIConnectionError):
        source.scrape()


def test_scrape_source_refuses_raw_promql_with_a_workaround() -> None:
    source = ScrapeMetricsSource("http://127.0.0.1:9/metrics")
    with source, pytest.raises(UnsupportedOperationError, match="PrometheusClient"):
        source.evaluate(PromQL("up"))


def test_scrape_source_refuses_a_bad_target() -> None:
    with pytest.raises(InvalidValueError, match="metrics page URL"):
        ScrapeMetricsSource("127.0.0.1:8080/metrics")
