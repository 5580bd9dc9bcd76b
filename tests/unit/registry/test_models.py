"""Manifest, Descriptor, Platform and TagList: exact bytes, typed accessors, refusals."""

from __future__ import annotations

import json
from datetime import datetime, timezone

import pytest
from hypothesis import given
from hypothesis import strategies as st

from mosaic_sdk.errors import InvalidValueError
from mosaic_sdk.registry import (
    DOCKER_MANIFEST_V2,
    OCI_CONFIG,
    OCI_INDEX,
    OCI_MANIFEST,
    Descriptor,
    Manifest,
    Platform,
    TagList,
)
from mosaic_sdk.values import Digest

CONFIG = Digest.from_bytes(b"{}")
LAYER = Digest.from_bytes(b"layer")


def _oci_manifest(**extra: object) -> dict[str, object]:
    return {
        "schemaVersion": 2,
        "mediaType": OCI_MANIFEST,
        "config": {"mediaType": OCI_CONFIG, "digest": str(CONFIG), "size": 2},
        "layers": [
            {
                "mediaType": "application/vnd.oci.image.layer.v1.tar+gzip",
                "digest": str(LAYER),
                "size": 5,
            }
        ],
        **extra,
    }


def test_from_bytes_keeps_the_exact_bytes_and_hashes_them() -> None:
    content = b'{ "schemaVersion": 2, "mediaType": "' + OCI_MANIFEST.encode() + b'", "layers": [] }'
    manifest = Manifest.from_bytes(content)
    assert manifest.content is content or manifest.content == content
    assert manifest.digest == Digest.from_bytes(content)
    assert manifest.media_type == OCI_MANIFEST
    assert manifest.size == len(content)


def test_accessors_of_an_image_manifest() -> None:
    created = "2024-05-01T12:00:00Z"
    manifest = Manifest.from_json(
        _oci_manifest(annotations={"org.opencontainers.image.created": created})
    )
    assert not manifest.is_index
    assert manifest.config_digest == CONFIG
    assert manifest.layer_digests == (LAYER,)
    assert manifest.blob_digests == (CONFIG, LAYER)
    assert manifest.child_digests == ()
    assert manifest.annotations == {"org.opencontainers.image.created": created}
    assert manifest.created == datetime(2024, 5, 1, 12, tzinfo=timezone.utc)
    assert manifest.subject is None
    assert manifest.json()["layers"][0]["size"] == 5


def test_accessors_of_an_index() -> None:
    child = Manifest.from_json(_oci_manifest())
    index = Manifest.from_json(
        {
            "schemaVersion": 2,
            "mediaType": OCI_INDEX,
            "manifests": [
                {
                    **child.descriptor().to_dict(),
                    "platform": {"os": "linux", "architecture": "arm64", "variant": "v8"},
                }
            ],
        }
    )
    assert index.is_index
    assert index.child_digests == (child.digest,)
    assert index.config_digest is None
    assert index.blob_digests == ()
    platform = index.manifests[0].platform
    assert platform == Platform("arm64", "linux", variant="v8")
    assert str(platform) == "linux/arm64/v8"


def test_json_returns_a_copy_that_cannot_alter_the_bytes() -> None:
    manifest = Manifest.from_json(_oci_manifest())
    doc = manifest.json()
    doc["layers"] = []
    assert manifest.layer_digests == (LAYER,)
    assert json.loads(manifest.content)["layers"]


def test_a_document_without_media_type_is_inferred_as_oci() -> None:
    # umoci writes OCI manifests without the mediaType field.
    doc = _oci_manifest()
    del doc["mediaType"]
    assert Manifest.from_json(doc).media_type == OCI_MANIFEST
    assert Manifest.from_json({"schemaVersion": 2, "manifests": []}).media_type == OCI_INDEX


@pytest.mark.parametrize(
    ("content", "media_type", "reason"),
    [
        (b"not json", None, "not JSON"),
        (b"[1, 2]", OCI_MANIFEST, "schemaVersion 2"),
        (b'{"schemaVersion": 1}', OCI_MANIFEST, "schemaVersion 2"),
        (b'{"schemaVersion": 2}', "application/json", "not a manifest media type"),
        (
            b'{"schemaVersion": 1}',
            "application/vnd.docker.distribution.manifest.v1+prettyjws",
            "schema 1",
        ),
        (json.dumps(_oci_manifest()).encode(), DOCKER_MANIFEST_V2, "differs from the document"),
    ],
)
def test_invalid_manifests_are_refused(content: bytes, media_type: str | None, reason: str) -> None:
    with pytest.raises(InvalidValueError, match=reason):
        Manifest.from_bytes(content, media_type)


def test_a_digest_that_does_not_match_the_bytes_is_refused() -> None:
    content = json.dumps(_oci_manifest()).encode()
    with pytest.raises(InvalidValueError, match="does not match the content"):
        Manifest(Digest.from_bytes(b"other"), OCI_MANIFEST, content)


def test_manifest_repr_hides_the_bytes() -> None:
    manifest = Manifest.from_json(_oci_manifest())
    assert "content" not in repr(manifest)
    assert manifest.digest.encoded in repr(manifest)


@pytest.mark.parametrize(
    "descriptor",
    [
        "text",
        {"mediaType": OCI_CONFIG, "size": 2},
        {"mediaType": OCI_CONFIG, "digest": str(CONFIG), "size": -1},
        {"mediaType": OCI_CONFIG, "digest": str(CONFIG), "size": True},
        {"mediaType": OCI_CONFIG, "digest": "sha256:short", "size": 2},
        {"mediaType": OCI_CONFIG, "digest": str(CONFIG), "size": 2, "annotations": {"a": 1}},
    ],
)
def test_malformed_descriptors_are_refused(descriptor: object) -> None:
    with pytest.raises(InvalidValueError):
        Descriptor.from_json(descriptor)


def test_descriptor_round_trips_through_json() -> None:
    desc = Descriptor(
        OCI_MANIFEST, CONFIG, 2, {"k": "v"}, Platform("amd64", "linux"), "application/x"
    )
    assert Descriptor.from_json(desc.to_dict()) == desc
    assert dict(Descriptor.from_json(desc.to_dict()).annotations) == {"k": "v"}


def test_tag_list_sorts_and_deduplicates() -> None:
    tags = TagList("app", ["v2", "testing", "v1", "v2"], pages=3)
    assert tags.tags == ("testing", "v1", "v2")
    assert list(tags) == ["testing", "v1", "v2"]
    assert len(tags) == 3
    assert "v1" in tags
    assert tags.pages == 3


@given(st.dictionaries(st.text(min_size=1, max_size=8), st.text(max_size=8), max_size=4))
def test_any_annotation_set_round_trips_with_a_stable_digest(annotations: dict[str, str]) -> None:
    manifest = Manifest.from_json(_oci_manifest(annotations=annotations))
    again = Manifest.from_bytes(manifest.content, manifest.media_type)
    assert again == manifest
    assert dict(again.annotations) == annotations
