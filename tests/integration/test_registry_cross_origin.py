"""Registry credentials go only to the registry's own origin (issue #13 item 6).

A real ``docker-registry`` (htpasswd Basic, or token auth with the local token server)
sits behind :class:`~tests._support.header_proxy.HeaderRewritingProxy`, which points the
``tags/list`` ``Link`` header and the upload ``Location`` header at a second loopback
origin, a :class:`~tests._support.header_proxy.RecordingServer`. The client must follow them
without its Basic password or Bearer token.
"""

from __future__ import annotations

import base64
import random
from collections.abc import Iterator

import pytest

from mosaic_sdk.errors import AuthenticationError
from mosaic_sdk.registry import RegistryClient
from tests._support.header_proxy import HeaderRewritingProxy, RecordingServer
from tests._support.images import image, push
from tests._support.servers import HTPASSWD_PASSWORD, HTPASSWD_USER, RegistryServer, TokenServer

pytestmark = pytest.mark.integration


@pytest.fixture
def recorder() -> Iterator[RecordingServer]:
    server = RecordingServer().start()
    yield server
    server.stop()


def _proxy(upstream: str, elsewhere: str) -> HeaderRewritingProxy:
    proxy: HeaderRewritingProxy = HeaderRewritingProxy(upstream, elsewhere).start()
    return proxy


def _credentials_in(headers: dict[str, str]) -> list[str]:
    found = [v for k, v in headers.items() if k in ("authorization", "proxy-authorization")]
    found += [v for v in headers.values() if HTPASSWD_PASSWORD in v]
    basic = base64.b64encode(f"{HTPASSWD_USER}:{HTPASSWD_PASSWORD}".encode()).decode()
    found += [v for v in headers.values() if basic in v]
    return found


def test_basic_credentials_do_not_follow_a_link_to_another_host(
    basic_registry_server: RegistryServer, recorder: RecordingServer, rng: random.Random
) -> None:
    with RegistryClient(
        basic_registry_server.url, username=HTPASSWD_USER, password=HTPASSWD_PASSWORD
    ) as direct:
        push(direct, "team/link", image(rng), "v1")
    proxy = _proxy(basic_registry_server.url, recorder.url)
    try:
        with RegistryClient(
            proxy.url, username=HTPASSWD_USER, password=HTPASSWD_PASSWORD
        ) as client:
            assert client.list_tags("team/link") == ["v1"]
    finally:
        proxy.stop()
    assert [path for _, path, _ in recorder.requests] == ["/v2/team/link/tags/list?n=100&last=zzz"]
    assert [_credentials_in(h) for h in recorder.headers_seen()] == [[]]


def test_basic_credentials_do_not_follow_an_upload_location_to_another_host(
    basic_registry_server: RegistryServer, recorder: RecordingServer
) -> None:
    proxy = _proxy(basic_registry_server.url, recorder.url)
    try:
        with RegistryClient(
            proxy.url, username=HTPASSWD_USER, password=HTPASSWD_PASSWORD
        ) as client:
            client.put_blob("team/upload", b"layer bytes for the cross-origin test")
    finally:
        proxy.stop()
    methods = [method for method, _, _ in recorder.requests]
    assert methods == ["PUT"]
    assert [_credentials_in(h) for h in recorder.headers_seen()] == [[]]


def test_bearer_tokens_do_not_follow_a_link_to_another_host(
    token_registry_server: tuple[RegistryServer, TokenServer],
    recorder: RecordingServer,
    rng: random.Random,
) -> None:
    server, _ = token_registry_server
    with RegistryClient(server.url, username=HTPASSWD_USER, password=HTPASSWD_PASSWORD) as direct:
        push(direct, "team/tokenlink", image(rng), "v1")
    proxy = _proxy(server.url, recorder.url)
    try:
        with RegistryClient(
            proxy.url, username=HTPASSWD_USER, password=HTPASSWD_PASSWORD
        ) as client:
            assert client.list_tags("team/tokenlink") == ["v1"]
    finally:
        proxy.stop()
    assert len(recorder.requests) == 1
    assert [_credentials_in(h) for h in recorder.headers_seen()] == [[]]


def test_a_challenge_from_another_host_is_refused_not_answered(
    basic_registry_server: RegistryServer, rng: random.Random
) -> None:
    asking = RecordingServer(challenge='Basic realm="elsewhere"').start()
    proxy = _proxy(basic_registry_server.url, asking.url)
    try:
        with RegistryClient(
            basic_registry_server.url, username=HTPASSWD_USER, password=HTPASSWD_PASSWORD
        ) as direct:
            push(direct, "team/asked", image(rng), "v1")
        with (
            RegistryClient(proxy.url, username=HTPASSWD_USER, password=HTPASSWD_PASSWORD) as client,
            pytest.raises(AuthenticationError, match="own origin") as info,
        ):
            client.list_tags("team/asked")
    finally:
        proxy.stop()
        asking.stop()
    assert HTPASSWD_PASSWORD not in str(info.value)
    assert len(asking.requests) == 1
    assert [_credentials_in(h) for h in asking.headers_seen()] == [[]]
