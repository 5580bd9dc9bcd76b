"""Pure metric arithmetic: latency percentiles, error rates, SLOs and burn-rate alerts.

Nothing here does I/O. The caller measures (samples from a smoke test, ratios from a
Prometheus query) and these types decide; the same objects back the Prometheus gates of
the release workflow, so a gate and a notebook reach the same verdict from the same
numbers.

Burn-rate alerting follows chapter 5 of Google's *The Site Reliability Workbook*
("Alerting on SLOs", multiwindow, multi-burn-rate alerts): an alert fires when the
error budget burns faster than a threshold over a long window *and* over a short
window (one twelfth of the long one), so it fires quickly on a real incident and resets
quickly once it is over.
"""

from __future__ import annotations

import datetime as _dt
import enum
import html
import math
import re
from collections.abc import Callable, Iterable, Mapping
from typing import TYPE_CHECKING, Any

import attrs

from mosaic_sdk._render import (
    FieldsRepr,
    JSONResult,
    TextRepr,
    fields_dict,
    html_table,
    md_escape,
    md_table,
)
from mosaic_sdk.errors import InvalidValueError

if TYPE_CHECKING:
    from mosaic_sdk.observability._slo_rules import SLOSpec

__all__ = [
    "AlertSeverity",
    "BurnRateEvaluation",
    "BurnRateWindow",
    "ErrorRate",
    "format_duration",
    "LatencySummary",
    "parse_duration",
    "percentile",
    "Severity",
    "SLO",
    "SRE_WORKBOOK_ALERTS",
    "WindowResult",
]

_DURATION_UNITS: dict[str, _dt.timedelta] = {
    "y": _dt.timedelta(days=365),
    "w": _dt.timedelta(weeks=1),
    "d": _dt.timedelta(days=1),
    "h": _dt.timedelta(hours=1),
    "m": _dt.timedelta(minutes=1),
    "s": _dt.timedelta(seconds=1),
    "ms": _dt.timedelta(milliseconds=1),
}
_DURATION = re.compile(r"(?:\d+(?:ms|[ywdhms]))+")
_DURATION_PART = re.compile(r"(\d+)(ms|[ywdhms])")


def parse_duration(text: str) -> _dt.timedelta:
    """Parse a Prometheus duration (``5m``, ``1h30m``, ``30d``, ``250ms``).

    Units: ``ms``, ``s``, ``m``, ``h``, ``d``, ``w``, ``y`` (365 days), largest first.

    Raises:
        InvalidValueError: ``text`` is not a positive Prometheus duration.
    """
    if not isinstance(text, str) or _DURATION.fullmatch(text) is None:
        raise InvalidValueError(
            text,
            "is not a Prometheus duration",
            "write an integer and a unit, largest unit first, e.g. '5m', '1h30m', '30d'",
        )
    total = _dt.timedelta()
    for number, unit in _DURATION_PART.findall(text):
        total += int(number) * _DURATION_UNITS[unit]
    if total <= _dt.timedelta():
        raise InvalidValueError(text, "is a zero duration", "use a positive duration such as '5m'")
    return total


def format_duration(duration: _dt.timedelta) -> str:
    """Format ``duration`` the way Prometheus writes it (``1h30m``, ``30d``, ``250ms``).

    Uses weeks only for whole weeks and never years, so a 30-day window stays ``30d``.

    Raises:
        InvalidValueError: ``duration`` is not positive or is not a whole number of
            milliseconds.
    """
    millis, rest = divmod(duration, _dt.timedelta(milliseconds=1))
    if millis <= 0 or rest:
        raise InvalidValueError(
            duration,
            "cannot be written as a Prometheus duration",
            "use a positive whole number of milliseconds",
        )
    parts: list[str] = []
    for unit in ("d", "h", "m", "s", "ms"):
        size = _DURATION_UNITS[unit] // _dt.timedelta(milliseconds=1)
        count, millis = divmod(millis, size)
        if count:
            parts.append(f"{count}{unit}")
    return "".join(parts)


def _as_duration(value: _dt.timedelta | str) -> _dt.timedelta:
    if isinstance(value, _dt.timedelta):
        if value <= _dt.timedelta():
            raise InvalidValueError(
                value, "is not a positive duration", "use e.g. timedelta(hours=1)"
            )
        return value
    return parse_duration(value)


def _finite_sample(value: object) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise InvalidValueError(value, "is not a number", "pass latencies as float seconds")
    number = float(value)
    if not math.isfinite(number) or number < 0:
        raise InvalidValueError(
            value, "is not a finite, non-negative latency", "drop failed measurements first"
        )
    return number


def percentile(samples: Iterable[float], q: float) -> float:
    """The ``q``-th percentile (0-100) of ``samples`` by linear interpolation.

    The same definition as NumPy's default and ``statistics.quantiles(method="inclusive")``:
    position ``(n - 1) * q / 100`` in the sorted samples, interpolated between neighbours.

    Raises:
        InvalidValueError: ``samples`` is empty or holds a negative or non-finite value,
            or ``q`` is outside 0-100.
    """
    if isinstance(q, bool) or not isinstance(q, (int, float)) or not 0 <= q <= 100:
        raise InvalidValueError(q, "is not a percentile", "use a number from 0 to 100, e.g. 95")
    ordered = _sorted_samples(samples)
    if not ordered:
        raise InvalidValueError([], "holds no samples", "measure at least one request first")
    return _interpolate(ordered, q)


def _sorted_samples(samples: Iterable[float]) -> list[float]:
    values = list(samples)
    # Fast path for the common case, plain finite non-negative floats: C-level passes.
    if all(type(v) is float for v in values) and not any(v != v for v in values):
        ordered = sorted(values)
        if not ordered or (ordered[0] >= 0 and math.isfinite(ordered[-1])):
            return ordered
    return sorted(_finite_sample(v) for v in values)


def _interpolate(ordered: list[float], q: float) -> float:
    position = (len(ordered) - 1) * q / 100
    low = math.floor(position)
    high = min(low + 1, len(ordered) - 1)
    fraction = position - low
    return ordered[low] + (ordered[high] - ordered[low]) * fraction


@attrs.frozen
class LatencySummary(FieldsRepr, JSONResult):
    """Count, extremes, mean and p50/p95/p99 of a set of latency samples (seconds).

    Build one with :meth:`from_samples`; percentiles use :func:`percentile`.
    """

    count: int
    minimum: float
    maximum: float
    mean: float
    p50: float
    p95: float
    p99: float

    @classmethod
    def from_samples(cls, samples: Iterable[float]) -> LatencySummary:
        """Summarise ``samples`` (latencies in seconds, in any order).

        Raises:
            InvalidValueError: no samples, or a negative or non-finite sample.
        """
        ordered = _sorted_samples(samples)
        if not ordered:
            raise InvalidValueError(
                [], "holds no latency samples", "measure at least one request first"
            )
        return cls(
            count=len(ordered),
            minimum=ordered[0],
            maximum=ordered[-1],
            mean=math.fsum(ordered) / len(ordered),
            p50=_interpolate(ordered, 50),
            p95=_interpolate(ordered, 95),
            p99=_interpolate(ordered, 99),
        )

    @property
    def ok(self) -> bool:
        """Always True: a summary exists only for at least one valid sample."""
        return True

    def __str__(self) -> str:
        return (
            f"n={self.count} p50={self.p50 * 1000:.1f}ms p95={self.p95 * 1000:.1f}ms "
            f"p99={self.p99 * 1000:.1f}ms max={self.maximum * 1000:.1f}ms"
        )


def _non_negative_int(instance: Any, attribute: attrs.Attribute[Any], value: int) -> None:
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        raise InvalidValueError(
            value, f"ErrorRate.{attribute.name} must be a non-negative integer", "count requests"
        )


@attrs.frozen
class ErrorRate(FieldsRepr, JSONResult):
    """A count of failed requests out of a total.

    ``ratio`` is ``errors / total``, and ``0.0`` when there was no traffic (no
    request failed, so no error budget burned).
    """

    errors: int = attrs.field(validator=_non_negative_int)
    total: int = attrs.field(validator=_non_negative_int)

    def __attrs_post_init__(self) -> None:
        if self.errors > self.total:
            raise InvalidValueError(
                self.errors,
                f"more errors than requests ({self.errors} > {self.total})",
                "count every failed request in the total as well",
            )

    @classmethod
    def from_outcomes(cls, outcomes: Iterable[bool]) -> ErrorRate:
        """Count ``outcomes``, where ``True`` means the request succeeded."""
        total = errors = 0
        for ok in outcomes:
            total += 1
            errors += not ok
        return cls(errors=errors, total=total)

    @classmethod
    def from_status_codes(
        cls, codes: Iterable[int], *, is_error: Callable[[int], bool] | None = None
    ) -> ErrorRate:
        """Count HTTP status ``codes``; by default 5xx answers are errors (as in
        availability SLOs, where a 4xx is the client's fault)."""
        check = is_error if is_error is not None else (lambda code: code >= 500)
        return cls.from_outcomes(not check(code) for code in codes)

    @property
    def ratio(self) -> float:
        """Failed fraction, from 0.0 to 1.0."""
        return self.errors / self.total if self.total else 0.0

    @property
    def ok(self) -> bool:
        """True when no request failed."""
        return self.errors == 0

    @property
    def success_ratio(self) -> float:
        """Succeeded fraction (availability), from 0.0 to 1.0."""
        return 1.0 - self.ratio

    def __add__(self, other: ErrorRate) -> ErrorRate:
        if not isinstance(other, ErrorRate):
            return NotImplemented
        return ErrorRate(errors=self.errors + other.errors, total=self.total + other.total)

    def __str__(self) -> str:
        return f"{self.errors}/{self.total} errors ({self.ratio:.4%})"


class Severity(TextRepr, str, enum.Enum):
    """How urgently a firing burn-rate alert needs a human."""

    PAGE = "page"
    TICKET = "ticket"


AlertSeverity = Severity
"""The name :class:`Severity` has at the top level (``mosaic_sdk.AlertSeverity``), where
``Severity`` is the lint severity of :mod:`mosaic_sdk.standards`."""

_SEVERITY_ORDER = {Severity.PAGE: 0, Severity.TICKET: 1}


def _positive_duration(instance: Any, attribute: attrs.Attribute[Any], value: object) -> None:
    if not isinstance(value, _dt.timedelta) or value <= _dt.timedelta():
        raise InvalidValueError(
            value, f"{attribute.name} must be a positive timedelta", "use e.g. timedelta(hours=1)"
        )


def _positive_number(instance: Any, attribute: attrs.Attribute[Any], value: object) -> None:
    if (
        isinstance(value, bool)
        or not isinstance(value, (int, float))
        or not math.isfinite(value)
        or value <= 0
    ):
        raise InvalidValueError(
            value, f"{attribute.name} must be a positive number", "use e.g. 14.4"
        )


@attrs.frozen
class BurnRateWindow(FieldsRepr):
    """One multiwindow alert condition: burn faster than ``burn_rate`` over both windows.

    Attributes:
        long: the window that decides significance (e.g. 1 hour).
        short: the window that makes the alert reset quickly (workbook: ``long / 12``).
        burn_rate: the threshold, in multiples of the sustainable burn rate.
        severity: what to do when it fires.
    """

    long: _dt.timedelta = attrs.field(converter=_as_duration, validator=_positive_duration)
    short: _dt.timedelta = attrs.field(converter=_as_duration, validator=_positive_duration)
    burn_rate: float = attrs.field(validator=_positive_number)
    severity: Severity = attrs.field(default=Severity.PAGE, converter=Severity)

    def __attrs_post_init__(self) -> None:
        if self.short >= self.long:
            raise InvalidValueError(
                self.short,
                f"is not shorter than the long window ({format_duration(self.long)})",
                "use a short window of one twelfth of the long window",
            )

    @classmethod
    def for_budget(
        cls,
        budget_fraction: float,
        long: _dt.timedelta | str,
        *,
        slo_window: _dt.timedelta | str,
        severity: Severity | str = Severity.PAGE,
        short: _dt.timedelta | str | None = None,
    ) -> BurnRateWindow:
        """The window that fires when ``budget_fraction`` of the budget of a
        ``slo_window`` SLO is spent within ``long``.

        ``burn_rate = budget_fraction * slo_window / long``; e.g. 2 % of a 30-day budget
        in 1 hour is a burn rate of 14.4. ``short`` defaults to ``long / 12``.

        Raises:
            InvalidValueError: ``budget_fraction`` is not in (0, 1], or a window is not
                a positive duration.
        """
        if (
            isinstance(budget_fraction, bool)
            or not isinstance(budget_fraction, (int, float))
            or not 0 < budget_fraction <= 1
        ):
            raise InvalidValueError(
                budget_fraction, "is not a budget fraction", "use a number in (0, 1], e.g. 0.02"
            )
        long_window = _as_duration(long)
        rate = budget_fraction * (_as_duration(slo_window) / long_window)
        return cls(
            long=long_window,
            short=_as_duration(short) if short is not None else long_window / 12,
            burn_rate=round(rate, 10),
            severity=Severity(severity),
        )

    def __str__(self) -> str:
        return (
            f"{self.severity.value}: burn rate > {self.burn_rate:g} over "
            f"{format_duration(self.long)} and {format_duration(self.short)}"
        )


_THIRTY_DAYS = _dt.timedelta(days=30)

#: The workbook's recommended alerts (table 5-8) for a 30-day SLO: page on 2 % of the
#: budget spent in 1 h (burn rate 14.4, checked over 1 h and 5 m) or 5 % in 6 h (6, over
#: 6 h and 30 m); open a ticket on 10 % in 3 days (1, over 3 d and 6 h).
SRE_WORKBOOK_ALERTS: tuple[tuple[float, _dt.timedelta, Severity], ...] = (
    (0.02, _dt.timedelta(hours=1), Severity.PAGE),
    (0.05, _dt.timedelta(hours=6), Severity.PAGE),
    (0.10, _dt.timedelta(days=3), Severity.TICKET),
)


def _ratio_of(window: _dt.timedelta, value: object) -> float:
    ratio = value.ratio if isinstance(value, ErrorRate) else value
    if isinstance(ratio, bool) or not isinstance(ratio, (int, float)):
        raise InvalidValueError(
            value,
            f"is not an error ratio for the {format_duration(window)} window",
            "pass a float from 0 to 1 or an ErrorRate",
        )
    ratio = float(ratio)
    if math.isnan(ratio):  # Prometheus answers 0/0 (no traffic) with NaN
        return ratio
    if not 0 <= ratio <= 1:
        raise InvalidValueError(
            value,
            f"is not an error ratio for the {format_duration(window)} window",
            "pass the failed fraction, from 0 to 1 (not a percentage)",
        )
    return ratio


def _objective(instance: Any, attribute: attrs.Attribute[Any], value: object) -> None:
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not 0 < value < 1:
        raise InvalidValueError(
            value,
            "is not an SLO objective",
            "write the target success ratio as a fraction strictly between 0 and 1, "
            "e.g. 0.999 for 99.9 %",
        )


def _alert_tuple(value: Iterable[BurnRateWindow]) -> tuple[BurnRateWindow, ...]:
    alerts = tuple(value)
    for alert in alerts:
        if not isinstance(alert, BurnRateWindow):
            raise InvalidValueError(
                alert, "is not a BurnRateWindow", "build alerts with BurnRateWindow(...)"
            )
    return alerts


@attrs.frozen
class WindowResult(FieldsRepr, JSONResult):
    """The verdict of one :class:`BurnRateWindow`.

    Attributes:
        window: the condition evaluated.
        long_burn_rate: measured burn rate over the long window (NaN: no traffic).
        short_burn_rate: measured burn rate over the short window (NaN: no traffic).
        firing: both measured rates exceed the window's threshold.
    """

    window: BurnRateWindow
    long_burn_rate: float
    short_burn_rate: float
    firing: bool

    @property
    def ok(self) -> bool:
        """True when the window does not fire."""
        return not self.firing

    def __str__(self) -> str:
        state = "FIRING" if self.firing else "ok"
        return f"{self.window}: {state} ({self.long_burn_rate:.2f} / {self.short_burn_rate:.2f})"


@attrs.frozen
class BurnRateEvaluation(JSONResult):
    """The verdict of every alert window of an :class:`SLO`.

    Attributes:
        slo: the objective evaluated.
        results: one result per window, in the SLO's order (most urgent first).
    """

    slo: SLO
    results: tuple[WindowResult, ...]

    @property
    def firing(self) -> bool:
        """At least one window fires."""
        return any(r.firing for r in self.results)

    @property
    def ok(self) -> bool:
        """True when no window fires."""
        return not self.firing

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready dict: ``ok``, the severity, the SLO and each window's verdict."""
        return {
            "ok": self.ok,
            "severity": None if self.severity is None else self.severity.value,
            **fields_dict(self),
        }

    def _rows(self) -> list[tuple[str, str, str, str]]:
        return [
            (
                "FIRING" if r.firing else "ok",
                str(r.window),
                f"{r.long_burn_rate:.2f}",
                f"{r.short_burn_rate:.2f}",
            )
            for r in self.results
        ]

    def _repr_markdown_(self) -> str:
        head = str(self).splitlines()[0]
        rows = [[md_escape(cell) for cell in row] for row in self._rows()]
        return f"**{md_escape(head)}**\n\n" + md_table(
            ["verdict", "window", "long burn", "short burn"], rows
        )

    def _repr_html_(self) -> str:
        head = str(self).splitlines()[0]
        return f"<p><b>{html.escape(head)}</b></p>" + html_table(
            ["verdict", "window", "long burn", "short burn"], self._rows()
        )

    @property
    def firing_results(self) -> tuple[WindowResult, ...]:
        """The windows that fire."""
        return tuple(r for r in self.results if r.firing)

    @property
    def severity(self) -> Severity | None:
        """The most urgent severity among firing windows, ``None`` when none fires."""
        firing = [r.window.severity for r in self.results if r.firing]
        return min(firing, key=_SEVERITY_ORDER.__getitem__) if firing else None

    def __str__(self) -> str:
        lines = [f"{self.slo}: {'FIRING ' + self.severity.value if self.severity else 'ok'}"]
        lines.extend(
            f"  {'!' if r.firing else ' '} {r.window} -> measured "
            f"{r.long_burn_rate:.2f} / {r.short_burn_rate:.2f}"
            for r in self.results
        )
        return "\n".join(lines)


@attrs.frozen
class SLO(FieldsRepr):
    """A service level objective: the fraction of good requests over a rolling window.

    ``SLO(objective=0.999)`` allows 0.1 % of requests to fail over 30 days; that 0.1 %
    is the *error budget*. The *burn rate* of an observed error ratio is how many times
    faster than sustainable it spends the budget (1.0 spends exactly the budget over
    the window).

    Attributes:
        objective: target success ratio, strictly between 0 and 1.
        window: the rolling window the objective is measured over (30 days by default).
        name: label used in reports, e.g. ``"checkout availability"``.
        alerts: the multiwindow alert conditions; by default the workbook's
            (:data:`SRE_WORKBOOK_ALERTS`) scaled to ``window``.
    """

    objective: float = attrs.field(validator=_objective)
    window: _dt.timedelta = attrs.field(
        default=_THIRTY_DAYS, converter=_as_duration, validator=_positive_duration
    )
    name: str = ""
    alerts: tuple[BurnRateWindow, ...] = attrs.field(converter=_alert_tuple)

    @alerts.default
    def _workbook_alerts(self) -> tuple[BurnRateWindow, ...]:
        return tuple(
            BurnRateWindow.for_budget(fraction, long, slo_window=self.window, severity=severity)
            for fraction, long, severity in SRE_WORKBOOK_ALERTS
            if long < self.window
        )

    @property
    def error_budget(self) -> float:
        """Allowed failed fraction: ``1 - objective`` (rounded to 12 decimal places, so
        ``SLO(0.999).error_budget`` is ``0.001``, not ``0.0010000000000000009``)."""
        return round(1.0 - self.objective, 12)

    def allowed_errors(self, total: int) -> float:
        """How many of ``total`` requests may fail within the objective."""
        return total * self.error_budget

    def burn_rate(self, error_ratio: float | ErrorRate) -> float:
        """How fast ``error_ratio`` spends the budget (1.0 = exactly over the window).

        Rounded to 9 decimal places, so that a ratio exactly at a threshold compares
        equal to it instead of a float rounding error above or below.

        Raises:
            InvalidValueError: ``error_ratio`` is not a fraction from 0 to 1.
        """
        return self._burn(self.window, error_ratio)

    def _burn(self, window: _dt.timedelta, error_ratio: object) -> float:
        return round(_ratio_of(window, error_ratio) / self.error_budget, 9)

    def budget_remaining(self, error_ratio: float | ErrorRate) -> float:
        """Fraction of the budget left when ``error_ratio`` was measured over the whole
        window: 1.0 untouched, 0.0 spent, negative when overspent."""
        return 1.0 - self.burn_rate(error_ratio)

    def required_windows(self) -> tuple[_dt.timedelta, ...]:
        """Every window length :meth:`evaluate` needs a ratio for, shortest first."""
        return tuple(sorted({w for a in self.alerts for w in (a.long, a.short)}))

    def evaluate(
        self,
        error_ratios: Mapping[_dt.timedelta, float | ErrorRate] | Mapping[str, float | ErrorRate],
    ) -> BurnRateEvaluation:
        """Evaluate every alert window against measured error ratios.

        Args:
            error_ratios: the failed fraction (or an :class:`ErrorRate`) observed over each
                window of :meth:`required_windows`, keyed by ``timedelta`` or Prometheus
                duration (``"5m"``). NaN (no traffic) never fires.

        Raises:
            InvalidValueError: a required window is missing or a ratio is not in [0, 1].
        """
        by_window: dict[_dt.timedelta, float | ErrorRate] = {
            _as_duration(key): value for key, value in error_ratios.items()
        }
        missing = [w for w in self.required_windows() if w not in by_window]
        if missing:
            raise InvalidValueError(
                sorted(format_duration(key) for key in by_window),
                "lacks the error ratio for " + ", ".join(format_duration(w) for w in missing),
                "measure every window of SLO.required_windows(): "
                + ", ".join(format_duration(w) for w in self.required_windows()),
            )
        results = []
        for alert in self.alerts:
            long_rate = self._burn(alert.long, by_window[alert.long])
            short_rate = self._burn(alert.short, by_window[alert.short])
            results.append(
                WindowResult(
                    window=alert,
                    long_burn_rate=long_rate,
                    short_burn_rate=short_rate,
                    firing=long_rate > alert.burn_rate and short_rate > alert.burn_rate,
                )
            )
        return BurnRateEvaluation(slo=self, results=tuple(results))

    def __str__(self) -> str:
        label = f"{self.name} " if self.name else ""
        return f"SLO {label}{self.objective:.4%} over {format_duration(self.window)}"

    def to_prometheus_rules(
        self,
        *,
        errors: str,
        total: str,
        runbook_url: str,
        labels: Mapping[str, str] | None = None,
    ) -> str:
        """This SLO as a Prometheus rule file (YAML text): recording rules for the error
        ratio over each window and one multiwindow, multi-burn-rate alert per window of
        :attr:`alerts`, with ``for:``, ``severity`` and ``runbook_url``.

        Args:
            errors: PromQL selector of the failed-request counter, e.g.
                ``'http_requests_total{job="checkout",code=~"5.."}'``.
            total: PromQL selector of the all-request counter, e.g.
                ``'http_requests_total{job="checkout"}'``.
            runbook_url: the http(s) page on-call follows when an alert fires.
            labels: extra labels on every rule, e.g. ``{"team": "payments"}``.

        Raises:
            InvalidValueError: see :class:`~mosaic_sdk.observability.SLOSpec`.
        """
        return self._spec(errors, total, runbook_url, labels).to_prometheus_rules()

    def to_promtool_test(
        self,
        *,
        errors: str,
        total: str,
        runbook_url: str,
        labels: Mapping[str, str] | None = None,
        rule_file: str = "slo-rules.yml",
    ) -> str:
        """A ``promtool test rules`` file proving each alert of
        :meth:`to_prometheus_rules` (same arguments) waits for its ``for:``, fires on an
        outage and resolves after it; ``rule_file`` is where promtool finds the rules."""
        spec = self._spec(errors, total, runbook_url, labels)
        return spec.to_promtool_test(rule_file)

    def _spec(
        self, errors: str, total: str, runbook_url: str, labels: Mapping[str, str] | None
    ) -> SLOSpec:
        from mosaic_sdk.observability._slo_rules import SLOSpec

        return SLOSpec(slo=self, errors=errors, total=total, runbook_url=runbook_url, labels=labels)
