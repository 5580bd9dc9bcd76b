"""Environment, VaultPath, VaultPaths and the standard secret field names."""

from __future__ import annotations

import pytest

from mosaic_sdk.errors import InvalidValueError
from mosaic_sdk.values import (
    CONNECTION_FIELDS,
    CREDENTIAL_FIELDS,
    FIELD_ALIASES,
    OAUTH_FIELDS,
    STANDARD_FIELDS,
    TOKEN_FIELDS,
    Environment,
    VaultPath,
    VaultPaths,
    validate_field_name,
    validate_fields,
)


@pytest.mark.parametrize(
    ("env", "mount"),
    [
        (Environment.DEV, "secret-dev"),
        (Environment.STAGING, "secret-staging"),
        (Environment.PROD, "secret-prod"),
    ],
)
def test_each_environment_has_its_mount(env: Environment, mount: str) -> None:
    assert env.vault_mount == mount
    assert Environment.from_mount(mount) is env


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("dev", Environment.DEV),
        ("Development", Environment.DEV),
        ("develop", Environment.DEV),
        ("staging", Environment.STAGING),
        ("STAGE", Environment.STAGING),
        ("stg", Environment.STAGING),
        ("prod", Environment.PROD),
        ("production", Environment.PROD),
        (" PRD ", Environment.PROD),
    ],
)
def test_environment_parses_common_spellings(text: str, expected: Environment) -> None:
    assert Environment.parse(text) is expected


def test_environment_members_are_in_promotion_order_and_print_short_names() -> None:
    assert list(Environment) == [Environment.DEV, Environment.STAGING, Environment.PROD]
    assert [str(env) for env in Environment] == ["dev", "staging", "prod"]


def test_vault_paths_builds_the_canonical_path() -> None:
    path = VaultPaths(Environment.PROD).path("postgres", "database", "app")
    assert str(path) == "secret-prod/postgres/database/app"
    assert path == VaultPath.parse("secret-prod/postgres/database/app")
    assert (path.environment, path.mount) == (Environment.PROD, "secret-prod")
    assert (path.service, path.component, path.name) == ("postgres", "database", "app")


def test_vault_path_gives_hvac_and_http_api_forms() -> None:
    path = VaultPath.parse("secret-staging/redis/cache/session-store")
    assert path.relative == "redis/cache/session-store"
    assert path.kv2_data_path == "secret-staging/data/redis/cache/session-store"
    assert path.kv2_metadata_path == "secret-staging/metadata/redis/cache/session-store"


def test_vault_paths_accepts_an_environment_spelling() -> None:
    paths = VaultPaths("production")
    assert paths.environment is Environment.PROD
    assert paths.mount == "secret-prod"
    with pytest.raises(InvalidValueError, match="'qa'"):
        VaultPaths("qa")


def test_vault_path_constructor_validates_segments() -> None:
    with pytest.raises(InvalidValueError, match="uppercase"):
        VaultPath(Environment.DEV, "Api", "web", "token")
    assert str(VaultPath(Environment.DEV, "api", "web_1", "signing-key")) == (
        "secret-dev/api/web_1/signing-key"
    )


def test_field_sets_hold_the_standard_names() -> None:
    assert {"username", "password"} == CREDENTIAL_FIELDS
    assert {"token"} == TOKEN_FIELDS
    assert {"client_id", "client_secret"} == OAUTH_FIELDS
    assert {"url", "host", "port"} == CONNECTION_FIELDS
    assert STANDARD_FIELDS == CREDENTIAL_FIELDS | TOKEN_FIELDS | OAUTH_FIELDS | CONNECTION_FIELDS
    assert all(isinstance(s, frozenset) for s in (CREDENTIAL_FIELDS, STANDARD_FIELDS))


@pytest.mark.parametrize("name", sorted(STANDARD_FIELDS))
def test_standard_field_names_are_accepted(name: str) -> None:
    assert validate_field_name(name) == name


@pytest.mark.parametrize(
    ("alias", "standard"),
    [
        ("user", "username"),
        ("login", "username"),
        ("pass", "password"),
        ("passwd", "password"),
        ("pwd", "password"),
        ("api_key", "token"),
        ("apikey", "token"),
        ("secret", "token"),
        ("access_token", "token"),
        ("auth_token", "token"),
        ("uri", "url"),
        ("dsn", "url"),
        ("endpoint", "url"),
        ("hostname", "host"),
        ("server", "host"),
        ("portnumber", "port"),
        ("clientid", "client_id"),
        ("client-secret", "client_secret"),
    ],
)
def test_aliases_suggest_the_standard_name(alias: str, standard: str) -> None:
    with pytest.raises(InvalidValueError) as info:
        validate_field_name(alias)
    assert info.value.value == alias
    assert f"rename it to {standard!r}" in info.value.fix
    # The whole message survives redaction: field names are not secrets.
    assert str(info.value).startswith(f"{alias!r}: is not a standard Vault field name")


def test_field_aliases_are_read_only() -> None:
    assert FIELD_ALIASES["passwd"] == "password"
    with pytest.raises(TypeError):
        FIELD_ALIASES["pw"] = "password"  # type: ignore[index]


def test_validate_fields_returns_the_mapping_and_never_shows_values() -> None:
    fields = {"username": "app", "password": "correct horse battery staple"}
    assert validate_fields(fields) is fields
    with pytest.raises(InvalidValueError) as info:
        validate_fields({"user": "app", "passwd": "correct horse battery staple"})
    assert "correct horse" not in str(info.value)
    assert info.value.value == ("user", "passwd")


def test_validate_fields_refuses_an_empty_secret() -> None:
    with pytest.raises(InvalidValueError, match="at least one of username"):
        validate_fields({})
