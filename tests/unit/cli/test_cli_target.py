"""``mosaic target``: where a repository deploys, and why."""

from __future__ import annotations

from pathlib import Path

import pytest

from mosaic_sdk.cli import EXIT_OK, EXIT_USAGE
from tests._support.cli_helpers import CLI

COOLIFY_COMPOSE = "services:\n  web:\n    image: x\n    labels:\n      - coolify.managed=true\n"


def test_inferred_from_configuration(cli: CLI, tmp_path: Path) -> None:
    (tmp_path / "vercel.json").write_text("{}")
    run = cli("target", str(tmp_path))
    assert run.code == EXIT_OK
    assert run.out.startswith("deployment target: vercel (inferred, vercel.json)")


def test_explicit_declaration_wins_and_json_lists_candidates(
    cli: CLI, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (tmp_path / "vercel.json").write_text("{}")
    (tmp_path / "compose.yaml").write_text(COOLIFY_COMPOSE)
    (tmp_path / "docs").mkdir()
    (tmp_path / "docs" / "DEPLOYMENT.md").write_text("Deployment target: Coolify\n")
    monkeypatch.chdir(tmp_path)
    data = cli("target", "--json").json()
    assert (data["kind"], data["method"]) == ("coolify", "explicit")
    assert data["source"].startswith("docs/DEPLOYMENT.md")
    assert {c["kind"] for c in data["candidates"]} >= {"coolify", "vercel"}


def test_ambiguity_exits_2_and_lists_the_candidates(cli: CLI, tmp_path: Path) -> None:
    (tmp_path / "vercel.json").write_text("{}")
    (tmp_path / "compose.yaml").write_text(COOLIFY_COMPOSE)
    run = cli("target", str(tmp_path), "--json")
    assert run.code == EXIT_USAGE
    assert run.json()["error"]["type"] == "ConfigurationError"
    assert "coolify" in run.err
    assert "vercel" in run.err
    assert "Deployment target:" in run.err


def test_a_missing_directory_exits_2(cli: CLI, tmp_path: Path) -> None:
    run = cli("target", str(tmp_path / "nope"))
    assert run.code == EXIT_USAGE
    assert "nope" in run.err


def test_a_monorepo_exits_2_with_each_apps_answer_and_one_app_answers(
    cli: CLI, tmp_path: Path
) -> None:
    (tmp_path / "apps" / "web").mkdir(parents=True)
    (tmp_path / "apps" / "api").mkdir(parents=True)
    (tmp_path / "apps" / "web" / "vercel.json").write_text("{}")
    (tmp_path / "apps" / "api" / "compose.yaml").write_text(COOLIFY_COMPOSE)
    run = cli("target", str(tmp_path))
    assert run.code == EXIT_USAGE
    assert "apps/api: deployment target: coolify" in run.err
    assert "apps/web: deployment target: vercel" in run.err
    data = cli("target", str(tmp_path / "apps" / "web"), "--json").json()
    assert (data["kind"], data["method"]) == ("vercel", "inferred")


def test_ci_that_contradicts_the_docs_exits_2_naming_both(cli: CLI, tmp_path: Path) -> None:
    (tmp_path / "docs").mkdir()
    (tmp_path / "docs" / "PRD.md").write_text("| Deployment target | Vercel |\n")
    (tmp_path / ".github" / "workflows").mkdir(parents=True)
    (tmp_path / ".github" / "workflows" / "deploy.yml").write_text(
        'jobs:\n  deploy:\n    steps:\n      - run: curl "$COOLIFY_URL/api/v1/deploy?uuid=x"\n'
    )
    run = cli("target", str(tmp_path))
    assert run.code == EXIT_USAGE
    assert "declares vercel" in run.err
    assert ".github/workflows/deploy.yml:4 deploys to coolify" in run.err
