"""The developer tooling says what it runs: pre-commit runs make lint's checks, and
CONTRIBUTING.md's layer drawing is the import-linter contract."""

from __future__ import annotations

from pathlib import Path

import tomllib
import yaml

ROOT = Path(__file__).resolve().parents[2]


def _lint_commands() -> str:
    makefile = (ROOT / "Makefile").read_text()
    return makefile.split("\nlint:", 1)[1].split("\n\n", 1)[0]


def test_pre_commit_runs_the_checks_of_make_lint() -> None:
    config = yaml.safe_load((ROOT / ".pre-commit-config.yaml").read_text())
    hooks = [hook for repo in config["repos"] for hook in repo["hooks"]]
    lint = _lint_commands()
    programs = {hook["entry"].split()[0].removeprefix(".venv/bin/") for hook in hooks}
    for needed in ("ruff", "lint-imports"):
        assert needed in programs
        assert needed in lint
    assert "gen_sync.py --check" in lint
    assert any("gen_sync.py --check" in hook["entry"] for hook in hooks)
    assert any(hook.get("stages") == ["commit-msg"] for hook in hooks)


def test_contributing_draws_the_layers_of_the_contract() -> None:
    pyproject = tomllib.loads((ROOT / "pyproject.toml").read_text())
    (contract,) = [
        c for c in pyproject["tool"]["importlinter"]["contracts"] if c["type"] == "layers"
    ]
    drawing = (ROOT / "CONTRIBUTING.md").read_text().split("### Layers", 1)[1]
    drawing = drawing.split("```text", 1)[1].split("```", 1)[0]
    for layer in contract["layers"]:
        for package in layer.split("|"):
            assert package.strip().removeprefix("mosaic_sdk.") in drawing, package


def test_no_two_test_modules_share_a_basename() -> None:
    # pytest imports test modules by basename (rootdir-relative, no packages): two files of
    # one name stop the whole collection with "import file mismatch".
    from collections import Counter
    from pathlib import Path

    names = Counter(p.name for p in Path(__file__).resolve().parents[1].rglob("test_*.py"))
    assert [name for name, count in names.items() if count > 1] == []
