"""CommitMessage."""

from __future__ import annotations

import pytest

from mosaic_sdk.errors import InvalidValueError
from mosaic_sdk.values import COMMIT_TYPES, SUBJECT_MAX_LENGTH, CommitMessage

FULL = """feat(#2): Add value types

Pure, frozen attrs classes that parse and print.
Nothing here performs I/O.

Second paragraph.

Refs #2
Signed-off-by: Ada Lovelace <ada@example.com>"""


def test_parse_full_message() -> None:
    message = CommitMessage.parse(FULL)
    assert message.type == "feat"
    assert message.issue == 2
    assert message.subject == "Add value types"
    assert message.body == (
        "Pure, frozen attrs classes that parse and print.\nNothing here performs I/O.",
        "Second paragraph.",
    )
    assert message.trailers == ("Signed-off-by: Ada Lovelace <ada@example.com>",)
    assert str(message) == FULL == message.format()


def test_minimal_message() -> None:
    message = CommitMessage.parse("fix(#17): Retry 503 responses\n\nRefs #17\n")
    assert message.body == ()
    assert str(message) == "fix(#17): Retry 503 responses\n\nRefs #17"


def test_refs_is_written_first_in_the_footer() -> None:
    text = "ci(#3): Run mypy\n\nSigned-off-by: A <a@example.com>\nRefs #3"
    assert str(CommitMessage.parse(text)) == (
        "ci(#3): Run mypy\n\nRefs #3\nSigned-off-by: A <a@example.com>"
    )


def test_create_splits_body_text_into_paragraphs() -> None:
    message = CommitMessage.create(
        "docs", 5, "Document values", body="\nFirst line  \nsecond line\n\n\nNext.\n"
    )
    assert message.body == ("First line\nsecond line", "Next.")
    assert str(message) == (
        "docs(#5): Document values\n\nFirst line\nsecond line\n\nNext.\n\nRefs #5"
    )


def test_subject_length_limit_is_inclusive() -> None:
    CommitMessage.create("chore", 1, "x" * SUBJECT_MAX_LENGTH)
    with pytest.raises(InvalidValueError, match="73 characters long"):
        CommitMessage.create("chore", 1, "x" * (SUBJECT_MAX_LENGTH + 1))


@pytest.mark.parametrize("type_", COMMIT_TYPES)
def test_every_type_is_accepted(type_: str) -> None:
    assert CommitMessage.parse(f"{type_}(#9): Do it\n\nRefs #9").type == type_


def test_types_are_the_documented_set() -> None:
    assert set(COMMIT_TYPES) == {
        "feat",
        "fix",
        "chore",
        "docs",
        "refactor",
        "test",
        "perf",
        "build",
        "ci",
        "style",
        "revert",
    }


def test_constructor_refuses_bad_parts() -> None:
    with pytest.raises(InvalidValueError, match="not a git trailer"):
        CommitMessage("fix", 1, "Do it", trailers=("no trailer here",))
    with pytest.raises(InvalidValueError, match="duplicates the Refs footer"):
        CommitMessage("fix", 1, "Do it", trailers=("Refs #1",))
    with pytest.raises(InvalidValueError, match="blank line"):
        CommitMessage("fix", 1, "Do it", body=("a\n\nb",))
    with pytest.raises(InvalidValueError, match="ends with whitespace"):
        CommitMessage("fix", 1, "Do it", body=("a \nb",))
    with pytest.raises(InvalidValueError, match="'fix'"):
        CommitMessage("FIX", 1, "Do it")


def test_mismatch_error_names_both_numbers() -> None:
    with pytest.raises(InvalidValueError) as info:
        CommitMessage.parse("fix(#12): Do it\n\nRefs #21")
    assert "#12" in info.value.reason
    assert "#21" in info.value.reason
