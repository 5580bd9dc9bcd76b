"""One conformance suite for every :class:`~mosaic_sdk.providers.DeploymentTarget`.

Subclass :class:`DeploymentTargetContract` and provide a ``target`` fixture that returns
a fresh target whose backend accepts deploys (a file in ``tmp_path``, a fake provider
behind a MockTransport, a loopback server)::

    class TestMyTarget(DeploymentTargetContract):
        @pytest.fixture
        def target(self, tmp_path: Path) -> DeploymentTarget:
            return MyTarget(...)

Class attributes tune what the backend can promise:

* ``repository``: the image repository deploys use.
* ``healthy_after_deploy``: whether ``status()`` must be HEALTHY right after a
  successful deploy (true for every implementation so far).
* ``reports_version``: whether ``running().version`` follows a deployed tag+digest.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timezone
from pathlib import Path
from typing import ClassVar

import pytest

from mosaic_sdk.errors import ForbiddenTagError, InvalidValueError
from mosaic_sdk.providers import (
    ComposeFileTarget,
    DeploymentStatus,
    DeploymentTarget,
    TargetState,
    TargetStatus,
    TrafficSplitter,
)
from mosaic_sdk.providers.coolify import CoolifyClient, CoolifyDeploymentTarget
from mosaic_sdk.values import ImageReference
from tests._support.coolify_fake import TOKEN, FakeCoolify
from tests._support.spec import assert_transport_clean, checking_transport

DIGEST_A = "sha256:" + "a" * 64
DIGEST_B = "sha256:" + "b" * 64


class DeploymentTargetContract:
    """The shared contract; not collected itself (no ``Test`` prefix)."""

    repository: ClassVar[str] = "ghcr.io/acme/web"
    healthy_after_deploy: ClassVar[bool] = True
    reports_version: ClassVar[bool] = True

    @pytest.fixture
    def target(self) -> DeploymentTarget:
        raise pytest.UsageError(f"{type(self).__name__} must define a 'target' fixture")

    def image(self, digest: str = DIGEST_A, tag: str | None = None) -> ImageReference:
        text = self.repository + (f":{tag}" if tag else "") + "@" + digest
        return ImageReference.parse(text)

    # -- shape -----------------------------------------------------------------------

    def test_is_a_deployment_target(self, target: DeploymentTarget) -> None:
        assert isinstance(target, DeploymentTarget)
        assert isinstance(target.name, str)
        assert target.name
        assert isinstance(target.supports_traffic_split, bool)
        assert target.supports_traffic_split == isinstance(target, TrafficSplitter)

    def test_status_is_a_target_status(self, target: DeploymentTarget) -> None:
        status = target.status()
        assert isinstance(status, TargetStatus)
        assert isinstance(status.state, TargetState)
        assert isinstance(status.detail, str)

    # -- refusing what cannot be rolled back -----------------------------------------------

    @pytest.mark.parametrize(
        ("reference", "error"),
        [
            ("ghcr.io/acme/web:latest", ForbiddenTagError),
            ("ghcr.io/acme/web:dev", ForbiddenTagError),
            ("ghcr.io/acme/web:v1.2.3", InvalidValueError),
            ("ghcr.io/acme/web:sha-0123456", InvalidValueError),
            ("ghcr.io/acme/web", InvalidValueError),
        ],
    )
    def test_refuses_an_image_without_digest(
        self, target: DeploymentTarget, reference: str, error: type[InvalidValueError]
    ) -> None:
        before = target.running()
        with pytest.raises(error) as info:
            target.deploy(ImageReference.parse(reference))
        assert reference in str(info.value)
        assert "sha256" in str(info.value)  # the fix names what to pass instead
        assert target.running() == before

    def test_refuses_a_plain_string(self, target: DeploymentTarget) -> None:
        with pytest.raises(InvalidValueError):
            target.deploy(f"{self.repository}@{DIGEST_A}")  # type: ignore[arg-type]

    # -- deploying ----------------------------------------------------------------------

    def test_deploy_returns_a_finished_deployment(self, target: DeploymentTarget) -> None:
        image = self.image()
        deployment = target.deploy(image)
        assert deployment.image == image
        assert deployment.digest == image.digest
        assert deployment.target == target.name
        assert deployment.id
        assert deployment.status is DeploymentStatus.SUCCEEDED
        assert deployment.status.is_terminal
        assert deployment.succeeded
        if deployment.started_at is not None and deployment.finished_at is not None:
            assert deployment.started_at.tzinfo is not None
            assert deployment.started_at.astimezone(timezone.utc) <= deployment.finished_at

    def test_running_reports_the_deployed_digest(self, target: DeploymentTarget) -> None:
        target.deploy(self.image(DIGEST_A))
        assert target.running().digest == self.image(DIGEST_A).digest
        target.deploy(self.image(DIGEST_B))
        running = target.running()
        assert running.digest == self.image(DIGEST_B).digest
        if running.image is not None:
            assert running.image.digest == running.digest

    def test_running_reports_the_version(self, target: DeploymentTarget) -> None:
        if not self.reports_version:
            pytest.skip(f"{type(self).__name__}: this target has no notion of a version")
        target.deploy(self.image(DIGEST_B, tag="v2.3.4"))
        assert target.running().version in ("v2.3.4", "2.3.4")

    def test_redeploying_the_same_digest_is_harmless(self, target: DeploymentTarget) -> None:
        first = target.deploy(self.image(DIGEST_A))
        second = target.deploy(self.image(DIGEST_A))
        assert first.succeeded
        assert second.succeeded
        assert target.running().digest == self.image(DIGEST_A).digest

    def test_status_after_a_successful_deploy(self, target: DeploymentTarget) -> None:
        target.deploy(self.image())
        status = target.status()
        if self.healthy_after_deploy:
            assert status.state is TargetState.HEALTHY, status
            assert status.healthy


# -- ComposeFileTarget ---------------------------------------------------------------------

COMPOSE = """\
# Demo stack: CI pins the digests below.
services:
  web:   # the front end
    image: "ghcr.io/acme/web:v1.0.0"   # bumped by mosaic
    ports: ["8080:80"]
  worker:
    image: ghcr.io/acme/worker:v1.0.0
"""

KUBERNETES = """\
apiVersion: v1
kind: Service
metadata: {name: web}
---
# the workload
apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
spec:
  replicas: 2
  template:
    spec:
      containers:
        - name: web
          image: ghcr.io/acme/web:v1.0.0  # pinned by mosaic
        - {name: sidecar, image: "ghcr.io/acme/proxy:v3.0.0"}
"""


class TestComposeFileTargetOnCompose(DeploymentTargetContract):
    @pytest.fixture
    def target(self, tmp_path: Path) -> DeploymentTarget:
        path = tmp_path / "compose.yaml"
        path.write_text(COMPOSE, encoding="utf-8")
        return ComposeFileTarget(path, "web")


class TestComposeFileTargetOnKubernetes(DeploymentTargetContract):
    @pytest.fixture
    def target(self, tmp_path: Path) -> DeploymentTarget:
        path = tmp_path / "web.yaml"
        path.write_text(KUBERNETES, encoding="utf-8")
        return ComposeFileTarget(path, "web", container="web")


# -- CoolifyDeploymentTarget (fake Coolify behind a MockTransport, requests spec-checked) ---


class TestCoolifyDeploymentTarget(DeploymentTargetContract):
    # Coolify stores a digest as name "repo@sha256" + tag "<hex>": the tag is gone.
    reports_version = False

    @pytest.fixture
    def target(self) -> Iterator[DeploymentTarget]:
        fake = FakeCoolify()
        fake.add_application("app0000000000000000000001")
        transport = checking_transport("coolify", fake.transport())
        client = CoolifyClient(
            "https://coolify.example.com",
            token=TOKEN,
            transport=transport,
            rate_limit=None,
            sleep=lambda seconds: None,
        )
        yield CoolifyDeploymentTarget(client, "app0000000000000000000001", poll_interval=0.01)
        client.close()
        assert_transport_clean(transport)
