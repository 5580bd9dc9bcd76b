"""The shell sessions in docs/cli.md run, in order, and print what the page says.

The page's ``python`` blocks (which set up an OCI layout and some files) and its
``console`` blocks run in one temporary directory, top to bottom. In a console block,
``$ mosaic ...`` runs :func:`mosaic_sdk.cli.main`, ``$ export A=B`` sets variables and
``$ echo $?`` checks the previous exit code, ``~/`` is the home directory and a final
``| jq FILTER`` pipes stdout through ``jq``; every other command needs the block to be
marked ``<!-- no-run: reason -->``. A block marked ``<!-- run-with: vault -->`` runs
against the in-memory Vault of ``tests/_fake_vault.py`` served on 127.0.0.1, with
``https://vault.example.com:8200`` replaced by its URL and ``~/.vault-token`` holding
its token. The expected output is stderr followed by stdout (the
notes a command prints come before its result); ``...`` in it matches any text, and a
``sha256:`` digest (full or 12-digit short) matches any digest.
"""

from __future__ import annotations

import re
import shlex
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest
from _cli_helpers import CLI
from _fake_vault import TEST_TOKEN, FakeVault, serve
from _servers import require_binary

ROOT = Path(__file__).resolve().parents[3]
PAGE = ROOT / "docs" / "cli.md"
BLOCK = re.compile(
    r"(?:<!--\s*(?:no-run:(?P<reason>[^>]*)|run-with:(?P<stand_ins>[^>]*))-->\s*\n)?"
    r"^```(?P<lang>python|console)[^\n]*\n(?P<code>.*?)^```",
    re.MULTILINE | re.DOTALL,
)


# Digests differ between runs (image creation times differ): any full or short sha256
# digest matches any other.
_DIGEST = re.compile(r"sha256:[0-9a-f]{12}(?:[0-9a-f]{52})?\b")


def _sessions(text: str) -> list[tuple[str, list[str]]]:
    """``(command, expected output lines)`` for each ``$`` line of a console block."""
    sessions: list[tuple[str, list[str]]] = []
    for line in text.splitlines():
        if line.startswith("$ "):
            sessions.append((line[2:], []))
        else:
            assert sessions, f"output before any command: {line!r}"
            sessions[-1][1].append(line)
    return sessions


def _matches(expected: str, actual: str) -> bool:
    expected, actual = (
        _DIGEST.sub("sha256:<digest>", expected),
        _DIGEST.sub("sha256:<digest>", actual),
    )
    pattern = ".*?".join(re.escape(part) for part in expected.split("..."))
    return re.fullmatch(pattern, actual, re.DOTALL) is not None


@pytest.fixture
def vault_stand_in(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    """A Vault with a legacy ``secret`` mount (two secrets, one with a legacy field) and
    a clean ``secret-prod``; ``~/.vault-token`` holds its token. Yields its URL."""
    vault = FakeVault({"secret": 2, "secret-prod": 2})
    vault.seed_v2("secret", "payments/database/app", {"username": "app", "pass": "legacy-pw-1"})
    vault.seed_v2("secret", "payments/smtp", {"password": "legacy-pw-2"})
    vault.seed_v2("secret-prod", "payments/database/app", {"username": "app", "password": "pw-3"})
    home = tmp_path / "home"
    home.mkdir()
    (home / ".vault-token").write_text(TEST_TOKEN + "\n")
    monkeypatch.setenv("HOME", str(home))
    with serve(vault) as url:
        yield url


def _jq(text: str, program: str) -> str:
    jq = require_binary("jq")
    return subprocess.run(
        [jq, program], input=text, capture_output=True, text=True, check=True
    ).stdout


def test_cli_page_sessions_run(
    cli: CLI, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, request: pytest.FixtureRequest
) -> None:
    monkeypatch.chdir(tmp_path)
    text = PAGE.read_text(encoding="utf-8")
    namespace: dict[str, object] = {"__name__": "docs_cli"}
    commands = 0
    last_code: int | None = None
    for block in BLOCK.finditer(text):
        where = f"docs/cli.md:{text.count(chr(10), 0, block.start('code')) + 1}"
        if block.group("reason") is not None:
            assert block.group("reason").strip(), f"{where}: a no-run marker needs a reason"
            continue
        code = block.group("code")
        for name in (block.group("stand_ins") or "").split(","):
            if name.strip():
                assert name.strip() == "vault", f"{where}: unknown stand-in {name!r}"
                url = request.getfixturevalue("vault_stand_in")
                code = code.replace("https://vault.example.com:8200", url)
        if block.group("lang") == "python":
            exec(compile(code, where, "exec"), namespace)  # noqa: S102 - our own docs
            continue
        for command, expected_lines in _sessions(code):
            command, _, jq_program = command.partition(" | jq ")
            argv = [
                str(Path.home() / arg[2:]) if arg.startswith("~/") else arg
                for arg in shlex.split(command)
            ]
            expected = "\n".join(expected_lines) + ("\n" if expected_lines else "")
            if argv[0] == "export":
                for assignment in argv[1:]:
                    name, _, value = assignment.partition("=")
                    monkeypatch.setenv(name, value)
                continue
            if argv == ["echo", "$?"]:
                assert f"{last_code}\n" == expected, f"{where}: exit code of the last command"
                continue
            assert argv[0] == "mosaic", f"{where}: {command!r} cannot run here; mark the block"
            run = cli(*argv[1:])
            last_code = run.code
            commands += 1
            actual = run.err + (_jq(run.out, shlex.split(jq_program)[0]) if jq_program else run.out)
            assert _matches(expected, actual), (
                f"{where}: $ {command}\n--- expected\n{expected}--- actual\n{actual}"
            )
    assert commands >= 15


def test_the_matcher() -> None:
    assert _matches("a ... c\n", "a bbb\nb c\n")
    assert not _matches("a ... c\n", "a b d\n")
    assert _matches("x sha256:" + "0" * 12 + " y\n", "x sha256:" + "a1" * 6 + " y\n")
    assert not _matches("x sha256:" + "0" * 12 + " y\n", "x sha256:nothex y\n")
    assert _matches("x\n", "x\n")
