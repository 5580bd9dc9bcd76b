"""Vault secrets addressed by :class:`~mosaic_sdk.values.VaultPath`, over hvac.

* :class:`SecretStore` - read, write, patch, list, delete and version KV secrets in the
  mount of each path's environment (KV v2, or v1 where a mount is v1), with retries for
  Vault's transient answers and hvac's exceptions mapped into the SDK's error tree.
* :meth:`SecretStore.audit` -> :class:`AuditReport` - every path and field of a mount
  that breaks the canonical structure, each with its fix.
* :class:`AsyncSecretStore` - the same methods as coroutines for asyncio code: a thread
  adapter over :class:`SecretStore` (hvac is synchronous); cancelling the awaiting task
  does not stop a request in flight, so read back before retrying.
* :func:`policy_for` - least-privilege HCL policy for one service.

This is the only package that imports hvac; ``import mosaic_sdk`` does not load it.
"""

from mosaic_sdk.errors import (
    CheckAndSetError,
    MountNotFoundError,
    SecretNotFoundError,
    VaultConnectionError,
    VaultError,
    VaultPermissionError,
    VaultRateLimitError,
    VaultSealedError,
    VaultServerError,
    VaultTimeoutError,
    VaultTokenError,
)
from mosaic_sdk.vault._async import AsyncSecretStore
from mosaic_sdk.vault._models import (
    AuditFinding,
    AuditReport,
    Secret,
    SecretData,
    SecretVersion,
)
from mosaic_sdk.vault._policy import ACCESS_LEVELS, policy_for
from mosaic_sdk.vault._store import IDENTIFIER_FIELDS, SecretStore
from mosaic_sdk.vault._transport import VaultRetry

__all__ = [
    "ACCESS_LEVELS",
    "AsyncSecretStore",
    "AuditFinding",
    "AuditReport",
    "CheckAndSetError",
    "IDENTIFIER_FIELDS",
    "MountNotFoundError",
    "policy_for",
    "Secret",
    "SecretData",
    "SecretNotFoundError",
    "SecretStore",
    "SecretVersion",
    "VaultConnectionError",
    "VaultError",
    "VaultPermissionError",
    "VaultRateLimitError",
    "VaultRetry",
    "VaultSealedError",
    "VaultServerError",
    "VaultTimeoutError",
    "VaultTokenError",
]
