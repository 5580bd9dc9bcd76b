"""The I/O of a retention undo, written once: check what a journal can put back, then do it.

:class:`AsyncRestorer` reads the journal (:class:`~mosaic_sdk.release.RetentionJournal`,
in a worker thread), probes the registry with reads only - is the manifest there, where
does each tag point, are the blobs and child manifests of each missing manifest still
there - decides every entry with :func:`~mosaic_sdk.release._journal.decide_undo` (no
I/O), and only then writes: children before their index, subjects before referrers.
"""

from __future__ import annotations

from collections.abc import Iterable

import attrs

from mosaic_sdk._core._concurrency import amap_bounded, arun_blocking
from mosaic_sdk.errors import MosaicError, NotFoundError, RetentionError
from mosaic_sdk.registry._models import Manifest
from mosaic_sdk.registry._protocol import AsyncImageRegistry
from mosaic_sdk.release._journal import (
    JournalEntry,
    Probe,
    RetentionJournal,
    UndoOutcome,
    UndoResult,
    decide_undo,
    restore_order,
)
from mosaic_sdk.values import Digest

__all__ = ["AsyncRestorer"]


class AsyncRestorer:
    """Checks and restores a journal (the I/O of :meth:`RetentionJournal.arestore`)."""

    def __init__(
        self,
        journal: RetentionJournal,
        registry: AsyncImageRegistry,
        *,
        partial: bool,
        dry_run: bool,
        concurrency: int,
    ) -> None:
        self.journal = journal
        self.registry = registry
        self.partial = partial
        self.dry_run = dry_run
        self.concurrency = concurrency

    async def _where(self, repository: str, reference: str) -> Digest | None:
        try:
            return await self.registry.resolve(repository, reference)
        except NotFoundError:
            return None

    async def _copy(self, entry: JournalEntry) -> Manifest | RetentionError:
        try:
            return await arun_blocking(self.journal.manifest, entry)
        except RetentionError as exc:
            return exc

    async def _probe(self, entry: JournalEntry) -> Probe:
        copy = await self._copy(entry)
        try:
            present = await self._where(entry.repository, str(entry.digest)) == entry.digest
            tags = {tag: await self._where(entry.repository, tag) for tag in entry.tags}
            missing: list[Digest] = []
            absent_children: list[Digest] = []
            if not present and isinstance(copy, Manifest):
                for blob in copy.blob_digests:
                    if not await self.registry.blob_exists(entry.repository, blob):
                        missing.append(blob)
                for child in copy.child_digests:
                    if await self._where(entry.repository, str(child)) != child:
                        absent_children.append(child)
            if present and not isinstance(copy, Manifest):
                # The journal copy is damaged, the registry still has the bytes.
                copy = await self.registry.get_manifest(entry.repository, str(entry.digest))
        except MosaicError as exc:
            return Probe(entry, copy, error=f"reading the registry failed ({exc})")
        return Probe(
            entry,
            copy,
            present=present,
            tags=tags,
            missing_blobs=tuple(missing),
            absent_children=tuple(absent_children),
        )

    async def run(self) -> UndoResult:
        # Apply deleted referrers before subjects and indexes before their images:
        # backwards is the order a registry accepts them in, give or take a dependency.
        entries = list(reversed(await arun_blocking(self.journal.entries)))

        async def probe(entry: JournalEntry) -> Probe:
            return await self._probe(entry)

        probes = restore_order(await amap_bounded(probe, entries, self.concurrency))
        decided = decide_undo(probes, partial=self.partial, dry_run=self.dry_run)
        if self.dry_run:
            return UndoResult(str(self.journal.path), tuple(decided), dry_run=True)
        by_key = {(p.entry.repository, p.entry.digest): p for p in probes}
        outcomes = [
            await self._write(by_key[(o.repository, o.digest)], o) if o.status == "restored" else o
            for o in decided
        ]
        return UndoResult(str(self.journal.path), tuple(outcomes))

    async def _write(self, probe: Probe, planned: UndoOutcome) -> UndoOutcome:
        """PUT the manifest back (by its first missing tag, else by digest) and point the
        other missing tags at it."""
        entry, manifest = probe.entry, probe.copy
        assert isinstance(manifest, Manifest)
        todo = [t for t in entry.tags if probe.tags.get(t) is None]
        references: Iterable[str] = todo if (todo or probe.present) else [str(entry.digest)]
        done: list[str] = []
        for reference in references:
            try:
                await self.registry.put_manifest(entry.repository, reference, manifest)
            except MosaicError as exc:
                back = f"; re-tagged {', '.join(done)}" if done else ""
                return attrs.evolve(
                    planned,
                    status="failed",
                    reason=f"PUT {entry.repository}:{reference} failed ({exc}){back}; "
                    "run the undo again",
                    retagged=tuple(done),
                )
            if reference != str(entry.digest):
                done.append(reference)
        return attrs.evolve(planned, retagged=tuple(done))
