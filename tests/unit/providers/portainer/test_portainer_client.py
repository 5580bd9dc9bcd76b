"""PortainerClient and AsyncPortainerClient against the in-process fake (MockTransport).

Every test runs twice, once per twin: the ``portainer`` fixture hides the ``await``.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import Callable
from typing import Any

import httpx
import pytest

from mosaic_sdk.errors import (
    AuthenticationError,
    ConfigurationError,
    InvalidValueError,
    NotFoundError,
    ServerError,
    UnsupportedOperationError,
)
from mosaic_sdk.providers.portainer import (
    AsyncPortainerClient,
    ContainerHealth,
    PortainerClient,
    StackEnvVar,
    merge_env,
)
from tests._support.fake_http import FakeRequest, mock_transport
from tests._support.fake_portainer import API_KEY, COMPOSE, FakePortainer

URL = "https://portainer.example.com:9443"


class Twin:
    """Calls the sync client directly, or the async one through ``asyncio.run``."""

    def __init__(self, mode: str, transport: httpx.MockTransport, **kwargs: Any) -> None:
        self.mode = mode
        cls = PortainerClient if mode == "sync" else AsyncPortainerClient
        self.client: Any = cls(URL, api_key=API_KEY, transport=transport, **kwargs)

    def __getattr__(self, name: str) -> Callable[..., Any]:
        method = getattr(self.client, name)
        if self.mode == "sync":
            return method  # type: ignore[no-any-return]
        return lambda *a, **k: asyncio.run(method(*a, **k))


@pytest.fixture
def fake() -> FakePortainer:
    return FakePortainer()


@pytest.fixture(params=["sync", "async"])
def portainer(request: pytest.FixtureRequest, fake: FakePortainer) -> Twin:
    return Twin(request.param, mock_transport(fake))


def _sent(fake: FakePortainer, method: str, path_end: str) -> list[FakeRequest]:
    return [r for r in fake.requests if r.method == method and r.path.endswith(path_end)]


# -- construction ------------------------------------------------------------------------


def test_api_key_header_and_api_base(portainer: Twin, fake: FakePortainer) -> None:
    portainer.list_endpoints()
    request = fake.requests[-1]
    assert request.path == "/api/endpoints"
    assert request.headers["x-api-key"] == API_KEY
    assert request.headers["accept"] == "application/json"
    assert request.arg("excludeSnapshots") == "true"


@pytest.mark.parametrize(
    ("given", "expected"),
    [
        ("https://p.example.com", "https://p.example.com/api"),
        ("https://p.example.com/api/", "https://p.example.com/api"),
        ("https://p.example.com/portainer", "https://p.example.com/portainer/api"),
    ],
)
def test_base_url_gets_api_once(given: str, expected: str) -> None:
    client = PortainerClient(given, api_key=API_KEY)
    assert client.base_url == expected
    client.close()


def test_configuration_errors_and_repr() -> None:
    with pytest.raises(InvalidValueError, match="empty"):
        PortainerClient(URL, api_key="  ")
    with pytest.raises(ConfigurationError, match="scheme"):
        PortainerClient("portainer.example.com", api_key=API_KEY)
    for url in ("https://[::1", "https://host:port", "https://por tainer.example.com"):
        with pytest.raises(ConfigurationError, match="Portainer base URL"):
            PortainerClient(url, api_key=API_KEY)
    with pytest.raises(InvalidValueError, match="white") as info:
        PortainerClient(URL, api_key="ptr_abc def")
    assert API_KEY not in str(info.value)
    client = PortainerClient(URL, api_key=API_KEY)
    assert API_KEY not in repr(client)
    client.close()


def test_wrong_key_is_an_authentication_error(fake: FakePortainer) -> None:
    client = PortainerClient(URL, api_key="ptr_wrong-key-123456", transport=mock_transport(fake))
    with pytest.raises(AuthenticationError, match="Unauthorized"):
        client.get_stack(7)


# -- reading -------------------------------------------------------------------------------


def test_list_endpoints(portainer: Twin) -> None:
    endpoints = portainer.list_endpoints()
    assert [(e.id, e.name, e.is_up) for e in endpoints] == [
        (1, "local", True),
        (2, "edge-eu", False),
    ]


def test_list_stacks_filters_by_environment(portainer: Twin, fake: FakePortainer) -> None:
    assert {s.name for s in portainer.list_stacks()} == {"shop", "docs", "queue"}
    assert [s.id for s in portainer.list_stacks(endpoint_id=1)] == [7, 9, 11]
    assert json.loads(fake.requests[-1].arg("filters") or "") == {"EndpointID": 1}
    assert portainer.list_stacks(endpoint_id=2) == []


def test_list_stacks_tolerates_204() -> None:
    transport = httpx.MockTransport(lambda request: httpx.Response(204))
    client = PortainerClient(URL, api_key=API_KEY, transport=transport)
    assert client.list_stacks() == []


def test_get_stack_and_file(portainer: Twin) -> None:
    stack = portainer.get_stack(7)
    assert (stack.id, stack.name, stack.endpoint_id) == (7, "shop", 1)
    assert stack.env_dict()["APP_MODE"] == "production"
    assert portainer.get_stack_file(7) == COMPOSE


def test_missing_stack_is_not_found_with_portainer_message(portainer: Twin) -> None:
    with pytest.raises(NotFoundError, match="Unable to find a stack"):
        portainer.get_stack(404)


@pytest.mark.parametrize("bad", [0, -1, "7", True, None])
def test_bad_stack_ids_fail_before_io(portainer: Twin, fake: FakePortainer, bad: object) -> None:
    with pytest.raises(InvalidValueError, match="stack id"):
        portainer.get_stack(bad)
    assert fake.requests == []


# -- updating: the environment is replaced by Portainer, so the client merges --------------


def test_update_merges_env_and_keeps_other_variables(portainer: Twin, fake: FakePortainer) -> None:
    new_file = COMPOSE.replace("worker:v1.0.0", "worker:v1.0.1")
    stack = portainer.update_stack(7, new_file, env={"APP_MODE": "staging", "NEW_FLAG": "on"})
    put = _sent(fake, "PUT", "/stacks/7")[-1]
    assert put.arg("endpointId") == "1"
    body = put.json()
    assert body == {
        "stackFileContent": new_file,
        "env": [
            {"name": "APP_MODE", "value": "staging"},
            {"name": "DB_PASSWORD", "value": "hunter2-not-real"},
            {"name": "NEW_FLAG", "value": "on"},
        ],
        "pullImage": False,
    }
    assert "prune" not in body  # compose stack: prune is swarm-only, never sent unasked
    assert stack.env_dict() == {
        "APP_MODE": "staging",
        "DB_PASSWORD": "hunter2-not-real",
        "NEW_FLAG": "on",
    }
    assert fake.files[7] == new_file


def test_update_without_file_resends_the_current_file(portainer: Twin, fake: FakePortainer) -> None:
    portainer.update_stack(7, env={"DB_PASSWORD": None}, pull_image=True)
    body = _sent(fake, "PUT", "/stacks/7")[-1].json()
    assert body["stackFileContent"] == COMPOSE
    assert body["env"] == [{"name": "APP_MODE", "value": "production"}]
    assert body["pullImage"] is True


def test_update_without_env_keeps_every_variable(portainer: Twin, fake: FakePortainer) -> None:
    portainer.update_stack(7, COMPOSE)
    assert fake.stacks[7]["Env"] == [
        {"name": "APP_MODE", "value": "production"},
        {"name": "DB_PASSWORD", "value": "hunter2-not-real"},
    ]


def test_replace_env_sends_exactly_what_was_given(portainer: Twin, fake: FakePortainer) -> None:
    portainer.update_stack(7, COMPOSE, env={"ONLY": "1"}, replace_env=True, prune=True)
    body = _sent(fake, "PUT", "/stacks/7")[-1].json()
    assert body["env"] == [{"name": "ONLY", "value": "1"}]
    assert body["prune"] is True


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        ({"replace_env": True}, "complete environment"),
        ({"env": {"A": None}, "replace_env": True}, "remove"),
        ({"env": {"BAD=NAME": "x"}}, "not a valid environment variable name"),
        ({"env": {"A": 1}}, "must be a string"),
        ({"stack_file_content": "   "}, "empty"),
    ],
)
def test_update_rejects_bad_input_before_io(
    portainer: Twin, fake: FakePortainer, kwargs: dict[str, Any], match: str
) -> None:
    with pytest.raises(InvalidValueError, match=match):
        portainer.update_stack(7, **kwargs)
    assert fake.requests == []


def test_update_refuses_to_detach_a_git_stack(portainer: Twin, fake: FakePortainer) -> None:
    with pytest.raises(UnsupportedOperationError, match="redeploy_git") as info:
        portainer.update_stack(9, "services: {}\n")
    assert "detach" in str(info.value)
    assert _sent(fake, "PUT", "/stacks/9") == []
    portainer.update_stack(9, "services:\n  docs:\n    image: nginx:1.28\n", detach_from_git=True)
    assert fake.stacks[9]["GitConfig"] is None


def test_update_refuses_another_environment(portainer: Twin, fake: FakePortainer) -> None:
    with pytest.raises(InvalidValueError, match="re-home"):
        portainer.update_stack(7, COMPOSE, endpoint_id=2)
    assert _sent(fake, "PUT", "/stacks/7") == []


def test_failed_deploy_is_a_server_error_and_never_retried(
    portainer: Twin, fake: FakePortainer
) -> None:
    fake.fail_next_update = "failed to deploy a stack: pull access denied for ghcr.io/acme/web"
    with pytest.raises(ServerError, match="pull access denied"):
        portainer.update_stack(7, COMPOSE.replace("worker:v1.0.0", "worker:v9"))
    assert len(_sent(fake, "PUT", "/stacks/7")) == 1
    assert fake.files[7] == COMPOSE


def test_put_is_not_repeated_after_a_timeout() -> None:
    attempts: list[str] = []

    def handler(request: httpx.Request) -> httpx.Response:
        attempts.append(request.method)
        if request.method == "PUT":
            raise httpx.ReadTimeout("deploy still running", request=request)
        if request.url.path.endswith("/file"):
            return httpx.Response(200, json={"StackFileContent": COMPOSE})
        return httpx.Response(200, json={"Id": 7, "Name": "shop", "Type": 2, "EndpointId": 1})

    client = PortainerClient(URL, api_key=API_KEY, transport=httpx.MockTransport(handler))
    with pytest.raises(Exception, match="no answer within the timeout"):
        client.update_stack(7)
    assert attempts.count("PUT") == 1


# -- git redeploy ----------------------------------------------------------------------------


def test_redeploy_sends_the_current_reference_and_keeps_credentials(
    portainer: Twin, fake: FakePortainer
) -> None:
    stack = portainer.redeploy_git(9, env={"THEME": "light"})
    body = _sent(fake, "PUT", "/stacks/9/git/redeploy")[-1].json()
    assert body == {
        "repositoryReferenceName": "refs/heads/release",
        "env": [{"name": "THEME", "value": "light"}],
        "prune": False,
        "pullImage": True,
        "repositoryAuthentication": True,
        "repositoryUsername": "ci-bot",
    }
    assert stack.git_config is not None
    assert stack.git_config.reference_name == "refs/heads/release"


def test_redeploy_with_an_explicit_reference(portainer: Twin, fake: FakePortainer) -> None:
    stack = portainer.redeploy_git(9, reference_name="refs/tags/v2.0.0")
    assert stack.git_config is not None
    assert stack.git_config.reference_name == "refs/tags/v2.0.0"
    assert fake.stacks[9]["Env"] == [{"name": "THEME", "value": "dark"}]


def test_redeploy_with_new_credentials(portainer: Twin, fake: FakePortainer) -> None:
    portainer.redeploy_git(9, repository_username="bot2", repository_password="pat-0123456789")
    body = _sent(fake, "PUT", "/stacks/9/git/redeploy")[-1].json()
    assert body["repositoryUsername"] == "bot2"
    assert body["repositoryPassword"] == "pat-0123456789"


def test_redeploy_refuses_a_file_stack(portainer: Twin, fake: FakePortainer) -> None:
    with pytest.raises(UnsupportedOperationError, match="update_stack"):
        portainer.redeploy_git(7)
    assert _sent(fake, "PUT", "/git/redeploy") == []


# -- containers through the Docker proxy --------------------------------------------------------


def test_stack_containers_filters_by_compose_project(portainer: Twin, fake: FakePortainer) -> None:
    containers = portainer.stack_containers(1, "shop")
    request = fake.requests[-1]
    assert request.path == "/api/endpoints/1/docker/containers/json"
    assert request.arg("all") == "1"
    assert json.loads(request.arg("filters") or "") == {
        "label": ["com.docker.compose.project=shop"]
    }
    assert sorted(c.service for c in containers) == ["web", "worker"]
    assert all(c.health is ContainerHealth.HEALTHY for c in containers)


def test_swarm_stacks_use_the_namespace_label(portainer: Twin, fake: FakePortainer) -> None:
    portainer.stack_containers(1, "shop", swarm=True)
    assert json.loads(fake.requests[-1].arg("filters") or "") == {
        "label": ["com.docker.stack.namespace=shop"]
    }


def test_image_repo_digests(portainer: Twin, fake: FakePortainer) -> None:
    worker = next(c for c in portainer.stack_containers(1, "shop") if c.service == "worker")
    digests = portainer.image_repo_digests(1, worker.image_id)
    assert digests == ["ghcr.io/acme/worker@sha256:" + "b" * 64]
    assert (
        fake.requests[-1].path
        == f"/api/endpoints/1/docker/images/{worker.image_id.replace(':', '%3A')}/json"
    )


def test_merge_env_semantics() -> None:
    current = (StackEnvVar("A", "1"), StackEnvVar("B", "2"), StackEnvVar("A", "dup"))
    merged = merge_env(current, {"B": None, "C": "3", "A": "10"})
    assert merged == [StackEnvVar("A", "10"), StackEnvVar("C", "3")]
    assert merge_env(current, None) == [StackEnvVar("A", "1"), StackEnvVar("B", "2")]
