"""The scan gate on Debian's docker-registry 2.8: a digest with a HIGH finding is refused
prod (the registry's prod tag stays absent), then allowed once the finding is waived or a
rescan is clean; through the library and through ``mosaic promote``."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest

from mosaic_sdk import AsyncPromotion, Promotion, ScanGate, ScanGateError
from mosaic_sdk.cli import EXIT_FAILURE, EXIT_OK, main
from mosaic_sdk.errors import NotFoundError
from mosaic_sdk.registry import AsyncRegistryClient, RegistryClient
from mosaic_sdk.testing import push_image
from tests._support.scan_fixtures import Vuln, grype_sarif, trivy_json, write
from tests._support.servers import RegistryServer

pytestmark = pytest.mark.integration

HIGH = Vuln("CVE-2024-0727", "libssl3", "3.1.4-r2", "3.1.4-r5", "HIGH")
MEDIUM = Vuln("CVE-2024-2398", "curl", "8.5.0-r0", "8.7.1-r0", "MEDIUM")


def _prod(registry: RegistryClient, repo: str) -> object:
    try:
        return registry.resolve(repo, "prod")
    except NotFoundError:
        return None


def test_prod_is_refused_then_allowed_on_the_real_registry(
    registry: RegistryClient, registry_server: RegistryServer, repo: str, tmp_path: Path
) -> None:
    image = push_image(registry, repo, "v1.0.0-rc.1")
    digest = str(image.digest)
    name = f"{registry_server.url.split('://', 1)[1]}/{repo}"
    plain = Promotion(registry, repo, actor="ci")
    plain.promote(image.digest, to="testing")
    plain.promote(image.digest, to="staging")

    report = write(tmp_path / "trivy.json", trivy_json(name, digest, [HIGH, MEDIUM]))
    gated = Promotion(registry, repo, actor="ci", scan_gate=ScanGate(reports=[report]))
    with pytest.raises(ScanGateError) as caught:
        gated.promote_environment("staging", "prod")
    assert "CVE-2024-0727 libssl3 3.1.4-r2 (high; fixed in 3.1.4-r5)" in str(caught.value)
    assert "CVE-2024-2398" not in str(caught.value)
    assert _prod(registry, repo) is None  # nothing was written

    waivers = tmp_path / "waivers.yaml"
    waivers.write_text(
        "waivers:\n  - id: CVE-2024-0727\n    package: libssl3\n"
        "    reason: PKCS12 is never parsed\n    expires: 2999-01-01\n"
    )
    waived = Promotion(
        registry, repo, actor="ci", scan_gate=ScanGate(reports=[report], waivers=waivers)
    )
    record = waived.promote_environment("staging", "prod")
    assert str(record.digest_after) == digest
    assert registry.resolve(repo, "prod") == image.digest


def test_the_async_promotion_is_gated_alike(
    registry_server: RegistryServer, repo: str, tmp_path: Path
) -> None:
    asyncio.run(_async_gated(registry_server, repo, tmp_path))


async def _async_gated(registry_server: RegistryServer, repo: str, tmp_path: Path) -> None:
    async with AsyncRegistryClient(registry_server.url) as client:
        with RegistryClient(registry_server.url) as sync_client:
            image = push_image(sync_client, repo, "v1.0.0-rc.1")
        name = f"{registry_server.url.split('://', 1)[1]}/{repo}"
        # Grype's SARIF names the image only as the input it scanned (name@digest).
        report = write(tmp_path / "grype.sarif", grype_sarif(name, str(image.digest), [HIGH]))
        gate = ScanGate(reports=[report])
        promotion = AsyncPromotion(client, repo, actor="ci", environments=("testing", "prod"),
                                   scan_gate=gate)  # fmt: skip
        await promotion.promote(image.digest, to="testing")
        with pytest.raises(ScanGateError, match="CVE-2024-0727 libssl3"):
            await promotion.promote(image.digest, to="prod")
        assert await promotion.current("prod") is None
        clean = write(tmp_path / "rescan.sarif", grype_sarif(name, str(image.digest), [MEDIUM]))
        promotion.scan_gate = ScanGate(reports=[clean])
        record = await promotion.promote(image.digest, to="prod")
        assert record.digest_after == image.digest


def test_mosaic_promote_refuses_then_allows_on_the_real_registry(
    registry: RegistryClient,
    registry_server: RegistryServer,
    repo: str,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    image = push_image(registry, repo, "v1.0.0-rc.1")
    name = f"{registry_server.url.split('://', 1)[1]}/{repo}"
    where = ["--registry", registry_server.url, "--repository", repo, "--actor", "ci"]
    assert main(["promote", "v1.0.0-rc.1", "--to", "testing", *where]) == EXIT_OK
    dirty = write(tmp_path / "trivy.json", trivy_json(name, str(image.digest), [HIGH]))
    capsys.readouterr()
    code = main(["promote", "--from", "testing", "--to", "prod", "--scan-report", str(dirty),
                 "--environments", "testing,prod", *where])  # fmt: skip
    assert code == EXIT_FAILURE
    assert "CVE-2024-0727 libssl3 3.1.4-r2 (high; fixed in 3.1.4-r5)" in capsys.readouterr().err
    assert _prod(registry, repo) is None
    clean = write(tmp_path / "rescan.json", trivy_json(name, str(image.digest), [MEDIUM]))
    code = main(["promote", "--from", "testing", "--to", "prod", "--scan-report", str(clean),
                 "--environments", "testing,prod", *where])  # fmt: skip
    assert code == EXIT_OK, capsys.readouterr().err
    assert registry.resolve(repo, "prod") == image.digest
