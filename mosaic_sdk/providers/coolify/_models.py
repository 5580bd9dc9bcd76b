"""Frozen models of the Coolify v4 API, built from the schemas of its published spec.

Each model has a ``from_api`` constructor that is tolerant: unknown fields are ignored
(Coolify adds fields often) and missing optional fields become ``None``. A field the SDK
cannot work without (a ``uuid``, a deployment ``status``) that is missing or has the
wrong type raises :class:`~mosaic_sdk.errors.APIResponseValidationError` naming the field.

Secrets in responses (environment variable values, webhook secrets, basic-auth
passwords) are either not modelled or kept out of ``repr``.
"""

from __future__ import annotations

import enum
import json
import re
from collections.abc import Mapping
from datetime import datetime, timezone
from typing import Any, TypeVar

import attrs

from mosaic_sdk._render import FieldsRepr, TextRepr
from mosaic_sdk.errors import APIResponseValidationError, InvalidValueError
from mosaic_sdk.values import Digest, ImageReference

__all__ = [
    "CoolifyApplication",
    "CoolifyDeployment",
    "CoolifyDeploymentStatus",
    "CoolifyEnvVar",
    "CoolifyEnvironment",
    "CoolifyLogEntry",
    "CoolifyProject",
    "CoolifyRollbackImage",
    "CoolifyRollbackImages",
    "CoolifyService",
    "CoolifyServiceApplication",
    "DeployResult",
    "EnvVarInput",
    "ResourceStatus",
    "ServiceUpdateResult",
]

PROVIDER = "coolify"
T = TypeVar("T")


def _invalid(what: str, field: str, problem: str) -> APIResponseValidationError:
    return APIResponseValidationError(
        f"{what} field {field!r} {problem}; the server's answer does not match the Coolify "
        "v4 API this SDK was built for (check the server version)",
        provider=PROVIDER,
    )


def _mapping(data: object, what: str) -> Mapping[str, Any]:
    if not isinstance(data, Mapping):
        raise APIResponseValidationError(
            f"expected a JSON object for {what}, got {type(data).__name__}",
            provider=PROVIDER,
        )
    return data


def _required_str(data: Mapping[str, Any], field: str, what: str) -> str:
    value = data.get(field)
    if value is None:
        raise _invalid(what, field, "is missing")
    if not isinstance(value, str) or not value:
        raise _invalid(what, field, f"should be a non-empty string, got {value!r}")
    return value


def _opt(data: Mapping[str, Any], field: str, kind: type[T], what: str) -> T | None:
    value = data.get(field)
    if value is None:
        return None
    if kind is int and isinstance(value, bool):
        raise _invalid(what, field, f"should be an integer, got {value!r}")
    if kind is str and isinstance(value, (int, float)) and not isinstance(value, bool):
        return str(value)  # type: ignore[return-value]  # ids sometimes arrive as numbers
    if not isinstance(value, kind):
        raise _invalid(what, field, f"should be {kind.__name__}, got {type(value).__name__}")
    return value


def _opt_bool(data: Mapping[str, Any], field: str, what: str) -> bool | None:
    value = data.get(field)
    if value is None:
        return None
    if isinstance(value, bool):
        return value
    if value in (0, 1):  # Laravel sometimes serialises booleans as 0/1
        return bool(value)
    raise _invalid(what, field, f"should be a boolean, got {value!r}")


def _opt_time(data: Mapping[str, Any], field: str, what: str) -> datetime | None:
    value = data.get(field)
    if value is None or value == "":
        return None
    if not isinstance(value, str):
        raise _invalid(what, field, f"should be a timestamp string, got {value!r}")
    text = value.strip().replace("Z", "+00:00")
    if " " in text and "T" not in text:
        text = text.replace(" ", "T", 1)  # "2026-08-22 10:00:00" (Laravel default)
    try:
        parsed = datetime.fromisoformat(text)
    except ValueError as exc:
        raise _invalid(what, field, f"is not an ISO 8601 timestamp: {value!r}") from exc
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=timezone.utc)


@attrs.frozen
class ResourceStatus(FieldsRepr):
    """A Coolify resource status such as ``running:healthy``, split in two.

    Coolify reports ``state:health`` strings (``running:healthy``, ``running:unknown``,
    ``degraded:unhealthy``, ``exited``, ``starting:unknown``...); a service whose
    containers are all excluded from health checks gets an ``:excluded`` suffix.

    Attributes:
        state: ``running``, ``degraded``, ``starting``, ``restarting``, ``exited``...
        health: ``healthy``, ``unhealthy``, ``unknown`` or ``""`` when absent.
        raw: the string as received.
    """

    state: str
    health: str
    raw: str

    @classmethod
    def parse(cls, text: object) -> ResourceStatus:
        """Split ``text`` (``None``, empty or not text gives state ``unknown``)."""
        if not isinstance(text, str) or not text:
            return cls("unknown", "", "")
        state, _, health = text.partition(":")
        health = health.split(":", 1)[0]  # drop ":excluded"
        return cls(state.strip().lower(), health.strip().lower(), text)

    @property
    def is_running(self) -> bool:
        """True when the state is ``running``."""
        return self.state == "running"

    @property
    def is_healthy(self) -> bool:
        """True when running and not reported unhealthy (``unknown`` means no check)."""
        return self.state == "running" and self.health in ("healthy", "unknown", "")

    def __str__(self) -> str:
        return self.raw


@attrs.frozen
class CoolifyProject(FieldsRepr):
    """A project (``GET /projects``)."""

    uuid: str
    name: str
    id: int | None = None
    description: str | None = None

    @classmethod
    def from_api(cls, data: object) -> CoolifyProject:
        """Build from the ``Project`` schema."""
        d = _mapping(data, "a project")
        return cls(
            uuid=_required_str(d, "uuid", "project"),
            name=_opt(d, "name", str, "project") or "",
            id=_opt(d, "id", int, "project"),
            description=_opt(d, "description", str, "project"),
        )


@attrs.frozen
class CoolifyEnvironment(FieldsRepr):
    """An environment of a project (``GET /projects/{uuid}/{environment}``).

    ``uuid`` is sent by the server but missing from the published ``Environment``
    schema, hence optional here.
    """

    name: str
    id: int | None = None
    uuid: str | None = None
    project_id: int | None = None
    description: str | None = None

    @classmethod
    def from_api(cls, data: object) -> CoolifyEnvironment:
        """Build from the ``Environment`` schema."""
        d = _mapping(data, "an environment")
        return cls(
            name=_required_str(d, "name", "environment"),
            id=_opt(d, "id", int, "environment"),
            uuid=_opt(d, "uuid", str, "environment"),
            project_id=_opt(d, "project_id", int, "environment"),
            description=_opt(d, "description", str, "environment"),
        )


def image_from_fields(name: str | None, tag: str | None) -> ImageReference | None:
    """The image an application pulls, from ``docker_registry_image_name`` and
    ``docker_registry_image_tag``.

    A digest is stored the way Coolify's own parser stores it: name ``repo@sha256`` and
    tag ``<64 hex>``; the deploy job pulls ``name:tag`` = ``repo@sha256:<hex>``.
    Returns ``None`` when the fields do not form a valid reference.
    """
    if not name:
        return None
    try:
        if "@" in name:
            repository, _, algorithm = name.partition("@")
            ref = ImageReference.parse(repository)
            if tag:
                ref = ref.with_digest(Digest.parse(f"{algorithm}:{tag}"))
            return ref
        return ImageReference.parse(f"{name}:{tag}" if tag else name)
    except InvalidValueError:
        return None


@attrs.frozen
class CoolifyApplication(FieldsRepr):
    """An application (``GET /applications``, ``GET /applications/{uuid}``).

    Attributes:
        uuid: the application uuid.
        name: its name.
        status: the parsed ``status`` string.
        build_pack: ``dockerimage``, ``dockerfile``, ``nixpacks``, ``dockercompose``...
        fqdn: the domains, comma-separated, as Coolify stores them.
        docker_registry_image_name: for ``dockerimage`` apps, the image name
            (``repo@sha256`` when pinned by digest).
        docker_registry_image_tag: the tag (the 64 hex of the digest when pinned).
    """

    uuid: str
    name: str
    status: ResourceStatus
    build_pack: str | None = None
    fqdn: str | None = None
    description: str | None = None
    docker_registry_image_name: str | None = None
    docker_registry_image_tag: str | None = None
    git_repository: str | None = None
    git_branch: str | None = None
    git_commit_sha: str | None = None
    environment_id: int | None = None
    destination_id: int | None = None
    created_at: datetime | None = None
    updated_at: datetime | None = None
    docker_compose_domains: str | None = None
    docker_compose_raw: str | None = attrs.field(default=None, repr=False)

    @property
    def compose_domains(self) -> dict[str, str]:
        """:attr:`docker_compose_domains` (stored as JSON ``{name: {"domain": ...}}``) as
        ``{compose service: domains}``; empty when unset or unreadable."""
        try:
            data = json.loads(self.docker_compose_domains or "{}")
        except ValueError:
            return {}
        if not isinstance(data, Mapping):
            return {}
        return {
            str(name): str(entry.get("domain") or "")
            for name, entry in data.items()
            if isinstance(entry, Mapping)
        }

    @property
    def image(self) -> ImageReference | None:
        """The configured image as a reference (with its digest when pinned)."""
        return image_from_fields(self.docker_registry_image_name, self.docker_registry_image_tag)

    @property
    def domains(self) -> tuple[str, ...]:
        """:attr:`fqdn` split on commas."""
        return tuple(d.strip() for d in (self.fqdn or "").split(",") if d.strip())

    @classmethod
    def from_api(cls, data: object) -> CoolifyApplication:
        """Build from the ``Application`` schema."""
        d = _mapping(data, "an application")
        w = "application"
        return cls(
            uuid=_required_str(d, "uuid", w),
            name=_opt(d, "name", str, w) or "",
            status=ResourceStatus.parse(_opt(d, "status", str, w)),
            build_pack=_opt(d, "build_pack", str, w),
            fqdn=_opt(d, "fqdn", str, w),
            description=_opt(d, "description", str, w),
            docker_registry_image_name=_opt(d, "docker_registry_image_name", str, w),
            docker_registry_image_tag=_opt(d, "docker_registry_image_tag", str, w),
            git_repository=_opt(d, "git_repository", str, w),
            git_branch=_opt(d, "git_branch", str, w),
            git_commit_sha=_opt(d, "git_commit_sha", str, w),
            environment_id=_opt(d, "environment_id", int, w),
            destination_id=_opt(d, "destination_id", int, w),
            created_at=_opt_time(d, "created_at", w),
            updated_at=_opt_time(d, "updated_at", w),
            docker_compose_domains=_opt(d, "docker_compose_domains", str, w),
            docker_compose_raw=_opt(d, "docker_compose_raw", str, w),
        )


@attrs.frozen
class CoolifyServiceApplication(FieldsRepr):
    """One container of a compose service (``GET /services/{uuid}/applications``).

    Attributes:
        uuid: the service application uuid.
        name: the compose service name.
        fqdn: its URLs, comma-separated.
        image: the image as written in the compose file.
        status: its parsed status.
    """

    uuid: str
    name: str
    status: ResourceStatus
    human_name: str | None = None
    fqdn: str | None = None
    image: str | None = None
    exclude_from_status: bool | None = None

    @classmethod
    def from_api(cls, data: object) -> CoolifyServiceApplication:
        """Build from a service application object."""
        d = _mapping(data, "a service application")
        w = "service application"
        return cls(
            uuid=_required_str(d, "uuid", w),
            name=_opt(d, "name", str, w) or "",
            status=ResourceStatus.parse(_opt(d, "status", str, w)),
            human_name=_opt(d, "human_name", str, w),
            fqdn=_opt(d, "fqdn", str, w),
            image=_opt(d, "image", str, w),
            exclude_from_status=_opt_bool(d, "exclude_from_status", w),
        )


@attrs.frozen
class CoolifyService(FieldsRepr):
    """A compose stack (``GET /services``, ``GET /services/{uuid}``).

    Attributes:
        uuid: the service uuid.
        name: its name.
        status: the parsed status (Coolify adds it to the documented ``Service`` schema).
        docker_compose_raw: the compose file as **plain YAML**, as Coolify normalised
            it (comments and quoting are not preserved server-side).
        docker_compose: the compose file Coolify generated from it.
        applications: the containers (present on ``GET /services/{uuid}``).
    """

    uuid: str
    name: str
    status: ResourceStatus
    description: str | None = None
    docker_compose_raw: str | None = attrs.field(default=None, repr=False)
    docker_compose: str | None = attrs.field(default=None, repr=False)
    service_type: str | None = None
    environment_id: int | None = None
    server_id: int | None = None
    applications: tuple[CoolifyServiceApplication, ...] = ()

    @classmethod
    def from_api(cls, data: object) -> CoolifyService:
        """Build from the ``Service`` schema."""
        d = _mapping(data, "a service")
        w = "service"
        apps = d.get("applications") or []
        if not isinstance(apps, list):
            raise _invalid(w, "applications", f"should be a list, got {type(apps).__name__}")
        return cls(
            uuid=_required_str(d, "uuid", w),
            name=_opt(d, "name", str, w) or "",
            status=ResourceStatus.parse(_opt(d, "status", str, w)),
            description=_opt(d, "description", str, w),
            docker_compose_raw=_opt(d, "docker_compose_raw", str, w),
            docker_compose=_opt(d, "docker_compose", str, w),
            service_type=_opt(d, "service_type", str, w),
            environment_id=_opt(d, "environment_id", int, w),
            server_id=_opt(d, "server_id", int, w),
            applications=tuple(CoolifyServiceApplication.from_api(a) for a in apps),
        )

    def application(self, name: str) -> CoolifyServiceApplication:
        """The container whose compose service name is ``name``.

        Raises:
            InvalidValueError: there is none.
        """
        for app in self.applications:
            if app.name == name:
                return app
        names = ", ".join(a.name for a in self.applications) or "none"
        raise InvalidValueError(
            name, f"is not a container of service {self.uuid}", f"use one of: {names}"
        )


@attrs.frozen
class CoolifyEnvVar(FieldsRepr):
    """An environment variable of an application or service.

    ``value`` is kept out of ``repr`` (it is often a secret).
    """

    key: str
    value: str | None = attrs.field(default=None, repr=False)
    uuid: str | None = None
    is_preview: bool | None = None
    is_literal: bool | None = None
    is_multiline: bool | None = None
    is_shown_once: bool | None = None
    is_runtime: bool | None = None
    is_buildtime: bool | None = None
    is_shared: bool | None = None

    @classmethod
    def from_api(cls, data: object) -> CoolifyEnvVar:
        """Build from the ``EnvironmentVariable`` schema."""
        d = _mapping(data, "an environment variable")
        w = "environment variable"
        return cls(
            key=_required_str(d, "key", w),
            value=_opt(d, "value", str, w),
            uuid=_opt(d, "uuid", str, w),
            is_preview=_opt_bool(d, "is_preview", w),
            is_literal=_opt_bool(d, "is_literal", w),
            is_multiline=_opt_bool(d, "is_multiline", w),
            is_shown_once=_opt_bool(d, "is_shown_once", w),
            is_runtime=_opt_bool(d, "is_runtime", w),
            is_buildtime=_opt_bool(d, "is_buildtime", w),
            is_shared=_opt_bool(d, "is_shared", w),
        )


@attrs.frozen
class EnvVarInput(FieldsRepr):
    """One variable to write with :meth:`CoolifyClient.upsert_envs`.

    Only the fields the published request schema lists are sent. A ``None`` flag keeps
    the variable's current value (for a new variable: ``False``); for applications the
    client reads the current flags and sends them, because Coolify resets omitted
    flags of an existing application variable.

    Raises:
        InvalidValueError: a name Coolify would reject or rewrite.
    """

    key: str
    value: str = attrs.field(repr=False)
    is_preview: bool = False
    is_literal: bool | None = None
    is_multiline: bool | None = None
    is_shown_once: bool | None = None

    def __attrs_post_init__(self) -> None:
        if not isinstance(self.key, str) or not self.key.strip():
            raise InvalidValueError(self.key, "is not a variable name", "use names like 'APP_MODE'")
        if self.key != self.key.strip() or " " in self.key:
            raise InvalidValueError(
                self.key,
                "has spaces; Coolify would rewrite them to '_' and create another variable",
                f"use {self.key.strip().replace(' ', '_')!r}",
            )
        if not ENV_KEY_PATTERN.fullmatch(self.key):
            # ValidationPatterns::ENVIRONMENT_VARIABLE_KEY_PATTERN (ValidationPatterns.php:109
            # @379abb25): the server answers 422 for anything else.
            raise InvalidValueError(
                self.key,
                "is not a name Coolify accepts: it must start with a letter or underscore "
                "and contain only ASCII letters, digits, '_' and '.'",
                f"use {re.sub(r'[^A-Za-z0-9_.]', '_', self.key)!r}",
            )
        if not isinstance(self.value, str):
            raise InvalidValueError(
                self.key, f"value must be a string, got {type(self.value).__name__}", "use str()"
            )

    def to_api(self) -> dict[str, Any]:
        """The JSON object sent to the server."""
        body: dict[str, Any] = {"key": self.key, "value": self.value}
        if self.is_preview:
            body["is_preview"] = True
        for field in ("is_literal", "is_multiline", "is_shown_once"):
            flag = getattr(self, field)
            if flag is not None:
                body[field] = flag
        return body


class CoolifyDeploymentStatus(TextRepr, enum.Enum):
    """``ApplicationDeploymentQueue.status`` (``app/Enums/ApplicationDeploymentStatus.php``)."""

    QUEUED = "queued"
    IN_PROGRESS = "in_progress"
    FINISHED = "finished"
    FAILED = "failed"
    CANCELLED_BY_USER = "cancelled-by-user"

    @property
    def is_terminal(self) -> bool:
        """True for ``finished``, ``failed`` and ``cancelled-by-user``."""
        return self not in (CoolifyDeploymentStatus.QUEUED, CoolifyDeploymentStatus.IN_PROGRESS)


@attrs.frozen
class CoolifyLogEntry(FieldsRepr):
    """One line of a deployment log (``ApplicationDeploymentQueue::addLogEntry``).

    Attributes:
        output: the text (Coolify masks shown-once variables; other values may appear).
        type: ``stdout`` or ``stderr``.
        hidden: True for lines the Coolify UI shows only in debug mode.
        timestamp: when it was written, as sent.
    """

    output: str = attrs.field(repr=False)
    type: str = "stdout"
    hidden: bool = False
    timestamp: str | None = None


def _log_entries(data: Mapping[str, Any]) -> tuple[CoolifyLogEntry, ...] | None:
    # "logs" is a JSON *string* holding a list of entries, and is absent when the token
    # cannot read sensitive data (DeployController.php:21-33).
    raw = data.get("logs")
    if raw is None:
        return None
    try:
        items = json.loads(raw) if isinstance(raw, str) else raw
    except ValueError:
        return ()
    if not isinstance(items, list):
        return ()
    entries = []
    for item in items:
        if isinstance(item, Mapping) and isinstance(item.get("output"), str):
            entries.append(
                CoolifyLogEntry(
                    output=item["output"],
                    type=str(item.get("type") or "stdout"),
                    hidden=bool(item.get("hidden")),
                    timestamp=item.get("timestamp")
                    if isinstance(item.get("timestamp"), str)
                    else None,
                )
            )
    return tuple(entries)


#: Environment variable names Coolify accepts (ValidationPatterns.php:109).
ENV_KEY_PATTERN = re.compile(r"[A-Za-z_][A-Za-z0-9_.]*")

_STARTING = re.compile(r"^Starting deployment of (?P<image>\S+) to ")


@attrs.frozen
class CoolifyDeployment(FieldsRepr):
    """One application deployment (``GET /deployments/{uuid}``).

    Attributes:
        logs: the deployment log, or ``None`` when Coolify hides it (the token lacks
            ``root``/``read:sensitive``, or its user is not a team admin). Kept out of
            ``repr``: logs are large and may hold secrets.
    """

    deployment_uuid: str
    status: CoolifyDeploymentStatus
    application_name: str | None = None
    server_name: str | None = None
    commit: str | None = None
    commit_message: str | None = None
    deployment_url: str | None = None
    docker_registry_image_tag: str | None = None
    force_rebuild: bool | None = None
    is_api: bool | None = None
    rollback: bool | None = None
    pull_request_id: int | None = None
    created_at: datetime | None = None
    updated_at: datetime | None = None
    logs: tuple[CoolifyLogEntry, ...] | None = attrs.field(default=None, repr=False)

    @property
    def is_terminal(self) -> bool:
        """True once the deployment can no longer change."""
        return self.status.is_terminal

    @property
    def deployed_image(self) -> ImageReference | None:
        """The image this deployment ran, read from its log line "Starting deployment of
        <name>:<tag> to <server>." (``ApplicationDeploymentJob::deploy_dockerimage_buildpack``);
        ``None`` when the log is hidden or has no such line (not started, not a Docker
        Image application)."""
        for entry in self.logs or ():
            match = _STARTING.match(entry.output.strip())
            if match:
                try:
                    return ImageReference.parse(match["image"])
                except InvalidValueError:
                    return None
        return None

    def last_log_lines(self, count: int = 10) -> list[str]:
        """The last ``count`` visible log lines (debug-only lines skipped), redacted."""
        from mosaic_sdk._core._redact import redact_text

        lines = [e.output.strip() for e in self.logs or () if not e.hidden and e.output.strip()]
        return [redact_text(line) for line in lines[-count:]]

    @classmethod
    def from_api(cls, data: object) -> CoolifyDeployment:
        """Build from the ``ApplicationDeploymentQueue`` schema."""
        d = _mapping(data, "a deployment")
        w = "deployment"
        raw_status = _required_str(d, "status", w)
        try:
            status = CoolifyDeploymentStatus(raw_status)
        except ValueError:
            known = ", ".join(s.value for s in CoolifyDeploymentStatus)
            raise _invalid(w, "status", f"is {raw_status!r}, not one of {known}") from None
        return cls(
            deployment_uuid=_required_str(d, "deployment_uuid", w),
            status=status,
            application_name=_opt(d, "application_name", str, w),
            server_name=_opt(d, "server_name", str, w),
            commit=_opt(d, "commit", str, w),
            commit_message=_opt(d, "commit_message", str, w),
            deployment_url=_opt(d, "deployment_url", str, w),
            docker_registry_image_tag=_opt(d, "docker_registry_image_tag", str, w),
            force_rebuild=_opt_bool(d, "force_rebuild", w),
            is_api=_opt_bool(d, "is_api", w),
            rollback=_opt_bool(d, "rollback", w),
            pull_request_id=_opt(d, "pull_request_id", int, w),
            created_at=_opt_time(d, "created_at", w),
            updated_at=_opt_time(d, "updated_at", w),
            logs=_log_entries(d),
        )


#: Message Coolify returns when an identical deployment is already queued; the item
#: still carries a freshly generated deployment uuid that was never stored.
ALREADY_QUEUED_MESSAGE = "already queued"


@attrs.frozen
class DeployResult(FieldsRepr):
    """What ``POST /deploy`` said about one resource.

    Attributes:
        resource_uuid: the application, service or database.
        deployment_uuid: the deployment to follow; ``None`` when nothing was queued
            (an identical deployment is already queued) or when the resource is a
            service or database (those get no deployment record).
        message: Coolify's message.
        queued: False when Coolify skipped it as a duplicate.
    """

    resource_uuid: str | None
    deployment_uuid: str | None
    message: str
    queued: bool = True

    @property
    def followable(self) -> bool:
        """True when there is a deployment uuid to poll."""
        return self.deployment_uuid is not None

    @classmethod
    def from_api(cls, data: object) -> DeployResult:
        """Build from one item of the ``deployments`` (by uuid) or ``details`` (by tag) list."""
        d = _mapping(data, "a deploy result")
        w = "deploy result"
        message = _opt(d, "message", str, w) or ""
        deployment_uuid = _opt(d, "deployment_uuid", str, w)
        queued = ALREADY_QUEUED_MESSAGE not in message.lower()
        return cls(
            resource_uuid=_opt(d, "resource_uuid", str, w),
            # A skipped duplicate still carries a uuid that was never stored: polling it
            # would answer 404, so it is dropped here.
            deployment_uuid=deployment_uuid if queued else None,
            message=message,
            queued=queued,
        )


@attrs.frozen
class CoolifyRollbackImage(FieldsRepr):
    """One image of the application kept on its server (``GET .../rollback-images``).

    Attributes:
        tag: the image tag (for applications Coolify builds: the commit).
        created_at: when Docker created it, as Docker prints it.
        is_current: True when the running container uses this tag.
    """

    tag: str
    created_at: str | None = None
    is_current: bool = False


@attrs.frozen
class CoolifyRollbackImages(FieldsRepr):
    """Answer of ``GET /applications/{uuid}/rollback-images``.

    Attributes:
        current: the running container's tag; ``None`` when it runs a digest reference
            or the server could not be inspected (ApplicationsController.php:5482-5537
            @379abb25).
        images: the images of the application's repository on its server.
    """

    current: str | None
    images: tuple[CoolifyRollbackImage, ...] = ()

    @classmethod
    def from_api(cls, data: object) -> CoolifyRollbackImages:
        """Build from ``{current, images: [{tag, created_at, is_current}]}``."""
        d = _mapping(data, "rollback images")
        w = "rollback images"
        items = d.get("images") or []
        if not isinstance(items, list):
            raise _invalid(w, "images", f"should be a list, got {type(items).__name__}")
        images = []
        for item in items:
            i = _mapping(item, "a rollback image")
            tag = _opt(i, "tag", str, w)
            if tag:
                images.append(
                    CoolifyRollbackImage(
                        tag=tag,
                        created_at=_opt(i, "created_at", str, w),
                        is_current=bool(_opt_bool(i, "is_current", w)),
                    )
                )
        return cls(current=_opt(d, "current", str, w), images=tuple(images))


@attrs.frozen
class ServiceUpdateResult(FieldsRepr):
    """Answer of ``POST /services`` and ``PATCH /services/{uuid}``."""

    uuid: str
    domains: tuple[str, ...] = ()

    @classmethod
    def from_api(cls, data: object) -> ServiceUpdateResult:
        """Build from ``{uuid, domains}``."""
        d = _mapping(data, "a service update answer")
        domains = d.get("domains") or []
        if not isinstance(domains, list) or not all(isinstance(x, str) for x in domains):
            raise _invalid("service update", "domains", f"should be a list of strings: {domains!r}")
        return cls(uuid=_required_str(d, "uuid", "service update"), domains=tuple(domains))
