"""``aplan``/``aapply`` on an on-disk layout: the same plan and result as the sync twin,
and a blocking registry is refused (or adapted) with a typed error naming the fix."""

from __future__ import annotations

import asyncio
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest

from mosaic_sdk import RetentionPolicy
from mosaic_sdk.errors import InvalidValueError
from mosaic_sdk.registry import AsyncOCILayout, OCILayout
from mosaic_sdk.testing import InMemoryRegistry, push_image

NOW = datetime(2026, 6, 1, tzinfo=timezone.utc)


def _seed(layout: OCILayout) -> None:
    push_image(layout, "app", "sha-0000001", created=NOW - timedelta(days=30), created_in="config")
    push_image(layout, "app", "sha-0000002", created=NOW, seed="fresh")
    push_image(layout, "app", "v1.0.0", "prod", created=NOW - timedelta(days=60), seed="rel")


def test_aplan_and_aapply_mirror_plan_and_apply(tmp_path: Path) -> None:
    _seed(OCILayout(tmp_path / "a"))
    expected = RetentionPolicy().plan(OCILayout(tmp_path / "a"), "app", now=NOW)

    async def main() -> tuple[object, object]:
        layout = AsyncOCILayout(tmp_path / "a")
        plan = await RetentionPolicy().aplan(layout, "app", now=NOW, concurrency=4)
        return plan, await plan.aapply(layout)

    plan, result = asyncio.run(main())
    assert plan == expected
    assert plan.reads == expected.reads  # type: ignore[attr-defined]
    assert result.summary() == "app: deleted 1 digests (1 tags), skipped 0, failed 0"  # type: ignore[attr-defined]
    assert OCILayout(tmp_path / "a").list_tags("app") == ["prod", "sha-0000002", "v1.0.0"]


def test_aplan_refuses_a_registry_it_cannot_await() -> None:
    async def main() -> None:
        await RetentionPolicy().aplan("registry", "app")  # type: ignore[arg-type]

    with pytest.raises(InvalidValueError, match="AsyncImageRegistry"):
        asyncio.run(main())


def test_aplan_adapts_or_refuses_a_blocking_registry() -> None:
    registry = InMemoryRegistry()
    push_image(registry, "app", "v1.0.0", created=NOW)

    async def main() -> object:
        return await RetentionPolicy().aplan(registry, "app", now=NOW)  # type: ignore[arg-type]

    import mosaic_sdk.registry

    if not hasattr(mosaic_sdk.registry, "as_async_registry"):  # no thread adapter yet
        with pytest.raises(InvalidValueError, match=r"call plan\(\) with this registry"):
            asyncio.run(main())
        return
    assert asyncio.run(main()) == RetentionPolicy().plan(registry, "app", now=NOW)
