"""An in-process fake of the Portainer API parts mosaic_sdk uses, read from Portainer's source.

Sources (cited next to each branch below):

* ``CE``: portainer/portainer @cc751674 (CE 2.23.0, the ``fetch``-ed HEAD), paths
  relative to the repository root.
* ``WEBHOOK``: a newer CE ``api/http/handler/stacks/stack_update.go`` from the public
  code index (marks ``PullImage`` "Deprecated(2.36)", adds ``Webhook``); synchronous.
* ``ASYNC``: the newest CE ``stack_update.go`` from the public code index
  (``updateStackInTx`` + ``go stackDeploy(...)``) and ``api/stacks/stackutils``
  ``PrepareStackStatusForDeployment`` / ``UpdateStackStatusFromDeploymentResult``.
  Stack status values Active=1, Inactive=2, Deploying=3, Error=4 (``api/portainer.go``
  of that version).

``generation`` selects which ``PUT /stacks/{id}`` the fake answers like: ``"2.23"``
(default), ``"2.36"`` (``WEBHOOK``) or ``"async"`` (``ASYNC``). Swarm stacks are
modelled like ``docker stack deploy`` (``CE api/exec/swarm_stack.go:115-140``): the call
returns once the services are updated; tasks converge afterwards, one listing per step.

Errors have Portainer's shape ``{"message", "details"}`` with ``details`` the
capitalised error text (``CE pkg/libhttp/error/error.go:29-60``).
"""

from __future__ import annotations

import copy
import itertools
import json
import re
import uuid
from typing import Any
from urllib.parse import unquote

import yaml

from tests._support.fake_http import FakeRequest, FakeResponse

API_KEY = "ptr_fAkE0portainer0token0for0tests0only0xyz="
DIGEST_A = "sha256:" + "a" * 64
DIGEST_B = "sha256:" + "b" * 64
DIGEST_OLD = "sha256:" + "0" * 64
WEBHOOK_ID = "c11fdf23-183e-428a-9bb6-16db01032174"
GIT_WEBHOOK_ID = "05de31a2-79fa-4644-9c12-faa67e5c49f0"
SWARM_ID = "jpofkc0i9uo9wtx1zesuk649w"

COMPOSE = f"""\
# shop stack, managed by mosaic
services:
  web:
    image: ghcr.io/acme/web@{DIGEST_OLD}  # pinned
    environment:
      - APP_MODE=${{APP_MODE}}
  worker:
    image: ghcr.io/acme/worker:v1.0.0
"""

SWARM_COMPOSE = f"""\
services:
  web:
    image: ghcr.io/acme/web@{DIGEST_OLD}
    deploy:
      replicas: 2
"""

ACTIVE, INACTIVE, DEPLOYING, ERROR = 1, 2, 3, 4
NOT_FOUND_STACK = "Unable to find a stack with the specified identifier inside the database"


def _capitalize(text: str) -> str:
    # CE pkg/libhttp/error/error.go:29-38: only the first letter is upper-cased.
    return text[:1].upper() + text[1:]


def _error(status: int, message: str, err: str | None = None) -> FakeResponse:
    # CE pkg/libhttp/error/error.go:40-60: details = capitalize(err.Error()), or the
    # capitalised message when the handler passed no error.
    return FakeResponse(status, {"message": message, "details": _capitalize(err or message)})


def _field(payload: dict[str, Any], name: str, default: Any = None) -> Any:
    # Go's encoding/json matches field names case-insensitively (request.DecodeAndValidate
    # JSONPayload, CE pkg/libhttp/request/payload.go) and ignores unknown fields.
    for key, value in payload.items():
        if key.lower() == name.lower():
            return value
    return default


class FakePortainer:
    """State: endpoints, stacks (CE casing), stack files, image labels, containers, swarm
    services and tasks."""

    def __init__(self, generation: str = "2.23") -> None:
        assert generation in ("2.23", "2.36", "async")
        self.generation = generation
        self.api_key = API_KEY
        self.requests: list[FakeRequest] = []
        self.endpoints = [
            {
                "Id": 1,
                "Name": "local",
                "Type": 1,
                "URL": "unix:///var/run/docker.sock",
                "PublicURL": "",
                "GroupId": 1,
                "Status": 1,
            },
            {
                "Id": 2,
                "Name": "edge-eu",
                "Type": 4,
                "URL": "",
                "PublicURL": "eu.example.com",
                "GroupId": 1,
                "Status": 2,
            },
        ]
        # CE api/portainer.go:1020-1062: explicit tags on Id, Name, Type, EndpointId,
        # SwarmId, EntryPoint, Env, Status, AutoUpdate; Go names for the rest.
        self.stacks: dict[int, dict[str, Any]] = {
            7: self._stack_record(
                7,
                "shop",
                2,
                env=[
                    {"name": "APP_MODE", "value": "production"},
                    {"name": "DB_PASSWORD", "value": "hunter2-not-real"},
                ],
            ),
            9: self._stack_record(
                9,
                "docs",
                2,
                entry_point="deploy/compose.yaml",
                env=[{"name": "THEME", "value": "dark"}],
                git={
                    "URL": "https://github.com/acme/docs.git",
                    "ReferenceName": "refs/heads/release",
                    "ConfigFilePath": "deploy/compose.yaml",
                    "ConfigHash": "bc4c183d756879ea4d173315338110b31004b8e0",
                    "Authentication": {"Username": "ci-bot", "Password": ""},
                    "TLSSkipVerify": False,
                },
                auto_update={
                    "Interval": "",
                    "Webhook": GIT_WEBHOOK_ID,
                    "JobID": "",
                    "ForceUpdate": False,
                    "ForcePullImage": False,
                },
            ),
            11: self._stack_record(11, "queue", 1, swarm_id=SWARM_ID),
        }
        self.files: dict[int, str] = {
            7: COMPOSE,
            9: "services:\n  docs:\n    image: nginx:1.27\n",
            11: SWARM_COMPOSE,
        }
        #: Labels baked into images, by digest (the engine copies them onto containers).
        self.image_labels: dict[str, dict[str, str]] = {
            DIGEST_OLD: {"org.opencontainers.image.version": "0.9.0"},
            DIGEST_A: {"org.opencontainers.image.version": "1.0.0"},
            DIGEST_B: {"org.opencontainers.image.version": "2.3.4"},
        }
        #: Health each new container reports on successive listings (last one sticks).
        self.health_plan: list[str] = ["healthy"]
        #: Swarm task states each new task reports on successive task listings.
        self.task_plan: list[str] = ["starting", "running"]
        #: When set, the next deploy fails with this compose/stack error text.
        self.fail_next_update: str | None = None
        #: ``async`` generation: GET /stacks/{id} answers "Deploying" this many times.
        self.deploy_polls = 2
        self.containers: list[dict[str, Any]] = []
        self.services: dict[str, dict[str, Any]] = {}
        self.tasks: list[dict[str, Any]] = []
        self._pending: dict[int, tuple[int, str, str | None]] = {}
        self._ids = itertools.count(1)
        self._clock = itertools.count(1718001000, 10)
        for stack_id, stack in self.stacks.items():
            if stack["Type"] == 1:
                self._swarm_deploy(stack_id, converged=True)
            else:
                self._compose_up(stack_id)

    @staticmethod
    def _stack_record(
        stack_id: int,
        name: str,
        kind: int,
        *,
        env: list[dict[str, str]] | None = None,
        entry_point: str = "docker-compose.yml",
        git: dict[str, Any] | None = None,
        auto_update: dict[str, Any] | None = None,
        swarm_id: str = "",
    ) -> dict[str, Any]:
        return {
            "Id": stack_id,
            "Name": name,
            "Type": kind,
            "EndpointId": 1,
            "SwarmId": swarm_id,
            "EntryPoint": entry_point,
            "Env": env or [],
            "ResourceControl": None,
            "Status": ACTIVE,
            "ProjectPath": f"/data/compose/{stack_id}",
            "CreationDate": 1718000000,
            "CreatedBy": "admin",
            "UpdateDate": 1718000100,
            "UpdatedBy": "admin",
            "AdditionalFiles": None,
            "AutoUpdate": auto_update,
            "Option": None,
            "GitConfig": git,
            "FromAppTemplate": False,
            "Namespace": "",
        }

    # -- docker engine simulation -----------------------------------------------------------

    def _labels_for(self, image: str) -> dict[str, str]:
        match = re.search(r"@(sha256:[0-9a-f]{64})$", image)
        return dict(self.image_labels.get(match.group(1), {})) if match else {}

    def _compose_up(self, stack_id: int) -> None:
        # Compose labels every container with the project (= stack name) and service.
        stack = self.stacks[stack_id]
        services = yaml.safe_load(self.files[stack_id]).get("services", {})
        self._compose_down(stack_id)
        for name, spec in services.items():
            image = spec.get("image", "")
            labels = self._labels_for(image)
            labels.update(
                {
                    "com.docker.compose.project": stack["Name"],
                    "com.docker.compose.service": name,
                    "com.docker.compose.version": "2.29.1",
                }
            )
            self._add_container(f"/{stack['Name']}-{name}-1", image, labels)

    def _compose_down(self, stack_id: int) -> None:
        name = self.stacks[stack_id]["Name"]
        self.containers = [
            c for c in self.containers if c["Labels"].get("com.docker.compose.project") != name
        ]

    def _add_container(self, name: str, image: str, labels: dict[str, str]) -> dict[str, Any]:
        number = next(self._ids)
        container = {
            "Id": f"{number:064x}",
            "Names": [name],
            "Image": image,
            "ImageID": "sha256:" + f"{number:x}".rjust(64, "c"),
            "Command": "/entrypoint",
            "Created": next(self._clock),
            "State": "running",
            "Labels": labels,
            "_health": list(self.health_plan),
        }
        self.containers.append(container)
        return container

    def _swarm_deploy(self, stack_id: int, *, converged: bool = False) -> None:
        # docker stack deploy (CE api/exec/swarm_stack.go:115-140) names each service
        # "<stack>_<service>" and labels services and task containers with
        # com.docker.stack.namespace=<stack> (docker/cli cli/compose/convert). Task
        # containers carry com.docker.swarm.service.name/-task.id, no compose label.
        stack = self.stacks[stack_id]
        namespace = stack["Name"]
        services = yaml.safe_load(self.files[stack_id]).get("services", {})
        for name, spec in services.items():
            full = f"{namespace}_{name}"
            image = spec.get("image", "")
            replicas = int((spec.get("deploy") or {}).get("replicas", 1))
            service = self.services.get(full)
            if (
                service is not None
                and service["Spec"]["TaskTemplate"]["ContainerSpec"]["Image"] == image
                and not converged
            ):
                continue  # unchanged spec: swarm leaves the tasks alone
            service_id = service["ID"] if service else uuid.uuid4().hex[:25]
            self.services[full] = {
                "ID": service_id,
                "Spec": {
                    "Name": full,
                    "Labels": {"com.docker.stack.namespace": namespace},
                    "TaskTemplate": {"ContainerSpec": {"Image": image}},
                    "Mode": {"Replicated": {"Replicas": replicas}},
                },
                "UpdateStatus": None
                if converged
                else {"State": "updating", "Message": "update in progress"},
            }
            for task in self.tasks:
                if task["ServiceID"] == service_id and task["DesiredState"] == "running":
                    task["DesiredState"] = "shutdown"
                    if converged:
                        task["Status"]["State"] = "shutdown"
            for slot in range(1, replicas + 1):
                task_id = uuid.uuid4().hex[:25]
                labels = self._labels_for(image)
                labels.update(
                    {
                        "com.docker.stack.namespace": namespace,
                        "com.docker.swarm.service.name": full,
                        "com.docker.swarm.service.id": service_id,
                        "com.docker.swarm.task.id": task_id,
                        "com.docker.swarm.task.name": f"{full}.{slot}.{task_id}",
                        "com.docker.swarm.node.id": "node0000000000000000000001",
                    }
                )
                container = self._add_container(f"/{full}.{slot}.{task_id}", image, labels)
                self.tasks.append(
                    {
                        "ID": task_id,
                        "ServiceID": service_id,
                        "Slot": slot,
                        "NodeID": "node0000000000000000000001",
                        "Spec": {"ContainerSpec": {"Image": image}},
                        "DesiredState": "running",
                        "CreatedAt": "2026-12-01T10:00:00.000000000Z",
                        "Status": {
                            "State": "running" if converged else "",
                            "Message": "started",
                            "ContainerStatus": {"ContainerID": container["Id"]},
                        },
                        "_plan": [] if converged else list(self.task_plan),
                    }
                )

    def _swarm_remove(self, stack_id: int) -> None:
        namespace = self.stacks[stack_id]["Name"]
        gone = {
            s["ID"]
            for s in self.services.values()
            if s["Spec"]["Labels"].get("com.docker.stack.namespace") == namespace
        }
        self.services = {k: v for k, v in self.services.items() if v["ID"] not in gone}
        self.tasks = [t for t in self.tasks if t["ServiceID"] not in gone]
        self.containers = [
            c for c in self.containers if c["Labels"].get("com.docker.stack.namespace") != namespace
        ]

    def _deploy(self, stack_id: int) -> None:
        if self.stacks[stack_id]["Type"] == 1:
            self._swarm_deploy(stack_id)
        else:
            self._compose_up(stack_id)

    def _container_view(self, container: dict[str, Any]) -> dict[str, Any]:
        plan = container["_health"]
        health = plan.pop(0) if len(plan) > 1 else plan[0]
        status = "Up 3 seconds" if health == "none" else f"Up 3 seconds ({health})"
        if health == "starting":
            status = "Up 1 second (health: starting)"
        view = {k: v for k, v in container.items() if not k.startswith("_")}
        view["Status"] = status
        return view

    def _task_view(self, task: dict[str, Any]) -> dict[str, Any]:
        # A task with a health check stays "starting" until the container is healthy,
        # and fails when it turns unhealthy (moby daemon/cluster/executor/container/
        # controller.go Start/checkHealth, errors.go ErrContainerUnhealthy).
        plan = task["_plan"]
        if plan:
            task["Status"]["State"] = plan.pop(0)
            if task["Status"]["State"] == "failed":
                task["Status"]["Err"] = "task: non-zero exit (1): dockerexec: unhealthy container"
        if (
            task["DesiredState"] == "shutdown"
            and not plan
            and task["Status"]["State"] != "shutdown"
        ):
            task["Status"]["State"] = "shutdown"
        service = next(s for s in self.services.values() if s["ID"] == task["ServiceID"])
        live = [t for t in self.tasks if t["ServiceID"] == service["ID"]]
        if (
            all(t["Status"]["State"] == "running" for t in live if t["DesiredState"] == "running")
            and service["UpdateStatus"]
            and service["UpdateStatus"]["State"] == "updating"
        ):
            service["UpdateStatus"] = {"State": "completed", "Message": "update completed"}
        return {k: v for k, v in task.items() if not k.startswith("_")}

    # -- routing ------------------------------------------------------------------------------

    def handle(self, request: FakeRequest) -> FakeResponse:
        self.requests.append(request)
        path = request.path.removeprefix("/api")
        # POST /stacks/webhooks/{id} is public (CE api/http/handler/stacks/handler.go:91-92).
        public = request.method == "POST" and path.startswith("/stacks/webhooks/")
        if not public:
            # CE api/http/security/bouncer.go:300-330 (mwAuthenticateFirst) with
            # apiKeyLookup (:413-421): an unknown key fails the lookup ("Invalid JWT
            # token"), no key at all is "A valid authorization token is missing".
            key = request.headers.get("x-api-key")
            if key is None:
                return _error(401, "A valid authorization token is missing", "Unauthorized")
            if key != self.api_key:
                return _error(401, "Invalid JWT token", "Unauthorized")
        routes: list[tuple[str, str, Any]] = [
            ("GET", r"/endpoints", self._list_endpoints),
            ("GET", r"/stacks", self._list_stacks),
            ("GET", r"/stacks/(\d+)", self._get_stack),
            ("GET", r"/stacks/(\d+)/file", self._get_file),
            ("PUT", r"/stacks/(\d+)", self._update_stack),
            ("PUT", r"/stacks/(\d+)/git/redeploy", self._redeploy),
            ("POST", r"/stacks/(\d+)/start", self._start),
            ("POST", r"/stacks/(\d+)/stop", self._stop),
            ("POST", r"/stacks/create/(\w+)/(\w+)", self._create),
            ("POST", r"/stacks/webhooks/([^/]+)", self._webhook),
            ("GET", r"/endpoints/(\d+)/docker/containers/json", self._containers),
            ("GET", r"/endpoints/(\d+)/docker/images/([^/]+)/json", self._image),
            ("GET", r"/endpoints/(\d+)/docker/tasks", self._tasks),
            ("GET", r"/endpoints/(\d+)/docker/services/([^/]+)", self._service),
            ("GET", r"/endpoints/(\d+)/docker/swarm", self._swarm),
        ]
        for method, pattern, func in routes:
            match = re.fullmatch(pattern, path)
            if match and method == request.method:
                return func(request, *match.groups())  # type: ignore[no-any-return]
        return FakeResponse(404, "404 page not found\n")  # gorilla/mux NotFoundHandler

    def _list_endpoints(self, request: FakeRequest) -> FakeResponse:
        return FakeResponse(200, copy.deepcopy(self.endpoints))

    def _list_stacks(self, request: FakeRequest) -> FakeResponse:
        # CE api/http/handler/stacks/stack_list.go:15-19: filters {"EndpointID": n}.
        stacks = [self._settle(s["Id"]) for s in list(self.stacks.values())]
        raw = request.arg("filters")
        if raw:
            filters = json.loads(raw)
            if "EndpointID" in filters:
                stacks = [s for s in stacks if s["EndpointId"] == filters["EndpointID"]]
        return FakeResponse(200, copy.deepcopy(stacks))

    def _stack(self, stack_id: str) -> dict[str, Any] | None:
        return self.stacks.get(int(stack_id))

    def _settle(self, stack_id: int) -> dict[str, Any]:
        """ASYNC: the background ``stackDeploy`` finishes after ``deploy_polls`` reads;
        ``UpdateStackStatusFromDeploymentResult`` sets Active or Error (+ the message) and
        the post-deploy hook rolls the file back on failure."""
        stack = self.stacks[stack_id]
        pending = self._pending.get(stack_id)
        if pending is None:
            return stack
        polls, previous_file, failure = pending
        if polls > 0:
            self._pending[stack_id] = (polls - 1, previous_file, failure)
            return stack
        del self._pending[stack_id]
        entry: dict[str, Any] = {"Time": next(self._clock)}
        if failure:
            stack["Status"] = ERROR
            entry.update({"Status": ERROR, "Message": failure})
            self.files[stack_id] = previous_file
        else:
            stack["Status"] = ACTIVE
            entry.update({"Status": ACTIVE, "Message": ""})
            self._deploy(stack_id)
        stack.setdefault("DeploymentStatus", []).append(entry)
        return stack

    def _get_stack(self, request: FakeRequest, stack_id: str) -> FakeResponse:
        if self._stack(stack_id) is None:
            return _error(404, NOT_FOUND_STACK, "Object not found inside the database")
        return FakeResponse(200, copy.deepcopy(self._settle(int(stack_id))))

    def _get_file(self, request: FakeRequest, stack_id: str) -> FakeResponse:
        # CE api/http/handler/stacks/stack_file.go:17-20: {"StackFileContent": "..."}.
        if self._stack(stack_id) is None:
            return _error(404, NOT_FOUND_STACK, "Object not found inside the database")
        return FakeResponse(200, {"StackFileContent": self.files[int(stack_id)]})

    def _update_stack(self, request: FakeRequest, stack_id: str) -> FakeResponse:
        stack = self._stack(stack_id)
        if stack is None:
            return _error(404, NOT_FOUND_STACK, "Object not found inside the database")
        sid = int(stack_id)
        self._settle(sid)
        if self.generation == "async" and stack["Status"] == DEPLOYING:
            # ASYNC updateStackInTx: a running deploy is a conflict, not a queue.
            return _error(409, "Unable to update stack", "Stack deployment is already in progress")
        # CE stack_update.go:91-97: endpointId is optional; a different one re-homes the
        # stack (ASYNC: 0 keeps the stack's own).
        raw = request.arg("endpointId")
        endpoint = int(raw) if raw is not None else 0
        if self.generation == "async" and endpoint == 0:
            endpoint = stack["EndpointId"]
        if endpoint != stack["EndpointId"]:
            stack["EndpointId"] = endpoint
        if not any(e["Id"] == stack["EndpointId"] for e in self.endpoints):
            return _error(
                404,
                "Unable to find the environment associated to the stack inside the database",
                "Object not found inside the database",
            )
        payload = request.json() or {}
        content = _field(payload, "StackFileContent") or ""
        if not content:
            # stack_update.go:30-36 Validate, :190-192 BadRequest.
            return _error(400, "Invalid request payload", "Invalid stack file content")
        # CE stack_update.go:181-184 (and :248-251 for swarm): AutoUpdate is dropped.
        # WEBHOOK: an empty Webhook drops it, a non-empty one keeps or sets it.
        webhook = _field(payload, "Webhook") or ""
        if self.generation == "2.36" and webhook:
            stack["AutoUpdate"] = {"Webhook": webhook, "Interval": "", "JobID": ""}
        else:
            stack["AutoUpdate"] = None
        stack["Env"] = list(_field(payload, "Env") or [])  # :194 replaced, never merged
        stack["GitConfig"] = None  # :196-199 a file update detaches git stacks
        previous = self.files[sid]
        self.files[sid] = content
        stack["UpdateDate"] = next(self._clock)
        stack["UpdatedBy"] = "admin"
        failure, self.fail_next_update = self.fail_next_update, None
        if self.generation == "async":
            # ASYNC: Status=Deploying and DeploymentStatus reset before the goroutine runs;
            # the answer is 200 with that state.
            stack["Status"] = DEPLOYING
            stack["DeploymentStatus"] = [{"Status": DEPLOYING, "Time": next(self._clock)}]
            self._pending[sid] = (self.deploy_polls, previous, failure)
            return FakeResponse(200, copy.deepcopy(stack))
        if failure:
            # stack_update.go:232-239: deploy error -> the FILE is rolled back, 500 with
            # the compose error as message; Env/AutoUpdate stay changed in memory only.
            self.files[sid] = previous
            return _error(500, failure)
        self._deploy(sid)
        stack["Status"] = ACTIVE  # :148
        return FakeResponse(200, copy.deepcopy(stack))

    def _redeploy(self, request: FakeRequest, stack_id: str) -> FakeResponse:
        # CE api/http/handler/stacks/stack_update_git_redeploy.go: the reference is copied
        # with no default (:126), Env replaced.
        stack = self._stack(stack_id)
        if stack is None:
            return _error(404, NOT_FOUND_STACK, "Object not found inside the database")
        if stack["GitConfig"] is None:
            return _error(400, "Stack is not created from git", "Stack is not created from git")
        payload = request.json() or {}
        stack["GitConfig"]["ReferenceName"] = _field(payload, "RepositoryReferenceName", "")
        stack["Env"] = list(_field(payload, "Env") or [])
        stack["UpdateDate"] = next(self._clock)
        self._deploy(int(stack_id))
        return FakeResponse(200, copy.deepcopy(stack))

    def _endpoint_of(self, request: FakeRequest) -> dict[str, Any] | None:
        raw = request.arg("endpointId")
        wanted = int(raw) if raw is not None else 0
        return next((e for e in self.endpoints if e["Id"] == wanted), None)

    def _start(self, request: FakeRequest, stack_id: str) -> FakeResponse:
        # CE api/http/handler/stacks/stack_start.go:35-137.
        stack = self._stack(stack_id)
        if stack is None:
            return _error(404, NOT_FOUND_STACK, "Object not found inside the database")
        if self._endpoint_of(request) is None:  # :57-67 endpointId 0 -> not found
            return _error(
                404,
                "Unable to find an endpoint with the specified identifier inside the database",
                "Object not found inside the database",
            )
        if stack["Status"] == ACTIVE:  # :105-107
            return _error(400, "Stack is already active")
        self._deploy(int(stack_id))  # :139-176 compose up / stack deploy
        stack["Status"] = ACTIVE  # :125
        return FakeResponse(200, copy.deepcopy(stack))

    def _stop(self, request: FakeRequest, stack_id: str) -> FakeResponse:
        # CE api/http/handler/stacks/stack_stop.go:33-121.
        stack = self._stack(stack_id)
        if stack is None:
            return _error(404, NOT_FOUND_STACK, "Object not found inside the database")
        if self._endpoint_of(request) is None:  # :55-65
            return _error(
                404,
                "Unable to find an environment with the specified identifier inside the database",
                "Object not found inside the database",
            )
        if stack["Status"] == INACTIVE:  # :94-96
            return _error(400, "Stack is already inactive")
        if stack["Type"] == 1:
            self._swarm_remove(int(stack_id))  # :133-140 SwarmStackManager.Remove
        else:
            self._compose_down(int(stack_id))  # :125-132 compose down
        stack["Status"] = INACTIVE  # :109
        return FakeResponse(200, copy.deepcopy(stack))

    def _create(self, request: FakeRequest, kind: str, method: str) -> FakeResponse:
        # CE api/http/handler/stacks/stack_create.go:18-75 (+ create_compose_stack.go
        # :106-156, create_swarm_stack.go:70-106); only the "string" method is modelled.
        endpoint = self._endpoint_of(request)
        if endpoint is None:  # :29-39
            return _error(
                404,
                "Unable to find an environment with the specified identifier inside the database",
                "Object not found inside the database",
            )
        if kind not in ("standalone", "swarm") or method != "string":
            return _error(
                400,
                "Invalid value for query parameter: method. Value must be one of: string, "
                "repository or file",
            )
        payload = request.json() or {}
        name = _field(payload, "Name") or ""
        content = _field(payload, "StackFileContent") or ""
        swarm_id = _field(payload, "SwarmID") or ""
        # create_compose_stack.go:34-43 / create_swarm_stack.go:32-43 Validate.
        problem = (
            "Invalid stack name"
            if not name
            else "Invalid Swarm ID"
            if kind == "swarm" and not swarm_id
            else "Invalid stack file content"
            if not content
            else None
        )
        if problem:
            return _error(400, "Invalid request payload", problem)
        # api/exec/common.go:5 + compose_stack.go:146-148: lower-case, drop [^-_a-z0-9].
        name = re.sub(r"[^-_a-z0-9]+", "", name.lower())
        if any(
            s["Name"] == name and s["EndpointId"] == endpoint["Id"] for s in self.stacks.values()
        ):
            msg = f"A stack with the normalized name '{name}' already exists"  # handler.go:48-52
            return _error(409, msg)
        stack_id = max(self.stacks) + 1
        record = self._stack_record(
            stack_id,
            name,
            1 if kind == "swarm" else 2,
            env=list(_field(payload, "Env") or []),
            swarm_id=swarm_id,
        )
        record["EndpointId"] = endpoint["Id"]
        self.stacks[stack_id] = record
        self.files[stack_id] = content
        if self.generation == "async":
            # newer CE stackbuilders BuildAndAsyncDeploy: saved as Deploying, then deployed.
            record["Status"] = DEPLOYING
            record["DeploymentStatus"] = [{"Status": DEPLOYING, "Time": next(self._clock)}]
            self._pending[stack_id] = (self.deploy_polls, content, None)
        else:
            self._deploy(stack_id)  # CE: the builder deploys before answering
        return FakeResponse(200, copy.deepcopy(record))

    def _webhook(self, request: FakeRequest, webhook_id: str) -> FakeResponse:
        # CE api/http/handler/stacks/webhook_invoke.go:25-51.
        try:
            uuid.UUID(webhook_id)
        except ValueError:
            return _error(
                400, "Invalid webhook identifier route variable", "uuid: incorrect UUID length"
            )
        stack = next(
            (
                s
                for s in self.stacks.values()
                if s["AutoUpdate"] and s["AutoUpdate"].get("Webhook") == webhook_id
            ),
            None,
        )
        if stack is None:  # :31-39
            return _error(
                404,
                "Unable to find the stack by webhook ID",
                "Object not found inside the database",
            )
        # api/stacks/deployments/deploy.go:45-47, 61-63, 96-108: a git stack is pulled and
        # redeployed in a goroutine; a file stack does nothing. Either way: 204 at once.
        if stack["GitConfig"] is not None:
            stack["UpdateDate"] = next(self._clock)
            self._deploy(stack["Id"])
        return FakeResponse(204, None)

    def _containers(self, request: FakeRequest, endpoint_id: str) -> FakeResponse:
        wanted: list[str] = []
        raw = request.arg("filters")
        if raw:
            wanted = json.loads(raw).get("label", [])
        out = []
        for container in self.containers:
            labels = container["Labels"]
            matches = all(labels.get(w.split("=", 1)[0]) == w.split("=", 1)[1] for w in wanted)
            if matches and (request.arg("all") == "1" or container["State"] == "running"):
                out.append(self._container_view(container))
        return FakeResponse(200, out)

    def _tasks(self, request: FakeRequest, endpoint_id: str) -> FakeResponse:
        # Docker Engine API GET /tasks?filters={"service":[name|id],"desired-state":[..]}.
        filters = json.loads(request.arg("filters") or "{}")
        names = filters.get("service", [])
        ids = {s["ID"] for key, s in self.services.items() if key in names or s["ID"] in names}
        desired = filters.get("desired-state", [])
        out = [
            self._task_view(t)
            for t in self.tasks
            if (not names or t["ServiceID"] in ids)
            and (not desired or t["DesiredState"] in desired)
        ]
        return FakeResponse(200, out)

    def _service(self, request: FakeRequest, endpoint_id: str, name: str) -> FakeResponse:
        # Docker Engine API GET /services/{id}: id or exact name.
        name = unquote(name)
        service = self.services.get(name) or next(
            (s for s in self.services.values() if s["ID"] == name), None
        )
        if service is None:
            return FakeResponse(404, {"message": f"service {name} not found"})
        return FakeResponse(200, copy.deepcopy(service))

    def _swarm(self, request: FakeRequest, endpoint_id: str) -> FakeResponse:
        return FakeResponse(200, {"ID": SWARM_ID, "Spec": {"Name": "default"}})

    def _image(self, request: FakeRequest, endpoint_id: str, name: str) -> FakeResponse:
        name = unquote(name)
        for container in self.containers:
            if container["ImageID"] == name or container["Image"] == name:
                repo = container["Image"].split("@")[0].rsplit(":", 1)[0]
                return FakeResponse(
                    200,
                    {
                        "Id": container["ImageID"],
                        "RepoTags": [container["Image"]],
                        "RepoDigests": [f"{repo}@{DIGEST_B}"],
                    },
                )
        return FakeResponse(404, {"message": f"No such image: {name}"})
