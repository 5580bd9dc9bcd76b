"""The examples in the SDK's docstrings are correct: every module that has ``>>>``
examples is run through doctest (examples marked ``+SKIP`` need a live server)."""

from __future__ import annotations

import doctest
import importlib
import pkgutil

import pytest

import mosaic_sdk


def _modules_with_examples() -> list[str]:
    names = []
    for info in pkgutil.walk_packages(mosaic_sdk.__path__, "mosaic_sdk."):
        if info.name.endswith("__main__"):
            continue
        module = importlib.import_module(info.name)
        examples = [e for t in doctest.DocTestFinder().find(module) for e in t.examples]
        if any(not e.options.get(doctest.SKIP) for e in examples):
            names.append(info.name)
    return names


MODULES = _modules_with_examples()


def test_the_modules_that_teach_by_example_are_all_found() -> None:
    for name in ("mosaic_sdk.values._digest", "mosaic_sdk.registry._cache",
                 "mosaic_sdk.release._promotion", "mosaic_sdk.testing"):  # fmt: skip
        assert name in MODULES


@pytest.mark.parametrize("name", MODULES)
def test_docstring_examples(name: str) -> None:
    module = importlib.import_module(name)
    result = doctest.testmod(module, optionflags=doctest.ELLIPSIS)
    assert result.failed == 0
    assert result.attempted > 0
