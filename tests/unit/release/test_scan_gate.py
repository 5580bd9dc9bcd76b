"""The scan gate: Trivy JSON, Grype JSON and SARIF reports, waivers, and the decisions a
Promotion and release() take from them (no servers: InMemoryRegistry)."""

from __future__ import annotations

import copy
import json
from collections.abc import Callable
from datetime import date, datetime, timezone
from pathlib import Path
from typing import Any

import attrs
import pytest

from mosaic_sdk.errors import ConfigurationError, InvalidValueError, ScanFileError, ScanGateError
from mosaic_sdk.observability import MetricQuery, MetricReading
from mosaic_sdk.release import (
    AutoRollback,
    BlueGreen,
    Canary,
    MetricGate,
    PostDeployValidation,
    Promotion,
    ReleaseOutcome,
    ScanGate,
    ScanReport,
    ScanSeverity,
    Verdict,
    Waiver,
    Waivers,
    release,
)
from mosaic_sdk.testing import InMemoryRegistry, push_image
from mosaic_sdk.values import Digest
from tests._support.release_fakes import REPO, Scripted, SplitTarget, World
from tests._support.scan_fixtures import (
    REPORTS,
    Vuln,
    grype_json,
    grype_sarif,
    trivy_json,
    trivy_sarif,
    write,
)

IMAGE = "registry.example/team/app"
DIGEST = "sha256:" + "a1" * 32
OTHER = "sha256:" + "b2" * 32
TODAY = date(2026, 12, 2)

OPENSSL = Vuln("CVE-2024-0727", "libssl3", "3.1.4-r2", "3.1.4-r5", "HIGH")
CURL = Vuln("CVE-2024-2398", "curl", "8.5.0-r0", "8.7.1-r0", "MEDIUM")
ZLIB = Vuln("CVE-2023-45853", "zlib", "1.3-r2", "", "CRITICAL")
BUILDERS: dict[str, Callable[..., dict[str, Any]]] = {
    "trivy-json": trivy_json,
    "grype-json": grype_json,
    "trivy-sarif": trivy_sarif,
    "grype-sarif": grype_sarif,
}


def report(vulns: list[Vuln], digest: str = DIGEST, builder: str = "trivy-json") -> ScanReport:
    return ScanReport.parse(json.dumps(BUILDERS[builder](IMAGE, digest, vulns)), source=builder)


def fields(found: ScanReport) -> set[tuple[str, str, str, str, str]]:
    return {(f.id, f.package, f.installed, f.fixed, f.severity.value) for f in found.findings}


# -- parsing -----------------------------------------------------------------------------


@pytest.mark.parametrize("builder", sorted(BUILDERS))
def test_each_format_yields_the_same_findings_for_the_digest(builder: str) -> None:
    found = report([OPENSSL, CURL, ZLIB], builder=builder)
    assert found.names(Digest.parse(DIGEST))
    assert not found.names(Digest.parse(OTHER))
    assert fields(found) == {
        (v.id, v.package, v.installed, v.fixed, v.severity.lower()) for v in (OPENSSL, CURL, ZLIB)
    }
    assert found.format == builder.split("-")[0] if builder.endswith("json") else "sarif"


def test_trivy_golden_json_and_sarif_agree() -> None:
    # Trivy's own goldens of one scan, in both formats (tests/_support/scan_reports/README.md).
    from_json = ScanReport.from_file(REPORTS / "trivy-alpine-310.json")
    from_sarif = ScanReport.from_file(REPORTS / "trivy-alpine-310.sarif")
    raw = json.loads((REPORTS / "trivy-alpine-310.json").read_text())
    expected = {
        (v["VulnerabilityID"], v["PkgName"], v["InstalledVersion"], v["FixedVersion"])
        for r in raw["Results"]
        for v in r.get("Vulnerabilities", [])
    }
    assert {f[:4] for f in fields(from_json)} == expected
    assert fields(from_sarif) == fields(from_json)
    assert from_json.scanner == "Trivy dev"
    assert from_json.image_id == Digest.parse(raw["Metadata"]["ImageID"])
    # A tarball scan names no manifest digest, so it can be for no digest.
    assert from_json.digests == ()
    assert from_sarif.digests == ()
    assert "only the image id" in from_json.identity()


def test_grype_golden_json_gives_fix_versions_state_and_manifest_digest() -> None:
    found = ScanReport.from_file(REPORTS / "grype-image.json")
    by_id = {f.id: f for f in found.findings}
    assert set(by_id) == {"CVE-1999-0001", "CVE-1999-0002"}
    low, critical = by_id["CVE-1999-0001"], by_id["CVE-1999-0002"]
    assert (low.package, low.installed, low.severity) == ("package-1", "1.1.1", ScanSeverity.LOW)
    assert low.fixed == "1.2.1, 2.1.3, 3.4.0"
    assert low.status == "fixed"
    assert (critical.severity, critical.fixed) == (ScanSeverity.CRITICAL, "")
    assert critical.fix_text == "no fixed version"
    raw = json.loads((REPORTS / "grype-image.json").read_text())
    assert found.digests == (Digest.parse(raw["source"]["target"]["manifestDigest"]),)


def test_grype_golden_sarif_rates_by_cvss_score() -> None:
    # Grype's SARIF carries the CVSS score (8.2 and 8.5), not Grype's Low/Critical.
    found = ScanReport.from_file(REPORTS / "grype-image.sarif")
    assert {(f.id, f.package, f.installed, f.severity) for f in found.findings} == {
        ("CVE-1999-0001", "package-1", "1.1.1", ScanSeverity.HIGH),
        ("CVE-1999-0002", "package-2", "2.2.2", ScanSeverity.HIGH),
    }
    assert {f.fixed for f in found.findings} == {"1.2.1,2.1.3,3.4.0", ""}
    assert found.digests == ()  # scanned as "user-input": no digest to match


def test_trivy_sarif_skips_misconfigurations_secrets_and_licenses() -> None:
    data = trivy_sarif(IMAGE, DIGEST, [OPENSSL, CURL])
    run = data["runs"][0]
    run["tool"]["driver"]["rules"][1]["properties"]["tags"] = ["secret", "security", "HIGH"]
    found = ScanReport.parse(data)
    assert [f.id for f in found.findings] == [OPENSSL.id]


@pytest.mark.parametrize(
    ("score", "level", "expected"),
    [("9.8", None, "critical"), ("7.0", None, "high"), ("4.0", None, "medium"),
     ("0.1", None, "low"), ("0.0", None, "unknown"), (None, "error", "high"),
     (None, "warning", "medium"), (None, "note", "low"), (None, "none", "negligible"),
     (None, None, "medium")],
)  # fmt: skip
def test_sarif_severity_from_score_then_level(
    score: str | None, level: str | None, expected: str
) -> None:
    result: dict[str, Any] = {"ruleId": "CVE-1", "message": {"text": f"x in image a@{DIGEST}"}}
    if level is not None:
        result["level"] = level
    rule: dict[str, Any] = {"id": "CVE-1"}
    if score is not None:
        rule["properties"] = {"security-severity": score}
    data = {"version": "2.1.0", "runs": [{"tool": {"driver": {"name": "x", "rules": [rule]}},
                                          "results": [result]}]}  # fmt: skip
    found = ScanReport.parse(data)
    assert [f.severity.value for f in found.findings] == [expected]
    assert found.names(Digest.parse(DIGEST))


def _set(path: list[Any], value: Any) -> Callable[[dict[str, Any]], None]:
    def mutate(data: dict[str, Any]) -> None:
        node: Any = data
        for key in path[:-1]:
            node = node[key]
        if value is KeyError:
            del node[path[-1]]
        else:
            node[path[-1]] = value

    return mutate


def _both(*steps: Callable[[dict[str, Any]], None]) -> Callable[[dict[str, Any]], None]:
    def mutate(data: dict[str, Any]) -> None:
        for step in steps:
            step(data)

    return mutate


@pytest.mark.parametrize(
    ("builder", "mutate", "field"),
    [
        ("trivy-json", _set(["Results", 0, "Vulnerabilities", 0, "Severity"], 7),
         "Results[0].Vulnerabilities[0].Severity"),
        ("trivy-json", _set(["Results", 0, "Vulnerabilities", 0, "Severity"], "SEVERE"),
         "Results[0].Vulnerabilities[0].Severity"),
        ("trivy-json", _set(["Results", 0, "Vulnerabilities", 0, "PkgName"], KeyError),
         "Results[0].Vulnerabilities[0].PkgName"),
        ("trivy-json", _set(["SchemaVersion"], 1), "SchemaVersion"),
        ("trivy-json", _set(["Results"], {"a": 1}), "Results"),
        ("trivy-json", _set(["Metadata", "RepoDigests"], [3]), "Metadata.RepoDigests[0]"),
        ("grype-json", _set(["matches", 0, "artifact"], KeyError), "matches[0].artifact"),
        ("grype-json", _set(["matches", 0, "vulnerability", "id"], ""),
         "matches[0].vulnerability.id"),
        ("grype-json", _set(["matches", 0, "vulnerability", "fix", "versions"], "1.0"),
         "matches[0].vulnerability.fix.versions"),
        ("grype-json", _set(["source", "target", "manifestDigest"], "sha256:zz"),
         "source.target.manifestDigest"),
        ("trivy-sarif", _set(["version"], "2.0.0"), "version"),
        ("trivy-sarif", _set(["runs", 0, "results", 0, "ruleId"], 5), "runs[0].results[0].ruleId"),
        ("grype-sarif", _both(_set(["runs", 0, "tool", "driver", "rules", 0, "properties"],
                                   KeyError),
                              _set(["runs", 0, "results", 0, "level"], "fatal")),
         "runs[0].results[0].level"),
        ("grype-sarif", _set(["runs", 0, "tool", "driver", "rules", 0, "properties",
                              "security-severity"], "11"), "security-severity"),
        ("grype-sarif", _set(["runs", 0, "tool"], KeyError), "runs[0].tool"),
    ],
)  # fmt: skip
def test_a_malformed_report_names_the_file_and_the_field(
    builder: str, mutate: Callable[[dict[str, Any]], None], field: str, tmp_path: Path
) -> None:
    data = copy.deepcopy(BUILDERS[builder](IMAGE, DIGEST, [OPENSSL]))
    mutate(data)
    path = write(tmp_path / "scan.json", data)
    with pytest.raises(ScanFileError) as caught:
        ScanReport.from_file(path)
    assert caught.value.path == str(path)
    assert field in caught.value.field
    assert str(path) in str(caught.value)
    assert field in str(caught.value)


@pytest.mark.parametrize(
    ("text", "reason"),
    [("not json", "is not JSON"), ("[1, 2]", "not an object"),
     ('{"bomFormat": "CycloneDX", "components": []}', "SBOM"),
     ('{"hello": 1}', "top-level keys are hello")],
)  # fmt: skip
def test_an_unknown_report_is_refused_with_what_it_looks_like(text: str, reason: str) -> None:
    with pytest.raises(ScanFileError, match=reason) as caught:
        ScanReport.parse(text, source="upload.json")
    assert caught.value.path == "upload.json"
    assert isinstance(caught.value, InvalidValueError)


def test_a_missing_report_file_is_a_scan_file_error(tmp_path: Path) -> None:
    with pytest.raises(ScanFileError, match="does not exist"):
        ScanGate(reports=[tmp_path / "nope.json"])


# -- waivers -----------------------------------------------------------------------------

YAML_WAIVERS = """\
waivers:
  - id: CVE-2024-0727
    package: libssl3
    reason: PKCS12 parsing is not reachable here
    expires: 2027-01-31
  - id: cve-2023-45853
    reason: zlib minizip is not shipped
    expires: 2026-11-30
"""
TOML_WAIVERS = """\
[[waivers]]
id = "CVE-2024-0727"
package = "libssl3"
reason = "PKCS12 parsing is not reachable here"
expires = 2027-01-31

[[waivers]]
id = "cve-2023-45853"
reason = "zlib minizip is not shipped"
expires = "2026-11-30"
"""


@pytest.mark.parametrize(("name", "text"), [("w.yaml", YAML_WAIVERS), ("w.toml", TOML_WAIVERS)])
def test_waiver_files_in_yaml_and_toml_read_the_same(name: str, text: str, tmp_path: Path) -> None:
    path = tmp_path / name
    path.write_text(text)
    waivers = Waivers.from_file(path)
    assert [(w.id, w.package, w.expires) for w in waivers] == [
        ("CVE-2024-0727", "libssl3", date(2027, 1, 31)),
        ("cve-2023-45853", None, date(2026, 11, 30)),
    ]
    assert all(w.source.startswith(str(path)) for w in waivers)


@pytest.mark.parametrize(
    ("text", "field", "reason"),
    [("waivers:\n  - id: CVE-1\n    reason: r\n", "waivers[0].expires", "without an expiry"),
     ("waivers:\n  - id: CVE-1\n    expires: 2027-01-01\n", "waivers[0].reason", "reason"),
     ("waivers:\n  - reason: r\n    expires: 2027-01-01\n", "waivers[0].id", "id"),
     ("waivers:\n  - {id: CVE-1, reason: r, expires: soon}\n", "waivers[0].expires", "not a date"),
     ("waivers:\n  - {id: CVE-1, reason: r, expires: 2027-01-01, expiry: 2028-01-01}\n",
      "waivers[0].expiry", "not a waiver key"),
     ("waivers: CVE-1\n", "waivers", "not a list"),
     ("ignore:\n  - CVE-1\n", "ignore", "not a waiver file key")],
)  # fmt: skip
def test_a_bad_waiver_is_refused_naming_the_entry(text: str, field: str, reason: str) -> None:
    with pytest.raises(ScanFileError, match=reason) as caught:
        Waivers.parse(text, source="waivers.yaml")
    assert caught.value.field == field
    assert caught.value.path == "waivers.yaml"


def test_a_toml_waiver_without_expiry_is_refused() -> None:
    with pytest.raises(ScanFileError, match="without an expiry"):
        Waivers.parse('[[waivers]]\nid = "CVE-1"\nreason = "r"\n', format="toml")


# -- decisions ---------------------------------------------------------------------------


def test_a_finding_at_the_threshold_refuses_and_lists_cve_package_and_versions() -> None:
    gate = ScanGate(reports=[report([OPENSSL, CURL, ZLIB])], min_severity="high")
    with pytest.raises(ScanGateError) as caught:
        gate.check(DIGEST, today=TODAY, where="team/app:prod")
    message = str(caught.value)
    for vuln in (OPENSSL, ZLIB):
        assert f"{vuln.id} {vuln.package} {vuln.installed}" in message
    assert "fixed in 3.1.4-r5" in message
    assert "no fixed version" in message
    assert CURL.id not in message  # medium is below the threshold
    decision = caught.value.decision
    assert [f.id for f in decision.blocking] == [ZLIB.id, OPENSSL.id]  # most severe first
    assert decision.below == 1
    assert not decision.allowed


def test_findings_below_the_threshold_allow() -> None:
    decision = ScanGate(reports=[report([CURL])], min_severity="high").check(DIGEST)
    assert decision.allowed
    assert decision.below == 1
    assert "scan gate passed" in decision.summary()


@pytest.mark.parametrize(
    ("threshold", "blocking"),
    [("critical", [ZLIB.id]), ("high", [ZLIB.id, OPENSSL.id]),
     ("medium", [ZLIB.id, OPENSSL.id, CURL.id]), ("low", [ZLIB.id, OPENSSL.id, CURL.id])],
)  # fmt: skip
def test_the_threshold_decides_what_blocks(threshold: str, blocking: list[str]) -> None:
    gate = ScanGate(reports=[report([OPENSSL, CURL, ZLIB])], min_severity=threshold)
    assert [f.id for f in gate.evaluate(DIGEST).blocking] == blocking


def test_a_bad_threshold_is_refused() -> None:
    with pytest.raises(InvalidValueError, match="severity"):
        ScanGate(reports=[report([])], min_severity="severe")
    with pytest.raises(InvalidValueError, match="threshold"):
        ScanGate(reports=[report([])], min_severity="unknown")


def test_an_unexpired_waiver_lets_its_finding_through(tmp_path: Path) -> None:
    (tmp_path / "w.yaml").write_text(YAML_WAIVERS)
    gate = ScanGate(reports=[report([OPENSSL])], waivers=tmp_path / "w.yaml")
    decision = gate.check(DIGEST, today=TODAY)
    assert decision.allowed
    assert [(f.id, w.reason) for f, w in decision.waived] == [
        (OPENSSL.id, "PKCS12 parsing is not reachable here")
    ]
    assert "1 waived" in decision.summary()


def test_a_waiver_for_another_package_does_not_apply() -> None:
    waiver = Waiver(OPENSSL.id, "r", date(2027, 1, 1), package="libcrypto3")
    gate = ScanGate(reports=[report([OPENSSL])], waivers=[waiver])
    assert [f.id for f in gate.evaluate(DIGEST, today=TODAY).blocking] == [OPENSSL.id]


def test_an_expired_waiver_does_not_apply_and_is_named() -> None:
    gate = ScanGate(reports=[report([ZLIB])], waivers=Waivers.parse(YAML_WAIVERS))
    with pytest.raises(ScanGateError) as caught:
        gate.check(DIGEST, today=TODAY)  # the zlib waiver ended on 2026-11-30
    assert "waiver expired 2026-11-30: zlib minizip is not shipped" in str(caught.value)
    assert [w.expires for _, w in caught.value.decision.expired] == [date(2026, 11, 30)]
    # The day before it expires it still applies (expires is the first day it does not).
    assert gate.evaluate(DIGEST, today=date(2026, 11, 29)).allowed


def test_a_report_of_another_digest_is_refused_naming_both() -> None:
    gate = ScanGate(reports=[report([], digest=OTHER)])
    with pytest.raises(ScanGateError) as caught:
        gate.check(DIGEST)
    message = str(caught.value)
    assert f"no vulnerability report is for {DIGEST}" in message
    assert f"trivy-json is for {OTHER}" in message
    assert caught.value.decision.reports == ()


def test_a_report_that_names_no_digest_is_refused() -> None:
    gate = ScanGate(reports=[REPORTS / "trivy-alpine-310.json"])
    with pytest.raises(ScanGateError, match="only the image id"):
        gate.check(DIGEST)


def test_only_the_reports_of_the_digest_count() -> None:
    gate = ScanGate(reports=[report([ZLIB], digest=OTHER), report([CURL])])
    assert gate.evaluate(DIGEST).allowed
    assert not gate.evaluate(OTHER).allowed


def test_unknown_severity_blocks_by_default_and_can_be_allowed() -> None:
    unrated = Vuln("CVE-2026-0001", "busybox", "1.36.1-r15", "", "UNKNOWN")
    blocking = ScanGate(reports=[report([unrated])], min_severity="critical").evaluate(DIGEST)
    assert [f.id for f in blocking.blocking] == ["CVE-2026-0001"]
    allowing = ScanGate(reports=[report([unrated])], unknown="allow").evaluate(DIGEST)
    assert allowing.allowed
    assert allowing.below == 1


def test_one_finding_in_two_reports_is_listed_once_at_its_highest_rating() -> None:
    critical = attrs.evolve(OPENSSL, severity="CRITICAL")
    grype = report([critical], builder="grype-json")
    decision = ScanGate(reports=[report([OPENSSL]), grype]).evaluate(DIGEST)
    assert [(f.id, f.severity.value) for f in decision.blocking] == [(OPENSSL.id, "critical")]
    assert decision.reports == ("trivy-json", "grype-json")


def test_a_gate_needs_a_report_and_known_environments() -> None:
    with pytest.raises(ConfigurationError, match="at least one"):
        ScanGate(reports=[])
    with pytest.raises(ConfigurationError, match="not a pointer"):
        ScanGate(reports=[report([])], environments=("production",))


# -- in a Promotion ------------------------------------------------------------------------


def _clock() -> datetime:
    return datetime(2026, 12, 2, 12, tzinfo=timezone.utc)


def _promoted(vulns: list[Vuln], **gate: Any) -> tuple[Promotion, Digest]:
    registry = InMemoryRegistry()
    image = push_image(registry, "team/app", "v1.0.0-rc.1")
    scan = ScanGate(reports=[report(vulns, digest=str(image.digest))], **gate)
    promotion = Promotion(registry, "team/app", actor="ci", clock=_clock, scan_gate=scan)
    promotion.promote(image.digest, to="testing")
    promotion.promote(image.digest, to="staging")
    return promotion, image.digest


def test_promotion_to_prod_is_refused_and_other_environments_are_not_gated() -> None:
    promotion, digest = _promoted([OPENSSL])  # testing and staging went through
    assert promotion.current("staging") == digest
    with pytest.raises(ScanGateError, match=f"{OPENSSL.id} libssl3 3.1.4-r2"):
        promotion.promote(digest, to="prod", force=True)  # force skips the order check only
    with pytest.raises(ScanGateError):
        promotion.plan_promotion(from_environment="staging", to="prod")
    with pytest.raises(ScanGateError):
        promotion.deploy_to_idle_slot(digest)  # blue/green are prod's slots
    assert promotion.current("prod") is None
    assert promotion.current("blue") is None


def test_a_clean_report_allows_prod_and_the_plan_says_so() -> None:
    promotion, digest = _promoted([CURL])
    plan = promotion.plan_promotion(digest, to="prod")
    assert any(check.startswith("scan gate passed") for check in plan.checks)
    assert promotion.apply(plan).digest_after == digest


def test_waivers_are_judged_on_the_promotions_clock() -> None:
    waiver = Waiver(OPENSSL.id, "not reachable", date(2026, 12, 3))
    promotion, digest = _promoted([OPENSSL], waivers=[waiver])
    assert promotion.promote(digest, to="prod").digest_after == digest


def test_a_gate_on_staging_guards_staging() -> None:
    registry = InMemoryRegistry()
    image = push_image(registry, "team/app", "v1.0.0-rc.1")
    gate = ScanGate(reports=[report([OPENSSL], digest=str(image.digest))], environments=["staging"])
    promotion = Promotion(registry, "team/app", scan_gate=gate)
    promotion.promote(image.digest, to="testing")
    with pytest.raises(ScanGateError):
        promotion.promote(image.digest, to="staging")


def test_a_promotion_refuses_what_is_not_a_gate() -> None:
    with pytest.raises(InvalidValueError, match="not a ScanGate"):
        Promotion(InMemoryRegistry(), "team/app", scan_gate="trivy.json")  # type: ignore[arg-type]


# -- in release() ---------------------------------------------------------------------------


class _Clean:
    """A MetricsSource whose error ratio is always 0."""

    source_name = "clean"

    def evaluate(self, query: MetricQuery) -> MetricReading:
        return MetricReading(query=query.promql, value=0.0, series=(((), 0.0),))


def test_a_canary_is_refused_before_it_takes_traffic(tmp_path: Path) -> None:
    world = World(tmp_path)
    target = SplitTarget(world.image("good1"))
    candidate = world.to_testing("good2")
    gate = ScanGate(reports=[report([OPENSSL], digest=str(candidate.digest))])
    gated = Promotion(world.registry, REPO, actor="test", scan_gate=gate)
    canary = Canary(gates=[MetricGate.error_ratio(_Clean(), max_ratio=0.05, on_no_data="fail")],
                    auto_rollback=AutoRollback(), steps=(10,))  # fmt: skip
    with pytest.raises(ScanGateError, match=OPENSSL.id):
        release(candidate, validation=PostDeployValidation([Scripted(Verdict.PASSED)]),
                strategy=canary, target=target, promotion=gated)  # fmt: skip
    assert target.calls == []
    assert candidate.digest not in target.deployed


def test_release_refuses_before_anything_deploys(tmp_path: Path) -> None:
    world = World(tmp_path)
    candidate = world.to_testing("good1")
    gate = ScanGate(reports=[report([ZLIB], digest=str(candidate.digest))])
    gated = Promotion(world.registry, REPO, actor="test", scan_gate=gate)
    check = Scripted(Verdict.PASSED)
    with pytest.raises(ScanGateError, match=ZLIB.id):
        release(candidate, validation=PostDeployValidation([check]), strategy=BlueGreen(),
                promotion=gated, slots=world.slots)  # fmt: skip
    assert check.contexts == []  # nothing validated, so nothing deployed
    assert world.slots["blue"].running().digest is None
    assert world.registry.resolve(REPO, "testing") == candidate.digest


def test_a_failed_release_rolls_the_slot_back_to_an_unscanned_digest(tmp_path: Path) -> None:
    world = World(tmp_path)
    passing = PostDeployValidation([Scripted(Verdict.PASSED)])
    for which in ("good1", "good2"):  # before the gate: prod -> green, blue keeps good1
        release(world.to_testing(which), validation=passing, promotion=world.promotion,
                slots=world.slots)  # fmt: skip
    bad = world.to_testing("bad")
    gate = ScanGate(reports=[report([CURL], digest=str(bad.digest))])  # bad scans clean
    gated = Promotion(world.registry, REPO, actor="test", scan_gate=gate)
    failing = PostDeployValidation([Scripted(Verdict.FAILED)])
    result = release(bad, validation=failing, promotion=gated, slots=world.slots)
    # The gate has no report for good1, yet the rollback restores it: rollbacks are not gated.
    assert result.outcome is ReleaseOutcome.ROLLED_BACK
    assert world.registry.resolve(REPO, "blue") == world.good1.digest
