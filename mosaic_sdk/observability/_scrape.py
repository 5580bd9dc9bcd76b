"""Read a ``/metrics`` page without Prometheus.

:func:`parse_exposition` parses the Prometheus text exposition format (version 0.0.4,
what ``prometheus-client`` and every exporter serve). :class:`ScrapeMetricsSource` scrapes
a page on demand and evaluates :class:`~mosaic_sdk.observability.ErrorRatio` and
:class:`~mosaic_sdk.observability.LatencyQuantile` from the *increase* of the counters
between two scrapes, the same arithmetic Prometheus' ``rate()`` and
``histogram_quantile()`` do. It is the fallback for laptops and demos where no Prometheus
runs; a real :class:`~mosaic_sdk.observability.PrometheusClient` is preferred.
"""

from __future__ import annotations

import math
import threading
import time
from collections.abc import Callable, Mapping
from typing import Any
from urllib.parse import urlsplit

import attrs

from mosaic_sdk._core._repr import safe_repr
from mosaic_sdk._http import HTTPClient, RetryPolicy
from mosaic_sdk._render import FieldsRepr
from mosaic_sdk.errors import (
    APIError,
    APIResponseValidationError,
    InvalidValueError,
    UnsupportedOperationError,
)
from mosaic_sdk.observability._metrics import parse_duration
from mosaic_sdk.observability._promql import (
    ErrorRatio,
    LatencyQuantile,
    MetricQuery,
    MetricReading,
    histogram_quantile,
)

__all__ = ["ScrapeMetricsSource", "ScrapedSample", "parse_exposition"]

Labels = tuple[tuple[str, str], ...]


@attrs.frozen
class ScrapedSample(FieldsRepr):
    """One sample line of an exposition page.

    Attributes:
        name: the sample name (``http_requests_total``, ``..._bucket``).
        labels: label pairs, sorted by name.
        value: the value (``NaN``, ``+Inf`` and ``-Inf`` allowed).
    """

    name: str
    labels: Labels
    value: float

    def label(self, name: str) -> str:
        """The value of label ``name`` (``""`` when absent, as in PromQL)."""
        return dict(self.labels).get(name, "")


def _parse_value(text: str, line: str) -> float:
    lowered = text.lower()
    if lowered in ("+inf", "inf"):
        return math.inf
    if lowered == "-inf":
        return -math.inf
    if lowered == "nan":
        return math.nan
    try:
        return float(text)
    except ValueError:
        raise APIResponseValidationError(
            f"metrics line {line!r} has value {text!r}, which is not a number; "
            "check the exporter serves the Prometheus text format",
            provider="metrics",
        ) from None


def _parse_labels(text: str, start: int, line: str) -> tuple[Labels, int]:
    labels: list[tuple[str, str]] = []
    i = start
    while True:
        while i < len(text) and text[i] in " ,":
            i += 1
        if i < len(text) and text[i] == "}":
            return tuple(sorted(labels)), i + 1
        eq = text.find("=", i)
        if eq == -1 or eq + 1 >= len(text) or text[eq + 1] != '"':
            raise APIResponseValidationError(
                f'metrics line {line!r} has a malformed label set; labels are written name="value"',
                provider="metrics",
            )
        name = text[i:eq].strip()
        i = eq + 2
        value: list[str] = []
        while i < len(text) and text[i] != '"':
            if text[i] == "\\" and i + 1 < len(text):
                nxt = text[i + 1]
                value.append("\n" if nxt == "n" else nxt)
                i += 2
                continue
            value.append(text[i])
            i += 1
        if i >= len(text):
            raise APIResponseValidationError(
                f"metrics line {line!r} has an unterminated label value", provider="metrics"
            )
        labels.append((name, "".join(value)))
        i += 1


def parse_exposition(text: str) -> list[ScrapedSample]:
    """Parse a Prometheus text exposition page into samples (comments skipped).

    Raises:
        APIResponseValidationError: a line is not ``name{labels} value [timestamp]``.
        InvalidValueError: ``text`` is not a ``str``.
    """
    if not isinstance(text, str):  # callers outside the type checker pass bytes
        from mosaic_sdk.errors import InvalidValueError  # type: ignore[unreachable]

        raise InvalidValueError(text, "is not an exposition page", "pass the page as text")
    samples: list[ScrapedSample] = []
    for raw in text.splitlines():
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        brace = line.find("{")
        space = line.find(" ")
        if brace != -1 and (space == -1 or brace < space):
            name = line[:brace]
            labels, end = _parse_labels(line, brace + 1, line)
            rest = line[end:].split()
        else:
            parts = line.split()
            name, labels, rest = parts[0], (), parts[1:]
        if not rest:
            raise APIResponseValidationError(
                f"metrics line {line!r} has no value", provider="metrics"
            )
        samples.append(ScrapedSample(name=name, labels=labels, value=_parse_value(rest[0], line)))
    return samples


@attrs.frozen
class _Snapshot:
    at: float
    samples: tuple[ScrapedSample, ...]


def _matches(sample: ScrapedSample, selector: Labels) -> bool:
    return all(sample.label(name) == value for name, value in selector)


def _increase(before: float, after: float) -> float:
    # A counter that went down was reset (the process restarted): count from zero.
    return after if after < before else after - before


def _increases(
    old: _Snapshot, new: _Snapshot, name: str, selector: Labels
) -> list[tuple[Labels, float]]:
    previous = {s.labels: s.value for s in old.samples if s.name == name}
    out = []
    for sample in new.samples:
        if sample.name != name or not _matches(sample, selector):
            continue
        out.append((sample.labels, _increase(previous.get(sample.labels, 0.0), sample.value)))
    return out


class ScrapeMetricsSource:
    """A :class:`~mosaic_sdk.observability.MetricsSource` that reads ``/metrics`` pages.

    Every :meth:`evaluate` scrapes the pages and compares them with the oldest kept
    scrape that is at most ``window`` old (like ``rate(x[window])``); call :meth:`scrape`
    before generating traffic to give it a starting point. Only :class:`ErrorRatio` and
    :class:`LatencyQuantile` are supported; a raw :class:`PromQL` needs a real
    Prometheus.

    Args:
        targets: one page URL, or a mapping of job name to page URL. With a mapping,
            each page's samples get the labels ``job`` and ``instance`` as Prometheus
            would add them, so the same selectors (``{"job": "web-blue"}``) work on
            both sources.
        timeout: seconds per scrape.
        http: an :class:`~mosaic_sdk._http.HTTPClient` to use (tests, custom TLS).
        clock: monotonic seconds (tests inject one).
    """

    def __init__(
        self,
        targets: str | Mapping[str, str],
        *,
        timeout: float = 5.0,
        http: HTTPClient | None = None,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.targets: dict[str, str] = {"": targets} if isinstance(targets, str) else dict(targets)
        if not self.targets or not all(
            isinstance(url, str) and url.startswith(("http://", "https://"))
            for url in self.targets.values()
        ):
            raise InvalidValueError(
                targets,
                "is not a metrics page URL or a mapping of job name to URL",
                "pass e.g. 'http://127.0.0.1:8080/metrics' or {'web': 'http://.../metrics'}",
            )
        self._http = http or HTTPClient(
            provider="metrics", timeout=timeout, retry=RetryPolicy(max_retries=1)
        )
        self._owns_http = http is None
        self._clock = clock
        self._snapshots: list[_Snapshot] = []
        self._lock = threading.Lock()
        self.last_errors: dict[str, str] = {}

    @safe_repr
    def __repr__(self) -> str:
        return f"ScrapeMetricsSource({self.targets!r})"

    @property
    def source_name(self) -> str:
        """``"scrape <url>[, <url>...]"``."""
        return "scrape " + ", ".join(self.targets.values())

    def scrape(self) -> list[ScrapedSample]:
        """Fetch and parse every page now, keep the result as a starting point, and
        return the samples (labelled with ``job``/``instance`` for a mapping).

        A page that cannot be fetched contributes no samples (as a down target in
        Prometheus) and is listed in :attr:`last_errors`.

        Raises:
            APIConnectionError: no page could be fetched.
            APIResponseValidationError: a page is not in the text format.
        """
        samples: list[ScrapedSample] = []
        errors: dict[str, str] = {}
        last: APIError | None = None
        for job, url in self.targets.items():
            try:
                response = self._http.request("GET", url)
            except APIError as exc:
                errors[job or url] = exc.message
                last = exc
                continue
            page = parse_exposition(response.text)
            if job:
                extra = (("instance", urlsplit(url).netloc), ("job", job))
                page = [
                    ScrapedSample(
                        s.name, tuple(sorted({**dict(extra), **dict(s.labels)}.items())), s.value
                    )
                    for s in page
                ]
            samples.extend(page)
        self.last_errors = errors
        if last is not None and len(errors) == len(self.targets):
            raise last
        with self._lock:
            self._snapshots.append(_Snapshot(self._clock(), tuple(samples)))
            # Keep the history bounded: a gate never looks back further than a few windows.
            del self._snapshots[:-256]
        return samples

    def evaluate(self, query: MetricQuery) -> MetricReading:
        """Scrape now and compute ``query`` over its window.

        Raises:
            UnsupportedOperationError: ``query`` is not an ErrorRatio or LatencyQuantile.
            APIConnectionError: the page cannot be fetched.
        """
        if not isinstance(query, (ErrorRatio, LatencyQuantile)):
            raise UnsupportedOperationError(
                f"{self.source_name} cannot evaluate {query.promql!r}: only error ratios and "
                "latency quantiles are computed from a scraped page",
                workaround="point the gate at a PrometheusClient, or use ErrorRatio / "
                "LatencyQuantile",
            )
        self.scrape()
        window = parse_duration(query.window).total_seconds()
        with self._lock:
            newest = self._snapshots[-1]
            candidates = [s for s in self._snapshots[:-1] if newest.at - s.at <= window]
        if not candidates:
            return MetricReading(
                query=query.promql,
                value=None,
                source=self.source_name,
                detail=f"no earlier scrape within {query.window} to compare with",
            )
        oldest = candidates[0]
        span = newest.at - oldest.at
        if isinstance(query, ErrorRatio):
            return self._error_ratio(query, oldest, newest, span)
        return self._quantile(query, oldest, newest, span)

    def _error_ratio(
        self, query: ErrorRatio, old: _Snapshot, new: _Snapshot, span: float
    ) -> MetricReading:
        increases = _increases(old, new, query.metric, query.selector)
        total = math.fsum(v for _labels, v in increases)
        errors = math.fsum(v for labels, v in increases if query.is_error(dict(labels)))
        detail = f"{errors:g} of {total:g} requests failed in the last {span:.1f}s"
        if total == 0:
            return MetricReading(
                query=query.promql,
                value=None,
                series=(((), math.nan),),
                source=self.source_name,
                detail=f"no requests in the last {span:.1f}s (0/0)",
            )
        ratio = errors / total
        return MetricReading(
            query=query.promql,
            value=ratio,
            series=(((), ratio),),
            source=self.source_name,
            detail=detail,
        )

    def _quantile(
        self, query: LatencyQuantile, old: _Snapshot, new: _Snapshot, span: float
    ) -> MetricReading:
        buckets: dict[float, float] = {}
        for labels, increase in _increases(old, new, f"{query.histogram}_bucket", query.selector):
            bound = _parse_value(dict(labels).get("le", ""), f"le={labels}")
            buckets[bound] = buckets.get(bound, 0.0) + increase
        value = histogram_quantile(query.quantile, buckets)
        count = buckets.get(math.inf, 0.0)
        if math.isnan(value):
            return MetricReading(
                query=query.promql,
                value=None,
                series=(((), math.nan),) if buckets else (),
                source=self.source_name,
                detail=f"no observations in the last {span:.1f}s",
            )
        return MetricReading(
            query=query.promql,
            value=value,
            series=(((), value),),
            source=self.source_name,
            detail=f"{count:g} observations in the last {span:.1f}s",
        )

    def close(self) -> None:
        """Close the HTTP client it created."""
        if self._owns_http:
            self._http.close()

    def __enter__(self) -> ScrapeMetricsSource:
        return self

    def __exit__(self, *exc: Any) -> None:
        self.close()
