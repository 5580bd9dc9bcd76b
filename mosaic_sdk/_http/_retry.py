"""Retry policy: which failures are retried, how long to wait, when to give up.

Pure decisions live here; the send loop in :mod:`mosaic_sdk._http._async.client` (and
its generated twin) feeds them to tenacity. Nothing in this module does I/O except the
default sleep functions.
"""

from __future__ import annotations

import email.utils
import logging
import math
import random
import time
from collections.abc import Awaitable, Callable, Iterable, Iterator, Mapping
from contextlib import contextmanager
from typing import Any

import attrs
import tenacity

from mosaic_sdk._core._concurrency import asleep
from mosaic_sdk._render import FieldsRepr
from mosaic_sdk.errors import (
    APIConnectionError,
    APIStatusError,
    InvalidValueError,
    RateLimitError,
)

__all__ = [
    "DEFAULT_MAX_RETRIES",
    "DEFAULT_RETRY_STATUSES",
    "IDEMPOTENT_METHODS",
    "RetryPolicy",
    "no_retry_waits",
    "parse_retry_after",
]

logger = logging.getLogger("mosaic_sdk.http")

DEFAULT_MAX_RETRIES = 2
DEFAULT_INITIAL_DELAY = 0.5
DEFAULT_MAX_DELAY = 8.0
DEFAULT_JITTER = 0.5
DEFAULT_MAX_RETRY_AFTER = 60.0
#: Statuses retried by default. 409 is deliberately absent: on deployment providers it
#: is a real conflict (a deploy already running), not a lock timeout.
DEFAULT_RETRY_STATUSES: frozenset[int] = frozenset({408, 429, 500, 502, 503, 504})
#: Methods that may be repeated without changing the outcome (RFC 9110 section 9.2.2).
IDEMPOTENT_METHODS: frozenset[str] = frozenset({"GET", "HEAD", "OPTIONS", "PUT", "DELETE", "TRACE"})
# Statuses that mean "the server refused before doing anything", so even a POST is safe
# to send again.
_NOT_PROCESSED_STATUSES: frozenset[int] = frozenset({408, 429})

_waits_enabled = True


def _default_sleep(seconds: float) -> None:
    if _waits_enabled and seconds > 0:
        time.sleep(seconds)


async def _default_async_sleep(seconds: float) -> None:
    if _waits_enabled and seconds > 0:
        await asleep(seconds)


@contextmanager
def no_retry_waits() -> Iterator[None]:
    """Make every retry and rate-limit wait of the default sleep functions instant.

    For tests: the retry decisions and attempt counts stay real, only the waiting goes.
    """
    global _waits_enabled
    previous = _waits_enabled
    _waits_enabled = False
    try:
        yield
    finally:
        _waits_enabled = previous


def parse_retry_after(headers: Mapping[str, str], *, now: float | None = None) -> float | None:
    """Seconds the server asked the client to wait, or ``None`` if it did not say.

    Reads, in this order, ``retry-after-ms`` (milliseconds), ``retry-after`` as seconds
    (fractions tolerated) and ``retry-after`` as an HTTP date. Unparseable or negative
    values are ignored; a date in the past means "now" (0).
    """
    lowered = {k.lower(): v for k, v in headers.items()}
    raw_ms = lowered.get("retry-after-ms")
    if raw_ms is not None:
        try:
            ms = float(raw_ms)
        except ValueError:
            ms = math.nan
        if math.isfinite(ms) and ms >= 0:
            return ms / 1000.0
    raw = lowered.get("retry-after")
    if raw is None:
        return None
    raw = raw.strip()
    try:
        seconds = float(raw)
    except ValueError:
        pass
    else:
        return seconds if math.isfinite(seconds) and seconds >= 0 else None
    try:
        parsed = email.utils.parsedate_to_datetime(raw)
    except (TypeError, ValueError, IndexError):
        return None
    current = time.time() if now is None else now
    return max(0.0, parsed.timestamp() - current)


def _is_number(value: object) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(value)


def _check_non_negative(instance: Any, attribute: attrs.Attribute[Any], value: float) -> None:
    if not _is_number(value) or value < 0:
        raise InvalidValueError(
            value,
            f"RetryPolicy.{attribute.name} must be a finite number, not negative",
            "use 0 or more",
        )


def _check_retries(instance: Any, attribute: attrs.Attribute[Any], value: int) -> None:
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        raise InvalidValueError(
            value,
            "RetryPolicy.max_retries must be a whole number, not negative",
            "use 0 (no retries) or more",
        )


def _check_deadline(instance: Any, attribute: attrs.Attribute[Any], value: float | None) -> None:
    if value is not None and (not _is_number(value) or value <= 0):
        raise InvalidValueError(
            value,
            "RetryPolicy.deadline must be a positive number of seconds",
            "use None for no total deadline",
        )


def _to_statuses(value: Iterable[int]) -> frozenset[int]:
    if isinstance(value, (str, bytes)) or not isinstance(value, Iterable):
        raise InvalidValueError(
            value, "RetryPolicy.retry_statuses is not a set of status codes", "pass e.g. {429, 503}"
        )
    statuses = frozenset(value)
    for code in statuses:
        if isinstance(code, bool) or not isinstance(code, int) or not 100 <= code <= 599:
            raise InvalidValueError(
                code, "is not an HTTP status code", "use codes from 100 to 599, e.g. {429, 503}"
            )
    return statuses


@attrs.frozen
class RetryPolicy(FieldsRepr):
    """How the HTTP core retries a failed request.

    Retried: connection errors and timeouts, and the statuses in ``retry_statuses``
    (408, 429, 500, 502, 503, 504 by default; never 409). A non-idempotent request
    (POST, PATCH) is retried only when nothing reached the server, when the server
    refused it before processing (408, 429), or when the call is marked
    ``idempotent=True``.

    Waits use exponential backoff with additive jitter,
    ``min(max_delay, initial_delay * 2**n) + U(0, jitter)``, unless the server sent
    ``Retry-After``: that is honoured up to ``max_retry_after`` seconds; beyond it the
    client raises :class:`~mosaic_sdk.errors.RateLimitError` instead of sleeping, so
    scripts and notebooks get control back. A honoured server wait gets
    ``U(0, retry_after_jitter)`` seconds added, so clients told the same reset time do
    not all come back at once (the Vercel CLI adds up to 30 s:
    ``packages/cli/src/util/client.ts``).

    Attributes:
        max_retries: retries after the first attempt (0 disables retrying).
        initial_delay: first backoff delay in seconds.
        max_delay: largest backoff delay in seconds.
        jitter: largest random addition to each backoff delay.
        max_retry_after: largest server-requested wait that is honoured (checked
            before the skew is added).
        retry_after_jitter: largest random skew added to a honoured server wait;
            ``None`` lets the provider client choose (0 unless it sets one).
        deadline: total seconds across all attempts, or ``None``.
        retry_statuses: HTTP statuses that are retried.
        sleep: sleep function for sync clients (tests inject a recorder).
        async_sleep: sleep coroutine function for async clients.
    """

    max_retries: int = attrs.field(default=DEFAULT_MAX_RETRIES, validator=_check_retries)
    initial_delay: float = attrs.field(default=DEFAULT_INITIAL_DELAY, validator=_check_non_negative)
    max_delay: float = attrs.field(default=DEFAULT_MAX_DELAY, validator=_check_non_negative)
    jitter: float = attrs.field(default=DEFAULT_JITTER, validator=_check_non_negative)
    max_retry_after: float = attrs.field(
        default=DEFAULT_MAX_RETRY_AFTER, validator=_check_non_negative
    )
    deadline: float | None = attrs.field(default=None, validator=_check_deadline)
    retry_statuses: frozenset[int] = attrs.field(
        default=DEFAULT_RETRY_STATUSES, converter=_to_statuses
    )
    sleep: Callable[[float], None] = attrs.field(default=_default_sleep, eq=False, repr=False)
    async_sleep: Callable[[float], Awaitable[None]] = attrs.field(
        default=_default_async_sleep, eq=False, repr=False
    )
    retry_after_jitter: float | None = attrs.field(
        default=None, validator=attrs.validators.optional(_check_non_negative)
    )

    @classmethod
    def none(cls) -> RetryPolicy:
        """A policy that never retries."""
        return cls(max_retries=0)

    def is_retryable(self, exc: BaseException, *, method: str, idempotent: bool | None) -> bool:
        """Decide whether ``exc``, raised by a ``method`` request, is worth another attempt."""
        safe = idempotent if idempotent is not None else method.upper() in IDEMPOTENT_METHODS
        if isinstance(exc, APIConnectionError):
            return safe or not exc.request_sent
        if (
            isinstance(exc, RateLimitError)
            and exc.retry_after is not None
            and exc.retry_after > self.max_retry_after
        ):
            return False
        if isinstance(exc, APIStatusError):
            if exc.status_code not in self.retry_statuses:
                return False
            return safe or exc.status_code in _NOT_PROCESSED_STATUSES
        return False

    def backoff(self, retry_number: int) -> float:
        """Backoff before retry number ``retry_number`` (1-based), jitter included."""
        return float(
            tenacity.wait_exponential_jitter(
                multiplier=self.initial_delay, max=self.max_delay, exp_base=2, jitter=self.jitter
            )(_FakeState(retry_number))  # type: ignore[arg-type]
        )

    def delay_for(self, exc: BaseException | None, retry_number: int) -> float:
        """Seconds to wait before retry ``retry_number`` after ``exc``."""
        retry_after = getattr(exc, "retry_after", None)
        if isinstance(retry_after, (int, float)) and 0 <= retry_after <= self.max_retry_after:
            jitter = self.retry_after_jitter or 0.0
            skew = random.uniform(0.0, jitter) if jitter else 0.0  # noqa: S311 - not crypto
            return float(retry_after) + skew
        return self.backoff(retry_number)

    def _stop(self, spent: float) -> tenacity.stop.stop_base:
        stop: tenacity.stop.stop_base = tenacity.stop_after_attempt(self.max_retries + 1)
        if self.deadline is not None:
            stop = stop | tenacity.stop_after_delay(max(0.0, self.deadline - spent))
        return stop

    def _wait(self, state: tenacity.RetryCallState) -> float:
        exc = state.outcome.exception() if state.outcome is not None else None
        return self.delay_for(exc, state.attempt_number)

    def _log_retry(
        self, method: str, url: str, provider: str
    ) -> Callable[[tenacity.RetryCallState], None]:
        def before_sleep(state: tenacity.RetryCallState) -> None:
            exc = state.outcome.exception() if state.outcome is not None else None
            delay = state.next_action.sleep if state.next_action is not None else 0.0
            logger.info(
                "retrying %s %s after %s (attempt %d, waiting %.2fs)",
                method,
                url,
                type(exc).__name__,
                state.attempt_number,
                delay,
                extra={
                    "provider": provider,
                    "method": method,
                    "url": url,
                    "attempt": state.attempt_number,
                    "delay": round(delay, 3),
                    "error": type(exc).__name__,
                },
            )

        return before_sleep

    def _loop(
        self, method: str, url: str, provider: str, idempotent: bool | None, spent: float
    ) -> dict[str, Any]:
        """What the sync and the async tenacity loop share."""
        return {
            "stop": self._stop(spent),
            "wait": self._wait,
            "retry": tenacity.retry_if_exception(
                lambda e: self.is_retryable(e, method=method, idempotent=idempotent)
            ),
            "reraise": True,
            "before_sleep": self._log_retry(method, url, provider),
        }

    def retrying(
        self, *, method: str, url: str, provider: str, idempotent: bool | None, spent: float = 0.0
    ) -> tenacity.Retrying:
        """A tenacity ``Retrying`` for one sync request; ``spent`` is the seconds the
        request already took outside it (counted against :attr:`deadline`)."""
        return tenacity.Retrying(
            sleep=self.sleep, **self._loop(method, url, provider, idempotent, spent)
        )

    def async_retrying(
        self, *, method: str, url: str, provider: str, idempotent: bool | None, spent: float = 0.0
    ) -> tenacity.AsyncRetrying:
        """A tenacity ``AsyncRetrying`` for one async request; ``spent`` is the seconds
        the request already took outside it (counted against :attr:`deadline`)."""
        return tenacity.AsyncRetrying(
            sleep=self.async_sleep, **self._loop(method, url, provider, idempotent, spent)
        )


@attrs.frozen
class _FakeState:
    """The one attribute tenacity's wait strategies read from a retry state."""

    attempt_number: int
