"""Hypothesis round-trips for every parser: ``parse(str(x)) == x`` and
``str(parse(s)) == s`` for canonical text ``s``; plus ordering invariants."""

from __future__ import annotations

import random

import semver
from hypothesis import given
from hypothesis import strategies as st

from mosaic_sdk.values import (
    COMMIT_TYPES,
    ENVIRONMENT_TAGS,
    SLOT_TAGS,
    CommitMessage,
    Digest,
    Environment,
    ImageReference,
    ImageTag,
    TagKind,
    VaultPath,
    VaultPaths,
)

# -- strategies ---------------------------------------------------------------------------

segments = st.from_regex(r"[a-z0-9_-]{1,16}", fullmatch=True)
environments = st.sampled_from(list(Environment))
vault_paths = st.builds(
    lambda env, s, c, n: VaultPaths(env).path(s, c, n), environments, segments, segments, segments
)

hex_digests = st.one_of(
    st.binary(max_size=64).map(Digest.from_bytes),
    st.binary(max_size=64).map(lambda data: Digest.from_bytes(data, "sha512")),
    st.from_regex(r"[0-9a-f]{64}", fullmatch=True).map(lambda h: Digest("sha256", h)),
)
other_digests = st.builds(
    Digest,
    st.from_regex(r"[a-z0-9]{1,8}(?:[+._-][a-z0-9]{1,8}){0,3}", fullmatch=True).filter(
        lambda alg: alg not in {"sha256", "sha512"}
    ),
    st.from_regex(r"[a-zA-Z0-9=_-]{1,80}", fullmatch=True),
)
digests = st.one_of(hex_digests, other_digests)

_domain_component = st.from_regex(r"[a-zA-Z0-9](?:[a-zA-Z0-9-]{0,10}[a-zA-Z0-9])?", fullmatch=True)
_port = st.integers(min_value=1, max_value=65535).map(str)
registries = st.one_of(
    st.just("localhost"),
    st.tuples(_domain_component, _port).map(":".join),
    st.lists(_domain_component, min_size=2, max_size=4).map(".".join),
    st.tuples(st.lists(_domain_component, min_size=2, max_size=3).map(".".join), _port).map(
        ":".join
    ),
    st.just("[::1]:5000"),
)
path_components = st.from_regex(
    r"[a-z0-9]{1,8}(?:(?:[._]|__|-{1,2})[a-z0-9]{1,8}){0,2}", fullmatch=True
)
oci_tags = st.from_regex(r"[A-Za-z0-9_][A-Za-z0-9_.-]{0,40}", fullmatch=True)


@st.composite
def reference_texts(draw: st.DrawFn) -> str:
    registry = draw(st.none() | registries)
    components = draw(st.lists(path_components, min_size=1, max_size=3))
    if registry is None and len(components) > 1 and "." in components[0]:
        # Unambiguous text only: "a.b/c" would read back with "a.b" as the registry.
        components[0] = components[0].replace(".", "_")
    text = "/".join(components) if registry is None else f"{registry}/{'/'.join(components)}"
    tag = draw(st.none() | oci_tags)
    if tag is not None:
        text += f":{tag}"
    digest = draw(st.none() | digests)
    if digest is not None:
        text += f"@{digest}"
    return text


_versions = st.builds(
    semver.Version,
    st.integers(0, 300),
    st.integers(0, 300),
    st.integers(0, 300),
)
image_tags = st.one_of(
    st.from_regex(r"[0-9a-f]{7,40}", fullmatch=True).map(ImageTag.sha),
    st.builds(ImageTag.rc, _versions, st.integers(1, 500)),
    _versions.map(ImageTag.release),
    st.sampled_from(ENVIRONMENT_TAGS).map(ImageTag.environment),
    st.sampled_from(SLOT_TAGS).map(ImageTag.slot),
)

_text_chars = st.characters(
    codec="utf-8", exclude_categories=("Cc", "Cs", "Zl", "Zp"), exclude_characters="\x85"
)
subjects = (
    st.text(_text_chars, min_size=1, max_size=72)
    .map(str.strip)
    .filter(lambda s: bool(s) and not s.endswith("."))
)
_body_lines = st.text(_text_chars, min_size=1, max_size=60).map(str.rstrip).filter(str.strip)
paragraphs = st.lists(_body_lines, min_size=1, max_size=3).map("\n".join)
trailers = st.builds(
    "{}: {}".format,
    st.sampled_from(["Signed-off-by", "Co-authored-by", "Reviewed-by", "Change-Id"]),
    st.from_regex(r"[A-Za-z0-9][A-Za-z0-9 <>@.]{0,30}[A-Za-z0-9>]", fullmatch=True),
)
commit_messages = st.builds(
    CommitMessage,
    st.sampled_from(COMMIT_TYPES),
    st.integers(1, 10**6),
    subjects,
    st.lists(paragraphs, max_size=3).map(tuple),
    st.lists(trailers, max_size=2).map(tuple),
)


# -- round-trips ----------------------------------------------------------------------------


@given(environments)
def test_environment_round_trips(env: Environment) -> None:
    assert Environment.parse(str(env)) is env
    assert str(Environment.parse(env.value)) == env.value
    assert Environment.from_mount(env.vault_mount) is env


@given(
    st.sampled_from(
        ["dev", "development", "develop", "staging", "stage", "stg", "prod", "production", "prd"]
    ),
    st.randoms(),
)
def test_environment_spellings_are_case_insensitive(spelling: str, rnd: random.Random) -> None:
    mixed = "".join(ch.upper() if rnd.random() < 0.5 else ch for ch in spelling)
    assert Environment.parse(mixed) is Environment.parse(spelling)


@given(vault_paths)
def test_vault_path_round_trips(path: VaultPath) -> None:
    assert VaultPath.parse(str(path)) == path
    assert str(VaultPath.parse(str(path))) == str(path)
    assert str(path) == f"{path.mount}/{path.relative}"


@given(digests)
def test_digest_round_trips(digest: Digest) -> None:
    assert Digest.parse(str(digest)) == digest
    assert str(Digest.parse(str(digest))) == str(digest)


@given(st.binary(max_size=256), st.sampled_from(["sha256", "sha512"]))
def test_digest_verifies_its_own_content_only(data: bytes, algorithm: str) -> None:
    digest = Digest.from_bytes(data, algorithm)
    assert digest.verify(data)
    assert not digest.verify(data + b"\0")


@given(reference_texts())
def test_image_reference_text_round_trips_exactly(text: str) -> None:
    ref = ImageReference.parse(text)
    assert str(ref) == text
    assert ImageReference.parse(str(ref)) == ref


@given(reference_texts(), digests)
def test_with_digest_pins_any_reference(text: str, digest: Digest) -> None:
    pinned = ImageReference.parse(text).with_digest(digest)
    assert pinned.require_pinned() is pinned
    assert ImageReference.parse(str(pinned)) == pinned


@given(image_tags)
def test_image_tag_round_trips(tag: ImageTag) -> None:
    assert ImageTag.parse(str(tag)) == tag
    assert str(ImageTag.parse(str(tag))) == str(tag)
    assert ImageTag.parse(str(tag)).kind is tag.kind


@given(commit_messages)
def test_commit_message_round_trips(message: CommitMessage) -> None:
    text = str(message)
    assert CommitMessage.parse(text) == message
    assert str(CommitMessage.parse(text)) == text
    # What git hands over: CRLF line endings or a trailing newline change nothing.
    assert CommitMessage.parse(text.replace("\n", "\r\n") + "\n") == message


# -- ordering -------------------------------------------------------------------------------


@given(_versions, st.lists(st.integers(1, 10_000), min_size=1, max_size=30, unique=True))
def test_rc_tags_sort_by_number_not_text(version: semver.Version, numbers: list[int]) -> None:
    tags = [ImageTag.rc(version, n) for n in numbers]
    assert [tag.rc_number for tag in sorted(tags)] == sorted(numbers)
    release = ImageTag.release(version)
    assert all(tag < release for tag in tags)
    assert max([*tags, release]) == release


@given(st.lists(image_tags, max_size=25), st.randoms())
def test_tag_order_is_total_and_deterministic(tags: list[ImageTag], rnd: random.Random) -> None:
    shuffled = list(tags)
    rnd.shuffle(shuffled)
    assert sorted(shuffled) == sorted(tags)
    for a, b in zip(tags, shuffled, strict=True):
        assert [a < b, a == b, a > b].count(True) == 1
        assert (a <= b) == (not a > b)
        assert (a >= b) == (not a < b)


@given(st.lists(image_tags, min_size=1, max_size=25))
def test_max_of_mixed_tags_is_newest_version(tags: list[ImageTag]) -> None:
    versioned = [t for t in tags if t.kind in {TagKind.RC, TagKind.RELEASE}]
    if versioned:
        newest = max(versioned, key=lambda t: t.version or semver.Version(0))
        assert max(tags) == newest


@given(_versions, st.lists(st.integers(1, 60), max_size=10), st.lists(_versions, max_size=5))
def test_next_rc_number_follows_highest(
    version: semver.Version, numbers: list[int], others: list[semver.Version]
) -> None:
    existing = [str(ImageTag.rc(version, n)) for n in numbers]
    existing += [str(ImageTag.rc(other, 99)) for other in others if other != version]
    existing += ["latest", "sha256-" + "0" * 64 + ".sig", "prod"]
    assert ImageTag.next_rc_number(version, existing) == max(numbers, default=0) + 1
    assert ImageTag.next_rc(str(version), existing).rc_number == max(numbers, default=0) + 1
