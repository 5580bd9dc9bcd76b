"""Latency percentiles, error rates, SLOs and multiwindow burn-rate evaluation."""

from __future__ import annotations

import math
import statistics
from datetime import timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from mosaic_sdk.errors import InvalidValueError
from mosaic_sdk.observability import (
    SLO,
    BurnRateWindow,
    ErrorRate,
    LatencySummary,
    Severity,
    format_duration,
    parse_duration,
    percentile,
)

# ---------------------------------------------------------------- percentiles


def test_summary_of_one_to_hundred() -> None:
    summary = LatencySummary.from_samples(float(i) for i in range(100, 0, -1))
    assert summary.count == 100
    assert (summary.minimum, summary.maximum) == (1.0, 100.0)
    assert summary.mean == pytest.approx(50.5)
    # Linear interpolation at (n - 1) * q: 1 + 99 * 0.5 = 50.5, 1 + 99 * 0.95 = 95.05 ...
    assert summary.p50 == pytest.approx(50.5)
    assert summary.p95 == pytest.approx(95.05)
    assert summary.p99 == pytest.approx(99.01)


def test_single_sample() -> None:
    summary = LatencySummary.from_samples([0.25])
    assert summary.p50 == summary.p95 == summary.p99 == summary.maximum == 0.25
    assert str(summary) == "n=1 p50=250.0ms p95=250.0ms p99=250.0ms max=250.0ms"


@given(st.lists(st.floats(min_value=0, max_value=1e6), min_size=2, max_size=200))
def test_percentiles_match_statistics_inclusive(samples: list[float]) -> None:
    cuts = statistics.quantiles(samples, n=100, method="inclusive")
    summary = LatencySummary.from_samples(samples)
    assert summary.p50 == pytest.approx(cuts[49], rel=1e-9, abs=1e-9)
    assert summary.p95 == pytest.approx(cuts[94], rel=1e-9, abs=1e-9)
    assert summary.p99 == pytest.approx(cuts[98], rel=1e-9, abs=1e-9)
    assert summary.minimum <= summary.p50 <= summary.p95 <= summary.p99 <= summary.maximum


@pytest.mark.parametrize(("q", "expected"), [(0, 1.0), (25, 1.75), (50, 2.5), (100, 4.0)])
def test_percentile_function(q: float, expected: float) -> None:
    assert percentile([4.0, 1.0, 3.0, 2.0], q) == pytest.approx(expected)


@pytest.mark.parametrize("samples", [[], [1.0, -0.1], [math.nan], [math.inf], ["1"], [True]])
def test_bad_samples_are_refused(samples: list[object]) -> None:
    with pytest.raises(InvalidValueError):
        LatencySummary.from_samples(samples)  # type: ignore[arg-type]


@pytest.mark.parametrize("q", [-1, 101, math.nan])
def test_bad_percentile_is_refused(q: float) -> None:
    with pytest.raises(InvalidValueError, match="from 0 to 100"):
        percentile([1.0], q)


# ---------------------------------------------------------------- error rates


def test_error_rate_counts() -> None:
    rate = ErrorRate.from_outcomes([True, True, False, True])
    assert (rate.errors, rate.total) == (1, 4)
    assert rate.ratio == 0.25
    assert rate.success_ratio == 0.75
    assert str(rate) == "1/4 errors (25.0000%)"
    assert ErrorRate.from_status_codes([200, 404, 503, 500, 201]).ratio == pytest.approx(0.4)
    assert ErrorRate.from_status_codes([200, 404], is_error=lambda c: c >= 400).errors == 1
    assert (rate + ErrorRate(errors=1, total=6)) == ErrorRate(errors=2, total=10)


def test_no_traffic_is_zero_errors() -> None:
    assert ErrorRate(errors=0, total=0).ratio == 0.0


@pytest.mark.parametrize(("errors", "total"), [(3, 2), (-1, 2), (1, -1), (True, 2)])
def test_impossible_counts_are_refused(errors: int, total: int) -> None:
    with pytest.raises(InvalidValueError):
        ErrorRate(errors=errors, total=total)


# ---------------------------------------------------------------- durations


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("5m", timedelta(minutes=5)),
        ("1h30m", timedelta(minutes=90)),
        ("30d", timedelta(days=30)),
        ("250ms", timedelta(milliseconds=250)),
        ("2w", timedelta(days=14)),
        ("1y", timedelta(days=365)),
    ],
)
def test_parse_duration(text: str, expected: timedelta) -> None:
    assert parse_duration(text) == expected


@pytest.mark.parametrize("text", ["", "5", "m5", "1.5h", "0s", "5M", " 5m", "-5m"])
def test_parse_duration_refuses(text: str) -> None:
    with pytest.raises(InvalidValueError, match="'5m'"):
        parse_duration(text)


@pytest.mark.parametrize(
    ("value", "text"),
    [
        (timedelta(days=30), "30d"),
        (timedelta(hours=1), "1h"),
        (timedelta(minutes=90), "1h30m"),
        (timedelta(seconds=1, milliseconds=5), "1s5ms"),
    ],
)
def test_format_duration(value: timedelta, text: str) -> None:
    assert format_duration(value) == text
    assert parse_duration(text) == value


@given(st.integers(min_value=1, max_value=10**12))
def test_duration_round_trip(millis: int) -> None:
    value = timedelta(milliseconds=millis)
    assert parse_duration(format_duration(value)) == value


def test_format_duration_refuses_zero_and_microseconds() -> None:
    with pytest.raises(InvalidValueError):
        format_duration(timedelta())
    with pytest.raises(InvalidValueError):
        format_duration(timedelta(microseconds=1500))


# ---------------------------------------------------------------- SLO


def test_error_budget_and_burn_rate() -> None:
    slo = SLO(objective=0.999)
    assert slo.error_budget == pytest.approx(0.001)
    assert slo.window == timedelta(days=30)
    assert slo.allowed_errors(1_000_000) == pytest.approx(1000)
    assert slo.burn_rate(0.001) == pytest.approx(1.0)
    assert slo.burn_rate(ErrorRate(errors=144, total=10_000)) == pytest.approx(14.4)
    assert slo.budget_remaining(0.0005) == pytest.approx(0.5)
    assert slo.budget_remaining(0.002) == pytest.approx(-1.0)
    assert str(slo) == "SLO 99.9000% over 30d"


def test_workbook_windows_for_thirty_days() -> None:
    alerts = SLO(objective=0.999).alerts
    assert [
        (format_duration(a.long), format_duration(a.short), a.burn_rate, a.severity) for a in alerts
    ] == [
        ("1h", "5m", 14.4, Severity.PAGE),
        ("6h", "30m", 6.0, Severity.PAGE),
        ("3d", "6h", 1.0, Severity.TICKET),
    ]
    assert SLO(objective=0.999).required_windows() == (
        timedelta(minutes=5),
        timedelta(minutes=30),
        timedelta(hours=1),
        timedelta(hours=6),
        timedelta(days=3),
    )


def test_windows_scale_with_the_slo_window() -> None:
    alerts = SLO(objective=0.99, window="28d").alerts
    # 2 % of a 28-day budget in 1 h: 0.02 * 672 = 13.44
    assert alerts[0].burn_rate == pytest.approx(13.44)
    short = SLO(objective=0.99, window="2d").alerts
    assert [format_duration(a.long) for a in short] == ["1h", "6h"]  # 3d does not fit in 2d


def test_fast_burn_pages_only_when_both_windows_agree() -> None:
    slo = SLO(objective=0.999)
    quiet = {"5m": 0.0, "30m": 0.0, "1h": 0.0, "6h": 0.0, "3d": 0.0}
    assert not slo.evaluate(quiet).firing
    assert slo.evaluate(quiet).severity is None

    incident = {**quiet, "5m": 0.02, "1h": 0.015}  # burn 20 and 15 > 14.4
    result = slo.evaluate(incident)
    assert result.firing
    assert result.severity is Severity.PAGE
    assert [r.window.burn_rate for r in result.firing_results] == [14.4]
    assert result.results[0].long_burn_rate == pytest.approx(15.0)

    recovered = {**incident, "5m": 0.0}  # the long window still high, the short one reset
    assert not slo.evaluate(recovered).firing


def test_boundary_is_strictly_greater() -> None:
    slo = SLO(objective=0.9, alerts=[BurnRateWindow(long="1h", short="5m", burn_rate=2)])
    assert not slo.evaluate({"1h": 0.2, "5m": 0.2}).firing
    assert slo.evaluate({"1h": 0.21, "5m": 0.21}).firing


def test_slow_burn_opens_a_ticket() -> None:
    slo = SLO(objective=0.999)
    ratios = {"5m": 0.0015, "30m": 0.0015, "1h": 0.0015, "6h": 0.0015, "3d": 0.0015}
    result = slo.evaluate({parse_duration(k): v for k, v in ratios.items()})
    assert result.severity is Severity.TICKET
    assert "FIRING ticket" in str(result)


def test_no_traffic_nan_never_fires() -> None:
    slo = SLO(objective=0.999)
    result = slo.evaluate(dict.fromkeys(("5m", "30m", "1h", "6h", "3d"), math.nan))
    assert not result.firing
    assert math.isnan(result.results[0].long_burn_rate)


def test_error_rate_values_are_accepted() -> None:
    slo = SLO(objective=0.99, alerts=[BurnRateWindow("1h", "5m", 10)])
    result = slo.evaluate({"1h": ErrorRate(errors=20, total=100), "5m": ErrorRate(30, 100)})
    assert result.firing


def test_missing_window_names_what_to_measure() -> None:
    slo = SLO(objective=0.999)
    with pytest.raises(InvalidValueError) as info:
        slo.evaluate({"5m": 0.0, "1h": 0.0})
    assert "30m, 6h, 3d" in str(info.value)
    assert "5m, 30m, 1h, 6h, 3d" in info.value.fix


@pytest.mark.parametrize("ratio", [1.5, -0.1, "0.1", 99.9])
def test_ratio_out_of_range_is_refused(ratio: object) -> None:
    slo = SLO(objective=0.9, alerts=[BurnRateWindow("1h", "5m", 2)])
    with pytest.raises(InvalidValueError, match="1h"):
        slo.evaluate({"1h": ratio, "5m": 0.0})  # type: ignore[arg-type]


@pytest.mark.parametrize("objective", [0, 1, 99.9, -0.5, True, "0.999"])
def test_bad_objective_is_refused(objective: object) -> None:
    with pytest.raises(InvalidValueError, match=r"0\.999 for 99\.9 %"):
        SLO(objective=objective)  # type: ignore[arg-type]


def test_window_validation() -> None:
    with pytest.raises(InvalidValueError, match="not shorter than the long window"):
        BurnRateWindow("5m", "1h", 14.4)
    with pytest.raises(InvalidValueError, match="positive number"):
        BurnRateWindow("1h", "5m", 0)
    with pytest.raises(InvalidValueError, match="budget fraction"):
        BurnRateWindow.for_budget(2, "1h", slo_window="30d")
    with pytest.raises(InvalidValueError):
        SLO(objective=0.9, window=timedelta(0))
    with pytest.raises(InvalidValueError, match="BurnRateWindow"):
        SLO(objective=0.9, alerts=[("1h", "5m", 14.4)])  # type: ignore[list-item]
    window = BurnRateWindow.for_budget(0.02, "1h", slo_window="30d")
    assert window == BurnRateWindow("1h", "5m", 14.4, Severity.PAGE)
    assert str(window) == "page: burn rate > 14.4 over 1h and 5m"
