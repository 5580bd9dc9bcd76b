"""Typed models of the Vercel REST API answers and inputs the SDK uses.

Field names follow ``vercel-openapi.json`` (OpenAPI 3.0.3, ``vercel/sdk`` @ 1aada4a8).
The list endpoint and the single-deployment endpoint name the same things differently
(``uid``/``created``/``state`` against ``id``/``createdAt``/``readyState``);
:meth:`VercelDeployment.from_api` reads both.
"""

from __future__ import annotations

import base64
import enum
from collections.abc import Mapping, Sequence
from datetime import datetime, timezone
from typing import Any

import attrs

from mosaic_sdk._core._redact import register_secret
from mosaic_sdk._render import FieldsRepr, TextRepr
from mosaic_sdk.errors import APIResponseValidationError, InvalidValueError

__all__ = [
    "PROTECTION_BYPASS_HEADER",
    "AliasAssignment",
    "AliasJobStatus",
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
    "VercelDeployment",
    "VercelEnvVar",
    "VercelEnvVarInfo",
    "VercelProject",
]

#: Header that lets automation through Vercel Deployment Protection.
PROTECTION_BYPASS_HEADER = "x-vercel-protection-bypass"
_SET_BYPASS_COOKIE_HEADER = "x-vercel-set-bypass-cookie"
_ENV_TARGETS = frozenset({"production", "preview", "development"})


def _invalid(what: str, raw: Any) -> APIResponseValidationError:
    return APIResponseValidationError(
        f"Vercel answer for {what} does not match the documented model: {str(raw)[:200]!r}",
        provider="vercel",
    )


def _mapping(raw: Any, what: str) -> Mapping[str, Any]:
    if not isinstance(raw, Mapping):
        raise _invalid(what, raw)
    return raw


def _ms(value: Any) -> datetime | None:
    if isinstance(value, (int, float)) and not isinstance(value, bool) and value > 0:
        return datetime.fromtimestamp(value / 1000.0, tz=timezone.utc)
    return None


def _opt_str(value: Any) -> str | None:
    return value if isinstance(value, str) and value else None


class ReadyState(TextRepr, enum.Enum):
    """A deployment's ``readyState``.

    ``READY``, ``ERROR`` and ``CANCELED`` are terminal (``DELETED`` only appears in
    lists); ``UNKNOWN`` stands for values newer API versions may add.
    """

    QUEUED = "QUEUED"
    INITIALIZING = "INITIALIZING"
    BUILDING = "BUILDING"
    READY = "READY"
    ERROR = "ERROR"
    CANCELED = "CANCELED"
    DELETED = "DELETED"
    UNKNOWN = "UNKNOWN"

    @classmethod
    def from_api(cls, value: Any) -> ReadyState:
        """The member for ``value``; :attr:`UNKNOWN` for anything else."""
        try:
            return cls(str(value).upper())
        except ValueError:
            return cls.UNKNOWN

    @property
    def is_terminal(self) -> bool:
        """True when the deployment can no longer change state."""
        return self in (ReadyState.READY, ReadyState.ERROR, ReadyState.CANCELED, ReadyState.DELETED)

    @property
    def is_failure(self) -> bool:
        """True for ``ERROR`` and ``CANCELED``."""
        return self in (ReadyState.ERROR, ReadyState.CANCELED)


@attrs.frozen
class VercelDeployment(FieldsRepr):
    """A Vercel deployment (``GET /v13/deployments/{idOrUrl}`` or a list item).

    Attributes:
        id: the deployment id (``dpl_...``).
        url: its unique host name (no scheme), e.g. ``app-abc123-team.vercel.app``.
        name: the project name used in the URL.
        project_id: the project (``prj_...``), when reported.
        ready_state: the build/serving state.
        ready_substate: for READY deployments ``STAGED``, ``ROLLING`` or ``PROMOTED``.
        target: ``production``, ``staging``, a custom environment, or ``None``
            (preview).
        created_at: creation time (UTC), when reported.
        meta: the deployment's metadata (Git information and custom keys such as
            ``imageDigest``).
        aliases: aliases assigned to it (single-deployment answers only).
        alias_assigned: True once its aliases point at it.
        error_code: Vercel's error code for failed deployments.
        error_message: Vercel's error text for failed deployments.
        inspector_url: the dashboard page of the deployment.
        is_rollback_candidate: whether Vercel allows an instant rollback to it (list
            answers only).
        build_log: the last build output lines of a failed deployment, oldest first
            (filled by :meth:`~mosaic_sdk.providers.vercel.VercelClient.wait_for_deployment`
            from ``GET /v3/deployments/{id}/events``; empty otherwise).
    """

    id: str
    url: str
    name: str = ""
    project_id: str | None = None
    ready_state: ReadyState = ReadyState.UNKNOWN
    ready_substate: str | None = None
    target: str | None = None
    created_at: datetime | None = None
    meta: Mapping[str, str] = attrs.field(factory=dict, hash=False, repr=False)
    aliases: tuple[str, ...] = ()
    alias_assigned: bool = False
    error_code: str | None = None
    error_message: str | None = None
    inspector_url: str | None = None
    is_rollback_candidate: bool | None = None
    build_log: tuple[str, ...] = attrs.field(default=(), repr=False)

    @property
    def https_url(self) -> str:
        """``https://`` + :attr:`url`, ready to probe."""
        return f"https://{self.url}"

    @classmethod
    def from_api(cls, raw: Any) -> VercelDeployment:
        """Parse a deployment object (single, list item or project target)."""
        data = _mapping(raw, "a deployment")
        dep_id = data.get("id") or data.get("uid")
        url = data.get("url")
        if not isinstance(dep_id, str) or not isinstance(url, str):
            raise _invalid("a deployment (needs 'id' or 'uid' and 'url')", raw)
        meta_raw = data.get("meta") or {}
        meta = (
            {str(k): str(v) for k, v in meta_raw.items() if v is not None}
            if isinstance(meta_raw, Mapping)
            else {}
        )
        aliases_raw = data.get("alias") or []
        rollback = data.get("isRollbackCandidate")
        return cls(
            id=dep_id,
            url=url,
            name=_opt_str(data.get("name")) or "",
            project_id=_opt_str(data.get("projectId")),
            ready_state=ReadyState.from_api(data.get("readyState") or data.get("state")),
            ready_substate=_opt_str(data.get("readySubstate")),
            target=_opt_str(data.get("target")),
            created_at=_ms(data.get("createdAt") or data.get("created")),
            meta=meta,
            aliases=tuple(str(a) for a in aliases_raw) if isinstance(aliases_raw, list) else (),
            alias_assigned=bool(data.get("aliasAssigned")),
            error_code=_opt_str(data.get("errorCode")),
            error_message=_opt_str(data.get("errorMessage")),
            inspector_url=_opt_str(data.get("inspectorUrl")),
            is_rollback_candidate=rollback if isinstance(rollback, bool) else None,
        )


@attrs.frozen
class DeploymentPage(FieldsRepr):
    """One page of ``GET /v6/deployments``.

    Attributes:
        deployments: newest first.
        next_until: pass as ``until=`` to get the next (older) page; ``None`` at the end.
    """

    deployments: tuple[VercelDeployment, ...]
    next_until: int | None = None

    @classmethod
    def from_api(cls, raw: Any) -> DeploymentPage:
        """Parse ``{"deployments": [...], "pagination": {...}}``."""
        data = _mapping(raw, "a deployment list")
        items = data.get("deployments")
        if not isinstance(items, list):
            raise _invalid("a deployment list (no 'deployments' list)", raw)
        pagination = data.get("pagination") or {}
        nxt = pagination.get("next") if isinstance(pagination, Mapping) else None
        return cls(
            deployments=tuple(VercelDeployment.from_api(item) for item in items),
            next_until=int(nxt)
            if isinstance(nxt, (int, float)) and not isinstance(nxt, bool)
            else None,
        )


@attrs.frozen
class VercelProject(FieldsRepr):
    """A Vercel project (``GET /v9/projects/{idOrName}``).

    Attributes:
        id: the project id (``prj_...``).
        name: the project name.
        production: the deployment serving production now (``targets.production``),
            or ``None`` before the first production deployment. After an instant
            rollback this is the rolled-back-to deployment, not the newest one.
        last_alias_request: the newest promote or rollback job
            (``lastAliasRequest``), or ``None``.
        rolling_release_enabled: True when the project has a Rolling Releases
            configuration (``rollingRelease`` is set); promotions then shift traffic in
            stages.
    """

    id: str
    name: str
    production: VercelDeployment | None = None
    last_alias_request: LastAliasRequest | None = None
    rolling_release_enabled: bool = False

    @classmethod
    def from_api(cls, raw: Any) -> VercelProject:
        """Parse a project object."""
        data = _mapping(raw, "a project")
        if not isinstance(data.get("id"), str) or not isinstance(data.get("name"), str):
            raise _invalid("a project (needs 'id' and 'name')", raw)
        targets = data.get("targets")
        production = targets.get("production") if isinstance(targets, Mapping) else None
        job = data.get("lastAliasRequest")
        return cls(
            id=data["id"],
            name=data["name"],
            production=VercelDeployment.from_api(production) if production else None,
            last_alias_request=LastAliasRequest.from_api(job) if isinstance(job, Mapping) else None,
            rolling_release_enabled=bool(data.get("rollingRelease")),
        )


class AliasJobStatus(TextRepr, enum.Enum):
    """``lastAliasRequest.jobStatus``: where a promote or rollback job is.

    ``pending`` and ``in-progress`` are still moving; ``succeeded``, ``failed`` and
    ``skipped`` are final (``vercel/vercel`` ``packages/cli/src/commands/promote/status.ts``).
    ``UNKNOWN`` stands for values newer API versions may add.
    """

    PENDING = "pending"
    IN_PROGRESS = "in-progress"
    SUCCEEDED = "succeeded"
    FAILED = "failed"
    SKIPPED = "skipped"
    UNKNOWN = "unknown"

    @classmethod
    def from_api(cls, value: Any) -> AliasJobStatus:
        """The member for ``value``; :attr:`UNKNOWN` for anything else."""
        try:
            return cls(str(value).lower())
        except ValueError:
            return cls.UNKNOWN

    @property
    def is_final(self) -> bool:
        """True once the job can no longer change."""
        return self not in (AliasJobStatus.PENDING, AliasJobStatus.IN_PROGRESS)


@attrs.frozen
class LastAliasRequest(FieldsRepr):
    """A project's newest promote or rollback job (``lastAliasRequest``).

    Attributes:
        to_deployment_id: the deployment production is being pointed at.
        from_deployment_id: the deployment it served before, when reported.
        job_status: where the job is.
        requested_at: when it was requested (UTC), when reported.
        type: ``promote`` or ``rollback``.
    """

    to_deployment_id: str
    job_status: AliasJobStatus
    from_deployment_id: str | None = None
    requested_at: datetime | None = None
    type: str = ""

    @classmethod
    def from_api(cls, raw: Any) -> LastAliasRequest:
        """Parse a ``lastAliasRequest`` object."""
        data = _mapping(raw, "a lastAliasRequest")
        return cls(
            to_deployment_id=str(data.get("toDeploymentId") or ""),
            job_status=AliasJobStatus.from_api(data.get("jobStatus")),
            from_deployment_id=_opt_str(data.get("fromDeploymentId")),
            requested_at=_ms(data.get("requestedAt")),
            type=str(data.get("type") or ""),
        )


@attrs.frozen
class RollingReleaseStage(FieldsRepr):
    """One stage of a rolling release (an item of ``stages`` in the rolling-release
    config and document; spec schema of ``GET /v1/projects/{idOrName}/rolling-release``).

    Attributes:
        target_percentage: the share of traffic the canary gets in this stage (0..100).
        require_approval: whether leaving this stage waits for ``approve-stage``.
        duration: minutes before Vercel advances by itself (``None``: no timer).
        index: the stage's position, when Vercel reports it.
    """

    target_percentage: float
    require_approval: bool = False
    duration: float | None = None
    index: int | None = None

    @property
    def advances_by_itself(self) -> bool:
        """True when Vercel moves past this stage on a timer, without an approval."""
        return not self.require_approval and self.duration is not None

    @classmethod
    def from_api(cls, raw: Any) -> RollingReleaseStage:
        """Parse one stage object."""
        data = _mapping(raw, "a rolling release stage")
        percentage: Any = data.get("targetPercentage")
        if not _is_number(percentage):
            raise _invalid("a rolling release stage", raw)
        duration: Any = data.get("duration")
        index: Any = data.get("index")
        return cls(
            target_percentage=float(percentage),
            require_approval=bool(data.get("requireApproval")),
            duration=float(duration) if _is_number(duration) else None,
            index=int(index) if _is_number(index) else None,
        )


@attrs.frozen
class RollingReleaseConfig(FieldsRepr):
    """A project's rolling-release template
    (``GET /v1/projects/{idOrName}/rolling-release/config``).

    The stages are fixed per project: every rolling release started by a promote
    walks these stages, and only their percentages are reachable. Changing the config
    "never alters a rollout that's already in-flight" (spec, ``updateRollingReleaseConfig``).

    Attributes:
        stages: the stages in order; the last one is 100 %.
        target: the environment (``production``).
    """

    stages: tuple[RollingReleaseStage, ...] = ()
    target: str = "production"

    @property
    def percentages(self) -> tuple[int, ...]:
        """The stage percentages, in order (the last is 100)."""
        return tuple(round(stage.target_percentage) for stage in self.stages)

    @property
    def manual(self) -> bool:
        """True when no stage before the last advances on a timer."""
        return not any(stage.advances_by_itself for stage in self.stages[:-1])

    @classmethod
    def from_api(cls, raw: Any) -> RollingReleaseConfig:
        """Parse the ``rollingRelease`` object of the config answer."""
        data = _mapping(raw, "a rolling release config")
        stages = data.get("stages")
        return cls(
            stages=tuple(
                RollingReleaseStage.from_api(s)
                for s in (stages if isinstance(stages, list) else [])
            ),
            target=str(data.get("target") or "production"),
        )


@attrs.frozen
class RollingRelease(FieldsRepr):
    """A project's rolling release (``GET /v1/projects/{idOrName}/rolling-release``).

    Attributes:
        state: ``ACTIVE``, ``COMPLETE`` or ``ABORTED``.
        canary_deployment_id: the deployment traffic is shifting to.
        current_deployment_id: the deployment serving the rest of the traffic.
        active_stage_index: zero-based index of the active stage, if any.
        active_percentage: traffic share of the canary in the active stage, if any.
        stage_count: how many stages the release has.
        stages: the release's stages (copied from the project config when it started).
        advancement_type: ``automatic`` or ``manual-approval``, when reported.
    """

    state: str
    canary_deployment_id: str | None = None
    current_deployment_id: str | None = None
    active_stage_index: int | None = None
    active_percentage: float | None = None
    stage_count: int = 0
    stages: tuple[RollingReleaseStage, ...] = ()
    advancement_type: str | None = None

    @property
    def is_active(self) -> bool:
        """True while the release is shifting traffic (``ACTIVE`` with an active stage)."""
        return self.state.upper() == "ACTIVE" and self.active_stage_index is not None

    @classmethod
    def from_api(cls, raw: Any) -> RollingRelease:
        """Parse the ``rollingRelease`` object."""
        data = _mapping(raw, "a rolling release")
        raw_stage = data.get("activeStage")
        stage: Mapping[str, Any] = raw_stage if isinstance(raw_stage, Mapping) else {}
        canary = data.get("canaryDeployment")
        current = data.get("currentDeployment")
        stages = data.get("stages")
        index: Any = stage.get("index")
        percentage: Any = stage.get("targetPercentage")
        return cls(
            state=str(data.get("state") or ""),
            canary_deployment_id=(
                _opt_str(canary.get("id")) if isinstance(canary, Mapping) else None
            ),
            current_deployment_id=(
                _opt_str(current.get("id")) if isinstance(current, Mapping) else None
            ),
            active_stage_index=int(index) if _is_number(index) else None,
            active_percentage=float(percentage) if _is_number(percentage) else None,
            stage_count=len(stages) if isinstance(stages, list) else 0,
            stages=tuple(
                RollingReleaseStage.from_api(item)
                for item in (stages if isinstance(stages, list) else [])
            ),
            advancement_type=_opt_str(data.get("advancementType")),
        )


def _is_number(value: Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


@attrs.frozen
class PromoteAlias(FieldsRepr):
    """One alias of a promote job (``GET /v1/projects/{id}/promote/aliases`` item).

    Attributes:
        alias: the host name.
        status: ``completed``, ``in-progress``, ``pending`` or ``failed``.
        id: the alias id.
        deployment_id: the deployment it was being pointed at, when reported.
    """

    alias: str
    status: str
    id: str = ""
    deployment_id: str | None = None

    @classmethod
    def from_api(cls, raw: Any) -> PromoteAlias:
        """Parse one item; ``alias`` is a string (the SDK and spec) or an object with
        ``alias`` and ``deploymentId`` (the CLI's ``/v9`` answer)."""
        data = _mapping(raw, "a promote alias")
        alias = data.get("alias")
        deployment_id = None
        if isinstance(alias, Mapping):
            deployment_id = _opt_str(alias.get("deploymentId"))
            alias = alias.get("alias")
        if not isinstance(alias, str):
            raise _invalid("a promote alias (needs 'alias')", raw)
        return cls(
            alias=alias,
            status=str(data.get("status") or ""),
            id=str(data.get("id") or ""),
            deployment_id=deployment_id,
        )


class PromotionState(TextRepr, enum.Enum):
    """How a promotion ended, as :class:`PromotionOutcome` reports it."""

    SUCCEEDED = "succeeded"
    FAILED = "failed"
    SKIPPED = "skipped"
    ROLLING = "rolling"
    QUEUED = "queued"


@attrs.frozen
class PromotionOutcome(FieldsRepr):
    """Result of :meth:`~mosaic_sdk.providers.vercel.VercelClient.wait_for_promotion`.

    Attributes:
        deployment_id: the deployment that was promoted.
        state: ``SUCCEEDED`` (production serves it), ``FAILED`` (Vercel could not move
            every alias), ``SKIPPED`` (Vercel skipped the request), ``ROLLING`` (a rolling
            release is shifting traffic to it) or ``QUEUED`` (it waits for the active
            rolling release to finish).
        detail: what happened, in words.
        failed_aliases: the aliases Vercel could not move, for ``FAILED``.
        rolling_release: the release, for ``ROLLING``.
    """

    deployment_id: str
    state: PromotionState
    detail: str = ""
    failed_aliases: tuple[PromoteAlias, ...] = ()
    rolling_release: RollingRelease | None = None

    @property
    def ok(self) -> bool:
        """True when production serves the deployment or traffic is moving to it."""
        return self.state in (PromotionState.SUCCEEDED, PromotionState.ROLLING)


@attrs.frozen
class BuildEvent(FieldsRepr):
    """One build event of a deployment (``GET /v3/deployments/{idOrUrl}/events`` item).

    Attributes:
        type: ``stdout``, ``stderr``, ``command``, ``exit``, ``deployment-state``...
        text: the output line ("" for events without text).
        created_at: when it happened (UTC), when reported.
    """

    type: str
    text: str
    created_at: datetime | None = None

    @classmethod
    def from_api(cls, raw: Any) -> BuildEvent:
        """Parse either documented shape: ``{type, created, payload: {text}}`` or the
        flat ``{type, created, text}``."""
        data = _mapping(raw, "a build event")
        payload = data.get("payload")
        text = data.get("text")
        if not isinstance(text, str) and isinstance(payload, Mapping):
            text = payload.get("text")
        return cls(
            type=str(data.get("type") or ""),
            text=text if isinstance(text, str) else "",
            created_at=_ms(data.get("created") or data.get("date")),
        )


@attrs.frozen
class VercelCert(FieldsRepr):
    """A certificate issued by ``POST /v8/certs``.

    Attributes:
        id: the certificate id.
        cns: the host names it covers.
        expires_at: when it expires (UTC), when reported.
    """

    id: str
    cns: tuple[str, ...] = ()
    expires_at: datetime | None = None

    @classmethod
    def from_api(cls, raw: Any) -> VercelCert:
        """Parse the issue-cert answer."""
        data = _mapping(raw, "a certificate")
        if not isinstance(data.get("id"), str):
            raise _invalid("a certificate (needs 'id')", raw)
        cns = data.get("cns")
        return cls(
            id=data["id"],
            cns=tuple(str(c) for c in cns) if isinstance(cns, list) else (),
            expires_at=_ms(data.get("expiresAt")),
        )


@attrs.frozen
class VercelAlias(FieldsRepr):
    """An alias of a deployment (``GET /v2/deployments/{id}/aliases`` item).

    Attributes:
        uid: the alias id.
        alias: the host name (``my-app.vercel.app`` or a custom domain).
        created_at: when it was created (UTC), when reported.
        redirect: the host it redirects to, for redirect aliases.
    """

    uid: str
    alias: str
    created_at: datetime | None = None
    redirect: str | None = None

    @classmethod
    def from_api(cls, raw: Any) -> VercelAlias:
        """Parse one alias object."""
        data = _mapping(raw, "an alias")
        if not isinstance(data.get("uid"), str) or not isinstance(data.get("alias"), str):
            raise _invalid("an alias (needs 'uid' and 'alias')", raw)
        return cls(
            uid=data["uid"],
            alias=data["alias"],
            created_at=_iso(data.get("created")),
            redirect=_opt_str(data.get("redirect")),
        )


def _iso(value: Any) -> datetime | None:
    if isinstance(value, str) and value:
        try:
            parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
        except ValueError:
            return None
        return parsed if parsed.tzinfo else parsed.replace(tzinfo=timezone.utc)
    return _ms(value)


@attrs.frozen
class AliasAssignment(FieldsRepr):
    """Result of ``POST /v2/deployments/{id}/aliases``.

    Attributes:
        uid: the alias id.
        alias: the assigned host name.
        created_at: when it was created (UTC).
        old_deployment_id: the deployment the alias pointed at before, if any.
    """

    uid: str
    alias: str
    created_at: datetime | None = None
    old_deployment_id: str | None = None

    @classmethod
    def from_api(cls, raw: Any) -> AliasAssignment:
        """Parse the assignment answer."""
        data = _mapping(raw, "an alias assignment")
        if not isinstance(data.get("uid"), str) or not isinstance(data.get("alias"), str):
            raise _invalid("an alias assignment (needs 'uid' and 'alias')", raw)
        return cls(
            uid=data["uid"],
            alias=data["alias"],
            created_at=_iso(data.get("created")),
            old_deployment_id=_opt_str(data.get("oldDeploymentId")),
        )


class EnvType(TextRepr, enum.Enum):
    """How Vercel stores an environment variable (``type``)."""

    PLAIN = "plain"
    ENCRYPTED = "encrypted"
    SENSITIVE = "sensitive"


def _env_targets(value: Sequence[str]) -> tuple[str, ...]:
    if isinstance(value, str):
        value = (value,)
    targets = tuple(value)
    bad = [t for t in targets if t not in _ENV_TARGETS]
    if not targets or bad:
        raise InvalidValueError(
            list(targets),
            "environment variable targets must be a non-empty subset of "
            "production, preview, development",
            "pass e.g. target=('production', 'preview')",
        )
    return targets


@attrs.frozen
class VercelEnvVar(FieldsRepr):
    """An environment variable to create or update on a project.

    Attributes:
        key: the variable name.
        value: its value (hidden from the repr, registered with the redactor).
        target: the environments it applies to.
        type: storage type; ``encrypted`` by default, ``sensitive`` for values nobody
            should read back.
        git_branch: limit a ``preview`` variable to one branch.
        comment: a note shown in the dashboard.
    """

    key: str
    value: str = attrs.field(repr=False)
    target: tuple[str, ...] = attrs.field(
        default=("production", "preview", "development"), converter=_env_targets
    )
    type: EnvType = EnvType.ENCRYPTED
    git_branch: str | None = None
    comment: str | None = None

    def __attrs_post_init__(self) -> None:
        if not isinstance(self.key, str) or not self.key or "=" in self.key:
            raise InvalidValueError(
                self.key, "is not a valid environment variable name", "use names like 'API_URL'"
            )
        if not isinstance(self.value, str):
            raise InvalidValueError(
                self.key, "value must be a string", "convert the value with str()"
            )
        if self.type is not EnvType.PLAIN:
            register_secret(self.value)

    def to_api(self) -> dict[str, Any]:
        """The body item of ``POST /v10/projects/{idOrName}/env``."""
        body: dict[str, Any] = {
            "key": self.key,
            "value": self.value,
            "type": self.type.value,
            "target": list(self.target),
        }
        if self.git_branch is not None:
            body["gitBranch"] = self.git_branch
        if self.comment is not None:
            body["comment"] = self.comment
        return body


@attrs.frozen
class VercelEnvVarInfo(FieldsRepr):
    """A stored environment variable as Vercel reports it (value not included).

    Attributes:
        id: the variable id.
        key: the name.
        type: storage type as reported (``plain``, ``encrypted``, ``sensitive``...).
        target: the environments it applies to.
        git_branch: the branch it is limited to, if any.
    """

    id: str
    key: str
    type: str = ""
    target: tuple[str, ...] = ()
    git_branch: str | None = None

    @classmethod
    def from_api(cls, raw: Any) -> VercelEnvVarInfo:
        """Parse one env object (the value is deliberately dropped)."""
        data = _mapping(raw, "an environment variable")
        if not isinstance(data.get("id"), str) or not isinstance(data.get("key"), str):
            raise _invalid("an environment variable (needs 'id' and 'key')", raw)
        target = data.get("target") or ()
        if isinstance(target, str):
            target = (target,)
        return cls(
            id=data["id"],
            key=data["key"],
            type=str(data.get("type") or ""),
            target=tuple(str(t) for t in target),
            git_branch=_opt_str(data.get("gitBranch")),
        )


@attrs.frozen
class GitSource(FieldsRepr):
    """Where a new deployment's source comes from (``gitSource`` of the create call).

    Build one with :meth:`github`, :meth:`github_repo_id`, :meth:`gitlab` or
    :meth:`bitbucket`.
    """

    fields: Mapping[str, str | int] = attrs.field(hash=False)

    @staticmethod
    def _check(ref: str, sha: str | None) -> None:
        if not isinstance(ref, str) or not ref:
            raise InvalidValueError(ref, "git ref is empty", "pass a branch or tag, e.g. 'main'")
        if sha is not None and (not isinstance(sha, str) or len(sha) < 7):
            raise InvalidValueError(sha, "is not a commit sha", "pass the full 40-character sha")

    @classmethod
    def github(cls, org: str, repo: str, ref: str, sha: str | None = None) -> GitSource:
        """A GitHub repository by owner and name."""
        cls._check(ref, sha)
        return cls(_drop_none({"type": "github", "org": org, "repo": repo, "ref": ref, "sha": sha}))

    @classmethod
    def github_repo_id(cls, repo_id: int, ref: str, sha: str | None = None) -> GitSource:
        """A GitHub repository by numeric id."""
        cls._check(ref, sha)
        return cls(_drop_none({"type": "github", "repoId": repo_id, "ref": ref, "sha": sha}))

    @classmethod
    def gitlab(cls, project_id: int, ref: str, sha: str | None = None) -> GitSource:
        """A GitLab project by id."""
        cls._check(ref, sha)
        return cls(_drop_none({"type": "gitlab", "projectId": project_id, "ref": ref, "sha": sha}))

    @classmethod
    def bitbucket(cls, owner: str, slug: str, ref: str, sha: str | None = None) -> GitSource:
        """A Bitbucket repository by owner and slug."""
        cls._check(ref, sha)
        return cls(
            _drop_none({"type": "bitbucket", "owner": owner, "slug": slug, "ref": ref, "sha": sha})
        )

    def to_api(self) -> dict[str, str | int]:
        """The ``gitSource`` object."""
        return dict(self.fields)


def _drop_none(data: Mapping[str, str | int | None]) -> dict[str, str | int]:
    return {k: v for k, v in data.items() if v is not None}


def inline_files(files: Mapping[str, str | bytes]) -> list[dict[str, str]]:
    """``files`` for the create call: text inline as UTF-8, bytes as base64."""
    out: list[dict[str, str]] = []
    for path, data in files.items():
        if not isinstance(path, str) or not path or path.startswith("/"):
            raise InvalidValueError(
                path, "is not a relative file path", "use paths like 'api/index.py'"
            )
        if isinstance(data, bytes):
            out.append(
                {"file": path, "data": base64.b64encode(data).decode("ascii"), "encoding": "base64"}
            )
        else:
            out.append({"file": path, "data": data, "encoding": "utf-8"})
    return out


@attrs.frozen
class ProtectionBypass(FieldsRepr):
    """The "Protection Bypass for Automation" secret of a project.

    Probing a deployment behind Vercel Deployment Protection needs the header
    ``x-vercel-protection-bypass: <secret>``. The secret is hidden from the repr and
    registered with the redactor, so it never reaches a log line or an error.

    Example:
        >>> bypass = ProtectionBypass("s3cr3t-bypass-value-0123456789abcd")
        >>> bypass
        ProtectionBypass(secret='***')
        >>> sorted(bypass.headers())
        ['x-vercel-protection-bypass']
    """

    secret: str = attrs.field(repr=lambda _: "'***'")

    def __attrs_post_init__(self) -> None:
        if not isinstance(self.secret, str) or not self.secret.strip():
            raise InvalidValueError(
                "",
                "protection bypass secret is empty",
                "copy it from Project Settings > Deployment Protection > Protection Bypass "
                "for Automation",
            )
        register_secret(self.secret)

    def headers(self, *, set_cookie: bool = False) -> dict[str, str]:
        """Headers to send with a request to a protected deployment URL.

        With ``set_cookie=True`` Vercel also sets a bypass cookie, so follow-up
        requests of a browser-like client pass without the header.
        """
        headers = {PROTECTION_BYPASS_HEADER: self.secret}
        if set_cookie:
            headers[_SET_BYPASS_COOKIE_HEADER] = "true"
        return headers
