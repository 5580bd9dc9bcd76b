"""What the ``mosaic`` parser needs before any command runs: the exit codes, the help
formatter and the table of commands. Standard library only, so ``mosaic --version``
and ``mosaic --help`` load nothing else (``benchmarks/cli_startup.py`` measures it)."""

from __future__ import annotations

import argparse
import textwrap

__all__ = [
    "COMMANDS",
    "EXIT_CODES_HELP",
    "EXIT_ERROR",
    "EXIT_FAILURE",
    "EXIT_INTERNAL",
    "EXIT_INTERRUPTED",
    "EXIT_OK",
    "EXIT_USAGE",
]

#: Success: the command did what it was asked and the result is good.
EXIT_OK = 0
#: The command ran, and the answer is "no": lint findings at or above ``--fail-on``, a
#: failed validation, an unhealthy service, a refused promotion, a failed rollback, a
#: deployment lock (``--lock``) another run holds.
EXIT_FAILURE = 1
#: Bad input or usage: an unknown option, a malformed tag/path/digest, a missing
#: credential or setting. Nothing was changed.
EXIT_USAGE = 2
#: The command could not finish: a registry, Vault or provider was unreachable or
#: answered with an error (authentication, not found, server error).
EXIT_ERROR = 3
#: An unexpected internal error (a bug in mosaic_sdk); the traceback goes to stderr
#: with ``-v``.
EXIT_INTERNAL = 4
#: Interrupted with Ctrl-C.
EXIT_INTERRUPTED = 130

EXIT_CODES_HELP = """\
exit codes:
  0    success
  1    the command ran and the answer is no (findings, failed validation, unhealthy,
       refused promotion, failed rollback, a --lock key held by another run)
  2    bad input or usage (malformed value, unknown option, missing credential); nothing changed
  3    a registry, Vault or provider failed or could not be reached
  4    internal error (a bug: please report it with the output of -v)
  130  interrupted"""


#: Each command: the module under ``mosaic_sdk.cli`` that registers and runs it, and the
#: one-line help ``mosaic --help`` lists. ``main()`` imports only the module of the
#: command it runs; tests/unit/cli/test_cli_startup.py checks this table against the
#: parser the modules build.
COMMANDS: dict[str, tuple[str, str]] = {
    "vault": (
        "_vault",
        "canonical Vault paths, mount audits and least-privilege policies",
    ),
    "tag": (
        "_images",
        "classify image tags, compute the next release candidate, resolve tags to digests",
    ),
    "promote": (
        "_images",
        "move testing/staging/prod or a blue/green slot to an exact digest",
    ),
    "retention": (
        "_images",
        "plan, apply and undo registry cleanup that never removes a release",
    ),
    "evidence": (
        "_evidence",
        "list the validation reports and promotion records attached to a digest",
    ),
    "validate": (
        "_release",
        "post-deploy validation: health, version match and metric gates",
    ),
    "health": (
        "_release",
        "check many HTTP and TCP endpoints at once",
    ),
    "rollback": (
        "_release",
        "redeploy the previous digest, verify it runs, and record the evidence",
    ),
    "target": (
        "_release",
        "decide where a repository deploys (Coolify, Portainer, Vercel, compose, k8s)",
    ),
    "demo": (
        "_release",
        "run the whole release flow locally: promote, validate, blue-green, rollback",
    ),
    "release": (
        "_canary",
        "resume or abort a paused canary from its state file",
    ),
    "slo": (
        "_slo",
        "turn an SLO file into Prometheus recording and burn-rate alerting rules",
    ),
    "lint": (
        "_standards",
        "check Dockerfiles, compose, Kubernetes, alert rules, CI pipelines and scratchpads",
    ),
    "commit-msg": (
        "_standards",
        "check a commit message (type(#N): Subject ... Refs #N); a git commit-msg hook",
    ),
}


class _Formatter(argparse.RawDescriptionHelpFormatter):
    """Wraps prose lines of descriptions and epilogs to the width; keeps indented lines
    (examples, tables) exactly as written."""

    def __init__(self, prog: str) -> None:
        super().__init__(prog, max_help_position=32, width=100)

    def _fill_text(self, text: str, width: int, indent: str) -> str:
        lines: list[str] = []
        for line in text.splitlines():
            if not line.strip() or line.startswith(" "):
                lines.append(indent + line if line.strip() else "")
            else:
                lines.extend(
                    textwrap.wrap(
                        line,
                        width,
                        initial_indent=indent,
                        subsequent_indent=indent,
                        break_on_hyphens=False,
                    )
                )
        return "\n".join(lines)
