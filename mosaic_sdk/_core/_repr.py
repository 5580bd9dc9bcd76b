"""Reprs that survive a half-built instance (see :func:`safe_repr`).

A leaf module, like the rest of :mod:`mosaic_sdk._core`: every layer decorates its
hand-written ``__repr__`` with it.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import TypeVar

__all__ = ["safe_repr"]

_T = TypeVar("_T")


def safe_repr(method: Callable[[_T], str]) -> Callable[[_T], str]:
    """Decorate a hand-written ``__repr__`` so that it also works on an instance whose
    ``__init__`` raised part-way.

    Such an instance is still shown: by ``pytest --showlocals``, a debugger or a logged
    traceback (``self`` in the failing ``__init__`` frame). There the attributes a repr
    reads may not exist yet; the repr then names the class and the first missing
    attribute instead of raising :class:`AttributeError` over the real error. Any other
    error, or an attribute missing on another object, still propagates.

    Example:
        >>> class Box:
        ...     def __init__(self, size: int) -> None:
        ...         if size < 0:
        ...             raise ValueError(size)
        ...         self.size = size
        ...     @safe_repr
        ...     def __repr__(self) -> str:
        ...         return f"Box({self.size})"
        >>> repr(object.__new__(Box))
        "<Box, partially initialised: no 'size'>"
    """

    @functools.wraps(method)
    def __repr__(self: _T) -> str:
        try:
            return method(self)
        except AttributeError as error:
            if error.obj is not self:
                raise
            return f"<{type(self).__name__}, partially initialised: no {error.name!r}>"

    return __repr__
