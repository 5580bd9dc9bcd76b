"""select_deployment_target over temporary repositories: one table row per situation."""

from __future__ import annotations

from pathlib import Path

import pytest

from mosaic_sdk.errors import ConfigurationError, InvalidValueError
from mosaic_sdk.release import TargetKind, select_deployment_target

COOLIFY_COMPOSE = """\
services:
  web:
    image: ghcr.io/acme/web:v1
    environment:
      - SERVICE_FQDN_WEB_3000
    labels:
      - coolify.managed=true
"""
PORTAINER_COMPOSE = """\
services:
  web:
    image: ghcr.io/acme/web:v1
    labels:
      io.portainer.accesscontrol.teams: platform
"""
PLAIN_COMPOSE = "services:\n  web:\n    image: ghcr.io/acme/web:v1\n"
K8S = "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: web\n"
GHA_VERCEL = "jobs:\n  deploy:\n    steps:\n      - run: npx vercel deploy --prod\n"
GHA_COOLIFY = "jobs:\n  deploy:\n    steps:\n      - run: curl $COOLIFY_URL/api/v1/deploy\n"
GITLAB_PORTAINER = "deploy:\n  script:\n    - curl -X PUT $PORTAINER_URL/api/stacks/1\n"
WOODPECKER_K8S = "steps:\n  deploy:\n    commands:\n      - kubectl apply -f k8s/\n"

CASES: list[tuple[str, dict[str, str], str, str, str]] = [
    # (id, files, kind, method, source)
    (
        "prd-md-line",
        {"docs/PRD.md": "# PRD\n\n- **Deployment target:** Coolify (self-hosted)\n",
         "vercel.json": "{}"},
        "coolify", "explicit", "docs/PRD.md:3",
    ),
    (
        "prd-json-key",
        {"docs/PRD.json": '{"name": "web", "deploymentTarget": "vercel"}'},
        "vercel", "explicit", "docs/PRD.json (deploymentTarget)",
    ),
    (
        "prd-json-nested",
        {"docs/PRD.json": '{"deployment": {"target": "Portainer"}}'},
        "portainer", "explicit", "docs/PRD.json (deployment.target)",
    ),
    (
        "deployment-md-section",
        {"docs/DEPLOYMENT.md": "# Deployment\n\nRuns on a VM.\n\n## Deployment target\n\n"
                               "We ship with docker compose behind Caddy.\n"},
        "compose", "explicit", "docs/DEPLOYMENT.md:7",
    ),
    (
        "explicit-beats-inferred",
        {"docs/DEPLOYMENT.md": "Deploy target = k8s\n", "compose.yaml": COOLIFY_COMPOSE},
        "kubernetes", "explicit", "docs/DEPLOYMENT.md:1",
    ),
    (
        "agreeing-declarations",
        {"docs/PRD.md": "Deployment target: vercel\n",
         "docs/DEPLOYMENT.md": "Deployment target: Vercel\n"},
        "vercel", "explicit", "docs/PRD.md:1",
    ),
    ("vercel-json", {"vercel.json": "{}", "src/app.ts": ""}, "vercel", "inferred", "vercel.json"),
    ("dot-vercel", {".vercel/project.json": "{}"}, "vercel", "inferred", ".vercel/"),
    (
        "coolify-compose-markers",
        {"docker-compose.yml": COOLIFY_COMPOSE},
        "coolify", "inferred", "docker-compose.yml",
    ),
    (
        "coolify-env-file",
        {".env.example": "PORT=3000\nCOOLIFY_URL=https://coolify.example\n",
         "compose.yaml": PLAIN_COMPOSE},
        "coolify", "inferred", ".env.example",
    ),
    (
        "portainer-labels",
        {"deploy/compose.yaml": PORTAINER_COMPOSE},
        "portainer", "inferred", "deploy/compose.yaml",
    ),
    (
        "plain-compose-only",
        {"compose.yaml": PLAIN_COMPOSE},
        "compose", "inferred", "compose.yaml",
    ),
    ("kustomize-only", {"k8s/kustomization.yaml": "resources: []\n"}, "kubernetes", "inferred",
     "k8s/kustomization.yaml"),
    (
        "ci-breaks-platform-tie",
        {"vercel.json": "{}", "compose.yaml": COOLIFY_COMPOSE,
         ".github/workflows/deploy.yml": GHA_COOLIFY},
        "coolify", "ci", ".github/workflows/deploy.yml:4",
    ),
    (
        "gitlab-breaks-tie",
        {"compose.yaml": PORTAINER_COMPOSE, ".env": "COOLIFY_TOKEN=x\n",
         ".gitlab-ci.yml": GITLAB_PORTAINER},
        "portainer", "ci", ".gitlab-ci.yml:3",
    ),
    (
        "woodpecker-breaks-generic-tie",
        {"compose.yaml": PLAIN_COMPOSE, "k8s/web.yaml": K8S,
         ".woodpecker/deploy.yml": WOODPECKER_K8S},
        "kubernetes", "ci", ".woodpecker/deploy.yml:4",
    ),
]  # fmt: skip

ERRORS: list[tuple[str, dict[str, str], list[str]]] = [
    ("nothing", {"README.md": "hi"}, ["no deployment target found", "Deployment target: coolify"]),
    (
        "ambiguous-no-ci",
        {"vercel.json": "{}", "compose.yaml": COOLIFY_COMPOSE},
        ["cannot choose", "coolify (compose.yaml:", "vercel (vercel.json", "no CI pipeline"],
    ),
    (
        "ambiguous-both-in-ci",
        {"vercel.json": "{}", "compose.yaml": COOLIFY_COMPOSE,
         ".github/workflows/a.yml": GHA_COOLIFY, ".github/workflows/b.yml": GHA_VERCEL},
        ["CI deploys to several", "wired in CI: .github/workflows/a.yml:4"],
    ),
    (
        "unknown-explicit",
        {"docs/PRD.md": "Deployment target: Heroku\n"},
        ["docs/PRD.md:1", "'Heroku'", "not one of coolify, portainer"],
    ),
    (
        "disagreeing-docs",
        {"docs/PRD.md": "Deployment target: vercel\n",
         "docs/DEPLOYMENT.md": "Deployment target: coolify\n"},
        ["disagree", "docs/PRD.md:1 says vercel", "docs/DEPLOYMENT.md:1 says coolify"],
    ),
    (
        "section-with-two-names",
        {"docs/DEPLOYMENT.md":
             "## Deployment target\n\nVercel for the site, Coolify for the API.\n"},
        ["names several targets", "coolify, vercel"],
    ),
    ("broken-json", {"docs/PRD.json": "{not json"}, ["docs/PRD.json is not valid JSON"]),
]  # fmt: skip


def make_repo(root: Path, files: dict[str, str]) -> Path:
    for rel, text in files.items():
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
    return root


@pytest.mark.parametrize(
    ("files", "kind", "method", "source"),
    [pytest.param(*case[1:], id=case[0]) for case in CASES],
)
def test_selection(
    tmp_path: Path, files: dict[str, str], kind: str, method: str, source: str
) -> None:
    selection = select_deployment_target(make_repo(tmp_path, files))
    assert (selection.kind.value, selection.method, selection.source) == (kind, method, source)
    assert selection.rationale
    assert kind in str(selection)


@pytest.mark.parametrize(
    ("files", "fragments"), [pytest.param(*case[1:], id=case[0]) for case in ERRORS]
)
def test_selection_errors(tmp_path: Path, files: dict[str, str], fragments: list[str]) -> None:
    with pytest.raises(ConfigurationError) as caught:
        select_deployment_target(make_repo(tmp_path, files))
    for fragment in fragments:
        assert fragment in str(caught.value)


def test_candidates_carry_their_evidence(tmp_path: Path) -> None:
    files = {
        "vercel.json": "{}",
        "compose.yaml": COOLIFY_COMPOSE,
        ".github/workflows/deploy.yml": GHA_COOLIFY,
    }
    selection = select_deployment_target(make_repo(tmp_path, files))
    by_kind = {c.kind: c for c in selection.candidates}
    assert set(by_kind) == {TargetKind.COOLIFY, TargetKind.COMPOSE, TargetKind.VERCEL}
    assert by_kind[TargetKind.COOLIFY].evidence[0].startswith("compose.yaml:5: SERVICE_FQDN_WEB")
    assert by_kind[TargetKind.COOLIFY].ci == (".github/workflows/deploy.yml:4",)
    assert not by_kind[TargetKind.COMPOSE].platform
    assert "CI deploys to coolify" in selection.rationale
    assert "**Deployment target: coolify**" in selection._repr_markdown_()


def test_vendored_and_deep_files_are_ignored(tmp_path: Path) -> None:
    files = {
        "node_modules/pkg/vercel.json": "{}",
        "node_modules/pkg/compose.yaml": COOLIFY_COMPOSE,
        "a/b/c/d/compose.yaml": COOLIFY_COMPOSE,
        "compose.yaml": PLAIN_COMPOSE,
    }
    selection = select_deployment_target(make_repo(tmp_path, files))
    assert selection.kind is TargetKind.COMPOSE


def test_code_blocks_in_docs_are_not_declarations(tmp_path: Path) -> None:
    files = {
        "docs/DEPLOYMENT.md": "Example:\n\n```\nDeployment target: vercel\n```\n",
        "compose.yaml": PORTAINER_COMPOSE,
    }
    selection = select_deployment_target(make_repo(tmp_path, files))
    assert (selection.kind, selection.method) == (TargetKind.PORTAINER, "inferred")


def test_repo_dir_must_be_a_directory(tmp_path: Path) -> None:
    with pytest.raises(InvalidValueError, match="not a directory"):
        select_deployment_target(tmp_path / "nope")
