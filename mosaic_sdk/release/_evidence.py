"""Evidence files a release leaves for humans: the task board, the scratchpad, the notes.

:class:`ReleaseEvidence` edits three Markdown files of a repository:

* ``docs/TASKS.md`` - a ``## Blocked deployments`` section with one line per blocked
  deployment (added, updated in place, or ticked off when a later release succeeds);
* ``docs/scratchpads/{issue}-{short-name}.md`` - created from the standard template
  (:func:`~mosaic_sdk.standards.new_scratchpad`) when missing; failure evidence (the
  validation report, the rollback actions) goes under ``## Evidence``, the next action
  under ``## Next remediation step`` and a dated line under ``## Progress log``;
* ``CHANGELOG.md`` - a ``### Deployments`` section under ``## [Unreleased]`` with one
  release note per deployment and release.

Every entry the SDK writes carries an HTML comment marker (``<!-- mosaic:... -->``,
invisible when rendered), so repeating an operation updates its own entry instead of
adding a second one, and nothing else in the files is touched: other sections, other
people's lines, spacing and code blocks stay byte for byte. Each write is atomic
(:func:`mosaic_sdk._files.atomic_write_text`): a crash mid-write leaves the previous
file intact. Each edit re-reads its file under an exclusive lock
(:func:`mosaic_sdk._files.directory_lock`) held until the new text is in place, so
two releases (or two CI jobs) writing evidence at once both keep their entries. The
files are read as UTF-8 regular files of bounded size: a directory, a FIFO or a
non-UTF-8 ``TASKS.md`` is an :class:`~mosaic_sdk.errors.InvalidValueError` naming it.
"""

from __future__ import annotations

import os
import re
from collections.abc import Callable, Sequence
from datetime import datetime, timezone
from pathlib import Path

import attrs

from mosaic_sdk._core._redact import redact_text
from mosaic_sdk._core._repr import safe_repr
from mosaic_sdk._files import atomic_write_text, directory_lock, read_text_capped
from mosaic_sdk._render import FieldsRepr, JSONResult
from mosaic_sdk.errors import InvalidValueError
from mosaic_sdk.release._validation import ValidationReport
from mosaic_sdk.standards._scratchpad import SCRATCHPAD_DIR, new_scratchpad

__all__ = ["EvidenceFiles", "ReleaseEvidence"]

TASKS_FILE = Path("docs", "TASKS.md")
CHANGELOG_FILE = Path("CHANGELOG.md")
BLOCKED_SECTION = "Blocked deployments"
DEPLOYMENTS_SECTION = "Deployments"
UNRELEASED = "[Unreleased]"

# Evidence files are hand-edited Markdown; a task board or changelog past this size is
# not one (a symlink to a log, a generated dump) and is refused rather than rewritten.
_MAX_BYTES = 32 * 1024 * 1024

_HEADING = re.compile(r"^(#{1,6})\s+(.*?)\s*#*\s*$")
_FENCE = re.compile(r"^\s*(```|~~~)")


def _utc_now() -> datetime:
    return datetime.now(timezone.utc)


def _stamp(when: datetime) -> str:
    return when.astimezone(timezone.utc).strftime("%Y-%m-%d %H:%M UTC")


def _one_line(value: str, what: str) -> str:
    if not isinstance(value, str) or not value.strip():
        raise InvalidValueError(value, f"{what} is empty", f"pass a short {what}")
    if "\n" in value or "-->" in value or "<!--" in value:
        raise InvalidValueError(
            value, f"{what} must be one line without HTML comments", "shorten it to one line"
        )
    # Evidence files are committed: no secret and no URL credential is ever written.
    return redact_text(value.strip())


def _sentence(value: str, what: str) -> str:
    text = _one_line(value, what)
    return text if text.endswith((".", "!", "?")) else text + "."


def _headings(lines: Sequence[str]) -> list[tuple[int, int, str]]:
    """``(index, level, title)`` of every heading outside fenced code blocks."""
    found: list[tuple[int, int, str]] = []
    fenced = False
    for index, line in enumerate(lines):
        if _FENCE.match(line):
            fenced = not fenced
            continue
        if fenced:
            continue
        match = _HEADING.match(line)
        if match:
            found.append((index, len(match.group(1)), match.group(2).strip()))
    return found


def _section(
    lines: Sequence[str], title: str, level: int, *, within: tuple[int, int] | None = None
) -> tuple[int, int] | None:
    """``(heading index, end index)`` of the first section ``title`` at ``level``; the
    end is the next heading of the same or a higher level (or the end of ``within``)."""
    start, stop = within if within is not None else (0, len(lines))
    heads = [h for h in _headings(lines) if start <= h[0] < stop]
    for position, (index, found_level, found_title) in enumerate(heads):
        if found_level == level and found_title.lower() == title.lower():
            end = next((i for i, lvl, _t in heads[position + 1 :] if lvl <= level), stop)
            return index, end
    return None


def _insert_block(lines: list[str], at: int, block: Sequence[str]) -> None:
    """Insert ``block`` at ``at``, separated by exactly one blank line from text above and
    keeping a blank line before a following heading."""
    before = at
    while before > 0 and not lines[before - 1].strip():
        before -= 1
    chunk = [*([""] if before > 0 else []), *block]
    following = lines[at:]
    if following and following[0].strip():
        chunk.append("")
    lines[before:at] = chunk


def _replace_marked(lines: list[str], marker: str, line: str) -> bool:
    """Replace the line carrying ``marker`` anywhere in the file (markers are unique, so
    an entry is found even where a stray code fence hides its section)."""
    for index, existing in enumerate(lines):
        if marker in existing:
            lines[index] = line
            return True
    return False


def _upsert_line(lines: list[str], bounds: tuple[int, int], marker: str, line: str) -> None:
    start, end = bounds
    for index in range(start + 1, end):
        if marker in lines[index]:
            lines[index] = line
            return
    _append_line(lines, bounds, line)


def _append_line(lines: list[str], bounds: tuple[int, int], line: str) -> None:
    """Append ``line`` after the last non-blank line of the section."""
    start, end = bounds
    last = end
    while last > start + 1 and not lines[last - 1].strip():
        last -= 1
    previous = lines[last - 1].strip()
    if last == start + 1 or (previous.startswith("<!--") and previous.endswith("-->")):
        # An empty section, or only the template's prompt comment: start a new list
        # after a blank line.
        _insert_block(lines, last, [line])
        return
    lines.insert(last, line)


def _upsert_block(
    lines: list[str], bounds: tuple[int, int], begin: str, end_marker: str, block: Sequence[str]
) -> None:
    start, end = bounds
    for index in range(start + 1, end):
        if lines[index].strip() == begin:
            stop = next((j for j in range(index, end) if lines[j].strip() == end_marker), index)
            lines[index : stop + 1] = [begin, *block, end_marker]
            return
    last = end
    while last > start + 1 and not lines[last - 1].strip():
        last -= 1
    _insert_block(lines, last, [begin, *block, end_marker])


def _read(path: Path) -> str | None:
    try:
        return read_text_capped(path, max_bytes=_MAX_BYTES, what=f"evidence file {path.name}")
    except FileNotFoundError:
        return None


def _write(path: Path, lines: Sequence[str], newline: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    return atomic_write_text(path, newline.join(lines).rstrip("\n\r") + newline)


def _split(text: str) -> tuple[list[str], str]:
    newline = "\r\n" if "\r\n" in text else "\n"
    return text.split(newline), newline


@attrs.frozen
class EvidenceFiles(FieldsRepr, JSONResult):
    """Which evidence files an operation wrote.

    Attributes:
        tasks: ``docs/TASKS.md``, when it was changed.
        scratchpad: the scratchpad, when it was changed.
        changelog: ``CHANGELOG.md``, when it was changed.
    """

    tasks: Path | None = None
    scratchpad: Path | None = None
    changelog: Path | None = None

    @property
    def ok(self) -> bool:
        """True when at least one file was written."""
        return bool(self.paths)

    def __str__(self) -> str:
        return ", ".join(map(str, self.paths)) or "no evidence files written"

    @property
    def paths(self) -> tuple[Path, ...]:
        """The files written, in the order task board, scratchpad, changelog."""
        return tuple(p for p in (self.tasks, self.scratchpad, self.changelog) if p is not None)


class ReleaseEvidence:
    """Write release evidence into a repository's ``docs/TASKS.md``, scratchpad and
    ``CHANGELOG.md``.

    Args:
        repo_dir: the repository root.
        issue: the issue the release belongs to (names the scratchpad).
        short_name: kebab-case name of the scratchpad, e.g. ``"release-web"``.
        title: the scratchpad's heading when it is created.
        clock: returns the current UTC time (tests inject one).

    Raises:
        InvalidValueError: ``repo_dir`` is not a directory, or a bad issue/short name.
    """

    def __init__(
        self,
        repo_dir: str | os.PathLike[str],
        *,
        issue: int,
        short_name: str,
        title: str | None = None,
        clock: Callable[[], datetime] = _utc_now,
    ) -> None:
        root = Path(repo_dir)
        if not root.is_dir():
            raise InvalidValueError(
                os.fspath(repo_dir), "is not a directory", "pass the repository's root directory"
            )
        from mosaic_sdk.standards._scratchpad import _check_issue, _check_short_name

        self.root = root
        self.issue = _check_issue(issue)
        self.short_name = _check_short_name(short_name)
        self.title = title
        self._clock = clock

    @safe_repr
    def __repr__(self) -> str:
        return (
            f"ReleaseEvidence({str(self.root)!r}, issue={self.issue}, "
            f"short_name={self.short_name!r})"
        )

    @property
    def tasks_path(self) -> Path:
        """``<repo>/docs/TASKS.md``."""
        return self.root / TASKS_FILE

    @property
    def scratchpad_path(self) -> Path:
        """``<repo>/docs/scratchpads/{issue}-{short-name}.md``."""
        return self.root / SCRATCHPAD_DIR / f"{self.issue}-{self.short_name}.md"

    @property
    def changelog_path(self) -> Path:
        """``<repo>/CHANGELOG.md``."""
        return self.root / CHANGELOG_FILE

    # -- docs/TASKS.md ---------------------------------------------------------------

    def mark_blocked(self, deployment: str, *, release: str, reason: str, next_step: str) -> Path:
        """Add or update the blocked line of ``deployment`` in ``docs/TASKS.md``.

        Args:
            deployment: what is blocked, e.g. ``"team/web prod"`` (one line).
            release: the release that failed, e.g. ``"v1.1.0-rc.1 (sha256:ab12...)"``.
            reason: why, in one line.
            next_step: the next remediation step, in one line.
        """
        deployment = _one_line(deployment, "deployment")
        marker = f"<!-- mosaic:deployment {deployment} -->"
        link = os.path.relpath(self.scratchpad_path, self.tasks_path.parent).replace(os.sep, "/")
        line = (
            f"- [ ] **BLOCKED** `{deployment}`: {_one_line(release, 'release')} since "
            f"{_stamp(self._clock())}: {_sentence(reason, 'reason')} Next: "
            f"{_sentence(next_step, 'next step')} Evidence: [{link}]({link}) {marker}"
        )
        return self._edit_tasks(marker, line, create=True) or self.tasks_path

    def mark_unblocked(self, deployment: str, *, release: str, note: str = "") -> Path | None:
        """Tick off the blocked line of ``deployment`` (when there is one): a later
        release succeeded. Returns the file, or ``None`` when nothing was blocked."""
        deployment = _one_line(deployment, "deployment")
        marker = f"<!-- mosaic:deployment {deployment} -->"
        extra = f" {_one_line(note, 'note')}" if note else ""
        line = (
            f"- [x] `{deployment}` unblocked by {_one_line(release, 'release')} on "
            f"{_stamp(self._clock())}.{extra} {marker}"
        )
        return self._edit_tasks(marker, line, create=False)

    def _edit_tasks(self, marker: str, line: str, *, create: bool) -> Path | None:
        if not create and not self.tasks_path.parent.is_dir():
            return None  # nothing to tick off; taking the lock would create docs/
        with directory_lock(self.tasks_path):
            return self._edit_tasks_locked(marker, line, create=create)

    def _edit_tasks_locked(self, marker: str, line: str, *, create: bool) -> Path | None:
        text = _read(self.tasks_path)
        if not create and (text is None or marker not in text):
            return None
        if text is None:
            if not create:
                return None
            text = "# Tasks\n"
        lines, newline = _split(text)
        if _replace_marked(lines, marker, line):
            return _write(self.tasks_path, lines, newline)
        bounds = _section(lines, BLOCKED_SECTION, 2)
        if bounds is None:
            while lines and not lines[-1].strip():
                lines.pop()
            lines += ["", f"## {BLOCKED_SECTION}", ""]
            bounds = (len(lines) - 2, len(lines))
        _upsert_line(lines, bounds, marker, line)
        return _write(self.tasks_path, lines, newline)

    # -- the scratchpad ----------------------------------------------------------------

    def _scratchpad_lines(self) -> tuple[list[str], str]:
        new_scratchpad(self.root, self.issue, self.short_name, title=self.title)
        text = _read(self.scratchpad_path) or ""
        return _split(text)

    def _scratchpad_section(self, lines: list[str], title: str) -> tuple[int, int]:
        bounds = _section(lines, title, 2)
        if bounds is None:  # a hand-edited scratchpad lost the section: add it back
            while lines and not lines[-1].strip():
                lines.pop()
            lines += ["", f"## {title}", ""]
            bounds = (len(lines) - 2, len(lines))
        return bounds

    def add_evidence(self, key: str, *, title: str, body: str) -> Path:
        """Add (or replace, for the same ``key``) a block under ``## Evidence``.

        Args:
            key: identifies the block, e.g. ``"prod/blue sha256:ab12..."``; repeating
                the same key replaces the block instead of adding another.
            title: the block's ``###`` heading.
            body: Markdown; headings in it should be level 4 or deeper.
        """
        key = _one_line(key, "evidence key")
        block = [f"### {_one_line(title, 'title')}", "", *redact_text(body.rstrip()).split("\n")]
        with directory_lock(self.scratchpad_path):
            lines, newline = self._scratchpad_lines()
            bounds = self._scratchpad_section(lines, "Evidence")
            _upsert_block(
                lines, bounds, f"<!-- mosaic:evidence {key} -->",
                f"<!-- /mosaic:evidence {key} -->", block,
            )  # fmt: skip
            return _write(self.scratchpad_path, lines, newline)

    def set_next_step(self, key: str, next_step: str) -> Path:
        """Set the next remediation step for ``key`` under ``## Next remediation step``."""
        key = _one_line(key, "key")
        marker = f"<!-- mosaic:next {key} -->"
        line = f"- `{key}`: {_sentence(next_step, 'next step')} {marker}"
        with directory_lock(self.scratchpad_path):
            lines, newline = self._scratchpad_lines()
            if not _replace_marked(lines, marker, line):
                bounds = self._scratchpad_section(lines, "Next remediation step")
                _upsert_line(lines, bounds, marker, line)
            return _write(self.scratchpad_path, lines, newline)

    def log_progress(self, text: str) -> Path:
        """Append a dated line under ``## Progress log``."""
        entry = f"- {_stamp(self._clock())}: {_one_line(text, 'progress note')}"
        with directory_lock(self.scratchpad_path):
            lines, newline = self._scratchpad_lines()
            bounds = self._scratchpad_section(lines, "Progress log")
            if entry not in lines[bounds[0] : bounds[1]]:
                _append_line(lines, bounds, entry)
            return _write(self.scratchpad_path, lines, newline)

    # -- CHANGELOG.md ------------------------------------------------------------------

    def add_release_note(self, key: str, text: str) -> Path:
        """Add (or update, for the same ``key``) a release note under ``## [Unreleased]``
        -> ``### Deployments`` in ``CHANGELOG.md``; both are created when missing."""
        key = _one_line(key, "release note key")
        marker = f"<!-- mosaic:release {key} -->"
        line = f"- {_one_line(text, 'release note')} {marker}"
        with directory_lock(self.changelog_path):
            return self._add_release_note_locked(marker, line)

    def _add_release_note_locked(self, marker: str, line: str) -> Path:
        existing = _read(self.changelog_path)
        text_in = existing if existing is not None else "# Changelog\n"
        lines, newline = _split(text_in)
        if _replace_marked(lines, marker, line):
            return _write(self.changelog_path, lines, newline)
        unreleased = _section(lines, UNRELEASED, 2)
        if unreleased is None:
            first_release = next((i for i, lvl, _t in _headings(lines) if lvl == 2), None)
            block = [f"## {UNRELEASED}"]
            if first_release is None:
                while lines and not lines[-1].strip():
                    lines.pop()
                lines += ["", *block]
            else:
                _insert_block(lines, first_release, block)
            unreleased = _section(lines, UNRELEASED, 2)
            assert unreleased is not None
        section = _section(lines, DEPLOYMENTS_SECTION, 3, within=unreleased)
        if section is None:
            at = unreleased[1]
            while at > unreleased[0] + 1 and not lines[at - 1].strip():
                at -= 1
            _insert_block(lines, at, [f"### {DEPLOYMENTS_SECTION}", "", line])
        else:
            _upsert_line(lines, section, marker, line)
        return _write(self.changelog_path, lines, newline)

    # -- the whole record of a failed or successful release ----------------------------

    def record_failure(
        self,
        *,
        deployment: str,
        release: str,
        reason: str,
        next_step: str,
        report: ValidationReport | None = None,
        actions: Sequence[str] = (),
        key: str | None = None,
    ) -> EvidenceFiles:
        """Record a failed release everywhere: blocked in TASKS.md, evidence and next
        step in the scratchpad, a release note in CHANGELOG.md.

        Args:
            deployment: what is blocked (``"team/web prod"``).
            release: what failed (``"v1.1.0-rc.1 (sha256:...)"``).
            reason: one line (e.g. the report's headline).
            next_step: the single next action.
            report: the validation report, written in full as evidence.
            actions: what was done about it (``"rolled back to sha256:..."``), in order.
            key: identifies this failure in the files; ``deployment release`` by default.
        """
        key = key or f"{deployment} {release}"
        tasks = self.mark_blocked(deployment, release=release, reason=reason, next_step=next_step)
        body: list[str] = [f"- Deployment: `{deployment}`", f"- Release: {release}",
                           f"- Reason: {reason}"]  # fmt: skip
        if actions:
            body += ["- Actions:", *(f"  {n}. {a}" for n, a in enumerate(actions, start=1))]
        body.append(f"- Next remediation step: {next_step}")
        if report is not None:
            body += ["", report.to_markdown(heading_level=4).rstrip()]
        when = _stamp(self._clock())
        self.add_evidence(key, title=f"{when}: {deployment} blocked", body="\n".join(body))
        self.log_progress(f"{release} failed on {deployment}: {reason}")
        scratchpad = self.set_next_step(deployment, next_step)
        action_text = f" {actions[-1][:1].upper()}{actions[-1][1:]}." if actions else ""
        changelog = self.add_release_note(
            key,
            f"{when}: {release} blocked on `{deployment}`: {_sentence(reason, 'reason')}"
            f"{action_text} Next: {_sentence(next_step, 'next step')}",
        )
        return EvidenceFiles(tasks=tasks, scratchpad=scratchpad, changelog=changelog)

    def record_success(
        self, *, deployment: str, release: str, summary: str, key: str | None = None
    ) -> EvidenceFiles:
        """Record a successful release: a release note, a progress line, and the
        deployment ticked off in TASKS.md when it was blocked."""
        key = key or f"{deployment} {release}"
        when = _stamp(self._clock())
        changelog = self.add_release_note(
            key, f"{when}: {release} released to `{deployment}`: {summary}"
        )
        tasks = self.mark_unblocked(deployment, release=release)
        scratchpad = None
        if self.scratchpad_path.exists():
            scratchpad = self.log_progress(f"{release} released to {deployment}: {summary}")
        return EvidenceFiles(tasks=tasks, scratchpad=scratchpad, changelog=changelog)
