"""Same-repository promotion: mosaic ``Promotion`` versus ``skopeo copy``.

One local Debian ``docker-registry`` (started here, on a free 127.0.0.1 port) holds two
images A and B of one repository. Each run moves ``prod`` to the other image, so every
run really writes. Side by side:

* ``mosaic (in process)``: ``Promotion(client, repo).promote(digest, to="prod", force=True)``
  on one long-lived ``RegistryClient`` (``force`` because skopeo does no order check either);
* ``mosaic (whole command)``: the same promotion as a fresh ``python -c`` process (import,
  client, promotion), i.e. what a CI step costs;
* ``mosaic promote``: the command line, ``mosaic promote DIGEST --to prod --force
  --registry URL --repository REPO`` (the console script a CI job runs);
* with ``--clean-install``, ``mosaic promote`` once more from a fresh virtual environment
  holding only ``pip install mosaic_sdk`` and its dependencies: what a CI job has. This
  checkout's environment also has the test and docs tools, and with click, rich and
  pygments installed ``import httpx`` loads httpx's own command line (``httpx._main``);
* ``skopeo copy``: ``skopeo copy --src-tls-verify=false --dest-tls-verify=false
  docker://127.0.0.1:PORT/repo@sha256:... docker://127.0.0.1:PORT/repo:prod``.

The whole commands run interleaved, one of each per round (the order rotating), so a
change in the machine's load hits them alike; each row gives the median wall time and the
median CPU time (user + system) of its processes. The SDK is byte-compiled first, as after
``pip install`` (an editable install leaves it uncompiled, and this machine sets
``PYTHONDONTWRITEBYTECODE``, so every process would compile it again). When ``hyperfine``
is installed, it measures ``mosaic promote`` and ``skopeo copy`` once more (warm-up runs,
each command's runs back to back, ``prod`` reset before each run by an untimed
``--prepare``).

Requests are counted by the registry's own access log for every row (so skopeo's
``/v2/`` pings and blob reads count too), and for the SDK also by a counting transport.
Each result also says whether ``prod`` ended on the source digest (skopeo may rewrite the
manifest: then the digest changes).

Run: ``.venv/bin/python benchmarks/promotion_vs_skopeo.py [--rounds 30] [--command-rounds 15]
[--hyperfine-runs 15] [--clean-install]``
"""

from __future__ import annotations

import argparse
import compileall
import json
import os
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from datetime import datetime, timezone
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import httpx  # noqa: E402

from mosaic_sdk import Promotion  # noqa: E402
from mosaic_sdk.registry import RegistryClient  # noqa: E402
from mosaic_sdk.testing import push_image  # noqa: E402
from mosaic_sdk.values import Digest  # noqa: E402
from tests._support.servers import RegistryServer  # noqa: E402

REPO = "bench/app"


class CountingTransport(httpx.HTTPTransport):
    def __init__(self) -> None:
        super().__init__()
        self.count = 0
        self.sent: list[str] = []

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        self.count += 1
        self.sent.append(f"{request.method} {request.url.path}")
        return super().handle_request(request)


def logged(server: RegistryServer) -> int:
    return len(server.requests_logged())


def wait_logged(server: RegistryServer, at_least: int) -> int:
    deadline = time.monotonic() + 5
    count = logged(server)
    while count < at_least and time.monotonic() < deadline:
        time.sleep(0.02)
        count = logged(server)
    return count


def settle(server: RegistryServer) -> int:
    """The access-log line count once the log stops growing."""
    previous = -1
    count = logged(server)
    while count != previous:
        previous = count
        time.sleep(0.15)
        count = logged(server)
    return count


def child_cpu() -> float:
    """User + system seconds of every child process waited for so far."""
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def row(
    name: str, times: list[float], requests: float, preserved: bool, cpu: list[float] | None
) -> tuple[str, ...]:
    ms = statistics.median(times) * 1000
    cpu_ms = f"{statistics.median(cpu) * 1000:.1f}" if cpu else "-"
    return (name, f"{requests:.1f}", f"{ms:.1f}", cpu_ms, "yes" if preserved else "NO")


def clean_install(work: Path) -> Path:
    """A fresh virtual environment with this checkout installed the way a CI job
    installs it (``pip install``, no extras); returns its ``mosaic`` script."""
    venv = work / "clean-venv"
    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True)
    pip = [str(venv / "bin" / "python"), "-m", "pip", "install", "-q", str(ROOT)]
    done = subprocess.run(pip, capture_output=True, text=True)
    if done.returncode != 0:
        sys.exit(f"pip install {ROOT} into a fresh venv failed:\n{done.stderr}")
    return venv / "bin" / "mosaic"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=30, help="in-process rounds")
    parser.add_argument(
        "--command-rounds", type=int, default=15, help="rounds of the interleaved whole commands"
    )
    parser.add_argument(
        "--hyperfine-runs", type=int, default=15, help="hyperfine runs per command (0: skip)"
    )
    parser.add_argument(
        "--clean-install",
        action="store_true",
        help="also time mosaic promote from a fresh venv with only `pip install mosaic_sdk`",
    )
    args = parser.parse_args()
    skopeo = shutil.which("skopeo")
    if skopeo is None:
        sys.exit("skopeo is not installed (Debian package skopeo); nothing to compare with")
    compileall.compile_dir(ROOT / "mosaic_sdk", quiet=1)

    with tempfile.TemporaryDirectory() as work:
        clean = clean_install(Path(work)) if args.clean_install else None
        server = RegistryServer(Path(work)).start()
        try:
            run(server, skopeo, args, clean)
        finally:
            server.stop()


def run(server: RegistryServer, skopeo: str, args: argparse.Namespace, clean: Path | None) -> None:
    rounds, command_rounds = args.rounds, args.command_rounds
    transport = CountingTransport()
    client = RegistryClient(server.url, transport=transport)
    now = datetime.now(timezone.utc)
    a = push_image(client, REPO, "v1.0.0", created=now).digest
    b = push_image(client, REPO, "v1.1.0", created=now).digest
    client.put_manifest(REPO, "prod", client.get_manifest(REPO, str(b)))
    promotion = Promotion(client, REPO, actor="bench")
    digests = [a, b]

    # 1. SDK in process.
    sdk_times: list[float] = []
    sdk_wire = sdk_logged = 0
    sdk_ok = True
    sdk_sequence: list[str] = []
    for i in range(rounds):
        digest = digests[i % 2]
        before_t, before_l = transport.count, settle(server)
        started = time.perf_counter()
        record = promotion.promote(digest, to="prod", force=True)
        sdk_times.append(time.perf_counter() - started)
        sdk_wire += transport.count - before_t
        sdk_sequence = transport.sent[before_t:]
        sdk_logged += wait_logged(server, before_l + 3) - before_l
        sdk_ok &= record.digest_after == digest and client.resolve(REPO, "prod") == digest
        assert not record.noop

    # 2. Whole commands, one of each per round, interleaved: each run moves prod to the
    # other digest, so every run writes.
    code = (
        "import sys; from mosaic_sdk import Promotion; from mosaic_sdk.registry import "
        "RegistryClient; c = RegistryClient(sys.argv[1]); "
        "print(Promotion(c, sys.argv[2], actor='bench').promote(sys.argv[3], to='prod', "
        "force=True).digest_after)"
    )
    host = server.host

    def python_c(digest: Digest) -> list[str]:
        return [sys.executable, "-c", code, server.url, REPO, str(digest)]

    def promote_with(mosaic: str) -> Callable[[Digest], list[str]]:
        def command(digest: Digest) -> list[str]:
            return [
                *(mosaic, "promote", str(digest), "--to", "prod", "--force"),
                *("--actor", "bench", "--registry", server.url, "--repository", REPO),
            ]

        return command

    def skopeo_copy(digest: Digest) -> list[str]:
        return [
            *(skopeo, "copy", "--quiet", "--src-tls-verify=false", "--dest-tls-verify=false"),
            *(f"docker://{host}/{REPO}@{digest}", f"docker://{host}/{REPO}:prod"),
        ]

    mosaic = str(Path(sys.executable).with_name("mosaic"))
    commands: dict[str, Callable[[Digest], list[str]]] = {
        "mosaic Promotion (python -c)": python_c,
        "mosaic promote (command)": promote_with(mosaic),
    }
    if clean is not None:
        commands["mosaic promote (clean pip install)"] = promote_with(str(clean))
    commands["skopeo copy"] = skopeo_copy
    times: dict[str, list[float]] = {name: [] for name in commands}
    cpu: dict[str, list[float]] = {name: [] for name in commands}
    logged_count = dict.fromkeys(commands, 0)
    kept = dict.fromkeys(commands, True)
    sk_sequence: list[str] = []
    names = list(commands)
    prod = client.resolve(REPO, "prod")
    for i in range(command_rounds):
        for name in names[i % len(names) :] + names[: i % len(names)]:
            digest = a if prod == b else b
            before_l, before_cpu = settle(server), child_cpu()
            started = time.perf_counter()
            subprocess.run(commands[name](digest), check=True, capture_output=True, cwd=ROOT)
            times[name].append(time.perf_counter() - started)
            cpu[name].append(child_cpu() - before_cpu)
            after_l = settle(server)
            logged_count[name] += after_l - before_l
            if name == "skopeo copy":
                sk_sequence = server.requests_logged()[before_l:after_l]
            prod = client.resolve(REPO, "prod")
            kept[name] &= prod == digest

    rows = [row("mosaic Promotion (in process)", sdk_times, sdk_logged / rounds, sdk_ok, None)]
    rows += [
        row(name, times[name], logged_count[name] / command_rounds, kept[name], cpu[name])
        for name in commands
    ]
    headers = ("method", "requests/op", "median ms/op", "CPU ms/op", "digest kept")
    widths = [max(len(h), *(len(r[i]) for r in rows)) for i, h in enumerate(headers)]
    print(f"same-repository promotion of {REPO} on docker-registry 2.8 at {server.url}")
    print(f"rounds: {rounds} in process, {command_rounds} of each whole command (interleaved)")
    print("  ".join(h.ljust(w) for h, w in zip(headers, widths, strict=True)))
    for r in rows:
        print("  ".join(c.ljust(w) for c, w in zip(r, widths, strict=True)))
    sdk_per_op = sdk_logged / rounds
    sk_per_op = logged_count["skopeo copy"] / command_rounds
    print(f"SDK requests seen by its own transport: {sdk_wire / rounds:.1f}/op")
    print("one SDK promotion, as sent:", "; ".join(sdk_sequence))
    print("one skopeo copy, as logged by the registry (completion order):")
    print("  " + "; ".join(line.removesuffix(" HTTP/1.1") for line in sk_sequence))
    sk_s = statistics.median(times["skopeo copy"])

    def versus(mosaic_s: float) -> str:
        ratio = sk_s / mosaic_s
        return f"{ratio:.1f}x faster" if ratio >= 1 else f"{1 / ratio:.1f}x slower"

    clean_text = (
        f", from a clean pip install {versus(statistics.median(times[n]))}"
        if (n := "mosaic promote (clean pip install)") in times
        else ""
    )
    print(
        f"mosaic vs skopeo wall time: in process {versus(statistics.median(sdk_times))}, "
        f"as a whole command {versus(statistics.median(times['mosaic Promotion (python -c)']))} "
        f"(interpreter and imports), `mosaic promote` "
        f"{versus(statistics.median(times['mosaic promote (command)']))}{clean_text}; "
        f"requests {sdk_per_op:.1f} vs {sk_per_op:.1f} ({sk_per_op / sdk_per_op:.1f}x fewer)"
    )

    if args.hyperfine_runs > 0 and shutil.which("hyperfine") is not None:
        timed = {"mosaic promote": promote_with(mosaic)}
        if clean is not None:
            timed["mosaic promote (clean pip install)"] = promote_with(str(clean))
        timed["skopeo copy"] = skopeo_copy
        hyperfine(timed, skopeo_copy(b), a, args.hyperfine_runs)
    client.close()


def hyperfine(
    commands: dict[str, Callable[[Digest], list[str]]],
    reset: list[str],
    digest: Digest,
    runs: int,
) -> None:
    """``hyperfine`` over each command promoting ``digest``, with ``reset`` (moving prod
    away again) as an untimed ``--prepare`` before every run, warm-up runs included."""
    with tempfile.NamedTemporaryFile(suffix=".json") as export:
        argv = ["hyperfine", "--shell=none", "--warmup", "2", "--runs", str(runs)]
        argv += ["--prepare", " ".join(reset), "--export-json", export.name]
        for name, command in commands.items():
            argv += ["--command-name", name, " ".join(command(digest))]
        subprocess.run(argv, check=True, capture_output=True, env={**os.environ, "NO_COLOR": "1"})
        results = json.loads(Path(export.name).read_text())["results"]
    medians = {r["command"]: r["median"] for r in results}
    width = max(len(name) for name in medians)
    print(f"hyperfine {runs} runs each, prod reset before every run (untimed --prepare):")
    print(f"{'command'.ljust(width)}  median ms  mean CPU ms  x skopeo copy")
    for r in results:
        ratio = r["median"] / medians["skopeo copy"]
        cpu_ms = (r["user"] + r["system"]) * 1000
        median_ms = r["median"] * 1000
        print(f"{r['command'].ljust(width)}  {median_ms:9.1f}  {cpu_ms:11.1f}  {ratio:11.1f}x")


if __name__ == "__main__":
    main()
