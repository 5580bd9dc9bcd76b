"""Evidence attached to the image digest in the registry: the pure half.

A release's evidence - the :class:`~mosaic_sdk.release.ValidationReport` of each
validation and the :class:`~mosaic_sdk.release.PromotionRecord` of each promotion -
travels with the image as OCI 1.1 artifacts whose ``subject`` is the digest (see
:func:`mosaic_sdk.registry.attach_artifact`): the registry, not one repository's files,
answers "what was checked about ``sha256:...``?".

==========================  ===================================================  ========
artifact                    ``artifactType`` (and the layer's media type)         payload
==========================  ===================================================  ========
validation report           ``application/vnd.mosaic.validation-report.v1+json``  its JSON
promotion record            ``application/vnd.mosaic.promotion-record.v1+json``   its JSON
scan report                 ``application/vnd.mosaic.scan-report.v1+json``        as read
==========================  ===================================================  ========

A scan report is the scanner's own output (Trivy JSON, Grype JSON or SARIF), byte for
byte; ``vnd.mosaic.scanner`` names the format.

Each artifact manifest carries annotations, which the referrers list repeats, so a
listing needs no blob reads: ``org.opencontainers.image.created`` (when it was
attached), ``vnd.mosaic.summary`` (one line), ``vnd.mosaic.environment`` and
``vnd.mosaic.verdict`` (reports). A decision never trusts them alone:
:class:`~mosaic_sdk.release.RegistryEvidence` reads the report itself before a
promotion counts it.

This module holds the media types, the annotations of each kind and the listing
(:class:`EvidenceItem`, :class:`AttachedEvidence`); the I/O is in
``release/_async/attached.py``.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import datetime
from typing import Any

import attrs

from mosaic_sdk._render import FieldsRepr, JSONResult, md_code, md_escape, md_table
from mosaic_sdk.errors import InvalidValueError
from mosaic_sdk.registry._models import ANNOTATION_CREATED, Descriptor
from mosaic_sdk.release._promotion import PromotionRecord
from mosaic_sdk.release._scan import ScanReport
from mosaic_sdk.release._validation import ValidationReport
from mosaic_sdk.values import Digest, ImageReference

__all__ = [
    "PROMOTION_RECORD_TYPE",
    "SCAN_REPORT_TYPE",
    "VALIDATION_REPORT_TYPE",
    "AttachedEvidence",
    "EvidenceItem",
]

#: ``artifactType`` of an attached :class:`~mosaic_sdk.release.ValidationReport`.
VALIDATION_REPORT_TYPE = "application/vnd.mosaic.validation-report.v1+json"
#: ``artifactType`` of an attached :class:`~mosaic_sdk.release.PromotionRecord`.
PROMOTION_RECORD_TYPE = "application/vnd.mosaic.promotion-record.v1+json"
#: ``artifactType`` of an attached vulnerability report (Trivy, Grype or SARIF, as written).
SCAN_REPORT_TYPE = "application/vnd.mosaic.scan-report.v1+json"

ANNOTATION_SUMMARY = "vnd.mosaic.summary"
ANNOTATION_ENVIRONMENT = "vnd.mosaic.environment"
ANNOTATION_VERDICT = "vnd.mosaic.verdict"
ANNOTATION_SCANNER = "vnd.mosaic.scanner"

KINDS: Mapping[str, str] = {
    VALIDATION_REPORT_TYPE: "validation report",
    PROMOTION_RECORD_TYPE: "promotion record",
    SCAN_REPORT_TYPE: "scan report",
}


def report_subject(report: ValidationReport) -> Digest:
    """The digest ``report`` validated (its ``image`` is ``repo@sha256:...``).

    Raises:
        InvalidValueError: the report's image is not pinned by digest.
    """
    image = ImageReference.parse(report.image)
    if image.digest is None:
        raise InvalidValueError(
            report.image,
            "the report's image is not pinned by digest",
            "validate ImageReference.parse('repo@sha256:...') so the report names its digest",
        )
    return image.digest


def report_annotations(report: ValidationReport) -> dict[str, str]:
    """The annotations of an attached validation report."""
    notes = {
        ANNOTATION_SUMMARY: report.headline(),
        ANNOTATION_VERDICT: report.verdict.value,
    }
    if report.environment:
        notes[ANNOTATION_ENVIRONMENT] = report.environment
    return notes


def scan_annotations(report: ScanReport) -> dict[str, str]:
    """The annotations of an attached scan report: the format and a count by severity."""
    counts: dict[str, int] = {}
    for finding in report.findings:
        counts[finding.severity.value] = counts.get(finding.severity.value, 0) + 1
    by = ", ".join(f"{n} {name}" for name, n in sorted(counts.items()))
    found = f"{len(report.findings)} findings ({by})" if by else "no findings"
    return {
        ANNOTATION_SUMMARY: f"{report.format} report by {report.scanner}: {found}",
        ANNOTATION_SCANNER: report.format,
    }


def scan_subject(report: ScanReport, digest: Digest | None) -> Digest:
    """The digest a scan report is attached to: ``digest`` (which the report must name),
    else the one digest it names.

    Raises:
        InvalidValueError: the report does not name ``digest``, or names none or several.
    """
    if digest is not None:
        if not report.names(digest):
            raise InvalidValueError(
                str(digest),
                f"the scan report {report.source} is for {report.identity()}",
                "attach a report to the digest it scanned",
            )
        return digest
    if len(set(report.digests)) != 1:
        raise InvalidValueError(
            report.source,
            f"the scan report names {len(set(report.digests))} image digests",
            "pass digest= to say which image it is attached to",
        )
    return report.digests[0]


def record_annotations(record: PromotionRecord) -> dict[str, str]:
    """The annotations of an attached promotion record (its environment is its tag)."""
    return {ANNOTATION_SUMMARY: record.message, ANNOTATION_ENVIRONMENT: record.tag}


@attrs.frozen
class EvidenceItem(FieldsRepr):
    """One artifact attached to a digest, as its referrers list describes it.

    Attributes:
        kind: ``validation report``, ``promotion record``, or the artifact type itself
            for artifacts of other tools (signatures, SBOMs).
        artifact_type: the ``artifactType`` (``None`` when the list gives none).
        digest: the artifact manifest's digest.
        created: when it was attached (the ``org.opencontainers.image.created``
            annotation), ``None`` when not annotated.
        summary: its one-line summary annotation (``""`` when none).
        environment: the environment it speaks of (``""`` when none).
        verdict: a report's verdict annotation, else ``None``.
    """

    kind: str
    artifact_type: str | None
    digest: Digest
    created: datetime | None
    summary: str
    environment: str = ""
    verdict: str | None = None

    @classmethod
    def from_descriptor(cls, descriptor: Descriptor) -> EvidenceItem:
        """Read one entry of a referrers list."""
        notes = descriptor.annotations
        artifact_type = descriptor.artifact_type
        created: datetime | None = None
        raw = notes.get(ANNOTATION_CREATED)
        if raw:
            try:
                created = datetime.fromisoformat(raw.replace("Z", "+00:00"))
            except ValueError:
                created = None
        return cls(
            kind=KINDS.get(artifact_type or "", artifact_type or "artifact"),
            artifact_type=artifact_type,
            digest=descriptor.digest,
            created=created,
            summary=notes.get(ANNOTATION_SUMMARY, ""),
            environment=notes.get(ANNOTATION_ENVIRONMENT, ""),
            verdict=notes.get(ANNOTATION_VERDICT),
        )

    def __str__(self) -> str:
        when = self.created.isoformat(timespec="seconds") if self.created else "(no date)"
        where = f" [{self.environment}]" if self.environment else ""
        return (
            f"{self.kind}{where} {when} {self.digest.algorithm}:{self.digest.short}: {self.summary}"
        )

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready dict."""
        return {
            "kind": self.kind,
            "artifact_type": self.artifact_type,
            "digest": str(self.digest),
            "created": None if self.created is None else self.created.isoformat(),
            "summary": self.summary,
            "environment": self.environment,
            "verdict": self.verdict,
        }


def _order(item: EvidenceItem) -> tuple[bool, str]:
    return (item.created is None, item.created.isoformat() if item.created else "")


@attrs.frozen
class AttachedEvidence(FieldsRepr, JSONResult):
    """What is attached to one digest, oldest first (undated artifacts last).

    Attributes:
        repository: the repository.
        subject: the image digest.
        items: one :class:`EvidenceItem` per artifact.
    """

    repository: str
    subject: Digest
    items: tuple[EvidenceItem, ...]

    @classmethod
    def from_descriptors(
        cls, repository: str, subject: Digest, descriptors: Iterable[Descriptor]
    ) -> AttachedEvidence:
        """Build the listing from a referrers list."""
        items = sorted((EvidenceItem.from_descriptor(d) for d in descriptors), key=_order)
        return cls(repository=repository, subject=subject, items=tuple(items))

    @property
    def ok(self) -> bool:
        """True when anything is attached."""
        return bool(self.items)

    def of_type(self, artifact_type: str) -> tuple[EvidenceItem, ...]:
        """The items of ``artifact_type``, oldest first."""
        return tuple(i for i in self.items if i.artifact_type == artifact_type)

    def __len__(self) -> int:
        return len(self.items)

    def __str__(self) -> str:
        head = f"{self.repository}@{self.subject}: "
        if not self.items:
            return head + "nothing attached"
        lines = [head + f"{len(self.items)} attached"]
        lines += [f"  {item}" for item in self.items]
        return "\n".join(lines)

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready dict: the subject and every item."""
        return {
            "repository": self.repository,
            "subject": str(self.subject),
            "items": [item.to_dict() for item in self.items],
        }

    def _repr_markdown_(self) -> str:
        rows = [
            (
                md_escape(i.kind),
                md_code(i.created.isoformat(timespec="seconds") if i.created else "-"),
                md_code(f"{i.digest.algorithm}:{i.digest.short}"),
                md_escape(i.summary),
            )
            for i in self.items
        ]
        head = f"**{md_escape(self.repository)}@{md_code(self.subject)}**\n\n"
        return head + md_table(["type", "created", "digest", "summary"], rows) + "\n"
