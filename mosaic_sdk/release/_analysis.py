"""A canary's per-step analysis, the pure parts: the knobs, the baseline comparison,
the counting of measurements, the timing of a rollback and the resumable paused state.

* :class:`Analysis` - Argo Rollouts' knobs for each canary step: ``count`` measurements
  ``interval`` seconds apart (after ``initial_delay``), ``failure_limit`` failed
  measurements tolerated per gate, ``inconclusive_limit``, ``consecutive_error_limit``
  (a query that cannot be evaluated is an *error*: it counts toward this limit and is
  never a pass), and an explicit ``on_inconclusive`` policy.
* :class:`BaselineGate` - the candidate judged against the stable release over the
  same window, selected by a version label in the PromQL (``{version="v1.4.0"}``); under
  ``min_samples`` requests on either side the verdict is *insufficient data*
  (inconclusive), never a pass.
* :class:`CanaryTiming` - when the candidate first took traffic, when the first
  measurement found it bad, and when the rollback sent it none; in
  :attr:`~mosaic_sdk.release.ReleaseResult.timing`.
* :class:`CanaryState` - the JSON file a paused canary leaves; :meth:`Canary.resume` and
  :meth:`Canary.abort` (and ``mosaic release resume|abort STATE_FILE``) read it.

The measuring itself (queries, pauses) is written once in ``release/_async/analysis.py``.
"""

from __future__ import annotations

import enum
import json
import math
import time
from collections.abc import Callable, Mapping, Sequence
from datetime import datetime, timezone
from pathlib import Path
from typing import Any, Literal

import attrs

from mosaic_sdk._core._repr import safe_repr
from mosaic_sdk._render import FieldsRepr, JSONResult, TextRepr
from mosaic_sdk.errors import ConfigurationError, InvalidValueError
from mosaic_sdk.release._checks import FailurePolicy, MetricGate, failure_policy
from mosaic_sdk.release._validation import CheckResult, Verdict

__all__ = [
    "Analysis",
    "BaselineGate",
    "CanaryState",
    "CanaryTiming",
    "MeasurementKind",
]

#: Kayenta warns when a metric has fewer data points than this.
DEFAULT_MIN_SAMPLES = 50

_STATE_FORMAT = 1


def _utc_now() -> datetime:
    return datetime.now(timezone.utc)


def _count(value: object, name: str, minimum: int = 0) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value < minimum:
        raise InvalidValueError(
            value, f"{name} must be an integer of at least {minimum}", f"use e.g. {minimum or 1}"
        )
    return value


def _seconds(value: object, name: str) -> float:
    if (
        isinstance(value, bool)
        or not isinstance(value, (int, float))
        or math.isnan(value)
        or value < 0
    ):
        raise InvalidValueError(value, f"{name} must be seconds (0 or more)", "use e.g. 30")
    return float(value)


def _to_count(value: object) -> int:
    return _count(value, "count", 1)


def _to_limit(value: object) -> int:
    return _count(value, "a limit")


def _to_seconds(value: object) -> float:
    return _seconds(value, "a duration")


def _to_policy(value: FailurePolicy | str | None) -> FailurePolicy | None:
    return None if value is None else failure_policy(value)


@attrs.frozen
class Analysis(FieldsRepr):
    """How each canary step is measured (Argo Rollouts' per-metric knobs).

    At every weight the canary waits ``initial_delay`` seconds, then takes ``count``
    measurements ``interval`` seconds apart; each measurement evaluates every gate. A
    gate is decided as soon as it has more than ``failure_limit`` failed measurements
    (*failed*) or more than ``consecutive_error_limit`` errors in a row (*error*: the
    query could not be evaluated); the step then ends at once. After ``count``
    measurements a gate with more than ``inconclusive_limit`` inconclusive measurements
    (no data, insufficient samples), or with no measurement that passed, is
    *inconclusive*; otherwise it passed. An error is never a pass.

    Attributes:
        count: measurements per step (at least 1).
        interval: seconds between measurements.
        initial_delay: seconds at the new weight before the first measurement.
        failure_limit: failed measurements tolerated per gate (Argo's ``failureLimit``).
        inconclusive_limit: inconclusive measurements tolerated per gate.
        consecutive_error_limit: errors in a row tolerated per gate (Argo's default 4).
        on_inconclusive: what an inconclusive step does: :class:`FailurePolicy`
            ``pause`` (Argo's choice), ``rollback`` or ``hold``; ``None`` (default)
            follows the canary's :class:`~mosaic_sdk.release.AutoRollback`
            (``on_inconclusive=True`` rolls back, else holds).
    """

    count: int = attrs.field(default=1, converter=_to_count)
    interval: float = attrs.field(default=0.0, converter=_to_seconds)
    initial_delay: float = attrs.field(default=0.0, converter=_to_seconds)
    failure_limit: int = attrs.field(default=0, converter=_to_limit)
    inconclusive_limit: int = attrs.field(default=0, converter=_to_limit)
    consecutive_error_limit: int = attrs.field(default=4, converter=_to_limit)
    on_inconclusive: FailurePolicy | None = attrs.field(default=None, converter=_to_policy)

    @property
    def flagger_seconds(self) -> float:
        """Flagger's rollback time for the same settings: ``interval x threshold``,
        where Flagger's ``threshold`` (failed checks before rollback) is
        ``failure_limit + 1``."""
        return self.interval * (self.failure_limit + 1)


class MeasurementKind(TextRepr, enum.Enum):
    """One measurement of one gate: passed, failed, inconclusive or error (could not
    measure)."""

    PASSED = "passed"
    FAILED = "failed"
    INCONCLUSIVE = "inconclusive"
    ERROR = "error"

    def __str__(self) -> str:
        return self.value


@attrs.frozen
class Measurement:
    """One measurement: its kind, a sentence, and when it was taken (monotonic s)."""

    kind: MeasurementKind
    sentence: str
    at: float


Signal = Literal["error_ratio", "latency"]


class BaselineGate:
    """The candidate against the stable release over the same window.

    Each measurement evaluates, at one instant, the signal and the request count of
    both releases, each selected by ``label`` (``version="<its version>"``) in the
    PromQL. Verdicts:

    * fewer than ``min_samples`` requests on either side in the window: *insufficient
      data*, inconclusive - never a pass (Kayenta warns under 50 points);
    * ``error_ratio``: failed when the candidate's error ratio exceeds the stable's by
      more than ``max_increase`` (absolute, ``0.01`` = 1 point);
    * ``latency``: failed when the candidate's quantile exceeds the stable's times
      ``max_ratio`` and by more than ``min_delta`` seconds (so two fast releases do not
      fail on noise);
    * otherwise passed.

    Args:
        source: a :class:`~mosaic_sdk.observability.PrometheusClient` (or the
            asynchronous one with :class:`~mosaic_sdk.release.AsyncCanary`).
        signal: ``"error_ratio"`` or ``"latency"``.
        window: the PromQL range both sides are measured over (``"1m"``).
        label: the label that tells the releases apart (``version``).
        value: the label's value for each side; ``{version}`` and ``{digest}`` (the
            short digest) are replaced by that side's.
        selector: further label matchers for both sides (``{"job": "web"}``).
        metric: the request counter (``http_requests_total`` with a ``code`` label).
        error_pattern: the regex of failed ``code`` values.
        histogram: the latency histogram's base name.
        quantile: the latency quantile.
        max_increase: error ratio points the candidate may add.
        max_ratio: how many times the stable's latency the candidate may take.
        min_delta: seconds of latency the candidate may add in any case.
        min_samples: requests each side needs in the window for a verdict.
        name: the gate's name in reports.
        on_failure: :class:`~mosaic_sdk.release.FailurePolicy` when this gate fails.
    """

    kind = "baseline"

    def __init__(
        self,
        source: Any,
        *,
        signal: Signal = "error_ratio",
        window: str = "1m",
        label: str = "version",
        value: str = "{version}",
        selector: Mapping[str, str] | None = None,
        metric: str = "http_requests_total",
        error_pattern: str = "5..",
        histogram: str = "http_request_duration_seconds",
        quantile: float = 0.95,
        max_increase: float = 0.01,
        max_ratio: float = 1.5,
        min_delta: float = 0.05,
        min_samples: int = DEFAULT_MIN_SAMPLES,
        name: str | None = None,
        on_failure: FailurePolicy | str = FailurePolicy.ROLLBACK,
    ) -> None:
        if signal not in ("error_ratio", "latency"):
            raise InvalidValueError(signal, "is not a baseline signal", "use 'error_ratio'")
        if not callable(getattr(source, "query", None)):
            raise ConfigurationError(
                f"{source!r} cannot evaluate PromQL; a baseline comparison needs a "
                "PrometheusClient (or AsyncPrometheusClient with AsyncCanary)"
            )
        for text, what in ((window, "window"), (label, "label"), (value, "value")):
            if not isinstance(text, str) or not text.strip() or '"' in text:
                raise InvalidValueError(text, f"is not a PromQL {what}", "use e.g. '1m'")
        if not 0 < quantile < 1:
            raise InvalidValueError(quantile, "is not a quantile", "use e.g. 0.95")
        for number, what in ((max_increase, "max_increase"), (min_delta, "min_delta")):
            _seconds(number, what)
        if isinstance(max_ratio, bool) or not isinstance(max_ratio, (int, float)) or max_ratio < 1:
            raise InvalidValueError(max_ratio, "max_ratio must be 1 or more", "use e.g. 1.5")
        self.source = source
        self.signal: Signal = signal
        self.window = window
        self.label = label
        self.value = value
        self.selector = dict(selector or {})
        self.metric = metric
        self.error_pattern = error_pattern
        self.histogram = histogram
        self.quantile = float(quantile)
        self.max_increase = float(max_increase)
        self.max_ratio = float(max_ratio)
        self.min_delta = float(min_delta)
        self.min_samples = _count(min_samples, "min_samples", 1)
        self.name = name or (
            "error ratio vs baseline"
            if signal == "error_ratio"
            else f"p{quantile * 100:g} latency vs baseline"
        )
        self.on_failure = failure_policy(on_failure)

    @classmethod
    def error_ratio(cls, source: Any, **options: Any) -> BaselineGate:
        """A baseline comparison of error ratios (``max_increase=0.01`` is 1 point)."""
        return cls(source, signal="error_ratio", **options)

    @classmethod
    def latency(cls, source: Any, **options: Any) -> BaselineGate:
        """A baseline comparison of a latency quantile (``max_ratio=1.5``)."""
        return cls(source, signal="latency", **options)

    @safe_repr
    def __repr__(self) -> str:
        return f"BaselineGate({self.name!r}, {self.signal}, window={self.window})"

    @property
    def threshold_text(self) -> str:
        """How much worse than the stable release the candidate may be, in words."""
        if self.signal == "error_ratio":
            return f"<= stable + {self.max_increase:g}"
        return f"<= stable x {self.max_ratio:g} (or + {self.min_delta:g}s)"

    def _matchers(self, version: str, digest: str, extra: str = "") -> str:
        value = self.value.replace("{version}", version).replace("{digest}", digest)
        pairs = [f'{k}="{v}"' for k, v in self.selector.items()]
        pairs.append(f'{self.label}="{value}"')
        if extra:
            pairs.append(extra)
        return "{" + ",".join(pairs) + "}"

    def queries(self, version: str, digest: str) -> dict[str, str]:
        """The PromQL for one side: ``{"value": ..., "samples": ...}`` (for the error
        ratio, ``"errors"`` and ``"samples"``, divided here so that zero errors is 0,
        not no data)."""
        w = self.window
        if self.signal == "error_ratio":
            code = f'code=~"{self.error_pattern}"'
            return {
                "errors": f"sum(increase({self.metric}{self._matchers(version, digest, code)}"
                f"[{w}])) or vector(0)",
                "samples": f"sum(increase({self.metric}{self._matchers(version, digest)}[{w}]))",
            }
        m = self._matchers(version, digest)
        return {
            "value": f"histogram_quantile({self.quantile:g}, sum by (le) "
            f"(rate({self.histogram}_bucket{m}[{w}])))",
            "samples": f"sum(increase({self.histogram}_count{m}[{w}]))",
        }

    def judge(
        self, canary: Mapping[str, float | None], stable: Mapping[str, float | None]
    ) -> tuple[MeasurementKind, str]:
        """The verdict of one measurement from both sides' answers (``None`` = no data)."""
        counts = {"candidate": canary.get("samples"), "stable": stable.get("samples")}
        short = [
            f"{side} {0 if n is None else n:.0f}"
            for side, n in counts.items()
            if n is None or math.isnan(n) or n < self.min_samples
        ]
        if short:
            return MeasurementKind.INCONCLUSIVE, (
                f"insufficient data: {', '.join(short)} requests in {self.window} "
                f"(needs {self.min_samples} each)"
            )
        if self.signal == "error_ratio":
            c = (canary.get("errors") or 0.0) / float(counts["candidate"] or 1)
            s = (stable.get("errors") or 0.0) / float(counts["stable"] or 1)
            text = f"candidate {c:.2%} vs stable {s:.2%} errors"
            if c - s > self.max_increase:
                return MeasurementKind.FAILED, f"{text}: more than {self.max_increase:.2%} worse"
            return MeasurementKind.PASSED, f"{text}, within {self.max_increase:.2%}"
        cv, sv = canary.get("value"), stable.get("value")
        if cv is None or sv is None or math.isnan(cv) or math.isnan(sv):
            return MeasurementKind.INCONCLUSIVE, "no latency quantile (no histogram data)"
        text = f"candidate p{self.quantile * 100:g} {cv * 1000:.0f} ms vs stable {sv * 1000:.0f} ms"
        if cv > sv * self.max_ratio and cv - sv > self.min_delta:
            return MeasurementKind.FAILED, f"{text}: more than {self.max_ratio:g}x slower"
        return MeasurementKind.PASSED, f"{text}, within {self.max_ratio:g}x"

    def to_spec(self) -> dict[str, Any]:
        """The gate as JSON (without its source), for a paused canary's state file."""
        return {
            "type": "baseline",
            "signal": self.signal,
            "window": self.window,
            "label": self.label,
            "value": self.value,
            "selector": self.selector,
            "metric": self.metric,
            "error_pattern": self.error_pattern,
            "histogram": self.histogram,
            "quantile": self.quantile,
            "max_increase": self.max_increase,
            "max_ratio": self.max_ratio,
            "min_delta": self.min_delta,
            "min_samples": self.min_samples,
            "name": self.name,
            "on_failure": self.on_failure.value,
        }


Gate = MetricGate | BaselineGate


class _Tally:
    """The measurements of one gate in one step, and the gate's verdict so far."""

    def __init__(self, gate: Gate, analysis: Analysis) -> None:
        self.gate = gate
        self.analysis = analysis
        self.items: list[Measurement] = []
        self.in_a_row = 0

    def add(self, measurement: Measurement) -> None:
        self.items.append(measurement)
        self.in_a_row = self.in_a_row + 1 if measurement.kind is MeasurementKind.ERROR else 0

    def count(self, kind: MeasurementKind) -> int:
        return sum(1 for m in self.items if m.kind is kind)

    @property
    def decided(self) -> MeasurementKind | None:
        """``FAILED`` or ``ERROR`` once a limit is exceeded, else ``None``."""
        if self.count(MeasurementKind.FAILED) > self.analysis.failure_limit:
            return MeasurementKind.FAILED
        if self.in_a_row > self.analysis.consecutive_error_limit:
            return MeasurementKind.ERROR
        return None

    def first_bad(self) -> float | None:
        for m in self.items:
            if m.kind in (MeasurementKind.FAILED, MeasurementKind.ERROR):
                return m.at
        return None

    def outcome(self) -> tuple[MeasurementKind, str]:
        a = self.analysis
        n = len(self.items)
        last = self.items[-1].sentence if self.items else "no measurement taken"
        counts = (
            f"{self.count(MeasurementKind.PASSED)} passed, {self.count(MeasurementKind.FAILED)} "
            f"failed, {self.count(MeasurementKind.INCONCLUSIVE)} inconclusive, "
            f"{self.count(MeasurementKind.ERROR)} error(s) of {n}"
        )
        decided = self.decided
        if decided is MeasurementKind.FAILED:
            return decided, (
                f"failed ({self.count(MeasurementKind.FAILED)}) > failure_limit "
                f"({a.failure_limit}): {last}"
            )
        if decided is MeasurementKind.ERROR:
            return decided, (
                f"error: {self.in_a_row} measurements in a row could not be taken "
                f"(consecutive_error_limit {a.consecutive_error_limit}): {last}"
            )
        if self.count(MeasurementKind.INCONCLUSIVE) > a.inconclusive_limit:
            return MeasurementKind.INCONCLUSIVE, (
                f"inconclusive ({self.count(MeasurementKind.INCONCLUSIVE)}) > "
                f"inconclusive_limit ({a.inconclusive_limit}): {last}"
            )
        if not self.count(MeasurementKind.PASSED):
            return MeasurementKind.INCONCLUSIVE, f"no measurement passed ({counts}): {last}"
        return MeasurementKind.PASSED, f"{counts}: {last}" if n > 1 else last

    def result(self, started: datetime, duration: float) -> CheckResult:
        kind, summary = self.outcome()
        verdict = {
            MeasurementKind.PASSED: Verdict.PASSED,
            MeasurementKind.INCONCLUSIVE: Verdict.INCONCLUSIVE,
        }.get(kind, Verdict.FAILED)
        evidence: list[tuple[str, str]] = [
            ("threshold", getattr(self.gate, "threshold_text", "")),
            ("on_failure", self.gate.on_failure.value),
        ]
        evidence += [
            (f"measurement {i}", f"{m.kind.value}: {m.sentence}")
            for i, m in enumerate(self.items, 1)
        ]
        return CheckResult(
            name=self.gate.name,
            kind=self.gate.kind,
            verdict=verdict,
            summary=summary,
            evidence=evidence,
            started_at=started,
            duration_seconds=duration,
            attempts=len(self.items),
        )


@attrs.frozen
class StepAnalysis:
    """What one step's analysis found: the per-gate results, the verdict, the policy to
    apply when it is not a pass, and when the first bad measurement was taken."""

    results: tuple[CheckResult, ...]
    verdict: Verdict
    policy: FailurePolicy | None
    first_bad_at: float | None


def step_outcome(
    tallies: Sequence[_Tally],
    started: datetime,
    duration: float,
    *,
    on_inconclusive: FailurePolicy,
    on_failed_allowed: bool = True,
) -> StepAnalysis:
    """Combine the gates' tallies (worst wins) and choose the most severe policy."""
    results = tuple(t.result(started, duration) for t in tallies)
    verdict = Verdict.worst(r.verdict for r in results)
    policies: list[FailurePolicy] = []
    for tally, result in zip(tallies, results, strict=True):
        if result.verdict is Verdict.FAILED:
            chosen = tally.gate.on_failure
            if chosen is FailurePolicy.ROLLBACK and not on_failed_allowed:
                chosen = FailurePolicy.HOLD
            policies.append(chosen)
        elif result.verdict is Verdict.INCONCLUSIVE:
            policies.append(on_inconclusive)
    policy = max(policies, key=lambda p: p.severity) if policies else None
    bad = [t for t in (t.first_bad() for t in tallies) if t is not None]
    return StepAnalysis(results, verdict, policy, min(bad) if bad else None)


@attrs.frozen
class CanaryTiming(FieldsRepr, JSONResult):
    """How fast a canary caught a bad candidate.

    Attributes:
        exposed_at: when the candidate first had traffic (its first possible bad
            request), UTC.
        seconds_to_detect: from then to the first measurement that found it bad.
        seconds_to_rollback: from then to the moment it had no traffic again; ``None``
            when it was not rolled back.
        flagger_seconds: Flagger's ``interval x threshold`` at the same settings.
    """

    exposed_at: datetime
    seconds_to_detect: float | None
    seconds_to_rollback: float | None
    flagger_seconds: float | None = None

    @property
    def ok(self) -> bool:
        """True when a rollback time was measured."""
        return self.seconds_to_rollback is not None

    def to_dict(self) -> dict[str, Any]:
        """JSON types only."""
        return {
            "exposed_at": self.exposed_at.isoformat(),
            "seconds_to_detect": self.seconds_to_detect,
            "seconds_to_rollback": self.seconds_to_rollback,
            "flagger_seconds": self.flagger_seconds,
        }

    def __str__(self) -> str:
        detect = "-" if self.seconds_to_detect is None else f"{self.seconds_to_detect:.1f}s"
        back = "-" if self.seconds_to_rollback is None else f"{self.seconds_to_rollback:.1f}s"
        return f"detected after {detect}, no traffic after {back}"


class _Clock:
    """Monotonic seconds with the wall time of its start, for :class:`CanaryTiming`."""

    def __init__(self, clock: Callable[[], float] = time.monotonic) -> None:
        self.now = clock
        self.exposed: float | None = None
        self.exposed_at: datetime | None = None

    def expose(self) -> None:
        if self.exposed is None:
            self.exposed = self.now()
            self.exposed_at = _utc_now()

    def timing(
        self, first_bad: float | None, rolled_back: float | None, flagger: float | None
    ) -> CanaryTiming | None:
        if self.exposed is None or self.exposed_at is None:
            return None
        return CanaryTiming(
            exposed_at=self.exposed_at,
            seconds_to_detect=None if first_bad is None else max(0.0, first_bad - self.exposed),
            seconds_to_rollback=None
            if rolled_back is None
            else max(0.0, rolled_back - self.exposed),
            flagger_seconds=flagger,
        )


CanaryStatus = Literal["paused", "resumed", "aborted"]


@attrs.frozen
class CanaryState(FieldsRepr, JSONResult):
    """A paused canary, as its state file holds it.

    Attributes:
        image: the candidate (pinned by digest).
        version: its version.
        stable: the stable release's digest.
        stable_version: its version.
        reached: the weights the candidate reached, in order.
        remaining: the weights still to go.
        reason: why it paused.
        environment: the environment released to.
        deployment: the deployment's name in the evidence.
        target: how to reach the target again (``{"kind": "haproxy", ...}``), when the
            target can say.
        gates: the gates as JSON (``to_spec()``), when each can say.
        analysis: the :class:`Analysis` knobs.
        source: the Prometheus URL the gates read, when they share one.
        status: ``paused``, then ``resumed`` or ``aborted``.
        paused_at: when it paused (UTC).
    """

    image: str
    version: str | None
    stable: str
    stable_version: str | None
    reached: tuple[int, ...]
    remaining: tuple[int, ...]
    reason: str
    environment: str = "prod"
    deployment: str = ""
    target: Mapping[str, Any] = attrs.field(factory=dict)
    gates: tuple[Mapping[str, Any], ...] = ()
    analysis: Mapping[str, Any] = attrs.field(factory=dict)
    source: str = ""
    status: CanaryStatus = "paused"
    paused_at: datetime = attrs.field(factory=_utc_now)

    @property
    def ok(self) -> bool:
        """True while the canary can still be resumed or aborted."""
        return self.status == "paused"

    @property
    def weight(self) -> int:
        """The candidate's weight while paused."""
        return self.reached[-1] if self.reached else 0

    def to_dict(self) -> dict[str, Any]:
        """The state file's JSON."""
        return {
            "format": _STATE_FORMAT,
            "kind": "mosaic-canary",
            "image": self.image,
            "version": self.version,
            "stable": self.stable,
            "stable_version": self.stable_version,
            "reached": list(self.reached),
            "remaining": list(self.remaining),
            "reason": self.reason,
            "environment": self.environment,
            "deployment": self.deployment,
            "target": dict(self.target),
            "gates": [dict(g) for g in self.gates],
            "analysis": dict(self.analysis),
            "source": self.source,
            "status": self.status,
            "paused_at": self.paused_at.isoformat(),
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any], where: str = "state") -> CanaryState:
        """Parse :meth:`to_dict`'s JSON.

        Raises:
            ConfigurationError: not a canary state file, or a field is missing.
        """
        if not isinstance(data, Mapping) or data.get("kind") != "mosaic-canary":
            raise ConfigurationError(
                f'{where} is not a paused canary\'s state file (no "kind": '
                '"mosaic-canary"); pass the file a paused release wrote'
            )
        try:
            return cls(
                image=str(data["image"]),
                version=data.get("version"),
                stable=str(data["stable"]),
                stable_version=data.get("stable_version"),
                reached=tuple(int(w) for w in data["reached"]),
                remaining=tuple(int(w) for w in data["remaining"]),
                reason=str(data.get("reason", "")),
                environment=str(data.get("environment", "prod")),
                deployment=str(data.get("deployment", "")),
                target=dict(data.get("target") or {}),
                gates=tuple(dict(g) for g in data.get("gates") or ()),
                analysis=dict(data.get("analysis") or {}),
                source=str(data.get("source", "")),
                status=data.get("status", "paused"),
                paused_at=datetime.fromisoformat(data["paused_at"]),
            )
        except (KeyError, TypeError, ValueError) as exc:
            raise ConfigurationError(
                f"{where} is a damaged canary state file ({exc!r}); abort the canary by hand "
                "(send all traffic to the stable release)"
            ) from None

    @classmethod
    def load(cls, path: str | Path) -> CanaryState:
        """Read a state file.

        Raises:
            ConfigurationError: missing, unreadable or not a canary state file.
        """
        where = str(path)
        try:
            data = json.loads(Path(path).read_text(encoding="utf-8"))
        except FileNotFoundError:
            raise ConfigurationError(
                f"no canary state file at {where!r}; pass the path the paused release printed"
            ) from None
        except (OSError, ValueError) as exc:
            raise ConfigurationError(f"{where!r} is not readable JSON ({exc})") from None
        return cls.from_dict(data, repr(where))

    def save(self, path: str | Path) -> Path:
        """Write the state file atomically, under its directory's lock."""
        from mosaic_sdk._files import atomic_write_text, directory_lock

        target = Path(path)
        target.parent.mkdir(parents=True, exist_ok=True)
        with directory_lock(target):
            atomic_write_text(target, json.dumps(self.to_dict(), indent=2) + "\n")
        return target

    def require_paused(self, path: str | Path, verb: str) -> None:
        """Refuse to resume or abort a canary that is not paused any more.

        Raises:
            ConfigurationError: it was resumed or aborted already.
        """
        if self.status != "paused":
            raise ConfigurationError(
                f"the canary in {str(path)!r} was {self.status} already; it cannot be {verb}"
            )


def analysis_spec(analysis: Analysis) -> dict[str, Any]:
    """The analysis knobs as JSON."""
    return {
        "count": analysis.count,
        "interval": analysis.interval,
        "initial_delay": analysis.initial_delay,
        "failure_limit": analysis.failure_limit,
        "inconclusive_limit": analysis.inconclusive_limit,
        "consecutive_error_limit": analysis.consecutive_error_limit,
        "on_inconclusive": None
        if analysis.on_inconclusive is None
        else analysis.on_inconclusive.value,
    }


def gate_spec(gate: Gate) -> dict[str, Any] | None:
    """A gate as JSON, or ``None`` when it cannot be rebuilt from JSON."""
    if isinstance(gate, BaselineGate):
        return gate.to_spec()
    from mosaic_sdk.observability._promql import PromQL

    query = gate.query
    if not isinstance(query, PromQL) and not hasattr(query, "promql"):
        return None
    return {
        "type": "metric",
        "promql": query.promql,
        "direction": gate.direction,
        "threshold": gate.threshold,
        "name": gate.name,
        "on_no_data": gate.on_no_data.value,
        "on_failure": gate.on_failure.value,
    }


def gates_from_spec(specs: Sequence[Mapping[str, Any]], source: Any) -> tuple[Gate, ...]:
    """Rebuild gates from :func:`gate_spec` JSON, reading ``source``.

    Raises:
        ConfigurationError: a spec of an unknown type.
    """
    gates: list[Gate] = []
    for spec in specs:
        options = {k: v for k, v in spec.items() if k != "type"}
        if spec.get("type") == "baseline":
            gates.append(BaselineGate(source, **options))
        elif spec.get("type") == "metric":
            bound = {options.pop("direction"): options.pop("threshold")}
            gates.append(MetricGate(options.pop("promql"), source=source, **options, **bound))
        else:
            raise ConfigurationError(f"unknown gate in the state file: {dict(spec)!r}")
    return tuple(gates)
