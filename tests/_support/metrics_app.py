"""A small local web app with real Prometheus metrics, for release-gate tests.

``MetricsApp`` serves on 127.0.0.1 (free port, background thread):

* ``GET /api`` - the "work" endpoint; counted in ``http_requests_total{code}`` and timed in
  the histogram ``http_request_duration_seconds`` (buckets with boundaries at 0.1 and
  0.25 s, so latency gates at those values are exact);
* ``GET /health`` - 200 ``ok`` (503 when ``healthy`` is false);
* ``GET /version`` - ``{"digest": ..., "version": ...}``;
* ``GET /metrics`` - the prometheus-client exposition of its own registry.

Switches, changeable at any time: ``fail_ratio`` (share of ``/api`` answers that are 500,
deterministic: every n-th request), ``delay`` (seconds added to each ``/api`` answer),
``healthy``. ``start_traffic(rate)`` runs a background client so Prometheus always has
fresh samples.
"""

from __future__ import annotations

import contextlib
import json
import threading
import time
import urllib.error
import urllib.request
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from prometheus_client import CollectorRegistry, Counter, Histogram, generate_latest
from prometheus_client.exposition import CONTENT_TYPE_LATEST

__all__ = ["BUCKETS", "MetricsApp"]

BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5)


class _QuietServer(ThreadingHTTPServer):
    # A load balancer's health check (HAProxy's httpchk) closes with a reset once it has
    # read the status line; that is no error of the app, so it prints no traceback.
    def handle_error(self, request: Any, client_address: Any) -> None:
        import sys

        if not isinstance(sys.exc_info()[1], ConnectionError):
            super().handle_error(request, client_address)


class MetricsApp:
    """See the module docstring. Use as a context manager or call ``start``/``stop``."""

    def __init__(self, *, digest: str = "", version: str = "") -> None:
        self.digest = digest
        self.version = version
        self.fail_ratio = 0.0
        self.delay = 0.0
        self.healthy = True
        self.registry = CollectorRegistry()
        self.requests = Counter(
            "http_requests", "Requests served by /api.", ["code"], registry=self.registry
        )
        self.latency = Histogram(
            "http_request_duration_seconds",
            "Latency of /api.",
            buckets=BUCKETS,
            registry=self.registry,
        )
        self._served = 0
        self._lock = threading.Lock()
        self._traffic_stop = threading.Event()
        self._traffic: threading.Thread | None = None
        app = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, format: str, *args: Any) -> None:
                return

            def do_GET(self) -> None:
                app._handle(self)

        self._server = _QuietServer(("127.0.0.1", 0), Handler)
        self._server.daemon_threads = True
        self.port: int = self._server.server_address[1]
        self.url = f"http://127.0.0.1:{self.port}"
        self.host = f"127.0.0.1:{self.port}"
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    def start(self) -> MetricsApp:
        self._thread.start()
        return self

    def stop(self) -> None:
        self.stop_traffic()
        self._server.shutdown()
        self._server.server_close()

    def __enter__(self) -> MetricsApp:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    # -- traffic ---------------------------------------------------------------------

    def hit(self, path: str = "/api") -> int:
        """One request; returns the status."""
        try:
            with urllib.request.urlopen(self.url + path, timeout=5) as response:  # noqa: S310
                return int(response.status)
        except urllib.error.HTTPError as exc:
            with exc:  # an unclosed error response leaks its socket
                return int(exc.code)

    def start_traffic(self, per_second: float = 40.0) -> None:
        """Send ``/api`` requests in the background until :meth:`stop_traffic`."""
        self.stop_traffic()
        self._traffic_stop.clear()

        def loop() -> None:
            pause = 1.0 / per_second
            while not self._traffic_stop.is_set():
                with contextlib.suppress(OSError):
                    self.hit()
                self._traffic_stop.wait(pause)

        self._traffic = threading.Thread(target=loop, daemon=True)
        self._traffic.start()

    def stop_traffic(self) -> None:
        self._traffic_stop.set()
        if self._traffic is not None:
            self._traffic.join(timeout=10)
            self._traffic = None

    # -- serving ---------------------------------------------------------------------

    def _send(self, handler: BaseHTTPRequestHandler, status: int, body: bytes, ctype: str) -> None:
        handler.send_response(status)
        handler.send_header("Content-Type", ctype)
        handler.send_header("Content-Length", str(len(body)))
        handler.end_headers()
        handler.wfile.write(body)

    def _should_fail(self) -> bool:
        with self._lock:
            self._served += 1
            n = self._served
        if self.fail_ratio <= 0:
            return False
        every = max(1, round(1 / self.fail_ratio))
        return n % every == 0

    def _handle(self, handler: BaseHTTPRequestHandler) -> None:
        path = handler.path.split("?", 1)[0]
        if path == "/metrics":
            self._send(handler, 200, generate_latest(self.registry), CONTENT_TYPE_LATEST)
        elif path == "/health":
            if self.healthy:
                self._send(handler, 200, b"ok", "text/plain")
            else:
                self._send(handler, 503, b"unhealthy", "text/plain")
        elif path == "/version":
            body = json.dumps({"digest": self.digest, "version": self.version}).encode()
            self._send(handler, 200, body, "application/json")
        elif path == "/api":
            start = time.perf_counter()
            if self.delay:
                time.sleep(self.delay)
            status = 500 if self._should_fail() else 200
            self.latency.observe(time.perf_counter() - start)
            self.requests.labels(code=str(status)).inc()
            self._send(handler, status, b'{"ok": true}' if status == 200 else b"boom", "text/plain")
        else:
            self._send(handler, 404, b"not found", "text/plain")
