"""The sequencing of a post-deploy validation, written once: :class:`AsyncPostDeployValidation`
runs its checks in order against one context and returns a
:class:`~mosaic_sdk.release.ValidationReport`.

``scripts/gen_sync.py`` generates ``release/_sync/validation.py``
(:class:`AsyncPostDeployValidation`) from this file. The report, the context, the verdicts
and the argument checks live in ``mosaic_sdk.release._validation``; the I/O of the
built-in checks lives in ``release/_async/checks.py``.
"""

from __future__ import annotations

import inspect
import time

# The built-in checks' I/O: imported with the validation, not inside the event loop on
# the first check.
import mosaic_sdk.release._async.checks  # noqa: F401
from mosaic_sdk._core._concurrency import arun_blocking
from mosaic_sdk.release._validation import (
    Check,
    CheckResult,
    ValidationContext,
    ValidationReport,
    Verdict,
    _AnyTarget,
    _AsyncValidationBase,
    _utc_now,
)
from mosaic_sdk.values import ImageReference

__all__ = ["AsyncPostDeployValidation"]


class AsyncPostDeployValidation(_AsyncValidationBase):
    """Run checks against a deployed release and return a
    :class:`~mosaic_sdk.release.ValidationReport`.

    The checks run one after the other, in order. A built-in check
    (:class:`~mosaic_sdk.release.HealthCheck`, :class:`~mosaic_sdk.release.SmokeTest`,
    :class:`~mosaic_sdk.release.VersionMatch`, :class:`~mosaic_sdk.release.MetricGate`)
    sends its requests and takes its pauses through this class's own I/O
    (``release/_async/checks.py``); any other check's blocking ``run`` goes through
    ``arun_blocking`` (a worker thread where the run is awaited, a plain call otherwise).

    Cancellation, where the run is awaited: the run stops at its next ``await`` - between
    two checks, or between a built-in check's requests and pauses - and no later check
    runs. Blocking work in flight (a custom check's ``run``, a smoke ``func``, a query of
    a metrics source other than this twin's Prometheus client, a target's ``running()``)
    ends in its worker thread and its result is dropped.

    Args:
        checks: the checks, run in order.
        name: the report's title.
        stop_on_failure: skip the remaining checks after a failed one (they are reported
            as inconclusive ``skipped``); off by default so the report is complete.
        clock: the current time as an aware datetime (for tests).

    Raises:
        ConfigurationError: no checks, or an object that is not a
            :class:`~mosaic_sdk.release.Check`.

    Example:
        >>> validation = AsyncPostDeployValidation([HealthCheck("{base_url}/health")])
        ... # doctest: +SKIP
        >>> report = await validation.run(image, base_url="http://127.0.0.1:8080")
        ... # doctest: +SKIP
    """

    def with_checks(self, *checks: Check) -> AsyncPostDeployValidation:
        """A copy with ``checks`` appended (e.g. metric gates for one canary step)."""
        return AsyncPostDeployValidation(
            (*self.checks, *checks),
            name=self.name,
            stop_on_failure=self.stop_on_failure,
            clock=self._clock,
        )

    async def run(
        self,
        image: ImageReference | ValidationContext,
        *,
        version: str | None = None,
        target: _AnyTarget | None = None,
        environment: str = "",
        slot: str = "",
        base_url: str = "",
    ) -> ValidationReport:
        """Run every check against ``image`` (or a ready
        :class:`~mosaic_sdk.release.ValidationContext`).

        Raises:
            InvalidValueError: ``image`` is not pinned by digest.
        """
        context = self._context(
            image,
            version=version,
            target=target,
            environment=environment,
            slot=slot,
            base_url=base_url,
        )
        started = self._clock()
        begin = time.monotonic()
        results: list[CheckResult] = []
        stopped_by: str | None = None
        for check in self.checks:
            if stopped_by is not None:
                results.append(self._skipped(check, stopped_by))
                continue
            result = await _run_one(check, context)
            results.append(result)
            if self.stop_on_failure and result.verdict is Verdict.FAILED:
                stopped_by = check.name
        return self._report(context, results, started, begin)


async def _run_one(check: Check, context: ValidationContext) -> CheckResult:
    started = _utc_now()
    begin = time.monotonic()
    try:
        own = getattr(check, "arun", None)
        if own is not None and inspect.iscoroutinefunction(own):
            result: CheckResult = await own(context)
        else:
            result = await arun_blocking(check.run, context)
    except Exception as exc:
        return AsyncPostDeployValidation._broken(check, exc, started, begin)
    return result
