"""Scratchpads: one Markdown working note per issue, from a fixed template.

``new_scratchpad(repo, 7, "lint-rules")`` creates
``docs/scratchpads/7-lint-rules.md``; :func:`lint_scratchpad` checks that a
scratchpad keeps its name and every section (rules SP001, SP002).
"""

from __future__ import annotations

import contextlib
import datetime
import os
import re
from pathlib import Path, PurePath

from mosaic_sdk._files import atomic_write_text
from mosaic_sdk.errors import InvalidValueError
from mosaic_sdk.standards._model import Finding, LintReport
from mosaic_sdk.standards._rules import RULES

__all__ = ["SCRATCHPAD_DIR", "SCRATCHPAD_SECTIONS", "lint_scratchpad", "new_scratchpad"]

#: Where scratchpads live, relative to the repository root.
SCRATCHPAD_DIR = PurePath("docs", "scratchpads")

#: The sections every scratchpad has, in order, with the prompt the template shows.
SCRATCHPAD_SECTIONS: tuple[tuple[str, str], ...] = (
    ("Goal", "What done means for this issue, in one or two sentences."),
    ("Context", "Links, constraints and what is already known."),
    ("Plan", "Numbered steps; tick them off as they land."),
    ("Progress log", "Dated entries: what was done, what was found."),
    ("Evidence", "Commands run and their output, test results, measurements."),
    ("Next remediation step", "The single next action if something is failing or blocked."),
    ("Decisions", "Choices made, the alternatives considered, and why."),
)

_SHORT_NAME = re.compile(r"[a-z0-9]+(?:-[a-z0-9]+)*")
_SHORT_NAME_MAX = 60
_FILE_NAME = re.compile(r"([1-9][0-9]*)-([a-z0-9]+(?:-[a-z0-9]+)*)\.md")
_HEADING = re.compile(r"^##\s+(.+?)\s*#*\s*$")
_NOT_SCRATCHPADS = frozenset({"README.md", "index.md"})


def _slug(text: str) -> str:
    return "-".join(re.findall(r"[a-z0-9]+", text.lower()))[:_SHORT_NAME_MAX].strip("-")


def _check_issue(issue: object) -> int:
    if isinstance(issue, bool) or not isinstance(issue, int) or issue < 1:
        raise InvalidValueError(issue, "is not an issue number", "pass the issue's number, e.g. 7")
    return issue


def _check_short_name(short_name: object) -> str:
    if not isinstance(short_name, str):
        raise InvalidValueError(
            short_name, "is not a short name", "pass kebab-case text, e.g. 'lint-rules'"
        )
    if len(short_name) > _SHORT_NAME_MAX:
        raise InvalidValueError(
            short_name,
            f"is {len(short_name)} characters long, the limit is {_SHORT_NAME_MAX}",
            f"use a shorter kebab-case name, e.g. {_slug(short_name)[:30].strip('-')!r}",
        )
    if not _SHORT_NAME.fullmatch(short_name):
        suggestion = _slug(short_name)
        fix = f"use {suggestion!r}" if suggestion else "use kebab-case, e.g. 'lint-rules'"
        raise InvalidValueError(
            short_name, "is not kebab-case (lowercase letters and digits joined by '-')", fix
        )
    return short_name


def render_scratchpad(issue: int, short_name: str, *, title: str | None = None) -> str:
    """The template text of a new scratchpad (what :func:`new_scratchpad` writes).

    Raises:
        InvalidValueError: ``issue`` is not a positive integer or ``short_name`` is
            not kebab-case.
    """
    issue = _check_issue(issue)
    short_name = _check_short_name(short_name)
    heading = (
        title.strip() if title and title.strip() else short_name.replace("-", " ").capitalize()
    )
    today = datetime.datetime.now(tz=datetime.timezone.utc).date().isoformat()
    parts = [f"# #{issue}: {heading}\n", f"- Issue: #{issue}\n- Started: {today}\n"]
    parts.extend(f"## {name}\n\n<!-- {prompt} -->\n" for name, prompt in SCRATCHPAD_SECTIONS)
    return "\n".join(parts)


def new_scratchpad(
    repo_dir: str | os.PathLike[str],
    issue: int,
    short_name: str,
    *,
    title: str | None = None,
) -> Path:
    """Create ``docs/scratchpads/{issue}-{short_name}.md`` in ``repo_dir`` from the
    template and return its path.

    The template has the sections Goal, Context, Plan, Progress log, Evidence, Next
    remediation step and Decisions. An existing scratchpad is never overwritten: its
    path is returned unchanged, so calling this twice is safe. The file is written
    atomically, and two concurrent calls cannot clobber each other.

    Args:
        repo_dir: the repository root; ``docs/scratchpads`` is created if missing.
        issue: the issue number (a positive integer).
        short_name: kebab-case name, e.g. ``"lint-rules"``.
        title: the heading; defaults to the short name in words.

    Raises:
        InvalidValueError: ``issue`` is not a positive integer, ``short_name`` is not
            kebab-case (the message suggests one), or ``repo_dir`` is not a directory.

    Example:
        >>> path = new_scratchpad(repo, 7, "lint-rules")  # doctest: +SKIP
        >>> path.name  # doctest: +SKIP
        '7-lint-rules.md'
    """
    text = render_scratchpad(issue, short_name, title=title)
    root = Path(repo_dir)
    if not root.is_dir():
        raise InvalidValueError(
            os.fspath(repo_dir), "is not a directory", "pass the repository's root directory"
        )
    directory = root / SCRATCHPAD_DIR
    directory.mkdir(parents=True, exist_ok=True)
    path = directory / f"{issue}-{short_name}.md"
    if path.exists():
        return path
    # Created meanwhile by someone else: theirs wins.
    with contextlib.suppress(FileExistsError):
        atomic_write_text(path, text, overwrite=False)
    return path


def lint_scratchpad(text: str, path: str | os.PathLike[str]) -> LintReport:
    """Check a scratchpad's file name (SP001) and sections (SP002).

    ``README.md`` and ``index.md`` in the scratchpad directory are not scratchpads
    and are not checked.
    """
    file = os.fspath(path)
    name = PurePath(file).name
    if name in _NOT_SCRATCHPADS:
        return LintReport(files_checked=(file,))
    findings: list[Finding] = []
    if not _FILE_NAME.fullmatch(name):
        stem = name.removesuffix(".md")
        number = re.match(r"([1-9][0-9]*)[-_ ]?(.*)", stem)
        suggestion = (
            f"{number.group(1)}-{_slug(number.group(2)) or 'notes'}.md"
            if number
            else f"<issue>-{_slug(stem) or 'notes'}.md"
        )
        findings.append(
            RULES["SP001"].finding(
                file,
                1,
                f"scratchpad name {name!r} is not '{{issue}}-{{short-name}}.md'",
                f"rename it to {suggestion!r}",
            )
        )
    lines = text.split("\n")
    present = {
        match.group(1).strip().lower()
        for match in (_HEADING.match(line) for line in lines)
        if match is not None
    }
    for section, _prompt in SCRATCHPAD_SECTIONS:
        if section.lower() not in present:
            findings.append(
                RULES["SP002"].finding(
                    file,
                    len(lines) if lines[-1] else max(1, len(lines) - 1),
                    f"scratchpad has no '## {section}' section",
                    f"add '## {section}' (write 'n/a' if there is nothing to say yet)",
                )
            )
    return LintReport(findings=findings, files_checked=(file,))
