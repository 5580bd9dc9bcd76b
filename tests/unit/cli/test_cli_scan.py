"""``mosaic promote --scan-report FILE --waivers FILE --min-severity LEVEL`` over an OCI
layout (the real-registry run is tests/integration/test_scan_gate_registry.py)."""

from __future__ import annotations

import json
from pathlib import Path

from mosaic_sdk.cli import EXIT_FAILURE, EXIT_OK, EXIT_USAGE
from mosaic_sdk.cli._images import _SEVERITIES
from mosaic_sdk.release._scan import THRESHOLDS
from tests._support.cli_helpers import CLI, Images
from tests._support.scan_fixtures import Vuln, grype_json, trivy_json, write

IMAGE = "registry.example/team/api"
HIGH = Vuln("CVE-2024-0727", "libssl3", "3.1.4-r2", "3.1.4-r5", "HIGH")


def _staged(cli: CLI, images: Images) -> str:
    cli("promote", "v1.4.0-rc.2", "--to", "testing", *images.args)
    cli("promote", "--from", "testing", "--to", "staging", *images.args)
    return str(images.rc2.digest)


def test_prod_is_refused_with_the_findings_then_allowed_by_a_waiver(
    cli: CLI, images: Images, tmp_path: Path
) -> None:
    digest = _staged(cli, images)
    report = write(tmp_path / "trivy.json", trivy_json(IMAGE, digest, [HIGH]))
    refused = cli("promote", "--from", "staging", "--to", "prod", "--scan-report", str(report),
                  *images.args)  # fmt: skip
    assert refused.code == EXIT_FAILURE
    assert "CVE-2024-0727 libssl3 3.1.4-r2 (high; fixed in 3.1.4-r5)" in refused.err
    assert "prod" not in images.layout().list_tags(images.repository)

    waivers = tmp_path / "waivers.toml"
    waivers.write_text(
        '[[waivers]]\nid = "CVE-2024-0727"\npackage = "libssl3"\n'
        'reason = "PKCS12 is not parsed"\nexpires = 2999-01-01\n'
    )
    allowed = cli("promote", "--from", "staging", "--to", "prod", "--scan-report", str(report),
                  "--waivers", str(waivers), *images.args, "--json")  # fmt: skip
    assert allowed.code == EXIT_OK, allowed.err
    assert allowed.json()["digest_after"] == digest
    assert images.layout().resolve(images.repository, "prod") == images.rc2.digest


def test_the_threshold_and_the_dry_run(cli: CLI, images: Images, tmp_path: Path) -> None:
    digest = _staged(cli, images)
    report = write(tmp_path / "grype.json", grype_json(IMAGE, digest, [HIGH]))
    args = ("--from", "staging", "--to", "prod", "--scan-report", str(report), *images.args)
    refused = cli("promote", *args, "--dry-run")
    assert refused.code == EXIT_FAILURE
    assert "CVE-2024-0727" in refused.err
    run = cli("promote", *args, "--min-severity", "critical", "--dry-run", "--json")
    assert run.code == EXIT_OK, run.err
    assert any(c.startswith("scan gate passed") for c in run.json()["checks"])
    assert "prod" not in images.layout().list_tags(images.repository)


def test_a_report_of_another_digest_is_refused(cli: CLI, images: Images, tmp_path: Path) -> None:
    _staged(cli, images)
    other = str(images.rc1.digest)
    report = write(tmp_path / "trivy.json", trivy_json(IMAGE, other, []))
    run = cli("promote", "--from", "staging", "--to", "prod", "--scan-report", str(report),
              *images.args)  # fmt: skip
    assert run.code == EXIT_FAILURE
    assert f"{report} is for {other}" in run.err


def test_other_environments_are_not_gated_and_say_so(
    cli: CLI, images: Images, tmp_path: Path
) -> None:
    report = write(tmp_path / "trivy.json", trivy_json(IMAGE, str(images.rc2.digest), [HIGH]))
    run = cli("promote", "v1.4.0-rc.2", "--to", "testing", "--scan-report", str(report),
              *images.args)  # fmt: skip
    assert run.code == EXIT_OK, run.err
    assert "scan gate: guards prod and its slots; testing is not checked" in run.err


def test_scan_options_misused_exit_2(cli: CLI, images: Images, tmp_path: Path) -> None:
    report = write(tmp_path / "trivy.json", trivy_json(IMAGE, str(images.rc2.digest), []))
    no_report = cli("promote", "v1.4.0-rc.2", "--to", "prod", "--waivers", "w.yaml", *images.args)
    assert no_report.code == EXIT_USAGE
    assert "--waivers configure the scan gate, which needs --scan-report" in no_report.err
    switch = cli("promote", "--switch", "blue", "--scan-report", str(report), *images.args)
    assert switch.code == EXIT_USAGE
    assert "--switch is not gated" in switch.err


def test_a_malformed_report_exits_2_naming_file_and_field(
    cli: CLI, images: Images, tmp_path: Path
) -> None:
    data = trivy_json(IMAGE, str(images.rc2.digest), [HIGH])
    data["Results"][0]["Vulnerabilities"][0]["Severity"] = 7
    report = tmp_path / "trivy.json"
    report.write_text(json.dumps(data))
    run = cli("promote", "v1.4.0-rc.2", "--to", "prod", "--scan-report", str(report),
              *images.args)  # fmt: skip
    assert run.code == EXIT_USAGE
    assert str(report) in run.err
    assert "Results[0].Vulnerabilities[0].Severity" in run.err


def test_the_cli_offers_the_thresholds_of_the_gate() -> None:
    assert _SEVERITIES == THRESHOLDS
