"""Typed models of the Portainer API answers the SDK reads.

Portainer's JSON casing is inconsistent: the CE server sends Go field names for fields
without a JSON tag (``GitConfig``, ``CreationDate``, ``URL``, ``ReferenceName``), the EE
swagger documents camelCase (``gitConfig``, ``creationDate``, ``url``), and the Docker
proxy answers with Docker's capitalised names (``Id``, ``Names``, ``State``). Every
``from_api`` here looks fields up case-insensitively, so all of them parse.
"""

from __future__ import annotations

import enum
import re
from collections.abc import Mapping, Sequence
from datetime import datetime, timezone
from typing import Any

import attrs

from mosaic_sdk._core._redact import is_secret_key, register_secret
from mosaic_sdk._render import FieldsRepr, TextRepr
from mosaic_sdk.errors import APIResponseValidationError, InvalidValueError
from mosaic_sdk.values import Digest

__all__ = [
    "COMPOSE_PROJECT_LABEL",
    "COMPOSE_SERVICE_LABEL",
    "OCI_VERSION_LABEL",
    "SWARM_SERVICE_LABEL",
    "ContainerHealth",
    "ContainerState",
    "GitAuthentication",
    "GitConfig",
    "PortainerContainer",
    "PortainerEndpoint",
    "PortainerStack",
    "StackEnvVar",
    "StackStatus",
    "StackType",
    "SwarmTask",
    "TaskState",
]

#: Label Docker Compose puts on every container of a project (= Portainer stack name).
COMPOSE_PROJECT_LABEL = "com.docker.compose.project"
#: Label Docker Compose puts on every container with its compose service name.
COMPOSE_SERVICE_LABEL = "com.docker.compose.service"
#: Label swarm puts on task containers: ``<stack>_<service>`` for stack services.
SWARM_SERVICE_LABEL = "com.docker.swarm.service.name"
#: OCI image label carrying the release version (inherited by the container's labels).
OCI_VERSION_LABEL = "org.opencontainers.image.version"

_DIGEST_IN_REF = re.compile(r"@([a-z0-9]+(?:[+._-][a-z0-9]+)*:[a-zA-Z0-9=_-]+)$")
_HEALTH_IN_STATUS = re.compile(r"\((healthy|unhealthy|health: starting)\)")


def _fold(raw: Any, what: str) -> dict[str, Any]:
    """``raw`` as a dict whose keys are lower-cased (``Id``, ``id`` and ``ID`` agree)."""
    if not isinstance(raw, Mapping):
        raise APIResponseValidationError(
            f"expected a JSON object for {what}, got {type(raw).__name__}: {str(raw)[:200]!r}",
            provider="portainer",
        )
    return {str(key).lower(): value for key, value in raw.items()}


def _required(fields: Mapping[str, Any], key: str, kind: type, what: str) -> Any:
    value = fields.get(key.lower())
    if not isinstance(value, kind) or (isinstance(value, bool) and kind is not bool):
        raise APIResponseValidationError(
            f"{what} has no valid {key!r} field (got {value!r}); the Portainer answer "
            "does not match the documented model",
            provider="portainer",
        )
    return value


def _str(fields: Mapping[str, Any], key: str) -> str:
    value = fields.get(key.lower())
    return value if isinstance(value, str) else ""


def _int(fields: Mapping[str, Any], key: str, default: int = 0) -> int:
    value = fields.get(key.lower())
    if isinstance(value, int) and not isinstance(value, bool):
        return value
    return default


def _timestamp(fields: Mapping[str, Any], key: str) -> datetime | None:
    value = _int(fields, key)
    return datetime.fromtimestamp(value, tz=timezone.utc) if value > 0 else None


class StackType(TextRepr, enum.IntEnum):
    """Portainer stack type (``Stack.Type``)."""

    UNKNOWN = 0
    SWARM = 1
    COMPOSE = 2
    KUBERNETES = 3

    @classmethod
    def from_api(cls, value: int) -> StackType:
        """The member for ``value``; :attr:`UNKNOWN` for values newer servers may add."""
        try:
            return cls(value)
        except ValueError:
            return cls.UNKNOWN


class StackStatus(TextRepr, enum.IntEnum):
    """Portainer stack status (``Stack.Status``): started, stopped, and on newer CE the
    state of the background deploy; **not** health.

    CE 2.23 knows only ``ACTIVE``/``INACTIVE`` (``api/portainer.go:1832-1836``). Newer CE
    deploys in the background and adds ``DEPLOYING`` (set before the deploy starts) and
    ``ERROR`` (the deploy failed; the reason is in ``DeploymentStatus``). Use
    :meth:`~mosaic_sdk.providers.portainer.PortainerClient.stack_containers` for the
    real state of the containers.
    """

    UNKNOWN = 0
    ACTIVE = 1
    INACTIVE = 2
    DEPLOYING = 3
    ERROR = 4

    @classmethod
    def from_api(cls, value: int) -> StackStatus:
        """The member for ``value``; :attr:`UNKNOWN` for anything else."""
        try:
            return cls(value)
        except ValueError:
            return cls.UNKNOWN


@attrs.frozen
class StackEnvVar(FieldsRepr):
    """One stack environment variable (Portainer ``Pair``: ``{"name", "value"}``).

    The value is hidden from the repr: stack variables often hold credentials.
    """

    name: str
    value: str = attrs.field(repr=False)

    def __attrs_post_init__(self) -> None:
        # A variable named like a credential keeps its value out of every later log line
        # and error message, even ones that echo a request body.
        if is_secret_key(self.name):
            register_secret(self.value)

    @classmethod
    def from_api(cls, raw: Any) -> StackEnvVar:
        """Parse one ``{"name": ..., "value": ...}`` item (any casing)."""
        fields = _fold(raw, "a stack environment variable")
        name = _required(fields, "name", str, "a stack environment variable")
        value = fields.get("value")
        return cls(name=name, value="" if value is None else str(value))

    def to_api(self) -> dict[str, str]:
        """The ``Pair`` object Portainer expects in ``env`` lists."""
        return {"name": self.name, "value": self.value}


@attrs.frozen
class GitAuthentication(FieldsRepr):
    """Stored git credentials of a stack, minus the password (Portainer never returns it).

    Attributes:
        username: the stored user name, possibly empty.
        git_credential_id: id of a saved git credential (EE), or 0.
    """

    username: str = ""
    git_credential_id: int = 0

    @classmethod
    def from_api(cls, raw: Any) -> GitAuthentication:
        """Parse ``GitConfig.Authentication`` (any casing)."""
        fields = _fold(raw, "git authentication")
        return cls(
            username=_str(fields, "username"), git_credential_id=_int(fields, "gitCredentialID")
        )


@attrs.frozen
class GitConfig(FieldsRepr):
    """Where a git-based stack comes from (``Stack.GitConfig``).

    Attributes:
        url: the repository URL.
        reference_name: the git reference deployed (``refs/heads/main``).
        config_file_path: path of the compose file inside the repository.
        config_hash: commit hash of the last deployment.
        authentication: stored credentials, or ``None`` for a public repository.
    """

    url: str
    reference_name: str
    config_file_path: str = ""
    config_hash: str = ""
    authentication: GitAuthentication | None = None

    @classmethod
    def from_api(cls, raw: Any) -> GitConfig:
        """Parse ``GitConfig`` (CE Go names) or ``gitConfig`` (EE camelCase)."""
        fields = _fold(raw, "a stack git config")
        auth = fields.get("authentication")
        return cls(
            url=_str(fields, "url"),
            reference_name=_str(fields, "referenceName"),
            config_file_path=_str(fields, "configFilePath"),
            config_hash=_str(fields, "configHash"),
            authentication=GitAuthentication.from_api(auth) if isinstance(auth, Mapping) else None,
        )


@attrs.frozen
class PortainerEndpoint(FieldsRepr):
    """A Portainer environment (``GET /api/endpoints`` item).

    Attributes:
        id: the environment id (``endpointId`` in stack calls).
        name: its display name.
        type: Portainer's environment type (1 Docker, 2 agent, 4 edge agent, 5-7
            Kubernetes variants).
        status: 1 up, 2 down.
        url: the Docker or agent URL Portainer connects to.
        public_url: where published ports are reachable, when set.
        group_id: the environment group.
    """

    id: int
    name: str
    type: int = 0
    status: int = 0
    url: str = ""
    public_url: str = ""
    group_id: int = 0

    @property
    def is_up(self) -> bool:
        """True when Portainer last saw the environment up (``Status == 1``)."""
        return self.status == 1

    @classmethod
    def from_api(cls, raw: Any) -> PortainerEndpoint:
        """Parse one environment object (any casing)."""
        fields = _fold(raw, "an environment")
        return cls(
            id=_required(fields, "Id", int, "an environment"),
            name=_str(fields, "Name"),
            type=_int(fields, "Type"),
            status=_int(fields, "Status"),
            url=_str(fields, "URL"),
            public_url=_str(fields, "PublicURL"),
            group_id=_int(fields, "GroupId"),
        )


@attrs.frozen
class PortainerStack(FieldsRepr):
    """A Portainer stack (``GET /api/stacks/{id}``).

    Attributes:
        id: the stack id.
        name: the stack name; for compose stacks also the compose project name, so its
            containers carry ``com.docker.compose.project=<name>``.
        type: swarm, compose or kubernetes.
        endpoint_id: the environment the stack runs on.
        status: started or stopped (not health).
        env: the stack's environment variables, in Portainer's order.
        entry_point: path of the stack file.
        swarm_id: the swarm cluster id (swarm stacks only).
        git_config: where a git-based stack comes from; ``None`` for file stacks.
        created_at: creation time (UTC), when known.
        updated_at: last update time (UTC), when known.
        updated_by: who made the last update.
        webhook: the stack's webhook id (``AutoUpdate.Webhook``), or ``""``. Anyone
            who knows it can redeploy the stack, so it is kept out of the repr.
        deployment_error: on newer CE, the message of the last failed background
            deploy (``DeploymentStatus``) while :attr:`status` is ``ERROR``; else ``""``.
    """

    id: int
    name: str
    type: StackType
    endpoint_id: int
    status: StackStatus = StackStatus.UNKNOWN
    env: tuple[StackEnvVar, ...] = ()
    entry_point: str = ""
    swarm_id: str = ""
    git_config: GitConfig | None = None
    created_at: datetime | None = None
    updated_at: datetime | None = None
    updated_by: str = ""
    webhook: str = attrs.field(default="", repr=False)
    deployment_error: str = ""

    @property
    def is_git(self) -> bool:
        """True when the stack is deployed from a git repository."""
        return self.git_config is not None

    def env_dict(self) -> dict[str, str]:
        """The environment as a ``{name: value}`` dict (later duplicates win)."""
        return {var.name: var.value for var in self.env}

    @classmethod
    def from_api(cls, raw: Any) -> PortainerStack:
        """Parse a stack object (CE Go names and EE camelCase both accepted)."""
        fields = _fold(raw, "a stack")
        env_raw = fields.get("env") or []
        if not isinstance(env_raw, list):
            raise APIResponseValidationError(
                f"stack 'Env' must be a list, got {env_raw!r}", provider="portainer"
            )
        git = fields.get("gitconfig")
        auto_update = fields.get("autoupdate")
        # CE: AutoUpdate.Webhook (api/portainer.go:41-52); EE also has a top-level webhook.
        webhook = (
            _str(_fold(auto_update, "AutoUpdate"), "Webhook")
            if isinstance(auto_update, Mapping)
            else ""
        )
        status = StackStatus.from_api(_int(fields, "Status"))
        return cls(
            id=_required(fields, "Id", int, "a stack"),
            name=_required(fields, "Name", str, "a stack"),
            type=StackType.from_api(_int(fields, "Type")),
            endpoint_id=_int(fields, "EndpointId"),
            status=status,
            env=tuple(StackEnvVar.from_api(item) for item in env_raw),
            entry_point=_str(fields, "EntryPoint"),
            swarm_id=_str(fields, "SwarmId"),
            git_config=GitConfig.from_api(git) if isinstance(git, Mapping) else None,
            created_at=_timestamp(fields, "CreationDate"),
            updated_at=_timestamp(fields, "UpdateDate"),
            updated_by=_str(fields, "UpdatedBy"),
            webhook=webhook or _str(fields, "Webhook"),
            deployment_error=_deployment_error(fields) if status is StackStatus.ERROR else "",
        )


def _deployment_error(fields: Mapping[str, Any]) -> str:
    # Newer CE stackutils.UpdateStackStatusFromDeploymentResult appends
    # {Status: Error, Message: err.Error()} to DeploymentStatus.
    entries = fields.get("deploymentstatus")
    if not isinstance(entries, list):
        return "the stack is in error state"
    for entry in reversed(entries):
        if isinstance(entry, Mapping):
            item = _fold(entry, "a deployment status")
            if _int(item, "Status") == StackStatus.ERROR and _str(item, "Message"):
                return _str(item, "Message")
    return "the stack is in error state"


class ContainerState(TextRepr, enum.Enum):
    """Docker's container state (``State`` in ``/containers/json``)."""

    CREATED = "created"
    RESTARTING = "restarting"
    RUNNING = "running"
    REMOVING = "removing"
    PAUSED = "paused"
    EXITED = "exited"
    DEAD = "dead"
    UNKNOWN = "unknown"

    @classmethod
    def from_api(cls, value: object) -> ContainerState:
        """The member for Docker's word (any case); :attr:`UNKNOWN` otherwise."""
        try:
            return cls(str(value).lower())
        except ValueError:
            return cls.UNKNOWN


class ContainerHealth(TextRepr, enum.Enum):
    """Result of the container's health check; ``NONE`` when it has no check."""

    HEALTHY = "healthy"
    UNHEALTHY = "unhealthy"
    STARTING = "starting"
    NONE = "none"


def _health(fields: Mapping[str, Any]) -> ContainerHealth:
    # Docker API >= 1.52 adds a Health object to the summary; older engines only
    # mention it inside the human Status text ("Up 3 minutes (healthy)").
    health = fields.get("health")
    if isinstance(health, Mapping):
        word = str(_fold(health, "container health").get("status", "")).lower()
        for member in ContainerHealth:
            if member.value == word:
                return member
    match = _HEALTH_IN_STATUS.search(_str(fields, "Status"))
    if match is None:
        return ContainerHealth.NONE
    word = match.group(1)
    return ContainerHealth.STARTING if word == "health: starting" else ContainerHealth(word)


def _digest_or_none(text: str) -> Digest | None:
    try:
        return Digest.parse(text)
    except InvalidValueError:
        return None


@attrs.frozen
class PortainerContainer(FieldsRepr):
    """A container of a stack, as the Docker engine reports it through Portainer's proxy.

    Attributes:
        id: the container id.
        names: container names without the leading ``/``.
        image: the image reference as configured (``repo@sha256:...`` for pinned
            images, ``repo:tag`` otherwise).
        image_id: the local image id (digest of the image config, **not** the
            registry digest).
        image_digest: the registry digest the container was created from, when the
            configured reference is pinned by digest.
        manifest_digest: the platform manifest digest Docker reports in
            ``ImageManifestDescriptor`` (Docker API >= 1.48 with the containerd image
            store), when present. For a multi-platform image this is the child
            manifest, not the index.
        state: Docker's state (``running``, ``exited``...).
        status: Docker's human status text (``"Up 3 minutes (healthy)"``).
        health: the health check result.
        service: the compose service (``com.docker.compose.service`` label), or the
            swarm service name, when labelled.
        version: the ``org.opencontainers.image.version`` label, when present.
        created_at: creation time (UTC), when known.
        labels: every label of the container (image labels included).
    """

    id: str
    names: tuple[str, ...]
    image: str
    image_id: str
    state: ContainerState
    status: str = ""
    health: ContainerHealth = ContainerHealth.NONE
    image_digest: Digest | None = None
    manifest_digest: Digest | None = None
    service: str = ""
    version: str | None = None
    created_at: datetime | None = None
    labels: Mapping[str, str] = attrs.field(factory=dict, repr=False, hash=False)

    @property
    def is_running(self) -> bool:
        """True when the container is running."""
        return self.state is ContainerState.RUNNING

    @property
    def is_healthy(self) -> bool:
        """True when running and healthy, or running without a health check."""
        return self.is_running and self.health in (ContainerHealth.HEALTHY, ContainerHealth.NONE)

    def stack_service(self, stack_name: str) -> str:
        """The service name inside the stack file: the compose service label, or for a
        swarm task container ``com.docker.swarm.service.name`` without the
        ``<stack>_`` prefix that ``docker stack deploy`` adds."""
        compose = self.labels.get(COMPOSE_SERVICE_LABEL)
        if compose:
            return compose
        return self.service.removeprefix(f"{stack_name}_")

    @classmethod
    def from_api(cls, raw: Any) -> PortainerContainer:
        """Parse one ``GET /containers/json`` item (Docker's casing or lower case)."""
        fields = _fold(raw, "a container")
        labels_raw = fields.get("labels") or {}
        labels = (
            {str(k): str(v) for k, v in labels_raw.items()}
            if isinstance(labels_raw, Mapping)
            else {}
        )
        names_raw = fields.get("names") or []
        names = (
            tuple(str(n).lstrip("/") for n in names_raw) if isinstance(names_raw, Sequence) else ()
        )
        image = _str(fields, "Image")
        match = _DIGEST_IN_REF.search(image)
        descriptor = fields.get("imagemanifestdescriptor")
        manifest_digest = None
        if isinstance(descriptor, Mapping):
            manifest_digest = _digest_or_none(_str(_fold(descriptor, "a descriptor"), "digest"))
        return cls(
            id=_required(fields, "Id", str, "a container"),
            names=names,
            image=image,
            image_id=_str(fields, "ImageID"),
            state=ContainerState.from_api(fields.get("state", "")),
            status=_str(fields, "Status"),
            health=_health(fields),
            image_digest=_digest_or_none(match.group(1)) if match else None,
            manifest_digest=manifest_digest,
            service=labels.get(COMPOSE_SERVICE_LABEL) or labels.get(SWARM_SERVICE_LABEL, ""),
            version=labels.get(OCI_VERSION_LABEL),
            created_at=_timestamp(fields, "Created"),
            labels=labels,
        )


class TaskState(TextRepr, enum.Enum):
    """A swarm task's state (``Status.State`` in ``GET /tasks``, moby ``api/types/swarm``).

    A task whose container has a health check stays ``STARTING`` until the check
    passes, and fails when it turns unhealthy.
    """

    NEW = "new"
    ALLOCATED = "allocated"
    PENDING = "pending"
    ASSIGNED = "assigned"
    ACCEPTED = "accepted"
    PREPARING = "preparing"
    READY = "ready"
    STARTING = "starting"
    RUNNING = "running"
    COMPLETE = "complete"
    SHUTDOWN = "shutdown"
    FAILED = "failed"
    REJECTED = "rejected"
    REMOVE = "remove"
    ORPHANED = "orphaned"
    UNKNOWN = "unknown"

    @classmethod
    def from_api(cls, value: object) -> TaskState:
        """The member for Docker's word (any case); :attr:`UNKNOWN` otherwise."""
        try:
            return cls(str(value).lower())
        except ValueError:
            return cls.UNKNOWN

    @property
    def is_starting(self) -> bool:
        """True for the states before ``running`` (the task is on its way up)."""
        return self in _TASK_STARTING


_TASK_STARTING = frozenset(
    {
        TaskState.NEW,
        TaskState.ALLOCATED,
        TaskState.PENDING,
        TaskState.ASSIGNED,
        TaskState.ACCEPTED,
        TaskState.PREPARING,
        TaskState.READY,
        TaskState.STARTING,
    }
)


@attrs.frozen
class SwarmTask(FieldsRepr):
    """One task of a swarm service (``GET /api/endpoints/{id}/docker/tasks`` item).

    Attributes:
        id: the task id.
        service_id: the service it belongs to.
        slot: the replica slot (0 for global services).
        image: the image the task runs (``repo:tag@sha256:...`` once resolved).
        image_digest: the digest in :attr:`image`, when present.
        state: the observed state.
        desired_state: what swarm wants (``running`` for current tasks, ``shutdown``
            for replaced ones).
        error: ``Status.Err`` (why a task failed), or ``""``.
        message: ``Status.Message``.
        container_id: the task's container, once created.
    """

    id: str
    service_id: str
    image: str
    state: TaskState
    desired_state: TaskState
    slot: int = 0
    image_digest: Digest | None = None
    error: str = ""
    message: str = ""
    container_id: str = ""

    @classmethod
    def from_api(cls, raw: Any) -> SwarmTask:
        """Parse one Docker task object."""
        fields = _fold(raw, "a swarm task")
        spec = _fold(fields.get("spec") or {}, "a task spec")
        container_spec = _fold(spec.get("containerspec") or {}, "a container spec")
        status = _fold(fields.get("status") or {}, "a task status")
        container_status = _fold(status.get("containerstatus") or {}, "a container status")
        image = _str(container_spec, "Image")
        match = _DIGEST_IN_REF.search(image)
        return cls(
            id=_required(fields, "ID", str, "a swarm task"),
            service_id=_str(fields, "ServiceID"),
            image=image,
            state=TaskState.from_api(status.get("state", "")),
            desired_state=TaskState.from_api(fields.get("desiredstate", "")),
            slot=_int(fields, "Slot"),
            image_digest=_digest_or_none(match.group(1)) if match else None,
            error=_str(status, "Err"),
            message=_str(status, "Message"),
            container_id=_str(container_status, "ContainerID"),
        )
