"""The I/O of a rollback, written once: :class:`AsyncRollback` plans and carries out the
restore of a target's previous digest through the target
(:class:`~mosaic_sdk.providers.AsyncDeploymentTarget`) and the promotion
(:class:`~mosaic_sdk.release.AsyncPromotion`) of its repository.

``scripts/gen_sync.py`` generates ``release/_sync/rollback.py`` (:class:`AsyncRollback`)
from this file. The order of the sources, the pure values
(:class:`~mosaic_sdk.release.RollbackPlan`, :class:`~mosaic_sdk.release.RollbackResult`)
and the argument checks live in ``mosaic_sdk.release._rollback``.
"""

from __future__ import annotations

from typing import Any

from mosaic_sdk._core._concurrency import arun_blocking
from mosaic_sdk._core._repr import safe_repr
from mosaic_sdk.errors import RollbackError
from mosaic_sdk.providers._protocol import AsyncDeploymentTarget, Deployment
from mosaic_sdk.release._async.promotion import AsyncPromotion
from mosaic_sdk.release._evidence import EvidenceFiles, ReleaseEvidence
from mosaic_sdk.release._promotion import PromotionRecord
from mosaic_sdk.release._rollback import (
    DeployHistory,
    RollbackPlan,
    RollbackResult,
    _ahistory,
    _check_promotion,
    _check_target,
    _RollbackCore,
    _short,
)
from mosaic_sdk.release._validation import ValidationReport
from mosaic_sdk.values import Digest, ImageReference

__all__ = ["AsyncRollback"]


class AsyncRollback(_RollbackCore):
    """Restore the release a target ran before ``failed``.

    Args:
        target: the :class:`~mosaic_sdk.providers.AsyncDeploymentTarget` to restore.
        failed: the digest (or pinned image) that failed.
        to: restore exactly this digest or image, instead of looking it up.
        record: the :class:`~mosaic_sdk.release.PromotionRecord` that moved ``failed``
            in; its ``digest_before`` is restored, and with ``promotion`` its pointer
            tag moves back too.
        promotion: the :class:`~mosaic_sdk.release.AsyncPromotion` of the repository
            (needed to move the pointer back).
        image_name: the repository reference to deploy (``registry/team/web``) when it
            cannot be taken from ``to``, ``failed`` or the target.
        version: the restored release's version, when known and not in the history.

    Raises:
        InvalidValueError: ``failed`` or ``to`` are not digests; ``target`` or
            ``promotion`` is of the other twin (awaitable methods where plain ones are
            expected, or the reverse).
        ConfigurationError: a ``record`` for another digest than ``failed``.
    """

    def __init__(
        self,
        target: AsyncDeploymentTarget,
        *,
        failed: Digest | ImageReference,
        to: Digest | ImageReference | None = None,
        record: PromotionRecord | None = None,
        promotion: AsyncPromotion | None = None,
        image_name: str | None = None,
        version: str | None = None,
    ) -> None:
        self._configure(failed=failed, to=to, record=record, image_name=image_name, version=version)
        _check_target(target, AsyncDeploymentTarget)
        _check_promotion(promotion, AsyncPromotion)
        self.target = target
        self.promotion = promotion

    @safe_repr
    def __repr__(self) -> str:
        return f"AsyncRollback(target={self.target.name!r}, failed={str(self.failed)!r})"

    async def _name(self) -> str:
        given = self._given_name()
        if given is not None:
            return given
        running = await self.target.running()
        return self._running_name(self.target.name, running.image)

    async def plan(self) -> RollbackPlan:
        """Decide what to restore (no change is made).

        Raises:
            RollbackError: nothing earlier to restore, or it is the failed digest itself.
        """
        name = self.target.name
        pointer = self._pointer(self.promotion is not None)
        if self.to is not None:
            repository = None if isinstance(self.to, ImageReference) else await self._name()
            restore = self._explicit(repository)
            return self._checked(name, restore, self.version or restore.tag, "explicit", pointer)
        if self.record is not None and self.record.digest_before is not None:
            before = self.record.digest_before
            version = self.version
            image = ImageReference.parse(f"{await self._name()}@{before}")
            entry = self._entry(await _ahistory(self.target), before)
            if entry is not None:
                image, version = entry.image, version or entry.version
            return self._checked(name, image, version, "promotion record", pointer)
        entry = self._entry(await _ahistory(self.target), None)
        if entry is not None:
            version = self.version or entry.version
            return self._checked(name, entry.image, version, "target history", pointer)
        raise self._nothing_to_restore(name, isinstance(self.target, DeployHistory))

    async def execute(
        self,
        *,
        reason: str = "",
        evidence: ReleaseEvidence | None = None,
        deployment: str | None = None,
        release: str | None = None,
        next_step: str | None = None,
        report: ValidationReport | None = None,
    ) -> RollbackResult:
        """Carry out :meth:`plan`, verify, and record the evidence.

        Args:
            reason: why (one line); defaults to the report's headline.
            evidence: where to write TASKS.md, scratchpad and CHANGELOG entries.
            deployment: the blocked deployment's name in the evidence
                (default: the target's name).
            release: how the failed release is named in the evidence.
            next_step: the next remediation step (one line).
            report: the validation report that failed, written as evidence.

        Raises:
            RollbackError: the redeploy did not succeed or the target does not report the
                restored digest afterwards (``completed_steps`` says how far it got).
        """
        plan = await self.plan()
        name = self.target.name
        restore = plan.restore_digest
        done: list[str] = []
        pointer_record: PromotionRecord | None = None
        if plan.pointer is not None and self.promotion is not None:
            current = await self.promotion.current(plan.pointer)
            if current == restore:
                done.append(f"pointer {plan.pointer} already at {_short(restore)}")
            promotion: Any = self.promotion  # the promotion, or a stand-in with its methods
            if isinstance(promotion, AsyncPromotion):
                # A rollback restores what ran before: no order check, no scan gate.
                pointer_record = await promotion._restore(restore, to=plan.pointer)
            else:
                pointer_record = await promotion.promote(restore, to=plan.pointer, force=True)
            if not pointer_record.noop:
                done.append(f"moved pointer {plan.pointer} back to {_short(restore)}")
        deployment_done: Deployment | None = None
        now = await self.target.running()
        if now.digest == restore:
            done.append(f"{name} already runs {_short(restore)}")
        else:
            deployment_done = await self.target.deploy(plan.restore)
            if not deployment_done.succeeded:
                raise RollbackError(
                    self._redeploy_failed(plan, name, deployment_done), completed_steps=done
                )
            done.append(f"redeployed {plan.restore} on {name} ({deployment_done.id})")
        verified = await self.target.running()
        running = verified.digest
        if running != restore:
            raise RollbackError(self._not_verified(name, running, restore), completed_steps=done)
        done.append(f"verified {name} runs {_short(restore)}")
        files: EvidenceFiles | None = None
        if evidence is not None:
            version = f" {plan.version}" if plan.version else ""
            files = await arun_blocking(
                evidence.record_failure,
                deployment=deployment or name,
                release=release or str(self.failed),
                reason=reason or (report.headline() if report is not None else "rolled back"),
                next_step=next_step
                or "find the cause in the evidence above and ship a fixed release candidate",
                report=report,
                actions=[*done[:-1], f"rolled back to{version} {_short(restore)} (verified)"],
            )
        return RollbackResult(
            plan=plan,
            deployment=deployment_done,
            pointer_record=pointer_record,
            running=running,
            steps=tuple(done),
            evidence=files,
        )
