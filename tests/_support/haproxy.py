"""Helpers for tests on a real HAProxy: a short working directory, request counting
through the frontend, a check that no HAProxy is left running, and
:func:`running_splitter`, an owned :class:`HAProxySplitter` started in front of
:class:`MetricsApp` services (the integration tests and the TrafficSplitter contract
suite share it).

A UNIX socket path holds at most 107 bytes and pytest's ``tmp_path`` can be longer, so
the splitter's working directory is a short ``/tmp/hx-*`` directory removed afterwards.
"""

from __future__ import annotations

import collections
import contextlib
import json
import os
import shutil
import tempfile
import threading
import urllib.error
import urllib.request
from collections.abc import Iterable, Iterator, Mapping
from pathlib import Path

from mosaic_sdk.providers.haproxy import HAProxySplitter, StaticServices
from mosaic_sdk.values import Digest, ImageReference
from tests._support.metrics_app import MetricsApp
from tests._support.servers import free_port, require_binary

__all__ = [
    "Users",
    "alive",
    "haproxy_processes",
    "metrics_apps",
    "running_splitter",
    "serve_counts",
    "short_workdir",
    "splitter_for",
]


@contextlib.contextmanager
def short_workdir() -> Iterator[Path]:
    """A fresh, short directory under /tmp, removed on exit."""
    path = Path(tempfile.mkdtemp(prefix="hx-", dir="/tmp"))
    try:
        yield path
    finally:
        shutil.rmtree(path, ignore_errors=True)


def serve_counts(url: str, requests: int) -> collections.Counter[str]:
    """Send ``requests`` GETs of ``<url>/version`` (a new connection each, as separate
    users would) and count the digests that answered."""
    counts: collections.Counter[str] = collections.Counter()
    for _ in range(requests):
        with urllib.request.urlopen(f"{url}/version", timeout=5) as response:  # noqa: S310
            counts[json.load(response)["digest"]] += 1
    return counts


def alive(pid: int) -> bool:
    """True while ``pid`` is a live process (a zombie counts as gone)."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return False
    return stat.rpartition(")")[2].split()[:1] != ["Z"]


def haproxy_processes(config: Path) -> list[int]:
    """Pids of live ``haproxy`` processes started on ``config``."""
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            argv = (entry / "cmdline").read_bytes().split(b"\0")
        except OSError:
            continue
        names = [os.fsdecode(arg) for arg in argv]
        ours = bool(names) and os.path.basename(names[0]) == "haproxy" and str(config) in names
        if ours and alive(int(entry.name)):
            found.append(int(entry.name))
    return found


class Users:
    """Synthetic users: ``GET <url>/api`` in ``threads`` background threads (a new
    connection each) until the context ends; ``sent`` counts the requests."""

    def __init__(self, url: str, *, threads: int = 2, pause: float = 0.002) -> None:
        self.url = url
        self.sent = 0
        self.pause = pause
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._threads = [threading.Thread(target=self._loop, daemon=True) for _ in range(threads)]

    def _loop(self) -> None:
        while not self._stop.is_set():
            try:
                urllib.request.urlopen(f"{self.url}/api", timeout=5).close()  # noqa: S310
            except urllib.error.HTTPError as exc:
                exc.close()  # a bad release's 500s: an unclosed one leaks its socket
            except OSError:
                pass
            with self._lock:
                self.sent += 1
            self._stop.wait(self.pause)

    def __enter__(self) -> Users:
        for thread in self._threads:
            thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        for thread in self._threads:
            thread.join(timeout=10)


@contextlib.contextmanager
def metrics_apps(images: Iterable[ImageReference]) -> Iterator[dict[Digest, MetricsApp]]:
    """One started :class:`MetricsApp` per image (reporting its digest and tag on
    ``/version``), by digest; all stopped on exit."""
    started: dict[Digest, MetricsApp] = {}
    try:
        for image in images:
            assert image.digest is not None, image
            app = MetricsApp(digest=str(image.digest), version=image.tag or "")
            started[image.digest] = app.start()
        yield started
    finally:
        for app in started.values():
            app.stop()


def splitter_for(
    workdir: Path, apps: Mapping[Digest, MetricsApp], binary: str, **options: object
) -> HAProxySplitter:
    """An owned splitter in ``workdir`` on a free loopback port, whose deployer knows
    each app's address (nothing is started)."""
    deployer = StaticServices({digest: app.host for digest, app in apps.items()})
    return HAProxySplitter(
        workdir,
        deployer=deployer,
        listen=f"127.0.0.1:{free_port()}",
        binary=binary,
        **options,  # type: ignore[arg-type]
    )


@contextlib.contextmanager
def running_splitter(
    apps: Mapping[Digest, MetricsApp],
    stable: ImageReference,
    *,
    binary: str | None = None,
    health_check: str | None = "/health",
) -> Iterator[HAProxySplitter]:
    """A real HAProxy owned by a splitter, ``stable`` deployed (all the traffic) and
    started; on exit it is stopped and no HAProxy on its configuration may be left.

    Skips the test when ``haproxy`` is not installed (fails with
    ``MOSAIC_REQUIRE_SERVERS=1``, as CI sets).
    """
    binary = binary or require_binary("haproxy")
    with short_workdir() as workdir:
        splitter = splitter_for(workdir, apps, binary, health_check=health_check)
        splitter.deploy(stable)
        pid = splitter.start()
        try:
            yield splitter
        finally:
            assert splitter.stop() is True
            assert not alive(pid)
            assert haproxy_processes(splitter.config_path) == []
            assert splitter.pid() is None
