"""The whole exception tree of mosaic_sdk.

A single ``except mosaic_sdk.MosaicError`` catches everything the SDK raises: no
httpx, hvac or tenacity exception ever escapes. Every message names the offending
value and says what to do instead. Secret values never appear in a message: the
constructors run every message through the redactor.

```
MosaicError(Exception)
├── InvalidValueError(MosaicError, ValueError)   bad input text or argument; .value, .reason, .fix
│   ├── ForbiddenTagError                         `latest` / `dev` used as a deployment reference
│   └── ScanFileError                             bad scan report or waiver file; .path, .field
├── ConfigurationError                            missing token/base URL, contradictory options
│   └── PolicyFileError                           a bad retention config file; .path, .key, .fix
├── UnsupportedOperationError                     the server cannot do it; .workaround
├── CoordinationError                             a shared budget or lock failed; .backend
│   ├── CoordinationUnavailableError              Redis or the state file cannot be used
│   └── LockError                                 .key
│       ├── LockHeldError                         another holder kept it; .holder, .expires_in
│       └── StaleLeaseError                       lease expired or superseded; .token, .current
├── APIError                                      .provider, .method, .url, .message
│   ├── APIConnectionError                        DNS/connect/read failures
│   │   └── APITimeoutError
│   ├── APIStatusError                            .status_code, .body, .request_id
│   │   ├── BadRequestError (400)
│   │   ├── AuthenticationError (401)
│   │   ├── PermissionDeniedError (403)
│   │   ├── NotFoundError (404)
│   │   │   └── DeploymentNotQueuedError          Coolify never queued it; .deployment_uuid
│   │   ├── ConflictError (409)
│   │   ├── UnprocessableEntityError (422)
│   │   ├── RateLimitError (429)                  .retry_after: float | None
│   │   └── ServerError (>=500)
│   ├── APIResponseValidationError                body did not match the model
│   ├── DeploymentTimeoutError                    deployment did not settle in time; .deployment_id
│   └── HAProxyCommandError                       runtime API refused it; .command, .answer
├── TrafficSplitMismatchError                     weights read back differ; .expected, .actual
├── VaultError                                    every Vault failure; .status_code
│   ├── SecretNotFoundError (+NotFoundError)      no secret, or a deleted/destroyed version
│   ├── MountNotFoundError (+NotFoundError)       the mount is not enabled; .mount
│   ├── VaultTokenError (+AuthenticationError)    token invalid or expired (Vault says 403)
│   ├── VaultPermissionError (+PermissionDenied)  policy lacks a grant; .capability, .path
│   ├── CheckAndSetError (+ConflictError)         cas mismatch, or cas required; .required
│   ├── VaultRateLimitError (+RateLimitError)     rate-limit quota; .retry_after
│   ├── VaultServerError (+ServerError)           5xx after retries
│   │   └── VaultSealedError                      503: Vault is sealed
│   └── VaultConnectionError (+APIConnectionError)  unreachable, TLS, cross-origin redirect
│       └── VaultTimeoutError (+APITimeoutError)
└── WorkflowError                                 .completed_steps
    ├── PromotionError
    │   ├── EvidenceMissingError                  no passing evidence attached; .digest, .missing
    │   └── ScanGateError                         findings block prod; .decision
    ├── ValidationFailedError
    ├── RollbackError
    └── RetentionError
```
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, ClassVar

from mosaic_sdk._core._redact import redact_text, sanitize_url
from mosaic_sdk._core._repr import safe_repr

__all__ = [
    "APIConnectionError",
    "APIError",
    "APIResponseValidationError",
    "APIStatusError",
    "APITimeoutError",
    "AuthenticationError",
    "BadRequestError",
    "CheckAndSetError",
    "ConfigurationError",
    "ConflictError",
    "CoordinationError",
    "CoordinationUnavailableError",
    "DeploymentNotQueuedError",
    "DeploymentTimeoutError",
    "EvidenceMissingError",
    "ForbiddenTagError",
    "HAProxyCommandError",
    "InvalidValueError",
    "LockError",
    "LockHeldError",
    "MosaicError",
    "MountNotFoundError",
    "NotFoundError",
    "PermissionDeniedError",
    "PolicyFileError",
    "PromotionError",
    "RateLimitError",
    "RetentionError",
    "RollbackError",
    "ScanFileError",
    "ScanGateError",
    "SecretNotFoundError",
    "ServerError",
    "StaleLeaseError",
    "TrafficSplitMismatchError",
    "status_error_class",
    "UnprocessableEntityError",
    "UnsupportedOperationError",
    "ValidationFailedError",
    "VaultConnectionError",
    "VaultError",
    "VaultPermissionError",
    "VaultRateLimitError",
    "VaultSealedError",
    "VaultServerError",
    "VaultTimeoutError",
    "VaultTokenError",
    "WorkflowError",
]


def _shown_url(url: str) -> str:
    # The URL an error carries: no userinfo, no query string (tokens travel in both).
    if not isinstance(url, str) or not url:
        return url
    return sanitize_url(url).split("?", 1)[0].split("#", 1)[0]


def _redact(text: str) -> str:
    if not isinstance(text, str):
        raise InvalidValueError(
            type(text).__name__,
            "is the wrong type for redact_text()",
            "pass str(value), or redact_mapping() for a dict",
        )
    return redact_text(text)


# A value is quoted in full up to this many characters (a full image reference fits);
# longer ones (a 100 kB string passed by mistake) are cut, with their length, so the
# message stays readable.
_MAX_VALUE_REPR = 512


def _short_repr(value: object) -> str:
    # Redacted before it is cut: a cut through a secret would leave a prefix unmasked.
    text = _redact(repr(value))
    if len(text) <= _MAX_VALUE_REPR:
        return text
    size = f"{len(value)} characters" if isinstance(value, (str, bytes)) else "truncated"
    return f"{text[: _MAX_VALUE_REPR - 32]}...({size})"


class MosaicError(Exception):
    """Root of every exception the SDK raises.

    ``str(error)`` is the message; it has already been passed through the secret
    redactor, so it is safe to log.
    """

    def __init__(self, message: str) -> None:
        self.message = _redact(message)
        super().__init__(self.message)

    @safe_repr
    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.message!r})"


class InvalidValueError(MosaicError, ValueError):
    """A value given to the SDK is malformed or not allowed.

    Raised by every ``parse`` and validator. Also a :class:`ValueError`, so idiomatic
    ``except ValueError`` keeps working.

    Attributes:
        value: the offending value as given; text is passed through the redactor, so a
            known secret (or a ``token=...`` pair) in it reads ``***``.
        reason: what is wrong with it.
        fix: what to do instead.
    """

    def __init__(self, value: object, reason: str, fix: str = "") -> None:
        self.value = _redact(value) if isinstance(value, str) else value
        self.reason = reason
        self.fix = fix
        # Each part is redacted on its own and the joined text is not redacted again:
        # joined, "'passwd': is not a standard field name" reads as a secret-named
        # key/value pair, and the first word of the reason would be masked.
        message = f"{_short_repr(value)}: {_redact(reason)}"
        if fix:
            message += f"; {_redact(fix)}"
        self.message = message
        Exception.__init__(self, message)


class ForbiddenTagError(InvalidValueError):
    """A mutable development tag (``latest``, ``dev``) was used as a deployment reference.

    These tags move without notice, so a deployment that names them cannot be reproduced
    or rolled back. Use a digest, ``sha-<commit>``, ``vX.Y.Z-rc.N`` or ``vX.Y.Z``.
    """


class ScanFileError(InvalidValueError):
    """A vulnerability report (Trivy JSON, Grype JSON, SARIF) or a waiver file is
    missing, unreadable or malformed.

    Attributes:
        path: the file (or the name the text was given as).
        field: the offending field (``Results[0].Vulnerabilities[3].Severity``,
            ``waivers[1].expires``), ``""`` when the file as a whole is wrong.
    """

    def __init__(self, path: str, field: str, reason: str, fix: str = "") -> None:
        self.path = path
        self.field = field
        super().__init__(path, f"field {field} {reason}" if field else reason, fix)


class ConfigurationError(MosaicError):
    """The SDK was set up inconsistently: a missing token or base URL, conflicting
    options, or a workflow built without what it needs (for example a canary without
    metric gates)."""


class PolicyFileError(ConfigurationError):
    """A retention configuration file (TOML or YAML) is unreadable or wrong: an unknown
    key, a value of the wrong kind, a bad duration or pattern.

    Attributes:
        path: the file, as given.
        key: where in the file, e.g. ``overrides[1].sha_max_age`` (``""`` for the whole
            file).
        fix: what to write instead.
    """

    def __init__(self, path: str, key: str, problem: str, fix: str) -> None:
        self.path = path
        self.key = key
        self.fix = fix
        where = f"{path}: {key}" if key else path
        super().__init__(f"{where}: {problem}; {fix}")


class UnsupportedOperationError(MosaicError):
    """The remote system cannot perform the requested operation through its API.

    Attributes:
        workaround: how to achieve the same result another way.
    """

    def __init__(self, message: str, *, workaround: str = "") -> None:
        self.workaround = workaround
        super().__init__(f"{message}; workaround: {workaround}" if workaround else message)


class CoordinationError(MosaicError):
    """State shared between processes or machines (a :class:`~mosaic_sdk.RateLimit`
    budget, a :class:`~mosaic_sdk.DeploymentLock`) could not be used.

    Attributes:
        backend: ``"memory"``, ``"file"`` or ``"redis"``.
    """

    def __init__(self, message: str, *, backend: str = "") -> None:
        self.backend = backend
        super().__init__(message)


class CoordinationUnavailableError(CoordinationError):
    """The backend cannot be reached or read: Redis is down, refuses the password or
    times out; the state file's directory is missing or not writable; the state file is
    not the SDK's. Nothing was sent or changed: a budget or lock that cannot be checked
    is never skipped (fail closed)."""


class LockError(CoordinationError):
    """A :class:`~mosaic_sdk.DeploymentLock` refused a lease.

    Attributes:
        key: the locked key (``"team/app:prod"``).
    """

    def __init__(self, message: str, *, key: str, backend: str = "") -> None:
        self.key = key
        super().__init__(message, backend=backend)


class LockHeldError(LockError):
    """Another holder kept the key for the whole wait.

    Attributes:
        holder: who holds it (``host:pid``, plus the label it gave), never a secret.
        expires_in: seconds until its lease expires unless it is renewed.
    """

    def __init__(
        self,
        message: str,
        *,
        key: str,
        holder: str,
        expires_in: float,
        backend: str = "",
    ) -> None:
        self.holder = holder
        self.expires_in = expires_in
        super().__init__(message, key=key, backend=backend)


class StaleLeaseError(LockError):
    """A lease is no longer the key's current one: it expired and another holder took
    the key (with a higher fencing token), or it was released. The work it guarded
    must stop; nothing further was written under it.

    Attributes:
        token: the stale lease's fencing token.
        current: the key's newest fencing token (higher when someone took over).
    """

    def __init__(
        self, message: str, *, key: str, token: int, current: int, backend: str = ""
    ) -> None:
        self.token = token
        self.current = current
        super().__init__(message, key=key, backend=backend)


class APIError(MosaicError):
    """A call to a remote API (registry, provider, Prometheus) failed.

    Attributes:
        provider: short name of the remote system (``"coolify"``, ``"registry"``...).
        method: HTTP method of the failed request.
        url: URL of the failed request, without its userinfo and query string.
    """

    def __init__(
        self,
        message: str,
        *,
        provider: str = "",
        method: str = "",
        url: str = "",
    ) -> None:
        self.provider = provider
        self.method = method
        self.url = _shown_url(url)
        prefix = f"{provider}: " if provider else ""
        where = f" ({method} {self.url})" if method and self.url else ""
        super().__init__(f"{prefix}{message}{where}")


class APIConnectionError(APIError):
    """The server could not be reached, or the connection broke before an answer.

    Retried automatically by the HTTP core; raised when retries are exhausted.

    Attributes:
        request_sent: False when the request certainly never reached the server
            (connection refused, DNS failure, connect timeout), so even a POST is
            safe to send again.
    """

    def __init__(
        self,
        message: str,
        *,
        provider: str = "",
        method: str = "",
        url: str = "",
        request_sent: bool = True,
    ) -> None:
        self.request_sent = request_sent
        super().__init__(message, provider=provider, method=method, url=url)


class APITimeoutError(APIConnectionError):
    """The server did not answer within the configured timeout."""


class APIStatusError(APIError):
    """The server answered with an error status.

    Attributes:
        status_code: the HTTP status code.
        body: the response body as text (truncated, redacted).
        request_id: the server's request id header, when present.
    """

    status: ClassVar[int | None] = None

    def __init__(
        self,
        message: str,
        *,
        status_code: int,
        body: str = "",
        request_id: str | None = None,
        provider: str = "",
        method: str = "",
        url: str = "",
    ) -> None:
        self.status_code = status_code
        self.body = _redact(body[:2000])
        self.request_id = request_id
        super().__init__(message, provider=provider, method=method, url=url)


class BadRequestError(APIStatusError):
    """HTTP 400: the request was malformed."""

    status = 400


class AuthenticationError(APIStatusError):
    """HTTP 401: the credentials are missing, expired or wrong."""

    status = 401


class PermissionDeniedError(APIStatusError):
    """HTTP 403: the credentials are valid but lack a permission."""

    status = 403


class NotFoundError(APIStatusError):
    """HTTP 404: the resource does not exist."""

    status = 404


class DeploymentNotQueuedError(NotFoundError):
    """A deployment uuid that Coolify's ``POST /deploy`` (or a start/restart) just returned
    does not exist: Coolify did not queue it.

    Coolify hands out a fresh uuid even when it skips the deploy (an identical one is
    already queued) and, on start/restart, even when its queue is full. Find the real
    deployment with :meth:`~mosaic_sdk.CoolifyClient.list_application_deployments`
    (``take=1``), or deploy again through ``POST /deploy``, which reports a full queue as
    a 429.

    Attributes:
        deployment_uuid: the uuid that answered 404.
    """

    def __init__(self, message: str, *, deployment_uuid: str, url: str = "") -> None:
        self.deployment_uuid = deployment_uuid
        super().__init__(message, status_code=404, provider="coolify", method="GET", url=url)


class ConflictError(APIStatusError):
    """HTTP 409: a conflicting operation is in progress. Never retried automatically:
    on deployment providers it is a real conflict, not a lock timeout."""

    status = 409


class UnprocessableEntityError(APIStatusError):
    """HTTP 422: the request was well formed but semantically invalid."""

    status = 422


class RateLimitError(APIStatusError):
    """HTTP 429, or a client-side wait longer than the retry cap.

    Attributes:
        retry_after: seconds the server asked to wait, when it said.
    """

    status = 429

    def __init__(
        self,
        message: str,
        *,
        status_code: int = 429,
        retry_after: float | None = None,
        body: str = "",
        request_id: str | None = None,
        provider: str = "",
        method: str = "",
        url: str = "",
    ) -> None:
        self.retry_after = retry_after
        super().__init__(
            message,
            status_code=status_code,
            body=body,
            request_id=request_id,
            provider=provider,
            method=method,
            url=url,
        )


class ServerError(APIStatusError):
    """HTTP 5xx: the server failed. Retried automatically for 500, 502, 503, 504."""


class APIResponseValidationError(APIError):
    """The server answered with success, but the body does not match the documented
    model (a missing field, a wrong type, a digest that does not match the content)."""


class DeploymentTimeoutError(APIError):
    """A provider deployment did not reach a terminal state within the wait timeout.

    The deployment itself is untouched and may still finish: check it again later, or
    cancel it on the provider.

    Attributes:
        deployment_id: the provider's deployment id.
        last_status: the last status seen (``"in_progress"``, ``"BUILDING"``...), if any.
        timeout: the seconds waited.
    """

    def __init__(
        self,
        message: str,
        *,
        deployment_id: str,
        last_status: str | None = None,
        timeout: float = 0.0,
        provider: str = "",
    ) -> None:
        self.deployment_id = deployment_id
        self.last_status = last_status
        self.timeout = timeout
        super().__init__(message, provider=provider)


class HAProxyCommandError(APIError):
    """HAProxy's runtime API (the admin socket) refused a command or answered something
    the SDK cannot read: an unknown backend or server, a weight out of range, a socket
    whose level is not ``admin``.

    Attributes:
        command: the command sent (``set weight app/canary 10``; never a secret).
        answer: HAProxy's answer, verbatim.
    """

    def __init__(self, message: str, *, command: str, answer: str, socket: str = "") -> None:
        self.command = command
        self.answer = answer
        super().__init__(message, provider="haproxy", method=command, url=socket)


class TrafficSplitMismatchError(MosaicError):
    """A traffic splitter read its weights back and they differ from those it just set
    (another writer, a server HAProxy forced into maintenance, a lost command). Never a
    silent pass: the split users see is not the one the release asked for.

    Attributes:
        expected: the weights set, by server (``{"stable": 90, "canary": 10}``).
        actual: the weights read back, by server.
    """

    def __init__(self, message: str, *, expected: dict[str, int], actual: dict[str, int]) -> None:
        self.expected = dict(expected)
        self.actual = dict(actual)
        super().__init__(message)


class VaultError(MosaicError):
    """A Vault operation failed (translated from hvac's exceptions).

    The base of every Vault error, so ``except VaultError`` catches them all. Most
    subclasses are also members of the HTTP branch of the tree (``NotFoundError``,
    ``RateLimitError``, ``APITimeoutError``...), so ``except RateLimitError`` catches a
    Vault quota as well as a provider's 429.

    Attributes:
        status_code: the HTTP status Vault answered with, when known.
    """

    provider: str
    status_code: int | None

    def __init__(
        self, message: str, *, status_code: int | None = None, retry_after: float | None = None
    ) -> None:
        # Cooperative with the HTTP branch of a subclass (NotFoundError, RateLimitError,
        # APITimeoutError...): their __init__ takes the status and retry_after.
        me: Any = self  # mypy cannot picture the mixed subclasses here
        extra: dict[str, Any] = {}
        if isinstance(me, APIStatusError):
            if status_code is None:
                status_code = me.status
            extra["status_code"] = status_code or 0
        if isinstance(me, RateLimitError):
            extra["retry_after"] = retry_after
        super().__init__(message, **extra)
        if isinstance(me, APIError):
            self.provider = "vault"
        self.status_code = status_code


class SecretNotFoundError(VaultError, NotFoundError):  # type: ignore[misc]
    """No secret exists at a Vault path, or the requested version is deleted or destroyed.

    Raised by ``SecretStore.read``, ``patch`` and ``versions``; ``status_code`` is 404.
    """


class MountNotFoundError(VaultError, NotFoundError):  # type: ignore[misc]
    """The Vault mount a path needs is not enabled (Vault: "no handler for route").

    The message names the mount and the command that enables it.

    Attributes:
        mount: the mount name, e.g. ``secret-staging``.
    """

    def __init__(self, message: str, *, mount: str, status_code: int | None = 404) -> None:
        self.mount = mount
        super().__init__(message, status_code=status_code)


class VaultTokenError(VaultError, AuthenticationError):  # type: ignore[misc]
    """The Vault token is invalid, expired or revoked: log in again.

    Vault answers such a token with 403 "permission denied" (never 401); the SDK tells
    it apart from a policy denial with ``auth/token/lookup-self``.
    """


class VaultPermissionError(VaultError, PermissionDeniedError):  # type: ignore[misc]
    """The token is valid but its policies do not grant what the call needs.

    Attributes:
        capability: the capability missing (``read``, ``update``, ``list``...), if known.
        path: the API path it is missing on (``secret-prod/data/payments/db/app``).
    """

    def __init__(
        self,
        message: str,
        *,
        capability: str | None = None,
        path: str | None = None,
        status_code: int | None = 403,
    ) -> None:
        self.capability = capability
        self.path = path
        super().__init__(message, status_code=status_code)


class CheckAndSetError(VaultError, ConflictError):  # type: ignore[misc]
    """A KV v2 check-and-set write was refused: the version given is not the current
    one, or the mount requires ``cas=`` and none was given (``required``).

    Attributes:
        required: True when the mount (or secret) has ``cas_required`` set and the
            call gave no ``cas``.
    """

    def __init__(self, message: str, *, required: bool = False, status_code: int = 400) -> None:
        self.required = required
        super().__init__(message, status_code=status_code)


class VaultRateLimitError(VaultError, RateLimitError):  # type: ignore[misc]
    """Vault's rate-limit quota refused the request (429) and waiting for the window to
    reset would exceed the retry cap. ``retry_after`` is when the window resets."""


class VaultServerError(VaultError, ServerError):  # type: ignore[misc]
    """Vault answered 5xx (retries exhausted)."""


class VaultSealedError(VaultServerError):
    """Vault is sealed (503): unseal it (``vault operator unseal``)."""


class VaultConnectionError(VaultError, APIConnectionError):
    """Vault could not be reached, TLS verification failed, or Vault redirected to
    another origin (the token is never sent there)."""


class VaultTimeoutError(VaultConnectionError, APITimeoutError):
    """Vault did not answer within the client timeout."""


class WorkflowError(MosaicError):
    """A multi-step workflow stopped. Workflows never retry a multi-step operation
    automatically; each step is idempotent and this error says which completed.

    Attributes:
        completed_steps: the steps that completed before the failure, in order.
    """

    def __init__(self, message: str, *, completed_steps: Sequence[str] = ()) -> None:
        self.completed_steps = tuple(completed_steps)
        if self.completed_steps:
            message += f" (completed steps: {', '.join(self.completed_steps)})"
        super().__init__(message)


class PromotionError(WorkflowError):
    """A promotion was refused or failed (wrong environment order, mutable source tag,
    pointer that did not move)."""


class EvidenceMissingError(PromotionError):
    """``Promotion(..., require_evidence=True)`` refused to move ``prod``: the digest has
    no passing validation report from ``testing`` attached in the registry.

    Attributes:
        digest: the digest that was to be promoted (a ``Digest``).
        missing: what is missing, one phrase each
            (``"a passing validation report from testing"``).
    """

    def __init__(
        self,
        message: str,
        *,
        digest: Any = None,
        missing: Sequence[str] = (),
        completed_steps: Sequence[str] = (),
    ) -> None:
        self.digest = digest
        self.missing = tuple(missing)
        super().__init__(message, completed_steps=completed_steps)


class ScanGateError(PromotionError):
    """A scan gate refused a promotion: no vulnerability report is for the digest, or
    findings at or above the gate's severity are not waived. The message lists each
    finding (CVE, package, installed and fixed version) and the expired waivers.

    Attributes:
        decision: the gate's ``ScanDecision`` (blocking findings, waivers, reports).
    """

    def __init__(
        self, message: str, *, decision: Any = None, completed_steps: Sequence[str] = ()
    ) -> None:
        self.decision = decision
        super().__init__(message, completed_steps=completed_steps)


class ValidationFailedError(WorkflowError):
    """Post-deploy validation failed; the attached report holds the evidence.

    Attributes:
        report: the validation report (``ValidationReport``), when available.
    """

    def __init__(
        self, message: str, *, report: Any = None, completed_steps: Sequence[str] = ()
    ) -> None:
        self.report = report
        super().__init__(message, completed_steps=completed_steps)


class RollbackError(WorkflowError):
    """A rollback could not restore the previous release."""


class RetentionError(WorkflowError):
    """A retention plan could not be computed or applied."""


_STATUS_CLASSES: dict[int, type[APIStatusError]] = {
    cls.status: cls
    for cls in (
        BadRequestError,
        AuthenticationError,
        PermissionDeniedError,
        NotFoundError,
        ConflictError,
        UnprocessableEntityError,
        RateLimitError,
    )
    if cls.status is not None
}


def status_error_class(status_code: int) -> type[APIStatusError]:
    """Return the most specific :class:`APIStatusError` subclass for ``status_code``."""
    if status_code >= 500:
        return ServerError
    return _STATUS_CLASSES.get(status_code, APIStatusError)
