"""Deployment targets: the :class:`DeploymentTarget` Protocol and its implementations.

Provider clients live in sub-packages (``mosaic_sdk.providers.coolify`` ...,
``mosaic_sdk.providers.haproxy`` for the traffic-splitting ``HAProxySplitter``) and are
imported on first use; so are the Protocols and the file-based :class:`ComposeFileTarget`.
"""

# Submodules load on first use (PEP 562): a validation report names the Protocols; only
# a compose target needs the file-backed target and its thread adapter.
from __future__ import annotations

from typing import TYPE_CHECKING

from mosaic_sdk._core._lazy import lazy_exports

if TYPE_CHECKING:
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

_LAZY: dict[str, str] = {
    "AsyncDeploymentTarget": "mosaic_sdk.providers._protocol",
    "AsyncTrafficSplitter": "mosaic_sdk.providers._protocol",
    "Deployment": "mosaic_sdk.providers._protocol",
    "DeploymentStatus": "mosaic_sdk.providers._protocol",
    "DeploymentTarget": "mosaic_sdk.providers._protocol",
    "RunningRelease": "mosaic_sdk.providers._protocol",
    "TargetState": "mosaic_sdk.providers._protocol",
    "TargetStatus": "mosaic_sdk.providers._protocol",
    "TrafficSplitter": "mosaic_sdk.providers._protocol",
    "pinned_digest": "mosaic_sdk.providers._protocol",
    "validate_traffic_weights": "mosaic_sdk.providers._protocol",
    "AsyncComposeFileTarget": "mosaic_sdk.providers.compose_target",
    "ComposeFileTarget": "mosaic_sdk.providers.compose_target",
    "HistoryEntry": "mosaic_sdk.providers.compose_target",
}

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


__getattr__, __dir__ = lazy_exports(__name__, _LAZY, globals())
