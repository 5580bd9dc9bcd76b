"""The standards rules against the linters users already run, on the public corpus of
benchmarks/corpus/ (docker-library, kubernetes/examples, starter-workflows): where a rule
and hadolint or zizmor look for the same defect, they find the same places; and AL000
refuses exactly the rule files of the standards cases that ``promtool check rules`` refuses."""

from __future__ import annotations

import collections
import importlib.util
import sys
from pathlib import Path
from types import ModuleType

import pytest

from mosaic_sdk.standards import FileKind, lint_paths
from tests._support.servers import require_binary

ROOT = Path(__file__).resolve().parents[2]


def _benchmark() -> ModuleType:
    spec = importlib.util.spec_from_file_location(
        "standards_precision", ROOT / "benchmarks" / "standards_precision.py"
    )
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules.setdefault("standards_precision", module)
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="module")
def corpus() -> tuple[ModuleType, dict[str, set[tuple[str, int]]], list[str], list[str]]:
    bench = _benchmark()
    report = lint_paths([bench.CORPUS], root=bench.CORPUS)
    ours: dict[str, set[tuple[str, int]]] = collections.defaultdict(set)
    for finding in report.findings:
        ours[finding.rule_id].add((finding.file, finding.line))
    dockerfiles = [n for n in report.files_checked if bench._kind(n) is FileKind.DOCKERFILE]
    workflows = sorted(
        {str(Path(n).parent) for n in report.files_checked if "/.github/workflows/" in f"/{n}"}
    )
    return bench, ours, dockerfiles, workflows


def test_ci006_finds_every_unpinned_action_zizmor_finds(corpus: tuple) -> None:  # type: ignore[type-arg]
    require_binary("zizmor")
    bench, ours, _, workflows = corpus
    theirs = bench.zizmor(workflows)["unpinned-uses"]
    assert theirs, "zizmor found no unpinned action in the corpus: did it run?"
    matched = bench._matched(ours["CI006"], theirs, bench.STEP_WINDOW)
    assert matched == len(ours["CI006"]) == len(theirs)


def test_df001_and_hadolint_agree_on_unpinned_base_images(corpus: tuple) -> None:  # type: ignore[type-arg]
    require_binary("hadolint")
    bench, ours, dockerfiles, _ = corpus
    found = bench.hadolint(dockerfiles)
    assert found, "hadolint found nothing at all in the corpus: did it run?"
    theirs = found.get("DL3006", set()) | found.get("DL3007", set())
    assert bench._matched(ours.get("DF001", set()), theirs, 0) == len(theirs)
    assert len(ours.get("DF001", set())) == len(theirs)


def test_df001_and_hadolint_flag_the_same_floating_base_images(tmp_path: Path) -> None:
    import json
    import subprocess

    binary = require_binary("hadolint")
    dockerfile = tmp_path / "Dockerfile"
    dockerfile.write_text(
        'FROM python:latest AS build\nRUN echo hi\nFROM node\nFROM debian:12-slim\nCMD ["x"]\n'
    )
    done = subprocess.run(
        [binary, "--no-fail", "-f", "json", str(dockerfile)],
        capture_output=True,
        text=True,
        check=False,
    )
    theirs = {
        int(item["line"])
        for item in json.loads(done.stdout)
        if item["code"] in ("DL3006", "DL3007")
    }
    ours = {f.line for f in lint_paths([tmp_path], root=tmp_path).findings if f.rule_id == "DF001"}
    assert theirs == {1, 3}
    assert ours == theirs


def _rule_file_cases() -> list[tuple[str, str]]:
    from tests._support.standards_cases import CASES, CLEAN_PROMETHEUS_RULES

    files = [("clean", CLEAN_PROMETHEUS_RULES)]
    for case in CASES:
        if case.kind is FileKind.PROMETHEUS_RULES:
            files += [(f"{case}-bad", case.bad), (f"{case}-good", case.good)]
    return files


@pytest.mark.parametrize(("name", "text"), _rule_file_cases(), ids=lambda v: str(v)[:30])
def test_al000_and_promtool_agree_on_which_rule_files_load(
    tmp_path: Path, name: str, text: str
) -> None:
    import subprocess

    from mosaic_sdk.standards import lint_alert_rules

    binary = require_binary("promtool")
    path = tmp_path / "rules.yml"
    path.write_text(text)
    done = subprocess.run(
        [binary, "check", "rules", str(path)], capture_output=True, text=True, check=False
    )
    ours = lint_alert_rules(text, path)

    assert ("AL000" in ours.rule_ids) == (done.returncode != 0), done.stdout + done.stderr
