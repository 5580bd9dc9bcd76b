"""AsyncSecretStore: SecretStore's methods as coroutines in worker threads.

Same results and errors as the sync store, the loop stays free, the correlation id
reaches Vault from the worker thread, and the documented cancellation semantics hold: a
cancelled write's request runs to its end and lands.
"""

from __future__ import annotations

import asyncio
import threading
from typing import Any

import hvac
import pytest
import requests

import mosaic_sdk
from mosaic_sdk.errors import ConfigurationError, SecretNotFoundError
from mosaic_sdk.observability import correlation_id, register_secret
from mosaic_sdk.values import Environment, VaultPaths
from mosaic_sdk.vault import AsyncSecretStore, SecretStore
from tests._support.fake_vault import BASE_URL, TEST_TOKEN, FakeVault, serve

DB = VaultPaths(Environment.PROD).path("payments", "database", "app")


def make_store(vault: FakeVault) -> SecretStore:
    register_secret(TEST_TOKEN)
    session = requests.Session()
    store = SecretStore(hvac.Client(url=BASE_URL, token=TEST_TOKEN, session=session))
    session.mount(BASE_URL, vault)
    return store


class GatedVault(FakeVault):
    """Holds every write until ``release`` is set; ``arrived``/``answered`` tell when."""

    def __init__(self) -> None:
        super().__init__()
        self.arrived = threading.Event()
        self.release = threading.Event()
        self.answered = threading.Event()

    def send(self, request: requests.PreparedRequest, **kwargs: Any) -> requests.Response:  # type: ignore[override]
        if request.method in ("POST", "PUT") and "/data/" in (request.url or ""):
            self.arrived.set()
            self.release.wait(10)
            try:
                return super().send(request, **kwargs)
            finally:
                self.answered.set()
        return super().send(request, **kwargs)


@pytest.fixture
def vault() -> FakeVault:
    return FakeVault()


def test_same_results_and_errors_as_the_sync_store(vault: FakeVault) -> None:
    async def main() -> None:
        async with AsyncSecretStore(make_store(vault)) as store:
            written = await store.write(DB, {"username": "app", "password": "pw-async-1"})
            assert written.version == 1
            assert (await store.read(DB))["password"] == "pw-async-1"
            assert await store.exists(DB)
            assert await store.list("prod") == (DB,)
            assert [v.version for v in await store.versions(DB)] == [1]
            await store.patch(DB, {"password": "pw-async-2"}, cas=1)
            await store.delete(DB, versions=iter([2]))
            await store.undelete(DB, iter([2]))
            assert (await store.read(DB)).version == 2
            await store.destroy(DB, versions=[1])
            assert await store.kv_version("prod") == 2
            with pytest.raises(SecretNotFoundError):
                await store.read("secret-prod/payments/database/none")

    asyncio.run(main())


def test_refuses_what_is_not_a_secret_store() -> None:
    with pytest.raises(ConfigurationError, match="wraps a SecretStore"):
        AsyncSecretStore(object())  # type: ignore[arg-type]


def test_from_env_and_the_top_level_export(monkeypatch: pytest.MonkeyPatch) -> None:
    assert mosaic_sdk.AsyncSecretStore is AsyncSecretStore
    with pytest.raises(ConfigurationError, match="VAULT_ADDR"):
        AsyncSecretStore.from_env({})
    adapter = AsyncSecretStore.from_env(
        {"VAULT_ADDR": "https://vault.example.test:8200", "VAULT_TOKEN": TEST_TOKEN}
    )
    assert isinstance(adapter.store, SecretStore)
    asyncio.run(adapter.aclose())


def test_every_request_carries_the_correlation_id() -> None:
    vault = FakeVault()
    with serve(vault) as url:

        async def main() -> None:
            async with AsyncSecretStore.from_token(url, TEST_TOKEN) as store:
                with correlation_id("vault-async-cid"):
                    await store.write(DB, {"username": "app", "password": "pw-cid-1"})
                    await store.read(DB)

        asyncio.run(main())
    assert vault.seen
    seen = [{k.lower(): v for k, v in s.headers.items()} for s in vault.seen]
    assert [h.get("x-correlation-id") for h in seen] == ["vault-async-cid"] * len(seen)


def test_a_cancelled_write_still_lands_read_back_before_retrying() -> None:
    vault = GatedVault()

    async def main() -> None:
        store = AsyncSecretStore(make_store(vault))
        task = asyncio.create_task(store.write(DB, {"password": "pw-cancelled-1"}))
        await asyncio.to_thread(vault.arrived.wait, 5)  # the request is in flight
        task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await task
        assert not vault.answered.is_set()  # the wait stopped, not the request
        vault.release.set()
        assert await asyncio.to_thread(vault.answered.wait, 5)  # the thread finished
        # The statement in the docs: the write landed; reading back shows it.
        assert (await store.read(DB))["password"] == "pw-cancelled-1"
        await store.aclose()

    asyncio.run(main())
