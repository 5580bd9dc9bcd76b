"""Test doubles for code built on mosaic_sdk.

* :class:`InMemoryRegistry`: an :class:`~mosaic_sdk.registry.ImageRegistry` kept in
  memory, with the semantics of distribution 2.8 that matter to workflows (exact bytes,
  digest checks, delete-by-digest removes every tag on the digest, a manifest is refused
  while a blob or child it references is missing). It records every call, so a test can
  assert a request budget, and lets a hook run before each call, so a test can move a
  tag in the middle of a workflow.
* :func:`push_image`, :func:`push_index`, :func:`push_signature`: build small, valid
  images (OCI or Docker v2) with a chosen creation time and push them to **any**
  :class:`~mosaic_sdk.registry.ImageRegistry` - the in-memory one, an
  :class:`~mosaic_sdk.registry.OCILayout` or a real registry.

Example:
    >>> from mosaic_sdk.testing import InMemoryRegistry, push_image
    >>> registry = InMemoryRegistry()
    >>> image = push_image(registry, "team/app", "sha-1234567", "testing")
    >>> registry.resolve("team/app", "testing") == image.digest
    True
    >>> registry.delete_manifest("team/app", image.digest)
    >>> registry.list_tags("team/app")
    []
"""

from __future__ import annotations

import itertools
import json
import threading
from collections.abc import Callable, Sequence
from datetime import datetime, timezone
from types import TracebackType
from typing import Any, Literal

import attrs

from mosaic_sdk._core._repr import safe_repr
from mosaic_sdk.errors import BadRequestError, InvalidValueError, NotFoundError
from mosaic_sdk.registry._models import (
    ANNOTATION_CREATED,
    DOCKER_CONFIG,
    DOCKER_LAYER_GZIP,
    DOCKER_MANIFEST_LIST,
    DOCKER_MANIFEST_V2,
    OCI_CONFIG,
    OCI_EMPTY,
    OCI_INDEX,
    OCI_LAYER_GZIP,
    OCI_MANIFEST,
    Manifest,
    sha256_digest,
)
from mosaic_sdk.registry._names import (
    as_digest,
    as_manifest,
    parse_reference,
    validate_repository,
)
from mosaic_sdk.registry._protocol import ImageRegistry
from mosaic_sdk.values import Digest

__all__ = [
    "InMemoryRegistry",
    "RegistryCall",
    "push_image",
    "push_index",
    "push_signature",
]

_PROVIDER = "memory"


@attrs.frozen
class RegistryCall:
    """One call made to an :class:`InMemoryRegistry`.

    Attributes:
        operation: the Protocol method name (``"resolve"``, ``"put_manifest"``...).
        repository: the repository argument (``""`` for :meth:`~InMemoryRegistry.repositories`).
        reference: the tag, digest or ``""`` when the method takes none.
    """

    operation: str
    repository: str
    reference: str = ""


@attrs.define
class _Repository:
    manifests: dict[Digest, Manifest] = attrs.field(factory=dict)
    tags: dict[str, Digest] = attrs.field(factory=dict)
    blobs: dict[Digest, bytes] = attrs.field(factory=dict)


def _not_found(code: str, message: str, fix: str) -> NotFoundError:
    return NotFoundError(f"{code}: {message}; {fix}", status_code=404, provider=_PROVIDER)


class InMemoryRegistry:
    """An in-memory :class:`~mosaic_sdk.registry.ImageRegistry` for tests and notebooks.

    Behaves like distribution 2.8 where workflows can tell the difference:

    * manifests are stored and returned as exact bytes with their media type;
    * :meth:`put_manifest` refuses (400 ``MANIFEST_BLOB_UNKNOWN``) a manifest whose config,
      layers or index children are not in the repository, and a digest reference that
      does not match the bytes;
    * :meth:`delete_manifest` takes a digest and removes **every tag** on it;
    * a missing repository, tag, manifest or blob raises
      :class:`~mosaic_sdk.errors.NotFoundError`;
    * blobs are checked against their digest on write.

    It is thread-safe (one lock), so code that fans out over a thread pool can use it.

    Args:
        before_call: called as ``before_call(call)`` before each operation runs, with the
            :class:`RegistryCall` about to happen. Tests use it to simulate a concurrent
            writer (for example to move a tag between a plan and its apply). It runs
            outside the lock, so it may call the registry itself.

    Attributes:
        calls: every call made, in order (a list of :class:`RegistryCall`).
    """

    def __init__(self, *, before_call: Callable[[RegistryCall], None] | None = None) -> None:
        self._repos: dict[str, _Repository] = {}
        self._lock = threading.RLock()
        self.before_call = before_call
        self.calls: list[RegistryCall] = []
        self._closed = False

    @safe_repr
    def __repr__(self) -> str:
        with self._lock:
            return f"InMemoryRegistry(repositories={sorted(self._repos)!r})"

    # -- bookkeeping -------------------------------------------------------------------

    def _record(self, operation: str, repository: str, reference: object = "") -> None:
        call = RegistryCall(operation, repository, str(reference))
        hook = self.before_call
        if hook is not None:
            hook(call)
        with self._lock:
            self.calls.append(call)

    @property
    def request_count(self) -> int:
        """Number of calls made so far (what a real registry would count as requests)."""
        with self._lock:
            return len(self.calls)

    def count(self, operation: str | None = None) -> int:
        """Number of calls made so far, optionally only of one ``operation``."""
        with self._lock:
            if operation is None:
                return len(self.calls)
            return sum(1 for call in self.calls if call.operation == operation)

    def reset_calls(self) -> None:
        """Forget the recorded calls (the content stays)."""
        with self._lock:
            self.calls.clear()

    def _repo(self, repository: str, *, create: bool = False) -> _Repository:
        validate_repository(repository)
        repo = self._repos.get(repository)
        if repo is None:
            if not create:
                raise _not_found(
                    "NAME_UNKNOWN",
                    f"repository {repository!r} does not exist",
                    "push an image to create it, or check the name with repositories()",
                )
            repo = self._repos[repository] = _Repository()
        return repo

    def _lookup(self, repo: _Repository, repository: str, reference: str | Digest) -> Digest:
        ref = parse_reference(reference)
        if isinstance(ref, Digest):
            if ref not in repo.manifests:
                raise _not_found(
                    "MANIFEST_UNKNOWN",
                    f"manifest {ref} is not in {repository!r}",
                    "check the digest with resolve() on a tag",
                )
            return ref
        digest = repo.tags.get(ref)
        if digest is None:
            raise _not_found(
                "MANIFEST_UNKNOWN",
                f"tag {ref!r} is not in {repository!r}",
                "check the tag with list_tags()",
            )
        return digest

    # -- the ImageRegistry Protocol ----------------------------------------------------

    def resolve(self, repository: str, reference: str) -> Digest:
        """Return the digest ``reference`` (tag or digest) points to."""
        self._record("resolve", repository, reference)
        with self._lock:
            return self._lookup(self._repo(repository), repository, reference)

    def get_manifest(self, repository: str, reference: str) -> Manifest:
        """Return the manifest ``reference`` names, as the exact bytes stored."""
        self._record("get_manifest", repository, reference)
        with self._lock:
            repo = self._repo(repository)
            return repo.manifests[self._lookup(repo, repository, reference)]

    def put_manifest(
        self,
        repository: str,
        reference: str,
        manifest: Manifest | bytes,
        media_type: str | None = None,
    ) -> Digest:
        """Store ``manifest`` under ``reference`` (a tag or its own digest).

        Raises:
            InvalidValueError: a digest reference that is not the manifest's digest.
            BadRequestError: a blob or child manifest it references is missing
                (``MANIFEST_BLOB_UNKNOWN``, as distribution answers).
        """
        self._record("put_manifest", repository, reference)
        manifest = as_manifest(manifest, media_type)
        ref = parse_reference(reference)
        if isinstance(ref, Digest) and ref != manifest.digest:
            raise InvalidValueError(
                str(ref),
                f"the manifest's own digest is {manifest.digest}",
                "put a manifest by its own digest, or use a tag",
            )
        with self._lock:
            repo = self._repo(repository, create=True)
            if manifest.is_index:
                missing = [d for d in manifest.child_digests if d not in repo.manifests]
                kind = "child manifest"
            else:
                missing = [d for d in manifest.blob_digests if d not in repo.blobs]
                kind = "blob"
            if missing:
                raise BadRequestError(
                    f"MANIFEST_BLOB_UNKNOWN: {kind} {missing[0]} of {manifest.digest} is not in "
                    f"{repository!r}; push it first (or copy the whole image with copy())",
                    status_code=400,
                    provider=_PROVIDER,
                )
            repo.manifests[manifest.digest] = manifest
            if not isinstance(ref, Digest):
                repo.tags[ref] = manifest.digest
            return manifest.digest

    def list_tags(self, repository: str) -> list[str]:
        """Return the tags of ``repository``, sorted."""
        self._record("list_tags", repository)
        with self._lock:
            return sorted(self._repo(repository).tags)

    def delete_manifest(self, repository: str, digest: Digest) -> None:
        """Delete manifest ``digest`` and every tag that points at it."""
        self._record("delete_manifest", repository, digest)
        digest = as_digest(digest)
        with self._lock:
            repo = self._repo(repository)
            if digest not in repo.manifests:
                raise _not_found(
                    "MANIFEST_UNKNOWN",
                    f"manifest {digest} is not in {repository!r}",
                    "it may have been deleted already",
                )
            del repo.manifests[digest]
            for tag in [t for t, d in repo.tags.items() if d == digest]:
                del repo.tags[tag]

    def get_blob(self, repository: str, digest: Digest) -> bytes:
        """Return the bytes of blob ``digest``."""
        self._record("get_blob", repository, digest)
        digest = as_digest(digest)
        with self._lock:
            data = self._repo(repository).blobs.get(digest)
        if data is None:
            raise _not_found(
                "BLOB_UNKNOWN",
                f"blob {digest} is not in {repository!r}",
                "push it with put_blob() first",
            )
        return data

    def put_blob(self, repository: str, data: bytes) -> Digest:
        """Store ``data`` as a blob and return its digest."""
        self._record("put_blob", repository)
        if not isinstance(data, (bytes, bytearray, memoryview)):
            raise InvalidValueError(
                type(data).__name__, "a blob is bytes", "pass the exact blob bytes"
            )
        content = bytes(data)
        digest = sha256_digest(content)
        with self._lock:
            self._repo(repository, create=True).blobs[digest] = content
        return digest

    def blob_exists(self, repository: str, digest: Digest) -> bool:
        """True when blob ``digest`` is in ``repository``."""
        self._record("blob_exists", repository, digest)
        digest = as_digest(digest)
        with self._lock:
            repo = self._repos.get(validate_repository(repository))
            return repo is not None and digest in repo.blobs

    def copy(
        self,
        src_repository: str,
        reference: str,
        dst_repository: str,
        tag: str | None = None,
    ) -> Digest:
        """Copy an image (children of an index first, then blobs, then the manifest)."""
        self._record("copy", src_repository, reference)
        with self._lock:
            src = self._repo(src_repository)
            root = src.manifests[self._lookup(src, src_repository, reference)]
            dst = self._repo(dst_repository, create=True)

            def copy_one(manifest: Manifest) -> None:
                for child in manifest.child_digests:
                    if child not in src.manifests:
                        raise _not_found(
                            "MANIFEST_UNKNOWN",
                            f"child {child} of {manifest.digest} is not in {src_repository!r}",
                            "the index is broken; push the child manifest again",
                        )
                    copy_one(src.manifests[child])
                for blob in manifest.blob_digests:
                    if blob not in src.blobs:
                        raise _not_found(
                            "BLOB_UNKNOWN",
                            f"blob {blob} of {manifest.digest} is not in {src_repository!r}",
                            "push the blob again",
                        )
                    dst.blobs[blob] = src.blobs[blob]
                dst.manifests[manifest.digest] = manifest

            copy_one(root)
            if tag is not None:
                dst.tags[str(parse_reference(tag))] = root.digest
            return root.digest

    def repositories(self) -> list[str]:
        """Every repository name, sorted."""
        self._record("repositories", "")
        with self._lock:
            return sorted(self._repos)

    def close(self) -> None:
        """Nothing to release; idempotent."""
        self._closed = True

    def __enter__(self) -> InMemoryRegistry:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()


# -- image builders (any ImageRegistry) -----------------------------------------------

_SEQUENCE = itertools.count(1)
_SEQUENCE_LOCK = threading.Lock()
_PLATFORMS = ("linux/amd64", "linux/arm64", "linux/arm/v7", "linux/ppc64le", "linux/s390x")
_SIGNATURE_TYPES = {
    ".sig": "application/vnd.dev.cosign.artifact.sig.v1+json",
    ".att": "application/vnd.dsse.envelope.v1+json",
    ".sbom": "application/spdx+json",
}

CreatedIn = Literal["annotation", "config", "both", "none"]


def _next_seed() -> str:
    with _SEQUENCE_LOCK:
        return str(next(_SEQUENCE))


def _rfc3339(when: datetime) -> str:
    if when.tzinfo is None:
        raise InvalidValueError(
            when.isoformat(), "is a naive datetime", "pass an aware datetime, e.g. in UTC"
        )
    return when.astimezone(timezone.utc).isoformat().replace("+00:00", "Z")


def _tag_all(
    registry: ImageRegistry, repository: str, manifest: Manifest, tags: Sequence[str]
) -> None:
    for tag in tags:
        registry.put_manifest(repository, tag, manifest)


def push_image(
    registry: ImageRegistry,
    repository: str,
    *tags: str,
    created: datetime | None = None,
    created_in: CreatedIn = "annotation",
    docker: bool = False,
    platform: str = "linux/amd64",
    labels: dict[str, str] | None = None,
    layers: Sequence[bytes] = (),
    seed: str | None = None,
) -> Manifest:
    """Build a small valid image, push its blobs and manifest, tag it, and return it.

    Args:
        registry: any :class:`~mosaic_sdk.registry.ImageRegistry`.
        repository: where to push.
        *tags: tags to put the manifest under (it is stored by digest when none).
        created: the image creation time (aware datetime); ``None`` for an image without one.
        created_in: where the time goes: the ``org.opencontainers.image.created``
            manifest annotation, the config blob's ``created`` field, both, or neither.
        docker: build a Docker v2 schema 2 manifest instead of an OCI one (Docker
            manifests carry no annotations, so the time goes in the config).
        platform: ``os/arch[/variant]`` written in the config.
        labels: config labels.
        layers: layer blobs (uncompressed bytes labelled as gzip layers; registries do not
            inspect them). Zero layers is valid and what tests mostly use.
        seed: text that makes the image unique; a process-wide counter by default, so
            two calls never build the same digest by accident.
    """
    os_, _, rest = platform.partition("/")
    arch, _, variant = rest.partition("/")
    when = _rfc3339(created) if created is not None else None
    config: dict[str, Any] = {"architecture": arch or "amd64", "os": os_ or "linux"}
    if variant:
        config["variant"] = variant
    in_config = when is not None and (docker or created_in in ("config", "both"))
    in_annotation = when is not None and not docker and created_in in ("annotation", "both")
    if in_config:
        config["created"] = when
    config["config"] = {"Labels": {"org.mosaic.test.seed": seed or _next_seed(), **(labels or {})}}
    config["rootfs"] = {"type": "layers", "diff_ids": [str(sha256_digest(b)) for b in layers]}
    config_bytes = json.dumps(config, separators=(",", ":"), sort_keys=True).encode()
    config_digest = registry.put_blob(repository, config_bytes)
    layer_type = DOCKER_LAYER_GZIP if docker else OCI_LAYER_GZIP
    layer_descriptors = []
    for blob in layers:
        digest = registry.put_blob(repository, blob)
        layer_descriptors.append(
            {"mediaType": layer_type, "digest": str(digest), "size": len(blob)}
        )
    media_type = DOCKER_MANIFEST_V2 if docker else OCI_MANIFEST
    document: dict[str, Any] = {
        "schemaVersion": 2,
        "mediaType": media_type,
        "config": {
            "mediaType": DOCKER_CONFIG if docker else OCI_CONFIG,
            "digest": str(config_digest),
            "size": len(config_bytes),
        },
        "layers": layer_descriptors,
    }
    if in_annotation:
        document["annotations"] = {ANNOTATION_CREATED: when}
    manifest = Manifest.from_json(document, media_type)
    registry.put_manifest(repository, str(manifest.digest), manifest)
    _tag_all(registry, repository, manifest, tags)
    return manifest


def push_index(
    registry: ImageRegistry,
    repository: str,
    children: Sequence[Manifest],
    *tags: str,
    created: datetime | None = None,
    docker: bool = False,
    platforms: Sequence[str] | None = None,
) -> Manifest:
    """Push a multi-platform index (OCI index, or Docker manifest list with ``docker``)
    over ``children`` (already pushed to ``repository``), tag it and return it.

    ``platforms`` names each child's platform (``linux/amd64``, ``linux/arm64``... by
    default); ``created`` goes in the index's ``org.opencontainers.image.created``
    annotation (OCI only).
    """
    names = list(platforms) if platforms is not None else list(_PLATFORMS)
    if len(names) < len(children):
        raise InvalidValueError(
            len(children), "more children than platforms", "pass one platform per child"
        )
    entries = []
    for child, name in zip(children, names[: len(children)], strict=True):
        os_, _, rest = name.partition("/")
        arch, _, variant = rest.partition("/")
        platform: dict[str, str] = {"architecture": arch, "os": os_}
        if variant:
            platform["variant"] = variant
        entries.append(
            {
                "mediaType": child.media_type,
                "digest": str(child.digest),
                "size": child.size,
                "platform": platform,
            }
        )
    media_type = DOCKER_MANIFEST_LIST if docker else OCI_INDEX
    document: dict[str, Any] = {"schemaVersion": 2, "mediaType": media_type, "manifests": entries}
    if created is not None and not docker:
        document["annotations"] = {ANNOTATION_CREATED: _rfc3339(created)}
    index = Manifest.from_json(document, media_type)
    registry.put_manifest(repository, str(index.digest), index)
    _tag_all(registry, repository, index, tags)
    return index


def push_signature(
    registry: ImageRegistry,
    repository: str,
    subject: Manifest | Digest,
    suffix: Literal[".sig", ".att", ".sbom"] = ".sig",
    *,
    payload: bytes | None = None,
) -> Manifest:
    """Push a cosign-style artifact for ``subject`` and tag it ``sha256-<hex><suffix>``.

    The artifact is an OCI manifest with the empty config, one layer holding ``payload``
    and a ``subject`` descriptor pointing at the image, as cosign and oras write them.
    """
    if isinstance(subject, Manifest):
        subject_descriptor = {
            "mediaType": subject.media_type,
            "digest": str(subject.digest),
            "size": subject.size,
        }
        digest = subject.digest
    else:
        digest = as_digest(subject)
        subject_descriptor = {"mediaType": OCI_MANIFEST, "digest": str(digest), "size": 0}
    if suffix not in _SIGNATURE_TYPES:
        raise InvalidValueError(suffix, "is not a signature tag suffix", "use .sig, .att or .sbom")
    empty = registry.put_blob(repository, b"{}")
    body = payload if payload is not None else f"signature of {digest}".encode()
    layer = registry.put_blob(repository, body)
    artifact_type = _SIGNATURE_TYPES[suffix]
    document = {
        "schemaVersion": 2,
        "mediaType": OCI_MANIFEST,
        "artifactType": artifact_type,
        "config": {"mediaType": OCI_EMPTY, "digest": str(empty), "size": 2},
        "layers": [{"mediaType": artifact_type, "digest": str(layer), "size": len(body)}],
        "subject": subject_descriptor,
    }
    manifest = Manifest.from_json(document, OCI_MANIFEST)
    registry.put_manifest(repository, f"{digest.algorithm}-{digest.hex}{suffix}", manifest)
    return manifest
