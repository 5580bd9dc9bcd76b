"""RateLimit.redis and DeploymentLock.redis before any connection: checks and reprs.

Constructing a Redis backend does not connect, so these need no server; the
integration tier runs the backend against a real redis-server.
"""

from __future__ import annotations

import pytest

from mosaic_sdk import AsyncDeploymentLock, DeploymentLock, RateLimit
from mosaic_sdk.errors import InvalidValueError

URL = "redis://:hunter2-pw@redis.internal:6379/0"


def test_the_password_is_in_no_repr() -> None:
    limit = RateLimit.redis(URL, "coolify:team", 190, 60.0)
    lock = DeploymentLock.redis(URL, ttl=30)
    alock = AsyncDeploymentLock.redis(URL, ttl=30)
    for text in (repr(limit), repr(lock), repr(alock), repr(lock.store), repr(limit._store)):
        assert "hunter2" not in text
        assert "redis://redis.internal:6379/0" in text


@pytest.mark.parametrize("url", ["http://redis.internal:6379", "", 6379, "redis.internal:6379"])
def test_a_url_that_is_not_redis_is_a_typed_error(url: object) -> None:
    with pytest.raises(InvalidValueError) as caught:
        RateLimit.redis(url, "k", 1, 1.0)  # type: ignore[arg-type]
    assert "hunter2" not in str(caught.value)


def test_the_error_for_a_wrong_scheme_hides_the_password() -> None:
    with pytest.raises(InvalidValueError) as caught:
        RateLimit.redis("http://:hunter2-pw@redis.internal:6379", "k", 1, 1.0)
    assert "hunter2" not in str(caught.value)


@pytest.mark.parametrize("key", ["", "two words", "{tag}", "x" * 201, None])
def test_a_bad_key_is_a_typed_error(key: object) -> None:
    with pytest.raises(InvalidValueError):
        RateLimit.redis(URL, key, 1, 1.0)  # type: ignore[arg-type]
