"""Coolify models, status folding and the compose helpers (pure, no I/O)."""

from __future__ import annotations

import base64

import pytest
import yaml
from hypothesis import given
from hypothesis import strategies as st

from mosaic_sdk.errors import APIResponseValidationError, InvalidValueError
from mosaic_sdk.providers import TargetState
from mosaic_sdk.providers.coolify import (
    CoolifyApplication,
    CoolifyDeployment,
    CoolifyDeploymentStatus,
    CoolifyEnvVar,
    CoolifyService,
    DeployResult,
    ResourceStatus,
    decode_compose_raw,
    encode_compose_raw,
    parse_coolify_version,
    target_state_of,
    to_list_style_env,
)

# -- statuses -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "state", "health", "folded"),
    [
        ("running:healthy", "running", "healthy", TargetState.HEALTHY),
        ("running:unknown", "running", "unknown", TargetState.HEALTHY),
        ("running:unhealthy", "running", "unhealthy", TargetState.DEGRADED),
        ("degraded:unhealthy", "degraded", "unhealthy", TargetState.DEGRADED),
        ("running:healthy:excluded", "running", "healthy", TargetState.HEALTHY),
        ("starting:unknown", "starting", "unknown", TargetState.DEPLOYING),
        ("restarting:unknown", "restarting", "unknown", TargetState.DEPLOYING),
        ("paused:unknown", "paused", "unknown", TargetState.DEGRADED),
        ("exited", "exited", "", TargetState.FAILED),
        ("", "unknown", "", TargetState.UNKNOWN),
        (None, "unknown", "", TargetState.UNKNOWN),
    ],
)
def test_status_strings(raw: str | None, state: str, health: str, folded: TargetState) -> None:
    status = ResourceStatus.parse(raw)
    assert (status.state, status.health) == (state, health)
    assert target_state_of(status) is folded


# -- models ---------------------------------------------------------------------------------


def test_application_tolerates_extra_and_missing_optional_fields() -> None:
    app = CoolifyApplication.from_api(
        {"uuid": "a1", "brand_new_field": {"x": 1}, "status": "running:healthy"}
    )
    assert app.uuid == "a1"
    assert app.name == ""
    assert app.fqdn is None
    assert app.image is None


def test_application_image_from_the_digest_fields() -> None:
    app = CoolifyApplication.from_api(
        {
            "uuid": "a1",
            "docker_registry_image_name": "ghcr.io/acme/web@sha256",
            "docker_registry_image_tag": "e" * 64,
        }
    )
    assert str(app.image) == "ghcr.io/acme/web@sha256:" + "e" * 64


@pytest.mark.parametrize(
    ("data", "match"),
    [
        ({}, "'uuid' is missing"),
        ({"uuid": ""}, "'uuid' should be a non-empty string"),
        ({"uuid": "a", "environment_id": "x"}, "'environment_id' should be int"),
        ({"uuid": "a", "created_at": "yesterday"}, "'created_at' is not an ISO 8601"),
    ],
)
def test_application_required_and_typed_fields(data: dict[str, object], match: str) -> None:
    with pytest.raises(APIResponseValidationError, match=match):
        CoolifyApplication.from_api(data)


def test_laravel_timestamps_and_bool_ints_are_read() -> None:
    dep = CoolifyDeployment.from_api(
        {
            "deployment_uuid": "d1",
            "status": "in_progress",
            "created_at": "2026-08-22 10:00:00",
            "is_api": 1,
        }
    )
    assert dep.created_at is not None
    assert dep.created_at.tzinfo is not None
    assert dep.is_api is True
    assert not dep.is_terminal


@pytest.mark.parametrize("status", ["queued", "in_progress"])
def test_running_statuses_are_not_terminal(status: str) -> None:
    assert not CoolifyDeploymentStatus(status).is_terminal


@pytest.mark.parametrize("status", ["finished", "failed", "cancelled-by-user"])
def test_final_statuses_are_terminal(status: str) -> None:
    assert CoolifyDeploymentStatus(status).is_terminal


def test_unknown_deployment_status_is_a_validation_error() -> None:
    with pytest.raises(APIResponseValidationError, match="'paused'"):
        CoolifyDeployment.from_api({"deployment_uuid": "d", "status": "paused"})


def test_env_var_value_is_kept_out_of_repr() -> None:
    env = CoolifyEnvVar.from_api({"key": "DB_PASSWORD", "value": "hunter2-secret"})
    assert env.value == "hunter2-secret"
    assert "hunter2-secret" not in repr(env)


def test_service_application_lookup() -> None:
    service = CoolifyService.from_api(
        {"uuid": "s", "applications": [{"uuid": "a", "name": "web", "fqdn": "https://w"}]}
    )
    assert service.application("web").fqdn == "https://w"
    with pytest.raises(InvalidValueError, match="web"):
        service.application("api")


def test_deploy_result_drops_the_ghost_uuid_of_a_skipped_duplicate() -> None:
    result = DeployResult.from_api(
        {
            "message": "Deployment already queued for this commit.",
            "resource_uuid": "a",
            "deployment_uuid": "never-stored",
        }
    )
    assert not result.queued
    assert result.deployment_uuid is None


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("4.3.10", (4, 3, 10, None)),
        ("v4.0.0-beta.461", (4, 0, 0, "beta.461")),
        ('"4.0.0-beta.420.6"\n', (4, 0, 0, "beta.420.6")),
        ("nightly", None),
    ],
)
def test_server_versions(text: str, expected: tuple[object, ...] | None) -> None:
    version = parse_coolify_version(text)
    if expected is None:
        assert version is None
    else:
        assert version is not None
        assert (version.major, version.minor, version.patch, version.prerelease) == expected


def test_beta_versions_sort_before_the_release() -> None:
    beta_old = parse_coolify_version("4.0.0-beta.460")
    beta_new = parse_coolify_version("4.0.0-beta.461")
    release = parse_coolify_version("4.0.0")
    assert beta_old is not None
    assert beta_new is not None
    assert release is not None
    assert beta_old < beta_new < release


# -- compose helpers -------------------------------------------------------------------------

MAP_STYLE = """\
services:
  app:
    image: ghcr.io/acme/app:v1.0.0
    environment:
      SERVICE_URL_APP_3000: ""
      SERVICE_FQDN_API: /api
      DEBUG: false
      WORKERS: 4
      FROM_HOST:
    ports:
      - "3000:3000"
  db:  # untouched: no magic variables
    image: postgres:16
    environment:
      POSTGRES_DB: app
"""


def test_to_list_style_env_rewrites_only_maps_with_magic_variables() -> None:
    out = yaml.safe_load(to_list_style_env(MAP_STYLE))
    assert out["services"]["app"]["environment"] == [
        "SERVICE_URL_APP_3000",
        "SERVICE_FQDN_API=/api",
        "DEBUG=false",
        "WORKERS=4",
        "FROM_HOST",
    ]
    assert out["services"]["db"]["environment"] == {"POSTGRES_DB": "app"}
    assert out["services"]["app"]["ports"] == ["3000:3000"]
    assert "# untouched" in to_list_style_env(MAP_STYLE)


def test_to_list_style_env_leaves_lists_and_plain_files_byte_identical() -> None:
    listed = "services:\n  app:\n    image: x\n    environment:\n      - SERVICE_URL_APP\n"
    assert to_list_style_env(listed) == listed
    plain = "services:\n  db:\n    image: postgres  # comment\n"
    assert to_list_style_env(plain) == plain


@pytest.mark.parametrize("bad", ["", "just: a mapping\n", "- a list\n", "services: [oops\n"])
def test_compose_helpers_refuse_non_compose_text(bad: str) -> None:
    with pytest.raises(InvalidValueError):
        to_list_style_env(bad)
    with pytest.raises(InvalidValueError):
        encode_compose_raw(bad)


def test_encode_is_canonical_base64_without_line_breaks() -> None:
    long = "services:\n" + "".join(f"  s{i}:\n    image: nginx:1.27\n" for i in range(100))
    encoded = encode_compose_raw(long)
    assert "\n" not in encoded
    assert base64.b64encode(base64.b64decode(encoded, validate=True)).decode() == encoded
    assert decode_compose_raw(encoded) == long
    assert decode_compose_raw(long) == long


@given(
    st.dictionaries(
        st.from_regex(r"[a-z][a-z0-9-]{0,8}", fullmatch=True),
        st.text(alphabet=st.characters(blacklist_categories=("Cs", "Cc")), max_size=20),
        min_size=1,
        max_size=4,
    )
)
def test_encode_decode_round_trip(services: dict[str, str]) -> None:
    text = yaml.safe_dump(
        {
            "services": {
                name: {"image": "nginx", "labels": {"note": note}}
                for name, note in services.items()
            }
        },
        allow_unicode=True,
    )
    assert decode_compose_raw(encode_compose_raw(text)) == text
