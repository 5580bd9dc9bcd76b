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
* tags the SDK does not manage (``latest``, ``nightly``...): reason "not a managed tag",
  unless a ``delete_patterns`` entry names them;
* every tag a ``keep_patterns`` entry matches (glob, or ``re:`` regular expression), and,
  with ``keep_finals_per_major=N``, only the newest N final releases of each major version;
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
its digest with a kept tag is kept, and the plan says why. Every decision names the rule
that made it (:attr:`TagDecision.rule`).
"""

from __future__ import annotations

import html
import importlib
import os
import re
from collections.abc import Awaitable, Callable, Iterable, Mapping, Sequence
from datetime import datetime, timedelta, timezone
from typing import TYPE_CHECKING, Any, Literal, TypeVar

import attrs

from mosaic_sdk._core._repr import safe_repr
from mosaic_sdk._render import (
    FieldsRepr,
    JSONResult,
    TextRepr,
    html_table,
    md_escape,
    md_table,
)
from mosaic_sdk.errors import (
    InvalidValueError,
)
from mosaic_sdk.registry._cache import BlobCache
from mosaic_sdk.registry._models import (
    DOCKER_CONFIG,
    OCI_CONFIG,
    Manifest,
)
from mosaic_sdk.registry._names import validate_repository
from mosaic_sdk.registry._protocol import AsyncImageRegistry, ImageRegistry
from mosaic_sdk.release._journal import RetentionJournal
from mosaic_sdk.values import (
    ENVIRONMENT_TAGS,
    SLOT_TAGS,
    Digest,
    signature_subject,
)

if TYPE_CHECKING:
    from mosaic_sdk.coordination._async.lock import AsyncDeploymentLock
    from mosaic_sdk.coordination._sync.lock import DeploymentLock

__all__ = [
    "DeletionOutcome",
    "DigestDeletion",
    "NamePattern",
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

#: A call retention's I/O maps over items (its blocking and its awaitable spelling).
Call = Callable[[K], T]
AsyncCall = Callable[[K], Awaitable[T]]

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


def _check_finals(value: object) -> None:
    if value is None:
        return
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        raise InvalidValueError(
            value,
            "keep_finals_per_major must be an integer >= 1 or None",
            "pass e.g. keep_finals_per_major=5, or None to keep every final release",
        )


_GLOB_PART = re.compile(r"\*\*|\*|\?|[^*?]+")


@attrs.frozen
class NamePattern(TextRepr):
    """A pattern for tag or repository names: a glob, or a regular expression.

    ``NamePattern.parse("ci-*")`` is a glob: ``*`` matches any characters except ``/``,
    ``**`` any characters including ``/`` (repository paths: ``team/**``), ``?`` one
    character; everything else matches itself. ``NamePattern.parse("re:^pr-\\d+$")`` is a
    regular expression (Python syntax); it must match the **whole** name, as GitLab's
    cleanup regexes do. ``str(pattern)`` gives the text back (``parse`` round-trips).

    Attributes:
        kind: ``"glob"`` or ``"regex"``.
        pattern: the glob or the expression, without the ``re:`` prefix.

    Example:
        >>> NamePattern.parse("pr-*").matches("pr-12")
        True
        >>> NamePattern.parse("re:nightly-[0-9]{8}").matches("nightly-20250101")
        True
        >>> NamePattern.parse("team/*").matches("team/a/b")
        False
    """

    kind: Literal["glob", "regex"]
    pattern: str
    _compiled: re.Pattern[str] = attrs.field(init=False, eq=False, repr=False)

    def __attrs_post_init__(self) -> None:
        if self.kind not in ("glob", "regex") or not isinstance(self.pattern, str):
            raise InvalidValueError(
                self.kind, "a pattern is a 'glob' or a 'regex'", "use NamePattern.parse(text)"
            )
        if not self.pattern:
            raise InvalidValueError(
                self.pattern, "a pattern is empty", "write e.g. 'ci-*' or 're:^pr-\\d+$'"
            )
        if self.kind == "regex":
            try:
                compiled = re.compile(self.pattern)
            except re.error as exc:
                raise InvalidValueError(
                    f"re:{self.pattern}",
                    f"is not a regular expression ({exc})",
                    "fix the expression, or drop the 're:' prefix to write a glob",
                ) from None
        else:
            parts = []
            for piece in _GLOB_PART.findall(self.pattern):
                if piece == "**":
                    parts.append(".*")
                elif piece == "*":
                    parts.append("[^/]*")
                elif piece == "?":
                    parts.append("[^/]")
                else:
                    parts.append(re.escape(piece))
            compiled = re.compile("".join(parts))
        object.__setattr__(self, "_compiled", compiled)

    @classmethod
    def parse(cls, text: str | NamePattern) -> NamePattern:
        """``re:EXPR`` is a regular expression, ``glob:GLOB`` or any other text a glob.

        Raises:
            InvalidValueError: not text, empty, or an invalid regular expression.
        """
        if isinstance(text, NamePattern):
            return text
        if not isinstance(text, str):
            raise InvalidValueError(
                text, "a pattern is text", "write e.g. 'ci-*' or 're:^pr-\\d+$'"
            )
        if text.startswith("re:"):
            return cls("regex", text[3:])
        return cls("glob", text.removeprefix("glob:"))

    def matches(self, name: str) -> bool:
        """True when ``name`` (a tag or a repository) matches the whole pattern."""
        return self._compiled.fullmatch(name) is not None

    def __str__(self) -> str:
        if self.kind == "regex":
            return f"re:{self.pattern}"
        return f"glob:{self.pattern}" if self.pattern.startswith(("re:", "glob:")) else self.pattern


def _patterns(value: object) -> tuple[NamePattern, ...]:
    if isinstance(value, (str, NamePattern)):
        raise InvalidValueError(
            str(value),
            "patterns are a list, not one pattern",
            f"wrap it in a list: [{str(value)!r}]",
        )
    if not isinstance(value, Iterable):
        raise InvalidValueError(
            type(value).__name__, "patterns are a list of texts", "pass e.g. ['ci-*']"
        )
    return tuple(NamePattern.parse(item) for item in value)


def first_match(patterns: Iterable[NamePattern], name: str) -> NamePattern | None:
    """The first pattern that matches ``name``, or ``None``."""
    for pattern in patterns:
        if pattern.matches(name):
            return pattern
    return None


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
        rule: the rule that decided: ``release``, ``keep_finals_per_major``, ``pointer``,
            ``keep_latest_rcs``, ``rc_max_age``, ``sha_max_age``, ``unmanaged``,
            ``keep_pattern:<pattern>``, ``delete_pattern:<pattern>``, ``signature``, or,
            for a tag kept with its digest, ``shared_digest``, ``dependency`` (an index
            child or a referrer of a kept image) or ``protected`` (a deployed digest).
    """

    tag: str
    digest: Digest | None
    category: TagCategory
    verdict: Verdict
    reason: str
    created: datetime | None = None
    age: timedelta | None = None
    rule: str = ""

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
            "rule": self.rule,
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

    @safe_repr
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
        protections: why each protected digest is protected (the target that runs it,
            the promotion record that names it), by digest; ``"protected_digests"`` for
            a digest given without a reason.
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
    protections: Mapping[Digest, str] = attrs.field(factory=dict)
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

    def _rows(self, verdict: Verdict | None) -> list[tuple[str, str, str, str, str, str, str]]:
        return [
            (
                _display_tag(d.tag),
                _short(d.digest),
                d.category,
                _age_text(d.age),
                d.verdict.upper(),
                d.rule,
                d.reason,
            )
            for d in self.decisions
            if verdict is None or d.verdict == verdict
        ]

    def table(self, *, verdict: Verdict | None = None) -> str:
        """The plan as a fixed-width text table (optionally only ``"keep"`` or ``"delete"``)."""
        headers = ("TAG", "DIGEST", "KIND", "AGE", "VERDICT", "RULE", "REASON")
        return _text_table(headers, self._rows(verdict))

    def __str__(self) -> str:
        return self.summary() + "\n" + self.table()

    @safe_repr
    def __repr__(self) -> str:
        return f"<RetentionPlan {self.summary()}>"

    def to_markdown(self, *, verdict: Verdict | None = None) -> str:
        """The summary in bold and the plan as a Markdown table (optionally only
        ``"keep"`` or ``"delete"``), e.g. for a CI job summary or a pull request comment."""
        headers = ("tag", "digest", "kind", "age", "verdict", "rule", "reason")
        return f"**{self.summary()}**\n\n" + _md_table(headers, self._rows(verdict))

    def _repr_markdown_(self) -> str:
        return self.to_markdown()

    def _repr_html_(self) -> str:
        headers = ("tag", "digest", "kind", "age", "verdict", "rule", "reason")
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
                "keep_finals_per_major": self.policy.keep_finals_per_major,
                "keep_patterns": [str(p) for p in self.policy.keep_patterns],
                "delete_patterns": [str(p) for p in self.policy.delete_patterns],
            },
            "protected_digests": sorted(str(d) for d in self.protected_digests),
            "protections": {str(d): why for d, why in sorted(self.protections.items())},
            "decisions": [
                {
                    "tag": d.tag,
                    "digest": None if d.digest is None else str(d.digest),
                    "category": d.category,
                    "verdict": d.verdict,
                    "reason": d.reason,
                    "rule": d.rule,
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
        journal: RetentionJournal | str | os.PathLike[str] | None = None,
        lock: DeploymentLock | None = None,
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
            journal: a folder (or :class:`~mosaic_sdk.release.RetentionJournal`) to
                write the undo journal to: before the first DELETE, every planned
                manifest's exact bytes and tags go there (an OCI image layout);
                ``RetentionJournal(path).restore(registry)`` puts them back while the
                registry still has their blobs. ``None`` (the default) writes none.
            lock: a :class:`~mosaic_sdk.DeploymentLock`: the run holds every
                environment and slot key of the repository (``"<repository>:prod"``...
                ``":green"``), the keys a :class:`~mosaic_sdk.release.Promotion` with
                the same lock holds while it writes, so no pointer moves between the
                re-checks and the deletes; the leases are renewed (their fencing
                tokens checked) before each DELETE, and a lost lease stops the run.

        Raises:
            RetentionError: the journal could not be written; nothing was deleted.
            LockHeldError: a promotion (or another apply) holds one of the keys past
                the lock's ``wait``; nothing was deleted.

        Returns:
            The :class:`RetentionResult`; check ``result.ok`` and ``result.skipped``.
        """
        from mosaic_sdk.release._sync.retention import Applier

        _check_registry(registry)
        _check_apply_args(progress, concurrency)
        _check_lock(lock, "DeploymentLock")
        return Applier(
            self, registry, progress, concurrency, _journal_arg(journal), lock=lock
        ).run()

    async def aapply(
        self,
        registry: AsyncImageRegistry,
        *,
        progress: ProgressCallback | None = None,
        concurrency: int = 8,
        journal: RetentionJournal | str | os.PathLike[str] | None = None,
        lock: AsyncDeploymentLock | None = None,
    ) -> RetentionResult:
        """The asynchronous :meth:`apply`: the same re-checks, order, stops and
        :class:`RetentionResult`, awaited on an
        :class:`~mosaic_sdk.registry.AsyncImageRegistry` (``AsyncRegistryClient``,
        ``AsyncOCILayout``). The initial re-read runs ``concurrency`` requests at once as
        tasks of the running event loop; ``progress`` is called in the loop; the
        ``journal`` is written in a worker thread.

        Raises:
            InvalidValueError: ``registry`` is not an async registry (a blocking
                ``RegistryClient``: pass an ``AsyncRegistryClient``, or call :meth:`apply`).
        """
        from mosaic_sdk.release._async.retention import AsyncApplier

        target = _async_registry(registry, "aapply")
        _check_apply_args(progress, concurrency)
        _check_lock(lock, "AsyncDeploymentLock")
        return await AsyncApplier(
            self, target, progress, concurrency, _journal_arg(journal), lock=lock
        ).run()


def _check_lock(lock: object, kind: str) -> None:
    if lock is None:
        return
    module = "_async" if kind.startswith("Async") else "_sync"
    wanted = getattr(importlib.import_module(f"mosaic_sdk.coordination.{module}.lock"), kind)
    if not isinstance(lock, wanted):
        raise InvalidValueError(
            type(lock).__name__,
            f"lock= is not a {kind}",
            f"pass {kind}(), {kind}.file(path) or {kind}.redis(url), or None",
        )


def _journal_arg(journal: object) -> RetentionJournal | None:
    if journal is None or isinstance(journal, RetentionJournal):
        return journal
    if isinstance(journal, (str, os.PathLike)):
        return RetentionJournal(journal)
    raise InvalidValueError(
        type(journal).__name__,
        "journal must be a folder path or a RetentionJournal",
        "pass journal='retention-journal/' (or RetentionJournal.new()), or None",
    )


def _check_apply_args(progress: object, concurrency: object) -> None:
    _check_concurrency(concurrency)
    if progress is not None and not callable(progress):
        raise InvalidValueError(
            type(progress).__name__,
            "progress must be callable as progress(done, total, outcome)",
            "pass a function, or None",
        )


def _async_registry(registry: object, verb: str) -> AsyncImageRegistry:
    """``registry`` as an :class:`AsyncImageRegistry`: an async one as it is, a blocking
    file-backed one through the registry package's thread adapter when it has one."""
    if isinstance(registry, AsyncImageRegistry):
        return registry
    if isinstance(registry, ImageRegistry):
        adapt = getattr(importlib.import_module("mosaic_sdk.registry"), "as_async_registry", None)
        if adapt is not None:
            adapted: AsyncImageRegistry = adapt(registry)
            return adapted
        raise InvalidValueError(
            type(registry).__name__,
            f"is a blocking ImageRegistry; {verb}() awaits an AsyncImageRegistry",
            f"pass an AsyncRegistryClient or an AsyncOCILayout, or call "
            f"{verb.removeprefix('a')}() with this registry",
        )
    raise InvalidValueError(
        type(registry).__name__,
        "is not an AsyncImageRegistry",
        "pass an AsyncRegistryClient or an AsyncOCILayout",
    )


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
        keep_finals_per_major: with N, only the newest N final releases ``vX.Y.Z`` of
            each major version X are kept and older ones are deleted (default ``None``:
            every final release is kept).
        keep_patterns: tags matching any of these :class:`NamePattern` texts (``"lts-*"``,
            ``"re:^stable-[0-9]+$"``) are kept, whatever another rule says: keep wins.
        delete_patterns: tags the SDK does not manage (``nightly``, ``pr-42``...) that
            match one of these are deleted (unless a keep pattern matches too); tags of
            the SDK's grammar follow their own rules and are never deleted by a pattern.

    Example:
        >>> from datetime import timedelta
        >>> policy = RetentionPolicy(sha_max_age=timedelta(days=7), keep_latest_rcs=2)
        >>> policy.rc_max_age
        datetime.timedelta(days=30)
    """

    sha_max_age: timedelta | None = attrs.field(default=timedelta(days=14))
    rc_max_age: timedelta | None = attrs.field(default=timedelta(days=30))
    keep_latest_rcs: int = 3
    keep_finals_per_major: int | None = None
    keep_patterns: tuple[NamePattern, ...] = attrs.field(default=(), converter=_patterns)
    delete_patterns: tuple[NamePattern, ...] = attrs.field(default=(), converter=_patterns)

    def __attrs_post_init__(self) -> None:
        _check_age(self.sha_max_age, "sha_max_age")
        _check_age(self.rc_max_age, "rc_max_age")
        _check_count(self.keep_latest_rcs)
        _check_finals(self.keep_finals_per_major)

    def plan(
        self,
        registry: ImageRegistry,
        repository: str,
        *,
        now: datetime | None = None,
        protected_digests: Iterable[Digest | str] | Mapping[Digest | str, str] = (),
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
                and everything they depend on are kept. A mapping ``{digest: why}`` also
                says why (``"runs on target prod-web"``), and the plan repeats it.
            concurrency: parallel registry requests (1 = sequential).
            cache: a :class:`~mosaic_sdk.registry.BlobCache` for config blobs, or
                ``None`` to read every config from the registry.

        Raises:
            RetentionError: a manifest could not be read (other than a tag deleted while
                planning): the plan would be incomplete, so none is returned.
            InvalidValueError: bad arguments.
        """
        from mosaic_sdk.release._sync.retention import Planner

        _check_registry(registry)
        return Planner(
            self, registry, *_plan_args(repository, now, protected_digests, concurrency, cache)
        ).run()

    async def aplan(
        self,
        registry: AsyncImageRegistry,
        repository: str,
        *,
        now: datetime | None = None,
        protected_digests: Iterable[Digest | str] | Mapping[Digest | str, str] = (),
        concurrency: int = 8,
        cache: BlobCache | None = None,
    ) -> RetentionPlan:
        """The asynchronous :meth:`plan`: the same arguments, requests and
        :class:`RetentionPlan`, awaited on an :class:`~mosaic_sdk.registry.AsyncImageRegistry`
        (``AsyncRegistryClient``, ``AsyncOCILayout``). ``concurrency`` requests run at once
        as tasks of the running event loop (each with the caller's correlation id); the
        ``cache`` folder is read and written in a worker thread.

        Raises:
            RetentionError: a manifest could not be read (see :meth:`plan`).
            InvalidValueError: bad arguments, or a blocking registry (a
                ``RegistryClient``: pass an ``AsyncRegistryClient``, or call :meth:`plan`).
        """
        from mosaic_sdk.release._async.retention import AsyncPlanner

        target = _async_registry(registry, "aplan")
        args = _plan_args(repository, now, protected_digests, concurrency, cache)
        return await AsyncPlanner(self, target, *args).run()


def _plan_args(
    repository: str,
    now: datetime | None,
    protected_digests: Iterable[Digest | str] | Mapping[Digest | str, str],
    concurrency: int,
    cache: BlobCache | None,
) -> tuple[str, datetime, Mapping[Digest, str], int, BlobCache | None]:
    """The checked arguments of :meth:`RetentionPolicy.plan`, in the planner's order."""
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
    return (
        validate_repository(repository),
        when.astimezone(timezone.utc),
        protection_map(protected_digests),
        concurrency,
        cache,
    )


def protection_map(
    protected_digests: Iterable[Digest | str] | Mapping[Digest | str, str],
) -> dict[Digest, str]:
    """``{digest: why}`` from a collection of digests or a mapping of digest to reason."""
    if isinstance(protected_digests, (str, bytes, Digest)):
        raise InvalidValueError(
            str(protected_digests),
            "protected_digests is a collection of digests, not one digest",
            f"wrap it in a list: protected_digests=[{str(protected_digests)!r}]",
        )
    out: dict[Digest, str] = {}
    reasons = protected_digests if isinstance(protected_digests, Mapping) else None
    for item in protected_digests:
        digest = item if isinstance(item, Digest) else Digest.parse(item)
        why = "protected_digests" if reasons is None else reasons[item]
        if not isinstance(why, str) or not why.strip():
            raise InvalidValueError(
                why, "the reason a digest is protected must be text", "pass {digest: 'why'}"
            )
        if digest in out and why not in out[digest].split("; "):
            why = f"{out[digest]}; {why}"
        out[digest] = why
    return out
