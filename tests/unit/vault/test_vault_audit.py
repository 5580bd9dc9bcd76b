"""audit(mount): every non-canonical path and field, with its fix."""

from __future__ import annotations

import pytest
from test_secret_store import make_store

from mosaic_sdk import Environment
from mosaic_sdk.errors import VaultError
from mosaic_sdk.observability import registered_secrets
from mosaic_sdk.vault import AuditFinding
from mosaic_sdk.vault._audit import check_fields, check_path
from tests._support.fake_vault import FakeVault

LEGACY_PASSWORD = "legacy-password-8812"


@pytest.fixture
def legacy() -> FakeVault:
    vault = FakeVault({"secret": 2, "secret-prod": 2, "secret-dev": 1})
    vault.seed_v2("secret", "payments/database/app", {"user": "a", "pass": LEGACY_PASSWORD})
    vault.seed_v2("secret-prod", "payments/database/app", {"username": "a", "password": "p-1234"})
    vault.seed_v2("secret-prod", "payments/database/readonly", {"username": "r", "password": "p-5"})
    vault.seed_v2("secret-prod", "Payments/Stripe Keys/live", {"token": "t-12345"})
    vault.seed_v2("secret-prod", "payments/smtp", {"password": "p-6789"})
    vault.seed_v2("secret-prod", "billing/db/primary/main", {"password": "p-4321"})
    vault.seed_v2(
        "secret-prod",
        "billing/db/app",
        {"username": "b", "user": "b", "port": 5432, "ssl": True, "api_key": "k-55555"},
    )
    vault.seed_v2("secret-prod", "billing/db/empty", {})
    vault.seed_v2("secret-prod", "billing/db/gone", {"password": "p-gone-1"})
    vault.v2["secret-prod"]["billing/db/gone"].versions[1].deletion_time = "2024-05-02T00:00:00Z"
    vault.seed_v1("secret-dev", "payments/database/app", {"passwd": "p-dev-1"})
    return vault


def _pairs(findings: tuple[AuditFinding, ...]) -> set[tuple[str, str | None]]:
    return {(f.path, f.field) for f in findings}


def test_clean_paths_have_no_findings(legacy: FakeVault) -> None:
    report = make_store(legacy).audit(Environment.PROD)
    assert report.mount == "secret-prod"
    assert report.kv_version == 2
    assert "secret-prod/payments/database/app" in report.paths
    assert "secret-prod/payments/database/app" not in report.paths_with_findings
    assert "secret-prod/payments/database/readonly" not in report.paths_with_findings
    assert not report.ok


def test_every_problem_is_reported_with_a_fix(legacy: FakeVault) -> None:
    report = make_store(legacy).audit("secret-prod")
    by_path = report.by_path()
    assert len(report.paths) == 8

    (stripe_service, stripe_component) = by_path["secret-prod/Payments/Stripe Keys/live"]
    assert "uppercase" in stripe_service.problem
    assert "'Stripe Keys' contains" in stripe_component.problem
    for finding in (stripe_service, stripe_component):
        assert finding.fix.startswith("move it to secret-prod/payments/stripe-keys/live (")

    (smtp,) = by_path["secret-prod/payments/smtp"]
    assert smtp.problem.startswith("has 2 segments below the mount, expected 3")
    assert smtp.fix == "move it to secret-prod/payments/<component>/smtp"

    (deep,) = by_path["secret-prod/billing/db/primary/main"]
    assert deep.fix == "move it to secret-prod/billing/db/primary-main"

    fields = {f.field: f for f in by_path["secret-prod/billing/db/app"]}
    assert "remove it: the secret already has 'username'" in fields["user"].fix
    assert "rename it to 'token'" in fields["api_key"].fix
    port = [f for f in by_path["secret-prod/billing/db/app"] if f.field == "port"]
    assert [f.problem for f in port] == ["holds a JSON number, not a string"]
    ssl = [f.problem for f in by_path["secret-prod/billing/db/app"] if f.field == "ssl"]
    assert sorted(ssl) == [
        "holds a JSON boolean, not a string",
        "is not a standard Vault field name",
    ]

    (empty,) = by_path["secret-prod/billing/db/empty"]
    assert empty.problem == "holds no fields"
    (gone,) = by_path["secret-prod/billing/db/gone"]
    assert "deleted" in gone.problem

    text = str(report)
    assert text.startswith("audit of secret-prod (KV v2): 8 secrets, ")
    for value in ("p-1234", "k-55555", "5432", "t-12345"):
        assert value not in text
        assert all(value not in str(f) for f in report.findings)
    assert "k-55555" in registered_secrets()  # read values are registered too


def test_legacy_mount_is_reported_first(legacy: FakeVault) -> None:
    report = make_store(legacy).audit("secret")
    first = report.findings[0]
    assert (first.path, first.field) == ("secret", None)
    assert "not an environment mount" in first.problem
    assert _pairs(report.findings) == {
        ("secret", None),
        ("secret/payments/database/app", "pass"),
        ("secret/payments/database/app", "user"),
    }
    assert "'password'" in report.by_path()["secret/payments/database/app"][0].fix


def test_kv_v1_mount_and_paths_only(legacy: FakeVault) -> None:
    store = make_store(legacy)
    report = store.audit(Environment.DEV)
    assert report.kv_version == 1
    assert _pairs(report.findings) == {("secret-dev/payments/database/app", "passwd")}
    store.kv_version(Environment.PROD)
    reads_before = len(legacy.calls("GET"))
    paths_only = store.audit(Environment.PROD, read_values=False)
    assert len(legacy.calls("GET")) == reads_before  # nothing read
    assert all(f.field is None for f in paths_only.findings)
    assert "secret-prod/billing/db/app" not in paths_only.paths_with_findings


def test_unreadable_and_unlistable_parts_become_findings(legacy: FakeVault) -> None:
    legacy.forbidden |= {"secret-prod/data/billing/", "secret-prod/metadata/payments"}
    report = make_store(legacy).audit(Environment.PROD)
    problems = {(f.path, f.problem) for f in report.findings}
    assert ("secret-prod/payments", "cannot be listed: permission denied") in problems
    assert ("secret-prod/billing/db/app", "cannot be read: permission denied") in problems


def test_mount_that_cannot_be_listed_raises(legacy: FakeVault) -> None:
    legacy.forbidden.add("secret-prod/metadata")
    with pytest.raises(VaultError, match="cannot list secret-prod"):
        make_store(legacy).audit(Environment.PROD)


def test_empty_mount() -> None:
    report = make_store(FakeVault()).audit(Environment.STAGING)
    assert report.ok
    assert report.paths == ()
    assert str(report) == "audit of secret-staging (KV v2): 0 secrets, 0 findings"


@pytest.mark.parametrize(
    ("relative", "fix"),
    [
        ("app", "move it to secret-prod/<service>/<component>/app"),
        ("a/b/c/d/e", "move it to secret-prod/a/b/c-d-e"),
    ],
)
def test_depth_fixes(relative: str, fix: str) -> None:
    (finding,) = check_path("secret-prod", relative)
    assert finding.fix == fix


def test_field_checks_are_pure() -> None:
    assert check_fields("secret-prod/a/b/c", {"password": "x"}) == []
    (finding,) = check_fields("secret-prod/a/b/c", {"hostname": "db"})
    assert finding == AuditFinding(
        "secret-prod/a/b/c", "hostname", "is not a standard Vault field name", "rename it to 'host'"
    )
