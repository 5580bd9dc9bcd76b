"""Promotion rules against the in-memory registry: order, force, optional staging,
idempotency, exact bytes, request budget, blue/green slots and records."""

from __future__ import annotations

import json
from datetime import datetime, timezone

import pytest

from mosaic_sdk import Promotion, PromotionRecord
from mosaic_sdk.errors import ForbiddenTagError, InvalidValueError, PromotionError
from mosaic_sdk.registry import DOCKER_MANIFEST_LIST, DOCKER_MANIFEST_V2, Manifest
from mosaic_sdk.release import PROMOTION_ORDER, BlueGreenState, PromotionPlan
from mosaic_sdk.testing import InMemoryRegistry, RegistryCall, push_image, push_index
from mosaic_sdk.values import Digest, ImageTag

REPO = "team/app"
T0 = datetime(2025, 3, 1, 12, 0, tzinfo=timezone.utc)


@pytest.fixture
def registry() -> InMemoryRegistry:
    return InMemoryRegistry()


@pytest.fixture
def image(registry: InMemoryRegistry) -> Manifest:
    return push_image(registry, REPO, "sha-1111111", "v1.0.0-rc.1", created=T0)


@pytest.fixture
def promotion(registry: InMemoryRegistry) -> Promotion:
    return Promotion(registry, REPO, actor="ci-bot", clock=lambda: T0)


def ops(registry: InMemoryRegistry) -> list[str]:
    return [call.operation for call in registry.calls]


def test_the_environment_order_is_the_public_contract() -> None:
    assert PROMOTION_ORDER == ("testing", "staging", "prod")


def test_promote_a_digest_to_testing_writes_the_exact_bytes(
    registry: InMemoryRegistry, image: Manifest, promotion: Promotion
) -> None:
    registry.reset_calls()
    record = promotion.promote(image.digest, to="testing")

    assert record == PromotionRecord(
        repository=REPO,
        tag="testing",
        digest_before=None,
        digest_after=image.digest,
        at=T0,
        actor="ci-bot",
        source=str(image.digest),
        noop=False,
    )
    stored = registry.get_manifest(REPO, "testing")
    assert stored.content == image.content
    assert stored.media_type == image.media_type
    assert ops(registry)[:3] == ["resolve", "get_manifest", "put_manifest"]


def test_a_repeat_is_a_noop_that_says_so_and_writes_nothing(
    registry: InMemoryRegistry, image: Manifest, promotion: Promotion
) -> None:
    promotion.promote(image.digest, to="testing")
    registry.reset_calls()

    again = promotion.promote(str(image.digest), to="testing")

    assert again.noop
    assert not again.changed
    assert again.digest_before == again.digest_after == image.digest
    assert "no-op" in again.message
    assert "testing" in again.message
    assert ops(registry) == ["resolve"]


def test_docker_manifests_and_indexes_keep_their_media_type(
    registry: InMemoryRegistry, promotion: Promotion
) -> None:
    docker = push_image(registry, REPO, "sha-2222222", created=T0, docker=True)
    children = [
        push_image(registry, REPO, created=T0, docker=True, platform=p)
        for p in ("linux/amd64", "linux/arm64")
    ]
    index = push_index(registry, REPO, children, "v2.0.0", docker=True)

    promotion.promote("sha-2222222", to="testing")
    promotion.promote(index.digest, to="testing")
    promotion.promote(index.digest, to="blue", force=True)

    assert registry.get_manifest(REPO, "blue").media_type == DOCKER_MANIFEST_LIST
    assert registry.get_manifest(REPO, "testing").content == index.content
    assert registry.get_manifest(REPO, str(docker.digest)).media_type == DOCKER_MANIFEST_V2


@pytest.mark.parametrize(
    ("target", "missing"),
    [("staging", "testing"), ("prod", "testing")],
)
def test_order_is_enforced_and_the_error_names_the_environment_first(
    image: Manifest, promotion: Promotion, target: str, missing: str
) -> None:
    with pytest.raises(PromotionError) as info:
        promotion.promote(image.digest, to=target)
    message = str(info.value)
    assert f"promote it to {missing} first" in message
    assert str(image.digest) in message
    assert "force=True" in message


def test_prod_needs_staging_when_the_repository_uses_staging(
    registry: InMemoryRegistry, image: Manifest, promotion: Promotion
) -> None:
    other = push_image(registry, REPO, "sha-3333333", created=T0)
    promotion.promote(other.digest, to="testing")
    promotion.promote(other.digest, to="staging")
    promotion.promote(image.digest, to="testing")

    with pytest.raises(PromotionError, match="promote it to staging first") as info:
        promotion.promote(image.digest, to="prod")
    assert f"staging points to {other.digest}" in str(info.value)

    promotion.promote(image.digest, to="staging")
    record = promotion.promote(image.digest, to="prod")
    assert record.digest_after == image.digest
    assert record.digest_before is None


def test_staging_is_optional_testing_then_prod(
    registry: InMemoryRegistry, image: Manifest, promotion: Promotion
) -> None:
    promotion.promote(image.digest, to="testing")
    plan = promotion.plan_promotion(image.digest, to="prod")
    assert any("staging is not used" in check for check in plan.checks)
    record = promotion.apply(plan)
    assert registry.resolve(REPO, "prod") == image.digest
    assert record.source == str(image.digest)


def test_declared_without_staging_checks_testing_and_never_probes_staging(
    registry: InMemoryRegistry, image: Manifest
) -> None:
    promotion = Promotion(registry, REPO, actor="ci", environments=["testing", "prod"])
    assert promotion.environments == ("testing", "prod")
    assert "environments=('testing', 'prod')" in repr(promotion)
    with pytest.raises(PromotionError, match="promote it to testing first"):
        promotion.promote(image.digest, to="prod")
    promotion.promote(image.digest, to="testing")
    registry.reset_calls()
    plan = promotion.plan_promotion(image.digest, to="prod")
    assert plan.checks == (f"testing points to {image.digest}",)
    assert [(c.operation, c.reference) for c in registry.calls] == [
        ("resolve", "prod"),
        ("get_manifest", "testing"),
    ]
    promotion.apply(plan)
    assert registry.resolve(REPO, "prod") == image.digest


def test_declared_without_staging_refuses_staging_before_any_request(
    registry: InMemoryRegistry, image: Manifest
) -> None:
    promotion = Promotion(registry, REPO, environments=("testing", "prod"))
    registry.reset_calls()
    with pytest.raises(PromotionError, match="cannot promote to staging") as info:
        promotion.promote(image.digest, to="staging")
    assert "testing -> prod" in str(info.value)
    assert "promote to prod instead" in str(info.value)
    with pytest.raises(PromotionError, match="cannot promote from staging") as info:
        promotion.promote_environment("staging", "prod")
    assert "promote from testing instead" in str(info.value)
    assert registry.calls == []


def test_a_declared_staging_is_required_for_prod(
    registry: InMemoryRegistry, image: Manifest
) -> None:
    """Auto-detection would fall back to testing when staging is absent; a declared
    order does not: the missing staging blocks prod."""
    promotion = Promotion(registry, REPO, environments=("testing", "staging", "prod"))
    promotion.promote(image.digest, to="testing")
    with pytest.raises(PromotionError, match="staging has no image"):
        promotion.promote(image.digest, to="prod")
    promotion.promote(image.digest, to="staging")
    assert promotion.promote(image.digest, to="prod").digest_after == image.digest


@pytest.mark.parametrize(
    "environments",
    [("prod",), ("testing", "staging"), ("staging", "prod"), ("prod", "testing"), "testing",
     ("testing", "blue"), ("testing", "staging", "prod", "prod")],
)  # fmt: skip
def test_an_environment_order_must_be_one_of_the_two_pipelines(
    registry: InMemoryRegistry, environments: object
) -> None:
    with pytest.raises(InvalidValueError, match="is not an environment order") as info:
        Promotion(registry, REPO, environments=environments)  # type: ignore[arg-type]
    assert "('testing', 'prod')" in str(info.value)


def test_force_skips_the_order_check_and_is_recorded(
    registry: InMemoryRegistry, image: Manifest, promotion: Promotion
) -> None:
    registry.reset_calls()
    record = promotion.promote(image.digest, to="prod", force=True)
    assert record.forced
    assert "forced" in record.message
    assert registry.resolve(REPO, "prod") == image.digest
    assert ops(registry)[:3] == ["resolve", "get_manifest", "put_manifest"]


def test_promote_environment_resolves_the_pointer_first(
    registry: InMemoryRegistry, image: Manifest, promotion: Promotion
) -> None:
    promotion.promote(image.digest, to="testing")
    registry.reset_calls()

    record = promotion.promote_environment("testing", "staging")

    assert record.source == "testing"
    assert record.digest_after == image.digest
    assert registry.calls == [
        RegistryCall("resolve", REPO, "staging"),
        RegistryCall("get_manifest", REPO, "testing"),
        RegistryCall("put_manifest", REPO, "staging"),
    ]
    same = promotion.promote(from_environment="staging", to="prod")
    assert same.digest_after == image.digest


def test_from_environment_to_prod_still_checks_staging(
    registry: InMemoryRegistry, image: Manifest, promotion: Promotion
) -> None:
    other = push_image(registry, REPO, "sha-4444444", created=T0)
    promotion.promote(other.digest, to="testing")
    promotion.promote_environment("testing", "staging")
    promotion.promote(image.digest, to="testing")
    with pytest.raises(PromotionError, match="promote it to staging first"):
        promotion.promote(from_environment="testing", to="prod")


def test_immutable_tags_are_accepted_as_source(
    registry: InMemoryRegistry, image: Manifest, promotion: Promotion
) -> None:
    assert promotion.promote("v1.0.0-rc.1", to="testing").digest_after == image.digest
    record = promotion.promote(ImageTag.parse("sha-1111111"), to="staging")
    assert record.digest_after == image.digest
    assert record.source == "sha-1111111"


@pytest.mark.parametrize("source", ["latest", "dev", "LATEST"])
def test_latest_and_dev_are_forbidden_sources(
    image: Manifest, promotion: Promotion, source: str
) -> None:
    with pytest.raises(ForbiddenTagError, match=source):
        promotion.promote(source, to="testing")


def test_pointer_tags_are_refused_as_source_with_the_explicit_form_as_fix(
    image: Manifest, promotion: Promotion
) -> None:
    promotion.promote(image.digest, to="testing")
    with pytest.raises(PromotionError, match=r"from_environment='testing', to='staging'"):
        promotion.promote("testing", to="staging")
    with pytest.raises(PromotionError, match=r"switch\('blue'\)"):
        promotion.promote("blue", to="prod")


@pytest.mark.parametrize(
    ("kwargs", "error", "pattern"),
    [
        ({"to": "v1.0.0"}, InvalidValueError, "pointer tags only"),
        ({"to": "latest"}, ForbiddenTagError, "latest"),
        ({"to": "production"}, InvalidValueError, "'prod'"),
        ({"to": "testing", "from_environment": "testing"}, InvalidValueError, "exactly one"),
    ],
)
def test_bad_targets_and_arguments_are_typed_errors(
    image: Manifest,
    promotion: Promotion,
    kwargs: dict[str, str],
    error: type[Exception],
    pattern: str,
) -> None:
    with pytest.raises(error, match=pattern):
        promotion.promote(image.digest, **kwargs)  # type: ignore[arg-type]


def test_neither_source_nor_environment_and_same_environment_are_refused(
    promotion: Promotion,
) -> None:
    with pytest.raises(InvalidValueError, match="exactly one"):
        promotion.promote(to="staging")
    with pytest.raises(InvalidValueError, match="also the target"):
        promotion.promote(from_environment="staging", to="staging")
    with pytest.raises(InvalidValueError, match="environment pointer"):
        promotion.promote(from_environment="blue", to="prod")


def test_a_source_that_does_not_exist_is_a_promotion_error(promotion: Promotion) -> None:
    missing = Digest.from_bytes(b"never pushed")
    with pytest.raises(PromotionError, match="not in 'team/app'"):
        promotion.promote(missing, to="testing")
    with pytest.raises(PromotionError, match=r"v9\.9\.9"):
        promotion.promote("v9.9.9", to="testing")


def test_bad_constructor_arguments(registry: InMemoryRegistry) -> None:
    with pytest.raises(InvalidValueError, match="ImageRegistry"):
        Promotion(object(), REPO)  # type: ignore[arg-type]
    with pytest.raises(InvalidValueError, match="repository"):
        Promotion(registry, "Team/App")
    with pytest.raises(InvalidValueError, match="verification mode"):
        Promotion(registry, REPO, verify="maybe")  # type: ignore[arg-type]
    with pytest.raises(InvalidValueError, match="actor"):
        Promotion(registry, REPO, actor=" ")


def test_force_must_be_a_bool(promotion: Promotion, image: Manifest) -> None:
    # A truthy string would silently skip the order check.
    with pytest.raises(InvalidValueError, match="force"):
        promotion.promote(image.digest, to="prod", force="no")  # type: ignore[arg-type]
    with pytest.raises(InvalidValueError, match="force"):
        promotion.deploy_to_idle_slot(image.digest, force=1)  # type: ignore[arg-type]
    assert promotion.current("prod") is None


def test_naive_clock_is_refused(registry: InMemoryRegistry, image: Manifest) -> None:
    promotion = Promotion(registry, REPO, clock=lambda: datetime(2025, 1, 1))
    with pytest.raises(InvalidValueError, match="naive"):
        promotion.promote(image.digest, to="testing")


def test_actor_comes_from_the_environment(
    registry: InMemoryRegistry, image: Manifest, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("MOSAIC_ACTOR", "deployer")
    monkeypatch.setenv("USER", "alice")
    assert Promotion(registry, REPO).actor == "deployer"
    monkeypatch.delenv("MOSAIC_ACTOR")
    assert Promotion(registry, REPO).promote(image.digest, to="testing").actor == "alice"


def test_record_json_round_trip(image: Manifest, promotion: Promotion) -> None:
    first = promotion.promote(image.digest, to="testing")
    second = promotion.promote(image.digest, to="staging")
    for record in (first, second, promotion.promote(image.digest, to="staging")):
        text = record.to_json()
        assert PromotionRecord.from_json(text) == record
        assert PromotionRecord.from_json(json.loads(text)) == record
    assert first.at.tzinfo is not None


@pytest.mark.parametrize(
    ("change", "pattern"),
    [
        ({"digest_after": "sha256:abc"}, "hex characters"),
        ({"at": "yesterday"}, "ISO 8601"),
        ({"noop": "yes"}, "true or false"),
        ({"schema": "other/v9"}, "schema"),
        ({"tag": None}, "'tag'"),
    ],
)
def test_record_from_json_names_the_bad_field(
    image: Manifest, promotion: Promotion, change: dict[str, object], pattern: str
) -> None:
    data = promotion.promote(image.digest, to="testing").to_dict() | change
    with pytest.raises(InvalidValueError, match=pattern):
        PromotionRecord.from_json(data)
    with pytest.raises(InvalidValueError, match="not JSON"):
        PromotionRecord.from_json("{nope")


def test_a_plan_shows_what_would_move_and_changes_nothing(
    registry: InMemoryRegistry, image: Manifest, promotion: Promotion
) -> None:
    promotion.promote(image.digest, to="testing")
    plan = promotion.plan_promotion(image.digest, to="staging")

    assert isinstance(plan, PromotionPlan)
    assert not plan.noop
    assert plan.digest_before is None
    assert plan.digest == image.digest
    assert plan.checks == (f"testing points to {image.digest}",)
    text = str(plan)
    assert "team/app:staging" in text
    assert image.digest.short in text
    assert "testing points to" in plan._repr_markdown_()
    assert "<li>" in plan._repr_html_()
    assert "staging" not in registry.list_tags(REPO)

    assert promotion.apply(plan).digest_after == image.digest
    assert promotion.plan_promotion(image.digest, to="staging").noop


def test_verify_resolve_reads_the_pointer_back(registry: InMemoryRegistry, image: Manifest) -> None:
    promotion = Promotion(registry, REPO, verify="resolve")
    registry.reset_calls()
    promotion.promote(image.digest, to="testing")
    assert ops(registry) == ["resolve", "get_manifest", "put_manifest", "resolve"]


def test_a_pointer_moved_during_the_write_is_reported(image: Manifest) -> None:
    registry = InMemoryRegistry()
    image = push_image(registry, REPO, "sha-5555555", created=T0)
    intruder = push_image(registry, REPO, created=T0)
    written = False

    def race(call: RegistryCall) -> None:
        nonlocal written
        if call.operation == "put_manifest" and call.reference == "testing":
            written = True
        elif written and call.operation == "resolve":
            written = False
            registry.put_manifest(REPO, "testing", intruder)

    registry.before_call = race
    with pytest.raises(PromotionError, match="reads back as") as info:
        Promotion(registry, REPO, verify="resolve").promote(image.digest, to="testing")
    assert info.value.completed_steps == ("PUT testing",)


def test_a_registry_that_stores_other_bytes_fails_the_promotion(image: Manifest) -> None:
    class Rewriting(InMemoryRegistry):
        def put_manifest(
            self,
            repository: str,
            reference: str,
            manifest: Manifest | bytes,
            media_type: str | None = None,
        ) -> Digest:
            super().put_manifest(repository, reference, manifest, media_type)
            return Digest.from_bytes(b"rewritten")

    registry = Rewriting()
    pushed = push_image(registry, REPO, "sha-6666666", created=T0)
    with pytest.raises(PromotionError, match="was written as"):
        Promotion(registry, REPO).promote(pushed.digest, to="testing")


# -- blue/green ---------------------------------------------------------------------------


def test_blue_green_deploy_switch_and_instant_switch_back(registry: InMemoryRegistry) -> None:
    promotion = Promotion(registry, REPO, actor="ci")
    v1 = push_image(registry, REPO, "v1.0.0", created=T0)
    v2 = push_image(registry, REPO, "v1.1.0", created=T0)
    for image in (v1, v2):
        promotion.promote(image.digest, to="testing")
        promotion.promote(image.digest, to="staging")
        if image is v1:
            first = promotion.deploy_to_idle_slot(image.digest)
            assert first.tag == "blue"
            promotion.switch("blue")
    assert promotion.slots() == BlueGreenState(
        active="blue", idle="green", blue=v1.digest, green=None, prod=v1.digest
    )

    deployed = promotion.deploy_to_idle_slot("v1.1.0")
    assert deployed.tag == "green"
    assert deployed.digest_after == v2.digest
    assert registry.resolve(REPO, "prod") == v1.digest  # prod untouched until the switch

    switched = promotion.switch_prod_to("green")
    assert (switched.digest_before, switched.digest_after) == (v1.digest, v2.digest)
    state = promotion.slots()
    assert (state.active, state.idle, state.blue) == ("green", "blue", v1.digest)
    assert "green=" in str(state)
    assert "(live)" in str(state)

    registry.reset_calls()
    back = promotion.switch("blue")
    assert back.digest_after == v1.digest
    assert ops(registry) == ["resolve", "get_manifest", "put_manifest"]
    assert promotion.switch("blue").noop


def test_deploying_to_a_slot_follows_the_prod_order(image: Manifest, promotion: Promotion) -> None:
    with pytest.raises(PromotionError, match="promote it to testing first"):
        promotion.deploy_to_idle_slot(image.digest)
    assert promotion.deploy_to_idle_slot(image.digest, force=True).tag == "blue"


def test_switching_to_an_empty_slot_says_what_to_do(promotion: Promotion) -> None:
    with pytest.raises(PromotionError, match="deploy_to_idle_slot"):
        promotion.switch("green")
    with pytest.raises(InvalidValueError, match="slot"):
        promotion.switch("purple")


def test_slot_state_when_prod_is_not_a_slot(
    registry: InMemoryRegistry, image: Manifest, promotion: Promotion
) -> None:
    promotion.promote(image.digest, to="prod", force=True)
    state = promotion.slots()
    assert state.active is None
    assert state.idle == "blue"
    assert state.digest("blue") is None
    assert state.prod == image.digest
    with pytest.raises(InvalidValueError):
        state.digest("red")
    assert promotion.current("prod") == image.digest
    assert promotion.current("staging") is None


@pytest.mark.parametrize(
    ("setup", "source", "target", "expected"),
    [
        (
            (),
            "DIGEST",
            "testing",
            ["resolve testing", "get_manifest DIGEST", "put_manifest testing"],
        ),
        (
            ("testing",),
            "DIGEST",
            "staging",
            ["resolve staging", "get_manifest testing", "put_manifest staging"],
        ),
        (
            ("testing", "staging"),
            "DIGEST",
            "prod",
            ["resolve prod", "get_manifest staging", "put_manifest prod"],
        ),
        (
            ("testing",),
            "DIGEST",
            "prod",
            ["resolve prod", "get_manifest staging", "get_manifest testing", "put_manifest prod"],
        ),
        (
            ("testing",),
            "v1.0.0-rc.1",
            "staging",
            [
                "resolve staging",
                "get_manifest v1.0.0-rc.1",
                "resolve testing",
                "put_manifest staging",
            ],
        ),
        (("testing",), "DIGEST", "testing", ["resolve testing"]),
    ],
    ids=["to-testing", "to-staging", "to-prod", "to-prod-no-staging", "tag-source", "noop"],
)
def test_the_documented_request_sequences(
    registry: InMemoryRegistry,
    image: Manifest,
    promotion: Promotion,
    setup: tuple[str, ...],
    source: str,
    target: str,
    expected: list[str],
) -> None:
    for tag in setup:
        registry.put_manifest(REPO, tag, image)
    registry.reset_calls()
    promotion.promote(str(image.digest) if source == "DIGEST" else source, to=target)
    made = [f"{c.operation} {c.reference}" for c in registry.calls]
    assert made == [e.replace("DIGEST", str(image.digest)) for e in expected]
