"""``mosaic evidence show`` and ``promote --require-evidence --attach`` on an OCI layout
(the same commands against docker-registry: tests/integration/cli/test_cli_evidence.py)."""

from __future__ import annotations

from pathlib import Path

from mosaic_sdk.cli import EXIT_FAILURE, EXIT_OK
from mosaic_sdk.release import RegistryEvidence
from tests._support.cli_helpers import CLI, Images
from tests._support.release_fakes import validation_report
from tests._support.scan_fixtures import trivy_json, write


def test_show_on_a_layout_text_and_json(cli: CLI, images: Images) -> None:
    digest = images.rc2.digest
    pinned = f"{images.repository}@{digest}"
    empty = cli("evidence", "show", pinned, "--registry", str(images.root))
    assert empty.code == EXIT_OK
    assert empty.out.strip() == f"{pinned}: nothing attached"

    assert cli("promote", str(digest), "--to", "testing", *images.args).code == EXIT_OK
    refused = cli("promote", str(digest), "--to", "prod", "--require-evidence", *images.args)
    assert refused.code == EXIT_FAILURE
    assert "no validation report is attached" in refused.err

    evidence = RegistryEvidence(images.layout(), images.repository, settle=0)
    evidence.attach_validation(validation_report(pinned, environment="testing"))
    promoted = cli(
        "promote", str(digest), "--to", "prod", "--require-evidence", "--attach", *images.args
    )
    assert promoted.code == EXIT_OK, promoted.err
    assert "attached promotion record sha256:" in promoted.err

    shown = cli("evidence", "show", pinned, "--registry", str(images.root), "--json")
    assert shown.code == EXIT_OK
    items = shown.json()["items"]
    assert [(i["kind"], i["environment"]) for i in items] == [
        ("validation report", "testing"),
        ("promotion record", "prod"),
    ]


def test_a_noop_promotion_attaches_nothing(cli: CLI, images: Images) -> None:
    digest = images.rc2.digest
    assert cli("promote", str(digest), "--to", "testing", "--attach", *images.args).code == 0
    again = cli("promote", str(digest), "--to", "testing", "--attach", *images.args)
    assert again.code == EXIT_OK
    assert "attached" not in again.err
    shown = cli("evidence", "show", f"{images.repository}@{digest}", "--registry", str(images.root))
    assert shown.out.splitlines()[0].endswith(": 1 attached")


def test_promote_attaches_the_scan_report_and_prod_requires_it(
    cli: CLI, images: Images, tmp_path: Path
) -> None:
    digest = images.rc2.digest
    pinned = f"{images.repository}@{digest}"
    report = write(
        tmp_path / "trivy.json", trivy_json(f"registry.example/{pinned}", str(digest), [])
    )
    RegistryEvidence(images.layout(), images.repository, settle=0).attach_validation(
        validation_report(pinned, environment="testing")
    )
    to_testing = cli("promote", str(digest), "--to", "testing", *images.args)
    assert to_testing.code == EXIT_OK
    scan = ("--scan-report", str(report))
    refused = cli("promote", str(digest), "--to", "prod", "--require-evidence", *scan, *images.args)
    assert refused.code == EXIT_FAILURE
    assert "no scan report naming it is attached" in refused.err
    # attach it, with the record of a promotion that moves a pointer (blue here)
    idle = cli("promote", str(digest), "--idle-slot", "--attach", *scan, *images.args)
    assert idle.code == EXIT_OK, idle.err
    assert "attached scan report sha256:" in idle.err
    allowed = cli("promote", str(digest), "--to", "prod", "--require-evidence", *scan, *images.args)
    assert allowed.code == EXIT_OK, allowed.err
    shown = cli("evidence", "show", pinned, "--registry", str(images.root), "--json")
    kinds = [i["kind"] for i in shown.json()["items"]]
    assert kinds == ["validation report", "promotion record", "scan report"]
