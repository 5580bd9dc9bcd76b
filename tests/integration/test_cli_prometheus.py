"""``mosaic validate --prometheus`` against Debian's prometheus scraping a local app."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from mosaic_sdk.cli import EXIT_FAILURE, EXIT_OK, EXIT_USAGE
from mosaic_sdk.cli import main as mosaic
from tests._support.metrics_app import MetricsApp
from tests._support.prometheus_server import PrometheusServer

pytestmark = pytest.mark.integration

DIGEST = "sha256:" + "7" * 64
IMAGE = f"team/api@{DIGEST}"


@pytest.fixture(scope="module")
def app() -> Iterator[MetricsApp]:
    with MetricsApp(digest=DIGEST, version="2.0.0-rc.1") as running:
        running.start_traffic(per_second=50)
        yield running


@pytest.fixture(scope="module")
def prometheus(app: MetricsApp, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    workdir: Path = tmp_path_factory.mktemp("cli-prometheus")
    with PrometheusServer(workdir, {"api": app.host}) as server:
        server.wait_for('sum(rate(http_requests_total{job="api"}[5s]))')
        yield server.url


def _validate(
    prometheus: str, *extra: str, capsys: pytest.CaptureFixture[str]
) -> tuple[int, dict[str, Any]]:
    capsys.readouterr()
    code = mosaic(
        ["validate", IMAGE, "--prometheus", prometheus, "--selector", "job=api",
         "--window", "5s", "--on-no-data", "fail", "--json", *extra]
    )  # fmt: skip
    return code, json.loads(capsys.readouterr().out)


def test_gates_pass_on_a_healthy_app(
    prometheus: str, app: MetricsApp, capsys: pytest.CaptureFixture[str]
) -> None:
    app.fail_ratio = 0.0
    code, report = _validate(
        prometheus,
        "--max-error-ratio", "0.05", "--max-latency", "0.25",
        "--gate", 'sum(up{job="api"}) >= 1',
        capsys=capsys,
    )  # fmt: skip
    assert code == EXIT_OK, report
    assert [r["verdict"] for r in report["results"]] == ["passed"] * 3


def test_a_gate_with_no_data_fails(prometheus: str, capsys: pytest.CaptureFixture[str]) -> None:
    code, report = _validate(prometheus, "--gate", 'sum(up{job="nope"}) >= 1', capsys=capsys)
    assert code == EXIT_FAILURE
    assert report["verdict"] == "failed"


def test_a_promql_syntax_error_is_bad_input_before_any_check_runs(
    prometheus: str, capsys: pytest.CaptureFixture[str]
) -> None:
    # A failed validation would roll a good release back; a typo in --gate is bad input (#14).
    code, report = _validate(
        prometheus,
        "--health", "http://127.0.0.1:1/never-contacted",
        "--gate", "sum(rate(x[5m]) <= 1",
        capsys=capsys,
    )  # fmt: skip
    assert code == EXIT_USAGE
    assert report["error"]["type"] == "UsageError"
    assert "cannot parse the PromQL" in report["error"]["message"]
    assert "sum(rate(x[5m])" in report["error"]["message"]
