"""Client-side rate limiting: a sliding-window limiter shared by every client of one account.

The core is :meth:`RateLimit.reserve`, a pure computation under a lock: it books the
earliest instant at which one more request keeps every window of ``per_seconds`` at or
under ``max_requests``, and returns how long the caller must wait for it. ``acquire`` and
``aacquire`` only add the sleeping. Because the booking happens before the sleep, threads
and tasks that share one limiter never overshoot, whatever order they wake up in.
"""

from __future__ import annotations

import bisect
import math
import threading
import time
from collections.abc import Awaitable, Callable, Mapping
from typing import ClassVar

from mosaic_sdk._core._concurrency import asleep
from mosaic_sdk.errors import ConfigurationError, InvalidValueError

__all__ = ["RateLimit"]


class RateLimit:
    """At most ``max_requests`` requests in any window of ``per_seconds`` seconds.

    Acquire one slot before each attempt (the HTTP core does it for you). Share one
    instance between every client that spends the same allowance: the server counts
    per account, not per connection. :meth:`shared` hands out one instance per key.

    The limiter also listens to the server: ``X-RateLimit-Remaining`` lower than the
    local count books the difference, and ``X-RateLimit-Remaining: 0`` with
    ``X-RateLimit-Reset`` blocks until the reset.

    Example:
        >>> limit = RateLimit(190, 60.0)   # just under Coolify's 200 per minute
        >>> limit.max_requests
        190
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
        # Booked start times, ascending.
        self._booked: list[float] = []
        self._blocked_until = 0.0

    def __repr__(self) -> str:
        return f"RateLimit(max_requests={self.max_requests}, per_seconds={self.per_seconds})"

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

    def _prune(self, now: float) -> None:
        # Bookings older than one window no longer constrain anything.
        cut = bisect.bisect_right(self._booked, now - self.per_seconds)
        if cut:
            del self._booked[:cut]

    def reserve(self) -> float:
        """Book the next slot and return the seconds to wait before using it."""
        with self._lock:
            now = self._clock()
            self._prune(now)
            start = max(now, self._blocked_until)
            if len(self._booked) >= self.max_requests:
                start = max(start, self._booked[-self.max_requests] + self.per_seconds)
            if self._booked:
                start = max(start, self._booked[-1])
            self._booked.append(start)
            return start - now

    def acquire(self, sleep: Callable[[float], None] = time.sleep) -> float:
        """Wait until one more request is allowed; returns the seconds waited."""
        delay = self.reserve()
        if delay > 0:
            sleep(delay)
        return delay

    async def aacquire(self, sleep: Callable[[float], Awaitable[None]] = asleep) -> float:
        """Async twin of :meth:`acquire`."""
        delay = self.reserve()
        if delay > 0:
            await sleep(delay)
        return delay

    def update_from_headers(self, headers: Mapping[str, str]) -> None:
        """Correct the local count with the server's ``X-RateLimit-*`` headers."""
        lowered = {k.lower(): v for k, v in headers.items()}
        remaining = _to_float(lowered.get("x-ratelimit-remaining"))
        if remaining is None:
            return
        reset = _to_float(lowered.get("x-ratelimit-reset"))
        with self._lock:
            now = self._clock()
            self._prune(now)
            wait: float | None = None
            if reset is not None:
                # Epoch seconds (GitHub, Vercel style) or seconds from now (IETF draft).
                wait = max(0.0, reset - self._wall_clock() if reset > 1e9 else reset)
            # Requests the server counted but this limiter did not (other processes on
            # the same account) are booked so that they expire when the server's
            # window resets, or one window from now when it did not say.
            phantom = now if wait is None else min(now, now + wait - self.per_seconds)
            local_remaining = self.max_requests - len(self._booked)
            for _ in range(max(0, int(local_remaining - remaining))):
                bisect.insort(self._booked, phantom)
            if remaining <= 0 and wait is not None:
                self._blocked_until = max(self._blocked_until, now + wait)


def _to_float(raw: str | None) -> float | None:
    if raw is None:
        return None
    try:
        return float(raw)
    except ValueError:
        return None
