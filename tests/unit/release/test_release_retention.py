"""Retention verdicts, dependencies, rendering and apply (with races) against the
in-memory registry."""

from __future__ import annotations

import json
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest

from mosaic_sdk import RetentionPlan, RetentionPolicy
from mosaic_sdk.errors import (
    APIStatusError,
    InvalidValueError,
    NotFoundError,
    PermissionDeniedError,
    RetentionError,
    ServerError,
    UnsupportedOperationError,
)
from mosaic_sdk.registry import ANNOTATION_CREATED, OCI_EMPTY, OCI_MANIFEST, BlobCache, Manifest
from mosaic_sdk.release import DeletionOutcome, PlanReads, parse_created
from mosaic_sdk.testing import (
    InMemoryRegistry,
    RegistryCall,
    push_image,
    push_index,
    push_signature,
)
from mosaic_sdk.values import Digest

REPO = "team/app"
NOW = datetime(2025, 6, 1, 12, 0, tzinfo=timezone.utc)


def ago(days: float) -> datetime:
    return NOW - timedelta(days=days)


@pytest.fixture
def registry() -> InMemoryRegistry:
    return InMemoryRegistry()


def plan_of(
    registry: InMemoryRegistry, policy: RetentionPolicy | None = None, **kwargs: object
) -> RetentionPlan:
    return (policy or RetentionPolicy()).plan(registry, REPO, now=NOW, **kwargs)  # type: ignore[arg-type]


# -- verdicts, one image at a time --------------------------------------------------------


@pytest.mark.parametrize(
    ("tag", "age", "where", "policy", "verdict", "reason"),
    [
        ("sha-aaaaaaa", 3, "annotation", RetentionPolicy(), "keep", "sha tag 3d old, within 14d"),
        ("sha-aaaaaaa", 20, "annotation", RetentionPolicy(), "delete", "older than 14d"),
        ("sha-aaaaaaa", 20, "config", RetentionPolicy(), "delete", "older than 14d"),
        ("sha-aaaaaaa", 0.5, "config", RetentionPolicy(), "keep", "12h old"),
        ("sha-aaaaaaa", None, "none", RetentionPolicy(), "keep", "no creation time"),
        ("sha-aaaaaaa", 400, "annotation", RetentionPolicy(sha_max_age=None), "keep", "never"),
        (
            "sha-aaaaaaa",
            8,
            "annotation",
            RetentionPolicy(sha_max_age=timedelta(days=7)),
            "delete",
            "7d",
        ),
        ("v1.2.3", 900, "annotation", RetentionPolicy(), "keep", "final release"),
        ("v1.2.3-rc.1", 900, "annotation", RetentionPolicy(), "keep", "newest 3 RCs of 1.2.3"),
        (
            "v1.2.3-rc.1",
            40,
            "annotation",
            RetentionPolicy(keep_latest_rcs=0),
            "delete",
            "older than 30d",
        ),
        ("v1.2.3-rc.1", 20, "annotation", RetentionPolicy(keep_latest_rcs=0), "keep", "within 30d"),
        (
            "v1.2.3-rc.1",
            99,
            "annotation",
            RetentionPolicy(keep_latest_rcs=0, rc_max_age=None),
            "keep",
            "never",
        ),
        ("testing", 900, "annotation", RetentionPolicy(), "keep", "environment pointer"),
        ("prod", 900, "annotation", RetentionPolicy(), "keep", "environment pointer"),
        ("green", 900, "annotation", RetentionPolicy(), "keep", "blue/green slot pointer"),
        ("latest", 900, "annotation", RetentionPolicy(), "keep", "not a managed tag"),
        ("nightly-2024", 900, "annotation", RetentionPolicy(), "keep", "not a managed tag"),
    ],
)
def test_verdict_of_a_lone_tag(
    registry: InMemoryRegistry,
    tag: str,
    age: float | None,
    where: str,
    policy: RetentionPolicy,
    verdict: str,
    reason: str,
) -> None:
    created = None if age is None else ago(age)
    image = push_image(registry, REPO, tag, created=created, created_in=where)  # type: ignore[arg-type]
    plan = plan_of(registry, policy)
    decision = plan.decision(tag)
    assert decision.verdict == verdict
    assert reason in decision.reason
    assert decision.digest == image.digest
    assert (plan.to_delete == (tag,)) is (verdict == "delete")


def test_a_zero_or_epoch_creation_time_counts_as_unknown(registry: InMemoryRegistry) -> None:
    push_image(registry, REPO, "sha-0000001", created=datetime(1970, 1, 1, tzinfo=timezone.utc))
    push_image(registry, REPO, "sha-0000002", created=datetime(1, 1, 1, tzinfo=timezone.utc))
    plan = plan_of(registry)
    assert plan.to_delete == ()
    assert all("no creation time" in d.reason for d in plan.decisions)


def test_release_candidates_newest_n_per_version_or_within_the_window(
    registry: InMemoryRegistry,
) -> None:
    for n in range(1, 6):
        push_image(registry, REPO, f"v1.0.0-rc.{n}", created=ago(100 - n))
    for n in range(1, 3):
        push_image(registry, REPO, f"v1.1.0-rc.{n}", created=ago(90))
    push_image(registry, REPO, "v2.0.0-rc.1", created=ago(40))
    push_image(registry, REPO, "v2.0.0-rc.2", created=ago(2))
    push_image(registry, REPO, "v2.0.0-rc.10", created=ago(1))

    plan = plan_of(registry, RetentionPolicy(keep_latest_rcs=2))

    assert plan.to_delete == ("v1.0.0-rc.1", "v1.0.0-rc.2", "v1.0.0-rc.3", "v2.0.0-rc.1")
    assert "not among the newest 2 of 1.0.0" in plan.decision("v1.0.0-rc.3").reason
    assert "newest 2 RCs of 2.0.0" in plan.decision("v2.0.0-rc.2").reason  # rc.10 > rc.2
    assert plan.decision("v1.1.0-rc.1").keep


# -- digests shared between tags, protection, dependencies -------------------------------


def test_a_stale_tag_on_a_kept_digest_is_kept_and_says_why(registry: InMemoryRegistry) -> None:
    image = push_image(registry, REPO, "sha-bbbbbbb", "prod", created=ago(60))
    released = push_image(registry, REPO, "sha-ccccccc", "v1.0.0", created=ago(60))
    plan = plan_of(registry)
    assert plan.to_delete == ()
    reason = plan.decision("sha-bbbbbbb").reason
    assert reason == "sha tag, kept with its digest, which is tagged prod (environment pointer)"
    assert plan.decision("sha-bbbbbbb").age is None  # not needed, so not read
    assert "v1.0.0" in plan.decision("sha-ccccccc").reason
    assert {image.digest, released.digest}.isdisjoint(d.digest for d in plan.deletions)


def test_protected_digests_are_kept_as_given_strings_or_digests(
    registry: InMemoryRegistry,
) -> None:
    deployed = push_image(registry, REPO, "sha-ddddddd", created=ago(60))
    other = push_image(registry, REPO, "sha-eeeeeee", created=ago(60))
    plan = plan_of(registry, protected_digests=[str(deployed.digest)])
    assert plan.to_delete == ("sha-eeeeeee",)
    assert "deployed" in plan.decision("sha-ddddddd").reason
    assert plan.protected_digests == frozenset({deployed.digest})
    both = plan_of(registry, protected_digests=[deployed.digest, other.digest])
    assert both.to_delete == ()


def test_children_of_a_kept_index_are_kept_even_when_tagged_stale(
    registry: InMemoryRegistry,
) -> None:
    amd = push_image(registry, REPO, "sha-1000001", created=ago(50))
    arm = push_image(registry, REPO, "sha-1000002", created=ago(50), platform="linux/arm64")
    push_index(registry, REPO, [amd, arm], "v3.0.0")
    plan = plan_of(registry)
    assert plan.to_delete == ()
    assert "image of the kept index v3.0.0" in plan.decision("sha-1000001").reason


def test_an_untagged_protected_index_keeps_its_tagged_children(
    registry: InMemoryRegistry,
) -> None:
    amd = push_image(registry, REPO, "sha-2000001", created=ago(50))
    index = push_index(registry, REPO, [amd])  # by digest only
    plan = plan_of(registry, protected_digests=[index.digest])
    assert plan.to_delete == ()
    assert "kept index" in plan.decision("sha-2000001").reason


def test_nested_indexes_are_followed(registry: InMemoryRegistry) -> None:
    leaf = push_image(registry, REPO, "sha-3000001", created=ago(50))
    inner = push_index(registry, REPO, [leaf])
    push_index(registry, REPO, [inner], "v4.0.0")
    assert plan_of(registry).to_delete == ()


def test_an_index_without_its_own_time_is_as_old_as_its_newest_child(
    registry: InMemoryRegistry,
) -> None:
    old = push_image(registry, REPO, created=ago(90))
    young = push_image(registry, REPO, created=ago(3), created_in="config", platform="linux/arm64")
    push_index(registry, REPO, [old, young], "sha-4000001")
    push_index(registry, REPO, [old], "sha-4000002")
    push_index(registry, REPO, [young], "sha-4000003", created=ago(40))
    plan = plan_of(registry)
    assert plan.decision("sha-4000001").age == timedelta(days=3)
    assert plan.to_delete == ("sha-4000002", "sha-4000003")


def test_signatures_follow_their_subject(registry: InMemoryRegistry) -> None:
    kept = push_image(registry, REPO, "v1.0.0", created=ago(90))
    stale = push_image(registry, REPO, "sha-5000001", created=ago(90))
    kept_sig = push_signature(registry, REPO, kept)
    kept_att = push_signature(registry, REPO, kept, ".att")
    stale_sig = push_signature(registry, REPO, stale)
    orphan = push_signature(registry, REPO, Digest.from_bytes(b"image elsewhere"), ".sbom")
    tag = f"sha256-{stale.digest.hex}.sig"

    plan = plan_of(registry)

    assert set(plan.to_delete) == {"sha-5000001", tag}
    assert (
        "signature of the kept image v1.0.0"
        in plan.decision(f"sha256-{kept.digest.hex}.sig").reason
    )
    assert "which is deleted" in plan.decision(tag).reason
    orphan_tag = f"sha256-{Digest.from_bytes(b'image elsewhere').hex}.sbom"
    assert "not tagged here" in plan.decision(orphan_tag).reason
    order = [d.digest for d in plan.deletions]
    assert order.index(stale_sig.digest) < order.index(stale.digest)  # signature first
    assert {kept_sig.digest, kept_att.digest, orphan.digest}.isdisjoint(order)

    result = plan.apply(registry)
    assert result.deleted_digests == (stale_sig.digest, stale.digest)
    assert registry.resolve(REPO, f"sha256-{kept.digest.hex}.att") == kept_att.digest


def test_a_referrer_of_a_kept_image_is_kept_whatever_its_tag(
    registry: InMemoryRegistry,
) -> None:
    subject = push_image(registry, REPO, "v1.0.0", created=ago(90))
    empty = registry.put_blob(REPO, b"{}")
    doc = {
        "schemaVersion": 2,
        "mediaType": OCI_MANIFEST,
        "artifactType": "application/vnd.example.sbom",
        "config": {"mediaType": OCI_EMPTY, "digest": str(empty), "size": 2},
        "layers": [],
        "subject": subject.descriptor().to_dict(),
        "annotations": {ANNOTATION_CREATED: ago(90).isoformat()},
    }
    referrer = Manifest.from_json(doc)
    registry.put_manifest(REPO, "sha-6000001", referrer)
    plan = plan_of(registry)
    assert plan.to_delete == ()
    assert "refers to the kept image v1.0.0" in plan.decision("sha-6000001").reason


# -- the plan as a value -------------------------------------------------------------------


@pytest.fixture
def mixed(registry: InMemoryRegistry) -> InMemoryRegistry:
    push_image(registry, REPO, "sha-7000001", created=ago(30))
    push_image(registry, REPO, "sha-7000002", "testing", created=ago(30))
    push_image(registry, REPO, "sha-7000003", created=ago(1))
    push_image(registry, REPO, "v1.0.0", created=ago(300))
    push_image(registry, REPO, "sha-7000004", created=ago(40))
    return registry


def test_the_plan_prints_as_a_table_and_renders_in_notebooks(mixed: InMemoryRegistry) -> None:
    plan = plan_of(mixed)
    text = str(plan)
    assert text.splitlines()[0] == "team/app: 6 tags, keep 4, delete 2 (2 digests)"
    assert text.splitlines()[1].split() == [
        "TAG",
        "DIGEST",
        "KIND",
        "AGE",
        "VERDICT",
        "RULE",
        "REASON",
    ]
    assert "sha-7000001" in text
    assert "DELETE" in text
    only_deletes = plan.table(verdict="delete")
    assert "sha-7000003" not in only_deletes
    assert "sha-7000004" in only_deletes
    assert plan._repr_markdown_().count("\n| ") == 7  # header + 6 rows
    assert "<table>" in plan._repr_html_()
    document = json.loads(plan.to_json())
    assert document["policy"]["keep_latest_rcs"] == 3
    assert {t for d in document["deletions"] for t in d["tags"]} == set(plan.to_delete)
    with pytest.raises(KeyError):
        plan.decision("nope")


def test_html_is_escaped(mixed: InMemoryRegistry) -> None:
    plan = plan_of(mixed)
    target = plan.decision("sha-7000001").digest
    assert target is not None
    mixed.put_manifest(REPO, "testing", mixed.get_manifest(REPO, str(target)))
    result = plan.apply(mixed)
    assert "now points to it" in result.skipped[0].reason
    assert "&#x27;testing&#x27;" in result._repr_html_()
    assert "'testing'" not in result._repr_html_()


def test_planning_changes_nothing_and_is_the_same_sequential_or_parallel(
    mixed: InMemoryRegistry,
) -> None:
    before = mixed.list_tags(REPO)
    parallel = plan_of(mixed, concurrency=8)
    sequential = plan_of(mixed, concurrency=1)
    assert parallel == sequential
    assert mixed.list_tags(REPO) == before
    writes = ("delete_manifest", "put_manifest", "put_blob")
    calls_before = mixed.request_count
    plan_of(mixed)
    assert all(c.operation not in writes for c in mixed.calls[calls_before:])


def test_manifests_and_configs_are_read_once_per_digest(registry: InMemoryRegistry) -> None:
    shared = push_image(registry, REPO, "sha-8000001", created=ago(45), created_in="config")
    for tag in ("sha-8000002", "sha-8000003", "v1.0.0-rc.1"):
        registry.put_manifest(REPO, tag, shared)
    registry.reset_calls()
    plan = plan_of(registry, RetentionPolicy(keep_latest_rcs=0))
    assert registry.count("list_tags") == 1
    assert registry.count("get_manifest") == 4  # one per tag
    assert registry.count("get_blob") == 1  # one config for the shared digest
    assert registry.count("resolve") == 0
    assert len(plan.to_delete) == 4

    # Once a pointer keeps the digest, its age decides nothing and is not read.
    registry.put_manifest(REPO, "prod", shared)
    registry.reset_calls()
    plan_of(registry, RetentionPolicy(keep_latest_rcs=0))
    assert registry.count("get_blob") == 0


def test_a_blob_cache_saves_the_config_reads_of_later_plans(
    registry: InMemoryRegistry, tmp_path: Path
) -> None:
    old = [
        push_image(registry, REPO, f"sha-900000{n}", created=ago(40 + n), created_in="config")
        for n in range(3)
    ]
    push_image(registry, REPO, "sha-9000009", created=ago(2), created_in="config")
    cache = BlobCache(tmp_path / "cache")
    registry.reset_calls()
    first = plan_of(registry, cache=cache)
    assert registry.count("get_blob") == 4
    assert (cache.hits, cache.misses) == (0, 4)

    registry.reset_calls()
    again = plan_of(registry, cache=BlobCache(tmp_path / "cache"))
    assert registry.count("get_blob") == 0
    assert registry.count("get_manifest") == 4  # tags move: always read
    assert again == first
    assert first.reads == PlanReads(tag_lists=1, manifests=4, configs=4, configs_cached=0)
    assert again.reads == PlanReads(tag_lists=1, manifests=4, configs=0, configs_cached=4)
    assert str(again.reads) == (
        "5 registry reads: 1 tag list, 4 manifests, 0 configs, 4 from the cache"
    )
    assert again.to_dict()["reads"] == {
        "tag_lists": 1, "manifests": 4, "configs": 0, "configs_cached": 4,
    }  # fmt: skip
    assert set(again.to_delete) == {f"sha-900000{n}" for n in range(3)}
    assert all(d.age is not None for d in again.decisions)

    # A damaged entry is read again from the registry, and the verdicts do not change.
    config = old[0].config_digest
    assert config is not None
    cache.path_for(config).write_bytes(b'{"created": "2099-01-01T00:00:00Z"}')
    registry.reset_calls()
    assert plan_of(registry, cache=cache) == first
    assert registry.count("get_blob") == 1


def test_the_cache_argument_must_be_a_blob_cache(registry: InMemoryRegistry) -> None:
    with pytest.raises(InvalidValueError, match="is not a BlobCache"):
        plan_of(registry, cache="/tmp/cache")


def test_a_missing_repository_is_not_found_not_an_empty_plan(registry: InMemoryRegistry) -> None:
    # A typo in a cron job must not plan "nothing to delete" forever (#14).
    with pytest.raises(NotFoundError, match="does not exist on the registry"):
        plan_of(registry)


# -- apply --------------------------------------------------------------------------------


def test_apply_deletes_by_digest_and_reports_progress(mixed: InMemoryRegistry) -> None:
    plan = plan_of(mixed)
    seen: list[tuple[int, int, DeletionOutcome]] = []
    result = plan.apply(mixed, progress=lambda done, total, o: seen.append((done, total, o)))

    assert [(d, t) for d, t, _ in seen] == [(1, 2), (2, 2)]
    assert result.ok
    assert result.deleted_tags == ("sha-7000001", "sha-7000004")
    assert mixed.list_tags(REPO) == ["sha-7000002", "sha-7000003", "testing", "v1.0.0"]
    assert "deleted 2 digests (2 tags), skipped 0, failed 0" in str(result)
    assert "| deleted |" in result._repr_markdown_()
    assert "<table>" in result._repr_html_()


def test_a_digest_a_pointer_moved_to_after_the_plan_is_skipped(
    mixed: InMemoryRegistry,
) -> None:
    plan = plan_of(mixed)
    target = plan.decision("sha-7000001").digest
    assert target is not None
    mixed.put_manifest(REPO, "testing", mixed.get_manifest(REPO, str(target)))

    result = plan.apply(mixed)

    assert [o.tags for o in result.skipped] == [("sha-7000001",)]
    assert "'testing' now points to it" in result.skipped[0].reason
    assert mixed.resolve(REPO, "testing") == target
    assert result.deleted_tags == ("sha-7000004",)


def test_a_planned_tag_that_moved_is_skipped(mixed: InMemoryRegistry) -> None:
    plan = plan_of(mixed)
    fresh = push_image(mixed, REPO, created=ago(0))
    mixed.put_manifest(REPO, "sha-7000004", fresh)
    result = plan.apply(mixed)
    assert [o.tags for o in result.skipped] == [("sha-7000004",)]
    assert "moved to" in result.skipped[0].reason
    assert mixed.resolve(REPO, "sha-7000004") == fresh.digest


def test_a_tag_created_after_the_plan_protects_its_digest(mixed: InMemoryRegistry) -> None:
    plan = plan_of(mixed)
    target = plan.decision("sha-7000004").digest
    assert target is not None
    mixed.put_manifest(REPO, "v1.1.0", mixed.get_manifest(REPO, str(target)))
    result = plan.apply(mixed)
    assert "tag 'v1.1.0' now points to it" in result.skipped[0].reason
    assert mixed.resolve(REPO, "v1.1.0") == target


def test_a_pointer_moved_during_apply_is_seen_before_the_next_delete(
    mixed: InMemoryRegistry,
) -> None:
    plan = plan_of(mixed)
    first, second = plan.deletions
    moved = False

    def race(call: RegistryCall) -> None:
        nonlocal moved
        if call.operation == "delete_manifest" and not moved:
            moved = True
            mixed.put_manifest(REPO, "testing", mixed.get_manifest(REPO, str(second.digest)))

    mixed.before_call = race
    result = plan.apply(mixed)
    assert result.deleted_digests == (first.digest,)
    assert result.skipped[0].digest == second.digest
    assert "pointer 'testing' now points to it" in result.skipped[0].reason


def test_a_digest_already_gone_is_skipped(mixed: InMemoryRegistry) -> None:
    plan = plan_of(mixed)
    for deletion in plan.deletions:
        mixed.delete_manifest(REPO, deletion.digest)
    result = plan.apply(mixed)
    assert result.deleted == ()
    assert all("already gone" in o.reason for o in result.skipped)


@pytest.mark.parametrize(
    "error",
    [
        UnsupportedOperationError("DELETE refused with 405", workaround="enable deletion"),
        APIStatusError("HTTP 405 UNSUPPORTED", status_code=405, provider="registry"),
        PermissionDeniedError("HTTP 403 DENIED", status_code=403, provider="registry"),
    ],
    ids=["unsupported", "405", "403"],
)
def test_deletion_refused_stops_the_run_and_reports_the_rest(
    mixed: InMemoryRegistry, error: Exception
) -> None:
    class NoDelete(InMemoryRegistry):
        def delete_manifest(self, repository: str, digest: Digest) -> None:
            raise error

    plan = plan_of(mixed)
    disabled = NoDelete()
    disabled._repos = mixed._repos
    result = plan.apply(disabled)
    assert not result.ok
    assert len(result.errors) == 1
    assert str(error) in result.errors[0].reason
    assert all(o.reason.startswith("not attempted") for o in result.skipped)
    assert len(result.skipped) == len(plan.deletions) - 1


def test_other_failures_are_recorded_and_the_run_continues(mixed: InMemoryRegistry) -> None:
    plan = plan_of(mixed)
    failing = plan.deletions[0].digest

    class Flaky(InMemoryRegistry):
        def delete_manifest(self, repository: str, digest: Digest) -> None:
            if digest == failing:
                raise ServerError("HTTP 500", status_code=500, provider="registry")
            super().delete_manifest(repository, digest)

    flaky = Flaky()
    flaky._repos = mixed._repos
    result = plan.apply(flaky)
    assert [o.digest for o in result.errors] == [failing]
    assert len(result.deleted) == len(plan.deletions) - 1


# -- errors -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("kwargs", "pattern"),
    [
        ({"sha_max_age": timedelta(days=-1)}, "sha_max_age"),
        ({"rc_max_age": 30}, "rc_max_age"),
        ({"keep_latest_rcs": -1}, "keep_latest_rcs"),
        ({"keep_latest_rcs": True}, "keep_latest_rcs"),
    ],
)
def test_policy_arguments_are_checked(kwargs: dict[str, object], pattern: str) -> None:
    with pytest.raises(InvalidValueError, match=pattern):
        RetentionPolicy(**kwargs)  # type: ignore[arg-type]


def test_plan_arguments_are_checked(registry: InMemoryRegistry) -> None:
    policy = RetentionPolicy()
    with pytest.raises(InvalidValueError, match="aware"):
        policy.plan(registry, REPO, now=datetime(2025, 1, 1))
    with pytest.raises(InvalidValueError, match="concurrency"):
        policy.plan(registry, REPO, concurrency=0)
    with pytest.raises(InvalidValueError, match="ImageRegistry"):
        policy.plan(object(), REPO)  # type: ignore[arg-type]
    with pytest.raises(InvalidValueError, match="repository"):
        policy.plan(registry, "Team/App")
    with pytest.raises(InvalidValueError, match="digest"):
        policy.plan(registry, REPO, protected_digests=["not-a-digest"])
    one = "sha256:" + "a" * 64
    with pytest.raises(InvalidValueError, match=r"wrap it in a list: protected_digests=\['sha256"):
        policy.plan(registry, REPO, protected_digests=one)


def test_apply_arguments_are_checked_before_anything_is_deleted(mixed: InMemoryRegistry) -> None:
    plan = plan_of(mixed)
    assert plan.deletions
    with pytest.raises(InvalidValueError, match="ImageRegistry"):
        plan.apply(None)  # type: ignore[arg-type]
    with pytest.raises(InvalidValueError, match="concurrency"):
        plan.apply(mixed, concurrency=0)
    with pytest.raises(InvalidValueError, match="progress"):
        plan.apply(mixed, progress=5)  # type: ignore[arg-type]
    assert set(plan.to_delete) <= set(mixed.list_tags(REPO))


def test_a_read_failure_fails_the_plan_closed(registry: InMemoryRegistry) -> None:
    push_image(registry, REPO, "sha-9000001", created=ago(90))

    def broken(call: RegistryCall) -> None:
        if call.operation == "get_manifest":
            raise ServerError("HTTP 503", status_code=503, provider="registry")

    registry.before_call = broken
    with pytest.raises(RetentionError, match="nothing was deleted"):
        plan_of(registry)


def test_a_tag_deleted_while_planning_is_left_out(registry: InMemoryRegistry) -> None:
    push_image(registry, REPO, "sha-9000002", created=ago(90))
    gone = push_image(registry, REPO, "sha-9000003", created=ago(90))

    def vanish(call: RegistryCall) -> None:
        if call.operation == "get_manifest" and call.reference == "sha-9000003":
            registry.before_call = None
            registry.delete_manifest(REPO, gone.digest)

    registry.before_call = vanish
    plan = plan_of(registry, concurrency=1)
    assert [d.tag for d in plan.decisions] == ["sha-9000002"]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2024-05-01T10:20:30Z", datetime(2024, 5, 1, 10, 20, 30, tzinfo=timezone.utc)),
        (
            "2024-05-01T10:20:30.123456789Z",
            datetime(2024, 5, 1, 10, 20, 30, 123456, tzinfo=timezone.utc),
        ),
        ("2024-05-01T12:20:30+02:00", datetime(2024, 5, 1, 10, 20, 30, tzinfo=timezone.utc)),
        ("2024-05-01T12:20:30+0200", datetime(2024, 5, 1, 10, 20, 30, tzinfo=timezone.utc)),
        ("2024-05-01T10:20:30", datetime(2024, 5, 1, 10, 20, 30, tzinfo=timezone.utc)),
        ("0001-01-01T00:00:00Z", None),
        ("1970-01-01T00:00:00Z", None),
        ("yesterday", None),
        ("2024-13-01T00:00:00Z", None),
        (None, None),
        (12345, None),
    ],
)
def test_parse_created(text: object, expected: datetime | None) -> None:
    assert parse_created(text) == expected
