"""Achieved request rate under a server's allowance: mosaic RateLimit versus what scripts do.

A loopback server allows ``LIMIT`` requests per ``WINDOW`` seconds and answers 429 beyond.
Three clients send the same burst of requests side by side:

* ``mosaic``: sixteen HTTPClient instances sharing one ``RateLimit`` set just under the allowance;
* ``fixed-sleep``: one client sleeping WINDOW/LIMIT between requests, the throttle a
  ``curl`` loop in a shell script uses (``sleep 0.3`` per call);
* ``unthrottled``: sixteen clients with no limiter, counting the 429s they cause.

Run: ``.venv/bin/python benchmarks/http_rate_limit.py [--total 1000] [--limit 200] [--window 1]``
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


if __name__ == "__main__":
    main()
