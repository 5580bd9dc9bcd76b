"""Hypothesis round-trips for parse_retry_after: every form a server may send."""

from __future__ import annotations

import email.utils

from hypothesis import given
from hypothesis import strategies as st

from mosaic_sdk._http import parse_retry_after

NOW = 1_700_000_000.0


@given(st.integers(min_value=0, max_value=10**7))
def test_seconds_round_trip(seconds: int) -> None:
    assert parse_retry_after({"Retry-After": str(seconds)}, now=NOW) == seconds


@given(st.integers(min_value=0, max_value=10**9))
def test_milliseconds_round_trip_and_win(ms: int) -> None:
    headers = {"retry-after-ms": str(ms), "Retry-After": "999999"}
    assert parse_retry_after(headers, now=NOW) == ms / 1000.0


@given(st.integers(min_value=0, max_value=10**6))
def test_http_dates_round_trip(delta: int) -> None:
    header = email.utils.formatdate(NOW + delta, usegmt=True)
    assert parse_retry_after({"retry-after": header}, now=NOW) == delta


@given(st.integers(min_value=1, max_value=10**6))
def test_dates_in_the_past_mean_now(delta: int) -> None:
    header = email.utils.formatdate(NOW - delta, usegmt=True)
    assert parse_retry_after({"Retry-After": header}, now=NOW) == 0.0


@given(st.text(max_size=40))
def test_any_text_is_a_wait_or_none(text: str) -> None:
    value = parse_retry_after({"Retry-After": text}, now=NOW)
    assert value is None or value >= 0
