"""The requests layer under hvac: retries with the HTTP core's numbers, correlation ids.

hvac sends through a :class:`requests.Session`, so it cannot share the httpx core.
Following hvac's documented route (hvac#882, #948), the store mounts an
:class:`~requests.adapters.HTTPAdapter` carrying a :class:`urllib3.util.Retry` on the
session. :class:`VaultRetry` takes every number from the core's
:class:`~mosaic_sdk.RetryPolicy` (retries, backoff, jitter, ``Retry-After`` cap, sleep
function), so ``no_retry_waits()`` and an injected sleep work for Vault too.

What is retried: connection failures, and the policy's statuses plus 412 (a
performance standby that has not caught up yet, hvac#882). Reads, lists and deletes are
retried on all of them; writes (POST, PATCH) only when Vault did not process the request
(408, 412, 429) or the connection failed before it was sent, so a retry never writes a
second version.

Rate-limit quotas: Vault and OpenBao send ``Retry-After`` and ``X-Ratelimit-Reset`` in
whole seconds rounded *down* (OpenBao says ``0`` while the window is still closed), so
the wait is the larger of the two plus one second: a retry never lands before the
window resets. A wait beyond the policy's ``max_retry_after`` is not slept: the 429 is
raised as :class:`~mosaic_sdk.errors.VaultRateLimitError` with that wait.

Redirects: requests strips only ``Authorization`` when a redirect changes host, so
``X-Vault-Token`` would follow a 302/307/308 anywhere. :func:`guard_redirects` makes
the session refuse any redirect to another origin (scheme, host, port) before the
token could be sent there.
"""

from __future__ import annotations

import logging
import math
import urllib.parse
from collections.abc import Mapping
from contextvars import ContextVar
from itertools import takewhile
from typing import Any

import requests
import requests.adapters
from urllib3.exceptions import MaxRetryError, ResponseError
from urllib3.util.retry import Retry

from mosaic_sdk._core._context import CORRELATION_ID_HEADER, get_correlation_id
from mosaic_sdk._http import IDEMPOTENT_METHODS, RetryPolicy, parse_retry_after

__all__ = [
    "RETRY_STATUSES_EXTRA",
    "CrossOriginRedirect",
    "RateLimitWait",
    "VaultHTTPAdapter",
    "VaultRetry",
    "guard_redirects",
    "last_rate_limit_wait",
    "last_status",
    "mount_retry_adapter",
    "rate_limit_wait",
]

logger = logging.getLogger("mosaic_sdk.vault")

#: Vault answers 412 when a performance standby has not replicated a write yet.
RETRY_STATUSES_EXTRA: frozenset[int] = frozenset({412})
# Statuses with which Vault refused the request before doing anything: safe for writes.
_NOT_PROCESSED: frozenset[int] = frozenset({408, 412, 429})
# Vault's LIST verb reads; it is as safe to repeat as GET.
_RETRYABLE_METHODS: frozenset[str] = frozenset(IDEMPOTENT_METHODS | {"LIST"})


def rate_limit_wait(headers: Mapping[str, str]) -> float | None:
    """Seconds to wait before a 429'd request may be sent again, from ``Retry-After``
    and ``X-Ratelimit-Reset`` (both whole seconds rounded down, so one second is added
    when Vault's reset header is there); ``None`` when the answer says nothing."""
    lowered = {k.lower(): v for k, v in headers.items()}
    retry_after = parse_retry_after(lowered)
    reset: float | None = None
    raw = lowered.get("x-ratelimit-reset")
    if raw is not None:
        try:
            reset = float(raw.strip())
        except ValueError:
            reset = None
        if reset is not None and not (math.isfinite(reset) and reset >= 0):
            reset = None
    if reset is None:
        return retry_after
    return max(reset, retry_after or 0.0) + 1.0


class RateLimitWait(ResponseError):
    """The reason of the ``MaxRetryError`` raised when a quota's wait exceeds the cap."""

    def __init__(self, wait: float) -> None:
        self.wait = wait
        super().__init__(f"the rate-limit window resets in {wait:.0f}s, beyond the retry cap")


class CrossOriginRedirect(requests.exceptions.RequestException):
    """Vault (or something in front of it) redirected to another origin; the request was
    not followed, so the token never went there."""

    def __init__(self, source: str, target: str) -> None:
        self.source = source
        self.target = target
        super().__init__(f"redirect from {source} to another origin {target} refused")


def _origin(url: str) -> tuple[str, str, int | None]:
    parts = urllib.parse.urlsplit(url)
    default = {"http": 80, "https": 443}.get(parts.scheme.lower())
    return parts.scheme.lower(), (parts.hostname or "").lower(), parts.port or default


def guard_redirects(session: requests.Session) -> None:
    """Make ``session`` refuse redirects to another origin (raises
    :class:`CrossOriginRedirect` before the redirected request is sent)."""
    if getattr(session, "_mosaic_redirect_guard", False):
        return
    original = session.rebuild_auth

    def rebuild_auth(prepared: requests.PreparedRequest, response: requests.Response) -> None:
        source = response.request.url or ""
        target = prepared.url or ""
        if _origin(source) != _origin(target):
            prepared.headers.pop("X-Vault-Token", None)
            prepared.headers.pop("Authorization", None)
            raise CrossOriginRedirect(_strip_query(source), _strip_query(target))
        original(prepared, response)

    session.rebuild_auth = rebuild_auth  # type: ignore[method-assign,assignment]
    session._mosaic_redirect_guard = True  # type: ignore[attr-defined]


def _strip_query(url: str) -> str:
    parts = urllib.parse.urlsplit(url)
    host = parts.hostname or ""
    netloc = f"{host}:{parts.port}" if parts.port else host  # never userinfo
    return urllib.parse.urlunsplit((parts.scheme, netloc, parts.path, "", ""))


class VaultRetry(Retry):
    """A :class:`urllib3.util.Retry` whose decisions and waits follow a
    :class:`~mosaic_sdk.RetryPolicy`.

    Build it with :meth:`from_policy`. Waits are ``policy.backoff(n)`` (exponential with
    additive jitter, as in the HTTP core), or the server's ``Retry-After`` when it is at
    most ``policy.max_retry_after``; a longer ``Retry-After`` on a 429 stops retrying and
    hands the 429 back instead of sleeping for minutes.
    """

    policy: RetryPolicy

    def __init__(self, *args: Any, policy: RetryPolicy | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.policy = policy if policy is not None else RetryPolicy()

    @classmethod
    def from_policy(cls, policy: RetryPolicy) -> VaultRetry:
        """The retry object for ``policy``."""
        count = policy.max_retries
        return cls(
            total=count,
            connect=count,
            read=count,
            status=count,
            other=0,
            redirect=None,
            allowed_methods=_RETRYABLE_METHODS,
            status_forcelist=policy.retry_statuses | RETRY_STATUSES_EXTRA,
            backoff_factor=policy.initial_delay,
            backoff_max=policy.max_delay,
            backoff_jitter=policy.jitter,
            raise_on_status=False,  # hand the last answer to hvac, which maps it
            respect_retry_after_header=True,
            policy=policy,
        )

    def new(self, **kw: Any) -> VaultRetry:
        """Copy with updated counters (urllib3 calls this on every attempt)."""
        retry = super().new(**kw)
        retry.policy = self.policy
        return retry

    def is_retry(self, method: str, status_code: int, has_retry_after: bool = False) -> bool:
        """Retry ``status_code`` if it is retryable for ``method`` (see module doc)."""
        if not self.status_forcelist or status_code not in self.status_forcelist:
            return False
        return status_code in _NOT_PROCESSED or self._is_method_retryable(method)

    def _consecutive_errors(self) -> int:
        return len(list(takewhile(lambda h: h.redirect_location is None, reversed(self.history))))

    def get_backoff_time(self) -> float:
        """The policy's backoff for the current retry number (jitter included)."""
        return self.policy.backoff(max(1, self._consecutive_errors()))

    def _retry_after(self, response: Any) -> float | None:
        headers = getattr(response, "headers", None)
        if not isinstance(headers, Mapping):
            return None
        text = {str(k): str(v) for k, v in headers.items()}
        if getattr(response, "status", None) == 429:
            return rate_limit_wait(text)
        return parse_retry_after(text)

    def increment(
        self,
        method: str | None = None,
        url: str | None = None,
        response: Any = None,
        error: Exception | None = None,
        _pool: Any = None,
        _stacktrace: Any = None,
    ) -> VaultRetry:
        """Count an attempt; refuse to wait longer than the policy's ``Retry-After`` cap."""
        if response is not None and getattr(response, "status", None) == 429:
            wait = self._retry_after(response)
            if wait is not None and wait > self.policy.max_retry_after:
                _last_rate_limit_wait.set(wait)
                raise MaxRetryError(_pool, url or "", RateLimitWait(wait))
        retry = super().increment(method, url, response, error, _pool, _stacktrace)
        assert isinstance(retry, VaultRetry)
        return retry

    def sleep(self, response: Any = None) -> None:
        """Wait before the next attempt, with the policy's sleep function."""
        delay: float | None = None
        if response is not None and self.respect_retry_after_header:
            wait = self._retry_after(response)
            if wait is not None and wait <= self.policy.max_retry_after:
                delay = wait
        if delay is None:
            delay = self.get_backoff_time()
        last = self.history[-1] if self.history else None
        cause = (
            f"HTTP {last.status}"
            if last is not None and last.status
            else type(last.error).__name__
            if last is not None and last.error is not None
            else "an error"
        )
        method = last.method if last is not None and last.method else "?"
        url = last.url if last is not None and last.url else "?"
        attempt = self._consecutive_errors()
        logger.info(
            "retrying Vault %s %s after %s (attempt %d, waiting %.2fs)",
            method,
            url,
            cause,
            attempt,
            delay,
            extra={
                "provider": "vault",
                "method": method,
                "url": url,
                "attempt": attempt,
                "delay": round(delay, 3),
                "error": cause,
            },
        )
        self.policy.sleep(delay)


class VaultHTTPAdapter(requests.adapters.HTTPAdapter):
    """The transport adapter mounted on hvac's session: retries plus the
    ``X-Correlation-ID`` header of the current :func:`~mosaic_sdk.correlation_id`."""

    def __init__(self, policy: RetryPolicy) -> None:
        super().__init__(max_retries=VaultRetry.from_policy(policy))

    def send(
        self, request: requests.PreparedRequest, *args: Any, **kwargs: Any
    ) -> requests.Response:
        """Send ``request``, adding the correlation id header when one is set."""
        cid = get_correlation_id()
        if cid is not None and CORRELATION_ID_HEADER not in request.headers:
            request.headers[CORRELATION_ID_HEADER] = cid
        return super().send(request, *args, **kwargs)


# hvac's exceptions do not carry the HTTP status (a 412 or 418 becomes UnexpectedError),
# so a response hook remembers the last status seen in this context for the error map.
_last_status: ContextVar[int | None] = ContextVar("mosaic_vault_last_status", default=None)
_last_rate_limit_wait: ContextVar[float | None] = ContextVar(
    "mosaic_vault_last_rate_limit_wait", default=None
)


def _remember_status(response: requests.Response, *args: Any, **kwargs: Any) -> None:
    _last_status.set(response.status_code)
    if response.status_code == 429:
        _last_rate_limit_wait.set(rate_limit_wait(dict(response.headers)))


def last_rate_limit_wait() -> float | None:
    """The wait the last 429 in this context asked for (see :func:`rate_limit_wait`)."""
    return _last_rate_limit_wait.get()


def last_status() -> int | None:
    """The HTTP status of the last Vault answer received in this context."""
    return _last_status.get()


def mount_retry_adapter(session: requests.Session, policy: RetryPolicy) -> VaultHTTPAdapter:
    """Mount a :class:`VaultHTTPAdapter` for ``policy`` on ``session`` (http and https),
    and a response hook that records each answer's status for error messages."""
    adapter = VaultHTTPAdapter(policy)
    session.mount("https://", adapter)
    session.mount("http://", adapter)
    hooks = session.hooks.setdefault("response", [])
    if _remember_status not in hooks:
        hooks.append(_remember_status)
    return adapter
