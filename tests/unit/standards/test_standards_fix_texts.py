"""Fix texts are usable as written, and K8S004 knows Kubernetes' defaults (issue #14)."""

from __future__ import annotations

import pytest

from mosaic_sdk.standards import FileKind, Severity, lint_text


def test_cp006_fix_names_the_variable_reference_ungarbled() -> None:
    text = (
        "services:\n  web:\n    image: nginx:1.25\n    environment:\n"
        "      JWT_SECRET: hunter2-but-longer-9c1e\n"
    )
    [finding] = [f for f in lint_text(text, FileKind.COMPOSE, "c").findings if f.rule_id == "CP006"]
    assert "JWT_SECRET: ${JWT_SECRET}" in finding.fix
    assert "***}" not in finding.fix


def _pod(resources: str) -> str:
    return (
        "apiVersion: v1\nkind: Pod\nmetadata: {name: p}\nspec:\n  containers:\n"
        "    - name: c\n      image: nginx@sha256:" + "a" * 64 + "\n"
        "      resources:\n" + resources
    )


def test_k8s004_limits_only_is_a_note_that_requests_default_to_limits() -> None:
    report = lint_text(
        _pod("        limits: {memory: 64Mi, cpu: 100m}\n"), FileKind.KUBERNETES, "p"
    )
    [finding] = [f for f in report.findings if f.rule_id == "K8S004"]
    assert finding.severity is Severity.INFO
    assert "default" in finding.message
    assert "limits" in finding.message
    assert not [
        f for f in report.findings if f.severity is Severity.ERROR and f.rule_id == "K8S004"
    ]


def test_k8s004_without_limits_or_requests_still_fails() -> None:
    report = lint_text(_pod("        {}\n"), FileKind.KUBERNETES, "p")
    [finding] = [f for f in report.findings if f.rule_id == "K8S004"]
    assert finding.severity is Severity.ERROR


def test_k8s004_partial_limits_defaults_only_what_is_limited() -> None:
    # memory limited, cpu not: the cpu request has no default to fall back on.
    report = lint_text(_pod("        limits: {memory: 64Mi}\n"), FileKind.KUBERNETES, "p")
    by_severity = {f.severity: f.message for f in report.findings if f.rule_id == "K8S004"}
    assert "cpu" in by_severity[Severity.ERROR]
    assert "memory" not in by_severity[Severity.ERROR]
    assert "memory" in by_severity[Severity.INFO]


def _fixes(base: str, rule_id: str) -> list[str]:
    report = lint_text(f'FROM {base}\nCMD ["app"]\n', FileKind.DOCKERFILE, "D")
    return [f.fix for f in report.findings if f.rule_id == rule_id]


@pytest.mark.parametrize(
    ("base", "expected"),
    [("node:lts", "FROM node:<version>@sha256:"), ("node", "FROM node:<version>@sha256:"),
     ("gcr.io/distroless/static-debian12", "FROM gcr.io/distroless/static-debian12:nonroot@"),
     ("gcr.io/distroless/base-debian12:latest", "FROM gcr.io/distroless/base-debian12:nonroot@")],
)  # fmt: skip
def test_df001_fix_names_the_same_image_family(base: str, expected: str) -> None:
    [fix] = _fixes(base, "DF001")
    assert expected in fix
    assert "python" not in fix


@pytest.mark.parametrize(
    ("base", "expected"),
    [("node:latest", "node:<version>-alpine"), ("python:latest", "python:<version>-slim"),
     ("node:20", "node:20-alpine"), ("python:3.12", "python:3.12-slim"),
     ("golang:1.22", "gcr.io/distroless/static-debian12:nonroot"),
     ("rust:1.77", "gcr.io/distroless/cc-debian12:nonroot"),
     ("eclipse-temurin:21-jdk", "eclipse-temurin:21-jre"),
     ("maven:3.9-eclipse-temurin-21", "gcr.io/distroless/java21-debian12:nonroot"),
     ("ubuntu:22.04", "gcr.io/distroless/base-debian12:nonroot")],
)  # fmt: skip
def test_df009_suggests_a_pinned_image_of_the_same_family(base: str, expected: str) -> None:
    [fix] = _fixes(base, "DF009")
    assert expected in fix
    assert "latest" not in fix
    # Every distroless image named carries its own pinned tag, never an implied latest.
    for word in fix.replace(",", " ").split():
        if word.startswith("gcr.io/distroless/"):
            assert word.endswith(":nonroot"), fix


@pytest.mark.parametrize(
    ("base", "expected", "absent"),
    [("node:20", "USER node", "useradd"),
     ("gcr.io/distroless/static-debian12:debug", "gcr.io/distroless/static-debian12:nonroot",
      "useradd"),
     ("alpine:3.19", "adduser -D", "useradd"),
     ("debian:12", "useradd", "adduser -D")],
)  # fmt: skip
def test_df004_fix_works_in_the_base_image(base: str, expected: str, absent: str) -> None:
    [fix] = _fixes(base, "DF004")
    assert expected in fix
    assert absent not in fix


@pytest.mark.parametrize("base", ["node:lts", "python:latest", "gcr.io/distroless/static-debian12"])
def test_compose_and_kubernetes_unpinned_fixes_name_the_same_image(base: str) -> None:
    compose = f"services:\n  web:\n    image: {base}\n"
    [fix] = [
        f.fix for f in lint_text(compose, FileKind.COMPOSE, "c").findings if f.rule_id == "CP001"
    ]
    assert base.partition(":")[0] + ":" in fix
    assert "latest" not in fix


@pytest.mark.parametrize(
    "base", ["debian:bookworm-slim", "buildpack-deps:bookworm", "debian:trixie", "ubuntu:noble"]
)
def test_a_distribution_codename_is_a_version_not_a_floating_alias(base: str) -> None:
    # Precision corpus (docker-library/python): `bookworm` names Debian 12 as `3.23` names
    # Alpine 3.23; it is pinned by tag only (DF002), not unpinned (DF001).
    report = lint_text(f'FROM {base}\nUSER app\nCMD ["app"]\n', FileKind.DOCKERFILE, "D")
    assert "DF001" not in report.rule_ids
    assert "DF002" in report.rule_ids


def test_df009_keeps_a_codename_as_the_version() -> None:
    assert _fixes("debian:bookworm", "DF009") == ["use debian:bookworm-slim"]
