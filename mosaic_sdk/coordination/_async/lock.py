"""Deployment locks, written once: :class:`AsyncDeploymentLock` and its backends.

A lock hands out :class:`~mosaic_sdk.coordination.Lease` values: a key (a repository and
an environment, ``"team/app:prod"``), a fencing token that grows with every acquisition
of the key, the holder's name and a time to live. A holder that crashes stops renewing,
so its lease expires and the key is free again after ``ttl`` seconds; a holder that
stalled past its expiry, and whose key someone else has taken since, is refused by
:meth:`AsyncDeploymentLock.renew` (its token is no longer the newest), which the
workflows call before each write.

Backends, one behaviour: in this process (:class:`AsyncMemoryLocks`), a state file
under ``flock`` for the processes of one machine (:class:`AsyncFileLocks`), Redis for
many machines (:class:`AsyncRedisLocks`, one Lua script per step, expiries kept by the
server).
"""

from __future__ import annotations

import contextlib
import contextvars
import os
import threading
import time
from collections.abc import AsyncIterator, Callable, Iterable
from pathlib import Path
from types import MappingProxyType
from typing import Any, Protocol, runtime_checkable

from mosaic_sdk._core._concurrency import arun_blocking, asleep
from mosaic_sdk._core._repr import safe_repr
from mosaic_sdk.coordination import _lease
from mosaic_sdk.coordination._lease import Busy, Lease, check_seconds, default_holder
from mosaic_sdk.coordination._redis import (
    ACQUIRE,
    DEFAULT_REDIS_TIMEOUT,
    RELEASE,
    RENEW,
    AsyncRedisConnections,
    check_key,
    check_redis_url,
    shown_url,
)
from mosaic_sdk.coordination._statefile import StateFile, check_state_path
from mosaic_sdk.errors import InvalidValueError, LockHeldError, StaleLeaseError

__all__ = [
    "AsyncDeploymentLock",
    "AsyncFileLocks",
    "AsyncLockStore",
    "AsyncMemoryLocks",
    "AsyncRedisLocks",
]

# The leases the running task or thread holds, by (lock, key): asking a lock again for
# a key this context holds returns that lease, so a release that holds "app:prod" can
# call a promotion that holds it too. Tasks and map_bounded's threads inherit a copy.
_HELD: contextvars.ContextVar[MappingProxyType[tuple[int, str], Lease]] = contextvars.ContextVar(
    "mosaic_held_leases", default=MappingProxyType({})
)

# Waiting for a held key: the first look again after this long, doubling up to the cap.
_FIRST_POLL = 0.02
_MAX_POLL = 0.5


@runtime_checkable
class AsyncLockStore(Protocol):
    """Where a :class:`AsyncDeploymentLock` keeps its leases."""

    backend: str

    async def take(self, key: str, holder: str, ttl: float) -> Lease | Busy:
        """A new lease on ``key``, or who holds it."""
        ...

    async def renew(self, lease: Lease) -> int | None:
        """``None`` when ``lease`` was extended, else the key's newest token."""
        ...

    async def release(self, lease: Lease) -> bool:
        """Free the key when ``lease`` holds it; whether it did."""
        ...

    async def aclose(self) -> None:
        """Release connections (the store reconnects when used again)."""
        ...


class AsyncMemoryLocks:
    """Leases of this process, under a thread lock (threads and tasks alike)."""

    backend = "memory"

    def __init__(self, clock: Callable[[], float] = time.monotonic) -> None:
        self._entries: dict[str, Any] = {}
        self._guard = threading.Lock()
        self._clock = clock

    @safe_repr
    def __repr__(self) -> str:
        return f"{type(self).__name__}()"

    async def take(self, key: str, holder: str, ttl: float) -> Lease | Busy:
        """A new lease on ``key``, or who holds it."""
        with self._guard:
            return _lease.take(self._entries, key, holder, ttl, self._clock())

    async def renew(self, lease: Lease) -> int | None:
        """``None`` when ``lease`` was extended, else the key's newest token."""
        with self._guard:
            return _lease.renew(self._entries, lease, self._clock())

    async def release(self, lease: Lease) -> bool:
        """Free the key when ``lease`` holds it."""
        with self._guard:
            return _lease.release(self._entries, lease)

    async def aclose(self) -> None:
        """Nothing to release."""


class AsyncFileLocks:
    """Leases of the processes of one machine, in a JSON state file under ``flock``.

    Expiries are wall-clock times, which every process on the machine shares; each
    write is fsynced, so a power cut cannot make a fencing token be issued twice.
    """

    backend = "file"

    def __init__(self, path: Path, *, wall_clock: Callable[[], float] = time.time) -> None:
        self.state = StateFile(path, "lock", durable=True)
        self._wall_clock = wall_clock

    @safe_repr
    def __repr__(self) -> str:
        return f"{type(self).__name__}({str(self.state.path)!r})"

    def _locked(self, step: Callable[[dict[str, Any], float], Any]) -> Any:
        with self.state.update() as doc:
            entries = doc.setdefault("locks", {})
            if not isinstance(entries, dict):
                doc["locks"] = entries = {}
            return step(entries, self._wall_clock())

    async def take(self, key: str, holder: str, ttl: float) -> Lease | Busy:
        """A new lease on ``key``, or who holds it."""
        result: Lease | Busy = await arun_blocking(
            self._locked, lambda entries, now: _lease.take(entries, key, holder, ttl, now)
        )
        return result

    async def renew(self, lease: Lease) -> int | None:
        """``None`` when ``lease`` was extended, else the key's newest token."""
        result: int | None = await arun_blocking(
            self._locked, lambda entries, now: _lease.renew(entries, lease, now)
        )
        return result

    async def release(self, lease: Lease) -> bool:
        """Free the key when ``lease`` holds it."""
        result: bool = await arun_blocking(
            self._locked, lambda entries, now: _lease.release(entries, lease)
        )
        return result

    async def aclose(self) -> None:
        """Nothing to release: the file is opened per step."""


class AsyncRedisLocks:
    """Leases of processes on many machines, in Redis.

    ``NS:lock:{KEY}`` holds ``"TOKEN HOLDER"`` and expires with the lease (the server
    keeps the time, so the machines' clocks need not agree); ``NS:fence:{KEY}`` is the
    key's fencing counter and never expires.
    """

    backend = "redis"

    def __init__(self, connections: AsyncRedisConnections, namespace: str = "mosaic") -> None:
        self.connections = connections
        self.namespace = check_key(namespace, "lock namespace")

    @safe_repr
    def __repr__(self) -> str:
        return f"{type(self).__name__}({shown_url(self.connections.url)!r}, {self.namespace!r})"

    def _keys(self, key: str) -> list[str]:
        return [f"{self.namespace}:lock:{{{key}}}", f"{self.namespace}:fence:{{{key}}}"]

    async def take(self, key: str, holder: str, ttl: float) -> Lease | Busy:
        """A new lease on ``key``, or who holds it (one atomic script)."""
        ttl_ms = max(1, round(ttl * 1000))
        reply = await self.connections.eval(ACQUIRE, self._keys(key), [holder, ttl_ms])
        token = int(reply[0])
        if token:
            return Lease(key=key, token=token, holder=holder, ttl=ttl)
        _, _, who = str(reply[1]).partition(" ")
        return Busy(who or "unknown", max(0.0, int(reply[2]) / 1000))

    async def renew(self, lease: Lease) -> int | None:
        """``None`` when ``lease`` was extended, else the key's newest token."""
        ttl_ms = max(1, round(lease.ttl * 1000))
        reply = await self.connections.eval(
            RENEW, self._keys(lease.key), [lease.token, lease.holder, ttl_ms]
        )
        return None if int(reply[0]) else int(reply[1])

    async def release(self, lease: Lease) -> bool:
        """Free the key when ``lease`` holds it (one atomic script)."""
        reply = await self.connections.eval(
            RELEASE, self._keys(lease.key), [lease.token, lease.holder]
        )
        return bool(int(reply))

    async def aclose(self) -> None:
        """Close the connections (the running loop's, in async code)."""
        await self.connections.aclose()


class AsyncDeploymentLock:
    """Leases per repository and environment, so two pipelines never change one at once.

    ``AsyncDeploymentLock()`` guards the tasks and threads of this process;
    :meth:`file` the processes of one machine; :meth:`redis` processes on many
    machines. Give one to :class:`~mosaic_sdk.release.AsyncPromotion` (``lock=``),
    :func:`~mosaic_sdk.release.release` or
    :meth:`~mosaic_sdk.release.RetentionPlan.aapply` and they hold
    ``"<repository>:<environment>"`` while they write, renewing (and so checking) the
    lease before each write.

    Args:
        ttl: seconds a lease lasts unless renewed; a crashed holder frees its keys
            after this long. Choose more than the longest step between two writes (a
            release's validation).
        wait: seconds :meth:`acquire` waits for a held key before raising
            :class:`~mosaic_sdk.errors.LockHeldError`; ``0`` (default) asks once.
        label: who holds the leases, shown to those who wait (a pipeline id, an actor);
            ``host:pid`` is added.

    Example::

        lock = AsyncDeploymentLock.redis("redis://:PASSWORD@redis.internal:6379/0", ttl=600)
        async with lock.hold("team/app:prod") as lease:
            ...                     # deploy
            await lock.renew(lease)  # before each write: refused once someone took over
    """

    def __init__(
        self,
        *,
        ttl: float = 300.0,
        wait: float = 0.0,
        label: str | None = None,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._configure(AsyncMemoryLocks(clock), ttl, wait, label, "")

    def _configure(
        self, store: AsyncLockStore, ttl: float, wait: float, label: str | None, where: str
    ) -> None:
        self.ttl = check_seconds(ttl, "ttl")
        self.wait = check_seconds(wait, "wait", zero=True)
        if label is not None and (not isinstance(label, str) or not label.strip()):
            raise InvalidValueError(label, "is not a holder label", "pass text like 'ci-1234'")
        self.holder = default_holder(label)
        self.store = store
        self._where = where

    @classmethod
    def file(
        cls,
        path: str | os.PathLike[str],
        *,
        ttl: float = 300.0,
        wait: float = 0.0,
        label: str | None = None,
        wall_clock: Callable[[], float] = time.time,
    ) -> AsyncDeploymentLock:
        """Leases shared by the processes of this machine through the state file ``path``
        (JSON, under an ``flock`` on ``<path>.lock``, replaced atomically). POSIX only."""
        target = check_state_path(path, "lock")
        lock = cls.__new__(cls)
        where = f", path={str(target)!r}"
        lock._configure(AsyncFileLocks(target, wall_clock=wall_clock), ttl, wait, label, where)
        return lock

    @classmethod
    def redis(
        cls,
        url: str,
        *,
        namespace: str = "mosaic",
        ttl: float = 300.0,
        wait: float = 0.0,
        label: str | None = None,
        timeout: float = DEFAULT_REDIS_TIMEOUT,
    ) -> AsyncDeploymentLock:
        """Leases shared by processes on many machines through Redis at ``url``; its
        password never appears in a repr, a log line or an error. Needs redis-py
        (``pip install 'mosaic_sdk[redis]'``)."""
        checked = check_redis_url(url)
        store = AsyncRedisLocks(AsyncRedisConnections(checked, timeout=timeout), namespace)
        lock = cls.__new__(cls)
        where = f", url={shown_url(checked)!r}, namespace={store.namespace!r}"
        lock._configure(store, ttl, wait, label, where)
        return lock

    @property
    def backend(self) -> str:
        """``"memory"``, ``"file"`` or ``"redis"``."""
        return self.store.backend

    @safe_repr
    def __repr__(self) -> str:
        return (
            f"{type(self).__name__}(backend={self.backend!r}{self._where}, ttl={self.ttl}, "
            f"wait={self.wait})"
        )

    @staticmethod
    def key(repository: str, environment: str) -> str:
        """The key of one environment of a repository: ``"team/app:prod"``."""
        return check_key(f"{repository}:{environment}", "lock")

    def held(self, key: str) -> Lease | None:
        """The lease on ``key`` the running task or thread holds through this lock."""
        return _HELD.get().get((id(self), key))

    async def acquire(self, key: str, *, wait: float | None = None) -> Lease:
        """Take ``key``, waiting up to ``wait`` seconds (the lock's default when
        ``None``) while someone else holds it.

        Raises:
            LockHeldError: the key stayed held for the whole wait; the error names the
                holder and when its lease expires.
            CoordinationUnavailableError: the backend cannot be reached.
        """
        check_key(key, "lock")
        patience = self.wait if wait is None else check_seconds(wait, "wait", zero=True)
        deadline = time.monotonic() + patience
        poll = _FIRST_POLL
        while True:
            got = await self.store.take(key, self.holder, self.ttl)
            if isinstance(got, Lease):
                return got
            left = deadline - time.monotonic()
            if left <= 0:
                raise LockHeldError(
                    f"{key} is locked by {got.holder} for {got.expires_in:.1f} s more "
                    f"(waited {patience:g} s); let that run finish, pass wait= to queue "
                    "behind it, or, if the holder crashed, wait for its lease to expire",
                    key=key,
                    holder=got.holder,
                    expires_in=got.expires_in,
                    backend=self.backend,
                )
            await asleep(min(poll, left, got.expires_in + _FIRST_POLL))
            poll = min(poll * 2, _MAX_POLL)

    async def renew(self, lease: Lease) -> Lease:
        """Check that ``lease`` is still the key's newest and extend it by its ttl.

        Call it before each write the lease guards: it is the fencing check. A lease
        that expired while nobody took the key is renewed (no newer token exists).

        Raises:
            StaleLeaseError: someone else has taken the key since (a higher token), or
                the lease was released; stop without writing.
        """
        newest = await self.store.renew(lease)
        if newest is None:
            return lease
        cause = (
            f"it was released, or it expired and the key was taken since (newest token {newest})"
            if newest > lease.token
            else "it was released"
        )
        raise StaleLeaseError(
            f"the lease on {lease.key} (token {lease.token}, {lease.holder}) is no longer "
            f"held: {cause}; stop - the newer holder may have changed what it guards, so "
            "read the state again before retrying",
            key=lease.key,
            token=lease.token,
            current=newest,
            backend=self.backend,
        )

    async def release(self, lease: Lease) -> bool:
        """Free the key if ``lease`` still holds it; ``False`` when it no longer did
        (it expired and maybe someone else holds it now: that lease is left alone)."""
        return await self.store.release(lease)

    @contextlib.asynccontextmanager
    async def hold(self, key: str, *, wait: float | None = None) -> AsyncIterator[Lease]:
        """``async with lock.hold(key) as lease:`` acquire, then release on the way out.

        Re-entrant: in a task or thread that already holds ``key`` through this lock,
        the held lease is yielded and nothing is acquired or released.
        """
        async with self.hold_all([key], wait=wait) as leases:
            yield leases[0]

    @contextlib.asynccontextmanager
    async def hold_all(
        self, keys: Iterable[str], *, wait: float | None = None
    ) -> AsyncIterator[tuple[Lease, ...]]:
        """Hold every key of ``keys`` (in sorted order, so two holders of overlapping
        sets cannot deadlock), releasing them all on the way out; re-entrant per key
        like :meth:`hold`. The leases come in the order of ``keys``."""
        wanted = list(dict.fromkeys(keys))
        held = dict(_HELD.get())
        taken: list[Lease] = []
        try:
            for key in sorted(wanted):
                if (id(self), key) not in held:
                    lease = await self.acquire(key, wait=wait)
                    taken.append(lease)
                    held[(id(self), key)] = lease
            reset = _HELD.set(MappingProxyType(held))
            try:
                yield tuple(held[(id(self), key)] for key in wanted)
            finally:
                _HELD.reset(reset)
        finally:
            for lease in reversed(taken):
                await self.release(lease)

    async def renew_all(self, leases: Iterable[Lease]) -> None:
        """:meth:`renew` each lease (the fencing check before a write)."""
        for lease in leases:
            await self.renew(lease)

    async def aclose(self) -> None:
        """Close the backend's connections (Redis); the lock reconnects when used again."""
        await self.store.aclose()
