"""The concurrency primitives asynchronous source code uses, and their blocking twins.

Source under an ``_async/`` folder is written against the ``a``-prefixed and ``Async``
names here; ``scripts/gen_sync.py`` rewrites them to the plain names, so the generated
synchronous module gets the blocking twin with the same meaning:

=====================================  =========================================
asynchronous source                    generated synchronous code
=====================================  =========================================
``await asleep(s)``                    ``sleep(s)`` (:func:`time.sleep`)
``await amap_bounded(f, items, n)``    ``map_bounded(f, items, n)`` (thread pool)
``await arun_blocking(f, *args)``      ``run_blocking(f, *args)`` (a plain call)
``await arun_within(s, f, *args)``     ``run_within(s, f, *args)`` (a watched thread)
``await acheckpoint()``                ``checkpoint()`` (nothing to do)
``await arun_to_boundary(f, stop, d)`` ``run_to_boundary(f, stop, d)`` (a plain call)
``AsyncLock()``                        ``Lock()`` (:class:`threading.Lock`)
``AsyncSemaphore(n)``                  ``Semaphore(n)`` (:class:`threading.Semaphore`)
``AsyncSleep``                         ``Sleep`` (the type of a sleep function)
=====================================  =========================================

Both twins carry the caller's :mod:`contextvars` (the correlation id, above all) into
the work they start: tasks copy the context by themselves, and the thread pool of
:func:`map_bounded` runs each call in a copy of the submitting context.

:mod:`asyncio` is imported by the asynchronous functions when they first run, and
:class:`~concurrent.futures.ThreadPoolExecutor` by :func:`map_bounded`: synchronous code
(``mosaic promote``, a script) starts without either (tests/unit/cli/test_cli_startup.py).
"""

from __future__ import annotations

import contextvars
import functools
import threading
import time
from collections.abc import Awaitable, Callable, Iterable
from typing import TYPE_CHECKING, Any, ParamSpec, TypeVar

if TYPE_CHECKING:
    # Only the type: a function that needs asyncio at run time imports it itself (and
    # mypy reports an `asyncio.` without that import).
    from asyncio import Lock as _AsyncioLock
    from asyncio import Semaphore as _AsyncioSemaphore

__all__ = [
    "AsyncLock",
    "AsyncSemaphore",
    "StopAtBoundary",
    "AsyncSleep",
    "Lock",
    "Semaphore",
    "Sleep",
    "acheckpoint",
    "amap_bounded",
    "arun_blocking",
    "arun_to_boundary",
    "arun_within",
    "asleep",
    "checkpoint",
    "map_bounded",
    "run_blocking",
    "run_to_boundary",
    "run_within",
    "sleep",
]

T = TypeVar("T")
R = TypeVar("R")
P = ParamSpec("P")

#: A blocking sleep function (``time.sleep`` or a test clock's).
Sleep = Callable[[float], None]
#: An awaitable sleep function (``asyncio.sleep`` or a test clock's).
AsyncSleep = Callable[[float], Awaitable[None]]

#: The lock of synchronous code: :class:`threading.Lock`.
Lock = threading.Lock
#: A counting semaphore of synchronous code (a budget shared by threads).
Semaphore = threading.Semaphore
if TYPE_CHECKING:
    #: The lock of asynchronous code: :class:`asyncio.Lock`.
    AsyncLock = _AsyncioLock
    #: A counting semaphore of asynchronous code (a budget shared by tasks).
    AsyncSemaphore = _AsyncioSemaphore


def __getattr__(name: str) -> Any:
    # AsyncLock and AsyncSemaphore are asyncio's own, looked up on first use (PEP 562) so that
    # importing this module does not import asyncio.
    if name in ("AsyncLock", "AsyncSemaphore"):
        import asyncio

        return asyncio.Lock if name == "AsyncLock" else asyncio.Semaphore
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def sleep(seconds: float) -> None:
    """Block for ``seconds`` (:func:`time.sleep`)."""
    time.sleep(seconds)


async def asleep(seconds: float) -> None:
    """Wait ``seconds`` without blocking the event loop (:func:`asyncio.sleep`)."""
    import asyncio

    await asyncio.sleep(seconds)


def checkpoint() -> None:
    """Nothing: a blocking program has no scheduler to give way to."""


async def acheckpoint() -> None:
    """Give other tasks a turn, and be a point where cancellation lands."""
    import asyncio

    await asyncio.sleep(0)


def run_blocking(func: Callable[P, R], /, *args: P.args, **kwargs: P.kwargs) -> R:
    """Call ``func``: in synchronous code a blocking call is just a call."""
    return func(*args, **kwargs)


async def arun_blocking(func: Callable[P, R], /, *args: P.args, **kwargs: P.kwargs) -> R:
    """Run blocking ``func`` in a worker thread (with the caller's context) and await it.

    Cancelling the awaiting task stops the wait, not ``func``: a thread cannot be
    interrupted, so the call runs to its end and its result is dropped.
    """
    import asyncio

    return await asyncio.to_thread(func, *args, **kwargs)


def run_within(seconds: float, func: Callable[P, R], /, *args: P.args, **kwargs: P.kwargs) -> R:
    """``func(*args, **kwargs)``, or :class:`TimeoutError` once ``seconds`` have passed.

    The call runs in a daemon thread with a copy of the caller's context. A thread cannot
    be interrupted: on timeout it is left to end by itself and its outcome is dropped, so
    give ``func`` its own bound (a socket timeout) as well.
    """
    context = contextvars.copy_context()
    outcome: list[tuple[bool, object]] = []
    done = threading.Event()

    def target() -> None:
        try:
            outcome.append((True, context.run(func, *args, **kwargs)))
        except BaseException as exc:
            outcome.append((False, exc))
        finally:
            done.set()

    threading.Thread(target=target, name="mosaic-within", daemon=True).start()
    if not done.wait(seconds):
        raise TimeoutError(f"no result within {seconds:g} s")
    ok, value = outcome[0]
    if not ok:
        assert isinstance(value, BaseException)
        raise value
    return value  # type: ignore[return-value]


async def arun_within(
    seconds: float, func: Callable[P, Awaitable[R]], /, *args: P.args, **kwargs: P.kwargs
) -> R:
    """``await func(*args, **kwargs)``, cancelled with :class:`TimeoutError` once
    ``seconds`` have passed (:func:`asyncio.wait_for`)."""
    import asyncio

    return await asyncio.wait_for(func(*args, **kwargs), seconds)


def map_bounded(func: Callable[[T], R], items: Iterable[T], limit: int) -> list[R]:
    """``[func(item) for item in items]`` with at most ``limit`` calls running at once.

    Results keep the order of ``items``. Each call runs in a copy of the caller's
    :mod:`contextvars` context, so the correlation id reaches every request a worker
    thread sends. The first exception is raised once every started call has ended.
    """
    work = list(items)
    if limit <= 1 or len(work) <= 1:
        return [func(item) for item in work]
    from concurrent.futures import ThreadPoolExecutor

    with ThreadPoolExecutor(max_workers=min(limit, len(work))) as pool:
        futures = [
            pool.submit(contextvars.copy_context().run, functools.partial(func, item))
            for item in work
        ]
        return [future.result() for future in futures]


async def amap_bounded(
    func: Callable[[T], Awaitable[R]], items: Iterable[T], limit: int
) -> list[R]:
    """``[await func(item) for item in items]`` with at most ``limit`` running at once.

    Results keep the order of ``items``; every call runs in its own task (with a copy of
    the caller's context). When one call fails, the others are cancelled and awaited
    before the first exception is raised, and cancelling the caller cancels them all.
    """
    work = list(items)
    if limit <= 1 or len(work) <= 1:
        return [await func(item) for item in work]
    import asyncio

    semaphore = asyncio.Semaphore(limit)

    async def bounded(item: T) -> R:
        async with semaphore:
            return await func(item)

    tasks = [asyncio.ensure_future(bounded(item)) for item in work]
    try:
        return list(await asyncio.gather(*tasks))
    except BaseException:
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
        raise


class StopAtBoundary(BaseException):
    """Raised by a workflow's step recorder at the first step boundary after a stop was
    requested (see :func:`arun_to_boundary`). A :class:`BaseException`, like
    :class:`asyncio.CancelledError`, so ``except Exception`` in the workflow lets it pass."""


def run_to_boundary(
    body: Callable[[], R], stop: Callable[[], None], describe: Callable[[], str]
) -> R:
    """``body()``: a blocking program is stopped by a signal, not by a cancellation."""
    return body()


async def arun_to_boundary(
    body: Callable[[], Awaitable[R]], stop: Callable[[], None], describe: Callable[[], str]
) -> R:
    """Await ``body()`` so that a cancellation lands between two of its steps.

    ``body`` runs in its own task (with a copy of the caller's context). When the caller is
    cancelled, ``stop()`` is called and ``body`` goes on to its next step boundary, where
    its step recorder raises :class:`StopAtBoundary`; then a plain
    :class:`asyncio.CancelledError` whose message is ``describe()`` (the steps that
    completed) is raised, so ``asyncio.timeout``, ``TaskGroup`` and ``task.cancel()`` see
    an ordinary cancellation. A second cancellation while waiting for the boundary
    cancels ``body`` at once (its current await is interrupted).
    """
    import asyncio

    task = asyncio.ensure_future(body())
    try:
        return await asyncio.shield(task)
    except asyncio.CancelledError:
        if task.done():
            raise
        stop()
    try:
        await task
    except BaseException as exc:
        cause = None if isinstance(exc, (StopAtBoundary, asyncio.CancelledError)) else exc
        raise asyncio.CancelledError(describe()) from cause
    raise asyncio.CancelledError(describe())
