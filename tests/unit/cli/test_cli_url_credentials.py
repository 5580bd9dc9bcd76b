"""The CLI refuses credentials in URL options (issue #13 item 9): exit 2, the URL shown
without them, and the option or variable the credentials belong in; nothing is
contacted. And what it prints never shows a URL's credentials (item 7)."""

from __future__ import annotations

import pytest

from mosaic_sdk.cli import EXIT_USAGE
from tests._support.cli_helpers import CLI

PASSWORD = "cli-url-pass-6f2a"


@pytest.mark.parametrize(
    ("argv", "points_to"),
    [
        (
            ["tag", "next-rc", "1.0.0", "--registry", f"https://ci:{PASSWORD}@127.0.0.1:1",
             "--repository", "team/api"],
            "MOSAIC_REGISTRY_PASSWORD",
        ),
        (
            ["tag", "next-rc", "1.0.0", "--registry", f"https://ci:pa/{PASSWORD}@127.0.0.1:1",
             "--repository", "team/api"],
            "--password-file",
        ),
        (
            ["tag", "next-rc", "1.0.0", "--registry", f"https://{PASSWORD}@127.0.0.1:1",
             "--repository", "team/api"],
            "MOSAIC_REGISTRY_PASSWORD",
        ),
        (
            ["validate", "team/api@sha256:" + "a" * 64, "--prometheus",
             f"http://u:{PASSWORD}@127.0.0.1:1", "--max-error-ratio", "0.1",
             "--on-no-data", "fail"],
            "PROMETHEUS_TOKEN",
        ),
        (
            ["validate", "team/api@sha256:" + "a" * 64, "--health",
             f"http://127.0.0.1:1/health?token={PASSWORD}"],
            "without authentication",
        ),
        (["health", f"api=http://u:{PASSWORD}@127.0.0.1:1/health"], "without authentication"),
        (["health", f"http://u:{PASSWORD}@127.0.0.1:1/health"], "without authentication"),
        (["vault", "audit", "secret-prod", "--vault-addr", f"https://root:{PASSWORD}@vault:8200"],
         "VAULT_TOKEN"),
    ],
)  # fmt: skip
def test_credentials_in_a_url_option_are_refused_with_exit_2(
    cli: CLI, argv: list[str], points_to: str
) -> None:
    run = cli(*argv)
    assert run.code == EXIT_USAGE, run.err
    assert "credentials in the URL" in run.err
    assert points_to in run.err
    assert PASSWORD not in run.err + run.out
    assert "127.0.0.1:1" in run.err or "vault:8200" in run.err


def test_json_error_document_does_not_carry_the_password(cli: CLI) -> None:
    run = cli("health", f"api=http://u:{PASSWORD}@127.0.0.1:1/health", "--json")
    assert run.code == EXIT_USAGE
    assert run.json()["error"]["exit_code"] == EXIT_USAGE
    assert PASSWORD not in run.out + run.err


def test_a_url_without_credentials_is_accepted(cli: CLI) -> None:
    run = cli("health", "api=http://127.0.0.1:1/health?verbose=1", "--timeout", "0.5")
    assert run.code != EXIT_USAGE
    assert "credentials" not in run.err
