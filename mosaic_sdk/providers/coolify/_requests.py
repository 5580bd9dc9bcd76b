"""Coolify v4 requests and answers without I/O: constants, input checks, paths, bodies,
parsers and error text shared by :class:`~mosaic_sdk.providers.coolify.CoolifyClient`
and :class:`~mosaic_sdk.providers.coolify.AsyncCoolifyClient` (written once in
``_async/client.py``; the synchronous twin is generated).
"""

from __future__ import annotations

import hashlib
import json as jsonlib
import os
from collections.abc import Callable, Mapping, Sequence
from typing import Any, Literal
from urllib.parse import quote, urlsplit

import attrs
import semver

from mosaic_sdk._core._redact import register_secret, sanitize_url
from mosaic_sdk._core._repr import safe_repr
from mosaic_sdk._http import HTTPResponse, RateLimit, check_base_url, check_credential
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
from mosaic_sdk.providers._answers import json_list
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
    CoolifyEnvVar,
    CoolifyService,
    DeployResult,
    EnvVarInput,
)
from mosaic_sdk.values import ImageReference

__all__ = [
    "DEFAULT_RATE_LIMIT_PERIOD",
    "DEFAULT_RATE_LIMIT_REQUESTS",
    "RATE_LIMIT_MARGIN",
    "RATE_LIMIT_MIN_MARGIN",
    "ComposeSavedUrlsRejectedError",
    "SensitiveDataHiddenError",
    "parse_coolify_version",
    "rate_limit_key",
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
    return json_list(response, what, provider=PROVIDER)


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


def _resource(resource: str) -> str:
    if resource not in _RESOURCES:
        raise InvalidValueError(resource, "is not a Coolify resource kind", f"use {_RESOURCES}")
    return resource


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
    # By uuid: {"deployments": [...]}. By tag: see tag_answer.
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


def _take(items: list[str], wanted: Callable[[str], bool]) -> str | None:
    for index, item in enumerate(items):
        if wanted(item):
            return items.pop(index)
    return None


#: How many deployments the deployment target's ``running`` looks through.
RUNNING_LOOKBACK = 50


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


def _require_version(version: str, minimum: semver.Version, what: str, workaround: str) -> None:
    parsed = parse_coolify_version(version)
    if parsed is not None and parsed < minimum:
        raise UnsupportedOperationError(
            f"Coolify {version} cannot {what} through the API (needs {minimum} or newer)",
            workaround=workaround,
        )


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

    @safe_repr
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


# -- paths: each checks its uuid before anything is sent --------------------------------


def application_path(uuid: str) -> str:
    """``/applications/{uuid}``."""
    return f"/applications/{_uuid(uuid, 'application')}"


def service_path(uuid: str) -> str:
    """``/services/{uuid}``."""
    return f"/services/{_uuid(uuid, 'service')}"


def deployment_path(uuid: str) -> str:
    """``/deployments/{uuid}``."""
    return f"/deployments/{_uuid(uuid, 'deployment')}"


def environment_path(project_uuid: str, environment: str) -> str:
    """``/projects/{uuid}/{environment}``."""
    return f"/projects/{_uuid(project_uuid, 'project')}/{_uuid(environment, 'environment')}"


def envs_path(uuid: str, resource: str) -> str:
    """``/{resource}/{uuid}/envs``."""
    return f"/{_resource(resource)}/{_uuid(uuid, resource[:-1])}/envs"


# -- answers ----------------------------------------------------------------------------


def parse_version(response: HTTPResponse) -> str:
    """The answer of ``GET /version`` (plain text, maybe quoted)."""
    text = response.text.strip().strip('"')
    if not text:
        raise APIResponseValidationError(
            "GET /version answered an empty body", provider=PROVIDER, method="GET"
        )
    return text


def parse_envs(response: HTTPResponse) -> list[CoolifyEnvVar]:
    """A list of environment variables."""
    return [CoolifyEnvVar.from_api(e) for e in _json_list(response, "environment variables")]


def parse_deployment_page(response: HTTPResponse) -> list[CoolifyDeployment]:
    """The answer of ``GET /deployments/applications/{uuid}``."""
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


def parse_message(response: HTTPResponse) -> str:
    """The ``message`` of an answer object, ``""`` without one."""
    body = response.json()
    return str(body.get("message", "")) if isinstance(body, dict) else ""


def parse_rollback(uuid: str, response: HTTPResponse) -> DeployResult:
    """The answer of ``POST /applications/{uuid}/rollback``."""
    body = response.json()
    message = str(body.get("message", "")) if isinstance(body, dict) else ""
    deployment = body.get("deployment_uuid") if isinstance(body, dict) else None
    return DeployResult(
        uuid,
        deployment if isinstance(deployment, str) else None,
        message,
        isinstance(deployment, str),
    )


# -- environment variables --------------------------------------------------------------


def check_envs(envs: Sequence[EnvVarInput]) -> None:
    """Refuse an empty batch and a variable given twice (nothing is sent)."""
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


def needs_current_flags(resource: str, items: Sequence[EnvVarInput]) -> bool:
    """Whether the current flags must be read before an upsert.

    On an existing application variable Coolify sets an omitted is_literal to false and
    omitted is_multiline/is_shown_once to null (ApplicationsController.php:3591,
    3638-3646 @379abb25): a "$" value would start being interpolated and a shown-once
    secret would become visible, so the current flags are sent instead. Services keep
    them (updateOrCreate, ServicesController.php:1638)."""
    return resource == "applications" and any(
        None in (e.is_literal, e.is_multiline, e.is_shown_once) for e in items
    )


def with_current_flags(
    items: Sequence[EnvVarInput], current: Sequence[CoolifyEnvVar]
) -> list[EnvVarInput]:
    """``items`` with each omitted flag taken from the variable as it is now."""
    by_key = {(e.key, bool(e.is_preview)): e for e in current}
    return [_with_current_flags(e, by_key.get((e.key, e.is_preview))) for e in items]


def envs_body(items: Sequence[EnvVarInput]) -> dict[str, Any]:
    """The body of ``PATCH /{resource}/{uuid}/envs/bulk``."""
    return {"data": [e.to_api() for e in items]}


# -- deploys ----------------------------------------------------------------------------


def deploy_params(
    uuid: str | Sequence[str] | None, tag: str | Sequence[str] | None, force: bool
) -> dict[str, str | bool]:
    """The query of ``POST /deploy``: exactly one of ``uuid`` or ``tag``."""
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
    return params


def tag_answer(response: HTTPResponse) -> tuple[list[str], list[dict[str, Any]]]:
    """The ``message`` lines and ``details`` objects of a deploy-by-tag answer.

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
    return [str(m) for m in messages], [item for item in details if isinstance(item, dict)]


def tag_result(resource: object, found: CoolifyDeployment | None, left: list[str]) -> DeployResult:
    """The result of one application of a deploy by tag; takes its line from ``left``."""
    if found is not None:
        wanted = f"Application {found.application_name} deployment queued."
        message = _take(left, wanted.__eq__) or wanted
        return DeployResult(str(resource), found.deployment_uuid, message, True)
    message = _take(left, lambda m: ALREADY_QUEUED_MESSAGE in m.lower()) or (
        "Deployment already queued for this commit."
    )
    return DeployResult(str(resource), None, message, False)


def unpaired_results(left: Sequence[str]) -> list[DeployResult]:
    """The lines of a deploy by tag that belong to no application."""
    results: list[DeployResult] = []
    for message in left:
        started = message.startswith(("Service ", "Database ")) or "queued" in message
        results.append(DeployResult(None, None, message, started))
    return results


def check_page(skip: int, take: int) -> dict[str, int]:
    """The query of ``GET /deployments/applications/{uuid}``."""
    if not isinstance(skip, int) or skip < 0:
        raise InvalidValueError(skip, "skip must be 0 or more", "pass skip=0")
    if not isinstance(take, int) or take < 1:
        raise InvalidValueError(take, "take must be 1 or more", "pass take=10")
    return {"skip": skip, "take": take}


def check_wait(timeout: float, poll_interval: float) -> None:
    """Refuse a wait that could never poll."""
    if not timeout > 0:
        raise InvalidValueError(timeout, "timeout must be positive", "pass e.g. timeout=600")
    if not poll_interval > 0:
        raise InvalidValueError(poll_interval, "poll interval must be positive", "pass 3.0")


def vanished_error(uuid: str, seen: CoolifyDeployment, response: HTTPResponse) -> NotFoundError:
    """A deployment answered 404 after it had been seen."""
    return NotFoundError(
        f"deployment {uuid} disappeared while it was {seen.status.value}; "
        "look it up with list_application_deployments()",
        status_code=404,
        provider=PROVIDER,
        method="GET",
        url=response.url.split("?", 1)[0],
    )


def not_queued_error(uuid: str, elapsed: float, response: HTTPResponse) -> DeploymentNotQueuedError:
    """A deployment uuid that answered 404 for the whole grace period."""
    return DeploymentNotQueuedError(
        f"deployment {uuid} does not exist (404 for {elapsed:.0f}s): Coolify did "
        "not queue it (an identical deployment was already queued, or the "
        "deploy queue was full); find the real one with "
        "list_application_deployments(app_uuid, take=1) or deploy again",
        deployment_uuid=uuid,
        url=response.url.split("?", 1)[0],
    )


def wait_timeout_error(
    uuid: str, seen: CoolifyDeployment, timeout: float, cancelled: bool
) -> DeploymentTimeoutError:
    """A deployment still running at the end of the wait."""
    action = "wait longer (timeout=...) or cancel it (cancel_deployment)"
    if cancelled:
        action = "it was cancelled (POST /deployments/{uuid}/cancel)"
    lines = seen.last_log_lines(5)
    tail = f"; last log lines: {' | '.join(lines)}" if lines else ""
    return DeploymentTimeoutError(
        f"deployment {uuid} is still {seen.status.value} after {timeout:.0f}s; {action}{tail}",
        deployment_id=uuid,
        last_status=seen.status.value,
        timeout=timeout,
        provider=PROVIDER,
    )


def check_rollback_tag(tag: str) -> None:
    """Refuse a rollback tag that cannot be an image tag."""
    if not isinstance(tag, str) or not tag.strip() or any(c.isspace() for c in tag):
        raise InvalidValueError(tag, "is not an image tag", "pass a tag from rollback_images()")


def check_rollback_app(app: CoolifyApplication, uuid: str, tag: str) -> None:
    """Refuse Coolify's rollback of a Docker Image application.

    The job deploys a Docker Image application's configured image and ignores the
    rollback commit (ApplicationDeploymentJob.php:591-619 vs :1204-1211)."""
    if app.build_pack == "dockerimage":
        raise UnsupportedOperationError(
            f"application {uuid} is a Docker Image application: Coolify's rollback would "
            f"redeploy its configured image, not tag {tag!r}",
            workaround="deploy the earlier digest with deploy_image_and_wait(), or use "
            "mosaic_sdk.release.Rollback with CoolifyDeploymentTarget",
        )


def image_body(app: CoolifyApplication, uuid: str, image: ImageReference) -> dict[str, str]:
    """The ``PATCH /applications/{uuid}`` body pointing a Docker Image application at
    ``image``'s digest; refuses applications that build their own image."""
    digest = pinned_digest(image)
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
    return {
        "docker_registry_image_name": f"{image.name}@{digest.algorithm}",
        "docker_registry_image_tag": digest.encoded,
    }


def result_of(results: Sequence[DeployResult], uuid: str) -> DeployResult:
    """The result for application ``uuid`` among a deploy's results."""
    for result in results:
        if result.resource_uuid in (None, uuid):
            return result
    raise APIResponseValidationError(
        f"POST /deploy did not report application {uuid}", provider=PROVIDER, method="POST"
    )


def not_deployed_error(uuid: str, image: ImageReference, result: DeployResult) -> Exception:
    """Coolify queued no deployment of ``image`` (never follow another one: it may have
    pulled an older image)."""
    return DeploymentNotQueuedError(
        f"Coolify did not queue a deployment of {uuid} for {image} ({result.message!r}); "
        "check the application in Coolify and deploy again",
        deployment_uuid="",
    )


# -- services ---------------------------------------------------------------------------


def check_environment(environment_name: str | None, environment_uuid: str | None) -> None:
    """A new service needs its environment by name or uuid."""
    if not environment_name and not environment_uuid:
        raise InvalidValueError(
            {"environment_name": environment_name, "environment_uuid": environment_uuid},
            "needs the environment's name or uuid",
            "pass environment_name='production' or environment_uuid=...",
        )


def environment_uuid_of(uuid: str | None, given: str) -> str:
    """The uuid of a looked-up environment, which the server must have sent."""
    if not uuid:
        raise APIResponseValidationError(
            f"environment {given!r} came back without a uuid; pass environment_uuid",
            provider=PROVIDER,
            method="GET",
        )
    return uuid


def create_service_body(
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
) -> dict[str, Any]:
    """The body of ``POST /services``."""
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
    return body


def require_service_urls(version: str) -> None:
    """Refuse ``urls`` on servers older than :data:`SERVICE_URLS_SINCE`."""
    _require_version(
        version,
        SERVICE_URLS_SINCE,
        "set the domains of a service's containers",
        "upgrade Coolify, or set the domain in the Coolify UI (service > container > "
        "Domains), or declare SERVICE_URL_<NAME>_<PORT> in the compose file and let "
        "Coolify generate one",
    )


def require_service_url(version: str) -> None:
    """Refuse the service-level ``urls`` fallback on servers older than
    :data:`SERVICE_URLS_SINCE`."""
    _require_version(
        version,
        SERVICE_URLS_SINCE,
        "set the domain of a service's container",
        "upgrade Coolify to 4.0.0-beta.461 or newer, or set the domain in the Coolify UI "
        "(service > container > Domains); 'domains', 'fqdn' and 'docker_compose_domains' "
        "are rejected on services with 422",
    )


def has_application_patch(version: str) -> bool:
    """Whether ``PATCH /services/{uuid}/applications/{app}`` exists on the server."""
    parsed = parse_coolify_version(version)
    return parsed is None or parsed >= SERVICE_APPLICATION_PATCH_SINCE


def container_name(service: CoolifyService, service_uuid: str, app_uuid: str) -> str:
    """The compose name of container ``app_uuid`` of ``service``."""
    matches = [a for a in service.applications if a.uuid == app_uuid]
    if not matches:
        raise InvalidValueError(
            app_uuid,
            f"is not a container of service {service_uuid}",
            "list them with list_service_applications()",
        )
    return matches[0].name


# -- application domains ----------------------------------------------------------------


def check_not_compose(app: CoolifyApplication, uuid: str) -> None:
    """Refuse application-level domains on a compose application."""
    if app.build_pack == "dockercompose":
        raise UnsupportedOperationError(
            f"application {uuid} is a compose application: its domains belong to its "
            "containers, not to the application",
            workaround="use set_compose_domains(uuid, {compose_service: url})",
        )


def with_override(body: dict[str, Any], force_domain_override: bool) -> dict[str, Any]:
    """``body`` with ``force_domain_override`` when asked for."""
    if force_domain_override:
        body["force_domain_override"] = True
    return body


def check_compose_domains(domains: Mapping[str, str | Sequence[str]]) -> dict[str, str]:
    """``{compose service: urls}`` checked, URLs joined the way Coolify stores them."""
    if not isinstance(domains, Mapping) or not domains:
        raise InvalidValueError(domains, "no domains given", "pass {compose_service: url}")
    return {name: _urls(value, f"compose service {name!r}") for name, value in domains.items()}


def compose_domains_body(
    app: CoolifyApplication, uuid: str, wanted: Mapping[str, str]
) -> dict[str, Any]:
    """The ``docker_compose_domains`` body: the current map with ``wanted`` merged in.

    Coolify stores the names sent as the whole new map and drops names that are not
    services of the compose file without an error (ApplicationsController.php:3028-3045,
    3117-3119 @379abb25), so the current map is merged in and unknown names are refused
    when the compose file is visible."""
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
    return {"docker_compose_domains": items}


def check_compose_domains_saved(
    after: CoolifyApplication, uuid: str, wanted: Mapping[str, str]
) -> CoolifyApplication:
    """``after``, unless Coolify dropped one of the ``wanted`` names."""
    dropped = sorted(name for name in wanted if name not in after.compose_domains)
    if dropped:
        raise InvalidValueError(
            dropped,
            f"dropped by Coolify: not a service of the compose file of application {uuid} "
            "(the other domains were saved)",
            "check the service names in the compose file",
        )
    return after
