"""Build ``examples/walkthrough.ipynb`` from ``docs/notebook.md``.

The page is the single source: its ``python`` blocks become code cells, the prose between
them Markdown cells. ``python examples/make_walkthrough.py`` checks that the notebook is
up to date (exit code 1 when it is stale); ``--write`` regenerates it after the page
changed. ``tests/test_walkthrough_notebook.py`` fails while the two differ, and runs the
cells.
"""

from __future__ import annotations

import json
import re
import sys
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
PAGE = ROOT / "docs" / "notebook.md"
NOTEBOOK = ROOT / "examples" / "walkthrough.ipynb"
_CODE = re.compile(r"^```python[^\n]*\n(?P<code>.*?)^```[ \t]*\n?", re.MULTILINE | re.DOTALL)


def _lines(text: str) -> list[str]:
    lines = text.splitlines(keepends=True)
    if lines:
        lines[-1] = lines[-1].rstrip("\n")
    return lines


def _cell(kind: str, index: int, text: str) -> dict[str, Any]:
    cell: dict[str, Any] = {
        "cell_type": kind,
        "id": f"{kind}-{index:02d}",
        "metadata": {},
        "source": _lines(text),
    }
    if kind == "code":
        cell["execution_count"] = None
        cell["outputs"] = []
    return cell


def build(page: str) -> dict[str, Any]:
    """The notebook (nbformat 4.5, unexecuted) for the Markdown text of the page."""
    cells: list[dict[str, Any]] = []
    position = 0
    for index, match in enumerate(_CODE.finditer(page)):
        prose = page[position : match.start()].strip()
        if prose:
            cells.append(_cell("markdown", index, prose))
        cells.append(_cell("code", index, match.group("code").rstrip("\n")))
        position = match.end()
    tail = page[position:].strip()
    if tail:
        cells.append(_cell("markdown", len(cells), tail))
    return {
        "cells": cells,
        "metadata": {
            "kernelspec": {"display_name": "Python 3", "language": "python", "name": "python3"},
            "language_info": {"name": "python"},
        },
        "nbformat": 4,
        "nbformat_minor": 5,
    }


def render(page: str) -> str:
    """The notebook file's text."""
    return json.dumps(build(page), indent=1, ensure_ascii=False) + "\n"


def main(argv: list[str]) -> int:
    expected = render(PAGE.read_text(encoding="utf-8"))
    notebook = NOTEBOOK.relative_to(ROOT)
    if argv == ["--write"]:
        NOTEBOOK.write_text(expected, encoding="utf-8")
        print(f"wrote {notebook}")
        return 0
    if argv:
        print("usage: python examples/make_walkthrough.py [--write]", file=sys.stderr)
        return 2
    current = NOTEBOOK.read_text(encoding="utf-8") if NOTEBOOK.exists() else ""
    if current != expected:
        print(f"{notebook} is stale; run: python examples/make_walkthrough.py --write")
        return 1
    cells = len(build(PAGE.read_text(encoding="utf-8"))["cells"])
    print(f"{notebook} is up to date with docs/notebook.md ({cells} cells)")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
