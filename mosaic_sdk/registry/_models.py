"""Frozen value models of the registry layer: :class:`Manifest`, :class:`Descriptor`,
:class:`Platform` and :class:`TagList`.

A :class:`Manifest` keeps the **exact bytes** it was read or built from. Its digest is
the sha256 of those bytes, and nothing in the SDK ever re-serializes them: pretty-printing
or re-encoding the same JSON yields another digest (``research/registry.md`` §1.4), which
would silently break deploy-by-digest and promotion.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator, Mapping
from datetime import datetime
from types import MappingProxyType
from typing import Any

import attrs

from mosaic_sdk._render import FieldsRepr
from mosaic_sdk.errors import InvalidValueError
from mosaic_sdk.values import Digest

__all__ = [
    "ACCEPT_MANIFEST_TYPES",
    "ANNOTATION_CREATED",
    "ANNOTATION_REF_NAME",
    "DOCKER_CONFIG",
    "DOCKER_LAYER_GZIP",
    "DOCKER_MANIFEST_LIST",
    "DOCKER_MANIFEST_V2",
    "INDEX_MEDIA_TYPES",
    "MANIFEST_MEDIA_TYPES",
    "OCI_CONFIG",
    "OCI_EMPTY",
    "OCI_INDEX",
    "OCI_LAYER_GZIP",
    "OCI_MANIFEST",
    "Descriptor",
    "Manifest",
    "Platform",
    "TagList",
    "sha256_digest",
]

#: OCI image manifest (``application/vnd.oci.image.manifest.v1+json``).
OCI_MANIFEST = "application/vnd.oci.image.manifest.v1+json"
#: OCI image index, the multi-platform form.
OCI_INDEX = "application/vnd.oci.image.index.v1+json"
#: Docker image manifest, schema 2.
DOCKER_MANIFEST_V2 = "application/vnd.docker.distribution.manifest.v2+json"
#: Docker manifest list, the Docker multi-platform form.
DOCKER_MANIFEST_LIST = "application/vnd.docker.distribution.manifest.list.v2+json"
#: OCI image config blob.
OCI_CONFIG = "application/vnd.oci.image.config.v1+json"
#: Docker image config blob.
DOCKER_CONFIG = "application/vnd.docker.container.image.v1+json"
#: OCI gzip-compressed layer.
OCI_LAYER_GZIP = "application/vnd.oci.image.layer.v1.tar+gzip"
#: Docker gzip-compressed layer.
DOCKER_LAYER_GZIP = "application/vnd.docker.image.rootfs.diff.tar.gzip"
#: OCI 1.1 empty descriptor (blob ``{}``).
OCI_EMPTY = "application/vnd.oci.empty.v1+json"

#: Media types of manifests that list other manifests.
INDEX_MEDIA_TYPES = frozenset({OCI_INDEX, DOCKER_MANIFEST_LIST})
#: Every manifest media type the SDK reads and writes. Docker schema 1 is refused on purpose:
#: it has no config blob and its signed payload has no stable digest.
MANIFEST_MEDIA_TYPES = frozenset(
    {OCI_MANIFEST, OCI_INDEX, DOCKER_MANIFEST_V2, DOCKER_MANIFEST_LIST}
)
#: The ``Accept`` header value sent on every manifest GET/HEAD. An incomplete list makes
#: distribution 2.8 answer 404 for OCI manifests and convert Docker v2 to schema 1.
ACCEPT_MANIFEST_TYPES = ", ".join(
    (OCI_INDEX, OCI_MANIFEST, DOCKER_MANIFEST_LIST, DOCKER_MANIFEST_V2)
)

#: Annotation that names a tag inside an OCI layout's ``index.json``.
ANNOTATION_REF_NAME = "org.opencontainers.image.ref.name"
#: Annotation holding the image creation time (RFC 3339).
ANNOTATION_CREATED = "org.opencontainers.image.created"

_SCHEMA1_TYPES = frozenset(
    {
        "application/vnd.docker.distribution.manifest.v1+json",
        "application/vnd.docker.distribution.manifest.v1+prettyjws",
    }
)


def sha256_digest(data: bytes) -> Digest:
    """Return the ``sha256:`` digest of ``data`` (the exact bytes, nothing normalized)."""
    return Digest.from_bytes(data, "sha256")


def _frozen_mapping(value: Mapping[str, str] | None) -> Mapping[str, str]:
    return MappingProxyType(dict(value or {}))


def _str_map(value: object, where: str) -> dict[str, str]:
    if value is None:
        return {}
    if not isinstance(value, dict) or not all(
        isinstance(k, str) and isinstance(v, str) for k, v in value.items()
    ):
        raise InvalidValueError(
            value, f"{where} must be a JSON object of strings", "fix the manifest document"
        )
    return dict(value)


@attrs.frozen
class Platform(FieldsRepr):
    """The platform a child manifest of an index is built for (``linux/amd64``...)."""

    architecture: str
    os: str
    variant: str | None = None
    os_version: str | None = None

    @classmethod
    def from_json(cls, data: object) -> Platform:
        """Build from the ``platform`` object of an index entry."""
        if not isinstance(data, dict):
            raise InvalidValueError(data, "platform must be a JSON object", "fix the index")
        arch, os_ = data.get("architecture"), data.get("os")
        if not isinstance(arch, str) or not isinstance(os_, str):
            raise InvalidValueError(
                data, "platform needs string 'architecture' and 'os'", "fix the index"
            )
        variant, version = data.get("variant"), data.get("os.version")
        return cls(
            architecture=arch,
            os=os_,
            variant=variant if isinstance(variant, str) else None,
            os_version=version if isinstance(version, str) else None,
        )

    def __str__(self) -> str:
        text = f"{self.os}/{self.architecture}"
        return f"{text}/{self.variant}" if self.variant else text


@attrs.frozen
class Descriptor(FieldsRepr):
    """A content descriptor: what a manifest says about a blob or another manifest.

    Attributes:
        media_type: media type of the referenced content.
        digest: digest of the referenced content.
        size: size in bytes.
        annotations: read-only annotations (empty when none).
        platform: platform of an index child, else ``None``.
        artifact_type: OCI 1.1 ``artifactType``, else ``None``.
    """

    media_type: str
    digest: Digest
    size: int
    annotations: Mapping[str, str] = attrs.field(
        factory=dict, converter=_frozen_mapping, eq=False, hash=False
    )
    platform: Platform | None = None
    artifact_type: str | None = None

    @classmethod
    def from_json(cls, data: object) -> Descriptor:
        """Parse one descriptor object; raises :class:`InvalidValueError` when malformed."""
        if not isinstance(data, dict):
            raise InvalidValueError(data, "a descriptor must be a JSON object", "fix the manifest")
        media_type, digest, size = data.get("mediaType"), data.get("digest"), data.get("size")
        if not isinstance(media_type, str) or not isinstance(digest, str):
            raise InvalidValueError(
                data, "a descriptor needs string 'mediaType' and 'digest'", "fix the manifest"
            )
        if not isinstance(size, int) or isinstance(size, bool) or size < 0:
            raise InvalidValueError(
                data, "a descriptor needs a non-negative integer 'size'", "fix the manifest"
            )
        platform = data.get("platform")
        artifact_type = data.get("artifactType")
        return cls(
            media_type=media_type,
            digest=Digest.parse(digest),
            size=size,
            annotations=_str_map(data.get("annotations"), "descriptor annotations"),
            platform=Platform.from_json(platform) if platform is not None else None,
            artifact_type=artifact_type if isinstance(artifact_type, str) else None,
        )

    def to_dict(self) -> dict[str, Any]:
        """Return the descriptor as a JSON-ready dict (used to build *new* documents,
        such as an OCI layout ``index.json``; never to rewrite an existing manifest)."""
        out: dict[str, Any] = {
            "mediaType": self.media_type,
            "digest": str(self.digest),
            "size": self.size,
        }
        if self.annotations:
            out["annotations"] = dict(self.annotations)
        if self.platform is not None:
            platform: dict[str, str] = {
                "architecture": self.platform.architecture,
                "os": self.platform.os,
            }
            if self.platform.variant:
                platform["variant"] = self.platform.variant
            if self.platform.os_version:
                platform["os.version"] = self.platform.os_version
            out["platform"] = platform
        if self.artifact_type:
            out["artifactType"] = self.artifact_type
        return out


def _detect_media_type(doc: Mapping[str, Any]) -> str:
    declared = doc.get("mediaType")
    if isinstance(declared, str):
        return declared
    # umoci and some other tools write OCI documents without a mediaType field.
    return OCI_INDEX if "manifests" in doc else OCI_MANIFEST


@attrs.frozen
class Manifest(FieldsRepr):
    """An image manifest or index, kept as the exact bytes it was read or written as.

    Build one with :meth:`from_bytes` (computes the digest, validates the JSON) or get one
    from :meth:`ImageRegistry.get_manifest`. ``content`` is never re-serialized: pushing
    it anywhere keeps the digest.

    Attributes:
        digest: sha256 of ``content``.
        media_type: the manifest media type (the ``Content-Type`` it was served with).
        content: the exact manifest bytes.
    """

    digest: Digest
    media_type: str
    content: bytes = attrs.field(repr=False)
    _doc: Mapping[str, Any] = attrs.field(init=False, repr=False, eq=False, hash=False)

    def __attrs_post_init__(self) -> None:
        if not self.digest.verify(self.content):
            actual = Digest.from_bytes(self.content, self.digest.algorithm)
            raise InvalidValueError(
                str(self.digest),
                f"does not match the content, whose digest is {actual}",
                "build manifests with Manifest.from_bytes(content) so the digest is computed",
            )
        if self.media_type in _SCHEMA1_TYPES:
            raise InvalidValueError(
                self.media_type,
                "Docker schema 1 manifests are not supported (no config, unstable digests)",
                "convert the image to Docker v2 schema 2 or OCI with `skopeo copy --format oci`",
            )
        if self.media_type not in MANIFEST_MEDIA_TYPES:
            raise InvalidValueError(
                self.media_type,
                "is not a manifest media type the SDK handles",
                f"use one of {', '.join(sorted(MANIFEST_MEDIA_TYPES))}",
            )
        try:
            doc = json.loads(self.content)
        except (ValueError, RecursionError) as exc:  # bad JSON, UTF-8, depth or digits
            raise InvalidValueError(
                self.content[:80], f"manifest content is not JSON ({exc})", "pass manifest JSON"
            ) from None
        if not isinstance(doc, dict) or doc.get("schemaVersion") != 2:
            raise InvalidValueError(
                self.content[:80],
                "a manifest must be a JSON object with schemaVersion 2",
                "pass an OCI or Docker v2 manifest",
            )
        declared = doc.get("mediaType")
        if isinstance(declared, str) and declared != self.media_type:
            raise InvalidValueError(
                self.media_type,
                f"differs from the document's own mediaType {declared!r}",
                "use the media type the document declares",
            )
        object.__setattr__(self, "_doc", MappingProxyType(doc))

    @classmethod
    def from_bytes(cls, content: bytes, media_type: str | None = None) -> Manifest:
        """Wrap exact manifest bytes.

        ``media_type`` defaults to the document's ``mediaType`` field, or to the OCI
        manifest/index type for documents without one (as umoci writes them).
        Raises :class:`InvalidValueError` for non-JSON, schema 1 or unknown types.
        """
        if media_type is None:
            try:
                doc = json.loads(content)
            except (ValueError, RecursionError) as exc:  # bad JSON, UTF-8, depth or digits
                raise InvalidValueError(
                    content[:80], f"manifest content is not JSON ({exc})", "pass manifest JSON"
                ) from None
            if not isinstance(doc, dict):
                raise InvalidValueError(
                    content[:80], "a manifest must be a JSON object", "pass manifest JSON"
                )
            media_type = _detect_media_type(doc)
        return cls(digest=sha256_digest(content), media_type=media_type, content=content)

    @classmethod
    def from_json(cls, document: Mapping[str, Any], media_type: str | None = None) -> Manifest:
        """Serialize a *new* document compactly and wrap it (for building images, never
        for rewriting a fetched manifest)."""
        content = json.dumps(document, separators=(",", ":"), sort_keys=False).encode()
        return cls.from_bytes(content, media_type)

    def json(self) -> dict[str, Any]:
        """Return a fresh parsed copy of the document (editing it never alters ``content``)."""
        parsed: dict[str, Any] = json.loads(self.content)
        return parsed

    @property
    def size(self) -> int:
        """Length of ``content`` in bytes."""
        return len(self.content)

    @property
    def is_index(self) -> bool:
        """True for an OCI index or Docker manifest list."""
        return self.media_type in INDEX_MEDIA_TYPES

    @property
    def manifests(self) -> tuple[Descriptor, ...]:
        """Child manifest descriptors of an index (empty for an image manifest)."""
        return tuple(Descriptor.from_json(d) for d in self._doc.get("manifests") or ())

    @property
    def child_digests(self) -> tuple[Digest, ...]:
        """Digests of the child manifests of an index, in document order."""
        return tuple(d.digest for d in self.manifests)

    @property
    def config(self) -> Descriptor | None:
        """The config descriptor of an image manifest (``None`` for an index)."""
        config = self._doc.get("config")
        return Descriptor.from_json(config) if config is not None else None

    @property
    def config_digest(self) -> Digest | None:
        """Digest of the config blob, or ``None`` for an index."""
        config = self.config
        return config.digest if config is not None else None

    @property
    def layers(self) -> tuple[Descriptor, ...]:
        """Layer descriptors of an image manifest, in order (empty for an index)."""
        return tuple(Descriptor.from_json(d) for d in self._doc.get("layers") or ())

    @property
    def layer_digests(self) -> tuple[Digest, ...]:
        """Digests of the layers, in order."""
        return tuple(d.digest for d in self.layers)

    @property
    def blob_digests(self) -> tuple[Digest, ...]:
        """Config then layer digests: every blob an image manifest needs."""
        config = self.config_digest
        return ((config,) if config is not None else ()) + self.layer_digests

    @property
    def subject(self) -> Descriptor | None:
        """OCI 1.1 ``subject`` (the image a signature or SBOM refers to), if any."""
        subject = self._doc.get("subject")
        return Descriptor.from_json(subject) if subject is not None else None

    @property
    def annotations(self) -> Mapping[str, str]:
        """Manifest-level annotations (read-only; empty when none)."""
        return MappingProxyType(_str_map(self._doc.get("annotations"), "manifest annotations"))

    @property
    def created(self) -> datetime | None:
        """The ``org.opencontainers.image.created`` annotation as a datetime, when present
        and valid. The config blob's ``created`` field is the other source of image age."""
        raw = self.annotations.get(ANNOTATION_CREATED)
        if raw is None:
            return None
        try:
            return datetime.fromisoformat(raw.replace("Z", "+00:00"))
        except ValueError:
            return None

    def descriptor(self, **annotations: str) -> Descriptor:
        """A descriptor pointing at this manifest (optionally with annotations)."""
        return Descriptor(
            media_type=self.media_type,
            digest=self.digest,
            size=self.size,
            annotations=annotations,
        )


def _sorted_tags(tags: Iterable[str]) -> tuple[str, ...]:
    return tuple(sorted(set(tags)))


@attrs.frozen
class TagList(FieldsRepr):
    """The tags of one repository, sorted, with how many pages the server sent.

    Iterating yields the tag names. Registries may return tags unsorted and may ignore
    the page size (distribution 2.8 does both), so the SDK sorts and de-duplicates.

    Attributes:
        repository: the repository name.
        tags: sorted, de-duplicated tag names.
        pages: number of list responses read (1 for an OCI layout).
    """

    repository: str
    tags: tuple[str, ...] = attrs.field(converter=_sorted_tags)
    pages: int = 1

    def __iter__(self) -> Iterator[str]:
        return iter(self.tags)

    def __len__(self) -> int:
        return len(self.tags)

    def __contains__(self, tag: object) -> bool:
        return tag in self.tags
