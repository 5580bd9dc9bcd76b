"""Deployment targets: the :class:`DeploymentTarget` Protocol and its implementations.

Provider clients live in sub-packages (``mosaic_sdk.providers.coolify`` ...,
``mosaic_sdk.providers.haproxy`` for the traffic-splitting ``HAProxySplitter``) and are
imported on first use; this package itself only loads the Protocols and the file-based
:class:`ComposeFileTarget`.
"""

from mosaic_sdk.providers._protocol import (
    AsyncDeploymentTarget,
    AsyncTrafficSplitter,
    Deployment,
    DeploymentStatus,
    DeploymentTarget,
    RunningRelease,
    TargetState,
    TargetStatus,
    TrafficSplitter,
    pinned_digest,
    validate_traffic_weights,
)
from mosaic_sdk.providers.compose_target import (
    AsyncComposeFileTarget,
    ComposeFileTarget,
    HistoryEntry,
)

__all__ = [
    "AsyncComposeFileTarget",
    "AsyncDeploymentTarget",
    "AsyncTrafficSplitter",
    "ComposeFileTarget",
    "Deployment",
    "DeploymentStatus",
    "DeploymentTarget",
    "HistoryEntry",
    "RunningRelease",
    "TargetState",
    "TargetStatus",
    "TrafficSplitter",
    "pinned_digest",
    "validate_traffic_weights",
]
