"""One conformance suite for every :class:`~mosaic_sdk.registry.ImageRegistry`.

Subclass :class:`ImageRegistryContract` and provide an ``image_registry`` fixture that
returns an empty-enough registry (fresh repositories come from the ``repo`` fixture)::

    class TestMyRegistry(ImageRegistryContract):
        @pytest.fixture
        def image_registry(self, tmp_path: Path) -> Iterator[ImageRegistry]:
            yield MyRegistry(...)

Run here against :class:`OCILayout` (a temp dir) and :class:`RegistryClient` (Debian's
docker-registry 2.8 on 127.0.0.1), so workflows written against the Protocol behave the
same on disk and on a server.
"""

from __future__ import annotations

import json
import random
from collections.abc import Iterator
from pathlib import Path

import pytest

from mosaic_sdk.errors import BadRequestError, InvalidValueError, NotFoundError
from mosaic_sdk.registry import (
    DOCKER_MANIFEST_LIST,
    DOCKER_MANIFEST_V2,
    OCI_INDEX,
    OCI_MANIFEST,
    ImageRegistry,
    Manifest,
    OCILayout,
    RegistryClient,
)
from mosaic_sdk.values import Digest
from tests._support.images import image, index, push
from tests._support.servers import RegistryServer


class ImageRegistryContract:
    """The shared contract; not collected itself (no ``Test`` prefix)."""

    @pytest.fixture
    def image_registry(self) -> Iterator[ImageRegistry]:
        raise pytest.UsageError(f"{type(self).__name__} must define 'image_registry'")

    def test_is_an_image_registry(self, image_registry: ImageRegistry) -> None:
        assert isinstance(image_registry, ImageRegistry)

    @pytest.mark.parametrize(
        ("kind", "build", "media_type"),
        [
            ("oci", image, OCI_MANIFEST),
            ("docker", image, DOCKER_MANIFEST_V2),
            ("oci", index, OCI_INDEX),
            ("docker", index, DOCKER_MANIFEST_LIST),
        ],
    )
    def test_push_resolve_and_get_exact_bytes(
        self,
        image_registry: ImageRegistry,
        repo: str,
        rng: random.Random,
        kind: str,
        build: object,
        media_type: str,
    ) -> None:
        img = build(rng, kind=kind)  # type: ignore[operator]
        assert push(image_registry, repo, img, "v1.0.0") == img.digest
        assert image_registry.resolve(repo, "v1.0.0") == img.digest
        assert image_registry.resolve(repo, str(img.digest)) == img.digest
        for reference in ("v1.0.0", str(img.digest)):
            fetched = image_registry.get_manifest(repo, reference)
            assert fetched.content == img.manifest.content
            assert fetched.media_type == media_type
            assert fetched.digest == img.digest
        for child in img.children:
            assert image_registry.resolve(repo, str(child.digest)) == child.digest

    def test_put_accepts_exact_bytes(
        self, image_registry: ImageRegistry, repo: str, rng: random.Random
    ) -> None:
        img = image(rng)
        for data in img.blobs.values():
            image_registry.put_blob(repo, data)
        digest = image_registry.put_manifest(repo, "v1", img.manifest.content, OCI_MANIFEST)
        assert digest == img.digest
        assert image_registry.get_manifest(repo, "v1").content == img.manifest.content

    def test_a_tag_moves_and_is_listed_once(
        self, image_registry: ImageRegistry, repo: str, rng: random.Random
    ) -> None:
        first, second = image(rng), image(rng)
        push(image_registry, repo, first, "staging")
        push(image_registry, repo, second, "v1.0.1")
        image_registry.put_manifest(repo, "staging", second.manifest)
        assert image_registry.resolve(repo, "staging") == second.digest
        assert image_registry.resolve(repo, str(first.digest)) == first.digest
        assert image_registry.list_tags(repo) == ["staging", "v1.0.1"]

    def test_tags_are_sorted_and_untagged_pushes_are_not_tags(
        self, image_registry: ImageRegistry, repo: str, rng: random.Random
    ) -> None:
        img, untagged = image(rng), image(rng)
        push(image_registry, repo, img, "v1.0.0")
        push(image_registry, repo, untagged)  # by digest only
        assert image_registry.list_tags(repo) == ["v1.0.0"]
        assert image_registry.resolve(repo, str(untagged.digest)) == untagged.digest
        for tag in ("v1.0.0", "blue", "sha-" + "e" * 40, "testing", "v1.0.0-rc.1"):
            image_registry.put_manifest(repo, tag, img.manifest)
        assert image_registry.list_tags(repo) == sorted(
            ["v1.0.0", "blue", "sha-" + "e" * 40, "testing", "v1.0.0-rc.1"]
        )

    def test_delete_removes_every_tag_of_the_digest_only(
        self, image_registry: ImageRegistry, repo: str, rng: random.Random
    ) -> None:
        doomed, kept = image(rng), image(rng)
        push(image_registry, repo, doomed, "sha-" + "f" * 40)
        image_registry.put_manifest(repo, "testing", doomed.manifest)
        push(image_registry, repo, kept, "v1.0.0")

        image_registry.delete_manifest(repo, doomed.digest)

        assert image_registry.list_tags(repo) == ["v1.0.0"]
        with pytest.raises(NotFoundError):
            image_registry.resolve(repo, "testing")
        with pytest.raises(NotFoundError):
            image_registry.get_manifest(repo, str(doomed.digest))
        assert image_registry.get_manifest(repo, "v1.0.0").content == kept.manifest.content
        for digest, data in kept.blobs.items():
            assert image_registry.get_blob(repo, digest) == data

    def test_delete_of_an_unknown_digest_is_not_found(
        self, image_registry: ImageRegistry, repo: str, rng: random.Random
    ) -> None:
        push(image_registry, repo, image(rng), "v1")
        with pytest.raises(NotFoundError):
            image_registry.delete_manifest(repo, Digest.from_bytes(b"never pushed"))

    def test_missing_references_are_not_found_with_a_reason(
        self, image_registry: ImageRegistry, repo: str, rng: random.Random
    ) -> None:
        push(image_registry, repo, image(rng), "v1")
        with pytest.raises(NotFoundError, match="MANIFEST_UNKNOWN") as info:
            image_registry.resolve(repo, "v404")
        assert "v404" in str(info.value)
        with pytest.raises(NotFoundError, match="BLOB_UNKNOWN"):
            image_registry.get_blob(repo, Digest.from_bytes(b"absent"))

    def test_blobs_round_trip_per_repository(
        self, image_registry: ImageRegistry, repo: str
    ) -> None:
        data = b'{"architecture":"amd64"}'
        digest = image_registry.put_blob(repo, data)
        assert digest == Digest.from_bytes(data)
        assert image_registry.blob_exists(repo, digest)
        assert image_registry.get_blob(repo, digest) == data
        assert image_registry.put_blob(repo, data) == digest  # idempotent
        assert not image_registry.blob_exists(repo, Digest.from_bytes(b"other"))
        assert not image_registry.blob_exists(repo + "-elsewhere", digest)

    def test_a_manifest_needs_its_blobs_first(
        self, image_registry: ImageRegistry, repo: str, rng: random.Random
    ) -> None:
        img = image(rng)
        with pytest.raises(BadRequestError, match="MANIFEST_BLOB_UNKNOWN"):
            image_registry.put_manifest(repo, "v1", img.manifest)
        idx = index(rng)
        for child in idx.children:
            for data in child.blobs.values():
                image_registry.put_blob(repo, data)
        with pytest.raises(BadRequestError, match="MANIFEST_BLOB_UNKNOWN"):
            image_registry.put_manifest(repo, "multi", idx.manifest)

    def test_inputs_are_checked_before_anything_is_written(
        self, image_registry: ImageRegistry, repo: str, rng: random.Random
    ) -> None:
        img = image(rng)
        push(image_registry, repo, img, "v1")
        with pytest.raises(InvalidValueError, match="own digest"):
            image_registry.put_manifest(repo, str(Digest.from_bytes(b"x")), img.manifest)
        with pytest.raises(InvalidValueError, match="media type"):
            image_registry.put_manifest(repo, "v2", img.manifest, DOCKER_MANIFEST_V2)
        with pytest.raises(InvalidValueError, match="repository name"):
            image_registry.resolve("Bad/Name", "v1")
        with pytest.raises(InvalidValueError, match="tag"):
            image_registry.put_manifest(repo, "v1+build", img.manifest)
        # Not strings at all: typed errors naming the value, never a lookup of "None".
        with pytest.raises(InvalidValueError, match="None"):
            image_registry.resolve(repo, None)  # type: ignore[arg-type]
        with pytest.raises(InvalidValueError, match="5"):
            image_registry.get_manifest(repo, 5)  # type: ignore[arg-type]
        with pytest.raises(InvalidValueError, match="bytes"):
            image_registry.put_blob(repo, "text")  # type: ignore[arg-type]
        assert image_registry.list_tags(repo) == ["v1"]

    def test_pretty_printed_json_is_another_manifest(
        self, image_registry: ImageRegistry, repo: str, rng: random.Random
    ) -> None:
        img = image(rng)
        push(image_registry, repo, img, "v1")
        pretty = Manifest.from_bytes(json.dumps(img.manifest.json(), indent=1).encode())
        assert image_registry.put_manifest(repo, "pretty", pretty) == pretty.digest != img.digest
        assert image_registry.resolve(repo, "v1") == img.digest

    def test_copy_an_index_across_repositories_keeps_the_digest(
        self, image_registry: ImageRegistry, repo: str, rng: random.Random
    ) -> None:
        idx = index(rng)
        push(image_registry, repo, idx, "v2.0.0")
        target = repo + "-copy"
        assert image_registry.copy(repo, "v2.0.0", target, tag="v2.0.0") == idx.digest
        assert image_registry.get_manifest(target, "v2.0.0").content == idx.manifest.content
        for child in idx.children:
            assert image_registry.get_manifest(target, str(child.digest)).digest == child.digest
            for digest, data in child.blobs.items():
                assert image_registry.get_blob(target, digest) == data
        # Repeating it, or copying by digest only, changes nothing.
        assert image_registry.copy(repo, str(idx.digest), target) == idx.digest
        assert image_registry.list_tags(target) == ["v2.0.0"]

    def test_copy_within_a_repository_is_a_retag(
        self, image_registry: ImageRegistry, repo: str, rng: random.Random
    ) -> None:
        img = image(rng, kind="docker")
        push(image_registry, repo, img, "v1.2.0")
        assert image_registry.copy(repo, "v1.2.0", repo, tag="prod") == img.digest
        assert image_registry.list_tags(repo) == ["prod", "v1.2.0"]
        assert image_registry.get_manifest(repo, "prod").content == img.manifest.content

    def test_repositories_lists_pushed_repositories_sorted(
        self, image_registry: ImageRegistry, repo: str, rng: random.Random
    ) -> None:
        img = image(rng)
        push(image_registry, repo + "-b", img, "v1")
        push(image_registry, repo + "-a", img, "v1")
        names = image_registry.repositories()
        assert names == sorted(names)
        assert {repo + "-a", repo + "-b"} <= set(names)

    def test_close_is_idempotent(self, image_registry: ImageRegistry) -> None:
        image_registry.close()
        image_registry.close()


class TestOCILayout(ImageRegistryContract):
    @pytest.fixture
    def image_registry(self, tmp_path: Path) -> Iterator[ImageRegistry]:
        layout = OCILayout(tmp_path / "layouts", gc_grace=0)
        yield layout
        layout.close()


@pytest.mark.integration
class TestRegistryClient(ImageRegistryContract):
    @pytest.fixture
    def image_registry(self, registry_server: RegistryServer) -> Iterator[ImageRegistry]:
        client = RegistryClient(registry_server.url)
        yield client
        client.close()
