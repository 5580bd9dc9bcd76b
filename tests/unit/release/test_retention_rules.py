"""The rules on top of the tag grammar: keep and delete patterns, the newest N finals per
major version, keep winning over delete, and the rule named in every decision."""

from __future__ import annotations

import random
from datetime import datetime, timedelta, timezone

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from mosaic_sdk import RetentionPlan, RetentionPolicy
from mosaic_sdk.errors import InvalidValueError
from mosaic_sdk.release import NamePattern
from mosaic_sdk.testing import InMemoryRegistry, push_image, push_index

REPO = "team/app"
NOW = datetime(2025, 6, 1, 12, 0, tzinfo=timezone.utc)


def ago(days: float) -> datetime:
    return NOW - timedelta(days=days)


def plan_of(registry: InMemoryRegistry, policy: RetentionPolicy, **kwargs: object) -> RetentionPlan:
    return policy.plan(registry, REPO, now=NOW, **kwargs)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("text", "name", "matches"),
    [
        ("ci-*", "ci-123", True),
        ("ci-*", "ci-", True),
        ("ci-*", "xci-1", False),
        ("pr-?", "pr-1", True),
        ("pr-?", "pr-12", False),
        ("team/*", "team/api", True),
        ("team/*", "team/a/b", False),
        ("team/**", "team/a/b", True),
        ("**", "anything/at/all", True),
        ("a.b", "axb", False),  # a glob's dot is a dot
        ("re:pr-[0-9]+", "pr-42", True),
        ("re:pr-[0-9]+", "pr-42x", False),  # the whole name must match
        ("re:^nightly$", "nightly", True),
        ("glob:re:x", "re:x", True),
    ],
)
def test_a_pattern_is_a_glob_or_a_whole_name_regex(text: str, name: str, matches: bool) -> None:
    pattern = NamePattern.parse(text)
    assert pattern.matches(name) is matches
    assert NamePattern.parse(str(pattern)) == pattern


@pytest.mark.parametrize(
    ("text", "message"),
    [("", "is empty"), ("re:(", "is not a regular expression"), ("re:", "is empty")],
)
def test_bad_patterns_are_refused_with_the_fix(text: str, message: str) -> None:
    with pytest.raises(InvalidValueError, match=message):
        NamePattern.parse(text)


def test_policy_patterns_must_be_lists_and_finals_a_positive_count() -> None:
    with pytest.raises(InvalidValueError, match=r"wrap it in a list: \['ci-\*'\]"):
        RetentionPolicy(delete_patterns="ci-*")  # type: ignore[arg-type]
    for bad in (0, -1, True, "3"):
        with pytest.raises(InvalidValueError, match="keep_finals_per_major"):
            RetentionPolicy(keep_finals_per_major=bad)  # type: ignore[arg-type]
    policy = RetentionPolicy(keep_patterns=["lts-*", "re:^stable-[0-9]+$"])
    assert [str(p) for p in policy.keep_patterns] == ["lts-*", "re:^stable-[0-9]+$"]


@pytest.fixture
def unmanaged() -> InMemoryRegistry:
    registry = InMemoryRegistry()
    for tag in ("pr-1", "pr-2", "pr-keep", "nightly", "latest", "ci-77"):
        push_image(registry, REPO, tag, created=ago(100))
    push_image(registry, REPO, "v1.0.0", created=ago(100))
    return registry


def test_delete_patterns_delete_unmanaged_tags_and_name_the_pattern(
    unmanaged: InMemoryRegistry,
) -> None:
    policy = RetentionPolicy(delete_patterns=["pr-*", r"re:ci-\d+"])
    plan = plan_of(unmanaged, policy)
    assert set(plan.to_delete) == {"pr-1", "pr-2", "pr-keep", "ci-77"}
    assert plan.decision("pr-1").rule == "delete_pattern:pr-*"
    assert plan.decision("ci-77").rule == r"delete_pattern:re:ci-\d+"
    assert plan.decision("ci-77").reason == r"matches the delete pattern 're:ci-\\d+'"
    assert plan.decision("nightly").rule == "unmanaged"
    assert plan.decision("nightly").verdict == "keep"


def test_keep_wins_over_delete_and_says_so(unmanaged: InMemoryRegistry) -> None:
    policy = RetentionPolicy(delete_patterns=["**"], keep_patterns=["pr-keep", "latest"])
    plan = plan_of(unmanaged, policy)
    assert set(plan.to_delete) == {"pr-1", "pr-2", "nightly", "ci-77"}
    keep = plan.decision("pr-keep")
    assert keep.verdict == "keep"
    assert keep.rule == "keep_pattern:pr-keep"
    assert "keep wins over the delete pattern '**'" in keep.reason
    # A delete pattern never touches a tag of the SDK's grammar.
    assert plan.decision("v1.0.0").verdict == "keep"
    assert plan.decision("v1.0.0").rule == "release"


def test_a_delete_pattern_tag_sharing_a_kept_digest_is_kept_by_the_digest() -> None:
    registry = InMemoryRegistry()
    push_image(registry, REPO, "pr-9", "prod", created=ago(5))
    plan = plan_of(registry, RetentionPolicy(delete_patterns=["pr-*"]))
    decision = plan.decision("pr-9")
    assert decision.verdict == "keep"
    assert decision.rule == "shared_digest"
    assert "but kept: its digest is tagged prod" in decision.reason
    assert plan.deletions == ()


@pytest.fixture
def finals() -> InMemoryRegistry:
    registry = InMemoryRegistry()
    for version in ("1.0.0", "1.1.0", "1.2.0", "1.10.0", "2.0.0", "2.0.1", "3.0.0"):
        push_image(registry, REPO, f"v{version}", created=ago(300))
    return registry


def test_the_newest_n_finals_per_major_version_are_kept(finals: InMemoryRegistry) -> None:
    plan = plan_of(finals, RetentionPolicy(keep_finals_per_major=2))
    # Versions sort as versions: v1.10.0 is newer than v1.2.0.
    assert set(plan.to_delete) == {"v1.0.0", "v1.1.0"}
    assert set(plan.to_keep) == {"v1.2.0", "v1.10.0", "v2.0.0", "v2.0.1", "v3.0.0"}
    assert plan.decision("v1.1.0").reason == "final release, not among the newest 2 of v1"
    assert plan.decision("v2.0.0").reason == "final release, among the newest 2 of v2"
    assert {d.rule for d in plan.decisions} == {"keep_finals_per_major"}
    every = plan_of(finals, RetentionPolicy())
    assert every.to_delete == ()
    assert {d.rule for d in every.decisions} == {"release"}


def test_an_old_final_survives_by_keep_pattern_pointer_and_protection(
    finals: InMemoryRegistry,
) -> None:
    old = finals.resolve(REPO, "v1.0.0")
    finals.put_manifest(REPO, "prod", finals.get_manifest(REPO, "v1.1.0"))
    policy = RetentionPolicy(keep_finals_per_major=1, keep_patterns=["v1.0.*"])
    plan = plan_of(finals, policy, protected_digests={old: "runs on target web"})
    assert plan.decision("v1.0.0").rule == "keep_pattern:v1.0.*"
    assert plan.decision("v1.1.0").rule == "shared_digest"
    assert plan.decision("v1.2.0").verdict == "delete"
    assert plan.protections == {old: "runs on target web"}
    assert plan.to_dict()["protections"] == {str(old): "runs on target web"}


def test_a_protected_digest_names_who_protects_it_in_the_decision() -> None:
    registry = InMemoryRegistry()
    image = push_image(registry, REPO, "sha-aaaaaaa", created=ago(90))
    amd = push_image(registry, REPO, "sha-bbbbbbb", created=ago(90))
    arm = push_image(registry, REPO, created=ago(90), platform="linux/arm64")
    index = push_index(registry, REPO, [amd, arm], "sha-ccccccc")
    why = {
        image.digest: "runs on target file:compose.yaml#web",
        str(index.digest): "named by promotion record records/prod.json",
    }
    plan = plan_of(registry, RetentionPolicy(), protected_digests=why)
    first = plan.decision("sha-aaaaaaa")
    assert first.verdict == "keep"
    assert first.rule == "protected"
    assert first.reason.endswith("is protected: runs on target file:compose.yaml#web")
    assert "promotion record records/prod.json" in plan.decision("sha-ccccccc").reason
    child = plan.decision("sha-bbbbbbb")
    assert child.rule == "dependency"
    assert "image of the kept index" in child.reason
    unprotected = plan_of(registry, RetentionPolicy())
    assert set(unprotected.to_delete) == {"sha-aaaaaaa", "sha-bbbbbbb", "sha-ccccccc"}


def test_every_decision_names_a_rule_and_the_table_shows_it() -> None:
    registry = InMemoryRegistry()
    push_image(registry, REPO, "sha-aaaaaaa", created=ago(90))
    push_image(registry, REPO, "sha-bbbbbbb", created=ago(1))
    for n in range(1, 5):
        push_image(registry, REPO, f"v1.0.0-rc.{n}", created=ago(90))
    push_image(registry, REPO, "staging", created=ago(90))
    push_image(registry, REPO, "nightly", created=ago(90))
    plan = plan_of(registry, RetentionPolicy(keep_latest_rcs=2))
    rules = {d.tag: d.rule for d in plan.decisions}
    assert rules == {
        "nightly": "unmanaged",
        "sha-aaaaaaa": "sha_max_age",
        "sha-bbbbbbb": "sha_max_age",
        "staging": "pointer",
        "v1.0.0-rc.1": "rc_max_age",
        "v1.0.0-rc.2": "rc_max_age",
        "v1.0.0-rc.3": "keep_latest_rcs",
        "v1.0.0-rc.4": "keep_latest_rcs",
    }
    assert "RULE" in plan.table().splitlines()[0]
    assert all(d["rule"] for d in plan.to_dict()["decisions"])


# -- property: keep wins, protection holds, patterns never decide managed tags ----------

_TAG_POOL = (
    "pr-1", "pr-2", "pr-33", "nightly", "nightly-20250101", "lts-2024", "latest", "ci-9",
    "v1.0.0", "v1.1.0", "v1.2.0", "v2.0.0", "v2.1.0", "v3.0.0",
    "sha-aaaaaaa", "sha-bbbbbbb", "v1.3.0-rc.1", "v1.3.0-rc.2", "prod", "staging",
)  # fmt: skip
_PATTERN_POOL = ("pr-*", "re:pr-[0-9]+", "nightly*", "lts-*", "**", "v1.*", "re:ci-.*", "sha-*")


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    tags=st.lists(st.sampled_from(_TAG_POOL), min_size=1, max_size=12, unique=True),
    images=st.integers(min_value=1, max_value=6),
    seed=st.integers(min_value=0, max_value=2**16),
    keep=st.lists(st.sampled_from(_PATTERN_POOL), max_size=2),
    delete=st.lists(st.sampled_from(_PATTERN_POOL), max_size=3),
    finals=st.one_of(st.none(), st.integers(min_value=1, max_value=3)),
    protect=st.integers(min_value=0, max_value=2),
)
def test_keep_patterns_and_protection_always_hold(
    tags: list[str],
    images: int,
    seed: int,
    keep: list[str],
    delete: list[str],
    finals: int | None,
    protect: int,
) -> None:
    rnd = random.Random(seed)
    registry = InMemoryRegistry()
    manifests = [push_image(registry, REPO, created=ago(rnd.randint(0, 90))) for _ in range(images)]
    where = {}
    for tag in tags:
        manifest = rnd.choice(manifests)
        registry.put_manifest(REPO, tag, manifest)
        where[tag] = manifest.digest
    protected = {m.digest: "runs on target t" for m in rnd.sample(manifests, min(protect, images))}
    policy = RetentionPolicy(
        keep_patterns=keep, delete_patterns=delete, keep_finals_per_major=finals
    )
    plan = policy.plan(registry, REPO, now=NOW, protected_digests=protected, concurrency=1)
    for decision in plan.decisions:
        assert decision.rule, decision
        if decision.rule.startswith("delete_pattern:"):
            assert decision.category == "unmanaged", decision
    result = plan.apply(registry)
    assert result.ok
    remaining = set(registry.list_tags(REPO)) if registry.repositories() else set()
    assert remaining == set(plan.to_keep)
    kept_by_pattern = [t for t in tags if any(NamePattern.parse(p).matches(t) for p in keep)]
    for tag in kept_by_pattern:
        assert tag in remaining, f"{tag} matches a keep pattern but was deleted"
    for digest in protected:
        assert registry.resolve(REPO, str(digest)) == digest
    for tag, digest in where.items():
        if digest in protected:
            assert tag in remaining, f"{tag} is on a protected digest but was deleted"
