"""Every request of a promotion carries the caller's correlation id, in both twins.

Debian's docker-registry sits behind the pass-through proxy of
``tests/_support/header_proxy.py``, which records the headers of every request it forwards.
"""

from __future__ import annotations

import asyncio
import random

from mosaic_sdk import AsyncPromotion, Promotion
from mosaic_sdk.observability import correlation_id
from mosaic_sdk.registry import AsyncRegistryClient, RegistryClient
from tests._support.header_proxy import HeaderRewritingProxy
from tests._support.images import image, push
from tests._support.servers import RegistryServer

CID = "promotion-7f3a"


def _assert_every_request_carries_the_id(proxy: HeaderRewritingProxy, before: int) -> None:
    sent = proxy.requests[before:]
    methods = [method for method, _, _ in sent]
    for method in ("PUT", "HEAD", "GET"):
        assert method in methods, methods
    seen = [
        (m, p, {k.lower(): v for k, v in h.items()}.get("x-correlation-id")) for m, p, h in sent
    ]
    assert all(cid == CID for _, _, cid in seen), seen


def test_every_request_of_a_promotion_carries_the_correlation_id(
    registry_server: RegistryServer, registry: RegistryClient, repo: str, rng: random.Random
) -> None:
    built = push(registry, repo, image(rng), "v1.0.0")
    proxy = HeaderRewritingProxy(registry_server.url).start()
    try:
        with RegistryClient(proxy.url) as client, correlation_id(CID):
            promotion = Promotion(client, repo, actor="ci")
            promotion.promote(built, to="testing")
            promotion.promote_environment("testing", "prod")
            promotion.deploy_to_idle_slot(built)
            promotion.switch("blue")
        _assert_every_request_carries_the_id(proxy, 0)
        before = len(proxy.requests)

        async def main() -> None:
            async with AsyncRegistryClient(proxy.url) as client:
                with correlation_id(CID):
                    apromotion = AsyncPromotion(client, repo, actor="ci")
                    await apromotion.promote(built, to="staging", force=True)
                    plan = await apromotion.plan_promotion(from_environment="staging", to="prod")
                    await apromotion.apply(plan)
                    await apromotion.deploy_to_idle_slot(built, force=True)
                    await apromotion.slots()

        asyncio.run(main())
        _assert_every_request_carries_the_id(proxy, before)
    finally:
        proxy.stop()
