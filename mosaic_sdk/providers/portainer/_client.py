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
``POST /api/stacks/create/{standalone|swarm}/string``  :meth:`PortainerClient.create_stack`
``POST /api/stacks/{id}/start?endpointId=``            :meth:`PortainerClient.start_stack`
``POST /api/stacks/{id}/stop?endpointId=``             :meth:`PortainerClient.stop_stack`
``GET /api/endpoints/{id}/docker/containers/json``     :meth:`PortainerClient.stack_containers`
``GET /api/endpoints/{id}/docker/tasks``               :meth:`PortainerClient.swarm_tasks`
``GET /api/endpoints/{id}/docker/images/{name}/json``  :meth:`PortainerClient.image_repo_digests`
``POST /api/stacks/webhooks/{id}`` (no API key)        :class:`PortainerWebhookClient`
=====================================================  =========================================

Two generations of ``PUT /stacks/{id}`` exist. CE 2.23 deploys inside the request and
answers 500 when the deploy fails. Newer CE answers 200 with ``Status`` *Deploying*,
deploys in the background, records a failure as ``Status`` *Error* with the message in
``DeploymentStatus``, and answers 409 "Stack deployment is already in progress" while a
deploy runs. The flows here read the stack after the write and wait for it to settle, so
both generations give the same result.
"""

from __future__ import annotations

import asyncio
import json as jsonlib
import os
import re
import time
import uuid
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
    check_credential,
)
from mosaic_sdk.errors import (
    APIResponseValidationError,
    ConfigurationError,
    DeploymentTimeoutError,
    InvalidValueError,
    ServerError,
    UnsupportedOperationError,
)
from mosaic_sdk.observability._redact import register_secret, sanitize_url
from mosaic_sdk.providers._flow import Call, Flow, Sleep, arun_flow, run_flow, single
from mosaic_sdk.providers.portainer._models import (
    COMPOSE_PROJECT_LABEL,
    PortainerContainer,
    PortainerEndpoint,
    PortainerStack,
    StackEnvVar,
    StackStatus,
    StackType,
    SwarmTask,
)

if TYPE_CHECKING:
    import httpx

__all__ = [
    "AsyncPortainerClient",
    "AsyncPortainerWebhookClient",
    "PortainerClient",
    "PortainerWebhookClient",
    "merge_env",
]

PROVIDER = "portainer"
#: CE 2.23 runs ``docker compose up`` inside the stack update request: allow minutes.
DEFAULT_TIMEOUT = 300.0
#: How long to wait for a background deploy of newer CE (its own limit is 15 minutes,
#: ``context.WithTimeout(..., 15*time.Minute)`` in ``stackDeploy``).
DEFAULT_DEPLOY_TIMEOUT = 900.0
DEFAULT_POLL_INTERVAL = 2.0
SWARM_NAMESPACE_LABEL = "com.docker.stack.namespace"
URL_ENV = "PORTAINER_URL"
API_KEY_ENV = "PORTAINER_API_KEY"
_STACK_NAME = re.compile(r"^[-_a-z0-9]+$")
_AUTH_HINT = (
    "; Portainer refused the access token sent in the X-API-Key header: create one under "
    "My account > Access tokens (https://<portainer>/#!/account) and pass it as "
    f"api_key=, or set ${API_KEY_ENV} and use from_env()"
)


def _error_message(response: HTTPResponse) -> str:
    # Portainer: {"message": "...", "details": "..."} (pkg/libhttp/error/error.go:17-60);
    # Docker proxy: {"message": "..."}.
    try:
        body = jsonlib.loads(response.content) if response.content else None
    except ValueError:
        body = None
    if isinstance(body, dict) and isinstance(body.get("message"), str):
        message = f"HTTP {response.status_code}: {body['message']}"
        details = body.get("details")
        if isinstance(details, str) and details and details != body["message"]:
            message += f" ({details[:500]})"
    else:
        text = response.text.strip()
        message = f"HTTP {response.status_code}" + (f": {text[:300]}" if text else "")
    if response.status_code == 401:
        # api/http/security/bouncer.go:300-330: "Invalid JWT token" for an unknown key,
        # "A valid authorization token is missing" without one; both mean the key.
        message += _AUTH_HINT
    return message


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


def _check_webhook(webhook: object) -> str:
    if not isinstance(webhook, str):
        raise InvalidValueError(webhook, "webhook must be text", "pass a UUID, or '' to remove it")
    if webhook:
        try:
            uuid.UUID(webhook)
        except ValueError:
            raise InvalidValueError(
                webhook, "is not a UUID; Portainer stack webhooks are UUIDs", "pass uuid4()"
            ) from None
    return webhook


def update_payload(
    stack: PortainerStack,
    content: str,
    env: list[StackEnvVar],
    *,
    pull_image: bool,
    prune: bool,
    webhook: str | None,
) -> dict[str, Any]:
    """The body of ``PUT /stacks/{id}``, the same for every CE generation.

    ``webhook`` ``None`` sends the stack's current one: the 2.36-era CE removes the
    webhook when the field is empty (``stack.AutoUpdate = nil``); 2.23 ignores the field.
    """
    payload: dict[str, Any] = {
        "stackFileContent": content,
        "env": [var.to_api() for var in env],
        "pullImage": pull_image,
    }
    if stack.type is StackType.SWARM or prune:
        # CE 2.23 reads prune for swarm stacks only; never send it unasked.
        payload["prune"] = prune
    hook = stack.webhook if webhook is None else webhook
    if hook:
        payload["webhook"] = hook
    return payload


def await_stack_flow(
    stack_id: int,
    clock: Callable[[], float],
    *,
    timeout: float,
    poll_interval: float = DEFAULT_POLL_INTERVAL,
    first: PortainerStack | None = None,
) -> Flow[PortainerStack]:
    """Poll ``GET /stacks/{id}`` until the stack is no longer *Deploying* (newer CE's
    background deploy) and return it. CE 2.23 never reports *Deploying*: one read at most.

    Raises:
        DeploymentTimeoutError: still deploying after ``timeout`` seconds.
    """
    deadline = clock() + timeout
    stack = first if first is not None else (yield from get_stack_flow(stack_id))
    while stack.status is StackStatus.DEPLOYING:
        remaining = deadline - clock()
        if remaining <= 0:
            raise DeploymentTimeoutError(
                f"Portainer stack {stack_id} ({stack.name!r}) is still deploying after "
                f"{timeout:g}s; check it in Portainer, or wait longer with deploy_timeout=",
                deployment_id=f"stack-{stack_id}",
                last_status="Deploying",
                timeout=timeout,
                provider=PROVIDER,
            )
        yield Sleep(min(poll_interval, remaining))
        stack = yield from get_stack_flow(stack_id)
    return stack


def _deploy_failed(stack: PortainerStack, method: str = "PUT") -> ServerError:
    # Reported like CE 2.23's HTTP 500 for the same failure, so one except clause covers
    # both generations.
    return ServerError(
        f"Portainer stack {stack.id} ({stack.name!r}) failed to deploy: {stack.deployment_error}",
        status_code=500,
        provider=PROVIDER,
        method=method,
        url=f"/stacks/{stack.id}",
    )


def settle_flow(
    stack: PortainerStack,
    clock: Callable[[], float],
    *,
    timeout: float,
    poll_interval: float,
    method: str = "PUT",
) -> Flow[PortainerStack]:
    """After a write: wait out a background deploy, raise :class:`ServerError` when
    Portainer recorded it as failed."""
    settled = yield from await_stack_flow(
        stack.id, clock, timeout=timeout, poll_interval=poll_interval, first=stack
    )
    if settled.status is StackStatus.ERROR and stack.status is StackStatus.DEPLOYING:
        raise _deploy_failed(settled, method)
    return settled


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
    webhook: str | None = None,
    wait: bool = True,
    deploy_timeout: float = DEFAULT_DEPLOY_TIMEOUT,
    poll_interval: float = DEFAULT_POLL_INTERVAL,
    clock: Callable[[], float] = time.monotonic,
) -> Flow[PortainerStack]:
    """Flow of :meth:`PortainerClient.update_stack`."""
    _check_id(stack_id, "stack id")
    _validate_env(env, replace=replace_env)
    if webhook is not None:
        _check_webhook(webhook)
    if stack_file_content is not None and (
        not isinstance(stack_file_content, str) or not stack_file_content.strip()
    ):
        raise InvalidValueError(
            stack_file_content,
            "stack file content is empty",
            "pass the full compose file, or None to keep the current one",
        )
    stack = yield from get_stack_flow(stack_id)
    if wait and stack.status is StackStatus.DEPLOYING:
        # Newer CE answers 409 while a deploy runs: wait for it instead.
        stack = yield from await_stack_flow(
            stack_id, clock, timeout=deploy_timeout, poll_interval=poll_interval, first=stack
        )
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
    payload = update_payload(
        stack,
        stack_file_content,
        new_env,
        pull_image=pull_image,
        prune=prune,
        webhook=webhook,
    )
    response = yield Call(
        "PUT",
        f"/stacks/{stack_id}",
        params={"endpointId": endpoint},
        json=payload,
        idempotent=False,  # a deploy: never repeat it after a timeout
    )
    assert response is not None
    updated = PortainerStack.from_api(response.json())
    if not wait:
        return updated
    return (
        yield from settle_flow(updated, clock, timeout=deploy_timeout, poll_interval=poll_interval)
    )


def _normalized_name(name: object) -> str:
    if not isinstance(name, str) or not name:
        raise InvalidValueError(name, "stack name is empty", "pass a name like 'shop'")
    # api/exec/common.go:5 and compose_stack.go:146-148: Portainer lower-cases the name
    # and drops [^-_a-z0-9]; refuse what it would silently rewrite.
    normalized = re.sub(r"[^-_a-z0-9]+", "", name.lower())
    if not _STACK_NAME.match(name):
        raise InvalidValueError(
            name,
            "Portainer would rename this stack (lower case, only letters, digits, '-', '_')",
            f"pass {normalized!r}" if normalized else "use letters, digits, '-' or '_'",
        )
    return name


def create_stack_flow(
    name: str,
    stack_file_content: str,
    *,
    endpoint_id: int,
    env: Mapping[str, str] | None,
    swarm: bool,
    swarm_id: str | None,
    wait: bool = True,
    deploy_timeout: float = DEFAULT_DEPLOY_TIMEOUT,
    poll_interval: float = DEFAULT_POLL_INTERVAL,
    clock: Callable[[], float] = time.monotonic,
) -> Flow[PortainerStack]:
    """Flow of :meth:`PortainerClient.create_stack`."""
    name = _normalized_name(name)
    _check_id(endpoint_id, "endpoint id")
    if not isinstance(stack_file_content, str) or not stack_file_content.strip():
        raise InvalidValueError(stack_file_content, "stack file content is empty", "pass it")
    _validate_env(env, replace=False)
    if any(value is None for value in (env or {}).values()):
        raise InvalidValueError(None, "env values must be strings", "leave the variable out")
    payload: dict[str, Any] = {
        "name": name,
        "stackFileContent": stack_file_content,
        "env": [{"name": k, "value": v} for k, v in (env or {}).items()],
    }
    if swarm or swarm_id:
        if not swarm_id:
            # The swarm payload requires SwarmID (create_swarm_stack.go:32-43).
            response = yield Call("GET", f"/endpoints/{endpoint_id}/docker/swarm")
            assert response is not None
            body = response.json()
            swarm_id = body.get("ID") if isinstance(body, dict) else None
            if not isinstance(swarm_id, str) or not swarm_id:
                raise UnsupportedOperationError(
                    f"environment {endpoint_id} is not a swarm manager (no swarm ID)",
                    workaround="create a compose stack (swarm=False), or pass swarm_id=",
                )
        payload["swarmID"] = swarm_id
    kind = "swarm" if "swarmID" in payload else "standalone"
    response = yield Call(
        "POST",
        f"/stacks/create/{kind}/string",
        params={"endpointId": endpoint_id},
        json=payload,
        idempotent=False,
    )
    assert response is not None
    created = PortainerStack.from_api(response.json())
    if not wait:
        return created
    return (
        yield from settle_flow(
            created, clock, timeout=deploy_timeout, poll_interval=poll_interval, method="POST"
        )
    )


def start_stop_flow(stack_id: int, action: str, *, endpoint_id: int | None) -> Flow[PortainerStack]:
    """Flow of :meth:`PortainerClient.start_stack` and :meth:`PortainerClient.stop_stack`."""
    _check_id(stack_id, "stack id")
    stack = yield from get_stack_flow(stack_id)
    wanted = StackStatus.ACTIVE if action == "start" else StackStatus.INACTIVE
    if stack.status is wanted:
        # CE answers 400 "Stack is already active/inactive" (stack_start.go:105-107,
        # stack_stop.go:94-96): already there is success.
        return stack
    endpoint = _resolve_endpoint(stack, endpoint_id)
    response = yield Call(
        "POST", f"/stacks/{stack_id}/{action}", params={"endpointId": endpoint}, idempotent=False
    )
    assert response is not None
    return PortainerStack.from_api(response.json())


def swarm_tasks_flow(endpoint_id: int, service: str) -> Flow[list[SwarmTask]]:
    """Flow of :meth:`PortainerClient.swarm_tasks`."""
    _check_id(endpoint_id, "endpoint id")
    if not isinstance(service, str) or not service:
        raise InvalidValueError(service, "service name is empty", "pass '<stack>_<service>'")
    filters = jsonlib.dumps({"service": [service]}, separators=(",", ":"))
    return single(
        Call("GET", f"/endpoints/{endpoint_id}/docker/tasks", params={"filters": filters}),
        lambda r: [SwarmTask.from_api(item) for item in _json_list(r, "tasks")],
    )


_WEBHOOK_PATH = re.compile(r"/stacks/webhooks/([^/?#]+)/?$")


def trigger_webhook_flow(base_url: str, webhook: str) -> Flow[None]:
    """Flow of :meth:`PortainerWebhookClient.trigger_stack_webhook`."""
    if not isinstance(webhook, str) or not webhook:
        raise InvalidValueError(webhook, "webhook is empty", "pass the webhook UUID or URL")
    webhook_id = webhook
    if "://" in webhook:
        parts = urlsplit(webhook)
        mine = urlsplit(base_url)
        match = _WEBHOOK_PATH.search(parts.path)
        if (parts.scheme, parts.netloc) != (mine.scheme, mine.netloc) or match is None:
            raise InvalidValueError(
                "<webhook URL>",
                "points at another Portainer (or is not a stack webhook URL)",
                f"pass a webhook of {mine.scheme}://{mine.netloc}, or just its UUID",
            )
        webhook_id = match.group(1)
    try:
        uuid.UUID(webhook_id)
    except ValueError:
        raise InvalidValueError(
            "<webhook>", "is not a UUID; Portainer stack webhooks are UUIDs", "copy it again"
        ) from None
    response = yield Call("POST", f"/stacks/webhooks/{webhook_id}", idempotent=False)
    assert response is not None
    return None


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
        api_key = check_credential(api_key, argument="api_key", env_var=API_KEY_ENV)
        register_secret(api_key)
        self.base_url = _api_base(base_url)
        self._headers = {"X-API-Key": api_key, "Accept": "application/json"}

    def __repr__(self) -> str:
        return f"{type(self).__name__}(base_url={sanitize_url(self.base_url)!r})"


def _from_env(*, key: bool = True) -> tuple[str, str]:
    url = os.environ.get(URL_ENV, "")
    api_key = os.environ.get(API_KEY_ENV, "")
    missing = [name for name, value in ((URL_ENV, url), (API_KEY_ENV, api_key)) if not value]
    if not key and API_KEY_ENV in missing:
        missing.remove(API_KEY_ENV)
    if missing:
        raise ConfigurationError(
            f"environment variable(s) {', '.join(missing)} not set; export the Portainer URL"
            " and an access token (My account > Access tokens), or pass them to "
            "PortainerClient(base_url, api_key=...)"
        )
    return url, api_key


class PortainerClient(_PortainerBase):
    """Synchronous Portainer client authenticated with an access token (``X-API-Key``).

    Args:
        base_url: the Portainer URL, e.g. ``https://portainer.example.com:9443``;
            ``/api`` is appended unless the URL already ends with it.
        api_key: a Portainer access token (``ptr_...``, *My account > Access tokens*),
            keyword-only. Never logged or shown.
        timeout: seconds per request. Stack updates deploy synchronously, so the
            default is five minutes.
        retry: the retry policy. Stack updates are never repeated automatically.
        verify: TLS verification (``True``, ``False`` or a CA bundle path).
        transport: an httpx transport for tests.
        sleep: blocking sleep used when polling (tests inject a fake).
        clock: monotonic clock used for polling deadlines.

    Example:
        >>> with PortainerClient("https://portainer.example.com", api_key="ptr_x") as p:
        ...     stack = p.get_stack(7)  # doctest: +SKIP
    """

    def __init__(
        self,
        base_url: str,
        *,
        api_key: str,
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

    @classmethod
    def from_env(cls, **kwargs: Any) -> PortainerClient:
        """A client from ``PORTAINER_URL`` and ``PORTAINER_API_KEY``; ``kwargs`` as for
        the constructor.

        Raises:
            ConfigurationError: a variable is missing.
        """
        url, api_key = _from_env()
        return cls(url, api_key=api_key, **kwargs)

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
                webhook=webhook,
                wait=wait,
                deploy_timeout=deploy_timeout,
                poll_interval=poll_interval,
                clock=self.clock,
            )
        )
        return result

    def create_stack(
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
        result: PortainerStack = self._run(
            create_stack_flow(
                name,
                stack_file_content,
                endpoint_id=endpoint_id,
                env=env,
                swarm=swarm,
                swarm_id=swarm_id,
                wait=wait,
                deploy_timeout=deploy_timeout,
                poll_interval=poll_interval,
                clock=self.clock,
            )
        )
        return result

    def start_stack(self, stack_id: int, *, endpoint_id: int | None = None) -> PortainerStack:
        """Start a stopped stack (``POST /api/stacks/{id}/start?endpointId=``); a stack
        Portainer already records as active is returned as is.

        Raises:
            NotFoundError: no such stack or environment.
            ConflictError: a stack of that name already runs, or (newer CE) a deploy
                is in progress.
        """
        result: PortainerStack = self._run(
            start_stop_flow(stack_id, "start", endpoint_id=endpoint_id)
        )
        return result

    def stop_stack(self, stack_id: int, *, endpoint_id: int | None = None) -> PortainerStack:
        """Stop a stack: compose down, or remove the swarm services
        (``POST /api/stacks/{id}/stop?endpointId=``); a stack Portainer already records
        as inactive is returned as is.

        Raises:
            NotFoundError: no such stack or environment.
        """
        result: PortainerStack = self._run(
            start_stop_flow(stack_id, "stop", endpoint_id=endpoint_id)
        )
        return result

    def swarm_tasks(self, endpoint_id: int, service: str) -> list[SwarmTask]:
        """The tasks of a swarm service, on every node, through the Docker proxy
        (``GET /api/endpoints/{id}/docker/tasks?filters={"service":[...]}``). A stack's
        services are named ``<stack>_<service>``."""
        result: list[SwarmTask] = self._run(swarm_tasks_flow(endpoint_id, service))
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
        *,
        api_key: str,
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

    @classmethod
    def from_env(cls, **kwargs: Any) -> AsyncPortainerClient:
        """See :meth:`PortainerClient.from_env`."""
        url, api_key = _from_env()
        return cls(url, api_key=api_key, **kwargs)

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
                webhook=webhook,
                wait=wait,
                deploy_timeout=deploy_timeout,
                poll_interval=poll_interval,
                clock=self.clock,
            )
        )
        return result

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
        """See :meth:`PortainerClient.create_stack`."""
        result: PortainerStack = await self._run(
            create_stack_flow(
                name,
                stack_file_content,
                endpoint_id=endpoint_id,
                env=env,
                swarm=swarm,
                swarm_id=swarm_id,
                wait=wait,
                deploy_timeout=deploy_timeout,
                poll_interval=poll_interval,
                clock=self.clock,
            )
        )
        return result

    async def start_stack(self, stack_id: int, *, endpoint_id: int | None = None) -> PortainerStack:
        """See :meth:`PortainerClient.start_stack`."""
        result: PortainerStack = await self._run(
            start_stop_flow(stack_id, "start", endpoint_id=endpoint_id)
        )
        return result

    async def stop_stack(self, stack_id: int, *, endpoint_id: int | None = None) -> PortainerStack:
        """See :meth:`PortainerClient.stop_stack`."""
        result: PortainerStack = await self._run(
            start_stop_flow(stack_id, "stop", endpoint_id=endpoint_id)
        )
        return result

    async def swarm_tasks(self, endpoint_id: int, service: str) -> list[SwarmTask]:
        """See :meth:`PortainerClient.swarm_tasks`."""
        result: list[SwarmTask] = await self._run(swarm_tasks_flow(endpoint_id, service))
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


class PortainerWebhookClient:
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
        >>> hooks = PortainerWebhookClient("https://portainer.example.com")
        >>> hooks.trigger_stack_webhook("c11fdf23-183e-428a-9bb6-16db01032174")  # doctest: +SKIP
    """

    def __init__(
        self,
        base_url: str,
        *,
        timeout: float | None = 30.0,
        retry: RetryPolicy | None = None,
        verify: bool | str = True,
        transport: httpx.BaseTransport | None = None,
    ) -> None:
        self.base_url = _api_base(base_url)
        self._http = HTTPClient(
            self.base_url,
            provider=PROVIDER,
            headers={"Accept": "application/json"},
            timeout=timeout,
            retry=retry,
            verify=verify,
            transport=transport,
            error_message=_error_message,
        )

    @classmethod
    def from_env(cls, **kwargs: Any) -> PortainerWebhookClient:
        """A webhook client for ``PORTAINER_URL``; no access token is read."""
        return cls(_from_env(key=False)[0], **kwargs)

    def __repr__(self) -> str:
        return f"{type(self).__name__}(base_url={sanitize_url(self.base_url)!r})"

    def trigger_stack_webhook(self, webhook: str) -> None:
        """Redeploy the stack the webhook belongs to (``POST /api/stacks/webhooks/{id}``).

        Args:
            webhook: the webhook UUID, or the whole URL Portainer shows (it must be on
                this client's Portainer).

        Raises:
            InvalidValueError: not a UUID, or a URL of another host (nothing is sent).
            NotFoundError: no stack has this webhook.
            ConflictError: the stack's author no longer exists (auto-update unavailable).
        """
        run_flow(self._http, trigger_webhook_flow(self.base_url, webhook), time.sleep)

    def close(self) -> None:
        """Close the connection pool."""
        self._http.close()

    def __enter__(self) -> PortainerWebhookClient:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()


class AsyncPortainerWebhookClient:
    """Asynchronous twin of :class:`PortainerWebhookClient`."""

    def __init__(
        self,
        base_url: str,
        *,
        timeout: float | None = 30.0,
        retry: RetryPolicy | None = None,
        verify: bool | str = True,
        transport: httpx.AsyncBaseTransport | None = None,
    ) -> None:
        self.base_url = _api_base(base_url)
        self._http = AsyncHTTPClient(
            self.base_url,
            provider=PROVIDER,
            headers={"Accept": "application/json"},
            timeout=timeout,
            retry=retry,
            verify=verify,
            transport=transport,
            error_message=_error_message,
        )

    @classmethod
    def from_env(cls, **kwargs: Any) -> AsyncPortainerWebhookClient:
        """See :meth:`PortainerWebhookClient.from_env`."""
        return cls(_from_env(key=False)[0], **kwargs)

    def __repr__(self) -> str:
        return f"{type(self).__name__}(base_url={sanitize_url(self.base_url)!r})"

    async def trigger_stack_webhook(self, webhook: str) -> None:
        """See :meth:`PortainerWebhookClient.trigger_stack_webhook`."""
        await arun_flow(self._http, trigger_webhook_flow(self.base_url, webhook), asyncio.sleep)

    async def aclose(self) -> None:
        """Close the connection pool."""
        await self._http.aclose()

    async def __aenter__(self) -> AsyncPortainerWebhookClient:
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.aclose()
