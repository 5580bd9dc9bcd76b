"""The shared backends of :class:`~mosaic_sdk.RateLimit`, written once.

A store books one request of a ``max_requests`` per ``per_seconds`` budget and returns
the seconds to wait before sending it (:meth:`AsyncFileBudget.reserve`), and books what
the server's ``X-RateLimit-*`` headers say was spent elsewhere
(:meth:`AsyncFileBudget.correct`). The arithmetic is ``coordination._window``'s, so a
file or Redis budget behaves exactly like the in-process one, only shared:

* :class:`AsyncFileBudget`: processes of one machine, a JSON state file under ``flock``
  (the blocking file work runs in a worker thread);
* :class:`AsyncRedisBudget`: processes of many machines, one Lua script per booking on a
  sorted set, timed by the Redis server's clock.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from pathlib import Path
from typing import Any, Protocol, runtime_checkable

from mosaic_sdk._core._concurrency import arun_blocking
from mosaic_sdk._core._repr import safe_repr
from mosaic_sdk.coordination import _window
from mosaic_sdk.coordination._redis import (
    CORRECT,
    RESERVE,
    AsyncRedisConnections,
    check_key,
    shown_url,
)
from mosaic_sdk.coordination._statefile import StateFile
from mosaic_sdk.errors import ConfigurationError, CoordinationUnavailableError

__all__ = ["AsyncBudgetStore", "AsyncFileBudget", "AsyncRedisBudget"]


def _conflict(where: str, theirs: tuple[object, object], max_requests: int, per: float) -> str:
    return (
        f"rate limit {where} is in use with {theirs[0]} per {theirs[1]}s, not "
        f"{max_requests} per {per}s; pass the same numbers in every process sharing it "
        "(or let its bookings expire first)"
    )


@runtime_checkable
class AsyncBudgetStore(Protocol):
    """Where a :class:`~mosaic_sdk.RateLimit` keeps its bookings."""

    backend: str

    async def reserve(self, max_requests: int, per_seconds: float) -> float:
        """Book the next request; the seconds to wait before sending it."""
        ...

    async def correct(
        self, max_requests: int, per_seconds: float, remaining: float, wait: float | None
    ) -> None:
        """Book what the server counted and the budget did not."""
        ...

    async def aclose(self) -> None:
        """Release connections; the store still works afterwards (it reconnects)."""
        ...


class AsyncFileBudget:
    """A budget shared by the processes of one machine through a state file.

    The file holds the numbers and the booked start times (wall-clock seconds, which
    every process on the machine shares). Each booking is one locked read-modify-write
    of a few kilobytes, atomic by replacement.
    """

    backend = "file"

    def __init__(self, path: Path, *, wall_clock: Callable[[], float] = time.time) -> None:
        self.state = StateFile(path, "rate limit", durable=False)
        self._wall_clock = wall_clock

    @safe_repr
    def __repr__(self) -> str:
        return f"{type(self).__name__}({str(self.state.path)!r})"

    def _load(
        self, doc: dict[str, Any], max_requests: int, per: float
    ) -> tuple[list[float], float]:
        booked = doc.get("booked", [])
        blocked = doc.get("blocked_until", 0.0)
        if not isinstance(booked, list) or not all(isinstance(b, (int, float)) for b in booked):
            raise CoordinationUnavailableError(
                f"{str(self.state.path)!r} holds no rate-limit bookings; point the budget "
                "at a file of its own, or delete this one",
                backend="file",
            )
        booked = sorted(float(b) for b in booked)
        _window.prune(booked, self._wall_clock(), per)
        theirs = (doc.get("max_requests"), doc.get("per_seconds"))
        if booked and theirs != (max_requests, per):
            raise ConfigurationError(
                _conflict(repr(str(self.state.path)), theirs, max_requests, per)
            )
        return booked, float(blocked) if isinstance(blocked, (int, float)) else 0.0

    def _reserve(self, max_requests: int, per: float) -> float:
        with self.state.update() as doc:
            booked, blocked = self._load(doc, max_requests, per)
            now = self._wall_clock()
            start = _window.book(booked, now, blocked, max_requests, per)
            doc.update(max_requests=max_requests, per_seconds=per, booked=booked)
            return start - now

    def _correct(self, max_requests: int, per: float, remaining: float, wait: float | None) -> None:
        with self.state.update() as doc:
            booked, blocked = self._load(doc, max_requests, per)
            now = self._wall_clock()
            blocked = _window.correct(booked, now, blocked, max_requests, per, remaining, wait)
            doc.update(
                max_requests=max_requests, per_seconds=per, booked=booked, blocked_until=blocked
            )

    async def reserve(self, max_requests: int, per_seconds: float) -> float:
        """Book the next request under the file's lock; the seconds to wait."""
        return await arun_blocking(self._reserve, max_requests, per_seconds)

    async def correct(
        self, max_requests: int, per_seconds: float, remaining: float, wait: float | None
    ) -> None:
        """Book what the server counted and the file did not."""
        await arun_blocking(self._correct, max_requests, per_seconds, remaining, wait)

    async def aclose(self) -> None:
        """Nothing to release: the file is opened per booking."""


class AsyncRedisBudget:
    """A budget shared by processes on many machines through one Redis key pair.

    ``mosaic:rate:{KEY}:log`` is a sorted set of booked start times and
    ``mosaic:rate:{KEY}:meta`` a hash of the numbers, the server's block and a sequence;
    both expire one window after the last booking, so an idle budget leaves nothing.
    """

    backend = "redis"

    def __init__(self, connections: AsyncRedisConnections, key: str) -> None:
        self.connections = connections
        self.key = check_key(key, "rate limit")
        self._keys = [f"mosaic:rate:{{{self.key}}}:log", f"mosaic:rate:{{{self.key}}}:meta"]

    @safe_repr
    def __repr__(self) -> str:
        return f"{type(self).__name__}({shown_url(self.connections.url)!r}, {self.key!r})"

    async def reserve(self, max_requests: int, per_seconds: float) -> float:
        """Book the next request in one atomic script; the seconds to wait."""
        reply = await self.connections.eval(RESERVE, self._keys, [max_requests, repr(per_seconds)])
        if reply[0] == "conflict":
            raise ConfigurationError(
                _conflict(f"{self.key!r} on Redis", (reply[1], reply[2]), max_requests, per_seconds)
            )
        return max(0.0, float(reply[1]))

    async def correct(
        self, max_requests: int, per_seconds: float, remaining: float, wait: float | None
    ) -> None:
        """Book what the server counted and Redis did not, in one atomic script."""
        await self.connections.eval(
            CORRECT,
            self._keys,
            [max_requests, repr(per_seconds), repr(remaining), "" if wait is None else repr(wait)],
        )

    async def aclose(self) -> None:
        """Close the connections of this store (the running loop's, in async code)."""
        await self.connections.aclose()
