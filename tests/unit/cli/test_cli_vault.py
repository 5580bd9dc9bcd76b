"""``mosaic vault path|audit|policy``; the audit runs against the in-memory Vault."""

from __future__ import annotations

import json
import logging
from pathlib import Path
from typing import Any

import pytest

from mosaic_sdk.cli import EXIT_ERROR, EXIT_FAILURE, EXIT_OK, EXIT_USAGE
from mosaic_sdk.vault import SecretStore
from tests._support.cli_helpers import CLI
from tests._support.fake_vault import BASE_URL, TEST_TOKEN, FakeVault

LEGACY_PASSWORD = "legacy-cli-password-4417"


def test_vault_path_from_parts(cli: CLI) -> None:
    run = cli("vault", "path", "production", "payments", "database", "app")
    assert run.code == EXIT_OK
    assert run.out.splitlines()[0] == "secret-prod/payments/database/app"
    assert "secret-prod/data/payments/database/app" in run.out


def test_vault_path_check_json(cli: CLI) -> None:
    run = cli("vault", "path", "secret-staging/payments/stripe/api", "--json")
    assert run.json() == {
        "path": "secret-staging/payments/stripe/api",
        "mount": "secret-staging",
        "environment": "staging",
        "service": "payments",
        "component": "stripe",
        "name": "api",
        "kv2_data_path": "secret-staging/data/payments/stripe/api",
        "kv2_metadata_path": "secret-staging/metadata/payments/stripe/api",
    }


@pytest.mark.parametrize(
    ("parts", "message"),
    [
        (["secret/payments/db"], "'secret/payments/db'"),
        (["prod", "Payments", "db", "app"], "'Payments'"),
        (["qa", "payments", "db", "app"], "'qa'"),
        (["prod", "payments"], "expected a path or 4 parts"),
    ],
)
def test_vault_path_bad_input_exits_2(cli: CLI, parts: list[str], message: str) -> None:
    run = cli("vault", "path", *parts)
    assert run.code == EXIT_USAGE
    assert message in run.err


def test_vault_policy(cli: CLI) -> None:
    run = cli("vault", "policy", "payments", "--env", "prod", "--env", "dev")
    assert run.code == EXIT_OK
    assert 'path "secret-prod/data/payments/*"' in run.out
    assert 'path "secret-dev/metadata/payments/*"' in run.out
    assert 'capabilities = ["read"]' in run.out


def test_vault_policy_json_and_output_file(cli: CLI, tmp_path: Path) -> None:
    out = tmp_path / "payments.hcl"
    run = cli(
        "vault", "policy", "payments", "--env", "staging", "--access", "read-write",
        "--output", str(out), "--json",
    )  # fmt: skip
    assert run.code == EXIT_OK
    data = run.json()
    assert data["environments"] == ["staging"]
    assert data["access"] == "read-write"
    assert data["policy"] == out.read_text()
    assert '"patch"' in data["policy"]
    plain = cli("vault", "policy", "payments", "--env", "prod", "--output", str(out))
    assert plain.out == ""
    assert f"wrote {out}" in plain.err


@pytest.mark.parametrize(
    ("argv", "code"),
    [
        (["Pay Ments", "--env", "prod"], EXIT_USAGE),
        (["payments", "--env", "qa"], EXIT_USAGE),
        (["payments"], EXIT_USAGE),
        (["payments", "--env", "prod", "--access", "admin"], EXIT_USAGE),
    ],
)
def test_vault_policy_bad_input_exits_2(cli: CLI, argv: list[str], code: int) -> None:
    assert cli("vault", "policy", *argv).code == code


@pytest.fixture
def fake_vault(monkeypatch: pytest.MonkeyPatch) -> FakeVault:
    """Every SecretStore the CLI builds talks to this in-memory Vault."""
    vault = FakeVault({"secret": 2, "secret-prod": 2})
    vault.seed_v2("secret-prod", "payments/database/app", {"username": "a", "password": "p-1"})
    vault.seed_v2("secret-prod", "payments/smtp", {"pass": LEGACY_PASSWORD})
    original = SecretStore.from_token

    def from_token(url: str, token: str, **kwargs: Any) -> SecretStore:
        store = original(url, token, **kwargs)
        store.client.adapter.session.mount(BASE_URL, vault)
        return store

    monkeypatch.setattr(SecretStore, "from_token", staticmethod(from_token))
    return vault


def test_vault_audit_with_token_from_environment(
    cli: CLI, fake_vault: FakeVault, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("VAULT_ADDR", BASE_URL)
    monkeypatch.setenv("VAULT_TOKEN", TEST_TOKEN)
    run = cli("vault", "audit", "prod")
    assert run.code == EXIT_FAILURE
    assert run.out.startswith("audit of secret-prod (KV v2): 2 secrets, ")
    assert "secret-prod/payments/smtp" in run.out
    assert LEGACY_PASSWORD not in run.out + run.err
    assert fake_vault.calls("LIST")[0].headers["X-Vault-Token"] == TEST_TOKEN


def test_vault_audit_json_with_token_file(cli: CLI, fake_vault: FakeVault, tmp_path: Path) -> None:
    token_file = tmp_path / "token"
    token_file.write_text(TEST_TOKEN + "\n")
    run = cli(
        "vault", "audit", "secret-prod", "--vault-addr", BASE_URL,
        "--token-file", str(token_file), "--json",
    )  # fmt: skip
    data = run.json()
    assert data["ok"] is False
    assert data["paths"] == ["secret-prod/payments/database/app", "secret-prod/payments/smtp"]
    assert {f["path"] for f in data["findings"]} == {"secret-prod/payments/smtp"}
    assert all(f["fix"] for f in data["findings"])


def test_vault_audit_of_a_clean_mount_exits_0(
    cli: CLI, fake_vault: FakeVault, monkeypatch: pytest.MonkeyPatch
) -> None:
    del fake_vault.v2["secret-prod"]["payments/smtp"]
    monkeypatch.setenv("VAULT_TOKEN", TEST_TOKEN)
    run = cli("vault", "audit", "prod", "--vault-addr", BASE_URL, "--paths-only")
    assert run.code == EXIT_OK
    assert run.out == "audit of secret-prod (KV v2): 1 secrets, 0 findings\n"


def test_vault_audit_without_token_exits_2(cli: CLI, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("VAULT_ADDR", BASE_URL)
    run = cli("vault", "audit", "prod")
    assert run.code == EXIT_USAGE
    assert "set VAULT_TOKEN or pass --token-file" in run.err
    assert "VAULT_ROLE_ID" in run.err
    monkeypatch.delenv("VAULT_ADDR")
    monkeypatch.setenv("VAULT_TOKEN", TEST_TOKEN)
    no_addr = cli("vault", "audit", "prod")
    assert "VAULT_ADDR" in no_addr.err


def test_vault_audit_with_unreadable_or_empty_token_file(cli: CLI, tmp_path: Path) -> None:
    empty = tmp_path / "empty"
    empty.write_text("\n")
    run = cli("vault", "audit", "prod", "--vault-addr", BASE_URL, "--token-file", str(empty))
    assert run.code == EXIT_USAGE
    assert "is empty" in run.err
    missing = cli("vault", "audit", "prod", "--vault-addr", BASE_URL, "--token-file", "/nope")
    assert missing.code == EXIT_USAGE
    assert "cannot read the Vault token from '/nope'" in missing.err


def test_vault_audit_refused_by_vault_exits_3(
    cli: CLI, fake_vault: FakeVault, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("VAULT_ADDR", BASE_URL)
    monkeypatch.setenv("VAULT_TOKEN", "wrong-token-9931")
    run = cli("vault", "audit", "prod", "--json")
    assert run.code == EXIT_ERROR
    assert run.json()["error"]["type"] == "VaultTokenError"
    assert "token invalid or expired" in run.json()["error"]["message"]
    assert "wrong-token-9931" not in run.out + run.err


def test_verbose_json_logs_carry_the_correlation_id_and_no_token(
    cli: CLI, fake_vault: FakeVault, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("VAULT_ADDR", BASE_URL)
    monkeypatch.setenv("VAULT_TOKEN", TEST_TOKEN)
    handlers_before = list(logging.getLogger("mosaic_sdk").handlers)
    run = cli(
        "-vv", "--log-format", "json", "--correlation-id", "audit-42", "vault", "audit", "prod"
    )
    assert run.code == EXIT_FAILURE
    lines = [json.loads(line) for line in run.err.splitlines()]
    assert lines, "an audit logs at info level"
    assert all(line["correlation_id"] == "audit-42" for line in lines)
    assert any("secret-prod" in line["message"] for line in lines)
    assert TEST_TOKEN not in run.err
    assert fake_vault.calls("LIST")[0].headers.get("X-Correlation-ID") in (None, "audit-42")
    assert logging.getLogger("mosaic_sdk").handlers == handlers_before


def test_quiet_by_default(cli: CLI, fake_vault: FakeVault, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("VAULT_ADDR", BASE_URL)
    monkeypatch.setenv("VAULT_TOKEN", TEST_TOKEN)
    assert cli("vault", "audit", "prod").err == ""


def test_vault_audit_with_an_approle_login(
    cli: CLI, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    import hvac

    vault = FakeVault({"secret-prod": 2})
    vault.seed_v2("secret-prod", "payments/database/app", {"username": "a", "password": "p-1"})

    class Client(hvac.Client):  # type: ignore[misc]
        def __init__(self, *args: Any, **kwargs: Any) -> None:
            super().__init__(*args, **kwargs)
            self.adapter.session.mount(BASE_URL, vault)

    monkeypatch.setattr("mosaic_sdk.vault._store.hvac.Client", Client)
    monkeypatch.setenv("VAULT_ADDR", BASE_URL)
    monkeypatch.setenv("VAULT_ROLE_ID", "role-1234")
    secret_id = tmp_path / "secret-id"
    secret_id.write_text("sid-5678\n")
    run = cli("vault", "audit", "prod", "--secret-id-file", str(secret_id), "--json")
    assert run.code == EXIT_OK, run.err
    assert run.json()["paths"] == ["secret-prod/payments/database/app"]
    assert [s.method for s in vault.seen[:1]] == ["POST"]
    assert "sid-5678" not in run.out + run.err

    secret_id.write_text("wrong-secret-id\n")
    refused = cli("vault", "audit", "prod", "--secret-id-file", str(secret_id))
    assert refused.code == EXIT_ERROR
    assert "wrong-secret-id" not in refused.err


def test_vault_policy_manage_grants_the_version_endpoints(cli: CLI) -> None:
    from mosaic_sdk.vault import ACCESS_LEVELS

    run = cli("vault", "policy", "payments", "--env", "prod", "--access", "manage")
    assert run.code == 0
    for part in ("delete", "undelete", "destroy"):
        assert f'path "secret-prod/{part}/payments/*"' in run.out
    assert "manage" in ACCESS_LEVELS
