"""The I/O of a release, written once: :class:`AsyncBlueGreen`, :class:`AsyncCanary` and
:func:`arelease` deploy, validate, switch or step traffic and roll back through the
asynchronous collaborators (:class:`~mosaic_sdk.release.AsyncPromotion`,
:class:`~mosaic_sdk.providers.AsyncDeploymentTarget`,
:class:`~mosaic_sdk.release.AsyncPostDeployValidation`,
:class:`~mosaic_sdk.release.AsyncRollback`); evidence files are written in a worker
thread, so the event loop never waits on the disk.

``scripts/gen_sync.py`` generates ``release/_sync/strategies.py`` (:class:`BlueGreen`,
:class:`Canary`, :func:`release`) from this file. The values, the step recorder and the
argument checks live in ``mosaic_sdk.release._strategies``.

**Cancellation** (the asynchronous twin): cancelling the task that awaits
:func:`arelease` (or a strategy's ``execute``) lets the step in progress finish - a deploy,
a switch, a validation, a rollback - and stops at the next step boundary; then an
ordinary :class:`asyncio.CancelledError` is raised whose message lists the steps that
completed (``on_step`` receives each one as it ends). Nothing after the last listed step
runs: no switch, no rollback, no evidence. A second cancellation interrupts the step in
progress at once.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Protocol, runtime_checkable

import attrs

from mosaic_sdk._core._concurrency import (
    AsyncSleep,
    arun_blocking,
    arun_to_boundary,
    asleep,
)
from mosaic_sdk._core._repr import safe_repr
from mosaic_sdk._render import FieldsRepr
from mosaic_sdk.errors import (
    BadRequestError,
    ConfigurationError,
    InvalidValueError,
    MosaicError,
    UnsupportedOperationError,
)
from mosaic_sdk.observability import AsyncPrometheusClient
from mosaic_sdk.providers._protocol import (
    AsyncDeploymentTarget,
    AsyncTrafficSplitter,
    pinned_digest,
    validate_traffic_weights,
)
from mosaic_sdk.release._analysis import (
    Analysis,
    BaselineGate,
    CanaryState,
    CanaryTiming,
    _Clock,
    analysis_spec,
    gate_spec,
)
from mosaic_sdk.release._async.analysis import run_step_analysis
from mosaic_sdk.release._async.attached import AsyncRegistryEvidence
from mosaic_sdk.release._async.promotion import AsyncPromotion
from mosaic_sdk.release._async.rollback import AsyncRollback
from mosaic_sdk.release._async.validation import AsyncPostDeployValidation
from mosaic_sdk.release._checks import FailurePolicy, MetricGate
from mosaic_sdk.release._evidence import EvidenceFiles, ReleaseEvidence
from mosaic_sdk.release._promotion import PromotionRecord
from mosaic_sdk.release._rollback import RollbackResult, _check_promotion, _check_twin
from mosaic_sdk.release._strategies import (
    AutoRollback,
    ReleaseOutcome,
    ReleaseResult,
    ReleaseStep,
    _analysis_settings,
    _canary_settings,
    _check_base_urls,
    _deployed,
    _moved,
    _RequestMethods,
    _short,
    _Steps,
    _utc_now,
)
from mosaic_sdk.release._validation import ValidationContext, ValidationReport, Verdict
from mosaic_sdk.values import SLOT_TAGS, Digest, ImageReference

if TYPE_CHECKING:
    from mosaic_sdk.coordination._async.lock import AsyncDeploymentLock

__all__ = [
    "AsyncBlueGreen",
    "AsyncCanary",
    "AsyncReleaseRequest",
    "AsyncReleaseStrategy",
    "arelease",
]


@attrs.frozen
class AsyncReleaseRequest(_RequestMethods, FieldsRepr):
    """Everything a strategy needs for one release (built by :func:`arelease`).

    Attributes:
        image: the candidate, pinned by digest.
        version: its version, when known.
        validation: the checks to run against the candidate (``None`` only when a
            paused canary is resumed without checks of its own: its gates still run).
        environment: the environment released to (``prod``).
        promotion: the repository's :class:`~mosaic_sdk.release.AsyncPromotion`.
        slots: blue/green slot targets, keyed ``blue`` and ``green``.
        target: the single target (canary).
        base_url: where the candidate answers: one URL, or one per slot.
        evidence: where to record evidence.
        deployment: the deployment's name in the evidence (``"team/web prod"``).
        next_step: the remediation step written when the release fails.
        on_step: called with each :class:`ReleaseStep` as it ends (progress, logs).
    """

    image: ImageReference
    version: str | None
    validation: AsyncPostDeployValidation | None
    environment: str = "prod"
    promotion: AsyncPromotion | None = None
    slots: Mapping[str, AsyncDeploymentTarget] | None = None
    target: AsyncDeploymentTarget | None = None
    base_url: str | Mapping[str, str] = ""
    evidence: ReleaseEvidence | None = None
    deployment: str = ""
    next_step: str = ""
    on_step: Callable[[ReleaseStep], None] | None = attrs.field(default=None, repr=False)


@runtime_checkable
class AsyncReleaseStrategy(Protocol):
    """How a candidate reaches production: :class:`AsyncBlueGreen` or :class:`AsyncCanary`."""

    name: str

    async def execute(self, request: AsyncReleaseRequest) -> ReleaseResult:
        """Carry out the release and return its record."""
        ...


class AsyncBlueGreen:
    """Blue/green: validate on the idle slot, then switch ``prod``; never switch on a
    failed validation.

    Needs ``promotion`` and ``slots={"blue": target, "green": target}`` in
    :func:`arelease` (optionally ``base_url={"blue": url, "green": url}`` for the checks).

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
        post_switch: AsyncPostDeployValidation | None = None,
        rollback_failed_slot: bool = True,
    ) -> None:
        self.post_switch = post_switch
        self.rollback_failed_slot = rollback_failed_slot

    @safe_repr
    def __repr__(self) -> str:
        return f"AsyncBlueGreen(post_switch={self.post_switch!r})"

    async def execute(self, request: AsyncReleaseRequest) -> ReleaseResult:
        """See the class docstring; a cancellation stops at a step boundary (see the
        module docstring).

        Raises:
            ConfigurationError: no promotion or slots.
            PromotionError: the idle slot pointer cannot take the candidate (for example
                it has not been promoted to ``testing``/``staging`` first).
        """
        promotion, slots = self._topology(request)
        steps = _Steps(request.on_step)
        return await arun_to_boundary(
            lambda: self._release(request, promotion, slots, steps), steps.stop, steps.describe
        )

    async def _release(
        self,
        request: AsyncReleaseRequest,
        promotion: AsyncPromotion,
        slots: Mapping[str, AsyncDeploymentTarget],
        steps: _Steps,
    ) -> ReleaseResult:
        records: list[PromotionRecord] = []
        reports: list[ValidationReport] = []
        state = await promotion.slots()
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
        slot_record = await promotion.deploy_to_idle_slot(request.digest)
        records.append(slot_record)
        steps.done(f"point slot {idle} at the candidate", _moved(slot_record))
        slot_target = slots[idle]
        deployment = await slot_target.deploy(request.image)
        if not deployment.succeeded:
            steps.failed(f"deploy to slot {idle}", f"{_deployed(deployment)}: {deployment.detail}")
            reason = f"deploy to {slot_target.name} ended {deployment.status.value}"
            return await self._failed(
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
        assert request.validation is not None  # arelease() always passes one
        report = await request.validation.run(context)
        reports.append(report)
        if report.inconclusive:
            steps.failed("validate the idle slot", report.headline())
            steps.skipped(f"switch prod to {idle}", "validation inconclusive: nothing switched")
            return await self._held(request, steps, records, reports, live)
        if report.failed:
            steps.failed("validate the idle slot", report.headline())
            steps.skipped(f"switch prod to {idle}", "a failed validation never switches")
            return await self._failed(
                request, steps, records, reports, slot_record, slot_target, live, report.headline()
            )
        steps.done("validate the idle slot", report.headline())
        switch = await promotion.switch(idle)
        records.append(switch)
        previous = (
            f"; {live} keeps {_short(state.digest(live))} for an instant switch back"
            if live
            else ""
        )
        steps.done(f"switch prod to {idle}", _moved(switch) + previous)
        if self.post_switch is not None:
            after = await self.post_switch.run(
                attrs.evolve(context, environment=request.environment)
            )
            reports.append(after)
            if not after.ok:
                steps.failed("validate after the switch", after.headline())
                return await self._switch_back(
                    request, steps, records, reports, promotion, live, idle
                )
            steps.done("validate after the switch", after.headline())
        return await _released(
            self.name, request, steps, reports, records,
            summary=f"blue-green, prod -> slot {idle}, {report.headline()}", active_slot=idle,
        )  # fmt: skip

    @staticmethod
    def _topology(
        request: AsyncReleaseRequest,
    ) -> tuple[AsyncPromotion, Mapping[str, AsyncDeploymentTarget]]:
        missing = []
        if request.promotion is None:
            missing.append("promotion=AsyncPromotion(registry, repository)")
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

    async def _failed(
        self,
        request: AsyncReleaseRequest,
        steps: _Steps,
        records: list[PromotionRecord],
        reports: list[ValidationReport],
        slot_record: PromotionRecord,
        slot_target: AsyncDeploymentTarget,
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
                rollback = await AsyncRollback(
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
                return await _rollback_failed(
                    self.name, request, steps, records, reports, exc,
                    f"roll back slot {slot_record.tag}", keep, active_slot=live,
                )  # fmt: skip
            files = rollback.evidence
            outcome = ReleaseOutcome.ROLLED_BACK
            steps.done(f"roll back slot {slot_record.tag}", f"{rollback.message}; {keep}")
            if files is not None:
                steps.done("record evidence", ", ".join(p.name for p in files.paths))
        else:
            why = (
                "rollback of the slot is off"
                if not self.rollback_failed_slot
                else f"slot {slot_record.tag} held no release before"
            )
            steps.skipped(f"roll back slot {slot_record.tag}", f"{why}; {keep}")
            files = await _record_failure(
                request, steps, reason=reason, next_step=request.failure_next_step(),
                report=report, actions=[f"did not switch prod ({keep})"],
            )  # fmt: skip
        return ReleaseResult(
            strategy=self.name, image=request.image, version=request.version, outcome=outcome,
            steps=tuple(steps.items), reports=tuple(reports), promotions=tuple(records),
            rollback=rollback, evidence=files, active_slot=live,
        )  # fmt: skip

    async def _held(
        self,
        request: AsyncReleaseRequest,
        steps: _Steps,
        records: list[PromotionRecord],
        reports: list[ValidationReport],
        live: str | None,
    ) -> ReleaseResult:
        slot = records[-1].tag
        files = await _record_failure(
            request,
            steps,
            reason=reports[-1].headline(),
            next_step=(
                f"read the report; switch prod to {slot} by hand if the candidate is good, "
                f"or roll slot {slot} back"
            ),
            report=reports[-1],
            actions=["did not switch prod: validation inconclusive"],
        )
        return ReleaseResult(
            strategy=self.name, image=request.image, version=request.version,
            outcome=ReleaseOutcome.HELD, steps=tuple(steps.items), reports=tuple(reports),
            promotions=tuple(records), evidence=files, active_slot=live,
        )  # fmt: skip

    async def _switch_back(
        self,
        request: AsyncReleaseRequest,
        steps: _Steps,
        records: list[PromotionRecord],
        reports: list[ValidationReport],
        promotion: AsyncPromotion,
        live: str | None,
        idle: str,
    ) -> ReleaseResult:
        actions: list[str] = []
        active: str | None = idle
        if live is not None:
            back = await promotion.switch(live)
            records.append(back)
            actions.append(f"switched prod back to {live}")
            steps.done(f"switch prod back to {live}", _moved(back))
            active = live
        else:
            steps.skipped("switch prod back", "there was no previous slot to switch back to")
        files = await _record_failure(
            request,
            steps,
            reason=reports[-1].headline(),
            next_step=request.failure_next_step(),
            report=reports[-1],
            actions=actions or ["prod stays on the candidate: no previous slot"],
        )
        outcome = ReleaseOutcome.ROLLED_BACK if live is not None else ReleaseOutcome.REJECTED
        return ReleaseResult(
            strategy=self.name, image=request.image, version=request.version, outcome=outcome,
            steps=tuple(steps.items), reports=tuple(reports), promotions=tuple(records),
            evidence=files, active_slot=active,
        )  # fmt: skip


async def _released(
    strategy: str,
    request: AsyncReleaseRequest,
    steps: _Steps,
    reports: Sequence[ValidationReport],
    records: Sequence[PromotionRecord],
    *,
    summary: str,
    active_slot: str | None = None,
    traffic: tuple[int, ...] = (),
    timing: CanaryTiming | None = None,
) -> ReleaseResult:
    """The ending of every release that went through: the release notes recorded (when
    the request carries evidence, with ``summary``) and the ``released`` result."""
    files = None
    if request.evidence is not None:
        files = await arun_blocking(
            request.evidence.record_success,
            deployment=request.deployment,
            release=request.label,
            summary=summary,
        )
        steps.done("record release notes", ", ".join(p.name for p in files.paths))
    return ReleaseResult(
        strategy=strategy, image=request.image, version=request.version,
        outcome=ReleaseOutcome.RELEASED, steps=tuple(steps.items), reports=tuple(reports),
        promotions=tuple(records), evidence=files, active_slot=active_slot, traffic=traffic,
        timing=timing,
    )  # fmt: skip


async def _record_failure(
    request: AsyncReleaseRequest,
    steps: _Steps,
    *,
    reason: str,
    next_step: str,
    report: ValidationReport | None,
    actions: Sequence[str],
) -> EvidenceFiles | None:
    """The failure evidence of a release that did not go through (when the request
    carries evidence), recorded and named in the steps."""
    if request.evidence is None:
        return None
    files = await arun_blocking(
        request.evidence.record_failure,
        deployment=request.deployment,
        release=request.label,
        reason=reason,
        next_step=next_step,
        report=report,
        actions=actions,
    )
    steps.done("record evidence", ", ".join(p.name for p in files.paths))
    return files


async def _rollback_failed(
    strategy: str,
    request: AsyncReleaseRequest,
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
    try:
        files = await _record_failure(
            request,
            steps,
            reason=reports[-1].headline() if reports else "the release failed",
            next_step=(
                f"restore the previous release by hand: the automatic rollback failed ({error})"
            ),
            report=reports[-1] if reports else None,
            actions=[*completed, f"rollback failed: {error}"],
        )
    except MosaicError as evidence_error:
        steps.failed("record evidence", str(evidence_error))
    return ReleaseResult(
        strategy=strategy, image=request.image, version=request.version,
        outcome=ReleaseOutcome.FAILED, steps=tuple(steps.items), reports=tuple(reports),
        promotions=tuple(records), evidence=files, active_slot=active_slot, traffic=traffic,
        error=error,
    )  # fmt: skip


class AsyncCanary:
    """Canary: move traffic to the candidate step by step, gated by metrics, with
    automatic rollback.

    Needs ``target=`` a :class:`~mosaic_sdk.providers.AsyncDeploymentTarget` that also
    implements :class:`~mosaic_sdk.providers.AsyncTrafficSplitter` (``supports_traffic_split``)
    in :func:`release`. The target must keep the stable release serving when it deploys
    the candidate; ``set_traffic`` then moves the shares.

    Without ``analysis`` and baseline gates, each step runs the release's validation with
    the gates once (as before). With an :class:`~mosaic_sdk.release.Analysis` (or any
    :class:`~mosaic_sdk.release.BaselineGate`, which implies ``Analysis()``), each step
    runs the release's other checks once, then measures the gates as the analysis says:
    ``count`` times ``interval`` apart, deciding a gate at once when it exceeds
    ``failure_limit`` or ``consecutive_error_limit``. A failed gate applies its own
    ``on_failure`` (:class:`~mosaic_sdk.release.FailurePolicy`: ``rollback``, ``pause``
    or ``hold``); when several apply, the most severe wins.

    Args:
        gates: the :class:`~mosaic_sdk.release.MetricGate` and
            :class:`~mosaic_sdk.release.BaselineGate` checks evaluated at every step.
            Required.
        auto_rollback: the :class:`AutoRollback` trigger. Required.
        steps: the candidate's traffic shares in percent; 100 is appended when missing.
        pause: seconds to let traffic flow at each share before evaluating the gates.
        analysis: the per-step :class:`~mosaic_sdk.release.Analysis`, optional.
        state_file: where a paused canary writes its resumable state; required when a
            gate (or the analysis's ``on_inconclusive``) can pause.
        sleep: the sleep function (tests inject one).
        clock: monotonic seconds, for :attr:`ReleaseResult.timing`.

    Raises:
        ConfigurationError: no metric gates and/or no auto-rollback trigger (the message
            says which are missing), a gate of another kind, or a pause policy without
            ``state_file``.
        InvalidValueError: malformed steps.
    """

    name = "canary"

    def __init__(
        self,
        *,
        gates: Sequence[MetricGate | BaselineGate] = (),
        auto_rollback: AutoRollback | None = None,
        steps: Sequence[int] = (10, 25, 50, 100),
        pause: float = 0.0,
        analysis: Analysis | None = None,
        state_file: str | Path | None = None,
        sleep: AsyncSleep = asleep,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.gates, self.auto_rollback, self.steps, self.pause = _canary_settings(
            gates, auto_rollback, steps, pause
        )
        self.analysis, self.state_file = _analysis_settings(self.gates, analysis, state_file)
        self._sleep = sleep
        self._clock = clock

    @safe_repr
    def __repr__(self) -> str:
        return f"AsyncCanary(steps={self.steps}, gates={len(self.gates)})"

    @staticmethod
    def _splitter(
        request: AsyncReleaseRequest,
    ) -> tuple[AsyncDeploymentTarget, AsyncTrafficSplitter]:
        target = request.target
        if target is None:
            raise ConfigurationError("a canary release needs target=<a traffic-splitting target>")
        if not getattr(target, "supports_traffic_split", False) or not isinstance(
            target, AsyncTrafficSplitter
        ):
            raise UnsupportedOperationError(
                f"target {target.name!r} cannot split traffic between releases, so a canary "
                "cannot give the candidate a small share of requests",
                workaround="release with AsyncBlueGreen() (validate on the idle slot, then "
                "switch), or deploy to a target that implements AsyncTrafficSplitter.set_traffic",
            )
        return target, target

    async def execute(self, request: AsyncReleaseRequest) -> ReleaseResult:
        """See the class docstring; a cancellation stops at a step boundary (see the
        module docstring).

        Raises:
            ConfigurationError: no target, or no stable release running on it.
            UnsupportedOperationError: the target cannot split traffic.
        """
        target, splitter = self._splitter(request)
        steps = _Steps(request.on_step)
        return await arun_to_boundary(
            lambda: self._release(request, target, splitter, steps), steps.stop, steps.describe
        )

    async def _release(
        self,
        request: AsyncReleaseRequest,
        target: AsyncDeploymentTarget,
        splitter: AsyncTrafficSplitter,
        steps: _Steps,
    ) -> ReleaseResult:
        running = await target.running()
        stable = running.digest
        if stable is None:
            raise ConfigurationError(
                f"{target.name} runs no known release to compare the canary with; release the "
                "first version with AsyncBlueGreen() or a plain deploy"
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
        run = _CanaryRun(request, target, splitter, steps, stable, running.version, self._clock)
        deployment = await target.deploy(request.image)
        if not deployment.succeeded:
            steps.failed(
                f"deploy the canary to {target.name}",
                f"{_deployed(deployment)}: {deployment.detail}",
            )
            reason = f"deploy ended {deployment.status.value}"
            return await self._roll_back(run, reason)
        steps.done(f"deploy the canary to {target.name}", _deployed(deployment))
        return await self._step_through(run, self.steps)

    async def _step_through(self, run: _CanaryRun, weights: Sequence[int]) -> ReleaseResult:
        request, steps, stable, candidate = (
            run.request,
            run.steps,
            run.stable,
            request_digest(run.request),
        )
        for weight in weights:
            split = {candidate: 100} if weight == 100 else {stable: 100 - weight, candidate: weight}
            await run.splitter.set_traffic(validate_traffic_weights(split))
            run.clock.expose()
            run.reached.append(weight)
            steps.done(f"send {weight}% of traffic to the canary", f"stable {100 - weight}%")
            if self.pause:
                await self._sleep(self.pause)
            report, policy = await self._measure(run)
            run.reports.append(report)
            if report.ok:
                steps.done(f"gates at {weight}%", report.headline())
                continue
            steps.failed(f"gates at {weight}%", report.headline())
            if policy is FailurePolicy.ROLLBACK:
                return await self._roll_back(run, report.headline())
            if policy is FailurePolicy.PAUSE:
                rest = tuple(w for w in self.steps if w > weight)
                return await self._paused(run, rest, report.headline())
            return await self._hold(run, weight)
        if request.promotion is not None:
            record = await request.promotion.promote(candidate, to=request.environment)
            run.records.append(record)
            steps.done(f"point {request.environment} at the candidate", _moved(record))
        return await _released(
            self.name, request, steps, run.reports, run.records,
            summary=f"canary through {', '.join(f'{w}%' for w in run.reached)}, gates passed",
            traffic=tuple(run.reached), timing=run.timing(self._flagger()),
        )  # fmt: skip

    def _flagger(self) -> float | None:
        return None if self.analysis is None else self.analysis.flagger_seconds

    def _inconclusive_policy(self) -> FailurePolicy:
        chosen = None if self.analysis is None else self.analysis.on_inconclusive
        if chosen is not None:
            return chosen
        return FailurePolicy.ROLLBACK if self.auto_rollback.on_inconclusive else FailurePolicy.HOLD

    async def _measure(self, run: _CanaryRun) -> tuple[ValidationReport, FailurePolicy | None]:
        request = run.request
        context = ValidationContext(
            image=request.image, version=request.version, target=run.target,
            environment=request.environment, slot="canary", base_url=request.url_for("canary"),
        )  # fmt: skip
        if self.analysis is None:
            plain = [g for g in self.gates if isinstance(g, MetricGate)]  # no baseline here
            validation = (
                AsyncPostDeployValidation(plain)
                if request.validation is None
                else request.validation.with_checks(*plain)
            )
            report = await validation.run(context)
            run.note_bad(report)
            return report, _report_policy(report, self.gates, self.auto_rollback)
        started, begin = _utc_now(), self._clock()
        report = (
            ValidationReport(
                name="canary analysis", image=str(context.image), version=context.version,
                where=context.where, results=(), started_at=started, finished_at=started,
                duration_seconds=0.0, environment=context.environment,
            )
            if request.validation is None
            else await request.validation.run(context)
        )  # fmt: skip
        versions = (
            (run.stable_version or "", run.stable.short),
            (request.version or "", request.digest.short),
        )
        found = await run_step_analysis(
            self.gates, self.analysis, context, versions,
            on_inconclusive=self._inconclusive_policy(),
            on_failed_allowed=self.auto_rollback.on_failed, sleep=self._sleep, clock=self._clock,
        )  # fmt: skip
        if found.first_bad_at is not None and run.first_bad is None:
            run.first_bad = found.first_bad_at
        combined = attrs.evolve(
            report,
            results=(*report.results, *found.results),
            finished_at=_utc_now(),
            duration_seconds=self._clock() - begin,
        )
        if not report.ok:  # the release's own checks failed: the canary's trigger decides
            policy = _report_policy(report, (), self.auto_rollback)
            if found.policy is not None and found.policy.severity > policy.severity:
                policy = found.policy
            return combined, policy
        return combined, found.policy

    async def _roll_back(self, run: _CanaryRun, reason: str) -> ReleaseResult:
        request, steps, stable = run.request, run.steps, run.stable
        try:
            await run.splitter.set_traffic({stable: 100})
            rolled_back = self._clock()
            steps.done("send all traffic back to the stable release", f"{_short(stable)} 100%")
            rollback = await AsyncRollback(run.target, failed=request.image, to=stable).execute(
                reason=reason,
                evidence=request.evidence,
                deployment=request.deployment,
                release=request.label,
                next_step=request.failure_next_step(),
                report=run.reports[-1] if run.reports else None,
            )
        except MosaicError as exc:
            return await _rollback_failed(
                self.name, request, steps, run.records, run.reports, exc,
                "roll back automatically",
                f"the canary had {run.reached[-1] if run.reached else 0}% of traffic",
                traffic=tuple(run.reached),
            )  # fmt: skip
        steps.done("roll back automatically", rollback.message)
        if rollback.evidence is not None:
            steps.done("record evidence", ", ".join(p.name for p in rollback.evidence.paths))
        return run.result(
            self.name, ReleaseOutcome.ROLLED_BACK, rollback=rollback, evidence=rollback.evidence,
            timing=run.timing(self._flagger(), rolled_back),
        )  # fmt: skip

    async def _hold(self, run: _CanaryRun, weight: int) -> ReleaseResult:
        request, reports = run.request, run.reports
        files = await _record_failure(
            request,
            run.steps,
            reason=reports[-1].headline(),
            next_step=f"read the report; raise the canary past {weight}% or roll it back",
            report=reports[-1],
            actions=[f"held the canary at {weight}%: {reports[-1].verdict.value}"],
        )
        return run.result(self.name, ReleaseOutcome.HELD, evidence=files,
                          timing=run.timing(self._flagger()))  # fmt: skip

    async def _paused(self, run: _CanaryRun, rest: tuple[int, ...], reason: str) -> ReleaseResult:
        assert self.state_file is not None  # _analysis_settings requires it for pause
        request = run.request
        state = CanaryState(
            image=str(request.image), version=request.version, stable=str(run.stable),
            stable_version=run.stable_version, reached=tuple(run.reached), remaining=rest,
            reason=reason, environment=request.environment, deployment=request.deployment,
            target=_target_spec(run.target), gates=_gate_specs(self.gates),
            analysis={} if self.analysis is None else analysis_spec(self.analysis),
            source=_source_url(self.gates),
        )  # fmt: skip
        path = await arun_blocking(state.save, self.state_file)
        weight = state.weight
        run.steps.done(
            f"pause at {weight}%",
            f"{reason}; the canary keeps {weight}% until resumed or aborted ({path})",
        )
        await _record_failure(
            request,
            run.steps,
            reason=reason,
            next_step=f"decide: `mosaic release resume {path}` or `mosaic release abort {path}`",
            report=run.reports[-1],
            actions=[f"paused the canary at {weight}%"],
        )
        return run.result(self.name, ReleaseOutcome.PAUSED, state_file=path,
                          timing=run.timing(self._flagger()))  # fmt: skip

    async def resume(
        self,
        state_file: str | Path,
        *,
        target: AsyncDeploymentTarget,
        validation: AsyncPostDeployValidation | None = None,
        promotion: AsyncPromotion | None = None,
        evidence: ReleaseEvidence | None = None,
        on_step: Callable[[ReleaseStep], None] | None = None,
    ) -> ReleaseResult:
        """Continue a paused canary: a human judged the step it paused at good, so the
        next weight is set and its gates measured, as in a release.

        Raises:
            ConfigurationError: the state file is missing, damaged or not paused any
                more, or ``target`` no longer runs its stable release.
        """
        run, state = await self._reopen(state_file, target, validation, promotion, evidence,
                                        on_step, "resumed")  # fmt: skip
        await arun_blocking(attrs.evolve(state, status="resumed").save, state_file)
        run.steps.done("resume the canary", f"from {state.weight}% ({state_file})")
        return await self._step_through(run, state.remaining or (100,))

    async def abort(
        self,
        state_file: str | Path,
        *,
        target: AsyncDeploymentTarget,
        evidence: ReleaseEvidence | None = None,
        on_step: Callable[[ReleaseStep], None] | None = None,
    ) -> ReleaseResult:
        """Abort a paused canary: all traffic back to the stable release, and the
        candidate rolled back.

        Raises:
            ConfigurationError: the state file is missing, damaged or not paused any more.
        """
        run, state = await self._reopen(state_file, target, None, None, evidence, on_step,
                                        "aborted")  # fmt: skip
        await arun_blocking(attrs.evolve(state, status="aborted").save, state_file)
        run.steps.done("abort the canary", f"at {state.weight}% ({state_file})")
        return await self._roll_back(run, f"aborted by hand: {state.reason}")

    async def _reopen(
        self,
        state_file: str | Path,
        target: AsyncDeploymentTarget,
        validation: AsyncPostDeployValidation | None,
        promotion: AsyncPromotion | None,
        evidence: ReleaseEvidence | None,
        on_step: Callable[[ReleaseStep], None] | None,
        verb: str,
    ) -> tuple[_CanaryRun, CanaryState]:
        state = await arun_blocking(CanaryState.load, state_file)
        state.require_paused(state_file, verb)
        image = ImageReference.parse(state.image)
        request = AsyncReleaseRequest(
            image=image, version=state.version,
            validation=validation,
            environment=state.environment, promotion=promotion, target=target,
            evidence=evidence, deployment=state.deployment, on_step=on_step,
        )  # fmt: skip
        fake = attrs.evolve(request, target=target)
        checked, splitter = self._splitter(fake)
        stable = Digest.parse(state.stable)
        running = await checked.running()
        if running.digest is not None and running.digest != stable:
            raise ConfigurationError(
                f"{checked.name} runs {_short(running.digest)}, not the stable release "
                f"{_short(stable)} the paused canary recorded; it was changed by hand, so "
                f"it cannot be {verb}"
            )
        run = _CanaryRun(request, checked, splitter, _Steps(on_step), stable,
                         state.stable_version, self._clock)  # fmt: skip
        run.reached.extend(state.reached)
        return run, state


def request_digest(request: AsyncReleaseRequest) -> Digest:
    """The candidate's digest (a function so the twins read alike)."""
    return request.digest


class _CanaryRun:
    """What one canary run has done so far: reached weights, reports, records, timing."""

    def __init__(
        self,
        request: AsyncReleaseRequest,
        target: AsyncDeploymentTarget,
        splitter: AsyncTrafficSplitter,
        steps: _Steps,
        stable: Digest,
        stable_version: str | None,
        clock: Callable[[], float],
    ) -> None:
        self.request = request
        self.target = target
        self.splitter = splitter
        self.steps = steps
        self.stable = stable
        self.stable_version = stable_version
        self.records: list[PromotionRecord] = []
        self.reports: list[ValidationReport] = []
        self.reached: list[int] = []
        self.clock = _Clock(clock)
        self.first_bad: float | None = None

    def note_bad(self, report: ValidationReport) -> None:
        if report.failed and self.first_bad is None:
            self.first_bad = self.clock.now()

    def timing(
        self, flagger: float | None, rolled_back: float | None = None
    ) -> CanaryTiming | None:
        return self.clock.timing(self.first_bad, rolled_back, flagger)

    def result(
        self,
        strategy: str,
        outcome: ReleaseOutcome,
        *,
        rollback: RollbackResult | None = None,
        evidence: EvidenceFiles | None = None,
        timing: CanaryTiming | None = None,
        state_file: Path | None = None,
    ) -> ReleaseResult:
        return ReleaseResult(
            strategy=strategy, image=self.request.image, version=self.request.version,
            outcome=outcome, steps=tuple(self.steps.items), reports=tuple(self.reports),
            promotions=tuple(self.records), rollback=rollback, evidence=evidence,
            traffic=tuple(self.reached), timing=timing, state_file=state_file,
        )  # fmt: skip


def _report_policy(
    report: ValidationReport, gates: Sequence[MetricGate | BaselineGate], trigger: AutoRollback
) -> FailurePolicy:
    """The policy for a failed or inconclusive report of the plain (single validation)
    path: failed gates apply their ``on_failure``; other failures and inconclusive
    results follow the :class:`AutoRollback` trigger."""
    by_name = {g.name: g.on_failure for g in gates}
    policies: list[FailurePolicy] = []
    for result in report.results:
        if result.verdict is Verdict.PASSED:
            continue
        if result.name in by_name and result.verdict is Verdict.FAILED:
            chosen = by_name[result.name]
            if chosen is FailurePolicy.ROLLBACK and not trigger.on_failed:
                chosen = FailurePolicy.HOLD
        else:
            chosen = (
                FailurePolicy.ROLLBACK if trigger.triggers(result.verdict) else FailurePolicy.HOLD
            )
        policies.append(chosen)
    return max(policies, key=lambda p: p.severity) if policies else FailurePolicy.HOLD


def _target_spec(target: AsyncDeploymentTarget) -> dict[str, object]:
    """How the CLI can reach ``target`` again, when it can say (``state_spec()``)."""
    spec = getattr(target, "state_spec", None)
    return dict(spec()) if callable(spec) else {"name": target.name}


def _gate_specs(gates: Sequence[MetricGate | BaselineGate]) -> tuple[dict[str, object], ...]:
    specs = [gate_spec(g) for g in gates]
    return tuple(s for s in specs if s is not None) if all(s is not None for s in specs) else ()


def _source_url(gates: Sequence[MetricGate | BaselineGate]) -> str:
    urls = {str(getattr(g.source, "base_url", "")) for g in gates}
    return urls.pop() if len(urls) == 1 else ""


async def arelease(
    image: ImageReference,
    *,
    validation: AsyncPostDeployValidation,
    strategy: AsyncReleaseStrategy | None = None,
    promotion: AsyncPromotion | None = None,
    slots: Mapping[str, AsyncDeploymentTarget] | None = None,
    target: AsyncDeploymentTarget | None = None,
    base_url: str | Mapping[str, str] = "",
    version: str | None = None,
    environment: str = "prod",
    evidence: ReleaseEvidence | None = None,
    deployment: str | None = None,
    next_step: str = "",
    on_step: Callable[[ReleaseStep], None] | None = None,
    attach_evidence: bool = False,
    lock: AsyncDeploymentLock | None = None,
) -> ReleaseResult:
    """Release ``image`` with ``strategy`` (blue/green by default) and return the record.

    Args:
        image: the candidate, pinned by digest (``registry/team/web:v1.4.0@sha256:...``).
        validation: the checks run against the candidate before it takes traffic.
        strategy: :class:`AsyncBlueGreen` (default) or :class:`AsyncCanary`.
        promotion: the repository's :class:`~mosaic_sdk.release.AsyncPromotion`
            (blue/green: required; canary: moves ``environment`` to the digest when it
            succeeds).
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
        on_step: called with each :class:`~mosaic_sdk.release.ReleaseStep` as it ends.
        attach_evidence: after the release, attach each validation report and each
            promotion record that moved a pointer to the image digest in the registry
            (:class:`~mosaic_sdk.release.AsyncRegistryEvidence` of ``promotion``'s
            repository), as a last step ``attach evidence``; a failure to attach is that
            step failed, never an exception. Needs ``promotion``.
        lock: an :class:`~mosaic_sdk.AsyncDeploymentLock` held for the whole release on
            ``"<repository>:<environment>"`` (and ``:blue``/``:green`` for blue/green),
            so two pipelines never release the same service at once. Give the same lock
            to ``promotion`` (``lock=``) and each pointer write also checks the lease's
            fencing token first (re-entrant: the keys are taken once).

    Returns:
        Always a :class:`ReleaseResult`, also when validation fails or a rollback cannot
        proceed (outcome ``failed``, with the error and the evidence). A candidate that
        already serves production is a no-op result (``noop=True``) that touches nothing.

    Raises:
        InvalidValueError: ``image`` is not pinned by digest; a collaborator of the other
            twin (an asynchronous one where a synchronous one is expected, or the reverse).
        ConfigurationError: the strategy lacks what it needs (the message says what), or a
            check needs ``{base_url}`` (or is a relative smoke path) and no base URL is
            given for a slot, or a metric gate's PromQL that Prometheus cannot parse
            (a 400 ``bad_data`` from one query per gate); raised before anything is
            deployed or recorded.
        UnsupportedOperationError: a canary on a target that cannot split traffic.
        ScanGateError: the promotion's scan gate refuses the candidate (findings at or
            above its severity, or no report for the digest); raised before anything is
            deployed.
        LockHeldError: another release or promotion holds one of the keys past the
            lock's ``wait``; nothing was deployed.
    """
    pinned_digest(image)
    chosen: AsyncReleaseStrategy = strategy if strategy is not None else AsyncBlueGreen()
    if not isinstance(chosen, AsyncReleaseStrategy):
        raise ConfigurationError(
            f"{chosen!r} is not a release strategy; pass AsyncBlueGreen() or AsyncCanary(...)"
        )
    _check_colours(chosen, validation, promotion, slots, target)
    if not isinstance(attach_evidence, bool):
        raise InvalidValueError(
            attach_evidence, "attach_evidence must be True or False", "pass True"
        )
    if attach_evidence and promotion is None:
        raise ConfigurationError(
            "attach_evidence=True attaches to the registry of the promotion; pass "
            "promotion=AsyncPromotion(registry, repository). Nothing was deployed"
        )
    _check_base_urls(chosen, validation.checks, base_url)
    await _check_promql(chosen, validation)
    _check_scan(chosen, promotion, environment, pinned_digest(image))
    if deployment is None:
        where = promotion.repository if promotion is not None else (
            target.name if target is not None else image.name
        )  # fmt: skip
        deployment = f"{where} {environment}"
    request = AsyncReleaseRequest(
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
        on_step=on_step,
    )
    if lock is None:
        result = await chosen.execute(request)
    else:
        tags = [environment, *(("blue", "green") if isinstance(chosen, AsyncBlueGreen) else ())]
        repository = promotion.repository if promotion is not None else image.repository
        keys = [_check_release_lock(lock).key(repository, tag) for tag in tags]
        async with lock.hold_all(keys):
            result = await chosen.execute(request)
    if attach_evidence and promotion is not None:
        result = await _attach_evidence(result, promotion, on_step)
    return result


def _check_release_lock(lock: object) -> AsyncDeploymentLock:
    from mosaic_sdk.coordination._async.lock import AsyncDeploymentLock

    if not isinstance(lock, AsyncDeploymentLock):
        raise InvalidValueError(
            type(lock).__name__,
            "lock= is not an AsyncDeploymentLock",
            "pass AsyncDeploymentLock(), AsyncDeploymentLock.file(path) or "
            "AsyncDeploymentLock.redis(url), or None",
        )
    return lock


async def _attach_evidence(
    result: ReleaseResult,
    promotion: AsyncPromotion,
    on_step: Callable[[ReleaseStep], None] | None,
) -> ReleaseResult:
    """``result`` with the step that attached its reports and records to the digest."""
    evidence = AsyncRegistryEvidence(promotion.registry, promotion.repository)
    records = [r for r in result.promotions if not r.noop]
    attached: list[str] = []
    try:
        for report in result.reports:
            item = await evidence.attach_validation(report)
            attached.append(f"{item.kind} {_short(item.digest)}")
        for record in records:
            item = await evidence.attach_promotion(record)
            attached.append(f"{item.kind} {_short(item.digest)}")
    except MosaicError as exc:
        done = f" after attaching {', '.join(attached)}" if attached else ""
        step = ReleaseStep("attach evidence", "failed", f"{exc}{done}")
    else:
        what = ", ".join(attached) if attached else "nothing to attach"
        step = ReleaseStep("attach evidence", "done", f"{what} ({promotion.repository})")
    if on_step is not None:
        on_step(step)
    return attrs.evolve(result, steps=(*result.steps, step))


def _check_scan(
    strategy: AsyncReleaseStrategy,
    promotion: AsyncPromotion | None,
    environment: str,
    digest: Digest,
) -> None:
    """Ask the promotion's scan gate before anything deploys: a refusal after a canary
    ran in prod, or after the idle slot was deployed, would come too late."""
    if promotion is None or getattr(promotion, "scan_gate", None) is None:
        return
    pointers = [environment, *(SLOT_TAGS if isinstance(strategy, AsyncBlueGreen) else ())]
    for pointer in pointers:
        if promotion._check_scan(pointer, digest) is not None:
            return  # one verdict is enough: the gate decides per digest


def _check_colours(
    strategy: AsyncReleaseStrategy,
    validation: AsyncPostDeployValidation,
    promotion: AsyncPromotion | None,
    slots: Mapping[str, AsyncDeploymentTarget] | None,
    target: AsyncDeploymentTarget | None,
) -> None:
    """Refuse, before anything runs, a collaborator of the other twin: its coroutine
    methods would never be awaited (or plain results would be awaited)."""
    _check_twin(
        strategy,
        AsyncReleaseStrategy,
        "for arelease()",
        "use AsyncBlueGreen() or AsyncCanary(...) with arelease()",
        ("execute",),
    )
    _check_twin(
        validation,
        AsyncPostDeployValidation,
        "for arelease()",
        "pass an AsyncPostDeployValidation to arelease()",
        ("run",),
    )
    _check_promotion(promotion, AsyncPromotion)
    for one in [*(slots or {}).values(), *([target] if target is not None else [])]:
        _check_twin(
            one,
            AsyncDeploymentTarget,
            "to release to",
            "pass an AsyncDeploymentTarget (AsyncComposeFileTarget, "
            "AsyncCoolifyDeploymentTarget, ...) to arelease()",
            ("deploy", "running"),
        )


async def _check_promql(
    strategy: AsyncReleaseStrategy, validation: AsyncPostDeployValidation
) -> None:
    """Ask Prometheus to parse each gate's PromQL before anything deploys: a syntax
    error is bad configuration, not a failed validation that rolls a good release back.
    (Gates reading another source are checked when they run.)"""
    gates: list[MetricGate | BaselineGate] = [
        c for c in validation.checks if isinstance(c, MetricGate)
    ]
    gates += list(getattr(strategy, "gates", ()))
    for gate in gates:
        source = getattr(gate, "source", None)
        if not isinstance(source, AsyncPrometheusClient):
            continue
        if isinstance(gate, BaselineGate):
            expressions = list(gate.queries("x", "x").values())
        else:
            expressions = [gate.query.promql]
        for promql in expressions:
            for token in ("{slot}", "{environment}", "{version}", "{base_url}"):
                promql = promql.replace(token, "x")
            try:
                await source.query(promql)
            except BadRequestError as exc:
                raise ConfigurationError(
                    f"metric gate {gate.name!r}: Prometheus cannot parse its PromQL "
                    f"{promql!r} ({exc}); fix the expression. Nothing was deployed"
                ) from None
