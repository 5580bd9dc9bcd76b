"""OCI 1.1 artifacts on Debian's docker-registry 2.8 (no referrers API: the referrers
tag schema) and through a proxy that adds the referrers API in front of it."""

from __future__ import annotations

import asyncio
import json
import threading
from collections.abc import Iterator

import httpx
import pytest

from mosaic_sdk.registry import (
    OCI_EMPTY,
    OCI_INDEX,
    OCI_MANIFEST,
    AsyncRegistryClient,
    Descriptor,
    RegistryClient,
    referrers_tag,
)
from mosaic_sdk.testing import push_image
from tests._support.referrers_proxy import ReferrersAPIProxy
from tests._support.servers import RegistryServer

pytestmark = pytest.mark.integration

REPORT = "application/vnd.mosaic.validation-report.v1+json"
RECORD = "application/vnd.mosaic.promotion-record.v1+json"


@pytest.fixture
def referrers_proxy(registry_server: RegistryServer) -> Iterator[ReferrersAPIProxy]:
    proxy = ReferrersAPIProxy(registry_server.url, page_size=1).start()
    yield proxy
    proxy.stop()


def test_docker_registry_28_has_no_referrers_api(
    registry: RegistryClient, registry_server: RegistryServer, repo: str
) -> None:
    image = push_image(registry, repo, "sha-1234567")
    answer = httpx.get(
        f"{registry_server.url}/v2/{repo}/referrers/{image.digest}",
        headers={"Accept": OCI_INDEX},
    )
    # Measured: the router's plain-text 404, so clients fall back to the tag schema.
    assert (answer.status_code, answer.text.strip()) == (404, "404 page not found")
    assert registry.referrers(repo, image.digest) == []
    assert registry.referrers_api is False


def test_attach_pushes_an_artifact_and_the_referrers_tag(
    registry: RegistryClient, registry_server: RegistryServer, repo: str
) -> None:
    image = push_image(registry, repo, "sha-1234567")
    payload = json.dumps({"verdict": "passed"}).encode()
    entry = registry.attach(
        repo, image.digest, payload, artifact_type=REPORT, annotations={"k": "v"}, settle=0.2
    )
    assert entry.artifact_type == REPORT
    # The artifact, exactly as the registry serves it.
    raw = httpx.get(
        f"{registry_server.url}/v2/{repo}/manifests/{entry.digest}",
        headers={"Accept": OCI_MANIFEST},
    )
    assert raw.status_code == 200
    doc = raw.json()
    assert doc["artifactType"] == REPORT
    assert doc["config"]["mediaType"] == OCI_EMPTY
    assert doc["config"]["size"] == 2
    assert doc["subject"]["digest"] == str(image.digest)
    assert doc["subject"]["mediaType"] == image.media_type
    assert doc["subject"]["size"] == image.size
    (layer,) = doc["layers"]
    blob = httpx.get(f"{registry_server.url}/v2/{repo}/blobs/{layer['digest']}")
    assert blob.content == payload
    # The referrers list, under the tag schema's tag.
    tag = referrers_tag(image.digest)
    assert tag in registry.list_tags(repo)
    index = httpx.get(
        f"{registry_server.url}/v2/{repo}/manifests/{tag}", headers={"Accept": OCI_INDEX}
    ).json()
    assert index["mediaType"] == OCI_INDEX
    assert index["manifests"] == [
        {
            "mediaType": OCI_MANIFEST,
            "digest": str(entry.digest),
            "size": len(raw.content),
            "annotations": {"k": "v"},
            "artifactType": REPORT,
        }
    ]
    second = registry.attach(repo, image.digest, b"{}", artifact_type=RECORD, settle=0.2)
    assert registry.referrers(repo, image.digest) == [entry, second]
    assert registry.referrers(repo, image.digest, artifact_type=RECORD) == [second]


def test_concurrent_attaches_from_many_clients_lose_no_entry(
    registry: RegistryClient, registry_server: RegistryServer, repo: str
) -> None:
    image = push_image(registry, repo, "sha-1234567")
    barrier = threading.Barrier(6)
    attached: list[Descriptor] = []
    errors: list[BaseException] = []

    def attach(n: int) -> None:
        with RegistryClient(registry_server.url) as client:
            barrier.wait()
            try:
                attached.append(
                    client.attach(repo, image.digest, f'{{"n":{n}}}'.encode(), artifact_type=REPORT)
                )
            except BaseException as exc:  # pragma: no cover - reported below
                errors.append(exc)

    threads = [threading.Thread(target=attach, args=(n,)) for n in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    listed = {d.digest for d in registry.referrers(repo, image.digest)}
    assert listed == {d.digest for d in attached}
    assert len(listed) == 6


def test_with_the_referrers_api_no_tag_is_written_and_the_api_is_read(
    registry: RegistryClient, referrers_proxy: ReferrersAPIProxy, repo: str
) -> None:
    image = push_image(registry, repo, "sha-1234567")
    with RegistryClient(referrers_proxy.url) as client:
        one = client.attach(repo, image.digest, b'{"a":1}', artifact_type=REPORT)
        two = client.attach(repo, image.digest, b'{"b":2}', artifact_type=RECORD)
        assert client.referrers_api is True
        # page_size=1: two pages, joined by Link
        assert client.referrers(repo, image.digest) == [one, two]
        assert client.referrers(repo, image.digest, artifact_type=RECORD) == [two]
    assert referrers_tag(image.digest) not in registry.list_tags(repo)
    listing = [p for m, p in referrers_proxy.requests if m == "GET" and "/referrers/" in p]
    assert any("page=1" in p for p in listing)
    assert any("artifactType=" in p for p in listing)


def test_async_client_attaches_and_lists(registry_server: RegistryServer, repo: str) -> None:
    with RegistryClient(registry_server.url) as sync_client:
        image = push_image(sync_client, repo, "sha-1234567")

    async def main() -> list[Descriptor]:
        async with AsyncRegistryClient(registry_server.url) as client:
            await client.attach(repo, image.digest, b"{}", artifact_type=REPORT, settle=0.2)
            return await client.referrers(repo, image.digest)

    found = asyncio.run(main())
    assert [d.artifact_type for d in found] == [REPORT]
