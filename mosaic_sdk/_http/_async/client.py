"""The HTTP send loop, written once: :class:`AsyncHTTPClient` acquires the rate limit,
sends, maps the outcome and lets the :class:`~mosaic_sdk._http.RetryPolicy` decide what
to repeat. Everything without I/O is in :mod:`mosaic_sdk._http._base`.
"""

from __future__ import annotations

import ssl
import time
from collections.abc import Callable, Collection, Mapping
from typing import Any

import httpx

from mosaic_sdk._core._async.closing import AsyncClosing
from mosaic_sdk._core._concurrency import arun_blocking, asleep
from mosaic_sdk._http._base import (
    DEFAULT_TIMEOUT,
    HTTPResponse,
    Params,
    _BaseHTTPClient,
    strip_query,
    strip_secrets_across_origins,
    tls_setup_error,
    wrong_transport,
)
from mosaic_sdk._http._ratelimit import RateLimit
from mosaic_sdk._http._retry import RetryPolicy
from mosaic_sdk._http._tls import cached_tls_context, prepare_async_transport

__all__ = ["AsyncHTTPClient"]


async def _strip_secrets_hook(request: httpx.Request) -> None:
    strip_secrets_across_origins(request)


class AsyncHTTPClient(AsyncClosing, _BaseHTTPClient):
    """HTTP client with retries, rate limiting and typed errors.

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
        if transport is not None and not isinstance(transport, httpx.AsyncBaseTransport):
            raise wrong_transport(transport, httpx.AsyncBaseTransport)
        self._transport = transport
        self._closed = False
        self._client: httpx.AsyncClient | None = None
        # Blocking code builds (or reuses) the TLS context now; asynchronous code takes a
        # cached one only and leaves a new one to _open, which loads it in a worker thread.
        context: ssl.SSLContext | bool | str | None = self._verify
        if transport is None:
            try:
                context = cached_tls_context(self._verify)
            except (OSError, ssl.SSLError) as exc:
                raise tls_setup_error(self._verify, exc) from exc
        if context is not None:
            self._client = self._new_client(context)

    def _new_client(self, verify: ssl.SSLContext | bool | str) -> httpx.AsyncClient:
        try:
            return httpx.AsyncClient(
                timeout=self._timeout,
                verify=verify,
                transport=self._transport,
                follow_redirects=True,
                event_hooks={"request": [_strip_secrets_hook]},
            )
        except (OSError, ssl.SSLError) as exc:
            raise tls_setup_error(self._verify, exc) from exc

    async def _open(self) -> httpx.AsyncClient:
        """The httpx client; built on first use when its TLS context is new, which is
        loaded in a worker thread (loading a CA bundle takes tens of milliseconds)."""
        if self._client is None:
            try:
                context = await arun_blocking(prepare_async_transport, self._verify)
            except (OSError, ssl.SSLError) as exc:
                raise tls_setup_error(self._verify, exc) from exc
            if self._client is None:
                self._client = self._new_client(context)
                if self._closed:
                    await self._client.aclose()
        return self._client

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
        """Send one request, retrying per the policy, and return the response.

        Raises the mapped :class:`~mosaic_sdk.errors.APIStatusError` subclass for a
        status of 400 or more unless it is in ``allow_status``, and
        :class:`~mosaic_sdk.errors.APIConnectionError` when the server cannot be reached.
        ``idempotent=True`` marks a POST or PATCH as safe to repeat.
        """
        method, url, merged, allowed = self._prepare(
            method, path_or_url, json, content, headers, allow_status
        )
        # The first attempt runs outside tenacity: setting up a retry loop costs about as
        # much client CPU as the SDK's own work on a request, and most requests succeed
        # at once. A failure is replayed into the loop as its first attempt, so the
        # retry decision, waits, logging, attempt count and deadline are those of one loop.
        started = time.monotonic()
        try:
            return await self._send_once(method, url, params, json, content, merged, allowed)
        except Exception as exc:  # handed to the retry loop unchanged
            first: Exception | None = exc
        retrying = self.retry.async_retrying(
            method=method,
            url=strip_query(url),
            provider=self.provider,
            idempotent=idempotent,
            spent=time.monotonic() - started,
        )
        async for attempt in retrying:
            with attempt:
                if first is not None:
                    failed, first = first, None
                    raise failed
                return await self._send_once(method, url, params, json, content, merged, allowed)
        raise AssertionError("unreachable: tenacity re-raises the last error")  # pragma: no cover

    async def _send_once(
        self,
        method: str,
        url: str,
        params: Params | None,
        json: Any,
        content: bytes | None,
        headers: dict[str, str],
        allow_status: Collection[int],
    ) -> HTTPResponse:
        if self.rate_limit is not None:
            await self.rate_limit.aacquire(asleep)
        client = await self._open()
        try:
            raw = await client.request(
                method,
                url,
                params=params,
                json=json,
                content=content,
                headers=headers,
                **self._send_kwargs(url),
            )
        except httpx.InvalidURL as exc:
            raise self._invalid_url(exc, url) from exc
        except httpx.HTTPError as exc:
            raise self._map_transport_error(exc, method, url) from exc
        response = self._to_response(raw, method)
        if self.rate_limit is not None:
            await self.rate_limit.aupdate_from_headers(response.headers)
        return self._check(response, allow_status)

    def _client_closed(self) -> bool:
        return self._closed if self._client is None else self._client.is_closed

    async def aclose(self) -> None:
        """Close the connection pool."""
        self._closed = True
        if self._client is not None:
            await self._client.aclose()
