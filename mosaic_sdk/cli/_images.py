"""``mosaic tag``, ``mosaic promote`` and ``mosaic retention plan|apply|undo``."""

from __future__ import annotations

import argparse
import contextlib
import os
from typing import Any

from mosaic_sdk.cli._common import (
    Console,
    ProgressBar,
    UsageError,
    add_json_flag,
    add_registry_options,
    command_parser,
    open_registry_from_args,
    parse_age,
    parse_time,
    repository_from_args,
    wants_progress,
    write_output_file,
)
from mosaic_sdk.cli._lock import add_lock_options, lock_from_args, lock_refusals
from mosaic_sdk.cli._text import EXIT_FAILURE, EXIT_OK
from mosaic_sdk.cli._undo import add_journal_options, journal_from_args, register_undo
from mosaic_sdk.values import ImageTag

__all__ = ["register"]


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Add ``tag``, ``promote`` and ``retention``."""
    _register_tag(subparsers)
    _register_promote(subparsers)
    _register_retention(subparsers)


# -- tag ---------------------------------------------------------------------------------


def _register_tag(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    tag = command_parser(
        subparsers,
        "tag",
        help="classify image tags, compute the next release candidate, resolve tags to digests",
        description=(
            "Deployment tags: sha-<commit>, vX.Y.Z-rc.N and vX.Y.Z are immutable; testing, "
            "staging, prod, blue and green are pointers; latest and dev are refused."
        ),
        examples=(
            "  mosaic tag parse v1.4.0-rc.3 sha-1a2b3c4 prod\n"
            "  mosaic tag next-rc 1.4.0 --registry https://registry:5000 --repository team/api\n"
            "  mosaic tag next-rc 1.4.0 --existing v1.4.0-rc.1 --existing v1.4.0-rc.2\n"
            "  mosaic tag resolve v1.4.0-rc.3 prod --registry https://registry:5000 "
            "--repository team/api"
        ),
    )
    actions = tag.add_subparsers(dest="tag_command", metavar="ACTION", required=True)

    parse = command_parser(
        actions,
        "parse",
        help="classify tags (kind, immutability, version); exit 2 on an invalid one",
        description=(
            "Print the kind of each tag. An invalid or forbidden tag (latest, dev) exits "
            "with code 2 and says what to use instead."
        ),
        examples=(
            "  mosaic tag parse v1.4.0-rc.3 sha-1a2b3c4 prod\n  mosaic tag parse v1.4.0 --json"
        ),
        handler=_tag_parse,
    )
    parse.add_argument("tags", nargs="+", metavar="TAG", help="tags to classify")
    add_json_flag(parse)

    next_rc = command_parser(
        actions,
        "next-rc",
        help="the next vX.Y.Z-rc.N for a version, from a registry's tags or given tags",
        description=(
            "Compute the next release candidate of VERSION: one more than the highest "
            "existing vVERSION-rc.N (rc.1 when there is none). The existing tags come from "
            "the registry (--registry/--repository) or from --existing. Refuses a version "
            "that is already released."
        ),
        examples=(
            "  mosaic tag next-rc 1.4.0 --registry https://registry:5000 --repository team/api\n"
            "  mosaic tag next-rc 1.4.0 --registry ./oci --repository team/api --json\n"
            "  mosaic tag next-rc 1.4.0 --existing v1.4.0-rc.1 --existing v1.4.0-rc.2"
        ),
        handler=_tag_next_rc,
    )
    next_rc.add_argument("version", help="base version, e.g. 1.4.0 (a leading v is accepted)")
    next_rc.add_argument(
        "--existing",
        action="append",
        default=[],
        metavar="TAG",
        help="an existing tag (repeat); used instead of reading a registry",
    )
    add_registry_options(next_rc)
    add_json_flag(next_rc)

    resolve = command_parser(
        actions,
        "resolve",
        help="the digest each tag points to now, to deploy by digest",
        description=(
            "Read each tag's digest from the registry (one HEAD per tag). With one TAG and "
            "--pinned, print the repo@sha256:... reference to deploy. latest and dev are "
            "refused: they are never a deployment reference. Exit code 1 when a tag is "
            "missing."
        ),
        examples=(
            "  mosaic tag resolve v1.4.0-rc.3 prod --registry https://registry:5000 "
            "--repository team/api\n"
            "  IMAGE=$(mosaic tag resolve sha-1a2b3c4 --pinned)  # host/team/api@sha256:..."
        ),
        handler=_tag_resolve,
    )
    resolve.add_argument("tags", nargs="+", metavar="TAG", help="tags to resolve")
    resolve.add_argument(
        "--pinned",
        action="store_true",
        help="print HOST/REPOSITORY@DIGEST for a single TAG (an http(s) registry only)",
    )
    add_registry_options(resolve)
    add_json_flag(resolve)


def _tag_data(tag: ImageTag) -> dict[str, Any]:
    return {
        "tag": str(tag),
        "kind": tag.kind.value,
        "immutable": tag.is_immutable,
        "version": None if tag.version is None else str(tag.version),
        "base_version": None if tag.base_version is None else str(tag.base_version),
        "rc_number": tag.rc_number,
        "commit": tag.commit,
    }


def _tag_text(tag: ImageTag) -> str:
    what = "immutable" if tag.is_immutable else "pointer, moves on promotion"
    details = []
    if tag.commit is not None:
        details.append(f"commit {tag.commit}")
    if tag.rc_number is not None:
        details.append(f"release candidate {tag.rc_number} of {tag.base_version}")
    elif tag.version is not None:
        details.append(f"release {tag.version}")
    extra = f"; {', '.join(details)}" if details else ""
    return f"{tag}: {tag.kind.value} ({what}){extra}"


def _tag_parse(args: argparse.Namespace, console: Console) -> int:
    tags = [ImageTag.parse(text) for text in args.tags]
    console.result("\n".join(_tag_text(t) for t in tags), [_tag_data(t) for t in tags])
    return EXIT_OK


def _tag_next_rc(args: argparse.Namespace, console: Console) -> int:
    from_registry = args.registry is not None or args.repository is not None
    if args.existing and from_registry:
        raise UsageError(
            "give either --existing tags or --registry/--repository, not both; "
            "--existing is for when no registry is at hand"
        )
    existing: list[str] = list(args.existing)
    source = "given tags"
    if not args.existing:
        repository = repository_from_args(args)
        with contextlib.closing(open_registry_from_args(args)) as registry:
            existing = _list_tags_or_empty(registry, repository)
        source = f"{len(existing)} tags of {repository}"
    tag = ImageTag.next_rc(args.version.removeprefix("v"), existing)
    data = {"tag": str(tag), "rc_number": tag.rc_number, "base_version": str(tag.base_version)}
    console.result(str(tag), {**data, "from": source})
    return EXIT_OK


def _tag_resolve(args: argparse.Namespace, console: Console) -> int:
    from urllib.parse import urlsplit

    from mosaic_sdk.values import ImageReference

    tags = [ImageTag.parse(text) for text in args.tags]  # latest/dev refused before any request
    if args.pinned and len(tags) != 1:
        raise UsageError("--pinned prints one reference; give exactly one TAG")
    repository = repository_from_args(args)
    with contextlib.closing(open_registry_from_args(args)) as registry:
        url = getattr(registry, "url", None)
        if args.pinned and not isinstance(url, str):
            raise UsageError(
                "--pinned needs an http(s):// registry: an OCI layout has no host to pull from"
            )
        found = [_resolve_or_none(registry, repository, str(tag)) for tag in tags]
    missing = [str(t) for t, d in zip(tags, found, strict=True) if d is None]
    if missing:
        console.error(
            "NotFoundError",
            f"{repository} has no tag {', '.join(missing)}; check the name, or list the "
            "repository's tags with 'mosaic retention plan'",
            EXIT_FAILURE,
        )
        return EXIT_FAILURE
    digests = [d for d in found if d is not None]
    if args.pinned:
        host = urlsplit(str(url)).netloc.rpartition("@")[2]  # never print user:password@
        pinned = ImageReference.parse(f"{host}/{repository}@{digests[0]}")
        console.result(str(pinned), {"tag": str(tags[0]), "image": str(pinned)})
        return EXIT_OK
    data = [{"tag": str(t), "digest": str(d)} for t, d in zip(tags, digests, strict=True)]
    console.result("\n".join(f"{t} {d}" for t, d in zip(tags, digests, strict=True)), data)
    return EXIT_OK


def _resolve_or_none(registry: Any, repository: str, tag: str) -> Any:
    from mosaic_sdk.errors import NotFoundError

    try:
        return registry.resolve(repository, tag)
    except NotFoundError:
        return None


def _list_tags_or_empty(registry: Any, repository: str) -> list[str]:
    from mosaic_sdk.errors import NotFoundError

    try:
        tags: list[str] = registry.list_tags(repository)
    except NotFoundError:
        return []  # a repository with no image yet: the first candidate is rc.1
    return tags


# -- promote -----------------------------------------------------------------------------


def _register_promote(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    promote = command_parser(
        subparsers,
        "promote",
        help="move testing/staging/prod or a blue/green slot to an exact digest",
        description=(
            "Promote the exact tested digest: re-tag its manifest bytes under a pointer tag, "
            "in environment order (testing, staging, prod). SOURCE is a digest or an "
            "immutable tag (sha-..., vX.Y.Z-rc.N, vX.Y.Z); --from ENV promotes what ENV "
            "points to now. --switch SLOT moves prod to a blue/green slot; --idle-slot "
            "deploys SOURCE to the slot prod does not use. --dry-run checks and prints the "
            "plan without writing. --record FILE stores the PromotionRecord for a later "
            "rollback. --scan-report FILE gates prod (and the blue/green slots): a Trivy "
            "JSON, Grype JSON or SARIF report of the digest, whose findings at or above "
            "--min-severity (default high) refuse the promotion unless --waivers FILE "
            "waives them until a date."
        ),
        examples=(
            "  export MOSAIC_REGISTRY=https://registry:5000 MOSAIC_REPOSITORY=team/api\n"
            "  mosaic promote v1.4.0-rc.3 --to testing\n"
            "  mosaic promote --from testing --to staging --record staging.json\n"
            "  mosaic promote sha256:9f86d08... --to prod --dry-run\n"
            "  mosaic promote v1.4.0-rc.3 --idle-slot && mosaic promote --switch green\n"
            "  trivy image --format json -o trivy.json registry:5000/team/api@sha256:9f86d08...\n"
            "  mosaic promote --from staging --to prod --scan-report trivy.json "
            "--waivers waivers.yaml\n"
            "  mosaic promote --from staging --to prod --lock file:/var/lib/mosaic/deploy.locks"
        ),
        handler=_promote,
    )
    promote.add_argument("source", nargs="?", help="digest or immutable tag to promote")
    promote.add_argument("--to", metavar="POINTER", help="testing, staging, prod, blue or green")
    promote.add_argument(
        "--from",
        dest="from_environment",
        metavar="ENV",
        help="promote what this environment pointer points to now",
    )
    promote.add_argument(
        "--switch", metavar="SLOT", help="move prod to the digest of slot blue or green"
    )
    promote.add_argument(
        "--idle-slot",
        action="store_true",
        help="deploy SOURCE to the idle blue/green slot (the one prod does not use)",
    )
    promote.add_argument("--force", action="store_true", help="skip the environment order check")
    promote.add_argument(
        "--environments",
        metavar="ORDER",
        help=(
            "the repository's environment order, testing,staging,prod or testing,prod "
            "(no staging: saves the request that finds staging absent); default: read "
            "from the registry, or $MOSAIC_ENVIRONMENTS"
        ),
    )
    promote.add_argument(
        "--dry-run", action="store_true", help="check and print the plan; write nothing"
    )
    promote.add_argument(
        "--actor", help="who promotes, written in the record (default: $MOSAIC_ACTOR, $USER)"
    )
    promote.add_argument(
        "--record", metavar="FILE", help="write the PromotionRecord as JSON to FILE"
    )
    promote.add_argument(
        "--require-evidence",
        action="store_true",
        help="refuse to move prod to a digest without a passing validation report from "
        "testing attached in the registry ('mosaic validate --attach'), and with "
        "--scan-report without an attached scan report of it",
    )
    promote.add_argument(
        "--attach",
        action="store_true",
        help="attach the PromotionRecord (and each --scan-report of the digest) to the "
        "promoted digest in the registry",
    )
    promote.add_argument(
        "--scan-report",
        metavar="FILE",
        action="append",
        help=(
            "a vulnerability report of the digest (Trivy JSON, Grype JSON or SARIF); "
            "promoting to prod or a slot is refused while it has unwaived findings at or "
            "above --min-severity; repeat for several reports"
        ),
    )
    promote.add_argument(
        "--waivers",
        metavar="FILE",
        help="a waiver file (YAML, or TOML by its .toml suffix): id, package, reason, expires",
    )
    promote.add_argument(
        "--min-severity",
        metavar="LEVEL",
        choices=_SEVERITIES,
        help="the lowest severity that blocks: " + ", ".join(_SEVERITIES) + " (default: high)",
    )
    add_lock_options(
        promote,
        "Shared with other pipelines: holds REPOSITORY:POINTER from reading the pointer to\n"
        "writing it (--idle-slot: both slots; --dry-run takes no lock), as ACTOR@HOST:PID.",
    )
    add_registry_options(promote)
    add_json_flag(promote)


#: ``--min-severity`` choices (mosaic_sdk.release._scan.THRESHOLDS, not imported here so
#: ``mosaic --help`` stays cheap; tests/unit/cli/test_cli_images.py checks they agree).
_SEVERITIES = ("negligible", "low", "medium", "high", "critical")


def _check_scan_args(args: argparse.Namespace) -> None:
    if not args.scan_report:
        given = {"--waivers": args.waivers, "--min-severity": args.min_severity}
        extra = [flag for flag, value in given.items() if value is not None]
        if extra:
            raise UsageError(
                f"{' and '.join(extra)} configure the scan gate, which needs "
                "--scan-report FILE (a Trivy JSON, Grype JSON or SARIF report of the digest)"
            )
    elif args.switch is not None:
        raise UsageError(
            "--switch is not gated: it moves prod between slots, and the scan gate checked "
            "the digest when it was deployed to the slot; pass --scan-report with "
            "--idle-slot, or with --to prod"
        )


def _scan_gate(args: argparse.Namespace, console: Console) -> Any:
    """The ScanGate of --scan-report/--waivers/--min-severity, or None."""
    if not args.scan_report:
        return None
    from mosaic_sdk.release import ScanGate

    gate = ScanGate(
        reports=args.scan_report, min_severity=args.min_severity or "high", waivers=args.waivers
    )
    target = "blue" if args.idle_slot else args.to
    if target is not None and not gate.applies_to(str(target).lower()):
        console.note(f"scan gate: guards prod and its slots; {target} is not checked")
    return gate


def _check_promote_args(args: argparse.Namespace) -> None:
    _check_scan_args(args)
    if args.switch is not None:
        extra = [
            flag
            for flag, given in (
                ("SOURCE", args.source is not None),
                ("--to", args.to is not None),
                ("--from", args.from_environment is not None),
                ("--idle-slot", args.idle_slot),
                ("--dry-run", args.dry_run),
            )
            if given
        ]
        if extra:
            raise UsageError(
                f"--switch moves prod to a slot and takes no {', '.join(extra)}; "
                "e.g. 'mosaic promote --switch green'"
            )
        return
    if args.idle_slot:
        if args.source is None or args.to is not None or args.from_environment is not None:
            raise UsageError(
                "--idle-slot takes a SOURCE and no --to/--from; "
                "e.g. 'mosaic promote v1.4.0 --idle-slot'"
            )
        if args.dry_run:
            raise UsageError("--idle-slot cannot be combined with --dry-run")
        return
    if args.to is None:
        raise UsageError(
            "say where to promote with --to (testing, staging, prod, blue, green), "
            "or use --switch SLOT / --idle-slot"
        )
    if (args.source is None) == (args.from_environment is None):
        raise UsageError(
            "give exactly one of SOURCE and --from ENV; e.g. 'mosaic promote v1.4.0 --to "
            "staging' or 'mosaic promote --from testing --to staging'"
        )


def _environments(args: argparse.Namespace) -> tuple[str, ...] | None:
    from mosaic_sdk.release._promotion import ENVIRONMENT_ORDERS

    text = args.environments or os.environ.get("MOSAIC_ENVIRONMENTS")
    if not text:
        return None
    order = tuple(part.strip().lower() for part in text.split(","))
    if order not in ENVIRONMENT_ORDERS:
        choices = " or ".join(repr(",".join(o)) for o in ENVIRONMENT_ORDERS)
        raise UsageError(
            f"--environments {text!r} is not an environment order; use {choices} "
            "(the second for a repository without staging)"
        )
    return order


def _promote(args: argparse.Namespace, console: Console) -> int:
    from mosaic_sdk.errors import PromotionError

    try:
        return _run_promote(args, console)
    except PromotionError as exc:
        if "force=True" in str(exc):
            # The library speaks Python; say the same in command-line terms.
            console.note("hint: on the command line, --force skips the environment order check")
        raise


def _run_promote(args: argparse.Namespace, console: Console) -> int:
    from mosaic_sdk.release import Promotion, PromotionRecord

    _check_promote_args(args)
    repository = repository_from_args(args)
    gate = _scan_gate(args, console)  # the reports are read before the registry is
    lock = lock_from_args(args)
    with (
        lock_refusals(lock),
        contextlib.closing(open_registry_from_args(args)) as registry,
    ):
        promotion = Promotion(
            registry,
            repository,
            actor=args.actor,
            environments=_environments(args),
            require_evidence=args.require_evidence,
            scan_gate=gate,
            lock=lock,
        )
        record: PromotionRecord
        if args.switch is not None:
            record = promotion.switch(args.switch)
        elif args.idle_slot:
            record = promotion.deploy_to_idle_slot(args.source, force=args.force)
        else:
            # Held from the plan's reads to the PUT (the Promotion alone holds it for
            # the PUT), so the plan cannot go stale under another locked pipeline.
            held = (
                contextlib.nullcontext()
                if lock is None or args.dry_run  # a dry run writes nothing
                else lock.hold(lock.key(repository, str(ImageTag.parse(args.to))))
            )
            with held:
                applied = _plan_and_apply(args, console, promotion)
            if applied is None:
                return EXIT_OK
            record = applied
        if args.attach and record.changed:
            _attach_promotion(args, console, registry, repository, record)
    if args.record:
        written = write_output_file(args.record, record.to_json(indent=2) + "\n")
        console.note(f"record written to {written}")
    console.result(record.message, record.to_dict())
    return EXIT_OK


def _plan_and_apply(args: argparse.Namespace, console: Console, promotion: Any) -> Any | None:
    """``--to``: plan, then apply; ``None`` after printing a ``--dry-run``'s plan."""
    plan = promotion.plan_promotion(
        args.source,
        to=args.to,
        from_environment=args.from_environment,
        force=args.force,
    )
    if args.dry_run:
        data = {
            "dry_run": True,
            "repository": plan.repository,
            "tag": plan.tag,
            "source": plan.source,
            "digest": str(plan.digest),
            "digest_before": None if plan.digest_before is None else str(plan.digest_before),
            "noop": plan.noop,
            "forced": plan.forced,
            "checks": list(plan.checks),
        }
        console.result(f"dry run, nothing written:\n{plan}", data)
        return None
    return promotion.apply(plan)


def _attach_promotion(
    args: argparse.Namespace, console: Console, registry: Any, repository: str, record: Any
) -> None:
    """``--attach``: the record, and each ``--scan-report`` that names the digest."""
    from mosaic_sdk._files import read_bytes_capped
    from mosaic_sdk.release import RegistryEvidence, ScanReport

    evidence = RegistryEvidence(registry, repository)
    subject = record.digest_after
    items = [evidence.attach_promotion(record)]
    for path in args.scan_report or ():
        data = read_bytes_capped(path, max_bytes=64 * 1024 * 1024, what="scan report")
        if ScanReport.parse(data, source=str(path)).names(subject):
            items.append(evidence.attach_scan(data, digest=subject, source=str(path)))
        else:
            console.note(f"scan report {path} is not of {subject}: not attached")
    for item in items:
        console.note(f"attached {item.kind} {item.digest} to {repository}@{subject}")


# -- retention ---------------------------------------------------------------------------


def _register_retention(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    retention = command_parser(
        subparsers,
        "retention",
        help="plan, apply and undo registry cleanup that never removes a release",
        description=(
            "Retention keeps every vX.Y.Z, every digest a pointer or slot points to, "
            "protected (deployed) digests and what they depend on, recent release candidates "
            "and sha- tags; it deletes the rest by digest. 'plan' changes nothing."
        ),
        examples=(
            "  mosaic retention plan --registry ./oci --repository team/api\n"
            "  mosaic retention apply --registry https://registry:5000 --repository team/api \\\n"
            "      --sha-max-age 7d --keep-latest-rcs 2 --protect sha256:9f86d08...\n"
            "  mosaic retention undo retention-journal-20261202T101500Z --registry https://registry:5000\n"
            "  mosaic retention plan --all --config retention.toml \\\n"
            "      --protect-running compose:deploy/compose.yaml#web --records records/"
        ),
    )
    actions = retention.add_subparsers(dest="retention_command", metavar="ACTION", required=True)
    plan = command_parser(
        actions,
        "plan",
        help="print every tag with its verdict and reason; changes nothing",
        description="Read the repository and print the plan: each tag, keep or delete, and why.",
        examples=(
            "  mosaic retention plan --registry ./oci --repository team/api\n"
            "  mosaic retention plan --repository team/api --only delete --json > plan.json\n"
            "  mosaic retention plan --repository team/api --markdown >> $GITHUB_STEP_SUMMARY\n"
            "  mosaic retention plan --all --exclude 'legacy/**' --config retention.toml"
        ),
        handler=_retention_plan,
    )
    _retention_options(plan)
    plan.add_argument(
        "--only", choices=("keep", "delete"), help="show only the tags kept or deleted"
    )
    plan.add_argument(
        "--markdown",
        action="store_true",
        help="print the plan as a Markdown table (e.g. >> $GITHUB_STEP_SUMMARY)",
    )
    apply = command_parser(
        actions,
        "apply",
        help="plan, then delete; each digest is re-checked right before deletion",
        description=(
            "Make the plan, print its summary, then delete the planned digests. A digest "
            "whose tags moved since planning is skipped and reported. A progress bar is "
            "drawn on stderr when it is a terminal (or with --progress). Exit code 1 when "
            "a deletion failed."
        ),
        examples=(
            "  mosaic retention apply --registry https://registry:5000 --repository team/api\n"
            "  mosaic retention apply --repository team/api --protect sha256:9f86d08... --json\n"
            "  mosaic retention apply --all --config retention.toml --records records/ \\\n"
            "      --rollback-window 30d\n"
            "  MOSAIC_LOCK=redis://redis.internal:6379/0 mosaic retention apply --repository "
            "team/api"
        ),
        handler=_retention_apply,
    )
    _retention_options(apply)
    apply.add_argument(
        "--progress",
        action=argparse.BooleanOptionalAction,
        default=None,
        help="draw a progress bar on stderr (default: when stderr is a terminal)",
    )
    add_journal_options(apply)
    add_lock_options(
        apply,
        "Shared with other pipelines: while it deletes in a repository, holds its environment\n"
        "and slot keys (REPOSITORY:testing ... :green), the keys 'mosaic promote --lock' holds.",
    )
    register_undo(actions)


def _retention_options(parser: argparse.ArgumentParser) -> None:
    policy = parser.add_argument_group("policy")
    policy.add_argument(
        "--sha-max-age",
        metavar="AGE",
        help="delete sha- tags older than this (default 14d; 'never' keeps them)",
    )
    policy.add_argument(
        "--rc-max-age",
        metavar="AGE",
        help="delete older release candidates beyond the newest N (default 30d; 'never')",
    )
    policy.add_argument(
        "--keep-latest-rcs",
        type=int,
        metavar="N",
        help="always keep the newest N candidates of each version (default 3)",
    )
    policy.add_argument(
        "--keep-finals-per-major",
        type=int,
        metavar="N",
        help="keep only the newest N final releases of each major version (default: all)",
    )
    policy.add_argument(
        "--keep-pattern",
        action="append",
        metavar="PATTERN",
        help="keep tags matching this glob or 're:' regex, whatever else applies (repeat)",
    )
    policy.add_argument(
        "--delete-pattern",
        action="append",
        metavar="PATTERN",
        help="delete tags the SDK does not manage that match this glob or 're:' regex (repeat)",
    )
    policy.add_argument(
        "--protect",
        action="append",
        default=[],
        metavar="DIGEST",
        help="a deployed digest to keep with everything it depends on (repeat)",
    )
    policy.add_argument(
        "--now", metavar="TIME", help="reference time for ages, ISO 8601 (default: now)"
    )
    policy.add_argument(
        "--concurrency", type=int, default=8, metavar="N", help="parallel registry reads"
    )
    cache = policy.add_mutually_exclusive_group()
    cache.add_argument(
        "--cache-dir",
        metavar="DIR",
        help=(
            "keep image configs read by the plan here, verified by digest, so later plans "
            "skip those reads (default: $MOSAIC_CACHE_DIR, else $XDG_CACHE_HOME/mosaic/blobs, "
            "else ~/.cache/mosaic/blobs)"
        ),
    )
    cache.add_argument(
        "--no-cache", action="store_true", help="read every config from the registry"
    )
    from mosaic_sdk.cli._fleet import add_fleet_options

    add_fleet_options(parser)
    add_registry_options(parser)
    add_json_flag(parser)


def policy_from_args(args: argparse.Namespace) -> Any:
    """The :class:`~mosaic_sdk.release.RetentionPolicy` the policy options describe."""
    from mosaic_sdk.release import RetentionPolicy

    return RetentionPolicy(
        sha_max_age=parse_age(args.sha_max_age or "14d", "--sha-max-age"),
        rc_max_age=parse_age(args.rc_max_age or "30d", "--rc-max-age"),
        keep_latest_rcs=3 if args.keep_latest_rcs is None else args.keep_latest_rcs,
        keep_finals_per_major=args.keep_finals_per_major,
        keep_patterns=args.keep_pattern or (),
        delete_patterns=args.delete_pattern or (),
    )


def cache_from_args(args: argparse.Namespace) -> Any:
    """The config-blob cache of ``--cache-dir``/``--no-cache``."""
    from mosaic_sdk.registry import BlobCache, default_cache_directory

    if args.no_cache:
        return None
    return BlobCache(args.cache_dir or default_cache_directory())


def _make_plan(args: argparse.Namespace, registry: Any, repository: str) -> Any:
    cache = cache_from_args(args)
    policy = policy_from_args(args)
    return policy.plan(
        registry,
        repository,
        now=None if args.now is None else parse_time(args.now, "--now"),
        protected_digests=args.protect,
        concurrency=args.concurrency,
        cache=cache,
    )


def _make_plan_or_usage(args: argparse.Namespace, registry: Any, repository: str) -> Any:
    from mosaic_sdk.cli._text import EXIT_USAGE
    from mosaic_sdk.errors import NotFoundError

    try:
        return _make_plan(args, registry, repository)
    except NotFoundError as exc:
        # The repository name is the user's input: a typo is bad input (exit 2), not a
        # failing registry, and never an empty plan.
        exc.exit_code = EXIT_USAGE  # type: ignore[attr-defined]
        raise


def _retention_plan(args: argparse.Namespace, console: Console) -> int:
    if args.markdown and args.json:
        raise UsageError("choose one of --markdown and --json")
    from mosaic_sdk.cli._fleet import fleet_mode, fleet_plan

    if fleet_mode(args):
        return fleet_plan(args, console)
    repository = repository_from_args(args)
    with contextlib.closing(open_registry_from_args(args)) as registry:
        plan = _make_plan_or_usage(args, registry, repository)
    console.note(str(plan.reads))
    data = plan.to_dict()
    if args.only is not None:
        data["decisions"] = [d for d in data["decisions"] if d["verdict"] == args.only]
    text = (
        plan.to_markdown(verdict=args.only)
        if args.markdown
        else f"{plan.summary()}\n{plan.table(verdict=args.only)}"
    )
    console.result(text, data)
    return EXIT_OK


def _retention_apply(args: argparse.Namespace, console: Console) -> int:
    from mosaic_sdk.cli._fleet import fleet_apply, fleet_mode

    if fleet_mode(args):
        return fleet_apply(args, console)
    repository = repository_from_args(args)
    lock = lock_from_args(args)
    with lock_refusals(lock), contextlib.closing(open_registry_from_args(args)) as registry:
        plan = _make_plan_or_usage(args, registry, repository)
        console.note(f"plan: {plan.summary()}; {plan.reads}")
        progress = None
        if plan.deletions and wants_progress(args.progress, console.err):
            bar = ProgressBar(console.err, "deleting")

            def progress(done: int, total: int, outcome: Any) -> None:
                bar(done, total, f"{outcome.status} {outcome.digest.short}")

        journal = journal_from_args(args, console, plan)
        result = plan.apply(
            registry, progress=progress, concurrency=args.concurrency, journal=journal, lock=lock
        )
    data = {"ok": result.ok, "plan": plan.to_dict(), "result": result.to_dict()}
    data["journal"] = None if journal is None else str(journal.path)
    console.result(str(result), data)
    return EXIT_OK if result.ok else EXIT_FAILURE
