"""Release workflows: digest promotion, blue/green slots and registry retention.

* :class:`Promotion`: move ``testing``/``staging``/``prod`` and ``blue``/``green`` to an
  exact digest, in environment order; returns :class:`PromotionRecord` values.
* :class:`RetentionPolicy`: plan (:class:`RetentionPlan`) and apply registry cleanup that
  never removes a release, a pointer target or a deployed digest.
"""

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

__all__ = [
    "PROMOTION_ORDER",
    "BlueGreenState",
    "DeletionOutcome",
    "DigestDeletion",
    "Promotion",
    "PromotionPlan",
    "PromotionRecord",
    "RetentionPlan",
    "RetentionPolicy",
    "RetentionResult",
    "TagDecision",
    "parse_created",
]
