"""A real HTTP server on 127.0.0.1 that fails, delays and rate-limits on purpose.

Tests script it per path: ``server.script("/x", [503, 503, 200])`` answers the next three
requests to ``/x`` with those statuses. ``/limited`` enforces ``limit`` requests per
fixed ``window`` seconds and answers 429 with ``Retry-After`` beyond it.
"""

from __future__ import annotations

import json
import threading
import time
from collections import defaultdict, deque
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any


class Scripted:
    """One scripted answer."""

    def __init__(
        self,
        status: int = 200,
        body: Any = None,
        headers: dict[str, str] | None = None,
        delay: float = 0.0,
    ) -> None:
        self.status = status
        self.body = body if body is not None else {"status": status}
        self.headers = headers or {}
        self.delay = delay


class LoopbackServer:
    def __init__(self, limit: int = 200, window: float = 1.0) -> None:
        self.limit = limit
        self.window = window
        self._scripts: dict[str, deque[Scripted]] = defaultdict(deque)
        self._lock = threading.Lock()
        self.hits: dict[str, int] = defaultdict(int)
        self.requests: list[tuple[str, str, dict[str, str]]] = []
        self.limited_ok = 0
        self.limited_429 = 0
        # Arrival times (time.monotonic) of the /limited requests allowed.
        self.limited_times: list[float] = []
        self._window_start = 0.0
        self._window_count = 0
        server = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"
            # Headers and body go out in two writes; with Nagle's algorithm the second
            # waits for the client's delayed ACK (40 ms on Linux) on a kept-alive
            # connection, which capped a client at 25 requests per second.
            disable_nagle_algorithm = True

            def log_message(self, format: str, *args: Any) -> None:
                return

            def _answer(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                if length:
                    self.rfile.read(length)
                path = self.path.split("?", 1)[0]
                with server._lock:
                    server.hits[path] += 1
                    server.requests.append((self.command, self.path, dict(self.headers)))
                if path == "/limited":
                    self._limited()
                    return
                if path == "/stats":
                    with server._lock:
                        times = server.limited_times
                        stats = {
                            "ok": server.limited_ok,
                            "throttled": server.limited_429,
                            "span": times[-1] - times[0] if times else 0.0,
                        }
                    self._send(200, stats)
                    return
                with server._lock:
                    queue = server._scripts.get(path)
                    answer = queue.popleft() if queue else Scripted()
                if answer.delay:
                    time.sleep(answer.delay)
                if answer.status == 599:  # drop the connection without an answer
                    self.close_connection = True
                    self.wfile.flush()
                    self.connection.shutdown(2)
                    return
                self._send(answer.status, answer.body, answer.headers)

            def _limited(self) -> None:
                now = time.monotonic()
                with server._lock:
                    if now - server._window_start >= server.window:
                        server._window_start = now
                        server._window_count = 0
                    server._window_count += 1
                    allowed = server._window_count <= server.limit
                    if allowed:
                        server.limited_ok += 1
                        server.limited_times.append(now)
                    else:
                        server.limited_429 += 1
                    reset = server.window - (now - server._window_start)
                if allowed:
                    self._send(200, {"ok": True})
                else:
                    self._send(
                        429, {"message": "Too Many Requests"}, {"Retry-After": f"{reset:.3f}"}
                    )

            def _send(self, status: int, body: Any, headers: dict[str, str] | None = None) -> None:
                data = json.dumps(body).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                for key, value in (headers or {}).items():
                    self.send_header(key, value)
                self.end_headers()
                if self.command != "HEAD":
                    self.wfile.write(data)

            do_GET = do_POST = do_PUT = do_PATCH = do_DELETE = do_HEAD = _answer

        class Server(ThreadingHTTPServer):
            # The default backlog of 5 adds about a second of latency to a burst of new
            # connections, which would blur the rate-limit measurements.
            request_queue_size = 256

        self._httpd = Server(("127.0.0.1", 0), Handler)
        self._httpd.daemon_threads = True
        self.port = self._httpd.server_address[1]
        self.url = f"http://127.0.0.1:{self.port}"
        self._thread = threading.Thread(target=self._httpd.serve_forever, daemon=True)

    def script(self, path: str, answers: list[int | Scripted]) -> None:
        with self._lock:
            self._scripts[path].extend(
                a if isinstance(a, Scripted) else Scripted(status=a) for a in answers
            )

    def start(self) -> LoopbackServer:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._httpd.shutdown()
        self._httpd.server_close()


@contextmanager
def loopback_server(limit: int = 200, window: float = 1.0) -> Iterator[LoopbackServer]:
    server = LoopbackServer(limit=limit, window=window).start()
    try:
        yield server
    finally:
        server.stop()


def main() -> None:
    """Run a server in its own process: ``python -m tests._support.loopback LIMIT WINDOW``.

    Prints the URL on the first line, then serves until stdin closes.
    """
    import sys

    limit, window = int(sys.argv[1]), float(sys.argv[2])
    server = LoopbackServer(limit=limit, window=window).start()
    print(server.url, flush=True)
    sys.stdin.read()
    server.stop()


if __name__ == "__main__":
    main()
