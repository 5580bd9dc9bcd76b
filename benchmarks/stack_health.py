"""Stack health: concurrent checks versus checking one service after another.

A loopback HTTP server answers ``/delay?s=<seconds>`` after that many seconds; a TCP
listener accepts connections. The "stack" is ``--services`` HTTP endpoints with delays
spread evenly from 10 ms to ``--slowest`` seconds, plus two TCP endpoints. Three runs of
the same stack:

* ``check_stack_health`` (threads),
* ``acheck_stack_health`` (asyncio),
* a plain sequential loop (what a shell script with ``curl`` does), for the sum.

Printed: each run's wall time, the slowest single check, the sum of all checks, and
total/slowest and sum/total ratios.

Run: ``.venv/bin/python benchmarks/stack_health.py [--services 12] [--slowest 0.5]``
"""

from __future__ import annotations

import argparse
import asyncio
import socket
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from mosaic_sdk.observability import (  # noqa: E402
    ServiceCheck,
    StackHealthReport,
    acheck_stack_health,
    check_stack_health,
)


class Server(ThreadingHTTPServer):
    daemon_threads = True
    # The default backlog of 5 drops simultaneous SYNs, and a dropped SYN is retried
    # after a second: that would be measured as a slow check.
    request_queue_size = 256


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, format: str, *args: Any) -> None:
        return

    def do_GET(self) -> None:
        _, _, query = self.path.partition("?")
        time.sleep(float(query.removeprefix("s=") or 0))
        self.send_response(200)
        self.send_header("Content-Length", "2")
        self.end_headers()
        self.wfile.write(b"ok")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--services", type=int, default=12)
    parser.add_argument("--slowest", type=float, default=0.5)
    args = parser.parse_args()

    httpd = Server(("127.0.0.1", 0), Handler)
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    url = f"http://127.0.0.1:{httpd.server_address[1]}"
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(64)
    tcp_port = listener.getsockname()[1]

    n = args.services
    delays = [0.01 + (args.slowest - 0.01) * i / max(1, n - 1) for i in range(n)]
    checks = [ServiceCheck.http(f"http{i}", f"{url}/delay?s={d:.3f}") for i, d in enumerate(delays)]
    checks += [ServiceCheck.tcp(f"tcp{i}", "127.0.0.1", tcp_port) for i in range(2)]

    def show(label: str, report: StackHealthReport, wall: float) -> None:
        slowest = report.slowest
        assert slowest is not None
        print(
            f"{label:<22} total {wall:6.3f} s   slowest check {slowest.latency_seconds:6.3f} s"
            f"   sum of checks {report.sum_of_latencies:6.3f} s   total/slowest "
            f"{wall / slowest.latency_seconds:5.2f}   "
            f"sum/total {report.sum_of_latencies / wall:5.1f}x"
            f"   healthy {sum(r.healthy for r in report.results)}/{len(report.results)}"
        )

    print(f"{len(checks)} checks: {n} HTTP with delays {delays[0]:.2f}..{delays[-1]:.2f} s, 2 TCP")
    # Warm imports (httpx, the asyncio backend) outside the measured runs.
    check_stack_health(checks[:1])
    asyncio.run(acheck_stack_health(checks[:1]))
    begin = time.perf_counter()
    threaded = check_stack_health(checks, timeout=5)
    show("check_stack_health", threaded, time.perf_counter() - begin)
    begin = time.perf_counter()
    awaited = asyncio.run(acheck_stack_health(checks, timeout=5))
    show("acheck_stack_health", awaited, time.perf_counter() - begin)
    begin = time.perf_counter()
    results = []
    for check in checks:  # one after another, as a shell loop would
        results.extend(check_stack_health([check], timeout=5).results)
    sequential = StackHealthReport(tuple(results), time.perf_counter() - begin, threaded.checked_at)
    show("sequential loop", sequential, sequential.duration_seconds)
    httpd.shutdown()
    listener.close()


if __name__ == "__main__":
    main()
