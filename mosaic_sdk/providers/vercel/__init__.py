"""Vercel: typed REST client (sync and async) and a promote-by-digest deployment target.

See ``docs/providers/vercel.md`` for the endpoints and versions used, the rate-limit
shape, Deployment Protection and how an image digest maps to a Vercel deployment.
"""

from mosaic_sdk.providers.vercel._client import (
    DEFAULT_BASE_URL,
    PATHS,
    AsyncVercelClient,
    VercelClient,
    rate_limit_wait,
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
    VercelAlias,
    VercelCert,
    VercelDeployment,
    VercelEnvVar,
    VercelEnvVarInfo,
    VercelProject,
)
from mosaic_sdk.providers.vercel._target import (
    DIGEST_META_KEY,
    IMAGE_META_KEY,
    VERSION_META_KEY,
    AsyncVercelDeploymentTarget,
    VercelDeploymentTarget,
)

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
    "VercelAlias",
    "VercelCert",
    "VercelClient",
    "VercelDeployment",
    "VercelDeploymentTarget",
    "VercelEnvVar",
    "VercelEnvVarInfo",
    "VercelProject",
    "rate_limit_wait",
]
