"""SecretStore through hvac, requests and urllib3 against hand-authored Vault cassettes.

vcrpy intercepts below urllib3, so these run the real transport path: the store's
retry adapter, urllib3's Retry loop and hvac's error raising. The cassettes follow the
documented KV v2/v1, AppRole and sys/internal/ui/mounts answers (see the README in
tests/cassettes/vault/).
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import vcr
import vcr.request

from mosaic_sdk import Environment, RetryPolicy, VaultPaths
from mosaic_sdk.errors import SecretNotFoundError, VaultError
from mosaic_sdk.observability import correlation_id, registered_secrets
from mosaic_sdk.vault import SecretStore

CASSETTES = Path(__file__).resolve().parents[2] / "cassettes" / "vault"
URL = "https://127.0.0.1:8200"
TOKEN = "cassette-test-token-not-real-8d1f"  # never stored: filter_headers drops it

# What real Vault tokens look like (service, batch, recovery; and the pre-1.10 forms).
TOKEN_SHAPES = re.compile(
    r"\bhv[sbr]\.[A-Za-z0-9_-]{20,}|\b[sbr]\.[A-Za-z0-9]{24}\b|" + re.escape(TOKEN)
)


def _json_body(r1: vcr.request.Request, r2: vcr.request.Request) -> None:
    """Bodies equal as JSON (key order and whitespace ignored), else as bytes."""

    def parse(body: Any) -> Any:
        if not body:
            return None
        text = body.decode() if isinstance(body, bytes) else body
        try:
            return json.loads(text)
        except ValueError:
            return text

    assert parse(r1.body) == parse(r2.body), f"{r1.body!r} != {r2.body!r}"


def _scrub_login(response: dict[str, Any]) -> dict[str, Any]:
    """Replace client tokens in login answers (only matters when re-recording)."""
    body = response.get("body", {}).get("string")
    if body:
        text = body.decode() if isinstance(body, bytes) else body
        try:
            data = json.loads(text)
        except ValueError:
            return response
        auth = data.get("auth") if isinstance(data, dict) else None
        if isinstance(auth, dict) and "client_token" in auth:
            auth["client_token"] = "REDACTED"
            auth["accessor"] = "accessor-placeholder"
            response["body"]["string"] = json.dumps(data).encode()
    return response


class Recorder:
    """Keeps the requests vcrpy saw (after header filtering)."""

    def __init__(self) -> None:
        self.requests: list[vcr.request.Request] = []

    def __call__(self, request: vcr.request.Request) -> vcr.request.Request:
        self.requests.append(request)
        return request


@pytest.fixture
def recorder() -> Recorder:
    return Recorder()


@pytest.fixture
def player(recorder: Recorder) -> vcr.VCR:
    player = vcr.VCR(
        cassette_library_dir=str(CASSETTES),
        record_mode="none",
        filter_headers=["X-Vault-Token", "Authorization"],
        before_record_request=recorder,
        before_record_response=_scrub_login,
        match_on=["method", "scheme", "host", "port", "path", "query", "json_body"],
    )
    player.register_matcher("json_body", _json_body)
    return player


@pytest.fixture
def sleeps() -> list[float]:
    return []


@pytest.fixture
def store(sleeps: list[float]) -> Iterator[SecretStore]:
    policy = RetryPolicy(sleep=sleeps.append, jitter=0)
    with SecretStore.from_token(URL, TOKEN, retry=policy) as s:
        yield s


PROD = VaultPaths(Environment.PROD)


def test_kv2_lifecycle(store: SecretStore, player: vcr.VCR, recorder: Recorder) -> None:
    path = PROD.path("payments", "database", "app")
    with player.use_cassette("kv2_lifecycle.yaml") as cassette, correlation_id("deploy-4711"):
        recorder.requests.clear()  # drop the cassette's own requests, filtered on load
        written = store.write(
            path, {"username": "payments_app", "password": "cassette-db-password-1"}
        )
        read = store.read(path)
        patched = store.patch(path, {"password": "cassette-db-password-2"})
        versions = store.versions(path)
        listed = store.list(Environment.PROD, "payments", "database")
        store.delete(path)
        assert cassette.all_played
    assert written.version == 1
    assert read["password"] == "cassette-db-password-1"
    assert read.custom_metadata == {"owner": "payments-team"}
    assert read.metadata is not None
    assert read.metadata.created_time is not None
    assert read.metadata.created_time.isoformat() == "2024-05-01T12:00:00.945319+00:00"
    assert patched.version == 2
    assert patched.data == {"username": "payments_app", "password": "cassette-db-password-2"}
    assert [(v.version, v.is_current) for v in versions] == [(1, False), (2, True)]
    assert [str(p) for p in listed] == [
        "secret-prod/payments/database/app",
        "secret-prod/payments/database/readonly",
    ]
    assert {"cassette-db-password-1", "cassette-db-password-2"} <= registered_secrets()
    # Every request carried the correlation id; none kept the token after filtering.
    # (vcrpy passes each live request through the hook more than once.)
    assert {(r.method, r.path) for r in recorder.requests} == {
        ("GET", "/v1/sys/internal/ui/mounts/secret-prod"),
        ("POST", "/v1/secret-prod/data/payments/database/app"),
        ("GET", "/v1/secret-prod/data/payments/database/app"),
        ("PATCH", "/v1/secret-prod/data/payments/database/app"),
        ("GET", "/v1/secret-prod/metadata/payments/database/app"),
        ("LIST", "/v1/secret-prod/metadata/payments/database"),
        ("DELETE", "/v1/secret-prod/data/payments/database/app"),
    }
    for request in recorder.requests:
        assert request.headers.get("X-Correlation-ID") == "deploy-4711"
        assert "X-Vault-Token" not in request.headers


def test_transient_answers_are_retried_with_the_core_numbers(
    store: SecretStore, player: vcr.VCR, sleeps: list[float]
) -> None:
    staging = VaultPaths("staging")
    cache = staging.path("checkout", "redis", "cache")
    with player.use_cassette("retry_transient.yaml") as cassette:
        secret = store.read(cache)  # 503, 412, then 200
        assert sleeps == [0.5, 1.0]
        assert secret.version == 7
        assert secret["url"] == "rediss://cache.staging.internal:6380"

        sleeps.clear()
        rotated = store.write(cache, {"password": "cassette-redis-password-rotated"})  # 412, 200
        assert rotated.version == 8
        assert sleeps == [0.5]

        sleeps.clear()
        with pytest.raises(VaultError) as info:  # 503 on a write: not repeated
            store.write(cache, {"password": "cassette-redis-password-second"})
        assert info.value.status_code == 503
        assert "unseal" in str(info.value)
        assert sleeps == []

        with pytest.raises(VaultError) as info:  # 500, 502, 504: gives up after 2 retries
            store.read(staging.path("checkout", "redis", "session"))
        assert info.value.status_code == 504
        assert "cannot read secret-staging/checkout/redis/session" in str(info.value)
        assert sleeps == [0.5, 1.0]
        assert cassette.all_played


def test_approle_login(player: vcr.VCR) -> None:
    with player.use_cassette("approle_login.yaml") as cassette:
        store = SecretStore.from_approle(URL, "cassette-role-id-3f2a", "cassette-secret-id-9b1c")
        with store:
            secret = store.read(PROD.path("payments", "stripe", "api"))
        assert secret["token"] == "cassette-stripe-token-51c0"
        assert secret.version == 3
        assert store.client.token == "REDACTED"
        with pytest.raises(VaultError) as info:
            SecretStore.from_approle(URL, "cassette-role-id-3f2a", "wrong-secret-id-0000")
        assert cassette.all_played
    message = str(info.value)
    assert info.value.status_code == 400
    assert "cannot log in with AppRole at auth/approle/login" in message
    assert "invalid role or secret ID" in message
    assert "wrong-secret-id-0000" not in message
    assert {"cassette-role-id-3f2a", "cassette-secret-id-9b1c"} <= registered_secrets()


def test_kv1_mount_and_error_answers(store: SecretStore, player: vcr.VCR) -> None:
    dev = VaultPaths("dev").path("payments", "database", "app")
    with player.use_cassette("kv1_and_errors.yaml") as cassette:
        written = store.write(dev, {"username": "dev_app", "password": "cassette-dev-password"})
        assert written.version is None
        assert store.read(dev).data == {"username": "dev_app", "password": "cassette-dev-password"}
        assert store.list("dev", "payments", "database") == (dev,)
        with pytest.raises(VaultError) as forbidden:
            store.read(PROD.path("billing", "database", "app"))
        with pytest.raises(SecretNotFoundError) as missing:
            store.read(PROD.path("payments", "database", "missing"))
        assert cassette.all_played
    assert forbidden.value.status_code == 403
    assert "permission denied" in str(forbidden.value)
    assert "policy_for('billing', environments=['prod'], access='read')" in str(forbidden.value)
    assert "secret-prod/payments/database/missing" in str(missing.value)


def test_cassettes_hold_no_tokens() -> None:
    files = sorted(CASSETTES.glob("*.yaml"))
    assert len(files) >= 4
    for file in files:
        text = file.read_text()
        assert not TOKEN_SHAPES.search(text), f"{file.name} holds something shaped like a token"
        assert "x-vault-token" not in text.lower(), f"{file.name} stores the token header"
        assert "authorization" not in text.lower(), f"{file.name} stores an Authorization header"
        for match in re.finditer(r'"client_token":\s*"([^"]*)"', text):
            assert match.group(1) == "REDACTED", f"{file.name} holds a client token"


def test_the_token_check_would_catch_a_leak(tmp_path: Path) -> None:
    # The grep above must be able to fail: these are the shapes it looks for.
    for leaked in ("hvs.CAESIJlU5Kq0t7ZXhq3wKrm8xbz1", "s.Q4p6bE2tDeyf0Zk8zXW1yN2a", TOKEN):
        assert TOKEN_SHAPES.search(f"X: {leaked}\n")
    assert not TOKEN_SHAPES.search("client_token: REDACTED, request_id: 1c2d3e4f-0000")
