"""SLO rule files against Debian's promtool and a real Prometheus.

``promtool check rules`` accepts every generated rule file, ``promtool test rules`` passes
the generated test file (and fails on rules whose threshold, ``for:`` or window logic was
tampered with), and a real Prometheus scraping the switchable metrics app fires the
fast-burn alert when errors exceed the budget and resolves it once they stop.
"""

from __future__ import annotations

import subprocess
import time
from collections.abc import Callable
from pathlib import Path

import pytest

from mosaic_sdk.observability import SLO, BurnRateWindow, PrometheusClient, SLOSpec
from tests._support.metrics_app import MetricsApp
from tests._support.prometheus_server import PrometheusServer, alerts
from tests._support.servers import require_binary

pytestmark = pytest.mark.integration

RUNBOOK = "https://runbooks.example.com/checkout/availability"

SPECS = {
    "workbook-99.9-30d": SLOSpec(
        slo=SLO(objective=0.999, name="checkout-availability"),
        errors='http_requests_total{job="checkout",code=~"5.."}',
        total='http_requests_total{job="checkout"}',
        runbook_url=RUNBOOK,
        labels={"team": "payments", "tier": "1"},
    ),
    "99-28d-error-counter": SLOSpec(
        slo=SLO(objective=0.99, window="28d", name="api errors"),
        errors='api_errors_total{service="api"}',
        total='api_requests_total{service="api"}',
        runbook_url="http://wiki.internal/runbooks/api",
    ),
    "negative-matchers": SLOSpec(
        slo=SLO(objective=0.995, window="7d", name="grpc"),
        errors='grpc_server_handled_total{grpc_code!~"OK|NotFound|Canceled"}',
        total='grpc_server_handled_total{grpc_service!=""}',
        runbook_url=RUNBOOK,
    ),
    "custom-windows": SLOSpec(
        slo=SLO(
            objective=0.99,
            window="1h",
            name="smoke",
            alerts=(
                BurnRateWindow(long="30s", short="10s", burn_rate=10),
                BurnRateWindow(long="2m", short="10s", burn_rate=5, severity="ticket"),
            ),
        ),
        errors='http_requests_total{job="app",code=~"(5..|429)"}',
        total='http_requests_total{job="app"}',
        runbook_url=RUNBOOK,
    ),
}


def _run(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [require_binary("promtool"), *args], capture_output=True, text=True, check=False
    )


def _write(tmp_path: Path, spec: SLOSpec) -> tuple[Path, Path]:
    rules = tmp_path / "slo-rules.yml"
    test = tmp_path / "slo-rules.test.yml"
    rules.write_text(spec.to_prometheus_rules())
    test.write_text(spec.to_promtool_test("slo-rules.yml"))
    return rules, test


@pytest.mark.parametrize("name", list(SPECS))
def test_promtool_check_rules_accepts_the_generated_rules(tmp_path: Path, name: str) -> None:
    spec = SPECS[name]
    rules, _ = _write(tmp_path, spec)

    done = _run("check", "rules", str(rules))

    expected = len(spec.recorded_windows) + 2 + len(spec.slo.alerts)
    assert done.returncode == 0, done.stdout + done.stderr
    assert f"SUCCESS: {expected} rules found" in done.stdout


@pytest.mark.parametrize("name", list(SPECS))
def test_promtool_test_rules_passes_the_generated_tests(tmp_path: Path, name: str) -> None:
    _, test = _write(tmp_path, SPECS[name])

    done = _run("test", "rules", str(test))

    assert done.returncode == 0, done.stdout + done.stderr
    assert "SUCCESS" in done.stdout


TAMPERINGS: dict[str, Callable[[str], str]] = {
    # The alert can never fire: 1000 x a 0.1 % budget is a ratio of 1.
    "threshold": lambda text: text.replace("(14.4 * 0.001)", "(1000 * 0.001)"),
    # No wait: the alert fires while the test expects it pending.
    "for": lambda text: text.replace("for: 6m", "for: 0s"),
    # Long OR short window: the alert does not resolve when the short window is clean.
    "window-logic": lambda text: text.replace("\n  and\n", "\n  or\n").replace(
        "\n          and\n", "\n          or\n"
    ),
    # A label Alertmanager routes on went missing.
    "labels": lambda text: text.replace("severity: ticket", "severity: page"),
}


@pytest.mark.parametrize("how", list(TAMPERINGS))
def test_promtool_test_rules_fails_on_tampered_rules(tmp_path: Path, how: str) -> None:
    rules, test = _write(tmp_path, SPECS["workbook-99.9-30d"])
    original = rules.read_text()
    tampered = TAMPERINGS[how](original)
    assert tampered != original
    rules.write_text(tampered)

    done = _run("test", "rules", str(test))

    assert done.returncode != 0
    assert "FAILED" in done.stdout + done.stderr


def _poll(url: str, alertname: str, want: Callable[[list[str]], bool], timeout: float) -> float:
    """Seconds until the states of ``alertname`` satisfy ``want``; records every state seen."""
    start = time.monotonic()
    while time.monotonic() - start < timeout:
        states = [
            str(a["state"])
            for a in alerts(url)
            if isinstance(a["labels"], dict) and a["labels"].get("alertname") == alertname
        ]
        _SEEN.update(states)
        if want(states):
            return time.monotonic() - start
        time.sleep(0.2)
    raise AssertionError(f"{alertname}: condition not met within {timeout}s (seen {_SEEN})")


_SEEN: set[str] = set()


def test_fast_burn_alert_fires_and_resolves_on_a_real_prometheus(tmp_path: Path) -> None:
    # The workbook's 1 h / 5 m page, scaled down so the test takes seconds: 10x the 1 %
    # budget over 30 s and 10 s, scraped and evaluated every second.
    slo = SLO(
        objective=0.99,
        window="1h",
        name="checkout",
        alerts=(BurnRateWindow(long="30s", short="10s", burn_rate=10),),
    )
    rules = tmp_path / "rules.yml"
    rules.write_text(
        slo.to_prometheus_rules(
            errors='http_requests_total{job="app",code=~"5.."}',
            total='http_requests_total{job="app"}',
            runbook_url=RUNBOOK,
            labels={"team": "payments"},
        )
    )
    alertname = "CheckoutErrorBudgetBurn30s"
    with MetricsApp() as app:
        app.start_traffic(40)
        with PrometheusServer(tmp_path, {"app": app.host}, rule_files=[rules]) as prom:
            client = PrometheusClient(prom.url)
            ratio = 'slo:sli_error:ratio_rate10s{slo="checkout",team="payments"}'
            deadline = time.monotonic() + 30
            while client.value(ratio) is None:
                assert time.monotonic() < deadline, "the recording rule never produced data"
                time.sleep(0.2)
            assert client.value(ratio) == 0.0
            # A full long window of clean traffic first, so the 30 s ratio starts at 0 over
            # 30 s of history (with less, a few errors weigh more and it fires sooner).
            history = 'count_over_time(up{job="app"}[30s])'
            while (client.value(history) or 0) < 29:
                assert time.monotonic() < deadline + 60, "no 30 s of scrapes"
                time.sleep(0.5)
            assert not [a for a in alerts(prom.url) if a["labels"]["alertname"] == alertname]  # type: ignore[index]

            _SEEN.clear()
            app.fail_ratio = 0.5  # 50 % errors: 50x the budget
            fired = _poll(prom.url, alertname, lambda s: "firing" in s, timeout=60)
            assert "pending" in _SEEN, "the alert fired without waiting for its for:"
            [alert] = [a for a in alerts(prom.url) if a["labels"]["alertname"] == alertname]  # type: ignore[index]
            assert alert["labels"] == {
                "alertname": alertname,
                "severity": "page",
                "slo": "checkout",
                "team": "payments",
                "long_window": "30s",
                "short_window": "10s",
            }
            assert alert["annotations"]["runbook_url"] == RUNBOOK  # type: ignore[index]
            during = client.value(ratio)
            assert during is not None
            assert 0.3 < during < 0.7

            app.fail_ratio = 0.0
            resolved = _poll(prom.url, alertname, lambda s: not s, timeout=60)
            client.close()
    print(
        f"\nfast-burn alert: fired {fired:.1f} s after errors began, "
        f"resolved {resolved:.1f} s after they stopped"
    )
    assert fired < 30
    assert resolved < 30


def test_mosaic_slo_rules_output_passes_promtool(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from mosaic_sdk.cli import main

    (tmp_path / "slo.toml").write_text(
        'name = "checkout"\nobjective = "99.5%"\nwindow = "28d"\n'
        'errors = \'http_requests_total{job="checkout",code=~"5..|429"}\'\n'
        "total = 'http_requests_total{job=\"checkout\"}'\n"
        'runbook_url = "https://runbooks.example.com/checkout"\n'
    )
    (tmp_path / "rules").mkdir()
    monkeypatch.chdir(tmp_path)

    code = main(
        ["slo", "rules", "slo.toml", "--output", "rules/slo.yml", "--test-output", "slo.test.yml"]
    )

    assert code == 0
    checked = _run("check", "rules", "rules/slo.yml")
    assert checked.returncode == 0, checked.stdout + checked.stderr
    tested = _run("test", "rules", "slo.test.yml")
    assert tested.returncode == 0, tested.stdout + tested.stderr


def test_the_example_files_pass_promtool(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(Path(__file__).resolve().parents[2] / "examples" / "slo")

    checked = _run("check", "rules", "slo-rules.yml")
    tested = _run("test", "rules", "slo-rules.test.yml")

    assert checked.returncode == 0, checked.stdout + checked.stderr
    assert "SUCCESS: 12 rules found" in checked.stdout
    assert tested.returncode == 0, tested.stdout + tested.stderr
