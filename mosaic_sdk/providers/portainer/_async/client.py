"""The Portainer API clients: :class:`AsyncPortainerClient` and
:class:`AsyncPortainerWebhookClient`.

This module only sends requests in order and polls; what each request is and what its
answer means is in ``mosaic_sdk.providers.portainer._requests`` (endpoints, CE
generations and their differences are described there and in
``docs/providers/portainer.md``).
"""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, Any

from mosaic_sdk._core._async.closing import AsyncPooled
from mosaic_sdk._core._concurrency import AsyncSleep, asleep
from mosaic_sdk._http import AsyncHTTPClient, HTTPResponse, RetryPolicy
from mosaic_sdk.providers.portainer import _requests as rq
from mosaic_sdk.providers.portainer._models import (
    PortainerContainer,
    PortainerEndpoint,
    PortainerStack,
    StackStatus,
    SwarmTask,
)
from mosaic_sdk.providers.portainer._requests import (
    DEFAULT_DEPLOY_TIMEOUT,
    DEFAULT_POLL_INTERVAL,
    DEFAULT_TIMEOUT,
    DEFAULT_WEBHOOK_TIMEOUT,
    PROVIDER,
    ClientConfig,
    Request,
    WebhookConfig,
)

if TYPE_CHECKING:
    from mosaic_sdk._http import AsyncBaseTransport

__all__ = ["AsyncPortainerClient", "AsyncPortainerWebhookClient"]


class AsyncPortainerClient(AsyncPooled[AsyncHTTPClient], ClientConfig):
    """Portainer client authenticated with an access token (``X-API-Key``).

    Args:
        base_url: the Portainer URL, e.g. ``https://portainer.example.com:9443``;
            ``/api`` is appended unless the URL already ends with it.
        api_key: a Portainer access token (``ptr_...``, *My account > Access tokens*),
            keyword-only. Never logged or shown.
        timeout: seconds per request. Stack updates of CE 2.23 deploy inside the
            request, so the default is five minutes.
        retry: the retry policy. Stack updates are never repeated automatically.
        verify: TLS verification (``True``, ``False`` or a CA bundle path).
        transport: an httpx transport for tests.
        sleep: the sleep used when polling (tests inject a fake).
        clock: monotonic clock used for polling deadlines.

    Example:
        >>> async with AsyncPortainerClient("https://portainer.example.com", api_key="ptr_x") as p:
        ...     stack = await p.get_stack(7)  # doctest: +SKIP
    """

    def __init__(
        self,
        base_url: str,
        *,
        api_key: str,
        timeout: float | None = DEFAULT_TIMEOUT,
        retry: RetryPolicy | None = None,
        verify: bool | str = True,
        transport: AsyncBaseTransport | None = None,
        sleep: AsyncSleep = asleep,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        super().__init__(base_url, api_key)
        self.sleep = sleep
        self.clock = clock
        self._http = AsyncHTTPClient(
            self.base_url,
            provider=PROVIDER,
            headers=self._headers,
            timeout=timeout,
            retry=retry,
            verify=verify,
            transport=transport,
            error_message=rq.error_message,
        )

    async def _send(self, request: Request) -> HTTPResponse:
        # The deployment target of this package sends its own stack update through here.
        return await self._http.request(
            request.method,
            request.path,
            params=request.params,
            json=request.json,
            idempotent=request.idempotent,
            allow_status=request.allow_status,
        )

    async def list_endpoints(self) -> list[PortainerEndpoint]:
        """List the environments the token can see (``GET /api/endpoints``)."""
        return rq.parse_endpoints(await self._send(rq.list_endpoints_request()))

    async def list_stacks(self, endpoint_id: int | None = None) -> list[PortainerStack]:
        """List stacks, optionally of one environment (``GET /api/stacks?filters=``)."""
        return rq.parse_stacks(await self._send(rq.list_stacks_request(endpoint_id)))

    async def get_stack(self, stack_id: int) -> PortainerStack:
        """Inspect one stack (``GET /api/stacks/{id}``).

        Raises:
            NotFoundError: no stack has this id.
        """
        return rq.parse_stack(await self._send(rq.get_stack_request(stack_id)))

    async def get_stack_file(self, stack_id: int) -> str:
        """Return the stack's compose file (``GET /api/stacks/{id}/file``)."""
        return rq.parse_stack_file(await self._send(rq.get_stack_file_request(stack_id)))

    @classmethod
    def from_env(cls, **kwargs: Any) -> AsyncPortainerClient:
        """A client from ``PORTAINER_URL`` and ``PORTAINER_API_KEY``; ``kwargs`` as for
        the constructor.

        Raises:
            ConfigurationError: a variable is missing.
        """
        url, api_key = rq.from_env()
        return cls(url, api_key=api_key, **kwargs)

    async def _wait_for_stack(
        self,
        stack_id: int,
        *,
        timeout: float,
        poll_interval: float = DEFAULT_POLL_INTERVAL,
        first: PortainerStack | None = None,
    ) -> PortainerStack:
        """Poll ``GET /stacks/{id}`` until the stack is no longer *Deploying* (newer CE's
        background deploy) and return it. CE 2.23 never reports *Deploying*: one read at
        most (none when ``first`` is given).

        Raises:
            DeploymentTimeoutError: still deploying after ``timeout`` seconds.
        """
        deadline = self.clock() + timeout
        stack = first if first is not None else await self.get_stack(stack_id)
        while stack.status is StackStatus.DEPLOYING:
            remaining = deadline - self.clock()
            if remaining <= 0:
                raise rq.still_deploying(stack_id, stack, timeout)
            await self.sleep(min(poll_interval, remaining))
            stack = await self.get_stack(stack_id)
        return stack

    async def _settle(
        self, stack: PortainerStack, *, timeout: float, poll_interval: float, method: str
    ) -> PortainerStack:
        """After a write: wait out a background deploy, raise :class:`ServerError` when
        Portainer recorded it as failed."""
        settled = await self._wait_for_stack(
            stack.id, timeout=timeout, poll_interval=poll_interval, first=stack
        )
        if settled.status is StackStatus.ERROR and stack.status is StackStatus.DEPLOYING:
            raise rq.deploy_failed(settled, method)
        return settled

    async def update_stack(
        self,
        stack_id: int,
        stack_file_content: str | None = None,
        *,
        endpoint_id: int | None = None,
        env: Mapping[str, str | None] | None = None,
        replace_env: bool = False,
        prune: bool = False,
        pull_image: bool = False,
        detach_from_git: bool = False,
        webhook: str | None = None,
        wait: bool = True,
        deploy_timeout: float = DEFAULT_DEPLOY_TIMEOUT,
        poll_interval: float = DEFAULT_POLL_INTERVAL,
    ) -> PortainerStack:
        """Write a file-based stack and redeploy it (``PUT /api/stacks/{id}?endpointId=``).

        Portainer **replaces** the stack's environment with the list it receives, so the
        client reads the stack first and sends the current variables with ``env``
        applied (a ``None`` value removes one). Pass ``replace_env=True`` to send
        exactly ``env`` instead. The stack's webhook is sent back unchanged (the
        2.36-era CE deletes it when the field is missing). The deploy is never retried
        automatically.

        CE 2.23 deploys inside the request. Newer CE answers at once with the stack
        *Deploying* and deploys in the background; with ``wait`` (default) the client
        waits for a running deploy before writing (newer CE would answer 409) and polls
        ``GET /api/stacks/{id}`` after writing until the deploy settled.

        Args:
            stack_id: the stack.
            stack_file_content: the new compose file; ``None`` keeps the current one
                (to change only the environment or re-pull images).
            endpoint_id: the stack's environment; defaults to the one it records.
            env: variables to set (``None`` value: remove).
            replace_env: send ``env`` as the complete environment.
            prune: remove services no longer in the file (swarm stacks).
            pull_image: pull images again even when the tag did not change.
            detach_from_git: allow updating a git-based stack, which detaches it from
                git (Portainer's behaviour).
            webhook: ``None`` keeps the stack's webhook, a UUID sets it, ``""`` removes
                it (CE 2.23 ignores the field).
            wait: wait for a background deploy (newer CE) to settle.
            deploy_timeout: seconds to wait for it.
            poll_interval: seconds between stack reads while waiting.

        Raises:
            UnsupportedOperationError: the stack is git-based and ``detach_from_git`` is
                false.
            InvalidValueError: bad ids, names or values, or an endpoint the stack does
                not run on.
            ServerError: the deploy failed (CE 2.23: HTTP 500 and the previous file is
                restored; newer CE: the stack's status records the error).
            ConflictError: another deploy started between the read and the write.
            DeploymentTimeoutError: still deploying after ``deploy_timeout``.
        """
        rq.check_update_args(
            stack_id, stack_file_content, env=env, replace_env=replace_env, webhook=webhook
        )
        stack = await self.get_stack(stack_id)
        if wait and stack.status is StackStatus.DEPLOYING:
            # Newer CE answers 409 while a deploy runs: wait for it instead.
            stack = await self._wait_for_stack(
                stack_id, timeout=deploy_timeout, poll_interval=poll_interval, first=stack
            )
        rq.check_not_git(stack, detach_from_git=detach_from_git)
        endpoint = rq.resolve_endpoint(stack, endpoint_id)
        if stack_file_content is None:
            stack_file_content = await self.get_stack_file(stack_id)
        payload = rq.update_payload(
            stack,
            stack_file_content,
            rq.new_env(stack, env, replace_env=replace_env),
            pull_image=pull_image,
            prune=prune,
            webhook=webhook,
        )
        updated = rq.parse_stack(
            await self._send(rq.update_stack_request(stack_id, endpoint, payload))
        )
        if not wait:
            return updated
        return await self._settle(
            updated, timeout=deploy_timeout, poll_interval=poll_interval, method="PUT"
        )

    async def create_stack(
        self,
        name: str,
        stack_file_content: str,
        *,
        endpoint_id: int,
        env: Mapping[str, str] | None = None,
        swarm: bool = False,
        swarm_id: str | None = None,
        wait: bool = True,
        deploy_timeout: float = DEFAULT_DEPLOY_TIMEOUT,
        poll_interval: float = DEFAULT_POLL_INTERVAL,
    ) -> PortainerStack:
        """Create and deploy a stack from a compose file
        (``POST /api/stacks/create/standalone/string?endpointId=``, or
        ``.../create/swarm/string`` with ``swarm=True``).

        A swarm stack needs the cluster id: without ``swarm_id`` it is read from
        ``GET /api/endpoints/{id}/docker/swarm``. Names Portainer would rewrite (upper
        case, other characters than ``a-z0-9-_``) are refused. Newer CE deploys in the
        background; ``wait`` polls until it settled.

        Raises:
            InvalidValueError: a name Portainer would change, empty content, bad env.
            ConflictError: a stack of that name exists on the environment.
            ServerError: the deploy failed.
            UnsupportedOperationError: ``swarm=True`` on an environment that is no
                swarm manager.
        """
        payload = rq.create_payload(name, stack_file_content, endpoint_id=endpoint_id, env=env)
        if swarm or swarm_id:
            if not swarm_id:
                answer = await self._send(rq.swarm_request(endpoint_id))
                swarm_id = rq.parse_swarm_id(answer, endpoint_id)
            payload["swarmID"] = swarm_id
        created = rq.parse_stack(await self._send(rq.create_stack_request(payload, endpoint_id)))
        if not wait:
            return created
        return await self._settle(
            created, timeout=deploy_timeout, poll_interval=poll_interval, method="POST"
        )

    async def _start_stop(
        self, stack_id: int, action: str, endpoint_id: int | None
    ) -> PortainerStack:
        rq.check_id(stack_id, "stack id")
        stack = await self.get_stack(stack_id)
        if rq.already(stack, action):
            return stack
        endpoint = rq.resolve_endpoint(stack, endpoint_id)
        return rq.parse_stack(await self._send(rq.start_stop_request(stack_id, action, endpoint)))

    async def start_stack(self, stack_id: int, *, endpoint_id: int | None = None) -> PortainerStack:
        """Start a stopped stack (``POST /api/stacks/{id}/start?endpointId=``); a stack
        Portainer already records as active is returned as is.

        Raises:
            NotFoundError: no such stack or environment.
            ConflictError: a stack of that name already runs, or (newer CE) a deploy
                is in progress.
        """
        return await self._start_stop(stack_id, "start", endpoint_id)

    async def stop_stack(self, stack_id: int, *, endpoint_id: int | None = None) -> PortainerStack:
        """Stop a stack: compose down, or remove the swarm services
        (``POST /api/stacks/{id}/stop?endpointId=``); a stack Portainer already records
        as inactive is returned as is.

        Raises:
            NotFoundError: no such stack or environment.
        """
        return await self._start_stop(stack_id, "stop", endpoint_id)

    async def swarm_tasks(self, endpoint_id: int, service: str) -> list[SwarmTask]:
        """The tasks of a swarm service, on every node, through the Docker proxy
        (``GET /api/endpoints/{id}/docker/tasks?filters={"service":[...]}``). A stack's
        services are named ``<stack>_<service>``."""
        return rq.parse_tasks(await self._send(rq.swarm_tasks_request(endpoint_id, service)))

    async def redeploy_git(
        self,
        stack_id: int,
        *,
        endpoint_id: int | None = None,
        reference_name: str | None = None,
        env: Mapping[str, str | None] | None = None,
        replace_env: bool = False,
        prune: bool = False,
        pull_image: bool = True,
        repository_username: str | None = None,
        repository_password: str | None = None,
    ) -> PortainerStack:
        """Pull a git-based stack and redeploy it (``PUT /api/stacks/{id}/git/redeploy``).

        ``repositoryReferenceName`` is always sent: ``reference_name`` when given, else
        the stack's current reference (Portainer would otherwise switch to the
        repository's default branch). The environment is merged as in
        :meth:`update_stack`; stored git credentials are kept unless new ones are given.

        Raises:
            UnsupportedOperationError: the stack is not git-based.
        """
        rq.check_redeploy_args(
            stack_id, env=env, replace_env=replace_env, reference_name=reference_name
        )
        stack = await self.get_stack(stack_id)
        rq.check_git(stack)
        endpoint = rq.resolve_endpoint(stack, endpoint_id)
        payload = rq.redeploy_payload(
            stack,
            reference_name=reference_name,
            env=env,
            replace_env=replace_env,
            prune=prune,
            pull_image=pull_image,
            repository_username=repository_username,
            repository_password=repository_password,
        )
        return rq.parse_stack(await self._send(rq.redeploy_request(stack_id, endpoint, payload)))

    async def stack_containers(
        self, endpoint_id: int, stack_name: str, *, swarm: bool = False
    ) -> list[PortainerContainer]:
        """The containers of a stack, running or not, through the Docker proxy
        (``GET /api/endpoints/{id}/docker/containers/json?all=1&filters=``).

        Compose stacks are matched by ``com.docker.compose.project=<name>``; with
        ``swarm=True`` by ``com.docker.stack.namespace=<name>`` (tasks on the node
        Portainer talks to only).
        """
        request = rq.stack_containers_request(endpoint_id, stack_name, swarm=swarm)
        return rq.parse_containers(await self._send(request))

    async def image_repo_digests(self, endpoint_id: int, image: str) -> list[str]:
        """The ``RepoDigests`` (``repo@sha256:...``) of a local image, by id or name
        (``GET /api/endpoints/{id}/docker/images/{name}/json``)."""
        request = rq.image_repo_digests_request(endpoint_id, image)
        return rq.parse_repo_digests(await self._send(request))


class AsyncPortainerWebhookClient(AsyncPooled[AsyncHTTPClient], WebhookConfig):
    """Trigger stack webhooks without an access token: CI can redeploy a stack with
    only its webhook (``POST /api/stacks/webhooks/{uuid}`` is public,
    ``api/http/handler/stacks/handler.go:91-92``).

    Portainer answers 204 at once and redeploys in the background
    (``api/stacks/deployments/deploy.go:96-108``). CE 2.23 redeploys **git** stacks
    only (pulls the repository, redeploys when the commit changed); for a file stack the
    call succeeds and does nothing (``deploy.go:61-63``).

    Args:
        base_url: the Portainer URL (``/api`` is appended unless present).
        timeout: seconds per request.
        retry: the retry policy (the webhook call itself is never repeated).
        verify: TLS verification (``True``, ``False`` or a CA bundle path).
        transport: an httpx transport for tests.

    Example:
        >>> hooks = AsyncPortainerWebhookClient("https://portainer.example.com")
        >>> hook = "c11fdf23-183e-428a-9bb6-16db01032174"
        >>> await hooks.trigger_stack_webhook(hook)  # doctest: +SKIP
    """

    def __init__(
        self,
        base_url: str,
        *,
        timeout: float | None = DEFAULT_WEBHOOK_TIMEOUT,
        retry: RetryPolicy | None = None,
        verify: bool | str = True,
        transport: AsyncBaseTransport | None = None,
    ) -> None:
        super().__init__(base_url)
        self._http = AsyncHTTPClient(
            self.base_url,
            provider=PROVIDER,
            headers=self._headers,
            timeout=timeout,
            retry=retry,
            verify=verify,
            transport=transport,
            error_message=rq.error_message,
        )

    @classmethod
    def from_env(cls, **kwargs: Any) -> AsyncPortainerWebhookClient:
        """A webhook client for ``PORTAINER_URL``; no access token is read."""
        return cls(rq.from_env(key=False)[0], **kwargs)

    async def trigger_stack_webhook(self, webhook: str) -> None:
        """Redeploy the stack the webhook belongs to (``POST /api/stacks/webhooks/{id}``).

        Args:
            webhook: the webhook UUID, or the whole URL Portainer shows (it must be on
                this client's Portainer).

        Raises:
            InvalidValueError: not a UUID, or a URL of another host (nothing is sent).
            NotFoundError: no stack has this webhook.
            ConflictError: the stack's author no longer exists (auto-update unavailable).
        """
        request = rq.webhook_request(self.base_url, webhook)
        await self._http.request(request.method, request.path, idempotent=request.idempotent)
