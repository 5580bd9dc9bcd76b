"""Every request of RegistryClient and AsyncRegistryClient carries the correlation id.

Debian's ``docker-registry`` is put behind the recording pass-through proxy of
``tests/_support/header_proxy.py``, which keeps the proxy's ``Host`` so upload
``Location`` headers lead back through it. Each twin pushes an image, reads it back,
copies it (blob mounts), lists and deletes, inside ``correlation_id``; the async twin
also from tasks of its own. With token auth, the token server records the headers of
every token request too.
"""

from __future__ import annotations

import asyncio
import random
from collections.abc import Iterator

import pytest

from mosaic_sdk.observability import correlation_id
from mosaic_sdk.registry import AsyncRegistryClient, RegistryClient
from tests._support.header_proxy import HeaderRewritingProxy
from tests._support.images import TestImage, image
from tests._support.servers import HTPASSWD_PASSWORD, HTPASSWD_USER, RegistryServer, TokenServer

CID = "registry-release-42"


def _proxy(upstream: str) -> Iterator[HeaderRewritingProxy]:
    proxy = HeaderRewritingProxy(upstream).start()
    try:
        yield proxy
    finally:
        proxy.stop()


@pytest.fixture
def proxy(registry_server: RegistryServer) -> Iterator[HeaderRewritingProxy]:
    yield from _proxy(registry_server.url)


@pytest.fixture
def token_proxy(
    token_registry_server: tuple[RegistryServer, TokenServer],
) -> Iterator[HeaderRewritingProxy]:
    yield from _proxy(token_registry_server[0].url)


def _assert_every_request_carries_the_id(proxy: HeaderRewritingProxy) -> None:
    methods = {method for method, _, _ in proxy.requests}
    assert {"GET", "HEAD", "PUT", "POST", "DELETE"} <= methods, methods
    # The upload PUTs came back through the proxy too (Location kept its origin).
    assert any(m == "PUT" and "/blobs/uploads/" in p for m, p, _ in proxy.requests)
    seen = zip(proxy.requests, proxy.headers_seen(), strict=True)
    missing = [(m, p) for (m, p, _), headers in seen if headers.get("x-correlation-id") != CID]
    assert missing == [], missing


def _sync_release(client: RegistryClient, repo: str, img: TestImage) -> None:
    client.ping()
    for part in img.walk():
        for data in part.blobs.values():
            client.put_blob(repo, data)
    client.put_manifest(repo, "v1", img.manifest)
    assert client.resolve(repo, "v1") == img.digest
    assert client.get_manifest(repo, str(img.digest)).digest == img.digest
    for digest in img.manifest.blob_digests:
        assert client.blob_exists(repo, digest)
        client.get_blob(repo, digest)
    assert client.copy(repo, "v1", f"{repo}-prod", "v1") == img.digest
    assert client.list_tags(f"{repo}-prod") == ["v1"]
    client.delete_manifest(f"{repo}-prod", img.digest)


async def _async_release(client: AsyncRegistryClient, repo: str, img: TestImage) -> None:
    await client.ping()
    await asyncio.gather(*(client.put_blob(repo, data) for data in img.blobs.values()))
    await client.put_manifest(repo, "v1", img.manifest)
    digests = await asyncio.gather(
        client.resolve(repo, "v1"),
        asyncio.ensure_future(client.get_manifest(repo, str(img.digest))),
    )
    assert digests[0] == img.digest
    for digest in img.manifest.blob_digests:
        assert await client.blob_exists(repo, digest)
        await asyncio.create_task(client.get_blob(repo, digest))
    assert await client.copy(repo, "v1", f"{repo}-prod", "v1") == img.digest
    assert await client.list_tags(f"{repo}-prod") == ["v1"]
    await client.delete_manifest(f"{repo}-prod", img.digest)


def test_every_request_of_the_sync_client_carries_the_correlation_id(
    proxy: HeaderRewritingProxy, repo: str
) -> None:
    img = image(random.Random(repo))
    with correlation_id(CID), RegistryClient(proxy.url) as client:
        _sync_release(client, repo, img)
    _assert_every_request_carries_the_id(proxy)


def test_every_request_of_the_async_client_carries_the_correlation_id(
    proxy: HeaderRewritingProxy, repo: str
) -> None:
    img = image(random.Random(repo))

    async def main() -> None:
        with correlation_id(CID):
            async with AsyncRegistryClient(proxy.url) as client:
                await _async_release(client, repo, img)

    asyncio.run(main())
    _assert_every_request_carries_the_id(proxy)


def _token_requests_since(tokens: TokenServer, start: int) -> list[dict[str, str]]:
    headers = [r["headers"] for r in tokens.requests[start:]]
    assert headers, "no token was fetched"
    return headers


def test_token_auth_requests_carry_the_correlation_id_in_both_twins(
    token_registry_server: tuple[RegistryServer, TokenServer],
    token_proxy: HeaderRewritingProxy,
    repo: str,
) -> None:
    _, tokens = token_registry_server
    img = image(random.Random(repo))
    start = len(tokens.requests)
    with (
        correlation_id(CID),
        RegistryClient(token_proxy.url, username=HTPASSWD_USER, password=HTPASSWD_PASSWORD) as c,
    ):
        _sync_release(c, repo, img)
    middle = len(tokens.requests)

    async def main() -> None:
        with correlation_id(CID):
            async with AsyncRegistryClient(
                token_proxy.url, username=HTPASSWD_USER, password=HTPASSWD_PASSWORD
            ) as client:
                await _async_release(client, f"{repo}-async", img)

    asyncio.run(main())
    _assert_every_request_carries_the_id(token_proxy)
    for since, until in ((start, middle), (middle, len(tokens.requests))):
        fetched = _token_requests_since(tokens, since)[: until - since]
        assert [h.get("x-correlation-id") for h in fetched] == [CID] * len(fetched)
    assert any("authorization" in headers for headers in token_proxy.headers_seen())
