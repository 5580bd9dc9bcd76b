"""Severities, rules and findings: the leaf of the standards package.

:mod:`._rules` builds the catalogue from these and :mod:`._model`'s report renders
them; neither imports the other for them (that was the ``_model`` <-> ``_rules`` cycle).
"""

from __future__ import annotations

import enum
import re

import attrs

from mosaic_sdk._render import FieldsRepr, TextRepr

__all__ = ["Finding", "Rule", "Severity"]

_RULE_ID = re.compile(r"^[A-Z][A-Z0-9]*[0-9]{3}$")


class Severity(TextRepr, enum.Enum):
    """How serious a finding is.

    ``ERROR`` breaks a platform rule and fails ``mosaic lint``; ``WARNING`` is a
    risk worth fixing; ``INFO`` is a suggestion.
    """

    ERROR = "error"
    WARNING = "warning"
    INFO = "info"

    @property
    def rank(self) -> int:
        """2 for errors, 1 for warnings, 0 for info: higher is more serious."""
        return _RANK[self]

    @property
    def sarif_level(self) -> str:
        """The SARIF 2.1.0 ``level`` for this severity (``info`` becomes ``note``)."""
        return "note" if self is Severity.INFO else self.value

    @classmethod
    def parse(cls, text: str) -> Severity:
        """Parse ``"error"``, ``"warning"`` or ``"info"`` (any case).

        Raises:
            InvalidValueError: ``text`` is not one of the three names.
        """
        try:
            return cls(text.strip().lower())
        except (ValueError, AttributeError):  # AttributeError: not a str
            from mosaic_sdk.errors import InvalidValueError

            raise InvalidValueError(
                text, "is not a severity", "use one of: error, warning, info"
            ) from None


_RANK = {Severity.ERROR: 2, Severity.WARNING: 1, Severity.INFO: 0}


def _check_rule_id(_instance: object, _attribute: object, value: str) -> None:
    if not _RULE_ID.match(value):
        from mosaic_sdk.errors import InvalidValueError

        raise InvalidValueError(
            value, "is not a rule id", "use capital letters then three digits, like 'DF001'"
        )


def _redact(text: str) -> str:
    # Messages quote the offending text (a CMD line, an image); a token written there
    # must not travel on into logs, JSON or SARIF uploads.
    from mosaic_sdk._core._redact import redact_text

    return redact_text(text)


def _check_line(_instance: object, _attribute: object, value: int) -> None:
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        from mosaic_sdk.errors import InvalidValueError

        raise InvalidValueError(value, "is not a line number", "use a 1-based line number")


@attrs.frozen
class Rule(FieldsRepr):
    """One check, with a stable id that never changes meaning.

    Attributes:
        id: stable identifier, e.g. ``"DF001"``.
        name: short kebab-case name, e.g. ``"base-image-unpinned"``.
        severity: the severity of its findings.
        summary: one sentence saying what the rule wants.
        fix: the general remedy (each finding carries a specific one).
    """

    id: str = attrs.field(validator=_check_rule_id)
    name: str
    severity: Severity
    summary: str
    fix: str

    def finding(
        self,
        file: str,
        line: int,
        message: str,
        fix: str | None = None,
        *,
        severity: Severity | None = None,
    ) -> Finding:
        """Build a :class:`Finding` of this rule; ``fix`` defaults to the rule's remedy
        and ``severity`` to the rule's (a lower one marks a case the rule only notes)."""
        return Finding(
            rule_id=self.id,
            severity=self.severity if severity is None else severity,
            file=file,
            line=max(1, line),
            message=message,
            fix=self.fix if fix is None else fix,
        )


@attrs.frozen
class Finding(FieldsRepr):
    """One problem found in one file.

    Attributes:
        rule_id: id of the rule that fired (see ``docs/standards.md``).
        severity: how serious it is.
        file: path of the checked file, as given or relative to the lint root.
        line: 1-based line of the offending construct.
        message: what is wrong, naming the offending value; passed through the
            secret redactor, so a token quoted from the file is masked.
        fix: what to do instead (redacted the same way).
    """

    rule_id: str = attrs.field(validator=_check_rule_id)
    severity: Severity = attrs.field(validator=attrs.validators.instance_of(Severity))
    file: str
    line: int = attrs.field(validator=_check_line)
    message: str = attrs.field(converter=_redact)
    fix: str = attrs.field(default="", converter=_redact)

    @property
    def sort_key(self) -> tuple[str, int, str, str]:
        """Order used by reports: file, line, rule id, message."""
        return (self.file, self.line, self.rule_id, self.message)

    def to_dict(self) -> dict[str, str | int]:
        """The finding as JSON-ready primitives (used by :meth:`LintReport.to_json`)."""
        return {
            "rule_id": self.rule_id,
            "severity": self.severity.value,
            "file": self.file,
            "line": self.line,
            "message": self.message,
            "fix": self.fix,
        }

    def __str__(self) -> str:
        text = f"{self.file}:{self.line}: {self.severity.value} {self.rule_id} {self.message}"
        return f"{text}\n    fix: {self.fix}" if self.fix else text
