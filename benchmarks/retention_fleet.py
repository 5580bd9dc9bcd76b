"""Retention plan over 50 repositories x 200 tags versus a ``skopeo inspect --raw`` loop and a
bare ``httpx`` client sending the same requests, on loopback and behind a 20 ms proxy.

A local Debian ``docker-registry`` (started here, free 127.0.0.1 port) gets ``--repos``
repositories of ``--tags`` tags each: a repository's history (:func:`_tags_of`) of
``--manifests`` (20) images 0-114 days old by their ``org.opencontainers.image.created``
annotation, carrying 60 % ``sha-*`` tags, 30 % release candidates, 7.5 % finals and the
five pointers, so the default policy deletes 8 of 20 digests (72 of 200 tags) per
repository. They are built fast: per repository the blobs of one small image (a config
and a 4 KiB layer) are uploaded once, each manifest is PUT once, by its first tag, and
every other tag is written into the registry's filesystem storage as the two link files a
manifest PUT by tag writes (``_manifests/tags/<tag>/current/link`` and
``index/sha256/<hex>/link``), which the registry serves at once: no cache is configured.
``--populate api`` PUTs every tag instead (10,000 PUTs: about two minutes on a busy
two-core machine). Side by side, in one run:

* ``mosaic fleet plan``: ``AsyncRetentionFleet(client, concurrency=N).plan(now=...)``,
  every repository planned under one shared budget of ``--concurrency`` requests in
  flight. It lists the catalog, each repository's tags and GETs each tag's manifest
  (digest-checked and parsed); no config is read (the ages are in the annotations);
* ``httpx alone, same requests``: the exact request list the SDK sent (recorded by an
  httpx transport in a first, untimed run that also warms the registry) replayed by a
  bare ``httpx.AsyncClient`` with the same ``--concurrency``, bodies read but not
  parsed: the floor of the HTTP stack, to show what the SDK adds;
* ``skopeo loop``: ``skopeo list-tags`` per repository and ``skopeo inspect --raw`` per
  tag, one after another, as a shell script would read the same manifests. It is timed on
  a random sample (``--skopeo-sample`` inspects, 5 listings) and extrapolated to every tag
  and repository; the output says so. ``--skopeo-sample 0`` runs the whole loop (about 5
  minutes on loopback, 15 behind the proxy).

Both on loopback and behind ``benchmarks/_latency_proxy.py`` (its own process), which
delays every request by ``--delay-ms`` (20): a registry across the internet. Requests per
tag come from the registry's access log. The mosaic and httpx rows run ``--repeat`` (3)
times, interleaved, and report the median wall time and the median CPU time of this
process (the client's own cost, steadier than wall time on a busy machine). Goals (issue
#17): behind the proxy at least 20x the skopeo loop, and the SDK within 1.2x of bare httpx
for the same requests.

Run: ``.venv/bin/python benchmarks/retention_fleet.py [--repos 50] [--tags 200]
[--concurrency 16] [--repeat 3] [--skopeo-sample 150] [--delay-ms 20]``
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

from mosaic_sdk.registry import (  # noqa: E402
    OCI_CONFIG,
    OCI_LAYER_GZIP,
    OCI_MANIFEST,
    AsyncRegistryClient,
    Manifest,
    RegistryClient,
)
from mosaic_sdk.release import AsyncRetentionFleet  # noqa: E402
from tests._support.servers import RegistryServer  # noqa: E402

POINTERS = ("testing", "staging", "prod", "blue", "green")


# -- the registry --------------------------------------------------------------------------


def _tags_of(repo_index: int, count: int, manifests: int) -> list[tuple[str, int]]:
    """(tag, image index) pairs of one repository's history; image 0 is the newest and
    image ``n`` is ``6n`` days old (see :func:`populate`).

    60 % are ``sha-*`` tags spread evenly over the images, 30 % release candidates
    (``v1.B.0-rc.1`` ... ``rc.6``: base ``B`` has rc.1-3 on one image and rc.4-6 on the next
    newer one, newer bases on newer images), 7.5 % finals on every fourth image, and the
    five pointers on the newest images. With the default policy (``sha-*`` 14 days, RCs 30
    days, the newest 3 RCs of each base kept) the old images that carry only ``sha-*`` tags
    and the three oldest RCs of a base are deleted: 8 of 20 digests and 72 of 200 tags."""
    n_pointer = len(POINTERS)
    n_release = max(1, count * 15 // 200)
    n_rc = count * 60 // 200
    n_sha = count - n_pointer - n_release - n_rc
    bases = max(1, n_rc // 6)
    out = [(f"sha-{repo_index:02x}{n:05x}", n % manifests) for n in range(n_sha)]
    for n in range(n_rc):
        base, rc = divmod(n, 6)
        image = 2 * (bases - 1 - base) + (1 if rc < 3 else 0)
        out.append((f"v1.{base}.0-rc.{rc + 1}", image % manifests))
    out += [(f"v{k + 2}.0.0", (k * 4) % manifests) for k in range(n_release)]
    out += [(p, k % manifests) for k, p in enumerate(POINTERS)]
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
            pairs = _tags_of(index, tags, manifests)
            first: dict[int, str] = {}
            for tag, image in pairs:
                if image in first and storage is not None:
                    _link_tag(storage, repo, first[image], tag)
                    continue
                client.put_manifest(repo, tag, images[image])
                first.setdefault(image, tag)
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
    plan = await AsyncRetentionFleet(client, concurrency=concurrency).plan(now=now)
    return str(plan.summary())


#: (wall seconds, CPU seconds of this process) of one timed run.
Timing = tuple[float, float]


async def timed_sdk(
    url: str, now: datetime, concurrency: int, record: bool = False
) -> tuple[Timing, int, list[tuple[str, str, str | None]], str]:
    transport = RecordingTransport(limits=_limits(concurrency)) if record else None
    if transport is None:
        transport = httpx.AsyncHTTPTransport(limits=_limits(concurrency))
    async with AsyncRegistryClient(url, transport=transport) as client:
        started, cpu = time.perf_counter(), time.process_time()
        summary = await _fleet_plan(client, now, concurrency)
        timing = (time.perf_counter() - started, time.process_time() - cpu)
        count = client.request_count
    sent = transport.sent if isinstance(transport, RecordingTransport) else []
    return timing, count, sent, summary


async def timed_httpx(
    url: str, requests: Sequence[tuple[str, str, str | None]], concurrency: int
) -> Timing:
    gate = asyncio.Semaphore(concurrency)
    async with httpx.AsyncClient(base_url=url, limits=_limits(concurrency)) as client:

        async def send(method: str, path: str, accept: str | None) -> None:
            async with gate:
                headers = {"Accept": accept} if accept else {}
                response = await client.request(method, path, headers=headers)
                response.raise_for_status()

        started, cpu = time.perf_counter(), time.process_time()
        await asyncio.gather(*(send(*r) for r in requests))
        return time.perf_counter() - started, time.process_time() - cpu


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
    # An untimed first run records the request list the httpx rows replay and warms
    # the registry (its first read of each link file); then the timed runs, interleaved.
    before = _logged(server)
    _, count, sent, summary = asyncio.run(timed_sdk(url, now, args.concurrency, record=True))
    seen = _wait_logged(server, before + count) - before
    sdk: list[Timing] = []
    floor: list[Timing] = []
    for _ in range(args.repeat):
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


def _median(runs: Sequence[Timing], index: int) -> float:
    return statistics.median(run[index] for run in runs)


def report(rows: Sequence[dict[str, Any]], tags: int, repos: int, concurrency: int) -> None:
    print(f"\n{repos} repositories x {tags // repos} tags = {tags} tags; mosaic: "
          f"AsyncRetentionFleet.plan, {concurrency} requests in flight")  # fmt: skip
    header = f"{'network':<22}{'method':<30}{'wall s':>9}{'CPU s':>8}{'req/tag':>9}  note"
    print(header)
    print("-" * len(header))
    for row in rows:
        per_tag = row["requests"] / tags
        for name, runs, note in (
            ("mosaic fleet plan", row["sdk"],
             f"; {row['requests']} requests ({row['logged']} in the registry log)"),
            ("httpx alone, same requests", row["floor"], ""),
        ):  # fmt: skip
            walls = " ".join(f"{w:.2f}" for w, _ in runs)
            label = row["label"] if name.startswith("mosaic") else ""
            print(f"{label:<22}{name:<30}{_median(runs, 0):>9.2f}{_median(runs, 1):>8.2f}"
                  f"{per_tag:>9.3f}  median of {len(runs)} (wall {walls}){note}")  # fmt: skip
        print(f"{'':<22}{'skopeo loop (sequential)':<30}{row['skopeo_s']:>9.2f}{'':>8}"
              f"{row['skopeo_per_tag']:>9.3f}  {row['skopeo_note']}")  # fmt: skip
    print()
    for row in rows:
        sdk_s, floor_s = _median(row["sdk"], 0), _median(row["floor"], 0)
        sdk_cpu, floor_cpu = _median(row["sdk"], 1), _median(row["floor"], 1)
        speedup = row["skopeo_s"] / sdk_s
        goal = ""
        if "proxy" in row["label"]:
            goal = " -> " + ("OK, >= 20x" if speedup >= 20 else "BELOW the 20x goal")
        overhead = sdk_s / floor_s
        print(f"{row['label']}: skopeo loop / mosaic = {speedup:.1f}x{goal}; "
              f"mosaic / bare httpx = {overhead:.2f}x wall, {sdk_cpu / floor_cpu:.2f}x CPU -> "
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
        "--repeat", type=int, default=3, help="timed runs of each mosaic/httpx row (interleaved)"
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
            pairs = [
                (r, t)
                for i, r in enumerate(repos)
                for t, _ in _tags_of(i, args.tags, args.manifests)
            ]
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
