"""The scan gate: vulnerability reports and waivers decide whether a digest may reach prod.

Platform rule: *scan images for vulnerabilities*. A :class:`ScanGate` holds the reports of
one or more scans (:class:`ScanReport`: Trivy JSON, Grype JSON or SARIF 2.1.0) and a
waiver file (:class:`Waivers`). Given to a promotion
(``Promotion(registry, repo, scan_gate=gate)``), it refuses to move ``prod`` (and the
``blue``/``green`` slots, which are prod's) to a digest while a finding at or above
``min_severity`` is neither below the threshold nor waived; the
:class:`~mosaic_sdk.errors.ScanGateError` lists each CVE, its package, the installed and
the fixed version.

Everything here is pure: reading a file is the only I/O (:meth:`ScanReport.from_file`,
:meth:`Waivers.from_file`, both bounded reads through ``mosaic_sdk._files``), and it
happens when the gate is built, never while a promotion runs.

The report formats, from the scanners' own sources:

* Trivy JSON (``trivy image --format json``, ``SchemaVersion: 2``):
  ``Results[].Vulnerabilities[]`` with ``VulnerabilityID``, ``PkgName``,
  ``InstalledVersion``, ``FixedVersion``, ``Severity`` (``UNKNOWN``, ``LOW``, ``MEDIUM``,
  ``HIGH``, ``CRITICAL``) and ``Status``; the image is ``ArtifactName``,
  ``Metadata.RepoDigests`` (``name@sha256:...``) and ``Metadata.ImageID`` (the config
  digest). aquasecurity/trivy ``pkg/types/report.go`` (``Report``, ``Metadata``,
  ``Result``) and ``pkg/types/vulnerability.go`` (``DetectedVulnerability``).
* Grype JSON (``grype -o json``): ``matches[].vulnerability.{id, severity, fix.versions,
  fix.state}`` and ``matches[].artifact.{name, version}``; the image is
  ``source.target.{userInput, manifestDigest, repoDigests, imageID}``. anchore/grype
  ``grype/presenter/models/{document,match,vulnerability,vulnerability_metadata,package,
  source}.go``. ``ignoredMatches`` (Grype's own ignore rules) are not findings.
* SARIF 2.1.0 (``--format sarif`` / ``-o sarif``): ``runs[].results[]`` with ``ruleId``,
  ``level``, ``message.text`` and ``properties``, and ``runs[].tool.driver.rules[]`` with
  ``properties.tags`` and ``properties.security-severity``. Trivy writes the image's
  ``repoDigests``/``imageName``/``imageID`` into ``runs[].properties``, the severity as a
  tag and ``Package:``/``Installed Version:``/``Fixed Version:`` lines in the message
  (aquasecurity/trivy ``pkg/report/sarif.go``); Grype writes ``Package:``/``Version:``/
  ``Fix Version:`` lines in the rule's help text and the image it was given in the
  message (anchore/grype ``grype/presenter/sarif/presenter.go``).

Severity of a SARIF result, in order: a severity word among the rule's or result's
``properties.tags`` (Trivy's own rating); else ``properties.security-severity`` (a CVSS
score, bucketed as GitHub code scanning does: >= 9.0 critical, >= 7.0 high, >= 4.0
medium, > 0 low, 0 unknown); else ``level`` (``error`` high, ``warning`` medium,
``note`` low, ``none`` negligible). Grype's SARIF carries only the CVSS score, which
can rate a finding higher than Grype's JSON of the same scan: prefer the JSON for the gate.
Trivy results tagged ``misconfiguration``, ``secret`` or ``license`` are not
vulnerabilities and are skipped, as in Trivy's JSON, where they live outside
``Vulnerabilities``.

Findings whose severity is unknown (``UNKNOWN`` in Trivy, ``Unknown`` or no severity in
Grype, a SARIF ``security-severity`` of 0) block by default: a finding nobody has rated
cannot be shown to be below the threshold. ``ScanGate(..., unknown="allow")`` lets them
through; a waiver names them one by one.

    >>> import json
    >>> digest = "sha256:" + "ab" * 32
    >>> report = ScanReport.parse(json.dumps({
    ...     "SchemaVersion": 2, "ArtifactName": f"registry.example/team/app@{digest}",
    ...     "ArtifactType": "container_image",
    ...     "Results": [{"Target": "app (alpine 3.19.1)", "Vulnerabilities": [{
    ...         "VulnerabilityID": "CVE-2024-0727", "PkgName": "libssl3",
    ...         "InstalledVersion": "3.1.4-r2", "FixedVersion": "3.1.4-r5",
    ...         "Severity": "HIGH"}]}]}))
    >>> gate = ScanGate(reports=[report], min_severity="high")
    >>> decision = gate.evaluate(digest)
    >>> decision.allowed, [str(f) for f in decision.blocking]
    (False, ['CVE-2024-0727 libssl3 3.1.4-r2 (high; fixed in 3.1.4-r5)'])
"""

from __future__ import annotations

import enum
import json
import os
import re
import sys
from collections.abc import Iterable, Mapping, Sequence
from datetime import date, datetime, timezone
from typing import Any, Literal

import attrs

from mosaic_sdk._core._repr import safe_repr
from mosaic_sdk._files import read_text_capped
from mosaic_sdk._render import FieldsRepr, JSONResult, TextRepr
from mosaic_sdk.errors import (
    ConfigurationError,
    InvalidValueError,
    ScanFileError,
    ScanGateError,
)
from mosaic_sdk.values import ENVIRONMENT_TAGS, SLOT_TAGS, Digest

__all__ = [
    "ScanFinding",
    "ScanDecision",
    "ScanGate",
    "ScanReport",
    "ScanSeverity",
    "Waiver",
    "Waivers",
]

#: The most bytes read from a report or waiver file: a Trivy report of a large image with
#: every package listed runs to tens of megabytes.
MAX_REPORT_BYTES = 64 * 1024 * 1024
_MAX_WAIVER_BYTES = 1024 * 1024
#: ``name@sha256:<hex>`` in a reference or a free-text message.
_PINNED = re.compile(r"@(sha256:[0-9a-f]{64})(?![0-9a-f])")
_BARE = re.compile(r"sha256:[0-9a-f]{64}")


class ScanSeverity(TextRepr, enum.Enum):
    """A finding's severity, in rank order (``ScanSeverity.HIGH.rank > ScanSeverity.LOW.rank``).

    ``NEGLIGIBLE`` is Grype's rank below ``LOW``; ``UNKNOWN`` is a finding nobody has
    rated yet (how the gate treats it is ``ScanGate(unknown=...)``).
    """

    UNKNOWN = "unknown"
    NEGLIGIBLE = "negligible"
    LOW = "low"
    MEDIUM = "medium"
    HIGH = "high"
    CRITICAL = "critical"

    @property
    def rank(self) -> int:
        """0 for ``UNKNOWN`` up to 5 for ``CRITICAL``."""
        return _RANKS[self]

    @classmethod
    def parse(cls, text: str) -> ScanSeverity:
        """Read a severity name, in any case (``HIGH``, ``High``, ``high``; GitHub's
        ``moderate`` is ``medium``).

        Raises:
            InvalidValueError: not a severity name.
        """
        if isinstance(text, str):
            word = text.strip().lower()
            word = {"moderate": "medium"}.get(word, word)
            for member in cls:
                if member.value == word:
                    return member
        raise InvalidValueError(
            text,
            "is not a severity",
            "use one of " + ", ".join(m.value for m in cls),
        )

    def __str__(self) -> str:
        return self.value


_RANKS = {member: rank for rank, member in enumerate(ScanSeverity)}
#: ``min_severity`` choices: a threshold of ``unknown`` would mean "every finding".
THRESHOLDS: tuple[str, ...] = ("negligible", "low", "medium", "high", "critical")


@attrs.frozen
class ScanFinding(FieldsRepr):
    """One vulnerability in one package of the scanned image.

    Attributes:
        id: the vulnerability id (``CVE-2024-0727``, ``GHSA-...``).
        package: the affected package's name.
        installed: the installed version.
        fixed: the version(s) that fix it, as the scanner wrote them; ``""`` when no
            fix is known.
        severity: the scanner's rating.
        status: the fix state the scanner gives (Trivy ``Status``, Grype ``fix.state``),
            ``""`` when none.
        report: the report it comes from (a file name, or what ``ScanReport.parse`` was
            told).
    """

    id: str
    package: str
    installed: str
    fixed: str
    severity: ScanSeverity
    status: str = ""
    report: str = ""

    @property
    def fix_text(self) -> str:
        """``fixed in 3.1.4-r5`` or ``no fixed version (not-fixed)``."""
        if self.fixed:
            return f"fixed in {self.fixed}"
        return "no fixed version" + (f" ({self.status})" if self.status else "")

    def __str__(self) -> str:
        return (
            f"{self.id} {self.package or '(unknown package)'} "
            f"{self.installed or '(unknown version)'} ({self.severity}; {self.fix_text})"
        )

    def to_dict(self) -> dict[str, str]:
        """A JSON-ready dict."""
        return {
            "id": self.id,
            "package": self.package,
            "installed": self.installed,
            "fixed": self.fixed,
            "severity": self.severity.value,
            "status": self.status,
            "report": self.report,
        }


ReportFormat = Literal["trivy", "grype", "sarif"]


@attrs.frozen
class ScanReport(FieldsRepr):
    """The findings of one vulnerability scan, and which image it scanned.

    Build one with :meth:`parse` (text or an already-decoded JSON object) or
    :meth:`from_file`; the format is recognised from the content.

    Attributes:
        format: ``"trivy"``, ``"grype"`` or ``"sarif"``.
        scanner: the tool that wrote it (``Trivy 0.50.1``, ``grype 0.74.7``).
        artifact: what was scanned, as the scanner names it (``registry/team/app@sha256:...``).
        digests: the manifest digests the report names for the image (from
            ``RepoDigests``, ``manifestDigest``, ``name@sha256:...`` references).
        image_id: the image's config digest when the scanner gives it (Trivy
            ``ImageID``, Grype ``imageID``); it does not identify a manifest, so a report
            that names only this is not accepted for a digest.
        findings: every vulnerability finding, in report order.
        source: where it was read from.
    """

    format: ReportFormat
    scanner: str
    artifact: str
    digests: tuple[Digest, ...]
    image_id: Digest | None
    findings: tuple[ScanFinding, ...]
    source: str

    @classmethod
    def parse(
        cls, data: str | bytes | Mapping[str, Any], *, source: str = "<report>"
    ) -> ScanReport:
        """Read a Trivy JSON, Grype JSON or SARIF 2.1.0 report.

        Args:
            data: the report's text, or its decoded JSON object.
            source: how the report is named in findings and errors (a file name).

        Raises:
            ScanFileError: not JSON, not one of the three formats, or a field of the
                wrong type or value; the message names ``source`` and the field.
        """
        if isinstance(data, (str, bytes)):
            try:
                data = json.loads(data)
            except (ValueError, RecursionError) as exc:
                raise ScanFileError(
                    source,
                    "",
                    f"is not JSON ({exc})",
                    "pass the report written by trivy --format json, grype -o json or "
                    "--format sarif",
                ) from None
        if not isinstance(data, Mapping):
            raise ScanFileError(
                source,
                "",
                f"is a JSON {type(data).__name__}, not an object",
                "pass a Trivy JSON, Grype JSON or SARIF report",
            )
        reader = _Reader(source)
        if "SchemaVersion" in data and ("ArtifactName" in data or "Results" in data):
            return reader.trivy(data)
        if "matches" in data and ("descriptor" in data or "source" in data):
            return reader.grype(data)
        if "runs" in data and "version" in data:
            return reader.sarif(data)
        hint = ""
        if "bomFormat" in data or "spdxVersion" in data:
            hint = " (it is an SBOM, which lists packages, not the findings of a scan)"
        keys = ", ".join(sorted(str(k) for k in data)[:8]) or "none"
        raise ScanFileError(
            source,
            "",
            f"is not a Trivy JSON, Grype JSON or SARIF 2.1.0 report{hint}; its top-level "
            f"keys are {keys}",
            "write the report with 'trivy image --format json', 'grype -o json', or "
            "'--format sarif' / '-o sarif'",
        )

    @classmethod
    def from_file(cls, path: str | os.PathLike[str]) -> ScanReport:
        """Read and parse the report at ``path`` (at most 64 MiB).

        Raises:
            ScanFileError: the file is missing, unreadable or not a report (as for
                :meth:`parse`).
        """
        name = os.fspath(path)
        text = _read(name, MAX_REPORT_BYTES, "vulnerability report")
        return cls.parse(text, source=name)

    def names(self, digest: Digest) -> bool:
        """True when this report is for ``digest`` (it names it as the image's digest)."""
        return digest in self.digests

    def identity(self) -> str:
        """What the report says it scanned, for messages: its digests, else its image id
        or artifact name."""
        if self.digests:
            return ", ".join(str(d) for d in self.digests)
        if self.image_id is not None:
            return (
                f"no manifest digest, only the image id {self.image_id} (a config digest) "
                f"of {self.artifact or 'the image'}"
            )
        return f"no digest ({self.artifact or 'artifact unnamed'})"

    def __str__(self) -> str:
        return (
            f"{self.source} ({self.scanner}, {len(self.findings)} findings, for {self.identity()})"
        )


# -- the three readers -------------------------------------------------------------------


class _Reader:
    """Typed access to a decoded report; every error names the file and the field."""

    def __init__(self, source: str) -> None:
        self.source = source

    def fail(self, field: str, reason: str, fix: str = "") -> ScanFileError:
        return ScanFileError(
            self.source,
            field,
            reason,
            fix or "regenerate the report with the scanner; do not edit it by hand",
        )

    def obj(self, value: object, field: str, *, optional: bool = False) -> Mapping[str, Any]:
        if value is None and optional:
            return {}
        if not isinstance(value, Mapping):
            raise self.fail(field, f"is {_kind(value)}, not an object")
        return value

    def items(self, value: object, field: str) -> list[Any]:
        if value is None:
            return []
        if not isinstance(value, list):
            raise self.fail(field, f"is {_kind(value)}, not a list")
        return value

    def text(self, value: object, field: str, *, required: bool = False) -> str:
        if value is None and not required:
            return ""
        if not isinstance(value, str) or (required and not value.strip()):
            raise self.fail(field, f"is {_kind(value)}, not a non-empty string")
        return value

    def texts(self, value: object, field: str) -> list[str]:
        return [self.text(item, f"{field}[{i}]") for i, item in enumerate(self.items(value, field))]

    def severity(
        self, value: object, field: str, default: ScanSeverity | None = None
    ) -> ScanSeverity:
        if (value is None or value == "") and default is not None:
            return default
        if isinstance(value, str):
            try:
                return ScanSeverity.parse(value)
            except InvalidValueError:
                pass
        raise self.fail(
            field,
            f"is {_kind(value)}, not a severity",
            "expected one of " + ", ".join(m.value.upper() for m in ScanSeverity),
        )

    def digest(self, value: str, field: str) -> Digest | None:
        if not value:
            return None
        try:
            return Digest.parse(value)
        except InvalidValueError:
            raise self.fail(field, f"{value!r} is not a digest") from None

    def _finding(self, **fields: Any) -> ScanFinding:
        return ScanFinding(report=self.source, **fields)

    # -- Trivy -------------------------------------------------------------------------

    def trivy(self, data: Mapping[str, Any]) -> ScanReport:
        version = data.get("SchemaVersion")
        if version != 2:
            raise self.fail(
                "SchemaVersion",
                f"is {version!r}; only Trivy's JSON schema version 2 is read",
                "write the report with a Trivy release from 0.20 on (--format json)",
            )
        artifact = self.text(data.get("ArtifactName"), "ArtifactName")
        metadata = self.obj(data.get("Metadata"), "Metadata", optional=True)
        repo_digests = self.texts(metadata.get("RepoDigests"), "Metadata.RepoDigests")
        reference = metadata.get("Reference")
        named = [artifact, *repo_digests, reference if isinstance(reference, str) else ""]
        image_id = self.digest(self.text(metadata.get("ImageID"), "Metadata.ImageID"), "ImageID")
        findings: list[ScanFinding] = []
        for r, result in enumerate(self.items(data.get("Results"), "Results")):
            where = f"Results[{r}]"
            result = self.obj(result, where)
            vulns = self.items(result.get("Vulnerabilities"), f"{where}.Vulnerabilities")
            for v, vuln in enumerate(vulns):
                field = f"{where}.Vulnerabilities[{v}]"
                vuln = self.obj(vuln, field)
                findings.append(
                    self._finding(
                        id=self.text(
                            vuln.get("VulnerabilityID"), f"{field}.VulnerabilityID", required=True
                        ),
                        package=self.text(vuln.get("PkgName"), f"{field}.PkgName", required=True),
                        installed=self.text(
                            vuln.get("InstalledVersion"), f"{field}.InstalledVersion"
                        ),
                        fixed=self.text(vuln.get("FixedVersion"), f"{field}.FixedVersion"),
                        severity=self.severity(vuln.get("Severity"), f"{field}.Severity"),
                        status=self.text(vuln.get("Status"), f"{field}.Status"),
                    )
                )
        trivy = data.get("Trivy")
        version_text = trivy.get("Version") if isinstance(trivy, Mapping) else None
        return ScanReport(
            format="trivy",
            scanner="Trivy" + (f" {version_text}" if isinstance(version_text, str) else ""),
            artifact=artifact,
            digests=_pinned(named),
            image_id=image_id,
            findings=tuple(findings),
            source=self.source,
        )

    # -- Grype -------------------------------------------------------------------------

    def grype(self, data: Mapping[str, Any]) -> ScanReport:
        findings: list[ScanFinding] = []
        for m, match in enumerate(self.items(data.get("matches"), "matches")):
            field = f"matches[{m}]"
            match = self.obj(match, field)
            vuln = self.obj(match.get("vulnerability"), f"{field}.vulnerability")
            artifact = self.obj(match.get("artifact"), f"{field}.artifact")
            fix = self.obj(vuln.get("fix"), f"{field}.vulnerability.fix", optional=True)
            versions = self.texts(fix.get("versions"), f"{field}.vulnerability.fix.versions")
            findings.append(
                self._finding(
                    id=self.text(vuln.get("id"), f"{field}.vulnerability.id", required=True),
                    package=self.text(
                        artifact.get("name"), f"{field}.artifact.name", required=True
                    ),
                    installed=self.text(artifact.get("version"), f"{field}.artifact.version"),
                    fixed=", ".join(versions),
                    # "severity" is omitempty in Grype's model: no rating is unknown.
                    severity=self.severity(
                        vuln.get("severity"),
                        f"{field}.vulnerability.severity",
                        ScanSeverity.UNKNOWN,
                    ),
                    status=self.text(fix.get("state"), f"{field}.vulnerability.fix.state"),
                )
            )
        source = self.obj(data.get("source"), "source", optional=True)
        target = source.get("target")
        named: list[str] = []
        artifact_name = ""
        image_id: Digest | None = None
        if isinstance(target, Mapping):  # an image: syft's ImageMetadata
            artifact_name = self.text(target.get("userInput"), "source.target.userInput")
            named += [
                artifact_name,
                *self.texts(target.get("repoDigests"), "source.target.repoDigests"),
            ]
            manifest = self.text(target.get("manifestDigest"), "source.target.manifestDigest")
            bare = self.digest(manifest, "source.target.manifestDigest")
            named += [f"@{bare}"] if bare is not None else []
            image_id = self.digest(
                self.text(target.get("imageID"), "source.target.imageID"), "source.target.imageID"
            )
        elif isinstance(target, str):  # a directory, a file, an SBOM, a purl
            artifact_name = target
        descriptor = self.obj(data.get("descriptor"), "descriptor", optional=True)
        name = descriptor.get("name")
        version = descriptor.get("version")
        scanner = (name if isinstance(name, str) and name else "grype") + (
            f" {version}" if isinstance(version, str) and version else ""
        )
        return ScanReport(
            format="grype",
            scanner=scanner,
            artifact=artifact_name,
            digests=_pinned(named),
            image_id=image_id,
            findings=tuple(findings),
            source=self.source,
        )

    # -- SARIF -------------------------------------------------------------------------

    def sarif(self, data: Mapping[str, Any]) -> ScanReport:
        version = data.get("version")
        if version != "2.1.0":
            raise self.fail(
                "version",
                f"is {version!r}; only SARIF 2.1.0 is read",
                "write the report with --format sarif (Trivy) or -o sarif (Grype)",
            )
        findings: list[ScanFinding] = []
        named: list[str] = []
        scanners: list[str] = []
        artifact = ""
        image_id: Digest | None = None
        for r, run in enumerate(self.items(data.get("runs"), "runs")):
            where = f"runs[{r}]"
            run = self.obj(run, where)
            driver = self.obj(
                self.obj(run.get("tool"), f"{where}.tool").get("driver"), f"{where}.tool.driver"
            )
            tool = self.text(driver.get("name"), f"{where}.tool.driver.name", required=True)
            tool_version = driver.get("version")
            scanners.append(tool + (f" {tool_version}" if isinstance(tool_version, str) else ""))
            rules: dict[str, Mapping[str, Any]] = {}
            ordered: list[Mapping[str, Any]] = []
            for i, rule in enumerate(self.items(driver.get("rules"), f"{where}.tool.driver.rules")):
                rule = self.obj(rule, f"{where}.tool.driver.rules[{i}]")
                rule_id = self.text(
                    rule.get("id"), f"{where}.tool.driver.rules[{i}].id", required=True
                )
                rules.setdefault(rule_id, rule)
                ordered.append(rule)
            properties = self.obj(run.get("properties"), f"{where}.properties", optional=True)
            # Trivy: imageName, repoDigests, imageID (pkg/report/sarif.go, Write).
            image_name = properties.get("imageName")
            if isinstance(image_name, str):
                artifact = artifact or image_name
                named.append(image_name)
            named += self.texts(properties.get("repoDigests"), f"{where}.properties.repoDigests")
            if isinstance(properties.get("imageID"), str):
                image_id = image_id or self.digest(
                    properties["imageID"], f"{where}.properties.imageID"
                )
            for i, result in enumerate(self.items(run.get("results"), f"{where}.results")):
                field = f"{where}.results[{i}]"
                result = self.obj(result, field)
                rule = self._rule(result, rules, ordered, field)
                found = self._sarif_finding(result, rule, field)
                named += _result_texts(result)
                if found is not None:
                    findings.append(found)
        return ScanReport(
            format="sarif",
            scanner=", ".join(dict.fromkeys(scanners)) or "SARIF",
            artifact=artifact,
            digests=_pinned(named),
            image_id=image_id,
            findings=tuple(findings),
            source=self.source,
        )

    def _rule(
        self,
        result: Mapping[str, Any],
        rules: Mapping[str, Mapping[str, Any]],
        ordered: Sequence[Mapping[str, Any]],
        field: str,
    ) -> Mapping[str, Any]:
        rule_id = self.text(result.get("ruleId"), f"{field}.ruleId")
        if rule_id in rules:
            return rules[rule_id]
        index = result.get("ruleIndex")
        if isinstance(index, int) and not isinstance(index, bool) and 0 <= index < len(ordered):
            return ordered[index]
        if not rule_id:
            raise self.fail(f"{field}.ruleId", "is missing, and no ruleIndex names a rule")
        return {"id": rule_id}

    def _sarif_finding(
        self, result: Mapping[str, Any], rule: Mapping[str, Any], field: str
    ) -> ScanFinding | None:
        rule_props = self.obj(rule.get("properties"), f"{field} rule properties", optional=True)
        result_props = self.obj(result.get("properties"), f"{field}.properties", optional=True)
        tags = [
            tag.lower()
            for props in (result_props, rule_props)
            for tag in _list(props.get("tags"))
            if isinstance(tag, str)
        ]
        if {"misconfiguration", "secret", "license"} & set(tags):
            return None  # Trivy's non-vulnerability classes
        message = self.obj(result.get("message"), f"{field}.message", optional=True)
        help_ = self.obj(rule.get("help"), f"{field} rule help", optional=True)
        lines = _key_lines(self.text(message.get("text"), f"{field}.message.text"))
        help_text = help_.get("text")
        for key, value in _key_lines(help_text if isinstance(help_text, str) else "").items():
            lines.setdefault(key, value)
        rule_id = self.text(result.get("ruleId"), f"{field}.ruleId") or str(rule.get("id", ""))
        return self._finding(
            id=lines.get("vulnerability") or rule_id,
            package=lines.get("package", ""),
            installed=lines.get("installed version") or lines.get("version", ""),
            fixed=(lines.get("fixed version") or lines.get("fix version", "")).strip(),
            severity=self._sarif_severity(tags, result_props, rule_props, result, rule, field),
        )

    def _sarif_severity(
        self,
        tags: Sequence[str],
        result_props: Mapping[str, Any],
        rule_props: Mapping[str, Any],
        result: Mapping[str, Any],
        rule: Mapping[str, Any],
        field: str,
    ) -> ScanSeverity:
        for tag in tags:
            try:
                return ScanSeverity.parse(tag)
            except InvalidValueError:
                continue
        for props, where in (
            (result_props, f"{field}.properties"),
            (rule_props, "rule properties"),
        ):
            score = props.get("security-severity")
            if score is None:
                continue
            try:
                value = float(score)
            except (TypeError, ValueError):
                value = -1.0
            if not 0.0 <= value <= 10.0 or isinstance(score, bool):
                raise self.fail(
                    f"{where}.security-severity",
                    f"is {score!r}, not a CVSS score from 0.0 to 10.0",
                )
            return _bucket(value)
        level = result.get("level")
        if level is None:
            config = rule.get("defaultConfiguration")
            level = config.get("level") if isinstance(config, Mapping) else None
        levels = {
            "error": ScanSeverity.HIGH,
            "warning": ScanSeverity.MEDIUM,
            "note": ScanSeverity.LOW,
            "none": ScanSeverity.NEGLIGIBLE,
        }
        if level is None:
            return ScanSeverity.MEDIUM  # SARIF 2.1.0 §3.27.10: level defaults to "warning"
        if level not in levels:
            raise self.fail(
                f"{field}.level", f"is {level!r}", "expected error, warning, note or none"
            )
        return levels[level]


def _list(value: object) -> list[Any]:
    return value if isinstance(value, list) else []


def _bucket(score: float) -> ScanSeverity:
    """GitHub code scanning's reading of ``security-severity``."""
    if score >= 9.0:
        return ScanSeverity.CRITICAL
    if score >= 7.0:
        return ScanSeverity.HIGH
    if score >= 4.0:
        return ScanSeverity.MEDIUM
    if score > 0.0:
        return ScanSeverity.LOW
    return ScanSeverity.UNKNOWN


_KEY_LINE = re.compile(
    r"^(Vulnerability|Package|Installed Version|Version|Fixed Version|Fix Version)"
    r"(?::\s*|\s+)(.*?)\s*$",
    re.IGNORECASE,
)


def _key_lines(text: str) -> dict[str, str]:
    """``Package: libssl3`` lines of a Trivy message or a Grype help text, keyed in
    lower case (``Vulnerability CVE-...`` has no colon in either tool)."""
    found: dict[str, str] = {}
    for line in text.splitlines():
        match = _KEY_LINE.match(line.strip())
        if match and match.group(2):
            found.setdefault(match.group(1).lower(), match.group(2))
    return found


def _result_texts(result: Mapping[str, Any]) -> list[str]:
    """The text of a SARIF result that may name the scanned image: Grype's message says
    ``... was found in image <input> at: <path>``. (Its logical locations are
    ``<input>@<layer digest>:/path``, so they are not read: a layer is no image.)"""
    message = result.get("message")
    if isinstance(message, Mapping) and isinstance(message.get("text"), str):
        return [message["text"]]
    return []


def _pinned(texts: Iterable[str]) -> tuple[Digest, ...]:
    found: dict[Digest, None] = {}
    for text in texts:
        for match in _PINNED.finditer(text or ""):
            found[Digest.parse(match.group(1))] = None
    return tuple(found)


def _kind(value: object) -> str:
    if value is None:
        return "missing (null)"
    if isinstance(value, str):
        return f"the string {value[:60]!r}"
    if isinstance(value, bool):
        return f"the boolean {str(value).lower()}"
    if isinstance(value, (int, float)):
        return f"the number {value}"
    if isinstance(value, list):
        return "a list"
    if isinstance(value, Mapping):
        return "an object"
    return f"a {type(value).__name__}"


def _read(path: str, max_bytes: int, what: str) -> str:
    try:
        return read_text_capped(path, max_bytes=max_bytes, what=what).lstrip("\ufeff")
    except FileNotFoundError:
        raise ScanFileError(
            path, "", f"does not exist, so it cannot be read as the {what}", "check the path"
        ) from None
    except ScanFileError:
        raise
    except InvalidValueError as exc:
        raise ScanFileError(path, "", exc.reason, exc.fix) from None


# -- waivers -----------------------------------------------------------------------------

_WAIVER_KEYS = ("id", "package", "reason", "expires")


@attrs.frozen
class Waiver(FieldsRepr):
    """An accepted risk: finding ``id`` (in ``package``, or in any package) does not
    block until ``expires``.

    Attributes:
        id: the vulnerability id it waives (``CVE-2024-0727``), matched in any case.
        reason: why the risk is accepted (required: the audit trail).
        expires: the first day it no longer applies (UTC), as Trivy's ``expired_at``
            (aquasecurity/trivy ``pkg/result/ignore.go``: a rule applies while
            ``now < expired_at``). Every waiver has one.
        package: the package it is limited to; ``None`` waives the id in every package.
        source: the waiver file and entry it was read from.
    """

    id: str
    reason: str
    expires: date
    package: str | None = None
    source: str = ""

    def matches(self, finding: ScanFinding) -> bool:
        """True when this waiver names ``finding`` (id, and package when given)."""
        return self.id.lower() == finding.id.lower() and (
            self.package is None or self.package == finding.package
        )

    def expired(self, today: date) -> bool:
        """True from the day ``expires`` on."""
        return today >= self.expires

    def __str__(self) -> str:
        where = f" in {self.package}" if self.package else ""
        return f"{self.id}{where} (expires {self.expires.isoformat()}: {self.reason})"

    def to_dict(self) -> dict[str, str | None]:
        """A JSON-ready dict."""
        return {
            "id": self.id,
            "package": self.package,
            "reason": self.reason,
            "expires": self.expires.isoformat(),
            "source": self.source,
        }


@attrs.frozen
class Waivers(FieldsRepr):
    """The entries of a waiver file (YAML or TOML).

    The file holds a list ``waivers``, each entry with ``id``, ``reason``, ``expires``
    (a date) and optionally ``package``::

        waivers:
          - id: CVE-2024-0727
            package: libssl3
            reason: PKCS12 parsing is not reachable; we never load PKCS12 files
            expires: 2026-03-31

    or, in TOML, ``[[waivers]]`` tables with the same keys. An entry without
    ``expires`` is refused: a waiver that never ends is a silenced finding.

    Attributes:
        entries: the waivers, in file order.
        source: the file they were read from.
    """

    entries: tuple[Waiver, ...] = ()
    source: str = ""

    @classmethod
    def parse(
        cls, text: str, *, format: Literal["yaml", "toml"] = "yaml", source: str = "<waivers>"
    ) -> Waivers:
        """Read waiver file text (``format`` ``"yaml"``, which also reads JSON, or
        ``"toml"``).

        Raises:
            ScanFileError: the text is not valid YAML/TOML, or an entry lacks ``id``,
                ``reason`` or ``expires``, has an unknown key or a value of the wrong
                type; the message names the file and the entry.
            ConfigurationError: TOML on Python 3.10 without the ``tomli`` package.
        """
        data = _load_toml(text, source) if format == "toml" else _load_yaml(text, source)
        if data is None:
            data = {}
        if not isinstance(data, Mapping):
            raise ScanFileError(
                source,
                "",
                f"is {_kind(data)}, not a mapping with a 'waivers' list",
                "write 'waivers:' followed by a list of entries",
            )
        extra = sorted(str(k) for k in data if k != "waivers")
        if extra:
            raise ScanFileError(
                source, extra[0], "is not a waiver file key", "put every entry under 'waivers'"
            )
        raw = data.get("waivers", [])
        if not isinstance(raw, list):
            raise ScanFileError(source, "waivers", f"is {_kind(raw)}, not a list of entries")
        return cls(
            tuple(_waiver(entry, f"waivers[{i}]", source) for i, entry in enumerate(raw)), source
        )

    @classmethod
    def from_file(cls, path: str | os.PathLike[str]) -> Waivers:
        """Read the waiver file at ``path``: TOML when it ends in ``.toml``, else YAML.

        Raises:
            ScanFileError: the file is missing, unreadable or malformed (see :meth:`parse`).
        """
        name = os.fspath(path)
        text = _read(name, _MAX_WAIVER_BYTES, "waiver file")
        kind: Literal["yaml", "toml"] = "toml" if name.lower().endswith(".toml") else "yaml"
        return cls.parse(text, format=kind, source=name)

    def __iter__(self) -> Any:
        return iter(self.entries)

    def __len__(self) -> int:
        return len(self.entries)


def _waiver(entry: object, field: str, source: str) -> Waiver:
    def fail(key: str, reason: str, fix: str) -> ScanFileError:
        return ScanFileError(source, f"{field}.{key}" if key else field, reason, fix)

    if not isinstance(entry, Mapping):
        raise fail("", f"is {_kind(entry)}, not an entry", "write id, reason and expires")
    for key in entry:
        if key not in _WAIVER_KEYS:
            raise fail(str(key), "is not a waiver key", f"use {', '.join(_WAIVER_KEYS)}")
    values: dict[str, str] = {}
    for key in ("id", "reason", "package"):
        value = entry.get(key)
        if value is None and key == "package":
            continue
        if not isinstance(value, str) or not value.strip():
            what = "missing" if value is None else _kind(value)
            raise fail(
                key,
                f"is {what}; a waiver needs a non-empty {key}",
                {
                    "id": "name the finding, e.g. id: CVE-2024-0727",
                    "reason": "say why the risk is accepted",
                    "package": "name the package, or leave package out",
                }[key],
            )
        values[key] = value.strip()
    expires = entry.get("expires")
    if expires is None:
        raise fail(
            "expires",
            "is missing: a waiver without an expiry date is refused",
            "add expires: YYYY-MM-DD, the day the waiver stops applying",
        )
    if isinstance(expires, datetime):
        expires = expires.astimezone(timezone.utc).date() if expires.tzinfo else expires.date()
    elif isinstance(expires, str):
        try:
            expires = date.fromisoformat(expires.strip())
        except ValueError:
            raise fail("expires", f"{expires!r} is not a date", "write it as YYYY-MM-DD") from None
    if not isinstance(expires, date):
        raise fail("expires", f"is {_kind(expires)}, not a date", "write it as YYYY-MM-DD")
    return Waiver(
        id=values["id"],
        reason=values["reason"],
        expires=expires,
        package=values.get("package"),
        source=f"{source} {field}",
    )


def _load_yaml(text: str, source: str) -> object:
    from ruamel.yaml import YAML
    from ruamel.yaml.error import YAMLError

    yaml = YAML(typ="safe", pure=True)
    yaml.allow_duplicate_keys = False
    try:
        return yaml.load(text)
    except (YAMLError, RecursionError, ValueError) as exc:
        first = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        raise ScanFileError(source, "", f"is not valid YAML ({first})", "fix the syntax") from None


def _load_toml(text: str, source: str) -> object:
    if sys.version_info >= (3, 11):
        import tomllib as toml
    else:  # pragma: no cover - Python 3.10
        try:
            import tomli as toml  # type: ignore[import-not-found,unused-ignore]
        except ModuleNotFoundError:
            raise ConfigurationError(
                f"{source} is TOML, which Python 3.10 reads only with the tomli package; "
                "pip install tomli, or write the waivers as YAML"
            ) from None
    try:
        return toml.loads(text)
    except (ValueError, RecursionError) as exc:  # TOMLDecodeError is a ValueError
        raise ScanFileError(source, "", f"is not valid TOML ({exc})", "fix the syntax") from None


# -- the gate ----------------------------------------------------------------------------


@attrs.frozen
class ScanDecision(FieldsRepr, JSONResult):
    """What a :class:`ScanGate` decided for one digest.

    Attributes:
        digest: the digest checked.
        min_severity: the threshold: findings at or above it block unless waived.
        reports: the reports that are for ``digest`` (their sources).
        blocking: the findings that block, most severe first; one entry per vulnerability,
            package and installed version, whatever the number of reports naming it.
        waived: the findings at or above the threshold that a waiver lets through, with
            the waiver.
        expired: blocking findings that a waiver named but which has expired, with the
            waiver (they are also in ``blocking``).
        below: how many findings were under the threshold (or unknown and allowed).
        other_reports: the reports given for other digests, each with the digests it names.
    """

    digest: Digest
    min_severity: ScanSeverity
    reports: tuple[str, ...]
    blocking: tuple[ScanFinding, ...]
    waived: tuple[tuple[ScanFinding, Waiver], ...]
    expired: tuple[tuple[ScanFinding, Waiver], ...]
    below: int
    other_reports: tuple[tuple[str, str], ...] = ()

    @property
    def allowed(self) -> bool:
        """True when the digest may be promoted: a report is for it and nothing blocks."""
        return bool(self.reports) and not self.blocking

    @property
    def ok(self) -> bool:
        """Same as :attr:`allowed`."""
        return self.allowed

    def summary(self) -> str:
        """One line, as it appears among a promotion plan's checks."""
        if not self.reports:
            return f"scan gate: no report for {self.digest}"
        sources = ", ".join(self.reports)
        if not self.allowed:
            count = len(self.blocking)
            return f"scan gate: {count} blocking at or above {self.min_severity} in {sources}"
        waived = f", {len(self.waived)} waived" if self.waived else ""
        return (
            f"scan gate passed: no unwaived finding at or above {self.min_severity} in "
            f"{sources} ({self.below} below the threshold{waived})"
        )

    def refusal(self, where: str = "") -> str:
        """The refusal message: why, then one line per blocking finding (CVE, package,
        installed version, fixed version) and the expired waivers."""
        target = where or str(self.digest)
        if not self.reports:
            lines = [f"refusing to promote {target}: no vulnerability report is for {self.digest}"]
            lines += [f"  - {source} is for {names}" for source, names in self.other_reports]
            lines.append(
                "  scan the image by digest (trivy image --format json IMAGE@DIGEST, or "
                "grype -o json IMAGE@DIGEST) and pass that report"
            )
            return "\n".join(lines)
        lines = [
            f"refusing to promote {target}: {len(self.blocking)} "
            f"{'finding' if len(self.blocking) == 1 else 'findings'} at or above "
            f"{self.min_severity} in {', '.join(self.reports)} (scan gate):"
        ]
        expired = {id(f): w for f, w in self.expired}
        for finding in self.blocking:
            line = f"  - {finding}"
            waiver = expired.get(id(finding))
            if waiver is not None:
                line += f" [waiver expired {waiver.expires.isoformat()}: {waiver.reason}]"
            lines.append(line)
        lines.append(
            "  upgrade the packages to the fixed versions and rescan, or waive a finding "
            "with an entry (id, package, reason, expires) in the waiver file"
        )
        return "\n".join(lines)

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready dict."""
        return {
            "ok": self.ok,
            "digest": str(self.digest),
            "min_severity": self.min_severity.value,
            "reports": list(self.reports),
            "blocking": [f.to_dict() for f in self.blocking],
            "waived": [{"finding": f.to_dict(), "waiver": w.to_dict()} for f, w in self.waived],
            "expired": [{"finding": f.to_dict(), "waiver": w.to_dict()} for f, w in self.expired],
            "below": self.below,
        }

    def __str__(self) -> str:
        return self.summary() if self.allowed else self.refusal()


class ScanGate:
    """Refuse promotions to prod while a scan report of the digest has findings at or
    above ``min_severity`` that no unexpired waiver names.

    Args:
        reports: one or more :class:`ScanReport` values or report file paths (read now,
            at most 64 MiB each). Reports for other digests are kept and named when no
            report is for the digest promoted; they never count for it.
        min_severity: ``negligible``, ``low``, ``medium``, ``high`` (default) or
            ``critical``.
        waivers: a :class:`Waivers`, an iterable of :class:`Waiver`, or a waiver file path
            (YAML, or TOML by its ``.toml`` suffix).
        environments: the pointers the gate guards; default ``("prod",)``. Guarding
            ``prod`` also guards ``blue`` and ``green``, the slots ``prod`` switches
            between, so a digest is checked when it is deployed to a slot; ``switch()``
            is not checked again (it must stay instant, and switches back).
        unknown: ``"block"`` (default): a finding without a rating blocks like one at the
            threshold; ``"allow"``: it counts as below the threshold.

    Raises:
        ConfigurationError: no report given, or an unknown environment.
        InvalidValueError: a bad ``min_severity`` or ``unknown``.
        ScanFileError: a report or waiver file is missing or malformed.

    Example::

        gate = ScanGate(reports=["trivy.json"], min_severity="high", waivers="waivers.yaml")
        promotion = Promotion(registry, "team/app", scan_gate=gate)
        promotion.promote(digest, to="prod")   # ScanGateError lists what blocks
    """

    def __init__(
        self,
        reports: ScanReport
        | str
        | os.PathLike[str]
        | Iterable[ScanReport | str | os.PathLike[str]],
        *,
        min_severity: str | ScanSeverity = "high",
        waivers: Waivers | Iterable[Waiver] | str | os.PathLike[str] | None = None,
        environments: Sequence[str] = ("prod",),
        unknown: Literal["block", "allow"] = "block",
    ) -> None:
        if isinstance(reports, (ScanReport, str, os.PathLike)):
            reports = [reports]
        self.reports: tuple[ScanReport, ...] = tuple(
            r if isinstance(r, ScanReport) else ScanReport.from_file(r) for r in reports
        )
        if not self.reports:
            raise ConfigurationError(
                "a ScanGate needs at least one vulnerability report; pass "
                "reports=['trivy.json'] (trivy image --format json IMAGE@DIGEST)"
            )
        threshold = ScanSeverity.parse(str(min_severity))
        if threshold.value not in THRESHOLDS:
            raise InvalidValueError(
                str(min_severity), "is not a threshold", f"use one of {', '.join(THRESHOLDS)}"
            )
        self.min_severity = threshold
        if unknown not in ("block", "allow"):
            raise InvalidValueError(
                unknown, "is not an unknown-severity policy", "use 'block' or 'allow'"
            )
        self.unknown: Literal["block", "allow"] = unknown
        if waivers is None:
            self.waivers = Waivers()
        elif isinstance(waivers, Waivers):
            self.waivers = waivers
        elif isinstance(waivers, (str, os.PathLike)):
            self.waivers = Waivers.from_file(waivers)
        else:
            entries = tuple(waivers)
            for entry in entries:
                if not isinstance(entry, Waiver):
                    raise InvalidValueError(
                        type(entry).__name__,
                        "is not a Waiver",
                        "pass Waiver(...) values or a waiver file path",
                    )
            self.waivers = Waivers(entries)
        names = tuple(environments) if not isinstance(environments, str) else (environments,)
        for name in names:
            if name not in (*ENVIRONMENT_TAGS, *SLOT_TAGS):
                raise ConfigurationError(
                    f"ScanGate(environments=...) names {name!r}, which is not a pointer; use "
                    f"some of {', '.join((*ENVIRONMENT_TAGS, *SLOT_TAGS))}"
                )
        self.environments: tuple[str, ...] = names

    @safe_repr
    def __repr__(self) -> str:
        sources = ", ".join(r.source for r in self.reports)
        return (
            f"ScanGate(reports=[{sources}], min_severity={self.min_severity.value!r}, "
            f"waivers={len(self.waivers)}, environments={self.environments!r})"
        )

    def applies_to(self, tag: str) -> bool:
        """True when the gate guards pointer ``tag`` (``blue``/``green`` with ``prod``)."""
        return tag in self.environments or (tag in SLOT_TAGS and "prod" in self.environments)

    def _blocks(self, finding: ScanFinding) -> bool:
        if finding.severity is ScanSeverity.UNKNOWN:
            return self.unknown == "block"
        return finding.severity.rank >= self.min_severity.rank

    def evaluate(self, digest: Digest | str, *, today: date | None = None) -> ScanDecision:
        """Decide for ``digest`` (nothing is raised for a refusal; see :meth:`check`).

        Args:
            digest: the digest to be promoted.
            today: the day waivers are judged on (default: today, UTC).
        """
        digest = digest if isinstance(digest, Digest) else Digest.parse(digest)
        day = today if today is not None else datetime.now(timezone.utc).date()
        mine = [r for r in self.reports if r.names(digest)]
        others = tuple((r.source, r.identity()) for r in self.reports if not r.names(digest))
        blocking: dict[tuple[str, str, str], ScanFinding] = {}
        waived: dict[tuple[str, str, str], tuple[ScanFinding, Waiver]] = {}
        expired: dict[tuple[str, str, str], Waiver] = {}
        below = 0
        for report in mine:
            for finding in report.findings:
                key = (finding.id.upper(), finding.package, finding.installed)
                if not self._blocks(finding):
                    below += 1
                    continue
                matching = [w for w in self.waivers.entries if w.matches(finding)]
                valid = [w for w in matching if not w.expired(day)]
                if valid:
                    waived.setdefault(key, (finding, valid[0]))
                    continue
                if matching:
                    expired.setdefault(key, matching[0])
                known = blocking.get(key)
                if known is None or finding.severity.rank > known.severity.rank:
                    blocking[key] = finding
        for key in blocking:
            waived.pop(key, None)  # one report's rating blocks even if another's is waived
        ordered = sorted(blocking.values(), key=lambda f: (-f.severity.rank, f.id, f.package))
        return ScanDecision(
            digest=digest,
            min_severity=self.min_severity,
            reports=tuple(r.source for r in mine),
            blocking=tuple(ordered),
            waived=tuple(waived.values()),
            expired=tuple((f, expired[k]) for k, f in blocking.items() if k in expired),
            below=below,
            other_reports=others,
        )

    def check(
        self, digest: Digest | str, *, today: date | None = None, where: str = ""
    ) -> ScanDecision:
        """:meth:`evaluate`, raising when the digest may not be promoted.

        Args:
            digest: the digest to be promoted.
            today: the day waivers are judged on (default: today, UTC).
            where: how the refusal names the promotion (``team/app:prod``).

        Raises:
            ScanGateError: no report is for ``digest``, or findings block; the message
                lists each (CVE, package, installed and fixed version) and the expired
                waivers. ``error.decision`` is the :class:`ScanDecision`.
        """
        decision = self.evaluate(digest, today=today)
        if not decision.allowed:
            raise ScanGateError(decision.refusal(where), decision=decision)
        return decision
