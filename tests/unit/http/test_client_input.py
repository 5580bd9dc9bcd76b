"""Bad input to the HTTP core is a typed MosaicError; credentials never leave their origin.

Every case here used to escape as a bare AttributeError, TypeError, UnicodeEncodeError,
FileNotFoundError, httpx.InvalidURL or RuntimeError, or was silently accepted.
"""

from __future__ import annotations

import asyncio
import logging
import ssl
from collections.abc import Callable
from typing import Any

import httpx
import pytest

from mosaic_sdk._http import AsyncHTTPClient, HTTPClient, RateLimit, RetryPolicy
from mosaic_sdk.errors import (
    APIConnectionError,
    APIResponseValidationError,
    ConfigurationError,
    InvalidValueError,
    MosaicError,
)
from mosaic_sdk.observability import registered_secrets


def _ok(request: httpx.Request) -> httpx.Response:
    return httpx.Response(200, json={"ok": True})


def _client(**kw: Any) -> HTTPClient:
    kw.setdefault("transport", httpx.MockTransport(_ok))
    return HTTPClient("https://api.example.test", retry=RetryPolicy.none(), **kw)


Call = Callable[[], object]

BAD_CALLS: list[tuple[str, Call, type[MosaicError], str]] = [
    ("base-url-none", lambda: HTTPClient(None), InvalidValueError, "pass text like"),  # type: ignore[arg-type]
    ("base-url-int", lambda: HTTPClient(123), InvalidValueError, "is not a base URL"),  # type: ignore[arg-type]
    ("base-url-no-host", lambda: HTTPClient("https://"), ConfigurationError, "has no host"),
    (
        "provider-none",
        lambda: HTTPClient("https://x", provider=None),
        InvalidValueError,
        "provider",
    ),  # type: ignore[arg-type]
    ("timeout-text", lambda: HTTPClient("https://x", timeout="abc"), InvalidValueError, "seconds"),  # type: ignore[arg-type]
    (
        "timeout-negative",
        lambda: HTTPClient("https://x", timeout=-1),
        InvalidValueError,
        "positive",
    ),
    (
        "timeout-nan",
        lambda: HTTPClient("https://x", timeout=float("nan")),
        InvalidValueError,
        "positive",
    ),
    (
        "verify-missing-ca",
        lambda: HTTPClient("https://x", verify="/nonexistent/ca.pem"),
        ConfigurationError,
        "does not exist",
    ),
    ("verify-int", lambda: HTTPClient("https://x", verify=5), InvalidValueError, "CA bundle path"),  # type: ignore[arg-type]
    ("headers-list", lambda: HTTPClient("https://x", headers=[1, 2]), InvalidValueError, "mapping"),  # type: ignore[arg-type]
    (
        "header-unicode",
        lambda: HTTPClient("https://x", headers={"Authorization": "Bearer ✓"}),
        InvalidValueError,
        "non-ASCII",
    ),
    (
        "header-name-space",
        lambda: HTTPClient("https://x", headers={"X Bad": "1"}),
        InvalidValueError,
        "header name",
    ),
    (
        "retry-not-policy",
        lambda: HTTPClient("https://x", retry=3),
        InvalidValueError,
        "RetryPolicy",
    ),  # type: ignore[arg-type]
    (
        "rate-limit-not-limit",
        lambda: HTTPClient("https://x", rate_limit=5),
        InvalidValueError,
        "RateLimit",
    ),  # type: ignore[arg-type]
    (
        "async-transport-on-sync",
        lambda: HTTPClient("https://x", transport=httpx.AsyncHTTPTransport()),
        InvalidValueError,
        "sync httpx transport",
    ),  # type: ignore[arg-type]
    ("method-none", lambda: _client().request(None, "/"), InvalidValueError, "HTTP method"),  # type: ignore[arg-type]
    ("method-empty", lambda: _client().request("", "/"), InvalidValueError, "HTTP method"),
    ("method-space", lambda: _client().request("G ET", "/"), InvalidValueError, "HTTP method"),
    ("path-none", lambda: _client().request("GET", None), InvalidValueError, "path or URL"),  # type: ignore[arg-type]
    (
        "path-huge",
        lambda: _client().request("GET", "/" + "a" * 100_000),
        InvalidValueError,
        "shorter",
    ),
    (
        "json-object",
        lambda: _client().request("POST", "/", json=object()),
        InvalidValueError,
        "JSON",
    ),
    (
        "json-nan",
        lambda: _client().request("POST", "/", json={"x": float("nan")}),
        InvalidValueError,
        "finite",
    ),
    (
        "content-int",
        lambda: _client().request("POST", "/", content=5),
        InvalidValueError,
        "pass bytes",
    ),  # type: ignore[arg-type]
    (
        "header-value-none",
        lambda: _client().request("GET", "/", headers={"X-A": None}),
        InvalidValueError,
        "not text",
    ),  # type: ignore[dict-item]
    (
        "header-line-break",
        lambda: _client().request("GET", "/", headers={"X-A": "a\r\nX-B: c"}),
        InvalidValueError,
        "line break",
    ),
    (
        "allow-status-none",
        lambda: _client().request("GET", "/", allow_status=None),
        InvalidValueError,
        "status codes",
    ),  # type: ignore[arg-type]
    ("retries-text", lambda: RetryPolicy(max_retries="3"), InvalidValueError, "whole number"),  # type: ignore[arg-type]
    ("retries-fraction", lambda: RetryPolicy(max_retries=1.5), InvalidValueError, "whole number"),  # type: ignore[arg-type]
    ("delay-nan", lambda: RetryPolicy(initial_delay=float("nan")), InvalidValueError, "finite"),
    ("deadline-text", lambda: RetryPolicy(deadline="x"), InvalidValueError, "seconds"),  # type: ignore[arg-type]
    ("statuses-text", lambda: RetryPolicy(retry_statuses="500"), InvalidValueError, "{429, 503}"),  # type: ignore[arg-type]
    (
        "statuses-out-of-range",
        lambda: RetryPolicy(retry_statuses={5000}),
        InvalidValueError,
        "100 to 599",
    ),
    ("rate-window-text", lambda: RateLimit(1, "x"), InvalidValueError, "seconds"),  # type: ignore[arg-type]
    ("rate-window-inf", lambda: RateLimit(1, float("inf")), InvalidValueError, "seconds"),
    ("rate-key-none", lambda: RateLimit.shared(None, 1, 1.0), InvalidValueError, "rate-limit key"),  # type: ignore[arg-type]
]


@pytest.mark.parametrize(
    ("call", "error", "hint"), [c[1:] for c in BAD_CALLS], ids=[c[0] for c in BAD_CALLS]
)
def test_bad_input_is_a_typed_error_with_a_fix(
    call: Call, error: type[MosaicError], hint: str
) -> None:
    with pytest.raises(error) as info:
        call()
    assert type(info.value) is error
    assert hint in str(info.value)


def test_header_errors_name_the_header_not_its_value() -> None:
    with pytest.raises(InvalidValueError) as info:
        HTTPClient("https://x", headers={"X-API-Key": "s3cr3t-välue"})
    assert "X-API-Key" in str(info.value)
    assert "s3cr3t" not in str(info.value)


def test_a_closed_client_says_so() -> None:
    client = _client()
    client.close()
    with pytest.raises(ConfigurationError, match="closed"):
        client.request("GET", "/")


def test_async_client_refuses_the_same_input() -> None:
    async def main() -> None:
        async with AsyncHTTPClient(
            "https://x", transport=httpx.MockTransport(_ok), retry=RetryPolicy.none()
        ) as client:
            with pytest.raises(InvalidValueError, match="non-ASCII"):
                await client.request("GET", "/", headers={"X-A": "é"})
            with pytest.raises(InvalidValueError, match="HTTP method"):
                await client.request("", "/")
        with pytest.raises(ConfigurationError, match="closed"):
            await client.request("GET", "/")

    asyncio.run(main())


def test_deeply_nested_json_is_a_validation_error() -> None:
    deep = httpx.MockTransport(lambda r: httpx.Response(200, content=b"[" * 100_000))
    with pytest.raises(APIResponseValidationError, match="expected a JSON body"):
        HTTPClient("https://x", transport=deep).request("GET", "/").json()


def test_tls_verification_is_on_by_default() -> None:
    with HTTPClient("https://x") as client:
        pool = client._client._transport._pool  # type: ignore[attr-defined]
        context: ssl.SSLContext = pool._ssl_context
        assert context.verify_mode is ssl.CERT_REQUIRED
        assert context.check_hostname is True


def test_turning_tls_off_is_logged(caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level(logging.WARNING, "mosaic_sdk.http"):
        HTTPClient("https://x", verify=False).close()
    assert "TLS verification is disabled" in caplog.text


def test_secret_headers_are_registered_for_redaction() -> None:
    HTTPClient("https://x", headers={"Authorization": "Bearer hdr-token-4242"}).close()
    _client().request("GET", "/", headers={"X-API-Key": "per-call-key-4242"})
    known = registered_secrets()
    assert {"Bearer hdr-token-4242", "hdr-token-4242", "per-call-key-4242"} <= known


def test_url_password_never_reaches_errors_or_retry_logs(caplog: pytest.LogCaptureFixture) -> None:
    client = HTTPClient(
        "http://alice:url-pass-4242@127.0.0.1:1",
        retry=RetryPolicy(max_retries=1, initial_delay=0, jitter=0),
    )
    with (
        caplog.at_level(logging.INFO, "mosaic_sdk.http"),
        pytest.raises(APIConnectionError) as info,
    ):
        client.request("GET", "/x?token=q-4242")
    assert "url-pass-4242" not in str(info.value)
    assert "q-4242" not in str(info.value)
    assert info.value.url == "http://127.0.0.1:1/x"
    assert "retrying GET http://127.0.0.1:1/x" in caplog.text
    assert "url-pass-4242" not in caplog.text


def _redirecting(seen: list[httpx.Request], location: str) -> httpx.MockTransport:
    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        if len(seen) == 1:
            return httpx.Response(302, headers={"Location": location})
        return httpx.Response(200)

    return httpx.MockTransport(handler)


SECRET_HEADERS = {"X-API-Key": "k-1", "X-Vault-Token": "v-1", "Authorization": "Bearer a-1"}


def test_secret_headers_are_dropped_on_a_redirect_to_another_host() -> None:
    seen: list[httpx.Request] = []
    transport = _redirecting(seen, "https://elsewhere.example/blob")
    HTTPClient("https://api.example.test", transport=transport, headers=SECRET_HEADERS).request(
        "GET", "/"
    )
    assert [str(r.url.host) for r in seen] == ["api.example.test", "elsewhere.example"]
    assert all(name in seen[0].headers for name in SECRET_HEADERS)
    assert not any(name in seen[1].headers for name in SECRET_HEADERS)
    assert "User-Agent" in seen[1].headers


@pytest.mark.parametrize(
    ("start", "location", "kept"),
    [
        ("https://api.example.test", "/other", True),  # same origin
        ("http://api.example.test", "https://api.example.test/x", True),  # upgrade
        ("https://api.example.test", "http://api.example.test/x", False),  # downgrade
        ("https://api.example.test", "https://api.example.test:8443/x", False),  # other port
    ],
)
def test_redirect_origin_rules(start: str, location: str, kept: bool) -> None:
    seen: list[httpx.Request] = []
    client = HTTPClient(start, transport=_redirecting(seen, location), headers=SECRET_HEADERS)
    client.request("GET", "/")
    assert len(seen) == 2
    assert ("X-API-Key" in seen[1].headers) is kept
    assert ("Authorization" in seen[1].headers) is kept


def test_async_client_drops_secret_headers_across_origins() -> None:
    seen: list[httpx.Request] = []

    async def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        if len(seen) == 1:
            return httpx.Response(307, headers={"Location": "https://elsewhere.example/"})
        return httpx.Response(200)

    async def main() -> None:
        async with AsyncHTTPClient(
            "https://api.example.test",
            transport=httpx.MockTransport(handler),
            headers=SECRET_HEADERS,
        ) as client:
            await client.request("GET", "/")

    asyncio.run(main())
    assert "X-Vault-Token" in seen[0].headers
    assert "X-Vault-Token" not in seen[1].headers
