"""``examples/walkthrough.ipynb``: in sync with docs/notebook.md, and its cells run.

The code cells run in order in one namespace, like a kernel would, on embedded defaults
(an OCI layout in a temporary directory). When a cell ends with an expression, its value
is "displayed" as Jupyter would: through ``_repr_html_`` when the object has one, and
that rendering must be HTML.
"""

from __future__ import annotations

import ast
import importlib.util
import json
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOK = ROOT / "examples" / "walkthrough.ipynb"


def _generator() -> Any:
    spec = importlib.util.spec_from_file_location(
        "make_walkthrough", ROOT / "examples" / "make_walkthrough.py"
    )
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _notebook() -> dict[str, Any]:
    data: dict[str, Any] = json.loads(NOTEBOOK.read_text(encoding="utf-8"))
    return data


def test_notebook_is_generated_from_the_page() -> None:
    generator = _generator()
    expected = generator.render(generator.PAGE.read_text(encoding="utf-8"))
    assert NOTEBOOK.read_text(encoding="utf-8") == expected, (
        "examples/walkthrough.ipynb is stale: run 'python examples/make_walkthrough.py --write'"
    )


def test_notebook_format() -> None:
    notebook = _notebook()
    assert (notebook["nbformat"], notebook["nbformat_minor"]) == (4, 5)
    ids = [cell["id"] for cell in notebook["cells"]]
    assert len(ids) == len(set(ids))
    code = [cell for cell in notebook["cells"] if cell["cell_type"] == "code"]
    assert len(code) >= 10
    assert all(cell["outputs"] == [] and cell["execution_count"] is None for cell in code)


def _display(value: Any) -> str:
    html = getattr(value, "_repr_html_", None)
    if callable(html):
        rendered = html()
        assert isinstance(rendered, str), type(value)
        assert rendered.startswith("<"), type(value)
        return rendered
    return repr(value)


def test_code_cells_run_in_order(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    namespace: dict[str, Any] = {"__name__": "__main__"}
    displayed: list[str] = []
    cells = [c for c in _notebook()["cells"] if c["cell_type"] == "code"]
    for number, cell in enumerate(cells, start=1):
        source = "".join(cell["source"])
        tree = ast.parse(source)
        last = tree.body[-1] if tree.body else None
        if isinstance(last, ast.Expr):
            tree.body.pop()
        exec(compile(tree, f"walkthrough cell {number}", "exec"), namespace)  # noqa: S102
        if isinstance(last, ast.Expr):
            expression = ast.Expression(last.value)
            value = eval(compile(expression, f"walkthrough cell {number}", "eval"), namespace)  # noqa: S307
            if value is not None:
                displayed.append(_display(value))
    rich = [text for text in displayed if text.startswith("<") and "<table" in text]
    assert len(rich) >= 4, "plans, records and reports render as tables"
    assert not Path(namespace["workspace"]).exists(), "the last cell cleans up"
