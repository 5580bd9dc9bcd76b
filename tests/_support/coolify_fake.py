"""A stateful fake Coolify v4 API that behaves like the real server.

Behaviour follows the server source, coollabsio/coolify @379abb25 (v4.3.11), with the file
and line next to each branch; request and answer shapes also match the published spec
(``coolify-openapi.yaml``), and where the two differ the fake follows the server. Covered:
Bearer auth (401 ``Unauthenticated.``), 422 for fields an endpoint does not allow,
canonical-base64 ``docker_compose_raw`` on writes and plain YAML on reads (hidden without
``can_read_sensitive``), ``POST /deploy`` by uuid and by tag (``by_tags``' unaligned
lists), the duplicate guard on commit + PR + ``docker_tag`` (never the image) with a
never-stored uuid, jobs that read the image when they start and run one at a time per
application, deployment logs (hidden without sensitive read), cancel, rollback images and
rollback, application env upserts that reset omitted flags (services keep them), the
deploy-queue-full 429 with ``Retry-After: 60``, ``GET /deployments/applications/{uuid}``
answering ``{count, deployments}``, urls applied per item after the compose file is
saved, ``docker_compose_domains`` replaced as a whole, and Laravel's throttle (fixed
window, ``X-RateLimit-*`` on every answer, 429 + ``Retry-After``).

One core (:meth:`FakeCoolify.handle`) serves both an ``httpx.MockTransport``
(:meth:`FakeCoolify.transport`) and a real HTTP server on 127.0.0.1
(:func:`serve`).
"""

from __future__ import annotations

import base64
import binascii
import itertools
import json
import re
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qsl, urlsplit

import httpx
import yaml

TOKEN = "3|fake-coolify-token-for-tests-0123456789"
API = "/api/v1"
QUEUE_FULL = "Deployment queue is full. Please wait for existing deployments to complete."

_APP_PATCH_FIELDS = {
    "docker_registry_image_name",
    "docker_registry_image_tag",
    "domains",
    "docker_compose_domains",
    "force_domain_override",
    "name",
    "description",
    "instant_deploy",
}
_APP_ENV_FIELDS = {
    "key",
    "value",
    "is_preview",
    "is_literal",
    "is_multiline",
    "is_shown_once",
    "is_runtime",
    "is_buildtime",
    "comment",
}
_SERVICE_PATCH_FIELDS = {
    "name",
    "description",
    "instant_deploy",
    "connect_to_docker_network",
    "docker_compose_raw",
    "urls",
    "force_domain_override",
    "is_container_label_escape_enabled",
}
_SERVICE_CREATE_FIELDS = _SERVICE_PATCH_FIELDS | {
    "type",
    "project_uuid",
    "server_uuid",
    "environment_name",
    "environment_uuid",
    "destination_uuid",
    "tags",
}


class Answer:
    """A status, headers and JSON (or raw) body."""

    def __init__(
        self,
        status: int,
        body: Any = None,
        headers: dict[str, str] | None = None,
        raw: bytes | None = None,
    ) -> None:
        self.status = status
        self.headers = {"Content-Type": "application/json", **(headers or {})}
        if raw is not None:
            self.content = raw
            self.headers["Content-Type"] = "text/html; charset=UTF-8"
        else:
            self.content = json.dumps(body).encode()


class FakeCoolify:
    """In-memory Coolify with one project, one server and whatever tests add."""

    def __init__(
        self,
        *,
        token: str = TOKEN,
        version: str = "4.3.10",
        progression: tuple[str, ...] = ("queued", "in_progress", "finished"),
        rate_limit: int | None = None,
        rate_window: float = 60.0,
    ) -> None:
        self.token = token
        self.version = version
        self.progression = progression
        self.rate_limit = rate_limit
        self.rate_window = rate_window
        self.lock = threading.Lock()
        self.requests: list[tuple[str, str, dict[str, str], bytes]] = []
        self.applications: dict[str, dict[str, Any]] = {}
        self.services: dict[str, dict[str, Any]] = {}
        self.envs: dict[tuple[str, str], list[dict[str, Any]]] = {}
        self.deployments: dict[str, dict[str, Any]] = {}
        self.polls: dict[str, int] = {}
        self.hidden_polls: dict[str, int] = {}  # deployment uuid -> 404s before visible
        self.hide_new_deployments = 0
        #: ``can_read_sensitive``: the token has root or read:sensitive and its user is a
        #: team admin (app/Http/Middleware/ApiSensitiveData.php).
        self.can_read_sensitive = True
        #: Domains other resources already use (checkIfDomainIsAlreadyUsedViaAPI).
        self.taken_domains: set[str] = set()
        #: Tags of the team (Tag::where(name, team_id)); resources carry ``_tags``.
        self.tags: set[str] = set()
        self.queue_full_answers = 0
        self.queue_full_retry_after = "60"
        self.fail_next: list[int] = []
        self.throttled = 0
        self.served = 0
        self._window_start = 0.0
        self._window_count = 0
        self._ids = itertools.count(1)
        self.projects = [
            {"id": 1, "uuid": "proj0000000000000000001", "name": "demo", "description": None}
        ]
        self.environments = {
            ("proj0000000000000000001", "production"): {
                "id": 1,
                "uuid": "env00000000000000000001",
                "name": "production",
                "project_id": 1,
                "description": None,
                "created_at": "2026-08-01T10:00:00.000000Z",
                "updated_at": "2026-08-01T10:00:00.000000Z",
            }
        }

    # -- seeding -------------------------------------------------------------------------

    def add_application(self, uuid: str, **fields: Any) -> dict[str, Any]:
        app = {
            "id": next(self._ids),
            "uuid": uuid,
            "name": fields.pop("name", f"app-{uuid[:6]}"),
            "description": None,
            "fqdn": "https://web.example.com",
            "build_pack": "dockerimage",
            "status": "running:healthy",
            "docker_registry_image_name": "ghcr.io/acme/web",
            "docker_registry_image_tag": "v1.0.0",
            "git_repository": "coollabsio/coolify",
            "git_branch": "main",
            "git_commit_sha": "HEAD",
            "environment_id": 1,
            "destination_id": 1,
            "ports_exposes": "80",
            "health_check_enabled": True,
            "manual_webhook_secret_github": None,
            "http_basic_auth_password": None,
            "created_at": "2026-08-01T10:00:00.000000Z",
            "updated_at": "2026-08-01T10:00:00.000000Z",
            "compose_parsing_version": "5",
            "settings": {"is_static": False},
        }
        app.update(fields)
        self.tags.update(app.get("_tags", []))
        self.applications[uuid] = app
        return app

    def add_service(self, uuid: str, compose: str, **fields: Any) -> dict[str, Any]:
        service = {
            "id": next(self._ids),
            "uuid": uuid,
            "name": fields.pop("name", f"svc-{uuid[:6]}"),
            "description": None,
            "environment_id": 1,
            "server_id": 0,
            "docker_compose_raw": compose,
            "docker_compose": compose,
            "destination_type": "App\\Models\\StandaloneDocker",
            "destination_id": 0,
            "connect_to_docker_network": False,
            "is_container_label_escape_enabled": True,
            "service_type": None,
            "status": "running:healthy",
            "created_at": "2026-08-01T10:00:00.000000Z",
            "updated_at": "2026-08-01T10:00:00.000000Z",
            "applications": [],
            "databases": [],
        }
        service.update(fields)
        self.tags.update(service.get("_tags", []))
        names = list((yaml.safe_load(compose) or {}).get("services", {}))
        service["applications"] = [
            {
                "id": next(self._ids),
                "uuid": f"{uuid[:8]}-{name}",
                "name": name,
                "human_name": None,
                "fqdn": None,
                "image": "nginx:1.27",
                "status": "running:healthy",
                "exclude_from_status": False,
                "service_id": service["id"],
            }
            for name in names
        ]
        self.services[uuid] = service
        return service

    # -- transport adapters -------------------------------------------------------------------

    def transport(self) -> httpx.MockTransport:
        """A MockTransport (sync and async) backed by this fake."""

        def handler(request: httpx.Request) -> httpx.Response:
            answer = self.handle(
                request.method, str(request.url), dict(request.headers), request.read()
            )
            return httpx.Response(answer.status, headers=answer.headers, content=answer.content)

        return httpx.MockTransport(handler)

    # -- the API -----------------------------------------------------------------------------

    def handle(self, method: str, url: str, headers: dict[str, str], body: bytes) -> Answer:
        parts = urlsplit(url)
        path = parts.path
        query = dict(parse_qsl(parts.query, keep_blank_values=True))
        lowered = {k.lower(): v for k, v in headers.items()}
        with self.lock:
            self.requests.append((method, url, lowered, body))
            wants_json = "application/json" in lowered.get("accept", "")
            if lowered.get("authorization") != f"Bearer {self.token}":
                return self._error(401, "Unauthenticated.", wants_json)
            throttled = self._throttle()
            if throttled is not None:
                return throttled
            remaining = (
                {
                    "X-RateLimit-Limit": str(self.rate_limit),
                    "X-RateLimit-Remaining": str(max(0, self.rate_limit - self._window_count)),
                }
                if self.rate_limit is not None
                else {}
            )
            if self.fail_next:
                status = self.fail_next.pop(0)
                return Answer(status, {"message": "Server Error"}, remaining)
            if not path.startswith(API):
                return self._error(404, "Not found.", wants_json)
            try:
                payload = json.loads(body) if body else None
            except ValueError:
                return Answer(400, {"message": "Invalid request.", "error": "Invalid JSON."})
            answer = self._route(method, path[len(API) :], query, payload, wants_json)
            answer.headers.update(remaining)
            self.served += 1
            return answer

    def _error(self, status: int, message: str, wants_json: bool) -> Answer:
        if not wants_json:
            # Laravel's default handler renders HTML unless the client asks for JSON.
            return Answer(status, raw=f"<!DOCTYPE html><title>{message}</title>".encode())
        return Answer(status, {"message": message})

    def _throttle(self) -> Answer | None:
        if self.rate_limit is None:
            return None
        now = time.monotonic()
        if self._window_count == 0 or now - self._window_start >= self.rate_window:
            self._window_start = now
            self._window_count = 0
        self._window_count += 1
        if self._window_count <= self.rate_limit:
            return None
        self.throttled += 1
        retry_after = max(1, int(self.rate_window - (now - self._window_start) + 0.999))
        return Answer(
            429,
            {"message": "Too Many Attempts."},
            {
                "Retry-After": str(retry_after),
                "X-RateLimit-Limit": str(self.rate_limit),
                "X-RateLimit-Remaining": "0",
                "X-RateLimit-Reset": str(int(time.time()) + retry_after),
            },
        )

    def _route(
        self, method: str, path: str, query: dict[str, str], payload: Any, wants_json: bool
    ) -> Answer:
        routes: list[tuple[str, str, Any]] = [
            ("GET", r"/version", lambda **_: Answer(200, raw=self.version.encode())),
            ("GET", r"/projects", lambda **_: Answer(200, self.projects)),
            ("GET", r"/projects/(?P<p>[^/]+)/(?P<e>[^/]+)", self._get_environment),
            ("GET", r"/applications", self._list_applications),
            ("GET", r"/applications/(?P<u>[^/]+)", self._get_application),
            ("PATCH", r"/applications/(?P<u>[^/]+)", self._patch_application),
            ("GET", r"/(?P<kind>applications|services)/(?P<u>[^/]+)/envs", self._list_envs),
            ("PATCH", r"/(?P<kind>applications|services)/(?P<u>[^/]+)/envs/bulk", self._bulk_envs),
            ("POST", r"/deploy", self._deploy),
            ("GET", r"/deployments/applications/(?P<u>[^/]+)", self._app_deployments),
            ("GET", r"/deployments/(?P<u>[^/]+)", self._get_deployment),
            ("POST", r"/deployments/(?P<u>[^/]+)/cancel", self._cancel_deployment),
            ("GET", r"/applications/(?P<u>[^/]+)/rollback-images", self._rollback_images),
            ("POST", r"/applications/(?P<u>[^/]+)/rollback", self._rollback),
            (
                "GET",
                r"/services",
                lambda **_: Answer(200, [self._service_summary(s) for s in self.services.values()]),
            ),
            ("POST", r"/services", self._create_service),
            ("GET", r"/services/(?P<u>[^/]+)", self._get_service),
            ("PATCH", r"/services/(?P<u>[^/]+)", self._patch_service),
            ("GET", r"/services/(?P<u>[^/]+)/applications", self._service_apps),
            ("GET", r"/services/(?P<u>[^/]+)/applications/(?P<a>[^/]+)", self._service_app),
            ("PATCH", r"/services/(?P<u>[^/]+)/applications/(?P<a>[^/]+)", self._patch_service_app),
            ("POST", r"/services/(?P<u>[^/]+)/restart", self._restart_service),
        ]
        for verb, pattern, func in routes:
            match = re.fullmatch(pattern, path)
            if match and verb == method:
                answer: Answer = func(query=query, payload=payload, **match.groupdict())
                return answer
        if any(re.fullmatch(p, path) for _, p, _ in routes):
            return self._error(405, "Method not allowed.", wants_json)
        return self._error(404, "Not found.", wants_json)

    # -- handlers ------------------------------------------------------------------------------

    @staticmethod
    def _not_allowed(payload: dict[str, Any], allowed: set[str]) -> Answer | None:
        extra = sorted(set(payload) - allowed)
        if extra:
            return Answer(
                422,
                {
                    "message": "Validation failed.",
                    "errors": {k: ["This field is not allowed."] for k in extra},
                },
            )
        return None

    def _get_environment(self, p: str, e: str, **_: Any) -> Answer:
        env = self.environments.get((p, e))
        if env is None:
            env = next(
                (v for (pp, _n), v in self.environments.items() if pp == p and v["uuid"] == e), None
            )
        if env is None:
            return Answer(404, {"message": "Environment not found."})
        return Answer(200, env)

    @staticmethod
    def _public(record: dict[str, Any]) -> dict[str, Any]:
        return {k: v for k, v in record.items() if not k.startswith("_")}

    def _list_applications(self, query: dict[str, str], **_: Any) -> Answer:
        apps = list(self.applications.values())
        if query.get("tag"):
            apps = [a for a in apps if query["tag"] in a.get("_tags", [])]
        return Answer(200, [self._public(a) for a in apps])

    def _get_application(self, u: str, **_: Any) -> Answer:
        app = self.applications.get(u)
        if app is None:
            return Answer(404, {"message": "Application not found."})
        view = self._public(app)
        if not self.can_read_sensitive:
            # Application::$hidden (app/Models/Application.php:236-247), made visible
            # only with can_read_sensitive (ApplicationsController.php:100-120).
            for field in ("docker_compose_raw", "docker_compose", "dockerfile", "custom_labels"):
                view.pop(field, None)
        return Answer(200, view)

    def _patch_application(self, u: str, payload: Any, **_: Any) -> Answer:
        app = self.applications.get(u)
        if app is None:
            return Answer(404, {"message": "Application not found."})
        if not isinstance(payload, dict) or not payload:
            return Answer(
                400,
                {"message": "Invalid request.", "error": "Content-Type must be application/json."},
            )
        refused = self._not_allowed(payload, _APP_PATCH_FIELDS)
        if refused:
            return refused
        name = payload.get("docker_registry_image_name")
        tag = payload.get("docker_registry_image_tag")
        if name is not None and not re.fullmatch(r"[a-z0-9./:_-]+(@sha256)?", name):
            return Answer(
                422,
                {
                    "message": "Validation failed.",
                    "errors": {"docker_registry_image_name": ["The format is invalid."]},
                },
            )
        if tag is not None and not re.fullmatch(r"[A-Za-z0-9._-]{1,128}", tag):
            return Answer(
                422,
                {
                    "message": "Validation failed.",
                    "errors": {"docker_registry_image_tag": ["The format is invalid."]},
                },
            )
        for key in ("docker_registry_image_name", "docker_registry_image_tag"):
            if key in payload:
                app[key] = payload[key]
        if "domains" in payload:
            app["fqdn"] = payload["domains"]
        if "docker_compose_domains" in payload:
            # ApplicationsController::update_by_uuid (:2959-3045, 3117-3119 @379abb25):
            # needs docker_compose_raw; keeps only names that are services of the compose
            # file (others dropped silently), keeps an existing redirect when none is
            # sent, and stores the names sent as the WHOLE new value.
            if not app.get("docker_compose_raw"):
                return Answer(
                    422,
                    {
                        "message": "Validation failed.",
                        "errors": {
                            "docker_compose_domains": "Cannot set docker_compose_domains "
                            "without docker_compose_raw. Reload the compose file from the "
                            "git repository first."
                        },
                    },
                )
            services = (yaml.safe_load(app["docker_compose_raw"]) or {}).get("services", {})
            existing = json.loads(app.get("docker_compose_domains") or "[]") or {}
            new: dict[str, Any] = {}
            for item in payload["docker_compose_domains"]:
                name = item.get("name")
                if name and name in services:
                    entry: dict[str, Any] = {"domain": item.get("domain")}
                    redirect = (
                        item["redirect"]
                        if "redirect" in item
                        else (existing.get(name) or {}).get("redirect")
                    )
                    if redirect in ("www", "non-www", "both"):
                        entry["redirect"] = redirect
                    new[name] = entry
            if new:
                app["docker_compose_domains"] = json.dumps(new)
        return Answer(200, {"uuid": u})

    def _list_envs(self, kind: str, u: str, **_: Any) -> Answer:
        return Answer(200, [self._env_view(e) for e in self.envs.get((kind, u), [])])

    def _bulk_envs(self, kind: str, u: str, payload: Any, **_: Any) -> Answer:
        store = self.applications if kind == "applications" else self.services
        if u not in store:
            return Answer(404, {"message": f"{kind[:-1].title()} not found."})
        data = payload.get("data") if isinstance(payload, dict) else None
        if not isinstance(data, list) or not data:
            return Answer(400, {"message": "Bulk data is required."})
        envs = self.envs.setdefault((kind, u), [])
        written = []
        for item in data:
            if kind == "applications":
                # ApplicationsController::create_bulk_envs (:3562-3570): unknown fields
                # are dropped silently, the key is trimmed.
                item = {k: v for k, v in item.items() if k in _APP_ENV_FIELDS}
            key = str(item.get("key", "")).strip()
            # ValidationPatterns::ENVIRONMENT_VARIABLE_KEY_PATTERN (ValidationPatterns.php:109)
            if not re.fullmatch(r"[A-Za-z_][A-Za-z0-9_.]*", key):
                return Answer(
                    422,
                    {
                        "message": "Validation failed.",
                        "errors": {
                            "key": [
                                "The key must start with a letter or underscore and may only "
                                "contain letters, numbers, underscores, and dots."
                            ]
                        },
                    },
                )
            preview = bool(item.get("is_preview", False)) if kind == "applications" else False
            existing = next(
                (e for e in envs if e["key"] == key and e["is_preview"] == preview), None
            )
            if existing is None:
                existing = {
                    "uuid": f"env{next(self._ids):021d}",
                    "key": key,
                    "is_preview": preview,
                    # created with omitted flags false (:3658-3670)
                    "is_literal": bool(item.get("is_literal", False)),
                    "is_multiline": bool(item.get("is_multiline", False)),
                    "is_shown_once": bool(item.get("is_shown_once", False)),
                    "is_runtime": item.get("is_runtime", True),
                    "is_buildtime": item.get("is_buildtime", True),
                    "is_shared": False,
                    "comment": item.get("comment"),
                    "version": "4.3.11",
                    "created_at": "2026-08-22T10:00:00.000000Z",
                    "updated_at": "2026-08-22T10:00:00.000000Z",
                }
                envs.append(existing)
            elif kind == "applications":
                # An existing application variable: omitted is_literal becomes false
                # (:3591, 3638-3640), omitted is_multiline / is_shown_once become null
                # (:3641-3646); is_runtime/is_buildtime/comment only when sent (:3647-3655).
                existing["is_literal"] = bool(item.get("is_literal", False))
                existing["is_multiline"] = item.get("is_multiline")
                existing["is_shown_once"] = item.get("is_shown_once")
                for flag in ("is_runtime", "is_buildtime", "comment"):
                    if flag in item:
                        existing[flag] = item[flag]
            else:
                # ServicesController::create_bulk_envs: updateOrCreate(['key'], $item)
                # keeps every flag that is not sent (ServicesController.php:1637-1641).
                for flag in ("is_literal", "is_multiline", "is_shown_once", "comment"):
                    if flag in item:
                        existing[flag] = item[flag]
            existing["value"] = item.get("value")
            existing["real_value"] = item.get("value")
            written.append(existing)
        return Answer(201, [self._env_view(e) for e in written])

    def _env_view(self, env: dict[str, Any]) -> dict[str, Any]:
        """``removeSensitiveData`` (ApplicationsController.php:100-137): values only with
        can_read_sensitive, never for shown-once variables."""
        view = dict(env)
        if not self.can_read_sensitive or env.get("is_shown_once"):
            view.pop("value", None)
            view.pop("real_value", None)
        return view

    def _new_deployment(self, app: dict[str, Any], force: bool) -> dict[str, Any]:
        """``DeployController::deploy_resource`` + ``queue_application_deployment``.

        Coolify @379abb25 (v4.3.11): the API makes a fresh uuid first
        (DeployController.php:539). The duplicate guard matches a queued or in-progress
        deployment on application + commit (``git_commit_sha ?: 'HEAD'``) + PR + the
        ``docker_tag`` *parameter* (null on a normal deploy), never on the configured
        image (bootstrap/helpers/applications.php:16, 47-52); ``force`` skips it
        (:54-56). A skipped deploy answers "Deployment already queued for this
        commit." with the fresh uuid, which is never stored (DeployController.php:551).
        The record stores no image: the job reads the application's image when it
        starts (ApplicationDeploymentJob.php:591-619), see :meth:`_start`.
        """
        commit = app.get("git_commit_sha") or "HEAD"
        fresh = f"dep{next(self._ids):021d}"
        for dep in self.deployments.values():
            if (
                not force
                and dep["application_id"] == str(app["id"])
                and dep["commit"] == commit
                and dep["pull_request_id"] == 0
                and dep["docker_registry_image_tag"] is None
                and dep["status"] in ("queued", "in_progress")
            ):
                return {
                    "message": "Deployment already queued for this commit.",
                    "resource_uuid": app["uuid"],
                    "deployment_uuid": fresh,
                }
        uuid = fresh
        self.deployments[uuid] = {
            "id": next(self._ids),
            "application_id": str(app["id"]),
            "deployment_uuid": uuid,
            "pull_request_id": 0,
            "docker_registry_image_tag": None,  # the docker_tag parameter (PR deploys only)
            "force_rebuild": force,
            "commit": commit,
            "status": "queued",
            "is_webhook": False,
            "is_api": True,
            "created_at": "2026-08-22T10:00:00.000000Z",
            "updated_at": "2026-08-22T10:00:00.000000Z",
            "logs": "[]",
            "current_process_id": None,
            "restart_only": False,
            "git_type": None,
            "server_id": 0,
            "application_name": app["name"],
            "server_name": "localhost",
            "deployment_url": f"/project/x/application/{app['uuid']}/deployment/{uuid}",
            "destination_id": "0",
            "only_this_server": False,
            "rollback": False,
            "commit_message": None,
            "_app": app["uuid"],
            "_image": None,
            "_entries": [],
        }
        self.polls[uuid] = 0
        if self.hide_new_deployments:
            self.hidden_polls[uuid] = self.hide_new_deployments
        return {
            "message": f"Application {app['name']} deployment queued.",
            "resource_uuid": app["uuid"],
            "deployment_uuid": uuid,
        }

    def _log(self, dep: dict[str, Any], output: str, kind: str = "stdout") -> None:
        # ApplicationDeploymentQueue::addLogEntry: a JSON list of entries in "logs".
        dep["_entries"].append(
            {
                "command": None,
                "output": output,
                "type": kind,
                "timestamp": "2026-08-22T10:00:00.000000Z",
                "hidden": False,
                "batch": 1,
                "order": len(dep["_entries"]) + 1,
            }
        )
        dep["logs"] = json.dumps(dep["_entries"])

    def _start(self, dep: dict[str, Any]) -> bool:
        """queued -> in_progress, when ``next_queuable`` allows it: no other deployment of
        the app (same PR) in progress (applications.php:141-152). The job then reads the
        image configured *now* and logs "Starting deployment of {name}:{tag} to
        {server}." (ApplicationDeploymentJob.php:591-598)."""
        for other in self.deployments.values():
            if (
                other is not dep
                and other["_app"] == dep["_app"]
                and other["pull_request_id"] == dep["pull_request_id"]
                and other["status"] == "in_progress"
            ):
                return False
        app = self.applications[dep["_app"]]
        name, tag = app["docker_registry_image_name"], app["docker_registry_image_tag"] or "latest"
        dep["_image"] = f"{name}:{tag}"
        self._log(dep, f"Starting deployment of {name}:{tag} to {dep['server_name']}.")
        return True

    def _advance(self, dep: dict[str, Any]) -> None:
        uuid = dep["deployment_uuid"]
        if dep["status"] == "queued" and not self._start(dep):
            return  # waits for the deployment in progress (queue_next_deployment)
        self.polls[uuid] += 1
        index = min(self.polls[uuid], len(self.progression) - 1)
        dep["status"] = self.progression[index]
        dep["updated_at"] = f"2026-08-22T10:00:{min(59, 5 * index):02d}.000000Z"
        app = self.applications[dep["_app"]]
        if dep["status"] == "in_progress":
            app["status"] = "starting:unknown"
        elif dep["status"] == "finished":
            app["status"] = "running:healthy"
            app["_running_image"] = dep["_image"]
            self._log(dep, "New container started.")
        elif dep["status"] == "failed":
            app["status"] = "exited" if app.get("_running_image") is None else "running:healthy"
            self._log(dep, "Healthcheck failed: the new container is not healthy.", "stderr")
            self._log(dep, "Rolling update failed: removing the new container.", "stderr")

    def _deployment_view(self, dep: dict[str, Any]) -> dict[str, Any]:
        """``removeSensitiveData``: ``logs`` only with ``can_read_sensitive`` (root or
        read:sensitive, and team admin; DeployController.php:21-33,
        app/Http/Middleware/ApiSensitiveData.php)."""
        view = self._public(dep)
        if not self.can_read_sensitive:
            view.pop("logs", None)
        return view

    def _deploy_by_tags(self, tags: list[str], force: bool) -> Answer:
        """``DeployController::by_tags`` (DeployController.php:469-519 @379abb25): per tag,
        a "No resources found for tag" line, or each application's message, then each
        service's. ``details`` lists only applications that got a uuid, the skipped
        duplicates' never-stored uuids included, so it does not line up with
        ``message``. An application the token may not deploy gets a message, no detail."""
        messages: list[str] = []
        details: list[dict[str, str]] = []
        for tag in [t for t in tags if t]:
            if tag not in self.tags:
                continue  # an unknown tag is skipped silently
            apps = [a for a in self.applications.values() if tag in a.get("_tags", [])]
            services = [v for v in self.services.values() if tag in v.get("_tags", [])]
            if not apps and not services:
                messages.append(f"No resources found for tag {tag}.")
                continue
            for app in apps:
                if app.get("_unauthorized"):
                    messages.append("Unauthorized to deploy this application.")
                    continue
                item = self._new_deployment(app, force)
                details.append(
                    {"resource_uuid": app["uuid"], "deployment_uuid": item["deployment_uuid"]}
                )
                messages.append(item["message"])
            for service in services:
                messages.append(
                    f"Service {service['name']} started. It could take a while, be patient."
                )
        if not messages:
            return Answer(404, {"message": "No resources found with this tag."})
        body: dict[str, Any] = {"message": messages}
        if details:
            body["details"] = details
        return Answer(200, body)

    def _deploy(self, query: dict[str, str], **_: Any) -> Answer:
        if self.queue_full_answers:
            self.queue_full_answers -= 1
            return Answer(
                429,
                {"message": QUEUE_FULL},
                {"Retry-After": self.queue_full_retry_after},
            )
        uuids, tags = query.get("uuid"), query.get("tag")
        if uuids and tags:
            return Answer(400, {"message": "You can only use uuid or tag, not both."})
        force = query.get("force") in ("true", "1")
        if tags:
            return self._deploy_by_tags(tags.split(","), force)
        found = []
        for uuid in (uuids or "").split(","):
            if uuid in self.applications:
                found.append(self._new_deployment(self.applications[uuid], force))
            elif uuid in self.services:
                found.append(
                    {
                        "message": "Service started. It could take a while, be patient.",
                        "resource_uuid": uuid,
                    }
                )
        if not found:
            return Answer(404, {"message": "No resources found."})
        return Answer(200, {"deployments": found})

    def _get_deployment(self, u: str, **_: Any) -> Answer:
        if self.hidden_polls.get(u, 0) > 0:
            self.hidden_polls[u] -= 1
            return Answer(404, {"message": "Deployment not found."})
        dep = self.deployments.get(u)
        if dep is None:
            return Answer(404, {"message": "Deployment not found."})
        # The queue worker runs on its own; here it moves one step per poll, oldest first,
        # so a deployment queued behind another starts once that one is done.
        for other in list(self.deployments.values()):
            if other["_app"] == dep["_app"] and other["status"] in ("queued", "in_progress"):
                self._advance(other)
        return Answer(200, self._deployment_view(dep))

    def _cancel_deployment(self, u: str, **_: Any) -> Answer:
        """``DeployController::cancel_deployment`` (DeployController.php:211-330
        @379abb25): 404 unknown, 400 unless queued or in progress, else marked
        ``cancelled-by-user`` with a log line and the container removed."""
        dep = self.deployments.get(u)
        if dep is None:
            return Answer(404, {"message": "Deployment not found."})
        if dep["status"] not in ("queued", "in_progress"):
            return Answer(
                400,
                {"message": f"Deployment cannot be cancelled. Current status: {dep['status']}"},
            )
        dep["status"] = "cancelled-by-user"
        self._log(dep, "Deployment cancelled by user via API.", "stderr")
        return Answer(
            200,
            {
                "message": "Deployment cancelled successfully.",
                "deployment_uuid": u,
                "status": "cancelled-by-user",
            },
        )

    def _rollback_images(self, u: str, **_: Any) -> Answer:
        """``ApplicationsController::rollback_images`` (:5468-5537): the server's images
        of the application's repository; ``current`` is the running container's tag, or
        null when it runs a digest reference. Tests seed ``_images``/``_current``."""
        app = self.applications.get(u)
        if app is None:
            return Answer(404, {"message": "Application not found."})
        current = app.get("_current")
        images = [
            {"tag": tag, "created_at": created, "is_current": tag == current}
            for tag, created in app.get("_images", [])
        ]
        return Answer(200, {"current": current, "images": images})

    def _rollback(self, u: str, payload: Any, **_: Any) -> Answer:
        """``ApplicationsController::rollback_by_uuid`` (:5562-5637): only ``commit`` is
        allowed; a rollback deployment bypasses the duplicate guard (applications.php:56)."""
        if not isinstance(payload, dict) or not payload:
            return Answer(
                400,
                {"message": "Invalid request.", "error": "Content-Type must be application/json."},
            )
        extra = sorted(set(payload) - {"commit"})
        if extra or not isinstance(payload.get("commit"), str):
            errors = {k: ["This field is not allowed."] for k in extra}
            if not isinstance(payload.get("commit"), str):
                errors["commit"] = ["The commit field is required."]
            return Answer(422, {"message": "Validation failed.", "errors": errors})
        app = self.applications.get(u)
        if app is None:
            return Answer(404, {"message": "Application not found."})
        item = self._new_deployment(app, True)
        dep = self.deployments[item["deployment_uuid"]]
        dep["commit"], dep["rollback"] = payload["commit"], True
        return Answer(
            200,
            {"message": "Rollback deployment queued.", "deployment_uuid": dep["deployment_uuid"]},
        )

    def _app_deployments(self, u: str, query: dict[str, str], **_: Any) -> Answer:
        if u not in self.applications:
            return Answer(404, {"message": "Application not found."})
        skip, take = int(query.get("skip", 0)), int(query.get("take", 10))
        mine = [d for d in self.deployments.values() if d["_app"] == u][::-1]
        page = [self._deployment_view(d) for d in mine[skip : skip + take]]
        return Answer(200, {"count": len(mine), "deployments": page})

    @staticmethod
    def _decode_compose(value: Any) -> tuple[str | None, Answer | None]:
        error = Answer(
            422,
            {
                "message": "Validation failed.",
                "errors": {
                    "docker_compose_raw": "The docker_compose_raw should be base64 encoded."
                },
            },
        )
        if not isinstance(value, str):
            return None, error
        try:
            raw = base64.b64decode(value, validate=True)
        except (binascii.Error, ValueError):
            return None, error
        if base64.b64encode(raw).decode() != value:
            return None, error
        try:
            text = raw.decode("utf-8")
        except UnicodeDecodeError:
            return None, Answer(
                422,
                {
                    "message": "Validation failed.",
                    "errors": {"docker_compose_raw": "Invalid UTF-8."},
                },
            )
        # The server re-dumps the YAML (comments and quoting are lost).
        return yaml.safe_dump(yaml.safe_load(text), sort_keys=False, indent=2), None

    def _service_summary(self, service: dict[str, Any]) -> dict[str, Any]:
        return {k: v for k, v in service.items() if k not in ("applications", "databases")}

    def _get_service(self, u: str, **_: Any) -> Answer:
        """``docker_compose_raw``/``docker_compose`` are in ``Service::$hidden``
        (app/Models/Service.php:75-78) and shown only with can_read_sensitive
        (ServicesController.php:52-79)."""
        service = self.services.get(u)
        if service is None:
            return Answer(404, {"message": "Service not found."})
        view = dict(service)
        if not self.can_read_sensitive:
            view.pop("docker_compose_raw", None)
            view.pop("docker_compose", None)
        return Answer(200, view)

    def _create_service(self, payload: Any, **_: Any) -> Answer:
        if not isinstance(payload, dict):
            return Answer(
                400,
                {"message": "Invalid request.", "error": "Content-Type must be application/json."},
            )
        refused = self._not_allowed(payload, _SERVICE_CREATE_FIELDS)
        if refused:
            return refused
        if "docker_compose_raw" not in payload and "type" not in payload:
            return Answer(
                422,
                {
                    "message": "Validation failed.",
                    "errors": {"docker_compose_raw": ["required without type"]},
                },
            )
        text, error = self._decode_compose(payload["docker_compose_raw"])
        if error:
            return error
        assert text is not None
        uuid = f"svc{next(self._ids):021d}"
        service = self.add_service(uuid, text, name=payload.get("name", "service"))
        failed = self._apply_urls(
            service, payload.get("urls"), bool(payload.get("force_domain_override"))
        )
        if failed is not None:
            del self.services[uuid]  # $service->delete() (ServicesController.php:732)
            return failed
        return Answer(201, {"uuid": uuid, "domains": self._domains(service)})

    def _apply_urls(self, service: dict[str, Any], urls: Any, force: bool = False) -> Answer | None:
        """``ServicesController::applyServiceUrls`` (ServicesController.php:117-231): each
        item is applied on its own (a valid one is saved even when another fails); an
        unknown container name is an error in a JSON *list* (422), a domain in use
        elsewhere is a 409 with ``conflicts`` unless forced."""
        errors: list[str] = []
        conflicts: list[dict[str, str]] = []
        for item in urls or []:
            name, url = item.get("name"), item.get("url")
            app = next((a for a in service["applications"] if a["name"] == name), None)
            if app is None:
                errors.append(f"Service container with '{name}' not found.")
                continue
            taken = [d for d in (url or "").split(",") if d and d in self.taken_domains]
            if taken and not force:
                conflicts += [{"domain": d, "resource_name": "other"} for d in taken]
                continue
            app["fqdn"] = url or None
        if errors:
            return Answer(422, {"message": "Validation failed.", "errors": errors})
        if conflicts:
            return Answer(
                409,
                {
                    "message": "Domain conflicts detected. Use force_domain_override=true to "
                    "proceed.",
                    "conflicts": conflicts,
                    "warning": "Using the same domain for multiple resources can cause "
                    "routing conflicts and unpredictable behavior.",
                },
            )
        return None

    @staticmethod
    def _domains(service: dict[str, Any]) -> list[str]:
        # pluck('fqdn')->filter()->sort()->values() (ServicesController.php:1295)
        return sorted(a["fqdn"] for a in service["applications"] if a["fqdn"])

    def _patch_service(self, u: str, payload: Any, **_: Any) -> Answer:
        service = self.services.get(u)
        if service is None:
            return Answer(404, {"message": "Service not found."})
        if not isinstance(payload, dict) or not payload:
            return Answer(
                400,
                {"message": "Invalid request.", "error": "Content-Type must be application/json."},
            )
        refused = self._not_allowed(payload, _SERVICE_PATCH_FIELDS)
        if refused:
            return refused
        if "urls" in payload and _version_tuple(self.version) < (4, 0, 0, 0, 461):
            return refused or Answer(
                422,
                {
                    "message": "Validation failed.",
                    "errors": {"urls": ["This field is not allowed."]},
                },
            )
        if "docker_compose_raw" in payload:
            text, error = self._decode_compose(payload["docker_compose_raw"])
            if error:
                return error
            service["docker_compose_raw"] = text
            service["docker_compose"] = text
        # Saved and parsed BEFORE the urls are checked (ServicesController.php:1259-1279):
        # a 409/422 from the urls comes after the compose change is stored.
        failed = self._apply_urls(
            service, payload.get("urls"), bool(payload.get("force_domain_override"))
        )
        if failed is not None:
            return failed
        return Answer(200, {"uuid": u, "domains": self._domains(service)})

    def _service_apps(self, u: str, **_: Any) -> Answer:
        service = self.services.get(u)
        if service is None or _version_tuple(self.version) < (4, 2, 0, 1, 0):
            return Answer(
                404, {"message": "Service not found." if service is None else "Not found."}
            )
        return Answer(200, service["applications"])

    def _find_app(self, u: str, a: str) -> dict[str, Any] | None:
        service = self.services.get(u)
        if service is None:
            return None
        return next((x for x in service["applications"] if x["uuid"] == a), None)

    def _service_app(self, u: str, a: str, **_: Any) -> Answer:
        app = self._find_app(u, a)
        return (
            Answer(200, app) if app else Answer(404, {"message": "Service application not found."})
        )

    def _patch_service_app(self, u: str, a: str, payload: Any, **_: Any) -> Answer:
        if _version_tuple(self.version) < (4, 2, 0, 1, 0):
            return Answer(404, {"message": "Not found."})
        app = self._find_app(u, a)
        if app is None:
            return Answer(404, {"message": "Service application not found."})
        refused = self._not_allowed(
            payload,
            {
                "url",
                "noindex_domains",
                "human_name",
                "description",
                "image",
                "exclude_from_status",
                "is_log_drain_enabled",
                "is_gzip_enabled",
                "is_stripprefix_enabled",
            },
        )
        if refused:
            return refused
        if "url" in payload:
            app["fqdn"] = payload["url"]
        return Answer(200, app)

    def _restart_service(self, u: str, **_: Any) -> Answer:
        if u not in self.services:
            return Answer(404, {"message": "Service not found."})
        return Answer(200, {"message": "Service restarting request queued."})


def _version_tuple(text: str) -> tuple[int, ...]:
    match = re.fullmatch(r"v?(\d+)\.(\d+)\.(\d+)(?:-beta\.(\d+))?.*", text)
    assert match, text
    major, minor, patch, beta = match.groups()
    return (int(major), int(minor), int(patch), 0 if beta else 1, int(beta or 0))


@contextmanager
def serve(fake: FakeCoolify) -> Iterator[str]:
    """Serve ``fake`` over real HTTP on 127.0.0.1 (free port); yields the base URL."""

    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, format: str, *args: Any) -> None:
            return

        def _answer(self) -> None:
            length = int(self.headers.get("Content-Length") or 0)
            body = self.rfile.read(length) if length else b""
            answer = fake.handle(
                self.command, f"http://127.0.0.1{self.path}", dict(self.headers.items()), body
            )
            self.send_response(answer.status)
            for key, value in answer.headers.items():
                self.send_header(key, value)
            self.send_header("Content-Length", str(len(answer.content)))
            self.end_headers()
            self.wfile.write(answer.content)

        do_GET = do_POST = do_PATCH = do_PUT = do_DELETE = _answer

    class Server(ThreadingHTTPServer):
        daemon_threads = True
        # listen() backlog: the default 5 drops SYNs from a burst of new connections,
        # and the kernel retries them a second later, which looks like server latency.
        request_queue_size = 256

    server = Server(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)


_CHILD = """
import sys
sys.path.insert(0, {root!r})
from tests._support.coolify_fake import Answer, FakeCoolify, serve
fake = FakeCoolify(rate_limit={limit!r}, rate_window={window!r})
original = fake.handle
def handle(method, url, headers, body):
    if url.split("?")[0].endswith("/__fake/stats"):
        return Answer(200, {{"served": fake.served, "throttled": fake.throttled}})
    return original(method, url, headers, body)
fake.handle = handle
with serve(fake) as url:
    print(url, flush=True)
    sys.stdin.read()
"""


@contextmanager
def serve_in_subprocess(limit: int, window: float) -> Iterator[str]:
    """A throttling fake in its own Python process on 127.0.0.1; yields the base URL.

    Timing-sensitive tests use it so that server threads do not compete with the
    client's threads for one interpreter lock: arrival times then reflect the client's
    sending, as with a real Coolify. ``GET <url>/__fake/stats`` (no auth) reports
    ``{"served", "throttled"}``.
    """
    import subprocess
    import sys
    from pathlib import Path

    root = str(Path(__file__).resolve().parents[2])
    code = _CHILD.format(root=root, limit=limit, window=window)
    child = subprocess.Popen(
        [sys.executable, "-c", code], stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True
    )
    try:
        assert child.stdout is not None
        url = child.stdout.readline().strip()
        if not url.startswith("http://127.0.0.1:"):
            raise RuntimeError(f"fake Coolify did not start (got {url!r})")
        yield url
    finally:
        assert child.stdin is not None
        child.stdin.close()
        try:
            child.wait(timeout=10)
        except subprocess.TimeoutExpired:
            child.kill()
            child.wait()
        if child.stdout is not None:
            child.stdout.close()


def fake_stats(url: str) -> dict[str, int]:
    """The ``served``/``throttled`` counters of a fake started by :func:`serve_in_subprocess`."""
    stats: dict[str, int] = httpx.get(f"{url}/__fake/stats").json()
    return stats
