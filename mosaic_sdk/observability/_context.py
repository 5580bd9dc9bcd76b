"""The correlation id of the current unit of work, held in a context variable.

Every JSON log line carries it and every SDK HTTP client sends it as the
``X-Correlation-ID`` header (the HTTP core reads :func:`get_correlation_id`). A
:class:`contextvars.ContextVar` is used rather than a thread-local so the id follows
``asyncio`` tasks: each task started inside a ``with correlation_id(...)`` block keeps
the id it was created with, and concurrent tasks never see each other's id.

This module imports nothing beyond the standard library, so the HTTP core can import
it without pulling in the logging setup.
"""

from __future__ import annotations

import functools
import inspect
import re
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar, Token
from typing import Any, TypeVar, cast

__all__ = [
    "CORRELATION_ID_HEADER",
    "correlation_id",
    "get_correlation_id",
    "new_correlation_id",
]

#: Name of the HTTP header the SDK clients send the current id in.
CORRELATION_ID_HEADER = "X-Correlation-ID"

_current: ContextVar[str | None] = ContextVar("mosaic_correlation_id", default=None)

# Header-safe: visible ASCII without separators that would break a header or a log line.
_VALID = re.compile(r"[A-Za-z0-9][A-Za-z0-9._:/+=@-]{0,127}")

_F = TypeVar("_F", bound=Callable[..., Any])


def new_correlation_id() -> str:
    """Return a fresh random correlation id (32 lowercase hex characters)."""
    return uuid.uuid4().hex


def get_correlation_id() -> str | None:
    """Return the correlation id of the current context, or ``None`` outside any."""
    return _current.get()


def _checked(value: str) -> str:
    if not isinstance(value, str) or _VALID.fullmatch(value) is None:
        # Imported lazily so this module stays stdlib-only at import time.
        from mosaic_sdk.errors import InvalidValueError

        raise InvalidValueError(
            value,
            "is not a valid correlation id (1-128 characters: letters, digits and ._:/+=@-, "
            "starting with a letter or digit)",
            "pass an id such as a request id or a UUID, or call correlation_id() without "
            "an argument to generate one",
        )
    return value


class correlation_id:
    """Set the correlation id for a block of code or for every call of a function.

    As a context manager the id is visible to every log line and HTTP request made
    inside the block, including in ``asyncio`` tasks created there; the previous id is
    restored on exit, so blocks nest::

        with correlation_id("deploy-42") as cid:
            log.info("starting")          # carries correlation_id="deploy-42"

    As a decorator (sync or ``async`` functions) each call runs under its own id:
    the given one, or a fresh one per call when none is given, unless ``inherit`` is
    true and the caller already has an id::

        @correlation_id()
        async def handle(event): ...

    Args:
        value: the id to use; a fresh random id when omitted.
        inherit: keep the caller's id when one is already set (only generate one
            at the outermost level). Defaults to ``False``.

    Raises:
        InvalidValueError: ``value`` is empty, too long or contains characters that
            cannot travel in an HTTP header.
    """

    __slots__ = ("_inherit", "_tokens", "_value")

    def __init__(self, value: str | None = None, *, inherit: bool = False) -> None:
        self._value = None if value is None else _checked(value)
        self._inherit = inherit
        self._tokens: list[Token[str | None]] = []

    def _resolve(self) -> str:
        if self._inherit:
            current = _current.get()
            if current is not None:
                return current
        return self._value if self._value is not None else new_correlation_id()

    def __enter__(self) -> str:
        value = self._resolve()
        self._tokens.append(_current.set(value))
        return value

    def __exit__(self, *exc_info: object) -> None:
        _current.reset(self._tokens.pop())

    def __call__(self, func: _F) -> _F:
        """Decorate ``func`` so that each call runs under a correlation id."""
        if inspect.iscoroutinefunction(func):

            @functools.wraps(func)
            async def async_wrapper(*args: Any, **kwargs: Any) -> Any:
                with _scope(self._resolve()):
                    return await func(*args, **kwargs)

            return cast(_F, async_wrapper)

        @functools.wraps(func)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            with _scope(self._resolve()):
                return func(*args, **kwargs)

        return cast(_F, wrapper)

    def __repr__(self) -> str:
        return f"correlation_id({self._value!r}, inherit={self._inherit})"


@contextmanager
def _scope(value: str) -> Iterator[None]:
    token = _current.set(value)
    try:
        yield
    finally:
        _current.reset(token)
