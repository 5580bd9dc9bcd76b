"""``mosaic lint`` and ``mosaic commit-msg``."""

from __future__ import annotations

import argparse
import sys

from mosaic_sdk.cli._common import (
    Console,
    UsageError,
    add_json_flag,
    command_parser,
    write_output_file,
)
from mosaic_sdk.cli._text import EXIT_FAILURE, EXIT_OK

__all__ = ["register"]

_FAIL_ON = ("error", "warning", "info", "never")


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Add ``lint`` and ``commit-msg``."""
    lint = command_parser(
        subparsers,
        "lint",
        help="check Dockerfiles, compose, Kubernetes, alert rules, CI pipelines and scratchpads",
        description=(
            "Lint files and directories (default: the current directory). Each finding has "
            "a rule id, severity, file, line, message and fix. Output as text, JSON or SARIF "
            "2.1.0 (for GitHub code scanning). Exit code 1 when a finding is at or above "
            "--fail-on (default: error)."
        ),
        examples=(
            "  mosaic lint\n"
            "  mosaic lint Dockerfile deploy/ .github/workflows --fail-on warning\n"
            "  mosaic lint --format sarif --output mosaic.sarif   # upload with "
            "github/codeql-action/upload-sarif\n"
            "  mosaic lint --json --ignore DF006"
        ),
        handler=_lint,
    )
    lint.add_argument("paths", nargs="*", default=["."], metavar="PATH", help="files or dirs")
    lint.add_argument(
        "--format",
        choices=("text", "json", "sarif"),
        default=None,
        help="output format (default: text; --json is --format json)",
    )
    lint.add_argument(
        "--fail-on",
        choices=_FAIL_ON,
        default="error",
        help="lowest severity that makes the exit code 1 (default: error)",
    )
    lint.add_argument(
        "--ignore",
        action="append",
        default=[],
        metavar="RULE",
        help="drop findings of this rule id (repeat)",
    )
    lint.add_argument(
        "--root", metavar="DIR", help="report file names relative to DIR (default: cwd)"
    )
    lint.add_argument("--output", metavar="FILE", help="write the report to FILE (atomically)")
    add_json_flag(lint)

    commit = command_parser(
        subparsers,
        "commit-msg",
        help="check a commit message (type(#N): Subject ... Refs #N); a git commit-msg hook",
        description=(
            "Check the commit message in FILE (what git passes to a commit-msg hook; '-' "
            "reads stdin). Comment lines and everything below git's scissors line are "
            "ignored; merge and fixup!/squash! messages pass. Exit code 1 when the message "
            "breaks the format, which makes git abort the commit. Install as a hook with:\n"
            "  printf '#!/bin/sh\\nexec mosaic commit-msg \"$1\"\\n' > .git/hooks/commit-msg\n"
            "  chmod +x .git/hooks/commit-msg"
        ),
        examples=(
            "  mosaic commit-msg .git/COMMIT_EDITMSG\n"
            "  git log -1 --format=%B | mosaic commit-msg -"
        ),
        handler=_commit_msg,
    )
    commit.add_argument("file", metavar="FILE", help="file holding the message, or - for stdin")
    add_json_flag(commit)


def _lint(args: argparse.Namespace, console: Console) -> int:
    from mosaic_sdk.standards import Severity, lint_paths

    if args.json and args.format not in (None, "json"):
        raise UsageError(f"--json and --format {args.format} disagree; give one of them")
    fmt = "json" if args.json else (args.format or "text")
    report = lint_paths(args.paths, root=args.root)
    if args.ignore:
        report = report.without_rules(rule_id.strip().upper() for rule_id in args.ignore)
    if fmt == "sarif":
        text = report.to_sarif()
    elif fmt == "json":
        text = report.to_json()
    else:
        text = report.to_text()
    if args.output:
        written = write_output_file(args.output, text)
        console.note(f"{report.summary()}; report written to {written}")
    else:
        console.out.write(text)
    if args.fail_on == "never":
        return EXIT_OK
    failing = report.at_least(Severity.parse(args.fail_on))
    return EXIT_FAILURE if len(failing) else EXIT_OK


def _commit_msg(args: argparse.Namespace, console: Console) -> int:
    from mosaic_sdk.standards import check_commit_message, lint_commit_message_file

    if args.file == "-":
        report = check_commit_message(sys.stdin.read(), "<stdin>")
    else:
        report = lint_commit_message_file(args.file)
    if console.json:
        console.out.write(report.to_json())
    elif report.findings:
        # A hook's output is shown by git; stderr keeps it visible in GUIs too.
        console.err.write(report.to_text())
    else:
        console.out.write("commit message ok\n")
    return EXIT_OK if report.ok else EXIT_FAILURE
