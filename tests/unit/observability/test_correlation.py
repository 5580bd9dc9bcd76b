"""correlation_id: context manager, decorator, async isolation, validation."""

from __future__ import annotations

import asyncio
import contextvars
import threading

import pytest

from mosaic_sdk.errors import InvalidValueError
from mosaic_sdk.observability import correlation_id, get_correlation_id, new_correlation_id


def test_no_id_outside_any_block() -> None:
    assert get_correlation_id() is None


def test_context_manager_sets_and_restores_nested_ids() -> None:
    with correlation_id("outer-1") as outer:
        assert outer == "outer-1"
        assert get_correlation_id() == "outer-1"
        with correlation_id("inner-2"):
            assert get_correlation_id() == "inner-2"
        assert get_correlation_id() == "outer-1"
    assert get_correlation_id() is None


def test_generated_id_is_fresh_hex() -> None:
    with correlation_id() as first:
        pass
    with correlation_id() as second:
        pass
    assert len(first) == 32
    int(first, 16)
    assert first != second
    assert len(new_correlation_id()) == 32


def test_restored_after_exception() -> None:
    with pytest.raises(RuntimeError), correlation_id("boom-1"):
        raise RuntimeError("x")
    assert get_correlation_id() is None


def test_inherit_keeps_callers_id() -> None:
    with correlation_id("caller"), correlation_id(inherit=True) as cid:
        assert cid == "caller"
    with correlation_id(inherit=True) as cid:
        assert cid != "caller"
        assert get_correlation_id() == cid


def test_sync_decorator_generates_one_id_per_call() -> None:
    @correlation_id()
    def work(x: int) -> tuple[int, str | None]:
        return x * 2, get_correlation_id()

    (value, first), (_, second) = work(2), work(3)
    assert value == 4
    assert first is not None
    assert second is not None
    assert first != second
    assert work.__name__ == "work"
    assert get_correlation_id() is None


def test_decorator_with_fixed_id_and_inherit() -> None:
    @correlation_id("job-7")
    def fixed() -> str | None:
        return get_correlation_id()

    @correlation_id(inherit=True)
    def inheriting() -> str | None:
        return get_correlation_id()

    assert fixed() == "job-7"
    with correlation_id("request-9"):
        assert inheriting() == "request-9"
        assert fixed() == "job-7"
        assert get_correlation_id() == "request-9"


def test_async_decorator_isolates_concurrent_tasks() -> None:
    seen: list[tuple[str | None, str | None]] = []

    @correlation_id()
    async def handle() -> str | None:
        before = get_correlation_id()
        await asyncio.sleep(0)  # let the other task run in between
        await asyncio.sleep(0)
        seen.append((before, get_correlation_id()))
        return before

    async def main() -> list[str | None]:
        return list(await asyncio.gather(*(handle() for _ in range(5))))

    ids = asyncio.run(main())
    assert len(set(ids)) == 5
    assert all(before == after for before, after in seen)
    assert asyncio.iscoroutinefunction(handle)


def test_tasks_created_inside_a_block_inherit_the_id() -> None:
    async def child() -> str | None:
        await asyncio.sleep(0)
        return get_correlation_id()

    async def main() -> tuple[str | None, str | None]:
        with correlation_id("parent-1"):
            task = asyncio.create_task(child())
        with correlation_id("other-2"):
            result = await task
        return result, get_correlation_id()

    assert asyncio.run(main()) == ("parent-1", None)


def test_threads_do_not_share_the_id() -> None:
    results: dict[str, str | None] = {}

    def worker() -> None:
        results["thread"] = get_correlation_id()

    with correlation_id("main-only"):
        thread = threading.Thread(target=worker)
        thread.start()
        thread.join()
        # An explicit context copy carries it, as documented for executors.
        ctx = contextvars.copy_context()
    assert results["thread"] is None
    assert ctx.run(get_correlation_id) == "main-only"


@pytest.mark.parametrize(
    "bad",
    ["", " leading", "has space", "new\nline", "x" * 129, "-starts-with-dash", "é"],
)
def test_invalid_ids_are_refused_with_a_fix(bad: str) -> None:
    with pytest.raises(InvalidValueError) as info:
        correlation_id(bad)
    assert "correlation id" in str(info.value)
    assert "correlation_id()" in info.value.fix


def test_non_string_id_is_refused() -> None:
    with pytest.raises(InvalidValueError):
        correlation_id(42)  # type: ignore[arg-type]


@pytest.mark.parametrize("good", ["a", "req-1", "0f3c.aa:bb/cc+dd=ee@ff_gg", "x" * 128])
def test_header_safe_ids_are_accepted(good: str) -> None:
    with correlation_id(good) as cid:
        assert cid == good
