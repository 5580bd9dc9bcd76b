"""What every ``mosaic`` subcommand shares: output, exit codes, credentials, registries.

Nothing here prints on its own: handlers get a :class:`Console` and return an exit code.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from collections.abc import Callable, Mapping
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any, TextIO

import attrs

from mosaic_sdk._render import to_jsonable
from mosaic_sdk.cli._text import (
    EXIT_CODES_HELP,
    EXIT_ERROR,
    EXIT_FAILURE,
    EXIT_USAGE,
    _Formatter,
)
from mosaic_sdk.errors import (
    ConfigurationError,
    InvalidValueError,
    LockError,
    MosaicError,
    WorkflowError,
)
from mosaic_sdk.observability import register_secret

__all__ = [
    "Console",
    "Handler",
    "ProgressBar",
    "UsageError",
    "add_json_flag",
    "add_registry_options",
    "command_parser",
    "exit_code_for",
    "open_registry_from_args",
    "parse_age",
    "parse_time",
    "read_secret",
    "refuse_credentials_in_urls",
    "repository_from_args",
    "to_jsonable",
    "wants_progress",
    "write_output_file",
]


class UsageError(Exception):
    """A combination of arguments argparse cannot express was given (exit code 2)."""


def exit_code_for(error: MosaicError) -> int:
    """The exit code for an SDK error: 2 for bad input or setup, 1 for a workflow that
    refused or failed (a deployment lock held by someone else too), 3 for a remote
    system that failed. A handler that knows better
    (a missing repository named on the command line is bad input) sets ``exit_code`` on
    the error before re-raising it."""
    override = getattr(error, "exit_code", None)
    if isinstance(override, int):
        return override
    if isinstance(error, (InvalidValueError, ConfigurationError)):
        return EXIT_USAGE
    if isinstance(error, (WorkflowError, LockError)):
        return EXIT_FAILURE
    return EXIT_ERROR


@attrs.define
class Console:
    """Where a handler writes: ``result`` goes to stdout as text or as one JSON
    document; ``note`` and ``error`` go to stderr.

    Attributes:
        json: print results as JSON (``--json``).
        out: standard output.
        err: standard error.
    """

    json: bool
    out: TextIO
    err: TextIO

    def result(self, text: str, data: Any) -> None:
        """Print a command's result: ``text`` for people, ``data`` with ``--json``.

        Every line is redacted on the way out: known secrets are masked and URLs shown
        through :func:`~mosaic_sdk.observability.sanitize_url`.
        """
        if self.json:
            plain = json.loads(json.dumps(data, default=to_jsonable))
            self.out.write(json.dumps(_redacted(plain), indent=2) + "\n")
        else:
            text = _redacted(text)
            self.out.write(text if text.endswith("\n") else text + "\n")

    def note(self, text: str) -> None:
        """A remark for people (progress, hints); stderr, so ``--json`` stays clean."""
        self.err.write(_redacted(text) + "\n")

    def error(self, error_type: str, message: str, code: int) -> None:
        """Report a failure: ``mosaic: error: ...`` on stderr, and with ``--json`` an
        ``{"ok": false, "error": {...}}`` document on stdout."""
        message = _redacted(message)
        self.err.write(f"mosaic: error: {message}\n")
        if self.json:
            document = {
                "ok": False,
                "error": {"type": error_type, "message": message, "exit_code": code},
            }
            self.out.write(json.dumps(document, indent=2) + "\n")


def _redacted(value: Any) -> Any:
    # Known secrets and URL credentials, in string leaves only: keys stay, and so do
    # "secret: ..." words, which in this output name things (mounts, paths).
    from mosaic_sdk._core._redact import redact_secrets_and_urls

    if isinstance(value, str):
        return redact_secrets_and_urls(value)
    if isinstance(value, list):
        return [_redacted(item) for item in value]
    if isinstance(value, dict):
        return {key: _redacted(item) for key, item in value.items()}
    return value


#: A subcommand handler: reads the parsed arguments, writes to the console, returns
#: the exit code.
Handler = Callable[[argparse.Namespace, Console], int]


def command_parser(
    subparsers: argparse._SubParsersAction[argparse.ArgumentParser],
    name: str,
    *,
    help: str,
    description: str,
    examples: str,
    handler: Handler | None = None,
) -> argparse.ArgumentParser:
    """Add a subcommand whose ``--help`` ends with its examples and the exit codes."""
    parser = subparsers.add_parser(
        name,
        help=help,
        description=description,
        epilog=f"examples:\n{examples.rstrip()}\n\n{EXIT_CODES_HELP}",
        formatter_class=_Formatter,
    )
    if handler is not None:
        parser.set_defaults(handler=handler)
    return parser


def add_json_flag(parser: argparse.ArgumentParser) -> None:
    """``--json``: print the result as one JSON document on stdout."""
    parser.add_argument(
        "--json",
        action="store_true",
        help="print the result as one JSON document on stdout (for scripts)",
    )


#: Where the credentials of a URL option go instead, as each command's help says.
_CREDENTIAL_HOMES: Mapping[str, str] = {
    "registry": "--username and $MOSAIC_REGISTRY_PASSWORD or --password-file",
    "prometheus": "--prometheus-token-file or $PROMETHEUS_TOKEN",
    "vault_addr": "--token-file or $VAULT_TOKEN",
    "lock": "$MOSAIC_LOCK (the whole URL), $MOSAIC_LOCK_PASSWORD or --lock-password-file",
}
_NO_CREDENTIALS = (
    "these endpoints are checked without credentials; serve them without authentication "
    "(health, version and /metrics pages normally are)"
)


def refuse_credentials_in_urls(args: argparse.Namespace) -> None:
    """Refuse any option value holding a URL with credentials in it (``user:pass@``,
    ``TOKEN@``, ``?token=``, ``?sig=``...): the command line lands in the shell history
    and the process list. Checked before a command runs.

    Raises:
        ConfigurationError: naming the option, the URL without its credentials, and
            where the credentials go instead (exit code 2).
    """
    from mosaic_sdk._core._redact import (
        register_url_secrets,
        sanitize_url,
        url_has_credentials,
    )

    for name, value in vars(args).items():
        for item in value if isinstance(value, list) else [value]:
            if not isinstance(item, str) or not url_has_credentials(item):
                continue
            for word in item.split():
                register_url_secrets(word.partition("=")[2] or word)
            register_url_secrets(item)
            option = "a service" if name == "services" else f"--{name.replace('_', '-')}"
            home = _CREDENTIAL_HOMES.get(name)
            fix = (
                f"pass the URL without them and give the credentials with {home}"
                if home
                else (f"pass the URL without them: {_NO_CREDENTIALS}")
            )
            raise ConfigurationError(
                f"{option} {sanitize_url(item)!r} has credentials in the URL, where the "
                f"shell history and the process list would keep them; {fix}"
            )


def read_secret(
    *,
    env_var: str,
    file: str | None,
    what: str,
    environ: Mapping[str, str] | None = None,
    stdin: TextIO | None = None,
) -> str | None:
    """A credential from ``file`` (``-`` reads stdin) or else the environment variable.

    Credentials are never taken from the command line, where they would land in the
    shell history and the process list. The value is registered with the redactor, so
    it can never appear in a log line or an error message.

    Raises:
        ConfigurationError: the file cannot be read or is empty.
    """
    env = os.environ if environ is None else environ
    value: str | None
    if file is not None:
        try:
            if file == "-":
                value = (stdin or sys.stdin).read()
            else:
                value = Path(file).read_text(encoding="utf-8")
        except OSError as exc:
            raise ConfigurationError(
                f"cannot read the {what} from {file!r} ({exc.strerror or exc}); "
                f"pass a readable file, or set {env_var} instead"
            ) from None
        value = value.strip()
        if not value:
            raise ConfigurationError(
                f"the {what} file {file!r} is empty; write the {what} into it, or set {env_var}"
            )
    else:
        value = env.get(env_var) or None
        if value is not None:
            value = value.strip() or None
    if value is not None:
        register_secret(value)
    return value


def add_registry_options(
    parser: argparse.ArgumentParser, *, repository: bool = True, ca_cert: bool = True
) -> None:
    """``--registry``, ``--repository``, ``--username``, ``--password-file``, ``--ca-cert``
    (``ca_cert=False`` for a command that has its own ``--ca-cert``)."""
    group = parser.add_argument_group(
        "registry",
        "The registry is an http(s):// URL or an OCI layout directory (oci:/path or a\n"
        "path). The password comes from $MOSAIC_REGISTRY_PASSWORD or --password-file,\n"
        "never from the command line.",
    )
    group.add_argument(
        "--registry",
        metavar="URL|PATH",
        help="registry URL or OCI layout root (default: $MOSAIC_REGISTRY)",
    )
    if repository:
        group.add_argument(
            "--repository",
            metavar="NAME",
            help="repository, e.g. team/app (default: $MOSAIC_REPOSITORY)",
        )
    group.add_argument(
        "--username",
        metavar="USER",
        help="registry user name (default: $MOSAIC_REGISTRY_USERNAME)",
    )
    group.add_argument(
        "--password-file",
        metavar="FILE",
        help="file holding the registry password or token ('-' reads stdin)",
    )
    if ca_cert:
        group.add_argument(
            "--ca-cert",
            metavar="FILE",
            help="CA bundle to verify the registry's TLS certificate with",
        )


def _setting(args: argparse.Namespace, name: str, env_var: str, what: str, example: str) -> str:
    value = getattr(args, name, None) or os.environ.get(env_var)
    if not value:
        raise ConfigurationError(
            f"no {what} given; pass --{name.replace('_', '-')} {example} or set {env_var}"
        )
    return str(value)


def repository_from_args(args: argparse.Namespace) -> str:
    """``--repository`` or ``$MOSAIC_REPOSITORY``, validated."""
    from mosaic_sdk.registry import validate_repository

    return validate_repository(
        _setting(args, "repository", "MOSAIC_REPOSITORY", "repository", "team/app")
    )


def open_registry_from_args(args: argparse.Namespace) -> Any:
    """The :class:`~mosaic_sdk.registry.ImageRegistry` the registry options name.

    Raises:
        ConfigurationError: no registry given, or a layout directory that does not exist.
        InvalidValueError: a location that is neither a URL nor a path.
    """
    from mosaic_sdk.registry import layout_root

    location = _setting(args, "registry", "MOSAIC_REGISTRY", "registry", "https://registry:5000")
    root = layout_root(location)
    if root is not None:
        if not root.is_dir():
            raise ConfigurationError(
                f"the OCI layout root {str(root)!r} is not a directory; pass the directory "
                "that holds the repositories (e.g. ./oci), or an http(s):// registry URL"
            )
        from mosaic_sdk.registry import OCILayout

        return OCILayout(root)
    from mosaic_sdk.registry import RegistryClient

    username = args.username or os.environ.get("MOSAIC_REGISTRY_USERNAME") or None
    password = read_secret(
        env_var="MOSAIC_REGISTRY_PASSWORD", file=args.password_file, what="registry password"
    )
    args.anonymous_registry = password is None
    if password is not None and username is None:
        raise ConfigurationError(
            "a registry password was given without a user name; pass --username or set "
            "MOSAIC_REGISTRY_USERNAME"
        )
    return RegistryClient(
        location,
        username=username,
        password=password,
        verify=args.ca_cert if args.ca_cert else True,
    )


def parse_age(text: str, option: str) -> timedelta | None:
    """A retention age: a Prometheus-style duration (``14d``, ``12h``), ``0`` or ``never``."""
    from mosaic_sdk.observability import parse_duration

    if text.strip().lower() in ("never", "none"):
        return None
    if text.strip() == "0":
        return timedelta(0)
    try:
        return parse_duration(text.strip())
    except InvalidValueError:
        raise InvalidValueError(
            text,
            f"{option} is not a duration",
            "write a number and a unit such as '14d', '12h' or '2w', '0', or 'never'",
        ) from None


def parse_time(text: str, option: str) -> datetime:
    """An ISO 8601 time with a timezone (``2024-05-01T12:00:00Z``)."""
    try:
        when = datetime.fromisoformat(text.strip().replace("Z", "+00:00").replace("z", "+00:00"))
    except ValueError:
        raise InvalidValueError(
            text, f"{option} is not an ISO 8601 time", "write e.g. 2024-05-01T12:00:00Z"
        ) from None
    if when.tzinfo is None:
        raise InvalidValueError(
            text, f"{option} has no timezone", "add one, e.g. 2024-05-01T12:00:00Z"
        )
    return when.astimezone(timezone.utc)


class ProgressBar:
    """A one-line progress bar redrawn in place on a terminal (``\\r``).

    Called as ``bar(done, total, label)``; finishes the line when ``done == total``.
    """

    def __init__(self, stream: TextIO, title: str, *, width: int = 28) -> None:
        self._stream = stream
        self._title = title
        self._width = width
        self._last = 0

    def __call__(self, done: int, total: int, label: str = "") -> None:
        total = max(total, 1)
        filled = round(self._width * min(done, total) / total)
        bar = "#" * filled + "-" * (self._width - filled)
        line = f"{self._title} [{bar}] {done}/{total}"
        if label:
            line += f" {label}"
        padding = " " * max(0, self._last - len(line))
        self._stream.write(f"\r{line}{padding}")
        self._last = len(line)
        if done >= total:
            self._stream.write("\n")
        self._stream.flush()


def wants_progress(choice: bool | None, stream: TextIO) -> bool:
    """``--progress``/``--no-progress`` when given, else only on a terminal."""
    if choice is not None:
        return choice
    isatty = getattr(stream, "isatty", None)
    return bool(isatty is not None and isatty())


def write_output_file(path: str, text: str) -> Path:
    """Write ``text`` to ``path`` atomically (``--output``)."""
    from mosaic_sdk._files import atomic_write_text

    target = Path(path)
    if not target.parent.is_dir():
        raise ConfigurationError(
            f"cannot write {path!r}: the directory {str(target.parent)!r} does not exist; "
            "create it first"
        )
    return atomic_write_text(target, text)
