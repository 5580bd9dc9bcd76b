"""The shared HTTP core: the only package in mosaic_sdk that imports httpx.

Every registry and provider client sends through :class:`HTTPClient` or
:class:`AsyncHTTPClient`, so retries (:class:`RetryPolicy`), client-side rate limits
(:class:`RateLimit`), correlation ids and error mapping behave the same everywhere.
"""

# Submodules load on first use (PEP 562): a synchronous client does not import the
# asynchronous one.
from __future__ import annotations

from typing import TYPE_CHECKING

from mosaic_sdk._core._lazy import lazy_exports

if TYPE_CHECKING:
    from mosaic_sdk._http._async.client import AsyncHTTPClient
    from mosaic_sdk._http._base import (
        AsyncBaseTransport,
        BaseTransport,
        HTTPResponse,
        Transport,
        check_base_url,
    )
    from mosaic_sdk._http._credentials import check_credential
    from mosaic_sdk._http._ratelimit import RateLimit
    from mosaic_sdk._http._retry import (
        DEFAULT_RETRY_STATUSES,
        IDEMPOTENT_METHODS,
        RetryPolicy,
        no_retry_waits,
        parse_retry_after,
    )
    from mosaic_sdk._http._sync.client import HTTPClient

_LAZY: dict[str, str] = {
    "AsyncHTTPClient": "mosaic_sdk._http._async.client",
    "AsyncBaseTransport": "mosaic_sdk._http._base",
    "BaseTransport": "mosaic_sdk._http._base",
    "HTTPResponse": "mosaic_sdk._http._base",
    "Transport": "mosaic_sdk._http._base",
    "check_base_url": "mosaic_sdk._http._base",
    "check_credential": "mosaic_sdk._http._credentials",
    "RateLimit": "mosaic_sdk._http._ratelimit",
    "DEFAULT_RETRY_STATUSES": "mosaic_sdk._http._retry",
    "IDEMPOTENT_METHODS": "mosaic_sdk._http._retry",
    "RetryPolicy": "mosaic_sdk._http._retry",
    "no_retry_waits": "mosaic_sdk._http._retry",
    "parse_retry_after": "mosaic_sdk._http._retry",
    "HTTPClient": "mosaic_sdk._http._sync.client",
}

__all__ = [
    "DEFAULT_RETRY_STATUSES",
    "IDEMPOTENT_METHODS",
    "AsyncBaseTransport",
    "AsyncHTTPClient",
    "BaseTransport",
    "HTTPClient",
    "HTTPResponse",
    "RateLimit",
    "RetryPolicy",
    "Transport",
    "check_base_url",
    "check_credential",
    "no_retry_waits",
    "parse_retry_after",
]


__getattr__, __dir__ = lazy_exports(__name__, _LAZY, globals())
