"""Secret redaction shared by errors, reprs and log lines.

Two mechanisms, both applied by :func:`redact_text`:

* every value registered with :func:`register_secret` (tokens given to a client,
  secrets read from Vault) is replaced wherever it appears;
* ``key=value``, ``key: value`` and JSON ``"key": "value"`` pairs whose key looks like a
  secret (``password``, ``token``, ``authorization``...) have their value masked.

A registered value is also masked in the encoded forms it commonly travels in: URL
encoding (a password in a connection URL or query string) and JSON string escaping.

This module imports only the standard library (it is part of the leaf layer
:mod:`mosaic_sdk._core`): :mod:`mosaic_sdk.errors` uses it to redact every error message.
Its functions check no argument types: the public, validating spellings
(:func:`mosaic_sdk.observability.redact_text`, ``sanitize_url``...) raise
:class:`~mosaic_sdk.errors.InvalidValueError` for a value that is not text, then call these.
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
    "is_secret_query_name",
    "redact_mapping",
    "learn_secrets",
    "redact_secrets_and_urls",
    "redact_text",
    "register_secret",
    "register_url_secrets",
    "registered_secrets",
    "sanitize_url",
    "url_has_credentials",
    "userinfo_length",
]

MASK = "***"

_SENSITIVE_NAME_WORDS = (
    r"pass(?:word|wd)?|secret|token|authorization|api[-_]?key|x-api-key|x-vault-token"
    r"|private[-_]?key|credential|cookie|session[-_]?id|bypass"
    # ``auth`` as a word of its own: Docker config ``"auth"`` values, ``X-Auth`` and
    # ``X-Auth-Token`` headers, ``basic_auth`` - but not ``author`` or ``WWW-Authenticate``.
    r"|auth(?![a-z])"
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
    r"""(?=(?P<value>"[^"]*"|'[^']*'|(?:Bearer|Basic|Token)\s+\S+"""
    r"""|(?:\$\{[^}\s]*\}|[^\s,;&}\]])+))""",
    re.IGNORECASE,
)
_SECRET_KEY_END = re.compile(rf"(?:{_SENSITIVE_NAME_WORDS}){_KEY_SUFFIX}$", re.IGNORECASE)
# A value that only names a variable (``${JWT_SECRET}``, ``$DB_PASSWORD``, quoted or not)
# holds no secret: it is how a fix text says "reference it instead". A default
# (``${T:-x}``), a command (``$(cat f)``) or any literal around it is still masked.
_VARIABLE_REFERENCE = re.compile(
    r"""(["']?)\$(?:\{[A-Za-z_][A-Za-z0-9_]*\}|[A-Za-z_][A-Za-z0-9_]*)\1"""
)
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


def learn_secrets(data: object, *, _depth: int = 0) -> None:
    """Register every value held under a secret-named key of ``data`` (recursing into
    nested mappings, lists and tuples), so the value is masked wherever it turns up
    later - in the same log record's message or traceback, and in every later one.

    Used on log records' extra fields and mapping arguments, and on the headers a client
    sends. Only text (and bytes, decoded) is registered; other values are left alone.
    """
    if _depth > 8:
        return
    if isinstance(data, Mapping):
        for key, value in data.items():
            if isinstance(key, str) and _learnable_key(key):
                _learn_value(value)
            else:
                learn_secrets(value, _depth=_depth + 1)
    elif isinstance(data, (list, tuple)):
        # A (b"name", b"value") header as httpcore lists them; a list such as
        # ["password", "username"] is a list of names, not a pair.
        if isinstance(data, tuple) and len(data) == 2 and isinstance(data[0], bytes):
            if _learnable_key(data[0].decode("latin-1")) and isinstance(data[1], (str, bytes)):
                _learn_value(data[1])
            return
        for item in data:
            learn_secrets(item, _depth=_depth + 1)


def _learnable_key(name: str) -> bool:
    # Stricter than is_secret_key: a registered value is masked everywhere, for good, so
    # only a name that *ends* like a credential ("password", "X-Auth-Token", "auth",
    # "client_secret") teaches a value - not "secret_fields" or "token_type".
    return _SECRET_KEY_END.search(name.strip().strip("\"'")) is not None


def _learn_value(value: object) -> None:
    if isinstance(value, bytes):
        value = value.decode("utf-8", errors="replace")
    if isinstance(value, str):
        register_secret(value)
        scheme, _, credential = value.strip().partition(" ")
        if credential and scheme.lower() in _CREDENTIAL_SCHEMES:
            register_secret(credential.strip())
    elif isinstance(value, (Mapping, list, tuple)):
        # Everything under a secret-named key is secret: {"auths": {...}} aside, a
        # {"password": {"value": ...}} shape holds it one level down.
        for item in value.values() if isinstance(value, Mapping) else value:
            _learn_value(item)


_CREDENTIAL_SCHEMES = frozenset({"bearer", "basic", "token", "apikey", "digest"})


def registered_secrets() -> frozenset[str]:
    """Every value registered with :func:`register_secret` so far (for leak checks in
    tests; never log the result)."""
    with _lock:
        return frozenset(_secrets)


# Query (and fragment) parameters whose value is a credential although their name holds
# none of the secret words: signed-URL signatures (S3, GCS, Azure SAS), API keys, OAuth
# codes and JWTs.
_SECRET_QUERY_NAMES = frozenset(
    {
        "sig",
        "signature",
        "key",
        "apikey",
        "code",
        "jwt",
        "sas",
        "auth",
        "access_key",
        "accesskeyid",
        "awsaccesskeyid",
        "x-amz-signature",
        "x-amz-credential",
        "x-amz-security-token",
        "x-goog-signature",
        "x-goog-credential",
    }
)
_URL_SCHEME = re.compile(r"[A-Za-z][A-Za-z0-9+.-]*://")
# A URL in free text (stops at white space and quotes). Its password may hold a space:
# _URL_SPACED_USERINFO catches ``scheme://user:pa ss@host`` first.
_URL_IN_TEXT = re.compile(r"(?<![A-Za-z0-9+.-])[A-Za-z][A-Za-z0-9+.-]*://[^\s'\"<>`]+")
_URL_SPACED_USERINFO = re.compile(
    r"(?P<scheme>(?<![A-Za-z0-9+.-])[A-Za-z][A-Za-z0-9+.-]*://)[^\s/?#@'\"<>]*:"
    r"[^@'\"<>\n]{0,256}?\s[^@'\"<>\n]{0,256}?@(?=[A-Za-z0-9\[])"
)


def is_secret_query_name(name: str) -> bool:
    """True when a URL query parameter called ``name`` carries a credential
    (``token``, ``access_token``, ``password``, ``sig``, ``X-Amz-Signature``, ``key``...)."""
    return name.lower() in _SECRET_QUERY_NAMES or bool(SECRET_KEY_PATTERN.search(name))


def userinfo_length(rest: str) -> int:
    """Where the host starts in ``rest`` (a URL after ``scheme://``): 0 without userinfo.

    The authority ends at the first ``/``, ``?`` or ``#`` (RFC 3986) and its userinfo at
    the last ``@`` in it. A password holding a raw ``/`` or ``?`` ends that authority
    early and leaves a "port" that is no number (``user:pa/ss@host``): then the userinfo
    runs to the next ``@``, and a password is never left behind in the path.
    """
    end = len(rest)
    for stop in "/?#":
        found = rest.find(stop)
        if found != -1:
            end = min(end, found)
    authority = rest[:end]
    at = authority.rfind("@")
    if at != -1:
        return at + 1
    _, colon, port = authority.rpartition(":")
    if colon and not port.isdigit() and not authority.startswith("["):
        at = rest.find("@", end)
        if at != -1:
            host_end = len(rest)
            for stop in "/?#":
                found = rest.find(stop, at + 1)
                if found != -1:
                    host_end = min(host_end, found)
            return rest.rfind("@", at, host_end) + 1
    return 0


def _mask_parameters(text: str) -> str:
    parts = []
    for part in re.split(r"([&;])", text):
        name, equals, value = part.partition("=")
        if equals and value and is_secret_query_name(urllib.parse.unquote_plus(name)):
            part = f"{name}={MASK}"
        parts.append(part)
    return "".join(parts)


def sanitize_url(url: str) -> str:
    """``url`` safe to show (no check of its type): see
    :func:`mosaic_sdk.observability.sanitize_url`."""
    text = _sanitized(url)
    pattern = _pattern
    return pattern.sub(MASK, text) if pattern is not None else text


# Every credential query name above, and every secret word, contains one of these:
# parameters are only split and checked when the query holds one (most hold none).
_QUERY_HINT = re.compile(
    r"pass|secret|token|auth|api|private|credential|cookie|session|bypass|sig|key|code"
    r"|jwt|sas|amz|goog"
)


def _sanitized(url: str) -> str:
    scheme = _URL_SCHEME.match(url)
    head, rest = (url[: scheme.end()], url[scheme.end() :]) if scheme else ("", url)
    if head and "@" in rest:  # no '@', no userinfo (userinfo_length needs one)
        rest = rest[userinfo_length(rest) :]
    if "?" not in rest and "#" not in rest:
        return head + rest
    before_fragment, hash_mark, fragment = rest.partition("#")
    path, question, query = before_fragment.partition("?")
    text = head + path
    if question:
        hint = _QUERY_HINT.search(query.lower())
        text += question + (_mask_parameters(query) if hint else query)
    if hash_mark:
        text += hash_mark + (
            _mask_parameters(fragment) if _QUERY_HINT.search(fragment) else fragment
        )
    return text


def register_url_secrets(url: str) -> None:
    """Register the credentials a URL carries - the userinfo password (raw and
    percent-decoded), a token given as the user name, and the values of credential
    query parameters - so they are masked wherever they turn up later."""
    scheme = _URL_SCHEME.match(url) if isinstance(url, str) else None
    if scheme is None:
        return
    rest = url[scheme.end() :]
    end = userinfo_length(rest)
    if end:
        user, colon, password = rest[: end - 1].partition(":")
        for value in (password, urllib.parse.unquote(password)) if colon else ():
            register_secret(value)
        if not colon:  # https://TOKEN@host: the user name is the credential
            register_secret(user)
            register_secret(urllib.parse.unquote(user))
    _, _, query = rest.partition("?")
    for part in re.split(r"[&;#]", query):
        name, equals, value = part.partition("=")
        if equals and value and is_secret_query_name(urllib.parse.unquote_plus(name)):
            register_secret(value)
            register_secret(urllib.parse.unquote_plus(value))


def url_has_credentials(text: str) -> bool:
    """True when a URL in ``text`` carries credentials: userinfo (``user:pass@``,
    ``TOKEN@``) or a credential query or fragment parameter with a value."""
    if not isinstance(text, str) or "://" not in text:
        return False
    if "@" in text and _URL_SPACED_USERINFO.search(text):
        return True
    for match in _URL_IN_TEXT.finditer(text):
        url = match.group(0)
        rest = url[_URL_SCHEME.match(url).end() :]  # type: ignore[union-attr]
        if userinfo_length(rest):
            return True
        _, _, tail = rest.partition("?")
        _, _, fragment = rest.partition("#")
        for part in re.split(r"[&;#]", f"{tail}#{fragment}"):
            name, equals, value = part.partition("=")
            if equals and value and is_secret_query_name(urllib.parse.unquote_plus(name)):
                return True
    return False


_URL_TAIL = re.compile(r"[^\s'\"<>`]*")
_SCHEME_CHARS = frozenset("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789+.-")


def _sanitize_urls_in_text(text: str) -> str:
    # Found from each "://" outwards (str.find and anchored matches) rather than by a
    # pattern tried at every position: this runs on every log line that holds a URL.
    if "@" in text:
        text = _URL_SPACED_USERINFO.sub(lambda m: m.group("scheme"), text)
    parts: list[str] = []
    done = 0
    found = text.find("://")
    while found != -1:
        start = found
        while start > done and text[start - 1] in _SCHEME_CHARS:
            start -= 1
        while start < found and not text[start].isalpha():
            start += 1  # a scheme starts with a letter
        tail = _URL_TAIL.match(text, found + 3)
        end = tail.end() if tail is not None else found + 3
        if start < found:
            url = text[start:end]
            clean = _sanitized(url)
            if clean != url:
                parts.append(text[done:start])
                parts.append(clean)
                done = end
        found = text.find("://", max(end, found + 3))
    if not parts:
        return text
    parts.append(text[done:])
    return "".join(parts)


def is_secret_key(name: str) -> bool:
    """True when a field or header called ``name`` holds a secret by its name."""
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
    "auth",
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
        if _VARIABLE_REFERENCE.fullmatch(value):
            continue
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


def redact_secrets_and_urls(text: str) -> str:
    """Mask registered secrets and sanitize every URL in ``text``, but leave
    ``key: value`` pairs alone: for program output (CLI lines) where a word such as
    ``secret:`` is a name, not a credential's label."""
    pattern = _pattern
    if pattern is not None:
        text = pattern.sub(MASK, text)
    return _sanitize_urls_in_text(text) if "://" in text else text


def redact_text(text: str) -> str:
    """``text`` with secrets masked (no check of its type): see
    :func:`mosaic_sdk.observability.redact_text`."""
    pattern = _pattern
    if pattern is not None:
        text = pattern.sub(MASK, text)
    if "://" in text:
        text = _sanitize_urls_in_text(text)
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
    """A masked copy of ``data`` (no check of its type): see
    :func:`mosaic_sdk.observability.redact_mapping`."""
    out: dict[str, object] = {}
    for key, value in data.items():
        out[key] = MASK if is_secret_key(str(key)) else _redact_item(value)
    return out
