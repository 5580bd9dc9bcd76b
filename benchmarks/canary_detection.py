"""How fast a canary catches a bad candidate, against Flagger's formula.

Flagger rolls a canary back after ``threshold`` failed checks, one check per
``interval``: its documented time to rollback is ``interval x threshold``. This script
runs the SDK's :class:`~mosaic_sdk.release.Canary` with the same settings
(``Analysis(interval=..., failure_limit=threshold - 1)``) on real servers - Debian's
``haproxy`` in front of two MetricsApp releases, synthetic users through its frontend,
Debian's ``prometheus`` scraping both with a ``version`` label - and a
:class:`~mosaic_sdk.release.BaselineGate` on the error ratio. Each candidate answers
50 % of its requests with 500 from its first request.

Reported per threshold: the measured seconds from the candidate's first traffic to its
first bad measurement and to the moment it had no traffic again
(``ReleaseResult.timing``), Flagger's ``interval x threshold``, their ratio, and the
requests the bad version served (counted by the app itself) out of all requests sent.

    python benchmarks/canary_detection.py                 # interval 1 s, thresholds 1 2 3
    python benchmarks/canary_detection.py --interval 2 --thresholds 1 3 --weight 10
"""

from __future__ import annotations

import argparse
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from mosaic_sdk.observability import PrometheusClient  # noqa: E402
from mosaic_sdk.providers.haproxy import HAProxySplitter, StaticServices  # noqa: E402
from mosaic_sdk.release import (  # noqa: E402
    Analysis,
    AutoRollback,
    BaselineGate,
    Canary,
    HealthCheck,
    PostDeployValidation,
    release,
)
from mosaic_sdk.values import ImageReference  # noqa: E402
from tests._support.haproxy import Users, short_workdir  # noqa: E402
from tests._support.metrics_app import MetricsApp  # noqa: E402
from tests._support.prometheus_server import PrometheusServer  # noqa: E402
from tests._support.servers import free_port, require_binary  # noqa: E402


def _image(version: str, fill: str) -> ImageReference:
    return ImageReference.parse(f"ghcr.io/acme/web:{version}@sha256:" + fill * 64)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--interval", type=float, default=1.0, help="seconds between checks")
    parser.add_argument("--thresholds", type=int, nargs="+", default=[1, 2, 3])
    parser.add_argument("--weight", type=int, default=10, help="the first canary step, percent")
    parser.add_argument("--window", default="10s", help="the PromQL window of the gate")
    parser.add_argument("--users", type=int, default=3, help="threads of synthetic users")
    args = parser.parse_args(argv)
    require_binary("haproxy")
    require_binary("prometheus")

    stable_image = _image("v1.0.0", "a")
    candidates = [
        (_image(f"v1.1.{n}", "bcdef"[n % 5]), MetricsApp(version=f"v1.1.{n}"))
        for n in range(len(args.thresholds))
    ]
    stable = MetricsApp(digest=str(stable_image.digest), version="v1.0.0").start()
    stable.fail_ratio = 0.01
    for image, app in candidates:
        app.digest = str(image.digest)
        app.fail_ratio = 0.5
        app.start()
    apps = {stable_image.digest: stable, **{image.digest: app for image, app in candidates}}
    labels = {"stable": {"version": "v1.0.0"}}
    targets = {"stable": stable.host}
    for n, (_, app) in enumerate(candidates):
        targets[f"candidate{n}"] = app.host
        labels[f"candidate{n}"] = {"version": app.version}
    rows = []
    with (
        tempfile.TemporaryDirectory() as tmp,
        PrometheusServer(Path(tmp), targets, labels=labels) as prometheus,
        short_workdir() as workdir,
    ):
        splitter = HAProxySplitter(
            workdir,
            deployer=StaticServices({d: a.host for d, a in apps.items() if d is not None}),
            listen=f"127.0.0.1:{free_port()}",
            health_check="/health",
        )
        splitter.deploy(stable_image)
        splitter.start()
        try:
            url = f"http://{splitter.listen}"
            with (
                PrometheusClient(prometheus.url) as source,
                Users(url, threads=args.users) as users,
            ):
                prometheus.wait_for('sum(rate(http_requests_total{version="v1.0.0"}[5s]))')
                for threshold, (image, app) in zip(args.thresholds, candidates, strict=True):
                    gate = BaselineGate.error_ratio(source, window=args.window)
                    analysis = Analysis(
                        interval=args.interval,
                        count=1000,
                        failure_limit=threshold - 1,
                        inconclusive_limit=1000,
                    )
                    canary = Canary(
                        gates=[gate], auto_rollback=AutoRollback(), steps=(args.weight,),
                        analysis=analysis,
                    )  # fmt: skip
                    sent_before = users.sent
                    result = release(
                        image,
                        validation=PostDeployValidation([HealthCheck(f"{app.url}/health")]),
                        strategy=canary,
                        target=splitter,
                    )
                    timing = result.timing
                    assert timing is not None, result
                    rows.append(
                        (
                            threshold,
                            result.outcome.value,
                            timing.seconds_to_detect,
                            timing.seconds_to_rollback,
                            analysis.flagger_seconds,
                            app._served,
                            users.sent - sent_before,
                        )
                    )
        finally:
            splitter.stop()
            for app in apps.values():
                app.stop()
    print(
        f"canary at {args.weight}% of real traffic through HAProxy, Prometheus scraping every 1 s, "
        f"BaselineGate window {args.window}, interval {args.interval:g} s, 50 % errors"
    )
    print(
        "| threshold | outcome | first bad check (s) | no traffic (s) | Flagger interval x "
        "threshold (s) | measured / Flagger | bad requests served | requests sent |"
    )
    print("|---|---|---|---|---|---|---|---|")
    for threshold, outcome, detect, back, flagger, served, sent in rows:
        ratio = f"{back / flagger:.2f}" if back is not None and flagger else "-"
        print(
            f"| {threshold} | {outcome} | {detect:.1f} | {back:.1f} | {flagger:.1f} | {ratio} | "
            f"{served} | {sent} |"
        )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
