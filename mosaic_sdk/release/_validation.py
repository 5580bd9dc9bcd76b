"""Post-deploy validation: run checks against a deployed release and keep the evidence.

:class:`PostDeployValidation` (and :class:`AsyncPostDeployValidation`, whose ``run`` is
awaited) runs a list of checks (:class:`HealthCheck`,
:class:`SmokeTest`, :class:`VersionMatch`, :class:`MetricGate`, or any object with the
:class:`Check` shape) against one :class:`ValidationContext` - the digest-pinned
candidate, its version, the target and slot it runs on - and returns a
:class:`ValidationReport`.

The verdict is three-valued and **worst wins** (passed < inconclusive < failed), as in
Argo Rollouts' analysis runs:

* ``passed``: every check passed;
* ``inconclusive``: nothing failed, but something could not be judged (no data under an
  ``inconclusive`` policy, a target that cannot tell its digest); a human decides;
* ``failed``: at least one check failed, or could not run (an exception in a check is a
  failure with the error as evidence, never a crash of the validation).

A report renders as text (``str``), Markdown (:meth:`ValidationReport.to_markdown`), JSON
(:meth:`ValidationReport.to_json`) and in notebooks (``_repr_markdown_``/``_repr_html_``),
and is what the rollback writes into the scratchpad.
"""

from __future__ import annotations

import enum
import html
import inspect
import json
import time
import warnings
from collections.abc import Callable, Iterable, Mapping, Sequence
from datetime import datetime, timezone
from typing import Any, Protocol, runtime_checkable

import attrs

from mosaic_sdk._core._redact import redact_text
from mosaic_sdk._core._repr import safe_repr
from mosaic_sdk._render import FieldsRepr, TextRepr, deprecated_alias, md_code, md_escape
from mosaic_sdk.errors import ConfigurationError, InvalidValueError, ValidationFailedError
from mosaic_sdk.providers._protocol import (
    AsyncDeploymentTarget,
    DeploymentTarget,
    RunningRelease,
    pinned_digest,
)
from mosaic_sdk.values import ImageReference

__all__ = [
    "Check",
    "CheckResult",
    "ValidationContext",
    "ValidationReport",
    "Verdict",
]

_REPORT_SCHEMA = "mosaic.validation-report/v1"


class Verdict(TextRepr, enum.Enum):
    """Outcome of a check or a whole validation; compare with :meth:`worst`."""

    PASSED = "passed"
    INCONCLUSIVE = "inconclusive"
    FAILED = "failed"

    @staticmethod
    def worst(verdicts: Iterable[Verdict]) -> Verdict:
        """The worst of ``verdicts`` (failed > inconclusive > passed); passed when empty."""
        found = set(verdicts)
        for verdict in (Verdict.FAILED, Verdict.INCONCLUSIVE):
            if verdict in found:
                return verdict
        return Verdict.PASSED

    @property
    def symbol(self) -> str:
        """A one-character mark for text reports."""
        return {"passed": "✔", "inconclusive": "?", "failed": "✘"}[self.value]


def _utc_now() -> datetime:
    return datetime.now(timezone.utc)


@attrs.frozen
class ValidationContext(FieldsRepr):
    """What is being validated, and where.

    Check URLs, PromQL expressions and label selectors may contain the placeholders
    ``{base_url}``, ``{slot}``, ``{environment}`` and ``{version}``; :meth:`expand`
    replaces exactly those (PromQL's own braces are left alone), so one validation serves
    both blue/green slots.

    Attributes:
        image: the candidate, pinned by digest.
        version: its release version (``1.4.0-rc.1``), when known.
        target: the target it was deployed to (read by :class:`VersionMatch`): a
            :class:`~mosaic_sdk.providers.DeploymentTarget`, or for
            :class:`~mosaic_sdk.release.AsyncPostDeployValidation` also an
            :class:`~mosaic_sdk.providers.AsyncDeploymentTarget`.
        environment: ``testing``, ``staging``, ``prod``...
        slot: ``blue``/``green`` for a blue/green release, else ``""``.
        base_url: where the candidate answers, e.g. ``http://127.0.0.1:8081``.
    """

    image: ImageReference = attrs.field()
    version: str | None = None
    target: DeploymentTarget | AsyncDeploymentTarget | None = attrs.field(default=None, eq=False)
    environment: str = ""
    slot: str = ""
    base_url: str = ""

    @image.validator
    def _pinned(self, attribute: attrs.Attribute[ImageReference], value: object) -> None:
        pinned_digest(value)  # type: ignore[arg-type]

    def expand(self, text: str) -> str:
        """Replace the known placeholders in ``text``."""
        replacements = {
            "{base_url}": self.base_url.rstrip("/"),
            "{slot}": self.slot,
            "{environment}": self.environment,
            "{version}": self.version or "",
        }
        for token, value in replacements.items():
            text = text.replace(token, value)
        return text

    @property
    def where(self) -> str:
        """``prod / slot blue on <target>``, for reports."""
        parts = [p for p in (self.environment, f"slot {self.slot}" if self.slot else "") if p]
        place = " / ".join(parts)
        target = self.target.name if self.target is not None else ""
        if target:
            place = f"{place} on {target}" if place else target
        return place or "(unspecified)"


#: The target a :class:`ValidationContext` may hold (either twin's).
_AnyTarget = DeploymentTarget | AsyncDeploymentTarget


def _pairs(
    value: Mapping[str, object] | Iterable[tuple[str, object]],
) -> tuple[tuple[str, str], ...]:
    items = value.items() if isinstance(value, Mapping) else value
    return tuple((str(k), redact_text(str(v))) for k, v in items)


def _shown(value: str) -> str:
    # A check's name and summary end up in reports, evidence files and CLI lines: no
    # secret and no URL credential (a health URL's userinfo, a ?token=) survives them.
    return redact_text(value) if isinstance(value, str) else value


_FIX = "pass what ValidationReport.to_dict() (or 'mosaic validate --json') wrote"


def _field(data: Mapping[str, Any], name: str, kind: type | tuple[type, ...], what: str) -> Any:
    value = data.get(name)
    if isinstance(value, bool) and kind in (int, float, (int, float)):
        value = None  # JSON true/false is not a number
    if not isinstance(value, kind):
        raise InvalidValueError(value, f"{what} field {name!r} is missing or mistyped", _FIX)
    return value


def _time_field(data: Mapping[str, Any], name: str, what: str) -> datetime:
    text = _field(data, name, str, what)
    try:
        when = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        raise InvalidValueError(
            text, f"{what} field {name!r} is not an ISO 8601 time", _FIX
        ) from None
    if when.tzinfo is None:
        raise InvalidValueError(text, f"{what} field {name!r} has no time zone", _FIX)
    return when.astimezone(timezone.utc)


def _verdict_field(data: Mapping[str, Any], what: str) -> Verdict:
    value = data.get("verdict")
    try:
        return Verdict(value)
    except ValueError:
        raise InvalidValueError(
            value, f"{what} field 'verdict' is not passed, inconclusive or failed", _FIX
        ) from None


@attrs.frozen
class CheckResult(FieldsRepr):
    """The outcome of one check.

    Attributes:
        name: the check's name (``"health /health"``, ``"p95 latency"``).
        kind: ``health``, ``smoke``, ``version``, ``metric`` or a custom kind.
        verdict: passed, inconclusive or failed.
        summary: one sentence saying why.
        evidence: ordered ``(key, value)`` pairs: URLs, queries, values, thresholds,
            attempts (secrets redacted, URLs sanitized, as in ``name`` and ``summary``).
        started_at: when the check started (UTC).
        duration_seconds: how long it took.
        attempts: requests or measurements made.
    """

    name: str = attrs.field(converter=_shown)
    kind: str
    verdict: Verdict
    summary: str = attrs.field(converter=_shown)
    evidence: tuple[tuple[str, str], ...] = attrs.field(default=(), converter=_pairs)
    started_at: datetime = attrs.field(factory=_utc_now)
    duration_seconds: float = 0.0
    attempts: int = 1

    @property
    def ok(self) -> bool:
        """True when the verdict is passed."""
        return self.verdict is Verdict.PASSED

    @property
    def passed(self) -> bool:
        """Deprecated alias of :attr:`ok` (kept for one release)."""
        return bool(deprecated_alias("CheckResult.passed", "CheckResult.ok", self.ok))

    def to_json(self, *, indent: int | None = 2) -> str:
        """This result as JSON text (``json.loads`` gives back :meth:`to_dict`)."""
        return json.dumps(self.to_dict(), indent=indent)

    def evidence_dict(self) -> dict[str, str]:
        """The evidence as a dict (later keys win)."""
        return dict(self.evidence)

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready form."""
        return {
            "name": self.name,
            "kind": self.kind,
            "verdict": self.verdict.value,
            "summary": self.summary,
            "evidence": [list(pair) for pair in self.evidence],
            "started_at": self.started_at.isoformat(),
            "duration_seconds": round(self.duration_seconds, 4),
            "attempts": self.attempts,
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> CheckResult:
        """Read what :meth:`to_dict` wrote.

        Raises:
            InvalidValueError: not a check result; the message names the wrong field.
        """
        if not isinstance(data, Mapping):
            raise InvalidValueError(type(data).__name__, "a check result is a JSON object", _FIX)
        evidence = _field(data, "evidence", list, "check result")
        if not all(
            isinstance(pair, (list, tuple))
            and len(pair) == 2
            and all(isinstance(x, str) for x in pair)
            for pair in evidence
        ):
            raise InvalidValueError(
                evidence, "check result field 'evidence' is not a list of [key, value] pairs", _FIX
            )
        return cls(
            name=_field(data, "name", str, "check result"),
            kind=_field(data, "kind", str, "check result"),
            verdict=_verdict_field(data, "check result"),
            summary=_field(data, "summary", str, "check result"),
            evidence=[(k, v) for k, v in evidence],
            started_at=_time_field(data, "started_at", "check result"),
            duration_seconds=float(_field(data, "duration_seconds", (int, float), "check result")),
            attempts=_field(data, "attempts", int, "check result"),
        )


@runtime_checkable
class Check(Protocol):
    """What :class:`PostDeployValidation` runs: a named check that judges a context.

    ``run`` returns a :class:`CheckResult`; it may raise, and the validation turns the
    exception into a failed result with the error as evidence.
    """

    @property
    def name(self) -> str:
        """The name shown in reports."""
        ...

    def run(self, context: ValidationContext) -> CheckResult:
        """Judge ``context`` and return the result."""
        ...


def _md(text: str) -> str:
    return md_escape(text)


def _seconds(value: float) -> str:
    return f"{value * 1000:.0f} ms" if value < 1 else f"{value:.1f} s"


@attrs.frozen
class ValidationReport:
    """Everything one validation found.

    Attributes:
        name: the validation's name.
        image: the candidate (``repo@sha256:...``).
        version: its version, when known.
        where: environment, slot and target, in words.
        results: one :class:`CheckResult` per check, in order.
        started_at: when the validation started (UTC).
        finished_at: when it finished (UTC).
        duration_seconds: wall time.
        environment: the environment validated in (``testing``, ``prod``...), ``""``
            when not given; what ``Promotion(..., require_evidence=True)`` reads.
    """

    name: str = attrs.field(converter=_shown)
    image: str
    version: str | None
    where: str = attrs.field(converter=_shown)
    results: tuple[CheckResult, ...]
    started_at: datetime
    finished_at: datetime
    duration_seconds: float
    environment: str = ""

    @property
    def verdict(self) -> Verdict:
        """Worst verdict of all checks."""
        return Verdict.worst(r.verdict for r in self.results)

    @property
    def ok(self) -> bool:
        """True when every check passed."""
        return self.verdict is Verdict.PASSED

    @property
    def passed(self) -> bool:
        """Deprecated alias of :attr:`ok` (kept for one release)."""
        return bool(deprecated_alias("ValidationReport.passed", "ValidationReport.ok", self.ok))

    @property
    def failed(self) -> bool:
        """True when at least one check failed."""
        return self.verdict is Verdict.FAILED

    @property
    def inconclusive(self) -> bool:
        """True when nothing failed but something could not be judged."""
        return self.verdict is Verdict.INCONCLUSIVE

    def failures(self) -> tuple[CheckResult, ...]:
        """The results that did not pass (failed first, then inconclusive)."""
        bad = [r for r in self.results if r.verdict is Verdict.FAILED]
        bad += [r for r in self.results if r.verdict is Verdict.INCONCLUSIVE]
        return tuple(bad)

    def headline(self) -> str:
        """One line: verdict and the first reason, e.g. for a release note."""
        failures = self.failures()
        if not failures:
            return f"{self.name} passed ({len(self.results)} checks)"
        first = failures[0]
        more = f" (+{len(failures) - 1} more)" if len(failures) > 1 else ""
        return f"{self.name} {self.verdict.value}: {first.name}: {first.summary}{more}"

    def raise_for_verdict(self, *, allow_inconclusive: bool = False) -> ValidationReport:
        """Return ``self`` when it passed; raise otherwise.

        Raises:
            ValidationFailedError: the verdict is failed, or inconclusive and
                ``allow_inconclusive`` is false; ``error.report`` is this report.
        """
        if self.ok or (self.inconclusive and allow_inconclusive):
            return self
        raise ValidationFailedError(
            f"{self.headline()}; see the report's evidence, fix the release, and deploy a "
            "new candidate",
            report=self,
        )

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready form (``schema`` = ``mosaic.validation-report/v1``)."""
        return {
            "schema": _REPORT_SCHEMA,
            "name": self.name,
            "verdict": self.verdict.value,
            "image": self.image,
            "version": self.version,
            "where": self.where,
            "environment": self.environment,
            "started_at": self.started_at.isoformat(),
            "finished_at": self.finished_at.isoformat(),
            "duration_seconds": round(self.duration_seconds, 4),
            "results": [r.to_dict() for r in self.results],
        }

    def to_json(self, *, indent: int | None = 2) -> str:
        """The report as JSON text."""
        return json.dumps(self.to_dict(), indent=indent, ensure_ascii=False)

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> ValidationReport:
        """Read what :meth:`to_dict` wrote (``mosaic validate --json`` prints it), for
        example to attach a saved report to a later rollback's evidence. The stored
        ``verdict`` must agree with the checks' verdicts.

        Raises:
            InvalidValueError: not a validation report; the message names the wrong field.
        """
        if not isinstance(data, Mapping):
            raise InvalidValueError(
                type(data).__name__, "a validation report is a JSON object", _FIX
            )
        schema = data.get("schema")
        if schema != _REPORT_SCHEMA:
            raise InvalidValueError(
                schema, "is not a validation report schema", f"expected {_REPORT_SCHEMA!r}; {_FIX}"
            )
        version = data.get("version")
        if version is not None and not isinstance(version, str):
            raise InvalidValueError(version, "validation report field 'version' is mistyped", _FIX)
        environment = data.get("environment", "")
        if not isinstance(environment, str):
            raise InvalidValueError(
                environment, "validation report field 'environment' is mistyped", _FIX
            )
        report = cls(
            name=_field(data, "name", str, "validation report"),
            image=_field(data, "image", str, "validation report"),
            version=version,
            where=_field(data, "where", str, "validation report"),
            results=tuple(
                CheckResult.from_dict(item)
                for item in _field(data, "results", list, "validation report")
            ),
            started_at=_time_field(data, "started_at", "validation report"),
            finished_at=_time_field(data, "finished_at", "validation report"),
            duration_seconds=float(
                _field(data, "duration_seconds", (int, float), "validation report")
            ),
            environment=environment,
        )
        stated = _verdict_field(data, "validation report")
        if stated is not report.verdict:
            raise InvalidValueError(
                stated.value,
                f"is the report's stated verdict, but its checks say {report.verdict.value}",
                _FIX,
            )
        return report

    @classmethod
    def from_json(cls, text: str | bytes) -> ValidationReport:
        """Read what :meth:`to_json` wrote; see :meth:`from_dict`."""
        if not isinstance(text, (str, bytes)):
            raise InvalidValueError(text, "is not JSON text", _FIX)
        try:
            data = json.loads(text)
        except (ValueError, RecursionError) as exc:  # bad JSON or UTF-8, too deep, digits
            raise InvalidValueError(str(text)[:80], f"is not JSON ({exc})", _FIX) from None
        return cls.from_dict(data)

    def to_markdown(self, *, heading_level: int = 3) -> str:
        """The report as Markdown: a summary table, then each check's evidence."""
        hashes = "#" * heading_level
        version = f" (version {md_code(self.version)})" if self.version else ""
        lines = [
            f"{hashes} {_md(self.name)}: {self.verdict.value.upper()}",
            "",
            f"- Release: {md_code(self.image)}{version}",
            f"- Where: {_md(self.where)}",
            f"- Started: {self.started_at.strftime('%Y-%m-%d %H:%M:%S UTC')}, took "
            f"{_seconds(self.duration_seconds)}",
            "",
            "| Check | Kind | Verdict | Summary | Time |",
            "| --- | --- | --- | --- | --- |",
        ]
        lines += [
            f"| {_md(r.name)} | {_md(r.kind)} | {r.verdict.symbol} {r.verdict.value} | "
            f"{_md(r.summary)} | {_seconds(r.duration_seconds)} |"
            for r in self.results
        ]
        for result in self.results:
            if not result.evidence:
                continue
            lines += ["", f"{hashes}# {_md(result.name)}", ""]
            lines += [f"- {_md(key)}: {md_code(value)}" for key, value in result.evidence]
        return "\n".join(lines) + "\n"

    @safe_repr
    def __repr__(self) -> str:
        return f"<ValidationReport {self.headline()}>"

    def _repr_markdown_(self) -> str:
        return self.to_markdown()

    def _repr_html_(self) -> str:
        colour = {"passed": "#1a7f37", "inconclusive": "#9a6700", "failed": "#cf222e"}
        rows = "".join(
            "<tr>"
            f"<td>{html.escape(r.name)}</td><td>{html.escape(r.kind)}</td>"
            f'<td style="color:{colour[r.verdict.value]}">{r.verdict.symbol} '
            f"{r.verdict.value}</td><td>{html.escape(r.summary)}</td>"
            f"<td>{_seconds(r.duration_seconds)}</td>"
            "<td><ul>"
            + "".join(
                f"<li>{html.escape(k)}: <code>{html.escape(v)}</code></li>" for k, v in r.evidence
            )
            + "</ul></td></tr>"
            for r in self.results
        )
        head = (
            f'<b>{html.escape(self.name)}: <span style="color:{colour[self.verdict.value]}">'
            f"{self.verdict.value.upper()}</span></b> &mdash; <code>{html.escape(self.image)}"
            f"</code> on {html.escape(self.where)}"
        )
        return (
            f"<div>{head}<table><thead><tr><th>Check</th><th>Kind</th><th>Verdict</th>"
            f"<th>Summary</th><th>Time</th><th>Evidence</th></tr></thead>"
            f"<tbody>{rows}</tbody></table></div>"
        )

    def __str__(self) -> str:
        lines = [f"{self.name}: {self.verdict.value.upper()} ({self.image} on {self.where})"]
        lines += [
            f"  {r.verdict.symbol} {r.name}: {r.summary} [{_seconds(r.duration_seconds)}]"
            for r in self.results
        ]
        return "\n".join(lines)


class _ValidationCore:
    """What :class:`PostDeployValidation` and :class:`AsyncPostDeployValidation` share:
    the argument checks and the pure steps of a run (context, skipped and broken results,
    the report). The sequencing of the checks lives in ``release/_async/validation.py``."""

    checks: tuple[Check, ...]
    name: str
    stop_on_failure: bool

    def __init__(
        self,
        checks: Sequence[Check],
        *,
        name: str = "post-deploy validation",
        stop_on_failure: bool = False,
        clock: Callable[[], datetime] = _utc_now,
    ) -> None:
        checks = tuple(checks)
        if not checks:
            raise ConfigurationError(
                f"{type(self).__name__} needs at least one check; pass e.g. "
                "[HealthCheck('{base_url}/health'), VersionMatch(url='{base_url}/version')]"
            )
        for check in checks:
            if not isinstance(check, Check):
                raise ConfigurationError(
                    f"{check!r} is not a check (it needs .name and .run(context)); use "
                    "HealthCheck, SmokeTest, VersionMatch or MetricGate"
                )
        self.checks = checks
        self.name = name
        self.stop_on_failure = stop_on_failure
        self._clock = clock

    @safe_repr
    def __repr__(self) -> str:
        names = ", ".join(c.name for c in self.checks)
        return f"{type(self).__name__}([{names}])"

    @staticmethod
    def _context(
        image: ImageReference | ValidationContext,
        *,
        version: str | None,
        target: DeploymentTarget | AsyncDeploymentTarget | None,
        environment: str,
        slot: str,
        base_url: str,
    ) -> ValidationContext:
        if isinstance(image, ValidationContext):
            return image
        if isinstance(image, ImageReference):
            return ValidationContext(
                image=image,
                version=version,
                target=target,
                environment=environment,
                slot=slot,
                base_url=base_url,
            )
        raise InvalidValueError(
            image, "is not an image to validate", "pass ImageReference.parse('repo@sha256:...')"
        )

    @staticmethod
    def _skipped(check: Check, stopped_by: str) -> CheckResult:
        return CheckResult(
            name=check.name,
            kind="skipped",
            verdict=Verdict.INCONCLUSIVE,
            summary=f"skipped: {stopped_by} failed first (stop_on_failure)",
            attempts=0,
        )

    @staticmethod
    def _broken(check: Check, exc: Exception, started: datetime, begin: float) -> CheckResult:
        # a broken check is a failed check, with the error as evidence
        return CheckResult(
            name=check.name,
            kind=str(getattr(check, "kind", "check")),
            verdict=Verdict.FAILED,
            summary=f"the check could not run: {type(exc).__name__}: {exc}",
            evidence={"error": f"{type(exc).__name__}: {exc}"},
            started_at=started,
            duration_seconds=time.monotonic() - begin,
            attempts=1,
        )

    def _report(
        self,
        context: ValidationContext,
        results: Sequence[CheckResult],
        started: datetime,
        begin: float,
    ) -> ValidationReport:
        return ValidationReport(
            name=self.name,
            image=str(context.image),
            version=context.version,
            where=context.where,
            results=tuple(results),
            started_at=started,
            finished_at=self._clock(),
            duration_seconds=time.monotonic() - begin,
            environment=context.environment,
        )


class _AsyncValidationBase(_ValidationCore):
    """The base of :class:`AsyncPostDeployValidation` (nothing beyond the core)."""


class _ValidationBase(_ValidationCore):
    """The base of :class:`PostDeployValidation`: the core, and the deprecated ``arun``."""

    async def arun(
        self,
        image: ImageReference | ValidationContext,
        *,
        version: str | None = None,
        target: DeploymentTarget | None = None,
        environment: str = "",
        slot: str = "",
        base_url: str = "",
    ) -> ValidationReport:
        """Deprecated: use :class:`AsyncPostDeployValidation`, whose ``run`` is awaited.

        Runs the same checks through :class:`AsyncPostDeployValidation` and returns its
        report.
        """
        warnings.warn(
            "PostDeployValidation.arun is deprecated and will be removed in the next "
            "release; use AsyncPostDeployValidation(checks).run(...), which awaits each "
            "check and stops between checks when cancelled",
            DeprecationWarning,
            stacklevel=2,
        )
        from mosaic_sdk.release._async.validation import AsyncPostDeployValidation

        validation = AsyncPostDeployValidation(
            self.checks, name=self.name, stop_on_failure=self.stop_on_failure, clock=self._clock
        )
        return await validation.run(
            image,
            version=version,
            target=target,
            environment=environment,
            slot=slot,
            base_url=base_url,
        )


def _target_running(target: DeploymentTarget | AsyncDeploymentTarget) -> RunningRelease:
    """What ``target`` runs, for :class:`VersionMatch` in a synchronous validation."""
    if inspect.iscoroutinefunction(getattr(target, "running", None)):
        raise InvalidValueError(
            type(target).__name__,
            "is an asynchronous target (its running() is a coroutine) in a synchronous validation",
            "run AsyncPostDeployValidation for an AsyncDeploymentTarget",
        )
    running: RunningRelease = target.running()  # type: ignore[assignment]
    return running


async def _atarget_running(target: DeploymentTarget | AsyncDeploymentTarget) -> RunningRelease:
    """What ``target`` runs: awaited for an asynchronous target, in a worker thread for a
    blocking one (the event loop never waits on it)."""
    if inspect.iscoroutinefunction(getattr(target, "running", None)):
        running: RunningRelease = await target.running()  # type: ignore[misc]
        return running
    from mosaic_sdk._core._concurrency import arun_blocking

    return await arun_blocking(target.running)  # type: ignore[arg-type]
