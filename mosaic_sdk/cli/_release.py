"""``mosaic validate``, ``rollback``, ``target``, ``health`` and ``demo``."""

from __future__ import annotations

import argparse
import contextlib
import os
import re
from typing import Any

from mosaic_sdk.cli._common import (
    Console,
    UsageError,
    add_json_flag,
    add_registry_options,
    command_parser,
    read_secret,
    write_output_file,
)
from mosaic_sdk.cli._text import EXIT_FAILURE, EXIT_OK

__all__ = ["register"]


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Add the release workflow commands."""
    _register_validate(subparsers)
    _register_health(subparsers)
    _register_rollback(subparsers)
    _register_target(subparsers)
    _register_demo(subparsers)


# -- validate ----------------------------------------------------------------------------


def _register_validate(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    from mosaic_sdk.cli._targets import TARGET_HELP

    validate = command_parser(
        subparsers,
        "validate",
        help="post-deploy validation: health, version match and metric gates",
        description=(
            "Run post-deploy checks against a deployed candidate and print the report: "
            "health endpoints (retried until --deadline), the digest and version that the "
            "version endpoint and/or the deployment target (--running-on) report against "
            "IMAGE and --version, and metric gates (error ratio, latency "
            "quantile, any PromQL) read from Prometheus (--prometheus) or straight from "
            "/metrics pages (--metrics-url). URLs may use {base_url}, {environment}, {slot} "
            "and {version}. A metric gate needs --on-no-data: a gate never passes silently "
            "for lack of traffic. Exit code 0 when every check passed, 1 when one failed or "
            "was inconclusive (0 for inconclusive with --allow-inconclusive)."
        ),
        examples=(
            "  mosaic validate registry:5000/team/api@sha256:9f86d08... --version 1.4.0-rc.3 \\\n"
            "      --base-url http://10.0.0.5:8080 --health '{base_url}/health' \\\n"
            "      --version-url '{base_url}/version'\n"
            "  mosaic validate team/api@sha256:9f86d08... --prometheus http://prometheus:9090 \\\n"
            "      --max-error-ratio 0.01 --max-latency 0.3 --selector job=api-green \\\n"
            "      --on-no-data fail --report validation.md --json"
        ),
        handler=_validate,
    )
    validate.add_argument("image", help="the candidate, pinned by digest: repo@sha256:...")
    validate.add_argument("--version", help="its release version, e.g. 1.4.0-rc.3")
    validate.add_argument("--base-url", default="", metavar="URL", help="where it answers")
    validate.add_argument("--environment", default="", help="testing, staging, prod...")
    validate.add_argument("--slot", default="", help="blue or green, for a blue/green release")
    checks = validate.add_argument_group("checks")
    checks.add_argument(
        "--health",
        action="append",
        default=[],
        metavar="URL",
        help="a health endpoint that must answer --expect-status (repeat)",
    )
    checks.add_argument(
        "--expect-status",
        type=int,
        action="append",
        metavar="CODE",
        help="healthy status code (repeat; default 200)",
    )
    checks.add_argument("--body-contains", metavar="TEXT", help="text a healthy body contains")
    checks.add_argument(
        "--version-url", metavar="URL", help='endpoint answering {"digest": ..., "version": ...}'
    )
    checks.add_argument(
        "--running-on",
        metavar="KIND:SPEC",
        help=f"also ask this deployment target what it runs ({TARGET_HELP}): its digest "
        "and version must be IMAGE's",
    )
    checks.add_argument(
        "--token-file", metavar="FILE", help="the --running-on provider's token ('-': stdin)"
    )
    checks.add_argument(
        "--deadline",
        type=float,
        default=30.0,
        metavar="SECONDS",
        help="keep retrying health and version checks this long (default 30)",
    )
    gates = validate.add_argument_group("metric gates")
    source = gates.add_mutually_exclusive_group()
    source.add_argument("--prometheus", metavar="URL", help="Prometheus base URL")
    source.add_argument(
        "--metrics-url",
        action="append",
        default=[],
        metavar="URL",
        help="read /metrics pages directly (repeat); the window starts when the command does",
    )
    gates.add_argument(
        "--prometheus-token-file",
        metavar="FILE",
        help="bearer token for Prometheus (default: $PROMETHEUS_TOKEN, if set)",
    )
    gates.add_argument("--max-error-ratio", type=float, metavar="R", help="e.g. 0.01 for 1 %%")
    gates.add_argument(
        "--max-latency", type=float, metavar="SECONDS", help="latency quantile limit, e.g. 0.3"
    )
    gates.add_argument(
        "--quantile", type=float, default=0.95, help="quantile for --max-latency (default 0.95)"
    )
    gates.add_argument(
        "--gate",
        action="append",
        default=[],
        metavar="'PROMQL <= N'",
        help="any PromQL with a threshold, '<=' or '>=' (repeat; needs --prometheus)",
    )
    gates.add_argument(
        "--on-no-data",
        choices=("fail", "inconclusive", "pass"),
        help="what a gate with no data concludes (required with gates)",
    )
    gates.add_argument("--window", default="5m", help="rate window for the gates (default 5m)")
    gates.add_argument(
        "--selector",
        action="append",
        default=[],
        metavar="LABEL=VALUE",
        help="label matcher for the error-ratio and latency gates (repeat)",
    )
    gates.add_argument(
        "--measurements", type=int, default=1, metavar="N", help="measurements per gate"
    )
    gates.add_argument(
        "--interval", type=float, default=0.0, metavar="SECONDS", help="between measurements"
    )
    gates.add_argument(
        "--initial-delay",
        type=float,
        default=0.0,
        metavar="SECONDS",
        help="wait before the first measurement (let traffic accumulate)",
    )
    validate.add_argument(
        "--stop-on-failure", action="store_true", help="skip the remaining checks after a failure"
    )
    validate.add_argument(
        "--allow-inconclusive",
        action="store_true",
        help="exit 0 when the verdict is inconclusive (not failed)",
    )
    validate.add_argument(
        "--report", metavar="FILE", help="also write the report as Markdown to FILE"
    )
    validate.add_argument(
        "--ca-cert",
        metavar="FILE",
        help="CA bundle to verify the checked endpoints (and the registry) with",
    )
    validate.add_argument(
        "--attach",
        action="store_true",
        help="attach the report to the image digest in the registry (--registry, or "
        "$MOSAIC_REGISTRY), whatever its verdict; see 'mosaic evidence show'",
    )
    add_registry_options(validate, ca_cert=False)
    add_json_flag(validate)


_GATE = re.compile(r"^(?P<query>.+?)\s*(?P<op><=|>=)\s*(?P<value>[-+0-9.eE]+)\s*$", re.DOTALL)


def _selector(items: list[str]) -> dict[str, str]:
    selector: dict[str, str] = {}
    for item in items:
        name, sep, value = item.partition("=")
        if not sep or not name.strip():
            raise UsageError(f"--selector {item!r} is not LABEL=VALUE; write e.g. job=api-green")
        selector[name.strip()] = value
    return selector


def _parse_gate(text: str) -> tuple[str, str, float]:
    match = _GATE.match(text)
    if match is None:
        raise UsageError(
            f"--gate {text!r} is not 'PROMQL <= NUMBER' or 'PROMQL >= NUMBER'; write e.g. "
            "--gate 'sum(rate(http_requests_total{code=~\"5..\"}[5m])) <= 0.5'"
        )
    try:
        value = float(match["value"])
    except ValueError:
        raise UsageError(f"--gate {text!r}: {match['value']!r} is not a number") from None
    return match["query"], match["op"], value


def _gate_checks(args: argparse.Namespace, source: Any) -> list[Any]:
    from mosaic_sdk.release import MetricGate

    options: dict[str, Any] = {
        "on_no_data": args.on_no_data,
        "measurements": args.measurements,
        "interval": args.interval,
        "initial_delay": args.initial_delay,
    }
    selector = _selector(args.selector) or None
    gates: list[Any] = []
    if args.max_error_ratio is not None:
        gates.append(
            MetricGate.error_ratio(
                source,
                max_ratio=args.max_error_ratio,
                window=args.window,
                selector=selector,
                **options,
            )
        )
    if args.max_latency is not None:
        gates.append(
            MetricGate.latency(
                source,
                max_seconds=args.max_latency,
                quantile=args.quantile,
                window=args.window,
                selector=selector,
                **options,
            )
        )
    for text in args.gate:
        query, op, value = _parse_gate(text)
        if op == "<=":
            gate = MetricGate(query, source=source, max=value, **options)
        else:
            gate = MetricGate(query, source=source, min=value, **options)
        gates.append(gate)
    return gates


def _metrics_source(args: argparse.Namespace, stack: contextlib.ExitStack) -> Any:
    from mosaic_sdk.observability import PrometheusClient, ScrapeMetricsSource

    if args.prometheus:
        token = read_secret(
            env_var="PROMETHEUS_TOKEN", file=args.prometheus_token_file, what="Prometheus token"
        )
        headers = {"Authorization": f"Bearer {token}"} if token else None
        verify: bool | str = args.ca_cert or True
        return stack.enter_context(
            PrometheusClient(args.prometheus, headers=headers, verify=verify)
        )
    if args.metrics_url:
        targets: str | dict[str, str] = (
            args.metrics_url[0]
            if len(args.metrics_url) == 1
            else {f"target{i}": url for i, url in enumerate(args.metrics_url, start=1)}
        )
        source = stack.enter_context(ScrapeMetricsSource(targets))
        source.scrape()  # the baseline the first measurement's rates are computed from
        return source
    return None


def _check_gate_syntax(args: argparse.Namespace, source: object) -> None:
    """A --gate Prometheus cannot parse is bad input (exit 2), found before any check
    runs, never a failed validation that would roll a good release back."""
    from mosaic_sdk.errors import BadRequestError
    from mosaic_sdk.observability import PrometheusClient

    if not isinstance(source, PrometheusClient):
        return
    for text in args.gate:
        query, _op, _value = _parse_gate(text)
        for token, value in (("{slot}", args.slot), ("{environment}", args.environment),
                             ("{version}", args.version or ""),
                             ("{base_url}", args.base_url)):  # fmt: skip
            query = query.replace(token, value or "")
        try:
            source.query(query)  # POST /api/v1/query: a syntax error is 400 bad_data
        except BadRequestError as exc:
            raise UsageError(
                f"--gate {text!r}: Prometheus cannot parse the PromQL ({exc}); fix the "
                "expression (try it in Prometheus' expression browser first)"
            ) from None


def _validate(args: argparse.Namespace, console: Console) -> int:
    from mosaic_sdk.release import HealthCheck, PostDeployValidation, VersionMatch
    from mosaic_sdk.values import ImageReference

    image = ImageReference.parse(args.image)
    wants_gates = bool(
        args.max_error_ratio is not None or args.max_latency is not None or args.gate
    )
    if wants_gates and not (args.prometheus or args.metrics_url):
        raise UsageError("metric gates read --prometheus URL or --metrics-url URL; give one")
    if args.gate and not args.prometheus:
        raise UsageError("--gate takes PromQL, which needs a real Prometheus (--prometheus URL)")
    if wants_gates and args.on_no_data is None:
        raise UsageError(
            "metric gates need --on-no-data fail|inconclusive|pass: what a gate with no "
            "data concludes is a decision, never a silent pass"
        )
    if args.token_file and not args.running_on:
        raise UsageError("--token-file goes with --running-on KIND:SPEC (the provider's token)")
    if args.attach and not (args.registry or os.environ.get("MOSAIC_REGISTRY")):
        raise UsageError(
            "--attach stores the report in the registry; pass --registry URL|PATH or set "
            "MOSAIC_REGISTRY"
        )
    if args.attach and image.digest is None:
        raise UsageError(f"--attach needs an image pinned by digest, not {args.image!r}")
    _selector(args.selector)  # bad selectors are reported before anything is contacted
    for text in args.gate:
        _parse_gate(text)
    verify: bool | str = args.ca_cert or True
    with contextlib.ExitStack() as stack:
        checks: list[Any] = [
            HealthCheck(
                url,
                expect_status=args.expect_status or 200,
                body_contains=args.body_contains,
                deadline=args.deadline,
                verify=verify,
            )
            for url in args.health
        ]
        target = None
        if args.running_on:
            from mosaic_sdk.cli._targets import open_target

            target = open_target(args.running_on, args.token_file, stack)
        if args.version_url or target is not None:
            checks.append(
                VersionMatch(
                    args.version_url or None,
                    from_target=target is not None,
                    deadline=args.deadline,
                    verify=verify,
                )
            )
        if wants_gates:
            source = _metrics_source(args, stack)
            _check_gate_syntax(args, source)
            checks.extend(_gate_checks(args, source))
        if not checks:
            raise UsageError(
                "nothing to validate; give --health URL, --version-url URL, --running-on "
                "KIND:SPEC or a metric gate (--max-error-ratio, --max-latency, --gate)"
            )
        validation = PostDeployValidation(checks, stop_on_failure=args.stop_on_failure)
        report = validation.run(
            image,
            version=args.version,
            target=target,
            environment=args.environment,
            slot=args.slot,
            base_url=args.base_url,
        )
    if args.report:
        written = write_output_file(args.report, report.to_markdown())
        console.note(f"report written to {written}")
    if args.attach:
        from mosaic_sdk.cli._evidence import attach_report

        attach_report(args, console, report)
    console.result(str(report), report.to_dict())
    if report.ok or (report.inconclusive and args.allow_inconclusive):
        return EXIT_OK
    return EXIT_FAILURE


# -- health ------------------------------------------------------------------------------


def _register_health(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    health = command_parser(
        subparsers,
        "health",
        help="check many HTTP and TCP endpoints at once",
        description=(
            "Check every service concurrently, each within --timeout, so the run takes about "
            "as long as the slowest check. A service is NAME=URL (or a bare URL, named after "
            "its host and port); URLs are http(s)://host[:port]/path (healthy on 2xx/3xx) or "
            "tcp://host:port (healthy when a connection opens). Exit code 1 when a service is "
            "unhealthy."
        ),
        examples=(
            "  mosaic health api=http://127.0.0.1:8080/health db=tcp://127.0.0.1:5432\n"
            "  mosaic health https://app.example.com/healthz --timeout 2 --json"
        ),
        handler=_health,
    )
    health.add_argument(
        "services", nargs="+", metavar="NAME=URL", help="services to check (or bare URLs)"
    )
    health.add_argument(
        "--timeout", type=float, default=5.0, metavar="SECONDS", help="per check (default 5)"
    )
    health.add_argument(
        "--ca-cert", metavar="FILE", help="CA bundle to verify HTTPS endpoints with"
    )
    add_json_flag(health)


def _health(args: argparse.Namespace, console: Console) -> int:
    from mosaic_sdk.observability import ServiceCheck, check_stack_health

    services: list[ServiceCheck] = []
    for item in args.services:
        check = ServiceCheck.from_spec(item)
        if any(check.name == seen.name for seen in services):
            raise UsageError(f"service {check.name!r} is given twice; name each one NAME=URL")
        services.append(check)
    verify: bool | str = args.ca_cert or True
    report = check_stack_health(services, timeout=args.timeout, verify=verify)
    console.result(str(report), report.to_dict())
    return EXIT_OK if report.ok else EXIT_FAILURE


# -- rollback ----------------------------------------------------------------------------


def _register_rollback(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    rollback = command_parser(
        subparsers,
        "rollback",
        help="redeploy the previous digest, verify it runs, and record the evidence",
        description=(
            "Restore the release a target ran before the failed digest: the one given with "
            "--to, else the promotion record's digest_before (--record), else the newest "
            "other digest in the target's own deploy history. With --record and the "
            "registry options, the pointer tag moves back too. The target's running digest "
            "is verified afterwards, and with --evidence the deployment is marked blocked in "
            "docs/TASKS.md, with the reason and next step in the scratchpad and CHANGELOG.md. "
            "Safe to repeat. --dry-run prints the plan only. Exit code 1 when the rollback "
            "could not restore the release."
        ),
        examples=(
            "  mosaic rollback --target compose:deploy/compose.yaml#api \\\n"
            "      --failed registry:5000/team/api@sha256:9f86d08... --dry-run\n"
            "  mosaic rollback --target coolify:k0sw8c4 --record prod.json \\\n"
            "      --registry https://registry:5000 --repository team/api \\\n"
            "      --evidence . --issue 42 --short-name release-api --reason 'p95 over 300 ms'"
        ),
        handler=_rollback,
    )
    from mosaic_sdk.cli._common import add_registry_options
    from mosaic_sdk.cli._targets import add_target_options

    add_target_options(rollback)
    what = rollback.add_argument_group("what to restore")
    what.add_argument(
        "--failed",
        metavar="DIGEST|IMAGE",
        help="the digest (or repo@digest) that failed; default: the record's digest_after",
    )
    what.add_argument("--to", metavar="DIGEST|IMAGE", help="restore exactly this digest")
    what.add_argument(
        "--record", metavar="FILE", help="the PromotionRecord JSON that moved the failed digest in"
    )
    what.add_argument(
        "--image-name", metavar="REPO", help="repository to deploy, e.g. registry:5000/team/api"
    )
    what.add_argument("--version", help="the restored release's version, when known")
    evidence = rollback.add_argument_group("evidence")
    evidence.add_argument(
        "--evidence", metavar="REPO_DIR", help="write TASKS.md, scratchpad and CHANGELOG entries"
    )
    evidence.add_argument("--issue", type=int, metavar="N", help="issue number (scratchpad name)")
    evidence.add_argument(
        "--short-name", metavar="NAME", help="scratchpad short name, e.g. release-api"
    )
    evidence.add_argument(
        "--reason", default="", help="why, in one line (default: the --report headline)"
    )
    evidence.add_argument(
        "--report",
        metavar="FILE",
        help="the failed validation, as 'mosaic validate --json > FILE' saved it: "
        "written to the scratchpad with the rollback",
    )
    evidence.add_argument("--next-step", metavar="TEXT", help="the next remediation step")
    rollback.add_argument("--dry-run", action="store_true", help="print the plan; change nothing")
    from mosaic_sdk.cli._lock import add_lock_options

    add_lock_options(
        rollback,
        "Shared with other pipelines: with --record and the registry options, holds\n"
        "REPOSITORY:POINTER (the pointer it moves back) for the whole rollback, else nothing.",
    )
    add_registry_options(rollback)
    add_json_flag(rollback)


def _digest_or_image(text: str, option: str) -> Any:
    from mosaic_sdk.values import Digest, ImageReference

    if "@" in text or "/" in text:
        return ImageReference.parse(text)
    if ":" in text:
        return Digest.parse(text)
    raise UsageError(f"{option} {text!r} is not a digest (sha256:...) or a repo@sha256:... image")


def _read_saved(path: str, what: str, writer: str) -> str:
    from pathlib import Path

    from mosaic_sdk.errors import ConfigurationError

    try:
        return Path(path).read_text(encoding="utf-8")
    except OSError as exc:
        raise ConfigurationError(
            f"cannot read the {what} {path!r} ({exc.strerror or exc}); pass the file {writer} wrote"
        ) from None


def _load_record(path: str) -> Any:
    from mosaic_sdk.release import PromotionRecord

    text = _read_saved(path, "promotion record", "'mosaic promote --record FILE'")
    return PromotionRecord.from_json(text)


def _load_report(path: str) -> Any:
    from mosaic_sdk.release import ValidationReport

    text = _read_saved(path, "validation report", "'mosaic validate --json > FILE'")
    return ValidationReport.from_json(text)


def _plan_json(plan: Any) -> dict[str, Any]:
    return {
        "target": plan.target,
        "failed": str(plan.failed),
        "restore": str(plan.restore),
        "version": plan.version,
        "source": plan.source,
        "pointer": plan.pointer,
        "steps": list(plan.steps()),
    }


def _rollback(args: argparse.Namespace, console: Console) -> int:
    from mosaic_sdk.cli._common import open_registry_from_args, repository_from_args
    from mosaic_sdk.cli._lock import lock_from_args, lock_refusals
    from mosaic_sdk.cli._targets import open_target
    from mosaic_sdk.release import Promotion, ReleaseEvidence, Rollback

    record = _load_record(args.record) if args.record else None
    report = _load_report(args.report) if args.report else None
    if args.failed:
        failed = _digest_or_image(args.failed, "--failed")
    elif record is not None:
        failed = record.digest_after
    else:
        raise UsageError("say what failed with --failed DIGEST, or pass its --record FILE")
    to = _digest_or_image(args.to, "--to") if args.to else None
    evidence_options = (args.issue, args.short_name)
    if args.evidence is None and any(v is not None for v in evidence_options):
        raise UsageError("--issue and --short-name go with --evidence REPO_DIR")
    if args.evidence is not None and any(v is None for v in evidence_options):
        raise UsageError("--evidence needs --issue N and --short-name NAME (the scratchpad)")
    lock = lock_from_args(args)
    with contextlib.ExitStack() as stack:
        stack.enter_context(lock_refusals(lock))
        target = open_target(args.target, args.token_file, stack)
        promotion = None
        if record is not None and (args.registry or os.environ.get("MOSAIC_REGISTRY")):
            registry = stack.enter_context(contextlib.closing(open_registry_from_args(args)))
            promotion = Promotion(registry, repository_from_args(args), lock=lock)
        rollback = Rollback(
            target,
            failed=failed,
            to=to,
            record=record,
            promotion=promotion,
            image_name=args.image_name,
            version=args.version,
        )
        plan = rollback.plan()
        if args.dry_run:
            console.result(f"dry run, nothing changed:\n{plan}", _plan_json(plan))
            return EXIT_OK
        evidence = (
            ReleaseEvidence(args.evidence, issue=args.issue, short_name=args.short_name)
            if args.evidence is not None
            else None
        )
        if lock is not None and promotion is not None and plan.pointer is not None:
            # The whole rollback, redeploy included, against a locked promotion of it.
            stack.enter_context(lock.hold(lock.key(promotion.repository, plan.pointer)))
        elif lock is not None:
            console.note(
                "lock: this rollback moves no pointer (no --record and registry); held nothing"
            )
        result = rollback.execute(
            reason=args.reason, evidence=evidence, next_step=args.next_step, report=report
        )
    files = [str(p) for p in result.evidence.paths] if result.evidence is not None else []
    text = str(result) + "".join(f"\n  evidence: {p}" for p in files)
    data = {
        "ok": True,
        "noop": result.noop,
        "message": result.message,
        "plan": _plan_json(result.plan),
        "running": str(result.running),
        "steps": list(result.steps),
        "pointer_record": None
        if result.pointer_record is None
        else result.pointer_record.to_dict(),
        "evidence": files,
    }
    console.result(text, data)
    return EXIT_OK


# -- target ------------------------------------------------------------------------------


def _register_target(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    target = command_parser(
        subparsers,
        "target",
        help="decide where a repository deploys (Coolify, Portainer, Vercel, compose, k8s)",
        description=(
            "Read the repository (never the network) and say where it deploys, where that "
            "came from and why: a target declared in docs/PRD.md, docs/PRD.json or "
            "docs/DEPLOYMENT.md first (a 'Deployment target: X' or '**Target:** X' line, a "
            "table row, YAML front matter, or a sentence such as 'We deploy to Coolify.'; "
            "'We do not use Vercel.' rules a target out); then a CI pipeline that deploys "
            "to a platform (Coolify's deploy API, a Portainer webhook, vercel deploy); else "
            "inferred from configuration (vercel.json, Coolify or Portainer markers in "
            "compose and env files). Docs that CI contradicts, a monorepo whose apps deploy "
            "to different targets (each app's answer is listed), an unreadable or unknown "
            "declaration, or an ambiguous repository exit with code 2 and say how to "
            "declare the target."
        ),
        examples=(
            "  mosaic target\n  mosaic target ../web --json\n"
            "  mosaic target apps/web   # one app of a monorepo"
        ),
        handler=_target,
    )
    target.add_argument(
        "repo_dir", nargs="?", default=".", metavar="REPO_DIR", help="default: the current dir"
    )
    add_json_flag(target)


def _target(args: argparse.Namespace, console: Console) -> int:
    from mosaic_sdk.release import select_deployment_target

    selection = select_deployment_target(args.repo_dir)
    data = {
        "kind": selection.kind.value,
        "method": selection.method,
        "source": selection.source,
        "rationale": selection.rationale,
        "candidates": [
            {
                "kind": c.kind.value,
                "evidence": list(c.evidence),
                "ci": list(c.ci),
                "platform": c.platform,
            }
            for c in selection.candidates
        ],
    }
    console.result(str(selection), data)
    return EXIT_OK


# -- demo --------------------------------------------------------------------------------


def _register_demo(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    demo = command_parser(
        subparsers,
        "demo",
        help="run the whole release flow locally: promote, validate, blue-green, rollback",
        description=(
            "Build three images into an OCI layout, serve them from a compose file on "
            "127.0.0.1, promote a good candidate through testing to prod with blue-green, "
            "then ship a bad one whose validation fails: prod is never switched, the slot is "
            "rolled back and the evidence files are shown. No account, no Docker; Debian's "
            "prometheus is used when installed (--no-prometheus reads /metrics pages "
            "instead). The files stay in --workdir (a new temporary directory by default). "
            "Exit code 1 if the flow did not end as designed (the good release live, the bad "
            "one stopped)."
        ),
        examples=(
            "  mosaic demo\n"
            "  mosaic demo --workdir /tmp/mosaic-demo --no-prometheus\n"
            "  mosaic demo --json > demo.json   # the narration goes to stderr"
        ),
        handler=_demo,
    )
    demo.add_argument(
        "--workdir", metavar="DIR", help="an empty or missing directory for the demo's files"
    )
    demo.add_argument(
        "--prometheus",
        action=argparse.BooleanOptionalAction,
        default=None,
        help="require Prometheus (--prometheus) or skip it (--no-prometheus); default: "
        "use it when installed",
    )
    add_json_flag(demo)


def _demo(args: argparse.Namespace, console: Console) -> int:
    from mosaic_sdk.cli.demo import run_demo

    narration = console.err if console.json else console.out

    def out(line: str) -> None:
        narration.write(line + "\n")
        narration.flush()

    result = run_demo(args.workdir, out=out, prometheus=args.prometheus)
    as_designed = result.prod == result.good and result.bad != result.prod
    data = {
        "ok": as_designed,
        "workdir": str(result.workdir),
        "metrics_source": result.metrics_source,
        "used_prometheus": result.used_prometheus,
        "baseline": str(result.baseline),
        "good": str(result.good),
        "bad": str(result.bad),
        "prod": str(result.prod),
        "prod_slot": result.prod_slot,
        "good_release": result.good_release.outcome.value,
        "bad_release": result.bad_release.outcome.value,
        "files": {
            "compose": str(result.compose_file),
            "tasks": str(result.tasks),
            "scratchpad": str(result.scratchpad),
            "changelog": str(result.changelog),
        },
        "seconds": round(result.seconds, 1),
    }
    if console.json:
        console.result("", data)
    return EXIT_OK if as_designed else EXIT_FAILURE
