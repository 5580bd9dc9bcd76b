"""The async HTTP stack does not pay a failed import per request.

httpcore 1.0.x imports ``sniffio`` inside ``current_async_library()``, which its connection
pool calls for every lock and event it makes; since anyio 4.11 no longer depends on
sniffio, an environment without it scanned ``sys.path`` for ``sniffio`` on each of those
calls (encode/httpcore#1103) - most of a fleet retention plan's client CPU. mosaic_sdk
depends on sniffio so the import succeeds once and is cached."""

from __future__ import annotations

import asyncio
import builtins
from typing import Any

import pytest


def test_httpcore_detects_asyncio_without_a_failed_import(monkeypatch: pytest.MonkeyPatch) -> None:
    from httpcore._synchronization import current_async_library

    failed: list[str] = []
    real_import = builtins.__import__

    def spy(name: str, *args: Any, **kwargs: Any) -> Any:
        try:
            return real_import(name, *args, **kwargs)
        except ImportError:
            failed.append(name)
            raise

    async def detect() -> list[str]:
        return [current_async_library() for _ in range(3)]

    monkeypatch.setattr(builtins, "__import__", spy)
    assert asyncio.run(detect()) == ["asyncio"] * 3
    assert failed == []
