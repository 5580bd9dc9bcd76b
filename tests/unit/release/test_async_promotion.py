"""AsyncPromotion is Promotion's twin: same arguments, same records, same registry calls."""

from __future__ import annotations

import asyncio
import inspect
from collections.abc import Callable
from datetime import datetime, timezone
from typing import Any

import pytest

import mosaic_sdk
from mosaic_sdk import AsyncPromotion, Promotion, PromotionPlan, PromotionRecord
from mosaic_sdk.errors import APIConnectionError, InvalidValueError, PromotionError
from mosaic_sdk.registry import Manifest
from mosaic_sdk.testing import InMemoryRegistry, push_image
from mosaic_sdk.values import Digest
from tests._support.async_fakes import AsyncRegistryView

REPO = "team/app"
T0 = datetime(2025, 3, 1, 12, 0, tzinfo=timezone.utc)


def _public_methods(cls: type) -> list[str]:
    return sorted(
        name for name, value in vars(cls).items() if callable(value) and not name.startswith("_")
    )


def test_async_promotion_is_exported_from_both_packages() -> None:
    assert mosaic_sdk.AsyncPromotion is mosaic_sdk.release.AsyncPromotion is AsyncPromotion


def test_every_public_method_mirrors_the_sync_twin() -> None:
    names = _public_methods(Promotion)
    assert names == _public_methods(AsyncPromotion)
    assert "apply" in names
    assert inspect.signature(Promotion.__init__).parameters.keys() == (
        inspect.signature(AsyncPromotion.__init__).parameters.keys()
    )
    for name in names:
        sync, asynchronous = getattr(Promotion, name), getattr(AsyncPromotion, name)
        assert inspect.iscoroutinefunction(asynchronous), name
        assert not inspect.iscoroutinefunction(sync), name
        assert str(inspect.signature(sync)) == str(inspect.signature(asynchronous)), name


def _scenario_sync(promotion: Promotion, image: Manifest, rc2: Manifest) -> list[object]:
    out: list[object] = [promotion.promote(image.digest, to="testing")]
    plan = promotion.plan_promotion(from_environment="testing", to="staging")
    out += [plan, promotion.apply(plan), promotion.promote_environment("staging", "prod")]
    out += [promotion.promote(image.digest, to="prod"), promotion.current("prod")]
    out += [promotion.slots(), promotion.deploy_to_idle_slot(image.digest)]
    out += [promotion.switch("blue"), promotion.promote(rc2.digest, to="testing", force=True)]
    out += [promotion.promote("v1.0.0-rc.2", to="staging")]
    out += [promotion.deploy_to_idle_slot(rc2.digest), promotion.switch_prod_to("green")]
    out += [promotion.slots()]
    return out


async def _scenario_async(
    promotion: AsyncPromotion, image: Manifest, rc2: Manifest
) -> list[object]:
    out: list[object] = [await promotion.promote(image.digest, to="testing")]
    plan = await promotion.plan_promotion(from_environment="testing", to="staging")
    out += [plan, await promotion.apply(plan)]
    out += [await promotion.promote_environment("staging", "prod")]
    out += [await promotion.promote(image.digest, to="prod"), await promotion.current("prod")]
    out += [await promotion.slots(), await promotion.deploy_to_idle_slot(image.digest)]
    out += [await promotion.switch("blue")]
    out += [await promotion.promote(rc2.digest, to="testing", force=True)]
    out += [await promotion.promote("v1.0.0-rc.2", to="staging")]
    out += [await promotion.deploy_to_idle_slot(rc2.digest)]
    out += [await promotion.switch_prod_to("green"), await promotion.slots()]
    return out


def _world() -> tuple[InMemoryRegistry, Manifest, Manifest]:
    registry = InMemoryRegistry()
    image = push_image(registry, REPO, "sha-1111111", "v1.0.0-rc.1", created=T0, seed="one")
    rc2 = push_image(registry, REPO, "sha-2222222", "v1.0.0-rc.2", created=T0, seed="two")
    registry.reset_calls()
    return registry, image, rc2


def test_the_same_scenario_gives_the_same_results_and_the_same_registry_calls() -> None:
    sync_registry, image, rc2 = _world()
    sync = Promotion(sync_registry, REPO, actor="ci", clock=lambda: T0)
    expected = _scenario_sync(sync, image, rc2)

    async_registry, image_b, rc2_b = _world()
    assert (image_b.digest, rc2_b.digest) == (image.digest, rc2.digest)
    apromotion = AsyncPromotion(
        AsyncRegistryView(async_registry), REPO, actor="ci", clock=lambda: T0
    )
    got = asyncio.run(_scenario_async(apromotion, image_b, rc2_b))

    assert got == expected
    assert [(c.operation, c.reference) for c in async_registry.calls] == [
        (c.operation, c.reference) for c in sync_registry.calls
    ]
    assert any(isinstance(r, PromotionRecord) and r.noop for r in got)


def test_a_plan_is_a_pure_value_applied_by_the_promotion() -> None:
    registry, image, _ = _world()
    promotion = Promotion(registry, REPO, actor="ci")
    promotion.promote(image.digest, to="testing")
    plan = promotion.plan_promotion(image.digest, to="staging")
    assert not hasattr(plan, "apply")
    assert "promotion" not in {f.alias for f in PromotionPlan.__attrs_attrs__}
    record = asyncio.run(AsyncPromotion(AsyncRegistryView(registry), REPO).apply(plan))
    assert record.digest_after == image.digest
    assert registry.resolve(REPO, "staging") == image.digest


@pytest.mark.parametrize("bad", [None, "plan", {"tag": "prod"}])
def test_apply_refuses_what_is_not_a_plan(bad: object) -> None:
    registry, _, _ = _world()
    with pytest.raises(InvalidValueError, match="is not a PromotionPlan"):
        Promotion(registry, REPO).apply(bad)  # type: ignore[arg-type]
    with pytest.raises(InvalidValueError, match="is not a PromotionPlan"):
        asyncio.run(AsyncPromotion(AsyncRegistryView(registry), REPO).apply(bad))  # type: ignore[arg-type]


def test_apply_refuses_a_plan_of_another_repository() -> None:
    registry, image, _ = _world()
    Promotion(registry, REPO).promote(image.digest, to="testing")
    plan = Promotion(registry, REPO).plan_promotion(image.digest, to="staging")
    with pytest.raises(InvalidValueError, match="team/other"):
        Promotion(registry, "team/other").apply(plan)
    assert "staging" not in registry.list_tags(REPO)


def test_each_twin_refuses_the_other_kind_of_registry() -> None:
    registry = InMemoryRegistry()
    with pytest.raises(InvalidValueError, match="AsyncImageRegistry"):
        AsyncPromotion(registry, REPO)  # type: ignore[arg-type]
    with pytest.raises(InvalidValueError, match="ImageRegistry"):
        Promotion(AsyncRegistryView(registry), REPO)  # type: ignore[arg-type]
    assert repr(AsyncPromotion(AsyncRegistryView(registry), REPO, actor="ci")).startswith(
        "AsyncPromotion("
    )


class _LosesPutAnswers(AsyncRegistryView):
    """The PUT lands, but its answer is lost ``lose`` times (a reset after the write)."""

    def __init__(self, inner: InMemoryRegistry, lose: int, *, land: bool = True) -> None:
        super().__init__(inner)
        self.lose = lose
        self.land = land

    async def put_manifest(self, repository: str, reference: str, manifest: Manifest) -> Digest:
        if self.lose:
            self.lose -= 1
            if self.land:
                await super().put_manifest(repository, reference, manifest)
            raise APIConnectionError("connection reset", provider="registry")
        return await super().put_manifest(repository, reference, manifest)


def _run(make: Callable[[InMemoryRegistry], Any], image_to: str = "testing") -> tuple[Any, Any]:
    registry, image, _ = _world()
    promotion = AsyncPromotion(make(registry), REPO, actor="ci")
    return registry, asyncio.run(promotion.promote(image.digest, to=image_to))


def test_a_lost_put_answer_is_read_back_not_resent() -> None:
    registry, record = _run(lambda r: _LosesPutAnswers(r, 1))
    assert record.changed
    ops = [c.operation for c in registry.calls]
    assert ops.count("put_manifest") == 1
    assert ops[-1] == "resolve"


def test_a_put_that_did_not_land_is_sent_again_at_most_three_times() -> None:
    registry, record = _run(lambda r: _LosesPutAnswers(r, 2, land=False))
    assert record.changed
    assert [c.operation for c in registry.calls].count("put_manifest") == 1  # only one landed
    registry_b, image, _ = _world()
    promotion = AsyncPromotion(_LosesPutAnswers(registry_b, 3, land=False), REPO)
    with pytest.raises(PromotionError, match="3 PUTs"):
        asyncio.run(promotion.promote(image.digest, to="testing"))
