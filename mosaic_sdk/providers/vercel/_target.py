"""Vercel as a :class:`~mosaic_sdk.providers.DeploymentTarget`.

Vercel builds deployments from source (git or uploaded files); it cannot run a
container image. What it can do is keep a **staged production deployment** built from
the same commit as the image and promote it without rebuilding. So this target treats
the image digest as the release's identity:

1. CI builds the image, then creates the Vercel deployment from the same commit with
   ``target="production"`` and ``meta={"imageDigest": "sha256:..."}`` (for example
   ``vercel deploy --prod --skip-domain --meta imageDigest=sha256:...``), which leaves
   it ``READY`` + ``STAGED``.
2. ``deploy(image)`` finds the ``READY`` production deployment whose
   ``meta.imageDigest`` equals the image's digest and promotes it
   (``POST /v10/projects/{projectId}/promote/{deploymentId}``), then waits as
   ``vercel promote`` does (:meth:`VercelClient.wait_for_promotion`): a failed or
   skipped promote job ends the wait at once, an active rolling release of the
   deployment counts as success (traffic is moving to it). With ``health_path`` set,
   the deployment's URL is then probed, with the ``x-vercel-protection-bypass``
   header when ``protection_bypass`` is given.
3. ``running()`` reads the project's current production deployment
   (``targets.production``) and its ``meta``.

When no deployment carries the digest, ``deploy`` raises
:class:`~mosaic_sdk.errors.UnsupportedOperationError` naming that workaround: the SDK
never builds or guesses a source for an image.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timezone
from typing import TYPE_CHECKING

import attrs

from mosaic_sdk._http import AsyncHTTPClient, HTTPClient, RetryPolicy
from mosaic_sdk.errors import (
    APIError,
    DeploymentTimeoutError,
    InvalidValueError,
    UnsupportedOperationError,
)
from mosaic_sdk.providers._flow import Call, Flow, Sleep, arun_flow, run_flow
from mosaic_sdk.providers._protocol import (
    Deployment,
    DeploymentStatus,
    RunningRelease,
    TargetState,
    TargetStatus,
    pinned_digest,
)
from mosaic_sdk.providers.vercel._client import (
    AsyncVercelClient,
    VercelClient,
    get_deployment_flow,
    get_project_flow,
    list_deployments_flow,
    promote_flow,
    wait_for_promotion_flow,
)
from mosaic_sdk.providers.vercel._models import (
    PromotionState,
    ProtectionBypass,
    ReadyState,
    VercelDeployment,
)
from mosaic_sdk.values import Digest, ImageReference

if TYPE_CHECKING:
    import httpx

__all__ = [
    "DIGEST_META_KEY",
    "IMAGE_META_KEY",
    "VERSION_META_KEY",
    "AsyncVercelDeploymentTarget",
    "VercelDeploymentTarget",
]

#: Deployment ``meta`` key holding the image digest the deployment corresponds to.
DIGEST_META_KEY = "imageDigest"
#: Deployment ``meta`` key holding the release version.
VERSION_META_KEY = "version"
#: Deployment ``meta`` key holding the full image reference.
IMAGE_META_KEY = "image"

DEFAULT_SEARCH_LIMIT = 100
DEFAULT_PROMOTE_TIMEOUT = 300.0
DEFAULT_POLL_INTERVAL = 5.0
DEFAULT_HEALTH_TIMEOUT = 60.0
_PROBE_TIMEOUT = 10.0
_ANY_STATUS = range(100, 600)

_IN_PROGRESS = frozenset({ReadyState.QUEUED, ReadyState.INITIALIZING, ReadyState.BUILDING})


def _now() -> datetime:
    return datetime.now(timezone.utc)


class _TargetCore:
    def __init__(
        self,
        project_id: str,
        *,
        digest_meta_key: str,
        version_meta_key: str,
        image_meta_key: str,
        search_limit: int,
        promote_timeout: float,
        poll_interval: float,
        health_path: str | None,
        protection_bypass: ProtectionBypass | None,
        health_timeout: float,
    ) -> None:
        if not isinstance(project_id, str) or not project_id.strip():
            raise InvalidValueError(project_id, "project id is empty", "pass 'prj_...' or its name")
        for key in (digest_meta_key, version_meta_key, image_meta_key):
            if not isinstance(key, str) or not key:
                raise InvalidValueError(key, "meta key is empty", "use e.g. 'imageDigest'")
        if not isinstance(search_limit, int) or search_limit < 1:
            raise InvalidValueError(search_limit, "search_limit must be at least 1", "use 100")
        if promote_timeout <= 0 or poll_interval <= 0:
            raise InvalidValueError(
                (promote_timeout, poll_interval),
                "promote_timeout and poll_interval must be positive seconds",
                "use e.g. promote_timeout=300, poll_interval=5",
            )
        if health_path is not None and (
            not isinstance(health_path, str) or not health_path.startswith("/")
        ):
            raise InvalidValueError(health_path, "is not a URL path", "pass e.g. '/api/health'")
        if protection_bypass is not None and not isinstance(protection_bypass, ProtectionBypass):
            raise InvalidValueError(
                type(protection_bypass).__name__,
                "protection_bypass= is not a ProtectionBypass",
                "pass ProtectionBypass(secret) (the secret from Project Settings > "
                "Deployment Protection > Protection Bypass for Automation)",
            )
        if health_timeout <= 0:
            raise InvalidValueError(health_timeout, "health_timeout must be positive", "use 60")
        self._verify: bool | str = True
        self.health_path = health_path
        self.protection_bypass = protection_bypass
        self.health_timeout = health_timeout
        self.project_id = project_id
        self.digest_meta_key = digest_meta_key
        self.version_meta_key = version_meta_key
        self.image_meta_key = image_meta_key
        self.search_limit = search_limit
        self.promote_timeout = promote_timeout
        self.poll_interval = poll_interval
        self.name = f"vercel:{project_id}"
        self.supports_traffic_split = False

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.name!r})"

    def find_flow(self, digest: Digest) -> Flow[VercelDeployment | None]:
        """The newest READY production deployment whose meta names ``digest``."""
        until: int | None = None
        seen = 0
        while seen < self.search_limit:
            page = yield from list_deployments_flow(
                self.project_id,
                target="production",
                state=ReadyState.READY,
                limit=min(100, self.search_limit - seen),
                since=None,
                until=until,
                rollback_candidate=None,
                branch=None,
                sha=None,
            )
            for deployment in page.deployments:
                if deployment.meta.get(self.digest_meta_key) == str(digest):
                    return deployment
            seen += len(page.deployments)
            if page.next_until is None or not page.deployments:
                break
            until = page.next_until
        return None

    def _result(
        self,
        found: VercelDeployment,
        image: ImageReference,
        status: DeploymentStatus,
        started: datetime,
        detail: str,
    ) -> Deployment:
        return Deployment(
            id=found.id,
            target=self.name,
            image=image,
            status=status,
            started_at=started,
            finished_at=_now() if status.is_terminal else None,
            detail=detail,
        )

    def deploy_flow(
        self, image: ImageReference, clock: Callable[[], float]
    ) -> Flow[tuple[Deployment, VercelDeployment | None]]:
        """Promote and wait; returns the deployment report and, when it should be
        probed, the Vercel deployment serving it."""
        digest = pinned_digest(image)  # refuses tags before any I/O
        started = _now()
        project = yield from get_project_flow(self.project_id)
        live = project.production
        if live is not None and live.meta.get(self.digest_meta_key) == str(digest):
            done = self._result(
                live,
                image,
                DeploymentStatus.SUCCEEDED,
                started,
                f"{live.url} already serves production",
            )
            return done, live
        found = yield from self.find_flow(digest)
        if found is None:
            raise UnsupportedOperationError(
                f"Vercel builds from source and cannot run image {image}; no READY production "
                f"deployment of project {self.project_id!r} among the newest "
                f"{self.search_limit} has meta {self.digest_meta_key}={digest}",
                workaround=(
                    "build the Vercel deployment from the same commit as the image with "
                    f"target='production' and meta {{'{self.digest_meta_key}': '{digest}'}} "
                    f"(vercel deploy --prod --skip-domain --meta {self.digest_meta_key}={digest}, "
                    "or VercelClient.create_deployment(..., meta=...)), then deploy again"
                ),
            )
        yield from promote_flow(self.project_id, found.id)
        try:
            outcome = yield from wait_for_promotion_flow(
                self.project_id,
                found.id,
                timeout=self.promote_timeout,
                poll_interval=self.poll_interval,
                clock=clock,
            )
        except DeploymentTimeoutError as exc:
            return self._result(found, image, DeploymentStatus.FAILED, started, exc.message), None
        if outcome.state is PromotionState.QUEUED:
            return self._result(
                found, image, DeploymentStatus.QUEUED, started, outcome.detail
            ), None
        if not outcome.ok:
            return self._result(
                found, image, DeploymentStatus.FAILED, started, outcome.detail
            ), None
        detail = (
            f"promoted {found.url} to production"
            if outcome.state is PromotionState.SUCCEEDED
            else outcome.detail
        )
        return self._result(found, image, DeploymentStatus.SUCCEEDED, started, detail), found

    def health_flow(
        self, deployment: VercelDeployment, clock: Callable[[], float], *, once: bool = False
    ) -> Flow[tuple[bool, str]]:
        """Probe ``https://<deployment url><health_path>`` until it answers 2xx/3xx
        (``once``: a single probe). Sent without the API token; with
        ``x-vercel-protection-bypass`` when :attr:`protection_bypass` is set."""
        assert self.health_path is not None
        url = f"{deployment.https_url}{self.health_path}"
        headers = self.protection_bypass.headers() if self.protection_bypass else None
        deadline = clock() + (0.0 if once else self.health_timeout)
        attempts = 0
        while True:
            attempts += 1
            response = yield Call("GET", url, headers=headers, allow_status=_ANY_STATUS)
            assert response is not None
            status = response.status_code
            if status < 400:
                return True, f"{url} answered {status}"
            problem = f"health check {url} answered {status} after {attempts} attempt(s)"
            if status in (401, 403):
                problem += (
                    "; the deployment is behind Deployment Protection: pass "
                    "protection_bypass=ProtectionBypass(secret) with the secret from Project "
                    "Settings > Deployment Protection > Protection Bypass for Automation"
                    if self.protection_bypass is None
                    else "; the protection bypass secret was refused: copy it again from "
                    "Project Settings > Deployment Protection"
                )
            remaining = deadline - clock()
            if remaining <= 0:
                return False, problem
            yield Sleep(min(self.poll_interval, remaining))

    def _probe_client(self, transport: httpx.BaseTransport | None) -> HTTPClient:
        return HTTPClient(
            provider="vercel-health",
            timeout=_PROBE_TIMEOUT,
            retry=RetryPolicy.none(),
            verify=self._verify,
            transport=transport,
        )

    def _async_probe_client(self, transport: httpx.AsyncBaseTransport | None) -> AsyncHTTPClient:
        return AsyncHTTPClient(
            provider="vercel-health",
            timeout=_PROBE_TIMEOUT,
            retry=RetryPolicy.none(),
            verify=self._verify,
            transport=transport,
        )

    def _after_probe(self, deployment: Deployment, ok: bool, detail: str) -> Deployment:
        if ok:
            return attrs.evolve(deployment, detail=f"{deployment.detail}; {detail}")
        return attrs.evolve(
            deployment,
            status=DeploymentStatus.FAILED,
            finished_at=_now(),
            detail=f"{deployment.detail}, but {detail}",
        )

    def _production_flow(self) -> Flow[VercelDeployment | None]:
        project = yield from get_project_flow(self.project_id)
        production = project.production
        if production is not None and not production.meta:
            # The project's target summary may omit meta; the deployment has it.
            production = yield from get_deployment_flow(production.id)
        return production

    def running_flow(self) -> Flow[RunningRelease]:
        production = yield from self._production_flow()
        if production is None:
            return RunningRelease()
        digest: Digest | None = None
        image: ImageReference | None = None
        try:
            raw_digest = production.meta.get(self.digest_meta_key)
            digest = Digest.parse(raw_digest) if raw_digest else None
        except InvalidValueError:
            digest = None
        try:
            raw_image = production.meta.get(self.image_meta_key)
            image = ImageReference.parse(raw_image) if raw_image else None
        except InvalidValueError:
            image = None
        version = production.meta.get(self.version_meta_key) or None
        return RunningRelease(digest=digest, version=version, image=image)

    def status_flow(self) -> Flow[tuple[TargetStatus, VercelDeployment | None]]:
        """The folded ``readyState`` of production and the deployment to probe."""
        project = yield from get_project_flow(self.project_id)
        production = project.production
        if production is None:
            failed = TargetStatus(
                TargetState.FAILED, f"project {self.project_id!r} has no production deployment"
            )
            return failed, None
        state = production.ready_state
        detail = f"{production.id} {state.value}" + (
            f" ({production.ready_substate})" if production.ready_substate else ""
        )
        if state is ReadyState.READY:
            return TargetStatus(TargetState.HEALTHY, detail), production
        if state in _IN_PROGRESS:
            return TargetStatus(TargetState.DEPLOYING, detail), None
        if state.is_failure or state is ReadyState.DELETED:
            return TargetStatus(TargetState.FAILED, detail), None
        return TargetStatus(TargetState.UNKNOWN, detail), None


def _probed_status(status: TargetStatus, ok: bool, detail: str) -> TargetStatus:
    if ok:
        return TargetStatus(status.state, f"{status.detail}; {detail}")
    return TargetStatus(TargetState.DEGRADED, f"{status.detail}, but {detail}")


_ARGS_DOC = """
    Args:
        client: a {client}.
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


class VercelDeploymentTarget(_TargetCore):
    """Promote the Vercel deployment built for an image digest to production.

    See the module documentation for the workflow; in short, ``deploy(image)`` needs a
    ``READY`` production deployment whose ``meta.imageDigest`` equals the image's
    digest, promotes it (no rebuild) and waits until production serves it (or a
    rolling release shifts traffic to it).
    """

    __doc__ = (__doc__ or "") + _ARGS_DOC.format(client=":class:`VercelClient`")

    def __init__(
        self,
        client: VercelClient,
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
        health_transport: httpx.BaseTransport | None = None,
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

    def _probe(self, deployment: VercelDeployment, *, once: bool = False) -> tuple[bool, str]:
        flow = self.health_flow(deployment, self.client.clock, once=once)
        try:
            with self._probe_client(self._health_transport) as http:
                result: tuple[bool, str] = run_flow(http, flow, self.client.sleep)
        except APIError as exc:
            return False, f"health check of {deployment.https_url} failed: {exc.message}"
        return result

    def deploy(self, image: ImageReference) -> Deployment:
        """Promote the deployment built for ``image``'s digest and wait until it serves.

        Calls ``GET /v9/projects/{id}``, ``GET /v6/deployments`` (the digest search),
        ``POST /v10/projects/{id}/promote/{deploymentId}``, then waits like
        :meth:`VercelClient.wait_for_promotion`. Returns FAILED at once when Vercel's
        promote job fails (naming the aliases it could not move) or is skipped,
        SUCCEEDED when production serves it or a rolling release shifts traffic to it,
        QUEUED when it waits behind another active rolling release.

        Raises:
            InvalidValueError: ``image`` is not pinned by digest (nothing is called).
            UnsupportedOperationError: no READY production deployment carries the
                digest in its meta; the message names how to create one.
        """
        result, serving = self.client._run(self.deploy_flow(image, self.client.clock))
        if self.health_path is None or serving is None:
            return result  # type: ignore[no-any-return]
        ok, detail = self._probe(serving)
        return self._after_probe(result, ok, detail)

    def running(self) -> RunningRelease:
        """Digest, version and image from the production deployment's meta."""
        result: RunningRelease = self.client._run(self.running_flow())
        return result

    def status(self) -> TargetStatus:
        """The production deployment's ``readyState``, folded; with ``health_path``, a
        READY production that fails one probe is DEGRADED."""
        status, production = self.client._run(self.status_flow())
        if self.health_path is None or production is None:
            return status  # type: ignore[no-any-return]
        ok, detail = self._probe(production, once=True)
        return _probed_status(status, ok, detail)


class AsyncVercelDeploymentTarget(_TargetCore):
    """Asynchronous twin of :class:`VercelDeploymentTarget` over an
    :class:`AsyncVercelClient`."""

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
        health_transport: httpx.AsyncBaseTransport | None = None,
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

    async def _probe(self, deployment: VercelDeployment, *, once: bool = False) -> tuple[bool, str]:
        flow = self.health_flow(deployment, self.client.clock, once=once)
        try:
            async with self._async_probe_client(self._health_transport) as http:
                result: tuple[bool, str] = await arun_flow(http, flow, self.client.sleep)
        except APIError as exc:
            return False, f"health check of {deployment.https_url} failed: {exc.message}"
        return result

    async def deploy(self, image: ImageReference) -> Deployment:
        """See :meth:`VercelDeploymentTarget.deploy`."""
        result, serving = await self.client._run(self.deploy_flow(image, self.client.clock))
        if self.health_path is None or serving is None:
            return result  # type: ignore[no-any-return]
        ok, detail = await self._probe(serving)
        return self._after_probe(result, ok, detail)

    async def running(self) -> RunningRelease:
        """See :meth:`VercelDeploymentTarget.running`."""
        result: RunningRelease = await self.client._run(self.running_flow())
        return result

    async def status(self) -> TargetStatus:
        """See :meth:`VercelDeploymentTarget.status`."""
        status, production = await self.client._run(self.status_flow())
        if self.health_path is None or production is None:
            return status  # type: ignore[no-any-return]
        ok, detail = await self._probe(production, once=True)
        return _probed_status(status, ok, detail)
