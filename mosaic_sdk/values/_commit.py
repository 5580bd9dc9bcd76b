"""Commit messages in the team's format.

```
type(#N): Subject

Optional body paragraphs, separated by blank lines.

Refs #N
```

``type`` is one of :data:`COMMIT_TYPES`; ``(#N)`` and ``Refs #N`` name the same issue.
The subject is one line of at most 72 characters without a trailing period. Other git
trailers (``Signed-off-by: ...``, ``Co-authored-by: ...``, ``Reviewed-by: ...``) may
share the footer paragraph, or follow it in a paragraph of their own as ``git commit -s``
writes them; they are written after ``Refs #N``.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence

import attrs

from mosaic_sdk._render import FieldsRepr
from mosaic_sdk.errors import InvalidValueError

__all__ = ["COMMIT_TYPES", "SUBJECT_MAX_LENGTH", "CommitMessage"]

#: Accepted commit types.
COMMIT_TYPES: tuple[str, ...] = (
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
)
#: Longest accepted subject, in characters.
SUBJECT_MAX_LENGTH = 72

_TYPE_ALIASES = {
    "feature": "feat",
    "features": "feat",
    "bugfix": "fix",
    "hotfix": "fix",
    "bug": "fix",
    "doc": "docs",
    "documentation": "docs",
    "tests": "test",
    "testing": "test",
    "refactoring": "refactor",
    "performance": "perf",
    "chores": "chore",
    "formatting": "style",
}
_TYPES_LIST = ", ".join(COMMIT_TYPES)

_HEADER = re.compile(
    r"(?P<type>[A-Za-z]+)(?:\((?P<scope>[^()]*)\))?(?P<bang>!)?(?P<colon>:)?(?P<space>\s*)(?P<subject>.*)"
)
_ISSUE_SCOPE = re.compile(r"#([1-9][0-9]*)")


def _issue_number(digits: str, text: str) -> int:
    # int() refuses past 4,300 digits with a bare ValueError; no tracker numbers that far.
    if len(digits) > 18:
        raise InvalidValueError(
            text, f"the issue number has {len(digits)} digits", "write the real issue number"
        )
    return int(digits)


_REFS = re.compile(r"Refs #([1-9][0-9]*)")
_TRAILER = re.compile(r"(?:[A-Za-z][A-Za-z0-9-]*|BREAKING CHANGE)(?:: \S.*| #\S+)")
_LOOSE_REFS = re.compile(
    r"^\s*(?:refs?|references|closes|fixes|resolves)\b\W*#?\s*([0-9]+)\s*$",
    re.IGNORECASE | re.MULTILINE,
)


def _check_type(value: object, type_: object) -> str:
    if isinstance(type_, str) and type_ in COMMIT_TYPES:
        return type_
    fix = f"use one of {_TYPES_LIST}"
    if isinstance(type_, str):
        lower = type_.lower()
        if lower in COMMIT_TYPES:
            fix = f"types are lowercase: {lower!r}"
        elif lower in _TYPE_ALIASES:
            fix = f"use {_TYPE_ALIASES[lower]!r}"
    raise InvalidValueError(value, f"commit type {type_!r} is not accepted", fix)


def _check_issue(value: object, issue: object) -> int:
    if isinstance(issue, bool) or not isinstance(issue, int) or issue < 1:
        raise InvalidValueError(
            value, f"issue number {issue!r} is not a positive integer", "use the issue's number"
        )
    return issue


def _check_subject(value: object, subject: object) -> str:
    if not isinstance(subject, str) or not subject.strip():
        raise InvalidValueError(
            value, "has an empty subject", "say what the commit does, e.g. 'Add retention plan'"
        )
    if "\n" in subject or "\r" in subject:
        raise InvalidValueError(
            value,
            "the subject spans several lines",
            "keep it on one line; move details to the body",
        )
    if subject != subject.strip():
        raise InvalidValueError(
            value, "the subject has surrounding whitespace", f"use {subject.strip()!r}"
        )
    if subject.endswith("."):
        raise InvalidValueError(
            value, "the subject ends with a period", f"use {subject.rstrip('.')!r}"
        )
    if len(subject) > SUBJECT_MAX_LENGTH:
        raise InvalidValueError(
            value,
            f"the subject is {len(subject)} characters long, the limit is {SUBJECT_MAX_LENGTH}",
            "shorten it and move the details to the body",
        )
    return subject


def _paragraphs(lines: Sequence[str]) -> list[str]:
    """Group lines into paragraphs separated by one or more blank lines."""
    paragraphs: list[str] = []
    current: list[str] = []
    for line in lines:
        if line.strip():
            current.append(line.rstrip())
        elif current:
            paragraphs.append("\n".join(current))
            current = []
    if current:
        paragraphs.append("\n".join(current))
    return paragraphs


def _check_line_ends(paragraph: str) -> None:
    """Git and :meth:`CommitMessage.parse` drop trailing whitespace; refuse it so that
    ``parse(str(message)) == message`` always holds."""
    for line in paragraph.split("\n"):
        if "\r" in line or line != line.rstrip():
            raise InvalidValueError(
                paragraph,
                f"line {line!r} ends with whitespace or contains a carriage return",
                "strip trailing whitespace (CommitMessage.create does it for you)",
            )


def _to_tuple(items: Iterable[str]) -> tuple[str, ...]:
    if isinstance(items, str):
        # A lone string would otherwise become a tuple of characters.
        return (items,)
    return tuple(items)


def _is_footer(paragraph: str) -> bool:
    return all(_TRAILER.fullmatch(line) for line in paragraph.split("\n"))


@attrs.frozen
class CommitMessage(FieldsRepr):
    """A commit message: ``type(#N): Subject``, optional body, footer ``Refs #N``.

    ``str(message)`` (or :meth:`format`) gives the canonical text and :meth:`parse`
    reads it back. Build new messages with :meth:`create`.

    Attributes:
        type: one of :data:`COMMIT_TYPES`.
        issue: the issue number ``N``, written in the subject line and the footer.
        subject: the one-line summary (at most 72 characters, no trailing period).
        body: the body paragraphs, in order (each without blank lines).
        trailers: other git trailers of the footer (``Signed-off-by: ...``).

    Examples:
        >>> msg = CommitMessage.create("feat", 2, "Add value types", body="Pure and frozen.")
        >>> print(msg)
        feat(#2): Add value types
        <BLANKLINE>
        Pure and frozen.
        <BLANKLINE>
        Refs #2
    """

    type: str
    issue: int
    subject: str
    body: tuple[str, ...] = attrs.field(default=(), converter=_to_tuple)
    trailers: tuple[str, ...] = attrs.field(default=(), converter=_to_tuple)

    def __attrs_post_init__(self) -> None:
        header = f"{self.type}(#{self.issue}): {self.subject}"
        _check_type(header, self.type)
        _check_issue(header, self.issue)
        _check_subject(header, self.subject)
        for paragraph in self.body:
            if not isinstance(paragraph, str) or not paragraph.strip():
                raise InvalidValueError(
                    paragraph, "is an empty body paragraph", "drop it from the body"
                )
            if any(not line.strip() for line in paragraph.split("\n")):
                raise InvalidValueError(
                    paragraph,
                    "a body paragraph contains a blank line",
                    "pass each paragraph as its own item",
                )
            _check_line_ends(paragraph)
        for trailer in self.trailers:
            if not isinstance(trailer, str) or not _TRAILER.fullmatch(trailer):
                raise InvalidValueError(
                    trailer,
                    "is not a git trailer",
                    "write trailers as 'Token: value', e.g. 'Signed-off-by: Ada <ada@example.com>'",
                )
            _check_line_ends(trailer)
            if _REFS.fullmatch(trailer):
                raise InvalidValueError(
                    trailer,
                    "duplicates the Refs footer",
                    "drop it; the footer is written from the issue number",
                )

    @classmethod
    def create(
        cls,
        type: str,
        issue: int,
        subject: str,
        body: str | Sequence[str] = (),
        trailers: Sequence[str] = (),
    ) -> CommitMessage:
        """Build a message; ``body`` is text or a sequence of texts, split into paragraphs
        at blank lines, with trailing whitespace removed from every line.

        Raises:
            InvalidValueError: unknown type, non-positive issue, or a subject that breaks
                the rules (empty, trailing period, longer than 72 characters).
        """
        if isinstance(body, str):
            body = [body]
        paragraphs = [
            paragraph
            for text in body
            for paragraph in _paragraphs(text.replace("\r\n", "\n").split("\n"))
        ]
        return cls(type, issue, subject, tuple(paragraphs), tuple(t.rstrip() for t in trailers))

    @classmethod
    def parse(cls, text: str) -> CommitMessage:
        """Read a commit message.

        Trailing whitespace and Windows line endings are tolerated; several blank lines
        between paragraphs count as one.

        Raises:
            InvalidValueError: the header is not ``type(#N): Subject``, the last
                paragraph lacks ``Refs #N``, or the two issue numbers disagree.
        """
        if not isinstance(text, str):
            raise InvalidValueError(text, "is not a commit message", "pass the message text")
        normalized = text.replace("\r\n", "\n").rstrip()
        if not normalized.strip():
            raise InvalidValueError(text, "is an empty commit message", "write 'type(#N): Subject'")
        header, *rest = normalized.split("\n")
        if rest and rest[0].strip():
            raise InvalidValueError(
                text,
                "the subject line is not followed by a blank line",
                "insert an empty line after the first line",
            )
        paragraphs = _paragraphs(rest)
        footer_lines: list[str] = []
        if paragraphs and _is_footer(paragraphs[-1]):
            footer_lines = paragraphs.pop().split("\n")
            # `git commit -s` and `git interpret-trailers` do not read "Refs #N" as a
            # trailer, so they put theirs in a paragraph of their own after it.
            if (
                not any(_REFS.fullmatch(line) for line in footer_lines)
                and paragraphs
                and _is_footer(paragraphs[-1])
                and any(_REFS.fullmatch(line) for line in paragraphs[-1].split("\n"))
            ):
                footer_lines = [*paragraphs.pop().split("\n"), *footer_lines]
        refs = [m for m in (_REFS.fullmatch(line) for line in footer_lines) if m]
        scope_issue = cls._header_issue(text, header, refs)
        type_, subject = cls._header_parts(header)
        if not refs:
            last = paragraphs[-1].split("\n") if paragraphs else []
            hint = f"add the footer 'Refs #{scope_issue}' as the last paragraph"
            if any(_REFS.fullmatch(line) for line in last):
                hint = "put a blank line before 'Refs #N' so that it forms the footer paragraph"
            elif _LOOSE_REFS.search(normalized):
                hint = (
                    f"write the footer exactly as 'Refs #{scope_issue}' on its own line "
                    "in the last paragraph"
                )
            raise InvalidValueError(text, "has no 'Refs #N' footer", hint)
        if len(refs) > 1:
            raise InvalidValueError(
                text,
                "has several 'Refs #N' lines",
                f"keep only 'Refs #{scope_issue}', matching the subject line",
            )
        footer_issue = _issue_number(refs[0].group(1), text)
        if footer_issue != scope_issue:
            raise InvalidValueError(
                text,
                f"the subject line names #{scope_issue} but the footer says Refs #{footer_issue}",
                "use the same issue number in both places",
            )
        trailers = tuple(line for line in footer_lines if not _REFS.fullmatch(line))
        return cls(type_, scope_issue, subject, tuple(paragraphs), trailers)

    @staticmethod
    def _header_issue(text: str, header: str, refs: Sequence[re.Match[str]]) -> int:
        match = _HEADER.fullmatch(header)
        example = f"#{refs[0].group(1)}" if refs else "#N"
        if match is None:
            raise InvalidValueError(
                header, "is not shaped 'type(#N): Subject'", f"e.g. 'fix({example}): Handle 429'"
            )
        type_, scope = match.group("type"), match.group("scope")
        if scope is None:
            raise InvalidValueError(
                header,
                "has no issue reference '(#N)' after the type",
                f"write '{type_.lower()}({example}): ...'",
            )
        scope_match = _ISSUE_SCOPE.fullmatch(scope.strip())
        if scope_match is None:
            guess = re.fullmatch(r"#?\s*0*([1-9][0-9]*)", scope.strip())
            fix = f"the parentheses hold the issue, e.g. '{type_.lower()}({example}): ...'"
            if guess is not None:
                fix = f"write '({'#' + guess.group(1)})'"
            raise InvalidValueError(header, f"the scope ({scope}) is not an issue reference", fix)
        return _issue_number(scope_match.group(1), header)

    @staticmethod
    def _header_parts(header: str) -> tuple[str, str]:
        match = _HEADER.fullmatch(header)
        assert match is not None  # checked by _header_issue
        type_ = _check_type(header, match.group("type"))
        if match.group("bang"):
            raise InvalidValueError(
                header,
                "uses '!' for a breaking change",
                "remove the '!' and explain the breaking change in the body",
            )
        if not match.group("colon"):
            raise InvalidValueError(header, "has no ':' after '(#N)'", "write 'type(#N): Subject'")
        subject = match.group("subject")
        if subject.strip() and match.group("space") != " ":
            raise InvalidValueError(
                header, "needs exactly one space after ':'", "write 'type(#N): Subject'"
            )
        return type_, _check_subject(header, subject)

    def format(self) -> str:
        """The canonical message text (no trailing newline)."""
        parts = [f"{self.type}(#{self.issue}): {self.subject}", *self.body]
        parts.append("\n".join([f"Refs #{self.issue}", *self.trailers]))
        return "\n\n".join(parts)

    def __str__(self) -> str:
        return self.format()
