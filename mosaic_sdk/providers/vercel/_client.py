"""Vercel REST API client (sync and async twins over one set of sans-I/O flows).

Vercel versions each endpoint separately; every path the SDK calls is in :data:`PATHS`,
so moving to a newer version is a one-line change checked by the spec tests.
"""

from __future__ import annotations

import asyncio
import json as jsonlib
import time
from collections.abc import Awaitable, Callable, Mapping, Sequence
from types import TracebackType
from typing import TYPE_CHECKING, Any
from urllib.parse import quote

from mosaic_sdk._http import (
    AsyncHTTPClient,
    HTTPClient,
    HTTPResponse,
    RateLimit,
    RetryPolicy,
    check_base_url,
)
from mosaic_sdk.errors import (
    APIResponseValidationError,
    APIStatusError,
    ConfigurationError,
    DeploymentTimeoutError,
    InvalidValueError,
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
    DeploymentPage,
    GitSource,
    ReadyState,
    VercelAlias,
    VercelDeployment,
    VercelEnvVar,
    VercelEnvVarInfo,
    VercelProject,
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

#: Every endpoint the client calls. List deployments stays on ``/v6`` (the version in
#: the stored spec, so each request is checked against it); ``vercel/sdk`` HEAD calls
#: ``/v7/deployments`` with the same query parameters. Instant rollback is absent from
#: the stored spec (see ``docs/providers/vercel.md``).
PATHS: Mapping[str, str] = {
    "create_deployment": "/v13/deployments",
    "get_deployment": "/v13/deployments/{id_or_url}",
    "list_deployments": "/v6/deployments",
    "promote": "/v10/projects/{project_id}/promote/{deployment_id}",
    "rollback": "/v1/projects/{project_id}/rollback/{deployment_id}",
    "aliases": "/v2/deployments/{deployment_id}/aliases",
    "env": "/v10/projects/{id_or_name}/env",
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


def _error_message(response: HTTPResponse) -> str:
    # {"error": {"code", "message"}} everywhere; registrar endpoints use a flat shape.
    body = _body(response)
    error = body.get("error") if isinstance(body, dict) else None
    if not isinstance(error, dict) and isinstance(body, dict) and "code" in body:
        error = body
    if isinstance(error, dict):
        code = error.get("code")
        message = error.get("message") or ""
        prefix = f"HTTP {response.status_code}" + (f" {code}" if code else "")
        return f"{prefix}: {str(message)[:500]}"
    text = response.text.strip()
    return f"HTTP {response.status_code}" + (f": {text[:300]}" if text else "")


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
        error = body.get("error") if isinstance(body.get("error"), dict) else body
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


def assign_alias_flow(
    deployment_id: str, alias: str, redirect: str | None
) -> Flow[AliasAssignment]:
    """Flow of :meth:`VercelClient.assign_alias`."""
    path = PATHS["aliases"].format(deployment_id=_seg(deployment_id, "deployment id", "dpl_123"))
    _seg(alias, "alias", "my-app.example.com")
    body: dict[str, Any] = {"alias": alias}
    if redirect is not None:
        body["redirect"] = redirect
    return single(
        Call("POST", path, json=body, idempotent=True),
        lambda r: AliasAssignment.from_api(r.json()),
    )


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
    """Flow of :meth:`VercelClient.list_env`."""
    path = PATHS["env"].format(id_or_name=_seg(id_or_name, "project id or name", "my-app"))
    return single(Call("GET", path), _parse_env_list)


def get_project_flow(id_or_name: str) -> Flow[VercelProject]:
    """Flow of :meth:`VercelClient.get_project`."""
    path = PATHS["project"].format(id_or_name=_seg(id_or_name, "project id or name", "my-app"))
    return single(Call("GET", path), lambda r: VercelProject.from_api(r.json()))


# ---------------------------------------------------------------------------------------
# The clients.
# ---------------------------------------------------------------------------------------


class _VercelBase:
    def __init__(self, token: str, team_id: str | None, base_url: str) -> None:
        if not isinstance(token, str) or not token.strip():
            raise ConfigurationError(
                "Vercel token is empty; create one under Account Settings > Tokens and pass "
                "it as token"
            )
        if team_id is not None and (not isinstance(team_id, str) or not team_id.strip()):
            raise ConfigurationError(
                f"Vercel team id {team_id!r} is not a team id (a non-empty string); pass "
                "'team_...' or None for a personal account"
            )
        if token != token.strip() or any(ch.isspace() for ch in token):
            raise ConfigurationError(
                "Vercel token contains whitespace; copy it again without spaces or newlines"
            )
        base_url = check_base_url(base_url, what="Vercel API base URL", example=DEFAULT_BASE_URL)
        register_secret(token)
        self.team_id = team_id
        self.base_url = base_url
        self._headers = {"Authorization": f"Bearer {token}", "Accept": "application/json"}
        self._scope: dict[str, str] = {"teamId": team_id} if team_id else {}

    def __repr__(self) -> str:
        base = sanitize_url(self.base_url)
        return f"{type(self).__name__}(team_id={self.team_id!r}, base_url={base!r})"


class VercelClient(_VercelBase):
    """Synchronous Vercel REST API client.

    Args:
        token: a Vercel access token (sent as ``Authorization: Bearer``; never shown).
        team_id: ``team_...``; when set, ``teamId`` is added to every call.
        base_url: the API root (tests point it at a loopback server).
        timeout: seconds per request.
        retry: the retry policy. 429 answers wait until Vercel's reset time (up to
            ``RetryPolicy.max_retry_after``), then raise
            :class:`~mosaic_sdk.errors.RateLimitError` with ``retry_after``.
        rate_limit: an optional client-side limiter shared by clients of one token.
        verify: TLS verification.
        transport: an httpx transport for tests.
        sleep: blocking sleep used while polling (tests inject a fake).
        clock: monotonic clock used for polling deadlines.

    Example:
        >>> vercel = VercelClient("token-value", team_id="team_123")  # doctest: +SKIP
        >>> vercel.wait_for_deployment("dpl_abc").ready_state  # doctest: +SKIP
        <ReadyState.READY: 'READY'>
    """

    def __init__(
        self,
        token: str,
        team_id: str | None = None,
        *,
        base_url: str = DEFAULT_BASE_URL,
        timeout: float | None = DEFAULT_TIMEOUT,
        retry: RetryPolicy | None = None,
        rate_limit: RateLimit | None = None,
        verify: bool | str = True,
        transport: httpx.BaseTransport | None = None,
        sleep: Callable[[float], None] = time.sleep,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        super().__init__(token, team_id, base_url)
        self.sleep = sleep
        self.clock = clock
        self._http = HTTPClient(
            base_url,
            provider=PROVIDER,
            headers=self._headers,
            timeout=timeout,
            retry=retry,
            rate_limit=rate_limit,
            verify=verify,
            transport=transport,
            error_message=_error_message,
            retry_after=rate_limit_wait,
        )
        self.base_url = self._http.base_url

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
        """Get one deployment by id or host name (``GET /v13/deployments/{idOrUrl}``)."""
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
        ``error_code`` and ``error_message``).

        Raises:
            DeploymentTimeoutError: still queued or building after ``timeout`` seconds
                (the deployment itself is untouched and may still finish).
        """
        result: VercelDeployment = self._run(
            wait_for_deployment_flow(
                id_or_url, timeout=timeout, poll_interval=poll_interval, clock=self.clock
            )
        )
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
        :attr:`DeploymentPage.next_until` as ``until`` for the next page.
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

    def promote(self, project_id: str, deployment_id: str) -> None:
        """Point production at an existing deployment without rebuilding it
        (``POST /v10/projects/{projectId}/promote/{deploymentId}``).

        Vercel finishes the alias switch asynchronously; watch
        :attr:`VercelProject.production` (:meth:`get_project`) to see it land.
        """
        self._run(promote_flow(project_id, deployment_id))

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
        self, deployment_id: str, alias: str, *, redirect: str | None = None
    ) -> AliasAssignment:
        """Point ``alias`` at a deployment (``POST /v2/deployments/{id}/aliases``).

        The deployment must be ``READY`` (Vercel answers 400 otherwise).
        """
        result: AliasAssignment = self._run(assign_alias_flow(deployment_id, alias, redirect))
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
        """The project's environment variables, without values
        (``GET /v10/projects/{idOrName}/env``)."""
        result: list[VercelEnvVarInfo] = self._run(list_env_flow(project))
        return result

    def get_project(self, id_or_name: str) -> VercelProject:
        """A project and its current production deployment (``GET /v9/projects/{idOrName}``)."""
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
        team_id: str | None = None,
        *,
        base_url: str = DEFAULT_BASE_URL,
        timeout: float | None = DEFAULT_TIMEOUT,
        retry: RetryPolicy | None = None,
        rate_limit: RateLimit | None = None,
        verify: bool | str = True,
        transport: httpx.AsyncBaseTransport | None = None,
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        super().__init__(token, team_id, base_url)
        self.sleep = sleep
        self.clock = clock
        self._http = AsyncHTTPClient(
            base_url,
            provider=PROVIDER,
            headers=self._headers,
            timeout=timeout,
            retry=retry,
            rate_limit=rate_limit,
            verify=verify,
            transport=transport,
            error_message=_error_message,
            retry_after=rate_limit_wait,
        )
        self.base_url = self._http.base_url

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

    async def promote(self, project_id: str, deployment_id: str) -> None:
        """See :meth:`VercelClient.promote`."""
        await self._run(promote_flow(project_id, deployment_id))

    async def rollback(
        self, project_id: str, deployment_id: str, *, description: str | None = None
    ) -> None:
        """See :meth:`VercelClient.rollback`."""
        await self._run(rollback_flow(project_id, deployment_id, description))

    async def assign_alias(
        self, deployment_id: str, alias: str, *, redirect: str | None = None
    ) -> AliasAssignment:
        """See :meth:`VercelClient.assign_alias`."""
        result: AliasAssignment = await self._run(assign_alias_flow(deployment_id, alias, redirect))
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
