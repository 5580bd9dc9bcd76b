"""Async registries over blocking ones: :class:`AsyncOCILayout` and
:func:`as_async_registry`.

Both are :class:`~mosaic_sdk._core._adapter.BlockingAdapter` subclasses: every call runs
the blocking method in a worker thread with the caller's context. Cancelling the
awaiting task does not stop the thread; the call finishes and its result is dropped. An
:class:`~mosaic_sdk.registry.OCILayout` write is atomic and locked (blobs are renamed
into place, ``index.json`` is replaced under a file lock), so a cancelled write leaves
the layout whole: either as before or with the write done.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from datetime import datetime

from mosaic_sdk._core._adapter import BlockingAdapter
from mosaic_sdk._core._async.closing import AsyncClosing
from mosaic_sdk._core._repr import safe_repr
from mosaic_sdk.errors import InvalidValueError
from mosaic_sdk.registry._layout import DEFAULT_GC_GRACE, OCILayout
from mosaic_sdk.registry._models import Descriptor, Manifest, TagList
from mosaic_sdk.registry._protocol import AsyncImageRegistry, ImageRegistry
from mosaic_sdk.registry._sync.referrers import DEFAULT_SETTLE
from mosaic_sdk.values import Digest

__all__ = ["AsyncOCILayout", "as_async_registry"]


class _AsyncRegistryAdapter(AsyncClosing, BlockingAdapter[ImageRegistry]):
    """:class:`~mosaic_sdk.registry.AsyncImageRegistry` over any blocking
    :class:`~mosaic_sdk.registry.ImageRegistry`, one worker thread per call."""

    async def resolve(self, repository: str, reference: str) -> Digest:
        """See :meth:`ImageRegistry.resolve`."""
        return await self._call(self.sync.resolve, repository, reference)

    async def get_manifest(self, repository: str, reference: str) -> Manifest:
        """See :meth:`ImageRegistry.get_manifest`."""
        return await self._call(self.sync.get_manifest, repository, reference)

    async def put_manifest(
        self,
        repository: str,
        reference: str,
        manifest: Manifest | bytes,
        media_type: str | None = None,
    ) -> Digest:
        """See :meth:`ImageRegistry.put_manifest`."""
        return await self._call(self.sync.put_manifest, repository, reference, manifest, media_type)

    async def list_tags(self, repository: str) -> list[str]:
        """See :meth:`ImageRegistry.list_tags`."""
        return await self._call(self.sync.list_tags, repository)

    async def delete_manifest(self, repository: str, digest: Digest) -> None:
        """See :meth:`ImageRegistry.delete_manifest`."""
        await self._call(self.sync.delete_manifest, repository, digest)

    async def get_blob(self, repository: str, digest: Digest) -> bytes:
        """See :meth:`ImageRegistry.get_blob`."""
        return await self._call(self.sync.get_blob, repository, digest)

    async def put_blob(self, repository: str, data: bytes) -> Digest:
        """See :meth:`ImageRegistry.put_blob`."""
        return await self._call(self.sync.put_blob, repository, data)

    async def blob_exists(self, repository: str, digest: Digest) -> bool:
        """See :meth:`ImageRegistry.blob_exists`."""
        return await self._call(self.sync.blob_exists, repository, digest)

    async def copy(
        self,
        src_repository: str,
        reference: str,
        dst_repository: str,
        tag: str | None = None,
    ) -> Digest:
        """See :meth:`ImageRegistry.copy`."""
        return await self._call(self.sync.copy, src_repository, reference, dst_repository, tag)

    async def repositories(self) -> list[str]:
        """See :meth:`ImageRegistry.repositories`."""
        return await self._call(self.sync.repositories)

    async def aclose(self) -> None:
        """See :meth:`ImageRegistry.close`."""
        await self._call(self.sync.close)


class AsyncOCILayout(_AsyncRegistryAdapter):
    """The :class:`~mosaic_sdk.registry.AsyncImageRegistry` over an
    :class:`~mosaic_sdk.registry.OCILayout`: each call runs the file operation in a
    worker thread (with the caller's context).

    Cancelling the awaiting task does not stop the thread: the call finishes and its
    result is dropped. The layout's writes are atomic and locked, so the files stay
    whole - a cancelled write has either landed completely or not at all.

    Args:
        root: the layout root directory, or an :class:`~mosaic_sdk.registry.OCILayout`
            to wrap (then ``gc_grace`` is that layout's own).
        gc_grace: as for :class:`~mosaic_sdk.registry.OCILayout`.

    Attributes:
        sync: the :class:`~mosaic_sdk.registry.OCILayout` the calls run on.
    """

    sync: OCILayout

    def __init__(
        self, root: str | os.PathLike[str] | OCILayout, *, gc_grace: float = DEFAULT_GC_GRACE
    ) -> None:
        super().__init__(
            root if isinstance(root, OCILayout) else OCILayout(root, gc_grace=gc_grace)
        )

    @safe_repr
    def __repr__(self) -> str:
        return f"AsyncOCILayout({str(self.sync.root)!r})"

    async def tag_list(self, repository: str) -> TagList:
        """See :meth:`OCILayout.tag_list`."""
        return await self._call(self.sync.tag_list, repository)

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
        settle: float = DEFAULT_SETTLE,
    ) -> Descriptor:
        """See :meth:`OCILayout.attach`."""
        return await self._call(
            self.sync.attach,
            repository,
            subject,
            data,
            artifact_type=artifact_type,
            media_type=media_type,
            annotations=annotations,
            created=created,
            settle=settle,
        )

    async def referrers(
        self, repository: str, subject: Digest | str, *, artifact_type: str | None = None
    ) -> list[Descriptor]:
        """See :meth:`OCILayout.referrers`."""
        return await self._call(
            self.sync.referrers, repository, subject, artifact_type=artifact_type
        )

    async def __aenter__(self) -> AsyncOCILayout:
        return self


def as_async_registry(registry: AsyncImageRegistry | ImageRegistry) -> AsyncImageRegistry:
    """An :class:`~mosaic_sdk.registry.AsyncImageRegistry` for ``registry``.

    An async registry (:class:`~mosaic_sdk.registry.AsyncRegistryClient`,
    :class:`AsyncOCILayout`, an async fake) is returned unchanged; an
    :class:`~mosaic_sdk.registry.OCILayout` is wrapped in :class:`AsyncOCILayout`, and any
    other blocking :class:`~mosaic_sdk.registry.ImageRegistry` in the same kind of
    thread adapter (for a registry speaking HTTP, prefer
    :class:`~mosaic_sdk.registry.AsyncRegistryClient`).

    Raises:
        InvalidValueError: ``registry`` is neither an async nor a blocking image registry.
    """
    if isinstance(registry, AsyncImageRegistry):
        return registry
    if isinstance(registry, OCILayout):
        return AsyncOCILayout(registry)
    if isinstance(registry, ImageRegistry):
        return _AsyncRegistryAdapter(registry)
    raise InvalidValueError(
        type(registry).__name__,
        "is not an image registry",
        "pass an ImageRegistry (RegistryClient, OCILayout) or an AsyncImageRegistry",
    )
