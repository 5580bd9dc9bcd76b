"""Vercel REST API client (sync and async twins over one set of sans-I/O flows).

Vercel versions each endpoint separately; every path the SDK calls is in :data:`PATHS`,
so moving to a newer version is a one-line change checked by the spec tests.
"""

from __future__ import annotations

import asyncio
import functools
import json as jsonlib
import os
import time
from collections.abc import Awaitable, Callable, Mapping, Sequence
from types import TracebackType
from typing import TYPE_CHECKING, Any
from urllib.parse import quote

import attrs

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
    DeploymentTimeoutError,
    InvalidValueError,
    status_error_class,
)
from mosaic_sdk.observability._redact import register_secret, sanitize_url
from mosaic_sdk.providers._flow import (
    Call,
    Flow,
    Sleep,
    arun_flow,
    run_flow,
    single,
    with_params,
)
from mosaic_sdk.providers.vercel._models import (
    AliasAssignment,
    AliasJobStatus,
    BuildEvent,
    DeploymentPage,
    EnvType,
    GitSource,
    PromoteAlias,
    PromotionOutcome,
    PromotionState,
    ReadyState,
    RollingRelease,
    VercelAlias,
    VercelCert,
    VercelDeployment,
    VercelEnvVar,
    VercelEnvVarInfo,
    VercelProject,
    _env_targets,
    inline_files,
)

if TYPE_CHECKING:
    import httpx

__all__ = ["DEFAULT_BASE_URL", "PATHS", "AsyncVercelClient", "VercelClient", "rate_limit_wait"]

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


# ---------------------------------------------------------------------------------------
# Flows: request building and parsing, no I/O.
# ---------------------------------------------------------------------------------------


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


def create_deployment_flow(
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
) -> Flow[VercelDeployment]:
    """Flow of :meth:`VercelClient.create_deployment`."""
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
    return single(
        Call("POST", PATHS["create_deployment"], params=params or None, json=body),
        lambda r: VercelDeployment.from_api(r.json()),
    )


def get_deployment_flow(id_or_url: str) -> Flow[VercelDeployment]:
    """Flow of :meth:`VercelClient.get_deployment`."""
    path = PATHS["get_deployment"].format(
        id_or_url=_seg(id_or_url, "deployment id or URL", "dpl_2qn7PZrx89yxY34vEZPD31Y9XVj6")
    )
    return single(Call("GET", path), lambda r: VercelDeployment.from_api(r.json()))


def wait_for_deployment_flow(
    id_or_url: str, *, timeout: float, poll_interval: float, clock: Callable[[], float]
) -> Flow[VercelDeployment]:
    """Flow of :meth:`VercelClient.wait_for_deployment`."""
    if timeout <= 0 or poll_interval <= 0:
        raise InvalidValueError(
            (timeout, poll_interval),
            "timeout and poll_interval must be positive seconds",
            "use e.g. timeout=900, poll_interval=5",
        )
    deadline = clock() + timeout
    while True:
        deployment = yield from get_deployment_flow(id_or_url)
        if deployment.ready_state is ReadyState.ERROR:
            # Best effort: a token that may read the deployment but not its events
            # still gets the failed deployment back.
            events = yield from build_events_flow(
                deployment.id, limit=BUILD_LOG_LINES, best_effort=True
            )
            lines = tuple(e.text for e in events if e.text)
            return attrs.evolve(deployment, build_log=lines)
        if deployment.ready_state.is_terminal:
            return deployment
        remaining = deadline - clock()
        if remaining <= 0:
            raise DeploymentTimeoutError(
                f"deployment {deployment.id} is still {deployment.ready_state.value} after "
                f"{timeout:g}s; wait longer (timeout=) or inspect it at "
                f"{deployment.inspector_url or 'the Vercel dashboard'}",
                deployment_id=deployment.id,
                last_status=deployment.ready_state.value,
                timeout=timeout,
                provider=PROVIDER,
            )
        yield Sleep(min(poll_interval, remaining))


def _parse_events(response: HTTPResponse) -> list[BuildEvent]:
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


def build_events_flow(
    id_or_url: str, *, limit: int, best_effort: bool = False
) -> Flow[list[BuildEvent]]:
    """Flow of :meth:`VercelClient.build_events`."""
    if isinstance(limit, bool) or not isinstance(limit, int) or limit < 1:
        raise InvalidValueError(limit, "limit must be a positive whole number", "use 20")
    path = PATHS["deployment_events"].format(
        id_or_url=_seg(id_or_url, "deployment id or URL", "dpl_123")
    )
    return single(
        Call(
            "GET",
            path,
            params={"direction": "backward", "limit": limit},
            allow_status=(400, 401, 403, 404, 410) if best_effort else (),
        ),
        _parse_events,
    )


def cancel_deployment_flow(deployment_id: str) -> Flow[VercelDeployment]:
    """Flow of :meth:`VercelClient.cancel_deployment`."""
    path = PATHS["cancel_deployment"].format(id=_seg(deployment_id, "deployment id", "dpl_123"))
    return single(Call("PATCH", path), lambda r: VercelDeployment.from_api(r.json()))


def list_all_deployments_flow(
    project_id: str | None,
    *,
    target: str | None,
    state: ReadyState | str | None,
    limit: int,
    max_items: int,
) -> Flow[list[VercelDeployment]]:
    """Flow of :meth:`VercelClient.list_all_deployments`."""
    if isinstance(max_items, bool) or not isinstance(max_items, int) or max_items < 1:
        raise InvalidValueError(max_items, "max_items must be at least 1", "use 1000")
    found: list[VercelDeployment] = []
    until: int | None = None
    while len(found) < max_items:
        page = yield from list_deployments_flow(
            project_id,
            target=target,
            state=state,
            limit=limit,
            since=None,
            until=until,
            rollback_candidate=None,
            branch=None,
            sha=None,
        )
        found.extend(page.deployments)
        if page.next_until is None or not page.deployments:
            break
        until = page.next_until
    return found[:max_items]


def list_deployments_flow(
    project_id: str | None,
    *,
    target: str | None,
    state: ReadyState | str | None,
    limit: int,
    since: int | None,
    until: int | None,
    rollback_candidate: bool | None,
    branch: str | None,
    sha: str | None,
) -> Flow[DeploymentPage]:
    """Flow of :meth:`VercelClient.list_deployments`."""
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
    return single(
        Call("GET", PATHS["list_deployments"], params=params),
        lambda r: DeploymentPage.from_api(r.json()),
    )


def promote_flow(project_id: str, deployment_id: str) -> Flow[None]:
    """Flow of :meth:`VercelClient.promote`."""
    path = PATHS["promote"].format(
        project_id=_seg(project_id, "project id", "prj_123"),
        deployment_id=_seg(deployment_id, "deployment id", "dpl_123"),
    )
    return single(Call("POST", path, idempotent=True), lambda r: None)


def rollback_flow(project_id: str, deployment_id: str, description: str | None) -> Flow[None]:
    """Flow of :meth:`VercelClient.rollback`."""
    path = PATHS["rollback"].format(
        project_id=_seg(project_id, "project id", "prj_123"),
        deployment_id=_seg(deployment_id, "deployment id", "dpl_123"),
    )
    params = {"description": description} if description else None
    return single(Call("POST", path, params=params, idempotent=True), lambda r: None)


def get_rolling_release_flow(id_or_name: str) -> Flow[RollingRelease | None]:
    """Flow of :meth:`VercelClient.get_rolling_release`."""
    path = PATHS["rolling_release"].format(
        id_or_name=_seg(id_or_name, "project id or name", "prj_123")
    )

    def parse(response: HTTPResponse) -> RollingRelease | None:
        body = response.json()
        raw = body.get("rollingRelease") if isinstance(body, dict) else None
        return RollingRelease.from_api(raw) if isinstance(raw, dict) else None

    return single(Call("GET", path), parse)


def list_promote_aliases_flow(project_id: str, *, failed_only: bool) -> Flow[list[PromoteAlias]]:
    """Flow of :meth:`VercelClient.list_promote_aliases` (every page, 100 at a time)."""
    path = PATHS["promote_aliases"].format(project_id=_seg(project_id, "project id", "prj_123"))
    found: list[PromoteAlias] = []
    until: int | None = None
    while True:
        params: dict[str, str | int] = {"limit": 100}
        if failed_only:
            params["failedOnly"] = "true"
        if until is not None:
            params["until"] = until
        response = yield Call("GET", path, params=params)
        assert response is not None
        body = response.json()
        items = body.get("aliases") if isinstance(body, dict) else None
        found.extend(PromoteAlias.from_api(item) for item in items or [])
        pagination = body.get("pagination") if isinstance(body, dict) else None
        nxt = pagination.get("next") if isinstance(pagination, dict) else None
        if not items or not isinstance(nxt, (int, float)) or isinstance(nxt, bool):
            return found
        until = int(nxt)


def wait_for_promotion_flow(
    project_id: str,
    deployment_id: str,
    *,
    timeout: float,
    poll_interval: float,
    clock: Callable[[], float],
) -> Flow[PromotionOutcome]:
    """Flow of :meth:`VercelClient.wait_for_promotion`.

    Follows the CLI's ``vercel promote`` wait (``packages/cli/src/commands/promote/
    status.ts:78-182``): with Rolling Releases configured, an active stage is the
    answer (:attr:`PromotionState.ROLLING`, or ``QUEUED`` when another deployment is
    the canary); otherwise ``lastAliasRequest.jobStatus`` of the job that targets this
    deployment decides, and a failed job lists the aliases Vercel could not move.
    """
    if timeout <= 0 or poll_interval <= 0:
        raise InvalidValueError(
            (timeout, poll_interval),
            "timeout and poll_interval must be positive seconds",
            "use e.g. timeout=300, poll_interval=5",
        )
    deadline = clock() + timeout
    last = "no promote job seen yet"
    while True:
        project = yield from get_project_flow(project_id)
        current = project.production
        serving = current.id if current is not None else "nothing"
        if current is not None and current.id == deployment_id:
            return PromotionOutcome(
                deployment_id, PromotionState.SUCCEEDED, f"production serves {current.url}"
            )
        if project.rolling_release_enabled:
            release = yield from get_rolling_release_flow(project_id)
            if release is not None and release.is_active:
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
            last = "rolling release not started yet"
        job = project.last_alias_request
        if job is not None and job.to_deployment_id == deployment_id and job.type != "rollback":
            status = job.job_status
            if status is AliasJobStatus.SUCCEEDED:
                return PromotionOutcome(
                    deployment_id,
                    PromotionState.SUCCEEDED,
                    f"promote job succeeded for {deployment_id}",
                )
            if status is AliasJobStatus.FAILED:
                failed = yield from list_promote_aliases_flow(project_id, failed_only=True)
                names = ", ".join(a.alias for a in failed) or "none listed"
                return PromotionOutcome(
                    deployment_id,
                    PromotionState.FAILED,
                    f"Vercel's promote job failed: it could not move these aliases to "
                    f"{deployment_id}: {names}; production still serves {serving}",
                    failed_aliases=tuple(failed),
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
            last = f"promote job {status.value}"
        remaining = deadline - clock()
        if remaining <= 0:
            raise DeploymentTimeoutError(
                f"promotion of {deployment_id} did not land within {timeout:g}s ({last}); "
                f"production still serves {serving}",
                deployment_id=deployment_id,
                last_status=last,
                timeout=timeout,
                provider=PROVIDER,
            )
        yield Sleep(min(poll_interval, remaining))


def issue_cert_flow(cns: Sequence[str]) -> Flow[VercelCert]:
    """Flow of :meth:`VercelClient.issue_cert`."""
    names = [cns] if isinstance(cns, str) else list(cns)
    if not names:
        raise InvalidValueError(names, "no host names given", "pass e.g. ['shop.example.com']")
    for name in names:
        _seg(name, "host name", "shop.example.com")
    return single(
        Call("POST", PATHS["certs"], json={"cns": names}),
        lambda r: VercelCert.from_api(r.json()),
    )


_CERT_CODES = frozenset({"cert_missing", "cert_expired"})


def _alias_conflict(
    response: HTTPResponse, deployment_id: str, alias: str
) -> Flow[AliasAssignment]:
    # A 409 is "already assigned": the CLI returns {uid: err.uid, alias: err.alias}
    # (packages/cli/src/util/alias/create-alias.ts:68-69). Without a uid in the answer,
    # confirm by listing the deployment's aliases rather than assume.
    error = _error_body(response) or {}
    uid = error.get("uid")
    if isinstance(uid, str) and uid:
        name = error.get("alias")
        return AliasAssignment(uid=uid, alias=name if isinstance(name, str) and name else alias)
    existing = yield from list_aliases_flow(deployment_id)
    for item in existing:
        if item.alias == alias:
            return AliasAssignment(uid=item.uid, alias=item.alias, created_at=item.created_at)
    _raise_status(response)
    raise AssertionError("unreachable")  # pragma: no cover


def assign_alias_flow(
    deployment_id: str, alias: str, redirect: str | None, *, issue_cert: bool = True
) -> Flow[AliasAssignment]:
    """Flow of :meth:`VercelClient.assign_alias`."""
    path = PATHS["aliases"].format(deployment_id=_seg(deployment_id, "deployment id", "dpl_123"))
    _seg(alias, "alias", "my-app.example.com")
    body: dict[str, Any] = {"alias": alias}
    if redirect is not None:
        body["redirect"] = redirect
    call = Call("POST", path, json=body, idempotent=True, allow_status=(400, 409))
    for attempt in range(2):
        response = yield call
        assert response is not None
        if response.status_code == 409:
            return (yield from _alias_conflict(response, deployment_id, alias))
        if response.status_code < 400:
            return AliasAssignment.from_api(response.json())
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
        # create-alias.ts:24-43: create a certificate for the alias, then try once more.
        yield from issue_cert_flow([alias])
    raise AssertionError("unreachable")  # pragma: no cover


def _parse_aliases(response: HTTPResponse) -> list[VercelAlias]:
    body = response.json()
    items = body.get("aliases") if isinstance(body, dict) else None
    if not isinstance(items, list):
        raise APIResponseValidationError(
            "alias list has no 'aliases' list", provider=PROVIDER, method="GET", url=response.url
        )
    return [VercelAlias.from_api(item) for item in items]


def list_aliases_flow(deployment_id: str) -> Flow[list[VercelAlias]]:
    """Flow of :meth:`VercelClient.list_aliases`."""
    path = PATHS["aliases"].format(deployment_id=_seg(deployment_id, "deployment id", "dpl_123"))
    return single(Call("GET", path), _parse_aliases)


def _parse_env_upsert(response: HTTPResponse) -> list[VercelEnvVarInfo]:
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


def upsert_env_flow(
    id_or_name: str, variables: Sequence[VercelEnvVar]
) -> Flow[list[VercelEnvVarInfo]]:
    """Flow of :meth:`VercelClient.upsert_env`."""
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
    return single(
        Call("POST", path, params={"upsert": "true"}, json=body, idempotent=True),
        _parse_env_upsert,
    )


def _parse_env_list(response: HTTPResponse) -> list[VercelEnvVarInfo]:
    body = response.json()
    if isinstance(body, dict) and isinstance(body.get("envs"), list):
        return [VercelEnvVarInfo.from_api(item) for item in body["envs"]]
    if isinstance(body, dict) and "key" in body:
        return [VercelEnvVarInfo.from_api(body)]
    raise APIResponseValidationError(
        "env list has no 'envs' list", provider=PROVIDER, method="GET", url=response.url
    )


def list_env_flow(id_or_name: str) -> Flow[list[VercelEnvVarInfo]]:
    """Flow of :meth:`VercelClient.list_env`: every page.

    The answer is ``{"envs": [...]}`` or, paged, ``{"envs", "pagination"}``; the next
    page is asked for with ``until=pagination.next`` ("Timestamp that must be used to
    request the next page", the spec's ``Pagination``).
    """
    path = PATHS["env"].format(id_or_name=_seg(id_or_name, "project id or name", "my-app"))
    found: list[VercelEnvVarInfo] = []
    until: int | None = None
    seen: set[int] = set()
    while True:
        response = yield Call("GET", path, params={"until": until} if until else None)
        assert response is not None
        found.extend(_parse_env_list(response))
        body = response.json()
        pagination = body.get("pagination") if isinstance(body, dict) else None
        nxt = pagination.get("next") if isinstance(pagination, dict) else None
        if not isinstance(nxt, (int, float)) or isinstance(nxt, bool) or int(nxt) in seen:
            return found
        until = int(nxt)
        seen.add(until)


def edit_env_flow(
    id_or_name: str,
    env_id: str,
    *,
    key: str | None,
    value: str | None,
    target: Sequence[str] | None,
    type: EnvType | None,
    git_branch: str | None,
    comment: str | None,
) -> Flow[VercelEnvVarInfo]:
    """Flow of :meth:`VercelClient.edit_env`."""
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
    return single(Call("PATCH", path, json=body), lambda r: VercelEnvVarInfo.from_api(r.json()))


def _parse_removed(response: HTTPResponse) -> VercelEnvVarInfo:
    body = response.json()
    if isinstance(body, list) and body:
        body = body[0]
    return VercelEnvVarInfo.from_api(body)


def delete_env_flow(id_or_name: str, env_id: str) -> Flow[VercelEnvVarInfo]:
    """Flow of :meth:`VercelClient.delete_env`."""
    path = PATHS["env_item"].format(
        id_or_name=_seg(id_or_name, "project id or name", "my-app"),
        env_id=_seg(env_id, "environment variable id", "env_123"),
    )
    return single(Call("DELETE", path), _parse_removed)


def get_project_flow(id_or_name: str) -> Flow[VercelProject]:
    """Flow of :meth:`VercelClient.get_project`."""
    path = PATHS["project"].format(id_or_name=_seg(id_or_name, "project id or name", "my-app"))
    return single(Call("GET", path), lambda r: VercelProject.from_api(r.json()))


# ---------------------------------------------------------------------------------------
# The clients.
# ---------------------------------------------------------------------------------------


class _VercelBase:
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


class VercelClient(_VercelBase):
    """Synchronous Vercel REST API client.

    Args:
        token: a Vercel access token (sent as ``Authorization: Bearer``; never shown).
            Create one at https://vercel.com/account/tokens.
        team_id: ``team_...``; when set, ``teamId`` is added to every call.
        base_url: the API root (tests point it at a loopback server).
        timeout: seconds per request.
        retry: the retry policy. 429 answers wait until Vercel's reset time (up to
            ``RetryPolicy.max_retry_after``, 60 s) plus a random skew of up to 30 s
            (the CLI's, unless the policy sets ``retry_after_jitter``), then raise
            :class:`~mosaic_sdk.errors.RateLimitError` with ``retry_after``.
        rate_limit: an optional client-side limiter shared by clients of one token.
        verify: TLS verification.
        transport: an httpx transport for tests.
        sleep: blocking sleep used while polling (tests inject a fake).
        clock: monotonic clock used for polling deadlines.

    Raises:
        InvalidValueError: ``token`` is empty, has white space or is a URL.
        ConfigurationError: ``team_id`` or ``base_url`` is unusable.

    Example:
        >>> vercel = VercelClient("token-value", team_id="team_123")  # doctest: +SKIP
        >>> vercel.wait_for_deployment("dpl_abc").ready_state  # doctest: +SKIP
        <ReadyState.READY: 'READY'>
    """

    def __init__(
        self,
        token: str,
        *,
        team_id: str | None = None,
        base_url: str = DEFAULT_BASE_URL,
        timeout: float | None = DEFAULT_TIMEOUT,
        retry: RetryPolicy | None = None,
        rate_limit: RateLimit | None = None,
        verify: bool | str = True,
        transport: httpx.BaseTransport | None = None,
        sleep: Callable[[float], None] = time.sleep,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        super().__init__(token, team_id, base_url, retry)
        self.sleep = sleep
        self.clock = clock
        self._http = HTTPClient(
            base_url,
            provider=PROVIDER,
            headers=self._headers,
            timeout=timeout,
            retry=self._retry,
            rate_limit=rate_limit,
            verify=verify,
            transport=transport,
            error_message=self._error_message,
            retry_after=rate_limit_wait,
        )
        self.base_url = self._http.base_url

    @classmethod
    def from_env(cls, **kwargs: Any) -> VercelClient:
        """A client from ``VERCEL_TOKEN`` and ``VERCEL_TEAM_ID`` (or the CLI's
        ``VERCEL_ORG_ID``; neither means a personal account); ``kwargs`` as for the
        constructor.

        Raises:
            ConfigurationError: ``VERCEL_TOKEN`` is not set.
        """
        token, kwargs = _from_env(kwargs)
        return cls(token, **kwargs)

    def _run(self, flow: Flow[Any]) -> Any:
        # Drives a sans-I/O flow with the team scope; the deployment targets use it too.
        return run_flow(self._http, with_params(flow, self._scope), self.sleep)

    def create_deployment(
        self,
        name: str,
        *,
        project: str | None = None,
        target: str | None = None,
        git_source: GitSource | None = None,
        files: Mapping[str, str | bytes] | None = None,
        redeploy_of: str | None = None,
        with_latest_commit: bool | None = None,
        meta: Mapping[str, str] | None = None,
        project_settings: Mapping[str, Any] | None = None,
        force_new: bool = False,
    ) -> VercelDeployment:
        """Create a deployment (``POST /v13/deployments``); it starts ``QUEUED``.

        Give exactly one source: ``git_source``, inline ``files`` (``{path: text or
        bytes}``) or ``redeploy_of`` (an existing deployment id, e.g. to pick up new
        environment variables). ``target="production"`` builds for production;
        omitted means preview. ``meta`` is stored on the deployment (the deployment
        target uses ``meta.imageDigest``). Never retried automatically.

        Raises:
            InvalidValueError: no source or several, bad meta or file paths (nothing
                is sent).
        """
        result: VercelDeployment = self._run(
            create_deployment_flow(
                name,
                project=project,
                target=target,
                git_source=git_source,
                files=files,
                redeploy_of=redeploy_of,
                with_latest_commit=with_latest_commit,
                meta=meta,
                project_settings=project_settings,
                force_new=force_new,
            )
        )
        return result

    def get_deployment(self, id_or_url: str) -> VercelDeployment:
        """Get one deployment by id or host name (``GET /v13/deployments/{idOrUrl}``).

        Raises:
            NotFoundError: no such deployment in this scope.
        """
        result: VercelDeployment = self._run(get_deployment_flow(id_or_url))
        return result

    def wait_for_deployment(
        self,
        id_or_url: str,
        *,
        timeout: float = DEFAULT_WAIT_TIMEOUT,
        poll_interval: float = DEFAULT_POLL_INTERVAL,
    ) -> VercelDeployment:
        """Poll a deployment until ``READY``, ``ERROR`` or ``CANCELED`` and return it.

        A failed build is **returned** (check :attr:`VercelDeployment.ready_state`,
        ``error_code``, ``error_message`` and ``build_log``, the last
        :data:`BUILD_LOG_LINES` lines of ``GET /v3/deployments/{id}/events``).

        Raises:
            DeploymentTimeoutError: still queued or building after ``timeout`` seconds
                (the deployment itself is untouched and may still finish; see
                :meth:`cancel_deployment`).
        """
        result: VercelDeployment = self._run(
            wait_for_deployment_flow(
                id_or_url, timeout=timeout, poll_interval=poll_interval, clock=self.clock
            )
        )
        return result

    def build_events(self, id_or_url: str, *, limit: int = 100) -> list[BuildEvent]:
        """The newest ``limit`` build events of a deployment, oldest first
        (``GET /v3/deployments/{idOrUrl}/events?direction=backward&limit=``).

        Raises:
            InvalidValueError: ``limit`` is not a positive whole number.
            NotFoundError: no such deployment in this scope.
        """
        result: list[BuildEvent] = self._run(build_events_flow(id_or_url, limit=limit))
        return result

    def cancel_deployment(self, deployment_id: str) -> VercelDeployment:
        """Cancel a queued or building deployment (``PATCH /v12/deployments/{id}/cancel``)
        and return it (``CANCELED``).

        Raises:
            BadRequestError: the deployment already finished.
            NotFoundError: no such deployment in this scope.
        """
        result: VercelDeployment = self._run(cancel_deployment_flow(deployment_id))
        return result

    def list_deployments(
        self,
        project_id: str | None = None,
        *,
        target: str | None = None,
        state: ReadyState | str | None = None,
        limit: int = 20,
        since: int | None = None,
        until: int | None = None,
        rollback_candidate: bool | None = None,
        branch: str | None = None,
        sha: str | None = None,
    ) -> DeploymentPage:
        """One page of deployments, newest first (``GET /v6/deployments``).

        ``since``/``until`` are epoch milliseconds; pass
        :attr:`DeploymentPage.next_until` as ``until`` for the next page, or use
        :meth:`list_all_deployments`.

        Raises:
            InvalidValueError: ``limit`` is not 1 to 100.
        """
        result: DeploymentPage = self._run(
            list_deployments_flow(
                project_id,
                target=target,
                state=state,
                limit=limit,
                since=since,
                until=until,
                rollback_candidate=rollback_candidate,
                branch=branch,
                sha=sha,
            )
        )
        return result

    def list_all_deployments(
        self,
        project_id: str | None = None,
        *,
        target: str | None = None,
        state: ReadyState | str | None = None,
        limit: int = 100,
        max_items: int = 1000,
    ) -> list[VercelDeployment]:
        """Deployments newest first, following every page (``GET /v6/deployments`` with
        ``until=pagination.next``) up to ``max_items``.

        Raises:
            InvalidValueError: ``limit`` (per page) is not 1 to 100, or ``max_items`` < 1.
        """
        result: list[VercelDeployment] = self._run(
            list_all_deployments_flow(
                project_id, target=target, state=state, limit=limit, max_items=max_items
            )
        )
        return result

    def promote(self, project_id: str, deployment_id: str) -> None:
        """Point production at an existing deployment without rebuilding it
        (``POST /v10/projects/{projectId}/promote/{deploymentId}``).

        Vercel finishes the alias switch asynchronously (201), or queues it until an
        active rolling release completes (202); :meth:`wait_for_promotion` tells which
        and how it ended.
        """
        self._run(promote_flow(project_id, deployment_id))

    def wait_for_promotion(
        self,
        project_id: str,
        deployment_id: str,
        *,
        timeout: float = DEFAULT_PROMOTE_TIMEOUT,
        poll_interval: float = DEFAULT_POLL_INTERVAL,
    ) -> PromotionOutcome:
        """Wait until a promotion of ``deployment_id`` ends, the way ``vercel promote``
        does: ``GET /v9/projects/{id}`` (``lastAliasRequest.jobStatus``,
        ``targets.production``), ``GET /v1/projects/{id}/rolling-release`` when Rolling
        Releases are configured, and ``GET /v1/projects/{id}/promote/aliases?failedOnly=true``
        for a failed job.

        A failed or skipped job ends the wait at once; an active rolling release of
        the deployment is :attr:`PromotionState.ROLLING` (traffic is moving to it).

        Raises:
            DeploymentTimeoutError: the job is still pending after ``timeout`` seconds.
        """
        result: PromotionOutcome = self._run(
            wait_for_promotion_flow(
                project_id,
                deployment_id,
                timeout=timeout,
                poll_interval=poll_interval,
                clock=self.clock,
            )
        )
        return result

    def list_promote_aliases(
        self, project_id: str, *, failed_only: bool = True
    ) -> list[PromoteAlias]:
        """The aliases of the project's newest promote job, every page
        (``GET /v1/projects/{projectId}/promote/aliases``)."""
        result: list[PromoteAlias] = self._run(
            list_promote_aliases_flow(project_id, failed_only=failed_only)
        )
        return result

    def get_rolling_release(self, id_or_name: str) -> RollingRelease | None:
        """The project's rolling release, or ``None``
        (``GET /v1/projects/{idOrName}/rolling-release``)."""
        result: RollingRelease | None = self._run(get_rolling_release_flow(id_or_name))
        return result

    def rollback(
        self, project_id: str, deployment_id: str, *, description: str | None = None
    ) -> None:
        """Instant rollback of production to an earlier deployment
        (``POST /v1/projects/{projectId}/rollback/{deploymentId}``).

        This endpoint is not in the stored spec (Oct 2025); it is taken from the
        official SDK. After a rollback Vercel stops auto-assigning production domains
        until a deployment is promoted again.
        """
        self._run(rollback_flow(project_id, deployment_id, description))

    def assign_alias(
        self,
        deployment_id: str,
        alias: str,
        *,
        redirect: str | None = None,
        issue_cert: bool = True,
    ) -> AliasAssignment:
        """Point ``alias`` at a deployment (``POST /v2/deployments/{id}/aliases``).

        As in the Vercel CLI (``util/alias/create-alias.ts``): a 409 (the alias is
        already on that deployment) is success, and ``cert_missing``/``cert_expired``
        issue a certificate (``POST /v8/certs``) and try once more, unless
        ``issue_cert=False``.

        Raises:
            BadRequestError: the deployment is not ``READY`` (``deployment_not_ready``),
                or the alias needs a certificate that could not be used.
            PermissionDeniedError: the alias belongs to another account.
        """
        result: AliasAssignment = self._run(
            assign_alias_flow(deployment_id, alias, redirect, issue_cert=issue_cert)
        )
        return result

    def issue_cert(self, cns: Sequence[str]) -> VercelCert:
        """Issue a certificate for host names (``POST /v8/certs``).

        Raises:
            InvalidValueError: no host names given.
        """
        result: VercelCert = self._run(issue_cert_flow(cns))
        return result

    def list_aliases(self, deployment_id: str) -> list[VercelAlias]:
        """The aliases of a deployment (``GET /v2/deployments/{id}/aliases``)."""
        result: list[VercelAlias] = self._run(list_aliases_flow(deployment_id))
        return result

    def upsert_env(
        self, project: str, variables: VercelEnvVar | Sequence[VercelEnvVar]
    ) -> list[VercelEnvVarInfo]:
        """Create or update project environment variables in one call
        (``POST /v10/projects/{idOrName}/env?upsert=true``).

        Changes apply to new deployments only: redeploy (``create_deployment(...,
        redeploy_of=...)``) to pick them up.

        Raises:
            APIStatusError: Vercel answered 201 but listed some variables under
                ``failed`` (the message names each key and code; the others were saved).
        """
        items = [variables] if isinstance(variables, VercelEnvVar) else list(variables)
        result: list[VercelEnvVarInfo] = self._run(upsert_env_flow(project, items))
        return result

    def list_env(self, project: str) -> list[VercelEnvVarInfo]:
        """The project's environment variables, without values, every page
        (``GET /v10/projects/{idOrName}/env``)."""
        result: list[VercelEnvVarInfo] = self._run(list_env_flow(project))
        return result

    def edit_env(
        self,
        project: str,
        env_id: str,
        *,
        key: str | None = None,
        value: str | None = None,
        target: Sequence[str] | None = None,
        type: EnvType | None = None,
        git_branch: str | None = None,
        comment: str | None = None,
    ) -> VercelEnvVarInfo:
        """Change one environment variable (``PATCH /v9/projects/{idOrName}/env/{id}``);
        only the fields given are sent. The value is masked in logs unless
        ``type=EnvType.PLAIN``.

        Raises:
            InvalidValueError: nothing to change, or bad targets.
            NotFoundError: no such variable.
        """
        result: VercelEnvVarInfo = self._run(
            edit_env_flow(
                project,
                env_id,
                key=key,
                value=value,
                target=target,
                type=type,
                git_branch=git_branch,
                comment=comment,
            )
        )
        return result

    def delete_env(self, project: str, env_id: str) -> VercelEnvVarInfo:
        """Remove one environment variable (``DELETE /v9/projects/{idOrName}/env/{id}``)
        and return what was removed.

        Raises:
            NotFoundError: no such variable (also when a retry follows a removal).
        """
        result: VercelEnvVarInfo = self._run(delete_env_flow(project, env_id))
        return result

    def get_project(self, id_or_name: str) -> VercelProject:
        """A project, its current production deployment and its newest promote job
        (``GET /v9/projects/{idOrName}``)."""
        result: VercelProject = self._run(get_project_flow(id_or_name))
        return result

    def close(self) -> None:
        """Close the connection pool."""
        self._http.close()

    def __enter__(self) -> VercelClient:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()


class AsyncVercelClient(_VercelBase):
    """Asynchronous twin of :class:`VercelClient`: same arguments and methods, awaited;
    ``await client.aclose()``."""

    def __init__(
        self,
        token: str,
        *,
        team_id: str | None = None,
        base_url: str = DEFAULT_BASE_URL,
        timeout: float | None = DEFAULT_TIMEOUT,
        retry: RetryPolicy | None = None,
        rate_limit: RateLimit | None = None,
        verify: bool | str = True,
        transport: httpx.AsyncBaseTransport | None = None,
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        super().__init__(token, team_id, base_url, retry)
        self.sleep = sleep
        self.clock = clock
        self._http = AsyncHTTPClient(
            base_url,
            provider=PROVIDER,
            headers=self._headers,
            timeout=timeout,
            retry=self._retry,
            rate_limit=rate_limit,
            verify=verify,
            transport=transport,
            error_message=self._error_message,
            retry_after=rate_limit_wait,
        )
        self.base_url = self._http.base_url

    @classmethod
    def from_env(cls, **kwargs: Any) -> AsyncVercelClient:
        """See :meth:`VercelClient.from_env`."""
        token, kwargs = _from_env(kwargs)
        return cls(token, **kwargs)

    async def _run(self, flow: Flow[Any]) -> Any:
        # Drives a sans-I/O flow with the team scope; the deployment targets use it too.
        return await arun_flow(self._http, with_params(flow, self._scope), self.sleep)

    async def create_deployment(
        self,
        name: str,
        *,
        project: str | None = None,
        target: str | None = None,
        git_source: GitSource | None = None,
        files: Mapping[str, str | bytes] | None = None,
        redeploy_of: str | None = None,
        with_latest_commit: bool | None = None,
        meta: Mapping[str, str] | None = None,
        project_settings: Mapping[str, Any] | None = None,
        force_new: bool = False,
    ) -> VercelDeployment:
        """See :meth:`VercelClient.create_deployment`."""
        result: VercelDeployment = await self._run(
            create_deployment_flow(
                name,
                project=project,
                target=target,
                git_source=git_source,
                files=files,
                redeploy_of=redeploy_of,
                with_latest_commit=with_latest_commit,
                meta=meta,
                project_settings=project_settings,
                force_new=force_new,
            )
        )
        return result

    async def get_deployment(self, id_or_url: str) -> VercelDeployment:
        """See :meth:`VercelClient.get_deployment`."""
        result: VercelDeployment = await self._run(get_deployment_flow(id_or_url))
        return result

    async def wait_for_deployment(
        self,
        id_or_url: str,
        *,
        timeout: float = DEFAULT_WAIT_TIMEOUT,
        poll_interval: float = DEFAULT_POLL_INTERVAL,
    ) -> VercelDeployment:
        """See :meth:`VercelClient.wait_for_deployment`."""
        result: VercelDeployment = await self._run(
            wait_for_deployment_flow(
                id_or_url, timeout=timeout, poll_interval=poll_interval, clock=self.clock
            )
        )
        return result

    async def build_events(self, id_or_url: str, *, limit: int = 100) -> list[BuildEvent]:
        """See :meth:`VercelClient.build_events`."""
        result: list[BuildEvent] = await self._run(build_events_flow(id_or_url, limit=limit))
        return result

    async def cancel_deployment(self, deployment_id: str) -> VercelDeployment:
        """See :meth:`VercelClient.cancel_deployment`."""
        result: VercelDeployment = await self._run(cancel_deployment_flow(deployment_id))
        return result

    async def list_deployments(
        self,
        project_id: str | None = None,
        *,
        target: str | None = None,
        state: ReadyState | str | None = None,
        limit: int = 20,
        since: int | None = None,
        until: int | None = None,
        rollback_candidate: bool | None = None,
        branch: str | None = None,
        sha: str | None = None,
    ) -> DeploymentPage:
        """See :meth:`VercelClient.list_deployments`."""
        result: DeploymentPage = await self._run(
            list_deployments_flow(
                project_id,
                target=target,
                state=state,
                limit=limit,
                since=since,
                until=until,
                rollback_candidate=rollback_candidate,
                branch=branch,
                sha=sha,
            )
        )
        return result

    async def list_all_deployments(
        self,
        project_id: str | None = None,
        *,
        target: str | None = None,
        state: ReadyState | str | None = None,
        limit: int = 100,
        max_items: int = 1000,
    ) -> list[VercelDeployment]:
        """See :meth:`VercelClient.list_all_deployments`."""
        result: list[VercelDeployment] = await self._run(
            list_all_deployments_flow(
                project_id, target=target, state=state, limit=limit, max_items=max_items
            )
        )
        return result

    async def promote(self, project_id: str, deployment_id: str) -> None:
        """See :meth:`VercelClient.promote`."""
        await self._run(promote_flow(project_id, deployment_id))

    async def wait_for_promotion(
        self,
        project_id: str,
        deployment_id: str,
        *,
        timeout: float = DEFAULT_PROMOTE_TIMEOUT,
        poll_interval: float = DEFAULT_POLL_INTERVAL,
    ) -> PromotionOutcome:
        """See :meth:`VercelClient.wait_for_promotion`."""
        result: PromotionOutcome = await self._run(
            wait_for_promotion_flow(
                project_id,
                deployment_id,
                timeout=timeout,
                poll_interval=poll_interval,
                clock=self.clock,
            )
        )
        return result

    async def list_promote_aliases(
        self, project_id: str, *, failed_only: bool = True
    ) -> list[PromoteAlias]:
        """See :meth:`VercelClient.list_promote_aliases`."""
        result: list[PromoteAlias] = await self._run(
            list_promote_aliases_flow(project_id, failed_only=failed_only)
        )
        return result

    async def get_rolling_release(self, id_or_name: str) -> RollingRelease | None:
        """See :meth:`VercelClient.get_rolling_release`."""
        result: RollingRelease | None = await self._run(get_rolling_release_flow(id_or_name))
        return result

    async def rollback(
        self, project_id: str, deployment_id: str, *, description: str | None = None
    ) -> None:
        """See :meth:`VercelClient.rollback`."""
        await self._run(rollback_flow(project_id, deployment_id, description))

    async def assign_alias(
        self,
        deployment_id: str,
        alias: str,
        *,
        redirect: str | None = None,
        issue_cert: bool = True,
    ) -> AliasAssignment:
        """See :meth:`VercelClient.assign_alias`."""
        result: AliasAssignment = await self._run(
            assign_alias_flow(deployment_id, alias, redirect, issue_cert=issue_cert)
        )
        return result

    async def issue_cert(self, cns: Sequence[str]) -> VercelCert:
        """See :meth:`VercelClient.issue_cert`."""
        result: VercelCert = await self._run(issue_cert_flow(cns))
        return result

    async def list_aliases(self, deployment_id: str) -> list[VercelAlias]:
        """See :meth:`VercelClient.list_aliases`."""
        result: list[VercelAlias] = await self._run(list_aliases_flow(deployment_id))
        return result

    async def upsert_env(
        self, project: str, variables: VercelEnvVar | Sequence[VercelEnvVar]
    ) -> list[VercelEnvVarInfo]:
        """See :meth:`VercelClient.upsert_env`."""
        items = [variables] if isinstance(variables, VercelEnvVar) else list(variables)
        result: list[VercelEnvVarInfo] = await self._run(upsert_env_flow(project, items))
        return result

    async def list_env(self, project: str) -> list[VercelEnvVarInfo]:
        """See :meth:`VercelClient.list_env`."""
        result: list[VercelEnvVarInfo] = await self._run(list_env_flow(project))
        return result

    async def edit_env(
        self,
        project: str,
        env_id: str,
        *,
        key: str | None = None,
        value: str | None = None,
        target: Sequence[str] | None = None,
        type: EnvType | None = None,
        git_branch: str | None = None,
        comment: str | None = None,
    ) -> VercelEnvVarInfo:
        """See :meth:`VercelClient.edit_env`."""
        result: VercelEnvVarInfo = await self._run(
            edit_env_flow(
                project,
                env_id,
                key=key,
                value=value,
                target=target,
                type=type,
                git_branch=git_branch,
                comment=comment,
            )
        )
        return result

    async def delete_env(self, project: str, env_id: str) -> VercelEnvVarInfo:
        """See :meth:`VercelClient.delete_env`."""
        result: VercelEnvVarInfo = await self._run(delete_env_flow(project, env_id))
        return result

    async def get_project(self, id_or_name: str) -> VercelProject:
        """See :meth:`VercelClient.get_project`."""
        result: VercelProject = await self._run(get_project_flow(id_or_name))
        return result

    async def aclose(self) -> None:
        """Close the connection pool."""
        await self._http.aclose()

    async def __aenter__(self) -> AsyncVercelClient:
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.aclose()
