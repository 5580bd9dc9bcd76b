"""Portainer as a :class:`~mosaic_sdk.providers.DeploymentTarget`.

Portainer has no "deploy this digest" call: a compose stack runs whatever its stack file
says. So ``deploy`` reads the stack file, pins one service's ``image:`` to
``repo@sha256:...`` with :meth:`ComposeFileTarget.render_text` (nothing else in the file
changes, comments included), writes it back with
``pullImage`` and the stack's own environment, then watches the service's containers
through the Docker proxy until they run the new digest and pass their health check.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timezone

from mosaic_sdk.errors import DeploymentTimeoutError, InvalidValueError, UnsupportedOperationError
from mosaic_sdk.providers._flow import Call, Flow, Sleep
from mosaic_sdk.providers._protocol import (
    Deployment,
    DeploymentStatus,
    RunningRelease,
    TargetState,
    TargetStatus,
    pinned_digest,
)
from mosaic_sdk.providers.compose_target import ComposeFileTarget
from mosaic_sdk.providers.portainer._client import (
    DEFAULT_DEPLOY_TIMEOUT,
    AsyncPortainerClient,
    PortainerClient,
    _error_message,
    await_stack_flow,
    get_stack_file_flow,
    get_stack_flow,
    image_repo_digests_flow,
    merge_env,
    stack_containers_flow,
    swarm_tasks_flow,
    update_payload,
)
from mosaic_sdk.providers.portainer._models import (
    ContainerHealth,
    ContainerState,
    PortainerContainer,
    PortainerStack,
    StackStatus,
    StackType,
    SwarmTask,
    TaskState,
)
from mosaic_sdk.values import Digest, ImageReference

__all__ = ["AsyncPortainerDeploymentTarget", "PortainerDeploymentTarget"]

DEFAULT_HEALTH_TIMEOUT = 120.0
DEFAULT_POLL_INTERVAL = 2.0


def _now() -> datetime:
    return datetime.now(timezone.utc)


def _service_containers(
    containers: list[PortainerContainer], stack: PortainerStack, service: str
) -> list[PortainerContainer]:
    # Swarm task containers are labelled com.docker.swarm.service.name=<stack>_<service>
    # and carry no compose label (docker stack deploy); compose ones carry the service.
    return [c for c in containers if c.stack_service(stack.name) == service]


_TASK_FAILED = (TaskState.FAILED, TaskState.REJECTED)


def _fold_tasks(tasks: list[SwarmTask], service: str) -> TargetStatus:
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


def _fold_status(containers: list[PortainerContainer], service: str) -> TargetStatus:
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


class _TargetCore:
    """The flows of the target; the sync and async classes only drive them."""

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

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.name!r})"

    def _stack_flow(self) -> Flow[PortainerStack]:
        stack = yield from get_stack_flow(self.stack_id)
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

    def _containers_flow(self, stack: PortainerStack | None) -> Flow[list[PortainerContainer]]:
        if stack is None:
            stack = yield from self._stack_flow()
        containers = yield from stack_containers_flow(
            self.endpoint_id, stack.name, swarm=stack.type is StackType.SWARM
        )
        return _service_containers(containers, stack, self.service)

    def _tasks_flow(self, stack: PortainerStack) -> Flow[list[SwarmTask]]:
        tasks = yield from swarm_tasks_flow(self.endpoint_id, f"{stack.name}_{self.service}")
        return tasks

    def deploy_flow(self, image: ImageReference, clock: Callable[[], float]) -> Flow[Deployment]:
        digest = pinned_digest(image)  # refuses tags before any I/O
        started = _now()
        deployment_id = f"stack-{self.stack_id}"

        def result(status: DeploymentStatus, detail: str) -> Deployment:
            return Deployment(
                id=deployment_id,
                target=self.name,
                image=image,
                status=status,
                started_at=started,
                finished_at=_now(),
                detail=detail,
            )

        deadline = clock() + self.deploy_timeout
        while True:
            stack = yield from self._stack_flow()
            if stack.is_git:
                raise UnsupportedOperationError(
                    f"stack {stack.id} ({stack.name!r}) is deployed from git; writing its "
                    "stack file would detach it from git",
                    workaround="commit the pinned image to the repository and call "
                    "PortainerClient.redeploy_git(), or convert the stack to a file stack",
                )
            try:
                # Newer CE refuses a write while a deploy runs (409): wait for it first.
                stack = yield from await_stack_flow(
                    self.stack_id,
                    clock,
                    timeout=max(deadline - clock(), 0.0),
                    poll_interval=self.poll_interval,
                    first=stack,
                )
            except DeploymentTimeoutError as exc:
                return result(DeploymentStatus.FAILED, f"another deploy is running: {exc}")
            content = yield from get_stack_file_flow(self.stack_id)
            # The same in-place edit as the GitOps file target: only the image scalar
            # (and a version label the service already has) changes.
            new_content = self._file.render_text(content, image)
            payload = update_payload(
                stack,
                new_content,
                merge_env(stack.env, None),
                pull_image=self.pull_image,
                prune=False,
                webhook=None,  # send the current one back: 2.36-era CE drops it otherwise
            )
            response = yield Call(
                "PUT",
                f"/stacks/{self.stack_id}",
                params={"endpointId": self.endpoint_id},
                json=payload,
                idempotent=False,
                allow_status=(409, 500),
            )
            assert response is not None
            if response.status_code == 409:
                message = _error_message(response)
                if "in progress" in message and clock() < deadline:
                    continue  # a deploy started between our read and write: wait again
                return result(DeploymentStatus.FAILED, message)
            if response.status_code == 500:
                # CE 2.23: the deploy failed inside the request; the file was restored.
                return result(DeploymentStatus.FAILED, _error_message(response))
            break
        updated = PortainerStack.from_api(response.json())
        if updated.status is StackStatus.DEPLOYING:
            # Newer CE: 200 while Deploying; the outcome lands in the stack's status.
            try:
                updated = yield from await_stack_flow(
                    self.stack_id,
                    clock,
                    timeout=max(deadline - clock(), 0.0),
                    poll_interval=self.poll_interval,
                    first=updated,
                )
            except DeploymentTimeoutError as exc:
                return result(DeploymentStatus.FAILED, str(exc))
            if updated.status is StackStatus.ERROR:
                return result(DeploymentStatus.FAILED, updated.deployment_error)
        if updated.updated_at is not None:
            deployment_id += f"@{int(updated.updated_at.timestamp())}"
        if self.health_timeout is None:
            return result(DeploymentStatus.SUCCEEDED, "stack deployed; health not awaited")
        status, detail = yield from self._await_healthy(updated, digest, clock)
        return result(status, detail)

    def _await_healthy(
        self, stack: PortainerStack, digest: Digest, clock: Callable[[], float]
    ) -> Flow[tuple[DeploymentStatus, str]]:
        assert self.health_timeout is not None
        deadline = clock() + self.health_timeout
        while True:
            if stack.type is StackType.SWARM:
                verdict = yield from self._swarm_verdict(stack, digest)
                if verdict[0] is not None:
                    return verdict[0], verdict[1]
                detail = verdict[1]
                remaining = deadline - clock()
                if remaining <= 0:
                    return (
                        DeploymentStatus.FAILED,
                        f"{detail}; not healthy within {self.health_timeout:g}s",
                    )
                yield Sleep(min(self.poll_interval, remaining))
                continue
            containers = yield from self._containers_flow(stack)
            current = [c for c in containers if c.image_digest == digest]
            folded = _fold_status(current, self.service)
            others = len(containers) - len(current)
            detail = folded.detail + (f"; {others} still on another image" if others else "")
            if folded.state is TargetState.HEALTHY and not others:
                return DeploymentStatus.SUCCEEDED, detail
            if current and all(c.health is ContainerHealth.UNHEALTHY for c in current):
                return DeploymentStatus.FAILED, detail + "; health check failing"
            if current and all(
                c.state in (ContainerState.EXITED, ContainerState.DEAD) for c in current
            ):
                return DeploymentStatus.FAILED, detail + "; containers exited"
            remaining = deadline - clock()
            if remaining <= 0:
                return (
                    DeploymentStatus.FAILED,
                    f"{detail}; not healthy within {self.health_timeout:g}s",
                )
            yield Sleep(min(self.poll_interval, remaining))

    def _swarm_verdict(
        self, stack: PortainerStack, digest: Digest
    ) -> Flow[tuple[DeploymentStatus | None, str]]:
        # A task with a health check is "starting" until healthy and fails when it
        # turns unhealthy (moby daemon/cluster/executor/container/controller.go).
        tasks = yield from self._tasks_flow(stack)
        service = f"{stack.name}_{self.service}"
        current = [t for t in tasks if t.image_digest == digest]
        failed = [t for t in current if t.state in _TASK_FAILED]
        live = [t for t in tasks if t.desired_state is TaskState.RUNNING]
        folded = _fold_tasks(tasks, service)
        others = len([t for t in live if t.image_digest != digest])
        detail = folded.detail + (f"; {others} still on another image" if others else "")
        if failed:
            reason = failed[-1].error or failed[-1].message or failed[-1].state.value
            return DeploymentStatus.FAILED, f"{detail}; task failed: {reason}"
        if folded.state is TargetState.HEALTHY and not others:
            return DeploymentStatus.SUCCEEDED, detail
        return None, detail

    def running_flow(self) -> Flow[RunningRelease]:
        stack = yield from self._stack_flow()
        if stack.type is StackType.SWARM:
            return (yield from self._swarm_running(stack))
        containers = yield from self._containers_flow(stack)
        live = [c for c in containers if c.is_running] or containers
        if not live:
            return RunningRelease()
        newest = max(live, key=lambda c: c.created_at or datetime.min.replace(tzinfo=timezone.utc))
        try:
            reference: ImageReference | None = ImageReference.parse(newest.image)
        except InvalidValueError:
            reference = None
        digest = newest.image_digest
        if digest is None and newest.image_id:
            # Deployed by tag: ask the engine which registry digest the image came from.
            repo_digests = yield from image_repo_digests_flow(self.endpoint_id, newest.image_id)
            digest = _matching_repo_digest(repo_digests, reference)
        return RunningRelease(digest=digest, version=newest.version, image=reference)

    def _swarm_running(self, stack: PortainerStack) -> Flow[RunningRelease]:
        tasks = yield from self._tasks_flow(stack)
        running = [
            t
            for t in tasks
            if t.desired_state is TaskState.RUNNING and t.state is TaskState.RUNNING
        ]
        if not running:
            return RunningRelease()
        digests = {t.image_digest for t in running}
        digest = digests.pop() if len(digests) == 1 else None
        try:
            reference: ImageReference | None = ImageReference.parse(running[0].image)
        except InvalidValueError:
            reference = None
        # The version label lives on the containers; only those on nodes Portainer sees.
        containers = yield from self._containers_flow(stack)
        ids = {t.container_id for t in running}
        versions = {c.version for c in containers if c.id in ids and c.version}
        version = versions.pop() if len(versions) == 1 else None
        return RunningRelease(digest=digest, version=version, image=reference)

    def status_flow(self) -> Flow[TargetStatus]:
        stack = yield from self._stack_flow()
        if stack.type is StackType.SWARM:
            tasks = yield from self._tasks_flow(stack)
            return _fold_tasks(tasks, f"{stack.name}_{self.service}")
        containers = yield from self._containers_flow(stack)
        return _fold_status(containers, self.service)


def _matching_repo_digest(
    repo_digests: list[str], reference: ImageReference | None
) -> Digest | None:
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


class PortainerDeploymentTarget(_TargetCore):
    """Deploy one compose service of a Portainer stack by digest.

    ``deploy(image)`` pins ``services.<service>.image`` to ``repo@sha256:...`` in the
    stack file (comments and layout kept), updates the stack with ``pullImage`` and its
    current environment, then waits up to ``health_timeout`` seconds until the
    service's containers run that digest and are healthy (``None``: do not wait).
    ``running()`` and ``status()`` read the containers through the Docker proxy; for a
    swarm stack they read the tasks of ``<stack>_<service>`` (every node) instead.

    On newer CE, whose stack update deploys in the background, ``deploy`` waits up to
    ``deploy_timeout`` for a running deploy before writing, and for its own deploy
    after writing (a failure recorded in the stack's status is FAILED with Portainer's
    message), also with ``health_timeout=None``. The stack's webhook is kept.

    Git-based stacks are refused (writing their file would detach them from git).

    Args:
        client: a :class:`PortainerClient`.
        stack_id: the stack id.
        endpoint_id: the environment the stack runs on.
        service: the compose service to pin.
        pull_image: ask Portainer to pull images again (default on).
        health_timeout: seconds to wait for healthy containers (or swarm tasks) after
            the update.
        poll_interval: seconds between container checks.
        deploy_timeout: seconds to wait for Portainer's background deploy (newer CE).
    """

    def __init__(
        self,
        client: PortainerClient,
        stack_id: int,
        endpoint_id: int,
        service: str,
        *,
        pull_image: bool = True,
        health_timeout: float | None = DEFAULT_HEALTH_TIMEOUT,
        poll_interval: float = DEFAULT_POLL_INTERVAL,
        deploy_timeout: float = DEFAULT_DEPLOY_TIMEOUT,
    ) -> None:
        super().__init__(
            stack_id,
            endpoint_id,
            service,
            pull_image=pull_image,
            health_timeout=health_timeout,
            poll_interval=poll_interval,
            deploy_timeout=deploy_timeout,
        )
        self.client = client

    def deploy(self, image: ImageReference) -> Deployment:
        """Pin ``image`` (by digest) for the service and roll it out.

        Raises:
            InvalidValueError: ``image`` is not pinned by digest (nothing is called).
            ConfigurationError: the stack file has no such service, or the service has
                no one-line ``image:`` to pin (nothing is changed).
            UnsupportedOperationError: the stack is git-based or Kubernetes.
        """
        result: Deployment = self.client._run(self.deploy_flow(image, self.client.clock))
        return result

    def running(self) -> RunningRelease:
        """The image, digest and version label of the service's newest running container."""
        result: RunningRelease = self.client._run(self.running_flow())
        return result

    def status(self) -> TargetStatus:
        """Health of the service's containers, folded into a :class:`TargetStatus`."""
        result: TargetStatus = self.client._run(self.status_flow())
        return result


class AsyncPortainerDeploymentTarget(_TargetCore):
    """Asynchronous twin of :class:`PortainerDeploymentTarget` over an
    :class:`AsyncPortainerClient`."""

    def __init__(
        self,
        client: AsyncPortainerClient,
        stack_id: int,
        endpoint_id: int,
        service: str,
        *,
        pull_image: bool = True,
        health_timeout: float | None = DEFAULT_HEALTH_TIMEOUT,
        poll_interval: float = DEFAULT_POLL_INTERVAL,
        deploy_timeout: float = DEFAULT_DEPLOY_TIMEOUT,
    ) -> None:
        super().__init__(
            stack_id,
            endpoint_id,
            service,
            pull_image=pull_image,
            health_timeout=health_timeout,
            poll_interval=poll_interval,
            deploy_timeout=deploy_timeout,
        )
        self.client = client

    async def deploy(self, image: ImageReference) -> Deployment:
        """See :meth:`PortainerDeploymentTarget.deploy`."""
        result: Deployment = await self.client._run(self.deploy_flow(image, self.client.clock))
        return result

    async def running(self) -> RunningRelease:
        """See :meth:`PortainerDeploymentTarget.running`."""
        result: RunningRelease = await self.client._run(self.running_flow())
        return result

    async def status(self) -> TargetStatus:
        """See :meth:`PortainerDeploymentTarget.status`."""
        result: TargetStatus = await self.client._run(self.status_flow())
        return result
