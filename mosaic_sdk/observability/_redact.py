"""The public, validating spellings of the redaction functions.

The registry and the masking itself live in the leaf layer :mod:`mosaic_sdk._core._redact`
(so :mod:`mosaic_sdk.errors` can redact its messages without importing this package); the
functions here check their argument - text, or a mapping - and raise
:class:`~mosaic_sdk.errors.InvalidValueError` naming the value and the fix, then call it.
SDK code imports :mod:`mosaic_sdk._core._redact` directly.
"""

from __future__ import annotations

from collections.abc import Mapping

from mosaic_sdk._core import _redact
from mosaic_sdk.errors import InvalidValueError

__all__ = [
    "is_secret_key",
    "is_secret_query_name",
    "redact_mapping",
    "redact_secrets_and_urls",
    "redact_text",
    "sanitize_url",
]


def _not_text(value: object, function: str, fix: str) -> InvalidValueError:
    return InvalidValueError(type(value).__name__, f"is the wrong type for {function}()", fix)


def is_secret_query_name(name: str) -> bool:
    """True when a URL query parameter called ``name`` carries a credential
    (``token``, ``access_token``, ``password``, ``sig``, ``X-Amz-Signature``, ``key``...).

    Raises:
        InvalidValueError: ``name`` is not text.
    """
    if not isinstance(name, str):
        raise _not_text(name, "is_secret_query_name", "pass the parameter name as text")
    return _redact.is_secret_query_name(name)


def sanitize_url(url: str) -> str:
    """Return ``url`` safe to show: userinfo removed, credential query values masked.

    The one URL sanitizer of the SDK: every repr, error message, report, check name,
    evidence file and CLI line shows a URL through it. It removes the whole userinfo
    (``https://user:pass@host`` and ``https://TOKEN@host`` become ``https://host``, even
    when the password holds a raw ``/``, ``?``, ``@`` or space), masks the value of every
    query or fragment parameter named like a credential (:func:`is_secret_query_name`)
    and every registered secret. Text that is not a URL comes back with only registered
    secrets masked. It never raises for malformed text.

    >>> sanitize_url("https://ci:pa/ss@registry.example.com/v2/?n=5&token=abc")
    'https://registry.example.com/v2/?n=5&token=***'

    Raises:
        InvalidValueError: ``url`` is not text.
    """
    if not isinstance(url, str):
        raise _not_text(url, "sanitize_url", "pass the URL as text")
    return _redact.sanitize_url(url)


def is_secret_key(name: str) -> bool:
    """True when a field or header called ``name`` holds a secret by its name.

    Raises:
        InvalidValueError: ``name`` is not text.
    """
    if not isinstance(name, str):
        raise _not_text(name, "is_secret_key", "pass the field or header name as text")
    return _redact.is_secret_key(name)


def redact_secrets_and_urls(text: str) -> str:
    """Mask registered secrets and sanitize every URL in ``text``, but leave
    ``key: value`` pairs alone: for program output (CLI lines) where a word such as
    ``secret:`` is a name, not a credential's label.

    Raises:
        InvalidValueError: ``text`` is not text.
    """
    if not isinstance(text, str):
        raise _not_text(text, "redact_secrets_and_urls", "pass str(value)")
    return _redact.redact_secrets_and_urls(text)


def redact_text(text: str) -> str:
    """Return ``text`` with every known secret value and secret-named pair masked.

    Also: every URL in the text goes through :func:`sanitize_url` (its userinfo
    removed, credential query values masked), and secret-named headers in the
    ``(b'Name', b'value')`` form that httpcore logs at ``DEBUG`` are masked.

    Raises:
        InvalidValueError: ``text`` is not text.
    """
    if not isinstance(text, str):
        raise _not_text(text, "redact_text", "pass str(value), or redact_mapping() for a dict")
    return _redact.redact_text(text)


def redact_mapping(data: Mapping[str, object]) -> dict[str, object]:
    """Return a copy of ``data`` with secret-named keys masked and known secret values
    replaced, recursing into nested mappings, lists and tuples.

    Raises:
        InvalidValueError: ``data`` is not a mapping.
    """
    if not isinstance(data, Mapping):
        raise _not_text(data, "redact_mapping", "pass a dict, or redact_text() for text")
    return _redact.redact_mapping(data)
