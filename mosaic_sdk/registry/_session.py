"""The authentication state of one registry client, and its I/O-free decisions.

The flow (``distribution/distribution:docs/spec/auth/token.md``, ``research/registry.md``
§1.6) is sequenced by the client (``_async/client.py``): it sends a request as
:meth:`RegistryAuth.first` gives it; when :meth:`RegistryAuth.challenge` returns a
challenge, it answers it (:meth:`~RegistryAuth.basic_retry`, or a token fetched with
:meth:`~RegistryAuth.token_request` and read with :meth:`~RegistryAuth.token_from`),
sends the request once more and hands that answer to :meth:`~RegistryAuth.check_retried`.

Credentials (Basic or Bearer) go only to the registry's own origin: a ``Link`` or
``Location`` header that names another host gets the request without them, and a
challenge from that host is refused instead of answered.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

import attrs

from mosaic_sdk._core._redact import is_secret_key, sanitize_url
from mosaic_sdk._core._repr import safe_repr
from mosaic_sdk._http import HTTPResponse
from mosaic_sdk.errors import APIResponseValidationError, AuthenticationError
from mosaic_sdk.registry._auth import (
    Challenge,
    Credentials,
    TokenCache,
    parse_challenge,
    token_from_response,
)
from mosaic_sdk.registry._ops import PROVIDER, Request

__all__ = ["RegistryAuth", "origin"]


def origin(url: str) -> tuple[str, str, int | None]:
    """(scheme, host, port) with the default port filled in: what credentials are tied to."""
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError:
        return ("", url, None)
    scheme = parts.scheme.lower()
    default = {"http": 80, "https": 443}.get(scheme)
    return (scheme, (parts.hostname or "").lower(), port if port is not None else default)


class RegistryAuth:
    """What one client knows about authenticating to its registry: the credentials,
    whether Basic is in use, and the Bearer tokens cached per scope."""

    def __init__(self, base_url: str, credentials: Credentials | None) -> None:
        self.base_url = base_url
        self.credentials = credentials
        self.tokens = TokenCache()
        self.basic = False
        self.origin = origin(base_url)

    @safe_repr
    def __repr__(self) -> str:
        user = self.credentials.username if self.credentials else None
        return f"RegistryAuth({sanitize_url(self.base_url)!r}, username={user!r})"

    def _authorization(self, scopes: tuple[str, ...]) -> str | None:
        if self.basic and self.credentials is not None:
            return self.credentials.basic_header()
        token = self.tokens.find(scopes)
        return f"Bearer {token}" if token is not None else None

    def error(self, response: HTTPResponse, message: str) -> AuthenticationError:
        """An :class:`~mosaic_sdk.errors.AuthenticationError` about ``response``."""
        return AuthenticationError(
            message,
            status_code=response.status_code,
            body=response.text,
            provider=PROVIDER,
            method=response.method,
            url=response.url.split("?", 1)[0],
        )

    def _who(self) -> str:
        return f"user {self.credentials.username!r}" if self.credentials else "anonymous access"

    def first(self, request: Request) -> tuple[Request, str | None]:
        """The request to send first (credentials on the own origin only, 401 allowed)
        and the ``Authorization`` it carries."""
        own_origin = origin(request.url) == self.origin
        sent = self._authorization(request.scopes) if request.authenticate and own_origin else None
        headers = {k: v for k, v in request.headers.items() if own_origin or not is_secret_key(k)}
        if sent:
            headers["Authorization"] = sent
        allow = (*request.allow_status, 401)
        return attrs.evolve(request, headers=headers, allow_status=allow), sent

    def challenge(self, request: Request, response: HTTPResponse) -> Challenge | None:
        """The challenge to answer before sending ``request`` again, or ``None`` when
        ``response`` is the answer."""
        if (
            response.status_code == 401
            and request.authenticate
            and origin(request.url) != self.origin
        ):
            raise self.error(
                response,
                f"HTTP 401 from {sanitize_url(request.url.split('?', 1)[0])}, which the "
                f"registry's answer pointed to; credentials are only sent to the registry's "
                f"own origin ({self.base_url}), so configure the registry to keep its "
                "Link and Location headers on that origin",
            )
        if response.status_code != 401 or not request.authenticate or 401 in request.allow_status:
            return None
        challenge = parse_challenge(response.headers.get("WWW-Authenticate"))
        if challenge is None:
            raise self.error(
                response, "HTTP 401 without a Basic or Bearer challenge; check the registry URL"
            )
        return challenge

    def _rejected(self, response: HTTPResponse, username: str) -> AuthenticationError:
        return self.error(
            response,
            f"HTTP 401: the registry rejected the password of user {username!r}; "
            "check the credentials",
        )

    def basic_retry(self, response: HTTPResponse) -> str:
        """The ``Authorization`` that answers a Basic challenge (from now on, every
        request sends it)."""
        if self.credentials is None:
            raise self.error(
                response,
                "HTTP 401: the registry requires Basic authentication; "
                "pass the username and password arguments",
            )
        if self.basic:
            raise self._rejected(response, self.credentials.username)
        self.basic = True
        return self.credentials.basic_header()

    def token_request(
        self, challenge: Challenge, scopes: tuple[str, ...], response: HTTPResponse
    ) -> Request:
        """The token-server request that answers a Bearer challenge (an ``http://``
        realm of an ``https://`` registry is refused)."""
        realm_scheme = urlsplit(challenge.realm).scheme.lower()
        if realm_scheme not in ("http", "https") or (
            self.origin[0] == "https" and realm_scheme != "https"
        ):
            raise self.error(
                response,
                f"the registry's Bearer challenge names the token realm "
                f"{sanitize_url(challenge.realm)!r}, which is not https:// like the registry "
                f"({self.base_url}); refusing to send credentials there in clear text - fix "
                "the token realm in the registry's auth configuration",
            )
        params: dict[str, Any] = {}
        if challenge.service:
            params["service"] = challenge.service
        if scopes:
            params["scope"] = list(scopes)
        headers: dict[str, str] = {}
        if self.credentials is not None:
            headers["Authorization"] = self.credentials.basic_header()
        return Request(
            "GET",
            challenge.realm,
            headers=headers,
            params=params,
            allow_status=(401, 403),
            authenticate=False,
        )

    def token_from(
        self, challenge: Challenge, scopes: tuple[str, ...], response: HTTPResponse
    ) -> str:
        """The token of the token server's answer, now cached for ``scopes``."""
        if response.status_code in (401, 403):
            raise self.error(
                response,
                f"the token server {sanitize_url(challenge.realm)} refused {self._who()} for "
                f"scope {' '.join(scopes) or '(none)'}; "
                "pass the username and password of an account that has it",
            )
        parsed = token_from_response(response.json())
        if parsed is None:
            raise APIResponseValidationError(
                "the token endpoint answered without a 'token' or 'access_token'",
                provider=PROVIDER,
                method="GET",
                url=challenge.realm,
            )
        token, expires_in = parsed
        self.tokens.store(scopes, token, expires_in)
        return token

    def check_retried(self, request: Request, challenge: Challenge, response: HTTPResponse) -> None:
        """Refuse a second 401: the credentials do not grant ``request``."""
        if response.status_code != 401 or 401 in request.allow_status:
            return
        if challenge.scheme == "basic" and self.credentials is not None:
            raise self._rejected(response, self.credentials.username)
        retry = parse_challenge(response.headers.get("WWW-Authenticate"))
        reason = f" ({retry.error})" if retry is not None and retry.error else ""
        scopes_text = " ".join(request.scopes) or "this request"
        raise self.error(
            response,
            f"HTTP 401{reason}: {self._who()} is not allowed {scopes_text}; "
            "use credentials with that permission",
        )
