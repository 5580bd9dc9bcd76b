"""Checks on provider answers that every provider client shares (no I/O)."""

from __future__ import annotations

from typing import Any

from mosaic_sdk._http import HTTPResponse
from mosaic_sdk.errors import APIResponseValidationError

__all__ = ["json_list"]


def json_list(
    response: HTTPResponse, what: str, *, provider: str, null_is_empty: bool = False
) -> list[Any]:
    """The JSON body of ``response`` as a list of ``what`` (``null`` as ``[]`` when
    ``null_is_empty``: Portainer answers it for an empty list).

    Raises:
        APIResponseValidationError: the body is not JSON, or not a list (the message
            names what came instead, the URL without its query).
    """
    body = response.json()
    if body is None and null_is_empty:
        return []
    if not isinstance(body, list):
        raise APIResponseValidationError(
            f"expected a JSON list of {what}, got {type(body).__name__}",
            provider=provider,
            method=response.method,
            url=response.url.split("?", 1)[0],
        )
    return body
