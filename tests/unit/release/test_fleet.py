"""Fleet retention on the in-memory registry: selection, per-repository policies, one
shared request budget, protection by targets and records, and a failing repository
reported while the others go on."""

from __future__ import annotations

import asyncio
import json
import threading
import time
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import pytest

from mosaic_sdk import (
    AsyncRetentionFleet,
    DeploymentLock,
    FleetConfig,
    FleetPlan,
    PromotionRecord,
    RetentionError,
    RetentionFleet,
    RetentionJournal,
    RetentionPolicy,
)
from mosaic_sdk.errors import PermissionDeniedError
from mosaic_sdk.providers import ComposeFileTarget
from mosaic_sdk.registry import as_async_registry
from mosaic_sdk.testing import InMemoryRegistry, RegistryCall, push_image
from mosaic_sdk.values import Digest

NOW = datetime(2025, 6, 1, 12, 0, tzinfo=timezone.utc)
REPOS = ("team/api", "team/web", "team/legacy", "ops/tools")


def ago(days: float) -> datetime:
    return NOW - timedelta(days=days)


def fill(registry: InMemoryRegistry) -> dict[str, dict[str, Digest]]:
    """Every repository: a stale sha tag, a fresh one, a release, an unmanaged pr tag."""
    out: dict[str, dict[str, Digest]] = {}
    for repo in REPOS:
        out[repo] = {
            tag: push_image(registry, repo, tag, created=ago(days)).digest
            for tag, days in (("sha-0000001", 40), ("sha-0000002", 1), ("v1.0.0", 90), ("pr-7", 9))
        }
    return out


@pytest.fixture
def registry() -> InMemoryRegistry:
    return InMemoryRegistry()


def test_the_whole_catalog_minus_excludes_with_per_repository_policies(
    registry: InMemoryRegistry,
) -> None:
    fill(registry)
    config = FleetConfig.from_dict(
        {
            "defaults": {"delete_patterns": ["pr-*"]},
            "repositories": {"exclude": ["team/legacy"]},
            "overrides": [{"repositories": ["ops/*"], "sha_max_age": "60d"}],
        }
    )
    plan = RetentionFleet(registry, config=config).plan(now=NOW)
    assert [s.repository for s in plan.sections] == ["ops/tools", "team/api", "team/web"]
    assert plan.skipped == ("team/legacy",)
    assert plan.plan("team/api").to_delete == ("pr-7", "sha-0000001")
    assert plan.plan("ops/tools").to_delete == ("pr-7",)  # its override keeps sha- 60 days
    assert plan.section("ops/tools").policy_source == ("defaults", "overrides[0]")
    assert plan.totals() == {
        "repositories": 3,
        "failed": 0,
        "tags": 12,
        "keep": 7,
        "delete": 5,
        "digests": 5,
    }
    assert plan.summary().endswith(
        "3 repositories (1 left out by the patterns), 12 tags, keep 7, delete 5 (5 digests)"
    )
    text = plan.text(verdict="delete")
    assert "team/legacy" not in text.split("\n\n", 1)[1]
    assert "sha-0000002" not in text  # kept rows are left out with verdict="delete"
    document = json.loads(plan.to_json())
    assert document["totals"]["delete"] == 5
    assert [r["repository"] for r in document["repositories"]] == [
        "ops/tools",
        "team/api",
        "team/web",
    ]
    markdown = plan.to_markdown()
    assert markdown.count("### ") == 3
    assert "| ops/tools | 4 | 3 | 1 | 1 | defaults, overrides\\[0\\] | ok |" in markdown


def test_apply_reports_every_repository_and_progress_counts_the_fleet(
    registry: InMemoryRegistry,
) -> None:
    digests = fill(registry)
    fleet = RetentionFleet(registry, config=FleetConfig(defaults=RetentionPolicy()))
    plan = fleet.plan(now=NOW)
    seen: list[tuple[int, int, str]] = []
    lock = threading.Lock()

    def progress(done: int, total: int, repository: str, outcome: Any) -> None:
        with lock:
            seen.append((done, total, repository))

    result = fleet.apply(plan, progress=progress)
    assert result.ok
    assert sorted(d for d, _, _ in seen) == [1, 2, 3, 4]
    assert {t for _, t, _ in seen} == {4}
    assert sorted(r for _, _, r in seen) == sorted(REPOS)
    for repo in REPOS:
        assert "sha-0000001" not in registry.list_tags(repo)
        assert result.outcome(repo).result is not None
    assert result.totals()["deleted_digests"] == 4
    assert registry.resolve("team/api", "v1.0.0") == digests["team/api"]["v1.0.0"]


def test_deletes_refused_in_one_repository_are_reported_and_the_others_apply() -> None:
    def refuse(call: RegistryCall) -> None:
        if call.operation == "delete_manifest" and call.repository == "team/web":
            raise PermissionDeniedError("denied: delete on team/web", status_code=403)

    registry = InMemoryRegistry(before_call=refuse)
    fill(registry)
    fleet = RetentionFleet(registry)
    result = fleet.apply(fleet.plan(now=NOW))
    assert not result.ok
    assert [o.repository for o in result.failed] == ["team/web"]
    web = result.outcome("team/web")
    assert web.error is not None
    assert "denied: delete on team/web" in web.error
    assert "sha-0000001" in registry.list_tags("team/web")
    for repo in ("team/api", "team/legacy", "ops/tools"):
        assert result.outcome(repo).ok
        assert "sha-0000001" not in registry.list_tags(repo)
    assert "FAILED" in str(result)
    assert json.loads(result.to_json())["totals"]["failed"] == 1


def test_a_repository_that_cannot_be_planned_is_a_failed_section_not_a_missing_one() -> None:
    def broken(call: RegistryCall) -> None:
        if call.operation == "get_manifest" and call.repository == "team/api":
            raise PermissionDeniedError("denied: pull on team/api", status_code=403)

    registry = InMemoryRegistry(before_call=broken)
    fill(registry)
    fleet = RetentionFleet(registry)
    plan = fleet.plan(now=NOW)
    assert not plan.ok
    failed = plan.section("team/api")
    assert failed.plan is None
    assert failed.error is not None
    assert "denied: pull on team/api" in failed.error
    assert "FAILED" in plan.text()
    assert len(plan.plans) == 3
    result = fleet.apply(plan)
    assert result.outcome("team/api").error is not None
    assert "planning failed" in str(result.outcome("team/api").error)
    assert result.outcome("team/web").ok


class SlowRegistry(InMemoryRegistry):
    """Counts the calls in flight at once (each takes a few milliseconds)."""

    def __init__(self) -> None:
        super().__init__(before_call=self._enter)
        self.in_flight = 0
        self.most = 0
        self._count = threading.Lock()

    def _enter(self, call: RegistryCall) -> None:
        with self._count:
            self.in_flight += 1
            self.most = max(self.most, self.in_flight)
        time.sleep(0.004)
        with self._count:
            self.in_flight -= 1


def test_one_request_budget_is_shared_by_every_repository() -> None:
    registry = SlowRegistry()
    fill(registry)
    for repo in REPOS:
        for n in range(6):
            push_image(registry, repo, f"sha-10000{n:02d}", created=ago(3))
    registry.most = 0
    plan = RetentionFleet(registry, concurrency=3).plan(now=NOW)
    assert plan.ok
    assert registry.most <= 3  # four repositories x 3 requests each would be 12
    assert registry.most >= 2  # and the budget is used


def test_targets_and_records_in_the_window_protect_and_are_named(
    registry: InMemoryRegistry, tmp_path: Path
) -> None:
    digests = fill(registry)
    stale_api = digests["team/api"]["sha-0000001"]
    stale_web = digests["team/web"]["sha-0000001"]
    compose = tmp_path / "compose.yaml"
    compose.write_text(f"services:\n  api:\n    image: registry/team/api@{stale_api}\n")
    target = ComposeFileTarget(compose, "api")
    records = tmp_path / "records"
    (records / "web").mkdir(parents=True)
    newer = push_image(registry, "team/web", created=ago(1)).digest
    inside = PromotionRecord(
        repository="team/web",
        tag="prod",
        digest_before=stale_web,
        digest_after=newer,
        at=ago(10),
        actor="ci",
        source="sha-0000003",
    )
    (records / "web" / "prod.json").write_text(inside.to_json())
    stale_ops = digests["ops/tools"]["sha-0000001"]
    outside = PromotionRecord(
        repository="ops/tools",
        tag="prod",
        digest_before=None,
        digest_after=stale_ops,
        at=ago(40),
        actor="ci",
        source="sha-0000001",
    )
    (records / "ops.json").write_text(outside.to_json())
    fleet = RetentionFleet(
        registry, targets=[target], records=records, rollback_window=timedelta(days=30)
    )
    plan = fleet.plan(now=NOW)
    api = plan.plan("team/api").decision("sha-0000001")
    assert api.verdict == "keep"
    assert api.rule == "protected"
    assert f"runs on target {target.name}" in api.reason
    web = plan.plan("team/web").decision("sha-0000001")
    assert web.verdict == "keep"
    assert str(records / "web" / "prod.json") in web.reason
    assert "the rollback target" in web.reason
    # Outside the window the record protects nothing; other repositories are untouched.
    assert plan.plan("ops/tools").decision("sha-0000001").verdict == "delete"
    assert plan.plan("team/legacy").decision("sha-0000001").verdict == "delete"
    kinds = sorted((p.kind, p.repository) for p in plan.protections)
    assert kinds == [("record", "team/web"), ("record", "team/web"), ("target", None)]
    assert "protected digests:" in plan.text()
    wider = RetentionFleet(registry, records=records, rollback_window=timedelta(days=60))
    assert wider.plan(now=NOW).plan("ops/tools").decision("sha-0000001").verdict == "keep"


def test_an_unreadable_record_or_target_stops_the_plan(
    registry: InMemoryRegistry, tmp_path: Path
) -> None:
    fill(registry)
    (tmp_path / "junk.json").write_text("{}")
    with pytest.raises(RetentionError, match=r"junk.json.*is not a promotion record"):
        RetentionFleet(registry, records=tmp_path).plan(now=NOW)
    with pytest.raises(RetentionError, match="is not a directory"):
        RetentionFleet(registry, records=tmp_path / "nope").plan(now=NOW)
    compose = tmp_path / "compose.yaml"
    compose.write_text("services:\n  api:\n    image: registry/team/api:v1\n")
    with pytest.raises(RetentionError, match="does not say which digest it runs"):
        RetentionFleet(registry, targets=[ComposeFileTarget(compose, "api")]).plan(now=NOW)


def test_the_async_fleet_makes_the_same_plan(registry: InMemoryRegistry) -> None:
    fill(registry)
    config = FleetConfig.from_dict({"repositories": {"include": ["team/*"]}})
    sync_plan = RetentionFleet(registry, config=config).plan(now=NOW)

    async def main() -> FleetPlan:
        fleet = AsyncRetentionFleet(as_async_registry(registry), config=config, concurrency=4)
        plan = await fleet.plan(now=NOW)
        result = await fleet.apply(plan)
        assert result.ok
        return plan

    async_plan = asyncio.run(main())
    assert async_plan.sections == sync_plan.sections
    assert "sha-0000001" not in registry.list_tags("team/api")
    assert "sha-0000001" in registry.list_tags("ops/tools")


def test_bad_arguments_are_refused(registry: InMemoryRegistry) -> None:
    with pytest.raises(ValueError, match="concurrency"):
        RetentionFleet(registry, concurrency=0)
    with pytest.raises(ValueError, match="is not a FleetConfig"):
        RetentionFleet(registry, config={"defaults": {}})  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="is not an AsyncImageRegistry"):
        AsyncRetentionFleet(registry)  # type: ignore[arg-type]
    fleet = RetentionFleet(registry)
    with pytest.raises(ValueError, match="is not a FleetPlan"):
        fleet.apply("plan")  # type: ignore[arg-type]


def test_one_journal_undoes_the_whole_fleet(registry: InMemoryRegistry, tmp_path: Path) -> None:
    digests = fill(registry)
    fleet = RetentionFleet(registry)
    plan = fleet.plan(now=NOW)
    assert len(plan.deletions) == 4
    result = fleet.apply(plan, journal=tmp_path / "journal")
    assert result.ok
    assert all("sha-0000001" not in registry.list_tags(repo) for repo in REPOS)
    undo = RetentionJournal(tmp_path / "journal").restore(registry)
    assert undo.ok
    for repo in REPOS:
        assert registry.resolve(repo, "sha-0000001") == digests[repo]["sha-0000001"]


def test_a_repository_a_promotion_holds_is_reported_and_the_others_apply(
    registry: InMemoryRegistry, tmp_path: Path
) -> None:
    fill(registry)
    ours = DeploymentLock.file(tmp_path / "locks", label="retention")
    theirs = DeploymentLock.file(tmp_path / "locks", label="promotion")
    held = theirs.acquire(DeploymentLock.key("team/web", "prod"))
    fleet = RetentionFleet(registry)
    result = fleet.apply(fleet.plan(now=NOW), lock=ours)
    assert [o.repository for o in result.failed] == ["team/web"]
    assert "promotion@" in str(result.outcome("team/web").error)
    assert "sha-0000001" in registry.list_tags("team/web")
    assert all("sha-0000001" not in registry.list_tags(r) for r in REPOS if r != "team/web")
    assert theirs.release(held)
    with pytest.raises(ValueError, match="lock= is not a DeploymentLock"):
        fleet.apply(fleet.plan(now=NOW), lock="team/web")  # type: ignore[arg-type]
