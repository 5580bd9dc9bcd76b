"""Prometheus rule files (AL000-AL004) beyond the per-rule cases of standards_cases.py:
the generated SLO rules lint clean, metric names are read right, and the findings come out
of ``lint_paths`` as text, JSON and SARIF like every other rule."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from mosaic_sdk.observability import SLO, BurnRateWindow
from mosaic_sdk.standards import FileKind, Severity, detect_kind, lint_alert_rules, lint_paths
from mosaic_sdk.standards._alerts import metric_names
from tests._support.standards_cases import CLEAN_PROMETHEUS_RULES, alert

CPU_ALERT = alert('expr: avg(rate(node_cpu_seconds_total{mode!="idle"}[5m])) > 0.9\n')


@pytest.mark.parametrize(
    "slo",
    [
        SLO(objective=0.999, name="checkout-availability"),
        SLO(objective=0.99, window="28d", name="api"),
        SLO(
            objective=0.99,
            window="1h",
            name="smoke",
            alerts=(BurnRateWindow(long="30s", short="10s", burn_rate=10),),
        ),
    ],
    ids=lambda slo: slo.name,
)
def test_generated_slo_rules_break_no_rule(slo: SLO) -> None:
    text = slo.to_prometheus_rules(
        errors='http_requests_total{job="checkout",code=~"5.."}',
        total='http_requests_total{job="checkout"}',
        runbook_url="https://runbooks.example.com/checkout",
        labels={"team": "payments"},
    )

    assert detect_kind("slo-rules.yml", text) is FileKind.PROMETHEUS_RULES
    report = lint_alert_rules(text, "slo-rules.yml")
    assert report.findings == (), report.to_text()


@pytest.mark.parametrize(
    ("expr", "names"),
    [
        ("up == 0", {"up"}),
        (
            'sum by (job, instance) (rate(http_requests_total{code=~"5.."}[5m])) > 0',
            {"http_requests_total"},
        ),
        ("a / on(instance) group_left(node) b", {"a", "b"}),
        ("rate(x[5m] offset 1h) > bool 1e3", {"x"}),
        ('label_replace(y, "dst", "$1", "src", "(.*)")', {"y"}),
        ("max_over_time(z[1h:5m]) and on() vector(1)", {"z"}),
        ('slo:sli_error:ratio_rate5m{slo="x"} > (14.4 * 0.001)', {"slo:sli_error:ratio_rate5m"}),
        (
            "predict_linear(node_filesystem_avail_bytes[6h], 4 * 3600) < 0",
            {"node_filesystem_avail_bytes"},
        ),
    ],
)
def test_metric_names_of_an_expression(expr: str, names: set[str]) -> None:
    assert metric_names(expr) == names


def test_a_cause_with_a_symptom_beside_it_is_fine() -> None:
    text = alert(
        "expr: avg(rate(node_cpu_seconds_total[5m])) > 0.9 and on() histogram_quantile"
        "(0.99, sum by (le) (rate(http_request_duration_seconds_bucket[5m]))) > 1\n"
    )
    assert "AL004" not in lint_alert_rules(text).rule_ids


def test_every_finding_of_a_bad_alert_names_the_alert_and_a_fix() -> None:
    report = lint_alert_rules(CPU_ALERT, "alerts.yml")

    assert report.rule_ids == ("AL001", "AL002", "AL003", "AL004")
    assert all("alert 'A'" in f.message and f.fix for f in report.findings)
    assert [f.severity for f in report.findings] == [Severity.ERROR] * 3 + [Severity.WARNING]
    assert not report.ok


def test_lint_paths_finds_rule_files_by_their_content(tmp_path: Path) -> None:
    (tmp_path / "monitoring").mkdir()
    (tmp_path / "monitoring" / "node.yml").write_text(CPU_ALERT)
    (tmp_path / "monitoring" / "ok.yaml").write_text(CLEAN_PROMETHEUS_RULES)
    (tmp_path / "monitoring" / "other.yml").write_text("groups:\n  - admins\n")

    report = lint_paths([tmp_path], root=tmp_path)

    assert report.files_checked == ("monitoring/node.yml", "monitoring/ok.yaml")
    assert {f.file for f in report.findings} == {"monitoring/node.yml"}


def test_findings_render_as_text_json_and_sarif(tmp_path: Path) -> None:
    report = lint_alert_rules(CPU_ALERT, "alerts.yml")

    assert "alerts.yml:4: error AL001 alert 'A' has no runbook_url annotation" in report.to_text()
    data = json.loads(report.to_json())
    assert [f["rule_id"] for f in data["findings"]] == ["AL001", "AL002", "AL003", "AL004"]
    sarif = json.loads(report.to_sarif())
    run = sarif["runs"][0]
    assert {r["id"] for r in run["tool"]["driver"]["rules"]} >= {"AL000", "AL004"}
    levels = {r["ruleId"]: r["level"] for r in run["results"]}
    assert levels == {"AL001": "error", "AL002": "error", "AL003": "error", "AL004": "warning"}
    assert run["results"][0]["locations"][0]["physicalLocation"]["region"]["startLine"] == 4
