"""Achieved request rate of CoolifyClient against Coolify's per-token allowance.

The fake Coolify API (``tests/_support/coolify_fake.py``) is served over real HTTP on 127.0.0.1,
in its own process, with Laravel's throttle: a fixed window of ``--window`` seconds per
token, ``--limit`` requests in it, 429 + ``Retry-After`` beyond. ``--clients``
CoolifyClient instances built with the same token (so they share one limiter through
``RateLimit.shared``) send ``--calls`` ``GET /projects`` requests from ``--threads`` threads.

Printed per run:

* achieved rate: calls / wall time;
* allowance: limit / window;
* ideal time: the least time the server's fixed windows allow for the burst,
  ``(ceil(calls / limit) - 1) * window`` (the first window is free);
* efficiency: ideal time / wall time (the client books over a window longer than the
  server's by 5%, at least 0.5 s, see ``RATE_LIMIT_MARGIN``, which caps efficiency);
* 429s: answers the server throttled (must be 0).

Run: ``.venv/bin/python benchmarks/coolify_rate_limit.py [--calls 1000] [--limit 200]
[--window 2] [--clients 5] [--threads 20] [--repeat 3]``
"""

from __future__ import annotations

import argparse
import itertools
import math
import sys
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from mosaic_sdk.providers.coolify import CoolifyClient
from mosaic_sdk.providers.coolify._requests import RATE_LIMIT_MARGIN, RATE_LIMIT_MIN_MARGIN
from tests._support.coolify_fake import TOKEN, fake_stats, serve_in_subprocess


def burst(calls: int, limit: int, window: float, clients: int, threads: int) -> tuple[float, int]:
    with serve_in_subprocess(limit, window) as url:
        instances = [
            CoolifyClient(url, token=TOKEN, rate_limit_requests=limit, rate_limit_period=window)
            for _ in range(clients)
        ]
        turn = itertools.cycle(instances)
        lock = threading.Lock()

        def one(_: int) -> None:
            with lock:
                client = next(turn)
            client.list_projects()

        started = time.perf_counter()
        with ThreadPoolExecutor(max_workers=threads) as pool:
            list(pool.map(one, range(calls)))
        elapsed = time.perf_counter() - started
        for client in instances:
            client.close()
        throttled = fake_stats(url)["throttled"]
    return elapsed, throttled


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--calls", type=int, default=1000)
    parser.add_argument("--limit", type=int, default=200)
    parser.add_argument("--window", type=float, default=2.0)
    parser.add_argument("--clients", type=int, default=5)
    parser.add_argument("--threads", type=int, default=20)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()

    allowance = args.limit / args.window
    ideal = (math.ceil(args.calls / args.limit) - 1) * args.window
    margin = max(args.window * RATE_LIMIT_MARGIN, RATE_LIMIT_MIN_MARGIN)
    print(
        f"{args.calls} calls, {args.clients} clients sharing one token, {args.threads} threads; "
        f"server allows {args.limit} per {args.window:g}s = {allowance:.1f} req/s; "
        f"client books over {args.window + margin:g}s; ideal time {ideal:.2f}s"
    )
    print(
        f"{'run':>3}  {'wall s':>7}  {'req/s':>7}  {'vs allowance':>12}  {'efficiency':>10}  429s"
    )
    for run in range(1, args.repeat + 1):
        elapsed, throttled = burst(args.calls, args.limit, args.window, args.clients, args.threads)
        rate = args.calls / elapsed
        print(
            f"{run:>3}  {elapsed:7.2f}  {rate:7.1f}  {rate / allowance:11.0%}  "
            f"{ideal / elapsed:10.0%}  {throttled}"
        )


if __name__ == "__main__":
    main()
