"""Evidence attached to the digest (RegistryEvidence) and Promotion(require_evidence=True),
on the in-memory registry and an OCI layout; the real registry is in
tests/integration/test_evidence_registry.py."""

from __future__ import annotations

import asyncio
import json
import re
from datetime import datetime, timedelta, timezone
from pathlib import Path

import attrs
import pytest

from mosaic_sdk import (
    PROMOTION_RECORD_TYPE,
    VALIDATION_REPORT_TYPE,
    AsyncPromotion,
    AsyncRegistryEvidence,
    AttachedEvidence,
    ConfigurationError,
    EvidenceMissingError,
    ImageReference,
    InvalidValueError,
    PostDeployValidation,
    Promotion,
    PromotionError,
    RegistryEvidence,
    ReleaseResult,
    ScanFileError,
    ScanGate,
    ScanReport,
    ValidationReport,
    Verdict,
)
from mosaic_sdk.registry import AsyncOCILayout, OCILayout, referrers_tag
from mosaic_sdk.release import release
from mosaic_sdk.testing import InMemoryRegistry, push_image
from mosaic_sdk.values import Digest
from tests._support.release_fakes import Scripted, World, validation_report
from tests._support.scan_fixtures import Vuln, trivy_json

REPO = "team/app"
T0 = datetime(2026, 12, 2, 14, 0, tzinfo=timezone.utc)


def report_for(
    digest: Digest, *, environment: str = "testing", verdict: Verdict = Verdict.PASSED
) -> ValidationReport:
    image = f"registry.example/{REPO}@{digest}"
    return validation_report(image, environment=environment, verdict=verdict, at=T0)


class Clock:
    def __init__(self) -> None:
        self.now = T0

    def __call__(self) -> datetime:
        self.now += timedelta(minutes=1)
        return self.now


@pytest.fixture
def registry() -> InMemoryRegistry:
    return InMemoryRegistry()


def _ready(registry: InMemoryRegistry) -> tuple[Promotion, Digest]:
    image = push_image(registry, REPO, "sha-1234567")
    promotion = Promotion(registry, REPO, actor="ci", require_evidence=True)
    promotion.promote(image.digest, to="testing")
    promotion.promote(image.digest, to="staging")
    return promotion, image.digest


def test_a_report_round_trips_through_the_registry(registry: InMemoryRegistry) -> None:
    image = push_image(registry, REPO, "sha-1234567")
    evidence = RegistryEvidence(registry, REPO, settle=0, clock=Clock())
    report = report_for(image.digest)
    item = evidence.attach_validation(report)
    assert item.kind == "validation report"
    assert item.artifact_type == VALIDATION_REPORT_TYPE
    assert item.environment == "testing"
    assert item.verdict == "passed"
    assert item.created == T0 + timedelta(minutes=1)
    assert item.summary == report.headline()
    assert evidence.validation_reports(image.digest) == [report]
    assert referrers_tag(image.digest) in registry.list_tags(REPO)


def test_show_lists_reports_and_records_oldest_first(registry: InMemoryRegistry) -> None:
    promotion, digest = _ready(registry)
    evidence = RegistryEvidence(registry, REPO, settle=0, clock=Clock())
    evidence.attach_validation(report_for(digest))
    record = promotion.promote(digest, to="prod")
    evidence.attach_promotion(record)
    shown = evidence.show(digest)
    assert isinstance(shown, AttachedEvidence)
    assert [i.kind for i in shown.items] == ["validation report", "promotion record"]
    assert [i.artifact_type for i in shown.items] == [VALIDATION_REPORT_TYPE, PROMOTION_RECORD_TYPE]
    assert shown.items[1].summary == record.message
    assert shown.items[1].environment == "prod"
    text = str(shown)
    assert f"{REPO}@{digest}: 2 attached" in text
    assert "promotion record [prod]" in text
    data = json.loads(shown.to_json())
    assert data["subject"] == str(digest)
    assert [i["kind"] for i in data["items"]] == ["validation report", "promotion record"]
    assert "| validation report |" in shown._repr_markdown_()


def test_nothing_attached_shows_so(registry: InMemoryRegistry) -> None:
    image = push_image(registry, REPO, "sha-1234567")
    shown = RegistryEvidence(registry, REPO).show(image.digest)
    assert not shown.ok
    assert str(shown).endswith("nothing attached")


def test_wrong_inputs_are_typed_errors(registry: InMemoryRegistry) -> None:
    image = push_image(registry, REPO, "sha-1234567")
    other = push_image(registry, REPO, "sha-7654321")
    evidence = RegistryEvidence(registry, REPO, settle=0)
    with pytest.raises(InvalidValueError, match="not a ValidationReport"):
        evidence.attach_validation("passed")  # type: ignore[arg-type]
    with pytest.raises(InvalidValueError, match="validated"):
        evidence.attach_validation(report_for(image.digest), digest=other.digest)
    with pytest.raises(InvalidValueError, match="not a PromotionRecord"):
        evidence.attach_promotion({"tag": "prod"})  # type: ignore[arg-type]
    unpinned = attrs.evolve(report_for(image.digest), image="team/app:v1")
    with pytest.raises(InvalidValueError, match="not pinned by digest"):
        evidence.attach_validation(unpinned)


# -- Promotion(require_evidence=True) ---------------------------------------------------


def test_prod_is_refused_without_any_report(registry: InMemoryRegistry) -> None:
    promotion, digest = _ready(registry)
    with pytest.raises(EvidenceMissingError) as caught:
        promotion.plan_promotion(digest, to="prod")
    error = caught.value
    assert isinstance(error, PromotionError)
    assert error.digest == digest
    assert error.missing == ("a passing validation report from testing",)
    message = str(error)
    assert f"refusing to move {REPO}:prod to {REPO}@{digest}" in message
    assert "no validation report is attached" in message
    assert "--attach" in message
    assert "attach_validation(report)" in message
    assert promotion.current("prod") is None


@pytest.mark.parametrize(
    ("environment", "verdict", "found"),
    [
        ("testing", Verdict.FAILED, "failed from testing"),
        ("testing", Verdict.INCONCLUSIVE, "inconclusive from testing"),
        ("staging", Verdict.PASSED, "passed from staging"),
        ("", Verdict.PASSED, "passed from (no environment)"),
    ],
)
def test_prod_is_refused_with_a_report_that_does_not_count(
    registry: InMemoryRegistry, environment: str, verdict: Verdict, found: str
) -> None:
    promotion, digest = _ready(registry)
    evidence = RegistryEvidence(registry, REPO, settle=0)
    evidence.attach_validation(report_for(digest, environment=environment, verdict=verdict))
    with pytest.raises(EvidenceMissingError, match=re.escape(f"attached: {found}")):
        promotion.promote(digest, to="prod")


def test_prod_moves_with_a_passing_report_from_testing(registry: InMemoryRegistry) -> None:
    promotion, digest = _ready(registry)
    evidence = RegistryEvidence(registry, REPO, settle=0)
    evidence.attach_validation(report_for(digest, verdict=Verdict.FAILED))
    evidence.attach_validation(report_for(digest))
    plan = promotion.plan_promotion(digest, to="prod")
    assert plan.checks[-1].startswith("a passing validation report from testing is attached")
    assert promotion.apply(plan).digest_after == digest
    # a repeat is a no-op and needs no evidence read
    registry.reset_calls()
    assert promotion.promote(digest, to="prod").noop
    assert registry.count("get_blob") == 0


def test_a_report_of_another_digest_does_not_count(registry: InMemoryRegistry) -> None:
    promotion, digest = _ready(registry)
    other = push_image(registry, REPO, "sha-7654321")
    # An artifact listed for `digest` whose report speaks of `other`: a copy-paste
    # mistake or a forgery; the annotations alone would say "passed".
    from mosaic_sdk.registry import attach_artifact
    from mosaic_sdk.release._attached import report_annotations

    foreign = report_for(other.digest)
    attach_artifact(
        registry,
        REPO,
        digest,
        foreign.to_json().encode(),
        artifact_type=VALIDATION_REPORT_TYPE,
        annotations=report_annotations(foreign),
        settle=0,
    )
    with pytest.raises(EvidenceMissingError, match="no validation report is attached"):
        promotion.promote(digest, to="prod")


def test_testing_and_staging_need_no_evidence_and_the_default_is_off(
    registry: InMemoryRegistry,
) -> None:
    promotion, digest = _ready(registry)  # testing and staging moved without any
    assert promotion.current("staging") == digest
    plain = Promotion(registry, REPO, actor="ci")
    assert plain.require_evidence is False
    assert plain.promote(digest, to="prod").digest_after == digest


def test_a_slot_switch_to_prod_is_checked_too(registry: InMemoryRegistry) -> None:
    promotion, digest = _ready(registry)
    promotion.deploy_to_idle_slot(digest)  # a slot is not prod: allowed
    with pytest.raises(EvidenceMissingError):
        promotion.switch("blue")
    RegistryEvidence(registry, REPO, settle=0).attach_validation(report_for(digest))
    assert promotion.switch("blue").digest_after == digest


def test_require_evidence_must_be_a_bool(registry: InMemoryRegistry) -> None:
    with pytest.raises(InvalidValueError, match="require_evidence"):
        Promotion(registry, REPO, require_evidence="yes")  # type: ignore[arg-type]


def test_async_promotion_and_evidence_on_an_oci_layout(tmp_path: Path) -> None:
    layout = OCILayout(tmp_path, gc_grace=0)
    image = push_image(layout, REPO, "sha-1234567")

    async def main() -> str:
        async with AsyncOCILayout(layout) as registry:
            promotion = AsyncPromotion(
                registry, REPO, actor="ci", environments=("testing", "prod"), require_evidence=True
            )
            await promotion.promote(image.digest, to="testing")
            with pytest.raises(EvidenceMissingError):
                await promotion.promote(image.digest, to="prod")
            evidence = AsyncRegistryEvidence(registry, REPO, settle=0)
            await evidence.attach_validation(report_for(image.digest))
            record = await promotion.promote(image.digest, to="prod")
            await evidence.attach_promotion(record)
            return str(await evidence.show(image.digest))

    shown = asyncio.run(main())
    assert "validation report [testing]" in shown
    assert "promotion record [prod]" in shown


def test_the_report_keeps_its_environment_through_json() -> None:
    report = report_for(Digest.from_bytes(b"x", "sha256"), environment="staging")
    again = ValidationReport.from_json(report.to_json())
    assert again.environment == "staging"
    older = json.loads(report.to_json())
    del older["environment"]  # reports written before the field existed
    assert ValidationReport.from_dict(older).environment == ""


# -- release(..., attach_evidence=True) ------------------------------------------------


def _release(world: World, image: ImageReference, **kwargs: object) -> ReleaseResult:
    return release(
        image,
        validation=PostDeployValidation([Scripted(Verdict.PASSED)]),
        promotion=world.promotion,
        slots=world.slots,
        base_url={"blue": "http://blue.test", "green": "http://green.test"},
        **kwargs,  # type: ignore[arg-type]
    )


def test_release_attaches_its_reports_and_records_when_asked(tmp_path: Path) -> None:
    world = World(tmp_path)
    image = world.to_testing("good1")
    steps: list[str] = []
    result = _release(world, image, attach_evidence=True, on_step=lambda s: steps.append(s.name))
    assert result.released
    last = result.steps[-1]
    assert (last.name, last.status) == ("attach evidence", "done")
    assert steps[-1] == "attach evidence"
    shown = RegistryEvidence(world.registry, "team/web").show(image.digest)
    kinds = [i.kind for i in shown.items]
    assert kinds.count("validation report") == len(result.reports) == 1
    assert kinds.count("promotion record") == len([r for r in result.promotions if not r.noop])
    assert {i.environment for i in shown.of_type(PROMOTION_RECORD_TYPE)} >= {"prod"}


def test_release_attaches_nothing_by_default(tmp_path: Path) -> None:
    world = World(tmp_path)
    image = world.to_testing("good1")
    result = _release(world, image)
    assert result.released
    assert all(s.name != "attach evidence" for s in result.steps)
    assert not RegistryEvidence(world.registry, "team/web").show(image.digest).ok


def test_release_attach_needs_a_promotion(tmp_path: Path) -> None:
    world = World(tmp_path)
    with pytest.raises(ConfigurationError, match="attach_evidence=True"):
        release(
            world.image("good1"),
            validation=PostDeployValidation([Scripted(Verdict.PASSED)]),
            slots=world.slots,
            attach_evidence=True,
        )


def test_unreadable_artifacts_are_skipped_not_fatal(registry: InMemoryRegistry) -> None:
    promotion, digest = _ready(registry)
    from mosaic_sdk.registry import attach_artifact

    unpinned = attrs.evolve(report_for(digest), image="team/app:v1")
    for junk in (b"not json", unpinned.to_json().encode()):
        attach_artifact(
            registry, REPO, digest, junk, artifact_type=VALIDATION_REPORT_TYPE, settle=0
        )
    with pytest.raises(EvidenceMissingError, match="no validation report is attached"):
        promotion.promote(digest, to="prod")
    RegistryEvidence(registry, REPO, settle=0).attach_validation(report_for(digest))
    assert promotion.promote(digest, to="prod").digest_after == digest


# -- with a scan gate: a scan report must be attached too ---------------------------------


def _trivy(digest: Digest, *vulns: Vuln) -> bytes:
    return json.dumps(trivy_json(f"registry.example/{REPO}", str(digest), vulns)).encode()


def test_with_a_scan_gate_prod_also_needs_an_attached_scan_report(
    registry: InMemoryRegistry,
) -> None:
    _, digest = _ready(registry)
    clean = _trivy(digest, Vuln("CVE-2024-0001", "zlib", "1.3", "1.3.1", "LOW"))
    gate = ScanGate(reports=[ScanReport.parse(clean, source="trivy.json")])
    promotion = Promotion(registry, REPO, actor="ci", require_evidence=True, scan_gate=gate)
    with pytest.raises(EvidenceMissingError) as caught:
        promotion.plan_promotion(digest, to="prod")
    assert caught.value.missing == (
        "a passing validation report from testing",
        "a scan report naming the digest",
    )
    assert "attach_scan(report_bytes)" in str(caught.value)

    evidence = RegistryEvidence(registry, REPO, settle=0)
    evidence.attach_validation(report_for(digest))
    with pytest.raises(EvidenceMissingError, match="no scan report naming it is attached") as only:
        promotion.plan_promotion(digest, to="prod")
    assert only.value.missing == ("a scan report naming the digest",)

    item = evidence.attach_scan(clean, source="trivy.json")
    assert item.kind == "scan report"
    assert item.summary.startswith("trivy report by Trivy ")
    assert item.summary.endswith(": 1 findings (1 low)")
    plan = promotion.plan_promotion(digest, to="prod")
    assert plan.checks[-1] == f"a trivy scan report of {digest} is attached"
    assert promotion.apply(plan).digest_after == digest
    (stored,) = evidence.scan_reports(digest)
    assert stored.names(digest)


def test_a_scan_report_of_another_digest_is_refused(registry: InMemoryRegistry) -> None:
    image = push_image(registry, REPO, "sha-1234567")
    other = push_image(registry, REPO, "sha-7654321")
    evidence = RegistryEvidence(registry, REPO, settle=0)
    with pytest.raises(InvalidValueError, match="attach a report to the digest it scanned"):
        evidence.attach_scan(_trivy(other.digest), digest=image.digest)
    with pytest.raises(ScanFileError):
        evidence.attach_scan(b'{"not": "a report"}')
