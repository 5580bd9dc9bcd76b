"""PrometheusClient over a mock transport: envelopes, error shapes, helpers, async twin.

The shapes mirror what Prometheus 2.42 answers (checked against the real binary in
tests/integration/test_prometheus_gates.py).
"""

from __future__ import annotations

import asyncio
import json
import re
from collections.abc import Callable
from datetime import datetime, timezone
from typing import Any
from urllib.parse import parse_qs

import httpx
import pytest

from mosaic_sdk._http import RetryPolicy
from mosaic_sdk.errors import (
    APIResponseValidationError,
    BadRequestError,
    InvalidValueError,
    ServerError,
    UnprocessableEntityError,
)
from mosaic_sdk.observability import (
    SLO,
    AsyncPrometheusClient,
    ErrorRatio,
    MetricsSource,
    PrometheusClient,
)

URL = "http://prom.test:9090"
NO_RETRY = RetryPolicy(max_retries=0)


def success(result_type: str, result: Any, **extra: Any) -> dict[str, Any]:
    return {"status": "success", "data": {"resultType": result_type, "result": result}, **extra}


def vector(*values: str, labels: dict[str, str] | None = None) -> dict[str, Any]:
    return success(
        "vector", [{"metric": labels or {"job": "web"}, "value": [1700000000.5, v]} for v in values]
    )


class Recorder:
    def __init__(self, answer: Callable[[httpx.Request], httpx.Response]) -> None:
        self.answer = answer
        self.requests: list[httpx.Request] = []

    def __call__(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(request)
        return self.answer(request)

    def form(self, index: int = -1) -> dict[str, str]:
        parsed = parse_qs(self.requests[index].content.decode())
        return {k: v[0] for k, v in parsed.items()}


def client(
    answer: Callable[[httpx.Request], httpx.Response], retry: RetryPolicy = NO_RETRY
) -> tuple[PrometheusClient, Recorder]:
    recorder = Recorder(answer)
    return PrometheusClient(URL, retry=retry, transport=httpx.MockTransport(recorder)), recorder


def test_instant_query_posts_a_form_and_parses_string_values() -> None:
    prom, rec = client(lambda r: httpx.Response(200, json=vector("0.25", "NaN")))
    at = datetime(2024, 1, 1, tzinfo=timezone.utc)
    result = prom.query('up{job="web"}', at=at, timeout="10s")
    request = rec.requests[0]
    assert (request.method, request.url.path) == ("POST", "/api/v1/query")
    assert request.headers["content-type"] == "application/x-www-form-urlencoded"
    assert rec.form() == {"query": 'up{job="web"}', "time": "1704067200.000", "timeout": "10s"}
    assert result.result_type == "vector"
    assert result.samples[0].value == 0.25
    assert result.samples[0].label("job") == "web"
    assert result.first_value() == 0.25
    assert isinstance(prom, MetricsSource)


def test_nan_and_empty_results_are_no_data() -> None:
    prom, _ = client(lambda r: httpx.Response(200, json=vector("NaN")))
    assert prom.value("x") is None
    reading = prom.evaluate("x")
    assert reading.value is None
    assert "NaN" in reading.detail
    prom, _ = client(lambda r: httpx.Response(200, json=success("vector", [])))
    reading = prom.evaluate(ErrorRatio())
    assert reading.value is None
    assert "no series" in reading.detail


def test_range_scalar_and_string_results() -> None:
    matrix = success("matrix", [{"metric": {"job": "web"}, "values": [[1, "1"], [2, "+Inf"]]}])
    prom, rec = client(lambda r: httpx.Response(200, json=matrix))
    result = prom.query_range("up", start=100, end=160, step=15)
    assert rec.form() == {"query": "up", "start": "100.000", "end": "160.000", "step": "15"}
    assert result.series[0].values() == (1.0, float("inf"))
    assert result.first_value() == float("inf")
    prom, _ = client(lambda r: httpx.Response(200, json=success("scalar", [5, "2.5"])))
    assert prom.value("scalar(vector(2.5))") == 2.5
    prom, _ = client(lambda r: httpx.Response(200, json=success("string", [5, "hi"])))
    assert prom.query('"hi"').text == "hi"


def test_query_range_refuses_reversed_bounds_and_bad_steps() -> None:
    prom, rec = client(lambda r: httpx.Response(200, json=success("matrix", [])))
    with pytest.raises(InvalidValueError, match="end is before start"):
        prom.query_range("up", start=10, end=5, step="1s")
    with pytest.raises(InvalidValueError, match="query step"):
        prom.query_range("up", start=1, end=5, step=0)
    with pytest.raises(InvalidValueError, match="timezone"):
        prom.query("up", at=datetime(2024, 1, 1))
    assert rec.requests == []


@pytest.mark.parametrize(
    ("status", "error_type", "error_class", "hint"),
    [
        (400, "bad_data", BadRequestError, "fix the PromQL syntax"),
        (422, "execution", UnprocessableEntityError, "on()/ignoring()"),
        (503, "timeout", ServerError, "narrow the query"),
    ],
)
def test_error_envelopes_map_to_typed_errors(
    status: int, error_type: str, error_class: type[Exception], hint: str
) -> None:
    body = {"status": "error", "errorType": error_type, "error": "something specific"}
    prom, _ = client(lambda r: httpx.Response(status, json=body))
    with pytest.raises(error_class) as caught:
        prom.query("rate(x[5m]")
    message = str(caught.value)
    assert f"HTTP {status} {error_type}: something specific" in message
    assert hint in message
    assert "prometheus" in message


def test_503_is_retried_before_it_raises() -> None:
    calls = iter([httpx.Response(503, text="overloaded"), httpx.Response(200, json=vector("1"))])
    prom, rec = client(lambda r: next(calls), RetryPolicy(max_retries=1, sleep=lambda s: None))
    assert prom.value("up") == 1.0
    assert len(rec.requests) == 2


def test_a_proxy_error_page_says_it_is_not_an_api_answer() -> None:
    prom, _ = client(lambda r: httpx.Response(404, text="<html>nginx</html>"))
    with pytest.raises(Exception, match="not an API answer"):
        prom.query("up")


@pytest.mark.parametrize(
    "body",
    [
        {"status": "error", "errorType": "bad_data", "error": "odd"},
        {"status": "success"},
        {"status": "success", "data": {"resultType": "vector", "result": [{"value": [1, 2]}]}},
        {"status": "success", "data": {"resultType": "histogram", "result": []}},
        ["not", "an", "envelope"],
    ],
)
def test_malformed_success_answers_raise_validation_errors(body: Any) -> None:
    prom, _ = client(lambda r: httpx.Response(200, json=body))
    with pytest.raises(APIResponseValidationError):
        prom.query("up")


def test_ready_is_false_when_starting_or_unreachable() -> None:
    prom, _ = client(lambda r: httpx.Response(503, text="Service Unavailable"))
    assert prom.ready() is False

    def refuse(request: httpx.Request) -> httpx.Response:
        raise httpx.ConnectError("refused", request=request)

    prom, _ = client(refuse)
    assert prom.ready() is False
    prom, _ = client(lambda r: httpx.Response(200, text="Prometheus Server is Ready."))
    assert prom.ready() is True


def test_error_ratio_and_latency_helpers_send_the_documented_queries() -> None:
    prom, rec = client(lambda r: httpx.Response(200, json=vector("0.02")))
    assert prom.error_ratio("1m", selector={"job": "web"}) == 0.02
    assert rec.form()["query"].startswith(
        '(sum(rate(http_requests_total{job="web",code=~"5.."}[1m]))'
    )
    assert prom.latency_quantile(0.99, "1m") == 0.02
    assert rec.form()["query"].startswith("histogram_quantile(0.99, sum by (le)")


def test_burn_rates_query_each_window_once_and_evaluate_the_slo() -> None:
    # 2 % errors over the short windows, 0.05 % over the long ones.
    ratios = {"5m": "0.02", "30m": "0.02", "1h": "0.02", "6h": "0.0005", "3d": "0.0005"}

    def answer(request: httpx.Request) -> httpx.Response:
        query = parse_qs(request.content.decode())["query"][0]
        window = re.search(r"\[(\w+)\]", query)
        assert window is not None
        return httpx.Response(200, json=vector(ratios[window.group(1)]))

    prom, rec = client(answer)
    evaluation = prom.burn_rates(SLO(0.999))
    assert len(rec.requests) == len(SLO(0.999).required_windows()) == 5
    # The 1h/5m page (14.4x) fires at a 20x burn; the 6h/30m page and the ticket do not.
    assert [r.firing for r in evaluation.results] == [True, False, False]


def test_async_twin_has_the_same_methods_and_errors() -> None:
    seen: list[str] = []

    async def answer(request: httpx.Request) -> httpx.Response:
        seen.append(request.url.path)
        if "broken" in request.content.decode():
            return httpx.Response(
                400, json={"status": "error", "errorType": "bad_data", "error": "parse error"}
            )
        return httpx.Response(200, json=vector("3"))

    async def main() -> tuple[float | None, float | None]:
        async with AsyncPrometheusClient(
            URL, retry=NO_RETRY, transport=httpx.MockTransport(answer)
        ) as prom:
            with pytest.raises(BadRequestError, match="bad_data"):
                await prom.query("broken(")
            reading = await prom.evaluate(ErrorRatio())
            return await prom.value("up"), reading.value

    assert asyncio.run(main()) == (3.0, 3.0)
    assert seen == ["/api/v1/query"] * 3
    assert sorted(n for n in dir(PrometheusClient) if not n.startswith("_")) == sorted(
        {n for n in dir(AsyncPrometheusClient) if not n.startswith("_")} - {"aclose"} | {"close"}
    )


def test_repr_shows_no_headers() -> None:
    prom = PrometheusClient(URL, headers={"Authorization": "Bearer s3cr3t-token-value"})
    with prom:
        assert "s3cr3t" not in repr(prom)
        assert json.dumps(prom.source_name) == f'"prometheus {URL}"'
