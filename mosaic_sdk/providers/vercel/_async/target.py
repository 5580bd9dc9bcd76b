"""Vercel as a deployment target: promote the deployment built for an image digest.

The workflow is described in :mod:`mosaic_sdk.providers.vercel._target`, which also
holds the I/O-free checks and reports; this module sends the requests, in order.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING

from mosaic_sdk._http import AsyncHTTPClient, RetryPolicy
from mosaic_sdk.errors import APIError, DeploymentTimeoutError
from mosaic_sdk.providers._protocol import (
    Deployment,
    RunningRelease,
    TargetStatus,
    pinned_digest,
    validate_traffic_weights,
)
from mosaic_sdk.providers.vercel._async.client import AsyncVercelClient
from mosaic_sdk.providers.vercel._models import (
    ProtectionBypass,
    ReadyState,
    RollingRelease,
    RollingReleaseConfig,
    VercelDeployment,
)
from mosaic_sdk.providers.vercel._target import (
    ANY_STATUS,
    DEFAULT_HEALTH_TIMEOUT,
    DEFAULT_POLL_INTERVAL,
    DEFAULT_PROMOTE_TIMEOUT,
    DEFAULT_SEARCH_LIMIT,
    DIGEST_META_KEY,
    IMAGE_META_KEY,
    PROBE_TIMEOUT,
    VERSION_META_KEY,
    TrafficPlan,
    _now,
    _probed_status,
    _RollingCore,
    _TargetCore,
)
from mosaic_sdk.values import Digest, ImageReference

if TYPE_CHECKING:
    from mosaic_sdk._http import AsyncBaseTransport

__all__ = ["AsyncVercelDeploymentTarget", "AsyncVercelRollingReleaseTarget"]


class AsyncVercelDeploymentTarget(_TargetCore):
    """Promote the Vercel deployment built for an image digest to production.

    See the module documentation of :mod:`mosaic_sdk.providers.vercel` for the
    workflow; in short, ``deploy(image)`` needs a ``READY`` production deployment whose
    ``meta.imageDigest`` equals the image's digest, promotes it (no rebuild) and waits
    until production serves it (or a rolling release shifts traffic to it).

    Args:
        client: an :class:`AsyncVercelClient`.
        project_id: the project id (``prj_...``) or name.
        digest_meta_key: meta key holding the image digest.
        version_meta_key: meta key holding the release version (read by ``running``).
        image_meta_key: meta key holding the full image reference (read by ``running``).
        search_limit: how many recent READY production deployments to search.
        promote_timeout: seconds to wait for the promotion to land.
        poll_interval: seconds between checks.
        health_path: when set (``"/api/health"``), ``deploy`` probes the promoted
            deployment's URL at this path until it answers 2xx/3xx (FAILED otherwise)
            and ``status`` probes production once (DEGRADED otherwise). The API token
            is never sent there.
        protection_bypass: the Protection Bypass for Automation secret, sent as
            ``x-vercel-protection-bypass`` with every probe (never logged).
        health_timeout: seconds ``deploy`` keeps probing.
        verify: TLS verification of the probes.
        health_transport: an httpx transport for the probes (tests).
    """

    def __init__(
        self,
        client: AsyncVercelClient,
        project_id: str,
        *,
        digest_meta_key: str = DIGEST_META_KEY,
        version_meta_key: str = VERSION_META_KEY,
        image_meta_key: str = IMAGE_META_KEY,
        search_limit: int = DEFAULT_SEARCH_LIMIT,
        promote_timeout: float = DEFAULT_PROMOTE_TIMEOUT,
        poll_interval: float = DEFAULT_POLL_INTERVAL,
        health_path: str | None = None,
        protection_bypass: ProtectionBypass | None = None,
        health_timeout: float = DEFAULT_HEALTH_TIMEOUT,
        verify: bool | str = True,
        health_transport: AsyncBaseTransport | None = None,
    ) -> None:
        super().__init__(
            project_id,
            digest_meta_key=digest_meta_key,
            version_meta_key=version_meta_key,
            image_meta_key=image_meta_key,
            search_limit=search_limit,
            promote_timeout=promote_timeout,
            poll_interval=poll_interval,
            health_path=health_path,
            protection_bypass=protection_bypass,
            health_timeout=health_timeout,
        )
        self.client = client
        self._verify = verify
        self._health_transport = health_transport

    async def _find(self, digest: Digest) -> VercelDeployment | None:
        # The newest READY production deployment whose meta names the digest.
        until: int | None = None
        seen = 0
        while seen < self.search_limit:
            page = await self.client.list_deployments(
                self.project_id,
                target="production",
                state=ReadyState.READY,
                limit=min(100, self.search_limit - seen),
                until=until,
            )
            for deployment in page.deployments:
                if self.carries(deployment, digest):
                    return deployment
            seen += len(page.deployments)
            if page.next_until is None or not page.deployments:
                break
            until = page.next_until
        return None

    async def _promote(self, image: ImageReference) -> tuple[Deployment, VercelDeployment | None]:
        # Promote and wait; the report and, when it should be probed, the deployment.
        digest = pinned_digest(image)  # refuses tags before any I/O
        started = _now()
        project = await self.client.get_project(self.project_id)
        live = project.production
        if live is not None and self.carries(live, digest):
            return self.already_serving(live, image, started), live
        found = await self._find(digest)
        if found is None:
            raise self.not_found(image, digest)
        await self.client.promote(self.project_id, found.id)
        try:
            outcome = await self.client.wait_for_promotion(
                self.project_id,
                found.id,
                timeout=self.promote_timeout,
                poll_interval=self.poll_interval,
            )
        except DeploymentTimeoutError as exc:
            return self.timed_out(found, image, started, exc), None
        return self.promotion_result(found, image, started, outcome)

    async def _probe(self, deployment: VercelDeployment, *, once: bool = False) -> tuple[bool, str]:
        # Probe the deployment's health URL until it answers 2xx/3xx (once: a single
        # probe). Sent without the API token; with x-vercel-protection-bypass when
        # protection_bypass is set.
        url = self.health_url(deployment)
        headers = self.protection_bypass.headers() if self.protection_bypass else None
        clock = self.client.clock
        deadline = clock() + (0.0 if once else self.health_timeout)
        attempts = 0
        try:
            async with AsyncHTTPClient(
                provider="vercel-health",
                timeout=PROBE_TIMEOUT,
                retry=RetryPolicy.none(),
                verify=self._verify,
                transport=self._health_transport,
            ) as http:
                while True:
                    attempts += 1
                    response = await http.request(
                        "GET", url, headers=headers, allow_status=ANY_STATUS
                    )
                    if response.status_code < 400:
                        return True, f"{url} answered {response.status_code}"
                    problem = self.health_problem(url, response.status_code, attempts)
                    remaining = deadline - clock()
                    if remaining <= 0:
                        return False, problem
                    await self.client.sleep(min(self.poll_interval, remaining))
        except APIError as exc:
            return False, f"health check of {deployment.https_url} failed: {exc.message}"

    async def deploy(self, image: ImageReference) -> Deployment:
        """Promote the deployment built for ``image``'s digest and wait until it serves.

        Calls ``GET /v9/projects/{id}``, ``GET /v6/deployments`` (the digest search),
        ``POST /v10/projects/{id}/promote/{deploymentId}``, then waits like
        :meth:`AsyncVercelClient.wait_for_promotion`. Returns FAILED at once when Vercel's
        promote job fails (naming the aliases it could not move) or is skipped,
        SUCCEEDED when production serves it or a rolling release shifts traffic to it,
        QUEUED when it waits behind another active rolling release.

        Raises:
            InvalidValueError: ``image`` is not pinned by digest (nothing is called).
            UnsupportedOperationError: no READY production deployment carries the
                digest in its meta; the message names how to create one.
        """
        result, serving = await self._promote(image)
        if self.health_path is None or serving is None:
            return result
        ok, detail = await self._probe(serving)
        return self._after_probe(result, ok, detail)

    async def running(self) -> RunningRelease:
        """Digest, version and image from the production deployment's meta."""
        project = await self.client.get_project(self.project_id)
        production = project.production
        if production is not None and not production.meta:
            # The project's target summary may omit meta; the deployment has it.
            production = await self.client.get_deployment(production.id)
        return self.release_of(production)

    async def status(self) -> TargetStatus:
        """The production deployment's ``readyState``, folded; with ``health_path``, a
        READY production that fails one probe is DEGRADED."""
        status, production = self.status_of(await self.client.get_project(self.project_id))
        if self.health_path is None or production is None:
            return status
        ok, detail = await self._probe(production, once=True)
        return _probed_status(status, ok, detail)


class AsyncVercelRollingReleaseTarget(AsyncVercelDeploymentTarget, _RollingCore):
    """A Vercel project with Rolling Releases as an
    :class:`~mosaic_sdk.providers.AsyncTrafficSplitter` (for :class:`AsyncCanary`).

    Vercel's own canary: once rolling releases are configured, promoting a production
    deployment starts a *rolling release* that serves the first stage's share of
    traffic to it and the rest to the current deployment (https://vercel.com/docs/rolling-releases).
    The stages are **fixed per project** (``PATCH .../rolling-release/config``), so
    :meth:`set_traffic` can only reach them:

    * ``{stable: 100 - w, candidate: w}`` with ``w`` a configured stage: approves the
      stages up to ``w`` (``POST .../rolling-release/approve-stage``), forward only;
    * ``{candidate: 100}``: completes the release (``POST .../rolling-release/complete``);
    * ``{stable: 100}``: aborts it with an instant rollback to the current deployment
      (``POST /v1/projects/{id}/rollback/{deploymentId}``, as ``vercel rr abort`` does).

    Each call reads the release back (``GET .../rolling-release``) and raises
    :class:`~mosaic_sdk.errors.TrafficSplitMismatchError` when it is not where it was
    put. A share that is not a stage, or a step backwards, is an
    :class:`~mosaic_sdk.errors.InvalidValueError` naming the stages and how to change them.

    ``deploy`` first checks that the project has rolling releases with manual approval
    (``GET .../rolling-release/config``): without them a promote would move 100 % of
    traffic at once, and with a timer Vercel would advance the stages while the canary's
    gates run. Either raises :class:`~mosaic_sdk.errors.ConfigurationError` before
    anything changes. Takes the arguments of :class:`AsyncVercelDeploymentTarget`.
    """

    _splits_traffic = True

    async def rolling_release_config(self) -> RollingReleaseConfig:
        """The project's stage model (``GET /v1/projects/{id}/rolling-release/config``).

        Raises:
            ConfigurationError: rolling releases are off, or advance on a timer.
        """
        return self.checked_config(await self.client.get_rolling_release_config(self.project_id))

    async def deploy(self, image: ImageReference) -> Deployment:
        """Check the stage model, then promote as :meth:`AsyncVercelDeploymentTarget.deploy`
        does; the promote starts the rolling release at its first stage.

        Raises:
            InvalidValueError: ``image`` is not pinned by digest (nothing is called).
            ConfigurationError: no rolling releases with manual approval (nothing changed).
        """
        pinned_digest(image)
        await self.rolling_release_config()
        return await super().deploy(image)

    async def _digest_of(self, deployment_id: str | None) -> Digest | None:
        if not deployment_id:
            return None
        return self.release_of(await self.client.get_deployment(deployment_id)).digest

    async def _serving(self) -> str:
        project = await self.client.get_project(self.project_id)
        return project.production.id if project.production is not None else "nothing"

    async def set_traffic(self, weights: Mapping[Digest, int]) -> None:
        """Move the rolling release to the stage ``weights`` name, then verify it.

        Raises:
            InvalidValueError: malformed weights, a share that is not a configured stage,
                a step backwards, or a digest outside the release.
            ConfigurationError: the project has no rolling releases with manual approval.
            TrafficSplitMismatchError: the release read back is not where it was put.
        """
        split = validate_traffic_weights(weights)
        config = await self.rolling_release_config()
        release = await self.client.get_rolling_release(self.project_id)
        active = release is not None and release.state.upper() == "ACTIVE"
        canary = await self._digest_of(release.canary_deployment_id) if active and release else None
        current = (
            await self._digest_of(release.current_deployment_id) if active and release else None
        )
        production = None if active else (await self.running()).digest
        stages = self._stages(release, config)
        plan = self.plan(split, release, canary, current, stages, production)
        if plan.action == "serving":
            return
        await self._apply(plan, release)
        after = await self.client.get_rolling_release(self.project_id)
        serving = "" if plan.action in ("hold", "approve") else await self._serving()
        self.mismatch(plan, after, serving)

    @staticmethod
    def _stages(release: RollingRelease | None, config: RollingReleaseConfig) -> tuple[int, ...]:
        # A release in flight keeps the stages it started with (the spec: a new config
        # "never alters a rollout that's already in-flight").
        if release is not None and release.stages:
            return tuple(round(stage.target_percentage) for stage in release.stages)
        return config.percentages

    async def _apply(self, plan: TrafficPlan, release: RollingRelease | None) -> None:
        assert release is not None
        if plan.action == "abort":
            await self.client.rollback(
                self.project_id, plan.deployment_id, description="mosaic: abort rolling release"
            )
        elif plan.action == "complete":
            await self.client.complete_rolling_release(self.project_id, plan.deployment_id)
        elif plan.action == "approve":
            assert plan.stage_index is not None
            start = (release.active_stage_index or 0) + 1
            for index in range(start, plan.stage_index + 1):
                await self.client.approve_rolling_release_stage(
                    self.project_id, plan.deployment_id, index
                )
