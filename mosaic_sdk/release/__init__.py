"""Release workflows: digest promotion, blue/green slots and registry retention.

* :class:`Promotion`: move ``testing``/``staging``/``prod`` and ``blue``/``green`` to an
  exact digest, in environment order; returns :class:`PromotionRecord` values.
* :class:`RetentionPolicy`: plan (:class:`RetentionPlan`) and apply registry cleanup that
  never removes a release, a pointer target or a deployed digest.
* :class:`PostDeployValidation`: run :class:`HealthCheck`, :class:`SmokeTest`,
  :class:`VersionMatch` and :class:`MetricGate` checks against a deployed candidate and
  get a :class:`ValidationReport` (passed / inconclusive / failed, evidence, timings).
* :class:`ReleaseEvidence`: mark a deployment blocked in ``docs/TASKS.md``, record
  evidence and the next step in the issue's scratchpad, and add release notes to
  ``CHANGELOG.md`` - atomic, repeatable, never clobbering other content.
* :func:`release` with :class:`BlueGreen` (default) or :class:`Canary`: deploy, validate,
  switch or step traffic, roll back automatically; returns a :class:`ReleaseResult`.
* :class:`Rollback`: restore the previous digest (from a promotion record or the target's
  history), verify it runs, record the evidence; safe to repeat.
* :func:`select_deployment_target`: decide from a repository's docs, configuration and CI
  where it deploys (:class:`TargetSelection`).
"""

from mosaic_sdk.release._checks import (
    HealthCheck,
    MetricGate,
    NoDataPolicy,
    SmokeStep,
    SmokeTest,
    VersionMatch,
)
from mosaic_sdk.release._evidence import EvidenceFiles, ReleaseEvidence
from mosaic_sdk.release._promotion import (
    PROMOTION_ORDER,
    BlueGreenState,
    Promotion,
    PromotionPlan,
    PromotionRecord,
)
from mosaic_sdk.release._retention import (
    DeletionOutcome,
    DigestDeletion,
    RetentionPlan,
    RetentionPolicy,
    RetentionResult,
    TagDecision,
    parse_created,
)
from mosaic_sdk.release._rollback import DeployHistory, Rollback, RollbackPlan, RollbackResult
from mosaic_sdk.release._selection import (
    TargetCandidate,
    TargetKind,
    TargetSelection,
    select_deployment_target,
)
from mosaic_sdk.release._strategies import (
    AutoRollback,
    BlueGreen,
    Canary,
    ReleaseOutcome,
    ReleaseRequest,
    ReleaseResult,
    ReleaseStep,
    ReleaseStrategy,
    release,
)
from mosaic_sdk.release._validation import (
    Check,
    CheckResult,
    PostDeployValidation,
    ValidationContext,
    ValidationReport,
    Verdict,
)

__all__ = [
    "PROMOTION_ORDER",
    "AutoRollback",
    "BlueGreen",
    "BlueGreenState",
    "Canary",
    "Check",
    "CheckResult",
    "DeletionOutcome",
    "DeployHistory",
    "DigestDeletion",
    "EvidenceFiles",
    "HealthCheck",
    "MetricGate",
    "NoDataPolicy",
    "PostDeployValidation",
    "Promotion",
    "PromotionPlan",
    "PromotionRecord",
    "ReleaseEvidence",
    "ReleaseOutcome",
    "ReleaseRequest",
    "ReleaseResult",
    "ReleaseStep",
    "ReleaseStrategy",
    "RetentionPlan",
    "RetentionPolicy",
    "RetentionResult",
    "Rollback",
    "RollbackPlan",
    "RollbackResult",
    "SmokeStep",
    "SmokeTest",
    "TagDecision",
    "TargetCandidate",
    "TargetKind",
    "TargetSelection",
    "ValidationContext",
    "ValidationReport",
    "Verdict",
    "VersionMatch",
    "parse_created",
    "release",
    "select_deployment_target",
]
