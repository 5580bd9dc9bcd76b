"""Where registry credentials may go (issue #13 items 6 and 8), with scripted answers for
what a local docker-registry cannot show: an https registry whose token realm is plain
http, and credentials written into the registry URL."""

from __future__ import annotations

import base64
from collections.abc import Callable

import httpx
import pytest

from mosaic_sdk._http import HTTPClient, RetryPolicy
from mosaic_sdk.errors import AuthenticationError, ConfigurationError
from mosaic_sdk.registry import RegistryClient

NO_RETRY = RetryPolicy(max_retries=0)
PASSWORD = "url-pass/with space-4c1d"

Handler = Callable[[httpx.Request], httpx.Response]


def _recording(handler: Handler) -> tuple[httpx.MockTransport, list[httpx.Request]]:
    seen: list[httpx.Request] = []

    def record(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return handler(request)

    return httpx.MockTransport(record), seen


def test_an_http_token_realm_is_refused_for_an_https_registry() -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        return httpx.Response(
            401,
            headers={
                "WWW-Authenticate": 'Bearer realm="http://auth.test/token",service="registry"'
            },
        )

    transport, seen = _recording(handler)
    with (
        RegistryClient(
            "https://registry.test",
            username="ci",
            password="realm-test-password-1",
            transport=transport,
            retry=NO_RETRY,
        ) as client,
        pytest.raises(AuthenticationError, match="not https") as info,
    ):
        client.ping()
    assert [request.url.host for request in seen] == ["registry.test"]
    assert "realm-test-password-1" not in str(info.value)


def test_an_https_token_realm_on_another_host_still_gets_the_credentials() -> None:
    # token.md: the realm is the token server, usually another host - that is allowed.
    def handler(request: httpx.Request) -> httpx.Response:
        if request.url.host == "auth.test":
            return httpx.Response(200, json={"token": "realm-token-abcdef"})
        if request.headers.get("Authorization") == "Bearer realm-token-abcdef":
            return httpx.Response(200, json={})
        return httpx.Response(
            401, headers={"WWW-Authenticate": 'Bearer realm="https://auth.test/token"'}
        )

    transport, seen = _recording(handler)
    with RegistryClient(
        "https://registry.test",
        username="ci",
        password="realm-test-password-2",
        transport=transport,
        retry=NO_RETRY,
    ) as client:
        client.ping()
    token_request = next(r for r in seen if r.url.host == "auth.test")
    assert token_request.headers["Authorization"].startswith("Basic ")


def test_credentials_in_the_registry_url_leave_the_url() -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        expected = "Basic " + base64.b64encode(f"ci:{PASSWORD}".encode()).decode()
        if request.headers.get("Authorization") == expected:
            return httpx.Response(200, json={})
        return httpx.Response(401, headers={"WWW-Authenticate": 'Basic realm="r"'})

    transport, seen = _recording(handler)
    quoted = "url-pass%2Fwith%20space-4c1d"
    with RegistryClient(
        f"https://ci:{quoted}@registry.test", transport=transport, retry=NO_RETRY
    ) as client:
        client.ping()
        assert client.url == "https://registry.test"
        assert PASSWORD not in repr(client)
        assert quoted not in repr(client)
    assert all(request.url.userinfo == b"" for request in seen)


@pytest.mark.parametrize(
    "url",
    [
        "https://ci:pa/ss-leak-9@registry.test",
        "https://ci:pa ss-leak-9@registry.test",
        "https://ci:pa ss-leak-9@registry.test/?x=1",
    ],
)
def test_a_malformed_registry_url_never_quotes_its_password(url: str) -> None:
    with pytest.raises(ConfigurationError) as info:
        RegistryClient(url, username="ci", password="other-password-1")
    for piece in ("pa/ss-leak-9", "pa ss-leak-9", "ss-leak-9"):
        assert piece not in str(info.value)


def test_x_auth_headers_do_not_follow_a_redirect_to_another_origin() -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        if request.url.host == "api.test":
            return httpx.Response(302, headers={"Location": "https://elsewhere.test/x"})
        return httpx.Response(200, json={})

    transport, seen = _recording(handler)
    with HTTPClient(
        "https://api.test",
        headers={"X-Auth": "x-auth-value-77c1", "X-Auth-Token": "x-auth-token-88d2"},
        transport=transport,
        retry=NO_RETRY,
    ) as client:
        client.request("GET", "/start")
    assert seen[0].headers["X-Auth"] == "x-auth-value-77c1"
    assert "X-Auth" not in seen[1].headers
    assert "X-Auth-Token" not in seen[1].headers
