"""An in-process fake of the Vercel REST API parts mosaic_sdk uses, true to the real server.

Every behaviour below cites where it was read: the Vercel CLI (``vercel/vercel``
``packages/cli/src/...``), the official SDK (``vercel/sdk`` ``src/funcs/...``) or the
published spec (``shared/specs/vercel-openapi.json``). Where the CLI and the spec
disagree, the fake does what the CLI shows the server doing.

Implemented:

* Auth: ``Authorization: Bearer``; a missing token answers 403 ``missingToken``, a wrong
  one 403 ``invalidToken`` (CLI ``test/mocks/team.ts:41-57``, read by
  ``util/projects/link.ts:476``); a team the token cannot reach answers 403
  ``forbidden`` (``util/projects/link.ts:478``).
* Errors: ``{"error": {"code", "message", ...}}``; with ``err_shape=True`` the same
  body under ``err``, which "some APIs wrongly return" (``util/response-error.ts:20``).
* 429: ``Retry-After`` (seconds) read by the CLI (``util/errors-ts.ts:43-48``), the
  body's ``error.limit`` and ``X-RateLimit-*`` headers.
* Deployments: create answers ``QUEUED`` and each ``GET`` moves one step through
  ``build_steps``; ``ERROR`` deployments carry ``errorCode``/``errorMessage`` and build
  events (``GET /v3/deployments/{idOrUrl}/events``, a JSON array, ``direction`` and
  ``limit`` honoured: ``vercel/sdk src/funcs/deploymentsGetDeploymentEvents.ts:111,190``);
  ``PATCH /v12/deployments/{id}/cancel`` answers 200 with the canceled deployment
  (``deploymentsCancelDeployment.ts:104,173``); list pages by ``until``
  (``pagination.next``, CLI ``util/client.ts fetchPaginated``).
* Promote: ``POST /v10/projects/{p}/promote/{d}`` answers 201, or 202 while a rolling
  release is active ("queued and will begin when the active rolling release completes",
  ``commands/promote/request-promote.ts:81-85``; ``projectsRequestPromote.ts:176``
  ``M.nil([201, 202])``). The project's ``lastAliasRequest`` then walks ``pending`` ->
  ``in-progress`` -> ``promote_outcome`` (``succeeded``, ``failed`` or ``skipped``), one
  step per project read after ``promote_delay`` reads (``commands/promote/status.ts:106-162``);
  only ``succeeded`` moves production. Failed aliases are listed by
  ``GET /v1/projects/{id}/promote/aliases?failedOnly=true`` (SDK shape, ``alias`` a
  string: ``projectsListPromoteAliases.ts:102``, spec) and by the CLI's ``/v9`` path
  (``alias`` an object: ``status.ts:22-29,218``).
* Rolling releases (a state machine: configure, start, approve, complete, abort):

  - Configure: ``PATCH /v1/projects/{id}/rolling-release/config`` takes the CLI's body
    ``{enabled, advancementType, stages}`` (``commands/rolling-release/
    configure-rolling-release.ts:323-335``; the stored spec documents no body), stages
    ascending (``:85-91``) with the last at 100 (``:270``; docs "the last stage must always
    be 100%", https://vercel.com/docs/rolling-releases); ``enabled: false`` disables. It
    answers ``{"rollingRelease": {stages}}`` (spec, second ``oneOf`` shape).
    ``GET .../config`` answers ``{"rollingRelease": {target, stages} | null}`` and
    ``DELETE .../config`` ``{"rollingRelease": null}`` (spec). A ``manual-approval``
    stage carries ``requireApproval: true`` and no ``duration``
    (``configure-rolling-release.ts:58-63``). Setting ``rolling_release_stages`` directly
    configures ``rolling_release_advancement`` (``automatic`` by default).
  - Start: a promote of a production deployment, or ``POST .../rolling-release/start
    {canaryDeploymentId}`` (``start-rolling-release.ts:78-85``), starts a release at
    stage 0 with ``currentDeployment`` the production deployment; production keeps
    serving it until the release completes (docs: "the rest of your traffic will be
    routed to your previous production deployment"). ``GET .../rolling-release``
    answers ``{"rollingRelease": ...}`` (``request-rolling-release.ts:24-26``; spec).
  - Approve: ``POST .../rolling-release/approve-stage {nextStageIndex,
    canaryDeploymentId}`` (spec; the CLI sends ``nextStageIndex: activeStageIndex + 1``,
    ``approve-rolling-release.ts:29-40``) moves to that stage; reaching the final
    (100 %) stage completes the release. A wrong canary, a stage index other than the
    next one, or no active release answers 400 (assumed: the spec lists 400 but not
    the cases).
  - Complete: ``POST .../rolling-release/complete {canaryDeploymentId}`` (spec;
    ``complete-rolling-release.ts:28-35``): ``state`` ``COMPLETE``, production serves
    the canary.
  - Abort: an instant rollback while a release is active (``vercel rr abort`` posts
    ``/v9/projects/{id}/rollback/{deploymentId}`` with ``{}``,
    ``abort-rolling-release.ts:28-34``; the SDK's ``/v1`` path is answered the same):
    ``state`` ``ABORTED``, production serves the deployment rolled back to.
* Aliases: ``POST /v2/deployments/{id}/aliases``; an alias already on that deployment
  answers 409 with ``uid``/``alias`` in the error (``util/alias/create-alias.ts:68-69``);
  a domain without a certificate 400 ``cert_missing`` (``util/index.ts:249``,
  ``create-alias.ts:65``) until ``POST /v8/certs {"cns": [...]}`` issues one
  (``certsIssueCert.ts:96``; spec body ``cns``); a deployment not READY 400
  ``deployment_not_ready`` (``create-alias.ts:83``).
* Env: upsert answers 201 ``{created, failed}``; ``GET`` answers ``{"envs": [...]}``
  and, with ``env_page_size``, ``{"envs", "pagination"}`` paged by ``until`` (the
  spec's third response shape and ``Pagination.next``); ``PATCH``/``DELETE
  /v9/projects/{p}/env/{id}`` edit and remove (``projectsEditProjectEnv.ts:106,176``,
  ``projectsRemoveProjectEnv.ts:106,176``).
* Deployment hosts: a request whose ``Host`` is a deployment URL or alias is served by
  that deployment; with ``protection_secret`` set it answers 401 unless
  ``x-vercel-protection-bypass`` carries the secret (docs:
  https://vercel.com/docs/deployment-protection/methods-to-bypass-deployment-protection/protection-bypass-automation).
"""

from __future__ import annotations

import copy
import itertools
import math
import re
import time
from typing import Any

from tests._support.fake_http import FakeRequest, FakeResponse

TOKEN = "vcp_fAkE0vercel0token0for0tests0only0abc"
TEAM_ID = "team_1a2b3c4d5e6f7g8h9i0j1k2l"
PROJECT_ID = "prj_12HKQaOmR5t5Uy6vdcQsNIiZgHGB"
DIGEST_A = "sha256:" + "a" * 64
DIGEST_B = "sha256:" + "b" * 64
DIGEST_OLD = "sha256:" + "0" * 64
BUILD_LOG = [
    "Running build in Washington, D.C., USA (East) - iad1",
    'Running "npm run build"',
    "> shop@1.0.0 build",
    "Error: Cannot find module 'left-pad'",
    'Error: Command "npm run build" exited with 1',
]


class FakeVercel:
    def __init__(self, *, team_id: str | None = TEAM_ID) -> None:
        self.token = TOKEN
        self.team_id = team_id
        self.requests: list[FakeRequest] = []
        self._created = itertools.count(1_718_000_000_000, 60_000)
        self._ids = itertools.count(1)
        self.project: dict[str, Any] = {"id": PROJECT_ID, "name": "shop", "accountId": TEAM_ID}
        self.deployments: dict[str, dict[str, Any]] = {}
        self.events: dict[str, list[dict[str, Any]]] = {}
        #: States a new deployment walks through, one per GET (after QUEUED).
        self.build_steps: list[str] = ["BUILDING", "READY"]
        self._steps: dict[str, list[str]] = {}
        #: Project reads while ``lastAliasRequest`` is pending/in-progress.
        self.promote_delay = 1
        #: How the promote job ends: succeeded, failed or skipped.
        self.promote_outcome = "succeeded"
        #: Aliases listed as failed when ``promote_outcome == "failed"``.
        self.failed_aliases: list[str] = ["shop.example.com"]
        self.last_alias_request: dict[str, Any] | None = None
        self._alias_job_reads = 0
        #: Stages (target percentages) of the project's rolling-release config, or None.
        self.rolling_release_stages: list[int] | None = None
        #: ``automatic`` (stages on a timer) or ``manual-approval``.
        self.rolling_release_advancement = "automatic"
        #: Minutes per stage with automatic advancement.
        self.rolling_release_duration: int | None = 10
        self.rolling_release: dict[str, Any] | None = None
        self.production_id: str | None = None
        self.aliases: dict[str, list[dict[str, Any]]] = {}
        #: Domains that answer cert_missing until a certificate is issued for them.
        self.uncertified: set[str] = set()
        self.certs: list[list[str]] = []
        self.envs: list[dict[str, Any]] = []
        self.env_page_size: int | None = None
        self.reject_env_keys: set[str] = set()
        #: Answer errors under ``err`` instead of ``error`` (util/response-error.ts:20).
        self.err_shape = False
        #: When set, deployment hosts need x-vercel-protection-bypass with this value.
        self.protection_secret: str | None = None
        #: Status a deployment host answers for its health path.
        self.site_status = 200
        #: When > 0, that many requests are answered 429 before normal service resumes.
        self.rate_limited_requests = 0
        self.rate_limit_reset_in = 3.0
        old = self._add("READY", "production", {"imageDigest": DIGEST_OLD, "version": "0.9.0"})
        self.production_id = old["id"]
        self._add("READY", "production", {"imageDigest": DIGEST_A, "version": "1.0.0"}, "STAGED")
        self._add("READY", "production", {"imageDigest": DIGEST_B, "version": "2.3.4"}, "STAGED")
        self._add("READY", None, {"githubCommitRef": "feature/x"})

    def _error(self, status: int, code: str, message: str, **extra: Any) -> FakeResponse:
        key = "err" if self.err_shape else "error"
        return FakeResponse(status, {key: {"code": code, "message": message, **extra}})

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
        host = request.headers.get("host", "")
        if host and host != "api.vercel.com" and not host.startswith("127.0.0.1"):
            return self._serve_site(request, host)
        auth = request.headers.get("authorization")
        if not auth:
            return self._error(
                403,
                "forbidden",
                "The request is missing an authentication token",
                missingToken=True,
            )
        if auth != f"Bearer {self.token}":
            return self._error(403, "forbidden", "Not authorized", invalidToken=True)
        if self.team_id is not None and request.arg("teamId") != self.team_id:
            return self._error(403, "forbidden", "You don't have permission to access this team")
        if self.rate_limited_requests > 0:
            self.rate_limited_requests -= 1
            reset = time.time() + self.rate_limit_reset_in
            key = "err" if self.err_shape else "error"
            return FakeResponse(
                429,
                {
                    key: {
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
                    "Retry-After": str(math.ceil(self.rate_limit_reset_in)),
                    "X-RateLimit-Limit": "100",
                    "X-RateLimit-Remaining": "0",
                    "X-RateLimit-Reset": str(int(reset)),
                },
            )
        routes: list[tuple[str, str, Any]] = [
            ("POST", r"/v13/deployments", self._create),
            ("GET", r"/v13/deployments/([^/]+)", self._get),
            ("GET", r"/v3/deployments/([^/]+)/events", self._events),
            ("PATCH", r"/v12/deployments/([^/]+)/cancel", self._cancel),
            ("GET", r"/v6/deployments", self._list),
            ("POST", r"/v10/projects/([^/]+)/promote/([^/]+)", self._promote),
            ("GET", r"/v1/projects/([^/]+)/promote/aliases", self._promote_aliases_v1),
            ("GET", r"/v9/projects/([^/]+)/promote/aliases", self._promote_aliases_v9),
            ("GET", r"/v1/projects/([^/]+)/rolling-release", self._get_rolling_release),
            ("GET", r"/v1/projects/([^/]+)/rolling-release/config", self._get_rr_config),
            ("PATCH", r"/v1/projects/([^/]+)/rolling-release/config", self._patch_rr_config),
            ("DELETE", r"/v1/projects/([^/]+)/rolling-release/config", self._delete_rr_config),
            ("POST", r"/v1/projects/([^/]+)/rolling-release/start", self._start_rr),
            ("POST", r"/v1/projects/([^/]+)/rolling-release/approve-stage", self._approve_rr),
            ("POST", r"/v1/projects/([^/]+)/rolling-release/complete", self._complete_rr),
            ("POST", r"/v1/projects/([^/]+)/rollback/([^/]+)", self._rollback),
            ("POST", r"/v9/projects/([^/]+)/rollback/([^/]+)", self._rollback),
            ("POST", r"/v2/deployments/([^/]+)/aliases", self._assign_alias),
            ("GET", r"/v2/deployments/([^/]+)/aliases", self._list_aliases),
            ("POST", r"/v8/certs", self._issue_cert),
            ("POST", r"/v10/projects/([^/]+)/env", self._upsert_env),
            ("GET", r"/v10/projects/([^/]+)/env", self._list_env),
            ("PATCH", r"/v9/projects/([^/]+)/env/([^/]+)", self._edit_env),
            ("DELETE", r"/v9/projects/([^/]+)/env/([^/]+)", self._remove_env),
            ("GET", r"/v9/projects/([^/]+)", self._get_project),
        ]
        for method, pattern, func in routes:
            match = re.fullmatch(pattern, request.path)
            if match and method == request.method:
                answer: FakeResponse = func(request, *match.groups())
                return answer
        return self._error(404, "not_found", f"no route for {request.method} {request.path}")

    def _find(self, id_or_url: str) -> dict[str, Any] | None:
        for deployment in self.deployments.values():
            if id_or_url in (deployment["id"], deployment["url"]):
                return deployment
        return None

    # -- deployment hosts -------------------------------------------------------------------

    def _serve_site(self, request: FakeRequest, host: str) -> FakeResponse:
        deployment = self._find(host)
        if deployment is None:
            for dep_id, items in self.aliases.items():
                if any(a["alias"] == host for a in items):
                    deployment = self.deployments[dep_id]
        if deployment is None:
            return FakeResponse(404, {"error": {"code": "DEPLOYMENT_NOT_FOUND"}})
        # Deployment Protection: 401 without the automation bypass secret (docs URL above).
        if self.protection_secret is not None and (
            request.headers.get("x-vercel-protection-bypass") != self.protection_secret
        ):
            return FakeResponse(401, None)
        return FakeResponse(
            self.site_status, {"ok": self.site_status < 400, "id": deployment["id"]}
        )

    # -- deployments ------------------------------------------------------------------------

    def _create(self, request: FakeRequest) -> FakeResponse:
        body = request.json() or {}
        if "name" not in body:
            return self._error(
                400, "bad_request", "Invalid request: missing required property `name`."
            )
        deployment = self._add("QUEUED", body.get("target"), body.get("meta") or {}, None)
        self._steps[deployment["id"]] = list(self.build_steps)
        return FakeResponse(200, copy.deepcopy(deployment))

    def _get(self, request: FakeRequest, id_or_url: str) -> FakeResponse:
        deployment = self._find(id_or_url)
        if deployment is None:
            return self._error(404, "not_found", "Deployment not found")
        steps = self._steps.get(deployment["id"])
        if steps and deployment["readyState"] != "CANCELED":
            deployment["readyState"] = steps.pop(0)
            if deployment["readyState"] == "READY":
                deployment["readySubstate"] = "STAGED"
            if deployment["readyState"] == "ERROR":
                deployment["errorCode"] = "BUILD_FAILED"
                deployment["errorMessage"] = 'Command "npm run build" exited with 1'
                self._log_build(deployment, BUILD_LOG)
        return FakeResponse(200, copy.deepcopy(deployment))

    def _log_build(self, deployment: dict[str, Any], lines: list[str]) -> None:
        # The first oneOf shape of the spec's events answer: {type, created, payload}.
        events = self.events.setdefault(deployment["id"], [])
        for number, text in enumerate(lines):
            created = deployment["createdAt"] + 1000 * (len(events) + 1)
            events.append(
                {
                    "type": "stderr" if text.startswith("Error") else "stdout",
                    "created": created,
                    "payload": {
                        "deploymentId": deployment["id"],
                        "id": f"evt_{number}",
                        "date": created,
                        "serial": f"{created}-{number}",
                        "text": text,
                    },
                }
            )

    def _events(self, request: FakeRequest, id_or_url: str) -> FakeResponse:
        deployment = self._find(id_or_url)
        if deployment is None:
            return self._error(404, "not_found", "Deployment not found")
        events = list(self.events.get(deployment["id"], []))
        if request.arg("direction") == "backward":
            events.reverse()
        limit = int(float(request.arg("limit") or -1))
        if limit >= 0:
            events = events[:limit]
        return FakeResponse(200, copy.deepcopy(events))

    def _cancel(self, request: FakeRequest, dep_id: str) -> FakeResponse:
        deployment = self._find(dep_id)
        if deployment is None:
            return self._error(404, "not_found", "Deployment not found")
        if deployment["readyState"] not in ("QUEUED", "INITIALIZING", "BUILDING"):
            # 400 is among the SDK's declared errors (deploymentsCancelDeployment.ts:174);
            # the exact wording is not in any source we have.
            return self._error(400, "bad_request", "The deployment cannot be canceled")
        deployment["readyState"] = "CANCELED"
        self._steps.pop(deployment["id"], None)
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

    # -- promote and rolling releases ----------------------------------------------------------

    def _promote(self, request: FakeRequest, project_id: str, deployment_id: str) -> FakeResponse:
        deployment = self._find(deployment_id)
        if project_id != PROJECT_ID or deployment is None:
            return self._error(404, "not_found", "Deployment not found")
        if deployment["readyState"] != "READY":
            return self._error(400, "bad_request", "Deployment is not ready")
        if self.rolling_release is not None and self.rolling_release["state"] == "ACTIVE":
            # request-promote.ts:81-85: queued until the active rolling release completes.
            return FakeResponse(202, None)
        now = int(time.time() * 1000)
        if self.rolling_release_stages:
            self._start_release(deployment_id)
            return FakeResponse(201, None)
        self.last_alias_request = {
            "fromDeploymentId": self.production_id,
            "toDeploymentId": deployment_id,
            "jobStatus": "pending",
            "requestedAt": now,
            "type": "promote",
        }
        self._alias_job_reads = 0
        return FakeResponse(201, None)

    def _config_stages(self) -> list[dict[str, Any]]:
        manual = self.rolling_release_advancement == "manual-approval"
        stages = self.rolling_release_stages or []
        return [
            {
                "targetPercentage": p,
                "requireApproval": manual and n < len(stages) - 1,
                "duration": None
                if manual or n == len(stages) - 1
                else self.rolling_release_duration,
                "linearShift": False,
            }
            for n, p in enumerate(stages)
        ]

    def _stage(self, index: int) -> dict[str, Any] | None:
        assert self.rolling_release is not None
        stages = self.rolling_release["stages"]
        if not 0 <= index < len(stages):
            return None
        return dict(stages[index])

    def _start_release(self, deployment_id: str) -> None:
        now = int(time.time() * 1000)
        stages = [
            {"index": n, "isFinalStage": n == len(self._config_stages()) - 1, **stage}
            for n, stage in enumerate(self._config_stages())
        ]
        self.rolling_release = {
            "state": "ACTIVE",
            "currentDeployment": self._summary(self.production_id or ""),
            "canaryDeployment": self._summary(deployment_id),
            "queuedDeploymentId": None,
            "advancementType": self.rolling_release_advancement,
            "stages": stages,
            "activeStage": None,
            "nextStage": None,
            "startedAt": now,
            "updatedAt": now,
        }
        self._move_to(0)
        self.deployments[deployment_id]["readySubstate"] = "ROLLING"

    def _move_to(self, index: int) -> None:
        release = self.rolling_release
        assert release is not None
        release["activeStage"] = self._stage(index)
        release["nextStage"] = self._stage(index + 1)
        release["updatedAt"] = int(time.time() * 1000)
        if release["activeStage"] and release["activeStage"]["isFinalStage"]:
            self._finish("COMPLETE", release["canaryDeployment"]["id"])

    def _finish(self, state: str, production_id: str) -> None:
        release = self.rolling_release
        assert release is not None
        release["state"] = state
        release["activeStage"] = None
        release["nextStage"] = None
        canary = self.deployments[release["canaryDeployment"]["id"]]
        canary["readySubstate"] = "PROMOTED" if state == "COMPLETE" else "STAGED"
        self.production_id = production_id
        if state == "COMPLETE":
            canary["readySubstate"] = "PROMOTED"

    def _rr_project(self, project_id: str) -> FakeResponse | None:
        if project_id not in (PROJECT_ID, "shop"):
            return self._error(404, "not_found", "Project not found")
        return None

    def _active_canary(
        self, request: FakeRequest
    ) -> tuple[dict[str, Any] | None, FakeResponse | None]:
        body = request.json() if request.body else None
        release = self.rolling_release
        if not isinstance(body, dict) or not isinstance(body.get("canaryDeploymentId"), str):
            return None, self._error(400, "bad_request", "canaryDeploymentId is required")
        if release is None or release["state"] != "ACTIVE":
            return None, self._error(400, "bad_request", "No active rolling release")
        if release["canaryDeployment"]["id"] != body["canaryDeploymentId"]:
            return None, self._error(
                400, "bad_request", "canaryDeploymentId is not the active canary"
            )
        return body, None

    def _get_rr_config(self, request: FakeRequest, project_id: str) -> FakeResponse:
        if (missing := self._rr_project(project_id)) is not None:
            return missing
        if not self.rolling_release_stages:
            return FakeResponse(200, {"rollingRelease": None})
        config = {"target": "production", "stages": self._config_stages()}
        return FakeResponse(200, {"rollingRelease": config})

    def _patch_rr_config(self, request: FakeRequest, project_id: str) -> FakeResponse:
        if (missing := self._rr_project(project_id)) is not None:
            return missing
        body = request.json() if request.body else None
        if not isinstance(body, dict):
            return self._error(400, "bad_request", "Invalid request body")
        if not body.get("enabled"):
            self.rolling_release_stages = None
            return FakeResponse(200, {"rollingRelease": None})
        stages = body.get("stages")
        if not isinstance(stages, list) or not stages:
            return self._error(400, "bad_request", "stages are required")
        percentages = [s.get("targetPercentage") for s in stages if isinstance(s, dict)]
        if (
            len(percentages) != len(stages)
            or percentages[-1] != 100
            or any(b <= a for a, b in itertools.pairwise(percentages))
        ):
            return self._error(400, "bad_request", "stages must ascend and the last must be 100")
        advancement = body.get("advancementType")
        if advancement not in ("automatic", "manual-approval"):
            return self._error(400, "bad_request", "Invalid advancementType")
        self.rolling_release_stages = [int(p) for p in percentages]
        self.rolling_release_advancement = advancement
        self.rolling_release_duration = stages[0].get("duration")
        return FakeResponse(200, {"rollingRelease": {"stages": self._config_stages()}})

    def _delete_rr_config(self, request: FakeRequest, project_id: str) -> FakeResponse:
        if (missing := self._rr_project(project_id)) is not None:
            return missing
        self.rolling_release_stages = None
        return FakeResponse(200, {"rollingRelease": None})

    def _start_rr(self, request: FakeRequest, project_id: str) -> FakeResponse:
        if (missing := self._rr_project(project_id)) is not None:
            return missing
        body = request.json() if request.body else None
        dep_id = body.get("canaryDeploymentId") if isinstance(body, dict) else None
        deployment = self._find(dep_id) if isinstance(dep_id, str) else None
        if deployment is None:
            return self._error(404, "not_found", "Deployment not found")
        if not self.rolling_release_stages:
            return self._error(400, "bad_request", "Rolling releases are not enabled")
        if self.rolling_release is not None and self.rolling_release["state"] == "ACTIVE":
            return self._error(400, "bad_request", "A rolling release is already active")
        self._start_release(deployment["id"])
        return FakeResponse(200, {"rollingRelease": copy.deepcopy(self.rolling_release)})

    def _approve_rr(self, request: FakeRequest, project_id: str) -> FakeResponse:
        if (missing := self._rr_project(project_id)) is not None:
            return missing
        body, error = self._active_canary(request)
        if error is not None:
            return error
        assert body is not None
        assert self.rolling_release is not None
        active = self.rolling_release["activeStage"]["index"]
        if body.get("nextStageIndex") != active + 1:
            return self._error(400, "bad_request", f"nextStageIndex must be {active + 1}")
        self._move_to(active + 1)
        return FakeResponse(200, {"rollingRelease": copy.deepcopy(self.rolling_release)})

    def _complete_rr(self, request: FakeRequest, project_id: str) -> FakeResponse:
        if (missing := self._rr_project(project_id)) is not None:
            return missing
        _, error = self._active_canary(request)
        if error is not None:
            return error
        assert self.rolling_release is not None
        self._finish("COMPLETE", self.rolling_release["canaryDeployment"]["id"])
        return FakeResponse(200, {"rollingRelease": copy.deepcopy(self.rolling_release)})

    def _summary(self, dep_id: str) -> dict[str, Any] | None:
        deployment = self.deployments.get(dep_id)
        if deployment is None:
            return None
        return {
            "id": deployment["id"],
            "name": deployment["name"],
            "url": deployment["url"],
            "target": deployment["target"],
            "source": "cli",
            "createdAt": deployment["createdAt"],
            "readyState": deployment["readyState"],
            "readyStateAt": deployment["createdAt"],
        }

    def _advance_alias_job(self) -> None:
        job = self.last_alias_request
        if job is None or job["jobStatus"] not in ("pending", "in-progress"):
            return
        self._alias_job_reads += 1
        if self._alias_job_reads <= self.promote_delay:
            job["jobStatus"] = "in-progress" if self._alias_job_reads > 1 else "pending"
            return
        job["jobStatus"] = self.promote_outcome
        if self.promote_outcome == "succeeded":
            self.production_id = job["toDeploymentId"]
            self.deployments[job["toDeploymentId"]]["readySubstate"] = "PROMOTED"

    def _failed_aliases(self) -> list[dict[str, Any]]:
        job = self.last_alias_request
        if job is None or job["jobStatus"] != "failed":
            return []
        return [
            {"alias": alias, "deploymentId": job["toDeploymentId"], "id": f"als_f{n}"}
            for n, alias in enumerate(self.failed_aliases)
        ]

    def _promote_aliases_v1(self, request: FakeRequest, project_id: str) -> FakeResponse:
        # vercel/sdk + spec: {"aliases": [{status, alias: str, id}], "pagination"}.
        items = [
            {"status": "failed", "alias": a["alias"], "id": a["id"]} for a in self._failed_aliases()
        ]
        return FakeResponse(
            200,
            {"aliases": items, "pagination": {"count": len(items), "next": None, "prev": None}},
        )

    def _promote_aliases_v9(self, request: FakeRequest, project_id: str) -> FakeResponse:
        # The CLI's path and shape (status.ts:22-29, 218): alias is an object.
        items = [
            {
                "status": "failed",
                "alias": {"alias": a["alias"], "deploymentId": a["deploymentId"]},
                "id": a["id"],
            }
            for a in self._failed_aliases()
        ]
        return FakeResponse(
            200,
            {"aliases": items, "pagination": {"count": len(items), "next": None, "prev": None}},
        )

    def _get_rolling_release(self, request: FakeRequest, project_id: str) -> FakeResponse:
        if project_id not in (PROJECT_ID, "shop"):
            return self._error(404, "not_found", "Project not found")
        return FakeResponse(200, {"rollingRelease": copy.deepcopy(self.rolling_release)})

    def _rollback(self, request: FakeRequest, project_id: str, deployment_id: str) -> FakeResponse:
        deployment = self._find(deployment_id)
        if project_id != PROJECT_ID or deployment is None:
            return self._error(404, "not_found", "Deployment not found")
        release = self.rolling_release
        if release is not None and release["state"] == "ACTIVE":
            # abort-rolling-release.ts:28-34: an instant rollback aborts the release.
            self._finish("ABORTED", deployment_id)
        self.production_id = deployment_id
        return FakeResponse(201, None)

    # -- aliases and certificates ----------------------------------------------------------------

    def _assign_alias(self, request: FakeRequest, deployment_id: str) -> FakeResponse:
        deployment = self._find(deployment_id)
        if deployment is None:
            return self._error(404, "not_found", "Deployment not found")
        if deployment["readyState"] != "READY":
            return self._error(400, "deployment_not_ready", "The deployment is not READY")
        alias = (request.json() or {}).get("alias", "")
        if alias in self.uncertified:
            # util/index.ts:249 (400 cert_missing), create-alias.ts:65.
            return self._error(400, "cert_missing", f"A certificate is missing for {alias}")
        for entry in self.aliases.get(deployment["id"], []):
            if entry["alias"] == alias:
                # create-alias.ts:68-69: the 409 carries the existing alias's uid and name.
                return self._error(
                    409,
                    "alias_exists",
                    f"The alias {alias} is already assigned to this deployment",
                    uid=entry["uid"],
                    alias=alias,
                )
        old = None
        for dep_id, items in self.aliases.items():
            if any(a["alias"] == alias for a in items):
                old = dep_id
                self.aliases[dep_id] = [a for a in items if a["alias"] != alias]
        entry = {
            "uid": f"als_{len(alias):04d}{deployment['id'][-6:]}",
            "alias": alias,
            "created": "2024-06-10T08:00:00.000Z",
        }
        self.aliases.setdefault(deployment["id"], []).append(entry)
        return FakeResponse(200, {**entry, "oldDeploymentId": old})

    def _list_aliases(self, request: FakeRequest, deployment_id: str) -> FakeResponse:
        if self._find(deployment_id) is None:
            return self._error(404, "not_found", "Deployment not found")
        return FakeResponse(200, {"aliases": copy.deepcopy(self.aliases.get(deployment_id, []))})

    def _issue_cert(self, request: FakeRequest) -> FakeResponse:
        cns = list((request.json() or {}).get("cns") or [])
        if not cns:
            return self._error(400, "bad_request", "Invalid request: missing `cns`")
        self.certs.append(cns)
        self.uncertified -= set(cns)
        return FakeResponse(
            200,
            {
                "id": f"cert_{len(self.certs):04d}",
                "cns": cns,
                "autoRenew": True,
                "createdAt": 1718000000000,
                "expiresAt": 1725000000000,
            },
        )

    # -- environment variables ----------------------------------------------------------------

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
                "id": f"env_{len(self.envs) + 1:04d}{item['key'][:4]}",
                "key": item["key"],
                "value": item["value"] if item["type"] == "plain" else "",
                "type": item["type"],
                "target": item["target"],
                "createdAt": 1718000000000 + len(self.envs),
                "updatedAt": 1718000000000 + len(self.envs),
            }
            self.envs.append(env)
            created.append(env)
        payload: dict[str, Any] = {
            "created": created[0] if len(created) == 1 else created,
            "failed": failed,
        }
        return FakeResponse(201, payload)

    def _list_env(self, request: FakeRequest, project: str) -> FakeResponse:
        envs = sorted(self.envs, key=lambda e: -e["createdAt"])
        if self.env_page_size is None:
            return FakeResponse(200, {"envs": copy.deepcopy(envs)})
        until = request.arg("until")
        if until:
            envs = [e for e in envs if e["createdAt"] < int(until)]
        page, rest = envs[: self.env_page_size], envs[self.env_page_size :]
        nxt = page[-1]["createdAt"] if rest and page else None
        return FakeResponse(
            200,
            {
                "envs": copy.deepcopy(page),
                "pagination": {"count": len(page), "next": nxt, "prev": None},
            },
        )

    def _env(self, env_id: str) -> dict[str, Any] | None:
        return next((e for e in self.envs if e["id"] == env_id), None)

    def _edit_env(self, request: FakeRequest, project: str, env_id: str) -> FakeResponse:
        env = self._env(env_id)
        if env is None:
            return self._error(404, "not_found", "Environment Variable not found")
        body = request.json() or {}
        for field in ("key", "target", "gitBranch", "type", "comment"):
            if field in body:
                env[field] = body[field]
        if "value" in body:
            env["value"] = body["value"] if env["type"] == "plain" else ""
        env["updatedAt"] += 1
        return FakeResponse(200, copy.deepcopy(env))

    def _remove_env(self, request: FakeRequest, project: str, env_id: str) -> FakeResponse:
        env = self._env(env_id)
        if env is None:
            return self._error(404, "not_found", "Environment Variable not found")
        self.envs.remove(env)
        return FakeResponse(200, copy.deepcopy(env))

    # -- projects ------------------------------------------------------------------------------

    def _get_project(self, request: FakeRequest, id_or_name: str) -> FakeResponse:
        if id_or_name not in (PROJECT_ID, "shop"):
            return self._error(404, "not_found", "Project not found")
        self._advance_alias_job()
        project: dict[str, Any] = dict(self.project)
        production = self.deployments.get(self.production_id or "")
        project["lastAliasRequest"] = copy.deepcopy(self.last_alias_request)
        project["rollingRelease"] = (
            {
                "target": "production",
                "stages": self._config_stages(),
            }
            if self.rolling_release_stages
            else None
        )
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
