"""Deciding whether a ``name = value`` pair is a hard-coded secret."""

from __future__ import annotations

import re

from mosaic_sdk._core._redact import is_secret_key

__all__ = ["has_secret_shape", "is_hardcoded_secret", "is_secret_name", "is_secret_path"]

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


# Values that are secrets whatever they are called: published token formats (GitHub,
# GitLab, AWS access keys, Slack, OpenAI-style keys, JWTs, PEM private keys) and URLs
# carrying a password (redis://:pw@redis, postgres://user:pw@db).
_TOKEN_SHAPES = re.compile(
    r"\b(?:gh[pousr]_[A-Za-z0-9]{36,}|github_pat_[A-Za-z0-9_]{40,}|glpat-[A-Za-z0-9_-]{20,}"
    r"|(?:AKIA|ASIA)[A-Z0-9]{16}|xox[abposr]-[A-Za-z0-9-]{10,}|sk-[A-Za-z0-9_-]{20,}"
    r"|eyJ[A-Za-z0-9_-]{8,}\.eyJ[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]+)"
    r"|-----BEGIN [A-Z ]*PRIVATE KEY-----"
)
_URL_PASSWORD = re.compile(r"^[A-Za-z][A-Za-z0-9+.-]*://[^/@:\s]*:([^/@\s]+)@")
# A URL without a password, or a number, is configuration even under a secret name:
# TOKEN_URL=https://auth.example.com/token, PASSWORD_MIN_LENGTH=12.
_PLAIN_URL = re.compile(r"^[A-Za-z][A-Za-z0-9+.-]*://\S*$")
_NUMBER = re.compile(r"^[0-9]+(?:\.[0-9]+)?[smhdkKMG]?$")


def has_secret_shape(value: object) -> bool:
    """True when ``value`` is, or contains, a secret by its shape alone: a known token
    format or a URL with a literal password."""
    if not isinstance(value, str):
        return False
    text = value.strip()
    if _TOKEN_SHAPES.search(text):
        return True
    match = _URL_PASSWORD.match(text)
    return match is not None and _REFERENCE.search(match.group(1)) is None


def is_hardcoded_secret(name: str, value: object) -> bool:
    """True when ``value`` is a literal secret: a known token shape or a URL with a
    password under any name, or a literal under a secret-sounding ``name``.

    Under a secret name, references (``$VAR``, ``${VAR}``, ``${{ secrets.X }}``,
    ``{{ template }}``), empty or boolean-like values, numbers (``PASSWORD_MIN_LENGTH=12``)
    and URLs without a password (``TOKEN_URL=https://auth.example.com/token``) are not
    secrets; any other literal is.
    """
    if not isinstance(value, str):
        return False
    if has_secret_shape(value):
        return True
    if not is_secret_name(name):
        return False
    stripped = value.strip()
    if stripped.lower() in _NOT_SECRET_VALUES:
        return False
    if _NUMBER.match(stripped) or _PLAIN_URL.match(stripped):
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
