"""Pipeline details beyond the per-rule table: the three CI systems' quirks."""

from __future__ import annotations

import pytest

from mosaic_sdk.errors import InvalidValueError
from mosaic_sdk.standards import FileKind, lint_pipeline
from mosaic_sdk.standards._pipeline import analyse_pipeline, stages_of
from tests._support.standards_cases import CLEAN_GITHUB, CLEAN_GITLAB, D1, SHA, t


def rule_lines(text: str, path: str, rule_id: str, **kwargs: object) -> list[int]:
    report = lint_pipeline(text, path, **kwargs)  # type: ignore[arg-type]
    return [f.line for f in report.findings if f.rule_id == rule_id]


@pytest.mark.parametrize(
    ("command", "stage"),
    [
        ("ruff check .", "lint"),
        ("npx eslint src", "lint"),
        ("flake8", "lint"),
        ("pytest -q", "test"),
        ("npm test", "test"),
        ("npm run test -- --ci", "test"),
        ("go test ./...", "test"),
        ("docker build -t app .", "build"),
        ("docker buildx build --push .", "build"),
        ("/kaniko/executor --context .", "build"),
        ("trivy image app", "scan"),
        ("grype app:sha-1234567", "scan"),
        ("snyk test", "scan"),
        ("github/codeql-action/analyze@" + SHA, "scan"),
        ("kubectl apply -f k8s/", "deploy"),
        ("helm upgrade --install app chart/", "deploy"),
        ("coolify deploy", "deploy"),
        ("curl -X POST https://portainer.example.com/api/stacks", "deploy"),
        ("vercel --prod", "deploy"),
        ("./scripts/deploy.sh", "deploy"),
    ],
)
def test_commands_map_to_stages(command: str, stage: str) -> None:
    assert stage in stages_of([], [command])


@pytest.mark.parametrize(
    ("name", "stage"),
    [
        ("lint", "lint"),
        ("unit-tests", "test"),
        ("build_image", "build"),
        ("sast", "scan"),
        ("deploy-prod", "deploy"),
    ],
)
def test_names_map_to_stages(name: str, stage: str) -> None:
    assert stages_of([name], []) == {stage}


def test_installing_a_tool_is_not_running_it() -> None:
    assert stages_of([], ["pip install ruff pytest trivy\napt-get install -y helm"]) == set()


def test_github_manual_only_workflow_counts_as_a_gate() -> None:
    text = t(
        """
        on:
          workflow_dispatch: {}
        jobs:
          deploy:
            runs-on: ubuntu-24.04
            steps:
              - run: kubectl apply -f k8s/
        """
    )

    assert rule_lines(text, ".github/workflows/release.yml", "CI010") == []


def test_github_gate_in_a_needed_job_covers_the_deploy() -> None:
    text = t(
        """
        on: push
        jobs:
          approve:
            runs-on: ubuntu-24.04
            environment: production
            steps:
              - run: echo approved
          release:
            needs: approve
            runs-on: ubuntu-24.04
            steps:
              - run: helm upgrade app chart/
        """
    )

    report = lint_pipeline(text, ".github/workflows/cd.yml")

    assert "CI010" not in report.rule_ids


def test_github_manual_approval_action_is_a_gate() -> None:
    text = t(
        f"""
        on: push
        jobs:
          deploy:
            runs-on: ubuntu-24.04
            steps:
              - uses: trstringer/manual-approval@{SHA}
              - run: kubectl apply -f k8s/
        """
    )

    assert rule_lines(text, ".github/workflows/cd.yml", "CI010") == []


def test_github_non_production_deploy_needs_no_gate() -> None:
    text = t(
        """
        on: push
        jobs:
          deploy-preview:
            runs-on: ubuntu-24.04
            steps:
              - run: vercel deploy
        """
    )

    assert rule_lines(text, ".github/workflows/preview.yml", "CI010") == []


def test_github_reusable_workflow_and_secrets_block() -> None:
    text = t(
        """
        on: push
        jobs:
          call:
            uses: org/shared/.github/workflows/build.yml@main
            secrets:
              registry: hunter2
              token: ${{ secrets.TOKEN }}
          local:
            uses: ./.github/workflows/local.yml
            secrets: inherit
        """
    )

    report = lint_pipeline(text, ".github/workflows/ci.yml")

    assert [(f.rule_id, f.line) for f in report.findings if f.rule_id in ("CI006", "CI009")] == [
        ("CI006", 4),
        ("CI009", 6),
    ]


def test_github_short_sha_is_not_a_pin() -> None:
    text = "on: push\njobs:\n  a:\n    steps:\n      - uses: actions/checkout@8e5e7e5\n"

    assert rule_lines(text, ".github/workflows/ci.yml", "CI006") == [5]


def test_gitlab_extends_and_reference_are_followed() -> None:
    text = t(
        """
        .deploy:
          environment: production
          when: manual
        .scripts:
          release:
            - kubectl apply -f k8s/
        deploy:
          extends: .deploy
          script:
            - !reference [.scripts, release]
        """
    )

    summary = analyse_pipeline(text, ".gitlab-ci.yml")

    assert "deploy" in summary.stages
    assert "CI010" not in {f.rule_id for f in summary.findings}


def test_gitlab_rules_with_an_automatic_branch_are_not_a_gate() -> None:
    text = t(
        """
        deploy_prod:
          environment: production
          rules:
            - if: $CI_COMMIT_TAG
              when: manual
            - if: $CI_COMMIT_BRANCH == "main"
          script: [mosaic promote --to prod]
        """
    )

    assert rule_lines(text, ".gitlab-ci.yml", "CI010") == [1]


def test_gitlab_stop_jobs_are_not_deployments() -> None:
    text = t(
        """
        stop_production:
          environment:
            name: production
            action: stop
          script: [kubectl delete -f k8s/]
        """
    )

    assert rule_lines(text, ".gitlab-ci.yml", "CI010") == []


def test_gitlab_security_templates_count_as_scan() -> None:
    text = "include:\n  - template: Security/SAST.gitlab-ci.yml\n"

    assert "scan" in analyse_pipeline(text, ".gitlab-ci.yml").stages


def test_gitlab_images_in_services_and_default() -> None:
    text = t(
        """
        default:
          image: python
          services:
            - name: postgres:16
        build:
          services: [docker:dind]
          script: [docker build .]
        """
    )

    report = lint_pipeline(text, ".gitlab-ci.yml")

    found = sorted((f.rule_id, f.line) for f in report.findings if f.rule_id in ("CI007", "CI008"))
    assert found == [("CI007", 2), ("CI007", 6), ("CI008", 4)]


def test_gitlab_variables_with_value_mapping() -> None:
    text = 'variables:\n  DEPLOY_TOKEN:\n    value: "abc123"\n    description: x\n'

    assert rule_lines(text, ".gitlab-ci.yml", "CI009") == [2]


def test_woodpecker_legacy_pipeline_mapping_and_services() -> None:
    text = t(
        f"""
        pipeline:
          deploy:
            image: alpine:3.20@{D1}
            commands: [kubectl apply -f k8s/]
            when:
              event: promote
        services:
          db:
            image: postgres
        """
    )

    report = lint_pipeline(text, ".woodpecker.yml")

    assert "CI010" not in report.rule_ids
    assert [f.line for f in report.findings if f.rule_id == "CI007"] == [9]


def test_woodpecker_when_alternatives_must_all_be_manual() -> None:
    text = t(
        """
        steps:
          - name: deploy
            image: alpine:3.20
            commands: [helm upgrade app chart]
            when:
              - event: deployment
              - event: push
                branch: main
        """
    )

    assert rule_lines(text, ".woodpecker/deploy.yml", "CI010") == [2]


def test_check_stages_false_leaves_stage_rules_out() -> None:
    report = lint_pipeline("on: push\njobs: {}\n", ".github/workflows/x.yml", check_stages=False)

    assert not {"CI001", "CI002", "CI003", "CI004", "CI005"} & set(report.rule_ids)


def test_kind_is_guessed_from_content_when_the_path_does_not_say() -> None:
    github = analyse_pipeline(CLEAN_GITHUB, "ci.yml")
    gitlab = analyse_pipeline(CLEAN_GITLAB, "pipeline.yml")
    woodpecker = analyse_pipeline("steps:\n  - name: a\n    image: x\n", "pipeline.yml")

    assert (github.kind, gitlab.kind, woodpecker.kind) == (
        FileKind.GITHUB_ACTIONS,
        FileKind.GITLAB_CI,
        FileKind.WOODPECKER,
    )


def test_a_non_pipeline_kind_is_refused() -> None:
    with pytest.raises(InvalidValueError, match="'compose'"):
        lint_pipeline("a: 1\n", "x.yml", kind=FileKind.COMPOSE)


def test_a_non_mapping_pipeline_is_a_syntax_finding() -> None:
    assert rule_lines("- a\n- b\n", ".gitlab-ci.yml", "CI000") == [1]


def test_secret_values_never_appear_in_findings() -> None:
    text = CLEAN_GITLAB.replace("$VAULT_REGISTRY_PASSWORD", "s3cr3t-value-123")

    report = lint_pipeline(text, ".gitlab-ci.yml")

    assert "CI009" in report.rule_ids
    assert "s3cr3t-value-123" not in report.to_text() + report.to_json() + report.to_sarif()
