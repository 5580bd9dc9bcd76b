"""The redaction rule of issue #13 item 8: a value the SDK learns is secret - registered,
given as a credential, or passed in a secret-named field, argument or header - is masked
wherever it appears, in that log record and in every later one."""

from __future__ import annotations

import io
import json
import logging

import pytest

from mosaic_sdk._http import check_credential
from mosaic_sdk.observability import (
    JSONFormatter,
    RedactingFilter,
    TextFormatter,
    is_secret_key,
    redact_mapping,
    redact_text,
)

# Tests log these on purpose, through a logger outside mosaic_sdk (tests/_support/secret_guard.py).
LOGGER = "tests.secret_learning"


def _record(
    message: str, *args: object, exc: BaseException | None = None, **extra: object
) -> logging.LogRecord:
    record = logging.LogRecord(LOGGER, logging.ERROR, __file__, 1, message, args or None, None)
    if exc is not None:
        record.exc_info = (type(exc), exc, exc.__traceback__)
    for key, value in extra.items():
        setattr(record, key, value)
    return record


@pytest.mark.parametrize("render", ["filter", "json", "text"])
def test_a_secret_named_extra_masks_the_same_value_in_message_and_traceback(render: str) -> None:
    secret = f"learned-extra-{render}-5a1f"
    try:
        raise RuntimeError(f"the server said {secret}")
    except RuntimeError as exc:
        record = _record("connecting with %s", secret, exc=exc, password=secret)
    if render == "filter":
        RedactingFilter().filter(record)
        line = f"{record.getMessage()} {record.exc_text} {record.__dict__['password']}"
    elif render == "json":
        line = JSONFormatter().format(record)
    else:
        line = TextFormatter().format(record)
    assert secret not in line
    # ... and in a later record that names no field at all.
    later = JSONFormatter().format(_record(f"retrying {secret}"))
    assert secret not in later


def test_a_secret_named_mapping_argument_is_learned() -> None:
    secret = "learned-mapping-arg-71b2"
    record = _record("user %(user)s token %(token)s", {"user": "bob", "token": secret})
    assert secret not in JSONFormatter().format(record)
    assert secret not in redact_text(f"echo {secret}")


def test_docker_config_auth_values_and_x_auth_headers_are_secret() -> None:
    auth = "ZG9ja2VyOmF1dGgtdmFsdWUtOWMx"
    config = {"auths": {"registry.example.com": {"auth": auth}}}
    assert redact_mapping(config) == {"auths": {"registry.example.com": {"auth": "***"}}}
    assert auth not in redact_text(json.dumps(config))
    assert is_secret_key("auth")
    assert is_secret_key("X-Auth")
    assert is_secret_key("X-Auth-Token")
    assert not is_secret_key("author")
    assert not is_secret_key("WWW-Authenticate")
    header = "x-auth-header-value-3e7a"
    record = _record("sent", headers={"X-Auth": header, "Accept": "json"})
    assert header not in JSONFormatter().format(record)
    assert header not in redact_text(f"later: {header}")


def test_a_credential_given_to_a_client_is_masked_from_then_on() -> None:
    token = "client-credential-8d4e"
    check_credential(token, argument="token")
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(JSONFormatter())
    logger = logging.getLogger(LOGGER)
    logger.addHandler(handler)
    try:
        logger.warning("echo %s", token)
    finally:
        logger.removeHandler(handler)
    assert token not in stream.getvalue()
