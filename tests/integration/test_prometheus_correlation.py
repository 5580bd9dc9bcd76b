"""Every request of PrometheusClient and AsyncPrometheusClient carries X-Correlation-ID,
checked through a header-recording proxy in front of a real Prometheus."""

from __future__ import annotations

import asyncio
import http.client
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest

from mosaic_sdk.observability import AsyncPrometheusClient, PrometheusClient, correlation_id
from tests._support.metrics_app import MetricsApp
from tests._support.prometheus_server import PrometheusServer

pytestmark = pytest.mark.integration


class RecordingProxy:
    """Forwards every request to ``upstream`` unchanged and records its headers."""

    def __init__(self, upstream: str) -> None:
        parts = urlsplit(upstream)
        target = (parts.hostname or "127.0.0.1", parts.port or 80)
        self.headers: list[dict[str, str]] = []
        proxy = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, format: str, *args: Any) -> None:
                return

            def _forward(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length) if length else None
                proxy.headers.append({k.lower(): v for k, v in self.headers.items()})
                connection = http.client.HTTPConnection(*target, timeout=30)
                try:
                    headers = {k: v for k, v in self.headers.items() if k.lower() != "host"}
                    connection.request(self.command, self.path, body=body, headers=headers)
                    answer = connection.getresponse()
                    data = answer.read()
                finally:
                    connection.close()
                self.send_response(answer.status)
                for name, value in answer.getheaders():
                    if name.lower() not in ("transfer-encoding", "connection", "content-length"):
                        self.send_header(name, value)
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            do_GET = do_POST = _forward

        self._httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._httpd.daemon_threads = True
        self.url = f"http://127.0.0.1:{self._httpd.server_address[1]}"
        self._thread = threading.Thread(target=self._httpd.serve_forever, daemon=True)
        self._thread.start()

    def stop(self) -> None:
        self._httpd.shutdown()
        self._httpd.server_close()
        self._thread.join(timeout=5)


@pytest.fixture(scope="module")
def proxy(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RecordingProxy]:
    workdir: Path = tmp_path_factory.mktemp("prometheus")
    with MetricsApp(digest="sha256:" + "cd" * 32, version="1.0.0") as app:
        server = PrometheusServer(workdir, {"web": app.host})
        with server:
            recording = RecordingProxy(server.url)
            try:
                yield recording
            finally:
                recording.stop()


def test_sync_client_requests_carry_the_correlation_id(proxy: RecordingProxy) -> None:
    proxy.headers.clear()
    with correlation_id("prom-sync-cid"), PrometheusClient(proxy.url, timeout=10) as prom:
        assert prom.ready()
        prom.query("up")
        prom.query_range("up", start=0, end=60, step="15s")
        prom.error_ratio("1m", selector={"job": "web"})
    assert len(proxy.headers) == 4
    assert [h.get("x-correlation-id") for h in proxy.headers] == ["prom-sync-cid"] * 4


def test_async_client_requests_carry_the_correlation_id(proxy: RecordingProxy) -> None:
    proxy.headers.clear()

    async def main() -> None:
        async with AsyncPrometheusClient(proxy.url, timeout=10) as prom:
            assert await prom.ready()
            await asyncio.gather(prom.query("up"), prom.value("vector(1)"))
            await prom.query_range("up", start=0, end=60, step="15s")

    with correlation_id("prom-async-cid"):
        asyncio.run(main())
    assert len(proxy.headers) == 4
    assert [h.get("x-correlation-id") for h in proxy.headers] == ["prom-async-cid"] * 4
