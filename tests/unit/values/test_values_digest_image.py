"""Digest and ImageReference."""

from __future__ import annotations

import pytest

from mosaic_sdk.errors import ForbiddenTagError, InvalidValueError
from mosaic_sdk.values import DEFAULT_DOMAIN, Digest, ImageReference, ImageTag

HELLO = "sha256:2cf24dba5fb0a30e26e83b2ac5b9e29e1b161e5c1fa7425e73043362938b9824"


def test_digest_of_bytes_matches_sha256sum() -> None:
    digest = Digest.from_bytes(b"hello")
    assert str(digest) == HELLO
    assert (digest.algorithm, digest.hex, digest.encoded) == ("sha256", HELLO[7:], HELLO[7:])
    assert digest.short == "2cf24dba5fb0"
    assert digest.verify(b"hello")
    assert not digest.verify(b"hello\n")


def test_sha512_digests_are_checked_strictly() -> None:
    digest = Digest.from_bytes(b"x", "sha512")
    assert len(digest.hex) == 128
    assert Digest.parse(str(digest)) == digest


def test_unregistered_algorithms_follow_the_oci_grammar() -> None:
    digest = Digest.parse("multihash+base58:QmRZxt2b1FVZPNqd8hsiykDL3TdBDeTSPX9Kv46HmX4Gx8")
    assert digest.algorithm == "multihash+base58"
    with pytest.raises(InvalidValueError, match="cannot be verified locally"):
        digest.verify(b"x")


def test_digest_constructor_validates() -> None:
    with pytest.raises(InvalidValueError, match="expected 64"):
        Digest("sha256", "abc")


def test_digests_sort_by_algorithm_then_value() -> None:
    a, b = Digest("sha256", "0" * 64), Digest("sha256", "f" * 64)
    assert sorted([b, a]) == [a, b]


@pytest.mark.parametrize(
    ("text", "registry", "repository", "tag", "digest"),
    [
        ("nginx", None, "nginx", None, None),
        ("library/nginx:1.25", None, "library/nginx", "1.25", None),
        ("ghcr.io/team/app:v1.2.3", "ghcr.io", "team/app", "v1.2.3", None),
        ("localhost/app", "localhost", "app", None, None),
        ("localhost:5000/a/b/c:sha-abc1234", "localhost:5000", "a/b/c", "sha-abc1234", None),
        ("127.0.0.1:5000/app@" + HELLO, "127.0.0.1:5000", "app", None, HELLO),
        ("[::1]:5000/app:v1.0.0@" + HELLO, "[::1]:5000", "app", "v1.0.0", HELLO),
        (
            "Registry.Example.com/my_app__x/web-api",
            "Registry.Example.com",
            "my_app__x/web-api",
            None,
            None,
        ),
        ("localhost:5000", None, "localhost", "5000", None),
    ],
)
def test_image_reference_parts(
    text: str, registry: str | None, repository: str, tag: str | None, digest: str | None
) -> None:
    ref = ImageReference.parse(text)
    assert ref.registry == registry
    assert ref.repository == repository
    assert ref.tag == tag
    assert (str(ref.digest) if ref.digest else None) == digest
    assert str(ref) == text


def test_registry_is_not_defaulted_but_domain_is() -> None:
    ref = ImageReference.parse("team/app:v1.0.0")
    assert ref.registry is None
    assert ref.domain == DEFAULT_DOMAIN == "docker.io"
    assert ref.name == "team/app"
    assert ImageReference.parse("ghcr.io/team/app").domain == "ghcr.io"


def test_with_tag_and_with_digest_return_new_references() -> None:
    ref = ImageReference.parse("ghcr.io/team/app")
    tagged = ref.with_tag(ImageTag.release("1.4.0"))
    assert str(tagged) == "ghcr.io/team/app:v1.4.0"
    pinned = tagged.with_digest(HELLO)
    assert str(pinned) == f"ghcr.io/team/app:v1.4.0@{HELLO}"
    assert str(pinned.without_tag()) == f"ghcr.io/team/app@{HELLO}"
    assert pinned.without_digest() == tagged
    assert str(ref) == "ghcr.io/team/app"
    with pytest.raises(InvalidValueError, match="not starting with"):
        ref.with_tag("-bad")


@pytest.mark.parametrize(
    "text",
    [
        "ghcr.io/team/app:sha-0123abc",
        "ghcr.io/team/app:v1.2.3-rc.4",
        "ghcr.io/team/app:v1.2.3",
        f"ghcr.io/team/app@{HELLO}",
        f"ghcr.io/team/app:prod@{HELLO}",
        f"ghcr.io/team/app:latest@{HELLO}",
    ],
)
def test_pinned_references_pass(text: str) -> None:
    ref = ImageReference.parse(text)
    assert ref.require_pinned() is ref
    assert ref.is_pinned


@pytest.mark.parametrize(
    ("text", "error"),
    [
        ("ghcr.io/team/app:latest", ForbiddenTagError),
        ("ghcr.io/team/app:dev", ForbiddenTagError),
        ("ghcr.io/team/app:staging", InvalidValueError),
        ("ghcr.io/team/app:blue", InvalidValueError),
        ("ghcr.io/team/app:nightly", InvalidValueError),
        ("ghcr.io/team/app", InvalidValueError),
    ],
)
def test_unpinned_references_are_refused(text: str, error: type[InvalidValueError]) -> None:
    ref = ImageReference.parse(text)
    assert not ref.is_pinned
    with pytest.raises(error) as info:
        ref.require_pinned()
    assert type(info.value) is error
    assert info.value.value == text


def test_constructor_refuses_ambiguous_repository() -> None:
    with pytest.raises(InvalidValueError, match=r"pass registry='ghcr\.io'"):
        ImageReference(None, "ghcr.io/team/app")
    assert str(ImageReference("ghcr.io", "team/app")) == "ghcr.io/team/app"


def test_name_length_limit() -> None:
    ImageReference.parse("a" * 255)
    with pytest.raises(InvalidValueError, match="limit is 255"):
        ImageReference.parse("ghcr.io/" + "a" * 250)
