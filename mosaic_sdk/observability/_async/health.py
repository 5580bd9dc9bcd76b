"""The stack health runner, written once as asynchronous source.

``scripts/gen_sync.py`` generates the thread twin from this module. The checks, results
and report (no I/O) live in :mod:`mosaic_sdk.observability._health`.

How each kind of check runs:

* HTTP checks send through :mod:`mosaic_sdk._http` (no retries: a health check reports
  what the service does now), which adds the caller's ``X-Correlation-ID``.
* TCP checks are a blocking ``socket.create_connection`` bounded by the check's timeout,
  run through ``arun_blocking``: the asynchronous runner does it in a worker thread (the
  loop stays free; a connect cannot be cancelled, so the thread ends at the latest when
  the connect times out), the thread runner calls it in its pool thread.
* The HTTP clients (one per distinct timeout; building one loads the CA bundle) are
  built through ``arun_blocking`` as well, so they never hold up an event loop.
* Every check is watched by ``arun_within`` for its timeout plus a short grace, which
  catches a server that drips bytes (httpx times each network operation, not the whole
  request): such a check is reported as ``timeout``.

The checks run at most ``max_concurrency`` at once through ``amap_bounded``, each with
a copy of the caller's :mod:`contextvars` context, so every request carries the
correlation id.
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from datetime import datetime, timezone

from mosaic_sdk._core._concurrency import amap_bounded, arun_blocking, arun_within
from mosaic_sdk._http import AsyncHTTPClient, RetryPolicy
from mosaic_sdk.errors import APIError
from mosaic_sdk.observability._health import (
    _ANY_STATUS,
    DEFAULT_TIMEOUT,
    GRACE,
    ServiceCheck,
    ServiceHealth,
    Services,
    StackHealthReport,
    _error_result,
    _http_result,
    check_concurrency,
    connected,
    plan_checks,
    tcp_connect,
)

__all__ = ["acheck_stack_health"]


def _clients(limits: Sequence[float], verify: bool | str) -> dict[float, AsyncHTTPClient]:
    # One client per distinct timeout, shared by every check: building a client loads
    # the CA bundle, which would otherwise cost more than a fast health check.
    return {
        limit: AsyncHTTPClient(
            provider="health", timeout=limit, retry=RetryPolicy(max_retries=0), verify=verify
        )
        for limit in sorted(set(limits))
    }


async def _check(
    check: ServiceCheck, timeout: float, http: AsyncHTTPClient | None
) -> ServiceHealth:
    begin = time.monotonic()
    try:
        if check.kind == "tcp" or http is None:
            await arun_blocking(tcp_connect, check.address, timeout)
            return connected(check, time.monotonic() - begin)
        response = await http.request("GET", check.url, allow_status=_ANY_STATUS)
        return _http_result(check, response.status_code, time.monotonic() - begin)
    except (APIError, OSError) as exc:
        return _error_result(check, exc, time.monotonic() - begin)


async def acheck_stack_health(
    services: Services,
    *,
    timeout: float = DEFAULT_TIMEOUT,
    max_concurrency: int = 32,
    verify: bool | str = True,
) -> StackHealthReport:
    """Check every service concurrently, at most ``max_concurrency`` at once.

    The two twins take the same arguments and give the same report: ``check_stack_health``
    runs each check in a pool thread, and its asynchronous twin (the awaited one) runs
    each check as a task on the running loop, which it never blocks (TCP connects and
    client set-up go to worker threads). Both send the caller's correlation id with
    every request.

    Args:
        services: :class:`~mosaic_sdk.observability.ServiceCheck` objects, ``NAME=URL``
            or bare URL strings (``"api=http://127.0.0.1:8080/health"``,
            ``"tcp://db:5432"``), ``(name, url)`` pairs, or a mapping of name to URL
            (``{"api": "http://...", "db": "tcp://host:5432"}``); mixed freely, or one
            alone.
        timeout: seconds per check unless the check sets its own.
        max_concurrency: most checks in flight at once.
        verify: TLS verification for HTTPS checks (on by default).

    Returns:
        The report, one result per check in the order given; a check that does not
        finish within its timeout (plus a short grace) is reported as ``timeout`` (a
        thread still waiting on it is left to end by itself).

    Raises:
        InvalidValueError: a malformed URL, a duplicate name, a bad timeout or a bad
            ``max_concurrency``.
    """
    plan = plan_checks(services, timeout)
    check_concurrency(max_concurrency)
    started = datetime.now(timezone.utc)
    begin = time.monotonic()
    if not plan:
        return StackHealthReport((), 0.0, started)
    clients = await arun_blocking(
        _clients, [limit for check, limit in plan if check.kind == "http"], verify
    )

    async def one(item: tuple[ServiceCheck, float]) -> ServiceHealth:
        check, limit = item
        http = clients.get(limit) if check.kind == "http" else None
        watch = time.monotonic()
        try:
            return await arun_within(limit + GRACE, _check, check, limit, http)
        except TimeoutError as exc:
            return _error_result(check, exc, time.monotonic() - watch)

    try:
        results = await amap_bounded(one, plan, max_concurrency)
    finally:
        for client in clients.values():
            await client.aclose()
    return StackHealthReport(tuple(results), time.monotonic() - begin, started)
