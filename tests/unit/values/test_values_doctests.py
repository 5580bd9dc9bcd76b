"""The examples in the value types' docstrings are correct."""

from __future__ import annotations

import doctest
import importlib

import pytest

MODULES = ["_commit", "_digest", "_environment", "_image", "_tag", "_vault"]


@pytest.mark.parametrize("name", MODULES)
def test_docstring_examples(name: str) -> None:
    module = importlib.import_module(f"mosaic_sdk.values.{name}")
    result = doctest.testmod(module, optionflags=doctest.ELLIPSIS)
    assert result.failed == 0
    assert result.attempted > 0
