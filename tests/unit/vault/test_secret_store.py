"""SecretStore against an in-memory Vault behind hvac's real request path."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from pathlib import Path

import hvac
import pytest
import requests

from mosaic_sdk import Environment, VaultPath, VaultPaths
from mosaic_sdk.errors import (
    ConfigurationError,
    InvalidValueError,
    SecretNotFoundError,
    UnsupportedOperationError,
    VaultError,
)
from mosaic_sdk.observability import MASK, register_secret, registered_secrets
from mosaic_sdk.vault import Secret, SecretData, SecretStore
from tests._support.fake_vault import BASE_URL, TEST_TOKEN, FakeVault

PROD = VaultPaths(Environment.PROD)
DB = PROD.path("payments", "database", "app")
PASSWORD = "fake-db-password-71c2"


def make_store(vault: FakeVault, **kwargs: object) -> SecretStore:
    register_secret(TEST_TOKEN)
    session = requests.Session()
    client = hvac.Client(url=BASE_URL, token=TEST_TOKEN, session=session)
    store = SecretStore(client, **kwargs)  # type: ignore[arg-type]
    session.mount(BASE_URL, vault)  # longer prefix than the retry adapter: wins
    return store


@pytest.fixture
def vault() -> FakeVault:
    return FakeVault()


@pytest.fixture
def store(vault: FakeVault) -> Iterator[SecretStore]:
    with make_store(vault) as s:
        yield s


# ---------------------------------------------------------------- read / write


def test_write_then_read_round_trip(store: SecretStore, vault: FakeVault) -> None:
    written = store.write(DB, {"username": "payments_app", "password": PASSWORD})
    assert written.version == 1
    assert written.metadata is not None
    assert written.metadata.is_current
    read = store.read(DB)
    assert read.path == DB
    assert read["password"] == PASSWORD
    assert read.data == {"username": "payments_app", "password": PASSWORD}
    assert read.version == 1
    assert read.metadata is not None
    assert read.metadata.created_time is not None
    assert read.metadata.created_time.microsecond == 123456
    (post,) = vault.calls("POST")
    assert post.path == "/v1/secret-prod/data/payments/database/app"
    assert post.body == {"options": {}, "data": {"username": "payments_app", "password": PASSWORD}}
    assert vault.calls("GET")[-1].path == "/v1/secret-prod/data/payments/database/app"


def test_text_paths_are_parsed(store: SecretStore) -> None:
    store.write("secret-prod/payments/database/app", {"password": PASSWORD})
    assert store.read("secret-prod/payments/database/app")["password"] == PASSWORD
    with pytest.raises(InvalidValueError, match="expected 4"):
        store.read("secret-prod/payments/app")
    with pytest.raises(InvalidValueError, match="VaultPath"):
        store.read(42)  # type: ignore[arg-type]


def test_values_never_show_in_reprs(store: SecretStore) -> None:
    secret = store.write(DB, {"username": "payments_app", "password": PASSWORD})
    for text in (repr(secret), str(secret), repr(secret.data), str(store.read(DB))):
        assert PASSWORD not in text
        assert "payments_app" not in text
        assert f"'password': '{MASK}'" in text
    assert isinstance(secret.data, SecretData)
    assert hash(secret.data) == hash(SecretData({"password": PASSWORD, "username": "payments_app"}))


def test_secret_values_are_registered_but_identifiers_are_not(store: SecretStore) -> None:
    store.write(
        DB,
        {
            "username": "payments",
            "password": "registered-pw-4411",
            "url": "postgres://payments:url-pw-9021@db:5432/app?sslkey=url-q-3377",
            "host": "db.internal",
        },
    )
    known = registered_secrets()
    assert {"registered-pw-4411", "url-pw-9021", "url-q-3377"} <= known
    assert "payments" not in known  # would mask the service name in every path
    assert "db.internal" not in known


def test_write_refuses_non_standard_names_with_the_standard_one(
    store: SecretStore, vault: FakeVault
) -> None:
    with pytest.raises(InvalidValueError) as info:
        store.write(DB, {"pass": PASSWORD})
    assert "'password'" in info.value.fix
    with pytest.raises(InvalidValueError) as info:
        store.write(DB, {"user": "a", "api_key": "b"})
    assert "rename 'user' to 'username'" in info.value.fix
    assert "rename 'api_key' to 'token'" in info.value.fix
    assert vault.calls("POST") == []


@pytest.mark.parametrize("value", [5432, None, True, ["a"], b"bytes"])
def test_write_refuses_non_string_values_without_showing_them(
    store: SecretStore, vault: FakeVault, value: object
) -> None:
    with pytest.raises(InvalidValueError) as info:
        store.write(DB, {"port": value})  # type: ignore[dict-item]
    message = str(info.value)
    assert "secret-prod/payments/database/app#port" in message
    assert type(value).__name__ in message
    assert "str(port)" in message
    if value is not None:
        assert repr(value) not in message
    assert vault.calls("POST") == []


def test_write_refuses_empty_mapping(store: SecretStore) -> None:
    with pytest.raises(InvalidValueError, match="empty"):
        store.write(DB, {})


def test_check_and_set(store: SecretStore) -> None:
    store.write(DB, {"password": PASSWORD}, cas=0)
    with pytest.raises(VaultError) as info:
        store.write(DB, {"password": "second-pw-1234"}, cas=0)
    assert info.value.status_code == 400
    assert "check-and-set" in str(info.value)
    assert "cannot write secret-prod/payments/database/app" in str(info.value)
    assert "cas=<its version>" in str(info.value)
    assert store.write(DB, {"password": "second-pw-1234"}, cas=1).version == 2
    with pytest.raises(InvalidValueError):
        store.write(DB, {"password": PASSWORD}, cas=-1)


def test_read_missing_raises_not_found_naming_the_path(store: SecretStore) -> None:
    with pytest.raises(SecretNotFoundError) as info:
        store.read(DB)
    assert info.value.status_code == 404
    assert "secret-prod/payments/database/app" in str(info.value)
    assert "SecretStore.list()" in str(info.value)
    assert not store.exists(DB)


def test_read_versions(store: SecretStore) -> None:
    store.write(DB, {"password": "first-pw-1111"})
    store.write(DB, {"password": "second-pw-2222"})
    assert store.read(DB, version=1)["password"] == "first-pw-1111"
    assert store.read(DB).version == 2
    with pytest.raises(InvalidValueError):
        store.read(DB, version=0)


def test_non_string_values_written_by_other_tools_read_as_json_text(
    store: SecretStore, vault: FakeVault, caplog: pytest.LogCaptureFixture
) -> None:
    vault.seed_v2("secret-prod", "payments/database/app", {"port": 5432, "password": PASSWORD})
    with caplog.at_level(logging.WARNING, logger="mosaic_sdk.vault"):
        secret = store.read(DB)
    assert secret["port"] == "5432"
    assert "field 'port' of secret-prod/payments/database/app holds a int" in caplog.text
    assert PASSWORD not in caplog.text


# ---------------------------------------------------------------- patch


def test_patch_merges_and_removes(store: SecretStore, vault: FakeVault) -> None:
    vault.seed_v2("secret-prod", "payments/database/app", {"user": "a", "pass": "legacy-pw-77"})
    patched = store.patch(DB, {"username": "a", "password": PASSWORD, "user": None, "pass": None})
    assert patched.version == 2
    assert patched.data == {"username": "a", "password": PASSWORD}
    (call,) = vault.calls("PATCH")
    assert call.headers["Content-Type"] == "application/merge-patch+json"
    assert call.body == {
        "data": {"username": "a", "password": PASSWORD, "pass": None, "user": None},
        "options": {},
    }
    reads = [c for c in vault.calls("GET") if c.path.startswith("/v1/secret-prod/data/")]
    assert reads[-1].query == {"version": ["2"]}


def test_patch_validates_like_write(store: SecretStore) -> None:
    with pytest.raises(InvalidValueError, match="'password'"):
        store.patch(DB, {"passwd": PASSWORD})
    with pytest.raises(InvalidValueError, match="no change"):
        store.patch(DB, {})


def test_patch_of_missing_secret(store: SecretStore) -> None:
    with pytest.raises(SecretNotFoundError, match="cannot patch secret-prod/payments/database/app"):
        store.patch(DB, {"password": PASSWORD})


# ---------------------------------------------------------------- list / versions / delete


def test_list_walks_to_canonical_paths_only(store: SecretStore, vault: FakeVault) -> None:
    for rel in (
        "payments/database/app",
        "payments/database/readonly",
        "payments/stripe/api",
        "billing/smtp/relay",
        "Legacy/Thing/x",  # not canonical: skipped here, reported by audit()
        "payments/database/nested/deeper",
    ):
        vault.seed_v2("secret-prod", rel, {"password": PASSWORD})
    assert [str(p) for p in store.list("prod")] == [
        "secret-prod/billing/smtp/relay",
        "secret-prod/payments/database/app",
        "secret-prod/payments/database/readonly",
        "secret-prod/payments/stripe/api",
    ]
    assert store.list(Environment.PROD, "payments", "stripe") == (
        PROD.path("payments", "stripe", "api"),
    )
    assert len(store.list("production", service="payments")) == 3
    assert store.list("dev") == ()
    with pytest.raises(InvalidValueError, match="without a service"):
        store.list("prod", component="database")
    with pytest.raises(InvalidValueError, match="uppercase"):
        store.list("prod", "Payments")


def test_versions_and_soft_delete(store: SecretStore) -> None:
    store.write(DB, {"password": "v1-pw-1111"})
    store.write(DB, {"password": "v2-pw-2222"})
    store.write(DB, {"password": "v3-pw-3333"})
    store.delete(DB)  # the current version, recoverable
    assert not store.exists(DB)
    with pytest.raises(SecretNotFoundError, match=r"was deleted at .*undelete"):
        store.read(DB)
    versions = store.versions(DB)
    assert [v.version for v in versions] == [1, 2, 3]
    assert [v.deleted for v in versions] == [False, False, True]
    assert [v.is_current for v in versions] == [False, False, True]
    store.undelete(DB, [3])
    assert store.read(DB)["password"] == "v3-pw-3333"
    store.delete(DB, versions=[1, 1])
    store.destroy(DB, versions=[2])
    states = {v.version: (v.deleted, v.destroyed) for v in store.versions(DB)}
    assert states == {1: (True, False), 2: (True, True), 3: (False, False)}
    assert "destroyed" in str(store.versions(DB)[1])
    store.destroy(DB)
    with pytest.raises(SecretNotFoundError):
        store.versions(DB)


def test_version_arguments_are_validated(store: SecretStore) -> None:
    with pytest.raises(InvalidValueError, match="names no version"):
        store.undelete(DB, [])
    with pytest.raises(InvalidValueError, match="version number"):
        store.delete(DB, versions=[0])


# ---------------------------------------------------------------- KV v1


@pytest.fixture
def v1_store() -> Iterator[tuple[SecretStore, FakeVault]]:
    vault = FakeVault({"secret-dev": 1, "secret-prod": 2})
    with make_store(vault) as s:
        yield s, vault


def test_kv_v1_mount(v1_store: tuple[SecretStore, FakeVault]) -> None:
    store, vault = v1_store
    dev = VaultPaths("dev").path("payments", "database", "app")
    assert store.kv_version(Environment.DEV) == 1
    secret = store.write(dev, {"username": "u", "password": PASSWORD})
    assert secret.version is None
    assert secret.metadata is None
    assert vault.calls("POST")[-1].path == "/v1/secret-dev/payments/database/app"
    assert store.read(dev).data == {"username": "u", "password": PASSWORD}
    assert store.list("dev") == (dev,)
    assert store.patch(dev, {"password": "new-pw-5555", "username": None}).data == {
        "password": "new-pw-5555"
    }
    assert vault.v1["secret-dev"]["payments/database/app"] == {"password": "new-pw-5555"}
    for call in (
        lambda: store.versions(dev),
        lambda: store.read(dev, version=1),
        lambda: store.undelete(dev, [1]),
        lambda: store.write(dev, {"password": PASSWORD}, cas=1),
        lambda: store.delete(dev, versions=[1]),
    ):
        with pytest.raises(UnsupportedOperationError) as info:
            call()
        assert "vault kv enable-versioning secret-dev" in info.value.workaround
    store.destroy(dev)
    assert not store.exists(dev)


def test_kv_version_detection_is_cached_and_overridable(vault: FakeVault) -> None:
    store = make_store(vault)
    store.write(DB, {"password": PASSWORD})
    store.read(DB)
    detections = [c for c in vault.seen if c.path.startswith("/v1/sys/internal/ui/mounts/")]
    assert [c.path for c in detections] == ["/v1/sys/internal/ui/mounts/secret-prod"]

    explicit = make_store(FakeVault({"secret-prod": 1}), kv_versions={"secret-prod": 1})
    explicit_vault = explicit.client.adapter.session.get_adapter(BASE_URL)
    explicit.write(DB, {"password": PASSWORD})
    assert not any(c.path.startswith("/v1/sys/") for c in explicit_vault.seen)
    with pytest.raises(InvalidValueError, match="KV version"):
        make_store(vault, kv_versions={Environment.DEV: 3})


def test_an_undetectable_version_is_an_error_never_a_guess(vault: FakeVault) -> None:
    vault.forbidden.add("sys/")
    store = make_store(vault)
    with pytest.raises(VaultError, match="secret-prod"):
        store.kv_version("secret-prod")
    vault.forbidden.discard("sys/")
    assert store.kv_version("secret-prod") == 2


def test_non_kv_mount_is_refused(vault: FakeVault, monkeypatch: pytest.MonkeyPatch) -> None:
    store = make_store(vault)
    original = vault._mount_info

    def transit(request: requests.PreparedRequest, mount: str) -> requests.Response:
        response = original(request, mount)
        body = response.json()
        body["data"]["type"] = "transit"
        return vault._respond(request, 200, body)

    monkeypatch.setattr(vault, "_mount_info", transit)
    with pytest.raises(VaultError, match="'transit' secrets engine, not KV"):
        store.read(DB)


# ---------------------------------------------------------------- errors


def test_forbidden_names_the_path_and_the_policy(store: SecretStore, vault: FakeVault) -> None:
    vault.forbidden.add("secret-prod/data/payments/")
    with pytest.raises(VaultError) as info:
        store.read(DB)
    message = str(info.value)
    assert info.value.status_code == 403
    assert "cannot read secret-prod/payments/database/app" in message
    assert "'read' on secret-prod/data/payments/database/app" in message
    assert "policy_for('payments', environments=['prod'], access='read')" in message
    with pytest.raises(VaultError, match="access='read-write'"):
        store.write(DB, {"password": PASSWORD})
    assert PASSWORD not in str(info.value)
    assert isinstance(info.value.__cause__, hvac.exceptions.Forbidden)


@pytest.mark.parametrize(
    ("status", "errors", "needle"),
    [
        (401, ["missing client token"], "log in again"),
        (500, ["internal error"], "Vault's server log"),
        (503, ["Vault is sealed"], "unseal"),
        (412, ["required index state not present"], "replicating"),
        (429, ["request path rate limit quota exceeded"], "rate limit"),
        (418, ["teapot"], "HTTP 418"),
    ],
)
def test_status_errors_are_mapped(
    store: SecretStore, vault: FakeVault, status: int, errors: list[str], needle: str
) -> None:
    store.kv_version(Environment.PROD)
    vault.failures.append((status, errors))
    with pytest.raises(VaultError) as info:
        store.read(DB)
    assert info.value.status_code == status
    assert needle in str(info.value)
    assert "secret-prod/payments/database/app" in str(info.value)


@pytest.mark.parametrize(
    ("exc", "needle"),
    [
        (requests.exceptions.ConnectionError("refused"), "could not reach Vault"),
        (requests.exceptions.ReadTimeout("slow"), "did not answer in time"),
        (requests.exceptions.SSLError("bad cert"), "VAULT_CACERT"),
    ],
)
def test_connection_errors_are_mapped(
    store: SecretStore, vault: FakeVault, exc: Exception, needle: str
) -> None:
    store.kv_version(Environment.PROD)
    vault.raise_next.append(exc)
    with pytest.raises(VaultError) as info:
        store.write(DB, {"password": PASSWORD})
    assert needle in str(info.value)
    assert info.value.status_code is None
    assert PASSWORD not in str(info.value)


def test_connection_error_during_detection(store: SecretStore, vault: FakeVault) -> None:
    vault.raise_next.append(requests.exceptions.ConnectionError("down"))
    with pytest.raises(VaultError, match="cannot detect the KV version of secret-prod"):
        store.read(DB)


def test_malformed_answer_is_a_vault_error(
    store: SecretStore, vault: FakeVault, monkeypatch: pytest.MonkeyPatch
) -> None:
    store.kv_version(Environment.PROD)

    def broken(request: requests.PreparedRequest, *args: object) -> requests.Response:
        return vault._respond(request, 200, {"data": "not an object"})

    monkeypatch.setattr(vault, "_read2", broken)
    with pytest.raises(VaultError, match="no 'data' object"):
        store.read(DB)


# ---------------------------------------------------------------- construction


def test_constructors_validate_configuration() -> None:
    with pytest.raises(ConfigurationError, match=r"hvac\.Client"):
        SecretStore("https://vault")
    with pytest.raises(ConfigurationError, match="token is empty"):
        SecretStore.from_token("https://vault.fake.test", " ")
    with pytest.raises(ConfigurationError, match="not a Vault URL"):
        SecretStore.from_token("vault.fake.test", "t-oken-1")
    with pytest.raises(ConfigurationError, match="secret_id is empty"):
        SecretStore.from_approle("https://vault.fake.test", "role", "")
    with pytest.raises(ConfigurationError, match="VAULT_ADDR and VAULT_TOKEN not set"):
        SecretStore.from_env({})
    with pytest.raises(ConfigurationError, match="VAULT_TOKEN not set"):
        SecretStore.from_env({"VAULT_ADDR": "https://vault.fake.test"})


def test_from_env_and_from_token_build_a_verified_client() -> None:
    token = "env-token-value-5521"
    with SecretStore.from_env(
        {"VAULT_ADDR": "https://vault.fake.test:8200", "VAULT_TOKEN": token}
    ) as store:
        assert store.client.url == "https://vault.fake.test:8200"
        assert store.client.adapter._kwargs["verify"] is True
        assert token in registered_secrets()
        assert token not in repr(store)
        adapter = store.client.adapter.session.get_adapter("https://vault.fake.test:8200")
        assert type(adapter).__name__ == "VaultHTTPAdapter"


def test_disabling_tls_verification_is_logged(caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level(logging.WARNING, logger="mosaic_sdk.vault"):
        store = SecretStore.from_token("https://127.0.0.1:8200", "dev-token-1234", verify=False)
    assert store.client.adapter._kwargs["verify"] is False  # hvac passes it per request
    assert store.client.adapter.session.verify is False
    assert "TLS verification of Vault at https://127.0.0.1:8200 is disabled" in caplog.text
    store.close()


def test_a_ca_bundle_reaches_requests(tmp_path: Path) -> None:
    bundle = tmp_path / "ca.pem"
    bundle.write_text("-----BEGIN CERTIFICATE-----\n")
    with SecretStore.from_token("https://vault.fake.test", "t-oken-1", verify=str(bundle)) as s:
        assert s.client.adapter._kwargs["verify"] == str(bundle)
    with SecretStore.from_env(
        {
            "VAULT_ADDR": "https://vault.fake.test",
            "VAULT_TOKEN": "t-oken-1",
            "VAULT_CACERT": str(bundle),
        }
    ) as s:
        assert s.client.adapter._kwargs["verify"] == str(bundle)


def test_a_missing_ca_bundle_is_refused_up_front() -> None:
    # requests would raise a bare OSError at the first call; say it at construction.
    env = {"VAULT_ADDR": "https://vault.fake.test", "VAULT_TOKEN": "t-oken-1"}
    with pytest.raises(ConfigurationError, match="VAULT_CACERT"):
        SecretStore.from_env({**env, "VAULT_CACERT": "/nonexistent/ca.pem"})


def test_retry_none_leaves_the_session_alone() -> None:
    session = requests.Session()
    before = session.get_adapter("https://x")
    SecretStore(hvac.Client(url=BASE_URL, token="t-oken-1", session=session), retry=None)
    assert session.get_adapter("https://x") is before


def test_secret_model_is_frozen() -> None:
    secret = Secret(path=DB, data={"password": PASSWORD})
    with pytest.raises(AttributeError):
        secret.version = 3  # type: ignore[misc]
    assert secret.data == SecretData({"password": PASSWORD})
    assert VaultPath.parse(str(secret.path)) == DB
