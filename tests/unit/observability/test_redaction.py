"""The redaction registry: registered values, encoded forms, secret-named pairs."""

from __future__ import annotations

import json
import urllib.parse
from collections.abc import Callable

import pytest

from mosaic_sdk.errors import InvalidValueError, MosaicError
from mosaic_sdk.observability import (
    MASK,
    is_secret_key,
    redact_mapping,
    redact_text,
    register_secret,
    registered_secrets,
)

SECRET = 'p@ss w/rd"with\\quote-9c1e'


def test_registered_value_is_masked_in_plain_and_encoded_forms() -> None:
    register_secret(SECRET)
    assert SECRET in registered_secrets()
    for form in (
        SECRET,
        urllib.parse.quote(SECRET, safe=""),
        urllib.parse.quote_plus(SECRET),
        json.dumps(SECRET)[1:-1],
    ):
        assert redact_text(f"before {form} after") == f"before {MASK} after"
    assert SECRET not in redact_text(json.dumps({"note": SECRET}))


def test_short_values_are_not_registered() -> None:
    register_secret("abc")
    assert "abc" not in registered_secrets()
    assert redact_text("abc") == "abc"


def test_error_messages_are_redacted() -> None:
    register_secret(SECRET)
    assert SECRET not in str(MosaicError(f"boom {SECRET}"))


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("password=hunter22 user=bob", "password=*** user=bob"),
        ('{"client_secret": "abc", "id": 1}', '{"client_secret": "***", "id": 1}'),
        ("Authorization: Bearer eyJhbGciOi.x.y", "Authorization: ***"),
        ("X-Vault-Token: hvs.CAESIabc", "X-Vault-Token: ***"),
        ("https://h/p?api_key=k123&x=1", "https://h/p?api_key=***&x=1"),
        ("session_id=abcd1234", "session_id=***"),
        ("AWS_SECRET_ACCESS_KEY=abc", "AWS_SECRET_ACCESS_KEY=***"),
        ("secret_key_base: xyz", "secret_key_base: ***"),
        ("refresh_token: rt-1", "refresh_token: ***"),
    ],
)
def test_secret_named_pairs(text: str, expected: str) -> None:
    assert redact_text(text) == expected


@pytest.mark.parametrize(
    "name",
    [
        "password",
        "PASSWD",
        "client_secret",
        "token",
        "Authorization",
        "api_key",
        "x-api-key",
        "X-Vault-Token",
        "private_key",
        "cookie",
    ],
)
def test_secret_key_names(name: str) -> None:
    assert is_secret_key(name)


@pytest.mark.parametrize("name", ["username", "host", "port", "url", "client_id", "service"])
def test_ordinary_key_names(name: str) -> None:
    assert not is_secret_key(name)


def test_redact_mapping_recurses_into_lists_and_mappings() -> None:
    register_secret(SECRET)
    data = {
        "token": "x",
        "items": [{"password": "y", "name": "a"}, SECRET],
        "pair": ("ok", SECRET),
        "count": 3,
    }
    assert redact_mapping(data) == {
        "token": MASK,
        "items": [{"password": MASK, "name": "a"}, MASK],
        "pair": ("ok", MASK),
        "count": 3,
    }


@pytest.mark.parametrize(
    "text",
    [
        "cannot read secret-prod: no secret there",
        "cannot read secret-prod/payments/database/app: permission denied",
        "token_type: bearer",
        "passed: 12 tests",
    ],
)
def test_prose_around_secret_words_is_left_alone(text: str) -> None:
    assert redact_text(text) == text


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("GET http://alice:pw-1@host:80/x", "GET http://host:80/x"),
        ("postgres://app:p%40ss@db:5432/app", "postgres://db:5432/app"),
        (
            "https://example.com/a@b and user@example.com",
            "https://example.com/a@b and user@example.com",
        ),
        # A token often travels as the user name (https://TOKEN@host): all userinfo goes.
        ("http://ghp_token1234@host/", "http://host/"),
        # A raw '/', '?', '@' or space in the password does not end the mask early.
        ("GET https://u:pa/ss-1@host/x failed", "GET https://host/x failed"),
        ("url 'https://u:pa ss-2@host/x' is bad", "url 'https://host/x' is bad"),
        ("https://u:pa?ss-3@host/x", "https://host/x"),
        ("https://u:p@ss-4@host/x", "https://host/x"),
        (
            "https://h/p?sig=abc&X-Amz-Signature=def&n=1",
            "https://h/p?sig=***&X-Amz-Signature=***&n=1",
        ),
        ("https://h/cb#access_token=abc&state=1", "https://h/cb#access_token=***&state=1"),
    ],
)
def test_url_userinfo_and_credential_parameters_are_removed(text: str, expected: str) -> None:
    assert redact_text(text) == expected


def test_httpcore_header_tuples_are_masked() -> None:
    # The shape httpcore logs at DEBUG after reading response headers.
    line = (
        "receive_response_headers.complete return_value=(b'HTTP/1.1', 200, b'OK', "
        "[(b'Server', b'x'), (b'Set-Cookie', b'session=abc123'), "
        "(b'X-Auth-Token', b'tok-456'), (b'Content-Length', b'2')])"
    )
    masked = redact_text(line)
    assert "abc123" not in masked
    assert "tok-456" not in masked
    assert "(b'Set-Cookie', b'***')" in masked
    assert "(b'Server', b'x')" in masked
    assert "(b'Content-Length', b'2')" in masked


def test_long_invalid_values_are_cut_after_redaction() -> None:
    secret = "cut-through-secret-77"
    register_secret(secret)
    value = "x" * 470 + secret + "y" * 100_000
    error = InvalidValueError(value, "is too long", "shorten it")
    message = str(error)
    assert len(message) < 700
    assert "100491 characters" in message
    assert "cut-thr" not in message  # the cut at 480 would keep "cut-throu"
    assert error.value.count(MASK) == 1


@pytest.mark.parametrize(
    "call",
    [
        lambda: redact_text(None),  # type: ignore[arg-type]
        lambda: redact_mapping(["a"]),  # type: ignore[arg-type]
        lambda: is_secret_key(5),  # type: ignore[arg-type]
    ],
)
def test_wrong_types_are_typed_errors(call: Callable[[], object]) -> None:
    with pytest.raises(InvalidValueError, match="wrong type"):
        call()


@pytest.mark.parametrize(
    "text",
    ["JWT_SECRET: ${JWT_SECRET}", "password=$DB_PASSWORD", 'api_key: "${API_KEY}"',
     "token=${GITHUB_TOKEN} and more"],
)  # fmt: skip
def test_a_pure_variable_reference_is_no_secret_value(text: str) -> None:
    # Issue #14: CP006's fix text came out as "JWT_SECRET: ***}".
    assert redact_text(text) == text


@pytest.mark.parametrize(
    ("text", "expected"),
    [("password=${PW}tail", "password=***"), ("token=${T:-hunter2}", "token=***"),
     ("password=$PW$EXTRA", "password=***")],
)  # fmt: skip
def test_a_reference_with_a_literal_around_it_is_still_masked(text: str, expected: str) -> None:
    assert redact_text(text) == expected
