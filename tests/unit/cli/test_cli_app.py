"""The ``mosaic`` command as a whole: help, exit codes, credentials, logging, processes."""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from mosaic_sdk.cli import (
    EXIT_ERROR,
    EXIT_FAILURE,
    EXIT_INTERNAL,
    EXIT_INTERRUPTED,
    EXIT_OK,
    EXIT_USAGE,
    build_parser,
    exit_code_for,
)
from mosaic_sdk.cli import _images as images_module
from mosaic_sdk.errors import (
    APIConnectionError,
    ConfigurationError,
    ForbiddenTagError,
    PromotionError,
    ServerError,
    ValidationFailedError,
    VaultError,
)
from mosaic_sdk.observability import registered_secrets
from tests._support.cli_helpers import CLI

EXPECTED_COMMANDS = {
    ("vault", "path"),
    ("vault", "audit"),
    ("vault", "policy"),
    ("tag", "parse"),
    ("tag", "next-rc"),
    ("promote",),
    ("retention", "plan"),
    ("retention", "apply"),
    ("validate",),
    ("rollback",),
    ("target",),
    ("health",),
    ("lint",),
    ("commit-msg",),
    ("demo",),
}


def _leaves(
    parser: argparse.ArgumentParser, path: tuple[str, ...] = ()
) -> Iterator[tuple[tuple[str, ...], argparse.ArgumentParser]]:
    children = [a for a in parser._actions if isinstance(a, argparse._SubParsersAction)]
    if not children:
        yield path, parser
        return
    for name, child in children[0].choices.items():
        yield from _leaves(child, (*path, name))


LEAVES = dict(_leaves(build_parser()))


def test_every_expected_command_exists() -> None:
    assert set(LEAVES) >= EXPECTED_COMMANDS


@pytest.mark.parametrize("path", sorted(LEAVES), ids=" ".join)
def test_every_command_has_help_with_examples_and_json(cli: CLI, path: tuple[str, ...]) -> None:
    run = cli(*path, "--help")
    assert run.code == EXIT_OK
    assert run.out.startswith(f"usage: mosaic {' '.join(path)}")
    examples = run.out.split("examples:\n", 1)[1]
    assert f"mosaic {path[0]}" in examples
    assert "exit codes:" in run.out
    assert "--json" in run.out


@pytest.mark.parametrize("path", sorted(LEAVES), ids=" ".join)
def test_no_option_takes_a_secret_in_plain_text(path: tuple[str, ...]) -> None:
    options = [s for a in LEAVES[path]._actions for s in a.option_strings]
    for option in options:
        lowered = option.lower()
        if any(word in lowered for word in ("token", "password", "secret", "api-key")):
            assert lowered.endswith("-file"), f"{option} would take a secret on the command line"


def test_top_level_help_and_version(cli: CLI) -> None:
    run = cli("--help")
    assert run.code == EXIT_OK
    for command in {p[0] for p in LEAVES}:
        assert f"    {command}" in run.out
    assert "exit codes:" in run.out
    version = cli("--version")
    assert version.code == EXIT_OK
    assert version.out.startswith("mosaic ")


@pytest.mark.parametrize(
    "argv",
    [[], ["nope"], ["tag"], ["tag", "parse"], ["lint", "--bogus"], ["retention", "plan", "-x"]],
)
def test_usage_errors_exit_2(cli: CLI, argv: list[str]) -> None:
    run = cli(*argv)
    assert run.code == EXIT_USAGE
    assert "usage: mosaic" in run.err
    assert run.out == ""


@pytest.mark.parametrize(
    ("error", "code"),
    [
        (ForbiddenTagError("latest", "is mutable", "use a digest"), EXIT_USAGE),
        (ConfigurationError("no token"), EXIT_USAGE),
        (PromotionError("promote to staging first"), EXIT_FAILURE),
        (ValidationFailedError("health check failed"), EXIT_FAILURE),
        (APIConnectionError("refused", provider="registry"), EXIT_ERROR),
        (ServerError("boom", status_code=503), EXIT_ERROR),
        (VaultError("sealed", status_code=503), EXIT_ERROR),
    ],
)
def test_exit_code_for_each_kind_of_error(error: Exception, code: int) -> None:
    assert exit_code_for(error) == code  # type: ignore[arg-type]


def test_unreachable_registry_exits_3(cli: CLI) -> None:
    from tests._support.servers import free_port

    url = f"http://127.0.0.1:{free_port()}"
    run = cli("tag", "next-rc", "1.0.0", "--registry", url, "--repository", "a/b", "--json")
    assert run.code == EXIT_ERROR
    assert run.json()["error"]["type"] == "APIConnectionError"


def test_an_unexpected_exception_exits_4(cli: CLI, monkeypatch: pytest.MonkeyPatch) -> None:
    def broken(*args: object) -> int:
        raise RuntimeError("kaput")

    monkeypatch.setattr(images_module, "_tag_text", broken)
    run = cli("tag", "parse", "v1.0.0")
    assert run.code == EXIT_INTERNAL
    assert "internal error: RuntimeError: kaput; this is a bug" in run.err
    assert "Traceback" not in run.err
    verbose = cli("-v", "tag", "parse", "v1.0.0")
    assert "Traceback" in verbose.err


def test_ctrl_c_exits_130(cli: CLI, monkeypatch: pytest.MonkeyPatch) -> None:
    def interrupted(*args: object) -> int:
        raise KeyboardInterrupt

    monkeypatch.setattr(images_module, "_tag_text", interrupted)
    assert cli("tag", "parse", "v1.0.0").code == EXIT_INTERRUPTED


def test_registry_password_comes_from_the_environment_or_a_file(
    cli: CLI, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    from tests._support.servers import free_port

    url = f"http://127.0.0.1:{free_port()}"
    monkeypatch.setenv("MOSAIC_REGISTRY_PASSWORD", "env-password-5521")
    run = cli("tag", "next-rc", "1.0.0", "--registry", url, "--repository", "a/b")
    assert run.code == EXIT_USAGE
    assert "without a user name" in run.err
    assert "env-password-5521" in registered_secrets()

    monkeypatch.delenv("MOSAIC_REGISTRY_PASSWORD")
    password_file = tmp_path / "password"
    password_file.write_text("file-password-7731\n")
    run = cli(
        "tag", "next-rc", "1.0.0", "--registry", url, "--repository", "a/b",
        "--username", "ci", "--password-file", str(password_file),
    )  # fmt: skip
    assert run.code == EXIT_ERROR  # nothing listens there
    assert "file-password-7731" in registered_secrets()
    assert "file-password-7731" not in run.err


def test_bad_correlation_id_exits_2(cli: CLI) -> None:
    run = cli("--correlation-id", "has space", "tag", "parse", "v1.0.0")
    assert run.code == EXIT_USAGE
    assert "'has space'" in run.err


# -- as a process ---------------------------------------------------------------------------


def _script() -> Path:
    script = Path(sys.executable).parent / "mosaic"
    if not script.exists():
        pytest.fail(f"the console script {script} is missing; run 'pip install -e .' again")
    return script


def test_console_script_help() -> None:
    result = subprocess.run(
        [str(_script()), "--help"], capture_output=True, text=True, timeout=60, check=False
    )
    assert result.returncode == 0
    assert result.stdout.startswith("usage: mosaic")
    assert "exit codes:" in result.stdout


def test_python_dash_m_and_exit_codes_as_a_process() -> None:
    bad = subprocess.run(
        [sys.executable, "-m", "mosaic_sdk.cli", "tag", "parse", "latest", "--json"],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert bad.returncode == EXIT_USAGE
    assert json.loads(bad.stdout)["error"]["type"] == "ForbiddenTagError"


def test_commit_msg_as_a_real_git_hook(tmp_path: Path) -> None:
    git = shutil.which("git")
    if git is None:
        pytest.skip("git is not installed")
    repo = tmp_path / "repo"
    env = {
        **os.environ,
        "GIT_AUTHOR_NAME": "t",
        "GIT_AUTHOR_EMAIL": "t@example.com",
        "GIT_COMMITTER_NAME": "t",
        "GIT_COMMITTER_EMAIL": "t@example.com",
        "GIT_CONFIG_GLOBAL": os.devnull,
        "GIT_CONFIG_NOSYSTEM": "1",
    }

    def git_run(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [git, *args], cwd=repo, env=env, capture_output=True, text=True, check=False
        )

    repo.mkdir()
    assert git_run("init", "-q").returncode == 0
    hook = repo / ".git" / "hooks" / "commit-msg"
    hook.write_text(f'#!/bin/sh\nexec "{_script()}" commit-msg "$1"\n')
    hook.chmod(0o755)
    (repo / "a.txt").write_text("a\n")
    git_run("add", "a.txt")
    refused = git_run("commit", "-q", "-m", "added stuff")
    assert refused.returncode != 0
    assert "CM001" in refused.stderr
    accepted = git_run("commit", "-q", "-m", "feat(#7): Add a\n\nRefs #7")
    assert accepted.returncode == 0, accepted.stderr
    assert git_run("log", "--format=%s").stdout.strip() == "feat(#7): Add a"
