"""OCI 1.1 artifacts and the referrers tag schema, without a server: the manifests the
SDK builds, the referrers index it merges, and the read-merge-write check on an OCI
layout and the in-memory registry."""

from __future__ import annotations

import asyncio
import json
import threading
from datetime import datetime, timezone
from pathlib import Path

import pytest

from mosaic_sdk.errors import ConflictError, InvalidValueError, NotFoundError
from mosaic_sdk.registry import (
    OCI_EMPTY,
    OCI_INDEX,
    OCI_MANIFEST,
    AsyncOCILayout,
    Descriptor,
    Manifest,
    OCILayout,
    aattach_artifact,
    alist_referrers,
    artifact_manifest,
    attach_artifact,
    list_referrers,
    referrers_tag,
    sha256_digest,
)
from mosaic_sdk.registry._referrers import (
    EMPTY_DIGEST,
    merge_referrer,
    referrer_descriptor,
    referrers_from_index,
)
from mosaic_sdk.registry._sync import referrers as sync_referrers
from mosaic_sdk.testing import InMemoryRegistry, push_image
from mosaic_sdk.values import Digest

REPORT = "application/vnd.mosaic.validation-report.v1+json"
RECORD = "application/vnd.mosaic.promotion-record.v1+json"
WHEN = datetime(2026, 12, 2, 14, 30, tzinfo=timezone.utc)


def _subject() -> Descriptor:
    return Descriptor(OCI_MANIFEST, sha256_digest(b"image"), 1234)


def _layer(data: bytes = b'{"ok":true}', media_type: str = REPORT) -> Descriptor:
    return Descriptor(media_type, sha256_digest(data), len(data))


# -- building ----------------------------------------------------------------------------


def test_artifact_manifest_has_subject_type_empty_config_and_one_layer() -> None:
    subject, layer = _subject(), _layer()
    manifest = artifact_manifest(
        subject, artifact_type=REPORT, layer=layer, annotations={"k": "v"}, created=WHEN
    )
    doc = json.loads(manifest.content)
    assert manifest.media_type == OCI_MANIFEST == doc["mediaType"]
    assert doc["schemaVersion"] == 2
    assert doc["artifactType"] == REPORT
    assert doc["config"] == {"mediaType": OCI_EMPTY, "digest": str(EMPTY_DIGEST), "size": 2}
    assert str(EMPTY_DIGEST) == (
        "sha256:44136fa355b3678a1146ad16f7e8649e94fb4fc21fe77e8310c060f61caaff8a"
    )
    assert doc["layers"] == [{"mediaType": REPORT, "digest": str(layer.digest), "size": 11}]
    assert doc["subject"] == {
        "mediaType": OCI_MANIFEST,
        "digest": str(subject.digest),
        "size": 1234,
    }
    assert doc["annotations"] == {
        "org.opencontainers.image.created": "2026-12-02T14:30:00Z",
        "k": "v",
    }
    # compact JSON: the digest is of these exact bytes
    assert b" " not in manifest.content
    assert manifest.digest == sha256_digest(manifest.content)
    assert manifest.subject == subject


@pytest.mark.parametrize(
    "artifact_type",
    ["", "report", "Application/JSON", "application/", "/json", "application/a/b", 7],
)
def test_artifact_type_must_be_a_media_type(artifact_type: object) -> None:
    with pytest.raises(InvalidValueError, match="media type"):
        artifact_manifest(_subject(), artifact_type=artifact_type, layer=_layer())  # type: ignore[arg-type]


def test_naive_created_and_non_string_annotations_are_refused() -> None:
    with pytest.raises(InvalidValueError, match="naive"):
        artifact_manifest(
            _subject(), artifact_type=REPORT, layer=_layer(), created=datetime(2026, 1, 1)
        )
    with pytest.raises(InvalidValueError, match="strings"):
        artifact_manifest(_subject(), artifact_type=REPORT, layer=_layer(), annotations={"k": 1})  # type: ignore[dict-item]


def test_referrer_descriptor_carries_artifact_type_and_annotations() -> None:
    manifest = artifact_manifest(
        _subject(), artifact_type=REPORT, layer=_layer(), annotations={"k": "v"}
    )
    entry = referrer_descriptor(manifest)
    assert entry.digest == manifest.digest
    assert entry.size == manifest.size
    assert entry.artifact_type == REPORT
    assert dict(entry.annotations) == {"k": "v"}
    assert entry.to_dict()["artifactType"] == REPORT


def test_referrer_descriptor_falls_back_to_the_config_media_type() -> None:
    # image-spec: artifactType absent -> the config's mediaType (cosign's older layout)
    config = sha256_digest(b"cfg")
    manifest = Manifest.from_json(
        {
            "schemaVersion": 2,
            "mediaType": OCI_MANIFEST,
            "config": {
                "mediaType": "application/vnd.dev.cosign.x",
                "digest": str(config),
                "size": 3,
            },
            "layers": [],
        }
    )
    assert referrer_descriptor(manifest).artifact_type == "application/vnd.dev.cosign.x"


def test_referrers_tag_is_alg_dash_hex() -> None:
    digest = sha256_digest(b"x")
    assert referrers_tag(digest) == f"sha256-{digest.hex}"


# -- the referrers index --------------------------------------------------------------


def test_merge_starts_an_index_adds_once_and_keeps_foreign_entries_verbatim() -> None:
    one = referrer_descriptor(artifact_manifest(_subject(), artifact_type=REPORT, layer=_layer()))
    two = referrer_descriptor(
        artifact_manifest(_subject(), artifact_type=RECORD, layer=_layer(b"{}", RECORD))
    )
    first = merge_referrer(None, one)
    assert first is not None
    assert first.media_type == OCI_INDEX
    assert merge_referrer(first, one) is None  # already listed: nothing to write
    foreign = {
        "mediaType": OCI_MANIFEST,
        "digest": str(sha256_digest(b"sig")),
        "size": 9,
        "artifactType": "application/vnd.dev.cosign.artifact.sig.v1+json",
        "x-unknown": {"kept": True},
    }
    doc = first.json()
    doc["manifests"].insert(0, foreign)
    with_foreign = Manifest.from_json(doc, OCI_INDEX)
    merged = merge_referrer(with_foreign, two)
    assert merged is not None
    entries = merged.json()["manifests"]
    assert entries[0] == foreign  # unknown fields survive
    assert [e["digest"] for e in entries] == [foreign["digest"], str(one.digest), str(two.digest)]
    listed = referrers_from_index(merged)
    assert [d.artifact_type for d in listed][1:] == [REPORT, RECORD]
    assert [d.digest for d in referrers_from_index(merged, RECORD)] == [two.digest]


def test_a_referrers_tag_that_is_not_an_index_is_refused() -> None:
    image = artifact_manifest(_subject(), artifact_type=REPORT, layer=_layer())
    entry = referrer_descriptor(image)
    with pytest.raises(InvalidValueError, match="not an image index"):
        merge_referrer(image, entry)


def test_malformed_and_duplicate_entries_are_skipped_when_listing() -> None:
    good = {"mediaType": OCI_MANIFEST, "digest": str(sha256_digest(b"a")), "size": 1}
    index = Manifest.from_json(
        {
            "schemaVersion": 2,
            "mediaType": OCI_INDEX,
            "manifests": [good, {"digest": "nope"}, good, "junk"],
        }
    )
    assert [d.digest for d in referrers_from_index(index)] == [sha256_digest(b"a")]


# -- over the Protocol: in-memory registry and OCI layout ---------------------------------


def test_attach_and_list_over_a_plain_registry_use_the_referrers_tag() -> None:
    registry = InMemoryRegistry()
    image = push_image(registry, "team/app", "sha-1234567")
    entry = attach_artifact(
        registry, "team/app", image.digest, b'{"a":1}', artifact_type=REPORT, settle=0
    )
    tag = referrers_tag(image.digest)
    assert tag in registry.list_tags("team/app")
    index = registry.get_manifest("team/app", tag)
    assert [d.digest for d in referrers_from_index(index)] == [entry.digest]
    artifact = registry.get_manifest("team/app", str(entry.digest))
    assert artifact.subject is not None
    assert artifact.subject.digest == image.digest
    assert registry.get_blob("team/app", artifact.layers[0].digest) == b'{"a":1}'
    assert list_referrers(registry, "team/app", image.digest) == [entry]
    assert list_referrers(registry, "team/app", image.digest, artifact_type=RECORD) == []


def test_attaching_to_a_missing_subject_is_not_found() -> None:
    registry = InMemoryRegistry()
    push_image(registry, "team/app", "sha-1234567")
    with pytest.raises(NotFoundError):
        attach_artifact(
            registry, "team/app", sha256_digest(b"nope"), b"{}", artifact_type=REPORT, settle=0
        )


def test_layout_attach_lists_and_skopeo_style_tag_exists(tmp_path: Path) -> None:
    layout = OCILayout(tmp_path, gc_grace=0)
    image = push_image(layout, "team/app", "sha-1234567")
    one = layout.attach("team/app", image.digest, b"{}", artifact_type=REPORT, settle=0)
    two = layout.attach("team/app", str(image.digest), b"[]", artifact_type=RECORD, settle=0)
    again = layout.attach("team/app", image.digest, b"{}", artifact_type=REPORT, settle=0)
    assert again == one  # same bytes, same artifact: listed once
    assert [d.digest for d in layout.referrers("team/app", image.digest)] == [
        one.digest,
        two.digest,
    ]
    assert [d.digest for d in layout.referrers("team/app", image.digest, artifact_type=RECORD)] == [
        two.digest
    ]
    index = json.loads((tmp_path / "team/app/index.json").read_text())
    tags = {
        m.get("annotations", {}).get("org.opencontainers.image.ref.name")
        for m in index["manifests"]
    }
    assert referrers_tag(image.digest) in tags


def test_async_layout_attach_and_list(tmp_path: Path) -> None:
    async def main() -> list[Descriptor]:
        async with AsyncOCILayout(tmp_path, gc_grace=0) as layout:
            image = push_image(layout.sync, "team/app", "sha-1234567")
            await aattach_artifact(
                layout, "team/app", image.digest, b"{}", artifact_type=REPORT, settle=0
            )
            return await alist_referrers(layout, "team/app", image.digest)

    found = asyncio.run(main())
    assert [d.artifact_type for d in found] == [REPORT]


def test_concurrent_attaches_to_a_layout_lose_no_entry(tmp_path: Path) -> None:
    layout = OCILayout(tmp_path, gc_grace=0)
    image = push_image(layout, "team/app", "sha-1234567")
    entries: list[Descriptor] = []
    errors: list[BaseException] = []
    barrier = threading.Barrier(6)

    def attach(n: int) -> None:
        barrier.wait()
        try:
            entries.append(
                layout.attach(
                    "team/app",
                    image.digest,
                    f'{{"n":{n}}}'.encode(),
                    artifact_type=REPORT,
                    settle=1.0,
                )
            )
        except BaseException as exc:  # pragma: no cover - reported below
            errors.append(exc)

    threads = [threading.Thread(target=attach, args=(n,)) for n in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    listed = {d.digest for d in layout.referrers("team/app", image.digest)}
    assert listed == {e.digest for e in entries}
    assert len(listed) == 6


class _DroppingRegistry(InMemoryRegistry):
    """Every PUT of the referrers tag is overwritten at once by another writer's list
    that lacks the new entry: the attach must notice and give up with a ConflictError."""

    def put_manifest(
        self,
        repository: str,
        reference: str,
        manifest: Manifest | bytes,
        media_type: str | None = None,
    ) -> Digest:
        digest = super().put_manifest(repository, reference, manifest, media_type)
        if reference.startswith("sha256-"):
            empty = Manifest.from_json(
                {"schemaVersion": 2, "mediaType": OCI_INDEX, "manifests": []}
            )
            super().put_manifest(repository, reference, empty)
        return digest


def test_an_entry_dropped_by_every_round_is_a_conflict_not_a_silent_loss() -> None:
    registry = _DroppingRegistry()
    image = push_image(registry, "team/app", "sha-1234567")
    with pytest.raises(ConflictError, match="concurrent writers dropped the entry 8 times"):
        attach_artifact(registry, "team/app", image.digest, b"{}", artifact_type=REPORT, settle=0)
    assert registry.count("put_manifest") >= 1 + 2 * 8


def test_settle_and_attempts_are_checked() -> None:
    with pytest.raises(InvalidValueError, match="settle"):
        sync_referrers.check_settle(-1, 5)
    with pytest.raises(InvalidValueError, match="attempts"):
        sync_referrers.check_settle(1.0, 0)
