"""``mosaic validate`` against a small local app serving /health, /version and /metrics."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from mosaic_sdk.cli import EXIT_FAILURE, EXIT_OK, EXIT_USAGE
from tests._support.cli_helpers import CLI
from tests._support.metrics_app import MetricsApp

DIGEST = "sha256:" + "5" * 64
IMAGE = f"registry.example.com/team/api@{DIGEST}"


@pytest.fixture(scope="module")
def running() -> Iterator[MetricsApp]:
    with MetricsApp(digest=DIGEST, version="1.4.0-rc.3") as app:
        app.start_traffic(per_second=40)
        yield app


@pytest.fixture
def app(running: MetricsApp) -> Iterator[MetricsApp]:
    running.fail_ratio, running.delay, running.healthy = 0.0, 0.0, True
    yield running
    running.fail_ratio, running.delay, running.healthy = 0.0, 0.0, True


def _base(app: MetricsApp) -> str:
    return f"http://{app.host}"


def test_a_good_candidate_passes(cli: CLI, app: MetricsApp, tmp_path: Path) -> None:
    report_file = tmp_path / "validation.md"
    run = cli(
        "validate", IMAGE, "--version", "1.4.0-rc.3", "--base-url", _base(app),
        "--health", "{base_url}/health", "--version-url", "{base_url}/version",
        "--metrics-url", f"{_base(app)}/metrics", "--max-error-ratio", "0.01",
        "--max-latency", "0.25", "--on-no-data", "fail", "--initial-delay", "1",
        "--environment", "prod", "--slot", "green", "--report", str(report_file),
    )  # fmt: skip
    assert run.code == EXIT_OK, run.out
    assert run.out.startswith(f"post-deploy validation: PASSED ({IMAGE} on prod / slot green)")
    assert run.out.count("✔") == 4
    assert f"report written to {report_file}" in run.err
    assert "PASSED" in report_file.read_text().upper()


def test_a_failing_candidate_exits_1_with_the_evidence(cli: CLI, app: MetricsApp) -> None:
    app.fail_ratio = 0.5
    run = cli(
        "validate", IMAGE, "--metrics-url", f"{_base(app)}/metrics",
        "--max-error-ratio", "0.01", "--on-no-data", "fail", "--initial-delay", "1", "--json",
    )  # fmt: skip
    assert run.code == EXIT_FAILURE
    report = run.json()
    assert report["schema"] == "mosaic.validation-report/v1"
    assert report["verdict"] == "failed"
    (gate,) = report["results"]
    assert gate["verdict"] == "failed"


def test_wrong_version_and_unhealthy(cli: CLI, app: MetricsApp) -> None:
    app.healthy = False
    run = cli(
        "validate", IMAGE, "--version", "1.4.0-rc.2", "--base-url", _base(app),
        "--health", "{base_url}/health", "--version-url", "{base_url}/version",
        "--deadline", "0.5", "--json",
    )  # fmt: skip
    assert run.code == EXIT_FAILURE
    verdicts = {r["kind"]: r["verdict"] for r in run.json()["results"]}
    assert verdicts == {"health": "failed", "version": "failed"}


def test_inconclusive_is_a_failure_unless_allowed(cli: CLI, app: MetricsApp) -> None:
    argv = (
        "validate", IMAGE, "--metrics-url", f"{_base(app)}/metrics",
        "--max-error-ratio", "0.01", "--selector", "code=none", "--on-no-data", "inconclusive",
    )  # fmt: skip
    run = cli(*argv)
    assert run.code == EXIT_FAILURE
    assert "INCONCLUSIVE" in run.out
    assert cli(*argv, "--allow-inconclusive").code == EXIT_OK


def test_the_target_must_run_the_candidate(
    cli: CLI, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """--running-on asks the deployment target itself (here a compose file) which digest
    and version it runs; no endpoint is needed."""
    from mosaic_sdk.providers import ComposeFileTarget
    from mosaic_sdk.values import ImageReference

    monkeypatch.chdir(tmp_path)
    compose = tmp_path / "compose.yaml"
    compose.write_text("services:\n  api:\n    image: registry.example.com/team/api:v1\n")
    ComposeFileTarget(compose, "api").deploy(ImageReference.parse(IMAGE), version="1.4.0-rc.3")
    target = ("--running-on", "compose:compose.yaml#api")

    run = cli("validate", IMAGE, "--version", "1.4.0-rc.3", *target, "--json")
    assert run.code == EXIT_OK, run.err
    (check,) = run.json()["results"]
    assert (check["kind"], check["verdict"]) == ("version", "passed")

    other = f"registry.example.com/team/api@sha256:{'6' * 64}"
    # --deadline 0: read once (a compose file does not roll out), instead of re-reading for 30 s.
    run = cli("validate", other, "--version", "1.4.0-rc.3", *target, "--deadline", "0", "--json")
    assert run.code == EXIT_FAILURE
    (check,) = run.json()["results"]
    assert check["verdict"] == "failed"
    assert DIGEST in check["summary"] or DIGEST in str(check["evidence"])

    wrong_version = cli("validate", IMAGE, "--version", "1.4.0-rc.2", *target, "--deadline", "0")
    assert wrong_version.code == EXIT_FAILURE


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["team/api:v1.4.0", "--health", "http://x/health"], "team/api:v1.4.0"),
        ([IMAGE], "nothing to validate"),
        ([IMAGE, "--max-error-ratio", "0.01"], "--prometheus URL or --metrics-url URL"),
        (
            [IMAGE, "--metrics-url", "http://127.0.0.1:9/metrics", "--max-error-ratio", "0.01"],
            "--on-no-data",
        ),
        (
            [IMAGE, "--metrics-url", "http://127.0.0.1:9/metrics", "--gate", "up >= 1"],
            "needs a real Prometheus",
        ),
        (
            [IMAGE, "--prometheus", "http://127.0.0.1:9", "--gate", "up", "--on-no-data", "fail"],
            "is not 'PROMQL <= NUMBER'",
        ),
        (
            [IMAGE, "--prometheus", "http://127.0.0.1:9", "--max-latency", "0.3",
             "--selector", "job", "--on-no-data", "fail"],
            "--selector 'job' is not LABEL=VALUE",
        ),
        ([IMAGE, "--prometheus", "http://p", "--metrics-url", "http://m"], "not allowed with"),
        ([IMAGE, "--health", "http://x/h", "--token-file", "t"], "--token-file goes with"),
        ([IMAGE, "--running-on", "nomad:job"], "nomad"),
    ],
)  # fmt: skip
def test_bad_input_exits_2(cli: CLI, argv: list[str], message: str) -> None:
    run = cli("validate", *argv)
    assert run.code == EXIT_USAGE, run.err
    assert message in run.err
