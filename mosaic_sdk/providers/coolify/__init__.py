"""Coolify v4: :class:`CoolifyClient` / :class:`AsyncCoolifyClient`, their models, the
compose helpers and :class:`CoolifyDeploymentTarget`."""

from mosaic_sdk.providers.coolify._client import (
    DEFAULT_RATE_LIMIT_PERIOD,
    DEFAULT_RATE_LIMIT_REQUESTS,
    AsyncCoolifyClient,
    ComposeSavedUrlsRejectedError,
    CoolifyClient,
    DeploymentNotQueuedError,
    SensitiveDataHiddenError,
    parse_coolify_version,
    rate_limit_key,
)
from mosaic_sdk.providers.coolify._compose import (
    decode_compose_raw,
    encode_compose_raw,
    to_list_style_env,
)
from mosaic_sdk.providers.coolify._models import (
    CoolifyApplication,
    CoolifyDeployment,
    CoolifyDeploymentStatus,
    CoolifyEnvironment,
    CoolifyEnvVar,
    CoolifyLogEntry,
    CoolifyProject,
    CoolifyRollbackImage,
    CoolifyRollbackImages,
    CoolifyService,
    CoolifyServiceApplication,
    DeployResult,
    EnvVarInput,
    ResourceStatus,
    ServiceUpdateResult,
)
from mosaic_sdk.providers.coolify._target import (
    AsyncCoolifyDeploymentTarget,
    CoolifyDeploymentTarget,
    target_state_of,
)

__all__ = [
    "DEFAULT_RATE_LIMIT_PERIOD",
    "DEFAULT_RATE_LIMIT_REQUESTS",
    "AsyncCoolifyClient",
    "AsyncCoolifyDeploymentTarget",
    "ComposeSavedUrlsRejectedError",
    "CoolifyApplication",
    "CoolifyClient",
    "CoolifyDeployment",
    "CoolifyDeploymentStatus",
    "CoolifyDeploymentTarget",
    "CoolifyEnvVar",
    "CoolifyEnvironment",
    "CoolifyLogEntry",
    "CoolifyProject",
    "CoolifyRollbackImage",
    "CoolifyRollbackImages",
    "CoolifyService",
    "CoolifyServiceApplication",
    "DeployResult",
    "DeploymentNotQueuedError",
    "EnvVarInput",
    "ResourceStatus",
    "SensitiveDataHiddenError",
    "ServiceUpdateResult",
    "decode_compose_raw",
    "encode_compose_raw",
    "parse_coolify_version",
    "rate_limit_key",
    "target_state_of",
    "to_list_style_env",
]
