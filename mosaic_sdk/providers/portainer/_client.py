"""Portainer API client (sync and async twins over one set of sans-I/O flows).

Endpoints used (``basePath: /api``; paths from the Portainer EE 2.31.2 swagger, behaviour
from the CE source, see ``docs/providers/portainer.md``):

=====================================================  =========================================
``GET /api/endpoints``                                 :meth:`PortainerClient.list_endpoints`
``GET /api/stacks``                                    :meth:`PortainerClient.list_stacks`
``GET /api/stacks/{id}``                               :meth:`PortainerClient.get_stack`
``GET /api/stacks/{id}/file``                          :meth:`PortainerClient.get_stack_file`
``PUT /api/stacks/{id}?endpointId=``                   :meth:`PortainerClient.update_stack`
``PUT /api/stacks/{id}/git/redeploy?endpointId=``      :meth:`PortainerClient.redeploy_git`
``GET /api/endpoints/{id}/docker/containers/json``     :meth:`PortainerClient.stack_containers`
``GET /api/endpoints/{id}/docker/images/{name}/json``  :meth:`PortainerClient.image_repo_digests`
=====================================================  =========================================
"""

from __future__ import annotations

import asyncio
import json as jsonlib
import time
from collections.abc import Awaitable, Callable, Mapping
from types import TracebackType
from typing import TYPE_CHECKING, Any
from urllib.parse import quote, urlsplit

from mosaic_sdk._http import (
    AsyncHTTPClient,
    HTTPClient,
    HTTPResponse,
    RetryPolicy,
    check_base_url,
)
from mosaic_sdk.errors import (
    APIResponseValidationError,
    ConfigurationError,
    InvalidValueError,
    UnsupportedOperationError,
)
from mosaic_sdk.observability._redact import register_secret, sanitize_url
from mosaic_sdk.providers._flow import Call, Flow, arun_flow, run_flow, single
from mosaic_sdk.providers.portainer._models import (
    COMPOSE_PROJECT_LABEL,
    PortainerContainer,
    PortainerEndpoint,
    PortainerStack,
    StackEnvVar,
    StackType,
)

if TYPE_CHECKING:
    import httpx

__all__ = ["AsyncPortainerClient", "PortainerClient", "merge_env"]

PROVIDER = "portainer"
#: Stack updates run ``docker compose up`` inside the request: allow minutes.
DEFAULT_TIMEOUT = 300.0
SWARM_NAMESPACE_LABEL = "com.docker.stack.namespace"


def _error_message(response: HTTPResponse) -> str:
    # Portainer: {"message": "...", "details": "..."}; Docker proxy: {"message": "..."}.
    try:
        body = jsonlib.loads(response.content) if response.content else None
    except ValueError:
        body = None
    if isinstance(body, dict) and isinstance(body.get("message"), str):
        message = f"HTTP {response.status_code}: {body['message']}"
        details = body.get("details")
        if isinstance(details, str) and details and details != body["message"]:
            message += f" ({details[:500]})"
        return message
    text = response.text.strip()
    return f"HTTP {response.status_code}" + (f": {text[:300]}" if text else "")


def _check_id(value: object, what: str) -> int:
    if not isinstance(value, int) or isinstance(value, bool) or value < 1:
        raise InvalidValueError(
            value, f"{what} must be a positive integer", f"pass the numeric Portainer {what}"
        )
    return value


def _api_base(base_url: str) -> str:
    base = check_base_url(
        base_url, what="Portainer base URL", example="https://portainer.example.com:9443"
    )
    return base if urlsplit(base).path.endswith("/api") else base + "/api"


def _json_list(response: HTTPResponse, what: str) -> list[Any]:
    if response.status_code == 204 or not response.content.strip():
        return []
    body = response.json()
    if body is None:
        return []
    if not isinstance(body, list):
        raise APIResponseValidationError(
            f"expected a JSON list of {what}, got {type(body).__name__}",
            provider=PROVIDER,
            method=response.method,
            url=response.url.split("?", 1)[0],
        )
    return body


def merge_env(
    current: tuple[StackEnvVar, ...] | list[StackEnvVar],
    changes: Mapping[str, str | None] | None,
) -> list[StackEnvVar]:
    """Apply ``changes`` to ``current`` the way the SDK sends stack environments.

    Existing variables keep their order and are updated in place; new names are
    appended in the order given; a ``None`` value removes the variable. Everything not
    named in ``changes`` is kept, because Portainer **replaces** the whole list.
    """
    changes = dict(changes or {})
    merged: list[StackEnvVar] = []
    seen: set[str] = set()
    for var in current:
        if var.name in seen:
            continue
        seen.add(var.name)
        if var.name in changes:
            value = changes[var.name]
            if value is not None:
                merged.append(StackEnvVar(var.name, value))
        else:
            merged.append(var)
    merged.extend(
        StackEnvVar(name, value)
        for name, value in changes.items()
        if name not in seen and value is not None
    )
    return merged


def _validate_env(env: Mapping[str, str | None] | None, *, replace: bool) -> None:
    if env is None:
        if replace:
            raise InvalidValueError(
                None,
                "replace_env=True needs the complete environment",
                "pass env={...} with every variable the stack should keep",
            )
        return
    if not isinstance(env, Mapping):
        raise InvalidValueError(env, "env must be a mapping of name to value", "pass a dict")
    for name, value in env.items():
        if not isinstance(name, str) or not name or "=" in name:
            raise InvalidValueError(
                name, "is not a valid environment variable name", "use names like 'APP_MODE'"
            )
        if value is None and replace:
            raise InvalidValueError(
                name,
                "a None value (remove) makes no sense with replace_env=True",
                "leave the variable out of env instead",
            )
        if value is not None and not isinstance(value, str):
            raise InvalidValueError(
                name, f"value must be a string, got {type(value).__name__}", "convert it to str"
            )


# ---------------------------------------------------------------------------------------
# Flows: request building and parsing, no I/O.
# ---------------------------------------------------------------------------------------


def list_endpoints_flow() -> Flow[list[PortainerEndpoint]]:
    """Flow of :meth:`PortainerClient.list_endpoints`."""
    return single(
        Call("GET", "/endpoints", params={"excludeSnapshots": "true"}),
        lambda r: [PortainerEndpoint.from_api(item) for item in _json_list(r, "environments")],
    )


def list_stacks_flow(endpoint_id: int | None) -> Flow[list[PortainerStack]]:
    """Flow of :meth:`PortainerClient.list_stacks`."""
    params: dict[str, str] = {}
    if endpoint_id is not None:
        params["filters"] = jsonlib.dumps(
            {"EndpointID": _check_id(endpoint_id, "endpoint id")}, separators=(",", ":")
        )
    return single(
        Call("GET", "/stacks", params=params or None),
        lambda r: [PortainerStack.from_api(item) for item in _json_list(r, "stacks")],
    )


def get_stack_flow(stack_id: int) -> Flow[PortainerStack]:
    """Flow of :meth:`PortainerClient.get_stack`."""
    _check_id(stack_id, "stack id")
    return single(Call("GET", f"/stacks/{stack_id}"), lambda r: PortainerStack.from_api(r.json()))


def _parse_stack_file(response: HTTPResponse) -> str:
    body = response.json()
    if isinstance(body, dict):
        for key, value in body.items():
            if key.lower() == "stackfilecontent" and isinstance(value, str):
                return value
    raise APIResponseValidationError(
        "stack file answer has no 'StackFileContent' string",
        provider=PROVIDER,
        method=response.method,
        url=response.url.split("?", 1)[0],
    )


def get_stack_file_flow(stack_id: int) -> Flow[str]:
    """Flow of :meth:`PortainerClient.get_stack_file`."""
    _check_id(stack_id, "stack id")
    return single(Call("GET", f"/stacks/{stack_id}/file"), _parse_stack_file)


def _resolve_endpoint(stack: PortainerStack, endpoint_id: int | None) -> int:
    if endpoint_id is None:
        if stack.endpoint_id < 1:
            raise InvalidValueError(
                None,
                f"stack {stack.id} ({stack.name!r}) records no environment",
                "pass endpoint_id= explicitly",
            )
        return stack.endpoint_id
    _check_id(endpoint_id, "endpoint id")
    if stack.endpoint_id and endpoint_id != stack.endpoint_id:
        # Portainer would silently move the stack to the other environment.
        raise InvalidValueError(
            endpoint_id,
            f"stack {stack.id} ({stack.name!r}) runs on environment {stack.endpoint_id}, "
            "and Portainer would re-home it",
            f"pass endpoint_id={stack.endpoint_id} or leave it out",
        )
    return endpoint_id


def update_stack_flow(
    stack_id: int,
    stack_file_content: str | None,
    *,
    endpoint_id: int | None,
    env: Mapping[str, str | None] | None,
    replace_env: bool,
    prune: bool,
    pull_image: bool,
    detach_from_git: bool,
) -> Flow[PortainerStack]:
    """Flow of :meth:`PortainerClient.update_stack`."""
    _check_id(stack_id, "stack id")
    _validate_env(env, replace=replace_env)
    if stack_file_content is not None and (
        not isinstance(stack_file_content, str) or not stack_file_content.strip()
    ):
        raise InvalidValueError(
            stack_file_content,
            "stack file content is empty",
            "pass the full compose file, or None to keep the current one",
        )
    stack = yield from get_stack_flow(stack_id)
    if stack.is_git and not detach_from_git:
        assert stack.git_config is not None
        raise UnsupportedOperationError(
            f"stack {stack.id} ({stack.name!r}) is deployed from git "
            f"({stack.git_config.url} {stack.git_config.reference_name}); "
            "PUT /stacks/{id} would detach it from git and stop its auto-updates",
            workaround="use redeploy_git(), or pass detach_from_git=True if that is intended",
        )
    endpoint = _resolve_endpoint(stack, endpoint_id)
    if stack_file_content is None:
        stack_file_content = yield from get_stack_file_flow(stack_id)
    if replace_env:
        assert env is not None
        new_env = [StackEnvVar(name, value) for name, value in env.items() if value is not None]
    else:
        new_env = merge_env(stack.env, env)
    payload: dict[str, Any] = {
        "stackFileContent": stack_file_content,
        "env": [var.to_api() for var in new_env],
        "pullImage": pull_image,
    }
    if stack.type is StackType.SWARM or prune:
        # Portainer documents prune for swarm stacks only; never send it unasked.
        payload["prune"] = prune
    response = yield Call(
        "PUT",
        f"/stacks/{stack_id}",
        params={"endpointId": endpoint},
        json=payload,
        idempotent=False,  # synchronous deploy: never repeat it after a timeout
    )
    assert response is not None
    return PortainerStack.from_api(response.json())


def redeploy_git_flow(
    stack_id: int,
    *,
    endpoint_id: int | None,
    reference_name: str | None,
    env: Mapping[str, str | None] | None,
    replace_env: bool,
    prune: bool,
    pull_image: bool,
    repository_username: str | None,
    repository_password: str | None,
) -> Flow[PortainerStack]:
    """Flow of :meth:`PortainerClient.redeploy_git`."""
    _check_id(stack_id, "stack id")
    _validate_env(env, replace=replace_env)
    if reference_name is not None and (not isinstance(reference_name, str) or not reference_name):
        raise InvalidValueError(
            reference_name,
            "git reference name is empty",
            "pass e.g. 'refs/heads/main', or None to keep the stack's current reference",
        )
    stack = yield from get_stack_flow(stack_id)
    if stack.git_config is None:
        raise UnsupportedOperationError(
            f"stack {stack.id} ({stack.name!r}) is not deployed from git",
            workaround="use update_stack() to change its stack file",
        )
    endpoint = _resolve_endpoint(stack, endpoint_id)
    if replace_env:
        assert env is not None
        new_env = [StackEnvVar(name, value) for name, value in env.items() if value is not None]
    else:
        new_env = merge_env(stack.env, env)
    # Portainer copies repositoryReferenceName into the stack with no default: an empty
    # one switches the stack to the repository's default branch. Always send it.
    payload: dict[str, Any] = {
        "repositoryReferenceName": reference_name or stack.git_config.reference_name,
        "env": [var.to_api() for var in new_env],
        "prune": prune,
        "pullImage": pull_image,
    }
    auth = stack.git_config.authentication
    if repository_password:
        register_secret(repository_password)
    if repository_username is not None or repository_password is not None:
        payload["repositoryAuthentication"] = True
        payload["repositoryUsername"] = repository_username or (auth.username if auth else "")
        if repository_password:
            payload["repositoryPassword"] = repository_password
    elif auth is not None:
        # Keep the stored credentials: with authentication on and no password, Portainer
        # reuses the password it has.
        payload["repositoryAuthentication"] = True
        payload["repositoryUsername"] = auth.username
        if auth.git_credential_id:
            payload["repositoryGitCredentialID"] = auth.git_credential_id
    response = yield Call(
        "PUT",
        f"/stacks/{stack_id}/git/redeploy",
        params={"endpointId": endpoint},
        json=payload,
        idempotent=False,
    )
    assert response is not None
    return PortainerStack.from_api(response.json())


def stack_containers_flow(
    endpoint_id: int, stack_name: str, *, swarm: bool
) -> Flow[list[PortainerContainer]]:
    """Flow of :meth:`PortainerClient.stack_containers`."""
    _check_id(endpoint_id, "endpoint id")
    if not isinstance(stack_name, str) or not stack_name:
        raise InvalidValueError(stack_name, "stack name is empty", "pass the stack's Name")
    label = SWARM_NAMESPACE_LABEL if swarm else COMPOSE_PROJECT_LABEL
    filters = jsonlib.dumps({"label": [f"{label}={stack_name}"]}, separators=(",", ":"))
    return single(
        Call(
            "GET",
            f"/endpoints/{endpoint_id}/docker/containers/json",
            params={"all": "1", "filters": filters},
        ),
        lambda r: [PortainerContainer.from_api(item) for item in _json_list(r, "containers")],
    )


def _parse_repo_digests(response: HTTPResponse) -> list[str]:
    body = response.json()
    if not isinstance(body, dict):
        raise APIResponseValidationError(
            "image inspect answer is not a JSON object", provider=PROVIDER
        )
    for key, value in body.items():
        if key.lower() == "repodigests":
            return [str(item) for item in value or []]
    return []


def image_repo_digests_flow(endpoint_id: int, image: str) -> Flow[list[str]]:
    """Flow of :meth:`PortainerClient.image_repo_digests`."""
    _check_id(endpoint_id, "endpoint id")
    if not isinstance(image, str) or not image:
        raise InvalidValueError(image, "image name or id is empty", "pass an image id or name")
    return single(
        Call("GET", f"/endpoints/{endpoint_id}/docker/images/{quote(image, safe='')}/json"),
        _parse_repo_digests,
    )


# ---------------------------------------------------------------------------------------
# The clients.
# ---------------------------------------------------------------------------------------


class _PortainerBase:
    """What both twins share: configuration, validation and repr."""

    def __init__(self, base_url: str, api_key: str) -> None:
        if not isinstance(api_key, str) or not api_key.strip():
            raise ConfigurationError(
                "Portainer API key is empty; create an access token under "
                "'My account > Access tokens' and pass it as api_key"
            )
        if api_key != api_key.strip() or any(ch.isspace() for ch in api_key):
            raise ConfigurationError(
                "Portainer API key contains whitespace; copy it again without spaces or newlines"
            )
        register_secret(api_key)
        self.base_url = _api_base(base_url)
        self._headers = {"X-API-Key": api_key, "Accept": "application/json"}

    def __repr__(self) -> str:
        return f"{type(self).__name__}(base_url={sanitize_url(self.base_url)!r})"


class PortainerClient(_PortainerBase):
    """Synchronous Portainer client authenticated with an access token (``X-API-Key``).

    Args:
        base_url: the Portainer URL, e.g. ``https://portainer.example.com:9443``;
            ``/api`` is appended unless the URL already ends with it.
        api_key: a Portainer access token (``ptr_...``). Never logged or shown.
        timeout: seconds per request. Stack updates deploy synchronously, so the
            default is five minutes.
        retry: the retry policy. Stack updates are never repeated automatically.
        verify: TLS verification (``True``, ``False`` or a CA bundle path).
        transport: an httpx transport for tests.
        sleep: blocking sleep used when polling (tests inject a fake).
        clock: monotonic clock used for polling deadlines.

    Example:
        >>> with PortainerClient("https://portainer.example.com", "ptr_x") as portainer:
        ...     stack = portainer.get_stack(7)  # doctest: +SKIP
    """

    def __init__(
        self,
        base_url: str,
        api_key: str,
        *,
        timeout: float | None = DEFAULT_TIMEOUT,
        retry: RetryPolicy | None = None,
        verify: bool | str = True,
        transport: httpx.BaseTransport | None = None,
        sleep: Callable[[float], None] = time.sleep,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        super().__init__(base_url, api_key)
        self.sleep = sleep
        self.clock = clock
        self._http = HTTPClient(
            self.base_url,
            provider=PROVIDER,
            headers=self._headers,
            timeout=timeout,
            retry=retry,
            verify=verify,
            transport=transport,
            error_message=_error_message,
        )

    def _run(self, flow: Flow[Any]) -> Any:
        # Drives a sans-I/O flow; the deployment targets of this package use it too.
        return run_flow(self._http, flow, self.sleep)

    def list_endpoints(self) -> list[PortainerEndpoint]:
        """List the environments the token can see (``GET /api/endpoints``)."""
        result: list[PortainerEndpoint] = self._run(list_endpoints_flow())
        return result

    def list_stacks(self, endpoint_id: int | None = None) -> list[PortainerStack]:
        """List stacks, optionally of one environment (``GET /api/stacks?filters=``)."""
        result: list[PortainerStack] = self._run(list_stacks_flow(endpoint_id))
        return result

    def get_stack(self, stack_id: int) -> PortainerStack:
        """Inspect one stack (``GET /api/stacks/{id}``).

        Raises:
            NotFoundError: no stack has this id.
        """
        result: PortainerStack = self._run(get_stack_flow(stack_id))
        return result

    def get_stack_file(self, stack_id: int) -> str:
        """Return the stack's compose file (``GET /api/stacks/{id}/file``)."""
        result: str = self._run(get_stack_file_flow(stack_id))
        return result

    def update_stack(
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
    ) -> PortainerStack:
        """Write a file-based stack and redeploy it (``PUT /api/stacks/{id}?endpointId=``).

        Portainer **replaces** the stack's environment with the list it receives, so the
        client reads the stack first and sends the current variables with ``env``
        applied (a ``None`` value removes one). Pass ``replace_env=True`` to send
        exactly ``env`` instead. The deploy runs inside the request; it is never retried
        automatically.

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

        Raises:
            UnsupportedOperationError: the stack is git-based and ``detach_from_git`` is
                false.
            InvalidValueError: bad ids, names or values, or an endpoint the stack does
                not run on.
            ServerError: the deploy failed (Portainer restores the previous file).
        """
        result: PortainerStack = self._run(
            update_stack_flow(
                stack_id,
                stack_file_content,
                endpoint_id=endpoint_id,
                env=env,
                replace_env=replace_env,
                prune=prune,
                pull_image=pull_image,
                detach_from_git=detach_from_git,
            )
        )
        return result

    def redeploy_git(
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
        result: PortainerStack = self._run(
            redeploy_git_flow(
                stack_id,
                endpoint_id=endpoint_id,
                reference_name=reference_name,
                env=env,
                replace_env=replace_env,
                prune=prune,
                pull_image=pull_image,
                repository_username=repository_username,
                repository_password=repository_password,
            )
        )
        return result

    def stack_containers(
        self, endpoint_id: int, stack_name: str, *, swarm: bool = False
    ) -> list[PortainerContainer]:
        """The containers of a stack, running or not, through the Docker proxy
        (``GET /api/endpoints/{id}/docker/containers/json?all=1&filters=``).

        Compose stacks are matched by ``com.docker.compose.project=<name>``; with
        ``swarm=True`` by ``com.docker.stack.namespace=<name>`` (tasks on the node
        Portainer talks to only).
        """
        result: list[PortainerContainer] = self._run(
            stack_containers_flow(endpoint_id, stack_name, swarm=swarm)
        )
        return result

    def image_repo_digests(self, endpoint_id: int, image: str) -> list[str]:
        """The ``RepoDigests`` (``repo@sha256:...``) of a local image, by id or name
        (``GET /api/endpoints/{id}/docker/images/{name}/json``)."""
        result: list[str] = self._run(image_repo_digests_flow(endpoint_id, image))
        return result

    def close(self) -> None:
        """Close the connection pool."""
        self._http.close()

    def __enter__(self) -> PortainerClient:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()


class AsyncPortainerClient(_PortainerBase):
    """Asynchronous twin of :class:`PortainerClient`: same arguments and methods,
    awaited; ``await client.aclose()``."""

    def __init__(
        self,
        base_url: str,
        api_key: str,
        *,
        timeout: float | None = DEFAULT_TIMEOUT,
        retry: RetryPolicy | None = None,
        verify: bool | str = True,
        transport: httpx.AsyncBaseTransport | None = None,
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
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
            error_message=_error_message,
        )

    async def _run(self, flow: Flow[Any]) -> Any:
        # Drives a sans-I/O flow; the deployment targets of this package use it too.
        return await arun_flow(self._http, flow, self.sleep)

    async def list_endpoints(self) -> list[PortainerEndpoint]:
        """See :meth:`PortainerClient.list_endpoints`."""
        result: list[PortainerEndpoint] = await self._run(list_endpoints_flow())
        return result

    async def list_stacks(self, endpoint_id: int | None = None) -> list[PortainerStack]:
        """See :meth:`PortainerClient.list_stacks`."""
        result: list[PortainerStack] = await self._run(list_stacks_flow(endpoint_id))
        return result

    async def get_stack(self, stack_id: int) -> PortainerStack:
        """See :meth:`PortainerClient.get_stack`."""
        result: PortainerStack = await self._run(get_stack_flow(stack_id))
        return result

    async def get_stack_file(self, stack_id: int) -> str:
        """See :meth:`PortainerClient.get_stack_file`."""
        result: str = await self._run(get_stack_file_flow(stack_id))
        return result

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
    ) -> PortainerStack:
        """See :meth:`PortainerClient.update_stack`."""
        result: PortainerStack = await self._run(
            update_stack_flow(
                stack_id,
                stack_file_content,
                endpoint_id=endpoint_id,
                env=env,
                replace_env=replace_env,
                prune=prune,
                pull_image=pull_image,
                detach_from_git=detach_from_git,
            )
        )
        return result

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
        """See :meth:`PortainerClient.redeploy_git`."""
        result: PortainerStack = await self._run(
            redeploy_git_flow(
                stack_id,
                endpoint_id=endpoint_id,
                reference_name=reference_name,
                env=env,
                replace_env=replace_env,
                prune=prune,
                pull_image=pull_image,
                repository_username=repository_username,
                repository_password=repository_password,
            )
        )
        return result

    async def stack_containers(
        self, endpoint_id: int, stack_name: str, *, swarm: bool = False
    ) -> list[PortainerContainer]:
        """See :meth:`PortainerClient.stack_containers`."""
        result: list[PortainerContainer] = await self._run(
            stack_containers_flow(endpoint_id, stack_name, swarm=swarm)
        )
        return result

    async def image_repo_digests(self, endpoint_id: int, image: str) -> list[str]:
        """See :meth:`PortainerClient.image_repo_digests`."""
        result: list[str] = await self._run(image_repo_digests_flow(endpoint_id, image))
        return result

    async def aclose(self) -> None:
        """Close the connection pool."""
        await self._http.aclose()

    async def __aenter__(self) -> AsyncPortainerClient:
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.aclose()
