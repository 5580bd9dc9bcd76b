"""The Prometheus HTTP API without I/O: request forms, answer models and parsing.

:class:`~mosaic_sdk.observability.AsyncPrometheusClient` (written once in
``observability/_async/prometheus.py``) and :class:`~mosaic_sdk.observability.PrometheusClient`
(generated from it) send; everything here is shared by both and does no I/O.

The API's shapes (checked against Prometheus 2.42):

* every answer is an envelope ``{"status": "success"|"error", "data": ..., "errorType":
  ..., "error": ..., "warnings": [...]}``;
* ``data`` is ``{"resultType": "vector"|"matrix"|"scalar"|"string", "result": ...}`` and
  every sample value is a **string** (``"0.25"``, ``"NaN"``, ``"+Inf"``), parsed here into
  floats;
* a PromQL syntax error or a missing parameter is HTTP 400 ``bad_data``
  (:class:`~mosaic_sdk.errors.BadRequestError`), a query that cannot run (for example a
  many-to-many match) is HTTP 422 ``execution``
  (:class:`~mosaic_sdk.errors.UnprocessableEntityError`), and a timed-out or aborted query
  is HTTP 503 (:class:`~mosaic_sdk.errors.ServerError`, retried first). Every message
  carries Prometheus' ``errorType`` and text and says what to change.

Queries go out as ``POST`` with a form body, so long expressions never hit URL limits.
"""

from __future__ import annotations

import datetime as _dt
import json
import math
import os
from collections.abc import Mapping
from typing import Any, Literal

import attrs

from mosaic_sdk._core._redact import register_secret, sanitize_url
from mosaic_sdk._core._repr import safe_repr
from mosaic_sdk._http import HTTPResponse
from mosaic_sdk._render import FieldsRepr
from mosaic_sdk.errors import APIResponseValidationError, ConfigurationError, InvalidValueError
from mosaic_sdk.observability._metrics import (
    SLO,
    format_duration,
    parse_duration,
)
from mosaic_sdk.observability._promql import (
    ErrorRatio,
    MetricQuery,
    MetricReading,
    PromQL,
)

__all__ = [
    "QueryResult",
    "Sample",
    "Series",
    "parse_query_response",
    "parse_sample_value",
    "prometheus_error_message",
]

_PROVIDER = "prometheus"
_FORM = {"Content-Type": "application/x-www-form-urlencoded"}
Labels = tuple[tuple[str, str], ...]
ResultType = Literal["vector", "matrix", "scalar", "string"]

_HINTS = {
    "bad_data": "fix the PromQL syntax or the query parameters",
    "execution": "the query parsed but could not run; aggregate or add on()/ignoring() to the "
    "vector matching",
    "timeout": "narrow the query (shorter range, fewer series) or raise its timeout",
    "canceled": "the query was cancelled; retry it",
    "internal": "Prometheus failed internally; check its log",
    "unavailable": "Prometheus is not ready yet; wait for /-/ready",
}


def parse_sample_value(text: object) -> float:
    """Parse a Prometheus sample value string (``"1.5"``, ``"NaN"``, ``"+Inf"``).

    Raises:
        APIResponseValidationError: ``text`` is not a number string.
    """
    if not isinstance(text, str):
        raise APIResponseValidationError(
            f"sample value {text!r} is not a string as the API documents", provider=_PROVIDER
        )
    try:
        return float(text)
    except ValueError:
        raise APIResponseValidationError(
            f"sample value {text!r} is not a number", provider=_PROVIDER
        ) from None


def _labels(metric: object) -> Labels:
    if not isinstance(metric, Mapping):
        raise APIResponseValidationError(
            f"series labels {metric!r} are not an object", provider=_PROVIDER
        )
    return tuple(sorted((str(k), str(v)) for k, v in metric.items()))


def _point(pair: object) -> tuple[float, float]:
    if not isinstance(pair, (list, tuple)) or len(pair) != 2:
        raise APIResponseValidationError(
            f"sample {pair!r} is not a [timestamp, value] pair", provider=_PROVIDER
        )
    timestamp, value = pair
    if isinstance(timestamp, bool) or not isinstance(timestamp, (int, float)):
        raise APIResponseValidationError(
            f"sample timestamp {timestamp!r} is not a number", provider=_PROVIDER
        )
    return float(timestamp), parse_sample_value(value)


@attrs.frozen
class Sample(FieldsRepr):
    """One value of an instant vector (or a scalar).

    Attributes:
        labels: the series labels, sorted by name (empty for a scalar).
        timestamp: evaluation time, unix seconds.
        value: the value (NaN and infinities kept).
    """

    labels: Labels
    timestamp: float
    value: float

    def label(self, name: str) -> str:
        """The value of label ``name`` (``""`` when absent)."""
        return dict(self.labels).get(name, "")


@attrs.frozen
class Series(FieldsRepr):
    """One series of a range query.

    Attributes:
        labels: the series labels, sorted by name.
        points: ``(timestamp, value)`` pairs in time order.
    """

    labels: Labels
    points: tuple[tuple[float, float], ...]

    def values(self) -> tuple[float, ...]:
        """The values, in time order."""
        return tuple(v for _t, v in self.points)


@attrs.frozen
class QueryResult(FieldsRepr):
    """A parsed query answer.

    Attributes:
        query: the PromQL that was sent.
        result_type: ``vector``, ``matrix``, ``scalar`` or ``string``.
        samples: instant samples (``vector``; a ``scalar`` gives one unlabelled sample).
        series: range series (``matrix``).
        text: the string result (``string``).
        warnings: warnings Prometheus attached.
    """

    query: str
    result_type: ResultType
    samples: tuple[Sample, ...] = ()
    series: tuple[Series, ...] = ()
    text: str | None = None
    warnings: tuple[str, ...] = ()

    @property
    def is_empty(self) -> bool:
        """True when the query matched nothing."""
        return not self.samples and not self.series and self.text is None

    def first_value(self) -> float | None:
        """The first sample's value; ``None`` when empty **or NaN** (no data)."""
        if self.samples:
            value = self.samples[0].value
        elif self.series and self.series[0].points:
            value = self.series[0].points[-1][1]
        else:
            return None
        return None if math.isnan(value) else value


def parse_query_response(query: str, body: object) -> QueryResult:
    """Turn a success envelope into a :class:`QueryResult` (pure; used by both clients).

    Raises:
        APIResponseValidationError: the body is not a Prometheus success envelope.
    """
    if not isinstance(body, Mapping) or body.get("status") != "success":
        error = body.get("error") if isinstance(body, Mapping) else None
        raise APIResponseValidationError(
            f"expected a success envelope for {query!r}, got {str(body)[:300]!r}"
            + (f" ({error})" if error else ""),
            provider=_PROVIDER,
        )
    data = body.get("data")
    if not isinstance(data, Mapping):
        raise APIResponseValidationError(
            f"envelope for {query!r} has no 'data' object", provider=_PROVIDER
        )
    kind = data.get("resultType")
    result = data.get("result")
    warnings = tuple(str(w) for w in body.get("warnings") or ())
    if kind == "vector" and isinstance(result, list):
        samples = []
        for item in result:
            if not isinstance(item, Mapping):
                raise APIResponseValidationError(
                    f"vector item {item!r} is not an object", provider=_PROVIDER
                )
            timestamp, value = _point(item.get("value"))
            samples.append(Sample(_labels(item.get("metric", {})), timestamp, value))
        return QueryResult(query, "vector", samples=tuple(samples), warnings=warnings)
    if kind == "matrix" and isinstance(result, list):
        series = []
        for item in result:
            if not isinstance(item, Mapping) or not isinstance(item.get("values"), list):
                raise APIResponseValidationError(
                    f"matrix item {item!r} has no 'values' list", provider=_PROVIDER
                )
            points = tuple(_point(p) for p in item["values"])
            series.append(Series(_labels(item.get("metric", {})), points))
        return QueryResult(query, "matrix", series=tuple(series), warnings=warnings)
    if kind == "scalar":
        timestamp, value = _point(result)
        return QueryResult(
            query, "scalar", samples=(Sample((), timestamp, value),), warnings=warnings
        )
    if kind == "string" and isinstance(result, list) and len(result) == 2:
        return QueryResult(query, "string", text=str(result[1]), warnings=warnings)
    raise APIResponseValidationError(
        f"unknown result {kind!r} for {query!r}; expected vector, matrix, scalar or string",
        provider=_PROVIDER,
    )


def prometheus_error_message(response: HTTPResponse) -> str:
    """Message for an error answer: HTTP status, ``errorType``, Prometheus' text, a fix."""
    try:
        body = json.loads(response.content)
    except ValueError:
        body = None
    if isinstance(body, Mapping) and body.get("status") == "error":
        kind = str(body.get("errorType", "unknown"))
        hint = _HINTS.get(kind, "check the query and Prometheus' log")
        return f"HTTP {response.status_code} {kind}: {body.get('error', '')}; {hint}"
    text = response.text.strip()[:300]
    if response.status_code == 503:
        return (
            f"HTTP 503: the query timed out or Prometheus is overloaded ({text}); "
            "retry later or narrow the query"
        )
    return f"HTTP {response.status_code}: {text or 'no body'} (not an API answer: a proxy?)"


def _timestamp(value: _dt.datetime | float, name: str) -> float:
    if isinstance(value, _dt.datetime):
        if value.tzinfo is None:
            raise InvalidValueError(
                value.isoformat(), f"{name} has no timezone", "use datetime.now(timezone.utc)"
            )
        return value.timestamp()
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise InvalidValueError(value, f"{name} is not a time", "pass an aware datetime")
    return float(value)


def _step(value: _dt.timedelta | str | float) -> str:
    if isinstance(value, _dt.timedelta):
        return format_duration(value)
    if isinstance(value, str):
        parse_duration(value)
        return value
    if isinstance(value, bool) or not isinstance(value, (int, float)) or value <= 0:
        raise InvalidValueError(
            value, "is not a query step", "pass seconds > 0, '15s' or a timedelta"
        )
    return f"{float(value):g}"


def _query_form(expr: str, at: _dt.datetime | float | None, timeout: str | None) -> bytes:
    from urllib.parse import urlencode

    if not isinstance(expr, str) or not expr.strip():
        raise InvalidValueError(expr, "is not a PromQL expression", "pass e.g. 'up'")
    params = {"query": expr}
    if at is not None:
        params["time"] = f"{_timestamp(at, 'at'):.3f}"
    if timeout is not None:
        params["timeout"] = _step(timeout)
    return urlencode(params).encode()


def _range_form(
    expr: str,
    start: _dt.datetime | float,
    end: _dt.datetime | float,
    step: _dt.timedelta | str | float,
    timeout: str | None,
) -> bytes:
    from urllib.parse import urlencode

    if not isinstance(expr, str) or not expr.strip():
        raise InvalidValueError(expr, "is not a PromQL expression", "pass e.g. 'up'")
    start_ts, end_ts = _timestamp(start, "start"), _timestamp(end, "end")
    if end_ts < start_ts:
        raise InvalidValueError(end, "end is before start", "swap start and end")
    params = {
        "query": expr,
        "start": f"{start_ts:.3f}",
        "end": f"{end_ts:.3f}",
        "step": _step(step),
    }
    if timeout is not None:
        params["timeout"] = _step(timeout)
    return urlencode(params).encode()


def _as_query(query: MetricQuery | str) -> MetricQuery:
    return PromQL(query) if isinstance(query, str) else query


def _reading(query: MetricQuery, result: QueryResult, source: str) -> MetricReading:
    series = tuple((s.labels, s.value) for s in result.samples) + tuple(
        (s.labels, s.points[-1][1]) for s in result.series if s.points
    )
    value = result.first_value()
    if result.is_empty:
        detail = "the query matched no series (no data)"
    elif value is None:
        detail = "the query returned NaN (0/0: no traffic in the window)"
    elif len(series) > 1:
        detail = f"{len(series)} series; each is judged"
    else:
        detail = "1 series"
    if result.warnings:
        detail += "; warnings: " + "; ".join(result.warnings)
    return MetricReading(
        query=query.promql, value=value, series=series, source=source, detail=detail
    )


class _PrometheusBase:
    def __init__(self, base_url: str) -> None:
        self.base_url = base_url.rstrip("/")

    @property
    def source_name(self) -> str:
        """``"prometheus <base url>"``, for evidence."""
        return f"prometheus {sanitize_url(self.base_url)}"

    @safe_repr
    def __repr__(self) -> str:
        return f"{type(self).__name__}({sanitize_url(self.base_url)!r})"

    def _burn_queries(
        self,
        slo: SLO,
        metric: str,
        error_label: str,
        error_pattern: str,
        selector: Mapping[str, str] | None,
    ) -> list[tuple[_dt.timedelta, ErrorRatio]]:
        return [
            (
                window,
                ErrorRatio(
                    window=format_duration(window),
                    metric=metric,
                    error_label=error_label,
                    error_pattern=error_pattern,
                    selector=selector,
                ),
            )
            for window in slo.required_windows()
        ]


def _prometheus_from_env() -> dict[str, Any]:
    url = os.environ.get("PROMETHEUS_URL", "")
    if not url:
        raise ConfigurationError(
            "environment variable PROMETHEUS_URL is not set; export the server's URL "
            "(e.g. http://prometheus:9090), or pass it to PrometheusClient(base_url)"
        )
    token = os.environ.get("PROMETHEUS_TOKEN") or None
    settings: dict[str, Any] = {"base_url": url}
    if token is not None:
        register_secret(token)
        settings["headers"] = {"Authorization": f"Bearer {token}"}
    return settings
