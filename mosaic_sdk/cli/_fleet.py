"""``mosaic retention plan|apply --all``: retention across a registry.

The ``retention`` command (``cli/_images.py``) hands over here when a fleet option is
given: ``--all``, ``--include``/``--exclude``, ``--config``, ``--protect-running`` or
``--records``. Without ``--all`` or patterns, ``--repository`` names the one repository
the fleet covers (so protections work for a single repository too).
"""

from __future__ import annotations

import argparse
import contextlib
from typing import Any

from mosaic_sdk.cli._common import (
    Console,
    ProgressBar,
    UsageError,
    open_registry_from_args,
    parse_time,
    wants_progress,
)
from mosaic_sdk.cli._text import EXIT_FAILURE, EXIT_OK

__all__ = ["add_fleet_options", "fleet_apply", "fleet_mode", "fleet_plan"]

#: What a LockHeldError's message says (DeploymentLock.acquire), in a fleet outcome.
_LOCKED = " is locked by "

_POLICY_OPTIONS = (
    ("sha_max_age", "--sha-max-age"),
    ("rc_max_age", "--rc-max-age"),
    ("keep_latest_rcs", "--keep-latest-rcs"),
    ("keep_finals_per_major", "--keep-finals-per-major"),
    ("keep_pattern", "--keep-pattern"),
    ("delete_pattern", "--delete-pattern"),
)


def add_fleet_options(parser: argparse.ArgumentParser) -> None:
    """``--all``, ``--include``, ``--exclude``, ``--config``, ``--protect-running``,
    ``--token-file``, ``--records`` and ``--rollback-window``."""
    fleet = parser.add_argument_group(
        "fleet",
        "Many repositories at once: every repository of the registry's catalog (--all),\n"
        "or those matching --include/--exclude globs ('team/*', 'team/**') or 're:' regexes.\n"
        "--config FILE (TOML or YAML) holds the policy defaults and per-repository\n"
        "overrides. Protected: what each --protect-running target runs, and the digests\n"
        "promotion records in --records DIR name within the --rollback-window.",
    )
    fleet.add_argument(
        "--all",
        action="store_true",
        help="every repository of the registry's catalog (minus --exclude)",
    )
    fleet.add_argument(
        "--include",
        action="append",
        default=[],
        metavar="PATTERN",
        help="only repositories matching this pattern (repeat; implies --all)",
    )
    fleet.add_argument(
        "--exclude",
        action="append",
        default=[],
        metavar="PATTERN",
        help="leave out repositories matching this pattern (repeat; implies --all)",
    )
    fleet.add_argument(
        "--config",
        metavar="FILE",
        help="policy defaults, overrides and repository patterns (retention.toml / .yaml)",
    )
    fleet.add_argument(
        "--protect-running",
        action="append",
        default=[],
        metavar="KIND:SPEC",
        help=(
            "keep what this deployment target runs, in every repository (repeat): "
            "compose:PATH#SERVICE, coolify:APP_UUID, portainer:STACK:ENDPOINT:SERVICE, "
            "vercel:PROJECT"
        ),
    )
    fleet.add_argument(
        "--token-file",
        metavar="FILE",
        help="the provider token for --protect-running targets (default: its env variable)",
    )
    fleet.add_argument(
        "--records",
        metavar="DIR",
        help="a folder of promotion records (mosaic promote --record FILE); their digests "
        "are kept within the rollback window",
    )
    fleet.add_argument(
        "--rollback-window",
        default="30d",
        metavar="AGE",
        help="how far back --records protect (default 30d)",
    )


def fleet_mode(args: argparse.Namespace) -> bool:
    """True when a fleet option was given."""
    return bool(
        args.all
        or args.include
        or args.exclude
        or args.config
        or args.protect_running
        or args.records
    )


def _config(args: argparse.Namespace) -> Any:
    from mosaic_sdk.cli._images import policy_from_args
    from mosaic_sdk.release import FleetConfig

    given = [option for name, option in _POLICY_OPTIONS if getattr(args, name) is not None]
    if args.config:
        if given:
            raise UsageError(
                f"{', '.join(given)} and --config both set the policy; put the settings "
                f"in the [defaults] table of {args.config}"
            )
        config = FleetConfig.load(args.config)
    else:
        config = FleetConfig(defaults=policy_from_args(args))
    return config.with_selection(args.include, args.exclude)


def _repositories(args: argparse.Namespace) -> list[str] | None:
    """``None`` for the catalog, or the one ``--repository``."""
    import os

    from mosaic_sdk.registry import validate_repository

    catalog = args.all or args.include or args.exclude or args.config
    if args.repository and catalog:
        raise UsageError(
            "--repository names one repository; --all, --include, --exclude and --config "
            "cover the catalog: choose one"
        )
    if catalog:
        return None
    name = args.repository or os.environ.get("MOSAIC_REPOSITORY")
    if not name:
        raise UsageError(
            "say which repositories: --all (the whole catalog), --include PATTERN, "
            "--config FILE, or --repository NAME"
        )
    return [validate_repository(name)]


def _rollback_window(text: str) -> Any:
    from datetime import timedelta

    from mosaic_sdk.cli._common import parse_age

    window = parse_age(text, "--rollback-window")
    return timedelta(days=36500) if window is None else window


def _plan(args: argparse.Namespace, registry: Any, stack: contextlib.ExitStack) -> Any:
    from mosaic_sdk.cli._images import cache_from_args
    from mosaic_sdk.cli._targets import open_target
    from mosaic_sdk.release import RetentionFleet

    config = _config(args)
    repositories = _repositories(args)
    targets = [open_target(spec, args.token_file, stack) for spec in args.protect_running]
    fleet = RetentionFleet(
        registry,
        config=config,
        targets=targets,
        records=args.records,
        rollback_window=_rollback_window(args.rollback_window),
        protected_digests=args.protect,
        concurrency=args.concurrency,
        cache=cache_from_args(args),
    )
    now = None if args.now is None else parse_time(args.now, "--now")
    return fleet, fleet.plan(now=now, repositories=repositories)


def fleet_plan(args: argparse.Namespace, console: Console) -> int:
    """``mosaic retention plan`` over many repositories."""
    with contextlib.ExitStack() as stack:
        registry = stack.enter_context(contextlib.closing(open_registry_from_args(args)))
        _, plan = _plan(args, registry, stack)
    data = plan.to_dict()
    if args.only is not None:
        for section in data["repositories"]:
            if section["plan"] is not None:
                decisions = section["plan"]["decisions"]
                section["plan"]["decisions"] = [d for d in decisions if d["verdict"] == args.only]
    text = plan.to_markdown(verdict=args.only) if args.markdown else plan.text(verdict=args.only)
    for section in plan.failed:
        console.note(f"mosaic: {section.repository}: planning failed: {section.error}")
    console.result(text, data)
    return EXIT_OK if plan.ok else EXIT_FAILURE


def fleet_apply(args: argparse.Namespace, console: Console) -> int:
    """``mosaic retention apply`` over many repositories: one plan, then each
    repository's deletions with a progress bar on a terminal."""
    from mosaic_sdk.cli._lock import lock_from_args, lock_refusals

    lock = lock_from_args(args)
    with contextlib.ExitStack() as stack:
        stack.enter_context(lock_refusals(lock))
        registry = stack.enter_context(contextlib.closing(open_registry_from_args(args)))
        fleet, plan = _plan(args, registry, stack)
        console.note(f"plan: {plan.summary()}")
        for section in plan.failed:
            console.note(f"mosaic: {section.repository}: planning failed: {section.error}")
        progress = None
        total = sum(len(p.deletions) for p in plan.plans)
        if total and wants_progress(args.progress, console.err):
            bar = ProgressBar(console.err, "deleting")

            def progress(done: int, total: int, repository: str, outcome: Any) -> None:
                bar(done, total, f"{repository} {outcome.status} {outcome.digest.short}")

        from mosaic_sdk.cli._undo import journal_from_args

        journal = journal_from_args(args, console, plan)
        result = fleet.apply(plan, progress=progress, journal=journal, lock=lock)
    for outcome in result.failed:
        console.note(f"mosaic: {outcome.repository}: {outcome.summary()}")
    if any(_LOCKED in (outcome.error or "") for outcome in result.failed):
        # The library speaks Python (wait=); say the same in command-line terms.
        console.note(
            "hint: a repository locked by another run deleted nothing; --lock-wait "
            "DURATION queues behind the holder"
        )
    data = {"ok": result.ok, "plan": plan.to_dict(), "result": result.to_dict()}
    data["journal"] = None if journal is None else str(journal.path)
    console.result(str(result), data)
    return EXIT_OK if result.ok else EXIT_FAILURE
