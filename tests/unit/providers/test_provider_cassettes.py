"""Response handling against vcrpy cassettes shaped like the real Portainer API.

The Vercel cassettes were removed (#12): they were hand-written, not recorded, and the
Vercel tests now run against ``tests/_fake_vercel.py``, whose behaviours cite the CLI and
SDK source. The cassettes in ``tests/cassettes/portainer`` were written
by hand from the published specs and the research notes (no live account was used), with
every field the real servers send that the SDK must tolerate: CE's Go-cased stack fields
next to EE's, Docker's container summary with networks and mounts, Vercel's full
deployment objects, ``X-RateLimit-*`` headers. They replay with ``record_mode="none"``;
``Authorization`` and ``X-API-Key`` are filtered should anyone re-record them, and
:func:`test_cassettes_hold_no_secrets` keeps them clean. Every replayed request is also
checked against the spec.
"""

from __future__ import annotations

import asyncio
import json
import re
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
import vcr

from mosaic_sdk.errors import NotFoundError
from mosaic_sdk.providers import DeploymentStatus
from mosaic_sdk.providers.portainer import (
    AsyncPortainerClient,
    ContainerHealth,
    PortainerClient,
    PortainerDeploymentTarget,
)
from mosaic_sdk.values import Digest, ImageReference
from tests._provider_specs import Exempting

CASSETTES = Path(__file__).resolve().parents[2] / "cassettes"
PORTAINER_URL = "https://portainer.example.com:9443"
# Placeholder: the cassettes hold no credential, this never leaves the test process.
PORTAINER_KEY = "ptr_cassette-placeholder-key"
DIGEST_A = "sha256:" + "a" * 64

REPLAY = vcr.VCR(
    cassette_library_dir=str(CASSETTES),
    record_mode="none",
    match_on=["method", "scheme", "host", "port", "path", "query"],
    filter_headers=["authorization", "x-api-key"],
    decode_compressed_response=True,
)


@pytest.fixture
def portainer_transport() -> Iterator[Exempting]:
    transport = Exempting("portainer", httpx.HTTPTransport())
    yield transport
    transport.assert_clean()


def _portainer(transport: Exempting) -> PortainerClient:
    return PortainerClient(PORTAINER_URL, PORTAINER_KEY, transport=transport)


# -- Portainer -----------------------------------------------------------------------------


def test_portainer_endpoints_and_stacks(portainer_transport: Exempting) -> None:
    with REPLAY.use_cassette("portainer/endpoints_and_stacks.yaml") as cassette:
        client = _portainer(portainer_transport)
        endpoints = client.list_endpoints()
        stacks = client.list_stacks(endpoint_id=1)
    assert cassette.all_played
    assert [(e.id, e.name, e.is_up) for e in endpoints] == [
        (1, "local", True),
        (3, "edge-eu", False),
    ]
    shop, docs = stacks
    assert shop.git_config is None
    assert shop.env_dict() == {"APP_MODE": "production", "LOG_LEVEL": "info"}
    assert docs.git_config is not None
    assert docs.git_config.reference_name == "refs/heads/release"
    assert docs.git_config.authentication is not None
    assert docs.git_config.authentication.username == "ci-bot"


def test_portainer_update_sends_the_merged_environment(portainer_transport: Exempting) -> None:
    with REPLAY.use_cassette("portainer/update_stack_merges_env.yaml") as cassette:
        stack = _portainer(portainer_transport).update_stack(
            7, env={"APP_MODE": "staging", "FEATURE_X": "on"}, pull_image=True
        )
    assert cassette.all_played
    put = portainer_transport.sent[-1]
    assert put.method == "PUT"
    assert json.loads(put.content)["env"] == [
        {"name": "APP_MODE", "value": "staging"},
        {"name": "LOG_LEVEL", "value": "info"},
        {"name": "FEATURE_X", "value": "on"},
    ]
    assert stack.env_dict()["FEATURE_X"] == "on"
    assert not portainer_transport.spec_available or portainer_transport.operations == {
        "GET /stacks/{id}",
        "GET /stacks/{id}/file",
        "PUT /stacks/{id}",
    }


def test_portainer_git_redeploy_keeps_the_reference(portainer_transport: Exempting) -> None:
    with REPLAY.use_cassette("portainer/git_redeploy.yaml") as cassette:
        stack = _portainer(portainer_transport).redeploy_git(9)
    assert cassette.all_played
    body = json.loads(portainer_transport.sent[-1].content)
    assert body["repositoryReferenceName"] == "refs/heads/release"
    assert stack.git_config is not None
    assert stack.git_config.config_hash.startswith("9f2c1d0e")


def test_portainer_containers_through_the_docker_proxy(portainer_transport: Exempting) -> None:
    with REPLAY.use_cassette("portainer/stack_containers.yaml") as cassette:
        client = _portainer(portainer_transport)
        web, worker = client.stack_containers(1, "shop")
        digests = client.image_repo_digests(1, worker.image_id)
    assert cassette.all_played
    assert web.health is ContainerHealth.HEALTHY
    assert web.version == "0.9.0"
    assert web.image_digest == Digest.parse("sha256:" + "0" * 64)
    assert worker.health is ContainerHealth.STARTING
    assert worker.image_digest is None
    assert digests == ["ghcr.io/acme/worker@sha256:" + "b" * 64]
    assert portainer_transport.exempted == {"GET ^/api/endpoints/\\d+/docker/"}


def test_portainer_errors(portainer_transport: Exempting) -> None:
    with REPLAY.use_cassette("portainer/errors.yaml") as cassette:
        client = _portainer(portainer_transport)
        with pytest.raises(NotFoundError, match="Unable to find a stack") as info:
            client.get_stack(404)
        deployment = PortainerDeploymentTarget(client, 7, 1, "web").deploy(
            ImageReference.parse(f"ghcr.io/acme/web@{DIGEST_A}")
        )
    assert cassette.all_played
    assert "object not found" in str(info.value)
    assert deployment.status is DeploymentStatus.FAILED
    assert "manifest unknown" in deployment.detail


def test_portainer_async_replay() -> None:
    transport = Exempting("portainer", httpx.AsyncHTTPTransport())

    async def main() -> list[str]:
        async with AsyncPortainerClient(PORTAINER_URL, PORTAINER_KEY, transport=transport) as c:
            return [s.name for s in await c.list_stacks(endpoint_id=1)]

    with REPLAY.use_cassette("portainer/endpoints_and_stacks.yaml"):
        assert asyncio.run(main()) == ["shop", "docs"]
    transport.assert_clean()


# -- hygiene ---------------------------------------------------------------------------------

_SECRET_PATTERNS = [
    re.compile(r"(?i)^\s*(authorization|x-api-key|cookie|set-cookie|x-vercel-protection-bypass):"),
    re.compile(r"(?i)bearer\s+[a-z0-9._-]{8,}"),
    re.compile(r"ptr_[A-Za-z0-9+/=]{8,}"),
    re.compile(r'"(password|repositoryPassword|token|secret)"\s*:\s*"[^"]+'),
    re.compile(r"(?i)(placeholder-key|placeholder-token)"),
]


def _cassette_files() -> list[Path]:
    return sorted(p for p in CASSETTES.rglob("*.yaml") if p.parts[-2] in ("portainer", "vercel"))


def test_there_are_cassettes_to_check() -> None:
    names = {f"{p.parent.name}/{p.name}" for p in _cassette_files()}
    assert {"portainer/update_stack_merges_env.yaml"} <= names


@pytest.mark.parametrize("path", _cassette_files(), ids=lambda p: f"{p.parent.name}/{p.name}")
def test_cassettes_hold_no_secrets(path: Path) -> None:
    text = path.read_text(encoding="utf-8")
    for number, line in enumerate(text.splitlines(), 1):
        for pattern in _SECRET_PATTERNS:
            assert not pattern.search(line), (
                f"{path.name}:{number} looks like a secret: {line.strip()[:80]}"
            )


def test_the_secret_scan_would_catch_a_leak() -> None:
    leaked = "      X-API-Key:\n      - ptr_abcdefghijklmnop\n"
    hits = [p.pattern for p in _SECRET_PATTERNS for line in leaked.splitlines() if p.search(line)]
    assert len(hits) == 2
