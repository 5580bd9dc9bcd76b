"""Checks for credentials given to a client, shared by every client constructor.

I/O-free. A credential is never quoted back: a message says what kind of value was
given (a URL, empty text, not text), never the value itself.
"""

from __future__ import annotations

from mosaic_sdk._core._redact import register_secret
from mosaic_sdk.errors import InvalidValueError

__all__ = ["check_credential"]


def check_credential(value: object, *, argument: str, env_var: str | None = None) -> str:
    """Return ``value`` when it can be a token or key, registered with the redactor;
    raise :class:`InvalidValueError` otherwise.

    Refused: anything that is not text, empty or blank text, text with white space or
    line breaks inside (a pasted header line or two values), and a URL (``https://...``),
    which is what a swapped pair of positional arguments gives.

    Args:
        value: the credential as given.
        argument: the parameter's name, for the message (``"token"``, ``"api_key"``).
        env_var: the environment variable ``from_env()`` reads it from, named in the fix.

    Example:
        >>> check_credential("tok-123", argument="token")
        'tok-123'
        >>> check_credential("https://coolify.example.com", argument="token")
        Traceback (most recent call last):
        ...
        mosaic_sdk.errors.InvalidValueError: '<a URL>': looks like a URL, not a token ...
    """
    source = f" or set ${env_var} and use from_env()" if env_var else ""
    fix = f"pass the {argument} itself{source}"
    if not isinstance(value, str):
        raise InvalidValueError(
            f"<{type(value).__name__}>",
            f"is {type(value).__name__}, not text; a {argument} is text",
            fix,
        )
    text = value.strip()
    if not text:
        raise InvalidValueError("<empty>", f"is empty, not a {argument}", fix)
    lowered = text.lower()
    if lowered.startswith(("http://", "https://")) or "://" in lowered:
        raise InvalidValueError(
            "<a URL>",
            f"looks like a URL, not a {argument} (were the base URL and the {argument} swapped?)",
            fix,
        )
    if any(ch.isspace() for ch in text):
        raise InvalidValueError(
            "<text with white space>",
            f"contains white space, which no {argument} does (a pasted header "
            "line, or two values?)",
            fix,
        )
    # A credential given to a client is a secret: masked in every later message and log.
    register_secret(text)
    return text
