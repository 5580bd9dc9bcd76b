"""Leases, and the lock rules the in-process and file backends share (no I/O).

A key's entry is ``{"token": N, "holder": "..." or None, "expires": T}``: ``token`` is
the key's fencing token, the newest ever issued (it only grows, also across expiries and
releases), ``holder`` who has it now and ``expires`` when that lease ends unless
renewed. The Redis backend keeps the same facts in two keys and applies the same rules
in Lua (``_redis.ACQUIRE``/``RENEW``/``RELEASE``).
"""

from __future__ import annotations

import math
import os
import socket
from typing import Any

import attrs

from mosaic_sdk._render import FieldsRepr
from mosaic_sdk.errors import InvalidValueError

__all__ = ["Busy", "Lease", "check_seconds", "default_holder", "release", "renew", "take"]


@attrs.frozen
class Lease(FieldsRepr):
    """The right to change what ``key`` guards, until it expires.

    Attributes:
        key: the locked key, ``"<repository>:<environment>"`` for deployments.
        token: the fencing token, higher than every earlier lease of the key. Work done
            under a lease checks it (:meth:`~mosaic_sdk.DeploymentLock.renew`) before
            each write, so a holder that stalled past its expiry, and whose key someone
            else took, is refused instead of writing over the newer holder.
        holder: who holds it (``label@host:pid``); shown to whoever waits for the key.
        ttl: the seconds each acquisition or renewal grants.
    """

    key: str
    token: int
    holder: str
    ttl: float

    def __str__(self) -> str:
        return f"{self.key} (token {self.token}, held by {self.holder})"


@attrs.frozen
class Busy:
    """Why a key could not be taken: who holds it, and for how much longer."""

    holder: str
    expires_in: float


def default_holder(label: str | None) -> str:
    """``label@host:pid`` (``host:pid`` without a label): who to ask about a held lock."""
    where = f"{socket.gethostname()}:{os.getpid()}"
    return f"{label}@{where}" if label else where


def check_seconds(value: object, name: str, *, zero: bool = False) -> float:
    """``value`` as seconds: a finite number above zero (or zero when ``zero``)."""
    ok = (
        not isinstance(value, bool)
        and isinstance(value, (int, float))
        and math.isfinite(value)
        and (value >= 0 if zero else value > 0)
    )
    if not ok:
        raise InvalidValueError(
            value,
            f"{name} must be a {'non-negative' if zero else 'positive'} number of seconds",
            f"pass e.g. {name}=60.0",
        )
    return float(value)  # type: ignore[arg-type]


def take(entries: dict[str, Any], key: str, holder: str, ttl: float, now: float) -> Lease | Busy:
    """Give ``key`` to ``holder`` for ``ttl`` seconds when nobody holds it (or the
    holder's lease expired); else say who holds it."""
    entry = entries.get(key) or {"token": 0, "holder": None, "expires": 0.0}
    if entry.get("holder") is not None and float(entry["expires"]) > now:
        return Busy(str(entry["holder"]), float(entry["expires"]) - now)
    token = int(entry.get("token", 0)) + 1
    entries[key] = {"token": token, "holder": holder, "expires": now + ttl}
    return Lease(key=key, token=token, holder=holder, ttl=ttl)


def renew(entries: dict[str, Any], lease: Lease, now: float) -> int | None:
    """Extend ``lease`` by its ttl when it is still the key's newest; ``None`` then,
    else the key's newest token. An expired lease that nobody took since is renewed:
    no newer token exists, so nothing was done under another lease in between."""
    entry = entries.get(lease.key)
    if entry is None:
        return 0
    if int(entry["token"]) == lease.token and entry.get("holder") == lease.holder:
        entry["expires"] = now + lease.ttl
        return None
    return int(entry["token"])


def release(entries: dict[str, Any], lease: Lease) -> bool:
    """Free ``key`` when ``lease`` still holds it; whether it did. The token stays, so
    the next lease gets a higher one and the released lease cannot be renewed."""
    entry = entries.get(lease.key)
    if entry is None or int(entry["token"]) != lease.token or entry.get("holder") != lease.holder:
        return False
    entry["holder"] = None
    entry["expires"] = 0.0
    return True
