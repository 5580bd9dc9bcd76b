"""Authentication against real docker-registry 2.8 processes: htpasswd Basic auth, and
token auth (``auth: token``) with a local token server that signs RS256 JWTs.

Both are the real registry enforcing real credentials; only the token issuer is ours
(tests/_support/servers.py::TokenServer), standing in for Docker Hub's or Harbor's auth service.
"""

from __future__ import annotations

import random

import pytest

from mosaic_sdk.errors import AuthenticationError, ConfigurationError
from mosaic_sdk.registry import RegistryClient
from tests._support.images import image, index, push
from tests._support.servers import HTPASSWD_PASSWORD, HTPASSWD_USER, RegistryServer, TokenServer

pytestmark = pytest.mark.integration


def test_basic_auth_requires_credentials(basic_registry_server: RegistryServer) -> None:
    with (
        RegistryClient(basic_registry_server.url) as anonymous,
        pytest.raises(AuthenticationError, match="Basic") as info,
    ):
        anonymous.ping()
    assert "username and password" in str(info.value)


def test_basic_auth_rejects_a_wrong_password_without_leaking_it(
    basic_registry_server: RegistryServer,
) -> None:
    wrong = "not-the-password-42"
    with RegistryClient(basic_registry_server.url, username="alice", password=wrong) as client:
        with pytest.raises(AuthenticationError, match="rejected the password") as info:
            client.ping()
        assert wrong not in str(info.value)
        assert wrong not in repr(client)


def test_basic_auth_push_and_pull(
    basic_registry_server: RegistryServer, rng: random.Random
) -> None:
    with RegistryClient(
        basic_registry_server.url, username=HTPASSWD_USER, password=HTPASSWD_PASSWORD
    ) as client:
        img = image(rng)
        push(client, "team/app", img, "v1")
        before = client.request_count
        assert client.resolve("team/app", "v1") == img.digest
        # After the first challenge Basic is sent up front: one request, no 401.
        assert client.request_count - before == 1


def test_token_auth_push_pull_and_token_reuse(
    token_registry_server: tuple[RegistryServer, TokenServer], rng: random.Random
) -> None:
    server, tokens = token_registry_server
    with RegistryClient(server.url, username=HTPASSWD_USER, password=HTPASSWD_PASSWORD) as client:
        img = image(rng, layers=2)
        push(client, "team/tok", img, "v1")
        issued = len(tokens.requests)
        assert tokens.requests[-1]["user"] == HTPASSWD_USER
        assert tokens.requests[-1]["service"] == TokenServer.service
        # The pull,push token of team/tok covers pull: no new token, no 401 round trip.
        before = client.request_count
        assert client.resolve("team/tok", "v1") == img.digest
        assert client.get_manifest("team/tok", "v1").content == img.manifest.content
        assert client.request_count - before == 2
        assert len(tokens.requests) == issued


def test_token_auth_mount_asks_for_both_repositories(
    token_registry_server: tuple[RegistryServer, TokenServer], rng: random.Random
) -> None:
    server, tokens = token_registry_server
    with RegistryClient(server.url, username=HTPASSWD_USER, password=HTPASSWD_PASSWORD) as client:
        idx = index(rng)
        push(client, "team/src", idx, "v1")
        assert client.copy("team/src", "v1", "team/dst", tag="v1") == idx.digest
        assert client.resolve("team/dst", "v1") == idx.digest

    # The registry lists a scope's actions in any order ("pull,push" or "push,pull": Go map
    # iteration), so scopes compare as (repository, set of actions).
    def parsed(scope: str) -> tuple[str, frozenset[str]]:
        kind, _, rest = scope.partition(":")
        name, _, actions = rest.rpartition(":")
        return f"{kind}:{name}", frozenset(actions.split(","))

    mount_scopes = [
        {parsed(s) for s in r["scopes"]} for r in tokens.requests if len(r["scopes"]) == 2
    ]
    assert {
        ("repository:team/dst", frozenset({"pull", "push"})),
        ("repository:team/src", frozenset({"pull"})),
    } in mount_scopes


def test_token_auth_anonymous_can_pull_but_not_push(
    token_registry_server: tuple[RegistryServer, TokenServer], rng: random.Random
) -> None:
    server, _ = token_registry_server
    img = image(rng)
    with RegistryClient(server.url, username=HTPASSWD_USER, password=HTPASSWD_PASSWORD) as owner:
        push(owner, "team/public", img, "v1")
    with RegistryClient(server.url) as anonymous:
        assert anonymous.resolve("team/public", "v1") == img.digest
        with pytest.raises(AuthenticationError, match="insufficient_scope") as info:
            anonymous.put_manifest("team/public", "v2", img.manifest)
        assert "anonymous access" in str(info.value)
        assert "repository:team/public:pull,push" in str(info.value)


def test_token_auth_wrong_password_is_refused_by_the_token_server(
    token_registry_server: tuple[RegistryServer, TokenServer],
) -> None:
    server, _ = token_registry_server
    wrong = "wrong-password-77"
    with (
        RegistryClient(server.url, username="alice", password=wrong) as client,
        pytest.raises(AuthenticationError, match="token server") as info,
    ):
        client.ping()
    assert wrong not in str(info.value)
    assert "alice" in str(info.value)


def test_token_auth_delete_scope(
    token_registry_server: tuple[RegistryServer, TokenServer], rng: random.Random
) -> None:
    server, tokens = token_registry_server
    with RegistryClient(server.url, username=HTPASSWD_USER, password=HTPASSWD_PASSWORD) as client:
        img = image(rng)
        push(client, "team/del", img, "v1")
        client.delete_manifest("team/del", img.digest)
        assert client.list_tags("team/del") == []
    assert any("repository:team/del:delete" in r["scopes"] for r in tokens.requests)


def test_credentials_must_come_in_pairs() -> None:
    with pytest.raises(ConfigurationError, match="both"):
        RegistryClient("http://127.0.0.1:1", username="alice")
