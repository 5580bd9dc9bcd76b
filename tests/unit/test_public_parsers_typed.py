"""Public parsers raise only MosaicError, whatever they are given (issue #13 item 12).

The named inputs broke before the fix: int() on a 5,000-digit version (ValueError),
check_commit_message(None / bytes) (AttributeError, TypeError), a manifest nested
100,000 deep (RecursionError). The hypothesis part throws arbitrary text and bytes at
each parser.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from mosaic_sdk.errors import InvalidValueError, MosaicError
from mosaic_sdk.registry import Manifest
from mosaic_sdk.standards import check_commit_message
from mosaic_sdk.values import CommitMessage, Digest, Environment, ImageReference, ImageTag

OCI = "application/vnd.oci.image.manifest.v1+json"
DEEP = b"[" * 100_000 + b"]" * 100_000


@pytest.mark.parametrize(
    "call",
    [
        lambda: ImageTag.parse("v" + "1" * 5000 + ".0.0"),
        lambda: ImageTag.parse("v1.0.0-rc." + "9" * 5000),
        lambda: check_commit_message(None, "m"),  # type: ignore[arg-type]
        lambda: check_commit_message(b"fix(#1): X\n\nRefs #1\n", "m"),  # type: ignore[arg-type]
        lambda: Manifest.from_bytes(b"{}", OCI),
        lambda: Manifest.from_bytes(b"{}"),
        lambda: Manifest.from_bytes(DEEP, OCI),
        lambda: Manifest.from_bytes(DEEP),
        lambda: Manifest.from_bytes(b'{"schemaVersion": 2, "x": ' + b"1" * 5000 + b"}"),
    ],
    ids=["tag-5000", "rc-5000", "commit-none", "commit-bytes", "manifest-{}",
         "manifest-{}-detect", "manifest-deep", "manifest-deep-detect", "manifest-digits"],
)  # fmt: skip
def test_named_inputs_are_invalid_value(call: Callable[[], object]) -> None:
    with pytest.raises(InvalidValueError):
        call()


def test_commit_message_with_a_5000_digit_issue_is_invalid_value() -> None:
    with pytest.raises(InvalidValueError, match="5001 digits"):
        CommitMessage.parse("fix(#7" + "1" * 5000 + "): X\n\nRefs #7\n")


def test_promotion_record_from_deep_json_is_invalid_value() -> None:
    from mosaic_sdk.release._promotion import PromotionRecord

    with pytest.raises(InvalidValueError):
        PromotionRecord.from_json(DEEP)


def test_exported_lenient_parsers_treat_non_text_as_unreadable() -> None:
    from mosaic_sdk import ResourceStatus, parse_challenge, parse_coolify_version

    assert parse_challenge(b"Bearer realm=x") is None
    assert parse_coolify_version(4) is None
    assert parse_coolify_version("4" * 5000 + ".0.0") is None
    assert ResourceStatus.parse(["running"]).state == "unknown"


PARSERS: dict[str, Callable[[str], object]] = {
    "ImageTag.parse": ImageTag.parse,
    "ImageReference.parse": ImageReference.parse,
    "Digest.parse": Digest.parse,
    "Environment.parse": Environment.parse,
    "CommitMessage.parse": CommitMessage.parse,
    "check_commit_message": check_commit_message,
    "Manifest.from_bytes": lambda text: Manifest.from_bytes(text.encode("utf-8", "replace")),
}


@pytest.mark.parametrize("name", sorted(PARSERS))
@settings(max_examples=300, deadline=None)
@given(text=st.one_of(st.text(), st.from_regex(r"v[0-9]{1,6000}\.[0-9]\.[0-9]", fullmatch=True)))
def test_parsers_raise_only_mosaic_error(name: str, text: str) -> None:
    with contextlib.suppress(MosaicError):
        PARSERS[name](text)
