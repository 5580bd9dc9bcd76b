"""The request-vs-spec checker itself (tests/_support/spec.py): it must catch what it claims to.

Provider tests rely on it; if it accepted everything, they would all pass vacuously.
"""

from __future__ import annotations

from pathlib import Path

import httpx
import pytest

from tests._support.spec import (
    SpecViolation,
    _compile_template,
    _match_template,
    _order,
    _x_nullable,
    check_request,
    require_spec,
    spec_available,
)

COOLIFY = "https://coolify.example.com/api/v1"
PORTAINER = "https://portainer.example.com/api"
AUTH = {"Authorization": "Bearer 1|x", "X-API-Key": "ptr_x"}


def test_literal_segments_win_over_templates() -> None:
    templates = _order(["/services/{uuid}/envs/{env_uuid}", "/services/{uuid}/envs/bulk"])
    found = _match_template(templates, "/services/abc/envs/bulk")
    assert found == ("/services/{uuid}/envs/bulk", {"uuid": "abc"})
    assert _match_template(templates, "/services/abc/envs/e1") == (
        "/services/{uuid}/envs/{env_uuid}",
        {"uuid": "abc", "env_uuid": "e1"},
    )
    assert _match_template(templates, "/services/abc") is None


def test_template_parameters_do_not_cross_slashes() -> None:
    compiled = _compile_template("/deployments/{uuid}")
    assert compiled.regex.match("/deployments/a")
    assert not compiled.regex.match("/deployments/a/b")


def test_x_nullable_accepts_null() -> None:
    schema = _x_nullable(
        {"type": "object", "properties": {"a": {"type": "string", "x-nullable": True}}}
    )
    assert schema["properties"]["a"]["type"] == ["string", "null"]


@pytest.mark.parametrize(
    ("request_", "match"),
    [
        (httpx.Request("GET", f"{COOLIFY}/nothing-here", headers=AUTH), "no path"),
        (httpx.Request("GET", "https://coolify.example.com/v2/projects", headers=AUTH), "outside"),
        (httpx.Request("DELETE", f"{COOLIFY}/projects", headers=AUTH), "DELETE is not documented"),
        (
            httpx.Request("POST", f"{COOLIFY}/services", headers=AUTH, json={"name": "x"}),
            "required",
        ),
    ],
)
def test_openapi3_violations(request_: httpx.Request, match: str) -> None:
    with pytest.raises(SpecViolation, match=match):
        check_request("coolify", request_)


@pytest.mark.parametrize(
    ("request_", "match"),
    [
        (httpx.Request("GET", f"{PORTAINER}/stacks"), "security"),
        (httpx.Request("GET", f"{PORTAINER}/stacks/x", headers=AUTH), "not an integer"),
        (
            httpx.Request(
                "PUT",
                f"{PORTAINER}/stacks/1?endpointId=1",
                headers={**AUTH, "Content-Type": "text/plain"},
                content=b"{}",
            ),
            "consumes",
        ),
        (
            httpx.Request(
                "PUT", f"{PORTAINER}/stacks/1?endpointId=1", headers=AUTH, json={"prune": "yes"}
            ),
            "is not of type 'boolean'",
        ),
        (httpx.Request("GET", f"{PORTAINER}/stacks?bogus=1", headers=AUTH), "undocumented query"),
    ],
)
def test_swagger2_violations(request_: httpx.Request, match: str) -> None:
    with pytest.raises(SpecViolation, match=match):
        check_request("portainer", request_)


def test_a_good_swagger2_request_passes() -> None:
    checked = check_request(
        "portainer",
        httpx.Request(
            "PUT",
            f"{PORTAINER}/stacks/7?endpointId=1",
            headers=AUTH,
            json={"stackFileContent": "services: {}", "prune": True, "pullImage": True},
        ),
    )
    assert checked.operation == "PUT /stacks/{id}"


def test_missing_specs_skip_with_a_reason(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("MOSAIC_SPECS_DIR", str(tmp_path))
    monkeypatch.delenv("MOSAIC_REQUIRE_SERVERS", raising=False)
    assert not spec_available("coolify")
    with pytest.raises(pytest.skip.Exception, match="coolify spec not found"):
        require_spec("coolify")


def test_missing_specs_fail_when_servers_are_required(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv("MOSAIC_SPECS_DIR", str(tmp_path))
    monkeypatch.setenv("MOSAIC_REQUIRE_SERVERS", "1")
    with pytest.raises(pytest.fail.Exception, match="MOSAIC_REQUIRE_SERVERS=1"):
        require_spec("vercel")
