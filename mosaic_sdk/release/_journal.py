"""The undo journal of retention: the deleted manifests, kept as an OCI image layout.

Before :meth:`RetentionPlan.apply <mosaic_sdk.release.RetentionPlan.apply>` deletes
anything it writes every manifest it is about to delete - the exact bytes, checked
against the digest - and the tags that pointed to it into a folder that is an OCI image
layout::

    JOURNAL/oci-layout              {"imageLayoutVersion":"1.0.0"}
    JOURNAL/index.json              one entry per repository, digest and tag
    JOURNAL/blobs/sha256/<hex>      the manifest bytes, byte for byte

Each ``index.json`` entry is the manifest's descriptor with the annotations
``org.opencontainers.image.ref.name`` (the tag; absent for a digest that had none),
``org.mosaic.retention.repository`` (the repository it was deleted from),
``org.mosaic.retention.status`` (``pending`` until the DELETE, then ``deleted`` or
``failed``) and ``org.mosaic.retention.recorded`` (when). Only manifests are kept: the
config and layer blobs stay in the registry until its garbage collection, which the
image-layout specification allows ("the blobs directory MAY be missing referenced
blobs"). :meth:`RetentionJournal.restore` puts the manifests back while those blobs
still exist.

Writes are atomic (temporary file, fsync, :func:`os.replace`, directory fsync) and the
read-modify-write of ``index.json`` holds the folder's lock, so the repositories of one
run (or several processes) can share a journal.
"""

from __future__ import annotations

import html
import json
import os
from collections.abc import Iterable, Mapping, Sequence
from datetime import datetime, timezone
from pathlib import Path
from typing import Any, Literal

import attrs

from mosaic_sdk._core._repr import safe_repr
from mosaic_sdk._files import atomic_write_bytes, directory_lock, read_bytes_capped
from mosaic_sdk._render import FieldsRepr, JSONResult, html_table
from mosaic_sdk.errors import InvalidValueError, RetentionError
from mosaic_sdk.registry._models import ANNOTATION_REF_NAME, OCI_INDEX, Manifest
from mosaic_sdk.registry._names import validate_repository
from mosaic_sdk.registry._protocol import AsyncImageRegistry, ImageRegistry
from mosaic_sdk.values import Digest

__all__ = [
    "ANNOTATION_RECORDED",
    "ANNOTATION_REPOSITORY",
    "ANNOTATION_STATUS",
    "JournalEntry",
    "Probe",
    "RetentionJournal",
    "UndoOutcome",
    "UndoResult",
    "decide_undo",
    "restore_order",
]

#: The repository a journal entry was deleted from.
ANNOTATION_REPOSITORY = "org.mosaic.retention.repository"
#: ``pending`` (written, DELETE not sent yet), ``deleted`` or ``failed`` (it may be gone).
ANNOTATION_STATUS = "org.mosaic.retention.status"
#: When the entry was written (RFC 3339, UTC).
ANNOTATION_RECORDED = "org.mosaic.retention.recorded"

JournalStatus = Literal["pending", "deleted", "failed"]
UndoStatus = Literal["restored", "present", "unrestorable", "not attempted", "failed"]

_LAYOUT_FILE = "oci-layout"
_LAYOUT_VERSION = b'{"imageLayoutVersion":"1.0.0"}'
_INDEX = "index.json"
_STATUSES: frozenset[str] = frozenset({"pending", "deleted", "failed"})
# A journal index of 100,000 entries is ~40 MB; anything larger is not one.
_MAX_INDEX_BYTES = 256 << 20
_MAX_MANIFEST_BYTES = 4 << 20


def _timestamp(when: datetime) -> str:
    return when.astimezone(timezone.utc).strftime("%Y%m%dT%H%M%SZ")


@attrs.frozen
class JournalEntry(FieldsRepr):
    """One manifest a retention apply deleted (or was about to), as the journal keeps it.

    Attributes:
        repository: the repository it was deleted from.
        digest: the manifest digest.
        media_type: the manifest media type it was served with.
        size: its size in bytes.
        tags: the tags that pointed to it, sorted (empty: it had none).
        status: ``pending`` (apply wrote it and had not sent the DELETE yet - it stopped
            there), ``deleted``, or ``failed`` (the DELETE failed; it may be gone anyway).
        recorded: when the entry was written.
    """

    repository: str
    digest: Digest
    media_type: str
    size: int
    tags: tuple[str, ...]
    status: JournalStatus
    recorded: datetime | None = None

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready dict."""
        return {
            "repository": self.repository,
            "digest": str(self.digest),
            "media_type": self.media_type,
            "size": self.size,
            "tags": list(self.tags),
            "status": self.status,
            "recorded": None if self.recorded is None else self.recorded.isoformat(),
        }


@attrs.frozen
class UndoOutcome(FieldsRepr):
    """What :meth:`RetentionJournal.restore` did (or would do) with one journal entry.

    Attributes:
        repository: the repository.
        digest: the manifest digest.
        tags: the tags the journal names for it.
        status: ``restored`` (put back, and every tag points to it again), ``present``
            (already there with every tag: nothing to do - repeating an undo is safe),
            ``unrestorable`` (a blob or child manifest is gone, the journal copy is
            damaged, or a tag now points elsewhere: nothing was written for it),
            ``not attempted`` (restorable, but the undo wrote nothing because another
            entry is unrestorable; pass ``partial=True`` to restore what can be) or
            ``failed`` (the registry refused the PUT).
        reason: what happened, in words.
        missing: the blobs and child manifests that are gone (why it is unrestorable).
        retagged: the tags pointed back at the digest by this undo.
    """

    repository: str
    digest: Digest
    tags: tuple[str, ...]
    status: UndoStatus
    reason: str
    missing: tuple[Digest, ...] = ()
    retagged: tuple[str, ...] = ()

    @property
    def ok(self) -> bool:
        """True when the manifest and all its tags are back (restored or present)."""
        return self.status in ("restored", "present")

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready dict."""
        return {
            "repository": self.repository,
            "digest": str(self.digest),
            "tags": list(self.tags),
            "status": self.status,
            "reason": self.reason,
            "missing": [str(d) for d in self.missing],
            "retagged": list(self.retagged),
        }


@attrs.frozen
class UndoResult(JSONResult):
    """What :meth:`RetentionJournal.restore` did, one :class:`UndoOutcome` per manifest.

    Attributes:
        journal: the journal folder.
        outcomes: one outcome per journal manifest, in restore order.
        dry_run: True when nothing was written on purpose (``dry_run=True``).
    """

    journal: str
    outcomes: tuple[UndoOutcome, ...]
    dry_run: bool = False

    def _with(self, *status: UndoStatus) -> tuple[UndoOutcome, ...]:
        return tuple(o for o in self.outcomes if o.status in status)

    @property
    def restored(self) -> tuple[UndoOutcome, ...]:
        """The manifests put back by this undo."""
        return self._with("restored")

    @property
    def present(self) -> tuple[UndoOutcome, ...]:
        """The manifests that were already back."""
        return self._with("present")

    @property
    def unrestorable(self) -> tuple[UndoOutcome, ...]:
        """The manifests that cannot come back (each with what is missing)."""
        return self._with("unrestorable")

    @property
    def errors(self) -> tuple[UndoOutcome, ...]:
        """The manifests whose PUT the registry refused."""
        return self._with("failed")

    @property
    def ok(self) -> bool:
        """True when every manifest of the journal is back with all its tags."""
        return all(o.ok for o in self.outcomes)

    def summary(self) -> str:
        """One line: how many manifests were restored, already there, cannot come back."""
        verb = "would restore" if self.dry_run else "restored"
        counts = [
            f"{verb} {len(self.restored)}",
            f"already there {len(self.present)}",
            f"unrestorable {len(self.unrestorable)}",
        ]
        waiting = self._with("not attempted")
        if waiting:
            counts.append(f"not attempted {len(waiting)}")
        if self.errors:
            counts.append(f"failed {len(self.errors)}")
        return f"undo {self.journal}: {', '.join(counts)} (of {len(self.outcomes)} manifests)"

    def _rows(self) -> list[tuple[str, str, str, str, str]]:
        from mosaic_sdk.release._retention import _display_tag

        return [
            (
                o.status,
                o.repository,
                f"{o.digest.algorithm}:{o.digest.short}",
                ", ".join(map(_display_tag, o.tags)),
                o.reason,
            )
            for o in self.outcomes
        ]

    def __str__(self) -> str:
        from mosaic_sdk.release._retention import _text_table

        rows = self._rows()
        if not rows:
            return self.summary()
        headers = ("STATUS", "REPOSITORY", "DIGEST", "TAGS", "REASON")
        return self.summary() + "\n" + _text_table(headers, rows)

    @safe_repr
    def __repr__(self) -> str:
        return f"<UndoResult {self.summary()}>"

    def _repr_markdown_(self) -> str:
        from mosaic_sdk.release._retention import _md_table

        headers = ("status", "repository", "digest", "tags", "reason")
        return f"**{self.summary()}**\n\n" + _md_table(headers, self._rows())

    def _repr_html_(self) -> str:
        headers = ("status", "repository", "digest", "tags", "reason")
        return f"<p><b>{html.escape(self.summary())}</b></p>" + html_table(headers, self._rows())

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready dict (for audit logs and scripts)."""
        return {
            "journal": self.journal,
            "ok": self.ok,
            "dry_run": self.dry_run,
            "summary": self.summary(),
            "outcomes": [o.to_dict() for o in self.outcomes],
        }


def _entry_key(entry: Mapping[str, Any]) -> tuple[object, object, object]:
    notes = entry.get("annotations") or {}
    return notes.get(ANNOTATION_REPOSITORY), entry.get("digest"), notes.get(ANNOTATION_REF_NAME)


class RetentionJournal:
    """The undo journal of a retention apply: a folder that is an OCI image layout of
    the deleted manifests and their tags (see the module documentation).

    ``plan.apply(registry, journal=path)`` writes one (the ``mosaic retention apply``
    command always does, into a timestamped folder it prints);
    ``RetentionJournal(path).restore(registry)`` puts the manifests back by digest and
    points their tags at them again, while the registry still has their blobs (before
    its garbage collection).

    Args:
        path: the journal folder (created on the first write).

    Example:
        >>> import tempfile
        >>> journal = RetentionJournal(tempfile.mkdtemp())
        >>> journal.entries()
        ()
    """

    def __init__(self, path: str | os.PathLike[str]) -> None:
        if not isinstance(path, (str, os.PathLike)) or not str(path):
            raise InvalidValueError(
                path, "is not a journal folder path", "pass a folder such as 'journal/'"
            )
        self.path = Path(path)

    @classmethod
    def new(
        cls, parent: str | os.PathLike[str] = ".", *, now: datetime | None = None
    ) -> RetentionJournal:
        """A journal in a new timestamped folder ``retention-journal-<UTC time>`` of
        ``parent`` (``-2``, ``-3``... when two runs start within a second)."""
        when = datetime.now(timezone.utc) if now is None else now
        base = Path(parent) / f"retention-journal-{_timestamp(when)}"
        candidate, n = base, 1
        while candidate.exists():
            n += 1
            candidate = base.with_name(f"{base.name}-{n}")
        return cls(candidate)

    @safe_repr
    def __repr__(self) -> str:
        return f"RetentionJournal({str(self.path)!r})"

    def __fspath__(self) -> str:
        return str(self.path)

    # -- reading ----------------------------------------------------------------------

    def _index(self) -> list[dict[str, Any]]:
        index = self.path / _INDEX
        try:
            data = read_bytes_capped(index, max_bytes=_MAX_INDEX_BYTES, what="journal index")
        except FileNotFoundError:
            return []
        try:
            doc = json.loads(data)
        except ValueError as exc:
            raise InvalidValueError(
                str(index),
                f"is not JSON ({exc}), so this is not a retention journal",
                "pass the folder 'mosaic retention apply' printed",
            ) from None
        entries = doc.get("manifests") if isinstance(doc, dict) else None
        if not isinstance(entries, list):
            raise InvalidValueError(
                str(index),
                "has no 'manifests' list, so it is not an OCI image layout index",
                "pass the folder 'mosaic retention apply' printed",
            )
        return [e for e in entries if isinstance(e, dict)]

    def exists(self) -> bool:
        """True when the folder holds a journal (``index.json`` and ``oci-layout``)."""
        return (self.path / _INDEX).is_file() and (self.path / _LAYOUT_FILE).is_file()

    def entries(self) -> tuple[JournalEntry, ...]:
        """The journal's manifests in the order apply wrote them, each with its tags.

        Raises:
            InvalidValueError: the folder holds something that is not a journal.
        """
        grouped: dict[tuple[str, Digest], dict[str, Any]] = {}
        for raw in self._index():
            notes = raw.get("annotations") or {}
            repository, status = notes.get(ANNOTATION_REPOSITORY), notes.get(ANNOTATION_STATUS)
            try:
                digest = Digest.parse(str(raw.get("digest")))
            except InvalidValueError:
                continue
            if not isinstance(repository, str) or status not in _STATUSES:
                continue
            key = (repository, digest)
            item = grouped.setdefault(
                key,
                {
                    "media_type": str(raw.get("mediaType")),
                    "size": raw.get("size") if isinstance(raw.get("size"), int) else 0,
                    "tags": set(),
                    "status": status,
                    "recorded": _parse_time(notes.get(ANNOTATION_RECORDED)),
                },
            )
            tag = notes.get(ANNOTATION_REF_NAME)
            if isinstance(tag, str):
                item["tags"].add(tag)
        return tuple(
            JournalEntry(
                repository=repository,
                digest=digest,
                media_type=item["media_type"],
                size=item["size"],
                tags=tuple(sorted(item["tags"])),
                status=item["status"],
                recorded=item["recorded"],
            )
            for (repository, digest), item in grouped.items()
        )

    def manifest(self, entry: JournalEntry) -> Manifest:
        """The exact bytes the journal holds for ``entry``, checked against its digest.

        Raises:
            RetentionError: the blob is missing or does not hash to the digest.
        """
        blob = self.path / "blobs" / entry.digest.algorithm / entry.digest.hex
        try:
            data = read_bytes_capped(blob, max_bytes=_MAX_MANIFEST_BYTES, what="journal manifest")
        except FileNotFoundError:
            raise RetentionError(
                f"the journal {self.path} has no copy of {entry.digest} ({blob} is missing)"
            ) from None
        if not entry.digest.verify(data):
            raise RetentionError(
                f"the journal copy of {entry.digest} ({blob}) is damaged: its bytes hash "
                "to another digest"
            )
        try:
            return Manifest(entry.digest, entry.media_type, data)
        except InvalidValueError as exc:
            raise RetentionError(f"the journal copy of {entry.digest} is unusable: {exc}") from None

    # -- writing ----------------------------------------------------------------------

    def _ensure(self) -> None:
        blobs = self.path / "blobs" / "sha256"
        blobs.mkdir(parents=True, exist_ok=True)
        if not (self.path / _INDEX).exists():
            self._write_index([])
        if not (self.path / _LAYOUT_FILE).exists():
            atomic_write_bytes(self.path / _LAYOUT_FILE, _LAYOUT_VERSION)

    def _write_index(self, entries: list[dict[str, Any]]) -> None:
        doc = {"schemaVersion": 2, "mediaType": OCI_INDEX, "manifests": entries}
        atomic_write_bytes(
            self.path / _INDEX, (json.dumps(doc, separators=(",", ":")) + "\n").encode()
        )

    def _write_blob(self, manifest: Manifest) -> None:
        folder = self.path / "blobs" / manifest.digest.algorithm
        folder.mkdir(parents=True, exist_ok=True)
        target = folder / manifest.digest.hex
        if target.is_file() and manifest.digest.verify(target.read_bytes()):
            return
        atomic_write_bytes(target, manifest.content)
        if not manifest.digest.verify(target.read_bytes()):
            raise RetentionError(
                f"the journal copy of {manifest.digest} written to {target} reads back "
                "with another digest; check the disk"
            )

    def record(
        self,
        repository: str,
        items: Iterable[tuple[Manifest, Sequence[str]]],
        *,
        now: datetime | None = None,
    ) -> None:
        """Write each manifest (exact bytes, verified) and its tags as ``pending``
        entries of ``repository``. Re-recording an entry refreshes it.

        Raises:
            RetentionError: the journal could not be written (nothing may be deleted).
        """
        validate_repository(repository)
        when = (datetime.now(timezone.utc) if now is None else now).isoformat()
        batch = list(items)
        try:
            with directory_lock(self.path / _INDEX):
                self._ensure()
                fresh: list[dict[str, Any]] = []
                for manifest, tags in batch:
                    self._write_blob(manifest)
                    common = {
                        ANNOTATION_REPOSITORY: repository,
                        ANNOTATION_STATUS: "pending",
                        ANNOTATION_RECORDED: when,
                    }
                    names: list[str | None] = list(dict.fromkeys(tags)) or [None]
                    for tag in names:
                        notes = (
                            dict(common) if tag is None else {ANNOTATION_REF_NAME: tag, **common}
                        )
                        fresh.append(manifest.descriptor(**notes).to_dict())
                replaced = {_entry_key(e) for e in fresh}
                kept = [e for e in self._index() if _entry_key(e) not in replaced]
                self._write_index(kept + fresh)
        except OSError as exc:
            raise RetentionError(
                f"cannot write the retention journal {self.path} ({exc}); nothing was "
                "deleted - free the disk or pass another journal folder"
            ) from None

    def mark(self, repository: str, statuses: Mapping[Digest, JournalStatus | None]) -> None:
        """Set the status of ``repository``'s entries; ``None`` drops an entry (apply
        skipped it: nothing to undo).

        Raises:
            RetentionError: the journal could not be written.
        """
        if not statuses:
            return
        wanted = {str(d): s for d, s in statuses.items()}
        try:
            with directory_lock(self.path / _INDEX):
                out: list[dict[str, Any]] = []
                for entry in self._index():
                    notes = dict(entry.get("annotations") or {})
                    digest = entry.get("digest")
                    if notes.get(ANNOTATION_REPOSITORY) != repository or digest not in wanted:
                        out.append(entry)
                        continue
                    status = wanted[str(digest)]
                    if status is not None:
                        out.append({**entry, "annotations": {**notes, ANNOTATION_STATUS: status}})
                self._write_index(out)
        except OSError as exc:
            raise RetentionError(
                f"cannot update the retention journal {self.path} ({exc}); its entries "
                "stay 'pending', which undo handles the same way"
            ) from None

    # -- restoring --------------------------------------------------------------------

    def _checked(self) -> None:
        if not self.exists():
            raise InvalidValueError(
                str(self.path),
                "is not a retention journal (no index.json and oci-layout in it)",
                "pass the folder 'mosaic retention apply' printed as its journal",
            )

    def restore(
        self,
        registry: ImageRegistry,
        *,
        partial: bool = False,
        dry_run: bool = False,
        concurrency: int = 8,
    ) -> UndoResult:
        """Put the journal's manifests back by digest and point their tags at them again.

        First everything is checked, with reads only: for each manifest not in the
        registry any more, every blob it needs (config and layers) must still be there,
        and every child manifest of an index must be there or come back from the journal;
        a tag that now points to another digest is never moved. A manifest that fails a
        check is ``unrestorable``, with what is missing. Then, unless ``dry_run``, the
        manifests are PUT (children before their index, a subject before its referrers)
        and their tags re-pointed. With anything unrestorable, nothing is written unless
        ``partial=True`` - an undo never half-restores by surprise. Repeating an undo is
        safe: what is back is ``present`` and is not written again.

        Requests: one HEAD per manifest and per tag, one blob HEAD per blob of a manifest
        that is gone, one PUT per tag (per digest for a manifest with no tag);
        ``concurrency`` of the reads at a time.

        Args:
            registry: the registry the journal's manifests were deleted from.
            partial: restore what can be even when some manifests cannot.
            dry_run: check only; write nothing.
            concurrency: parallel registry reads.

        Raises:
            InvalidValueError: the folder is not a journal, or bad arguments.
        """
        from mosaic_sdk.release._retention import _check_concurrency, _check_registry
        from mosaic_sdk.release._sync.journal import Restorer

        _check_registry(registry)
        _check_concurrency(concurrency)
        self._checked()
        return Restorer(
            self, registry, partial=partial, dry_run=dry_run, concurrency=concurrency
        ).run()

    async def arestore(
        self,
        registry: AsyncImageRegistry,
        *,
        partial: bool = False,
        dry_run: bool = False,
        concurrency: int = 8,
    ) -> UndoResult:
        """The asynchronous :meth:`restore`, on an
        :class:`~mosaic_sdk.registry.AsyncImageRegistry`; the journal is read in a worker
        thread."""
        from mosaic_sdk.release._async.journal import AsyncRestorer
        from mosaic_sdk.release._retention import _async_registry, _check_concurrency

        target = _async_registry(registry, "arestore")
        _check_concurrency(concurrency)
        self._checked()
        restorer = AsyncRestorer(
            self, target, partial=partial, dry_run=dry_run, concurrency=concurrency
        )
        return await restorer.run()


@attrs.frozen
class Probe:
    """What the registry holds now for one journal entry (read by the restorer).

    Attributes:
        entry: the journal entry.
        copy: the manifest bytes (the journal's copy, or the registry's when the copy is
            damaged and the manifest is still there), or the error reading the copy.
        present: the manifest is in the registry by digest.
        tags: where each of the entry's tags points now (``None``: absent).
        missing_blobs: config and layer blobs of a missing manifest that are gone too.
        absent_children: child manifests of a missing index that are not in the registry.
        error: why the registry could not be read, if it could not.
    """

    entry: JournalEntry
    copy: Manifest | RetentionError
    present: bool = False
    tags: Mapping[str, Digest | None] = attrs.field(factory=dict)
    missing_blobs: tuple[Digest, ...] = ()
    absent_children: tuple[Digest, ...] = ()
    error: str | None = None


def _short(digest: Digest) -> str:
    return f"{digest.algorithm}:{digest.short}"


def restore_order(probes: Sequence[Probe]) -> list[Probe]:
    """``probes`` with every child manifest and subject of the same repository before the
    manifests that need it (otherwise in the given order)."""
    by_key = {(p.entry.repository, p.entry.digest): p for p in probes}
    out: list[Probe] = []
    seen: set[tuple[str, Digest]] = set()

    def visit(probe: Probe) -> None:
        key = (probe.entry.repository, probe.entry.digest)
        if key in seen:
            return
        seen.add(key)
        if isinstance(probe.copy, Manifest):
            subject = probe.copy.subject
            needs = [*probe.copy.child_digests, *([subject.digest] if subject else [])]
            for digest in needs:
                dep = by_key.get((probe.entry.repository, digest))
                if dep is not None:
                    visit(dep)
        out.append(probe)

    for probe in probes:
        visit(probe)
    return out


def _outcome(
    entry: JournalEntry, status: UndoStatus, reason: str, missing: Sequence[Digest] = ()
) -> UndoOutcome:
    return UndoOutcome(entry.repository, entry.digest, entry.tags, status, reason, tuple(missing))


def decide_undo(probes: Sequence[Probe], *, partial: bool, dry_run: bool) -> list[UndoOutcome]:
    """Decide every probed entry (no I/O): ``present``, ``unrestorable`` (with what is
    missing), or to be ``restored`` - ``not attempted`` instead when something is
    unrestorable and ``partial`` is false."""
    verdicts: dict[tuple[str, Digest], UndoOutcome] = {}
    candidates: dict[tuple[str, Digest], Probe] = {}
    for probe in probes:
        entry = probe.entry
        key = (entry.repository, entry.digest)
        moved = {t: d for t, d in probe.tags.items() if d is not None and d != entry.digest}
        absent_tags = [t for t in entry.tags if probe.tags.get(t) is None]
        if probe.error is not None:
            verdicts[key] = _outcome(
                entry, "failed", f"{probe.error}; nothing written for it, run the undo again"
            )
        elif moved:
            where = ", ".join(f"{t!r} now points to {_short(d)}" for t, d in sorted(moved.items()))
            verdicts[key] = _outcome(
                entry,
                "unrestorable",
                f"{where}: undo never moves a tag pushed again since the delete; re-tag by hand",
            )
        elif probe.present and not absent_tags:
            verdicts[key] = _outcome(
                entry, "present", "already there with every tag; nothing to do"
            )
        elif not probe.present and isinstance(probe.copy, RetentionError):
            verdicts[key] = _outcome(entry, "unrestorable", str(probe.copy))
        elif not probe.present and probe.missing_blobs:
            gone = ", ".join(map(_short, probe.missing_blobs))
            verdicts[key] = _outcome(
                entry,
                "unrestorable",
                f"blob(s) {gone} are gone from the registry (garbage-collected): the image "
                "cannot come back from the journal; push it again from a build",
                probe.missing_blobs,
            )
        else:
            candidates[key] = probe
    changed = True
    while changed:  # an index comes back only with every child it needs
        changed = False
        for key, probe in list(candidates.items()):
            lost = [
                c for c in probe.absent_children if (probe.entry.repository, c) not in candidates
            ]
            if lost:
                del candidates[key]
                verdicts[key] = UndoOutcome(
                    probe.entry.repository,
                    probe.entry.digest,
                    probe.entry.tags,
                    "unrestorable",
                    f"child manifest(s) {', '.join(map(_short, lost))} are gone and the "
                    "journal cannot bring them back",
                    tuple(lost),
                )
                changed = True
    blocked = any(v.status in ("unrestorable", "failed") for v in verdicts.values())
    for key, probe in candidates.items():
        entry = probe.entry
        absent_tags = [t for t in entry.tags if probe.tags.get(t) is None]
        what = f"re-tagged {', '.join(absent_tags)}" if probe.present else "put back"
        if blocked and not partial:
            verdicts[key] = UndoOutcome(
                entry.repository,
                entry.digest,
                entry.tags,
                "not attempted",
                "restorable, but nothing was written: other manifests of the journal cannot "
                "come back; pass partial=True (--partial) to restore the ones that can",
            )
        else:
            verdicts[key] = UndoOutcome(
                entry.repository,
                entry.digest,
                entry.tags,
                "restored",
                f"would be {what}" if dry_run else what,
            )
    return [verdicts[(p.entry.repository, p.entry.digest)] for p in probes]


def _parse_time(text: object) -> datetime | None:
    if not isinstance(text, str):
        return None
    try:
        return datetime.fromisoformat(text)
    except ValueError:
        return None
