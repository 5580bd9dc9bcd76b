"""``BlockingAdapter``: the one async adapter over a blocking, file-backed collaborator.

File-backed collaborators (an OCI image layout, a Compose file target, evidence files)
are synchronous: their work is a few system calls under their own locks, and writing
them twice would buy nothing. An asynchronous caller reaches them through a subclass of
:class:`BlockingAdapter` whose methods each ``await self._call(self.sync.method, ...)``:
the call runs in a worker thread (:func:`~mosaic_sdk._core._concurrency.arun_blocking`),
so the event loop is never stalled, and the caller's :mod:`contextvars` (the
correlation id, above all) are copied into that thread.

Cancellation: cancelling the task that awaits a call stops the *wait*, not the call. A
thread cannot be interrupted, so the blocking call runs to its end in its thread and its
result (or exception) is dropped; the cancelled task sees
:class:`asyncio.CancelledError` at once. For a write this means it either happened
completely or not at all, as the collaborator's own locking and atomic replacement make
it: the file state is never left half-written, but a cancelled write may still have
landed, so read the state back when it matters.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Generic, ParamSpec, TypeVar

from mosaic_sdk._core._concurrency import arun_blocking
from mosaic_sdk._core._repr import safe_repr

__all__ = ["BlockingAdapter"]

S = TypeVar("S")
R = TypeVar("R")
P = ParamSpec("P")


class BlockingAdapter(Generic[S]):
    """Base of an async adapter that runs every call of the blocking ``sync`` object in
    a worker thread (see the module docstring for the cancellation semantics).

    Args:
        sync: the blocking collaborator; kept as the ``sync`` attribute.
    """

    def __init__(self, sync: S) -> None:
        self.sync = sync

    @safe_repr
    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.sync!r})"

    async def _call(self, func: Callable[P, R], /, *args: P.args, **kwargs: P.kwargs) -> R:
        """``func(*args, **kwargs)`` in a worker thread with the caller's context."""
        return await arun_blocking(func, *args, **kwargs)
