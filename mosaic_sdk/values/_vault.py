"""Canonical Vault paths and the standard secret field names.

Every secret lives at ``{mount}/{service}/{component}/{secret-name}`` where the mount is
the environment's KV v2 mount (``secret-dev``, ``secret-staging``, ``secret-prod``), and
holds only the standard field names below.
"""

from __future__ import annotations

import re
import types
from collections.abc import Callable, Mapping
from typing import TypeVar

import attrs

from mosaic_sdk._render import FieldsRepr, TextRepr
from mosaic_sdk.errors import InvalidValueError
from mosaic_sdk.values._environment import Environment

__all__ = [
    "CONNECTION_FIELDS",
    "CREDENTIAL_FIELDS",
    "FIELD_ALIASES",
    "OAUTH_FIELDS",
    "STANDARD_FIELDS",
    "TOKEN_FIELDS",
    "VaultPath",
    "VaultPaths",
    "validate_field_name",
    "validate_fields",
]

_SEGMENT = re.compile(r"[a-z0-9_-]+")
_SHAPE = "{mount}/{service}/{component}/{secret-name}"
_EXAMPLE = "secret-prod/postgres/database/app"
_ALLOWED = "lowercase letters, digits, '-' and '_'"


def _check_segment(value: object, role: str, whole: object) -> str:
    """Validate one path segment; errors name ``whole`` (what the caller passed)."""
    if not isinstance(value, str):
        raise InvalidValueError(whole, f"the {role} must be a string", f"pass the {role} as text")
    if not value:
        raise InvalidValueError(whole, f"the {role} is empty", f"give a {role} like in {_EXAMPLE}")
    if value in {".", ".."}:
        raise InvalidValueError(
            whole,
            f"the {role} is a relative segment {value!r}",
            f"name the {role} explicitly, as in {_EXAMPLE}",
        )
    if _SEGMENT.fullmatch(value):
        return value
    if _SEGMENT.fullmatch(value.lower()):
        raise InvalidValueError(
            whole, f"the {role} {value!r} has uppercase letters", f"use {value.lower()!r}"
        )
    bad = "".join(sorted({ch for ch in value if not _SEGMENT.fullmatch(ch)}))
    suggestion = re.sub(r"[^a-z0-9_-]+", "-", value.lower()).strip("-")
    fix = f"use only {_ALLOWED}"
    if suggestion and _SEGMENT.fullmatch(suggestion):
        fix += f", for example {suggestion!r}"
    raise InvalidValueError(whole, f"the {role} {value!r} contains {bad!r}", fix)


def _segment_validator(role: str) -> Callable[[object, attrs.Attribute[str], str], None]:
    def check(instance: object, attribute: attrs.Attribute[str], value: str) -> None:
        _check_segment(value, role, value)

    return check


def _to_environment(value: Environment | str) -> Environment:
    if isinstance(value, Environment):
        return value
    return Environment.parse(value)


@attrs.frozen
class VaultPath(TextRepr):
    """The location of one secret: ``{mount}/{service}/{component}/{secret-name}``.

    The mount is implied by :attr:`environment`. Build paths with :class:`VaultPaths`
    or :meth:`parse`; ``str(path)`` gives the canonical text back.

    Examples:
        >>> path = VaultPath.parse("secret-prod/postgres/database/app")
        >>> path.environment, path.service, path.component, path.name
        (<Environment.PROD: 'prod'>, 'postgres', 'database', 'app')
    """

    environment: Environment = attrs.field(validator=attrs.validators.instance_of(Environment))
    service: str = attrs.field(validator=_segment_validator("service"))
    component: str = attrs.field(validator=_segment_validator("component"))
    name: str = attrs.field(validator=_segment_validator("secret name"))

    @classmethod
    def parse(cls, text: str) -> VaultPath:
        """Read a canonical Vault path such as ``secret-prod/postgres/database/app``.

        Rules: exactly four ``/``-separated segments; the first is an environment mount
        (``secret-dev``, ``secret-staging``, ``secret-prod``); every segment is non-empty,
        not ``.`` or ``..``, and made of lowercase letters, digits, ``-`` and ``_``; no
        leading or trailing slash.

        Raises:
            InvalidValueError: the text breaks one of the rules; the message says which
                and shows the corrected form when there is an obvious one.
        """
        if not isinstance(text, str):
            raise InvalidValueError(text, "is not a Vault path", f"pass text shaped {_SHAPE}")
        if text != text.strip():
            raise InvalidValueError(text, "has surrounding whitespace", f"use {text.strip()!r}")
        if not text:
            raise InvalidValueError(text, "is an empty Vault path", f"use the shape {_SHAPE}")
        if text.startswith("/") or text.endswith("/"):
            raise InvalidValueError(
                text,
                "has a leading or trailing slash",
                f"remove it: {text.strip('/')!r} (paths are relative to Vault's /v1/)",
            )
        parts = text.split("/")
        if "" in parts:
            collapsed = "/".join(part for part in parts if part)
            raise InvalidValueError(
                text, "has an empty segment ('//')", f"collapse the slashes: {collapsed!r}"
            )
        if ".." in parts or "." in parts:
            raise InvalidValueError(
                text,
                "contains a relative segment ('.' or '..')",
                f"write the full path, shaped {_SHAPE}",
            )
        if len(parts) == 5 and parts[1] in {"data", "metadata"}:
            without = "/".join(parts[:1] + parts[2:])
            raise InvalidValueError(
                text,
                f"contains the KV v2 API segment {parts[1]!r}",
                f"drop it: {without!r} (use .kv2_data_path for the API form)",
            )
        if len(parts) != 4:
            raise InvalidValueError(
                text,
                f"has {len(parts)} segments, expected 4 ({_SHAPE})",
                f"for example {_EXAMPLE!r}",
            )
        mount, service, component, name = parts
        try:
            environment = Environment.from_mount(mount)
        except InvalidValueError as exc:
            raise InvalidValueError(
                text, f"the mount {mount!r} is not an environment mount", exc.fix
            ) from None
        for value, role in ((service, "service"), (component, "component"), (name, "secret name")):
            _check_segment(value, role, text)
        return cls(environment, service, component, name)

    @property
    def mount(self) -> str:
        """The KV v2 mount, ``secret-dev``, ``secret-staging`` or ``secret-prod``."""
        return self.environment.vault_mount

    @property
    def relative(self) -> str:
        """The path inside the mount, ``service/component/name``.

        This is what hvac's KV v2 methods take as ``path=`` (with ``mount_point=``
        set to :attr:`mount`).
        """
        return f"{self.service}/{self.component}/{self.name}"

    @property
    def kv2_data_path(self) -> str:
        """The KV v2 HTTP API path for reading and writing the secret data:
        ``{mount}/data/{service}/{component}/{name}`` (append to ``/v1/``)."""
        return f"{self.mount}/data/{self.relative}"

    @property
    def kv2_metadata_path(self) -> str:
        """The KV v2 HTTP API path for the secret's metadata and versions:
        ``{mount}/metadata/{service}/{component}/{name}`` (append to ``/v1/``)."""
        return f"{self.mount}/metadata/{self.relative}"

    def __str__(self) -> str:
        return f"{self.mount}/{self.relative}"


@attrs.frozen
class VaultPaths(FieldsRepr):
    """Builds canonical :class:`VaultPath` values for one environment.

    Examples:
        >>> str(VaultPaths(Environment.PROD).path("postgres", "database", "app"))
        'secret-prod/postgres/database/app'

    ``environment`` also accepts a spelling understood by :meth:`Environment.parse`.
    """

    environment: Environment = attrs.field(converter=_to_environment)

    @property
    def mount(self) -> str:
        """The environment's KV v2 mount, e.g. ``secret-prod``."""
        return self.environment.vault_mount

    def path(self, service: str, component: str, name: str) -> VaultPath:
        """The path of secret ``name`` of ``component`` in ``service``.

        Raises:
            InvalidValueError: a segment is empty, relative, or not made of lowercase
                letters, digits, ``-`` and ``_``.
        """
        return VaultPath(self.environment, service, component, name)


#: Login credentials.
CREDENTIAL_FIELDS: frozenset[str] = frozenset({"username", "password"})
#: A bearer or API token.
TOKEN_FIELDS: frozenset[str] = frozenset({"token"})
#: OAuth client credentials.
OAUTH_FIELDS: frozenset[str] = frozenset({"client_id", "client_secret"})
#: Where to connect.
CONNECTION_FIELDS: frozenset[str] = frozenset({"url", "host", "port"})
#: Every field name a secret may hold.
STANDARD_FIELDS: frozenset[str] = (
    CREDENTIAL_FIELDS | TOKEN_FIELDS | OAUTH_FIELDS | CONNECTION_FIELDS
)

_ALIASES: dict[str, tuple[str, ...]] = {
    "username": ("user", "login", "usr", "user_name", "uname", "account", "userid", "user_id"),
    "password": ("pass", "passwd", "pwd", "pw", "passphrase", "pass_word"),
    "token": (
        "api_key",
        "apikey",
        "api_token",
        "access_token",
        "auth_token",
        "bearer",
        "bearer_token",
        "secret",
        "key",
    ),
    "client_id": ("clientid", "app_id", "application_id", "consumer_key", "oauth_client_id"),
    "client_secret": ("clientsecret", "app_secret", "consumer_secret", "oauth_client_secret"),
    "url": ("uri", "dsn", "endpoint", "address", "addr", "connection_string", "conn_str", "link"),
    "host": ("hostname", "server", "host_name", "server_name", "domain", "ip"),
    "port": ("portnumber", "port_number", "portnum", "port_no"),
}

#: Common alias -> the standard field name to use instead (read-only).
FIELD_ALIASES: Mapping[str, str] = types.MappingProxyType(
    {alias: standard for standard, aliases in _ALIASES.items() for alias in aliases}
)

_STANDARD_LIST = ", ".join(
    sorted(CREDENTIAL_FIELDS, reverse=True)
    + sorted(TOKEN_FIELDS)
    + sorted(OAUTH_FIELDS)
    + ["url", "host", "port"]
)


def _suggest(name: str) -> str | None:
    """The standard field that ``name`` most likely means, if any."""
    key = re.sub(r"[\s.-]+", "_", name.strip().lower())
    if key in STANDARD_FIELDS:
        return key
    if key in FIELD_ALIASES:
        return FIELD_ALIASES[key]
    squashed = key.replace("_", "")
    for candidate in (*STANDARD_FIELDS, *FIELD_ALIASES):
        if candidate.replace("_", "") == squashed:
            return FIELD_ALIASES.get(candidate, candidate)
    return None


def validate_field_name(name: str) -> str:
    """Return ``name`` if it is a standard secret field name, else raise.

    Standard names: ``username``, ``password``, ``token``, ``client_id``,
    ``client_secret``, ``url``, ``host``, ``port``.

    Raises:
        InvalidValueError: ``name`` is not standard; for a common alias (``user``,
            ``passwd``, ``api_key``, ``hostname``...) the message names the standard
            field to use instead.
    """
    if not isinstance(name, str):
        raise InvalidValueError(name, "is not a field name", f"use one of {_STANDARD_LIST}")
    if name in STANDARD_FIELDS:
        return name
    suggestion = _suggest(name)
    if suggestion is None:
        raise InvalidValueError(
            name, "is not a standard Vault field name", f"use one of {_STANDARD_LIST}"
        )
    fix = f"rename it to {suggestion!r}"
    if suggestion == "token" and "secret" in name.lower():
        fix += " (or 'client_secret' if it is an OAuth client secret)"
    raise InvalidValueError(name, "is not a standard Vault field name", fix)


_M = TypeVar("_M", bound=Mapping[str, object])


def validate_fields(fields: _M) -> _M:
    """Check every key of ``fields`` with :func:`validate_field_name`; return ``fields``.

    All offending keys are reported at once. Values are never inspected or shown.

    Raises:
        InvalidValueError: one or more keys are not standard field names.
    """
    if not isinstance(fields, Mapping):
        raise InvalidValueError(
            type(fields).__name__, "is not a mapping of field names", "pass a dict"
        )
    if not fields:
        raise InvalidValueError(
            dict(fields), "is empty", f"a secret needs at least one of {_STANDARD_LIST}"
        )
    problems: list[InvalidValueError] = []
    for key in fields:
        try:
            validate_field_name(key)
        except InvalidValueError as exc:
            problems.append(exc)
    if len(problems) == 1:
        raise problems[0]
    if problems:
        names = tuple(problem.value for problem in problems)
        renames = []
        for name in names:
            suggestion = _suggest(name) if isinstance(name, str) else None
            if suggestion is None:
                renames.append(f"replace {name!r} with one of {_STANDARD_LIST}")
            else:
                renames.append(f"rename {name!r} to {suggestion!r}")
        raise InvalidValueError(names, "are not standard Vault field names", ", ".join(renames))
    return fields
