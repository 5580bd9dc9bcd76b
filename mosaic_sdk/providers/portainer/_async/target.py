"""Portainer as an :class:`~mosaic_sdk.providers.AsyncDeploymentTarget`:
:class:`AsyncPortainerDeploymentTarget`.

This module reads, writes and polls; the decisions (which stacks can be pinned, the
pinned stack file, when a rollout succeeded or failed) are in
``mosaic_sdk.providers.portainer._target_rules``.
"""

from __future__ import annotations

from mosaic_sdk.errors import DeploymentTimeoutError
from mosaic_sdk.providers._protocol import (
    Deployment,
    DeploymentStatus,
    RunningRelease,
    TargetStatus,
    pinned_digest,
)
from mosaic_sdk.providers.portainer import _requests as rq
from mosaic_sdk.providers.portainer._async.client import AsyncPortainerClient
from mosaic_sdk.providers.portainer._models import (
    PortainerContainer,
    PortainerStack,
    StackStatus,
    StackType,
    SwarmTask,
)
from mosaic_sdk.providers.portainer._target_rules import (
    DEFAULT_HEALTH_TIMEOUT,
    DEFAULT_POLL_INTERVAL,
    TargetRules,
    Verdict,
    container_verdict,
    fold_status,
    fold_tasks,
    matching_repo_digest,
    newest_container,
    now,
    reference_of,
    running_tasks,
    service_containers,
    swarm_release,
    swarm_verdict,
)
from mosaic_sdk.values import Digest, ImageReference

__all__ = ["AsyncPortainerDeploymentTarget"]


class AsyncPortainerDeploymentTarget(TargetRules):
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
        client: a :class:`AsyncPortainerClient`; its ``sleep`` and ``clock`` pace the
            polling.
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
        client: AsyncPortainerClient,
        stack_id: int,
        endpoint_id: int,
        service: str,
        *,
        pull_image: bool = True,
        health_timeout: float | None = DEFAULT_HEALTH_TIMEOUT,
        poll_interval: float = DEFAULT_POLL_INTERVAL,
        deploy_timeout: float = rq.DEFAULT_DEPLOY_TIMEOUT,
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

    async def _stack(self) -> PortainerStack:
        return self._checked_stack(await self.client.get_stack(self.stack_id))

    async def _containers(self, stack: PortainerStack) -> list[PortainerContainer]:
        swarm = stack.type is StackType.SWARM
        containers = await self.client.stack_containers(self.endpoint_id, stack.name, swarm=swarm)
        return service_containers(containers, stack, self.service)

    async def _tasks(self, stack: PortainerStack) -> list[SwarmTask]:
        return await self.client.swarm_tasks(self.endpoint_id, self._swarm_service(stack))

    async def _settled(self, stack: PortainerStack, deadline: float) -> PortainerStack:
        # Wait out a background deploy (newer CE), until the deploy's own deadline.
        return await self.client._wait_for_stack(
            self.stack_id,
            timeout=max(deadline - self.client.clock(), 0.0),
            poll_interval=self.poll_interval,
            first=stack,
        )

    async def deploy(self, image: ImageReference) -> Deployment:
        """Pin ``image`` (by digest) for the service and roll it out.

        Raises:
            InvalidValueError: ``image`` is not pinned by digest (nothing is called).
            ConfigurationError: the stack file has no such service, or the service has
                no one-line ``image:`` to pin (nothing is changed).
            UnsupportedOperationError: the stack is git-based or Kubernetes.
        """
        digest = pinned_digest(image)  # refuses tags before any I/O
        started = now()
        deployment_id = f"stack-{self.stack_id}"
        clock = self.client.clock
        deadline = clock() + self.deploy_timeout
        while True:
            stack = await self._stack()
            self._refuse_git(stack)
            try:
                # Newer CE refuses a write while a deploy runs (409): wait for it first.
                stack = await self._settled(stack, deadline)
            except DeploymentTimeoutError as exc:
                detail = f"another deploy is running: {exc}"
                return self._deployment(
                    image, started, deployment_id, DeploymentStatus.FAILED, detail
                )
            content = await self.client.get_stack_file(self.stack_id)
            payload = self._pinned_payload(stack, content, image)
            request = rq.update_stack_request(
                self.stack_id, self.endpoint_id, payload, allow_status=(409, 500)
            )
            response = await self.client._send(request)
            if response.status_code == 409:
                message = rq.error_message(response)
                if "in progress" in message and clock() < deadline:
                    continue  # a deploy started between our read and write: wait again
                return self._deployment(
                    image, started, deployment_id, DeploymentStatus.FAILED, message
                )
            if response.status_code == 500:
                # CE 2.23: the deploy failed inside the request; the file was restored.
                message = rq.error_message(response)
                return self._deployment(
                    image, started, deployment_id, DeploymentStatus.FAILED, message
                )
            break
        updated = rq.parse_stack(response)
        if updated.status is StackStatus.DEPLOYING:
            # Newer CE: 200 while Deploying; the outcome lands in the stack's status.
            try:
                updated = await self._settled(updated, deadline)
            except DeploymentTimeoutError as exc:
                return self._deployment(
                    image, started, deployment_id, DeploymentStatus.FAILED, str(exc)
                )
            if updated.status is StackStatus.ERROR:
                return self._deployment(
                    image, started, deployment_id, DeploymentStatus.FAILED, updated.deployment_error
                )
        if updated.updated_at is not None:
            deployment_id += f"@{int(updated.updated_at.timestamp())}"
        if self.health_timeout is None:
            detail = "stack deployed; health not awaited"
            return self._deployment(
                image, started, deployment_id, DeploymentStatus.SUCCEEDED, detail
            )
        status, detail = await self._wait_until_healthy(updated, digest)
        return self._deployment(image, started, deployment_id, status, detail)

    async def _verdict(self, stack: PortainerStack, digest: Digest) -> Verdict:
        if stack.type is StackType.SWARM:
            return swarm_verdict(await self._tasks(stack), digest, self._swarm_service(stack))
        return container_verdict(await self._containers(stack), digest, self.service)

    async def _wait_until_healthy(
        self, stack: PortainerStack, digest: Digest
    ) -> tuple[DeploymentStatus, str]:
        assert self.health_timeout is not None
        deadline = self.client.clock() + self.health_timeout
        while True:
            verdict, detail = await self._verdict(stack, digest)
            if verdict is not None:
                return verdict, detail
            remaining = deadline - self.client.clock()
            if remaining <= 0:
                return (
                    DeploymentStatus.FAILED,
                    f"{detail}; not healthy within {self.health_timeout:g}s",
                )
            await self.client.sleep(min(self.poll_interval, remaining))

    async def running(self) -> RunningRelease:
        """The image, digest and version label of the service's newest running container."""
        stack = await self._stack()
        if stack.type is StackType.SWARM:
            running = running_tasks(await self._tasks(stack))
            if not running:
                return RunningRelease()
            return swarm_release(running, await self._containers(stack))
        newest = newest_container(await self._containers(stack))
        if newest is None:
            return RunningRelease()
        reference = reference_of(newest.image)
        digest = newest.image_digest
        if digest is None and newest.image_id:
            # Deployed by tag: ask the engine which registry digest the image came from.
            repo_digests = await self.client.image_repo_digests(self.endpoint_id, newest.image_id)
            digest = matching_repo_digest(repo_digests, reference)
        return RunningRelease(digest=digest, version=newest.version, image=reference)

    async def status(self) -> TargetStatus:
        """Health of the service's containers, folded into a :class:`TargetStatus`."""
        stack = await self._stack()
        if stack.type is StackType.SWARM:
            return fold_tasks(await self._tasks(stack), self._swarm_service(stack))
        return fold_status(await self._containers(stack), self.service)
