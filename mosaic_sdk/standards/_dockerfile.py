"""Dockerfile checks (rules DF000-DF009)."""

from __future__ import annotations

import json
import os
import re
import shlex
from collections.abc import Iterator, Mapping

from mosaic_sdk.standards._dockerfile_parser import (
    Dockerfile,
    Instruction,
    Stage,
    expand_variables,
    parse_arg,
    parse_dockerfile,
    parse_env,
    split_words,
    unquote,
)
from mosaic_sdk.standards._images import (
    CODENAMES,
    ImagePin,
    Pinning,
    classify_image,
    is_distroless,
    official_name,
    pinned_example,
)
from mosaic_sdk.standards._model import Finding, LintReport
from mosaic_sdk.standards._rules import RULES
from mosaic_sdk.standards._secrets import is_hardcoded_secret, is_secret_path

__all__ = ["lint_dockerfile"]

#: Files that declare dependencies; copying them alone lets the install layer be cached.
DEPENDENCY_MANIFESTS = frozenset(
    {
        "pyproject.toml",
        "poetry.lock",
        "uv.lock",
        "pdm.lock",
        "pipfile",
        "pipfile.lock",
        "setup.cfg",
        "package.json",
        "package-lock.json",
        "npm-shrinkwrap.json",
        "yarn.lock",
        ".yarnrc.yml",
        "pnpm-lock.yaml",
        "pnpm-workspace.yaml",
        "bun.lockb",
        "go.mod",
        "go.sum",
        "cargo.toml",
        "cargo.lock",
        "gemfile",
        "gemfile.lock",
        "composer.json",
        "composer.lock",
    }
)
_REQUIREMENTS = re.compile(r"requirements[\w.-]*\.(txt|in)$")
_BROAD_SOURCES = frozenset({".", "./", "*", "./*", "./."})
_INSTALL = re.compile(
    r"""\bpip3?\s+install\b
    | \bpython[0-9.]*\s+-m\s+pip\s+install\b
    | \buv\s+(?:pip\s+install|sync)\b
    | \bpoetry\s+install\b
    | \bpipenv\s+(?:install|sync)\b
    | \bpdm\s+(?:install|sync)\b
    | \bnpm\s+(?:ci|install|i)\b
    | \byarn(?:\s+install\b|\s*$|\s*(?:&&|;|\|)|\s+--)
    | \bpnpm\s+(?:install|i)\b
    | \bbun\s+install\b
    | \bgo\s+(?:mod\s+download|build|install)\b
    | \bcargo\s+(?:fetch|build|install)\b
    | \bbundle\s+install\b
    | \bcomposer\s+install\b""",
    re.VERBOSE | re.MULTILINE,
)
_DEBIAN_CODENAMES = ("bookworm", "bullseye", "buster", "trixie", "stretch")
_SHELL_SYNTAX = re.compile(r"[|&;<>()$`*?~\\\"']")
_TOOLCHAIN_IMAGES = frozenset({"golang", "rust", "maven", "gradle", "openjdk", "eclipse-temurin"})
_NON_ROOT_IMAGES = ("cgr.dev/chainguard/", "bitnami/", "docker.io/bitnami/")


def lint_dockerfile(
    text: str,
    path: str | os.PathLike[str] = "Dockerfile",
    *,
    build_args: Mapping[str, str] | None = None,
) -> LintReport:
    """Check one Dockerfile against rules DF000-DF009.

    Args:
        text: the Dockerfile content.
        path: the file name reported in findings.
        build_args: ``--build-arg`` values used to resolve ``FROM`` lines.

    Returns:
        A :class:`LintReport` with the findings for ``path``.

    Example:
        >>> report = lint_dockerfile("FROM python\\nCMD python app.py\\n")
        >>> report.rule_ids
        ('DF001', 'DF004', 'DF005')
    """
    file = os.fspath(path)
    dockerfile = parse_dockerfile(text, build_args=build_args)
    findings = [
        RULES["DF000"].finding(file, problem.line, problem.message)
        for problem in dockerfile.problems
    ]
    findings.extend(_check_bases(dockerfile, file))
    findings.extend(_check_user(dockerfile, file))
    findings.extend(_check_command_form(dockerfile, file))
    for stage in dockerfile.stages:
        findings.extend(_check_dependency_order(stage, dockerfile.escape, file))
    findings.extend(_check_secret_variables(dockerfile, file))
    findings.extend(_check_secret_files(dockerfile, file))
    findings.extend(_check_minimal_base(dockerfile, file))
    return LintReport(findings=findings, files_checked=(file,))


def _base_pin(dockerfile: Dockerfile, stage: Stage) -> ImagePin | None:
    """Classify a stage's base image; ``None`` for stage references and scratch."""
    if stage.parent is not None or not stage.resolved_base:
        return None
    if stage.resolved_base.lower() == "scratch":
        return None
    return classify_image(stage.resolved_base)


def _check_bases(dockerfile: Dockerfile, file: str) -> Iterator[Finding]:
    for stage in dockerfile.stages:
        if stage.resolved_base is None:
            names = ", ".join(stage.unresolved)
            yield RULES["DF003"].finding(
                file,
                stage.line,
                f"base image {stage.base!r} uses build argument(s) {names} with no default, "
                "so its pinning cannot be checked",
                f"give ARG {stage.unresolved[0]} a pinned default before the first FROM",
            )
            continue
        pin = _base_pin(dockerfile, stage)
        if pin is None:
            continue
        shown = stage.base if stage.base == pin.text else f"{stage.base} (= {pin.text})"
        if pin.pinning in (Pinning.UNPINNED, Pinning.INVALID, Pinning.POINTER_TAG):
            yield RULES["DF001"].finding(
                file,
                stage.line,
                f"base image {shown!r} is not pinned to a version: {pin.reason}",
                None
                if pin.reference is None
                else "use a versioned tag, and preferably a digest: "
                f"FROM {pinned_example(pin.reference)}",
            )
        elif pin.pinning is Pinning.VERSION_TAG and pin.reference is not None:
            yield RULES["DF002"].finding(
                file,
                stage.line,
                f"base image {shown!r} is pinned by tag only; a tag can be re-pushed",
                "pin the digest too: "
                f"FROM {pin.reference.name}:{pin.reference.tag}@sha256:<digest>",
            )


def _stage_chain(dockerfile: Dockerfile, stage: Stage) -> Iterator[Stage]:
    current: Stage | None = stage
    seen: set[int] = set()
    while current is not None and current.index not in seen:
        seen.add(current.index)
        yield current
        current = dockerfile.stages[current.parent] if current.parent is not None else None


def _stage_scopes(
    dockerfile: Dockerfile, stage: Stage
) -> Iterator[tuple[Instruction, dict[str, str | None]]]:
    """Each instruction of ``stage`` with the variables in force at it."""
    global_defaults: dict[str, str | None] = {}
    for instruction in dockerfile.global_args:
        for name, value in parse_arg(instruction.arguments, dockerfile.escape):
            global_defaults[name] = value
    scope: dict[str, str | None] = {}
    for instruction in stage.instructions:
        yield instruction, scope
        if instruction.keyword == "ARG":
            for name, value in parse_arg(instruction.arguments, dockerfile.escape):
                scope[name] = value if value is not None else global_defaults.get(name)
        elif instruction.keyword == "ENV":
            for name, value in parse_env(instruction.arguments, dockerfile.escape):
                expanded, missing = expand_variables(value, scope, dockerfile.escape)
                scope[name] = None if missing else expanded


def _last_user(dockerfile: Dockerfile, stage: Stage) -> tuple[Instruction, str | None] | None:
    """The last ``USER`` of the stage chain and its expanded value (``None`` if unknown)."""
    for link in _stage_chain(dockerfile, stage):
        found: tuple[Instruction, str | None] | None = None
        for instruction, scope in _stage_scopes(dockerfile, link):
            if instruction.keyword == "USER":
                expanded, missing = expand_variables(
                    instruction.arguments.strip(), scope, dockerfile.escape
                )
                found = (instruction, None if missing else expanded)
        if found is not None:
            return found
    return None


def _root_base(dockerfile: Dockerfile, stage: Stage) -> bool:
    """True unless the first real image of the chain is known to run as non-root."""
    chain = list(_stage_chain(dockerfile, stage))
    root = chain[-1]
    if root.resolved_base is None:
        return False  # unknown image: cannot tell
    base = root.resolved_base.lower()
    tag = base.rsplit("@", 1)[0].rsplit("/", 1)[-1].partition(":")[2]
    return "nonroot" not in tag and not base.startswith(_NON_ROOT_IMAGES)


def _check_user(dockerfile: Dockerfile, file: str) -> Iterator[Finding]:
    stage = dockerfile.final_stage
    if stage is None:
        return
    commands = [i for i in stage.instructions if i.keyword in ("CMD", "ENTRYPOINT")]
    anchor = commands[-1].line if commands else stage.line
    last = _last_user(dockerfile, stage)
    if last is None:
        if _root_base(dockerfile, stage):
            yield RULES["DF004"].finding(
                file,
                anchor,
                "the final stage has no USER instruction, so the container runs as root",
                _non_root_fix(dockerfile, stage),
            )
        return
    instruction, user = last
    if user is None:
        return  # USER from a variable without a value: cannot tell
    name = user.partition(":")[0].strip()
    if name in ("root", "0"):
        where = "" if instruction.line >= stage.line else " (inherited from an earlier stage)"
        shown = "root" if name == "root" else f"{user} (uid 0, root)"
        yield RULES["DF004"].finding(
            file,
            instruction.line,
            f"the final stage runs as USER {shown}{where}",
            _non_root_fix(dockerfile, stage),
        )


def _non_root_fix(dockerfile: Dockerfile, stage: Stage) -> str | None:
    """A DF004 fix that works in the final stage's base image (``None``: the rule's)."""
    base = list(_stage_chain(dockerfile, stage))[-1].resolved_base
    reference = classify_image(base).reference if base else None
    if reference is None:
        return None
    name, tag = official_name(reference), (reference.tag or "").lower()
    if is_distroless(name):
        return (
            f"use distroless's own non-root tag, FROM {name}:nonroot@sha256:<digest>, or "
            "add USER 65532 (its nonroot user): it has no shell to create one"
        )
    if name == "node":
        return "add USER node (the node image's own non-root user, uid 1000) before CMD"
    if name == "alpine" or "alpine" in tag:
        return "add a user and switch to it: RUN adduser -D -u 10001 app then USER 10001"
    return None


def _exec_form_suggestion(instruction: Instruction) -> str:
    command = instruction.arguments.strip()
    if not _SHELL_SYNTAX.search(command):
        try:
            words = shlex.split(command)
        except ValueError:
            words = []
        if words:
            return f"write it as {instruction.keyword} {json.dumps(words)}"
    return (
        f"write it as a JSON array, e.g. {instruction.keyword} "
        '["/app/start.sh"], and put the shell logic in that script, ending with exec'
    )


def _check_command_form(dockerfile: Dockerfile, file: str) -> Iterator[Finding]:
    for stage in dockerfile.stages:
        for instruction in stage.instructions:
            if instruction.keyword in ("CMD", "ENTRYPOINT") and not instruction.is_exec_form:
                shown = instruction.arguments.strip()
                if len(shown) > 60:
                    shown = shown[:57] + "..."
                yield RULES["DF005"].finding(
                    file,
                    instruction.line,
                    f"{instruction.keyword} {shown!r} uses the shell form, so the process "
                    "runs under /bin/sh -c and does not receive SIGTERM",
                    _exec_form_suggestion(instruction),
                )


def _sources(instruction: Instruction, escape: str) -> tuple[list[str], str]:
    """(sources, destination) of a COPY/ADD, without flags and quotes."""
    if instruction.exec_form is not None:
        words = list(instruction.exec_form)
    else:
        words = [unquote(w, escape) for w in split_words(instruction.arguments, escape)]
    words = [w for w in words if not w.startswith("<<")]
    if instruction.heredocs:
        return [], words[-1] if words else ""
    if len(words) < 2:
        return words, ""
    return words[:-1], words[-1]


def _is_manifest(source: str) -> bool:
    base = source.rstrip("/").rsplit("/", 1)[-1].lower()
    return base in DEPENDENCY_MANIFESTS or bool(_REQUIREMENTS.search(base))


def _check_dependency_order(stage: Stage, escape: str, file: str) -> Iterator[Finding]:
    manifests_copied = False
    deps_installed = False
    broad_copy: Instruction | None = None
    for instruction in stage.instructions:
        if instruction.keyword in ("COPY", "ADD") and instruction.flag("from") is None:
            sources, _ = _sources(instruction, escape)
            if any(s in _BROAD_SOURCES for s in sources):
                if broad_copy is None:
                    broad_copy = instruction
            elif any(_is_manifest(s) for s in sources):
                manifests_copied = True
        elif instruction.keyword == "RUN" and _INSTALL.search(instruction.command_text):
            if broad_copy is None:
                if manifests_copied or instruction.flag("mount") is not None:
                    deps_installed = True
            elif not deps_installed:
                install = _INSTALL.search(instruction.command_text)
                tool = install.group(0).strip() if install else "the install"
                yield RULES["DF006"].finding(
                    file,
                    broad_copy.line,
                    f"{broad_copy.keyword} {broad_copy.arguments.strip()!r} copies the whole "
                    f"build context before dependencies are installed ({tool!r} at line "
                    f"{instruction.line}), so every code change re-installs them",
                )
                return


def _check_secret_variables(dockerfile: Dockerfile, file: str) -> Iterator[Finding]:
    for instruction in dockerfile.instructions:
        pairs: list[tuple[str, str | None]]
        if instruction.keyword == "ENV":
            pairs = list(parse_env(instruction.arguments, dockerfile.escape))
        elif instruction.keyword == "ARG":
            pairs = parse_arg(instruction.arguments, dockerfile.escape)
        else:
            continue
        for name, value in pairs:
            if value is not None and is_hardcoded_secret(name, value):
                yield RULES["DF007"].finding(
                    file,
                    instruction.line,
                    f"{instruction.keyword} {name} sets a literal secret value, which is "
                    "stored in the image metadata for anyone who pulls it",
                    f"remove the value of {name}; pass it with "
                    f"RUN --mount=type=secret,id={name.lower()} or at run time",
                )


def _check_secret_files(dockerfile: Dockerfile, file: str) -> Iterator[Finding]:
    for instruction in dockerfile.instructions:
        if instruction.keyword not in ("COPY", "ADD") or instruction.flag("from") is not None:
            continue
        sources, destination = _sources(instruction, dockerfile.escape)
        if instruction.heredocs and is_secret_path(destination):
            sources = [destination]
        for source in sources:
            if is_secret_path(source):
                yield RULES["DF008"].finding(
                    file,
                    instruction.line,
                    f"{instruction.keyword} puts the secret file {source!r} into an image layer",
                    f"remove {source!r} from {instruction.keyword}, add it to .dockerignore, "
                    "and use RUN --mount=type=secret or a runtime secret instead",
                )


def _slim_variant(name: str, tag: str) -> str | None:
    version, _, variant = tag.partition("-")
    lowered = tag.lower()
    if not any(c.isdigit() for c in version) and version.lower() not in CODENAMES:
        # `latest`, `lts`, `bookworm`: a floating alias is never worth suggesting again.
        version = "<version>"
        variant = variant if variant in _DEBIAN_CODENAMES else ""
        tag = f"{version}-{variant}" if variant else version
    if any(word in lowered for word in ("slim", "alpine", "distroless", "windows", "nano")):
        return None
    if name in ("python", "ruby"):
        if variant in _DEBIAN_CODENAMES:
            return f"{name}:{version}-slim-{variant}"
        return f"{name}:{tag}-slim" if not variant else None
    if name == "node":
        if variant in _DEBIAN_CODENAMES:
            return f"node:{tag}-slim"
        return f"node:{tag}-alpine (or node:{tag}-slim)" if not variant else None
    if name == "debian":
        return f"debian:{tag}-slim"
    return None


_JAVA_VERSION = re.compile(r"(?:temurin|jdk|java)-?(\d+)", re.IGNORECASE)


def _runtime_image(name: str, tag: str) -> str:
    """The run-time image of the toolchain's own family, pinned to a fixed tag."""
    if name == "golang":
        return "gcr.io/distroless/static-debian12:nonroot (CGO_ENABLED=0)"
    if name == "rust":
        return "gcr.io/distroless/cc-debian12:nonroot"
    # eclipse-temurin:21-jdk, openjdk:17; maven:3.9-eclipse-temurin-21, gradle:8.7-jdk21.
    found = (
        re.match(r"(\d+)", tag)
        if name in ("openjdk", "eclipse-temurin")
        else _JAVA_VERSION.search(tag)
    )
    java = found.group(1) if found is not None else "<version>"
    return f"eclipse-temurin:{java}-jre or gcr.io/distroless/java{java}-debian12:nonroot"


def _check_minimal_base(dockerfile: Dockerfile, file: str) -> Iterator[Finding]:
    stage = dockerfile.final_stage
    if stage is None:
        return
    # A final stage built FROM an earlier stage ships that stage's base image.
    origin = list(_stage_chain(dockerfile, stage))[-1]
    pin = _base_pin(dockerfile, origin)
    if pin is None or pin.reference is None or pin.reference.tag is None:
        return
    name, tag = official_name(pin.reference), pin.reference.tag
    suggestion: str | None = None
    if name in ("python", "ruby", "node", "debian"):
        suggestion = _slim_variant(name, tag)
    elif name == "ubuntu":
        suggestion = "gcr.io/distroless/base-debian12:nonroot (or debian:<version>-slim)"
    elif name in _TOOLCHAIN_IMAGES and "jre" not in tag:
        suggestion = f"a build stage for the toolchain and {_runtime_image(name, tag)} "
        suggestion += "for the final stage"
    if suggestion is not None:
        yield RULES["DF009"].finding(
            file,
            stage.line,
            f"the final stage is based on {name}:{tag}, a full image with tools the "
            "application does not need at run time",
            f"use {suggestion}",
        )
