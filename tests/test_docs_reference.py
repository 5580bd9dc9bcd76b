"""The documentation site covers the whole public API, and every page is reachable.

* Every name in ``mosaic_sdk.__all__`` is rendered by a ``::: module`` directive of an
  API reference page (the module exports it in its ``__all__``), or by a ``::: module.Name``
  directive of its own.
* Every Markdown page under ``docs/`` is in the ``mkdocs.yml`` navigation, and every
  navigation entry exists.

``make docs`` (``mkdocs build --strict``) then fails if a directive cannot be rendered.
"""

from __future__ import annotations

import importlib
import re
from pathlib import Path
from typing import Any

import pytest
import yaml

import mosaic_sdk

ROOT = Path(__file__).resolve().parents[1]
DOCS = ROOT / "docs"
REFERENCE_PAGES = [*sorted((DOCS / "reference").glob("*.md")), DOCS / "exceptions.md"]
DIRECTIVE = re.compile(r"^:::\s+([\w.]+)\s*$", re.MULTILINE)


def _directives() -> list[str]:
    return [
        target
        for page in REFERENCE_PAGES
        for target in DIRECTIVE.findall(page.read_text(encoding="utf-8"))
    ]


def _rendered_objects() -> list[Any]:
    """The objects the reference directives render."""
    found: list[Any] = []
    for target in _directives():
        try:
            module = importlib.import_module(target)
        except ModuleNotFoundError:
            parent, _, attribute = target.rpartition(".")
            found.append(getattr(importlib.import_module(parent), attribute))
            continue
        exported = getattr(module, "__all__", None)
        assert exported is not None, f"::: {target}: the module has no __all__ to render"
        found.extend(getattr(module, name) for name in exported)
    return found


RENDERED = _rendered_objects()
PUBLIC = [name for name in mosaic_sdk.__all__ if name != "__version__"]


def test_reference_pages_exist() -> None:
    assert len(_directives()) >= 10


@pytest.mark.parametrize("name", PUBLIC)
def test_every_public_name_is_in_the_api_reference(name: str) -> None:
    obj = getattr(mosaic_sdk, name)
    assert any(candidate is obj for candidate in RENDERED), (
        f"mosaic_sdk.{name} is not rendered by any '::: module' directive in docs/reference/; "
        "add its module (or '::: module.Name') to a reference page"
    )


def _nav_files(node: Any) -> list[str]:
    if isinstance(node, str):
        return [node]
    if isinstance(node, list):
        return [f for item in node for f in _nav_files(item)]
    if isinstance(node, dict):
        return [f for value in node.values() for f in _nav_files(value)]
    return []


def test_every_page_is_in_the_nav_and_every_nav_entry_exists() -> None:
    config = yaml.safe_load((ROOT / "mkdocs.yml").read_text(encoding="utf-8"))
    nav = _nav_files(config["nav"])
    pages = sorted(p.relative_to(DOCS).as_posix() for p in DOCS.rglob("*.md"))
    assert sorted(set(nav)) == sorted(nav), "a page is listed twice in the nav"
    assert [p for p in pages if p not in nav] == [], "pages missing from the mkdocs.yml nav"
    assert [p for p in nav if p not in pages] == [], "nav entries without a page"
