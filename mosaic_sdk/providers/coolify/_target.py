"""What both Coolify deployment targets share, without I/O: how Coolify's statuses and
deployments read as the :mod:`mosaic_sdk.providers` protocol's values (the targets are
written once in ``_async/target.py``; the synchronous twin is generated)."""

from __future__ import annotations

from datetime import datetime, timezone

from mosaic_sdk.providers._protocol import (
    Deployment,
    DeploymentStatus,
    RunningRelease,
    TargetState,
)
from mosaic_sdk.providers.coolify._models import (
    CoolifyDeployment,
    CoolifyDeploymentStatus,
    ResourceStatus,
)
from mosaic_sdk.providers.coolify._requests import RUNNING_LOOKBACK
from mosaic_sdk.values import ImageReference

__all__ = ["last_finished", "running_release_of", "target_state_of"]

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


def running_release_of(uuid: str, found: CoolifyDeployment | None) -> RunningRelease:
    """What runs on Docker Image application ``uuid``: the image its newest finished
    production deployment ``found`` ran (``None``: none in the last
    :data:`RUNNING_LOOKBACK`).

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


def last_finished(page: list[CoolifyDeployment]) -> CoolifyDeployment | None:
    """The newest ``finished`` production deployment (``pull_request_id`` 0) of a page
    of ``GET /deployments/applications/{uuid}`` (newest first, PR previews included)."""
    for deployment in page:
        if deployment.status is CoolifyDeploymentStatus.FINISHED and not (
            deployment.pull_request_id
        ):
            return deployment
    return None
