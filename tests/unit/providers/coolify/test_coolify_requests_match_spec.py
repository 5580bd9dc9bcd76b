"""Every request the Coolify client can send matches ``coolify-openapi.yaml``.

Each public method of :class:`CoolifyClient` is called with every option that changes
the request (query parameters, body shapes, version-dependent endpoints) through the
strict :class:`tests._support.spec.SpecCheckingTransport`. A test checks that the table covers
every public method, so a new method cannot skip the check. No exemptions are needed:
every endpoint the client uses is in the published spec (checked against
``POST /deploy``, which the spec documents; the older ``GET /deploy`` form is not used).
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import Any

import httpx
import pytest

from mosaic_sdk.providers.coolify import AsyncCoolifyClient, CoolifyClient, EnvVarInput
from mosaic_sdk.values import ImageReference
from tests._support.coolify_fake import TOKEN, FakeCoolify
from tests._support.spec import (
    AsyncSpecCheckingTransport,
    SpecCheckingTransport,
    SpecViolation,
    check_request,
)

pytestmark = pytest.mark.spec

BASE = "https://coolify.example.com"
APP = "app0000000000000000000001"
GIT_COMPOSE_APP = "cmp0000000000000000000001"
BUILT_APP = "bld0000000000000000000001"
SERVICE = "svc0000000000000000000001"
IMAGE = ImageReference.parse("ghcr.io/acme/web@sha256:" + "d" * 64)
COMPOSE = "services:\n  web:\n    image: nginx:1.27\n    environment:\n      SERVICE_URL_WEB: ''\n"

CALLS: dict[str, list[Callable[[Any], Any]]] = {
    "from_env": [],  # a constructor: sends nothing
    "version": [lambda c: c.version()],
    "list_projects": [lambda c: c.list_projects()],
    "get_environment": [lambda c: c.get_environment("proj0000000000000000001", "production")],
    "list_applications": [lambda c: c.list_applications(), lambda c: c.list_applications("web")],
    "get_application": [lambda c: c.get_application(APP)],
    "application_status": [lambda c: c.application_status(APP)],
    "list_services": [lambda c: c.list_services()],
    "get_service": [lambda c: c.get_service(SERVICE)],
    "service_status": [lambda c: c.service_status(SERVICE)],
    "get_service_compose": [lambda c: c.get_service_compose(SERVICE)],
    "list_service_applications": [lambda c: c.list_service_applications(SERVICE)],
    "list_envs": [
        lambda c: c.list_envs(APP),
        lambda c: c.list_envs(SERVICE, resource="services"),
    ],
    "set_env": [
        lambda c: c.set_env(APP, "MODE", "blue"),
        lambda c: c.set_env(
            APP,
            "CERT",
            "x",
            is_preview=True,
            is_literal=True,
            is_multiline=True,
            is_shown_once=True,
        ),
    ],
    "upsert_envs": [
        lambda c: c.upsert_envs(APP, {"A": "1", "B": "2"}),
        lambda c: c.upsert_envs(SERVICE, [EnvVarInput("A", "1")], resource="services"),
    ],
    "deploy": [
        lambda c: c.deploy(APP),
        lambda c: c.deploy([APP, SERVICE], force=True),
        lambda c: c.deploy(tag="web"),
    ],
    "get_deployment": [lambda c: c.get_deployment(c.deploy(APP, force=True)[0].deployment_uuid)],
    "list_application_deployments": [
        lambda c: c.list_application_deployments(APP),
        lambda c: c.list_application_deployments(APP, skip=1, take=1),
    ],
    "wait_for_deployment": [
        lambda c: c.wait_for_deployment(c.deploy(APP, force=True)[0].deployment_uuid)
    ],
    "get_deployment_logs": [
        lambda c: c.get_deployment_logs(c.deploy(APP, force=True)[0].deployment_uuid)
    ],
    "cancel_deployment": [
        lambda c: c.cancel_deployment(c.deploy(APP, force=True)[0].deployment_uuid)
    ],
    "rollback_images": [lambda c: c.rollback_images(BUILT_APP)],
    "rollback": [lambda c: c.rollback(BUILT_APP, "0a1b2c3")],
    "set_image": [lambda c: c.set_image(APP, IMAGE)],
    "deploy_image": [lambda c: c.deploy_image(APP, IMAGE, force=True)],
    "deploy_image_and_wait": [lambda c: c.deploy_image_and_wait(APP, IMAGE, force=True)],
    "create_service": [
        lambda c: c.create_service(
            project_uuid="proj0000000000000000001",
            server_uuid="srv0000000000000000001",
            environment_name="production",
            environment_uuid="env00000000000000000001",
            compose=COMPOSE,
        ),
        lambda c: c.create_service(
            project_uuid="proj0000000000000000001",
            server_uuid="srv0000000000000000001",
            environment_name="production",
            environment_uuid="env00000000000000000001",
            compose=COMPOSE,
            name="web",
            description="demo",
            destination_uuid="dst0000000000000000001",
            urls={"web": "https://w.example.com"},
            instant_deploy=True,
        ),
    ],
    "update_service_compose": [
        lambda c: c.update_service_compose(SERVICE, COMPOSE),
        lambda c: c.update_service_compose(
            SERVICE,
            COMPOSE,
            urls={"web": ["https://a.example.com", "https://b.example.com:3000"]},
            force_domain_override=True,
            instant_deploy=True,
            list_style_env=False,
        ),
    ],
    "set_service_urls": [
        lambda c: c.set_service_urls(SERVICE, {"web": "https://w.example.com"}),
    ],
    "set_service_application_url": [
        lambda c: c.set_service_application_url(
            SERVICE, f"{SERVICE[:8]}-web", "https://a.example.com"
        ),
        lambda c: c.set_service_application_url(
            SERVICE, f"{SERVICE[:8]}-web", "https://a.example.com", force_domain_override=True
        ),
    ],
    "set_application_domains": [
        lambda c: c.set_application_domains(
            APP, ["https://a.example.com", "https://b.example.com"]
        ),
        lambda c: c.set_application_domains(
            APP, "https://a.example.com", force_domain_override=True
        ),
    ],
    "set_compose_domains": [
        lambda c: c.set_compose_domains(GIT_COMPOSE_APP, {"web": "https://a.example.com"}),
        lambda c: c.set_compose_domains(
            GIT_COMPOSE_APP, {"web": "https://a.example.com"}, force_domain_override=True
        ),
    ],
    "restart_service": [
        lambda c: c.restart_service(SERVICE),
        lambda c: c.restart_service(SERVICE, pull_latest=False),
    ],
}

#: Every operation of the spec the client uses.
OPERATIONS = {
    "GET /version",
    "GET /projects",
    "GET /projects/{uuid}/{environment_name_or_uuid}",
    "GET /applications",
    "GET /applications/{uuid}",
    "PATCH /applications/{uuid}",
    "GET /applications/{uuid}/envs",
    "PATCH /applications/{uuid}/envs/bulk",
    "GET /services",
    "POST /services",
    "GET /services/{uuid}",
    "PATCH /services/{uuid}",
    "GET /services/{uuid}/envs",
    "PATCH /services/{uuid}/envs/bulk",
    "GET /services/{uuid}/applications",
    "GET /services/{uuid}/applications/{app_uuid}",
    "PATCH /services/{uuid}/applications/{app_uuid}",
    "POST /services/{uuid}/restart",
    "POST /deploy",
    "GET /deployments/{uuid}",
    "POST /deployments/{uuid}/cancel",
    "GET /applications/{uuid}/rollback-images",
    "POST /applications/{uuid}/rollback",
    "GET /deployments/applications/{uuid}",
}


def _public_methods(cls: type) -> set[str]:
    skip = {"run", "close", "aclose"}
    return {
        name
        for name in vars(cls)
        if not name.startswith("_") and callable(getattr(cls, name)) and name not in skip
    }


def _fake() -> FakeCoolify:
    fake = FakeCoolify()
    fake.add_application(APP, _tags=["web"])
    fake.add_application(GIT_COMPOSE_APP, build_pack="dockercompose", docker_compose_raw=COMPOSE)
    fake.add_application(BUILT_APP, build_pack="nixpacks", _images=[("0a1b2c3", "2026")])
    fake.add_service(SERVICE, COMPOSE)
    return fake


def test_table_covers_every_public_method() -> None:
    assert set(CALLS) == _public_methods(CoolifyClient)
    assert _public_methods(AsyncCoolifyClient) == _public_methods(CoolifyClient)


def test_every_coolify_request_matches_the_spec() -> None:
    fake = _fake()
    transport = SpecCheckingTransport("coolify", fake.transport())
    with CoolifyClient(
        BASE, token=TOKEN, transport=transport, rate_limit=None, sleep=lambda s: None
    ) as client:
        for calls in CALLS.values():
            for call in calls:
                call(client)
    transport.assert_clean()
    assert transport.operations == OPERATIONS
    # Coolify answers HTML (a login page, a 302) to calls without it: every call sends it.
    assert len(fake.requests) >= len(OPERATIONS)
    for method, url, headers, _ in fake.requests:
        assert headers.get("accept") == "application/json", f"{method} {url}"


def test_the_fallback_domain_route_of_older_servers_matches_the_spec() -> None:
    fake = _fake()
    fake.version = "4.1.0"
    transport = SpecCheckingTransport("coolify", fake.transport())
    with CoolifyClient(BASE, token=TOKEN, transport=transport, rate_limit=None) as client:
        client.set_service_application_url(
            SERVICE, f"{SERVICE[:8]}-web", "https://a.example.com", force_domain_override=True
        )
    transport.assert_clean()
    assert "PATCH /services/{uuid}" in transport.operations
    assert "PATCH /services/{uuid}/applications/{app_uuid}" not in transport.operations


def test_async_requests_match_the_spec() -> None:
    fake = _fake()
    transport = AsyncSpecCheckingTransport("coolify", fake.transport())

    async def no_sleep(seconds: float) -> None:
        return None

    async def main() -> None:
        async with AsyncCoolifyClient(
            BASE, token=TOKEN, transport=transport, rate_limit=None, sleep=no_sleep
        ) as client:
            await client.upsert_envs(APP, {"A": "1"})
            await client.deploy_image_and_wait(APP, IMAGE)
            await client.update_service_compose(SERVICE, COMPOSE, urls={"web": "https://a.b"})
            await client.set_service_application_url(SERVICE, f"{SERVICE[:8]}-web", "https://a.b")
            await client.deploy(tag="web")

    asyncio.run(main())
    transport.assert_clean()
    assert {"PATCH /applications/{uuid}", "POST /deploy", "GET /deployments/{uuid}"} <= (
        transport.operations
    )


@pytest.mark.parametrize(
    ("method", "path", "body", "match"),
    [
        ("PATCH", f"/applications/{APP}", {"fqdn": "https://x"}, "fqdn"),
        ("PATCH", f"/services/{SERVICE}", {"domains": "https://x"}, "domains"),
        ("GET", "/deploy?uuid=x", None, "GET is not documented"),
        ("POST", "/deploy?uuid=x&latest=true", None, "latest"),
        ("PATCH", f"/applications/{APP}/envs/bulk", {"data": [{"key": 1, "value": "x"}]}, "string"),
        ("GET", f"/deployments/applications/{APP}?take=0", None, "take"),
    ],
)
def test_the_checker_would_catch_a_wrong_request(
    method: str, path: str, body: object, match: str
) -> None:
    """The check is not vacuous: each of these is a request Coolify would refuse."""
    request = httpx.Request(
        method,
        f"{BASE}/api/v1{path}",
        json=body,
        headers={"Authorization": f"Bearer {TOKEN}", "Accept": "application/json"},
    )
    with pytest.raises(SpecViolation, match=match):
        check_request("coolify", request)


def test_the_checker_needs_the_bearer_token() -> None:
    request = httpx.Request("GET", f"{BASE}/api/v1/projects")
    with pytest.raises(SpecViolation, match=r"[Ss]ecurity"):
        check_request("coolify", request)
