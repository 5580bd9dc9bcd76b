"""RegistryClient against Debian's docker-registry 2.8 on 127.0.0.1.

Covers Docker v2 and OCI manifests and a multi-arch OCI index: push, resolve (HEAD),
exact bytes, tag listing and pagination, delete by digest, cross-repository mounts,
copies, error mapping, and a raw-httpx cross-check of the SDK's bytes and digests.
"""

from __future__ import annotations

import json
import random

import pytest

from mosaic_sdk.errors import (
    APIStatusError,
    BadRequestError,
    InvalidValueError,
    NotFoundError,
    UnsupportedOperationError,
)
from mosaic_sdk.registry import (
    DOCKER_MANIFEST_V2,
    OCI_INDEX,
    OCI_MANIFEST,
    Manifest,
    RegistryClient,
    open_registry,
)
from mosaic_sdk.values import Digest
from tests._support.images import get_raw, image, index, push, push_raw
from tests._support.servers import RegistryServer

pytestmark = pytest.mark.integration


def _log_since(server: RegistryServer, mark: int) -> list[str]:
    return server.requests_logged()[mark:]


@pytest.mark.parametrize(
    ("kind", "media_type"), [("docker", DOCKER_MANIFEST_V2), ("oci", OCI_MANIFEST)]
)
def test_push_resolve_and_get_exact_bytes(
    registry: RegistryClient,
    registry_server: RegistryServer,
    repo: str,
    rng: random.Random,
    kind: str,
    media_type: str,
) -> None:
    img = image(rng, kind=kind, layers=2)
    assert push(registry, repo, img, "sha-" + "a" * 40) == img.digest

    before, mark = registry.request_count, len(registry_server.requests_logged())
    assert registry.resolve(repo, "sha-" + "a" * 40) == img.digest
    assert registry.request_count - before == 1
    assert [line.split()[0] for line in _log_since(registry_server, mark)] == ["HEAD"]

    fetched = registry.get_manifest(repo, "sha-" + "a" * 40)
    assert fetched.content == img.manifest.content
    assert fetched.media_type == media_type
    assert fetched.digest == img.digest
    assert registry.get_manifest(repo, str(img.digest)).content == img.manifest.content
    for digest, data in img.blobs.items():
        assert registry.blob_exists(repo, digest)
        assert registry.get_blob(repo, digest) == data


def test_multi_arch_index_resolves_to_the_index_not_a_child(
    registry: RegistryClient, repo: str, rng: random.Random
) -> None:
    idx = index(rng)
    push(registry, repo, idx, "v1.0.0")

    assert registry.resolve(repo, "v1.0.0") == idx.digest
    fetched = registry.get_manifest(repo, "v1.0.0")
    assert fetched.is_index
    assert fetched.media_type == OCI_INDEX
    assert fetched.content == idx.manifest.content
    assert fetched.child_digests == tuple(c.digest for c in idx.children)
    assert [str(d.platform) for d in fetched.manifests] == ["linux/amd64", "linux/arm64"]
    for child in idx.children:
        assert registry.get_manifest(repo, str(child.digest)).content == child.manifest.content


def test_docker_manifest_list_round_trips(
    registry: RegistryClient, repo: str, rng: random.Random
) -> None:
    idx = index(rng, kind="docker")
    push(registry, repo, idx, "v2.0.0")
    fetched = registry.get_manifest(repo, "v2.0.0")
    assert fetched.is_index
    assert fetched.content == idx.manifest.content


def test_retag_keeps_bytes_and_digest(
    registry: RegistryClient, repo: str, rng: random.Random
) -> None:
    img = image(rng)
    push(registry, repo, img, "v1.0.0-rc.1")
    before = registry.request_count
    fetched = registry.get_manifest(repo, "v1.0.0-rc.1")
    assert registry.put_manifest(repo, "testing", fetched) == img.digest
    assert registry.request_count - before == 2  # one GET, one PUT: no blob traffic
    assert registry.resolve(repo, "testing") == img.digest


def test_tags_are_sorted_and_page_size_is_only_a_hint(
    registry: RegistryClient, repo: str, rng: random.Random
) -> None:
    img = image(rng)
    push(registry, repo, img, "testing")
    for tag in ("v1.0.0", "sha-" + "b" * 40, "v1.0.0-rc.1", "blue"):
        registry.put_manifest(repo, tag, img.manifest)

    tags = registry.tag_list(repo, page_size=2)
    # distribution 2.8 ignores n on tags/list and sends no Link: one unsorted page.
    assert tags.pages == 1
    assert list(tags) == sorted(["testing", "v1.0.0", "sha-" + "b" * 40, "v1.0.0-rc.1", "blue"])
    assert registry.list_tags(repo) == list(tags)


def test_catalog_pagination_follows_relative_links(
    registry_server: RegistryServer, rng: random.Random
) -> None:
    with RegistryClient(registry_server.url, page_size=2) as client:
        img = image(rng)
        names = [f"catalog-test/r{i}" for i in range(5)]
        for name in names:
            push(client, name, img, "v1")
        before = client.request_count
        found = client.repositories()
        assert set(names) <= set(found)
        assert found == sorted(found)
        # n=2 is honoured by the catalog: several pages, each one request.
        assert client.request_count - before >= 3


def test_delete_by_digest_removes_every_tag_on_it(
    registry: RegistryClient, repo: str, rng: random.Random
) -> None:
    doomed, survivor = image(rng), image(rng)
    push(registry, repo, doomed, "sha-" + "c" * 40)
    registry.put_manifest(repo, "v1.0.0-rc.1", doomed.manifest)
    push(registry, repo, survivor, "v1.0.0")

    registry.delete_manifest(repo, doomed.digest)

    assert registry.list_tags(repo) == ["v1.0.0"]
    with pytest.raises(NotFoundError, match="MANIFEST_UNKNOWN"):
        registry.resolve(repo, "v1.0.0-rc.1")
    assert not registry.exists(repo, str(doomed.digest))
    assert registry.resolve(repo, "v1.0.0") == survivor.digest


def test_mount_across_repositories(
    registry: RegistryClient, registry_server: RegistryServer, repo: str, rng: random.Random
) -> None:
    img = image(rng)
    push(registry, repo, img, "v1")
    layer = img.manifest.layer_digests[0]
    target = repo + "-mounted"

    assert not registry.blob_exists(target, layer)
    mark = len(registry_server.requests_logged())
    assert registry.mount_blob(target, layer, repo) is True
    log = _log_since(registry_server, mark)
    assert len(log) == 1
    assert log[0].startswith("POST")
    assert "mount=" in log[0]
    assert registry.blob_exists(target, layer)


def test_mount_from_a_repository_without_the_blob_falls_back_and_reports_it(
    registry: RegistryClient, repo: str, rng: random.Random
) -> None:
    img = image(rng)
    push(registry, repo, img, "v1")
    missing = Digest.from_bytes(b"never uploaded")
    # 2.8 answers 202 (an upload session) instead of 201; the fallback then fetches the
    # blob from the source, which does not have it either.
    with pytest.raises(NotFoundError, match="BLOB_UNKNOWN"):
        registry.mount_blob(repo + "-x", missing, repo)


@pytest.mark.parametrize("kind", ["oci", "docker"])
def test_copy_index_mounts_blobs_and_puts_children_first(
    registry: RegistryClient,
    registry_server: RegistryServer,
    repo: str,
    rng: random.Random,
    kind: str,
) -> None:
    idx = index(rng, kind=kind)
    push(registry, repo, idx, "v1.0.0")
    target = repo + "-copy"

    mark = len(registry_server.requests_logged())
    before = registry.request_count
    assert registry.copy(repo, "v1.0.0", target, tag="v1.0.0") == idx.digest
    requests = registry.request_count - before
    log = _log_since(registry_server, mark)

    assert registry.resolve(target, "v1.0.0") == idx.digest
    assert registry.get_manifest(target, "v1.0.0").content == idx.manifest.content
    for child in idx.children:
        assert registry.get_manifest(target, str(child.digest)).content == child.manifest.content
    # Blobs were mounted (POST ...mount=, 201), never re-uploaded (no PUT to uploads/).
    assert not [line for line in log if line.startswith("PUT") and "/blobs/uploads/" in line]
    mounts = [line for line in log if line.startswith("POST") and "mount=" in line]
    assert len(mounts) == sum(len(c.blobs) for c in idx.children)
    # Children are PUT by digest before the index is PUT by tag.
    puts = [line for line in log if line.startswith("PUT") and "/manifests/" in line]
    assert [p.split("/manifests/")[1].split()[0] for p in puts] == [
        *(str(c.digest) for c in idx.children),
        "v1.0.0",
    ]
    # GET src index + HEAD dst index + per child (HEAD, GET, 2 mounts, PUT) + PUT index.
    assert requests == 2 + 5 * len(idx.children) + 1

    # A second copy finds everything in place: GET, HEAD, PUT only.
    before = registry.request_count
    assert registry.copy(repo, "v1.0.0", target, tag="stable") == idx.digest
    assert registry.request_count - before == 3


def test_copy_within_a_repository_is_a_retag(
    registry: RegistryClient, repo: str, rng: random.Random
) -> None:
    img = image(rng, kind="docker")
    push(registry, repo, img, "sha-" + "d" * 40)
    before = registry.request_count
    assert registry.copy(repo, "sha-" + "d" * 40, repo, tag="staging") == img.digest
    assert registry.request_count - before == 2
    assert registry.resolve(repo, "staging") == img.digest


def test_put_manifest_with_missing_blobs_is_refused(
    registry: RegistryClient, repo: str, rng: random.Random
) -> None:
    img = image(rng)
    with pytest.raises(BadRequestError, match="MANIFEST_BLOB_UNKNOWN") as info:
        registry.put_manifest(repo, "v1", img.manifest)
    assert "push the blobs" in str(info.value)


def test_put_by_a_foreign_digest_is_refused_before_any_request(
    registry: RegistryClient, repo: str, rng: random.Random
) -> None:
    img = image(rng)
    before = registry.request_count
    with pytest.raises(InvalidValueError, match="own digest"):
        registry.put_manifest(repo, str(Digest.from_bytes(b"other")), img.manifest)
    with pytest.raises(InvalidValueError, match="valid OCI tag"):
        registry.resolve(repo, "-bad")
    with pytest.raises(InvalidValueError, match="lowercase"):
        registry.resolve("Team/App", "v1")
    assert registry.request_count == before


def test_unknown_names_map_to_not_found_with_codes(
    registry: RegistryClient, repo: str, rng: random.Random
) -> None:
    with pytest.raises(NotFoundError, match="NAME_UNKNOWN") as unknown_repo:
        registry.list_tags(repo + "-nothing")
    assert "repositories()" in str(unknown_repo.value)
    with pytest.raises(NotFoundError, match="MANIFEST_UNKNOWN"):
        registry.get_manifest(repo + "-nothing", "v1")
    push(registry, repo, image(rng), "v1")
    with pytest.raises(NotFoundError, match="MANIFEST_UNKNOWN") as info:
        registry.get_manifest(repo, "v2")
    assert info.value.status_code == 404
    assert "'v2'" in str(info.value)
    assert "list_tags" in str(info.value)
    with pytest.raises(NotFoundError, match="BLOB_UNKNOWN"):
        registry.get_blob(repo, Digest.from_bytes(b"absent"))


def test_sdk_and_raw_httpx_agree_on_bytes_and_digests(
    registry: RegistryClient, registry_server: RegistryServer, repo: str, rng: random.Random
) -> None:
    raw_pushed = index(rng)
    reported = push_raw(registry_server.url, repo, raw_pushed, "raw")
    assert reported == str(raw_pushed.digest)
    assert registry.resolve(repo, "raw") == raw_pushed.digest
    assert registry.get_manifest(repo, "raw").content == raw_pushed.manifest.content

    sdk_pushed = image(rng, kind="docker")
    push(registry, repo, sdk_pushed, "sdk")
    response = get_raw(registry_server.url, repo, "sdk")
    assert response.content == sdk_pushed.manifest.content
    assert response.headers["Docker-Content-Digest"] == str(sdk_pushed.digest)
    assert response.headers["Content-Type"] == DOCKER_MANIFEST_V2


def test_pretty_printing_a_manifest_changes_its_digest(
    registry: RegistryClient, repo: str, rng: random.Random
) -> None:
    # Why the SDK never re-serializes: the same JSON, re-encoded, is another manifest.
    img = image(rng)
    push(registry, repo, img, "v1")
    pretty = Manifest.from_bytes(json.dumps(img.manifest.json(), indent=2).encode())
    assert pretty.digest != img.digest
    assert registry.put_manifest(repo, "pretty", pretty) == pretty.digest
    assert registry.resolve(repo, "v1") == img.digest


def test_open_registry_returns_a_registry_client(registry_server: RegistryServer) -> None:
    client = open_registry(registry_server.url)
    try:
        assert isinstance(client, RegistryClient)
        assert client.ping() == "registry/2.0"
    finally:
        client.close()


def test_delete_is_unsupported_when_the_registry_disables_it(
    tmp_path_factory: pytest.TempPathFactory, rng: random.Random
) -> None:
    server = RegistryServer(tmp_path_factory.mktemp("nodelete"), delete_enabled=False).start()
    try:
        with RegistryClient(server.url) as client:
            img = image(rng)
            push(client, "app", img, "v1")
            with pytest.raises(
                UnsupportedOperationError, match=r"storage\.delete\.enabled"
            ) as info:
                client.delete_manifest("app", img.digest)
            assert "UNSUPPORTED" in str(info.value)
            assert client.resolve("app", "v1") == img.digest
    finally:
        server.stop()


def test_status_errors_keep_the_registry_context(registry: RegistryClient, repo: str) -> None:
    with pytest.raises(APIStatusError) as info:
        registry.get_blob(repo, Digest.from_bytes(b"x"))
    assert info.value.provider == "registry"
    assert info.value.method == "GET"
    assert repo in info.value.url
