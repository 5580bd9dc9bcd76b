"""Translate hvac and requests exceptions into the SDK's error tree.

Every message names the Vault path and the operation, never a value, and says what to
do. The original exception is kept as ``__cause__`` for debugging; it carries only the
method, URL and Vault's error strings, which do not echo secret values.
"""

from __future__ import annotations

from typing import Any

import hvac.exceptions
import requests
import urllib3.exceptions

from mosaic_sdk.errors import (
    CheckAndSetError,
    MosaicError,
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
from mosaic_sdk.vault._transport import (
    CrossOriginRedirect,
    RateLimitWait,
    last_rate_limit_wait,
    last_status,
)

__all__ = [
    "DeadToken",
    "enable_command",
    "is_no_route",
    "is_token_denial",
    "map_vault_error",
    "mount_not_found",
    "token_invalid",
]

# hvac's exception class for each status it knows; anything else is UnexpectedError.
_STATUS_OF: dict[type[Exception], int] = {
    hvac.exceptions.InvalidRequest: 400,
    hvac.exceptions.Unauthorized: 401,
    hvac.exceptions.Forbidden: 403,
    hvac.exceptions.InvalidPath: 404,
    hvac.exceptions.PreconditionFailed: 412,
    hvac.exceptions.RateLimitExceeded: 429,
    hvac.exceptions.InternalServerError: 500,
    hvac.exceptions.VaultNotInitialized: 501,
    hvac.exceptions.BadGateway: 502,
    hvac.exceptions.VaultDown: 503,
}


class DeadToken(hvac.exceptions.Forbidden):  # type: ignore[misc]  # hvac is untyped
    """A 403 for a token Vault no longer knows (expired, revoked or never issued), as
    ``auth/token/lookup-self`` confirmed, that logging in again did not cure or that no
    login could cure (a store built from a token). Raised by ``SecretStore._send`` so
    the mapping sites tell it from a policy denial without asking Vault again."""

    @classmethod
    def of(cls, exc: hvac.exceptions.Forbidden) -> DeadToken:
        return cls(
            exc.args[0] if exc.args else None, errors=exc.errors, method=exc.method, url=exc.url
        )


def _status(exc: hvac.exceptions.VaultError) -> int | None:
    for cls in type(exc).__mro__:
        if cls in _STATUS_OF:
            return _STATUS_OF[cls]
    return None


def _vault_errors(exc: hvac.exceptions.VaultError) -> str:
    errors: Any = exc.errors
    if isinstance(errors, (list, tuple)):
        text = "; ".join(" ".join(str(e).split()) for e in errors if str(e).strip())
    elif exc.args and exc.args[0]:
        text = " ".join(str(exc.args[0]).split())
    else:
        text = ""
    return text[:500]


def _is_read_timeout(exc: BaseException) -> bool:
    # With a urllib3 Retry mounted, requests reports an exhausted read timeout as a
    # ConnectionError wrapping MaxRetryError(reason=ReadTimeoutError).
    # NewConnectionError (refused, DNS) subclasses ConnectTimeoutError for history's
    # sake: it is not a timeout.
    reason = getattr(exc.args[0], "reason", None) if exc.args else None
    if isinstance(reason, urllib3.exceptions.NewConnectionError):
        return False
    return isinstance(reason, urllib3.exceptions.TimeoutError)


def enable_command(mount: str) -> str:
    """The CLI command that enables ``mount`` as the KV engine the SDK expects."""
    return f"vault secrets enable -path={mount} kv-v2"


def mount_not_found(mount: str, *, action: str, path: str) -> MountNotFoundError:
    """The error for a mount that is not enabled (Vault: "no handler for route")."""
    return MountNotFoundError(
        f"cannot {action} {path}: the mount {mount} is not enabled on this Vault; enable it "
        f"with `{enable_command(mount)}` (or `bao secrets enable ...` on OpenBao), or check "
        "VAULT_ADDR and the namespace",
        mount=mount,
    )


def token_invalid(*, action: str, path: str) -> VaultTokenError:
    """The error for a token Vault does not know (invalid, expired or revoked)."""
    return VaultTokenError(
        f"cannot {action} {path}: token invalid or expired: log in again "
        "(SecretStore.from_token with a fresh token, or from_approle) - Vault answers such "
        "a token with 403 'permission denied', which is not a policy problem",
        status_code=403,
    )


def is_no_route(exc: BaseException) -> bool:
    """Vault's answer for a path under no mount: 404 "no handler for route"."""
    return isinstance(exc, hvac.exceptions.InvalidPath) and "no handler for route" in (
        _vault_errors(exc)
    )


def is_token_denial(exc: BaseException) -> bool:
    """A 403 in the shape Vault gives an unknown token: the single line "permission
    denied" (a policy denial reads "1 error occurred: * permission denied")."""
    return isinstance(exc, hvac.exceptions.Forbidden) and _vault_errors(exc) == (
        "permission denied"
    )


def map_vault_error(
    exc: BaseException,
    *,
    action: str,
    path: str,
    hint: str = "",
    capability: str | None = None,
    api_path: str | None = None,
    mount: str | None = None,
) -> MosaicError:
    """Return the SDK error for ``exc``, raised while doing ``action`` on ``path``.

    Args:
        exc: an hvac or requests exception (anything else becomes a generic
            :class:`~mosaic_sdk.errors.VaultError`).
        action: what was being done, e.g. ``"read"`` or ``"list"``.
        path: the Vault path (canonical text or API path), never a value.
        hint: the fix for a policy denial (403), e.g. the ``policy_for(...)`` call.
        capability: the capability the call needs, named in a 403.
        api_path: the API path the capability is needed on.
        mount: the mount of ``path``, named when it is not enabled.
    """
    if isinstance(exc, MosaicError):
        return exc
    where = f"cannot {action} {path}"
    if isinstance(exc, hvac.exceptions.VaultError):
        # hvac has no class for some statuses (412, 418...): use the one the session
        # hook recorded for this answer.
        status = _status(exc) or last_status()
        detail = _vault_errors(exc)
        said = f" (Vault said: {detail})" if detail else ""
        if status == 404 and mount is not None and is_no_route(exc):
            return mount_not_found(mount, action=action, path=path)
        if status == 404:
            return SecretNotFoundError(
                f"{where}: no secret there; check the path with SecretStore.list() or write "
                "the secret first",
                status_code=404,
            )
        if status == 400 and "check-and-set parameter required" in detail:
            return CheckAndSetError(
                f"{where}: the mount (or this secret) requires check-and-set{said}; pass "
                "cas=<current version> (cas=0 to create), after reading the secret's version",
                required=True,
            )
        if status == 400 and "check-and-set" in detail:
            return CheckAndSetError(
                f"{where}: the check-and-set version does not match the current version"
                f"{said}; read the secret again and retry with cas=<its version>"
            )
        if status == 403:
            grant = f" {capability!r} on {api_path}" if capability and api_path else " this"
            return VaultPermissionError(
                f"{where}: the token's policies do not grant{grant}; "
                + (hint or "grant it with mosaic_sdk.vault.policy_for(...)"),
                capability=capability,
                path=api_path,
            )
        if status == 429:
            wait = last_rate_limit_wait()
            when = f" (the window resets in {wait:.0f}s)" if wait is not None else ""
            return VaultRateLimitError(
                f"{where}: Vault's rate-limit quota was hit{when}{said}; wait for the window "
                "to reset, or lower the request rate",
                retry_after=wait,
            )
        fixes = {
            400: "check the request; the path and fields are already validated",
            401: "the token is missing, expired or revoked; log in again "
            "(SecretStore.from_token / from_approle) or renew the token",
            412: "Vault is still replicating this change to the node you reached; "
            "retries are exhausted, try again shortly",
            500: "Vault failed internally; retries are exhausted, check Vault's server log",
            501: "Vault is not initialized; initialize and unseal it first",
            502: "a proxy in front of Vault could not reach it; check the proxy and Vault",
            503: "Vault is sealed, in maintenance or a standby without a leader; unseal it "
            "or wait for an active node",
        }
        fix = fixes.get(status or 0, "see Vault's server log for the request")
        code = f" with HTTP {status}" if status else ""
        message = f"{where}: Vault answered{code}{said}; {fix}"
        if status == 503 and "sealed" in detail.lower():
            return VaultSealedError(
                f"{where}: Vault is sealed; unseal it (vault operator unseal) and retry",
                status_code=503,
            )
        if status is not None and status >= 500:
            return VaultServerError(message, status_code=status)
        return VaultError(message, status_code=status)
    if isinstance(exc, CrossOriginRedirect):
        return VaultConnectionError(
            f"{where}: Vault's answer redirected from {exc.source} to another origin "
            f"({exc.target}); the redirect was not followed, so the token never went there. "
            "Point VAULT_ADDR at the Vault node or load balancer that answers itself"
        )
    if isinstance(exc, requests.exceptions.RetryError):
        reason = getattr(exc.args[0], "reason", None) if exc.args else None
        if isinstance(reason, RateLimitWait):
            return VaultRateLimitError(
                f"{where}: Vault's rate-limit quota was hit and the window resets in "
                f"{reason.wait:.0f}s, beyond the retry cap; wait and retry, or lower the "
                "request rate",
                retry_after=reason.wait,
            )
    if isinstance(exc, requests.exceptions.SSLError):
        return VaultConnectionError(
            f"{where}: TLS verification of the Vault server failed ({type(exc).__name__}); "
            "point VAULT_CACERT (or verify=) at the CA bundle that signed Vault's certificate "
            "- never disable verification"
        )
    if isinstance(exc, requests.exceptions.Timeout) or _is_read_timeout(exc):
        return VaultTimeoutError(
            f"{where}: Vault did not answer in time ({type(exc).__name__}); check the "
            "network path to Vault or raise the client timeout"
        )
    if isinstance(exc, requests.exceptions.RequestException):
        return VaultConnectionError(
            f"{where}: could not reach Vault ({type(exc).__name__}); check VAULT_ADDR and "
            "that the server is up"
        )
    return VaultError(f"{where}: unexpected {type(exc).__name__} from the Vault client")
