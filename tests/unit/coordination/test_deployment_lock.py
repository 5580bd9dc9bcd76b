"""DeploymentLock on the in-process and file backends: leases, expiry, fencing.

Fake clocks drive expiry, so nothing sleeps; the Redis backend and real concurrent
processes are in tests/integration/test_deployment_locks.py.
"""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Callable
from pathlib import Path

import pytest

from mosaic_sdk import AsyncDeploymentLock, DeploymentLock, Lease
from mosaic_sdk.errors import (
    CoordinationUnavailableError,
    InvalidValueError,
    LockHeldError,
    StaleLeaseError,
)


class FakeClock:
    def __init__(self) -> None:
        self.now = 1_800_000_000.0

    def __call__(self) -> float:
        return self.now


Factory = Callable[[FakeClock, Path], DeploymentLock]

BACKENDS: dict[str, Factory] = {
    "memory": lambda clock, tmp: DeploymentLock(ttl=10.0, label="ci-1", clock=clock),
    "file": lambda clock, tmp: DeploymentLock.file(
        tmp / "deploy.locks", ttl=10.0, label="ci-1", wall_clock=clock
    ),
}


@pytest.fixture(params=sorted(BACKENDS))
def make(request: pytest.FixtureRequest, tmp_path: Path) -> Callable[[], DeploymentLock]:
    clock = FakeClock()
    factory = BACKENDS[request.param]
    shared = factory(clock, tmp_path)

    def new() -> DeploymentLock:
        # Memory: one instance is the process's lock; file: every instance shares the file.
        return shared if request.param == "memory" else factory(clock, tmp_path)

    new.clock = clock  # type: ignore[attr-defined]
    return new


def test_a_held_key_is_refused_naming_the_holder(make: Callable[[], DeploymentLock]) -> None:
    first, second = make(), make()
    lease = first.acquire("team/app:prod")
    assert isinstance(lease, Lease)
    assert lease.holder.startswith("ci-1@")
    with pytest.raises(LockHeldError) as caught:
        second.acquire("team/app:prod")
    assert caught.value.key == "team/app:prod"
    assert caught.value.holder == lease.holder
    assert caught.value.expires_in == pytest.approx(10.0)
    assert lease.holder in str(caught.value)
    # Another environment of the same repository is another key.
    assert second.acquire("team/app:staging").token == 1


def test_tokens_grow_with_every_acquisition(make: Callable[[], DeploymentLock]) -> None:
    lock = make()
    tokens = []
    for _ in range(4):
        lease = lock.acquire("team/app:prod")
        tokens.append(lease.token)
        assert lock.release(lease) is True
    assert tokens == sorted(set(tokens))
    assert len(tokens) == 4


def test_an_expired_lease_frees_the_key_and_its_holder_is_refused(
    make: Callable[[], DeploymentLock],
) -> None:
    crashed, other = make(), make()
    old = crashed.acquire("team/app:prod")
    make.clock.now += 10.5  # type: ignore[attr-defined]
    new = other.acquire("team/app:prod")
    assert new.token > old.token
    with pytest.raises(StaleLeaseError) as caught:
        crashed.renew(old)
    assert (caught.value.token, caught.value.current) == (old.token, new.token)
    assert crashed.release(old) is False
    other.renew(new)  # the new holder is untouched
    with pytest.raises(LockHeldError):
        crashed.acquire("team/app:prod")


def test_renew_extends_and_an_expired_untaken_lease_renews(
    make: Callable[[], DeploymentLock],
) -> None:
    lock, other = make(), make()
    lease = lock.acquire("team/app:prod")
    make.clock.now += 8  # type: ignore[attr-defined]
    assert lock.renew(lease) == lease
    make.clock.now += 8  # 16 s after acquiring, 8 after renewing: still held
    with pytest.raises(LockHeldError):
        other.acquire("team/app:prod")
    make.clock.now += 30  # expired, but nobody took the key: no newer token exists
    lock.renew(lease)
    with pytest.raises(LockHeldError):
        other.acquire("team/app:prod")


def test_a_released_lease_cannot_be_renewed(make: Callable[[], DeploymentLock]) -> None:
    lock = make()
    lease = lock.acquire("team/app:prod")
    lock.release(lease)
    with pytest.raises(StaleLeaseError, match="released"):
        lock.renew(lease)


def test_hold_is_reentrant_and_releases_on_the_way_out(
    make: Callable[[], DeploymentLock],
) -> None:
    lock, other = make(), make()
    with lock.hold("team/app:prod") as outer:
        with lock.hold("team/app:prod") as inner:
            assert inner is outer
        assert lock.held("team/app:prod") is outer
        with pytest.raises(LockHeldError):
            other.acquire("team/app:prod")
    assert lock.held("team/app:prod") is None
    assert other.acquire("team/app:prod").token > outer.token


def test_hold_releases_when_the_body_fails(make: Callable[[], DeploymentLock]) -> None:
    lock, other = make(), make()
    with pytest.raises(RuntimeError), lock.hold("team/app:prod"):
        raise RuntimeError("deploy failed")
    other.acquire("team/app:prod")


def test_hold_all_takes_every_key_or_none(make: Callable[[], DeploymentLock]) -> None:
    lock, other = make(), make()
    blocker = other.acquire("team/app:prod")
    with pytest.raises(LockHeldError), lock.hold_all(["team/app:testing", "team/app:prod"]):
        pass  # pragma: no cover - never entered
    # testing was taken first (sorted order) and given back when prod was refused.
    assert other.acquire("team/app:testing").token >= 1
    other.release(blocker)
    keys = ["team/app:staging", "team/app:blue"]
    with lock.hold_all(keys) as leases:
        assert [lease.key for lease in leases] == keys


def test_wait_queues_behind_a_holder_that_releases() -> None:
    lock = DeploymentLock(ttl=30.0, wait=5.0)
    first = lock.acquire("team/app:prod")
    threading.Timer(0.2, lock.release, args=(first,)).start()
    second = lock.acquire("team/app:prod")
    assert second.token == first.token + 1


def test_the_async_twin_has_the_same_rules(tmp_path: Path) -> None:
    clock = FakeClock()

    async def main() -> None:
        lock = AsyncDeploymentLock.file(tmp_path / "l", ttl=5.0, wall_clock=clock)
        async with lock.hold("team/app:prod") as lease:
            async with lock.hold("team/app:prod") as again:
                assert again is lease
            with pytest.raises(LockHeldError):
                await AsyncDeploymentLock.file(tmp_path / "l", wall_clock=clock).acquire(
                    "team/app:prod"
                )
            clock.now += 6
            taker = AsyncDeploymentLock.file(tmp_path / "l", wall_clock=clock)
            newer = await taker.acquire("team/app:prod")
            with pytest.raises(StaleLeaseError):
                await lock.renew(lease)
            await taker.release(newer)
        await lock.aclose()

    asyncio.run(main())


def test_threads_share_the_file_without_losing_a_token(tmp_path: Path) -> None:
    tokens: list[int] = []
    guard = threading.Lock()

    def work() -> None:
        lock = DeploymentLock.file(tmp_path / "l", ttl=30.0, wait=10.0)
        for _ in range(5):
            with lock.hold("team/app:prod") as lease, guard:
                tokens.append(lease.token)

    threads = [threading.Thread(target=work) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(tokens) == list(range(1, 21))


@pytest.mark.parametrize(
    ("kwargs", "name"),
    [({"ttl": 0}, "ttl"), ({"ttl": -1}, "ttl"), ({"wait": -1}, "wait"), ({"label": ""}, "label")],
)
def test_bad_settings_are_typed_errors(kwargs: dict[str, object], name: str) -> None:
    with pytest.raises(InvalidValueError):
        DeploymentLock(**kwargs)  # type: ignore[arg-type]


@pytest.mark.parametrize("key", ["", "team app:prod", "a{b}", 7])
def test_bad_keys_are_typed_errors(key: object) -> None:
    with pytest.raises(InvalidValueError):
        DeploymentLock().acquire(key)  # type: ignore[arg-type]


def test_the_key_of_a_repository_and_environment() -> None:
    assert DeploymentLock.key("team/app", "prod") == "team/app:prod"


def test_a_state_file_in_a_missing_folder_is_unavailable(tmp_path: Path) -> None:
    lock = DeploymentLock.file(tmp_path / "missing" / "l")
    with pytest.raises(CoordinationUnavailableError):
        lock.acquire("team/app:prod")


def test_reprs_name_the_backend() -> None:
    assert repr(DeploymentLock(ttl=60)) == "DeploymentLock(backend='memory', ttl=60.0, wait=0.0)"
