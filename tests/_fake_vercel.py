"""An in-process fake of the Vercel REST API parts mosaic_sdk uses.

Shaped after ``shared/specs/vercel-openapi.json`` and the research notes (section 3):
Bearer auth, ``teamId`` scope, deployments that move QUEUED -> BUILDING -> READY one
step per ``GET``, list pagination by ``until``, asynchronous promotion (production
switches after a configurable number of project reads), instant rollback, aliases, env
upserts answering 201 with a ``failed`` list, and the ``rate_limited`` 429 shape with
``X-RateLimit-*`` headers.
"""

from __future__ import annotations

import copy
import itertools
import re
import time
from typing import Any

from tests._fake_http import FakeRequest, FakeResponse

TOKEN = "vcp_fAkE0vercel0token0for0tests0only0abc"
TEAM_ID = "team_1a2b3c4d5e6f7g8h9i0j1k2l"
PROJECT_ID = "prj_12HKQaOmR5t5Uy6vdcQsNIiZgHGB"
DIGEST_A = "sha256:" + "a" * 64
DIGEST_B = "sha256:" + "b" * 64
DIGEST_OLD = "sha256:" + "0" * 64


def _error(status: int, code: str, message: str) -> FakeResponse:
    return FakeResponse(status, {"error": {"code": code, "message": message}})


class FakeVercel:
    def __init__(self, *, team_id: str | None = TEAM_ID) -> None:
        self.token = TOKEN
        self.team_id = team_id
        self.requests: list[FakeRequest] = []
        self._created = itertools.count(1_718_000_000_000, 60_000)
        self._ids = itertools.count(1)
        self.project = {"id": PROJECT_ID, "name": "shop", "accountId": TEAM_ID}
        self.deployments: dict[str, dict[str, Any]] = {}
        #: States a new deployment walks through, one per GET (after QUEUED).
        self.build_steps: list[str] = ["BUILDING", "READY"]
        self._steps: dict[str, list[str]] = {}
        #: Project reads before a promotion lands.
        self.promote_delay = 1
        self._pending_promotion: tuple[str, int] | None = None
        self.production_id: str | None = None
        self.aliases: dict[str, list[dict[str, Any]]] = {}
        self.envs: list[dict[str, Any]] = []
        self.reject_env_keys: set[str] = set()
        #: When > 0, that many requests are answered 429 before normal service resumes.
        self.rate_limited_requests = 0
        self.rate_limit_reset_in = 3.0
        old = self._add("READY", "production", {"imageDigest": DIGEST_OLD, "version": "0.9.0"})
        self.production_id = old["id"]
        self._add("READY", "production", {"imageDigest": DIGEST_A, "version": "1.0.0"}, "STAGED")
        self._add("READY", "production", {"imageDigest": DIGEST_B, "version": "2.3.4"}, "STAGED")
        self._add("READY", None, {"githubCommitRef": "feature/x"})

    def _add(
        self,
        state: str,
        target: str | None,
        meta: dict[str, str],
        substate: str | None = "PROMOTED",
    ) -> dict[str, Any]:
        number = next(self._ids)
        dep_id = f"dpl_{number:0>28}"
        deployment: dict[str, Any] = {
            "id": dep_id,
            "url": f"shop-{number:x}abc-acme.vercel.app",
            "name": "shop",
            "projectId": PROJECT_ID,
            "readyState": state,
            "readySubstate": substate if state == "READY" else None,
            "target": target,
            "createdAt": next(self._created),
            "meta": dict(meta),
            "alias": [],
            "aliasAssigned": state == "READY",
            "inspectorUrl": f"https://vercel.com/acme/shop/{dep_id}",
            "type": "LAMBDAS",
            "version": 2,
        }
        self.deployments[dep_id] = deployment
        return deployment

    # -- routing --------------------------------------------------------------------------

    def handle(self, request: FakeRequest) -> FakeResponse:
        self.requests.append(request)
        if request.headers.get("authorization") != f"Bearer {self.token}":
            return _error(403, "forbidden", "Not authorized")
        if self.team_id is not None and request.arg("teamId") != self.team_id:
            return _error(403, "forbidden", "You don't have permission to access this team")
        if self.rate_limited_requests > 0:
            self.rate_limited_requests -= 1
            reset = time.time() + self.rate_limit_reset_in
            return FakeResponse(
                429,
                {
                    "error": {
                        "code": "rate_limited",
                        "message": "Rate limit exceeded",
                        "limit": {
                            "remaining": 0,
                            "reset": int(reset),
                            "resetMs": int(reset * 1000),
                            "total": 100,
                        },
                    }
                },
                {
                    "X-RateLimit-Limit": "100",
                    "X-RateLimit-Remaining": "0",
                    "X-RateLimit-Reset": str(int(reset)),
                },
            )
        routes: list[tuple[str, str, Any]] = [
            ("POST", r"/v13/deployments", self._create),
            ("GET", r"/v13/deployments/([^/]+)", self._get),
            ("GET", r"/v6/deployments", self._list),
            ("POST", r"/v10/projects/([^/]+)/promote/([^/]+)", self._promote),
            ("POST", r"/v1/projects/([^/]+)/rollback/([^/]+)", self._rollback),
            ("POST", r"/v2/deployments/([^/]+)/aliases", self._assign_alias),
            ("GET", r"/v2/deployments/([^/]+)/aliases", self._list_aliases),
            ("POST", r"/v10/projects/([^/]+)/env", self._upsert_env),
            ("GET", r"/v10/projects/([^/]+)/env", self._list_env),
            ("GET", r"/v9/projects/([^/]+)", self._get_project),
        ]
        for method, pattern, func in routes:
            match = re.fullmatch(pattern, request.path)
            if match and method == request.method:
                answer: FakeResponse = func(request, *match.groups())
                return answer
        return _error(404, "not_found", f"no route for {request.method} {request.path}")

    def _find(self, id_or_url: str) -> dict[str, Any] | None:
        for deployment in self.deployments.values():
            if id_or_url in (deployment["id"], deployment["url"]):
                return deployment
        return None

    def _create(self, request: FakeRequest) -> FakeResponse:
        body = request.json() or {}
        if "name" not in body:
            return _error(400, "bad_request", "Invalid request: missing required property `name`.")
        deployment = self._add("QUEUED", body.get("target"), body.get("meta") or {}, None)
        self._steps[deployment["id"]] = list(self.build_steps)
        return FakeResponse(200, copy.deepcopy(deployment))

    def _get(self, request: FakeRequest, id_or_url: str) -> FakeResponse:
        deployment = self._find(id_or_url)
        if deployment is None:
            return _error(404, "not_found", "Deployment not found")
        steps = self._steps.get(deployment["id"])
        if steps:
            deployment["readyState"] = steps.pop(0)
            if deployment["readyState"] == "READY":
                deployment["readySubstate"] = "STAGED"
            if deployment["readyState"] == "ERROR":
                deployment["errorCode"] = "BUILD_FAILED"
                deployment["errorMessage"] = 'Command "npm run build" exited with 1'
        return FakeResponse(200, copy.deepcopy(deployment))

    def _list(self, request: FakeRequest) -> FakeResponse:
        items = sorted(self.deployments.values(), key=lambda d: -d["createdAt"])
        if request.arg("projectId"):
            items = [d for d in items if d["projectId"] == request.arg("projectId")]
        if request.arg("target"):
            items = [d for d in items if d["target"] == request.arg("target")]
        if request.arg("state"):
            items = [d for d in items if d["readyState"] == request.arg("state")]
        if request.arg("until"):
            items = [d for d in items if d["createdAt"] < int(request.arg("until") or 0)]
        limit = int(request.arg("limit") or 20)
        page, rest = items[:limit], items[limit:]
        listed = [
            {
                "uid": d["id"],
                "name": d["name"],
                "projectId": d["projectId"],
                "url": d["url"],
                "created": d["createdAt"],
                "createdAt": d["createdAt"],
                "state": d["readyState"],
                "readyState": d["readyState"],
                "readySubstate": d["readySubstate"],
                "type": "LAMBDAS",
                "creator": {"uid": "usr_1", "username": "ci"},
                "inspectorUrl": d["inspectorUrl"],
                "meta": d["meta"],
                "target": d["target"],
                "isRollbackCandidate": d["target"] == "production" and d["readyState"] == "READY",
            }
            for d in page
        ]
        nxt = page[-1]["createdAt"] if rest and page else None
        return FakeResponse(
            200,
            {
                "deployments": listed,
                "pagination": {"count": len(listed), "next": nxt, "prev": None},
            },
        )

    def _promote(self, request: FakeRequest, project_id: str, deployment_id: str) -> FakeResponse:
        deployment = self._find(deployment_id)
        if project_id != PROJECT_ID or deployment is None:
            return _error(404, "not_found", "Deployment not found")
        if deployment["readyState"] != "READY":
            return _error(400, "bad_request", "Deployment is not ready")
        self._pending_promotion = (deployment_id, self.promote_delay)
        return FakeResponse(202, None)

    def _rollback(self, request: FakeRequest, project_id: str, deployment_id: str) -> FakeResponse:
        deployment = self._find(deployment_id)
        if project_id != PROJECT_ID or deployment is None:
            return _error(404, "not_found", "Deployment not found")
        self.production_id = deployment_id
        return FakeResponse(201, None)

    def _assign_alias(self, request: FakeRequest, deployment_id: str) -> FakeResponse:
        deployment = self._find(deployment_id)
        if deployment is None:
            return _error(404, "not_found", "Deployment not found")
        if deployment["readyState"] != "READY":
            return _error(400, "deployment_not_ready", "The deployment is not READY")
        alias = (request.json() or {}).get("alias", "")
        old = None
        for dep_id, items in self.aliases.items():
            if any(a["alias"] == alias for a in items):
                old = dep_id
                self.aliases[dep_id] = [a for a in items if a["alias"] != alias]
        entry = {
            "uid": f"als_{len(alias):04d}{deployment_id[-6:]}",
            "alias": alias,
            "created": "2024-06-10T08:00:00.000Z",
        }
        self.aliases.setdefault(deployment_id, []).append(entry)
        return FakeResponse(200, {**entry, "oldDeploymentId": old})

    def _list_aliases(self, request: FakeRequest, deployment_id: str) -> FakeResponse:
        if self._find(deployment_id) is None:
            return _error(404, "not_found", "Deployment not found")
        return FakeResponse(200, {"aliases": copy.deepcopy(self.aliases.get(deployment_id, []))})

    def _upsert_env(self, request: FakeRequest, project: str) -> FakeResponse:
        body = request.json()
        items = body if isinstance(body, list) else [body]
        created, failed = [], []
        for item in items:
            if item["key"] in self.reject_env_keys:
                failed.append(
                    {
                        "error": {
                            "code": "ENV_CONFLICT",
                            "message": f"A variable with the name `{item['key']}` already exists",
                            "key": item["key"],
                        }
                    }
                )
                continue
            self.envs = [e for e in self.envs if e["key"] != item["key"]]
            env = {
                "id": f"env_{len(self.envs) + 1:04d}",
                "key": item["key"],
                "value": item["value"] if item["type"] == "plain" else "",
                "type": item["type"],
                "target": item["target"],
                "createdAt": 1718000000000,
                "updatedAt": 1718000000000,
            }
            self.envs.append(env)
            created.append(env)
        payload: dict[str, Any] = {
            "created": created[0] if len(created) == 1 else created,
            "failed": failed,
        }
        return FakeResponse(201, payload)

    def _list_env(self, request: FakeRequest, project: str) -> FakeResponse:
        return FakeResponse(200, {"envs": copy.deepcopy(self.envs)})

    def _get_project(self, request: FakeRequest, id_or_name: str) -> FakeResponse:
        if id_or_name not in (PROJECT_ID, "shop"):
            return _error(404, "not_found", "Project not found")
        if self._pending_promotion is not None:
            dep_id, remaining = self._pending_promotion
            if remaining <= 0:
                self.production_id = dep_id
                self.deployments[dep_id]["readySubstate"] = "PROMOTED"
                self._pending_promotion = None
            else:
                self._pending_promotion = (dep_id, remaining - 1)
        project: dict[str, Any] = dict(self.project)
        production = self.deployments.get(self.production_id or "")
        project["targets"] = {
            "production": {
                "id": production["id"],
                "url": production["url"],
                "name": production["name"],
                "createdAt": production["createdAt"],
                "createdIn": "iad1",
                "creator": {"uid": "usr_1"},
                "deploymentHostname": production["url"].split(".")[0],
                "plan": "pro",
                "private": True,
                "readyState": production["readyState"],
                "readySubstate": production["readySubstate"],
                "type": "LAMBDAS",
                "userId": "usr_1",
                "meta": production["meta"],
                "target": "production",
            }
            if production
            else None
        }
        return FakeResponse(200, project)
