"""Portainer: typed clients (sync and async), a webhook client and a digest-pinning
deployment target for compose and swarm stacks.

See ``docs/providers/portainer.md`` for the endpoints used and the API's traps (the
environment list is replaced on update, git redeploy needs an explicit reference,
newer CE deploys in the background, casing differs between CE and EE).
"""

from mosaic_sdk.providers.portainer._async.client import (
    AsyncPortainerClient,
    AsyncPortainerWebhookClient,
)
from mosaic_sdk.providers.portainer._async.target import AsyncPortainerDeploymentTarget
from mosaic_sdk.providers.portainer._models import (
    COMPOSE_PROJECT_LABEL,
    COMPOSE_SERVICE_LABEL,
    OCI_VERSION_LABEL,
    SWARM_SERVICE_LABEL,
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
    SwarmTask,
    TaskState,
)
from mosaic_sdk.providers.portainer._requests import merge_env
from mosaic_sdk.providers.portainer._sync.client import PortainerClient, PortainerWebhookClient
from mosaic_sdk.providers.portainer._sync.target import PortainerDeploymentTarget

__all__ = [
    "COMPOSE_PROJECT_LABEL",
    "COMPOSE_SERVICE_LABEL",
    "OCI_VERSION_LABEL",
    "SWARM_SERVICE_LABEL",
    "AsyncPortainerClient",
    "AsyncPortainerDeploymentTarget",
    "AsyncPortainerWebhookClient",
    "ContainerHealth",
    "ContainerState",
    "GitAuthentication",
    "GitConfig",
    "PortainerClient",
    "PortainerContainer",
    "PortainerDeploymentTarget",
    "PortainerEndpoint",
    "PortainerStack",
    "PortainerWebhookClient",
    "StackEnvVar",
    "StackStatus",
    "StackType",
    "SwarmTask",
    "TaskState",
    "merge_env",
]
