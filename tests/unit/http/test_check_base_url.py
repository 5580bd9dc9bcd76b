"""check_base_url: the one place every client validates its API root."""

from __future__ import annotations

import pytest

from mosaic_sdk._http import check_base_url
from mosaic_sdk.errors import ConfigurationError
from mosaic_sdk.providers.coolify import CoolifyClient
from mosaic_sdk.providers.portainer import PortainerClient
from mosaic_sdk.providers.vercel import VercelClient


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("https://api.example.com", "https://api.example.com"),
        ("https://api.example.com/", "https://api.example.com"),
        ("http://127.0.0.1:8080/api/", "http://127.0.0.1:8080/api"),
    ],
)
def test_good_urls_come_back_without_a_trailing_slash(url: str, expected: str) -> None:
    assert check_base_url(url, example="https://x.example") == expected


@pytest.mark.parametrize(
    ("url", "needle"),
    [
        (None, "has no http:// or https:// scheme"),
        (42, "has no http:// or https:// scheme"),
        ("ftp://host", "has no http:// or https:// scheme"),
        ("api.example.com", "has no http:// or https:// scheme"),
        ("https://", "has no host"),
        ("https://host name", "has no host"),
        ("https://host:port", "is not a valid URL"),
        ("http://[::1", "is not a valid URL"),
    ],
)
def test_bad_urls_name_the_value_and_the_fix(url: object, needle: str) -> None:
    with pytest.raises(ConfigurationError) as info:
        check_base_url(url, what="Widget base URL", example="https://widget.example.com")
    message = str(info.value)
    assert needle in message
    assert f"Widget base URL {url!r}" in message
    assert "'https://widget.example.com'" in message


@pytest.mark.parametrize(
    ("make", "what"),
    [
        (lambda: CoolifyClient("https://host:port", token="tok-123456"), "Coolify base URL"),
        (lambda: PortainerClient("https://host:port", api_key="ptr_123456"), "Portainer base URL"),
        (lambda: VercelClient("tok-123456", base_url="https://host:port"), "Vercel API base URL"),
    ],
)
def test_every_provider_client_uses_it(make: object, what: str) -> None:
    with pytest.raises(ConfigurationError, match=f"{what} 'https://host:port' is not a valid URL"):
        make()  # type: ignore[operator]
