"""Observability: JSON logging with correlation ids, secret redaction, metrics helpers.

* :func:`configure_logging` - one JSON object per line on the standard :mod:`logging`
  module, with the correlation id and extra fields; secrets masked.
* :class:`correlation_id` - context manager and decorator setting the id that every log
  line carries and every SDK HTTP client sends as ``X-Correlation-ID``.
* :func:`register_secret`, :func:`redact_text`, :func:`redact_mapping` - the redaction
  registry behind every log line, repr and error message.
* :class:`LatencySummary`, :class:`ErrorRate`, :class:`SLO` - pure metric arithmetic
  (percentiles, error budgets, multiwindow burn-rate alerts) shared with the Prometheus
  gates.
"""

from mosaic_sdk.observability._context import (
    CORRELATION_ID_HEADER,
    correlation_id,
    get_correlation_id,
    new_correlation_id,
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
from mosaic_sdk.observability._redact import (
    MASK,
    is_secret_key,
    redact_mapping,
    redact_text,
    register_secret,
    registered_secrets,
)

__all__ = [
    "BurnRateEvaluation",
    "BurnRateWindow",
    "configure_logging",
    "correlation_id",
    "CORRELATION_ID_HEADER",
    "CorrelationIdFilter",
    "ErrorRate",
    "format_duration",
    "get_correlation_id",
    "is_secret_key",
    "JSONFormatter",
    "LatencySummary",
    "MASK",
    "new_correlation_id",
    "parse_duration",
    "percentile",
    "redact_mapping",
    "redact_text",
    "RedactingFilter",
    "register_secret",
    "registered_secrets",
    "Severity",
    "SLO",
    "SRE_WORKBOOK_ALERTS",
    "TextFormatter",
    "WindowResult",
]
