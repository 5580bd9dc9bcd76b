"""Sans-I/O request flows shared by the sync and async provider clients.

A provider operation that needs several calls (read a stack, merge its environment, write
it back; poll a deployment until it settles) is written **once**, as a generator that
yields :class:`Call` and :class:`Sleep` steps and receives the answers. Two small drivers
run it: :func:`run_flow` with :class:`~mosaic_sdk._http.HTTPClient` and a blocking sleep,
:func:`arun_flow` with :class:`~mosaic_sdk._http.AsyncHTTPClient` and an awaitable
sleep. The flow itself does no I/O, so both twins behave identically by construction.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Collection, Generator, Mapping
from typing import Any, TypeVar

import attrs

from mosaic_sdk._http import AsyncHTTPClient, HTTPClient, HTTPResponse

__all__ = ["Call", "Flow", "Sleep", "arun_flow", "run_flow", "single", "with_params"]

T = TypeVar("T")

_Primitive = str | int | float | bool | None


@attrs.frozen
class Call:
    """One HTTP request a flow wants sent.

    Attributes mirror :meth:`~mosaic_sdk._http.HTTPClient.request`.
    """

    method: str
    path: str
    params: Mapping[str, _Primitive | list[_Primitive]] | None = None
    json: Any = None
    headers: Mapping[str, str] | None = attrs.field(default=None, repr=False)
    idempotent: bool | None = None
    allow_status: Collection[int] = ()


@attrs.frozen
class Sleep:
    """A pause a flow wants (polling); the driver uses the client's sleep function."""

    seconds: float


Step = Call | Sleep
#: A flow yields steps, receives the response to each :class:`Call` (``None`` after a
#: :class:`Sleep`) and returns its result.
Flow = Generator[Step, HTTPResponse | None, T]


def single(call: Call, parse: Callable[[HTTPResponse], T]) -> Flow[T]:
    """The flow of one request whose response ``parse`` turns into the result."""
    response = yield call
    assert response is not None
    return parse(response)


def _send(http: HTTPClient, call: Call) -> HTTPResponse:
    return http.request(
        call.method,
        call.path,
        params=call.params,
        json=call.json,
        headers=call.headers,
        idempotent=call.idempotent,
        allow_status=call.allow_status,
    )


def run_flow(http: HTTPClient, flow: Flow[T], sleep: Callable[[float], None]) -> T:
    """Drive ``flow`` to completion with blocking I/O and return its result."""
    try:
        step = next(flow)
        while True:
            if isinstance(step, Sleep):
                sleep(step.seconds)
                step = flow.send(None)
            else:
                step = flow.send(_send(http, step))
    except StopIteration as stop:
        result: T = stop.value
        return result


async def arun_flow(
    http: AsyncHTTPClient, flow: Flow[T], sleep: Callable[[float], Awaitable[None]]
) -> T:
    """Drive ``flow`` to completion with asynchronous I/O and return its result."""
    try:
        step = next(flow)
        while True:
            if isinstance(step, Sleep):
                await sleep(step.seconds)
                step = flow.send(None)
            else:
                response = await http.request(
                    step.method,
                    step.path,
                    params=step.params,
                    json=step.json,
                    headers=step.headers,
                    idempotent=step.idempotent,
                    allow_status=step.allow_status,
                )
                step = flow.send(response)
    except StopIteration as stop:
        result: T = stop.value
        return result


def with_params(flow: Flow[T], extra: Mapping[str, _Primitive]) -> Flow[T]:
    """``flow`` with ``extra`` query parameters added to every :class:`Call` it makes
    (Vercel's ``teamId`` scope, for example). Parameters the flow sets itself win."""
    if not extra:
        return (yield from flow)
    try:
        step = next(flow)
    except StopIteration as stop:
        first: T = stop.value
        return first
    while True:
        if isinstance(step, Call):
            step = attrs.evolve(step, params={**extra, **(step.params or {})})
        answer = yield step
        try:
            step = flow.send(answer)
        except StopIteration as stop:
            result: T = stop.value
            return result
