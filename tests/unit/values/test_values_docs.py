"""docs/values.md: every ```python block runs on its own (each is self-contained), and a
block followed by "which prints" produces exactly the ```text block shown after it."""

from __future__ import annotations

import contextlib
import io
import re
from pathlib import Path

import pytest

PAGE = Path(__file__).resolve().parents[3] / "docs" / "values.md"
BLOCK = re.compile(
    r"^```python\n(?P<code>.*?)^```\n(?:\nwhich prints\n\n```text\n(?P<out>.*?)^```)?",
    re.MULTILINE | re.DOTALL,
)
BLOCKS = [
    (PAGE.read_text()[: m.start()].count("\n") + 1, m) for m in BLOCK.finditer(PAGE.read_text())
]


def test_page_has_examples_with_shown_output() -> None:
    assert len(BLOCKS) >= 10
    assert sum(1 for _, m in BLOCKS if m.group("out")) >= 3


@pytest.mark.parametrize(("line", "match"), BLOCKS, ids=[f"line{line}" for line, _ in BLOCKS])
def test_example_runs_alone_and_prints_what_the_page_shows(line: int, match: re.Match[str]) -> None:
    stdout = io.StringIO()
    with contextlib.redirect_stdout(stdout):
        exec(compile(match.group("code"), f"{PAGE}:{line}", "exec"), {"__name__": "docs"})  # noqa: S102
    if match.group("out") is not None:
        assert stdout.getvalue() == match.group("out")
