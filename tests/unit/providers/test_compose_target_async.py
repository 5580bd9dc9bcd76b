"""AsyncComposeFileTarget (the async face of the file target) and the capped file read.

The file target's behaviour is covered in test_compose_target.py; here: the async face
gives the same results, carries the caller's context into its worker thread, lets a
cancelled deploy finish its atomic write, and a FIFO or a non-UTF-8 file is refused at
once instead of hanging or garbling.
"""

from __future__ import annotations

import asyncio
import os
import threading
from datetime import datetime, timezone
from pathlib import Path

import pytest

from mosaic_sdk import AsyncComposeFileTarget as TopLevel
from mosaic_sdk.errors import ConfigurationError
from mosaic_sdk.observability import correlation_id, get_correlation_id
from mosaic_sdk.providers import (
    AsyncComposeFileTarget,
    AsyncDeploymentTarget,
    ComposeFileTarget,
    DeploymentStatus,
    TargetState,
)
from mosaic_sdk.values import Digest, ImageReference

A = "sha256:" + "a" * 64
B = "sha256:" + "b" * 64
COMPOSE = """\
# the shop
services:
  web:
    image: ghcr.io/acme/web:v1.0.0  # pinned by mosaic
"""
NOW = datetime(2026, 12, 2, 12, 0, tzinfo=timezone.utc)


def ref(digest: str, tag: str) -> ImageReference:
    return ImageReference.parse(f"ghcr.io/acme/web:{tag}@{digest}")


def _compose(tmp_path: Path) -> Path:
    path = tmp_path / "compose.yaml"
    path.write_text(COMPOSE, encoding="utf-8")
    return path


def test_the_async_face_is_exported_and_an_async_target(tmp_path: Path) -> None:
    target = AsyncComposeFileTarget(_compose(tmp_path), "web")
    assert TopLevel is AsyncComposeFileTarget
    assert isinstance(target, AsyncDeploymentTarget)
    assert not target.supports_traffic_split
    assert target.name == f"file:{tmp_path / 'compose.yaml'}#web"
    assert repr(target) == (
        f"AsyncComposeFileTarget(path={str(tmp_path / 'compose.yaml')!r}, service='web')"
    )
    assert target.history_path == target.sync.history_path


def test_the_async_face_gives_the_results_of_the_file_target(tmp_path: Path) -> None:
    path = _compose(tmp_path)
    target = AsyncComposeFileTarget(path, "web", clock=lambda: NOW)

    async def main() -> None:
        assert "ghcr.io/acme/web:v1.1.0@" + A in await target.render(ref(A, "v1.1.0"))
        first = await target.deploy(ref(A, "v1.1.0"))
        assert first.status is DeploymentStatus.SUCCEEDED
        await target.deploy(ref(B, "v1.2.0"), version="1.2.0")
        running = await target.running()
        assert running.digest == Digest.parse(B)
        assert running.version == "1.2.0"
        assert (await target.status()).state is TargetState.HEALTHY
        assert [e.version for e in await target.history()] == ["v1.1.0", "1.2.0"]
        previous = await target.previous()
        assert previous is not None
        assert previous.digest == Digest.parse(A)
        assert target.render_text(COMPOSE, ref(A, "v1")) == COMPOSE.replace(
            "ghcr.io/acme/web:v1.0.0", f"ghcr.io/acme/web:v1@{A}"
        )

    asyncio.run(main())
    sync = ComposeFileTarget(path, "web")
    assert sync.running().digest == Digest.parse(B)
    assert "# pinned by mosaic" in path.read_text(encoding="utf-8")


def test_the_worker_thread_carries_the_callers_correlation_id(tmp_path: Path) -> None:
    seen: list[str | None] = []

    def clock() -> datetime:
        seen.append(get_correlation_id())
        return NOW

    target = AsyncComposeFileTarget(_compose(tmp_path), "web", clock=clock)

    async def main() -> None:
        with correlation_id("file-deploy-7"):
            await target.deploy(ref(A, "v1.1.0"))

    asyncio.run(main())
    assert seen
    assert set(seen) == {"file-deploy-7"}


def test_a_cancelled_deploy_finishes_its_atomic_write(tmp_path: Path) -> None:
    path = _compose(tmp_path)
    entered = threading.Event()
    release = threading.Event()
    finished = threading.Event()

    def clock() -> datetime:
        # deploy() reads the clock first and last: hold the thread before the write.
        if not entered.is_set():
            entered.set()
            release.wait(10)
        else:
            finished.set()
        return NOW

    target = AsyncComposeFileTarget(path, "web", clock=clock)

    async def main() -> None:
        task = asyncio.ensure_future(target.deploy(ref(A, "v1.1.0")))
        while not entered.is_set():
            await asyncio.sleep(0.01)
        task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await task
        # The caller got control back while the write is still to come.
        assert path.read_text(encoding="utf-8") == COMPOSE
        release.set()

    asyncio.run(main())
    assert finished.wait(10)
    # The write ran to its end: the file is pinned whole and the history recorded it.
    sync = ComposeFileTarget(path, "web")
    assert sync.running().digest == Digest.parse(A)
    assert [e.digest for e in sync.history()] == [Digest.parse(A)]


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="no FIFOs on this platform")
def test_a_fifo_is_refused_at_once_instead_of_blocking(tmp_path: Path) -> None:
    fifo = tmp_path / "compose.yaml"
    os.mkfifo(fifo)
    target = ComposeFileTarget(fifo, "web")
    outcome: list[BaseException | TargetState] = []

    def read() -> None:
        try:
            target.running()
        except BaseException as exc:
            outcome.append(exc)
        outcome.append(target.status().state)

    worker = threading.Thread(target=read, daemon=True)
    worker.start()
    worker.join(10)
    if worker.is_alive():  # pragma: no cover - the bug this test guards against
        with open(fifo, "w"):  # unblock the reader so the test run can end
            pass
        pytest.fail("reading a FIFO blocked")
    error, state = outcome
    assert isinstance(error, ConfigurationError)
    assert "FIFO" in str(error)
    assert str(fifo) in str(error)
    assert state is TargetState.FAILED


def test_a_file_that_is_not_utf8_is_a_configuration_error(tmp_path: Path) -> None:
    path = tmp_path / "compose.yaml"
    path.write_bytes(b"services:\n  web:\n    image: caf\xe9\n")
    with pytest.raises(ConfigurationError, match="UTF-8"):
        ComposeFileTarget(path, "web").running()
