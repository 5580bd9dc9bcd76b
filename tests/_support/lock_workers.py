"""Processes that contend for one DeploymentLock (file or Redis backend).

:func:`count_under_lock` is the mutual-exclusion probe: each process, holding the key,
reads a counter file, waits a little and writes it back plus one. Without exclusion two
processes read the same value and an increment is lost; with it the final count is
exactly processes x rounds. :func:`hold_then_hang` takes a key and never lets go, for a
test to kill the process and watch the lease expire.
"""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

from mosaic_sdk.coordination import DeploymentLock

__all__ = ["count_under_lock", "hold_then_hang", "hold_until_released", "make_lock"]

#: ``("file", path)`` or ``("redis", url, namespace)``.
Backend = tuple[Any, ...]


def make_lock(backend: Backend, **settings: Any) -> DeploymentLock:
    if backend[0] == "file":
        return DeploymentLock.file(backend[1], **settings)
    if backend[0] == "redis":
        return DeploymentLock.redis(backend[1], namespace=backend[2], **settings)
    raise ValueError(f"unknown backend {backend[0]!r}")


def count_under_lock(backend: Backend, counter: str, rounds: int, results: Any) -> None:
    lock = make_lock(backend, ttl=30.0, wait=60.0)
    tokens = []
    path = Path(counter)
    for _ in range(rounds):
        with lock.hold("team/app:prod") as lease:
            value = int(path.read_text() or "0")
            time.sleep(0.005)
            lock.renew(lease)  # the fencing check before the write
            path.write_text(str(value + 1))
            tokens.append(lease.token)
    lock.close()
    results.put(tokens)


def hold_then_hang(backend: Backend, ttl: float, ready: Any) -> None:
    lock = make_lock(backend, ttl=ttl)
    lease = lock.acquire("team/app:prod")
    ready.put(lease.token)
    time.sleep(600)  # killed by the test long before


def hold_until_released(backend: Backend, key: str, ready: Any, release: Any) -> None:
    """Another pipeline: hold ``key`` until the test sets ``release``, then let go."""
    lock = make_lock(backend, ttl=120.0, label="other-pipeline")
    lease = lock.acquire(key)
    ready.put(lease.token)
    release.wait(120)
    lock.release(lease)
    lock.close()


def promote_under_lock(
    backend: Backend, registry_url: str, repository: str, digests: list[str], results: Any
) -> None:
    """Promote each digest to ``testing`` through a locked Promotion; under the lock,
    read the pointer back and report whether it was still this process's digest."""
    from mosaic_sdk.registry import RegistryClient
    from mosaic_sdk.release import Promotion
    from mosaic_sdk.values import Digest

    lock = make_lock(backend, ttl=30.0, wait=60.0)
    seen: list[tuple[int, bool]] = []
    with RegistryClient(registry_url) as client:
        promotion = Promotion(client, repository, actor="worker", lock=lock)
        for digest in digests:
            with lock.hold(DeploymentLock.key(repository, "testing")) as lease:
                promotion.promote(Digest.parse(digest), to="testing")
                time.sleep(0.01)  # a window for another pipeline to move it, were it unlocked
                seen.append((lease.token, str(promotion.current("testing")) == digest))
    lock.close()
    results.put(seen)
