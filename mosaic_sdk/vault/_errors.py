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

from mosaic_sdk.errors import MosaicError, SecretNotFoundError, VaultError
from mosaic_sdk.vault._transport import last_status

__all__ = ["map_vault_error"]

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


def map_vault_error(exc: BaseException, *, action: str, path: str, hint: str = "") -> MosaicError:
    """Return the SDK error for ``exc``, raised while doing ``action`` on ``path``.

    Args:
        exc: an hvac or requests exception (anything else becomes a generic
            :class:`~mosaic_sdk.errors.VaultError`).
        action: what was being done, e.g. ``"read"`` or ``"list"``.
        path: the Vault path (canonical text or API path), never a value.
        hint: an extra fix for 403 answers, e.g. the ``policy_for(...)`` call to use.
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
        if status == 404:
            return SecretNotFoundError(
                f"{where}: no secret there, or its requested version is deleted or destroyed"
                f"{said}; check the path with SecretStore.list() or write the secret first",
                status_code=404,
            )
        if status == 400 and "check-and-set" in detail:
            return VaultError(
                f"{where}: the check-and-set version does not match the current version"
                f"{said}; read the secret again and retry with cas=<its version>",
                status_code=400,
            )
        fixes = {
            400: "check the request; the path and fields are already validated, so this "
            "usually means the mount is not a KV engine",
            401: "the token is missing, expired or revoked; log in again "
            "(SecretStore.from_token / from_approle) or renew the token",
            403: "the token's policies do not grant this; "
            + (hint or "grant it with mosaic_sdk.vault.policy_for(...)"),
            412: "Vault is still replicating this change to the node you reached; "
            "retries are exhausted, try again shortly",
            429: "Vault's rate limit quota was hit; wait and retry, or lower the request rate",
            500: "Vault failed internally; retries are exhausted, check Vault's server log",
            501: "Vault is not initialized; initialize and unseal it first",
            502: "a proxy in front of Vault could not reach it; check the proxy and Vault",
            503: "Vault is sealed, in maintenance or a standby without a leader; unseal it "
            "or wait for an active node",
        }
        fix = fixes.get(status or 0, "see Vault's server log for the request")
        code = f" with HTTP {status}" if status else ""
        return VaultError(f"{where}: Vault answered{code}{said}; {fix}", status_code=status)
    if isinstance(exc, requests.exceptions.SSLError):
        return VaultError(
            f"{where}: TLS verification of the Vault server failed ({type(exc).__name__}); "
            "point VAULT_CACERT (or verify=) at the CA bundle that signed Vault's certificate "
            "- never disable verification"
        )
    if isinstance(exc, requests.exceptions.Timeout) or _is_read_timeout(exc):
        return VaultError(
            f"{where}: Vault did not answer in time ({type(exc).__name__}); check the "
            "network path to Vault or raise the client timeout"
        )
    if isinstance(exc, requests.exceptions.RequestException):
        return VaultError(
            f"{where}: could not reach Vault ({type(exc).__name__}); check VAULT_ADDR and "
            "that the server is up"
        )
    return VaultError(f"{where}: unexpected {type(exc).__name__} from the Vault client")
