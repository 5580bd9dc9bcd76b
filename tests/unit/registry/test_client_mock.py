"""RegistryClient behaviours a Debian 2.8 registry cannot show, scripted with
``httpx.MockTransport``: Link pagination, mount fallback uploads, missing or lying
``Docker-Content-Digest`` headers, schema 1, token expiry and odd error bodies."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Callable

import httpx
import pytest

from mosaic_sdk._http import RetryPolicy
from mosaic_sdk.errors import (
    APIResponseValidationError,
    AuthenticationError,
    NotFoundError,
    UnsupportedOperationError,
)
from mosaic_sdk.registry import (
    OCI_MANIFEST,
    AsyncRegistryClient,
    Manifest,
    RegistryClient,
    oci_error_message,
)
from mosaic_sdk.values import Digest

URL = "http://registry.test"
MANIFEST = Manifest.from_json({"schemaVersion": 2, "mediaType": OCI_MANIFEST, "layers": []})
NO_RETRY = RetryPolicy(max_retries=0)

Handler = Callable[[httpx.Request], httpx.Response]


def _client(handler: Handler, **kw: object) -> tuple[RegistryClient, list[httpx.Request]]:
    seen: list[httpx.Request] = []

    def record(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return handler(request)

    client = RegistryClient(URL, transport=httpx.MockTransport(record), retry=NO_RETRY, **kw)  # type: ignore[arg-type]
    return client, seen


def _tags_handler(request: httpx.Request) -> httpx.Response:
    pages = {
        None: (["v3", "v1"], '</v2/app/tags/list?n=2&last=v3>; rel="next"'),
        "v3": (
            ["testing", "v1"],
            '<http://registry.test/v2/app/tags/list?n=2&last=v9>; rel="next"',
        ),
        "v9": (["blue"], None),
    }
    tags, link = pages[request.url.params.get("last")]
    headers = {"Link": link} if link else {}
    return httpx.Response(200, json={"name": "app", "tags": tags}, headers=headers)


def test_tag_listing_follows_relative_and_absolute_links_and_sorts() -> None:
    client, seen = _client(_tags_handler, page_size=2)
    tags = client.tag_list("app")
    assert tags.tags == ("blue", "testing", "v1", "v3")
    assert tags.pages == 3
    assert [r.url.params.get("n") for r in seen] == ["2", "2", "2"]
    assert client.request_count == 3


def test_async_tag_listing_is_the_same_operation() -> None:
    async def run() -> list[str]:
        async with AsyncRegistryClient(
            URL, transport=httpx.MockTransport(_tags_handler), page_size=2, retry=NO_RETRY
        ) as client:
            return await client.list_tags("app")

    assert asyncio.run(run()) == ["blue", "testing", "v1", "v3"]


def test_a_link_loop_stops() -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        return httpx.Response(
            200, json={"tags": ["a"]}, headers={"Link": '</v2/app/tags/list?last=a>; rel="next"'}
        )

    client, seen = _client(handler)
    assert client.list_tags("app") == ["a"]
    assert len(seen) == 2


def test_mount_fallback_uploads_the_blob_from_the_source() -> None:
    blob = b"layer-bytes"
    digest = Digest.from_bytes(blob)

    def handler(request: httpx.Request) -> httpx.Response:
        if request.method == "POST":
            assert request.url.params["mount"] == str(digest)
            assert request.url.params["from"] == "src"
            return httpx.Response(202, headers={"Location": "/v2/dst/blobs/uploads/u1?_state=s"})
        if request.method == "GET":
            assert request.url.path == f"/v2/src/blobs/{digest}"
            return httpx.Response(200, content=blob)
        assert request.method == "PUT"
        assert request.url.params["_state"] == "s"
        assert request.url.params["digest"] == str(digest)
        assert request.content == blob
        return httpx.Response(201, headers={"Docker-Content-Digest": str(digest)})

    client, seen = _client(handler)
    assert client.mount_blob("dst", digest, "src") is False
    assert [r.method for r in seen] == ["POST", "GET", "PUT"]


def test_put_blob_is_post_then_monolithic_put() -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        if request.method == "POST":
            return httpx.Response(202, headers={"Location": "http://registry.test/up/1"})
        return httpx.Response(201, headers={"Docker-Content-Digest": request.url.params["digest"]})

    client, seen = _client(handler)
    digest = client.put_blob("app", b"abc")
    assert digest == Digest.from_bytes(b"abc")
    assert str(seen[1].url) == f"http://registry.test/up/1?digest={str(digest).replace(':', '%3A')}"


def test_resolve_hashes_the_body_when_head_has_no_digest_header() -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        assert "application/vnd.oci.image.index.v1+json" in request.headers["Accept"]
        assert "application/vnd.docker.distribution.manifest.v2+json" in request.headers["Accept"]
        if request.method == "HEAD":
            return httpx.Response(200, headers={"Content-Type": OCI_MANIFEST})
        return httpx.Response(200, content=MANIFEST.content, headers={"Content-Type": OCI_MANIFEST})

    client, seen = _client(handler)
    assert client.resolve("app", "v1") == MANIFEST.digest
    assert [r.method for r in seen] == ["HEAD", "GET"]


def test_a_registry_that_rewrites_a_manifest_is_caught() -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        return httpx.Response(201, headers={"Docker-Content-Digest": str(Digest.from_bytes(b"x"))})

    client, _ = _client(handler)
    with pytest.raises(APIResponseValidationError, match="rewrote the content"):
        client.put_manifest("app", "v1", MANIFEST)


def test_put_without_digest_header_reads_the_tag_back() -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        if request.method == "PUT":
            assert request.headers["Content-Type"] == OCI_MANIFEST
            assert request.content == MANIFEST.content
            return httpx.Response(201)
        return httpx.Response(200, headers={"Docker-Content-Digest": str(MANIFEST.digest)})

    client, seen = _client(handler)
    assert client.put_manifest("app", "v1", MANIFEST) == MANIFEST.digest
    assert [r.method for r in seen] == ["PUT", "HEAD"]


def test_a_manifest_whose_bytes_do_not_match_the_header_is_refused() -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        return httpx.Response(
            200,
            content=MANIFEST.content + b" ",
            headers={"Content-Type": OCI_MANIFEST, "Docker-Content-Digest": str(MANIFEST.digest)},
        )

    client, _ = _client(handler)
    with pytest.raises(APIResponseValidationError, match="altered"):
        client.get_manifest("app", "v1")


def test_schema1_is_refused_with_a_workaround() -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        return httpx.Response(
            200,
            content=b'{"schemaVersion": 1}',
            headers={"Content-Type": "application/vnd.docker.distribution.manifest.v1+prettyjws"},
        )

    client, _ = _client(handler)
    with pytest.raises(UnsupportedOperationError, match="skopeo copy --format v2s2"):
        client.get_manifest("app", "old")


def test_401_without_a_challenge() -> None:
    client, _ = _client(lambda r: httpx.Response(401))
    with pytest.raises(AuthenticationError, match="without a Basic or Bearer challenge"):
        client.ping()


def test_an_expired_token_is_replaced_once() -> None:
    issued: list[str] = []
    valid = {"current": ""}

    def handler(request: httpx.Request) -> httpx.Response:
        if request.url.host == "auth.test":
            token = f"token-{len(issued)}-abcdef"
            issued.append(token)
            valid["current"] = token
            return httpx.Response(200, json={"access_token": token, "expires_in": 3600})
        if request.headers.get("Authorization") == f"Bearer {valid['current']}":
            return httpx.Response(200, headers={"Docker-Content-Digest": str(MANIFEST.digest)})
        return httpx.Response(
            401,
            headers={
                "WWW-Authenticate": 'Bearer realm="http://auth.test/token",service="reg",'
                'scope="repository:app:pull"'
            },
        )

    client, seen = _client(handler)
    assert client.resolve("app", "v1") == MANIFEST.digest
    assert client.resolve("app", "v1") == MANIFEST.digest
    assert len(seen) == 4  # 401, token, 200, then 200 with the cached token
    valid["current"] = "revoked"  # the server forgets the token
    assert client.resolve("app", "v1") == MANIFEST.digest
    assert len(issued) == 2
    token_request = next(r for r in seen if r.url.host == "auth.test")
    assert token_request.url.params.get_list("scope") == ["repository:app:pull"]
    assert token_request.url.params["service"] == "reg"
    assert "Authorization" not in token_request.headers  # anonymous token


def test_plain_text_errors_and_bodiless_heads_still_say_what_failed() -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        return httpx.Response(404, text="404 page not found")

    client, _ = _client(handler)
    with pytest.raises(NotFoundError, match="404 page not found") as info:
        client.get_manifest("app", "v1")
    assert "manifest 'v1' of repository 'app'" in str(info.value)


def test_oci_error_bodies_list_every_code_with_its_fix() -> None:
    body = {
        "errors": [
            {"code": "MANIFEST_BLOB_UNKNOWN", "message": "blob unknown", "detail": "sha256:aa"},
            {"code": "DENIED", "message": "requested access to the resource is denied"},
        ]
    }
    response = httpx.Response(400, json=body)
    from mosaic_sdk._http import HTTPResponse

    message = oci_error_message(
        HTTPResponse(
            status_code=400,
            headers=response.headers,
            content=response.content,
            url=f"{URL}/v2/team/app/manifests/v1",
            method="PUT",
        )
    )
    assert message.startswith("HTTP 400 MANIFEST_BLOB_UNKNOWN: blob unknown (detail: sha256:aa)")
    assert "DENIED" in message
    assert "[manifest 'v1' of repository 'team/app']" in message
    assert "push the blobs" in message
    assert "ask for it" in message


def test_delete_disabled_and_missing_catalog_are_unsupported() -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        if request.method == "DELETE":
            return httpx.Response(
                405, json={"errors": [{"code": "UNSUPPORTED", "message": "unsupported"}]}
            )
        return httpx.Response(404)

    client, _ = _client(handler)
    with pytest.raises(UnsupportedOperationError, match="REGISTRY_STORAGE_DELETE_ENABLED"):
        client.delete_manifest("app", MANIFEST.digest)
    with pytest.raises(UnsupportedOperationError, match="_catalog"):
        client.repositories()


def test_tags_list_with_a_malformed_body_is_a_validation_error() -> None:
    client, _ = _client(lambda r: httpx.Response(200, content=json.dumps({"tags": [1]}).encode()))
    with pytest.raises(APIResponseValidationError, match="list of strings"):
        client.list_tags("app")
