"""Promotion and retention against Debian's docker-registry 2.8 and an OCI layout.

The request budget of a promotion is counted twice: by an httpx transport that sees every
request the SDK sends, and by the registry's own access log.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from datetime import datetime, timedelta, timezone
from pathlib import Path

import httpx
import pytest

from mosaic_sdk import Promotion, PromotionRecord, RetentionPolicy
from mosaic_sdk.registry import (
    DOCKER_MANIFEST_LIST,
    DOCKER_MANIFEST_V2,
    OCI_INDEX,
    OCI_MANIFEST,
    BlobCache,
    ImageRegistry,
    Manifest,
    OCILayout,
    RegistryClient,
)
from mosaic_sdk.testing import push_image, push_index, push_signature
from tests._support.servers import RegistryServer

pytestmark = pytest.mark.integration

NOW = datetime.now(timezone.utc)


def ago(days: float) -> datetime:
    return NOW - timedelta(days=days)


class CountingTransport(httpx.HTTPTransport):
    """Records ``METHOD /path`` of every request that goes on the wire."""

    def __init__(self) -> None:
        super().__init__()
        self.sent: list[str] = []

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        self.sent.append(f"{request.method} {request.url.path}")
        return super().handle_request(request)


@pytest.fixture
def counting(registry_server: RegistryServer) -> Iterator[tuple[RegistryClient, CountingTransport]]:
    transport = CountingTransport()
    with RegistryClient(registry_server.url, transport=transport) as client:
        yield client, transport


def _logged(server: RegistryServer, repo: str) -> list[str]:
    return [line for line in server.requests_logged() if f"/v2/{repo}/" in line]


def _wait_logged(server: RegistryServer, repo: str, count: int) -> list[str]:
    deadline = time.monotonic() + 5
    lines = _logged(server, repo)
    while len(lines) < count and time.monotonic() < deadline:
        time.sleep(0.05)
        lines = _logged(server, repo)
    return lines


# -- promotion ------------------------------------------------------------------------------


def test_each_promotion_costs_at_most_three_requests_on_the_wire(
    counting: tuple[RegistryClient, CountingTransport], registry_server: RegistryServer, repo: str
) -> None:
    client, transport = counting
    image = push_image(client, repo, "sha-abcdef1", "v1.0.0-rc.1", created=ago(1))
    promotion = Promotion(client, repo, actor="ci")
    manifests = f"/v2/{repo}/manifests"

    steps: list[tuple[Callable[[], PromotionRecord], list[str]]] = [
        (
            lambda: promotion.promote(image.digest, to="testing"),
            ["HEAD testing", f"GET {image.digest}", "PUT testing"],
        ),
        (
            lambda: promotion.promote(image.digest, to="staging"),
            ["HEAD staging", "GET testing", "PUT staging"],
        ),
        (
            lambda: promotion.promote_environment("staging", "prod"),
            ["HEAD prod", "GET staging", "PUT prod"],
        ),
        (lambda: promotion.promote(image.digest, to="prod"), ["HEAD prod"]),
    ]
    for action, expected in steps:
        transport.sent.clear()
        logged_before = len(_logged(registry_server, repo))
        record = action()
        assert transport.sent == [f"{e.split()[0]} {manifests}/{e.split()[1]}" for e in expected]
        assert len(transport.sent) <= 3
        logged = _wait_logged(registry_server, repo, logged_before + len(expected))
        assert len(logged) - logged_before == len(expected)  # the registry saw the same
        assert record.digest_after == image.digest
    assert client.resolve(repo, "prod") == image.digest


def _sequence(
    counting: tuple[RegistryClient, CountingTransport],
    registry_server: RegistryServer,
    repo: str,
    action: Callable[[], PromotionRecord],
) -> list[str]:
    """Run ``action`` and return its requests as ``METHOD reference``, checked against
    the registry's own access log."""
    _, transport = counting
    transport.sent.clear()
    logged_before = len(_logged(registry_server, repo))
    action()
    prefix = f"/v2/{repo}/manifests/"
    sent = [f"{m} {path.removeprefix(prefix)}" for m, path in (s.split() for s in transport.sent)]
    logged = _wait_logged(registry_server, repo, logged_before + len(sent))
    assert len(logged) - logged_before == len(sent)  # the registry saw the same
    return sent


def test_the_promotions_that_need_a_fourth_read_cost_exactly_what_the_docs_say(
    counting: tuple[RegistryClient, CountingTransport], registry_server: RegistryServer, repo: str
) -> None:
    """The cases docs/promotion.md lists above 3 requests, each counted on the wire: one
    HEAD or GET per pointer or tag that has to be read (the distribution API reads one
    reference per request), plus the PUT. These counts are lower bounds, not slack."""
    client, _ = counting
    image = push_image(client, repo, "sha-abcdef1", "v1.0.0-rc.1", created=ago(1))
    promotion = Promotion(client, repo, actor="ci")

    def run(action: Callable[[], PromotionRecord]) -> list[str]:
        return _sequence(counting, registry_server, repo, action)

    assert run(lambda: promotion.promote("v1.0.0-rc.1", to="testing")) == [
        "HEAD testing",
        "GET v1.0.0-rc.1",
        "PUT testing",
    ]
    # No staging tag in this repository: staging is probed (404), then testing is checked.
    assert run(lambda: promotion.promote(image.digest, to="prod")) == [
        "HEAD prod",
        "GET staging",
        "GET testing",
        "PUT prod",
    ]
    assert run(lambda: promotion.promote("sha-abcdef1", to="blue")) == [
        "HEAD blue",
        "GET sha-abcdef1",
        "HEAD staging",
        "HEAD testing",
        "PUT blue",
    ]
    assert run(lambda: promotion.promote_environment("testing", "green")) == [
        "HEAD green",
        "GET testing",
        "HEAD staging",
        "PUT green",
    ]
    # With staging in use, a tag source needs its own read besides the predecessor's.
    second = push_image(client, repo, "sha-2222222", created=ago(1))
    promotion.promote(second.digest, to="testing")
    assert run(lambda: promotion.promote("sha-2222222", to="staging")) == [
        "HEAD staging",
        "GET sha-2222222",
        "HEAD testing",
        "PUT staging",
    ]
    # A repeat with a tag source is a no-op after reading the target and the tag.
    assert run(lambda: promotion.promote("sha-2222222", to="staging")) == [
        "HEAD staging",
        "GET sha-2222222",
    ]
    for tag in ("prod", "blue", "green"):
        assert client.resolve(repo, tag) == image.digest
    for tag in ("testing", "staging"):
        assert client.resolve(repo, tag) == second.digest


def test_a_repository_declared_without_staging_promotes_in_three_requests(
    counting: tuple[RegistryClient, CountingTransport], registry_server: RegistryServer, repo: str
) -> None:
    """Declaring environments=("testing", "prod") removes the staging probe: the rows
    that cost 4 only to find staging absent cost 3."""
    client, _ = counting
    image = push_image(client, repo, "sha-abcdef1", created=ago(1))
    promotion = Promotion(client, repo, actor="ci", environments=("testing", "prod"))

    def run(action: Callable[[], PromotionRecord]) -> list[str]:
        return _sequence(counting, registry_server, repo, action)

    assert run(lambda: promotion.promote(image.digest, to="testing")) == [
        "HEAD testing",
        f"GET {image.digest}",
        "PUT testing",
    ]
    assert run(lambda: promotion.promote(image.digest, to="prod")) == [
        "HEAD prod",
        "GET testing",
        "PUT prod",
    ]
    assert run(lambda: promotion.promote_environment("testing", "blue")) == [
        "HEAD blue",
        "GET testing",
        "PUT blue",
    ]
    # A tag source still reads the tag besides its predecessor: 4, without the staging probe.
    assert run(lambda: promotion.promote("sha-abcdef1", to="green")) == [
        "HEAD green",
        "GET sha-abcdef1",
        "HEAD testing",
        "PUT green",
    ]
    for tag in ("testing", "prod", "blue", "green"):
        assert client.resolve(repo, tag) == image.digest


@pytest.mark.parametrize(
    ("docker", "multi", "media_type"),
    [
        (False, False, OCI_MANIFEST),
        (True, False, DOCKER_MANIFEST_V2),
        (False, True, OCI_INDEX),
        (True, True, DOCKER_MANIFEST_LIST),
    ],
    ids=["oci", "docker-v2", "oci-index", "docker-list"],
)
def test_promotion_keeps_the_exact_bytes_and_media_type(
    registry: RegistryClient, repo: str, docker: bool, multi: bool, media_type: str
) -> None:
    if multi:
        children = [
            push_image(registry, repo, created=ago(1), docker=docker, platform=p)
            for p in ("linux/amd64", "linux/arm64")
        ]
        image = push_index(registry, repo, children, "v2.0.0", docker=docker)
    else:
        image = push_image(registry, repo, "v2.0.0", created=ago(1), docker=docker)
    promotion = Promotion(registry, repo)
    promotion.promote("v2.0.0", to="testing")
    promotion.promote(image.digest, to="prod")  # staging unused here: testing -> prod

    for tag in ("testing", "prod"):
        fetched = registry.get_manifest(repo, tag)
        assert fetched.content == image.content
        assert fetched.media_type == media_type
    assert registry.resolve(repo, "prod") == image.digest


def test_blue_green_on_a_real_registry(registry: RegistryClient, repo: str) -> None:
    promotion = Promotion(registry, repo)
    v1 = push_image(registry, repo, "v1.0.0", created=ago(2))
    v2 = push_image(registry, repo, "v1.1.0", created=ago(1))
    promotion.deploy_to_idle_slot(v1.digest, force=True)
    promotion.switch("blue")
    promotion.deploy_to_idle_slot(v2.digest, force=True)
    promotion.switch("green")
    state = promotion.slots()
    assert (state.active, state.blue, state.green, state.prod) == (
        "green",
        v1.digest,
        v2.digest,
        v2.digest,
    )
    back = promotion.switch("blue")
    assert (back.digest_before, back.digest_after) == (v2.digest, v1.digest)
    assert registry.resolve(repo, "green") == v2.digest


# -- retention ------------------------------------------------------------------------------


def _populate(target: ImageRegistry, repo: str) -> dict[str, Manifest]:
    stale_a = push_image(target, repo, "sha-a000001", created=ago(40), created_in="config")
    stale_b = push_image(target, repo, "sha-b000002", created=ago(41))
    push_signature(target, repo, stale_b)
    fresh = push_image(target, repo, "sha-c000003", created=ago(1), docker=True)
    live = push_image(target, repo, "sha-d000004", "prod", created=ago(90))
    released = push_image(target, repo, "v1.0.0", created=ago(300))
    amd = push_image(target, repo, "sha-e000005", created=ago(60))
    arm = push_image(target, repo, created=ago(60), platform="linux/arm64")
    index = push_index(target, repo, [amd, arm], "v1.1.0")
    for n in range(1, 5):
        push_image(target, repo, f"v1.2.0-rc.{n}", created=ago(100 - n))
    return {
        "stale_a": stale_a,
        "stale_b": stale_b,
        "fresh": fresh,
        "live": live,
        "released": released,
        "index": index,
    }


@pytest.fixture(params=["docker-registry", "oci-layout"])
def backend(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[ImageRegistry]:
    if request.param == "docker-registry":
        server: RegistryServer = request.getfixturevalue("registry_server")
        with RegistryClient(server.url) as client:
            yield client
    else:
        layout = OCILayout(tmp_path / "layouts", gc_grace=0)
        yield layout
        layout.close()


def test_retention_plan_apply_and_a_digest_moved_in_between(
    backend: ImageRegistry, repo: str
) -> None:
    images = _populate(backend, repo)
    stale_a, stale_b = images["stale_a"], images["stale_b"]
    plan = RetentionPolicy().plan(backend, repo, concurrency=4)

    sig = f"sha256-{stale_b.digest.hex}.sig"
    assert set(plan.to_delete) == {"sha-a000001", "sha-b000002", sig, "v1.2.0-rc.1"}
    assert "kept index v1.1.0" in plan.decision("sha-e000005").reason
    assert "kept with its digest, which is tagged prod" in plan.decision("sha-d000004").reason
    assert plan == RetentionPolicy().plan(backend, repo, now=plan.now, concurrency=1)

    # Someone promotes the stale image to prod between plan and apply.
    backend.put_manifest(repo, "prod", stale_a)
    progress: list[tuple[int, int]] = []
    result = plan.apply(backend, progress=lambda done, total, _: progress.append((done, total)))

    assert progress == [(i, 4) for i in range(1, 5)]
    assert result.ok
    assert [o.tags for o in result.skipped] == [("sha-a000001",)]
    assert "prod" in result.skipped[0].reason
    assert set(result.deleted_tags) == {"sha-b000002", sig, "v1.2.0-rc.1"}
    tags = backend.list_tags(repo)
    assert "sha-a000001" in tags
    assert backend.resolve(repo, "prod") == stale_a.digest
    assert not set(result.deleted_tags) & set(tags)
    for kept in ("v1.0.0", "v1.1.0", "sha-e000005", "sha-c000003", "v1.2.0-rc.4"):
        assert kept in tags
    index = images["index"]
    for child in index.child_digests:
        assert backend.resolve(repo, str(child)) == child


def test_a_warm_blob_cache_leaves_only_the_tag_reads_on_the_wire(
    registry_server: RegistryServer,
    counting: tuple[RegistryClient, CountingTransport],
    repo: str,
    tmp_path: Path,
) -> None:
    client, transport = counting
    _populate(client, repo)
    policy = RetentionPolicy()

    transport.sent.clear()
    first = policy.plan(client, repo, cache=BlobCache(tmp_path / "cache"), concurrency=4)
    tags = len(first.decisions)
    cold = list(transport.sent)
    configs = [line for line in cold if "/blobs/" in line]
    assert configs, "the repository has images whose age is only in the config"
    assert len(cold) == 1 + tags + len(configs) + sum("/manifests/sha256:" in x for x in cold)

    transport.sent.clear()
    again = policy.plan(client, repo, now=first.now, cache=BlobCache(tmp_path / "cache"))
    assert again == first
    assert not [line for line in transport.sent if "/blobs/" in line]
    assert len(transport.sent) == len(cold) - len(configs)
    # The plan's own account of its reads matches the wire.
    assert first.reads.registry_reads == len(cold)
    assert (again.reads.configs, again.reads.configs_cached) == (0, len(configs))
    assert again.reads.registry_reads == len(transport.sent)

    # The registry's own log agrees: every config GET it served came from the first plan.
    def config_gets() -> int:
        logged = _logged(registry_server, repo)
        return sum(line.startswith("GET ") and "/blobs/" in line for line in logged)

    deadline = time.monotonic() + 5  # the access log is written asynchronously
    while config_gets() < len(configs) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert config_gets() == len(configs)
