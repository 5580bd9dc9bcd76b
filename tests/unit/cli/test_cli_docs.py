"""The shell sessions in docs/cli.md run, in order, and print what the page says.

The page's ``python`` blocks (which set up an OCI layout and some files) and its
``console`` blocks run in one temporary directory, top to bottom. In a console block,
``$ mosaic ...`` runs :func:`mosaic_sdk.cli.main`, ``$ export A=B`` sets variables and
``$ echo $?`` checks the previous exit code; every other command needs the block to be
marked ``<!-- no-run: reason -->``. The expected output is stderr followed by stdout (the
notes a command prints come before its result); ``...`` in it matches any text, and a
``sha256:`` digest (full or 12-digit short) matches any digest.
"""

from __future__ import annotations

import re
import shlex
from pathlib import Path

import pytest
from _cli_helpers import CLI

ROOT = Path(__file__).resolve().parents[3]
PAGE = ROOT / "docs" / "cli.md"
BLOCK = re.compile(
    r"(?P<marker><!--\s*no-run:(?P<reason>[^>]*)-->\s*\n)?^```(?P<lang>python|console)[^\n]*\n"
    r"(?P<code>.*?)^```",
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


def test_cli_page_sessions_run(cli: CLI, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    text = PAGE.read_text(encoding="utf-8")
    namespace: dict[str, object] = {"__name__": "docs_cli"}
    commands = 0
    last_code: int | None = None
    for block in BLOCK.finditer(text):
        where = f"docs/cli.md:{text.count(chr(10), 0, block.start('code')) + 1}"
        if block.group("marker"):
            assert block.group("reason").strip(), f"{where}: a no-run marker needs a reason"
            continue
        code = block.group("code")
        if block.group("lang") == "python":
            exec(compile(code, where, "exec"), namespace)  # noqa: S102 - our own docs
            continue
        for command, expected_lines in _sessions(code):
            argv = shlex.split(command)
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
            actual = run.err + run.out
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
