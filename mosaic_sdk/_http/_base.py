"""The I/O-free half of the HTTP core, shared by both clients.

:class:`_BaseHTTPClient` holds everything that does no I/O (URL and header building,
header, timeout and TLS checks, mapping transport failures and error statuses to the
SDK's error tree), with :class:`HTTPResponse`. The send loop is written once in
:mod:`mosaic_sdk._http._async.client` (:class:`AsyncHTTPClient`); ``make generate``
writes :class:`HTTPClient` in :mod:`mosaic_sdk._http._sync.client` from it.
"""

from __future__ import annotations

import json as jsonlib
import logging
import math
import os
import re
import urllib.parse
from collections.abc import Callable, Collection, Mapping
from typing import Any

import attrs
import httpx

from mosaic_sdk._core._context import CORRELATION_ID_HEADER, get_correlation_id
from mosaic_sdk._core._redact import (
    is_secret_key,
    register_secret,
    register_url_secrets,
    sanitize_url,
)
from mosaic_sdk._core._repr import safe_repr
from mosaic_sdk._http._ratelimit import RateLimit
from mosaic_sdk._http._retry import RetryPolicy, parse_retry_after
from mosaic_sdk._version import __version__
from mosaic_sdk.errors import (
    APIConnectionError,
    APIResponseValidationError,
    APIStatusError,
    APITimeoutError,
    ConfigurationError,
    InvalidValueError,
    RateLimitError,
    status_error_class,
)

__all__ = [
    "DEFAULT_TIMEOUT",
    "HTTPResponse",
    "Params",
    "AsyncBaseTransport",
    "BaseTransport",
    "Transport",
    "check_base_url",
    "strip_query",
    "strip_secrets_across_origins",
    "tls_setup_error",
    "wrong_transport",
]

logger = logging.getLogger("mosaic_sdk.http")

USER_AGENT = f"mosaic_sdk/{__version__}"
DEFAULT_TIMEOUT = 30.0

#: A test transport (``httpx.MockTransport``) or a custom one.
Transport = httpx.BaseTransport | httpx.AsyncBaseTransport
#: The transport a blocking client takes (``transport=`` outside ``_http``, which may
#: not import httpx itself).
BaseTransport = httpx.BaseTransport
#: The transport an asynchronous client takes; the generated twin says BaseTransport.
AsyncBaseTransport = httpx.AsyncBaseTransport

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
        except (ValueError, RecursionError) as exc:
            raise APIResponseValidationError(
                f"expected a JSON body, got {self.text[:200]!r}", method=self.method, url=self.url
            ) from exc


def strip_query(url: str) -> str:
    # Query strings can carry tokens (pre-signed URLs, ?token=) and the userinfo a
    # password (https://user:pass@host): never put either in an error or a log line.
    # The userinfo goes first: a raw '?' or '#' in a password must not end the cut early.
    return sanitize_url(url).split("?", 1)[0].split("#", 1)[0]


# RFC 9110 token: the characters allowed in a method or a header name.
_TOKEN = re.compile(r"[!#$%&'*+.^_`|~0-9A-Za-z-]+")
_CREDENTIAL_SCHEMES = ("bearer ", "basic ", "token ", "apikey ")


def _remember_secret_headers(headers: Mapping[str, str]) -> None:
    """Register the values of secret-named headers (and the credential after
    ``Bearer``/``Basic``/``Token``) so they are masked in every later message."""
    for name, value in headers.items():
        if is_secret_key(name):
            register_secret(value)
            _, _, credential = value.partition(" ")
            if credential and value.lower().startswith(_CREDENTIAL_SCHEMES):
                register_secret(credential.strip())


def _check_headers(headers: object, argument: str) -> dict[str, str]:
    """Validate headers up front: httpx would fail later with a bare UnicodeEncodeError
    or TypeError, and a line break in a value would split the request."""
    if headers is None:
        return {}
    if not isinstance(headers, Mapping):
        raise InvalidValueError(
            type(headers).__name__,
            f"{argument}= must be a mapping of header names to text",
            "pass a dict such as {'Accept': 'application/json'}",
        )
    checked: dict[str, str] = {}
    for name, value in headers.items():
        if not isinstance(name, str) or _TOKEN.fullmatch(name) is None:
            raise InvalidValueError(
                name,
                "is not an HTTP header name",
                "use letters, digits and '-', e.g. 'X-Request-ID'",
            )
        # The value is never quoted: it may be a credential.
        if not isinstance(value, str):
            raise InvalidValueError(
                name,
                f"the value of this header is a {type(value).__name__}, not text",
                "pass header values as strings, e.g. str(number)",
            )
        if not value.isascii() or any(ch in value for ch in "\r\n\x00"):
            raise InvalidValueError(
                name,
                "the value of this header holds non-ASCII text or a line break",
                "percent- or base64-encode the value, and remove line breaks",
            )
        checked[name] = value
    _remember_secret_headers(checked)
    return checked


def _check_timeout(timeout: object) -> float | None:
    if timeout is None:
        return None
    if (
        isinstance(timeout, bool)
        or not isinstance(timeout, (int, float))
        or not math.isfinite(timeout)
        or timeout <= 0
    ):
        raise InvalidValueError(
            timeout,
            "is not a timeout",
            "pass a positive number of seconds per attempt, or None for no timeout",
        )
    return float(timeout)


def _check_verify(verify: object) -> bool | str:
    if isinstance(verify, bool):
        if not verify:
            logger.warning(
                "TLS verification is disabled; use this only against a local test server, "
                "and pass verify='/path/to/ca.pem' for a private CA"
            )
        return verify
    if isinstance(verify, str) and verify.strip():
        if not os.path.exists(verify):
            raise ConfigurationError(
                f"CA bundle {verify!r} does not exist; pass verify= the path of a PEM file "
                "(or a directory of them) that holds the CA which signed the server's "
                "certificate, or True for the system's CAs"
            )
        return verify
    raise InvalidValueError(
        verify, "is not a TLS verification setting", "pass True (default) or a CA bundle path"
    )


def _origin(url: httpx.URL) -> tuple[str, str, int | None]:
    return (url.scheme, url.host, url.port)


def strip_secrets_across_origins(request: httpx.Request) -> None:
    """On a redirect to another origin, drop every secret-named header.

    httpx itself drops only ``Authorization``: an ``X-API-Key`` or ``X-Vault-Token``
    would otherwise be sent to whatever host the redirect names. An upgrade from
    ``http`` to ``https`` on the same host keeps them, as httpx does for
    ``Authorization``.
    """
    first = request.extensions.get("mosaic_origin")
    if first is None:
        return
    scheme, host, port = _origin(request.url)
    if (scheme, host, port) == first:
        return
    upgrade = first[0] == "http" and scheme == "https" and host == first[1]
    if upgrade and first[2] in (None, 80) and port in (None, 443):
        return
    for name in [name for name in request.headers if is_secret_key(name)]:
        del request.headers[name]


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


def wrong_transport(transport: object, expected: type) -> InvalidValueError:
    """The error for a ``transport=`` of the wrong kind (``expected``: the httpx base class)."""
    if expected is httpx.AsyncBaseTransport:
        return InvalidValueError(
            type(transport).__name__,
            "is not an async httpx transport",
            "pass an httpx.AsyncBaseTransport (httpx.MockTransport in tests) to "
            "AsyncHTTPClient, and sync transports to HTTPClient",
        )
    return InvalidValueError(
        type(transport).__name__,
        "is not a sync httpx transport",
        "pass an httpx.BaseTransport (httpx.MockTransport in tests) to HTTPClient, "
        "and async transports to AsyncHTTPClient",
    )


def tls_setup_error(verify: bool | str, exc: BaseException) -> ConfigurationError:
    return ConfigurationError(
        f"cannot set up TLS verification with verify={verify!r} ({type(exc).__name__}: {exc}); "
        "pass the path of a readable PEM CA bundle, or True for the system's CAs"
    )


def check_base_url(base_url: object, *, what: str = "base URL", example: str) -> str:
    """Validate an API root URL before any request (I/O-free) and return it without a
    trailing slash.

    Refuses anything but a string with an ``http://`` or ``https://`` scheme, a host name,
    a well-formed port and no white space, with a :class:`ConfigurationError` that quotes
    the value and shows ``example``. Every client checks its base URL here.
    """
    fix = f"pass the full URL, for example {example!r}"
    # Quoted through the sanitizer: a password in the URL (even one holding a '/' or a
    # space, which end the URL for a pattern) never reaches the message.
    shown = repr(base_url)
    if isinstance(base_url, str):
        register_url_secrets(base_url)
        shown = repr(sanitize_url(base_url))
    if not isinstance(base_url, str) or not base_url.startswith(("http://", "https://")):
        raise ConfigurationError(f"{what} {shown} has no http:// or https:// scheme; {fix}")
    base = base_url.rstrip("/")
    try:
        parts = urllib.parse.urlsplit(base)
        parts.port  # noqa: B018 - raises ValueError on a malformed port
    except ValueError:
        # Not quoting urlsplit's message: it quotes the "port", which may be a password.
        raise ConfigurationError(
            f"{what} {shown} is not a valid URL (a malformed host or port); {fix}"
        ) from None
    if not parts.hostname or any(ch.isspace() for ch in base):
        raise ConfigurationError(f"{what} {shown} has no host, or a malformed one; {fix}")
    return base


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
        if not isinstance(base_url, str):
            raise InvalidValueError(
                base_url, "is not a base URL", "pass text like 'https://coolify.example.com'"
            )
        if not isinstance(provider, str):
            raise InvalidValueError(provider, "is not a provider name", "pass text like 'registry'")
        # Before any check can quote it: the URL's password is masked in every message.
        register_url_secrets(base_url)
        if retry is not None and not isinstance(retry, RetryPolicy):
            raise InvalidValueError(
                type(retry).__name__, "retry= is not a RetryPolicy", "pass RetryPolicy(...) or None"
            )
        if rate_limit is not None and not isinstance(rate_limit, RateLimit):
            raise InvalidValueError(
                type(rate_limit).__name__,
                "rate_limit= is not a RateLimit",
                "pass RateLimit(max_requests, per_seconds) or None",
            )
        self.base_url = (
            check_base_url(base_url, example="https://api.example.com") if base_url else ""
        )
        # The origin of every URL under the base, parsed once: most requests go there.
        self._base_prefix = f"{self.base_url}/" if self.base_url else None
        self._base_origin = _origin(httpx.URL(self.base_url)) if self.base_url else None
        self.provider = provider
        self.retry = retry if retry is not None else RetryPolicy()
        self.rate_limit = rate_limit
        self._headers = {"User-Agent": USER_AGENT, **_check_headers(headers, "headers")}
        self._timeout = _check_timeout(timeout)
        self._verify = _check_verify(verify)
        self._error_message = error_message or _default_error_message
        self._retry_after = retry_after

    @safe_repr
    def __repr__(self) -> str:
        # Headers carry credentials: never show them.
        base = sanitize_url(self.base_url)
        return f"{type(self).__name__}(base_url={base!r}, provider={self.provider!r})"

    def _url(self, path_or_url: str) -> str:
        if not isinstance(path_or_url, str):
            raise InvalidValueError(
                path_or_url, "is not a path or URL", "pass text like '/api/v1/items'"
            )
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
            merged[CORRELATION_ID_HEADER] = cid
        if headers:
            merged.update(headers)
        return merged

    def _prepare(
        self,
        method: str,
        path_or_url: str,
        json: Any,
        content: bytes | None,
        headers: Mapping[str, str] | None,
        allow_status: Collection[int],
    ) -> tuple[str, str, dict[str, str], frozenset[int]]:
        """Validate one call's arguments before anything is sent (I/O-free)."""
        if self._client_closed():
            raise ConfigurationError(
                f"this {type(self).__name__} is closed; create a new client, or make the "
                "calls inside its with-block"
            )
        if not isinstance(method, str) or _TOKEN.fullmatch(method) is None:
            raise InvalidValueError(method, "is not an HTTP method", "use e.g. 'GET' or 'POST'")
        url = self._url(path_or_url)
        if json is not None:
            try:
                jsonlib.dumps(json, allow_nan=False)
            except (TypeError, ValueError, RecursionError) as exc:
                # The value is not quoted: request bodies often hold credentials.
                raise InvalidValueError(
                    f"json={type(json).__name__}",
                    f"cannot be sent as JSON ({type(exc).__name__}: {exc})",
                    "pass only dicts, lists, strings, finite numbers, booleans and None; "
                    "convert other values first (str(), .isoformat())",
                ) from None
        if content is not None and not isinstance(content, (bytes, bytearray, str)):
            raise InvalidValueError(
                f"content={type(content).__name__}",
                "is not a request body",
                "pass bytes (or use json= for JSON)",
            )
        try:
            allowed = frozenset(allow_status)
        except TypeError:
            allowed = None
        if allowed is None or any(
            isinstance(code, bool) or not isinstance(code, int) for code in allowed
        ):
            raise InvalidValueError(
                allow_status, "is not a collection of status codes", "pass e.g. (404,)"
            )
        return (
            method.upper(),
            url,
            self._request_headers(_check_headers(headers, "headers")),
            allowed,
        )

    def _client_closed(self) -> bool:
        # Each subclass reports the state of its own connection pool.
        return False

    def _send_kwargs(self, url: str) -> dict[str, Any]:
        """httpx arguments that do not come from the caller: the origin the redirect
        hook compares against."""
        if self._base_prefix is not None and url.startswith(self._base_prefix):
            origin = self._base_origin
        else:
            origin = _origin(httpx.URL(url))
        return {"extensions": {"mosaic_origin": origin}}

    def _invalid_url(self, exc: httpx.InvalidURL, url: str) -> InvalidValueError:
        return InvalidValueError(
            strip_query(url)[:200],
            f"is not a URL httpx can send ({exc})",
            "check the base URL and path: a host, an optional port, and a path shorter than 64 KB",
        )

    def _map_transport_error(
        self, exc: httpx.HTTPError, method: str, url: str
    ) -> APIConnectionError:
        where = {"provider": self.provider, "method": method, "url": strip_query(url)}
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
        # The send loop has already corrected the rate limit from the headers (awaited
        # in the asynchronous twin: a shared budget's correction is I/O).
        if response.status_code < 400 or response.status_code in allow_status:
            return response
        raise self._status_error(response)

    def _status_error(self, response: HTTPResponse) -> APIStatusError:
        status = response.status_code
        where: dict[str, Any] = {
            "provider": self.provider,
            "method": response.method,
            "url": strip_query(response.url),
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
