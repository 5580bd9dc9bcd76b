"""An in-process fake of the Portainer API parts mosaic_sdk uses, shaped like CE 2.x.

Behaviour copied from the research notes (``shared/research/providers.md`` section 2):
``X-API-Key`` auth; ``PUT /stacks/{id}`` **replaces** the env list, detaches git stacks,
deploys synchronously (containers are recreated from the new file before the answer)
and restores the previous file on a failed deploy (500 with ``message``/``details``);
git redeploy copies ``repositoryReferenceName`` verbatim; the Docker proxy filters
containers by label. Stack JSON uses CE's Go field names (``GitConfig``, ``URL``,
``ReferenceName``, ``CreationDate``).
"""

from __future__ import annotations

import copy
import itertools
import json
import re
from typing import Any
from urllib.parse import unquote

import yaml

from tests._fake_http import FakeRequest, FakeResponse

API_KEY = "ptr_fAkE0portainer0token0for0tests0only0xyz="
DIGEST_A = "sha256:" + "a" * 64
DIGEST_B = "sha256:" + "b" * 64
DIGEST_OLD = "sha256:" + "0" * 64

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


def _error(status: int, message: str, details: str = "") -> FakeResponse:
    return FakeResponse(status, {"message": message, "details": details or message})


class FakePortainer:
    """State: endpoints, stacks (CE casing), stack files, image labels and containers."""

    def __init__(self) -> None:
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
        self.stacks: dict[int, dict[str, Any]] = {
            7: {
                "Id": 7,
                "Name": "shop",
                "Type": 2,
                "EndpointId": 1,
                "SwarmId": "",
                "EntryPoint": "docker-compose.yml",
                "Env": [
                    {"name": "APP_MODE", "value": "production"},
                    {"name": "DB_PASSWORD", "value": "hunter2-not-real"},
                ],
                "Status": 1,
                "GitConfig": None,
                "CreationDate": 1718000000,
                "UpdateDate": 1718000100,
                "UpdatedBy": "admin",
            },
            9: {
                "Id": 9,
                "Name": "docs",
                "Type": 2,
                "EndpointId": 1,
                "SwarmId": "",
                "EntryPoint": "deploy/compose.yaml",
                "Env": [{"name": "THEME", "value": "dark"}],
                "Status": 1,
                "GitConfig": {
                    "URL": "https://github.com/acme/docs.git",
                    "ReferenceName": "refs/heads/release",
                    "ConfigFilePath": "deploy/compose.yaml",
                    "ConfigHash": "bc4c183d756879ea4d173315338110b31004b8e0",
                    "Authentication": {"Username": "ci-bot", "Password": ""},
                    "TLSSkipVerify": False,
                },
                "CreationDate": 1718000000,
                "UpdateDate": 1718000200,
                "UpdatedBy": "admin",
            },
        }
        self.files: dict[int, str] = {7: COMPOSE, 9: "services:\n  docs:\n    image: nginx:1.27\n"}
        #: Labels baked into images, by digest (the engine copies them onto containers).
        self.image_labels: dict[str, dict[str, str]] = {
            DIGEST_OLD: {"org.opencontainers.image.version": "0.9.0"},
            DIGEST_A: {"org.opencontainers.image.version": "1.0.0"},
            DIGEST_B: {"org.opencontainers.image.version": "2.3.4"},
        }
        #: Health each new container reports on successive listings (last one sticks).
        self.health_plan: list[str] = ["healthy"]
        #: When set, the next stack update fails like a compose error.
        self.fail_next_update: str | None = None
        self.containers: list[dict[str, Any]] = []
        self._ids = itertools.count(1)
        self._clock = itertools.count(1718001000, 10)
        for stack_id in self.stacks:
            self._compose_up(stack_id)

    # -- docker engine simulation -----------------------------------------------------------

    def _compose_up(self, stack_id: int) -> None:
        stack = self.stacks[stack_id]
        services = yaml.safe_load(self.files[stack_id]).get("services", {})
        self.containers = [
            c
            for c in self.containers
            if c["Labels"].get("com.docker.compose.project") != stack["Name"]
        ]
        for name, spec in services.items():
            image = spec.get("image", "")
            match = re.search(r"@(sha256:[0-9a-f]{64})$", image)
            labels = dict(self.image_labels.get(match.group(1), {})) if match else {}
            labels.update(
                {
                    "com.docker.compose.project": stack["Name"],
                    "com.docker.compose.service": name,
                    "com.docker.compose.version": "2.29.1",
                }
            )
            number = next(self._ids)
            self.containers.append(
                {
                    "Id": f"{number:064x}",
                    "Names": [f"/{stack['Name']}-{name}-1"],
                    "Image": image,
                    "ImageID": "sha256:" + f"{number:x}".rjust(64, "c"),
                    "Command": "/entrypoint",
                    "Created": next(self._clock),
                    "State": "running",
                    "Labels": labels,
                    "_health": list(self.health_plan),
                }
            )

    def _container_view(self, container: dict[str, Any]) -> dict[str, Any]:
        plan = container["_health"]
        health = plan.pop(0) if len(plan) > 1 else plan[0]
        status = "Up 3 seconds" if health == "none" else f"Up 3 seconds ({health})"
        if health == "starting":
            status = "Up 1 second (health: starting)"
        view = {k: v for k, v in container.items() if not k.startswith("_")}
        view["Status"] = status
        return view

    # -- routing ------------------------------------------------------------------------------

    def handle(self, request: FakeRequest) -> FakeResponse:
        self.requests.append(request)
        if request.headers.get("x-api-key") != self.api_key:
            return _error(401, "Unauthorized", "A valid authorisation token is missing")
        path = request.path.removeprefix("/api")
        routes: list[tuple[str, str, Any]] = [
            ("GET", r"/endpoints", self._list_endpoints),
            ("GET", r"/stacks", self._list_stacks),
            ("GET", r"/stacks/(\d+)", self._get_stack),
            ("GET", r"/stacks/(\d+)/file", self._get_file),
            ("PUT", r"/stacks/(\d+)", self._update_stack),
            ("PUT", r"/stacks/(\d+)/git/redeploy", self._redeploy),
            ("GET", r"/endpoints/(\d+)/docker/containers/json", self._containers),
            ("GET", r"/endpoints/(\d+)/docker/images/([^/]+)/json", self._image),
        ]
        for method, pattern, func in routes:
            match = re.fullmatch(pattern, path)
            if match and method == request.method:
                return func(request, *match.groups())  # type: ignore[no-any-return]
        return _error(404, "Not found", f"no route for {request.method} {path}")

    def _list_endpoints(self, request: FakeRequest) -> FakeResponse:
        return FakeResponse(200, copy.deepcopy(self.endpoints))

    def _list_stacks(self, request: FakeRequest) -> FakeResponse:
        stacks = list(self.stacks.values())
        raw = request.arg("filters")
        if raw:
            filters = json.loads(raw)
            if "EndpointID" in filters:
                stacks = [s for s in stacks if s["EndpointId"] == filters["EndpointID"]]
        return FakeResponse(200, copy.deepcopy(stacks))

    def _stack(self, stack_id: str) -> dict[str, Any] | None:
        return self.stacks.get(int(stack_id))

    def _get_stack(self, request: FakeRequest, stack_id: str) -> FakeResponse:
        stack = self._stack(stack_id)
        if stack is None:
            return _error(
                404, "Unable to find a stack with the specified identifier inside the database"
            )
        return FakeResponse(200, copy.deepcopy(stack))

    def _get_file(self, request: FakeRequest, stack_id: str) -> FakeResponse:
        if self._stack(stack_id) is None:
            return _error(
                404, "Unable to find a stack with the specified identifier inside the database"
            )
        return FakeResponse(200, {"StackFileContent": self.files[int(stack_id)]})

    def _endpoint_param(self, request: FakeRequest, required: bool) -> int | FakeResponse | None:
        raw = request.arg("endpointId")
        if raw is None:
            return _error(400, "Invalid query parameter: endpointId") if required else None
        return int(raw)

    def _update_stack(self, request: FakeRequest, stack_id: str) -> FakeResponse:
        stack = self._stack(stack_id)
        if stack is None:
            return _error(
                404, "Unable to find a stack with the specified identifier inside the database"
            )
        endpoint = self._endpoint_param(request, required=True)
        if isinstance(endpoint, FakeResponse):
            return endpoint
        payload = request.json() or {}
        content = payload.get("stackFileContent")
        if not content:
            return _error(400, "Invalid request payload", "Invalid stack file content")
        if self.fail_next_update:
            message, self.fail_next_update = self.fail_next_update, None
            return _error(500, message, message)  # previous file stays in place
        stack["EndpointId"] = endpoint
        stack["Env"] = list(payload.get("env") or [])  # replaced, never merged
        stack["GitConfig"] = None  # a file update detaches git stacks
        stack["UpdateDate"] = next(self._clock)
        self.files[int(stack_id)] = content
        self._compose_up(int(stack_id))
        return FakeResponse(200, copy.deepcopy(stack))

    def _redeploy(self, request: FakeRequest, stack_id: str) -> FakeResponse:
        stack = self._stack(stack_id)
        if stack is None:
            return _error(
                404, "Unable to find a stack with the specified identifier inside the database"
            )
        if stack["GitConfig"] is None:
            return _error(400, "Stack is not created from git")
        payload = request.json() or {}
        stack["GitConfig"]["ReferenceName"] = payload.get("repositoryReferenceName", "")
        stack["Env"] = list(payload.get("env") or [])
        stack["UpdateDate"] = next(self._clock)
        self._compose_up(int(stack_id))
        answer = copy.deepcopy(stack)
        return FakeResponse(200, answer)

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
