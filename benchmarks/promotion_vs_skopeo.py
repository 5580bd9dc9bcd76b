"""Same-repository promotion: mosaic ``Promotion`` versus ``skopeo copy``.

One local Debian ``docker-registry`` (started here, on a free 127.0.0.1 port) holds two
images A and B of one repository. Each round moves ``prod`` to the other image, so every
round really writes. Side by side:

* ``mosaic (in process)``: ``Promotion(client, repo).promote(digest, to="prod", force=True)``
  on one long-lived ``RegistryClient`` (``force`` because skopeo does no order check either);
* ``mosaic (whole command)``: the same promotion as a fresh ``python -c`` process (import,
  client, promotion), i.e. what a CI step costs;
* ``mosaic promote``: the command line, ``mosaic promote DIGEST --to prod --force
  --registry URL --repository REPO`` (the console script a CI job runs);
* ``skopeo copy``: ``skopeo copy --src-tls-verify=false --dest-tls-verify=false
  docker://127.0.0.1:PORT/repo@sha256:... docker://127.0.0.1:PORT/repo:prod``.

Requests are counted by the registry's own access log for all three (so skopeo's
``/v2/`` pings and blob reads count too), and for the SDK also by a counting transport.
Each result also says whether ``prod`` ended on the source digest (skopeo may rewrite the
manifest: then the digest changes).

Run: ``.venv/bin/python benchmarks/promotion_vs_skopeo.py [--rounds 30] [--command-rounds 10]``
"""

from __future__ import annotations

import argparse
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
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


def row(name: str, times: list[float], requests: float, preserved: bool) -> tuple[str, ...]:
    ms = statistics.median(times) * 1000
    return (name, f"{requests:.1f}", f"{ms:.1f}", "yes" if preserved else "NO")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=30, help="in-process and skopeo rounds")
    parser.add_argument("--command-rounds", type=int, default=10, help="whole-command rounds")
    args = parser.parse_args()
    skopeo = shutil.which("skopeo")
    if skopeo is None:
        sys.exit("skopeo is not installed (Debian package skopeo); nothing to compare with")

    with tempfile.TemporaryDirectory() as work:
        server = RegistryServer(Path(work)).start()
        try:
            run(server, skopeo, args.rounds, args.command_rounds)
        finally:
            server.stop()


def run(server: RegistryServer, skopeo: str, rounds: int, command_rounds: int) -> None:
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

    # 2. SDK as a whole command (a fresh interpreter per promotion).
    code = (
        "import sys; from mosaic_sdk import Promotion; from mosaic_sdk.registry import "
        "RegistryClient; c = RegistryClient(sys.argv[1]); "
        "print(Promotion(c, sys.argv[2], actor='bench').promote(sys.argv[3], to='prod', "
        "force=True).digest_after)"
    )
    cmd_times: list[float] = []
    cmd_logged = 0
    cmd_ok = True
    for i in range(command_rounds):
        digest = digests[i % 2]
        before_l = settle(server)
        started = time.perf_counter()
        out = subprocess.run(
            [sys.executable, "-c", code, server.url, REPO, str(digest)],
            check=True,
            capture_output=True,
            text=True,
            cwd=ROOT,
        )
        cmd_times.append(time.perf_counter() - started)
        cmd_logged += settle(server) - before_l
        cmd_ok &= out.stdout.strip() == str(digest) and client.resolve(REPO, "prod") == digest

    # 3. The mosaic command line, as a CI job runs it.
    mosaic = str(Path(sys.executable).with_name("mosaic"))
    cli_times: list[float] = []
    cli_logged = 0
    cli_ok = True
    for i in range(command_rounds):
        digest = digests[i % 2]
        before_l = settle(server)
        started = time.perf_counter()
        subprocess.run(
            [
                *(mosaic, "promote", str(digest), "--to", "prod", "--force"),
                *("--actor", "bench", "--registry", server.url, "--repository", REPO),
            ],
            check=True,
            capture_output=True,
            cwd=ROOT,
        )
        cli_times.append(time.perf_counter() - started)
        cli_logged += settle(server) - before_l
        cli_ok &= client.resolve(REPO, "prod") == digest

    # 4. skopeo copy by digest to the tag.
    sk_times: list[float] = []
    sk_logged = 0
    sk_ok = True
    sk_sequence: list[str] = []
    host = server.host
    for i in range(rounds):
        digest = digests[i % 2]
        before_l = settle(server)
        started = time.perf_counter()
        subprocess.run(
            [
                skopeo,
                "copy",
                "--quiet",
                "--src-tls-verify=false",
                "--dest-tls-verify=false",
                f"docker://{host}/{REPO}@{digest}",
                f"docker://{host}/{REPO}:prod",
            ],
            check=True,
            capture_output=True,
        )
        sk_times.append(time.perf_counter() - started)
        after_l = settle(server)
        sk_logged += after_l - before_l
        sk_sequence = server.requests_logged()[before_l:after_l]
        now_digest: Digest = client.resolve(REPO, "prod")
        sk_ok &= now_digest == digest
    client.close()

    rows = [
        row("mosaic Promotion (in process)", sdk_times, sdk_logged / rounds, sdk_ok),
        row("mosaic Promotion (python -c)", cmd_times, cmd_logged / command_rounds, cmd_ok),
        row("mosaic promote (command)", cli_times, cli_logged / command_rounds, cli_ok),
        row("skopeo copy", sk_times, sk_logged / rounds, sk_ok),
    ]
    headers = ("method", "requests/op", "median ms/op", "digest kept")
    widths = [max(len(h), *(len(r[i]) for r in rows)) for i, h in enumerate(headers)]
    print(f"same-repository promotion of {REPO} on docker-registry 2.8 at {server.url}")
    print(f"rounds: {rounds} in process and skopeo, {command_rounds} whole commands")
    print("  ".join(h.ljust(w) for h, w in zip(headers, widths, strict=True)))
    for r in rows:
        print("  ".join(c.ljust(w) for c, w in zip(r, widths, strict=True)))
    print(f"SDK requests seen by its own transport: {sdk_wire / rounds:.1f}/op")
    print("one SDK promotion, as sent:", "; ".join(sdk_sequence))
    print("one skopeo copy, as logged by the registry (completion order):")
    print("  " + "; ".join(line.removesuffix(" HTTP/1.1") for line in sk_sequence))
    sk_ms = statistics.median(sk_times)

    def versus(mosaic_s: float) -> str:
        ratio = sk_ms / mosaic_s
        return f"{ratio:.1f}x faster" if ratio >= 1 else f"{1 / ratio:.1f}x slower"

    print(
        f"mosaic vs skopeo wall time: in process {versus(statistics.median(sdk_times))}, "
        f"as a whole command {versus(statistics.median(cmd_times))} (interpreter and imports), "
        f"`mosaic promote` {versus(statistics.median(cli_times))}; "
        f"requests {sdk_logged / rounds:.1f} vs {sk_logged / rounds:.1f} "
        f"({(sk_logged / rounds) / (sdk_logged / rounds):.1f}x fewer)"
    )


if __name__ == "__main__":
    main()
