"""Vercel models: both deployment shapes, env inputs, git sources, protection bypass."""

from __future__ import annotations

from datetime import datetime, timezone

import pytest

from mosaic_sdk.errors import APIResponseValidationError, InvalidValueError
from mosaic_sdk.observability import redact_text
from mosaic_sdk.providers.vercel import (
    PROTECTION_BYPASS_HEADER,
    DeploymentPage,
    EnvType,
    GitSource,
    ProtectionBypass,
    ReadyState,
    VercelDeployment,
    VercelEnvVar,
    VercelProject,
)


def test_single_deployment_shape() -> None:
    deployment = VercelDeployment.from_api(
        {
            "id": "dpl_1",
            "url": "app-abc.vercel.app",
            "name": "app",
            "readyState": "READY",
            "readySubstate": "PROMOTED",
            "target": "production",
            "createdAt": 1540095775951,
            "meta": {"imageDigest": "sha256:" + "a" * 64, "n": 5},
            "alias": ["app.example.com"],
            "aliasAssigned": 1540095775951,
        }
    )
    assert deployment.ready_state is ReadyState.READY
    assert deployment.ready_state.is_terminal
    assert deployment.created_at == datetime(2018, 10, 21, 4, 22, 55, 951000, tzinfo=timezone.utc)
    assert deployment.meta["n"] == "5"
    assert deployment.aliases == ("app.example.com",)
    assert deployment.alias_assigned
    assert deployment.https_url == "https://app-abc.vercel.app"


def test_list_item_shape() -> None:
    deployment = VercelDeployment.from_api(
        {"uid": "dpl_2", "url": "x.vercel.app", "created": 1, "state": "BUILDING"}
    )
    assert deployment.id == "dpl_2"
    assert deployment.ready_state is ReadyState.BUILDING
    assert not deployment.ready_state.is_terminal
    assert deployment.target is None


@pytest.mark.parametrize(
    ("word", "member", "failure"),
    [
        ("QUEUED", ReadyState.QUEUED, False),
        ("INITIALIZING", ReadyState.INITIALIZING, False),
        ("ERROR", ReadyState.ERROR, True),
        ("CANCELED", ReadyState.CANCELED, True),
        ("canceled", ReadyState.CANCELED, True),
        ("SOMETHING_NEW", ReadyState.UNKNOWN, False),
    ],
)
def test_ready_states(word: str, member: ReadyState, failure: bool) -> None:
    assert ReadyState.from_api(word) is member
    assert member.is_failure is failure


@pytest.mark.parametrize("raw", [{"id": "dpl_1"}, {"url": "x"}, [], None])
def test_malformed_deployment(raw: object) -> None:
    with pytest.raises(APIResponseValidationError):
        VercelDeployment.from_api(raw)


def test_page_and_project() -> None:
    page = DeploymentPage.from_api(
        {
            "deployments": [{"uid": "dpl_1", "url": "a.vercel.app"}],
            "pagination": {"count": 1, "next": 1540095775941, "prev": None},
        }
    )
    assert page.next_until == 1540095775941
    assert (
        DeploymentPage.from_api({"deployments": [], "pagination": {"next": None}}).next_until
        is None
    )
    project = VercelProject.from_api(
        {"id": "prj_1", "name": "shop", "targets": {"production": None}}
    )
    assert project.production is None


def test_env_var_validation_and_body() -> None:
    var = VercelEnvVar(
        "API_URL", "https://api.example.com", target=("production",), type=EnvType.PLAIN
    )
    assert var.to_api() == {
        "key": "API_URL",
        "value": "https://api.example.com",
        "type": "plain",
        "target": ["production"],
    }
    secret = VercelEnvVar("TOKEN", "s3cret-value-42", git_branch="main", comment="ci")
    assert "s3cret-value-42" not in repr(secret)
    assert redact_text("value=s3cret-value-42 ok") == "value=*** ok"
    assert secret.to_api()["gitBranch"] == "main"
    with pytest.raises(InvalidValueError, match="subset"):
        VercelEnvVar("A", "b", target=("prod",))
    with pytest.raises(InvalidValueError, match="not a valid environment variable name"):
        VercelEnvVar("A=B", "c")


def test_git_sources() -> None:
    assert GitSource.github("acme", "shop", "main", "a" * 40).to_api() == {
        "type": "github",
        "org": "acme",
        "repo": "shop",
        "ref": "main",
        "sha": "a" * 40,
    }
    assert GitSource.github_repo_id(123, "main").to_api() == {
        "type": "github",
        "repoId": 123,
        "ref": "main",
    }
    assert GitSource.gitlab(9, "main").to_api()["projectId"] == 9
    assert GitSource.bitbucket("acme", "shop", "main").to_api()["slug"] == "shop"
    with pytest.raises(InvalidValueError, match="ref is empty"):
        GitSource.github("acme", "shop", "")


def test_protection_bypass_headers_and_redaction() -> None:
    bypass = ProtectionBypass("bypass-secret-0123456789abcdef")
    assert bypass.headers() == {PROTECTION_BYPASS_HEADER: "bypass-secret-0123456789abcdef"}
    assert bypass.headers(set_cookie=True)["x-vercel-set-bypass-cookie"] == "true"
    assert "bypass-secret" not in repr(bypass)
    assert "bypass-secret" not in redact_text("probe with bypass-secret-0123456789abcdef")
    with pytest.raises(InvalidValueError, match="Protection Bypass"):
        ProtectionBypass(" ")
