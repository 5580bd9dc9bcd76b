"""Compose file checks (rules CP000-CP006)."""

from __future__ import annotations

import os
from collections.abc import Iterator, Mapping
from typing import Any

from mosaic_sdk.standards._dockerfile_parser import expand_variables
from mosaic_sdk.standards._images import image_finding
from mosaic_sdk.standards._model import Finding, LintReport
from mosaic_sdk.standards._rules import RULES
from mosaic_sdk.standards._secrets import is_hardcoded_secret
from mosaic_sdk.standards._yaml import as_mapping, item_line, key_line, load_documents

__all__ = ["lint_compose"]


def lint_compose(text: str, path: str | os.PathLike[str] = "compose.yaml") -> LintReport:
    """Check one compose file against rules CP000-CP006.

    Every service needs memory and CPU limits and reservations
    (``deploy.resources`` or the legacy ``mem_limit``/``cpus``/``mem_reservation``),
    a healthcheck, a pinned image (unless it is built here) and no literal secrets in
    ``environment``. ``${VAR:-default}`` in an image is resolved to its default; an
    image that depends on a variable without a default is not judged.

    Args:
        text: the compose file content.
        path: the file name reported in findings.

    Returns:
        A :class:`LintReport` with the findings for ``path``.
    """
    file = os.fspath(path)
    documents, error = load_documents(text)
    findings: list[Finding] = []
    if error is not None:
        findings.append(RULES["CP000"].finding(file, error.line, error.message))
    for document in documents[:1]:
        root = as_mapping(document.data)
        services = as_mapping(root.get("services")) if root is not None else None
        if services is None:
            findings.append(
                RULES["CP000"].finding(
                    file,
                    document.line,
                    "the file has no 'services' mapping, so it is not a compose file",
                    "add a top-level 'services:' mapping, or lint the file as another kind",
                )
            )
            continue
        for name, service in services.items():
            line = key_line(services, name)
            spec = as_mapping(service)
            if spec is None:
                findings.append(
                    RULES["CP000"].finding(
                        file, line, f"service {name!r} is not a mapping", "define it as a mapping"
                    )
                )
                continue
            findings.extend(_check_service(str(name), spec, line, file))
    return LintReport(findings=findings, files_checked=(file,))


def _get(mapping: Mapping[Any, Any] | None, *keys: str) -> Any:
    node: Any = mapping
    for key in keys:
        node = as_mapping(node)
        if node is None:
            return None
        node = node.get(key)
    return node


def _present(value: object) -> bool:
    return value is not None and value != ""


def _check_service(
    name: str, service: Mapping[Any, Any], line: int, file: str
) -> Iterator[Finding]:
    where = f"service {name!r}"
    image = service.get("image")
    if isinstance(image, str) and "build" not in service:
        resolved, unresolved = expand_variables(image, {})
        finding = image_finding(
            image if unresolved else resolved,
            file,
            key_line(service, "image", line),
            where,
            unpinned=RULES["CP001"],
            mutable=RULES["CP002"],
        )
        if finding is not None:
            yield finding

    resources = _get(service, "deploy", "resources")
    resources_line = key_line(as_mapping(service.get("deploy")), "resources", line)
    missing_limits = [
        label
        for label, deploy_key, legacy_key in (
            ("memory", "memory", "mem_limit"),
            ("cpus", "cpus", "cpus"),
        )
        if not _present(_get(resources, "limits", deploy_key))
        and not _present(service.get(legacy_key))
    ]
    if missing_limits:
        yield RULES["CP003"].finding(
            file,
            resources_line if resources is not None else line,
            f"{where} has no {' or '.join(missing_limits)} limit",
            "set " + " and ".join(f"deploy.resources.limits.{m}" for m in missing_limits),
        )
    missing_reservations = [
        label
        for label, legacy_key in (("memory", "mem_reservation"), ("cpus", None))
        if not _present(_get(resources, "reservations", label))
        and not (legacy_key and _present(service.get(legacy_key)))
    ]
    if missing_reservations:
        yield RULES["CP004"].finding(
            file,
            resources_line if resources is not None else line,
            f"{where} reserves no {' or '.join(missing_reservations)}",
            "set "
            + " and ".join(f"deploy.resources.reservations.{m}" for m in missing_reservations),
        )

    healthcheck = as_mapping(service.get("healthcheck"))
    if healthcheck is None:
        yield RULES["CP005"].finding(file, line, f"{where} has no healthcheck")
    else:
        test = healthcheck.get("test")
        disabled = (
            healthcheck.get("disable") is True
            or test == "NONE"
            or (isinstance(test, list) and test[:1] == ["NONE"])
        )
        if disabled:
            yield RULES["CP005"].finding(
                file,
                key_line(service, "healthcheck", line),
                f"{where} disables its healthcheck",
                "remove 'disable: true' / 'NONE' and give the service a real health test",
            )

    yield from _check_environment(where, service.get("environment"), line, file)


def _check_environment(where: str, environment: object, line: int, file: str) -> Iterator[Finding]:
    pairs: list[tuple[str, object, int]] = []
    if isinstance(environment, Mapping):
        pairs = [(str(k), v, key_line(environment, k, line)) for k, v in environment.items()]
    elif isinstance(environment, list):
        for index, item in enumerate(environment):
            if isinstance(item, str) and "=" in item:
                name, _, text = item.partition("=")
                pairs.append((name, text, item_line(environment, index, line)))
    for key, value, value_line in pairs:
        if is_hardcoded_secret(key, value):
            yield RULES["CP006"].finding(
                file,
                value_line,
                f"{where} sets {key} to a literal secret value",
                f"reference it instead: {key}: ${{{key}}} (from an untracked .env) "
                "or use compose secrets",
            )
