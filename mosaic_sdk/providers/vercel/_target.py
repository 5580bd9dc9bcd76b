"""Vercel as a :class:`~mosaic_sdk.providers.DeploymentTarget`: the I/O-free half.

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

The targets themselves (the requests and their order) are written once in
``_async/target.py``; this module holds what both twins share without I/O: argument
checks, the digest match, the reports and the folding of states.
"""

from __future__ import annotations

from datetime import datetime, timezone

import attrs

from mosaic_sdk._core._repr import safe_repr
from mosaic_sdk.errors import (
    ConfigurationError,
    DeploymentTimeoutError,
    InvalidValueError,
    TrafficSplitMismatchError,
    UnsupportedOperationError,
)
from mosaic_sdk.providers._protocol import (
    Deployment,
    DeploymentStatus,
    RunningRelease,
    TargetState,
    TargetStatus,
)
from mosaic_sdk.providers.vercel._models import (
    PromotionOutcome,
    PromotionState,
    ProtectionBypass,
    ReadyState,
    RollingRelease,
    RollingReleaseConfig,
    VercelDeployment,
    VercelProject,
)
from mosaic_sdk.values import Digest, ImageReference

__all__ = ["DIGEST_META_KEY", "IMAGE_META_KEY", "VERSION_META_KEY"]

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
PROBE_TIMEOUT = 10.0
ANY_STATUS = range(100, 600)

_IN_PROGRESS = frozenset({ReadyState.QUEUED, ReadyState.INITIALIZING, ReadyState.BUILDING})


def _now() -> datetime:
    return datetime.now(timezone.utc)


class _TargetCore:
    #: What ``supports_traffic_split`` is set to (True on the rolling-release target).
    _splits_traffic = False

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
        self.supports_traffic_split = self._splits_traffic

    @safe_repr
    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.name!r})"

    def carries(self, deployment: VercelDeployment, digest: Digest) -> bool:
        """Whether ``deployment``'s meta names ``digest``."""
        return deployment.meta.get(self.digest_meta_key) == str(digest)

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

    def already_serving(
        self, live: VercelDeployment, image: ImageReference, started: datetime
    ) -> Deployment:
        """The report when production already serves the image's deployment."""
        return self._result(
            live,
            image,
            DeploymentStatus.SUCCEEDED,
            started,
            f"{live.url} already serves production",
        )

    def not_found(self, image: ImageReference, digest: Digest) -> UnsupportedOperationError:
        """The error when no READY production deployment carries ``digest``."""
        return UnsupportedOperationError(
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

    def timed_out(
        self,
        found: VercelDeployment,
        image: ImageReference,
        started: datetime,
        error: DeploymentTimeoutError,
    ) -> Deployment:
        """The report of a promotion that did not land in time: FAILED."""
        return self._result(found, image, DeploymentStatus.FAILED, started, error.message)

    def promotion_result(
        self,
        found: VercelDeployment,
        image: ImageReference,
        started: datetime,
        outcome: PromotionOutcome,
    ) -> tuple[Deployment, VercelDeployment | None]:
        """The report of a finished promotion wait and, when it succeeded, the
        deployment to probe."""
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

    def health_url(self, deployment: VercelDeployment) -> str:
        """``https://<deployment url><health_path>``."""
        assert self.health_path is not None
        return f"{deployment.https_url}{self.health_path}"

    def health_problem(self, url: str, status: int, attempts: int) -> str:
        """What a failing probe answer means, with the fix for a protected deployment."""
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
        return problem

    def _after_probe(self, deployment: Deployment, ok: bool, detail: str) -> Deployment:
        if ok:
            return attrs.evolve(deployment, detail=f"{deployment.detail}; {detail}")
        return attrs.evolve(
            deployment,
            status=DeploymentStatus.FAILED,
            finished_at=_now(),
            detail=f"{deployment.detail}, but {detail}",
        )

    def release_of(self, production: VercelDeployment | None) -> RunningRelease:
        """Digest, version and image read from the production deployment's meta."""
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

    def status_of(self, project: VercelProject) -> tuple[TargetStatus, VercelDeployment | None]:
        """The folded ``readyState`` of production and the deployment to probe."""
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


# -- rolling releases as a traffic splitter --------------------------------------------------

_CONFIGURE_HOW = (
    "VercelClient.configure_rolling_release({project!r}, [10, 25, 50]) (manual approval; "
    "100 is appended), or `vercel rolling-release configure --enable "
    "--advancement-type=manual-approval --stage=10 --stage=25 --stage=50`; a new config "
    "applies to the next release, never to one in flight"
)


@attrs.frozen
class TrafficPlan:
    """What ``set_traffic`` will do to the project's rolling release (I/O-free).

    Attributes:
        action: ``serving`` (no release in flight and production already serves the
            one digest asked for), ``hold`` (the split is already in place), ``approve`` (advance to
            ``stage_index``), ``complete`` (100 % to the canary) or ``abort`` (instant
            rollback to the current deployment).
        stage_index: the stage the release must reach (``approve``/``hold``).
        percentage: the canary's share after the action.
        deployment_id: the canary (approve, complete) or the deployment rolled back to.
    """

    action: str
    stage_index: int | None
    percentage: int
    deployment_id: str


class _RollingCore:
    """The checks of the rolling-release splitter, shared by both twins."""

    project_id: str
    name: str

    def checked_config(self, config: RollingReleaseConfig | None) -> RollingReleaseConfig:
        """The project's stage model, or why it cannot back a traffic splitter.

        Raises:
            ConfigurationError: rolling releases are disabled, or a stage advances on
                Vercel's timer (the split would move without ``set_traffic``).
        """
        how = _CONFIGURE_HOW.format(project=self.project_id)
        if config is None or not config.stages:
            raise ConfigurationError(
                f"project {self.project_id!r} has no rolling releases configured, so "
                f"{self.name} cannot split traffic (a promote would move 100% at once); "
                f"configure its stages with {how}"
            )
        if not config.manual:
            raise ConfigurationError(
                f"project {self.project_id!r} advances its rolling-release stages "
                f"{list(config.percentages)} on a timer, so a traffic split set by the SDK "
                "would move by itself while the gates run; reconfigure with manual "
                f"approval: {how}"
            )
        return config

    def unknown_digest(
        self, split: dict[Digest, int], known: dict[str, Digest | None]
    ) -> InvalidValueError:
        """A split naming a digest that is neither the canary nor the current release."""
        names = ", ".join(f"{role} {digest}" for role, digest in known.items() if digest)
        return InvalidValueError(
            {str(d): w for d, w in split.items()},
            f"names a digest that is not in the rolling release of {self.project_id!r} "
            f"({names or 'none'})",
            "deploy the candidate first (its promote starts the rolling release), then "
            "split between the current and the candidate digest",
        )

    def plan(
        self,
        split: dict[Digest, int],
        release: RollingRelease | None,
        canary: Digest | None,
        current: Digest | None,
        stages: tuple[int, ...],
        production: Digest | None,
    ) -> TrafficPlan:
        """Map ``split`` onto the release's fixed stages.

        Raises:
            InvalidValueError: a weight that is not a configured stage (naming the stages
                and how to configure them), a step backwards, or a digest outside the
                release.
        """
        shares = {d: w for d, w in split.items() if w > 0}
        active = release is not None and release.state.upper() == "ACTIVE"
        if not active or release is None:
            if production is not None and shares == {production: 100}:
                return TrafficPlan("serving", None, 0, "")
            raise self.unknown_digest(split, {"production": production})
        known = {"current": current, "canary": canary}
        if any(d not in (canary, current) for d in shares):
            raise self.unknown_digest(split, known)
        canary_id = release.canary_deployment_id or ""
        if shares == {current: 100}:
            return TrafficPlan("abort", None, 0, release.current_deployment_id or "")
        if shares == {canary: 100}:
            return TrafficPlan("complete", None, 100, canary_id)
        weight = shares.get(canary, 0) if canary is not None else 0
        reachable = [p for p in stages if p != 100]
        if weight not in reachable:
            raise InvalidValueError(
                weight,
                f"is not a stage of the rolling release of {self.project_id!r}: Vercel "
                f"fixes the stages per project and only {reachable} (then 100 to complete, "
                "or 0 to abort) can be reached",
                "use those shares as the canary steps, or change the stages with "
                + _CONFIGURE_HOW.format(project=self.project_id),
            )
        index = stages.index(weight)
        now = release.active_stage_index
        if now is not None and index < now:
            raise InvalidValueError(
                weight,
                f"would move the rolling release of {self.project_id!r} back from stage "
                f"{now + 1} ({stages[now]}%): Vercel's stages only advance",
                "send all traffic back with set_traffic({stable: 100}) (an instant "
                "rollback), or keep the share",
            )
        action = "hold" if index == now else "approve"
        return TrafficPlan(action, index, weight, canary_id)

    def mismatch(self, plan: TrafficPlan, release: RollingRelease | None, serving: str) -> None:
        """Compare the release read back with the plan; raise when they differ.

        Raises:
            TrafficSplitMismatchError: the release is not where ``plan`` put it.
        """
        if plan.action in ("hold", "approve"):
            ok = (
                release is not None
                and release.is_active
                and release.canary_deployment_id == plan.deployment_id
                and release.active_stage_index == plan.stage_index
                and release.active_percentage == plan.percentage
            )
        else:
            ok = (release is None or release.state.upper() != "ACTIVE") and (
                serving == plan.deployment_id
            )
        if ok:
            return
        got = (
            f"{release.state} at {release.active_percentage:g}% to {release.canary_deployment_id}"
            if release is not None and release.active_percentage is not None
            else (release.state if release is not None else "no rolling release")
        )
        expected = {"canary": plan.percentage}
        actual = {
            "canary": round(release.active_percentage)
            if release is not None and release.is_active and release.active_percentage is not None
            else (100 if serving == plan.deployment_id and plan.action == "complete" else 0)
        }
        raise TrafficSplitMismatchError(
            f"{self.name}: after {plan.action} the rolling release reads {got} and production "
            f"serves {serving}, not the {plan.percentage}% asked for; another writer or "
            "Vercel's own timer moved it: read it with VercelClient.get_rolling_release",
            expected=expected,
            actual=actual,
        )
