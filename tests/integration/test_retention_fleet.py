"""Fleet retention against Debian's docker-registry 2.8 with token auth: the catalog,
include/exclude patterns, a config file with overrides, protection by a compose target and
by a promotion record, and one repository whose deletes the token server refuses while
the others apply - through the library and through ``mosaic retention``."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest

from mosaic_sdk import FleetConfig, PromotionRecord, RetentionFleet
from mosaic_sdk.cli import EXIT_FAILURE, EXIT_OK
from mosaic_sdk.cli import main as mosaic
from mosaic_sdk.providers import ComposeFileTarget
from mosaic_sdk.registry import RegistryClient
from mosaic_sdk.testing import push_image
from mosaic_sdk.values import Digest
from tests._support.servers import HTPASSWD_PASSWORD, HTPASSWD_USER, RegistryServer, TokenServer

pytestmark = pytest.mark.integration

NOW = datetime.now(timezone.utc)

CONFIG = """
[defaults]
sha_max_age = "14d"
delete_patterns = ["pr-*"]

[[overrides]]
repositories = ["{prefix}/tools"]
sha_max_age = "60d"
"""


def ago(days: float) -> datetime:
    return NOW - timedelta(days=days)


@pytest.fixture
def client(
    token_registry_server: tuple[RegistryServer, TokenServer],
) -> Iterator[RegistryClient]:
    server, tokens = token_registry_server
    with RegistryClient(server.url, username=HTPASSWD_USER, password=HTPASSWD_PASSWORD) as c:
        yield c
    tokens.refused.clear()


def fill(client: RegistryClient, prefix: str) -> dict[str, dict[str, Digest]]:
    out: dict[str, dict[str, Digest]] = {}
    for name in ("api", "web", "tools", "legacy"):
        repo = f"{prefix}/{name}"
        out[repo] = {
            tag: push_image(client, repo, tag, created=ago(days)).digest
            for tag, days in (
                ("sha-0000001", 40),
                ("sha-0000002", 30),
                ("sha-0000003", 1),
                ("v1.0.0", 90),
                ("pr-12", 5),
            )
        }
    return out


def protections(
    tmp_path: Path, server: RegistryServer, digests: dict[str, dict[str, Digest]], prefix: str
) -> tuple[Path, Path]:
    """A compose file that runs api's stale sha-0000001, and a records folder in which
    web's prod moved away from sha-0000002 ten days ago (a rollback would redeploy it)."""
    api, web = f"{prefix}/api", f"{prefix}/web"
    compose = tmp_path / "compose.yaml"
    compose.write_text(
        f"services:\n  api:\n    image: {server.host}/{api}@{digests[api]['sha-0000001']}\n"
    )
    records = tmp_path / "records"
    records.mkdir()
    record = PromotionRecord(
        repository=web,
        tag="prod",
        digest_before=digests[web]["sha-0000002"],
        digest_after=digests[web]["sha-0000003"],
        at=ago(10),
        actor="ci",
        source="sha-0000003",
    )
    (records / "web-prod.json").write_text(record.to_json())
    return compose, records


def test_a_fleet_plans_and_applies_a_real_registry_and_one_refusing_repository_is_reported(
    client: RegistryClient,
    token_registry_server: tuple[RegistryServer, TokenServer],
    tmp_path: Path,
) -> None:
    server, tokens = token_registry_server
    prefix = "lib"
    digests = fill(client, prefix)
    api, web = f"{prefix}/api", f"{prefix}/web"
    compose, records = protections(tmp_path, server, digests, prefix)
    target = ComposeFileTarget(compose, "api")
    config_file = tmp_path / "retention.toml"
    config_file.write_text(CONFIG.format(prefix=prefix))
    config = FleetConfig.load(config_file).with_selection(
        include=[f"{prefix}/**"], exclude=[f"{prefix}/legacy"]
    )
    tokens.refused[web] = {"delete"}

    fleet = RetentionFleet(
        client,
        config=config,
        targets=[target],
        records=records,
        rollback_window=timedelta(days=30),
        concurrency=4,
    )
    plan = fleet.plan()
    assert [s.repository for s in plan.sections] == [api, f"{prefix}/tools", web]
    assert f"{prefix}/legacy" in plan.skipped
    api_plan = plan.plan(api)
    assert api_plan.decision("sha-0000001").rule == "protected"
    assert f"runs on target {target.name}" in api_plan.decision("sha-0000001").reason
    assert api_plan.decision("pr-12").rule == "delete_pattern:pr-*"
    assert set(api_plan.to_delete) == {"sha-0000002", "pr-12"}
    web_plan = plan.plan(web)
    assert "web-prod.json" in web_plan.decision("sha-0000002").reason
    assert set(web_plan.to_delete) == {"sha-0000001", "pr-12"}
    tools_plan = plan.plan(f"{prefix}/tools")
    assert set(tools_plan.to_delete) == {"pr-12"}  # its override keeps sha- tags 60 days
    assert plan.section(f"{prefix}/tools").policy_source == ("defaults", "overrides[0]")

    result = fleet.apply(plan)
    assert [o.repository for o in result.failed] == [web]
    assert result.outcome(web).error is not None
    assert result.outcome(api).ok
    assert result.outcome(f"{prefix}/tools").ok
    # The registry itself: api and tools lost exactly the planned tags, web lost none.
    assert sorted(client.list_tags(api)) == ["sha-0000001", "sha-0000003", "v1.0.0"]
    assert sorted(client.list_tags(f"{prefix}/tools")) == [
        "sha-0000001",
        "sha-0000002",
        "sha-0000003",
        "v1.0.0",
    ]
    assert len(client.list_tags(web)) == 5
    assert len(client.list_tags(f"{prefix}/legacy")) == 5
    assert client.resolve(api, str(digests[api]["sha-0000001"])) == digests[api]["sha-0000001"]


def test_mosaic_retention_all_with_a_config_protections_and_a_progress_bar(
    client: RegistryClient,
    token_registry_server: tuple[RegistryServer, TokenServer],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    server, tokens = token_registry_server
    prefix = "cli"
    digests = fill(client, prefix)
    api, web = f"{prefix}/api", f"{prefix}/web"
    compose, records = protections(tmp_path, server, digests, prefix)
    config_file = tmp_path / "retention.yaml"
    config_file.write_text(
        "defaults:\n  delete_patterns: ['pr-*']\n"
        f"overrides:\n  - repositories: ['{prefix}/tools']\n    sha_max_age: 60d\n"
    )
    monkeypatch.setenv("MOSAIC_REGISTRY", server.url)
    monkeypatch.setenv("MOSAIC_REGISTRY_USERNAME", HTPASSWD_USER)
    monkeypatch.setenv("MOSAIC_REGISTRY_PASSWORD", HTPASSWD_PASSWORD)
    monkeypatch.delenv("MOSAIC_REPOSITORY", raising=False)
    common = [
        "--include", f"{prefix}/**", "--exclude", f"{prefix}/legacy",
        "--config", str(config_file),
        "--protect-running", f"compose:{compose}#api",
        "--records", str(records), "--rollback-window", "30d",
        "--no-cache",
    ]  # fmt: skip

    capsys.readouterr()
    code = mosaic(["retention", "plan", *common, "--json"])
    out = capsys.readouterr().out
    assert code == EXIT_OK
    document = json.loads(out)
    assert document["totals"]["repositories"] == 3
    sections = {s["repository"]: s for s in document["repositories"]}
    assert set(sections) == {api, web, f"{prefix}/tools"}
    api_rules = {d["tag"]: d["rule"] for d in sections[api]["plan"]["decisions"]}
    assert api_rules["sha-0000001"] == "protected"
    assert {p["kind"] for p in document["protections"]} == {"target", "record"}

    code = mosaic(["retention", "plan", *common, "--only", "delete"])
    text = capsys.readouterr().out
    assert code == EXIT_OK
    assert text.splitlines()[0].endswith("15 tags, keep 10, delete 5 (5 digests)")
    assert "protected digests:" in text
    assert "web-prod.json" in text

    tokens.refused[web] = {"delete"}
    code = mosaic(["retention", "apply", *common, "--progress"])
    captured = capsys.readouterr()
    assert code == EXIT_FAILURE
    assert "deleting [" in captured.err
    assert f"mosaic: {web}:" in captured.err
    assert "FAILED" in captured.out
    assert sorted(client.list_tags(api)) == ["sha-0000001", "sha-0000003", "v1.0.0"]
    assert len(client.list_tags(web)) == 5

    tokens.refused.clear()
    journal = tmp_path / "journal"
    code = mosaic(["retention", "apply", *common, "--no-progress", "--json",
                   "--journal", str(journal)])  # fmt: skip
    captured = capsys.readouterr()
    assert code == EXIT_OK
    assert "deleting [" not in captured.err
    assert f"undo with: mosaic retention undo {journal}" in captured.err
    assert json.loads(captured.out)["result"]["totals"]["deleted_digests"] == 2
    assert sorted(client.list_tags(web)) == ["sha-0000002", "sha-0000003", "v1.0.0"]
    # One journal holds the fleet's deletions: the undo puts web's tags back.
    code = mosaic(["retention", "undo", str(journal)])
    assert code == EXIT_OK, capsys.readouterr().err
    assert len(client.list_tags(web)) == 5
    assert client.resolve(web, "pr-12") == digests[web]["pr-12"]
