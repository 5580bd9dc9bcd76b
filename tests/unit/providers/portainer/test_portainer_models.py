"""Portainer models read CE's Go names, EE's camelCase and Docker's capitalised fields."""

from __future__ import annotations

from datetime import datetime, timezone

import pytest

from mosaic_sdk.errors import APIResponseValidationError
from mosaic_sdk.providers.portainer import (
    ContainerHealth,
    ContainerState,
    PortainerContainer,
    PortainerEndpoint,
    PortainerStack,
    StackEnvVar,
    StackStatus,
    StackType,
)
from mosaic_sdk.values import Digest

CE_STACK = {
    "Id": 7,
    "Name": "shop",
    "Type": 2,
    "EndpointId": 1,
    "SwarmId": "",
    "EntryPoint": "docker-compose.yml",
    "Env": [{"name": "A", "value": "1"}],
    "Status": 1,
    "GitConfig": {
        "URL": "https://github.com/acme/shop.git",
        "ReferenceName": "refs/heads/main",
        "ConfigFilePath": "docker-compose.yml",
        "ConfigHash": "abc123",
        "Authentication": {"Username": "bot", "Password": ""},
    },
    "CreationDate": 1587399600,
    "UpdateDate": 1587399700,
    "UpdatedBy": "bob",
}

# The EE 2.31.2 swagger spells the untagged fields in camelCase.
EE_STACK = {
    "Id": 7,
    "Name": "shop",
    "Type": 2,
    "EndpointId": 1,
    "Env": [{"name": "A", "value": "1"}],
    "Status": 1,
    "gitConfig": {
        "url": "https://github.com/acme/shop.git",
        "referenceName": "refs/heads/main",
        "configFilePath": "docker-compose.yml",
        "configHash": "abc123",
        "authentication": {"username": "bot", "gitCredentialID": 3},
    },
    "creationDate": 1587399600,
    "updateDate": 1587399700,
    "updatedBy": "bob",
}

LOWER_STACK = {k.lower(): v for k, v in CE_STACK.items()}


@pytest.mark.parametrize("raw", [CE_STACK, EE_STACK, LOWER_STACK], ids=["ce", "ee", "lower"])
def test_stack_parses_every_casing(raw: dict[str, object]) -> None:
    stack = PortainerStack.from_api(raw)
    assert stack.id == 7
    assert stack.name == "shop"
    assert stack.type is StackType.COMPOSE
    assert stack.status is StackStatus.ACTIVE
    assert stack.endpoint_id == 1
    assert stack.env == (StackEnvVar("A", "1"),)
    assert stack.is_git
    assert stack.git_config is not None
    assert stack.git_config.url == "https://github.com/acme/shop.git"
    assert stack.git_config.reference_name == "refs/heads/main"
    assert stack.git_config.authentication is not None
    assert stack.git_config.authentication.username == "bot"
    assert stack.created_at == datetime(2020, 4, 20, 16, 20, tzinfo=timezone.utc)
    assert stack.updated_by == "bob"


def test_stack_without_git_and_unknown_type() -> None:
    stack = PortainerStack.from_api({"Id": 3, "Name": "x", "Type": 9, "Status": 5, "Env": None})
    assert stack.type is StackType.UNKNOWN
    assert stack.status is StackStatus.UNKNOWN
    assert not stack.is_git
    assert stack.env == ()
    assert stack.created_at is None


@pytest.mark.parametrize(
    "raw",
    [{"Name": "no id"}, {"Id": "7", "Name": "x"}, {"Id": True, "Name": "x"}, [], "text"],
)
def test_malformed_stack_is_a_validation_error(raw: object) -> None:
    with pytest.raises(APIResponseValidationError):
        PortainerStack.from_api(raw)


def test_env_values_stay_out_of_reprs() -> None:
    stack = PortainerStack.from_api(
        {"Id": 1, "Name": "s", "Env": [{"name": "DB_PASSWORD", "value": "hunter2-xyz"}]}
    )
    assert "hunter2-xyz" not in repr(stack)
    assert stack.env_dict() == {"DB_PASSWORD": "hunter2-xyz"}


def test_endpoint_fields() -> None:
    endpoint = PortainerEndpoint.from_api(
        {"id": 2, "name": "edge", "type": 4, "status": 2, "url": "", "publicURL": "eu.example"}
    )
    assert (endpoint.id, endpoint.name, endpoint.public_url, endpoint.is_up) == (
        2,
        "edge",
        "eu.example",
        False,
    )


DIGEST = "sha256:" + "d" * 64


@pytest.mark.parametrize(
    ("status", "health_obj", "expected"),
    [
        ("Up 3 minutes (healthy)", None, ContainerHealth.HEALTHY),
        ("Up 3 minutes (unhealthy)", None, ContainerHealth.UNHEALTHY),
        ("Up 2 seconds (health: starting)", None, ContainerHealth.STARTING),
        ("Up 3 minutes", None, ContainerHealth.NONE),
        ("Up 3 minutes", {"Status": "unhealthy", "FailingStreak": 3}, ContainerHealth.UNHEALTHY),
        ("Exited (1) 2 minutes ago", None, ContainerHealth.NONE),
    ],
)
def test_container_health(
    status: str, health_obj: dict[str, object] | None, expected: ContainerHealth
) -> None:
    raw: dict[str, object] = {
        "Id": "c1",
        "Names": ["/shop-web-1"],
        "Image": f"ghcr.io/acme/web@{DIGEST}",
        "State": "running",
        "Status": status,
    }
    if health_obj is not None:
        raw["Health"] = health_obj
    assert PortainerContainer.from_api(raw).health is expected


def test_container_fields_docker_casing() -> None:
    container = PortainerContainer.from_api(
        {
            "Id": "abc",
            "Names": ["/shop-web-1"],
            "Image": f"ghcr.io/acme/web:v1.2.3@{DIGEST}",
            "ImageID": "sha256:" + "e" * 64,
            "ImageManifestDescriptor": {
                "mediaType": "application/vnd.oci.image.manifest.v1+json",
                "digest": "sha256:" + "f" * 64,
                "size": 1234,
            },
            "Created": 1718000000,
            "State": "running",
            "Status": "Up 1 minute (healthy)",
            "Labels": {
                "com.docker.compose.project": "shop",
                "com.docker.compose.service": "web",
                "org.opencontainers.image.version": "1.2.3",
            },
        }
    )
    assert container.names == ("shop-web-1",)
    assert container.image_digest == Digest.parse(DIGEST)
    assert container.manifest_digest == Digest.parse("sha256:" + "f" * 64)
    assert container.service == "web"
    assert container.version == "1.2.3"
    assert container.state is ContainerState.RUNNING
    assert container.is_healthy


def test_container_lowercase_and_tag_only_image() -> None:
    container = PortainerContainer.from_api(
        {"id": "abc", "names": ["/x"], "image": "nginx:1.27", "state": "exited", "labels": None}
    )
    assert container.image_digest is None
    assert container.state is ContainerState.EXITED
    assert not container.is_running
    assert container.service == ""
    assert container.version is None


def test_container_unknown_state() -> None:
    container = PortainerContainer.from_api({"Id": "a", "State": "hibernating"})
    assert container.state is ContainerState.UNKNOWN
