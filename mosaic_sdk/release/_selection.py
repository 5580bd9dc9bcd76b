"""Decide where a repository deploys: Coolify, Portainer, Vercel, docker compose or
Kubernetes.

:func:`select_deployment_target` reads the repository (never the network) in three
passes and stops at the first that decides:

1. **Explicit** - ``docs/PRD.md``, ``docs/PRD.json`` and ``docs/DEPLOYMENT.md`` may name
   the target: a line such as ``Deployment target: Coolify`` (bullets and bold are
   fine), a ``## Deployment target`` heading followed by the name, or, in JSON, a
   ``deployment_target`` / ``deploymentTarget`` key or ``{"deployment": {"target": ...}}``.
   Files that disagree are an error; a name that is not a known target is an error.
2. **Inferred** - project configuration: ``vercel.json`` or ``.vercel/`` (Vercel);
   Coolify markers in compose files (``coolify.*`` labels, Coolify's ``SERVICE_FQDN_*`` /
   ``SERVICE_URL_*`` magic variables) or ``COOLIFY_*`` variables in env files; Portainer
   markers (``io.portainer.*`` labels, ``PORTAINER_*`` variables). A plain compose file
   or Kubernetes manifests count only when no platform marker exists.
3. **CI wiring** breaks a tie: when several candidates fit, the one a GitHub Actions,
   GitLab CI or Woodpecker pipeline deploys to wins.

Still ambiguous, or nothing found, is a :class:`~mosaic_sdk.errors.ConfigurationError`
that lists every candidate with its evidence and says how to declare the target.
"""

from __future__ import annotations

import enum
import json
import os
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Literal

import attrs

from mosaic_sdk.errors import ConfigurationError, InvalidValueError

__all__ = ["TargetCandidate", "TargetKind", "TargetSelection", "select_deployment_target"]


class TargetKind(enum.Enum):
    """Where a repository can deploy (each has a deployment target in
    :mod:`mosaic_sdk.providers`)."""

    COOLIFY = "coolify"
    PORTAINER = "portainer"
    VERCEL = "vercel"
    COMPOSE = "compose"
    KUBERNETES = "kubernetes"


_ALIASES: dict[str, TargetKind] = {
    "coolify": TargetKind.COOLIFY,
    "portainer": TargetKind.PORTAINER,
    "vercel": TargetKind.VERCEL,
    "compose": TargetKind.COMPOSE,
    "docker-compose": TargetKind.COMPOSE,
    "docker compose": TargetKind.COMPOSE,
    "kubernetes": TargetKind.KUBERNETES,
    "k8s": TargetKind.KUBERNETES,
}
_PLATFORMS = frozenset({TargetKind.COOLIFY, TargetKind.PORTAINER, TargetKind.VERCEL})
_EXPLICIT_FILES = ("docs/PRD.md", "docs/PRD.json", "docs/DEPLOYMENT.md")
_SKIP_DIRS = frozenset(
    {".git", "node_modules", ".venv", "venv", "vendor", "dist", "build", "__pycache__", ".tox"}
)
_MAX_DEPTH = 3
_MAX_BYTES = 512 * 1024

_KEY_LINE = re.compile(
    r"^\s*(?:[-*+]\s+)?(?:\*\*|__)?\s*(?:deployment[ _-]?target|deploy[ _-]?target|"
    r"deployment[ _-]?platform|hosting[ _-]?platform)\s*(?:\*\*|__)?\s*[:=]\s*(?:\*\*|__)?\s*"
    r"[`\"']?(?P<value>[A-Za-z0-9][A-Za-z0-9 _-]*)",
    re.IGNORECASE,
)
_TARGET_HEADING = re.compile(
    r"^#{1,6}\s+(?:deployment|deploy|hosting|target)[ _-]?(?:target|platform)\s*#*\s*$",
    re.IGNORECASE,
)
_ALIAS_WORD = re.compile(
    r"(?<![\w-])(coolify|portainer|vercel|docker[ -]compose|compose|kubernetes|k8s)(?![\w-])",
    re.IGNORECASE,
)
_COMPOSE_NAME = re.compile(r"^(?:docker-)?compose(?:[.-][\w.-]+)?\.ya?ml$")
_ENV_NAME = re.compile(r"^(?:\.env(?:\..+)?|.+\.env)$")
_COOLIFY_COMPOSE = re.compile(r"coolify\.[\w.-]+|\bSERVICE_(?:FQDN|URL|PASSWORD|USER|BASE64)_\w+")
_PORTAINER_COMPOSE = re.compile(r"\b(?:io|com)\.portainer\.[\w.-]+")
_COOLIFY_ENV = re.compile(r"^\s*(?:export\s+)?COOLIFY_\w+\s*=", re.MULTILINE)
_PORTAINER_ENV = re.compile(r"^\s*(?:export\s+)?PORTAINER_\w+\s*=", re.MULTILINE)
_K8S_MANIFEST = re.compile(
    r"^apiVersion:\s*\S+.*?^kind:\s*(?:Deployment|StatefulSet|DaemonSet)\b", re.S | re.M
)
_CI_PATTERNS: dict[TargetKind, re.Pattern[str]] = {
    TargetKind.VERCEL: re.compile(r"vercel", re.IGNORECASE),
    TargetKind.COOLIFY: re.compile(r"coolify", re.IGNORECASE),
    TargetKind.PORTAINER: re.compile(r"portainer", re.IGNORECASE),
    TargetKind.COMPOSE: re.compile(
        r"docker[ -]compose\b[^\n]*\bup\b|docker\s+stack\s+deploy", re.IGNORECASE
    ),
    TargetKind.KUBERNETES: re.compile(
        r"kubectl\s+(?:apply|rollout|set\s+image)|helm\s+(?:upgrade|install)|kustomize\s+build"
        r"|argocd\s+app",
        re.IGNORECASE,
    ),
}

Method = Literal["explicit", "inferred", "ci"]


@attrs.frozen
class TargetCandidate:
    """One target the repository could deploy to, with the evidence for it.

    Attributes:
        kind: the target.
        evidence: where it showed up (``"vercel.json"``, ``"compose.yaml:12: coolify..."``).
        ci: CI files that deploy to it (``".github/workflows/deploy.yml:30"``).
        platform: True for platform markers (Coolify, Portainer, Vercel), False for a
            plain compose file or manifests.
    """

    kind: TargetKind
    evidence: tuple[str, ...]
    ci: tuple[str, ...] = ()
    platform: bool = True

    def describe(self) -> str:
        """``vercel (vercel.json; CI: .github/workflows/deploy.yml:12)``."""
        parts = "; ".join(self.evidence[:3])
        ci = f"; wired in CI: {', '.join(self.ci[:2])}" if self.ci else "; not wired in CI"
        return f"{self.kind.value} ({parts}{ci})"


@attrs.frozen
class TargetSelection:
    """Where the repository deploys, and why.

    Attributes:
        kind: the chosen target.
        method: ``explicit`` (declared in the docs), ``inferred`` (one candidate in the
            configuration) or ``ci`` (several candidates, CI wiring decided).
        source: the file (and line) that decided it.
        rationale: the reasoning, in a sentence or two.
        candidates: every candidate found in the configuration (also for explicit
            choices, so a mismatch can be spotted).
    """

    kind: TargetKind
    method: Method
    source: str
    rationale: str
    candidates: tuple[TargetCandidate, ...] = ()

    def __str__(self) -> str:
        lines = [f"deployment target: {self.kind.value} ({self.method}, {self.source})",
                 f"  {self.rationale}"]  # fmt: skip
        lines += [f"  candidate: {c.describe()}" for c in self.candidates]
        return "\n".join(lines)

    def __repr__(self) -> str:
        return f"<TargetSelection {self.kind.value} ({self.method}, {self.source})>"

    def _repr_markdown_(self) -> str:
        lines = [
            f"**Deployment target: {self.kind.value}** ({self.method}, `{self.source}`)",
            "",
            self.rationale,
        ]
        if self.candidates:
            lines += ["", *(f"- {c.describe()}" for c in self.candidates)]
        return "\n".join(lines)


def _kind_from_text(value: str, where: str) -> TargetKind:
    text = value.strip().strip("`'\"*_ ").lower()
    for alias in sorted(_ALIASES, key=len, reverse=True):
        if text == alias or text.startswith((alias + " ", alias + "(", alias + ",")):
            return _ALIASES[alias]
    known = ", ".join(k.value for k in TargetKind)
    raise ConfigurationError(
        f"{where} names the deployment target {value.strip()!r}, which is not one of {known}; "
        "write one of those names"
    )


def _read_text(path: Path) -> str | None:
    try:
        if path.stat().st_size > _MAX_BYTES:
            return None
        return path.read_text(encoding="utf-8", errors="replace")
    except OSError:
        return None


def _explicit_markdown(path: Path, rel: str) -> tuple[TargetKind, str] | None:
    text = _read_text(path)
    if text is None:
        return None
    lines = text.splitlines()
    fenced = False
    for number, line in enumerate(lines, start=1):
        if line.lstrip().startswith(("```", "~~~")):
            fenced = not fenced
            continue
        if fenced:
            continue
        match = _KEY_LINE.match(line)
        if match:
            where = f"{rel}:{number}"
            return _kind_from_text(match.group("value"), where), where
        if _TARGET_HEADING.match(line):
            return _from_section(lines, number, rel)
    return None


def _from_section(lines: list[str], heading: int, rel: str) -> tuple[TargetKind, str]:
    """The target named in the first paragraph under a ``## Deployment target`` heading."""
    paragraph: list[tuple[int, str]] = []
    for number, line in enumerate(lines[heading:], start=heading + 1):
        if line.lstrip().startswith("#"):
            break
        if not line.strip():
            if paragraph:
                break
            continue
        paragraph.append((number, line))
    where = f"{rel}:{paragraph[0][0] if paragraph else heading}"
    named = {
        _ALIASES[m.group(1).lower().replace("docker-compose", "docker compose")]: number
        for number, line in paragraph
        for m in _ALIAS_WORD.finditer(line)
    }
    if len(named) == 1:
        kind, number = next(iter(named.items()))
        return kind, f"{rel}:{number}"
    known = ", ".join(k.value for k in TargetKind)
    if not named:
        raise ConfigurationError(
            f"{where}: the deployment target section names no known target; write one of {known}"
        )
    raise ConfigurationError(
        f"{where}: the deployment target section names several targets "
        f"({', '.join(sorted(k.value for k in named))}); name exactly one"
    )


def _explicit_json(path: Path, rel: str) -> tuple[TargetKind, str] | None:
    text = _read_text(path)
    if text is None:
        return None
    try:
        data = json.loads(text)
    except ValueError as exc:
        raise ConfigurationError(f"{rel} is not valid JSON ({exc}); fix it or remove it") from exc
    if not isinstance(data, dict):
        return None
    for key in ("deployment_target", "deploymentTarget", "deploy_target", "deployTarget"):
        if isinstance(data.get(key), str):
            return _kind_from_text(data[key], f"{rel} ({key})"), f"{rel} ({key})"
    deployment = data.get("deployment")
    if isinstance(deployment, dict) and isinstance(deployment.get("target"), str):
        where = f"{rel} (deployment.target)"
        return _kind_from_text(deployment["target"], where), where
    return None


def _walk(root: Path) -> Iterator[tuple[Path, str]]:
    """Files up to ``_MAX_DEPTH`` levels deep, skipping vendored and build folders."""
    for current, dirs, files in os.walk(root):
        rel_dir = Path(current).relative_to(root)
        depth = len(rel_dir.parts)
        dirs[:] = sorted(d for d in dirs if d not in _SKIP_DIRS and depth < _MAX_DEPTH)
        for name in sorted(files):
            path = Path(current) / name
            yield path, (rel_dir / name).as_posix()


def _first_line(text: str, pattern: re.Pattern[str]) -> tuple[int, str] | None:
    match = pattern.search(text)
    if match is None:
        return None
    number = text.count("\n", 0, match.start()) + 1
    return number, match.group(0).strip()[:60]


def _inferred(root: Path) -> dict[TargetKind, list[str]]:
    found: dict[TargetKind, list[str]] = {}

    def add(kind: TargetKind, evidence: str) -> None:
        found.setdefault(kind, []).append(evidence)

    if (root / "vercel.json").is_file():
        add(TargetKind.VERCEL, "vercel.json")
    if (root / ".vercel").is_dir():
        add(TargetKind.VERCEL, ".vercel/")
    for path, rel in _walk(root):
        name = path.name
        if _COMPOSE_NAME.match(name):
            text = _read_text(path) or ""
            add(TargetKind.COMPOSE, rel)
            for kind, pattern in ((TargetKind.COOLIFY, _COOLIFY_COMPOSE),
                                  (TargetKind.PORTAINER, _PORTAINER_COMPOSE)):  # fmt: skip
                hit = _first_line(text, pattern)
                if hit:
                    add(kind, f"{rel}:{hit[0]}: {hit[1]}")
        elif _ENV_NAME.match(name):
            text = _read_text(path) or ""
            for kind, pattern in ((TargetKind.COOLIFY, _COOLIFY_ENV),
                                  (TargetKind.PORTAINER, _PORTAINER_ENV)):  # fmt: skip
                hit = _first_line(text, pattern)
                if hit:
                    add(kind, f"{rel}:{hit[0]}: {hit[1].rstrip('=').strip()}")
        elif name in ("kustomization.yaml", "kustomization.yml", "Chart.yaml"):
            add(TargetKind.KUBERNETES, rel)
        elif name.endswith((".yaml", ".yml")) and not rel.startswith((".github/", ".gitlab")):
            text = _read_text(path) or ""
            if _K8S_MANIFEST.search(text):
                add(TargetKind.KUBERNETES, rel)
    return found


def _ci_files(root: Path) -> list[tuple[Path, str]]:
    files: list[tuple[Path, str]] = []
    workflows = root / ".github" / "workflows"
    if workflows.is_dir():
        files += [(p, f".github/workflows/{p.name}") for p in sorted(workflows.iterdir())
                  if p.suffix in (".yml", ".yaml")]  # fmt: skip
    for name in (".gitlab-ci.yml", ".gitlab-ci.yaml", ".woodpecker.yml", ".woodpecker.yaml"):
        if (root / name).is_file():
            files.append((root / name, name))
    woodpecker = root / ".woodpecker"
    if woodpecker.is_dir():
        files += [(p, f".woodpecker/{p.name}") for p in sorted(woodpecker.iterdir())
                  if p.suffix in (".yml", ".yaml")]  # fmt: skip
    return files


def _ci_wiring(root: Path) -> dict[TargetKind, list[str]]:
    wired: dict[TargetKind, list[str]] = {}
    for path, rel in _ci_files(root):
        text = _read_text(path) or ""
        for kind, pattern in _CI_PATTERNS.items():
            hit = _first_line(text, pattern)
            if hit:
                wired.setdefault(kind, []).append(f"{rel}:{hit[0]}")
    return wired


def _declare_hint() -> str:
    return (
        "declare it in docs/DEPLOYMENT.md with a line such as 'Deployment target: coolify' "
        f"(one of {', '.join(k.value for k in TargetKind)})"
    )


def select_deployment_target(repo_dir: str | os.PathLike[str]) -> TargetSelection:
    """Decide where the repository at ``repo_dir`` deploys (see the module docs).

    Raises:
        InvalidValueError: ``repo_dir`` is not a directory.
        ConfigurationError: an explicit declaration names an unknown target or the
            declarations disagree; or several candidates fit and CI does not single one
            out; or nothing points to any target. The message lists the candidates and
            their evidence and says how to declare the target.

    Example:
        >>> select_deployment_target(".")  # doctest: +SKIP
        TargetSelection(kind=<TargetKind.VERCEL: 'vercel'>, method='inferred', ...)
    """
    root = Path(repo_dir)
    if not root.is_dir():
        raise InvalidValueError(
            os.fspath(repo_dir), "is not a directory", "pass the repository's root directory"
        )
    inferred = _inferred(root)
    wiring = _ci_wiring(root)
    candidates = tuple(
        TargetCandidate(kind, tuple(evidence), tuple(wiring.get(kind, ())), kind in _PLATFORMS)
        for kind, evidence in sorted(inferred.items(), key=lambda item: item[0].value)
    )
    declared: list[tuple[TargetKind, str]] = []
    for rel in _EXPLICIT_FILES:
        path = root / rel
        if not path.is_file():
            continue
        found = (
            _explicit_json(path, rel) if rel.endswith(".json") else _explicit_markdown(path, rel)
        )
        if found is not None:
            declared.append(found)
    if declared:
        kinds = {kind for kind, _where in declared}
        if len(kinds) > 1:
            listed = "; ".join(f"{where} says {kind.value}" for kind, where in declared)
            raise ConfigurationError(
                f"the docs disagree on the deployment target: {listed}; make them name the "
                "same target"
            )
        kind, where = declared[0]
        note = ""
        others = [c.kind.value for c in candidates if c.platform and c.kind is not kind]
        if others:
            note = f" The configuration also shows {', '.join(others)}; the declaration wins."
        return TargetSelection(
            kind=kind,
            method="explicit",
            source=where,
            rationale=f"{where} declares the deployment target {kind.value}.{note}",
            candidates=candidates,
        )
    platform = [c for c in candidates if c.platform]
    pool = platform or list(candidates)
    if not pool:
        raise ConfigurationError(
            f"no deployment target found in {str(root)!r}: no declaration in "
            f"{', '.join(_EXPLICIT_FILES)}, no vercel.json/.vercel, no Coolify or Portainer "
            f"markers, no compose file or Kubernetes manifest; {_declare_hint()}"
        )
    if len(pool) == 1:
        only = pool[0]
        weak = "" if only.platform else " (no platform marker; a plain deployment file)"
        return TargetSelection(
            kind=only.kind,
            method="inferred",
            source=only.evidence[0].split(":", 1)[0],
            rationale=f"only {only.kind.value} fits the configuration{weak}: "
            f"{'; '.join(only.evidence[:3])}.",
            candidates=candidates,
        )
    wired = [c for c in pool if c.ci]
    if len(wired) == 1:
        winner = wired[0]
        losers = ", ".join(c.kind.value for c in pool if c is not winner)
        return TargetSelection(
            kind=winner.kind,
            method="ci",
            source=winner.ci[0],
            rationale=f"{len(pool)} targets fit the configuration ({winner.kind.value}, {losers}); "
            f"CI deploys to {winner.kind.value} ({', '.join(winner.ci[:2])}), so it wins.",
            candidates=candidates,
        )
    why = "CI deploys to several of them" if len(wired) > 1 else "no CI pipeline deploys to any"
    listed = "; ".join(c.describe() for c in pool)
    raise ConfigurationError(
        f"cannot choose a deployment target: {len(pool)} fit ({listed}) and {why}; "
        f"{_declare_hint()}"
    )
