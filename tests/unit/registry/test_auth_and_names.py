"""Challenge parsing, scope coverage, the token cache, name validation, open_registry."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from mosaic_sdk.errors import ConfigurationError, InvalidValueError
from mosaic_sdk.registry import (
    Challenge,
    OCILayout,
    RegistryClient,
    layout_root,
    open_registry,
    parse_challenge,
    validate_repository,
    validate_tag,
)
from mosaic_sdk.registry._auth import Credentials, TokenCache, scope_covers, token_from_response


@pytest.mark.parametrize(
    ("header", "expected"),
    [
        (
            'Bearer realm="https://auth.example.com/token",service="registry.example.com",'
            'scope="repository:app:pull,push"',
            Challenge(
                "bearer",
                "https://auth.example.com/token",
                "registry.example.com",
                ("repository:app:pull,push",),
            ),
        ),
        (
            'Bearer realm="https://a/t",service="s",'
            'scope="repository:b:push,pull repository:a:pull",error="insufficient_scope"',
            Challenge(
                "bearer",
                "https://a/t",
                "s",
                ("repository:b:push,pull", "repository:a:pull"),
                "insufficient_scope",
            ),
        ),
        ('Basic realm="Registry Realm"', Challenge("basic", "Registry Realm")),
        ('BEARER realm="https://a/t"', Challenge("bearer", "https://a/t")),
        ('Bearer realm="https://a/t?x=\\"q\\""', Challenge("bearer", 'https://a/t?x="q"')),
        ("Bearer realm=https://a/t,service=s", Challenge("bearer", "https://a/t", "s")),
        ("Negotiate abc", None),
        ("Bearer service=s", None),
        ("", None),
        (None, None),
    ],
)
def test_parse_challenge(header: str | None, expected: Challenge | None) -> None:
    assert parse_challenge(header) == expected


@pytest.mark.parametrize(
    ("granted", "needed", "covers"),
    [
        (["repository:app:pull,push"], ["repository:app:pull"], True),
        (["repository:app:pull"], ["repository:app:pull,push"], False),
        (["repository:app:pull"], ["repository:other:pull"], False),
        (["repository:a:pull,push", "repository:b:pull"], ["repository:b:pull"], True),
        (["registry:catalog:*"], ["registry:catalog:*"], True),
        (["repository:app:*"], ["repository:app:delete"], True),
        ([], ["repository:app:pull"], False),
        (["repository:app:pull"], [], True),
    ],
)
def test_scope_covers(granted: list[str], needed: list[str], covers: bool) -> None:
    assert scope_covers(granted, needed) is covers


def test_token_cache_reuses_covering_tokens_until_they_expire() -> None:
    now = [100.0]
    cache = TokenCache(clock=lambda: now[0])
    cache.store(["repository:app:pull,push"], "tok-1234", expires_in=60)
    assert cache.find(["repository:app:pull"]) == "tok-1234"
    assert cache.find(["repository:other:pull"]) is None
    now[0] += 56.0  # inside the 5 s safety margin before expiry
    assert cache.find(["repository:app:pull"]) is None
    assert len(cache) == 0


def test_token_cache_defaults_to_sixty_seconds_and_discards() -> None:
    now = [0.0]
    cache = TokenCache(clock=lambda: now[0])
    cache.store([], "tok-abcd", expires_in=None)
    now[0] = 50.0
    assert cache.find([]) == "tok-abcd"
    cache.discard("tok-abcd")
    assert cache.find([]) is None


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        ({"token": "t1", "expires_in": 300}, ("t1", 300.0)),
        ({"access_token": "t2"}, ("t2", None)),
        ({"token": "", "access_token": "t3", "expires_in": True}, ("t3", None)),
        ({"token": 5}, None),
        (["token"], None),
    ],
)
def test_token_from_response(body: object, expected: tuple[str, float | None] | None) -> None:
    assert token_from_response(body) == expected


def test_credentials_hide_the_password() -> None:
    creds = Credentials("alice", "pa55-word-xyz")
    assert "pa55" not in repr(creds)
    assert creds.basic_header().startswith("Basic ")


@pytest.mark.parametrize("name", ["app", "team/app", "a.b/c_d/e__f", "a-b--c/x9", "a" * 255])
def test_valid_repository_names(name: str) -> None:
    assert validate_repository(name) == name


@pytest.mark.parametrize(
    ("name", "fix"),
    [
        ("Team/App", "lowercase: use 'team/app'"),
        ("registry.example.com:5000/app", "no registry host"),
        ("app:v1", "no registry host"),
        ("-app", "single separators"),
        ("app/", "single separators"),
        ("", "non-empty"),
        ("a" * 256, "at most 255"),
    ],
)
def test_invalid_repository_names_say_how_to_fix(name: str, fix: str) -> None:
    with pytest.raises(InvalidValueError) as info:
        validate_repository(name)
    assert fix in str(info.value)


@pytest.mark.parametrize("tag", ["v1.2.3", "sha-" + "a" * 40, "v1.0.0-rc.1", "_x", "A" * 128])
def test_valid_tags(tag: str) -> None:
    assert validate_tag(tag) == tag


@pytest.mark.parametrize("tag", ["", "-bad", ".bad", "v1+build", "a" * 129, "with space"])
def test_invalid_tags(tag: str) -> None:
    with pytest.raises(InvalidValueError, match="valid OCI tag"):
        validate_tag(tag)


def test_plus_in_a_tag_suggests_an_underscore() -> None:
    with pytest.raises(InvalidValueError, match=r"'v1\.0\.0_build'"):
        validate_tag("v1.0.0+build")


@pytest.mark.parametrize(
    ("location", "expected"),
    [
        ("oci:///data/layouts", Path("/data/layouts")),
        ("oci:/data/layouts", Path("/data/layouts")),
        ("oci:relative/dir", Path("relative/dir")),
        ("/data/layouts", Path("/data/layouts")),
        ("https://registry.example.com", None),
        ("http://127.0.0.1:5000", None),
    ],
)
def test_layout_root(location: str, expected: Path | None) -> None:
    assert layout_root(location) == expected


@pytest.mark.parametrize(
    ("location", "fix"),
    [
        ("127.0.0.1:5000", "'http://127.0.0.1:5000'"),
        ("registry.example.com:443", "https://registry.example.com:443"),
        ("ftp://host/x", "http://, https://, oci:"),
        ("oci://host/path", "three slashes"),
        ("oci:", "oci:/path"),
    ],
)
def test_open_registry_refuses_ambiguous_locations(location: str, fix: str) -> None:
    with pytest.raises(InvalidValueError) as info:
        open_registry(location)
    assert fix in str(info.value)


def test_open_registry_picks_the_backend(tmp_path: Path) -> None:
    layout = open_registry(tmp_path)
    assert isinstance(layout, OCILayout)
    assert layout.root == tmp_path
    assert isinstance(open_registry(f"oci:{tmp_path}", gc_grace=5), OCILayout)
    client = open_registry("http://127.0.0.1:5000/", username="u", password="secret-pw-1")
    assert isinstance(client, RegistryClient)
    assert client.url == "http://127.0.0.1:5000"
    assert "secret-pw-1" not in repr(client)
    client.close()


@pytest.mark.parametrize(
    "url",
    [
        "127.0.0.1:5000",
        "https://",
        "https://h/x?q=1",
        "http://[::1",  # urllib's ValueError must not escape
        "http://h:99999",
        "http://h:port",
        "http://reg istry.example",
    ],
)
def test_registry_client_needs_a_plain_url(url: str) -> None:
    with pytest.raises(ConfigurationError, match="registry URL"):
        RegistryClient(url)


def test_a_relative_layout_path_is_kept_relative(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    layout = open_registry("oci:layouts")
    assert isinstance(layout, OCILayout)
    layout.put_blob("app", b"x")
    assert os.path.isfile(tmp_path / "layouts" / "app" / "oci-layout")
