"""Prometheus rule file checks (rules AL000-AL004).

The platform rule: "define SLOs, alert on symptoms not causes, include runbook links in
alerts, avoid alert fatigue". Every alerting rule therefore needs a ``runbook_url``
annotation, a ``severity`` label to route on and a ``for:`` so one bad evaluation does
not page; an alert whose expression reads only cause metrics (CPU, memory, disk) and no
symptom (errors, latency, availability) is a warning.

AL000 checks the structure Prometheus loads (``rulefmt``): ``groups`` of uniquely named
rule lists, each rule exactly one of ``record``/``alert`` with an ``expr``, no unknown
fields, valid names and durations. PromQL and template syntax are left to
``promtool check rules``.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterator, Mapping
from typing import Any

from mosaic_sdk.standards._model import Finding, LintReport
from mosaic_sdk.standards._rules import RULES
from mosaic_sdk.standards._yaml import as_mapping, item_line, key_line, load_documents

__all__ = ["CAUSE_METRIC_PREFIXES", "SYMPTOM_METRIC_WORDS", "check_rule_groups", "lint_alert_rules"]

#: Metric name prefixes that measure a cause (resource usage), not what users feel.
CAUSE_METRIC_PREFIXES: tuple[str, ...] = (
    "node_cpu",
    "node_load",
    "node_memory",
    "node_filesystem",
    "node_disk",
    "node_pressure",
    "container_cpu",
    "container_memory",
    "container_fs",
    "container_spec_cpu",
    "container_spec_memory",
    "machine_cpu",
    "machine_memory",
    "process_cpu",
    "process_resident_memory",
    "process_virtual_memory",
    "kube_pod_container_resource",
    "windows_cpu",
    "windows_memory",
    "windows_logical_disk",
)
#: Words in a metric name that make it a symptom: requests, errors, latency, SLOs.
SYMPTOM_METRIC_WORDS: tuple[str, ...] = (
    "request",
    "response",
    "error",
    "fail",
    "latency",
    "duration",
    "slo",
    "sli",
    "availability",
    "apdex",
    "probe_success",
    "http_",
    "grpc_",
)

_GROUP_KEYS = frozenset({"name", "interval", "limit", "rules", "query_offset", "labels"})
_RULE_KEYS = frozenset(
    {"record", "alert", "expr", "for", "keep_firing_for", "labels", "annotations"}
)
_ALERT_ONLY = ("for", "keep_firing_for", "annotations")
_METRIC_NAME = re.compile(r"[a-zA-Z_:][a-zA-Z0-9_:]*")
_LABEL_NAME = re.compile(r"[a-zA-Z_][a-zA-Z0-9_]*")
_DURATION = re.compile(r"(?:\d+(?:ms|[smhdwy]))+|0")
_ZERO = re.compile(r"(?:0+(?:ms|[smhdwy]))+|0")

# PromQL pieces that are not metric names: strings, label matchers, ranges, the label
# lists of by/without/on/ignoring/group_*, function names and keywords.
_STRINGS = re.compile(r'"(?:[^"\\]|\\.)*"|\'(?:[^\'\\]|\\.)*\'|`[^`]*`')
_BRACES = re.compile(r"\{[^{}]*\}|\[[^\[\]]*\]")
_LABEL_LISTS = re.compile(
    r"\b(?:by|without|on|ignoring|group_left|group_right)\s*\([^()]*\)", re.IGNORECASE
)
_IDENTIFIER = re.compile(r"(?<![\w:.])[a-zA-Z_:][a-zA-Z0-9_:]*(?![\w:])(?!\s*\()")
_KEYWORDS = frozenset(
    {"and", "or", "unless", "bool", "offset", "inf", "nan", "by", "without", "on", "ignoring"}
    | {"group_left", "group_right", "atan2", "start", "end"}
)


def lint_alert_rules(text: str, path: str | os.PathLike[str] = "rules.yml") -> LintReport:
    """Check a Prometheus rule file against rules AL000-AL004.

    Args:
        text: the rule file content (``groups:`` at the top level).
        path: the file name reported in findings.

    Returns:
        A :class:`LintReport` with the findings for ``path``.
    """
    file = os.fspath(path)
    documents, error = load_documents(text)
    findings: list[Finding] = []
    if error is not None:
        findings.append(RULES["AL000"].finding(file, error.line, error.message))
    for document in documents[:1]:
        root = as_mapping(document.data)
        if root is None or "groups" not in root:
            findings.append(
                RULES["AL000"].finding(
                    file,
                    document.line,
                    "the file has no top-level 'groups' list, so Prometheus loads no rule",
                    "start the file with 'groups:' and a list of {name, rules} groups",
                )
            )
            continue
        for key in root:
            if key != "groups":
                findings.append(
                    RULES["AL000"].finding(
                        file,
                        key_line(root, key),
                        f"unknown top-level field {key!r} (Prometheus refuses the file)",
                        "keep only 'groups' at the top level",
                    )
                )
        findings.extend(check_rule_groups(root["groups"], file, key_line(root, "groups")))
    if len(documents) > 1:
        findings.append(
            RULES["AL000"].finding(
                file,
                documents[1].line,
                "the file holds several YAML documents; Prometheus reads only the first",
                "put every group under the one 'groups:' list",
            )
        )
    return LintReport(findings=findings, files_checked=(file,))


def check_rule_groups(groups: object, file: str, line: int = 1) -> Iterator[Finding]:
    """The findings for a ``groups`` list (a rule file's, or a ``PrometheusRule``'s
    ``spec.groups``) whose key is at ``line``."""
    if not isinstance(groups, list):
        yield RULES["AL000"].finding(
            file, line, "'groups' is not a list", "write 'groups:' then '- name: ...' items"
        )
        return
    seen: set[str] = set()
    for index, group in enumerate(groups):
        group_line = item_line(groups, index, line)
        spec = as_mapping(group)
        if spec is None:
            yield RULES["AL000"].finding(
                file, group_line, f"group {index + 1} is not a mapping", "give it name and rules"
            )
            continue
        name = spec.get("name")
        if not isinstance(name, str) or not name:
            yield RULES["AL000"].finding(
                file,
                group_line,
                f"group {index + 1} has no name",
                "give every group a unique 'name'",
            )
            name = f"#{index + 1}"
        elif name in seen:
            yield RULES["AL000"].finding(
                file,
                key_line(spec, "name", group_line),
                f"group name {name!r} is repeated in the file",
                "give every group a unique 'name'",
            )
        seen.add(name)
        for key in spec:
            if key not in _GROUP_KEYS:
                yield RULES["AL000"].finding(
                    file,
                    key_line(spec, key, group_line),
                    f"group {name!r} has the unknown field {key!r}",
                    "use only name, interval, limit and rules",
                )
        if "interval" in spec:
            yield from _duration(spec, "interval", f"group {name!r}", file, group_line)
        rules = spec.get("rules", [])
        if not isinstance(rules, list):
            yield RULES["AL000"].finding(
                file,
                key_line(spec, "rules", group_line),
                f"the rules of group {name!r} are not a list",
                "write 'rules:' then '- alert: ...' or '- record: ...' items",
            )
            continue
        for rule_index, rule in enumerate(rules):
            yield from _check_rule(rule, rule_index, rules, name, file)


def _check_rule(
    rule: object, index: int, rules: list[Any], group: str, file: str
) -> Iterator[Finding]:
    line = item_line(rules, index)
    spec = as_mapping(rule)
    where = f"group {group!r}, rule {index + 1}"
    if spec is None:
        yield RULES["AL000"].finding(
            file, line, f"{where} is not a mapping", "write '- alert: NAME' and 'expr: ...'"
        )
        return
    record, alert = spec.get("record"), spec.get("alert")
    if (record is None) == (alert is None):
        yield RULES["AL000"].finding(
            file,
            line,
            f"{where} sets {'both' if record is not None else 'neither of'} 'record' and 'alert'",
            "give each rule exactly one of 'record: NAME' or 'alert: NAME'",
        )
        return
    name = str(alert if alert is not None else record)
    where = f"alert {name!r}" if alert is not None else f"recording rule {name!r}"
    syntax = list(_check_fields(spec, where, record is not None, file, line))
    yield from syntax
    if alert is None or syntax:
        return
    yield from _check_alert(spec, where, file, key_line(spec, "alert", line))


def _check_fields(
    spec: Mapping[Any, Any], where: str, recording: bool, file: str, line: int
) -> Iterator[Finding]:
    for key in spec:
        if key not in _RULE_KEYS:
            yield RULES["AL000"].finding(
                file,
                key_line(spec, key, line),
                f"{where} has the unknown field {key!r}",
                "use only alert/record, expr, for, keep_firing_for, labels and annotations",
            )
        elif recording and key in _ALERT_ONLY:
            yield RULES["AL000"].finding(
                file,
                key_line(spec, key, line),
                f"{where} sets {key!r}, which only alerting rules have",
                f"remove {key!r}, or make the rule an alert",
            )
    if recording:
        record = spec.get("record")
        if not isinstance(record, str) or _METRIC_NAME.fullmatch(record) is None:
            yield RULES["AL000"].finding(
                file,
                key_line(spec, "record", line),
                f"{where} is not a valid metric name",
                "use letters, digits, '_' and ':', e.g. 'job:http_errors:rate5m'",
            )
    elif not isinstance(spec.get("alert"), str) or not spec.get("alert"):
        yield RULES["AL000"].finding(
            file, key_line(spec, "alert", line), f"{where} has an empty name", "name the alert"
        )
    expr = spec.get("expr")
    if isinstance(expr, bool) or not isinstance(expr, (str, int, float)) or not str(expr).strip():
        yield RULES["AL000"].finding(
            file,
            key_line(spec, "expr", line),
            f"{where} has no 'expr'",
            "give the PromQL expression the rule evaluates in 'expr'",
        )
    for field in ("for", "keep_firing_for"):
        if field in spec:
            yield from _duration(spec, field, where, file, line)
    for field in ("labels", "annotations"):
        if field not in spec or spec[field] is None:
            continue
        values = as_mapping(spec[field])
        if values is None:
            yield RULES["AL000"].finding(
                file,
                key_line(spec, field, line),
                f"the {field} of {where} are not a mapping",
                f"write '{field}:' then 'name: value' lines",
            )
            continue
        for key in values:
            if not isinstance(key, str) or _LABEL_NAME.fullmatch(key) is None:
                yield RULES["AL000"].finding(
                    file,
                    key_line(values, key, line),
                    f"{where} has the invalid {field[:-1]} name {key!r}",
                    "use letters, digits and '_', not starting with a digit",
                )


def _duration(
    spec: Mapping[Any, Any], field: str, where: str, file: str, line: int
) -> Iterator[Finding]:
    value = spec.get(field)
    if not isinstance(value, str) or _DURATION.fullmatch(value) is None:
        yield RULES["AL000"].finding(
            file,
            key_line(spec, field, line),
            f"the {field} of {where} ({value!r}) is not a Prometheus duration",
            "write a number and a unit, largest first, e.g. '5m' or '1h30m'",
        )


def _check_alert(spec: Mapping[Any, Any], where: str, file: str, line: int) -> Iterator[Finding]:
    annotations = as_mapping(spec.get("annotations")) or {}
    runbook = annotations.get("runbook_url")
    if not isinstance(runbook, str) or not runbook.strip():
        yield RULES["AL001"].finding(
            file,
            key_line(spec, "annotations", line) if annotations else line,
            f"{where} has no runbook_url annotation, so on-call gets no instructions",
            "add annotations.runbook_url with the page that says what to do when it fires",
        )
    labels = as_mapping(spec.get("labels")) or {}
    severity = labels.get("severity")
    if not isinstance(severity, str) or not severity.strip():
        yield RULES["AL002"].finding(
            file,
            key_line(spec, "labels", line) if labels else line,
            f"{where} has no severity label, so Alertmanager cannot route it",
            "add labels.severity, e.g. 'page' for a human now or 'ticket' for working hours",
        )
    pending = spec.get("for")
    if pending is None:
        yield RULES["AL003"].finding(
            file, line, f"{where} has no 'for:', so a single bad evaluation fires it"
        )
    elif isinstance(pending, str) and _ZERO.fullmatch(pending):
        yield RULES["AL003"].finding(
            file,
            key_line(spec, "for", line),
            f"{where} has 'for: {pending}', so a single bad evaluation fires it",
            "wait a few evaluations, e.g. 'for: 5m' (for a burn-rate alert, a fraction of its "
            "short window)",
        )
    metrics = metric_names(str(spec.get("expr", "")))
    causes = sorted(m for m in metrics if m.startswith(CAUSE_METRIC_PREFIXES))
    symptoms = [m for m in metrics if any(word in m.lower() for word in SYMPTOM_METRIC_WORDS)]
    if causes and not symptoms:
        yield RULES["AL004"].finding(
            file,
            key_line(spec, "expr", line),
            f"{where} fires on causes only ({', '.join(causes)}), not on anything users feel",
            "alert on the symptom instead (an error-ratio or latency SLO burn rate: "
            "mosaic slo rules), and keep resource usage for dashboards and tickets",
        )


def metric_names(expr: str) -> set[str]:
    """The metric names a PromQL expression reads (a lexical approximation)."""
    text = _STRINGS.sub('""', expr)
    previous = None
    while previous != text:  # nested {} / [] (subqueries)
        previous = text
        text = _BRACES.sub(" ", text)
    text = _LABEL_LISTS.sub(" ", text)
    return {m for m in _IDENTIFIER.findall(text) if m.lower() not in _KEYWORDS}
