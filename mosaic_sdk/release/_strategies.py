"""Release strategies and the :func:`release` orchestration: the pure parts.

:func:`release` (and :func:`arelease`) deploys one digest-pinned candidate with a
strategy, validates it, and returns a :class:`ReleaseResult`: the outcome, every step
taken, the validation reports, the pointer moves, the rollback (if any) and the evidence
files written.

* :class:`BlueGreen` (the default; :class:`AsyncBlueGreen`) - deploy the candidate to the
  **idle** slot (registry pointer ``blue``/``green`` and that slot's target), validate it
  there, then move the ``prod`` pointer to the slot. The previous slot keeps its release,
  so switching back is instant. A failed validation **never switches**: prod keeps
  serving the old slot, and the idle slot is rolled back to what it ran before. An
  optional post-switch validation switches back automatically when it fails.
* :class:`Canary` (:class:`AsyncCanary`) - for targets that can split traffic (the
  :class:`~mosaic_sdk.providers.TrafficSplitter` protocol): step the candidate's share
  of traffic through ``steps`` (e.g. 10 %, 25 %, 50 %, 100 %), evaluate metric gates at
  each step, and roll back automatically when a gate fails. It refuses to exist without
  metric gates and an auto-rollback trigger, and refuses a target that cannot split
  traffic.

Outcomes (:class:`ReleaseOutcome`): ``released``; ``rejected`` (validation failed and
there was nothing to restore; prod untouched); ``rolled_back`` (validation failed and
the previous release was restored and verified); ``held`` (validation inconclusive:
nothing switched, a human decides).

This module holds what both twins share: the values (:class:`ReleaseStep`,
:class:`ReleaseResult`, :class:`ReleaseOutcome`, :class:`AutoRollback`), the step
recorder and the argument checks. The I/O is written once in
``release/_async/strategies.py``; ``scripts/gen_sync.py`` generates
``release/_sync/strategies.py`` (:class:`BlueGreen`, :class:`Canary`, :func:`release`).
"""

from __future__ import annotations

import enum
import html
import logging
from collections.abc import Callable, Mapping, Sequence
from datetime import datetime, timezone
from pathlib import Path
from typing import Any, Literal

import attrs

from mosaic_sdk._core._concurrency import StopAtBoundary
from mosaic_sdk._core._repr import safe_repr
from mosaic_sdk._render import FieldsRepr, JSONResult, TextRepr, fields_dict, md_escape
from mosaic_sdk.errors import ConfigurationError, InvalidValueError, ValidationFailedError
from mosaic_sdk.providers._protocol import Deployment, pinned_digest
from mosaic_sdk.release._analysis import Analysis, BaselineGate, CanaryTiming
from mosaic_sdk.release._checks import FailurePolicy, MetricGate
from mosaic_sdk.release._evidence import EvidenceFiles
from mosaic_sdk.release._promotion import PromotionRecord
from mosaic_sdk.release._rollback import RollbackResult
from mosaic_sdk.release._validation import Check, ValidationReport, Verdict
from mosaic_sdk.values import SLOT_TAGS, Digest, ImageReference

__all__ = [
    "AutoRollback",
    "ReleaseOutcome",
    "ReleaseResult",
    "ReleaseStep",
]

logger = logging.getLogger("mosaic_sdk.release")


def _utc_now() -> datetime:
    return datetime.now(timezone.utc)


def _short(digest: Digest | None) -> str:
    return "(none)" if digest is None else f"{digest.algorithm}:{digest.short}"


def _moved(record: PromotionRecord) -> str:
    """``team/web:prod -> sha256:ab12cd34ef56 (was sha256:...)`` with short digests."""
    where = f"{record.repository}:{record.tag}"
    if record.noop:
        return f"{where} already at {_short(record.digest_after)}"
    return f"{where} -> {_short(record.digest_after)} (was {_short(record.digest_before)})"


def _deployed(deployment: Deployment) -> str:
    return f"deployment {deployment.id} {deployment.status.value} on {deployment.target}"


class ReleaseOutcome(TextRepr, enum.Enum):
    """How a release ended."""

    RELEASED = "released"
    REJECTED = "rejected"
    ROLLED_BACK = "rolled_back"
    HELD = "held"
    #: validation failed and the rollback could not restore the previous release: the
    #: result's steps and evidence say how far it got; a human must act.
    FAILED = "failed"
    #: a canary gate with the ``pause`` policy failed (or its analysis was inconclusive
    #: under ``on_inconclusive="pause"``): the candidate keeps its weight and the
    #: result's ``state_file`` can be resumed or aborted (``Canary.resume``/``abort``,
    #: ``mosaic release resume|abort``).
    PAUSED = "paused"


StepStatus = Literal["done", "failed", "skipped"]


@attrs.frozen
class ReleaseStep(FieldsRepr, JSONResult):
    """One step of a release.

    Attributes:
        name: what the step does (``"deploy to idle slot green"``).
        status: ``done``, ``failed`` or ``skipped``.
        detail: what happened, in words.
        at: when it finished (UTC).
    """

    name: str
    status: StepStatus
    detail: str = ""
    at: datetime = attrs.field(factory=_utc_now)

    @property
    def symbol(self) -> str:
        """``✔``, ``✘`` or ``-``."""
        return {"done": "✔", "failed": "✘", "skipped": "-"}[self.status]

    @property
    def ok(self) -> bool:
        """True unless the step failed."""
        return self.status != "failed"

    def __str__(self) -> str:
        return f"{self.symbol} {self.name}" + (f": {self.detail}" if self.detail else "")


class _RequestMethods:
    """What both twins' release requests answer (the fields are the twins' own)."""

    image: ImageReference
    version: str | None
    base_url: str | Mapping[str, str]
    next_step: str

    @property
    def digest(self) -> Digest:
        """The candidate's digest."""
        return pinned_digest(self.image)

    @property
    def label(self) -> str:
        """``v1.4.0-rc.1 (sha256:ab12cd34ef56)`` for evidence and messages."""
        name = self.version or self.image.tag or self.image.name
        return f"{name} ({_short(self.digest)})"

    def url_for(self, slot: str) -> str:
        """The base URL of ``slot`` (or the single URL)."""
        if isinstance(self.base_url, str):
            return self.base_url
        return self.base_url.get(slot, "")

    def failure_next_step(self) -> str:
        """The configured next step, or a default naming the release."""
        return self.next_step or (
            f"find the cause of {self.label} failing in the evidence and ship a fixed "
            "release candidate"
        )


@attrs.frozen
class ReleaseResult(JSONResult):
    """The typed record of one :func:`release`.

    Attributes:
        strategy: ``blue-green`` or ``canary``.
        image: the candidate.
        version: its version.
        outcome: see :class:`ReleaseOutcome`.
        steps: every step, in order.
        reports: the validation reports (one per validation run).
        promotions: the registry pointer moves, in order.
        rollback: the rollback, when one ran.
        evidence: the evidence files written.
        active_slot: the slot ``prod`` points to afterwards (blue/green).
        traffic: the candidate's traffic shares reached (canary), in order.
        noop: True when the candidate was already live (a retried release): nothing was
            deployed, switched or written, and the idle slot kept the previous release.
        error: why the rollback could not proceed (outcome ``failed``), else ``None``.
        timing: a canary's :class:`~mosaic_sdk.release.CanaryTiming`: from the
            candidate's first traffic to the first bad measurement and to the rollback.
        state_file: where a paused canary's resumable state was written (outcome
            ``paused``).
    """

    strategy: str
    image: ImageReference
    version: str | None
    outcome: ReleaseOutcome
    steps: tuple[ReleaseStep, ...]
    reports: tuple[ValidationReport, ...] = ()
    promotions: tuple[PromotionRecord, ...] = ()
    rollback: RollbackResult | None = None
    evidence: EvidenceFiles | None = None
    active_slot: str | None = None
    traffic: tuple[int, ...] = ()
    noop: bool = False
    error: str | None = None
    timing: CanaryTiming | None = None
    state_file: Path | None = None

    @property
    def released(self) -> bool:
        """True when the candidate now serves production."""
        return self.outcome is ReleaseOutcome.RELEASED

    @property
    def ok(self) -> bool:
        """True when the candidate now serves production (same as :attr:`released`)."""
        return self.released

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready dict: ``ok``, the summary, then every field."""
        return {"ok": self.ok, "summary": self.summary(), **fields_dict(self)}

    @property
    def report(self) -> ValidationReport | None:
        """The last validation report."""
        return self.reports[-1] if self.reports else None

    def summary(self) -> str:
        """One sentence: what happened and why."""
        name = self.version or str(self.image)
        why = ""
        report = self.report
        if report is not None and not report.ok:
            why = f": {report.headline()}"
        where = f" (prod -> {self.active_slot})" if self.active_slot else ""
        if self.noop:
            why = ": already live, nothing to do"
        elif self.error:
            why = f": the rollback could not proceed ({self.error})"
        if self.state_file is not None:
            why += f"; resume or abort with the state in {self.state_file}"
        return f"{self.strategy} release of {name}: {self.outcome.value}{where}{why}"

    def raise_for_outcome(self) -> ReleaseResult:
        """Return ``self`` when released; raise otherwise.

        Raises:
            ValidationFailedError: the release was rejected, rolled back or held; the
                error carries the last report and the completed steps.
        """
        if self.released:
            return self
        raise ValidationFailedError(
            self.summary(),
            report=self.report,
            completed_steps=[s.name for s in self.steps if s.status == "done"],
        )

    def to_markdown(self) -> str:
        """The steps as a Markdown list, then each report."""
        lines = [f"### {md_escape(self.summary())}", ""]
        lines += [
            f"{n}. {s.symbol} **{md_escape(s.name)}**"
            + (f": {md_escape(s.detail)}" if s.detail else "")
            for n, s in enumerate(self.steps, 1)
        ]
        for report in self.reports:
            lines += ["", report.to_markdown(heading_level=4).rstrip()]
        return "\n".join(lines) + "\n"

    @safe_repr
    def __repr__(self) -> str:
        return f"<ReleaseResult {self.summary()}>"

    def _repr_markdown_(self) -> str:
        return self.to_markdown()

    def _repr_html_(self) -> str:
        items = "".join(
            f"<li>{s.symbol} <b>{html.escape(s.name)}</b>: {html.escape(s.detail)}</li>"
            for s in self.steps
        )
        return f"<div><b>{html.escape(self.summary())}</b><ol>{items}</ol></div>"

    def __str__(self) -> str:
        lines = [self.summary()]
        lines += [
            f"  {n}. {s.symbol} {s.name}" + (f": {s.detail}" if s.detail else "")
            for n, s in enumerate(self.steps, 1)
        ]
        return "\n".join(lines)


class _Steps:
    """The steps of one release, in order, as they finish.

    Each recorded step is a *boundary*: :meth:`stop` (a cancellation of the asynchronous
    twin, through :func:`~mosaic_sdk._core._concurrency.arun_to_boundary`) makes the next
    one raise :class:`StopAtBoundary` once it is recorded, so the release ends between two
    steps, never inside one.
    """

    def __init__(self, on_step: Callable[[ReleaseStep], None] | None = None) -> None:
        self.items: list[ReleaseStep] = []
        self._on_step = on_step
        self._stop = False

    def _record(self, step: ReleaseStep) -> None:
        self.items.append(step)
        if self._on_step is not None:
            try:
                self._on_step(step)
            except Exception as exc:  # a progress display must not stop a release midway
                logger.warning(
                    "on_step callback raised %s on step %r; the release goes on",
                    type(exc).__name__,
                    step.name,
                )
        if self._stop:
            raise StopAtBoundary(self.describe())

    def done(self, name: str, detail: str = "") -> None:
        self._record(ReleaseStep(name, "done", detail))

    def failed(self, name: str, detail: str = "") -> None:
        self._record(ReleaseStep(name, "failed", detail))

    def skipped(self, name: str, detail: str = "") -> None:
        self._record(ReleaseStep(name, "skipped", detail))

    def stop(self) -> None:
        """End the release at the next step boundary."""
        self._stop = True

    def describe(self) -> str:
        """What a cancellation left behind, for the ``CancelledError`` it raises."""
        if not self.items:
            return "release cancelled before its first step ended; nothing was changed"
        listed = "; ".join(f"{n}. {s}" for n, s in enumerate(self.items, 1))
        return (
            f"release cancelled at a step boundary after {len(self.items)} step(s): {listed}. "
            "Nothing after the last step ran (no switch, rollback or evidence unless listed)"
        )


@attrs.frozen
class AutoRollback(FieldsRepr):
    """When a :class:`Canary` rolls itself back.

    Attributes:
        on_failed: roll back when a step's validation fails (a gate failed).
        on_inconclusive: roll back when it is inconclusive (for example no data under an
            ``inconclusive`` policy); otherwise the canary holds at its current share
            for a human to decide.
    """

    on_failed: bool = True
    on_inconclusive: bool = True

    def __attrs_post_init__(self) -> None:
        if not (self.on_failed or self.on_inconclusive):
            raise ConfigurationError(
                "AutoRollback(on_failed=False, on_inconclusive=False) never triggers; keep "
                "on_failed=True"
            )

    def triggers(self, verdict: Verdict) -> bool:
        """True when ``verdict`` should roll the canary back."""
        return (verdict is Verdict.FAILED and self.on_failed) or (
            verdict is Verdict.INCONCLUSIVE and self.on_inconclusive
        )


def _weights(steps: Sequence[int]) -> tuple[int, ...]:
    values = tuple(steps)
    if not values or any(
        isinstance(w, bool) or not isinstance(w, int) or not 0 < w <= 100 for w in values
    ):
        raise InvalidValueError(
            list(values), "canary steps are whole percentages from 1 to 100", "use (10, 25, 50)"
        )
    if list(values) != sorted(set(values)):
        raise InvalidValueError(
            list(values), "canary steps must increase", "list them in order, e.g. (10, 25, 50)"
        )
    return values if values[-1] == 100 else (*values, 100)


def _canary_settings(
    gates: Sequence[MetricGate | BaselineGate],
    auto_rollback: AutoRollback | None,
    steps: Sequence[int],
    pause: float,
) -> tuple[tuple[MetricGate | BaselineGate, ...], AutoRollback, tuple[int, ...], float]:
    """Check a canary's arguments (both twins): the gates, trigger, steps and pause."""
    gates = tuple(gates)
    missing = []
    if not gates:
        missing.append("metric gates (gates=[MetricGate.error_ratio(...), ...])")
    if auto_rollback is None:
        missing.append("an auto-rollback trigger (auto_rollback=AutoRollback())")
    if missing:
        raise ConfigurationError(
            "a canary sends real users to the candidate, so it needs "
            + " and ".join(missing)
            + "; without them a bad release would be promoted step by step. Use "
            "BlueGreen() when you cannot gate on metrics"
        )
    for gate in gates:
        if not isinstance(gate, (MetricGate, BaselineGate)):
            raise ConfigurationError(
                f"{gate!r} is not a MetricGate or BaselineGate; canary gates are metric "
                "thresholds and baseline comparisons (put other checks in the release's "
                "validation)"
            )
    if isinstance(pause, bool) or not isinstance(pause, (int, float)) or pause < 0:
        raise InvalidValueError(pause, "is not a pause in seconds", "use e.g. 60")
    assert auto_rollback is not None
    return gates, auto_rollback, _weights(steps), float(pause)


def _analysis_settings(
    gates: Sequence[MetricGate | BaselineGate],
    analysis: Analysis | None,
    state_file: str | Path | None,
) -> tuple[Analysis | None, Path | None]:
    """Check the analysis and the state file: a policy that can pause needs a file to
    write the paused state to."""
    if analysis is not None and not isinstance(analysis, Analysis):
        raise ConfigurationError(f"{analysis!r} is not an Analysis; pass Analysis(count=3, ...)")
    if analysis is None and any(isinstance(g, BaselineGate) for g in gates):
        analysis = Analysis()
    pauses = [g.name for g in gates if g.on_failure is FailurePolicy.PAUSE]
    if analysis is not None and analysis.on_inconclusive is FailurePolicy.PAUSE:
        pauses.append("the analysis's on_inconclusive")
    path = None if state_file is None else Path(state_file)
    if pauses and path is None:
        raise ConfigurationError(
            f"{', '.join(map(repr, pauses))} can pause the canary, which needs a file for its "
            "resumable state; pass state_file='canary-state.json'"
        )
    return analysis, path


def _needs_base_url(value: object, depth: int = 0) -> str | None:
    """The text in a check that needs ``{base_url}``, or None."""
    if isinstance(value, str):
        return value if "{base_url}" in value else None
    if depth > 2 or value is None or isinstance(value, (int, float, bool, bytes)):
        return None
    from mosaic_sdk.release._checks import SmokeStep

    if isinstance(value, SmokeStep) and not value.path_or_url.startswith(
        ("http://", "https://", "{base_url}")
    ):
        return value.path_or_url
    if isinstance(value, (list, tuple)):
        items: Sequence[object] = value
    elif attrs.has(type(value)):
        items = [
            getattr(value, f.name)
            for f in attrs.fields(type(value))  # type: ignore[arg-type]
            if not f.name.startswith("_")
        ]
    elif hasattr(value, "__dict__"):
        items = [v for k, v in vars(value).items() if not k.startswith("_")]
    else:
        return None
    for item in items:
        found = _needs_base_url(item, depth + 1)
        if found is not None:
            return found
    return None


def _check_base_urls(
    strategy: object, checks: Sequence[Check], base_url: str | Mapping[str, str]
) -> None:
    """Refuse, before anything deploys, checks that need a base URL nobody gave."""
    needing = [
        (check.name, text) for check in checks if (text := _needs_base_url(check)) is not None
    ]
    if not needing:
        return
    slots = ("canary",) if getattr(strategy, "name", None) == "canary" else SLOT_TAGS
    if isinstance(base_url, str):
        missing = list(slots) if not base_url.strip() else []
    else:
        missing = [slot for slot in slots if not str(base_url.get(slot, "")).strip()]
    if missing:
        name, text = needing[0]
        example = (
            "base_url='https://api.example.com'"
            if isinstance(base_url, str)
            else "base_url={" + ", ".join(f"'{s}': 'http://...'" for s in slots) + "}"
        )
        raise ConfigurationError(
            f"check {name!r} needs a base URL ({text!r}) but none is given for "
            f"{', '.join(missing)}; pass {example} to release(). Nothing was deployed"
        )
