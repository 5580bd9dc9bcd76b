"""Promotions and retention rounds through :class:`~tests._support.fault_proxy.FaultProxy`, each
judged against the registry itself (read directly, not through the proxy).

Shared by ``tests/integration/test_registry_faults.py`` (small counts) and
``benchmarks/_faults_registry.py`` (the issue #13 table). Nobody but the round writes to
its repository, so every end state is decidable:

* a promotion that returned must have moved its pointer; one that raised must raise a
  ``MosaicError``, and if the pointer moved anyway the error must say so (a
  ``PromotionError`` naming the digest); a rerun must converge;
* a retention round must keep every tag it keeps, report every digest it deleted as
  deleted (and nothing else), and a rerun must delete what is left.
"""

from __future__ import annotations

import random
import time
from collections.abc import Callable
from datetime import datetime, timedelta, timezone

import attrs

from mosaic_sdk import Promotion, RetentionPolicy, RetryPolicy
from mosaic_sdk.errors import MosaicError, PromotionError
from mosaic_sdk.registry import Manifest, RegistryClient
from mosaic_sdk.testing import push_image, push_index, push_signature
from tests._support.fault_proxy import FaultProxy

__all__ = ["FAST", "Tally", "index_child_race", "prod_delete_race", "run_rounds"]

FAST = RetryPolicy(
    max_retries=3,
    initial_delay=0.01,
    max_delay=0.05,
    jitter=0.0,
    max_retry_after=2.0,
    sleep=lambda seconds: time.sleep(min(seconds, 0.02)),
)
_POINTERS = ("testing", "prod", "blue")
_RERUNS = 6


@attrs.define
class Tally:
    """What the rounds found (``problems`` lists each defect in words)."""

    faults: int = 0
    promotions: int = 0
    retention_rounds: int = 0
    wrong_end_states: int = 0
    moved_but_failed: int = 0
    misreported_deletions: int = 0
    untyped: int = 0
    not_converged: int = 0
    typed_failures: int = 0
    problems: list[str] = attrs.field(factory=list)

    @property
    def broken(self) -> int:
        return (
            self.wrong_end_states
            + self.moved_but_failed
            + self.misreported_deletions
            + self.untyped
            + self.not_converged
        )


def _ago(days: float) -> datetime:
    return datetime.now(timezone.utc) - timedelta(days=days)


def _current(direct: RegistryClient, repo: str, tag: str) -> object:
    return direct.resolve(repo, tag) if direct.exists(repo, tag) else None


def _promotion_round(
    direct: RegistryClient,
    faulty: RegistryClient,
    repo: str,
    images: list[Manifest],
    rng: random.Random,
    tally: Tally,
) -> None:
    image = rng.choice(images)
    pointer = rng.choice(_POINTERS)
    before = _current(direct, repo, pointer)
    tally.promotions += 1
    promotion = Promotion(faulty, repo, actor="faults")
    try:
        promotion.promote(image.digest, to=pointer, force=True)
    except MosaicError as exc:
        tally.typed_failures += 1
        now = _current(direct, repo, pointer)
        if now not in (before, image.digest):
            tally.wrong_end_states += 1
            tally.problems.append(f"{pointer} became {now} after a failed promotion")
        if now == image.digest and now != before:
            text = str(exc)
            if not (isinstance(exc, PromotionError) and str(image.digest) in text):
                tally.moved_but_failed += 1
                tally.problems.append(f"{pointer} moved but promote raised {exc!r}")
    except Exception as exc:
        tally.untyped += 1
        tally.problems.append(f"untyped {type(exc).__name__}: {exc}")
    else:
        if _current(direct, repo, pointer) != image.digest:
            tally.wrong_end_states += 1
            tally.problems.append(f"promote returned but {pointer} does not name the image")
        return
    for _ in range(_RERUNS):  # a rerun converges
        try:
            promotion.promote(image.digest, to=pointer, force=True)
        except Exception:  # noqa: S112 - the faults may still be going on
            continue
        break
    if _current(direct, repo, pointer) != image.digest:
        tally.not_converged += 1
        tally.problems.append(f"promotion to {pointer} did not converge")


def _retention_repo(direct: RegistryClient, repo: str) -> dict[str, Manifest]:
    fresh = push_image(direct, repo, "sha-f7e5000", "prod", "testing", created=_ago(1))
    release = push_image(direct, repo, "v1.0.0", created=_ago(300))
    stale = [push_image(direct, repo, f"sha-5a1e00{n}", created=_ago(40 + n)) for n in range(4)]
    push_signature(direct, repo, stale[0])
    amd = push_image(direct, repo, "sha-a1a1a1a", created=_ago(60))
    arm = push_image(direct, repo, created=_ago(60), platform="linux/arm64")
    old_index = push_index(direct, repo, [amd, arm], "sha-0101010")
    return {"fresh": fresh, "release": release, "old_index": old_index, "amd": amd}


def _retention_round(
    direct: RegistryClient, faulty: RegistryClient, repo: str, tally: Tally
) -> None:
    tally.retention_rounds += 1
    images = _retention_repo(direct, repo)
    kept = {t: direct.resolve(repo, t) for t in ("prod", "testing", "v1.0.0")}
    policy = RetentionPolicy()
    planned: set[object] = set()
    deleted_by_run: set[object] = set()
    last: dict[object, str] = {}
    for run in range(_RERUNS):
        try:
            plan = policy.plan(faulty, repo, concurrency=1)
            if run == 0:
                planned = {d.digest for d in plan.deletions}
            present = {d.digest for d in plan.deletions if direct.exists(repo, str(d.digest))}
            result = plan.apply(faulty)
        except MosaicError:
            tally.typed_failures += 1
            continue
        except Exception as exc:
            tally.untyped += 1
            tally.problems.append(f"untyped {type(exc).__name__}: {exc}")
            continue
        for outcome in result.outcomes:
            gone = not direct.exists(repo, str(outcome.digest))
            if outcome.status == "deleted" and not gone:
                tally.misreported_deletions += 1
                tally.problems.append(f"reported deleted but present: {outcome.digest}")
            if outcome.status != "deleted" and gone and outcome.digest in present:
                tally.misreported_deletions += 1
                tally.problems.append(f"deleted but reported {outcome.status}: {outcome.reason}")
            if outcome.status == "failed":
                tally.typed_failures += 1
            if outcome.status == "deleted":
                deleted_by_run.add(outcome.digest)
            last[outcome.digest] = f"{outcome.status}: {outcome.reason}"
        if not plan.deletions:
            break
    for tag, digest in kept.items():
        if _current(direct, repo, tag) != digest:
            tally.wrong_end_states += 1
            tally.problems.append(f"kept tag {tag} lost or moved")
    if not direct.exists(repo, str(images["fresh"].digest)):
        tally.wrong_end_states += 1
    left = {d for d in planned if direct.exists(repo, str(d))}
    if left:
        tally.not_converged += 1
        tally.problems.append(
            f"retention left {len(left)} planned digests after reruns "
            f"(last outcomes: {'; '.join(last.get(d, 'never planned again') for d in left)})"
        )


def run_rounds(
    registry_url: str,
    *,
    seed: int,
    promotions: int,
    retention_rounds: int,
    rate: float = 0.25,
    budget: int = 10_000,
    timeout: float = 0.25,
    prefix: str = "faults",
) -> Tally:
    """Run ``promotions`` promotions and ``retention_rounds`` retention rounds through a
    seeded fault proxy; return the tally."""
    tally = Tally()
    rng = random.Random(seed)
    with (
        FaultProxy(registry_url, seed=seed, rate=rate, budget=budget, delay=timeout * 1.6) as proxy,
        RegistryClient(registry_url) as direct,
        RegistryClient(proxy.url, timeout=timeout, retry=FAST) as faulty,
    ):
        repo = f"{prefix}{seed}/promote"
        images = [push_image(direct, repo, f"sha-{n:07d}", created=_ago(1)) for n in range(3)]
        for _ in range(promotions):
            _promotion_round(direct, faulty, repo, images, rng, tally)
        for n in range(retention_rounds):
            _retention_round(direct, faulty, f"{prefix}{seed}/retain{n}", tally)
        tally.faults = len(proxy.injected)
    return tally


def _trials(
    registry_url: str,
    trials: int,
    prefix: str,
    one: Callable[[RegistryClient, FaultProxy, str], bool],
) -> int:
    broke = 0
    with FaultProxy(registry_url) as proxy, RegistryClient(registry_url) as direct:
        for n in range(trials):
            broke += one(direct, proxy, f"{prefix}/trial{n}")
    return broke


def prod_delete_race(registry_url: str, trials: int, prefix: str = "race-prod") -> int:
    """Trials where a promotion lands between apply's last check and its DELETE; returns
    how many end with ``prod`` gone."""

    def one(direct: RegistryClient, proxy: FaultProxy, repo: str) -> bool:
        stale = push_image(direct, repo, "sha-5a1e000", created=_ago(60))
        push_image(direct, repo, "sha-f7e5000", "prod", created=_ago(1))
        with RegistryClient(proxy.url, retry=FAST) as faulty:
            plan = RetentionPolicy().plan(faulty, repo)
            proxy.on(
                "DELETE", str(stale.digest), lambda *_: direct.put_manifest(repo, "prod", stale)
            )
            plan.apply(faulty)
        return not direct.exists(repo, "prod")

    return _trials(registry_url, trials, prefix, one)


def index_child_race(registry_url: str, trials: int, prefix: str = "race-index") -> int:
    """Trials where prod is rolled back to an old index during apply (before its tagged
    amd64 image is checked); returns how many end with that image deleted."""

    def one(direct: RegistryClient, proxy: FaultProxy, repo: str) -> bool:
        amd = push_image(direct, repo, "sha-a1a1a1a", created=_ago(60))
        arm = push_image(direct, repo, created=_ago(60), platform="linux/arm64")
        old = push_index(direct, repo, [amd, arm], "sha-0101010")
        new_amd = push_image(direct, repo, created=_ago(1))
        push_index(direct, repo, [new_amd, arm], "sha-2222222", "prod")
        plan = RetentionPolicy().plan(direct, repo)

        def rollback(done: int, total: int, outcome: object) -> None:
            if done == 1:
                direct.put_manifest(repo, "prod", old)

        plan.apply(direct, progress=rollback)
        return not direct.exists(repo, str(amd.digest))

    return _trials(registry_url, trials, prefix, one)
