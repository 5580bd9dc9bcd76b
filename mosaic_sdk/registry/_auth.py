"""Registry authentication, I/O-free: challenge parsing, scopes and the token cache.

The flow (``distribution/distribution:docs/spec/auth/token.md``, ``research/registry.md``
§1.6): a request answered ``401`` carries ``WWW-Authenticate``. ``Basic realm=...``
means "send HTTP Basic on every request"; ``Bearer realm=...,service=...,scope=...``
means "fetch a token from the realm (with Basic credentials, or anonymously) and retry
with ``Authorization: Bearer``". Tokens are cached per scope set until they expire;
a cached token is reused for any request whose scope it covers (a ``pull,push`` token
covers ``pull``).
"""

from __future__ import annotations

import base64
import re
import time
from collections.abc import Callable, Iterable, Mapping

import attrs

from mosaic_sdk._core._redact import register_secret
from mosaic_sdk._core._repr import safe_repr
from mosaic_sdk._render import FieldsRepr

__all__ = [
    "Challenge",
    "Credentials",
    "TokenCache",
    "parse_challenge",
    "scope_covers",
]

# RFC 7235 auth-param: key=token or key="quoted string" (with backslash escapes).
_PARAM = re.compile(r'\s*([A-Za-z0-9_.-]+)\s*=\s*("(?:[^"\\]|\\.)*"|[^,\s]*)\s*(?:,|$)')
#: Lifetime assumed when a token response has no ``expires_in`` (token.md: 60 seconds).
DEFAULT_TOKEN_LIFETIME = 60.0
# Tokens are dropped this many seconds before they expire, so a request never
# leaves with a token that dies in flight.
_EXPIRY_MARGIN = 5.0


@attrs.frozen
class Challenge(FieldsRepr):
    """One parsed ``WWW-Authenticate`` challenge.

    Attributes:
        scheme: ``"basic"`` or ``"bearer"`` (lowercased).
        realm: the realm; for Bearer, the token endpoint URL.
        service: the ``service`` parameter (Bearer), else ``None``.
        scopes: the space-separated ``scope`` parameter, split (may be empty).
        error: the ``error`` parameter (``insufficient_scope``, ``invalid_token``), if any.
    """

    scheme: str
    realm: str
    service: str | None = None
    scopes: tuple[str, ...] = ()
    error: str | None = None


def parse_challenge(header: object) -> Challenge | None:
    """Parse a ``WWW-Authenticate`` header; ``None`` when absent, not text or not
    Basic/Bearer."""
    if not isinstance(header, str) or not header:
        return None
    scheme, _, rest = header.strip().partition(" ")
    scheme = scheme.lower()
    if scheme not in ("basic", "bearer"):
        return None
    params: dict[str, str] = {}
    for match in _PARAM.finditer(rest):
        key, value = match.group(1).lower(), match.group(2)
        if value.startswith('"') and value.endswith('"') and len(value) >= 2:
            value = re.sub(r"\\(.)", r"\1", value[1:-1])
        params[key] = value
    realm = params.get("realm", "")
    if scheme == "bearer" and not realm:
        return None
    return Challenge(
        scheme=scheme,
        realm=realm,
        service=params.get("service"),
        scopes=tuple(params.get("scope", "").split()),
        error=params.get("error"),
    )


def _split_scope(scope: str) -> tuple[str, str, frozenset[str]]:
    kind, _, rest = scope.partition(":")
    name, _, actions = rest.rpartition(":")
    return kind, name, frozenset(a for a in actions.split(",") if a)


def scope_covers(granted: Iterable[str], needed: Iterable[str]) -> bool:
    """True when the scopes ``granted`` include every action of every scope ``needed``.

    >>> scope_covers(["repository:app:pull,push"], ["repository:app:pull"])
    True
    >>> scope_covers(["repository:app:pull"], ["repository:app:push"])
    False
    """
    have: dict[tuple[str, str], set[str]] = {}
    for scope in granted:
        kind, name, actions = _split_scope(scope)
        have.setdefault((kind, name), set()).update(actions)
    for scope in needed:
        kind, name, actions = _split_scope(scope)
        present = have.get((kind, name), set())
        if not (actions <= present or "*" in present):
            return False
    return True


@attrs.frozen
class Credentials:
    """Username and password (or a registry access token used as password).

    The password never appears in a repr and is registered with the redactor, so it is
    masked in every error message and log line.
    """

    username: str
    password: str = attrs.field(repr=False)

    def __attrs_post_init__(self) -> None:
        register_secret(self.password)

    def basic_header(self) -> str:
        """The ``Authorization: Basic ...`` header value."""
        raw = f"{self.username}:{self.password}".encode()
        encoded = base64.b64encode(raw).decode("ascii")
        register_secret(encoded)
        return f"Basic {encoded}"


@attrs.frozen
class _Token:
    scopes: frozenset[str]
    value: str = attrs.field(repr=False)
    expires_at: float


class TokenCache:
    """Bearer tokens keyed by the scope set they were issued for.

    Args:
        clock: monotonic clock (injectable for tests).
    """

    def __init__(self, clock: Callable[[], float] = time.monotonic) -> None:
        self._clock = clock
        self._tokens: dict[frozenset[str], _Token] = {}

    @safe_repr
    def __repr__(self) -> str:
        return f"TokenCache({len(self._tokens)} tokens)"

    def __len__(self) -> int:
        return len(self._tokens)

    def store(self, scopes: Iterable[str], token: str, expires_in: float | None) -> None:
        """Remember ``token`` for ``scopes`` for ``expires_in`` seconds (default 60)."""
        register_secret(token)
        lifetime = DEFAULT_TOKEN_LIFETIME if expires_in is None else max(float(expires_in), 0.0)
        key = frozenset(scopes)
        self._tokens[key] = _Token(key, token, self._clock() + lifetime - _EXPIRY_MARGIN)

    def find(self, needed: Iterable[str]) -> str | None:
        """A live token whose scopes cover ``needed``, else ``None``."""
        wanted = tuple(needed)
        now = self._clock()
        for key, token in list(self._tokens.items()):
            if token.expires_at <= now:
                self._tokens.pop(key, None)  # pop: another thread may have dropped it
            elif scope_covers(token.scopes, wanted):
                return token.value
        return None

    def discard(self, token: str) -> None:
        """Forget ``token`` (the registry rejected it)."""
        for key, cached in list(self._tokens.items()):
            if cached.value == token:
                self._tokens.pop(key, None)


def token_from_response(body: object) -> tuple[str, float | None] | None:
    """Extract ``(token, expires_in)`` from a token endpoint's JSON answer (``token``
    and ``access_token`` are equivalent, token.md)."""
    if not isinstance(body, Mapping):
        return None
    token = body.get("token") or body.get("access_token")
    if not isinstance(token, str) or not token:
        return None
    expires = body.get("expires_in")
    if isinstance(expires, bool) or not isinstance(expires, (int, float)):
        return token, None
    return token, float(expires)
