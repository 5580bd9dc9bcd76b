"""Evidence attached to the digest on Debian's docker-registry 2.8 (referrers tag schema)
and behind the referrers-API proxy: attach, list, promote with and without evidence,
and retention keeps what is attached to a kept digest."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime, timedelta, timezone

import pytest

from mosaic_sdk import (
    PROMOTION_RECORD_TYPE,
    VALIDATION_REPORT_TYPE,
    EvidenceMissingError,
    Promotion,
    RegistryEvidence,
    RetentionPolicy,
    ValidationReport,
    Verdict,
)
from mosaic_sdk.registry import RegistryClient, referrers_tag
from mosaic_sdk.testing import push_image
from mosaic_sdk.values import Digest
from tests._support.referrers_proxy import ReferrersAPIProxy
from tests._support.release_fakes import validation_report
from tests._support.servers import RegistryServer

pytestmark = pytest.mark.integration

NOW = datetime.now(timezone.utc)


def _report(
    repo: str, digest: Digest, environment: str, verdict: Verdict = Verdict.PASSED
) -> ValidationReport:
    return validation_report(f"{repo}@{digest}", environment=environment, verdict=verdict)


@pytest.fixture
def api_client(registry_server: RegistryServer) -> Iterator[RegistryClient]:
    proxy = ReferrersAPIProxy(registry_server.url).start()
    with RegistryClient(proxy.url) as client:
        yield client
    proxy.stop()


def test_promote_to_prod_with_and_without_evidence(registry: RegistryClient, repo: str) -> None:
    image = push_image(registry, repo, "sha-1234567", created=NOW)
    promotion = Promotion(registry, repo, actor="ci", require_evidence=True)
    promotion.promote(image.digest, to="testing")
    promotion.promote(image.digest, to="staging")
    evidence = RegistryEvidence(registry, repo, settle=0.2)

    with pytest.raises(EvidenceMissingError, match="no validation report is attached"):
        promotion.promote(image.digest, to="prod")
    evidence.attach_validation(_report(repo, image.digest, "testing", Verdict.FAILED))
    with pytest.raises(EvidenceMissingError, match="attached: failed from testing"):
        promotion.promote(image.digest, to="prod")
    assert promotion.current("prod") is None

    evidence.attach_validation(_report(repo, image.digest, "testing"))
    record = promotion.promote(image.digest, to="prod")
    assert record.digest_after == image.digest
    evidence.attach_promotion(record)

    shown = evidence.show(image.digest)
    assert [i.artifact_type for i in shown.items] == [
        VALIDATION_REPORT_TYPE,
        VALIDATION_REPORT_TYPE,
        PROMOTION_RECORD_TYPE,
    ]
    assert [i.verdict for i in shown.items] == ["failed", "passed", None]
    assert all(i.created is not None for i in shown.items)
    # What is on the registry: one referrers index under the tag schema's tag.
    tag = referrers_tag(image.digest)
    assert tag in registry.list_tags(repo)
    index = registry.get_manifest(repo, tag)
    assert [d.digest for d in index.manifests] == [i.digest for i in shown.items]


def test_evidence_through_the_referrers_api(api_client: RegistryClient, repo: str) -> None:
    image = push_image(api_client, repo, "sha-1234567", created=NOW)
    promotion = Promotion(api_client, repo, actor="ci", require_evidence=True)
    promotion.promote(image.digest, to="testing")
    evidence = RegistryEvidence(api_client, repo)
    evidence.attach_validation(_report(repo, image.digest, "testing"))
    assert api_client.referrers_api is True
    assert promotion.promote(image.digest, to="prod").digest_after == image.digest
    assert referrers_tag(image.digest) not in api_client.list_tags(repo)
    assert [i.kind for i in evidence.show(image.digest).items] == ["validation report"]


def test_retention_keeps_the_evidence_of_kept_digests_and_drops_the_rest(
    registry: RegistryClient, repo: str
) -> None:
    live = push_image(registry, repo, "sha-aaaaaa1", "prod", created=NOW - timedelta(days=90))
    stale = push_image(registry, repo, "sha-bbbbbb2", created=NOW - timedelta(days=90))
    evidence = RegistryEvidence(registry, repo, settle=0.2)
    kept_report = evidence.attach_validation(_report(repo, live.digest, "testing"))
    evidence.attach_validation(_report(repo, stale.digest, "testing"))

    plan = RetentionPolicy().plan(registry, repo)
    live_tag, stale_tag = referrers_tag(live.digest), referrers_tag(stale.digest)
    assert plan.decision(live_tag).verdict == "keep"
    assert plan.decision(stale_tag).verdict == "delete"
    assert set(plan.to_delete) == {"sha-bbbbbb2", stale_tag}
    result = plan.apply(registry)
    assert result.ok

    tags = registry.list_tags(repo)
    assert live_tag in tags
    assert stale_tag not in tags
    assert [i.digest for i in evidence.show(live.digest).items] == [kept_report.digest]
    assert evidence.validation_reports(live.digest)[0].ok
    assert evidence.show(stale.digest).items == ()


def test_retention_keeps_evidence_held_by_the_referrers_api(
    api_client: RegistryClient, repo: str
) -> None:
    live = push_image(api_client, repo, "sha-aaaaaa1", "prod", created=NOW - timedelta(days=90))
    push_image(api_client, repo, "sha-bbbbbb2", created=NOW - timedelta(days=90))
    evidence = RegistryEvidence(api_client, repo)
    attached = evidence.attach_validation(_report(repo, live.digest, "testing"))

    plan = RetentionPolicy().plan(api_client, repo)
    assert set(plan.to_delete) == {"sha-bbbbbb2"}
    assert plan.apply(api_client).ok
    # The artifact is untagged (the API lists it): retention never touched it.
    assert api_client.resolve(repo, str(attached.digest)) == attached.digest
    assert [i.digest for i in evidence.show(live.digest).items] == [attached.digest]
