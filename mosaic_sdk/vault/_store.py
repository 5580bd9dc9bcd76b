"""SecretStore: KV secrets addressed only by :class:`~mosaic_sdk.values.VaultPath`.

hvac does the HTTP and authentication; this module decides which endpoint a
:class:`VaultPath` maps to (the mount of its environment, KV v2 or v1), validates what
is written, turns hvac's ``dict | Response`` answers into frozen models, registers every
secret value with the redactor and maps every failure into the SDK's error tree.
"""

from __future__ import annotations

import builtins
import json
import logging
import math
import os
import threading
import time
import urllib.parse
from collections.abc import Callable, Iterable, Mapping
from typing import Any, Final

import hvac
import hvac.exceptions
import requests

from mosaic_sdk._core._redact import register_secret
from mosaic_sdk._core._repr import safe_repr
from mosaic_sdk._http import RetryPolicy
from mosaic_sdk.errors import (
    ConfigurationError,
    InvalidValueError,
    MosaicError,
    SecretNotFoundError,
    UnsupportedOperationError,
    VaultError,
    VaultPermissionError,
    VaultTokenError,
)
from mosaic_sdk.values import Environment, VaultPath, validate_fields
from mosaic_sdk.vault._errors import (
    DeadToken,
    enable_command,
    is_no_route,
    is_token_denial,
    map_vault_error,
    mount_not_found,
    token_invalid,
)
from mosaic_sdk.vault._fields import IDENTIFIER_FIELDS, register_values
from mosaic_sdk.vault._models import (
    AuditReport,
    Secret,
    SecretData,
    SecretVersion,
    parse_vault_time,
)
from mosaic_sdk.vault._transport import guard_redirects, mount_retry_adapter

__all__ = ["IDENTIFIER_FIELDS", "SecretStore"]

logger = logging.getLogger("mosaic_sdk.vault")

# The HTTP core's defaults: 2 retries, 0.5 s initial backoff doubling to 8 s, jitter.
_DEFAULT_RETRY: Final = RetryPolicy()


def _check_values(path: VaultPath, data: Mapping[str, object]) -> dict[str, str]:
    for field, value in data.items():
        if not isinstance(value, str):
            # The message names the field and the value's type, never the value.
            raise InvalidValueError(
                f"{path}#{field}",
                f"the value of field {field!r} is not a string (it is {type(value).__name__})",
                "store every field as text, e.g. str(port)",
            )
    return {str(k): v for k, v in data.items() if isinstance(v, str)}


def _check_version(value: object, name: str = "version") -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        raise InvalidValueError(value, f"is not a secret {name}", "use a version number from 1")
    return value


def _check_versions(values: Iterable[int]) -> builtins.list[int]:
    if isinstance(values, (str, bytes)) or not isinstance(values, Iterable):
        raise InvalidValueError(
            values, "is not a collection of secret versions", "pass a list such as [1, 2]"
        )
    checked = [_check_version(v) for v in values]
    if not checked:
        raise InvalidValueError([], "names no version", "pass at least one version number")
    return sorted(set(checked))


def _as_path(path: VaultPath | str) -> VaultPath:
    if isinstance(path, VaultPath):
        return path
    if isinstance(path, str):
        return VaultPath.parse(path)
    raise InvalidValueError(
        path, "is not a Vault path", "pass a VaultPath, e.g. VaultPaths('prod').path(...)"
    )


def _as_environment(value: Environment | str) -> Environment:
    return value if isinstance(value, Environment) else Environment.parse(value)


def _mount_name(value: Environment | str) -> str:
    """The mount an :class:`Environment`, an environment name (``"prod"``,
    ``"production"``...) or a mount name (``"secret-prod"``, ``"kv"``) stands for."""
    if isinstance(value, Environment):
        return value.vault_mount
    if not isinstance(value, str) or not value.strip("/") or "/" in value.strip("/"):
        raise InvalidValueError(
            value, "is not a mount name", "pass an Environment or a mount such as 'secret-prod'"
        )
    try:
        return Environment.parse(value).vault_mount
    except InvalidValueError:
        return value.strip("/")


def _check_client_options(
    kv_versions: object, retry: object, timeout: object = 30.0, verify: object = True
) -> None:
    if kv_versions is not None and not isinstance(kv_versions, Mapping):
        raise InvalidValueError(
            type(kv_versions).__name__,
            "kv_versions= is not a mapping of mounts to KV versions",
            "pass e.g. {Environment.DEV: 1}",
        )
    if retry is not None and not isinstance(retry, RetryPolicy):
        raise InvalidValueError(
            type(retry).__name__,
            "retry= is not a RetryPolicy",
            "pass RetryPolicy(...), or None for no retries",
        )
    if (
        isinstance(timeout, bool)
        or not isinstance(timeout, (int, float))
        or not math.isfinite(timeout)
        or timeout <= 0
    ):
        raise InvalidValueError(timeout, "is not a timeout", "pass a positive number of seconds")
    if isinstance(verify, str):
        if not os.path.exists(verify):
            raise ConfigurationError(
                f"CA bundle {verify!r} does not exist; point verify= (or VAULT_CACERT) at the "
                "PEM file of the CA that signed Vault's certificate"
            )
    elif not isinstance(verify, bool):
        raise InvalidValueError(
            verify, "is not a TLS verification setting", "pass True (default) or a CA bundle path"
        )


def _body(answer: Any, what: str, path: str) -> dict[str, Any]:
    """The JSON object of an hvac answer (a dict from JSONAdapter, or a Response)."""
    if isinstance(answer, requests.Response):
        try:
            answer = answer.json()
        except ValueError:
            answer = None
    if not isinstance(answer, dict):
        raise VaultError(
            f"cannot {what} {path}: Vault's answer is not a JSON object; check that the "
            "URL points at Vault's API and that the mount is a KV engine"
        )
    return answer


def _data_of(answer: Any, what: str, path: str) -> dict[str, Any]:
    data = _body(answer, what, path).get("data")
    if not isinstance(data, dict):
        raise VaultError(
            f"cannot {what} {path}: Vault's answer has no 'data' object; "
            "check that the mount is a KV engine of the expected version"
        )
    return data


def _text_fields(path: VaultPath, raw: Mapping[str, Any]) -> dict[str, str]:
    """Secret fields as text. Values written by other tools as numbers, booleans or
    objects are converted to their JSON text, and the field is named in a warning."""
    out: dict[str, str] = {}
    for field, value in raw.items():
        if isinstance(value, str):
            out[str(field)] = value
        else:
            out[str(field)] = json.dumps(value)
            logger.warning(
                "field %r of %s holds a %s, not a string; read as JSON text",
                field,
                path,
                type(value).__name__,
                extra={"vault_path": str(path), "field": str(field)},
            )
    return out


def _version_of(meta: Mapping[str, Any], current: int | None = None) -> SecretVersion:
    number = meta.get("version")
    if not isinstance(number, int):
        raise VaultError("Vault's version metadata lacks an integer 'version'")
    return _version_from(number, meta, current)


def _version_from(number: int, meta: Mapping[str, Any], current: int | None) -> SecretVersion:
    try:
        created = parse_vault_time(meta.get("created_time"))
        deleted = parse_vault_time(meta.get("deletion_time"))
    except ValueError as exc:
        raise VaultError(f"Vault's metadata for version {number} has a bad timestamp") from exc
    return SecretVersion(
        version=number,
        created_time=created,
        deletion_time=deleted,
        destroyed=bool(meta.get("destroyed", False)),
        is_current=current is not None and number == current,
    )


def _gone(path: VaultPath, meta: Mapping[str, Any]) -> SecretNotFoundError:
    """The error for a deleted or destroyed version, from its metadata (never raw JSON)."""
    number = meta.get("version")
    which = f"version {number}" if isinstance(number, int) else "the requested version"
    if meta.get("destroyed"):
        return SecretNotFoundError(
            f"cannot read {path}: {which} was destroyed and cannot be recovered; read "
            "another version (SecretStore.versions) or write a new one",
            status_code=404,
        )
    when = meta.get("deletion_time")
    at = f" at {when}" if isinstance(when, str) and when else ""
    undo = f"[{number}]" if isinstance(number, int) else "[<version>]"
    return SecretNotFoundError(
        f"cannot read {path}: {which} was deleted{at}; restore it with "
        f"SecretStore.undelete(path, {undo}) or read another version",
        status_code=404,
    )


def _deleted_version(path: VaultPath, exc: hvac.exceptions.VaultError) -> MosaicError | None:
    """A 404 that carries version metadata (Vault's answer for a deleted or destroyed
    version) as its SDK error; ``None`` for any other 404."""
    body: Any = getattr(exc, "json", None)
    if not isinstance(body, dict) and getattr(exc, "text", None):
        try:
            body = json.loads(str(exc.text))
        except ValueError:
            body = None
    data = body.get("data") if isinstance(body, dict) else None
    meta = data.get("metadata") if isinstance(data, dict) else None
    if isinstance(meta, dict) and data.get("data") is None:  # type: ignore[union-attr]
        return _gone(path, meta)
    return None


def _custom_metadata(meta: Mapping[str, Any]) -> dict[str, str]:
    custom = meta.get("custom_metadata")
    if not isinstance(custom, dict):
        return {}
    return {str(k): str(v) for k, v in custom.items()}


class SecretStore:
    """Read and write KV secrets addressed by :class:`~mosaic_sdk.values.VaultPath`.

    Each path is stored in the mount of its environment (``secret-dev``,
    ``secret-staging``, ``secret-prod``) with the KV version of that mount, detected on
    first use (``sys/internal/ui/mounts``, readable by any token with access to the
    mount) or given with ``kv_versions``. Writes accept only the standard field names and
    string values. Every value read or written is registered with the redactor, so it is
    masked in every log line, repr and error message afterwards (identifier fields such
    as ``username`` and ``host`` are masked in reprs but not registered, see
    :data:`IDENTIFIER_FIELDS`).

    Build it from an existing client, or with :meth:`from_token`, :meth:`from_approle`
    or :meth:`from_env`::

        store = SecretStore.from_env()
        path = VaultPaths("prod").path("postgres", "database", "app")
        store.write(path, {"username": "app", "password": generated})
        store.read(path)["password"]

    Args:
        client: an authenticated :class:`hvac.Client`.
        kv_versions: the KV version (1 or 2) of mounts, by :class:`Environment` or mount
            name, to skip detection; e.g. ``{Environment.DEV: 1}``.
        retry: retry policy for Vault's transient answers (5xx, 412, connection errors),
            installed on the client's ``requests`` session as an ``HTTPAdapter`` with a
            ``urllib3`` ``Retry``; the HTTP core's defaults when omitted. ``None`` leaves
            the client's session untouched.

    Raises:
        ConfigurationError: ``client`` is not an hvac client.
        InvalidValueError: a ``kv_versions`` entry is not 1 or 2.
    """

    def __init__(
        self,
        client: hvac.Client,
        *,
        kv_versions: Mapping[Environment | str, int] | None = None,
        retry: RetryPolicy | None = _DEFAULT_RETRY,
    ) -> None:
        if not isinstance(client, hvac.Client):
            raise ConfigurationError(
                f"SecretStore needs an hvac.Client, got {type(client).__name__}; "
                "use SecretStore.from_token(url, token) or from_env()"
            )
        _check_client_options(kv_versions, retry)
        self._client = client
        self._owns_client = False
        self._kv_versions: dict[str, int] = {}
        for key, version in (kv_versions or {}).items():
            if version not in (1, 2) or isinstance(version, bool):
                raise InvalidValueError(version, "is not a KV version", "use 1 or 2")
            self._kv_versions[_mount_name(key)] = version
        # AppRole stores renew (or re-obtain) their token before its TTL ends.
        self._approle: tuple[str, str, str] | None = None
        self._token_deadline: float | None = None
        self._token_margin = 1.0
        self._token_renewable = False
        self._token_lock = threading.Lock()
        self._clock: Callable[[], float] = time.monotonic
        if retry is not None:
            mount_retry_adapter(client.adapter.session, retry)
        guard_redirects(client.adapter.session)

    # ------------------------------------------------------------------ construction

    @classmethod
    def from_token(
        cls,
        url: str,
        token: str,
        *,
        namespace: str | None = None,
        verify: bool | str = True,
        timeout: float = 30.0,
        kv_versions: Mapping[Environment | str, int] | None = None,
        retry: RetryPolicy | None = _DEFAULT_RETRY,
    ) -> SecretStore:
        """A store that authenticates with ``token`` against the Vault at ``url``.

        Args:
            url: Vault's address, e.g. ``https://vault.example.com:8200``.
            token: a Vault token (registered as a secret: never logged).
            namespace: Vault Enterprise namespace, if any.
            verify: TLS verification: ``True`` (default), or a CA bundle path. Passing
                ``False`` is allowed for local development only.
            timeout: seconds per request.
            kv_versions: see :class:`SecretStore`.
            retry: retry policy; the HTTP core's defaults when omitted, ``None`` for
                no retries.

        Raises:
            ConfigurationError: ``url`` or ``token`` is empty or not text.
        """
        _check_url(url)
        if not isinstance(token, str) or not token.strip():
            raise ConfigurationError(
                "the Vault token is empty; pass a token (or set VAULT_TOKEN and use from_env())"
            )
        register_secret(token)
        _check_client_options(kv_versions, retry, timeout, verify)
        _warn_if_unverified(url, verify)
        client = hvac.Client(
            url=url,
            token=token,
            namespace=namespace,
            verify=verify,
            timeout=timeout,
        )
        store = cls(client, kv_versions=kv_versions, retry=retry)
        store._owns_client = True
        return store

    @classmethod
    def from_approle(
        cls,
        url: str,
        role_id: str,
        secret_id: str,
        *,
        mount_point: str = "approle",
        namespace: str | None = None,
        verify: bool | str = True,
        timeout: float = 30.0,
        kv_versions: Mapping[Environment | str, int] | None = None,
        retry: RetryPolicy | None = _DEFAULT_RETRY,
    ) -> SecretStore:
        """A store that logs in with AppRole credentials (``POST auth/{mount_point}/login``).

        ``role_id``, ``secret_id`` and the token Vault returns are registered as secrets.
        The store keeps its token valid for as long as it lives: before the token's TTL
        ends it renews it (``POST auth/token/renew-self``), and when the token cannot be
        renewed (not renewable, or at its max TTL) it logs in again. When Vault still
        refuses the token as unknown (``auth/token/lookup-self`` confirms it is dead: it
        expired in flight or was revoked), the store logs in again once and sends the
        request once more; a policy denial is raised as ``VaultPermissionError`` without
        a login.

        Raises:
            ConfigurationError: an argument is empty.
            VaultTokenError: Vault refused the role_id or secret_id.
            VaultError: another refusal, or Vault could not be reached.
        """
        _check_url(url)
        for name, value in (("role_id", role_id), ("secret_id", secret_id)):
            if not isinstance(value, str) or not value.strip():
                raise ConfigurationError(f"the AppRole {name} is empty; pass the {name}")
        register_secret(role_id)
        register_secret(secret_id)
        _check_client_options(kv_versions, retry, timeout, verify)
        _warn_if_unverified(url, verify)
        client = hvac.Client(
            url=url,
            token="",  # never pick up ~/.vault-token or VAULT_TOKEN for an AppRole login
            namespace=namespace,
            verify=verify,
            timeout=timeout,
        )
        store = cls(client, kv_versions=kv_versions, retry=retry)
        store._owns_client = True
        store._approle = (role_id, secret_id, mount_point)
        try:
            store._login()
        except MosaicError:
            store.close()
            raise
        return store

    @classmethod
    def from_env(
        cls,
        environ: Mapping[str, str] | None = None,
        *,
        kv_versions: Mapping[Environment | str, int] | None = None,
        retry: RetryPolicy | None = _DEFAULT_RETRY,
    ) -> SecretStore:
        """A store configured like the Vault CLI: ``VAULT_ADDR``, ``VAULT_TOKEN`` and
        optionally ``VAULT_NAMESPACE`` and ``VAULT_CACERT``.

        Args:
            environ: the variables to read; ``os.environ`` by default.

        Raises:
            ConfigurationError: ``VAULT_ADDR`` or ``VAULT_TOKEN`` is not set.
        """
        env = os.environ if environ is None else environ
        missing = [name for name in ("VAULT_ADDR", "VAULT_TOKEN") if not env.get(name)]
        if missing:
            raise ConfigurationError(
                f"{' and '.join(missing)} not set; export VAULT_ADDR=https://vault:8200 and "
                "VAULT_TOKEN=<token>, or use SecretStore.from_token(url, token)"
            )
        return cls.from_token(
            env["VAULT_ADDR"],
            env["VAULT_TOKEN"],
            namespace=env.get("VAULT_NAMESPACE") or None,
            verify=env.get("VAULT_CACERT") or True,
            kv_versions=kv_versions,
            retry=retry,
        )

    # ------------------------------------------------------------------ lifecycle

    @property
    def client(self) -> hvac.Client:
        """The underlying hvac client, for operations this store does not cover."""
        return self._client

    def close(self) -> None:
        """Close the HTTP session if this store created the client."""
        if self._owns_client:
            self._client.adapter.close()

    def __enter__(self) -> SecretStore:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    @safe_repr
    def __repr__(self) -> str:
        return f"SecretStore(url={self._client.url!r})"

    # ------------------------------------------------------------------ KV version

    def kv_version(self, mount: Environment | str) -> int:
        """The KV version (1 or 2) of an environment's mount, or of a mount by name.

        Read from ``GET /v1/sys/internal/ui/mounts/{mount}`` (``options.version``; any
        token with a grant inside the mount may read it) on first use, and cached only
        when Vault answered it. Nothing is ever guessed: pass ``kv_versions`` to the
        store to skip detection.

        Raises:
            VaultSealedError: Vault is sealed (503).
            VaultServerError: Vault or a proxy in front of it failed (5xx, e.g. 502).
            VaultTokenError: the token is invalid or expired.
            MountNotFoundError: the mount is not enabled.
            VaultPermissionError: the token's policies grant nothing in the mount.
            VaultError: the mount is not a KV engine, or another failure.
        """
        name = _mount_name(mount)
        known = self._kv_versions.get(name)
        if known is not None:
            return known
        action = "detect the KV version of"
        try:
            answer = self._send(self._client.adapter.get, url=f"/v1/sys/internal/ui/mounts/{name}")
        except hvac.exceptions.Forbidden as exc:
            raise self._mount_denied(exc, name) from exc
        except (hvac.exceptions.VaultError, requests.exceptions.RequestException) as exc:
            raise map_vault_error(exc, action=action, path=name, mount=name) from exc
        data = _data_of(answer, action, name)
        engine = data.get("type")
        if engine not in ("kv", "generic"):
            raise VaultError(
                f"{name} is a {engine!r} secrets engine, not KV; mount a KV v2 engine "
                f"there ({enable_command(name)})"
            )
        options = data.get("options") or {}
        version = 2 if isinstance(options, dict) and str(options.get("version")) == "2" else 1
        self._kv_versions[name] = version
        return version

    def _mount_denied(self, exc: hvac.exceptions.VaultError, name: str) -> MosaicError:
        """Explain a 403 on the mount check: a dead token, a mount that is not enabled
        (root and tokens with a grant there see "no handler for route" on a probe), or
        a token without any grant in the mount."""
        action = "detect the KV version of"
        if isinstance(exc, DeadToken):
            return token_invalid(action=action, path=name)
        try:
            self._client.adapter.list(f"/v1/{name}/")
        except hvac.exceptions.InvalidPath as probe:
            if is_no_route(probe):
                return mount_not_found(name, action=action, path=name)
        except (hvac.exceptions.VaultError, requests.exceptions.RequestException):
            pass
        return VaultPermissionError(
            f"cannot {action} {name}: the token's policies grant nothing in {name}, or the "
            f"mount is not enabled ({enable_command(name)}); grant the service its paths "
            "with mosaic_sdk.vault.policy_for(service, environments=[...])",
            path=f"{name}/",
        )

    # ------------------------------------------------------------------ tokens

    def _send(self, fn: Callable[..., Any], /, **kwargs: Any) -> Any:
        """``fn(**kwargs)``, one Vault request, sent with a live token.

        Before it is sent, a login-based store renews its token or logs in again when
        the token is near its end (:meth:`_ensure_token`). That check cannot promise the
        token outlives the request (a slow answer, a paused process), so a 403 in the
        shape Vault gives an unknown token (``permission denied`` on one line) is
        checked with ``auth/token/lookup-self``:

        * the token is valid: the 403 is a policy denial and is raised unchanged;
        * the token is dead and the store logs in: it logs in once more and sends the
          request once more (a 403 means Vault did not process it, so a write is never
          applied twice); a second dead-token 403 is raised as :class:`DeadToken`;
        * the token is dead and the store cannot log in: :class:`DeadToken`.

        So a call costs at most one lookup, one login and one resend more; never a loop.
        """
        self._ensure_token()
        used = self._client.token
        try:
            return fn(**kwargs)
        except hvac.exceptions.Forbidden as exc:
            if not self._rejected(exc, used):
                raise
            if self._approle is None:
                raise DeadToken.of(exc) from exc
        self._login_again(used)
        try:
            return fn(**kwargs)
        except hvac.exceptions.Forbidden as exc:
            if self._rejected(exc, self._client.token):
                raise DeadToken.of(exc) from exc
            raise

    def _rejected(self, exc: hvac.exceptions.Forbidden, used: str | None) -> bool:
        """True when ``exc`` refused the token ``used`` itself, not its policies: the
        single-line 403 of an unknown token (a policy denial reads "1 error occurred:
        * permission denied" and costs no request), confirmed by
        ``auth/token/lookup-self`` unless another thread has logged in since."""
        if not is_token_denial(exc):
            return False
        if self._approle is not None and self._client.token != used:
            return True  # sent with a token this store has already replaced
        try:
            self._client.auth.token.lookup_self()
        except hvac.exceptions.Forbidden as lookup:
            return is_token_denial(lookup)
        except (hvac.exceptions.VaultError, requests.exceptions.RequestException):
            return False
        return False

    def _login_again(self, used: str | None) -> None:
        """Log in after Vault refused the token ``used``, unless another thread already
        replaced it."""
        assert self._approle is not None
        with self._token_lock:
            if self._client.token != used:
                return
            logger.info(
                "Vault refused the store's token as invalid or expired; logging in again "
                "at auth/%s/login",
                self._approle[2],
                extra={"vault_auth_mount": self._approle[2]},
            )
            self._login()

    def _ensure_token(self) -> None:
        """Renew the AppRole token before its TTL ends, or log in again when it cannot
        be renewed (not renewable, or its max TTL is reached).

        The deadline counts from when the renewal or login was *sent*, never from when
        its answer arrived: Vault starts the TTL when it handles the request, so a slow
        answer must not push the deadline past the token's real end."""
        if self._token_deadline is None or self._approle is None:
            return
        if self._clock() < self._token_deadline - self._token_margin:
            return
        with self._token_lock:
            if self._clock() < self._token_deadline - self._token_margin:
                return
            if self._token_renewable:
                sent = self._clock()
                try:
                    answer = self._client.auth.token.renew_self()
                except (hvac.exceptions.VaultError, requests.exceptions.RequestException):
                    answer = None
                auth = answer.get("auth") if isinstance(answer, dict) else None
                lease = auth.get("lease_duration") if isinstance(auth, dict) else None
                if isinstance(lease, int) and lease > self._token_margin:
                    self._token_deadline = sent + lease
                    logger.debug("renewed the Vault token for %ds", lease)
                    return
            self._login()

    def _login(self) -> None:
        """``POST auth/{mount}/login`` with the store's AppRole credentials."""
        assert self._approle is not None
        role_id, secret_id, mount_point = self._approle
        where = f"auth/{mount_point}/login"
        sent = self._clock()
        try:
            answer = self._client.auth.approle.login(
                role_id=role_id, secret_id=secret_id, mount_point=mount_point
            )
        except hvac.exceptions.InvalidRequest as exc:
            if "invalid role or secret id" in str(exc).lower():
                raise VaultTokenError(
                    f"cannot log in with AppRole at {where}: Vault refused the role_id or "
                    "secret_id (wrong, expired, or its uses are spent); issue a new secret_id "
                    f"(vault write -f auth/{mount_point}/role/<role>/secret-id) and check the "
                    "role_id",
                    status_code=400,
                ) from exc
            raise map_vault_error(exc, action="log in with AppRole at", path=where) from exc
        except (hvac.exceptions.VaultError, requests.exceptions.RequestException) as exc:
            raise map_vault_error(exc, action="log in with AppRole at", path=where) from exc
        auth = _body(answer, "log in with AppRole at", where).get("auth")
        token = auth.get("client_token") if isinstance(auth, dict) else None
        if not isinstance(token, str) or not token:
            raise VaultError(
                f"cannot log in with AppRole at {where}: the answer has no client token; "
                "check the AppRole mount point"
            )
        register_secret(token)
        self._client.token = token
        assert isinstance(auth, dict)
        lease = auth.get("lease_duration")
        if isinstance(lease, int) and lease > 0:
            self._token_margin = max(1.0, min(60.0, lease / 3))
            self._token_deadline = sent + lease
        else:
            self._token_deadline = None
        self._token_renewable = bool(auth.get("renewable"))

    # ------------------------------------------------------------------ calls

    def _call(
        self,
        action: str,
        path: VaultPath,
        fn: Any,
        /,
        *,
        need: tuple[str, str | None] = ("read", "data"),
        **kwargs: Any,
    ) -> Any:
        """Call ``fn``; map failures. ``need`` is the capability and the KV v2 part
        (``data``, ``metadata``, ``delete``...; ``None`` on KV v1) the call needs."""
        try:
            return self._send(fn, **kwargs)
        except (hvac.exceptions.VaultError, requests.exceptions.RequestException) as exc:
            raise _failure(exc, action, path, need) from exc

    def _kv(self, path: VaultPath) -> tuple[int, Any]:
        version = self.kv_version(path.environment)
        return version, self._client.secrets.kv.v2 if version == 2 else self._client.secrets.kv.v1

    # ------------------------------------------------------------------ read

    def read(self, path: VaultPath | str, *, version: int | None = None) -> Secret:
        """Read the secret at ``path`` (``GET {mount}/data/{path}`` on KV v2,
        ``GET {mount}/{path}`` on KV v1).

        Args:
            path: where the secret lives; text is parsed with :meth:`VaultPath.parse`.
            version: a KV v2 version number; the current version when omitted.

        Raises:
            SecretNotFoundError: nothing there, or that version is deleted or destroyed.
            UnsupportedOperationError: ``version`` on a KV v1 mount.
            VaultError: any other Vault or connection failure.
        """
        path = _as_path(path)
        if version is not None:
            _check_version(version)
        kv_version, api = self._kv(path)
        if kv_version == 1:
            if version is not None:
                raise _no_versions_on_v1(path, "read an older version")
            answer = self._call(
                "read",
                path,
                api.read_secret,
                need=("read", None),
                path=path.relative,
                mount_point=path.mount,
            )
            data = _text_fields(path, _data_of(answer, "read", str(path)))
            register_values(data)
            logger.debug("read secret %s", path, extra={"vault_path": str(path)})
            return Secret(path=path, data=SecretData(data))
        try:
            answer = self._send(
                api.read_secret_version,
                path=path.relative,
                version=version,
                mount_point=path.mount,
                raise_on_deleted_version=True,
            )
        except hvac.exceptions.InvalidPath as exc:
            raise (_deleted_version(path, exc) or _failure(exc, "read", path)) from exc
        except (hvac.exceptions.VaultError, requests.exceptions.RequestException) as exc:
            raise _failure(exc, "read", path) from exc
        body = _data_of(answer, "read", str(path))
        raw, meta = body.get("data"), body.get("metadata")
        if not isinstance(meta, dict):
            raise VaultError(f"cannot read {path}: Vault's answer lacks the version metadata")
        if raw is None:  # a deleted or destroyed version answered with 200
            raise _gone(path, meta)
        if not isinstance(raw, dict):
            raise VaultError(f"cannot read {path}: Vault's 'data' is not an object")
        data = _text_fields(path, raw)
        register_values(data)
        number = meta.get("version")
        current_version = number if version is None else self._current_version(path)
        current = _version_of(meta, current=current_version)
        logger.debug(
            "read secret %s version %d",
            path,
            current.version,
            extra={"vault_path": str(path), "version": current.version},
        )
        return Secret(
            path=path,
            data=SecretData(data),
            version=current.version,
            metadata=current,
            custom_metadata=_custom_metadata(meta),
        )

    def _current_version(self, path: VaultPath) -> int | None:
        """The current version from the secret's metadata, or ``None`` when the token may
        not read the metadata (then ``is_current`` of an explicit version is False)."""
        try:
            answer = self._send(
                self._client.secrets.kv.v2.read_secret_metadata,
                path=path.relative,
                mount_point=path.mount,
            )
        except (hvac.exceptions.VaultError, requests.exceptions.RequestException) as exc:
            logger.debug(
                "cannot read the metadata of %s (%s): is_current unknown",
                path,
                type(exc).__name__,
                extra={"vault_path": str(path)},
            )
            return None
        data = answer.get("data") if isinstance(answer, dict) else None
        current = data.get("current_version") if isinstance(data, dict) else None
        return current if isinstance(current, int) else None

    def exists(self, path: VaultPath | str) -> bool:
        """True when a live secret is at ``path`` (its current version is not deleted)."""
        try:
            self.read(path)
        except SecretNotFoundError:
            return False
        return True

    # ------------------------------------------------------------------ write

    def write(
        self, path: VaultPath | str, data: Mapping[str, str], *, cas: int | None = None
    ) -> Secret:
        """Store ``data`` as the new content of ``path`` (``POST {mount}/data/{path}`` on
        KV v2, a new version; ``POST {mount}/{path}`` on KV v1, replacing it).

        Args:
            path: where to write.
            data: the fields, standard names only (``username``, ``password``,
                ``token``, ``client_id``, ``client_secret``, ``url``, ``host``,
                ``port``), string values only.
            cas: KV v2 check-and-set: ``0`` writes only if nothing exists yet, ``n``
                only if the current version is ``n``.

        Returns:
            The secret as written, with its new version on KV v2.

        Raises:
            InvalidValueError: a non-standard field name (the message suggests the
                standard one), a value that is not a string, or an empty mapping.
            UnsupportedOperationError: ``cas`` on a KV v1 mount.
            CheckAndSetError: ``cas`` does not match the current version, or the mount
                requires ``cas`` and none was given (``.required``).
            VaultPermissionError: the token's policies do not grant the write.
            VaultError: Vault refused the write.
        """
        path = _as_path(path)
        validate_fields(data)
        fields = _check_values(path, data)
        if cas is not None and (isinstance(cas, bool) or not isinstance(cas, int) or cas < 0):
            raise InvalidValueError(cas, "is not a check-and-set version", "use 0 or more")
        register_values(fields)
        kv_version, api = self._kv(path)
        if kv_version == 1:
            if cas is not None:
                raise _no_versions_on_v1(path, "write with check-and-set")
            self._call(
                "write",
                path,
                api.create_or_update_secret,
                need=("create", None),
                path=path.relative,
                secret=fields,
                method="POST",  # Vault treats POST and PUT alike; skips hvac's probing read
                mount_point=path.mount,
            )
            logger.info(
                "wrote secret %s (%d fields)",
                path,
                len(fields),
                extra={"vault_path": str(path), "fields": sorted(fields)},
            )
            return Secret(path=path, data=SecretData(fields))
        answer = self._call(
            "write",
            path,
            api.create_or_update_secret,
            need=("create", "data"),
            path=path.relative,
            secret=fields,
            cas=cas,
            mount_point=path.mount,
        )
        meta = _data_of(answer, "write", str(path))
        version = _version_of(meta, current=meta.get("version"))
        logger.info(
            "wrote secret %s version %d (%d fields)",
            path,
            version.version,
            len(fields),
            extra={"vault_path": str(path), "version": version.version, "fields": sorted(fields)},
        )
        return Secret(
            path=path,
            data=SecretData(fields),
            version=version.version,
            metadata=version,
            custom_metadata=_custom_metadata(meta),
        )

    def patch(
        self,
        path: VaultPath | str,
        changes: Mapping[str, str | None],
        *,
        cas: int | None = None,
    ) -> Secret:
        """Change some fields of an existing secret and keep the others.

        On KV v2 this is one JSON merge patch (``PATCH {mount}/data/{path}``, needs the
        ``patch`` capability, Vault 1.9+), atomic on the server; a ``None`` value removes
        that field (any name, so a legacy ``pass`` field can be dropped after writing
        ``password``). On KV v1, which has no patch, the secret is read, merged and
        written back; that is not atomic.

        Args:
            path: the secret to change.
            changes: the fields to set, and ``None`` for the fields to remove.
            cas: KV v2 check-and-set: patch only if the current version is ``cas``
                (required on mounts or secrets with ``cas_required``).

        Returns:
            The secret after the change (re-read at the version the patch created).

        Raises:
            SecretNotFoundError: nothing to patch at ``path``.
            InvalidValueError: a non-standard name with a value, a non-string value, or
                no change at all.
            UnsupportedOperationError: ``cas`` on a KV v1 mount.
            CheckAndSetError: ``cas`` does not match, or the mount requires it.
            VaultError: Vault refused the change.
        """
        path = _as_path(path)
        if not isinstance(changes, Mapping) or not changes:
            raise InvalidValueError(
                dict(changes) if isinstance(changes, Mapping) else type(changes).__name__,
                "holds no change",
                "pass the fields to set, and None for the fields to remove",
            )
        setting = {k: v for k, v in changes.items() if v is not None}
        removing = sorted(str(k) for k, v in changes.items() if v is None)
        if setting:
            validate_fields(setting)
        fields = _check_values(path, setting)
        if cas is not None and (isinstance(cas, bool) or not isinstance(cas, int) or cas < 0):
            raise InvalidValueError(cas, "is not a check-and-set version", "use 0 or more")
        register_values(fields)
        kv_version, api = self._kv(path)
        if kv_version == 1:
            if cas is not None:
                raise _no_versions_on_v1(path, "patch with check-and-set")
            current = dict(self.read(path).data)
            merged = {k: v for k, v in {**current, **fields}.items() if k not in removing}
            if not merged:
                raise InvalidValueError(
                    removing, "would remove every field", "delete the secret instead"
                )
            self._call(
                "patch",
                path,
                api.create_or_update_secret,
                path=path.relative,
                secret=merged,
                method="POST",
                mount_point=path.mount,
                need=("update", None),
            )
            return Secret(path=path, data=SecretData(merged))
        options: dict[str, Any] = {"cas": cas} if cas is not None else {}
        payload: dict[str, Any] = {
            "data": {**fields, **dict.fromkeys(removing)},
            "options": options,
        }
        answer = self._call(
            "patch",
            path,
            self._client.adapter.request,
            need=("patch", "data"),
            method="patch",
            url=f"/v1/{path.mount}/data/{urllib.parse.quote(path.relative)}",
            json=payload,
            headers={"Content-Type": "application/merge-patch+json"},
        )
        meta = _data_of(answer, "patch", str(path))
        new_version = _version_of(meta).version
        logger.info(
            "patched secret %s to version %d",
            path,
            new_version,
            extra={
                "vault_path": str(path),
                "version": new_version,
                "fields": sorted(fields),
                "removed_fields": removing,
            },
        )
        return self.read(path, version=new_version)

    # ------------------------------------------------------------------ metadata

    def write_metadata(
        self,
        path: VaultPath | str,
        *,
        custom_metadata: Mapping[str, str] | None = None,
        max_versions: int | None = None,
        delete_version_after: str | None = None,
        cas_required: bool | None = None,
    ) -> None:
        """Set the KV v2 metadata of the secret at ``path`` (``POST {mount}/metadata/{path}``,
        needs ``update`` on the metadata: ``policy_for(..., access="manage")``). Only the
        settings given are sent; the others keep their values.

        Args:
            path: the secret.
            custom_metadata: owner, ticket... (replaces the whole custom metadata; at most
                64 keys; not secret: never put a value there).
            max_versions: versions kept (0 = the mount's setting).
            delete_version_after: a Go duration after which versions are soft-deleted
                (``"720h"``; ``"0s"`` = never).
            cas_required: require ``cas=`` on every write and patch of this secret.

        Raises:
            InvalidValueError: no setting given, or one of the wrong type.
            UnsupportedOperationError: the mount is KV v1, which has no metadata.
            VaultPermissionError: the token's policies do not grant it.
            VaultError: Vault refused.
        """
        path = _as_path(path)
        body: dict[str, Any] = {}
        if custom_metadata is not None:
            if not isinstance(custom_metadata, Mapping) or not all(
                isinstance(k, str) and isinstance(v, str) for k, v in custom_metadata.items()
            ):
                raise InvalidValueError(
                    type(custom_metadata).__name__,
                    "custom_metadata is not a mapping of text to text",
                    "pass e.g. {'owner': 'team-payments'}",
                )
            body["custom_metadata"] = dict(custom_metadata)
        if max_versions is not None:
            if (
                isinstance(max_versions, bool)
                or not isinstance(max_versions, int)
                or (max_versions < 0)
            ):
                raise InvalidValueError(
                    max_versions, "is not a number of versions", "use 0 (the mount's) or more"
                )
            body["max_versions"] = max_versions
        if delete_version_after is not None:
            if not isinstance(delete_version_after, str) or not delete_version_after.strip():
                raise InvalidValueError(
                    delete_version_after, "is not a duration", "use a Go duration such as '720h'"
                )
            body["delete_version_after"] = delete_version_after.strip()
        if cas_required is not None:
            if not isinstance(cas_required, bool):
                raise InvalidValueError(cas_required, "is not a boolean", "pass True or False")
            body["cas_required"] = cas_required
        if not body:
            raise InvalidValueError(
                {}, "holds no metadata setting", "pass custom_metadata=, max_versions=, ..."
            )
        kv_version, _ = self._kv(path)
        if kv_version == 1:
            raise UnsupportedOperationError(
                f"cannot write the metadata of {path}: {path.mount} is a KV v1 mount, "
                "which has no metadata",
                workaround=f"upgrade the mount to KV v2 (vault kv enable-versioning {path.mount})",
            )
        self._call(
            "write the metadata of",
            path,
            self._client.adapter.post,
            need=("update", "metadata"),
            url=f"/v1/{path.mount}/metadata/{urllib.parse.quote(path.relative)}",
            json=body,
        )
        logger.info(
            "wrote the metadata of %s (%s)",
            path,
            ", ".join(sorted(body)),
            extra={"vault_path": str(path), "settings": sorted(body)},
        )

    # ------------------------------------------------------------------ list

    def list(
        self,
        environment: Environment | str,
        service: str | None = None,
        component: str | None = None,
    ) -> tuple[VaultPath, ...]:
        """Every canonical secret path of an environment, a service or a component.

        Walks ``LIST {mount}/metadata/...`` (KV v2) or ``LIST {mount}/...`` (KV v1) down
        to the secret names. Entries that break the canonical structure are skipped;
        :meth:`audit` reports them.

        Raises:
            InvalidValueError: ``service`` or ``component`` is not a valid segment, or
                ``component`` is given without ``service``.
            VaultError: Vault refused a listing.
        """
        env = _as_environment(environment)
        if component is not None and service is None:
            raise InvalidValueError(
                component, "is a component without a service", "pass service= as well"
            )
        if service is not None:
            VaultPath(env, service, component or "x", "x")  # validates the segments
        kv_version = self.kv_version(env)
        mount = env.vault_mount
        services = [service] if service is not None else self._list_dirs(kv_version, mount, "")
        found: builtins.list[VaultPath] = []
        for svc in services:
            components = (
                [component]
                if component is not None
                else self._list_dirs(kv_version, mount, f"{svc}/")
            )
            for comp in components:
                for name in self._list_keys(kv_version, mount, f"{svc}/{comp}/"):
                    if name.endswith("/"):
                        continue
                    try:
                        found.append(VaultPath(env, svc, comp, name))
                    except InvalidValueError:
                        continue
        return tuple(sorted(found, key=str))

    def _list_keys(self, kv_version: int, mount: str, prefix: str) -> builtins.list[str]:
        api = self._client.secrets.kv.v2 if kv_version == 2 else self._client.secrets.kv.v1
        where = f"{mount}/{prefix}"
        api_path = f"{mount}/metadata/{prefix}" if kv_version == 2 else where
        try:
            answer = self._send(api.list_secrets, path=prefix, mount_point=mount)
        except hvac.exceptions.InvalidPath as exc:
            if is_no_route(exc):
                raise mount_not_found(mount, action="list", path=where) from exc
            return []  # Vault answers 404 {"errors": []} for an empty folder
        except hvac.exceptions.Forbidden as exc:
            if isinstance(exc, DeadToken):
                raise token_invalid(action="list", path=where) from exc
            service = prefix.split("/", 1)[0]
            if not prefix:
                fix = (
                    f"listing the whole mount needs 'list' on {api_path} and on "
                    f"{api_path}* (an operator's policy); a service token lists its own "
                    f"secrets with SecretStore.list(environment, service=...)"
                )
            else:
                fix = f"grant it with policy_for({service!r}, environments=[...], access='read')"
            raise VaultPermissionError(
                f"cannot list {where}: the token's policies do not grant 'list' on "
                f"{api_path}; {fix}",
                capability="list",
                path=api_path,
            ) from exc
        except (hvac.exceptions.VaultError, requests.exceptions.RequestException) as exc:
            raise map_vault_error(exc, action="list", path=where, mount=mount) from exc
        keys = _data_of(answer, "list", where).get("keys")
        if not isinstance(keys, builtins.list):
            raise VaultError(f"cannot list {where}: Vault's answer has no 'keys' list")
        return [str(key) for key in keys]

    def _list_dirs(self, kv_version: int, mount: str, prefix: str) -> builtins.list[str]:
        dirs = []
        for key in self._list_keys(kv_version, mount, prefix):
            if key.endswith("/"):
                try:
                    VaultPath(Environment.DEV, key[:-1], "x", "x")
                except InvalidValueError:
                    continue
                dirs.append(key[:-1])
        return dirs

    # ------------------------------------------------------------------ versions

    def versions(self, path: VaultPath | str) -> tuple[SecretVersion, ...]:
        """Every version Vault keeps of the secret at ``path``, oldest first
        (``GET {mount}/metadata/{path}``, KV v2 only).

        Raises:
            SecretNotFoundError: no secret at ``path``.
            UnsupportedOperationError: the mount is KV v1, which keeps no versions.
        """
        path = _as_path(path)
        kv_version, api = self._kv(path)
        if kv_version == 1:
            raise _no_versions_on_v1(path, "list versions")
        answer = self._call(
            "read the versions of",
            path,
            api.read_secret_metadata,
            need=("read", "metadata"),
            path=path.relative,
            mount_point=path.mount,
        )
        meta = _data_of(answer, "read the versions of", str(path))
        current = meta.get("current_version")
        raw_versions = meta.get("versions")
        if not isinstance(raw_versions, dict):
            raise VaultError(f"cannot read the versions of {path}: no 'versions' object")
        versions = []
        for key, value in raw_versions.items():
            if not str(key).isdigit() or not isinstance(value, dict):
                raise VaultError(f"cannot read the versions of {path}: bad entry {key!r}")
            versions.append(
                _version_from(int(key), value, current if isinstance(current, int) else None)
            )
        return tuple(sorted(versions, key=lambda v: v.version))

    # ------------------------------------------------------------------ delete

    def delete(self, path: VaultPath | str, *, versions: Iterable[int] | None = None) -> None:
        """Delete the secret at ``path``.

        On KV v2 this is a soft delete, recoverable with :meth:`undelete`: the current
        version (``DELETE {mount}/data/{path}``) or the given ``versions``
        (``POST {mount}/delete/{path}``). On KV v1 the secret is removed for good.
        Deleting what does not exist is not an error.

        Raises:
            UnsupportedOperationError: ``versions`` on a KV v1 mount.
            VaultError: Vault refused the deletion.
        """
        path = _as_path(path)
        wanted = _check_versions(versions) if versions is not None else None
        kv_version, api = self._kv(path)
        if kv_version == 1:
            if wanted is not None:
                raise _no_versions_on_v1(path, "delete single versions")
            self._call(
                "delete",
                path,
                api.delete_secret,
                need=("delete", None),
                path=path.relative,
                mount_point=path.mount,
            )
        elif wanted is None:
            self._call(
                "delete",
                path,
                api.delete_latest_version_of_secret,
                need=("delete", "data"),
                path=path.relative,
                mount_point=path.mount,
            )
        else:
            self._call(
                "delete versions of",
                path,
                api.delete_secret_versions,
                need=("update", "delete"),
                path=path.relative,
                versions=wanted,
                mount_point=path.mount,
            )
        logger.info(
            "deleted secret %s%s",
            path,
            f" versions {wanted}" if wanted else "",
            extra={"vault_path": str(path), "versions": wanted},
        )

    def undelete(self, path: VaultPath | str, versions: Iterable[int]) -> None:
        """Restore soft-deleted ``versions`` of ``path`` (``POST {mount}/undelete/{path}``,
        KV v2 only).

        Raises:
            UnsupportedOperationError: the mount is KV v1.
            VaultError: Vault refused.
        """
        path = _as_path(path)
        wanted = _check_versions(versions)
        kv_version, api = self._kv(path)
        if kv_version == 1:
            raise _no_versions_on_v1(path, "undelete")
        self._call(
            "undelete versions of",
            path,
            api.undelete_secret_versions,
            need=("update", "undelete"),
            path=path.relative,
            versions=wanted,
            mount_point=path.mount,
        )
        logger.info(
            "undeleted secret %s versions %s",
            path,
            wanted,
            extra={"vault_path": str(path), "versions": wanted},
        )

    def destroy(self, path: VaultPath | str, *, versions: Iterable[int] | None = None) -> None:
        """Permanently remove ``versions`` of ``path`` (``POST {mount}/destroy/{path}``),
        or, without ``versions``, the secret with all its versions and metadata
        (``DELETE {mount}/metadata/{path}``). On KV v1 this is :meth:`delete`.
        Nothing can be recovered afterwards.

        Raises:
            UnsupportedOperationError: ``versions`` on a KV v1 mount.
            VaultError: Vault refused.
        """
        path = _as_path(path)
        wanted = _check_versions(versions) if versions is not None else None
        kv_version, api = self._kv(path)
        if kv_version == 1:
            if wanted is not None:
                raise _no_versions_on_v1(path, "destroy single versions")
            self.delete(path)
            return
        if wanted is None:
            self._call(
                "destroy",
                path,
                api.delete_metadata_and_all_versions,
                need=("delete", "metadata"),
                path=path.relative,
                mount_point=path.mount,
            )
        else:
            self._call(
                "destroy versions of",
                path,
                api.destroy_secret_versions,
                need=("update", "destroy"),
                path=path.relative,
                versions=wanted,
                mount_point=path.mount,
            )
        logger.warning(
            "destroyed secret %s%s",
            path,
            f" versions {wanted}" if wanted else " and all its versions",
            extra={"vault_path": str(path), "versions": wanted},
        )

    # ------------------------------------------------------------------ audit

    def audit(self, mount: Environment | str, *, read_values: bool = True) -> AuditReport:
        """Walk a whole mount and report every path and field that breaks the canonical
        structure, each with its fix. Nothing is changed.

        Args:
            mount: an :class:`Environment` or any mount name (a legacy ``secret`` mount
                too: that is what migrations start from).
            read_values: also read every secret to check its field names and value types
                (needs ``read``); with ``False`` only paths are checked (needs ``list``).

        Raises:
            VaultError: the mount cannot be listed at all.
        """
        from mosaic_sdk.vault._audit import audit_mount

        return audit_mount(self, _mount_name(mount), read_values=read_values)


def _access_for(capability: str, part: str | None) -> str:
    """The :func:`policy_for` access level that grants ``capability`` on ``part``."""
    if part in ("delete", "undelete", "destroy") or (part == "metadata" and capability != "read"):
        return "manage"
    if capability in ("read", "list"):
        return "read"
    return "read-write"


def _failure(
    exc: BaseException,
    action: str,
    path: VaultPath,
    need: tuple[str, str | None] = ("read", "data"),
) -> MosaicError:
    """The SDK error for a failed request on ``path``; ``need`` as in ``SecretStore._call``."""
    if isinstance(exc, DeadToken):
        return token_invalid(action=action, path=str(path))
    capability, part = need
    api_path = f"{path.mount}/{part}/{path.relative}" if part else f"{path.mount}/{path.relative}"
    access = _access_for(capability, part)
    hint = (
        f"grant it with policy_for({path.service!r}, "
        f"environments=[{path.environment.value!r}], access={access!r})"
    )
    return map_vault_error(
        exc,
        action=action,
        path=str(path),
        hint=hint,
        capability=capability,
        api_path=api_path,
        mount=path.mount,
    )


def _no_versions_on_v1(path: VaultPath, action: str) -> UnsupportedOperationError:
    return UnsupportedOperationError(
        f"cannot {action} for {path}: {path.mount} is a KV v1 mount, which keeps no versions",
        workaround=f"upgrade the mount to KV v2 (vault kv enable-versioning {path.mount})",
    )


def _warn_if_unverified(url: str, verify: bool | str) -> None:
    if verify is False:
        logger.warning(
            "TLS verification of Vault at %s is disabled; use this only against a local "
            "development server, and pass verify='/path/to/ca.pem' otherwise",
            url,
            extra={"vault_url": url},
        )


def _check_url(url: object) -> None:
    if not isinstance(url, str) or not url.strip():
        raise ConfigurationError(
            "the Vault URL is empty; pass Vault's address, e.g. https://vault.example.com:8200"
        )
    parts = urllib.parse.urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise ConfigurationError(
            f"{url!r} is not a Vault URL; use scheme and host, e.g. https://vault.example.com:8200"
        )
