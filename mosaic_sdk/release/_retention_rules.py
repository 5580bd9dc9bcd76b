"""Registry retention's deciding, free of I/O: tag categories, the dependency graph of
the tagged manifests, the verdicts by name, by age and for signatures, and the deletions
in apply order. The planner (``release/_async/retention.py``) reads the registry and
calls these; the values they produce are in ``release/_retention.py``."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping
from datetime import datetime, timedelta
from typing import Literal

import attrs

from mosaic_sdk.errors import InvalidValueError
from mosaic_sdk.registry._models import ANNOTATION_CREATED, Manifest
from mosaic_sdk.release._retention import (
    DigestDeletion,
    RetentionPolicy,
    TagCategory,
    _age_text,
    _days,
    _short,
    parse_created,
)
from mosaic_sdk.values import Digest, ImageTag, TagKind, is_signature_tag, signature_subject


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


def _decide_by_name(policy: RetentionPolicy, drafts: Mapping[str, _Draft]) -> list[_Draft]:
    """Decide every tag whose verdict does not depend on age; return the others
    (``sha-*`` tags and RCs outside the newest N), still undecided."""
    keep_n = policy.keep_latest_rcs
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


def _decide_by_age(policy: RetentionPolicy, draft: _Draft) -> None:
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
        draft.reason = "no creation time (no created annotation, config time, or a zero/epoch time)"
    elif draft.age is not None and draft.age <= max_age:
        draft.reason = f"{what} {_age_text(draft.age)} old, within {_days(max_age)}"
    else:
        draft.verdict = "delete"
        draft.reason = f"{what} {_age_text(draft.age)} old, older than {_days(max_age)}{also}"


def _seeds(
    protected: frozenset[Digest], drafts: Mapping[str, _Draft], graph: _Graph
) -> dict[Digest, str]:
    """Digests kept in their own right: deployed, tagged by a kept tag, or an
    orphan signature (its image is not tagged here, so nothing decides it)."""
    seeds: dict[Digest, str] = {}
    for digest in sorted(protected):
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


def _decide_signatures(graph: _Graph, causes: Mapping[Digest, str]) -> None:
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


def _deletions(
    drafts: Mapping[str, _Draft], manifests: Mapping[Digest, Manifest]
) -> tuple[DigestDeletion, ...]:
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
        manifest = manifests.get(digest)
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
