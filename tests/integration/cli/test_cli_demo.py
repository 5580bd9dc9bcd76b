"""``mosaic demo``: the whole release flow, from the command line (it starts loopback
services, so it runs with the integration tier)."""

from __future__ import annotations

from pathlib import Path

from mosaic_sdk.cli import EXIT_OK, EXIT_USAGE
from tests._support.cli_helpers import CLI


def test_demo_json_summary_with_the_narration_on_stderr(cli: CLI, tmp_path: Path) -> None:
    workdir = tmp_path / "demo"
    run = cli("demo", "--workdir", str(workdir), "--no-prometheus", "--json")
    assert run.code == EXIT_OK, run.err[-2000:]
    summary = run.json()
    assert summary["ok"] is True
    assert summary["used_prometheus"] is False
    assert summary["prod"] == summary["good"] != summary["bad"]
    assert (summary["good_release"], summary["bad_release"]) == ("released", "rolled_back")
    assert "**BLOCKED**" in Path(summary["files"]["tasks"]).read_text()
    assert run.err.startswith("mosaic demo: ")
    assert "rolled back" in run.err


def test_demo_refuses_a_used_directory(cli: CLI, tmp_path: Path) -> None:
    (tmp_path / "something").write_text("x")
    run = cli("demo", "--workdir", str(tmp_path), "--no-prometheus")
    assert run.code == EXIT_USAGE
    assert "is not an empty directory" in run.err
    assert (tmp_path / "something").read_text() == "x"
