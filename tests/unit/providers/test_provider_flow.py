"""The sans-I/O flow drivers behave the same sync and async."""

from __future__ import annotations

import asyncio

import httpx
import pytest

from mosaic_sdk._http import AsyncHTTPClient, HTTPClient, RetryPolicy
from mosaic_sdk.errors import NotFoundError
from mosaic_sdk.providers._flow import (
    Call,
    Flow,
    Sleep,
    arun_flow,
    run_flow,
    single,
    with_params,
)


def _echo(request: httpx.Request) -> httpx.Response:
    if request.url.path == "/missing":
        return httpx.Response(404, json={"message": "nope"})
    return httpx.Response(200, json={"path": request.url.path, "query": dict(request.url.params)})


def _two_calls_and_a_sleep() -> Flow[list[object]]:
    first = yield Call("GET", "/one", params={"a": "1"})
    assert first is not None
    slept = yield Sleep(2.5)
    second = yield Call("GET", "/two")
    assert second is not None
    return [first.json(), slept, second.json()]


def test_run_flow_sends_calls_and_sleeps_in_order() -> None:
    sleeps: list[float] = []
    with HTTPClient("http://api.test", transport=httpx.MockTransport(_echo)) as http:
        result = run_flow(http, _two_calls_and_a_sleep(), sleeps.append)
    assert result == [
        {"path": "/one", "query": {"a": "1"}},
        None,
        {"path": "/two", "query": {}},
    ]
    assert sleeps == [2.5]


def test_arun_flow_is_the_async_twin() -> None:
    sleeps: list[float] = []

    async def fake_sleep(seconds: float) -> None:
        sleeps.append(seconds)

    async def main() -> list[object]:
        async with AsyncHTTPClient("http://api.test", transport=httpx.MockTransport(_echo)) as http:
            result: list[object] = await arun_flow(http, _two_calls_and_a_sleep(), fake_sleep)
            return result

    assert asyncio.run(main())[2] == {"path": "/two", "query": {}}
    assert sleeps == [2.5]


def test_with_params_adds_scope_without_overriding_the_flow() -> None:
    flow = with_params(
        single(Call("GET", "/x", params={"teamId": "mine", "b": "2"}), lambda r: r.json()),
        {"teamId": "team_1", "slug": "acme"},
    )
    with HTTPClient("http://api.test", transport=httpx.MockTransport(_echo)) as http:
        result = run_flow(http, flow, lambda s: None)
    assert result["query"] == {"teamId": "mine", "b": "2", "slug": "acme"}


def test_with_params_passes_a_flow_that_sends_nothing() -> None:
    def nothing() -> Flow[int]:
        yield from ()  # a generator that never yields
        return 42

    with HTTPClient("http://api.test", transport=httpx.MockTransport(_echo)) as http:
        assert run_flow(http, with_params(nothing(), {"teamId": "t"}), lambda s: None) == 42


def test_errors_propagate_out_of_the_flow() -> None:
    flow = single(Call("GET", "/missing"), lambda r: r.json())
    with (
        HTTPClient(
            "http://api.test", transport=httpx.MockTransport(_echo), retry=RetryPolicy.none()
        ) as http,
        pytest.raises(NotFoundError),
    ):
        run_flow(http, flow, lambda s: None)
