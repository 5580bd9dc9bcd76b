"""Fix texts are usable as written, and K8S004 knows Kubernetes' defaults (issue #14)."""

from __future__ import annotations

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
