"""Debian's ``prometheus`` on a free loopback port, for integration tests.

``PrometheusServer(workdir, {"app": "127.0.0.1:8081"})`` writes a config with a 1 s scrape
interval, keeps its TSDB in ``workdir``, starts the binary on a free 127.0.0.1 port and
waits for ``/-/ready``; ``server.wait_for(query)`` waits until a query answers a non-zero
value (the first scrapes are in). ``rule_files=[path]`` loads rule files (evaluated every
``evaluation_interval``, the scrape interval by default); ``labels={"job": {"version":
"v1"}}`` attaches target labels to a job's samples (how a canary's baseline comparison
tells the releases apart); :func:`alerts` reads
``/api/v1/alerts``. Missing binary: skip, or fail under ``MOSAIC_REQUIRE_SERVERS=1``
(``require_binary``).
"""

from __future__ import annotations

import json
import subprocess
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Mapping, Sequence
from pathlib import Path

from tests._support.servers import free_port, require_binary

__all__ = ["PrometheusServer", "alerts", "wait_until_ready"]


def alerts(url: str) -> list[dict[str, object]]:
    """The active (pending and firing) alerts of the Prometheus at ``url``."""
    with urllib.request.urlopen(f"{url}/api/v1/alerts", timeout=5) as response:  # noqa: S310
        body = json.load(response)
    assert body["status"] == "success", body
    found: list[dict[str, object]] = body["data"]["alerts"]
    return found


def wait_until_ready(url: str, *, timeout: float = 30.0) -> None:
    """Poll ``url`` until it answers 200 (closing every error response: no leaks)."""
    deadline = time.monotonic() + timeout
    last: object = None
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(url, timeout=1) as response:  # noqa: S310 - loopback
                if response.status == 200:
                    return
        except urllib.error.HTTPError as exc:
            with exc:
                last = exc.code
        except OSError as exc:
            last = exc
        time.sleep(0.1)
    raise RuntimeError(f"{url} not ready within {timeout}s (last: {last})")


class PrometheusServer:
    """A real Prometheus scraping ``targets`` (job name -> ``host:port``)."""

    def __init__(
        self,
        workdir: Path,
        targets: Mapping[str, str],
        *,
        scrape_interval: str = "1s",
        rule_files: Sequence[Path] = (),
        evaluation_interval: str | None = None,
        labels: Mapping[str, Mapping[str, str]] | None = None,
    ) -> None:
        self.labels = {job: dict(values) for job, values in (labels or {}).items()}
        self.binary = require_binary("prometheus")
        self.workdir = workdir
        self.targets = dict(targets)
        self.scrape_interval = scrape_interval
        self.rule_files = [Path(p) for p in rule_files]
        self.evaluation_interval = evaluation_interval or scrape_interval
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.config = workdir / "prometheus.yml"
        self.data = workdir / "tsdb"
        self.log = workdir / "prometheus.log"
        self._process: subprocess.Popen[bytes] | None = None

    def _config_text(self) -> str:
        lines = [
            "global:",
            f"  scrape_interval: {self.scrape_interval}",
            f"  evaluation_interval: {self.evaluation_interval}",
        ]
        if self.rule_files:
            lines.append("rule_files:")
            lines += [f"  - {json.dumps(str(path))}" for path in self.rule_files]
        lines.append("scrape_configs:")
        for job, target in self.targets.items():
            lines += [
                f"  - job_name: {job}",
                "    static_configs:",
                f'      - targets: ["{target}"]',
            ]
            if self.labels.get(job):
                lines.append("        labels:")
                lines += [f"          {k}: {json.dumps(v)}" for k, v in self.labels[job].items()]
        return "\n".join(lines) + "\n"

    def start(self) -> PrometheusServer:
        self.data.mkdir(parents=True, exist_ok=True)
        self.config.write_text(self._config_text())
        with self.log.open("wb") as log:
            self._process = subprocess.Popen(
                [
                    self.binary,
                    f"--config.file={self.config}",
                    f"--web.listen-address=127.0.0.1:{self.port}",
                    f"--storage.tsdb.path={self.data}",
                    "--storage.tsdb.retention.time=1h",
                    "--log.level=warn",
                ],
                stdout=log,
                stderr=subprocess.STDOUT,
                cwd=self.workdir,
            )
        try:
            wait_until_ready(f"{self.url}/-/ready")
        except RuntimeError:
            self.stop()
            raise RuntimeError(f"prometheus did not start; log:\n{self.log.read_text()}") from None
        return self

    def wait_for(self, query: str, *, timeout: float = 60.0) -> None:
        """Poll ``query`` (instant, straight to the server) until a sample is non-zero."""
        url = f"{self.url}/api/v1/query?" + urllib.parse.urlencode({"query": query})
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            with urllib.request.urlopen(url, timeout=5) as response:  # noqa: S310 - loopback
                result = json.load(response)["data"]["result"]
            if any(float(sample["value"][1]) for sample in result):
                return
            time.sleep(0.2)
        raise RuntimeError(f"{query!r} had no non-zero sample within {timeout}s")

    def stop(self) -> None:
        if self._process is None:
            return
        self._process.terminate()
        try:
            self._process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self._process.kill()
            self._process.wait(timeout=10)
        self._process = None

    def __enter__(self) -> PrometheusServer:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()
