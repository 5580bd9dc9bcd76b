"""Cost of JSON log lines with redaction, against plain stdlib logging.

Times, for the same records written to an in-memory stream:

* ``stdlib``: a ``StreamHandler`` with ``logging.Formatter("%(asctime)s %(levelname)s
  %(name)s %(message)s")`` - what an application has without the SDK;
* ``configure_logging``: the SDK's handler (correlation id filter, redacting filter, JSON
  formatter), with 0, 100 and 1000 registered secrets;

then ``redact_text`` alone on a 200-character line, and ``LatencySummary.from_samples``
on 100 000 samples against ``statistics.quantiles``.

Run: ``.venv/bin/python benchmarks/logging_redaction.py [--records 20000]``
"""

from __future__ import annotations

import argparse
import io
import logging
import random
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from mosaic_sdk.observability import (
    LatencySummary,
    configure_logging,
    correlation_id,
    redact_text,
    register_secret,
)


def _log_many(logger: logging.Logger, count: int) -> float:
    start = time.perf_counter()
    with correlation_id("bench-1"):
        for i in range(count):
            logger.info(
                "promoted %s to %s",
                "payments",
                "prod",
                extra={"digest": "sha256:" + "ab" * 32, "attempt": i, "url": "https://h/x?a=1"},
            )
    return time.perf_counter() - start


def _stdlib(count: int) -> float:
    logger = logging.getLogger("bench.stdlib")
    logger.propagate = False
    logger.setLevel(logging.INFO)
    handler = logging.StreamHandler(io.StringIO())
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s %(message)s"))
    logger.addHandler(handler)
    try:
        return _log_many(logger, count)
    finally:
        logger.removeHandler(handler)


def _sdk(count: int) -> float:
    logger = logging.getLogger("bench.sdk")
    logger.propagate = False
    handler = configure_logging(json=True, level="INFO", logger=logger, stream=io.StringIO())
    try:
        return _log_many(logger, count)
    finally:
        logger.removeHandler(handler)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--records", type=int, default=20000)
    args = parser.parse_args()
    n = args.records

    base = _stdlib(n)
    print(f"stdlib text lines        : {n / base:>10,.0f} lines/s")
    registered = 0
    line = "GET https://registry.example.com/v2/payments/manifests/sha-0123abc " * 3
    for target in (0, 100, 1000):
        while registered < target:
            register_secret(f"bench-secret-{registered:06d}-{random.random():.12f}")
            registered += 1
        elapsed = _sdk(n)
        start = time.perf_counter()
        for _ in range(n):
            redact_text(line)
        redact = time.perf_counter() - start
        print(
            f"configure_logging JSON   : {n / elapsed:>10,.0f} lines/s "
            f"({elapsed / base:.1f}x stdlib) with {target:>4} registered secrets; "
            f"redact_text {n / redact:,.0f} lines/s"
        )

    samples = [random.lognormvariate(-2.5, 0.6) for _ in range(100_000)]
    start = time.perf_counter()
    summary = LatencySummary.from_samples(samples)
    ours = time.perf_counter() - start
    start = time.perf_counter()
    cuts = statistics.quantiles(samples, n=100, method="inclusive")
    theirs = time.perf_counter() - start
    assert abs(cuts[94] - summary.p95) < 1e-9
    print(
        f"LatencySummary 100k      : {ours * 1000:.1f} ms "
        f"(statistics.quantiles: {theirs * 1000:.1f} ms, same p95 {summary.p95 * 1000:.1f} ms)"
    )


if __name__ == "__main__":
    main()
