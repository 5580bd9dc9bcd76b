"""Which checks apply to a file, decided from its path (and, for YAML, its content)."""

from __future__ import annotations

import enum
import fnmatch
import os
import re
from pathlib import PurePath

from mosaic_sdk._render import TextRepr

__all__ = ["FileKind", "detect_kind"]


class FileKind(TextRepr, enum.Enum):
    """The kinds of file the standards checks understand."""

    DOCKERFILE = "dockerfile"
    """``Dockerfile``, ``Dockerfile.*``, ``*.dockerfile``, ``Containerfile``."""
    COMPOSE = "compose"
    """``compose*.y(a)ml``, ``docker-compose*.y(a)ml``."""
    KUBERNETES = "kubernetes"
    """Any other YAML file whose documents have ``apiVersion`` and ``kind``."""
    GITHUB_ACTIONS = "github-actions"
    """``.github/workflows/*.y(a)ml``."""
    GITLAB_CI = "gitlab-ci"
    """``.gitlab-ci.y(a)ml``."""
    WOODPECKER = "woodpecker"
    """``.woodpecker.y(a)ml`` and ``.woodpecker/*.y(a)ml``."""
    SCRATCHPAD = "scratchpad"
    """``docs/scratchpads/*.md``."""
    PROMETHEUS_RULES = "prometheus-rules"
    """Any other YAML file with a top-level ``groups`` list of ``alert``/``record`` rules."""

    @property
    def is_pipeline(self) -> bool:
        """True for the three CI pipeline kinds."""
        return self in (FileKind.GITHUB_ACTIONS, FileKind.GITLAB_CI, FileKind.WOODPECKER)


_YAML_SUFFIXES = (".yml", ".yaml")
_DOCKERFILE_PATTERNS = (
    "Dockerfile",
    "Dockerfile.*",
    "Dockerfile-*",
    "*.dockerfile",
    "*.Dockerfile",
)
_CONTAINERFILE_PATTERNS = ("Containerfile", "Containerfile.*")
_COMPOSE_PATTERNS = ("compose*.yml", "compose*.yaml", "docker-compose*.yml", "docker-compose*.yaml")
_API_VERSION = re.compile(r"^apiVersion\s*:", re.MULTILINE)
_KIND = re.compile(r"^kind\s*:", re.MULTILINE)
_GROUPS = re.compile(r"^groups\s*:", re.MULTILINE)
_RULE = re.compile(r"^\s*(?:-\s*)?(?:alert|record)\s*:", re.MULTILINE)
# Helm templates of rule files are not rule files until rendered (Prometheus' own
# templates, {{ $labels.x }} and {{ $value }}, are normal in annotations).
_HELM = re.compile(r"\{\{-|\{\{\s*(?:\.Values|\.Release|\.Chart|include|template)\b")


def _matches(name: str, patterns: tuple[str, ...]) -> bool:
    return any(fnmatch.fnmatchcase(name, pattern) for pattern in patterns)


def detect_kind(path: str | os.PathLike[str], text: str | None = None) -> FileKind | None:
    """The kind of file at ``path``, or ``None`` when no check applies.

    The name decides for Dockerfiles, compose files, pipelines and scratchpads. Other
    YAML files are Kubernetes manifests when ``text`` has top-level ``apiVersion`` and
    ``kind`` keys (and no ``{{ template }}`` markers), and Prometheus rule files when it
    has a top-level ``groups`` key and ``alert:`` or ``record:`` rules (and no Helm
    markers); without ``text`` they are not classified.

    Example:
        >>> detect_kind(".github/workflows/ci.yml")
        <FileKind.GITHUB_ACTIONS: 'github-actions'>
        >>> detect_kind("deploy/app.yaml", "apiVersion: v1\\nkind: Service\\n")
        <FileKind.KUBERNETES: 'kubernetes'>
        >>> detect_kind("alerts.yml", "groups:\\n  - name: g\\n    rules:\\n      - alert: A\\n")
        <FileKind.PROMETHEUS_RULES: 'prometheus-rules'>
    """
    pure = PurePath(os.fspath(path))
    name = pure.name
    parents = [p.name for p in pure.parents]
    if name.endswith(".dockerignore"):
        return None
    if _matches(name, _DOCKERFILE_PATTERNS) or _matches(name, _CONTAINERFILE_PATTERNS):
        return FileKind.DOCKERFILE
    if name.endswith(".md"):
        if len(parents) >= 2 and parents[0] == "scratchpads" and parents[1] == "docs":
            return FileKind.SCRATCHPAD
        return None
    if not name.endswith(_YAML_SUFFIXES):
        return None
    if name in (".gitlab-ci.yml", ".gitlab-ci.yaml"):
        return FileKind.GITLAB_CI
    if name in (".woodpecker.yml", ".woodpecker.yaml") or (parents and parents[0] == ".woodpecker"):
        return FileKind.WOODPECKER
    if len(parents) >= 2 and parents[0] == "workflows" and parents[1] == ".github":
        return FileKind.GITHUB_ACTIONS
    if _matches(name, _COMPOSE_PATTERNS):
        return FileKind.COMPOSE
    if text is not None and _API_VERSION.search(text) and _KIND.search(text):
        # Helm and other templates are not manifests until rendered.
        return None if "{{" in text else FileKind.KUBERNETES
    if text is not None and _GROUPS.search(text) and _RULE.search(text):
        return None if _HELM.search(text) else FileKind.PROMETHEUS_RULES
    return None
