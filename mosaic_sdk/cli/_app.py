"""The ``mosaic`` parser and :func:`main`: dispatch, logging, exit codes."""

from __future__ import annotations

import argparse
import contextlib
import importlib
import os
import sys
from collections.abc import Sequence

from mosaic_sdk._version import __version__
from mosaic_sdk.cli._text import (
    COMMANDS,
    EXIT_CODES_HELP,
    EXIT_INTERNAL,
    EXIT_INTERRUPTED,
    EXIT_USAGE,
    _Formatter,
)

# typing is not imported at run time: `mosaic --version` starts without it (mypy
# reads any name TYPE_CHECKING as true).
TYPE_CHECKING = False

if TYPE_CHECKING:
    from collections.abc import Iterator
    from typing import Any

    from mosaic_sdk.cli._common import Handler
    from mosaic_sdk.errors import MosaicError

__all__ = ["build_parser", "main"]

_DESCRIPTION = """\
mosaic: a platform team's deployment rules on the command line.

Every command prints text for people, or one JSON document with --json. Credentials
come from the environment (VAULT_TOKEN, MOSAIC_REGISTRY_PASSWORD, COOLIFY_TOKEN,
PORTAINER_API_KEY, VERCEL_TOKEN) or from files (--token-file, --password-file), never
from the command line."""

_EXAMPLES = """\
examples:
  mosaic demo                                   # the whole release flow, locally
  mosaic tag parse v1.4.0-rc.3
  mosaic promote --from testing --to staging --registry ./oci --repository team/api
  mosaic lint --format sarif --output mosaic.sarif
  mosaic COMMAND --help                         # each command's options and examples"""


def _top_parser() -> tuple[argparse.ArgumentParser, argparse._SubParsersAction[Any]]:
    parser = argparse.ArgumentParser(
        prog="mosaic",
        description=_DESCRIPTION,
        epilog=f"{_EXAMPLES}\n\n{EXIT_CODES_HELP}",
        formatter_class=_Formatter,
    )
    parser.add_argument("--version", action="version", version=f"mosaic {__version__}")
    parser.add_argument(
        "-v",
        "--verbose",
        action="count",
        default=0,
        help="log what happens on stderr (-v info, -vv debug); secrets are masked",
    )
    parser.add_argument(
        "--log-format",
        choices=("text", "json"),
        default="text",
        help="log line format on stderr (json: one object per line)",
    )
    parser.add_argument(
        "--correlation-id",
        metavar="ID",
        help="id carried by every log line and HTTP request (default: "
        "$MOSAIC_CORRELATION_ID, else a fresh one)",
    )
    subparsers = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)
    return parser, subparsers


def _register(subparsers: argparse._SubParsersAction[Any], module: str) -> None:
    importlib.import_module(f"mosaic_sdk.cli.{module}").register(subparsers)


def build_parser() -> argparse.ArgumentParser:
    """The whole ``mosaic`` argument parser (exposed for documentation and tests).

    It imports every command's module; :func:`main` builds only the part the command
    line asks for.
    """
    parser, subparsers = _top_parser()
    for module in dict.fromkeys(module for module, _ in COMMANDS.values()):
        _register(subparsers, module)
    return parser


#: Options of the top-level parser that take a value (``--log-format json``).
_VALUED = ("--log-format", "--correlation-id")


def _command_of(argv: Sequence[str]) -> str | None:
    """The command ``argv`` names, found the way argparse would, or None."""
    index = 0
    while index < len(argv):
        word = argv[index]
        if word == "--":
            return argv[index + 1] if index + 1 < len(argv) else None
        if word in _VALUED:
            index += 2
            continue
        if not word.startswith("-") or word == "-":
            return word
        index += 1
    return None


def _parser_for_argv(argv: Sequence[str]) -> argparse.ArgumentParser:
    """The parser for ``argv``: the top level with the named command's module only, or
    (``--help``, ``--version``, no or an unknown command) one line per command."""
    parser, subparsers = _top_parser()
    command = _command_of(argv)
    if command in COMMANDS:
        _register(subparsers, COMMANDS[command][0])
        return parser
    for name, (_, summary) in COMMANDS.items():
        subparsers.add_parser(name, help=summary, add_help=False)
    return parser


@contextlib.contextmanager
def _logging(verbosity: int, fmt: str, stream: object) -> Iterator[None]:
    """Route the SDK's log records to stderr, redacted, for the duration of a command."""
    import logging

    from mosaic_sdk.observability import configure_logging

    logger = logging.getLogger("mosaic_sdk")
    level_before = logger.level
    level = "WARNING" if verbosity == 0 else ("INFO" if verbosity == 1 else "DEBUG")
    handler = configure_logging(
        json=fmt == "json",
        level=level,
        logger=logger,
        stream=stream,  # type: ignore[arg-type]
    )
    try:
        yield
    finally:
        logger.removeHandler(handler)
        handler.close()
        logger.setLevel(level_before)


def _missing_credentials(exc: MosaicError, args: argparse.Namespace) -> MosaicError:
    """A registry that wants credentials nobody gave: bad input (exit 2) with the fix."""
    from mosaic_sdk.errors import AuthenticationError, ConfigurationError

    cause: BaseException | None = exc
    while cause is not None and not isinstance(cause, AuthenticationError):
        cause = cause.__cause__  # a workflow error wraps the registry's 401
    if cause is not None and getattr(args, "anonymous_registry", False):
        return ConfigurationError(
            f"the registry needs credentials and none were given ({cause}); set "
            "$MOSAIC_REGISTRY_USERNAME and $MOSAIC_REGISTRY_PASSWORD, or pass --username "
            "and --password-file FILE"
        )
    return exc


def main(argv: Sequence[str] | None = None) -> int:
    """Run the ``mosaic`` command with ``argv`` (default: ``sys.argv[1:]``).

    Returns the exit code (see :mod:`mosaic_sdk.cli`) instead of exiting, so tests and
    other programs can call it; the console script passes it to :func:`sys.exit`.
    """
    argv = list(sys.argv[1:] if argv is None else argv)
    parser = _parser_for_argv(argv)
    try:
        args = parser.parse_args(argv)
    except SystemExit as exc:  # --help, --version, or a usage error argparse printed
        return exc.code if isinstance(exc.code, int) else EXIT_USAGE
    from mosaic_sdk.cli._common import Console, UsageError
    from mosaic_sdk.errors import MosaicError

    console = Console(json=bool(getattr(args, "json", False)), out=sys.stdout, err=sys.stderr)
    handler: Handler = args.handler
    try:
        from mosaic_sdk.cli._common import refuse_credentials_in_urls
        from mosaic_sdk.observability import correlation_id

        cid = args.correlation_id or os.environ.get("MOSAIC_CORRELATION_ID") or None
        refuse_credentials_in_urls(args)
        with _logging(args.verbose, args.log_format, sys.stderr), correlation_id(cid):
            return handler(args, console)
    except UsageError as exc:
        console.err.write(parser_for(parser, args).format_usage())
        console.error("UsageError", str(exc), EXIT_USAGE)
        return EXIT_USAGE
    except MosaicError as exc:
        from mosaic_sdk.cli._common import exit_code_for

        exc = _missing_credentials(exc, args)
        code = exit_code_for(exc)
        console.error(type(exc).__name__, str(exc), code)
        return code
    except KeyboardInterrupt:
        console.err.write("mosaic: interrupted\n")
        return EXIT_INTERRUPTED
    except Exception as exc:
        if args.verbose:
            import traceback

            traceback.print_exc(file=console.err)
        message = (
            f"internal error: {type(exc).__name__}: {exc}; this is a bug in mosaic_sdk, "
            "please report it with the output of 'mosaic -v ...'"
        )
        console.error("InternalError", _redacted(message), EXIT_INTERNAL)
        return EXIT_INTERNAL


def _redacted(text: str) -> str:
    from mosaic_sdk.observability import redact_text

    return redact_text(text)


def parser_for(
    parser: argparse.ArgumentParser, args: argparse.Namespace
) -> argparse.ArgumentParser:
    """The subcommand parser that handled ``args`` (for its usage line)."""
    current = parser
    for dest in ("command", "vault_command", "tag_command", "retention_command"):
        name = getattr(args, dest, None)
        if name is None:
            continue
        for action in current._actions:
            if isinstance(action, argparse._SubParsersAction) and name in action.choices:
                current = action.choices[name]
                break
    return current
