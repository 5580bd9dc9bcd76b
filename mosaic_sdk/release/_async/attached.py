"""The I/O of evidence attached to a digest, written once: :class:`AsyncRegistryEvidence`
attaches validation reports and promotion records to image digests and reads them back.

``scripts/gen_sync.py`` generates ``release/_sync/attached.py``
(:class:`AsyncRegistryEvidence` over an :class:`~mosaic_sdk.registry.AsyncImageRegistry`).
The media types, annotations and listings live in ``mosaic_sdk.release._attached``.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from mosaic_sdk._core._repr import safe_repr
from mosaic_sdk.errors import EvidenceMissingError, InvalidValueError, MosaicError, NotFoundError
from mosaic_sdk.registry._async.referrers import (
    DEFAULT_SETTLE,
    aattach_artifact,
    alist_referrers,
    check_settle,
)
from mosaic_sdk.registry._models import Descriptor
from mosaic_sdk.registry._names import as_digest, validate_repository
from mosaic_sdk.registry._protocol import AsyncImageRegistry
from mosaic_sdk.release._attached import (
    PROMOTION_RECORD_TYPE,
    SCAN_REPORT_TYPE,
    VALIDATION_REPORT_TYPE,
    AttachedEvidence,
    EvidenceItem,
    record_annotations,
    report_annotations,
    report_subject,
    scan_annotations,
    scan_subject,
)
from mosaic_sdk.release._promotion import PromotionRecord, _utc_now
from mosaic_sdk.release._scan import ScanReport
from mosaic_sdk.release._validation import ValidationReport
from mosaic_sdk.values import Digest

__all__ = ["AsyncRegistryEvidence"]


class AsyncRegistryEvidence:
    """Evidence attached to the image digests of one repository, in the registry.

    Each attach stores an OCI 1.1 artifact whose ``subject`` is the digest: through the
    referrers API where the registry has it, through the referrers tag schema
    (``sha256-<hex>``) where it does not - distribution 2.8 - or on an OCI layout.

    Args:
        registry: any :class:`~mosaic_sdk.registry.AsyncImageRegistry`
            (:class:`~mosaic_sdk.registry.AsyncRegistryClient`,
            :class:`~mosaic_sdk.registry.AsyncOCILayout`, a test registry).
        repository: the repository, e.g. ``team/app``.
        settle: seconds each attach waits to check that a concurrent attach did not drop
            its entry from the referrers tag (see ``mosaic_sdk.registry``).
        clock: returns the current time (the ``created`` annotation), for tests.

    Example::

        evidence = AsyncRegistryEvidence(registry, "team/app")
        await evidence.attach_validation(report)           # report of team/app@sha256:...
        print(await evidence.show(report_digest))
    """

    def __init__(
        self,
        registry: AsyncImageRegistry,
        repository: str,
        *,
        settle: float = DEFAULT_SETTLE,
        clock: Callable[[], datetime] | None = None,
    ) -> None:
        self.registry = registry
        self.repository = validate_repository(repository)
        self.settle, _ = check_settle(settle, 1)
        self._clock = clock or _utc_now

    @safe_repr
    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.registry!r}, {self.repository!r})"

    async def _attach(
        self, subject: Digest, data: bytes, artifact_type: str, annotations: dict[str, str]
    ) -> EvidenceItem:
        descriptor = await aattach_artifact(
            self.registry,
            self.repository,
            subject,
            data,
            artifact_type=artifact_type,
            annotations=annotations,
            created=self._clock(),
            settle=self.settle,
        )
        return EvidenceItem.from_descriptor(descriptor)

    async def attach_validation(
        self, report: ValidationReport, *, digest: Digest | str | None = None
    ) -> EvidenceItem:
        """Attach ``report`` (its JSON) to the digest it validated and return the entry.

        Args:
            report: a :class:`~mosaic_sdk.release.ValidationReport`.
            digest: the image digest; defaults to the digest of the report's image.

        Raises:
            InvalidValueError: not a report, or ``digest`` differs from the report's.
            NotFoundError: the digest is not in the repository.
        """
        if not isinstance(report, ValidationReport):
            raise InvalidValueError(
                type(report).__name__,
                "is not a ValidationReport",
                "pass what PostDeployValidation.run() returned",
            )
        subject = report_subject(report)
        if digest is not None and as_digest(digest) != subject:
            raise InvalidValueError(
                str(digest),
                f"the report validated {subject}",
                "attach a report to the digest it validated",
            )
        data = report.to_json(indent=None).encode()
        return await self._attach(subject, data, VALIDATION_REPORT_TYPE, report_annotations(report))

    async def attach_promotion(self, record: PromotionRecord) -> EvidenceItem:
        """Attach ``record`` (its JSON) to the digest it promoted (``digest_after``).

        Raises:
            InvalidValueError: not a record, or one of another repository.
        """
        if not isinstance(record, PromotionRecord):
            raise InvalidValueError(
                type(record).__name__,
                "is not a PromotionRecord",
                "pass what Promotion.promote() returned",
            )
        if record.repository != self.repository:
            raise InvalidValueError(
                record.repository,
                f"is the record's repository, not {self.repository!r}",
                f"attach it with RegistryEvidence(registry, {record.repository!r})",
            )
        data = record.to_json(indent=None).encode()
        return await self._attach(
            record.digest_after, data, PROMOTION_RECORD_TYPE, record_annotations(record)
        )

    async def attach_scan(
        self,
        data: bytes | str,
        *,
        digest: Digest | str | None = None,
        source: str = "<report>",
    ) -> EvidenceItem:
        """Attach a vulnerability report - Trivy JSON, Grype JSON or SARIF, the bytes the
        scanner wrote - to the digest it scanned and return the entry.

        Args:
            data: the report's text or bytes (checked with
                :meth:`~mosaic_sdk.release.ScanReport.parse`, stored unchanged).
            digest: the image digest; defaults to the one digest the report names.
            source: the report's name in errors (a file name).

        Raises:
            ScanFileError: not a report of one of the three formats.
            InvalidValueError: the report does not name ``digest`` (or names no single
                digest and none is given).
        """
        raw = data.encode() if isinstance(data, str) else bytes(data)
        report = ScanReport.parse(raw, source=source)
        subject = scan_subject(report, None if digest is None else as_digest(digest))
        return await self._attach(subject, raw, SCAN_REPORT_TYPE, scan_annotations(report))

    async def referrers(
        self, digest: Digest | str, *, artifact_type: str | None = None
    ) -> list[Descriptor]:
        """The raw referrers of ``digest`` (every tool's artifacts, not only ours)."""
        return await alist_referrers(
            self.registry, self.repository, as_digest(digest), artifact_type=artifact_type
        )

    async def show(self, digest: Digest | str) -> AttachedEvidence:
        """What is attached to ``digest``: type, created, digest and summary of each
        artifact, from the referrers list alone (no blob reads)."""
        subject = as_digest(digest)
        found = await self.referrers(subject)
        return AttachedEvidence.from_descriptors(self.repository, subject, found)

    async def validation_reports(self, digest: Digest | str) -> list[ValidationReport]:
        """The validation reports attached to ``digest``, read from their blobs (newest
        first); an artifact that cannot be read or names another digest is skipped."""
        subject = as_digest(digest)
        reports: list[ValidationReport] = []
        for data in await self._payloads(subject, VALIDATION_REPORT_TYPE):
            try:
                report = ValidationReport.from_json(data)
                if report_subject(report) == subject:
                    reports.append(report)
            except InvalidValueError:
                continue
        return reports

    async def scan_reports(self, digest: Digest | str) -> list[ScanReport]:
        """The scan reports attached to ``digest`` that name it, parsed (newest first);
        an artifact that cannot be read is skipped."""
        subject = as_digest(digest)
        reports: list[ScanReport] = []
        for data in await self._payloads(subject, SCAN_REPORT_TYPE):
            try:
                report = ScanReport.parse(data, source=f"scan report attached to {subject}")
            except InvalidValueError:
                continue
            if report.names(subject):
                reports.append(report)
        return reports

    async def _payloads(self, subject: Digest, artifact_type: str) -> list[bytes]:
        """The layer bytes of each artifact of ``artifact_type`` attached to ``subject``,
        newest first; artifacts that are not one-layer manifests are skipped."""
        descriptors = await self.referrers(subject, artifact_type=artifact_type)
        items = AttachedEvidence.from_descriptors(self.repository, subject, descriptors).items
        found: list[bytes] = []
        for item in reversed(items):
            try:
                manifest = await self.registry.get_manifest(self.repository, str(item.digest))
                if len(manifest.layers) != 1:
                    continue
                found.append(
                    await self.registry.get_blob(self.repository, manifest.layers[0].digest)
                )
            except (NotFoundError, InvalidValueError):
                continue
        return found

    async def require_validation(
        self, digest: Digest | str, *, environment: str = "testing", action: str = ""
    ) -> ValidationReport:
        """The newest passing validation report from ``environment`` attached to
        ``digest``.

        Raises:
            EvidenceMissingError: there is none; the message lists what is attached and
                how to attach a report.
        """
        report, _ = await self.require(digest, environment=environment, action=action)
        assert report is not None
        return report

    async def require(
        self,
        digest: Digest | str,
        *,
        environment: str = "testing",
        scan: bool = False,
        action: str = "",
    ) -> tuple[ValidationReport, ScanReport | None]:
        """The evidence a move to prod needs: the newest passing validation report from
        ``environment``, and with ``scan`` a scan report naming the digest.

        Raises:
            EvidenceMissingError: something is missing; one error names all of it, what
                is attached instead, and how to attach each.
        """
        subject = as_digest(digest)
        image = f"{self.repository}@{subject}"
        lead = f"{action or 'no evidence for'} {image}"
        needs = [f"a passing validation report from {environment}"]
        if scan:
            needs.append("a scan report naming the digest")
        try:
            reports = await self.validation_reports(subject)
            scans = await self.scan_reports(subject) if scan else []
        except MosaicError as exc:
            raise EvidenceMissingError(
                f"{lead}: the attached evidence could not be read ({exc}); check the "
                "registry and try again",
                digest=subject,
                missing=tuple(needs),
            ) from exc
        report = next((r for r in reports if r.ok and r.environment == environment), None)
        missing: list[str] = []
        found: list[str] = []
        fixes: list[str] = []
        if report is None:
            missing.append(needs[0])
            seen = [
                f"{r.verdict.value} from {r.environment or '(no environment)'}" for r in reports
            ]
            found.append(
                f"attached: {', '.join(seen)}" if seen else "no validation report is attached"
            )
            fixes.append(
                f"validate it in {environment} and attach the report: 'mosaic validate "
                f"{image} --environment {environment} ... --attach --registry URL', or "
                "RegistryEvidence(registry, repository).attach_validation(report)"
            )
        if scan and not scans:
            missing.append(needs[1])
            found.append("no scan report naming it is attached")
            fixes.append(
                f"scan it and attach the report: 'mosaic promote {subject} --to testing "
                "--scan-report trivy.json --attach', or "
                "RegistryEvidence(registry, repository).attach_scan(report_bytes)"
            )
        if missing:
            raise EvidenceMissingError(
                f"{lead}: it needs {' and '.join(missing)} attached to the digest "
                f"({'; '.join(found)}); {'; '.join(fixes)}",
                digest=subject,
                missing=tuple(missing),
            )
        assert report is not None
        return report, scans[0] if scans else None
