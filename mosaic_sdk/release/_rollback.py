"""Roll a target back to the release it ran before, verify it, and leave evidence.

:class:`~mosaic_sdk.release.Rollback` (and :class:`~mosaic_sdk.release.AsyncRollback`)
restores the previous digest of a target:

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

This module holds the pure parts both twins share: the values (:class:`RollbackPlan`,
:class:`RollbackResult`, :class:`DeployHistory`), the argument checks and the deciding.
The I/O is written once in ``release/_async/rollback.py`` (:class:`AsyncRollback`);
``scripts/gen_sync.py`` generates ``release/_sync/rollback.py`` (:class:`Rollback`).
"""

from __future__ import annotations

import html
import inspect
from collections.abc import Sequence
from typing import Any, Literal, Protocol, runtime_checkable

import attrs

from mosaic_sdk._core._repr import safe_repr
from mosaic_sdk._render import FieldsRepr, JSONResult, fields_dict, md_escape
from mosaic_sdk.errors import ConfigurationError, InvalidValueError, RollbackError
from mosaic_sdk.providers._protocol import Deployment, pinned_digest
from mosaic_sdk.release._evidence import EvidenceFiles
from mosaic_sdk.release._promotion import PromotionRecord
from mosaic_sdk.values import Digest, ImageReference

__all__ = ["DeployHistory", "RollbackPlan", "RollbackResult"]

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

    @safe_repr
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

    @safe_repr
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


def _check_twin(value: Any, kind: type, what: str, fix: str, methods: tuple[str, ...]) -> None:
    """Refuse ``value`` when its ``methods`` are not of ``kind``'s colour: awaitable for an
    ``Async...`` protocol or class, plain for its synchronous twin. A missing member
    counts as plain: the synchronous twin leaves it to fail where it is used, as before,
    and the asynchronous one refuses it."""
    asynchronous = kind.__name__.startswith("Async")
    if all(inspect.iscoroutinefunction(getattr(value, m, None)) == asynchronous for m in methods):
        return
    article = "an" if kind.__name__[0] in "AEIOU" else "a"
    colour = "not awaitable" if asynchronous else "coroutines"
    raise InvalidValueError(
        type(value).__name__,
        f"is not {article} {kind.__name__} {what} (its {'/'.join(methods)} are {colour})",
        fix,
    )


def _check_target(target: Any, kind: type) -> None:
    """Refuse a target of the other colour (``kind``: a target protocol)."""
    asynchronous = kind.__name__.startswith("Async")
    fix = (
        "pass an asynchronous target (AsyncComposeFileTarget, AsyncCoolifyDeploymentTarget, "
        "...) or use Rollback for a synchronous one"
        if asynchronous
        else "pass a synchronous target (ComposeFileTarget, CoolifyDeploymentTarget, ...) "
        "or use AsyncRollback for an asynchronous one"
    )
    _check_twin(target, kind, "to roll back", fix, ("deploy", "running"))


def _check_promotion(promotion: Any, kind: type) -> None:
    """Refuse a promotion of the other colour (``kind``: the promotion class)."""
    if promotion is None:
        return
    fix = (
        "pass AsyncPromotion(async_registry, repository)"
        if kind.__name__.startswith("Async")
        else "pass Promotion(registry, repository)"
    )
    _check_twin(promotion, kind, "to move the pointer back", fix, ("current", "promote"))


def _history(target: object) -> Sequence[_HistoryEntry] | None:
    """``target``'s deploy history, ``None`` when it keeps none."""
    if not isinstance(target, DeployHistory):
        return None
    return target.history()


async def _ahistory(target: object) -> Sequence[_HistoryEntry] | None:
    """``target``'s deploy history, ``None`` when it keeps none; an asynchronous target's
    ``history()`` may be awaitable (:class:`~mosaic_sdk.providers.AsyncComposeFileTarget`)
    or plain."""
    if not isinstance(target, DeployHistory):
        return None
    entries: Any = target.history()
    if inspect.isawaitable(entries):
        entries = await entries
    return entries  # type: ignore[no-any-return]


class _RollbackCore:
    """What :class:`~mosaic_sdk.release.Rollback` and
    :class:`~mosaic_sdk.release.AsyncRollback` share: the argument checks and the pure
    steps of planning (no I/O here; the target and promotion calls live in
    ``release/_async/rollback.py``)."""

    failed: Digest
    to: Digest | ImageReference | None
    record: PromotionRecord | None
    image_name: str | None
    version: str | None
    _failed_image: ImageReference | None

    def _configure(
        self,
        *,
        failed: Digest | ImageReference,
        to: Digest | ImageReference | None,
        record: PromotionRecord | None,
        image_name: str | None,
        version: str | None,
    ) -> None:
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
        self.image_name = image_name
        self.version = version

    def _given_name(self) -> str | None:
        """The repository to deploy when the arguments say it (no need to ask the target)."""
        if isinstance(self.to, ImageReference):
            return self.to.name
        if self.image_name:
            return self.image_name
        if self._failed_image is not None:
            return self._failed_image.name
        return None

    @staticmethod
    def _running_name(target_name: str, running: ImageReference | None) -> str:
        if running is not None:
            return running.name
        raise ConfigurationError(
            f"cannot tell which repository {target_name} deploys; pass "
            "image_name='registry/team/app' or failed=<pinned ImageReference>"
        )

    def _pointer(self, has_promotion: bool) -> str | None:
        return self.record.tag if self.record is not None and has_promotion else None

    def _explicit(self, name: str | None) -> ImageReference:
        """The image ``to`` names (``name``: the repository, needed for a bare digest)."""
        if isinstance(self.to, ImageReference):
            return self.to
        return ImageReference.parse(f"{name}@{self.to}")

    def _entry(
        self, entries: Sequence[_HistoryEntry] | None, digest: Digest | None
    ) -> _HistoryEntry | None:
        """The newest history entry of ``digest`` (or, for ``None``, of any digest but
        the failed one)."""
        for entry in reversed(entries or ()):
            if digest is not None and entry.digest == digest:
                return entry
            if digest is None and entry.digest != self.failed:
                return entry
        return None

    def _nothing_to_restore(self, target_name: str, keeps_history: bool) -> RollbackError:
        where = (
            "the promotion record says the pointer was unset before"
            if self.record is not None
            else "no promotion record was given"
        )
        history = (
            "its history holds no other digest" if keeps_history else "the target keeps no history"
        )
        return RollbackError(
            f"nothing to roll {target_name} back to from {self.failed}: {where}, and "
            f"{history}; pass to=<the last good digest>, or deploy a fixed release instead"
        )

    def _checked(
        self,
        target_name: str,
        image: ImageReference,
        version: str | None,
        source: RestoreSource,
        pointer: str | None,
    ) -> RollbackPlan:
        if pinned_digest(image) == self.failed:
            raise RollbackError(
                f"the release to restore on {target_name} ({image}) is the failed digest "
                "itself; pass to=<the last good digest>"
            )
        return RollbackPlan(
            target=target_name,
            failed=self.failed,
            restore=image,
            version=version,
            source=source,
            pointer=pointer,
        )

    @staticmethod
    def _redeploy_failed(plan: RollbackPlan, target_name: str, done: Deployment) -> str:
        return (
            f"redeploying {plan.restore} on {target_name} ended "
            f"{done.status.value}: {done.detail}; check the "
            "target, then run the rollback again (it is safe to repeat)"
        )

    @staticmethod
    def _not_verified(target_name: str, running: Digest | None, restore: Digest) -> str:
        return (
            f"{target_name} reports {running} after the rollback, not {restore}; "
            "check the target, then run the rollback again (it is safe to repeat)"
        )
