"""Property: across thousands of random repositories - tags sharing digests, multi-arch
indexes (some nested), environment pointers, blue/green slots, signature tags, deployed
digests - applying a retention plan never removes a protected digest, a final release,
or anything a kept tag needs."""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from mosaic_sdk import RetentionPolicy
from mosaic_sdk.errors import NotFoundError
from mosaic_sdk.registry import Manifest
from mosaic_sdk.testing import InMemoryRegistry, push_image, push_index, push_signature
from mosaic_sdk.values import Digest

REPO = "prop/app"
NOW = datetime(2025, 6, 1, tzinfo=timezone.utc)
POINTERS = ("testing", "staging", "prod", "blue", "green")


@dataclass
class Scenario:
    registry: InMemoryRegistry
    policy: RetentionPolicy
    protected: list[Digest]
    tags: dict[str, Digest] = field(default_factory=dict)


_AGE = st.one_of(st.none(), st.integers(min_value=0, max_value=120))
_POLICY = st.builds(
    RetentionPolicy,
    sha_max_age=st.integers(min_value=0, max_value=30).map(lambda d: timedelta(days=d)),
    rc_max_age=st.one_of(st.none(), st.integers(0, 60).map(lambda d: timedelta(days=d))),
    keep_latest_rcs=st.integers(min_value=0, max_value=4),
)
_SHAPE = st.tuples(
    st.lists(st.tuples(_AGE, st.integers(0, 3)), min_size=1, max_size=8),  # images
    st.integers(min_value=0, max_value=3),  # indexes
    st.integers(min_value=0, max_value=12),  # sha tags
    st.integers(min_value=0, max_value=8),  # release candidates
    st.integers(min_value=0, max_value=3),  # releases
    st.integers(min_value=0, max_value=3),  # signatures
    st.integers(min_value=0, max_value=3),  # protected digests
)


@st.composite
def scenarios(draw: st.DrawFn) -> Scenario:
    """A random repository. Its shape (sizes, ages, policy) is drawn by hypothesis; which
    tag points where comes from a ``random.Random`` seeded by a drawn integer (an order of
    magnitude faster to generate than drawing every choice; failures still replay)."""
    images, n_indexes, n_sha, n_rc, n_release, n_sig, n_protected = draw(_SHAPE)
    rnd = random.Random(draw(st.integers(min_value=0, max_value=2**32)))
    registry = InMemoryRegistry()
    targets: list[Manifest] = []
    for i, (age, style) in enumerate(images):
        targets.append(
            push_image(
                registry,
                REPO,
                created=None if age is None else NOW - timedelta(days=age),
                created_in=("annotation", "config", "both", "config")[style],
                docker=style == 3,
                seed=f"image-{i}",
            )
        )
    plain = list(targets)
    for j in range(n_indexes):
        members = rnd.sample(plain, rnd.randint(1, min(3, len(plain))))
        if targets[-1].is_index and rnd.random() < 0.5:
            members.append(targets[-1])  # an index inside an index
        age = rnd.choice([None, rnd.randint(0, 120)])
        targets.append(
            push_index(
                registry,
                REPO,
                members,
                created=None if age is None else NOW - timedelta(days=age),
                platforms=[f"linux/arch{j}x{k}" for k in range(len(members))],
            )
        )

    scenario = Scenario(
        registry=registry,
        policy=draw(_POLICY),
        protected=[rnd.choice(targets).digest for _ in range(n_protected)],
    )

    def tag(name: str) -> None:
        manifest = rnd.choice(targets)
        registry.put_manifest(REPO, name, manifest)
        scenario.tags[name] = manifest.digest

    for n in range(n_sha):
        tag(f"sha-{n:07x}")
    for n in range(n_rc):
        tag(f"v1.{rnd.randint(0, 2)}.0-rc.{n + 1}")
    for n in range(n_release):
        tag(f"v2.{n}.0")
    for pointer in POINTERS:
        if rnd.random() < 0.5:
            tag(pointer)
    for name in ("latest", "nightly"):
        if rnd.random() < 0.3:
            tag(name)
    for _ in range(n_sig):
        subject = rnd.choice([*(t.digest for t in targets), Digest.from_bytes(b"elsewhere")])
        suffix = rnd.choice([".sig", ".att", ".sbom"])
        signature = push_signature(registry, REPO, subject, suffix)  # type: ignore[arg-type]
        scenario.tags[f"{subject.algorithm}-{subject.hex}{suffix}"] = signature.digest
    return scenario


def _exists(registry: InMemoryRegistry, digest: Digest) -> bool:
    try:
        registry.resolve(REPO, str(digest))
    except NotFoundError:
        return False
    return True


def _closure(registry: InMemoryRegistry, digest: Digest) -> set[Digest]:
    """The digest and every manifest below it (children of indexes, recursively)."""
    seen = {digest}
    manifest = registry.get_manifest(REPO, str(digest))
    for child in manifest.child_digests:
        seen |= _closure(registry, child)
    return seen


@settings(
    max_examples=2000,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
@given(scenarios())
def test_apply_never_removes_what_must_stay(scenario: Scenario) -> None:
    registry = scenario.registry
    plan = scenario.policy.plan(
        registry,
        REPO,
        now=NOW,
        protected_digests=scenario.protected,
        concurrency=1,  # in memory, threads only add GIL hand-offs (parallel: unit tests)
    )
    # What must stay, decided from the scenario alone (not from the plan, so a policy
    # that wrongly marks a pointer or a release deletable fails here): protected digests,
    # every pointer and slot, every final release, every unmanaged tag, with everything
    # below them.
    fixed = [name for name in scenario.tags if name in POINTERS or name.startswith("v2.")]
    fixed += [name for name in ("latest", "nightly") if name in scenario.tags]
    must_stay: set[Digest] = set()
    for digest in scenario.protected:
        must_stay |= _closure(registry, digest)
    for name in fixed:
        must_stay |= _closure(registry, scenario.tags[name])
    # And everything a tag the plan keeps needs.
    for name in plan.to_keep:
        must_stay |= _closure(registry, scenario.tags[name])

    result = plan.apply(registry)

    assert result.ok
    assert result.skipped == ()  # nothing moved, so nothing is skipped
    for digest in must_stay:
        assert _exists(registry, digest), f"{digest} was needed but deleted"
    for name in plan.to_keep:
        assert registry.resolve(REPO, name) == scenario.tags[name], f"kept tag {name} changed"
    for name in fixed:
        assert registry.resolve(REPO, name) == scenario.tags[name], f"{name} was removed"
    remaining = set(registry.list_tags(REPO))
    assert remaining.isdisjoint(plan.to_delete)
    assert remaining == set(plan.to_keep)
    for deletion in result.deleted:
        assert deletion.digest not in scenario.protected
