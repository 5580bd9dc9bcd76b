"""Secret redaction shared by errors, reprs and log lines.

Two mechanisms, both applied by :func:`redact_text`:

* every value registered with :func:`register_secret` (tokens given to a client,
  secrets read from Vault) is replaced wherever it appears;
* ``key=value``, ``key: value`` and JSON ``"key": "value"`` pairs whose key looks like a
  secret (``password``, ``token``, ``authorization``...) have their value masked.
"""

from __future__ import annotations

import re
import threading

__all__ = [
    "MASK",
    "SECRET_KEY_PATTERN",
    "is_secret_key",
    "redact_mapping",
    "redact_text",
    "register_secret",
]

MASK = "***"

#: Names of fields and headers whose values are always masked.
SECRET_KEY_PATTERN = re.compile(
    r"(pass(word|wd)?|secret|token|authorization|api[-_]?key|x-api-key|x-vault-token"
    r"|private[-_]?key|credential|cookie|session[-_]?id|bypass)",
    re.IGNORECASE,
)

# Values shorter than this are not registered: masking "a" everywhere would destroy
# every message while protecting nothing.
_MIN_SECRET_LENGTH = 4

_lock = threading.Lock()
_secrets: set[str] = set()
_pattern: re.Pattern[str] | None = None

_PAIR = re.compile(
    r"""(?P<key>["']?[A-Za-z0-9_.-]*?"""
    r"""(?:pass(?:word|wd)?|secret|token|authorization|api[-_]?key|private[-_]?key|credential|cookie)"""
    r"""[A-Za-z0-9_.-]*["']?)"""
    r"""(?P<sep>\s*[:=]\s*)"""
    r"""(?P<value>"[^"]*"|'[^']*'|(?:Bearer|Basic|Token)\s+\S+|[^\s,;&}\]]+)""",
    re.IGNORECASE,
)


def register_secret(value: str) -> None:
    """Remember ``value`` as a secret: it is masked in every later message and log line."""
    global _pattern
    if not isinstance(value, str) or len(value) < _MIN_SECRET_LENGTH:
        return
    with _lock:
        if value in _secrets:
            return
        _secrets.add(value)
        ordered = sorted(_secrets, key=len, reverse=True)
        _pattern = re.compile("|".join(re.escape(s) for s in ordered))


def is_secret_key(name: str) -> bool:
    """True when a field or header called ``name`` holds a secret by its name."""
    return bool(SECRET_KEY_PATTERN.search(name))


def _mask_pair(match: re.Match[str]) -> str:
    value = match.group("value")
    masked = value[0] + MASK + value[0] if value.startswith(('"', "'")) else MASK
    return f"{match.group('key')}{match.group('sep')}{masked}"


def redact_text(text: str) -> str:
    """Return ``text`` with every known secret value and secret-named pair masked."""
    pattern = _pattern
    if pattern is not None:
        text = pattern.sub(MASK, text)
    return _PAIR.sub(_mask_pair, text)


def redact_mapping(data: dict[str, object]) -> dict[str, object]:
    """Return a copy of ``data`` with secret-named keys masked (recursively) and known
    secret values replaced."""
    out: dict[str, object] = {}
    for key, value in data.items():
        if is_secret_key(str(key)):
            out[key] = MASK
        elif isinstance(value, dict):
            out[key] = redact_mapping(value)
        elif isinstance(value, str):
            out[key] = redact_text(value)
        else:
            out[key] = value
    return out
