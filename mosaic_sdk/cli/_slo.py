"""``mosaic slo rules``."""

from __future__ import annotations

import argparse
import os
from pathlib import Path

from mosaic_sdk.cli._common import (
    Console,
    UsageError,
    add_json_flag,
    command_parser,
    write_output_file,
)
from mosaic_sdk.cli._text import EXIT_OK

__all__ = ["register"]

_EXAMPLE_FILE = """\
  # slo.yaml (or slo.toml with the same fields)
  name: checkout-availability
  objective: 99.9%            # or 0.999
  window: 30d                 # the default
  errors: http_requests_total{job="checkout",code=~"5.."}
  total: http_requests_total{job="checkout"}
  runbook_url: https://runbooks.example.com/checkout/availability
  labels: {team: payments}    # optional; alerts: [{long, short, burn_rate, severity}] too"""


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Add ``slo`` and its ``rules`` subcommand."""
    slo = command_parser(
        subparsers,
        "slo",
        help="turn an SLO file into Prometheus recording and burn-rate alerting rules",
        description=(
            "Service level objectives as code: an SLO file (YAML or TOML) names the objective, "
            "its window, the error and total counters, the runbook and the routing labels."
        ),
        examples="  mosaic slo rules slo.yaml > slo-rules.yml",
    )
    actions = slo.add_subparsers(dest="slo_command", metavar="ACTION", required=True)
    rules = command_parser(
        actions,
        "rules",
        help="print the Prometheus rule file of an SLO file",
        description=(
            "Print the Prometheus rule file for SLO_FILE: the error ratio recorded over 5m, "
            "30m, 1h, 2h, 6h, 1d and 3d, and one multiwindow, multi-burn-rate alert per "
            "window (SRE workbook: page at 14.4x over 1h and 5m, and 6x over 6h and 30m; "
            "ticket at 1x over 3d and 6h), each with for:, severity, the labels and "
            "runbook_url. --test-output also writes the promtool test file that proves each "
            "alert waits, fires and resolves (run: promtool test rules FILE).\n\n"
            "SLO file:\n" + _EXAMPLE_FILE
        ),
        examples=(
            "  mosaic slo rules slo.yaml\n"
            "  mosaic slo rules slo.toml --output rules/slo.yml --test-output rules/slo.test.yml\n"
            "  promtool check rules rules/slo.yml && promtool test rules rules/slo.test.yml"
        ),
        handler=_rules,
    )
    rules.add_argument("slo_file", metavar="SLO_FILE", help="the SLO file (.yaml, .yml or .toml)")
    rules.add_argument("--output", metavar="FILE", help="write the rule file to FILE (atomically)")
    rules.add_argument(
        "--test-output",
        metavar="FILE",
        help="also write the promtool test file for the rules to FILE (needs --output)",
    )
    add_json_flag(rules)


def _rules(args: argparse.Namespace, console: Console) -> int:
    from mosaic_sdk.observability import SLOSpec

    if args.test_output and not args.output:
        raise UsageError("--test-output needs --output: the test file names the rule file")
    spec = SLOSpec.from_file(args.slo_file)
    text = spec.to_prometheus_rules()
    written: list[str] = []
    if args.output:
        written.append(str(write_output_file(args.output, text)))
    if args.test_output:
        test_dir = Path(args.test_output).resolve().parent
        rule_file = os.path.relpath(Path(args.output).resolve(), test_dir)
        written.append(str(write_output_file(args.test_output, spec.to_promtool_test(rule_file))))
    data = {
        "ok": True,
        "slo": spec.slo.name,
        "files": written,
        "rules": spec.rule_groups(),
    }
    if args.output and not console.json:
        alerts = len(spec.slo.alerts)
        console.result(
            f"{spec.slo.name}: {len(spec.recorded_windows) + 2} recording rules and "
            f"{alerts} alert{'s' if alerts != 1 else ''} written to {', '.join(written)}",
            data,
        )
        return EXIT_OK
    console.result(text, data)
    return EXIT_OK
