"""A canary's analysis end to end on a real HAProxy and a real Prometheus: two MetricsApp
releases behind one HAProxy backend, synthetic users sending requests through its
frontend, Prometheus scraping both apps with a ``version`` target label, and a
BaselineGate comparing the candidate's error ratio with the stable release's.

A good candidate (the same 2 % errors as the stable release, which a fixed 1 % threshold
would fail) is stepped 10 -> 25 -> 50 -> 100 % and promoted; a bad one (50 % errors) is
caught at the first step and rolled back: HAProxy sends it nothing afterwards.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import attrs
import pytest

from mosaic_sdk.observability import PrometheusClient
from mosaic_sdk.providers.haproxy import HAProxySplitter, StaticServices
from mosaic_sdk.release import (
    Analysis,
    AutoRollback,
    BaselineGate,
    Canary,
    HealthCheck,
    PostDeployValidation,
    ReleaseOutcome,
    release,
)
from mosaic_sdk.values import Digest, ImageReference
from tests._support.haproxy import Users, serve_counts, short_workdir
from tests._support.metrics_app import MetricsApp
from tests._support.prometheus_server import PrometheusServer
from tests._support.servers import free_port, require_binary

pytestmark = pytest.mark.integration

STABLE = ImageReference.parse("ghcr.io/acme/web:v1.0.0@sha256:" + "a" * 64)
CANDIDATE = ImageReference.parse("ghcr.io/acme/web:v1.1.0@sha256:" + "b" * 64)


@attrs.define
class Stack:
    splitter: HAProxySplitter
    stable: MetricsApp
    candidate: MetricsApp
    prometheus: PrometheusServer

    @property
    def url(self) -> str:
        return f"http://{self.splitter.listen}"


@pytest.fixture
def stack(tmp_path: Path) -> Iterator[Stack]:
    binary = require_binary("haproxy")
    require_binary("prometheus")
    stable = MetricsApp(digest=str(STABLE.digest), version="v1.0.0").start()
    candidate = MetricsApp(digest=str(CANDIDATE.digest), version="v1.1.0").start()
    apps: dict[Digest, MetricsApp] = {STABLE.digest: stable, CANDIDATE.digest: candidate}  # type: ignore[dict-item]
    try:
        with (
            PrometheusServer(
                tmp_path / "prometheus",
                {"stable": stable.host, "candidate": candidate.host},
                labels={"stable": {"version": "v1.0.0"}, "candidate": {"version": "v1.1.0"}},
            ) as prometheus,
            short_workdir() as workdir,
        ):
            splitter = HAProxySplitter(
                workdir,
                deployer=StaticServices({d: a.host for d, a in apps.items()}),
                listen=f"127.0.0.1:{free_port()}",
                health_check="/health",
                binary=binary,
            )
            splitter.deploy(STABLE)
            splitter.start()
            try:
                yield Stack(splitter, stable, candidate, prometheus)
            finally:
                assert splitter.stop() is True
    finally:
        stable.stop()
        candidate.stop()


def _canary(source: PrometheusClient) -> Canary:
    gate = BaselineGate.error_ratio(source, window="10s", max_increase=0.01)
    analysis = Analysis(count=4, interval=1, initial_delay=3, inconclusive_limit=3)
    return Canary(gates=[gate], auto_rollback=AutoRollback(), steps=(10, 25, 50), analysis=analysis)


def _release(stack: Stack) -> tuple[object, int]:
    stack.stable.fail_ratio = 0.02
    with PrometheusClient(stack.prometheus.url) as source, Users(stack.url, threads=3):
        stack.prometheus.wait_for('sum(rate(http_requests_total{version="v1.0.0"}[5s]))')
        before = stack.candidate._served
        result = release(
            CANDIDATE,
            validation=PostDeployValidation([HealthCheck("{base_url}/health")]),
            strategy=_canary(source),
            target=stack.splitter,
            base_url={"canary": stack.candidate.url},
        )
        served = stack.candidate._served - before
    return result, served


def test_a_good_candidate_is_stepped_and_promoted(stack: Stack) -> None:
    stack.candidate.fail_ratio = 0.02  # as bad as the stable: no regression
    result, served = _release(stack)
    assert result.outcome is ReleaseOutcome.RELEASED, result  # type: ignore[attr-defined]
    assert result.traffic == (10, 25, 50, 100)  # type: ignore[attr-defined]
    assert stack.splitter.running().digest == CANDIDATE.digest
    assert served > 0
    gates = [r.results[-1] for r in result.reports]  # type: ignore[attr-defined]
    assert [g.name for g in gates] == ["error ratio vs baseline"] * 4
    for gate in gates:  # both measured near their real 2 %, by version, in one window
        found = re.search(r"candidate ([\d.]+)% vs stable ([\d.]+)% errors", gate.summary)
        assert found is not None, gate.summary
        assert all(abs(float(v) - 2.0) < 0.5 for v in found.groups()), gate.summary
    counts = serve_counts(stack.url, 200)
    assert counts == {str(CANDIDATE.digest): 200}


def test_a_bad_candidate_is_caught_by_the_baseline_and_rolled_back(stack: Stack) -> None:
    stack.candidate.fail_ratio = 0.5
    result, served = _release(stack)
    assert result.outcome is ReleaseOutcome.ROLLED_BACK, result  # type: ignore[attr-defined]
    assert result.traffic == (10,)  # type: ignore[attr-defined]
    assert "more than 1.00% worse" in result.reports[-1].headline()  # type: ignore[attr-defined]
    assert stack.splitter.running().digest == STABLE.digest
    timing = result.timing  # type: ignore[attr-defined]
    assert timing is not None
    assert timing.seconds_to_rollback is not None
    assert timing.seconds_to_detect is not None
    assert timing.seconds_to_detect <= timing.seconds_to_rollback
    assert served > 0  # it did see its 10 %
    after = stack.candidate._served
    counts = serve_counts(stack.url, 300)
    assert counts == {str(STABLE.digest): 300}
    assert stack.candidate._served == after  # and nothing after the rollback
    print(f"bad candidate: {served} requests, {timing}")


def _paused(stack: Stack, state_file: Path) -> object:
    stack.stable.fail_ratio = 0.02
    with PrometheusClient(stack.prometheus.url) as source:
        gate = BaselineGate.error_ratio(source, window="10s", on_failure="pause")
        canary = Canary(
            gates=[gate], auto_rollback=AutoRollback(), steps=(10, 50),
            analysis=Analysis(count=4, interval=1, initial_delay=3, inconclusive_limit=3),
            state_file=state_file,
        )  # fmt: skip
        return release(
            CANDIDATE,
            validation=PostDeployValidation([HealthCheck("{base_url}/health")]),
            strategy=canary,
            target=stack.splitter,
            base_url={"canary": stack.candidate.url},
        )


def test_mosaic_release_abort_rolls_a_paused_canary_back(
    stack: Stack, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from mosaic_sdk.cli import main

    stack.candidate.fail_ratio = 0.5
    state_file = tmp_path / "canary.json"
    with Users(stack.url, threads=3):
        stack.prometheus.wait_for('sum(rate(http_requests_total{version="v1.0.0"}[5s]))')
        result = _paused(stack, state_file)
        assert result.outcome is ReleaseOutcome.PAUSED, result  # type: ignore[attr-defined]
        assert stack.splitter.traffic() == {STABLE.digest: 90, CANDIDATE.digest: 10}
        assert main(["release", "abort", str(state_file), "--json"]) == 0
    out = capsys.readouterr().out
    assert '"outcome": "rolled_back"' in out
    after = stack.candidate._served
    assert serve_counts(stack.url, 200) == {str(STABLE.digest): 200}
    assert stack.candidate._served == after
    assert main(["release", "abort", str(state_file)]) == 2  # aborted already


def test_mosaic_release_resume_continues_a_paused_canary(
    stack: Stack, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    import time

    from mosaic_sdk.cli import main

    stack.candidate.fail_ratio = 0.5
    state_file = tmp_path / "canary.json"
    with Users(stack.url, threads=3):
        stack.prometheus.wait_for('sum(rate(http_requests_total{version="v1.0.0"}[5s]))')
        result = _paused(stack, state_file)
        assert result.outcome is ReleaseOutcome.PAUSED, result  # type: ignore[attr-defined]
        stack.candidate.fail_ratio = 0.02  # a human fixed the cause (a bad config flag)
        time.sleep(11)  # the 10 s window forgets the bad minute
        assert main(["release", "resume", str(state_file)]) == 0
    out = capsys.readouterr().out
    assert "canary release of v1.1.0: released" in out
    assert stack.splitter.running().digest == CANDIDATE.digest
    assert serve_counts(stack.url, 100) == {str(CANDIDATE.digest): 100}
