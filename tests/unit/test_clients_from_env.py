"""Every client has ``from_env()`` (#12: one constructor shape for all clients), reading the
variables the ``mosaic`` command reads, and refusing a half-set environment."""

from __future__ import annotations

import asyncio

import httpx
import pytest

from mosaic_sdk.errors import ConfigurationError
from mosaic_sdk.observability import AsyncPrometheusClient, PrometheusClient
from mosaic_sdk.registry import AsyncRegistryClient, RegistryClient


def test_registry_client_from_env(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("MOSAIC_REGISTRY", "https://registry.example.com")
    monkeypatch.setenv("MOSAIC_REGISTRY_USERNAME", "ci")
    monkeypatch.setenv("MOSAIC_REGISTRY_PASSWORD", "from-env-pw-31f")
    with RegistryClient.from_env(timeout=5.0) as client:
        assert client.url == "https://registry.example.com"
        assert "from-env-pw-31f" not in repr(client)
    client_async = AsyncRegistryClient.from_env()
    assert client_async.url == "https://registry.example.com"
    asyncio.run(client_async.aclose())


def test_registry_client_from_env_needs_the_url_and_a_user_with_a_password(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.delenv("MOSAIC_REGISTRY", raising=False)
    with pytest.raises(ConfigurationError, match="MOSAIC_REGISTRY is not set"):
        RegistryClient.from_env()
    monkeypatch.setenv("MOSAIC_REGISTRY", "https://registry.example.com")
    monkeypatch.delenv("MOSAIC_REGISTRY_USERNAME", raising=False)
    monkeypatch.setenv("MOSAIC_REGISTRY_PASSWORD", "pw-without-user-77")
    with pytest.raises(ConfigurationError, match="without MOSAIC_REGISTRY_USERNAME"):
        RegistryClient.from_env()


def test_prometheus_client_from_env(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PROMETHEUS_URL", "http://prometheus.example.com:9090")
    monkeypatch.setenv("PROMETHEUS_TOKEN", "prom-token-from-env-5a")
    seen: list[str] = []

    def answer(request: httpx.Request) -> httpx.Response:
        seen.append(request.headers.get("Authorization", ""))
        return httpx.Response(
            200, json={"status": "success", "data": {"resultType": "vector", "result": []}}
        )

    with PrometheusClient.from_env(transport=httpx.MockTransport(answer)) as client:
        assert "prom-token-from-env-5a" not in repr(client)
        client.query("up")
    assert seen == ["Bearer prom-token-from-env-5a"]
    async_client = AsyncPrometheusClient.from_env()
    asyncio.run(async_client.aclose())
    monkeypatch.delenv("PROMETHEUS_URL")
    with pytest.raises(ConfigurationError, match="PROMETHEUS_URL is not set"):
        PrometheusClient.from_env()
