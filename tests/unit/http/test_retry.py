"""RetryPolicy decisions and Retry-After parsing: pure, no sockets."""

from __future__ import annotations

import email.utils

import pytest

from mosaic_sdk._http import RetryPolicy, parse_retry_after
from mosaic_sdk.errors import (
    APIConnectionError,
    APIStatusError,
    APITimeoutError,
    ConflictError,
    InvalidValueError,
    RateLimitError,
    status_error_class,
)

NOW = 1_700_000_000.0


def _http_date(offset: float) -> str:
    return email.utils.formatdate(NOW + offset, usegmt=True)


@pytest.mark.parametrize(
    ("headers", "expected"),
    [
        ({}, None),
        ({"Retry-After": "3"}, 3.0),
        ({"retry-after": "1.5"}, 1.5),
        ({"Retry-After": " 7 "}, 7.0),
        ({"Retry-After": "0"}, 0.0),
        ({"Retry-After": "-1"}, None),
        ({"Retry-After": "nan"}, None),
        ({"Retry-After": "soon"}, None),
        ({"Retry-After": _http_date(20)}, 20.0),
        ({"Retry-After": _http_date(-30)}, 0.0),
        ({"retry-after-ms": "250"}, 0.25),
        ({"retry-after-ms": "250", "Retry-After": "9"}, 0.25),
        ({"retry-after-ms": "x", "Retry-After": "9"}, 9.0),
        ({"retry-after-ms": "-5", "Retry-After": "2"}, 2.0),
    ],
)
def test_parse_retry_after(headers: dict[str, str], expected: float | None) -> None:
    assert parse_retry_after(headers, now=NOW) == expected


def _status(code: int, retry_after: float | None = None) -> APIStatusError:
    cls = status_error_class(code)
    if cls is RateLimitError:
        return RateLimitError("x", status_code=code, retry_after=retry_after)
    return cls("x", status_code=code)


@pytest.mark.parametrize(
    ("code", "method", "idempotent", "expected"),
    [
        (500, "GET", None, True),
        (502, "GET", None, True),
        (503, "PUT", None, True),
        (504, "DELETE", None, True),
        (408, "GET", None, True),
        (429, "GET", None, True),
        (409, "GET", None, False),  # a real deploy conflict, never retried
        (409, "POST", True, False),
        (400, "GET", None, False),
        (401, "GET", None, False),
        (404, "GET", None, False),
        (422, "GET", None, False),
        (501, "GET", None, False),
        (503, "POST", None, False),  # the server may have acted on it
        (503, "PATCH", None, False),
        (503, "POST", True, True),  # marked safe by the caller
        (429, "POST", None, True),  # refused before processing
        (408, "POST", None, True),
    ],
)
def test_status_retry_decisions(
    code: int, method: str, idempotent: bool | None, expected: bool
) -> None:
    assert (
        RetryPolicy().is_retryable(_status(code), method=method, idempotent=idempotent) is expected
    )


def test_connection_errors_retry_post_only_when_nothing_was_sent() -> None:
    policy = RetryPolicy()
    refused = APIConnectionError("refused", request_sent=False)
    broken = APIConnectionError("reset mid-response", request_sent=True)
    read_timeout = APITimeoutError("read timeout", request_sent=True)
    assert policy.is_retryable(refused, method="POST", idempotent=None)
    assert not policy.is_retryable(broken, method="POST", idempotent=None)
    assert not policy.is_retryable(read_timeout, method="POST", idempotent=None)
    assert policy.is_retryable(broken, method="GET", idempotent=None)
    assert policy.is_retryable(read_timeout, method="POST", idempotent=True)


def test_retry_after_above_cap_is_not_retried() -> None:
    policy = RetryPolicy(max_retry_after=10)
    assert policy.is_retryable(_status(429, 5), method="GET", idempotent=None)
    assert not policy.is_retryable(_status(429, 11), method="GET", idempotent=None)


def test_unknown_exceptions_are_not_retried() -> None:
    assert not RetryPolicy().is_retryable(RuntimeError("bug"), method="GET", idempotent=None)
    assert not RetryPolicy().is_retryable(
        ConflictError("x", status_code=409), method="GET", idempotent=None
    )


def test_delay_honours_retry_after_then_backs_off() -> None:
    policy = RetryPolicy(initial_delay=0.5, max_delay=8.0, jitter=0.25)
    assert policy.delay_for(_status(429, 3.0), 1) == 3.0
    assert policy.delay_for(_status(429, 0.0), 1) == 0.0
    for retry in range(1, 12):
        base = min(8.0, 0.5 * 2 ** (retry - 1))
        delay = policy.delay_for(_status(503), retry)
        assert base <= delay <= base + 0.25


@pytest.mark.parametrize(
    "kwargs",
    [
        {"max_retries": -1},
        {"initial_delay": -0.1},
        {"max_delay": -1},
        {"jitter": -1},
        {"max_retry_after": -5},
        {"deadline": 0},
        {"deadline": -3},
    ],
)
def test_invalid_policies_are_typed_errors(kwargs: dict[str, float]) -> None:
    with pytest.raises(InvalidValueError) as info:
        RetryPolicy(**kwargs)  # type: ignore[arg-type]
    assert str(next(iter(kwargs.values()))) in str(info.value)


def test_none_policy_never_retries() -> None:
    assert RetryPolicy.none().max_retries == 0
