"""Coolify as a :class:`~mosaic_sdk.providers.AsyncDeploymentTarget`: one Docker Image
application, deployed by digest."""

from __future__ import annotations

from datetime import datetime, timezone

from mosaic_sdk._core._repr import safe_repr
from mosaic_sdk.providers._protocol import (
    Deployment,
    RunningRelease,
    TargetStatus,
    pinned_digest,
)
from mosaic_sdk.providers.coolify._async.client import AsyncCoolifyClient
from mosaic_sdk.providers.coolify._models import CoolifyDeployment
from mosaic_sdk.providers.coolify._requests import RUNNING_LOOKBACK
from mosaic_sdk.providers.coolify._target import (
    _deployment,
    last_finished,
    running_release_of,
    target_state_of,
)
from mosaic_sdk.values import ImageReference

__all__ = ["AsyncCoolifyDeploymentTarget"]


class AsyncCoolifyDeploymentTarget:
    """A Coolify Docker Image application as a deployment target.

    ``deploy`` points the application at the digest (``PATCH /applications/{uuid}``),
    queues a deployment (``POST /deploy``) and follows it to a terminal state.

    Args:
        client: the Coolify client.
        application_uuid: the Docker Image application.
        timeout: seconds to wait for the deployment.
        poll_interval: seconds between polls.
        force: rebuild without cache (Coolify's ``force``).
        name: the target name; ``"coolify:<application uuid>"`` by default.
    """

    supports_traffic_split: bool = False

    def __init__(
        self,
        client: AsyncCoolifyClient,
        application_uuid: str,
        *,
        timeout: float = 600.0,
        poll_interval: float = 3.0,
        force: bool = False,
        name: str | None = None,
    ) -> None:
        self.client = client
        self.application_uuid = application_uuid
        self.timeout = timeout
        self.poll_interval = poll_interval
        self.force = force
        self.name = name or f"coolify:{application_uuid}"

    @safe_repr
    def __repr__(self) -> str:
        return f"AsyncCoolifyDeploymentTarget(application_uuid={self.application_uuid!r})"

    async def deploy(self, image: ImageReference) -> Deployment:
        """Deploy ``image`` (pinned by digest) and wait for the outcome.

        Raises:
            InvalidValueError: ``image`` has no digest (nothing is sent).
            UnsupportedOperationError: the application builds its own image.
            DeploymentTimeoutError: the deployment did not settle in time.
        """
        pinned_digest(image)
        started = datetime.now(timezone.utc)
        found = await self.client.deploy_image_and_wait(
            self.application_uuid,
            image,
            force=self.force,
            timeout=self.timeout,
            poll_interval=self.poll_interval,
        )
        return _deployment(self.name, image, found, started)

    async def running(self) -> RunningRelease:
        """The image the newest finished deployment ran
        (``GET /deployments/applications/{uuid}``, up to :data:`RUNNING_LOOKBACK`
        back); see
        :func:`~mosaic_sdk.providers.coolify._target.running_release_of`. Not the
        configured image: that may never have been deployed."""
        found: CoolifyDeployment | None = None
        skip = 0
        while skip < RUNNING_LOOKBACK:
            page = await self.client.list_application_deployments(
                self.application_uuid, skip=skip, take=10
            )
            found = last_finished(page)
            if found is not None or len(page) < 10:
                break
            skip += 10
        return running_release_of(self.application_uuid, found)

    async def status(self) -> TargetStatus:
        """The application's status, folded (see :func:`target_state_of`)."""
        status = await self.client.application_status(self.application_uuid)
        return TargetStatus(target_state_of(status), status.raw)
