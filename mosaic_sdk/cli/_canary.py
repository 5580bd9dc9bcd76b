"""``mosaic release resume|abort STATE_FILE``: decide a paused canary."""

from __future__ import annotations

import argparse
import contextlib
from typing import Any

from mosaic_sdk.cli._common import Console, UsageError, add_json_flag, command_parser
from mosaic_sdk.cli._text import EXIT_FAILURE, EXIT_OK

__all__ = ["register"]


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Add ``release resume`` and ``release abort``."""
    parser = command_parser(
        subparsers,
        "release",
        help="resume or abort a paused canary from its state file",
        description=(
            "A canary gate with the pause policy (or an analysis whose on_inconclusive is "
            "pause) leaves the candidate at its weight and writes a state file. 'resume' "
            "sends the next weight and measures the same gates again, up to 100 %; "
            "'abort' sends all traffic back to the stable release and rolls the candidate "
            "back. The state file names the target (an HAProxySplitter: its working "
            "directory, admin socket and service addresses) and the gates with their "
            "Prometheus URL; a file is resumed or aborted once."
        ),
        examples=(
            "  mosaic release resume canary-state.json\n"
            "  mosaic release resume canary-state.json --prometheus http://127.0.0.1:9090\n"
            "  mosaic release abort canary-state.json --json"
        ),
    )
    actions = parser.add_subparsers(dest="release_command", metavar="ACTION", required=True)
    for name, help_text, handler in (
        ("resume", "continue a paused canary to its next weights", _resume),
        ("abort", "send all traffic back to the stable release and roll back", _abort),
    ):
        action = command_parser(
            actions,
            name,
            help=help_text,
            description=help_text[0].upper() + help_text[1:] + " (see 'mosaic release --help').",
            examples=f"  mosaic release {name} canary-state.json",
            handler=handler,
        )
        action.add_argument("state_file", metavar="STATE_FILE", help="the paused canary's file")
        action.add_argument(
            "--prometheus",
            metavar="URL",
            help="the Prometheus the gates read (default: the URL in the state file)",
        )
        add_json_flag(action)


def _open(args: argparse.Namespace, stack: contextlib.ExitStack) -> tuple[Any, Any, Any]:
    """The state, the canary rebuilt from it, and its HAProxy target."""
    from mosaic_sdk.observability import PrometheusClient
    from mosaic_sdk.providers.haproxy import HAProxySplitter, StaticServices
    from mosaic_sdk.release import Analysis, AutoRollback, Canary, CanaryState
    from mosaic_sdk.release._analysis import gates_from_spec

    state = CanaryState.load(args.state_file)
    spec = dict(state.target)
    if spec.get("kind") != "haproxy":
        raise UsageError(
            f"the canary in {args.state_file} ran on {spec.get('name', 'a target')!r}, which "
            "the CLI cannot reopen; resume or abort it from Python with Canary.resume/abort"
        )
    target = HAProxySplitter(
        str(spec["workdir"]),
        deployer=StaticServices(dict(spec.get("addresses") or {})),
        admin_socket=str(spec["admin_socket"]),
        backend=str(spec.get("backend", "app")),
        frontend=str(spec.get("frontend", "web")),
        name=str(spec.get("name") or "") or None,
    )
    url = args.prometheus or state.source
    if not state.gates or not url:
        raise UsageError(
            f"{args.state_file} does not record the gates and their Prometheus URL; pass "
            "--prometheus URL, or resume from Python with Canary.resume"
        )
    source = stack.enter_context(PrometheusClient(url))
    gates = gates_from_spec(state.gates, source)
    analysis = Analysis(**dict(state.analysis)) if state.analysis else None
    canary = Canary(
        gates=list(gates),
        auto_rollback=AutoRollback(),
        steps=(*state.reached, *state.remaining) or (100,),
        analysis=analysis,
        state_file=args.state_file,
    )
    return state, canary, target


def _report(console: Console, result: Any, good: bool) -> int:
    data = result.to_dict()
    text = str(result)
    if result.timing is not None:
        text += f"\n  timing: {result.timing}"
    console.result(text, data)
    return EXIT_OK if good else EXIT_FAILURE


def _resume(args: argparse.Namespace, console: Console) -> int:
    from mosaic_sdk.release import ReleaseOutcome

    with contextlib.ExitStack() as stack:
        _, canary, target = _open(args, stack)
        result = canary.resume(args.state_file, target=target)
    return _report(console, result, result.outcome is ReleaseOutcome.RELEASED)


def _abort(args: argparse.Namespace, console: Console) -> int:
    from mosaic_sdk.release import ReleaseOutcome

    with contextlib.ExitStack() as stack:
        _, canary, target = _open(args, stack)
        result = canary.abort(args.state_file, target=target)
    return _report(console, result, result.outcome is ReleaseOutcome.ROLLED_BACK)
