"""Vulnerability reports for a digest, shaped as Trivy and Grype write them.

Each builder writes the fields of the scanner's own report structs, with the JSON names
their struct tags give, and cites the file they come from (the commits read:
aquasecurity/trivy dc3c56eed58ab21c7e08d26757c517bc946a86c5, anchore/grype
4562c55cebba5fe50a0c5afc7cec50a3b2392a87). ``tests/_support/scan_reports/`` holds
golden outputs of both projects' own test suites, copied unchanged (its README says from
where), which the parser tests read as well: the builders here add what those goldens
lack, a real image digest.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import attrs

REPORTS = Path(__file__).parent / "scan_reports"

__all__ = [
    "REPORTS",
    "Vuln",
    "grype_json",
    "grype_sarif",
    "trivy_json",
    "trivy_sarif",
    "write",
]


@attrs.frozen
class Vuln:
    """One finding to put in a report."""

    id: str
    package: str
    installed: str
    fixed: str = ""
    severity: str = "HIGH"  # Trivy's spelling; each builder converts


def write(path: Path, report: dict[str, Any]) -> Path:
    path.write_text(json.dumps(report, indent=2), encoding="utf-8")
    return path


def trivy_json(
    image: str, digest: str, vulns: Sequence[Vuln], *, image_id: str = ""
) -> dict[str, Any]:
    """``trivy image --format json registry/team/app@sha256:...``.

    aquasecurity/trivy ``pkg/types/report.go``: ``Report`` (``SchemaVersion``,
    ``ArtifactName``, ``ArtifactType``, ``Metadata``, ``Results``), ``Metadata``
    (``ImageID``, ``RepoTags``, ``RepoDigests``), ``Result`` (``Target``, ``Class``,
    ``Type``, ``Vulnerabilities``); ``pkg/types/vulnerability.go``:
    ``DetectedVulnerability`` (``VulnerabilityID``, ``PkgID``, ``PkgName``,
    ``InstalledVersion``, ``FixedVersion``, ``Status``, embedding trivy-db's
    ``Vulnerability`` with ``Title`` and ``Severity``). ``RepoDigests`` of a remote image
    is ``<repository>@<digest>`` (``pkg/fanal/image/remote.go``, ``RepoDigests``).
    """
    repository = image.rsplit("@", 1)[0]
    return {
        "SchemaVersion": 2,
        "Trivy": {"Version": "0.58.1"},
        "CreatedAt": "2026-12-01T10:00:00.000000000Z",
        "ArtifactName": f"{repository}@{digest}",
        "ArtifactType": "container_image",
        "Metadata": {
            "OS": {"Family": "alpine", "Name": "3.19.1"},
            "ImageID": image_id or "sha256:" + "1" * 64,
            "RepoDigests": [f"{repository}@{digest}"],
        },
        "Results": [
            {
                "Target": f"{repository}@{digest} (alpine 3.19.1)",
                "Class": "os-pkgs",
                "Type": "alpine",
                **(
                    {
                        "Vulnerabilities": [
                            {
                                "VulnerabilityID": v.id,
                                "PkgID": f"{v.package}@{v.installed}",
                                "PkgName": v.package,
                                "InstalledVersion": v.installed,
                                **({"FixedVersion": v.fixed} if v.fixed else {}),
                                "Status": "fixed" if v.fixed else "affected",
                                "SeveritySource": "nvd",
                                "PrimaryURL": f"https://avd.aquasec.com/nvd/{v.id.lower()}",
                                "Title": f"{v.package}: a flaw",
                                "Severity": v.severity.upper(),
                            }
                            for v in vulns
                        ]
                    }
                    if vulns
                    else {}  # `json:"Vulnerabilities,omitempty"`
                ),
            }
        ],
    }


def _grype_severity(severity: str) -> str:
    # grype/vulnerability/severity.go spells them Unknown, Negligible, Low, Medium, High,
    # Critical (the goldens show "Low", "Critical").
    return severity.capitalize()


def grype_json(image: str, digest: str, vulns: Sequence[Vuln]) -> dict[str, Any]:
    """``grype -o json registry/team/app@sha256:...``.

    anchore/grype ``grype/presenter/models/document.go`` (``Document``: ``matches``,
    ``source``, ``distro``, ``descriptor``), ``match.go`` (``Match``: ``vulnerability``,
    ``relatedVulnerabilities``, ``matchDetails``, ``artifact``), ``vulnerability.go``
    (``Vulnerability`` with ``fix`` {``versions``, ``state``}), ``vulnerability_metadata.go``
    (``id``, ``dataSource``, ``severity``, ``urls``, ``cvss``), ``package.go``
    (``id``, ``name``, ``version``, ``type``), ``source.go`` (``type: image`` with syft's
    ``ImageMetadata`` as ``target``: ``userInput``, ``imageID``, ``manifestDigest``,
    ``repoDigests``, as in ``grype/presenter/json/testdata/snapshot/TestJsonImgsPresenter.golden``).
    """
    repository = image.rsplit("@", 1)[0]
    return {
        "matches": [
            {
                "vulnerability": {
                    "id": v.id,
                    "dataSource": f"https://nvd.nist.gov/vuln/detail/{v.id}",
                    "namespace": "alpine:distro:alpine:3.19",
                    "severity": _grype_severity(v.severity),
                    "urls": [],
                    "cvss": [],
                    "fix": {
                        "versions": [v.fixed] if v.fixed else [],
                        "state": "fixed" if v.fixed else "not-fixed",
                    },
                    "advisories": [],
                    "risk": 1.5,
                },
                "relatedVulnerabilities": [],
                "matchDetails": [
                    {
                        "type": "exact-direct-match",
                        "matcher": "apk-matcher",
                        "searchedBy": {"distro": {"type": "alpine", "version": "3.19.1"}},
                        "found": {"versionConstraint": f"< {v.fixed or '99'} (apk)"},
                    }
                ],
                "artifact": {
                    "id": hashlib.sha256(f"{v.package}@{v.installed}".encode()).hexdigest()[:16],
                    "name": v.package,
                    "version": v.installed,
                    "type": "apk",
                    "locations": [{"path": "/lib/apk/db/installed"}],
                    "language": "",
                    "licenses": [],
                    "cpes": [],
                    "purl": f"pkg:apk/alpine/{v.package}@{v.installed}",
                    "upstreams": [],
                },
            }
            for v in vulns
        ],
        "source": {
            "type": "image",
            "target": {
                "userInput": f"{repository}@{digest}",
                "imageID": "sha256:" + "1" * 64,
                "manifestDigest": digest,
                "mediaType": "application/vnd.oci.image.manifest.v1+json",
                "tags": [],
                "imageSize": 1024,
                "layers": [],
                "manifest": None,
                "config": None,
                "repoDigests": [f"{repository}@{digest}"],
                "architecture": "amd64",
                "os": "linux",
            },
        },
        "distro": {"name": "alpine", "version": "3.19.1", "idLike": []},
        "descriptor": {"name": "grype", "version": "0.86.1", "timestamp": ""},
    }


def _trivy_level(severity: str) -> str:
    # pkg/report/sarif.go toSarifErrorLevel
    return {"CRITICAL": "error", "HIGH": "error", "MEDIUM": "warning"}.get(severity.upper(), "note")


def trivy_sarif(image: str, digest: str, vulns: Sequence[Vuln]) -> dict[str, Any]:
    """``trivy image --format sarif``: aquasecurity/trivy ``pkg/report/sarif.go``
    (``SarifWriter.Write``: ``run.Properties`` imageName/repoTags/repoDigests/imageID;
    ``addSarifRule``: ``properties.tags`` [title, "security", severity] and
    ``security-severity``; ``addSarifResult``: the ``Package:``/``Installed Version:``/
    ``Fixed Version:`` message), as in ``integration/testdata/alpine-310.sarif.golden``."""
    repository = image.rsplit("@", 1)[0]
    scores = {"CRITICAL": "9.5", "HIGH": "8.0", "MEDIUM": "5.5", "LOW": "2.0"}  # severityToScore
    rules = []
    for v in vulns:
        if any(r["id"] == v.id for r in rules):
            continue
        rules.append(
            {
                "id": v.id,
                "name": "OsPackageVulnerability",
                "shortDescription": {"text": f"{v.package}: a flaw"},
                "defaultConfiguration": {"level": _trivy_level(v.severity)},
                "help": {
                    "text": f"Vulnerability {v.id}\nSeverity: {v.severity.upper()}\n"
                    f"Package: {v.package}\nFixed Version: {v.fixed}\nLink: [{v.id}](x)"
                },
                "properties": {
                    "precision": "very-high",
                    "security-severity": scores.get(v.severity.upper(), "0.0"),
                    "tags": ["vulnerability", "security", v.severity.upper()],
                },
            }
        )
    return {
        "version": "2.1.0",
        "$schema": "https://raw.githubusercontent.com/oasis-tcs/sarif-spec/main/sarif-2.1/schema/sarif-schema-2.1.0.json",
        "runs": [
            {
                "tool": {
                    "driver": {
                        "fullName": "Trivy Vulnerability Scanner",
                        "informationUri": "https://github.com/aquasecurity/trivy",
                        "name": "Trivy",
                        "rules": rules,
                        "version": "0.58.1",
                    }
                },
                "results": [
                    {
                        "ruleId": v.id,
                        "ruleIndex": [r["id"] for r in rules].index(v.id),
                        "level": _trivy_level(v.severity),
                        "message": {
                            "text": f"Package: {v.package}\nInstalled Version: {v.installed}\n"
                            f"Vulnerability {v.id}\nSeverity: {v.severity.upper()}\n"
                            f"Fixed Version: {v.fixed}\nLink: [{v.id}](x)"
                        },
                        "locations": [
                            {
                                "physicalLocation": {
                                    "artifactLocation": {
                                        "uri": repository,
                                        "uriBaseId": "ROOTPATH",
                                    },
                                    "region": {
                                        "startLine": 1,
                                        "startColumn": 1,
                                        "endLine": 1,
                                        "endColumn": 1,
                                    },
                                },
                                "message": {"text": f"{repository}: {v.package}@{v.installed}"},
                            }
                        ],
                    }
                    for v in vulns
                ],
                "columnKind": "utf16CodeUnits",
                "properties": {
                    "imageID": "sha256:" + "1" * 64,
                    "imageName": f"{repository}@{digest}",
                    "repoDigests": [f"{repository}@{digest}"],
                    "repoTags": None,
                },
            }
        ],
    }


def _grype_rule(v: Vuln, cvss: float) -> dict[str, Any]:
    fallback = {"CRITICAL": "9.0", "HIGH": "7.0", "MEDIUM": "4.0", "LOW": "1.0"}
    score = f"{cvss:.1f}" if cvss > 0 else fallback.get(v.severity.upper(), "0.0")
    severity = v.severity.lower()
    return {
        "id": f"{v.id}-{v.package}",
        "name": "ApkMatcherExactDirectMatch",
        "shortDescription": {"text": f"{v.id} {severity} vulnerability for {v.package} package"},
        "helpUri": "https://github.com/anchore/grype",
        "help": {
            "text": f"Vulnerability {v.id}\nSeverity: {severity}\nPackage: {v.package}\n"
            f"Version: {v.installed}\nFix Version: {v.fixed}\nType: apk\n"
            f"Location: /lib/apk/db/installed\nData Namespace: alpine:distro:alpine:3.19\n"
            f"Link: {v.id}"
        },
        "properties": {"security-severity": score},
    }


def _grype_result(v: Vuln, user_input: str) -> dict[str, Any]:
    levels = {"CRITICAL": "error", "HIGH": "error", "MEDIUM": "warning"}
    region = {"startLine": 1, "startColumn": 1, "endLine": 1, "endColumn": 1}
    layer = "sha256:" + "2" * 64
    return {
        "ruleId": f"{v.id}-{v.package}",
        "level": levels.get(v.severity.upper(), "note"),
        "message": {
            "text": f"A {v.severity.lower()} vulnerability in apk package: {v.package}, "
            f"version {v.installed} was found in image {user_input} at: /lib/apk/db/installed"
        },
        "locations": [
            {
                "physicalLocation": {
                    "artifactLocation": {"uri": "app/lib/apk/db/installed"},
                    "region": region,
                },
                "logicalLocations": [
                    {
                        "name": "/lib/apk/db/installed",
                        "fullyQualifiedName": f"{user_input}@{layer}:/lib/apk/db/installed",
                    }
                ],
            }
        ],
        "partialFingerprints": {"primaryLocationLineHash": "0" * 64 + ":1"},
    }


def grype_sarif(
    image: str, digest: str, vulns: Sequence[Vuln], *, cvss: float = 0.0
) -> dict[str, Any]:
    """``grype -o sarif registry/team/app@sha256:...``: anchore/grype
    ``grype/presenter/sarif/presenter.go`` (``sarifRules``: rule id ``<vuln>-<package>``,
    ``help.text`` with ``Package:``/``Version:``/``Fix Version:``, ``properties``
    ``security-severity`` from the CVSS score, else 9.0/7.0/4.0/1.0 by severity;
    ``sarifResults``: ``level`` from ``levelValue``, the message ``... was found in image
    <userInput> at: ...`` and logical locations ``<userInput>@<layer>:/path``), as in
    ``grype/presenter/sarif/testdata/snapshot/TestSarifPresenter_image.golden``. Grype's
    SARIF names no digest of its own: only the input it was given."""
    user_input = f"{image.rsplit('@', 1)[0]}@{digest}"
    return {
        "version": "2.1.0",
        "$schema": "https://docs.oasis-open.org/sarif/sarif/v2.1.0/errata01/os/schemas/"
        "sarif-schema-2.1.0.json",
        "runs": [
            {
                "tool": {
                    "driver": {
                        "name": "grype",
                        "version": "0.86.1",
                        "informationUri": "https://github.com/anchore/grype",
                        "rules": [_grype_rule(v, cvss) for v in vulns],
                    }
                },
                "results": [_grype_result(v, user_input) for v in vulns],
            }
        ],
    }
