"""HAProxySplitter on a real HAProxy (Debian 2.6): the configuration it writes passes
``haproxy -c``, weights set through the admin socket read back, and real HTTP requests
through the frontend reach each release in the share its weight says.

Each test starts its own HAProxy on a free loopback port in front of two (or three)
MetricsApp services reporting their digest on ``/version``; the fixture stops it and
checks that no HAProxy process on that configuration is left.
"""

from __future__ import annotations

import asyncio
import contextlib
import subprocess
from collections.abc import Iterator
from pathlib import Path

import attrs
import pytest

from mosaic_sdk.errors import (
    ConfigurationError,
    HAProxyCommandError,
    InvalidValueError,
    TrafficSplitMismatchError,
)
from mosaic_sdk.observability import ScrapeMetricsSource
from mosaic_sdk.providers import DeploymentTarget, TargetState, TrafficSplitter
from mosaic_sdk.providers.haproxy import (
    AsyncHAProxySplitter,
    AsyncStaticServices,
    HAProxyConfig,
    HAProxyRuntime,
    HAProxySlot,
    HAProxySlotRecord,
    HAProxySplitter,
    ServerAddress,
    StaticServices,
)
from mosaic_sdk.release import (
    AsyncCanary,
    AsyncPostDeployValidation,
    AutoRollback,
    Canary,
    HealthCheck,
    MetricGate,
    PostDeployValidation,
    ReleaseOutcome,
    arelease,
    release,
)
from mosaic_sdk.values import Digest, ImageReference
from tests._support.haproxy import (
    Users,
    alive,
    haproxy_processes,
    metrics_apps,
    running_splitter,
    serve_counts,
    short_workdir,
    splitter_for,
)
from tests._support.metrics_app import MetricsApp
from tests._support.servers import free_port, require_binary

STABLE = ImageReference.parse("ghcr.io/acme/web:v1.0.0@sha256:" + "a" * 64)
CANARY = ImageReference.parse("ghcr.io/acme/web:v1.1.0@sha256:" + "b" * 64)
THIRD = ImageReference.parse("ghcr.io/acme/web:v1.2.0@sha256:" + "c" * 64)
REQUESTS = 1000
TOLERANCE = 5  # percentage points


@attrs.define
class Stack:
    splitter: HAProxySplitter
    apps: dict[Digest, MetricsApp]
    url: str
    binary: str

    def shares(self, requests: int = REQUESTS) -> dict[Digest, float]:
        counts = serve_counts(self.url, requests)
        return {d: 100 * counts.get(str(d), 0) / requests for d in self.apps}


@pytest.fixture
def haproxy_binary() -> str:
    return require_binary("haproxy")


@pytest.fixture
def apps() -> Iterator[dict[Digest, MetricsApp]]:
    with metrics_apps((STABLE, CANARY, THIRD)) as started:
        yield started


@contextlib.contextmanager
def _running_stack(
    apps: dict[Digest, MetricsApp], binary: str, health_check: str | None
) -> Iterator[Stack]:
    with running_splitter(apps, STABLE, binary=binary, health_check=health_check) as splitter:
        yield Stack(splitter, apps, f"http://{splitter.listen}", binary)


@pytest.fixture
def stack(apps: dict[Digest, MetricsApp], haproxy_binary: str) -> Iterator[Stack]:
    with _running_stack(apps, haproxy_binary, "/health") as running:
        yield running


# -- the configuration ----------------------------------------------------------------------


def test_the_written_configuration_passes_haproxy_check(stack: Stack) -> None:
    text = stack.splitter.config_path.read_text()
    assert "stats socket" in text
    assert "level admin" in text
    assert "server stable" in text
    assert "server canary" in text
    done = subprocess.run(
        [stack.binary, "-c", "-f", str(stack.splitter.config_path)],
        capture_output=True, text=True, check=False,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    assert "Configuration file is valid" in done.stdout + done.stderr
    stack.splitter.check_config()


def test_a_configuration_with_both_servers_and_no_checks_passes_haproxy_check(
    haproxy_binary: str,
) -> None:
    with short_workdir() as workdir:
        config = HAProxyConfig(
            listen=ServerAddress("127.0.0.1", free_port()),
            backend="shop",
            socket=workdir / "admin.sock",
            pidfile=workdir / "haproxy.pid",
            servers={
                HAProxySlot.STABLE: HAProxySlotRecord(
                    STABLE, ServerAddress("127.0.0.1", 8081), weight=75
                ),
                HAProxySlot.CANARY: HAProxySlotRecord(
                    CANARY, ServerAddress("::1", 8082), weight=25
                ),
            },
        )
        path = workdir / "haproxy.cfg"
        path.write_text(config.render())
        done = subprocess.run(
            [haproxy_binary, "-c", "-f", str(path)], capture_output=True, text=True, check=False
        )
        assert done.returncode == 0, done.stderr


def test_haproxy_rejects_what_the_check_catches(haproxy_binary: str) -> None:
    # The check is real: a broken file fails it (so the passing tests above mean something).
    with short_workdir() as workdir:
        path = workdir / "haproxy.cfg"
        path.write_text("backend app\n    server stable 127.0.0.1:notaport\n")
        splitter = HAProxySplitter(
            workdir, deployer=StaticServices({}), listen=f"127.0.0.1:{free_port()}",
            binary=haproxy_binary,
        )  # fmt: skip
        with pytest.raises(ConfigurationError, match="haproxy -c rejected"):
            splitter.check_config()


# -- weights and real traffic -----------------------------------------------------------------


@pytest.mark.parametrize("weight", [10, 25, 50])
def test_the_canary_gets_its_share_of_real_requests(stack: Stack, weight: int) -> None:
    stack.splitter.deploy(CANARY)
    stable, canary = STABLE.digest, CANARY.digest
    assert stable is not None
    assert canary is not None
    stack.splitter.set_traffic({stable: 100 - weight, canary: weight})

    runtime = HAProxyRuntime(stack.splitter.socket_path)
    assert runtime.get_weight("app", "stable") == 100 - weight
    assert runtime.get_weight("app", "canary") == weight
    assert stack.splitter.traffic() == {stable: 100 - weight, canary: weight}

    shares = stack.shares()
    print(f"weight {weight}%: canary served {shares[canary]:.1f}% of {REQUESTS} requests")
    assert abs(shares[canary] - weight) <= TOLERANCE, shares
    assert abs(shares[stable] - (100 - weight)) <= TOLERANCE, shares
    assert shares[THIRD.digest] == 0  # type: ignore[index]


@pytest.mark.parametrize("health_check", ["/health", None], ids=["checks", "no-checks"])
def test_stepping_to_100_promotes_and_a_rollback_sends_the_canary_nothing(
    apps: dict[Digest, MetricsApp], haproxy_binary: str, health_check: str | None
) -> None:
    with _running_stack(apps, haproxy_binary, health_check) as stack:
        _step_promote_and_roll_back(stack)


def _step_promote_and_roll_back(stack: Stack) -> None:
    splitter = stack.splitter
    idle_in_maintenance = splitter.health_check is None
    stable, canary = STABLE.digest, CANARY.digest
    assert stable is not None
    assert canary is not None
    splitter.deploy(CANARY)
    assert splitter.running().digest == stable  # the candidate waits beside the stable
    measured = {}
    for weight in (10, 25, 50):
        splitter.set_traffic({stable: 100 - weight, canary: weight})
        measured[weight] = stack.shares()[canary]
    splitter.set_traffic({canary: 100})
    measured[100] = stack.shares()[canary]
    print("canary share by weight:", {w: f"{s:.1f}%" for w, s in measured.items()})
    for weight, share in measured.items():
        assert abs(share - weight) <= TOLERANCE, measured

    # Promoted: the stable server now runs the candidate; the old release waits, idle.
    assert splitter.running().digest == canary
    servers = splitter.servers()
    assert servers["stable"].address == ServerAddress.parse(stack.apps[canary].host)
    assert servers["canary"].address == ServerAddress.parse(stack.apps[stable].host)
    assert servers["canary"].weight == 0
    assert servers["canary"].maintenance is idle_in_maintenance

    # The next candidate takes the canary server, is stepped, and is rolled back.
    third = THIRD.digest
    assert third is not None
    splitter.deploy(THIRD)
    splitter.set_traffic({canary: 90, third: 10})
    assert abs(stack.shares()[third] - 10) <= TOLERANCE
    splitter.set_traffic({canary: 100})
    before = stack.apps[third]._served
    shares = stack.shares()
    assert shares[third] == 0
    assert stack.apps[third]._served == before  # not one request reached the bad release
    assert shares[canary] == 100
    assert splitter.running().digest == canary
    assert splitter.status().state is TargetState.HEALTHY


def test_switching_back_after_a_promotion_is_one_call(stack: Stack) -> None:
    stable, canary = STABLE.digest, CANARY.digest
    assert stable is not None
    assert canary is not None
    stack.splitter.deploy(CANARY)
    stack.splitter.set_traffic({canary: 100})
    stack.splitter.set_traffic({stable: 100})  # the previous release was kept warm
    assert stack.splitter.running().digest == stable
    assert stack.shares(200)[stable] == 100


# -- refusals and read-back ---------------------------------------------------------------------


@pytest.mark.parametrize(
    "weights",
    [
        {STABLE.digest: 90, CANARY.digest: 20},
        {STABLE.digest: 110, CANARY.digest: -10},
        {STABLE.digest: 50.5, CANARY.digest: 49.5},
        {STABLE.digest: 90, THIRD.digest: 10},  # THIRD is not deployed
        {},
    ],
    ids=["sum-110", "out-of-range", "fractions", "not-deployed", "empty"],
)
def test_bad_weights_are_refused_and_change_nothing(
    stack: Stack, weights: dict[Digest, int]
) -> None:
    stack.splitter.deploy(CANARY)
    stack.splitter.set_traffic({STABLE.digest: 75, CANARY.digest: 25})  # type: ignore[dict-item]
    with pytest.raises(InvalidValueError):
        stack.splitter.set_traffic(weights)
    assert stack.splitter.traffic() == {STABLE.digest: 75, CANARY.digest: 25}


class _LossyRuntime(HAProxyRuntime):
    """Drops every ``set weight`` of one server, as a lost command or another writer
    would, so the read-back sees a weight nobody asked for."""

    def set_weight(self, backend: str, server: str, weight: int) -> None:
        if server != "canary":
            super().set_weight(backend, server, weight)


def test_a_weight_that_does_not_read_back_is_a_typed_error(stack: Stack) -> None:
    stack.splitter.deploy(CANARY)
    stack.splitter.runtime = _LossyRuntime(stack.splitter.socket_path)
    with pytest.raises(TrafficSplitMismatchError) as info:
        stack.splitter.set_traffic({STABLE.digest: 75, CANARY.digest: 25})  # type: ignore[dict-item]
    assert info.value.expected == {"stable": 75, "canary": 25}
    assert info.value.actual["canary"] == 0
    assert "canary" in str(info.value)


def test_an_unhealthy_canary_gets_no_traffic_and_the_split_is_refused(
    apps: dict[Digest, MetricsApp], haproxy_binary: str
) -> None:
    with short_workdir() as workdir:
        splitter = splitter_for(workdir, apps, haproxy_binary, health_check="/health", timeout=3.0)
        splitter.deploy(STABLE)
        splitter.start()
        try:
            apps[CANARY.digest].healthy = False  # type: ignore[index]
            splitter.deploy(CANARY)
            with pytest.raises(TrafficSplitMismatchError, match="health check"):
                splitter.set_traffic({STABLE.digest: 90, CANARY.digest: 10})  # type: ignore[dict-item]
            servers = splitter.servers()
            assert servers["canary"].weight == 0
            assert servers["canary"].check_failed
            assert splitter.traffic() == {STABLE.digest: 100, CANARY.digest: 0}
            counts = serve_counts(f"http://{splitter.listen}", 200)
            assert counts == {str(STABLE.digest): 200}
        finally:
            splitter.stop()


def test_an_unknown_backend_is_haproxys_refusal_not_a_pass(stack: Stack) -> None:
    runtime = HAProxyRuntime(stack.splitter.socket_path)
    with pytest.raises(HAProxyCommandError) as info:
        runtime.set_weight("nope", "canary", 10)
    assert info.value.command == "set weight nope/canary 10"
    with pytest.raises(InvalidValueError, match="256"):
        runtime.set_weight("app", "canary", 300)  # above HAProxy's 256: refused before sending
    assert "Absolute weight" in runtime.execute("set weight app/canary 300")  # HAProxy agrees
    assert runtime.get_weight("app", "canary") == 0


# -- ownership ----------------------------------------------------------------------------------


def test_start_twice_starts_one_haproxy(stack: Stack) -> None:
    pid = stack.splitter.pid()
    assert pid is not None
    assert stack.splitter.start() == pid
    assert haproxy_processes(stack.splitter.config_path) == [pid]


def test_an_attached_splitter_only_talks_to_the_socket(stack: Stack) -> None:
    owner = stack.splitter
    owner.deploy(CANARY)
    config_before = owner.config_path.read_text()
    attached = HAProxySplitter(
        owner.workdir,
        deployer=StaticServices({d: a.host for d, a in stack.apps.items()}),
        admin_socket=owner.socket_path,
    )
    assert not attached.owned
    assert isinstance(attached, DeploymentTarget)
    assert isinstance(attached, TrafficSplitter)
    attached.set_traffic({STABLE.digest: 50, CANARY.digest: 50})  # type: ignore[dict-item]
    assert owner.traffic() == {STABLE.digest: 50, CANARY.digest: 50}
    with pytest.raises(ConfigurationError, match="does not own"):
        attached.start()
    assert attached.stop() is False
    assert attached.pid() is None
    assert owner.pid() is not None
    assert alive(owner.pid())
    assert owner.config_path.read_text() == config_before  # nothing rewritten


def test_an_attached_splitter_with_no_haproxy_fails_loudly(tmp_path: Path) -> None:
    attached = HAProxySplitter(
        tmp_path, deployer=StaticServices({}), admin_socket="/tmp/hx-missing/admin.sock"
    )
    assert attached.status().state is TargetState.FAILED
    from mosaic_sdk.errors import APIConnectionError

    with pytest.raises(APIConnectionError, match="admin socket"):
        attached.deploy(STABLE)


# -- the asynchronous source ----------------------------------------------------------------------


def test_the_async_splitter_moves_real_traffic(
    apps: dict[Digest, MetricsApp], haproxy_binary: str
) -> None:
    with short_workdir() as workdir:
        splitter = AsyncHAProxySplitter(
            workdir,
            deployer=AsyncStaticServices({d: a.host for d, a in apps.items()}),
            listen=f"127.0.0.1:{free_port()}",
            binary=haproxy_binary,
        )

        async def main() -> dict[Digest, int]:
            await splitter.deploy(STABLE)
            await splitter.start()
            await splitter.deploy(CANARY)
            await splitter.set_traffic({STABLE.digest: 75, CANARY.digest: 25})  # type: ignore[dict-item]
            return await splitter.traffic()

        try:
            assert asyncio.run(main()) == {STABLE.digest: 75, CANARY.digest: 25}
            counts = serve_counts(f"http://{splitter.listen}", REQUESTS)
            share = 100 * counts[str(CANARY.digest)] / REQUESTS
            assert abs(share - 25) <= TOLERANCE, counts
        finally:
            pid = asyncio.run(splitter.pid())
            assert asyncio.run(splitter.stop()) is True
            assert pid is not None
            assert not alive(pid)


# -- Canary end to end on real traffic --------------------------------------------------------


@pytest.mark.parametrize("bad", [False, True], ids=["good-candidate", "bad-candidate"])
def test_canary_releases_through_haproxy_on_real_requests(stack: Stack, bad: bool) -> None:
    candidate_app = stack.apps[CANARY.digest]  # type: ignore[index]
    candidate_app.fail_ratio = 0.5 if bad else 0.0
    source = ScrapeMetricsSource(f"{candidate_app.url}/metrics")
    gate = MetricGate.error_ratio(source, max_ratio=0.05, on_no_data="fail", window="30s")
    canary = Canary(gates=[gate], auto_rollback=AutoRollback(), steps=(10, 25, 50), pause=1.0)
    source.scrape()
    with source, Users(stack.url, threads=1):
        result = release(
            CANARY,
            validation=PostDeployValidation([HealthCheck("{base_url}/health")]),
            strategy=canary,
            target=stack.splitter,
            base_url={"canary": candidate_app.url},
        )
    served = candidate_app._served
    if bad:
        assert result.outcome is ReleaseOutcome.ROLLED_BACK, result
        assert result.traffic == (10,)  # caught at the first step
        assert stack.splitter.running().digest == STABLE.digest
        assert served > 0  # the bad release did see its 10 %
        assert stack.shares(500)[CANARY.digest] == 0  # type: ignore[index]
        assert candidate_app._served == served  # and nothing after the rollback
    else:
        assert result.outcome is ReleaseOutcome.RELEASED, result
        assert result.traffic == (10, 25, 50, 100)
        assert stack.splitter.running().digest == CANARY.digest
        assert stack.shares(200)[CANARY.digest] == 100  # type: ignore[index]
    print(f"bad={bad}: candidate served {served} requests during the release")


def test_async_canary_rolls_a_bad_candidate_back_through_haproxy(
    apps: dict[Digest, MetricsApp], haproxy_binary: str
) -> None:
    candidate_app = apps[CANARY.digest]  # type: ignore[index]
    candidate_app.fail_ratio = 0.5
    with short_workdir() as workdir:
        splitter = AsyncHAProxySplitter(
            workdir,
            deployer=AsyncStaticServices({d: a.host for d, a in apps.items()}),
            listen=f"127.0.0.1:{free_port()}",
            health_check="/health",
            binary=haproxy_binary,
        )
        source = ScrapeMetricsSource(f"{candidate_app.url}/metrics")
        gate = MetricGate.error_ratio(source, max_ratio=0.05, on_no_data="fail", window="30s")
        canary = AsyncCanary(gates=[gate], auto_rollback=AutoRollback(), pause=1.0)

        async def main() -> ReleaseOutcome:
            await splitter.deploy(STABLE)
            await splitter.start()
            source.scrape()
            with Users(f"http://{splitter.listen}", threads=1):
                result = await arelease(
                    CANARY,
                    validation=AsyncPostDeployValidation([HealthCheck("{base_url}/health")]),
                    strategy=canary,
                    target=splitter,
                    base_url={"canary": candidate_app.url},
                )
            assert result.traffic == (10,)
            assert (await splitter.running()).digest == STABLE.digest
            return result.outcome

        try:
            with source:
                assert asyncio.run(main()) is ReleaseOutcome.ROLLED_BACK
            served = candidate_app._served
            assert serve_counts(f"http://{splitter.listen}", 300) == {str(STABLE.digest): 300}
            assert candidate_app._served == served
        finally:
            assert asyncio.run(splitter.stop()) is True
            assert haproxy_processes(splitter.config_path) == []
