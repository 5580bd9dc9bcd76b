"""Vercel requests and answers, without I/O: shared by both client twins.

Each ``*_call`` function checks its arguments and builds one :class:`Call` (nothing is
sent); each ``parse_*`` function turns an answer into the SDK's values. The clients in
``_async/client.py`` (and the generated ``_sync/client.py``) send the calls, add the
``teamId`` scope to each, and sequence the polling and paging.

Vercel versions each endpoint separately; every path the SDK calls is in :data:`PATHS`,
so moving to a newer version is a one-line change checked by the spec tests.
"""

from __future__ import annotations

import functools
import itertools
import json as jsonlib
import os
import time
from collections.abc import Collection, Mapping, Sequence
from typing import Any
from urllib.parse import quote

import attrs

from mosaic_sdk._core._redact import register_secret, sanitize_url
from mosaic_sdk._core._repr import safe_repr
from mosaic_sdk._http import (
    HTTPResponse,
    RetryPolicy,
    check_base_url,
    check_credential,
)
from mosaic_sdk.errors import (
    APIResponseValidationError,
    APIStatusError,
    ConfigurationError,
    DeploymentTimeoutError,
    InvalidValueError,
    status_error_class,
)
from mosaic_sdk.providers.vercel._models import (
    AliasAssignment,
    AliasJobStatus,
    BuildEvent,
    DeploymentPage,
    EnvType,
    GitSource,
    LastAliasRequest,
    PromoteAlias,
    PromotionOutcome,
    PromotionState,
    ReadyState,
    RollingRelease,
    RollingReleaseConfig,
    VercelAlias,
    VercelCert,
    VercelDeployment,
    VercelEnvVar,
    VercelEnvVarInfo,
    VercelProject,
    _env_targets,
    inline_files,
)

__all__ = ["DEFAULT_BASE_URL", "PATHS", "Call", "rate_limit_wait"]

PROVIDER = "vercel"
DEFAULT_BASE_URL = "https://api.vercel.com"
DEFAULT_TIMEOUT = 30.0
DEFAULT_WAIT_TIMEOUT = 900.0
DEFAULT_POLL_INTERVAL = 5.0
DEFAULT_PROMOTE_TIMEOUT = 300.0
#: Largest random skew added to a honoured 429 wait: the CLI's 30 s
#: (``packages/cli/src/util/client.ts`` ``randomSkewMs = 30_000 * Math.random()``).
RATE_LIMIT_SKEW = 30.0
#: Build output lines a failed deployment carries in ``build_log``.
BUILD_LOG_LINES = 20
TOKEN_ENV = "VERCEL_TOKEN"  # noqa: S105 - a variable name, not a secret
#: ``VERCEL_TEAM_ID`` first; ``VERCEL_ORG_ID`` is the name the Vercel CLI uses.
TEAM_ENVS = ("VERCEL_TEAM_ID", "VERCEL_ORG_ID")
TOKENS_PAGE = "https://vercel.com/account/tokens"

#: Every endpoint the client calls. List deployments stays on ``/v6`` (the version in
#: the stored spec, so each request is checked against it); ``vercel/sdk`` HEAD calls
#: ``/v7/deployments`` with the same query parameters. Instant rollback is absent from
#: the stored spec (see ``docs/providers/vercel.md``).
PATHS: Mapping[str, str] = {
    "create_deployment": "/v13/deployments",
    "get_deployment": "/v13/deployments/{id_or_url}",
    "list_deployments": "/v6/deployments",
    "deployment_events": "/v3/deployments/{id_or_url}/events",
    "cancel_deployment": "/v12/deployments/{id}/cancel",
    "promote": "/v10/projects/{project_id}/promote/{deployment_id}",
    "promote_aliases": "/v1/projects/{project_id}/promote/aliases",
    "rolling_release": "/v1/projects/{id_or_name}/rolling-release",
    "rolling_release_config": "/v1/projects/{id_or_name}/rolling-release/config",
    "rolling_release_start": "/v1/projects/{id_or_name}/rolling-release/start",
    "rolling_release_approve": "/v1/projects/{id_or_name}/rolling-release/approve-stage",
    "rolling_release_complete": "/v1/projects/{id_or_name}/rolling-release/complete",
    "rollback": "/v1/projects/{project_id}/rollback/{deployment_id}",
    "aliases": "/v2/deployments/{deployment_id}/aliases",
    "certs": "/v8/certs",
    "env": "/v10/projects/{id_or_name}/env",
    "env_item": "/v9/projects/{id_or_name}/env/{env_id}",
    "project": "/v9/projects/{id_or_name}",
}

_META_MAX_KEYS = 100
_META_MAX_VALUE = 65536


def _seg(value: object, what: str, example: str) -> str:
    if not isinstance(value, str) or not value.strip():
        raise InvalidValueError(value, f"{what} is empty", f"pass it like {example!r}")
    return quote(value, safe="")


def _text(value: object, what: str, example: str) -> str:
    _seg(value, what, example)
    assert isinstance(value, str)
    return value


def _body(response: HTTPResponse) -> Any:
    try:
        return jsonlib.loads(response.content) if response.content else None
    except ValueError:
        return None


def _error_body(response: HTTPResponse) -> dict[str, Any] | None:
    # {"error": {...}} everywhere; "some APIs wrongly return `err` instead of `error`",
    # and registrar endpoints answer a bare {"code", "message"} (vercel/vercel
    # packages/cli/src/util/response-error.ts:20-21: body.error || body.err || body).
    body = _body(response)
    if not isinstance(body, dict):
        return None
    for key in ("error", "err"):
        if isinstance(body.get(key), dict):
            found: dict[str, Any] = body[key]
            return found
    return body if "code" in body or "message" in body else None


def _credential_advice(
    response: HTTPResponse, error: Mapping[str, Any], team_id: str | None
) -> str:
    status = response.status_code
    bad_token = bool(error.get("invalidToken") or error.get("missingToken"))
    if status == 401 or bad_token:
        # The CLI turns 403 invalidToken/missingToken into "token is not valid"
        # (packages/cli/src/util/projects/link.ts:476, util/errors-ts.ts InvalidToken).
        scope = (
            f"; the token must also have access to team {team_id!r}"
            if team_id
            else "; for a team's projects pass team_id= (or set VERCEL_TEAM_ID) and use a "
            "token whose scope includes that team"
        )
        return (
            "; the Vercel token is missing, invalid or expired: create one at "
            f"{TOKENS_PAGE} and pass it as VercelClient(token) or set {TOKEN_ENV}{scope}"
        )
    if status == 403:
        where = f"team {team_id!r}" if team_id else "your personal account (no team_id)"
        return (
            f"; the token cannot reach this resource in {where}: pass the team that owns it "
            f"as team_id= (or set VERCEL_TEAM_ID), and check at {TOKENS_PAGE} that the "
            "token's scope includes that team"
        )
    return ""


def _error_message(response: HTTPResponse, *, team_id: str | None = None) -> str:
    error = _error_body(response)
    if error is not None:
        code = error.get("code")
        message = error.get("message") or ""
        prefix = f"HTTP {response.status_code}" + (f" {code}" if code else "")
        text = f"{prefix}: {str(message)[:500]}"
    else:
        error = {}
        raw = response.text.strip()
        text = f"HTTP {response.status_code}" + (f": {raw[:300]}" if raw else "")
    if response.status_code in (401, 403):
        text += _credential_advice(response, error, team_id)
    return text


def _raise_status(response: HTTPResponse, *, note: str = "") -> None:
    """Raise the typed error for a status a flow let through with ``allow_status``."""
    status = response.status_code
    raise status_error_class(status)(
        _error_message(response) + note,
        status_code=status,
        body=response.text,
        provider=PROVIDER,
        method=response.method,
        url=response.url.split("?", 1)[0],
        request_id=response.headers.get("x-request-id"),
    )


def rate_limit_wait(response: HTTPResponse, *, now: float | None = None) -> float | None:
    """Seconds until Vercel's rate-limit window resets, read from a 429 answer.

    Sources, in order: the body's ``error.limit.resetMs`` / ``error.limit.reset`` (epoch
    milliseconds / seconds), the flat registrar shape's ``retryAfter.value`` or
    ``limit.reset``, then the ``X-RateLimit-Reset`` header (epoch seconds). ``None``
    when none is present.
    """
    current = time.time() if now is None else now
    body = _body(response)
    if isinstance(body, dict):
        error = _error_body(response) or body
        limit = error.get("limit") if isinstance(error, dict) else None
        if isinstance(limit, dict):
            reset_ms = limit.get("resetMs")
            if isinstance(reset_ms, (int, float)) and not isinstance(reset_ms, bool):
                return max(0.0, reset_ms / 1000.0 - current)
        retry_after = body.get("retryAfter")
        if isinstance(retry_after, dict) and isinstance(retry_after.get("value"), (int, float)):
            return max(0.0, float(retry_after["value"]))
        if isinstance(limit, dict):
            reset = limit.get("reset")
            if isinstance(reset, (int, float)) and not isinstance(reset, bool):
                return max(0.0, reset - current)
    header = response.headers.get("x-ratelimit-reset")
    if header:
        try:
            return max(0.0, float(header) - current)
        except ValueError:
            return None
    return None


def _validate_meta(meta: Mapping[str, str]) -> dict[str, str]:
    if not isinstance(meta, Mapping):
        raise InvalidValueError(meta, "meta must be a mapping of str to str", "pass a dict")
    if len(meta) > _META_MAX_KEYS:
        raise InvalidValueError(
            len(meta), f"Vercel accepts at most {_META_MAX_KEYS} meta keys", "drop some keys"
        )
    for key, value in meta.items():
        if not isinstance(key, str) or not key or not isinstance(value, str):
            raise InvalidValueError(
                key, "meta keys and values must be non-empty strings", "convert them with str()"
            )
        if len(value) > _META_MAX_VALUE:
            raise InvalidValueError(
                key, f"meta value is longer than {_META_MAX_VALUE} characters", "shorten it"
            )
    return dict(meta)


@attrs.frozen
class Call:
    """One request to the Vercel API; the attributes mirror
    :meth:`~mosaic_sdk._http.HTTPClient.request`. The client adds the ``teamId`` scope."""

    method: str
    path: str
    params: Mapping[str, str | int] | None = None
    json: Any = None
    idempotent: bool | None = None
    allow_status: Collection[int] = ()


def _check_wait(timeout: float, poll_interval: float, fix: str) -> None:
    if timeout <= 0 or poll_interval <= 0:
        raise InvalidValueError(
            (timeout, poll_interval), "timeout and poll_interval must be positive seconds", fix
        )


# -- deployments ------------------------------------------------------------------------


def create_deployment_call(
    name: str,
    *,
    project: str | None,
    target: str | None,
    git_source: GitSource | None,
    files: Mapping[str, str | bytes] | None,
    redeploy_of: str | None,
    with_latest_commit: bool | None,
    meta: Mapping[str, str] | None,
    project_settings: Mapping[str, Any] | None,
    force_new: bool,
) -> Call:
    """The call of :meth:`VercelClient.create_deployment`."""
    _seg(name, "deployment name", "my-app")
    sources = [s for s in (git_source, files, redeploy_of) if s is not None]
    if len(sources) != 1:
        raise InvalidValueError(
            f"{len(sources)} sources",
            "a deployment needs exactly one source",
            "pass one of git_source=, files= or redeploy_of=",
        )
    body: dict[str, Any] = {"name": name}
    if project is not None:
        body["project"] = _text(project, "project", "prj_123")
    if target is not None:
        body["target"] = _text(target, "target", "production")
    if git_source is not None:
        body["gitSource"] = git_source.to_api()
    if files is not None:
        body["files"] = inline_files(files)
    if redeploy_of is not None:
        body["deploymentId"] = _text(redeploy_of, "deployment id", "dpl_123")
    if with_latest_commit is not None:
        body["withLatestCommit"] = with_latest_commit
    if meta is not None:
        body["meta"] = _validate_meta(meta)
    if project_settings is not None:
        body["projectSettings"] = dict(project_settings)
    params: dict[str, str] = {"forceNew": "1"} if force_new else {}
    return Call("POST", PATHS["create_deployment"], params=params or None, json=body)


def parse_deployment(response: HTTPResponse) -> VercelDeployment:
    """A deployment answer (create, get, cancel)."""
    return VercelDeployment.from_api(response.json())


def get_deployment_call(id_or_url: str) -> Call:
    """The call of :meth:`VercelClient.get_deployment`."""
    path = PATHS["get_deployment"].format(
        id_or_url=_seg(id_or_url, "deployment id or URL", "dpl_2qn7PZrx89yxY34vEZPD31Y9XVj6")
    )
    return Call("GET", path)


def check_deployment_wait(timeout: float, poll_interval: float) -> None:
    """The arguments of :meth:`VercelClient.wait_for_deployment`."""
    _check_wait(timeout, poll_interval, "use e.g. timeout=900, poll_interval=5")


def deployment_timeout(deployment: VercelDeployment, timeout: float) -> DeploymentTimeoutError:
    """The error of a deployment still queued or building after ``timeout`` seconds."""
    return DeploymentTimeoutError(
        f"deployment {deployment.id} is still {deployment.ready_state.value} after "
        f"{timeout:g}s; wait longer (timeout=) or inspect it at "
        f"{deployment.inspector_url or 'the Vercel dashboard'}",
        deployment_id=deployment.id,
        last_status=deployment.ready_state.value,
        timeout=timeout,
        provider=PROVIDER,
    )


def with_build_log(deployment: VercelDeployment, events: Sequence[BuildEvent]) -> VercelDeployment:
    """A failed deployment carrying the text of its build events in ``build_log``."""
    return attrs.evolve(deployment, build_log=tuple(e.text for e in events if e.text))


def parse_events(response: HTTPResponse) -> list[BuildEvent]:
    """Build events, oldest first; none for an answer let through as best effort."""
    if response.status_code >= 400:
        return []
    body = response.json()
    if isinstance(body, dict) and isinstance(body.get("events"), list):
        body = body["events"]
    if not isinstance(body, list):
        raise APIResponseValidationError(
            "deployment events answer is not a list",
            provider=PROVIDER,
            method="GET",
            url=response.url,
        )
    events = [BuildEvent.from_api(item) for item in body]
    events.reverse()  # asked newest first (direction=backward): hand back oldest first
    return events


def build_events_call(id_or_url: str, *, limit: int, best_effort: bool = False) -> Call:
    """The call of :meth:`VercelClient.build_events`; ``best_effort`` lets the answers
    of a token that may read the deployment but not its events through."""
    if isinstance(limit, bool) or not isinstance(limit, int) or limit < 1:
        raise InvalidValueError(limit, "limit must be a positive whole number", "use 20")
    path = PATHS["deployment_events"].format(
        id_or_url=_seg(id_or_url, "deployment id or URL", "dpl_123")
    )
    return Call(
        "GET",
        path,
        params={"direction": "backward", "limit": limit},
        allow_status=(400, 401, 403, 404, 410) if best_effort else (),
    )


def cancel_deployment_call(deployment_id: str) -> Call:
    """The call of :meth:`VercelClient.cancel_deployment`."""
    path = PATHS["cancel_deployment"].format(id=_seg(deployment_id, "deployment id", "dpl_123"))
    return Call("PATCH", path)


def check_max_items(max_items: int) -> None:
    """The ``max_items`` of :meth:`VercelClient.list_all_deployments`."""
    if isinstance(max_items, bool) or not isinstance(max_items, int) or max_items < 1:
        raise InvalidValueError(max_items, "max_items must be at least 1", "use 1000")


def list_deployments_call(
    project_id: str | None,
    *,
    target: str | None,
    state: ReadyState | str | None,
    limit: int,
    since: int | None = None,
    until: int | None = None,
    rollback_candidate: bool | None = None,
    branch: str | None = None,
    sha: str | None = None,
) -> Call:
    """The call of :meth:`VercelClient.list_deployments`."""
    if not isinstance(limit, int) or isinstance(limit, bool) or not 1 <= limit <= 100:
        raise InvalidValueError(limit, "limit must be an integer from 1 to 100", "use 20")
    params: dict[str, str | int] = {"limit": limit}
    if project_id is not None:
        params["projectId"] = _text(project_id, "project id", "prj_123")
    if target is not None:
        params["target"] = target
    if state is not None:
        params["state"] = state.value if isinstance(state, ReadyState) else str(state).upper()
    if since is not None:
        params["since"] = int(since)
    if until is not None:
        params["until"] = int(until)
    if rollback_candidate is not None:
        params["rollbackCandidate"] = "true" if rollback_candidate else "false"
    if branch is not None:
        params["branch"] = branch
    if sha is not None:
        params["sha"] = sha
    return Call("GET", PATHS["list_deployments"], params=params)


def parse_deployment_page(response: HTTPResponse) -> DeploymentPage:
    """One page of ``GET /v6/deployments``."""
    return DeploymentPage.from_api(response.json())


# -- promotion and rollback ---------------------------------------------------------------


def promote_call(project_id: str, deployment_id: str) -> Call:
    """The call of :meth:`VercelClient.promote`."""
    path = PATHS["promote"].format(
        project_id=_seg(project_id, "project id", "prj_123"),
        deployment_id=_seg(deployment_id, "deployment id", "dpl_123"),
    )
    return Call("POST", path, idempotent=True)


def rollback_call(project_id: str, deployment_id: str, description: str | None) -> Call:
    """The call of :meth:`VercelClient.rollback`."""
    path = PATHS["rollback"].format(
        project_id=_seg(project_id, "project id", "prj_123"),
        deployment_id=_seg(deployment_id, "deployment id", "dpl_123"),
    )
    params = {"description": description} if description else None
    return Call("POST", path, params=params, idempotent=True)


def get_rolling_release_call(id_or_name: str) -> Call:
    """The call of :meth:`VercelClient.get_rolling_release`."""
    path = PATHS["rolling_release"].format(
        id_or_name=_seg(id_or_name, "project id or name", "prj_123")
    )
    return Call("GET", path)


def parse_rolling_release(response: HTTPResponse) -> RollingRelease | None:
    """``{"rollingRelease": ...}``: the release, or ``None``."""
    body = response.json()
    raw = body.get("rollingRelease") if isinstance(body, dict) else None
    return RollingRelease.from_api(raw) if isinstance(raw, dict) else None


ADVANCEMENT_TYPES = ("manual-approval", "automatic")


def _whole(value: object) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def rolling_release_stages(stages: Sequence[int]) -> list[int]:
    """Check the stage percentages of a rolling-release config and append the final 100.

    The rules are the CLI's (``packages/cli/src/commands/rolling-release/
    configure-rolling-release.ts:50-55`` each stage 1..99, ``:85-91`` strictly ascending,
    ``:270`` the final ``{targetPercentage: 100}`` appended) and the docs' ("each stage
    must send a larger fraction of traffic ... the last stage must always be 100%",
    https://vercel.com/docs/rolling-releases).

    Raises:
        InvalidValueError: no stage, a stage outside 1..99, or stages not ascending.
    """
    found = list(stages)
    if found and found[-1] == 100:
        found = found[:-1]
    if not found:
        raise InvalidValueError(
            list(stages), "a rolling release needs at least one stage below 100%",
            "pass e.g. stages=[10, 25, 50] (100 is appended)",
        )  # fmt: skip
    for percentage in found:
        if (
            not isinstance(percentage, int)
            or isinstance(percentage, bool)
            or not 1 <= percentage <= 99
        ):
            raise InvalidValueError(
                percentage, "a stage percentage must be a whole number from 1 to 99",
                "pass e.g. stages=[10, 25, 50] (100 is appended)",
            )  # fmt: skip
    if any(b <= a for a, b in itertools.pairwise(found)):
        raise InvalidValueError(
            found, "stage percentages must be in ascending order",
            "sort them, e.g. stages=[10, 25, 50]",
        )  # fmt: skip
    return [*found, 100]


def configure_rolling_release_call(
    id_or_name: str, stages: Sequence[int], *, advancement_type: str, duration: int | None
) -> Call:
    """The call of :meth:`VercelClient.configure_rolling_release`: the CLI's body
    ``{enabled, advancementType, stages}`` (``configure-rolling-release.ts:266-271,
    323-335``; the stored spec documents no body for this PATCH)."""
    path = PATHS["rolling_release_config"].format(
        id_or_name=_seg(id_or_name, "project id or name", "prj_123")
    )
    if advancement_type not in ADVANCEMENT_TYPES:
        raise InvalidValueError(
            advancement_type, "is not a rolling-release advancement type",
            "use 'manual-approval' (each stage waits for approve-stage) or 'automatic'",
        )  # fmt: skip
    if advancement_type == "automatic" and (not isinstance(duration, int) or duration < 1):
        raise InvalidValueError(
            duration, "automatic advancement needs a stage duration in whole minutes",
            "pass duration=5 (minutes), or advancement_type='manual-approval'",
        )  # fmt: skip
    if advancement_type == "manual-approval" and duration is not None:
        # configure-rolling-release.ts:58-63: no duration with manual approval.
        raise InvalidValueError(
            duration, "manual-approval stages take no duration",
            "drop duration=, or use advancement_type='automatic'",
        )  # fmt: skip
    checked = rolling_release_stages(stages)
    body_stages: list[dict[str, int]] = []
    for percentage in checked:
        stage = {"targetPercentage": percentage}
        if duration is not None and percentage != 100:
            stage["duration"] = duration
        body_stages.append(stage)
    body = {"enabled": True, "advancementType": advancement_type, "stages": body_stages}
    return Call("PATCH", path, json=body, idempotent=True)


def disable_rolling_release_call(id_or_name: str) -> Call:
    """The call of :meth:`VercelClient.disable_rolling_release`
    (``DELETE /v1/projects/{idOrName}/rolling-release/config``, spec)."""
    path = PATHS["rolling_release_config"].format(
        id_or_name=_seg(id_or_name, "project id or name", "prj_123")
    )
    return Call("DELETE", path, idempotent=True)


def get_rolling_release_config_call(id_or_name: str) -> Call:
    """The call of :meth:`VercelClient.get_rolling_release_config`."""
    path = PATHS["rolling_release_config"].format(
        id_or_name=_seg(id_or_name, "project id or name", "prj_123")
    )
    return Call("GET", path)


def parse_rolling_release_config(response: HTTPResponse) -> RollingReleaseConfig | None:
    """``{"rollingRelease": {...} | null}``: the config, or ``None`` when disabled."""
    body = response.json()
    raw = body.get("rollingRelease") if isinstance(body, dict) else None
    if not isinstance(raw, dict):
        return None
    config = RollingReleaseConfig.from_api(raw)
    return config if config.stages else None


def start_rolling_release_call(id_or_name: str, canary_deployment_id: str) -> Call:
    """The call of :meth:`VercelClient.start_rolling_release`: the CLI's
    ``POST /v1/projects/{id}/rolling-release/start {canaryDeploymentId}``
    (``commands/rolling-release/start-rolling-release.ts:78-85``; not in the stored spec)."""
    path = PATHS["rolling_release_start"].format(
        id_or_name=_seg(id_or_name, "project id or name", "prj_123")
    )
    body = {"canaryDeploymentId": _text(canary_deployment_id, "deployment id", "dpl_123")}
    return Call("POST", path, json=body, idempotent=False)


def approve_rolling_release_stage_call(
    id_or_name: str, canary_deployment_id: str, next_stage_index: int
) -> Call:
    """The call of :meth:`VercelClient.approve_rolling_release_stage`: the spec's body
    ``{nextStageIndex, canaryDeploymentId}`` (both required; the CLI sends the same plus
    ``activeStageIndex``, ``approve-rolling-release.ts:29-40``). Not idempotent: a retry
    after a lost answer could skip a stage."""
    path = PATHS["rolling_release_approve"].format(
        id_or_name=_seg(id_or_name, "project id or name", "prj_123")
    )
    if (
        not isinstance(next_stage_index, int)
        or isinstance(next_stage_index, bool)
        or next_stage_index < 1
    ):
        raise InvalidValueError(
            next_stage_index, "the next stage index must be 1 or more",
            "pass the active stage's index + 1",
        )  # fmt: skip
    body = {
        "nextStageIndex": next_stage_index,
        "canaryDeploymentId": _text(canary_deployment_id, "deployment id", "dpl_123"),
    }
    return Call("POST", path, json=body, idempotent=False)


def complete_rolling_release_call(id_or_name: str, canary_deployment_id: str) -> Call:
    """The call of :meth:`VercelClient.complete_rolling_release`: ``{canaryDeploymentId}``
    (spec; ``complete-rolling-release.ts:28-35``)."""
    path = PATHS["rolling_release_complete"].format(
        id_or_name=_seg(id_or_name, "project id or name", "prj_123")
    )
    body = {"canaryDeploymentId": _text(canary_deployment_id, "deployment id", "dpl_123")}
    return Call("POST", path, json=body, idempotent=False)


def promote_aliases_call(project_id: str, *, failed_only: bool, until: int | None) -> Call:
    """One page (100) of :meth:`VercelClient.list_promote_aliases`."""
    path = PATHS["promote_aliases"].format(project_id=_seg(project_id, "project id", "prj_123"))
    params: dict[str, str | int] = {"limit": 100}
    if failed_only:
        params["failedOnly"] = "true"
    if until is not None:
        params["until"] = until
    return Call("GET", path, params=params)


def parse_promote_aliases(response: HTTPResponse) -> tuple[list[PromoteAlias], int | None]:
    """One page of promote aliases and the ``until`` of the next (``None``: last page)."""
    body = response.json()
    items = body.get("aliases") if isinstance(body, dict) else None
    found = [PromoteAlias.from_api(item) for item in items or []]
    pagination = body.get("pagination") if isinstance(body, dict) else None
    nxt = pagination.get("next") if isinstance(pagination, dict) else None
    if not items or not isinstance(nxt, (int, float)) or isinstance(nxt, bool):
        return found, None
    return found, int(nxt)


def check_promotion_wait(timeout: float, poll_interval: float) -> None:
    """The arguments of :meth:`VercelClient.wait_for_promotion`."""
    _check_wait(timeout, poll_interval, "use e.g. timeout=300, poll_interval=5")


def serving(project: VercelProject) -> str:
    """The id of the deployment production serves, or ``"nothing"``."""
    return project.production.id if project.production is not None else "nothing"


def promoted(project: VercelProject, deployment_id: str) -> PromotionOutcome | None:
    """SUCCEEDED when production already serves ``deployment_id``."""
    current = project.production
    if current is not None and current.id == deployment_id:
        return PromotionOutcome(
            deployment_id, PromotionState.SUCCEEDED, f"production serves {current.url}"
        )
    return None


def rolling_outcome(release: RollingRelease | None, deployment_id: str) -> PromotionOutcome | None:
    """With an active rolling release: ROLLING when it moves traffic to
    ``deployment_id``, QUEUED when another deployment is the canary."""
    if release is None or not release.is_active:
        return None
    share = f"{release.active_percentage:g}%" if release.active_percentage else "?%"
    stage = f"stage {(release.active_stage_index or 0) + 1} of {release.stage_count}"
    if release.canary_deployment_id == deployment_id:
        return PromotionOutcome(
            deployment_id,
            PromotionState.ROLLING,
            f"rolling release serving {share} of traffic to {deployment_id} "
            f"({stage}); Vercel advances the remaining stages",
            rolling_release=release,
        )
    return PromotionOutcome(
        deployment_id,
        PromotionState.QUEUED,
        f"promotion queued until the active rolling release of "
        f"{release.canary_deployment_id} ({share}, {stage}) completes",
        rolling_release=release,
    )


def promote_job(project: VercelProject, deployment_id: str) -> LastAliasRequest | None:
    """The project's newest promote job when it targets ``deployment_id``."""
    job = project.last_alias_request
    if job is not None and job.to_deployment_id == deployment_id and job.type != "rollback":
        return job
    return None


def job_outcome(job: LastAliasRequest, deployment_id: str, serving: str) -> PromotionOutcome | None:
    """How a finished promote job ended (``None`` while it runs). A FAILED job is
    answered by :func:`failed_promotion`, which needs the aliases it could not move."""
    status = job.job_status
    if status is AliasJobStatus.SUCCEEDED:
        return PromotionOutcome(
            deployment_id,
            PromotionState.SUCCEEDED,
            f"promote job succeeded for {deployment_id}",
        )
    if status is AliasJobStatus.SKIPPED:
        return PromotionOutcome(
            deployment_id,
            PromotionState.SKIPPED,
            f"Vercel skipped the promote job for {deployment_id}; production still "
            f"serves {serving}",
        )
    if status is AliasJobStatus.UNKNOWN:
        return PromotionOutcome(
            deployment_id,
            PromotionState.FAILED,
            f"unknown promote job status for {deployment_id}; production serves {serving}",
        )
    return None


def failed_promotion(
    deployment_id: str, failed: Sequence[PromoteAlias], serving: str
) -> PromotionOutcome:
    """A failed promote job, naming the aliases Vercel could not move."""
    names = ", ".join(a.alias for a in failed) or "none listed"
    return PromotionOutcome(
        deployment_id,
        PromotionState.FAILED,
        f"Vercel's promote job failed: it could not move these aliases to "
        f"{deployment_id}: {names}; production still serves {serving}",
        failed_aliases=tuple(failed),
    )


def promotion_timeout(
    deployment_id: str, timeout: float, last: str, serving: str
) -> DeploymentTimeoutError:
    """The error of a promotion that did not land within ``timeout`` seconds."""
    return DeploymentTimeoutError(
        f"promotion of {deployment_id} did not land within {timeout:g}s ({last}); "
        f"production still serves {serving}",
        deployment_id=deployment_id,
        last_status=last,
        timeout=timeout,
        provider=PROVIDER,
    )


# -- aliases and certificates -------------------------------------------------------------


def issue_cert_call(cns: Sequence[str]) -> Call:
    """The call of :meth:`VercelClient.issue_cert`."""
    names = [cns] if isinstance(cns, str) else list(cns)
    if not names:
        raise InvalidValueError(names, "no host names given", "pass e.g. ['shop.example.com']")
    for name in names:
        _seg(name, "host name", "shop.example.com")
    return Call("POST", PATHS["certs"], json={"cns": names})


def parse_cert(response: HTTPResponse) -> VercelCert:
    """A certificate answer."""
    return VercelCert.from_api(response.json())


_CERT_CODES = frozenset({"cert_missing", "cert_expired"})


def assign_alias_call(deployment_id: str, alias: str, redirect: str | None) -> Call:
    """The call of :meth:`VercelClient.assign_alias` (400 and 409 are let through)."""
    path = PATHS["aliases"].format(deployment_id=_seg(deployment_id, "deployment id", "dpl_123"))
    _seg(alias, "alias", "my-app.example.com")
    body: dict[str, Any] = {"alias": alias}
    if redirect is not None:
        body["redirect"] = redirect
    return Call("POST", path, json=body, idempotent=True, allow_status=(400, 409))


def assigned_alias(response: HTTPResponse, alias: str) -> AliasAssignment | None:
    """A 409 answer's "already assigned" alias, when it names the alias's uid."""
    # A 409 is "already assigned": the CLI returns {uid: err.uid, alias: err.alias}
    # (packages/cli/src/util/alias/create-alias.ts:68-69). Without a uid in the answer,
    # the client confirms by listing the deployment's aliases rather than assume.
    error = _error_body(response) or {}
    uid = error.get("uid")
    if isinstance(uid, str) and uid:
        name = error.get("alias")
        return AliasAssignment(uid=uid, alias=name if isinstance(name, str) and name else alias)
    return None


def alias_among(
    response: HTTPResponse, existing: Sequence[VercelAlias], alias: str
) -> AliasAssignment:
    """The assignment of ``alias`` among a deployment's aliases; else the 409 is raised."""
    for item in existing:
        if item.alias == alias:
            return AliasAssignment(uid=item.uid, alias=item.alias, created_at=item.created_at)
    _raise_status(response)
    raise AssertionError("unreachable")  # pragma: no cover


def check_alias_answer(
    response: HTTPResponse, alias: str, *, issue_cert: bool, attempt: int
) -> None:
    """Raise for a 400 answer unless it asks for a certificate that may be issued now."""
    code = (_error_body(response) or {}).get("code")
    if code not in _CERT_CODES:
        _raise_status(response)
    if not issue_cert:
        _raise_status(
            response,
            note=f"; {alias} needs a certificate first: call issue_cert([{alias!r}]) or "
            "pass issue_cert=True",
        )
    if attempt == 1:
        _raise_status(
            response,
            note=f"; a certificate for {alias} was issued but Vercel still reports it "
            "missing: check the domain's DNS points at Vercel and try again",
        )


def parse_alias_assignment(response: HTTPResponse) -> AliasAssignment:
    """A successful alias assignment."""
    return AliasAssignment.from_api(response.json())


def parse_aliases(response: HTTPResponse) -> list[VercelAlias]:
    """``{"aliases": [...]}``."""
    body = response.json()
    items = body.get("aliases") if isinstance(body, dict) else None
    if not isinstance(items, list):
        raise APIResponseValidationError(
            "alias list has no 'aliases' list", provider=PROVIDER, method="GET", url=response.url
        )
    return [VercelAlias.from_api(item) for item in items]


def list_aliases_call(deployment_id: str) -> Call:
    """The call of :meth:`VercelClient.list_aliases`."""
    path = PATHS["aliases"].format(deployment_id=_seg(deployment_id, "deployment id", "dpl_123"))
    return Call("GET", path)


# -- environment variables and projects ----------------------------------------------


def parse_env_upsert(response: HTTPResponse) -> list[VercelEnvVarInfo]:
    """``{created, failed}``: the saved variables; any failed one raises."""
    body = response.json()
    if not isinstance(body, dict):
        raise APIResponseValidationError(
            "env answer is not a JSON object", provider=PROVIDER, method="POST", url=response.url
        )
    failed = body.get("failed") or []
    if failed:
        problems = []
        for item in failed:
            error = item.get("error", {}) if isinstance(item, dict) else {}
            key = error.get("key") or error.get("envVarKey") or "?"
            problems.append(f"{key}: {error.get('code', '?')} ({error.get('message', '')})")
        raise APIStatusError(
            f"Vercel answered {response.status_code} but rejected {len(failed)} environment "
            f"variable(s): {'; '.join(problems)}; fix those variables and upsert them again "
            "(the others were saved)",
            status_code=response.status_code,
            body=response.text,
            provider=PROVIDER,
            method="POST",
            url=response.url.split("?", 1)[0],
        )
    created = body.get("created") or []
    if isinstance(created, dict):
        created = [created]
    return [VercelEnvVarInfo.from_api(item) for item in created]


def upsert_env_call(id_or_name: str, variables: Sequence[VercelEnvVar]) -> Call:
    """The call of :meth:`VercelClient.upsert_env`."""
    path = PATHS["env"].format(id_or_name=_seg(id_or_name, "project id or name", "my-app"))
    if not variables or not all(isinstance(v, VercelEnvVar) for v in variables):
        raise InvalidValueError(
            variables,
            "upsert_env needs at least one VercelEnvVar",
            "pass VercelEnvVar('KEY', 'value', target=('production',))",
        )
    keys = [(v.key, v.target, v.git_branch) for v in variables]
    if len(set(keys)) != len(keys):
        raise InvalidValueError(
            [v.key for v in variables],
            "the same key is listed twice for the same targets",
            "send each key once",
        )
    body: Any = variables[0].to_api() if len(variables) == 1 else [v.to_api() for v in variables]
    return Call("POST", path, params={"upsert": "true"}, json=body, idempotent=True)


def _parse_env_list(response: HTTPResponse) -> list[VercelEnvVarInfo]:
    body = response.json()
    if isinstance(body, dict) and isinstance(body.get("envs"), list):
        return [VercelEnvVarInfo.from_api(item) for item in body["envs"]]
    if isinstance(body, dict) and "key" in body:
        return [VercelEnvVarInfo.from_api(body)]
    raise APIResponseValidationError(
        "env list has no 'envs' list", provider=PROVIDER, method="GET", url=response.url
    )


def list_env_call(id_or_name: str, *, until: int | None) -> Call:
    """One page of :meth:`VercelClient.list_env`.

    The answer is ``{"envs": [...]}`` or, paged, ``{"envs", "pagination"}``; the next
    page is asked for with ``until=pagination.next`` ("Timestamp that must be used to
    request the next page", the spec's ``Pagination``).
    """
    path = PATHS["env"].format(id_or_name=_seg(id_or_name, "project id or name", "my-app"))
    return Call("GET", path, params={"until": until} if until else None)


def parse_env_page(response: HTTPResponse) -> tuple[list[VercelEnvVarInfo], int | None]:
    """One page of environment variables and ``pagination.next`` (``None``: no more)."""
    found = _parse_env_list(response)
    body = response.json()
    pagination = body.get("pagination") if isinstance(body, dict) else None
    nxt = pagination.get("next") if isinstance(pagination, dict) else None
    if not isinstance(nxt, (int, float)) or isinstance(nxt, bool):
        return found, None
    return found, int(nxt)


def edit_env_call(
    id_or_name: str,
    env_id: str,
    *,
    key: str | None,
    value: str | None,
    target: Sequence[str] | None,
    type: EnvType | None,
    git_branch: str | None,
    comment: str | None,
) -> Call:
    """The call of :meth:`VercelClient.edit_env`."""
    path = PATHS["env_item"].format(
        id_or_name=_seg(id_or_name, "project id or name", "my-app"),
        env_id=_seg(env_id, "environment variable id", "env_123"),
    )
    body: dict[str, Any] = {}
    if key is not None:
        body["key"] = _text(key, "key", "API_URL")
    if value is not None:
        if not isinstance(value, str):
            raise InvalidValueError(env_id, "value must be a string", "convert it with str()")
        if type is not EnvType.PLAIN:
            register_secret(value)
        body["value"] = value
    if target is not None:
        # VercelEnvVar checks the targets the same way the create call needs them.
        body["target"] = list(_env_targets(target))
    if type is not None:
        body["type"] = EnvType(type).value
    if git_branch is not None:
        body["gitBranch"] = git_branch
    if comment is not None:
        body["comment"] = comment
    if not body:
        raise InvalidValueError(
            env_id, "nothing to change", "pass at least one of key, value, target, type, ..."
        )
    return Call("PATCH", path, json=body)


def parse_env(response: HTTPResponse) -> VercelEnvVarInfo:
    """One environment variable (without its value)."""
    return VercelEnvVarInfo.from_api(response.json())


def parse_removed_env(response: HTTPResponse) -> VercelEnvVarInfo:
    """The removed variable (Vercel may answer a one-item list)."""
    body = response.json()
    if isinstance(body, list) and body:
        body = body[0]
    return VercelEnvVarInfo.from_api(body)


def delete_env_call(id_or_name: str, env_id: str) -> Call:
    """The call of :meth:`VercelClient.delete_env`."""
    path = PATHS["env_item"].format(
        id_or_name=_seg(id_or_name, "project id or name", "my-app"),
        env_id=_seg(env_id, "environment variable id", "env_123"),
    )
    return Call("DELETE", path)


def get_project_call(id_or_name: str) -> Call:
    """The call of :meth:`VercelClient.get_project`."""
    path = PATHS["project"].format(id_or_name=_seg(id_or_name, "project id or name", "my-app"))
    return Call("GET", path)


def parse_project(response: HTTPResponse) -> VercelProject:
    """A project answer."""
    return VercelProject.from_api(response.json())


# -- client settings ------------------------------------------------------------------


class _VercelBase:
    """The checked settings both client twins start from (no I/O)."""

    def __init__(
        self, token: str, team_id: str | None, base_url: str, retry: RetryPolicy | None
    ) -> None:
        token = check_credential(token, argument="token", env_var=TOKEN_ENV)
        if team_id is not None and (not isinstance(team_id, str) or not team_id.strip()):
            raise ConfigurationError(
                f"Vercel team id {team_id!r} is not a team id (a non-empty string); pass "
                "'team_...' or None for a personal account"
            )
        base_url = check_base_url(base_url, what="Vercel API base URL", example=DEFAULT_BASE_URL)
        register_secret(token)
        self.team_id = team_id
        self.base_url = base_url
        self._headers = {"Authorization": f"Bearer {token}", "Accept": "application/json"}
        self._scope: dict[str, str] = {"teamId": team_id} if team_id else {}
        self._error_message = functools.partial(_error_message, team_id=team_id)
        policy = retry if retry is not None else RetryPolicy()
        if isinstance(policy, RetryPolicy) and policy.retry_after_jitter is None:
            policy = attrs.evolve(policy, retry_after_jitter=RATE_LIMIT_SKEW)
        self._retry = policy

    @safe_repr
    def __repr__(self) -> str:
        base = sanitize_url(self.base_url)
        return f"{type(self).__name__}(team_id={self.team_id!r}, base_url={base!r})"


def _from_env(kwargs: dict[str, Any]) -> tuple[str, dict[str, Any]]:
    token = os.environ.get(TOKEN_ENV, "").strip()
    if not token:
        raise ConfigurationError(
            f"{TOKEN_ENV} is not set; create a token at {TOKENS_PAGE} and export it as "
            f"{TOKEN_ENV} (and VERCEL_TEAM_ID for a team's projects)"
        )
    if "team_id" not in kwargs:
        teams = [os.environ.get(name, "").strip() for name in TEAM_ENVS]
        team = next((t for t in teams if t), None)
        kwargs = {**kwargs, "team_id": team}
    return token, kwargs
