"""SLOs as Prometheus rule files: recording rules, burn-rate alerts and their unit test.

:class:`SLOSpec` joins an :class:`~mosaic_sdk.observability.SLO` to the counters that
measure it (``errors`` and ``total``, two PromQL counter selectors), a runbook and the
labels alerts are routed on. It renders:

* :meth:`SLOSpec.to_prometheus_rules` - one rule group, the family Sloth and Pyrra
  generate: the error ratio recorded over each window (``slo:sli_error:ratio_rate5m``
  ... ``slo:sli_error:ratio_rate3d``, plus any window the alerts need), the objective
  and budget as ``slo:objective:ratio`` and ``slo:error_budget:ratio``, and one alert per
  multiwindow, multi-burn-rate condition of :attr:`SLO.alerts` (the SRE workbook's table,
  the same conditions :meth:`SLO.evaluate` and the release gates use);
* :meth:`SLOSpec.to_promtool_test` - a ``promtool test rules`` file that proves each alert
  stays pending for its ``for:``, fires during a full outage and resolves once errors
  stop, with input series built to match the two selectors.

Recordings and alerts share one group, so Prometheus evaluates them in order at the same
timestamp and an alert never reads a ratio one evaluation old. Nothing here does I/O.
"""

from __future__ import annotations

import datetime as _dt
import importlib
import io
import math
import os
import re
import sys
from collections.abc import Iterable, Mapping, Sequence
from typing import Any
from urllib.parse import urlsplit

import attrs

from mosaic_sdk._core._redact import sanitize_url
from mosaic_sdk._render import FieldsRepr
from mosaic_sdk.errors import InvalidValueError
from mosaic_sdk.observability._metrics import SLO, BurnRateWindow, format_duration

__all__ = ["RECORDED_WINDOWS", "SLO_FILE_FIELDS", "SLOSpec"]

#: The windows Sloth records the error ratio over (for 30-day SLOs), shortest first;
#: :meth:`SLOSpec.to_prometheus_rules` records those no longer than the SLO window and
#: every window an alert needs.
RECORDED_WINDOWS: tuple[_dt.timedelta, ...] = (
    _dt.timedelta(minutes=5),
    _dt.timedelta(minutes=30),
    _dt.timedelta(hours=1),
    _dt.timedelta(hours=2),
    _dt.timedelta(hours=6),
    _dt.timedelta(days=1),
    _dt.timedelta(days=3),
)

_LABEL_NAME = re.compile(r"[a-zA-Z_][a-zA-Z0-9_]*")
_METRIC_NAME = re.compile(r"[a-zA-Z_:][a-zA-Z0-9_:]*")
#: Labels the generated rules set themselves; a user label may not override them.
RESERVED_LABELS = frozenset({"alertname", "severity", "slo", "long_window", "short_window"})
_EXAMPLE_SELECTOR = 'http_requests_total{job="checkout",code=~"5.."}'


# -- selectors ------------------------------------------------------------------------


@attrs.frozen
class _Matcher:
    label: str
    op: str  # "=", "!=", "=~", "!~"
    value: str

    def matches(self, value: str) -> bool:
        if self.op == "=":
            return value == self.value
        if self.op == "!=":
            return value != self.value
        hit = _fullmatch(self.value, value)
        return hit if self.op == "=~" else not hit

    def negated(self) -> _Matcher:
        flip = {"=": "!=", "!=": "=", "=~": "!~", "!~": "=~"}
        return _Matcher(self.label, flip[self.op], self.value)


def _fullmatch(pattern: str, value: str) -> bool:
    try:
        return re.fullmatch(pattern, value, re.DOTALL) is not None
    except re.error:
        return False


@attrs.frozen
class _Selector:
    text: str
    matchers: tuple[_Matcher, ...]

    def matches(self, labels: Mapping[str, str]) -> bool:
        return all(m.matches(labels.get(m.label, "")) for m in self.matchers)


_ESCAPES = {"\\": "\\", '"': '"', "'": "'", "n": "\n", "t": "\t", "r": "\r"}


_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")


def _refuse_control(what: str, value: str) -> None:
    # A YAML stream may not hold raw control characters, and no label needs one.
    if _CONTROL.search(value):
        raise InvalidValueError(
            value,
            f"{what} contains a control character",
            "use printable text (write a newline in a PromQL string as \\n)",
        )


def _selector_error(field: str, text: str, reason: str, fix: str = "") -> InvalidValueError:
    return InvalidValueError(
        text,
        f"{field} {reason}",
        fix or f"pass a counter selector such as '{_EXAMPLE_SELECTOR}'",
    )


def _parse_selector(field: str, value: object) -> _Selector:
    """Parse an instant-vector selector ``name{label op "value", ...}``."""
    if not isinstance(value, str) or not value.strip():
        raise _selector_error(field, repr(value), "is not a PromQL counter selector")
    text = value.strip()
    _refuse_control(field, text)
    if "\n" in text:
        raise _selector_error(field, text, "spans several lines", "write it on one line")
    pos = 0
    name = _METRIC_NAME.match(text, pos)
    matchers: list[_Matcher] = []
    if name is not None:
        matchers.append(_Matcher("__name__", "=", name.group()))
        pos = name.end()
    pos = _skip_space(text, pos)
    if pos < len(text) and text[pos] == "{":
        pos = _parse_matchers(field, text, pos + 1, matchers)
        pos = _skip_space(text, pos)
    if pos != len(text):
        rest = text[pos:]
        if rest.startswith("["):
            reason, fix = (
                "is a range selector",
                "pass the counter without [window]: the rules apply rate() over each window",
            )
        elif "(" in text:
            reason, fix = (
                "is an expression, not a selector",
                "pass the counter selector itself (the rules write sum(rate(...)) around it), "
                f"e.g. '{_EXAMPLE_SELECTOR}'",
            )
        else:
            reason, fix = f"has unexpected text {rest!r}", ""
        raise _selector_error(field, text, reason, fix)
    if not any(m.label == "__name__" and m.op == "=" for m in matchers):
        raise _selector_error(
            field,
            text,
            "names no metric",
            f"start it with the counter's name, e.g. '{_EXAMPLE_SELECTOR}'",
        )
    return _Selector(text, tuple(matchers))


def _skip_space(text: str, pos: int) -> int:
    while pos < len(text) and text[pos] in " \t":
        pos += 1
    return pos


def _parse_matchers(field: str, text: str, pos: int, out: list[_Matcher]) -> int:
    while True:
        pos = _skip_space(text, pos)
        if pos < len(text) and text[pos] == "}":
            return pos + 1
        label = _LABEL_NAME.match(text, pos)
        if label is None:
            raise _selector_error(field, text, f"has no label name at column {pos + 1}")
        pos = _skip_space(text, label.end())
        op = next((o for o in ("=~", "!~", "!=", "=") if text.startswith(o, pos)), None)
        if op is None:
            raise _selector_error(
                field, text, f"has no matcher (=, !=, =~, !~) after {label.group()!r}"
            )
        pos = _skip_space(text, pos + len(op))
        value, pos = _parse_string(field, text, pos)
        out.append(_Matcher(label.group(), op, value))
        pos = _skip_space(text, pos)
        if pos < len(text) and text[pos] == ",":
            pos += 1
        elif not (pos < len(text) and text[pos] == "}"):
            raise _selector_error(field, text, "has an unclosed '{' or a missing ','")


def _parse_string(field: str, text: str, pos: int) -> tuple[str, int]:
    if pos >= len(text) or text[pos] not in "\"'`":
        raise _selector_error(field, text, f"has an unquoted label value at column {pos + 1}")
    quote = text[pos]
    pos += 1
    chars: list[str] = []
    while pos < len(text):
        char = text[pos]
        if char == quote:
            return "".join(chars), pos + 1
        if char == "\\" and quote != "`" and pos + 1 < len(text):
            chars.append(_ESCAPES.get(text[pos + 1], "\\" + text[pos + 1]))
            pos += 2
            continue
        chars.append(char)
        pos += 1
    raise _selector_error(field, text, "has an unterminated string")


# -- example series for promtool tests -------------------------------------------------

_FILLERS = ("200", "ok", "0", "x", "mosaic", "")


def _sre_parser() -> Any:
    # The regex parser of the standard library (re._parser since 3.11, sre_parse before).
    name = "re._parser" if sys.version_info >= (3, 11) else "sre_parse"
    return importlib.import_module(name)


def _example(pattern: str) -> str | None:
    """A short string that ``pattern`` matches in full, or None if none is found."""
    try:
        parsed = _sre_parser().parse(pattern)
    except (re.error, RecursionError):
        return None
    built = _build(list(parsed))
    if built is None or not _fullmatch(pattern, built):
        return None
    return built


def _char_in(items: Sequence[tuple[Any, Any]]) -> str | None:
    negate = any(str(op) == "NEGATE" for op, _ in items)
    allowed: list[str] = []
    for op, arg in items:
        kind = str(op)
        if kind == "LITERAL":
            allowed.append(chr(arg))
        elif kind == "RANGE":
            allowed.append(chr(arg[0]))
        elif kind == "CATEGORY":
            allowed.append({"CATEGORY_DIGIT": "0", "CATEGORY_SPACE": " "}.get(str(arg), "a"))
    if not negate:
        return allowed[0] if allowed else None
    return next((c for c in "0a_xZ9" if c not in allowed), None)


def _build(tokens: Iterable[tuple[Any, Any]]) -> str | None:
    out: list[str] = []
    for op, arg in tokens:
        kind = str(op)
        piece: str | None
        if kind == "LITERAL":
            piece = chr(arg)
        elif kind == "NOT_LITERAL":
            piece = "a" if chr(arg) != "a" else "b"
        elif kind == "ANY":
            piece = "0"
        elif kind == "IN":
            piece = _char_in(arg)
        elif kind == "CATEGORY":
            piece = {"CATEGORY_DIGIT": "0", "CATEGORY_SPACE": " "}.get(str(arg), "a")
        elif kind == "BRANCH":
            piece = next((b for b in (_build(list(alt)) for alt in arg[1]) if b is not None), None)
        elif kind in ("SUBPATTERN", "ATOMIC_GROUP"):
            piece = _build(list(arg[-1]))
        elif kind in ("MAX_REPEAT", "MIN_REPEAT", "POSSESSIVE_REPEAT"):
            low, _high, sub = arg
            one = _build(list(sub)) if low else ""
            piece = None if one is None else one * low
        elif kind == "AT":
            piece = ""
        else:  # back references, look-arounds: not in RE2, not worth an example
            piece = None
        if piece is None:
            return None
        out.append(piece)
    return "".join(out)


def _satisfying(label: str, matchers: Sequence[_Matcher]) -> str | None:
    candidates = [m.value for m in matchers if m.op == "="]
    candidates += [e for m in matchers if m.op == "=~" for e in [_example(m.value)] if e]
    candidates += list(_FILLERS)
    return next((c for c in candidates if all(m.matches(c) for m in matchers)), None)


def _labels_for(matchers: Sequence[_Matcher]) -> dict[str, str] | None:
    by_label: dict[str, list[_Matcher]] = {}
    for matcher in matchers:
        by_label.setdefault(matcher.label, []).append(matcher)
    labels: dict[str, str] = {}
    for label, group in by_label.items():
        value = _satisfying(label, group)
        if value is None:
            return None
        if value:
            labels[label] = value
    return labels if labels.get("__name__") else None


def _series_text(labels: Mapping[str, str]) -> str:
    name = labels["__name__"]
    rest = ", ".join(f'{k}="{_escape(v)}"' for k, v in sorted(labels.items()) if k != "__name__")
    return f"{name}{{{rest}}}" if rest else name


def _escape(value: str) -> str:
    return value.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n")


# -- input checks -----------------------------------------------------------------------


def _check_runbook(value: object) -> str:
    if not isinstance(value, str) or not value.strip():
        raise InvalidValueError(
            value,
            "runbook_url is not a URL",
            "link the page that says what to do when the alert fires, "
            "e.g. 'https://runbooks.example.com/checkout/availability'",
        )
    url = value.strip()
    _refuse_control("runbook_url", url)
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise InvalidValueError(
            url,
            "runbook_url is not an http(s) URL",
            "use an absolute https:// link, e.g. 'https://runbooks.example.com/checkout'",
        )
    if "@" in parts.netloc or sanitize_url(url) != url:
        raise InvalidValueError(
            sanitize_url(url),
            "runbook_url carries credentials, which would be copied into every alert",
            "link a page readable without a token in the URL",
        )
    return url


def _check_labels(value: object) -> tuple[tuple[str, str], ...]:
    if value is None:
        return ()
    if isinstance(value, (tuple, list)) and all(
        isinstance(p, tuple) and len(p) == 2 for p in value
    ):
        value = dict(value)  # the stored form, as attrs.evolve passes it back
    if not isinstance(value, Mapping):
        raise InvalidValueError(value, "labels is not a mapping", "pass e.g. {'team': 'payments'}")
    pairs: list[tuple[str, str]] = []
    for name, label_value in value.items():
        if not isinstance(name, str) or _LABEL_NAME.fullmatch(name) is None:
            raise InvalidValueError(
                name,
                "is not a Prometheus label name",
                "use letters, digits and '_', not starting with a digit, e.g. 'team'",
            )
        if name.startswith("__"):
            raise InvalidValueError(
                name, "is a reserved label name (it starts with '__')", "drop the leading '__'"
            )
        if name in RESERVED_LABELS:
            raise InvalidValueError(
                name,
                "is a label the generated rules set themselves",
                "choose another name; "
                "severity comes from each alert window (page or ticket), slo from the SLO name",
            )
        if not isinstance(label_value, str) or not label_value:
            raise InvalidValueError(
                label_value,
                f"the value of label {name!r} is not a non-empty string",
                "quote it, e.g. '2' instead of 2",
            )
        _refuse_control(f"the value of label {name!r}", label_value)
        pairs.append((name, label_value))
    return tuple(sorted(pairs))


def _check_slo(value: object) -> SLO:
    if not isinstance(value, SLO):
        raise InvalidValueError(value, "is not an SLO", "build it with SLO(objective=0.999, ...)")
    if not value.name.strip():
        raise InvalidValueError(
            value.name,
            "the SLO has no name, and every rule is labelled with it",
            "give it one: SLO(objective=0.999, name='checkout-availability')",
        )
    _refuse_control("the SLO name", value.name)
    if not value.alerts:
        raise InvalidValueError(
            value.alerts,
            "the SLO has no alert windows (every workbook window is longer than its window)",
            "use a longer SLO window, e.g. window='30d', or pass alerts=(BurnRateWindow(...),)",
        )
    pairs = [(a.long, a.short) for a in value.alerts]
    if len(set(pairs)) != len(pairs):
        raise InvalidValueError(
            [str(a) for a in value.alerts],
            "two alert windows have the same long and short windows",
            "keep one alert per window pair",
        )
    return value


def _errors_selector(value: object) -> str:
    return _parse_selector("errors", value).text


def _total_selector(value: object) -> str:
    return _parse_selector("total", value).text


# -- the spec ---------------------------------------------------------------------------


def _number(value: float) -> str:
    return str(int(value)) if float(value).is_integer() else repr(float(value))


def _percent(value: float) -> str:
    return f"{value * 100:.4g}%"


def _camel(name: str) -> str:
    words = re.findall(r"[A-Za-z0-9]+", name)
    camel = "".join(w[:1].upper() + w[1:] for w in words)
    return camel if camel[:1].isalpha() else "SLO" + camel


def _whole_seconds(duration: _dt.timedelta) -> _dt.timedelta:
    return _dt.timedelta(seconds=max(1, math.floor(duration.total_seconds())))


def _record_name(window: _dt.timedelta) -> str:
    return f"slo:sli_error:ratio_rate{format_duration(window)}"


@attrs.frozen
class _Alert:
    window: BurnRateWindow
    name: str
    pending: _dt.timedelta
    labels: dict[str, str]
    annotations: dict[str, str]
    expr: str


@attrs.frozen
class SLOSpec(FieldsRepr):
    """An SLO with the counters that measure it: what a Prometheus rule file needs.

    Every field is checked when the spec is built, so rendering never fails.

    Attributes:
        slo: the objective; it needs a ``name`` (every rule is labelled ``slo=<name>``),
            and its :attr:`SLO.alerts` become the alerting rules.
        errors: PromQL selector of the counter of failed requests, e.g.
            ``http_requests_total{job="checkout",code=~"5.."}``.
        total: PromQL selector of the counter of all requests, e.g.
            ``http_requests_total{job="checkout"}``.
        runbook_url: the ``http(s)`` page on-call reads when an alert fires.
        labels: extra labels on every rule (what Alertmanager routes on), e.g.
            ``{"team": "payments"}``; sorted by name.

    Raises:
        InvalidValueError: a selector is empty or not a plain counter selector (no
            ``rate()``, no ``[5m]``), both select the same series, the runbook is not an
            http(s) URL (or carries credentials), a label name is invalid or reserved
            (``severity``, ``slo``, ``long_window``, ``short_window``), or the SLO has no
            name or no alert windows.
    """

    slo: SLO = attrs.field(converter=_check_slo)
    errors: str = attrs.field(converter=_errors_selector)
    total: str = attrs.field(converter=_total_selector)
    runbook_url: str = attrs.field(converter=_check_runbook)
    labels: tuple[tuple[str, str], ...] = attrs.field(default=(), converter=_check_labels)

    def __attrs_post_init__(self) -> None:
        errors = _parse_selector("errors", self.errors)
        total = _parse_selector("total", self.total)
        if sorted(errors.matchers, key=repr) == sorted(total.matchers, key=repr):
            raise InvalidValueError(
                self.errors,
                "errors and total select the same series, so the error ratio is always 1",
                'narrow errors to the failed requests, e.g. add code=~"5.." to its matchers',
            )

    # -- shared pieces ------------------------------------------------------------------

    @property
    def rule_labels(self) -> dict[str, str]:
        """The labels every generated series carries: ``slo`` and :attr:`labels`."""
        return {"slo": self.slo.name, **dict(self.labels)}

    @property
    def recorded_windows(self) -> tuple[_dt.timedelta, ...]:
        """The windows the error ratio is recorded over, shortest first."""
        wanted = {w for w in RECORDED_WINDOWS if w <= self.slo.window}
        wanted.update(self.slo.required_windows())
        return tuple(sorted(wanted))

    def _selector_of(self, window: _dt.timedelta) -> str:
        matchers = ",".join(f'{k}="{_escape(v)}"' for k, v in self.rule_labels.items())
        return f"{_record_name(window)}{{{matchers}}}"

    def _alerts(self) -> list[_Alert]:
        base = _camel(self.slo.name) + "ErrorBudgetBurn"
        longs = [a.long for a in self.slo.alerts]
        budget = self.slo.error_budget
        alerts = []
        for window in self.slo.alerts:
            long, short = format_duration(window.long), format_duration(window.short)
            name = base + long + (short if longs.count(window.long) > 1 else "")
            threshold = f"({_number(window.burn_rate)} * {_number(budget)})"
            exhausted = _whole_seconds(self.slo.window / window.burn_rate)
            labels = {
                "severity": window.severity.value,
                **self.rule_labels,
                "long_window": long,
                "short_window": short,
            }
            annotations = {
                "runbook_url": self.runbook_url,
                "summary": (
                    f"{self.slo.name}: the error budget burns {_number(window.burn_rate)}x "
                    "faster than sustainable"
                ),
                "description": (
                    f"The error ratio of {self.slo.name} is {{{{ $value | humanizePercentage }}}}"
                    f" over the last {long} and above "
                    f"{_percent(window.burn_rate * budget)} over the last {short} too: "
                    f"{_number(window.burn_rate)}x the {_percent(budget)} error budget of "
                    f"the {_percent(self.slo.objective)} objective over "
                    f"{format_duration(self.slo.window)}. At this rate the whole budget is "
                    f"spent in {format_duration(exhausted)}."
                ),
            }
            expr = (
                f"{self._selector_of(window.long)} > {threshold}\n"
                f"and\n{self._selector_of(window.short)} > {threshold}"
            )
            alerts.append(
                _Alert(
                    window=window,
                    name=name,
                    pending=_whole_seconds(window.short / 5),
                    labels=labels,
                    annotations=annotations,
                    expr=expr,
                )
            )
        return alerts

    def _header(self, what: str) -> str:
        return (
            f"# {what} for SLO {self.slo.name}: {_percent(self.slo.objective)} over "
            f"{format_duration(self.slo.window)}.\n"
            "# Generated by mosaic_sdk (SLOSpec); regenerate it instead of editing it.\n"
        )

    # -- renderings ---------------------------------------------------------------------

    def rule_groups(self) -> dict[str, Any]:
        """The rule file as data: ``{"groups": [{"name", "rules": [...]}]}``.

        One group named ``slo-<name>``: a recording rule per
        :attr:`recorded_windows`, ``slo:objective:ratio`` and ``slo:error_budget:ratio``,
        then one alerting rule per alert window of the SLO.
        """
        rules: list[dict[str, Any]] = []
        labels = self.rule_labels
        for window in self.recorded_windows:
            w = format_duration(window)
            rules.append(
                {
                    "record": _record_name(window),
                    "expr": (
                        f"(sum(rate({self.errors}[{w}])) or vector(0))\n/\n"
                        f"sum(rate({self.total}[{w}]))"
                    ),
                    "labels": dict(labels),
                }
            )
        rules.append(
            {
                "record": "slo:objective:ratio",
                "expr": f"vector({_number(self.slo.objective)})",
                "labels": dict(labels),
            }
        )
        rules.append(
            {
                "record": "slo:error_budget:ratio",
                "expr": f"vector({_number(self.slo.error_budget)})",
                "labels": dict(labels),
            }
        )
        for alert in self._alerts():
            rules.append(
                {
                    "alert": alert.name,
                    "expr": alert.expr,
                    "for": format_duration(alert.pending),
                    "labels": dict(alert.labels),
                    "annotations": dict(alert.annotations),
                }
            )
        return {"groups": [{"name": f"slo-{self.slo.name}", "rules": rules}]}

    def to_prometheus_rules(self) -> str:
        """The rule file as YAML text, ready for ``rule_files:`` (see :meth:`rule_groups`)."""
        return self._header("Prometheus rules") + _dump(self.rule_groups())

    def promtool_test(self, rule_file: str = "slo-rules.yml") -> dict[str, Any]:
        """The ``promtool test rules`` file as data (see :meth:`to_promtool_test`)."""
        if not isinstance(rule_file, str) or not rule_file.strip():
            raise InvalidValueError(
                rule_file, "is not a rule file name", "pass the path promtool should load"
            )
        errors = _parse_selector("errors", self.errors)
        total = _parse_selector("total", self.total)
        series = self._test_series(errors, total)
        alerts = self._alerts()
        step = _whole_seconds(min(a.window.short for a in alerts) / 5)
        tests = [self._test_case(alert, step, series) for alert in alerts]
        return {
            "rule_files": [rule_file],
            "evaluation_interval": format_duration(step),
            "tests": tests,
        }

    def to_promtool_test(self, rule_file: str = "slo-rules.yml") -> str:
        """A ``promtool test rules`` file for the rules of :meth:`to_prometheus_rules`.

        One test per alert, on synthetic series that match ``errors`` and ``total``:
        a full outage (every request fails) until the alert has fired, then only good
        requests. It checks the alert is pending before its ``for:`` has passed, firing
        (with its labels and annotations) after it, and resolved once the short window
        holds no error; and that the short-window ratio reads 1 then 0.

        Args:
            rule_file: the rule file as promtool will find it, relative to the test file.

        Raises:
            InvalidValueError: no series can be built that a selector matches (a regular
                expression with look-arounds or back references).
        """
        return self._header("promtool unit tests of the rules") + _dump(
            self.promtool_test(rule_file)
        )

    def _test_series(self, errors: _Selector, total: _Selector) -> list[tuple[str, str]]:
        """``(labels, role)`` pairs: ``bad`` counts failures (and requests when it is in
        ``total``), ``good`` successes, ``all`` every request (errors on another counter)."""
        bad = _labels_for(errors.matchers + tuple(m for m in total.matchers)) or _labels_for(
            errors.matchers
        )
        if bad is None or not errors.matches(bad):
            raise InvalidValueError(
                self.errors,
                "no test series can be built that errors matches",
                "use = matchers or simple regular expressions (no look-arounds)",
            )
        out = [(_series_text(bad), "bad")]
        if total.matches(bad):
            for matcher in errors.matchers:
                labels = _labels_for((*total.matchers, matcher.negated()))
                if labels is not None and total.matches(labels) and not errors.matches(labels):
                    out.append((_series_text(labels), "good"))
                    break
            return out
        every = _labels_for(total.matchers)
        if every is None or errors.matches(every):
            raise InvalidValueError(
                self.total,
                "no test series can be built that total matches and errors does not",
                "use = matchers or simple regular expressions (no look-arounds)",
            )
        out.append((_series_text(every), "all"))
        return out

    def _test_case(
        self, alert: _Alert, step: _dt.timedelta, series: list[tuple[str, str]]
    ) -> dict[str, Any]:
        def steps(duration: _dt.timedelta) -> int:
            return math.ceil(duration / step)

        outage = steps(step + alert.pending) + 2
        recovery = steps(alert.window.short + 2 * step) + 1
        values = {
            "bad": f"0+1x{outage} {outage}+0x{recovery}",
            "good": f"0+0x{outage} 1+1x{recovery}",
            "all": f"0+1x{outage + recovery + 1}",
        }
        pending_at = step * max(1, math.floor(alert.pending / step))
        fired_at = step * outage
        resolved_at = fired_at + alert.window.short + 2 * step

        def at(when: _dt.timedelta, firing: bool) -> dict[str, Any]:
            expected = (
                [{"exp_labels": dict(alert.labels), "exp_annotations": self._expanded(alert)}]
                if firing
                else []
            )
            return {
                "eval_time": format_duration(when),
                "alertname": alert.name,
                "exp_alerts": expected,
            }

        short = self._selector_of(alert.window.short)
        sample = _record_name(alert.window.short) + short[short.index("{") :]
        ratio_tests = [
            {
                "expr": short,
                "eval_time": format_duration(fired_at),
                "exp_samples": [{"labels": sample, "value": 1}],
            },
        ]
        if len(series) > 1:
            ratio_tests.append(
                {
                    "expr": short,
                    "eval_time": format_duration(resolved_at),
                    "exp_samples": [{"labels": sample, "value": 0}],
                }
            )
        return {
            "name": (
                f"{alert.name} waits {format_duration(alert.pending)}, fires on a full "
                f"outage and resolves {format_duration(alert.window.short)} after it"
            ),
            "interval": format_duration(step),
            "input_series": [{"series": text, "values": values[role]} for text, role in series],
            "alert_rule_test": [at(pending_at, False), at(fired_at, True), at(resolved_at, False)],
            "promql_expr_test": ratio_tests,
        }

    @classmethod
    def parse(cls, text: str, *, source: str = "slo.yaml") -> SLOSpec:
        """Read an SLO file: YAML, or TOML when ``source`` ends in ``.toml``.

        The fields are :data:`SLO_FILE_FIELDS`: ``name``, ``objective`` (``0.999`` or
        ``"99.9%"``), ``window`` (default ``30d``), ``errors``, ``total``,
        ``runbook_url``, optional ``labels`` and ``alerts``.

        Raises:
            InvalidValueError: the text does not parse, a field is missing, unknown or
                wrong; the message names the file and the field, and says what to write.
        """
        if not isinstance(text, str):
            raise InvalidValueError(text, "is not the text of an SLO file", "decode it first")
        return _parse_spec(text, source)

    @classmethod
    def from_file(cls, path: str | os.PathLike[str]) -> SLOSpec:
        """:meth:`parse` the SLO file at ``path`` (at most 1 MiB, a regular file).

        Raises:
            InvalidValueError: the file is missing, unreadable or wrong (see :meth:`parse`).
        """
        from mosaic_sdk._files import read_text_capped

        name = os.fspath(path)
        try:
            text = read_text_capped(name, max_bytes=1 << 20, what="SLO file")
        except FileNotFoundError:
            raise InvalidValueError(
                name, "does not exist", "pass the path of a YAML or TOML SLO file"
            ) from None
        return cls.parse(text, source=name)

    def _expanded(self, alert: _Alert) -> dict[str, str]:
        # During the test's outage every request fails: $value (the long-window ratio) is 1.
        return {
            key: value.replace("{{ $value | humanizePercentage }}", "100%")
            for key, value in alert.annotations.items()
        }


def _dump(data: Mapping[str, Any]) -> str:
    from ruamel.yaml import YAML
    from ruamel.yaml.scalarstring import LiteralScalarString

    def literal(node: Any) -> Any:
        if isinstance(node, str) and "\n" in node:
            return LiteralScalarString(node)
        if isinstance(node, Mapping):
            return {key: literal(value) for key, value in node.items()}
        if isinstance(node, list):
            return [literal(item) for item in node]
        return node

    yaml = YAML(typ="rt")
    yaml.width = 4096
    yaml.indent(mapping=2, sequence=4, offset=2)
    buffer = io.StringIO()
    yaml.dump(literal(data), buffer)
    return buffer.getvalue()


# -- SLO files --------------------------------------------------------------------------

#: The fields of an SLO file (YAML or TOML), as :meth:`SLOSpec.parse` reads them.
SLO_FILE_FIELDS: Mapping[str, str] = {
    "name": "the SLO's name, e.g. checkout-availability (required)",
    "objective": "the target success ratio, 0.999 or '99.9%' (required)",
    "window": "the rolling window, a Prometheus duration (default 30d)",
    "errors": 'selector of the failed-request counter, e.g. http_requests_total{code=~"5.."}',
    "total": "selector of the all-request counter, e.g. http_requests_total (required)",
    "runbook_url": "the http(s) page on-call follows (required)",
    "labels": "extra labels on every rule, a mapping of strings (optional)",
    "alerts": "alert windows [{long, short, burn_rate, severity}] (default: the workbook's)",
}
_REQUIRED = ("name", "objective", "errors", "total", "runbook_url")
_ALERT_FIELDS = ("long", "short", "burn_rate", "severity")


def _file_error(source: str, field: str, reason: str, fix: str) -> InvalidValueError:
    return InvalidValueError(source, f"field {field!r} {reason}", fix)


def _objective_of(source: str, value: object) -> float:
    if isinstance(value, str) and value.strip().endswith("%"):
        try:
            value = float(value.strip()[:-1]) / 100
        except ValueError:
            value = None
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not 0 < value < 1:
        raise _file_error(
            source,
            "objective",
            f"is {value!r}, not a success ratio strictly between 0 and 1",
            "write 0.999 or '99.9%' for 99.9 %",
        )
    return round(float(value), 12)


def _alerts_of(source: str, value: object) -> tuple[BurnRateWindow, ...]:
    if not isinstance(value, list) or not value:
        raise _file_error(
            source,
            "alerts",
            "is not a list of alert windows",
            "write e.g. alerts: [{long: 1h, short: 5m, burn_rate: 14.4, severity: page}], "
            "or leave it out for the workbook's windows",
        )
    windows = []
    for index, item in enumerate(value):
        field = f"alerts[{index}]"
        if not isinstance(item, Mapping) or set(item) - set(_ALERT_FIELDS):
            raise _file_error(
                source,
                field,
                "is not a mapping of " + ", ".join(_ALERT_FIELDS),
                "write {long: 1h, short: 5m, burn_rate: 14.4, severity: page}",
            )
        try:
            windows.append(
                BurnRateWindow(
                    long=item.get("long"),  # type: ignore[arg-type]
                    short=item.get("short"),  # type: ignore[arg-type]
                    burn_rate=item.get("burn_rate"),  # type: ignore[arg-type]
                    severity=item.get("severity", "page"),
                )
            )
        except (InvalidValueError, ValueError) as exc:
            reason = exc.reason if isinstance(exc, InvalidValueError) else str(exc)
            raise _file_error(
                source,
                field,
                f"is not a valid alert window ({reason})",
                "long and short are durations ('1h', '5m', short below long), burn_rate a "
                "positive number, severity 'page' or 'ticket'",
            ) from None
    return tuple(windows)


def _load_text(text: str, source: str) -> object:
    if source.endswith(".toml"):
        # tomllib from Python 3.11; its backport tomli (a dependency on 3.10) before.
        tomllib = importlib.import_module("tomllib" if sys.version_info >= (3, 11) else "tomli")
        try:
            return tomllib.loads(text)
        except tomllib.TOMLDecodeError as exc:
            raise InvalidValueError(
                source, f"is not valid TOML ({exc})", "fix the TOML syntax at that line"
            ) from None
    from ruamel.yaml import YAML
    from ruamel.yaml.error import YAMLError

    yaml = YAML(typ="safe", pure=True)
    yaml.allow_duplicate_keys = False
    try:
        return yaml.load(text)
    except YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" at line {mark.line + 1}" if mark is not None else ""
        problem = getattr(exc, "problem", None) or "invalid YAML"
        raise InvalidValueError(
            source, f"is not valid YAML{where}: {problem}", "fix the YAML syntax there"
        ) from None


def _spec_from_mapping(data: object, source: str) -> SLOSpec:
    fields = ", ".join(SLO_FILE_FIELDS)
    if not isinstance(data, Mapping):
        raise InvalidValueError(
            source, "does not hold a mapping of SLO fields", f"write the fields {fields}"
        )
    unknown = sorted(str(key) for key in data if key not in SLO_FILE_FIELDS)
    if unknown:
        raise _file_error(source, unknown[0], "is not an SLO file field", f"use {fields}")
    for field in _REQUIRED:
        if data.get(field) in (None, ""):
            raise _file_error(source, field, "is missing", f"add {field}: {SLO_FILE_FIELDS[field]}")
    name = data["name"]
    if not isinstance(name, str) or not name.strip():
        raise _file_error(
            source, "name", "is not a string", "write e.g. name: checkout-availability"
        )
    window = data.get("window", "30d")
    kwargs: dict[str, Any] = {}
    if "alerts" in data:
        kwargs["alerts"] = _alerts_of(source, data["alerts"])
    objective = _objective_of(source, data["objective"])
    try:
        slo = SLO(
            objective=objective,
            window=window,
            name=name.strip(),
            **kwargs,
        )
    except InvalidValueError as exc:
        raise _file_error(
            source, "window", f"is {window!r}: {exc.reason}", "write a duration such as 30d or 28d"
        ) from None
    built: dict[str, Any] = {"slo": slo}
    for field in ("errors", "total", "runbook_url", "labels"):
        built[field] = data.get(field)
    try:
        return SLOSpec(**built)
    except InvalidValueError as exc:
        field = next(
            (f for f in ("errors", "total", "runbook_url", "labels") if exc.reason.startswith(f)),
            "labels" if "label" in exc.reason else "slo",
        )
        if field == "slo":
            field = "alerts" if "alert" in exc.reason else "name"
        raise _file_error(source, field, f"is wrong: {exc.reason}", exc.fix) from None


def _parse_spec(text: str, source: str) -> SLOSpec:
    return _spec_from_mapping(_load_text(text, source), source)
