"""Every request of a post-deploy validation carries the caller's correlation id, in both
twins.

The checks talk to the real loopback app of ``tests/_support/metrics_app.py`` and the metric
gates to a real Prometheus scraping it, each behind the pass-through proxy of
``tests/_support/header_proxy.py``, which records the headers of every request it forwards.
The target of the version check reads the app through the SDK's own HTTP client, the way a
provider target does; in the async twin that call, and a gate on a blocking Prometheus
client, run in worker threads.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from mosaic_sdk._http import HTTPClient
from mosaic_sdk.observability import (
    CORRELATION_ID_HEADER,
    AsyncPrometheusClient,
    PrometheusClient,
    PromQL,
    correlation_id,
)
from mosaic_sdk.providers import (
    Deployment,
    DeploymentStatus,
    RunningRelease,
    TargetState,
    TargetStatus,
)
from mosaic_sdk.release import (
    AsyncPostDeployValidation,
    HealthCheck,
    MetricGate,
    PostDeployValidation,
    SmokeStep,
    SmokeTest,
    ValidationReport,
    VersionMatch,
)
from mosaic_sdk.values import Digest, ImageReference
from tests._support.header_proxy import HeaderRewritingProxy
from tests._support.metrics_app import MetricsApp
from tests._support.prometheus_server import PrometheusServer

pytestmark = pytest.mark.integration

DIGEST = "sha256:" + "5e" * 32
VERSION = "2.1.0"
IMAGE = ImageReference.parse(f"registry.example/team/web@{DIGEST}")
UP = PromQL('up{job="web"}')

# What the checks below send to the app, in order: the health check's one poll, the two
# smoke steps, then the version check's target (running()) and its endpoint.
APP_REQUESTS = [
    ("GET", "/health"),
    ("GET", "/api"),
    ("GET", "/version"),
    ("GET", "/version"),
    ("GET", "/version"),
]
QUERY = ("POST", "/api/v1/query")


class Route:
    """A proxy in front of the app and one in front of Prometheus, for one run."""

    def __init__(self, app: str, prometheus: str) -> None:
        self.app = HeaderRewritingProxy(app).start()
        self.prometheus = HeaderRewritingProxy(prometheus).start()

    def stop(self) -> None:
        self.app.stop()
        self.prometheus.stop()


def _seen(proxy: HeaderRewritingProxy) -> list[tuple[str, str, str | None]]:
    """``(method, path, correlation id)`` of every request the proxy forwarded."""
    return [
        (
            method,
            path.split("?", 1)[0],
            {k.lower(): v for k, v in headers.items()}.get(CORRELATION_ID_HEADER.lower()),
        )
        for method, path, headers in proxy.requests
    ]


class ReadingTarget:
    """A target whose ``running()`` asks the app, through the SDK's blocking client."""

    name = "loopback:web"
    supports_traffic_split = False

    def __init__(self, base_url: str) -> None:
        self.base_url = base_url

    def deploy(self, image: ImageReference) -> Deployment:
        return Deployment("1", self.name, image, DeploymentStatus.SUCCEEDED)

    def running(self) -> RunningRelease:
        with HTTPClient(self.base_url, provider="loopback", timeout=10) as http:
            answer = http.request("GET", "/version").json()
        return RunningRelease(digest=Digest.parse(answer["digest"]), version=answer["version"])

    def status(self) -> TargetStatus:
        return TargetStatus(TargetState.HEALTHY)


def _http_checks() -> list[Any]:
    return [
        HealthCheck("{base_url}/health", deadline=0, timeout=10),
        SmokeTest(
            "smoke",
            steps=["/api", SmokeStep("/version", body_contains=VERSION, headers={"X-Probe": "1"})],
        ),
        VersionMatch(url="{base_url}/version", timeout=10),
    ]


def _gate(source: Any, measurements: int) -> MetricGate:
    # data_deadline=0: one query per measurement (the fixture waited for the first scrape).
    return MetricGate(
        UP, source=source, min=1, on_no_data="fail", measurements=measurements, data_deadline=0
    )


def _assert_carried(route: Route, report: ValidationReport, cid: str, *, queries: int) -> None:
    assert report.ok, report.to_markdown()
    assert _seen(route.app) == [(method, path, cid) for method, path in APP_REQUESTS]
    assert _seen(route.prometheus) == [(*QUERY, cid)] * queries
    smoke = route.app.headers_seen()[2]
    assert smoke.get("x-probe") == "1", smoke  # a step's own headers travel beside the id


@pytest.fixture(scope="module")
def app() -> Iterator[MetricsApp]:
    with MetricsApp(digest=DIGEST, version=VERSION) as running:
        yield running


@pytest.fixture(scope="module")
def prometheus(app: MetricsApp, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    workdir: Path = tmp_path_factory.mktemp("prometheus")
    with PrometheusServer(workdir, {"web": app.host}) as server:
        server.wait_for(UP.expr)  # straight to the server: the first scrape, not a request
        yield server.url


@pytest.fixture
def route(app: MetricsApp, prometheus: str) -> Iterator[Callable[[], Route]]:
    routes: list[Route] = []

    def make() -> Route:
        routes.append(Route(app.url, prometheus))
        return routes[-1]

    yield make
    for each in routes:
        each.stop()


def test_every_request_of_a_validation_carries_the_correlation_id(
    route: Callable[[], Route],
) -> None:
    via = route()
    with PrometheusClient(via.prometheus.url, timeout=10) as prom:
        validation = PostDeployValidation([*_http_checks(), _gate(prom, 2)])
        with correlation_id("validation-sync-5e1c"):
            report = validation.run(
                IMAGE, version=VERSION, base_url=via.app.url, target=ReadingTarget(via.app.url)
            )
    _assert_carried(via, report, "validation-sync-5e1c", queries=2)


def test_every_request_of_an_async_validation_carries_the_correlation_id(
    route: Callable[[], Route],
) -> None:
    via = route()

    async def main() -> ValidationReport:
        async with AsyncPrometheusClient(via.prometheus.url, timeout=10) as aprom:
            with PrometheusClient(via.prometheus.url, timeout=10) as prom:
                # The blocking client's query runs in a worker thread.
                validation = AsyncPostDeployValidation(
                    [*_http_checks(), _gate(aprom, 2), _gate(prom, 1)]
                )
                with correlation_id("validation-async-5e1c"):
                    return await validation.run(
                        IMAGE,
                        version=VERSION,
                        base_url=via.app.url,
                        target=ReadingTarget(via.app.url),
                    )

    report = asyncio.run(main())
    _assert_carried(via, report, "validation-async-5e1c", queries=3)


def test_concurrent_async_validations_keep_their_own_correlation_ids(
    route: Callable[[], Route],
) -> None:
    routes = {"validation-blue": route(), "validation-green": route()}

    async def one(cid: str, via: Route) -> ValidationReport:
        async with AsyncPrometheusClient(via.prometheus.url, timeout=10) as aprom:
            validation = AsyncPostDeployValidation([*_http_checks(), _gate(aprom, 2)])
            with correlation_id(cid):
                return await validation.run(
                    IMAGE, version=VERSION, base_url=via.app.url, target=ReadingTarget(via.app.url)
                )

    async def main() -> list[ValidationReport]:
        return await asyncio.gather(*(one(cid, via) for cid, via in routes.items()))

    reports = asyncio.run(main())
    for (cid, via), report in zip(routes.items(), reports, strict=True):
        _assert_carried(via, report, cid, queries=2)
