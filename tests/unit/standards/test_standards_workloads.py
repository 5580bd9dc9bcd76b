"""Compose and Kubernetes details beyond the per-rule table."""

from __future__ import annotations

import pytest

from mosaic_sdk.standards import Pinning, classify_image, lint_compose, lint_kubernetes
from tests._support.standards_cases import D1, t


@pytest.mark.parametrize(
    ("image", "pinning"),
    [
        (f"nginx@{D1}", Pinning.DIGEST),
        (f"nginx:1.25@{D1}", Pinning.DIGEST),
        ("registry.example.com/team/app:sha-8e5e7e5", Pinning.IMMUTABLE_TAG),
        ("registry.example.com/team/app:v1.2.3", Pinning.IMMUTABLE_TAG),
        ("registry.example.com/team/app:v1.2.3-rc.2", Pinning.IMMUTABLE_TAG),
        ("postgres:16.2-alpine", Pinning.VERSION_TAG),
        ("registry.example.com/team/app:staging", Pinning.POINTER_TAG),
        ("registry.example.com/team/app:blue", Pinning.POINTER_TAG),
        ("nginx", Pinning.UNPINNED),
        ("nginx:latest", Pinning.UNPINNED),
        ("nginx:LATEST", Pinning.UNPINNED),
        ("app:dev", Pinning.UNPINNED),
        ("node:lts-alpine", Pinning.UNPINNED),
        ("nginx:stable", Pinning.UNPINNED),
        ("$REGISTRY/app:$TAG", Pinning.UNRESOLVED),
        ("$REGISTRY/app", Pinning.UNRESOLVED),
        ("$CI_REGISTRY_IMAGE/builder:latest", Pinning.UNPINNED),
        ("${REGISTRY}:5000/app:dev", Pinning.UNPINNED),
        ("app:${{ github.sha }}", Pinning.UNRESOLVED),
        ("Not An Image", Pinning.INVALID),
    ],
)
def test_classify_image(image: str, pinning: Pinning) -> None:
    pin = classify_image(image)

    assert pin.pinning is pinning
    assert pin.is_pinned is (pinning in (Pinning.DIGEST, Pinning.IMMUTABLE_TAG))
    assert bool(pin.reason) is not pin.is_pinned


def test_compose_variable_registry_with_latest_tag_is_unpinned() -> None:
    report = lint_compose("services:\n  web:\n    image: ${REGISTRY}/web:latest\n")

    assert [f.line for f in report.findings if f.rule_id == "CP001"] == [3]


def test_compose_merge_keys_are_followed() -> None:
    text = t(
        """
        x-defaults: &defaults
          deploy:
            resources:
              limits: {memory: 64M, cpus: "0.1"}
              reservations: {memory: 64M, cpus: "0.1"}
          healthcheck:
            test: ["CMD", "true"]
        services:
          web:
            <<: *defaults
            image: registry.example.com/web:v1.0.0
        """
    )

    assert lint_compose(text).findings == ()


def test_compose_only_the_first_document_counts() -> None:
    text = "services: {}\n---\nnot: compose\n"

    assert lint_compose(text).findings == ()


def test_compose_service_that_is_not_a_mapping() -> None:
    report = lint_compose("services:\n  web: nginx\n")

    assert [(f.rule_id, f.line) for f in report.findings] == [("CP000", 2)]


def test_compose_secret_values_stay_out_of_messages() -> None:
    text = "services:\n  web:\n    environment:\n      DB_PASSWORD: topsecretvalue\n"

    report = lint_compose(text)

    assert "CP006" in report.rule_ids
    assert "topsecretvalue" not in report.to_text()


@pytest.mark.parametrize("kind", ["Deployment", "StatefulSet", "DaemonSet", "ReplicaSet", "Job"])
def test_every_workload_kind_is_checked(kind: str) -> None:
    text = t(
        f"""
        apiVersion: apps/v1
        kind: {kind}
        metadata: {{name: w}}
        spec:
          template:
            spec:
              containers:
                - name: c
                  image: nginx
        """
    )

    report = lint_kubernetes(text)

    assert {"K8S001", "K8S003", "K8S004"} <= set(report.rule_ids)
    assert all(f.line == 9 for f in report.findings if f.rule_id == "K8S001")
    probes = {"K8S005", "K8S006"} & set(report.rule_ids)
    assert probes == (set() if kind == "Job" else {"K8S005", "K8S006"})
    assert all(f"{kind}/w container 'c'" in f.message for f in report.findings)


def test_pods_that_run_to_completion_need_no_probes() -> None:
    text = t(
        """
        apiVersion: v1
        kind: Pod
        metadata: {name: once}
        spec:
          restartPolicy: Never
          containers:
            - name: c
              image: nginx:1.25.3
        """
    )

    assert not {"K8S005", "K8S006"} & set(lint_kubernetes(text).rule_ids)


def test_native_sidecars_need_probes_but_plain_init_containers_do_not() -> None:
    text = t(
        """
        apiVersion: v1
        kind: Pod
        metadata: {name: p}
        spec:
          initContainers:
            - name: init
              image: busybox:1.36
            - name: proxy
              image: envoy:1.30
              restartPolicy: Always
          containers: []
        """
    )

    report = lint_kubernetes(text)

    assert sorted(f.line for f in report.findings if f.rule_id == "K8S005") == [8]


def test_list_kind_items_are_checked() -> None:
    text = t(
        """
        apiVersion: v1
        kind: List
        items:
          - apiVersion: v1
            kind: Pod
            metadata: {name: inner}
            spec:
              containers:
                - name: c
                  image: nginx
        """
    )

    report = lint_kubernetes(text)

    assert any(f.rule_id == "K8S001" and f.line == 10 for f in report.findings)


def test_documents_after_a_syntax_error_are_lost_but_earlier_ones_are_checked() -> None:
    text = (
        "apiVersion: v1\nkind: Pod\nmetadata: {name: a}\nspec:\n  containers:\n"
        "    - image: x\n---\n: [\n"
    )

    report = lint_kubernetes(text)

    assert "K8S000" in report.rule_ids
    assert "K8S001" in report.rule_ids


def test_non_workload_documents_are_ignored() -> None:
    text = "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: c}\ndata: {password: x}\n"

    assert lint_kubernetes(text).findings == ()
