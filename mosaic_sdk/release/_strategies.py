"""Release strategies and the :func:`release` orchestration.

:func:`release` deploys one digest-pinned candidate with a strategy, validates it, and
returns a :class:`ReleaseResult`: the outcome, every step taken, the validation reports,
the pointer moves, the rollback (if any) and the evidence files written.

* :class:`BlueGreen` (the default) - deploy the candidate to the **idle** slot (registry
  pointer ``blue``/``green`` and that slot's target), validate it there, then move the
  ``prod`` pointer to the slot. The previous slot keeps its release, so switching back is
  instant. A failed validation **never switches**: prod keeps serving the old slot, and
  the idle slot is rolled back to what it ran before. An optional post-switch
  validation switches back automatically when it fails.
* :class:`Canary` - for targets that can split traffic (the
  :class:`~mosaic_sdk.providers.TrafficSplitter` protocol): step the candidate's share
  of traffic through ``steps`` (e.g. 10 %, 25 %, 50 %, 100 %), evaluate metric gates at
  each step, and roll back automatically when a gate fails. It refuses to exist without
  metric gates and an auto-rollback trigger, and refuses a target that cannot split
  traffic.

Outcomes (:class:`ReleaseOutcome`): ``released``; ``rejected`` (validation failed and
there was nothing to restore; prod untouched); ``rolled_back`` (validation failed and
the previous release was restored and verified); ``held`` (validation inconclusive:
nothing switched, a human decides).
"""

from __future__ import annotations

import enum
import html
import time
from collections.abc import Callable, Mapping, Sequence
from datetime import datetime, timezone
from typing import Any, Literal, Protocol, runtime_checkable

import attrs

from mosaic_sdk._render import FieldsRepr, JSONResult, TextRepr, fields_dict, md_escape
from mosaic_sdk.errors import (
    ConfigurationError,
    InvalidValueError,
    MosaicError,
    UnsupportedOperationError,
    ValidationFailedError,
)
from mosaic_sdk.providers._protocol import (
    Deployment,
    DeploymentTarget,
    TrafficSplitter,
    pinned_digest,
    validate_traffic_weights,
)
from mosaic_sdk.release._checks import MetricGate
from mosaic_sdk.release._evidence import EvidenceFiles, ReleaseEvidence
from mosaic_sdk.release._promotion import PromotionRecord
from mosaic_sdk.release._rollback import RollbackResult
from mosaic_sdk.release._sync.promotion import Promotion
from mosaic_sdk.release._sync.rollback import Rollback
from mosaic_sdk.release._sync.validation import PostDeployValidation
from mosaic_sdk.release._validation import (
    ValidationContext,
    ValidationReport,
    Verdict,
)
from mosaic_sdk.values import SLOT_TAGS, Digest, ImageReference

__all__ = [
    "AutoRollback",
    "BlueGreen",
    "Canary",
    "ReleaseOutcome",
    "ReleaseRequest",
    "ReleaseResult",
    "ReleaseStep",
    "ReleaseStrategy",
    "release",
]


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


@attrs.frozen
class ReleaseRequest(FieldsRepr):
    """Everything a strategy needs for one release (built by :func:`release`).

    Attributes:
        image: the candidate, pinned by digest.
        version: its version, when known.
        validation: the checks to run against the candidate.
        environment: the environment released to (``prod``).
        promotion: the repository's :class:`~mosaic_sdk.release.Promotion`.
        slots: blue/green slot targets, keyed ``blue`` and ``green``.
        target: the single target (canary).
        base_url: where the candidate answers: one URL, or one per slot.
        evidence: where to record evidence.
        deployment: the deployment's name in the evidence (``"team/web prod"``).
        next_step: the remediation step written when the release fails.
    """

    image: ImageReference
    version: str | None
    validation: PostDeployValidation
    environment: str = "prod"
    promotion: Promotion | None = None
    slots: Mapping[str, DeploymentTarget] | None = None
    target: DeploymentTarget | None = None
    base_url: str | Mapping[str, str] = ""
    evidence: ReleaseEvidence | None = None
    deployment: str = ""
    next_step: str = ""

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


@runtime_checkable
class ReleaseStrategy(Protocol):
    """How a candidate reaches production: :class:`BlueGreen` or :class:`Canary`."""

    name: str

    def execute(self, request: ReleaseRequest) -> ReleaseResult:
        """Carry out the release and return its record."""
        ...


class _Steps:
    def __init__(self) -> None:
        self.items: list[ReleaseStep] = []

    def done(self, name: str, detail: str = "") -> None:
        self.items.append(ReleaseStep(name, "done", detail))

    def failed(self, name: str, detail: str = "") -> None:
        self.items.append(ReleaseStep(name, "failed", detail))

    def skipped(self, name: str, detail: str = "") -> None:
        self.items.append(ReleaseStep(name, "skipped", detail))


class BlueGreen:
    """Blue/green: validate on the idle slot, then switch ``prod``; never switch on a
    failed validation.

    Needs ``promotion`` and ``slots={"blue": target, "green": target}`` in
    :func:`release` (optionally ``base_url={"blue": url, "green": url}`` for the checks).

    Args:
        post_switch: checks to run after the switch; when they fail, ``prod`` switches
            back to the previous slot (the old release never stopped).
        rollback_failed_slot: after a failed validation, restore the idle slot to the
            release it ran before (target and pointer). Prod is untouched either way.
    """

    name = "blue-green"

    def __init__(
        self,
        *,
        post_switch: PostDeployValidation | None = None,
        rollback_failed_slot: bool = True,
    ) -> None:
        self.post_switch = post_switch
        self.rollback_failed_slot = rollback_failed_slot

    def __repr__(self) -> str:
        return f"BlueGreen(post_switch={self.post_switch!r})"

    def execute(self, request: ReleaseRequest) -> ReleaseResult:
        """See the class docstring.

        Raises:
            ConfigurationError: no promotion or slots.
            PromotionError: the idle slot pointer cannot take the candidate (for example
                it has not been promoted to ``testing``/``staging`` first).
        """
        promotion, slots = self._topology(request)
        steps = _Steps()
        records: list[PromotionRecord] = []
        reports: list[ValidationReport] = []
        state = promotion.slots()
        live, idle = state.active, state.idle
        if state.prod == request.digest:
            # A retried job: deploying again would overwrite the idle slot, which holds
            # the previous release that a switch back needs.
            where = f"slot {live}" if live else "prod"
            steps.skipped(
                "release",
                f"prod already serves {_short(request.digest)} ({where}); nothing deployed, "
                f"switched or recorded; {idle} keeps {_short(state.digest(idle))}",
            )
            return ReleaseResult(
                strategy=self.name, image=request.image, version=request.version,
                outcome=ReleaseOutcome.RELEASED, steps=tuple(steps.items), active_slot=live,
                noop=True,
            )  # fmt: skip
        steps.done(
            "read slots",
            f"prod -> {live or '(no slot)'}; deploying to idle slot {idle}" + (
                f" (keeps {_short(state.digest(idle))} until replaced)" if state.digest(idle)
                else ""
            ),
        )  # fmt: skip
        slot_record = promotion.deploy_to_idle_slot(request.digest)
        records.append(slot_record)
        steps.done(f"point slot {idle} at the candidate", _moved(slot_record))
        slot_target = slots[idle]
        deployment = slot_target.deploy(request.image)
        if not deployment.succeeded:
            steps.failed(f"deploy to slot {idle}", f"{_deployed(deployment)}: {deployment.detail}")
            reason = f"deploy to {slot_target.name} ended {deployment.status.value}"
            return self._failed(
                request, steps, records, reports, slot_record, slot_target, live, reason
            )
        steps.done(f"deploy to slot {idle}", _deployed(deployment))
        context = ValidationContext(
            image=request.image,
            version=request.version,
            target=slot_target,
            environment=request.environment,
            slot=idle,
            base_url=request.url_for(idle),
        )
        report = request.validation.run(context)
        reports.append(report)
        if report.inconclusive:
            steps.failed("validate the idle slot", report.headline())
            steps.skipped(f"switch prod to {idle}", "validation inconclusive: nothing switched")
            return self._held(request, steps, records, reports, live)
        if report.failed:
            steps.failed("validate the idle slot", report.headline())
            steps.skipped(f"switch prod to {idle}", "a failed validation never switches")
            return self._failed(request, steps, records, reports, slot_record, slot_target, live,
                                report.headline())  # fmt: skip
        steps.done("validate the idle slot", report.headline())
        switch = promotion.switch(idle)
        records.append(switch)
        previous = (
            f"; {live} keeps {_short(state.digest(live))} for an instant switch back"
            if live
            else ""
        )
        steps.done(f"switch prod to {idle}", _moved(switch) + previous)
        if self.post_switch is not None:
            after = self.post_switch.run(attrs.evolve(context, environment=request.environment))
            reports.append(after)
            if not after.ok:
                steps.failed("validate after the switch", after.headline())
                return self._switch_back(request, steps, records, reports, promotion, live, idle)
            steps.done("validate after the switch", after.headline())
        files = None
        if request.evidence is not None:
            files = request.evidence.record_success(
                deployment=request.deployment,
                release=request.label,
                summary=f"blue-green, prod -> slot {idle}, {report.headline()}",
            )
            steps.done("record release notes", ", ".join(p.name for p in files.paths))
        return ReleaseResult(
            strategy=self.name, image=request.image, version=request.version,
            outcome=ReleaseOutcome.RELEASED, steps=tuple(steps.items), reports=tuple(reports),
            promotions=tuple(records), evidence=files, active_slot=idle,
        )  # fmt: skip

    @staticmethod
    def _topology(request: ReleaseRequest) -> tuple[Promotion, Mapping[str, DeploymentTarget]]:
        missing = []
        if request.promotion is None:
            missing.append("promotion=Promotion(registry, repository)")
        slots = request.slots or {}
        absent = [slot for slot in SLOT_TAGS if slot not in slots]
        if absent:
            missing.append(
                "slots={'blue': <target>, 'green': <target>} (missing: " + ", ".join(absent) + ")"
            )
        if missing:
            raise ConfigurationError(
                "a blue-green release needs " + " and ".join(missing) + "; the slots are the "
                "two places the release alternates between"
            )
        assert request.promotion is not None
        return request.promotion, slots

    def _failed(
        self,
        request: ReleaseRequest,
        steps: _Steps,
        records: list[PromotionRecord],
        reports: list[ValidationReport],
        slot_record: PromotionRecord,
        slot_target: DeploymentTarget,
        live: str | None,
        reason: str,
    ) -> ReleaseResult:
        report = reports[-1] if reports else None
        rollback: RollbackResult | None = None
        files: EvidenceFiles | None = None
        outcome = ReleaseOutcome.REJECTED
        keep = f"prod stays on {live}" if live else "prod was not touched"
        if self.rollback_failed_slot and slot_record.digest_before is not None:
            try:
                rollback = Rollback(
                    slot_target,
                    failed=request.image,
                    record=slot_record,
                    promotion=request.promotion,
                ).execute(
                    reason=reason,
                    evidence=request.evidence,
                    deployment=request.deployment,
                    release=request.label,
                    next_step=request.failure_next_step(),
                    report=report,
                )
            except MosaicError as exc:
                return _rollback_failed(
                    self.name, request, steps, records, reports, exc,
                    f"roll back slot {slot_record.tag}", keep, active_slot=live,
                )  # fmt: skip
            files = rollback.evidence
            outcome = ReleaseOutcome.ROLLED_BACK
            steps.done(f"roll back slot {slot_record.tag}", f"{rollback.message}; {keep}")
        else:
            why = (
                "rollback of the slot is off"
                if not self.rollback_failed_slot
                else f"slot {slot_record.tag} held no release before"
            )
            steps.skipped(f"roll back slot {slot_record.tag}", f"{why}; {keep}")
            if request.evidence is not None:
                files = request.evidence.record_failure(
                    deployment=request.deployment,
                    release=request.label,
                    reason=reason,
                    next_step=request.failure_next_step(),
                    report=report,
                    actions=[f"did not switch prod ({keep})"],
                )
        if files is not None:
            steps.done("record evidence", ", ".join(p.name for p in files.paths))
        return ReleaseResult(
            strategy=self.name, image=request.image, version=request.version, outcome=outcome,
            steps=tuple(steps.items), reports=tuple(reports), promotions=tuple(records),
            rollback=rollback, evidence=files, active_slot=live,
        )  # fmt: skip

    def _held(
        self,
        request: ReleaseRequest,
        steps: _Steps,
        records: list[PromotionRecord],
        reports: list[ValidationReport],
        live: str | None,
    ) -> ReleaseResult:
        files = None
        if request.evidence is not None:
            slot = records[-1].tag
            files = request.evidence.record_failure(
                deployment=request.deployment,
                release=request.label,
                reason=reports[-1].headline(),
                next_step=(
                    f"read the report; switch prod to {slot} by hand if the candidate is good, "
                    f"or roll slot {slot} back"
                ),
                report=reports[-1],
                actions=["did not switch prod: validation inconclusive"],
            )
            steps.done("record evidence", ", ".join(p.name for p in files.paths))
        return ReleaseResult(
            strategy=self.name, image=request.image, version=request.version,
            outcome=ReleaseOutcome.HELD, steps=tuple(steps.items), reports=tuple(reports),
            promotions=tuple(records), evidence=files, active_slot=live,
        )  # fmt: skip

    def _switch_back(
        self,
        request: ReleaseRequest,
        steps: _Steps,
        records: list[PromotionRecord],
        reports: list[ValidationReport],
        promotion: Promotion,
        live: str | None,
        idle: str,
    ) -> ReleaseResult:
        actions: list[str] = []
        active: str | None = idle
        if live is not None:
            back = promotion.switch(live)
            records.append(back)
            actions.append(f"switched prod back to {live}")
            steps.done(f"switch prod back to {live}", _moved(back))
            active = live
        else:
            steps.skipped("switch prod back", "there was no previous slot to switch back to")
        files = None
        if request.evidence is not None:
            files = request.evidence.record_failure(
                deployment=request.deployment,
                release=request.label,
                reason=reports[-1].headline(),
                next_step=request.failure_next_step(),
                report=reports[-1],
                actions=actions or ["prod stays on the candidate: no previous slot"],
            )
            steps.done("record evidence", ", ".join(p.name for p in files.paths))
        outcome = ReleaseOutcome.ROLLED_BACK if live is not None else ReleaseOutcome.REJECTED
        return ReleaseResult(
            strategy=self.name, image=request.image, version=request.version, outcome=outcome,
            steps=tuple(steps.items), reports=tuple(reports), promotions=tuple(records),
            evidence=files, active_slot=active,
        )  # fmt: skip


def _rollback_failed(
    strategy: str,
    request: ReleaseRequest,
    steps: _Steps,
    records: list[PromotionRecord],
    reports: list[ValidationReport],
    exc: MosaicError,
    step: str,
    keep: str,
    *,
    active_slot: str | None = None,
    traffic: tuple[int, ...] = (),
) -> ReleaseResult:
    """A rollback that raised: a ``failed`` result with the error and the evidence."""
    completed = list(getattr(exc, "completed_steps", ()))
    error = str(exc)
    steps.failed(step, f"{error}; {keep}")
    files = None
    if request.evidence is not None:
        try:
            files = request.evidence.record_failure(
                deployment=request.deployment,
                release=request.label,
                reason=reports[-1].headline() if reports else "the release failed",
                next_step=(
                    f"restore the previous release by hand: the automatic rollback failed ({error})"
                ),
                report=reports[-1] if reports else None,
                actions=[*completed, f"rollback failed: {error}"],
            )
            steps.done("record evidence", ", ".join(p.name for p in files.paths))
        except MosaicError as evidence_error:
            steps.failed("record evidence", str(evidence_error))
    return ReleaseResult(
        strategy=strategy, image=request.image, version=request.version,
        outcome=ReleaseOutcome.FAILED, steps=tuple(steps.items), reports=tuple(reports),
        promotions=tuple(records), evidence=files, active_slot=active_slot, traffic=traffic,
        error=error,
    )  # fmt: skip


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


class Canary:
    """Canary: move traffic to the candidate step by step, gated by metrics, with
    automatic rollback.

    Needs ``target=`` a :class:`~mosaic_sdk.providers.DeploymentTarget` that also
    implements :class:`~mosaic_sdk.providers.TrafficSplitter` (``supports_traffic_split``)
    in :func:`release`. The target must keep the stable release serving when it deploys
    the candidate; ``set_traffic`` then moves the shares.

    Args:
        gates: the :class:`~mosaic_sdk.release.MetricGate` checks evaluated at every step
            (with the release's other checks). Required.
        auto_rollback: the :class:`AutoRollback` trigger. Required.
        steps: the candidate's traffic shares in percent; 100 is appended when missing.
        pause: seconds to let traffic flow at each share before evaluating the gates.
        sleep: the sleep function (tests inject one).

    Raises:
        ConfigurationError: no metric gates and/or no auto-rollback trigger (the message
            says which are missing), or a gate that is not a MetricGate.
        InvalidValueError: malformed steps.
    """

    name = "canary"

    def __init__(
        self,
        *,
        gates: Sequence[MetricGate] = (),
        auto_rollback: AutoRollback | None = None,
        steps: Sequence[int] = (10, 25, 50, 100),
        pause: float = 0.0,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
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
            if not isinstance(gate, MetricGate):
                raise ConfigurationError(
                    f"{gate!r} is not a MetricGate; canary gates are metric thresholds "
                    "(put other checks in the release's validation)"
                )
        if isinstance(pause, bool) or not isinstance(pause, (int, float)) or pause < 0:
            raise InvalidValueError(pause, "is not a pause in seconds", "use e.g. 60")
        assert auto_rollback is not None
        self.gates = gates
        self.auto_rollback = auto_rollback
        self.steps = _weights(steps)
        self.pause = float(pause)
        self._sleep = sleep

    def __repr__(self) -> str:
        return f"Canary(steps={self.steps}, gates={len(self.gates)})"

    @staticmethod
    def _splitter(request: ReleaseRequest) -> tuple[DeploymentTarget, TrafficSplitter]:
        target = request.target
        if target is None:
            raise ConfigurationError("a canary release needs target=<a traffic-splitting target>")
        if not getattr(target, "supports_traffic_split", False) or not isinstance(
            target, TrafficSplitter
        ):
            raise UnsupportedOperationError(
                f"target {target.name!r} cannot split traffic between releases, so a canary "
                "cannot give the candidate a small share of requests",
                workaround="release with BlueGreen() (validate on the idle slot, then switch), "
                "or deploy to a target that implements TrafficSplitter.set_traffic",
            )
        return target, target

    def execute(self, request: ReleaseRequest) -> ReleaseResult:
        """See the class docstring.

        Raises:
            ConfigurationError: no target, or no stable release running on it.
            UnsupportedOperationError: the target cannot split traffic.
        """
        target, splitter = self._splitter(request)
        steps = _Steps()
        records: list[PromotionRecord] = []
        reports: list[ValidationReport] = []
        reached: list[int] = []
        stable = target.running().digest
        if stable is None:
            raise ConfigurationError(
                f"{target.name} runs no known release to compare the canary with; release the "
                "first version with BlueGreen() or a plain deploy"
            )
        candidate = request.digest
        if stable == candidate:
            steps.skipped(
                "release",
                f"{target.name} already runs {_short(candidate)}; nothing deployed, shifted "
                "or recorded",
            )
            return ReleaseResult(
                strategy=self.name, image=request.image, version=request.version,
                outcome=ReleaseOutcome.RELEASED, steps=tuple(steps.items), noop=True,
            )  # fmt: skip
        steps.done("read the stable release", f"{target.name} runs {_short(stable)}")
        deployment = target.deploy(request.image)
        if not deployment.succeeded:
            steps.failed(
                f"deploy the canary to {target.name}",
                f"{_deployed(deployment)}: {deployment.detail}",
            )
            return self._roll_back(request, steps, records, reports, reached, target, splitter,
                                   stable, f"deploy ended {deployment.status.value}")  # fmt: skip
        steps.done(f"deploy the canary to {target.name}", _deployed(deployment))
        validation = request.validation.with_checks(*self.gates)
        for weight in self.steps:
            split = {candidate: 100} if weight == 100 else {stable: 100 - weight, candidate: weight}
            splitter.set_traffic(validate_traffic_weights(split))
            reached.append(weight)
            steps.done(f"send {weight}% of traffic to the canary", f"stable {100 - weight}%")
            if self.pause:
                self._sleep(self.pause)
            report = validation.run(
                ValidationContext(
                    image=request.image, version=request.version, target=target,
                    environment=request.environment, slot="canary",
                    base_url=request.url_for("canary"),
                )
            )  # fmt: skip
            reports.append(report)
            if report.ok:
                steps.done(f"gates at {weight}%", report.headline())
                continue
            steps.failed(f"gates at {weight}%", report.headline())
            if self.auto_rollback.triggers(report.verdict):
                return self._roll_back(request, steps, records, reports, reached, target,
                                       splitter, stable, report.headline())  # fmt: skip
            return self._hold(request, steps, records, reports, reached, weight)
        if request.promotion is not None:
            record = request.promotion.promote(candidate, to=request.environment)
            records.append(record)
            steps.done(f"point {request.environment} at the candidate", _moved(record))
        files = None
        if request.evidence is not None:
            files = request.evidence.record_success(
                deployment=request.deployment,
                release=request.label,
                summary=f"canary through {', '.join(f'{w}%' for w in reached)}, gates passed",
            )
            steps.done("record release notes", ", ".join(p.name for p in files.paths))
        return ReleaseResult(
            strategy=self.name, image=request.image, version=request.version,
            outcome=ReleaseOutcome.RELEASED, steps=tuple(steps.items), reports=tuple(reports),
            promotions=tuple(records), evidence=files, traffic=tuple(reached),
        )  # fmt: skip

    def _roll_back(
        self,
        request: ReleaseRequest,
        steps: _Steps,
        records: list[PromotionRecord],
        reports: list[ValidationReport],
        reached: list[int],
        target: DeploymentTarget,
        splitter: TrafficSplitter,
        stable: Digest,
        reason: str,
    ) -> ReleaseResult:
        try:
            splitter.set_traffic({stable: 100})
            steps.done("send all traffic back to the stable release", f"{_short(stable)} 100%")
            rollback = Rollback(target, failed=request.image, to=stable).execute(
                reason=reason,
                evidence=request.evidence,
                deployment=request.deployment,
                release=request.label,
                next_step=request.failure_next_step(),
                report=reports[-1] if reports else None,
            )
        except MosaicError as exc:
            return _rollback_failed(
                self.name, request, steps, records, reports, exc, "roll back automatically",
                f"the canary had {reached[-1] if reached else 0}% of traffic",
                traffic=tuple(reached),
            )  # fmt: skip
        steps.done("roll back automatically", rollback.message)
        if rollback.evidence is not None:
            steps.done("record evidence", ", ".join(p.name for p in rollback.evidence.paths))
        return ReleaseResult(
            strategy=self.name, image=request.image, version=request.version,
            outcome=ReleaseOutcome.ROLLED_BACK, steps=tuple(steps.items), reports=tuple(reports),
            promotions=tuple(records), rollback=rollback, evidence=rollback.evidence,
            traffic=tuple(reached),
        )  # fmt: skip

    def _hold(
        self,
        request: ReleaseRequest,
        steps: _Steps,
        records: list[PromotionRecord],
        reports: list[ValidationReport],
        reached: list[int],
        weight: int,
    ) -> ReleaseResult:
        files = None
        if request.evidence is not None:
            files = request.evidence.record_failure(
                deployment=request.deployment,
                release=request.label,
                reason=reports[-1].headline(),
                next_step=f"read the report; raise the canary past {weight}% or roll it back",
                report=reports[-1],
                actions=[f"held the canary at {weight}%: validation inconclusive"],
            )
            steps.done("record evidence", ", ".join(p.name for p in files.paths))
        return ReleaseResult(
            strategy=self.name, image=request.image, version=request.version,
            outcome=ReleaseOutcome.HELD, steps=tuple(steps.items), reports=tuple(reports),
            promotions=tuple(records), evidence=files, traffic=tuple(reached),
        )  # fmt: skip


def release(
    image: ImageReference,
    *,
    validation: PostDeployValidation,
    strategy: ReleaseStrategy | None = None,
    promotion: Promotion | None = None,
    slots: Mapping[str, DeploymentTarget] | None = None,
    target: DeploymentTarget | None = None,
    base_url: str | Mapping[str, str] = "",
    version: str | None = None,
    environment: str = "prod",
    evidence: ReleaseEvidence | None = None,
    deployment: str | None = None,
    next_step: str = "",
) -> ReleaseResult:
    """Release ``image`` with ``strategy`` (blue/green by default) and return the record.

    Args:
        image: the candidate, pinned by digest (``registry/team/web:v1.4.0@sha256:...``).
        validation: the checks run against the candidate before it takes traffic.
        strategy: :class:`BlueGreen` (default) or :class:`Canary`.
        promotion: the repository's :class:`~mosaic_sdk.release.Promotion` (blue/green:
            required; canary: moves ``environment`` to the digest when it succeeds).
        slots: blue/green targets, ``{"blue": target, "green": target}``.
        target: the canary's traffic-splitting target.
        base_url: where the candidate answers, or one URL per slot (``{"blue": ...}``;
            the canary uses the key ``"canary"``), for ``{base_url}`` in checks.
        version: the release version (defaults to the image's tag).
        environment: the environment released to.
        evidence: where to write TASKS.md, scratchpad and CHANGELOG entries.
        deployment: the deployment's name in the evidence; defaults to
            ``"<repository> <environment>"``.
        next_step: the remediation step to record if the release fails.

    Returns:
        Always a :class:`ReleaseResult`, also when validation fails or a rollback cannot
        proceed (outcome ``failed``, with the error and the evidence). A candidate that
        already serves production is a no-op result (``noop=True``) that touches nothing.

    Raises:
        InvalidValueError: ``image`` is not pinned by digest.
        ConfigurationError: the strategy lacks what it needs (the message says what), or a
            check needs ``{base_url}`` (or is a relative smoke path) and no base URL is
            given for a slot, or a metric gate's PromQL that Prometheus cannot parse
            (a 400 ``bad_data`` from one query per gate); raised before anything is
            deployed or recorded.
        UnsupportedOperationError: a canary on a target that cannot split traffic.
    """
    pinned_digest(image)
    chosen: ReleaseStrategy = strategy if strategy is not None else BlueGreen()
    if not isinstance(chosen, ReleaseStrategy):
        raise ConfigurationError(
            f"{chosen!r} is not a release strategy; pass BlueGreen() or Canary(...)"
        )
    _check_base_urls(chosen, validation, base_url)
    _check_promql(chosen, validation)
    if deployment is None:
        where = promotion.repository if promotion is not None else (
            target.name if target is not None else image.name
        )  # fmt: skip
        deployment = f"{where} {environment}"
    request = ReleaseRequest(
        image=image,
        version=version if version is not None else image.tag,
        validation=validation,
        environment=environment,
        promotion=promotion,
        slots=slots,
        target=target,
        base_url=base_url,
        evidence=evidence,
        deployment=deployment,
        next_step=next_step,
    )
    return chosen.execute(request)


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
    strategy: ReleaseStrategy, validation: PostDeployValidation, base_url: str | Mapping[str, str]
) -> None:
    """Refuse, before anything deploys, checks that need a base URL nobody gave."""
    needing = [
        (check.name, text)
        for check in getattr(validation, "checks", ())
        if (text := _needs_base_url(check)) is not None
    ]
    if not needing:
        return
    slots = ("canary",) if isinstance(strategy, Canary) else SLOT_TAGS
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


def _check_promql(strategy: ReleaseStrategy, validation: PostDeployValidation) -> None:
    """Ask Prometheus to parse each gate's PromQL before anything deploys: a syntax
    error is bad configuration, not a failed validation that rolls a good release back."""
    from mosaic_sdk.errors import BadRequestError
    from mosaic_sdk.observability import PrometheusClient

    gates = [c for c in getattr(validation, "checks", ()) if isinstance(c, MetricGate)]
    gates += list(getattr(strategy, "gates", ()))
    for gate in gates:
        source = getattr(gate, "source", None)
        if not isinstance(source, PrometheusClient):
            continue
        promql = gate.query.promql
        for token in ("{slot}", "{environment}", "{version}", "{base_url}"):
            promql = promql.replace(token, "x")
        try:
            source.query(promql)
        except BadRequestError as exc:
            raise ConfigurationError(
                f"metric gate {gate.name!r}: Prometheus cannot parse its PromQL {promql!r} "
                f"({exc}); fix the expression. Nothing was deployed"
            ) from None
