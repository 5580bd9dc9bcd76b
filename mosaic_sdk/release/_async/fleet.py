"""The I/O of retention across a registry, written once: the catalog, the protections,
then every repository planned and applied under one shared request budget.

:class:`AsyncRetentionFleet` lists the catalog (or takes the repositories it is given),
keeps those the :class:`~mosaic_sdk.release.FleetConfig` selects, asks each deployment
target what it runs and reads the promotion records, then plans the repositories
``concurrency`` at a time (:func:`~mosaic_sdk._core._concurrency.amap_bounded`). Every
registry request of every repository passes one semaphore of ``concurrency`` slots, so
the registry never sees more than ``concurrency`` requests of the fleet at once, however
many repositories are in flight. A repository that fails (its tags cannot be read, its
deletes are refused) is reported in its section and the others go on.
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Sequence
from datetime import datetime, timedelta, timezone
from typing import TYPE_CHECKING

from mosaic_sdk._core._concurrency import AsyncSemaphore, amap_bounded, arun_blocking
from mosaic_sdk._core._repr import safe_repr
from mosaic_sdk.errors import InvalidValueError, MosaicError, RetentionError
from mosaic_sdk.providers._protocol import AsyncDeploymentTarget
from mosaic_sdk.registry._cache import BlobCache
from mosaic_sdk.registry._models import Manifest
from mosaic_sdk.registry._names import validate_repository
from mosaic_sdk.registry._protocol import AsyncImageRegistry
from mosaic_sdk.release._async.retention import AsyncApplier, AsyncPlanner
from mosaic_sdk.release._fleet import (
    FleetConfig,
    FleetCounter,
    FleetOutcome,
    FleetPlan,
    FleetProgress,
    FleetResult,
    FleetSection,
    Protection,
    check_progress,
    load_promotion_records,
    protections_for,
    record_protections,
    registry_label,
)
from mosaic_sdk.release._journal import RetentionJournal
from mosaic_sdk.release._retention import (
    _check_concurrency,
    _check_lock,
    _days,
    _journal_arg,
    protection_map,
)
from mosaic_sdk.values import Digest

if TYPE_CHECKING:
    from mosaic_sdk.coordination._async.lock import AsyncDeploymentLock

__all__ = ["AsyncRetentionFleet"]


class AsyncBudgetedRegistry:
    """A registry whose every call waits for a slot of one shared semaphore."""

    def __init__(self, registry: AsyncImageRegistry, budget: AsyncSemaphore) -> None:
        self.wrapped = registry
        self._budget = budget

    async def resolve(self, repository: str, reference: str) -> Digest:
        async with self._budget:
            return await self.wrapped.resolve(repository, reference)

    async def get_manifest(self, repository: str, reference: str) -> Manifest:
        async with self._budget:
            return await self.wrapped.get_manifest(repository, reference)

    async def put_manifest(
        self,
        repository: str,
        reference: str,
        manifest: Manifest | bytes,
        media_type: str | None = None,
    ) -> Digest:
        async with self._budget:
            return await self.wrapped.put_manifest(repository, reference, manifest, media_type)

    async def list_tags(self, repository: str) -> list[str]:
        async with self._budget:
            return await self.wrapped.list_tags(repository)

    async def delete_manifest(self, repository: str, digest: Digest) -> None:
        async with self._budget:
            await self.wrapped.delete_manifest(repository, digest)

    async def get_blob(self, repository: str, digest: Digest) -> bytes:
        async with self._budget:
            return await self.wrapped.get_blob(repository, digest)

    async def put_blob(self, repository: str, data: bytes) -> Digest:
        async with self._budget:
            return await self.wrapped.put_blob(repository, data)

    async def blob_exists(self, repository: str, digest: Digest) -> bool:
        async with self._budget:
            return await self.wrapped.blob_exists(repository, digest)

    async def copy(
        self,
        src_repository: str,
        reference: str,
        dst_repository: str,
        tag: str | None = None,
    ) -> Digest:
        async with self._budget:
            return await self.wrapped.copy(src_repository, reference, dst_repository, tag)

    async def repositories(self) -> list[str]:
        async with self._budget:
            return await self.wrapped.repositories()

    async def aclose(self) -> None:
        """Nothing: the wrapped registry belongs to the caller."""


class AsyncRetentionFleet:
    """Retention for many repositories of one registry: one plan, one apply.

    Args:
        registry: an :class:`~mosaic_sdk.registry.AsyncImageRegistry`
            (``AsyncRegistryClient``, ``AsyncOCILayout``); it stays the caller's to close.
        config: which repositories and the policy of each (default: every repository
            of the catalog with the default :class:`~mosaic_sdk.release.RetentionPolicy`).
        targets: deployment targets; what each reports running
            (:meth:`~mosaic_sdk.providers.DeploymentTarget.running`) is protected in
            every repository.
        records: a folder of :class:`~mosaic_sdk.release.PromotionRecord` JSON files;
            the digests records promoted within ``rollback_window`` name (where the
            pointer went and where it came from) are protected in the record's repository.
        rollback_window: how far back records protect (default 30 days).
        protected_digests: more digests to protect in every repository (a list, or
            ``{digest: why}``).
        concurrency: the registry requests in flight at once, for the whole fleet.
        cache: a :class:`~mosaic_sdk.registry.BlobCache` for config blobs, shared by
            every repository.

    Example:
        ``fleet = AsyncRetentionFleet(client, config=FleetConfig.load("retention.toml"))``,
        then ``plan = await fleet.plan()``, ``print(plan)``, ``await fleet.apply(plan)``.
    """

    def __init__(
        self,
        registry: AsyncImageRegistry,
        *,
        config: FleetConfig | None = None,
        targets: Sequence[AsyncDeploymentTarget] = (),
        records: str | os.PathLike[str] | None = None,
        rollback_window: timedelta = timedelta(days=30),
        protected_digests: Iterable[Digest | str] = (),
        concurrency: int = 8,
        cache: BlobCache | None = None,
    ) -> None:
        if not isinstance(registry, AsyncImageRegistry):
            raise InvalidValueError(
                type(registry).__name__,
                "is not an AsyncImageRegistry",
                "pass an AsyncRegistryClient or an AsyncOCILayout",
            )
        _check_concurrency(concurrency)
        if config is not None and not isinstance(config, FleetConfig):
            raise InvalidValueError(
                type(config).__name__, "is not a FleetConfig", "pass FleetConfig.load(path)"
            )
        if not isinstance(rollback_window, timedelta) or rollback_window < timedelta(0):
            raise InvalidValueError(
                rollback_window,
                "rollback_window must be a non-negative timedelta",
                "pass e.g. timedelta(days=30)",
            )
        for target in targets:
            if not isinstance(target, AsyncDeploymentTarget):
                raise InvalidValueError(
                    type(target).__name__,
                    "is not an AsyncDeploymentTarget",
                    "pass targets with an awaitable running(), e.g. AsyncComposeFileTarget",
                )
        self.registry = registry
        self.config = config or FleetConfig()
        self.targets = tuple(targets)
        self.records = records
        self.rollback_window = rollback_window
        self.given = protection_map(protected_digests)
        self.concurrency = concurrency
        self.cache = cache
        self.label = registry_label(registry)
        self._budget = AsyncSemaphore(concurrency)
        self._budgeted = AsyncBudgetedRegistry(registry, self._budget)

    # -- protection ---------------------------------------------------------------------

    async def _target_protection(self, target: AsyncDeploymentTarget) -> Protection:
        try:
            running = await target.running()
        except MosaicError as exc:
            raise RetentionError(
                f"cannot tell what target {target.name!r} runs ({exc}); nothing was planned - "
                "fix the target or leave it out"
            ) from exc
        if running.digest is None:
            raise RetentionError(
                f"target {target.name!r} does not say which digest it runs "
                f"({running.detail or running}); nothing was planned - pin its image by "
                "digest, or leave the target out"
            )
        return Protection(
            digest=running.digest,
            kind="target",
            source=target.name,
            reason=f"runs on target {target.name}",
        )

    async def protections(self, now: datetime) -> list[Protection]:
        """What the targets run, what the records in the window name, what was given.

        Raises:
            RetentionError: a target cannot tell what it runs, or a file of the records
                folder is not a promotion record: without it nothing is planned.
        """
        found = [
            Protection(digest=d, kind="given", source="protected_digests", reason=why)
            for d, why in sorted(self.given.items())
        ]
        for target in self.targets:
            found.append(await self._target_protection(target))
        if self.records is not None:
            records = await arun_blocking(load_promotion_records, self.records)
            found += record_protections(records, now, self.rollback_window)
        return found

    # -- planning -----------------------------------------------------------------------

    async def repositories(self) -> tuple[list[str], list[str]]:
        """The catalog split into the repositories the config selects and the others."""
        catalog = await self._budgeted.repositories()
        chosen = [r for r in catalog if self.config.selects(r)]
        return chosen, [r for r in catalog if r not in chosen]

    async def _plan_one(
        self, repository: str, now: datetime, protections: Sequence[Protection]
    ) -> FleetSection:
        policy, source = self.config.policy_for(repository)
        planner = AsyncPlanner(
            policy,
            self._budgeted,
            repository,
            now,
            protections_for(protections, repository),
            self.concurrency,
            self.cache,
        )
        try:
            plan = await planner.run()
        except MosaicError as exc:
            return FleetSection(repository, source, None, str(exc))
        return FleetSection(repository, source, plan)

    async def plan(
        self, *, now: datetime | None = None, repositories: Sequence[str] | None = None
    ) -> FleetPlan:
        """Plan every selected repository; changes nothing.

        Args:
            now: the reference time (aware; default: now, UTC).
            repositories: plan these instead of reading the catalog (still filtered by
                the config's include and exclude patterns).

        Raises:
            RetentionError: a target or the records folder could not be read.
            APIError: the catalog could not be read.
        """
        when = datetime.now(timezone.utc) if now is None else now
        if not isinstance(when, datetime) or when.tzinfo is None:
            raise InvalidValueError(
                now, "now must be an aware datetime", "pass datetime.now(timezone.utc)"
            )
        when = when.astimezone(timezone.utc)
        protections = await self.protections(when)
        if repositories is None:
            chosen, skipped = await self.repositories()
        else:
            names = [validate_repository(r) for r in repositories]
            chosen = [r for r in names if self.config.selects(r)]
            skipped = [r for r in names if r not in chosen]

        async def one(repository: str) -> FleetSection:
            return await self._plan_one(repository, when, protections)

        sections = await amap_bounded(one, sorted(set(chosen)), self.concurrency)
        return FleetPlan(
            registry=self.label,
            now=when,
            sections=tuple(sections),
            protections=tuple(protections),
            skipped=tuple(sorted(skipped)),
        )

    # -- applying -----------------------------------------------------------------------

    async def apply(
        self,
        plan: FleetPlan,
        *,
        progress: FleetProgress | None = None,
        journal: RetentionJournal | str | os.PathLike[str] | None = None,
        lock: AsyncDeploymentLock | None = None,
    ) -> FleetResult:
        """Apply every repository's plan (each with the re-checks of
        :meth:`~mosaic_sdk.release.RetentionPlan.apply`), ``concurrency`` repositories
        and requests at a time. A repository whose plan failed, or whose apply stops
        (deletes refused: 401/403/405), is reported as failed; the others go on.

        Args:
            plan: a :class:`~mosaic_sdk.release.FleetPlan` of this fleet.
            progress: called as ``progress(done, total, repository, outcome)`` after
                each digest; ``done``/``total`` count digests over the whole fleet.
            journal: one undo journal folder (or
                :class:`~mosaic_sdk.release.RetentionJournal`) for the whole fleet: each
                repository writes its manifests there before its first DELETE (a
                repository whose entries cannot be written deletes nothing and is
                reported); ``mosaic retention undo`` puts them all back.
            lock: an :class:`~mosaic_sdk.AsyncDeploymentLock`: each repository's apply
                holds that repository's environment and slot keys while it deletes (see
                :meth:`~mosaic_sdk.release.RetentionPlan.aapply`), so no promotion of
                it runs meanwhile; a repository whose keys another holder keeps past the
                lock's ``wait`` deletes nothing and is reported, the others go on.
        """
        if not isinstance(plan, FleetPlan):
            raise InvalidValueError(
                type(plan).__name__, "is not a FleetPlan", "pass the result of fleet.plan()"
            )
        check_progress(progress)
        _check_lock(lock, "AsyncDeploymentLock")
        undo = _journal_arg(journal)
        counter = FleetCounter(progress, sum(len(p.deletions) for p in plan.plans))

        async def one(section: FleetSection) -> FleetOutcome:
            if section.plan is None:
                return FleetOutcome(
                    section.repository, None, f"not applied: planning failed ({section.error})"
                )
            applier = AsyncApplier(
                section.plan,
                self._budgeted,
                counter.for_repository(section.repository),
                self.concurrency,
                undo,
                lock=lock,
            )
            try:
                result = await applier.run()
            except MosaicError as exc:
                return FleetOutcome(section.repository, None, str(exc))
            failed = result.errors
            error = None
            if failed:
                error = f"{len(failed)} deletion(s) failed, first: {failed[0].reason}"
            return FleetOutcome(section.repository, result, error)

        outcomes = await amap_bounded(one, plan.sections, self.concurrency)
        return FleetResult(registry=plan.registry, outcomes=tuple(outcomes))

    @safe_repr
    def __repr__(self) -> str:
        window = _days(self.rollback_window)
        return (
            f"<AsyncRetentionFleet {self.label} targets={len(self.targets)} "
            f"records={self.records!r} rollback_window={window} concurrency={self.concurrency}>"
        )
