"""Coolify v4: :class:`CoolifyClient` / :class:`AsyncCoolifyClient`, their models, the
compose helpers and :class:`CoolifyDeploymentTarget`.

The clients and targets are written once, asynchronously, in ``_async/``; the
synchronous twins in ``_sync/`` are generated from them (``make generate``). Requests
and answers are built and read without I/O in ``_requests.py``.
"""

from mosaic_sdk.errors import DeploymentNotQueuedError
from mosaic_sdk.providers.coolify._async.client import AsyncCoolifyClient
from mosaic_sdk.providers.coolify._async.target import AsyncCoolifyDeploymentTarget
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
from mosaic_sdk.providers.coolify._requests import (
    DEFAULT_RATE_LIMIT_PERIOD,
    DEFAULT_RATE_LIMIT_REQUESTS,
    ComposeSavedUrlsRejectedError,
    SensitiveDataHiddenError,
    parse_coolify_version,
    rate_limit_key,
)
from mosaic_sdk.providers.coolify._sync.client import CoolifyClient
from mosaic_sdk.providers.coolify._sync.target import CoolifyDeploymentTarget
from mosaic_sdk.providers.coolify._target import target_state_of

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
