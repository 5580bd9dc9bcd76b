"""The two docs/cli.md blocks the session runner cannot replay, run for real elsewhere.

* the git hook installer: its shell commands run in a temporary git repository, then git
  itself must refuse a commit with a bad message and accept a good one;
* the GitHub Actions steps: the ``mosaic lint`` command runs as written and writes the SARIF
  file the upload step names.
"""

from __future__ import annotations

import json
import os
import re
import shlex
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from mosaic_sdk.cli import main

PAGE = Path(__file__).resolve().parents[3] / "docs" / "cli.md"


def _block_after(marker: str, lang: str) -> str:
    text = PAGE.read_text(encoding="utf-8")
    start = text.index(marker)
    match = re.compile(rf"^```{lang}\n(?P<code>.*?)^```", re.MULTILINE | re.DOTALL).search(
        text, start
    )
    assert match is not None, f"no ```{lang} block after {marker!r} in docs/cli.md"
    return match.group("code")


def _git(repo: Path, *args: str, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    git = shutil.which("git")
    if git is None:
        pytest.skip("git is not installed")
    return subprocess.run(
        [git, *args], cwd=repo, env=env, capture_output=True, text=True, check=False
    )


def test_hook_installer_block_makes_git_refuse_bad_messages(tmp_path: Path) -> None:
    code = _block_after("Install it as a hook in a repository", "console")
    commands = [line[2:] for line in code.splitlines() if line.startswith("$ ")]
    assert len(commands) == 2
    env = {
        **os.environ,
        "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ.get('PATH', '')}",
        "GIT_AUTHOR_NAME": "docs",
        "GIT_AUTHOR_EMAIL": "docs@example.invalid",
        "GIT_COMMITTER_NAME": "docs",
        "GIT_COMMITTER_EMAIL": "docs@example.invalid",
    }
    assert _git(tmp_path, "init", "-q", env=env).returncode == 0
    for command in commands:
        done = subprocess.run(
            ["/bin/sh", "-c", command], cwd=tmp_path, env=env, capture_output=True, text=True
        )
        assert done.returncode == 0, f"$ {command}\n{done.stderr}"
    hook = tmp_path / ".git" / "hooks" / "commit-msg"
    assert os.access(hook, os.X_OK)

    refused = _git(tmp_path, "commit", "-q", "--allow-empty", "-m", "added stuff", env=env)
    assert refused.returncode != 0
    assert "CM001" in refused.stdout + refused.stderr
    accepted = _git(
        tmp_path,
        "commit",
        "-q",
        "--allow-empty",
        "-m",
        "feat(#7): Add the mosaic command\n\nRefs #7",
        env=env,
    )
    assert accepted.returncode == 0, accepted.stdout + accepted.stderr
    log = _git(tmp_path, "log", "--format=%s", env=env).stdout.splitlines()
    assert log == ["feat(#7): Add the mosaic command"]


def test_github_actions_steps_write_the_sarif_file_they_upload(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    steps = yaml.safe_load(_block_after("upload the SARIF file", "yaml"))
    run = next(step["run"] for step in steps if "run" in step)
    upload = next(step for step in steps if "uses" in step)
    argv = shlex.split(run)
    assert argv[:2] == ["mosaic", "lint"]
    monkeypatch.chdir(tmp_path)
    (tmp_path / "Dockerfile").write_text("FROM python:latest\nCOPY . .\nCMD python app.py\n")

    code = main(argv[1:])
    capsys.readouterr()

    assert code == 0  # --fail-on never: the findings are for code scanning, not the build
    sarif = json.loads((tmp_path / upload["with"]["sarif_file"]).read_text())
    assert sarif["version"] == "2.1.0"
    assert {r["ruleId"] for r in sarif["runs"][0]["results"]} >= {"DF001", "DF005"}
