"""The I/O-free half of OCI 1.1 referrers: artifact manifests, the referrers tag schema
and the referrers lists both the API and the tag answer.

An *artifact* (a signature, an SBOM, a validation report) is an OCI image manifest whose
``subject`` is the image it speaks of, with an ``artifactType``, the empty config
(``application/vnd.oci.empty.v1+json``, the 2-byte blob ``{}``) and one layer holding the
payload (image-spec v1.1 ``manifest.md``, "Guidelines for Artifact Usage").

Finding the artifacts of a digest (distribution-spec v1.1 ``spec.md``, "Listing
Referrers" and "Referrers Tag Schema"):

* A registry with the referrers API answers ``GET /v2/<name>/referrers/<digest>`` with an
  image index of the manifests whose ``subject`` is the digest, and a manifest PUT with a
  ``subject`` with the ``OCI-Subject`` header. Such a registry never answers 404 there.
* Any other registry (distribution 2.8 answers that path ``404 page not found``, and a PUT
  with a ``subject`` without ``OCI-Subject``): clients keep the list themselves, as an
  image index tagged ``<alg>-<hex>`` (``sha256-<hex>``), one descriptor per referrer
  carrying its ``artifactType`` and annotations.

The index under that tag is read, merged and written by every client that attaches
(registries have no compare-and-swap on tags): :func:`merge_referrer` adds one entry
and keeps every other entry byte for byte as it was read.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import datetime, timezone
from typing import Any

from mosaic_sdk.errors import InvalidValueError
from mosaic_sdk.registry._models import (
    ANNOTATION_CREATED,
    OCI_EMPTY,
    OCI_INDEX,
    OCI_MANIFEST,
    Descriptor,
    Manifest,
    sha256_digest,
)
from mosaic_sdk.values import Digest

__all__ = [
    "EMPTY_CONFIG",
    "EMPTY_DIGEST",
    "artifact_manifest",
    "merge_referrer",
    "referrer_descriptor",
    "referrers_from_index",
    "referrers_tag",
]

#: The empty config blob of an artifact manifest (image-spec v1.1 "empty descriptor").
EMPTY_CONFIG = b"{}"
#: ``sha256:44136f...``, the digest of :data:`EMPTY_CONFIG`.
EMPTY_DIGEST = sha256_digest(EMPTY_CONFIG)

_TYPE_CHARS = frozenset("abcdefghijklmnopqrstuvwxyz0123456789!#$&-^_.+/")


def referrers_tag(digest: Digest) -> str:
    """The referrers tag schema's tag of ``digest``: ``<alg>-<hex>``, the algorithm cut to
    32 characters and the hex to 64 (``sha256-ab12...``)."""
    return f"{digest.algorithm[:32]}-{digest.hex[:64]}"


def _check_media_type(value: object, what: str) -> str:
    if (
        not isinstance(value, str)
        or value.count("/") != 1
        or not value.islower()
        or not set(value) <= _TYPE_CHARS
        or value.startswith("/")
        or value.endswith("/")
    ):
        raise InvalidValueError(
            value,
            f"{what} is not a media type",
            "use type/subtype in lowercase, "
            "e.g. 'application/vnd.mosaic.validation-report.v1+json'",
        )
    return value


def _rfc3339(when: datetime) -> str:
    if when.tzinfo is None:
        raise InvalidValueError(
            when.isoformat(), "created is a naive datetime", "pass an aware datetime (UTC)"
        )
    return when.astimezone(timezone.utc).isoformat(timespec="seconds").replace("+00:00", "Z")


def artifact_manifest(
    subject: Descriptor,
    *,
    artifact_type: str,
    layer: Descriptor,
    annotations: Mapping[str, str] | None = None,
    created: datetime | None = None,
) -> Manifest:
    """The artifact manifest for ``subject``: ``artifactType``, the empty config, one
    ``layer`` and the ``subject`` descriptor, compact JSON.

    ``created`` goes into the ``org.opencontainers.image.created`` annotation (the time
    ``mosaic evidence show`` lists); ``annotations`` are added as given.

    Raises:
        InvalidValueError: a malformed artifact type, or annotations that are not strings.
    """
    _check_media_type(artifact_type, "artifact_type")
    _check_media_type(layer.media_type, "the layer's media type")
    notes: dict[str, str] = {}
    if created is not None:
        notes[ANNOTATION_CREATED] = _rfc3339(created)
    for key, value in dict(annotations or {}).items():
        if not isinstance(key, str) or not isinstance(value, str):
            raise InvalidValueError(
                (key, value), "annotations map strings to strings", "pass {'key': 'value'}"
            )
        notes[key] = value
    subject_json = {
        "mediaType": subject.media_type,
        "digest": str(subject.digest),
        "size": subject.size,
    }
    document: dict[str, Any] = {
        "schemaVersion": 2,
        "mediaType": OCI_MANIFEST,
        "artifactType": artifact_type,
        "config": {"mediaType": OCI_EMPTY, "digest": str(EMPTY_DIGEST), "size": 2},
        "layers": [layer.to_dict()],
        "subject": subject_json,
    }
    if notes:
        document["annotations"] = notes
    return Manifest.from_json(document, OCI_MANIFEST)


def referrer_descriptor(manifest: Manifest) -> Descriptor:
    """The entry of ``manifest`` in a referrers list: its media type, digest and size,
    its ``artifactType`` (else its config's media type) and its annotations."""
    document = manifest.json()
    artifact_type = document.get("artifactType")
    if not isinstance(artifact_type, str):
        config = manifest.config
        artifact_type = config.media_type if config is not None else None
    return Descriptor(
        media_type=manifest.media_type,
        digest=manifest.digest,
        size=manifest.size,
        annotations=manifest.annotations,
        artifact_type=artifact_type,
    )


def _entries(index: Manifest | None) -> list[dict[str, Any]]:
    if index is None:
        return []
    if not index.is_index:
        raise InvalidValueError(
            f"{index.media_type} {index.digest}",
            "is under a referrers tag but is not an image index",
            "delete that tag (it is not a referrers list) and attach again",
        )
    entries = index.json().get("manifests") or []
    return [e for e in entries if isinstance(e, dict)]


def merge_referrer(index: Manifest | None, entry: Descriptor) -> Manifest | None:
    """The referrers index with ``entry`` added, or ``None`` when ``index`` already lists
    its digest (nothing to write). The other entries are kept exactly as read, in order.

    Raises:
        InvalidValueError: ``index`` is not an image index.
    """
    entries = _entries(index)
    if any(e.get("digest") == str(entry.digest) for e in entries):
        return None
    document = {
        "schemaVersion": 2,
        "mediaType": OCI_INDEX,
        "manifests": [*entries, entry.to_dict()],
    }
    return Manifest.from_json(document, OCI_INDEX)


def referrers_from_index(
    index: Manifest | None, artifact_type: str | None = None
) -> tuple[Descriptor, ...]:
    """The referrer descriptors a referrers index (API answer or tag) lists, optionally
    only those of ``artifact_type``; malformed entries are skipped, duplicates dropped."""
    found: dict[Digest, Descriptor] = {}
    for entry in _entries(index):
        try:
            descriptor = Descriptor.from_json(entry)
        except InvalidValueError:
            continue
        if artifact_type is None or descriptor.artifact_type == artifact_type:
            found.setdefault(descriptor.digest, descriptor)
    return tuple(found.values())


def missing_from(index: Manifest | None, digests: Iterable[Digest]) -> list[Digest]:
    """Which of ``digests`` the referrers ``index`` does not list."""
    listed = {d.digest for d in referrers_from_index(index)}
    return [d for d in digests if d not in listed]
