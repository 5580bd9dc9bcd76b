"""Kubernetes manifest checks (rules K8S000-K8S007)."""

from __future__ import annotations

import os
from collections.abc import Iterator, Mapping
from typing import Any

from mosaic_sdk.standards._alerts import check_rule_groups
from mosaic_sdk.standards._images import image_finding
from mosaic_sdk.standards._model import Finding, LintReport, Severity
from mosaic_sdk.standards._rules import RULES
from mosaic_sdk.standards._secrets import is_hardcoded_secret
from mosaic_sdk.standards._yaml import as_mapping, item_line, key_line, load_documents

__all__ = ["WORKLOAD_POD_SPEC_PATHS", "lint_kubernetes"]

#: Where each workload kind keeps its pod spec.
WORKLOAD_POD_SPEC_PATHS: Mapping[str, tuple[str, ...]] = {
    "Pod": ("spec",),
    "Deployment": ("spec", "template", "spec"),
    "StatefulSet": ("spec", "template", "spec"),
    "DaemonSet": ("spec", "template", "spec"),
    "ReplicaSet": ("spec", "template", "spec"),
    "ReplicationController": ("spec", "template", "spec"),
    "Job": ("spec", "template", "spec"),
    "CronJob": ("spec", "jobTemplate", "spec", "template", "spec"),
    "PodTemplate": ("template", "spec"),
}
# Run-to-completion workloads: a liveness/readiness probe has no meaning there.
_BATCH_KINDS = frozenset({"Job", "CronJob"})


def lint_kubernetes(text: str, path: str | os.PathLike[str] = "manifest.yaml") -> LintReport:
    """Check a (multi-document) Kubernetes manifest against rules K8S000-K8S007.

    Every container and init container of a Pod, Deployment, StatefulSet, DaemonSet,
    ReplicaSet, Job or CronJob (also inside a ``kind: List``) needs memory and CPU
    requests and limits, a pinned image and no literal secrets in ``env``; long-running
    containers also need liveness and readiness probes. A ``Secret`` with values in
    the file is reported as a committed secret. A ``PrometheusRule`` (Prometheus
    Operator) is checked as a rule file (AL000-AL004).

    Args:
        text: the manifest content; documents are separated by ``---``.
        path: the file name reported in findings.

    Returns:
        A :class:`LintReport` with the findings for ``path``.
    """
    file = os.fspath(path)
    documents, error = load_documents(text)
    findings: list[Finding] = []
    if error is not None:
        findings.append(RULES["K8S000"].finding(file, error.line, error.message))
    for document in documents:
        findings.extend(_check_object(document.data, file))
    return LintReport(findings=findings, files_checked=(file,))


def _check_object(obj: object, file: str) -> Iterator[Finding]:
    manifest = as_mapping(obj)
    if manifest is None:
        return
    kind = manifest.get("kind")
    if kind == "List" or (isinstance(kind, str) and kind.endswith("List")):
        items = manifest.get("items")
        if isinstance(items, list):
            for item in items:
                yield from _check_object(item, file)
        return
    if kind == "Secret":
        yield from _check_secret(manifest, file)
        return
    if kind == "PrometheusRule":  # the Prometheus Operator's rule file (AL000-AL004)
        spec = as_mapping(manifest.get("spec"))
        if spec is not None and "groups" in spec:
            yield from check_rule_groups(spec["groups"], file, key_line(spec, "groups"))
        return
    spec_path = WORKLOAD_POD_SPEC_PATHS.get(kind) if isinstance(kind, str) else None
    if spec_path is None:
        return
    pod_spec: Any = manifest
    for key in spec_path:
        pod_spec = as_mapping(pod_spec)
        pod_spec = pod_spec.get(key) if pod_spec is not None else None
    pod_spec = as_mapping(pod_spec)
    if pod_spec is None:
        return
    name = _get(manifest, "metadata", "name") or "<unnamed>"
    restart_policy = pod_spec.get("restartPolicy")
    long_running = kind not in _BATCH_KINDS and restart_policy in (None, "Always")
    for field, needs_probes in (("initContainers", False), ("containers", long_running)):
        containers = pod_spec.get(field)
        if not isinstance(containers, list):
            continue
        for index, container in enumerate(containers):
            spec = as_mapping(container)
            if spec is None:
                continue
            label = "init container" if field == "initContainers" else "container"
            where = f"{kind}/{name} {label} {spec.get('name', index)!r}"
            line = item_line(containers, index)
            # A native sidecar (an init container with restartPolicy Always) keeps running.
            probes = needs_probes or (
                field == "initContainers" and spec.get("restartPolicy") == "Always"
            )
            yield from _check_container(spec, where, line, probes, file)


def _get(mapping: object, *keys: str) -> Any:
    node: Any = mapping
    for key in keys:
        node = as_mapping(node)
        if node is None:
            return None
        node = node.get(key)
    return node


def _present(value: object) -> bool:
    return value is not None and value != ""


def _check_container(
    container: Mapping[Any, Any], where: str, line: int, probes: bool, file: str
) -> Iterator[Finding]:
    image = container.get("image")
    if isinstance(image, str):
        finding = image_finding(
            image,
            file,
            key_line(container, "image", line),
            where,
            unpinned=RULES["K8S001"],
            mutable=RULES["K8S002"],
        )
        if finding is not None:
            yield finding
    elif image is None:
        yield RULES["K8S001"].finding(
            file, line, f"{where} has no image", "set 'image' to a pinned reference"
        )

    resources = as_mapping(container.get("resources"))
    resources_line = key_line(container, "resources", line) if resources is not None else line
    limited = [r for r in ("memory", "cpu") if _present(_get(resources, "limits", r))]
    for section, rule_id in (("limits", "K8S003"), ("requests", "K8S004")):
        missing = [r for r in ("memory", "cpu") if not _present(_get(resources, section, r))]
        if not missing:
            continue
        unset = [r for r in missing if section == "limits" or r not in limited]
        if unset:
            yield RULES[rule_id].finding(
                file,
                resources_line,
                f"{where} has no {' or '.join(unset)} {section}",
                "set " + " and ".join(f"resources.{section}.{r}" for r in unset),
            )
        defaulted = [r for r in missing if r not in unset]
        if defaulted:
            # Kubernetes copies a limit into a missing request: the container is
            # scheduled as Guaranteed-sized for it, which is allowed, just worth knowing.
            yield RULES[rule_id].finding(
                file,
                resources_line,
                f"{where} has no {' or '.join(defaulted)} requests, so Kubernetes "
                f"defaults them to its limits",
                "set "
                + " and ".join(f"resources.requests.{r}" for r in defaulted)
                + " below the limits if the container usually needs less",
                severity=Severity.INFO,
            )

    if probes:
        for probe, rule_id in (("livenessProbe", "K8S005"), ("readinessProbe", "K8S006")):
            if as_mapping(container.get(probe)) is None:
                yield RULES[rule_id].finding(file, line, f"{where} has no {probe}")

    env = container.get("env")
    if isinstance(env, list):
        for index, item in enumerate(env):
            variable = as_mapping(item)
            if variable is None:
                continue
            key = variable.get("name")
            if isinstance(key, str) and is_hardcoded_secret(key, variable.get("value")):
                yield RULES["K8S007"].finding(
                    file,
                    item_line(env, index, line),
                    f"{where} sets env {key} to a literal secret value",
                    f"use valueFrom.secretKeyRef for {key} instead of value",
                )


def _check_secret(manifest: Mapping[Any, Any], file: str) -> Iterator[Finding]:
    name = _get(manifest, "metadata", "name") or "<unnamed>"
    for field in ("data", "stringData"):
        values = as_mapping(manifest.get(field))
        if values and any(_present(v) for v in values.values()):
            yield RULES["K8S007"].finding(
                file,
                key_line(manifest, field),
                f"Secret/{name} holds its values in the file ({field}), so they are "
                "committed with it",
                "keep the values in Vault and sync them with External Secrets or "
                "Sealed Secrets; commit only the reference",
            )
