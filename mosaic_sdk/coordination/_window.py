"""The sliding-window arithmetic every rate-limit backend shares, with no I/O.

A budget is a log of booked start times, ascending. :func:`book` gives the next request
the earliest start at which every window of ``per_seconds`` holds at most
``max_requests`` bookings, and books it; :func:`correct` books what the server counted
and the log did not. The in-process and file backends run these functions on their own
copy of the log (under a thread lock, under an ``flock``); the Redis backend runs the
same steps in one Lua script (``_redis.RESERVE``), so the three agree.
"""

from __future__ import annotations

import bisect
from collections.abc import Mapping

__all__ = ["book", "correct", "prune", "server_budget"]


def prune(booked: list[float], now: float, per_seconds: float) -> None:
    """Drop bookings older than one window: they no longer constrain anything."""
    cut = bisect.bisect_right(booked, now - per_seconds)
    if cut:
        del booked[:cut]


def book(
    booked: list[float],
    now: float,
    blocked_until: float,
    max_requests: int,
    per_seconds: float,
) -> float:
    """Book the next slot in ``booked`` (pruned and appended in place); its start time.

    The start is never before ``now`` or ``blocked_until``, never before the booking
    ``max_requests`` back plus one window, and never before the last booking (so
    bookings stay ascending and a queue is served in order).
    """
    prune(booked, now, per_seconds)
    start = max(now, blocked_until)
    if len(booked) >= max_requests:
        start = max(start, booked[-max_requests] + per_seconds)
    if booked:
        start = max(start, booked[-1])
    booked.append(start)
    return start


def correct(
    booked: list[float],
    now: float,
    blocked_until: float,
    max_requests: int,
    per_seconds: float,
    remaining: float,
    wait: float | None,
) -> float:
    """Book the requests the server counted and ``booked`` did not; the new block time.

    Requests the server counted but this budget did not (spent by a client that does not
    share it) are booked so that they expire when the server's window resets, or one
    window from now when it did not say. ``remaining <= 0`` with a reset time blocks
    every booking until the reset.
    """
    prune(booked, now, per_seconds)
    phantom = now if wait is None else min(now, now + wait - per_seconds)
    local_remaining = max_requests - len(booked)
    for _ in range(max(0, int(local_remaining - remaining))):
        bisect.insort(booked, phantom)
    if remaining <= 0 and wait is not None:
        return max(blocked_until, now + wait)
    return blocked_until


def server_budget(headers: Mapping[str, str], wall_now: float) -> tuple[float, float | None] | None:
    """``(remaining, seconds until reset)`` from ``X-RateLimit-*`` headers, or ``None``.

    The reset is epoch seconds (GitHub, Vercel style) or seconds from now (IETF draft);
    ``None`` when the server did not send a readable one.
    """
    lowered = {k.lower(): v for k, v in headers.items()}
    remaining = _to_float(lowered.get("x-ratelimit-remaining"))
    if remaining is None:
        return None
    reset = _to_float(lowered.get("x-ratelimit-reset"))
    wait: float | None = None
    if reset is not None:
        wait = max(0.0, reset - wall_now if reset > 1e9 else reset)
    return remaining, wait


def _to_float(raw: str | None) -> float | None:
    if raw is None:
        return None
    try:
        value = float(raw)
    except ValueError:
        return None
    return value if value == value and abs(value) != float("inf") else None
