"""CI pipeline checks for GitHub Actions, GitLab CI and Woodpecker (rules CI000-CI011).

Each pipeline file is read into a list of jobs (GitHub jobs, GitLab jobs, Woodpecker
steps) that record what they run; the stage, approval, pinning and secret rules are
then the same for the three systems.
"""

from __future__ import annotations

import abc
import os
import re
from collections.abc import Iterable, Iterator, Mapping
from typing import Any

import attrs

from mosaic_sdk.standards._images import image_finding
from mosaic_sdk.standards._kinds import FileKind, detect_kind
from mosaic_sdk.standards._model import Finding, LintReport
from mosaic_sdk.standards._rules import RULES
from mosaic_sdk.standards._secrets import is_hardcoded_secret
from mosaic_sdk.standards._yaml import (
    as_list,
    as_mapping,
    item_line,
    key_line,
    load_documents,
    tag_of,
    text_of,
)

__all__ = ["STAGES", "PipelineSummary", "analyse_pipeline", "lint_pipeline"]

#: The stages every delivery pipeline needs, in order, with the rule for a missing one.
STAGES: Mapping[str, str] = {
    "lint": "CI001",
    "test": "CI002",
    "build": "CI003",
    "scan": "CI004",
    "deploy": "CI005",
}

# What a command, action or image does. Matched line by line, case-insensitively.
_COMMANDS: Mapping[str, re.Pattern[str]] = {
    "lint": re.compile(
        r"\b(?:ruff|eslint|flake8|pylint|mypy|pyright|black\s+--check|isort\s+--check"
        r"|golangci-lint|hadolint|shellcheck|prettier\s+(?:--check|-c)|stylelint|rubocop"
        r"|yamllint|pre-commit|markdownlint|cargo\s+clippy|cargo\s+fmt|gofmt|go\s+vet"
        r"|mosaic\s+lint|(?:npm|yarn|pnpm)\s+(?:run\s+)?lint|super-linter|ruff-action)\b",
        re.IGNORECASE,
    ),
    "test": re.compile(
        r"\b(?:pytest|py\.test|tox|nox|(?:npm|yarn|pnpm|bun)\s+(?:run\s+)?test"
        r"|go\s+test|cargo\s+(?:test|nextest)|jest|vitest|mocha"
        r"|python[0-9.]*\s+-m\s+(?:unittest|pytest)|mvn\b.*\b(?:test|verify)"
        r"|gradlew?\b.*\btest|rspec|phpunit|make\s+test|deno\s+test|dotnet\s+test)\b",
        re.IGNORECASE,
    ),
    "build": re.compile(
        r"\b(?:docker\s+(?:image\s+)?build|docker\s+buildx|docker[\s-]compose\s+build"
        r"|buildah\s+(?:bud|build)|podman\s+build|kaniko|buildctl|nerdctl\s+build"
        r"|pack\s+build|ko\s+build|build-push-action|buildah-build|plugin-docker-buildx"
        r"|plugins/docker|plugins/kaniko)\b",
        re.IGNORECASE,
    ),
    "scan": re.compile(
        r"\b(?:trivy|grype|snyk|codeql|docker\s+scout|semgrep|bandit|gitleaks|trufflehog"
        r"|pip-audit|(?:npm|yarn|pnpm)\s+audit|osv-scanner|safety\s+check|clair|anchore"
        r"|scan-action|dependency-review-action)\b",
        re.IGNORECASE,
    ),
    "deploy": re.compile(
        r"\b(?:kubectl\s+(?:apply|rollout|set\s+image|replace|create)|helm\s+(?:upgrade|install)"
        r"|helmfile|coolify|portainer|vercel|mosaic\s+promote|argocd|flux\s+reconcile"
        r"|docker\s+stack\s+deploy|terraform\s+apply|deploy)\b",
        re.IGNORECASE,
    ),
}
# Words in a job, stage or step name that say what it does.
_NAME_WORDS: Mapping[str, frozenset[str]] = {
    "lint": frozenset({"lint", "lints", "linter", "linting", "ruff", "eslint", "flake8", "style"}),
    "test": frozenset({"test", "tests", "testing", "unittest", "pytest", "e2e", "integration"}),
    "build": frozenset({"build", "builds", "image", "kaniko", "buildx"}),
    "scan": frozenset(
        {
            "scan",
            "scanning",
            "security",
            "sast",
            "dast",
            "audit",
            "vuln",
            "vulnerability",
            "vulnerabilities",
            "codeql",
            "trivy",
            "grype",
            "snyk",
            "secret-detection",
        }
    ),
    "deploy": frozenset({"deploy", "deployment", "deploying", "rollout", "promote", "promotion"}),
}
# Installing a tool is not running it: `pip install ruff pytest` is neither lint nor test.
_INSTALL_LINE = re.compile(
    r"\b(?:pip3?|pipx|uv\s+pip|uv\s+tool|npm|yarn|pnpm|apt-get|apt|apk|brew|gem|dnf|yum)"
    r"\s+(?:install|add|i)\b",
    re.IGNORECASE,
)
_PROD = re.compile(r"(?<![a-z])(?:production|prod|prd|live)(?![a-z])", re.IGNORECASE)
_NON_PROD = re.compile(
    r"(?<![a-z])(?:staging|stage|stg|dev|develop|development|test|testing|qa|preview|review"
    r"|sandbox|demo|canary-test)(?![a-z])",
    re.IGNORECASE,
)
_SHA = re.compile(r"[0-9a-f]{40}")
_WORD = re.compile(r"[a-z0-9]+(?:-[a-z0-9]+)*")
_MANUAL_EVENTS = frozenset({"deployment", "deploy", "promote"})


@attrs.frozen
class PipelineSummary:
    """What one pipeline file contains, before stage coverage is judged.

    Attributes:
        file: the file name.
        kind: the CI system.
        stages: the stages found (``lint``, ``test``, ``build``, ``scan``, ``deploy``).
        findings: findings that do not depend on other files (pinning, secrets,
            approval, syntax).
        anchor_line: line used for "stage missing" findings (the ``jobs``/``steps`` key).
    """

    file: str
    kind: FileKind
    stages: frozenset[str]
    findings: tuple[Finding, ...]
    anchor_line: int = 1


@attrs.define
class _Job:
    """A job (GitHub, GitLab) or step (Woodpecker) as the shared rules see it."""

    name: str
    line: int
    names: list[str] = attrs.Factory(list)
    commands: list[str] = attrs.Factory(list)
    environment: str | None = None
    environment_line: int | None = None
    gated: bool = False
    stop: bool = False

    @property
    def stages(self) -> set[str]:
        return stages_of(self.names, self.commands)


def stages_of(names: Iterable[str], commands: Iterable[str]) -> set[str]:
    """The stages that jobs with these names and commands (or action/image names) cover."""
    found: set[str] = set()
    for name in names:
        words = set(_WORD.findall(name.lower().replace("_", "-")))
        words |= {part for word in list(words) for part in word.split("-")}
        found.update(stage for stage, vocab in _NAME_WORDS.items() if words & vocab)
    for command in commands:
        for line in command.splitlines():
            if _INSTALL_LINE.search(line):
                continue
            found.update(stage for stage, pattern in _COMMANDS.items() if pattern.search(line))
    return found


def _is_production(job: _Job) -> bool:
    """A deploy counts as production unless its environment or name says otherwise."""
    if job.environment is not None:
        if _PROD.search(job.environment):
            return True
        if _NON_PROD.search(job.environment) or "${{" in job.environment or "$" in job.environment:
            return False
    if _PROD.search(job.name):
        return True
    return not _NON_PROD.search(job.name)


def lint_pipeline(
    text: str,
    path: str | os.PathLike[str] = ".gitlab-ci.yml",
    *,
    kind: FileKind | None = None,
    check_stages: bool = True,
) -> LintReport:
    """Check one CI pipeline file against rules CI000-CI011.

    Args:
        text: the pipeline file content.
        path: the file name reported in findings; it also selects the CI system.
        kind: the CI system, when ``path`` does not tell it
            (:attr:`FileKind.GITHUB_ACTIONS`, :attr:`FileKind.GITLAB_CI`,
            :attr:`FileKind.WOODPECKER`).
        check_stages: report missing lint/test/build/scan/deploy stages for this file
            alone. :func:`lint_paths` turns this off and judges a directory of GitHub
            or Woodpecker workflows together.

    Returns:
        A :class:`LintReport` with the findings for ``path``.
    """
    summary = analyse_pipeline(text, path, kind=kind)
    findings = list(summary.findings)
    if check_stages:
        findings.extend(missing_stage_findings([summary]))
    return LintReport(findings=findings, files_checked=(summary.file,))


def missing_stage_findings(summaries: Iterable[PipelineSummary]) -> Iterator[Finding]:
    """CI001-CI005 findings for stages that no file of ``summaries`` covers.

    The findings point at the first file (by name) of the group.
    """
    group = sorted(summaries, key=lambda s: s.file)
    if not group:
        return
    covered = frozenset().union(*(s.stages for s in group))
    first = group[0]
    where = "the pipeline" if len(group) == 1 else f"none of the {len(group)} pipeline files"
    for stage, rule_id in STAGES.items():
        if stage not in covered:
            message = (
                f"{where} has no {stage} stage"
                if len(group) == 1
                else f"{where} ({', '.join(s.file for s in group)}) has a {stage} stage"
            )
            yield RULES[rule_id].finding(first.file, first.anchor_line, message)


def analyse_pipeline(
    text: str, path: str | os.PathLike[str], *, kind: FileKind | None = None
) -> PipelineSummary:
    """Read a pipeline file: its stages and its file-local findings.

    Raises:
        InvalidValueError: ``kind`` is not a pipeline kind and ``path`` does not say
            which CI system the file is for.
    """
    file = os.fspath(path)
    documents, error = load_documents(text)
    root = as_mapping(documents[0].data) if documents else None
    if kind is None:
        detected = detect_kind(file)
        kind = detected if detected is not None and detected.is_pipeline else _guess_kind(root)
    if not kind.is_pipeline:
        from mosaic_sdk.errors import InvalidValueError

        raise InvalidValueError(
            kind.value,
            "is not a CI pipeline kind",
            "pass kind=FileKind.GITHUB_ACTIONS, FileKind.GITLAB_CI or FileKind.WOODPECKER",
        )
    findings: list[Finding] = []
    if error is not None:
        findings.append(RULES["CI000"].finding(file, error.line, error.message))
    if root is None:
        if error is None:
            findings.append(
                RULES["CI000"].finding(
                    file, 1, "the pipeline file is not a YAML mapping", "write it as a mapping"
                )
            )
        return PipelineSummary(file, kind, frozenset(), tuple(findings))
    readers: dict[FileKind, type[_GitHub | _GitLab | _Woodpecker]] = {
        FileKind.GITHUB_ACTIONS: _GitHub,
        FileKind.GITLAB_CI: _GitLab,
        FileKind.WOODPECKER: _Woodpecker,
    }
    reader = readers[kind](root, file)
    jobs = reader.read()
    findings.extend(reader.findings)
    stages: set[str] = set(reader.extra_stages)
    for job in jobs:
        stages |= job.stages
    findings.extend(_approval_findings(kind, jobs, reader, file))
    return PipelineSummary(file, kind, frozenset(stages), tuple(findings), reader.anchor_line)


def _guess_kind(root: Mapping[Any, Any] | None) -> FileKind:
    if root is not None and "jobs" in root and ("on" in root or True in root):
        return FileKind.GITHUB_ACTIONS
    if root is not None and ("steps" in root or "pipeline" in root):
        return FileKind.WOODPECKER
    return FileKind.GITLAB_CI


def _approval_findings(
    kind: FileKind, jobs: list[_Job], reader: _Reader, file: str
) -> Iterator[Finding]:
    for job in jobs:
        if job.stop or "deploy" not in job.stages or not _is_production(job):
            continue
        if job.gated:
            if kind is FileKind.GITHUB_ACTIONS and job.environment_line is not None:
                yield RULES["CI011"].finding(
                    file,
                    job.environment_line,
                    f"job {job.name!r} deploys to environment {job.environment!r}; it waits "
                    "for approval only if that environment has required reviewers, which "
                    "are set in the repository settings, not in this file",
                )
            continue
        yield RULES["CI010"].finding(
            file,
            job.line,
            f"{reader.unit} {job.name!r} deploys to production without a manual approval",
            reader.gate_fix,
        )


class _Reader(abc.ABC):
    """Shared helpers of the three readers; :meth:`read` turns the file into jobs."""

    unit = "job"
    gate_fix = RULES["CI010"].fix

    def __init__(self, root: Mapping[Any, Any], file: str) -> None:
        self.root = root
        self.file = file
        self.findings: list[Finding] = []
        self.extra_stages: set[str] = set()
        self.anchor_line = 1

    @abc.abstractmethod
    def read(self) -> list[_Job]:
        """The jobs (or steps) of the file; findings go to :attr:`findings`."""

    def image(self, image: object, line: int, where: str) -> None:
        if isinstance(image, Mapping):
            image = image.get("name") or image.get("image")
        if not isinstance(image, str) or not image.strip():
            return
        finding = image_finding(
            image.strip(),
            self.file,
            line,
            where,
            unpinned=RULES["CI007"],
            mutable=RULES["CI008"],
        )
        if finding is not None:
            self.findings.append(finding)

    def secrets(self, mapping: object, line: int, where: str, *, all_keys: bool = False) -> None:
        """CI009 for literal secret values in ``mapping`` (``all_keys``: every key is
        a secret, as in a GitHub ``secrets:`` block)."""
        values = as_mapping(mapping)
        if values is None:
            if isinstance(mapping, list):  # KEY=value items
                for index, item in enumerate(mapping):
                    if isinstance(item, str) and "=" in item:
                        name, _, text = item.partition("=")
                        self._secret(name, text, item_line(mapping, index, line), where, all_keys)
            return
        for key, value in values.items():
            literal: object = value
            if isinstance(value, Mapping) and "value" in value:
                literal = value.get("value")  # GitLab: {value: ..., description: ...}
            self._secret(str(key), literal, key_line(values, key, line), where, all_keys)

    def _secret(self, key: str, value: object, line: int, where: str, all_keys: bool) -> None:
        literal = is_hardcoded_secret(key, value) or (
            all_keys and is_hardcoded_secret("secret", value)
        )
        if literal:
            self.findings.append(
                RULES["CI009"].finding(
                    self.file,
                    line,
                    f"{where} sets {key} to a literal secret value",
                    RULES["CI009"].fix,
                )
            )


class _GitHub(_Reader):
    gate_fix = (
        "add `environment: production` to the job and give that environment required "
        "reviewers in the repository settings"
    )

    def read(self) -> list[_Job]:
        jobs = as_mapping(self.root.get("jobs"))
        if jobs is None:
            self.findings.append(
                RULES["CI000"].finding(
                    self.file, 1, "the workflow has no 'jobs' mapping", "add a 'jobs:' mapping"
                )
            )
            return []
        self.anchor_line = key_line(self.root, "jobs")
        self.secrets(self.root.get("env"), key_line(self.root, "env"), "the workflow env")
        triggers = self.root.get("on", self.root.get(True))
        if isinstance(triggers, Mapping):
            trigger_names = {str(k) for k in triggers}
        else:
            trigger_names = {str(t) for t in as_list(triggers)}
        manual_only = trigger_names == {"workflow_dispatch"}
        out: dict[str, _Job] = {}
        needs: dict[str, list[str]] = {}
        for job_id, body in jobs.items():
            spec = as_mapping(body)
            line = key_line(jobs, job_id)
            if spec is None:
                continue
            out[str(job_id)] = self._job(str(job_id), spec, line)
            needs[str(job_id)] = [str(n) for n in as_list(spec.get("needs"))]
        for job_id, job in out.items():
            if manual_only:
                job.gated = True
            elif not job.gated and any(
                out[n].gated for n in _transitive(job_id, needs) if n in out
            ):
                job.gated = True
                job.environment_line = None  # the gate is upstream; nothing to add
        return list(out.values())

    def _job(self, job_id: str, spec: Mapping[Any, Any], line: int) -> _Job:
        job = _Job(job_id, line, names=[job_id])
        if isinstance(spec.get("name"), str):
            job.names.append(spec["name"])
        where = f"job {job_id!r}"
        self.secrets(spec.get("env"), key_line(spec, "env", line), f"{where} env")
        self.secrets(spec.get("with"), key_line(spec, "with", line), f"{where} inputs")
        self.secrets(
            spec.get("secrets"), key_line(spec, "secrets", line), f"{where} secrets", all_keys=True
        )
        if isinstance(spec.get("uses"), str):
            self._uses(spec["uses"], key_line(spec, "uses", line), where)
            job.commands.append(spec["uses"])
        self._container(spec.get("container"), key_line(spec, "container", line), where)
        services = as_mapping(spec.get("services"))
        if services is not None:
            for name, service in services.items():
                self._container(
                    service, key_line(services, name, line), f"{where} service {name!r}"
                )
        environment = spec.get("environment")
        env_name = environment.get("name") if isinstance(environment, Mapping) else environment
        if isinstance(env_name, str):
            job.environment = env_name
            job.environment_line = key_line(spec, "environment", line)
            job.names.append("deploy")  # GitHub environments are deployment targets
            job.gated = bool(_PROD.search(env_name))
        steps = spec.get("steps")
        if isinstance(steps, list):
            for index, step_body in enumerate(steps):
                step = as_mapping(step_body)
                if step is None:
                    continue
                step_line = item_line(steps, index, line)
                label = step.get("name") or step.get("id") or step.get("uses") or f"#{index + 1}"
                step_where = f"{where} step {label!r}"
                uses = step.get("uses")
                if isinstance(uses, str):
                    self._uses(uses, key_line(step, "uses", step_line), step_where)
                    job.commands.append(uses)
                    if "approval" in uses.lower():
                        job.gated = True
                if isinstance(step.get("run"), str):
                    job.commands.append(step["run"])
                self.secrets(step.get("env"), key_line(step, "env", step_line), f"{step_where} env")
                self.secrets(
                    step.get("with"), key_line(step, "with", step_line), f"{step_where} inputs"
                )
        return job

    def _uses(self, uses: str, line: int, where: str) -> None:
        uses = uses.strip()
        if uses.startswith("./"):
            return
        if uses.startswith("docker://"):
            self.image(uses.removeprefix("docker://"), line, where)
            return
        action, at, ref = uses.partition("@")
        if at and _SHA.fullmatch(ref):
            return
        shown = f"ref {ref!r}" if at else "no ref"
        self.findings.append(
            RULES["CI006"].finding(
                self.file,
                line,
                f"{where} uses {action} with {shown}, which can be moved to other code",
                f"pin it to the commit: uses: {action}@<40-hex-commit-sha>"
                + (f"  # {ref}" if at else ""),
            )
        )

    def _container(self, container: object, line: int, where: str) -> None:
        if isinstance(container, str):
            self.image(container, line, where)
            return
        spec = as_mapping(container)
        if spec is None:
            return
        self.image(spec.get("image"), key_line(spec, "image", line), where)
        self.secrets(spec.get("env"), key_line(spec, "env", line), f"{where} env")
        self.secrets(
            spec.get("credentials"), key_line(spec, "credentials", line), f"{where} credentials"
        )


def _transitive(job_id: str, needs: Mapping[str, list[str]]) -> set[str]:
    seen: set[str] = set()
    stack = list(needs.get(job_id, []))
    while stack:
        current = stack.pop()
        if current not in seen:
            seen.add(current)
            stack.extend(needs.get(current, []))
    return seen


_GITLAB_KEYWORDS = frozenset(
    {
        "default",
        "include",
        "stages",
        "variables",
        "workflow",
        "image",
        "services",
        "cache",
        "before_script",
        "after_script",
        "types",
        "spec",
    }
)


class _GitLab(_Reader):
    gate_fix = "add `when: manual` to the production deploy job (or to its rules)"

    def read(self) -> list[_Job]:
        root = self.root
        self.anchor_line = key_line(root, "stages") if "stages" in root else 1
        self.image(root.get("image"), key_line(root, "image"), "the pipeline")
        self._services(root.get("services"), key_line(root, "services"), "the pipeline")
        self.secrets(root.get("variables"), key_line(root, "variables"), "the pipeline variables")
        default = as_mapping(root.get("default"))
        if default is not None:
            line = key_line(root, "default")
            self.image(default.get("image"), key_line(default, "image", line), "default")
            self._services(default.get("services"), key_line(default, "services", line), "default")
        for include in as_list(root.get("include")):
            self.extra_stages |= stages_of(list(text_of(include)), list(text_of(include)))
        raw: dict[str, Mapping[Any, Any]] = {}
        for name, body in root.items():
            spec = as_mapping(body)
            if spec is None or str(name) in _GITLAB_KEYWORDS:
                continue
            raw[str(name)] = spec
            line = key_line(root, name)
            where = f"job {name!r}" if not str(name).startswith(".") else f"template {name!r}"
            self.image(spec.get("image"), key_line(spec, "image", line), where)
            self._services(spec.get("services"), key_line(spec, "services", line), where)
            self.secrets(
                spec.get("variables"), key_line(spec, "variables", line), f"{where} variables"
            )
        jobs: list[_Job] = []
        for name in raw:
            if name.startswith("."):
                continue
            merged = self._resolve(name, raw, set())
            if not any(k in merged for k in ("script", "trigger", "run")):
                continue
            jobs.append(self._job(name, merged, key_line(root, name)))
        return jobs

    def _services(self, services: object, line: int, where: str) -> None:
        if isinstance(services, list):
            for index, service in enumerate(services):
                self.image(service, item_line(services, index, line), f"{where} service")

    def _resolve(
        self, name: str, raw: Mapping[str, Mapping[Any, Any]], seen: set[str]
    ) -> dict[Any, Any]:
        spec = raw.get(name)
        if spec is None or name in seen:
            return {}
        seen = seen | {name}
        merged: dict[Any, Any] = {}
        for parent in as_list(spec.get("extends")):
            if isinstance(parent, str):
                merged.update(self._resolve(parent, raw, seen))
        for key, value in spec.items():
            if (
                key == "variables"
                and isinstance(merged.get(key), Mapping)
                and isinstance(value, Mapping)
            ):
                merged[key] = {**merged[key], **value}
            else:
                merged[key] = value
        return merged

    def _script_lines(self, node: object, depth: int = 0) -> Iterator[str]:
        if depth > 10:  # a !reference cycle
            return
        if tag_of(node) == "!reference" and isinstance(node, list):
            target: object = self.root
            for part in node:
                mapping = as_mapping(target)
                target = mapping.get(part) if mapping is not None else None
            yield from self._script_lines(target, depth + 1)
        elif isinstance(node, str):
            yield node
        elif isinstance(node, list):
            for item in node:
                yield from self._script_lines(item, depth + 1)

    def _job(self, name: str, spec: Mapping[Any, Any], line: int) -> _Job:
        job = _Job(name, line, names=[name])
        stage = spec.get("stage")
        if isinstance(stage, str):
            job.names.append(stage)
        for key in ("before_script", "script", "after_script"):
            job.commands.extend(self._script_lines(spec.get(key)))
        image = spec.get("image")
        image_name = image.get("name") if isinstance(image, Mapping) else image
        if isinstance(image_name, str):
            job.commands.append(image_name)
        environment = spec.get("environment")
        if isinstance(environment, Mapping):
            env_name = environment.get("name")
            job.stop = environment.get("action") in ("stop", "prepare", "verify", "access")
            tier = environment.get("deployment_tier")
            if isinstance(tier, str) and isinstance(env_name, str):
                env_name = f"{env_name} ({tier})"
        else:
            env_name = environment
        if isinstance(env_name, str):
            job.environment = env_name
            job.environment_line = key_line(spec, "environment", line)
            job.names.append("deploy")  # an environment: job is a deployment job
        job.gated = _gitlab_gated(spec)
        return job


def _gitlab_gated(spec: Mapping[Any, Any]) -> bool:
    rules = spec.get("rules")
    job_when: object = spec.get("when", "on_success")
    if isinstance(rules, list) and rules:
        whens: list[object] = [
            rule.get("when", job_when) if isinstance(rule, Mapping) else job_when for rule in rules
        ]
        active = [w for w in whens if w != "never"]
        return bool(active) and all(w == "manual" for w in active)
    return job_when == "manual"


class _Woodpecker(_Reader):
    unit = "step"
    gate_fix = (
        "run the production step only on a manual event: "
        "`when: {event: deployment, environment: production}` (or `event: promote`)"
    )

    def read(self) -> list[_Job]:
        root = self.root
        key = "steps" if "steps" in root else "pipeline" if "pipeline" in root else None
        if key is None:
            self.findings.append(
                RULES["CI000"].finding(
                    self.file, 1, "the workflow has no 'steps'", "add a 'steps:' list or mapping"
                )
            )
            return []
        self.anchor_line = key_line(root, key)
        workflow_when = _when_conditions(root.get("when"))
        for section in ("services", "clone"):
            for name, step, line in _named_items(root.get(section), key_line(root, section)):
                spec = as_mapping(step)
                if spec is not None:
                    where = f"{section[:-1] if section == 'services' else section} {name!r}"
                    self.image(spec.get("image"), key_line(spec, "image", line), where)
                    self.secrets(
                        spec.get("environment"), key_line(spec, "environment", line), where
                    )
                    self.secrets(spec.get("settings"), key_line(spec, "settings", line), where)
        jobs: list[_Job] = []
        for name, step, line in _named_items(root.get(key), self.anchor_line):
            spec = as_mapping(step)
            if spec is None:
                continue
            where = f"step {name!r}"
            job = _Job(name, line, names=[name])
            image = spec.get("image")
            self.image(image, key_line(spec, "image", line), where)
            if isinstance(image, str):
                job.commands.append(image)
            for command_key in ("commands", "command", "entrypoint"):
                job.commands.extend(str(c) for c in as_list(spec.get(command_key)) if c is not None)
            settings = as_mapping(spec.get("settings"))
            if settings is not None:
                job.commands.extend(f"{k}: {v}" for k, v in settings.items() if isinstance(v, str))
            self.secrets(
                spec.get("environment"), key_line(spec, "environment", line), f"{where} environment"
            )
            self.secrets(
                spec.get("settings"), key_line(spec, "settings", line), f"{where} settings"
            )
            conditions = _when_conditions(spec.get("when"))
            environments = [
                str(e) for c in conditions + workflow_when for e in as_list(c.get("environment"))
            ]
            if environments:
                job.environment = ", ".join(environments)
                job.environment_line = key_line(spec, "when", line)
            job.gated = _manual_only(conditions) or _manual_only(workflow_when)
            jobs.append(job)
        return jobs


def _named_items(node: object, line: int) -> Iterator[tuple[str, object, int]]:
    """``(name, body, line)`` of a Woodpecker mapping of steps or list of named steps."""
    if isinstance(node, Mapping):
        for name, body in node.items():
            yield str(name), body, key_line(node, name, line)
    elif isinstance(node, list):
        for index, body in enumerate(node):
            spec = as_mapping(body)
            name = spec.get("name") if spec is not None else None
            yield str(name or f"#{index + 1}"), body, item_line(node, index, line)


def _when_conditions(node: object) -> list[Mapping[Any, Any]]:
    return [c for c in as_list(node) if isinstance(c, Mapping)]


def _manual_only(conditions: list[Mapping[Any, Any]]) -> bool:
    """True when every alternative of a Woodpecker ``when`` needs a manual event."""
    if not conditions:
        return False
    for condition in conditions:
        events = {str(e) for e in as_list(condition.get("event"))}
        if not events or not events <= _MANUAL_EVENTS:
            return False
    return True
