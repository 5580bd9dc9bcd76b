"""Processes that spend one server allowance: the shared-budget measurement of issue 17.

:func:`measure` starts ``processes`` worker processes (``spawn``: a fresh interpreter
each, as separate pipelines would be), lets them go at one instant, and each sends
``requests`` GETs to ``/limited`` of a loopback server with its own
:class:`~mosaic_sdk.RateLimit` built from ``budget``. No retries, so each 429 the server
answers is counted once. The figures come from the server: what it allowed, what it
refused, and the time from the first allowed request to the last.
"""

from __future__ import annotations

import multiprocessing
import time
from typing import Any

import attrs

from mosaic_sdk._http import HTTPClient, RateLimit, RetryPolicy
from mosaic_sdk.errors import RateLimitError

__all__ = ["Figures", "make_limit", "measure"]

#: ``("memory",)``, ``("file", path)`` or ``("redis", url, key)`` with the numbers after.
Budget = tuple[Any, ...]


def make_limit(budget: Budget, max_requests: int, per_seconds: float) -> RateLimit:
    kind = budget[0]
    if kind == "memory":
        return RateLimit(max_requests, per_seconds)
    if kind == "file":
        return RateLimit.file(budget[1], max_requests, per_seconds)
    if kind == "redis":
        return RateLimit.redis(budget[1], budget[2], max_requests, per_seconds)
    raise ValueError(f"unknown budget {kind!r}")


def _worker(
    url: str,
    budget: Budget,
    max_requests: int,
    per_seconds: float,
    requests: int,
    go: Any,
    results: Any,
) -> None:
    limit = make_limit(budget, max_requests, per_seconds)
    ok = throttled = 0
    with HTTPClient(url, rate_limit=limit, retry=RetryPolicy.none()) as client:
        client.request("GET", "/warm-up")  # connect before the start, outside the budget
        go.wait(30)
        for _ in range(requests):
            try:
                client.request("GET", "/limited")
                ok += 1
            except RateLimitError:
                throttled += 1
    limit.close()
    results.put((ok, throttled))


@attrs.frozen
class Figures:
    """What the server saw."""

    processes: int
    sent: int
    allowed: int
    throttled: int
    seconds: float
    limit: int
    window: float

    @property
    def rate(self) -> float:
        """Allowed requests per second, first to last allowed arrival."""
        return self.allowed / self.seconds if self.seconds > 0 else float("inf")

    @property
    def of_allowance(self) -> float:
        """:attr:`rate` as a share of the server's ``limit / window``."""
        return self.rate / (self.limit / self.window)

    def __str__(self) -> str:
        return (
            f"{self.processes} processes x {self.sent // self.processes} requests: "
            f"{self.allowed} allowed, {self.throttled} answered 429, {self.seconds:.2f} s, "
            f"{self.rate:.1f} req/s = {self.of_allowance:.1%} of {self.limit}/{self.window:g}s"
        )


def measure(
    server: Any,
    budget: Budget,
    *,
    processes: int = 4,
    requests: int = 250,
    client_limit: int = 190,
) -> Figures:
    """Run the workers against ``server`` (a started LoopbackServer) and collect."""
    context = multiprocessing.get_context("spawn")
    go = context.Event()
    results = context.Queue()
    workers = [
        context.Process(
            target=_worker,
            args=(server.url, budget, client_limit, server.window, requests, go, results),
        )
        for _ in range(processes)
    ]
    for worker in workers:
        worker.start()
    time.sleep(0.2)
    deadline = time.monotonic() + 60
    while server.hits.get("/warm-up", 0) < processes and time.monotonic() < deadline:
        time.sleep(0.05)
    go.set()
    counts = [results.get(timeout=120) for _ in workers]
    for worker in workers:
        worker.join(timeout=30)
    times = server.limited_times
    return Figures(
        processes=processes,
        sent=processes * requests,
        allowed=sum(ok for ok, _ in counts),
        throttled=sum(t for _, t in counts),
        seconds=times[-1] - times[0] if times else 0.0,
        limit=server.limit,
        window=server.window,
    )
