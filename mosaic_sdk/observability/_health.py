"""Stack health: check many HTTP and TCP endpoints at once.

:func:`acheck_stack_health` (asyncio) and :func:`check_stack_health` (threads) run every
check concurrently, each bounded by its own timeout, so the whole run takes about as
long as the slowest check - not the sum. The :class:`StackHealthReport` lists each
service with its verdict, what it answered and how long it took.

* HTTP checks (``http://`` / ``https://``) pass when the answer's status is expected
  (any 2xx or 3xx by default). They go through :mod:`mosaic_sdk._http` without retries:
  a health check reports what the service does now.
* TCP checks (``tcp://host:port``) pass when a connection opens (databases, brokers,
  caches).

Example:
    >>> report = check_stack_health(  # doctest: +SKIP
    ...     {"api": "http://127.0.0.1:8080/health", "db": "tcp://127.0.0.1:5432"}, timeout=2
    ... )
    >>> print(report)  # doctest: +SKIP
    stack: 1 of 2 healthy in 0.01 s (slowest: db 0.01 s)
      ✔ api  http://127.0.0.1:8080/health  200 in 3 ms
      ✘ db   tcp://127.0.0.1:5432  refused in 0 ms

This module holds the checks, results and report, which do no I/O; the runner is written
once in ``observability/_async/health.py`` and its thread twin is generated from it.
"""

from __future__ import annotations

import asyncio
import html
import socket
from collections.abc import Collection, Iterable, Mapping
from datetime import datetime
from typing import Any, Literal, Union
from urllib.parse import urlsplit

import attrs

from mosaic_sdk._core._redact import redact_text, sanitize_url
from mosaic_sdk._core._repr import safe_repr
from mosaic_sdk._render import (
    FieldsRepr,
    JSONResult,
    deprecated_alias,
    md_code,
    md_escape,
)
from mosaic_sdk.errors import APIConnectionError, APIError, APITimeoutError, InvalidValueError

__all__ = [
    "ServiceCheck",
    "Services",
    "ServiceHealth",
    "StackHealthReport",
]

DEFAULT_TIMEOUT = 5.0
_OK_STATUSES = frozenset(range(200, 400))
_ANY_STATUS = range(100, 600)
# Extra seconds a runner waits past a check's timeout before it stops waiting for it
# (httpx enforces the timeout per network operation, not per request).
GRACE = 0.5


def _statuses(value: Collection[int]) -> frozenset[int]:
    codes = frozenset(value)
    if not codes or not all(isinstance(c, int) and 100 <= c <= 599 for c in codes):
        raise InvalidValueError(
            sorted(codes) if codes else value, "is not a set of HTTP statuses", "pass e.g. {200}"
        )
    return codes


def _timeout(value: float | None) -> float | None:
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, (int, float)) or value <= 0:
        raise InvalidValueError(value, "is not a timeout", "pass seconds > 0, e.g. 2.0")
    return float(value)


def _shown(value: str) -> str:
    # Results are printed, rendered and stored: URLs through the one sanitizer.
    return redact_text(value) if isinstance(value, str) else value


@attrs.frozen
class ServiceCheck(FieldsRepr):
    """One endpoint to check.

    Attributes:
        name: the service's name in the report (unique within a run).
        url: ``http(s)://host[:port]/path`` or ``tcp://host:port``.
        expect_status: statuses that count as healthy (HTTP only; 2xx and 3xx by default).
        timeout: seconds for this check; the run's ``timeout`` when ``None``.
    """

    name: str
    url: str
    expect_status: frozenset[int] = attrs.field(default=_OK_STATUSES, converter=_statuses)
    timeout: float | None = attrs.field(default=None, converter=_timeout)

    def __attrs_post_init__(self) -> None:
        if not isinstance(self.name, str) or not self.name.strip():
            raise InvalidValueError(self.name, "a service needs a name", "pass e.g. 'api'")
        parts = urlsplit(self.url)
        if parts.scheme in ("http", "https") and parts.hostname:
            return
        if parts.scheme == "tcp" and parts.hostname and parts.port:
            return
        raise InvalidValueError(
            sanitize_url(self.url) if isinstance(self.url, str) else self.url,
            f"is not a health endpoint for {self.name!r}",
            "use 'http(s)://host[:port]/path' or 'tcp://host:port'",
        )

    @safe_repr
    def __repr__(self) -> str:
        return f"ServiceCheck({self.name!r}, {sanitize_url(self.url)!r})"

    @classmethod
    def http(
        cls,
        name: str,
        url: str,
        *,
        expect_status: Collection[int] = _OK_STATUSES,
        timeout: float | None = None,
    ) -> ServiceCheck:
        """An HTTP check of ``url``."""
        return cls(name, url, expect_status=frozenset(expect_status), timeout=timeout)

    @classmethod
    def tcp(cls, name: str, host: str, port: int, *, timeout: float | None = None) -> ServiceCheck:
        """A TCP connect check of ``host:port``."""
        return cls(name, f"tcp://{host}:{port}", timeout=timeout)

    @classmethod
    def from_spec(cls, text: str) -> ServiceCheck:
        """A check from ``NAME=URL`` or a bare URL (named after its host and port), as
        ``mosaic health`` takes them.

        Raises:
            InvalidValueError: not text, or not a health endpoint.

        Example:
            >>> ServiceCheck.from_spec("api=http://127.0.0.1:8080/health").name
            'api'
            >>> ServiceCheck.from_spec("tcp://db.internal:5432").name
            'db.internal:5432'
        """
        if not isinstance(text, str):
            raise InvalidValueError(
                text, "is not a service", "pass 'NAME=URL' or a URL such as 'https://app/health'"
            )
        name, sep, url = text.partition("=")
        if sep and "://" not in name:
            return cls(name.strip(), url.strip())
        return cls(_name_of(text.strip()), text.strip())

    @property
    def kind(self) -> Literal["http", "tcp"]:
        """``"http"`` or ``"tcp"``."""
        return "tcp" if self.url.startswith("tcp://") else "http"

    @property
    def address(self) -> tuple[str, int]:
        """``(host, port)`` of a TCP check."""
        parts = urlsplit(self.url)
        return parts.hostname or "", parts.port or 0


@attrs.frozen
class ServiceHealth(FieldsRepr):
    """The result of one :class:`ServiceCheck`.

    Attributes:
        name: the service.
        kind: ``http`` or ``tcp``.
        url: what was checked.
        healthy: True when it answered as expected in time.
        status: ``"200"``, ``"connected"``, ``"timeout"``, ``"refused"``, ``"error"``...
        latency_seconds: how long the check took (up to the timeout).
        detail: a sentence for humans.
    """

    name: str = attrs.field(converter=_shown)
    kind: str
    url: str = attrs.field(converter=_shown)
    healthy: bool
    status: str
    latency_seconds: float
    detail: str = attrs.field(default="", converter=_shown)

    @property
    def ok(self) -> bool:
        """True when the service answered as expected in time (same as ``healthy``)."""
        return self.healthy

    @property
    def symbol(self) -> str:
        """``✔`` or ``✘``."""
        return "✔" if self.healthy else "✘"


def _ms(seconds: float) -> str:
    return f"{seconds * 1000:.0f} ms"


@attrs.frozen
class StackHealthReport(JSONResult):
    """Every service's health from one concurrent run.

    Attributes:
        results: one :class:`ServiceHealth` per check, in the order given.
        duration_seconds: wall time of the whole run (about the slowest check).
        checked_at: when the run started (UTC).
    """

    results: tuple[ServiceHealth, ...]
    duration_seconds: float
    checked_at: datetime

    @property
    def ok(self) -> bool:
        """True when every service is healthy."""
        return all(r.healthy for r in self.results)

    @property
    def healthy(self) -> bool:
        """Deprecated alias of :attr:`ok` (kept for one release)."""
        return bool(deprecated_alias("StackHealthReport.healthy", "StackHealthReport.ok", self.ok))

    def unhealthy(self) -> tuple[ServiceHealth, ...]:
        """The services that are not healthy."""
        return tuple(r for r in self.results if not r.healthy)

    def __getitem__(self, name: str) -> ServiceHealth:
        for result in self.results:
            if result.name == name:
                return result
        raise KeyError(name)

    @property
    def slowest(self) -> ServiceHealth | None:
        """The check that took longest (``None`` for an empty run)."""
        return max(self.results, key=lambda r: r.latency_seconds, default=None)

    @property
    def sum_of_latencies(self) -> float:
        """What the run would have taken one check after another."""
        return sum(r.latency_seconds for r in self.results)

    def summary(self) -> str:
        """``stack: 3 of 4 healthy in 0.21 s (slowest: db 0.20 s)``."""
        good = sum(r.healthy for r in self.results)
        slowest = self.slowest
        tail = f" (slowest: {slowest.name} {slowest.latency_seconds:.2f} s)" if slowest else ""
        return (
            f"stack: {good} of {len(self.results)} healthy in {self.duration_seconds:.2f} s{tail}"
        )

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready form."""
        return {
            "ok": self.ok,
            "healthy": self.ok,
            "checked_at": self.checked_at.isoformat(),
            "duration_seconds": round(self.duration_seconds, 4),
            "services": [
                {
                    "name": r.name,
                    "kind": r.kind,
                    "url": r.url,
                    "healthy": r.healthy,
                    "status": r.status,
                    "latency_seconds": round(r.latency_seconds, 4),
                    "detail": r.detail,
                }
                for r in self.results
            ],
        }

    def to_markdown(self) -> str:
        """A Markdown table, one row per service."""
        lines = [
            f"**{self.summary()}**",
            "",
            "| | Service | Endpoint | Status | Time | Detail |",
            "| --- | --- | --- | --- | --- | --- |",
        ]
        lines += [
            f"| {r.symbol} | {md_escape(r.name)} | {md_code(r.url)} | {md_escape(r.status)} | "
            f"{_ms(r.latency_seconds)} | {md_escape(r.detail)} |"
            for r in self.results
        ]
        return "\n".join(lines) + "\n"

    @safe_repr
    def __repr__(self) -> str:
        return f"<StackHealthReport {self.summary()}>"

    def _repr_markdown_(self) -> str:
        return self.to_markdown()

    def _repr_html_(self) -> str:
        rows = "".join(
            f"<tr><td>{r.symbol}</td><td>{html.escape(r.name)}</td>"
            f"<td><code>{html.escape(r.url)}</code></td><td>{html.escape(r.status)}</td>"
            f"<td>{_ms(r.latency_seconds)}</td><td>{html.escape(r.detail)}</td></tr>"
            for r in self.results
        )
        return (
            f"<div><b>{html.escape(self.summary())}</b><table><thead><tr><th></th>"
            "<th>Service</th><th>Endpoint</th><th>Status</th><th>Time</th><th>Detail</th>"
            f"</tr></thead><tbody>{rows}</tbody></table></div>"
        )

    def __str__(self) -> str:
        width = max((len(r.name) for r in self.results), default=0)
        lines = [self.summary()]
        lines += [
            f"  {r.symbol} {r.name:<{width}}  {r.url}  {r.status} in {_ms(r.latency_seconds)}"
            + (f"  ({r.detail})" if r.detail and not r.healthy else "")
            for r in self.results
        ]
        return "\n".join(lines)


Services = Union[
    Mapping[str, str], Iterable[Union["ServiceCheck", str, tuple[str, str]]], str, "ServiceCheck"
]
"""What :func:`check_stack_health` takes: ``ServiceCheck`` objects, ``NAME=URL`` or bare
URL strings, ``(name, url)`` pairs, a mapping of name to URL, or one of them alone."""

_SERVICES_FIX = (
    "pass ServiceCheck objects, 'NAME=URL' or URL strings, (name, url) pairs, "
    "or a mapping of name to URL"
)


def _name_of(url: str) -> str:
    # A bare URL is named after its host and port: never after its userinfo or path.
    parts = urlsplit(url)
    try:
        port = parts.port
    except ValueError:
        port = None
    host = parts.hostname or url
    return f"{host}:{port}" if port else host


def _as_check(item: object) -> ServiceCheck:
    if isinstance(item, ServiceCheck):
        return item
    if isinstance(item, str):
        return ServiceCheck.from_spec(item)
    if isinstance(item, tuple) and len(item) == 2 and all(isinstance(x, str) for x in item):
        return ServiceCheck(item[0], item[1])
    raise InvalidValueError(item, "is not a service to check", _SERVICES_FIX)


def _as_checks(services: Services) -> tuple[ServiceCheck, ...]:
    if isinstance(services, (str, ServiceCheck)):
        checks: tuple[ServiceCheck, ...] = (_as_check(services),)
    elif isinstance(services, Mapping):
        checks = tuple(ServiceCheck(name, url) for name, url in services.items())
    elif isinstance(services, Iterable):
        checks = tuple(_as_check(item) for item in services)
    else:
        raise InvalidValueError(services, "is not a list of services", _SERVICES_FIX)
    seen: set[str] = set()
    for check in checks:
        if check.name in seen:
            raise InvalidValueError(
                check.name, "is checked twice", "give every service a unique name"
            )
        seen.add(check.name)
    return checks


def _http_result(check: ServiceCheck, status: int, elapsed: float) -> ServiceHealth:
    healthy = status in check.expect_status
    detail = "" if healthy else f"expected {_describe(check.expect_status)}"
    return ServiceHealth(check.name, "http", check.url, healthy, str(status), elapsed, detail)


def _describe(statuses: frozenset[int]) -> str:
    if statuses == _OK_STATUSES:
        return "2xx or 3xx"
    return ", ".join(map(str, sorted(statuses)))


def _error_result(check: ServiceCheck, exc: BaseException, elapsed: float) -> ServiceHealth:
    if isinstance(exc, (APITimeoutError, TimeoutError, socket.timeout, asyncio.TimeoutError)):
        status = "timeout"
        detail = f"no answer within {elapsed:.2f} s"
    elif isinstance(exc, ConnectionRefusedError) or (
        isinstance(exc, APIConnectionError) and "refused" in str(exc).lower()
    ):
        status = "refused"
        detail = "connection refused: is the service running?"
    else:
        status = "error"
        detail = exc.message if isinstance(exc, APIError) else f"{type(exc).__name__}: {exc}"
    return ServiceHealth(check.name, check.kind, check.url, False, status, elapsed, detail)


def check_concurrency(value: int) -> int:
    """``value`` when it is a concurrency limit (an int >= 1).

    Raises:
        InvalidValueError: it is not.
    """
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        raise InvalidValueError(value, "is not a concurrency limit", "pass e.g. 32")
    return value


def plan_checks(services: Services, timeout: float) -> tuple[tuple[ServiceCheck, float], ...]:
    """Every check of ``services`` with the timeout it runs under (its own, or ``timeout``).

    Raises:
        InvalidValueError: a malformed URL, a duplicate name or a bad timeout.
    """
    checks = _as_checks(services)
    default = _timeout(timeout) or DEFAULT_TIMEOUT
    return tuple((check, check.timeout or default) for check in checks)


def tcp_connect(address: tuple[str, int], timeout: float) -> None:
    """Open and close a TCP connection to ``address`` (blocking; raises ``OSError``)."""
    with socket.create_connection(address, timeout=timeout):
        pass


def connected(check: ServiceCheck, elapsed: float) -> ServiceHealth:
    """The result of a TCP check whose connection opened."""
    return ServiceHealth(check.name, "tcp", check.url, True, "connected", elapsed)
