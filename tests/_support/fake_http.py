"""Serve an in-process fake API two ways: as an ``httpx.MockTransport`` (unit tests) or
as a real HTTP server on 127.0.0.1 with a free port (loopback tests).

A fake is any object with ``handle(FakeRequest) -> FakeResponse``; the same fake answers
both ways, so unit and loopback tests exercise one behaviour.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, Protocol
from urllib.parse import parse_qs, urlsplit

import attrs
import httpx


@attrs.frozen
class FakeRequest:
    method: str
    path: str
    query: Mapping[str, list[str]]
    headers: Mapping[str, str]  # lower-cased names
    body: bytes

    def json(self) -> Any:
        return json.loads(self.body) if self.body else None

    def arg(self, name: str) -> str | None:
        values = self.query.get(name)
        return values[0] if values else None


@attrs.frozen
class FakeResponse:
    status: int = 200
    body: Any = None
    headers: Mapping[str, str] = attrs.field(factory=dict)

    def encoded(self) -> bytes:
        return b"" if self.body is None else json.dumps(self.body).encode()


class FakeApp(Protocol):
    def handle(self, request: FakeRequest) -> FakeResponse: ...


def _request(method: str, url: str, headers: Mapping[str, str], body: bytes) -> FakeRequest:
    parts = urlsplit(url)
    return FakeRequest(
        method=method.upper(),
        path=parts.path,
        query=parse_qs(parts.query, keep_blank_values=True),
        headers={k.lower(): v for k, v in headers.items()},
        body=body,
    )


def mock_transport(app: FakeApp) -> httpx.MockTransport:
    """A MockTransport (usable by sync and async clients) answering with ``app``."""

    def handler(request: httpx.Request) -> httpx.Response:
        answer = app.handle(
            _request(request.method, str(request.url), dict(request.headers), request.read())
        )
        headers = {"Content-Type": "application/json", **answer.headers}
        return httpx.Response(answer.status, headers=headers, content=answer.encoded())

    return httpx.MockTransport(handler)


@contextmanager
def serve(app: FakeApp) -> Iterator[str]:
    """Run ``app`` behind a real HTTP server on 127.0.0.1; yields its base URL."""
    lock = threading.Lock()

    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, format: str, *args: Any) -> None:
            return

        def _answer(self) -> None:
            length = int(self.headers.get("Content-Length") or 0)
            body = self.rfile.read(length) if length else b""
            request = _request(self.command, self.path, dict(self.headers.items()), body)
            with lock:
                answer = app.handle(request)
            data = answer.encoded()
            self.send_response(answer.status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            for key, value in answer.headers.items():
                self.send_header(key, value)
            self.end_headers()
            self.wfile.write(data)

        do_GET = do_POST = do_PUT = do_PATCH = do_DELETE = _answer

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)


class FakeClock:
    """A monotonic clock that only moves when the code under test sleeps."""

    def __init__(self) -> None:
        self.now = 1000.0
        self.sleeps: list[float] = []

    def __call__(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        self.now += seconds

    async def asleep(self, seconds: float) -> None:
        self.sleep(seconds)
