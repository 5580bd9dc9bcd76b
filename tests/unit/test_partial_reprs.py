"""Every hand-written ``__repr__`` works on a half-built instance.

An ``__init__`` that raises part-way leaves an instance that tracebacks still show
(``pytest --showlocals``, debuggers, logged frames); a repr raising AttributeError there
hides the real error. ``mosaic_sdk._core._repr.safe_repr`` is the fix; this walks the package
so that a new class cannot forget it.
"""

from __future__ import annotations

import enum
import importlib
import inspect
import pkgutil

import pytest

import mosaic_sdk
from mosaic_sdk._core._repr import safe_repr


def _hand_written_reprs() -> list[type]:
    found: dict[str, type] = {}
    for info in pkgutil.walk_packages(mosaic_sdk.__path__, "mosaic_sdk."):
        if info.name.endswith("__main__"):
            continue  # running it is running the CLI
        module = importlib.import_module(info.name)
        for cls in vars(module).values():
            if not inspect.isclass(cls) or not cls.__module__.startswith("mosaic_sdk."):
                continue
            method = vars(cls).get("__repr__")
            code = getattr(inspect.unwrap(method), "__code__", None) if method else None
            # attrs writes its own reprs (file "<attrs generated ...>"): those are not ours.
            if code is None or code.co_filename.startswith("<") or issubclass(cls, enum.Enum):
                continue
            found[f"{cls.__module__}.{cls.__qualname__}"] = cls
    return [found[name] for name in sorted(found)]


CLASSES = _hand_written_reprs()


def test_the_walk_finds_the_hand_written_reprs() -> None:
    names = {cls.__qualname__ for cls in CLASSES}
    assert {"ReleaseEvidence", "AsyncHAProxySplitter", "SecretStore", "RetentionPlan"} <= names


@pytest.mark.parametrize("cls", CLASSES, ids=lambda c: f"{c.__module__}.{c.__qualname__}")
def test_repr_of_an_instance_with_no_attributes_set(cls: type) -> None:
    bare = cls.__new__(cls) if issubclass(cls, BaseException) else object.__new__(cls)
    text = repr(bare)
    assert text.startswith(f"<{cls.__name__}, partially initialised: no ") or (cls.__name__ in text)


def test_safe_repr_leaves_other_errors_alone() -> None:
    class Other:
        @safe_repr
        def __repr__(self) -> str:
            return str(self.missing_elsewhere)

        @property
        def missing_elsewhere(self) -> object:
            return object().nothing  # type: ignore[attr-defined]

    with pytest.raises(AttributeError, match="nothing"):
        repr(Other())


def test_a_full_instance_keeps_its_repr() -> None:
    class Box:
        def __init__(self, size: int) -> None:
            self.size = size

        @safe_repr
        def __repr__(self) -> str:
            return f"Box({self.size})"

    assert repr(Box(3)) == "Box(3)"
    assert repr(object.__new__(Box)) == "<Box, partially initialised: no 'size'>"
