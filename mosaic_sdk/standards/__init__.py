"""Standards checks: Dockerfiles, compose files, Kubernetes manifests, Prometheus rule
files, CI pipelines, commit messages and scratchpads.

Every check has a stable rule id (``DF001``, ``CP003``, ``K8S005``, ``CI006``,
``AL001``, ``CM001``...) listed in :data:`RULES` and in ``docs/standards.md``. Each finding says
which rule fired, how serious it is, where (file and line), what is wrong and how to
fix it. A :class:`LintReport` renders as text, JSON or SARIF 2.1.0 (for GitHub code
scanning) and as a table in notebooks.

Examples:
    >>> from mosaic_sdk.standards import lint_dockerfile
    >>> report = lint_dockerfile("FROM python:3.12-slim\\nUSER 10001\\nCMD [\\"python\\"]\\n")
    >>> [f.rule_id for f in report.findings]
    ['DF002']
"""

from mosaic_sdk.standards._alerts import lint_alert_rules
from mosaic_sdk.standards._commit import check_commit_message
from mosaic_sdk.standards._compose import lint_compose
from mosaic_sdk.standards._dockerfile import DEPENDENCY_MANIFESTS, lint_dockerfile
from mosaic_sdk.standards._dockerfile_parser import (
    Dockerfile,
    Heredoc,
    Instruction,
    Stage,
    SyntaxProblem,
    parse_dockerfile,
)
from mosaic_sdk.standards._images import ImagePin, Pinning, classify_image
from mosaic_sdk.standards._kinds import FileKind, detect_kind
from mosaic_sdk.standards._kubernetes import lint_kubernetes
from mosaic_sdk.standards._lint import lint_commit_message_file, lint_paths, lint_text
from mosaic_sdk.standards._model import Finding, LintReport, Rule, Severity
from mosaic_sdk.standards._pipeline import STAGES, lint_pipeline
from mosaic_sdk.standards._rules import RULES, rule
from mosaic_sdk.standards._scratchpad import (
    SCRATCHPAD_SECTIONS,
    lint_scratchpad,
    new_scratchpad,
    render_scratchpad,
)

__all__ = [
    "check_commit_message",
    "classify_image",
    "DEPENDENCY_MANIFESTS",
    "detect_kind",
    "Dockerfile",
    "FileKind",
    "Finding",
    "Heredoc",
    "ImagePin",
    "Instruction",
    "lint_alert_rules",
    "lint_commit_message_file",
    "lint_compose",
    "lint_dockerfile",
    "lint_kubernetes",
    "lint_paths",
    "lint_pipeline",
    "lint_scratchpad",
    "lint_text",
    "LintReport",
    "new_scratchpad",
    "parse_dockerfile",
    "Pinning",
    "render_scratchpad",
    "Rule",
    "rule",
    "RULES",
    "SCRATCHPAD_SECTIONS",
    "Severity",
    "Stage",
    "STAGES",
    "SyntaxProblem",
]
