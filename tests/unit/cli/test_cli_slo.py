"""``mosaic slo rules``: SLO files in YAML and TOML, outputs, and errors that name the field."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from mosaic_sdk.cli import EXIT_OK, EXIT_USAGE
from mosaic_sdk.observability import SLO
from tests._support.cli_helpers import CLI

YAML_FILE = """\
name: checkout-availability
objective: 99.9%
errors: http_requests_total{job="checkout",code=~"5.."}
total: http_requests_total{job="checkout"}
runbook_url: https://runbooks.example.com/checkout
labels: {team: payments}
"""
TOML_FILE = """\
name = "checkout-availability"
objective = 0.999
window = "30d"
errors = 'http_requests_total{job="checkout",code=~"5.."}'
total = 'http_requests_total{job="checkout"}'
runbook_url = "https://runbooks.example.com/checkout"

[labels]
team = "payments"
"""


@pytest.fixture
def here(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.chdir(tmp_path)
    return tmp_path


def _expected() -> str:
    return SLO(objective=0.999, name="checkout-availability").to_prometheus_rules(
        errors='http_requests_total{job="checkout",code=~"5.."}',
        total='http_requests_total{job="checkout"}',
        runbook_url="https://runbooks.example.com/checkout",
        labels={"team": "payments"},
    )


@pytest.mark.parametrize(("name", "text"), [("slo.yaml", YAML_FILE), ("slo.toml", TOML_FILE)])
def test_prints_the_rule_file_of_a_yaml_or_toml_slo_file(
    cli: CLI, here: Path, name: str, text: str
) -> None:
    (here / name).write_text(text)

    run = cli("slo", "rules", name)

    assert run.code == EXIT_OK, run.err
    assert run.out == _expected()
    assert run.err == ""


def test_writes_the_rules_and_their_promtool_test(cli: CLI, here: Path) -> None:
    (here / "slo.yaml").write_text(YAML_FILE)
    (here / "rules").mkdir()
    (here / "tests").mkdir()

    run = cli(
        "slo", "rules", "slo.yaml", "--output", "rules/slo.yml", "--test-output", "tests/t.yml"
    )

    assert run.code == EXIT_OK, run.err
    assert "9 recording rules and 3 alerts written to rules/slo.yml, tests/t.yml" in run.out
    assert (here / "rules" / "slo.yml").read_text() == _expected()
    test = yaml.safe_load((here / "tests" / "t.yml").read_text())
    assert test["rule_files"] == ["../rules/slo.yml"]
    assert len(test["tests"]) == 3


def test_json_holds_the_rule_groups(cli: CLI, here: Path) -> None:
    (here / "slo.yaml").write_text(YAML_FILE)

    data = cli("slo", "rules", "slo.yaml", "--json").json()

    assert data["ok"] is True
    assert data["slo"] == "checkout-availability"
    assert data["rules"] == yaml.safe_load(_expected())


def test_custom_alert_windows_from_the_file(cli: CLI, here: Path) -> None:
    (here / "slo.yaml").write_text(
        YAML_FILE + "window: 1h\nalerts:\n  - {long: 30s, short: 10s, burn_rate: 10}\n"
    )

    run = cli("slo", "rules", "slo.yaml")

    rules = yaml.safe_load(run.out)["groups"][0]["rules"]
    [alert] = [r for r in rules if "alert" in r]
    assert alert["alert"] == "CheckoutAvailabilityErrorBudgetBurn30s"
    assert alert["labels"]["severity"] == "page"
    assert "(10 * 0.001)" in alert["expr"]


BAD_FILES = [
    ("nme: x\n", "field 'nme' is not an SLO file field", "use name, objective"),
    ("name: x\n", "field 'objective' is missing", "add objective: the target"),
    (YAML_FILE.replace("99.9%", "99.9"), "field 'objective' is 99.9", "write 0.999 or '99.9%'"),
    (YAML_FILE + "window: 30days\n", "field 'window' is '30days'", "30d or 28d"),
    (YAML_FILE.replace("errors:", "#"), "field 'errors' is missing", "add errors:"),
    (
        YAML_FILE.replace('job="checkout",code', 'job="checkout"}[5m],code'),
        "field 'errors' is wrong: errors",
        "selector",
    ),
    (YAML_FILE.replace("https://", "ftp://"), "field 'runbook_url' is wrong", "https://"),
    (YAML_FILE.replace("team: payments", "tier: 1"), "field 'labels' is wrong", "quote it"),
    (YAML_FILE + "alerts: [{long: 5m, short: 1h, burn_rate: 2}]\n", "field 'alerts[0]'", "long"),
    ("name: [\n", "is not valid YAML at line 2", "fix the YAML"),
    ("- a\n- b\n", "does not hold a mapping of SLO fields", "write the fields"),
]


@pytest.mark.parametrize(("text", "reason", "fix"), BAD_FILES, ids=lambda v: str(v)[:24])
def test_bad_files_exit_2_naming_the_field_and_the_fix(
    cli: CLI, here: Path, text: str, reason: str, fix: str
) -> None:
    (here / "slo.yaml").write_text(text)

    run = cli("slo", "rules", "slo.yaml")

    assert run.code == EXIT_USAGE
    assert run.out == ""
    assert reason in run.err
    assert fix in run.err
    assert "'slo.yaml'" in run.err


def test_bad_toml_names_the_file(cli: CLI, here: Path) -> None:
    (here / "slo.toml").write_text('name = "x\n')
    run = cli("slo", "rules", "slo.toml")
    assert run.code == EXIT_USAGE
    assert "'slo.toml': is not valid TOML" in run.err


def test_usage_errors(cli: CLI, here: Path) -> None:
    (here / "slo.yaml").write_text(YAML_FILE)
    assert "does not exist" in cli("slo", "rules", "missing.yaml").err
    run = cli("slo", "rules", "slo.yaml", "--test-output", "t.yml")
    assert run.code == EXIT_USAGE
    assert "--test-output needs --output" in run.err


def test_the_example_files_of_docs_alerting_are_what_the_command_writes(
    cli: CLI, tmp_path: Path
) -> None:
    examples = Path(__file__).resolve().parents[3] / "examples" / "slo"
    rules, test = tmp_path / "slo-rules.yml", tmp_path / "slo-rules.test.yml"

    run = cli(
        "slo",
        "rules",
        str(examples / "slo.yaml"),
        "--output",
        str(rules),
        "--test-output",
        str(test),
    )

    assert run.code == EXIT_OK, run.err
    assert rules.read_text() == (examples / "slo-rules.yml").read_text()
    assert test.read_text() == (examples / "slo-rules.test.yml").read_text()
