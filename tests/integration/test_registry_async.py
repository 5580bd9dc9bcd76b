"""AsyncRegistryClient (and AsyncOCILayout) against the same real registry: the async
twin runs the same sans-I/O operations, so the same flows must give the same results."""

from __future__ import annotations

import asyncio
import random
from pathlib import Path

import pytest

from mosaic_sdk.errors import AuthenticationError, NotFoundError
from mosaic_sdk.registry import (
    AsyncImageRegistry,
    AsyncOCILayout,
    AsyncRegistryClient,
    RegistryClient,
    open_async_registry,
)
from tests._support.images import TestImage, image, index
from tests._support.servers import HTPASSWD_PASSWORD, HTPASSWD_USER, RegistryServer, TokenServer

pytestmark = pytest.mark.integration


async def _apush(registry: AsyncImageRegistry, repository: str, img: TestImage, tag: str) -> None:
    for part in img.walk():
        await asyncio.gather(*(registry.put_blob(repository, d) for d in part.blobs.values()))
        if part is not img:
            await registry.put_manifest(repository, str(part.digest), part.manifest)
    await registry.put_manifest(repository, tag, img.manifest)


async def _flow(registry: AsyncImageRegistry, repo: str, rng: random.Random) -> None:
    idx, img = index(rng), image(rng, kind="docker")
    await _apush(registry, repo, idx, "v1.0.0")
    await _apush(registry, repo, img, "sha-" + "1" * 40)
    await registry.put_manifest(repo, "testing", await registry.get_manifest(repo, "v1.0.0"))

    assert await registry.resolve(repo, "testing") == idx.digest
    assert (await registry.get_manifest(repo, "v1.0.0")).content == idx.manifest.content
    assert await registry.list_tags(repo) == ["sha-" + "1" * 40, "testing", "v1.0.0"]
    assert await registry.copy(repo, "v1.0.0", repo + "-copy", tag="v1.0.0") == idx.digest
    assert (await registry.get_manifest(repo + "-copy", "v1.0.0")).content == idx.manifest.content

    await registry.delete_manifest(repo, img.digest)
    assert await registry.list_tags(repo) == ["testing", "v1.0.0"]
    with pytest.raises(NotFoundError):
        await registry.resolve(repo, "sha-" + "1" * 40)
    assert repo in await registry.repositories()
    await registry.aclose()


def test_async_client_full_flow(
    registry_server: RegistryServer, repo: str, rng: random.Random
) -> None:
    client = AsyncRegistryClient(registry_server.url)
    assert isinstance(client, AsyncImageRegistry)
    asyncio.run(_flow(client, repo, rng))
    # What the async client wrote, the sync client reads identically.
    with RegistryClient(registry_server.url) as sync:
        assert sync.list_tags(repo) == ["testing", "v1.0.0"]


def test_async_layout_full_flow(tmp_path: Path, repo: str, rng: random.Random) -> None:
    layout = open_async_registry(f"oci://{tmp_path}", gc_grace=0)
    assert isinstance(layout, AsyncOCILayout)
    asyncio.run(_flow(layout, repo, rng))


def test_async_token_auth_concurrent_requests(
    token_registry_server: tuple[RegistryServer, TokenServer], rng: random.Random
) -> None:
    server, tokens = token_registry_server

    async def scenario() -> None:
        async with AsyncRegistryClient(
            server.url, username=HTPASSWD_USER, password=HTPASSWD_PASSWORD
        ) as client:
            img = image(rng, layers=3)
            await _apush(client, "team/async", img, "v1")
            results = await asyncio.gather(*(client.resolve("team/async", "v1") for _ in range(5)))
            assert set(results) == {img.digest}
        async with AsyncRegistryClient(server.url, username="alice", password="nope-nope") as bad:
            with pytest.raises(AuthenticationError):
                await bad.resolve("team/async", "v1")

    asyncio.run(scenario())
    assert any(r["user"] == HTPASSWD_USER for r in tokens.requests)
