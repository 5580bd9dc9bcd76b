"""The HTTP send loops: the only code in mosaic_sdk that talks to httpx.

:class:`_BaseHTTPClient` holds everything that does no I/O (URL and header building,
mapping transport failures and error statuses to the SDK's error tree).
:class:`HTTPClient` and :class:`AsyncHTTPClient` add the I/O: acquire the rate limit,
send, map, and let the :class:`~mosaic_sdk._http.RetryPolicy` decide what to repeat.
"""

from __future__ import annotations

import asyncio
import json as jsonlib
import time
from collections.abc import Callable, Collection, Mapping
from types import TracebackType
from typing import Any

import attrs
import httpx

from mosaic_sdk._http._ratelimit import RateLimit
from mosaic_sdk._http._retry import RetryPolicy, parse_retry_after
from mosaic_sdk._version import __version__
from mosaic_sdk.errors import (
    APIConnectionError,
    APIResponseValidationError,
    APIStatusError,
    APITimeoutError,
    ConfigurationError,
    RateLimitError,
    status_error_class,
)
from mosaic_sdk.observability._context import get_correlation_id

__all__ = [
    "CORRELATION_HEADER",
    "AsyncHTTPClient",
    "HTTPClient",
    "HTTPResponse",
    "Transport",
]

CORRELATION_HEADER = "X-Correlation-ID"
USER_AGENT = f"mosaic_sdk/{__version__}"
DEFAULT_TIMEOUT = 30.0

#: A test transport (``httpx.MockTransport``) or a custom one.
Transport = httpx.BaseTransport | httpx.AsyncBaseTransport

_Primitive = str | int | float | bool | None
Params = Mapping[str, _Primitive | list[_Primitive]]


@attrs.frozen
class HTTPResponse:
    """A complete HTTP response, read into memory.

    Attributes:
        status_code: the HTTP status.
        headers: the response headers; lookups are case-insensitive.
        content: the body, exactly as received.
        url: the final URL (after redirects).
        method: the request method.
    """

    status_code: int
    headers: Mapping[str, str] = attrs.field(repr=False)
    content: bytes = attrs.field(repr=False)
    url: str
    method: str

    @property
    def text(self) -> str:
        """The body decoded as UTF-8 (invalid bytes replaced)."""
        return self.content.decode("utf-8", errors="replace")

    def json(self) -> Any:
        """The body parsed as JSON.

        Raises:
            APIResponseValidationError: the body is not JSON.
        """
        try:
            return jsonlib.loads(self.content)
        except ValueError as exc:
            raise APIResponseValidationError(
                f"expected a JSON body, got {self.text[:200]!r}", method=self.method, url=self.url
            ) from exc


def _strip_query(url: str) -> str:
    # Query strings can carry tokens (pre-signed URLs, ?token=); never put them in errors.
    return url.split("?", 1)[0]


def _default_error_message(response: HTTPResponse) -> str:
    text = response.text.strip()
    try:
        body = jsonlib.loads(text) if text else None
    except ValueError:
        body = None
    if isinstance(body, dict):
        for key in ("message", "error", "detail", "errors"):
            if key in body:
                return f"HTTP {response.status_code}: {str(body[key])[:500]}"
    snippet = f": {text[:300]}" if text else ""
    return f"HTTP {response.status_code}{snippet}"


class _BaseHTTPClient:
    """I/O-free half shared by the sync and async clients."""

    def __init__(
        self,
        base_url: str,
        *,
        provider: str,
        headers: Mapping[str, str] | None,
        timeout: float | None,
        retry: RetryPolicy | None,
        rate_limit: RateLimit | None,
        verify: bool | str,
        error_message: Callable[[HTTPResponse], str] | None,
        retry_after: Callable[[HTTPResponse], float | None] | None = None,
    ) -> None:
        if base_url and not base_url.startswith(("http://", "https://")):
            raise ConfigurationError(
                f"base URL {base_url!r} has no http:// or https:// scheme; "
                "pass the full URL, for example 'https://coolify.example.com'"
            )
        self.base_url = base_url.rstrip("/")
        self.provider = provider
        self.retry = retry if retry is not None else RetryPolicy()
        self.rate_limit = rate_limit
        self._headers = {"User-Agent": USER_AGENT, **dict(headers or {})}
        self._timeout = timeout
        self._verify = verify
        self._error_message = error_message or _default_error_message
        self._retry_after = retry_after

    def __repr__(self) -> str:
        # Headers carry credentials: never show them.
        return f"{type(self).__name__}(base_url={self.base_url!r}, provider={self.provider!r})"

    def _url(self, path_or_url: str) -> str:
        if path_or_url.startswith(("http://", "https://")):
            return path_or_url
        if not self.base_url:
            raise ConfigurationError(
                f"relative path {path_or_url!r} needs a base URL; create the client with base_url"
            )
        return f"{self.base_url}/{path_or_url.lstrip('/')}"

    def _request_headers(self, headers: Mapping[str, str] | None) -> dict[str, str]:
        merged = dict(self._headers)
        cid = get_correlation_id()
        if cid:
            merged[CORRELATION_HEADER] = cid
        if headers:
            merged.update(headers)
        return merged

    def _map_transport_error(
        self, exc: httpx.HTTPError, method: str, url: str
    ) -> APIConnectionError:
        where = {"provider": self.provider, "method": method, "url": _strip_query(url)}
        name = type(exc).__name__
        if isinstance(exc, (httpx.ConnectTimeout, httpx.PoolTimeout)):
            return APITimeoutError(
                f"timed out connecting ({name}); check the host is up or raise the timeout",
                request_sent=False,
                **where,
            )
        if isinstance(exc, httpx.TimeoutException):
            return APITimeoutError(
                f"no answer within the timeout ({name}); raise the timeout or retry later",
                request_sent=True,
                **where,
            )
        if isinstance(exc, httpx.ConnectError):
            return APIConnectionError(
                f"cannot connect ({exc}); check the URL and that the server is running",
                request_sent=False,
                **where,
            )
        return APIConnectionError(f"connection failed ({name}: {exc})", request_sent=True, **where)

    def _to_response(self, raw: httpx.Response, method: str) -> HTTPResponse:
        return HTTPResponse(
            status_code=raw.status_code,
            headers=raw.headers,
            content=raw.content,
            url=str(raw.url),
            method=method,
        )

    def _check(self, response: HTTPResponse, allow_status: Collection[int]) -> HTTPResponse:
        if self.rate_limit is not None:
            self.rate_limit.update_from_headers(response.headers)
        if response.status_code < 400 or response.status_code in allow_status:
            return response
        raise self._status_error(response)

    def _status_error(self, response: HTTPResponse) -> APIStatusError:
        status = response.status_code
        where: dict[str, Any] = {
            "provider": self.provider,
            "method": response.method,
            "url": _strip_query(response.url),
            "body": response.text,
            "request_id": response.headers.get("x-request-id"),
        }
        message = self._error_message(response)
        retry_after = parse_retry_after(response.headers)
        if retry_after is None and self._retry_after is not None:
            # Providers that announce the wait elsewhere (Vercel: error.limit.reset).
            retry_after = self._retry_after(response)
        if status == 429 or (
            retry_after is not None
            and retry_after > self.retry.max_retry_after
            and status in self.retry.retry_statuses
        ):
            if retry_after is not None and retry_after > self.retry.max_retry_after:
                message += (
                    f"; the server asked to wait {retry_after:.0f}s, more than the "
                    f"{self.retry.max_retry_after:.0f}s cap: try again later or raise "
                    "RetryPolicy.max_retry_after"
                )
            return RateLimitError(message, status_code=status, retry_after=retry_after, **where)
        return status_error_class(status)(message, status_code=status, **where)


class HTTPClient(_BaseHTTPClient):
    """Synchronous HTTP client with retries, rate limiting and typed errors.

    Args:
        base_url: root URL that relative paths are joined to.
        provider: short name used in errors and logs (``"coolify"``, ``"registry"``).
        headers: headers sent with every request (credentials go here; they are never
            shown in a repr or an error).
        timeout: seconds for each attempt; ``None`` disables the timeout.
        retry: the retry policy; ``RetryPolicy()`` by default.
        rate_limit: a limiter acquired before every attempt, or ``None``.
        verify: TLS verification: ``True`` (default), ``False`` or a CA bundle path.
        transport: a custom httpx transport (tests use ``httpx.MockTransport``).
        error_message: extracts a readable message from an error response.
        retry_after: reads the server's requested wait (seconds) from an error
            response when it carries no ``Retry-After`` header (for example a reset
            time in the body); ``None`` when it says nothing.
    """

    def __init__(
        self,
        base_url: str = "",
        *,
        provider: str = "http",
        headers: Mapping[str, str] | None = None,
        timeout: float | None = DEFAULT_TIMEOUT,
        retry: RetryPolicy | None = None,
        rate_limit: RateLimit | None = None,
        verify: bool | str = True,
        transport: httpx.BaseTransport | None = None,
        error_message: Callable[[HTTPResponse], str] | None = None,
        retry_after: Callable[[HTTPResponse], float | None] | None = None,
    ) -> None:
        super().__init__(
            base_url,
            provider=provider,
            headers=headers,
            timeout=timeout,
            retry=retry,
            rate_limit=rate_limit,
            verify=verify,
            error_message=error_message,
            retry_after=retry_after,
        )
        self._client = httpx.Client(
            timeout=timeout, verify=verify, transport=transport, follow_redirects=True
        )

    def request(
        self,
        method: str,
        path_or_url: str,
        *,
        params: Params | None = None,
        json: Any = None,
        content: bytes | None = None,
        headers: Mapping[str, str] | None = None,
        idempotent: bool | None = None,
        allow_status: Collection[int] = (),
    ) -> HTTPResponse:
        """Send one request, retrying per the policy, and return the response.

        Raises the mapped :class:`~mosaic_sdk.errors.APIStatusError` subclass for a
        status of 400 or more unless it is in ``allow_status``, and
        :class:`~mosaic_sdk.errors.APIConnectionError` when the server cannot be reached.
        ``idempotent=True`` marks a POST or PATCH as safe to repeat.
        """
        method = method.upper()
        url = self._url(path_or_url)
        retrying = self.retry.retrying(
            method=method, url=_strip_query(url), provider=self.provider, idempotent=idempotent
        )
        for attempt in retrying:
            with attempt:
                return self._send_once(method, url, params, json, content, headers, allow_status)
        raise AssertionError("unreachable: tenacity re-raises the last error")  # pragma: no cover

    def _send_once(
        self,
        method: str,
        url: str,
        params: Params | None,
        json: Any,
        content: bytes | None,
        headers: Mapping[str, str] | None,
        allow_status: Collection[int],
    ) -> HTTPResponse:
        if self.rate_limit is not None:
            self.rate_limit.acquire(time.sleep)
        try:
            raw = self._client.request(
                method,
                url,
                params=params,
                json=json,
                content=content,
                headers=self._request_headers(headers),
            )
        except httpx.HTTPError as exc:
            raise self._map_transport_error(exc, method, url) from exc
        return self._check(self._to_response(raw, method), allow_status)

    def close(self) -> None:
        """Close the connection pool."""
        self._client.close()

    def __enter__(self) -> HTTPClient:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()


class AsyncHTTPClient(_BaseHTTPClient):
    """Asynchronous twin of :class:`HTTPClient`: same arguments, ``await client.request``,
    ``await client.aclose()``."""

    def __init__(
        self,
        base_url: str = "",
        *,
        provider: str = "http",
        headers: Mapping[str, str] | None = None,
        timeout: float | None = DEFAULT_TIMEOUT,
        retry: RetryPolicy | None = None,
        rate_limit: RateLimit | None = None,
        verify: bool | str = True,
        transport: httpx.AsyncBaseTransport | None = None,
        error_message: Callable[[HTTPResponse], str] | None = None,
        retry_after: Callable[[HTTPResponse], float | None] | None = None,
    ) -> None:
        super().__init__(
            base_url,
            provider=provider,
            headers=headers,
            timeout=timeout,
            retry=retry,
            rate_limit=rate_limit,
            verify=verify,
            error_message=error_message,
            retry_after=retry_after,
        )
        self._client = httpx.AsyncClient(
            timeout=timeout, verify=verify, transport=transport, follow_redirects=True
        )

    async def request(
        self,
        method: str,
        path_or_url: str,
        *,
        params: Params | None = None,
        json: Any = None,
        content: bytes | None = None,
        headers: Mapping[str, str] | None = None,
        idempotent: bool | None = None,
        allow_status: Collection[int] = (),
    ) -> HTTPResponse:
        """Async twin of :meth:`HTTPClient.request`."""
        method = method.upper()
        url = self._url(path_or_url)
        retrying = self.retry.async_retrying(
            method=method, url=_strip_query(url), provider=self.provider, idempotent=idempotent
        )
        async for attempt in retrying:
            with attempt:
                return await self._send_once(
                    method, url, params, json, content, headers, allow_status
                )
        raise AssertionError("unreachable: tenacity re-raises the last error")  # pragma: no cover

    async def _send_once(
        self,
        method: str,
        url: str,
        params: Params | None,
        json: Any,
        content: bytes | None,
        headers: Mapping[str, str] | None,
        allow_status: Collection[int],
    ) -> HTTPResponse:
        if self.rate_limit is not None:
            await self.rate_limit.aacquire(asyncio.sleep)
        try:
            raw = await self._client.request(
                method,
                url,
                params=params,
                json=json,
                content=content,
                headers=self._request_headers(headers),
            )
        except httpx.HTTPError as exc:
            raise self._map_transport_error(exc, method, url) from exc
        return self._check(self._to_response(raw, method), allow_status)

    async def aclose(self) -> None:
        """Close the connection pool."""
        await self._client.aclose()

    async def __aenter__(self) -> AsyncHTTPClient:
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.aclose()
