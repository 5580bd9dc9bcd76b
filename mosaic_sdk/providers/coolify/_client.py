"""Coolify v4 API client (sync and async twins over one set of sans-I/O flows).

Every endpoint lives under ``<instance>/api/v1``. Endpoints used (paths from the
published ``coolify-openapi.yaml``, behaviour from the server source; see
``docs/providers/coolify.md``):

=================================================  ==============================================
``GET /version``                                   :meth:`CoolifyClient.version`
``GET /projects``                                  :meth:`CoolifyClient.list_projects`
``GET /projects/{uuid}/{environment}``             :meth:`CoolifyClient.get_environment`
``GET /applications[?tag=]``                       :meth:`CoolifyClient.list_applications`
``GET /applications/{uuid}``                       :meth:`CoolifyClient.get_application`
``PATCH /applications/{uuid}``                     :meth:`CoolifyClient.set_image`,
                                                   :meth:`CoolifyClient.set_application_domains`,
                                                   :meth:`CoolifyClient.set_compose_domains`
``GET /services``, ``GET /services/{uuid}``        :meth:`CoolifyClient.list_services`,
                                                   :meth:`CoolifyClient.get_service`
``GET /services/{uuid}/applications``              :meth:`CoolifyClient.list_service_applications`
``POST /services``, ``PATCH /services/{uuid}``     :meth:`CoolifyClient.create_service`,
                                                   :meth:`CoolifyClient.update_service_compose`,
                                                   :meth:`CoolifyClient.set_service_urls`
``PATCH /services/{uuid}/applications/{app}``      :meth:`CoolifyClient.set_service_application_url`
``POST /services/{uuid}/restart``                  :meth:`CoolifyClient.restart_service`
``GET /{resource}/{uuid}/envs``                    :meth:`CoolifyClient.list_envs`
``PATCH /{resource}/{uuid}/envs/bulk``             :meth:`CoolifyClient.set_env`,
                                                   :meth:`CoolifyClient.upsert_envs`
``POST /deploy?uuid=|tag=``                        :meth:`CoolifyClient.deploy`
``GET /deployments/{uuid}``                        :meth:`CoolifyClient.get_deployment`,
                                                   :meth:`CoolifyClient.wait_for_deployment`
``GET /deployments/applications/{uuid}``           ``list_application_deployments``
=================================================  ==============================================
"""

from __future__ import annotations

import asyncio
import hashlib
import json as jsonlib
import os
import time
from collections.abc import Awaitable, Callable, Mapping, Sequence
from types import TracebackType
from typing import TYPE_CHECKING, Any, Literal
from urllib.parse import quote, urlsplit

import attrs
import semver

from mosaic_sdk._core._redact import register_secret, sanitize_url
from mosaic_sdk._http import (
    AsyncHTTPClient,
    HTTPClient,
    HTTPResponse,
    RateLimit,
    RetryPolicy,
    check_base_url,
    check_credential,
)
from mosaic_sdk.errors import (
    APIResponseValidationError,
    APIStatusError,
    ConfigurationError,
    DeploymentNotQueuedError,
    DeploymentTimeoutError,
    InvalidValueError,
    NotFoundError,
    PermissionDeniedError,
    UnsupportedOperationError,
    status_error_class,
)
from mosaic_sdk.providers._flow import Call, Flow, Sleep, arun_flow, run_flow, single
from mosaic_sdk.providers._protocol import pinned_digest
from mosaic_sdk.providers.coolify._compose import (
    decode_compose_raw,
    encode_compose_raw,
    parse_compose,
    to_list_style_env,
)
from mosaic_sdk.providers.coolify._models import (
    ALREADY_QUEUED_MESSAGE,
    CoolifyApplication,
    CoolifyDeployment,
    CoolifyDeploymentStatus,
    CoolifyEnvironment,
    CoolifyEnvVar,
    CoolifyLogEntry,
    CoolifyProject,
    CoolifyRollbackImages,
    CoolifyService,
    CoolifyServiceApplication,
    DeployResult,
    EnvVarInput,
    ResourceStatus,
    ServiceUpdateResult,
)
from mosaic_sdk.values import ImageReference

if TYPE_CHECKING:
    import httpx

__all__ = [
    "DEFAULT_RATE_LIMIT_PERIOD",
    "DEFAULT_RATE_LIMIT_REQUESTS",
    "RATE_LIMIT_MARGIN",
    "RATE_LIMIT_MIN_MARGIN",
    "AsyncCoolifyClient",
    "CoolifyClient",
    "ComposeSavedUrlsRejectedError",
    "DeploymentNotQueuedError",
    "SensitiveDataHiddenError",
]

PROVIDER = "coolify"
#: Coolify's default ``API_RATE_LIMIT``: requests per minute per user.
DEFAULT_RATE_LIMIT_REQUESTS = 200
#: Coolify's rate-limit window in seconds (Laravel ``perMinute``).
DEFAULT_RATE_LIMIT_PERIOD = 60.0
#: Safety margin on the window. The server counts fixed windows by *arrival* time while
#: the client books slots by *send* time; unequal latencies (a cold connection's
#: handshake against a warm keep-alive one: hundreds of milliseconds) can squeeze 201
#: sends that were a full window apart into one server window. Booking over a longer
#: window absorbs latency differences up to the margin: 5% of the window, at least
#: ``RATE_LIMIT_MIN_MARGIN`` seconds (3 s for Coolify's minute, 5% of the allowance).
RATE_LIMIT_MARGIN = 0.05
RATE_LIMIT_MIN_MARGIN = 0.5
#: ``PATCH /services/{uuid}`` accepts ``urls`` from this version on (PR #7929).
SERVICE_URLS_SINCE = semver.Version.parse("4.0.0-beta.461")
#: ``PATCH /services/{uuid}/applications/{app_uuid}`` exists from this version on.
SERVICE_APPLICATION_PATCH_SINCE = semver.Version.parse("4.2.0")

Resource = Literal["applications", "services", "databases"]
_RESOURCES = ("applications", "services", "databases")


# ---------------------------------------------------------------------------------------
# I/O-free helpers
# ---------------------------------------------------------------------------------------


def _error_message(response: HTTPResponse) -> str:
    # Laravel: {"message": "...", "errors": {field: [..] | "..."}}; domain conflicts add
    # "conflicts": [{domain, resource_name, ...}].
    try:
        body = jsonlib.loads(response.content) if response.content else None
    except ValueError:
        body = None
    if not isinstance(body, dict) or not isinstance(body.get("message"), str):
        text = response.text.strip()
        return f"HTTP {response.status_code}" + (f": {text[:300]}" if text else "")
    message = f"HTTP {response.status_code}: {body['message']}"
    errors = body.get("errors")
    if isinstance(errors, dict) and errors:
        parts = []
        for field, problems in list(errors.items())[:5]:
            text = "; ".join(map(str, problems)) if isinstance(problems, list) else str(problems)
            parts.append(f"{field}: {text}")
        message += " (" + ", ".join(parts) + ")"
    elif isinstance(errors, list) and errors:
        # applyServiceUrls answers a plain list (ServicesController.php:1266-1270).
        message += " (" + "; ".join(map(str, errors[:5])) + ")"
    conflicts = body.get("conflicts")
    if isinstance(conflicts, list) and conflicts:
        domains = [str(c.get("domain")) for c in conflicts if isinstance(c, dict)]
        message += f" (conflicting domains: {', '.join(domains)}; pass force_domain_override=True)"
    if isinstance(body.get("error"), str):
        message += f" ({body['error']})"
    return message + _credential_advice(response.status_code, str(body["message"]))


#: Where Coolify makes API tokens (routes/web.php:390 @379abb25).
TOKENS_PAGE = "<your Coolify URL>/security/api-tokens"


def _credential_advice(status: int, message: str) -> str:
    """How to fix the credential, for the answers that mean it is wrong."""
    if status == 401 or (status == 400 and message == "Invalid token."):
        # 401 "Unauthenticated." (Sanctum, ApiAbility.php) or "Invalid token." (the
        # token's team is gone: EnsureTokenBelongsToCurrentTeamMember.php,
        # bootstrap/helpers/api.php:33).
        return (
            "; the API token is wrong, revoked, expired or its team is gone: create one "
            f"at {TOKENS_PAGE} (Security > API Tokens) with the permissions you need "
            "(read; write for changes; deploy for deploys; read:sensitive to see compose "
            "files and logs) and pass it as token= or set COOLIFY_TOKEN"
        )
    if status == 403 and message.startswith("Missing required permissions"):
        return (
            f"; create a token with that permission at {TOKENS_PAGE} and pass it as "
            "token= or set COOLIFY_TOKEN"
        )
    if status == 403 and ("team role" in message or "exceed your current role" in message):
        return (
            "; tokens with write, deploy or read:sensitive need a team admin or owner: ask "
            f"for the role, or create a read-only token at {TOKENS_PAGE}"
        )
    return ""


class SensitiveDataHiddenError(PermissionDeniedError):
    """Coolify answered, but left out a field this token may not see (a service's
    compose file, a deployment's log).

    Coolify shows them only when the token has ``root`` or ``read:sensitive`` **and** its
    user is an admin or owner of the token's team (app/Http/Middleware/ApiSensitiveData.php
    @379abb25); otherwise the field is silently missing from a 200 answer.
    ``status_code`` is that 200.

    Attributes:
        field: the hidden field (``docker_compose_raw``, ``logs``).
    """

    def __init__(self, message: str, *, field: str, method: str = "GET", url: str = "") -> None:
        self.field = field
        super().__init__(
            f"{message}: Coolify hides {field!r} from this token; use a token with the "
            f"read:sensitive (or root) permission made by a team admin or owner "
            f"(create one at {TOKENS_PAGE}) and pass it as token= or set COOLIFY_TOKEN",
            status_code=200,
            provider=PROVIDER,
            method=method,
            url=url,
        )


class ComposeSavedUrlsRejectedError(APIStatusError):
    """``PATCH /services/{uuid}`` stored the new compose file, then refused the ``urls``.

    Coolify saves and parses the compose file before it checks the URLs
    (ServicesController.php:1244-1279 @379abb25), so a 409 (domain conflict) or 422
    (unknown container, bad URL) for the URLs comes **after** the compose change. URLs of
    other containers in the same request may have been applied as well. Fix the URLs and
    call :meth:`CoolifyClient.set_service_urls`; the compose file need not be sent again.

    Attributes:
        status_code: 409 or 422, as answered.
        compose_saved: always True.
    """

    compose_saved = True


def _api_base(base_url: str) -> str:
    base = check_base_url(base_url, what="Coolify base URL", example="https://coolify.example.com")
    path = urlsplit(base).path
    for suffix in ("/api/v1", "/api"):
        if path.endswith(suffix):
            base = base[: -len(suffix)]
            break
    return base + "/api/v1"


def _valid(value: object, what: str) -> str:
    if not isinstance(value, str) or not value or "/" in value or value != value.strip():
        raise InvalidValueError(
            value, f"is not a Coolify {what} uuid", f"pass the {what} uuid shown in Coolify"
        )
    return value


def _uuid(value: object, what: str) -> str:
    """``value`` checked and escaped for use as a path segment."""
    return quote(_valid(value, what), safe="")


def _json_list(response: HTTPResponse, what: str) -> list[Any]:
    body = response.json()
    if not isinstance(body, list):
        raise APIResponseValidationError(
            f"expected a JSON list of {what}, got {type(body).__name__}",
            provider=PROVIDER,
            method=response.method,
            url=response.url.split("?", 1)[0],
        )
    return body


def _urls(value: str | Sequence[str], what: str) -> str:
    items = [value] if isinstance(value, str) else list(value)
    urls = [u.strip() for item in items for u in item.split(",") if u.strip()]
    if not urls:
        raise InvalidValueError(value, f"no URL given for {what}", "pass 'https://host[:port]'")
    for url in urls:
        if not url.startswith(("http://", "https://")):
            raise InvalidValueError(
                url, f"URL for {what} has no scheme", f"write it as 'https://{url}'"
            )
    return ",".join(urls)


def parse_coolify_version(text: object) -> semver.Version | None:
    """``"4.0.0-beta.461"`` or ``"v4.3.10"`` as a comparable version, ``None`` if unreadable."""
    if not isinstance(text, str) or len(text) > 256:  # 256: keeps int() off digit floods
        return None
    cleaned = text.strip().strip('"').strip()
    cleaned = cleaned[1:] if cleaned[:1] in ("v", "V") else cleaned
    try:
        return semver.Version.parse(cleaned)
    except ValueError:
        return None


def rate_limit_key(base_url: str, token: str) -> str:
    """The :meth:`RateLimit.shared` key of a Coolify allowance: never the token itself."""
    digest = hashlib.sha256((base_url + token).encode("utf-8")).hexdigest()
    return f"{PROVIDER}:{digest[:16]}"


@attrs.define
class _VersionCache:
    """The server version, fetched once per client (flows read and fill it)."""

    text: str | None = None


# ---------------------------------------------------------------------------------------
# Flows: request building and parsing, no I/O.
# ---------------------------------------------------------------------------------------


def version_flow(cache: _VersionCache) -> Flow[str]:
    """Flow of :meth:`CoolifyClient.version` (``GET /version``, plain text)."""
    if cache.text is not None:
        return cache.text
    response = yield Call("GET", "/version")
    assert response is not None
    text = response.text.strip().strip('"')
    if not text:
        raise APIResponseValidationError(
            "GET /version answered an empty body", provider=PROVIDER, method="GET"
        )
    cache.text = text
    return text


def list_projects_flow() -> Flow[list[CoolifyProject]]:
    """Flow of :meth:`CoolifyClient.list_projects`."""
    return single(
        Call("GET", "/projects"),
        lambda r: [CoolifyProject.from_api(p) for p in _json_list(r, "projects")],
    )


def get_environment_flow(project_uuid: str, environment: str) -> Flow[CoolifyEnvironment]:
    """Flow of :meth:`CoolifyClient.get_environment`."""
    path = f"/projects/{_uuid(project_uuid, 'project')}/{_uuid(environment, 'environment')}"
    return single(Call("GET", path), lambda r: CoolifyEnvironment.from_api(r.json()))


def list_applications_flow(tag: str | None) -> Flow[list[CoolifyApplication]]:
    """Flow of :meth:`CoolifyClient.list_applications`."""
    params = {"tag": tag} if tag else None
    return single(
        Call("GET", "/applications", params=params),
        lambda r: [CoolifyApplication.from_api(a) for a in _json_list(r, "applications")],
    )


def get_application_flow(uuid: str) -> Flow[CoolifyApplication]:
    """Flow of :meth:`CoolifyClient.get_application`."""
    return single(
        Call("GET", f"/applications/{_uuid(uuid, 'application')}"),
        lambda r: CoolifyApplication.from_api(r.json()),
    )


def list_services_flow() -> Flow[list[CoolifyService]]:
    """Flow of :meth:`CoolifyClient.list_services`."""
    return single(
        Call("GET", "/services"),
        lambda r: [CoolifyService.from_api(s) for s in _json_list(r, "services")],
    )


def get_service_flow(uuid: str) -> Flow[CoolifyService]:
    """Flow of :meth:`CoolifyClient.get_service`."""
    return single(
        Call("GET", f"/services/{_uuid(uuid, 'service')}"),
        lambda r: CoolifyService.from_api(r.json()),
    )


def list_service_applications_flow(uuid: str) -> Flow[list[CoolifyServiceApplication]]:
    """Flow of :meth:`CoolifyClient.list_service_applications`."""
    return single(
        Call("GET", f"/services/{_uuid(uuid, 'service')}/applications"),
        lambda r: [
            CoolifyServiceApplication.from_api(a) for a in _json_list(r, "service applications")
        ],
    )


def _resource(resource: str) -> str:
    if resource not in _RESOURCES:
        raise InvalidValueError(resource, "is not a Coolify resource kind", f"use {_RESOURCES}")
    return resource


def list_envs_flow(uuid: str, resource: Resource) -> Flow[list[CoolifyEnvVar]]:
    """Flow of :meth:`CoolifyClient.list_envs`."""
    path = f"/{_resource(resource)}/{_uuid(uuid, resource[:-1])}/envs"
    return single(
        Call("GET", path),
        lambda r: [CoolifyEnvVar.from_api(e) for e in _json_list(r, "environment variables")],
    )


def upsert_envs_flow(
    uuid: str, envs: Sequence[EnvVarInput], resource: Resource
) -> Flow[list[CoolifyEnvVar]]:
    """Flow of :meth:`CoolifyClient.upsert_envs` (``PATCH .../envs/bulk``)."""
    if not envs:
        raise InvalidValueError(envs, "no variables to write", "pass at least one variable")
    seen: set[tuple[str, bool]] = set()
    duplicates: list[str] = []
    for env in envs:
        if (env.key, env.is_preview) in seen:
            duplicates.append(env.key)
        seen.add((env.key, env.is_preview))
    if duplicates:
        raise InvalidValueError(
            duplicates, "are given more than once", "pass each variable once per call"
        )
    path = f"/{_resource(resource)}/{_uuid(uuid, resource[:-1])}/envs/bulk"
    items = list(envs)
    if resource == "applications" and any(
        None in (e.is_literal, e.is_multiline, e.is_shown_once) for e in items
    ):
        # On an existing application variable Coolify sets an omitted is_literal to
        # false and omitted is_multiline/is_shown_once to null (ApplicationsController.php
        # :3591, 3638-3646 @379abb25): a "$" value would start being interpolated and a
        # shown-once secret would become visible. Send the current flags instead.
        # Services keep them (updateOrCreate, ServicesController.php:1638).
        current = yield from list_envs_flow(uuid, resource)
        by_key = {(e.key, bool(e.is_preview)): e for e in current}
        items = [_with_current_flags(e, by_key.get((e.key, e.is_preview))) for e in items]
    return (
        yield from single(
            # An upsert of the same values is safe to repeat.
            Call("PATCH", path, json={"data": [e.to_api() for e in items]}, idempotent=True),
            lambda r: [CoolifyEnvVar.from_api(e) for e in _json_list(r, "environment variables")],
        )
    )


def _with_current_flags(item: EnvVarInput, current: CoolifyEnvVar | None) -> EnvVarInput:
    if current is None:
        return item
    return attrs.evolve(
        item,
        is_literal=bool(current.is_literal) if item.is_literal is None else item.is_literal,
        is_multiline=(
            bool(current.is_multiline) if item.is_multiline is None else item.is_multiline
        ),
        is_shown_once=(
            bool(current.is_shown_once) if item.is_shown_once is None else item.is_shown_once
        ),
    )


def _parse_deploy(response: HTTPResponse) -> list[DeployResult]:
    body = response.json()
    if not isinstance(body, dict):
        raise APIResponseValidationError(
            f"POST /deploy answered {type(body).__name__}, expected an object",
            provider=PROVIDER,
            method=response.method,
        )
    # By uuid: {"deployments": [...]}. By tag: see deploy_by_tag_flow.
    items = body.get("deployments")
    if not isinstance(items, list):
        raise APIResponseValidationError(
            "POST /deploy answered neither 'deployments' nor 'details'",
            provider=PROVIDER,
            method=response.method,
        )
    return [DeployResult.from_api(item) for item in items]


def _csv(value: str | Sequence[str], what: str) -> str:
    items = [value] if isinstance(value, str) else list(value)
    if not items or any(not isinstance(i, str) or not i or "," in i for i in items):
        raise InvalidValueError(value, f"is not a list of {what}s", f"pass one or more {what}s")
    return ",".join(items)


def deploy_flow(
    uuid: str | Sequence[str] | None, tag: str | Sequence[str] | None, force: bool
) -> Flow[list[DeployResult]]:
    """Flow of :meth:`CoolifyClient.deploy` (``POST /deploy``)."""
    if (uuid is None) == (tag is None):
        raise InvalidValueError(
            {"uuid": uuid, "tag": tag},
            "deploy needs exactly one of uuid or tag (Coolify answers 400 for both)",
            "call deploy(uuid=...) or deploy(tag=...)",
        )
    params: dict[str, str | bool] = {"force": bool(force)}
    if uuid is not None:
        params["uuid"] = _csv(uuid, "resource uuid")
    else:
        assert tag is not None
        params["tag"] = _csv(tag, "tag")
    # POST /deploy is never repeated after a timeout or 5xx (it would queue twice); a
    # 429 (rate limit or full deploy queue) is retried by the HTTP core: nothing ran.
    if uuid is not None:
        return (yield from single(Call("POST", "/deploy", params=params), _parse_deploy))
    response = yield Call("POST", "/deploy", params=params)
    assert response is not None
    return (yield from _pair_tag_answer(response))


def _pair_tag_answer(response: HTTPResponse) -> Flow[list[DeployResult]]:
    """Pair a deploy-by-tag answer by resource.

    ``DeployController::by_tags`` (DeployController.php:469-519 @379abb25) answers
    ``{"message": [...], "details": [...]}``: ``message`` holds a line per application,
    per service and per empty tag, ``details`` only the applications that got a uuid,
    and a skipped duplicate's uuid is a fresh one that was never stored (:539). The two
    lists do not line up, so each detail is looked up (``GET /deployments/{uuid}``): a
    stored deployment is queued and takes its "Application <name> deployment queued."
    line, a 404 is a skipped duplicate and takes an "already queued" line. The lines
    left (services started, applications the token may not deploy, empty tags) come
    back with no resource.
    """
    body = response.json()
    messages = body.get("message") if isinstance(body, dict) else None
    details = body.get("details", []) if isinstance(body, dict) else None
    if not isinstance(messages, list) or not isinstance(details, list):
        raise APIResponseValidationError(
            "POST /deploy?tag= answered neither 'message' nor 'details' lists",
            provider=PROVIDER,
            method=response.method,
        )
    left = [str(m) for m in messages]
    results: list[DeployResult] = []
    for item in details:
        if not isinstance(item, dict):
            continue
        resource, deployment = item.get("resource_uuid"), item.get("deployment_uuid")
        found = None
        if isinstance(deployment, str) and deployment:
            answer = yield Call(
                "GET", f"/deployments/{_uuid(deployment, 'deployment')}", allow_status=(404,)
            )
            assert answer is not None
            if answer.status_code != 404:
                found = CoolifyDeployment.from_api(answer.json())
        if found is not None:
            wanted = f"Application {found.application_name} deployment queued."
            message = _take(left, wanted.__eq__) or wanted
            results.append(DeployResult(str(resource), found.deployment_uuid, message, True))
        else:
            message = _take(left, lambda m: ALREADY_QUEUED_MESSAGE in m.lower()) or (
                "Deployment already queued for this commit."
            )
            results.append(DeployResult(str(resource), None, message, False))
    for message in left:
        started = message.startswith(("Service ", "Database ")) or "queued" in message
        results.append(DeployResult(None, None, message, started))
    return results


def _take(items: list[str], wanted: Callable[[str], bool]) -> str | None:
    for index, item in enumerate(items):
        if wanted(item):
            return items.pop(index)
    return None


def get_deployment_flow(uuid: str) -> Flow[CoolifyDeployment]:
    """Flow of :meth:`CoolifyClient.get_deployment`."""
    return single(
        Call("GET", f"/deployments/{_uuid(uuid, 'deployment')}"),
        lambda r: CoolifyDeployment.from_api(r.json()),
    )


def list_application_deployments_flow(
    uuid: str, skip: int, take: int
) -> Flow[list[CoolifyDeployment]]:
    """Flow of :meth:`CoolifyClient.list_application_deployments`."""
    if not isinstance(skip, int) or skip < 0:
        raise InvalidValueError(skip, "skip must be 0 or more", "pass skip=0")
    if not isinstance(take, int) or take < 1:
        raise InvalidValueError(take, "take must be 1 or more", "pass take=10")

    def parse(response: HTTPResponse) -> list[CoolifyDeployment]:
        body = response.json()
        # Real servers answer {"count": N, "deployments": [...]}; the spec says a list.
        items = body.get("deployments") if isinstance(body, dict) else body
        if not isinstance(items, list):
            raise APIResponseValidationError(
                "expected {'count', 'deployments'} from GET /deployments/applications/{uuid}",
                provider=PROVIDER,
                method=response.method,
            )
        return [CoolifyDeployment.from_api(d) for d in items]

    return single(
        Call(
            "GET",
            f"/deployments/applications/{_uuid(uuid, 'application')}",
            params={"skip": skip, "take": take},
        ),
        parse,
    )


def wait_for_deployment_flow(
    uuid: str,
    *,
    timeout: float,
    poll_interval: float,
    not_found_grace: float,
    clock: Callable[[], float],
    cancel_on_timeout: bool = False,
) -> Flow[CoolifyDeployment]:
    """Flow of :meth:`CoolifyClient.wait_for_deployment`."""
    if not timeout > 0:
        raise InvalidValueError(timeout, "timeout must be positive", "pass e.g. timeout=600")
    if not poll_interval > 0:
        raise InvalidValueError(poll_interval, "poll interval must be positive", "pass 3.0")
    path = f"/deployments/{_uuid(uuid, 'deployment')}"
    start = clock()
    seen: CoolifyDeployment | None = None
    while True:
        response = yield Call("GET", path, allow_status=(404,))
        assert response is not None
        elapsed = clock() - start
        if response.status_code == 404:
            if seen is not None:
                raise NotFoundError(
                    f"deployment {uuid} disappeared while it was {seen.status.value}; "
                    "look it up with list_application_deployments()",
                    status_code=404,
                    provider=PROVIDER,
                    method="GET",
                    url=response.url.split("?", 1)[0],
                )
            if elapsed >= not_found_grace:
                raise DeploymentNotQueuedError(
                    f"deployment {uuid} does not exist (404 for {elapsed:.0f}s): Coolify did "
                    "not queue it (an identical deployment was already queued, or the "
                    "deploy queue was full); find the real one with "
                    "list_application_deployments(app_uuid, take=1) or deploy again",
                    deployment_uuid=uuid,
                    url=response.url.split("?", 1)[0],
                )
            wait = min(poll_interval, max(0.0, not_found_grace - elapsed))
        else:
            seen = CoolifyDeployment.from_api(response.json())
            if seen.is_terminal:
                return seen
            if elapsed >= timeout:
                action = "wait longer (timeout=...) or cancel it (cancel_deployment)"
                if cancel_on_timeout:
                    yield Call("POST", f"{path}/cancel", allow_status=(400,))
                    action = "it was cancelled (POST /deployments/{uuid}/cancel)"
                lines = seen.last_log_lines(5)
                tail = f"; last log lines: {' | '.join(lines)}" if lines else ""
                raise DeploymentTimeoutError(
                    f"deployment {uuid} is still {seen.status.value} after {timeout:.0f}s; "
                    f"{action}{tail}",
                    deployment_id=uuid,
                    last_status=seen.status.value,
                    timeout=timeout,
                    provider=PROVIDER,
                )
            wait = min(poll_interval, max(0.0, timeout - elapsed))
        yield Sleep(wait)


def deployment_logs_flow(uuid: str) -> Flow[tuple[CoolifyLogEntry, ...]]:
    """Flow of :meth:`CoolifyClient.get_deployment_logs` (``GET /deployments/{uuid}``)."""
    deployment = yield from get_deployment_flow(uuid)
    if deployment.logs is None:
        raise SensitiveDataHiddenError(f"deployment {uuid} came back without its log", field="logs")
    return deployment.logs


def cancel_deployment_flow(uuid: str) -> Flow[CoolifyDeployment]:
    """Flow of :meth:`CoolifyClient.cancel_deployment`
    (``POST /deployments/{uuid}/cancel``, then ``GET /deployments/{uuid}``)."""
    path = f"/deployments/{_uuid(uuid, 'deployment')}"
    yield Call("POST", f"{path}/cancel")
    return (yield from get_deployment_flow(uuid))


def rollback_images_flow(uuid: str) -> Flow[CoolifyRollbackImages]:
    """Flow of :meth:`CoolifyClient.rollback_images`."""
    return single(
        Call("GET", f"/applications/{_uuid(uuid, 'application')}/rollback-images"),
        lambda r: CoolifyRollbackImages.from_api(r.json()),
    )


def rollback_flow(uuid: str, tag: str) -> Flow[DeployResult]:
    """Flow of :meth:`CoolifyClient.rollback` (``POST /applications/{uuid}/rollback``)."""
    if not isinstance(tag, str) or not tag.strip() or any(c.isspace() for c in tag):
        raise InvalidValueError(tag, "is not an image tag", "pass a tag from rollback_images()")
    path = f"/applications/{_uuid(uuid, 'application')}"
    response = yield Call("GET", path)
    assert response is not None
    app = CoolifyApplication.from_api(response.json())
    if app.build_pack == "dockerimage":
        # The job deploys a Docker Image application's configured image and ignores the
        # rollback commit (ApplicationDeploymentJob.php:591-619 vs :1204-1211).
        raise UnsupportedOperationError(
            f"application {uuid} is a Docker Image application: Coolify's rollback would "
            f"redeploy its configured image, not tag {tag!r}",
            workaround="deploy the earlier digest with deploy_image_and_wait(), or use "
            "mosaic_sdk.release.Rollback with CoolifyDeploymentTarget",
        )
    answer = yield Call("POST", f"{path}/rollback", json={"commit": tag})
    assert answer is not None
    body = answer.json()
    message = str(body.get("message", "")) if isinstance(body, dict) else ""
    deployment = body.get("deployment_uuid") if isinstance(body, dict) else None
    return DeployResult(
        uuid,
        deployment if isinstance(deployment, str) else None,
        message,
        isinstance(deployment, str),
    )


def set_image_flow(uuid: str, image: ImageReference) -> Flow[CoolifyApplication]:
    """Flow of :meth:`CoolifyClient.set_image`: returns the application as it was."""
    digest = pinned_digest(image)
    app_path = f"/applications/{_uuid(uuid, 'application')}"
    response = yield Call("GET", app_path)
    assert response is not None
    app = CoolifyApplication.from_api(response.json())
    if app.build_pack != "dockerimage":
        raise UnsupportedOperationError(
            f"application {uuid} ({app.name!r}) builds its image itself "
            f"(build pack {app.build_pack!r}), so it cannot be pointed at {image}",
            workaround=(
                "create a Docker Image application (POST /applications/dockerimage) for "
                "pre-built images, or pin the digest in a compose service with "
                "update_service_compose()"
            ),
        )
    # Stored the way Coolify's own DockerImageParser stores a digest on create: name
    # "repo@sha256", tag "<hex>"; the deploy job pulls "name:tag" = "repo@sha256:<hex>".
    body = {
        "docker_registry_image_name": f"{image.name}@{digest.algorithm}",
        "docker_registry_image_tag": digest.encoded,
    }
    yield Call("PATCH", app_path, json=body, idempotent=True)
    return app


def deploy_image_flow(uuid: str, image: ImageReference, force: bool) -> Flow[DeployResult]:
    """Flow of :meth:`CoolifyClient.deploy_image`: point at the digest, then deploy.

    The deploy is always sent with ``force=true``. Coolify's duplicate guard matches a
    queued or running deployment of the application on commit + PR + the ``docker_tag``
    parameter, never on the configured image (bootstrap/helpers/applications.php:16,
    47-56 @379abb25), so without ``force`` a new digest is "already queued" behind a
    deployment that may have pulled the old one. ``force_rebuild`` only changes build
    commands, which the Docker Image pipeline never runs
    (ApplicationDeploymentJob.php:591-605), and the forced deployment waits for the one
    in progress (``next_queuable``, applications.php:141-152) and reads the image when
    it starts, so it runs the digest just set. ``force`` is accepted for compatibility.
    """
    del force  # always forced, see above
    yield from set_image_flow(uuid, image)
    results = yield from deploy_flow(uuid, None, True)
    for result in results:
        if result.resource_uuid in (None, uuid):
            return result
    raise APIResponseValidationError(
        f"POST /deploy did not report application {uuid}", provider=PROVIDER, method="POST"
    )


def deploy_image_and_wait_flow(
    uuid: str,
    image: ImageReference,
    *,
    force: bool,
    timeout: float,
    poll_interval: float,
    not_found_grace: float,
    clock: Callable[[], float],
) -> Flow[CoolifyDeployment]:
    """Flow of :meth:`CoolifyClient.deploy_image_and_wait`."""
    result = yield from deploy_image_flow(uuid, image, force)
    deployment_uuid = result.deployment_uuid
    if deployment_uuid is None:
        # Never follow another deployment: it may have pulled an older image.
        raise DeploymentNotQueuedError(
            f"Coolify did not queue a deployment of {uuid} for {image} ({result.message!r}); "
            "check the application in Coolify and deploy again",
            deployment_uuid="",
        )
    return (
        yield from wait_for_deployment_flow(
            deployment_uuid,
            timeout=timeout,
            poll_interval=poll_interval,
            not_found_grace=not_found_grace,
            clock=clock,
        )
    )


#: How many deployments :func:`last_finished_deployment_flow` looks through.
RUNNING_LOOKBACK = 50


def last_finished_deployment_flow(uuid: str) -> Flow[CoolifyDeployment | None]:
    """The newest ``finished`` production deployment (``pull_request_id`` 0) of
    application ``uuid``, from ``GET /deployments/applications/{uuid}`` pages (newest
    first, PR previews included), or ``None`` within :data:`RUNNING_LOOKBACK`."""
    skip = 0
    while skip < RUNNING_LOOKBACK:
        page = yield from list_application_deployments_flow(uuid, skip, 10)
        for deployment in page:
            if deployment.status is CoolifyDeploymentStatus.FINISHED and not (
                deployment.pull_request_id
            ):
                return deployment
        if len(page) < 10:
            return None
        skip += 10
    return None


def _compose_body(compose: str, list_style_env: bool) -> str:
    text = to_list_style_env(compose) if list_style_env else compose
    return encode_compose_raw(text)


def _url_items(urls: Mapping[str, str | Sequence[str]] | None) -> list[dict[str, str]] | None:
    if urls is None:
        return None
    if not isinstance(urls, Mapping) or not urls:
        raise InvalidValueError(urls, "urls must map compose service names to URLs", "pass a dict")
    return [
        {"name": name, "url": _urls(value, f"service {name!r}")} for name, value in urls.items()
    ]


def create_service_flow(
    *,
    project_uuid: str,
    server_uuid: str,
    environment_name: str | None,
    environment_uuid: str | None,
    compose: str,
    name: str | None,
    description: str | None,
    destination_uuid: str | None,
    urls: Mapping[str, str | Sequence[str]] | None,
    instant_deploy: bool,
    list_style_env: bool,
) -> Flow[ServiceUpdateResult]:
    """Flow of :meth:`CoolifyClient.create_service` (``POST /services``)."""
    if not environment_name and not environment_uuid:
        raise InvalidValueError(
            {"environment_name": environment_name, "environment_uuid": environment_uuid},
            "needs the environment's name or uuid",
            "pass environment_name='production' or environment_uuid=...",
        )
    if not environment_name or not environment_uuid:
        # The server needs one (looked up by name, then uuid: ServicesController.php
        # :631-648 @379abb25); the published spec requires both, so the other is read.
        given = environment_name or environment_uuid
        assert given is not None
        environment = yield from get_environment_flow(project_uuid, given)
        environment_name = environment.name
        environment_uuid = environment.uuid
        if not environment_uuid:
            raise APIResponseValidationError(
                f"environment {given!r} came back without a uuid; pass environment_uuid",
                provider=PROVIDER,
                method="GET",
            )
    body: dict[str, Any] = {
        "project_uuid": _valid(project_uuid, "project"),
        "server_uuid": _valid(server_uuid, "server"),
        "environment_name": environment_name,
        "environment_uuid": _valid(environment_uuid, "environment"),
        "docker_compose_raw": _compose_body(compose, list_style_env),
        "instant_deploy": bool(instant_deploy),
    }
    if name is not None:
        body["name"] = name
    if description is not None:
        body["description"] = description
    if destination_uuid is not None:
        body["destination_uuid"] = _valid(destination_uuid, "destination")
    items = _url_items(urls)
    if items is not None:
        body["urls"] = items
    return (
        yield from single(
            Call("POST", "/services", json=body),
            lambda r: ServiceUpdateResult.from_api(r.json()),
        )
    )


def _require_version(version: str, minimum: semver.Version, what: str, workaround: str) -> None:
    parsed = parse_coolify_version(version)
    if parsed is not None and parsed < minimum:
        raise UnsupportedOperationError(
            f"Coolify {version} cannot {what} through the API (needs {minimum} or newer)",
            workaround=workaround,
        )


def update_service_flow(
    uuid: str,
    *,
    compose: str | None,
    urls: Mapping[str, str | Sequence[str]] | None,
    force_domain_override: bool,
    instant_deploy: bool,
    list_style_env: bool,
    version: _VersionCache,
) -> Flow[ServiceUpdateResult]:
    """Flow of :meth:`CoolifyClient.update_service_compose` and
    :meth:`CoolifyClient.set_service_urls` (``PATCH /services/{uuid}``)."""
    body: dict[str, Any] = {}
    if compose is not None:
        body["docker_compose_raw"] = _compose_body(compose, list_style_env)
    items = _url_items(urls)
    if items is not None:
        server = yield from version_flow(version)
        _require_version(
            server,
            SERVICE_URLS_SINCE,
            "set the domains of a service's containers",
            "upgrade Coolify, or set the domain in the Coolify UI (service > container > "
            "Domains), or declare SERVICE_URL_<NAME>_<PORT> in the compose file and let "
            "Coolify generate one",
        )
        body["urls"] = items
        if force_domain_override:
            body["force_domain_override"] = True
    if not body:
        raise InvalidValueError(
            uuid, "nothing to update", "pass compose=... and/or urls={service: url}"
        )
    if instant_deploy:
        body["instant_deploy"] = True
    path = f"/services/{_uuid(uuid, 'service')}"
    both = compose is not None and items is not None
    response = yield Call(
        "PATCH", path, json=body, idempotent=True, allow_status=(409, 422) if both else ()
    )
    assert response is not None
    if response.status_code >= 400:
        raise _service_update_error(response)
    return ServiceUpdateResult.from_api(response.json())


def _service_update_error(response: HTTPResponse) -> APIStatusError:
    """A 409/422 to a PATCH that carried a compose file and urls. Only the urls stage
    answers 409, or 422 with ``errors`` as a list (ServicesController.php:1263-1278); the
    compose stage answers 422 with an ``errors`` object, before anything is saved."""
    try:
        body = response.json()
    except APIResponseValidationError:
        body = None
    errors = body.get("errors") if isinstance(body, dict) else None
    where: dict[str, Any] = {
        "status_code": response.status_code,
        "body": response.text,
        "provider": PROVIDER,
        "method": response.method,
        "url": response.url.split("?", 1)[0],
    }
    message = _error_message(response)
    if response.status_code == 409 or isinstance(errors, list):
        return ComposeSavedUrlsRejectedError(
            f"compose saved, urls rejected: {message}; fix the urls and call "
            "set_service_urls() (the compose file need not be sent again)",
            **where,
        )
    return status_error_class(response.status_code)(message, **where)


def set_service_application_url_flow(
    service_uuid: str,
    app_uuid: str,
    urls: str | Sequence[str],
    *,
    force_domain_override: bool,
    version: _VersionCache,
) -> Flow[CoolifyServiceApplication]:
    """Flow of :meth:`CoolifyClient.set_service_application_url`."""
    url = _urls(urls, f"service application {app_uuid}")
    service_path = f"/services/{_uuid(service_uuid, 'service')}"
    app_path = f"{service_path}/applications/{_uuid(app_uuid, 'service application')}"
    server = yield from version_flow(version)
    parsed = parse_coolify_version(server)
    if parsed is None or parsed >= SERVICE_APPLICATION_PATCH_SINCE:
        params = {"force_domain_override": True} if force_domain_override else None
        yield Call("PATCH", app_path, params=params, json={"url": url}, idempotent=True)
        response = yield Call("GET", app_path)
        assert response is not None
        return CoolifyServiceApplication.from_api(response.json())
    # Older servers: the service-level "urls" field, keyed by the compose service name.
    _require_version(
        server,
        SERVICE_URLS_SINCE,
        "set the domain of a service's container",
        "upgrade Coolify to 4.0.0-beta.461 or newer, or set the domain in the Coolify UI "
        "(service > container > Domains); 'domains', 'fqdn' and 'docker_compose_domains' "
        "are rejected on services with 422",
    )
    response = yield Call("GET", service_path)
    assert response is not None
    service = CoolifyService.from_api(response.json())
    matches = [a for a in service.applications if a.uuid == app_uuid]
    if not matches:
        raise InvalidValueError(
            app_uuid,
            f"is not a container of service {service_uuid}",
            "list them with list_service_applications()",
        )
    body: dict[str, Any] = {"urls": [{"name": matches[0].name, "url": url}]}
    if force_domain_override:
        body["force_domain_override"] = True
    yield Call("PATCH", service_path, json=body, idempotent=True)
    response = yield Call("GET", service_path)
    assert response is not None
    return CoolifyService.from_api(response.json()).application(matches[0].name)


def set_application_domains_flow(
    uuid: str, domains: str | Sequence[str], force_domain_override: bool
) -> Flow[CoolifyApplication]:
    """Flow of :meth:`CoolifyClient.set_application_domains`."""
    value = _urls(domains, f"application {uuid}")
    path = f"/applications/{_uuid(uuid, 'application')}"
    response = yield Call("GET", path)
    assert response is not None
    app = CoolifyApplication.from_api(response.json())
    if app.build_pack == "dockercompose":
        raise UnsupportedOperationError(
            f"application {uuid} is a compose application: its domains belong to its "
            "containers, not to the application",
            workaround="use set_compose_domains(uuid, {compose_service: url})",
        )
    body: dict[str, Any] = {"domains": value}
    if force_domain_override:
        body["force_domain_override"] = True
    yield Call("PATCH", path, json=body, idempotent=True)
    response = yield Call("GET", path)
    assert response is not None
    return CoolifyApplication.from_api(response.json())


def set_compose_domains_flow(
    uuid: str, domains: Mapping[str, str | Sequence[str]], force_domain_override: bool
) -> Flow[CoolifyApplication]:
    """Flow of :meth:`CoolifyClient.set_compose_domains` (``docker_compose_domains``).

    Coolify stores the names sent as the whole new map and drops names that are not
    services of the compose file without an error (ApplicationsController.php:3028-3045,
    3117-3119 @379abb25), so the current map is merged in, unknown names are refused
    when the compose file is visible, and the result is checked afterwards."""
    if not isinstance(domains, Mapping) or not domains:
        raise InvalidValueError(domains, "no domains given", "pass {compose_service: url}")
    wanted = {name: _urls(value, f"compose service {name!r}") for name, value in domains.items()}
    path = f"/applications/{_uuid(uuid, 'application')}"
    response = yield Call("GET", path)
    assert response is not None
    app = CoolifyApplication.from_api(response.json())
    if app.build_pack != "dockercompose":
        raise UnsupportedOperationError(
            f"application {uuid} has build pack {app.build_pack!r}; per-container domains "
            "exist only on compose applications",
            workaround="use set_application_domains(uuid, urls)",
        )
    if app.docker_compose_raw is not None:
        services = parse_compose(app.docker_compose_raw).get("services") or {}
        unknown = sorted(set(wanted) - set(services))
        if unknown:
            raise InvalidValueError(
                unknown,
                f"is not a service of the compose file of application {uuid} (Coolify "
                "would drop it silently)",
                f"use one of: {', '.join(map(str, services))}",
            )
    # The redirect of an entry sent without one is kept by the server (:3035-3037).
    merged = {**app.compose_domains, **wanted}
    items = [{"name": name, "domain": domain} for name, domain in merged.items()]
    body: dict[str, Any] = {"docker_compose_domains": items}
    if force_domain_override:
        body["force_domain_override"] = True
    yield Call("PATCH", path, json=body, idempotent=True)
    response = yield Call("GET", path)
    assert response is not None
    after = CoolifyApplication.from_api(response.json())
    dropped = sorted(name for name in wanted if name not in after.compose_domains)
    if dropped:
        raise InvalidValueError(
            dropped,
            f"dropped by Coolify: not a service of the compose file of application {uuid} "
            "(the other domains were saved)",
            "check the service names in the compose file",
        )
    return after


def restart_service_flow(uuid: str, pull_latest: bool) -> Flow[str]:
    """Flow of :meth:`CoolifyClient.restart_service`."""

    def parse(response: HTTPResponse) -> str:
        body = response.json()
        return str(body.get("message", "")) if isinstance(body, dict) else ""

    return single(
        Call(
            "POST",
            f"/services/{_uuid(uuid, 'service')}/restart",
            params={"latest": bool(pull_latest)},
        ),
        parse,
    )


def _env_inputs(
    envs: Mapping[str, str] | Sequence[EnvVarInput], is_preview: bool
) -> list[EnvVarInput]:
    if isinstance(envs, Mapping):
        return [EnvVarInput(key, value, is_preview=is_preview) for key, value in envs.items()]
    items = list(envs)
    for item in items:
        if not isinstance(item, EnvVarInput):
            raise InvalidValueError(
                item, "is not an EnvVarInput", "pass a {key: value} dict or EnvVarInput items"
            )
    return items


# ---------------------------------------------------------------------------------------
# The clients
# ---------------------------------------------------------------------------------------


class _CoolifyBase:
    """Configuration shared by the twins (no I/O)."""

    def __init__(
        self,
        base_url: str,
        token: str,
        rate_limit: RateLimit | Literal["shared"] | None,
        rate_limit_requests: int,
        rate_limit_period: float,
    ) -> None:
        self.base_url = _api_base(base_url)
        token = check_credential(token, argument="token", env_var="COOLIFY_TOKEN")
        register_secret(token)
        self._headers = {"Authorization": f"Bearer {token}", "Accept": "application/json"}
        if rate_limit == "shared":
            rate_limit = RateLimit.shared(
                rate_limit_key(self.base_url, token),
                rate_limit_requests,
                rate_limit_period
                + max(rate_limit_period * RATE_LIMIT_MARGIN, RATE_LIMIT_MIN_MARGIN),
            )
        self.rate_limit: RateLimit | None = rate_limit
        self._version = _VersionCache()

    def __repr__(self) -> str:
        return f"{type(self).__name__}(base_url={sanitize_url(self.base_url)!r})"


_CLIENT_ARGS_DOC = """
    Args:
        base_url: the Coolify instance, e.g. ``https://coolify.example.com``
            (``/api/v1`` is appended; a URL already ending in it is accepted).
        token: an API token (``<id>|<secret>``). Never logged, shown or recorded.
        rate_limit: ``"shared"`` (default): one limiter of ``rate_limit_requests`` per
            ``rate_limit_period`` seconds (plus 5%, at least 0.5 s, for latency),
            shared by every client of the same instance and token in this process
            (key ``"coolify:" + sha256(url + token)[:16]``, never the token); a
            :class:`~mosaic_sdk.RateLimit` to share your own (for example across several
            tokens of one user: Coolify counts per user); ``None`` to disable
            client-side limiting.
        rate_limit_requests: the server's ``API_RATE_LIMIT`` (200 by default).
        rate_limit_period: the window in seconds (60, Laravel's per-minute limiter).
        timeout: seconds per request.
        retry: the retry policy (429 with ``Retry-After`` is honoured, including the
            deploy-queue-full 429 of ``POST /deploy``).
        verify: TLS verification (``True``, ``False`` or a CA bundle path).
        transport: an httpx transport for tests.
        sleep: sleep used between deployment polls (tests inject a fake).
        clock: monotonic clock for wait deadlines.
"""


class CoolifyClient(_CoolifyBase):
    __doc__ = (
        """Synchronous Coolify v4 client authenticated with a Bearer token.

    Every request carries ``Accept: application/json`` (without it Laravel renders
    framework errors as HTML) and passes the shared client-side rate limit.
"""
        + _CLIENT_ARGS_DOC
        + """
    Example:
        >>> with CoolifyClient("https://coolify.example.com", token=token) as coolify:
        ...     deployment = coolify.deploy_image_and_wait(app_uuid, image)  # doctest: +SKIP
"""
    )

    def __init__(
        self,
        base_url: str,
        *,
        token: str,
        rate_limit: RateLimit | Literal["shared"] | None = "shared",
        rate_limit_requests: int = DEFAULT_RATE_LIMIT_REQUESTS,
        rate_limit_period: float = DEFAULT_RATE_LIMIT_PERIOD,
        timeout: float | None = 30.0,
        retry: RetryPolicy | None = None,
        verify: bool | str = True,
        transport: httpx.BaseTransport | None = None,
        sleep: Callable[[float], None] = time.sleep,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        super().__init__(base_url, token, rate_limit, rate_limit_requests, rate_limit_period)
        self.sleep = sleep
        self.clock = clock
        self._http = HTTPClient(
            self.base_url,
            provider=PROVIDER,
            headers=self._headers,
            timeout=timeout,
            retry=retry,
            rate_limit=self.rate_limit,
            verify=verify,
            transport=transport,
            error_message=_error_message,
        )

    @classmethod
    def from_env(cls, **kwargs: Any) -> CoolifyClient:
        """A client from ``COOLIFY_URL`` and ``COOLIFY_TOKEN``; ``kwargs`` as for the
        constructor.

        Raises:
            ConfigurationError: a variable is missing.
        """
        url, token = _from_env()
        return cls(url, token=token, **kwargs)

    def run(self, flow: Flow[Any]) -> Any:
        """Drive a sans-I/O flow with this client (used by the deployment target)."""
        return run_flow(self._http, flow, self.sleep)

    def version(self) -> str:
        """The server version (``GET /version``), fetched once per client."""
        result: str = self.run(version_flow(self._version))
        return result

    def list_projects(self) -> list[CoolifyProject]:
        """Every project of the token's team (``GET /projects``)."""
        result: list[CoolifyProject] = self.run(list_projects_flow())
        return result

    def get_environment(self, project_uuid: str, environment: str) -> CoolifyEnvironment:
        """One environment of a project, by name or uuid
        (``GET /projects/{uuid}/{environment_name_or_uuid}``)."""
        result: CoolifyEnvironment = self.run(get_environment_flow(project_uuid, environment))
        return result

    def list_applications(self, tag: str | None = None) -> list[CoolifyApplication]:
        """Every application, optionally only those tagged ``tag`` (``GET /applications``)."""
        result: list[CoolifyApplication] = self.run(list_applications_flow(tag))
        return result

    def get_application(self, uuid: str) -> CoolifyApplication:
        """One application (``GET /applications/{uuid}``)."""
        result: CoolifyApplication = self.run(get_application_flow(uuid))
        return result

    def application_status(self, uuid: str) -> ResourceStatus:
        """The parsed status of an application (``running:healthy``...)."""
        return self.get_application(uuid).status

    def list_services(self) -> list[CoolifyService]:
        """Every compose service (``GET /services``)."""
        result: list[CoolifyService] = self.run(list_services_flow())
        return result

    def get_service(self, uuid: str) -> CoolifyService:
        """One compose service with its containers (``GET /services/{uuid}``)."""
        result: CoolifyService = self.run(get_service_flow(uuid))
        return result

    def service_status(self, uuid: str) -> ResourceStatus:
        """The parsed status of a compose service."""
        return self.get_service(uuid).status

    def get_service_compose(self, uuid: str) -> str:
        """The service's compose file as plain YAML, as Coolify normalised it
        (``GET /services/{uuid}``).

        Raises:
            SensitiveDataHiddenError: Coolify hid the compose file from this token (it
                needs ``read:sensitive`` or ``root``, made by a team admin).
        """
        return _compose_of(self.get_service(uuid))

    def list_service_applications(self, uuid: str) -> list[CoolifyServiceApplication]:
        """The containers of a compose service (``GET /services/{uuid}/applications``,
        Coolify 4.2.0+)."""
        result: list[CoolifyServiceApplication] = self.run(list_service_applications_flow(uuid))
        return result

    def list_envs(self, uuid: str, *, resource: Resource = "applications") -> list[CoolifyEnvVar]:
        """The environment variables of an application, service or database."""
        result: list[CoolifyEnvVar] = self.run(list_envs_flow(uuid, resource))
        return result

    def set_env(
        self,
        uuid: str,
        key: str,
        value: str,
        *,
        resource: Resource = "applications",
        is_preview: bool = False,
        is_literal: bool | None = None,
        is_multiline: bool | None = None,
        is_shown_once: bool | None = None,
    ) -> CoolifyEnvVar:
        """Create or update one variable (the bulk endpoint with one item: a true upsert
        in one call). Takes effect on the next deploy or restart."""
        item = EnvVarInput(key, value, is_preview, is_literal, is_multiline, is_shown_once)
        written = self.upsert_envs(uuid, [item], resource=resource)
        return _pick(written, key)

    def upsert_envs(
        self,
        uuid: str,
        envs: Mapping[str, str] | Sequence[EnvVarInput],
        *,
        resource: Resource = "applications",
        is_preview: bool = False,
    ) -> list[CoolifyEnvVar]:
        """Create missing and update existing variables in one call
        (``PATCH /{resource}/{uuid}/envs/bulk``)."""
        result: list[CoolifyEnvVar] = self.run(
            upsert_envs_flow(uuid, _env_inputs(envs, is_preview), resource)
        )
        return result

    def deploy(
        self,
        uuid: str | Sequence[str] | None = None,
        *,
        tag: str | Sequence[str] | None = None,
        force: bool = False,
    ) -> list[DeployResult]:
        """Queue deployments by resource uuid(s) or tag(s) (``POST /deploy``).

        A full deploy queue (429, ``Retry-After: 60``) is waited out by the HTTP core up
        to its retry cap, then raised as :class:`~mosaic_sdk.errors.RateLimitError`.

        By tag, each application's result is paired with its own message by looking up
        the uuid Coolify returned (``GET /deployments/{uuid}``, one per application: the
        answer's two lists do not line up); lines for services, empty tags and
        applications the token may not deploy come back with ``resource_uuid=None``.
        """
        result: list[DeployResult] = self.run(deploy_flow(uuid, tag, force))
        return result

    def get_deployment(self, uuid: str) -> CoolifyDeployment:
        """One deployment (``GET /deployments/{uuid}``)."""
        result: CoolifyDeployment = self.run(get_deployment_flow(uuid))
        return result

    def list_application_deployments(
        self, uuid: str, *, skip: int = 0, take: int = 10
    ) -> list[CoolifyDeployment]:
        """Deployments of an application, newest first
        (``GET /deployments/applications/{uuid}``)."""
        result: list[CoolifyDeployment] = self.run(
            list_application_deployments_flow(uuid, skip, take)
        )
        return result

    def wait_for_deployment(
        self,
        uuid: str,
        *,
        timeout: float = 600.0,
        poll_interval: float = 3.0,
        not_found_grace: float = 10.0,
        cancel_on_timeout: bool = False,
    ) -> CoolifyDeployment:
        """Poll a deployment until ``finished``, ``failed`` or ``cancelled-by-user``
        (``GET /deployments/{uuid}``).

        Returns the terminal deployment (a failure is returned, not raised; its
        :attr:`~CoolifyDeployment.logs` hold the job's log when the token may read it).
        With ``cancel_on_timeout`` a deployment still running at ``timeout`` is cancelled
        (``POST /deployments/{uuid}/cancel``) before the error is raised.

        Raises:
            DeploymentNotQueuedError: the uuid answered 404 for ``not_found_grace``
                seconds: Coolify never queued it.
            DeploymentTimeoutError: still queued or in progress after ``timeout``; the
                message carries the last log lines and says whether it was cancelled.
        """
        result: CoolifyDeployment = self.run(
            wait_for_deployment_flow(
                uuid,
                timeout=timeout,
                poll_interval=poll_interval,
                not_found_grace=not_found_grace,
                clock=self.clock,
                cancel_on_timeout=cancel_on_timeout,
            )
        )
        return result

    def get_deployment_logs(self, uuid: str) -> tuple[CoolifyLogEntry, ...]:
        """The log of a deployment (``GET /deployments/{uuid}``, its ``logs`` field).

        Raises:
            SensitiveDataHiddenError: Coolify hides logs from this token (it needs
                ``read:sensitive`` or ``root``, made by a team admin).
        """
        result: tuple[CoolifyLogEntry, ...] = self.run(deployment_logs_flow(uuid))
        return result

    def cancel_deployment(self, uuid: str) -> CoolifyDeployment:
        """Cancel a queued or running deployment (``POST /deployments/{uuid}/cancel``)
        and return it as it is now (``GET /deployments/{uuid}``).

        Raises:
            BadRequestError: it already finished, failed or was cancelled.
            PermissionDeniedError: the token lacks ``deploy``, or the deployment runs
                on another team's server.
        """
        result: CoolifyDeployment = self.run(cancel_deployment_flow(uuid))
        return result

    def rollback_images(self, uuid: str) -> CoolifyRollbackImages:
        """The images of an application kept on its server, to roll back to
        (``GET /applications/{uuid}/rollback-images``). ``current`` is ``None`` when the
        container runs a digest reference or the server could not be inspected."""
        result: CoolifyRollbackImages = self.run(rollback_images_flow(uuid))
        return result

    def rollback(self, uuid: str, tag: str) -> DeployResult:
        """Coolify's native rollback: redeploy an image kept on the server, by tag
        (``GET /applications/{uuid}``, then ``POST /applications/{uuid}/rollback``
        ``{"commit": tag}``). Follow the result with :meth:`wait_for_deployment`.

        For applications Coolify builds (tags are commits). A Docker Image application
        is refused: the job deploys its configured image and ignores the tag.

        Raises:
            InvalidValueError: ``tag`` is empty or has white space.
            UnsupportedOperationError: a Docker Image application (the workaround names
                ``deploy_image_and_wait``).
        """
        result: DeployResult = self.run(rollback_flow(uuid, tag))
        return result

    def set_image(self, uuid: str, image: ImageReference) -> CoolifyApplication:
        """Point a Docker Image application at ``image`` (pinned by digest) without
        deploying; returns the application as it was before.

        Raises:
            InvalidValueError: ``image`` has no digest.
            UnsupportedOperationError: the application builds its own image.
        """
        result: CoolifyApplication = self.run(set_image_flow(uuid, image))
        return result

    def deploy_image(
        self, uuid: str, image: ImageReference, *, force: bool = False
    ) -> DeployResult:
        """Point a Docker Image application at ``image`` (pinned by digest) and queue a
        deployment (``PATCH /applications/{uuid}`` then ``POST /deploy?uuid=&force=true``).

        Always forced: Coolify's duplicate guard ignores the image, so an unforced deploy
        while another deployment of the app is queued or running would be skipped and
        the new digest never deployed. ``force`` only affects builds, which Docker Image
        applications do not run; the argument is kept for compatibility."""
        result: DeployResult = self.run(deploy_image_flow(uuid, image, force))
        return result

    def deploy_image_and_wait(
        self,
        uuid: str,
        image: ImageReference,
        *,
        force: bool = False,
        timeout: float = 600.0,
        poll_interval: float = 3.0,
        not_found_grace: float = 10.0,
    ) -> CoolifyDeployment:
        """:meth:`deploy_image`, then :meth:`wait_for_deployment` of the deployment it
        queued (never an older one: see :meth:`deploy_image`).

        Raises:
            DeploymentNotQueuedError: Coolify queued nothing.
            DeploymentTimeoutError: still queued or in progress after ``timeout``.
        """
        result: CoolifyDeployment = self.run(
            deploy_image_and_wait_flow(
                uuid,
                image,
                force=force,
                timeout=timeout,
                poll_interval=poll_interval,
                not_found_grace=not_found_grace,
                clock=self.clock,
            )
        )
        return result

    def create_service(
        self,
        *,
        project_uuid: str,
        server_uuid: str,
        environment_name: str | None = None,
        environment_uuid: str | None = None,
        compose: str,
        name: str | None = None,
        description: str | None = None,
        destination_uuid: str | None = None,
        urls: Mapping[str, str | Sequence[str]] | None = None,
        instant_deploy: bool = False,
        list_style_env: bool = True,
    ) -> ServiceUpdateResult:
        """Create a compose service from plain YAML (``POST /services``).

        The YAML is sent as canonical base64; with ``list_style_env`` (default) maps
        holding ``SERVICE_URL_*``/``SERVICE_FQDN_*`` are rewritten to list style first.
        Give the environment by ``environment_name`` or ``environment_uuid``; the other
        is looked up (``GET /projects/{uuid}/{environment}``), since the published spec
        requires both while the server needs one.

        Raises:
            InvalidValueError: neither is given, or the compose file is not YAML.
        """
        result: ServiceUpdateResult = self.run(
            create_service_flow(
                project_uuid=project_uuid,
                server_uuid=server_uuid,
                environment_name=environment_name,
                environment_uuid=environment_uuid,
                compose=compose,
                name=name,
                description=description,
                destination_uuid=destination_uuid,
                urls=urls,
                instant_deploy=instant_deploy,
                list_style_env=list_style_env,
            )
        )
        return result

    def update_service_compose(
        self,
        uuid: str,
        compose: str,
        *,
        urls: Mapping[str, str | Sequence[str]] | None = None,
        force_domain_override: bool = False,
        instant_deploy: bool = False,
        list_style_env: bool = True,
    ) -> ServiceUpdateResult:
        """Replace a service's compose file (``PATCH /services/{uuid}``); restart the
        service afterwards (:meth:`restart_service`) for containers to pick it up."""
        result: ServiceUpdateResult = self.run(
            update_service_flow(
                uuid,
                compose=compose,
                urls=urls,
                force_domain_override=force_domain_override,
                instant_deploy=instant_deploy,
                list_style_env=list_style_env,
                version=self._version,
            )
        )
        return result

    def set_service_urls(
        self,
        uuid: str,
        urls: Mapping[str, str | Sequence[str]],
        *,
        force_domain_override: bool = False,
    ) -> ServiceUpdateResult:
        """Set the URLs of a service's containers by compose service name
        (``PATCH /services/{uuid}`` with ``urls``; Coolify 4.0.0-beta.461+).

        Raises:
            UnsupportedOperationError: the server is older (names the workaround).
        """
        result: ServiceUpdateResult = self.run(
            update_service_flow(
                uuid,
                compose=None,
                urls=urls,
                force_domain_override=force_domain_override,
                instant_deploy=False,
                list_style_env=False,
                version=self._version,
            )
        )
        return result

    def set_service_application_url(
        self,
        service_uuid: str,
        app_uuid: str,
        urls: str | Sequence[str],
        *,
        force_domain_override: bool = False,
    ) -> CoolifyServiceApplication:
        """Set the URL(s) of one container of a compose service.

        Uses ``PATCH /services/{uuid}/applications/{app_uuid}`` (Coolify 4.2.0+, which
        also rewrites the magic variables), else the service-level ``urls`` field
        (4.0.0-beta.461+).

        Raises:
            UnsupportedOperationError: the server is older than 4.0.0-beta.461.
        """
        result: CoolifyServiceApplication = self.run(
            set_service_application_url_flow(
                service_uuid,
                app_uuid,
                urls,
                force_domain_override=force_domain_override,
                version=self._version,
            )
        )
        return result

    def set_application_domains(
        self, uuid: str, domains: str | Sequence[str], *, force_domain_override: bool = False
    ) -> CoolifyApplication:
        """Set the domains of a (non-compose) application (``PATCH`` ``domains``).

        Raises:
            UnsupportedOperationError: it is a compose application.
        """
        result: CoolifyApplication = self.run(
            set_application_domains_flow(uuid, domains, force_domain_override)
        )
        return result

    def set_compose_domains(
        self,
        uuid: str,
        domains: Mapping[str, str | Sequence[str]],
        *,
        force_domain_override: bool = False,
    ) -> CoolifyApplication:
        """Set per-container domains of a git compose application
        (``PATCH`` ``docker_compose_domains``).

        Raises:
            UnsupportedOperationError: it is not a compose application.
        """
        result: CoolifyApplication = self.run(
            set_compose_domains_flow(uuid, domains, force_domain_override)
        )
        return result

    def restart_service(self, uuid: str, *, pull_latest: bool = True) -> str:
        """Restart a compose service, pulling images first by default
        (``POST /services/{uuid}/restart?latest=``); returns Coolify's message."""
        result: str = self.run(restart_service_flow(uuid, pull_latest))
        return result

    def close(self) -> None:
        """Close the connection pool."""
        self._http.close()

    def __enter__(self) -> CoolifyClient:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()


class AsyncCoolifyClient(_CoolifyBase):
    __doc__ = (
        """Asynchronous twin of :class:`CoolifyClient`: the same methods, awaited, and
    ``aclose`` in place of ``close``.
"""
        + _CLIENT_ARGS_DOC
    )

    def __init__(
        self,
        base_url: str,
        *,
        token: str,
        rate_limit: RateLimit | Literal["shared"] | None = "shared",
        rate_limit_requests: int = DEFAULT_RATE_LIMIT_REQUESTS,
        rate_limit_period: float = DEFAULT_RATE_LIMIT_PERIOD,
        timeout: float | None = 30.0,
        retry: RetryPolicy | None = None,
        verify: bool | str = True,
        transport: httpx.AsyncBaseTransport | None = None,
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        super().__init__(base_url, token, rate_limit, rate_limit_requests, rate_limit_period)
        self.sleep = sleep
        self.clock = clock
        self._http = AsyncHTTPClient(
            self.base_url,
            provider=PROVIDER,
            headers=self._headers,
            timeout=timeout,
            retry=retry,
            rate_limit=self.rate_limit,
            verify=verify,
            transport=transport,
            error_message=_error_message,
        )

    @classmethod
    def from_env(cls, **kwargs: Any) -> AsyncCoolifyClient:
        """See :meth:`CoolifyClient.from_env`."""
        url, token = _from_env()
        return cls(url, token=token, **kwargs)

    async def run(self, flow: Flow[Any]) -> Any:
        """Drive a sans-I/O flow with this client."""
        return await arun_flow(self._http, flow, self.sleep)

    async def version(self) -> str:
        """See :meth:`CoolifyClient.version`."""
        result: str = await self.run(version_flow(self._version))
        return result

    async def list_projects(self) -> list[CoolifyProject]:
        """See :meth:`CoolifyClient.list_projects`."""
        result: list[CoolifyProject] = await self.run(list_projects_flow())
        return result

    async def get_environment(self, project_uuid: str, environment: str) -> CoolifyEnvironment:
        """See :meth:`CoolifyClient.get_environment`."""
        result: CoolifyEnvironment = await self.run(get_environment_flow(project_uuid, environment))
        return result

    async def list_applications(self, tag: str | None = None) -> list[CoolifyApplication]:
        """See :meth:`CoolifyClient.list_applications`."""
        result: list[CoolifyApplication] = await self.run(list_applications_flow(tag))
        return result

    async def get_application(self, uuid: str) -> CoolifyApplication:
        """See :meth:`CoolifyClient.get_application`."""
        result: CoolifyApplication = await self.run(get_application_flow(uuid))
        return result

    async def application_status(self, uuid: str) -> ResourceStatus:
        """See :meth:`CoolifyClient.application_status`."""
        return (await self.get_application(uuid)).status

    async def list_services(self) -> list[CoolifyService]:
        """See :meth:`CoolifyClient.list_services`."""
        result: list[CoolifyService] = await self.run(list_services_flow())
        return result

    async def get_service(self, uuid: str) -> CoolifyService:
        """See :meth:`CoolifyClient.get_service`."""
        result: CoolifyService = await self.run(get_service_flow(uuid))
        return result

    async def service_status(self, uuid: str) -> ResourceStatus:
        """See :meth:`CoolifyClient.service_status`."""
        return (await self.get_service(uuid)).status

    async def get_service_compose(self, uuid: str) -> str:
        """See :meth:`CoolifyClient.get_service_compose`."""
        return _compose_of(await self.get_service(uuid))

    async def list_service_applications(self, uuid: str) -> list[CoolifyServiceApplication]:
        """See :meth:`CoolifyClient.list_service_applications`."""
        result: list[CoolifyServiceApplication] = await self.run(
            list_service_applications_flow(uuid)
        )
        return result

    async def list_envs(
        self, uuid: str, *, resource: Resource = "applications"
    ) -> list[CoolifyEnvVar]:
        """See :meth:`CoolifyClient.list_envs`."""
        result: list[CoolifyEnvVar] = await self.run(list_envs_flow(uuid, resource))
        return result

    async def set_env(
        self,
        uuid: str,
        key: str,
        value: str,
        *,
        resource: Resource = "applications",
        is_preview: bool = False,
        is_literal: bool | None = None,
        is_multiline: bool | None = None,
        is_shown_once: bool | None = None,
    ) -> CoolifyEnvVar:
        """See :meth:`CoolifyClient.set_env`."""
        item = EnvVarInput(key, value, is_preview, is_literal, is_multiline, is_shown_once)
        written = await self.upsert_envs(uuid, [item], resource=resource)
        return _pick(written, key)

    async def upsert_envs(
        self,
        uuid: str,
        envs: Mapping[str, str] | Sequence[EnvVarInput],
        *,
        resource: Resource = "applications",
        is_preview: bool = False,
    ) -> list[CoolifyEnvVar]:
        """See :meth:`CoolifyClient.upsert_envs`."""
        result: list[CoolifyEnvVar] = await self.run(
            upsert_envs_flow(uuid, _env_inputs(envs, is_preview), resource)
        )
        return result

    async def deploy(
        self,
        uuid: str | Sequence[str] | None = None,
        *,
        tag: str | Sequence[str] | None = None,
        force: bool = False,
    ) -> list[DeployResult]:
        """See :meth:`CoolifyClient.deploy`."""
        result: list[DeployResult] = await self.run(deploy_flow(uuid, tag, force))
        return result

    async def get_deployment(self, uuid: str) -> CoolifyDeployment:
        """See :meth:`CoolifyClient.get_deployment`."""
        result: CoolifyDeployment = await self.run(get_deployment_flow(uuid))
        return result

    async def list_application_deployments(
        self, uuid: str, *, skip: int = 0, take: int = 10
    ) -> list[CoolifyDeployment]:
        """See :meth:`CoolifyClient.list_application_deployments`."""
        result: list[CoolifyDeployment] = await self.run(
            list_application_deployments_flow(uuid, skip, take)
        )
        return result

    async def wait_for_deployment(
        self,
        uuid: str,
        *,
        timeout: float = 600.0,
        poll_interval: float = 3.0,
        not_found_grace: float = 10.0,
        cancel_on_timeout: bool = False,
    ) -> CoolifyDeployment:
        """See :meth:`CoolifyClient.wait_for_deployment`."""
        result: CoolifyDeployment = await self.run(
            wait_for_deployment_flow(
                uuid,
                timeout=timeout,
                poll_interval=poll_interval,
                not_found_grace=not_found_grace,
                clock=self.clock,
                cancel_on_timeout=cancel_on_timeout,
            )
        )
        return result

    async def get_deployment_logs(self, uuid: str) -> tuple[CoolifyLogEntry, ...]:
        """See :meth:`CoolifyClient.get_deployment_logs`."""
        result: tuple[CoolifyLogEntry, ...] = await self.run(deployment_logs_flow(uuid))
        return result

    async def cancel_deployment(self, uuid: str) -> CoolifyDeployment:
        """See :meth:`CoolifyClient.cancel_deployment`."""
        result: CoolifyDeployment = await self.run(cancel_deployment_flow(uuid))
        return result

    async def rollback_images(self, uuid: str) -> CoolifyRollbackImages:
        """See :meth:`CoolifyClient.rollback_images`."""
        result: CoolifyRollbackImages = await self.run(rollback_images_flow(uuid))
        return result

    async def rollback(self, uuid: str, tag: str) -> DeployResult:
        """See :meth:`CoolifyClient.rollback`."""
        result: DeployResult = await self.run(rollback_flow(uuid, tag))
        return result

    async def set_image(self, uuid: str, image: ImageReference) -> CoolifyApplication:
        """See :meth:`CoolifyClient.set_image`."""
        result: CoolifyApplication = await self.run(set_image_flow(uuid, image))
        return result

    async def deploy_image(
        self, uuid: str, image: ImageReference, *, force: bool = False
    ) -> DeployResult:
        """See :meth:`CoolifyClient.deploy_image`."""
        result: DeployResult = await self.run(deploy_image_flow(uuid, image, force))
        return result

    async def deploy_image_and_wait(
        self,
        uuid: str,
        image: ImageReference,
        *,
        force: bool = False,
        timeout: float = 600.0,
        poll_interval: float = 3.0,
        not_found_grace: float = 10.0,
    ) -> CoolifyDeployment:
        """See :meth:`CoolifyClient.deploy_image_and_wait`."""
        result: CoolifyDeployment = await self.run(
            deploy_image_and_wait_flow(
                uuid,
                image,
                force=force,
                timeout=timeout,
                poll_interval=poll_interval,
                not_found_grace=not_found_grace,
                clock=self.clock,
            )
        )
        return result

    async def create_service(
        self,
        *,
        project_uuid: str,
        server_uuid: str,
        environment_name: str | None = None,
        environment_uuid: str | None = None,
        compose: str,
        name: str | None = None,
        description: str | None = None,
        destination_uuid: str | None = None,
        urls: Mapping[str, str | Sequence[str]] | None = None,
        instant_deploy: bool = False,
        list_style_env: bool = True,
    ) -> ServiceUpdateResult:
        """See :meth:`CoolifyClient.create_service`."""
        result: ServiceUpdateResult = await self.run(
            create_service_flow(
                project_uuid=project_uuid,
                server_uuid=server_uuid,
                environment_name=environment_name,
                environment_uuid=environment_uuid,
                compose=compose,
                name=name,
                description=description,
                destination_uuid=destination_uuid,
                urls=urls,
                instant_deploy=instant_deploy,
                list_style_env=list_style_env,
            )
        )
        return result

    async def update_service_compose(
        self,
        uuid: str,
        compose: str,
        *,
        urls: Mapping[str, str | Sequence[str]] | None = None,
        force_domain_override: bool = False,
        instant_deploy: bool = False,
        list_style_env: bool = True,
    ) -> ServiceUpdateResult:
        """See :meth:`CoolifyClient.update_service_compose`."""
        result: ServiceUpdateResult = await self.run(
            update_service_flow(
                uuid,
                compose=compose,
                urls=urls,
                force_domain_override=force_domain_override,
                instant_deploy=instant_deploy,
                list_style_env=list_style_env,
                version=self._version,
            )
        )
        return result

    async def set_service_urls(
        self,
        uuid: str,
        urls: Mapping[str, str | Sequence[str]],
        *,
        force_domain_override: bool = False,
    ) -> ServiceUpdateResult:
        """See :meth:`CoolifyClient.set_service_urls`."""
        result: ServiceUpdateResult = await self.run(
            update_service_flow(
                uuid,
                compose=None,
                urls=urls,
                force_domain_override=force_domain_override,
                instant_deploy=False,
                list_style_env=False,
                version=self._version,
            )
        )
        return result

    async def set_service_application_url(
        self,
        service_uuid: str,
        app_uuid: str,
        urls: str | Sequence[str],
        *,
        force_domain_override: bool = False,
    ) -> CoolifyServiceApplication:
        """See :meth:`CoolifyClient.set_service_application_url`."""
        result: CoolifyServiceApplication = await self.run(
            set_service_application_url_flow(
                service_uuid,
                app_uuid,
                urls,
                force_domain_override=force_domain_override,
                version=self._version,
            )
        )
        return result

    async def set_application_domains(
        self, uuid: str, domains: str | Sequence[str], *, force_domain_override: bool = False
    ) -> CoolifyApplication:
        """See :meth:`CoolifyClient.set_application_domains`."""
        result: CoolifyApplication = await self.run(
            set_application_domains_flow(uuid, domains, force_domain_override)
        )
        return result

    async def set_compose_domains(
        self,
        uuid: str,
        domains: Mapping[str, str | Sequence[str]],
        *,
        force_domain_override: bool = False,
    ) -> CoolifyApplication:
        """See :meth:`CoolifyClient.set_compose_domains`."""
        result: CoolifyApplication = await self.run(
            set_compose_domains_flow(uuid, domains, force_domain_override)
        )
        return result

    async def restart_service(self, uuid: str, *, pull_latest: bool = True) -> str:
        """See :meth:`CoolifyClient.restart_service`."""
        result: str = await self.run(restart_service_flow(uuid, pull_latest))
        return result

    async def aclose(self) -> None:
        """Close the connection pool."""
        await self._http.aclose()

    async def __aenter__(self) -> AsyncCoolifyClient:
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.aclose()


def _from_env() -> tuple[str, str]:
    url = os.environ.get("COOLIFY_URL", "")
    token = os.environ.get("COOLIFY_TOKEN", "")
    missing = [
        name for name, value in (("COOLIFY_URL", url), ("COOLIFY_TOKEN", token)) if not value
    ]
    if missing:
        raise ConfigurationError(
            f"environment variable(s) {', '.join(missing)} not set; export the instance URL "
            "and an API token, or pass them to CoolifyClient(base_url, token=...)"
        )
    return url, token


def _compose_of(service: CoolifyService) -> str:
    if service.docker_compose_raw is None:
        # In Service::$hidden (app/Models/Service.php:75-78), shown only to tokens that
        # can read sensitive data (ServicesController.php:52-79).
        raise SensitiveDataHiddenError(
            f"service {service.uuid} came back without its compose file",
            field="docker_compose_raw",
        )
    return decode_compose_raw(service.docker_compose_raw)


def _pick(written: Sequence[CoolifyEnvVar], key: str) -> CoolifyEnvVar:
    for env in written:
        if env.key == key:
            return env
    if len(written) == 1:
        return written[0]  # the server normalised the key (trimmed, spaces to '_')
    raise APIResponseValidationError(
        f"the bulk update did not return variable {key!r}", provider=PROVIDER, method="PATCH"
    )
