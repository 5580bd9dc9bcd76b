"""The HTTP core against a real HTTP server on 127.0.0.1 that fails, delays and rate-limits."""

from __future__ import annotations

import asyncio
import io
import logging
import threading
import time

import pytest

from mosaic_sdk._http import AsyncHTTPClient, HTTPClient, RateLimit, RetryPolicy
from mosaic_sdk.errors import APIConnectionError, APITimeoutError, RateLimitError, ServerError
from mosaic_sdk.observability import configure_logging
from tests._support.loopback import Scripted, loopback_server

FAST = RetryPolicy(initial_delay=0.01, max_delay=0.05, jitter=0.01)


def test_retries_server_failures_until_success() -> None:
    with loopback_server() as server, HTTPClient(server.url, retry=FAST) as client:
        server.script("/flaky", [503, 500, 200])
        assert client.request("GET", "/flaky").json() == {"status": 200}
        assert server.hits["/flaky"] == 3


def test_exhausted_retries_raise_the_server_error() -> None:
    with loopback_server() as server, HTTPClient(server.url, retry=FAST) as client:
        server.script("/down", [502, 502, 502, 200])
        with pytest.raises(ServerError) as info:
            client.request("GET", "/down")
        assert info.value.status_code == 502
        assert server.hits["/down"] == 3


def test_post_is_not_replayed_after_a_server_error() -> None:
    with loopback_server() as server, HTTPClient(server.url, retry=FAST) as client:
        server.script("/create", [500, 200])
        with pytest.raises(ServerError):
            client.request("POST", "/create", json={"name": "x"})
        assert server.hits["/create"] == 1


def test_slow_answers_time_out_and_then_succeed_on_retry() -> None:
    with loopback_server() as server, HTTPClient(server.url, retry=FAST, timeout=0.2) as client:
        server.script("/slow", [Scripted(delay=0.6), 200])
        assert client.request("GET", "/slow").status_code == 200
        server.script("/slower", [Scripted(delay=0.6)] * 3)
        with pytest.raises(APITimeoutError):
            client.request("GET", "/slower")


def test_dropped_connections_are_retried() -> None:
    with loopback_server() as server, HTTPClient(server.url, retry=FAST) as client:
        server.script("/drop", [599, 200])
        assert client.request("GET", "/drop").status_code == 200
        assert server.hits["/drop"] == 2


def test_refused_connection_is_a_connection_error() -> None:
    with loopback_server() as server:
        url = server.url  # the port is closed once the block ends
    with HTTPClient(url, retry=FAST) as client, pytest.raises(APIConnectionError) as info:
        client.request("POST", "/x")
    assert info.value.request_sent is False
    assert "127.0.0.1" in str(info.value)


def test_retry_after_from_the_server_is_waited_for() -> None:
    with loopback_server() as server, HTTPClient(server.url, retry=FAST) as client:
        server.script("/busy", [Scripted(429, headers={"Retry-After": "0.3"}), 200])
        started = time.monotonic()
        assert client.request("GET", "/busy").status_code == 200
        assert time.monotonic() - started >= 0.3


def test_retry_after_beyond_the_cap_returns_control() -> None:
    with loopback_server() as server, HTTPClient(server.url, retry=FAST) as client:
        server.script("/queue-full", [Scripted(429, headers={"Retry-After": "600"})])
        with pytest.raises(RateLimitError) as info:
            client.request("GET", "/queue-full")
        assert info.value.retry_after == 600.0
        assert server.hits["/queue-full"] == 1


def _burst(url: str, limit: RateLimit, total: int, workers: int) -> tuple[int, float]:
    """Send ``total`` requests from ``workers`` clients sharing ``limit``."""
    counter = iter(range(total))
    lock = threading.Lock()
    ok = [0]

    def work() -> None:
        with HTTPClient(url, rate_limit=limit, retry=RetryPolicy.none()) as client:
            while True:
                with lock:
                    if next(counter, None) is None:
                        return
                client.request("GET", "/limited")
                with lock:
                    ok[0] += 1

    started = time.monotonic()
    threads = [threading.Thread(target=work) for _ in range(workers)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return ok[0], time.monotonic() - started


def test_shared_rate_limit_just_under_the_allowance_never_sees_429() -> None:
    # Server: 200 requests per 2 s window (a rate this machine can exceed, so the limit
    # binds). Client: 190 per 2 s, shared by 16 clients. The achieved rate is measured by
    # benchmarks/http_rate_limit.py, never asserted here.
    with loopback_server(limit=200, window=2.0) as server:
        limit = RateLimit(190, 2.0)
        ok, _elapsed = _burst(server.url, limit, total=1000, workers=16)
        assert ok == 1000
        assert server.limited_429 == 0
        assert server.limited_ok == 1000


def test_without_the_limiter_the_same_burst_is_throttled() -> None:
    # The control experiment: proves the server really enforces its allowance.
    with loopback_server(limit=20, window=1.0) as server:
        with HTTPClient(server.url, retry=RetryPolicy.none()) as client:
            statuses = []
            for _ in range(100):
                try:
                    statuses.append(client.request("GET", "/limited").status_code)
                except RateLimitError as exc:
                    statuses.append(exc.status_code)
        assert server.limited_429 > 0
        assert 429 in statuses


def test_async_client_shares_the_limiter_across_tasks() -> None:
    async def main(url: str) -> int:
        limit = RateLimit(90, 2.0)
        gate = asyncio.Semaphore(10)  # ten tasks in flight, as a bulk job would run

        async def one(client: AsyncHTTPClient) -> int:
            async with gate:
                return (await client.request("GET", "/limited")).status_code

        async with AsyncHTTPClient(url, rate_limit=limit, retry=RetryPolicy.none()) as client:
            results = await asyncio.gather(*(one(client) for _ in range(150)))
        return sum(1 for status in results if status == 200)

    with loopback_server(limit=100, window=2.0) as server:
        assert asyncio.run(main(server.url)) == 150
        assert server.limited_429 == 0


def test_httpx_and_httpcore_debug_logs_are_redacted_by_configure_logging() -> None:
    """httpx logs every URL at INFO and httpcore every response header at DEBUG; the
    handler configure_logging installs on the root logger masks both."""
    stream = io.StringIO()
    root = logging.getLogger()
    previous = root.level
    handler = configure_logging(json=True, level="DEBUG", stream=stream)
    try:
        with loopback_server() as server:
            server.script("/cookie", [200])
            url = server.url.replace("http://", "http://bob:log-pass-4242@")
            with HTTPClient(url, headers={"X-API-Key": "log-key-4242"}) as client:
                client.request("GET", "/cookie?access_token=log-query-4242")
    finally:
        root.removeHandler(handler)
        root.setLevel(previous)
    lines = stream.getvalue()
    assert '"logger": "httpx"' in lines
    assert '"logger": "httpcore.http11"' in lines
    for secret in ("log-pass-4242", "log-key-4242", "log-query-4242"):
        assert secret not in lines
