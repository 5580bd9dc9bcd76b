"""``AsyncSecretStore``: :class:`~mosaic_sdk.vault.SecretStore` for asyncio code.

hvac is synchronous, so this is a thread adapter, not a second client: every method
runs the same :class:`SecretStore` method in a worker thread through
:func:`mosaic_sdk._core._concurrency.arun_blocking` (with a copy of the caller's
:mod:`contextvars` context, so each Vault request carries the correlation id) and
awaits it. The event loop never blocks on Vault.

Cancellation: cancelling the awaiting task stops the *wait*, not the request. A thread
cannot be interrupted, so a call in flight runs to its end in its thread and its result
is dropped: a cancelled ``write``, ``patch``, ``delete`` or ``destroy`` may still land.
After a cancellation, read the secret back before retrying (or retry with ``cas=`` on
KV v2, so a write that did land is not applied twice).
"""

from __future__ import annotations

import builtins
from collections.abc import Iterable, Mapping
from typing import Any

from mosaic_sdk._core._concurrency import arun_blocking
from mosaic_sdk._core._repr import safe_repr
from mosaic_sdk.errors import ConfigurationError
from mosaic_sdk.values import Environment, VaultPath
from mosaic_sdk.vault._models import AuditReport, Secret, SecretVersion
from mosaic_sdk.vault._store import SecretStore

__all__ = ["AsyncSecretStore"]


class AsyncSecretStore:
    """The methods of :class:`~mosaic_sdk.vault.SecretStore` as coroutines, each run in a
    worker thread (hvac is synchronous).

    Same arguments, results and errors as the store it wraps::

        async with AsyncSecretStore.from_env() as store:
            secret = await store.read("secret-prod/payments/database/app")

    Cancelling the awaiting task does not stop the request in flight: its thread runs
    to the end, so a cancelled write may still land. Read back before retrying.

    Args:
        store: the :class:`SecretStore` to run (closed by :meth:`aclose` when this
            adapter was built with :meth:`from_env` or :meth:`from_token`, as that
            store would be).

    Raises:
        ConfigurationError: ``store`` is not a :class:`SecretStore`.
    """

    def __init__(self, store: SecretStore) -> None:
        if not isinstance(store, SecretStore):
            raise ConfigurationError(
                f"AsyncSecretStore wraps a SecretStore, got {type(store).__name__}; "
                "use AsyncSecretStore(SecretStore.from_token(url, token)) or "
                "AsyncSecretStore.from_env()"
            )
        self._store = store

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None, **kwargs: Any) -> AsyncSecretStore:
        """An adapter over :meth:`SecretStore.from_env` (``VAULT_ADDR``, ``VAULT_TOKEN``,
        ``VAULT_NAMESPACE``, ``VAULT_CACERT``); ``kwargs`` as there.

        Raises:
            ConfigurationError: ``VAULT_ADDR`` or ``VAULT_TOKEN`` is not set.
        """
        return cls(SecretStore.from_env(environ, **kwargs))

    @classmethod
    def from_token(cls, url: str, token: str, **kwargs: Any) -> AsyncSecretStore:
        """An adapter over :meth:`SecretStore.from_token`; arguments as there.

        Raises:
            ConfigurationError: ``url`` or ``token`` is empty or not text.
        """
        return cls(SecretStore.from_token(url, token, **kwargs))

    @property
    def store(self) -> SecretStore:
        """The wrapped synchronous store."""
        return self._store

    @safe_repr
    def __repr__(self) -> str:
        return f"Async{self._store!r}"

    async def kv_version(self, mount: Environment | str) -> int:
        """See :meth:`SecretStore.kv_version`."""
        return await arun_blocking(self._store.kv_version, mount)

    async def read(self, path: VaultPath | str, *, version: int | None = None) -> Secret:
        """See :meth:`SecretStore.read`."""
        return await arun_blocking(self._store.read, path, version=version)

    async def exists(self, path: VaultPath | str) -> bool:
        """See :meth:`SecretStore.exists`."""
        return await arun_blocking(self._store.exists, path)

    async def write(
        self, path: VaultPath | str, data: Mapping[str, str], *, cas: int | None = None
    ) -> Secret:
        """See :meth:`SecretStore.write`. Cancelled, it may still land: read back."""
        return await arun_blocking(self._store.write, path, data, cas=cas)

    async def patch(
        self,
        path: VaultPath | str,
        changes: Mapping[str, str | None],
        *,
        cas: int | None = None,
    ) -> Secret:
        """See :meth:`SecretStore.patch`. Cancelled, it may still land: read back."""
        return await arun_blocking(self._store.patch, path, changes, cas=cas)

    async def write_metadata(
        self,
        path: VaultPath | str,
        *,
        custom_metadata: Mapping[str, str] | None = None,
        max_versions: int | None = None,
        delete_version_after: str | None = None,
        cas_required: bool | None = None,
    ) -> None:
        """See :meth:`SecretStore.write_metadata`."""
        await arun_blocking(
            self._store.write_metadata,
            path,
            custom_metadata=custom_metadata,
            max_versions=max_versions,
            delete_version_after=delete_version_after,
            cas_required=cas_required,
        )

    async def list(
        self,
        environment: Environment | str,
        service: str | None = None,
        component: str | None = None,
    ) -> tuple[VaultPath, ...]:
        """See :meth:`SecretStore.list`."""
        return await arun_blocking(self._store.list, environment, service, component)

    async def versions(self, path: VaultPath | str) -> tuple[SecretVersion, ...]:
        """See :meth:`SecretStore.versions`."""
        return await arun_blocking(self._store.versions, path)

    async def delete(self, path: VaultPath | str, *, versions: Iterable[int] | None = None) -> None:
        """See :meth:`SecretStore.delete`."""
        await arun_blocking(self._store.delete, path, versions=_listed(versions))

    async def undelete(self, path: VaultPath | str, versions: Iterable[int]) -> None:
        """See :meth:`SecretStore.undelete`."""
        await arun_blocking(self._store.undelete, path, _listed(versions) or [])

    async def destroy(
        self, path: VaultPath | str, *, versions: Iterable[int] | None = None
    ) -> None:
        """See :meth:`SecretStore.destroy`."""
        await arun_blocking(self._store.destroy, path, versions=_listed(versions))

    async def audit(self, mount: Environment | str, *, read_values: bool = True) -> AuditReport:
        """See :meth:`SecretStore.audit`."""
        return await arun_blocking(self._store.audit, mount, read_values=read_values)

    async def aclose(self) -> None:
        """Close the wrapped store (its HTTP session, if it created its client)."""
        await arun_blocking(self._store.close)

    async def __aenter__(self) -> AsyncSecretStore:
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        await self.aclose()


def _listed(versions: Iterable[int] | None) -> builtins.list[int] | None:
    # A one-shot iterator is consumed here, in the caller's task, not in the thread.
    return None if versions is None else builtins.list(versions)
