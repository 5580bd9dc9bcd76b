"""``async with`` for everything that holds a connection pool or a worker.

A class that owns resources defines ``aclose`` and inherits the context manager from
:class:`AsyncClosing`; :class:`AsyncPooled` is the usual case, a client whose resources are
one ``mosaic_sdk._http`` client in ``self._http``.
"""

from __future__ import annotations

from types import TracebackType
from typing import Generic, Protocol, TypeVar

__all__ = ["AsyncClosing", "AsyncPooled"]

_T = TypeVar("_T", bound="AsyncClosing")


class _Pool(Protocol):
    async def aclose(self) -> None: ...


_H = TypeVar("_H", bound=_Pool)


class AsyncClosing:
    """Mixin: ``async with obj:`` returns ``obj`` and closes it on the way out."""

    async def aclose(self) -> None:
        """Release what the object holds; safe to call twice."""
        raise NotImplementedError

    async def __aenter__(self: _T) -> _T:
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.aclose()


class AsyncPooled(AsyncClosing, Generic[_H]):
    """Mixin for a client whose connection pool is the HTTP client in ``self._http``."""

    _http: _H

    async def aclose(self) -> None:
        """Close the connection pool."""
        await self._http.aclose()
