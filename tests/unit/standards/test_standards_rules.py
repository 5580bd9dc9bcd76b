"""Every rule: a bad input triggers it at the expected lines, a good input does not."""

from __future__ import annotations

import pytest

from mosaic_sdk.standards import (
    RULES,
    FileKind,
    LintReport,
    check_commit_message,
    lint_text,
)
from tests._support.standards_cases import CASES, CLEAN, PATHS, Case


def run(text: str, kind: FileKind, path: str, rule_id: str) -> LintReport:
    if rule_id.startswith("CM"):
        return check_commit_message(text, path)
    return lint_text(text, kind, path)


@pytest.mark.parametrize("case", CASES, ids=str)
def test_bad_input_triggers_the_rule_at_its_lines(case: Case) -> None:
    report = run(case.bad, case.kind, case.file, case.rule_id)

    hits = [f for f in report.findings if f.rule_id == case.rule_id]

    assert sorted(f.line for f in hits) == sorted(case.lines), report.to_text()
    assert all(f.file == case.file for f in hits)
    assert all(f.severity is RULES[case.rule_id].severity for f in hits)
    assert all(f.message and f.fix for f in hits)


@pytest.mark.parametrize("case", CASES, ids=str)
def test_good_input_does_not_trigger_the_rule(case: Case) -> None:
    report = run(case.good, case.kind, case.good_file, case.rule_id)

    assert case.rule_id not in report.rule_ids, report.to_text()


def test_every_rule_has_a_case() -> None:
    assert {case.rule_id for case in CASES} == set(RULES)


@pytest.mark.parametrize("kind", list(CLEAN), ids=lambda k: k.value)
def test_clean_files_have_no_findings(kind: FileKind) -> None:
    report = lint_text(CLEAN[kind], kind, PATHS[kind])

    expected = {"CI011"} if kind is FileKind.GITHUB_ACTIONS else set()
    assert set(report.rule_ids) == expected, report.to_text()
    assert report.files_checked == (PATHS[kind],)
