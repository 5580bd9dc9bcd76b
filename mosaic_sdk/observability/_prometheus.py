"""The Prometheus client's import path: both twins and the parsing they share.

:class:`AsyncPrometheusClient` is written once (``observability/_async/prometheus.py``)
and :class:`PrometheusClient` is generated from it (``observability/_sync/``); the
I/O-free forms, models and parsing live in :mod:`mosaic_sdk.observability._promapi`.
"""

from __future__ import annotations

from mosaic_sdk.observability._async.prometheus import AsyncPrometheusClient
from mosaic_sdk.observability._promapi import (
    QueryResult,
    Sample,
    Series,
    parse_query_response,
    parse_sample_value,
    prometheus_error_message,
)
from mosaic_sdk.observability._sync.prometheus import PrometheusClient

__all__ = [
    "AsyncPrometheusClient",
    "PrometheusClient",
    "QueryResult",
    "Sample",
    "Series",
    "parse_query_response",
    "parse_sample_value",
    "prometheus_error_message",
]
