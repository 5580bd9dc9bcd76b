"""RateLimit.file: the in-process arithmetic, shared through a locked state file.

A fake wall clock drives both the file budget and an in-process twin, so the test can
compare the two booking by booking; threads of one process stand in for processes
(flock excludes separate open file descriptions, whoever owns them).
"""

from __future__ import annotations

import asyncio
import json
import threading
from pathlib import Path

import pytest

from mosaic_sdk._http import RateLimit
from mosaic_sdk.errors import (
    ConfigurationError,
    CoordinationUnavailableError,
    InvalidValueError,
)


class FakeClock:
    def __init__(self, now: float = 1_800_000_000.0) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now


def _pair(path: Path, count: int, seconds: float) -> tuple[RateLimit, RateLimit, FakeClock]:
    clock = FakeClock()
    here = RateLimit(count, seconds, clock=clock, wall_clock=clock)
    shared = RateLimit.file(path, count, seconds, wall_clock=clock)
    return here, shared, clock


@pytest.mark.parametrize(
    "steps",
    [
        [0.0] * 12,
        [0.0, 0.0, 4.0, 0.0, 1.5, 0.3, 9.0, 0.0, 0.0, 0.1],
        [0.01 * i for i in range(40)],
    ],
)
def test_file_budget_books_exactly_like_the_in_process_one(
    tmp_path: Path, steps: list[float]
) -> None:
    here, shared, clock = _pair(tmp_path / "b.budget", 3, 10.0)
    for step in steps:
        clock.now += step
        assert shared.reserve() == pytest.approx(here.reserve())


def test_a_second_limiter_on_the_same_file_sees_the_first_ones_bookings(tmp_path: Path) -> None:
    clock = FakeClock()
    first = RateLimit.file(tmp_path / "b.budget", 2, 60.0, wall_clock=clock)
    second = RateLimit.file(tmp_path / "b.budget", 2, 60.0, wall_clock=clock)
    assert first.reserve() == 0.0
    assert second.reserve() == 0.0
    assert first.reserve() == pytest.approx(60.0)
    clock.now += 15
    assert second.reserve() == pytest.approx(45.0)


def test_server_headers_correct_the_shared_count(tmp_path: Path) -> None:
    here, shared, _ = _pair(tmp_path / "b.budget", 10, 60.0)
    for limit in (here, shared):
        limit.reserve()
        limit.update_from_headers({"X-RateLimit-Remaining": "2"})
    assert [shared.reserve() for _ in range(3)] == pytest.approx([here.reserve() for _ in range(3)])
    assert shared.reserve() == pytest.approx(60.0)


def test_server_reset_blocks_every_process(tmp_path: Path) -> None:
    clock = FakeClock()
    one = RateLimit.file(tmp_path / "b.budget", 100, 60.0, wall_clock=clock)
    other = RateLimit.file(tmp_path / "b.budget", 100, 60.0, wall_clock=clock)
    one.update_from_headers({"x-ratelimit-remaining": "0", "x-ratelimit-reset": "5"})
    assert other.reserve() == pytest.approx(5.0)


def test_threads_sharing_the_file_lose_no_booking(tmp_path: Path) -> None:
    # A frozen clock makes every start exact: five per window, window after window. A
    # lost update (two read-modify-writes interleaved) would put a sixth in a window.
    path = tmp_path / "b.budget"
    clock = FakeClock()
    starts: list[float] = []
    guard = threading.Lock()

    def work() -> None:
        limit = RateLimit.file(path, 5, 1.0, wall_clock=clock)
        for _ in range(10):
            delay = limit.reserve()
            with guard:
                starts.append(delay)

    threads = [threading.Thread(target=work) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(starts) == pytest.approx([float(i // 5) for i in range(40)])


def test_the_async_twin_books_in_the_same_file(tmp_path: Path) -> None:
    clock = FakeClock()
    limit = RateLimit.file(tmp_path / "b.budget", 2, 30.0, wall_clock=clock)

    async def main() -> list[float]:
        return [await limit.areserve() for _ in range(3)]

    assert asyncio.run(main()) == pytest.approx([0.0, 0.0, 30.0])
    assert limit.reserve() == pytest.approx(30.0)


def test_other_numbers_on_a_live_file_are_a_configuration_error(tmp_path: Path) -> None:
    clock = FakeClock()
    RateLimit.file(tmp_path / "b.budget", 2, 30.0, wall_clock=clock).reserve()
    other = RateLimit.file(tmp_path / "b.budget", 3, 30.0, wall_clock=clock)
    with pytest.raises(ConfigurationError, match=r"2 per 30\.0s"):
        other.reserve()
    clock.now += 31  # the old bookings expired: the new numbers take over
    assert other.reserve() == 0.0


def test_a_file_that_is_not_a_budget_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "notes.txt"
    path.write_text("shopping list")
    with pytest.raises(CoordinationUnavailableError, match=r"notes\.txt"):
        RateLimit.file(path, 2, 30.0).reserve()
    path.write_text(json.dumps({"booked": "yesterday"}))
    with pytest.raises(CoordinationUnavailableError, match="no rate-limit bookings"):
        RateLimit.file(path, 2, 30.0).reserve()


def test_a_missing_directory_is_unavailable_not_created(tmp_path: Path) -> None:
    limit = RateLimit.file(tmp_path / "no" / "such" / "b.budget", 2, 30.0)
    with pytest.raises(CoordinationUnavailableError, match="directory exists"):
        limit.reserve()
    assert not (tmp_path / "no").exists()


@pytest.mark.parametrize("path", [3, None, "", b"bytes"])
def test_a_bad_path_is_a_typed_error(path: object) -> None:
    with pytest.raises(InvalidValueError):
        RateLimit.file(path, 2, 30.0)  # type: ignore[arg-type]


def test_repr_names_the_backend_and_the_file(tmp_path: Path) -> None:
    limit = RateLimit.file(tmp_path / "b.budget", 2, 30.0)
    assert limit.backend == "file"
    assert repr(limit) == (
        f"RateLimit(max_requests=2, per_seconds=30.0, backend='file', "
        f"path={str(tmp_path / 'b.budget')!r})"
    )
