"""``mosaic rollback`` on a compose file target with an OCI layout, and target specs."""

from __future__ import annotations

import json
from pathlib import Path

import attrs
import pytest

from mosaic_sdk.cli import EXIT_FAILURE, EXIT_OK, EXIT_USAGE
from mosaic_sdk.providers import ComposeFileTarget
from mosaic_sdk.registry import Manifest, OCILayout
from mosaic_sdk.testing import push_image
from mosaic_sdk.values import ImageReference
from tests._support.cli_helpers import CLI

NAME = "registry.example.com/team/api"


@attrs.frozen
class Release:
    root: Path
    good: Manifest
    bad: Manifest
    record: Path

    def image(self, manifest: Manifest) -> str:
        return f"{NAME}@{manifest.digest}"


@pytest.fixture
def release(tmp_path: Path, cli: CLI, monkeypatch: pytest.MonkeyPatch) -> Release:
    """prod and the compose file ran ``good``, then ``bad`` was promoted and deployed."""
    monkeypatch.chdir(tmp_path)
    layout = OCILayout(tmp_path / "oci", gc_grace=0)
    good = push_image(layout, "team/api", "v1.0.0")
    bad = push_image(layout, "team/api", "v1.1.0-rc.1")
    compose = tmp_path / "compose.yaml"
    compose.write_text(f"services:\n  api:\n    image: {NAME}:v0.9.0\n")
    target = ComposeFileTarget(compose, "api")
    target.deploy(ImageReference.parse(f"{NAME}@{good.digest}"), version="1.0.0")
    target.deploy(ImageReference.parse(f"{NAME}@{bad.digest}"), version="1.1.0-rc.1")
    monkeypatch.setenv("MOSAIC_REGISTRY", str(tmp_path / "oci"))
    monkeypatch.setenv("MOSAIC_REPOSITORY", "team/api")
    assert cli("promote", "v1.0.0", "--to", "prod", "--force").code == EXIT_OK
    record = tmp_path / "prod.json"
    run = cli("promote", "v1.1.0-rc.1", "--to", "prod", "--force", "--record", str(record))
    assert run.code == EXIT_OK
    (tmp_path / "docs").mkdir()
    return Release(tmp_path, good, bad, record)


def _pinned(release: Release) -> str:
    return (release.root / "compose.yaml").read_text().split("image: ")[1].strip()


def test_dry_run_prints_the_plan_and_changes_nothing(cli: CLI, release: Release) -> None:
    run = cli(
        "rollback", "--target", "compose:compose.yaml#api", "--record", str(release.record),
        "--dry-run", "--json",
    )  # fmt: skip
    assert run.code == EXIT_OK
    plan = run.json()
    assert plan["source"] == "promotion record"
    assert plan["pointer"] == "prod"
    assert plan["restore"] == release.image(release.good)
    assert _pinned(release) == release.image(release.bad)


def test_rollback_restores_verifies_and_writes_evidence(cli: CLI, release: Release) -> None:
    run = cli(
        "rollback", "--target", "compose:compose.yaml#api", "--record", str(release.record),
        "--evidence", ".", "--issue", "42", "--short-name", "release-api",
        "--reason", "p95 latency over 300 ms", "--next-step", "profile the new query",
    )  # fmt: skip
    assert run.code == EXIT_OK, run.err
    assert run.out.startswith("rolled file:compose.yaml#api back from sha256:")
    assert "(verified)" in run.out
    assert "evidence: docs/TASKS.md" in run.out
    assert _pinned(release) == release.image(release.good)
    assert OCILayout(release.root / "oci").resolve("team/api", "prod") == release.good.digest
    scratchpad = (release.root / "docs" / "scratchpads" / "42-release-api.md").read_text()
    assert "p95 latency over 300 ms" in scratchpad
    assert "profile the new query" in scratchpad

    again = cli("rollback", "--target", "compose:compose.yaml#api", "--record",
                str(release.record), "--json")  # fmt: skip
    assert again.code == EXIT_OK
    assert again.json()["noop"] is True


def _failed_report(release: Release) -> str:
    from datetime import datetime, timezone

    from mosaic_sdk.release import CheckResult, ValidationReport, Verdict

    at = datetime(2026, 11, 26, 12, 0, tzinfo=timezone.utc)
    report = ValidationReport(
        name="post-deploy prod",
        image=release.image(release.bad),
        version="1.1.0-rc.1",
        where="prod on compose",
        results=(
            CheckResult("health /healthz", "health", Verdict.PASSED, "200 OK", started_at=at),
            CheckResult(
                "p95 latency", "metric", Verdict.FAILED, "0.48 s > 0.25 s",
                evidence={"query": "histogram_quantile(0.95, ...)"}, started_at=at,
            ),
        ),
        started_at=at,
        finished_at=at,
        duration_seconds=1.5,
    )  # fmt: skip
    path = release.root / "validation.json"
    path.write_text(report.to_json())
    return str(path)


def test_rollback_attaches_a_saved_validation_report(cli: CLI, release: Release) -> None:
    run = cli(
        "rollback", "--target", "compose:compose.yaml#api", "--record", str(release.record),
        "--evidence", ".", "--issue", "42", "--short-name", "release-api",
        "--report", _failed_report(release),
    )  # fmt: skip
    assert run.code == EXIT_OK, run.err
    scratchpad = (release.root / "docs" / "scratchpads" / "42-release-api.md").read_text()
    # The headline is the reason when --reason is not given; the whole report is evidence.
    assert "post-deploy prod failed: p95 latency: 0.48 s > 0.25 s" in scratchpad
    assert "#### post-deploy prod: FAILED" in scratchpad
    assert "histogram_quantile(0.95, ...)" in scratchpad
    assert _pinned(release) == release.image(release.good)


def test_a_broken_report_file_changes_nothing(cli: CLI, release: Release) -> None:
    broken = release.root / "broken.json"
    broken.write_text(json.dumps({"schema": "mosaic.validation-report/v1", "name": 3}))
    run = cli("rollback", "--target", "compose:compose.yaml#api", "--record",
              str(release.record), "--report", str(broken))  # fmt: skip
    assert run.code == EXIT_USAGE
    assert "field 'name'" in run.err
    missing = cli("rollback", "--target", "compose:compose.yaml#api", "--record",
                  str(release.record), "--report", str(release.root / "nope.json"))  # fmt: skip
    assert missing.code != EXIT_OK
    assert "cannot read the validation report" in missing.err
    assert _pinned(release) == release.image(release.bad)


def test_rollback_from_the_target_history_alone(cli: CLI, release: Release) -> None:
    run = cli(
        "rollback", "--target", "compose:compose.yaml#api",
        "--failed", str(release.bad.digest), "--json",
    )  # fmt: skip
    assert run.code == EXIT_OK, run.err
    data = run.json()
    assert data["plan"]["source"] == "target history"
    assert data["plan"]["pointer"] is None
    assert data["running"] == str(release.good.digest)


def test_nothing_to_roll_back_to_is_a_failure(cli: CLI, tmp_path: Path) -> None:
    compose = tmp_path / "compose.yaml"
    digest = "sha256:" + "1" * 64
    compose.write_text(f"services:\n  api:\n    image: {NAME}@{digest}\n")
    run = cli("rollback", "--target", f"compose:{compose}#api", "--failed", digest, "--json")
    assert run.code == EXIT_FAILURE
    assert run.json()["error"]["type"] == "RollbackError"
    assert "nothing to roll" in run.err


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["--target", "compose:compose.yaml#api"], "--failed DIGEST"),
        (["--target", "compose:compose.yaml", "--failed", "sha256:" + "1" * 64], "after '#'"),
        (["--target", "k8s:web", "--failed", "sha256:" + "1" * 64], "unknown kind 'k8s'"),
        (["--target", "compose:c.yaml#api", "--failed", "v1.0.0"], "is not a digest"),
        (["--target", "compose:c.yaml#api", "--failed", "sha256:xyz"], "sha256:xyz"),
        (["--target", "compose:c.yaml#api", "--record", "missing.json"], "missing.json"),
        (
            ["--target", "compose:c.yaml#api", "--failed", "sha256:" + "1" * 64, "--issue", "4"],
            "go with --evidence",
        ),
        (
            ["--target", "compose:c.yaml#api", "--failed", "sha256:" + "1" * 64,
             "--evidence", "."],
            "--evidence needs --issue",
        ),
        (
            ["--target", "coolify:abc123", "--failed", "sha256:" + "1" * 64],
            "COOLIFY_URL is not set",
        ),
        (
            ["--target", "portainer:1:x:web", "--failed", "sha256:" + "1" * 64],
            "endpoint id 'x' is not a positive number",
        ),
        (
            ["--target", "portainer:1:web", "--failed", "sha256:" + "1" * 64],
            "portainer:STACK_ID:ENDPOINT_ID:SERVICE",
        ),
        (["--target", "vercel:my-app", "--failed", "sha256:" + "1" * 64], "set VERCEL_TOKEN"),
    ],
)  # fmt: skip
def test_bad_input_exits_2(
    cli: CLI, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, argv: list[str], message: str
) -> None:
    monkeypatch.chdir(tmp_path)
    run = cli("rollback", *argv)
    assert run.code == EXIT_USAGE, run.err
    assert message in run.err


def test_a_broken_record_file_exits_2(cli: CLI, tmp_path: Path) -> None:
    record = tmp_path / "record.json"
    record.write_text(json.dumps({"schema": "something/else"}))
    run = cli("rollback", "--target", "compose:c.yaml#api", "--record", str(record))
    assert run.code == EXIT_USAGE
    assert "something/else" in run.err


@pytest.mark.parametrize(
    ("spec", "env", "token"),
    [
        ("coolify:k0sw8c4", {"COOLIFY_URL": "https://coolify.example.com"}, "COOLIFY_TOKEN"),
        ("portainer:12:1:web", {"PORTAINER_URL": "https://portainer.example.com"},
         "PORTAINER_API_KEY"),
        ("vercel:my-app", {}, "VERCEL_TOKEN"),
    ],
)  # fmt: skip
def test_provider_targets_take_their_token_from_env_or_file(
    cli: CLI,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    spec: str,
    env: dict[str, str],
    token: str,
) -> None:
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    good, bad = f"{NAME}@sha256:{'1' * 64}", f"{NAME}@sha256:{'2' * 64}"
    argv = ("rollback", "--target", spec, "--failed", bad, "--to", good, "--dry-run", "--json")
    missing = cli(*argv)
    assert missing.code == EXIT_USAGE
    assert token in missing.err
    token_file = tmp_path / "token"
    token_file.write_text("provider-token-5512\n")
    run = cli(*argv, "--token-file", str(token_file))
    assert run.code == EXIT_OK, run.err
    assert run.json()["restore"] == good
    assert run.json()["target"].startswith(spec.split(":")[0])
    monkeypatch.setenv(token, "provider-token-6613")
    assert cli(*argv).code == EXIT_OK


def test_a_locked_rollback_changes_nothing_while_another_run_holds_the_pointer(
    cli: CLI, release: Release
) -> None:
    # --lock: the rollback holds team/api:prod for the whole rollback; held by another
    # run, neither the pointer nor the compose file changes.
    from mosaic_sdk.coordination import DeploymentLock

    lock = DeploymentLock.file(release.root / "deploy.locks", label="a-release")
    argv = ("rollback", "--target", "compose:compose.yaml#api", "--record", str(release.record))
    argv += ("--lock", "file:deploy.locks")
    with lock.hold("team/api:prod"):
        refused = cli(*argv)
    assert refused.code == EXIT_FAILURE
    assert "team/api:prod is locked by a-release@" in refused.err
    assert _pinned(release) == release.image(release.bad)
    assert OCILayout(release.root / "oci").resolve("team/api", "prod") == release.bad.digest

    done = cli(*argv)
    assert done.code == EXIT_OK, done.err
    assert _pinned(release) == release.image(release.good)
    assert OCILayout(release.root / "oci").resolve("team/api", "prod") == release.good.digest


def test_a_lock_on_a_rollback_without_a_pointer_holds_nothing(
    cli: CLI, release: Release, monkeypatch: pytest.MonkeyPatch
) -> None:
    from mosaic_sdk.coordination import DeploymentLock

    monkeypatch.delenv("MOSAIC_REGISTRY")
    lock = DeploymentLock.file(release.root / "deploy.locks", label="a-release")
    argv = ("rollback", "--target", "compose:compose.yaml#api", "--record", str(release.record))
    with lock.hold("team/api:prod"):
        run = cli(*argv, "--lock", "file:deploy.locks")
    assert run.code == EXIT_OK, run.err
    assert "lock: this rollback moves no pointer" in run.err
    assert _pinned(release) == release.image(release.good)
