"""An in-memory Vault (KV v1 and v2) mounted as a requests transport adapter.

hvac sends through ``requests``; mounting :class:`FakeVault` on the client's session
(at a longer URL prefix than the store's retry adapter, so it wins) runs hvac's real
request building, JSON adapter and error raising against responses shaped like Vault's
documented API. No socket is opened. :func:`serve` puts the same fake behind a real
HTTP server on 127.0.0.1, for code that builds its own client.

Only what the SDK uses is implemented, following
https://developer.hashicorp.com/vault/api-docs/secret/kv/kv-v2 and kv-v1.
"""

from __future__ import annotations

import json
import threading
import urllib.parse
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import requests
import requests.adapters
import requests.structures

_Req = requests.PreparedRequest

TEST_TOKEN = "fake-vault-root-token-0d1e"
BASE_URL = "https://vault.fake.test:8200"


@dataclass
class _Version:
    data: dict[str, Any] | None
    created_time: str
    deletion_time: str = ""
    destroyed: bool = False


@dataclass
class _Secret:
    versions: dict[int, _Version] = field(default_factory=dict)
    custom_metadata: dict[str, str] | None = None
    created_time: str = ""
    updated_time: str = ""

    @property
    def current(self) -> int:
        return max(self.versions) if self.versions else 0


@dataclass
class Seen:
    """One request the fake received."""

    method: str
    path: str
    query: dict[str, list[str]]
    body: Any
    headers: dict[str, str]


class FakeVault(requests.adapters.BaseAdapter):
    """In-memory Vault. ``mounts`` maps mount name to KV version."""

    def __init__(self, mounts: dict[str, int] | None = None, token: str = TEST_TOKEN) -> None:
        super().__init__()
        self.mounts = dict(
            mounts
            if mounts is not None
            else {"secret-dev": 2, "secret-staging": 2, "secret-prod": 2}
        )
        self.token = token
        self.v2: dict[str, dict[str, _Secret]] = {m: {} for m, v in self.mounts.items() if v == 2}
        self.v1: dict[str, dict[str, dict[str, Any]]] = {
            m: {} for m, v in self.mounts.items() if v == 1
        }
        self.seen: list[Seen] = []
        #: Answers to give before the real one: (status, errors), consumed in order.
        self.failures: list[tuple[int, list[str]]] = []
        #: Raised instead of answering (connection failures).
        self.raise_next: list[Exception] = []
        #: Paths (relative to /v1/) the token may not touch.
        self.forbidden: set[str] = set()
        self._clock = 0

    # ------------------------------------------------------------------ helpers

    def _now(self) -> str:
        self._clock += 1
        return f"2024-05-01T12:{self._clock // 60:02d}:{self._clock % 60:02d}.123456789Z"

    def seed_v2(self, mount: str, relative: str, data: dict[str, Any]) -> None:
        """Store a secret directly (legacy data may be non-canonical)."""
        now = self._now()
        secret = self.v2[mount].setdefault(relative, _Secret(created_time=now))
        secret.versions[secret.current + 1] = _Version(data=dict(data), created_time=now)
        secret.updated_time = now

    def seed_v1(self, mount: str, relative: str, data: dict[str, Any]) -> None:
        self.v1[mount][relative] = dict(data)

    def calls(self, method: str | None = None) -> list[Seen]:
        return [s for s in self.seen if method is None or s.method == method]

    @staticmethod
    def _respond(
        request: requests.PreparedRequest, status: int, body: Any = None
    ) -> requests.Response:
        response = requests.Response()
        response.status_code = status
        response.request = request
        response.url = request.url or ""
        response.reason = {200: "OK", 204: "No Content"}.get(status, "Error")
        response.headers = requests.structures.CaseInsensitiveDict()
        if body is not None:
            response._content = json.dumps(body).encode()
            response.headers["Content-Type"] = "application/json"
        else:
            response._content = b""
        response.encoding = "utf-8"
        return response

    def _envelope(self, data: Any) -> dict[str, Any]:
        return {
            "request_id": str(uuid.uuid4()),
            "lease_id": "",
            "renewable": False,
            "lease_duration": 0,
            "data": data,
            "wrap_info": None,
            "warnings": None,
            "auth": None,
            "mount_type": "kv",
        }

    def _error(
        self, request: requests.PreparedRequest, status: int, *errors: str
    ) -> requests.Response:
        return self._respond(request, status, {"errors": list(errors)})

    # ------------------------------------------------------------------ transport

    def close(self) -> None:
        """Nothing to release."""

    def send(self, request: requests.PreparedRequest, **kwargs: Any) -> requests.Response:  # type: ignore[override]
        url = urllib.parse.urlsplit(request.url or "")
        query = urllib.parse.parse_qs(url.query)
        raw = request.body
        text = raw.decode() if isinstance(raw, bytes) else raw if isinstance(raw, str) else ""
        body = json.loads(text) if text else None
        method = (request.method or "GET").upper()
        if method == "GET" and query.get("list") == ["true"]:
            method = "LIST"
        path = urllib.parse.unquote(url.path)
        headers = {k: v if isinstance(v, str) else v.decode() for k, v in request.headers.items()}
        self.seen.append(Seen(method, path, query, body, headers))
        if self.raise_next:
            raise self.raise_next.pop(0)
        if self.failures:
            status, errors = self.failures.pop(0)
            return self._error(request, status, *errors)
        if not path.startswith("/v1/"):
            return self._error(request, 404)
        rel = path[len("/v1/") :]
        if rel == "auth/approle/login" and method in ("POST", "PUT"):
            return self._approle(request, body)
        if request.headers.get("X-Vault-Token") != self.token:
            return self._error(request, 403, "permission denied")
        if any(rel.startswith(p) for p in self.forbidden):
            return self._error(request, 403, "1 error occurred:\n\t* permission denied\n\n")
        if rel.startswith("sys/internal/ui/mounts/"):
            return self._mount_info(request, rel[len("sys/internal/ui/mounts/") :])
        mount, _, rest = rel.partition("/")
        if mount in self.v2:
            return self._kv2(request, method, mount, rest, query, body)
        if mount in self.v1:
            return self._kv1(request, method, mount, rest, body)
        return self._error(request, 404, f'no handler for route "{rel}"')

    def _approle(self, request: requests.PreparedRequest, body: Any) -> requests.Response:
        if not body or body.get("role_id") != "role-1234" or body.get("secret_id") != "sid-5678":
            return self._error(request, 400, "invalid role or secret ID")
        envelope = self._envelope(None)
        envelope["auth"] = {
            "client_token": self.token,
            "accessor": "accessor-1",
            "policies": ["default", "payments-read"],
            "token_policies": ["default", "payments-read"],
            "metadata": {"role_name": "payments"},
            "lease_duration": 1200,
            "renewable": True,
            "entity_id": "entity-1",
            "token_type": "service",
            "orphan": True,
        }
        return self._respond(request, 200, envelope)

    def _mount_info(self, request: requests.PreparedRequest, mount: str) -> requests.Response:
        mount = mount.strip("/")
        if mount not in self.mounts:
            return self._error(request, 403, "preflight capability check returned 403")
        version = self.mounts[mount]
        return self._respond(
            request,
            200,
            self._envelope(
                {
                    "accessor": f"kv_{mount}",
                    "config": {"default_lease_ttl": 0, "force_no_cache": False, "max_lease_ttl": 0},
                    "description": "",
                    "external_entropy_access": False,
                    "local": False,
                    "options": {"version": "2"} if version == 2 else None,
                    "path": f"{mount}/",
                    "seal_wrap": False,
                    "type": "kv",
                    "uuid": str(uuid.uuid4()),
                }
            ),
        )

    # ------------------------------------------------------------------ KV v2

    def _meta(self, secret: _Secret, number: int) -> dict[str, Any]:
        version = secret.versions[number]
        return {
            "created_time": version.created_time,
            "custom_metadata": secret.custom_metadata,
            "deletion_time": version.deletion_time,
            "destroyed": version.destroyed,
            "version": number,
        }

    def _list(
        self, request: requests.PreparedRequest, names: list[str], prefix: str
    ) -> requests.Response:
        # hvac strips the trailing slash of LIST URLs; Vault lists the folder either way.
        if prefix and not prefix.endswith("/"):
            prefix += "/"
        keys: set[str] = set()
        for name in names:
            if name.startswith(prefix) and name != prefix:
                rest = name[len(prefix) :]
                head, slash, _ = rest.partition("/")
                keys.add(head + slash)
        if not keys:
            return self._error(request, 404)
        return self._respond(request, 200, self._envelope({"keys": sorted(keys)}))

    def _kv2(
        self,
        request: requests.PreparedRequest,
        method: str,
        mount: str,
        rest: str,
        query: dict[str, list[str]],
        body: Any,
    ) -> requests.Response:
        store = self.v2[mount]
        kind, _, rel = rest.partition("/")
        handlers: dict[tuple[str, str], Callable[[], requests.Response]] = {
            ("data", "GET"): lambda: self._read2(request, store, rel, query),
            ("data", "POST"): lambda: self._write2(request, store, rel, body),
            ("data", "PUT"): lambda: self._write2(request, store, rel, body),
            ("data", "PATCH"): lambda: self._patch2(request, store, rel, body),
            ("data", "DELETE"): lambda: self._delete2(request, store, rel, None),
            ("delete", "POST"): lambda: self._delete2(request, store, rel, body["versions"]),
            ("undelete", "POST"): lambda: self._undelete2(request, store, rel, body["versions"]),
            ("destroy", "POST"): lambda: self._destroy2(request, store, rel, body["versions"]),
            ("destroy", "PUT"): lambda: self._destroy2(request, store, rel, body["versions"]),
            ("metadata", "GET"): lambda: self._metadata2(request, store, rel),
            ("metadata", "DELETE"): lambda: self._purge2(request, store, rel),
            ("metadata", "LIST"): lambda: self._list(request, list(store), rel),
        }
        handler = handlers.get((kind, method))
        if handler is None:
            return self._error(request, 405, f"unsupported operation {method} {kind}")
        return handler()

    def _read2(
        self, request: _Req, store: dict[str, _Secret], rel: str, query: dict[str, list[str]]
    ) -> requests.Response:
        secret = store.get(rel)
        if secret is None or not secret.versions:
            return self._error(request, 404)
        number = int(query.get("version", ["0"])[0]) or secret.current
        if number not in secret.versions:
            return self._error(request, 404)
        version = secret.versions[number]
        if version.deletion_time or version.destroyed:
            # Vault answers 404 with the metadata of the deleted version.
            return self._respond(
                request, 404, self._envelope({"data": None, "metadata": self._meta(secret, number)})
            )
        return self._respond(
            request,
            200,
            self._envelope(
                {"data": dict(version.data or {}), "metadata": self._meta(secret, number)}
            ),
        )

    def _write2(
        self, request: _Req, store: dict[str, _Secret], rel: str, body: Any
    ) -> requests.Response:
        if not isinstance(body, dict) or not isinstance(body.get("data"), dict):
            return self._error(request, 400, "no data provided")
        cas = (body.get("options") or {}).get("cas")
        secret = store.get(rel)
        current = secret.current if secret else 0
        if cas is not None and cas != current:
            return self._error(
                request, 400, "check-and-set parameter did not match the current version"
            )
        now = self._now()
        secret = store.setdefault(rel, _Secret(created_time=now))
        number = secret.current + 1
        secret.versions[number] = _Version(data=dict(body["data"]), created_time=now)
        secret.updated_time = now
        return self._respond(request, 200, self._envelope(self._meta(secret, number)))

    def _patch2(
        self, request: _Req, store: dict[str, _Secret], rel: str, body: Any
    ) -> requests.Response:
        if request.headers.get("Content-Type") != "application/merge-patch+json":
            return self._error(request, 415, "Unsupported Media Type")
        secret = store.get(rel)
        if secret is None or not secret.versions:
            return self._error(request, 404)
        live = secret.versions[secret.current]
        if live.deletion_time or live.destroyed:
            return self._error(request, 404)
        merged = dict(live.data or {})
        for key, value in body["data"].items():
            if value is None:
                merged.pop(key, None)
            else:
                merged[key] = value
        now = self._now()
        number = secret.current + 1
        secret.versions[number] = _Version(data=merged, created_time=now)
        secret.updated_time = now
        return self._respond(request, 200, self._envelope(self._meta(secret, number)))

    def _delete2(
        self, request: _Req, store: dict[str, _Secret], rel: str, versions: list[int] | None
    ) -> requests.Response:
        secret = store.get(rel)
        if secret is not None and secret.versions:
            for number in versions or [secret.current]:
                if number in secret.versions:
                    secret.versions[number].deletion_time = self._now()
        return self._respond(request, 204)

    def _undelete2(
        self, request: _Req, store: dict[str, _Secret], rel: str, versions: list[int]
    ) -> requests.Response:
        secret = store.get(rel)
        if secret is not None:
            for number in versions:
                if number in secret.versions and not secret.versions[number].destroyed:
                    secret.versions[number].deletion_time = ""
        return self._respond(request, 204)

    def _destroy2(
        self, request: _Req, store: dict[str, _Secret], rel: str, versions: list[int]
    ) -> requests.Response:
        secret = store.get(rel)
        if secret is not None:
            for number in versions:
                if number in secret.versions:
                    secret.versions[number].destroyed = True
                    secret.versions[number].data = None
        return self._respond(request, 204)

    def _metadata2(self, request: _Req, store: dict[str, _Secret], rel: str) -> requests.Response:
        secret = store.get(rel)
        if secret is None:
            return self._error(request, 404)
        return self._respond(
            request,
            200,
            self._envelope(
                {
                    "cas_required": False,
                    "created_time": secret.created_time,
                    "current_version": secret.current,
                    "custom_metadata": secret.custom_metadata,
                    "delete_version_after": "0s",
                    "max_versions": 0,
                    "oldest_version": 0,
                    "updated_time": secret.updated_time,
                    "versions": {
                        str(n): {
                            "created_time": v.created_time,
                            "deletion_time": v.deletion_time,
                            "destroyed": v.destroyed,
                        }
                        for n, v in secret.versions.items()
                    },
                }
            ),
        )

    def _purge2(self, request: _Req, store: dict[str, _Secret], rel: str) -> requests.Response:
        store.pop(rel, None)
        return self._respond(request, 204)

    # ------------------------------------------------------------------ KV v1

    def _kv1(
        self, request: _Req, method: str, mount: str, rel: str, body: Any
    ) -> requests.Response:
        store = self.v1[mount]
        if method == "LIST":
            return self._list(request, list(store), rel)
        if method == "GET":
            if rel not in store:
                return self._error(request, 404)
            return self._respond(request, 200, self._envelope(dict(store[rel])))
        if method in ("POST", "PUT"):
            store[rel] = dict(body)
            return self._respond(request, 204)
        if method == "DELETE":
            store.pop(rel, None)
            return self._respond(request, 204)
        return self._error(request, 405, "unsupported operation")


@contextmanager
def serve(vault: FakeVault) -> Iterator[str]:
    """Serve ``vault`` over real HTTP on 127.0.0.1 (free port); yields ``http://127.0.0.1:N``.

    For code that builds its own hvac client (``SecretStore.from_env()``, the docs'
    examples): every request goes through a socket into :meth:`FakeVault.send`.
    """
    lock = threading.Lock()

    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, format: str, *args: Any) -> None:
            return

        def _answer(self) -> None:
            length = int(self.headers.get("Content-Length") or 0)
            body = self.rfile.read(length) if length else None
            url = f"http://127.0.0.1:{self.server.server_address[1]}{self.path}"
            prepared = requests.Request(
                self.command, url, headers=dict(self.headers.items()), data=body
            ).prepare()
            with lock:
                answer = vault.send(prepared)
            data = answer.content or b""
            self.send_response(answer.status_code)
            for key, value in answer.headers.items():
                self.send_header(key, value)
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        do_GET = do_POST = do_PUT = do_PATCH = do_DELETE = do_LIST = _answer

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)
