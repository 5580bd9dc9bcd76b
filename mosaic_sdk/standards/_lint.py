"""``lint_paths``: find the files every check applies to and run them."""

from __future__ import annotations

import contextlib
import os
import stat
from collections import defaultdict
from collections.abc import Iterable, Iterator
from pathlib import Path

from mosaic_sdk._files import read_bytes_capped
from mosaic_sdk.errors import InvalidValueError
from mosaic_sdk.standards._alerts import lint_alert_rules
from mosaic_sdk.standards._commit import check_commit_message
from mosaic_sdk.standards._compose import lint_compose
from mosaic_sdk.standards._dockerfile import lint_dockerfile
from mosaic_sdk.standards._kinds import FileKind, detect_kind
from mosaic_sdk.standards._kubernetes import lint_kubernetes
from mosaic_sdk.standards._model import Finding, LintReport
from mosaic_sdk.standards._pipeline import PipelineSummary, analyse_pipeline, missing_stage_findings
from mosaic_sdk.standards._scratchpad import lint_scratchpad

__all__ = ["SKIPPED_DIRECTORIES", "lint_commit_message_file", "lint_paths", "lint_text"]

#: Largest file linted, in bytes. The YAML checks parse about 100 kB a second, so a
#: bigger file (a generated bundle, a symlink to a log) is refused, not linted for minutes.
MAX_FILE_BYTES = 4 * 1024 * 1024

#: Directories never descended into when a directory is linted.
SKIPPED_DIRECTORIES = frozenset(
    {
        "node_modules",
        "vendor",
        "site-packages",
        "__pycache__",
        "venv",
    }
)
# Hidden directories are skipped, except the ones CI systems read.
_HIDDEN_KEPT = frozenset({".github", ".woodpecker", ".gitlab"})


def lint_text(text: str, kind: FileKind, path: str | os.PathLike[str]) -> LintReport:
    """Run the checks for ``kind`` on ``text``, reporting findings against ``path``.

    Pipelines are judged alone here (their lint/test/build/scan/deploy stages
    included); :func:`lint_paths` judges a directory of workflows together.

    Raises:
        InvalidValueError: ``text`` is not a ``str`` (decode bytes first).
    """
    if not isinstance(text, str):
        raise InvalidValueError(text, "is not text to lint", "pass the file content as a str")
    if kind is FileKind.DOCKERFILE:
        return lint_dockerfile(text, path)
    if kind is FileKind.COMPOSE:
        return lint_compose(text, path)
    if kind is FileKind.KUBERNETES:
        return lint_kubernetes(text, path)
    if kind is FileKind.SCRATCHPAD:
        return lint_scratchpad(text, path)
    if kind is FileKind.PROMETHEUS_RULES:
        return lint_alert_rules(text, path)
    from mosaic_sdk.standards._pipeline import lint_pipeline

    return lint_pipeline(text, path, kind=kind)


def lint_paths(
    paths: Iterable[str | os.PathLike[str]] | str | os.PathLike[str],
    *,
    root: str | os.PathLike[str] | None = None,
) -> LintReport:
    """Lint files and directories, choosing the checks for each file by its kind.

    Directories are walked recursively, taking regular files only (a FIFO, socket or
    device in the tree is skipped) and skipping ``.git``, ``node_modules``, virtual
    environments and other hidden or build directories, but not ``.github`` or
    ``.woodpecker``. Files are recognised as Dockerfiles, compose files, Kubernetes
    manifests, Prometheus rule files, GitHub Actions / GitLab CI / Woodpecker pipelines
    and scratchpads (see
    :func:`detect_kind`); other files are ignored, even when named explicitly.

    The workflows of one ``.github/workflows`` or ``.woodpecker`` directory are judged
    together for the lint/test/build/scan/deploy stages, since a repository often
    splits CI and deployment into several files.

    Args:
        paths: files and directories (a single path is accepted too).
        root: directory that reported file names are relative to; defaults to the
            current directory. Files outside it are reported by absolute path.

    Returns:
        One :class:`LintReport` over every recognised file.

    Raises:
        InvalidValueError: a path does not exist, or a file cannot be read: it is not a
            regular file (a FIFO, a device, a symlink to ``/dev/zero``), is larger than
            :data:`MAX_FILE_BYTES` or is unreadable. Bytes that are not UTF-8 are read as
            U+FFFD and linted.
    """
    if isinstance(paths, (str, os.PathLike)):
        paths = [paths]
    base = Path(root if root is not None else Path.cwd()).resolve()
    files: dict[Path, FileKind] = {}
    contents: dict[Path, str] = {}
    for given in paths:
        for file in _expand(Path(given)):
            resolved = file.resolve()
            if resolved in files:
                continue
            kind = detect_kind(file)
            if kind is None and file.suffix in (".yml", ".yaml"):
                text = _read(file)
                kind = detect_kind(file, text)
                contents[resolved] = text
            if kind is not None:
                files[resolved] = kind
    findings: list[Finding] = []
    checked: list[str] = []
    groups: dict[tuple[FileKind, Path], list[PipelineSummary]] = defaultdict(list)
    for file, kind in sorted(files.items()):
        shown = _display(file, base)
        text = contents[file] if file in contents else _read(file)
        checked.append(shown)
        if kind.is_pipeline:
            summary = analyse_pipeline(text, shown, kind=kind)
            findings.extend(summary.findings)
            group_key = file.parent if kind is not FileKind.GITLAB_CI else file
            if kind is FileKind.WOODPECKER and file.parent.name != ".woodpecker":
                group_key = file
            groups[(kind, group_key)].append(summary)
        else:
            findings.extend(lint_text(text, kind, shown).findings)
    for summaries in groups.values():
        findings.extend(missing_stage_findings(summaries))
    return LintReport(findings=findings, files_checked=checked)


def lint_commit_message_file(path: str | os.PathLike[str]) -> LintReport:
    """Check the commit message in ``path`` (what a git ``commit-msg`` hook receives).

    Raises:
        InvalidValueError: the file does not exist or cannot be read.
    """
    return check_commit_message(_read(Path(path)), path)


def _expand(path: Path) -> Iterator[Path]:
    if not path.is_dir():
        if not os.path.lexists(path):
            raise InvalidValueError(
                os.fspath(path), "does not exist", "pass an existing file or directory"
            )
        yield path  # a FIFO or device is refused when it is read
        return
    for directory, subdirectories, names in os.walk(path):
        subdirectories[:] = sorted(
            d
            for d in subdirectories
            if d not in SKIPPED_DIRECTORIES and (not d.startswith(".") or d in _HIDDEN_KEPT)
        )
        for name in sorted(names):
            candidate = Path(directory, name)
            # Only regular files (or symlinks to them) are linted from a walk: a FIFO
            # would block, a device never ends, a dangling symlink has nothing to read.
            with contextlib.suppress(OSError):
                if stat.S_ISREG(candidate.stat().st_mode):
                    yield candidate


def _read(path: Path) -> str:
    try:
        data = read_bytes_capped(path, max_bytes=MAX_FILE_BYTES, what="file to lint")
    except FileNotFoundError:
        raise InvalidValueError(
            os.fspath(path),
            "cannot be read: it does not exist",
            "check that the file exists and is readable",
        ) from None
    # A stray Latin-1 byte must not stop a lint: the checks read the rest.
    return data.decode("utf-8", errors="replace")


def _display(path: Path, base: Path) -> str:
    try:
        return path.relative_to(base).as_posix()
    except ValueError:
        return path.as_posix()
