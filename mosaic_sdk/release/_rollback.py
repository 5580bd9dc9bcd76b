"""Roll a target back to the release it ran before, verify it, and leave evidence.

:class:`Rollback` restores the previous digest of a target:

1. it decides **what** to restore, in this order: an explicit ``to=``; the
   ``digest_before`` of the :class:`~mosaic_sdk.release.PromotionRecord` that moved the
   failed digest in; the newest entry of the target's own deploy history (targets with a
   ``history()`` method, such as :class:`~mosaic_sdk.providers.ComposeFileTarget`) whose
   digest is not the failed one;
2. it moves the registry pointer back (when a record and a
   :class:`~mosaic_sdk.release.Promotion` are given; ``force=True``, since the restored
   digest already passed the order checks once);
3. it redeploys the restored digest through the target and **verifies** that
   ``target.running()`` reports it;
4. it records the evidence (:class:`~mosaic_sdk.release.ReleaseEvidence`): blocked in
   ``docs/TASKS.md``, the report and actions in the scratchpad, a release note.

Repeating it is safe: the plan is fixed by the failed digest, so a second run finds the
pointer and the target already restored, changes nothing, and updates the same evidence
entries instead of adding new ones.
"""

from __future__ import annotations

import html
from collections.abc import Sequence
from typing import Any, Literal, Protocol, runtime_checkable

import attrs

from mosaic_sdk._render import FieldsRepr, JSONResult, fields_dict, md_escape
from mosaic_sdk.errors import ConfigurationError, InvalidValueError, RollbackError
from mosaic_sdk.providers._protocol import Deployment, DeploymentTarget, pinned_digest
from mosaic_sdk.release._evidence import EvidenceFiles, ReleaseEvidence
from mosaic_sdk.release._promotion import PromotionRecord
from mosaic_sdk.release._sync.promotion import Promotion
from mosaic_sdk.release._validation import ValidationReport
from mosaic_sdk.values import Digest, ImageReference

__all__ = ["DeployHistory", "Rollback", "RollbackPlan", "RollbackResult"]

RestoreSource = Literal["explicit", "promotion record", "target history"]


class _HistoryEntry(Protocol):
    @property
    def digest(self) -> Digest: ...

    @property
    def image(self) -> ImageReference: ...

    @property
    def version(self) -> str | None: ...


@runtime_checkable
class DeployHistory(Protocol):
    """A target that remembers what it deployed, oldest first (for example
    :meth:`~mosaic_sdk.providers.ComposeFileTarget.history`)."""

    def history(self) -> Sequence[_HistoryEntry]:
        """Every recorded deploy, oldest first."""
        ...


def _short(digest: Digest) -> str:
    return f"{digest.algorithm}:{digest.short}"


@attrs.frozen
class RollbackPlan(FieldsRepr, JSONResult):
    """What a rollback will do, decided before anything changes.

    Attributes:
        target: the target's name.
        failed: the digest being rolled back.
        restore: the digest-pinned image that will run afterwards.
        version: the restored release's version, when known.
        source: where ``restore`` came from: ``explicit``, ``promotion record`` or
            ``target history``.
        pointer: the registry pointer tag that moves back (``prod``, ``blue``...), if any.
    """

    target: str
    failed: Digest
    restore: ImageReference
    version: str | None
    source: RestoreSource
    pointer: str | None = None

    @property
    def restore_digest(self) -> Digest:
        """The digest that will run afterwards."""
        return pinned_digest(self.restore)

    def steps(self) -> tuple[str, ...]:
        """The actions, in words and in order."""
        steps = []
        if self.pointer:
            steps.append(f"move pointer {self.pointer} back to {_short(self.restore_digest)}")
        steps.append(f"redeploy {self.restore} on {self.target}")
        steps.append(f"verify {self.target} runs {_short(self.restore_digest)}")
        return tuple(steps)

    def __str__(self) -> str:
        version = f" (version {self.version})" if self.version else ""
        head = (
            f"roll {self.target} back from {_short(self.failed)} to "
            f"{_short(self.restore_digest)}{version}, found in the {self.source}"
        )
        return "\n".join([head, *(f"  {n}. {s}" for n, s in enumerate(self.steps(), 1))])

    def __repr__(self) -> str:
        return f"<RollbackPlan {str(self).splitlines()[0]}>"

    @property
    def ok(self) -> bool:
        """Always True: a rollback that cannot be planned raises instead."""
        return True

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready dict: every field, the restored digest and the steps."""
        return {
            "ok": True,
            **fields_dict(self),
            "restore_digest": str(self.restore_digest),
            "steps": list(self.steps()),
        }

    def _repr_markdown_(self) -> str:
        lines = str(self).splitlines()
        return "\n".join(
            [f"**{md_escape(lines[0])}**", "", *(md_escape(line.strip()) for line in lines[1:])]
        )

    def _repr_html_(self) -> str:
        lines = str(self).splitlines()
        items = "".join(f"<li>{html.escape(step)}</li>" for step in self.steps())
        return f"<div><b>{html.escape(lines[0])}</b><ol>{items}</ol></div>"


@attrs.frozen
class RollbackResult(JSONResult):
    """What a rollback did.

    Attributes:
        plan: the plan it carried out.
        deployment: the redeploy, ``None`` when the target already ran the digest.
        pointer_record: the pointer move, when a pointer was restored (``noop`` when it
            was already there).
        running: the digest the target reports afterwards (verified).
        steps: what was done, in order, in words.
        evidence: the evidence files written, when an evidence writer was given.
    """

    plan: RollbackPlan
    deployment: Deployment | None
    pointer_record: PromotionRecord | None
    running: Digest
    steps: tuple[str, ...]
    evidence: EvidenceFiles | None = None

    @property
    def ok(self) -> bool:
        """Always True: the target was verified to run the restored digest (a rollback
        that does not get there raises :class:`~mosaic_sdk.errors.RollbackError`)."""
        return True

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready dict: ``ok``, the message, then every field."""
        return {"ok": True, "message": self.message, "noop": self.noop, **fields_dict(self)}

    def _repr_markdown_(self) -> str:
        return "\n".join(
            [f"**{md_escape(self.message)}**", ""] + [f"- {md_escape(s)}" for s in self.steps]
        )

    @property
    def noop(self) -> bool:
        """True when nothing had to change (a repeated rollback)."""
        pointer_moved = self.pointer_record is not None and not self.pointer_record.noop
        return self.deployment is None and not pointer_moved

    @property
    def message(self) -> str:
        """One sentence for logs and chat."""
        if self.noop:
            return (
                f"{self.plan.target} already runs {_short(self.running)}; nothing to roll back "
                "(repeat)"
            )
        return (
            f"rolled {self.plan.target} back from {_short(self.plan.failed)} to "
            f"{_short(self.running)} (verified)"
        )

    def __str__(self) -> str:
        return "\n".join([self.message, *(f"  - {s}" for s in self.steps)])

    def __repr__(self) -> str:
        return f"<RollbackResult {self.message}>"

    def _repr_html_(self) -> str:
        items = "".join(f"<li>{html.escape(s)}</li>" for s in self.steps)
        return f"<div><b>{html.escape(self.message)}</b><ul>{items}</ul></div>"


def _as_digest(value: Digest | ImageReference, what: str) -> Digest:
    if isinstance(value, Digest):
        return value
    if isinstance(value, ImageReference):
        return pinned_digest(value)
    raise InvalidValueError(value, f"{what} is not a digest", "pass a Digest or 'repo@sha256:...'")


class Rollback:
    """Restore the release a target ran before ``failed``.

    Args:
        target: the :class:`~mosaic_sdk.providers.DeploymentTarget` to restore.
        failed: the digest (or pinned image) that failed.
        to: restore exactly this digest or image, instead of looking it up.
        record: the :class:`~mosaic_sdk.release.PromotionRecord` that moved ``failed``
            in; its ``digest_before`` is restored, and with ``promotion`` its pointer
            tag moves back too.
        promotion: the :class:`~mosaic_sdk.release.Promotion` of the repository (needed
            to move the pointer back).
        image_name: the repository reference to deploy (``registry/team/web``) when it
            cannot be taken from ``to``, ``failed`` or the target.
        version: the restored release's version, when known and not in the history.

    Raises:
        InvalidValueError: ``failed`` or ``to`` are not digests.
        ConfigurationError: a ``record`` for another digest than ``failed``.
    """

    def __init__(
        self,
        target: DeploymentTarget,
        *,
        failed: Digest | ImageReference,
        to: Digest | ImageReference | None = None,
        record: PromotionRecord | None = None,
        promotion: Promotion | None = None,
        image_name: str | None = None,
        version: str | None = None,
    ) -> None:
        self.target = target
        self.failed = _as_digest(failed, "failed")
        self._failed_image = failed if isinstance(failed, ImageReference) else None
        self.to = to
        if to is not None:
            _as_digest(to, "to")
        if record is not None and record.digest_after != self.failed:
            raise ConfigurationError(
                f"promotion record {record.message!r} moved {record.tag} to "
                f"{record.digest_after}, not to the failed {self.failed}; pass the record of "
                "the promotion that deployed the failed digest"
            )
        self.record = record
        self.promotion = promotion
        self.image_name = image_name
        self.version = version

    def __repr__(self) -> str:
        return f"Rollback(target={self.target.name!r}, failed={str(self.failed)!r})"

    def _name(self) -> str:
        if isinstance(self.to, ImageReference):
            return self.to.name
        if self.image_name:
            return self.image_name
        if self._failed_image is not None:
            return self._failed_image.name
        running = self.target.running().image
        if running is not None:
            return running.name
        raise ConfigurationError(
            f"cannot tell which repository {self.target.name} deploys; pass "
            "image_name='registry/team/app' or failed=<pinned ImageReference>"
        )

    def plan(self) -> RollbackPlan:
        """Decide what to restore (no change is made).

        Raises:
            RollbackError: nothing earlier to restore, or it is the failed digest itself.
        """
        pointer = (
            self.record.tag if self.record is not None and self.promotion is not None else None
        )
        if self.to is not None:
            restore = (
                self.to if isinstance(self.to, ImageReference)
                else ImageReference.parse(f"{self._name()}@{self.to}")
            )  # fmt: skip
            return self._checked(restore, self.version or restore.tag, "explicit", pointer)
        if self.record is not None and self.record.digest_before is not None:
            before = self.record.digest_before
            version = self.version
            image = ImageReference.parse(f"{self._name()}@{before}")
            entry = self._history_entry(before)
            if entry is not None:
                image, version = entry.image, version or entry.version
            return self._checked(image, version, "promotion record", pointer)
        entry = self._history_entry(None)
        if entry is not None:
            return self._checked(
                entry.image, self.version or entry.version, "target history", pointer
            )
        where = (
            "the promotion record says the pointer was unset before"
            if self.record is not None
            else "no promotion record was given"
        )
        history = (
            "the target keeps no history"
            if not isinstance(self.target, DeployHistory)
            else "its history holds no other digest"
        )
        raise RollbackError(
            f"nothing to roll {self.target.name} back to from {self.failed}: {where}, and "
            f"{history}; pass to=<the last good digest>, or deploy a fixed release instead"
        )

    def _history_entry(self, digest: Digest | None) -> _HistoryEntry | None:
        if not isinstance(self.target, DeployHistory):
            return None
        for entry in reversed(self.target.history()):
            if digest is not None and entry.digest == digest:
                return entry
            if digest is None and entry.digest != self.failed:
                return entry
        return None

    def _checked(
        self,
        image: ImageReference,
        version: str | None,
        source: RestoreSource,
        pointer: str | None,
    ) -> RollbackPlan:
        if pinned_digest(image) == self.failed:
            raise RollbackError(
                f"the release to restore on {self.target.name} ({image}) is the failed digest "
                "itself; pass to=<the last good digest>"
            )
        return RollbackPlan(
            target=self.target.name,
            failed=self.failed,
            restore=image,
            version=version,
            source=source,
            pointer=pointer,
        )

    def execute(
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
        plan = self.plan()
        restore = plan.restore_digest
        done: list[str] = []
        pointer_record: PromotionRecord | None = None
        if plan.pointer is not None and self.promotion is not None:
            current = self.promotion.current(plan.pointer)
            if current == restore:
                done.append(f"pointer {plan.pointer} already at {_short(restore)}")
            pointer_record = self.promotion.promote(restore, to=plan.pointer, force=True)
            if not pointer_record.noop:
                done.append(f"moved pointer {plan.pointer} back to {_short(restore)}")
        deployment_done: Deployment | None = None
        if self.target.running().digest == restore:
            done.append(f"{self.target.name} already runs {_short(restore)}")
        else:
            deployment_done = self.target.deploy(plan.restore)
            if not deployment_done.succeeded:
                raise RollbackError(
                    f"redeploying {plan.restore} on {self.target.name} ended "
                    f"{deployment_done.status.value}: {deployment_done.detail}; check the "
                    "target, then run the rollback again (it is safe to repeat)",
                    completed_steps=done,
                )
            done.append(f"redeployed {plan.restore} on {self.target.name} ({deployment_done.id})")
        running = self.target.running().digest
        if running != restore:
            raise RollbackError(
                f"{self.target.name} reports {running} after the rollback, not {restore}; "
                "check the target, then run the rollback again (it is safe to repeat)",
                completed_steps=done,
            )
        done.append(f"verified {self.target.name} runs {_short(restore)}")
        files = None
        if evidence is not None:
            version = f" {plan.version}" if plan.version else ""
            files = evidence.record_failure(
                deployment=deployment or self.target.name,
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
