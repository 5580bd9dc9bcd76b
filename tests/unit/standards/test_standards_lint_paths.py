"""lint_paths: file-kind detection, directory walking and cross-file stage coverage."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from mosaic_sdk.errors import InvalidValueError
from mosaic_sdk.standards import FileKind, detect_kind, lint_commit_message_file, lint_paths
from tests._support.standards_cases import (
    CLEAN_COMPOSE,
    CLEAN_DOCKERFILE,
    CLEAN_GITHUB,
    CLEAN_GITLAB,
    CLEAN_KUBERNETES,
    CLEAN_SCRATCHPAD,
    CLEAN_WOODPECKER,
)


@pytest.mark.parametrize(
    ("path", "text", "kind"),
    [
        ("Dockerfile", None, FileKind.DOCKERFILE),
        ("docker/Dockerfile.prod", None, FileKind.DOCKERFILE),
        ("Dockerfile-dev", None, FileKind.DOCKERFILE),
        ("api.dockerfile", None, FileKind.DOCKERFILE),
        ("Containerfile", None, FileKind.DOCKERFILE),
        ("Dockerfile.dockerignore", None, None),
        ("compose.yaml", None, FileKind.COMPOSE),
        ("compose.prod.yml", None, FileKind.COMPOSE),
        ("docker-compose.yml", None, FileKind.COMPOSE),
        ("docker-compose.override.yaml", None, FileKind.COMPOSE),
        (".github/workflows/ci.yml", None, FileKind.GITHUB_ACTIONS),
        ("repo/.github/workflows/cd.yaml", None, FileKind.GITHUB_ACTIONS),
        (".github/dependabot.yml", "version: 2\n", None),
        (".gitlab-ci.yml", None, FileKind.GITLAB_CI),
        (".woodpecker.yml", None, FileKind.WOODPECKER),
        (".woodpecker/deploy.yaml", None, FileKind.WOODPECKER),
        ("k8s/app.yaml", "apiVersion: v1\nkind: Service\n", FileKind.KUBERNETES),
        ("k8s/app.yaml", None, None),
        ("chart/templates/d.yaml", "apiVersion: v1\nkind: Pod\nname: {{ .Name }}\n", None),
        ("config.yaml", "key: value\n", None),
        (
            "alerts.yml",
            "groups:\n  - name: g\n    rules:\n      - alert: A\n",
            FileKind.PROMETHEUS_RULES,
        ),
        (
            "rules/slo.yaml",
            "groups:\n- name: g\n  rules:\n  - record: a:b\n",
            FileKind.PROMETHEUS_RULES,
        ),
        (
            "rules/a.yml",
            "groups:\n- name: g\n  rules:\n  - alert: A\n    annotations: {s: '{{ $value }}'}\n",
            FileKind.PROMETHEUS_RULES,
        ),
        (
            "chart/templates/r.yaml",
            "groups:\n- name: {{ .Values.n }}\n  rules:\n  - alert: A\n",
            None,
        ),
        ("groups.yaml", "groups:\n  - admins\n", None),
        ("compose.yaml", "groups:\n- rules:\n  - alert: A\n", FileKind.COMPOSE),
        ("docs/scratchpads/7-lint.md", None, FileKind.SCRATCHPAD),
        ("docs/guide.md", None, None),
        ("README.md", None, None),
    ],
)
def test_detect_kind(path: str, text: str | None, kind: FileKind | None) -> None:
    assert detect_kind(path, text) is kind


def write(root: Path, files: dict[str, str]) -> None:
    for name, text in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")


def test_a_clean_repository_has_no_findings_but_the_github_reminder(tmp_path: Path) -> None:
    write(
        tmp_path,
        {
            "Dockerfile": CLEAN_DOCKERFILE,
            "compose.yaml": CLEAN_COMPOSE,
            "deploy/k8s/app.yaml": CLEAN_KUBERNETES,
            ".github/workflows/ci.yml": CLEAN_GITHUB,
            ".gitlab-ci.yml": CLEAN_GITLAB,
            ".woodpecker.yml": CLEAN_WOODPECKER,
            "docs/scratchpads/7-lint-rules.md": CLEAN_SCRATCHPAD,
            "docs/scratchpads/README.md": "# Scratchpads\n",
            "README.md": "# Project\n",
            "config/settings.yaml": "debug: false\n",
        },
    )

    report = lint_paths([tmp_path], root=tmp_path)

    assert report.files_checked == (
        ".github/workflows/ci.yml",
        ".gitlab-ci.yml",
        ".woodpecker.yml",
        "Dockerfile",
        "compose.yaml",
        "deploy/k8s/app.yaml",
        "docs/scratchpads/7-lint-rules.md",
        "docs/scratchpads/README.md",
    )
    assert report.rule_ids == ("CI011",)
    assert report.ok


def test_a_bad_repository_reports_every_file(tmp_path: Path) -> None:
    write(
        tmp_path,
        {
            "services/api/Dockerfile": (
                "FROM python:latest\nCOPY . .\nRUN pip install -r requirements.txt\n"
                "CMD python app.py\n"
            ),
            "docker-compose.yml": "services:\n  web:\n    image: nginx\n",
            "k8s/pod.yaml": (
                "apiVersion: v1\nkind: Pod\nmetadata: {name: p}\nspec:\n  containers:\n"
                "    - name: c\n      image: nginx:latest\n"
            ),
        },
    )

    report = lint_paths(tmp_path, root=tmp_path)

    by_file = {(f.file, f.rule_id, f.line) for f in report.findings}
    assert {
        ("services/api/Dockerfile", "DF001", 1),
        ("services/api/Dockerfile", "DF004", 4),
        ("services/api/Dockerfile", "DF005", 4),
        ("services/api/Dockerfile", "DF006", 2),
        ("docker-compose.yml", "CP001", 3),
        ("docker-compose.yml", "CP003", 2),
        ("k8s/pod.yaml", "K8S001", 7),
        ("k8s/pod.yaml", "K8S005", 6),
    } <= by_file
    assert not report.ok
    assert report.error_count == sum(1 for f in report.findings if f.severity.value == "error")


def test_workflows_in_one_directory_are_judged_together(tmp_path: Path) -> None:
    ci = (
        "on: push\njobs:\n  lint:\n    steps:\n      - run: ruff check .\n"
        "  test:\n    steps:\n      - run: pytest\n"
    )
    cd = (
        "on: push\njobs:\n  build:\n    steps:\n      - run: docker build .\n"
        "  scan:\n    steps:\n      - run: trivy image app\n"
    )
    write(tmp_path, {".github/workflows/ci.yml": ci, ".github/workflows/cd.yml": cd})

    report = lint_paths(tmp_path, root=tmp_path)

    stage_findings = [
        f for f in report.findings if f.rule_id in ("CI001", "CI002", "CI003", "CI004", "CI005")
    ]
    assert [(f.rule_id, f.file) for f in stage_findings] == [("CI005", ".github/workflows/cd.yml")]
    assert "none of the 2 pipeline files" in stage_findings[0].message


def test_woodpecker_directory_is_judged_together(tmp_path: Path) -> None:
    write(
        tmp_path,
        {
            ".woodpecker/test.yml": "steps:\n  - name: lint\n    image: x:1.0@sha256:"
            + "a" * 64
            + "\n    commands: [ruff check ., pytest]\n",
            ".woodpecker/release.yml": "steps:\n  - name: build\n"
            + "    image: plugins/docker:20@sha256:"
            + "b" * 64
            + "\n",
        },
    )

    report = lint_paths(tmp_path, root=tmp_path)

    assert {f.rule_id for f in report.findings} == {"CI004", "CI005"}
    assert {f.file for f in report.findings} == {".woodpecker/release.yml"}


def test_skipped_directories(tmp_path: Path) -> None:
    write(
        tmp_path,
        {
            "node_modules/pkg/Dockerfile": "FROM x\n",
            ".venv/lib/Dockerfile": "FROM x\n",
            ".git/Dockerfile": "FROM x\n",
            "app/Dockerfile": CLEAN_DOCKERFILE,
        },
    )

    assert lint_paths(tmp_path, root=tmp_path).files_checked == ("app/Dockerfile",)


def test_explicit_files_are_linted_even_in_skipped_places_and_only_once(tmp_path: Path) -> None:
    write(tmp_path, {"node_modules/Dockerfile": CLEAN_DOCKERFILE, "notes.txt": "x"})
    explicit = tmp_path / "node_modules" / "Dockerfile"

    report = lint_paths([explicit, explicit, tmp_path / "notes.txt"], root=tmp_path)

    assert report.files_checked == ("node_modules/Dockerfile",)


def test_paths_default_to_the_working_directory(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    write(tmp_path, {"Dockerfile": "FROM python\n"})
    monkeypatch.chdir(tmp_path)

    report = lint_paths(["."])

    assert report.files_checked == ("Dockerfile",)
    sarif = json.loads(report.to_sarif())
    uri = sarif["runs"][0]["results"][0]["locations"][0]["physicalLocation"]["artifactLocation"]
    assert uri == {"uri": "Dockerfile", "uriBaseId": "%SRCROOT%"}


def test_files_outside_the_root_are_absolute(tmp_path: Path) -> None:
    write(tmp_path, {"a/Dockerfile": CLEAN_DOCKERFILE})
    (tmp_path / "b").mkdir()

    report = lint_paths(tmp_path / "a", root=tmp_path / "b")

    assert report.files_checked == ((tmp_path / "a" / "Dockerfile").resolve().as_posix(),)


def test_missing_path_is_a_typed_error(tmp_path: Path) -> None:
    missing = tmp_path / "nope"

    with pytest.raises(InvalidValueError, match=r"nope.*does not exist"):
        lint_paths([missing])


def test_unreadable_file_is_a_typed_error(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    write(tmp_path, {"Dockerfile": "FROM x\n"})

    real_open = os.open

    def refuse(path: object, flags: int, *args: object, **kwargs: object) -> int:
        if str(path).endswith("Dockerfile"):
            raise PermissionError(13, "Permission denied", str(path))
        return real_open(path, flags, *args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(os, "open", refuse)

    with pytest.raises(InvalidValueError, match=r"Dockerfile.*cannot be read.*Permission denied"):
        lint_paths(tmp_path / "Dockerfile")


def test_commit_message_file(tmp_path: Path) -> None:
    message = tmp_path / "COMMIT_EDITMSG"
    message.write_text(
        "fix(#7): Handle heredocs\n\nRefs #7\n# Please enter the commit message\n", encoding="utf-8"
    )

    assert lint_commit_message_file(message).ok
    with pytest.raises(InvalidValueError, match="cannot be read"):
        lint_commit_message_file(tmp_path / "missing")
