"""Plans, reports and records read well in a notebook: a one-line ``repr`` and an HTML
and a Markdown rendering that escape what they show."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import hvac
import pytest
import requests
from _fake_vault import BASE_URL, TEST_TOKEN, FakeVault

from mosaic_sdk.observability import register_secret
from mosaic_sdk.release import Promotion, RetentionPolicy
from mosaic_sdk.standards import lint_dockerfile
from mosaic_sdk.testing import InMemoryRegistry, push_image
from mosaic_sdk.vault import SecretStore
from tests._servers import free_port

NOW = datetime(2024, 6, 1, tzinfo=timezone.utc)


def _promotion_objects() -> dict[str, Any]:
    registry = InMemoryRegistry()
    image = push_image(registry, "team/app", "sha-1234567", created=NOW - timedelta(days=30))
    push_image(registry, "team/app", "v1.0.0", created=NOW - timedelta(days=60))
    push_image(registry, "team/app", "sha-89abcde", created=NOW - timedelta(days=30))
    promotion = Promotion(registry, "team/app", actor="ci <bot>")
    record = promotion.promote("sha-1234567", to="testing")
    plan = promotion.plan_promotion(image.digest, to="staging")
    retention = RetentionPolicy().plan(registry, "team/app", now=NOW)
    result = retention.apply(registry)
    return {"record": record, "plan": plan, "retention": retention, "result": result}


def _audit_report() -> Any:
    vault = FakeVault({"secret-prod": 2})
    vault.seed_v2("secret-prod", "payments/db/app", {"pass|word": "x-1"})
    register_secret(TEST_TOKEN)
    session = requests.Session()
    store = SecretStore(hvac.Client(url=BASE_URL, token=TEST_TOKEN, session=session))
    session.mount(BASE_URL, vault)
    with store:
        return store.audit("secret-prod")


def _release_objects(tmp: Path) -> dict[str, Any]:
    from mosaic_sdk.observability import check_stack_health
    from mosaic_sdk.providers import ComposeFileTarget
    from mosaic_sdk.release import (
        PostDeployValidation,
        ReleaseOutcome,
        ReleaseResult,
        ReleaseStep,
        Rollback,
        SmokeTest,
        select_deployment_target,
    )
    from mosaic_sdk.values import ImageReference

    good = ImageReference.parse("registry.example.com/team/app@sha256:" + "1" * 64)
    bad = ImageReference.parse("registry.example.com/team/app@sha256:" + "2" * 64)
    compose = tmp / "compose.yaml"
    compose.write_text("services:\n  app:\n    image: registry.example.com/team/app:v1\n")
    target = ComposeFileTarget(compose, "app")
    target.deploy(good, version="1.0.0")
    target.deploy(bad, version="1.1.0-rc.1")
    report = PostDeployValidation([SmokeTest("smoke <1>", func=lambda context: False)]).run(
        bad, version="1.1.0-rc.1"
    )
    rollback = Rollback(target, failed=bad)
    (tmp / "vercel.json").write_text("{}")
    release = ReleaseResult(
        strategy="blue-green",
        image=bad,
        version="1.1.0-rc.1",
        outcome=ReleaseOutcome.ROLLED_BACK,
        steps=(ReleaseStep("validate slot green", "failed", "smoke <1> failed"),),
        reports=(report,),
    )
    return {
        "validation": report,
        "rollback_plan": rollback.plan(),
        "rollback_result": rollback.execute(reason="smoke failed"),
        "health": check_stack_health({"nothing": f"tcp://127.0.0.1:{free_port()}"}, timeout=1),
        "selection": select_deployment_target(tmp),
        "release": release,
    }


@pytest.fixture(scope="module")
def objects(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    found = _promotion_objects()
    found.update(_release_objects(tmp_path_factory.mktemp("release")))
    found["audit"] = _audit_report()
    found["lint"] = lint_dockerfile("FROM python:latest\nCMD python <app>.py\n", "Dockerfile")
    return found


EXPECTED_REPR = {
    "record": "<PromotionRecord team/app:testing (none) -> sha256:",
    "plan": "<PromotionPlan team/app:staging: (none) -> sha256:",
    "retention": "<RetentionPlan team/app: 4 tags, keep 3, delete 1 (1 digests)>",
    "result": "<RetentionResult team/app: deleted 1 digests (1 tags), skipped 0, failed 0>",
    "audit": "<AuditReport audit of secret-prod (KV v2): 1 secrets, 1 findings>",
    "lint": "LintReport(files=1, errors=2, warnings=1, info=1)",
    "validation": "<ValidationReport post-deploy validation failed: smoke <1>: ",
    "rollback_plan": "<RollbackPlan roll file:",
    "rollback_result": "<RollbackResult rolled file:",
    "health": "<StackHealthReport stack: 0 of 1 healthy in ",
    "selection": "<TargetSelection vercel (inferred, vercel.json)>",
    "release": "<ReleaseResult ",
}


@pytest.mark.parametrize("name", sorted(EXPECTED_REPR))
def test_repr_is_one_short_line(objects: dict[str, Any], name: str) -> None:
    text = repr(objects[name])
    assert text.startswith(EXPECTED_REPR[name])
    assert "\n" not in text
    assert len(text) < 200


@pytest.mark.parametrize("name", sorted(EXPECTED_REPR))
def test_html_or_markdown_rendering(objects: dict[str, Any], name: str) -> None:
    obj = objects[name]
    html = getattr(obj, "_repr_html_", None)
    markdown = getattr(obj, "_repr_markdown_", None)
    assert html is not None or markdown is not None, f"{name} renders as plain text only"
    if html is not None:
        assert html().startswith("<")
        assert "smoke <1>" not in html(), "HTML must escape what it shows"
    if markdown is not None:
        assert markdown().strip()


def test_renderings_escape_what_they_show(objects: dict[str, Any]) -> None:
    record = objects["record"]
    assert "ci &lt;bot&gt;" in record._repr_html_()
    assert "ci <bot>" not in record._repr_html_()
    assert "| actor | `ci <bot>` |" in record._repr_markdown_()
    audit = objects["audit"]
    assert "pass\\|word" in audit._repr_markdown_()
    assert "<table>" in audit._repr_html_()
    assert "&lt;app&gt;" in objects["lint"]._repr_html_()


def test_record_rendering_names_every_field(objects: dict[str, Any]) -> None:
    markdown = objects["record"]._repr_markdown_()
    for field in ("pointer", "before", "after", "source", "actor", "at", "no-op", "forced"):
        assert f"| {field} |" in markdown
    assert markdown.startswith("**team/app:testing -> sha256:")


def test_retention_result_to_json(objects: dict[str, Any]) -> None:
    data = objects["result"].to_json()
    (outcome,) = objects["result"].outcomes
    assert data == {
        "repository": "team/app",
        "ok": True,
        "summary": "team/app: deleted 1 digests (1 tags), skipped 0, failed 0",
        "deleted_tags": ["sha-89abcde"],
        "outcomes": [
            {
                "digest": str(outcome.digest),
                "tags": ["sha-89abcde"],
                "status": "deleted",
                "reason": outcome.reason,
                "restorations": [],
            }
        ],
    }
