"""The deployment Protocols: what every place a release can run offers.

Release workflows (promotion, blue/green, canary, rollback) depend only on these
Protocols, never on a concrete provider, so the Coolify, Portainer and Vercel adapters,
:class:`~mosaic_sdk.providers.ComposeFileTarget` and test fakes are interchangeable. One
conformance suite (``tests/contract/test_deployment_target.py``) runs against every
implementation.

Shared contract of every implementation:

* :meth:`DeploymentTarget.deploy` accepts only an image **pinned by digest**
  (``repo@sha256:...``). Anything else raises
  :class:`~mosaic_sdk.errors.InvalidValueError` before any I/O and changes nothing: a tag
  can move after the deploy, so what runs could never be named or rolled back.
* ``deploy`` returns when the target has finished rolling the release out (or has
  given up). A rollout that ends failed or cancelled is **returned**, with
  :attr:`Deployment.status` saying so; API failures (authentication, conflicts, a full
  deploy queue after retries) **raise** the SDK's typed errors.
* :meth:`DeploymentTarget.running` reports what the target says is deployed now:
  the digest when it is known, and the version label when the target exposes one.
* :meth:`DeploymentTarget.status` reports health, folded into the five
  :class:`TargetState` values so workflows can compare providers.
"""

from __future__ import annotations

import enum
from collections.abc import Mapping
from datetime import datetime
from typing import Protocol, runtime_checkable

import attrs

from mosaic_sdk._render import FieldsRepr, JSONResult, TextRepr
from mosaic_sdk.errors import InvalidValueError
from mosaic_sdk.values import Digest, ImageReference

__all__ = [
    "AsyncDeploymentTarget",
    "AsyncTrafficSplitter",
    "Deployment",
    "DeploymentStatus",
    "DeploymentTarget",
    "RunningRelease",
    "TargetState",
    "TargetStatus",
    "TrafficSplitter",
    "pinned_digest",
    "validate_traffic_weights",
]


class DeploymentStatus(TextRepr, enum.Enum):
    """Where one deployment is in its life, the same words for every provider.

    Coolify's ``queued``/``in_progress``/``finished``/``failed``/``cancelled-by-user``,
    Vercel's ``QUEUED``/``BUILDING``/``READY``/``ERROR``/``CANCELED`` and Portainer's
    synchronous answers all map onto these.
    """

    QUEUED = "queued"
    IN_PROGRESS = "in_progress"
    SUCCEEDED = "succeeded"
    FAILED = "failed"
    CANCELLED = "cancelled"

    @property
    def is_terminal(self) -> bool:
        """True once the deployment can no longer change (succeeded, failed, cancelled)."""
        return self in _TERMINAL


_TERMINAL = frozenset(
    {DeploymentStatus.SUCCEEDED, DeploymentStatus.FAILED, DeploymentStatus.CANCELLED}
)


class TargetState(TextRepr, enum.Enum):
    """Health of a deployment target, folded into five values.

    ``HEALTHY``: running and passing its health checks (or running without checks).
    ``DEGRADED``: running, but some part is unhealthy or stopped.
    ``DEPLOYING``: a rollout or restart is under way.
    ``FAILED``: not running, or the last rollout failed.
    ``UNKNOWN``: the target cannot tell.
    """

    HEALTHY = "healthy"
    DEGRADED = "degraded"
    DEPLOYING = "deploying"
    FAILED = "failed"
    UNKNOWN = "unknown"


@attrs.frozen
class TargetStatus(FieldsRepr, JSONResult):
    """Health of a target at one moment.

    Attributes:
        state: the folded state.
        detail: the provider's own words (``"running:healthy"``, ``"2/3 containers
            running"``), for humans and logs.
    """

    state: TargetState
    detail: str = ""

    @property
    def ok(self) -> bool:
        """True when :attr:`state` is :attr:`TargetState.HEALTHY`."""
        return self.state is TargetState.HEALTHY

    @property
    def healthy(self) -> bool:
        """Same as :attr:`ok` (the older spelling, kept for one release)."""
        return self.ok

    def __str__(self) -> str:
        return f"{self.state.value}" + (f" ({self.detail})" if self.detail else "")


@attrs.frozen
class Deployment(FieldsRepr, JSONResult):
    """One rollout of an image to a target.

    Attributes:
        id: the provider's deployment id (Coolify deployment uuid, Vercel ``dpl_...``,
            or a local id for targets without one).
        target: :attr:`DeploymentTarget.name` of the target it ran on.
        image: the digest-pinned image that was deployed.
        status: where the rollout is (terminal when ``deploy`` returns, unless the
            target was told not to wait).
        started_at: when the rollout started, when known (timezone-aware UTC).
        finished_at: when it reached a terminal state, when known.
        detail: the provider's own status words or message, for humans.
    """

    id: str
    target: str
    image: ImageReference
    status: DeploymentStatus
    started_at: datetime | None = None
    finished_at: datetime | None = None
    detail: str = ""

    @property
    def ok(self) -> bool:
        """True when the rollout finished successfully."""
        return self.status is DeploymentStatus.SUCCEEDED

    @property
    def succeeded(self) -> bool:
        """Same as :attr:`ok` (the older spelling, kept for one release)."""
        return self.ok

    def __str__(self) -> str:
        return f"{self.id} on {self.target}: {self.status.value} ({self.image})"

    @property
    def digest(self) -> Digest:
        """The digest that was deployed."""
        return pinned_digest(self.image)


@attrs.frozen
class RunningRelease(FieldsRepr, JSONResult):
    """What a target says is deployed now.

    Every field is optional: a target may know the image but not its version label, or
    run a tag-only image whose digest it cannot tell.

    Attributes:
        digest: the content digest of the running image, when known.
        version: the release version (``org.opencontainers.image.version`` label, or
            the provider's own notion), when known.
        image: the full image reference as configured on the target, when known.
        detail: why a field is unknown, or where the answer came from, for humans.
    """

    digest: Digest | None = None
    version: str | None = None
    image: ImageReference | None = None
    detail: str = attrs.field(default="", eq=False)

    @property
    def ok(self) -> bool:
        """True when the target told which digest it runs."""
        return self.digest is not None

    def __str__(self) -> str:
        parts = [str(self.digest) if self.digest else "digest unknown"]
        if self.version:
            parts.append(f"version {self.version}")
        return ", ".join(parts)


def pinned_digest(image: ImageReference) -> Digest:
    """Return the digest ``image`` is pinned by, or refuse it.

    Every :meth:`DeploymentTarget.deploy` calls this first. It is stricter than
    :meth:`ImageReference.require_pinned`: an immutable tag (``v1.2.3``, ``sha-...``) is
    immutable only by convention, so a deploy still needs the digest.

    Raises:
        ForbiddenTagError: the tag is ``latest`` or ``dev`` (an :class:`InvalidValueError`).
        InvalidValueError: ``image`` carries no digest.
    """
    if not isinstance(image, ImageReference):
        raise InvalidValueError(
            image,
            "is not an ImageReference",
            "pass ImageReference.parse('repository@sha256:<64 hex>')",
        )
    image.require_pinned()
    if image.digest is None:
        raise InvalidValueError(
            str(image),
            "is not pinned by digest; a tag can be moved after the deploy",
            f"resolve it with the registry and deploy '{image.name}@sha256:<64 hex>'",
        )
    return image.digest


def validate_traffic_weights(weights: Mapping[Digest, int]) -> dict[Digest, int]:
    """Check a traffic split and return it as a plain dict.

    Weights are whole percentages, each 0..100, summing to exactly 100.

    Raises:
        InvalidValueError: an empty split, a negative or too large weight, or a sum
            other than 100.
    """
    split = dict(weights)
    if not split:
        raise InvalidValueError(
            split, "a traffic split needs at least one release", "pass {digest: 100}"
        )
    for digest, weight in split.items():
        if not isinstance(weight, int) or isinstance(weight, bool) or not 0 <= weight <= 100:
            raise InvalidValueError(
                weight,
                f"weight of {digest} must be a whole percentage from 0 to 100",
                "use integers such as {stable: 90, canary: 10}",
            )
    total = sum(split.values())
    if total != 100:
        raise InvalidValueError(
            {str(d): w for d, w in split.items()},
            f"weights add up to {total}, not 100",
            "make the percentages sum to exactly 100",
        )
    return split


@runtime_checkable
class DeploymentTarget(Protocol):
    """A place a digest-pinned image can be deployed to (synchronous).

    Attributes:
        name: a stable, human-readable name for logs and evidence
            (``"coolify:app-uuid"``, ``"compose:deploy/compose.yaml#web"``).
        supports_traffic_split: True when the target also implements
            :class:`TrafficSplitter` (needed by canary releases).
    """

    name: str
    supports_traffic_split: bool

    def deploy(self, image: ImageReference) -> Deployment:
        """Roll ``image`` (pinned by digest) out and return the finished deployment.

        Raises:
            InvalidValueError: ``image`` is not pinned by digest (nothing is changed).
        """
        ...

    def running(self) -> RunningRelease:
        """Report what is deployed now."""
        ...

    def status(self) -> TargetStatus:
        """Report the health of the target."""
        ...


@runtime_checkable
class AsyncDeploymentTarget(Protocol):
    """The asynchronous twin of :class:`DeploymentTarget`: the same members, awaited."""

    name: str
    supports_traffic_split: bool

    async def deploy(self, image: ImageReference) -> Deployment:
        """See :meth:`DeploymentTarget.deploy`."""
        ...

    async def running(self) -> RunningRelease:
        """See :meth:`DeploymentTarget.running`."""
        ...

    async def status(self) -> TargetStatus:
        """See :meth:`DeploymentTarget.status`."""
        ...


@runtime_checkable
class TrafficSplitter(Protocol):
    """A target that can split traffic between releases (for canary releases)."""

    def set_traffic(self, weights: Mapping[Digest, int]) -> None:
        """Send each deployed digest its share of traffic, in whole percent summing to
        100 (check with :func:`validate_traffic_weights`).

        Raises:
            InvalidValueError: the weights are malformed or name a digest that is not
                deployed on the target.
        """
        ...


@runtime_checkable
class AsyncTrafficSplitter(Protocol):
    """The asynchronous twin of :class:`TrafficSplitter`."""

    async def set_traffic(self, weights: Mapping[Digest, int]) -> None:
        """See :meth:`TrafficSplitter.set_traffic`."""
        ...
