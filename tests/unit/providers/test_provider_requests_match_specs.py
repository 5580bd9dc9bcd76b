"""Every request the Portainer and Vercel clients can send matches the published spec.

Each public client method is called with every option that changes the request (query
parameters, body shapes), through :class:`tests._support.spec.SpecCheckingTransport`. A table
per client lists those calls, and a test checks the table covers every public method,
so a new method cannot skip the spec check.

Requests outside the stored specs are exempted by name, with the reason, in
``tests/_support/provider_specs.py`` (Portainer's Docker proxy, Vercel's instant rollback); the
tests assert exactly those were exempted.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import Callable
from typing import Any

import httpx
import pytest

from mosaic_sdk.providers.portainer import (
    AsyncPortainerClient,
    PortainerClient,
    PortainerWebhookClient,
)
from mosaic_sdk.providers.vercel import (
    AsyncVercelClient,
    GitSource,
    ReadyState,
    VercelClient,
    VercelEnvVar,
)
from tests._support.fake_http import FakeClock, mock_transport
from tests._support.fake_portainer import (
    API_KEY,
    COMPOSE,
    GIT_WEBHOOK_ID,
    WEBHOOK_ID,
    FakePortainer,
)
from tests._support.fake_vercel import DIGEST_A, PROJECT_ID, TEAM_ID, TOKEN, FakeVercel
from tests._support.provider_specs import Exempting

pytestmark = pytest.mark.spec

# -- Portainer ---------------------------------------------------------------------------

PortainerCall = Callable[[Any], Any]

PORTAINER_CALLS: dict[str, list[PortainerCall]] = {
    "list_endpoints": [lambda c: c.list_endpoints()],
    "list_stacks": [lambda c: c.list_stacks(), lambda c: c.list_stacks(endpoint_id=1)],
    "get_stack": [lambda c: c.get_stack(7)],
    "get_stack_file": [lambda c: c.get_stack_file(7)],
    "update_stack": [
        lambda c: c.update_stack(7, COMPOSE, env={"A": "1", "APP_MODE": None}),
        lambda c: c.update_stack(7, env={"B": "2"}, replace_env=True, prune=True, pull_image=True),
        lambda c: c.update_stack(9, COMPOSE, endpoint_id=1, detach_from_git=True),
    ],
    "redeploy_git": [
        lambda c: c.redeploy_git(9),
        lambda c: c.redeploy_git(
            9,
            endpoint_id=1,
            reference_name="refs/tags/v2",
            env={"T": "x"},
            replace_env=True,
            prune=True,
            pull_image=False,
            repository_username="bot",
            repository_password="pat-0123456789",
        ),
    ],
    "stack_containers": [
        lambda c: c.stack_containers(1, "shop"),
        lambda c: c.stack_containers(1, "shop", swarm=True),
    ],
    "image_repo_digests": [lambda c: c.image_repo_digests(1, "sha256:" + "c" * 64)],
    "swarm_tasks": [lambda c: c.swarm_tasks(1, "queue_web")],
    "create_stack": [
        lambda c: c.create_stack("api", COMPOSE, endpoint_id=1, env={"A": "1"}),
        lambda c: c.create_stack("jobs", COMPOSE, endpoint_id=1, swarm=True),
    ],
    "stop_stack": [lambda c: c.stop_stack(7)],
    "start_stack": [lambda c: c.start_stack(7, endpoint_id=1)],
}

PORTAINER_OPERATIONS = {
    "GET /endpoints",
    "GET /stacks",
    "GET /stacks/{id}",
    "GET /stacks/{id}/file",
    "PUT /stacks/{id}",
    "PUT /stacks/{id}/git/redeploy",
    "POST /stacks/create/standalone/string",
    "POST /stacks/create/swarm/string",
    "POST /stacks/{id}/start",
    "POST /stacks/{id}/stop",
}


def _public_methods(cls: type) -> set[str]:
    skip = {"close", "aclose", "from_env"}  # from_env sends nothing itself
    return {
        name
        for name in vars(cls)
        if not name.startswith("_") and callable(getattr(cls, name)) and name not in skip
    }


def test_portainer_table_covers_every_public_method() -> None:
    assert set(PORTAINER_CALLS) == _public_methods(PortainerClient)
    assert _public_methods(AsyncPortainerClient) == _public_methods(PortainerClient)


def test_webhook_request_matches_the_swagger() -> None:
    fake = FakePortainer()
    transport = Exempting("portainer", mock_transport(fake), require=True)
    PortainerWebhookClient(
        "https://portainer.example.com", transport=transport
    ).trigger_stack_webhook(GIT_WEBHOOK_ID)
    transport.assert_clean()
    assert transport.operations == {"POST /stacks/webhooks/{webhookID}"}


def test_the_webhook_body_with_an_existing_webhook_matches_the_swagger() -> None:
    fake = FakePortainer(generation="2.36")
    fake.stacks[7]["AutoUpdate"] = {"Webhook": WEBHOOK_ID}
    transport = Exempting("portainer", mock_transport(fake), require=True)
    client = PortainerClient("https://portainer.example.com", api_key=API_KEY, transport=transport)
    client.update_stack(7, env={"A": "1"})
    transport.assert_clean()
    assert json.loads(transport.sent[-1].content)["webhook"] == WEBHOOK_ID


def _fresh_portainer_fixture_data(fake: FakePortainer) -> None:
    # image_repo_digests needs an image the fake knows: give the worker a known id.
    fake.containers[-1]["ImageID"] = "sha256:" + "c" * 64


def test_every_portainer_request_matches_the_swagger() -> None:
    fake = FakePortainer()
    _fresh_portainer_fixture_data(fake)
    transport = Exempting("portainer", mock_transport(fake), require=True)
    client = PortainerClient("https://portainer.example.com", api_key=API_KEY, transport=transport)
    for calls in PORTAINER_CALLS.values():
        for call in calls:
            fake.stacks[9]["GitConfig"] = fake.stacks[9]["GitConfig"] or {
                "URL": "https://github.com/acme/docs.git",
                "ReferenceName": "refs/heads/release",
                "Authentication": {"Username": "ci-bot"},
            }
            _fresh_portainer_fixture_data(fake)
            call(client)
    transport.assert_clean()
    assert transport.operations == PORTAINER_OPERATIONS
    assert transport.exempted == {"GET ^/api/endpoints/\\d+/docker/"}


def test_async_portainer_requests_match_the_swagger() -> None:
    fake = FakePortainer()
    transport = Exempting("portainer", mock_transport(fake), require=True)

    async def main() -> None:
        async with AsyncPortainerClient(
            "https://portainer.example.com",
            api_key=API_KEY,
            transport=transport,
        ) as client:
            await client.update_stack(7, env={"A": "1"})
            await client.redeploy_git(9)
            await client.list_stacks(endpoint_id=1)
            await client.stack_containers(1, "shop")

    asyncio.run(main())
    transport.assert_clean()
    assert "PUT /stacks/{id}" in transport.operations
    assert "PUT /stacks/{id}/git/redeploy" in transport.operations


def test_the_swagger_checker_would_catch_a_wrong_request() -> None:
    """The check is not vacuous: an undocumented body field is a violation."""
    from tests._support.spec import SpecViolation, check_request, require_spec

    require_spec("portainer")
    request = httpx.Request(
        "PUT",
        "https://portainer.example.com/api/stacks/7?endpointId=1",
        json={"stackFileContent": "x", "Env": []},
        headers={"X-API-Key": API_KEY},
    )
    with pytest.raises(SpecViolation, match="Env"):
        check_request("portainer", request)


# -- Vercel --------------------------------------------------------------------------------

VERCEL_CALLS: dict[str, list[Callable[[Any], Any]]] = {
    "create_deployment": [
        lambda c: c.create_deployment(
            "shop",
            project=PROJECT_ID,
            target="production",
            git_source=GitSource.github("acme", "shop", "main", "c" * 40),
            meta={"imageDigest": DIGEST_A},
            project_settings={"framework": "nextjs"},
            force_new=True,
        ),
        lambda c: c.create_deployment("shop", git_source=GitSource.github_repo_id(1, "main")),
        lambda c: c.create_deployment("shop", git_source=GitSource.gitlab(9, "main", "d" * 40)),
        lambda c: c.create_deployment("shop", git_source=GitSource.bitbucket("acme", "shop", "m")),
        lambda c: c.create_deployment("shop", files={"a.txt": "hi", "b.bin": b"\x00"}),
        lambda c: c.create_deployment("shop", redeploy_of="dpl_1", with_latest_commit=True),
    ],
    "get_deployment": [lambda c: c.get_deployment("dpl_0000000000000000000000000001")],
    "wait_for_deployment": [lambda c: c.wait_for_deployment("dpl_0000000000000000000000000001")],
    "list_deployments": [
        lambda c: c.list_deployments(),
        lambda c: c.list_deployments(
            PROJECT_ID,
            target="production",
            state=ReadyState.READY,
            limit=5,
            since=1,
            until=1_900_000_000_000,
            rollback_candidate=True,
            branch="main",
            sha="c" * 40,
        ),
    ],
    "promote": [lambda c: c.promote(PROJECT_ID, "dpl_0000000000000000000000000002")],
    "rollback": [
        lambda c: c.rollback(PROJECT_ID, "dpl_0000000000000000000000000001", description="bad")
    ],
    "assign_alias": [
        lambda c: c.assign_alias("dpl_0000000000000000000000000001", "shop.example.com"),
        lambda c: c.assign_alias(
            "dpl_0000000000000000000000000001", "www.example.com", redirect="shop.example.com"
        ),
    ],
    "list_aliases": [lambda c: c.list_aliases("dpl_0000000000000000000000000001")],
    "upsert_env": [
        lambda c: c.upsert_env("shop", VercelEnvVar("A", "1")),
        lambda c: c.upsert_env(
            PROJECT_ID,
            [
                VercelEnvVar("B", "2", target=("preview",), git_branch="feat", comment="x"),
                VercelEnvVar("C", "3", target=("production",)),
            ],
        ),
    ],
    "list_env": [lambda c: c.list_env("shop")],
    "get_project": [lambda c: c.get_project(PROJECT_ID)],
    "build_events": [lambda c: c.build_events("dpl_0000000000000000000000000001", limit=5)],
    "cancel_deployment": [
        lambda c: c.cancel_deployment(c.create_deployment("shop", redeploy_of="dpl_1").id)
    ],
    "list_all_deployments": [
        lambda c: c.list_all_deployments(PROJECT_ID, target="production", limit=1)
    ],
    "wait_for_promotion": [
        lambda c: c.wait_for_promotion(PROJECT_ID, "dpl_0000000000000000000000000002")
    ],
    "list_promote_aliases": [
        lambda c: c.list_promote_aliases(PROJECT_ID),
        lambda c: c.list_promote_aliases(PROJECT_ID, failed_only=False),
    ],
    "get_rolling_release": [lambda c: c.get_rolling_release(PROJECT_ID)],
    "configure_rolling_release": [
        lambda c: c.configure_rolling_release(PROJECT_ID, [10, 50]),
        lambda c: c.configure_rolling_release(
            "shop", [5], advancement_type="automatic", duration=10
        ),
    ],
    "get_rolling_release_config": [lambda c: c.get_rolling_release_config(PROJECT_ID)],
    "disable_rolling_release": [lambda c: c.disable_rolling_release(PROJECT_ID)],
    "start_rolling_release": [
        lambda c: (
            c.configure_rolling_release(PROJECT_ID, [10, 50]),
            c.start_rolling_release(PROJECT_ID, "dpl_0000000000000000000000000002"),
        )
    ],
    "approve_rolling_release_stage": [
        lambda c: c.approve_rolling_release_stage(PROJECT_ID, "dpl_0000000000000000000000000002", 1)
    ],
    "complete_rolling_release": [
        lambda c: c.complete_rolling_release(PROJECT_ID, "dpl_0000000000000000000000000002")
    ],
    "issue_cert": [lambda c: c.issue_cert(["shop.example.com"])],
    "edit_env": [
        lambda c: c.edit_env(
            "shop",
            c.list_env("shop")[0].id,
            key="A2",
            value="v",
            target=("preview",),
            git_branch="feat",
            comment="c",
        )
    ],
    "delete_env": [lambda c: c.delete_env("shop", c.list_env("shop")[0].id)],
}

VERCEL_OPERATIONS = {
    "POST /v13/deployments",
    "GET /v13/deployments/{idOrUrl}",
    "GET /v6/deployments",
    "POST /v10/projects/{projectId}/promote/{deploymentId}",
    "POST /v2/deployments/{id}/aliases",
    "GET /v2/deployments/{id}/aliases",
    "POST /v10/projects/{idOrName}/env",
    "GET /v10/projects/{idOrName}/env",
    "GET /v9/projects/{idOrName}",
    "GET /v3/deployments/{idOrUrl}/events",
    "PATCH /v12/deployments/{id}/cancel",
    "GET /v1/projects/{projectId}/promote/aliases",
    "GET /v1/projects/{idOrName}/rolling-release",
    "POST /v1/projects/{idOrName}/rolling-release/approve-stage",
    "POST /v1/projects/{idOrName}/rolling-release/complete",
    "GET /v1/projects/{idOrName}/rolling-release/config",
    "DELETE /v1/projects/{idOrName}/rolling-release/config",
    "POST /v8/certs",
    "PATCH /v9/projects/{idOrName}/env/{id}",
    "DELETE /v9/projects/{idOrName}/env/{id}",
}


def test_vercel_table_covers_every_public_method() -> None:
    assert set(VERCEL_CALLS) == _public_methods(VercelClient)
    assert _public_methods(AsyncVercelClient) == _public_methods(VercelClient)


def test_every_vercel_request_matches_the_openapi_spec() -> None:
    fake = FakeVercel()
    transport = Exempting("vercel", mock_transport(fake), require=True)
    clock = FakeClock()
    client = VercelClient(
        TOKEN,
        team_id=TEAM_ID,
        transport=transport,
        sleep=clock.sleep,
        clock=clock,
    )
    for calls in VERCEL_CALLS.values():
        for call in calls:
            call(client)
    transport.assert_clean()
    assert transport.operations == VERCEL_OPERATIONS
    assert transport.exempted == {
        "POST ^/v1/projects/[^/]+/rollback/[^/]+$",
        "PATCH ^/v1/projects/[^/]+/rolling-release/config$",
        "POST ^/v1/projects/[^/]+/rolling-release/start$",
    }


def test_async_vercel_requests_match_the_openapi_spec() -> None:
    fake = FakeVercel()
    transport = Exempting("vercel", mock_transport(fake), require=True)

    async def main() -> None:
        async with AsyncVercelClient(TOKEN, team_id=TEAM_ID, transport=transport) as client:
            await client.create_deployment("shop", redeploy_of="dpl_1", meta={"k": "v"})
            await client.list_deployments(PROJECT_ID, state="ready")
            await client.upsert_env("shop", [VercelEnvVar("A", "1"), VercelEnvVar("B", "2")])

    asyncio.run(main())
    transport.assert_clean()
    assert transport.operations == {
        "POST /v13/deployments",
        "GET /v6/deployments",
        "POST /v10/projects/{idOrName}/env",
    }


def test_the_openapi_checker_would_catch_a_wrong_request() -> None:
    from tests._support.spec import SpecViolation, check_request, require_spec

    require_spec("vercel")
    request = httpx.Request(
        "POST",
        f"https://api.vercel.com/v13/deployments?teamId={TEAM_ID}",
        json={"name": "shop", "image": "ghcr.io/acme/web"},
        headers={"Authorization": f"Bearer {TOKEN}"},
    )
    with pytest.raises(SpecViolation, match="image"):
        check_request("vercel", request)
