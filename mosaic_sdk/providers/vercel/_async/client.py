"""Vercel REST API client.

Request building and answer parsing are the I/O-free functions of
:mod:`mosaic_sdk.providers.vercel._requests`; this module sends the calls (each with the
``teamId`` scope, added in one place: :meth:`AsyncVercelClient._send`) and sequences
the polling and paging.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping, Sequence
from typing import TYPE_CHECKING, Any

from mosaic_sdk._core._async.closing import AsyncPooled
from mosaic_sdk._core._concurrency import AsyncSleep, asleep
from mosaic_sdk._http import AsyncHTTPClient, HTTPResponse, RateLimit, RetryPolicy
from mosaic_sdk.providers.vercel._models import (
    AliasAssignment,
    AliasJobStatus,
    BuildEvent,
    DeploymentPage,
    EnvType,
    GitSource,
    PromoteAlias,
    PromotionOutcome,
    ReadyState,
    RollingRelease,
    RollingReleaseConfig,
    VercelAlias,
    VercelCert,
    VercelDeployment,
    VercelEnvVar,
    VercelEnvVarInfo,
    VercelProject,
)
from mosaic_sdk.providers.vercel._requests import (
    BUILD_LOG_LINES,
    DEFAULT_BASE_URL,
    DEFAULT_POLL_INTERVAL,
    DEFAULT_PROMOTE_TIMEOUT,
    DEFAULT_TIMEOUT,
    DEFAULT_WAIT_TIMEOUT,
    PROVIDER,
    Call,
    _from_env,
    _VercelBase,
    alias_among,
    approve_rolling_release_stage_call,
    assign_alias_call,
    assigned_alias,
    build_events_call,
    cancel_deployment_call,
    check_alias_answer,
    check_deployment_wait,
    check_max_items,
    check_promotion_wait,
    complete_rolling_release_call,
    configure_rolling_release_call,
    create_deployment_call,
    delete_env_call,
    deployment_timeout,
    disable_rolling_release_call,
    edit_env_call,
    failed_promotion,
    get_deployment_call,
    get_project_call,
    get_rolling_release_call,
    get_rolling_release_config_call,
    issue_cert_call,
    job_outcome,
    list_aliases_call,
    list_deployments_call,
    list_env_call,
    parse_alias_assignment,
    parse_aliases,
    parse_cert,
    parse_deployment,
    parse_deployment_page,
    parse_env,
    parse_env_page,
    parse_env_upsert,
    parse_events,
    parse_project,
    parse_promote_aliases,
    parse_removed_env,
    parse_rolling_release,
    parse_rolling_release_config,
    promote_aliases_call,
    promote_call,
    promote_job,
    promoted,
    promotion_timeout,
    rate_limit_wait,
    rollback_call,
    rolling_outcome,
    serving,
    start_rolling_release_call,
    upsert_env_call,
    with_build_log,
)

if TYPE_CHECKING:
    from mosaic_sdk._http import AsyncBaseTransport

__all__ = ["AsyncVercelClient"]


class AsyncVercelClient(AsyncPooled[AsyncHTTPClient], _VercelBase):
    """Vercel REST API client.

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
        sleep: the sleep used while polling (tests inject a fake); by default
            :func:`~mosaic_sdk._core._concurrency.asleep`.
        clock: monotonic clock used for polling deadlines.

    Raises:
        InvalidValueError: ``token`` is empty, has white space or is a URL.
        ConfigurationError: ``team_id`` or ``base_url`` is unusable.

    Example:
        >>> vercel = AsyncVercelClient("token-value", team_id="team_123")  # doctest: +SKIP
        >>> (await vercel.wait_for_deployment("dpl_abc")).ready_state  # doctest: +SKIP
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
        transport: AsyncBaseTransport | None = None,
        sleep: AsyncSleep = asleep,
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
        """A client from ``VERCEL_TOKEN`` and ``VERCEL_TEAM_ID`` (or the CLI's
        ``VERCEL_ORG_ID``; neither means a personal account); ``kwargs`` as for the
        constructor.

        Raises:
            ConfigurationError: ``VERCEL_TOKEN`` is not set.
        """
        token, kwargs = _from_env(kwargs)
        return cls(token, **kwargs)

    async def _send(self, call: Call) -> HTTPResponse:
        # The one place the team scope joins a request: parameters the call sets win.
        params = {**self._scope, **(call.params or {})} if self._scope else call.params
        return await self._http.request(
            call.method,
            call.path,
            params=params,
            json=call.json,
            idempotent=call.idempotent,
            allow_status=call.allow_status,
        )

    # -- deployments ---------------------------------------------------------------------

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
        call = create_deployment_call(
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
        return parse_deployment(await self._send(call))

    async def get_deployment(self, id_or_url: str) -> VercelDeployment:
        """Get one deployment by id or host name (``GET /v13/deployments/{idOrUrl}``).

        Raises:
            NotFoundError: no such deployment in this scope.
        """
        return parse_deployment(await self._send(get_deployment_call(id_or_url)))

    async def wait_for_deployment(
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
        check_deployment_wait(timeout, poll_interval)
        deadline = self.clock() + timeout
        while True:
            deployment = await self.get_deployment(id_or_url)
            if deployment.ready_state is ReadyState.ERROR:
                # Best effort: a token that may read the deployment but not its events
                # still gets the failed deployment back.
                call = build_events_call(deployment.id, limit=BUILD_LOG_LINES, best_effort=True)
                return with_build_log(deployment, parse_events(await self._send(call)))
            if deployment.ready_state.is_terminal:
                return deployment
            remaining = deadline - self.clock()
            if remaining <= 0:
                raise deployment_timeout(deployment, timeout)
            await self.sleep(min(poll_interval, remaining))

    async def build_events(self, id_or_url: str, *, limit: int = 100) -> list[BuildEvent]:
        """The newest ``limit`` build events of a deployment, oldest first
        (``GET /v3/deployments/{idOrUrl}/events?direction=backward&limit=``).

        Raises:
            InvalidValueError: ``limit`` is not a positive whole number.
            NotFoundError: no such deployment in this scope.
        """
        return parse_events(await self._send(build_events_call(id_or_url, limit=limit)))

    async def cancel_deployment(self, deployment_id: str) -> VercelDeployment:
        """Cancel a queued or building deployment (``PATCH /v12/deployments/{id}/cancel``)
        and return it (``CANCELED``).

        Raises:
            BadRequestError: the deployment already finished.
            NotFoundError: no such deployment in this scope.
        """
        return parse_deployment(await self._send(cancel_deployment_call(deployment_id)))

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
        """One page of deployments, newest first (``GET /v6/deployments``).

        ``since``/``until`` are epoch milliseconds; pass
        :attr:`DeploymentPage.next_until` as ``until`` for the next page, or use
        :meth:`list_all_deployments`.

        Raises:
            InvalidValueError: ``limit`` is not 1 to 100.
        """
        call = list_deployments_call(
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
        return parse_deployment_page(await self._send(call))

    async def list_all_deployments(
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
        check_max_items(max_items)
        found: list[VercelDeployment] = []
        until: int | None = None
        while len(found) < max_items:
            page = await self.list_deployments(
                project_id, target=target, state=state, limit=limit, until=until
            )
            found.extend(page.deployments)
            if page.next_until is None or not page.deployments:
                break
            until = page.next_until
        return found[:max_items]

    # -- promotion and rollback ----------------------------------------------------------

    async def promote(self, project_id: str, deployment_id: str) -> None:
        """Point production at an existing deployment without rebuilding it
        (``POST /v10/projects/{projectId}/promote/{deploymentId}``).

        Vercel finishes the alias switch asynchronously (201), or queues it until an
        active rolling release completes (202); :meth:`wait_for_promotion` tells which
        and how it ended.
        """
        await self._send(promote_call(project_id, deployment_id))

    async def wait_for_promotion(
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

        Follows the CLI's ``vercel promote`` wait (``packages/cli/src/commands/promote/
        status.ts:78-182``): with Rolling Releases configured, an active stage is the
        answer (:attr:`PromotionState.ROLLING`, or ``QUEUED`` when another deployment is
        the canary); otherwise ``lastAliasRequest.jobStatus`` of the job that targets this
        deployment decides, and a failed job lists the aliases Vercel could not move.

        Raises:
            DeploymentTimeoutError: the job is still pending after ``timeout`` seconds.
        """
        check_promotion_wait(timeout, poll_interval)
        deadline = self.clock() + timeout
        last = "no promote job seen yet"
        while True:
            project = await self.get_project(project_id)
            done = promoted(project, deployment_id)
            if done is not None:
                return done
            if project.rolling_release_enabled:
                rolling = rolling_outcome(await self.get_rolling_release(project_id), deployment_id)
                if rolling is not None:
                    return rolling
                last = "rolling release not started yet"
            job = promote_job(project, deployment_id)
            if job is not None:
                if job.job_status is AliasJobStatus.FAILED:
                    failed = await self.list_promote_aliases(project_id, failed_only=True)
                    return failed_promotion(deployment_id, failed, serving(project))
                ended = job_outcome(job, deployment_id, serving(project))
                if ended is not None:
                    return ended
                last = f"promote job {job.job_status.value}"
            remaining = deadline - self.clock()
            if remaining <= 0:
                raise promotion_timeout(deployment_id, timeout, last, serving(project))
            await self.sleep(min(poll_interval, remaining))

    async def list_promote_aliases(
        self, project_id: str, *, failed_only: bool = True
    ) -> list[PromoteAlias]:
        """The aliases of the project's newest promote job, every page
        (``GET /v1/projects/{projectId}/promote/aliases``, 100 at a time)."""
        found: list[PromoteAlias] = []
        until: int | None = None
        while True:
            call = promote_aliases_call(project_id, failed_only=failed_only, until=until)
            page, until = parse_promote_aliases(await self._send(call))
            found.extend(page)
            if until is None:
                return found

    async def get_rolling_release(self, id_or_name: str) -> RollingRelease | None:
        """The project's rolling release, or ``None``
        (``GET /v1/projects/{idOrName}/rolling-release``)."""
        return parse_rolling_release(await self._send(get_rolling_release_call(id_or_name)))

    async def configure_rolling_release(
        self,
        id_or_name: str,
        stages: Sequence[int],
        *,
        advancement_type: str = "manual-approval",
        duration: int | None = None,
    ) -> RollingReleaseConfig | None:
        """Enable rolling releases with these stages
        (``PATCH /v1/projects/{idOrName}/rolling-release/config``).

        ``stages`` are the canary's percentages, ascending, each 1..99; the final 100 is
        appended. The stages are fixed per project: every later promote walks them, and
        the change "never alters a rollout that's already in-flight" (spec). Returns the
        config read back with :meth:`get_rolling_release_config`.

        Args:
            advancement_type: ``manual-approval`` (each stage waits for
                :meth:`approve_rolling_release_stage`; what a canary driven by metric
                gates needs) or ``automatic`` (Vercel advances after ``duration``).
            duration: minutes per stage, only with ``automatic``.

        Raises:
            InvalidValueError: malformed stages or advancement settings (nothing is sent).
        """
        call = configure_rolling_release_call(
            id_or_name, stages, advancement_type=advancement_type, duration=duration
        )
        await self._send(call)
        return await self.get_rolling_release_config(id_or_name)

    async def get_rolling_release_config(self, id_or_name: str) -> RollingReleaseConfig | None:
        """The project's rolling-release stages, or ``None`` when rolling releases are
        disabled (``GET /v1/projects/{idOrName}/rolling-release/config``)."""
        call = get_rolling_release_config_call(id_or_name)
        return parse_rolling_release_config(await self._send(call))

    async def disable_rolling_release(self, id_or_name: str) -> None:
        """Disable rolling releases for future promotes; an active release keeps going
        until completed or aborted (``DELETE /v1/projects/{idOrName}/rolling-release/config``)."""
        await self._send(disable_rolling_release_call(id_or_name))

    async def start_rolling_release(self, id_or_name: str, canary_deployment_id: str) -> None:
        """Start a rolling release of a production deployment, as ``vercel rr start``
        does (``POST /v1/projects/{idOrName}/rolling-release/start``; absent from the
        stored spec, path and body from the CLI). A promote of a production deployment
        on a project with rolling releases starts one too."""
        await self._send(start_rolling_release_call(id_or_name, canary_deployment_id))

    async def approve_rolling_release_stage(
        self, id_or_name: str, canary_deployment_id: str, next_stage_index: int
    ) -> RollingRelease | None:
        """Move the active rolling release to stage ``next_stage_index``
        (``POST /v1/projects/{idOrName}/rolling-release/approve-stage``). Not retried: a
        repeated approval could skip a stage. Returns the release Vercel answers with."""
        call = approve_rolling_release_stage_call(
            id_or_name, canary_deployment_id, next_stage_index
        )
        return parse_rolling_release(await self._send(call))

    async def complete_rolling_release(
        self, id_or_name: str, canary_deployment_id: str
    ) -> RollingRelease | None:
        """Send 100 % of traffic to the canary and end the release
        (``POST /v1/projects/{idOrName}/rolling-release/complete``)."""
        call = complete_rolling_release_call(id_or_name, canary_deployment_id)
        return parse_rolling_release(await self._send(call))

    async def rollback(
        self, project_id: str, deployment_id: str, *, description: str | None = None
    ) -> None:
        """Instant rollback of production to an earlier deployment
        (``POST /v1/projects/{projectId}/rollback/{deploymentId}``).

        This endpoint is not in the stored spec (Oct 2025); it is taken from the
        official SDK. After a rollback Vercel stops auto-assigning production domains
        until a deployment is promoted again.
        """
        await self._send(rollback_call(project_id, deployment_id, description))

    # -- aliases and certificates --------------------------------------------------------

    async def assign_alias(
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
        call = assign_alias_call(deployment_id, alias, redirect)
        attempt = 0
        while True:
            response = await self._send(call)
            if response.status_code == 409:
                known = assigned_alias(response, alias)
                if known is not None:
                    return known
                return alias_among(response, await self.list_aliases(deployment_id), alias)
            if response.status_code < 400:
                return parse_alias_assignment(response)
            check_alias_answer(response, alias, issue_cert=issue_cert, attempt=attempt)
            # create-alias.ts:24-43: create a certificate for the alias, then try once more.
            await self.issue_cert([alias])
            attempt += 1

    async def issue_cert(self, cns: Sequence[str]) -> VercelCert:
        """Issue a certificate for host names (``POST /v8/certs``).

        Raises:
            InvalidValueError: no host names given.
        """
        return parse_cert(await self._send(issue_cert_call(cns)))

    async def list_aliases(self, deployment_id: str) -> list[VercelAlias]:
        """The aliases of a deployment (``GET /v2/deployments/{id}/aliases``)."""
        return parse_aliases(await self._send(list_aliases_call(deployment_id)))

    # -- environment variables and projects ----------------------------------------------

    async def upsert_env(
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
        return parse_env_upsert(await self._send(upsert_env_call(project, items)))

    async def list_env(self, project: str) -> list[VercelEnvVarInfo]:
        """The project's environment variables, without values, every page
        (``GET /v10/projects/{idOrName}/env``)."""
        found: list[VercelEnvVarInfo] = []
        until: int | None = None
        seen: set[int] = set()
        while True:
            page, following = parse_env_page(await self._send(list_env_call(project, until=until)))
            found.extend(page)
            if following is None or following in seen:
                return found
            until = following
            seen.add(until)

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
        """Change one environment variable (``PATCH /v9/projects/{idOrName}/env/{id}``);
        only the fields given are sent. The value is masked in logs unless
        ``type=EnvType.PLAIN``.

        Raises:
            InvalidValueError: nothing to change, or bad targets.
            NotFoundError: no such variable.
        """
        call = edit_env_call(
            project,
            env_id,
            key=key,
            value=value,
            target=target,
            type=type,
            git_branch=git_branch,
            comment=comment,
        )
        return parse_env(await self._send(call))

    async def delete_env(self, project: str, env_id: str) -> VercelEnvVarInfo:
        """Remove one environment variable (``DELETE /v9/projects/{idOrName}/env/{id}``)
        and return what was removed.

        Raises:
            NotFoundError: no such variable (also when a retry follows a removal).
        """
        return parse_removed_env(await self._send(delete_env_call(project, env_id)))

    async def get_project(self, id_or_name: str) -> VercelProject:
        """A project, its current production deployment and its newest promote job
        (``GET /v9/projects/{idOrName}``)."""
        return parse_project(await self._send(get_project_call(id_or_name)))
