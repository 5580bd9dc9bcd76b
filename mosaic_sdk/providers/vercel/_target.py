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
   (``POST /v10/projects/{projectId}/promote/{deploymentId}``), then waits until the
   project's production target points at it.
3. ``running()`` reads the project's current production deployment
   (``targets.production``) and its ``meta``.

When no deployment carries the digest, ``deploy`` raises
:class:`~mosaic_sdk.errors.UnsupportedOperationError` naming that workaround: the SDK
never builds or guesses a source for an image.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timezone

from mosaic_sdk.errors import InvalidValueError, UnsupportedOperationError
from mosaic_sdk.providers._flow import Flow, Sleep
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
)
from mosaic_sdk.providers.vercel._models import ReadyState, VercelDeployment
from mosaic_sdk.values import Digest, ImageReference

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

    def deploy_flow(self, image: ImageReference, clock: Callable[[], float]) -> Flow[Deployment]:
        digest = pinned_digest(image)  # refuses tags before any I/O
        started = _now()
        project = yield from get_project_flow(self.project_id)
        live = project.production
        if live is not None and live.meta.get(self.digest_meta_key) == str(digest):
            return Deployment(
                id=live.id,
                target=self.name,
                image=image,
                status=DeploymentStatus.SUCCEEDED,
                started_at=started,
                finished_at=_now(),
                detail=f"{live.url} already serves production",
            )
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
        deadline = clock() + self.promote_timeout
        while True:
            project = yield from get_project_flow(self.project_id)
            current = project.production
            if current is not None and current.id == found.id:
                return Deployment(
                    id=found.id,
                    target=self.name,
                    image=image,
                    status=DeploymentStatus.SUCCEEDED,
                    started_at=started,
                    finished_at=_now(),
                    detail=f"promoted {found.url} to production",
                )
            remaining = deadline - clock()
            if remaining <= 0:
                serving = current.id if current is not None else "nothing"
                return Deployment(
                    id=found.id,
                    target=self.name,
                    image=image,
                    status=DeploymentStatus.FAILED,
                    started_at=started,
                    finished_at=_now(),
                    detail=(
                        f"promotion of {found.id} did not land within "
                        f"{self.promote_timeout:g}s; production still serves {serving}"
                    ),
                )
            yield Sleep(min(self.poll_interval, remaining))

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

    def status_flow(self) -> Flow[TargetStatus]:
        project = yield from get_project_flow(self.project_id)
        production = project.production
        if production is None:
            return TargetStatus(
                TargetState.FAILED, f"project {self.project_id!r} has no production deployment"
            )
        state = production.ready_state
        detail = f"{production.id} {state.value}" + (
            f" ({production.ready_substate})" if production.ready_substate else ""
        )
        if state is ReadyState.READY:
            return TargetStatus(TargetState.HEALTHY, detail)
        if state in _IN_PROGRESS:
            return TargetStatus(TargetState.DEPLOYING, detail)
        if state.is_failure or state is ReadyState.DELETED:
            return TargetStatus(TargetState.FAILED, detail)
        return TargetStatus(TargetState.UNKNOWN, detail)


class VercelDeploymentTarget(_TargetCore):
    """Promote the Vercel deployment built for an image digest to production.

    See the module documentation for the workflow; in short, ``deploy(image)`` needs a
    ``READY`` production deployment whose ``meta.imageDigest`` equals the image's
    digest, promotes it (no rebuild) and waits until production serves it.

    Args:
        client: a :class:`VercelClient`.
        project_id: the project id (``prj_...``) or name.
        digest_meta_key: meta key holding the image digest.
        version_meta_key: meta key holding the release version (read by ``running``).
        image_meta_key: meta key holding the full image reference (read by ``running``).
        search_limit: how many recent READY production deployments to search.
        promote_timeout: seconds to wait for the promotion to land.
        poll_interval: seconds between checks.
    """

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
    ) -> None:
        super().__init__(
            project_id,
            digest_meta_key=digest_meta_key,
            version_meta_key=version_meta_key,
            image_meta_key=image_meta_key,
            search_limit=search_limit,
            promote_timeout=promote_timeout,
            poll_interval=poll_interval,
        )
        self.client = client

    def deploy(self, image: ImageReference) -> Deployment:
        """Promote the deployment built for ``image``'s digest and wait until it serves.

        Raises:
            InvalidValueError: ``image`` is not pinned by digest (nothing is called).
            UnsupportedOperationError: no READY production deployment carries the
                digest in its meta; the message names how to create one.
        """
        result: Deployment = self.client._run(self.deploy_flow(image, self.client.clock))
        return result

    def running(self) -> RunningRelease:
        """Digest, version and image from the production deployment's meta."""
        result: RunningRelease = self.client._run(self.running_flow())
        return result

    def status(self) -> TargetStatus:
        """The production deployment's ``readyState``, folded."""
        result: TargetStatus = self.client._run(self.status_flow())
        return result


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
    ) -> None:
        super().__init__(
            project_id,
            digest_meta_key=digest_meta_key,
            version_meta_key=version_meta_key,
            image_meta_key=image_meta_key,
            search_limit=search_limit,
            promote_timeout=promote_timeout,
            poll_interval=poll_interval,
        )
        self.client = client

    async def deploy(self, image: ImageReference) -> Deployment:
        """See :meth:`VercelDeploymentTarget.deploy`."""
        result: Deployment = await self.client._run(self.deploy_flow(image, self.client.clock))
        return result

    async def running(self) -> RunningRelease:
        """See :meth:`VercelDeploymentTarget.running`."""
        result: RunningRelease = await self.client._run(self.running_flow())
        return result

    async def status(self) -> TargetStatus:
        """See :meth:`VercelDeploymentTarget.status`."""
        result: TargetStatus = await self.client._run(self.status_flow())
        return result
