"""``RegistryClient`` / ``AsyncRegistryClient``: the OCI distribution API.

Every operation is written once, I/O-free, as a generator in :class:`_RegistryCore`: it
yields the :class:`_Request` it needs and receives the :class:`HTTPResponse`. The sync
and async clients are thin drivers that send those requests through
:mod:`mosaic_sdk._http` (retries, rate limits, typed errors) - so auth, pagination, copy
and every check behave identically in both (the "sans-I/O" pattern).

Behaviours that come from observing distribution 2.8 (``research/registry.md``):

* Manifest GET/HEAD always send the full ``Accept`` list; without it 2.8 answers 404 for
  OCI manifests and converts Docker v2 manifests to schema 1.
* A manifest is PUT with its own media type as ``Content-Type`` and its exact bytes; the
  ``Docker-Content-Digest`` of the answer must equal the sha256 of the bytes sent.
* ``tags/list`` may ignore ``n``, omit ``Link`` and be unsorted: ``Link`` is followed
  while present and the result is sorted and de-duplicated on the client.
* ``Location`` and ``Link`` headers may be relative; they are resolved against the URL
  of the response that carried them.
"""

from __future__ import annotations

import logging
import os
import re
from collections.abc import Generator, Mapping
from types import TracebackType
from typing import Any, TypeVar
from urllib.parse import quote, unquote, urljoin, urlsplit

import attrs

from mosaic_sdk._http import AsyncHTTPClient, HTTPClient, HTTPResponse, RateLimit, RetryPolicy
from mosaic_sdk.errors import (
    APIResponseValidationError,
    AuthenticationError,
    ConfigurationError,
    InvalidValueError,
    MosaicError,
    NotFoundError,
    UnsupportedOperationError,
)
from mosaic_sdk.observability._redact import (
    is_secret_key,
    register_url_secrets,
    sanitize_url,
    userinfo_length,
)
from mosaic_sdk.registry._auth import (
    Challenge,
    Credentials,
    TokenCache,
    parse_challenge,
    token_from_response,
)
from mosaic_sdk.registry._models import (
    ACCEPT_MANIFEST_TYPES,
    MANIFEST_MEDIA_TYPES,
    Manifest,
    TagList,
    sha256_digest,
)
from mosaic_sdk.registry._names import (
    as_digest,
    as_manifest,
    parse_reference,
    validate_repository,
    validate_tag,
)
from mosaic_sdk.values import Digest

__all__ = ["AsyncRegistryClient", "RegistryClient"]

logger = logging.getLogger("mosaic_sdk.registry")

T = TypeVar("T")
_PROVIDER = "registry"
_MAX_PAGES = 100_000
_LINK_NEXT = re.compile(r'<([^>]+)>\s*;[^,]*\brel="?next"?', re.IGNORECASE)
_PATH = re.compile(r"/v2/(?P<repo>.+?)/(?P<kind>manifests|blobs|tags)/(?P<ref>[^/?]*)")

_HINTS: Mapping[str, str] = {
    "BLOB_UNKNOWN": "push the blob first (put_blob) or copy the whole image with copy()",
    "BLOB_UPLOAD_INVALID": "restart the upload",
    "BLOB_UPLOAD_UNKNOWN": "the upload session expired; restart the upload",
    "DENIED": "the credentials lack this permission on the repository; ask for it",
    "DIGEST_INVALID": "the content does not hash to the digest given; send the exact bytes",
    "MANIFEST_BLOB_UNKNOWN": "push the blobs and child manifests it references first "
    "(copy() does this in order)",
    "MANIFEST_INVALID": "send the exact manifest bytes with their own media type as Content-Type",
    "MANIFEST_UNKNOWN": "check the reference with list_tags() or resolve()",
    "NAME_INVALID": "use a lowercase OCI repository name such as 'team/app'",
    "NAME_UNKNOWN": "check the name with repositories(), or push an image to create it",
    "SIZE_INVALID": "the content length does not match the descriptor; send the exact bytes",
    "TAG_INVALID": "use a tag matching [A-Za-z0-9_][A-Za-z0-9._-]{0,127}",
    "TOOMANYREQUESTS": "the registry rate-limits this client; slow down or retry later",
    "UNAUTHORIZED": "pass the username and password arguments of an account with access",
    "UNSUPPORTED": "the registry does not allow this operation "
    "(deletes need storage.delete.enabled: true)",
}


def _what(url: str) -> str:
    match = _PATH.search(urlsplit(url).path)
    if match is None:
        return ""
    repo, kind, ref = match.group("repo"), match.group("kind"), match.group("ref")
    if kind == "manifests":
        return f"manifest {ref!r} of repository {repo!r}"
    if kind == "blobs":
        return f"blob {ref!r} of repository {repo!r}" if ref != "uploads" else f"upload to {repo!r}"
    return f"tags of repository {repo!r}"


def oci_error_message(response: HTTPResponse) -> str:
    """Turn an error response into a message with the OCI error codes, what was asked
    for, and how to fix it. Handles the ``{"errors": [{code, message, detail}]}`` body,
    plain-text bodies (2.8's router answers ``404 page not found``) and bodiless HEADs."""
    what = _what(response.url)
    codes: list[str] = []
    parts: list[str] = []
    try:
        body = response.json() if response.content else None
    except MosaicError:
        body = None
    errors = body.get("errors") if isinstance(body, dict) else None
    if isinstance(errors, list):
        for item in errors:
            if not isinstance(item, dict):
                continue
            code = str(item.get("code", "UNKNOWN"))
            codes.append(code)
            text = f"{code}: {item.get('message', '')}".rstrip(": ")
            detail = item.get("detail")
            if detail:
                text += f" (detail: {str(detail)[:300]})"
            parts.append(text)
    elif response.content:
        parts.append(response.text.strip()[:300])
    message = f"HTTP {response.status_code}"
    if parts:
        message += " " + "; ".join(parts)
    elif response.status_code == 404:
        message += " not found"
    if what:
        message += f" [{what}]"
    hints = [_HINTS[c] for c in dict.fromkeys(codes) if c in _HINTS]
    if not hints and response.status_code == 404 and what:
        hints.append(_HINTS["MANIFEST_UNKNOWN" if "manifest" in what else "BLOB_UNKNOWN"])
    if hints:
        message += "; " + "; ".join(hints)
    return message


@attrs.frozen
class _Request:
    """One HTTP exchange an operation needs (I/O-free description)."""

    method: str
    url: str
    scopes: tuple[str, ...] = ()
    headers: Mapping[str, str] = attrs.field(factory=dict)
    content: bytes | None = None
    params: Mapping[str, Any] | None = None
    allow_status: tuple[int, ...] = ()
    authenticate: bool = True
    idempotent: bool | None = None


_Op = Generator[_Request, HTTPResponse, T]


def _pull(repository: str) -> tuple[str, ...]:
    return (f"repository:{repository}:pull",)


def _push(repository: str) -> tuple[str, ...]:
    return (f"repository:{repository}:pull,push",)


def _media_type(response: HTTPResponse) -> str:
    return response.headers.get("Content-Type", "").split(";", 1)[0].strip()


def _header_digest(response: HTTPResponse) -> Digest | None:
    value = response.headers.get("Docker-Content-Digest")
    if not value:
        return None
    try:
        return Digest.parse(value.strip())
    except InvalidValueError as exc:
        raise APIResponseValidationError(
            f"Docker-Content-Digest {value!r} is not a digest",
            provider=_PROVIDER,
            method=response.method,
            url=response.url.split("?", 1)[0],
        ) from exc


def _normalize_url(url: str) -> tuple[str, Credentials | None]:
    """The base URL without userinfo, and the credentials its userinfo carried.

    A URL such as ``https://ci:token@registry`` still works, but its credentials are
    moved out of the URL: they never reach a repr, an error or a log line, and they are
    only ever sent to the registry's own origin.
    """
    if not isinstance(url, str) or not url.startswith(("http://", "https://")):
        shown = sanitize_url(url) if isinstance(url, str) else url
        raise ConfigurationError(
            f"registry URL {shown!r} needs an http:// or https:// scheme, "
            "e.g. 'https://registry.example.com' or 'http://127.0.0.1:5000'"
        )
    register_url_secrets(url)
    shown = sanitize_url(url)
    scheme, _, rest = url.partition("://")
    end = userinfo_length(rest)
    userinfo, rest = rest[: end - 1] if end else "", rest[end:]
    try:
        parts = urlsplit(f"{scheme}://{rest}")
        parts.port  # noqa: B018 - raises ValueError on a malformed port
    except ValueError:
        # urlsplit's message is not quoted: it quotes the "port", which may be a password.
        raise ConfigurationError(
            f"registry URL {shown!r} is not a valid URL (a malformed host or port); pass "
            "scheme://host[:port], e.g. 'https://registry.example.com' or "
            "'http://127.0.0.1:5000'"
        ) from None
    if any(ch.isspace() for ch in rest):
        raise ConfigurationError(
            f"registry URL {shown!r} contains whitespace; pass scheme://host[:port]"
        )
    if not parts.netloc or parts.query or parts.fragment:
        raise ConfigurationError(
            f"registry URL {shown!r} must be scheme://host[:port] (no query or fragment)"
        )
    path = parts.path.rstrip("/")
    if path.endswith("/v2"):
        path = path[: -len("/v2")]
    credentials = None
    if userinfo:
        user, colon, password = userinfo.partition(":")
        if not colon or not user or not password:
            raise ConfigurationError(
                f"registry URL {shown!r} has a user name but no password in it; pass the "
                "username and password arguments instead (and no credentials in the URL)"
            )
        credentials = Credentials(unquote(user), unquote(password))
    return f"{parts.scheme}://{parts.netloc}{path}", credentials


def _origin(url: str) -> tuple[str, str, int | None]:
    """(scheme, host, port) with the default port filled in: what credentials are tied to."""
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError:
        return ("", url, None)
    scheme = parts.scheme.lower()
    default = {"http": 80, "https": 443}.get(scheme)
    return (scheme, (parts.hostname or "").lower(), port if port is not None else default)


class _RegistryCore:
    """The I/O-free half: every registry operation as a request/response generator."""

    def __init__(
        self, base_url: str, credentials: Credentials | None, page_size: int | None
    ) -> None:
        if page_size is not None and (
            isinstance(page_size, bool) or not isinstance(page_size, int) or page_size < 1
        ):
            raise InvalidValueError(page_size, "page_size must be a positive int", "or None")
        self.base_url = base_url
        self.credentials = credentials
        self.page_size = page_size
        self.tokens = TokenCache()
        self.basic = False
        self.origin = _origin(base_url)

    # -- auth -------------------------------------------------------------------------

    def _authorization(self, scopes: tuple[str, ...]) -> str | None:
        if self.basic and self.credentials is not None:
            return self.credentials.basic_header()
        token = self.tokens.find(scopes)
        return f"Bearer {token}" if token is not None else None

    def _auth_error(self, response: HTTPResponse, message: str) -> AuthenticationError:
        return AuthenticationError(
            message,
            status_code=response.status_code,
            body=response.text,
            provider=_PROVIDER,
            method=response.method,
            url=response.url.split("?", 1)[0],
        )

    def send(self, request: _Request) -> _Op[HTTPResponse]:
        """Send ``request``, answering one 401 challenge (Basic or Bearer) on the way.

        Credentials (Basic or Bearer) go only to the registry's own origin: a ``Link``
        or ``Location`` header that names another host gets the request without them,
        and a challenge from that host is refused instead of answered.
        """
        allow = (*request.allow_status, 401)
        own_origin = _origin(request.url) == self.origin
        authenticate = request.authenticate and own_origin
        sent_auth = self._authorization(request.scopes) if authenticate else None
        headers = {k: v for k, v in request.headers.items() if own_origin or not is_secret_key(k)}
        if sent_auth:
            headers["Authorization"] = sent_auth
        response = yield attrs.evolve(request, headers=headers, allow_status=allow)
        if response.status_code == 401 and request.authenticate and not own_origin:
            raise self._auth_error(
                response,
                f"HTTP 401 from {sanitize_url(request.url.split('?', 1)[0])}, which the "
                f"registry's answer pointed to; credentials are only sent to the registry's "
                f"own origin ({self.base_url}), so configure the registry to keep its "
                "Link and Location headers on that origin",
            )
        if response.status_code != 401 or not request.authenticate or 401 in request.allow_status:
            return response
        challenge = parse_challenge(response.headers.get("WWW-Authenticate"))
        if challenge is None:
            raise self._auth_error(
                response, "HTTP 401 without a Basic or Bearer challenge; check the registry URL"
            )
        if challenge.scheme == "basic":
            if self.credentials is None:
                raise self._auth_error(
                    response,
                    "HTTP 401: the registry requires Basic authentication; "
                    "pass the username and password arguments",
                )
            if self.basic:
                raise self._auth_error(
                    response,
                    f"HTTP 401: the registry rejected the password of user "
                    f"{self.credentials.username!r}; check the credentials",
                )
            self.basic = True
            headers["Authorization"] = self.credentials.basic_header()
        else:
            if sent_auth:
                self.tokens.discard(sent_auth.removeprefix("Bearer "))
            scopes = challenge.scopes or request.scopes
            token = yield from self._fetch_token(challenge, scopes, response)
            headers["Authorization"] = f"Bearer {token}"
        response = yield attrs.evolve(request, headers=headers, allow_status=allow)
        if response.status_code == 401 and 401 not in request.allow_status:
            if challenge.scheme == "basic" and self.credentials is not None:
                raise self._auth_error(
                    response,
                    f"HTTP 401: the registry rejected the password of user "
                    f"{self.credentials.username!r}; check the credentials",
                )
            retry = parse_challenge(response.headers.get("WWW-Authenticate"))
            who = f"user {self.credentials.username!r}" if self.credentials else "anonymous access"
            reason = f" ({retry.error})" if retry is not None and retry.error else ""
            scopes_text = " ".join(request.scopes) or "this request"
            raise self._auth_error(
                response,
                f"HTTP 401{reason}: {who} is not allowed {scopes_text}; "
                "use credentials with that permission",
            )
        return response

    def _fetch_token(
        self, challenge: Challenge, scopes: tuple[str, ...], response: HTTPResponse
    ) -> _Op[str]:
        realm_scheme = urlsplit(challenge.realm).scheme.lower()
        if realm_scheme not in ("http", "https") or (
            self.origin[0] == "https" and realm_scheme != "https"
        ):
            raise self._auth_error(
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
        response = yield _Request(
            "GET",
            challenge.realm,
            headers=headers,
            params=params,
            allow_status=(401, 403),
            authenticate=False,
        )
        if response.status_code in (401, 403):
            who = f"user {self.credentials.username!r}" if self.credentials else "anonymous access"
            raise self._auth_error(
                response,
                f"the token server {sanitize_url(challenge.realm)} refused {who} for scope "
                f"{' '.join(scopes) or '(none)'}; "
                "pass the username and password of an account that has it",
            )
        parsed = token_from_response(response.json())
        if parsed is None:
            raise APIResponseValidationError(
                "the token endpoint answered without a 'token' or 'access_token'",
                provider=_PROVIDER,
                method="GET",
                url=challenge.realm,
            )
        token, expires_in = parsed
        self.tokens.store(scopes, token, expires_in)
        return token

    # -- helpers ----------------------------------------------------------------------

    def _url(self, path: str) -> str:
        return f"{self.base_url}{path}"

    def _manifest_url(self, repository: str, reference: str | Digest) -> str:
        return self._url(f"/v2/{repository}/manifests/{reference}")

    def _check_written(self, response: HTTPResponse, expected: Digest, what: str) -> Digest | None:
        reported = _header_digest(response)
        if reported is not None and reported != expected:
            raise APIResponseValidationError(
                f"{what}: the registry stored digest {reported}, but the bytes sent hash to "
                f"{expected}; the registry rewrote the content - do not use this registry for "
                "digest promotion",
                provider=_PROVIDER,
                method=response.method,
                url=response.url.split("?", 1)[0],
            )
        return reported

    # -- operations -------------------------------------------------------------------

    def ping(self) -> _Op[str | None]:
        """``GET /v2/``; returns the ``Docker-Distribution-API-Version`` header."""
        response = yield from self.send(_Request("GET", self._url("/v2/")))
        return response.headers.get("Docker-Distribution-API-Version")

    def head_manifest(self, repository: str, reference: str) -> _Op[Digest | None]:
        """HEAD a manifest: its digest, or ``None`` when absent (404)."""
        validate_repository(repository)
        ref = parse_reference(reference)
        response = yield from self.send(
            _Request(
                "HEAD",
                self._manifest_url(repository, ref),
                scopes=_pull(repository),
                headers={"Accept": ACCEPT_MANIFEST_TYPES},
                allow_status=(404,),
            )
        )
        if response.status_code == 404:
            return None
        digest = _header_digest(response)
        if isinstance(ref, Digest):
            if digest is not None and digest != ref:
                raise APIResponseValidationError(
                    f"asked for {ref}, the registry answered for {digest}",
                    provider=_PROVIDER,
                    method="HEAD",
                    url=response.url,
                )
            return ref
        if digest is None:
            # Docker-Content-Digest is optional before OCI 1.1: hash the body instead.
            manifest = yield from self.get_manifest(repository, reference)
            return manifest.digest
        return digest

    def resolve(self, repository: str, reference: str) -> _Op[Digest]:
        """HEAD with the full Accept list; GET and hash when the header is missing."""
        digest = yield from self.head_manifest(repository, reference)
        if digest is None:
            raise self._missing(repository, reference)
        return digest

    def _missing(self, repository: str, reference: str) -> NotFoundError:
        return NotFoundError(
            f"HTTP 404 MANIFEST_UNKNOWN [manifest {reference!r} of repository "
            f"{repository!r}]; {_HINTS['MANIFEST_UNKNOWN']}",
            status_code=404,
            provider=_PROVIDER,
            method="HEAD",
            url=self._manifest_url(repository, reference),
        )

    def get_manifest(self, repository: str, reference: str) -> _Op[Manifest]:
        """GET the exact manifest bytes and check them against the digest."""
        validate_repository(repository)
        ref = parse_reference(reference)
        response = yield from self.send(
            _Request(
                "GET",
                self._manifest_url(repository, ref),
                scopes=_pull(repository),
                headers={"Accept": ACCEPT_MANIFEST_TYPES},
            )
        )
        content = response.content
        where = {"provider": _PROVIDER, "method": "GET", "url": response.url}
        expected = ref if isinstance(ref, Digest) else _header_digest(response)
        if expected is not None and not expected.verify(content):
            raise APIResponseValidationError(
                f"manifest {repository}:{reference} hashes to {sha256_digest(content)}, "
                f"not {expected}; the registry or a proxy altered it",
                **where,
            )
        media_type = _media_type(response) or None
        if media_type is not None and media_type not in MANIFEST_MEDIA_TYPES:
            if "v1+" in media_type and "manifest" in media_type:
                raise UnsupportedOperationError(
                    f"{repository}:{reference} is a Docker schema 1 manifest ({media_type})",
                    workaround="convert it with `skopeo copy --format v2s2` and use the result",
                )
            media_type = None  # e.g. application/json from a minimal server: use the body
        try:
            return Manifest.from_bytes(content, media_type)
        except InvalidValueError as exc:
            raise APIResponseValidationError(
                f"manifest {repository}:{reference} is not usable: {exc}", **where
            ) from exc

    def put_manifest(
        self,
        repository: str,
        reference: str,
        manifest: Manifest | bytes,
        media_type: str | None = None,
    ) -> _Op[Digest]:
        """PUT exact bytes with their media type; verify the digest after the write."""
        validate_repository(repository)
        manifest = as_manifest(manifest, media_type)
        ref = parse_reference(reference)
        if isinstance(ref, Digest) and ref != manifest.digest:
            raise InvalidValueError(
                str(ref),
                f"the manifest's own digest is {manifest.digest}",
                "put a manifest by its own digest, or use a tag",
            )
        response = yield from self.send(
            _Request(
                "PUT",
                self._manifest_url(repository, ref),
                scopes=_push(repository),
                headers={"Content-Type": manifest.media_type},
                content=manifest.content,
                # By digest the PUT is content-addressed: repeating it changes nothing.
                # Under a tag it is not: a repeat after a lost answer can revert a newer
                # write, so it is resent only when nothing reached the server (the
                # caller reads the tag back first; Promotion does).
                idempotent=isinstance(ref, Digest),
            )
        )
        reported = self._check_written(response, manifest.digest, f"PUT {repository}:{reference}")
        if reported is None:
            # No Docker-Content-Digest (optional before OCI 1.1): read the pointer back.
            stored = yield from self.head_manifest(repository, reference)
            if stored != manifest.digest:
                raise APIResponseValidationError(
                    f"{repository}:{reference} reads back as {stored}, not {manifest.digest}",
                    provider=_PROVIDER,
                    method="PUT",
                    url=response.url,
                )
        return manifest.digest

    def tag_list(self, repository: str, page_size: int | None = None) -> _Op[TagList]:
        """GET tags/list, following ``Link`` while present; sorted on the client."""
        validate_repository(repository)
        size = page_size if page_size is not None else self.page_size
        url = self._url(f"/v2/{repository}/tags/list")
        params: dict[str, Any] | None = {"n": size} if size else None
        tags: list[str] = []
        seen: set[str] = set()
        pages = 0
        while True:
            response = yield from self.send(
                _Request("GET", url, scopes=_pull(repository), params=params)
            )
            pages += 1
            body = response.json()
            page = body.get("tags") if isinstance(body, dict) else None
            if page is not None and not (
                isinstance(page, list) and all(isinstance(t, str) for t in page)
            ):
                raise APIResponseValidationError(
                    f"tags/list of {repository!r} has no list of strings under 'tags'",
                    provider=_PROVIDER,
                    method="GET",
                    url=url,
                )
            tags.extend(page or ())
            match = _LINK_NEXT.search(response.headers.get("Link", ""))
            if match is None:
                break
            url = urljoin(response.url, match.group(1))
            params = None
            if url in seen or pages >= _MAX_PAGES:
                break
            seen.add(url)
        return TagList(repository=repository, tags=tags, pages=pages)

    def list_tags(self, repository: str) -> _Op[list[str]]:
        """The sorted tag names."""
        tags = yield from self.tag_list(repository)
        return list(tags.tags)

    def delete_manifest(self, repository: str, digest: Digest) -> _Op[None]:
        """DELETE by digest (202). 405 means deletion is disabled on the registry."""
        validate_repository(repository)
        digest = as_digest(digest)
        response = yield from self.send(
            _Request(
                "DELETE",
                self._manifest_url(repository, digest),
                scopes=(f"repository:{repository}:delete",),
                allow_status=(405,),
                # Not resent blindly after a lost answer: a repeat answers 404 for a
                # delete that landed, and could delete a manifest pushed again since.
                idempotent=False,
            )
        )
        if response.status_code == 405:
            raise UnsupportedOperationError(
                f"the registry refused DELETE of {repository}@{digest} with 405 "
                f"({oci_error_message(response)})",
                workaround="enable deletion in the registry config (storage.delete.enabled: "
                "true, or REGISTRY_STORAGE_DELETE_ENABLED=true) and restart it",
            )

    def get_blob(self, repository: str, digest: Digest) -> _Op[bytes]:
        """GET a blob (redirects followed) and check its digest."""
        validate_repository(repository)
        digest = as_digest(digest)
        response = yield from self.send(
            _Request("GET", self._url(f"/v2/{repository}/blobs/{digest}"), scopes=_pull(repository))
        )
        if not digest.verify(response.content):
            raise APIResponseValidationError(
                f"blob {digest} of {repository!r} arrived with other content "
                f"({sha256_digest(response.content)}); retry, or check a proxy in between",
                provider=_PROVIDER,
                method="GET",
                url=response.url,
            )
        return response.content

    def blob_exists(self, repository: str, digest: Digest) -> _Op[bool]:
        """HEAD a blob: 200 True, 404 False."""
        validate_repository(repository)
        digest = as_digest(digest)
        response = yield from self.send(
            _Request(
                "HEAD",
                self._url(f"/v2/{repository}/blobs/{digest}"),
                scopes=_pull(repository),
                allow_status=(404,),
            )
        )
        return response.status_code != 404

    def _finish_upload(
        self, repository: str, location: str, data: bytes, digest: Digest
    ) -> _Op[Digest]:
        separator = "&" if "?" in location else "?"
        url = f"{location}{separator}digest={quote(str(digest), safe='')}"
        response = yield from self.send(
            _Request(
                "PUT",
                url,
                scopes=_push(repository),
                headers={"Content-Type": "application/octet-stream"},
                content=data,
            )
        )
        self._check_written(response, digest, f"blob upload to {repository!r}")
        return digest

    def _location(self, response: HTTPResponse) -> str:
        location = response.headers.get("Location")
        if not location:
            raise APIResponseValidationError(
                f"HTTP {response.status_code} without a Location header for the upload",
                provider=_PROVIDER,
                method=response.method,
                url=response.url.split("?", 1)[0],
            )
        return urljoin(response.url, location)

    def put_blob(self, repository: str, data: bytes) -> _Op[Digest]:
        """POST an upload session (202 + Location), then one monolithic PUT ?digest=."""
        validate_repository(repository)
        if not isinstance(data, (bytes, bytearray, memoryview)):
            raise InvalidValueError(
                type(data).__name__, "blob data must be bytes", "pass the exact blob bytes"
            )
        data = bytes(data)
        digest = sha256_digest(data)
        response = yield from self.send(
            _Request(
                "POST", self._url(f"/v2/{repository}/blobs/uploads/"), scopes=_push(repository)
            )
        )
        if response.status_code == 201:  # pragma: no cover - POST without a body never is
            return digest
        yield from self._finish_upload(repository, self._location(response), data, digest)
        return digest

    def mount_blob(self, repository: str, digest: Digest, from_repository: str) -> _Op[bool]:
        """``POST uploads/?mount=&from=``: True when mounted (201). On 202 the blob is
        fetched from ``from_repository`` and uploaded to the offered session instead."""
        validate_repository(repository)
        validate_repository(from_repository)
        digest = as_digest(digest)
        response = yield from self.send(
            _Request(
                "POST",
                self._url(f"/v2/{repository}/blobs/uploads/"),
                scopes=(*_push(repository), *_pull(from_repository)),
                params={"mount": str(digest), "from": from_repository},
            )
        )
        if response.status_code == 201:
            self._check_written(response, digest, f"mount into {repository!r}")
            return True
        logger.debug("mount of %s into %s fell back to an upload", digest, repository)
        data = yield from self.get_blob(from_repository, digest)
        yield from self._finish_upload(repository, self._location(response), data, digest)
        return False

    def copy(
        self, src_repository: str, reference: str, dst_repository: str, tag: str | None
    ) -> _Op[Digest]:
        """Copy within the registry: children first, blobs mounted, index last."""
        validate_repository(src_repository)
        validate_repository(dst_repository)
        if tag is not None:
            validate_tag(tag)
        manifest = yield from self.get_manifest(src_repository, reference)
        if src_repository != dst_repository:
            present = yield from self.head_manifest(dst_repository, str(manifest.digest))
            if present is None:
                yield from self._copy_dependencies(src_repository, dst_repository, manifest)
            elif tag is None:
                return manifest.digest
        elif tag is None:
            return manifest.digest
        return (yield from self.put_manifest(dst_repository, tag or str(manifest.digest), manifest))

    def _copy_dependencies(self, src: str, dst: str, manifest: Manifest) -> _Op[None]:
        for child in manifest.manifests:
            present = yield from self.head_manifest(dst, str(child.digest))
            if present is not None:
                continue
            child_manifest = yield from self.get_manifest(src, str(child.digest))
            yield from self._copy_dependencies(src, dst, child_manifest)
            yield from self.put_manifest(dst, str(child.digest), child_manifest)
        for digest in manifest.blob_digests:
            yield from self.mount_blob(dst, digest, src)

    def repositories(self, page_size: int | None = None) -> _Op[list[str]]:
        """GET /v2/_catalog, following ``Link`` (Docker API; not every registry has it)."""
        size = page_size if page_size is not None else self.page_size
        url = self._url("/v2/_catalog")
        params: dict[str, Any] | None = {"n": size} if size else None
        names: set[str] = set()
        pages = 0
        while True:
            response = yield from self.send(
                _Request(
                    "GET", url, scopes=("registry:catalog:*",), params=params, allow_status=(404,)
                )
            )
            if response.status_code == 404:
                raise UnsupportedOperationError(
                    f"the registry at {self.base_url} has no /v2/_catalog endpoint",
                    workaround="keep your own list of repositories",
                )
            pages += 1
            body = response.json()
            page = body.get("repositories") if isinstance(body, dict) else None
            if isinstance(page, list):
                names.update(r for r in page if isinstance(r, str))
            match = _LINK_NEXT.search(response.headers.get("Link", ""))
            if match is None or pages >= _MAX_PAGES:
                break
            url, params = urljoin(response.url, match.group(1)), None
        return sorted(names)


def _registry_from_env() -> dict[str, Any]:
    # The names the command line reads (mosaic_sdk/cli/_common.py), so one environment
    # serves `mosaic` and scripts alike.
    url = os.environ.get("MOSAIC_REGISTRY", "")
    if not url:
        raise ConfigurationError(
            "environment variable MOSAIC_REGISTRY is not set; export the registry URL "
            "(e.g. https://registry.example.com), or pass it to RegistryClient(url, ...)"
        )
    username = os.environ.get("MOSAIC_REGISTRY_USERNAME") or None
    password = os.environ.get("MOSAIC_REGISTRY_PASSWORD") or None
    if password is not None and username is None:
        raise ConfigurationError(
            "MOSAIC_REGISTRY_PASSWORD is set without MOSAIC_REGISTRY_USERNAME; export the "
            "user name too"
        )
    return {"url": url, "username": username, "password": password}


class RegistryClient:
    """Synchronous client for an OCI distribution registry (``/v2/`` API).

    Implements :class:`~mosaic_sdk.registry.ImageRegistry`. Authentication is automatic:
    anonymous first, then whatever the registry's ``401`` challenge asks for - HTTP Basic
    with ``username``/``password``, or a Bearer token fetched from the challenge's realm
    (with those credentials, or anonymously) and cached per scope until it expires.

    Args:
        url: ``http(s)://host[:port]`` of the registry. Credentials written into it
            (``https://ci:token@host``) are taken out and used as ``username`` and
            ``password``; credentials only ever go to this origin (not to another host a
            ``Link`` or ``Location`` header names), and an ``http://`` token realm of an
            ``https://`` registry raises :class:`~mosaic_sdk.errors.AuthenticationError`.
        username: user for Basic auth or the token server.
        password: password or access token (never shown in reprs, errors or logs).
        page_size: ``n`` sent with tag and catalog listings (a hint: many registries,
            distribution 2.8 included, ignore it for tags).
        timeout: seconds per HTTP attempt.
        retry: the retry policy of :mod:`mosaic_sdk._http` (connection errors, 408,
            429, 5xx; a POST only when the server did not process it).
        rate_limit: an optional client-side :class:`~mosaic_sdk.RateLimit`.
        verify: TLS verification (``True``, ``False`` or a CA bundle path).
        transport: an httpx transport, for tests.

    Attributes:
        request_count: HTTP exchanges made so far (token fetches included, retries of
            one exchange not), for request budgets and benchmarks.

    Example:
        >>> with RegistryClient("http://127.0.0.1:5000") as registry:  # doctest: +SKIP
        ...     registry.resolve("team/app", "v1.2.3")
    """

    def __init__(
        self,
        url: str,
        *,
        username: str | None = None,
        password: str | None = None,
        page_size: int | None = None,
        timeout: float | None = 30.0,
        retry: RetryPolicy | None = None,
        rate_limit: RateLimit | None = None,
        verify: bool | str = True,
        transport: Any = None,
    ) -> None:
        base, from_url = _normalize_url(url)
        self._core = _RegistryCore(base, _credentials(username, password, from_url), page_size)
        self._http = HTTPClient(
            base,
            provider=_PROVIDER,
            timeout=timeout,
            retry=retry,
            rate_limit=rate_limit,
            verify=verify,
            transport=transport,
            error_message=oci_error_message,
        )
        self.request_count = 0

    @classmethod
    def from_env(cls, **kwargs: Any) -> RegistryClient:
        """A client from ``$MOSAIC_REGISTRY`` (the URL) and, for a registry that needs
        them, ``$MOSAIC_REGISTRY_USERNAME`` and ``$MOSAIC_REGISTRY_PASSWORD``: the
        variables ``mosaic`` reads. ``kwargs`` as for the constructor, and they win.

        Raises:
            ConfigurationError: ``MOSAIC_REGISTRY`` is not set, or a password is set
                without a user name.
        """
        return cls(**{**_registry_from_env(), **kwargs})

    @property
    def url(self) -> str:
        """The registry base URL."""
        return self._core.base_url

    def __repr__(self) -> str:
        user = self._core.credentials.username if self._core.credentials else None
        return f"RegistryClient({sanitize_url(self.url)!r}, username={user!r})"

    def _run(self, op: _Op[T]) -> T:
        try:
            request = next(op)
            while True:
                self.request_count += 1
                try:
                    response = self._http.request(
                        request.method,
                        request.url,
                        params=request.params,
                        content=request.content,
                        headers=request.headers,
                        idempotent=request.idempotent,
                        allow_status=request.allow_status,
                    )
                except MosaicError as exc:
                    request = op.throw(exc)
                else:
                    request = op.send(response)
        except StopIteration as stop:
            result: T = stop.value
            return result

    def ping(self) -> str | None:
        """``GET /v2/`` (authenticating if challenged); returns the API version header.
        Raises :class:`~mosaic_sdk.errors.APIConnectionError` when unreachable."""
        return self._run(self._core.ping())

    def resolve(self, repository: str, reference: str) -> Digest:
        """``HEAD /v2/<repository>/manifests/<reference>`` with the full Accept list;
        the digest comes from ``Docker-Content-Digest`` (or a GET and sha256 when absent).
        Raises :class:`~mosaic_sdk.errors.NotFoundError` when absent."""
        return self._run(self._core.resolve(repository, reference))

    def exists(self, repository: str, reference: str) -> bool:
        """True when the manifest ``reference`` exists (one HEAD)."""
        return self._run(self._core.head_manifest(repository, reference)) is not None

    def get_manifest(self, repository: str, reference: str) -> Manifest:
        """``GET /v2/<repository>/manifests/<reference>``: exact bytes and media type,
        checked against the requested digest or ``Docker-Content-Digest``."""
        return self._run(self._core.get_manifest(repository, reference))

    def put_manifest(
        self,
        repository: str,
        reference: str,
        manifest: Manifest | bytes,
        media_type: str | None = None,
    ) -> Digest:
        """``PUT /v2/<repository>/manifests/<reference>`` with ``Content-Type`` = the
        media type and the exact bytes; ``Docker-Content-Digest`` must equal their
        sha256 (:class:`~mosaic_sdk.errors.APIResponseValidationError` otherwise)."""
        return self._run(self._core.put_manifest(repository, reference, manifest, media_type))

    def tag_list(self, repository: str, *, page_size: int | None = None) -> TagList:
        """``GET /v2/<repository>/tags/list[?n=]``, following ``Link``; sorted."""
        return self._run(self._core.tag_list(repository, page_size))

    def list_tags(self, repository: str) -> list[str]:
        """Sorted tag names of ``repository`` (see :meth:`tag_list`)."""
        return self._run(self._core.list_tags(repository))

    def delete_manifest(self, repository: str, digest: Digest) -> None:
        """``DELETE /v2/<repository>/manifests/<digest>`` (202). Removes every tag on the
        digest. :class:`~mosaic_sdk.errors.UnsupportedOperationError` when the registry
        has deletion disabled (405)."""
        self._run(self._core.delete_manifest(repository, digest))

    def get_blob(self, repository: str, digest: Digest) -> bytes:
        """``GET /v2/<repository>/blobs/<digest>``, checked against the digest."""
        return self._run(self._core.get_blob(repository, digest))

    def put_blob(self, repository: str, data: bytes) -> Digest:
        """``POST /v2/<repository>/blobs/uploads/`` then ``PUT <Location>?digest=``."""
        return self._run(self._core.put_blob(repository, data))

    def blob_exists(self, repository: str, digest: Digest) -> bool:
        """``HEAD /v2/<repository>/blobs/<digest>``."""
        return self._run(self._core.blob_exists(repository, digest))

    def mount_blob(self, repository: str, digest: Digest, from_repository: str) -> bool:
        """``POST /v2/<repository>/blobs/uploads/?mount=<digest>&from=<from_repository>``.
        True when mounted (201); on 202 the blob is uploaded instead and False returned."""
        return self._run(self._core.mount_blob(repository, digest, from_repository))

    def copy(
        self,
        src_repository: str,
        reference: str,
        dst_repository: str,
        tag: str | None = None,
    ) -> Digest:
        """Copy an image between repositories of this registry: blobs are mounted (upload
        fallback), index children are PUT by digest before the index, the digest is kept.
        Already-present children and images are skipped."""
        return self._run(self._core.copy(src_repository, reference, dst_repository, tag))

    def repositories(self) -> list[str]:
        """``GET /v2/_catalog`` (following ``Link``), sorted."""
        return self._run(self._core.repositories())

    def close(self) -> None:
        """Close the connection pool."""
        self._http.close()

    def __enter__(self) -> RegistryClient:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()


class AsyncRegistryClient:
    """The asynchronous twin of :class:`RegistryClient`: same arguments and method
    names, awaited; ``aclose`` instead of ``close``. Implements
    :class:`~mosaic_sdk.registry.AsyncImageRegistry`."""

    def __init__(
        self,
        url: str,
        *,
        username: str | None = None,
        password: str | None = None,
        page_size: int | None = None,
        timeout: float | None = 30.0,
        retry: RetryPolicy | None = None,
        rate_limit: RateLimit | None = None,
        verify: bool | str = True,
        transport: Any = None,
    ) -> None:
        base, from_url = _normalize_url(url)
        self._core = _RegistryCore(base, _credentials(username, password, from_url), page_size)
        self._http = AsyncHTTPClient(
            base,
            provider=_PROVIDER,
            timeout=timeout,
            retry=retry,
            rate_limit=rate_limit,
            verify=verify,
            transport=transport,
            error_message=oci_error_message,
        )
        self.request_count = 0

    @classmethod
    def from_env(cls, **kwargs: Any) -> AsyncRegistryClient:
        """A client from ``$MOSAIC_REGISTRY`` (the URL) and, for a registry that needs
        them, ``$MOSAIC_REGISTRY_USERNAME`` and ``$MOSAIC_REGISTRY_PASSWORD``: the
        variables ``mosaic`` reads. ``kwargs`` as for the constructor, and they win.

        Raises:
            ConfigurationError: ``MOSAIC_REGISTRY`` is not set, or a password is set
                without a user name.
        """
        return cls(**{**_registry_from_env(), **kwargs})

    @property
    def url(self) -> str:
        """The registry base URL."""
        return self._core.base_url

    def __repr__(self) -> str:
        user = self._core.credentials.username if self._core.credentials else None
        return f"AsyncRegistryClient({sanitize_url(self.url)!r}, username={user!r})"

    async def _run(self, op: _Op[T]) -> T:
        try:
            request = next(op)
            while True:
                self.request_count += 1
                try:
                    response = await self._http.request(
                        request.method,
                        request.url,
                        params=request.params,
                        content=request.content,
                        headers=request.headers,
                        idempotent=request.idempotent,
                        allow_status=request.allow_status,
                    )
                except MosaicError as exc:
                    request = op.throw(exc)
                else:
                    request = op.send(response)
        except StopIteration as stop:
            result: T = stop.value
            return result

    async def ping(self) -> str | None:
        """See :meth:`RegistryClient.ping`."""
        return await self._run(self._core.ping())

    async def resolve(self, repository: str, reference: str) -> Digest:
        """See :meth:`RegistryClient.resolve`."""
        return await self._run(self._core.resolve(repository, reference))

    async def exists(self, repository: str, reference: str) -> bool:
        """See :meth:`RegistryClient.exists`."""
        return await self._run(self._core.head_manifest(repository, reference)) is not None

    async def get_manifest(self, repository: str, reference: str) -> Manifest:
        """See :meth:`RegistryClient.get_manifest`."""
        return await self._run(self._core.get_manifest(repository, reference))

    async def put_manifest(
        self,
        repository: str,
        reference: str,
        manifest: Manifest | bytes,
        media_type: str | None = None,
    ) -> Digest:
        """See :meth:`RegistryClient.put_manifest`."""
        return await self._run(self._core.put_manifest(repository, reference, manifest, media_type))

    async def tag_list(self, repository: str, *, page_size: int | None = None) -> TagList:
        """See :meth:`RegistryClient.tag_list`."""
        return await self._run(self._core.tag_list(repository, page_size))

    async def list_tags(self, repository: str) -> list[str]:
        """See :meth:`RegistryClient.list_tags`."""
        return await self._run(self._core.list_tags(repository))

    async def delete_manifest(self, repository: str, digest: Digest) -> None:
        """See :meth:`RegistryClient.delete_manifest`."""
        await self._run(self._core.delete_manifest(repository, digest))

    async def get_blob(self, repository: str, digest: Digest) -> bytes:
        """See :meth:`RegistryClient.get_blob`."""
        return await self._run(self._core.get_blob(repository, digest))

    async def put_blob(self, repository: str, data: bytes) -> Digest:
        """See :meth:`RegistryClient.put_blob`."""
        return await self._run(self._core.put_blob(repository, data))

    async def blob_exists(self, repository: str, digest: Digest) -> bool:
        """See :meth:`RegistryClient.blob_exists`."""
        return await self._run(self._core.blob_exists(repository, digest))

    async def mount_blob(self, repository: str, digest: Digest, from_repository: str) -> bool:
        """See :meth:`RegistryClient.mount_blob`."""
        return await self._run(self._core.mount_blob(repository, digest, from_repository))

    async def copy(
        self,
        src_repository: str,
        reference: str,
        dst_repository: str,
        tag: str | None = None,
    ) -> Digest:
        """See :meth:`RegistryClient.copy`."""
        return await self._run(self._core.copy(src_repository, reference, dst_repository, tag))

    async def repositories(self) -> list[str]:
        """See :meth:`RegistryClient.repositories`."""
        return await self._run(self._core.repositories())

    async def aclose(self) -> None:
        """Close the connection pool."""
        await self._http.aclose()

    async def __aenter__(self) -> AsyncRegistryClient:
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.aclose()


def _credentials(
    username: str | None, password: str | None, from_url: Credentials | None = None
) -> Credentials | None:
    if from_url is not None:
        if username is not None or password is not None:
            raise ConfigurationError(
                "registry credentials were given both in the URL and as the username and "
                "password arguments; pass them only as the arguments"
            )
        return from_url
    if username is None and password is None:
        return None
    if not username or password is None:
        raise ConfigurationError(
            "registry credentials need both the username and the password argument "
            "(or neither, for anonymous access)"
        )
    return Credentials(username, password)
