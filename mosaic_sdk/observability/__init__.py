"""Observability: JSON logging with correlation ids, secret redaction, metrics helpers.

* :func:`configure_logging` - one JSON object per line on the standard :mod:`logging`
  module, with the correlation id and extra fields; secrets masked.
* :class:`correlation_id` - context manager and decorator setting the id that every log
  line carries and every SDK HTTP client sends as ``X-Correlation-ID``.
* :func:`register_secret`, :func:`redact_text`, :func:`redact_mapping` - the redaction
  registry behind every log line, repr and error message; :func:`sanitize_url` - the one
  URL sanitizer (no userinfo, credential query values masked) every shown URL goes through.
* :class:`LatencySummary`, :class:`ErrorRate`, :class:`SLO` - pure metric arithmetic
  (percentiles, error budgets, multiwindow burn-rate alerts) shared with the Prometheus
  gates.
* :class:`PrometheusClient` / :class:`AsyncPrometheusClient` - the Prometheus HTTP API
  (instant and range queries, error ratios, latency quantiles, SLO burn rates);
  :class:`ScrapeMetricsSource` reads ``/metrics`` pages when no Prometheus runs. Both are
  :class:`MetricsSource` objects that evaluate :class:`ErrorRatio`,
  :class:`LatencyQuantile` and :class:`PromQL` queries for release gates. Loaded on
  first use (they pull in the HTTP core).
* :class:`SLOSpec` - an SLO with the counters that measure it, rendered as a Prometheus
  rule file (recording rules, burn-rate alerts) and its ``promtool test rules`` file.
* :func:`check_stack_health` / :func:`acheck_stack_health` - many HTTP and TCP endpoints
  checked concurrently, each with its own timeout; a :class:`StackHealthReport` per run.
"""

from typing import TYPE_CHECKING

from mosaic_sdk._core._lazy import lazy_exports
from mosaic_sdk._core._redact import MASK, register_secret, registered_secrets
from mosaic_sdk.observability._context import (
    CORRELATION_ID_HEADER,
    correlation_id,
    get_correlation_id,
    new_correlation_id,
)
from mosaic_sdk.observability._redact import (
    is_secret_key,
    redact_mapping,
    redact_text,
    sanitize_url,
)

if TYPE_CHECKING:
    from mosaic_sdk.observability._async.health import acheck_stack_health
    from mosaic_sdk.observability._health import (
        ServiceCheck,
        ServiceHealth,
        Services,
        StackHealthReport,
    )
    from mosaic_sdk.observability._logging import (
        CorrelationIdFilter,
        JSONFormatter,
        RedactingFilter,
        TextFormatter,
        configure_logging,
    )
    from mosaic_sdk.observability._metrics import (
        SLO,
        SRE_WORKBOOK_ALERTS,
        AlertSeverity,
        BurnRateEvaluation,
        BurnRateWindow,
        ErrorRate,
        LatencySummary,
        Severity,
        WindowResult,
        format_duration,
        parse_duration,
        percentile,
    )
    from mosaic_sdk.observability._prometheus import (
        AsyncPrometheusClient,
        PrometheusClient,
        QueryResult,
        Sample,
        Series,
    )
    from mosaic_sdk.observability._promql import (
        ErrorRatio,
        LatencyQuantile,
        MetricQuery,
        MetricReading,
        MetricsSource,
        PromQL,
        histogram_quantile,
    )
    from mosaic_sdk.observability._scrape import (
        ScrapedSample,
        ScrapeMetricsSource,
        parse_exposition,
    )
    from mosaic_sdk.observability._slo_rules import RECORDED_WINDOWS, SLOSpec
    from mosaic_sdk.observability._sync.health import check_stack_health

# Loaded on first use: the clients import the HTTP core, and the rest is not needed to
# redact or to carry a correlation id (whose machinery lives in mosaic_sdk._core).
_LAZY: dict[str, str] = {
    "CorrelationIdFilter": "mosaic_sdk.observability._logging",
    "JSONFormatter": "mosaic_sdk.observability._logging",
    "RedactingFilter": "mosaic_sdk.observability._logging",
    "TextFormatter": "mosaic_sdk.observability._logging",
    "configure_logging": "mosaic_sdk.observability._logging",
    "SLO": "mosaic_sdk.observability._metrics",
    "SRE_WORKBOOK_ALERTS": "mosaic_sdk.observability._metrics",
    "BurnRateEvaluation": "mosaic_sdk.observability._metrics",
    "BurnRateWindow": "mosaic_sdk.observability._metrics",
    "ErrorRate": "mosaic_sdk.observability._metrics",
    "LatencySummary": "mosaic_sdk.observability._metrics",
    "AlertSeverity": "mosaic_sdk.observability._metrics",
    "Severity": "mosaic_sdk.observability._metrics",
    "WindowResult": "mosaic_sdk.observability._metrics",
    "format_duration": "mosaic_sdk.observability._metrics",
    "parse_duration": "mosaic_sdk.observability._metrics",
    "percentile": "mosaic_sdk.observability._metrics",
    "ErrorRatio": "mosaic_sdk.observability._promql",
    "LatencyQuantile": "mosaic_sdk.observability._promql",
    "MetricQuery": "mosaic_sdk.observability._promql",
    "MetricReading": "mosaic_sdk.observability._promql",
    "MetricsSource": "mosaic_sdk.observability._promql",
    "PromQL": "mosaic_sdk.observability._promql",
    "histogram_quantile": "mosaic_sdk.observability._promql",
    "ServiceCheck": "mosaic_sdk.observability._health",
    "ServiceHealth": "mosaic_sdk.observability._health",
    "Services": "mosaic_sdk.observability._health",
    "StackHealthReport": "mosaic_sdk.observability._health",
    "acheck_stack_health": "mosaic_sdk.observability._async.health",
    "check_stack_health": "mosaic_sdk.observability._sync.health",
    "AsyncPrometheusClient": "mosaic_sdk.observability._prometheus",
    "PrometheusClient": "mosaic_sdk.observability._prometheus",
    "QueryResult": "mosaic_sdk.observability._prometheus",
    "Sample": "mosaic_sdk.observability._prometheus",
    "Series": "mosaic_sdk.observability._prometheus",
    "RECORDED_WINDOWS": "mosaic_sdk.observability._slo_rules",
    "SLOSpec": "mosaic_sdk.observability._slo_rules",
    "ScrapedSample": "mosaic_sdk.observability._scrape",
    "ScrapeMetricsSource": "mosaic_sdk.observability._scrape",
    "parse_exposition": "mosaic_sdk.observability._scrape",
}

__all__ = [
    "acheck_stack_health",
    "AlertSeverity",
    "AsyncPrometheusClient",
    "BurnRateEvaluation",
    "BurnRateWindow",
    "check_stack_health",
    "configure_logging",
    "correlation_id",
    "CORRELATION_ID_HEADER",
    "CorrelationIdFilter",
    "ErrorRate",
    "ErrorRatio",
    "format_duration",
    "get_correlation_id",
    "histogram_quantile",
    "is_secret_key",
    "JSONFormatter",
    "LatencyQuantile",
    "LatencySummary",
    "MASK",
    "MetricQuery",
    "MetricReading",
    "MetricsSource",
    "new_correlation_id",
    "parse_duration",
    "parse_exposition",
    "percentile",
    "PrometheusClient",
    "PromQL",
    "QueryResult",
    "RECORDED_WINDOWS",
    "redact_mapping",
    "redact_text",
    "RedactingFilter",
    "register_secret",
    "registered_secrets",
    "Sample",
    "sanitize_url",
    "ScrapedSample",
    "ScrapeMetricsSource",
    "Series",
    "ServiceCheck",
    "ServiceHealth",
    "Services",
    "Severity",
    "SLO",
    "SLOSpec",
    "SRE_WORKBOOK_ALERTS",
    "StackHealthReport",
    "TextFormatter",
    "WindowResult",
]


__getattr__, __dir__ = lazy_exports(__name__, _LAZY, globals())
