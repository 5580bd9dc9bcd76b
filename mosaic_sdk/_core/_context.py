"""The correlation id of the current unit of work, held in a context variable.

Every JSON log line carries it and every SDK HTTP client sends it in the
:data:`CORRELATION_ID_HEADER` header (the HTTP core reads :func:`get_correlation_id`). A
:class:`contextvars.ContextVar` is used rather than a thread-local so the id follows
``asyncio`` tasks: each task started inside a ``with correlation_id(...)`` block keeps
the id it was created with, and concurrent tasks never see each other's id.

This module is part of the leaf layer :mod:`mosaic_sdk._core` and imports only the
standard library. It checks no values: the public
:class:`mosaic_sdk.observability.correlation_id` validates an id before it sets one here.
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar, Token

__all__ = [
    "CORRELATION_ID_HEADER",
    "correlation_scope",
    "get_correlation_id",
    "is_valid_correlation_id",
    "new_correlation_id",
    "reset_correlation_id",
    "set_correlation_id",
]

#: Name of the HTTP header the SDK clients send the current id in (the one constant for
#: it: :data:`mosaic_sdk.observability.CORRELATION_ID_HEADER` is this object).
CORRELATION_ID_HEADER = "X-Correlation-ID"

_current: ContextVar[str | None] = ContextVar("mosaic_correlation_id", default=None)

# Header-safe: visible ASCII without separators that would break a header or a log line.
_VALID = re.compile(r"[A-Za-z0-9][A-Za-z0-9._:/+=@-]{0,127}")


def new_correlation_id() -> str:
    """Return a fresh random correlation id (32 lowercase hex characters)."""
    return uuid.uuid4().hex


def get_correlation_id() -> str | None:
    """Return the correlation id of the current context, or ``None`` outside any."""
    return _current.get()


def is_valid_correlation_id(value: object) -> bool:
    """True when ``value`` can travel as a correlation id: 1-128 characters of letters,
    digits and ``._:/+=@-``, starting with a letter or digit."""
    return isinstance(value, str) and _VALID.fullmatch(value) is not None


def set_correlation_id(value: str | None) -> Token[str | None]:
    """Make ``value`` the current id; pass the token to :func:`reset_correlation_id`."""
    return _current.set(value)


def reset_correlation_id(token: Token[str | None]) -> None:
    """Restore the id that was current before the :func:`set_correlation_id` of ``token``."""
    _current.reset(token)


@contextmanager
def correlation_scope(value: str | None) -> Iterator[None]:
    """Run a block with ``value`` as the current id, restoring the previous one on exit."""
    token = _current.set(value)
    try:
        yield
    finally:
        _current.reset(token)
