"""Promotion, release() and retention apply with a DeploymentLock (issue 17).

"Another pipeline" is a second DeploymentLock on the same state file, as a second
process would have; fake clocks drive lease expiry. The Redis backend and real
concurrent processes are in tests/integration/test_deployment_locks.py.
"""

from __future__ import annotations

import asyncio
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest

from mosaic_sdk import AsyncDeploymentLock, DeploymentLock, Promotion, RetentionPolicy
from mosaic_sdk.errors import InvalidValueError, LockHeldError, StaleLeaseError
from mosaic_sdk.registry import Manifest
from mosaic_sdk.release import (
    AsyncPromotion,
    PostDeployValidation,
    ReleaseOutcome,
    Verdict,
    release,
)
from mosaic_sdk.testing import InMemoryRegistry, push_image
from mosaic_sdk.values import Digest
from tests._support.release_fakes import Scripted, World

REPO = "team/app"
NOW = datetime(2026, 6, 1, tzinfo=timezone.utc)


class Clock:
    def __init__(self) -> None:
        self.now = 1_800_000_000.0

    def __call__(self) -> float:
        return self.now


def _locks(
    tmp_path: Path, clock: Clock, ttl: float = 60.0
) -> tuple[DeploymentLock, DeploymentLock]:
    ours = DeploymentLock.file(tmp_path / "locks", ttl=ttl, label="ours", wall_clock=clock)
    theirs = DeploymentLock.file(tmp_path / "locks", ttl=ttl, label="theirs", wall_clock=clock)
    return ours, theirs


class ProbingRegistry(InMemoryRegistry):
    """Calls ``probe(reference)`` whenever a manifest is written."""

    def __init__(self) -> None:
        super().__init__()
        self.probe = lambda reference: None
        self.puts: list[str] = []

    def put_manifest(self, repository: str, reference: str, manifest: Manifest) -> Digest:
        self.puts.append(reference)
        self.probe(reference)
        return super().put_manifest(repository, reference, manifest)


def test_promotion_holds_the_environment_key_while_it_writes(tmp_path: Path) -> None:
    ours, theirs = _locks(tmp_path, Clock())
    registry = ProbingRegistry()
    image = push_image(registry, REPO, "v1.0.0-rc.1")
    seen: list[str] = []

    def probe(reference: str) -> None:
        with pytest.raises(LockHeldError) as caught:
            theirs.acquire(f"{REPO}:{reference}")
        seen.append(caught.value.holder)

    registry.probe = probe
    Promotion(registry, REPO, lock=ours).promote(image.digest, to="testing")
    assert len(seen) == 1
    assert seen[0].startswith("ours@")
    theirs.acquire(f"{REPO}:testing")  # released afterwards


def test_a_held_environment_refuses_the_promotion_and_writes_nothing(tmp_path: Path) -> None:
    ours, theirs = _locks(tmp_path, Clock())
    registry = ProbingRegistry()
    image = push_image(registry, REPO, "v1.0.0-rc.1")
    theirs.acquire(f"{REPO}:testing")
    pushed = list(registry.puts)
    with pytest.raises(LockHeldError, match="theirs@"):
        Promotion(registry, REPO, lock=ours).promote(image.digest, to="testing")
    assert registry.puts == pushed
    # Another environment is another key.
    assert ours.release(ours.acquire(f"{REPO}:prod"))


def test_a_promotion_whose_lease_was_taken_over_writes_nothing(tmp_path: Path) -> None:
    clock = Clock()
    ours, theirs = _locks(tmp_path, clock, ttl=10.0)
    registry = ProbingRegistry()
    image = push_image(registry, REPO, "v1.0.0-rc.1")
    promotion = Promotion(registry, REPO, lock=ours)
    pushed = list(registry.puts)
    with ours.hold(f"{REPO}:testing") as lease:
        clock.now += 11  # this pipeline stalled past its lease...
        newer = theirs.acquire(f"{REPO}:testing")  # ...and another one took the key
        with pytest.raises(StaleLeaseError) as caught:
            promotion.promote(image.digest, to="testing")
    assert (caught.value.token, caught.value.current) == (lease.token, newer.token)
    assert registry.puts == pushed
    assert promotion.current("testing") is None


def test_deploy_to_idle_slot_holds_both_slots(tmp_path: Path) -> None:
    ours, theirs = _locks(tmp_path, Clock())
    registry = ProbingRegistry()
    image = push_image(registry, REPO, "v1.0.0-rc.1")
    promotion = Promotion(registry, REPO, lock=ours)
    held: list[bool] = []

    def probe(reference: str) -> None:
        for slot in ("blue", "green"):
            try:
                theirs.release(theirs.acquire(f"{REPO}:{slot}"))
                held.append(False)
            except LockHeldError:
                held.append(True)

    registry.probe = probe
    promotion.deploy_to_idle_slot(image.digest, force=True)
    assert held == [True, True]


def test_the_async_promotion_takes_an_async_lock(tmp_path: Path) -> None:
    from mosaic_sdk.testing import InMemoryRegistry as Memory

    registry = Memory()
    image = push_image(registry, REPO, "v1.0.0-rc.1")
    from mosaic_sdk.registry import as_async_registry

    async def main() -> Digest | None:
        lock = AsyncDeploymentLock.file(tmp_path / "locks")
        promotion = AsyncPromotion(as_async_registry(registry), REPO, lock=lock)
        await promotion.promote(image.digest, to="testing")
        blocker = await lock.acquire(f"{REPO}:testing")
        with pytest.raises(LockHeldError):
            await AsyncPromotion(
                as_async_registry(registry), REPO, lock=AsyncDeploymentLock.file(tmp_path / "locks")
            ).promote(image.digest, to="testing")
        await lock.release(blocker)
        return await promotion.current("testing")

    assert asyncio.run(main()) == image.digest


@pytest.mark.parametrize("lock", [object(), DeploymentLock()])
def test_a_lock_of_the_wrong_kind_is_a_typed_error(lock: object) -> None:
    from mosaic_sdk.registry import as_async_registry

    if isinstance(lock, DeploymentLock):
        with pytest.raises(InvalidValueError, match="AsyncDeploymentLock"):
            AsyncPromotion(as_async_registry(InMemoryRegistry()), REPO, lock=lock)  # type: ignore[arg-type]
    else:
        with pytest.raises(InvalidValueError, match="DeploymentLock"):
            Promotion(InMemoryRegistry(), REPO, lock=lock)  # type: ignore[arg-type]


# -- retention --------------------------------------------------------------------------


def _retention_registry() -> InMemoryRegistry:
    registry = InMemoryRegistry()
    for n in range(3):
        push_image(
            registry, REPO, f"sha-{n}aaaaaa", created=NOW - timedelta(days=40 + n), seed=f"o{n}"
        )
    push_image(registry, REPO, "prod", "v1.0.0", created=NOW - timedelta(days=90), seed="p")
    return registry


def test_retention_waits_for_no_one_and_deletes_nothing_while_a_promotion_runs(
    tmp_path: Path,
) -> None:
    ours, theirs = _locks(tmp_path, Clock())
    registry = _retention_registry()
    plan = RetentionPolicy().plan(registry, REPO, now=NOW)
    assert len(plan.deletions) == 3
    promotion_lease = theirs.acquire(f"{REPO}:staging")
    with pytest.raises(LockHeldError, match="staging"):
        plan.apply(registry, lock=ours)
    assert len(registry.list_tags(REPO)) == 5
    theirs.release(promotion_lease)
    result = plan.apply(registry, lock=ours)
    assert len(result.deleted) == 3
    # Every key was given back: a promotion can run now.
    theirs.acquire(f"{REPO}:prod")


def test_retention_holds_every_environment_while_it_deletes(tmp_path: Path) -> None:
    ours, theirs = _locks(tmp_path, Clock())
    registry = _retention_registry()
    plan = RetentionPolicy().plan(registry, REPO, now=NOW)
    held: list[str] = []
    original = registry.delete_manifest

    def delete(repository: str, digest: Digest) -> None:
        for env in ("testing", "staging", "prod", "blue", "green"):
            with pytest.raises(LockHeldError):
                theirs.acquire(f"{REPO}:{env}")
            held.append(env)
        original(repository, digest)

    registry.delete_manifest = delete  # type: ignore[method-assign]
    assert len(plan.apply(registry, lock=ours).deleted) == 3
    assert len(held) == 15


def test_retention_stops_when_its_lease_is_lost(tmp_path: Path) -> None:
    clock = Clock()
    ours, theirs = _locks(tmp_path, clock, ttl=10.0)
    registry = _retention_registry()
    plan = RetentionPolicy().plan(registry, REPO, now=NOW)
    original = registry.delete_manifest
    calls: list[Digest] = []

    def delete(repository: str, digest: Digest) -> None:
        calls.append(digest)
        original(repository, digest)
        clock.now += 11  # the run stalls past its leases; a promotion takes prod
        theirs.acquire(f"{REPO}:prod")

    registry.delete_manifest = delete  # type: ignore[method-assign]
    result = plan.apply(registry, lock=ours)
    assert len(calls) == 1
    assert len(result.deleted) == 1
    assert [o.status for o in result.skipped] == ["skipped", "skipped"]
    assert "no longer held" in result.skipped[0].reason


# -- release() --------------------------------------------------------------------------


def test_two_releases_of_one_service_cannot_run_at_once(tmp_path: Path) -> None:
    world = World(tmp_path)
    image = world.to_testing("good1")
    ours, theirs = _locks(tmp_path, Clock())
    other_release = theirs.acquire(f"{world.promotion.repository}:prod")
    kwargs = {
        "validation": PostDeployValidation([Scripted(Verdict.PASSED)]),
        "promotion": world.promotion,
        "slots": world.slots,
        "base_url": {"blue": "http://blue.test", "green": "http://green.test"},
    }
    with pytest.raises(LockHeldError, match="theirs@"):
        release(image, lock=ours, **kwargs)  # type: ignore[arg-type]
    assert "prod" not in world.registry.list_tags(world.promotion.repository)
    assert world.slots["blue"].running().digest is None
    theirs.release(other_release)
    result = release(image, lock=ours, **kwargs)  # type: ignore[arg-type]
    assert result.outcome is ReleaseOutcome.RELEASED
    for key in ("prod", "blue", "green"):
        theirs.release(theirs.acquire(f"{world.promotion.repository}:{key}"))
