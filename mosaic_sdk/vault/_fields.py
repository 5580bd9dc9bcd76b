"""Which fields of a secret are identifiers, and registering the others with the redactor.

A leaf of the vault package: :mod:`._store` and :mod:`._audit` both use it, so neither
imports the other for it (that was the ``_audit`` <-> ``_store`` cycle).
"""

from __future__ import annotations

import urllib.parse
from collections.abc import Mapping

from mosaic_sdk._core._redact import register_secret

__all__ = ["IDENTIFIER_FIELDS", "register_values"]

#: Standard fields that identify rather than authenticate. Their values are masked in
#: reprs like every value, but not registered with the redactor: a username such as
#: ``postgres`` would otherwise be masked in every path and message that names the
#: service. A ``url`` registers only the password and query it carries, if any.
IDENTIFIER_FIELDS: frozenset[str] = frozenset({"username", "host", "port", "client_id", "url"})


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
