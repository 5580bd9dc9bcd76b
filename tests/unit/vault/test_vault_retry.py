"""VaultRetry: urllib3 Retry driven by the HTTP core's RetryPolicy numbers."""

from __future__ import annotations

import logging

import pytest
from urllib3.exceptions import MaxRetryError
from urllib3.response import HTTPResponse
from urllib3.util.retry import RequestHistory

from mosaic_sdk import RetryPolicy
from mosaic_sdk.vault import VaultRetry


def _policy(sleeps: list[float], **kwargs: float) -> RetryPolicy:
    return RetryPolicy(sleep=sleeps.append, **kwargs)  # type: ignore[arg-type]


def _response(status: int, **headers: str) -> HTTPResponse:
    return HTTPResponse(body=b"", status=status, headers=headers, preload_content=False)


def test_default_numbers_match_the_http_core() -> None:
    retry = VaultRetry.from_policy(RetryPolicy())
    assert retry.total == retry.connect == retry.read == retry.status == 2
    assert retry.status_forcelist == {408, 412, 429, 500, 502, 503, 504}
    assert retry.backoff_factor == 0.5
    assert retry.backoff_max == 8.0
    assert retry.raise_on_status is False
    assert 409 not in retry.status_forcelist


@pytest.mark.parametrize(
    ("method", "status", "expected"),
    [
        ("GET", 503, True),
        ("LIST", 500, True),
        ("DELETE", 502, True),
        ("GET", 412, True),
        ("POST", 412, True),  # a standby refused before doing anything
        ("PATCH", 429, True),
        ("POST", 503, False),  # may have written: never write a second version
        ("PATCH", 500, False),
        ("GET", 404, False),
        ("GET", 409, False),
        ("POST", 400, False),
    ],
)
def test_what_is_retried(method: str, status: int, expected: bool) -> None:
    assert VaultRetry.from_policy(RetryPolicy()).is_retry(method, status) is expected


def test_backoff_follows_the_policy_and_caps() -> None:
    policy = RetryPolicy(jitter=0, max_retries=10)
    retry = VaultRetry.from_policy(policy)
    delays = []
    for _ in range(6):
        retry = retry.increment("GET", "/v1/x", response=_response(503))
        delays.append(retry.get_backoff_time())
    assert delays == [0.5, 1.0, 2.0, 4.0, 8.0, 8.0]
    assert delays == [policy.backoff(n) for n in range(1, 7)]


def test_jitter_is_added_within_bounds() -> None:
    retry = VaultRetry.from_policy(RetryPolicy(jitter=0.5)).increment(
        "GET", "/v1/x", response=_response(503)
    )
    assert all(0.5 <= retry.get_backoff_time() <= 1.0 for _ in range(50))


def test_exhaustion_hands_back_the_last_answer() -> None:
    retry = VaultRetry.from_policy(RetryPolicy())
    retry = retry.increment("GET", "/v1/x", response=_response(503))
    retry = retry.increment("GET", "/v1/x", response=_response(503))
    with pytest.raises(MaxRetryError):
        retry.increment("GET", "/v1/x", response=_response(503))


def test_sleep_uses_the_policy_sleep_and_honours_retry_after() -> None:
    sleeps: list[float] = []
    retry = VaultRetry.from_policy(_policy(sleeps, jitter=0))
    retry = retry.increment("GET", "/v1/x", response=_response(503))
    retry.sleep(_response(503))
    retry.sleep(_response(429, **{"Retry-After": "3"}))
    retry.sleep()  # a connection error: no response
    assert sleeps == [0.5, 3.0, 0.5]
    assert retry.new().policy is retry.policy


def test_retry_after_beyond_the_cap_stops_retrying() -> None:
    retry = VaultRetry.from_policy(RetryPolicy(max_retry_after=60))
    with pytest.raises(MaxRetryError, match="beyond the retry cap"):
        retry.increment("GET", "/v1/x", response=_response(429, **{"Retry-After": "600"}))
    # Within the cap it is an ordinary retry.
    assert retry.increment("GET", "/v1/x", response=_response(429, **{"Retry-After": "5"}))


def test_each_retry_is_logged_with_its_cause(caplog: pytest.LogCaptureFixture) -> None:
    sleeps: list[float] = []
    retry = VaultRetry.from_policy(_policy(sleeps, jitter=0))
    retry = retry.new(
        history=(RequestHistory("GET", "/v1/secret-prod/data/a/b/c", None, 412, None),)
    )
    with caplog.at_level(logging.INFO, logger="mosaic_sdk.vault"):
        retry.sleep()
    (record,) = caplog.records
    assert record.getMessage() == (
        "retrying Vault GET /v1/secret-prod/data/a/b/c after HTTP 412 (attempt 1, waiting 0.50s)"
    )
    assert record.__dict__["provider"] == "vault"
    assert record.__dict__["attempt"] == 1


def test_no_retries_policy() -> None:
    retry = VaultRetry.from_policy(RetryPolicy.none())
    with pytest.raises(MaxRetryError):
        retry.increment("GET", "/v1/x", response=_response(503))


@pytest.mark.parametrize(
    ("headers", "wait"),
    [
        # OpenBao 2.7 recorded: both headers rounded down, "0" while still limited.
        ({"Retry-After": "0", "X-Ratelimit-Reset": "0"}, 1.0),
        ({"Retry-After": "9", "X-Ratelimit-Reset": "9"}, 10.0),
        ({"Retry-After": "2", "X-Ratelimit-Reset": "4"}, 5.0),
        ({"X-Ratelimit-Reset": "3"}, 4.0),
        ({"Retry-After": "7"}, 7.0),  # no reset header: Retry-After as sent
        ({"X-Ratelimit-Reset": "soon"}, None),
        ({}, None),
    ],
)
def test_a_quota_wait_never_ends_before_the_window_resets(
    headers: dict[str, str], wait: float | None
) -> None:
    from mosaic_sdk.vault._transport import rate_limit_wait

    assert rate_limit_wait(headers) == wait
