"""The end-to-end release demo behind ``mosaic demo`` and ``make demo``.

:func:`run_demo` runs the whole release workflow on this machine, with real local
processes and no account anywhere:

1. three images are written into an OCI image layout through the registry API - no
   Docker build: a tiny random layer, a config and an OCI manifest each;
2. a compose file declares three services (``web-testing``, ``web-blue``,
   ``web-green``); a :class:`~mosaic_sdk.providers.ComposeFileTarget` deploys by pinning
   ``image@digest`` in it, and a small local runtime serves each service on 127.0.0.1,
   running whatever image the file pins (``/health``, ``/version``, ``/metrics``);
3. Prometheus (Debian's ``/usr/bin/prometheus``, when installed) scrapes the services
   every second; without it the metric gates read the ``/metrics`` pages directly
   (:class:`~mosaic_sdk.observability.ScrapeMetricsSource`) and the output says so;
4. a release candidate is promoted to ``testing`` and validated there, then released to
   prod with blue-green; a bad candidate follows, its validation on the idle slot
   fails, prod is never switched, the slot is rolled back, and the evidence files
   (``docs/TASKS.md``, the scratchpad, ``CHANGELOG.md``) are shown.

The output is written for someone who has never seen the project: numbered steps, what
happened, and why.
"""

from __future__ import annotations

import contextlib
import gzip
import io
import itertools
import json
import os
import random
import secrets
import shutil
import socket
import subprocess
import tarfile
import tempfile
import textwrap
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Iterator
from contextlib import ExitStack, contextmanager
from datetime import datetime, timezone
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import attrs

from mosaic_sdk.errors import ConfigurationError, InvalidValueError, MosaicError
from mosaic_sdk.observability import (
    MetricsSource,
    PrometheusClient,
    ScrapeMetricsSource,
    StackHealthReport,
    check_stack_health,
)
from mosaic_sdk.providers import ComposeFileTarget
from mosaic_sdk.registry import (
    ANNOTATION_CREATED,
    OCI_CONFIG,
    OCI_LAYER_GZIP,
    OCI_MANIFEST,
    Manifest,
    OCILayout,
)
from mosaic_sdk.release import (
    HealthCheck,
    MetricGate,
    NoDataPolicy,
    PostDeployValidation,
    Promotion,
    ReleaseEvidence,
    ReleaseResult,
    ReleaseStep,
    ValidationReport,
    VersionMatch,
    release,
)
from mosaic_sdk.values import Digest, ImageReference

__all__ = ["DemoResult", "run_demo"]

REPOSITORY = "shop/web"
IMAGE_NAME = f"demo.local/{REPOSITORY}"
SERVICES = ("web-testing", "web-blue", "web-green")
BEHAVIOUR_LABEL = "org.mosaic.demo.behaviour"
VERSION_LABEL = "org.opencontainers.image.version"
BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5)
WINDOW = "10s"
GATE_DELAY = 5.0
ISSUE = 1
SCRATCHPAD = "shop-web-release"

_COMPOSE = """\
# The shop's web service: one stack for testing, two for production (blue/green).
# mosaic pins each image by digest; a runtime or `docker compose up` makes it real.
services:
  web-testing:
    image: demo.local/shop/web:unset
    labels:
      org.opencontainers.image.version: "unset"
  web-blue:
    image: demo.local/shop/web:unset
    labels:
      org.opencontainers.image.version: "unset"
  web-green:
    image: demo.local/shop/web:unset
    labels:
      org.opencontainers.image.version: "unset"
"""
_TASKS = """\
# Tasks

## Doing

- [ ] Add a search box to the shop front page
- [ ] Move the order emails to the new mail provider
"""
_CHANGELOG = """\
# Changelog

## [Unreleased]

### Added

- Order history page.

## [0.9.0] - 2024-04-02

### Added

- First public release of the shop.
"""


@attrs.frozen
class _Release:
    tag: str
    behaviour: str
    blurb: str


_RELEASES = (
    _Release("v0.9.0", "healthy", "the release in production today"),
    _Release("v1.0.0-rc.1", "healthy", "a good release candidate"),
    _Release("v1.1.0-rc.1", "faulty", "a candidate with a bug: 1 in 3 orders fail, answers slow"),
)


@attrs.frozen
class DemoResult:
    """What the demo did, for tests and for callers that want to look further.

    Attributes:
        workdir: the directory holding the registry, compose file and evidence.
        metrics_source: where the metric gates read from (Prometheus or scraped pages).
        used_prometheus: True when a real Prometheus ran.
        baseline: digest of v0.9.0 (live at the start).
        good: digest of v1.0.0-rc.1.
        bad: digest of v1.1.0-rc.1.
        prod: digest ``prod`` points to at the end.
        prod_slot: the live slot at the end.
        good_release: the blue/green release record of the good candidate.
        bad_release: the blue/green release record of the bad candidate.
        stack: the stack health report taken at start-up.
        compose_file: the compose file the targets pin.
        tasks: ``docs/TASKS.md``.
        scratchpad: the scratchpad with the evidence.
        changelog: ``CHANGELOG.md``.
        seconds: how long the demo took.
        canary: what the canary act measured, or ``None`` when it was skipped (no
            haproxy or no prometheus binary).
    """

    workdir: Path
    metrics_source: str
    used_prometheus: bool
    baseline: Digest
    good: Digest
    bad: Digest
    prod: Digest
    prod_slot: str
    good_release: ReleaseResult
    bad_release: ReleaseResult
    stack: StackHealthReport
    compose_file: Path
    tasks: Path
    scratchpad: Path
    changelog: Path
    seconds: float
    canary: CanaryAct | None = None


# -- images --------------------------------------------------------------------------------


def _layer(release: _Release) -> tuple[bytes, bytes]:
    """A one-file tar layer (random content, so every run builds new digests)."""
    text = f"{release.tag} {secrets.token_hex(16)}\n".encode()
    raw = io.BytesIO()
    with tarfile.open(fileobj=raw, mode="w", format=tarfile.PAX_FORMAT) as tar:
        info = tarfile.TarInfo("app/RELEASE")
        info.size, info.mode, info.mtime = len(text), 0o644, 0
        tar.addfile(info, io.BytesIO(text))
    uncompressed = raw.getvalue()
    return gzip.compress(uncompressed, mtime=0), uncompressed


def _push_image(layout: OCILayout, release: _Release) -> Manifest:
    layer, uncompressed = _layer(release)
    created = datetime.now(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")
    config = {
        "architecture": "amd64",
        "os": "linux",
        "created": created,
        "config": {
            "Labels": {VERSION_LABEL: release.tag, BEHAVIOUR_LABEL: release.behaviour},
            "Cmd": ["/app/serve"],
        },
        "rootfs": {"type": "layers", "diff_ids": [str(Digest.from_bytes(uncompressed))]},
    }
    config_bytes = json.dumps(config, separators=(",", ":"), sort_keys=True).encode()
    config_digest = layout.put_blob(REPOSITORY, config_bytes)
    layer_digest = layout.put_blob(REPOSITORY, layer)
    document = {
        "schemaVersion": 2,
        "mediaType": OCI_MANIFEST,
        "config": {
            "mediaType": OCI_CONFIG,
            "digest": str(config_digest),
            "size": len(config_bytes),
        },
        "layers": [{"mediaType": OCI_LAYER_GZIP, "digest": str(layer_digest), "size": len(layer)}],
        "annotations": {ANNOTATION_CREATED: created},
    }
    manifest = Manifest.from_json(document, OCI_MANIFEST)
    layout.put_manifest(REPOSITORY, release.tag, manifest)
    return manifest


# -- the local runtime ---------------------------------------------------------------------


class _Metrics:
    """Request counter and latency histogram per version, in the Prometheus text format."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._requests: dict[tuple[str, str], int] = {}
        self._buckets: dict[str, list[int]] = {}
        self._sums: dict[str, float] = {}

    def observe(self, version: str, code: int, seconds: float) -> None:
        with self._lock:
            key = (version, str(code))
            self._requests[key] = self._requests.get(key, 0) + 1
            counts = self._buckets.setdefault(version, [0] * (len(BUCKETS) + 1))
            for index, bound in enumerate((*BUCKETS, float("inf"))):
                if seconds <= bound:
                    counts[index] += 1
            self._sums[version] = self._sums.get(version, 0.0) + seconds

    def exposition(self) -> str:
        lines = [
            "# HELP http_requests_total Requests served by /api/orders.",
            "# TYPE http_requests_total counter",
        ]
        with self._lock:
            for (version, code), count in sorted(self._requests.items()):
                lines.append(f'http_requests_total{{code="{code}",version="{version}"}} {count}')
            lines += [
                "# HELP http_request_duration_seconds Latency of /api/orders.",
                "# TYPE http_request_duration_seconds histogram",
            ]
            for version, counts in sorted(self._buckets.items()):
                for bound, count in zip((*BUCKETS, float("inf")), counts, strict=True):
                    le = "+Inf" if bound == float("inf") else f"{bound:g}"
                    lines.append(
                        f'http_request_duration_seconds_bucket{{le="{le}",version="{version}"}} '
                        f"{count}"
                    )
                lines.append(
                    f'http_request_duration_seconds_sum{{version="{version}"}} '
                    f"{self._sums[version]:.6f}"
                )
                lines.append(
                    f'http_request_duration_seconds_count{{version="{version}"}} {counts[-1]}'
                )
        return "\n".join(lines) + "\n"


class _Service:
    """One compose service, served on 127.0.0.1: it runs whatever image the file pins."""

    def __init__(self, name: str, runtime: _Runtime) -> None:
        self.name = name
        self.runtime = runtime
        self.target = ComposeFileTarget(runtime.compose, name, name=f"compose:{name}")
        self.metrics = _Metrics()
        self._served = 0
        self._lock = threading.Lock()
        self._random = random.Random(name)  # noqa: S311 - simulated latency, not security
        service = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, format: str, *args: Any) -> None:
                return

            def do_GET(self) -> None:
                service.handle(self)

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler, bind_and_activate=False)
        self.httpd.daemon_threads = True
        self.httpd.request_queue_size = 64
        self.httpd.server_bind()
        self.httpd.server_activate()
        self.port: int = self.httpd.server_address[1]
        self.url = f"http://127.0.0.1:{self.port}"
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)

    def image(self) -> tuple[Digest | None, str, str]:
        """``(digest, version, behaviour)`` of the image the compose file pins now."""
        return self.runtime.pinned(self.name)

    def _send(self, handler: BaseHTTPRequestHandler, status: int, body: bytes, ctype: str) -> None:
        handler.send_response(status)
        handler.send_header("Content-Type", ctype)
        handler.send_header("Content-Length", str(len(body)))
        handler.end_headers()
        handler.wfile.write(body)

    def handle(self, handler: BaseHTTPRequestHandler) -> None:
        path = handler.path.split("?", 1)[0]
        if path == "/metrics":
            body = self.metrics.exposition().encode()
            self._send(handler, 200, body, "text/plain; version=0.0.4")
            return
        digest, version, behaviour = self.image()
        if digest is None:
            self._send(handler, 503, b"no image pinned yet", "text/plain")
        elif path == "/health":
            self._send(handler, 200, b"ok", "text/plain")
        elif path == "/version":
            body = json.dumps({"digest": str(digest), "version": version}).encode()
            self._send(handler, 200, body, "application/json")
        elif path == "/api/orders":
            self._order(handler, version, behaviour)
        else:
            self._send(handler, 404, b"not found", "text/plain")

    def _order(self, handler: BaseHTTPRequestHandler, version: str, behaviour: str) -> None:
        start = time.perf_counter()
        with self._lock:
            self._served += 1
            n = self._served
            delay = (
                self._random.uniform(0.2, 0.45)
                if behaviour == "faulty"
                else self._random.uniform(0.001, 0.004)
            )
        time.sleep(delay)
        status = 500 if behaviour == "faulty" and n % 3 == 0 else 200
        self.metrics.observe(version, status, time.perf_counter() - start)
        body = b'{"order": "accepted"}' if status == 200 else b'{"error": "order lost"}'
        self._send(handler, status, body, "application/json")


class _Runtime:
    """Serves every compose service and sends them steady synthetic traffic."""

    def __init__(self, compose: Path, layout: OCILayout) -> None:
        self.compose = compose
        self.layout = layout
        self._cache_key: tuple[int, int] | None = None
        self._pins: dict[str, tuple[Digest | None, str, str]] = {}
        self._configs: dict[Digest, tuple[str, str]] = {}
        self._lock = threading.Lock()
        self.services = {name: _Service(name, self) for name in SERVICES}
        self._stop = threading.Event()
        self._threads: list[threading.Thread] = []

    def pinned(self, service: str) -> tuple[Digest | None, str, str]:
        stat = self.compose.stat()
        key = (stat.st_mtime_ns, stat.st_ino)
        with self._lock:
            if key != self._cache_key:
                pins = {}
                for name, svc in self.services.items():
                    running = svc.target.running()
                    pins[name] = self._describe(running.digest)
                self._pins, self._cache_key = pins, key
            return self._pins[service]

    def _describe(self, digest: Digest | None) -> tuple[Digest | None, str, str]:
        if digest is None:
            return None, "", ""
        if digest not in self._configs:
            manifest = json.loads(self.layout.get_manifest(REPOSITORY, str(digest)).content)
            config = json.loads(
                self.layout.get_blob(REPOSITORY, Digest.parse(manifest["config"]["digest"]))
            )
            labels = config["config"]["Labels"]
            self._configs[digest] = (labels[VERSION_LABEL], labels[BEHAVIOUR_LABEL])
        version, behaviour = self._configs[digest]
        return digest, version, behaviour

    def start(self) -> None:
        for service in self.services.values():
            service.thread.start()
            for _ in range(2):
                thread = threading.Thread(target=self._traffic, args=(service,), daemon=True)
                thread.start()
                self._threads.append(thread)

    def _traffic(self, service: _Service) -> None:
        while not self._stop.is_set():
            if service.image()[0] is not None:
                try:
                    with urllib.request.urlopen(f"{service.url}/api/orders", timeout=5):  # noqa: S310
                        pass
                except urllib.error.HTTPError as exc:
                    exc.close()
                except OSError:
                    pass
            self._stop.wait(0.05)

    def stop(self) -> None:
        self._stop.set()
        for thread in self._threads:
            thread.join(timeout=5)
        for service in self.services.values():
            service.httpd.shutdown()
            service.httpd.server_close()


# -- metrics: Prometheus or the scraped pages -------------------------------------------------


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def find_prometheus() -> str | None:
    """The Prometheus binary (``$PATH`` or ``/usr/bin/prometheus``), or ``None``."""
    found = shutil.which("prometheus")
    if found:
        return found
    return "/usr/bin/prometheus" if os.access("/usr/bin/prometheus", os.X_OK) else None


def find_haproxy() -> str | None:
    """The HAProxy binary (``$PATH`` or ``/usr/sbin/haproxy``), or ``None``."""
    found = shutil.which("haproxy")
    if found:
        return found
    return "/usr/sbin/haproxy" if os.access("/usr/sbin/haproxy", os.X_OK) else None


@contextmanager
def _prometheus(binary: str, workdir: Path, runtime: _Runtime) -> Iterator[PrometheusClient]:
    ports = {name: service.port for name, service in runtime.services.items()}
    with _prometheus_for(binary, workdir, ports) as client:
        yield client


@contextmanager
def _prometheus_for(
    binary: str, workdir: Path, ports: dict[str, int]
) -> Iterator[PrometheusClient]:
    """Prometheus scraping ``ports`` (job name -> port on 127.0.0.1) every second."""
    workdir.mkdir(parents=True, exist_ok=True)
    port = _free_port()
    lines = ["global:", "  scrape_interval: 1s", "  evaluation_interval: 1s", "scrape_configs:"]
    for name, service_port in ports.items():
        lines += [
            f"  - job_name: {name}",
            "    static_configs:",
            f'      - targets: ["127.0.0.1:{service_port}"]',
        ]
    config = workdir / "prometheus.yml"
    config.write_text("\n".join(lines) + "\n", encoding="utf-8")
    log = (workdir / "prometheus.log").open("wb")
    process = subprocess.Popen(
        [
            binary,
            f"--config.file={config}",
            f"--web.listen-address=127.0.0.1:{port}",
            f"--storage.tsdb.path={workdir / 'data'}",
            "--storage.tsdb.retention.time=1h",
            "--log.level=warn",
        ],
        stdout=log,
        stderr=subprocess.STDOUT,
        cwd=workdir,
    )
    client = PrometheusClient(f"http://127.0.0.1:{port}", timeout=10)
    try:
        deadline = time.monotonic() + 30
        while not client.ready():
            if process.poll() is not None or time.monotonic() > deadline:
                raise ConfigurationError(
                    f"Prometheus did not become ready; see {workdir / 'prometheus.log'}"
                )
            time.sleep(0.2)
        # Prometheus applies new scrape targets a few seconds after start-up; wait until
        # it has scraped every service once, so the first gates have data to read.
        while (client.value("count(up == 1)") or 0) < len(ports):
            if time.monotonic() > deadline:
                raise ConfigurationError(
                    f"Prometheus did not scrape the services; see {workdir / 'prometheus.log'}"
                )
            time.sleep(0.2)
        yield client
    finally:
        client.close()
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=10)
        log.close()


@contextmanager
def _scraper(runtime: _Runtime) -> Iterator[ScrapeMetricsSource]:
    source = ScrapeMetricsSource(
        {name: f"{service.url}/metrics" for name, service in runtime.services.items()}
    )
    stop = threading.Event()

    def loop() -> None:  # scrape every second, like Prometheus would
        while not stop.is_set():
            # A missed scrape is just a gap, as in Prometheus.
            with contextlib.suppress(MosaicError):
                source.scrape()
            stop.wait(1.0)

    thread = threading.Thread(target=loop, daemon=True)
    thread.start()
    try:
        yield source
    finally:
        stop.set()
        thread.join(timeout=5)
        source.close()


# -- the canary act ------------------------------------------------------------------------


_CANARY_RELEASES = (
    _Release("v1.2.0-rc.1", "healthy", "a good candidate for the canary"),
    _Release("v1.3.0-rc.1", "faulty", "a canary candidate with the same bug: 1 in 3 orders fail"),
)


class _QuietServer(ThreadingHTTPServer):
    # HAProxy's health check closes with a reset once it has read the status line: no
    # error of the app, so no traceback.
    def handle_error(self, request: Any, client_address: Any) -> None:
        import sys

        if not isinstance(sys.exc_info()[1], ConnectionError):
            super().handle_error(request, client_address)


class _CanaryApp:
    """One release behind HAProxy: ``/api/orders`` (counted), ``/health``, ``/version``,
    ``/metrics`` (requests and latency labelled with its version)."""

    def __init__(self, digest: Digest, version: str, behaviour: str) -> None:
        self.digest, self.version, self.behaviour = digest, version, behaviour
        self.metrics = _Metrics()
        self.served = 0
        self._lock = threading.Lock()
        app = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, format: str, *args: Any) -> None:
                return

            def do_GET(self) -> None:
                app.handle(self)

        self.httpd = _QuietServer(("127.0.0.1", 0), Handler)
        self.httpd.daemon_threads = True
        self.port: int = self.httpd.server_address[1]
        self.host = f"127.0.0.1:{self.port}"
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)
        self.thread.start()

    def _send(self, handler: BaseHTTPRequestHandler, status: int, body: bytes) -> None:
        handler.send_response(status)
        handler.send_header("Content-Type", "text/plain")
        handler.send_header("Content-Length", str(len(body)))
        handler.end_headers()
        handler.wfile.write(body)

    def handle(self, handler: BaseHTTPRequestHandler) -> None:
        path = handler.path.split("?", 1)[0]
        if path == "/metrics":
            self._send(handler, 200, self.metrics.exposition().encode())
        elif path == "/health":
            self._send(handler, 200, b"ok")
        elif path == "/version":
            body = json.dumps({"digest": str(self.digest), "version": self.version})
            self._send(handler, 200, body.encode())
        elif path == "/api/orders":
            start = time.perf_counter()
            with self._lock:
                self.served += 1
                n = self.served
            status = 500 if self.behaviour == "faulty" and n % 3 == 0 else 200
            self.metrics.observe(self.version, status, time.perf_counter() - start)
            self._send(handler, status, b"order" if status == 200 else b"order lost")
        else:
            self._send(handler, 404, b"not found")

    def stop(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()


class _Users:
    """Synthetic users sending orders through HAProxy's frontend."""

    def __init__(self, url: str, threads: int = 3) -> None:
        self.url = url
        self.sent = 0
        self._stop = threading.Event()
        self._threads = [threading.Thread(target=self._loop, daemon=True) for _ in range(threads)]

    def _loop(self) -> None:
        while not self._stop.is_set():
            try:
                with urllib.request.urlopen(f"{self.url}/api/orders", timeout=5):  # noqa: S310
                    pass
            except urllib.error.HTTPError as exc:
                exc.close()
            except OSError:
                pass
            self.sent += 1
            self._stop.wait(0.003)

    def __enter__(self) -> _Users:
        for thread in self._threads:
            thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        for thread in self._threads:
            thread.join(timeout=10)


@attrs.frozen
class CanaryAct:
    """What the demo's canary act measured.

    Attributes:
        good: the canary release of the good candidate (10 -> 25 -> 50 -> 100 %).
        bad: the canary release of the bad candidate (rolled back at 10 %).
        shares: for each weight of the good canary, the measured share (percent) of the
            requests each version served while it held that weight.
        bad_requests: the requests the bad candidate served.
        bad_requests_after: the requests it served after the rollback (0).
    """

    good: ReleaseResult
    bad: ReleaseResult
    shares: dict[int, dict[str, float]]
    bad_requests: int
    bad_requests_after: int


def _canary_act(
    say: _Printer,
    layout: OCILayout,
    prometheus_binary: str | None,
    root: Path,
    stable: ImageReference,
) -> CanaryAct | None:
    """Step a good candidate through a real HAProxy, then catch a bad one at 10 %."""
    from mosaic_sdk.providers.haproxy import HAProxySplitter, StaticServices

    haproxy = find_haproxy()
    missing = [n for n, b in (("haproxy", haproxy), ("prometheus", prometheus_binary)) if not b]
    if missing:
        say.say(
            f"Skipped: this act needs {' and '.join(missing)} (Debian: apt-get install "
            f"{' '.join(missing)}); the baseline comparison asks Prometheus PromQL, and "
            "HAProxy splits the traffic."
        )
        return None
    assert haproxy is not None
    assert prometheus_binary is not None
    manifests = {r.tag: _push_image(layout, r) for r in _CANARY_RELEASES}
    good = _pinned(manifests["v1.2.0-rc.1"], "v1.2.0-rc.1")
    bad = _pinned(manifests["v1.3.0-rc.1"], "v1.3.0-rc.1")
    images = {"stable": stable, "good": good, "bad": bad}
    behaviours = {"stable": "healthy", "good": "healthy", "bad": "faulty"}
    apps = {
        name: _CanaryApp(image.digest, image.tag or "", behaviours[name])  # type: ignore[arg-type]
        for name, image in images.items()
    }
    socket_dir = Path(tempfile.mkdtemp(prefix="mosaic-hx-", dir="/tmp"))  # a short socket path
    try:
        with _prometheus_for(
            prometheus_binary,
            root / "prometheus-canary",
            {f"canary-{n}": a.port for n, a in apps.items()},
        ) as prom:
            splitter = HAProxySplitter(
                socket_dir,
                deployer=StaticServices({images[n].digest: a.host for n, a in apps.items()}),  # type: ignore[misc]
                listen=f"127.0.0.1:{_free_port()}",
                health_check="/health",
                binary=haproxy,
            )
            splitter.deploy(stable)
            splitter.start()
            try:
                return _canary_steps(say, splitter, prom, apps, images)
            finally:
                splitter.stop()
    finally:
        for app in apps.values():
            app.stop()
        shutil.rmtree(socket_dir, ignore_errors=True)


def _canary_steps(
    say: _Printer,
    splitter: Any,
    prom: PrometheusClient,
    apps: dict[str, _CanaryApp],
    images: dict[str, ImageReference],
) -> CanaryAct:
    from mosaic_sdk.release import Analysis, AutoRollback, BaselineGate, Canary

    url = f"http://{splitter.listen}"
    say.say(
        f"Three releases answer behind one HAProxy backend at {url}: {images['stable'].tag} "
        f"(stable), {images['good'].tag} and {images['bad'].tag}. Synthetic users send "
        "orders through HAProxy; Prometheus scrapes each release's requests by version. "
        "At each step the candidate's error ratio is compared with the stable release's "
        "over the same 10 s window (BaselineGate); under 50 requests on either side the "
        "verdict is 'insufficient data', never a pass."
    )

    def canary() -> Canary:
        gate = BaselineGate.error_ratio(prom, window=WINDOW, max_increase=0.02)
        return Canary(
            gates=[gate], auto_rollback=AutoRollback(), steps=(10, 25, 50),
            analysis=Analysis(count=3, interval=1, initial_delay=3, inconclusive_limit=2),
        )  # fmt: skip

    marks: list[tuple[str, dict[str, int]]] = []

    def on_step(step: ReleaseStep) -> None:
        marks.append((step.name, {n: a.served for n, a in apps.items()}))

    checks = PostDeployValidation([HealthCheck(f"http://{apps['good'].host}/health")])
    with _Users(url):
        deadline = time.monotonic() + 30
        stable_requests = f'sum(http_requests_total{{version="{images["stable"].tag}"}})'
        while (prom.value(stable_requests) or 0) < 50:
            if time.monotonic() > deadline:
                break
            time.sleep(0.5)
        good = release(images["good"], validation=checks, strategy=canary(), target=splitter,
                       on_step=on_step)  # fmt: skip
        good_marks = list(marks)
        marks.clear()
        checks = PostDeployValidation([HealthCheck(f"http://{apps['bad'].host}/health")])
        bad = release(images["bad"], validation=checks, strategy=canary(), target=splitter,
                      on_step=on_step)  # fmt: skip
    shares: dict[int, dict[str, float]] = {}
    for (name, before), (_, after) in itertools.pairwise(good_marks):
        if name.startswith("send ") and name.endswith("of traffic to the canary"):
            weight = int(name.split()[1].rstrip("%"))
            delta = {n: after[n] - before[n] for n in ("stable", "good")}
            total = sum(delta.values()) or 1
            shares[weight] = {images[n].tag or n: 100 * v / total for n, v in delta.items()}
    say.say(f"Canary of {images['good'].tag}: {good.outcome.value}, traffic {good.traffic}")
    say.lines(
        [
            f"at {w:>3}%: " + ", ".join(f"{v} served {p:.1f}%" for v, p in s.items())
            for w, s in shares.items()
        ]
    )
    bad_seen = apps["bad"].served
    say.say(f"Canary of {images['bad'].tag}: {bad.outcome.value} at {bad.traffic[-1]}%")
    if bad.reports:
        say.lines([bad.reports[-1].headline()])
    timing = bad.timing
    say.say(
        f"The bad candidate saw {bad_seen} requests"
        + (
            f"; it had traffic for {timing.seconds_to_rollback:.1f} s before the rollback"
            if timing is not None and timing.seconds_to_rollback is not None
            else ""
        )
        + ". After the rollback HAProxy sends it nothing:"
    )
    for _ in range(200):
        with urllib.request.urlopen(f"{url}/version", timeout=5):  # noqa: S310 - loopback
            pass
    late = apps["bad"].served - bad_seen
    say.lines([f"200 more requests: {late} reached {images['bad'].tag}"])
    return CanaryAct(good=good, bad=bad, shares=shares, bad_requests=bad_seen,
                     bad_requests_after=late)  # fmt: skip


# -- output --------------------------------------------------------------------------------


class _Printer:
    def __init__(self, out: Callable[[str], None]) -> None:
        self.out = out
        self.step = 0

    def title(self, text: str) -> None:
        self.step += 1
        self.out("")
        self.out(f"Step {self.step}. {text}")

    def say(self, text: str, indent: int = 3) -> None:
        for paragraph in text.split("\n"):
            wrapped = textwrap.wrap(paragraph, width=96 - indent) or [""]
            for line in wrapped:
                self.out(" " * indent + line)

    def lines(self, lines: list[str], indent: int = 5) -> None:
        for line in lines:
            lead = len(line) - len(line.lstrip())
            wrapped = textwrap.wrap(
                line.strip(),
                width=96 - indent - lead,
                subsequent_indent="    ",
                break_on_hyphens=False,
            ) or [""]
            for part in wrapped:
                self.out(" " * (indent + lead) + part)


def _short(digest: Digest | None) -> str:
    return "(none)" if digest is None else f"sha256:{digest.short}"


def _report_lines(report: ValidationReport) -> list[str]:
    lines = []
    for result in report.results:
        lines.append(f"{result.verdict.symbol} {result.name}: {result.summary}")
    lines.append(f"=> {report.verdict.value.upper()} in {report.duration_seconds:.1f} s")
    return lines


def _section(path: Path, heading: str, limit: int) -> list[str]:
    text = path.read_text(encoding="utf-8").splitlines()
    out: list[str] = []
    inside = False
    for line in text:
        if line.startswith("#") and line.lstrip("#").strip() == heading:
            inside = True
            out.append(line)
            continue
        if inside and line.startswith("## ") and out:
            break
        if inside:
            out.append(line)
    trimmed = [line for line in out if "<!--" not in line or "mosaic:" in line]
    cleaned = [line.split(" <!-- mosaic:")[0] for line in trimmed if not line.startswith("<!--")]
    squeezed: list[str] = []
    for line in cleaned:
        if line.strip() or (squeezed and squeezed[-1].strip()):
            squeezed.append(line)
    cleaned = squeezed
    while cleaned and not cleaned[-1].strip():
        cleaned.pop()
    if len(cleaned) > limit:
        cleaned = [*cleaned[:limit], f"... ({len(cleaned) - limit} more lines in the file)"]
    return cleaned


# -- the flow ------------------------------------------------------------------------------


def _pinned(manifest: Manifest, tag: str) -> ImageReference:
    return ImageReference.parse(f"{IMAGE_NAME}:{tag}@{manifest.digest}")


def run_demo(
    workdir: str | os.PathLike[str] | None = None,
    *,
    out: Callable[[str], None] = print,
    prometheus: bool | None = None,
) -> DemoResult:
    """Run the whole release flow locally and print what happens.

    Args:
        workdir: an empty (or missing) directory for the registry, compose file and
            evidence; a new temporary directory by default (kept, so the files can be
            read afterwards).
        out: where each output line goes (``print`` by default).
        prometheus: ``True`` requires Debian's Prometheus, ``False`` reads the
            ``/metrics`` pages directly, ``None`` uses Prometheus when installed.

    Raises:
        InvalidValueError: ``workdir`` exists and is not an empty directory.
        ConfigurationError: ``prometheus=True`` and no Prometheus binary is installed.
    """
    begin = time.monotonic()
    root = Path(workdir) if workdir is not None else Path(tempfile.mkdtemp(prefix="mosaic-demo-"))
    if root.exists() and (not root.is_dir() or any(root.iterdir())):
        raise InvalidValueError(
            os.fspath(root), "is not an empty directory", "pass a new or empty directory"
        )
    binary = find_prometheus() if prometheus is not False else None
    if prometheus is True and binary is None:
        raise ConfigurationError(
            "prometheus=True but no prometheus binary is installed; apt-get install "
            "prometheus, or run the demo with prometheus=None to read /metrics directly"
        )
    root.mkdir(parents=True, exist_ok=True)
    say = _Printer(out)
    out("mosaic demo: a release from candidate to production, on this machine only")
    out(f"  working directory: {root}  (everything stays on 127.0.0.1; no accounts)")

    # Step 1 - images
    say.title("Build three images without Docker")
    layout = OCILayout(root / "registry")
    manifests = {r.tag: _push_image(layout, r) for r in _RELEASES}
    say.say(
        "Each image is a tiny random layer, a config and an OCI manifest, written through "
        "the registry API into an OCI image layout (registry/, the format skopeo and umoci "
        "read). A release is named by its digest: the exact bytes tested in testing are "
        "the bytes that reach prod."
    )
    say.lines([f"{r.tag:<13} {_short(manifests[r.tag].digest)}  {r.blurb}" for r in _RELEASES])
    baseline, good, bad = (manifests[r.tag] for r in _RELEASES)

    # Step 2 - services and metrics
    (root / "deploy").mkdir()
    compose = root / "deploy" / "compose.yaml"
    compose.write_text(_COMPOSE, encoding="utf-8")
    (root / "docs").mkdir()
    (root / "docs" / "TASKS.md").write_text(_TASKS, encoding="utf-8")
    (root / "CHANGELOG.md").write_text(_CHANGELOG, encoding="utf-8")
    runtime = _Runtime(compose, layout)
    targets = {name: ComposeFileTarget(compose, name, name=f"compose:{name}") for name in SERVICES}
    with ExitStack() as stack:
        runtime.start()
        stack.callback(runtime.stop)
        say.title("Start the services and the metrics")
        say.say(
            "deploy/compose.yaml declares web-testing, web-blue and web-green. A "
            "ComposeFileTarget deploys by pinning image@digest in that file (comments and "
            "layout kept). A small local runtime serves each service on 127.0.0.1 and runs "
            "whatever image the file pins: /health, /version (digest and version) and "
            "/metrics (requests and latency per version). Synthetic traffic keeps every "
            "deployed service busy, so the gates have data."
        )
        source: MetricsSource
        prom: PrometheusClient | None = None
        if binary is not None:
            try:
                prom = stack.enter_context(_prometheus(binary, root / "prometheus", runtime))
                source = prom
                say.say(
                    f"Metrics: Prometheus ({binary}) at {prom.base_url} scrapes the three "
                    "services every second; the gates ask it PromQL."
                )
            except ConfigurationError as exc:
                say.say(f"Prometheus could not start ({exc.message}); falling back.")
        used_prometheus = prom is not None
        if prom is None:
            source = stack.enter_context(_scraper(runtime))
            say.say(
                "Metrics: no Prometheus here, so the gates read the /metrics pages directly "
                "(ScrapeMetricsSource: the same rate and histogram_quantile arithmetic, "
                "computed in process). Install the prometheus package to use the real one."
            )
        health_targets = {name: f"{svc.url}/metrics" for name, svc in runtime.services.items()}
        if prom is not None:
            health_targets["prometheus"] = f"{prom.base_url}/-/ready"
        stack_report = check_stack_health(health_targets, timeout=3)
        say.say("Stack health (all endpoints checked at once):")
        say.lines(str(stack_report).splitlines())

        promotion = Promotion(layout, REPOSITORY, actor="demo")
        evidence = ReleaseEvidence(root, issue=ISSUE, short_name=SCRATCHPAD, title="Ship shop/web")
        functional = PostDeployValidation(
            [
                HealthCheck("{base_url}/health", deadline=10, interval=0.2, timeout=2),
                VersionMatch("{base_url}/version", deadline=5, interval=0.2, timeout=2),
            ],
            name="testing checks",
        )
        gates = [
            MetricGate.error_ratio(
                source, max_ratio=0.05, window=WINDOW, on_no_data=NoDataPolicy.FAIL,
                selector={"job": "web-{slot}", "version": "{version}"}, initial_delay=GATE_DELAY,
                data_deadline=15, name="error ratio",
            ),
            MetricGate.latency(
                source, quantile=0.95, max_seconds=0.25, window=WINDOW,
                on_no_data=NoDataPolicy.FAIL,
                selector={"job": "web-{slot}", "version": "{version}"}, data_deadline=15,
                name="p95 latency",
            ),
        ]  # fmt: skip
        prod_checks = PostDeployValidation(
            [*functional.checks, *gates], name="pre-switch validation"
        )
        urls = {slot: runtime.services[f"web-{slot}"].url for slot in ("blue", "green")}

        # Step 3 - the starting point
        say.title("Starting point: v0.9.0 serves production from the blue slot")
        base = _pinned(baseline, "v0.9.0")
        promotion.promote(base.digest, to="testing")
        first = release(
            base, validation=functional, promotion=promotion,
            slots={"blue": targets["web-blue"], "green": targets["web-green"]},
            base_url=urls, deployment="shop/web prod",
        )  # fmt: skip
        first.raise_for_outcome()
        say.say(
            "Promotion moves pointer tags (testing, prod, blue, green) to a digest by "
            "re-writing the same manifest bytes. Blue/green keeps two production stacks: "
            "prod points at one slot, the other is idle."
        )
        say.lines([str(promotion.slots())])

        # Step 4 - testing
        candidate = _pinned(good, "v1.0.0-rc.1")
        say.title("Promote the candidate v1.0.0-rc.1 to testing and check it there")
        record = promotion.promote(candidate.digest, to="testing")
        deployed = targets["web-testing"].deploy(candidate)
        say.lines(
            [
                f"registry: testing -> {_short(record.digest_after)} "
                f"(was {_short(record.digest_before)}, v0.9.0)",
                f"deploy/compose.yaml: web-testing pinned to v1.0.0-rc.1@"
                f"{_short(deployed.digest)} (deployment {deployed.id})",
            ]
        )
        report = functional.run(
            candidate, version="v1.0.0-rc.1", target=targets["web-testing"],
            environment="testing", base_url=runtime.services["web-testing"].url,
        )  # fmt: skip
        say.say("Testing runs functional checks: is it up, and is it really this digest?")
        say.lines(_report_lines(report))
        report.raise_for_verdict()

        # Step 5 - blue/green to prod
        say.title("Release v1.0.0-rc.1 to production with blue/green")
        say.say(
            "The candidate goes to the idle slot while prod keeps serving the live one. The "
            f"idle slot must pass the checks and two metric gates over the last {WINDOW} of "
            "real traffic before prod switches: error ratio <= 5 % and p95 latency <= 250 ms "
            f"(read from {source.source_name}). A gate without data waits up to 15 s for it, "
            "then fails: it never passes for lack of traffic."
        )
        good_release = release(
            candidate, validation=prod_checks, promotion=promotion,
            slots={"blue": targets["web-blue"], "green": targets["web-green"]}, base_url=urls,
            evidence=evidence, deployment="shop/web prod",
        )  # fmt: skip
        say.lines(str(good_release).splitlines()[1:])
        assert good_release.report is not None
        say.say("Validation of the idle slot:")
        say.lines(_report_lines(good_release.report))
        good_release.raise_for_outcome()
        say.say(
            f"Result: prod -> {good_release.active_slot} runs v1.0.0-rc.1. The old slot keeps "
            "v0.9.0 running, so switching back would be instant."
        )
        say.lines([str(promotion.slots())])

        # Step 6 - the bad candidate in testing
        bad_image = _pinned(bad, "v1.1.0-rc.1")
        say.title("Ship the next candidate, v1.1.0-rc.1, through testing")
        promotion.promote(bad_image.digest, to="testing")
        targets["web-testing"].deploy(bad_image)
        bad_testing = functional.run(
            bad_image, version="v1.1.0-rc.1", target=targets["web-testing"],
            environment="testing", base_url=runtime.services["web-testing"].url,
        )  # fmt: skip
        say.lines(_report_lines(bad_testing))
        say.say(
            "It is up and it is the right digest, so it passes testing. Its bug only shows "
            "under load: that is what the production gates are for."
        )

        # Step 7 - blue/green fails, rollback
        say.title("Release v1.1.0-rc.1 with blue/green: the gates catch it")
        bad_release = release(
            bad_image, validation=prod_checks, promotion=promotion,
            slots={"blue": targets["web-blue"], "green": targets["web-green"]}, base_url=urls,
            evidence=evidence, deployment="shop/web prod",
            next_step="fix the lost orders and the slow answers of v1.1.0-rc.1, then ship "
            "v1.1.0-rc.2 through testing",
        )  # fmt: skip
        assert bad_release.report is not None
        say.say("Validation of the idle slot:")
        say.lines(_report_lines(bad_release.report))
        say.say("What the release did:")
        say.lines(str(bad_release).splitlines()[1:])
        say.say(
            "A failed validation never switches: prod kept serving v1.0.0-rc.1 the whole "
            "time. The idle slot was rolled back to the release it ran before, through the "
            "same deployment target, and the running digest was checked afterwards."
        )
        say.lines([str(promotion.slots())])

        # Step 8 - canary through HAProxy
        say.title("Canary through a real HAProxy: step by step, judged against the stable")
        canary_act = _canary_act(say, layout, binary, root, candidate)

        # Step 9 - evidence
        say.title("The evidence left for the team")
        tasks, pad, notes = evidence.tasks_path, evidence.scratchpad_path, evidence.changelog_path
        say.say(f"{tasks.relative_to(root)}: the deployment is marked blocked (other tasks kept):")
        say.lines(_section(tasks, "Blocked deployments", 6))
        say.say(f"{pad.relative_to(root)}: the evidence and the next step (excerpt):")
        say.lines(_section(pad, "Next remediation step", 4))
        say.lines(_section(pad, "Evidence", 14))
        say.say(f"{notes.relative_to(root)}: release notes under [Unreleased]:")
        say.lines(_section(notes, "Deployments", 6))

        prod = promotion.current("prod")
        assert prod is not None
        state = promotion.slots()
        seconds = time.monotonic() - begin
        out("")
        say.say(
            f"Done in {seconds:.0f} s. prod runs v1.0.0-rc.1 ({_short(prod)}) from the "
            f"{state.active} slot; v1.1.0-rc.1 was "
            f"{bad_release.outcome.value.replace('_', ' ')} and never served production. "
            f"Read the files in {root}: deploy/compose.yaml, docs/TASKS.md, "
            f"{pad.relative_to(root)}, CHANGELOG.md, and registry/ (an OCI image layout).",
            indent=0,
        )
        return DemoResult(
            workdir=root,
            metrics_source=source.source_name,
            used_prometheus=used_prometheus,
            baseline=baseline.digest,
            good=good.digest,
            bad=bad.digest,
            prod=prod,
            prod_slot=state.active or "",
            good_release=good_release,
            bad_release=bad_release,
            stack=stack_report,
            compose_file=compose,
            tasks=tasks,
            scratchpad=pad,
            changelog=notes,
            seconds=seconds,
            canary=canary_act,
        )
    raise AssertionError("unreachable")  # pragma: no cover
