"""Every ```python block in README.md and docs/ runs, so the docs cannot drift.

Blocks of one page run in order in one namespace, in a fresh temporary directory. A block
preceded by the line ``<!-- no-run: reason -->`` is skipped (it needs a real Vault or a
provider account); the reason is required, so nothing is skipped silently.
"""

from __future__ import annotations

import os
import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
PAGES = [ROOT / "README.md", *sorted((ROOT / "docs").rglob("*.md"))]
BLOCK = re.compile(
    r"(?P<marker><!--\s*no-run:(?P<reason>[^>]*)-->\s*\n)?^```python[^\n]*\n(?P<code>.*?)^```",
    re.MULTILINE | re.DOTALL,
)


def _blocks(page: Path) -> list[tuple[int, str, str | None]]:
    text = page.read_text(encoding="utf-8")
    out = []
    for match in BLOCK.finditer(text):
        line = text.count("\n", 0, match.start("code")) + 1
        reason = match.group("reason")
        out.append((line, match.group("code"), reason.strip() if reason is not None else None))
    return out


PAGES_WITH_CODE = [p for p in PAGES if _blocks(p)]


def test_there_are_examples_to_run() -> None:
    assert len(PAGES_WITH_CODE) >= 3


@pytest.mark.parametrize("page", PAGES_WITH_CODE, ids=lambda p: str(p.relative_to(ROOT)))
def test_page_examples_run(page: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    namespace: dict[str, object] = {"__name__": f"docs_{page.stem}"}
    ran = 0
    for line, code, skip_reason in _blocks(page):
        if skip_reason is not None:
            assert skip_reason, f"{page}:{line}: a no-run marker needs a reason"
            continue
        compiled = compile(code, f"{page.relative_to(ROOT)}:{line}", "exec")
        exec(compiled, namespace)  # noqa: S102 - running our own documentation
        ran += 1
    assert ran > 0 or os.environ.get("MOSAIC_DOCS_ALLOW_EMPTY")
