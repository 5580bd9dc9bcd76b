"""Compose-file helpers for Coolify services (pure, no I/O).

* :func:`encode_compose_raw`: Coolify's ``docker_compose_raw`` request field must be
  **canonical** base64 of the UTF-8 YAML (standard alphabet, ``=`` padding, no line
  breaks): the server re-encodes the decoded bytes and rejects the value unless it gets
  exactly the input back. Responses carry the same field as plain YAML.
* :func:`to_list_style_env`: Coolify's ``updateCompose()`` (run when a service domain
  changes) only recognised list-style ``SERVICE_FQDN_*``/``SERVICE_URL_*`` declarations
  before v4.0.0-beta.445; map-style ones kept the old URL. List style works everywhere,
  and every Coolify template uses it.
"""

from __future__ import annotations

import base64
import binascii
import io
from collections.abc import Mapping
from typing import Any

from mosaic_sdk.errors import InvalidValueError

__all__ = [
    "MAGIC_PREFIXES",
    "decode_compose_raw",
    "encode_compose_raw",
    "parse_compose",
    "to_list_style_env",
]

#: Variable prefixes that make Coolify generate a domain for a container.
MAGIC_PREFIXES = ("SERVICE_FQDN_", "SERVICE_URL_")


def parse_compose(compose_yaml: str) -> Any:
    """Parse ``compose_yaml`` (round-trip) and check it is a compose file.

    Raises:
        InvalidValueError: not YAML, or no top-level ``services`` mapping.
    """
    from ruamel.yaml import YAML
    from ruamel.yaml.error import YAMLError

    if not isinstance(compose_yaml, str):
        raise InvalidValueError(
            type(compose_yaml).__name__, "compose content must be text", "pass the YAML as str"
        )
    try:
        document = YAML(typ="rt").load(compose_yaml)
    except YAMLError as exc:
        raise InvalidValueError(
            compose_yaml[:80], f"is not valid YAML ({exc})", "fix the compose file syntax"
        ) from exc
    if not isinstance(document, Mapping) or not isinstance(document.get("services"), Mapping):
        raise InvalidValueError(
            compose_yaml[:80],
            "is not a compose file: there is no top-level 'services' mapping",
            "pass a docker compose file with 'services:'",
        )
    return document


def encode_compose_raw(compose_yaml: str) -> str:
    """Canonical base64 of the UTF-8 bytes of ``compose_yaml``, as Coolify requires.

    Raises:
        InvalidValueError: ``compose_yaml`` is not a compose file.
    """
    parse_compose(compose_yaml)
    return base64.b64encode(compose_yaml.encode("utf-8")).decode("ascii")


def decode_compose_raw(value: str) -> str:
    """The YAML text of a ``docker_compose_raw`` value.

    Responses carry plain YAML; a canonical base64 string (as sent) is decoded, so both
    forms give the YAML text.
    """
    stripped = value.strip()
    if stripped and "\n" not in stripped and ":" not in stripped:
        try:
            raw = base64.b64decode(stripped, validate=True)
        except (binascii.Error, ValueError):
            return value
        if base64.b64encode(raw).decode("ascii") == stripped:
            try:
                return raw.decode("utf-8")
            except UnicodeDecodeError:
                return value
    return value


def _is_magic(key: str) -> bool:
    return key.startswith(MAGIC_PREFIXES)


def _scalar_text(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def to_list_style_env(compose_yaml: str) -> str:
    """Rewrite ``environment:`` maps that hold ``SERVICE_FQDN_*``/``SERVICE_URL_*``
    variables into list style, keeping everything else.

    Magic variables without a value become bare names (``- SERVICE_URL_APP_3000``);
    with a value (a path such as ``/api``) they become ``- SERVICE_URL_APP=/api``. Other
    variables become ``- KEY=value`` (``- KEY`` when they have no value, which compose
    reads as "take it from the host environment"), in the same order. Services without
    magic variables, and lists, are left alone; when nothing needs rewriting the input
    is returned unchanged. Comments inside a rewritten ``environment`` block are lost.

    Raises:
        InvalidValueError: ``compose_yaml`` is not a compose file.
    """
    from ruamel.yaml import YAML
    from ruamel.yaml.comments import CommentedSeq

    document = parse_compose(compose_yaml)
    changed = False
    for service in document["services"].values():
        if not isinstance(service, Mapping):
            continue
        env = service.get("environment")
        if not isinstance(env, Mapping) or not any(_is_magic(str(k)) for k in env):
            continue
        items = CommentedSeq()
        for key, value in env.items():
            name = str(key)
            if value is None or (value == "" and _is_magic(name)):
                items.append(name)
            else:
                items.append(f"{name}={_scalar_text(value)}")
        service["environment"] = items  # type: ignore[index]
        changed = True
    if not changed:
        return compose_yaml
    writer = YAML(typ="rt")
    writer.indent(mapping=2, sequence=4, offset=2)
    writer.width = 4096
    out = io.StringIO()
    writer.dump(document, out)
    return out.getvalue()
