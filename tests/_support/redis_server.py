"""Debian's ``redis-server`` on a free loopback port, for integration tests.

``RedisServer(workdir)`` starts the binary with no persistence, a password
(``requirepass``, so the tests see that no URL password leaks) and its files in
``workdir``, and waits until it answers ``PING``. Missing binary: skip, or fail under
``MOSAIC_REQUIRE_SERVERS=1`` (``require_binary``).
"""

from __future__ import annotations

import secrets
import socket
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path

from tests._support.servers import free_port, require_binary

__all__ = ["RedisServer"]


class RedisServer:
    """A real ``redis-server`` on 127.0.0.1; ``url`` carries its password."""

    def __init__(self, workdir: Path) -> None:
        self.binary = require_binary("redis-server")
        self.workdir = workdir
        self.port = free_port()
        self.password = "redis-pw-" + secrets.token_hex(8)
        self.url = f"redis://:{self.password}@127.0.0.1:{self.port}/0"
        self.shown_url = f"redis://127.0.0.1:{self.port}/0"
        self.config = workdir / "redis.conf"
        self.log = workdir / "redis.log"
        self._process: subprocess.Popen[bytes] | None = None

    def _config_text(self) -> str:
        return "\n".join(
            [
                "bind 127.0.0.1",
                f"port {self.port}",
                "protected-mode yes",
                f"requirepass {self.password}",
                f"dir {self.workdir}",
                'save ""',
                "appendonly no",
                "daemonize no",
                f"logfile {self.log}",
                "",
            ]
        )

    def ping(self) -> bool:
        """Whether the server answers an authenticated ``PING`` (raw RESP, no client)."""
        try:
            with socket.create_connection(("127.0.0.1", self.port), timeout=1) as sock:
                sock.sendall(f"AUTH {self.password}\r\nPING\r\n".encode())
                deadline = time.monotonic() + 1
                data = b""
                while b"+PONG" not in data and time.monotonic() < deadline:
                    chunk = sock.recv(1024)
                    if not chunk:
                        break
                    data += chunk
                return b"+PONG" in data
        except OSError:
            return False

    def start(self) -> RedisServer:
        self.config.write_text(self._config_text())
        self._process = subprocess.Popen(
            [self.binary, str(self.config)],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.STDOUT,
            cwd=self.workdir,
        )
        deadline = time.monotonic() + 15
        while time.monotonic() < deadline:
            if self.ping():
                return self
            if self._process.poll() is not None:
                break
            time.sleep(0.05)
        log = self.log.read_text() if self.log.exists() else "(no log)"
        self.stop()
        raise RuntimeError(f"redis-server did not start; log:\n{log}")

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

    def __enter__(self) -> RedisServer:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()


def redis_fixture(tmp_path_factory: object) -> Iterator[RedisServer]:
    """Body of a module-scoped ``redis_server`` fixture (see tests/integration/conftest.py)."""
    workdir = tmp_path_factory.mktemp("redis")  # type: ignore[attr-defined]
    with RedisServer(workdir) as server:
        yield server
