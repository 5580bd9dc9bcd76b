"""The rule catalogue: every check with its stable id.

Ids never change meaning; a retired rule keeps its id reserved. The table in
``docs/standards.md`` lists the same rules (a test keeps the two in step).
"""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType

from mosaic_sdk.standards._finding import Rule, Severity

__all__ = ["RULES", "rule"]

_E, _W, _I = Severity.ERROR, Severity.WARNING, Severity.INFO

_ALL = (
    # -- Dockerfile -------------------------------------------------------------------
    Rule(
        "DF000",
        "dockerfile-syntax",
        _E,
        "The Dockerfile must parse the way BuildKit parses it.",
        "Fix the syntax error at the reported line.",
    ),
    Rule(
        "DF001",
        "base-image-unpinned",
        _E,
        "Every base image names a specific version: no `latest`, no missing tag, "
        "no floating alias such as `stable` or `lts`.",
        "Use a versioned tag, and preferably a digest: `FROM python:3.12-slim@sha256:...`.",
    ),
    Rule(
        "DF002",
        "base-image-not-digest",
        _I,
        "Base images are best pinned by digest: a version tag can be re-pushed.",
        "Append the digest of the tag: `FROM image:tag@sha256:<digest>` "
        "(`docker buildx imagetools inspect image:tag` prints it).",
    ),
    Rule(
        "DF003",
        "base-image-from-unset-arg",
        _W,
        "A `FROM` built from a build argument needs a default so its pinning can be checked.",
        "Give the `ARG` before `FROM` a pinned default, "
        "e.g. `ARG BASE=python:3.12-slim@sha256:...`.",
    ),
    Rule(
        "DF004",
        "runs-as-root",
        _E,
        "The final stage switches to a non-root `USER` before its command runs.",
        "Add a user and switch to it before `CMD`/`ENTRYPOINT`: "
        "`RUN useradd --uid 10001 app` then `USER 10001`.",
    ),
    Rule(
        "DF005",
        "shell-form-command",
        _W,
        "`CMD` and `ENTRYPOINT` use the exec (JSON array) form, so the process gets "
        "signals directly instead of through `/bin/sh -c`.",
        'Write the command as a JSON array: `CMD ["python", "app.py"]`.',
    ),
    Rule(
        "DF006",
        "dependencies-after-code",
        _W,
        "Dependency manifests are copied and installed before the application code, so "
        "a code change does not re-install every dependency.",
        "COPY the manifests (requirements.txt, package.json, go.mod...) first, RUN the "
        "install, then COPY the rest of the code.",
    ),
    Rule(
        "DF007",
        "secret-in-env-or-arg",
        _E,
        "No secret values in `ENV` or `ARG`: both are stored in the image metadata.",
        "Use a build secret (`RUN --mount=type=secret,id=NAME`) or inject the value at run time.",
    ),
    Rule(
        "DF008",
        "secret-file-copied",
        _E,
        "No secret files (`.env`, private keys, credentials) are copied into the image.",
        "Remove the file from COPY/ADD, list it in .dockerignore, and mount it as a "
        "secret at build or run time.",
    ),
    Rule(
        "DF009",
        "larger-base-image",
        _I,
        "The final stage uses a minimal base image (slim, alpine or distroless).",
        "Switch the final stage to the slim/alpine variant or a distroless image.",
    ),
    # -- Compose ----------------------------------------------------------------------
    Rule(
        "CP000",
        "compose-syntax",
        _E,
        "The compose file must be valid YAML with a `services` mapping.",
        "Fix the YAML at the reported line.",
    ),
    Rule(
        "CP001",
        "compose-image-unpinned",
        _E,
        "Service images name a version: no `latest`, `dev` or missing tag.",
        "Pin the image by digest (`image@sha256:...`) or an immutable tag "
        "(`sha-<commit>`, `vX.Y.Z`).",
    ),
    Rule(
        "CP002",
        "compose-image-mutable-tag",
        _W,
        "Service images are pinned by digest or an immutable tag (`sha-<commit>`, "
        "`vX.Y.Z-rc.N`, `vX.Y.Z`), not a tag that can move.",
        "Append the digest (`image:tag@sha256:...`) or deploy an immutable tag.",
    ),
    Rule(
        "CP003",
        "compose-no-limits",
        _E,
        "Every service sets memory and CPU limits.",
        "Set `deploy.resources.limits.memory` and `deploy.resources.limits.cpus`.",
    ),
    Rule(
        "CP004",
        "compose-no-reservations",
        _E,
        "Every service reserves memory and CPU (the compose form of requests).",
        "Set `deploy.resources.reservations.memory` and `deploy.resources.reservations.cpus`.",
    ),
    Rule(
        "CP005",
        "compose-no-healthcheck",
        _W,
        "Every service has a healthcheck (compose's liveness and readiness signal).",
        "Add `healthcheck: {test: [CMD, ...], interval: 10s, retries: 3}`.",
    ),
    Rule(
        "CP006",
        "compose-hardcoded-secret",
        _E,
        "No secret values written into `environment`.",
        "Use compose `secrets:` or `${VARIABLE}` interpolation from an untracked .env file.",
    ),
    # -- Kubernetes -------------------------------------------------------------------
    Rule(
        "K8S000",
        "kubernetes-syntax",
        _E,
        "Every manifest document must be valid YAML.",
        "Fix the YAML at the reported line.",
    ),
    Rule(
        "K8S001",
        "kubernetes-image-unpinned",
        _E,
        "Container images name a version: no `latest`, `dev` or missing tag.",
        "Pin the image by digest (`image@sha256:...`) or an immutable tag "
        "(`sha-<commit>`, `vX.Y.Z`).",
    ),
    Rule(
        "K8S002",
        "kubernetes-image-mutable-tag",
        _W,
        "Container images are pinned by digest or an immutable tag (`sha-<commit>`, "
        "`vX.Y.Z-rc.N`, `vX.Y.Z`), not a tag that can move.",
        "Append the digest (`image:tag@sha256:...`) or deploy an immutable tag.",
    ),
    Rule(
        "K8S003",
        "kubernetes-no-limits",
        _E,
        "Every container (init containers included) sets memory and CPU limits.",
        "Set `resources.limits.memory` and `resources.limits.cpu`.",
    ),
    Rule(
        "K8S004",
        "kubernetes-no-requests",
        _E,
        "Every container (init containers included) sets memory and CPU requests; a "
        "request left out under a limit is only noted (Kubernetes defaults it to the limit).",
        "Set `resources.requests.memory` and `resources.requests.cpu`.",
    ),
    Rule(
        "K8S005",
        "kubernetes-no-liveness-probe",
        _W,
        "Long-running containers have a liveness probe.",
        "Add `livenessProbe` (httpGet, tcpSocket, grpc or exec).",
    ),
    Rule(
        "K8S006",
        "kubernetes-no-readiness-probe",
        _W,
        "Long-running containers have a readiness probe.",
        "Add `readinessProbe` so traffic only reaches ready pods.",
    ),
    Rule(
        "K8S007",
        "kubernetes-hardcoded-secret",
        _E,
        "No secret values written into a container's `env` or a `Secret` manifest.",
        "Use `valueFrom.secretKeyRef` (or `envFrom.secretRef`) pointing at a Secret.",
    ),
    # -- CI pipelines -----------------------------------------------------------------
    Rule(
        "CI000",
        "pipeline-syntax",
        _E,
        "The pipeline file must be valid YAML with the structure its CI system expects.",
        "Fix the YAML at the reported line.",
    ),
    Rule(
        "CI001",
        "pipeline-no-lint",
        _W,
        "The pipeline has a lint stage (ruff, eslint, flake8, golangci-lint...).",
        "Add a job that runs the linter, e.g. `ruff check .`.",
    ),
    Rule(
        "CI002",
        "pipeline-no-test",
        _W,
        "The pipeline has a test stage (pytest, npm test, go test...).",
        "Add a job that runs the tests, e.g. `pytest`.",
    ),
    Rule(
        "CI003",
        "pipeline-no-build",
        _W,
        "The pipeline builds the image (docker build, buildx, kaniko, buildah).",
        "Add a job that builds and pushes the image, tagged `sha-<commit>`.",
    ),
    Rule(
        "CI004",
        "pipeline-no-scan",
        _W,
        "The pipeline scans for vulnerabilities (trivy, grype, snyk, codeql).",
        "Add a job that scans the built image, e.g. `trivy image --exit-code 1 IMAGE`.",
    ),
    Rule(
        "CI005",
        "pipeline-no-deploy",
        _W,
        "The pipeline deploys (kubectl, helm, coolify, portainer, vercel, mosaic promote).",
        "Add a deploy job that promotes the scanned image by digest.",
    ),
    Rule(
        "CI006",
        "action-not-pinned",
        _E,
        "Actions from other repositories are pinned to a full 40-character commit SHA.",
        "Replace the tag with its commit: `uses: owner/repo@<40-hex-sha> # vX.Y.Z`.",
    ),
    Rule(
        "CI007",
        "pipeline-image-unpinned",
        _E,
        "Job, service and step images name a version: no `latest`, `dev` or missing tag.",
        "Pin the image by digest (`image@sha256:...`) or a versioned tag.",
    ),
    Rule(
        "CI008",
        "pipeline-image-mutable-tag",
        _W,
        "Job, service and step images are pinned by digest or an immutable tag, not a tag "
        "that can move.",
        "Append the digest: `image:tag@sha256:...`.",
    ),
    Rule(
        "CI009",
        "pipeline-hardcoded-secret",
        _E,
        "No secret values written into the pipeline file.",
        "Store the value in the CI system's secret store and reference it "
        "(`${{ secrets.NAME }}`, a masked GitLab variable, Woodpecker `from_secret`).",
    ),
    Rule(
        "CI010",
        "production-without-approval",
        _E,
        "Deploying to production waits for a manual approval.",
        "GitHub: `environment: production` with required reviewers; GitLab: `when: manual`; "
        "Woodpecker: run the step on `event: deployment` or `promote`.",
    ),
    Rule(
        "CI011",
        "approval-in-repository-settings",
        _I,
        "A GitHub `environment: production` gates a deploy only if the environment has "
        "protection rules, which live in the repository settings, not in the workflow.",
        "Check Settings > Environments > production has required reviewers.",
    ),
    # -- Prometheus rule files --------------------------------------------------------
    Rule(
        "AL000",
        "alert-rules-syntax",
        _E,
        "A Prometheus rule file must be valid YAML with the structure Prometheus loads: "
        "uniquely named `groups`, each rule exactly one of `record` or `alert`, with an `expr`.",
        "Fix the file at the reported line; `promtool check rules FILE` checks the PromQL too.",
    ),
    Rule(
        "AL001",
        "alert-no-runbook",
        _E,
        "Every alerting rule links its runbook in a `runbook_url` annotation.",
        "Add `annotations: {runbook_url: https://...}` with what on-call does when it fires.",
    ),
    Rule(
        "AL002",
        "alert-no-severity",
        _E,
        "Every alerting rule has a `severity` label that Alertmanager routes on.",
        "Add `labels: {severity: page}` (a human now) or `severity: ticket` (working hours).",
    ),
    Rule(
        "AL003",
        "alert-no-for",
        _E,
        "Every alerting rule waits a `for:` duration, so one bad evaluation does not page.",
        "Add `for: 5m` (for a burn-rate alert, a fraction of its short window).",
    ),
    Rule(
        "AL004",
        "alert-on-cause",
        _W,
        "Alerts fire on symptoms users feel (errors, latency, availability), not on causes "
        "such as CPU, memory or disk usage alone.",
        "Alert on an SLO burn rate (`mosaic slo rules`) and keep resource usage for "
        "dashboards and tickets.",
    ),
    # -- Commit messages --------------------------------------------------------------
    Rule(
        "CM001",
        "commit-message-format",
        _E,
        "Commit messages follow `type(#N): Subject`, a blank line, a body, a blank line "
        "and `Refs #N`.",
        "Rewrite the message in the project format (see `CommitMessage`).",
    ),
    # -- Scratchpads ------------------------------------------------------------------
    Rule(
        "SP001",
        "scratchpad-name",
        _W,
        "Scratchpads are named `docs/scratchpads/{issue}-{short-name}.md`.",
        "Rename the file, e.g. `docs/scratchpads/7-lint-rules.md`.",
    ),
    Rule(
        "SP002",
        "scratchpad-missing-section",
        _W,
        "Scratchpads keep every template section: Goal, Context, Plan, Progress log, "
        "Evidence, Next remediation step, Decisions.",
        "Add the missing `## Section` heading (an empty section may say 'n/a').",
    ),
)

#: Every rule by id, in id order.
RULES: Mapping[str, Rule] = MappingProxyType({r.id: r for r in sorted(_ALL, key=lambda r: r.id)})


def rule(rule_id: str) -> Rule:
    """The rule with ``rule_id``.

    Raises:
        InvalidValueError: no rule has that id.
    """
    try:
        return RULES[rule_id]
    except KeyError:
        from mosaic_sdk.errors import InvalidValueError

        raise InvalidValueError(
            rule_id, "is not a mosaic rule id", f"use one of: {', '.join(RULES)}"
        ) from None
