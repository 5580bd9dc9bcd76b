"""Vercel: typed REST client (sync and async) and a promote-by-digest deployment target.

The clients and targets are written once, asynchronously, in ``_async/``; the
synchronous twins in ``_sync/`` are generated from them (``make generate``). Requests
and answers are built and read without I/O in ``_requests.py``.

See ``docs/providers/vercel.md`` for the endpoints and versions used, the rate-limit
shape, Deployment Protection and how an image digest maps to a Vercel deployment.
"""

from mosaic_sdk.providers.vercel._async.client import AsyncVercelClient
from mosaic_sdk.providers.vercel._async.target import (
    AsyncVercelDeploymentTarget,
    AsyncVercelRollingReleaseTarget,
)
from mosaic_sdk.providers.vercel._models import (
    PROTECTION_BYPASS_HEADER,
    AliasAssignment,
    AliasJobStatus,
    BuildEvent,
    DeploymentPage,
    EnvType,
    GitSource,
    LastAliasRequest,
    PromoteAlias,
    PromotionOutcome,
    PromotionState,
    ProtectionBypass,
    ReadyState,
    RollingRelease,
    RollingReleaseConfig,
    RollingReleaseStage,
    VercelAlias,
    VercelCert,
    VercelDeployment,
    VercelEnvVar,
    VercelEnvVarInfo,
    VercelProject,
)
from mosaic_sdk.providers.vercel._requests import DEFAULT_BASE_URL, PATHS, rate_limit_wait
from mosaic_sdk.providers.vercel._sync.client import VercelClient
from mosaic_sdk.providers.vercel._sync.target import (
    VercelDeploymentTarget,
    VercelRollingReleaseTarget,
)
from mosaic_sdk.providers.vercel._target import DIGEST_META_KEY, IMAGE_META_KEY, VERSION_META_KEY

__all__ = [
    "DEFAULT_BASE_URL",
    "DIGEST_META_KEY",
    "IMAGE_META_KEY",
    "PATHS",
    "PROTECTION_BYPASS_HEADER",
    "VERSION_META_KEY",
    "AliasAssignment",
    "AliasJobStatus",
    "AsyncVercelClient",
    "AsyncVercelDeploymentTarget",
    "AsyncVercelRollingReleaseTarget",
    "BuildEvent",
    "DeploymentPage",
    "EnvType",
    "GitSource",
    "LastAliasRequest",
    "PromoteAlias",
    "PromotionOutcome",
    "PromotionState",
    "ProtectionBypass",
    "ReadyState",
    "RollingRelease",
    "RollingReleaseConfig",
    "RollingReleaseStage",
    "VercelAlias",
    "VercelCert",
    "VercelClient",
    "VercelDeployment",
    "VercelDeploymentTarget",
    "VercelEnvVar",
    "VercelEnvVarInfo",
    "VercelProject",
    "VercelRollingReleaseTarget",
    "rate_limit_wait",
]
