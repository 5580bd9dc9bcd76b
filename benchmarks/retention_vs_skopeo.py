"""Retention plan over a 2,000-tag repository versus a sequential ``skopeo inspect --raw`` loop.

A local Debian ``docker-registry`` (started here, free 127.0.0.1 port) gets one repository
of 2,000 tags: 1,600 ``sha-*`` images (ages 0-120 days, half with the created annotation,
half with only the config ``created``), 300 release candidates and 60 releases sharing
those digests, the five pointer tags, and 35 cosign signature tags. Side by side:

* ``mosaic plan (8 threads)``: ``RetentionPolicy().plan(client, repo)`` - lists the tags,
  GETs every manifest, GETs the config of each ``sha-``/RC image without the annotation,
  cached by digest, eight requests at a time;
* ``mosaic plan (sequential)``: the same with ``concurrency=1``;
* ``skopeo inspect --raw loop``: ``skopeo inspect --tls-verify=false --raw
  docker://127.0.0.1:PORT/repo:TAG`` for every tag, one after another - what a shell
  script does to read the same manifests (it does not even read the configs).

The plan must be at least 10 times faster than the skopeo loop. ``--skopeo-sample N``
times only N skopeo calls and extrapolates (printed as such); the default runs them all.

Run: ``.venv/bin/python benchmarks/retention_vs_skopeo.py [--tags 2000] [--skopeo-sample N]``
"""

from __future__ import annotations

import argparse
import random
import shutil
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
from mosaic_sdk.registry import Manifest, RegistryClient  # noqa: E402
from mosaic_sdk.testing import push_image, push_signature  # noqa: E402
from tests._servers import RegistryServer  # noqa: E402

REPO = "bench/retention"
POINTERS = ("testing", "staging", "prod", "blue", "green")


class CountingTransport(httpx.HTTPTransport):
    def __init__(self) -> None:
        super().__init__()
        self.count = 0

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        self.count += 1  # one increment per request; races only lose a count under threads
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
    parser.add_argument("--skopeo-sample", type=int, default=0, help="0 = every tag")
    args = parser.parse_args()
    skopeo = shutil.which("skopeo")
    if skopeo is None:
        sys.exit("skopeo is not installed (Debian package skopeo); nothing to compare with")
    with tempfile.TemporaryDirectory() as work:
        server = RegistryServer(Path(work)).start()
        try:
            run(server, skopeo, args.tags, args.skopeo_sample)
        finally:
            server.stop()


def run(server: RegistryServer, skopeo: str, total: int, sample: int) -> None:
    now = datetime.now(timezone.utc)
    started = time.perf_counter()
    with RegistryClient(server.url) as client:
        tags = populate(client, total, now)
    print(f"pushed {tags} tags to {server.url}/{REPO} in {time.perf_counter() - started:.1f}s")

    results: list[tuple[str, float, int, str]] = []
    plan = None
    for name, concurrency in (("mosaic plan (8 threads)", 8), ("mosaic plan (sequential)", 1)):
        transport = CountingTransport()
        with RegistryClient(server.url, transport=transport) as client:
            started = time.perf_counter()
            plan = RetentionPolicy().plan(client, REPO, now=now, concurrency=concurrency)
            elapsed = time.perf_counter() - started
        results.append((name, elapsed, transport.count, ""))
    assert plan is not None

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
    elapsed = time.perf_counter() - started
    note = ""
    if sample:
        elapsed = elapsed / len(chosen) * len(all_tags)
        note = f"extrapolated from {len(chosen)} calls"
    # Each skopeo call pings /v2/ and GETs the manifest: two requests per tag.
    results.append(("skopeo inspect --raw loop", elapsed, 2 * len(all_tags), note))

    print(plan.summary())
    print(f"{'method':<28}{'wall s':>9}{'requests':>10}  note")
    for name, seconds, requests, extra in results:
        print(f"{name:<28}{seconds:>9.2f}{requests:>10}  {extra}")
    fast = results[0][1]
    ratio = results[-1][1] / fast
    print(
        f"ratio skopeo loop / mosaic plan: {ratio:.1f}x (sequential plan: "
        f"{results[-1][1] / results[1][1]:.1f}x) -> "
        f"{'OK, >= 10x' if ratio >= 10 else 'BELOW the 10x target'}"
    )


if __name__ == "__main__":
    main()
