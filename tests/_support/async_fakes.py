"""Asynchronous views of the synchronous test fakes, for the async workflows' unit tests.

:class:`AsyncRegistryView` awaits nothing real: each method calls the wrapped
:class:`~mosaic_sdk.testing.InMemoryRegistry` (or any ``ImageRegistry``), so a test can run
the same scenario through a workflow and its ``Async`` twin and compare the calls the
registry recorded. Each call first gives the event loop a turn, as real I/O would.
"""

from __future__ import annotations

import asyncio
from collections.abc import Sequence

from mosaic_sdk.providers._protocol import Deployment, RunningRelease, TargetStatus
from mosaic_sdk.registry import ImageRegistry, Manifest
from mosaic_sdk.values import Digest, ImageReference

__all__ = ["AsyncRegistryView", "AsyncTargetView"]


class AsyncRegistryView:
    """An ``AsyncImageRegistry`` over a synchronous registry (same data, same call log)."""

    def __init__(self, inner: ImageRegistry) -> None:
        self.inner = inner

    async def resolve(self, repository: str, reference: str) -> Digest:
        await asyncio.sleep(0)
        return self.inner.resolve(repository, reference)

    async def get_manifest(self, repository: str, reference: str) -> Manifest:
        await asyncio.sleep(0)
        return self.inner.get_manifest(repository, reference)

    async def put_manifest(self, repository: str, reference: str, manifest: Manifest) -> Digest:
        await asyncio.sleep(0)
        return self.inner.put_manifest(repository, reference, manifest)

    async def list_tags(self, repository: str) -> list[str]:
        await asyncio.sleep(0)
        return self.inner.list_tags(repository)

    async def delete_manifest(self, repository: str, digest: Digest) -> None:
        await asyncio.sleep(0)
        self.inner.delete_manifest(repository, digest)

    async def get_blob(self, repository: str, digest: Digest) -> bytes:
        await asyncio.sleep(0)
        return self.inner.get_blob(repository, digest)

    async def put_blob(self, repository: str, data: bytes) -> Digest:
        await asyncio.sleep(0)
        return self.inner.put_blob(repository, data)

    async def blob_exists(self, repository: str, digest: Digest) -> bool:
        await asyncio.sleep(0)
        return self.inner.blob_exists(repository, digest)

    async def copy(
        self, src_repository: str, reference: str, dst_repository: str, tag: str | None = None
    ) -> Digest:
        await asyncio.sleep(0)
        return self.inner.copy(src_repository, reference, dst_repository, tag)

    async def repositories(self) -> list[str]:
        await asyncio.sleep(0)
        return self.inner.repositories()

    async def aclose(self) -> None:
        self.inner.close()


class AsyncTargetView:
    """An ``AsyncDeploymentTarget`` over a synchronous one (``history()`` passes through)."""

    def __init__(self, inner: object) -> None:
        self.inner = inner
        self.name: str = inner.name  # type: ignore[attr-defined]

    async def deploy(self, image: ImageReference) -> Deployment:
        await asyncio.sleep(0)
        return self.inner.deploy(image)  # type: ignore[attr-defined, no-any-return]

    async def running(self) -> RunningRelease:
        await asyncio.sleep(0)
        return self.inner.running()  # type: ignore[attr-defined, no-any-return]

    async def status(self) -> TargetStatus:
        await asyncio.sleep(0)
        return self.inner.status()  # type: ignore[attr-defined, no-any-return]

    def history(self) -> Sequence[object]:
        return self.inner.history()  # type: ignore[attr-defined, no-any-return]
