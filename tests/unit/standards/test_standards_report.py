"""Finding, Rule and LintReport: ordering, counts and the text/JSON/SARIF/notebook views."""

from __future__ import annotations

import json
import re

import attrs
import pytest

from mosaic_sdk.errors import InvalidValueError
from mosaic_sdk.standards import RULES, Finding, LintReport, Rule, Severity, rule

E = Finding("DF001", Severity.ERROR, "b/Dockerfile", 3, "base image 'python' is unpinned", "pin it")
W = Finding("CP005", Severity.WARNING, "a/compose.yaml", 7, "service 'web' has no healthcheck", "x")
N = Finding("DF002", Severity.INFO, "b/Dockerfile", 1, "pinned by tag only", "add the digest")
REPORT = LintReport(findings=(E, W, N), files_checked=("b/Dockerfile", "a/compose.yaml", "c.yml"))


def test_findings_and_files_are_sorted() -> None:
    assert REPORT.findings == (W, N, E)
    assert REPORT.files_checked == ("a/compose.yaml", "b/Dockerfile", "c.yml")


def test_counts_and_ok() -> None:
    assert (REPORT.error_count, REPORT.warning_count, REPORT.info_count) == (1, 1, 1)
    assert not REPORT.ok
    assert REPORT.at_least(Severity.WARNING).ok is False
    assert REPORT.without_rules(["DF001"]).ok
    assert LintReport().ok
    assert len(REPORT) == 3
    assert REPORT.rule_ids == ("CP005", "DF001", "DF002")


def test_at_least_filters_by_severity() -> None:
    assert REPORT.at_least(Severity.ERROR).findings == (E,)
    assert REPORT.at_least(Severity.WARNING).findings == (W, E)
    assert REPORT.at_least(Severity.INFO).findings == REPORT.findings


def test_reports_add_up() -> None:
    combined = LintReport(findings=(E,), files_checked=("x",)) + LintReport(
        findings=(W,), files_checked=("x", "y")
    )

    assert combined.findings == (W, E)
    assert combined.files_checked == ("x", "y")


def test_finding_is_frozen_and_validated() -> None:
    with pytest.raises(attrs.exceptions.FrozenInstanceError):
        E.line = 4  # type: ignore[misc]
    with pytest.raises(InvalidValueError, match="'df1'"):
        Finding("df1", Severity.ERROR, "f", 1, "m")
    with pytest.raises(InvalidValueError, match="line number"):
        Finding("DF001", Severity.ERROR, "f", 0, "m")


def test_severity_parse_and_sarif_levels() -> None:
    assert Severity.parse(" Warning ") is Severity.WARNING
    assert [s.sarif_level for s in Severity] == ["error", "warning", "note"]
    with pytest.raises(InvalidValueError, match=r"'fatal'.*error, warning, info"):
        Severity.parse("fatal")


def test_rule_lookup() -> None:
    assert rule("DF004") is RULES["DF004"]
    with pytest.raises(InvalidValueError, match="'XX999'"):
        rule("XX999")


def test_rule_builds_findings_with_its_severity_and_fix() -> None:
    finding = RULES["DF005"].finding("Dockerfile", 0, "shell form")

    assert finding.severity is RULES["DF005"].severity
    assert finding.fix == RULES["DF005"].fix
    assert finding.line == 1  # clamped: line 0 does not exist


def test_repr_is_concise() -> None:
    assert repr(REPORT) == "LintReport(files=3, errors=1, warnings=1, info=1)"


def test_text_output() -> None:
    text = REPORT.to_text()

    assert text.splitlines() == [
        "a/compose.yaml:7: warning CP005 service 'web' has no healthcheck",
        "    fix: x",
        "b/Dockerfile:1: info DF002 pinned by tag only",
        "    fix: add the digest",
        "b/Dockerfile:3: error DF001 base image 'python' is unpinned",
        "    fix: pin it",
        "3 files checked: 1 error, 1 warning, 1 info",
    ]


def test_json_output() -> None:
    data = json.loads(REPORT.to_json())

    assert data["ok"] is False
    assert data["summary"] == {"files": 3, "errors": 1, "warnings": 1, "info": 1}
    assert data["files_checked"] == ["a/compose.yaml", "b/Dockerfile", "c.yml"]
    assert data["findings"][2] == {
        "rule_id": "DF001",
        "severity": "error",
        "file": "b/Dockerfile",
        "line": 3,
        "message": "base image 'python' is unpinned",
        "fix": "pin it",
    }


def test_sarif_structure() -> None:
    sarif = json.loads(REPORT.to_sarif())

    assert sarif["version"] == "2.1.0"
    assert sarif["$schema"].endswith("sarif-2.1.0.json")
    (run,) = sarif["runs"]
    driver = run["tool"]["driver"]
    assert driver["name"] == "mosaic-lint"
    assert isinstance(driver["version"], str)
    rules = driver["rules"]
    assert [r["id"] for r in rules] == sorted(RULES)
    for entry in rules:
        assert set(entry) >= {"id", "name", "shortDescription", "fullDescription", "help"}
        assert re.fullmatch(r"[A-Z][A-Za-z0-9]*", entry["name"])
        assert entry["shortDescription"]["text"]
        assert entry["defaultConfiguration"]["level"] in ("error", "warning", "note")
    results = run["results"]
    assert len(results) == 3
    for result, finding in zip(results, REPORT.findings, strict=True):
        assert result["ruleId"] == finding.rule_id
        assert rules[result["ruleIndex"]]["id"] == finding.rule_id
        assert result["level"] == finding.severity.sarif_level
        assert result["message"]["text"].startswith(finding.message)
        assert finding.fix in result["message"]["text"]
        (location,) = result["locations"]
        physical = location["physicalLocation"]
        assert physical["artifactLocation"]["uri"] == finding.file
        assert physical["artifactLocation"]["uriBaseId"] == "%SRCROOT%"
        assert physical["region"]["startLine"] == finding.line
    assert "%SRCROOT%" in run["originalUriBaseIds"]


def test_sarif_levels_map_info_to_note() -> None:
    results = json.loads(REPORT.to_sarif())["runs"][0]["results"]

    assert [r["level"] for r in results] == ["warning", "note", "error"]


def test_sarif_uris_are_encoded_and_absolute_paths_become_file_uris() -> None:
    report = LintReport(
        findings=(
            Finding("DF001", Severity.ERROR, "my dir/Dockerfile", 1, "m"),
            Finding("DF001", Severity.ERROR, "/abs/Dockerfile", 2, "m"),
        )
    )

    results = json.loads(report.to_sarif())["runs"][0]["results"]
    uris = [r["locations"][0]["physicalLocation"]["artifactLocation"] for r in results]

    assert uris == [
        {"uri": "file:///abs/Dockerfile"},
        {"uri": "my%20dir/Dockerfile", "uriBaseId": "%SRCROOT%"},
    ]


def test_sarif_with_no_findings_is_still_valid() -> None:
    run = json.loads(LintReport(files_checked=("Dockerfile",)).to_sarif())["runs"][0]

    assert run["results"] == []
    assert run["tool"]["driver"]["rules"]


def test_sarif_accepts_a_custom_catalogue_and_unknown_rules() -> None:
    custom = {"XX001": Rule("XX001", "custom-rule", Severity.WARNING, "Custom.", "Do it.")}
    report = LintReport(findings=(Finding("YY001", Severity.ERROR, "f", 1, "m"),))

    driver = json.loads(report.to_sarif(rules=custom))["runs"][0]["tool"]["driver"]

    assert [r["id"] for r in driver["rules"]] == ["XX001", "YY001"]


def test_markdown_and_html_for_notebooks() -> None:
    markdown = REPORT._repr_markdown_()
    html = REPORT._repr_html_()

    assert markdown.startswith("**Lint report**: 3 files checked")
    assert "| error | DF001 | `b/Dockerfile:3` |" in markdown
    assert "<table>" in html
    assert "&#x27;python&#x27;" in html  # escaped
    assert "<table>" not in LintReport()._repr_html_()
    assert "|" not in LintReport()._repr_markdown_()


def test_markdown_escapes_pipes() -> None:
    report = LintReport(findings=(Finding("DF005", Severity.WARNING, "D", 1, "a | b", "c"),))

    assert "a \\| b" in report._repr_markdown_()


def test_messages_are_redacted() -> None:
    from mosaic_sdk.standards import lint_dockerfile

    report = lint_dockerfile(
        "FROM alpine:3.20\nUSER app\nCMD curl -H 'Authorization: Bearer abcdef123456' x\n"
    )

    (finding,) = [f for f in report.findings if f.rule_id == "DF005"]
    assert "abcdef123456" not in finding.message + finding.fix
    assert "***" in finding.message
