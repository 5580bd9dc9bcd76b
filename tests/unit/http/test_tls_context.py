"""TLS contexts are built once per setting and, for asynchronous clients, off the loop.

Loading a CA bundle takes tens of milliseconds (hundreds under load); httpx did it for
every client, so each post-deploy check stalled an asyncio service's event loop."""

from __future__ import annotations

import asyncio
import os
import shutil
import ssl
import threading
from pathlib import Path

import certifi
import httpx
import pytest

from mosaic_sdk._http import RetryPolicy, _tls
from mosaic_sdk._http._async.client import AsyncHTTPClient
from mosaic_sdk._http._sync.client import HTTPClient
from mosaic_sdk.errors import APIConnectionError, ConfigurationError, MosaicError


@pytest.fixture(autouse=True)
def _empty_cache(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(_tls, "_contexts", {})
    monkeypatch.delenv("SSL_CERT_FILE", raising=False)
    monkeypatch.delenv("SSL_CERT_DIR", raising=False)


def _context_of(client: HTTPClient | AsyncHTTPClient) -> ssl.SSLContext:
    inner = client._client
    assert inner is not None
    transport = inner._transport
    assert isinstance(transport, (httpx.HTTPTransport, httpx.AsyncHTTPTransport))
    return transport._pool._ssl_context  # type: ignore[no-any-return]


def test_clients_share_one_context_per_setting(tmp_path: Path) -> None:
    bundle = tmp_path / "ca.pem"
    shutil.copy(certifi.where(), bundle)
    with HTTPClient("https://a.test") as one, HTTPClient("https://b.test") as two:
        assert _context_of(one) is _context_of(two)
    with HTTPClient("https://a.test", verify=str(bundle)) as own:
        assert _context_of(own) is not _context_of(one)
        assert _context_of(own).verify_mode is ssl.CERT_REQUIRED
    assert len(_tls._contexts) == 2


def test_a_rotated_bundle_builds_a_fresh_context(tmp_path: Path) -> None:
    bundle = tmp_path / "ca.pem"
    shutil.copy(certifi.where(), bundle)
    first = _tls.tls_context(str(bundle))
    assert _tls.tls_context(str(bundle)) is first
    bundle.write_bytes(bundle.read_bytes() + b"\n")
    os.utime(bundle, ns=(1, 1))
    assert _tls.tls_context(str(bundle)) is not first


def test_the_environment_is_part_of_the_key(monkeypatch: pytest.MonkeyPatch) -> None:
    default = _tls.tls_context(True)
    monkeypatch.setenv("SSL_CERT_FILE", certifi.where())
    assert _tls.cached_tls_context(True) is None
    assert _tls.tls_context(True) is not default


def test_no_verification_builds_nothing() -> None:
    assert _tls.tls_context(False) is False
    assert _tls.cached_tls_context(False) is False
    assert _tls._contexts == {}


def test_the_async_client_loads_a_new_context_in_a_worker_thread(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    threads: list[int] = []
    build = _tls.tls_context

    def recording(verify: bool | str) -> ssl.SSLContext | bool:
        threads.append(threading.get_ident())
        return build(verify)

    monkeypatch.setattr(_tls, "tls_context", recording)

    async def main() -> tuple[int, bool, bool]:
        client = AsyncHTTPClient("https://127.0.0.1:1", retry=RetryPolicy(max_retries=0))
        assert client._client is None  # nothing loaded on the loop
        loop_thread = threading.get_ident()
        with pytest.raises(APIConnectionError):  # port 1: refused, after the client is built
            await client.request("GET", "/")
        built = client._client is not None
        again = AsyncHTTPClient("https://b.test")
        reused = again._client is not None  # the cached context: built at once
        await client.aclose()
        await again.aclose()
        return loop_thread, built, reused

    loop_thread, built, reused = asyncio.run(main())
    assert built
    assert reused
    assert threads
    assert loop_thread not in threads


def test_a_bad_bundle_is_a_configuration_error_in_both_twins(tmp_path: Path) -> None:
    bundle = tmp_path / "ca.pem"
    bundle.write_text("not a certificate\n")
    with pytest.raises(ConfigurationError, match="cannot set up TLS verification"):
        HTTPClient("https://a.test", verify=str(bundle))

    async def main() -> None:
        async with AsyncHTTPClient("https://a.test", verify=str(bundle)) as client:
            await client.request("GET", "/")

    with pytest.raises(ConfigurationError, match="cannot set up TLS verification"):
        asyncio.run(main())


def test_an_unopened_async_client_closes_and_refuses_requests() -> None:
    async def main() -> None:
        client = AsyncHTTPClient("https://a.test")
        assert client._client is None
        await client.aclose()
        assert client._client_closed()
        with pytest.raises(MosaicError, match="closed"):
            await client.request("GET", "/")

    asyncio.run(main())
