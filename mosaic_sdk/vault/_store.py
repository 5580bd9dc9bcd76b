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
import urllib.parse
from collections.abc import Iterable, Mapping
from typing import Any, Final

import hvac
import hvac.exceptions
import requests

from mosaic_sdk._http import RetryPolicy
from mosaic_sdk.errors import (
    ConfigurationError,
    InvalidValueError,
    SecretNotFoundError,
    UnsupportedOperationError,
    VaultError,
)
from mosaic_sdk.observability._redact import register_secret
from mosaic_sdk.values import Environment, VaultPath, validate_fields
from mosaic_sdk.vault._errors import map_vault_error
from mosaic_sdk.vault._models import (
    AuditReport,
    Secret,
    SecretData,
    SecretVersion,
    parse_vault_time,
)
from mosaic_sdk.vault._transport import mount_retry_adapter

__all__ = ["IDENTIFIER_FIELDS", "SecretStore"]

logger = logging.getLogger("mosaic_sdk.vault")

#: Standard fields that identify rather than authenticate. Their values are masked in
#: reprs like every value, but not registered with the redactor: a username such as
#: ``postgres`` would otherwise be masked in every path and message that names the
#: service. A ``url`` registers only the password and query it carries, if any.
IDENTIFIER_FIELDS: frozenset[str] = frozenset({"username", "host", "port", "client_id", "url"})


# The HTTP core's defaults: 2 retries, 0.5 s initial backoff doubling to 8 s, jitter.
_DEFAULT_RETRY: Final = RetryPolicy()


def register_values(data: Mapping[str, str]) -> None:
    """Register the secret values of ``data`` with the redactor (see IDENTIFIER_FIELDS)."""
    for field, value in data.items():
        if field not in IDENTIFIER_FIELDS:
            register_secret(value)
        elif field == "url":
            parts = urllib.parse.urlsplit(value)
            if parts.password:
                register_secret(parts.password)
                register_secret(urllib.parse.unquote(parts.password))
            for _, query_value in urllib.parse.parse_qsl(parts.query):
                register_secret(query_value)


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
        if retry is not None:
            mount_retry_adapter(client.adapter.session, retry)

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

        Raises:
            ConfigurationError: an argument is empty.
            VaultError: the login was refused or Vault could not be reached.
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
        try:
            answer = client.auth.approle.login(
                role_id=role_id, secret_id=secret_id, mount_point=mount_point
            )
        except (hvac.exceptions.VaultError, requests.exceptions.RequestException) as exc:
            store.close()
            raise map_vault_error(
                exc, action="log in with AppRole at", path=f"auth/{mount_point}/login"
            ) from exc
        auth = _body(answer, "log in with AppRole at", f"auth/{mount_point}/login").get("auth")
        token = auth.get("client_token") if isinstance(auth, dict) else None
        if not isinstance(token, str) or not token:
            store.close()
            raise VaultError(
                f"cannot log in with AppRole at auth/{mount_point}/login: the answer has no "
                "client token; check the AppRole mount point"
            )
        register_secret(token)
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

    def __repr__(self) -> str:
        return f"SecretStore(url={self._client.url!r})"

    # ------------------------------------------------------------------ KV version

    def kv_version(self, mount: Environment | str) -> int:
        """The KV version (1 or 2) of an environment's mount, or of a mount by name.

        Read from ``GET /v1/sys/internal/ui/mounts/{mount}`` (``options.version``) on
        first use and cached. When Vault does not let the token read it, version 2 is
        assumed; pass ``kv_versions`` to the store to be explicit.

        Raises:
            VaultError: the mount is not a KV engine, or Vault could not be reached.
        """
        name = _mount_name(mount)
        known = self._kv_versions.get(name)
        if known is not None:
            return known
        try:
            answer = self._client.adapter.get(f"/v1/sys/internal/ui/mounts/{name}")
        except hvac.exceptions.VaultError as exc:
            logger.debug(
                "cannot read the KV version of %s (%s); assuming KV v2",
                name,
                type(exc).__name__,
                extra={"mount": name},
            )
            version = 2
        except requests.exceptions.RequestException as exc:
            raise map_vault_error(exc, action="detect the KV version of", path=name) from exc
        else:
            data = _data_of(answer, "detect the KV version of", name)
            engine = data.get("type")
            if engine not in ("kv", "generic"):
                raise VaultError(
                    f"{name} is a {engine!r} secrets engine, not KV; mount a KV v2 engine "
                    f"there (vault secrets enable -path={name} kv-v2)"
                )
            options = data.get("options") or {}
            version = 2 if isinstance(options, dict) and str(options.get("version")) == "2" else 1
        self._kv_versions[name] = version
        return version

    # ------------------------------------------------------------------ calls

    def _call(self, action: str, path: VaultPath, fn: Any, /, **kwargs: Any) -> Any:
        try:
            return fn(**kwargs)
        except (hvac.exceptions.VaultError, requests.exceptions.RequestException) as exc:
            access = "read" if action.startswith("read") else "read-write"
            hint = (
                f"grant it with policy_for({path.service!r}, "
                f"environments=[{path.environment.value!r}], access={access!r})"
            )
            raise map_vault_error(exc, action=action, path=str(path), hint=hint) from exc

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
                "read", path, api.read_secret, path=path.relative, mount_point=path.mount
            )
            data = _text_fields(path, _data_of(answer, "read", str(path)))
            register_values(data)
            logger.debug("read secret %s", path, extra={"vault_path": str(path)})
            return Secret(path=path, data=SecretData(data))
        answer = self._call(
            "read",
            path,
            api.read_secret_version,
            path=path.relative,
            version=version,
            mount_point=path.mount,
            raise_on_deleted_version=True,
        )
        body = _data_of(answer, "read", str(path))
        raw, meta = body.get("data"), body.get("metadata")
        if not isinstance(meta, dict):
            raise VaultError(f"cannot read {path}: Vault's answer lacks the version metadata")
        if raw is None:  # a deleted or destroyed version answered with 200
            raise SecretNotFoundError(
                f"cannot read {path}: version {meta.get('version')} is deleted or destroyed; "
                "undelete it or read another version",
                status_code=404,
            )
        if not isinstance(raw, dict):
            raise VaultError(f"cannot read {path}: Vault's 'data' is not an object")
        data = _text_fields(path, raw)
        register_values(data)
        current = _version_of(meta)
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
            VaultError: Vault refused the write (a ``cas`` mismatch included).
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

    def patch(self, path: VaultPath | str, changes: Mapping[str, str | None]) -> Secret:
        """Change some fields of an existing secret and keep the others.

        On KV v2 this is one JSON merge patch (``PATCH {mount}/data/{path}``, needs the
        ``patch`` capability, Vault 1.9+), atomic on the server; a ``None`` value removes
        that field (any name, so a legacy ``pass`` field can be dropped after writing
        ``password``). On KV v1, which has no patch, the secret is read, merged and
        written back; that is not atomic.

        Returns:
            The secret after the change (re-read at the version the patch created).

        Raises:
            SecretNotFoundError: nothing to patch at ``path``.
            InvalidValueError: a non-standard name with a value, a non-string value, or
                no change at all.
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
        register_values(fields)
        kv_version, api = self._kv(path)
        if kv_version == 1:
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
            )
            return Secret(path=path, data=SecretData(merged))
        payload: dict[str, Any] = {"data": {**fields, **dict.fromkeys(removing)}, "options": {}}
        answer = self._call(
            "patch",
            path,
            self._client.adapter.request,
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
        try:
            answer = api.list_secrets(path=prefix, mount_point=mount)
        except hvac.exceptions.InvalidPath:
            return []  # Vault answers 404 for an empty folder
        except (hvac.exceptions.VaultError, requests.exceptions.RequestException) as exc:
            raise map_vault_error(exc, action="list", path=where) from exc
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
                "delete", path, api.delete_secret, path=path.relative, mount_point=path.mount
            )
        elif wanted is None:
            self._call(
                "delete",
                path,
                api.delete_latest_version_of_secret,
                path=path.relative,
                mount_point=path.mount,
            )
        else:
            self._call(
                "delete versions of",
                path,
                api.delete_secret_versions,
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
                path=path.relative,
                mount_point=path.mount,
            )
        else:
            self._call(
                "destroy versions of",
                path,
                api.destroy_secret_versions,
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
