"""Release workflows: digest promotion, blue/green slots and registry retention.

* :class:`Promotion` (and :class:`AsyncPromotion`): move ``testing``/``staging``/``prod``
  and ``blue``/``green`` to an exact digest, in environment order; returns
  :class:`PromotionRecord` values; ``promotion.apply(plan)`` writes a :class:`PromotionPlan`.
* :class:`RetentionPolicy`: plan (:class:`RetentionPlan`) and apply registry cleanup that
  never removes a release, a pointer target or a deployed digest; :class:`RetentionJournal`
  undoes an apply (:class:`UndoResult`).
* :class:`PostDeployValidation` (and :class:`AsyncPostDeployValidation`): run
  :class:`HealthCheck`, :class:`SmokeTest`, :class:`VersionMatch` and :class:`MetricGate`
  checks against a deployed candidate and get a :class:`ValidationReport` (passed /
  inconclusive / failed, evidence, timings).
* :class:`RegistryEvidence` (and :class:`AsyncRegistryEvidence`): attach validation
  reports and promotion records to the image digest in the registry as OCI artifacts,
  list them (:class:`AttachedEvidence`), and require them before ``prod``.
* :class:`ReleaseEvidence`: mark a deployment blocked in ``docs/TASKS.md``, record
  evidence and the next step in the issue's scratchpad, and add release notes to
  ``CHANGELOG.md`` - atomic, repeatable, never clobbering other content.
* :func:`release` with :class:`BlueGreen` (default) or :class:`Canary` (and
  :func:`arelease` with :class:`AsyncBlueGreen` or :class:`AsyncCanary`): deploy,
  validate, switch or step traffic, roll back automatically; returns a
  :class:`ReleaseResult`.
* :class:`Rollback` (and :class:`AsyncRollback`): restore the previous digest (from a
  promotion record or the target's history), verify it runs, record the evidence; safe to
  repeat.
* :class:`ScanGate`: refuse promotions to ``prod`` while a vulnerability report of the
  digest (:class:`ScanReport`: Trivy JSON, Grype JSON, SARIF) has unwaived findings at or
  above a severity (:class:`Waivers`, :class:`ScanDecision`).
* :func:`select_deployment_target`: decide from a repository's docs, configuration and CI
  where it deploys (:class:`TargetSelection`).
"""

# Submodules load on first use (PEP 562): ``from mosaic_sdk import Promotion`` must not pay
# for the validation checks, the HTTP core or the evidence writers.
from __future__ import annotations

from typing import TYPE_CHECKING

from mosaic_sdk._core._lazy import lazy_exports

if TYPE_CHECKING:
    from mosaic_sdk.release._analysis import Analysis, BaselineGate, CanaryState, CanaryTiming
    from mosaic_sdk.release._async.attached import AsyncRegistryEvidence
    from mosaic_sdk.release._async.fleet import AsyncRetentionFleet
    from mosaic_sdk.release._async.promotion import AsyncPromotion
    from mosaic_sdk.release._async.rollback import AsyncRollback
    from mosaic_sdk.release._async.strategies import (
        AsyncBlueGreen,
        AsyncCanary,
        AsyncReleaseRequest,
        AsyncReleaseStrategy,
        arelease,
    )
    from mosaic_sdk.release._async.validation import AsyncPostDeployValidation
    from mosaic_sdk.release._attached import (
        PROMOTION_RECORD_TYPE,
        SCAN_REPORT_TYPE,
        VALIDATION_REPORT_TYPE,
        AttachedEvidence,
        EvidenceItem,
    )
    from mosaic_sdk.release._checks import (
        FailurePolicy,
        HealthCheck,
        MetricGate,
        NoDataPolicy,
        SmokeStep,
        SmokeTest,
        VersionMatch,
    )
    from mosaic_sdk.release._evidence import EvidenceFiles, ReleaseEvidence
    from mosaic_sdk.release._fleet import (
        FleetConfig,
        FleetOutcome,
        FleetPlan,
        FleetResult,
        FleetSection,
        PolicyOverride,
        Protection,
    )
    from mosaic_sdk.release._journal import (
        JournalEntry,
        RetentionJournal,
        UndoOutcome,
        UndoResult,
    )
    from mosaic_sdk.release._promotion import (
        PROMOTION_ORDER,
        BlueGreenState,
        PromotionPlan,
        PromotionRecord,
    )
    from mosaic_sdk.release._retention import (
        DeletionOutcome,
        DigestDeletion,
        NamePattern,
        PlanReads,
        Restoration,
        RetentionPlan,
        RetentionPolicy,
        RetentionResult,
        TagDecision,
        parse_created,
    )
    from mosaic_sdk.release._rollback import DeployHistory, RollbackPlan, RollbackResult
    from mosaic_sdk.release._scan import (
        ScanDecision,
        ScanFinding,
        ScanGate,
        ScanReport,
        ScanSeverity,
        Waiver,
        Waivers,
    )
    from mosaic_sdk.release._selection import (
        TargetCandidate,
        TargetKind,
        TargetSelection,
        select_deployment_target,
    )
    from mosaic_sdk.release._strategies import (
        AutoRollback,
        ReleaseOutcome,
        ReleaseResult,
        ReleaseStep,
    )
    from mosaic_sdk.release._sync.attached import RegistryEvidence
    from mosaic_sdk.release._sync.fleet import RetentionFleet
    from mosaic_sdk.release._sync.promotion import Promotion
    from mosaic_sdk.release._sync.rollback import Rollback
    from mosaic_sdk.release._sync.strategies import (
        BlueGreen,
        Canary,
        ReleaseRequest,
        ReleaseStrategy,
        release,
    )
    from mosaic_sdk.release._sync.validation import PostDeployValidation
    from mosaic_sdk.release._validation import (
        Check,
        CheckResult,
        ValidationContext,
        ValidationReport,
        Verdict,
    )

_LAZY: dict[str, str] = {
    "Analysis": "mosaic_sdk.release._analysis",
    "BaselineGate": "mosaic_sdk.release._analysis",
    "CanaryState": "mosaic_sdk.release._analysis",
    "CanaryTiming": "mosaic_sdk.release._analysis",
    "FailurePolicy": "mosaic_sdk.release._checks",
    "PROMOTION_RECORD_TYPE": "mosaic_sdk.release._attached",
    "SCAN_REPORT_TYPE": "mosaic_sdk.release._attached",
    "VALIDATION_REPORT_TYPE": "mosaic_sdk.release._attached",
    "AttachedEvidence": "mosaic_sdk.release._attached",
    "EvidenceItem": "mosaic_sdk.release._attached",
    "RegistryEvidence": "mosaic_sdk.release._sync.attached",
    "AsyncRegistryEvidence": "mosaic_sdk.release._async.attached",
    "HealthCheck": "mosaic_sdk.release._checks",
    "MetricGate": "mosaic_sdk.release._checks",
    "NoDataPolicy": "mosaic_sdk.release._checks",
    "SmokeStep": "mosaic_sdk.release._checks",
    "SmokeTest": "mosaic_sdk.release._checks",
    "VersionMatch": "mosaic_sdk.release._checks",
    "EvidenceFiles": "mosaic_sdk.release._evidence",
    "ReleaseEvidence": "mosaic_sdk.release._evidence",
    "JournalEntry": "mosaic_sdk.release._journal",
    "RetentionJournal": "mosaic_sdk.release._journal",
    "UndoOutcome": "mosaic_sdk.release._journal",
    "UndoResult": "mosaic_sdk.release._journal",
    "PROMOTION_ORDER": "mosaic_sdk.release._promotion",
    "BlueGreenState": "mosaic_sdk.release._promotion",
    "Promotion": "mosaic_sdk.release._sync.promotion",
    "AsyncPromotion": "mosaic_sdk.release._async.promotion",
    "PromotionPlan": "mosaic_sdk.release._promotion",
    "PromotionRecord": "mosaic_sdk.release._promotion",
    "DeletionOutcome": "mosaic_sdk.release._retention",
    "DigestDeletion": "mosaic_sdk.release._retention",
    "PlanReads": "mosaic_sdk.release._retention",
    "Restoration": "mosaic_sdk.release._retention",
    "RetentionPlan": "mosaic_sdk.release._retention",
    "NamePattern": "mosaic_sdk.release._retention",
    "FleetConfig": "mosaic_sdk.release._fleet",
    "FleetOutcome": "mosaic_sdk.release._fleet",
    "FleetPlan": "mosaic_sdk.release._fleet",
    "FleetResult": "mosaic_sdk.release._fleet",
    "FleetSection": "mosaic_sdk.release._fleet",
    "PolicyOverride": "mosaic_sdk.release._fleet",
    "Protection": "mosaic_sdk.release._fleet",
    "AsyncRetentionFleet": "mosaic_sdk.release._async.fleet",
    "RetentionFleet": "mosaic_sdk.release._sync.fleet",
    "RetentionPolicy": "mosaic_sdk.release._retention",
    "RetentionResult": "mosaic_sdk.release._retention",
    "TagDecision": "mosaic_sdk.release._retention",
    "parse_created": "mosaic_sdk.release._retention",
    "DeployHistory": "mosaic_sdk.release._rollback",
    "Rollback": "mosaic_sdk.release._sync.rollback",
    "AsyncRollback": "mosaic_sdk.release._async.rollback",
    "RollbackPlan": "mosaic_sdk.release._rollback",
    "RollbackResult": "mosaic_sdk.release._rollback",
    "ScanDecision": "mosaic_sdk.release._scan",
    "ScanFinding": "mosaic_sdk.release._scan",
    "ScanGate": "mosaic_sdk.release._scan",
    "ScanReport": "mosaic_sdk.release._scan",
    "ScanSeverity": "mosaic_sdk.release._scan",
    "Waiver": "mosaic_sdk.release._scan",
    "Waivers": "mosaic_sdk.release._scan",
    "TargetCandidate": "mosaic_sdk.release._selection",
    "TargetKind": "mosaic_sdk.release._selection",
    "TargetSelection": "mosaic_sdk.release._selection",
    "select_deployment_target": "mosaic_sdk.release._selection",
    "AutoRollback": "mosaic_sdk.release._strategies",
    "BlueGreen": "mosaic_sdk.release._sync.strategies",
    "Canary": "mosaic_sdk.release._sync.strategies",
    "AsyncBlueGreen": "mosaic_sdk.release._async.strategies",
    "AsyncCanary": "mosaic_sdk.release._async.strategies",
    "ReleaseOutcome": "mosaic_sdk.release._strategies",
    "ReleaseRequest": "mosaic_sdk.release._sync.strategies",
    "AsyncReleaseRequest": "mosaic_sdk.release._async.strategies",
    "ReleaseResult": "mosaic_sdk.release._strategies",
    "ReleaseStep": "mosaic_sdk.release._strategies",
    "ReleaseStrategy": "mosaic_sdk.release._sync.strategies",
    "AsyncReleaseStrategy": "mosaic_sdk.release._async.strategies",
    "release": "mosaic_sdk.release._sync.strategies",
    "arelease": "mosaic_sdk.release._async.strategies",
    "Check": "mosaic_sdk.release._validation",
    "CheckResult": "mosaic_sdk.release._validation",
    "PostDeployValidation": "mosaic_sdk.release._sync.validation",
    "AsyncPostDeployValidation": "mosaic_sdk.release._async.validation",
    "ValidationContext": "mosaic_sdk.release._validation",
    "ValidationReport": "mosaic_sdk.release._validation",
    "Verdict": "mosaic_sdk.release._validation",
}

__all__ = [
    "Analysis",
    "arelease",
    "AsyncBlueGreen",
    "AsyncCanary",
    "AsyncPostDeployValidation",
    "AsyncPromotion",
    "AsyncRegistryEvidence",
    "AsyncReleaseRequest",
    "AsyncReleaseStrategy",
    "AsyncRetentionFleet",
    "AsyncRollback",
    "AttachedEvidence",
    "AutoRollback",
    "BaselineGate",
    "BlueGreen",
    "BlueGreenState",
    "Canary",
    "CanaryState",
    "CanaryTiming",
    "Check",
    "CheckResult",
    "DeletionOutcome",
    "DeployHistory",
    "DigestDeletion",
    "EvidenceFiles",
    "EvidenceItem",
    "FailurePolicy",
    "FleetConfig",
    "FleetOutcome",
    "FleetPlan",
    "FleetResult",
    "FleetSection",
    "HealthCheck",
    "JournalEntry",
    "MetricGate",
    "NamePattern",
    "NoDataPolicy",
    "parse_created",
    "PlanReads",
    "PolicyOverride",
    "PostDeployValidation",
    "Promotion",
    "PROMOTION_ORDER",
    "PROMOTION_RECORD_TYPE",
    "PromotionPlan",
    "PromotionRecord",
    "Protection",
    "RegistryEvidence",
    "release",
    "ReleaseEvidence",
    "ReleaseOutcome",
    "ReleaseRequest",
    "ReleaseResult",
    "ReleaseStep",
    "ReleaseStrategy",
    "Restoration",
    "RetentionFleet",
    "RetentionJournal",
    "RetentionPlan",
    "RetentionPolicy",
    "RetentionResult",
    "Rollback",
    "RollbackPlan",
    "RollbackResult",
    "SCAN_REPORT_TYPE",
    "ScanDecision",
    "ScanFinding",
    "ScanGate",
    "ScanReport",
    "ScanSeverity",
    "select_deployment_target",
    "SmokeStep",
    "SmokeTest",
    "TagDecision",
    "TargetCandidate",
    "TargetKind",
    "TargetSelection",
    "UndoOutcome",
    "UndoResult",
    "VALIDATION_REPORT_TYPE",
    "ValidationContext",
    "ValidationReport",
    "Verdict",
    "VersionMatch",
    "Waiver",
    "Waivers",
]


__getattr__, __dir__ = lazy_exports(__name__, _LAZY, globals())
