"""SLO.to_prometheus_rules and SLOSpec: the YAML structure, the checks of every input,
and the promtool test file (promtool itself runs in tests/integration/test_slo_rules.py)."""

from __future__ import annotations

import re
from datetime import timedelta
from typing import Any

import pytest
import yaml

from mosaic_sdk import InvalidValueError
from mosaic_sdk.observability import RECORDED_WINDOWS, SLO, BurnRateWindow, SLOSpec
from mosaic_sdk.observability._slo_rules import _example

ERRORS = 'http_requests_total{job="checkout",code=~"5.."}'
TOTAL = 'http_requests_total{job="checkout"}'
RUNBOOK = "https://runbooks.example.com/checkout"


def _rules(slo: SLO | None = None, **kwargs: Any) -> dict[str, Any]:
    slo = slo or SLO(objective=0.999, name="checkout-availability")
    args: dict[str, Any] = {"errors": ERRORS, "total": TOTAL, "runbook_url": RUNBOOK}
    args.update(kwargs)
    loaded: dict[str, Any] = yaml.safe_load(slo.to_prometheus_rules(**args))
    return loaded


def test_one_group_with_a_recording_per_window_then_the_alerts() -> None:
    document = _rules(labels={"team": "payments"})

    [group] = document["groups"]
    assert group["name"] == "slo-checkout-availability"
    records = [r["record"] for r in group["rules"] if "record" in r]
    assert records == [
        "slo:sli_error:ratio_rate5m",
        "slo:sli_error:ratio_rate30m",
        "slo:sli_error:ratio_rate1h",
        "slo:sli_error:ratio_rate2h",
        "slo:sli_error:ratio_rate6h",
        "slo:sli_error:ratio_rate1d",
        "slo:sli_error:ratio_rate3d",
        "slo:objective:ratio",
        "slo:error_budget:ratio",
    ]
    first_alert = next(i for i, r in enumerate(group["rules"]) if "alert" in r)
    assert all("record" in r for r in group["rules"][:first_alert])
    for rule in group["rules"]:
        assert rule["labels"]["slo"] == "checkout-availability"
        assert rule["labels"]["team"] == "payments"


def test_recording_rules_rate_both_selectors_over_their_window() -> None:
    group = _rules()["groups"][0]
    rule = next(r for r in group["rules"] if r.get("record") == "slo:sli_error:ratio_rate30m")

    expr = " ".join(rule["expr"].split())
    assert expr == (f"(sum(rate({ERRORS}[30m])) or vector(0)) / sum(rate({TOTAL}[30m]))")
    meta = {r["record"]: r["expr"] for r in group["rules"] if "record" in r}
    assert meta["slo:objective:ratio"] == "vector(0.999)"
    assert meta["slo:error_budget:ratio"] == "vector(0.001)"


def test_alerts_are_the_slos_burn_rate_table() -> None:
    slo = SLO(objective=0.999, name="checkout-availability")
    group = _rules(slo, labels={"team": "payments"})["groups"][0]
    alerts = [r for r in group["rules"] if "alert" in r]

    assert len(alerts) == len(slo.alerts) == 3
    for rule, window in zip(alerts, slo.alerts, strict=True):
        long, short = rule["labels"]["long_window"], rule["labels"]["short_window"]
        assert (long, short) in {("1h", "5m"), ("6h", "30m"), ("3d", "6h")}
        assert rule["labels"]["severity"] == window.severity.value
        threshold = f"({window.burn_rate:g} * 0.001)"
        lines = [line.strip() for line in rule["expr"].splitlines()]
        assert lines == [
            f'slo:sli_error:ratio_rate{long}{{slo="checkout-availability",team="payments"}}'
            f" > {threshold}",
            "and",
            f'slo:sli_error:ratio_rate{short}{{slo="checkout-availability",team="payments"}}'
            f" > {threshold}",
        ]
        assert rule["annotations"]["runbook_url"] == RUNBOOK
        assert rule["annotations"]["summary"]
        assert "{{ $value | humanizePercentage }}" in rule["annotations"]["description"]
        assert rule["for"]
    assert [
        (r["labels"]["severity"], r["expr"].split(" > (")[1].split(" ")[0]) for r in alerts
    ] == [
        ("page", "14.4"),
        ("page", "6"),
        ("ticket", "1"),
    ]
    assert [r["for"] for r in alerts] == ["1m", "6m", "1h12m"]
    assert [r["alert"] for r in alerts] == [
        "CheckoutAvailabilityErrorBudgetBurn1h",
        "CheckoutAvailabilityErrorBudgetBurn6h",
        "CheckoutAvailabilityErrorBudgetBurn3d",
    ]


def test_the_description_states_the_numbers() -> None:
    alerts = [r for r in _rules()["groups"][0]["rules"] if "alert" in r]

    text = alerts[0]["annotations"]["description"]
    assert "over the last 1h" in text
    assert "above 1.44% over the last 5m" in text
    assert "14.4x the 0.1% error budget of the 99.9% objective over 30d" in text
    assert "spent in 2d2h" in text


def test_custom_windows_are_recorded_and_alerted_on() -> None:
    slo = SLO(
        objective=0.99,
        window="1h",
        name="smoke",
        alerts=(BurnRateWindow(long="30s", short="10s", burn_rate=10),),
    )
    group = _rules(slo)["groups"][0]

    records = [r["record"] for r in group["rules"] if "record" in r][:-2]
    assert records == [
        "slo:sli_error:ratio_rate10s",
        "slo:sli_error:ratio_rate30s",
        "slo:sli_error:ratio_rate5m",
        "slo:sli_error:ratio_rate30m",
        "slo:sli_error:ratio_rate1h",
    ]
    [alert] = [r for r in group["rules"] if "alert" in r]
    assert alert["alert"] == "SmokeErrorBudgetBurn30s"
    assert alert["for"] == "2s"
    assert "(10 * 0.01)" in alert["expr"]


def test_windows_sharing_a_long_window_get_distinct_names() -> None:
    slo = SLO(
        objective=0.99,
        name="x",
        alerts=(
            BurnRateWindow(long="1h", short="5m", burn_rate=14.4),
            BurnRateWindow(long="1h", short="10m", burn_rate=10),
        ),
    )
    names = [r["alert"] for r in _rules(slo)["groups"][0]["rules"] if "alert" in r]
    assert names == ["XErrorBudgetBurn1h5m", "XErrorBudgetBurn1h10m"]


def test_recorded_windows_stop_at_the_slo_window() -> None:
    spec = SLOSpec(
        slo=SLO(objective=0.99, window="1d", name="daily"),
        errors=ERRORS,
        total=TOTAL,
        runbook_url=RUNBOOK,
    )
    assert spec.recorded_windows == tuple(w for w in RECORDED_WINDOWS if w <= timedelta(days=1))


def test_the_text_starts_with_a_generated_header_and_parses_as_the_data() -> None:
    spec = SLOSpec(slo=SLO(0.999, name="c"), errors=ERRORS, total=TOTAL, runbook_url=RUNBOOK)
    text = spec.to_prometheus_rules()

    assert text.startswith("# Prometheus rules for SLO c: 99.9% over 30d.\n")
    assert yaml.safe_load(text) == spec.rule_groups()
    assert spec.to_prometheus_rules() == text  # deterministic


def test_label_values_that_look_like_numbers_stay_strings() -> None:
    group = _rules(labels={"tier": "1", "paging": "true"})["groups"][0]
    assert all(r["labels"]["tier"] == "1" for r in group["rules"])
    assert all(r["labels"]["paging"] == "true" for r in group["rules"])


BAD_INPUTS = [
    ({"errors": ""}, "errors is not a PromQL counter selector"),
    ({"errors": "   "}, "errors is not a PromQL counter selector"),
    ({"total": None}, "total is not a PromQL counter selector"),
    ({"errors": ERRORS + "[5m]"}, "errors is a range selector"),
    ({"errors": f"sum(rate({ERRORS}[5m]))"}, "errors is an expression"),
    ({"total": '{job="checkout"}'}, "total names no metric"),
    ({"total": 'http_requests_total{job="checkout"'}, "unclosed"),
    ({"total": "http_requests_total{job=checkout}"}, "unquoted label value"),
    ({"total": 'http_requests_total{job="checkout}'}, "unterminated string"),
    ({"total": 'http_requests_total{job~"x"}'}, "has no matcher"),
    ({"errors": TOTAL}, "select the same series"),
    ({"runbook_url": ""}, "runbook_url is not a URL"),
    ({"runbook_url": "runbooks/checkout.md"}, "runbook_url is not an http(s) URL"),
    ({"runbook_url": "ftp://example.com/x"}, "runbook_url is not an http(s) URL"),
    ({"runbook_url": "https://bob:hunter2@wiki.example.com/x"}, "carries credentials"),
    ({"runbook_url": "https://wiki.example.com/x?token=abc123"}, "carries credentials"),
    ({"labels": {"bad-name": "x"}}, "is not a Prometheus label name"),
    ({"labels": {"__team": "x"}}, "reserved label name"),
    ({"labels": {"severity": "critical"}}, "the generated rules set themselves"),
    ({"labels": {"slo": "other"}}, "the generated rules set themselves"),
    ({"labels": {"tier": 1}}, "is not a non-empty string"),
    ({"labels": ["team"]}, "labels is not a mapping"),
    ({"labels": {"team": "a\x1fb"}}, "contains a control character"),
    ({"errors": 'http_requests_total{code="5\x00"}'}, "errors contains a control character"),
    ({"runbook_url": "https://x.example.com/\x07"}, "runbook_url contains a control character"),
]


@pytest.mark.parametrize(("change", "reason"), BAD_INPUTS, ids=lambda v: str(v)[:40])
def test_bad_inputs_raise_a_typed_error_naming_the_fix(change: dict[str, Any], reason: str) -> None:
    args: dict[str, Any] = {"errors": ERRORS, "total": TOTAL, "runbook_url": RUNBOOK}
    args.update(change)

    with pytest.raises(InvalidValueError, match=re.escape(reason)) as caught:
        SLO(objective=0.999, name="c").to_prometheus_rules(**args)
    assert caught.value.fix
    assert "hunter2" not in str(caught.value)
    assert "abc123" not in str(caught.value)


def test_an_slo_without_a_name_or_windows_is_refused() -> None:
    with pytest.raises(InvalidValueError, match="has no name") as caught:
        SLO(objective=0.999).to_prometheus_rules(errors=ERRORS, total=TOTAL, runbook_url=RUNBOOK)
    assert "name='checkout-availability'" in caught.value.fix
    with pytest.raises(InvalidValueError, match="no alert windows"):
        SLO(objective=0.999, window="30m", name="x").to_prometheus_rules(
            errors=ERRORS, total=TOTAL, runbook_url=RUNBOOK
        )
    with pytest.raises(InvalidValueError, match="the SLO name contains a control character"):
        SLO(objective=0.999, name="a\x1bb").to_prometheus_rules(
            errors=ERRORS, total=TOTAL, runbook_url=RUNBOOK
        )
    twice = BurnRateWindow(long="1h", short="5m", burn_rate=14.4)
    with pytest.raises(InvalidValueError, match="same long and short"):
        SLO(objective=0.999, name="x", alerts=(twice, twice)).to_prometheus_rules(
            errors=ERRORS, total=TOTAL, runbook_url=RUNBOOK
        )


def test_selectors_keep_their_text_and_accept_promql_quoting() -> None:
    spec = SLOSpec(
        slo=SLO(0.999, name="c"),
        errors="  http_requests_total{job='checkout', code=~`5..`,}  ",
        total='http_requests_total{job="checkout",path!~"/health\\"z"}',
        runbook_url=RUNBOOK,
    )
    assert spec.errors == "http_requests_total{job='checkout', code=~`5..`,}"
    assert spec.total.endswith('path!~"/health\\"z"}')


# -- the promtool test file -------------------------------------------------------------


def _test_file(spec: SLOSpec) -> dict[str, Any]:
    loaded: dict[str, Any] = yaml.safe_load(spec.to_promtool_test("rules.yml"))
    return loaded


def test_one_promtool_test_per_alert_pending_then_firing_then_resolved() -> None:
    slo = SLO(objective=0.999, name="checkout-availability")
    spec = SLOSpec(slo=slo, errors=ERRORS, total=TOTAL, runbook_url=RUNBOOK)
    document = _test_file(spec)
    rules = {r.get("alert"): r for r in spec.rule_groups()["groups"][0]["rules"]}

    assert document["rule_files"] == ["rules.yml"]
    assert document["evaluation_interval"] == "1m"
    assert len(document["tests"]) == len(slo.alerts)
    for test in document["tests"]:
        pending, firing, resolved = test["alert_rule_test"]
        assert pending["exp_alerts"] == resolved["exp_alerts"] == []
        [expected] = firing["exp_alerts"]
        rule = rules[firing["alertname"]]
        assert expected["exp_labels"] == rule["labels"]
        assert expected["exp_annotations"]["runbook_url"] == RUNBOOK
        assert "100%" in expected["exp_annotations"]["description"]
        times = [_seconds(t["eval_time"]) for t in (pending, firing, resolved)]
        assert times == sorted(times)
        assert times[1] - 60 >= _seconds(rule["for"])  # active from the 2nd sample on
        assert times[0] - 60 < _seconds(rule["for"])


def _seconds(text: str) -> float:
    from mosaic_sdk.observability import parse_duration

    return parse_duration(text).total_seconds()


def test_input_series_match_the_selectors() -> None:
    spec = SLOSpec(slo=SLO(0.999, name="c"), errors=ERRORS, total=TOTAL, runbook_url=RUNBOOK)

    series = [s["series"] for s in _test_file(spec)["tests"][0]["input_series"]]

    assert series == [
        'http_requests_total{code="500", job="checkout"}',
        'http_requests_total{code="200", job="checkout"}',
    ]


def test_an_error_counter_of_its_own_gets_a_total_series_beside_it() -> None:
    spec = SLOSpec(
        slo=SLO(0.999, name="c"),
        errors='api_errors_total{service="api"}',
        total='api_requests_total{service="api"}',
        runbook_url=RUNBOOK,
    )
    [first] = _test_file(spec)["tests"][:1]
    assert [s["series"] for s in first["input_series"]] == [
        'api_errors_total{service="api"}',
        'api_requests_total{service="api"}',
    ]


def test_negative_matchers_give_series_on_the_right_side() -> None:
    spec = SLOSpec(
        slo=SLO(0.999, name="c"),
        errors='grpc_server_handled_total{grpc_code!~"OK|NotFound"}',
        total="grpc_server_handled_total",
        runbook_url=RUNBOOK,
    )
    series = [s["series"] for s in _test_file(spec)["tests"][0]["input_series"]]
    assert series == [
        'grpc_server_handled_total{grpc_code="200"}',
        'grpc_server_handled_total{grpc_code="OK"}',
    ]


def test_a_regex_no_example_can_be_built_for_is_refused_with_a_fix() -> None:
    spec = SLOSpec(
        slo=SLO(0.999, name="c"),
        errors='http_requests_total{code=~"(?=5)\\\\d+"}',
        total="http_requests_total",
        runbook_url=RUNBOOK,
    )
    with pytest.raises(InvalidValueError, match="no test series can be built"):
        spec.to_promtool_test()


@pytest.mark.parametrize(
    "pattern", ["5..", "(5..|429)", "[45][0-9]{2}", "5\\d\\d", "error|fail", "[^2].*", "a+b?c*"]
)
def test_regex_examples_match_in_full(pattern: str) -> None:
    example = _example(pattern)
    assert example is not None
    assert re.fullmatch(pattern, example)


def test_no_example_for_look_arounds_or_back_references() -> None:
    assert _example("(?=5)5..") is None
    assert _example("(a)\\1") is None
    assert _example("[") is None


# -- invariants -------------------------------------------------------------------------

from hypothesis import given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402

from mosaic_sdk.observability._slo_rules import _parse_selector  # noqa: E402

_VALUES = st.text(st.characters(blacklist_categories=("Cs", "Cc")), min_size=1, max_size=12)


def _quoted(value: str) -> str:
    return '"' + value.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n") + '"'


@settings(max_examples=25, deadline=None)
@given(job=_VALUES, team=_VALUES)
def test_any_label_value_survives_selectors_rules_and_test_series(job: str, team: str) -> None:
    spec = SLOSpec(
        slo=SLO(0.999, name="c"),
        errors=f'http_requests_total{{job={_quoted(job)},code="500"}}',
        total=f"http_requests_total{{job={_quoted(job)}}}",
        runbook_url=RUNBOOK,
        labels={"team": team},
    )

    assert yaml.safe_load(spec.to_prometheus_rules()) == spec.rule_groups()
    alert = next(r for r in spec.rule_groups()["groups"][0]["rules"] if "alert" in r)
    first_matcher = _parse_selector("expr", alert["expr"].splitlines()[0].split(" > ")[0])
    assert ("team", "=", team) in [(m.label, m.op, m.value) for m in first_matcher.matchers]
    series = yaml.safe_load(spec.to_promtool_test())["tests"][0]["input_series"]
    bad = _parse_selector("series", series[0]["series"])
    assert ("job", "=", job) in [(m.label, m.op, m.value) for m in bad.matchers]
