"""Portainer requests and answers, with no I/O: what both client twins share.

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
deploy runs. The clients read the stack after the write and wait for it to settle, so
both generations give the same result.

Each operation is split into plain functions here (argument checks, the
:class:`Request` to send, the parsing of its answer); the clients under ``_async/`` (and
their generated ``_sync/`` twins) only send the requests in order and poll.
"""

from __future__ import annotations

import json as jsonlib
import os
import re
import uuid
from collections.abc import Collection, Mapping
from typing import Any
from urllib.parse import quote, urlsplit

import attrs

from mosaic_sdk._core._redact import register_secret, sanitize_url
from mosaic_sdk._core._repr import safe_repr
from mosaic_sdk._http import HTTPResponse, check_base_url, check_credential
from mosaic_sdk.errors import (
    APIResponseValidationError,
    ConfigurationError,
    DeploymentTimeoutError,
    InvalidValueError,
    ServerError,
    UnsupportedOperationError,
)
from mosaic_sdk.providers._answers import json_list
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

__all__ = ["Request", "merge_env"]

PROVIDER = "portainer"
#: CE 2.23 runs ``docker compose up`` inside the stack update request: allow minutes.
DEFAULT_TIMEOUT = 300.0
#: How long to wait for a background deploy of newer CE (its own limit is 15 minutes,
#: ``context.WithTimeout(..., 15*time.Minute)`` in ``stackDeploy``).
DEFAULT_DEPLOY_TIMEOUT = 900.0
DEFAULT_POLL_INTERVAL = 2.0
#: Seconds per webhook request.
DEFAULT_WEBHOOK_TIMEOUT = 30.0
SWARM_NAMESPACE_LABEL = "com.docker.stack.namespace"
URL_ENV = "PORTAINER_URL"
API_KEY_ENV = "PORTAINER_API_KEY"
_STACK_NAME = re.compile(r"^[-_a-z0-9]+$")
_WEBHOOK_PATH = re.compile(r"/stacks/webhooks/([^/?#]+)/?$")
_AUTH_HINT = (
    "; Portainer refused the access token sent in the X-API-Key header: create one under "
    "My account > Access tokens (https://<portainer>/#!/account) and pass it as "
    f"api_key=, or set ${API_KEY_ENV} and use from_env()"
)

_Param = str | int


@attrs.frozen
class Request:
    """One HTTP request a client sends; the fields mirror
    :meth:`~mosaic_sdk._http.HTTPClient.request`."""

    method: str
    path: str
    params: Mapping[str, _Param] | None = None
    json: Any = None
    idempotent: bool | None = None
    allow_status: Collection[int] = ()


# ---------------------------------------------------------------------------------------
# Configuration shared by the clients.
# ---------------------------------------------------------------------------------------


def api_base(base_url: str) -> str:
    """The API root of a Portainer URL (``/api`` appended unless present)."""
    base = check_base_url(
        base_url, what="Portainer base URL", example="https://portainer.example.com:9443"
    )
    return base if urlsplit(base).path.endswith("/api") else base + "/api"


class ClientConfig:
    """What the API-key client twins share: credential checks, headers and repr."""

    def __init__(self, base_url: str, api_key: str) -> None:
        api_key = check_credential(api_key, argument="api_key", env_var=API_KEY_ENV)
        register_secret(api_key)
        self.base_url = api_base(base_url)
        self._headers = {"X-API-Key": api_key, "Accept": "application/json"}

    @safe_repr
    def __repr__(self) -> str:
        return f"{type(self).__name__}(base_url={sanitize_url(self.base_url)!r})"


class WebhookConfig:
    """What the webhook client twins share: the API root (no credential) and repr."""

    def __init__(self, base_url: str) -> None:
        self.base_url = api_base(base_url)
        self._headers = {"Accept": "application/json"}

    @safe_repr
    def __repr__(self) -> str:
        return f"{type(self).__name__}(base_url={sanitize_url(self.base_url)!r})"


def from_env(*, key: bool = True) -> tuple[str, str]:
    """``PORTAINER_URL`` and ``PORTAINER_API_KEY`` (the key only when ``key``).

    Raises:
        ConfigurationError: a variable is missing.
    """
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


def error_message(response: HTTPResponse) -> str:
    """The message of a Portainer (or Docker proxy) error answer."""
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


# ---------------------------------------------------------------------------------------
# Argument checks and shared parsing.
# ---------------------------------------------------------------------------------------


def check_id(value: object, what: str) -> int:
    """``value`` as a Portainer id (a positive integer)."""
    if not isinstance(value, int) or isinstance(value, bool) or value < 1:
        raise InvalidValueError(
            value, f"{what} must be a positive integer", f"pass the numeric Portainer {what}"
        )
    return value


def _json_list(response: HTTPResponse, what: str) -> list[Any]:
    if response.status_code == 204 or not response.content.strip():
        return []
    return json_list(response, what, provider=PROVIDER, null_is_empty=True)


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


def new_env(
    stack: PortainerStack, env: Mapping[str, str | None] | None, *, replace_env: bool
) -> list[StackEnvVar]:
    """The environment to send: exactly ``env`` with ``replace_env``, else the stack's
    own with ``env`` applied (:func:`merge_env`)."""
    if replace_env:
        assert env is not None
        return [StackEnvVar(name, value) for name, value in env.items() if value is not None]
    return merge_env(stack.env, env)


def resolve_endpoint(stack: PortainerStack, endpoint_id: int | None) -> int:
    """The environment to address a stack write to: ``endpoint_id`` or the stack's own.

    Raises:
        InvalidValueError: the stack records none and none is given, or another one is
            given (Portainer would re-home the stack).
    """
    if endpoint_id is None:
        if stack.endpoint_id < 1:
            raise InvalidValueError(
                None,
                f"stack {stack.id} ({stack.name!r}) records no environment",
                "pass endpoint_id= explicitly",
            )
        return stack.endpoint_id
    check_id(endpoint_id, "endpoint id")
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


# ---------------------------------------------------------------------------------------
# Reads.
# ---------------------------------------------------------------------------------------


def list_endpoints_request() -> Request:
    """``GET /endpoints`` (without the heavy snapshots)."""
    return Request("GET", "/endpoints", params={"excludeSnapshots": "true"})


def parse_endpoints(response: HTTPResponse) -> list[PortainerEndpoint]:
    """The environments of a ``GET /endpoints`` answer."""
    return [PortainerEndpoint.from_api(item) for item in _json_list(response, "environments")]


def list_stacks_request(endpoint_id: int | None) -> Request:
    """``GET /stacks``, filtered to one environment when ``endpoint_id`` is given."""
    params: dict[str, _Param] = {}
    if endpoint_id is not None:
        params["filters"] = jsonlib.dumps(
            {"EndpointID": check_id(endpoint_id, "endpoint id")}, separators=(",", ":")
        )
    return Request("GET", "/stacks", params=params or None)


def parse_stacks(response: HTTPResponse) -> list[PortainerStack]:
    """The stacks of a ``GET /stacks`` answer."""
    return [PortainerStack.from_api(item) for item in _json_list(response, "stacks")]


def get_stack_request(stack_id: int) -> Request:
    """``GET /stacks/{id}``."""
    check_id(stack_id, "stack id")
    return Request("GET", f"/stacks/{stack_id}")


def parse_stack(response: HTTPResponse) -> PortainerStack:
    """The stack of a ``GET``, ``PUT`` or ``POST`` answer on a stack."""
    return PortainerStack.from_api(response.json())


def get_stack_file_request(stack_id: int) -> Request:
    """``GET /stacks/{id}/file``."""
    check_id(stack_id, "stack id")
    return Request("GET", f"/stacks/{stack_id}/file")


def parse_stack_file(response: HTTPResponse) -> str:
    """The compose file of a ``GET /stacks/{id}/file`` answer."""
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


def swarm_tasks_request(endpoint_id: int, service: str) -> Request:
    """``GET /endpoints/{id}/docker/tasks`` of one swarm service."""
    check_id(endpoint_id, "endpoint id")
    if not isinstance(service, str) or not service:
        raise InvalidValueError(service, "service name is empty", "pass '<stack>_<service>'")
    filters = jsonlib.dumps({"service": [service]}, separators=(",", ":"))
    return Request("GET", f"/endpoints/{endpoint_id}/docker/tasks", params={"filters": filters})


def parse_tasks(response: HTTPResponse) -> list[SwarmTask]:
    """The swarm tasks of a Docker proxy task listing."""
    return [SwarmTask.from_api(item) for item in _json_list(response, "tasks")]


def stack_containers_request(endpoint_id: int, stack_name: str, *, swarm: bool) -> Request:
    """``GET /endpoints/{id}/docker/containers/json`` of one stack, running or not."""
    check_id(endpoint_id, "endpoint id")
    if not isinstance(stack_name, str) or not stack_name:
        raise InvalidValueError(stack_name, "stack name is empty", "pass the stack's Name")
    label = SWARM_NAMESPACE_LABEL if swarm else COMPOSE_PROJECT_LABEL
    filters = jsonlib.dumps({"label": [f"{label}={stack_name}"]}, separators=(",", ":"))
    return Request(
        "GET",
        f"/endpoints/{endpoint_id}/docker/containers/json",
        params={"all": "1", "filters": filters},
    )


def parse_containers(response: HTTPResponse) -> list[PortainerContainer]:
    """The containers of a Docker proxy container listing."""
    return [PortainerContainer.from_api(item) for item in _json_list(response, "containers")]


def image_repo_digests_request(endpoint_id: int, image: str) -> Request:
    """``GET /endpoints/{id}/docker/images/{name}/json``."""
    check_id(endpoint_id, "endpoint id")
    if not isinstance(image, str) or not image:
        raise InvalidValueError(image, "image name or id is empty", "pass an image id or name")
    return Request("GET", f"/endpoints/{endpoint_id}/docker/images/{quote(image, safe='')}/json")


def parse_repo_digests(response: HTTPResponse) -> list[str]:
    """The ``RepoDigests`` of a Docker image inspect answer."""
    body = response.json()
    if not isinstance(body, dict):
        raise APIResponseValidationError(
            "image inspect answer is not a JSON object", provider=PROVIDER
        )
    for key, value in body.items():
        if key.lower() == "repodigests":
            return [str(item) for item in value or []]
    return []


# ---------------------------------------------------------------------------------------
# Waiting for a background deploy (newer CE).
# ---------------------------------------------------------------------------------------


def still_deploying(stack_id: int, stack: PortainerStack, timeout: float) -> DeploymentTimeoutError:
    """The error of a stack that is still *Deploying* after ``timeout`` seconds."""
    return DeploymentTimeoutError(
        f"Portainer stack {stack_id} ({stack.name!r}) is still deploying after "
        f"{timeout:g}s; check it in Portainer, or wait longer with deploy_timeout=",
        deployment_id=f"stack-{stack_id}",
        last_status="Deploying",
        timeout=timeout,
        provider=PROVIDER,
    )


def deploy_failed(stack: PortainerStack, method: str = "PUT") -> ServerError:
    """A deploy Portainer recorded as failed (``Status`` *Error*), reported like CE
    2.23's HTTP 500 for the same failure, so one except clause covers both generations."""
    return ServerError(
        f"Portainer stack {stack.id} ({stack.name!r}) failed to deploy: {stack.deployment_error}",
        status_code=500,
        provider=PROVIDER,
        method=method,
        url=f"/stacks/{stack.id}",
    )


# ---------------------------------------------------------------------------------------
# Writes.
# ---------------------------------------------------------------------------------------


def check_update_args(
    stack_id: int,
    stack_file_content: str | None,
    *,
    env: Mapping[str, str | None] | None,
    replace_env: bool,
    webhook: str | None,
) -> None:
    """Refuse bad arguments of ``update_stack`` before anything is sent."""
    check_id(stack_id, "stack id")
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


def check_not_git(stack: PortainerStack, *, detach_from_git: bool) -> None:
    """Refuse to write the file of a git-based stack unless detaching is intended.

    Raises:
        UnsupportedOperationError: the stack is git-based and ``detach_from_git`` is false.
    """
    if stack.is_git and not detach_from_git:
        assert stack.git_config is not None
        raise UnsupportedOperationError(
            f"stack {stack.id} ({stack.name!r}) is deployed from git "
            f"({stack.git_config.url} {stack.git_config.reference_name}); "
            "PUT /stacks/{id} would detach it from git and stop its auto-updates",
            workaround="use redeploy_git(), or pass detach_from_git=True if that is intended",
        )


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


def update_stack_request(
    stack_id: int, endpoint_id: int, payload: dict[str, Any], *, allow_status: Collection[int] = ()
) -> Request:
    """``PUT /stacks/{id}?endpointId=``: a deploy, never repeated after a timeout."""
    return _put(f"/stacks/{stack_id}", endpoint_id, payload, allow_status)


def _put(
    path: str, endpoint_id: int, payload: dict[str, Any], allow_status: Collection[int] = ()
) -> Request:
    return Request(
        "PUT",
        path,
        params={"endpointId": endpoint_id},
        json=payload,
        idempotent=False,
        allow_status=allow_status,
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


def create_payload(
    name: str, stack_file_content: str, *, endpoint_id: int, env: Mapping[str, str] | None
) -> dict[str, Any]:
    """The body of ``POST /stacks/create/.../string`` without the swarm id; refuses bad
    arguments before anything is sent."""
    name = _normalized_name(name)
    check_id(endpoint_id, "endpoint id")
    if not isinstance(stack_file_content, str) or not stack_file_content.strip():
        raise InvalidValueError(stack_file_content, "stack file content is empty", "pass it")
    _validate_env(env, replace=False)
    if any(value is None for value in (env or {}).values()):
        raise InvalidValueError(None, "env values must be strings", "leave the variable out")
    return {
        "name": name,
        "stackFileContent": stack_file_content,
        "env": [{"name": k, "value": v} for k, v in (env or {}).items()],
    }


def swarm_request(endpoint_id: int) -> Request:
    """``GET /endpoints/{id}/docker/swarm``: the swarm payload requires ``SwarmID``
    (``create_swarm_stack.go:32-43``)."""
    return Request("GET", f"/endpoints/{endpoint_id}/docker/swarm")


def parse_swarm_id(response: HTTPResponse, endpoint_id: int) -> str:
    """The cluster id of a Docker swarm inspect answer.

    Raises:
        UnsupportedOperationError: the environment is no swarm manager.
    """
    body = response.json()
    swarm_id = body.get("ID") if isinstance(body, dict) else None
    if not isinstance(swarm_id, str) or not swarm_id:
        raise UnsupportedOperationError(
            f"environment {endpoint_id} is not a swarm manager (no swarm ID)",
            workaround="create a compose stack (swarm=False), or pass swarm_id=",
        )
    return swarm_id


def create_stack_request(payload: dict[str, Any], endpoint_id: int) -> Request:
    """``POST /stacks/create/{standalone|swarm}/string?endpointId=``."""
    kind = "swarm" if "swarmID" in payload else "standalone"
    return Request(
        "POST",
        f"/stacks/create/{kind}/string",
        params={"endpointId": endpoint_id},
        json=payload,
        idempotent=False,
    )


def already(stack: PortainerStack, action: str) -> bool:
    """Whether the stack already is where ``action`` (``start``/``stop``) would take it.

    CE answers 400 "Stack is already active/inactive" (``stack_start.go:105-107``,
    ``stack_stop.go:94-96``): already there is success.
    """
    wanted = StackStatus.ACTIVE if action == "start" else StackStatus.INACTIVE
    return stack.status is wanted


def start_stop_request(stack_id: int, action: str, endpoint_id: int) -> Request:
    """``POST /stacks/{id}/{start|stop}?endpointId=``."""
    return Request(
        "POST", f"/stacks/{stack_id}/{action}", params={"endpointId": endpoint_id}, idempotent=False
    )


def check_redeploy_args(
    stack_id: int,
    *,
    env: Mapping[str, str | None] | None,
    replace_env: bool,
    reference_name: str | None,
) -> None:
    """Refuse bad arguments of ``redeploy_git`` before anything is sent."""
    check_id(stack_id, "stack id")
    _validate_env(env, replace=replace_env)
    if reference_name is not None and (not isinstance(reference_name, str) or not reference_name):
        raise InvalidValueError(
            reference_name,
            "git reference name is empty",
            "pass e.g. 'refs/heads/main', or None to keep the stack's current reference",
        )


def check_git(stack: PortainerStack) -> None:
    """Refuse to redeploy a stack that is not git-based.

    Raises:
        UnsupportedOperationError: the stack is not git-based.
    """
    if stack.git_config is None:
        raise UnsupportedOperationError(
            f"stack {stack.id} ({stack.name!r}) is not deployed from git",
            workaround="use update_stack() to change its stack file",
        )


def redeploy_payload(
    stack: PortainerStack,
    *,
    reference_name: str | None,
    env: Mapping[str, str | None] | None,
    replace_env: bool,
    prune: bool,
    pull_image: bool,
    repository_username: str | None,
    repository_password: str | None,
) -> dict[str, Any]:
    """The body of ``PUT /stacks/{id}/git/redeploy`` for a git-based stack."""
    assert stack.git_config is not None
    variables = new_env(stack, env, replace_env=replace_env)
    # Portainer copies repositoryReferenceName into the stack with no default: an empty
    # one switches the stack to the repository's default branch. Always send it.
    payload: dict[str, Any] = {
        "repositoryReferenceName": reference_name or stack.git_config.reference_name,
        "env": [var.to_api() for var in variables],
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
    return payload


def redeploy_request(stack_id: int, endpoint_id: int, payload: dict[str, Any]) -> Request:
    """``PUT /stacks/{id}/git/redeploy?endpointId=``."""
    return _put(f"/stacks/{stack_id}/git/redeploy", endpoint_id, payload)


def webhook_request(base_url: str, webhook: str) -> Request:
    """``POST /stacks/webhooks/{id}`` for a webhook UUID, or a webhook URL of the
    Portainer at ``base_url``.

    Raises:
        InvalidValueError: not a UUID, or a URL of another host.
    """
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
    return Request("POST", f"/stacks/webhooks/{webhook_id}", idempotent=False)
