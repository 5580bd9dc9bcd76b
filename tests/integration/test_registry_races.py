"""Retention and promotion when something changes at the worst moment, on docker-registry.

Each race is landed deterministically: a hook of the fault proxy (or apply's progress
callback) makes the concurrent change at the exact instant between the SDK's last check
and its write - no sleeps. Scripted faults lose the answer of a request that landed.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from datetime import datetime, timedelta, timezone

import pytest

from mosaic_sdk import Promotion, RetentionPolicy, RetryPolicy
from mosaic_sdk.errors import PromotionError
from mosaic_sdk.registry import Manifest, RegistryClient
from mosaic_sdk.testing import push_image, push_index, push_signature
from tests._support.fault_proxy import Fault, FaultProxy
from tests._support.servers import RegistryServer

pytestmark = pytest.mark.integration

NOW = datetime.now(timezone.utc)
#: Quick retries with real attempt counts; waits capped so the tests stay fast.
FAST = RetryPolicy(
    max_retries=3,
    initial_delay=0.01,
    max_delay=0.05,
    jitter=0.0,
    max_retry_after=2.0,
    sleep=lambda seconds: time.sleep(min(seconds, 0.05)),
)


def ago(days: float) -> datetime:
    return NOW - timedelta(days=days)


@pytest.fixture
def proxy(registry_server: RegistryServer) -> Iterator[FaultProxy]:
    with FaultProxy(registry_server.url) as running:
        yield running


@pytest.fixture
def faulty(proxy: FaultProxy) -> Iterator[RegistryClient]:
    """A client that talks to the registry through the fault proxy."""
    with RegistryClient(proxy.url, timeout=0.5, retry=FAST) as client:
        yield client


def _exists(registry: RegistryClient, repo: str, digest: Manifest) -> bool:
    return registry.exists(repo, str(digest.digest))


def _old_and_new_index(direct: RegistryClient, repo: str) -> tuple[Manifest, Manifest, Manifest]:
    """prod -> a fresh index; an old index whose amd64 image is tagged (both deletable)."""
    amd_old = push_image(direct, repo, "sha-a1a1a1a", created=ago(60))
    arm_old = push_image(direct, repo, created=ago(60), platform="linux/arm64")
    old = push_index(direct, repo, [amd_old, arm_old], "sha-0101010")
    amd_new = push_image(direct, repo, created=ago(1))
    arm_new = push_image(direct, repo, created=ago(1), platform="linux/arm64")
    new = push_index(direct, repo, [amd_new, arm_new], "sha-2222222", "prod")
    return old, amd_old, new


# -- item 1: the re-check protects what the current pointers reference -----------------


def test_a_rollback_to_an_old_index_before_apply_keeps_its_platform_images(
    registry: RegistryClient, repo: str
) -> None:
    old, amd_old, _ = _old_and_new_index(registry, repo)
    plan = RetentionPolicy().plan(registry, repo)
    assert set(plan.to_delete) == {"sha-0101010", "sha-a1a1a1a"}

    registry.put_manifest(repo, "prod", old)  # rollback to the old index
    result = plan.apply(registry)

    assert result.deleted == ()
    assert registry.resolve(repo, "prod") == old.digest
    assert _exists(registry, repo, amd_old), "prod names an index whose amd64 image is gone"
    child = next(o for o in result.skipped if o.digest == amd_old.digest)
    assert "prod" in child.reason
    assert "index" in child.reason


def test_a_rollback_during_apply_keeps_the_children_of_the_index_prod_now_names(
    registry: RegistryClient, repo: str
) -> None:
    old, amd_old, _ = _old_and_new_index(registry, repo)
    plan = RetentionPolicy().plan(registry, repo)
    assert [d.digest for d in plan.deletions] == [old.digest, amd_old.digest]

    def rollback(done: int, total: int, outcome: object) -> None:
        if done == 1:  # the index is gone; someone rolls prod back to its bytes
            registry.put_manifest(repo, "prod", old)

    result = plan.apply(registry, progress=rollback)

    assert result.deleted_digests == (old.digest,)
    assert registry.resolve(repo, "prod") == old.digest
    assert _exists(registry, repo, amd_old)
    assert "prod" in result.skipped[0].reason


def test_a_rollback_keeps_the_signature_of_the_image_prod_now_names(
    registry: RegistryClient, repo: str
) -> None:
    stale = push_image(registry, repo, "sha-5a1e000", created=ago(60))
    signature = push_signature(registry, repo, stale)
    push_image(registry, repo, "sha-f7e5000", "prod", created=ago(1))
    plan = RetentionPolicy().plan(registry, repo)
    assert {d.digest for d in plan.deletions} == {stale.digest, signature.digest}

    registry.put_manifest(repo, "prod", stale)
    result = plan.apply(registry)

    assert result.deleted == ()
    assert _exists(registry, repo, signature)
    assert registry.resolve(repo, f"sha256-{stale.digest.hex}.sig") == signature.digest


# -- item 2: a promotion that lands between the last check and the DELETE ---------------


def test_a_promotion_landing_right_before_the_delete_is_put_back_and_reported(
    registry: RegistryClient, faulty: RegistryClient, proxy: FaultProxy, repo: str
) -> None:
    stale = push_image(registry, repo, "sha-5a1e000", created=ago(60))
    live = push_image(registry, repo, "sha-f7e5000", "prod", created=ago(1))
    plan = RetentionPolicy().plan(faulty, repo)
    assert [d.digest for d in plan.deletions] == [stale.digest]

    # The promotion lands after apply's last check, right before its DELETE.
    proxy.on("DELETE", str(stale.digest), lambda *_: registry.put_manifest(repo, "prod", stale))
    result = plan.apply(faulty)

    assert registry.resolve(repo, "prod") == stale.digest, "prod was deleted with the digest"
    assert registry.get_manifest(repo, "prod").content == stale.content
    (outcome,) = result.outcomes
    assert outcome.status == "deleted"
    assert [(r.reference, r.digest, r.ok) for r in outcome.restorations] == [
        ("prod", stale.digest, True)
    ]
    assert result.restored == outcome.restorations
    assert "put back" in str(result)
    assert live.digest != stale.digest


def test_an_index_promoted_right_before_its_child_is_deleted_gets_the_child_back(
    registry: RegistryClient, faulty: RegistryClient, proxy: FaultProxy, repo: str
) -> None:
    stale = push_image(registry, repo, "sha-5a1e000", created=ago(60))
    push_image(registry, repo, "sha-f7e5000", "prod", created=ago(1))
    arm = push_image(registry, repo, created=ago(1), platform="linux/arm64")
    plan = RetentionPolicy().plan(faulty, repo)
    assert [d.digest for d in plan.deletions] == [stale.digest]

    pushed: list[Manifest] = []

    def promote_an_index_over_it(*_: object) -> None:
        pushed.append(push_index(registry, repo, [stale, arm], "prod"))

    proxy.on("DELETE", str(stale.digest), promote_an_index_over_it)
    result = plan.apply(faulty)

    assert registry.resolve(repo, "prod") == pushed[0].digest
    assert _exists(registry, repo, stale), "prod names an index whose amd64 image is gone"
    (restoration,) = result.restored
    assert (restoration.reference, restoration.ok) == (str(stale.digest), True)


# -- item 3: a DELETE that landed but whose answer was lost ------------------------------


@pytest.mark.parametrize(
    "fault",
    [Fault.reset_after(), Fault.truncate(), Fault.answer(502, forwarded=True), Fault.delayed(0.8)],
    ids=["reset", "truncated", "502-after", "timeout"],
)
def test_a_delete_whose_answer_was_lost_counts_as_deleted(
    registry: RegistryClient, faulty: RegistryClient, proxy: FaultProxy, repo: str, fault: Fault
) -> None:
    stale = push_image(registry, repo, "sha-5a1e000", created=ago(60))
    push_image(registry, repo, "sha-f7e5000", "prod", created=ago(1))
    plan = RetentionPolicy().plan(faulty, repo)

    proxy.fail("DELETE", str(stale.digest), fault)
    result = plan.apply(faulty)

    assert not _exists(registry, repo, stale)
    assert result.deleted_digests == (stale.digest,), result.outcomes
    assert result.deleted_tags == ("sha-5a1e000",)


def test_a_delete_that_did_not_land_is_checked_again_and_retried(
    registry: RegistryClient, faulty: RegistryClient, proxy: FaultProxy, repo: str
) -> None:
    stale = push_image(registry, repo, "sha-5a1e000", created=ago(60))
    push_image(registry, repo, "sha-f7e5000", "prod", created=ago(1))
    plan = RetentionPolicy().plan(faulty, repo)

    proxy.fail("DELETE", str(stale.digest), Fault.reset())
    result = plan.apply(faulty)

    assert result.deleted_digests == (stale.digest,)
    assert not _exists(registry, repo, stale)
    assert sum(method == "DELETE" for method, _ in proxy.seen) == 2


# -- items 4 and 5: a pointer PUT whose answer was lost -----------------------------------


def _two_images(registry: RegistryClient, repo: str) -> tuple[Manifest, Manifest]:
    first = push_image(registry, repo, "sha-1111111", created=ago(1))
    second = push_image(registry, repo, "sha-2222222", created=ago(1))
    return first, second


def test_a_lost_put_answer_is_not_retried_over_a_newer_promotion(
    registry: RegistryClient, faulty: RegistryClient, proxy: FaultProxy, repo: str
) -> None:
    first, second = _two_images(registry, repo)
    proxy.fail("PUT", "/manifests/prod", Fault.reset_after())
    # Someone promotes the second image while our PUT's answer is on its way (lost).
    proxy.on(
        "PUT", "/manifests/prod", lambda *_: registry.put_manifest(repo, "prod", second), after=True
    )

    with pytest.raises(PromotionError) as caught:
        Promotion(faulty, repo).promote(first.digest, to="prod", force=True)

    assert registry.resolve(repo, "prod") == second.digest, "the newer promotion was reverted"
    assert str(second.digest) in str(caught.value)
    assert sum(m == "PUT" and "/prod" in p for m, p in proxy.seen) == 1


def test_a_put_that_timed_out_is_read_back_before_anything_is_sent_again(
    registry: RegistryClient, faulty: RegistryClient, proxy: FaultProxy, repo: str
) -> None:
    first, _ = _two_images(registry, repo)
    proxy.fail("PUT", "/manifests/prod", Fault.delayed(0.8))

    record = Promotion(faulty, repo).promote(first.digest, to="prod", force=True)

    assert record.digest_after == first.digest
    assert not record.noop
    assert registry.resolve(repo, "prod") == first.digest
    assert sum(m == "PUT" and "/prod" in p for m, p in proxy.seen) == 1


def test_a_put_that_did_not_land_is_sent_again_once_the_pointer_is_read_back_unchanged(
    registry: RegistryClient, faulty: RegistryClient, proxy: FaultProxy, repo: str
) -> None:
    first, _ = _two_images(registry, repo)
    proxy.fail("PUT", "/manifests/prod", Fault.answer(503, "0"), times=2)

    record = Promotion(faulty, repo).promote(first.digest, to="prod", force=True)

    assert record.digest_after == first.digest
    assert registry.resolve(repo, "prod") == first.digest


def test_a_promotion_whose_put_landed_but_every_answer_was_lost_succeeds(
    registry: RegistryClient, faulty: RegistryClient, proxy: FaultProxy, repo: str
) -> None:
    first, _ = _two_images(registry, repo)
    proxy.fail("PUT", "/manifests/prod", Fault.truncate(), times=10)

    record = Promotion(faulty, repo).promote(first.digest, to="prod", force=True)

    assert record.digest_after == first.digest
    assert registry.resolve(repo, "prod") == first.digest


def test_a_promotion_that_cannot_read_its_pointer_back_says_it_may_have_moved(
    registry: RegistryClient, faulty: RegistryClient, proxy: FaultProxy, repo: str
) -> None:
    first, _ = _two_images(registry, repo)
    promotion = Promotion(faulty, repo)
    plan = promotion.plan_promotion(first.digest, to="prod", force=True)
    proxy.fail("PUT", "/manifests/prod", Fault.reset_after())
    proxy.fail("HEAD", "/manifests/prod", Fault.answer(503, "0"), times=100)

    with pytest.raises(PromotionError) as caught:
        promotion.apply(plan)

    assert registry.resolve(repo, "prod") == first.digest
    message = str(caught.value)
    assert str(first.digest) in message
    assert "may have moved" in message


def test_a_failed_read_back_after_a_verified_put_names_the_digest_written(
    registry: RegistryClient, faulty: RegistryClient, proxy: FaultProxy, repo: str
) -> None:
    first, _ = _two_images(registry, repo)
    promotion = Promotion(faulty, repo, verify="resolve")
    plan = promotion.plan_promotion(first.digest, to="prod", force=True)
    proxy.fail("HEAD", "/manifests/prod", Fault.answer(503, "0"), times=100)

    with pytest.raises(PromotionError) as caught:
        promotion.apply(plan)

    assert registry.resolve(repo, "prod") == first.digest
    assert str(first.digest) in str(caught.value)
    assert caught.value.completed_steps == ("PUT prod",)


def test_an_image_whose_signature_could_not_be_deleted_is_kept_so_a_rerun_converges(
    registry: RegistryClient, faulty: RegistryClient, proxy: FaultProxy, repo: str
) -> None:
    stale = push_image(registry, repo, "sha-5a1e000", created=ago(60))
    signature = push_signature(registry, repo, stale)
    push_image(registry, repo, "sha-f7e5000", "prod", created=ago(1))
    plan = RetentionPolicy().plan(faulty, repo)

    proxy.fail("DELETE", str(signature.digest), Fault.answer(500), times=3)
    result = plan.apply(faulty)

    assert [o.status for o in result.outcomes] == ["failed", "skipped"]
    assert _exists(registry, repo, stale), "the signature would be left orphaned"
    again = RetentionPolicy().plan(registry, repo).apply(registry)
    assert set(again.deleted_digests) == {signature.digest, stale.digest}
