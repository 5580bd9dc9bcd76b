"""Commit message check (rule CM001), usable from a git ``commit-msg`` hook."""

from __future__ import annotations

import os
import re

from mosaic_sdk.errors import InvalidValueError
from mosaic_sdk.standards._model import LintReport
from mosaic_sdk.standards._rules import RULES
from mosaic_sdk.values import CommitMessage

__all__ = ["check_commit_message"]

# Messages git writes itself, or that `git rebase --autosquash` folds away.
_EXEMPT = re.compile(
    r"^(?:Merge |fixup! |squash! |amend! )"
    # git revert's default: Revert "<subject>", a blank line, "This reverts commit <sha>."
    r"|^Revert \"[^\n]*\"\n\n(?:[^\n]*\n)*?This reverts commit [0-9a-f]{7,64}\."
)
_REVERT = re.compile(r"^Revert\b", re.IGNORECASE)
_REVERT_FIX = (
    'keep git\'s default revert message (Revert "<subject>", a blank line, "This reverts '
    "commit <sha>.\") or write 'revert(#N): <subject>' with the footer 'Refs #N'"
)
_SCISSORS = re.compile(r"^# -+ >8 -+$")


def check_commit_message(
    text: str,
    path: str | os.PathLike[str] = "COMMIT_EDITMSG",
    *,
    strip_comments: bool = True,
) -> LintReport:
    """Check a commit message against the team format (rule CM001).

    The format is ``type(#N): Subject``, a blank line, optional body paragraphs, a
    blank line and ``Refs #N`` (see :class:`~mosaic_sdk.values.CommitMessage`).
    Messages git writes itself are not checked: merges (``Merge ...``), ``git revert``'s
    default ``Revert "..."`` / ``This reverts commit <sha>.``, and ``fixup!``/``squash!``/
    ``amend!`` subjects. Trailers such as ``Signed-off-by:`` may follow ``Refs #N`` in the
    same paragraph or in one of their own (as ``git commit -s`` writes them).

    Args:
        text: the message, e.g. the content of the file git passes to ``commit-msg``.
        path: the file name reported in findings.
        strip_comments: drop ``#`` comment lines and everything below git's scissors
            line, as ``git commit`` does before storing the message.

    Returns:
        A report with at most one CM001 finding: the first rule the message breaks.

    Raises:
        InvalidValueError: ``text`` is not a ``str`` (``None``, or undecoded bytes).

    Example:
        >>> check_commit_message("feat(#7): Add lint rules\\n\\nRefs #7\\n").ok
        True
        >>> check_commit_message("added stuff").rule_ids
        ('CM001',)
    """
    if not isinstance(text, str):
        raise InvalidValueError(
            text, "is not a commit message", "pass the message as text (decode bytes as UTF-8)"
        )
    file = os.fspath(path)
    kept: list[tuple[int, str]] = []
    for number, line in enumerate(text.replace("\r\n", "\n").split("\n"), start=1):
        if strip_comments and _SCISSORS.match(line):
            break
        if strip_comments and line.startswith("#"):
            continue
        kept.append((number, line))
    message = "\n".join(line for _, line in kept)
    if _EXEMPT.match(message.lstrip("\n")):
        return LintReport(files_checked=(file,))
    try:
        CommitMessage.parse(message)
    except InvalidValueError as exc:
        content = [(n, line) for n, line in kept if line.strip()]
        header = content[0] if content else (1, "")
        footer = content[-1] if content else (1, "")
        number, shown = header
        if "footer" in exc.reason or "Refs" in exc.reason:
            number, shown = footer
        elif "not followed by a blank line" in exc.reason and len(kept) > 1:
            number, shown = kept[1]
        fix = exc.fix or RULES["CM001"].fix
        if _REVERT.match(message.lstrip("\n")):
            number, shown = header
            fix = _REVERT_FIX
        finding = RULES["CM001"].finding(file, number, f"{shown.strip()!r}: {exc.reason}", fix)
        return LintReport(findings=(finding,), files_checked=(file,))
    return LintReport(files_checked=(file,))
