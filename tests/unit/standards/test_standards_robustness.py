"""Odd but valid YAML never crashes a checker, and findings point inside the file."""

from __future__ import annotations

import yaml
from hypothesis import given, settings
from hypothesis import strategies as st

from mosaic_sdk.standards import FileKind, lint_text

KEYS = st.sampled_from(
    [
        "services",
        "image",
        "build",
        "deploy",
        "resources",
        "limits",
        "reservations",
        "requests",
        "memory",
        "cpus",
        "cpu",
        "healthcheck",
        "test",
        "disable",
        "environment",
        "env",
        "name",
        "value",
        "apiVersion",
        "kind",
        "metadata",
        "spec",
        "template",
        "containers",
        "initContainers",
        "jobTemplate",
        "items",
        "data",
        "restartPolicy",
        "livenessProbe",
        "on",
        "jobs",
        "steps",
        "uses",
        "run",
        "with",
        "secrets",
        "container",
        "needs",
        "stages",
        "stage",
        "script",
        "extends",
        "rules",
        "when",
        "variables",
        "include",
        "default",
        "pipeline",
        "commands",
        "settings",
        "event",
        "API_TOKEN",
        "password",
        "Deployment",
        "CronJob",
        "List",
        "Secret",
        "Pod",
    ]
)
SCALARS = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(-5, 5),
    KEYS,
    st.sampled_from(["nginx", "nginx:latest", "a@sha256:" + "0" * 64, "$X", "manual", "prod"]),
    st.text(max_size=8),
)
DOCUMENTS = st.recursive(
    SCALARS,
    lambda children: st.one_of(
        st.lists(children, max_size=4), st.dictionaries(KEYS, children, max_size=5)
    ),
    max_leaves=25,
)
YAML_KINDS = [
    (FileKind.COMPOSE, "compose.yaml"),
    (FileKind.KUBERNETES, "k8s.yaml"),
    (FileKind.GITHUB_ACTIONS, ".github/workflows/ci.yml"),
    (FileKind.GITLAB_CI, ".gitlab-ci.yml"),
    (FileKind.WOODPECKER, ".woodpecker.yml"),
    (FileKind.PROMETHEUS_RULES, "rules.yml"),
]


@settings(max_examples=60, deadline=None)
@given(st.lists(DOCUMENTS, min_size=1, max_size=3))
def test_random_yaml_is_handled_by_every_checker(documents: list[object]) -> None:
    text = yaml.safe_dump_all(documents, default_flow_style=False, sort_keys=False)
    last_line = text.count("\n") + 1

    for kind, path in YAML_KINDS:
        report = lint_text(text, kind, path)
        assert all(1 <= f.line <= last_line for f in report.findings), (kind, report.to_text())
        assert report.files_checked == (path,)
