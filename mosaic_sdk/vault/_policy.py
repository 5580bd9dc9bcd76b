"""Least-privilege Vault policies for one service.

A service's secrets all live under ``{mount}/{service}/`` in each environment's mount,
so its policy needs two rules per environment on KV v2 - the data and the metadata of
that prefix - (five for ``manage``, which adds the version endpoints) and one on KV v1.
Nothing else is granted: no other service, no ``sys/``, no whole-mount listing.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Literal

from mosaic_sdk.errors import InvalidValueError
from mosaic_sdk.values import Environment, VaultPath

__all__ = ["ACCESS_LEVELS", "policy_for"]

Access = Literal["read", "read-write", "manage"]

#: Access levels :func:`policy_for` understands.
ACCESS_LEVELS: tuple[Access, ...] = ("read", "read-write", "manage")

# KV v2: {mount}/data/... holds the values, {mount}/metadata/... the listing and history.
# Read-write covers SecretStore.write/patch/delete (soft delete of the current version);
# manage adds delete(versions=), undelete, destroy and write_metadata.
_V2: dict[str, tuple[tuple[str, tuple[str, ...], str], ...]] = {
    "read": (
        ("data", ("read",), "Read the current and older versions of its secrets."),
        ("metadata", ("read", "list"), "List its secrets and read their version history."),
    ),
    "read-write": (
        (
            "data",
            ("create", "read", "update", "patch", "delete"),
            "Read, write, patch and soft-delete its secrets.",
        ),
        ("metadata", ("read", "list"), "List its secrets and read their version history."),
    ),
    "manage": (
        (
            "data",
            ("create", "read", "update", "patch", "delete"),
            "Read, write, patch and soft-delete its secrets.",
        ),
        (
            "metadata",
            ("create", "read", "update", "patch", "delete", "list"),
            "List, read and set metadata; destroy a secret with all its versions.",
        ),
        ("delete", ("update",), "Soft-delete chosen versions (delete(versions=...))."),
        ("undelete", ("update",), "Restore soft-deleted versions."),
        ("destroy", ("update",), "Destroy chosen versions for good."),
    ),
}
_V1: dict[str, tuple[str, ...]] = {
    "read": ("read", "list"),
    "read-write": ("create", "read", "update", "delete", "list"),
    "manage": ("create", "read", "update", "delete", "list"),
}


def _environments(value: Iterable[Environment | str] | Environment | str) -> list[Environment]:
    items: Iterable[Environment | str]
    if isinstance(value, (Environment, str)):
        items = [value]
    elif isinstance(value, Iterable):
        items = value
    else:
        raise InvalidValueError(
            value,
            "is not an environment or a list of environments",
            "pass e.g. 'prod' or ['staging', 'prod']",
        )
    found: list[Environment] = []
    for item in items:
        env = item if isinstance(item, Environment) else Environment.parse(item)
        if env not in found:
            found.append(env)
    if not found:
        raise InvalidValueError(
            [], "names no environment", "pass at least one of 'dev', 'staging', 'prod'"
        )
    order = list(Environment)
    return sorted(found, key=order.index)


def _rule(path: str, capabilities: tuple[str, ...], comment: str) -> str:
    caps = ", ".join(f'"{c}"' for c in capabilities)
    return f'# {comment}\npath "{path}" {{\n  capabilities = [{caps}]\n}}\n'


def policy_for(
    service: str,
    environments: Iterable[Environment | str] | Environment | str,
    access: Access = "read",
    *,
    kv_version: int = 2,
) -> str:
    """HCL for a Vault policy granting ``service`` exactly its canonical paths.

    On KV v2 (the default) each environment gets two rules:
    ``{mount}/data/{service}/*`` (the values) and ``{mount}/metadata/{service}/*``
    (listing and version history). ``"read"`` grants ``read`` on the data and ``read``
    and ``list`` on the metadata; ``"read-write"`` adds ``create``, ``update``,
    ``patch`` and ``delete`` on the data (what ``SecretStore.write``, ``patch`` and
    ``delete`` need); ``"manage"`` also grants the version endpoints
    ``{mount}/delete|undelete|destroy/{service}/*`` and metadata writes and deletion
    (``delete(versions=)``, ``undelete``, ``destroy``, ``write_metadata``). On KV v1, one
    rule on ``{mount}/{service}/*`` (``manage`` is ``read-write`` there).

    No level grants ``list`` on the mount's root: ``SecretStore.list(env)`` without
    ``service=`` needs ``list`` on ``{mount}/metadata/`` and ``{mount}/metadata/*``,
    an operator's grant.

    Example:
        >>> print(policy_for("payments", ["prod"]))  # doctest: +ELLIPSIS
        # Vault policy for service "payments": read access in prod (KV v2).
        ...
        path "secret-prod/data/payments/*" {
          capabilities = ["read"]
        }
        ...

    Args:
        service: the service name, a canonical path segment (``payments``).
        environments: one environment or several (``Environment`` or a spelling
            :meth:`Environment.parse` understands).
        access: ``"read"``, ``"read-write"`` or ``"manage"``.
        kv_version: the KV version of the mounts, 2 or 1.

    Raises:
        InvalidValueError: the service is not a valid path segment, an environment is
            unknown or none is given, ``access`` or ``kv_version`` is not supported.
    """
    if access not in ACCESS_LEVELS:
        raise InvalidValueError(
            access, "is not an access level", "use 'read', 'read-write' or 'manage'"
        )
    if kv_version not in (1, 2) or isinstance(kv_version, bool):
        raise InvalidValueError(kv_version, "is not a KV version", "use 2 (or 1 for KV v1)")
    envs = _environments(environments)
    # Validates the service with the same rules as every canonical path.
    VaultPath(envs[0], service, "component", "name")
    names = ", ".join(env.value for env in envs)
    lines = [
        f'# Vault policy for service "{service}": {access} access in {names} (KV v{kv_version}).',
        "# Generated by mosaic_sdk.vault.policy_for; grants nothing outside these paths.",
        "",
    ]
    for env in envs:
        mount = env.vault_mount
        if kv_version == 2:
            for kind, capabilities, comment in _V2[access]:
                lines.append(_rule(f"{mount}/{kind}/{service}/*", capabilities, comment))
        else:
            lines.append(
                _rule(f"{mount}/{service}/*", _V1[access], f"{access} access to its secrets.")
            )
    return "\n".join(lines).rstrip("\n") + "\n"
