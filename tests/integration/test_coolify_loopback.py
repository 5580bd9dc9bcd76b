"""CoolifyClient against the fake Coolify served over real HTTP on 127.0.0.1.

Behaviour that depends on real sockets and real time: the shared client-side rate limit
under a concurrent burst, retries, deployments progressing between polls, a deployment
that answers 404 before it is visible, and the deploy-queue-full 429.
"""

from __future__ import annotations

import asyncio
import itertools
import threading
import time
from concurrent.futures import ThreadPoolExecutor

from mosaic_sdk._http import RetryPolicy
from mosaic_sdk.providers.coolify import (
    AsyncCoolifyClient,
    CoolifyClient,
    CoolifyDeploymentStatus,
    CoolifyDeploymentTarget,
)
from mosaic_sdk.values import ImageReference
from tests._support.coolify_fake import TOKEN, FakeCoolify, fake_stats, serve, serve_in_subprocess

APP = "app0000000000000000000001"
IMAGE = ImageReference.parse("ghcr.io/acme/web@sha256:" + "f" * 64)
FAST = RetryPolicy(initial_delay=0.01, max_delay=0.05, jitter=0.01)

LIMIT = 200
WINDOW = 2.0
CALLS = 1000
CLIENTS = 5
THREADS = 20


def test_a_burst_from_several_clients_of_one_token_never_hits_429() -> None:
    """1,000 calls from 5 clients (20 threads) sharing one token against a server that
    allows 200 per 2 s window: the shared limiter keeps every answer a 200.

    The server runs in its own process, so its arrival times are not distorted by the
    client's threads. The achieved rate is printed (run with ``-s``);
    benchmarks/coolify_rate_limit.py measures it properly. Nothing here asserts on time.
    """
    with serve_in_subprocess(LIMIT, WINDOW) as url:
        clients = [
            CoolifyClient(url, token=TOKEN, rate_limit_requests=LIMIT, rate_limit_period=WINDOW)
            for _ in range(CLIENTS)
        ]
        assert all(c.rate_limit is clients[0].rate_limit for c in clients)
        turn = itertools.cycle(clients)
        lock = threading.Lock()

        def one_call(_: int) -> int:
            with lock:
                client = next(turn)
            return len(client.list_projects())

        started = time.monotonic()
        with ThreadPoolExecutor(max_workers=THREADS) as pool:
            results = list(pool.map(one_call, range(CALLS)))
        elapsed = time.monotonic() - started
        for client in clients:
            client.close()
        stats = fake_stats(url)
    assert results == [1] * CALLS
    assert stats["throttled"] == 0, f"{stats['throttled']} answers were 429"
    assert stats["served"] == CALLS
    print(
        f"\ncoolify burst: {CALLS} calls in {elapsed:.2f}s = {CALLS / elapsed:.1f} req/s "
        f"against an allowance of {LIMIT / WINDOW:.1f} req/s ({LIMIT} per {WINDOW:g}s), "
        f"0 x 429"
    )


def test_without_the_limiter_the_same_server_answers_429() -> None:
    """Control experiment: the fake really throttles, so the test above can fail."""
    fake = FakeCoolify(rate_limit=50, rate_window=30.0)
    with (
        serve(fake) as url,
        CoolifyClient(url, token=TOKEN, rate_limit=None, retry=RetryPolicy.none()) as client,
        ThreadPoolExecutor(max_workers=10) as pool,
    ):
        outcomes = list(pool.map(lambda _: _try(client), range(80)))
    assert outcomes.count("ok") == 50
    assert outcomes.count("429") == 30
    assert fake.throttled == 30


def _try(client: CoolifyClient) -> str:
    from mosaic_sdk.errors import RateLimitError

    try:
        client.list_projects()
    except RateLimitError:
        return "429"
    return "ok"


def test_server_errors_are_retried_over_http() -> None:
    fake = FakeCoolify()
    fake.add_application(APP)
    fake.fail_next = [503, 502]
    with serve(fake) as url, CoolifyClient(url, token=TOKEN, rate_limit=None, retry=FAST) as client:
        assert client.get_application(APP).uuid == APP
    assert len(fake.requests) == 3


def test_a_deployment_progresses_through_its_states() -> None:
    fake = FakeCoolify(progression=("queued", "queued", "in_progress", "in_progress", "finished"))
    fake.add_application(APP)
    with serve(fake) as url, CoolifyClient(url, token=TOKEN, rate_limit=None) as client:
        target = CoolifyDeploymentTarget(client, APP, poll_interval=0.05, timeout=10)
        deployment = target.deploy(IMAGE)
        assert deployment.succeeded
        assert target.running().digest == IMAGE.digest
        assert target.status().healthy
    polled = [u for m, u, _, _ in fake.requests if "/deployments/dep" in u]
    assert len(polled) == 4  # queued, in_progress, in_progress, finished


def test_404_then_found_over_http() -> None:
    fake = FakeCoolify()
    fake.add_application(APP)
    fake.hide_new_deployments = 3
    with serve(fake) as url, CoolifyClient(url, token=TOKEN, rate_limit=None) as client:
        done = client.deploy_image_and_wait(APP, IMAGE, poll_interval=0.05, not_found_grace=5)
    assert done.status is CoolifyDeploymentStatus.FINISHED


def test_deploy_queue_full_is_waited_out_over_http() -> None:
    fake = FakeCoolify()
    fake.add_application(APP)
    fake.queue_full_answers = 1
    fake.queue_full_retry_after = "1"
    with serve(fake) as url, CoolifyClient(url, token=TOKEN, rate_limit=None, retry=FAST) as client:
        started = time.monotonic()
        [result] = client.deploy(APP)
        waited = time.monotonic() - started
    assert result.queued
    assert [m for m, u, _, _ in fake.requests if u.endswith(f"uuid={APP}")] == ["POST", "POST"]
    assert waited >= 0.9  # Retry-After: 1 was honoured, not the 10 ms backoff


def test_async_clients_share_the_limit_too() -> None:
    clients = 3
    with serve_in_subprocess(40, 1.0) as url:

        async def main() -> None:
            instances = [
                AsyncCoolifyClient(url, token=TOKEN, rate_limit_requests=40, rate_limit_period=1.0)
                for _ in range(clients)
            ]
            assert all(i.rate_limit is instances[0].rate_limit for i in instances)
            await asyncio.gather(*(instances[i % clients].list_projects() for i in range(120)))
            for instance in instances:
                await instance.aclose()

        asyncio.run(main())
        stats = fake_stats(url)
    assert stats == {"served": 120, "throttled": 0}
