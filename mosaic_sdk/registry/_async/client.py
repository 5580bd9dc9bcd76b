"""``AsyncRegistryClient``: the OCI distribution API (``/v2/``).

This module only sequences the HTTP exchanges of each operation; what to send and what
an answer means (URLs, headers, scopes, digest checks, error messages, pagination) is in
the I/O-free :mod:`mosaic_sdk.registry._ops`, and authentication decisions are in
:mod:`mosaic_sdk.registry._session`. Requests go through :mod:`mosaic_sdk._http`
(retries, rate limits, typed errors, the correlation id, cross-origin redirects without
credentials).
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from datetime import datetime
from typing import Any

import attrs

from mosaic_sdk._core._async.closing import AsyncPooled
from mosaic_sdk._core._redact import sanitize_url
from mosaic_sdk._core._repr import safe_repr
from mosaic_sdk._http import AsyncHTTPClient, HTTPResponse, RateLimit, RetryPolicy
from mosaic_sdk.registry import _ops as ops
from mosaic_sdk.registry._async.referrers import (
    DEFAULT_SETTLE,
    add_to_referrers_tag,
    check_settle,
    push_artifact,
    referrers_by_tag,
)
from mosaic_sdk.registry._auth import Challenge
from mosaic_sdk.registry._models import Descriptor, Manifest, TagList, sha256_digest
from mosaic_sdk.registry._names import as_digest, parse_reference, validate_repository, validate_tag
from mosaic_sdk.registry._referrers import referrer_descriptor, referrers_from_index
from mosaic_sdk.registry._session import RegistryAuth
from mosaic_sdk.values import Digest

__all__ = ["AsyncRegistryClient"]

logger = logging.getLogger("mosaic_sdk.registry")


class AsyncRegistryClient(AsyncPooled[AsyncHTTPClient]):
    """Client for an OCI distribution registry (``/v2/`` API).

    Implements :class:`~mosaic_sdk.registry.AsyncImageRegistry`. Authentication is
    automatic: anonymous first, then whatever the registry's ``401`` challenge asks for -
    HTTP Basic with ``username``/``password``, or a Bearer token fetched from the
    challenge's realm (with those credentials, or anonymously) and cached per scope until
    it expires. The synchronous and the asynchronous client take the same arguments and
    have the same methods.

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
        referrers_api: whether the registry has the OCI 1.1 referrers API: ``None``
            until :meth:`referrers` or :meth:`attach` found out, then ``True`` or
            ``False`` (distribution 2.8: ``False``).

    Example:
        >>> async with AsyncRegistryClient("http://127.0.0.1:5000") as registry:  # doctest: +SKIP
        ...     await registry.resolve("team/app", "v1.2.3")
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
        base, from_url = ops.normalize_url(url)
        self._auth = RegistryAuth(base, ops.credentials(username, password, from_url))
        self._page_size = ops.check_page_size(page_size)
        self._http = AsyncHTTPClient(
            base,
            provider=ops.PROVIDER,
            timeout=timeout,
            retry=retry,
            rate_limit=rate_limit,
            verify=verify,
            transport=transport,
            error_message=ops.oci_error_message,
        )
        self.request_count = 0
        # Whether GET /v2/<name>/referrers/<digest> exists here; None until asked.
        self.referrers_api: bool | None = None

    @classmethod
    def from_env(cls, **kwargs: Any) -> AsyncRegistryClient:
        """A client from ``$MOSAIC_REGISTRY`` (the URL) and, for a registry that needs
        them, ``$MOSAIC_REGISTRY_USERNAME`` and ``$MOSAIC_REGISTRY_PASSWORD``: the
        variables ``mosaic`` reads. ``kwargs`` as for the constructor, and they win.

        Raises:
            ConfigurationError: ``MOSAIC_REGISTRY`` is not set, or a password is set
                without a user name.
        """
        return cls(**{**ops.registry_from_env(), **kwargs})

    @property
    def url(self) -> str:
        """The registry base URL."""
        return self._auth.base_url

    @safe_repr
    def __repr__(self) -> str:
        user = self._auth.credentials.username if self._auth.credentials else None
        return f"AsyncRegistryClient({sanitize_url(self.url)!r}, username={user!r})"

    # -- exchanges --------------------------------------------------------------------

    async def _exchange(self, request: ops.Request) -> HTTPResponse:
        self.request_count += 1
        return await self._http.request(
            request.method,
            request.url,
            params=request.params,
            content=request.content,
            headers=request.headers,
            idempotent=request.idempotent,
            allow_status=request.allow_status,
        )

    async def _send(self, request: ops.Request) -> HTTPResponse:
        """Send ``request``, answering one 401 challenge (Basic or Bearer) on the way."""
        first, sent = self._auth.first(request)
        response = await self._exchange(first)
        challenge = self._auth.challenge(request, response)
        if challenge is None:
            return response
        if challenge.scheme == "basic":
            authorization = self._auth.basic_retry(response)
        else:
            if sent:
                self._auth.tokens.discard(sent.removeprefix("Bearer "))
            scopes = challenge.scopes or request.scopes
            authorization = f"Bearer {await self._fetch_token(challenge, scopes, response)}"
        retried = attrs.evolve(first, headers={**first.headers, "Authorization": authorization})
        response = await self._exchange(retried)
        self._auth.check_retried(request, challenge, response)
        return response

    async def _fetch_token(
        self, challenge: Challenge, scopes: tuple[str, ...], response: HTTPResponse
    ) -> str:
        answer = await self._exchange(self._auth.token_request(challenge, scopes, response))
        return self._auth.token_from(challenge, scopes, answer)

    # -- operations -------------------------------------------------------------------

    async def ping(self) -> str | None:
        """``GET /v2/`` (authenticating if challenged); returns the API version header.
        Raises :class:`~mosaic_sdk.errors.APIConnectionError` when unreachable."""
        response = await self._send(ops.Request("GET", f"{self.url}/v2/"))
        return response.headers.get("Docker-Distribution-API-Version")

    async def _head_manifest(self, repository: str, reference: str) -> Digest | None:
        validate_repository(repository)
        ref = parse_reference(reference)
        response = await self._send(ops.head_manifest(self.url, repository, ref))
        if response.status_code == 404:
            return None
        digest = ops.headed_digest(response, ref)
        if digest is None:
            # Docker-Content-Digest is optional before OCI 1.1: hash the body instead.
            manifest = await self.get_manifest(repository, reference)
            return manifest.digest
        return digest

    async def resolve(self, repository: str, reference: str) -> Digest:
        """``HEAD /v2/<repository>/manifests/<reference>`` with the full Accept list;
        the digest comes from ``Docker-Content-Digest`` (or a GET and sha256 when absent).
        Raises :class:`~mosaic_sdk.errors.NotFoundError` when absent."""
        digest = await self._head_manifest(repository, reference)
        if digest is None:
            raise ops.missing_manifest(self.url, repository, reference)
        return digest

    async def exists(self, repository: str, reference: str) -> bool:
        """True when the manifest ``reference`` exists (one HEAD)."""
        return await self._head_manifest(repository, reference) is not None

    async def get_manifest(self, repository: str, reference: str) -> Manifest:
        """``GET /v2/<repository>/manifests/<reference>``: exact bytes and media type,
        checked against the requested digest or ``Docker-Content-Digest``."""
        validate_repository(repository)
        ref = parse_reference(reference)
        response = await self._send(ops.get_manifest(self.url, repository, ref))
        return ops.manifest_from(response, repository, reference, ref)

    async def put_manifest(
        self,
        repository: str,
        reference: str,
        manifest: Manifest | bytes,
        media_type: str | None = None,
    ) -> Digest:
        """``PUT /v2/<repository>/manifests/<reference>`` with ``Content-Type`` = the
        media type and the exact bytes; ``Docker-Content-Digest`` must equal their
        sha256 (:class:`~mosaic_sdk.errors.APIResponseValidationError` otherwise)."""
        validate_repository(repository)
        sent, request = ops.put_manifest(self.url, repository, reference, manifest, media_type)
        response = await self._send(request)
        what = f"PUT {repository}:{reference}"
        if ops.check_written(response, sent.digest, what) is None:
            # No Docker-Content-Digest (optional before OCI 1.1): read the pointer back.
            stored = await self._head_manifest(repository, reference)
            ops.check_read_back(response, repository, reference, stored, sent.digest)
        return sent.digest

    async def tag_list(self, repository: str, *, page_size: int | None = None) -> TagList:
        """``GET /v2/<repository>/tags/list[?n=]``, following ``Link``; sorted."""
        validate_repository(repository)
        url = f"{self.url}/v2/{repository}/tags/list"
        params = ops.first_page(page_size if page_size is not None else self._page_size)
        tags: list[str] = []
        seen: set[str] = set()
        pages = 0
        while True:
            response = await self._send(
                ops.Request("GET", url, scopes=ops.pull(repository), params=params)
            )
            pages += 1
            tags.extend(ops.tags_page(response, repository, url))
            following = ops.next_page(response)
            if following is None or following in seen or pages >= ops.MAX_PAGES:
                break
            seen.add(following)
            url, params = following, None
        return TagList(repository=repository, tags=tags, pages=pages)

    async def list_tags(self, repository: str) -> list[str]:
        """Sorted tag names of ``repository`` (see :meth:`tag_list`)."""
        tags = await self.tag_list(repository)
        return list(tags.tags)

    async def delete_manifest(self, repository: str, digest: Digest) -> None:
        """``DELETE /v2/<repository>/manifests/<digest>`` (202). Removes every tag on the
        digest. :class:`~mosaic_sdk.errors.UnsupportedOperationError` when the registry
        has deletion disabled (405)."""
        validate_repository(repository)
        digest = as_digest(digest)
        response = await self._send(ops.delete_manifest(self.url, repository, digest))
        ops.delete_refused(response, repository, digest)

    async def get_blob(self, repository: str, digest: Digest) -> bytes:
        """``GET /v2/<repository>/blobs/<digest>``, checked against the digest."""
        validate_repository(repository)
        digest = as_digest(digest)
        url = ops.blob_url(self.url, repository, digest)
        response = await self._send(ops.Request("GET", url, scopes=ops.pull(repository)))
        return ops.blob_from(response, repository, digest)

    async def put_blob(self, repository: str, data: bytes) -> Digest:
        """``POST /v2/<repository>/blobs/uploads/`` then ``PUT <Location>?digest=``."""
        validate_repository(repository)
        data = ops.blob_bytes(data)
        digest = sha256_digest(data)
        response = await self._send(
            ops.Request("POST", ops.uploads_url(self.url, repository), scopes=ops.push(repository))
        )
        if response.status_code == 201:  # pragma: no cover - POST without a body never is
            return digest
        await self._finish_upload(repository, ops.upload_location(response), data, digest)
        return digest

    async def _finish_upload(
        self, repository: str, location: str, data: bytes, digest: Digest
    ) -> None:
        response = await self._send(ops.finish_upload(repository, location, data, digest))
        ops.check_written(response, digest, f"blob upload to {repository!r}")

    async def blob_exists(self, repository: str, digest: Digest) -> bool:
        """``HEAD /v2/<repository>/blobs/<digest>``."""
        validate_repository(repository)
        digest = as_digest(digest)
        response = await self._send(ops.head_blob(self.url, repository, digest))
        return response.status_code != 404

    async def mount_blob(self, repository: str, digest: Digest, from_repository: str) -> bool:
        """``POST /v2/<repository>/blobs/uploads/?mount=<digest>&from=<from_repository>``.
        True when mounted (201); on 202 the blob is uploaded instead and False returned."""
        validate_repository(repository)
        validate_repository(from_repository)
        digest = as_digest(digest)
        response = await self._send(ops.mount_blob(self.url, repository, digest, from_repository))
        if response.status_code == 201:
            ops.check_written(response, digest, f"mount into {repository!r}")
            return True
        logger.debug("mount of %s into %s fell back to an upload", digest, repository)
        data = await self.get_blob(from_repository, digest)
        await self._finish_upload(repository, ops.upload_location(response), data, digest)
        return False

    async def copy(
        self,
        src_repository: str,
        reference: str,
        dst_repository: str,
        tag: str | None = None,
    ) -> Digest:
        """Copy an image between repositories of this registry: blobs are mounted (upload
        fallback), index children are PUT by digest before the index, the digest is kept.
        Already-present children and images are skipped."""
        validate_repository(src_repository)
        validate_repository(dst_repository)
        if tag is not None:
            validate_tag(tag)
        manifest = await self.get_manifest(src_repository, reference)
        if src_repository != dst_repository:
            present = await self._head_manifest(dst_repository, str(manifest.digest))
            if present is None:
                await self._copy_dependencies(src_repository, dst_repository, manifest)
            elif tag is None:
                return manifest.digest
        elif tag is None:
            return manifest.digest
        return await self.put_manifest(dst_repository, tag or str(manifest.digest), manifest)

    async def _copy_dependencies(self, src: str, dst: str, manifest: Manifest) -> None:
        for child in manifest.manifests:
            if await self._head_manifest(dst, str(child.digest)) is not None:
                continue
            child_manifest = await self.get_manifest(src, str(child.digest))
            await self._copy_dependencies(src, dst, child_manifest)
            await self.put_manifest(dst, str(child.digest), child_manifest)
        for digest in manifest.blob_digests:
            await self.mount_blob(dst, digest, src)

    async def repositories(self) -> list[str]:
        """``GET /v2/_catalog`` (following ``Link``), sorted."""
        url: str | None = f"{self.url}/v2/_catalog"
        params = ops.first_page(self._page_size)
        names: set[str] = set()
        pages = 0
        while url is not None and pages < ops.MAX_PAGES:
            response = await self._send(ops.catalog(url, params))
            names.update(ops.catalog_page(response, self.url))
            pages += 1
            url, params = ops.next_page(response), None
        return sorted(names)

    # -- referrers (OCI 1.1) ----------------------------------------------------------

    async def referrers(
        self, repository: str, subject: Digest | str, *, artifact_type: str | None = None
    ) -> list[Descriptor]:
        """The artifacts whose ``subject`` is ``subject``, as descriptors (with
        ``artifact_type`` and annotations), optionally only those of ``artifact_type``.

        Asks ``GET /v2/<repository>/referrers/<digest>`` (following ``Link``); a
        registry without that API (404 or 405, as distribution 2.8 answers) is asked
        for the referrers tag ``sha256-<hex>`` instead, and remembered
        (:attr:`referrers_api`).
        """
        validate_repository(repository)
        digest = as_digest(subject)
        if self.referrers_api is not False:
            found = await self._referrers_api(repository, digest, artifact_type)
            if found is not None:
                return found
        return await referrers_by_tag(self, repository, digest, artifact_type=artifact_type)

    async def _referrers_api(
        self, repository: str, digest: Digest, artifact_type: str | None
    ) -> list[Descriptor] | None:
        url: str | None = ops.referrers_url(self.url, repository, digest)
        found: dict[Digest, Descriptor] = {}
        seen: set[str] = set()
        first = True
        while url is not None and len(seen) < ops.MAX_PAGES:
            response = await self._send(ops.referrers(url, repository, artifact_type, first=first))
            if response.status_code in ops.REFERRERS_UNSUPPORTED:
                if first:
                    self.referrers_api = False
                    return None
                break
            self.referrers_api = True
            index = ops.referrers_page(response, repository, digest)
            for descriptor in referrers_from_index(index, artifact_type):
                found.setdefault(descriptor.digest, descriptor)
            seen.add(url)
            following = ops.next_page(response)
            url = None if following is None or following in seen else following
            first = False
        return list(found.values())

    async def attach(
        self,
        repository: str,
        subject: Digest | str,
        data: bytes,
        *,
        artifact_type: str,
        media_type: str | None = None,
        annotations: Mapping[str, str] | None = None,
        created: datetime | None = None,
        settle: float = DEFAULT_SETTLE,
    ) -> Descriptor:
        """Attach ``data`` to the image ``subject`` as an OCI 1.1 artifact and return its
        descriptor.

        Pushes the empty config ``{}`` and ``data`` as blobs, then the artifact manifest
        (``artifactType``, ``subject`` = the image, one layer of ``media_type``, default
        ``artifact_type``) by its digest. A registry that answers that PUT with
        ``OCI-Subject`` lists the artifact in its referrers API by itself; otherwise the
        entry is added to the index tagged ``sha256-<hex>`` (the referrers tag schema),
        and checked ``settle`` seconds later so that a concurrent attach cannot drop it
        unnoticed (see :mod:`mosaic_sdk.registry._async.referrers`).

        Raises:
            NotFoundError: ``subject`` is not in ``repository``.
            ConflictError: concurrent writers kept dropping the entry.
        """
        validate_repository(repository)
        digest = as_digest(subject)
        check_settle(settle, 1)
        artifact = await push_artifact(
            self,
            repository,
            digest,
            data,
            artifact_type=artifact_type,
            media_type=media_type,
            annotations=annotations,
            created=created,
        )
        _, request = ops.put_manifest(
            self.url, repository, str(artifact.digest), artifact, artifact.media_type
        )
        response = await self._send(request)
        ops.check_written(response, artifact.digest, f"PUT {repository}@{artifact.digest}")
        if ops.subject_processed(response, digest):
            self.referrers_api = True
        else:
            await add_to_referrers_tag(self, repository, digest, artifact, settle=settle)
        return referrer_descriptor(artifact)
