"""AsyncRollback is Rollback's twin: same arguments, same plans and results, same calls."""

from __future__ import annotations

import asyncio
import inspect
import json
import re
from collections.abc import Callable
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

import pytest

import mosaic_sdk
from mosaic_sdk import AsyncRollback, Rollback
from mosaic_sdk.errors import InvalidValueError, MosaicError, RollbackError
from mosaic_sdk.providers import (
    AsyncComposeFileTarget,
    ComposeFileTarget,
    Deployment,
    DeploymentStatus,
    RunningRelease,
)
from mosaic_sdk.release import AsyncPromotion, Promotion, ReleaseEvidence, RollbackResult
from mosaic_sdk.testing import InMemoryRegistry, push_image
from mosaic_sdk.values import ImageReference
from tests._support.async_fakes import AsyncRegistryView, AsyncTargetView
from tests._support.release_fakes import COMPOSE, REPO, pinned

T0 = datetime(2025, 3, 1, 12, 0, tzinfo=timezone.utc)
#: A file target's deployment id ends in random hex: the twins are compared without it.
_DEPLOYMENT_ID = re.compile(r"\b(\d{8}T\d{6}Z)-[0-9a-f]{8}\b")


def _same_ids(text: str) -> str:
    return _DEPLOYMENT_ID.sub(r"\1-<id>", text)


def _plain(value: object) -> object:
    """A result as comparable text: its JSON form (or repr), with deployment ids blanked."""
    to_dict = getattr(value, "to_dict", None)
    text = json.dumps(to_dict(), sort_keys=True, default=str) if to_dict else repr(value)
    return _same_ids(text)


def _public_methods(cls: type) -> list[str]:
    return sorted(
        name for name, value in vars(cls).items() if callable(value) and not name.startswith("_")
    )


def test_async_rollback_is_exported_from_both_packages() -> None:
    assert mosaic_sdk.AsyncRollback is mosaic_sdk.release.AsyncRollback is AsyncRollback
    assert mosaic_sdk.Rollback is mosaic_sdk.release.Rollback is Rollback
    assert "AsyncRollback" in mosaic_sdk.__all__
    assert "AsyncRollback" in mosaic_sdk.release.__all__


def test_every_public_method_mirrors_the_sync_twin() -> None:
    names = _public_methods(Rollback)
    assert names == _public_methods(AsyncRollback) == ["execute", "plan"]
    assert str(inspect.signature(Rollback.__init__)) == str(
        inspect.signature(AsyncRollback.__init__)
    ).replace("AsyncDeploymentTarget", "DeploymentTarget").replace("AsyncPromotion", "Promotion")
    for name in names:
        sync, asynchronous = getattr(Rollback, name), getattr(AsyncRollback, name)
        assert inspect.iscoroutinefunction(asynchronous), name
        assert not inspect.iscoroutinefunction(sync), name
        assert str(inspect.signature(sync)) == str(inspect.signature(asynchronous)), name


class _World:
    """A registry with a good and a bad release, the bad one promoted to ``blue`` and
    deployed on the blue slot (a compose file), both by synchronous set-up calls. It works
    in ``root`` (the current directory from then on), so two worlds read the same paths."""

    def __init__(self, root: Path, monkeypatch: pytest.MonkeyPatch) -> None:
        root.mkdir()
        monkeypatch.chdir(root)
        self.root = root
        self.registry = InMemoryRegistry()
        self.promotion = Promotion(self.registry, REPO, actor="ci", clock=lambda: T0)
        good = push_image(self.registry, REPO, "v1.0.0-rc.1", created=T0, seed="good")
        bad = push_image(self.registry, REPO, "v1.2.0-rc.1", created=T0, seed="bad")
        self.good, self.bad = pinned(good, "v1.0.0-rc.1"), pinned(bad, "v1.2.0-rc.1")
        self.compose = Path("compose.yaml")  # relative: both worlds read the same text
        (root / self.compose).write_text(COMPOSE)
        blue = self.target("web-blue")
        self.promotion.promote(self.good.digest, to="testing")
        self.promotion.promote(self.good.digest, to="blue")
        blue.deploy(self.good)
        self.promotion.promote(self.bad.digest, to="testing")
        self.record = self.promotion.promote(self.bad.digest, to="blue")
        blue.deploy(self.bad)
        self.target("web-green").deploy(self.bad)
        self.registry.reset_calls()

    def target(self, service: str) -> ComposeFileTarget:
        return ComposeFileTarget(self.compose, service, name=service, clock=lambda: T0)

    def evidence(self) -> ReleaseEvidence:
        return ReleaseEvidence(".", issue=5, short_name="web-release", clock=lambda: T0)

    def files(self) -> dict[str, str]:
        return {
            str(p.relative_to(self.root)): _same_ids(p.read_text())
            for p in sorted(self.root.rglob("*"))
            if p.is_file()
        }


def _catch(call: Callable[[], Any]) -> Any:
    try:
        return call()
    except MosaicError as exc:
        return (type(exc).__name__, str(exc), getattr(exc, "completed_steps", None))


async def _acatch(call: Callable[[], Any]) -> Any:
    try:
        return await call()
    except MosaicError as exc:
        return (type(exc).__name__, str(exc), getattr(exc, "completed_steps", None))


def _scenario_sync(world: _World) -> list[object]:
    blue, green = world.target("web-blue"), world.target("web-green")
    rollback = Rollback(blue, failed=world.bad, record=world.record, promotion=world.promotion)
    out: list[object] = [repr(rollback), rollback.plan()]
    out.append(
        rollback.execute(
            reason="error ratio too high",
            evidence=world.evidence(),
            deployment="team/web prod",
            release="v1.2.0-rc.1",
            next_step="profile the slow query",
        )
    )
    again = Rollback(blue, failed=world.bad, record=world.record, promotion=world.promotion)
    out += [again.execute(evidence=world.evidence()), Rollback(blue, failed=world.bad).execute()]
    out += [Rollback(blue, failed=world.bad.digest).plan()]
    out += [Rollback(blue, failed=world.bad, to=world.good.digest, version="v1").plan()]
    out += [_catch(Rollback(blue, failed=world.bad, to=world.bad.digest).plan)]
    out += [_catch(Rollback(green, failed=world.bad).plan)]
    return out


async def _scenario_async(world: _World, wrap: Callable[[ComposeFileTarget], Any]) -> list[object]:
    blue, green = wrap(world.target("web-blue")), wrap(world.target("web-green"))
    promotion = AsyncPromotion(
        AsyncRegistryView(world.registry), REPO, actor="ci", clock=lambda: T0
    )
    rollback = AsyncRollback(blue, failed=world.bad, record=world.record, promotion=promotion)
    out: list[object] = [repr(rollback), await rollback.plan()]
    out.append(
        await rollback.execute(
            reason="error ratio too high",
            evidence=world.evidence(),
            deployment="team/web prod",
            release="v1.2.0-rc.1",
            next_step="profile the slow query",
        )
    )
    again = AsyncRollback(blue, failed=world.bad, record=world.record, promotion=promotion)
    out += [await again.execute(evidence=world.evidence())]
    out += [await AsyncRollback(blue, failed=world.bad).execute()]
    out += [await AsyncRollback(blue, failed=world.bad.digest).plan()]
    out += [await AsyncRollback(blue, failed=world.bad, to=world.good.digest, version="v1").plan()]
    out += [await _acatch(AsyncRollback(blue, failed=world.bad, to=world.bad.digest).plan)]
    out += [await _acatch(AsyncRollback(green, failed=world.bad).plan)]
    return out


def _as_async_compose(target: ComposeFileTarget) -> AsyncComposeFileTarget:
    """The SDK's own asynchronous file target: its ``history()`` is awaited."""
    return AsyncComposeFileTarget(target.path, target.service, name=target.name, clock=lambda: T0)


@pytest.mark.parametrize(
    "wrap", [AsyncTargetView, _as_async_compose], ids=["target-view", "async-compose"]
)
def test_the_same_scenario_gives_the_same_results_files_and_registry_calls(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, wrap: Callable[[ComposeFileTarget], Any]
) -> None:
    sync_world = _World(tmp_path / "sync", monkeypatch)
    expected = _scenario_sync(sync_world)

    async_world = _World(tmp_path / "async", monkeypatch)
    got = asyncio.run(_scenario_async(async_world, wrap))

    assert got[0] == expected[0].replace("Rollback(", "AsyncRollback(")  # type: ignore[attr-defined]
    assert [_plain(v) for v in got[1:]] == [_plain(v) for v in expected[1:]]
    assert got[1] == expected[1]  # plans hold no deployment id: equal as values
    assert async_world.files() == sync_world.files()
    assert [(c.operation, c.reference) for c in async_world.registry.calls] == [
        (c.operation, c.reference) for c in sync_world.registry.calls
    ]
    first, repeat = got[2], got[3]
    assert isinstance(first, RollbackResult)
    assert isinstance(repeat, RollbackResult)
    assert not first.noop
    assert first.evidence is not None
    assert first.pointer_record is not None
    assert repeat.noop
    assert "is the failed digest itself" in str(got[-2])
    assert "nothing to roll web-green back to" in str(got[-1])


def test_the_async_twin_refuses_a_sync_target_and_the_sync_twin_an_async_one(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    world = _World(tmp_path / "w", monkeypatch)
    blue = world.target("web-blue")
    with pytest.raises(InvalidValueError, match="is not an AsyncDeploymentTarget") as caught:
        AsyncRollback(blue, failed=world.bad)  # type: ignore[arg-type]
    assert isinstance(caught.value, MosaicError)
    assert "ComposeFileTarget" in str(caught.value)
    assert "use Rollback for a synchronous one" in str(caught.value)
    with pytest.raises(InvalidValueError, match="is not a DeploymentTarget"):
        Rollback(AsyncTargetView(blue), failed=world.bad)  # type: ignore[arg-type]
    with pytest.raises(InvalidValueError, match="is not an AsyncPromotion"):
        AsyncRollback(AsyncTargetView(blue), failed=world.bad, promotion=world.promotion)  # type: ignore[arg-type]
    apromotion = AsyncPromotion(AsyncRegistryView(world.registry), REPO)
    with pytest.raises(InvalidValueError, match="is not a Promotion"):
        Rollback(blue, failed=world.bad, promotion=apromotion)  # type: ignore[arg-type]


class _Stuck(AsyncTargetView):
    """Its running release never changes (a deploy that did not take)."""

    async def running(self) -> RunningRelease:
        return RunningRelease()


class _Failing(AsyncTargetView):
    """Its deploys end failed."""

    async def deploy(self, image: ImageReference) -> Deployment:
        done = await super().deploy(image)
        return Deployment(
            id=done.id,
            target=done.target,
            image=image,
            status=DeploymentStatus.FAILED,
            started_at=T0,
            finished_at=T0,
            detail="the container exited 1",
        )


def test_a_redeploy_or_verification_failure_says_what_completed(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    world = _World(tmp_path / "w", monkeypatch)
    stuck = _Stuck(world.target("web-blue"))
    with pytest.raises(RollbackError, match="reports None after the rollback") as caught:
        asyncio.run(AsyncRollback(stuck, failed=world.bad, to=world.good).execute())
    assert caught.value.completed_steps[0].startswith("redeployed")
    failing = _Failing(world.target("web-green"))
    with pytest.raises(RollbackError, match="ended failed: the container exited 1") as caught:
        asyncio.run(AsyncRollback(failing, failed=world.bad, to=world.good).execute())
    assert caught.value.completed_steps == ()
