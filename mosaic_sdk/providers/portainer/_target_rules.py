"""What the Portainer deployment target twins share, with no I/O.

Portainer has no "deploy this digest" call: a compose stack runs whatever its stack file
says. So ``deploy`` reads the stack file, pins one service's ``image:`` to
``repo@sha256:...`` with :meth:`ComposeFileTarget.render_text` (nothing else in the file
changes, comments included), writes it back with
``pullImage`` and the stack's own environment, then watches the service's containers
through the Docker proxy until they run the new digest and pass their health check.

Here: the target's configuration, the checks of a stack, the payload of the pinning
update and the folding of containers and swarm tasks into verdicts. The targets under
``_async/`` (and their generated ``_sync/`` twins) only read, write and poll.
"""

from __future__ import annotations

from datetime import datetime, timezone
from typing import Any

from mosaic_sdk._core._repr import safe_repr
from mosaic_sdk.errors import InvalidValueError, UnsupportedOperationError
from mosaic_sdk.providers._protocol import (
    Deployment,
    DeploymentStatus,
    RunningRelease,
    TargetState,
    TargetStatus,
)
from mosaic_sdk.providers.compose_target import ComposeFileTarget
from mosaic_sdk.providers.portainer._models import (
    ContainerHealth,
    ContainerState,
    PortainerContainer,
    PortainerStack,
    StackType,
    SwarmTask,
    TaskState,
)
from mosaic_sdk.providers.portainer._requests import (
    DEFAULT_DEPLOY_TIMEOUT,
    merge_env,
    update_payload,
)
from mosaic_sdk.values import Digest, ImageReference

__all__ = ["DEFAULT_HEALTH_TIMEOUT", "DEFAULT_POLL_INTERVAL", "TargetRules"]

DEFAULT_HEALTH_TIMEOUT = 120.0
DEFAULT_POLL_INTERVAL = 2.0

_TASK_FAILED = (TaskState.FAILED, TaskState.REJECTED)

#: A verdict while waiting: SUCCEEDED or FAILED to stop, ``None`` to keep waiting; and
#: the detail that goes with it.
Verdict = tuple[DeploymentStatus | None, str]


def now() -> datetime:
    """The current time (UTC), for a deployment's start and end."""
    return datetime.now(timezone.utc)


def service_containers(
    containers: list[PortainerContainer], stack: PortainerStack, service: str
) -> list[PortainerContainer]:
    """The containers of one service of ``stack``."""
    # Swarm task containers are labelled com.docker.swarm.service.name=<stack>_<service>
    # and carry no compose label (docker stack deploy); compose ones carry the service.
    return [c for c in containers if c.stack_service(stack.name) == service]


def fold_tasks(tasks: list[SwarmTask], service: str) -> TargetStatus:
    """The health of a swarm service from its tasks."""
    live = [t for t in tasks if t.desired_state is TaskState.RUNNING]
    if not live:
        return TargetStatus(TargetState.FAILED, f"no task of service {service!r}")
    running = [t for t in live if t.state is TaskState.RUNNING]
    detail = f"{len(running)}/{len(live)} tasks of {service!r} running"
    if any(t.state.is_starting for t in live):
        return TargetStatus(TargetState.DEPLOYING, detail)
    if len(running) == len(live):
        return TargetStatus(TargetState.HEALTHY, detail)
    if running:
        return TargetStatus(TargetState.DEGRADED, detail)
    return TargetStatus(TargetState.FAILED, detail)


def fold_status(containers: list[PortainerContainer], service: str) -> TargetStatus:
    """The health of a compose service from its containers."""
    if not containers:
        return TargetStatus(TargetState.FAILED, f"no container of service {service!r}")
    running = [c for c in containers if c.is_running]
    healthy = [c for c in running if c.is_healthy]
    detail = f"{len(running)}/{len(containers)} containers of {service!r} running"
    if healthy:
        detail += f", {len(healthy)} healthy"
    transitional = {ContainerState.CREATED, ContainerState.RESTARTING, ContainerState.REMOVING}
    if any(c.health is ContainerHealth.STARTING or c.state in transitional for c in containers):
        return TargetStatus(TargetState.DEPLOYING, detail)
    if not running:
        return TargetStatus(TargetState.FAILED, detail)
    if len(healthy) == len(containers):
        return TargetStatus(TargetState.HEALTHY, detail)
    return TargetStatus(TargetState.DEGRADED, detail)


def container_verdict(
    containers: list[PortainerContainer], digest: Digest, service: str
) -> Verdict:
    """Whether a compose service's rollout to ``digest`` succeeded, failed or goes on."""
    current = [c for c in containers if c.image_digest == digest]
    folded = fold_status(current, service)
    others = len(containers) - len(current)
    detail = folded.detail + (f"; {others} still on another image" if others else "")
    if folded.state is TargetState.HEALTHY and not others:
        return DeploymentStatus.SUCCEEDED, detail
    if current and all(c.health is ContainerHealth.UNHEALTHY for c in current):
        return DeploymentStatus.FAILED, detail + "; health check failing"
    if current and all(c.state in (ContainerState.EXITED, ContainerState.DEAD) for c in current):
        return DeploymentStatus.FAILED, detail + "; containers exited"
    return None, detail


def swarm_verdict(tasks: list[SwarmTask], digest: Digest, service: str) -> Verdict:
    """Whether a swarm service's rollout to ``digest`` succeeded, failed or goes on."""
    # A task with a health check is "starting" until healthy and fails when it
    # turns unhealthy (moby daemon/cluster/executor/container/controller.go).
    current = [t for t in tasks if t.image_digest == digest]
    failed = [t for t in current if t.state in _TASK_FAILED]
    live = [t for t in tasks if t.desired_state is TaskState.RUNNING]
    folded = fold_tasks(tasks, service)
    others = len([t for t in live if t.image_digest != digest])
    detail = folded.detail + (f"; {others} still on another image" if others else "")
    if failed:
        reason = failed[-1].error or failed[-1].message or failed[-1].state.value
        return DeploymentStatus.FAILED, f"{detail}; task failed: {reason}"
    if folded.state is TargetState.HEALTHY and not others:
        return DeploymentStatus.SUCCEEDED, detail
    return None, detail


def reference_of(image: str) -> ImageReference | None:
    """``image`` parsed, or ``None`` when it is no valid reference."""
    try:
        return ImageReference.parse(image)
    except InvalidValueError:
        return None


def newest_container(containers: list[PortainerContainer]) -> PortainerContainer | None:
    """The newest running container (the newest of all when none runs)."""
    live = [c for c in containers if c.is_running] or containers
    if not live:
        return None
    return max(live, key=lambda c: c.created_at or datetime.min.replace(tzinfo=timezone.utc))


def running_tasks(tasks: list[SwarmTask]) -> list[SwarmTask]:
    """The tasks that run and are meant to."""
    return [
        t for t in tasks if t.desired_state is TaskState.RUNNING and t.state is TaskState.RUNNING
    ]


def swarm_release(running: list[SwarmTask], containers: list[PortainerContainer]) -> RunningRelease:
    """The release a swarm service runs: one digest and version across its running
    tasks, or ``None`` for what differs."""
    digests = {t.image_digest for t in running}
    digest = digests.pop() if len(digests) == 1 else None
    # The version label lives on the containers; only those on nodes Portainer sees.
    ids = {t.container_id for t in running}
    versions = {c.version for c in containers if c.id in ids and c.version}
    version = versions.pop() if len(versions) == 1 else None
    return RunningRelease(digest=digest, version=version, image=reference_of(running[0].image))


def matching_repo_digest(
    repo_digests: list[str], reference: ImageReference | None
) -> Digest | None:
    """The one registry digest of ``repo_digests`` for the repository of ``reference``."""
    candidates: list[Digest] = []
    for item in repo_digests:
        try:
            parsed = ImageReference.parse(item)
        except InvalidValueError:
            continue
        if parsed.digest is None:
            continue
        if reference is None or (
            parsed.domain == reference.domain
            and parsed.repository.removeprefix("library/")
            == reference.repository.removeprefix("library/")
        ):
            candidates.append(parsed.digest)
    return candidates[0] if len(set(candidates)) == 1 else None


class TargetRules:
    """The configuration of a Portainer deployment target and its I/O-free decisions."""

    def __init__(
        self,
        stack_id: int,
        endpoint_id: int,
        service: str,
        *,
        pull_image: bool,
        health_timeout: float | None,
        poll_interval: float,
        deploy_timeout: float = DEFAULT_DEPLOY_TIMEOUT,
    ) -> None:
        for value, what in ((stack_id, "stack id"), (endpoint_id, "endpoint id")):
            if not isinstance(value, int) or isinstance(value, bool) or value < 1:
                raise InvalidValueError(value, f"{what} must be a positive integer", "")
        if not isinstance(service, str) or not service:
            raise InvalidValueError(
                service, "service name is empty", "pass the compose service to pin"
            )
        if health_timeout is not None and health_timeout < 0:
            raise InvalidValueError(
                health_timeout, "health_timeout must not be negative", "use None to not wait"
            )
        if poll_interval <= 0:
            raise InvalidValueError(poll_interval, "poll_interval must be positive", "use 2.0")
        self.stack_id = stack_id
        self.endpoint_id = endpoint_id
        self.service = service
        self.pull_image = pull_image
        self.health_timeout = health_timeout
        self.poll_interval = poll_interval
        self.deploy_timeout = deploy_timeout
        self.name = f"portainer:{endpoint_id}/stacks/{stack_id}#{service}"
        self.supports_traffic_split = False
        self._file = ComposeFileTarget(
            f"portainer-stack-{stack_id}.yml", service, kind="compose", name=self.name
        )

    @safe_repr
    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.name!r})"

    def _checked_stack(self, stack: PortainerStack) -> PortainerStack:
        if stack.endpoint_id and stack.endpoint_id != self.endpoint_id:
            raise InvalidValueError(
                self.endpoint_id,
                f"stack {stack.id} ({stack.name!r}) runs on environment {stack.endpoint_id}",
                f"create the target with endpoint_id={stack.endpoint_id}",
            )
        if stack.type is StackType.KUBERNETES:
            raise UnsupportedOperationError(
                f"stack {stack.id} ({stack.name!r}) is a Kubernetes stack",
                workaround="pin the image in the manifest with a GitOps file target",
            )
        return stack

    @staticmethod
    def _refuse_git(stack: PortainerStack) -> None:
        if stack.is_git:
            raise UnsupportedOperationError(
                f"stack {stack.id} ({stack.name!r}) is deployed from git; writing its "
                "stack file would detach it from git",
                workaround="commit the pinned image to the repository and call "
                "PortainerClient.redeploy_git(), or convert the stack to a file stack",
            )

    def _pinned_payload(
        self, stack: PortainerStack, content: str, image: ImageReference
    ) -> dict[str, Any]:
        # The same in-place edit as the GitOps file target: only the image scalar
        # (and a version label the service already has) changes.
        return update_payload(
            stack,
            self._file.render_text(content, image),
            merge_env(stack.env, None),
            pull_image=self.pull_image,
            prune=False,
            webhook=None,  # send the current one back: 2.36-era CE drops it otherwise
        )

    def _swarm_service(self, stack: PortainerStack) -> str:
        return f"{stack.name}_{self.service}"

    def _deployment(
        self,
        image: ImageReference,
        started: datetime,
        deployment_id: str,
        status: DeploymentStatus,
        detail: str,
    ) -> Deployment:
        return Deployment(
            id=deployment_id,
            target=self.name,
            image=image,
            status=status,
            started_at=started,
            finished_at=now(),
            detail=detail,
        )
