"""Metric queries as values, and the pure arithmetic behind them.

A gate asks a :class:`MetricsSource` for one number. What it asks for is a value:

* :class:`ErrorRatio` - failed requests over all requests in a window
  (``sum(rate(errors[5m])) / sum(rate(all[5m]))``);
* :class:`LatencyQuantile` - p50/p95/p99 latency from a classic histogram
  (``histogram_quantile(0.95, sum by (le) (rate(..._bucket[5m])))``);
* :class:`PromQL` - any PromQL expression, for a real Prometheus only.

Each renders its PromQL with :attr:`~MetricQuery.promql`, so the query that decided a
gate is written into the evidence verbatim. :class:`ErrorRatio` and
:class:`LatencyQuantile` can also be computed without Prometheus from two scrapes of a
``/metrics`` page (:class:`~mosaic_sdk.observability.ScrapeMetricsSource`); the
histogram arithmetic here (:func:`histogram_quantile`) follows Prometheus' own
``bucketQuantile``, so both sources agree on the same data.

"No data" is a first-class answer: :class:`MetricReading.value` is ``None`` when the
query matched no series or the ratio was ``0/0`` (Prometheus answers ``NaN``). What a
gate does with that is its explicit policy, never an implicit pass.
"""

from __future__ import annotations

import datetime as _dt
import math
import re
from collections.abc import Iterable, Mapping, Sequence
from typing import Protocol, runtime_checkable

import attrs

from mosaic_sdk._render import FieldsRepr
from mosaic_sdk.errors import InvalidValueError
from mosaic_sdk.observability._metrics import format_duration, parse_duration

__all__ = [
    "ErrorRatio",
    "LatencyQuantile",
    "MetricQuery",
    "MetricReading",
    "MetricsSource",
    "PromQL",
    "histogram_quantile",
    "label_selector",
]

_METRIC_NAME = re.compile(r"[a-zA-Z_:][a-zA-Z0-9_:]*")
_LABEL_NAME = re.compile(r"[a-zA-Z_][a-zA-Z0-9_]*")


def _metric_name(instance: object, attribute: attrs.Attribute[str], value: object) -> None:
    if not isinstance(value, str) or _METRIC_NAME.fullmatch(value) is None:
        raise InvalidValueError(
            value,
            f"{attribute.name} is not a Prometheus metric name",
            "use letters, digits, '_' and ':' not starting with a digit, "
            "e.g. 'http_requests_total'",
        )


def _window(value: _dt.timedelta | str) -> str:
    if isinstance(value, _dt.timedelta):
        return format_duration(value)
    parse_duration(value)
    return value


def _selector(
    value: Mapping[str, str] | Iterable[tuple[str, str]] | None,
) -> tuple[tuple[str, str], ...]:
    pairs = value.items() if isinstance(value, Mapping) else (value or ())
    items = tuple(sorted((name, label_value) for name, label_value in pairs))
    for name, label_value in items:
        if not isinstance(name, str) or _LABEL_NAME.fullmatch(name) is None:
            raise InvalidValueError(
                name, "is not a Prometheus label name", "use e.g. 'job' or 'instance'"
            )
        if not isinstance(label_value, str):
            raise InvalidValueError(
                label_value, f"the value of label {name!r} is not a string", "quote it"
            )
    return items


def _escape(value: str) -> str:
    return value.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n")


def label_selector(
    labels: Iterable[tuple[str, str]], *, extra: Sequence[tuple[str, str, str]] = ()
) -> str:
    """Render ``{a="x",b=~"y"}`` from equality pairs and ``(name, op, value)`` triples.

    Returns ``""`` when there is nothing to select on.
    """
    parts = [f'{name}="{_escape(value)}"' for name, value in labels]
    parts.extend(f'{name}{op}"{_escape(value)}"' for name, op, value in extra)
    return "{" + ",".join(parts) + "}" if parts else ""


@runtime_checkable
class MetricQuery(Protocol):
    """What a :class:`MetricsSource` can be asked: a value with a PromQL rendering."""

    @property
    def promql(self) -> str:
        """The PromQL expression that computes the value."""
        ...

    def describe(self) -> str:
        """A short human description (``"p95 latency over 30s"``)."""
        ...


@attrs.frozen
class PromQL(FieldsRepr):
    """Any PromQL expression, evaluated by a real Prometheus.

    Attributes:
        expr: the expression, e.g. ``'sum(up{job="web"})'``.
        description: how it reads in a report; defaults to the expression.
    """

    expr: str = attrs.field()
    description: str = ""

    @expr.validator
    def _check(self, attribute: attrs.Attribute[str], value: object) -> None:
        if not isinstance(value, str) or not value.strip():
            raise InvalidValueError(
                value, "is not a PromQL expression", "pass e.g. 'sum(rate(x[5m]))'"
            )

    @property
    def promql(self) -> str:
        """The expression itself."""
        return self.expr

    def describe(self) -> str:
        """The description, or the expression when there is none."""
        return self.description or self.expr


@attrs.frozen
class ErrorRatio(FieldsRepr):
    """Failed requests as a fraction (0..1) of all requests over ``window``.

    Renders ``(sum(rate(M{sel,code=~"5.."}[w])) or vector(0)) / sum(rate(M{sel}[w]))``:
    a service that never failed has no error series, which is a ratio of 0. With no
    requests in the window the ratio is ``0/0`` or empty: no data, never zero.

    Attributes:
        window: the rate window (Prometheus duration, e.g. ``"5m"``); use at least four
            scrape intervals.
        metric: the request counter.
        error_label: the label that marks failures (``code``, ``status``).
        error_pattern: regular expression (fully anchored, as in PromQL) of failing
            values of ``error_label``.
        selector: extra equality matchers, e.g. ``{"job": "web"}``.
    """

    window: str = attrs.field(default="5m", converter=_window)
    metric: str = attrs.field(default="http_requests_total", validator=_metric_name)
    error_label: str = "code"
    error_pattern: str = "5.."
    selector: tuple[tuple[str, str], ...] = attrs.field(factory=tuple, converter=_selector)

    def __attrs_post_init__(self) -> None:
        if _LABEL_NAME.fullmatch(self.error_label) is None:
            raise InvalidValueError(
                self.error_label, "is not a label name", "use e.g. 'code' or 'status'"
            )
        try:
            re.compile(self.error_pattern)
        except re.error as exc:
            raise InvalidValueError(
                self.error_pattern, f"is not a regular expression ({exc})", "use e.g. '5..'"
            ) from None

    @property
    def promql(self) -> str:
        """``(sum(rate(errors[w])) or vector(0)) / sum(rate(all[w]))``."""
        errors = label_selector(self.selector, extra=[(self.error_label, "=~", self.error_pattern)])
        everything = label_selector(self.selector)
        # "or vector(0)": a service that never failed has no error series at all, and
        # an empty numerator would make the whole ratio "no data" instead of 0.
        return (
            f"(sum(rate({self.metric}{errors}[{self.window}])) or vector(0)) / "
            f"sum(rate({self.metric}{everything}[{self.window}]))"
        )

    def describe(self) -> str:
        """E.g. ``"error ratio (code=~5..) over 5m"``."""
        return f"error ratio ({self.error_label}=~{self.error_pattern}) over {self.window}"

    def is_error(self, labels: Mapping[str, str]) -> bool:
        """True when a series with ``labels`` counts as failed (anchored match)."""
        return re.fullmatch(self.error_pattern, labels.get(self.error_label, "")) is not None


@attrs.frozen
class LatencyQuantile(FieldsRepr):
    """The ``quantile`` (0..1) of a classic histogram over ``window``, in the histogram's
    unit (seconds by convention).

    Renders ``histogram_quantile(q, sum by (le) (rate(H_bucket{sel}[w])))``. The answer
    is interpolated inside the bucket holding the quantile, so put a bucket boundary at
    each threshold you gate on.

    Attributes:
        quantile: 0.5, 0.95, 0.99...
        window: the rate window.
        histogram: the histogram's base name (without ``_bucket``).
        selector: extra equality matchers.
    """

    quantile: float = attrs.field(default=0.95)
    window: str = attrs.field(default="5m", converter=_window)
    histogram: str = attrs.field(default="http_request_duration_seconds", validator=_metric_name)
    selector: tuple[tuple[str, str], ...] = attrs.field(factory=tuple, converter=_selector)

    @quantile.validator
    def _check_quantile(self, attribute: attrs.Attribute[float], value: object) -> None:
        if isinstance(value, bool) or not isinstance(value, (int, float)) or not 0 < value < 1:
            raise InvalidValueError(
                value, "is not a quantile", "use a fraction between 0 and 1, e.g. 0.95 for p95"
            )

    @property
    def promql(self) -> str:
        """``histogram_quantile(q, sum by (le) (rate(H_bucket[w])))``."""
        sel = label_selector(self.selector)
        return (
            f"histogram_quantile({self.quantile:g}, sum by (le) "
            f"(rate({self.histogram}_bucket{sel}[{self.window}])))"
        )

    def describe(self) -> str:
        """E.g. ``"p95 latency over 5m"``."""
        label = f"{self.quantile * 100:g}"
        return f"p{label} latency over {self.window}"


@attrs.frozen
class MetricReading(FieldsRepr):
    """One answer of a :class:`MetricsSource`.

    Attributes:
        query: the PromQL that was evaluated (verbatim, for the evidence).
        value: the number; ``None`` means **no data** (no series matched, or the ratio
            was 0/0). With several series this is the first; see :attr:`series`.
        series: every ``(labels, value)`` the query returned (NaN kept as NaN).
        source: which source answered (``"prometheus http://127.0.0.1:9090"``).
        detail: how the value was obtained, for humans.
    """

    query: str
    value: float | None
    series: tuple[tuple[tuple[tuple[str, str], ...], float], ...] = ()
    source: str = ""
    detail: str = ""

    @property
    def has_data(self) -> bool:
        """False when the query gave nothing to judge."""
        return self.value is not None

    def values(self) -> tuple[float, ...]:
        """Every finite value across :attr:`series` (NaN and no-data dropped)."""
        found = tuple(v for _labels, v in self.series if not math.isnan(v))
        if not found and self.value is not None:
            return (self.value,)
        return found


@runtime_checkable
class MetricsSource(Protocol):
    """Anything that can evaluate a :class:`MetricQuery` now.

    Implemented by :class:`~mosaic_sdk.observability.PrometheusClient` (any query) and
    :class:`~mosaic_sdk.observability.ScrapeMetricsSource` (error ratios and latency
    quantiles from a ``/metrics`` page, no Prometheus needed).
    """

    @property
    def source_name(self) -> str:
        """Where the numbers come from, for the evidence."""
        ...

    def evaluate(self, query: MetricQuery) -> MetricReading:
        """Evaluate ``query`` at the current time."""
        ...


def histogram_quantile(
    q: float, buckets: Mapping[float, float] | Iterable[tuple[float, float]]
) -> float:
    """Prometheus' ``histogram_quantile`` over cumulative ``(upper_bound, count)`` buckets.

    Same rules as Prometheus (``promql/quantile.go``): buckets are sorted by upper bound;
    without a ``+Inf`` bucket, or with no observations, the answer is NaN; counts that go
    down (scrape races) are raised to stay monotonic; a quantile falling in the ``+Inf``
    bucket returns the largest finite bound; the first bucket interpolates from 0 when its
    bound is positive. ``q < 0`` gives ``-inf`` and ``q > 1`` gives ``+inf``.
    """
    items = sorted(buckets.items() if isinstance(buckets, Mapping) else buckets)
    if math.isnan(q):
        return math.nan
    if q < 0:
        return -math.inf
    if q > 1:
        return math.inf
    if len(items) < 2 or not math.isinf(items[-1][0]):
        return math.nan
    # Coalesce duplicate bounds and force monotonic counts.
    bounds: list[float] = []
    counts: list[float] = []
    for bound, count in items:
        if bounds and bound == bounds[-1]:
            counts[-1] += count
            continue
        bounds.append(bound)
        counts.append(count)
    for i in range(1, len(counts)):
        counts[i] = max(counts[i], counts[i - 1])
    total = counts[-1]
    if total == 0 or math.isnan(total):
        return math.nan
    rank = q * total
    index = next(i for i, count in enumerate(counts) if count >= rank)
    if index == len(bounds) - 1:
        return bounds[-2]
    if index == 0 and bounds[0] <= 0:
        return bounds[0]
    start = 0.0 if index == 0 else bounds[index - 1]
    end = bounds[index]
    below = 0.0 if index == 0 else counts[index - 1]
    in_bucket = counts[index] - below
    if in_bucket == 0:
        return end
    return start + (end - start) * ((rank - below) / in_bucket)
