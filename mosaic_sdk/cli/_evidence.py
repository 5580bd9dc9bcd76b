"""``mosaic evidence show``: what is attached to an image digest in the registry."""

from __future__ import annotations

import argparse
import contextlib
from typing import Any

from mosaic_sdk.cli._common import (
    Console,
    UsageError,
    add_json_flag,
    add_registry_options,
    command_parser,
    open_registry_from_args,
)
from mosaic_sdk.cli._text import EXIT_OK

__all__ = ["attach_report", "image_repository", "register"]


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Add ``evidence show``."""
    evidence = command_parser(
        subparsers,
        "evidence",
        help="list the validation reports and promotion records attached to a digest",
        description=(
            "Evidence travels with the image: validation reports and promotion records are "
            "OCI artifacts whose subject is the image digest, found through the registry's "
            "referrers API or, where it has none (docker-registry 2.8), the sha256-<hex> "
            "referrers tag. 'show' lists them; 'mosaic validate --attach' and 'mosaic "
            "promote --attach' attach them."
        ),
        examples=(
            "  mosaic evidence show team/api@sha256:9f86d08... --registry https://registry:5000\n"
            "  mosaic evidence show registry:5000/team/api@sha256:9f86d08... --json"
        ),
    )
    actions = evidence.add_subparsers(dest="evidence_command", metavar="ACTION", required=True)
    show = command_parser(
        actions,
        "show",
        help="list what is attached to IMAGE@DIGEST: type, created, digest, summary",
        description=(
            "List the artifacts attached to the digest, oldest first: their type "
            "(validation report, promotion record, or another tool's artifact type), when "
            "they were attached, their digest and their one-line summary. The repository "
            "is the image's path (or --repository); the registry is --registry or "
            "$MOSAIC_REGISTRY."
        ),
        examples=(
            "  export MOSAIC_REGISTRY=https://registry:5000\n"
            "  mosaic evidence show team/api@sha256:9f86d08...\n"
            "  mosaic evidence show team/api@sha256:9f86d08... --json | jq '.items[].kind'"
        ),
        handler=_show,
    )
    show.add_argument("image", metavar="IMAGE@DIGEST", help="the image, pinned by digest")
    add_registry_options(show)
    add_json_flag(show)


def image_repository(text: str, args: argparse.Namespace) -> tuple[str, Any]:
    """The repository (``--repository``, else the image's path) and digest of ``text``.

    Raises:
        UsageError: the image is not pinned by digest.
    """
    from mosaic_sdk.registry import validate_repository
    from mosaic_sdk.values import ImageReference

    image = ImageReference.parse(text)
    if image.digest is None:
        raise UsageError(f"{text!r} is not pinned by digest; pass IMAGE@sha256:...")
    repository = getattr(args, "repository", None) or image.repository
    return validate_repository(repository), image.digest


def attach_report(args: argparse.Namespace, console: Console, report: Any) -> None:
    """``mosaic validate --attach``: attach ``report`` to its digest in the registry."""
    from mosaic_sdk.release import RegistryEvidence

    repository, digest = image_repository(report.image, args)
    with contextlib.closing(open_registry_from_args(args)) as registry:
        item = RegistryEvidence(registry, repository).attach_validation(report, digest=digest)
    console.note(f"attached {item.kind} {item.digest} to {repository}@{digest}")


def _show(args: argparse.Namespace, console: Console) -> int:
    from mosaic_sdk.release import RegistryEvidence

    repository, digest = image_repository(args.image, args)
    with contextlib.closing(open_registry_from_args(args)) as registry:
        shown = RegistryEvidence(registry, repository).show(digest)
    console.result(str(shown), shown.to_dict())
    return EXIT_OK
