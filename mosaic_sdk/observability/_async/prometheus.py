"""The Prometheus HTTP API client (``/api/v1/query``, ``/api/v1/query_range``).

Written once, as asynchronous source: ``scripts/gen_sync.py`` generates the synchronous
twin (same arguments and method names, not awaited) from it. Both send through
:mod:`mosaic_sdk._http` (retries, correlation ids, typed errors); the request forms,
answer models and parsing are I/O-free and shared (:mod:`mosaic_sdk.observability._promapi`,
which also documents the API's shapes).
"""

from __future__ import annotations

import datetime as _dt
import math
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from mosaic_sdk._core._async.closing import AsyncPooled
from mosaic_sdk._http import AsyncHTTPClient, RetryPolicy
from mosaic_sdk.errors import APIError
from mosaic_sdk.observability._metrics import SLO, BurnRateEvaluation
from mosaic_sdk.observability._promapi import (
    _FORM,
    _PROVIDER,
    QueryResult,
    _as_query,
    _prometheus_from_env,
    _PrometheusBase,
    _query_form,
    _range_form,
    _reading,
    parse_query_response,
    prometheus_error_message,
)
from mosaic_sdk.observability._promql import (
    ErrorRatio,
    LatencyQuantile,
    MetricQuery,
    MetricReading,
)

if TYPE_CHECKING:
    from mosaic_sdk._http import AsyncBaseTransport

__all__ = ["AsyncPrometheusClient"]


class AsyncPrometheusClient(AsyncPooled[AsyncHTTPClient], _PrometheusBase):
    """Prometheus HTTP API client; also a
    :class:`~mosaic_sdk.observability.MetricsSource` for gates.

    Close it with ``await client.aclose()``, or use it as a context manager.

    Args:
        base_url: e.g. ``http://127.0.0.1:9090`` (a path prefix such as ``/prometheus``
            is kept).
        headers: sent with every request (put a bearer token here; never shown).
        timeout: seconds per HTTP attempt.
        retry: retry policy (default: 2 retries on connection errors, 408, 429, 5xx).
        verify: TLS verification (on by default) or a CA bundle path.
        transport: an httpx transport, for tests.

    Example:
        >>> async with AsyncPrometheusClient("http://127.0.0.1:9090") as prom:  # doctest: +SKIP
        ...     await prom.value('sum(up{job="web"})')
        1.0
    """

    def __init__(
        self,
        base_url: str,
        *,
        headers: Mapping[str, str] | None = None,
        timeout: float = 30.0,
        retry: RetryPolicy | None = None,
        verify: bool | str = True,
        transport: AsyncBaseTransport | None = None,
    ) -> None:
        super().__init__(base_url)
        self._http = AsyncHTTPClient(
            self.base_url,
            provider=_PROVIDER,
            headers=headers,
            timeout=timeout,
            retry=retry,
            verify=verify,
            transport=transport,
            error_message=prometheus_error_message,
        )

    @classmethod
    def from_env(cls, **kwargs: Any) -> AsyncPrometheusClient:
        """A client from ``$PROMETHEUS_URL`` and, when set, ``$PROMETHEUS_TOKEN`` (sent
        as a bearer token; the variable ``mosaic validate`` reads). ``kwargs`` as for the
        constructor, and they win.

        Raises:
            ConfigurationError: ``PROMETHEUS_URL`` is not set.
        """
        return cls(**{**_prometheus_from_env(), **kwargs})

    async def query(
        self, expr: str, *, at: _dt.datetime | float | None = None, timeout: str | None = None
    ) -> QueryResult:
        """Evaluate ``expr`` at one instant (``POST /api/v1/query``).

        Args:
            expr: the PromQL expression.
            at: evaluation time (aware datetime or unix seconds); now by default.
            timeout: server-side evaluation timeout, a duration such as ``"10s"``.

        Raises:
            BadRequestError: 400 ``bad_data`` (syntax error, bad parameter).
            UnprocessableEntityError: 422 ``execution`` (the query cannot run).
            ServerError: 503 (timed out or aborted) after retries.
            APIResponseValidationError: the answer is not a Prometheus envelope.
        """
        response = await self._http.request(
            "POST", "/api/v1/query", content=_query_form(expr, at, timeout), headers=_FORM,
            idempotent=True,
        )  # fmt: skip
        return parse_query_response(expr, response.json())

    async def query_range(
        self,
        expr: str,
        *,
        start: _dt.datetime | float,
        end: _dt.datetime | float,
        step: _dt.timedelta | str | float,
        timeout: str | None = None,
    ) -> QueryResult:
        """Evaluate ``expr`` over ``[start, end]`` every ``step`` (``POST /api/v1/query_range``).

        Same errors as :meth:`query`.
        """
        form = _range_form(expr, start, end, step, timeout)
        response = await self._http.request(
            "POST", "/api/v1/query_range", content=form, headers=_FORM, idempotent=True
        )
        return parse_query_response(expr, response.json())

    async def ready(self) -> bool:
        """True when ``GET /-/ready`` answers 200; False when not ready or unreachable."""
        try:
            response = await self._http.request("GET", "/-/ready", allow_status=(503,))
        except APIError:
            return False
        return response.status_code == 200

    async def value(self, expr: str, *, at: _dt.datetime | float | None = None) -> float | None:
        """The first value of ``expr``; ``None`` when there is no data (empty or NaN)."""
        return (await self.query(expr, at=at)).first_value()

    async def evaluate(self, query: MetricQuery | str) -> MetricReading:
        """Evaluate a :class:`~mosaic_sdk.observability.MetricQuery` now (the
        :class:`~mosaic_sdk.observability.MetricsSource` method gates call)."""
        metric = _as_query(query)
        return _reading(metric, await self.query(metric.promql), self.source_name)

    async def error_ratio(
        self,
        window: str = "5m",
        *,
        metric: str = "http_requests_total",
        error_pattern: str = "5..",
        selector: Mapping[str, str] | None = None,
    ) -> float | None:
        """Failed fraction of requests over ``window``; ``None`` with no traffic."""
        query = ErrorRatio(
            window=window, metric=metric, error_pattern=error_pattern, selector=selector
        )
        return (await self.evaluate(query)).value

    async def latency_quantile(
        self,
        quantile: float = 0.95,
        window: str = "5m",
        *,
        histogram: str = "http_request_duration_seconds",
        selector: Mapping[str, str] | None = None,
    ) -> float | None:
        """The ``quantile`` of a histogram over ``window``; ``None`` without observations."""
        query = LatencyQuantile(
            quantile=quantile, window=window, histogram=histogram, selector=selector
        )
        return (await self.evaluate(query)).value

    async def burn_rates(
        self,
        slo: SLO,
        *,
        metric: str = "http_requests_total",
        error_label: str = "code",
        error_pattern: str = "5..",
        selector: Mapping[str, str] | None = None,
    ) -> BurnRateEvaluation:
        """Measure the error ratio over every window of ``slo`` and evaluate its
        multiwindow, multi-burn-rate alerts (SRE workbook, chapter 5).

        One query per distinct window (:meth:`SLO.required_windows`); a window without
        traffic counts as NaN, which never fires.
        """
        ratios: dict[_dt.timedelta, float] = {}
        for window, query in self._burn_queries(slo, metric, error_label, error_pattern, selector):
            value = (await self.evaluate(query)).value
            ratios[window] = math.nan if value is None else min(max(value, 0.0), 1.0)
        return slo.evaluate(ratios)
