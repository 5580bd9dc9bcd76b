"""The one async adapter over blocking, file-backed collaborators (BlockingAdapter),
AsyncOCILayout on it, and as_async_registry."""

from __future__ import annotations

import asyncio
import contextlib
import contextvars
import random
import threading
import time
from pathlib import Path

import pytest

from mosaic_sdk import as_async_registry as top_level_as_async_registry
from mosaic_sdk._core._adapter import BlockingAdapter
from mosaic_sdk._core._context import get_correlation_id
from mosaic_sdk.errors import InvalidValueError, NotFoundError
from mosaic_sdk.observability import correlation_id
from mosaic_sdk.registry import (
    AsyncImageRegistry,
    AsyncOCILayout,
    AsyncRegistryClient,
    OCILayout,
    as_async_registry,
)
from tests._support.images import image

_PROBE: contextvars.ContextVar[str] = contextvars.ContextVar("probe", default="unset")


class _Slow:
    """A blocking collaborator whose call waits for ``release``."""

    def __init__(self) -> None:
        self.started = threading.Event()
        self.release = threading.Event()
        self.finished: list[str] = []

    def work(self, value: str) -> str:
        self.started.set()
        self.release.wait(10)
        self.finished.append(value)
        return value

    def context(self) -> tuple[str, str | None, str]:
        return _PROBE.get(), get_correlation_id(), threading.current_thread().name


class _SlowAdapter(BlockingAdapter[_Slow]):
    async def work(self, value: str) -> str:
        return await self._call(self.sync.work, value)

    async def context(self) -> tuple[str, str | None, str]:
        return await self._call(self.sync.context)


def test_the_callers_context_reaches_the_worker_thread() -> None:
    adapter = _SlowAdapter(_Slow())

    async def main() -> tuple[str, str | None, str]:
        _PROBE.set("from-the-task")
        with correlation_id("adapter-cid-7"):
            return await adapter.context()

    probe, cid, thread = asyncio.run(main())
    assert (probe, cid) == ("from-the-task", "adapter-cid-7")
    assert thread != threading.main_thread().name


def test_cancelling_stops_the_wait_not_the_call_whose_result_is_dropped() -> None:
    slow = _Slow()
    adapter = _SlowAdapter(slow)

    async def main() -> tuple[float, bool]:
        task = asyncio.ensure_future(adapter.work("landed"))
        while not slow.started.is_set():
            await asyncio.sleep(0.005)
        start = time.monotonic()
        task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await task
        waited = time.monotonic() - start
        still_running = not slow.finished
        return waited, still_running

    started = time.monotonic()
    waited, still_running = asyncio.run_coroutine_threadsafe(main(), _loop()).result(10)
    # The cancelled task returns at once, while the thread is still inside the call...
    assert waited < 0.5
    assert still_running
    # ...which then runs to its end: the call is not interrupted, its result is dropped.
    slow.release.set()
    deadline = time.monotonic() + 5
    while not slow.finished and time.monotonic() < deadline:
        time.sleep(0.01)
    assert slow.finished == ["landed"]
    assert time.monotonic() - started < 5


_LOOP: asyncio.AbstractEventLoop | None = None


def _loop() -> asyncio.AbstractEventLoop:
    # A loop in its own thread, so the test thread can release the worker after the
    # cancellation (asyncio.run would wait for the worker thread at shutdown).
    global _LOOP
    if _LOOP is None:
        _LOOP = asyncio.new_event_loop()
        threading.Thread(target=_LOOP.run_forever, daemon=True).start()
    return _LOOP


def test_a_cancelled_layout_write_leaves_the_layout_whole(tmp_path: Path) -> None:
    layout = OCILayout(tmp_path)
    img = image(random.Random(7))
    for data in img.blobs.values():
        layout.put_blob("team/app", data)
    gate = threading.Event()
    original = layout.put_manifest

    def gated_put(*args: object, **kwargs: object) -> object:
        gate.wait(10)
        return original(*args, **kwargs)  # type: ignore[arg-type]

    layout.put_manifest = gated_put  # type: ignore[method-assign]
    adapter = AsyncOCILayout(layout)

    async def main() -> None:
        task = asyncio.ensure_future(adapter.put_manifest("team/app", "v1", img.manifest))
        await asyncio.sleep(0.05)
        task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await task

    asyncio.run_coroutine_threadsafe(main(), _loop()).result(10)
    gate.set()
    deadline = time.monotonic() + 5
    while time.monotonic() < deadline:
        with contextlib.suppress(NotFoundError):  # no index.json yet
            if OCILayout(tmp_path).list_tags("team/app") == ["v1"]:
                break
        time.sleep(0.01)
    # The write landed whole after the cancellation: tag and manifest agree.
    fresh = OCILayout(tmp_path)
    assert fresh.list_tags("team/app") == ["v1"]
    assert fresh.resolve("team/app", "v1") == img.digest
    assert fresh.get_manifest("team/app", "v1").content == img.manifest.content


def test_async_oci_layout_round_trips_and_wraps_a_given_layout(tmp_path: Path) -> None:
    img = image(random.Random(3))

    async def main() -> None:
        async with AsyncOCILayout(tmp_path) as layout:
            for data in img.blobs.values():
                await layout.put_blob("team/app", data)
            assert await layout.put_manifest("team/app", "v1", img.manifest) == img.digest
            assert list((await layout.tag_list("team/app")).tags) == ["v1"]
            assert await layout.repositories() == ["team/app"]

    asyncio.run(main())
    wrapped = OCILayout(tmp_path)
    adapter = AsyncOCILayout(wrapped)
    assert adapter.sync is wrapped
    assert repr(adapter) == f"AsyncOCILayout({str(tmp_path)!r})"
    assert isinstance(adapter, AsyncImageRegistry)


def test_as_async_registry_keeps_async_registries_and_wraps_blocking_ones(
    tmp_path: Path,
) -> None:
    assert top_level_as_async_registry is as_async_registry
    client = AsyncRegistryClient("http://127.0.0.1:1")
    assert as_async_registry(client) is client
    asyncio.run(client.aclose())
    already = AsyncOCILayout(tmp_path)
    assert as_async_registry(already) is already

    layout = OCILayout(tmp_path)
    wrapped = as_async_registry(layout)
    assert isinstance(wrapped, AsyncOCILayout)
    assert wrapped.sync is layout

    class Listing:
        """A blocking ImageRegistry fake: only list_tags answers."""

        def resolve(self, repository: str, reference: str) -> object: ...
        def get_manifest(self, repository: str, reference: str) -> object: ...
        def put_manifest(self, *args: object) -> object: ...
        def list_tags(self, repository: str) -> list[str]:
            return [f"{repository}:{threading.current_thread() is threading.main_thread()}"]

        def delete_manifest(self, repository: str, digest: object) -> None: ...
        def get_blob(self, repository: str, digest: object) -> bytes: ...
        def put_blob(self, repository: str, data: bytes) -> object: ...
        def blob_exists(self, repository: str, digest: object) -> bool: ...
        def copy(self, *args: object) -> object: ...
        def repositories(self) -> list[str]: ...
        def close(self) -> None: ...

    generic = as_async_registry(Listing())  # type: ignore[arg-type]
    assert isinstance(generic, AsyncImageRegistry)
    assert asyncio.run(generic.list_tags("team/app")) == ["team/app:False"]

    with pytest.raises(InvalidValueError, match="not an image registry"):
        as_async_registry(object())  # type: ignore[arg-type]
