"""A whole blue-green release inside one event loop, on real servers: Debian's
docker-registry (through AsyncRegistryClient), two loopback apps answering the checks'
HTTP requests, compose-file slots and evidence files - with a stall detector running."""

from __future__ import annotations

import asyncio
import itertools
from pathlib import Path

import pytest

from mosaic_sdk import (
    AsyncPostDeployValidation,
    AsyncPromotion,
    HealthCheck,
    ReleaseEvidence,
    ReleaseOutcome,
    SmokeTest,
    arelease,
)
from mosaic_sdk.providers import AsyncComposeFileTarget
from mosaic_sdk.registry import AsyncRegistryClient, RegistryClient
from mosaic_sdk.testing import push_image
from mosaic_sdk.values import Digest, ImageReference
from tests._support.metrics_app import MetricsApp
from tests._support.servers import RegistryServer
from tests.unit.release.test_async_release import StallDetector, calm_run

pytestmark = pytest.mark.integration

COMPOSE = (
    "services:\n  web-blue:\n    image: example/web:none\n"
    "  web-green:\n    image: example/web:none\n"
)
TAGS = ("v1.0.0", "v1.1.0", "v1.2.0")


def test_blue_green_on_a_real_registry_never_stalls_the_loop(
    registry_server: RegistryServer, registry: RegistryClient, repo: str, tmp_path: Path
) -> None:
    host = registry_server.url.split("://", 1)[1]
    validation = AsyncPostDeployValidation(
        [
            HealthCheck("{base_url}/health", deadline=1.0, interval=0.1, timeout=2),
            SmokeTest("api", steps=["{base_url}/api", "{base_url}/version"]),
        ]
    )
    runs = itertools.count()

    def scenario() -> tuple[StallDetector, list[object]]:
        run = next(runs)
        name, root = f"{repo}-{run}", tmp_path / f"run{run}"
        (root / "repo").mkdir(parents=True)
        (root / "slots.yaml").write_text(COMPOSE)
        images = {}
        for tag in TAGS:
            manifest = push_image(registry, name, tag)
            images[tag] = ImageReference.parse(f"{host}/{name}:{tag}@{manifest.digest}")
        evidence = ReleaseEvidence(root / "repo", issue=15, short_name="web")

        async def main(blue: MetricsApp, green: MetricsApp) -> tuple[StallDetector, list[object]]:
            outcomes: list[object] = []
            async with AsyncRegistryClient(registry_server.url) as client:
                promotion = AsyncPromotion(client, name, actor="test")
                slots = {
                    slot: AsyncComposeFileTarget(root / "slots.yaml", f"web-{slot}")
                    for slot in ("blue", "green")
                }
                async with StallDetector() as detector:
                    for tag in TAGS:
                        image = images[tag]
                        assert image.digest is not None
                        await promotion.promote(image.digest, to="testing")
                        # the third release lands on blue, which is unhealthy by then
                        blue.healthy = tag != "v1.2.0"
                        result = await arelease(
                            image,
                            validation=validation,
                            promotion=promotion,
                            slots=slots,
                            base_url={"blue": blue.url, "green": green.url},
                            evidence=evidence,
                        )
                        outcomes.append((result.outcome, result.active_slot))
                outcomes.append(await client.resolve(name, "prod"))
                outcomes.append(await client.resolve(name, "blue"))
            return detector, outcomes

        with MetricsApp() as blue, MetricsApp() as green:
            detector, outcomes = asyncio.run(main(blue, green))
        assert "BLOCKED" in (root / "repo" / "docs" / "TASKS.md").read_text()
        digests: list[Digest | None] = [images[tag].digest for tag in TAGS]
        return detector, [*outcomes, digests]

    *outcomes, prod, blue, digests = calm_run(scenario, attempts=3)
    assert outcomes == [
        (ReleaseOutcome.RELEASED, "blue"),
        (ReleaseOutcome.RELEASED, "green"),
        (ReleaseOutcome.ROLLED_BACK, "green"),
    ]
    assert prod == digests[1]  # prod never moved to the bad release
    assert blue == digests[0]  # and the bad slot was restored
