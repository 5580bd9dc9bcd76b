"""DeploymentLock across real processes, on the file backend and a real redis-server.

* exclusion: four processes increment a counter file under the lock, 10 times each,
  with a read-sleep-write race window; no increment is lost and every lease got its
  own, growing fencing token;
* a crashed holder (SIGKILL) stops renewing: its lease expires after ``ttl`` and the
  key can be taken again;
* a stale holder, whose lease expired and whose key someone else took, is refused
  when it renews (the fencing check), and its release leaves the new lease alone.
"""

from __future__ import annotations

import multiprocessing
import os
import random
import signal
import time
from pathlib import Path

import pytest

from mosaic_sdk.errors import CoordinationUnavailableError, LockHeldError, StaleLeaseError
from tests._support.images import image, push
from tests._support.lock_workers import (
    count_under_lock,
    hold_then_hang,
    make_lock,
    promote_under_lock,
)
from tests._support.redis_server import RedisServer
from tests._support.servers import RegistryServer, free_port

pytestmark = pytest.mark.integration


@pytest.fixture(params=["file", "redis"])
def backend(
    request: pytest.FixtureRequest, tmp_path: Path, redis_server: RedisServer
) -> tuple[str, ...]:
    if request.param == "file":
        return ("file", str(tmp_path / "deploy.locks"))
    return ("redis", redis_server.url, f"test-{tmp_path.name}")


def test_concurrent_processes_never_hold_the_key_together(
    backend: tuple[str, ...], tmp_path: Path
) -> None:
    counter = tmp_path / "counter"
    counter.write_text("0")
    context = multiprocessing.get_context("spawn")
    results = context.Queue()
    workers = [
        context.Process(target=count_under_lock, args=(backend, str(counter), 10, results))
        for _ in range(4)
    ]
    for worker in workers:
        worker.start()
    tokens = [token for _ in workers for token in results.get(timeout=120)]
    for worker in workers:
        worker.join(timeout=30)
    assert int(counter.read_text()) == 40
    assert len(set(tokens)) == 40


def test_promotions_from_concurrent_processes_never_interleave(
    backend: tuple[str, ...], registry_server: RegistryServer, registry: object, repo: str
) -> None:
    # Four pipelines (processes) promote their own images to testing on a real
    # docker-registry, each holding the lock for the promotion and a read-back: with the
    # lock, no other pipeline's PUT lands in between, so every read-back is its own.
    rng = random.Random(repo)
    digests = [str(push(registry, repo, image(rng), f"sha-{n:07d}")) for n in range(8)]  # type: ignore[arg-type]
    context = multiprocessing.get_context("spawn")
    results = context.Queue()
    workers = [
        context.Process(
            target=promote_under_lock,
            args=(backend, registry_server.url, repo, digests[2 * i : 2 * i + 2], results),
        )
        for i in range(4)
    ]
    for worker in workers:
        worker.start()
    seen = [item for _ in workers for item in results.get(timeout=120)]
    for worker in workers:
        worker.join(timeout=30)
    assert len(seen) == 8
    assert all(own for _, own in seen)
    assert len({token for token, _ in seen}) == 8


def test_a_killed_holders_lease_expires(backend: tuple[str, ...]) -> None:
    context = multiprocessing.get_context("spawn")
    ready = context.Queue()
    holder = context.Process(target=hold_then_hang, args=(backend, 1.5, ready))
    holder.start()
    try:
        token = ready.get(timeout=60)
        lock = make_lock(backend, ttl=30.0)
        with pytest.raises(LockHeldError):
            lock.acquire("team/app:prod")
        assert holder.pid is not None
        os.kill(holder.pid, signal.SIGKILL)
        holder.join(timeout=10)
        killed = time.monotonic()
        lease = make_lock(backend, ttl=30.0, wait=10.0).acquire("team/app:prod")
        assert time.monotonic() - killed < 3.0
        assert lease.token > token
    finally:
        if holder.is_alive():
            holder.kill()
            holder.join(timeout=10)


def test_a_stale_holder_is_refused_and_cannot_release_the_new_lease(
    backend: tuple[str, ...],
) -> None:
    stalled = make_lock(backend, ttl=0.5)
    old = stalled.acquire("team/app:prod")
    time.sleep(0.8)
    taker = make_lock(backend, ttl=30.0)
    new = taker.acquire("team/app:prod")
    with pytest.raises(StaleLeaseError) as caught:
        stalled.renew(old)
    assert caught.value.token == old.token
    assert caught.value.current >= new.token > old.token
    assert stalled.release(old) is False
    assert taker.renew(new) == new
    with pytest.raises(LockHeldError):
        stalled.acquire("team/app:prod")
    assert taker.release(new) is True
    stalled.close()
    taker.close()


def test_a_refusing_redis_is_unavailable_without_its_password(redis_server: RedisServer) -> None:
    for url in (
        redis_server.url.replace(redis_server.password, "wrong-password-x"),
        f"redis://:{redis_server.password}@127.0.0.1:{free_port()}/0",
    ):
        lock = make_lock(("redis", url, "test"), ttl=5.0)
        with pytest.raises(CoordinationUnavailableError) as caught:
            lock.acquire("team/app:prod")
        assert redis_server.password not in str(caught.value)
        assert "wrong-password-x" not in str(caught.value)
        lock.close()
