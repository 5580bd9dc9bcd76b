"""check_stack_health against real loopback HTTP servers and TCP listeners.

Concurrency is proven without timing: the ``/barrier`` endpoint answers 200 only once
every check's request has arrived (a ``threading.Barrier``); run one after another, the
barrier would break and the checks would report 500.
"""

from __future__ import annotations

import asyncio
import socket
import threading
import time
from collections.abc import Callable, Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest

from mosaic_sdk.errors import InvalidValueError
from mosaic_sdk.observability import (
    ServiceCheck,
    StackHealthReport,
    acheck_stack_health,
    check_stack_health,
)
from tests._support.servers import free_port

pytestmark = pytest.mark.integration

PARTIES = 4


class StackServer:
    """One HTTP server with /ok, /down (503), /slow?s=, /hang and /barrier."""

    def __init__(self) -> None:
        self.barrier = threading.Barrier(PARTIES, timeout=5)
        self.release = threading.Event()
        outer = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, format: str, *args: Any) -> None:
                return

            def do_GET(self) -> None:
                path, _, query = self.path.partition("?")
                status = 200
                if path == "/down":
                    status = 503
                elif path == "/slow":
                    time.sleep(float(query.removeprefix("s=")))
                elif path == "/hang":
                    outer.release.wait(10)
                elif path == "/barrier":
                    try:
                        outer.barrier.wait()
                    except threading.BrokenBarrierError:
                        status = 500
                body = b"ok" if status == 200 else b"no"
                self.send_response(status)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler, bind_and_activate=False)
        self.httpd.daemon_threads = True
        self.httpd.request_queue_size = 64  # the default 5 drops simultaneous connects
        self.httpd.server_bind()
        self.httpd.server_activate()
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}"
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)

    def __enter__(self) -> StackServer:
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.release.set()
        self.httpd.shutdown()
        self.httpd.server_close()


@pytest.fixture
def server() -> Iterator[StackServer]:
    with StackServer() as running:
        yield running


@pytest.fixture
def tcp_port() -> Iterator[int]:
    listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    listener.bind(("127.0.0.1", 0))
    listener.listen(16)
    port: int = listener.getsockname()[1]
    yield port
    listener.close()


def run_sync(services: Any, **kwargs: Any) -> StackHealthReport:
    return check_stack_health(services, **kwargs)


def run_async(services: Any, **kwargs: Any) -> StackHealthReport:
    return asyncio.run(acheck_stack_health(services, **kwargs))


RUNNERS = pytest.mark.parametrize("run", [run_sync, run_async], ids=["threads", "asyncio"])


@RUNNERS
def test_reports_each_service(
    run: Callable[..., StackHealthReport], server: StackServer, tcp_port: int
) -> None:
    closed = free_port()
    report = run(
        {
            "api": f"{server.url}/ok",
            "worker": f"{server.url}/down",
            "db": f"tcp://127.0.0.1:{tcp_port}",
            "cache": f"tcp://127.0.0.1:{closed}",
        },
        timeout=2,
    )
    assert [(r.name, r.healthy, r.status) for r in report.results] == [
        ("api", True, "200"),
        ("worker", False, "503"),
        ("db", True, "connected"),
        ("cache", False, "refused"),
    ]
    assert not report.ok
    assert [r.name for r in report.unhealthy()] == ["worker", "cache"]
    assert report["worker"].detail == "expected 2xx or 3xx"
    text = str(report)
    assert text.startswith("stack: 2 of 4 healthy in")
    assert "✘ cache" in text
    assert "| ✔ | api |" in report.to_markdown()
    assert report.to_dict()["services"][2]["status"] == "connected"


@RUNNERS
def test_checks_run_concurrently(
    run: Callable[..., StackHealthReport], server: StackServer
) -> None:
    services = {f"svc{i}": f"{server.url}/barrier" for i in range(PARTIES)}
    report = run(services, timeout=8)
    assert [r.status for r in report.results] == ["200"] * PARTIES


@RUNNERS
def test_each_check_has_its_own_timeout(
    run: Callable[..., StackHealthReport], server: StackServer
) -> None:
    report = run(
        [
            ServiceCheck.http("stuck", f"{server.url}/hang", timeout=0.3),
            ServiceCheck.http("fine", f"{server.url}/slow?s=0.05"),
        ],
        timeout=5,
    )
    stuck, fine = report.results
    assert (stuck.healthy, stuck.status) == (False, "timeout")
    assert (fine.healthy, fine.status) == (True, "200")


def test_max_concurrency_one_still_checks_everything(server: StackServer) -> None:
    report = check_stack_health(
        {f"s{i}": f"{server.url}/ok" for i in range(3)}, max_concurrency=1, timeout=2
    )
    assert report.ok
    assert len(report.results) == 3


def test_expected_statuses_can_be_narrowed(server: StackServer) -> None:
    report = check_stack_health(
        [ServiceCheck.http("maintenance", f"{server.url}/down", expect_status={503})]
    )
    assert report.ok


@pytest.mark.parametrize(
    ("services", "fragment"),
    [
        ({"db": "postgres://127.0.0.1:5432"}, "not a health endpoint"),
        ({"db": "tcp://127.0.0.1"}, "not a health endpoint"),
        ([ServiceCheck("a", "http://x/"), ServiceCheck("a", "http://y/")], "checked twice"),
    ],
)
def test_bad_input_is_refused(services: Any, fragment: str) -> None:
    with pytest.raises(InvalidValueError, match=fragment):
        check_stack_health(services)


def test_empty_stack_is_healthy() -> None:
    report = check_stack_health({})
    assert report.ok
    assert report.slowest is None
