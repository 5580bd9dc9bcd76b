"""Bad input to the Vault store is a typed MosaicError; transport failures say what happened.

Each case used to escape as a bare AttributeError, TypeError or (at the first request)
an OSError from requests, or was accepted and misread.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import hvac
import pytest
import requests
import requests.adapters
from urllib3.connection import HTTPConnection
from urllib3.exceptions import MaxRetryError, NewConnectionError, ReadTimeoutError

from mosaic_sdk.errors import ConfigurationError, InvalidValueError, MosaicError, VaultError
from mosaic_sdk.values import Environment, VaultPaths
from mosaic_sdk.vault import SecretStore, policy_for
from mosaic_sdk.vault._errors import map_vault_error
from tests._support.fake_vault import BASE_URL, TEST_TOKEN, FakeVault

URL = "https://vault.fake.test"
TOKEN = "t-oken-input-1"
PATH = VaultPaths(Environment.PROD).path("payments", "database", "app")


def _store() -> SecretStore:
    return SecretStore.from_token(URL, TOKEN, kv_versions={"prod": 2})


Call = Callable[[], object]

BAD_CALLS: list[tuple[str, Call, type[MosaicError], str]] = [
    (
        "timeout-text",
        lambda: SecretStore.from_token(URL, TOKEN, timeout="x"),
        InvalidValueError,
        "seconds",
    ),  # type: ignore[arg-type]
    (
        "timeout-zero",
        lambda: SecretStore.from_token(URL, TOKEN, timeout=0),
        InvalidValueError,
        "positive",
    ),
    (
        "verify-missing",
        lambda: SecretStore.from_token(URL, TOKEN, verify="/nope/ca.pem"),
        ConfigurationError,
        "does not exist",
    ),
    (
        "verify-int",
        lambda: SecretStore.from_token(URL, TOKEN, verify=1),
        InvalidValueError,
        "CA bundle path",
    ),  # type: ignore[arg-type]
    (
        "retry-text",
        lambda: SecretStore.from_token(URL, TOKEN, retry="x"),
        InvalidValueError,
        "RetryPolicy",
    ),  # type: ignore[arg-type]
    (
        "kv-versions-list",
        lambda: SecretStore.from_token(URL, TOKEN, kv_versions=[1]),
        InvalidValueError,
        "mapping",
    ),  # type: ignore[arg-type]
    (
        "approle-verify-missing",
        lambda: SecretStore.from_approle(URL, "role-1234", "sec-5678", verify="/nope.pem"),
        ConfigurationError,
        "does not exist",
    ),
    (
        "client-retry-text",
        lambda: SecretStore(hvac.Client(url=URL, token=TOKEN), retry=5),
        InvalidValueError,
        "RetryPolicy",
    ),  # type: ignore[arg-type]
    ("undelete-none", lambda: _store().undelete(PATH, None), InvalidValueError, "list such as"),  # type: ignore[arg-type]
    (
        "delete-versions-text",
        lambda: _store().delete(PATH, versions="12"),
        InvalidValueError,
        "list such as",
    ),  # type: ignore[arg-type]
    ("policy-environments-none", lambda: policy_for("svc", None), InvalidValueError, "'prod'"),  # type: ignore[arg-type]
    ("policy-environments-int", lambda: policy_for("svc", 5), InvalidValueError, "'prod'"),  # type: ignore[arg-type]
]


@pytest.mark.parametrize(
    ("call", "error", "hint"), [c[1:] for c in BAD_CALLS], ids=[c[0] for c in BAD_CALLS]
)
def test_bad_input_is_a_typed_error_with_a_fix(
    call: Call, error: type[MosaicError], hint: str
) -> None:
    with pytest.raises(error) as info:
        call()
    assert type(info.value) is error
    assert hint in str(info.value)
    assert TOKEN not in str(info.value)


def test_tls_verification_is_on_by_default() -> None:
    with SecretStore.from_token(URL, TOKEN) as store:
        assert store.client.adapter._kwargs["verify"] is True
    env = {"VAULT_ADDR": URL, "VAULT_TOKEN": TOKEN, "VAULT_SKIP_VERIFY": "true"}
    with SecretStore.from_env(env) as store:  # VAULT_SKIP_VERIFY is deliberately ignored
        assert store.client.adapter._kwargs["verify"] is True


@pytest.mark.parametrize("key", ["prod", "production", Environment.PROD, "secret-prod"])
def test_kv_versions_accept_environment_names(key: Environment | str) -> None:
    vault = FakeVault()
    session = requests.Session()
    store = SecretStore(
        hvac.Client(url=BASE_URL, token=TEST_TOKEN, session=session), kv_versions={key: 2}
    )
    session.mount(BASE_URL, vault)
    store.write(PATH, {"password": "kv-key-secret-1"})
    assert store.kv_version("prod") == 2
    # The version came from kv_versions: the mount was never asked about.
    assert not [c for c in vault.calls() if "sys/internal/ui/mounts" in c.path]


def _exhausted(reason: Exception) -> requests.exceptions.ConnectionError:
    # What requests raises once a mounted urllib3 Retry gives up.
    return requests.exceptions.ConnectionError(MaxRetryError(None, "/v1/x", reason))  # type: ignore[arg-type]


def test_an_exhausted_read_timeout_is_reported_as_a_timeout() -> None:
    error = map_vault_error(
        _exhausted(ReadTimeoutError(None, "/v1/x", "read timed out")),  # type: ignore[arg-type]
        action="read",
        path=str(PATH),
    )
    assert isinstance(error, VaultError)
    assert "did not answer in time" in str(error)


def test_a_refused_connection_is_not_called_a_timeout() -> None:
    refused = NewConnectionError(HTTPConnection("127.0.0.1", 1), "Connection refused")
    error = map_vault_error(_exhausted(refused), action="read", path=str(PATH))
    assert "could not reach Vault" in str(error)


class _NotJSON(requests.adapters.BaseAdapter):
    """Answers every request with 200 and a body that is not JSON (a proxy's page)."""

    def send(self, request: requests.PreparedRequest, **kwargs: Any) -> requests.Response:  # type: ignore[override]
        response = requests.Response()
        response.status_code = 200
        response._content = b"<html>login page</html>"
        response.headers["Content-Type"] = "text/html"
        response.request = request
        response.url = request.url or ""
        return response

    def close(self) -> None:
        return None


@pytest.mark.parametrize(
    ("action", "words"),
    [
        (lambda s: s.read(PATH), "cannot read"),
        (lambda s: s.list(Environment.PROD), "cannot list"),
        (lambda s: s.audit(Environment.PROD), "cannot list"),
        (lambda s: s.versions(PATH), "versions"),
    ],
)
def test_an_answer_that_is_not_json_is_a_vault_error(
    action: Callable[[SecretStore], object], words: str
) -> None:
    session = requests.Session()
    store = SecretStore(
        hvac.Client(url=BASE_URL, token=TEST_TOKEN, session=session), kv_versions={"prod": 2}
    )
    session.mount(BASE_URL, _NotJSON())
    with pytest.raises(VaultError) as info:
        action(store)
    assert words in str(info.value)
