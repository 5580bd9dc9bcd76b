"""Findings, rules and the report that renders them as text, JSON and SARIF."""

from __future__ import annotations

import html
import json
from collections.abc import Iterable, Mapping
from pathlib import PurePosixPath, PureWindowsPath
from typing import Any
from urllib.parse import quote

import attrs

from mosaic_sdk._core._repr import safe_repr
from mosaic_sdk._render import JSONResult, md_code, md_escape
from mosaic_sdk._version import __version__
from mosaic_sdk.standards._finding import Finding, Rule, Severity
from mosaic_sdk.standards._rules import RULES

__all__ = ["Finding", "LintReport", "Rule", "Severity"]

#: Where the rule table lives in the published documentation (SARIF ``helpUri``).
DOCS_PAGE = "docs/standards.md"


def _sorted_findings(findings: Iterable[Finding]) -> tuple[Finding, ...]:
    return tuple(sorted(findings, key=lambda f: f.sort_key))


def _sorted_files(files: Iterable[str]) -> tuple[str, ...]:
    return tuple(sorted(set(files)))


@attrs.frozen(repr=False)
class LintReport(JSONResult):
    """The result of a lint run: every finding, and which files were checked.

    Findings are kept sorted by file, line and rule id. Render with
    :meth:`to_text`, :meth:`to_json` or :meth:`to_sarif`; in a notebook the report
    shows as a Markdown table.

    Attributes:
        findings: every finding, sorted.
        files_checked: every file that was checked, sorted, including clean ones.
    """

    findings: tuple[Finding, ...] = attrs.field(converter=_sorted_findings, default=())
    files_checked: tuple[str, ...] = attrs.field(converter=_sorted_files, default=())

    @property
    def error_count(self) -> int:
        """Number of ``error`` findings."""
        return self._count(Severity.ERROR)

    @property
    def warning_count(self) -> int:
        """Number of ``warning`` findings."""
        return self._count(Severity.WARNING)

    @property
    def info_count(self) -> int:
        """Number of ``info`` findings."""
        return self._count(Severity.INFO)

    @property
    def ok(self) -> bool:
        """True when there is no ``error`` finding (warnings and info do not fail)."""
        return self.error_count == 0

    @property
    def rule_ids(self) -> tuple[str, ...]:
        """Distinct rule ids that fired, sorted."""
        return tuple(sorted({f.rule_id for f in self.findings}))

    def _count(self, severity: Severity) -> int:
        return sum(1 for f in self.findings if f.severity is severity)

    def at_least(self, severity: Severity) -> LintReport:
        """A report with only the findings at ``severity`` or more serious."""
        return attrs.evolve(
            self, findings=tuple(f for f in self.findings if f.severity.rank >= severity.rank)
        )

    def without_rules(self, rule_ids: Iterable[str]) -> LintReport:
        """A report without the findings of the given rule ids (for suppressions)."""
        skip = frozenset(rule_ids)
        return attrs.evolve(self, findings=tuple(f for f in self.findings if f.rule_id not in skip))

    def __add__(self, other: LintReport) -> LintReport:
        if not isinstance(other, LintReport):
            return NotImplemented
        return LintReport(
            findings=self.findings + other.findings,
            files_checked=self.files_checked + other.files_checked,
        )

    def __len__(self) -> int:
        return len(self.findings)

    @safe_repr
    def __repr__(self) -> str:
        return (
            f"LintReport(files={len(self.files_checked)}, errors={self.error_count}, "
            f"warnings={self.warning_count}, info={self.info_count})"
        )

    def summary(self) -> str:
        """One line: how many files were checked and what was found."""
        files = len(self.files_checked)
        return (
            f"{files} file{'s' if files != 1 else ''} checked: "
            f"{_plural(self.error_count, 'error')}, {_plural(self.warning_count, 'warning')}, "
            f"{self.info_count} info"
        )

    def to_text(self) -> str:
        """Compiler-style text: one ``file:line: severity RULE message`` block per
        finding, each followed by its fix, then a summary line."""
        lines = [str(f) for f in self.findings]
        lines.append(self.summary())
        return "\n".join(lines) + "\n"

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready dict: ``{"ok", "summary": {...}, "files_checked": [...],
        "findings": [{rule_id, severity, file, line, message, fix}, ...]}``."""
        return {
            "ok": self.ok,
            "summary": {
                "files": len(self.files_checked),
                "errors": self.error_count,
                "warnings": self.warning_count,
                "info": self.info_count,
            },
            "files_checked": list(self.files_checked),
            "findings": [f.to_dict() for f in self.findings],
        }

    def to_json(self, *, indent: int | None = 2) -> str:
        """:meth:`to_dict` as JSON text (ends with a line break)."""
        return json.dumps(self.to_dict(), indent=indent, ensure_ascii=False) + "\n"

    def to_sarif(self, *, rules: Mapping[str, Rule] | None = None, indent: int | None = 2) -> str:
        """SARIF 2.1.0 JSON text for GitHub code scanning and other SARIF viewers.

        Every rule of the catalogue goes into ``runs[0].tool.driver.rules`` (so a
        viewer can close an alert whose rule no longer fires); each finding becomes
        a result with ``ruleId``, ``ruleIndex``, ``level`` (``info`` maps to
        ``note``), ``message.text`` (the message and its fix) and a physical
        location whose URI is relative to ``%SRCROOT%`` when the path is relative.

        Args:
            rules: the rule catalogue to describe; defaults to every mosaic rule.
            indent: JSON indentation; ``None`` for one line.
        """
        if rules is None:
            rules = RULES
        catalogue = dict(rules)
        for finding in self.findings:
            if finding.rule_id not in catalogue:
                catalogue[finding.rule_id] = Rule(
                    finding.rule_id, finding.rule_id.lower(), finding.severity, finding.message, ""
                )
        ordered = sorted(catalogue.values(), key=lambda r: r.id)
        index = {rule.id: i for i, rule in enumerate(ordered)}
        run: dict[str, Any] = {
            "tool": {
                "driver": {
                    "name": "mosaic-lint",
                    "fullName": "mosaic_sdk standards checks",
                    "version": __version__,
                    "semanticVersion": __version__,
                    "rules": [_sarif_rule(rule) for rule in ordered],
                }
            },
            "columnKind": "unicodeCodePoints",
            "results": [_sarif_result(f, index[f.rule_id]) for f in self.findings],
        }
        if any(not _is_absolute(f.file) for f in self.findings):
            run["originalUriBaseIds"] = {
                "%SRCROOT%": {"description": {"text": "The directory the lint ran from."}}
            }
        document = {
            "$schema": "https://json.schemastore.org/sarif-2.1.0.json",
            "version": "2.1.0",
            "runs": [run],
        }
        return json.dumps(document, indent=indent, ensure_ascii=False) + "\n"

    def _repr_markdown_(self) -> str:
        head = f"**Lint report**: {self.summary()}"
        if not self.findings:
            return head + "\n"
        rows = [
            "| severity | rule | location | message | fix |",
            "| --- | --- | --- | --- | --- |",
        ]
        rows.extend(
            f"| {f.severity.value} | {f.rule_id} | {md_code(f'{f.file}:{f.line}')} "
            f"| {_md(f.message)} | {_md(f.fix)} |"
            for f in self.findings
        )
        return head + "\n\n" + "\n".join(rows) + "\n"

    def _repr_html_(self) -> str:
        head = f"<p><strong>Lint report</strong>: {html.escape(self.summary())}</p>"
        if not self.findings:
            return head
        cells = "".join(
            "<tr>"
            f"<td>{f.severity.value}</td><td>{f.rule_id}</td>"
            f"<td><code>{html.escape(f.file)}:{f.line}</code></td>"
            f"<td>{html.escape(f.message)}</td><td>{html.escape(f.fix)}</td>"
            "</tr>"
            for f in self.findings
        )
        return (
            f"{head}<table><thead><tr><th>severity</th><th>rule</th><th>location</th>"
            f"<th>message</th><th>fix</th></tr></thead><tbody>{cells}</tbody></table>"
        )


def _plural(count: int, word: str) -> str:
    return f"{count} {word}{'' if count == 1 else 's'}"


def _md(text: str) -> str:
    return md_escape(text)


def _is_absolute(path: str) -> bool:
    return PurePosixPath(path).is_absolute() or PureWindowsPath(path).is_absolute()


def _artifact_location(path: str) -> dict[str, str]:
    if PureWindowsPath(path).drive:
        return {"uri": PureWindowsPath(path).as_uri()}
    posix = path.replace("\\", "/")
    if posix.startswith("/"):
        return {"uri": PurePosixPath(posix).as_uri()}
    return {"uri": quote(posix.removeprefix("./"), safe="/"), "uriBaseId": "%SRCROOT%"}


def _sarif_rule(rule: Rule) -> dict[str, Any]:
    return {
        "id": rule.id,
        "name": "".join(part.capitalize() for part in rule.name.split("-")),
        "shortDescription": {"text": rule.summary},
        "fullDescription": {
            "text": f"{rule.summary} Fix: {rule.fix}" if rule.fix else rule.summary
        },
        "help": {"text": rule.fix or rule.summary},
        "defaultConfiguration": {"level": rule.severity.sarif_level},
        "properties": {"tags": ["mosaic", rule.id[: len(rule.id) - 3].lower()]},
    }


def _sarif_result(finding: Finding, rule_index: int) -> dict[str, Any]:
    text = finding.message if not finding.fix else f"{finding.message} Fix: {finding.fix}"
    return {
        "ruleId": finding.rule_id,
        "ruleIndex": rule_index,
        "level": finding.severity.sarif_level,
        "message": {"text": text},
        "locations": [
            {
                "physicalLocation": {
                    "artifactLocation": _artifact_location(finding.file),
                    "region": {"startLine": finding.line},
                }
            }
        ],
    }
