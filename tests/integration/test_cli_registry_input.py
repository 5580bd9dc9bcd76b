"""Bad input to registry commands exits 2 before anything changes, against a real
docker-registry with Basic auth: a repository that does not exist, missing credentials."""

from __future__ import annotations

import json
from datetime import datetime, timezone

import pytest

from mosaic_sdk.cli import EXIT_USAGE
from mosaic_sdk.cli import main as mosaic
from mosaic_sdk.errors import NotFoundError
from mosaic_sdk.registry import RegistryClient
from mosaic_sdk.release import RetentionPolicy
from mosaic_sdk.testing import push_image
from tests._support.servers import HTPASSWD_PASSWORD, HTPASSWD_USER, RegistryServer

pytestmark = pytest.mark.integration

NOW = datetime(2024, 6, 1, 12, 0, tzinfo=timezone.utc)


@pytest.fixture
def env(basic_registry_server: RegistryServer, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("MOSAIC_REGISTRY", basic_registry_server.url)
    monkeypatch.setenv("MOSAIC_REGISTRY_USERNAME", HTPASSWD_USER)
    monkeypatch.setenv("MOSAIC_REGISTRY_PASSWORD", HTPASSWD_PASSWORD)
    monkeypatch.setenv("MOSAIC_ACTOR", "ci")


def test_retention_plan_of_a_missing_repository_is_not_found(
    basic_registry_server: RegistryServer,
) -> None:
    with (
        RegistryClient(
            basic_registry_server.url, username=HTPASSWD_USER, password=HTPASSWD_PASSWORD
        ) as client,
        pytest.raises(NotFoundError, match="team/no-such-repo-8812"),
    ):
        RetentionPolicy().plan(client, "team/no-such-repo-8812", now=NOW)


@pytest.mark.parametrize("command", ["plan", "apply"])
def test_retention_cli_on_a_missing_repository_exits_2(
    env: None, command: str, capsys: pytest.CaptureFixture[str]
) -> None:
    argv = ["retention", command, "--repository", "team/typo-in-cron-4471", "--json"]
    assert mosaic([*argv, "--now", NOW.isoformat()]) == EXIT_USAGE
    error = json.loads(capsys.readouterr().out)["error"]
    assert error["type"] == "NotFoundError"
    assert "team/typo-in-cron-4471" in error["message"]


def test_missing_registry_credentials_are_bad_input(
    env: None, repo: str, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    with RegistryClient(
        monkeypatch_env_url(), username=HTPASSWD_USER, password=HTPASSWD_PASSWORD
    ) as client:
        push_image(client, repo, "v1.0.0-rc.1", created=NOW)
    monkeypatch.delenv("MOSAIC_REGISTRY_PASSWORD")
    monkeypatch.delenv("MOSAIC_REGISTRY_USERNAME")
    code = mosaic(["retention", "plan", "--repository", repo, "--json", "--now", NOW.isoformat()])
    captured = capsys.readouterr()
    assert code == EXIT_USAGE
    error = json.loads(captured.out)["error"]
    assert error["type"] == "ConfigurationError"
    assert "$MOSAIC_REGISTRY_PASSWORD" in error["message"]
    assert "--password-file" in error["message"]


def monkeypatch_env_url() -> str:
    import os

    return os.environ["MOSAIC_REGISTRY"]
