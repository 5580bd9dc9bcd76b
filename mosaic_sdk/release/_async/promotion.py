"""The I/O of digest promotion, written once: :class:`AsyncPromotion` reads and moves
the pointer tags of one repository through an
:class:`~mosaic_sdk.registry.AsyncImageRegistry`.

``scripts/gen_sync.py`` generates ``release/_sync/promotion.py`` (:class:`AsyncPromotion`
with an :class:`~mosaic_sdk.registry.AsyncImageRegistry`) from this file. The rules, the
request table and the pure values (:class:`~mosaic_sdk.release.PromotionPlan`,
:class:`~mosaic_sdk.release.PromotionRecord`, the argument checks) live in
``mosaic_sdk.release._promotion``.
"""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator, Callable, Sequence
from datetime import datetime
from typing import TYPE_CHECKING, Literal

from mosaic_sdk._core._repr import safe_repr
from mosaic_sdk.errors import (
    APIConnectionError,
    APIResponseValidationError,
    InvalidValueError,
    MosaicError,
    NotFoundError,
    PromotionError,
    RateLimitError,
    ServerError,
)
from mosaic_sdk.registry._models import Manifest
from mosaic_sdk.registry._protocol import AsyncImageRegistry
from mosaic_sdk.release._promotion import (
    _PUT_ATTEMPTS,
    BlueGreenState,
    PromotionPlan,
    PromotionRecord,
    _idle_slot,
    _PromotionCore,
    _short,
    _Source,
)
from mosaic_sdk.release._scan import ScanGate
from mosaic_sdk.values import Digest, ImageTag

if TYPE_CHECKING:
    from mosaic_sdk.coordination._async.lock import AsyncDeploymentLock
    from mosaic_sdk.coordination._lease import Lease

__all__ = ["AsyncPromotion"]


def _check_lock(lock: object) -> AsyncDeploymentLock | None:
    """``lock`` when it is ``None`` or an :class:`~mosaic_sdk.AsyncDeploymentLock`."""
    if lock is None:
        return None
    from mosaic_sdk.coordination._async.lock import AsyncDeploymentLock

    if not isinstance(lock, AsyncDeploymentLock):
        raise InvalidValueError(
            type(lock).__name__,
            "lock= is not an AsyncDeploymentLock",
            "pass AsyncDeploymentLock(), AsyncDeploymentLock.file(path) or "
            "AsyncDeploymentLock.redis(url), or None",
        )
    return lock


def _check_registry(registry: object) -> AsyncImageRegistry:
    """``registry`` when it is an :class:`~mosaic_sdk.registry.AsyncImageRegistry`, else
    a typed error naming the fix."""
    if not isinstance(registry, AsyncImageRegistry):
        raise InvalidValueError(
            type(registry).__name__,
            "is not an AsyncImageRegistry (resolve/get_manifest/put_manifest...)",
            "pass a registry client (AsyncRegistryClient), an AsyncOCILayout or any "
            "AsyncImageRegistry such as mosaic_sdk.testing's in-memory registry",
        )
    return registry


class AsyncPromotion(_PromotionCore):
    """Promote exact digests between the pointer tags of one repository.

    The methods cost the requests the table in :mod:`mosaic_sdk.release._promotion` lists;
    :meth:`plan_promotion` checks and :meth:`apply` writes, and every other method is
    made of those two.

    Args:
        registry: any :class:`~mosaic_sdk.registry.AsyncImageRegistry` (a
            :class:`~mosaic_sdk.registry.AsyncRegistryClient`, an
            :class:`~mosaic_sdk.registry.AsyncOCILayout`, or
            :class:`mosaic_sdk.testing.InMemoryRegistry` for the synchronous twin).
        repository: the repository, e.g. ``team/app``.
        actor: who promotes, written in every record; defaults to ``$MOSAIC_ACTOR``, then
            ``$USER``.
        clock: returns the current time as an aware datetime (for tests).
        verify: ``"put"`` (default) trusts the digest the PUT answer reports, which
            :meth:`~mosaic_sdk.registry.ImageRegistry.put_manifest` checks against the
            bytes; ``"resolve"`` also HEADs the pointer afterwards (one more request).
        environments: the repository's environment order, ``("testing", "staging",
            "prod")`` or ``("testing", "prod")`` for a repository that never uses
            ``staging``. ``None`` (default) reads it from the registry: ``prod`` follows
            ``staging`` when a ``staging`` tag exists, else ``testing`` - which costs a
            request to find ``staging`` absent. Declared, the order is enforced as given:
            promoting to an undeclared ``staging`` is refused, and a declared ``staging``
            that has no image blocks ``prod``.
        lock: an :class:`~mosaic_sdk.AsyncDeploymentLock`: every write holds the key
            ``"<repository>:<tag>"`` (:meth:`promote` from the plan to the PUT,
            :meth:`deploy_to_idle_slot` both slots), so two pipelines never move one
            pointer at once and a retention apply holding the repository waits; the
            lease is renewed, which checks its fencing token, right before the PUT.
            :class:`~mosaic_sdk.errors.LockHeldError` when another holder keeps the
            key past the lock's ``wait``; :class:`~mosaic_sdk.errors.StaleLeaseError`
            (nothing written) when the lease was lost.
        require_evidence: refuse to move ``prod`` (a promotion or a slot switch) to a
            digest that has no passing validation report from ``testing`` attached in
            the registry (:class:`~mosaic_sdk.release.AsyncRegistryEvidence`): planning
            raises :class:`~mosaic_sdk.errors.EvidenceMissingError`, naming the digest,
            what is missing and how to attach it. With a ``scan_gate`` guarding ``prod``,
            a scan report naming the digest must be attached too. Costs the reads of the
            referrers list and of each attached report (2 requests per report on a
            registry).
        scan_gate: a :class:`~mosaic_sdk.release.ScanGate`: planning a move of ``prod``
            (or of a ``blue``/``green`` slot) to a digest raises
            :class:`~mosaic_sdk.errors.ScanGateError` while the digest's vulnerability
            report has unwaived findings at or above the gate's severity, and adds the
            gate's verdict to the plan's checks. ``force`` does not skip it;
            :meth:`switch` is not gated (the slot was checked when the digest was deployed
            to it), and neither is a rollback, which restores a digest that ran before.

    Example (the module documentation of ``mosaic_sdk.release._promotion`` runs it)::

        promotion = AsyncPromotion(registry, "team/app", actor="ci")
        record = await promotion.promote(image.digest, to="testing")
        plan = await promotion.plan_promotion(from_environment="testing", to="prod")
        record = await promotion.apply(plan)
    """

    def __init__(
        self,
        registry: AsyncImageRegistry,
        repository: str,
        *,
        actor: str | None = None,
        clock: Callable[[], datetime] | None = None,
        verify: Literal["put", "resolve"] = "put",
        environments: Sequence[str] | None = None,
        require_evidence: bool = False,
        scan_gate: ScanGate | None = None,
        lock: AsyncDeploymentLock | None = None,
    ) -> None:
        self.registry = _check_registry(registry)
        self.lock = _check_lock(lock)
        self._configure(
            repository,
            actor=actor,
            clock=clock,
            verify=verify,
            environments=environments,
            require_evidence=require_evidence,
            scan_gate=scan_gate,
        )

    @safe_repr
    def __repr__(self) -> str:
        declared = "" if self.environments is None else f", environments={self.environments!r}"
        gated = "" if self.scan_gate is None else f", scan_gate={self.scan_gate!r}"
        name = type(self).__name__
        return (
            f"{name}({self.registry!r}, {self.repository!r}, actor={self.actor!r}{declared}{gated})"
        )

    # -- public API --------------------------------------------------------------------

    async def plan_promotion(
        self,
        source: Digest | ImageTag | str | None = None,
        *,
        to: str,
        from_environment: str | None = None,
        force: bool = False,
    ) -> PromotionPlan:
        """Check a promotion and return the :class:`PromotionPlan`; nothing is written.

        Args:
            source: a :class:`~mosaic_sdk.values.Digest`, a digest string or an immutable
                tag (``sha-...``, ``vX.Y.Z-rc.N``, ``vX.Y.Z``).
            to: the pointer to move: ``testing``, ``staging``, ``prod``, ``blue``, ``green``.
            from_environment: instead of ``source``: promote what this environment pointer
                points to now.
            force: skip the environment order check.

        Raises:
            ForbiddenTagError: ``latest``/``dev`` as source or target.
            InvalidValueError: malformed source or target, or both/neither of ``source``
                and ``from_environment``.
            PromotionError: a pointer tag as ``source``; the order check failed (the
                message names the environment to promote to first); a source that does
                not exist.
            ScanGateError: the promotion's scan gate refuses the digest (the message
                lists each blocking CVE with its package, installed and fixed version).
        """
        if not isinstance(force, bool):
            raise InvalidValueError(force, "force must be True or False", "pass force=True")
        target = self._target(to)
        src = self._source(source, from_environment, target)
        self._check_declared(target, src.pointer)
        plan = await self._plan(src, target, force=force, before=await self._current(target))
        return await self._evidence_checked(plan)

    async def promote(
        self,
        source: Digest | ImageTag | str | None = None,
        *,
        to: str,
        from_environment: str | None = None,
        force: bool = False,
    ) -> PromotionRecord:
        """Move pointer ``to`` to ``source``'s digest and return the record.

        Same arguments and errors as :meth:`plan_promotion`; a repeat is a no-op whose
        record has ``noop=True``. See the module documentation for the request sequence.
        """
        async with self._holding(self._target(to)):
            plan = await self.plan_promotion(
                source, to=to, from_environment=from_environment, force=force
            )
            return await self.apply(plan)

    async def promote_environment(
        self, from_environment: str, to: str, *, force: bool = False
    ) -> PromotionRecord:
        """Promote what ``from_environment`` points to now into ``to``
        (``promote_environment("testing", "staging")``)."""
        return await self.promote(from_environment=from_environment, to=to, force=force)

    async def current(self, tag: str) -> Digest | None:
        """Where pointer ``tag`` points now (one HEAD), ``None`` when unset."""
        return await self._current(self._target(tag))

    async def slots(self) -> BlueGreenState:
        """Read ``prod``, ``blue`` and ``green`` (three HEADs) and say which slot is live."""
        prod = await self._current("prod")
        blue = await self._current("blue")
        green = await self._current("green")
        return self._state(prod, blue, green)

    async def deploy_to_idle_slot(
        self, source: Digest | ImageTag | str, *, force: bool = False
    ) -> PromotionRecord:
        """Point the idle slot (the one ``prod`` does not point to) at ``source``.

        The live slot keeps its digest, so :meth:`switch` can move ``prod`` to the new
        slot and back instantly. The order check is the one for ``prod``: ``staging`` (or
        ``testing`` when there is no ``staging``) must point to the digest, unless
        ``force``. Costs HEAD ``prod`` and HEAD ``blue`` (and HEAD ``green`` when
        ``blue`` holds a digest), then the order check's GET(s) and the PUT: 4 to 6 requests.
        """
        if not isinstance(force, bool):
            raise InvalidValueError(force, "force must be True or False", "pass force=True")
        async with self._holding("blue", "green"):
            return await self._deploy_to_idle_slot(source, force)

    async def _deploy_to_idle_slot(
        self, source: Digest | ImageTag | str, force: bool
    ) -> PromotionRecord:
        prod = await self._current("prod")
        blue = await self._current("blue")
        # The idle slot is known from prod and blue alone when blue is live or empty;
        # green is only read when needed.
        if prod is not None and blue == prod:
            idle, before = "green", await self._current("green")
        elif blue is None:
            idle, before = "blue", blue
        else:
            green = await self._current("green")
            idle = _idle_slot(prod, blue, green)
            before = blue if idle == "blue" else green
        src = self._source(source, None, idle)
        return await self.apply(await self._plan(src, idle, force=force, before=before))

    async def switch(self, to_slot: str) -> PromotionRecord:
        """Move ``prod`` to the digest slot ``to_slot`` points to (HEAD prod, GET slot,
        PUT prod). The other slot keeps its digest, so switching back is the same call
        with the other slot.

        Raises:
            InvalidValueError: ``to_slot`` is not ``blue`` or ``green``.
            PromotionError: the slot has no image yet (deploy to it first).
        """
        slot = str(ImageTag.slot(to_slot))
        async with self._holding("prod"):
            return await self._switch(slot)

    async def _switch(self, slot: str) -> PromotionRecord:
        before = await self._current("prod")
        try:
            manifest = await self.registry.get_manifest(self.repository, slot)
        except NotFoundError:
            raise PromotionError(
                f"cannot switch {self.repository}:prod to slot {slot!r}: the slot has no image; "
                "deploy one with deploy_to_idle_slot(digest) or promote(digest, to="
                f"{slot!r}) first"
            ) from None
        plan = PromotionPlan(
            repository=self.repository,
            tag="prod",
            source=slot,
            digest=manifest.digest,
            digest_before=before,
            checks=(f"{slot} points to {manifest.digest} (slot switch: order not checked)",),
            forced=False,
            manifest=None if before == manifest.digest else manifest,
        )
        return await self.apply(await self._evidence_checked(plan))

    async def switch_prod_to(self, slot: str) -> PromotionRecord:
        """Alias of :meth:`switch`."""
        return await self.switch(slot)

    # -- internals ---------------------------------------------------------------------

    @contextlib.asynccontextmanager
    async def _holding(self, *tags: str) -> AsyncIterator[tuple[Lease, ...]]:
        """Hold ``"<repository>:<tag>"`` for each tag through :attr:`lock` (re-entrant;
        nothing without a lock)."""
        if self.lock is None:
            yield ()
            return
        keys = [self.lock.key(self.repository, tag) for tag in tags]
        async with self.lock.hold_all(keys) as leases:
            yield leases

    async def _evidence_checked(self, plan: PromotionPlan) -> PromotionPlan:
        """``plan``, with the evidence check added when it moves ``prod`` under
        ``require_evidence``; :class:`~mosaic_sdk.errors.EvidenceMissingError` when the
        digest has no passing validation report from ``testing`` attached - or, with a
        scan gate guarding ``prod``, no scan report naming it."""
        if not self._needs_evidence(plan):
            return plan
        # Imported here: a promotion that requires no evidence loads no validation code.
        from mosaic_sdk.release._async.attached import AsyncRegistryEvidence

        evidence = AsyncRegistryEvidence(self.registry, self.repository)
        report, scan = await evidence.require(
            plan.digest,
            environment="testing",
            scan=self.scan_gate is not None and self.scan_gate.applies_to(plan.tag),
            action=f"refusing to move {self.repository}:prod to",
        )
        return self._with_evidence(plan, report, scan)

    async def _current(self, tag: str) -> Digest | None:
        try:
            return await self.registry.resolve(self.repository, tag)
        except NotFoundError:
            return None

    async def _get(self, reference: str, label: str) -> Manifest:
        try:
            return await self.registry.get_manifest(self.repository, reference)
        except NotFoundError:
            raise PromotionError(
                f"cannot promote {label}: it is not in {self.repository!r}; push it first, or "
                "check the digest/tag (list_tags)"
            ) from None

    async def _restore(self, digest: Digest, *, to: str) -> PromotionRecord:
        """Move pointer ``to`` back to ``digest`` for a rollback: the order check and the
        scan gate are skipped, as the digest ran there before (``require_evidence`` still
        applies, as it does to ``promote(..., force=True)``)."""
        target = self._target(to)
        src = self._source(digest, None, target)
        self._check_declared(target, None)
        before = await self._current(target)
        plan = await self._plan(src, target, force=True, before=before, gate=False)
        return await self.apply(await self._evidence_checked(plan))

    async def _plan(
        self,
        src: _Source,
        target: str,
        *,
        force: bool,
        before: Digest | None,
        gate: bool = True,
    ) -> PromotionPlan:
        preds = () if force else self._predecessors(target)
        checks: list[str] = []
        if force:
            checks.append("forced: environment order not checked")
        manifest: Manifest | None
        if src.digest is not None:
            digest = src.digest
            if before == digest:
                return self._make(src, target, digest, before, (), force, None, gate=gate)
            manifest = None
            for pred in preds:
                try:
                    found = await self.registry.get_manifest(self.repository, pred)
                except NotFoundError:
                    if self._may_skip(pred, target):
                        checks.append("staging is not used in this repository: checked testing")
                        continue
                    raise self._refuse(src.label, digest, target, pred, None) from None
                if found.digest != digest:
                    raise self._refuse(src.label, digest, target, pred, found.digest)
                checks.append(f"{pred} points to {digest}")
                manifest = found
                break
            if manifest is None:
                manifest = await self._get(src.reference, src.label)
                if manifest.digest != digest:  # pragma: no cover - backends verify this
                    raise PromotionError(
                        f"{self.repository}@{digest} returned content hashing to "
                        f"{manifest.digest}; the registry is not usable for digest promotion"
                    )
        else:
            manifest = await self._get(src.reference, src.label)
            digest = manifest.digest
            if src.pointer is not None:
                checks.append(f"{src.pointer} points to {digest}")
            if before == digest:
                return self._make(
                    src, target, digest, before, tuple(checks), force, None, gate=gate
                )
            for pred in preds:
                if pred == src.pointer:
                    break
                found_digest = await self._current(pred)
                if found_digest is None and self._may_skip(pred, target):
                    checks.append("staging is not used in this repository: checked testing")
                    continue
                if found_digest != digest:
                    raise self._refuse(src.label, digest, target, pred, found_digest)
                checks.append(f"{pred} points to {digest}")
                break
        return self._make(src, target, digest, before, tuple(checks), force, manifest, gate=gate)

    async def apply(self, plan: PromotionPlan) -> PromotionRecord:
        """Write the pointer ``plan`` moves (one ``put_manifest``) and return the record.

        ``plan`` comes from :meth:`plan_promotion` (of this promotion's repository). A
        no-op plan writes nothing and returns a record with ``noop=True``. The pointer is
        last-writer-wins (registries have no compare-and-swap on tags): if someone moved it
        since the plan, ``digest_before`` is the value seen when planning.

        A PUT whose answer is lost (connection reset, read timeout, 5xx) may still have
        landed, so it is never resent blindly: the pointer is read back first. Holding the
        promoted digest, the promotion succeeded; still holding ``digest_before``, the PUT
        is sent again (at most 3 PUTs); holding anything else, someone else moved it and
        nothing is sent over it.

        Raises:
            InvalidValueError: ``plan`` is not a :class:`PromotionPlan`, or it is for
                another repository.
            PromotionError: the registry stored another digest than the one sent; the
                pointer moved to another digest while the PUT went unanswered (the
                message names it); the pointer could not be read back after a lost
                answer (the message says it may have moved).
        """
        plan = self._check_plan(plan)
        if plan.noop or plan.manifest is None:
            return self._record(plan, noop=True)
        async with self._holding(plan.tag) as leases:
            return await self._apply(plan, plan.manifest, leases)

    async def _apply(
        self, plan: PromotionPlan, manifest: Manifest, leases: tuple[Lease, ...]
    ) -> PromotionRecord:
        if self.lock is not None:
            await self.lock.renew_all(leases)  # the fencing check: a lost lease writes nothing
        written = await self._put(plan, manifest)
        if written != plan.digest:
            raise PromotionError(
                f"{plan.repository}:{plan.tag} was written as {written}, not {plan.digest}; the "
                "registry changed the manifest - promote again, or use another registry"
            )
        if self.verify == "resolve":
            try:
                now = await self._current(plan.tag)
            except MosaicError as exc:
                raise PromotionError(
                    f"{plan.repository}:{plan.tag} was written as {plan.digest}, but reading "
                    f"it back failed ({exc}); check it with current()",
                    completed_steps=(f"PUT {plan.tag}",),
                ) from exc
            if now != plan.digest:
                raise PromotionError(
                    f"{plan.repository}:{plan.tag} reads back as {now}, not {plan.digest}; "
                    "someone moved it at the same time - check who, then promote again",
                    completed_steps=(f"PUT {plan.tag}",),
                )
        return self._record(plan, noop=False)

    async def _put(self, plan: PromotionPlan, manifest: Manifest) -> Digest:
        """PUT the pointer. A PUT whose answer was lost (reset, timeout, 5xx) may have
        landed: the pointer is read back before anything is sent again, and sent again
        only while it still holds ``digest_before``; otherwise the error names what it
        holds now. A tag PUT is never resent blindly (it could revert a newer one)."""
        where = f"{plan.repository}:{plan.tag}"
        for attempt in range(1, _PUT_ATTEMPTS + 1):
            try:
                return await self.registry.put_manifest(plan.repository, plan.tag, manifest)
            except APIResponseValidationError as exc:
                raise PromotionError(
                    f"{where} did not move to {plan.digest}: {exc}; check "
                    "the pointer with current() and promote again"
                ) from exc
            except (APIConnectionError, ServerError, RateLimitError) as exc:
                failure = exc
            try:
                now = await self._current(plan.tag)
            except MosaicError as exc:
                raise PromotionError(
                    f"{where}: the registry did not answer the PUT of {plan.digest} "
                    f"({failure}), and reading the pointer back failed ({exc}); the pointer "
                    f"may have moved to {plan.digest}: check it with current() before "
                    "promoting again"
                ) from exc
            if now == plan.digest:
                return plan.digest  # it landed; only the answer was lost
            if now != plan.digest_before:
                raise PromotionError(
                    f"{where} now points to {now}, not to {plan.digest}: it changed while "
                    f"this promotion's PUT went unanswered ({failure}), so the PUT was not "
                    f"sent again over it; check who promoted {now}, then promote again if "
                    "needed"
                ) from failure
            if attempt == _PUT_ATTEMPTS:
                raise PromotionError(
                    f"{where} did not move: it still points to {_short(now)} after "
                    f"{_PUT_ATTEMPTS} PUTs of {plan.digest} went unanswered ({failure}); "
                    "promote again later"
                ) from failure
        raise AssertionError("unreachable")  # pragma: no cover
