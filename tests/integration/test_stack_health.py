"""check_stack_health and acheck_stack_health against real loopback HTTP servers and TCP
listeners: results, concurrency, timeouts, event loop stalls and correlation ids.

Concurrency is proven without timing: the ``/barrier`` endpoint answers 200 only once
every check's request has arrived (a ``threading.Barrier``); run one after another, the
barrier would break and the checks would report 500.
"""

from __future__ import annotations

import asyncio
import contextlib
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
    correlation_id,
)
from tests._support.header_proxy import RecordingServer
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


# ------------------------------------------------------------------ event loop and context


class StallDetector:
    """A task that ticks every 10 ms and records the longest extra delay of a tick: how
    long the event loop was kept from running its callbacks."""

    def __init__(self) -> None:
        self.max_gap = 0.0
        self.ticks = 0
        self._task: asyncio.Task[None] | None = None

    async def _run(self) -> None:
        while True:
            before = time.perf_counter()
            await asyncio.sleep(0.01)
            self.max_gap = max(self.max_gap, time.perf_counter() - before - 0.01)
            self.ticks += 1

    async def __aenter__(self) -> StallDetector:
        self._task = asyncio.create_task(self._run())
        await asyncio.sleep(0.05)  # let it settle before the measured work starts
        self.max_gap = 0.0
        self.ticks = 0
        return self

    async def __aexit__(self, *exc: object) -> None:
        assert self._task is not None
        self._task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await self._task


def slow_stack(server: StackServer, tcp_port: int) -> list[ServiceCheck]:
    return [
        *(ServiceCheck.http(f"slow{i}", f"{server.url}/slow?s=0.3") for i in range(4)),
        ServiceCheck.http("stuck", f"{server.url}/hang", timeout=0.4),
        ServiceCheck.tcp("db", "127.0.0.1", tcp_port),
        ServiceCheck.tcp("closed", "127.0.0.1", free_port()),
        ServiceCheck.http("https", "https://127.0.0.1:1/health", timeout=0.5),
    ]


def test_async_checks_never_stall_the_event_loop(server: StackServer, tcp_port: int) -> None:
    async def main() -> tuple[StackHealthReport, StallDetector]:
        async with StallDetector() as detector:
            report = await acheck_stack_health(slow_stack(server, tcp_port), timeout=2)
        return report, detector

    report, detector = asyncio.run(main())
    print(f"acheck_stack_health: longest loop stall {detector.max_gap * 1000:.1f} ms")
    assert [r.status for r in report.results][:6] == ["200"] * 4 + ["timeout", "connected"]
    assert report["closed"].status == "refused"
    assert report.duration_seconds >= 0.3
    assert detector.ticks >= 20
    assert detector.max_gap < 0.05, f"the loop stalled {detector.max_gap * 1000:.0f} ms"


def test_the_stall_detector_sees_a_blocking_call(server: StackServer, tcp_port: int) -> None:
    # The detector works: the thread runner called from a coroutine holds the loop for
    # the whole run, which is why acheck_stack_health exists.
    async def main() -> StallDetector:
        async with StallDetector() as detector:
            check_stack_health(slow_stack(server, tcp_port), timeout=2)
            await asyncio.sleep(0.02)
        return detector

    detector = asyncio.run(main())
    print(f"check_stack_health in a coroutine: loop stall {detector.max_gap * 1000:.0f} ms")
    assert detector.max_gap > 0.25


@RUNNERS
def test_every_health_request_carries_the_correlation_id(
    run: Callable[..., StackHealthReport],
) -> None:
    recorder = RecordingServer().start()
    try:
        with correlation_id("health-cid-7"):
            report = run({f"svc{i}": f"{recorder.url}/health/{i}" for i in range(6)}, timeout=5)
    finally:
        recorder.stop()
    assert report.ok
    seen = recorder.headers_seen()
    assert len(seen) == 6
    assert [h.get("x-correlation-id") for h in seen] == ["health-cid-7"] * 6


@RUNNERS
def test_a_dripping_server_is_cut_off_at_the_timeout(run: Callable[..., StackHealthReport]) -> None:
    # httpx times each read, not the request: a byte every 0.2 s never trips a 0.5 s
    # read timeout. The runner's own watch (timeout + grace) reports it as a timeout.
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(4)
    stop = threading.Event()

    def drip() -> None:
        conn, _ = listener.accept()
        with conn:
            conn.recv(4096)
            conn.sendall(b"HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\n")
            while not stop.is_set():
                with contextlib.suppress(OSError):
                    conn.sendall(b"x")
                stop.wait(0.2)

    thread = threading.Thread(target=drip, daemon=True)
    thread.start()
    begin = time.monotonic()
    try:
        report = run(
            [ServiceCheck.http("drip", f"http://127.0.0.1:{listener.getsockname()[1]}/")],
            timeout=0.5,
        )
    finally:
        stop.set()
        listener.close()
    assert (report["drip"].healthy, report["drip"].status) == (False, "timeout")
    assert time.monotonic() - begin < 3
