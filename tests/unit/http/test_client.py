"""HTTPClient and AsyncHTTPClient over httpx.MockTransport: mapping, retries, headers."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable

import httpx
import pytest

from mosaic_sdk._http import AsyncHTTPClient, HTTPClient, RetryPolicy
from mosaic_sdk.errors import (
    APIConnectionError,
    APIResponseValidationError,
    APIStatusError,
    APITimeoutError,
    AuthenticationError,
    BadRequestError,
    ConfigurationError,
    ConflictError,
    MosaicError,
    NotFoundError,
    PermissionDeniedError,
    RateLimitError,
    ServerError,
    UnprocessableEntityError,
)
from mosaic_sdk.observability._context import correlation_id

Handler = Callable[[httpx.Request], httpx.Response]


def _client(handler: Handler, sleeps: list[float] | None = None, **kw: object) -> HTTPClient:
    policy = RetryPolicy(sleep=(sleeps.append if sleeps is not None else lambda s: None))
    return HTTPClient(
        "https://api.example.test",
        provider="test",
        transport=httpx.MockTransport(handler),
        retry=kw.pop("retry", policy),  # type: ignore[arg-type]
        **kw,  # type: ignore[arg-type]
    )


@pytest.mark.parametrize(
    ("status", "cls"),
    [
        (400, BadRequestError),
        (401, AuthenticationError),
        (403, PermissionDeniedError),
        (404, NotFoundError),
        (409, ConflictError),
        (418, APIStatusError),
        (422, UnprocessableEntityError),
        (429, RateLimitError),
        (500, ServerError),
        (503, ServerError),
        (599, ServerError),
    ],
)
def test_status_maps_to_the_most_specific_class(status: int, cls: type[APIStatusError]) -> None:
    client = _client(
        lambda r: httpx.Response(status, json={"message": "nope"}), retry=RetryPolicy.none()
    )
    with pytest.raises(cls) as info:
        client.request("GET", "/things/1")
    assert type(info.value) is cls
    assert info.value.status_code == status
    assert "nope" in str(info.value)
    assert "GET https://api.example.test/things/1" in str(info.value)


def test_allow_status_returns_the_response() -> None:
    client = _client(lambda r: httpx.Response(404, content=b"missing"))
    response = client.request("HEAD", "/x", allow_status={404})
    assert response.status_code == 404
    assert response.content == b"missing"


@pytest.mark.parametrize(
    ("exc", "cls", "sent"),
    [
        (httpx.ConnectError("refused"), APIConnectionError, False),
        (httpx.ConnectTimeout("slow connect"), APITimeoutError, False),
        (httpx.ReadTimeout("slow read"), APITimeoutError, True),
        (httpx.RemoteProtocolError("peer closed"), APIConnectionError, True),
        (httpx.ReadError("reset"), APIConnectionError, True),
    ],
)
def test_no_httpx_exception_escapes(
    exc: httpx.HTTPError, cls: type[APIConnectionError], sent: bool
) -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        raise exc

    client = _client(handler)
    with pytest.raises(cls) as info:
        client.request("GET", "/x")
    assert not isinstance(info.value, httpx.HTTPError)
    assert isinstance(info.value.__cause__, httpx.HTTPError)
    assert info.value.request_sent is sent


def test_retries_503_then_succeeds_with_backoff_sleeps() -> None:
    answers = iter([503, 502, 200])
    sleeps: list[float] = []
    client = _client(lambda r: httpx.Response(next(answers), json={}), sleeps)
    assert client.request("GET", "/x").status_code == 200
    assert len(sleeps) == 2
    assert 0.5 <= sleeps[0] <= 1.0
    assert 1.0 <= sleeps[1] <= 1.5


def test_gives_up_after_max_retries_and_raises_the_last_error() -> None:
    calls: list[int] = []

    def handler(request: httpx.Request) -> httpx.Response:
        calls.append(1)
        return httpx.Response(503, json={"message": "down"})

    client = _client(handler)
    with pytest.raises(ServerError, match="down"):
        client.request("GET", "/x")
    assert len(calls) == 3  # first attempt + 2 retries


def test_409_is_never_retried() -> None:
    calls: list[int] = []

    def handler(request: httpx.Request) -> httpx.Response:
        calls.append(1)
        return httpx.Response(409, json={"message": "deployment already running"})

    with pytest.raises(ConflictError):
        _client(handler).request("GET", "/deploy")
    assert calls == [1]


def test_post_503_is_not_retried_unless_marked_safe() -> None:
    calls: list[str] = []

    def handler(request: httpx.Request) -> httpx.Response:
        calls.append(request.method)
        return httpx.Response(503)

    client = _client(handler)
    with pytest.raises(ServerError):
        client.request("POST", "/x", json={"a": 1})
    assert calls == ["POST"]
    with pytest.raises(ServerError):
        client.request("POST", "/x", json={"a": 1}, idempotent=True)
    assert calls == ["POST"] * 4


def test_retry_after_is_honoured_and_sent_on_429() -> None:
    answers = iter(
        [httpx.Response(429, headers={"Retry-After": "2"}), httpx.Response(200, json={"ok": 1})]
    )
    sleeps: list[float] = []
    client = _client(lambda r: next(answers), sleeps)
    assert client.request("POST", "/deploy").json() == {"ok": 1}
    assert sleeps == [2.0]


def test_retry_after_above_cap_raises_rate_limit_without_sleeping() -> None:
    sleeps: list[float] = []
    client = _client(lambda r: httpx.Response(429, headers={"Retry-After": "3600"}), sleeps)
    with pytest.raises(RateLimitError) as info:
        client.request("GET", "/x")
    assert info.value.retry_after == 3600.0
    assert "3600s" in str(info.value)
    assert "max_retry_after" in str(info.value)
    assert sleeps == []


def test_503_with_huge_retry_after_becomes_rate_limit_error() -> None:
    client = _client(lambda r: httpx.Response(503, headers={"Retry-After": "900"}))
    with pytest.raises(RateLimitError) as info:
        client.request("GET", "/x")
    assert info.value.status_code == 503
    assert info.value.retry_after == 900.0


def test_headers_user_agent_and_correlation_id() -> None:
    seen: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return httpx.Response(200)

    client = _client(handler, headers={"Authorization": "Bearer s3cr3t-t0ken-value"})
    with correlation_id("req-42"):
        client.request("GET", "/x")
    client.request("GET", "/y")
    assert seen[0].headers["x-correlation-id"] == "req-42"
    assert "x-correlation-id" not in seen[1].headers
    assert seen[0].headers["user-agent"].startswith("mosaic_sdk/")
    assert "s3cr3t" not in repr(client)


def test_error_messages_never_carry_query_strings_or_tokens() -> None:
    client = _client(
        lambda r: httpx.Response(400, json={"message": "bad", "token": "abcd-secret-value"}),
        retry=RetryPolicy.none(),
    )
    with pytest.raises(BadRequestError) as info:
        client.request("GET", "/x?access_token=hunter2hunter2")
    assert "hunter2" not in str(info.value)
    assert "abcd-secret-value" not in info.value.body


def test_json_on_a_non_json_body_is_a_typed_error() -> None:
    client = _client(lambda r: httpx.Response(200, content=b"<html>"))
    with pytest.raises(APIResponseValidationError, match="<html>"):
        client.request("GET", "/x").json()


def test_bad_base_url_and_relative_path_without_base() -> None:
    with pytest.raises(ConfigurationError, match="ftp://x"):
        HTTPClient("ftp://x")
    with pytest.raises(ConfigurationError, match="/x"):
        HTTPClient().request("GET", "/x")


def test_every_error_is_a_mosaic_error() -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        raise httpx.UnsupportedProtocol("gopher")

    with pytest.raises(MosaicError):
        _client(handler).request("GET", "/x")


def _async_client(statuses: list[int], sleeps: list[float]) -> AsyncHTTPClient:
    answers = iter(statuses)

    async def asleep(seconds: float) -> None:
        sleeps.append(seconds)

    return AsyncHTTPClient(
        "https://api.example.test",
        transport=httpx.MockTransport(lambda r: httpx.Response(next(answers))),
        retry=RetryPolicy(async_sleep=asleep),
    )


def test_async_twin_retries_and_maps() -> None:
    sleeps: list[float] = []

    async def main() -> int:
        async with _async_client([500, 200, 404], sleeps) as client:
            ok = (await client.request("GET", "/x")).status_code
            with pytest.raises(NotFoundError):
                await client.request("GET", "/missing", params={"a": 1})
            return ok

    assert asyncio.run(main()) == 200
    assert len(sleeps) == 1


def test_the_deadline_counts_the_first_attempt() -> None:
    # The first attempt runs outside the retry loop; its time still counts against
    # the deadline: 0.3 s + 0.05 s wait + 0.3 s passes a 0.5 s deadline, so two attempts.
    calls: list[float] = []

    def slow_503(request: httpx.Request) -> httpx.Response:
        calls.append(time.monotonic())
        time.sleep(0.3)
        return httpx.Response(503, json={"message": "busy"})

    policy = RetryPolicy(
        max_retries=5, initial_delay=0.05, jitter=0.0, deadline=0.5, sleep=time.sleep
    )
    with pytest.raises(ServerError, match="busy"):
        _client(slow_503, retry=policy).request("GET", "/x")
    assert len(calls) == 2


def test_a_first_failure_is_retried_and_logged_as_attempt_1(
    caplog: pytest.LogCaptureFixture,
) -> None:
    answers = iter([503, 503, 200])
    sleeps: list[float] = []
    client = _client(lambda r: httpx.Response(next(answers), json={}), sleeps)
    with caplog.at_level("INFO", logger="mosaic_sdk"):
        assert client.request("GET", "/x").status_code == 200
    attempts = [r.attempt for r in caplog.records if r.getMessage().startswith("retrying")]
    assert attempts == [1, 2]
    assert len(sleeps) == 2


def test_a_success_at_once_sends_one_request_and_sleeps_never() -> None:
    calls: list[int] = []
    sleeps: list[float] = []

    def handler(request: httpx.Request) -> httpx.Response:
        calls.append(1)
        return httpx.Response(200, json={})

    assert _client(handler, sleeps).request("GET", "/x").status_code == 200
    assert (len(calls), sleeps) == (1, [])


def test_async_twin_gives_up_after_max_retries_with_the_last_error() -> None:
    sleeps: list[float] = []

    async def main() -> None:
        async with _async_client([503, 502, 500], sleeps) as client:
            await client.request("GET", "/x")

    with pytest.raises(ServerError) as info:
        asyncio.run(main())
    assert info.value.status_code == 500
    assert len(sleeps) == 2
