"""Coolify as a :class:`~mosaic_sdk.providers.DeploymentTarget`: one Docker Image
application, deployed by digest."""

from __future__ import annotations

from datetime import datetime, timezone

from mosaic_sdk.providers._flow import Flow
from mosaic_sdk.providers._protocol import (
    Deployment,
    DeploymentStatus,
    RunningRelease,
    TargetState,
    TargetStatus,
    pinned_digest,
)
from mosaic_sdk.providers.coolify._client import (
    RUNNING_LOOKBACK,
    AsyncCoolifyClient,
    CoolifyClient,
    last_finished_deployment_flow,
)
from mosaic_sdk.providers.coolify._models import (
    CoolifyDeployment,
    CoolifyDeploymentStatus,
    ResourceStatus,
)
from mosaic_sdk.values import ImageReference

__all__ = [
    "AsyncCoolifyDeploymentTarget",
    "CoolifyDeploymentTarget",
    "running_flow",
    "target_state_of",
]

_DEPLOYMENT_STATUS = {
    CoolifyDeploymentStatus.QUEUED: DeploymentStatus.QUEUED,
    CoolifyDeploymentStatus.IN_PROGRESS: DeploymentStatus.IN_PROGRESS,
    CoolifyDeploymentStatus.FINISHED: DeploymentStatus.SUCCEEDED,
    CoolifyDeploymentStatus.FAILED: DeploymentStatus.FAILED,
    CoolifyDeploymentStatus.CANCELLED_BY_USER: DeploymentStatus.CANCELLED,
}


def target_state_of(status: ResourceStatus) -> TargetState:
    """Fold a Coolify ``state:health`` status into a :class:`TargetState`.

    ``running:healthy`` and ``running:unknown`` (no health check) are HEALTHY;
    ``running:unhealthy``, ``degraded:*`` and ``paused`` are DEGRADED; ``starting`` and
    ``restarting`` are DEPLOYING; ``exited`` and ``stopped`` are FAILED.
    """
    if status.state == "running":
        return TargetState.DEGRADED if status.health == "unhealthy" else TargetState.HEALTHY
    if status.state in ("degraded", "paused"):
        return TargetState.DEGRADED
    if status.state in ("starting", "restarting"):
        return TargetState.DEPLOYING
    if status.state in ("exited", "stopped"):
        return TargetState.FAILED
    return TargetState.UNKNOWN


def running_flow(uuid: str) -> Flow[RunningRelease]:
    """What runs on Docker Image application ``uuid``: the image its newest finished
    production deployment ran.

    Coolify's API has no field for the running container's image: the application
    holds the *configured* image, and ``GET .../rollback-images`` reports the running
    container's tag only when it is not pinned by digest (ApplicationsController.php
    ``rollback_images`` @379abb25). Every container change of a Docker Image
    application is a deployment (restart included: ApplicationDeploymentJob.php:236),
    and the job logs the image it starts ("Starting deployment of <image> to ...",
    :591-598), so the newest finished deployment's log names what runs. Those logs are
    visible only to tokens with ``root``/``read:sensitive`` whose user is a team admin;
    otherwise nothing is reported and :attr:`RunningRelease.detail` says why.
    """
    found = yield from last_finished_deployment_flow(uuid)
    if found is None:
        return RunningRelease(
            detail=f"coolify: no finished deployment of application {uuid} in the last "
            f"{RUNNING_LOOKBACK}, so nothing is known to run"
        )
    if found.logs is None:
        return RunningRelease(
            detail=f"coolify cannot tell which image runs: the log of deployment "
            f"{found.deployment_uuid} is hidden from this token; use a token with the "
            "read:sensitive (or root) permission of a team admin"
        )
    image = found.deployed_image
    if image is None:
        return RunningRelease(
            detail=f"coolify: deployment {found.deployment_uuid} logs no started image"
        )
    return RunningRelease(
        digest=image.digest,
        version=image.tag,
        image=image,
        detail=f"ran by coolify deployment {found.deployment_uuid}",
    )


def _deployment(
    name: str, image: ImageReference, found: CoolifyDeployment, started: datetime
) -> Deployment:
    finished = found.updated_at or datetime.now(timezone.utc)
    status = _DEPLOYMENT_STATUS[found.status]
    detail = f"coolify deployment {found.status.value}"
    ran = found.deployed_image
    if status is DeploymentStatus.SUCCEEDED and ran is not None and ran.digest != image.digest:
        # The application was re-pointed between our PATCH and the job's start.
        status = DeploymentStatus.FAILED
        detail = f"coolify deployment finished but ran {ran}, not {image}"
    if status is not DeploymentStatus.SUCCEEDED:
        lines = found.last_log_lines(5)
        if lines:
            detail += "; last log lines: " + " | ".join(lines)
        elif found.logs is None:
            detail += " (log hidden: the token lacks read:sensitive)"
    return Deployment(
        id=found.deployment_uuid,
        target=name,
        image=image,
        status=status,
        started_at=found.created_at or started,
        finished_at=finished if found.is_terminal else None,
        detail=detail,
    )


class CoolifyDeploymentTarget:
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
        client: CoolifyClient,
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

    def __repr__(self) -> str:
        return f"CoolifyDeploymentTarget(application_uuid={self.application_uuid!r})"

    def deploy(self, image: ImageReference) -> Deployment:
        """Deploy ``image`` (pinned by digest) and wait for the outcome.

        Raises:
            InvalidValueError: ``image`` has no digest (nothing is sent).
            UnsupportedOperationError: the application builds its own image.
            DeploymentTimeoutError: the deployment did not settle in time.
        """
        pinned_digest(image)
        started = datetime.now(timezone.utc)
        found = self.client.deploy_image_and_wait(
            self.application_uuid,
            image,
            force=self.force,
            timeout=self.timeout,
            poll_interval=self.poll_interval,
        )
        return _deployment(self.name, image, found, started)

    def running(self) -> RunningRelease:
        """The image the newest finished deployment ran
        (``GET /deployments/applications/{uuid}``); see :func:`running_flow`. Not the
        configured image: that may never have been deployed."""
        result: RunningRelease = self.client.run(running_flow(self.application_uuid))
        return result

    def status(self) -> TargetStatus:
        """The application's status, folded (see :func:`target_state_of`)."""
        status = self.client.application_status(self.application_uuid)
        return TargetStatus(target_state_of(status), status.raw)


class AsyncCoolifyDeploymentTarget:
    """Asynchronous twin of :class:`CoolifyDeploymentTarget`."""

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

    def __repr__(self) -> str:
        return f"AsyncCoolifyDeploymentTarget(application_uuid={self.application_uuid!r})"

    async def deploy(self, image: ImageReference) -> Deployment:
        """See :meth:`CoolifyDeploymentTarget.deploy`."""
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
        """See :meth:`CoolifyDeploymentTarget.running`."""
        result: RunningRelease = await self.client.run(running_flow(self.application_uuid))
        return result

    async def status(self) -> TargetStatus:
        """See :meth:`CoolifyDeploymentTarget.status`."""
        status = await self.client.application_status(self.application_uuid)
        return TargetStatus(target_state_of(status), status.raw)
