"""What SecretStore adds per call over hvac alone, on the same in-memory Vault.

Both sides send through hvac and ``requests`` to ``tests/_support/fake_vault.py`` (a transport
adapter, no socket), so the difference is the store's own work: path handling, response
validation, frozen models, value registration with the redactor and error mapping.

Run: ``.venv/bin/python benchmarks/vault_store_overhead.py [--calls 3000]``
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import hvac
import requests

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from mosaic_sdk import VaultPaths
from mosaic_sdk.vault import SecretStore
from tests._support.fake_vault import BASE_URL, TEST_TOKEN, FakeVault


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--calls", type=int, default=3000)
    args = parser.parse_args()
    vault = FakeVault()
    session = requests.Session()
    client = hvac.Client(url=BASE_URL, token=TEST_TOKEN, session=session)
    store = SecretStore(client)
    session.mount(BASE_URL, vault)
    path = VaultPaths("prod").path("payments", "database", "app")
    store.write(path, {"username": "payments_app", "password": "bench-password-0001"})
    kv = client.secrets.kv.v2

    for label, call in (
        (
            "hvac read_secret_version",
            lambda: kv.read_secret_version(
                path=path.relative, mount_point=path.mount, raise_on_deleted_version=True
            ),
        ),
        ("SecretStore.read", lambda: store.read(path)),
    ):
        call()
        start = time.perf_counter()
        for _ in range(args.calls):
            call()
        elapsed = time.perf_counter() - start
        print(f"{label:<26}: {elapsed / args.calls * 1e6:8.1f} us per call")


if __name__ == "__main__":
    main()
