"""Registry retention's deciding, free of I/O: tag categories, the dependency graph of
the tagged manifests, the verdicts by name, by age and for signatures, and the deletions
in apply order. The planner (``release/_async/retention.py``) reads the registry and
calls these; the values they produce are in ``release/_retention.py``."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable, Mapping
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
    first_match,
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
    rule: str = ""


#: Why a digest is kept: the rule (``shared_digest``, ``dependency``, ``protected``,
#: ``signature``) and the words.
Cause = tuple[str, str]


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


def _ranks(
    drafts: Iterable[_Draft], category: TagCategory, group: Callable[[ImageTag], str]
) -> dict[str, int]:
    """Each tag of ``category``: its place, newest first, among the tags of its group."""
    groups: dict[str, list[_Draft]] = defaultdict(list)
    for draft in drafts:
        if draft.category == category and draft.parsed is not None:
            groups[group(draft.parsed)].append(draft)
    rank: dict[str, int] = {}
    for members in groups.values():
        members.sort(key=_rc_order, reverse=True)
        for n, draft in enumerate(members):
            rank[draft.tag] = n
    return rank


def _major(tag: ImageTag) -> str:
    return f"v{tag.version.major}" if tag.version is not None else "?"


def _decide_by_name(policy: RetentionPolicy, drafts: Mapping[str, _Draft]) -> list[_Draft]:
    """Decide every tag whose verdict does not depend on age; return the others
    (``sha-*`` tags and RCs outside the newest N), still undecided. Keep patterns come
    first (keep wins); delete patterns decide only tags the SDK does not manage."""
    keep_n = policy.keep_latest_rcs
    rc_rank = _ranks(drafts.values(), "rc", lambda t: str(t.base_version))
    finals = policy.keep_finals_per_major
    final_rank = _ranks(drafts.values(), "release", _major)

    fixed = {
        "release": ("final release", "release"),
        "environment": ("environment pointer", "pointer"),
        "slot": ("blue/green slot pointer", "pointer"),
        "unmanaged": ("not a managed tag", "unmanaged"),
        "signature": (_UNDECIDED, "signature"),  # decided with its subject
    }
    pending: list[_Draft] = []
    for draft in drafts.values():
        keep = (
            None if draft.category == "signature" else first_match(policy.keep_patterns, draft.tag)
        )
        if keep is not None:
            draft.reason, draft.rule = (
                f"matches the keep pattern {str(keep)!r}",
                f"keep_pattern:{keep}",
            )
            deleting = first_match(policy.delete_patterns, draft.tag)
            if deleting is not None and draft.category == "unmanaged":
                draft.reason += f" (keep wins over the delete pattern {str(deleting)!r})"
        elif draft.category == "release" and finals is not None and draft.parsed is not None:
            major = _major(draft.parsed)
            draft.rule = "keep_finals_per_major"
            if final_rank[draft.tag] < finals:
                draft.reason = f"final release, among the newest {finals} of {major}"
            else:
                draft.verdict = "delete"
                draft.reason = f"final release, not among the newest {finals} of {major}"
        elif (
            draft.category == "unmanaged"
            and (deleting := first_match(policy.delete_patterns, draft.tag)) is not None
        ):
            draft.verdict = "delete"
            draft.reason = f"matches the delete pattern {str(deleting)!r}"
            draft.rule = f"delete_pattern:{deleting}"
        elif draft.category in fixed:
            draft.reason, draft.rule = fixed[draft.category]
        elif draft.category == "rc" and rc_rank[draft.tag] < keep_n:
            base = draft.parsed.base_version if draft.parsed is not None else "?"
            draft.reason = f"among the newest {keep_n} RCs of {base}"
            draft.rule = "keep_latest_rcs"
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
    draft.rule = "sha_max_age" if draft.category == "sha" else "rc_max_age"
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
    protected: Mapping[Digest, str], drafts: Mapping[str, _Draft], graph: _Graph
) -> dict[Digest, Cause]:
    """Digests kept in their own right: deployed, tagged by a kept tag, or an
    orphan signature (its image is not tagged here, so nothing decides it)."""
    seeds: dict[Digest, Cause] = {}
    for digest in sorted(protected):
        why = protected[digest]
        text = (
            "is marked as deployed (protected_digests)"
            if why == "protected_digests"
            else f"is protected: {why}"
        )
        seeds.setdefault(digest, ("protected", text))
    for draft in drafts.values():
        if draft.verdict == "keep" and draft.category != "signature" and draft.digest:
            seeds.setdefault(
                draft.digest, ("shared_digest", f"is tagged {draft.tag} ({draft.reason})")
            )
    for subject, signatures in graph.signatures.items():
        if subject not in graph.tag_digests:
            for sig in signatures:
                if sig.digest is not None:
                    seeds.setdefault(
                        sig.digest, ("signature", f"is tagged {sig.tag} (a signature)")
                    )
    return seeds


def _decide_signatures(graph: _Graph, causes: Mapping[Digest, Cause]) -> None:
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
