"""The undo journal of retention apply: an OCI image layout of the deleted manifests, and
``RetentionJournal.restore`` putting them back - checked first, never half done by
surprise, safe to repeat. On in-memory and on-disk registries; the real docker-registry
runs in tests/integration/test_retention_undo.py."""

from __future__ import annotations

import asyncio
import json
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest

from mosaic_sdk import RetentionJournal, RetentionPolicy
from mosaic_sdk.errors import InvalidValueError, RetentionError
from mosaic_sdk.registry import ANNOTATION_REF_NAME, AsyncOCILayout, Manifest, OCILayout
from mosaic_sdk.release._journal import ANNOTATION_REPOSITORY, ANNOTATION_STATUS
from mosaic_sdk.testing import InMemoryRegistry, push_image, push_index, push_signature

NOW = datetime(2026, 6, 1, tzinfo=timezone.utc)
REPO = "team/app"


def _seed(registry: InMemoryRegistry | OCILayout) -> dict[str, Manifest]:
    old = push_image(
        registry, REPO, "sha-aaaaaaa", created=NOW - timedelta(days=40), layers=[b"a"], seed="o"
    )
    sig = push_signature(registry, REPO, old)
    twice = push_image(
        registry, REPO, "sha-bbbbbbb", "v1.0.0-rc.1", created=NOW - timedelta(days=50), seed="t"
    )
    for n in range(2, 6):
        push_image(
            registry, REPO, f"v1.0.0-rc.{n}", created=NOW - timedelta(days=50 - n), seed=f"r{n}"
        )
    amd = push_image(registry, REPO, "sha-ccccccc", created=NOW - timedelta(days=60), seed="x")
    arm = push_image(
        registry, REPO, created=NOW - timedelta(days=60), platform="linux/arm64", seed="y"
    )
    index = push_index(registry, REPO, [amd, arm], "sha-ddddddd")
    push_image(
        registry, REPO, "prod", "v1.0.0", created=NOW - timedelta(days=90), layers=[b"p"], seed="p"
    )
    return {"old": old, "sig": sig, "twice": twice, "index": index, "arm": arm}


def _tags(registry: InMemoryRegistry | OCILayout) -> dict[str, str]:
    return {t: str(registry.resolve(REPO, t)) for t in registry.list_tags(REPO)}


def test_apply_writes_an_oci_layout_with_the_exact_bytes_and_tags(tmp_path: Path) -> None:
    registry = InMemoryRegistry()
    images = _seed(registry)
    plan = RetentionPolicy().plan(registry, REPO, now=NOW)
    assert {"sha-aaaaaaa", "sha-bbbbbbb", "v1.0.0-rc.1"} <= set(plan.to_delete)
    journal = tmp_path / "journal"
    result = plan.apply(registry, journal=journal)
    assert result.ok
    assert result.deleted

    assert json.loads((journal / "oci-layout").read_text()) == {"imageLayoutVersion": "1.0.0"}
    index = json.loads((journal / "index.json").read_text())
    assert index["schemaVersion"] == 2
    by_tag = {e["annotations"].get(ANNOTATION_REF_NAME): e for e in index["manifests"]}
    for outcome in result.deleted:
        manifest = plan.manifests[outcome.digest]
        blob = journal / "blobs" / "sha256" / outcome.digest.hex
        assert blob.read_bytes() == manifest.content  # byte for byte
        for tag in outcome.tags:
            entry = by_tag[tag]
            assert entry["digest"] == str(outcome.digest)
            assert entry["mediaType"] == manifest.media_type
            assert entry["size"] == len(manifest.content)
            assert entry["annotations"][ANNOTATION_REPOSITORY] == REPO
            assert entry["annotations"][ANNOTATION_STATUS] == "deleted"
    # Both tags of one digest are two entries of one manifest.
    assert by_tag["sha-bbbbbbb"]["digest"] == by_tag["v1.0.0-rc.1"]["digest"]
    entries = RetentionJournal(journal).entries()
    assert {e.digest for e in entries} == set(result.deleted_digests)
    twice = next(e for e in entries if e.digest == images["twice"].digest)
    assert twice.tags == ("sha-bbbbbbb", "v1.0.0-rc.1")


def test_undo_restores_every_manifest_and_tag_and_repeating_it_changes_nothing(
    tmp_path: Path,
) -> None:
    registry = InMemoryRegistry()
    _seed(registry)
    before = _tags(registry)
    plan = RetentionPolicy().plan(registry, REPO, now=NOW)
    plan.apply(registry, journal=tmp_path / "j")
    assert _tags(registry) != before

    undo = RetentionJournal(tmp_path / "j").restore(registry)
    assert undo.ok, str(undo)
    assert len(undo.restored) == len(plan.deletions)
    assert _tags(registry) == before
    for item in plan.deletions:  # the bytes are the ones deleted
        assert registry.get_manifest(REPO, str(item.digest)).content == (
            plan.manifests[item.digest].content
        )

    registry.reset_calls()
    again = RetentionJournal(tmp_path / "j").restore(registry)
    assert again.ok
    assert not again.restored
    assert len(again.present) == len(plan.deletions)
    assert registry.count("put_manifest") == 0
    assert _tags(registry) == before


def test_undo_puts_index_children_back_before_the_index(tmp_path: Path) -> None:
    registry = InMemoryRegistry()
    images = _seed(registry)
    plan = RetentionPolicy().plan(registry, REPO, now=NOW)
    assert images["index"].digest in {d.digest for d in plan.deletions}
    plan.apply(registry, journal=tmp_path / "j")
    # The children stay (untagged) on distribution; delete one to make undo bring it back.
    registry.delete_manifest(REPO, images["arm"].digest)
    RetentionJournal(tmp_path / "j").record(REPO, [(images["arm"], ())])
    RetentionJournal(tmp_path / "j").mark(REPO, {images["arm"].digest: "deleted"})

    registry.reset_calls()
    undo = RetentionJournal(tmp_path / "j").restore(registry)
    assert undo.ok, str(undo)
    puts = [c.reference for c in registry.calls if c.operation == "put_manifest"]
    assert puts.index(str(images["arm"].digest)) < puts.index("sha-ddddddd")
    assert registry.resolve(REPO, "sha-ddddddd") == images["index"].digest


def test_undo_after_the_blobs_are_gone_reports_them_and_writes_nothing(tmp_path: Path) -> None:
    # gc_grace=0: the layout collects the blobs of a deleted manifest at once, as a
    # registry's garbage collection would later.
    layout = OCILayout(tmp_path / "oci", gc_grace=0)
    images = _seed(layout)
    plan = RetentionPolicy().plan(layout, REPO, now=NOW)
    plan.apply(layout, journal=tmp_path / "j")
    after = _tags(layout)

    undo = RetentionJournal(tmp_path / "j").restore(layout)
    assert not undo.ok
    gone = {o.digest: o for o in undo.unrestorable}
    old = gone[images["old"].digest]
    assert set(old.missing) == set(images["old"].blob_digests)
    assert "garbage-collected" in old.reason
    assert "sha256:" in old.reason
    assert "unrestorable" in undo.summary()
    assert all(o.status in ("unrestorable", "not attempted") for o in undo.outcomes)
    assert _tags(layout) == after  # nothing half-restored


def test_partial_restores_what_can_come_back(tmp_path: Path) -> None:
    layout = OCILayout(tmp_path / "oci")  # keeps unreferenced blobs for 5 minutes
    images = _seed(layout)
    plan = RetentionPolicy().plan(layout, REPO, now=NOW)
    plan.apply(layout, journal=tmp_path / "j")
    layer = images["old"].layer_digests[0]  # collected, as garbage collection would
    (tmp_path / "oci" / REPO / "blobs" / "sha256" / layer.hex).unlink()

    refused = RetentionJournal(tmp_path / "j").restore(layout)
    assert [o.digest for o in refused.unrestorable] == [images["old"].digest]
    assert refused.unrestorable[0].missing == (layer,)
    assert {o.status for o in refused.outcomes} == {"unrestorable", "not attempted"}

    undo = RetentionJournal(tmp_path / "j").restore(layout, partial=True)
    assert [o.digest for o in undo.unrestorable] == [images["old"].digest]
    assert len(undo.restored) == len(plan.deletions) - 1
    assert "sha-aaaaaaa" not in layout.list_tags(REPO)
    for outcome in undo.restored:
        assert layout.resolve(REPO, str(outcome.digest)) == outcome.digest
        for tag in outcome.tags:
            assert layout.resolve(REPO, tag) == outcome.digest


def test_a_tag_pushed_again_is_never_moved(tmp_path: Path) -> None:
    registry = InMemoryRegistry()
    images = _seed(registry)
    plan = RetentionPolicy().plan(registry, REPO, now=NOW)
    plan.apply(registry, journal=tmp_path / "j")
    newer = push_image(registry, REPO, "sha-aaaaaaa", created=NOW)  # a rebuild, same tag
    undo = RetentionJournal(tmp_path / "j").restore(registry)
    outcome = next(o for o in undo.outcomes if o.digest == images["old"].digest)
    assert outcome.status == "unrestorable"
    assert "'sha-aaaaaaa' now points to" in outcome.reason
    assert {o.status for o in undo.outcomes} == {"unrestorable", "not attempted"}
    assert registry.resolve(REPO, "sha-aaaaaaa") == newer.digest


def test_dry_run_writes_nothing(tmp_path: Path) -> None:
    registry = InMemoryRegistry()
    _seed(registry)
    plan = RetentionPolicy().plan(registry, REPO, now=NOW)
    plan.apply(registry, journal=tmp_path / "j")
    registry.reset_calls()
    undo = RetentionJournal(tmp_path / "j").restore(registry, dry_run=True)
    assert undo.dry_run
    assert len(undo.restored) == len(plan.deletions)
    assert "would restore" in undo.summary()
    assert registry.count("put_manifest") == 0


def test_skipped_deletions_are_dropped_from_the_journal(tmp_path: Path) -> None:
    registry = InMemoryRegistry()
    images = _seed(registry)
    plan = RetentionPolicy().plan(registry, REPO, now=NOW)
    registry.put_manifest(REPO, "staging", images["old"])  # now live: apply skips it
    result = plan.apply(registry, journal=tmp_path / "j")
    assert images["old"].digest in {o.digest for o in result.skipped}
    digests = {e.digest for e in RetentionJournal(tmp_path / "j").entries()}
    assert digests == set(result.deleted_digests)


def test_a_journal_that_cannot_be_written_stops_apply_before_any_delete(
    tmp_path: Path,
) -> None:
    registry = InMemoryRegistry()
    _seed(registry)
    before = _tags(registry)
    plan = RetentionPolicy().plan(registry, REPO, now=NOW)
    blocker = tmp_path / "file"
    blocker.write_text("not a folder")
    with pytest.raises(RetentionError, match="nothing was deleted"):
        plan.apply(registry, journal=blocker / "journal")
    assert _tags(registry) == before
    assert registry.count("delete_manifest") == 0


def test_no_journal_without_deletions_and_bad_arguments(tmp_path: Path) -> None:
    registry = InMemoryRegistry()
    push_image(registry, REPO, "v1.0.0", created=NOW)
    plan = RetentionPolicy().plan(registry, REPO, now=NOW)
    plan.apply(registry, journal=tmp_path / "j")
    assert not (tmp_path / "j").exists()
    with pytest.raises(InvalidValueError, match="journal must be a folder path"):
        plan.apply(registry, journal=3)  # type: ignore[arg-type]
    with pytest.raises(InvalidValueError, match="is not a retention journal"):
        RetentionJournal(tmp_path / "nothing").restore(registry)


def test_a_damaged_journal_copy_is_unrestorable(tmp_path: Path) -> None:
    registry = InMemoryRegistry()
    images = _seed(registry)
    plan = RetentionPolicy().plan(registry, REPO, now=NOW)
    plan.apply(registry, journal=tmp_path / "j")
    blob = tmp_path / "j" / "blobs" / "sha256" / images["old"].digest.hex
    blob.write_bytes(blob.read_bytes() + b" ")
    undo = RetentionJournal(tmp_path / "j").restore(registry)
    outcome = next(o for o in undo.outcomes if o.digest == images["old"].digest)
    assert outcome.status == "unrestorable"
    assert "damaged" in outcome.reason


def test_new_journals_get_distinct_timestamped_folders(tmp_path: Path) -> None:
    first = RetentionJournal.new(tmp_path, now=NOW)
    assert first.path.name == "retention-journal-20260601T000000Z"
    first.record(REPO, [])
    second = RetentionJournal.new(tmp_path, now=NOW)
    assert second.path != first.path
    assert second.path.name.endswith("-2")


def test_arestore_matches_restore(tmp_path: Path) -> None:
    for name in ("a", "b"):
        layout = OCILayout(tmp_path / name)
        _seed(layout)
        plan = RetentionPolicy().plan(layout, REPO, now=NOW)
        plan.apply(layout, journal=tmp_path / f"j-{name}")
    expected = RetentionJournal(tmp_path / "j-a").restore(OCILayout(tmp_path / "a"))

    async def main() -> object:
        async with AsyncOCILayout(tmp_path / "b") as layout:
            return await RetentionJournal(tmp_path / "j-b").arestore(layout)

    got = asyncio.run(main())
    assert [(o.status, o.tags) for o in got.outcomes] == [  # type: ignore[attr-defined]
        (o.status, o.tags) for o in expected.outcomes
    ]
    assert _tags(OCILayout(tmp_path / "a")) == _tags(OCILayout(tmp_path / "b"))
