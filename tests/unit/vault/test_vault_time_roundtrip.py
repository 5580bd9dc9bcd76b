"""Hypothesis round-trip for Vault's RFC 3339 timestamps (nanosecond precision)."""

from __future__ import annotations

import datetime as dt

from hypothesis import given
from hypothesis import strategies as st

from mosaic_sdk.vault._models import parse_vault_time

_moments = st.datetimes(
    min_value=dt.datetime(1970, 1, 1),
    max_value=dt.datetime(2999, 12, 31),
    timezones=st.just(dt.timezone.utc),
)


@given(_moments, st.integers(min_value=0, max_value=999))
def test_vault_timestamps_round_trip(moment: dt.datetime, nanos: int) -> None:
    # Vault writes 9 fractional digits and Z; Python keeps microseconds.
    text = moment.strftime("%Y-%m-%dT%H:%M:%S") + f".{moment.microsecond:06d}{nanos:03d}Z"
    assert parse_vault_time(text) == moment


@given(_moments, st.integers(min_value=-12, max_value=14))
def test_offsets_are_kept(moment: dt.datetime, hours: int) -> None:
    zone = dt.timezone(dt.timedelta(hours=hours))
    local = moment.astimezone(zone)
    text = local.isoformat()
    parsed = parse_vault_time(text)
    assert parsed == moment
    assert parsed is not None
    assert parsed.utcoffset() == dt.timedelta(hours=hours)
