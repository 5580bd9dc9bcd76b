"""The shared DeploymentTarget conformance suite, run against Portainer and Vercel.

Both targets talk to in-process fakes of their APIs (``tests/_support/fake_portainer.py``,
``tests/_support/fake_vercel.py``) through a MockTransport, with a fake clock so health and
promotion polling never waits.
"""

from __future__ import annotations

import pytest

from mosaic_sdk.providers import DeploymentTarget
from mosaic_sdk.providers.portainer import PortainerClient, PortainerDeploymentTarget
from mosaic_sdk.providers.vercel import VercelClient, VercelDeploymentTarget
from tests._support.fake_http import FakeClock, mock_transport
from tests._support.fake_portainer import API_KEY, FakePortainer
from tests._support.fake_vercel import PROJECT_ID, TEAM_ID, TOKEN, FakeVercel
from tests.contract.test_deployment_target import DeploymentTargetContract


class TestPortainerDeploymentTarget(DeploymentTargetContract):
    """A compose stack whose ``web`` service is pinned; the fake engine recreates the
    containers from the stack file and copies each image's version label onto them."""

    @pytest.fixture
    def target(self) -> DeploymentTarget:
        fake = FakePortainer()
        fake.health_plan = ["starting", "healthy"]
        clock = FakeClock()
        client = PortainerClient(
            "https://portainer.example.com",
            api_key=API_KEY,
            transport=mock_transport(fake),
            sleep=clock.sleep,
            clock=clock,
        )
        return PortainerDeploymentTarget(client, 7, 1, "web")


class TestVercelDeploymentTarget(DeploymentTargetContract):
    """A project whose CI left a staged production deployment per image digest (with
    ``meta.imageDigest`` and ``meta.version``); deploy promotes the matching one."""

    @pytest.fixture
    def target(self) -> DeploymentTarget:
        fake = FakeVercel()
        fake.promote_delay = 1
        clock = FakeClock()
        client = VercelClient(
            TOKEN, team_id=TEAM_ID, transport=mock_transport(fake), sleep=clock.sleep, clock=clock
        )
        return VercelDeploymentTarget(client, PROJECT_ID)
