"""Deciding whether a ``name = value`` pair is a hard-coded secret."""

from __future__ import annotations

import re

from mosaic_sdk.observability._redact import is_secret_key

__all__ = ["is_hardcoded_secret", "is_secret_name", "is_secret_path"]

# A secret-sounding name that points at where the secret lives is not a secret:
# POSTGRES_PASSWORD_FILE=/run/secrets/db, VAULT_TOKEN_PATH=..., DB_SECRET_NAME=...
_REFERENCE_SUFFIXES = ("_FILE", "_PATH", "_DIR", "_FILENAME", "_NAME", "_REF")
_NOT_SECRET_VALUES = frozenset(
    {"", "true", "false", "yes", "no", "on", "off", "none", "null", "~", "0", "1"}
)
# $VAR, ${VAR}, ${{ expr }}, {{ template }}, %VAR%: the value is filled in elsewhere.
_REFERENCE = re.compile(r"\$\{\{|\$\{?[A-Za-z_]|\{\{|%[A-Za-z_][A-Za-z0-9_]*%")

_SECRET_FILE_NAMES = frozenset(
    {
        ".env",
        "id_rsa",
        "id_dsa",
        "id_ecdsa",
        "id_ed25519",
        "credentials",
        "credentials.json",
        ".netrc",
        ".pgpass",
        ".pypirc",
        ".git-credentials",
        ".htpasswd",
    }
)
_SECRET_FILE_SUFFIXES = (".pem", ".key", ".p12", ".pfx", ".jks", ".keystore")
# .env.example and friends are templates that hold no secret.
_TEMPLATE_SUFFIXES = (".example", ".sample", ".template", ".dist", ".tmpl", ".tpl")


def is_secret_name(name: str) -> bool:
    """True when a variable called ``name`` holds a secret by its name."""
    if not is_secret_key(name):
        return False
    return not name.upper().endswith(_REFERENCE_SUFFIXES)


def is_hardcoded_secret(name: str, value: object) -> bool:
    """True when ``name`` looks secret and ``value`` is a literal, not a reference.

    References are ``$VAR``, ``${VAR}``, ``${{ secrets.X }}``, ``{{ template }}`` and
    empty or boolean-like values; anything else written in the file is literal.
    """
    if not isinstance(value, str) or not is_secret_name(name):
        return False
    stripped = value.strip()
    if stripped.lower() in _NOT_SECRET_VALUES:
        return False
    return _REFERENCE.search(stripped) is None


def is_secret_path(path: str) -> bool:
    """True when a copied path names a secret file (.env, private keys, credentials)."""
    base = path.rstrip("/").rsplit("/", 1)[-1].lower()
    if base.endswith(_TEMPLATE_SUFFIXES):
        return False
    if base in _SECRET_FILE_NAMES or base.startswith(".env."):
        return True
    return base.endswith(_SECRET_FILE_SUFFIXES)
