# ruff: noqa: E501 - the table holds file contents as teams write them, long lines included
"""select_deployment_target over repositories written the way teams write them.

Each row is one repository built in a temporary directory: docs in the wording, casing and
layout real PRDs and deployment notes use (tables, bold labels, front matter, prose,
negations), compose files, env files and CI pipelines as they appear in the wild. A row
expects either ``(kind, method)`` or a ``ConfigurationError`` whose message holds every
listed fragment.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from mosaic_sdk.errors import ConfigurationError, InvalidValueError
from mosaic_sdk.release import TargetKind, select_deployment_target

# -- configuration as teams write it ------------------------------------------------------

NEXT_VERCEL_JSON = """\
{
  "$schema": "https://openapi.vercel.sh/vercel.json",
  "framework": "nextjs",
  "regions": ["fra1"],
  "headers": [{"source": "/(.*)", "headers": [{"key": "X-Frame-Options", "value": "DENY"}]}]
}
"""
COOLIFY_COMPOSE = """\
services:
  api:
    build: .
    environment:
      - SERVICE_FQDN_API_8080
      - DATABASE_URL=postgres://app:${SERVICE_PASSWORD_POSTGRES}@db:5432/app
    depends_on: [db]
  db:
    image: postgres:16-alpine
    volumes:
      - pgdata:/var/lib/postgresql/data
volumes:
  pgdata:
"""
PORTAINER_STACK = """\
version: "3.8"
services:
  web:
    image: registry.acme.internal/shop/web:1.8.2
    deploy:
      replicas: 2
    labels:
      io.portainer.accesscontrol.teams: shop
"""
LOCAL_COMPOSE = """\
# Local development only: `docker compose up` gives you postgres and redis.
services:
  postgres:
    image: postgres:16
    ports: ["5432:5432"]
  redis:
    image: redis:7
"""
K8S_DEPLOYMENT = """\
apiVersion: apps/v1
kind: Deployment
metadata:
  name: api
  labels: {app: api}
spec:
  replicas: 3
  selector: {matchLabels: {app: api}}
  template:
    metadata: {labels: {app: api}}
    spec:
      containers:
        - name: api
          image: ghcr.io/acme/api:2.4.0
"""

# -- CI pipelines as teams write them -------------------------------------------------------

GHA_VERCEL_CLI = """\
name: Deploy production
on:
  push:
    branches: [main]
env:
  VERCEL_ORG_ID: ${{ secrets.VERCEL_ORG_ID }}
  VERCEL_PROJECT_ID: ${{ secrets.VERCEL_PROJECT_ID }}
jobs:
  deploy:
    runs-on: ubuntu-latest
    steps:
      - uses: actions/checkout@v4
      - run: npm install --global vercel@latest
      - run: vercel pull --yes --environment=production --token=${{ secrets.VERCEL_TOKEN }}
      - run: vercel build --prod --token=${{ secrets.VERCEL_TOKEN }}
      - run: vercel deploy --prebuilt --prod --token=${{ secrets.VERCEL_TOKEN }}
"""
GHA_COOLIFY_API = """\
name: Deploy
on:
  push:
    branches: [main]
jobs:
  build:
    runs-on: ubuntu-latest
    steps:
      - uses: actions/checkout@v4
      - uses: docker/build-push-action@v6
        with:
          push: true
          tags: ghcr.io/acme/api:${{ github.sha }}
      - name: Trigger Coolify deployment
        run: |
          curl --fail -X GET \\
            "${{ secrets.COOLIFY_URL }}/api/v1/deploy?uuid=${{ secrets.COOLIFY_APP_UUID }}&force=false" \\
            -H "Authorization: Bearer ${{ secrets.COOLIFY_TOKEN }}"
"""
GHA_COOLIFY_WEBHOOK = """\
on: {push: {branches: [main]}}
jobs:
  deploy:
    runs-on: ubuntu-latest
    steps:
      - run: >-
          curl --request GET '${{ secrets.COOLIFY_WEBHOOK }}'
          --header 'Authorization: Bearer ${{ secrets.COOLIFY_TOKEN }}'
"""
GHA_PORTAINER_WEBHOOK = """\
name: release
on:
  release:
    types: [published]
jobs:
  redeploy:
    runs-on: ubuntu-latest
    steps:
      - name: Redeploy the stack
        run: curl -fsS -X POST "https://portainer.acme.internal/api/stacks/webhooks/${{ secrets.STACK_WEBHOOK }}"
"""
GITLAB_PORTAINER = """\
stages: [build, deploy]
deploy:
  stage: deploy
  image: curlimages/curl:8.8.0
  script:
    - curl -X POST "$PORTAINER_WEBHOOK_URL"
  only: [main]
"""
GHA_TESTS_WITH_COMPOSE = """\
name: ci
on: [pull_request]
jobs:
  test:
    runs-on: ubuntu-latest
    steps:
      - uses: actions/checkout@v4
      - run: docker compose up -d postgres redis
      - run: npm test
"""
GHA_VERCEL_COMMENT_ONLY = """\
name: ci
on: [push]
jobs:
  lint:
    runs-on: ubuntu-latest
    steps:
      # We used to run `vercel deploy --prod` here; Coolify deploys on push now.
      - run: npm run lint
"""
GHA_KUBECTL = """\
jobs:
  deploy:
    runs-on: ubuntu-latest
    steps:
      - uses: azure/setup-kubectl@v4
      - run: kubectl apply -k deploy/overlays/prod
"""

Expected = tuple[str, str] | list[str]

REPOS: list[tuple[str, dict[str, str], Expected]] = [
    # -- Markdown tables ---------------------------------------------------------------
    ("table-row", {
        "docs/PRD.md": "# Checkout v2\n\n| Field | Value |\n|---|---|\n| Owner | @payments |\n"
                       "| Deployment target | Vercel |\n| Launch | Q3 |\n",
        "compose.yaml": LOCAL_COMPOSE,
    }, ("vercel", "explicit")),
    ("table-row-bold-code", {
        "docs/DEPLOYMENT.md": "## Summary\n\n| | |\n|:--|:--|\n| **Deployment target** | `coolify` |\n"
                              "| **Region** | fsn1 |\n",
    }, ("coolify", "explicit")),
    ("table-target-column", {
        "docs/DEPLOYMENT.md": "| Environment | Target | URL |\n| ----------- | ------ | --- |\n"
                              "| staging | Portainer | https://staging.acme.internal |\n"
                              "| production | Portainer | https://shop.acme.com |\n",
    }, ("portainer", "explicit")),
    ("table-target-column-disagrees", {
        "docs/DEPLOYMENT.md": "| Environment | Hosting platform |\n|---|---|\n| staging | Coolify |\n"
                              "| production | Vercel |\n",
    }, ["disagree", "coolify", "vercel"]),
    ("table-lowercase-label-with-link", {
        "docs/PRD.md": "| key | value |\n|-----|-------|\n| hosting platform | [Vercel](https://vercel.com) |\n",
    }, ("vercel", "explicit")),
    # -- bold and plain labels -----------------------------------------------------------
    ("bold-target-colon-inside", {
        "docs/PRD.md": "# Admin portal\n\n**Owner:** Platform team  \n**Target:** Portainer  \n"
                       "**Status:** Draft\n",
        "vercel.json": "{}",
    }, ("portainer", "explicit")),
    ("bold-target-colon-outside", {
        "docs/PRD.md": "- **Target**: Coolify (self-hosted on Hetzner)\n- **Timeline**: 6 weeks\n",
    }, ("coolify", "explicit")),
    ("plain-target-line", {
        "docs/DEPLOYMENT.md": "Deployment notes\n================\n\nTarget: vercel\nBranch: main\n",
    }, ("vercel", "explicit")),
    ("uppercase-label", {
        "docs/deployment.md": "DEPLOYMENT TARGET: KUBERNETES\n",
        "compose.yaml": LOCAL_COMPOSE,
    }, ("kubernetes", "explicit")),
    ("label-on-next-line", {
        "docs/DEPLOYMENT.md": "**Deployment target:**\n\nCoolify, one app per service.\n",
    }, ("coolify", "explicit")),
    ("label-dash-separator", {
        "docs/DEPLOYMENT.md": "* Hosting platform - Portainer CE on the office NUC\n",
    }, ("portainer", "explicit")),
    ("label-arrow-separator", {
        "docs/PRD.md": "Deploy target → Vercel\n",
    }, ("vercel", "explicit")),
    ("label-negates-the-old-one", {
        "docs/DEPLOYMENT.md": "Deployment target: Coolify (not Vercel any more)\n",
        "vercel.json": NEXT_VERCEL_JSON,
    }, ("coolify", "explicit")),
    ("timeline-target-is-not-a-platform", {
        "docs/PRD.md": "## Timeline\n\nTarget: Q3 2025\n\n## Hosting\n\nDeployment target: Vercel\n",
    }, ("vercel", "explicit")),
    ("platform-label-lists-clients", {
        "docs/PRD.md": "Platform: Web, iOS, Android\n",
        "vercel.json": NEXT_VERCEL_JSON,
    }, ("vercel", "inferred")),
    # -- YAML front matter ------------------------------------------------------------------
    ("front-matter-key", {
        "docs/PRD.md": "---\ntitle: Marketing site\nowner: growth\ndeployment_target: vercel\n---\n\n"
                       "# Marketing site\n",
    }, ("vercel", "explicit")),
    ("front-matter-nested", {
        "docs/DEPLOYMENT.md": "---\nservice: billing\ndeployment:\n  target: Coolify\n  region: fsn1\n"
                              "---\nSee the runbook.\n",
        "k8s/deploy.yaml": K8S_DEPLOYMENT,
    }, ("coolify", "explicit")),
    ("front-matter-quoted", {
        "docs/PRD.md": '---\ntitle: "Ops dashboard"\ntarget: "portainer"  # decided 2024-05\n---\n',
    }, ("portainer", "explicit")),
    ("front-matter-unknown", {
        "docs/PRD.md": "---\ndeploy-target: Fly.io\n---\n",
    }, ["'Fly.io'", "docs/PRD.md:2", "not one of"]),
    # -- sentences and negations -----------------------------------------------------------
    ("sentence-deploy-to", {
        "docs/DEPLOYMENT.md": "# How we ship\n\nWe deploy to Coolify. Every merge to main builds an image.\n",
        "compose.yaml": LOCAL_COMPOSE,
    }, ("coolify", "explicit")),
    ("sentence-runs-on", {
        "docs/PRD.md": "The API runs on Portainer in the office rack, next to the ERP.\n",
    }, ("portainer", "explicit")),
    ("sentence-hosted", {
        "docs/DEPLOYMENT.md": "The site is hosted on Vercel; previews are created per pull request.\n",
    }, ("vercel", "explicit")),
    ("sentence-with-local-compose", {
        "docs/DEPLOYMENT.md": "For local development we use docker compose. Production deploys go to "
                              "Kubernetes via Argo CD.\n",
    }, ("kubernetes", "explicit")),
    ("negation-removes-leftover-vercel-json", {
        "docs/DEPLOYMENT.md": "We do not use Vercel.\n",
        "vercel.json": NEXT_VERCEL_JSON,
        "docker-compose.yml": COOLIFY_COMPOSE,
    }, ("coolify", "inferred")),
    ("negation-moved-off", {
        "docs/DEPLOYMENT.md": "We moved off Vercel in 2024 and now deploy with Coolify.\n",
        "vercel.json": "{}",
    }, ("coolify", "explicit")),
    ("negation-instead-of", {
        "docs/PRD.md": "Ship it with Portainer instead of Coolify.\n",
    }, ("portainer", "explicit")),
    ("negation-no-longer-used", {
        "docs/DEPLOYMENT.md": "Vercel is no longer used for this project.\n",
        "compose.yaml": PORTAINER_STACK,
        "vercel.json": "{}",
    }, ("portainer", "inferred")),
    ("negation-of-the-only-candidate", {
        "docs/DEPLOYMENT.md": "We don't deploy to Vercel.\n",
        "vercel.json": "{}",
    }, ["rules out vercel", "no deployment target is left"]),
    ("negation-contradicts-label", {
        "docs/PRD.md": "Deployment target: Vercel\n",
        "docs/DEPLOYMENT.md": "We do not use Vercel.\n",
    }, ["contradict", "docs/PRD.md:1", "docs/DEPLOYMENT.md:1"]),
    # -- JSON -------------------------------------------------------------------------------
    ("prd-json-nested-deep", {
        "docs/PRD.json": '{"product": "shop", "infrastructure": {"deployment": {"target": "Coolify"}}}',
    }, ("coolify", "explicit")),
    ("prd-json-snake", {
        "docs/PRD.json": '{"deployment_target": "Docker Compose", "owners": ["ops"]}',
    }, ("compose", "explicit")),
    ("prd-json-unknown", {
        "docs/PRD.json": '{"deploymentTarget": "Fly.io"}',
    }, ["'Fly.io'", "docs/PRD.json (deploymentTarget)"]),
    # -- unknown names quoted whole, unreadable lines quoted --------------------------------
    ("unknown-name-with-dot", {
        "docs/DEPLOYMENT.md": "Deployment target: Fly.io (Machines)\n",
    }, ["'Fly.io'"]),
    ("unknown-multiword-name", {
        "docs/DEPLOYMENT.md": "**Deployment target:** Google Cloud Run, europe-west1\n",
    }, ["'Google Cloud Run'"]),
    ("unreadable-target-line", {
        "docs/DEPLOYMENT.md": "# Deploy\n\nThe deployment target depends on the customer contract.\n",
        "vercel.json": "{}",
    }, ["docs/DEPLOYMENT.md:3", "'The deployment target depends on the customer contract.'"]),
    ("placeholder-value", {
        "docs/PRD.md": "Deployment target: TBD\n",
    }, ["'TBD'", "docs/PRD.md:1"]),
    # -- CI evidence ---------------------------------------------------------------------------
    ("ci-coolify-beats-stale-vercel-json", {
        "vercel.json": NEXT_VERCEL_JSON,
        ".github/workflows/deploy.yml": GHA_COOLIFY_API,
    }, ("coolify", "ci")),
    ("ci-coolify-webhook-only", {
        ".github/workflows/deploy.yml": GHA_COOLIFY_WEBHOOK,
        "Dockerfile": "FROM node:22-alpine\n",
    }, ("coolify", "ci")),
    ("ci-portainer-webhook", {
        "docker-compose.yml": LOCAL_COMPOSE,
        ".github/workflows/release.yml": GHA_PORTAINER_WEBHOOK,
    }, ("portainer", "ci")),
    ("gitlab-portainer-webhook-vs-coolify-env", {
        ".env.example": "COOLIFY_URL=https://coolify.example.com\n",
        "compose.yaml": COOLIFY_COMPOSE,
        ".gitlab-ci.yml": GITLAB_PORTAINER,
    }, ("portainer", "ci")),
    ("ci-vercel-cli-matches-config", {
        "vercel.json": NEXT_VERCEL_JSON,
        ".github/workflows/production.yaml": GHA_VERCEL_CLI,
    }, ("vercel", "ci")),
    ("ci-contradicts-declaration", {
        "docs/DEPLOYMENT.md": "Deployment target: Vercel\n",
        ".github/workflows/deploy.yml": GHA_COOLIFY_API,
    }, ["docs and CI disagree", "declares vercel", "deploys to coolify"]),
    ("ci-contradicts-negation", {
        "docs/DEPLOYMENT.md": "We do not use Vercel.\n",
        ".github/workflows/deploy.yml": GHA_VERCEL_CLI,
    }, ["docs and CI disagree", "rules out vercel"]),
    ("ci-comment-is-not-wiring", {
        "compose.yaml": COOLIFY_COMPOSE,
        ".github/workflows/ci.yml": GHA_VERCEL_COMMENT_ONLY,
    }, ("coolify", "inferred")),
    ("ci-test-compose-is-not-deploy", {
        "compose.yaml": LOCAL_COMPOSE,
        "deploy/k8s/api.yaml": K8S_DEPLOYMENT,
        ".github/workflows/ci.yml": GHA_TESTS_WITH_COMPOSE,
        ".github/workflows/deploy.yml": GHA_KUBECTL,
    }, ["cannot choose", "CI deploys to several"]),
    ("ci-two-platforms", {
        ".github/workflows/web.yml": GHA_VERCEL_CLI,
        ".github/workflows/api.yml": GHA_COOLIFY_API,
    }, ["CI deploys to several", "vercel", "coolify"]),
    # -- monorepos ---------------------------------------------------------------------------
    ("monorepo-different-targets", {
        "apps/web/vercel.json": NEXT_VERCEL_JSON,
        "apps/api/docker-compose.yml": COOLIFY_COMPOSE,
        "package.json": '{"workspaces": ["apps/*"]}',
    }, ["monorepo", "apps/api: deployment target: coolify", "apps/web: deployment target: vercel",
        "mosaic target apps/api"]),
    ("monorepo-same-target", {
        "apps/web/vercel.json": "{}",
        "apps/docs/vercel.json": "{}",
    }, ("vercel", "inferred")),
    ("monorepo-one-app", {
        "apps/web/vercel.json": "{}",
        "compose.yaml": LOCAL_COMPOSE,
    }, ("vercel", "inferred")),
]  # fmt: skip


def make_repo(root: Path, files: dict[str, str]) -> Path:
    for rel, text in files.items():
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    return root


def test_the_table_is_large_enough() -> None:
    assert len(REPOS) >= 40
    assert len({name for name, _files, _expected in REPOS}) == len(REPOS)


@pytest.mark.parametrize(
    ("files", "expected"), [pytest.param(files, exp, id=name) for name, files, exp in REPOS]
)
def test_realistic_repositories(tmp_path: Path, files: dict[str, str], expected: Expected) -> None:
    repo = make_repo(tmp_path, files)
    if isinstance(expected, tuple):
        selection = select_deployment_target(repo)
        assert (selection.kind.value, selection.method) == expected, str(selection)
        return
    with pytest.raises(ConfigurationError) as caught:
        select_deployment_target(repo)
    for fragment in expected:
        assert fragment in str(caught.value)


def test_ci_winning_over_the_configuration_says_so(tmp_path: Path) -> None:
    repo = make_repo(
        tmp_path, {"vercel.json": "{}", ".github/workflows/deploy.yml": GHA_COOLIFY_API}
    )
    selection = select_deployment_target(repo)
    assert selection.kind is TargetKind.COOLIFY
    assert selection.source == ".github/workflows/deploy.yml:17"
    assert "wins over the configuration's vercel (vercel.json)" in selection.rationale


def test_an_undecodable_line_is_quoted(tmp_path: Path) -> None:
    docs = tmp_path / "docs"
    docs.mkdir()
    (docs / "DEPLOYMENT.md").write_bytes(b"# Deploy\n\nDeployment target: Cool\xeffy\n")
    (tmp_path / "vercel.json").write_text("{}")
    with pytest.raises(ConfigurationError) as caught:
        select_deployment_target(tmp_path)
    assert "docs/DEPLOYMENT.md:3" in str(caught.value)
    assert "Deployment target: Cool\ufffdfy" in str(caught.value)


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="needs FIFOs")
def test_a_fifo_named_compose_yaml_does_not_hang(tmp_path: Path) -> None:
    os.mkfifo(tmp_path / "compose.yaml")
    (tmp_path / "vercel.json").write_text("{}")
    selection = select_deployment_target(tmp_path)  # would block forever on open()
    assert selection.kind is TargetKind.VERCEL


def test_a_symlink_to_dev_zero_is_not_read_whole(tmp_path: Path) -> None:
    (tmp_path / "docker-compose.yml").symlink_to("/dev/zero")
    (tmp_path / ".env").symlink_to("/dev/zero")
    (tmp_path / "compose.yaml").write_text(COOLIFY_COMPOSE)
    selection = select_deployment_target(tmp_path)
    assert selection.kind is TargetKind.COOLIFY


def test_a_fifo_as_the_deployment_doc_is_an_error_not_a_hang(tmp_path: Path) -> None:
    (tmp_path / "docs").mkdir()
    os.mkfifo(tmp_path / "docs" / "DEPLOYMENT.md")
    with pytest.raises(InvalidValueError, match="FIFO"):
        select_deployment_target(tmp_path)
