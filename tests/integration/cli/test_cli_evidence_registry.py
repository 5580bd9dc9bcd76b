"""``mosaic validate --attach``, ``mosaic promote --require-evidence --attach`` and
``mosaic evidence show`` against Debian's docker-registry 2.8 and a local /health app."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from mosaic_sdk.cli import EXIT_FAILURE, EXIT_OK, EXIT_USAGE
from mosaic_sdk.registry import RegistryClient
from mosaic_sdk.testing import push_image
from tests._support.cli_helpers import CLI
from tests._support.metrics_app import MetricsApp
from tests._support.servers import RegistryServer

pytestmark = pytest.mark.integration


@pytest.fixture
def app() -> Iterator[MetricsApp]:
    with MetricsApp() as running:
        yield running


def test_validate_attach_then_promote_with_evidence_then_show(
    cli: CLI, registry_server: RegistryServer, repo: str, app: MetricsApp
) -> None:
    with RegistryClient(registry_server.url) as client:
        image = push_image(client, repo, "sha-1234567")
    pinned = f"{repo}@{image.digest}"
    where = ("--registry", registry_server.url, "--repository", repo)
    assert cli("promote", str(image.digest), "--to", "testing", *where).code == EXIT_OK

    refused = cli("promote", str(image.digest), "--to", "prod", "--require-evidence", *where)
    assert refused.code == EXIT_FAILURE
    assert "EvidenceMissingError" in refused.err or "validation report" in refused.err
    assert "--attach" in refused.err

    health = ("--health", f"http://{app.host}/health")
    validated = cli(
        "validate", pinned, *health, "--environment", "testing", "--attach",
        "--registry", registry_server.url,
    )  # fmt: skip
    assert validated.code == EXIT_OK, validated.err
    assert "attached validation report sha256:" in validated.err

    promoted = cli(
        "promote", str(image.digest), "--to", "prod", "--require-evidence", "--attach",
        *where, "--json",
    )  # fmt: skip
    assert promoted.code == EXIT_OK, promoted.err
    assert promoted.json()["digest_after"] == str(image.digest)
    assert "attached promotion record" in promoted.err

    shown = cli("evidence", "show", pinned, "--registry", registry_server.url)
    assert shown.code == EXIT_OK
    lines = shown.out.splitlines()
    assert lines[0] == f"{pinned}: 2 attached"
    assert lines[1].lstrip().startswith("validation report [testing] ")
    assert lines[2].lstrip().startswith("promotion record [prod] ")

    as_json = cli("evidence", "show", pinned, "--registry", registry_server.url, "--json")
    data = as_json.json()
    assert data["subject"] == str(image.digest)
    assert [i["kind"] for i in data["items"]] == ["validation report", "promotion record"]
    assert [i["verdict"] for i in data["items"]] == ["passed", None]
    assert all(i["created"] for i in data["items"])


def test_usage_errors(cli: CLI, app: MetricsApp) -> None:
    digest = "sha256:" + "5" * 64
    no_registry = cli(
        "validate", f"team/api@{digest}", "--health", f"http://{app.host}/health", "--attach"
    )
    assert no_registry.code == EXIT_USAGE
    assert "--registry" in no_registry.err
    unpinned = cli("evidence", "show", "team/api:v1", "--registry", "http://127.0.0.1:1")
    assert unpinned.code == EXIT_USAGE
    assert "pinned by digest" in unpinned.err
