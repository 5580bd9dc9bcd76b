"""Client-side rate limiting: a sliding-window limiter shared by every client of one account.

The core is :meth:`RateLimit.reserve`: it books the earliest instant at which one more
request keeps every window of ``per_seconds`` at or under ``max_requests``, and returns
how long the caller must wait for it. ``acquire`` and ``aacquire`` only add the sleeping.
Because the booking happens before the sleep, threads and tasks that share one limiter
never overshoot, whatever order they wake up in.

The bookings live in one of three backends, with the same arithmetic
(``mosaic_sdk.coordination._window``):

* in this process (``RateLimit(...)``, the default): a list under a thread lock;
* in a state file for the processes of one machine (:meth:`RateLimit.file`);
* in Redis for processes on many machines (:meth:`RateLimit.redis`).
"""

from __future__ import annotations

import math
import os
import threading
import time
from collections.abc import Awaitable, Callable, Mapping
from typing import TYPE_CHECKING, ClassVar

from mosaic_sdk._core._concurrency import asleep
from mosaic_sdk._core._repr import safe_repr
from mosaic_sdk.coordination import _window
from mosaic_sdk.errors import ConfigurationError, InvalidValueError

if TYPE_CHECKING:
    from mosaic_sdk.coordination._async.budget import AsyncBudgetStore
    from mosaic_sdk.coordination._sync.budget import BudgetStore

__all__ = ["RateLimit"]


class RateLimit:
    """At most ``max_requests`` requests in any window of ``per_seconds`` seconds.

    Acquire one slot before each attempt (the HTTP core does it for you). Share one
    instance between every client that spends the same allowance: the server counts
    per account, not per connection. :meth:`shared` hands out one instance per key in
    this process; :meth:`file` and :meth:`redis` share the budget between processes and
    machines.

    The limiter also listens to the server: ``X-RateLimit-Remaining`` lower than the
    local count books the difference, and ``X-RateLimit-Remaining: 0`` with
    ``X-RateLimit-Reset`` blocks until the reset.

    Example:
        >>> limit = RateLimit(190, 60.0)   # just under Coolify's 200 per minute
        >>> limit.max_requests, limit.backend
        (190, 'memory')
    """

    _registry: ClassVar[dict[str, RateLimit]] = {}
    _registry_lock: ClassVar[threading.Lock] = threading.Lock()

    def __init__(
        self,
        max_requests: int,
        per_seconds: float,
        *,
        clock: Callable[[], float] = time.monotonic,
        wall_clock: Callable[[], float] = time.time,
    ) -> None:
        if not isinstance(max_requests, int) or isinstance(max_requests, bool) or max_requests < 1:
            raise InvalidValueError(
                max_requests, "RateLimit.max_requests must be a positive integer", "use 1 or more"
            )
        if (
            isinstance(per_seconds, bool)
            or not isinstance(per_seconds, (int, float))
            or not math.isfinite(per_seconds)
            or per_seconds <= 0
        ):
            raise InvalidValueError(
                per_seconds,
                "RateLimit.per_seconds must be a positive number of seconds",
                "use e.g. 60.0",
            )
        self.max_requests = max_requests
        self.per_seconds = float(per_seconds)
        self._clock = clock
        self._wall_clock = wall_clock
        self._lock = threading.Lock()
        # Booked start times, ascending (the in-process backend).
        self._booked: list[float] = []
        self._blocked_until = 0.0
        # The shared backends: a blocking and an awaitable face of the same state.
        self._store: BudgetStore | None = None
        self._astore: AsyncBudgetStore | None = None
        self._where = ""

    @classmethod
    def file(
        cls,
        path: str | os.PathLike[str],
        max_requests: int,
        per_seconds: float,
        *,
        wall_clock: Callable[[], float] = time.time,
    ) -> RateLimit:
        """A budget shared by every process on this machine that names the same file.

        The bookings live in ``path`` (JSON), read and rewritten under an exclusive
        ``flock`` on ``<path>.lock`` and replaced atomically, so a crash never leaves a
        half-written budget. The directory must exist and be writable by every process.
        Processes that pass other numbers for the same file get a
        :class:`~mosaic_sdk.errors.ConfigurationError` while the other numbers' bookings
        are live. POSIX only.

        Example:
            >>> import tempfile, pathlib
            >>> folder = pathlib.Path(tempfile.mkdtemp())
            >>> limit = RateLimit.file(folder / "coolify.budget", 190, 60.0)
            >>> limit.reserve(), limit.backend
            (0.0, 'file')
        """
        from mosaic_sdk.coordination._async.budget import AsyncFileBudget
        from mosaic_sdk.coordination._statefile import check_state_path
        from mosaic_sdk.coordination._sync.budget import FileBudget

        limit = cls(max_requests, per_seconds)
        target = check_state_path(path, "rate limit")
        limit._store = FileBudget(target, wall_clock=wall_clock)
        limit._astore = AsyncFileBudget(target, wall_clock=wall_clock)
        limit._where = f"path={str(target)!r}"
        return limit

    @classmethod
    def redis(
        cls,
        url: str,
        key: str,
        max_requests: int,
        per_seconds: float,
        *,
        timeout: float = 5.0,
    ) -> RateLimit:
        """A budget shared by processes on many machines through Redis.

        Each booking is one atomic Lua script on a sorted set (``mosaic:rate:{KEY}:log``)
        timed by the Redis server's clock, so the machines' clocks need not agree. The
        URL's password never appears in a repr, a log line or an error. A Redis that
        cannot be reached within ``timeout`` seconds raises
        :class:`~mosaic_sdk.errors.CoordinationUnavailableError`: the request is not sent
        unbudgeted. Needs redis-py (``pip install 'mosaic_sdk[redis]'``).

        Args:
            url: ``redis://[:PASSWORD@]HOST:PORT/DB``, ``rediss://`` (TLS) or ``unix://``.
            key: names the allowance, never the secret (``"coolify:" + sha256(token)``).
            max_requests: as for :class:`RateLimit`.
            per_seconds: as for :class:`RateLimit`.
            timeout: seconds to connect and per command.
        """
        from mosaic_sdk.coordination._async.budget import AsyncRedisBudget
        from mosaic_sdk.coordination._redis import (
            AsyncRedisConnections,
            RedisConnections,
            check_key,
            check_redis_url,
            shown_url,
        )
        from mosaic_sdk.coordination._sync.budget import RedisBudget

        limit = cls(max_requests, per_seconds)
        checked = check_redis_url(url)
        check_key(key, "rate limit")
        limit._store = RedisBudget(RedisConnections(checked, timeout=timeout), key)
        limit._astore = AsyncRedisBudget(AsyncRedisConnections(checked, timeout=timeout), key)
        limit._where = f"url={shown_url(checked)!r}, key={key!r}"
        return limit

    @property
    def backend(self) -> str:
        """Where the bookings live: ``"memory"``, ``"file"`` or ``"redis"``."""
        return "memory" if self._store is None else self._store.backend

    @safe_repr
    def __repr__(self) -> str:
        where = f", backend={self.backend!r}, {self._where}" if self._store is not None else ""
        return f"RateLimit(max_requests={self.max_requests}, per_seconds={self.per_seconds}{where})"

    @classmethod
    def shared(cls, key: str, max_requests: int, per_seconds: float) -> RateLimit:
        """The one limiter for ``key`` in this process, created on first use.

        Use a key that identifies the allowance, never the secret itself: for example
        ``"coolify:" + sha256(token)``. Asking again with other numbers is a
        configuration error, since two limits on one allowance cannot both hold.
        """
        if not isinstance(key, str) or not key:
            raise InvalidValueError(
                key,
                "is not a rate-limit key",
                "pass text naming the allowance, e.g. 'coolify:team'",
            )
        with cls._registry_lock:
            existing = cls._registry.get(key)
            if existing is None:
                existing = cls._registry[key] = cls(max_requests, per_seconds)
            elif (existing.max_requests, existing.per_seconds) != (
                max_requests,
                float(per_seconds),
            ):
                raise ConfigurationError(
                    f"rate limit {key!r} already exists with {existing.max_requests} per "
                    f"{existing.per_seconds}s, not {max_requests} per {per_seconds}s; "
                    "pass the same numbers everywhere or share the RateLimit instance"
                )
            return existing

    def _reserve_here(self) -> float:
        with self._lock:
            now = self._clock()
            start = _window.book(
                self._booked, now, self._blocked_until, self.max_requests, self.per_seconds
            )
            return start - now

    def reserve(self) -> float:
        """Book the next slot and return the seconds to wait before using it."""
        if self._store is None:
            return self._reserve_here()
        return self._store.reserve(self.max_requests, self.per_seconds)

    async def areserve(self) -> float:
        """Async twin of :meth:`reserve` (the file and Redis backends do not block the loop)."""
        if self._astore is None:
            return self._reserve_here()
        return await self._astore.reserve(self.max_requests, self.per_seconds)

    def acquire(self, sleep: Callable[[float], None] = time.sleep) -> float:
        """Wait until one more request is allowed; returns the seconds waited."""
        delay = self.reserve()
        if delay > 0:
            sleep(delay)
        return delay

    async def aacquire(self, sleep: Callable[[float], Awaitable[None]] = asleep) -> float:
        """Async twin of :meth:`acquire`."""
        delay = await self.areserve()
        if delay > 0:
            await sleep(delay)
        return delay

    def _correct_here(self, remaining: float, wait: float | None) -> None:
        with self._lock:
            self._blocked_until = _window.correct(
                self._booked,
                self._clock(),
                self._blocked_until,
                self.max_requests,
                self.per_seconds,
                remaining,
                wait,
            )

    def update_from_headers(self, headers: Mapping[str, str]) -> None:
        """Correct the count with the server's ``X-RateLimit-*`` headers."""
        said = _window.server_budget(headers, self._wall_clock())
        if said is None:
            return
        if self._store is None:
            self._correct_here(*said)
        else:
            self._store.correct(self.max_requests, self.per_seconds, *said)

    async def aupdate_from_headers(self, headers: Mapping[str, str]) -> None:
        """Async twin of :meth:`update_from_headers`."""
        said = _window.server_budget(headers, self._wall_clock())
        if said is None:
            return
        if self._astore is None:
            self._correct_here(*said)
        else:
            await self._astore.correct(self.max_requests, self.per_seconds, *said)

    def close(self) -> None:
        """Close a Redis backend's connections (nothing to do for the others); the
        limiter reconnects when used again."""
        if self._store is not None:
            self._store.close()

    async def aclose(self) -> None:
        """Close the running event loop's Redis connections (see :meth:`close`)."""
        if self._astore is not None:
            await self._astore.aclose()
