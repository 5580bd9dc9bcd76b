"""Portainer: typed client (sync and async) and a digest-pinning deployment target.

See ``docs/providers/portainer.md`` for the endpoints used and the API's traps (the
environment list is replaced on update, git redeploy needs an explicit reference,
casing differs between CE and EE).
"""

from mosaic_sdk.providers.portainer._client import (
    AsyncPortainerClient,
    PortainerClient,
    merge_env,
)
from mosaic_sdk.providers.portainer._models import (
    COMPOSE_PROJECT_LABEL,
    COMPOSE_SERVICE_LABEL,
    OCI_VERSION_LABEL,
    ContainerHealth,
    ContainerState,
    GitAuthentication,
    GitConfig,
    PortainerContainer,
    PortainerEndpoint,
    PortainerStack,
    StackEnvVar,
    StackStatus,
    StackType,
)
from mosaic_sdk.providers.portainer._target import (
    AsyncPortainerDeploymentTarget,
    PortainerDeploymentTarget,
)

__all__ = [
    "COMPOSE_PROJECT_LABEL",
    "COMPOSE_SERVICE_LABEL",
    "OCI_VERSION_LABEL",
    "AsyncPortainerClient",
    "AsyncPortainerDeploymentTarget",
    "ContainerHealth",
    "ContainerState",
    "GitAuthentication",
    "GitConfig",
    "PortainerClient",
    "PortainerContainer",
    "PortainerDeploymentTarget",
    "PortainerEndpoint",
    "PortainerStack",
    "StackEnvVar",
    "StackStatus",
    "StackType",
    "merge_env",
]
