"""Secret redaction shared by errors, reprs and log lines.

Two mechanisms, both applied by :func:`redact_text`:

* every value registered with :func:`register_secret` (tokens given to a client,
  secrets read from Vault) is replaced wherever it appears;
* ``key=value``, ``key: value`` and JSON ``"key": "value"`` pairs whose key looks like a
  secret (``password``, ``token``, ``authorization``...) have their value masked.

A registered value is also masked in the encoded forms it commonly travels in: URL
encoding (a password in a connection URL or query string) and JSON string escaping.

This module imports only the standard library: :mod:`mosaic_sdk.errors` imports it
lazily to redact every error message.
"""

from __future__ import annotations

import json
import re
import threading
import urllib.parse
from collections.abc import Mapping

__all__ = [
    "MASK",
    "SECRET_KEY_PATTERN",
    "is_secret_key",
    "redact_mapping",
    "redact_text",
    "register_secret",
    "registered_secrets",
]

MASK = "***"

_SENSITIVE_NAME_WORDS = (
    r"pass(?:word|wd)?|secret|token|authorization|api[-_]?key|x-api-key|x-vault-token"
    r"|private[-_]?key|credential|cookie|session[-_]?id|bypass"
)
#: Names of fields and headers whose values are always masked.
SECRET_KEY_PATTERN = re.compile(f"({_SENSITIVE_NAME_WORDS})", re.IGNORECASE)

# Values shorter than this are not registered: masking "a" everywhere would destroy
# every message while protecting nothing.
_MIN_SECRET_LENGTH = 4

_lock = threading.Lock()
_secrets: set[str] = set()
_pattern: re.Pattern[str] | None = None

# In free text a key must *end* with the sensitive word, optionally followed by a short
# suffix such as ``_id`` or ``_key`` (``db_password=``, ``client_secret:``, ``secret_id=``,
# ``AWS_SECRET_ACCESS_KEY=``).
# Otherwise prose such as "cannot read secret-prod: no secret there" or "token_type:
# bearer" would lose its next word.
_KEY_END = r"(?:id|key|value|string|hash|b64|base64|base|header|file)"
_KEY_SUFFIX = rf"(?:[-_.]?(?:{_KEY_END}|s)|[-_.][A-Za-z0-9]+[-_.]{_KEY_END})?"
# Any ``key=value`` / ``key: value`` / ``"key": "value"`` pair. The value is matched in a
# lookahead so the scan continues inside it (a URL value may carry ``?token=...``); the
# key is checked separately against _SECRET_KEY_END. One pass, no backtracking blow-up.
_PAIR = re.compile(
    r"""(?<![A-Za-z0-9_.-])(?P<key>["']?[A-Za-z0-9_.-]+["']?)\s*[:=]\s*"""
    r"""(?=(?P<value>"[^"]*"|'[^']*'|(?:Bearer|Basic|Token)\s+\S+|[^\s,;&}\]]+))""",
    re.IGNORECASE,
)
_SECRET_KEY_END = re.compile(rf"(?:{_SENSITIVE_NAME_WORDS}){_KEY_SUFFIX}$", re.IGNORECASE)
# The password of a URL's userinfo: ``https://user:password@host``.
_URL_PASSWORD = re.compile(r"(?P<head>[A-Za-z][A-Za-z0-9+.-]*://[^\s/:@'\"]*:)[^\s/@'\"]+(?=@)")
# A header as httpcore logs it at DEBUG: ``(b'Set-Cookie', b'session=...')``.
_HEADER_TUPLE = re.compile(
    r"""\((?P<q>b?['"])(?P<key>[A-Za-z0-9_.-]+)['"],\s*(?P<value>b?'[^']*'|b?"[^"]*")\)"""
)


_variants: set[str] = set()


def _encoded_forms(value: str) -> set[str]:
    forms = {
        value,
        urllib.parse.quote(value, safe=""),
        urllib.parse.quote_plus(value, safe=""),
        json.dumps(value)[1:-1],
        json.dumps(value, ensure_ascii=False)[1:-1],
    }
    return {form for form in forms if len(form) >= _MIN_SECRET_LENGTH}


def _not_text(value: object, function: str, fix: str) -> Exception:
    # Imported here: mosaic_sdk.errors imports this module lazily to redact messages.
    from mosaic_sdk.errors import InvalidValueError

    return InvalidValueError(type(value).__name__, f"is the wrong type for {function}()", fix)


def register_secret(value: str) -> None:
    """Remember ``value`` as a secret: it is masked in every later message and log line.

    Values shorter than four characters are ignored (masking them everywhere would
    destroy every message while protecting nothing). Registering is idempotent and
    thread-safe; there is deliberately no way to unregister.
    """
    global _pattern
    if not isinstance(value, str) or len(value) < _MIN_SECRET_LENGTH:
        return
    with _lock:
        if value in _secrets:
            return
        _secrets.add(value)
        _variants.update(_encoded_forms(value))
        ordered = sorted(_variants, key=len, reverse=True)
        _pattern = re.compile("|".join(re.escape(s) for s in ordered))


def registered_secrets() -> frozenset[str]:
    """Every value registered with :func:`register_secret` so far (for leak checks in
    tests; never log the result)."""
    with _lock:
        return frozenset(_secrets)


def is_secret_key(name: str) -> bool:
    """True when a field or header called ``name`` holds a secret by its name."""
    if not isinstance(name, str):
        raise _not_text(name, "is_secret_key", "pass the field or header name as text")
    return bool(SECRET_KEY_PATTERN.search(name))


# Every word of _SENSITIVE_NAME_WORDS contains one of these.
_PAIR_HINTS = (
    "pass",
    "secret",
    "token",
    "authorization",
    "api",
    "private",
    "credential",
    "cookie",
    "session",
    "bypass",
)


def _mask_pairs(text: str) -> str:
    parts: list[str] = []
    done = 0
    for match in _PAIR.finditer(text):
        start, end = match.span("value")
        if start < done:
            continue  # inside a value that is already masked
        if _SECRET_KEY_END.search(match.group("key").strip("\"'")) is None:
            continue
        value = match.group("value")
        parts.append(text[done:start])
        parts.append(value[0] + MASK + value[0] if value[0] in "\"'" else MASK)
        done = end
    if not parts:
        return text
    parts.append(text[done:])
    return "".join(parts)


def _mask_header_tuple(match: re.Match[str]) -> str:
    if not is_secret_key(match.group("key")):
        return match.group(0)
    value = match.group("value")
    opening = value[:2] if value.startswith("b") else value[:1]  # b' or '
    start, end = match.span("value")
    whole = match.group(0)
    offset = match.start()
    return f"{whole[: start - offset]}{opening}{MASK}{value[-1]}{whole[end - offset :]}"


def redact_text(text: str) -> str:
    """Return ``text`` with every known secret value and secret-named pair masked.

    Also masked: the password in a URL (``https://user:***@host``) and secret-named
    headers in the ``(b'Name', b'value')`` form that httpcore logs at ``DEBUG``.
    """
    if not isinstance(text, str):
        raise _not_text(text, "redact_text", "pass str(value), or redact_mapping() for a dict")
    pattern = _pattern
    if pattern is not None:
        text = pattern.sub(MASK, text)
    if "://" in text and "@" in text:
        text = _URL_PASSWORD.sub(lambda m: m.group("head") + MASK, text)
    # Cheap pre-check with plain substring tests: most lines hold no sensitive word, and
    # the pair pattern (and even a case-insensitive alternation) is far slower.
    lowered = text.lower()
    if not any(hint in lowered for hint in _PAIR_HINTS):
        return text
    if "', " in text or '", ' in text:
        text = _HEADER_TUPLE.sub(_mask_header_tuple, text)
    return _mask_pairs(text)


def _redact_item(value: object) -> object:
    if isinstance(value, str):
        return redact_text(value)
    if isinstance(value, Mapping):
        return redact_mapping(value)
    if isinstance(value, (list, tuple)):
        return type(value)(_redact_item(item) for item in value)
    return value


def redact_mapping(data: Mapping[str, object]) -> dict[str, object]:
    """Return a copy of ``data`` with secret-named keys masked and known secret values
    replaced, recursing into nested mappings, lists and tuples."""
    if not isinstance(data, Mapping):
        raise _not_text(data, "redact_mapping", "pass a dict, or redact_text() for text")
    out: dict[str, object] = {}
    for key, value in data.items():
        out[key] = MASK if is_secret_key(str(key)) else _redact_item(value)
    return out
