"""Audit a Vault mount against the canonical structure.

The canonical structure: mounts ``secret-dev``, ``secret-staging``, ``secret-prod``;
secrets at ``{mount}/{service}/{component}/{secret-name}`` with lowercase segments of
letters, digits, ``-`` and ``_``; only the standard field names; string values. The
audit lists the whole mount (``LIST``, depth first), optionally reads every secret, and
reports each departure with its fix. It never writes.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

import hvac.exceptions
import requests

from mosaic_sdk.errors import InvalidValueError, VaultError
from mosaic_sdk.values import (
    FIELD_ALIASES,
    STANDARD_FIELDS,
    Environment,
    VaultPath,
    validate_field_name,
)
from mosaic_sdk.vault._errors import (
    DeadToken,
    is_no_route,
    map_vault_error,
    mount_not_found,
    token_invalid,
)
from mosaic_sdk.vault._fields import register_values
from mosaic_sdk.vault._models import AuditFinding, AuditReport

if TYPE_CHECKING:
    from mosaic_sdk.vault._store import SecretStore

#: ``SecretStore._send``: one request with a live token (renewed, or logged in again).
Send = Callable[..., Any]

__all__ = ["audit_mount", "check_fields", "check_mount", "check_path"]

logger = logging.getLogger("mosaic_sdk.vault")

_JSON_TYPES = {dict: "object", list: "list", int: "number", float: "number", bool: "boolean"}
_SAMPLE = ("x", "x", "x")


def check_mount(mount: str) -> AuditFinding | None:
    """The finding for a mount that is not an environment mount, if it is not one."""
    try:
        Environment.from_mount(mount)
    except InvalidValueError as exc:
        fix = exc.fix or "use secret-dev, secret-staging or secret-prod"
        return AuditFinding(
            path=mount,
            field=None,
            problem="is not an environment mount (secret-dev, secret-staging, secret-prod)",
            fix=f"move its secrets to the mount of their environment; {fix}",
        )
    return None


def check_path(mount: str, relative: str) -> list[AuditFinding]:
    """Findings for the path ``{mount}/{relative}`` below the mount (not the mount)."""
    full = f"{mount}/{relative}"
    segments = relative.split("/")
    if len(segments) != 3:
        if len(segments) == 1:
            target = f"{mount}/<service>/<component>/{segments[0]}"
        elif len(segments) == 2:
            target = f"{mount}/{segments[0]}/<component>/{segments[1]}"
        else:
            target = f"{mount}/{segments[0]}/{segments[1]}/{'-'.join(segments[2:])}"
        return [
            AuditFinding(
                path=full,
                field=None,
                problem=(
                    f"has {len(segments)} segment{'s' if len(segments) != 1 else ''} below "
                    "the mount, expected 3 (service/component/secret-name)"
                ),
                fix=f"move it to {target}",
            )
        ]
    problems: list[tuple[InvalidValueError, str | None]] = []
    fixed = list(segments)
    for index, segment in enumerate(segments):
        parts = list(_SAMPLE)
        parts[index] = segment
        try:
            VaultPath(Environment.DEV, *parts)
        except InvalidValueError as exc:
            corrected = _corrected(exc.fix)
            if corrected is not None:
                fixed[index] = corrected
            problems.append((exc, corrected))
    target = f"{mount}/{'/'.join(fixed)}"
    return [
        AuditFinding(
            path=full,
            field=None,
            problem=exc.reason,
            fix=f"move it to {target} ({exc.fix})" if corrected is not None else exc.fix,
        )
        for exc, corrected in problems
    ]


def _corrected(fix: str) -> str | None:
    """The corrected segment a VaultPath fix suggests (``use 'x'``, ``for example 'x'``)."""
    for marker in ("for example '", "use '"):
        start = fix.find(marker)
        if start != -1:
            rest = fix[start + len(marker) :]
            end = rest.find("'")
            if end > 0:
                return rest[:end]
    return None


def check_fields(path: str, data: dict[str, Any]) -> list[AuditFinding]:
    """Findings for the field names and value types of the secret at ``path``.

    Values are never put in a finding: only their field name and JSON type.
    """
    if not data:
        return [
            AuditFinding(
                path=path,
                field=None,
                problem="holds no fields",
                fix="write its fields (username/password, token, ...) or delete it",
            )
        ]
    findings = []
    for field in sorted(data):
        value = data[field]
        try:
            validate_field_name(field)
        except InvalidValueError as exc:
            suggestion = _standard_for(field)
            fix = exc.fix
            if suggestion is not None and suggestion in data:
                fix = (
                    f"remove it: the secret already has {suggestion!r} (check which value "
                    "is in use first)"
                )
            findings.append(AuditFinding(path=path, field=field, problem=exc.reason, fix=fix))
        if not isinstance(value, str):
            kind = _JSON_TYPES.get(type(value), type(value).__name__)
            findings.append(
                AuditFinding(
                    path=path,
                    field=field,
                    problem=f"holds a JSON {kind}, not a string",
                    fix="rewrite the value as a JSON string (quoted), e.g. with SecretStore.write",
                )
            )
    return findings


def _standard_for(field: str) -> str | None:
    key = field.strip().lower().replace("-", "_").replace(" ", "_")
    if key in STANDARD_FIELDS:
        return key
    return FIELD_ALIASES.get(key)


def _walk(send: Send, api: Any, mount: str) -> tuple[list[str], list[AuditFinding]]:
    """Every leaf below ``mount`` (relative paths), and findings for unlistable folders."""
    leaves: list[str] = []
    findings: list[AuditFinding] = []
    pending = [""]
    while pending:
        prefix = pending.pop()
        try:
            answer = send(api.list_secrets, path=prefix, mount_point=mount)
        except hvac.exceptions.InvalidPath as exc:
            if is_no_route(exc):
                raise mount_not_found(mount, action="list", path=mount) from exc
            continue  # an empty folder
        except DeadToken as exc:
            raise token_invalid(action="list", path=f"{mount}/{prefix}") from exc
        except hvac.exceptions.Forbidden as exc:
            if not prefix:
                raise map_vault_error(exc, action="list", path=mount) from exc
            findings.append(
                AuditFinding(
                    path=f"{mount}/{prefix.rstrip('/')}",
                    field=None,
                    problem="cannot be listed: permission denied",
                    fix="audit with a token whose policy grants list on the whole mount",
                )
            )
            continue
        except (hvac.exceptions.VaultError, requests.exceptions.RequestException) as exc:
            raise map_vault_error(exc, action="list", path=f"{mount}/{prefix}") from exc
        data = answer.get("data") if isinstance(answer, dict) else None
        keys = data.get("keys") if isinstance(data, dict) else None
        if not isinstance(keys, list):
            # A clean report built on an answer that was not understood would be a lie.
            raise VaultError(
                f"cannot list {mount}/{prefix}: Vault's answer has no 'keys' list; check "
                "that the URL points at Vault's API and that the mount is a KV engine"
            )
        for key in keys:
            key = str(key)
            if key.endswith("/"):
                pending.append(prefix + key)
            else:
                leaves.append(prefix + key)
    return sorted(leaves), findings


def _read_raw(
    send: Send, api: Any, kv_version: int, mount: str, relative: str
) -> tuple[dict[str, Any] | None, AuditFinding | None]:
    full = f"{mount}/{relative}"
    try:
        if kv_version == 2:
            answer = send(
                api.read_secret_version,
                path=relative,
                mount_point=mount,
                raise_on_deleted_version=True,
            )
        else:
            answer = send(api.read_secret, path=relative, mount_point=mount)
    except hvac.exceptions.InvalidPath:
        return None, AuditFinding(
            path=full,
            field=None,
            problem="its current version is deleted or destroyed",
            fix="undelete the version in use, or remove the path with SecretStore.destroy()",
        )
    except DeadToken as exc:
        raise token_invalid(action="read", path=full) from exc
    except hvac.exceptions.Forbidden:
        return None, AuditFinding(
            path=full,
            field=None,
            problem="cannot be read: permission denied",
            fix="audit with a token that can read the mount, or pass read_values=False",
        )
    except (hvac.exceptions.VaultError, requests.exceptions.RequestException) as exc:
        raise map_vault_error(exc, action="read", path=full) from exc
    body = answer.get("data") if isinstance(answer, dict) else None
    if kv_version == 2 and isinstance(body, dict):
        body = body.get("data")
    if not isinstance(body, dict):
        return None, AuditFinding(
            path=full,
            field=None,
            problem="did not read as a KV secret",
            fix="check that the mount is a KV engine of the detected version",
        )
    return body, None


def audit_mount(store: SecretStore, mount: str, *, read_values: bool = True) -> AuditReport:
    """Audit ``mount`` through ``store``; see :meth:`SecretStore.audit`."""
    kv_version = store.kv_version(mount)
    kv = store.client.secrets.kv
    api = kv.v2 if kv_version == 2 else kv.v1
    findings: list[AuditFinding] = []
    mount_finding = check_mount(mount)
    if mount_finding is not None:
        findings.append(mount_finding)
    leaves, walk_findings = _walk(store._send, api, mount)
    findings.extend(walk_findings)
    for relative in leaves:
        findings.extend(check_path(mount, relative))
        if read_values:
            data, problem = _read_raw(store._send, api, kv_version, mount, relative)
            if problem is not None:
                findings.append(problem)
            if data is not None:
                register_values({k: v for k, v in data.items() if isinstance(v, str)})
                findings.extend(check_fields(f"{mount}/{relative}", data))
    paths = tuple(f"{mount}/{relative}" for relative in leaves)
    ordered = sorted(findings, key=lambda f: (f.path != mount, f.path, f.field or ""))
    logger.info(
        "audited %s: %d secrets, %d findings",
        mount,
        len(paths),
        len(ordered),
        extra={"mount": mount, "secrets": len(paths), "findings": len(ordered)},
    )
    return AuditReport(mount=mount, kv_version=kv_version, paths=paths, findings=tuple(ordered))
