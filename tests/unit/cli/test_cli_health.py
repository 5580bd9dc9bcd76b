"""``mosaic health`` against a local app and a closed port."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from mosaic_sdk.cli import EXIT_FAILURE, EXIT_OK, EXIT_USAGE
from tests._support.cli_helpers import CLI
from tests._support.metrics_app import MetricsApp
from tests._support.servers import free_port


@pytest.fixture(scope="module")
def app() -> Iterator[MetricsApp]:
    with MetricsApp() as running:
        yield running


def test_all_healthy(cli: CLI, app: MetricsApp) -> None:
    run = cli("health", f"api=http://{app.host}/health", f"tcp://{app.host}", "--timeout", "2")
    assert run.code == EXIT_OK
    assert run.out.startswith("stack: 2 of 2 healthy")
    assert f"✔ {app.host}" in run.out


def test_one_down_exits_1_and_names_it(cli: CLI, app: MetricsApp) -> None:
    closed = free_port()
    run = cli("health", f"api=http://{app.host}/health", f"db=tcp://127.0.0.1:{closed}", "--json")
    assert run.code == EXIT_FAILURE
    report = run.json()
    assert report["healthy"] is False
    by_name = {s["name"]: s for s in report["services"]}
    assert by_name["api"]["healthy"] is True
    assert (by_name["db"]["healthy"], by_name["db"]["status"]) == (False, "refused")


def test_unhealthy_http_status(cli: CLI, app: MetricsApp) -> None:
    app.healthy = False
    try:
        run = cli("health", f"api=http://{app.host}/health")
    finally:
        app.healthy = True
    assert run.code == EXIT_FAILURE
    assert "503" in run.out


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["api=ftp://example.com"], "'ftp://example.com'"),
        (["api=tcp://localhost"], "'tcp://localhost'"),
        (["a=http://x/h", "a=http://y/h"], "service 'a' is given twice"),
        (["http://x/h", "--timeout", "0"], "0"),
    ],
)
def test_bad_input_exits_2(cli: CLI, argv: list[str], message: str) -> None:
    run = cli("health", *argv)
    assert run.code == EXIT_USAGE, run.err
    assert message in run.err
