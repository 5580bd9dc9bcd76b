"""The I/O of a canary step's analysis, written once: the measurements of each gate,
``interval`` apart, until a limit decides or ``count`` is reached.

``scripts/gen_sync.py`` generates ``release/_sync/analysis.py`` from this file. What the
measurements mean (:class:`~mosaic_sdk.release.Analysis`,
:class:`~mosaic_sdk.release.BaselineGate`, the counting) lives in
``mosaic_sdk.release._analysis``.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from datetime import datetime, timezone
from typing import Any

from mosaic_sdk._core._concurrency import AsyncSleep, arun_blocking
from mosaic_sdk.errors import MosaicError
from mosaic_sdk.observability._async.prometheus import AsyncPrometheusClient
from mosaic_sdk.release._analysis import (
    Analysis,
    BaselineGate,
    Gate,
    Measurement,
    MeasurementKind,
    StepAnalysis,
    _Tally,
    step_outcome,
)
from mosaic_sdk.release._checks import FailurePolicy, MetricGate, _expand_query
from mosaic_sdk.release._validation import ValidationContext, Verdict

__all__ = ["Versions", "run_step_analysis"]

#: ``(version, short digest)`` of the stable release and of the candidate.
Versions = tuple[tuple[str, str], tuple[str, str]]


async def _query(source: Any, expr: str, at: float) -> float | None:
    if isinstance(source, AsyncPrometheusClient):
        result = await source.query(expr, at=at)
    else:
        result = await arun_blocking(source.query, expr, at=at)
    value: float | None = result.first_value()
    return value


async def _measure_baseline(gate: BaselineGate, versions: Versions) -> tuple[MeasurementKind, str]:
    (stable_version, stable_digest), (canary_version, canary_digest) = versions
    at = time.time()  # one instant: both sides over the same window
    sides: list[dict[str, float | None]] = []
    for version, digest in ((canary_version, canary_digest), (stable_version, stable_digest)):
        values: dict[str, float | None] = {}
        for key, expr in gate.queries(version, digest).items():
            values[key] = await _query(gate.source, expr, at)
        sides.append(values)
    return gate.judge(sides[0], sides[1])


async def _measure_metric(
    gate: MetricGate, context: ValidationContext
) -> tuple[MeasurementKind, str]:
    query = _expand_query(gate.query, context)
    source: Any = gate.source
    if isinstance(source, AsyncPrometheusClient):
        reading = await source.evaluate(query)
    else:
        reading = await arun_blocking(source.evaluate, query)
    verdict, sentence, _ = gate._judge(reading)
    kind = {
        Verdict.PASSED: MeasurementKind.PASSED,
        Verdict.FAILED: MeasurementKind.FAILED,
        Verdict.INCONCLUSIVE: MeasurementKind.INCONCLUSIVE,
    }[verdict]
    return kind, sentence


async def _measure(
    gate: Gate, context: ValidationContext, versions: Versions, clock: Callable[[], float]
) -> Measurement:
    try:
        if isinstance(gate, BaselineGate):
            kind, sentence = await _measure_baseline(gate, versions)
        else:
            kind, sentence = await _measure_metric(gate, context)
    except MosaicError as exc:
        return Measurement(MeasurementKind.ERROR, f"could not measure: {exc.message}", clock())
    return Measurement(kind, sentence, clock())


async def run_step_analysis(
    gates: Sequence[Gate],
    analysis: Analysis,
    context: ValidationContext,
    versions: Versions,
    *,
    on_inconclusive: FailurePolicy,
    on_failed_allowed: bool,
    sleep: AsyncSleep,
    clock: Callable[[], float] = time.monotonic,
) -> StepAnalysis:
    """Measure ``gates`` at the current weight as ``analysis`` says; see
    :class:`~mosaic_sdk.release.Analysis` for when a gate is decided."""
    started = datetime.now(timezone.utc)
    begin = clock()
    if analysis.initial_delay:
        await sleep(analysis.initial_delay)
    tallies = [_Tally(gate, analysis) for gate in gates]
    for index in range(analysis.count):
        if index and analysis.interval:
            await sleep(analysis.interval)
        for tally in tallies:
            tally.add(await _measure(tally.gate, context, versions, clock))
        if any(t.decided is not None for t in tallies):
            break
    return step_outcome(
        tallies,
        started,
        clock() - begin,
        on_inconclusive=on_inconclusive,
        on_failed_allowed=on_failed_allowed,
    )
