"""ImageTag, TagKind and signature tags."""

from __future__ import annotations

import pytest
import semver

from mosaic_sdk.errors import ForbiddenTagError, InvalidValueError
from mosaic_sdk.values import (
    ENVIRONMENT_TAGS,
    FORBIDDEN_TAGS,
    SLOT_TAGS,
    Digest,
    ImageTag,
    TagKind,
    is_signature_tag,
    signature_subject,
)

HEX = "0123456789abcdef" * 4


def test_constants() -> None:
    assert ENVIRONMENT_TAGS == ("testing", "staging", "prod")
    assert SLOT_TAGS == ("blue", "green")
    assert FORBIDDEN_TAGS == ("latest", "dev")


@pytest.mark.parametrize(
    ("text", "kind", "immutable"),
    [
        ("sha-0123abc", TagKind.SHA, True),
        ("sha-" + "f" * 40, TagKind.SHA, True),
        ("v1.2.3-rc.4", TagKind.RC, True),
        ("v0.0.0-rc.1", TagKind.RC, True),
        ("v10.20.30", TagKind.RELEASE, True),
        ("testing", TagKind.ENVIRONMENT, False),
        ("staging", TagKind.ENVIRONMENT, False),
        ("prod", TagKind.ENVIRONMENT, False),
        ("blue", TagKind.SLOT, False),
        ("green", TagKind.SLOT, False),
    ],
)
def test_accepted_forms(text: str, kind: TagKind, immutable: bool) -> None:
    tag = ImageTag.parse(text)
    assert tag.kind is kind
    assert tag.is_immutable is immutable
    assert str(tag) == text


def test_named_constructors() -> None:
    assert str(ImageTag.sha("0123abc")) == "sha-0123abc"
    assert str(ImageTag.rc("1.2.3", 4)) == "v1.2.3-rc.4"
    assert str(ImageTag.rc("v1.2.3", 4)) == "v1.2.3-rc.4"
    assert str(ImageTag.rc(semver.Version(1, 2, 3), 4)) == "v1.2.3-rc.4"
    assert str(ImageTag.release("1.2.3")) == "v1.2.3"
    assert str(ImageTag.environment("staging")) == "staging"
    assert str(ImageTag.slot("green")) == "green"


@pytest.mark.parametrize("n", [0, -1, True, 1.5])
def test_rc_number_must_be_a_positive_integer(n: object) -> None:
    with pytest.raises(InvalidValueError, match="release-candidate number"):
        ImageTag.rc("1.2.3", n)  # type: ignore[arg-type]


def test_version_properties() -> None:
    rc = ImageTag.parse("v1.2.3-rc.10")
    assert rc.version == semver.Version(1, 2, 3, prerelease="rc.10")
    assert rc.base_version == semver.Version(1, 2, 3)
    assert rc.rc_number == 10
    assert rc.commit is None
    release = ImageTag.parse("v1.2.3")
    assert release.version == release.base_version == semver.Version(1, 2, 3)
    assert release.rc_number is None
    sha = ImageTag.parse("sha-0123abc")
    assert (sha.version, sha.base_version, sha.rc_number, sha.commit) == (
        None,
        None,
        None,
        "0123abc",
    )


@pytest.mark.parametrize("text", ["latest", "dev", "Latest", "DEV"])
def test_forbidden_tags_say_why_and_what_to_use(text: str) -> None:
    with pytest.raises(ForbiddenTagError) as info:
        ImageTag.parse(text)
    message = str(info.value)
    assert "cannot be reproduced or rolled back" in message
    assert "sha-<commit>" in message
    assert isinstance(info.value, InvalidValueError)


def test_semver_aware_ordering() -> None:
    assert ImageTag.parse("v1.2.3-rc.10") > ImageTag.parse("v1.2.3-rc.9")
    assert ImageTag.parse("v1.2.3") > ImageTag.parse("v1.2.3-rc.99")
    assert ImageTag.parse("v1.2.4-rc.1") > ImageTag.parse("v1.2.3")
    assert ImageTag.parse("v1.10.0") > ImageTag.parse("v1.9.0")


def test_order_across_kinds_is_documented_order() -> None:
    texts = [
        "v2.0.0",
        "green",
        "sha-bbbbbbb",
        "prod",
        "v1.0.0-rc.1",
        "blue",
        "testing",
        "sha-aaaaaaa",
        "staging",
    ]
    ordered = [str(tag) for tag in sorted(ImageTag.parse(t) for t in texts)]
    assert ordered == [
        "testing",
        "staging",
        "prod",
        "blue",
        "green",
        "sha-aaaaaaa",
        "sha-bbbbbbb",
        "v1.0.0-rc.1",
        "v2.0.0",
    ]


def test_comparison_with_other_types_is_not_supported() -> None:
    with pytest.raises(TypeError):
        _ = ImageTag.parse("v1.0.0") < "v2.0.0"
    assert ImageTag.parse("v1.0.0") != "v1.0.0"  # type: ignore[comparison-overlap]


def test_tags_are_hashable_values() -> None:
    assert {ImageTag.parse("prod"), ImageTag.environment("prod")} == {ImageTag.parse("prod")}
    assert ImageTag.rc("1.0.0", 1) == ImageTag.parse("v1.0.0-rc.1")


def test_next_rc() -> None:
    existing = ["v1.2.3-rc.1", "v1.2.3-rc.2", "v1.2.3-rc.10", "v1.2.2", "latest", "v1.3.0-rc.7"]
    assert ImageTag.next_rc_number("1.2.3", existing) == 11
    assert ImageTag.next_rc("1.2.3", existing) == ImageTag.parse("v1.2.3-rc.11")
    assert ImageTag.next_rc_number("2.0.0", existing) == 1
    assert ImageTag.next_rc_number("1.3.0", [ImageTag.parse("v1.3.0-rc.7")]) == 8


def test_next_rc_refuses_a_released_version() -> None:
    with pytest.raises(InvalidValueError) as info:
        ImageTag.next_rc_number("1.2.3", ["v1.2.3-rc.1", "v1.2.3"])
    assert info.value.value == "v1.2.3"
    assert "'v1.2.4-rc.1'" in str(info.value)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (f"sha256-{HEX}.sig", True),
        (f"sha256-{HEX}.att", True),
        (f"sha256-{HEX}.sbom", True),
        (f"sha256-{HEX}", True),
        (f"sha512-{HEX}{HEX}.sig", True),
        (f"sha256-{HEX}.txt", False),
        (f"sha256-{HEX[:-1]}.sig", False),
        (f"sha256-{HEX.upper()}.sig", False),
        ("v1.2.3", False),
        ("sha-0123abc", False),
    ],
)
def test_signature_tags(text: str, expected: bool) -> None:
    assert is_signature_tag(text) is expected
    subject = signature_subject(text)
    assert (subject is not None) is expected


def test_signature_subject_is_the_signed_digest() -> None:
    assert signature_subject(f"sha256-{HEX}.sig") == Digest("sha256", HEX)
    assert signature_subject(f"sha512-{HEX}{HEX}.att") == Digest("sha512", HEX + HEX)
