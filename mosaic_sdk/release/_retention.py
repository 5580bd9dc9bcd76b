"""Registry retention: tag-aware decisions, digest-safe deletion, plan before apply.

:class:`RetentionPolicy` decides, tag by tag, what a repository keeps; :meth:`~RetentionPolicy.plan`
returns a :class:`RetentionPlan` value that shows every tag with its verdict and reason;
only :meth:`RetentionPlan.apply` deletes anything.

What is kept (keep always wins over delete):

* every final release ``vX.Y.Z``;
* every digest an environment pointer (``testing``, ``staging``, ``prod``) or a blue/green
  slot (``blue``, ``green``) points to;
* every digest the caller marks as deployed (``protected_digests=``);
* release candidates ``vX.Y.Z-rc.N`` younger than ``rc_max_age``, and the newest
  ``keep_latest_rcs`` candidates of each base version whatever their age;
* ``sha-<commit>`` tags younger than ``sha_max_age``;
* everything a kept digest depends on: the child manifests of a kept index, the
  signature/attestation tags ``sha256-<hex>.sig|.att|.sbom`` (and the ``sha256-<hex>``
  referrers tag) of a kept digest, and manifests whose ``subject`` is a kept digest;
* tags the SDK does not manage (``latest``, ``nightly``...): reason "not a managed tag";
* images whose creation time is unknown (no ``org.opencontainers.image.created``
  annotation, no config ``created``, or a zero/epoch time from a reproducible build).

Registries expose no push time, so ages come from the image itself: the manifest
annotation first, else the config blob's ``created`` (one blob GET, cached by digest); an
index without the annotation is as old as its newest child. An age is only read when it
decides something (a ``sha-*`` tag on the digest ``prod`` uses is kept without reading its
config). Promotion does not refresh an age, which is why pointer targets are kept by
pointer, not by age.

Deletion is by digest and removes every tag on that digest (distribution 2.8 semantics),
so a digest is deleted only when **every** tag on it is deletable; a stale tag that shares
its digest with a kept tag is kept, and the plan says why.
"""

from __future__ import annotations

import html
import json
import re
import threading
from collections import defaultdict
from collections.abc import Callable, Iterable, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime, timedelta, timezone
from typing import Any, Literal, TypeVar

import attrs

from mosaic_sdk._render import FieldsRepr, JSONResult, html_table, md_escape, md_table
from mosaic_sdk.errors import (
    APIConnectionError,
    APIStatusError,
    InvalidValueError,
    MosaicError,
    NotFoundError,
    RateLimitError,
    RetentionError,
    ServerError,
    UnsupportedOperationError,
)
from mosaic_sdk.registry._cache import BlobCache
from mosaic_sdk.registry._models import (
    ANNOTATION_CREATED,
    DOCKER_CONFIG,
    INDEX_MEDIA_TYPES,
    OCI_CONFIG,
    Manifest,
)
from mosaic_sdk.registry._names import validate_repository
from mosaic_sdk.registry._protocol import ImageRegistry
from mosaic_sdk.values import (
    ENVIRONMENT_TAGS,
    SLOT_TAGS,
    Digest,
    ImageTag,
    TagKind,
    is_signature_tag,
    signature_subject,
)

__all__ = [
    "DeletionOutcome",
    "DigestDeletion",
    "PlanReads",
    "Restoration",
    "RetentionPlan",
    "RetentionPolicy",
    "RetentionResult",
    "TagDecision",
]

T = TypeVar("T")
K = TypeVar("K")

#: The kind of a tag as retention sees it.
TagCategory = Literal["release", "rc", "sha", "environment", "slot", "signature", "unmanaged"]
Verdict = Literal["keep", "delete"]
OutcomeStatus = Literal["deleted", "skipped", "failed"]
#: ``progress(done, total, outcome)``, called by :meth:`RetentionPlan.apply` after each digest.
ProgressCallback = Callable[[int, int, "DeletionOutcome"], None]

_POINTER_TAGS = frozenset((*ENVIRONMENT_TAGS, *SLOT_TAGS))
_CONFIG_TYPES = frozenset({OCI_CONFIG, DOCKER_CONFIG})
# RFC 3339 with any number of fractional digits (Go writes nanoseconds).
_RFC3339 = re.compile(
    r"(\d{4}-\d{2}-\d{2})[Tt ](\d{2}:\d{2}:\d{2})(?:\.(\d+))?(Z|z|[+-]\d{2}:?\d{2})?"
)
_EPOCH_CUTOFF = datetime(1971, 1, 1, tzinfo=timezone.utc)


def parse_created(text: object) -> datetime | None:
    """Parse an image creation time (RFC 3339, any fractional precision) to aware UTC.

    Returns ``None`` for anything unparseable and for the zero or epoch times that
    reproducible builds write (``0001-01-01T00:00:00Z``, ``1970-01-01T00:00:00Z``), which
    say nothing about age. A time without an offset is read as UTC.
    """
    if not isinstance(text, str):
        return None
    match = _RFC3339.fullmatch(text.strip())
    if match is None:
        return None
    date, clock, fraction, offset = match.groups()
    micro = (fraction or "0")[:6].ljust(6, "0")
    zone = "+00:00" if offset in (None, "Z", "z") else offset
    if zone and ":" not in zone:
        zone = f"{zone[:3]}:{zone[3:]}"
    try:
        when = datetime.fromisoformat(f"{date}T{clock}.{micro}{zone}")
    except ValueError:
        return None
    when = when.astimezone(timezone.utc)
    return None if when < _EPOCH_CUTOFF else when


def _age_text(age: timedelta | None) -> str:
    if age is None:
        return "-"
    seconds = age.total_seconds()
    if seconds < 0:
        return "future"
    if seconds < 3600:
        return f"{int(seconds // 60)}m"
    if seconds < 86400 * 2:
        return f"{int(seconds // 3600)}h"
    return f"{int(seconds // 86400)}d"


def _days(delta: timedelta) -> str:
    seconds = delta.total_seconds()
    if seconds % 86400 == 0:
        return f"{int(seconds // 86400)}d"
    if seconds % 3600 == 0:
        return f"{int(seconds // 3600)}h"
    return str(delta)


def _short(digest: Digest | None) -> str:
    return "-" if digest is None else f"{digest.algorithm}:{digest.short}"


def _display_tag(tag: str) -> str:
    """Signature tags carry a full digest; tables show ``sha256-<12 hex>...<suffix>``."""
    subject = signature_subject(tag)
    if subject is None:
        return tag
    suffix = tag[len(subject.algorithm) + 1 + len(subject.hex) :]
    return f"{subject.algorithm}-{subject.short}{'..' if suffix else '...'}{suffix}"


def _check_age(value: object, name: str) -> None:
    if value is None:
        return
    if not isinstance(value, timedelta) or value < timedelta(0):
        raise InvalidValueError(
            value,
            f"{name} must be a non-negative timedelta or None",
            f"pass e.g. {name}=timedelta(days=14), or None to never expire by age",
        )


def _check_count(value: object) -> None:
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        raise InvalidValueError(
            value,
            "keep_latest_rcs must be an integer >= 0",
            "pass e.g. keep_latest_rcs=3 (0 keeps release candidates by age only)",
        )


def _pmap(
    fn: Callable[[K], T], items: Iterable[K], concurrency: int
) -> list[tuple[K, T | None, BaseException | None]]:
    """Run ``fn`` over ``items`` on a thread pool; collect (item, result, error)."""
    work = list(items)

    def call(item: K) -> tuple[K, T | None, BaseException | None]:
        try:
            return item, fn(item), None
        except MosaicError as exc:
            return item, None, exc

    if concurrency <= 1 or len(work) <= 1:
        return [call(item) for item in work]
    with ThreadPoolExecutor(max_workers=min(concurrency, len(work))) as pool:
        return list(pool.map(call, work))


# -- the value types -------------------------------------------------------------------


@attrs.frozen
class PlanReads(FieldsRepr):
    """What a plan read, to see its request budget and what a cache saved.

    Attributes:
        tag_lists: tag listings (one per plan; a paginated listing counts once).
        manifests: manifests read from the registry (one per tag, plus index children and
            protected digests no tag names).
        configs: config blobs read from the registry.
        configs_cached: config blobs served by the :class:`~mosaic_sdk.registry.BlobCache`.
    """

    tag_lists: int = 0
    manifests: int = 0
    configs: int = 0
    configs_cached: int = 0

    @property
    def registry_reads(self) -> int:
        """Calls made to the registry (tag listings, manifests, configs)."""
        return self.tag_lists + self.manifests + self.configs

    def __str__(self) -> str:
        cached = f", {self.configs_cached} from the cache" if self.configs_cached else ""
        return (
            f"{self.registry_reads} registry reads: {self.tag_lists} tag list, "
            f"{self.manifests} manifests, {self.configs} configs{cached}"
        )

    def to_dict(self) -> dict[str, int]:
        """A JSON-ready dict."""
        return attrs.asdict(self)


@attrs.frozen
class TagDecision(FieldsRepr, JSONResult):
    """The verdict on one tag, and why.

    Attributes:
        tag: the tag name.
        digest: the digest it pointed to when planned (``None`` if it vanished meanwhile).
        category: ``release``, ``rc``, ``sha``, ``environment``, ``slot``, ``signature``
            or ``unmanaged``.
        verdict: ``"keep"`` or ``"delete"``.
        reason: why, in words (shown in the plan table).
        created: the image creation time, when known.
        age: ``now - created``, when known.
    """

    tag: str
    digest: Digest | None
    category: TagCategory
    verdict: Verdict
    reason: str
    created: datetime | None = None
    age: timedelta | None = None

    @property
    def keep(self) -> bool:
        """True when the tag is kept."""
        return self.verdict == "keep"

    @property
    def ok(self) -> bool:
        """True when the tag's digest was read (``False``: it vanished while planning)."""
        return self.digest is not None

    def __str__(self) -> str:
        return f"{self.tag}: {self.verdict} ({self.reason})"

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready dict of the decision."""
        return {
            "tag": self.tag,
            "digest": None if self.digest is None else str(self.digest),
            "category": self.category,
            "verdict": self.verdict,
            "reason": self.reason,
            "created": None if self.created is None else self.created.isoformat(),
            "age_seconds": None if self.age is None else self.age.total_seconds(),
        }


@attrs.frozen
class DigestDeletion(FieldsRepr):
    """One manifest deletion the plan would make: the digest and every tag it removes.

    Attributes:
        digest: the manifest digest that is deleted.
        tags: every tag that points to it (all deletable), sorted.
        reason: why the digest goes (the tags' reasons, summarized).
    """

    digest: Digest
    tags: tuple[str, ...]
    reason: str


@attrs.frozen
class Restoration(FieldsRepr):
    """A manifest :meth:`RetentionPlan.apply` deleted and put back at once, because a
    pointer reached it while it was being deleted (the registry has no compare-and-swap:
    a promotion can land between the last check and the DELETE, and distribution deletes
    every tag on the digest). The bytes come from the plan; the blobs are still there
    until the registry's garbage collection.

    Attributes:
        reference: where it was put back: the pointer tag the DELETE removed (``prod``),
            a signature tag, or the digest itself (an image a pointer's index needs).
        digest: the manifest digest put back.
        ok: True when it was put back; False when that failed (``reason`` says how to
            repair it by hand).
        reason: what happened, in words.
    """

    reference: str
    digest: Digest
    ok: bool
    reason: str


@attrs.frozen
class DeletionOutcome(FieldsRepr):
    """What :meth:`RetentionPlan.apply` did with one :class:`DigestDeletion`.

    Attributes:
        digest: the digest.
        tags: the tags planned to go with it.
        status: ``"deleted"``, ``"skipped"`` (a tag moved, a pointer now points to it, it
            was already gone, or apply stopped early) or ``"failed"`` (the registry refused).
        reason: what happened, in words.
        restorations: what was put back right after the delete because a pointer reached
            the digest meanwhile (see :class:`Restoration`); empty almost always.
    """

    digest: Digest
    tags: tuple[str, ...]
    status: OutcomeStatus
    reason: str
    restorations: tuple[Restoration, ...] = ()


def _md_table(headers: Sequence[str], rows: Iterable[Sequence[str]]) -> str:
    return md_table(headers, ([md_escape(cell) for cell in row] for row in rows))


def _text_table(headers: Sequence[str], rows: Sequence[Sequence[str]]) -> str:
    widths = [len(h) for h in headers]
    for row in rows:
        widths = [max(w, len(cell)) for w, cell in zip(widths, row, strict=True)]

    # The last column (the reason) is not padded.
    def fmt(row: Sequence[str]) -> str:
        cells = [cell.ljust(w) for cell, w in zip(row[:-1], widths[:-1], strict=True)]
        return "  ".join([*cells, row[-1]]).rstrip()

    rule = "  ".join("-" * w for w in widths)
    return "\n".join([fmt(headers), rule, *(fmt(row) for row in rows)])


@attrs.frozen
class RetentionResult(JSONResult):
    """What :meth:`RetentionPlan.apply` did.

    Attributes:
        repository: the repository.
        outcomes: one :class:`DeletionOutcome` per planned deletion, in apply order.
    """

    repository: str
    outcomes: tuple[DeletionOutcome, ...]

    @property
    def deleted(self) -> tuple[DeletionOutcome, ...]:
        """The digests that were deleted."""
        return tuple(o for o in self.outcomes if o.status == "deleted")

    @property
    def skipped(self) -> tuple[DeletionOutcome, ...]:
        """The digests left alone, each with the reason."""
        return tuple(o for o in self.outcomes if o.status == "skipped")

    @property
    def errors(self) -> tuple[DeletionOutcome, ...]:
        """The deletions the registry refused."""
        return tuple(o for o in self.outcomes if o.status == "failed")

    @property
    def deleted_tags(self) -> tuple[str, ...]:
        """Every tag removed, sorted."""
        return tuple(sorted(t for o in self.deleted for t in o.tags))

    @property
    def deleted_digests(self) -> tuple[Digest, ...]:
        """Every digest removed, in apply order."""
        return tuple(o.digest for o in self.deleted)

    @property
    def restored(self) -> tuple[Restoration, ...]:
        """Everything put back after a delete because a pointer reached it meanwhile."""
        return tuple(r for o in self.outcomes for r in o.restorations)

    @property
    def ok(self) -> bool:
        """True when no deletion failed and everything that had to be put back was
        (skips are not failures)."""
        return not self.errors and all(r.ok for r in self.restored)

    def summary(self) -> str:
        """One line: how many digests/tags were deleted, skipped, failed (and put back)."""
        restored = f", put back {len(self.restored)}" if self.restored else ""
        return (
            f"{self.repository}: deleted {len(self.deleted)} digests "
            f"({len(self.deleted_tags)} tags), skipped {len(self.skipped)}, "
            f"failed {len(self.errors)}{restored}"
        )

    def _rows(self) -> list[tuple[str, str, str, str]]:
        def reason(o: DeletionOutcome) -> str:
            return "; ".join([o.reason, *(r.reason for r in o.restorations)])

        return [
            (o.status, _short(o.digest), ", ".join(map(_display_tag, o.tags)), reason(o))
            for o in self.outcomes
        ]

    def __repr__(self) -> str:
        return f"<RetentionResult {self.summary()}>"

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready dict of what apply did (for audit logs and scripts)."""
        return {
            "repository": self.repository,
            "ok": self.ok,
            "summary": self.summary(),
            "deleted_tags": list(self.deleted_tags),
            "outcomes": [
                {
                    "digest": str(o.digest),
                    "tags": list(o.tags),
                    "status": o.status,
                    "reason": o.reason,
                    "restorations": [
                        {
                            "reference": r.reference,
                            "digest": str(r.digest),
                            "ok": r.ok,
                            "reason": r.reason,
                        }
                        for r in o.restorations
                    ],
                }
                for o in self.outcomes
            ],
        }

    def __str__(self) -> str:
        rows = self._rows()
        if not rows:
            return self.summary()
        return self.summary() + "\n" + _text_table(("STATUS", "DIGEST", "TAGS", "REASON"), rows)

    def _repr_markdown_(self) -> str:
        return f"**{self.summary()}**\n\n" + _md_table(
            ("status", "digest", "tags", "reason"), self._rows()
        )

    def _repr_html_(self) -> str:
        return f"<p><b>{html.escape(self.summary())}</b></p>" + html_table(
            ("status", "digest", "tags", "reason"), self._rows()
        )


@attrs.frozen
class RetentionPlan(JSONResult):
    """Every tag of a repository with its verdict and reason; nothing has changed yet.

    Print it (``print(plan)``, or :meth:`table`) or show it in a notebook (it renders as
    an HTML/Markdown table), then :meth:`apply` it.

    Attributes:
        repository: the repository.
        policy: the policy that made the plan.
        now: the reference time ages were computed against (UTC).
        decisions: one :class:`TagDecision` per tag, sorted by tag.
        deletions: the :class:`DigestDeletion` list in apply order (signatures and other
            referrers before their subject, indexes before plain manifests).
        protected_digests: the digests the caller marked as deployed.
        pointers: the pointer tags present when planning; apply re-resolves them before
            every deletion.
        reads: what planning read (not part of equality: two plans of the same state are
            equal however they were read).
        manifests: the manifests planning read, by digest (not part of equality): apply
            follows the current pointers' dependencies through them and puts a deleted
            manifest back from them when a pointer reached it during the delete.
    """

    repository: str
    policy: RetentionPolicy
    now: datetime
    decisions: tuple[TagDecision, ...]
    deletions: tuple[DigestDeletion, ...]
    protected_digests: frozenset[Digest]
    pointers: tuple[str, ...]
    reads: PlanReads = attrs.field(factory=PlanReads, eq=False, repr=False)
    manifests: Mapping[Digest, Manifest] = attrs.field(factory=dict, eq=False, repr=False)

    @property
    def to_delete(self) -> tuple[str, ...]:
        """Names of the tags the plan deletes, sorted."""
        return tuple(d.tag for d in self.decisions if d.verdict == "delete")

    @property
    def to_keep(self) -> tuple[str, ...]:
        """Names of the tags the plan keeps, sorted."""
        return tuple(d.tag for d in self.decisions if d.verdict == "keep")

    @property
    def ok(self) -> bool:
        """True when every tag's digest was read while planning (no tag vanished)."""
        return all(d.ok for d in self.decisions)

    def decision(self, tag: str) -> TagDecision:
        """The decision on ``tag``; :class:`KeyError` if the plan has no such tag."""
        for item in self.decisions:
            if item.tag == tag:
                return item
        raise KeyError(tag)

    def summary(self) -> str:
        """One line: how many tags are kept and deleted."""
        return (
            f"{self.repository}: {len(self.decisions)} tags, keep {len(self.to_keep)}, "
            f"delete {len(self.to_delete)} ({len(self.deletions)} digests)"
        )

    def _rows(self, verdict: Verdict | None) -> list[tuple[str, str, str, str, str, str]]:
        return [
            (
                _display_tag(d.tag),
                _short(d.digest),
                d.category,
                _age_text(d.age),
                d.verdict.upper(),
                d.reason,
            )
            for d in self.decisions
            if verdict is None or d.verdict == verdict
        ]

    def table(self, *, verdict: Verdict | None = None) -> str:
        """The plan as a fixed-width text table (optionally only ``"keep"`` or ``"delete"``)."""
        headers = ("TAG", "DIGEST", "KIND", "AGE", "VERDICT", "REASON")
        return _text_table(headers, self._rows(verdict))

    def __str__(self) -> str:
        return self.summary() + "\n" + self.table()

    def __repr__(self) -> str:
        return f"<RetentionPlan {self.summary()}>"

    def to_markdown(self, *, verdict: Verdict | None = None) -> str:
        """The summary in bold and the plan as a Markdown table (optionally only
        ``"keep"`` or ``"delete"``), e.g. for a CI job summary or a pull request comment."""
        headers = ("tag", "digest", "kind", "age", "verdict", "reason")
        return f"**{self.summary()}**\n\n" + _md_table(headers, self._rows(verdict))

    def _repr_markdown_(self) -> str:
        return self.to_markdown()

    def _repr_html_(self) -> str:
        headers = ("tag", "digest", "kind", "age", "verdict", "reason")
        return f"<p><b>{html.escape(self.summary())}</b></p>" + html_table(
            headers, self._rows(None)
        )

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready dict of the plan (for review tools and audit logs)."""
        return {
            "repository": self.repository,
            "ok": self.ok,
            "now": self.now.isoformat(),
            "policy": {
                "sha_max_age_seconds": None
                if self.policy.sha_max_age is None
                else self.policy.sha_max_age.total_seconds(),
                "rc_max_age_seconds": None
                if self.policy.rc_max_age is None
                else self.policy.rc_max_age.total_seconds(),
                "keep_latest_rcs": self.policy.keep_latest_rcs,
            },
            "protected_digests": sorted(str(d) for d in self.protected_digests),
            "decisions": [
                {
                    "tag": d.tag,
                    "digest": None if d.digest is None else str(d.digest),
                    "category": d.category,
                    "verdict": d.verdict,
                    "reason": d.reason,
                    "created": None if d.created is None else d.created.isoformat(),
                }
                for d in self.decisions
            ],
            "deletions": [
                {"digest": str(x.digest), "tags": list(x.tags), "reason": x.reason}
                for x in self.deletions
            ],
            "reads": self.reads.to_dict(),
        }

    def apply(
        self,
        registry: ImageRegistry,
        *,
        progress: ProgressCallback | None = None,
        concurrency: int = 8,
    ) -> RetentionResult:
        """Delete the planned digests, re-checking each one right before deleting it.

        First the tags are listed again and every tag the plan does not delete (kept
        tags, and tags created since the plan) is resolved: a planned digest one of them
        now points to is skipped. Then for each :class:`DigestDeletion`, in order: every
        planned tag on the digest is resolved again and must still point to it, and every
        pointer tag (``testing``... ``green``) is resolved again and must not; only then
        is the manifest deleted by digest. A digest that fails a check is skipped and
        reported. The distribution API has no compare-and-swap on tags, so a tag moved in
        the instant between the last check and the delete is not detected: do not run a
        promotion and an apply on the same repository at the same moment.

        The registry refusing deletion altogether (deletion disabled:
        :class:`~mosaic_sdk.errors.UnsupportedOperationError` or HTTP 405; no permission:
        401/403) stops the run: the remaining digests are reported as
        skipped. Other failures are recorded and the run continues.

        Args:
            registry: the registry the plan was made from.
            progress: called as ``progress(done, total, outcome)`` after each digest.
            concurrency: parallel HEADs for the initial re-read of the tags.

        Returns:
            The :class:`RetentionResult`; check ``result.ok`` and ``result.skipped``.
        """
        _check_registry(registry)
        _check_concurrency(concurrency)
        if progress is not None and not callable(progress):
            raise InvalidValueError(
                type(progress).__name__,
                "progress must be callable as progress(done, total, outcome)",
                "pass a function, or None",
            )
        return _Applier(self, registry, progress, concurrency).run()


def _check_registry(registry: object) -> None:
    if not isinstance(registry, ImageRegistry):
        raise InvalidValueError(
            type(registry).__name__,
            "is not an ImageRegistry",
            "pass a RegistryClient, an OCILayout or an InMemoryRegistry",
        )


def _check_concurrency(concurrency: object) -> None:
    if isinstance(concurrency, bool) or not isinstance(concurrency, int) or concurrency < 1:
        raise InvalidValueError(concurrency, "concurrency must be an integer >= 1", "pass 8")


@attrs.frozen
class RetentionPolicy(FieldsRepr):
    """Which tags a repository keeps. Keep always wins; see the module documentation.

    Attributes:
        sha_max_age: ``sha-<commit>`` tags older than this are deleted (default 14 days;
            ``None`` keeps them forever).
        rc_max_age: release candidates older than this are deleted unless among the
            newest ``keep_latest_rcs`` of their version (default 30 days; ``None`` never
            expires a candidate by age; ``timedelta(0)`` keeps only the newest N).
        keep_latest_rcs: the newest N release candidates of each base version are kept
            whatever their age (default 3; ``0`` disables).

    Example:
        >>> from datetime import timedelta
        >>> policy = RetentionPolicy(sha_max_age=timedelta(days=7), keep_latest_rcs=2)
        >>> policy.rc_max_age
        datetime.timedelta(days=30)
    """

    sha_max_age: timedelta | None = attrs.field(default=timedelta(days=14))
    rc_max_age: timedelta | None = attrs.field(default=timedelta(days=30))
    keep_latest_rcs: int = 3

    def __attrs_post_init__(self) -> None:
        _check_age(self.sha_max_age, "sha_max_age")
        _check_age(self.rc_max_age, "rc_max_age")
        _check_count(self.keep_latest_rcs)

    def plan(
        self,
        registry: ImageRegistry,
        repository: str,
        *,
        now: datetime | None = None,
        protected_digests: Iterable[Digest | str] = (),
        concurrency: int = 8,
        cache: BlobCache | None = None,
    ) -> RetentionPlan:
        """Read ``repository`` and decide every tag; changes nothing.

        Requests: one tag listing, one manifest GET per tag, one config-blob GET per
        distinct config of a ``sha-``/RC image without the created annotation, and a GET per
        index child or protected digest needed to follow dependencies. Manifests and
        configs are read once per digest (tags often share digests), ``concurrency`` at a
        time on a thread pool.

        Tags are always read from the registry: they move. Configs are immutable (their
        digest is the hash of their bytes), so with a ``cache`` a config read by an earlier
        plan - of any repository, by any process sharing the folder - costs no request:
        a scheduled retention job pays for each image's config once.

        Args:
            registry: any :class:`~mosaic_sdk.registry.ImageRegistry`.
            repository: the repository.
            now: the reference time (aware; default: now, UTC).
            protected_digests: digests deployed somewhere (from deployment records); they
                and everything they depend on are kept.
            concurrency: parallel registry requests (1 = sequential).
            cache: a :class:`~mosaic_sdk.registry.BlobCache` for config blobs, or
                ``None`` to read every config from the registry.

        Raises:
            RetentionError: a manifest could not be read (other than a tag deleted while
                planning): the plan would be incomplete, so none is returned.
            InvalidValueError: bad arguments.
        """
        _check_registry(registry)
        _check_concurrency(concurrency)
        if cache is not None and not isinstance(cache, BlobCache):
            raise InvalidValueError(
                type(cache).__name__, "is not a BlobCache", "pass BlobCache(folder) or None"
            )
        when = datetime.now(timezone.utc) if now is None else now
        if not isinstance(when, datetime) or when.tzinfo is None:
            raise InvalidValueError(
                now, "now must be an aware datetime", "pass datetime.now(timezone.utc)"
            )
        if isinstance(protected_digests, (str, bytes, Digest)):
            raise InvalidValueError(
                str(protected_digests),
                "protected_digests is a collection of digests, not one digest",
                f"wrap it in a list: protected_digests=[{str(protected_digests)!r}]",
            )
        protected = frozenset(
            d if isinstance(d, Digest) else Digest.parse(d) for d in protected_digests
        )
        planner = _Planner(
            self,
            registry,
            validate_repository(repository),
            when.astimezone(timezone.utc),
            protected,
            concurrency,
            cache,
        )
        return planner.run()


# -- planning ---------------------------------------------------------------------------


def _category(tag: str) -> tuple[TagCategory, ImageTag | None]:
    if is_signature_tag(tag):
        return "signature", None
    try:
        parsed = ImageTag.parse(tag)
    except InvalidValueError:  # ForbiddenTagError included: latest/dev are not managed
        return "unmanaged", None
    kinds: dict[TagKind, TagCategory] = {
        TagKind.RELEASE: "release",
        TagKind.RC: "rc",
        TagKind.SHA: "sha",
        TagKind.ENVIRONMENT: "environment",
        TagKind.SLOT: "slot",
    }
    return kinds[parsed.kind], parsed


def _rc_order(draft: _Draft) -> ImageTag:
    assert draft.parsed is not None  # only RC drafts are ranked
    return draft.parsed


_UNDECIDED = "pending"


@attrs.define
class _Draft:
    tag: str
    category: TagCategory
    parsed: ImageTag | None
    digest: Digest | None = None
    verdict: Literal["keep", "delete", "pending"] = "keep"
    reason: str = ""
    created: datetime | None = None
    age: timedelta | None = None


@attrs.frozen
class _Graph:
    """Who depends on whom among the tagged manifests."""

    tag_digests: Mapping[Digest, tuple[str, ...]]
    signatures: Mapping[Digest, tuple[_Draft, ...]]  # subject -> its signature tags
    referrers: Mapping[Digest, tuple[Digest, ...]]  # subject -> manifests naming it

    @classmethod
    def build(cls, drafts: Iterable[_Draft], manifests: Mapping[Digest, Manifest]) -> _Graph:
        tag_digests: dict[Digest, list[str]] = defaultdict(list)
        signatures: dict[Digest, list[_Draft]] = defaultdict(list)
        for draft in drafts:
            if draft.digest is not None:
                tag_digests[draft.digest].append(draft.tag)
            if draft.category == "signature":
                subject = signature_subject(draft.tag)
                assert subject is not None
                signatures[subject].append(draft)
        referrers: dict[Digest, list[Digest]] = defaultdict(list)
        for digest in tag_digests:
            subject = _subject(manifests.get(digest))
            if subject is not None:
                referrers[subject].append(digest)
        return cls(
            tag_digests={d: tuple(sorted(t)) for d, t in tag_digests.items()},
            signatures={d: tuple(s) for d, s in signatures.items()},
            referrers={d: tuple(r) for d, r in referrers.items()},
        )

    def label(self, digest: Digest) -> str:
        """The tags of ``digest``, or its short form when untagged."""
        return ", ".join(self.tag_digests.get(digest, ())) or _short(digest)


class _Planner:
    def __init__(
        self,
        policy: RetentionPolicy,
        registry: ImageRegistry,
        repository: str,
        now: datetime,
        protected: frozenset[Digest],
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
        self._count_lock = threading.Lock()

    def _count(self, what: str) -> None:
        with self._count_lock:
            self._counts[what] += 1

    # fetching ------------------------------------------------------------------------

    def _fail(self, what: str, exc: BaseException) -> RetentionError:
        return RetentionError(
            f"cannot plan retention for {self.repository!r}: reading {what} failed ({exc}); "
            "nothing was deleted - fix the registry access and plan again"
        )

    def _fetch_manifests(self, digests: Iterable[Digest]) -> None:
        """GET manifests by digest that are not cached; missing ones are skipped."""
        wanted = [d for d in dict.fromkeys(digests) if d not in self.manifests]
        for digest, manifest, error in _pmap(self._get_manifest, wanted, self.concurrency):
            if isinstance(error, NotFoundError):
                continue
            if error is not None:
                raise self._fail(f"manifest {digest}", error)
            assert manifest is not None
            self.manifests[digest] = manifest

    def _get_manifest(self, reference: Digest | str) -> Manifest:
        self._count("manifests")
        return self.registry.get_manifest(self.repository, str(reference))

    def _config_time(self, config: Digest) -> datetime | None:
        data = self.cache.get(config) if self.cache is not None else None
        if data is None:
            self._count("configs")
            data = self.registry.get_blob(self.repository, config)
            if self.cache is not None:
                self.cache.put(config, data)
        else:
            self._count("configs_cached")
        try:
            doc = json.loads(data)
        except (UnicodeDecodeError, json.JSONDecodeError):
            return None
        return parse_created(doc.get("created")) if isinstance(doc, dict) else None

    def _fetch_configs(self, manifests: Iterable[Manifest]) -> None:
        wanted: list[Digest] = []
        for manifest in manifests:
            config = manifest.config
            if config is None or config.media_type not in _CONFIG_TYPES:
                continue
            if config.digest not in self.config_created:
                wanted.append(config.digest)
        for digest, when, error in _pmap(
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

    def _resolve_ages(self, digests: Iterable[Digest]) -> None:
        """Creation time for each digest: annotation, else config, else newest child."""
        todo = [d for d in dict.fromkeys(digests) if d in self.manifests]
        images = [self.manifests[d] for d in todo if not self.manifests[d].is_index]
        indexes = [self.manifests[d] for d in todo if self.manifests[d].is_index]
        needs_children = [m for m in indexes if _annotation_time(m) is None]
        self._fetch_manifests(c for m in needs_children for c in m.child_digests)
        children = [
            self.manifests[c]
            for m in needs_children
            for c in m.child_digests
            if c in self.manifests and not self.manifests[c].is_index
        ]
        self._fetch_configs(m for m in [*images, *children] if _annotation_time(m) is None)
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

    def run(self) -> RetentionPlan:
        try:
            self._count("tag_lists")
            tags = self.registry.list_tags(self.repository)
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
        for tag, manifest, error in _pmap(self._get_manifest, list(drafts), self.concurrency):
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
        self._fetch_manifests(self.protected)
        graph = _Graph.build(drafts.values(), self.manifests)

        # 3. Verdicts that need no age: releases, pointers, unmanaged tags, newest RCs.
        pending = self._decide_by_name(drafts)

        # 4. What those keep, with everything it depends on. A sha/RC tag on such a
        #    digest is kept whatever its age, so its age is never read.
        sure = self._walk(self._seeds(drafts, graph), graph)
        implied = [d for d in pending if d.digest in sure]
        aged = [d for d in pending if d.digest not in sure]

        # 5. Ages (annotation, else config blob, else newest child) and age verdicts.
        self._resolve_ages(d.digest for d in aged if d.digest is not None)
        for draft in aged:
            draft.created = self.created.get(draft.digest) if draft.digest else None
            draft.age = None if draft.created is None else self.now - draft.created
            self._decide_by_age(draft)

        # 6. The full keep set, then signatures (kept exactly while their subject is).
        causes = self._walk(self._seeds(drafts, graph), graph)
        self._decide_signatures(graph, causes)

        # 7. Deletion is per digest: a deletable tag on a kept digest is kept.
        for draft in implied:
            assert draft.digest is not None
            draft.verdict = "keep"
            draft.reason = (
                f"{draft.category} tag, kept with its digest, which {causes[draft.digest]}"
            )
        for draft in drafts.values():
            if draft.verdict == "delete" and draft.digest in causes:
                draft.verdict = "keep"
                draft.reason = f"{draft.reason}, but kept: its digest {causes[draft.digest]}"

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
            )
            for d in sorted(drafts.values(), key=lambda d: d.tag)
        )
        return RetentionPlan(
            repository=self.repository,
            policy=self.policy,
            now=self.now,
            decisions=decisions,
            deletions=self._deletions(drafts),
            protected_digests=self.protected,
            pointers=tuple(sorted(t for t in drafts if t in _POINTER_TAGS)),
            reads=PlanReads(**self._counts),
            manifests=dict(self.manifests),
        )

    def _decide_by_name(self, drafts: Mapping[str, _Draft]) -> list[_Draft]:
        """Decide every tag whose verdict does not depend on age; return the others
        (``sha-*`` tags and RCs outside the newest N), still undecided."""
        keep_n = self.policy.keep_latest_rcs
        rank: dict[str, int] = {}
        by_base: dict[str, list[_Draft]] = defaultdict(list)
        for draft in drafts.values():
            if draft.category == "rc" and draft.parsed is not None:
                by_base[str(draft.parsed.base_version)].append(draft)
        for group in by_base.values():
            group.sort(key=_rc_order, reverse=True)
            for n, draft in enumerate(group):
                rank[draft.tag] = n

        fixed = {
            "release": "final release",
            "environment": "environment pointer",
            "slot": "blue/green slot pointer",
            "unmanaged": "not a managed tag",
            "signature": _UNDECIDED,  # decided with its subject
        }
        pending: list[_Draft] = []
        for draft in drafts.values():
            if draft.category in fixed:
                draft.reason = fixed[draft.category]
            elif draft.category == "rc" and rank[draft.tag] < keep_n:
                base = draft.parsed.base_version if draft.parsed is not None else "?"
                draft.reason = f"among the newest {keep_n} RCs of {base}"
            else:
                draft.verdict = "pending"
                pending.append(draft)
        return pending

    def _decide_by_age(self, draft: _Draft) -> None:
        policy = self.policy
        if draft.category == "sha":
            max_age, what, also = policy.sha_max_age, "sha tag", ""
        else:
            base = draft.parsed.base_version if draft.parsed is not None else "?"
            max_age, what = policy.rc_max_age, "rc"
            also = f" and not among the newest {policy.keep_latest_rcs} of {base}"
        draft.verdict = "keep"
        if max_age is None:
            draft.reason = f"{what}; the policy never expires these by age"
        elif draft.created is None:
            draft.reason = (
                "no creation time (no created annotation, config time, or a zero/epoch time)"
            )
        elif draft.age is not None and draft.age <= max_age:
            draft.reason = f"{what} {_age_text(draft.age)} old, within {_days(max_age)}"
        else:
            draft.verdict = "delete"
            draft.reason = f"{what} {_age_text(draft.age)} old, older than {_days(max_age)}{also}"

    def _seeds(self, drafts: Mapping[str, _Draft], graph: _Graph) -> dict[Digest, str]:
        """Digests kept in their own right: deployed, tagged by a kept tag, or an
        orphan signature (its image is not tagged here, so nothing decides it)."""
        seeds: dict[Digest, str] = {}
        for digest in sorted(self.protected):
            seeds.setdefault(digest, "is marked as deployed (protected_digests)")
        for draft in drafts.values():
            if draft.verdict == "keep" and draft.category != "signature" and draft.digest:
                seeds.setdefault(draft.digest, f"is tagged {draft.tag} ({draft.reason})")
        for subject, signatures in graph.signatures.items():
            if subject not in graph.tag_digests:
                for sig in signatures:
                    if sig.digest is not None:
                        seeds.setdefault(sig.digest, f"is tagged {sig.tag} (a signature)")
        return seeds

    def _walk(self, seeds: Mapping[Digest, str], graph: _Graph) -> dict[Digest, str]:
        """Everything the seed digests depend on: index children (nested indexes are
        fetched), signature tags of a kept digest, manifests whose subject is kept."""
        causes: dict[Digest, str] = {}
        queue: list[Digest] = []

        def keep(digest: Digest, cause: str) -> None:
            if digest not in causes:
                causes[digest] = cause
                queue.append(digest)

        for digest, cause in seeds.items():
            keep(digest, cause)
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
                    self._fetch_manifests(nested)
                for child in manifest.child_digests:
                    keep(child, f"is an image of the kept index {label}")
            for sig in graph.signatures.get(digest, ()):
                if sig.digest is not None:
                    keep(sig.digest, f"is tagged {sig.tag} (signature of kept {label})")
            for referrer in graph.referrers.get(digest, ()):
                keep(referrer, f"refers to the kept image {label} (subject)")
        return causes

    def _decide_signatures(self, graph: _Graph, causes: Mapping[Digest, str]) -> None:
        for subject, signatures in graph.signatures.items():
            for sig in signatures:
                if subject in causes:
                    sig.reason = f"signature of the kept image {graph.label(subject)}"
                elif subject not in graph.tag_digests:
                    sig.reason = (
                        f"signature of {_short(subject)}, which is not tagged here; "
                        "delete it by hand once that image is gone"
                    )
                else:
                    sig.verdict = "delete"
                    sig.reason = f"signature of {graph.label(subject)}, which is deleted"

    def _deletions(self, drafts: Mapping[str, _Draft]) -> tuple[DigestDeletion, ...]:
        groups: dict[Digest, list[_Draft]] = defaultdict(list)
        for draft in drafts.values():
            if draft.digest is not None:
                groups[draft.digest].append(draft)
        out: list[tuple[int, str, DigestDeletion]] = []
        for digest, group in groups.items():
            if any(d.verdict == "keep" for d in group):
                continue
            tags = tuple(sorted(d.tag for d in group))
            reasons = "; ".join(dict.fromkeys(d.reason for d in sorted(group, key=lambda d: d.tag)))
            manifest = self.manifests.get(digest)
            if any(d.category == "signature" for d in group) or _subject(manifest) is not None:
                order = 0  # referrers before their subject
            elif manifest is not None and manifest.is_index:
                order = 1  # an index before its children
            else:
                order = 2
            out.append((order, tags[0], DigestDeletion(digest, tags, reasons)))
        out.sort(key=lambda item: (item[0], item[1]))
        return tuple(item[2] for item in out)


def _annotation_time(manifest: Manifest) -> datetime | None:
    try:
        return parse_created(manifest.annotations.get(ANNOTATION_CREATED))
    except InvalidValueError:  # malformed annotations: treat as absent
        return None


def _subject(manifest: Manifest | None) -> Digest | None:
    if manifest is None:
        return None
    try:
        subject = manifest.subject
    except InvalidValueError:
        return None
    return None if subject is None else subject.digest


# -- applying ---------------------------------------------------------------------------

# The registry refuses deletion as such (disabled, or no permission): stop the run.
_STOP_STATUSES = frozenset({401, 403, 405})


# A delete whose answer was lost is sent again (after a fresh re-check) this many times.
_DELETE_ATTEMPTS = 3
_UNANSWERED = (APIConnectionError, ServerError, RateLimitError)


class _Applier:
    def __init__(
        self,
        plan: RetentionPlan,
        registry: ImageRegistry,
        progress: ProgressCallback | None,
        concurrency: int,
    ) -> None:
        self.plan = plan
        self.registry = registry
        self.progress = progress
        self.concurrency = concurrency
        self.repository = plan.repository
        # Manifests are immutable by digest: what the plan read, plus what apply fetches.
        self.known: dict[Digest, Manifest | None] = dict(plan.manifests)
        self.referrers: dict[Digest, list[Digest]] = defaultdict(list)
        for digest, manifest in plan.manifests.items():
            subject = _subject(manifest)
            if subject is not None:
                self.referrers[subject].append(digest)

    def _resolve(self, tag: str) -> Digest | None:
        try:
            return self.registry.resolve(self.repository, tag)
        except NotFoundError:
            return None

    def _manifest(self, digest: Digest) -> Manifest | None:
        if digest not in self.known:
            try:
                self.known[digest] = self.registry.get_manifest(self.repository, str(digest))
            except NotFoundError:
                self.known[digest] = None
        return self.known[digest]

    def _references(self, roots: Mapping[str, Digest]) -> dict[Digest, str]:
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
            manifest = self._manifest(digest)
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

    def _protected(self, item: DigestDeletion, roots: Mapping[str, Digest]) -> str | None:
        """Why a tag in ``roots`` references ``item`` now (directly, as an index child,
        as a referrer, or through a signature tag), or ``None``."""
        why = self._references(roots)
        if item.digest in why:
            return why[item.digest]
        for tag in item.tags:
            subject = signature_subject(tag)
            if subject is not None and subject in why:
                return f"the signature of {_short(subject)}: {why[subject]}"
        return None

    def _snapshot(self) -> dict[str, Digest]:
        """Where every tag the plan does not delete points now (kept tags and tags
        created since the plan): none of those digests may be deleted."""
        deleted = {t for item in self.plan.deletions for t in item.tags}
        try:
            tags = self.registry.list_tags(self.repository)
        except NotFoundError:
            return {}
        survivors = [t for t in tags if t not in deleted]
        out: dict[str, Digest] = {}
        for tag, digest, error in _pmap(self._resolve, survivors, self.concurrency):
            if error is not None:
                raise error
            if digest is not None:
                out[tag] = digest
        return out

    def _pointers(self, survivors: Mapping[str, Digest]) -> list[str]:
        return sorted({*self.plan.pointers, *(t for t in survivors if t in _POINTER_TAGS)})

    def _check(
        self, item: DigestDeletion, survivors: Mapping[str, Digest]
    ) -> tuple[str | None, dict[str, Digest]]:
        """Why ``item`` must be skipped now (``None`` when it is safe to delete), and
        where the pointers point right now."""
        for tag, digest in sorted(survivors.items()):
            if digest == item.digest:
                return f"tag {tag!r} now points to it (it did not when planned)", {}
        gone = 0
        for tag in item.tags:
            now = self._resolve(tag)
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
            now = self._resolve(pointer)
            if now == item.digest:
                return f"pointer {pointer!r} now points to it", pointers
            if now is not None:
                pointers[pointer] = now
        why = self._protected(item, {**survivors, **pointers})
        return why, pointers

    def run(self) -> RetentionResult:
        items = self.plan.deletions
        total = len(items)
        outcomes: list[DeletionOutcome] = []
        stopped: str | None = None
        try:
            survivors = self._snapshot() if items else {}
        except MosaicError as exc:
            survivors = {}
            stopped = f"not attempted: re-reading the tags before deleting failed ({exc})"
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
                outcome, stop = self._one(item, survivors)
                if stop:
                    stopped = f"not attempted: apply stopped after {_short(item.digest)} failed"
            if outcome.status == "failed" or (
                outcome.status == "skipped" and not outcome.reason.startswith("already")
            ):
                failed.append(item)  # still there: its subject must stay too
            outcomes.append(outcome)
            if self.progress is not None:
                self.progress(done, total, outcome)
        return RetentionResult(repository=self.repository, outcomes=tuple(outcomes))

    def _failed_referrer(
        self, item: DigestDeletion, failed: Sequence[DigestDeletion]
    ) -> DigestDeletion | None:
        """A planned signature or referrer of ``item`` this run did not delete."""
        for other in failed:
            signs = any(signature_subject(t) == item.digest for t in other.tags)
            if signs or _subject(self.plan.manifests.get(other.digest)) == item.digest:
                return other
        return None

    def _gone(self, digest: Digest) -> bool:
        return self._resolve(str(digest)) is None

    def _one(
        self, item: DigestDeletion, survivors: Mapping[str, Digest]
    ) -> tuple[DeletionOutcome, bool]:
        def outcome(status: OutcomeStatus, reason: str) -> DeletionOutcome:
            return DeletionOutcome(item.digest, item.tags, status, reason)

        reason = item.reason
        for attempt in range(1, _DELETE_ATTEMPTS + 1):
            try:
                why, pointers = self._check(item, survivors)
            except MosaicError as exc:
                return outcome("failed", f"re-check failed, not deleted: {exc}"), False
            if why is not None:
                return outcome("skipped", why), False
            try:
                self.registry.delete_manifest(self.repository, item.digest)
            except NotFoundError:
                if attempt == 1:
                    return outcome("skipped", "already deleted"), False
                break  # an earlier DELETE of this run landed after all
            except UnsupportedOperationError as exc:  # deletion disabled on the registry
                return outcome("failed", str(exc)), True
            except _UNANSWERED as exc:
                # The DELETE may have landed with its answer lost: look before resending.
                try:
                    gone = self._gone(item.digest)
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
        restorations = self._restore(item, survivors, pointers)
        return DeletionOutcome(item.digest, item.tags, "deleted", reason, restorations), False

    def _restore(
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

        def put(reference: str, why: str) -> None:
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
                self.registry.put_manifest(self.repository, reference, manifest)
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
            now = {p: self._resolve(p) for p in self._pointers(survivors)}
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
                put(pointer, f"pointer {pointer!r} vanished with the delete (moved onto it)")
        current = {p: d for p, d in now.items() if d is not None}
        try:
            why = self._protected(item, current)
        except MosaicError:
            why = None
        if why is not None and not out:
            signed = [t for t in item.tags if signature_subject(t) is not None]
            for reference in signed or [str(item.digest)]:
                put(reference, f"{why}, since the delete")
        return tuple(out)
