"""``mosaic retention undo JOURNAL`` and the ``--journal`` options of ``retention apply``."""

from __future__ import annotations

import argparse
import contextlib
import os
from typing import Any

from mosaic_sdk.cli._common import (
    Console,
    UsageError,
    add_json_flag,
    add_registry_options,
    command_parser,
    open_registry_from_args,
)
from mosaic_sdk.cli._text import EXIT_FAILURE, EXIT_OK

__all__ = ["add_journal_options", "journal_from_args", "register_undo"]


def add_journal_options(parser: argparse.ArgumentParser) -> None:
    """``--journal DIR`` / ``--no-journal`` of ``retention apply``."""
    group = parser.add_argument_group(
        "undo journal",
        "Before deleting, apply writes every manifest it deletes (exact bytes) and its\n"
        "tags to a journal folder, an OCI image layout; 'mosaic retention undo DIR' puts\n"
        "them back until the registry's garbage collection removes their blobs.",
    )
    choice = group.add_mutually_exclusive_group()
    choice.add_argument(
        "--journal",
        metavar="DIR",
        help=(
            "the journal folder (default: a new retention-journal-<UTC time> in "
            "$MOSAIC_JOURNAL_DIR, else in the current directory; printed)"
        ),
    )
    choice.add_argument(
        "--no-journal",
        action="store_true",
        help="write no journal (the deletions cannot be undone)",
    )


def journal_from_args(args: argparse.Namespace, console: Console, plan: Any) -> Any:
    """The :class:`~mosaic_sdk.release.RetentionJournal` apply writes, or ``None``;
    says on stderr where it goes and how to undo."""
    if args.no_journal or not plan.deletions:
        return None
    from mosaic_sdk.release import RetentionJournal

    if args.journal:
        journal = RetentionJournal(args.journal)
    else:
        journal = RetentionJournal.new(os.environ.get("MOSAIC_JOURNAL_DIR") or ".")
    console.note(f"journal: {journal.path}; undo with: mosaic retention undo {journal.path}")
    return journal


def register_undo(actions: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Add ``retention undo``."""
    undo = command_parser(
        actions,
        "undo",
        help="put back what an apply deleted, from its journal (before garbage collection)",
        description=(
            "Read the journal an apply wrote and put its manifests back by digest, with "
            "their tags, while the registry still has their blobs. Everything is checked "
            "first: a manifest whose blobs are gone (garbage-collected), or whose tag now "
            "points elsewhere, is reported as unrestorable, and then nothing is written "
            "unless --partial. Running it again is safe. Exit code 1 when anything did not "
            "come back."
        ),
        examples=(
            "  mosaic retention undo retention-journal-20261202T101500Z \\\n"
            "      --registry https://registry:5000\n"
            "  mosaic retention undo ./journal --registry ./oci --dry-run --json"
        ),
        handler=_retention_undo,
    )
    undo.add_argument("journal", metavar="JOURNAL", help="the journal folder apply printed")
    undo.add_argument(
        "--partial",
        action="store_true",
        help="restore what can come back even when some manifests cannot",
    )
    undo.add_argument("--dry-run", action="store_true", help="check only; write nothing")
    undo.add_argument(
        "--concurrency", type=int, default=8, metavar="N", help="parallel registry reads"
    )
    add_registry_options(undo, repository=False)
    add_json_flag(undo)


def _retention_undo(args: argparse.Namespace, console: Console) -> int:
    from mosaic_sdk.release import RetentionJournal

    if args.concurrency < 1:
        raise UsageError("--concurrency must be at least 1")
    journal = RetentionJournal(args.journal)
    with contextlib.closing(open_registry_from_args(args)) as registry:
        result = journal.restore(
            registry,
            partial=args.partial,
            dry_run=args.dry_run,
            concurrency=args.concurrency,
        )
    console.result(str(result), result.to_dict())
    return EXIT_OK if result.ok or (args.dry_run and not result.unrestorable) else EXIT_FAILURE
