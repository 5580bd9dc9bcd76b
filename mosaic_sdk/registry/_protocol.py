"""The registry Protocols: what every image registry backend offers.

Workflows (promotion, retention, rollback) depend only on these Protocols, never on a
concrete backend, so :class:`~mosaic_sdk.registry.RegistryClient` (the OCI distribution
API), :class:`~mosaic_sdk.registry.OCILayout` (an on-disk OCI image layout) and test
fakes are interchangeable. One conformance suite (``tests/contract``) runs against every
implementation.

Shared contract of every method:

* ``repository`` is an OCI repository name (``team/app``); ``reference`` is a tag
  (``v1.2.3``) or a digest string (``sha256:...``). Invalid names raise
  :class:`~mosaic_sdk.errors.InvalidValueError` before any I/O.
* A missing manifest, blob or repository raises :class:`~mosaic_sdk.errors.NotFoundError`.
* Manifests travel as exact bytes: what :meth:`ImageRegistry.get_manifest` returns can be
  handed to :meth:`ImageRegistry.put_manifest` anywhere and keeps its digest.
* Every write is verified: the digest the backend reports (or re-reads) must equal the
  sha256 of the bytes sent, else :class:`~mosaic_sdk.errors.APIResponseValidationError`.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Protocol, runtime_checkable

from mosaic_sdk.registry._models import Descriptor, Manifest
from mosaic_sdk.values import Digest

__all__ = ["ArtifactRegistry", "AsyncArtifactRegistry", "AsyncImageRegistry", "ImageRegistry"]


@runtime_checkable
class ImageRegistry(Protocol):
    """A synchronous image registry: manifests, tags and blobs of many repositories."""

    def resolve(self, repository: str, reference: str) -> Digest:
        """Return the digest ``reference`` (tag or digest) points to in ``repository``.

        For a multi-platform image this is the digest of the index, never of a child.
        """
        ...

    def get_manifest(self, repository: str, reference: str) -> Manifest:
        """Fetch the manifest or index ``reference`` names, as exact bytes with its media
        type. The content is checked against the digest it was resolved to."""
        ...

    def put_manifest(
        self,
        repository: str,
        reference: str,
        manifest: Manifest | bytes,
        media_type: str | None = None,
    ) -> Digest:
        """Store ``manifest`` under ``reference`` (a tag, or its own digest) and return
        its digest, verified after the write.

        ``bytes`` are wrapped with :meth:`Manifest.from_bytes` (``media_type`` defaults to
        the document's own). Every blob and child manifest it references must already be
        in ``repository``.
        """
        ...

    def list_tags(self, repository: str) -> list[str]:
        """Return every tag of ``repository``, sorted and de-duplicated."""
        ...

    def delete_manifest(self, repository: str, digest: Digest) -> None:
        """Delete the manifest ``digest`` from ``repository``.

        As on distribution 2.8, this removes **every tag** that points at the digest.
        """
        ...

    def get_blob(self, repository: str, digest: Digest) -> bytes:
        """Return the bytes of blob ``digest``, checked against the digest."""
        ...

    def put_blob(self, repository: str, data: bytes) -> Digest:
        """Store ``data`` as a blob of ``repository`` and return its verified digest."""
        ...

    def blob_exists(self, repository: str, digest: Digest) -> bool:
        """True when blob ``digest`` is available in ``repository``."""
        ...

    def copy(
        self,
        src_repository: str,
        reference: str,
        dst_repository: str,
        tag: str | None = None,
    ) -> Digest:
        """Copy the image ``reference`` from ``src_repository`` to ``dst_repository``
        inside this registry and return its (unchanged) digest.

        Blobs are linked (mounted) rather than transferred where the backend can, with
        an upload as the fallback; the children of an index are copied before the index.
        With ``tag`` the copy is also tagged; without it, it is stored by digest.
        """
        ...

    def repositories(self) -> list[str]:
        """Return every repository name, sorted (the catalog, where the backend has one)."""
        ...

    def close(self) -> None:
        """Release connections or file handles. Idempotent."""
        ...


@runtime_checkable
class AsyncImageRegistry(Protocol):
    """The asynchronous twin of :class:`ImageRegistry`: the same methods, awaited, with
    ``aclose`` in place of ``close``."""

    async def resolve(self, repository: str, reference: str) -> Digest:
        """See :meth:`ImageRegistry.resolve`."""
        ...

    async def get_manifest(self, repository: str, reference: str) -> Manifest:
        """See :meth:`ImageRegistry.get_manifest`."""
        ...

    async def put_manifest(
        self,
        repository: str,
        reference: str,
        manifest: Manifest | bytes,
        media_type: str | None = None,
    ) -> Digest:
        """See :meth:`ImageRegistry.put_manifest`."""
        ...

    async def list_tags(self, repository: str) -> list[str]:
        """See :meth:`ImageRegistry.list_tags`."""
        ...

    async def delete_manifest(self, repository: str, digest: Digest) -> None:
        """See :meth:`ImageRegistry.delete_manifest`."""
        ...

    async def get_blob(self, repository: str, digest: Digest) -> bytes:
        """See :meth:`ImageRegistry.get_blob`."""
        ...

    async def put_blob(self, repository: str, data: bytes) -> Digest:
        """See :meth:`ImageRegistry.put_blob`."""
        ...

    async def blob_exists(self, repository: str, digest: Digest) -> bool:
        """See :meth:`ImageRegistry.blob_exists`."""
        ...

    async def copy(
        self,
        src_repository: str,
        reference: str,
        dst_repository: str,
        tag: str | None = None,
    ) -> Digest:
        """See :meth:`ImageRegistry.copy`."""
        ...

    async def repositories(self) -> list[str]:
        """See :meth:`ImageRegistry.repositories`."""
        ...

    async def aclose(self) -> None:
        """See :meth:`ImageRegistry.close`."""
        ...


@runtime_checkable
class ArtifactRegistry(Protocol):
    """A registry that attaches artifacts to a digest itself (OCI 1.1 referrers):
    :class:`~mosaic_sdk.registry.RegistryClient` (the referrers API, else the referrers
    tag schema) and :class:`~mosaic_sdk.registry.OCILayout` (the tag schema).
    :func:`~mosaic_sdk.registry.attach_artifact` falls back to the tag schema over the
    plain :class:`ImageRegistry` for any other registry."""

    def attach(
        self,
        repository: str,
        subject: Digest | str,
        data: bytes,
        *,
        artifact_type: str,
        media_type: str | None = None,
        annotations: Mapping[str, str] | None = None,
        created: datetime | None = None,
        settle: float = ...,
    ) -> Descriptor:
        """Store ``data`` as an artifact whose ``subject`` is the image ``subject`` and
        return the artifact's descriptor (with its ``artifact_type`` and annotations)."""
        ...

    def referrers(
        self, repository: str, subject: Digest | str, *, artifact_type: str | None = None
    ) -> list[Descriptor]:
        """The descriptors of the artifacts whose ``subject`` is ``subject``."""
        ...


@runtime_checkable
class AsyncArtifactRegistry(Protocol):
    """The asynchronous twin of :class:`ArtifactRegistry`."""

    async def attach(
        self,
        repository: str,
        subject: Digest | str,
        data: bytes,
        *,
        artifact_type: str,
        media_type: str | None = None,
        annotations: Mapping[str, str] | None = None,
        created: datetime | None = None,
        settle: float = ...,
    ) -> Descriptor:
        """See :meth:`ArtifactRegistry.attach`."""
        ...

    async def referrers(
        self, repository: str, subject: Digest | str, *, artifact_type: str | None = None
    ) -> list[Descriptor]:
        """See :meth:`ArtifactRegistry.referrers`."""
        ...
