"""Achieved request rate under a server's allowance: mosaic RateLimit versus what scripts do.

A loopback server allows ``LIMIT`` requests per ``WINDOW`` seconds and answers 429 beyond.
Three clients send the same burst of requests side by side:

* ``mosaic``: sixteen HTTPClient instances sharing one ``RateLimit`` set just under the allowance;
* ``fixed-sleep``: one client sleeping WINDOW/LIMIT between requests, the throttle a
  ``curl`` loop in a shell script uses (``sleep 0.3`` per call);
* ``unthrottled``: sixteen clients with no limiter, counting the 429s they cause.

Then issue 17's case, four *processes* sending 250 requests each (the pipelines that
share one Coolify token), figures from the server:

* ``4 procs, file``: one ``RateLimit.file`` budget shared through a state file;
* ``4 procs, redis``: one ``RateLimit.redis`` budget on a real ``redis-server``
  (skipped when it is not installed);
* ``4 procs, separate``: an in-process ``RateLimit`` each, what sharing nothing gives.

Run: ``.venv/bin/python benchmarks/http_rate_limit.py [--total 1000] [--limit 200] [--window 2]``
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from mosaic_sdk._http import HTTPClient, RateLimit, RetryPolicy  # noqa: E402
from mosaic_sdk.errors import RateLimitError  # noqa: E402


@contextmanager
def server_process(limit: int, window: float) -> Iterator[str]:
    """The loopback server in its own process, so it does not share the client's GIL."""
    proc = subprocess.Popen(
        [sys.executable, "-m", "tests._support.loopback", str(limit), str(window)],
        cwd=ROOT,
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    assert proc.stdout is not None
    assert proc.stdin is not None
    try:
        yield proc.stdout.readline().strip()
    finally:
        proc.stdin.close()
        proc.wait(timeout=10)


def run(
    url: str, total: int, workers: int, limit: RateLimit | None, pause: float
) -> tuple[int, int, float]:
    counter = iter(range(total))
    lock = threading.Lock()
    counts = {"ok": 0, "429": 0}

    def work() -> None:
        with HTTPClient(url, rate_limit=limit, retry=RetryPolicy.none()) as client:
            while True:
                with lock:
                    if next(counter, None) is None:
                        return
                try:
                    client.request("GET", "/limited")
                    key = "ok"
                except RateLimitError:
                    key = "429"
                with lock:
                    counts[key] += 1
                if pause:
                    time.sleep(pause)

    started = time.monotonic()
    threads = [threading.Thread(target=work) for _ in range(workers)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return counts["ok"], counts["429"], time.monotonic() - started


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--total", type=int, default=1000)
    parser.add_argument("--limit", type=int, default=200)
    parser.add_argument("--window", type=float, default=2.0)
    args = parser.parse_args()
    allowance = args.limit / args.window
    client_limit = int(args.limit * 0.95)
    print(
        f"server allowance: {args.limit} requests per {args.window}s = {allowance:.1f} req/s; "
        f"burst of {args.total} requests"
    )
    print(f"{'client':<14}{'200s':>7}{'429s':>7}{'seconds':>9}{'req/s':>9}{'of allowance':>14}")
    rows = [
        ("mosaic", 16, RateLimit(client_limit, args.window), 0.0),
        ("fixed-sleep", 1, None, args.window / args.limit),
        ("unthrottled", 16, None, 0.0),
    ]
    for name, workers, limit, pause in rows:
        with server_process(args.limit, args.window) as url:
            ok, throttled, seconds = run(url, args.total, workers, limit, pause)
            with HTTPClient(url) as client:
                seen = client.request("GET", "/stats").json()
        rate = ok / seconds
        print(
            f"{name:<14}{ok:>7}{throttled:>7}{seconds:>9.2f}{rate:>9.1f}{rate / allowance:>13.1%}"
            f"   (server counted {seen['ok']} allowed, {seen['throttled']} throttled)"
        )
    processes(args.limit, args.window)


def processes(limit: int, window: float) -> None:
    """Four processes x 250 requests, one shared budget (file, Redis) or none."""
    import shutil
    import tempfile

    from tests._support.loopback import loopback_server
    from tests._support.redis_server import RedisServer
    from tests._support.shared_budget import measure

    print(f"\n4 processes x 250 requests, server allowance {limit} per {window:g}s:")
    print(f"{'budget':<20}{'200s':>7}{'429s':>7}{'seconds':>9}{'req/s':>9}{'of allowance':>14}")
    folder = Path(tempfile.mkdtemp(prefix="mosaic-bench-"))
    redis = RedisServer(folder).start() if shutil.which("redis-server") else None
    try:
        rows: list[tuple[str, tuple[object, ...]]] = [
            ("4 procs, file", ("file", str(folder / "budget")))
        ]
        if redis is not None:
            rows.append(("4 procs, redis", ("redis", redis.url, "bench:http_rate_limit")))
        rows.append(("4 procs, separate", ("memory",)))
        for name, budget in rows:
            with loopback_server(limit=limit, window=window) as server:
                f = measure(server, budget, client_limit=int(limit * 0.95))
            print(
                f"{name:<20}{f.allowed:>7}{f.throttled:>7}{f.seconds:>9.2f}{f.rate:>9.1f}"
                f"{f.of_allowance:>13.1%}"
            )
        if redis is None:
            print("4 procs, redis: skipped (redis-server is not installed)")
    finally:
        if redis is not None:
            redis.stop()
        shutil.rmtree(folder, ignore_errors=True)


if __name__ == "__main__":
    main()
