"""The I/O of evidence attached to a digest, written once: :class:`AsyncRegistryEvidence`
attaches validation reports and promotion records to image digests and reads them back.

``scripts/gen_sync.py`` generates ``release/_sync/attached.py``
(:class:`AsyncRegistryEvidence` over an :class:`~mosaic_sdk.registry.AsyncImageRegistry`).
The media types, annotations and listings live in ``mosaic_sdk.release._attached``.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

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
    VALIDATION_REPORT_TYPE,
    AttachedEvidence,
    EvidenceItem,
    record_annotations,
    report_annotations,
    report_subject,
)
from mosaic_sdk.release._promotion import PromotionRecord, _utc_now
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
        descriptors = await self.referrers(subject, artifact_type=VALIDATION_REPORT_TYPE)
        items = AttachedEvidence.from_descriptors(self.repository, subject, descriptors).items
        reports: list[ValidationReport] = []
        for item in reversed(items):
            report = await self._read_report(item.digest, subject)
            if report is not None:
                reports.append(report)
        return reports

    async def _read_report(self, artifact: Digest, subject: Digest) -> ValidationReport | None:
        """The report artifact ``artifact`` holds, when it is one and validated ``subject``."""
        try:
            manifest = await self.registry.get_manifest(self.repository, str(artifact))
            layers = manifest.layers
            if len(layers) != 1:
                return None
            data = await self.registry.get_blob(self.repository, layers[0].digest)
            report = ValidationReport.from_json(data)
            return report if report_subject(report) == subject else None
        except (NotFoundError, InvalidValueError):
            return None

    async def require_validation(
        self, digest: Digest | str, *, environment: str = "testing", action: str = ""
    ) -> ValidationReport:
        """The newest passing validation report from ``environment`` attached to
        ``digest``.

        Raises:
            EvidenceMissingError: there is none; the message lists what is attached and
                how to attach a report.
        """
        subject = as_digest(digest)
        try:
            reports = await self.validation_reports(subject)
        except MosaicError as exc:
            raise EvidenceMissingError(
                f"{action or 'cannot check'} {self.repository}@{subject}: the attached "
                f"evidence could not be read ({exc}); check the registry and try again",
                digest=subject,
                missing=(f"a passing validation report from {environment}",),
            ) from exc
        for report in reports:
            if report.ok and report.environment == environment:
                return report
        seen = [f"{r.verdict.value} from {r.environment or '(no environment)'}" for r in reports]
        found = f"attached: {', '.join(seen)}" if seen else "no validation report is attached"
        image = f"{self.repository}@{subject}"
        raise EvidenceMissingError(
            f"{action or 'no evidence for'} {image}: it needs a passing validation report "
            f"from {environment} attached to the digest ({found}); validate it in "
            f"{environment} and attach the report: 'mosaic validate {image} --environment "
            f"{environment} ... --attach --registry URL', or "
            "RegistryEvidence(registry, repository).attach_validation(report)",
            digest=subject,
            missing=(f"a passing validation report from {environment}",),
        )
