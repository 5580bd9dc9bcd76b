"""The ``mosaic`` command line: the SDK's rules and workflows for shells, CI jobs and git
hooks.

Subcommands: ``vault path|audit|policy``, ``tag parse|next-rc|resolve``, ``promote``,
``retention plan|apply|undo``, ``validate``, ``rollback``, ``target``, ``health``, ``lint``,
``commit-msg`` and ``demo``. Every one has ``--help`` with examples and ``--json``
output; ``docs/cli.md`` describes them all.

Exit codes (the same for every command):

====  ===========================================================================
code  meaning
====  ===========================================================================
0     success
1     the command ran and the answer is no: lint findings at or above
      ``--fail-on``, a failed validation, an unhealthy service, a refused
      promotion, a failed rollback or retention deletion, a ``--lock`` key
      another run holds (:class:`~mosaic_sdk.errors.LockHeldError`)
2     bad input or usage: a malformed value, an unknown option, a missing
      credential or setting (:class:`~mosaic_sdk.errors.InvalidValueError`,
      :class:`~mosaic_sdk.errors.ConfigurationError`); nothing was changed
3     a registry, Vault or provider failed or could not be reached (any other
      :class:`~mosaic_sdk.errors.MosaicError`)
4     internal error: a bug in mosaic_sdk
130   interrupted (Ctrl-C)
====  ===========================================================================

Credentials are read from the environment (``VAULT_TOKEN``, ``MOSAIC_REGISTRY_PASSWORD``,
``COOLIFY_TOKEN``, ``PORTAINER_API_KEY``, ``VERCEL_TOKEN``) or from files
(``--token-file``, ``--password-file``; ``-`` reads stdin), never from an option value,
which would end up in the shell history and the process list.

Example:
    >>> from mosaic_sdk.cli import main
    >>> main(["tag", "parse", "v1.4.0-rc.3"])
    v1.4.0-rc.3: rc (immutable); release candidate 3 of 1.4.0
    0
"""

from __future__ import annotations

from mosaic_sdk.cli._app import build_parser, main
from mosaic_sdk.cli._text import (
    EXIT_ERROR,
    EXIT_FAILURE,
    EXIT_INTERNAL,
    EXIT_INTERRUPTED,
    EXIT_OK,
    EXIT_USAGE,
)

# typing is not imported at run time: `mosaic --version` starts without it (mypy
# reads any name TYPE_CHECKING as true).
TYPE_CHECKING = False

if TYPE_CHECKING:
    from typing import Any

    from mosaic_sdk.cli._common import exit_code_for

__all__ = [
    "EXIT_ERROR",
    "EXIT_FAILURE",
    "EXIT_INTERNAL",
    "EXIT_INTERRUPTED",
    "EXIT_OK",
    "EXIT_USAGE",
    "build_parser",
    "exit_code_for",
    "main",
]


def __getattr__(name: str) -> Any:
    # exit_code_for needs the error tree; loaded on first use so that `mosaic --version`
    # imports nothing but the parser.
    if name == "exit_code_for":
        from mosaic_sdk.cli._common import exit_code_for

        return exit_code_for
    raise AttributeError(f"module 'mosaic_sdk.cli' has no attribute {name!r}")
