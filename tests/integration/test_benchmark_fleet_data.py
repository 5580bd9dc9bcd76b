"""The repositories ``benchmarks/retention_fleet.py`` builds are what its docstring says:
link-file tags the registry serves, one request per tag, and a plan that deletes 8 of 20
digests (72 of 200 tags) per repository - so the benchmark times a plan with real work."""

from __future__ import annotations

import importlib.util
import sys
from collections.abc import Iterator
from datetime import datetime, timezone
from pathlib import Path
from types import ModuleType

import pytest

from mosaic_sdk import RetentionFleet
from mosaic_sdk.registry import RegistryClient
from tests._support.servers import RegistryServer

pytestmark = pytest.mark.integration

SCRIPT = Path(__file__).resolve().parents[2] / "benchmarks" / "retention_fleet.py"


@pytest.fixture(scope="module")
def bench() -> ModuleType:
    spec = importlib.util.spec_from_file_location("retention_fleet_bench", SCRIPT)
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


@pytest.fixture
def server(tmp_path: Path) -> Iterator[RegistryServer]:
    registry = RegistryServer(tmp_path / "registry").start()
    try:
        yield registry
    finally:
        registry.stop()


def test_the_benchmark_fleet_plans_real_deletions(
    bench: ModuleType, server: RegistryServer
) -> None:
    now = datetime.now(timezone.utc)
    repos = ["fleet/app-00", "fleet/app-01"]
    assert bench.populate(server.url, repos, 200, 20, now, server.storage) == 400
    with RegistryClient(server.url) as client:
        plan = RetentionFleet(client, concurrency=8).plan(now=now)
        requests = client.request_count
        # A link-file tag resolves like a pushed one.
        assert client.resolve(repos[0], "v2.0.0") == client.resolve(repos[0], "testing")
    assert [s.repository for s in plan.sections] == repos
    for section in plan.sections:
        assert section.plan is not None
        decisions = section.plan.decisions
        assert len(decisions) == 200
        deleted = [d for d in decisions if d.verdict == "delete"]
        assert len(deleted) == 72
        assert len(section.plan.deletions) == 8
        assert {d.category for d in deleted} == {"sha", "rc"}
        kept = {d.tag for d in decisions if d.verdict == "keep"}
        assert {"testing", "staging", "prod", "blue", "green", "v2.0.0"} <= kept
    # The catalog, a tag list per repository and one GET per tag: 1.005 per tag at 200.
    assert requests == 1 + len(repos) + 400
