"""The public, validating :class:`correlation_id` over the context of
:mod:`mosaic_sdk._core._context`.

The context variable, :func:`get_correlation_id`, :func:`new_correlation_id` and
:data:`CORRELATION_ID_HEADER` live in the leaf layer (the HTTP core and the errors read
them there); this module adds the context manager and decorator that check an id given
by a caller and raise :class:`~mosaic_sdk.errors.InvalidValueError` for a bad one.
"""

from __future__ import annotations

import functools
import inspect
from collections.abc import Callable
from contextvars import Token
from typing import Any, TypeVar, cast

from mosaic_sdk._core._context import (
    CORRELATION_ID_HEADER,
    correlation_scope,
    get_correlation_id,
    is_valid_correlation_id,
    new_correlation_id,
    reset_correlation_id,
    set_correlation_id,
)
from mosaic_sdk._core._repr import safe_repr
from mosaic_sdk.errors import InvalidValueError

__all__ = [
    "CORRELATION_ID_HEADER",
    "correlation_id",
    "get_correlation_id",
    "new_correlation_id",
]

_F = TypeVar("_F", bound=Callable[..., Any])


def _checked(value: str) -> str:
    if not is_valid_correlation_id(value):
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
            current = get_correlation_id()
            if current is not None:
                return current
        return self._value if self._value is not None else new_correlation_id()

    def __enter__(self) -> str:
        value = self._resolve()
        self._tokens.append(set_correlation_id(value))
        return value

    def __exit__(self, *exc_info: object) -> None:
        reset_correlation_id(self._tokens.pop())

    def __call__(self, func: _F) -> _F:
        """Decorate ``func`` so that each call runs under a correlation id."""
        if inspect.iscoroutinefunction(func):

            @functools.wraps(func)
            async def async_wrapper(*args: Any, **kwargs: Any) -> Any:
                with correlation_scope(self._resolve()):
                    return await func(*args, **kwargs)

            return cast(_F, async_wrapper)

        @functools.wraps(func)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            with correlation_scope(self._resolve()):
                return func(*args, **kwargs)

        return cast(_F, wrapper)

    @safe_repr
    def __repr__(self) -> str:
        return f"correlation_id({self._value!r}, inherit={self._inherit})"
