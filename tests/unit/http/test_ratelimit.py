"""RateLimit booking arithmetic with a fake clock: no sleeping, no sockets."""

from __future__ import annotations

import pytest

from mosaic_sdk._http import RateLimit
from mosaic_sdk.errors import ConfigurationError, InvalidValueError


class FakeClock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


def test_burst_is_allowed_then_the_window_is_enforced() -> None:
    clock = FakeClock()
    limit = RateLimit(3, 10.0, clock=clock)
    assert [limit.reserve() for _ in range(3)] == [0.0, 0.0, 0.0]
    assert limit.reserve() == pytest.approx(10.0)
    assert limit.reserve() == pytest.approx(10.0)
    clock.now += 4
    assert limit.reserve() == pytest.approx(6.0)
    assert limit.reserve() == pytest.approx(16.0)


def test_any_window_holds_at_most_max_requests() -> None:
    clock = FakeClock()
    limit = RateLimit(5, 1.0, clock=clock)
    starts = []
    for i in range(60):
        clock.now = 100.0 + i * 0.03
        starts.append(clock.now + limit.reserve())
    for first in starts:
        assert sum(1 for s in starts if first <= s < first + 1.0) <= 5


def test_server_remaining_header_books_the_difference() -> None:
    clock = FakeClock()
    limit = RateLimit(10, 60.0, clock=clock)
    limit.reserve()
    limit.update_from_headers({"X-RateLimit-Remaining": "2"})
    assert limit.reserve() == 0.0
    assert limit.reserve() == 0.0
    assert limit.reserve() == pytest.approx(60.0)


def test_server_reset_blocks_until_reset() -> None:
    clock = FakeClock()
    wall = FakeClock()
    wall.now = 1_800_000_000.0
    limit = RateLimit(100, 60.0, clock=clock, wall_clock=wall)
    limit.update_from_headers({"x-ratelimit-remaining": "0", "x-ratelimit-reset": "5"})
    assert limit.reserve() == pytest.approx(5.0)
    limit2 = RateLimit(100, 60.0, clock=clock, wall_clock=wall)
    limit2.update_from_headers(
        {"x-ratelimit-remaining": "0", "x-ratelimit-reset": str(wall.now + 12)}
    )
    assert limit2.reserve() == pytest.approx(12.0)


def test_garbage_headers_are_ignored() -> None:
    limit = RateLimit(2, 1.0, clock=FakeClock())
    limit.update_from_headers({"X-RateLimit-Remaining": "many", "X-RateLimit-Reset": "later"})
    assert limit.reserve() == 0.0


def test_shared_returns_one_instance_per_key_and_rejects_other_numbers() -> None:
    a = RateLimit.shared("test:shared-key", 7, 3.0)
    assert RateLimit.shared("test:shared-key", 7, 3.0) is a
    with pytest.raises(ConfigurationError, match="test:shared-key"):
        RateLimit.shared("test:shared-key", 8, 3.0)


@pytest.mark.parametrize(
    ("count", "seconds"), [(0, 1.0), (-1, 1.0), (1.5, 1.0), (True, 1.0), (5, 0), (5, -2)]
)
def test_bad_numbers_are_typed_errors(count: int, seconds: float) -> None:
    with pytest.raises(InvalidValueError):
        RateLimit(count, seconds)


def test_repr_is_concise() -> None:
    assert repr(RateLimit(190, 60)) == "RateLimit(max_requests=190, per_seconds=60.0)"
