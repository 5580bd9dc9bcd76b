"""Helpers for tests on a real HAProxy: a short working directory, request counting
through the frontend, and a check that no HAProxy is left running.

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
from collections.abc import Iterator
from pathlib import Path

__all__ = ["Users", "alive", "haproxy_processes", "serve_counts", "short_workdir"]


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
