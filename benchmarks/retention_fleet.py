"""Retention plan over 50 repositories x 200 tags versus a ``skopeo inspect --raw`` loop and a
bare ``httpx`` client sending the same requests, on loopback and behind a 20 ms proxy.

A local Debian ``docker-registry`` (started here, free 127.0.0.1 port) gets ``--repos``
repositories of ``--tags`` tags each. They are built fast: per repository the blobs of one
small image (a config and a 4 KiB layer) are uploaded once, then ``--manifests`` distinct
manifests that share those blobs (each with its own ``org.opencontainers.image.created``
annotation, 0-114 days old) are PUT once each, by their first tag; every other tag (per
repository 120 ``sha-*`` tags, 60 release candidates, 15 releases and the five pointer tags
in all) is written into the registry's filesystem storage as the two link files a manifest
PUT by tag writes (``_manifests/tags/<tag>/current/link`` and ``index/sha256/<hex>/link``),
which the registry serves at once: no cache is configured. ``--populate api`` PUTs every
tag instead (10,000 PUTs: about two minutes on a busy two-core machine). Side by side, in
one run:

* ``mosaic fleet plan``: every repository planned with one shared budget of
  ``--concurrency`` requests in flight - ``AsyncRetentionFleet(client,
  concurrency=N).plan(now=...)`` when the fleet API is there, else each repository's
  ``RetentionPolicy().aplan(...)`` with the repositories ``N/4`` at a time and 4 requests
  each (the script says which it used). It lists the catalog, each repository's tags and
  GETs each tag's manifest; no config is read (the ages are in the annotations);
* ``httpx alone, same requests``: the exact request list the SDK sent (recorded by an
  httpx transport in a first, untimed run) replayed by a bare ``httpx.AsyncClient`` with
  the same ``--concurrency`` - the floor of the HTTP stack, to show what the SDK adds;
* ``skopeo loop``: ``skopeo list-tags`` per repository and ``skopeo inspect --raw`` per
  tag, one after another, as a shell script would read the same manifests. It is timed on
  a random sample (``--skopeo-sample`` inspects, 5 listings) and extrapolated to every tag
  and repository; the output says so. ``--skopeo-sample 0`` runs the whole loop (about 5
  minutes on loopback, 15 behind the proxy).

Both on loopback and behind ``benchmarks/_latency_proxy.py`` (its own process), which
delays every request by ``--delay-ms`` (20): a registry across the internet. Requests per
tag come from the registry's access log. The mosaic and httpx rows run ``--repeat`` times,
interleaved, and report the median. Goals (issue #17): behind the proxy at least 20x the
skopeo loop, and the SDK within 1.2x of bare httpx for the same requests.

Run: ``.venv/bin/python benchmarks/retention_fleet.py [--repos 50] [--tags 200]
[--concurrency 16] [--repeat 1] [--skopeo-sample 150] [--delay-ms 20]``
"""

from __future__ import annotations

import argparse
import asyncio
import json
import random
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import httpx  # noqa: E402

from mosaic_sdk import RetentionPolicy  # noqa: E402
from mosaic_sdk.registry import (  # noqa: E402
    OCI_CONFIG,
    OCI_LAYER_GZIP,
    OCI_MANIFEST,
    AsyncRegistryClient,
    Manifest,
    RegistryClient,
)
from tests._support.servers import RegistryServer  # noqa: E402

try:  # the fleet API (issue #17), when this checkout has it
    from mosaic_sdk.release import AsyncRetentionFleet  # type: ignore[attr-defined]
except ImportError:  # pragma: no cover - depends on the checkout
    AsyncRetentionFleet = None

POINTERS = ("testing", "staging", "prod", "blue", "green")


# -- the registry --------------------------------------------------------------------------


def _tags_of(repo_index: int, count: int) -> list[tuple[str, int]]:
    """(tag, image index) pairs: 60 % sha-, 30 % RCs, the rest releases and pointers; the
    releases and pointers name the five newest images, so the old ones are deleted."""
    n_pointer = len(POINTERS)
    n_release = max(1, count * 15 // 200)
    n_rc = count * 60 // 200
    n_sha = count - n_pointer - n_release - n_rc
    out = [(f"sha-{repo_index:02x}{n:05x}", n) for n in range(n_sha)]
    out += [(f"v1.{n // 6}.0-rc.{n % 6 + 1}", n * 7) for n in range(n_rc)]
    out += [(f"v{k + 2}.0.0", k % 5) for k in range(n_release)]
    out += [(p, k) for k, p in enumerate(POINTERS)]
    return out


def _link_tag(storage: Path, repo: str, existing: str, tag: str) -> None:
    """Tag the manifest ``existing`` names as ``tag`` too, in distribution 2.8's filesystem
    storage: a tag is ``_manifests/tags/<tag>/current/link`` (the digest) and
    ``_manifests/tags/<tag>/index/<alg>/<hex>/link``; what a manifest PUT by tag writes when
    the manifest is already there."""
    tags = storage / "docker" / "registry" / "v2" / "repositories" / repo / "_manifests" / "tags"
    shutil.copytree(tags / existing, tags / tag)


def populate(
    url: str,
    repos: Sequence[str],
    tags: int,
    manifests: int,
    now: datetime,
    storage: Path | None,
) -> int:
    """Push every repository; return the number of tags. With ``storage`` (the registry's
    filesystem root) each manifest is PUT once, by its first tag, and its other tags are
    written as the two link files a PUT by tag would write; without it every tag is a PUT.
    """

    def one_repo(item: tuple[int, str]) -> int:
        index, repo = item
        rnd = random.Random(index)
        with RegistryClient(url) as client:
            layer = rnd.randbytes(4096)
            layer_digest = client.put_blob(repo, layer)
            config = json.dumps(
                {
                    "architecture": "amd64",
                    "os": "linux",
                    "rootfs": {"type": "layers", "diff_ids": [str(layer_digest)]},
                },
                separators=(",", ":"),
            ).encode()
            config_digest = client.put_blob(repo, config)
            images = []
            for n in range(manifests):
                created = now - timedelta(days=n * 6, hours=rnd.random())
                images.append(
                    Manifest.from_json(
                        {
                            "schemaVersion": 2,
                            "mediaType": OCI_MANIFEST,
                            "config": {
                                "mediaType": OCI_CONFIG,
                                "digest": str(config_digest),
                                "size": len(config),
                            },
                            "layers": [
                                {
                                    "mediaType": OCI_LAYER_GZIP,
                                    "digest": str(layer_digest),
                                    "size": len(layer),
                                }
                            ],
                            "annotations": {
                                "org.opencontainers.image.created": created.isoformat()
                            },
                        }
                    )
                )
            pairs = _tags_of(index, tags)
            first: dict[int, str] = {}
            for tag, image in pairs:
                if image % manifests in first and storage is not None:
                    _link_tag(storage, repo, first[image % manifests], tag)
                    continue
                client.put_manifest(repo, tag, images[image % manifests])
                first.setdefault(image % manifests, tag)
            return len(pairs)

    with ThreadPoolExecutor(max_workers=8) as pool:
        return sum(pool.map(one_repo, enumerate(repos)))


class Proxy:
    """``benchmarks/_latency_proxy.py`` in a process of its own."""

    def __init__(self, upstream: str, delay_ms: float) -> None:
        self.process = subprocess.Popen(
            [sys.executable, str(ROOT / "benchmarks" / "_latency_proxy.py"),
             "--upstream", upstream, "--delay-ms", str(delay_ms)],
            stdout=subprocess.PIPE,
            text=True,
        )  # fmt: skip
        assert self.process.stdout is not None
        self.port = int(self.process.stdout.readline())
        self.host = f"127.0.0.1:{self.port}"
        self.url = f"http://{self.host}"

    def stop(self) -> None:
        self.process.terminate()
        self.process.wait(timeout=10)


# -- the three ways to read the fleet ----------------------------------------------------


class RecordingTransport(httpx.AsyncHTTPTransport):
    """Records (method, path with query, Accept) of every request the SDK sends."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.sent: list[tuple[str, str, str | None]] = []

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        self.sent.append(
            (request.method, request.url.raw_path.decode(), request.headers.get("accept"))
        )
        return await super().handle_async_request(request)


def _limits(concurrency: int) -> httpx.Limits:
    return httpx.Limits(max_connections=concurrency, max_keepalive_connections=concurrency)


async def _fleet_plan(client: AsyncRegistryClient, now: datetime, concurrency: int) -> str:
    if AsyncRetentionFleet is not None:
        fleet = AsyncRetentionFleet(client, concurrency=concurrency)
        plan = await fleet.plan(now=now)
        return str(plan.summary())
    repos = await client.repositories()
    per_repo = 4 if concurrency >= 4 else concurrency
    gate = asyncio.Semaphore(max(1, concurrency // per_repo))
    policy = RetentionPolicy()

    async def one(repo: str) -> Any:
        async with gate:
            return await policy.aplan(client, repo, now=now, concurrency=per_repo)

    plans = await asyncio.gather(*(one(r) for r in repos))
    tags = sum(len(p.decisions) for p in plans)
    deletes = sum(len(p.deletions) for p in plans)
    return f"{len(plans)} repositories, {tags} tags, delete {deletes} digests"


async def timed_sdk(
    url: str, now: datetime, concurrency: int, record: bool = False
) -> tuple[float, int, list[tuple[str, str, str | None]], str]:
    transport = RecordingTransport(limits=_limits(concurrency)) if record else None
    if transport is None:
        transport = httpx.AsyncHTTPTransport(limits=_limits(concurrency))
    async with AsyncRegistryClient(url, transport=transport) as client:
        started = time.perf_counter()
        summary = await _fleet_plan(client, now, concurrency)
        elapsed = time.perf_counter() - started
        count = client.request_count
    sent = transport.sent if isinstance(transport, RecordingTransport) else []
    return elapsed, count, sent, summary


async def timed_httpx(
    url: str, requests: Sequence[tuple[str, str, str | None]], concurrency: int
) -> float:
    gate = asyncio.Semaphore(concurrency)
    async with httpx.AsyncClient(base_url=url, limits=_limits(concurrency)) as client:

        async def send(method: str, path: str, accept: str | None) -> None:
            async with gate:
                headers = {"Accept": accept} if accept else {}
                response = await client.request(method, path, headers=headers)
                response.raise_for_status()

        started = time.perf_counter()
        await asyncio.gather(*(send(*r) for r in requests))
        return time.perf_counter() - started


def timed_skopeo(
    skopeo: str,
    host: str,
    server: RegistryServer,
    pairs: Sequence[tuple[str, str]],
    repos: Sequence[str],
) -> tuple[float, float, float, float]:
    """Seconds and registry requests per ``inspect --raw`` and per ``list-tags``,
    sequential."""

    def run(*argv: str) -> None:
        subprocess.run([skopeo, *argv], check=True, capture_output=True)

    before = _logged(server)
    started = time.perf_counter()
    for repo in repos:
        run("list-tags", "--tls-verify=false", f"docker://{host}/{repo}")
    per_list = (time.perf_counter() - started) / len(repos)
    middle = _wait_logged(server, before + 2 * len(repos))
    started = time.perf_counter()
    for repo, tag in pairs:
        run("inspect", "--tls-verify=false", "--raw", f"docker://{host}/{repo}:{tag}")
    per_inspect = (time.perf_counter() - started) / len(pairs)
    after = _wait_logged(server, middle + 2 * len(pairs))
    return per_inspect, per_list, (after - middle) / len(pairs), (middle - before) / len(repos)


# -- the run ------------------------------------------------------------------------------


def _logged(server: RegistryServer) -> int:
    return len(server.requests_logged())


def _wait_logged(server: RegistryServer, at_least: int) -> int:
    deadline = time.monotonic() + 5
    count = _logged(server)
    while count < at_least and time.monotonic() < deadline:
        time.sleep(0.05)
        count = _logged(server)
    return count


def measure(
    label: str,
    url: str,
    host: str,
    server: RegistryServer,
    skopeo: str,
    now: datetime,
    all_pairs: Sequence[tuple[str, str]],
    repos: Sequence[str],
    args: argparse.Namespace,
) -> dict[str, Any]:
    # The first mosaic run also records the request list the httpx rows replay (an
    # append per request: nothing to measure next to a request).
    before = _logged(server)
    first, count, sent, summary = asyncio.run(timed_sdk(url, now, args.concurrency, record=True))
    seen = _wait_logged(server, before + count) - before
    sdk: list[float] = [first]
    floor: list[float] = [asyncio.run(timed_httpx(url, sent, args.concurrency))]
    for _ in range(args.repeat - 1):
        floor.append(asyncio.run(timed_httpx(url, sent, args.concurrency)))
        sdk.append(asyncio.run(timed_sdk(url, now, args.concurrency))[0])

    rng = random.Random(label)
    sample = args.skopeo_sample
    pairs = (
        list(all_pairs) if sample <= 0 else rng.sample(list(all_pairs), min(sample, len(all_pairs)))
    )
    listed = list(repos) if sample <= 0 else rng.sample(list(repos), min(5, len(repos)))
    per_inspect, per_list, inspect_requests, list_requests = timed_skopeo(
        skopeo, host, server, pairs, listed
    )
    skopeo_s = per_inspect * len(all_pairs) + per_list * len(repos)
    skopeo_requests = inspect_requests * len(all_pairs) + list_requests * len(repos)
    return {
        "label": label,
        "summary": summary,
        "sdk": sdk,
        "floor": floor,
        "requests": count,
        "logged": seen,
        "skopeo_s": skopeo_s,
        "skopeo_per_tag": skopeo_requests / len(all_pairs),
        "skopeo_note": (
            "every tag"
            if sample <= 0
            else f"extrapolated from {len(pairs)} inspects and {len(listed)} listings"
        ),
    }


def report(rows: Sequence[dict[str, Any]], tags: int, repos: int, concurrency: int) -> None:
    api = (
        "AsyncRetentionFleet.plan"
        if AsyncRetentionFleet is not None
        else ("RetentionPolicy.aplan per repository (no fleet API in this checkout)")
    )
    print(f"\n{repos} repositories x {tags // repos} tags = {tags} tags; mosaic: {api}, "
          f"{concurrency} requests in flight")  # fmt: skip
    header = f"{'network':<22}{'method':<30}{'wall s':>9}{'req/tag':>9}  note"
    print(header)
    print("-" * len(header))
    for row in rows:
        sdk_s, floor_s = statistics.median(row["sdk"]), statistics.median(row["floor"])
        per_tag = row["requests"] / tags
        runs = " ".join(f"{v:.2f}" for v in row["sdk"])
        print(f"{row['label']:<22}{'mosaic fleet plan':<30}{sdk_s:>9.2f}{per_tag:>9.3f}  "
              f"median of {len(row['sdk'])}: {runs}; {row['requests']} requests "
              f"({row['logged']} in the registry log)")  # fmt: skip
        runs = " ".join(f"{v:.2f}" for v in row["floor"])
        print(f"{'':<22}{'httpx alone, same requests':<30}{floor_s:>9.2f}{per_tag:>9.3f}  "
              f"median of {len(row['floor'])}: {runs}")  # fmt: skip
        print(f"{'':<22}{'skopeo loop (sequential)':<30}{row['skopeo_s']:>9.2f}"
              f"{row['skopeo_per_tag']:>9.3f}  {row['skopeo_note']}")  # fmt: skip
    print()
    for row in rows:
        sdk_s, floor_s = statistics.median(row["sdk"]), statistics.median(row["floor"])
        speedup = row["skopeo_s"] / sdk_s
        overhead = sdk_s / floor_s
        goal = ""
        if "proxy" in row["label"]:
            goal = " -> " + ("OK, >= 20x" if speedup >= 20 else "BELOW the 20x goal")
        print(f"{row['label']}: skopeo loop / mosaic = {speedup:.1f}x{goal}; "
              f"mosaic / bare httpx = {overhead:.2f}x -> "
              f"{'OK, <= 1.2x' if overhead <= 1.2 else 'ABOVE the 1.2x goal'}")  # fmt: skip
    print(f"plan: {rows[0]['summary']}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repos", type=int, default=50)
    parser.add_argument("--tags", type=int, default=200, help="tags per repository (>= 40)")
    parser.add_argument(
        "--manifests", type=int, default=20, help="distinct manifests per repository"
    )
    parser.add_argument("--concurrency", type=int, default=16)
    parser.add_argument(
        "--repeat", type=int, default=1, help="timed runs of each mosaic/httpx row (interleaved)"
    )
    parser.add_argument("--skopeo-sample", type=int, default=150, help="0 = every tag")
    parser.add_argument("--delay-ms", type=float, default=20.0)
    parser.add_argument(
        "--populate",
        choices=("links", "api"),
        default="links",
        help="links: one PUT per manifest, the other tags as storage link files (default); "
        "api: one PUT per tag (slow)",
    )
    args = parser.parse_args()
    skopeo = shutil.which("skopeo")
    if skopeo is None:
        sys.exit("skopeo is not installed (Debian package skopeo); nothing to compare with")
    with tempfile.TemporaryDirectory() as work:
        server = RegistryServer(Path(work)).start()
        proxy = None
        try:
            now = datetime.now(timezone.utc)
            repos = [f"fleet/app-{n:02d}" for n in range(args.repos)]
            started = time.perf_counter()
            storage = server.storage if args.populate == "links" else None
            total = populate(server.url, repos, args.tags, args.manifests, now, storage)
            took = time.perf_counter() - started
            print(f"pushed {total} tags in {len(repos)} repositories "
                  f"({args.manifests} manifests each) in {took:.1f}s")  # fmt: skip
            pairs = [(r, t) for i, r in enumerate(repos) for t, _ in _tags_of(i, args.tags)]
            rows = [
                measure(
                    "loopback", server.url, server.host, server, skopeo, now, pairs, repos, args
                )
            ]
            proxy = Proxy(server.host, args.delay_ms)
            label = f"proxy +{args.delay_ms:g} ms/request"
            rows.append(
                measure(label, proxy.url, proxy.host, server, skopeo, now, pairs, repos, args)
            )
            report(rows, total, len(repos), args.concurrency)
        finally:
            if proxy is not None:
                proxy.stop()
            server.stop()


if __name__ == "__main__":
    main()
