"""Retention plan over a 2,000-tag repository versus a sequential ``skopeo inspect --raw`` loop.

A local Debian ``docker-registry`` (started here, free 127.0.0.1 port) gets one repository
of 2,000 tags: 1,600 ``sha-*`` images (ages 0-120 days, half with the created annotation,
half with only the config ``created``), 300 release candidates and 60 releases sharing
those digests, the five pointer tags, and 35 cosign signature tags. Side by side:

* ``mosaic plan, first run``: ``RetentionPolicy().plan(client, repo, cache=BlobCache(empty))``
  - lists the tags, GETs every manifest, GETs the config of each ``sha-``/RC image without
  the annotation (once per digest), eight requests at a time;
* ``mosaic plan, later run``: the same with the cache the first run filled - what every
  scheduled run after the first costs: configs are immutable, tags are read again;
* ``mosaic plan, first, sequential``: the first run with ``concurrency=1``;
* ``httpx alone, same GETs``: the first run's exact request list sent with a bare
  ``httpx.Client`` on eight threads and nothing else - the floor of the HTTP stack the SDK
  is built on, to show what the SDK itself adds;
* ``skopeo inspect --raw loop``: ``skopeo inspect --tls-verify=false --raw
  docker://127.0.0.1:PORT/repo:TAG`` for every tag, one after another - what a shell
  script does to read the same manifests (it does not even read the configs).

The client and the registry share this machine's cores, so every request costs both sides
CPU: the ratio depends on the core count and on noisy neighbours. The mosaic and httpx rows
run ``--repeat`` times, interleaved, and report the median. The plan must be at least 10
times faster than the skopeo loop. ``--skopeo-sample N`` times only N skopeo calls and
extrapolates (printed as such); the default runs them all.

Run: ``.venv/bin/python benchmarks/retention_vs_skopeo.py [--tags 2000] [--repeat 3]
[--skopeo-sample N]``
"""

from __future__ import annotations

import argparse
import random
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime, timedelta, timezone
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import httpx  # noqa: E402

from mosaic_sdk import RetentionPolicy  # noqa: E402
from mosaic_sdk.registry import ACCEPT_MANIFEST_TYPES, BlobCache, Manifest, RegistryClient  # noqa: E402
from mosaic_sdk.testing import push_image, push_signature  # noqa: E402
from tests._support.servers import RegistryServer  # noqa: E402

REPO = "bench/retention"
POINTERS = ("testing", "staging", "prod", "blue", "green")


class CountingTransport(httpx.HTTPTransport):
    """Records the path of every request the SDK sends (list.append is atomic)."""

    def __init__(self) -> None:
        super().__init__()
        self.paths: list[str] = []

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        self.paths.append(request.url.raw_path.decode())
        return super().handle_request(request)


def populate(client: RegistryClient, total: int, now: datetime) -> int:
    """Push the repository; return the number of tags."""
    rnd = random.Random(2000)
    n_sig = max(1, total * 35 // 2000)
    n_release = max(1, total * 60 // 2000)
    n_rc = max(1, total * 300 // 2000)
    n_sha = total - n_sig - n_release - n_rc - len(POINTERS)

    def one(i: int) -> Manifest:
        age = timedelta(days=rnd.uniform(0, 120))
        return push_image(
            client,
            REPO,
            f"sha-{i:07x}",
            created=now - age,
            created_in="annotation" if i % 2 else "config",
            seed=f"bench-{i}",
        )

    with ThreadPoolExecutor(max_workers=8) as pool:
        images = list(pool.map(one, range(n_sha)))
        retags = [(f"v1.{n // 10}.0-rc.{n % 10 + 1}", rnd.choice(images)) for n in range(n_rc)]
        retags += [(f"v2.{n}.0", rnd.choice(images)) for n in range(n_release)]
        retags += [(p, rnd.choice(images)) for p in POINTERS]
        list(pool.map(lambda item: client.put_manifest(REPO, item[0], item[1]), retags))
    # Sequential: distribution 2.8 can lose one of two concurrent uploads of the same blob
    # (every signature shares the empty config blob).
    for subject in rnd.sample(images, n_sig):
        push_signature(client, REPO, subject)
    return len(client.list_tags(REPO))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tags", type=int, default=2000)
    parser.add_argument("--repeat", type=int, default=3, help="runs of each mosaic row")
    parser.add_argument("--skopeo-sample", type=int, default=0, help="0 = every tag")
    args = parser.parse_args()
    skopeo = shutil.which("skopeo")
    if skopeo is None:
        sys.exit("skopeo is not installed (Debian package skopeo); nothing to compare with")
    with tempfile.TemporaryDirectory() as work:
        server = RegistryServer(Path(work)).start()
        try:
            run(server, Path(work), skopeo, args.tags, max(1, args.repeat), args.skopeo_sample)
        finally:
            server.stop()


def timed_plan(
    server: RegistryServer, now: datetime, cache: BlobCache, concurrency: int
) -> tuple[float, list[str]]:
    transport = CountingTransport()
    with RegistryClient(server.url, transport=transport) as client:
        started = time.perf_counter()
        RetentionPolicy().plan(client, REPO, now=now, concurrency=concurrency, cache=cache)
        elapsed = time.perf_counter() - started
    return elapsed, transport.paths


def timed_httpx(server: RegistryServer, paths: list[str]) -> float:
    headers = {"Accept": ACCEPT_MANIFEST_TYPES}
    limits = httpx.Limits(max_connections=8)
    with httpx.Client(base_url=server.url, headers=headers, limits=limits) as client:
        started = time.perf_counter()
        with ThreadPoolExecutor(max_workers=8) as pool:
            for response in pool.map(client.get, paths):
                response.raise_for_status()
        return time.perf_counter() - started


def run(
    server: RegistryServer, work: Path, skopeo: str, total: int, repeat: int, sample: int
) -> None:
    now = datetime.now(timezone.utc)
    started = time.perf_counter()
    with RegistryClient(server.url) as client:
        tags = populate(client, total, now)
    print(f"pushed {tags} tags to {server.url}/{REPO} in {time.perf_counter() - started:.1f}s")

    cold: list[float] = []
    warm: list[float] = []
    floor: list[float] = []
    requests: dict[str, int] = {}
    for n in range(repeat):
        folder = work / f"cache-{n}"
        seconds, paths = timed_plan(server, now, BlobCache(folder), 8)
        cold.append(seconds)
        requests["cold"] = len(paths)
        warmed = BlobCache(folder)
        seconds, warm_paths = timed_plan(server, now, warmed, 8)
        warm.append(seconds)
        requests["warm"] = len(warm_paths)
        requests["warm hits"] = warmed.hits
        floor.append(timed_httpx(server, [p for p in paths if "/tags/list" not in p]))
        requests["floor"] = len(paths) - 1
    sequential, _ = timed_plan(server, now, BlobCache(work / "cache-seq"), 1)

    with RegistryClient(server.url) as client:
        plan = RetentionPolicy().plan(client, REPO, now=now, cache=BlobCache(work / "cache-0"))
    all_tags = sorted(d.tag for d in plan.decisions)
    chosen = all_tags if not sample else random.Random(1).sample(all_tags, sample)
    started = time.perf_counter()
    for tag in chosen:
        subprocess.run(
            [
                skopeo,
                "inspect",
                "--tls-verify=false",
                "--raw",
                f"docker://{server.host}/{REPO}:{tag}",
            ],
            check=True,
            capture_output=True,
        )
    skopeo_s = time.perf_counter() - started
    note = ""
    if sample:
        skopeo_s = skopeo_s / len(chosen) * len(all_tags)
        note = f"extrapolated from {len(chosen)} calls"

    def runs(values: list[float]) -> str:
        return f"median of {len(values)}: " + " ".join(f"{v:.2f}" for v in values)

    cold_s, warm_s, floor_s = (statistics.median(v) for v in (cold, warm, floor))
    rows = [
        ("mosaic plan, first run", cold_s, requests["cold"], runs(cold)),
        (
            "mosaic plan, later run",
            warm_s,
            requests["warm"],
            f"{requests['warm hits']} configs from the cache; {runs(warm)}",
        ),
        ("mosaic plan, first, sequential", sequential, requests["cold"], "1 run"),
        ("httpx alone, same GETs", floor_s, requests["floor"], runs(floor)),
        # Each skopeo call pings /v2/ and GETs the manifest: two requests per tag.
        ("skopeo inspect --raw loop", skopeo_s, 2 * len(all_tags), note or "1 run"),
    ]
    print(plan.summary())
    print(f"{'method':<32}{'wall s':>9}{'requests':>10}  note")
    for name, seconds, count, extra in rows:
        print(f"{name:<32}{seconds:>9.2f}{count:>10}  {extra}")

    def verdict(ratio: float) -> str:
        return "OK, >= 10x" if ratio >= 10 else "BELOW the 10x target"

    first, later = skopeo_s / cold_s, skopeo_s / warm_s
    print(f"ratio skopeo loop / mosaic plan, first run: {first:.1f}x -> {verdict(first)}")
    print(f"ratio skopeo loop / mosaic plan, later run: {later:.1f}x -> {verdict(later)}")
    print(f"ratio skopeo loop / sequential first run:   {skopeo_s / sequential:.1f}x")
    print(
        f"SDK cost over bare httpx for the same requests: {cold_s / floor_s:.2f}x "
        "(1.00 = nothing added)"
    )


if __name__ == "__main__":
    main()
