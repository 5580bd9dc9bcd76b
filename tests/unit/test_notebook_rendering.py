"""Plans, reports and records read well in a notebook: a one-line ``repr`` and an HTML
and a Markdown rendering that escape what they show."""

from __future__ import annotations

import enum
import json
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import hvac
import pytest
import requests

from mosaic_sdk.observability import register_secret
from mosaic_sdk.release import Promotion, RetentionPolicy
from mosaic_sdk.standards import lint_dockerfile
from mosaic_sdk.testing import InMemoryRegistry, push_image
from mosaic_sdk.vault import SecretStore
from tests._support.fake_vault import BASE_URL, TEST_TOKEN, FakeVault
from tests._support.servers import free_port

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
    data = objects["result"].to_dict()
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


# -- one shape for results (#14) ---------------------------------------------------------


@pytest.mark.parametrize("name", sorted(EXPECTED_REPR))
def test_every_result_has_to_dict_to_json_and_ok(objects: dict[str, Any], name: str) -> None:
    obj = objects[name]
    assert isinstance(obj.ok, bool), f"{name}.ok is not a bool"
    data = obj.to_dict()
    assert isinstance(data, dict)
    # JSON-ready: json.dumps needs no default= hook, and to_json() is its text.
    assert json.loads(json.dumps(data)) == data
    text = obj.to_json()
    assert isinstance(text, str)
    assert json.loads(text) == data


def test_ok_says_what_the_result_says(objects: dict[str, Any]) -> None:
    assert objects["validation"].ok is False  # the smoke test failed
    assert objects["health"].ok is False  # nothing listens on the port
    assert objects["release"].ok is False  # rolled back
    assert objects["result"].ok is True
    assert objects["lint"].ok is False  # FROM python:latest is an error


@pytest.mark.parametrize(
    ("name", "old"),
    [("validation", "passed"), ("health", "healthy")],
)
def test_older_spellings_warn_and_agree(objects: dict[str, Any], name: str, old: str) -> None:
    obj = objects[name]
    with pytest.warns(DeprecationWarning, match=f"{old} is deprecated"):
        assert getattr(obj, old) is obj.ok


def _public_attrs_types() -> list[tuple[str, type]]:
    import attrs

    import mosaic_sdk

    found = []
    for name in mosaic_sdk.__all__:
        obj = getattr(mosaic_sdk, name)
        if isinstance(obj, type) and (attrs.has(obj) or issubclass(obj, enum.Enum)):
            if issubclass(obj, BaseException):
                continue
            found.append((name, obj))
    return found


@pytest.mark.parametrize(("name", "cls"), _public_attrs_types(), ids=lambda v: str(v))
def test_every_public_result_and_value_type_renders_in_jupyter(name: str, cls: type) -> None:
    for method in ("_repr_html_", "_repr_markdown_"):
        assert callable(getattr(cls, method, None)), f"{name} has no {method}"


def test_value_types_render_in_jupyter() -> None:
    from mosaic_sdk.observability import SLO, LatencySummary
    from mosaic_sdk.release import BlueGreenState, TagDecision
    from mosaic_sdk.values import Digest, ImageReference

    digest = Digest.parse("sha256:" + "a" * 64)
    image = ImageReference.parse(f"registry.example.com/team/app@{digest}")
    assert image._repr_markdown_() == f"`{image}`"
    assert image._repr_html_() == f"<code>{image}</code>"
    state = BlueGreenState(active="blue", idle="green", blue=digest, green=None, prod=digest)
    assert "| active | `blue` |" in state._repr_markdown_()
    assert state.to_dict()["prod"] == str(digest)
    assert state.ok
    latency = LatencySummary.from_samples([0.1, 0.2, 0.3])
    assert "| p95 |" in latency._repr_markdown_()
    slo = SLO(objective=0.99)
    evaluation = slo.evaluate(dict.fromkeys(slo.required_windows(), 0.5))
    assert "FIRING" in evaluation._repr_markdown_()
    assert evaluation.ok is False
    assert json.loads(evaluation.to_json())["severity"] == "page"
    decision = TagDecision(
        tag="sha-*|x", digest=digest, category="sha", verdict="delete", reason="older <30d>"
    )
    markdown = decision._repr_markdown_()
    assert "sha-\\*\\|x" in markdown
    assert "<30d>" not in decision._repr_html_()


def test_markdown_escapes_what_it_quotes() -> None:
    from mosaic_sdk._render import md_code, md_escape, md_table

    assert md_escape("*bold* _it_ [x](y) <b> a|b") == ("\\*bold\\* \\_it\\_ \\[x\\](y) \\<b> a\\|b")
    assert md_escape("# not a heading") == "\\# not a heading"
    assert md_code("a`b") == "`` a`b ``"
    table = md_table(["k", "v"], [["a|b", md_code("c|d")]])
    assert table.splitlines()[2] == "| a\\|b | `c\\|d` |"


def test_a_secret_renders_without_its_values() -> None:
    from mosaic_sdk.values import VaultPath
    from mosaic_sdk.vault import Secret, SecretData

    secret = Secret(
        path=VaultPath.parse("secret-dev/payments/database/app"),
        data=SecretData({"password": "hunter2-rendered"}),
        version=3,
    )
    for text in (secret._repr_markdown_(), secret._repr_html_()):
        assert "hunter2-rendered" not in text
        assert "password" in text
