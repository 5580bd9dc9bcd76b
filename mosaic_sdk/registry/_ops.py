"""The I/O-free half of the registry client: requests to send and answers to check.

:class:`~mosaic_sdk.registry.AsyncRegistryClient` (``_async/client.py``) and its
generated twin :class:`~mosaic_sdk.registry.RegistryClient` only sequence the exchanges;
everything that decides what to send or what an answer means lives here, once: URLs and
headers, scopes, media types, ``Docker-Content-Digest`` checks, OCI error messages,
``Link`` pagination and manifest checks.

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

import os
import re
from collections.abc import Mapping
from typing import Any
from urllib.parse import quote, unquote, urljoin, urlsplit

import attrs

from mosaic_sdk._core._redact import register_url_secrets, sanitize_url, userinfo_length
from mosaic_sdk._http import HTTPResponse
from mosaic_sdk.errors import (
    APIResponseValidationError,
    ConfigurationError,
    InvalidValueError,
    MosaicError,
    NotFoundError,
    UnsupportedOperationError,
)
from mosaic_sdk.registry._auth import Credentials
from mosaic_sdk.registry._models import (
    ACCEPT_MANIFEST_TYPES,
    MANIFEST_MEDIA_TYPES,
    OCI_INDEX,
    Manifest,
    sha256_digest,
)
from mosaic_sdk.registry._names import as_manifest, parse_reference
from mosaic_sdk.values import Digest

__all__ = ["PROVIDER", "Request", "oci_error_message"]

PROVIDER = "registry"
#: The most pages a listing follows (a loop guard against a ``Link`` that never ends).
MAX_PAGES = 100_000
_LINK_NEXT = re.compile(r'<([^>]+)>\s*;[^,]*\brel="?next"?', re.IGNORECASE)
_PATH = re.compile(r"/v2/(?P<repo>.+?)/(?P<kind>manifests|blobs|tags|referrers)/(?P<ref>[^/?]*)")
#: Answers of ``GET /v2/<name>/referrers/<digest>`` that mean "no referrers API here":
#: distribution 2.8's router says ``404 page not found``; a registry with the API never
#: answers 404 there (distribution-spec v1.1 "Listing Referrers").
REFERRERS_UNSUPPORTED = (404, 405)

HINTS: Mapping[str, str] = {
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


# -- errors -------------------------------------------------------------------------------


def _what(url: str) -> str:
    match = _PATH.search(urlsplit(url).path)
    if match is None:
        return ""
    repo, kind, ref = match.group("repo"), match.group("kind"), match.group("ref")
    if kind == "manifests":
        return f"manifest {ref!r} of repository {repo!r}"
    if kind == "blobs":
        return f"blob {ref!r} of repository {repo!r}" if ref != "uploads" else f"upload to {repo!r}"
    if kind == "referrers":
        return f"referrers of {ref!r} in repository {repo!r}"
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
    hints = [HINTS[c] for c in dict.fromkeys(codes) if c in HINTS]
    if not hints and response.status_code == 404 and what:
        hints.append(HINTS["MANIFEST_UNKNOWN" if "manifest" in what else "BLOB_UNKNOWN"])
    if hints:
        message += "; " + "; ".join(hints)
    return message


def _invalid(message: str, response: HTTPResponse) -> APIResponseValidationError:
    return APIResponseValidationError(
        message, provider=PROVIDER, method=response.method, url=response.url.split("?", 1)[0]
    )


# -- the requests -------------------------------------------------------------------------


@attrs.frozen
class Request:
    """One HTTP exchange an operation needs (an I/O-free description)."""

    method: str
    url: str
    scopes: tuple[str, ...] = ()
    headers: Mapping[str, str] = attrs.field(factory=dict)
    content: bytes | None = None
    params: Mapping[str, Any] | None = None
    allow_status: tuple[int, ...] = ()
    authenticate: bool = True
    idempotent: bool | None = None


def pull(repository: str) -> tuple[str, ...]:
    """The token scopes of reading ``repository``."""
    return (f"repository:{repository}:pull",)


def push(repository: str) -> tuple[str, ...]:
    """The token scopes of writing ``repository``."""
    return (f"repository:{repository}:pull,push",)


def manifest_url(base_url: str, repository: str, reference: str | Digest) -> str:
    """``<base>/v2/<repository>/manifests/<reference>``."""
    return f"{base_url}/v2/{repository}/manifests/{reference}"


def blob_url(base_url: str, repository: str, digest: Digest) -> str:
    """``<base>/v2/<repository>/blobs/<digest>``."""
    return f"{base_url}/v2/{repository}/blobs/{digest}"


def uploads_url(base_url: str, repository: str) -> str:
    """``<base>/v2/<repository>/blobs/uploads/``: where an upload session starts."""
    return f"{base_url}/v2/{repository}/blobs/uploads/"


def head_manifest(base_url: str, repository: str, ref: str | Digest) -> Request:
    """HEAD a manifest with the full Accept list; 404 is an answer (absent)."""
    return Request(
        "HEAD",
        manifest_url(base_url, repository, ref),
        scopes=pull(repository),
        headers={"Accept": ACCEPT_MANIFEST_TYPES},
        allow_status=(404,),
    )


def get_manifest(base_url: str, repository: str, ref: str | Digest) -> Request:
    """GET a manifest with the full Accept list."""
    return Request(
        "GET",
        manifest_url(base_url, repository, ref),
        scopes=pull(repository),
        headers={"Accept": ACCEPT_MANIFEST_TYPES},
    )


def put_manifest(
    base_url: str,
    repository: str,
    reference: str,
    manifest: Manifest | bytes,
    media_type: str | None,
) -> tuple[Manifest, Request]:
    """The manifest to PUT (exact bytes, own media type) and its request."""
    manifest = as_manifest(manifest, media_type)
    ref = parse_reference(reference)
    if isinstance(ref, Digest) and ref != manifest.digest:
        raise InvalidValueError(
            str(ref),
            f"the manifest's own digest is {manifest.digest}",
            "put a manifest by its own digest, or use a tag",
        )
    return manifest, Request(
        "PUT",
        manifest_url(base_url, repository, ref),
        scopes=push(repository),
        headers={"Content-Type": manifest.media_type},
        content=manifest.content,
        # By digest the PUT is content-addressed: repeating it changes nothing.
        # Under a tag it is not: a repeat after a lost answer can revert a newer
        # write, so it is resent only when nothing reached the server (the
        # caller reads the tag back first; Promotion does).
        idempotent=isinstance(ref, Digest),
    )


def delete_manifest(base_url: str, repository: str, digest: Digest) -> Request:
    """DELETE a manifest by digest; 405 is an answer (deletion disabled)."""
    return Request(
        "DELETE",
        manifest_url(base_url, repository, digest),
        scopes=(f"repository:{repository}:delete",),
        allow_status=(405,),
        # Not resent blindly after a lost answer: a repeat answers 404 for a
        # delete that landed, and could delete a manifest pushed again since.
        idempotent=False,
    )


def referrers(
    url: str, repository: str, artifact_type: str | None, *, first: bool = True
) -> Request:
    """One page of ``GET /v2/<repository>/referrers/<digest>[?artifactType=]`` (``url``:
    the endpoint, or the ``Link`` of the next page); 404 and 405 are answers (no API)."""
    return Request(
        "GET",
        url,
        scopes=pull(repository),
        headers={"Accept": OCI_INDEX},
        params={"artifactType": artifact_type} if artifact_type and first else None,
        allow_status=REFERRERS_UNSUPPORTED,
    )


def referrers_url(base_url: str, repository: str, digest: Digest) -> str:
    """``<base>/v2/<repository>/referrers/<digest>``."""
    return f"{base_url}/v2/{repository}/referrers/{digest}"


def referrers_page(response: HTTPResponse, repository: str, digest: Digest) -> Manifest:
    """The image index one referrers API page answered."""
    kind = media_type(response)
    try:
        index = Manifest.from_bytes(response.content, kind if kind == OCI_INDEX else None)
    except InvalidValueError as exc:
        raise _invalid(
            f"the referrers of {digest} in {repository!r} are not an image index: {exc}",
            response,
        ) from exc
    if not index.is_index:
        raise _invalid(
            f"the referrers of {digest} in {repository!r} came as {index.media_type}, "
            "not an image index",
            response,
        )
    return index


def subject_processed(response: HTTPResponse, subject: Digest) -> bool:
    """True when a manifest PUT's answer carries ``OCI-Subject: <subject>``: the registry
    indexed the ``subject`` itself (distribution-spec v1.1 "Pushing Manifests with
    Subject"); otherwise the client keeps the referrers tag."""
    return response.headers.get("OCI-Subject", "").strip() == str(subject)


def head_blob(base_url: str, repository: str, digest: Digest) -> Request:
    """HEAD a blob; 404 is an answer (absent)."""
    return Request(
        "HEAD", blob_url(base_url, repository, digest), scopes=pull(repository), allow_status=(404,)
    )


def mount_blob(base_url: str, repository: str, digest: Digest, from_repository: str) -> Request:
    """``POST uploads/?mount=<digest>&from=<from_repository>``."""
    return Request(
        "POST",
        uploads_url(base_url, repository),
        scopes=(*push(repository), *pull(from_repository)),
        params={"mount": str(digest), "from": from_repository},
    )


def finish_upload(repository: str, location: str, data: bytes, digest: Digest) -> Request:
    """The monolithic ``PUT <location>?digest=`` that closes an upload session."""
    separator = "&" if "?" in location else "?"
    return Request(
        "PUT",
        f"{location}{separator}digest={quote(str(digest), safe='')}",
        scopes=push(repository),
        headers={"Content-Type": "application/octet-stream"},
        content=data,
    )


def blob_bytes(data: object) -> bytes:
    """``data`` as bytes, or :class:`~mosaic_sdk.errors.InvalidValueError`."""
    if not isinstance(data, (bytes, bytearray, memoryview)):
        raise InvalidValueError(
            type(data).__name__, "blob data must be bytes", "pass the exact blob bytes"
        )
    return bytes(data)


def first_page(size: int | None) -> dict[str, Any] | None:
    """The query of a listing's first page (``n``, when a page size is set)."""
    return {"n": size} if size else None


def catalog(url: str, params: Mapping[str, Any] | None) -> Request:
    """One page of ``GET /v2/_catalog``; 404 is an answer (no catalog)."""
    return Request("GET", url, scopes=("registry:catalog:*",), params=params, allow_status=(404,))


def check_page_size(page_size: object) -> int | None:
    """``page_size`` when a positive int or ``None``, else InvalidValueError."""
    if page_size is not None and (
        isinstance(page_size, bool) or not isinstance(page_size, int) or page_size < 1
    ):
        raise InvalidValueError(page_size, "page_size must be a positive int", "or None")
    return page_size


# -- the answers --------------------------------------------------------------------------


def media_type(response: HTTPResponse) -> str:
    """The ``Content-Type`` of ``response`` without parameters."""
    return response.headers.get("Content-Type", "").split(";", 1)[0].strip()


def header_digest(response: HTTPResponse) -> Digest | None:
    """The ``Docker-Content-Digest`` of ``response``, if any (a bad one is an error)."""
    value = response.headers.get("Docker-Content-Digest")
    if not value:
        return None
    try:
        return Digest.parse(value.strip())
    except InvalidValueError as exc:
        raise _invalid(f"Docker-Content-Digest {value!r} is not a digest", response) from exc


def headed_digest(response: HTTPResponse, ref: str | Digest) -> Digest | None:
    """The digest a manifest HEAD answered: the digest asked for (checked against the
    header), else the header's; ``None`` when the header is missing."""
    digest = header_digest(response)
    if isinstance(ref, Digest):
        if digest is not None and digest != ref:
            raise APIResponseValidationError(
                f"asked for {ref}, the registry answered for {digest}",
                provider=PROVIDER,
                method="HEAD",
                url=response.url,
            )
        return ref
    return digest


def missing_manifest(base_url: str, repository: str, reference: str) -> NotFoundError:
    """The error of a manifest HEAD answered 404."""
    return NotFoundError(
        f"HTTP 404 MANIFEST_UNKNOWN [manifest {reference!r} of repository "
        f"{repository!r}]; {HINTS['MANIFEST_UNKNOWN']}",
        status_code=404,
        provider=PROVIDER,
        method="HEAD",
        url=manifest_url(base_url, repository, reference),
    )


def manifest_from(
    response: HTTPResponse, repository: str, reference: str, ref: str | Digest
) -> Manifest:
    """The manifest a GET answered, checked against the digest asked for (or the
    ``Docker-Content-Digest``) and its media type."""
    content = response.content
    where = {"provider": PROVIDER, "method": "GET", "url": response.url}
    expected = ref if isinstance(ref, Digest) else header_digest(response)
    if expected is not None and not expected.verify(content):
        raise APIResponseValidationError(
            f"manifest {repository}:{reference} hashes to {sha256_digest(content)}, "
            f"not {expected}; the registry or a proxy altered it",
            **where,
        )
    kind = media_type(response) or None
    if kind is not None and kind not in MANIFEST_MEDIA_TYPES:
        if "v1+" in kind and "manifest" in kind:
            raise UnsupportedOperationError(
                f"{repository}:{reference} is a Docker schema 1 manifest ({kind})",
                workaround="convert it with `skopeo copy --format v2s2` and use the result",
            )
        kind = None  # e.g. application/json from a minimal server: use the body
    try:
        return Manifest.from_bytes(content, kind)
    except InvalidValueError as exc:
        raise APIResponseValidationError(
            f"manifest {repository}:{reference} is not usable: {exc}", **where
        ) from exc


def check_written(response: HTTPResponse, expected: Digest, what: str) -> Digest | None:
    """The ``Docker-Content-Digest`` of a write, which must be ``expected``."""
    reported = header_digest(response)
    if reported is not None and reported != expected:
        raise _invalid(
            f"{what}: the registry stored digest {reported}, but the bytes sent hash to "
            f"{expected}; the registry rewrote the content - do not use this registry for "
            "digest promotion",
            response,
        )
    return reported


def check_read_back(
    response: HTTPResponse, repository: str, reference: str, stored: Digest | None, sent: Digest
) -> None:
    """After a PUT without ``Docker-Content-Digest``: the pointer must read back as sent."""
    if stored != sent:
        raise APIResponseValidationError(
            f"{repository}:{reference} reads back as {stored}, not {sent}",
            provider=PROVIDER,
            method="PUT",
            url=response.url,
        )


def tags_page(response: HTTPResponse, repository: str, url: str) -> list[str]:
    """The tags of one ``tags/list`` page."""
    body = response.json()
    page = body.get("tags") if isinstance(body, dict) else None
    if page is not None and not (isinstance(page, list) and all(isinstance(t, str) for t in page)):
        raise APIResponseValidationError(
            f"tags/list of {repository!r} has no list of strings under 'tags'",
            provider=PROVIDER,
            method="GET",
            url=url,
        )
    return list(page or ())


def catalog_page(response: HTTPResponse, base_url: str) -> list[str]:
    """The repository names of one ``_catalog`` page (404: the registry has none)."""
    if response.status_code == 404:
        raise UnsupportedOperationError(
            f"the registry at {base_url} has no /v2/_catalog endpoint",
            workaround="keep your own list of repositories",
        )
    body = response.json()
    page = body.get("repositories") if isinstance(body, dict) else None
    return [r for r in page if isinstance(r, str)] if isinstance(page, list) else []


def next_page(response: HTTPResponse) -> str | None:
    """The absolute URL of the ``Link: <...>; rel="next"`` page, if any."""
    match = _LINK_NEXT.search(response.headers.get("Link", ""))
    return None if match is None else urljoin(response.url, match.group(1))


def delete_refused(response: HTTPResponse, repository: str, digest: Digest) -> None:
    """A DELETE answered 405: deletion is disabled on the registry."""
    if response.status_code == 405:
        raise UnsupportedOperationError(
            f"the registry refused DELETE of {repository}@{digest} with 405 "
            f"({oci_error_message(response)})",
            workaround="enable deletion in the registry config (storage.delete.enabled: "
            "true, or REGISTRY_STORAGE_DELETE_ENABLED=true) and restart it",
        )


def blob_from(response: HTTPResponse, repository: str, digest: Digest) -> bytes:
    """The bytes of a blob GET, checked against ``digest``."""
    if not digest.verify(response.content):
        raise APIResponseValidationError(
            f"blob {digest} of {repository!r} arrived with other content "
            f"({sha256_digest(response.content)}); retry, or check a proxy in between",
            provider=PROVIDER,
            method="GET",
            url=response.url,
        )
    return response.content


def upload_location(response: HTTPResponse) -> str:
    """The absolute ``Location`` of an upload session."""
    location = response.headers.get("Location")
    if not location:
        raise _invalid(
            f"HTTP {response.status_code} without a Location header for the upload", response
        )
    return urljoin(response.url, location)


# -- configuration ------------------------------------------------------------------------


def normalize_url(url: str) -> tuple[str, Credentials | None]:
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


def credentials(
    username: str | None, password: str | None, from_url: Credentials | None = None
) -> Credentials | None:
    """The credentials of the constructor's arguments or the URL's userinfo (not both)."""
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


def registry_from_env() -> dict[str, Any]:
    """The constructor arguments ``$MOSAIC_REGISTRY*`` give."""
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
