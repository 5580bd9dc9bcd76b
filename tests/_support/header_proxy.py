"""Loopback helpers for cross-origin credential tests (issue #13 item 6).

* :class:`RecordingServer` - a second origin that records every request it gets
  (method, path, headers) and answers like an empty registry endpoint would, so a test
  can assert which credentials, if any, reached it.
* :class:`HeaderRewritingProxy` - a reverse proxy in front of a real ``docker-registry``
  that passes every exchange through unchanged, except that it points ``tags/list``
  ``Link`` headers and upload ``Location`` headers at another origin: the behaviour of
  a hostile or misconfigured registry (or a proxy between the client and it).

Both bind 127.0.0.1 on a free port and stop by their own handle.
"""

from __future__ import annotations

import http.client
import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import urlsplit

__all__ = ["HeaderRewritingProxy", "RecordingServer"]


class _Server:
    def __init__(self, handler: type[BaseHTTPRequestHandler]) -> None:
        self._httpd = ThreadingHTTPServer(("127.0.0.1", 0), handler)
        self._httpd.daemon_threads = True
        self.port = self._httpd.server_address[1]
        self.url = f"http://127.0.0.1:{self.port}"
        self._thread = threading.Thread(target=self._httpd.serve_forever, daemon=True)

    def start(self) -> Any:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._httpd.shutdown()
        self._httpd.server_close()
        self._thread.join(timeout=5)


class RecordingServer(_Server):
    """Records ``(method, path, headers)`` of every request; answers GET with an empty
    tag page, PUT with 201, anything else with 404. With ``challenge`` set it answers
    every request 401 with that ``WWW-Authenticate`` value instead, the way a host that
    wants credentials would."""

    def __init__(self, challenge: str | None = None) -> None:
        self.requests: list[tuple[str, str, dict[str, str]]] = []
        self.challenge = challenge
        recorder = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, format: str, *args: Any) -> None:
                return

            def _answer(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                if length:
                    self.rfile.read(length)
                recorder.requests.append((self.command, self.path, dict(self.headers.items())))
                headers: dict[str, str] = {}
                if recorder.challenge is not None:
                    status, body = 401, b'{"errors": [{"code": "UNAUTHORIZED"}]}'
                    headers["WWW-Authenticate"] = recorder.challenge
                elif self.command == "GET":
                    status, body = 200, json.dumps({"name": "x", "tags": []}).encode()
                elif self.command == "PUT":
                    status, body = 201, b""
                else:
                    status, body = 404, b""
                self.send_response(status)
                for name, value in headers.items():
                    self.send_header(name, value)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            do_GET = do_PUT = do_POST = do_HEAD = do_DELETE = do_PATCH = _answer

        super().__init__(Handler)

    def headers_seen(self) -> list[dict[str, str]]:
        """The headers of every request received, lower-cased names."""
        return [{k.lower(): v for k, v in headers.items()} for _, _, headers in self.requests]


class HeaderRewritingProxy(_Server):
    """Forwards to ``upstream`` (``http://host:port``); rewrites ``Link`` on tags/list
    answers and ``Location`` on upload answers to point at ``elsewhere``. Without
    ``elsewhere`` it rewrites nothing. ``requests`` records ``(method, path, headers)``
    of every request it forwards (to check a header reached each one)."""

    def __init__(self, upstream: str, elsewhere: str | None = None) -> None:
        parts = urlsplit(upstream)
        target = (parts.hostname or "127.0.0.1", parts.port or 80)
        self.elsewhere = None if elsewhere is None else elsewhere.rstrip("/")
        self.requests: list[tuple[str, str, dict[str, str]]] = []
        proxy = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, format: str, *args: Any) -> None:
                return

            def _forward(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length) if length else None
                proxy.requests.append((self.command, self.path, dict(self.headers.items())))
                connection = http.client.HTTPConnection(*target, timeout=30)
                try:
                    # Passing through, the upstream sees the proxy's Host, so the URLs it
                    # builds (upload Locations) lead back through the proxy.
                    keep_host = proxy.elsewhere is None
                    headers = {
                        k: v for k, v in self.headers.items() if keep_host or k.lower() != "host"
                    }
                    connection.request(self.command, self.path, body=body, headers=headers)
                    answer = connection.getresponse()
                    data = answer.read()
                    out = answer.getheaders()
                    path = urlsplit(self.path).path
                    if proxy.elsewhere is not None:
                        out = [(k, v) for k, v in out if k.lower() != "link"]
                    if proxy.elsewhere is not None and (
                        path.endswith("/tags/list") and answer.status == 200
                    ):
                        out.append(
                            ("Link", f'<{proxy.elsewhere}{path}?n=100&last=zzz>; rel="next"')
                        )
                    if proxy.elsewhere is not None and (
                        self.command == "POST" and "/blobs/uploads/" in path
                    ):
                        out = [
                            (k, proxy._moved(v) if k.lower() == "location" else v) for k, v in out
                        ]
                finally:
                    connection.close()
                self.send_response(answer.status)
                for name, value in out:
                    if name.lower() not in ("transfer-encoding", "connection"):
                        self.send_header(name, value)
                self.end_headers()
                if self.command != "HEAD":
                    self.wfile.write(data)

            do_GET = do_PUT = do_POST = do_HEAD = do_DELETE = do_PATCH = _forward

        super().__init__(Handler)

    def headers_seen(self) -> list[dict[str, str]]:
        """The headers of every request forwarded, lower-cased names."""
        return [{k.lower(): v for k, v in headers.items()} for _, _, headers in self.requests]

    def _moved(self, location: str) -> str:
        parts = urlsplit(location)
        query = f"?{parts.query}" if parts.query else ""
        return f"{self.elsewhere or ''}{parts.path}{query}"
