"""``mosaic lint`` and ``mosaic commit-msg``."""

from __future__ import annotations

import io
import json
from pathlib import Path

import pytest

from mosaic_sdk.cli import EXIT_FAILURE, EXIT_OK, EXIT_USAGE
from tests._support.cli_helpers import CLI
from tests._support.standards_cases import alert

_CPU_ALERT = alert('expr: avg(rate(node_cpu_seconds_total{mode!="idle"}[5m])) > 0.9\n')
BAD_DOCKERFILE = "FROM python:latest\nCMD python app.py\n"
GOOD_DOCKERFILE = (
    "FROM python:3.12-slim\nCOPY requirements.txt .\nRUN pip install -r requirements.txt\n"
    'COPY . .\nUSER 10001\nCMD ["python", "app.py"]\n'
)


@pytest.fixture
def project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    (tmp_path / "Dockerfile").write_text(BAD_DOCKERFILE)
    (tmp_path / "ok").mkdir()
    (tmp_path / "ok" / "Dockerfile").write_text(GOOD_DOCKERFILE)
    monkeypatch.chdir(tmp_path)
    return tmp_path


def test_lint_text_fails_on_errors(cli: CLI, project: Path) -> None:
    run = cli("lint")
    assert run.code == EXIT_FAILURE
    assert "Dockerfile:1: error DF001" in run.out
    assert run.out.rstrip().endswith("info")
    assert "2 files checked" in run.out


def test_lint_clean_files_exit_0(cli: CLI, project: Path) -> None:
    run = cli("lint", "ok", "--fail-on", "error")
    assert run.code == EXIT_OK, run.out
    assert run.out.splitlines()[-1].startswith("1 file checked: 0 errors")


def test_fail_on_thresholds(cli: CLI, project: Path) -> None:
    # The bad Dockerfile has errors, a warning and an info finding.
    assert cli("lint", "Dockerfile", "--fail-on", "never").code == EXIT_OK
    ignored = cli("lint", "Dockerfile", "--ignore", "DF001", "--ignore", "df004")
    assert ignored.code == EXIT_OK
    assert "DF001" not in ignored.out
    assert cli("lint", "Dockerfile", "--ignore", "DF001", "--ignore", "DF004",
               "--fail-on", "warning").code == EXIT_FAILURE  # fmt: skip


def test_lint_json(cli: CLI, project: Path) -> None:
    run = cli("lint", "Dockerfile", "--json")
    assert run.code == EXIT_FAILURE
    data = run.json()
    assert data["ok"] is False
    assert {"rule_id", "severity", "file", "line", "message", "fix"} <= set(data["findings"][0])
    assert cli("lint", "Dockerfile", "--format", "json").json() == data


def test_lint_sarif_to_a_file(cli: CLI, project: Path) -> None:
    run = cli("lint", "--format", "sarif", "--output", "mosaic.sarif")
    assert run.code == EXIT_FAILURE
    assert run.out == ""
    assert "report written to" in run.err
    sarif = json.loads((project / "mosaic.sarif").read_text())
    assert sarif["version"] == "2.1.0"
    assert {r["ruleId"] for r in sarif["runs"][0]["results"]} >= {"DF001", "DF004"}


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["missing-dir"], "'missing-dir': does not exist"),
        (["--json", "--format", "sarif"], "--json and --format sarif disagree"),
        (["--fail-on", "fatal"], "invalid choice: 'fatal'"),
        (["--output", "no/such/dir/out.json"], "does not exist; create it first"),
    ],
)
def test_lint_bad_input_exits_2(cli: CLI, project: Path, argv: list[str], message: str) -> None:
    run = cli("lint", *argv)
    assert run.code == EXIT_USAGE
    assert message in run.err


def test_commit_msg_accepts_the_team_format(cli: CLI, tmp_path: Path) -> None:
    message = tmp_path / "COMMIT_EDITMSG"
    message.write_text(
        "feat(#7): Add the mosaic command\n\nBody.\n\nRefs #7\n"
        "# Please enter the commit message for your changes.\n"
    )
    run = cli("commit-msg", str(message))
    assert (run.code, run.out) == (EXIT_OK, "commit message ok\n")


def test_commit_msg_rejects_and_explains(cli: CLI, tmp_path: Path) -> None:
    message = tmp_path / "COMMIT_EDITMSG"
    message.write_text("added stuff\n")
    run = cli("commit-msg", str(message))
    assert run.code == EXIT_FAILURE
    assert run.out == ""
    assert "COMMIT_EDITMSG:1: error CM001 'added stuff'" in run.err
    assert "fix:" in run.err
    data = cli("commit-msg", str(message), "--json").json()
    assert data["findings"][0]["rule_id"] == "CM001"


def test_commit_msg_from_stdin(cli: CLI, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("sys.stdin", io.StringIO("fix(#3): Handle 404\n\nRefs #3\n"))
    assert cli("commit-msg", "-").code == EXIT_OK
    monkeypatch.setattr("sys.stdin", io.StringIO("Merge branch 'main'\n"))
    assert cli("commit-msg", "-").code == EXIT_OK
    monkeypatch.setattr("sys.stdin", io.StringIO("wip\n"))
    assert cli("commit-msg", "-").code == EXIT_FAILURE


def test_commit_msg_missing_file_exits_2(cli: CLI, tmp_path: Path) -> None:
    run = cli("commit-msg", str(tmp_path / "nope"))
    assert run.code == EXIT_USAGE
    assert "nope" in run.err


def test_mosaic_lint_reports_rule_files(
    cli: CLI, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (tmp_path / "alerts.yml").write_text(_CPU_ALERT)
    monkeypatch.chdir(tmp_path)

    run = cli("lint", "--format", "sarif")

    assert run.code == 1
    results = json.loads(run.out)["runs"][0]["results"]
    assert {r["ruleId"] for r in results} == {"AL001", "AL002", "AL003", "AL004"}
    assert cli("lint", "--ignore", "AL001", "--ignore", "AL002", "--ignore", "AL003").code == 0
