"""The shared HTTP core: the only package in mosaic_sdk that imports httpx.

Every registry and provider client sends through :class:`HTTPClient` or
:class:`AsyncHTTPClient`, so retries (:class:`RetryPolicy`), client-side rate limits
(:class:`RateLimit`), correlation ids and error mapping behave the same everywhere.
"""

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
