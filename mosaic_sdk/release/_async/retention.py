"""The I/O of registry retention, written once: planning and applying.

:class:`AsyncPlanner` reads a repository (the tag list, every tag's manifest, the config
blobs that date an image, through the :class:`~mosaic_sdk.registry.BlobCache`) and makes
the :class:`~mosaic_sdk.release.RetentionPlan`; :class:`AsyncApplier` re-checks and deletes
what a plan deletes, and puts back what a pointer reached meanwhile. What does no I/O
lives in plain modules: the values and their rendering in ``release/_retention.py``, the
verdicts and the graph of who depends on whom in ``release/_retention_rules.py``. Up to
``concurrency`` requests run at once (:func:`~mosaic_sdk._core._concurrency.amap_bounded`),
each with the caller's context, so the correlation id reaches every request.
"""

from __future__ import annotations

import json
import logging
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from datetime import datetime
from typing import TYPE_CHECKING, TypeVar

from mosaic_sdk._core._concurrency import AsyncLock, amap_bounded, arun_blocking
from mosaic_sdk.errors import (
    APIConnectionError,
    APIStatusError,
    MosaicError,
    NotFoundError,
    RateLimitError,
    RetentionError,
    ServerError,
    StaleLeaseError,
    UnsupportedOperationError,
)
from mosaic_sdk.registry._cache import BlobCache
from mosaic_sdk.registry._models import INDEX_MEDIA_TYPES, Manifest
from mosaic_sdk.registry._protocol import AsyncImageRegistry
from mosaic_sdk.release._journal import JournalStatus, RetentionJournal
from mosaic_sdk.release._retention import (
    _CONFIG_TYPES,
    _POINTER_TAGS,
    AsyncCall,
    DeletionOutcome,
    DigestDeletion,
    OutcomeStatus,
    PlanReads,
    ProgressCallback,
    Restoration,
    RetentionPlan,
    RetentionPolicy,
    RetentionResult,
    TagDecision,
    _short,
    parse_created,
)
from mosaic_sdk.release._retention_rules import (
    _UNDECIDED,
    Cause,
    _annotation_time,
    _category,
    _decide_by_age,
    _decide_by_name,
    _decide_signatures,
    _deletions,
    _Draft,
    _Graph,
    _seeds,
    _subject,
)
from mosaic_sdk.values import Digest, signature_subject

if TYPE_CHECKING:
    from mosaic_sdk.coordination._async.lock import AsyncDeploymentLock
    from mosaic_sdk.coordination._lease import Lease

__all__ = ["AsyncApplier", "AsyncPlanner"]

T = TypeVar("T")
K = TypeVar("K")

logger = logging.getLogger("mosaic_sdk.release")


async def _pmap(
    fn: AsyncCall[K, T], items: Iterable[K], concurrency: int
) -> list[tuple[K, T | None, BaseException | None]]:
    """Call ``fn`` on each item, ``concurrency`` at a time; collect (item, result, error)."""

    async def call(item: K) -> tuple[K, T | None, BaseException | None]:
        try:
            return item, await fn(item), None
        except MosaicError as exc:
            return item, None, exc

    return await amap_bounded(call, items, concurrency)


# -- planning ---------------------------------------------------------------------------


class AsyncPlanner:
    """Reads a repository and decides every tag (the I/O of :meth:`RetentionPolicy.aplan`)."""

    def __init__(
        self,
        policy: RetentionPolicy,
        registry: AsyncImageRegistry,
        repository: str,
        now: datetime,
        protected: Mapping[Digest, str],
        concurrency: int,
        cache: BlobCache | None,
    ) -> None:
        self.policy = policy
        self.cache = cache
        self.registry = registry
        self.repository = repository
        self.now = now
        self.protected = protected
        self.concurrency = concurrency
        self.manifests: dict[Digest, Manifest] = {}
        self.created: dict[Digest, datetime | None] = {}
        self.config_created: dict[Digest, datetime | None] = {}
        self._counts = {"tag_lists": 0, "manifests": 0, "configs": 0, "configs_cached": 0}
        self._count_lock = AsyncLock()

    async def _count(self, what: str) -> None:
        async with self._count_lock:
            self._counts[what] += 1

    # fetching ------------------------------------------------------------------------

    def _fail(self, what: str, exc: BaseException) -> RetentionError:
        return RetentionError(
            f"cannot plan retention for {self.repository!r}: reading {what} failed ({exc}); "
            "nothing was deleted - fix the registry access and plan again"
        )

    async def _fetch_manifests(self, digests: Iterable[Digest]) -> None:
        """GET manifests by digest that are not cached; missing ones are skipped."""
        wanted = [d for d in dict.fromkeys(digests) if d not in self.manifests]
        for digest, manifest, error in await _pmap(self._get_manifest, wanted, self.concurrency):
            if isinstance(error, NotFoundError):
                continue
            if error is not None:
                raise self._fail(f"manifest {digest}", error)
            assert manifest is not None
            self.manifests[digest] = manifest

    async def _get_manifest(self, reference: Digest | str) -> Manifest:
        await self._count("manifests")
        return await self.registry.get_manifest(self.repository, str(reference))

    async def _config_time(self, config: Digest) -> datetime | None:
        data = await arun_blocking(self.cache.get, config) if self.cache is not None else None
        if data is None:
            await self._count("configs")
            data = await self.registry.get_blob(self.repository, config)
            if self.cache is not None:
                await arun_blocking(self.cache.put, config, data)
        else:
            await self._count("configs_cached")
        try:
            doc = json.loads(data)
        except (UnicodeDecodeError, json.JSONDecodeError):
            return None
        return parse_created(doc.get("created")) if isinstance(doc, dict) else None

    async def _fetch_configs(self, manifests: Iterable[Manifest]) -> None:
        wanted: list[Digest] = []
        for manifest in manifests:
            config = manifest.config
            if config is None or config.media_type not in _CONFIG_TYPES:
                continue
            if config.digest not in self.config_created:
                wanted.append(config.digest)
        for digest, when, error in await _pmap(
            self._config_time, dict.fromkeys(wanted), self.concurrency
        ):
            if error is not None and not isinstance(error, NotFoundError):
                raise self._fail(f"config blob {digest}", error)
            self.config_created[digest] = when

    def _own_time(self, manifest: Manifest) -> datetime | None:
        when = _annotation_time(manifest)
        if when is not None:
            return when
        config = manifest.config_digest
        return self.config_created.get(config) if config is not None else None

    async def _resolve_ages(self, digests: Iterable[Digest]) -> None:
        """Creation time for each digest: annotation, else config, else newest child."""
        todo = [d for d in dict.fromkeys(digests) if d in self.manifests]
        images = [self.manifests[d] for d in todo if not self.manifests[d].is_index]
        indexes = [self.manifests[d] for d in todo if self.manifests[d].is_index]
        needs_children = [m for m in indexes if _annotation_time(m) is None]
        await self._fetch_manifests(c for m in needs_children for c in m.child_digests)
        children = [
            self.manifests[c]
            for m in needs_children
            for c in m.child_digests
            if c in self.manifests and not self.manifests[c].is_index
        ]
        await self._fetch_configs(m for m in [*images, *children] if _annotation_time(m) is None)
        for digest in todo:
            manifest = self.manifests[digest]
            when = self._own_time(manifest)
            if when is None and manifest.is_index:
                times = [
                    self._own_time(self.manifests[c])
                    for c in manifest.child_digests
                    if c in self.manifests and not self.manifests[c].is_index
                ]
                known = [t for t in times if t is not None]
                when = max(known) if known else None
            self.created[digest] = when

    # deciding ------------------------------------------------------------------------

    async def run(self) -> RetentionPlan:
        try:
            await self._count("tag_lists")
            tags = await self.registry.list_tags(self.repository)
        except NotFoundError as exc:
            # A typo in a cron job must not plan "nothing to delete" forever.
            raise NotFoundError(
                f"repository {self.repository!r} does not exist on the registry "
                f"({exc}); check the name (mosaic retention plan --repository NAME)",
                status_code=exc.status_code,
            ) from None
        except MosaicError as exc:
            raise self._fail("the tag list", exc) from exc
        drafts = {tag: _Draft(tag, *_category(tag)) for tag in sorted(set(tags))}

        # 1. Every tag's manifest (one GET per tag; the digest comes with the bytes).
        vanished: set[str] = set()
        for tag, manifest, error in await _pmap(self._get_manifest, list(drafts), self.concurrency):
            if isinstance(error, NotFoundError):
                vanished.add(tag)
                continue
            if error is not None:
                raise self._fail(f"tag {tag!r}", error)
            assert manifest is not None
            drafts[tag].digest = manifest.digest
            self.manifests.setdefault(manifest.digest, manifest)
        for tag in vanished:  # deleted while planning: nothing left to decide
            del drafts[tag]

        # 2. Protected digests that no tag names: fetched to follow their children.
        await self._fetch_manifests(self.protected)
        graph = _Graph.build(drafts.values(), self.manifests)

        # 3. Verdicts that need no age: releases, pointers, unmanaged tags, newest RCs.
        pending = _decide_by_name(self.policy, drafts)

        # 4. What those keep, with everything it depends on. A sha/RC tag on such a
        #    digest is kept whatever its age, so its age is never read.
        sure = await self._walk(_seeds(self.protected, drafts, graph), graph)
        implied = [d for d in pending if d.digest in sure]
        aged = [d for d in pending if d.digest not in sure]

        # 5. Ages (annotation, else config blob, else newest child) and age verdicts.
        await self._resolve_ages(d.digest for d in aged if d.digest is not None)
        for draft in aged:
            draft.created = self.created.get(draft.digest) if draft.digest else None
            draft.age = None if draft.created is None else self.now - draft.created
            _decide_by_age(self.policy, draft)

        # 6. The full keep set, then signatures (kept exactly while their subject is).
        causes = await self._walk(_seeds(self.protected, drafts, graph), graph)
        _decide_signatures(graph, causes)

        # 7. Deletion is per digest: a deletable tag on a kept digest is kept.
        for draft in implied:
            assert draft.digest is not None
            rule, cause = causes[draft.digest]
            draft.verdict = "keep"
            draft.reason = f"{draft.category} tag, kept with its digest, which {cause}"
            draft.rule = rule
        for draft in drafts.values():
            if draft.verdict == "delete" and draft.digest in causes:
                rule, cause = causes[draft.digest]
                draft.verdict = "keep"
                draft.reason = f"{draft.reason}, but kept: its digest {cause}"
                draft.rule = rule

        assert all(d.verdict != _UNDECIDED for d in drafts.values())
        decisions = tuple(
            TagDecision(
                tag=d.tag,
                digest=d.digest,
                category=d.category,
                verdict="delete" if d.verdict == "delete" else "keep",
                reason=d.reason,
                created=d.created,
                age=d.age,
                rule=d.rule,
            )
            for d in sorted(drafts.values(), key=lambda d: d.tag)
        )
        return RetentionPlan(
            repository=self.repository,
            policy=self.policy,
            now=self.now,
            decisions=decisions,
            deletions=_deletions(drafts, self.manifests),
            protected_digests=frozenset(self.protected),
            pointers=tuple(sorted(t for t in drafts if t in _POINTER_TAGS)),
            protections=dict(self.protected),
            reads=PlanReads(**self._counts),
            manifests=dict(self.manifests),
        )

    async def _walk(self, seeds: Mapping[Digest, Cause], graph: _Graph) -> dict[Digest, Cause]:
        """Everything the seed digests depend on: index children (nested indexes are
        fetched), signature tags of a kept digest, manifests whose subject is kept."""
        causes: dict[Digest, Cause] = {}
        queue: list[Digest] = []

        def keep(digest: Digest, cause: str, rule: str = "dependency") -> None:
            if digest not in causes:
                causes[digest] = (rule, cause)
                queue.append(digest)

        for digest, (rule, cause) in seeds.items():
            keep(digest, cause, rule)
        while queue:
            digest = queue.pop()
            label = graph.label(digest)
            manifest = self.manifests.get(digest)
            if manifest is not None and manifest.is_index:
                nested = [
                    c.digest
                    for c in manifest.manifests
                    if c.media_type in INDEX_MEDIA_TYPES and c.digest not in self.manifests
                ]
                if nested:
                    await self._fetch_manifests(nested)
                for child in manifest.child_digests:
                    keep(child, f"is an image of the kept index {label}")
            for sig in graph.signatures.get(digest, ()):
                if sig.digest is not None:
                    keep(
                        sig.digest, f"is tagged {sig.tag} (signature of kept {label})", "signature"
                    )
            for referrer in graph.referrers.get(digest, ()):
                keep(referrer, f"refers to the kept image {label} (subject)")
        return causes


# -- applying ---------------------------------------------------------------------------

# The registry refuses deletion as such (disabled, or no permission): stop the run.
_STOP_STATUSES = frozenset({401, 403, 405})


# A delete whose answer was lost is sent again (after a fresh re-check) this many times.
_DELETE_ATTEMPTS = 3
_UNANSWERED = (APIConnectionError, ServerError, RateLimitError)


class AsyncApplier:
    """Deletes what a plan deletes, re-checking first (the I/O of :meth:`RetentionPlan.aapply`)."""

    def __init__(
        self,
        plan: RetentionPlan,
        registry: AsyncImageRegistry,
        progress: ProgressCallback | None,
        concurrency: int,
        journal: RetentionJournal | None = None,
        *,
        lock: AsyncDeploymentLock | None = None,
    ) -> None:
        self.plan = plan
        self.registry = registry
        self.progress = progress
        self.concurrency = concurrency
        self.journal = journal
        self.lock = lock
        self.leases: tuple[Lease, ...] = ()
        self.repository = plan.repository
        # Manifests are immutable by digest: what the plan read, plus what apply fetches.
        self.known: dict[Digest, Manifest | None] = dict(plan.manifests)
        self.referrers: dict[Digest, list[Digest]] = defaultdict(list)
        for digest, manifest in plan.manifests.items():
            subject = _subject(manifest)
            if subject is not None:
                self.referrers[subject].append(digest)

    async def _resolve(self, tag: str) -> Digest | None:
        try:
            return await self.registry.resolve(self.repository, tag)
        except NotFoundError:
            return None

    async def _manifest(self, digest: Digest) -> Manifest | None:
        if digest not in self.known:
            try:
                self.known[digest] = await self.registry.get_manifest(self.repository, str(digest))
            except NotFoundError:
                self.known[digest] = None
        return self.known[digest]

    async def _references(self, roots: Mapping[str, Digest]) -> dict[Digest, str]:
        """Everything the tags ``roots`` reference now, each with why: their digests,
        the children of indexes (nested too) and the manifests whose ``subject`` is one
        of those."""
        why: dict[Digest, str] = {}
        root: dict[Digest, str] = {}
        queue: list[Digest] = []
        for tag, digest in sorted(roots.items()):
            if digest not in why:
                why[digest], root[digest] = f"tag {tag!r} now points to it", tag
                queue.append(digest)
        while queue:
            digest = queue.pop()
            manifest = await self._manifest(digest)
            found: list[tuple[Digest, str]] = []
            if manifest is not None and manifest.is_index:
                found += [(c, "an image of the index") for c in manifest.child_digests]
            found += [(r, "a referrer (subject) of the image") for r in self.referrers[digest]]
            for child, relation in found:
                if child not in why:
                    root[child] = root[digest]
                    why[child] = f"{relation} {_short(digest)} that {root[digest]!r} names now"
                    queue.append(child)
        return why

    async def _protected(self, item: DigestDeletion, roots: Mapping[str, Digest]) -> str | None:
        """Why a tag in ``roots`` references ``item`` now (directly, as an index child,
        as a referrer, or through a signature tag), or ``None``."""
        why = await self._references(roots)
        if item.digest in why:
            return why[item.digest]
        for tag in item.tags:
            subject = signature_subject(tag)
            if subject is not None and subject in why:
                return f"the signature of {_short(subject)}: {why[subject]}"
        return None

    async def _snapshot(self) -> dict[str, Digest]:
        """Where every tag the plan does not delete points now (kept tags and tags
        created since the plan): none of those digests may be deleted."""
        deleted = {t for item in self.plan.deletions for t in item.tags}
        try:
            tags = await self.registry.list_tags(self.repository)
        except NotFoundError:
            return {}
        survivors = [t for t in tags if t not in deleted]
        out: dict[str, Digest] = {}
        for tag, digest, error in await _pmap(self._resolve, survivors, self.concurrency):
            if error is not None:
                raise error
            if digest is not None:
                out[tag] = digest
        return out

    def _pointers(self, survivors: Mapping[str, Digest]) -> list[str]:
        return sorted({*self.plan.pointers, *(t for t in survivors if t in _POINTER_TAGS)})

    async def _check(
        self, item: DigestDeletion, survivors: Mapping[str, Digest]
    ) -> tuple[str | None, dict[str, Digest]]:
        """Why ``item`` must be skipped now (``None`` when it is safe to delete), and
        where the pointers point right now."""
        for tag, digest in sorted(survivors.items()):
            if digest == item.digest:
                return f"tag {tag!r} now points to it (it did not when planned)", {}
        gone = 0
        for tag in item.tags:
            now = await self._resolve(tag)
            if now is None:
                gone += 1
            elif now != item.digest:
                return f"tag {tag!r} moved to {_short(now)} after the plan", {}
        if gone == len(item.tags):
            return "already gone: none of its tags exists any more", {}
        pointers: dict[str, Digest] = {}
        for pointer in self._pointers(survivors):
            if pointer in item.tags:
                continue
            now = await self._resolve(pointer)
            if now == item.digest:
                return f"pointer {pointer!r} now points to it", pointers
            if now is not None:
                pointers[pointer] = now
        why = await self._protected(item, {**survivors, **pointers})
        return why, pointers

    async def run(self) -> RetentionResult:
        if self.lock is None or not self.plan.deletions:
            return await self._run()
        # Every key a promotion of this repository holds while it moves a pointer.
        keys = [self.lock.key(self.repository, tag) for tag in sorted(_POINTER_TAGS)]
        async with self.lock.hold_all(keys) as leases:
            self.leases = leases
            return await self._run()

    async def _run(self) -> RetentionResult:
        items = self.plan.deletions
        total = len(items)
        outcomes: list[DeletionOutcome] = []
        stopped: str | None = None
        try:
            survivors = await self._snapshot() if items else {}
        except MosaicError as exc:
            survivors = {}
            stopped = f"not attempted: re-reading the tags before deleting failed ({exc})"
        if self.journal is not None and items and stopped is None:
            await self._record(items)  # raises (nothing deleted) when it cannot be written
        failed: list[DigestDeletion] = []
        for done, item in enumerate(items, start=1):
            orphan = self._failed_referrer(item, failed)
            if stopped is not None:
                outcome = DeletionOutcome(item.digest, item.tags, "skipped", stopped)
            elif orphan is not None:
                outcome = DeletionOutcome(
                    item.digest,
                    item.tags,
                    "skipped",
                    f"not deleted: its referrer {_short(orphan.digest)} could not be deleted, "
                    "and deleting the image first would leave that orphaned (kept by every "
                    "later plan); apply again",
                )
            else:
                outcome, stop = await self._one(item, survivors)
                if stop:
                    stopped = f"not attempted: apply stopped after {_short(item.digest)} failed"
            if outcome.status == "failed" or (
                outcome.status == "skipped" and not outcome.reason.startswith("already")
            ):
                failed.append(item)  # still there: its subject must stay too
            outcomes.append(outcome)
            if self.progress is not None:
                self.progress(done, total, outcome)
        if self.journal is not None and items and self.journal.exists():
            await self._mark(outcomes)
        return RetentionResult(repository=self.repository, outcomes=tuple(outcomes))

    async def _record(self, items: Sequence[DigestDeletion]) -> None:
        """Write every planned manifest (exact bytes) and its tags to the journal before
        the first DELETE; a manifest already gone is left out (apply skips it)."""
        assert self.journal is not None
        pairs: list[tuple[Manifest, tuple[str, ...]]] = []
        for item in items:
            try:
                manifest = await self._manifest(item.digest)
            except MosaicError as exc:
                raise RetentionError(
                    f"cannot write {item.digest} to the journal {self.journal.path}: reading "
                    f"it failed ({exc}); nothing was deleted - apply again"
                ) from None
            if manifest is not None:
                pairs.append((manifest, item.tags))
        await arun_blocking(self.journal.record, self.repository, pairs)

    async def _mark(self, outcomes: Sequence[DeletionOutcome]) -> None:
        """What became of each journal entry: deleted, failed (it may be gone), or
        dropped (skipped: nothing to undo)."""
        assert self.journal is not None
        statuses: dict[Digest, JournalStatus | None] = {}
        for outcome in outcomes:
            if outcome.status == "deleted":
                statuses[outcome.digest] = "deleted"
            elif outcome.status == "failed":
                statuses[outcome.digest] = "failed"
            else:
                statuses[outcome.digest] = None
        try:
            await arun_blocking(self.journal.mark, self.repository, statuses)
        except RetentionError as exc:
            logger.warning("%s", exc)

    def _failed_referrer(
        self, item: DigestDeletion, failed: Sequence[DigestDeletion]
    ) -> DigestDeletion | None:
        """A planned signature or referrer of ``item`` this run did not delete."""
        for other in failed:
            signs = any(signature_subject(t) == item.digest for t in other.tags)
            if signs or _subject(self.plan.manifests.get(other.digest)) == item.digest:
                return other
        return None

    async def _gone(self, digest: Digest) -> bool:
        return await self._resolve(str(digest)) is None

    async def _one(
        self, item: DigestDeletion, survivors: Mapping[str, Digest]
    ) -> tuple[DeletionOutcome, bool]:
        def outcome(status: OutcomeStatus, reason: str) -> DeletionOutcome:
            return DeletionOutcome(item.digest, item.tags, status, reason)

        reason = item.reason
        for attempt in range(1, _DELETE_ATTEMPTS + 1):
            try:
                why, pointers = await self._check(item, survivors)
            except MosaicError as exc:
                return outcome("failed", f"re-check failed, not deleted: {exc}"), False
            if why is not None:
                return outcome("skipped", why), False
            if self.lock is not None:
                try:
                    await self.lock.renew_all(self.leases)  # the fencing check
                except StaleLeaseError as exc:
                    return outcome("skipped", f"not deleted: {exc}"), True
            try:
                await self.registry.delete_manifest(self.repository, item.digest)
            except NotFoundError:
                if attempt == 1:
                    return outcome("skipped", "already deleted"), False
                break  # an earlier DELETE of this run landed after all
            except UnsupportedOperationError as exc:  # deletion disabled on the registry
                return outcome("failed", str(exc)), True
            except _UNANSWERED as exc:
                # The DELETE may have landed with its answer lost: look before resending.
                try:
                    gone = await self._gone(item.digest)
                except MosaicError as again:
                    return outcome(
                        "failed",
                        f"the DELETE went unanswered ({exc}) and reading the digest back "
                        f"failed ({again}); it may be deleted: plan again to see",
                    ), False
                if gone:
                    reason = f"{item.reason} (the DELETE's answer was lost; the digest is gone)"
                    break
                if attempt == _DELETE_ATTEMPTS:
                    return outcome("failed", str(exc)), False
                continue
            except APIStatusError as exc:
                return outcome("failed", str(exc)), exc.status_code in _STOP_STATUSES
            except MosaicError as exc:
                return outcome("failed", str(exc)), False
            break
        restorations = await self._restore(item, survivors, pointers)
        return DeletionOutcome(item.digest, item.tags, "deleted", reason, restorations), False

    async def _restore(
        self,
        item: DigestDeletion,
        survivors: Mapping[str, Digest],
        before: Mapping[str, Digest],
    ) -> tuple[Restoration, ...]:
        """Re-resolve the pointers after a delete: put the manifest back under a pointer
        the delete removed (a promotion landed in between), and by digest when a pointer
        now names an index that needs it."""
        manifest = self.plan.manifests.get(item.digest)
        out: list[Restoration] = []

        async def put(reference: str, why: str) -> None:
            if manifest is None:
                out.append(
                    Restoration(
                        reference,
                        item.digest,
                        False,
                        f"{why}, but the plan holds no bytes of {_short(item.digest)}: put it "
                        f"back by hand under {reference!r}",
                    )
                )
                return
            try:
                await self.registry.put_manifest(self.repository, reference, manifest)
            except MosaicError as exc:
                out.append(
                    Restoration(
                        reference,
                        item.digest,
                        False,
                        f"{why}; putting it back failed ({exc}): push {item.digest} under "
                        f"{reference!r} again by hand before garbage collection runs",
                    )
                )
                return
            out.append(Restoration(reference, item.digest, True, f"{why}: put back"))

        try:
            now = {p: await self._resolve(p) for p in self._pointers(survivors)}
        except MosaicError as exc:
            return (
                Restoration(
                    "(pointers)",
                    item.digest,
                    False,
                    f"re-reading the pointers after the delete failed ({exc}); check that "
                    f"none pointed to {_short(item.digest)}",
                ),
            )
        for pointer, digest in sorted(now.items()):
            if digest is None and pointer in before:
                await put(pointer, f"pointer {pointer!r} vanished with the delete (moved onto it)")
        current = {p: d for p, d in now.items() if d is not None}
        try:
            why = await self._protected(item, current)
        except MosaicError:
            why = None
        if why is not None and not out:
            signed = [t for t in item.tags if signature_subject(t) is not None]
            for reference in signed or [str(item.digest)]:
                await put(reference, f"{why}, since the delete")
        return tuple(out)
