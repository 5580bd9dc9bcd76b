"""The ``mosaic`` command against a real docker-registry 2.8 with Basic auth: the password
comes from the environment or a file, never from the command line."""

from __future__ import annotations

import json
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest

from mosaic_sdk.cli import EXIT_ERROR, EXIT_FAILURE, EXIT_OK, EXIT_USAGE
from mosaic_sdk.cli import main as mosaic
from mosaic_sdk.registry import RegistryClient
from mosaic_sdk.testing import push_image
from tests._support.servers import HTPASSWD_PASSWORD, HTPASSWD_USER, RegistryServer

pytestmark = pytest.mark.integration

NOW = datetime(2024, 6, 1, 12, 0, tzinfo=timezone.utc)


@pytest.fixture
def settings(
    basic_registry_server: RegistryServer, monkeypatch: pytest.MonkeyPatch, repo: str
) -> str:
    monkeypatch.setenv("MOSAIC_REGISTRY", basic_registry_server.url)
    monkeypatch.setenv("MOSAIC_REPOSITORY", repo)
    monkeypatch.setenv("MOSAIC_REGISTRY_USERNAME", HTPASSWD_USER)
    monkeypatch.setenv("MOSAIC_REGISTRY_PASSWORD", HTPASSWD_PASSWORD)
    monkeypatch.setenv("MOSAIC_ACTOR", "ci")
    with RegistryClient(
        basic_registry_server.url, username=HTPASSWD_USER, password=HTPASSWD_PASSWORD
    ) as client:
        push_image(client, repo, "sha-0000001", created=NOW - timedelta(days=30))
        push_image(client, repo, "v2.0.0-rc.1", created=NOW - timedelta(days=1))
    return repo


def test_promote_and_plan_retention_with_the_password_from_the_environment(
    settings: str, capsys: pytest.CaptureFixture[str]
) -> None:
    assert mosaic(["promote", "v2.0.0-rc.1", "--to", "testing", "--json"]) == EXIT_OK
    record = json.loads(capsys.readouterr().out)
    assert (record["tag"], record["actor"]) == ("testing", "ci")

    assert mosaic(["tag", "next-rc", "2.0.0"]) == EXIT_OK
    assert capsys.readouterr().out == "v2.0.0-rc.2\n"

    assert mosaic(["retention", "apply", "--now", NOW.isoformat(), "--json"]) == EXIT_OK
    result = json.loads(capsys.readouterr().out)["result"]
    assert result["deleted_tags"] == ["sha-0000001"]


def test_tag_resolve_prints_digests_and_a_pinned_reference(
    settings: str,
    basic_registry_server: RegistryServer,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    with RegistryClient(
        basic_registry_server.url, username=HTPASSWD_USER, password=HTPASSWD_PASSWORD
    ) as client:
        rc = client.resolve(settings, "v2.0.0-rc.1")
        sha = client.resolve(settings, "sha-0000001")

    assert mosaic(["tag", "resolve", "v2.0.0-rc.1", "sha-0000001"]) == EXIT_OK
    assert capsys.readouterr().out == f"v2.0.0-rc.1 {rc}\nsha-0000001 {sha}\n"

    assert mosaic(["tag", "resolve", "v2.0.0-rc.1", "--pinned"]) == EXIT_OK
    pinned = capsys.readouterr().out.strip()
    assert pinned == f"{basic_registry_server.host}/{settings}@{rc}"

    # Credentials written into --registry are refused (#13): the command line lands in
    # the shell history and the process list. The message points to where they go.
    with_userinfo = basic_registry_server.url.replace(
        "http://", f"http://{HTPASSWD_USER}:{HTPASSWD_PASSWORD}@"
    )
    argv = ["tag", "resolve", "v2.0.0-rc.1", "--pinned", "--registry", with_userinfo]
    assert mosaic(argv) == EXIT_USAGE
    captured = capsys.readouterr()
    assert "MOSAIC_REGISTRY_PASSWORD" in captured.err
    assert HTPASSWD_PASSWORD not in captured.out + captured.err

    # In $MOSAIC_REGISTRY they still work, and never reach the printed reference.
    monkeypatch.setenv("MOSAIC_REGISTRY", with_userinfo)
    monkeypatch.delenv("MOSAIC_REGISTRY_USERNAME")
    monkeypatch.delenv("MOSAIC_REGISTRY_PASSWORD")
    assert mosaic(["tag", "resolve", "v2.0.0-rc.1", "--pinned"]) == EXIT_OK
    captured = capsys.readouterr()
    assert captured.out.strip() == pinned
    assert HTPASSWD_PASSWORD not in captured.out + captured.err

    assert mosaic(["tag", "resolve", "v2.0.0-rc.1", "v9.9.9", "--json"]) == EXIT_FAILURE
    error = json.loads(capsys.readouterr().out)["error"]
    assert error["type"] == "NotFoundError"
    assert "has no tag v9.9.9" in error["message"]


def test_password_file_and_a_wrong_password(
    settings: str,
    basic_registry_server: RegistryServer,
    monkeypatch: pytest.MonkeyPatch,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    monkeypatch.delenv("MOSAIC_REGISTRY_PASSWORD")
    password_file = tmp_path / "password"
    password_file.write_text(HTPASSWD_PASSWORD + "\n")
    assert mosaic(["tag", "next-rc", "2.0.0", "--password-file", str(password_file)]) == EXIT_OK
    assert capsys.readouterr().out == "v2.0.0-rc.2\n"

    password_file.write_text("wrong-password-3390\n")
    code = mosaic(["tag", "next-rc", "2.0.0", "--password-file", str(password_file), "--json"])
    captured = capsys.readouterr()
    assert code == EXIT_ERROR
    assert json.loads(captured.out)["error"]["type"] == "AuthenticationError"
    assert "wrong-password-3390" not in captured.out + captured.err
