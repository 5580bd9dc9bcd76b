"""Good and bad inputs for every rule, shared by the standards tests.

``CLEAN`` holds one file per kind that breaks no rule (GitHub's keeps the CI011
reminder, which fires on every production environment by design). ``CASES`` holds,
for every rule id, inputs that must trigger it at given lines and inputs that must not.
"""

from __future__ import annotations

import textwrap

import attrs

from mosaic_sdk.standards import FileKind

D1 = "sha256:" + "a1" * 32
D2 = "sha256:" + "b2" * 32
SHA = "8e5e7e5ab8b370d6c329ec480221332ada57f0ab"


def t(text: str) -> str:
    """Dedent a fixture and drop its first newline."""
    return textwrap.dedent(text).lstrip("\n")


PATHS = {
    FileKind.DOCKERFILE: "Dockerfile",
    FileKind.COMPOSE: "compose.yaml",
    FileKind.KUBERNETES: "deploy/app.yaml",
    FileKind.GITHUB_ACTIONS: ".github/workflows/ci.yml",
    FileKind.GITLAB_CI: ".gitlab-ci.yml",
    FileKind.WOODPECKER: ".woodpecker.yml",
    FileKind.SCRATCHPAD: "docs/scratchpads/7-lint-rules.md",
    FileKind.PROMETHEUS_RULES: "monitoring/alerts.yml",
}

CLEAN_DOCKERFILE = t(
    f"""
    # syntax=docker/dockerfile:1.7
    FROM python:3.12-slim@{D1} AS build
    WORKDIR /app
    COPY requirements.txt ./
    RUN pip install --no-cache-dir --prefix=/install -r requirements.txt
    COPY . .

    FROM python:3.12-slim@{D1}
    COPY --from=build /install /usr/local
    COPY --from=build /app /app
    USER 10001
    CMD ["python", "/app/main.py"]
    """
)

CLEAN_COMPOSE = t(
    f"""
    services:
      web:
        image: registry.example.com/team/web:v1.2.3
        environment:
          API_TOKEN: ${{API_TOKEN}}
          LOG_LEVEL: info
        deploy:
          resources:
            limits: {{memory: 256M, cpus: "0.50"}}
            reservations: {{memory: 128M, cpus: "0.25"}}
        healthcheck:
          test: ["CMD", "wget", "-qO-", "http://localhost:8080/healthz"]
          interval: 10s
      db:
        image: postgres:16.2@{D2}
        mem_limit: 1g
        cpus: 1
        mem_reservation: 512m
        deploy:
          resources:
            reservations: {{cpus: "0.5"}}
        healthcheck:
          test: ["CMD", "pg_isready"]
    """
)

CLEAN_KUBERNETES = t(
    f"""
    apiVersion: apps/v1
    kind: Deployment
    metadata:
      name: web
    spec:
      template:
        spec:
          initContainers:
            - name: migrate
              image: registry.example.com/team/web:sha-8e5e7e5
              resources:
                limits: {{memory: 128Mi, cpu: 100m}}
                requests: {{memory: 64Mi, cpu: 50m}}
          containers:
            - name: web
              image: registry.example.com/team/web@{D1}
              env:
                - name: DB_PASSWORD
                  valueFrom:
                    secretKeyRef: {{name: web, key: db-password}}
              resources:
                limits: {{memory: 256Mi, cpu: 500m}}
                requests: {{memory: 128Mi, cpu: 250m}}
              livenessProbe:
                httpGet: {{path: /healthz, port: 8080}}
              readinessProbe:
                httpGet: {{path: /ready, port: 8080}}
    ---
    apiVersion: batch/v1
    kind: CronJob
    metadata:
      name: nightly
    spec:
      schedule: "0 3 * * *"
      jobTemplate:
        spec:
          template:
            spec:
              restartPolicy: OnFailure
              containers:
                - name: report
                  image: registry.example.com/team/report:v2.0.0
                  resources:
                    limits: {{memory: 64Mi, cpu: 100m}}
                    requests: {{memory: 64Mi, cpu: 100m}}
    ---
    apiVersion: v1
    kind: Service
    metadata:
      name: web
    spec:
      ports: [{{port: 80}}]
    """
)

CLEAN_GITHUB = t(
    f"""
    name: ci
    on:
      push:
        branches: [main]
    jobs:
      lint:
        runs-on: ubuntu-24.04
        steps:
          - uses: actions/checkout@{SHA} # v4.2.2
          - run: pip install ruff
          - run: ruff check .
      test:
        runs-on: ubuntu-24.04
        steps:
          - uses: actions/checkout@{SHA}
          - run: pytest -q
      build:
        needs: [lint, test]
        runs-on: ubuntu-24.04
        steps:
          - uses: docker/build-push-action@{SHA}
            with:
              password: ${{{{ secrets.REGISTRY_PASSWORD }}}}
      scan:
        needs: build
        runs-on: ubuntu-24.04
        steps:
          - run: trivy image --exit-code 1 registry.example.com/team/app:sha-${{{{ github.sha }}}}
      deploy-staging:
        needs: scan
        runs-on: ubuntu-24.04
        environment: staging
        steps:
          - run: mosaic promote --to staging
      deploy-production:
        needs: deploy-staging
        runs-on: ubuntu-24.04
        environment:
          name: production
          url: https://app.example.com
        steps:
          - uses: ./.github/actions/promote
          - run: mosaic promote --to prod
    """
)

CLEAN_GITLAB = t(
    f"""
    stages: [lint, test, build, scan, deploy]
    variables:
      DOCKER_TLS_CERTDIR: "/certs"
      REGISTRY_PASSWORD: $VAULT_REGISTRY_PASSWORD
    default:
      image: python:3.12-slim@{D1}
    .python:
      before_script:
        - pip install -r requirements.txt
    lint:
      extends: .python
      stage: lint
      script:
        - ruff check .
    test:
      extends: .python
      stage: test
      script: [pytest]
    build:
      stage: build
      image:
        name: gcr.io/kaniko-project/executor@{D2}
        entrypoint: [""]
      script:
        - /kaniko/executor --destination "$CI_REGISTRY_IMAGE:sha-$CI_COMMIT_SHORT_SHA"
    scan:
      stage: scan
      image: aquasec/trivy:0.50.1@{D2}
      script:
        - trivy image --exit-code 1 "$CI_REGISTRY_IMAGE:sha-$CI_COMMIT_SHORT_SHA"
    deploy_staging:
      stage: deploy
      environment: staging
      script: [mosaic promote --to staging]
    deploy_production:
      stage: deploy
      environment:
        name: production
      rules:
        - if: $CI_COMMIT_BRANCH == "main"
          when: manual
      script: [mosaic promote --to prod]
    """
)

CLEAN_WOODPECKER = t(
    f"""
    when:
      - event: [push, deployment]
    steps:
      - name: lint
        image: python:3.12-slim@{D1}
        commands:
          - ruff check .
      - name: test
        image: python:3.12-slim@{D1}
        commands: [pytest]
      - name: build
        image: woodpeckerci/plugin-docker-buildx:5.0.0@{D2}
        settings:
          repo: registry.example.com/team/app
          password:
            from_secret: registry_password
      - name: scan
        image: aquasec/trivy:0.50.1@{D2}
        commands:
          - trivy image registry.example.com/team/app:sha-${{CI_COMMIT_SHA}}
      - name: deploy-production
        image: registry.example.com/team/mosaic:v1.0.0
        environment:
          COOLIFY_TOKEN:
            from_secret: coolify_token
        commands:
          - mosaic promote --to prod
        when:
          - event: deployment
            environment: production
    """
)

CLEAN_SCRATCHPAD = t(
    """
    # #7: Lint rules

    ## Goal
    ## Context
    ## Plan
    ## Progress log
    ## Evidence
    ## Next remediation step
    ## Decisions
    """
)

CLEAN_PROMETHEUS_RULES = t(
    """
    groups:
      - name: checkout
        interval: 30s
        rules:
          - record: job:http_errors:ratio_rate5m
            expr: |
              sum(rate(http_requests_total{code=~"5.."}[5m]))
              / sum(rate(http_requests_total[5m]))
            labels: {team: payments}
          - alert: CheckoutErrorBudgetBurn
            expr: job:http_errors:ratio_rate5m > (14.4 * 0.001)
            for: 2m
            labels:
              severity: page
            annotations:
              runbook_url: https://runbooks.example.com/checkout
              summary: "{{ $labels.job }} fails {{ $value | humanizePercentage }}"
          - alert: DiskWillFillAndRequestsFail
            expr: >-
              predict_linear(node_filesystem_avail_bytes[6h], 4 * 3600) < 0
              and on() job:http_errors:ratio_rate5m > 0.01
            for: 10m
            keep_firing_for: 5m
            labels: {severity: ticket}
            annotations: {runbook_url: "https://runbooks.example.com/disk"}
    """
)

CLEAN: dict[FileKind, str] = {
    FileKind.DOCKERFILE: CLEAN_DOCKERFILE,
    FileKind.COMPOSE: CLEAN_COMPOSE,
    FileKind.KUBERNETES: CLEAN_KUBERNETES,
    FileKind.GITHUB_ACTIONS: CLEAN_GITHUB,
    FileKind.GITLAB_CI: CLEAN_GITLAB,
    FileKind.WOODPECKER: CLEAN_WOODPECKER,
    FileKind.SCRATCHPAD: CLEAN_SCRATCHPAD,
    FileKind.PROMETHEUS_RULES: CLEAN_PROMETHEUS_RULES,
}


@attrs.frozen
class Case:
    """``bad`` triggers ``rule_id`` exactly at ``lines``; ``good`` does not trigger it."""

    rule_id: str
    kind: FileKind
    bad: str
    lines: tuple[int, ...]
    good: str
    note: str = ""
    path: str | None = None
    good_path: str | None = None

    @property
    def file(self) -> str:
        return self.path or PATHS[self.kind]

    @property
    def good_file(self) -> str:
        return self.good_path or PATHS[self.kind]

    def __str__(self) -> str:
        return f"{self.rule_id}-{self.note}" if self.note else self.rule_id


DF = FileKind.DOCKERFILE
CP = FileKind.COMPOSE
K8S = FileKind.KUBERNETES
GH = FileKind.GITHUB_ACTIONS
GL = FileKind.GITLAB_CI
WP = FileKind.WOODPECKER
SP = FileKind.SCRATCHPAD
PR = FileKind.PROMETHEUS_RULES


def rule(body: str, name: str = "A") -> str:
    """One alerting rule of a group's rule list: ``- alert: NAME`` then ``body`` lines."""
    lines = "".join(f"        {line}\n" for line in body.rstrip("\n").splitlines())
    return f"      - alert: {name}\n{lines}"


def alert(body: str, name: str = "A") -> str:
    """A rule file with one alert: ``body`` lines after ``- alert: NAME`` (line 4 on)."""
    return "groups:\n  - name: g\n    rules:\n" + rule(body, name)


def _expr(expr: str) -> str:
    """:data:`_OK_ALERT` with another expression."""
    return _OK_ALERT.replace(_OK_ALERT.splitlines()[0], f"expr: {expr}")


_OK_ALERT = (
    'expr: sum(rate(http_requests_total{code=~"5.."}[5m])) > 1\n'
    "for: 5m\n"
    "labels: {severity: page}\n"
    "annotations: {runbook_url: https://runbooks.example.com/a}\n"
)

_FINAL = 'USER 10001\nCMD ["app"]\n'
_SVC = t(
    """
    deploy:
      resources:
        limits: {memory: 64M, cpus: "0.1"}
        reservations: {memory: 64M, cpus: "0.1"}
    healthcheck:
      test: ["CMD", "true"]
    """
)


def service(body: str, name: str = "web") -> str:
    """A compose file with one service: ``body`` lines then the complete defaults."""
    lines = (body.rstrip("\n") + "\n" + _SVC).splitlines()
    return "services:\n  " + name + ":\n" + "".join(f"    {line}\n" for line in lines)


_RES = t(
    """
    resources:
      limits: {memory: 64Mi, cpu: 100m}
      requests: {memory: 64Mi, cpu: 100m}
    livenessProbe: {tcpSocket: {port: 80}}
    readinessProbe: {tcpSocket: {port: 80}}
    """
)


def pod(container: str) -> str:
    """A Pod with one container: ``container`` lines (after ``- name: app``) + defaults."""
    lines = (
        ("name: app\n" + container.rstrip("\n") + "\n" + _RES).replace("\n\n", "\n").splitlines()
    )
    body = "".join(("    - " if i == 0 else "      ") + line + "\n" for i, line in enumerate(lines))
    return "apiVersion: v1\nkind: Pod\nmetadata: {name: p}\nspec:\n  containers:\n" + body


CASES: tuple[Case, ...] = (
    # -- Dockerfile ---------------------------------------------------------------------
    Case("DF000", DF, "FROM alpine:3.20\nFOO bar\n" + _FINAL, (2,), CLEAN_DOCKERFILE, "unknown"),
    Case(
        "DF000",
        DF,
        "RUN echo hi\nFROM alpine:3.20\n" + _FINAL,
        (1,),
        "ARG V=3.20\nFROM alpine:$V\n" + _FINAL,
        "before-from",
    ),
    Case(
        "DF000",
        DF,
        "FROM alpine:3.20\nRUN <<EOF\necho never closed\n" + _FINAL,
        (2,),
        "FROM alpine:3.20\nRUN <<EOF\necho closed\nEOF\n" + _FINAL,
        "heredoc",
    ),
    Case(
        "DF000",
        DF,
        "# escape=!\nFROM alpine:3.20\n" + _FINAL,
        (1,),
        "# escape=`\nFROM alpine:3.20\n" + _FINAL,
        "escape",
    ),
    Case("DF001", DF, "FROM python\n" + _FINAL, (1,), CLEAN_DOCKERFILE, "untagged"),
    Case(
        "DF001", DF, "FROM python:latest\n" + _FINAL, (1,), "FROM python:3.12\n" + _FINAL, "latest"
    ),
    Case("DF001", DF, "FROM node:lts\n" + _FINAL, (1,), "FROM node:20.11\n" + _FINAL, "alias"),
    Case(
        "DF001",
        DF,
        "ARG BASE=python\nFROM $BASE\n" + _FINAL,
        (2,),
        "ARG BASE=python:3.12\nFROM $BASE\n" + _FINAL,
        "via-arg",
    ),
    Case(
        "DF002",
        DF,
        "FROM python:3.12-slim\n" + _FINAL,
        (1,),
        f"FROM python:3.12-slim@{D1}\n" + _FINAL,
    ),
    Case(
        "DF003",
        DF,
        "ARG BASE\nFROM ${BASE}\n" + _FINAL,
        (2,),
        f"ARG BASE=python:3.12-slim@{D1}\nFROM ${{BASE}}\n" + _FINAL,
    ),
    Case("DF004", DF, 'FROM alpine:3.20\nCMD ["app"]\n', (2,), CLEAN_DOCKERFILE, "no-user"),
    Case(
        "DF004",
        DF,
        'FROM alpine:3.20\nUSER app\nUSER root\nCMD ["app"]\n',
        (3,),
        'FROM alpine:3.20\nUSER root\nRUN apk add curl\nUSER app\nCMD ["app"]\n',
        "root",
    ),
    Case(
        "DF004",
        DF,
        'FROM alpine:3.20\nUSER 0:0\nENTRYPOINT ["app"]\n',
        (2,),
        'FROM alpine:3.20\nUSER 1000:1000\nENTRYPOINT ["app"]\n',
        "uid0",
    ),
    Case(
        "DF004",
        DF,
        'FROM alpine:3.20 AS base\nUSER root\nFROM base\nCMD ["app"]\n',
        (2,),
        'FROM alpine:3.20 AS base\nUSER app\nFROM base\nCMD ["app"]\n',
        "inherited",
    ),
    Case(
        "DF004",
        DF,
        'FROM gcr.io/distroless/static-debian12:latest\nCMD ["/app"]\n',
        (2,),
        'FROM gcr.io/distroless/static-debian12:nonroot\nCMD ["/app"]\n',
        "distroless",
    ),
    Case(
        "DF005",
        DF,
        "FROM alpine:3.20\nUSER app\nENTRYPOINT /app/run --port 80\nCMD echo hi\n",
        (3, 4),
        'FROM alpine:3.20\nUSER app\nENTRYPOINT ["/app/run", "--port", "80"]\nCMD ["echo", "hi"]\n',
    ),
    Case(
        "DF006",
        DF,
        "FROM python:3.12-slim\nWORKDIR /app\nCOPY . .\nRUN pip install -r requirements.txt\n"
        + _FINAL,
        (3,),
        "FROM python:3.12-slim\nWORKDIR /app\nCOPY requirements.txt .\n"
        "RUN pip install -r requirements.txt\nCOPY . .\nRUN pip install --no-deps .\n" + _FINAL,
        "pip",
    ),
    Case(
        "DF006",
        DF,
        "FROM node:20.11-alpine\nCOPY . /app\nRUN npm ci\n" + _FINAL,
        (2,),
        "FROM node:20.11-alpine\nCOPY package.json package-lock.json /app/\nRUN npm ci\n"
        "COPY . /app\n" + _FINAL,
        "npm",
    ),
    Case(
        "DF006",
        DF,
        "FROM golang:1.22 AS build\nCOPY . .\nRUN go build -o /app\n"
        "FROM scratch\nCOPY --from=build /app /app\n" + _FINAL,
        (2,),
        "FROM golang:1.22 AS build\nCOPY go.mod go.sum ./\nRUN go mod download\nCOPY . .\n"
        "RUN go build -o /app\nFROM scratch\nCOPY --from=build /app /app\n" + _FINAL,
        "go",
    ),
    Case(
        "DF007",
        DF,
        "ARG GITHUB_TOKEN=ghp_abc123\nFROM alpine:3.20\nENV DB_PASSWORD=hunter2 MODE=prod\n"
        "ENV API_KEY s3cr3t value\n" + _FINAL,
        (1, 3, 4),
        "ARG GITHUB_TOKEN\nFROM alpine:3.20\nENV DB_PASSWORD_FILE=/run/secrets/db MODE=prod\n"
        "ENV API_KEY=$API_KEY\n" + _FINAL,
    ),
    Case(
        "DF008",
        DF,
        "FROM alpine:3.20\nCOPY .env /app/\nCOPY certs/server.key id_rsa /etc/ssl/\n"
        'ADD ["credentials.json", "/app/"]\n' + _FINAL,
        (2, 3, 3, 4),
        "FROM alpine:3.20\nCOPY .env.example /app/\nCOPY certs/server.crt /etc/ssl/\n" + _FINAL,
    ),
    Case(
        "DF008",
        DF,
        "FROM alpine:3.20\nCOPY <<EOF /app/.env\nTOKEN=x\nEOF\n" + _FINAL,
        (2,),
        "FROM alpine:3.20\nCOPY <<EOF /app/config.ini\nlevel=info\nEOF\n" + _FINAL,
        "heredoc",
    ),
    Case("DF009", DF, "FROM python:3.12\n" + _FINAL, (1,), "FROM python:3.12-slim\n" + _FINAL),
    Case(
        "DF009",
        DF,
        "FROM node:20.11-bookworm AS base\nFROM base\n" + _FINAL,
        (2,),
        "FROM node:20.11 AS build\nFROM node:20.11-alpine\n" + _FINAL,
        "via-stage",
    ),
    Case("DF009", DF, "FROM ubuntu:24.04\n" + _FINAL, (1,), "FROM debian:12-slim\n" + _FINAL, "os"),
    # -- Compose ------------------------------------------------------------------------
    Case("CP000", CP, "services:\n  web: [\n", (3,), CLEAN_COMPOSE, "syntax"),
    Case("CP000", CP, "version: '3'\n", (1,), CLEAN_COMPOSE, "no-services"),
    Case("CP001", CP, service("image: nginx"), (3,), service(f"image: nginx@{D1}")),
    Case(
        "CP001",
        CP,
        service("image: ${IMAGE:-nginx:latest}"),
        (3,),
        service("image: ${IMAGE}"),
        "interpolated",
    ),
    Case(
        "CP002",
        CP,
        service("image: nginx:1.25"),
        (3,),
        service("image: registry.example.com/web:sha-8e5e7e5"),
    ),
    Case(
        "CP002",
        CP,
        service("image: registry.example.com/web:prod"),
        (3,),
        service("build: .\nimage: registry.example.com/web:prod"),
        "pointer",
    ),
    Case(
        "CP003",
        CP,
        "services:\n  web:\n    image: nginx@" + D1 + "\n    deploy:\n      resources:\n"
        "        reservations: {memory: 1M, cpus: '1'}\n        limits: {memory: 1M}\n"
        "    healthcheck: {test: [CMD, 'true']}\n",
        (5,),
        "services:\n  web:\n    image: nginx@" + D1 + "\n    mem_limit: 1m\n    cpus: 1\n"
        "    mem_reservation: 1m\n    deploy:\n      resources:\n"
        "        reservations: {cpus: '1'}\n    healthcheck: {test: [CMD, 'true']}\n",
    ),
    Case(
        "CP004",
        CP,
        "services:\n  web:\n    image: nginx@" + D1 + "\n    mem_limit: 1m\n    cpus: 1\n"
        "    healthcheck: {test: [CMD, 'true']}\n",
        (2,),
        CLEAN_COMPOSE,
    ),
    Case(
        "CP005",
        CP,
        CLEAN_COMPOSE.replace('    healthcheck:\n      test: ["CMD", "pg_isready"]\n', ""),
        (14,),
        CLEAN_COMPOSE,
    ),
    Case(
        "CP005",
        CP,
        service("image: nginx@" + D1).replace('test: ["CMD", "true"]', 'test: ["NONE"]'),
        (8,),
        service("image: nginx@" + D1),
        "disabled",
    ),
    Case(
        "CP006",
        CP,
        service("image: nginx@" + D1 + "\nenvironment:\n  - DB_PASSWORD=hunter2\n  - MODE=x"),
        (5,),
        service("image: nginx@" + D1 + "\nenvironment:\n  - DB_PASSWORD\n  - TOKEN=${TOKEN}"),
    ),
    # -- Kubernetes ---------------------------------------------------------------------
    Case("K8S000", K8S, "apiVersion: v1\nkind: Pod\nmetadata: {name: [\n", (4,), CLEAN_KUBERNETES),
    Case("K8S001", K8S, pod("image: nginx:latest\n"), (7,), pod(f"image: nginx@{D1}\n")),
    Case("K8S001", K8S, pod(""), (6,), pod("image: nginx:1.25.3@" + D1 + "\n"), "missing"),
    Case("K8S002", K8S, pod("image: nginx:1.25.3\n"), (7,), pod("image: example.com/web:v1.2.3\n")),
    Case(
        "K8S003",
        K8S,
        pod("image: nginx@" + D1 + "\n").replace(
            "limits: {memory: 64Mi, cpu: 100m}", "limits: {cpu: 1}"
        ),
        (8,),
        CLEAN_KUBERNETES,
    ),
    Case(
        "K8S003",
        K8S,
        CLEAN_KUBERNETES.replace("limits: {memory: 128Mi, cpu: 100m}\n", ""),
        (11,),
        CLEAN_KUBERNETES,
        "init",
    ),
    Case(
        "K8S004",
        K8S,
        # No memory request and no memory limit to default it from (a limit alone is
        # only noted: Kubernetes copies it into the request).
        pod("image: nginx@" + D1 + "\n")
        .replace("requests: {memory: 64Mi, cpu: 100m}", "requests: {cpu: 100m}")
        .replace("limits: {memory: 64Mi, cpu: 100m}", "limits: {cpu: 100m}"),
        (8,),
        CLEAN_KUBERNETES,
    ),
    Case(
        "K8S005",
        K8S,
        pod("image: nginx@" + D1 + "\n").replace(
            "      livenessProbe: {tcpSocket: {port: 80}}\n", ""
        ),
        (6,),
        CLEAN_KUBERNETES,
    ),
    Case(
        "K8S006",
        K8S,
        CLEAN_KUBERNETES.replace(
            "          readinessProbe:\n            httpGet: {path: /ready, port: 8080}\n", ""
        ),
        (15,),
        CLEAN_KUBERNETES,
    ),
    Case(
        "K8S007",
        K8S,
        pod("image: nginx@" + D1 + "\nenv:\n  - name: API_TOKEN\n    value: abc123\n"),
        (9,),
        pod(
            "image: nginx@"
            + D1
            + "\nenv:\n  - name: API_TOKEN\n    valueFrom: {secretKeyRef: {name: s, key: t}}\n"
        ),
    ),
    Case(
        "K8S007",
        K8S,
        "apiVersion: v1\nkind: Secret\nmetadata: {name: db}\ndata:\n  password: aHVudGVyMg==\n",
        (4,),
        "apiVersion: v1\nkind: Secret\nmetadata: {name: db}\ntype: Opaque\n",
        "secret-manifest",
    ),
    # -- Pipelines ----------------------------------------------------------------------
    Case("CI000", GH, "on: push\njobs: [\n", (3,), CLEAN_GITHUB, "syntax"),
    Case("CI000", GH, "on: push\nname: x\n", (1,), CLEAN_GITHUB, "no-jobs"),
    Case(
        "CI001",
        GH,
        CLEAN_GITHUB.replace("run: ruff check .", "run: echo").replace("  lint:", "  quality:"),
        (5,),
        CLEAN_GITHUB.replace("  lint:", "  quality:"),
    ),
    Case(
        "CI001",
        GH,
        CLEAN_GITHUB.replace("run: ruff check .", "run: echo").replace("  lint:", "  quality:"),
        (5,),
        CLEAN_GITHUB.replace("run: ruff check .", "run: echo"),
        "installing-is-not-running",
    ),
    Case(
        "CI002",
        GL,
        CLEAN_GITLAB.replace("script: [pytest]", "script: [echo]")
        .replace("test:\n", "unit:\n")
        .replace("stage: test", "stage: check"),
        (1,),
        CLEAN_GITLAB,
    ),
    Case(
        "CI003",
        WP,
        CLEAN_WOODPECKER.replace(
            "woodpeckerci/plugin-docker-buildx", "woodpeckerci/plugin-git"
        ).replace("name: build", "name: publish"),
        (3,),
        CLEAN_WOODPECKER,
    ),
    Case(
        "CI004",
        GH,
        CLEAN_GITHUB.replace("trivy image", "echo").replace("  scan:", "  check:"),
        (5,),
        CLEAN_GITHUB.replace("  scan:", "  check:"),
    ),
    Case("CI005", GL, CLEAN_GITLAB.split("deploy_staging:")[0], (1,), CLEAN_GITLAB),
    Case(
        "CI006",
        GH,
        CLEAN_GITHUB.replace(f"actions/checkout@{SHA} # v4.2.2", "actions/checkout@v4").replace(
            f"docker/build-push-action@{SHA}", "docker/build-push-action"
        ),
        (9, 21),
        CLEAN_GITHUB,
    ),
    Case(
        "CI007",
        GL,
        CLEAN_GITLAB.replace(f"aquasec/trivy:0.50.1@{D2}", "aquasec/trivy:latest"),
        (28,),
        CLEAN_GITLAB,
    ),
    Case(
        "CI007",
        GH,
        CLEAN_GITHUB.replace(
            "      - run: trivy", "      - uses: docker://aquasec/trivy\n      - run: trivy"
        ),
        (28,),
        CLEAN_GITHUB,
        "docker-uses",
    ),
    Case(
        "CI008",
        WP,
        CLEAN_WOODPECKER.replace(f"plugin-docker-buildx:5.0.0@{D2}", "plugin-docker-buildx:5.0.0"),
        (12,),
        CLEAN_WOODPECKER,
    ),
    Case(
        "CI008",
        GH,
        CLEAN_GITHUB.replace(
            "    runs-on: ubuntu-24.04\n    steps:\n      - run: trivy",
            "    runs-on: ubuntu-24.04\n    container: aquasec/trivy:0.50.1\n"
            "    services:\n      cache:\n        image: redis:7.2\n"
            "    steps:\n      - run: trivy",
        ),
        (27, 30),
        CLEAN_GITHUB,
        "container",
    ),
    Case(
        "CI009",
        GH,
        CLEAN_GITHUB.replace("${{ secrets.REGISTRY_PASSWORD }}", "hunter2"),
        (23,),
        CLEAN_GITHUB,
    ),
    Case(
        "CI009",
        GL,
        CLEAN_GITLAB.replace("$VAULT_REGISTRY_PASSWORD", "hunter2"),
        (4,),
        CLEAN_GITLAB,
        "gitlab",
    ),
    Case(
        "CI009",
        WP,
        CLEAN_WOODPECKER.replace(
            "password:\n        from_secret: registry_password", "password: hunter2"
        ),
        (15,),
        CLEAN_WOODPECKER,
        "woodpecker",
    ),
    Case(
        "CI010",
        GH,
        CLEAN_GITHUB.replace(
            "    environment:\n      name: production\n      url: https://app.example.com\n", ""
        ),
        (35,),
        CLEAN_GITHUB,
        "github",
    ),
    Case(
        "CI010",
        GL,
        CLEAN_GITLAB.replace("      when: manual\n", ""),
        (35,),
        CLEAN_GITLAB,
        "gitlab",
    ),
    Case(
        "CI010",
        WP,
        CLEAN_WOODPECKER.replace("      - event: deployment\n", "      - event: push\n"),
        (21,),
        CLEAN_WOODPECKER,
        "woodpecker",
    ),
    Case(
        "CI011",
        GH,
        CLEAN_GITHUB,
        (38,),
        CLEAN_GITHUB.replace("name: production", "name: staging"),
    ),
    # -- Prometheus rule files -------------------------------------------------------------
    Case("AL000", PR, "groups:\n  - name: g\n    rules: [\n", (4,), CLEAN_PROMETHEUS_RULES, "yaml"),
    Case("AL000", PR, "groups: {}\n", (1,), "groups: []\n", "groups-not-list"),
    Case(
        "AL000",
        PR,
        "groups:\n  - name: g\n    rules: []\n  - name: g\n    rules: []\n",
        (4,),
        "groups:\n  - name: g\n    rules: []\n  - name: h\n    rules: []\n",
        "repeated-group",
    ),
    Case(
        "AL000",
        PR,
        "groups:\n  - rules: []\n  - name: x\n    rulez: []\n",
        (2, 4),
        "groups:\n  - name: w\n    rules: []\n  - name: x\n    rules: []\n",
        "group-fields",
    ),
    Case(
        "AL000",
        PR,
        alert("record: b\n" + _OK_ALERT),
        (4,),
        alert(_OK_ALERT),
        "alert-and-record",
    ),
    Case(
        "AL000",
        PR,
        alert(_OK_ALERT.replace("expr: ", "exp: ")),
        (4, 5),
        alert(_OK_ALERT),
        "no-expr",
    ),
    Case(
        "AL000",
        PR,
        "groups:\n  - name: g\n    rules:\n      - record: bad-name\n        expr: up\n"
        "      - record: ok\n        expr: up\n        annotations: {a: b}\n",
        (4, 8),
        "groups:\n  - name: g\n    rules:\n      - record: job:up:sum\n        expr: sum(up)\n",
        "recording-rule",
    ),
    Case(
        "AL000",
        PR,
        alert(
            _OK_ALERT.replace("for: 5m", "for: five minutes").replace(
                "{severity: page}", "{severity: page, bad-label: x}"
            )
        ),
        (6, 7),
        alert(_OK_ALERT.replace("for: 5m", "for: 1h30m")),
        "values",
    ),
    Case(
        "AL001",
        PR,
        alert(_OK_ALERT.replace("{runbook_url: https://runbooks.example.com/a}", "{summary: x}"))
        + "      - alert: B\n        expr: up == 0\n        for: 1m\n"
        "        labels: {severity: page}\n",
        (8, 9),
        alert(_OK_ALERT),
    ),
    Case(
        "AL002",
        PR,
        alert(_OK_ALERT.replace("{severity: page}", "{team: x}"))
        + "      - alert: B\n        expr: up == 0\n        for: 1m\n"
        "        annotations: {runbook_url: 'https://r.example.com'}\n",
        (7, 9),
        alert(_OK_ALERT),
    ),
    Case(
        "AL003",
        PR,
        alert(_OK_ALERT.replace("for: 5m\n", ""))
        + rule(_OK_ALERT.replace("for: 5m", "for: 0s"), "B"),
        (4, 10),
        alert(_OK_ALERT),
    ),
    Case(
        "AL004",
        PR,
        alert(_expr('100 * (1 - avg(rate(node_cpu_seconds_total{mode="idle"}[5m]))) > 90'))
        + rule(
            _expr("container_memory_working_set_bytes / container_spec_memory_limit_bytes"), "B"
        ),
        (5, 10),
        alert(
            _expr(
                "histogram_quantile(0.99, sum by (le) (rate(http_request_duration_seconds_bucket"
                "[5m]))) > 0.5 and on() avg(rate(node_cpu_seconds_total[5m])) > 0.9"
            )
        ),
    ),
    Case(
        "AL001",
        K8S,
        "apiVersion: monitoring.coreos.com/v1\nkind: PrometheusRule\nmetadata: {name: r}\n"
        "spec:\n  groups:\n    - name: g\n      rules:\n        - alert: A\n"
        "          expr: up == 0\n          for: 1m\n          labels: {severity: page}\n",
        (8,),
        "apiVersion: monitoring.coreos.com/v1\nkind: PrometheusRule\nmetadata: {name: r}\n"
        "spec:\n  groups:\n    - name: g\n      rules:\n        - alert: A\n"
        "          expr: up == 0\n          for: 1m\n          labels: {severity: page}\n"
        "          annotations: {runbook_url: 'https://r.example.com/a'}\n",
        "prometheus-operator",
    ),
    # -- Commit messages and scratchpads ------------------------------------------------
    Case(
        "CM001",
        FileKind.GITHUB_ACTIONS,  # kind unused: CM cases go through check_commit_message
        "feat: add lint rules\n\nRefs #7\n",
        (1,),
        "feat(#7): Add lint rules\n\nBody.\n\nRefs #7\n",
        path="COMMIT_EDITMSG",
    ),
    Case(
        "SP001",
        SP,
        CLEAN_SCRATCHPAD,
        (1,),
        CLEAN_SCRATCHPAD,
        path="docs/scratchpads/Lint Rules.md",
    ),
    Case(
        "SP002",
        SP,
        CLEAN_SCRATCHPAD.replace("## Evidence\n", "").replace("## Decisions\n", ""),
        (7, 7),
        CLEAN_SCRATCHPAD,
    ),
)
