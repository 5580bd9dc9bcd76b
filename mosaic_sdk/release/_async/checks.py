"""The I/O of the built-in post-deploy checks, written once.

``scripts/gen_sync.py`` generates ``release/_sync/checks.py`` from this file. The checks
themselves (:class:`~mosaic_sdk.release.HealthCheck`, :class:`~mosaic_sdk.release.SmokeTest`,
:class:`~mosaic_sdk.release.VersionMatch`, :class:`~mosaic_sdk.release.MetricGate`) are
plain configuration in ``mosaic_sdk.release._checks``, with the judging of each answer;
their ``arun(context)`` calls the functions here, which only sequence the requests, the
queries and the pauses between them.

A callable the user gave (a smoke test's ``func``, a target's ``running()``, a metrics
source other than :class:`~mosaic_sdk.observability.AsyncPrometheusClient`) is blocking
code: it runs through ``arun_blocking``.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any, cast

from mosaic_sdk._core._concurrency import acheckpoint, arun_blocking, asleep
from mosaic_sdk._http import AsyncHTTPClient, HTTPResponse, RetryPolicy, Transport
from mosaic_sdk.errors import APIError, MosaicError
from mosaic_sdk.observability._async.prometheus import AsyncPrometheusClient
from mosaic_sdk.observability._promql import MetricReading, MetricsSource
from mosaic_sdk.release._checks import (
    _ANY_STATUS,
    HealthCheck,
    MetricGate,
    SmokeTest,
    VersionMatch,
    _excerpt,
    _expand_query,
    _utc_now,
)
from mosaic_sdk.release._validation import (
    CheckResult,
    ValidationContext,
    Verdict,
    _atarget_running,
)
from mosaic_sdk.values import Digest

__all__ = ["run_health", "run_metric_gate", "run_smoke", "run_version_match"]


def _open(timeout: float, verify: bool | str, transport: Transport | None) -> AsyncHTTPClient:
    """An HTTP client with retries off: the checks have their own deadline loops (the
    client refuses a ``transport`` of the wrong kind with a typed error)."""
    return AsyncHTTPClient(
        provider="validation",
        timeout=timeout,
        retry=RetryPolicy(max_retries=0),
        verify=verify,
        transport=cast(Any, transport),
    )


async def _pause(pause: Callable[[float], None], seconds: float) -> None:
    """Wait ``seconds``: ``asleep`` for the default ``time.sleep``, else the injected one."""
    if pause is time.sleep:
        await asleep(seconds)
    else:
        pause(seconds)
        await acheckpoint()


async def run_health(check: HealthCheck, context: ValidationContext) -> CheckResult:
    """Poll ``check``'s endpoint until healthy (passed) or its deadline passes (failed)."""
    url = context.expand(check.url)
    started = _utc_now()
    begin = check._clock()
    attempts = 0
    problem = "no attempt made"
    excerpt = ""
    status = "-"
    async with _open(check.timeout, check._verify, check._transport) as http:
        while True:
            attempts += 1
            try:
                response = await http.request("GET", url, allow_status=_ANY_STATUS)
            except APIError as exc:
                problem = f"unreachable: {exc.message}"
            else:
                status = str(response.status_code)
                excerpt = _excerpt(response)
                verdict = check._judge(response)
                if verdict is None:
                    return CheckResult(
                        name=check.name,
                        kind=check.kind,
                        verdict=Verdict.PASSED,
                        summary=f"{url} answered {response.status_code} "
                        f"after {attempts} attempt(s)",
                        evidence={"url": url, "status": status, "body": excerpt},
                        started_at=started,
                        duration_seconds=check._clock() - begin,
                        attempts=attempts,
                    )
                problem = verdict
            if check._clock() - begin + check.interval > check.deadline:
                break
            await _pause(check._sleep, check.interval)
    return CheckResult(
        name=check.name,
        kind=check.kind,
        verdict=Verdict.FAILED,
        summary=f"{url} not healthy within {check.deadline:g}s: {problem}",
        evidence={"url": url, "last status": status, "last problem": problem, "body": excerpt},
        started_at=started,
        duration_seconds=check._clock() - begin,
        attempts=attempts,
    )


async def run_smoke(check: SmokeTest, context: ValidationContext) -> CheckResult:
    """Run ``check``'s steps in order (or its callable) and judge them."""
    started = _utc_now()
    begin = time.monotonic()
    if check.func is not None:
        label = getattr(check.func, "__qualname__", repr(check.func))
        try:
            outcome = await arun_blocking(check.func, context)
        except Exception as exc:
            return check._judge_func(label, None, exc, started, begin)
        return check._judge_func(label, outcome, None, started, begin)
    evidence: list[tuple[str, str]] = []
    async with _open(check.timeout, check._verify, check._transport) as http:
        for index, step in enumerate(check.steps, start=1):
            url = step.url(context)
            label = f"step {index}: {step.method} {url}"
            t0 = time.monotonic()
            try:
                response = await http.request(
                    step.method,
                    url,
                    json=step.json,
                    headers=step.headers or None,
                    allow_status=_ANY_STATUS,
                )
            except APIError as exc:
                evidence.append((label, f"unreachable: {exc.message}"))
                return check._result(Verdict.FAILED, f"{label} failed: {exc.message}",
                                     evidence, started, begin, index)  # fmt: skip
            took = (time.monotonic() - t0) * 1000
            evidence.append((label, f"{response.status_code} in {took:.0f} ms"))
            problem = check._judge_step(step, response)
            if problem is not None:
                evidence.append((f"step {index} body", _excerpt(response)))
                return check._result(
                    Verdict.FAILED, f"{label} {problem}", evidence, started, begin, index
                )
    return check._result(
        Verdict.PASSED,
        f"{len(check.steps)} request(s) answered as expected",
        evidence,
        started,
        begin,
        len(check.steps),
    )


async def run_version_match(check: VersionMatch, context: ValidationContext) -> CheckResult:
    """Read ``check``'s sources until they agree with the candidate or its deadline passes."""
    started = _utc_now()
    begin = check._clock()
    attempts = 0
    while True:
        attempts += 1
        verdict, summary, evidence = await _compare(check, context)
        if (
            verdict is not Verdict.FAILED
            or check._clock() - begin + check.interval > check.deadline
        ):
            break
        await _pause(check._sleep, check.interval)
    return CheckResult(
        name=check.name,
        kind=check.kind,
        verdict=verdict,
        summary=summary,
        evidence=evidence,
        started_at=started,
        duration_seconds=check._clock() - begin,
        attempts=attempts,
    )


async def _compare(
    check: VersionMatch, context: ValidationContext
) -> tuple[Verdict, str, list[tuple[str, str]]]:
    expected = context.image.digest
    assert expected is not None  # ValidationContext only holds pinned images
    evidence: list[tuple[str, str]] = [("expected digest", str(expected))]
    if context.version:
        evidence.append(("expected version", context.version))
    mismatches: list[str] = []
    confirmed: list[str] = []
    unknown: list[str] = []
    if check.from_target:
        if context.target is None:
            unknown.append("no target in the context")
        else:
            running = await _atarget_running(context.target)
            evidence.append(("target", context.target.name))
            evidence.append(("target digest", str(running.digest)))
            evidence.append(("target version", str(running.version)))
            check._judge("target", running.digest, running.version, context,
                         mismatches, confirmed, unknown)  # fmt: skip
    if check.url is not None:
        url = context.expand(check.url)
        evidence.append(("endpoint", url))
        digest, version, problem = await _read_endpoint(check, url)
        if problem is not None:
            mismatches.append(f"{url}: {problem}")
            evidence.append(("endpoint problem", problem))
        else:
            evidence.append(("endpoint digest", str(digest)))
            evidence.append(("endpoint version", str(version)))
            check._judge(url, digest, version, context, mismatches, confirmed, unknown)
    if mismatches:
        return Verdict.FAILED, "; ".join(mismatches), evidence
    if not confirmed:
        return (
            Verdict.INCONCLUSIVE,
            "no source could tell the running digest: " + "; ".join(unknown),
            evidence,
        )
    note = f" ({'; '.join(unknown)})" if unknown else ""
    return Verdict.PASSED, f"{' and '.join(confirmed)} run {expected.short}{note}", evidence


async def _read_endpoint(
    check: VersionMatch, url: str
) -> tuple[Digest | None, str | None, str | None]:
    try:
        async with _open(check.timeout, check._verify, check._transport) as http:
            response: HTTPResponse = await http.request("GET", url, allow_status=_ANY_STATUS)
    except APIError as exc:
        return None, None, f"unreachable: {exc.message}"
    return check._parse_endpoint(response)


async def _measure(
    gate: MetricGate, context: ValidationContext
) -> tuple[Verdict, str, MetricReading | None]:
    query = _expand_query(gate.query, context)
    # MetricGate accepts any object with .evaluate and .source_name: the Prometheus
    # client of this twin is awaited, any other source is blocking code.
    source: MetricsSource | AsyncPrometheusClient = gate.source
    try:
        if isinstance(source, AsyncPrometheusClient):
            reading = await source.evaluate(query)
        else:
            reading = await arun_blocking(source.evaluate, query)
    except MosaicError as exc:
        return Verdict.FAILED, f"could not measure: {exc.message}", None
    return gate._judge(reading)


async def _measure_with_data(
    gate: MetricGate, context: ValidationContext
) -> tuple[Verdict, str, MetricReading | None]:
    started = gate._clock()
    waits = 0
    while True:
        verdict, sentence, reading = await _measure(gate, context)
        no_data = reading is not None and not reading.has_data
        if not no_data or gate._clock() - started + gate.data_retry > gate.data_deadline:
            break
        await _pause(gate._sleep, gate.data_retry)
        waits += 1
    if waits and reading is not None and reading.has_data:
        sentence += f" (data after {gate._clock() - started:.0f}s)"
    return verdict, sentence, reading


async def run_metric_gate(gate: MetricGate, context: ValidationContext) -> CheckResult:
    """Take ``gate``'s measurements and judge them."""
    started = _utc_now()
    begin = time.monotonic()
    if gate.initial_delay:
        await _pause(gate._sleep, gate.initial_delay)
    evidence = gate._evidence(_expand_query(gate.query, context))
    verdicts: list[Verdict] = []
    last = ""
    for index in range(1, gate.measurements + 1):
        if index > 1 and gate.interval:
            await _pause(gate._sleep, gate.interval)
        verdict, sentence, reading = await _measure_with_data(gate, context)
        verdicts.append(verdict)
        last = sentence
        detail = f" [{reading.detail}]" if reading is not None and reading.detail else ""
        evidence.append((f"measurement {index}", f"{verdict.value}: {sentence}{detail}"))
    verdict, summary = gate._outcome(verdicts, last)
    return CheckResult(
        name=gate.name,
        kind=gate.kind,
        verdict=verdict,
        summary=summary,
        evidence=evidence,
        started_at=started,
        duration_seconds=time.monotonic() - begin,
        attempts=len(verdicts),
    )
