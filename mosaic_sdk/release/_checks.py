"""The built-in post-deploy checks: health, smoke, version match and metric gates.

Each check is a plain object with ``name``, ``kind`` and ``run(context) ->
CheckResult`` (the :class:`~mosaic_sdk.release.Check` shape), so a team can add its own
next to these. URLs and queries may contain ``{base_url}``, ``{slot}``, ``{environment}``
and ``{version}``, expanded from the :class:`~mosaic_sdk.release.ValidationContext`.

HTTP goes through :mod:`mosaic_sdk._http` with retries switched off: the checks have their
own deadline loops, and a status the service answered is evidence, not an error.

The classes here are configuration and the judging of answers; the I/O is written once in
``release/_async/checks.py`` (``await check.arun(context)``, what
:class:`~mosaic_sdk.release.AsyncPostDeployValidation` calls) and generated into
``release/_sync/checks.py`` (``check.run(context)``).
"""

from __future__ import annotations

import enum
import math
import time
from collections.abc import Callable, Collection, Mapping, Sequence
from datetime import datetime, timezone
from typing import Any, Literal

import attrs

from mosaic_sdk._core._redact import redact_text, sanitize_url
from mosaic_sdk._core._repr import safe_repr
from mosaic_sdk._http import HTTPResponse, Transport
from mosaic_sdk._render import FieldsRepr, TextRepr
from mosaic_sdk.errors import ConfigurationError, InvalidValueError, MosaicError
from mosaic_sdk.observability._promql import (
    ErrorRatio,
    LatencyQuantile,
    MetricQuery,
    MetricReading,
    MetricsSource,
    PromQL,
)
from mosaic_sdk.release._validation import CheckResult, ValidationContext, Verdict
from mosaic_sdk.values import Digest

__all__ = [
    "FailurePolicy",
    "HealthCheck",
    "MetricGate",
    "NoDataPolicy",
    "SmokeStep",
    "SmokeTest",
    "VersionMatch",
]

_ANY_STATUS = range(100, 600)
_BODY_EXCERPT = 200


def _utc_now() -> datetime:
    return datetime.now(timezone.utc)


def _positive(value: object, name: str, example: str) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float)) or value < 0:
        raise InvalidValueError(value, f"{name} must be a non-negative number of seconds", example)
    return float(value)


def _statuses(value: int | Collection[int]) -> frozenset[int]:
    codes = frozenset((value,)) if isinstance(value, int) else frozenset(value)
    if not codes or not all(isinstance(c, int) and 100 <= c <= 599 for c in codes):
        raise InvalidValueError(
            value, "is not an HTTP status or a set of them", "pass e.g. 200 or {200, 204}"
        )
    return codes


def _excerpt(response: HTTPResponse) -> str:
    return redact_text(response.text[:_BODY_EXCERPT])


class HealthCheck:
    """Poll a health endpoint until it answers as expected or a deadline passes.

    Args:
        url: the endpoint, e.g. ``"{base_url}/health"``.
        expect_status: the status (or statuses) that mean healthy.
        body_contains: text the body must contain, if any.
        body_predicate: a function of the body text that must return true, if any.
        deadline: seconds to keep trying (a fresh deployment may need a moment).
        interval: seconds between attempts.
        timeout: seconds per request.
        name: the name in reports; defaults to ``"health <url>"``.
        verify: TLS verification (on by default).
        transport: an httpx transport, for tests (a blocking one for
            :class:`~mosaic_sdk.release.PostDeployValidation`, an asynchronous one for
            :class:`~mosaic_sdk.release.AsyncPostDeployValidation`).
        sleep: the sleep function (tests inject one).
        clock: monotonic seconds for the deadline (tests inject one).
    """

    kind = "health"

    def __init__(
        self,
        url: str,
        *,
        expect_status: int | Collection[int] = 200,
        body_contains: str | None = None,
        body_predicate: Callable[[str], bool] | None = None,
        deadline: float = 30.0,
        interval: float = 1.0,
        timeout: float = 5.0,
        name: str | None = None,
        verify: bool | str = True,
        transport: Transport | None = None,
        sleep: Callable[[float], None] = time.sleep,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        if not isinstance(url, str) or not url:
            raise InvalidValueError(url, "is not a URL", "pass e.g. '{base_url}/health'")
        self.url = url
        self.expect_status = _statuses(expect_status)
        self.body_contains = body_contains
        self.body_predicate = body_predicate
        self.deadline = _positive(deadline, "deadline", "use e.g. 30")
        self.interval = _positive(interval, "interval", "use e.g. 1")
        self.timeout = _positive(timeout, "timeout", "use e.g. 5")
        self.name = name or f"health {sanitize_url(url.replace('{base_url}', '') or url)}"
        self._verify = verify
        self._transport: Transport | None = transport
        self._sleep = sleep
        self._clock = clock

    @safe_repr
    def __repr__(self) -> str:
        return f"HealthCheck({sanitize_url(self.url)!r})"

    def _judge(self, response: HTTPResponse) -> str | None:
        if response.status_code not in self.expect_status:
            wanted = ", ".join(map(str, sorted(self.expect_status)))
            return f"status {response.status_code}, expected {wanted}"
        if self.body_contains is not None and self.body_contains not in response.text:
            return f"body does not contain {self.body_contains!r}"
        if self.body_predicate is not None and not self.body_predicate(response.text):
            return "body predicate returned false"
        return None

    def run(self, context: ValidationContext) -> CheckResult:
        """Poll until healthy (passed) or the deadline passes (failed)."""
        from mosaic_sdk.release._sync.checks import run_health

        return run_health(self, context)

    async def arun(self, context: ValidationContext) -> CheckResult:
        """:meth:`run` for event loops: awaits each request and each pause."""
        from mosaic_sdk.release._async.checks import run_health

        return await run_health(self, context)


@attrs.frozen
class SmokeStep(FieldsRepr):
    """One request of a :class:`SmokeTest`.

    Attributes:
        path_or_url: an absolute URL, or a path joined to the context's ``base_url``.
        method: the HTTP method.
        expect_status: the status (or statuses) that pass.
        body_contains: text the body must contain, if any.
        json: a JSON body to send, if any.
        headers: extra headers (never shown in reports).
    """

    path_or_url: str
    method: str = "GET"
    expect_status: frozenset[int] = attrs.field(default=frozenset({200}), converter=_statuses)
    body_contains: str | None = None
    json: Any = None
    headers: Mapping[str, str] = attrs.field(factory=dict, repr=False)

    def url(self, context: ValidationContext) -> str:
        """The absolute URL for ``context``."""
        target = context.expand(self.path_or_url)
        if target.startswith(("http://", "https://")):
            return target
        if not context.base_url:
            raise ConfigurationError(
                f"smoke step {self.path_or_url!r} is a path but the validation has no base_url; "
                "pass base_url= to run() or use an absolute URL"
            )
        return f"{context.base_url.rstrip('/')}/{target.lstrip('/')}"


SmokeFunction = Callable[[ValidationContext], object]


class SmokeTest:
    """A named functional test: a sequence of HTTP requests, or a callable.

    With ``steps``, each request runs in order and the test stops at the first one that
    does not answer as expected. With ``func``, the function gets the
    :class:`~mosaic_sdk.release.ValidationContext`: returning ``False`` or raising fails the
    test; anything else passes (a returned string is kept as evidence).

    Args:
        name: the test's name in reports.
        steps: :class:`SmokeStep` requests, or plain paths (``"/api/orders"``: GET, 200).
        func: a callable instead of steps.
        timeout: seconds per request.
        verify: TLS verification (on by default).
        transport: an httpx transport, for tests (a blocking one for
            :class:`~mosaic_sdk.release.PostDeployValidation`, an asynchronous one for
            :class:`~mosaic_sdk.release.AsyncPostDeployValidation`).

    Raises:
        ConfigurationError: neither or both of ``steps`` and ``func``.
    """

    kind = "smoke"

    def __init__(
        self,
        name: str,
        *,
        steps: Sequence[SmokeStep | str] = (),
        func: SmokeFunction | None = None,
        timeout: float = 10.0,
        verify: bool | str = True,
        transport: Transport | None = None,
    ) -> None:
        if not isinstance(name, str) or not name.strip():
            raise InvalidValueError(name, "a smoke test needs a name", "pass e.g. 'checkout flow'")
        if bool(steps) == (func is not None):
            raise ConfigurationError(
                f"SmokeTest {name!r} needs exactly one of steps=[SmokeStep(...)] or "
                "func=callable(context)"
            )
        self.name = name
        self.steps = tuple(s if isinstance(s, SmokeStep) else SmokeStep(s) for s in steps)
        self.func = func
        self.timeout = _positive(timeout, "timeout", "use e.g. 10")
        self._verify = verify
        self._transport: Transport | None = transport

    @safe_repr
    def __repr__(self) -> str:
        return f"SmokeTest({self.name!r})"

    def run(self, context: ValidationContext) -> CheckResult:
        """Run the steps (or the callable) and judge them."""
        from mosaic_sdk.release._sync.checks import run_smoke

        return run_smoke(self, context)

    async def arun(self, context: ValidationContext) -> CheckResult:
        """:meth:`run` for event loops: awaits each request; a ``func`` runs in a worker
        thread."""
        from mosaic_sdk.release._async.checks import run_smoke

        return await run_smoke(self, context)

    def _judge_func(
        self,
        label: str,
        outcome: object,
        error: Exception | None,
        started: datetime,
        begin: float,
    ) -> CheckResult:
        if error is not None:
            return self._result(
                Verdict.FAILED,
                f"{label} raised {type(error).__name__}: {error}",
                [("callable", label), ("error", f"{type(error).__name__}: {error}")],
                started,
                begin,
                1,
            )
        if outcome is False:
            return self._result(
                Verdict.FAILED, f"{label} returned False", [("callable", label)], started, begin, 1
            )
        evidence = [("callable", label)]
        if isinstance(outcome, str):
            evidence.append(("result", outcome))
        return self._result(Verdict.PASSED, f"{label} passed", evidence, started, begin, 1)

    @staticmethod
    def _judge_step(step: SmokeStep, response: HTTPResponse) -> str | None:
        if response.status_code not in step.expect_status:
            wanted = ", ".join(map(str, sorted(step.expect_status)))
            return f"answered {response.status_code}, expected {wanted}"
        if step.body_contains is not None and step.body_contains not in response.text:
            return f"body does not contain {step.body_contains!r}"
        return None

    def _result(
        self,
        verdict: Verdict,
        summary: str,
        evidence: Sequence[tuple[str, str]],
        started: datetime,
        begin: float,
        attempts: int,
    ) -> CheckResult:
        return CheckResult(
            name=self.name,
            kind=self.kind,
            verdict=verdict,
            summary=summary,
            evidence=tuple(evidence),
            started_at=started,
            duration_seconds=time.monotonic() - begin,
            attempts=attempts,
        )


class VersionMatch:
    """Check that what runs is exactly the promoted candidate: same digest, same version.

    Two sources, each optional, both compared when available:

    * the target: ``context.target.running()`` (the digest pinned or running there);
    * a version endpoint (``url``) answering JSON such as
      ``{"digest": "sha256:...", "version": "1.4.0-rc.1"}``.

    A source that answers with a different digest or version fails the check. When no
    source can tell the digest (a target that does not know it, no endpoint), the check
    is inconclusive, never passed.

    Args:
        url: the version endpoint, e.g. ``"{base_url}/version"``; ``None`` to skip.
        from_target: also read ``context.target.running()``.
        digest_key: the JSON field holding the digest.
        version_key: the JSON field holding the version.
        deadline: seconds to keep re-reading while the answer still differs (a rollout
            in progress); 0 reads once.
        interval: seconds between reads.
        timeout: seconds per request.
        verify: TLS verification (on by default).
        transport: an httpx transport, for tests (a blocking one for
            :class:`~mosaic_sdk.release.PostDeployValidation`, an asynchronous one for
            :class:`~mosaic_sdk.release.AsyncPostDeployValidation`).
        sleep: the sleep function.
        clock: monotonic seconds for the deadline.

    Raises:
        ConfigurationError: no ``url`` and ``from_target=False`` (nothing to compare).
    """

    kind = "version"

    def __init__(
        self,
        url: str | None = None,
        *,
        from_target: bool = True,
        digest_key: str = "digest",
        version_key: str = "version",
        deadline: float = 0.0,
        interval: float = 1.0,
        timeout: float = 5.0,
        name: str = "version match",
        verify: bool | str = True,
        transport: Transport | None = None,
        sleep: Callable[[float], None] = time.sleep,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        if url is None and not from_target:
            raise ConfigurationError(
                "VersionMatch has nothing to compare: pass url='{base_url}/version' or keep "
                "from_target=True"
            )
        self.url = url
        self.from_target = from_target
        self.digest_key = digest_key
        self.version_key = version_key
        self.deadline = _positive(deadline, "deadline", "use e.g. 10")
        self.interval = _positive(interval, "interval", "use e.g. 1")
        self.timeout = _positive(timeout, "timeout", "use e.g. 5")
        self.name = name
        self._verify = verify
        self._transport: Transport | None = transport
        self._sleep = sleep
        self._clock = clock

    @safe_repr
    def __repr__(self) -> str:
        shown = None if self.url is None else sanitize_url(self.url)
        return f"VersionMatch(url={shown!r}, from_target={self.from_target})"

    def run(self, context: ValidationContext) -> CheckResult:
        """Read the sources and compare them with the candidate."""
        from mosaic_sdk.release._sync.checks import run_version_match

        return run_version_match(self, context)

    async def arun(self, context: ValidationContext) -> CheckResult:
        """:meth:`run` for event loops: awaits the endpoint; the target's ``running()``
        runs in a worker thread."""
        from mosaic_sdk.release._async.checks import run_version_match

        return await run_version_match(self, context)

    @staticmethod
    def _judge(
        where: str,
        digest: Digest | None,
        version: str | None,
        context: ValidationContext,
        mismatches: list[str],
        confirmed: list[str],
        unknown: list[str],
    ) -> None:
        expected = context.image.digest
        if digest is None:
            unknown.append(f"{where} does not report a digest")
        elif digest != expected:
            mismatches.append(f"{where} runs {digest}, not the candidate {expected}")
            return
        else:
            confirmed.append(where)
        if context.version and version is not None and version != context.version:
            mismatches.append(f"{where} reports version {version!r}, expected {context.version!r}")

    def _parse_endpoint(
        self, response: HTTPResponse
    ) -> tuple[Digest | None, str | None, str | None]:
        if response.status_code != 200:
            return None, None, f"answered {response.status_code}"
        try:
            body = response.json()
        except MosaicError:
            return None, None, f"not JSON: {_excerpt(response)!r}"
        if not isinstance(body, Mapping):
            return None, None, f"not a JSON object: {_excerpt(response)!r}"
        raw_digest = body.get(self.digest_key)
        raw_version = body.get(self.version_key)
        digest: Digest | None = None
        if raw_digest is not None:
            try:
                digest = Digest.parse(str(raw_digest))
            except InvalidValueError:
                return None, None, f"{self.digest_key!r} is {raw_digest!r}, not a digest"
        return digest, None if raw_version is None else str(raw_version), None


class NoDataPolicy(TextRepr, enum.Enum):
    """What a :class:`MetricGate` concludes when its query has no data.

    ``FAIL``: no data fails the gate (the safe choice for gates that must see traffic).
    ``INCONCLUSIVE``: no data makes the gate inconclusive: a human decides.
    ``PASS``: no data passes, **and the result says so** (for gates on rare errors that
    legitimately have no series). Never chosen implicitly.
    """

    FAIL = "fail"
    INCONCLUSIVE = "inconclusive"
    PASS = "pass"  # noqa: S105 - a policy name, not a password


class FailurePolicy(TextRepr, enum.Enum):
    """What a canary does when one of its gates fails (or, as an analysis's
    ``on_inconclusive``, when the step's analysis is inconclusive).

    ``ROLLBACK`` (the default): all traffic back to the stable release, the candidate
    rolled back. ``PAUSE``: keep the current weight, write a resumable state file and
    return a ``paused`` result; a human resumes (:meth:`Canary.resume`,
    ``mosaic release resume``) or aborts (:meth:`Canary.abort`, ``mosaic release
    abort``). ``HOLD``: keep the current weight and return a ``held`` result (nothing to
    resume: the next release decides).
    """

    ROLLBACK = "rollback"
    PAUSE = "pause"
    HOLD = "hold"

    @property
    def severity(self) -> int:
        """Rollback 2, pause 1, hold 0: several gates failing apply the most severe."""
        return {"rollback": 2, "pause": 1, "hold": 0}[self.value]


def failure_policy(value: FailurePolicy | str) -> FailurePolicy:
    """``value`` as a :class:`FailurePolicy`.

    Raises:
        InvalidValueError: not a policy name.
    """
    try:
        return FailurePolicy(value)
    except ValueError:
        raise InvalidValueError(
            value, "is not a failure policy", "use 'rollback', 'pause' or 'hold'"
        ) from None


def _policy(value: NoDataPolicy | str) -> NoDataPolicy:
    try:
        return NoDataPolicy(value)
    except ValueError:
        raise InvalidValueError(
            value, "is not a no-data policy", "use NoDataPolicy.FAIL, .INCONCLUSIVE or .PASS"
        ) from None


def _expand_query(query: MetricQuery, context: ValidationContext) -> MetricQuery:
    if isinstance(query, PromQL):
        return attrs.evolve(query, expr=context.expand(query.expr))
    if isinstance(query, (ErrorRatio, LatencyQuantile)):
        return attrs.evolve(
            query, selector=tuple((k, context.expand(v)) for k, v in query.selector)
        )
    return query


class MetricGate:
    """A threshold on a metric, e.g. error ratio <= 1 %, p95 latency <= 300 ms.

    Each measurement evaluates the query on the ``source``
    (:class:`~mosaic_sdk.observability.PrometheusClient` or
    :class:`~mosaic_sdk.observability.ScrapeMetricsSource`); every returned series must
    satisfy the threshold. A measurement with no data follows ``on_no_data``, which has
    no default: a gate never passes silently for lack of traffic. Errors while measuring
    (Prometheus down, a bad query) count as failed measurements.

    The gate fails when more than ``failure_limit`` measurements failed; otherwise it is
    inconclusive when a measurement was, else passed.

    Args:
        query: a :class:`~mosaic_sdk.observability.MetricQuery` or a PromQL string.
        source: where to evaluate it.
        on_no_data: :class:`NoDataPolicy` (or ``"fail"``/``"inconclusive"``/``"pass"``).
        max: the largest acceptable value (exactly one of ``max`` and ``min``).
        min: the smallest acceptable value.
        name: the name in reports; defaults to the query's description.
        measurements: how many measurements to take.
        interval: seconds between measurements.
        initial_delay: seconds to wait before the first (let data accumulate).
        data_deadline: when a measurement finds no data, keep measuring (every
            ``data_retry`` seconds) for up to this many seconds before ``on_no_data``
            applies - a fresh deployment's series appear only after a scrape or two.
        data_retry: seconds between those re-measurements.
        failure_limit: failed measurements tolerated.
        on_failure: what a :class:`~mosaic_sdk.release.Canary` does when this gate
            fails: :class:`FailurePolicy` ``rollback`` (default), ``pause`` or ``hold``.
        sleep: the sleep function.

    Raises:
        ConfigurationError: both or neither of ``max``/``min``.
        InvalidValueError: a bad policy, count or threshold.
    """

    kind = "metric"

    def __init__(
        self,
        query: MetricQuery | str,
        *,
        source: MetricsSource,
        on_no_data: NoDataPolicy | str,
        max: float | None = None,
        min: float | None = None,
        name: str | None = None,
        measurements: int = 1,
        interval: float = 0.0,
        initial_delay: float = 0.0,
        data_deadline: float = 0.0,
        data_retry: float = 1.0,
        failure_limit: int = 0,
        on_failure: FailurePolicy | str = FailurePolicy.ROLLBACK,
        sleep: Callable[[float], None] = time.sleep,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.on_failure = failure_policy(on_failure)
        self.query: MetricQuery = PromQL(query) if isinstance(query, str) else query
        if not isinstance(self.query, MetricQuery):
            raise InvalidValueError(
                query,
                "is not a metric query",
                "pass ErrorRatio(...), LatencyQuantile(...) or PromQL",
            )
        if not isinstance(source, MetricsSource):
            raise ConfigurationError(
                f"{source!r} is not a metrics source (it needs .evaluate(query)); pass a "
                "PrometheusClient or a ScrapeMetricsSource"
            )
        if (max is None) == (min is None):
            raise ConfigurationError(
                f"MetricGate {name or self.query.describe()!r} needs exactly one threshold: "
                "max= (value must stay at or below) or min= (value must stay at or above)"
            )
        threshold = max if max is not None else min
        if (
            isinstance(threshold, bool)
            or not isinstance(threshold, (int, float))
            or math.isnan(threshold)
        ):
            raise InvalidValueError(threshold, "is not a threshold", "pass a number, e.g. max=0.01")
        for count, label in ((measurements, "measurements"), (failure_limit, "failure_limit")):
            if isinstance(count, bool) or not isinstance(count, int) or count < 0:
                raise InvalidValueError(
                    count, f"{label} must be a non-negative integer", "use e.g. 1"
                )
        if measurements < 1:
            raise InvalidValueError(measurements, "a gate needs at least one measurement", "use 1")
        self.source = source
        self.on_no_data = _policy(on_no_data)
        self.threshold = float(threshold)
        self.direction: Literal["max", "min"] = "max" if max is not None else "min"
        self.name = name or self.query.describe()
        self.measurements = measurements
        self.interval = _positive(interval, "interval", "use e.g. 5")
        self.initial_delay = _positive(initial_delay, "initial_delay", "use e.g. 10")
        self.data_deadline = _positive(data_deadline, "data_deadline", "use e.g. 15")
        self.data_retry = _positive(data_retry, "data_retry", "use e.g. 1") or 1.0
        self._clock = clock
        self.failure_limit = failure_limit
        self._sleep = sleep

    @classmethod
    def error_ratio(
        cls,
        source: MetricsSource,
        *,
        max_ratio: float,
        on_no_data: NoDataPolicy | str,
        window: str = "5m",
        selector: Mapping[str, str] | None = None,
        metric: str = "http_requests_total",
        error_pattern: str = "5..",
        **options: Any,
    ) -> MetricGate:
        """Gate on the failed fraction of requests (``max_ratio=0.01`` is 1 %)."""
        query = ErrorRatio(
            window=window, metric=metric, error_pattern=error_pattern, selector=selector
        )
        return cls(query, source=source, on_no_data=on_no_data, max=max_ratio, **options)

    @classmethod
    def latency(
        cls,
        source: MetricsSource,
        *,
        max_seconds: float,
        on_no_data: NoDataPolicy | str,
        quantile: float = 0.95,
        window: str = "5m",
        selector: Mapping[str, str] | None = None,
        histogram: str = "http_request_duration_seconds",
        **options: Any,
    ) -> MetricGate:
        """Gate on a latency quantile from a histogram (``quantile=0.95, max_seconds=0.3``)."""
        query = LatencyQuantile(
            quantile=quantile, window=window, histogram=histogram, selector=selector
        )
        return cls(query, source=source, on_no_data=on_no_data, max=max_seconds, **options)

    @safe_repr
    def __repr__(self) -> str:
        return f"MetricGate({self.name!r}, {self.direction}={self.threshold:g})"

    @property
    def threshold_text(self) -> str:
        """``"<= 0.01"`` or ``">= 0.99"``."""
        return f"{'<=' if self.direction == 'max' else '>='} {self.threshold:g}"

    def _ok(self, value: float) -> bool:
        return value <= self.threshold if self.direction == "max" else value >= self.threshold

    def measure(
        self, context: ValidationContext | None = None
    ) -> tuple[Verdict, str, MetricReading | None]:
        """Take one measurement: its verdict, a sentence, and the reading."""
        query = _expand_query(self.query, context) if context is not None else self.query
        try:
            reading = self.source.evaluate(query)
        except MosaicError as exc:
            return Verdict.FAILED, f"could not measure: {exc.message}", None
        return self._judge(reading)

    def _judge(self, reading: MetricReading) -> tuple[Verdict, str, MetricReading | None]:
        if not reading.has_data:
            policy = self.on_no_data
            verdict = {
                NoDataPolicy.FAIL: Verdict.FAILED,
                NoDataPolicy.INCONCLUSIVE: Verdict.INCONCLUSIVE,
                NoDataPolicy.PASS: Verdict.PASSED,
            }[policy]
            return verdict, f"no data ({reading.detail}); on_no_data={policy.value}", reading
        values = reading.values()
        bad = [v for v in values if not self._ok(v)]
        shown = ", ".join(f"{v:.4g}" for v in values[:5])
        if bad:
            return Verdict.FAILED, f"{shown} violates {self.threshold_text}", reading
        return Verdict.PASSED, f"{shown} within {self.threshold_text}", reading

    def run(self, context: ValidationContext) -> CheckResult:
        """Take the measurements and judge them."""
        from mosaic_sdk.release._sync.checks import run_metric_gate

        return run_metric_gate(self, context)

    async def arun(self, context: ValidationContext) -> CheckResult:
        """:meth:`run` for event loops: awaits each pause, and each query on an
        :class:`~mosaic_sdk.observability.AsyncPrometheusClient`; any other source's
        ``evaluate`` runs in a worker thread."""
        from mosaic_sdk.release._async.checks import run_metric_gate

        return await run_metric_gate(self, context)

    def _evidence(self, query: MetricQuery) -> list[tuple[str, str]]:
        return [
            ("query", query.promql),
            ("source", self.source.source_name),
            ("threshold", self.threshold_text),
            ("on_no_data", self.on_no_data.value),
        ]

    def _outcome(self, verdicts: Sequence[Verdict], last: str) -> tuple[Verdict, str]:
        failed = verdicts.count(Verdict.FAILED)
        if failed > self.failure_limit:
            summary = (
                last
                if len(verdicts) == 1
                else f"{failed} of {len(verdicts)} measurements failed "
                f"(limit {self.failure_limit}): {last}"
            )
            return Verdict.FAILED, summary
        if Verdict.INCONCLUSIVE in verdicts:
            return Verdict.INCONCLUSIVE, f"inconclusive: {last}"
        if failed:
            summary = (
                f"{failed} of {len(verdicts)} measurement(s) failed, within the limit of "
                f"{self.failure_limit}: {last}"
            )
        elif len(verdicts) == 1:
            summary = last
        else:
            summary = f"{len(verdicts)} measurements passed: {last}"
        return Verdict.PASSED, summary
